/*
 * loomctl's moderation commands.  The store is shared with a running
 * loomd: "group set" changes a status LIST ACTIVE reads at once; "queue
 * approve" only marks the entry approved, and loomd stores it through its
 * own writer (server/intake/modqueue.c), so an approved article takes the
 * path of every posted one (numbers, overview, threads, feeds).
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "store.h"

static int
ctl_parse_id(const char *s, uint64_t *id)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0) {
		fprintf(stderr, "loomctl: bad queue entry id \"%s\"\n", s);
		return (-1);
	}
	*id = v;
	return (0);
}

int
ctl_group_cmd(struct store *st, int argc, char **argv)
{
	struct store_group	 g;
	enum store_status	 rc;
	const char		*desc = NULL;
	char			 status = 0;
	int			 i;

	if (argc < 3 || strcmp(argv[0], "set") != 0) {
		fprintf(stderr, "loomctl: usage: group set NAME status=y|n|m "
		    "[description=TEXT]\n");
		return (2);
	}
	for (i = 2; i < argc; i++) {
		if (strncmp(argv[i], "status=", 7) == 0 &&
		    strlen(argv[i]) == 8 && strchr("ynm", argv[i][7]) != NULL)
			status = argv[i][7];
		else if (strncmp(argv[i], "description=", 12) == 0 &&
		    strlen(argv[i] + 12) <= STORE_DESC_MAX &&
		    strpbrk(argv[i] + 12, "\r\n\t") == NULL)
			desc = argv[i] + 12;
		else {
			fprintf(stderr, "loomctl: group set: bad setting "
			    "\"%s\" (status=y|n|m, description=TEXT)\n",
			    argv[i]);
			return (2);
		}
	}
	if ((rc = store_group_set(st, argv[1], status, desc)) != STORE_OK) {
		fprintf(stderr, "loomctl: group %s: %s\n", argv[1],
		    rc == STORE_NOTFOUND ? "no such group" :
		    store_strerror(rc));
		return (1);
	}
	if (store_group_get(st, argv[1], &g) == STORE_OK)
		printf("%s\t%c\t%s\n", g.name, g.status, g.description);
	return (0);
}

/* The value of header field `name` in an article's wire form, copied. */
static void
ctl_header(const char *wire, size_t len, const char *name, char *out,
    size_t outlen)
{
	const char	*p = wire, *end = wire + len, *eol;
	size_t		 nlen = strlen(name), n;

	out[0] = '\0';
	while (p < end) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			eol = end;
		if (eol == p)
			return;		/* end of the header */
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) ==
		    0 && p[nlen] == ':') {
			p += nlen + 1;
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			n = (size_t)(eol - p);
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
		p = eol + 2;
	}
}

/* Is `group` one of the comma-separated `groups`? */
static int
ctl_in_groups(const char *groups, const char *group)
{
	size_t		 len = strlen(group);
	const char	*p = groups;

	while (*p != '\0') {
		if (strncmp(p, group, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return (1);
		if ((p = strchr(p, ',')) == NULL)
			break;
		p++;
	}
	return (0);
}

static void
ctl_time(int64_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
ctl_queue_print(const struct store_modq_entry *e, void *arg)
{
	const char	*group = arg;
	char		 subject[256], when[32];

	if (group != NULL && !ctl_in_groups(e->groups, group))
		return (0);
	ctl_header(e->wire, e->wire_len, "Subject", subject, sizeof(subject));
	ctl_time(e->queued, when, sizeof(when));
	printf("%" PRIu64 "\t%s\t%s\t%s\t%s\t%s\t%s\n", e->id,
	    e->state == 'a' ? "approved" : "waiting", when,
	    e->submitter[0] != '\0' ? e->submitter : "-", e->groups,
	    e->msgid, subject);
	return (0);
}

static int
ctl_queue_show(const struct store_modq_entry *e, void *arg)
{
	const char	*p = e->wire, *end = e->wire + e->wire_len, *eol;
	char		 when[32];

	*(int *)arg = 1;
	ctl_time(e->queued, when, sizeof(when));
	printf("Entry: %" PRIu64 "\nState: %s\nQueued: %s\nSubmitter: %s\n"
	    "Groups: %s\nMessage-ID: %s\n", e->id, e->state == 'a' ?
	    "approved" : "waiting", when, e->submitter[0] != '\0' ?
	    e->submitter : "-", e->groups, e->msgid);
	if (e->state == 'a')
		printf("Approver: %s\n", e->approver);
	printf("\n");
	/* The article as a reader sees it: LF, not dot-stuffed. */
	while (p < end) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			eol = end;
		if (eol > p && *p == '.')
			p++;
		fwrite(p, 1, (size_t)(eol - p), stdout);
		putchar('\n');
		p = eol + 2;
	}
	return (0);
}

static int
ctl_queue_show_msgid(const struct store_modq_entry *e, void *arg)
{
	snprintf(arg, STORE_MSGID_MAX + 1, "%s", e->msgid);
	return (0);
}

/* Who approves: the name given, else the user running loomctl. */
static const char *
ctl_approver(int argc, char **argv)
{
	struct passwd	*pw;

	if (argc >= 3)
		return (argv[2]);
	if ((pw = getpwuid(getuid())) != NULL)
		return (pw->pw_name);
	return ("loomctl");
}

int
ctl_queue_cmd(struct store *st, int argc, char **argv)
{
	enum store_status	 rc;
	const char		*approver, *reason;
	char			 msgid[STORE_MSGID_MAX + 1];
	uint64_t		 id;
	int			 found = 0;

	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc <= 2) {
		rc = store_modq_foreach(st, ctl_queue_print,
		    argc == 2 ? argv[1] : NULL);
		goto done;
	}
	if (argc < 2 || (strcmp(argv[0], "show") != 0 &&
	    strcmp(argv[0], "approve") != 0 && strcmp(argv[0], "reject") !=
	    0) || (strcmp(argv[0], "reject") != 0 && argc > 3) ||
	    (strcmp(argv[0], "show") == 0 && argc != 2)) {
		fprintf(stderr, "loomctl: usage: queue list [GROUP] | show ID "
		    "| approve ID [MODERATOR] | reject ID [REASON]\n");
		return (2);
	}
	if (ctl_parse_id(argv[1], &id) == -1)
		return (2);
	if (strcmp(argv[0], "show") == 0) {
		rc = store_modq_get(st, id, ctl_queue_show, &found);
		goto done;
	}
	if (strcmp(argv[0], "approve") == 0) {
		approver = ctl_approver(argc, argv);
		if ((rc = store_modq_approve(st, id, approver)) == STORE_OK)
			printf("approved %" PRIu64 " as %s: the running loomd "
			    "stores it\n", id, approver);
		goto done;
	}
	reason = argc >= 3 ? argv[2] : "no reason given";
	msgid[0] = '\0';
	if ((rc = store_modq_get(st, id, ctl_queue_show_msgid, msgid)) !=
	    STORE_OK || (rc = store_modq_remove(st, id)) != STORE_OK)
		goto done;
	openlog("loomctl", LOG_PID, LOG_NEWS);
	syslog(LOG_NOTICE, "moderation: rejected entry %" PRIu64 " msgid=%s: "
	    "%s", id, msgid, reason);
	closelog();
	printf("rejected %" PRIu64 " %s: %s\n", id, msgid, reason);
done:
	if (rc != STORE_OK) {
		fprintf(stderr, "loomctl: queue: %s\n", rc == STORE_NOTFOUND ?
		    "no such entry" : store_strerror(rc));
		return (1);
	}
	return (0);
}
