/*
 * loomctl pull: copy what a peer has and we lack.  For each group both
 * carry, walk the peer's articles after the last number pulled (kept in
 * the store, so a pull resumes where it stopped) with OVER, and offer each
 * to the local loomd by streaming (CHECK, then TAKETHIS with the article
 * fetched from the peer), so pulled articles go through the very path of
 * a fed article: validation, Path, history, outgoing feeds.  Plain
 * blocking sockets: this runs in loomctl, not in the server's loop.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pull.h"
#include "range.h"
#include "store.h"
#include "util.h"

#define PULL_LINE_MAX	(128 * 1024)
#define PULL_TIMEOUT	60	/* seconds without an answer */
#define PULL_SAVE_EVERY	50	/* articles between saved marks */

struct pull_conn {
	int	 fd;
	char	 buf[65536];
	size_t	 off, len;
};

struct pull_art {
	uint32_t	number;
	char		msgid[STORE_MSGID_MAX + 1];
};

static int
pull_connect(struct pull_conn *c, const struct sockaddr_storage *addr,
    socklen_t addrlen, unsigned port, char *err, size_t errlen)
{
	struct sockaddr_storage	ss = *addr;
	struct timeval		tv = { PULL_TIMEOUT, 0 };

	/* port 0: the address has its port already (a listen address). */
	if (port != 0 && ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else if (port != 0)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&ss, addrlen) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (c->fd != -1)
			close(c->fd);
		c->fd = -1;
		return (-1);
	}
	return (0);
}

/* One line without its CRLF into line (NUL-terminated); -1 on EOF. */
static int
pull_line(struct pull_conn *c, char *line, size_t max, size_t *outlen)
{
	size_t	n = 0;
	ssize_t	r;
	char	ch;

	for (;;) {
		if (c->off == c->len) {
			r = read(c->fd, c->buf, sizeof(c->buf));
			if (r <= 0)
				return (-1);
			c->off = 0;
			c->len = (size_t)r;
		}
		ch = c->buf[c->off++];
		if (ch == '\n')
			break;
		if (n + 1 < max)
			line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return (0);
}

static int
pull_send(struct pull_conn *c, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(c->fd, s, n)) <= 0)
			return (-1);
		s += w;
		n -= (size_t)w;
	}
	return (0);
}

/* Send a command, read the status line; returns its code or -1. */
static int
pull_cmd(struct pull_conn *c, char *line, size_t max, const char *fmt, ...)
{
	char	cmd[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) - 2)
		return (-1);
	memcpy(cmd + n, "\r\n", 2);
	if (pull_send(c, cmd, (size_t)n + 2) == -1 ||
	    pull_line(c, line, max, NULL) == -1)
		return (-1);
	return (atoi(line));
}

/*
 * Read a dot-terminated block; with `into` set, append its lines (still
 * dot-stuffed, CRLF, the terminator included) there.
 */
static int
pull_block(struct pull_conn *c, char *line, char **into, size_t *intolen)
{
	size_t	n;
	char	*p;

	for (;;) {
		if (pull_line(c, line, PULL_LINE_MAX, &n) == -1)
			return (-1);
		if (into != NULL) {
			if ((p = realloc(*into, *intolen + n + 2)) == NULL)
				return (-1);
			*into = p;
			memcpy(*into + *intolen, line, n);
			memcpy(*into + *intolen + n, "\r\n", 2);
			*intolen += n + 2;
		}
		if (n == 1 && line[0] == '.')
			return (0);
	}
}

struct pull {
	struct pull_conn	 remote, local;
	struct store		*store;
	const char		*peer;
	char			*line;
	int			 tty;
	uint64_t		 fetched, had, refused;
};

/* The articles of a group after `from`, from the peer's overview. */
static int
pull_list(struct pull *p, uint32_t from, uint32_t high, struct pull_art **out,
    size_t *n)
{
	struct pull_art	*a = NULL, *grown;
	size_t		 cap = 0;
	char		*tab, *id;
	uint32_t	 num;
	int		 f;

	*n = 0;
	if (pull_cmd(&p->remote, p->line, PULL_LINE_MAX, "OVER %u-%u", from,
	    high) != 224)
		return (0);	/* 423: nothing there */
	for (;;) {
		if (pull_line(&p->remote, p->line, PULL_LINE_MAX, NULL) == -1) {
			free(a);
			return (-1);
		}
		if (strcmp(p->line, ".") == 0)
			break;
		/* number, subject, from, date, message-id, ... */
		if ((tab = strchr(p->line, '\t')) == NULL)
			continue;
		*tab = '\0';
		if (nntp_number_parse(p->line, &num) == -1)
			continue;
		id = tab + 1;
		for (f = 0; f < 3 && id != NULL; f++)
			if ((id = strchr(id, '\t')) != NULL)
				id++;
		if (id == NULL || (tab = strchr(id, '\t')) == NULL)
			continue;
		*tab = '\0';
		if (strlen(id) > STORE_MSGID_MAX)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			grown = xreallocarray(a, cap, sizeof(*a));
			a = grown;
		}
		a[*n].number = num;
		loom_strlcpy(a[*n].msgid, id, sizeof(a[*n].msgid));
		(*n)++;
	}
	*out = a;
	return (0);
}

/*
 * Offer one article to the local server.  Returns 1 when settled
 * (stored, had it, or refused for good), 0 when it must be tried again
 * later, -1 on a broken connection.
 */
static int
pull_one(struct pull *p, const char *msgid)
{
	char	*art = NULL, cmd[STORE_MSGID_MAX + 16];
	size_t	 len = 0;
	int	 code, n;

	code = pull_cmd(&p->local, p->line, PULL_LINE_MAX, "CHECK %s", msgid);
	if (code == 438) {
		p->had++;
		return (1);
	}
	if (code == 431)
		return (0);
	if (code != 238)
		return (-1);
	code = pull_cmd(&p->remote, p->line, PULL_LINE_MAX, "ARTICLE %s",
	    msgid);
	if (code == 430) {
		/* Expired at the peer since OVER listed it. */
		p->refused++;
		return (1);
	}
	if (code != 220 || pull_block(&p->remote, p->line, &art, &len) == -1) {
		free(art);
		return (-1);
	}
	n = snprintf(cmd, sizeof(cmd), "TAKETHIS %s\r\n", msgid);
	if (pull_send(&p->local, cmd, (size_t)n) == -1 ||
	    pull_send(&p->local, art, len) == -1 ||
	    pull_line(&p->local, p->line, PULL_LINE_MAX, NULL) == -1) {
		free(art);
		return (-1);
	}
	free(art);
	code = atoi(p->line);
	if (code == 239)
		p->fetched++;
	else if (code == 439)
		p->refused++;
	else
		return (code == 400 ? 0 : -1);
	return (1);
}

static int
pull_group(struct pull *p, const char *group, char *err, size_t errlen)
{
	struct pull_art	*arts = NULL;
	uint32_t	 mark, low, high, count, settled;
	size_t		 n, i;
	int		 rc, blocked = 0;

	store_pull_mark_get(p->store, p->peer, group, &mark);
	if (pull_cmd(&p->remote, p->line, PULL_LINE_MAX, "GROUP %s", group) !=
	    211 || sscanf(p->line, "211 %u %u %u", &count, &low, &high) != 3)
		return (0);	/* gone at the peer meanwhile */
	if (count == 0 || high <= mark)
		return (0);
	if (pull_list(p, mark + 1 > low ? mark + 1 : low, high, &arts, &n) ==
	    -1) {
		snprintf(err, errlen, "peer connection lost in OVER");
		return (-1);
	}
	settled = mark;
	for (i = 0; i < n; i++) {
		if ((rc = pull_one(p, arts[i].msgid)) == -1) {
			snprintf(err, errlen, "connection lost at %s",
			    arts[i].msgid);
			break;
		}
		/* The mark moves only over settled articles, so a deferred
		   one is offered again by the next pull. */
		if (rc == 0)
			blocked = 1;
		else if (!blocked)
			settled = arts[i].number;
		if (p->tty)
			fprintf(stderr, "\r%s: %zu/%zu, %llu new", group, i + 1,
			    n, (unsigned long long)p->fetched);
		if ((i + 1) % PULL_SAVE_EVERY == 0)
			store_pull_mark_put(p->store, p->peer, group, settled);
	}
	if (settled != mark)
		store_pull_mark_put(p->store, p->peer, group, settled);
	if (p->tty)
		fprintf(stderr, "\n");
	free(arts);
	return (i == n ? 0 : -1);
}

int
pull_run(const struct config *cfg, struct store *st,
    const struct config_peer *peer, const char *wildmat, char *err,
    size_t errlen)
{
	struct pull		 p;
	struct store_group	 g;
	char			 why[256], **groups = NULL, *sp;
	size_t			 ngroups = 0, i;
	int			 ret = -1;

	memset(&p, 0, sizeof(p));
	p.store = st;
	p.peer = peer->name;
	p.tty = isatty(2);
	p.line = xmalloc(PULL_LINE_MAX);
	p.remote.fd = p.local.fd = -1;
	if (pull_connect(&p.remote, &peer->addr, peer->addrlen, peer->port,
	    why, sizeof(why)) == -1) {
		snprintf(err, errlen, "cannot reach %s (%s:%u): %s", peer->name,
		    peer->host, peer->port, why);
		goto out;
	}
	if (pull_connect(&p.local, &cfg->listen[0].addr,
	    cfg->listen[0].addrlen, 0, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "cannot reach the local loomd on %s "
		    "(pulled articles are stored through it): %s",
		    cfg->listen[0].spec, why);
		goto out;
	}
	if (pull_line(&p.remote, p.line, PULL_LINE_MAX, NULL) == -1 ||
	    (atoi(p.line) != 200 && atoi(p.line) != 201) ||
	    pull_line(&p.local, p.line, PULL_LINE_MAX, NULL) == -1) {
		snprintf(err, errlen, "no greeting");
		goto out;
	}
	pull_cmd(&p.remote, p.line, PULL_LINE_MAX, "MODE READER");
	if (pull_cmd(&p.local, p.line, PULL_LINE_MAX, "MODE STREAM") != 203) {
		snprintf(err, errlen, "the local loomd refuses transit: %s "
		    "(it must allow this host to feed it)", p.line);
		goto out;
	}
	if (pull_cmd(&p.remote, p.line, PULL_LINE_MAX, "LIST ACTIVE %s",
	    wildmat) != 215) {
		snprintf(err, errlen, "LIST ACTIVE at the peer: %s", p.line);
		goto out;
	}
	for (;;) {
		if (pull_line(&p.remote, p.line, PULL_LINE_MAX, NULL) == -1) {
			snprintf(err, errlen, "peer connection lost in LIST");
			goto out;
		}
		if (strcmp(p.line, ".") == 0)
			break;
		if ((sp = strchr(p.line, ' ')) != NULL)
			*sp = '\0';
		/* Only the groups we carry. */
		if (store_group_get(st, p.line, &g) != STORE_OK)
			continue;
		groups = xreallocarray(groups, ngroups + 1, sizeof(*groups));
		groups[ngroups++] = xstrdup(p.line);
	}
	ret = 0;
	for (i = 0; i < ngroups && ret == 0; i++)
		ret = pull_group(&p, groups[i], err, errlen);
	printf("pulled %llu new articles from %s (%llu already here, %llu "
	    "refused) in %zu groups\n", (unsigned long long)p.fetched,
	    peer->name, (unsigned long long)p.had,
	    (unsigned long long)p.refused, ngroups);
out:
	if (p.remote.fd != -1) {
		pull_send(&p.remote, "QUIT\r\n", 6);
		close(p.remote.fd);
	}
	if (p.local.fd != -1) {
		pull_send(&p.local, "QUIT\r\n", 6);
		close(p.local.fd);
	}
	for (i = 0; i < ngroups; i++)
		free(groups[i]);
	free(groups);
	free(p.line);
	return (ret);
}
