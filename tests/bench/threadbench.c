/*
 * threadbench: load generator and timer for Loom's thread commands
 * (tests/bench/README.md).  Plain blocking sockets to 127.0.0.1, POSIX
 * threads for parallel posting; nothing from Loom is linked in.
 *
 *   threadbench load -p PORT -g GROUP -n ARTICLES -t THREADS [-c CONNS]
 *       [-s SEED] [-x PREFIX] [-D MAXDEPTH]
 *	Post ARTICLES articles in THREADS threads to GROUP over CONNS
 *	parallel connections (POST, 340, article, 240 on each).  Article k
 *	is <PREFIX.k@bench.loom>; a reply's parent is a random earlier
 *	article of its thread no deeper than MAXDEPTH, its References the
 *	whole chain from the root.
 *
 *   threadbench measure -p PORT [-r RUNS] [-C CAPDIR] SPEC...
 *	Time each SPEC RUNS times (after one untimed warm-up run) on one
 *	connection and print "result SPEC median min max items bytes" (ms).
 *	With -C, the responses of the last run are saved for replay.
 *	  xtree:MSGID                 XTREE, every line parsed
 *	  client-thread:GROUP:MSGID   GROUP + OVER 1-, parsed, threaded by
 *	                              References, then MSGID's thread walked
 *	  xroots:GROUP[:RANGE]        XROOTS, every line parsed
 *	  client-roots:GROUP[:N]      GROUP + OVER 1-, threaded, roots sorted
 *	                              by last activity (top N kept)
 *
 *   threadbench replay -C CAPDIR
 *	A trivial server on 127.0.0.1 (ephemeral port, printed as "port N")
 *	that answers each command with the bytes saved by measure -C, so
 *	measure against it gives the generator's own ceiling.  Exits after
 *	120 s without a connection.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS	60000	/* one read or write may wait this long */
#define REPLAY_IDLE_MS	120000	/* replay exits when idle this long */
#define MAX_RUNS	101
#define MAX_SPECS	32

/* ---- Utilities ------------------------------------------------------- */

static void die(const char *, ...)
    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

static void
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("threadbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		die("out of memory (%zu bytes)", n);
	return (p);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		die("out of memory (%zu bytes)", n);
	return (p);
}

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6);
}

/* xorshift64*: reproducible across libcs, unlike rand(). */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL);
}

static uint32_t
rng_below(uint64_t *s, uint32_t n)
{
	return (n == 0 ? 0 : (uint32_t)(rng_next(s) % n));
}

/* A growable byte buffer. */
struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf");
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A bump allocator, reset between runs. */
struct arena {
	char	**blocks;
	size_t	  nblocks;
	char	 *cur;
	size_t	  left;
};

#define ARENA_BLOCK	(1 << 20)

static char *
arena_dup(struct arena *a, const char *s, size_t n)
{
	char	*p;
	size_t	 want = n + 1, sz;

	if (want > a->left) {
		sz = want > ARENA_BLOCK ? want : ARENA_BLOCK;
		a->blocks = xrealloc(a->blocks, (a->nblocks + 1) *
		    sizeof(*a->blocks));
		a->cur = a->blocks[a->nblocks++] = xmalloc(sz);
		a->left = sz;
	}
	p = a->cur;
	memcpy(p, s, n);
	p[n] = '\0';
	a->cur += want;
	a->left -= want;
	return (p);
}

static void
arena_free(struct arena *a)
{
	size_t	i;

	for (i = 0; i < a->nblocks; i++)
		free(a->blocks[i]);
	free(a->blocks);
	memset(a, 0, sizeof(*a));
}

/* ---- Connections ----------------------------------------------------- */

struct conn {
	int		 fd;
	char		*buf;
	size_t		 cap, start, end;
	uint64_t	 bytes_in;
	struct buf	*capture;	/* raw response bytes, if not NULL */
};

static void
wait_fd(int fd, short ev)
{
	struct pollfd	pfd;
	int		rc;

	pfd.fd = fd;
	pfd.events = ev;
	for (;;) {
		rc = poll(&pfd, 1, IO_TIMEOUT_MS);
		if (rc > 0)
			return;
		if (rc == 0)
			die("no progress on the connection for %d s",
			    IO_TIMEOUT_MS / 1000);
		if (errno != EINTR)
			die("poll: %s", strerror(errno));
	}
}

static void
conn_open(struct conn *c, int port)
{
	struct sockaddr_in	sin;
	int			one = 1;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("connect 127.0.0.1:%d: %s", port, strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->cap = 1 << 18;
	c->buf = xmalloc(c->cap);
}

static void
conn_close(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void
conn_send(struct conn *c, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EINTR || errno == EAGAIN)) {
			wait_fd(c->fd, POLLOUT);
			continue;
		}
		if (w <= 0)
			die("send: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void
conn_cmd(struct conn *c, const char *cmd)
{
	conn_send(c, cmd, strlen(cmd));
	conn_send(c, "\r\n", 2);
}

/*
 * The next line, without its CRLF, NUL-terminated in place; valid until
 * the next call.  *len gets its length.
 */
static char *
conn_line(struct conn *c, size_t *len)
{
	char	*nl, *line;
	ssize_t	 r;

	for (;;) {
		nl = c->end > c->start ? memchr(c->buf + c->start, '\n',
		    c->end - c->start) : NULL;
		if (nl != NULL)
			break;
		if (c->start > 0 && c->start == c->end)
			c->start = c->end = 0;
		else if (c->start > c->cap / 2) {
			memmove(c->buf, c->buf + c->start, c->end - c->start);
			c->end -= c->start;
			c->start = 0;
		}
		if (c->end == c->cap) {
			c->cap *= 2;
			c->buf = xrealloc(c->buf, c->cap);
		}
		wait_fd(c->fd, POLLIN);
		r = recv(c->fd, c->buf + c->end, c->cap - c->end, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die("recv: %s", strerror(errno));
		if (r == 0)
			die("connection closed by the peer");
		c->end += (size_t)r;
		c->bytes_in += (uint64_t)r;
	}
	line = c->buf + c->start;
	*len = (size_t)(nl - line);
	c->start += *len + 1;
	if (c->capture != NULL) {
		buf_add(c->capture, line, *len);
		buf_add(c->capture, "\n", 1);
	}
	if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
	line[*len] = '\0';
	return (line);
}

static int
conn_status(struct conn *c, char **text)
{
	size_t	 len;
	char	*l = conn_line(c, &len);

	if (len < 3 || l[0] < '1' || l[0] > '5')
		die("bad status line \"%.80s\"", l);
	if (text != NULL)
		*text = l;
	return ((l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0'));
}

static void
conn_expect(struct conn *c, const char *cmd, int code)
{
	char	*text;
	int	 got;

	conn_cmd(c, cmd);
	if ((got = conn_status(c, &text)) != code)
		die("%s: expected %d, got \"%.200s\"", cmd, code, text);
}

typedef void (*line_cb)(char *line, size_t len, void *arg);

/* Read a multi-line block up to ".", unstuffing; returns the lines. */
static size_t
conn_block(struct conn *c, line_cb cb, void *arg)
{
	char	*l;
	size_t	 len, n = 0;

	for (;;) {
		l = conn_line(c, &len);
		if (l[0] == '.') {
			if (len == 1)
				return (n);
			l++;
			len--;
		}
		cb(l, len, arg);
		n++;
	}
}

/* ---- Loading --------------------------------------------------------- */

struct plan {
	uint32_t	 n;		/* articles */
	uint32_t	*thread;	/* thread of article k */
	uint32_t	*parent;	/* parent article, UINT32_MAX: root */
	uint8_t		*depth;
	uint32_t	*root_of;	/* thread -> its root article */
	const char	*prefix;
	const char	*group;
	int64_t		 date0;		/* Date of article 0 */
};

struct loader {
	struct plan	*plan;
	int		 port;
	atomic_uint	 next;
	atomic_uint	 done;
	atomic_uint	 failed;
};

/*
 * Plan ARTICLES articles in THREADS threads.  With one thread everything
 * replies into it.  Otherwise every (n/t)-th article starts a thread and
 * the others reply into one of the 500 most recently started, as talk
 * goes on where it is fresh; thread sizes vary accordingly.
 */
static void
plan_make(struct plan *p, uint32_t n, uint32_t threads, unsigned maxdepth,
    uint64_t seed)
{
	uint32_t	**members, *nmem, *capm;
	uint32_t	  k, t, started = 0, stride, window, cand;
	int		  tries;

	if (threads == 0 || threads > n)
		die("need 1 <= threads <= articles");
	p->n = n;
	p->thread = xmalloc(n * sizeof(*p->thread));
	p->parent = xmalloc(n * sizeof(*p->parent));
	p->depth = xmalloc(n);
	p->root_of = xmalloc(threads * sizeof(*p->root_of));
	members = calloc(threads, sizeof(*members));
	nmem = calloc(threads, sizeof(*nmem));
	capm = calloc(threads, sizeof(*capm));
	if (members == NULL || nmem == NULL || capm == NULL)
		die("out of memory");
	stride = n / threads;
	for (k = 0; k < n; k++) {
		if (started < threads && (k % stride == 0 || n - k <=
		    threads - started)) {
			t = started++;
			p->root_of[t] = k;
			p->parent[k] = UINT32_MAX;
			p->depth[k] = 0;
		} else {
			window = started < 500 ? started : 500;
			t = started - 1 - rng_below(&seed, window);
			/* A random earlier article not too deep. */
			cand = members[t][0];
			for (tries = 0; tries < 8; tries++) {
				cand = members[t][rng_below(&seed, nmem[t])];
				if (p->depth[cand] < maxdepth)
					break;
			}
			if (p->depth[cand] >= maxdepth)
				cand = members[t][0];
			p->parent[k] = cand;
			p->depth[k] = (uint8_t)(p->depth[cand] + 1);
		}
		p->thread[k] = t;
		if (nmem[t] == capm[t]) {
			capm[t] = capm[t] ? capm[t] * 2 : 4;
			members[t] = xrealloc(members[t], capm[t] *
			    sizeof(**members));
		}
		members[t][nmem[t]++] = k;
	}
	for (t = 0; t < threads; t++)
		free(members[t]);
	free(members);
	free(nmem);
	free(capm);
}

static const char *const words[] = {
	"thread", "reply", "parent", "server", "reader", "article", "storage",
	"index", "overview", "client", "benchmark", "discussion", "branch",
	"the", "a", "of", "and", "to", "in", "is", "that", "it", "not", "but",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

static void
date_format(int64_t t, char *out, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	gmtime_r(&tt, &tm);
	snprintf(out, len, "%s, %d %s %d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Article k as a dot-stuffed POST data block ending in ".\r\n". */
static void
article_build(const struct plan *p, uint32_t k, struct buf *b)
{
	uint32_t	chain[256], a;
	uint64_t	seed = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)k << 17);
	size_t		n = 0, i, lines, w;
	char		date[64];

	b->len = 0;
	for (a = p->parent[k]; a != UINT32_MAX && n < 256; a = p->parent[a])
		chain[n++] = a;
	date_format(p->date0 + k, date, sizeof(date));
	buf_printf(b, "From: Poster %u <p%u@bench.loom>\r\n"
	    "Newsgroups: %s\r\n"
	    "Subject: %sThread %u about the %s\r\n"
	    "Date: %s\r\n"
	    "Message-ID: <%s.%u@bench.loom>\r\n",
	    (unsigned)(rng_next(&seed) % 5000), k, p->group,
	    p->parent[k] == UINT32_MAX ? "" : "Re: ", p->thread[k],
	    words[rng_next(&seed) % NWORDS], date, p->prefix, k);
	if (n > 0) {
		buf_printf(b, "References:");
		for (i = n; i-- > 0;)
			buf_printf(b, " <%s.%u@bench.loom>", p->prefix,
			    chain[i]);
		buf_printf(b, "\r\n");
	}
	buf_printf(b, "\r\n");
	lines = 2 + rng_next(&seed) % 6;
	for (i = 0; i < lines; i++) {
		for (w = 0; w < 8; w++)
			buf_printf(b, "%s%s", w ? " " : "",
			    words[rng_next(&seed) % NWORDS]);
		buf_printf(b, ".\r\n");
	}
	buf_printf(b, ".\r\n");
}

static void *
loader_main(void *arg)
{
	struct loader	*l = arg;
	struct conn	 c;
	struct buf	 b;
	char		*text;
	unsigned	 k;
	int		 code;

	memset(&b, 0, sizeof(b));
	conn_open(&c, l->port);
	if ((code = conn_status(&c, &text)) != 200)
		die("greeting: %s", text);
	for (;;) {
		k = atomic_fetch_add(&l->next, 1);
		if (k >= l->plan->n)
			break;
		article_build(l->plan, k, &b);
		conn_cmd(&c, "POST");
		if ((code = conn_status(&c, &text)) != 340)
			die("POST: %s", text);
		conn_send(&c, b.p, b.len);
		if ((code = conn_status(&c, &text)) != 240) {
			if (atomic_fetch_add(&l->failed, 1) < 5)
				fprintf(stderr, "threadbench: article %u: "
				    "%s\n", k, text);
		} else
			atomic_fetch_add(&l->done, 1);
	}
	conn_cmd(&c, "QUIT");
	conn_close(&c);
	free(b.p);
	return (NULL);
}

static int
cmd_load(int port, const char *group, uint32_t n, uint32_t threads,
    unsigned conns, uint64_t seed, const char *prefix, unsigned maxdepth)
{
	struct plan	 p;
	struct loader	 l;
	pthread_t	*tids;
	double		 t0, dt;
	unsigned	 i, maxd = 0;
	uint32_t	 k;

	memset(&p, 0, sizeof(p));
	p.prefix = prefix;
	p.group = group;
	/* Posting times one second apart, ending an hour ago. */
	p.date0 = (int64_t)time(NULL) - 3600 - n;
	plan_make(&p, n, threads, maxdepth, seed);
	for (k = 0; k < n; k++)
		if (p.depth[k] > maxd)
			maxd = p.depth[k];
	memset(&l, 0, sizeof(l));
	l.plan = &p;
	l.port = port;
	atomic_init(&l.next, 0);
	atomic_init(&l.done, 0);
	atomic_init(&l.failed, 0);
	tids = xmalloc(conns * sizeof(*tids));
	t0 = now_ms();
	for (i = 0; i < conns; i++)
		if (pthread_create(&tids[i], NULL, loader_main, &l) != 0)
			die("pthread_create");
	for (i = 0; i < conns; i++)
		pthread_join(tids[i], NULL);
	dt = (now_ms() - t0) / 1000.0;
	printf("loaded %u articles in %u threads (max depth %u) into %s: "
	    "%.1f s, %.0f articles/s over %u connections, %u refused\n",
	    atomic_load(&l.done), threads, maxd, group, dt,
	    atomic_load(&l.done) / (dt > 0 ? dt : 1), conns,
	    atomic_load(&l.failed));
	free(tids);
	free(p.thread);
	free(p.parent);
	free(p.depth);
	free(p.root_of);
	return (atomic_load(&l.failed) == 0 ? 0 : 1);
}

/* ---- Client-side threading ------------------------------------------- */

struct cnode {
	char		*msgid;
	char		*subject;
	char		*parent_id;	/* last References entry, or NULL */
	uint32_t	 number;	/* 0: placeholder */
	int32_t		 parent, first, last, next;
};

struct ctree {
	struct cnode	*n;
	size_t		 count, cap;
	uint32_t	*slot;		/* index + 1, 0 empty */
	size_t		 nslots;
	struct arena	 arena;
};

static uint64_t
str_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h);
}

static void ctree_rehash(struct ctree *);

static int32_t
ctree_find(const struct ctree *t, const char *id)
{
	size_t	j;

	if (t->nslots == 0)
		return (-1);
	for (j = str_hash(id) & (t->nslots - 1); t->slot[j] != 0;
	    j = (j + 1) & (t->nslots - 1))
		if (strcmp(t->n[t->slot[j] - 1].msgid, id) == 0)
			return ((int32_t)(t->slot[j] - 1));
	return (-1);
}

static int32_t
ctree_add(struct ctree *t, char *id, uint32_t number)
{
	struct cnode	*n;
	size_t		 j;

	if ((t->count + 1) * 2 > t->nslots)
		ctree_rehash(t);
	if (t->count == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->n = xrealloc(t->n, t->cap * sizeof(*t->n));
	}
	n = &t->n[t->count];
	memset(n, 0, sizeof(*n));
	n->msgid = id;
	n->number = number;
	n->parent = n->first = n->last = n->next = -1;
	for (j = str_hash(id) & (t->nslots - 1); t->slot[j] != 0;
	    j = (j + 1) & (t->nslots - 1))
		;
	t->slot[j] = (uint32_t)(++t->count);
	return ((int32_t)(t->count - 1));
}

static void
ctree_rehash(struct ctree *t)
{
	size_t	i, j, ns = t->nslots ? t->nslots * 2 : 4096;

	free(t->slot);
	t->slot = calloc(ns, sizeof(*t->slot));
	if (t->slot == NULL)
		die("out of memory");
	t->nslots = ns;
	for (i = 0; i < t->count; i++) {
		for (j = str_hash(t->n[i].msgid) & (ns - 1); t->slot[j] != 0;
		    j = (j + 1) & (ns - 1))
			;
		t->slot[j] = (uint32_t)(i + 1);
	}
}

static void
ctree_free(struct ctree *t)
{
	free(t->n);
	free(t->slot);
	arena_free(&t->arena);
	memset(t, 0, sizeof(*t));
}

/* Split a TAB-separated line into at most max fields (in place). */
static size_t
split_tabs(char *line, size_t len, char **f, size_t max)
{
	char	*p = line, *end = line + len, *tab;
	size_t	 n = 0;

	while (n < max) {
		f[n++] = p;
		if ((tab = memchr(p, '\t', (size_t)(end - p))) == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return (n);
}

/* OVER: number, subject, from, date, message-id, references, ... */
static void
over_line(char *line, size_t len, void *arg)
{
	struct ctree	*t = arg;
	char		*f[10], *refs, *last, *p;
	size_t		 nf;
	int32_t		 i;

	if ((nf = split_tabs(line, len, f, 10)) < 6)
		die("short OVER line");
	i = ctree_add(t, arena_dup(&t->arena, f[4], strlen(f[4])),
	    (uint32_t)strtoul(f[0], NULL, 10));
	t->n[i].subject = arena_dup(&t->arena, f[1], strlen(f[1]));
	/* Parent: the last References entry. */
	refs = f[5];
	last = NULL;
	for (p = refs; *p != '\0'; p++)
		if (*p == '<' && (p == refs || p[-1] == ' '))
			last = p;
	if (last != NULL) {
		for (p = last; *p != '\0' && *p != ' '; p++)
			;
		t->n[i].parent_id = arena_dup(&t->arena, last,
		    (size_t)(p - last));
	}
}

/* Link every node under its parent (placeholders for absent ones),
   children in article-number (arrival) order. */
static void
ctree_link(struct ctree *t)
{
	size_t	i, present = t->count;
	int32_t	p;

	for (i = 0; i < present; i++) {
		if (t->n[i].parent_id == NULL)
			continue;
		if ((p = ctree_find(t, t->n[i].parent_id)) == -1)
			p = ctree_add(t, t->n[i].parent_id, 0);
		if ((size_t)p == i)
			continue;
		t->n[i].parent = p;
		if (t->n[p].last == -1)
			t->n[p].first = (int32_t)i;
		else
			t->n[t->n[p].last].next = (int32_t)i;
		t->n[p].last = (int32_t)i;
	}
}

/* Walk the subtree of top: nodes visited; *maxnum the latest article. */
static size_t
ctree_walk(struct ctree *t, int32_t top, int32_t **stack, size_t *cap,
    uint32_t *maxnum)
{
	size_t	n = 0, sp = 0;
	int32_t	i, k;

	*maxnum = 0;
	if (*cap == 0) {
		*cap = 1024;
		*stack = xmalloc(*cap * sizeof(**stack));
	}
	(*stack)[sp++] = top;
	while (sp > 0 && n <= t->count) {
		i = (*stack)[--sp];
		n++;
		if (t->n[i].number > *maxnum)
			*maxnum = t->n[i].number;
		for (k = t->n[i].first; k != -1; k = t->n[k].next) {
			if (sp == *cap) {
				*cap *= 2;
				*stack = xrealloc(*stack, *cap *
				    sizeof(**stack));
			}
			(*stack)[sp++] = k;
		}
	}
	return (n);
}

/* ---- Measured operations --------------------------------------------- */

struct result {
	size_t		items;
	uint64_t	bytes;
};

struct xtree_node {
	unsigned	 depth;
	char		*msgid;
	char		*subject;
};

struct xtree_out {
	struct xtree_node	*n;
	size_t			 count, cap;
	struct arena		 arena;
};

/* XTREE: depth, number, subject, from, date, message-id, ... */
static void
xtree_line(char *line, size_t len, void *arg)
{
	struct xtree_out	*x = arg;
	char			*f[10];

	if (split_tabs(line, len, f, 10) < 6)
		die("short XTREE line");
	if (x->count == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 1024;
		x->n = xrealloc(x->n, x->cap * sizeof(*x->n));
	}
	x->n[x->count].depth = (unsigned)strtoul(f[0], NULL, 10);
	x->n[x->count].msgid = arena_dup(&x->arena, f[5], strlen(f[5]));
	x->n[x->count].subject = arena_dup(&x->arena, f[2], strlen(f[2]));
	x->count++;
}

static void
op_xtree(struct conn *c, const char *msgid, struct result *r)
{
	struct xtree_out	 x;
	char			 cmd[512], *text;

	memset(&x, 0, sizeof(x));
	snprintf(cmd, sizeof(cmd), "XTREE %s", msgid);
	conn_cmd(c, cmd);
	if (conn_status(c, &text) != 224)
		die("%s: %s", cmd, text);
	if (strstr(text, "truncated") != NULL)
		fprintf(stderr, "threadbench: warning: %s\n", text);
	conn_block(c, xtree_line, &x);
	r->items = x.count;
	free(x.n);
	arena_free(&x.arena);
}

static void
over_group(struct conn *c, const char *group, struct ctree *t)
{
	char	cmd[512];

	snprintf(cmd, sizeof(cmd), "GROUP %s", group);
	conn_expect(c, cmd, 211);
	conn_expect(c, "OVER 1-", 224);
	conn_block(c, over_line, t);
	ctree_link(t);
}

static void
op_client_thread(struct conn *c, const char *group, const char *msgid,
    struct result *r)
{
	struct ctree	 t;
	int32_t		*stack = NULL, i;
	size_t		 cap = 0, steps;
	uint32_t	 maxnum;

	memset(&t, 0, sizeof(t));
	over_group(c, group, &t);
	if ((i = ctree_find(&t, msgid)) == -1)
		die("%s is not in %s", msgid, group);
	for (steps = 0; t.n[i].parent != -1 && steps < t.count; steps++)
		i = t.n[i].parent;
	r->items = ctree_walk(&t, i, &stack, &cap, &maxnum);
	free(stack);
	ctree_free(&t);
}

struct xroot {
	char		*root;
	char		*subject;
	uint32_t	 replies;
	uint64_t	 last;		/* XROOTS: yyyymmddhhmmss; client
					   side: the latest article number */
};

struct xroots_out {
	struct xroot	*r;
	size_t		 count, cap;
	struct arena	 arena;
};

static void
xroots_add(struct xroots_out *x, const char *root, const char *subject,
    uint32_t replies, uint64_t last)
{
	if (x->count == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 1024;
		x->r = xrealloc(x->r, x->cap * sizeof(*x->r));
	}
	x->r[x->count].root = arena_dup(&x->arena, root, strlen(root));
	x->r[x->count].subject = arena_dup(&x->arena, subject,
	    strlen(subject));
	x->r[x->count].replies = replies;
	x->r[x->count].last = last;
	x->count++;
}

/* XROOTS: root, subject, from, date, replies, last-activity */
static void
xroots_line(char *line, size_t len, void *arg)
{
	char	*f[6];

	if (split_tabs(line, len, f, 6) < 6)
		die("short XROOTS line");
	xroots_add(arg, f[0], f[1], (uint32_t)strtoul(f[4], NULL, 10),
	    strtoull(f[5], NULL, 10));
}

static void
op_xroots(struct conn *c, const char *group, const char *range,
    struct result *r)
{
	struct xroots_out	 x;
	char			 cmd[512], *text;

	memset(&x, 0, sizeof(x));
	snprintf(cmd, sizeof(cmd), "XROOTS %s%s%s", group, range ? " " : "",
	    range ? range : "");
	conn_cmd(c, cmd);
	if (conn_status(c, &text) != 224)
		die("%s: %s", cmd, text);
	conn_block(c, xroots_line, &x);
	r->items = x.count;
	free(x.r);
	arena_free(&x.arena);
}

static int
xroot_cmp(const void *a, const void *b)
{
	const struct xroot	*x = a, *y = b;

	if (x->last != y->last)
		return (x->last > y->last ? -1 : 1);
	return (strcmp(x->root, y->root));
}

static void
op_client_roots(struct conn *c, const char *group, size_t top,
    struct result *r)
{
	struct ctree		 t;
	struct xroots_out	 x;
	int32_t			*stack = NULL;
	size_t			 cap = 0, i, n;
	uint32_t		 maxnum;

	memset(&t, 0, sizeof(t));
	memset(&x, 0, sizeof(x));
	over_group(c, group, &t);
	for (i = 0; i < t.count; i++) {
		if (t.n[i].parent != -1)
			continue;
		n = ctree_walk(&t, (int32_t)i, &stack, &cap, &maxnum);
		xroots_add(&x, t.n[i].msgid, t.n[i].subject ?
		    t.n[i].subject : "", (uint32_t)(n - (t.n[i].number ? 1 :
		    0)), maxnum);
	}
	qsort(x.r, x.count, sizeof(*x.r), xroot_cmp);
	r->items = top > 0 && top < x.count ? top : x.count;
	free(stack);
	free(x.r);
	arena_free(&x.arena);
	ctree_free(&t);
}

/* ---- measure --------------------------------------------------------- */

struct spec {
	char	*text;
	char	*op, *a1, *a2;
};

static void
spec_parse(struct spec *s, const char *text)
{
	char	*p;

	memset(s, 0, sizeof(*s));
	s->text = strdup(text);
	if ((p = strdup(text)) == NULL || s->text == NULL)
		die("out of memory");
	s->op = p;
	if ((p = strchr(p, ':')) != NULL) {
		*p++ = '\0';
		s->a1 = p;
		if ((p = strchr(p, ':')) != NULL) {
			*p++ = '\0';
			s->a2 = p;
		}
	}
	if (s->a1 == NULL ||
	    (strcmp(s->op, "client-thread") == 0 && s->a2 == NULL))
		die("bad spec \"%s\"", text);
	if (strcmp(s->op, "xtree") != 0 && strcmp(s->op, "xroots") != 0 &&
	    strcmp(s->op, "client-thread") != 0 &&
	    strcmp(s->op, "client-roots") != 0)
		die("unknown operation in \"%s\"", text);
}

static void
spec_run(struct conn *c, const struct spec *s, struct result *r)
{
	memset(r, 0, sizeof(*r));
	if (strcmp(s->op, "xtree") == 0)
		op_xtree(c, s->a1, r);
	else if (strcmp(s->op, "client-thread") == 0)
		op_client_thread(c, s->a1, s->a2, r);
	else if (strcmp(s->op, "xroots") == 0)
		op_xroots(c, s->a1, s->a2, r);
	else
		op_client_roots(c, s->a1, s->a2 ? strtoul(s->a2, NULL, 10) :
		    0, r);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/*
 * For replay: CAPDIR/NNN.cmd holds a command (OVER keyed with its group:
 * "OVER 1- GROUP"), CAPDIR/NNN.resp the raw bytes that answered it.
 */
static void
capture_write(const char *dir, int idx, const char *cmd, const struct buf *b)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%03d.cmd", dir, idx);
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "%s\n", cmd);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%03d.resp", dir, idx);
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	if (fwrite(b->p, 1, b->len, f) != b->len)
		die("%s: short write", path);
	fclose(f);
}

/* The raw response to one command (status line and block if any). */
static void
capture_one(struct conn *c, const char *cmd, struct buf *out)
{
	char	*l, *text;
	size_t	 len;
	int	 code;

	out->len = 0;
	c->capture = out;
	conn_cmd(c, cmd);
	code = conn_status(c, &text);
	if (code == 224) {
		do
			l = conn_line(c, &len);
		while (!(len == 1 && l[0] == '.'));
	}
	c->capture = NULL;
}

static void
capture_spec(struct conn *c, const struct spec *s, const char *dir,
    int *idx)
{
	struct buf	b;
	char		cmd[512];

	memset(&b, 0, sizeof(b));
	if (strcmp(s->op, "xtree") == 0) {
		snprintf(cmd, sizeof(cmd), "XTREE %s", s->a1);
		capture_one(c, cmd, &b);
		capture_write(dir, (*idx)++, cmd, &b);
	} else if (strcmp(s->op, "xroots") == 0) {
		snprintf(cmd, sizeof(cmd), "XROOTS %s%s%s", s->a1,
		    s->a2 ? " " : "", s->a2 ? s->a2 : "");
		capture_one(c, cmd, &b);
		capture_write(dir, (*idx)++, cmd, &b);
	} else {
		snprintf(cmd, sizeof(cmd), "GROUP %s", s->a1);
		capture_one(c, cmd, &b);
		capture_write(dir, (*idx)++, cmd, &b);
		capture_one(c, "OVER 1-", &b);
		snprintf(cmd, sizeof(cmd), "OVER 1- %s", s->a1);
		capture_write(dir, (*idx)++, cmd, &b);
	}
	free(b.p);
}

static int
cmd_measure(int port, int runs, const char *capdir, int nspecs,
    char **specv)
{
	struct spec	 specs[MAX_SPECS];
	struct result	 r;
	struct conn	 c;
	double		 t[MAX_RUNS], t0;
	uint64_t	 b0;
	char		*text;
	int		 i, k, capidx = 0;

	if (nspecs > MAX_SPECS)
		die("at most %d specs", MAX_SPECS);
	if (runs < 1 || runs > MAX_RUNS)
		die("runs must be 1..%d", MAX_RUNS);
	for (i = 0; i < nspecs; i++)
		spec_parse(&specs[i], specv[i]);
	conn_open(&c, port);
	if (conn_status(&c, &text) / 100 != 2)
		die("greeting: %s", text);
	for (i = 0; i < nspecs; i++) {
		spec_run(&c, &specs[i], &r);	/* warm-up, not timed */
		b0 = c.bytes_in;
		for (k = 0; k < runs; k++) {
			t0 = now_ms();
			spec_run(&c, &specs[i], &r);
			t[k] = now_ms() - t0;
		}
		qsort(t, (size_t)runs, sizeof(t[0]), dbl_cmp);
		printf("result %s %.3f %.3f %.3f %zu %llu\n", specs[i].text,
		    t[runs / 2], t[0], t[runs - 1], r.items,
		    (unsigned long long)((c.bytes_in - b0) / (uint64_t)runs));
		fflush(stdout);
		if (capdir != NULL)
			capture_spec(&c, &specs[i], capdir, &capidx);
	}
	conn_cmd(&c, "QUIT");
	conn_close(&c);
	for (i = 0; i < nspecs; i++) {
		free(specs[i].text);
		free(specs[i].op);
	}
	return (0);
}

/* ---- replay ---------------------------------------------------------- */

struct canned {
	char	*cmd;
	char	*resp;
	size_t	 len;
};

static char *
file_read(const char *path, size_t *len)
{
	struct stat	 sb;
	FILE		*f;
	char		*p;

	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), &sb) == -1)
		die("%s: %s", path, strerror(errno));
	p = xmalloc((size_t)sb.st_size + 1);
	if (fread(p, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
		die("%s: short read", path);
	p[sb.st_size] = '\0';
	*len = (size_t)sb.st_size;
	fclose(f);
	return (p);
}

static void
replay_send(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EINTR || errno == EAGAIN)) {
			wait_fd(fd, POLLOUT);
			continue;
		}
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Serve one client: every known command gets its canned bytes. */
static void
replay_client(int fd, const struct canned *cv, size_t nc)
{
	struct conn	 c;
	char		*l, key[600], group[512] = "";
	size_t		 len, i;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.cap = 1 << 16;
	c.buf = xmalloc(c.cap);
	replay_send(fd, "200 threadbench replay\r\n", 24);
	for (;;) {
		l = conn_line(&c, &len);
		if (strcasecmp(l, "QUIT") == 0) {
			replay_send(fd, "205 bye\r\n", 9);
			break;
		}
		if (strncasecmp(l, "GROUP ", 6) == 0)
			snprintf(group, sizeof(group), "%s", l + 6);
		if (strcasecmp(l, "OVER 1-") == 0)
			snprintf(key, sizeof(key), "OVER 1- %s", group);
		else
			snprintf(key, sizeof(key), "%s", l);
		for (i = 0; i < nc; i++)
			if (strcmp(cv[i].cmd, key) == 0)
				break;
		if (i < nc)
			replay_send(fd, cv[i].resp, cv[i].len);
		else
			replay_send(fd, "500 not captured\r\n", 18);
	}
	conn_close(&c);
}

static int
cmd_replay(const char *dir)
{
	struct canned		*cv = NULL;
	struct sockaddr_in	 sin;
	struct dirent		*de;
	struct pollfd		 pfd;
	socklen_t		 sl = sizeof(sin);
	DIR			*d;
	size_t			 nc = 0, len;
	char			 path[4096], *p;
	int			 lfd, fd, one = 1;

	if ((d = opendir(dir)) == NULL)
		die("%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".cmd") != 0)
			continue;
		cv = xrealloc(cv, (nc + 1) * sizeof(*cv));
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cv[nc].cmd = file_read(path, &len);
		if ((p = strchr(cv[nc].cmd, '\n')) != NULL)
			*p = '\0';
		snprintf(path, sizeof(path), "%s/%.*s.resp", dir,
		    (int)(strlen(de->d_name) - 4), de->d_name);
		cv[nc].resp = file_read(path, &cv[nc].len);
		nc++;
	}
	closedir(d);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 16) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) == -1)
		die("listen: %s", strerror(errno));
	printf("port %d\n", ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, REPLAY_IDLE_MS) <= 0)
			break;
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		replay_client(fd, cv, nc);
	}
	close(lfd);
	while (nc-- > 0) {
		free(cv[nc].cmd);
		free(cv[nc].resp);
	}
	free(cv);
	return (0);
}

/* ---- main ------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: threadbench load -p PORT -g GROUP -n ARTICLES -t THREADS "
	    "[-c CONNS] [-s SEED] [-x PREFIX] [-D MAXDEPTH]\n"
	    "       threadbench measure -p PORT [-r RUNS] [-C CAPDIR] "
	    "SPEC...\n"
	    "       threadbench replay -C CAPDIR\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char	*mode, *group = NULL, *prefix = "a", *capdir = NULL;
	unsigned long	 n = 0, threads = 1, conns = 8, maxdepth = 32;
	uint64_t	 seed = 1;
	int		 ch, port = 0, runs = 7;

	if (argc < 2)
		usage();
	mode = argv[1];
	argc--;
	argv++;
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "p:g:n:t:c:s:x:D:r:C:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'g':
			group = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 't':
			threads = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			conns = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10) | 1;
			break;
		case 'x':
			prefix = optarg;
			break;
		case 'D':
			maxdepth = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'C':
			capdir = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(mode, "load") == 0) {
		if (port <= 0 || group == NULL || n == 0 || n > 10000000 ||
		    conns == 0 || conns > 256 || maxdepth == 0 ||
		    maxdepth > 200)
			usage();
		return (cmd_load(port, group, (uint32_t)n, (uint32_t)threads,
		    (unsigned)conns, seed, prefix, (unsigned)maxdepth));
	}
	if (strcmp(mode, "measure") == 0) {
		if (port <= 0 || argc == 0)
			usage();
		return (cmd_measure(port, runs, capdir, argc, argv));
	}
	if (strcmp(mode, "replay") == 0) {
		if (capdir == NULL)
			usage();
		return (cmd_replay(capdir));
	}
	usage();
	return (2);
}
