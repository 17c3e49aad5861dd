/*
 * nntpgen: the load generator of tests/bench/run-vs-inn.sh (see
 * tests/bench/README.md), and a sink that answers like a server but does
 * nothing, to measure the generator's own ceiling.  One thread and poll()
 * for all connections; plain POSIX sockets (OpenSSL only for idle TLS
 * connections); nothing from Loom is linked in.
 *
 *   nntpgen MODE [options] HOST PORT
 *
 * Modes (each connection runs one at a time, except takethis):
 *   takethis  MODE STREAM, then "TAKETHIS <id>" + article with up to
 *	      WINDOW unanswered per connection; 239 counts.
 *   post     POST, 340, article, 240, in turn; 240 counts.
 *   ihave    IHAVE <id>, 335, article, 235, in turn; 235 counts.
 *   over     GROUP g, 211, OVER low-high, 224 + lines: every connection
 *	      reads every group PASSES times, connection i starting at
 *	      group i; overview lines count.
 *   artnum   GROUP g (a random group, again every 32 requests; not
 *	      counted), then ARTICLE n with n random in the group's range;
 *	      220 + article counts.
 *   artid    ARTICLE <id> with <id> one of the Message-IDs of -R; 220
 *	      counts.
 *   idle     open -n connections (-T: TLS from the first octet), read
 *	      each greeting (and, with -C, send one command and read its
 *	      one-line reply), print "ready N", hold them until SIGTERM or
 *	      -t seconds, then report how many the server had closed.
 *   sink     the do-nothing server (below).
 *
 * Options:
 *   -c CONNS     connections (8; idle: see -n)
 *   -n COUNT     articles or requests (20000; idle: connections, 500)
 *   -t SECONDS   time limit of a run (60), then a 30 s grace for replies;
 *		  idle: how long to hold the connections (600)
 *   -w WINDOW    TAKETHIS in flight per connection (64)
 *   -s SIZE      octets per article, about (3072)
 *   -g PREFIX    group name, or prefix with -G > 1 (local.bench)
 *   -G NGROUPS   groups PREFIX.g00 ... (1: PREFIX itself)
 *   -r RUNID     in every Message-ID: <RUNID.SEQ@nntpgen.bench.example>
 *   -R SETS      artid: RUNID:COUNT[,RUNID:COUNT...], the Message-IDs
 *		  that exist (SEQ from 0 to COUNT - 1)
 *   -P PASSES    over: reads of every group per connection (1)
 *   -S SEED      random choices (1)
 *   -Q           acknowledge every read at once (Linux TCP_QUICKACK): a
 *		  server that writes a reply in several writes without
 *		  TCP_NODELAY (nnrpd) then does not wait for a delayed ACK
 *   -T           idle: TLS
 *   -C LINE      idle: send LINE (a command with a one-line reply, e.g.
 *		  "GROUP local.test") after the greeting, as a reader that
 *		  has done something before it idles
 *
 * Articles: Path (not for post), From, Newsgroups (one group; every
 * connection grows threads of six in a chain, References included, each
 * thread in the next group in turn), Subject, Message-ID, Date (now),
 * Organization, User-Agent, MIME headers, Lines, and a text body with
 * lines starting with a dot and lone dots (dot-stuffed).
 *
 * A run prints a summary and one line "RESULT key=value ...": rate (what
 * counts per second of wall clock, first command sent to last reply),
 * ok, refused, other, lost, mismatch, sent, wall, p50_ms, p99_ms (per
 * request: from its command to its last reply line; over: per group,
 * GROUP to the end of OVER), octets (articles sent), lines and rx_octets
 * (lines and octets of the multi-line blocks received, CRLF included).
 *
 *   nntpgen sink [-p PORT] [-i IDLE] [-N PERGROUP] [-O OVERLEN] [-A ARTLEN]
 *	Listen on 127.0.0.1:PORT (ephemeral by default), print "listening on
 *	127.0.0.1:PORT" and answer at once, one thread per connection,
 *	storing and checking nothing: 200 greeting, 203 MODE STREAM, 238
 *	CHECK, 239 TAKETHIS (once the article is read), 340/240 POST,
 *	335/235 IHAVE, "211 PERGROUP 1 PERGROUP g" GROUP (1000), OVER with
 *	one canned line of OVERLEN octets (CRLF included; 300) per number of
 *	the range, ARTICLE with a canned article of ARTLEN octets (3300).
 *	Exits after IDLE seconds (300) without any connection.
 *
 * Exit status: 0 when the run completed (whatever the replies), 1 when it
 * could not run (connection refused, no greeting, streaming refused), 2
 * on a usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_CONNS	256
#define MAX_IDLE	20000
#define MAX_WINDOW	4096
#define MAX_ARTICLES	10000000
#define MAX_SECONDS	3600
#define MAX_GROUPS	1000
#define MAX_PASSES	1000
#define MAX_SETS	256
#define MIN_SIZE	512
#define MAX_SIZE	(256 * 1024)
#define INBUF		(64 * 1024)
#define HANDSHAKE_MS	10000	/* greeting and MODE STREAM reply */
#define GRACE_SECONDS	30	/* for replies after the time limit */
#define STALL_SECONDS	30	/* no reply at all for this long: give up */
#define SINK_BUF	(256 * 1024)
#define MAX_REPORTS	5	/* unexpected replies printed */
#define ARTNUM_RUN	32	/* ARTICLE n requests per GROUP */
#define MSGID_DOMAIN	"nntpgen.bench.example"

/* ---- Utilities ------------------------------------------------------- */

static void die(const char *, ...)
    __attribute__((__format__(__printf__, 1, 2), __noreturn__));
static void warnx(const char *, ...)
    __attribute__((__format__(__printf__, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("nntpgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void
warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("nntpgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		die("out of memory (%zu octets)", n);
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		die("out of memory (%zu octets)", n);
	return p;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
number(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "nntpgen: %s must be a number from %ld to %ld\n",
		    what, lo, hi);
		exit(2);
	}
	return v;
}

static void
set_nodelay(int fd)
{
	int	one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The value at quantile q of sorted v[n] (nearest rank). */
static double
quantile(const double *v, size_t n, double q)
{
	size_t	i;

	if (n == 0)
		return 0;
	i = (size_t)(q * n);
	if (i >= n)
		i = n - 1;
	return v[i];
}

/* A status line's code, or -1. */
static int
status_code(const char *line, size_t len)
{
	if (len >= 3 && line[0] >= '0' && line[0] <= '9' &&
	    line[1] >= '0' && line[1] <= '9' && line[2] >= '0' &&
	    line[2] <= '9' && (len == 3 || line[3] == ' '))
		return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	return -1;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* xorshift64: the body pool (fixed seed) and the readers' choices. */
static uint64_t
xorshift(uint64_t *s)
{
	uint64_t	x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* ---- Article text ---------------------------------------------------- */

/*
 * The body pool: lines of text in wire form (CRLF, dot-stuffed), stored
 * twice in a row so that any line of the first copy starts enough text for
 * one body.  line_off[i] is where line i starts.
 */
static char	*pool;
static size_t	*line_off;		/* 2 * nlines + 1 entries */
static size_t	 nlines;		/* lines in one copy */

static const char *const words[] = {
	"the", "news", "server", "thread", "article", "reply", "group",
	"peer", "feed", "history", "overview", "spool", "commit", "batch",
	"of", "and", "a", "to", "in", "is", "that", "it", "for", "on", "with",
	"as", "was", "be", "by", "this", "are", "or", "from", "at", "which",
	"message", "header", "path", "transit", "stream", "window", "reader",
	"posting", "expire", "index", "order", "time", "network", "loopback",
	"durable", "disk", "page", "cache", "kernel", "socket", "buffer",
	"Usenet", "NNTP", "INN", "Loom", "RFC", "3977", "4644", "5536",
};

static uint64_t	pool_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	return (uint32_t)(xorshift(&pool_rng) >> 32);
}

static void
pool_init(size_t size)
{
	char	*text, line[128];
	size_t	 len, cap, i, n, want;
	size_t	 nw = sizeof(words) / sizeof(words[0]);
	size_t	*off;
	int	 l;

	want = size * 4 < 64 * 1024 ? 64 * 1024 : size * 4;
	cap = want + 256;
	text = xmalloc(cap);
	off = xmalloc(sizeof(*off) * (want / 2 + 2));
	len = n = 0;
	while (len < want) {
		l = 0;
		switch (rng() % 29) {
		case 0:		/* a paragraph break */
			break;
		case 1:		/* a lone dot: ends the article unless stuffed */
			l = snprintf(line, sizeof(line), ".");
			break;
		case 2:		/* a line starting with a dot */
			l = snprintf(line, sizeof(line), ". indented %s %s",
			    words[rng() % nw], words[rng() % nw]);
			break;
		case 3:
			l = snprintf(line, sizeof(line), ".. %s %s",
			    words[rng() % nw], words[rng() % nw]);
			break;
		default:
			while (l < 60 + (int)(rng() % 12)) {
				l += snprintf(line + l, sizeof(line) - l, "%s%s",
				    l ? " " : "", words[rng() % nw]);
			}
			break;
		}
		off[n++] = len;
		if (l > 0 && line[0] == '.')
			text[len++] = '.';	/* dot-stuffing */
		memcpy(text + len, line, (size_t)l);
		len += (size_t)l;
		text[len++] = '\r';
		text[len++] = '\n';
	}
	nlines = n;
	pool = xmalloc(2 * len);
	memcpy(pool, text, len);
	memcpy(pool + len, text, len);
	line_off = xmalloc(sizeof(*line_off) * (2 * n + 1));
	for (i = 0; i < n; i++) {
		line_off[i] = off[i];
		line_off[n + i] = len + off[i];
	}
	line_off[2 * n] = 2 * len;
	free(text);
	free(off);
}

/* ---- The generator --------------------------------------------------- */

enum mode { M_TAKETHIS, M_POST, M_IHAVE, M_OVER, M_ARTNUM, M_ARTID,
	M_IDLE };

static const char *const mode_names[] = { "takethis", "post", "ihave",
	"over", "artnum", "artid", "idle" };

/* Where a lockstep connection is. */
enum cstate {
	CS_READY,	/* nothing outstanding: may start the next request */
	CS_CONT,	/* sent POST / IHAVE: waiting for 340 / 335 */
	CS_FINAL,	/* sent the article: waiting for 240 / 235 */
	CS_GROUP,	/* sent GROUP: waiting for 211 */
	CS_STATUS,	/* sent OVER / ARTICLE: waiting for 224 / 220 */
	CS_BLOCK,	/* reading the multi-line block */
	CS_DONE		/* did its share */
};

struct inflight {
	uint64_t	seq;
	double		sent;
};

struct conn {
	int		 fd;
	int		 id;
	int		 dead;
	char		*out;		/* output not yet written */
	size_t		 outlen;
	size_t		 outoff;
	size_t		 outcap;
	char		*in;		/* reply text not yet parsed */
	size_t		 inlen;
	struct inflight	*ring;		/* takethis: unanswered, oldest first */
	size_t		 head;
	size_t		 count;		/* requests awaiting a reply */
	uint64_t	 root;		/* the thread this connection grows */
	uint64_t	 prev;
	unsigned	 depth;
	unsigned	 thread_no;
	unsigned	 group;		/* of the thread */
	/* lockstep */
	enum cstate	 state;
	uint64_t	 seq;		/* the article of the current request */
	double		 t0;		/* when the current request started */
	uint64_t	 rng;
	unsigned	 rgroup;	/* the group being read */
	unsigned	 done;		/* over: groups read */
	unsigned	 left;		/* artnum: requests left in rgroup */
	uint64_t	 lo, hi;	/* artnum: rgroup's range */
	uint64_t	 blines;	/* lines of the current block */
};

struct idset {
	char		runid[64];
	uint64_t	count;
};

static struct {
	enum mode	 mode;
	const char	*host;
	const char	*port;
	int		 conns;
	int		 window;
	long		 articles;	/* or requests */
	long		 seconds;
	const char	*group;
	int		 ngroups;
	char		 runid[64];
	size_t		 size;
	int		 passes;
	uint64_t	 seed;
	int		 tls;
	int		 quickack;
	const char	*idle_cmd;
	struct idset	 sets[MAX_SETS];
	int		 nsets;
	uint64_t	 setsum;
} opt;

static struct {
	uint64_t	 next_seq;	/* articles generated, requests started */
	uint64_t	 octets;	/* octets of articles generated */
	uint64_t	 ok;		/* 239/240/235, groups read, 220 */
	uint64_t	 refused;	/* 439/44x/43x, 423/430 */
	uint64_t	 other;		/* any other reply */
	uint64_t	 mismatch;	/* reply for another Message-ID */
	uint64_t	 lost;		/* never answered */
	uint64_t	 lines;		/* lines of multi-line blocks */
	uint64_t	 rx_octets;	/* their octets, CRLF included */
	uint64_t	 rx_lines_total; /* every line received (progress) */
	uint64_t	 threads;	/* threads started (group rotation) */
	double		 first_send;
	double		 last_reply;
	double		*lat;		/* seconds, one per request */
	size_t		 nlat;
	size_t		 latcap;
	int		 reports;
} st;

static char	date_hdr[64];
static time_t	date_at = (time_t)-1;

static const char *
date_now(void)
{
	time_t		t = time(NULL);
	struct tm	tm;

	if (t != date_at) {
		gmtime_r(&t, &tm);
		strftime(date_hdr, sizeof(date_hdr),
		    "%a, %d %b %Y %H:%M:%S +0000", &tm);
		date_at = t;
	}
	return date_hdr;
}

static int
msgid_of(char *buf, size_t len, const char *runid, uint64_t seq)
{
	return snprintf(buf, len, "<%s.%llu@" MSGID_DOMAIN ">", runid,
	    (unsigned long long)seq);
}

static int
msgid(char *buf, size_t len, uint64_t seq)
{
	return msgid_of(buf, len, opt.runid, seq);
}

static int
group_name(char *buf, size_t len, unsigned g)
{
	if (opt.ngroups <= 1)
		return snprintf(buf, len, "%s", opt.group);
	return snprintf(buf, len, "%s.g%02u", opt.group, g);
}

static void
out_reserve(struct conn *c, size_t need)
{
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outcap - c->outlen >= need)
		return;
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outcap - c->outlen < need) {
		c->outcap = c->outlen + need + 64 * 1024;
		c->out = xrealloc(c->out, c->outcap);
	}
}

static void
out_printf(struct conn *c, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
out_printf(struct conn *c, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	out_reserve(c, 1024);
	va_start(ap, fmt);
	n = vsnprintf(c->out + c->outlen, c->outcap - c->outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= c->outcap - c->outlen)
		die("command too long");
	c->outlen += (size_t)n;
}

/*
 * Append article seq to c's output, preceded by "TAKETHIS <id>" when
 * takethis, with a Path header unless post (a newsreader sends none).
 * Threads: every connection grows chains of six, each in one group.
 */
static void
gen_article(struct conn *c, uint64_t seq, int takethis, int post)
{
	char		 id[128], root[128], prev[128], hdr[2048], grp[256];
	size_t		 first, last, body, target, h;
	int		 idlen, n, cmdlen;

	idlen = msgid(id, sizeof(id), seq);
	if (c->depth == 0 || c->depth >= 6) {
		c->depth = 0;
		c->root = seq;
		c->thread_no++;
		c->group = (unsigned)(st.threads++ % (uint64_t)opt.ngroups);
	}
	group_name(grp, sizeof(grp), c->group);
	n = 0;
	if (takethis)
		n = snprintf(hdr, sizeof(hdr), "TAKETHIS %s\r\n", id);
	cmdlen = n;
	if (!post)
		n += snprintf(hdr + n, sizeof(hdr) - n,
		    "Path: " MSGID_DOMAIN "!not-for-mail\r\n");
	n += snprintf(hdr + n, sizeof(hdr) - n,
	    "From: Bench Poster %u <poster%u@" MSGID_DOMAIN ">\r\n"
	    "Newsgroups: %s\r\n"
	    "Subject: %sNNTP benchmark thread %d.%u\r\n"
	    "Message-ID: %s\r\n"
	    "Date: %s\r\n",
	    (unsigned)(seq % 97), (unsigned)(seq % 97), grp,
	    c->depth ? "Re: " : "", c->id, c->thread_no, id, date_now());
	if (c->depth > 0) {
		msgid(root, sizeof(root), c->root);
		msgid(prev, sizeof(prev), c->prev);
		n += snprintf(hdr + n, sizeof(hdr) - n, "References: %s%s%s\r\n",
		    root, c->prev != c->root ? " " : "",
		    c->prev != c->root ? prev : "");
	}
	n += snprintf(hdr + n, sizeof(hdr) - n,
	    "Organization: Loom NNTP benchmark\r\n"
	    "User-Agent: nntpgen/1 (tests/bench/nntpgen.c)\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n");
	c->prev = seq;
	c->depth++;

	/* The body: whole pool lines from a varying start, about size. */
	h = (size_t)(n - cmdlen);
	target = opt.size > h + 64 ? opt.size - h - 64 : 64;
	first = (size_t)((seq * 7919) % nlines);
	last = first;
	while (last < 2 * nlines && line_off[last] - line_off[first] < target)
		last++;
	body = line_off[last] - line_off[first];
	n += snprintf(hdr + n, sizeof(hdr) - n, "Lines: %zu\r\n\r\n",
	    last - first);

	out_reserve(c, (size_t)n + body + 3);
	memcpy(c->out + c->outlen, hdr, (size_t)n);
	c->outlen += (size_t)n;
	memcpy(c->out + c->outlen, pool + line_off[first], body);
	c->outlen += body;
	memcpy(c->out + c->outlen, ".\r\n", 3);
	c->outlen += 3;
	st.octets += (size_t)(n - cmdlen) + body + 3;
	(void)idlen;
}

static void
lat_add(double v)
{
	if (st.nlat < st.latcap)
		st.lat[st.nlat++] = v;
}

static void
conn_kill(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	if (c->count > 0 || why != NULL)
		warnx("connection %d: %s (%zu requests unanswered)", c->id,
		    why ? why : "closed", c->count);
	st.lost += c->count;
	c->count = 0;
	c->dead = 1;
	close(c->fd);
	c->fd = -1;
}

static void
report(struct conn *c, const char *what, const char *line, size_t len)
{
	if (st.reports++ < MAX_REPORTS)
		warnx("connection %d: %s: %.*s", c->id, what,
		    (int)(len > 200 ? 200 : len), line);
	else if (st.reports == MAX_REPORTS + 1)
		warnx("(further unexpected replies not shown)");
}

/* takethis: one reply line (without CRLF). */
static void
reply_stream(struct conn *c, const char *line, size_t len, double t)
{
	struct inflight	*f;
	char		 id[128];
	const char	*p, *e;
	int		 code, idlen;

	if (c->count == 0) {
		st.other++;
		report(c, "reply with nothing outstanding", line, len);
		return;
	}
	f = &c->ring[c->head];
	c->head = (c->head + 1) % (size_t)opt.window;
	c->count--;
	lat_add(t - f->sent);
	st.last_reply = t;

	code = status_code(line, len);
	if (code == 239)
		st.ok++;
	else if (code == 439)
		st.refused++;
	else {
		st.other++;
		report(c, "unexpected reply", line, len);
		return;
	}
	/* 239/439 name the article: it must be the one sent first. */
	idlen = msgid(id, sizeof(id), f->seq);
	p = line + 3;
	e = line + len;
	while (p < e && *p == ' ')
		p++;
	if ((size_t)(e - p) < (size_t)idlen ||
	    memcmp(p, id, (size_t)idlen) != 0 ||
	    ((size_t)(e - p) > (size_t)idlen && p[idlen] != ' ')) {
		st.mismatch++;
		report(c, "reply out of order", line, len);
	}
}

/* The end of a request: latency, back to CS_READY. */
static void
request_done(struct conn *c, double t)
{
	lat_add(t - c->t0);
	st.last_reply = t;
	c->count = 0;
	c->state = CS_READY;
}

static unsigned
pick(struct conn *c, uint64_t n)
{
	return (unsigned)(xorshift(&c->rng) % n);
}

/* Start the next request of a lockstep connection (state CS_READY). */
static void
request_start(struct conn *c, double t)
{
	char		 id[160], grp[256];
	uint64_t	 r, n;
	int		 i;

	switch (opt.mode) {
	case M_POST:
	case M_IHAVE:
		c->seq = st.next_seq++;
		if (opt.mode == M_POST)
			out_printf(c, "POST\r\n");
		else {
			msgid(id, sizeof(id), c->seq);
			out_printf(c, "IHAVE %s\r\n", id);
		}
		c->state = CS_CONT;
		break;
	case M_OVER:
		if (c->done >= (unsigned)(opt.ngroups * opt.passes)) {
			c->state = CS_DONE;
			return;
		}
		st.next_seq++;
		c->rgroup = (c->id + c->done) % (unsigned)opt.ngroups;
		group_name(grp, sizeof(grp), c->rgroup);
		out_printf(c, "GROUP %s\r\n", grp);
		c->state = CS_GROUP;
		break;
	case M_ARTNUM:
		if (c->left == 0) {
			/* A new group: its range first (not counted). */
			c->rgroup = pick(c, (uint64_t)opt.ngroups);
			group_name(grp, sizeof(grp), c->rgroup);
			out_printf(c, "GROUP %s\r\n", grp);
			c->state = CS_GROUP;
			break;
		}
		c->left--;
		st.next_seq++;
		n = c->hi >= c->lo ? c->hi - c->lo + 1 : 1;
		out_printf(c, "ARTICLE %llu\r\n",
		    (unsigned long long)(c->lo + xorshift(&c->rng) % n));
		c->state = CS_STATUS;
		break;
	case M_ARTID:
		st.next_seq++;
		r = xorshift(&c->rng) % opt.setsum;
		for (i = 0; i < opt.nsets - 1 && r >= opt.sets[i].count; i++)
			r -= opt.sets[i].count;
		msgid_of(id, sizeof(id), opt.sets[i].runid, r);
		out_printf(c, "ARTICLE %s\r\n", id);
		c->state = CS_STATUS;
		break;
	default:
		die("request_start: mode %d", (int)opt.mode);
	}
	c->t0 = t;
	c->count = 1;
	c->blines = 0;
	if (st.first_send == 0)
		st.first_send = t;
}

/* A lockstep connection: one reply line (without CRLF). */
static void
reply_lockstep(struct conn *c, const char *line, size_t len, double t)
{
	unsigned long long	 cnt, lo, hi;
	int			 code;

	if (c->state == CS_BLOCK) {
		if (len == 1 && line[0] == '.') {
			if (opt.mode == M_OVER)
				c->done++;
			st.ok++;
			request_done(c, t);
		} else {
			c->blines++;
			st.lines++;
			st.rx_octets += len + 2;
		}
		return;
	}
	code = status_code(line, len);
	switch (c->state) {
	case CS_CONT:
		if (code == (opt.mode == M_POST ? 340 : 335)) {
			gen_article(c, c->seq, 0, opt.mode == M_POST);
			c->state = CS_FINAL;
			return;
		}
		break;
	case CS_FINAL:
		if (code == (opt.mode == M_POST ? 240 : 235)) {
			st.ok++;
			request_done(c, t);
			return;
		}
		break;
	case CS_GROUP:
		if (code == 211 && sscanf(line, "211 %llu %llu %llu", &cnt, &lo,
		    &hi) == 3) {
			if (opt.mode == M_OVER) {
				if (cnt == 0 || hi < lo) {
					c->done++;
					st.ok++;
					request_done(c, t);
				} else {
					out_printf(c, "OVER %llu-%llu\r\n", lo,
					    hi);
					c->state = CS_STATUS;
				}
				return;
			}
			/* artnum: the range; the GROUP is not a request */
			c->lo = lo;
			c->hi = hi;
			c->left = cnt > 0 ? ARTNUM_RUN : 0;
			c->count = 0;
			c->state = CS_READY;
			if (cnt == 0)
				report(c, "empty group", line, len);
			return;
		}
		break;
	case CS_STATUS:
		if (code == (opt.mode == M_OVER ? 224 : 220)) {
			c->state = CS_BLOCK;
			return;
		}
		break;
	default:
		st.other++;
		report(c, "reply with nothing outstanding", line, len);
		return;
	}
	/* Not the expected reply: a refusal (4xx) or something else. */
	if (code >= 400 && code < 500 && c->state != CS_GROUP)
		st.refused++;
	else {
		st.other++;
		report(c, "unexpected reply", line, len);
	}
	if (c->state == CS_GROUP && opt.mode == M_OVER)
		c->done++;
	request_done(c, t);
	if (opt.mode == M_ARTNUM)
		c->left = 0;
	if (st.reports > 1000)
		conn_kill(c, "too many unexpected replies");
}

static void
conn_read(struct conn *c)
{
	ssize_t	 r;
	char	*p, *nl, *end;
	double	 t;
	size_t	 len;

	r = read(c->fd, c->in + c->inlen, INBUF - c->inlen);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		conn_kill(c, r == 0 ? "closed by the server" : strerror(errno));
		return;
	}
	t = now();
#ifdef TCP_QUICKACK
	if (opt.quickack) {
		int	one = 1;

		/* Acknowledge at once (Linux resets this after a while). */
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
	}
#endif
	c->inlen += (size_t)r;
	p = c->in;
	end = c->in + c->inlen;
	while (!c->dead && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		st.rx_lines_total++;
		if (opt.mode == M_TAKETHIS)
			reply_stream(c, p, len, t);
		else
			reply_lockstep(c, p, len, t);
		p = nl + 1;
	}
	if (c->dead)
		return;
	c->inlen = (size_t)(end - p);
	memmove(c->in, p, c->inlen);
	if (c->inlen == INBUF)
		conn_kill(c, "reply line too long");
}

static void
conn_write(struct conn *c)
{
	ssize_t	w;

	while (!c->dead && c->outoff < c->outlen) {
		w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w < 0) {
			conn_kill(c, strerror(errno));
			return;
		}
		c->outoff += (size_t)w;
	}
}

/* Read one status line within the handshake timeout; its code. */
static int
handshake_line(int fd, char *buf, size_t len)
{
	struct pollfd	pfd;
	size_t		have = 0;
	ssize_t		r;
	double		deadline = now() + HANDSHAKE_MS / 1000.0;
	int		ms;

	for (;;) {
		ms = (int)((deadline - now()) * 1000);
		if (ms <= 0)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		/* One octet at a time: nothing beyond the line is consumed. */
		r = read(fd, buf + have, 1);
		if (r <= 0)
			return -1;
		if (buf[have] == '\n') {
			buf[have] = '\0';
			if (have > 0 && buf[have - 1] == '\r')
				buf[have - 1] = '\0';
			return atoi(buf);
		}
		if (++have == len - 1)
			return -1;
	}
}

static struct addrinfo	*dial_res;

/* A connected socket to opt.host:opt.port, or -1 (errno set). */
static int
dial_try(void)
{
	struct addrinfo	 hints, *ai;
	int		 fd = -1, e;

	if (dial_res == NULL) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		if ((e = getaddrinfo(opt.host, opt.port, &hints,
		    &dial_res)) != 0)
			die("%s:%s: %s", opt.host, opt.port, gai_strerror(e));
	}
	for (ai = dial_res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		errno = e;
		fd = -1;
	}
	if (fd >= 0)
		set_nodelay(fd);
	return fd;
}

static int
dial(void)
{
	int	fd;

	if ((fd = dial_try()) < 0)
		die("cannot connect to %s:%s: %s", opt.host, opt.port,
		    strerror(errno));
	return fd;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: nntpgen takethis|post|ihave|over|artnum|artid|idle\n"
	    "           [-c conns] [-n count] [-t seconds] [-w window]"
	    " [-s size]\n"
	    "           [-g group] [-G ngroups] [-r runid]"
	    " [-R runid:count,...]\n"
	    "           [-P passes] [-Q] [-S seed] [-T] [-C line] host port\n"
	    "       nntpgen sink [-p port] [-i idle] [-N pergroup]"
	    " [-O overlen] [-A artlen]\n");
	exit(2);
}

static void
check_runid(const char *s, size_t len)
{
	const char	*p;

	for (p = s; p < s + len; p++)
		if (!(*p >= '0' && *p <= '9') && !(*p >= 'a' && *p <= 'z') &&
		    !(*p >= 'A' && *p <= 'Z') && *p != '-' && *p != '.' &&
		    *p != '_')
			break;
	if (p != s + len || len == 0 || len >= sizeof(opt.runid)) {
		fprintf(stderr, "nntpgen: a run id: letters, digits, '-', '.',"
		    " '_' (at most 63)\n");
		exit(2);
	}
}

/* -R RUNID:COUNT[,RUNID:COUNT...] */
static void
parse_sets(const char *arg)
{
	const char	*p = arg, *colon, *comma;
	char		 num[32];
	size_t		 len;

	while (*p != '\0') {
		if (opt.nsets == MAX_SETS)
			die("-R: at most %d sets", MAX_SETS);
		colon = strchr(p, ':');
		if (colon == NULL)
			usage();
		comma = strchr(colon, ',');
		if (comma == NULL)
			comma = colon + strlen(colon);
		check_runid(p, (size_t)(colon - p));
		memcpy(opt.sets[opt.nsets].runid, p, (size_t)(colon - p));
		opt.sets[opt.nsets].runid[colon - p] = '\0';
		len = (size_t)(comma - colon - 1);
		if (len == 0 || len >= sizeof(num))
			usage();
		memcpy(num, colon + 1, len);
		num[len] = '\0';
		opt.sets[opt.nsets].count = (uint64_t)number(num, 0,
		    MAX_ARTICLES * 10L, "-R count");
		opt.setsum += opt.sets[opt.nsets].count;
		if (opt.sets[opt.nsets].count > 0)
			opt.nsets++;
		p = *comma == ',' ? comma + 1 : comma;
	}
}

static volatile sig_atomic_t	got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* ---- idle connections ------------------------------------------------ */

static int
idle(void)
{
	int		*fds;
	SSL		**ssl = NULL;
	SSL_CTX		*ctx = NULL;
	struct pollfd	*pfd;
	struct timeval	 tv = { HANDSHAKE_MS / 1000, 0 };
	struct sigaction sa;
	char		 line[512], cmd[512];
	double		 t0, t1, deadline;
	int		 i, n = (int)opt.articles, code, closed, r, len;
	int		 cmdlen = 0;

	fds = xmalloc(sizeof(*fds) * (size_t)n);
	if (opt.tls) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (ctx == NULL)
			die("SSL_CTX_new failed");
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		ssl = xmalloc(sizeof(*ssl) * (size_t)n);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	t0 = now();
	if (opt.idle_cmd != NULL)
		cmdlen = snprintf(cmd, sizeof(cmd), "%s\r\n", opt.idle_cmd);
	for (i = 0; i < n && !got_signal; i++) {
		fds[i] = dial();
		if (!opt.tls) {
			code = handshake_line(fds[i], line, sizeof(line));
			if (code != 200 && code != 201)
				die("connection %d: greeting: %s", i,
				    code < 0 ? "none" : line);
			if (opt.idle_cmd == NULL)
				continue;
			if (write(fds[i], cmd, (size_t)cmdlen) != cmdlen)
				die("connection %d: cannot send the command",
				    i);
			code = handshake_line(fds[i], line, sizeof(line));
			if (code < 100 || code >= 400)
				die("connection %d: %s: %s", i, opt.idle_cmd,
				    code < 0 ? "no reply" : line);
			continue;
		}
		/* Blocking TLS, bounded by socket timeouts. */
		(void)setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv));
		(void)setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv));
		if ((ssl[i] = SSL_new(ctx)) == NULL ||
		    SSL_set_fd(ssl[i], fds[i]) != 1)
			die("SSL_new failed");
		if (SSL_connect(ssl[i]) != 1)
			die("connection %d: TLS handshake failed: %s", i,
			    ERR_error_string(ERR_get_error(), NULL));
		len = 0;
		while (len < (int)sizeof(line) - 1) {
			r = SSL_read(ssl[i], line + len, 1);
			if (r <= 0)
				die("connection %d: no greeting over TLS", i);
			if (line[len++] == '\n')
				break;
		}
		line[len] = '\0';
		code = atoi(line);
		if (code != 200 && code != 201)
			die("connection %d: greeting over TLS: %s", i, line);
		if (opt.idle_cmd == NULL)
			continue;
		if (SSL_write(ssl[i], cmd, cmdlen) != cmdlen)
			die("connection %d: cannot send the command", i);
		len = 0;
		while (len < (int)sizeof(line) - 1) {
			r = SSL_read(ssl[i], line + len, 1);
			if (r <= 0)
				die("connection %d: no reply over TLS", i);
			if (line[len++] == '\n')
				break;
		}
		line[len] = '\0';
		code = atoi(line);
		if (code < 100 || code >= 400)
			die("connection %d: %s: %s", i, opt.idle_cmd, line);
	}
	if (got_signal)
		die("interrupted after %d connections", i);
	t1 = now();
	printf("ready %d connections%s in %.2f s\n", n, opt.tls ? " (TLS)" : "",
	    t1 - t0);
	fflush(stdout);
	deadline = now() + opt.seconds;
	while (!got_signal && now() < deadline) {
		struct timespec	ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	/* Which connections did the server close (or write to) meanwhile? */
	pfd = xmalloc(sizeof(*pfd) * (size_t)n);
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	closed = 0;
	if (poll(pfd, (nfds_t)n, 0) > 0)
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0)
				closed++;
	printf("RESULT held=%d closed=%d connect_s=%.3f tls=%d\n", n, closed,
	    t1 - t0, opt.tls);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (opt.tls)
			SSL_free(ssl[i]);
		close(fds[i]);
	}
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	free(ssl);
	free(pfd);
	free(fds);
	return 0;
}

/* ---- load ------------------------------------------------------------ */

static int
generator(void)
{
	struct conn	*cs;
	struct pollfd	*pfd;
	char		 line[512];
	double		 t, deadline, last_progress, wall, rate;
	uint64_t	 progress;
	int		 i, code, live, stopping, n, busy;

	signal(SIGPIPE, SIG_IGN);
	if (opt.mode == M_TAKETHIS || opt.mode == M_POST ||
	    opt.mode == M_IHAVE)
		pool_init(opt.size);
	if (opt.mode == M_ARTID && opt.nsets == 0)
		die("artid needs -R RUNID:COUNT");
	if (opt.mode == M_OVER)
		st.latcap = (size_t)opt.conns * (size_t)opt.ngroups *
		    (size_t)opt.passes;
	else
		st.latcap = (size_t)opt.articles;
	st.lat = xmalloc(sizeof(*st.lat) * st.latcap);

	cs = xmalloc(sizeof(*cs) * (size_t)opt.conns);
	pfd = xmalloc(sizeof(*pfd) * (size_t)opt.conns);
	memset(cs, 0, sizeof(*cs) * (size_t)opt.conns);
	for (i = 0; i < opt.conns; i++) {
		struct conn	*c = &cs[i];

		c->id = i;
		c->rng = opt.seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 7919 +
		    1;
		c->fd = dial();
		code = handshake_line(c->fd, line, sizeof(line));
		if (code != 200 && code != 201)
			die("connection %d: greeting: %s", i,
			    code < 0 ? "none" : line);
		if (opt.mode == M_TAKETHIS) {
			if (write(c->fd, "MODE STREAM\r\n", 13) != 13)
				die("connection %d: write: %s", i,
				    strerror(errno));
			code = handshake_line(c->fd, line, sizeof(line));
			if (code != 203)
				die("connection %d: MODE STREAM refused: %s",
				    i, code < 0 ? "no reply" : line);
			c->ring = xmalloc(sizeof(*c->ring) *
			    (size_t)opt.window);
		}
		if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) |
		    O_NONBLOCK) == -1)
			die("fcntl: %s", strerror(errno));
		c->in = xmalloc(INBUF);
		c->state = CS_READY;
	}

	deadline = now() + opt.seconds;
	last_progress = now();
	progress = 0;
	stopping = 0;
	for (;;) {
		t = now();
		if (!stopping && (t >= deadline ||
		    (opt.mode != M_OVER &&
		    st.next_seq >= (uint64_t)opt.articles)))
			stopping = 1;
		live = busy = 0;
		for (i = 0; i < opt.conns; i++) {
			struct conn	*c = &cs[i];

			if (c->dead)
				continue;
			live++;
			if (opt.mode == M_TAKETHIS) {
				while (!stopping &&
				    c->count < (size_t)opt.window &&
				    st.next_seq < (uint64_t)opt.articles) {
					struct inflight	*f;

					f = &c->ring[(c->head + c->count) %
					    (size_t)opt.window];
					f->seq = st.next_seq++;
					gen_article(c, f->seq, 1, 0);
					f->sent = now();
					if (st.first_send == 0)
						st.first_send = f->sent;
					c->count++;
				}
			} else if (c->state == CS_READY && !stopping &&
			    (opt.mode == M_OVER ||
			    st.next_seq < (uint64_t)opt.articles))
				request_start(c, t);
			conn_write(c);
			if (!c->dead && c->count > 0)
				busy++;
			else if (!c->dead && c->state == CS_GROUP)
				busy++;
		}
		if (busy == 0 && (stopping || live == 0))
			break;
		if (opt.mode != M_TAKETHIS && busy == 0) {
			/* every live connection is done (over) */
			for (i = 0; i < opt.conns; i++)
				if (!cs[i].dead && cs[i].state != CS_DONE)
					break;
			if (i == opt.conns)
				break;
		}
		if (t >= deadline + GRACE_SECONDS) {
			warnx("no replies within %d s after the time limit",
			    GRACE_SECONDS);
			break;
		}
		if (t - last_progress > STALL_SECONDS) {
			warnx("no reply for %d s: giving up", STALL_SECONDS);
			break;
		}
		n = 0;
		for (i = 0; i < opt.conns; i++) {
			struct conn	*c = &cs[i];

			if (c->dead)
				continue;
			pfd[n].fd = c->fd;
			pfd[n].events = POLLIN;
			if (c->outoff < c->outlen)
				pfd[n].events |= POLLOUT;
			pfd[n].revents = 0;
			n++;
		}
		if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		n = 0;
		for (i = 0; i < opt.conns; i++) {
			struct conn	*c = &cs[i];

			if (c->dead)
				continue;
			if (pfd[n].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(c);
			n++;
		}
		if (st.rx_lines_total != progress) {
			progress = st.rx_lines_total;
			last_progress = now();
		}
	}
	for (i = 0; i < opt.conns; i++) {
		if (cs[i].dead)
			continue;
		if (cs[i].count > 0 || cs[i].state == CS_GROUP)
			conn_kill(&cs[i], "abandoned");
		else {
			/* Best effort; the reply is not waited for. */
			if (write(cs[i].fd, "QUIT\r\n", 6) != 6)
				warnx("connection %d: QUIT not sent", i);
			close(cs[i].fd);
		}
	}

	wall = st.last_reply > st.first_send ? st.last_reply - st.first_send :
	    0;
	if (opt.mode == M_OVER)
		rate = wall > 0 ? st.lines / wall : 0.0;
	else
		rate = wall > 0 ? st.ok / wall : 0.0;
	qsort(st.lat, st.nlat, sizeof(*st.lat), cmp_double);
	printf("nntpgen %s: %s:%s, %d connections", mode_names[opt.mode],
	    opt.host, opt.port, opt.conns);
	if (opt.mode == M_TAKETHIS)
		printf(" x %d in flight", opt.window);
	printf(", run %s\n", opt.runid);
	if (opt.mode <= M_IHAVE)
		printf("  sent %llu articles (%.1f MiB, %.0f octets each on"
		    " average)\n", (unsigned long long)st.next_seq,
		    st.octets / 1048576.0,
		    st.next_seq ? (double)st.octets / st.next_seq : 0.0);
	else
		printf("  %llu requests; received %llu lines, %.1f MiB\n",
		    (unsigned long long)st.next_seq,
		    (unsigned long long)st.lines, st.rx_octets / 1048576.0);
	printf("  replies: ok %llu, refused %llu, other %llu, unanswered %llu,"
	    " out of order %llu\n",
	    (unsigned long long)st.ok, (unsigned long long)st.refused,
	    (unsigned long long)st.other, (unsigned long long)st.lost,
	    (unsigned long long)st.mismatch);
	printf("  wall %.3f s (first command to last reply): %.1f %s/s\n",
	    wall, rate, opt.mode == M_OVER ? "lines" : "ok");
	printf("  latency per request ms: p50 %.2f, p99 %.2f, max %.2f\n",
	    quantile(st.lat, st.nlat, 0.50) * 1e3,
	    quantile(st.lat, st.nlat, 0.99) * 1e3,
	    st.nlat ? st.lat[st.nlat - 1] * 1e3 : 0.0);
	printf("RESULT rate=%.1f ok=%llu refused=%llu other=%llu lost=%llu "
	    "mismatch=%llu sent=%llu wall=%.3f p50_ms=%.2f p99_ms=%.2f "
	    "octets=%llu lines=%llu rx_octets=%llu\n", rate,
	    (unsigned long long)st.ok, (unsigned long long)st.refused,
	    (unsigned long long)st.other, (unsigned long long)st.lost,
	    (unsigned long long)st.mismatch,
	    (unsigned long long)st.next_seq, wall,
	    quantile(st.lat, st.nlat, 0.50) * 1e3,
	    quantile(st.lat, st.nlat, 0.99) * 1e3,
	    (unsigned long long)st.octets, (unsigned long long)st.lines,
	    (unsigned long long)st.rx_octets);
	fflush(stdout);
	for (i = 0; i < opt.conns; i++) {
		free(cs[i].out);
		free(cs[i].in);
		free(cs[i].ring);
	}
	free(cs);
	free(pfd);
	free(st.lat);
	free(pool);
	free(line_off);
	if (dial_res != NULL)
		freeaddrinfo(dial_res);
	return 0;
}

/* ---- The sink -------------------------------------------------------- */

static pthread_mutex_t	sink_lock = PTHREAD_MUTEX_INITIALIZER;
static int		sink_active;
static unsigned long	sink_pergroup = 1000;
static size_t		sink_overlen = 300;
static size_t		sink_artlen = 3300;
static char		*sink_overfill;	/* the canned overview line's tail */
static char		*sink_article;	/* the canned article, ".\r\n" ended */
static size_t		 sink_article_len;

struct obuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
ob_add(struct obuf *o, const char *s, size_t n)
{
	if (o->cap - o->len < n) {
		o->cap = (o->cap + n) * 2;
		o->p = xrealloc(o->p, o->cap);
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
ob_printf(struct obuf *o, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
ob_printf(struct obuf *o, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ob_add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Flush o to fd when it holds much (or always with force); -1 on error. */
static int
ob_flush(struct obuf *o, int fd, int force)
{
	if (o->len == 0 || (!force && o->len < 256 * 1024))
		return 0;
	if (write_all(fd, o->p, o->len) == -1)
		return -1;
	o->len = 0;
	return 0;
}

static void
sink_canned(void)
{
	static const char	text[] = "The quick brown fox jumps over the "
	    "lazy dog; canned text of the nntpgen sink, nothing stored. ";
	struct obuf		o = { NULL, 0, 0 };
	size_t			i, n;

	/* The overview line after "NUMBER\t": tabs, then filler. */
	n = sink_overlen > 40 ? sink_overlen - 2 - 8 : 30;
	sink_overfill = xmalloc(n + 3);
	for (i = 0; i < n; i++)
		sink_overfill[i] = (i % 40 == 0 && i / 40 < 7) ? '\t' :
		    text[i % (sizeof(text) - 1)];
	memcpy(sink_overfill + n, "\r\n", 3);

	ob_printf(&o, "Path: sink!not-for-mail\r\nFrom: sink@sink.example\r\n"
	    "Newsgroups: sink.group\r\nSubject: canned\r\n"
	    "Message-ID: <canned@sink.example>\r\n"
	    "Date: Thu, 01 Jan 2025 00:00:00 +0000\r\n\r\n");
	while (o.len + 3 < sink_artlen) {
		n = sink_artlen - 3 - o.len;
		if (n > 72)
			n = 72;
		if (n < 3)
			break;
		ob_add(&o, text, n - 2 < sizeof(text) - 1 ? n - 2 :
		    sizeof(text) - 1);
		ob_add(&o, "\r\n", 2);
	}
	ob_add(&o, ".\r\n", 3);
	sink_article = o.p;
	sink_article_len = o.len;
}

/* OVER a-b: the canned line per number of the range. */
static int
sink_over(struct obuf *o, int fd, const char *arg)
{
	unsigned long long	a = 1, b = 0, k;
	char			num[32];
	int			n;

	if (sscanf(arg, "%llu-%llu", &a, &b) != 2) {
		if (sscanf(arg, "%llu", &a) == 1)
			b = a;
	}
	if (b > a + 10000000ULL)
		b = a + 10000000ULL;
	ob_printf(o, "224 Overview information follows\r\n");
	for (k = a; k <= b && k >= a; k++) {
		n = snprintf(num, sizeof(num), "%llu", k);
		ob_add(o, num, (size_t)n);
		ob_add(o, sink_overfill, strlen(sink_overfill));
		if (ob_flush(o, fd, 0) == -1)
			return -1;
	}
	ob_add(o, ".\r\n", 3);
	return 0;
}

static void *
sink_conn(void *arg)
{
	int		 fd = (int)(intptr_t)arg;
	char		*in, *p, *nl, *end, *a, id[256];
	struct obuf	 o = { NULL, 0, 0 };
	size_t		 inlen = 0, len, idlen = 0, alen;
	ssize_t		 r;
	int		 article = 0, quit = 0;	/* article: 1 TAKETHIS, 2 POST, 3 IHAVE */

	in = xmalloc(SINK_BUF);
	if (write_all(fd, "200 nntpgen sink ready (nothing is stored)\r\n",
	    44) == -1)
		quit = 1;
	while (!quit) {
		r = read(fd, in + inlen, SINK_BUF - inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		inlen += (size_t)r;
		p = in;
		end = in + inlen;
		while (!quit &&
		    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			len = (size_t)(nl - p);
			if (len > 0 && p[len - 1] == '\r')
				len--;
			if (article) {
				if (len == 1 && p[0] == '.') {
					if (article == 1)
						ob_printf(&o, "239 %.*s\r\n",
						    (int)idlen, id);
					else if (article == 2)
						ob_printf(&o, "240 Article "
						    "received %.*s\r\n",
						    (int)idlen, id);
					else
						ob_printf(&o, "235 Article "
						    "transferred OK\r\n");
					article = 0;
				}
				p = nl + 1;
				continue;
			}
			a = memchr(p, ' ', len);
			alen = a ? len - (size_t)(a + 1 - p) : 0;
			if (a != NULL)
				a++;
			if (len >= 8 && strncasecmp(p, "TAKETHIS", 8) == 0 &&
			    a != NULL) {
				idlen = alen < sizeof(id) ? alen :
				    sizeof(id) - 1;
				memcpy(id, a, idlen);
				article = 1;
			} else if (len == 4 && strncasecmp(p, "POST", 4) == 0) {
				memcpy(id, "<sink@sink.example>", 19);
				idlen = 19;
				ob_printf(&o, "340 Send article to be posted\r\n");
				article = 2;
			} else if (len >= 5 && strncasecmp(p, "IHAVE", 5) == 0 &&
			    a != NULL) {
				ob_printf(&o, "335 Send it\r\n");
				article = 3;
			} else if (len >= 5 && strncasecmp(p, "CHECK", 5) == 0 &&
			    a != NULL)
				ob_printf(&o, "238 %.*s\r\n", (int)alen, a);
			else if (len >= 5 && strncasecmp(p, "GROUP", 5) == 0 &&
			    a != NULL)
				ob_printf(&o, "211 %lu 1 %lu %.*s\r\n",
				    sink_pergroup, sink_pergroup, (int)alen, a);
			else if (len >= 4 && strncasecmp(p, "OVER", 4) == 0 &&
			    a != NULL) {
				char	range[64];

				snprintf(range, sizeof(range), "%.*s",
				    (int)alen, a);
				if (sink_over(&o, fd, range) == -1)
					quit = 1;
			} else if (len >= 7 && strncasecmp(p, "ARTICLE", 7) ==
			    0 && a != NULL) {
				if (a[0] == '<')
					ob_printf(&o, "220 0 %.*s\r\n",
					    (int)alen, a);
				else
					ob_printf(&o, "220 %.*s <canned@sink."
					    "example>\r\n", (int)alen, a);
				ob_add(&o, sink_article, sink_article_len);
			} else if (len == 11 &&
			    strncasecmp(p, "MODE STREAM", 11) == 0)
				ob_printf(&o, "203 Streaming permitted\r\n");
			else if (len == 4 && strncasecmp(p, "QUIT", 4) == 0) {
				ob_printf(&o, "205 bye\r\n");
				quit = 1;
			} else
				ob_printf(&o, "500 What?\r\n");
			p = nl + 1;
		}
		inlen = (size_t)(end - p);
		memmove(in, p, inlen);
		if (inlen == SINK_BUF)
			inlen = 0;	/* an endless line: drop it */
		if (ob_flush(&o, fd, 1) == -1)
			break;
	}
	close(fd);
	free(in);
	free(o.p);
	pthread_mutex_lock(&sink_lock);
	sink_active--;
	pthread_mutex_unlock(&sink_lock);
	return NULL;
}

static int
sink(int argc, char *argv[])
{
	struct sockaddr_in	sin;
	socklen_t		slen;
	struct pollfd		pfd;
	pthread_t		th;
	pthread_attr_t		attr;
	double			idle_since;
	long			port = 0, idlesec = 300;
	int			ch, lfd, fd, one = 1, active;

	while ((ch = getopt(argc, argv, "A:i:N:O:p:")) != -1) {
		switch (ch) {
		case 'A':
			sink_artlen = (size_t)number(optarg, 64, MAX_SIZE,
			    "-A");
			break;
		case 'i':
			idlesec = number(optarg, 1, 86400, "-i");
			break;
		case 'N':
			sink_pergroup = (unsigned long)number(optarg, 0,
			    MAX_ARTICLES, "-N");
			break;
		case 'O':
			sink_overlen = (size_t)number(optarg, 16, 4096, "-O");
			break;
		case 'p':
			port = number(optarg, 0, 65535, "-p");
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	sink_canned();
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 64) == -1)
		die("bind/listen 127.0.0.1:%ld: %s", port, strerror(errno));
	slen = sizeof(sin);
	if (getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		die("getsockname: %s", strerror(errno));
	printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(sin.sin_port));
	fflush(stdout);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	idle_since = now();
	for (;;) {
		pthread_mutex_lock(&sink_lock);
		active = sink_active;
		pthread_mutex_unlock(&sink_lock);
		if (active > 0)
			idle_since = now();
		else if (now() - idle_since > idlesec)
			break;
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		set_nodelay(fd);
		pthread_mutex_lock(&sink_lock);
		sink_active++;
		pthread_mutex_unlock(&sink_lock);
		if (pthread_create(&th, &attr, sink_conn,
		    (void *)(intptr_t)fd) != 0) {
			close(fd);
			pthread_mutex_lock(&sink_lock);
			sink_active--;
			pthread_mutex_unlock(&sink_lock);
		}
	}
	close(lfd);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*m;
	int		 ch, i;

	if (argc < 2)
		usage();
	m = argv[1];
	if (strcmp(m, "sink") == 0 || strcmp(m, "--sink") == 0)
		return sink(argc - 1, argv + 1);
	for (i = 0; i <= M_IDLE; i++)
		if (strcmp(m, mode_names[i]) == 0)
			break;
	if (i > M_IDLE)
		usage();
	opt.mode = (enum mode)i;
	opt.conns = 8;
	opt.window = 64;
	opt.articles = opt.mode == M_IDLE ? 500 : 20000;
	opt.seconds = opt.mode == M_IDLE ? 600 : 60;
	opt.group = "local.bench";
	opt.ngroups = 1;
	opt.size = 3072;
	opt.passes = 1;
	opt.seed = 1;
	snprintf(opt.runid, sizeof(opt.runid), "r%lx.%lx",
	    (unsigned long)time(NULL), (unsigned long)getpid());
	argc--;
	argv++;
	while ((ch = getopt(argc, argv, "C:c:g:G:n:P:Qr:R:s:S:t:Tw:")) != -1) {
		switch (ch) {
		case 'C':
			if (strlen(optarg) > 500 || strpbrk(optarg, "\r\n"))
				usage();
			opt.idle_cmd = optarg;
			break;
		case 'c':
			opt.conns = (int)number(optarg, 1, MAX_CONNS, "-c");
			break;
		case 'g':
			if (strlen(optarg) > 200)
				usage();
			opt.group = optarg;
			break;
		case 'G':
			opt.ngroups = (int)number(optarg, 1, MAX_GROUPS, "-G");
			break;
		case 'n':
			opt.articles = number(optarg, 1, opt.mode == M_IDLE ?
			    MAX_IDLE : MAX_ARTICLES, "-n");
			break;
		case 'P':
			opt.passes = (int)number(optarg, 1, MAX_PASSES, "-P");
			break;
		case 'Q':
			opt.quickack = 1;
			break;
		case 'r':
			check_runid(optarg, strlen(optarg));
			snprintf(opt.runid, sizeof(opt.runid), "%s", optarg);
			break;
		case 'R':
			parse_sets(optarg);
			break;
		case 's':
			opt.size = (size_t)number(optarg, MIN_SIZE, MAX_SIZE,
			    "-s");
			break;
		case 'S':
			opt.seed = (uint64_t)number(optarg, 0, 1L << 30, "-S");
			break;
		case 't':
			opt.seconds = number(optarg, 1, MAX_SECONDS, "-t");
			break;
		case 'T':
			opt.tls = 1;
			break;
		case 'w':
			opt.window = (int)number(optarg, 1, MAX_WINDOW, "-w");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	opt.host = argv[0];
	opt.port = argv[1];
	if (opt.mode == M_IDLE)
		return idle();
	return generator();
}
