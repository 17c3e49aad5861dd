/*
 * loomctl: the administrator's tool.  It opens the same store as loomd
 * (LMDB serialises writers across processes), so it works while loomd runs.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <openssl/crypto.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "anon.h"
#include "article.h"
#include "config.h"
#include "header.h"
#include "import.h"
#include "log.h"
#include "password.h"
#include "pull.h"
#include "queue.h"
#include "retention.h"
#include "stats.h"
#include "store.h"
#include "util.h"
#include "wildmat.h"

struct ctl {
	struct config	 cfg;
	struct store	*store;
};

typedef int (*ctl_fn)(struct ctl *, int, char **);

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: loomctl [-c FILE] [-d DIR] COMMAND [ARGS]\n"
	    "  -c, --config FILE   read loom.conf from FILE\n"
	    "  -d, --data DIR      article store directory (overrides the "
	    "file)\n"
	    "commands:\n"
	    "  version                       print the version\n"
	    "  groups                        list groups: name, status, count,"
	    " low, high, description\n"
	    "  newgroup NAME [DESCRIPTION]   create a group (status y)\n"
	    "  rmgroup NAME                  remove a group and its articles "
	    "(cross-posts stay\n"
	    "                                in their other groups)\n"
	    "  thread MESSAGE-ID             the thread holding an article, "
	    "as a tree\n"
	    "  threads GROUP                 the group's threads, most recent "
	    "first\n"
	    "  expire [--dry-run]            apply the [expire] rules (--dry-run:"
	    " only say what would go)\n"
	    "  expire [--dry-run] DAYS [WILDMAT] remove articles older than DAYS "
	    "(history kept)\n"
	    "  backup DIR                    consistent copy of the store "
	    "into empty DIR\n"
	    "  peers                         each peer: address, groups, "
	    "queue, feed state\n"
	    "  pull PEER [WILDMAT]           fetch what PEER has and we lack "
	    "(loomd running)\n"
	    "  user add NAME                 add a reader; password from "
	    "standard input\n"
	    "  user passwd NAME              set a reader's password from "
	    "standard input\n"
	    "  user del NAME                 remove a reader\n"
	    "  user list                     readers: name, created (UTC), "
	    "flags\n"
	    "  stats [--json]                the running loomd's figures "
	    "(its control socket)\n"
	    "  group set NAME status=y|n|m   change a group's status (m: "
	    "moderated)\n"
	    "  queue list [GROUP]            posts awaiting moderation\n"
	    "  queue show ID                 one of them, whole\n"
	    "  queue approve ID [MODERATOR]  approve it (loomd stores it)\n"
	    "  queue reject ID [REASON]      reject it (removed, logged)\n"
	    "  trace TOKEN                   who posted anonymously with "
	    "TOKEN, and where\n"
	    "  cancel MESSAGE-ID [REASON]    withdraw an article here at once "
	    "(not sent to peers)\n"
	    "  import inn [--spool DIR] [--active FILE] [--newsgroups FILE]"
	    " [--history FILE]\n"
	    "                                move an INN tradspool site in "
	    "(groups, articles)\n"
	    "  import rnews [--xref] FILE|-  import an rnews batch (gzip "
	    "too)\n"
	    "  import mbox FILE GROUP        import a mail archive into "
	    "GROUP\n"
	    "  export GROUP [RANGE] [--format mbox|rnews]\n"
	    "                                the group's articles to "
	    "standard output\n");
}

static int
ctl_open(struct ctl *c)
{
	struct store_options	 opt;
	char			 err[256];
	enum store_status	 rc;

	config_store_options(&c->cfg, &opt);
	rc = store_open(&c->store, c->cfg.data, &opt, err, sizeof(err));
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: cannot open store in %s: %s\n",
		    c->cfg.data, err);
		return (-1);
	}
	return (0);
}

static int
ctl_version(struct ctl *c LOOM_UNUSED, int argc LOOM_UNUSED,
    char **argv LOOM_UNUSED)
{
	printf("loomctl (Loom) %s\n", LOOM_VERSION);
	return (0);
}

static int
ctl_print_group(const struct store_group *g, void *arg LOOM_UNUSED)
{
	printf("%s\t%c\t%u\t%u\t%u\t%s\n", g->name, g->status, g->count,
	    g->low, g->high, g->description);
	return (0);
}

static int
ctl_groups(struct ctl *c, int argc, char **argv LOOM_UNUSED)
{
	enum store_status	rc;

	if (argc != 0) {
		fprintf(stderr, "loomctl: usage: groups\n");
		return (2);
	}
	if (ctl_open(c) == -1)
		return (1);
	if ((rc = store_group_foreach(c->store, ctl_print_group, NULL)) !=
	    STORE_OK) {
		fprintf(stderr, "loomctl: %s\n", store_strerror(rc));
		return (1);
	}
	return (0);
}

/*
 * A group name is what POST accepts in Newsgroups (article_newsgroup_valid,
 * the one check of the syntax): a group loomctl could create but no client
 * could post to would be a trap.  That also keeps wildmat metacharacters
 * and whitespace out of the active list.  The length is the store's.
 */
static const char *
ctl_group_name_error(const char *name)
{
	size_t	len = strlen(name);

	if (len == 0)
		return ("empty name");
	if (len > STORE_GROUP_MAX)
		return ("name too long");
	if (!article_newsgroup_valid(name, len))
		return ("names are components of ASCII letters, digits, "
		    "\"+\", \"-\" and \"_\" separated by single dots");
	return (NULL);
}

static int
ctl_newgroup(struct ctl *c, int argc, char **argv)
{
	char			 desc[STORE_DESC_MAX + 1] = "";
	const char		*why;
	enum store_status	 rc;
	int			 i;

	if (argc < 1) {
		fprintf(stderr, "loomctl: usage: newgroup NAME "
		    "[DESCRIPTION]\n");
		return (2);
	}
	if ((why = ctl_group_name_error(argv[0])) != NULL) {
		fprintf(stderr, "loomctl: bad group name \"%s\": %s\n",
		    argv[0], why);
		return (1);
	}
	for (i = 1; i < argc; i++) {
		if (i > 1)
			strncat(desc, " ", sizeof(desc) - strlen(desc) - 1);
		strncat(desc, argv[i], sizeof(desc) - strlen(desc) - 1);
	}
	if (strpbrk(desc, "\r\n\t") != NULL) {
		fprintf(stderr, "loomctl: description may not hold tabs or "
		    "line breaks\n");
		return (1);
	}
	if (ctl_open(c) == -1)
		return (1);
	rc = store_group_create(c->store, argv[0], 'y', desc, "loomctl",
	    (int64_t)time(NULL));
	if (rc == STORE_EXISTS) {
		fprintf(stderr, "loomctl: group %s already exists\n", argv[0]);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: cannot create %s: %s\n", argv[0],
		    store_strerror(rc));
		return (1);
	}
	printf("created %s\n", argv[0]);
	return (0);
}

/*
 * Remove a group while loomd runs: LMDB serialises this writer with
 * loomd's, and loomd reads the group table per command, so LIST, GROUP
 * and NEWGROUPS stop showing it at once.  The store empties it the way
 * expiry does (an article only here goes, its thread node stays as a
 * placeholder if it has replies; a cross-post stays in its other groups)
 * and keeps its high-water mark, so a group created again under the name
 * numbers after the old articles and never collides with their Xref.
 */
static int
ctl_rmgroup(struct ctl *c, int argc, char **argv)
{
	struct store_group	 g;
	enum store_status	 rc;
	size_t			 i;

	if (argc != 1) {
		fprintf(stderr, "loomctl: usage: rmgroup NAME\n");
		return (2);
	}
	if (ctl_open(c) == -1)
		return (1);
	if ((rc = store_group_get(c->store, argv[0], &g)) == STORE_NOTFOUND) {
		fprintf(stderr, "loomctl: no group %s\n", argv[0]);
		return (1);
	}
	if (rc == STORE_OK)
		rc = store_group_remove(c->store, argv[0]);
	if (rc == STORE_NOTFOUND) {
		/* Another loomctl removed it meanwhile. */
		fprintf(stderr, "loomctl: no group %s\n", argv[0]);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: cannot remove %s: %s\n", argv[0],
		    store_strerror(rc));
		return (1);
	}
	printf("removed %s (%u articles)\n", argv[0], g.count);
	/* loomd creates the groups its config names at start and SIGHUP. */
	for (i = 0; i < c->cfg.ngroups; i++)
		if (strcmp(c->cfg.groups[i].name, argv[0]) == 0)
			fprintf(stderr, "loomctl: note: the config file has a "
			    "[group %s] section: loomd creates the group again "
			    "at its next start or SIGHUP unless the section "
			    "goes\n",
			    argv[0]);
	return (0);
}

static int
ctl_print_node(const struct store_thread_node *node, void *arg LOOM_UNUSED)
{
	char	subject[256], from[256], date[64];

	printf("%*s", (int)(node->depth * 2), "");
	if (!node->present) {
		printf("[not here] %s\n", node->msgid);
		return (0);
	}
	overview_field(node->info->overview, node->info->overview_len, 0,
	    subject, sizeof(subject));
	overview_field(node->info->overview, node->info->overview_len, 1,
	    from, sizeof(from));
	overview_field(node->info->overview, node->info->overview_len, 2,
	    date, sizeof(date));
	printf("%s  %s  %s\n", from, date, subject);
	return (0);
}

/* The whole thread holding an article, as an indented tree. */
static int
ctl_thread(struct ctl *c, int argc, char **argv)
{
	enum store_status	rc;
	int			truncated = 0;

	if (argc != 1 || argv[0][0] != '<') {
		fprintf(stderr, "loomctl: usage: thread <MESSAGE-ID>\n");
		return (2);
	}
	if (ctl_open(c) == -1)
		return (1);
	rc = store_thread_walk(c->store, argv[0], 0, ctl_print_node, NULL,
	    &truncated);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "loomctl: no article %s\n", argv[0]);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: %s\n", store_strerror(rc));
		return (1);
	}
	if (truncated)
		printf("(thread cut at the depth limit)\n");
	return (0);
}

static int
ctl_print_root(const struct store_thread_summary *ts, void *arg LOOM_UNUSED)
{
	char		when[32];
	time_t		t = (time_t)(ts->group_last != 0 ? ts->group_last :
			    ts->last);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%s  %4u %s  %s  %s\n", when, ts->replies,
	    ts->replies == 1 ? "reply  " : "replies", ts->subject[0] != '\0' ?
	    ts->subject : "(root not here)", ts->root);
	return (0);
}

/* The threads of a group, most recent activity first. */
static int
ctl_threads(struct ctl *c, int argc, char **argv)
{
	struct store_thread_cursor	cursor;
	struct store_group		g;
	enum store_status		rc;

	if (argc != 1) {
		fprintf(stderr, "loomctl: usage: threads GROUP\n");
		return (2);
	}
	if (ctl_open(c) == -1)
		return (1);
	if (store_group_get(c->store, argv[0], &g) != STORE_OK) {
		fprintf(stderr, "loomctl: no group %s\n", argv[0]);
		return (1);
	}
	memset(&cursor, 0, sizeof(cursor));
	while (!cursor.done) {
		rc = store_thread_roots(c->store, g.id, 256, ctl_print_root,
		    NULL, &cursor);
		if (rc != STORE_OK) {
			fprintf(stderr, "loomctl: %s\n", store_strerror(rc));
			return (1);
		}
	}
	return (0);
}

static void
ctl_expire_group(const char *group, const struct config_expire *rule,
    const struct store_expire_stats *st, void *arg)
{
	const int	*dry_run = arg;

	(void)rule;
	if (*dry_run && st->numbers_removed > 0)
		printf("would expire %s: %llu overview entries, %llu "
		    "articles\n", group,
		    (unsigned long long)st->numbers_removed,
		    (unsigned long long)st->articles_removed);
}

/*
 * Without DAYS: apply the [expire NAME] rules of the config (the last
 * matching rule wins), as loomd's own pass does, moderation queue age
 * limit included.  With DAYS: remove articles older than DAYS from the
 * matching groups.  Both then purge history past history_days.
 * Duplicates stay refused as long as history remembers them.  --dry-run
 * says what would go and changes nothing.
 */
static int
ctl_expire(struct ctl *c, int argc, char **argv)
{
	struct config_expire	 adhoc;
	const struct config_expire *rules;
	struct retention_totals	 tot;
	const char		*why;
	char			*end;
	unsigned long		 days;
	size_t			 nrules;
	unsigned		 modq_days;
	enum store_status	 rc;
	int			 dry_run = 0;

	if (argc > 0 && strcmp(argv[0], "--dry-run") == 0) {
		dry_run = 1;
		argc--;
		argv++;
	}
	if (argc > 2) {
		fprintf(stderr, "loomctl: usage: expire [--dry-run] [DAYS "
		    "[WILDMAT]]\n");
		return (2);
	}
	if (argc >= 1) {
		days = strtoul(argv[0], &end, 10);
		if (!isdigit((unsigned char)argv[0][0]) || *end != '\0' ||
		    days > 36500) {
			fprintf(stderr, "loomctl: expire: \"%s\" is not a "
			    "number of days\n", argv[0]);
			return (2);
		}
		if (argc == 2 && (strlen(argv[1]) >= sizeof(adhoc.groups) ||
		    wildmat_valid(argv[1], &why) == -1)) {
			fprintf(stderr, "loomctl: expire: bad wildmat: %s\n",
			    argc == 2 && strlen(argv[1]) >= sizeof(adhoc.groups)
			    ? "too long" : why);
			return (2);
		}
		memset(&adhoc, 0, sizeof(adhoc));
		loom_strlcpy(adhoc.name, "command line", sizeof(adhoc.name));
		loom_strlcpy(adhoc.groups, argc == 2 ? argv[1] : "*",
		    sizeof(adhoc.groups));
		adhoc.days = (int)days;
		rules = &adhoc;
		nrules = 1;
		modq_days = 0;
	} else {
		rules = c->cfg.expire;
		nrules = c->cfg.nexpire;
		modq_days = c->cfg.moderation_queue_days;
	}
	if (ctl_open(c) == -1)
		return (1);
	rc = retention_run(c->store, rules, nrules, modq_days, dry_run, NULL,
	    ctl_expire_group, &dry_run, &tot);
	if (rc != STORE_OK)
		fprintf(stderr, "loomctl: expire: %s\n", store_strerror(rc));
	printf("%s %llu groups: %llu overview entries, %llu articles "
	    "%s, %llu history entries %s, %llu queued posts %s\n",
	    dry_run ? "dry run, would expire in" : "expired",
	    (unsigned long long)tot.groups,
	    (unsigned long long)tot.st.numbers_removed,
	    (unsigned long long)tot.st.articles_removed,
	    dry_run ? "would go" : "removed",
	    (unsigned long long)tot.st.history_purged,
	    dry_run ? "would be purged" : "purged",
	    (unsigned long long)tot.modq_removed,
	    dry_run ? "would be dropped" : "dropped");
	return (rc == STORE_OK ? 0 : 1);
}

/* A consistent copy while loomd runs: see store_backup(). */
static int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	enum store_status	rc;

	if (argc != 1) {
		fprintf(stderr, "loomctl: usage: backup DIR\n");
		return (2);
	}
	if (mkdir(argv[0], 0750) == -1 && errno != EEXIST) {
		fprintf(stderr, "loomctl: backup: %s: %s\n", argv[0],
		    strerror(errno));
		return (1);
	}
	if (ctl_open(c) == -1)
		return (1);
	if ((rc = store_backup(c->store, argv[0])) != STORE_OK) {
		fprintf(stderr, "loomctl: backup to %s failed: %s (%s)\n",
		    argv[0], store_strerror(rc), store_last_error());
		return (1);
	}
	printf("backed up %s to %s\n", c->cfg.data, argv[0]);
	return (0);
}

/*
 * The configured peers with their outgoing queue and what loomd last
 * published about each feed (store_feed_status_*).
 */
static int
ctl_peers(struct ctl *c, int argc, char **argv LOOM_UNUSED)
{
	const struct config_peer	*pe;
	char				 status[STORE_FEED_STATUS_MAX + 1];
	uint64_t			 queued;
	size_t				 i;

	if (argc != 0) {
		fprintf(stderr, "loomctl: usage: peers\n");
		return (2);
	}
	if (c->cfg.npeers == 0) {
		printf("no [peer] sections in %s\n", c->cfg.path[0] != '\0' ?
		    c->cfg.path : "the configuration (use --config)");
		return (0);
	}
	if (ctl_open(c) == -1)
		return (1);
	for (i = 0; i < c->cfg.npeers; i++) {
		pe = &c->cfg.peers[i];
		queued = 0;
		store_feed_count(c->store, pe->name, &queued);
		if (store_feed_status_get(c->store, pe->name, status,
		    sizeof(status)) != STORE_OK)
			snprintf(status, sizeof(status), "never fed");
		printf("%s\t%s:%u\tgroups=%s\tqueued=%llu\t%s\n", pe->name,
		    pe->host[0] != '\0' ? pe->host : "-", pe->port, pe->groups,
		    (unsigned long long)queued, status);
	}
	return (0);
}

/* Copy what a peer has and we lack, through the running loomd. */
static int
ctl_pull(struct ctl *c, int argc, char **argv)
{
	struct config_peer		*pe = NULL;
	const char			*why;
	char				 err[512];
	size_t				 i;

	if (argc < 1 || argc > 2) {
		fprintf(stderr, "loomctl: usage: pull PEER [WILDMAT]\n");
		return (2);
	}
	for (i = 0; i < c->cfg.npeers; i++)
		if (strcmp(c->cfg.peers[i].name, argv[0]) == 0)
			pe = &c->cfg.peers[i];
	if (pe == NULL || pe->host[0] == '\0') {
		fprintf(stderr, "loomctl: no [peer %s] with a host in the "
		    "configuration\n", argv[0]);
		return (1);
	}
	if (config_peer_resolve(pe, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "loomctl: %s\n", err);
		return (1);
	}
	if (argc == 2 && wildmat_valid(argv[1], &why) == -1) {
		fprintf(stderr, "loomctl: pull: bad wildmat: %s\n", why);
		return (2);
	}
	if (ctl_open(c) == -1)
		return (1);
	if (pull_run(&c->cfg, c->store, pe, argc == 2 ? argv[1] : pe->groups,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "loomctl: pull from %s: %s\n", pe->name, err);
		return (1);
	}
	return (0);
}

/* ---- Readers (AUTHINFO USER/PASS) ------------------------------------ */

/*
 * AUTHINFO USER carries the name as one argument of a command line, so no
 * spaces or controls; ":" is kept out for password-file style exports.
 */
static const char *
ctl_user_name_error(const char *name)
{
	const unsigned char	*p;
	size_t			 len = strlen(name);

	if (len == 0)
		return ("empty name");
	if (len > STORE_USER_MAX)
		return ("name longer than 64 octets");
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			return ("names may hold only printable ASCII, without "
			    "spaces or \":\"");
	return (NULL);
}

/*
 * One line of fp into buf, NULs and all, without its LF or CRLF.  A line
 * too long for buf yields size - 1, which is more than PASSWORD_MAX, so
 * password_acceptable refuses it; the rest of the line is read and lost.
 */
static size_t
ctl_read_line(FILE *fp, char *buf, size_t size)
{
	size_t	n = 0;
	int	ch, over = 0;

	while ((ch = getc(fp)) != EOF && ch != '\n') {
		if (n < size - 1)
			buf[n++] = (char)ch;
		else
			over = 1;
	}
	if (!over && ch == '\n' && n > 0 && buf[n - 1] == '\r')
		n--;
	return (n);
}

static struct termios	ctl_tty_saved;

/* Leave the terminal echoing even when interrupted at the prompt. */
static void
ctl_tty_restore(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Prompt on stderr and read a line from the terminal with echo off. */
static int
ctl_prompt(const char *prompt, char *buf, size_t size, size_t *len)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	void			(*old[sizeof(sigs) / sizeof(sigs[0])])(int);
	struct termios		 t;
	size_t			 i;

	if (tcgetattr(STDIN_FILENO, &ctl_tty_saved) == -1) {
		fprintf(stderr, "loomctl: terminal: %s\n", strerror(errno));
		return (-1);
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		old[i] = signal(sigs[i], ctl_tty_restore);
	t = ctl_tty_saved;
	t.c_lflag &= ~(tcflag_t)ECHO;
	/* Echo off before the prompt, so nothing typed after it shows. */
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	fputs(prompt, stderr);
	fflush(stderr);
	*len = ctl_read_line(stdin, buf, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_tty_saved);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], old[i]);
	fputc('\n', stderr);
	return (0);
}

/*
 * Read the new password (twice from a terminal, else one line), refuse
 * one AUTHINFO PASS could not carry, and hash it into u->hash.
 */
static int
ctl_user_set_password(struct store_user *u)
{
	char		 pw[PASSWORD_MAX + 3], again[PASSWORD_MAX + 3];
	const char	*why;
	size_t		 len, len2;
	int		 ret = -1;

	if (isatty(STDIN_FILENO)) {
		if (ctl_prompt("Password: ", pw, sizeof(pw), &len) == -1 ||
		    ctl_prompt("Again: ", again, sizeof(again), &len2) == -1)
			goto out;
		if (len != len2 || memcmp(pw, again, len) != 0) {
			fprintf(stderr, "loomctl: the passwords differ; "
			    "nothing changed\n");
			goto out;
		}
	} else
		len = ctl_read_line(stdin, pw, sizeof(pw));
	if (!password_acceptable(pw, len, &why)) {
		fprintf(stderr, "loomctl: password refused: %s\n", why);
		goto out;
	}
	if (password_hash(pw, len, PASSWORD_LOG2N_DEFAULT, u->hash,
	    sizeof(u->hash)) == -1) {
		fprintf(stderr, "loomctl: cannot hash the password\n");
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(again, sizeof(again));
	return (ret);
}

static int
ctl_user_add(struct ctl *c, const char *name)
{
	struct store_user	u;
	enum store_status	rc;

	/* Before the password is asked for, not after. */
	if ((rc = store_user_get(c->store, name, &u)) == STORE_OK) {
		fprintf(stderr, "loomctl: user %s already exists\n", name);
		return (1);
	}
	if (rc != STORE_NOTFOUND) {
		fprintf(stderr, "loomctl: %s\n", store_strerror(rc));
		return (1);
	}
	memset(&u, 0, sizeof(u));
	loom_strlcpy(u.name, name, sizeof(u.name));
	u.created = (int64_t)time(NULL);
	if (ctl_user_set_password(&u) == -1)
		return (1);
	rc = store_user_put(c->store, &u, STORE_USER_CREATE);
	OPENSSL_cleanse(u.hash, sizeof(u.hash));
	if (rc == STORE_EXISTS) {
		/* Another loomctl created it while we asked. */
		fprintf(stderr, "loomctl: user %s already exists\n", name);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: cannot add %s: %s\n", name,
		    store_strerror(rc));
		return (1);
	}
	printf("added user %s\n", name);
	return (0);
}

static int
ctl_user_passwd(struct ctl *c, const char *name)
{
	struct store_user	u;
	enum store_status	rc;

	if ((rc = store_user_get(c->store, name, &u)) == STORE_NOTFOUND) {
		fprintf(stderr, "loomctl: no user %s\n", name);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: %s\n", store_strerror(rc));
		return (1);
	}
	if (ctl_user_set_password(&u) == -1)
		return (1);
	rc = store_user_put(c->store, &u, STORE_USER_REPLACE);
	OPENSSL_cleanse(u.hash, sizeof(u.hash));
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "loomctl: no user %s (deleted meanwhile)\n",
		    name);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: cannot change %s: %s\n", name,
		    store_strerror(rc));
		return (1);
	}
	printf("changed the password of %s\n", name);
	return (0);
}

static int
ctl_user_del(struct ctl *c, const char *name)
{
	enum store_status	rc;

	if ((rc = store_user_del(c->store, name)) == STORE_NOTFOUND) {
		fprintf(stderr, "loomctl: no user %s\n", name);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: cannot delete %s: %s\n", name,
		    store_strerror(rc));
		return (1);
	}
	printf("deleted user %s\n", name);
	return (0);
}

/* Name, creation time and flags; the hash stays in the store. */
static int
ctl_print_user(const struct store_user *u, void *arg LOOM_UNUSED)
{
	char		when[32];
	time_t		t = (time_t)u->created;
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "-");
	printf("%s\t%s\t%#x\n", u->name, when, (unsigned)u->flags);
	return (0);
}

static int
ctl_user(struct ctl *c, int argc, char **argv)
{
	const char		*why;
	enum store_status	 rc;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if (ctl_open(c) == -1)
			return (1);
		if ((rc = store_user_foreach(c->store, ctl_print_user,
		    NULL)) != STORE_OK) {
			fprintf(stderr, "loomctl: %s\n", store_strerror(rc));
			return (1);
		}
		return (0);
	}
	if (argc != 2 || (strcmp(argv[0], "add") != 0 &&
	    strcmp(argv[0], "passwd") != 0 && strcmp(argv[0], "del") != 0)) {
		fprintf(stderr, "loomctl: usage: user add|passwd|del NAME, "
		    "user list\n");
		return (2);
	}
	if ((why = ctl_user_name_error(argv[1])) != NULL) {
		fprintf(stderr, "loomctl: bad user name \"%s\": %s\n", argv[1],
		    why);
		return (1);
	}
	if (ctl_open(c) == -1)
		return (1);
	if (strcmp(argv[0], "add") == 0)
		return (ctl_user_add(c, argv[1]));
	if (strcmp(argv[0], "passwd") == 0)
		return (ctl_user_passwd(c, argv[1]));
	return (ctl_user_del(c, argv[1]));
}

/*
 * Ask the running loomd over its control socket (stats.h) rather than
 * open the store: the counters live in the daemon.  Its reply is
 * complete when it closes the connection.
 */
static int
ctl_stats(struct ctl *c, int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { 10, 0 };
	const char		*req;
	char			 path[sizeof(sun.sun_path)], buf[4096];
	size_t			 total = 0;
	ssize_t			 n;
	int			 fd;

	if (argc == 0)
		req = "stats text\n";
	else if (argc == 1 && strcmp(argv[0], "--json") == 0)
		req = "stats\n";
	else {
		fprintf(stderr, "loomctl: usage: stats [--json]\n");
		return (2);
	}
	if (stats_socket_path(c->cfg.data, path, sizeof(path)) == -1) {
		fprintf(stderr, "loomctl: %s/%s: path too long for a "
		    "socket\n", c->cfg.data, STATS_SOCKET_NAME);
		return (1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	loom_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "loomctl: socket: %s\n", strerror(errno));
		return (1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "loomctl: cannot reach loomd at %s: %s (is "
		    "loomd running with this data directory?)\n", path,
		    strerror(errno));
		close(fd);
		return (1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		fprintf(stderr, "loomctl: %s: %s\n", path, strerror(errno));
		close(fd);
		return (1);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		total += (size_t)n;
	}
	close(fd);
	if (n == -1 || total == 0) {
		fprintf(stderr, "loomctl: %s: %s\n", path, n == -1 ?
		    strerror(errno) : "closed without a reply");
		return (1);
	}
	return (fflush(stdout) == 0 ? 0 : 1);
}

/* Moderation (queue.c). */
static int
ctl_group(struct ctl *c, int argc, char **argv)
{
	if (ctl_open(c) == -1)
		return (1);
	return (ctl_group_cmd(c->store, argc, argv));
}

static int
ctl_queue(struct ctl *c, int argc, char **argv)
{
	if (ctl_open(c) == -1)
		return (1);
	return (ctl_queue_cmd(c->store, argc, argv));
}

/* Moving a site in and out (import.c). */
static int
ctl_import(struct ctl *c, int argc, char **argv)
{
	if (ctl_import_usage(argc, argv) != 0)
		return (2);
	if (ctl_open(c) == -1)
		return (1);
	return (ctl_import_cmd(c->store, &c->cfg, argc, argv));
}

static int
ctl_export(struct ctl *c, int argc, char **argv)
{
	if (ctl_export_usage(argc, argv) != 0)
		return (2);
	if (ctl_open(c) == -1)
		return (1);
	return (ctl_export_cmd(c->store, argc, argv));
}

/* Names collected from a store walk: one walk's read transaction must
   end before the next begins. */
struct ctl_names {
	char	**v;
	size_t	  n, cap;
};

static int
ctl_names_add(struct ctl_names *l, const char *name)
{
	char	**nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL)
			return (-1);
		l->v = nv;
	}
	if ((l->v[l->n] = strdup(name)) == NULL)
		return (-1);
	l->n++;
	return (0);
}

static void
ctl_names_free(struct ctl_names *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int
ctl_trace_user(const struct store_user *u, void *arg)
{
	return (ctl_names_add(arg, u->name) == -1 ? 1 : 0);
}

static int
ctl_trace_group(const struct store_group *g, void *arg)
{
	return (ctl_names_add(arg, g->name) == -1 ? 1 : 0);
}

/*
 * Reverse an anonymous post's token (policy/anon.h) by trying every
 * user and group of the store: a keyed hash has no other way back, and
 * users x groups is small enough.  A removed user or group is not found.
 */
static int
ctl_trace(struct ctl *c, int argc, char **argv)
{
	struct ctl_names	 users = { NULL, 0, 0 }, groups = { NULL, 0, 0 };
	uint8_t			 secret[STORE_SECRET_LEN];
	char			 tok[ANON_TOKEN_LEN + 1], want[ANON_TOKEN_LEN + 1];
	enum store_status	 rc;
	size_t			 i, j, found = 0;
	int			 ret = 1;

	if (argc != 1) {
		fprintf(stderr, "loomctl: usage: trace TOKEN\n");
		return (2);
	}
	if (strlen(argv[0]) != ANON_TOKEN_LEN) {
		fprintf(stderr, "loomctl: a token is %d characters (the "
		    "logging-data of an anonymous post's Injection-Info)\n",
		    ANON_TOKEN_LEN);
		return (1);
	}
	for (i = 0; i < ANON_TOKEN_LEN; i++)
		want[i] = (char)tolower((unsigned char)argv[0][i]);
	want[i] = '\0';
	if (ctl_open(c) == -1)
		return (1);
	if ((rc = store_secret_get(c->store, 0, secret)) != STORE_OK) {
		fprintf(stderr, "loomctl: %s\n", rc == STORE_NOTFOUND ?
		    "this store has no server secret: loomd has not made "
		    "a token with it" : store_strerror(rc));
		return (1);
	}
	if ((rc = store_user_foreach(c->store, ctl_trace_user,
	    &users)) != STORE_OK ||
	    (rc = store_group_foreach(c->store, ctl_trace_group,
	    &groups)) != STORE_OK) {
		fprintf(stderr, "loomctl: %s\n", store_strerror(rc));
		goto out;
	}
	for (i = 0; i < users.n; i++)
		for (j = 0; j < groups.n; j++) {
			if (anon_token(secret, users.v[i], groups.v[j],
			    tok) == -1)
				continue;
			if (strcmp(tok, want) == 0) {
				printf("%s\t%s\t%s\n", want, users.v[i],
				    groups.v[j]);
				found++;
			}
		}
	if (found == 0)
		fprintf(stderr, "loomctl: no user and group of this store "
		    "give token %s\n", want);
	ret = found ? 0 : 1;
out:
	explicit_bzero(secret, sizeof(secret));
	ctl_names_free(&users);
	ctl_names_free(&groups);
	return (ret);
}

/*
 * Withdraw an article from this server at once, as INN's ctlinnd cancel
 * does: out of its groups (numbers not reused), a placeholder in its
 * thread while it has replies, remembered in history so no peer brings
 * it back.  Nothing goes to peers; to withdraw it there too, an
 * administrator posts a cancel (docs/admin.md, "Cancel and Supersedes").
 */
static int
ctl_cancel(struct ctl *c, int argc, char **argv)
{
	enum store_status	rc;

	if (argc < 1 || argc > 2 || argv[0][0] != '<') {
		fprintf(stderr, "loomctl: usage: cancel <MESSAGE-ID> "
		    "[REASON]\n");
		return (2);
	}
	if (ctl_open(c) == -1)
		return (1);
	rc = store_article_withdraw(c->store, argv[0]);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "loomctl: no article %s here\n", argv[0]);
		return (1);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: cannot cancel %s: %s\n", argv[0],
		    store_strerror(rc));
		return (1);
	}
	/* In the news log beside loomd's lines, as queue reject does. */
	openlog("loomctl", LOG_PID, LOG_NEWS);
	syslog(LOG_NOTICE, "cancel: withdrew msgid=%s%s%s", argv[0],
	    argc > 1 ? ": " : "", argc > 1 ? argv[1] : "");
	closelog();
	printf("cancelled %s%s%s\n", argv[0], argc > 1 ? ": " : "",
	    argc > 1 ? argv[1] : "");
	return (0);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct {
		const char	*name;
		ctl_fn		 fn;
	} commands[] = {
		{ "version", ctl_version },
		{ "groups", ctl_groups },
		{ "newgroup", ctl_newgroup },
		{ "rmgroup", ctl_rmgroup },
		{ "thread", ctl_thread },
		{ "threads", ctl_threads },
		{ "expire", ctl_expire },
		{ "backup", ctl_backup },
		{ "peers", ctl_peers },
		{ "pull", ctl_pull },
		{ "user", ctl_user },
		{ "stats", ctl_stats },
		{ "group", ctl_group },
		{ "queue", ctl_queue },
		{ "trace", ctl_trace },
		{ "cancel", ctl_cancel },
		{ "import", ctl_import },
		{ "export", ctl_export },
	};
	struct ctl	 c;
	const char	*config = NULL, *data = NULL;
	char		 err[512];
	size_t		 i;
	int		 ch, rc = 2;

	memset(&c, 0, sizeof(c));
	log_init("loomctl", LOG_LEVEL_WARN, 0);
	config_defaults(&c.cfg);
	/* "+": options end at the command, so its arguments may start
	   with "-". */
	while ((ch = getopt_long(argc, argv, "+c:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return (2);
	}
	if (config != NULL && config_load(&c.cfg, config, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "loomctl: %s\n", err);
		return (1);
	}
	if (data != NULL)
		loom_strlcpy(c.cfg.data, data, sizeof(c.cfg.data));
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "loomctl: unknown command \"%s\"\n", argv[0]);
		usage(stderr);
	} else
		rc = commands[i].fn(&c, argc - 1, argv + 1);
	if (c.store != NULL)
		store_close(c.store);
	config_clear(&c.cfg);
	return (rc);
}
