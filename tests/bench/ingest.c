/*
 * ingest: a transit (RFC 4644 streaming) load generator for NNTP servers,
 * and a sink that answers like a server but stores nothing, to measure the
 * generator's own ceiling (tests/bench/README.md, "Ingest").  Plain POSIX
 * sockets; nothing from Loom is linked in.
 *
 *   ingest [-c CONNS] [-w WINDOW] [-n ARTICLES] [-t SECONDS] [-g GROUP]
 *       [-r RUNID] [-s SIZE] HOST PORT
 *	Open CONNS connections (default 4), send MODE STREAM on each, then
 *	stream "TAKETHIS <id>" + article with up to WINDOW (64) unanswered
 *	per connection, reading the 239/439 replies in order, until
 *	ARTICLES (20000) were answered or SECONDS (60) have passed (then
 *	the outstanding replies get a bounded grace period).  Articles are
 *	about SIZE octets (3072) for GROUP (local.bench); their Message-IDs
 *	carry RUNID (default: time and pid), so every run offers new ones.
 *	Prints a summary and one "RESULT key=value ..." line.
 *
 *   ingest --sink [-p PORT] [-i IDLE]
 *	Listen on 127.0.0.1:PORT (default ephemeral), print "listening on
 *	127.0.0.1:PORT", answer 200 to a connection, 203 to MODE STREAM,
 *	238 to CHECK and 239 to each TAKETHIS once its article has been read
 *	(nothing is stored or checked).  One thread per connection.  Exits
 *	after IDLE seconds (300) without any connection.
 *
 * Exit status: 0 when the run completed (whatever the replies), 1 when it
 * could not run (connection refused, no greeting, streaming refused), 2
 * on a usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
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

#define MAX_CONNS	256
#define MAX_WINDOW	4096
#define MAX_ARTICLES	10000000
#define MAX_SECONDS	3600
#define MIN_SIZE	512
#define MAX_SIZE	(256 * 1024)
#define INBUF		(64 * 1024)
#define HANDSHAKE_MS	10000	/* greeting and MODE STREAM reply */
#define GRACE_SECONDS	30	/* for replies after the time limit */
#define STALL_SECONDS	30	/* no reply at all for this long: give up */
#define SINK_BUF	(256 * 1024)
#define MAX_REPORTS	5	/* unexpected replies printed */

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
	fputs("ingest: ", stderr);
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
	fputs("ingest: ", stderr);
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
		fprintf(stderr, "ingest: %s must be a number from %ld to %ld\n",
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

/* ---- Article text ---------------------------------------------------- */

/*
 * The body pool: BODY_LINES lines of text in wire form (CRLF, dot-stuffed),
 * stored twice in a row so that any line of the first copy starts enough
 * text for one body.  line_off[i] is where line i starts.
 */
static char	*pool;
static size_t	 pool_half;		/* octets in one copy */
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

static uint64_t	 rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	uint64_t	x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return (uint32_t)(x >> 32);
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
	pool_half = len;
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
	struct inflight	*ring;		/* unanswered TAKETHIS, oldest first */
	size_t		 head;
	size_t		 count;
	uint64_t	 root;		/* the thread this connection grows */
	uint64_t	 prev;
	unsigned	 depth;
	unsigned	 thread_no;
};

static struct {
	const char	*host;
	const char	*port;
	int		 conns;
	int		 window;
	long		 articles;
	long		 seconds;
	const char	*group;
	char		 runid[64];
	size_t		 size;
} opt;

static struct {
	uint64_t	 next_seq;	/* articles generated */
	uint64_t	 octets;	/* octets of articles generated */
	uint64_t	 ok;		/* 239 */
	uint64_t	 refused;	/* 439 */
	uint64_t	 other;		/* any other reply */
	uint64_t	 mismatch;	/* reply for another Message-ID */
	uint64_t	 lost;		/* never answered */
	double		 first_send;
	double		 last_reply;
	double		*lat;		/* seconds, one per reply */
	size_t		 nlat;
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
msgid(char *buf, size_t len, uint64_t seq)
{
	return snprintf(buf, len, "<%s.%llu@ingest.bench.example>", opt.runid,
	    (unsigned long long)seq);
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

/* Append "TAKETHIS <id>" and the next article to c's output. */
static void
gen_article(struct conn *c)
{
	char		 id[128], root[128], prev[128], hdr[2048];
	uint64_t	 seq = st.next_seq++;
	size_t		 first, last, body, target, h;
	int		 idlen, n;
	struct inflight	*f;

	idlen = msgid(id, sizeof(id), seq);
	/* Every connection grows threads of up to 6 articles, in a chain. */
	if (c->depth == 0 || c->depth >= 6) {
		c->depth = 0;
		c->root = seq;
		c->thread_no++;
	}
	n = snprintf(hdr, sizeof(hdr),
	    "TAKETHIS %s\r\n"
	    "Path: ingest.bench.example!not-for-mail\r\n"
	    "From: Bench Poster %u <poster%u@ingest.bench.example>\r\n"
	    "Newsgroups: %s\r\n"
	    "Subject: %sIngest benchmark thread %d.%u\r\n"
	    "Message-ID: %s\r\n"
	    "Date: %s\r\n",
	    id, (unsigned)(seq % 97), (unsigned)(seq % 97), opt.group,
	    c->depth ? "Re: " : "", c->id, c->thread_no, id, date_now());
	if (c->depth > 0) {
		msgid(root, sizeof(root), c->root);
		msgid(prev, sizeof(prev), c->prev);
		n += snprintf(hdr + n, sizeof(hdr) - n, "References: %s%s%s\r\n",
		    root, c->prev != c->root ? " " : "",
		    c->prev != c->root ? prev : "");
	}
	n += snprintf(hdr + n, sizeof(hdr) - n,
	    "Organization: Loom ingest benchmark\r\n"
	    "User-Agent: ingest/1 (tests/bench/ingest.c)\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n");
	c->prev = seq;
	c->depth++;

	/* The body: whole pool lines from a varying start, about size. */
	h = (size_t)n - ((size_t)idlen + 11);	/* headers without TAKETHIS */
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
	st.octets += (size_t)n - ((size_t)idlen + 11) + body;

	f = &c->ring[(c->head + c->count) % (size_t)opt.window];
	f->seq = seq;
	f->sent = now();
	if (st.first_send == 0)
		st.first_send = f->sent;
	c->count++;
}

static void
conn_kill(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	if (c->count > 0 || why != NULL)
		warnx("connection %d: %s (%zu articles unanswered)", c->id,
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

/* One reply line (without CRLF). */
static void
reply(struct conn *c, const char *line, size_t len, double t)
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
	st.lat[st.nlat++] = t - f->sent;
	st.last_reply = t;

	code = -1;
	if (len >= 3 && line[0] >= '0' && line[0] <= '9' &&
	    line[1] >= '0' && line[1] <= '9' && line[2] >= '0' && line[2] <= '9')
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
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
	c->inlen += (size_t)r;
	p = c->in;
	end = c->in + c->inlen;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		reply(c, p, len, t);
		p = nl + 1;
	}
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

static int
dial(void)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(opt.host, opt.port, &hints, &res)) != 0)
		die("%s:%s: %s", opt.host, opt.port, gai_strerror(e));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		die("cannot connect to %s:%s: %s", opt.host, opt.port,
		    strerror(errno));
	set_nodelay(fd);
	return fd;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ingest [-c conns] [-w window] [-n articles] [-t seconds]\n"
	    "              [-g group] [-r runid] [-s size] host port\n"
	    "       ingest --sink [-p port] [-i idle-seconds]\n");
	exit(2);
}

static int
generator(int argc, char *argv[])
{
	struct conn	*cs;
	struct pollfd	*pfd;
	char		 line[512];
	double		 t, deadline, last_progress, wall;
	uint64_t	 answered;
	int		 ch, i, code, live, stopping, n, busy;
	const char	*p;

	opt.conns = 4;
	opt.window = 64;
	opt.articles = 20000;
	opt.seconds = 60;
	opt.group = "local.bench";
	opt.size = 3072;
	snprintf(opt.runid, sizeof(opt.runid), "r%lx.%lx",
	    (unsigned long)time(NULL), (unsigned long)getpid());
	while ((ch = getopt(argc, argv, "c:g:n:r:s:t:w:")) != -1) {
		switch (ch) {
		case 'c':
			opt.conns = (int)number(optarg, 1, MAX_CONNS, "-c");
			break;
		case 'g':
			opt.group = optarg;
			break;
		case 'n':
			opt.articles = number(optarg, 1, MAX_ARTICLES, "-n");
			break;
		case 'r':
			for (p = optarg; *p != '\0'; p++)
				if (!(*p >= '0' && *p <= '9') &&
				    !(*p >= 'a' && *p <= 'z') &&
				    !(*p >= 'A' && *p <= 'Z') &&
				    *p != '-' && *p != '.' && *p != '_')
					break;
			if (*p != '\0' || optarg[0] == '\0' ||
			    strlen(optarg) >= sizeof(opt.runid)) {
				fprintf(stderr, "ingest: -r: letters, digits, "
				    "'-', '.', '_' (at most 63)\n");
				exit(2);
			}
			snprintf(opt.runid, sizeof(opt.runid), "%s", optarg);
			break;
		case 's':
			opt.size = (size_t)number(optarg, MIN_SIZE, MAX_SIZE,
			    "-s");
			break;
		case 't':
			opt.seconds = number(optarg, 1, MAX_SECONDS, "-t");
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
	signal(SIGPIPE, SIG_IGN);
	pool_init(opt.size);
	st.lat = xmalloc(sizeof(*st.lat) * (size_t)opt.articles);

	cs = xmalloc(sizeof(*cs) * (size_t)opt.conns);
	pfd = xmalloc(sizeof(*pfd) * (size_t)opt.conns);
	memset(cs, 0, sizeof(*cs) * (size_t)opt.conns);
	for (i = 0; i < opt.conns; i++) {
		struct conn	*c = &cs[i];

		c->id = i;
		c->fd = dial();
		code = handshake_line(c->fd, line, sizeof(line));
		if (code != 200 && code != 201)
			die("connection %d: greeting: %s", i,
			    code < 0 ? "none" : line);
		if (write(c->fd, "MODE STREAM\r\n", 13) != 13)
			die("connection %d: write: %s", i, strerror(errno));
		code = handshake_line(c->fd, line, sizeof(line));
		if (code != 203)
			die("connection %d: MODE STREAM refused: %s", i,
			    code < 0 ? "no reply" : line);
		if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) |
		    O_NONBLOCK) == -1)
			die("fcntl: %s", strerror(errno));
		c->in = xmalloc(INBUF);
		c->ring = xmalloc(sizeof(*c->ring) * (size_t)opt.window);
	}

	deadline = now() + opt.seconds;
	last_progress = now();
	stopping = 0;
	for (;;) {
		t = now();
		if (!stopping && (t >= deadline ||
		    st.next_seq >= (uint64_t)opt.articles))
			stopping = 1;
		live = busy = 0;
		for (i = 0; i < opt.conns; i++) {
			struct conn	*c = &cs[i];

			if (c->dead)
				continue;
			live++;
			while (!stopping && c->count < (size_t)opt.window &&
			    st.next_seq < (uint64_t)opt.articles)
				gen_article(c);
			conn_write(c);
			if (!c->dead && c->count > 0)
				busy++;
		}
		if (busy == 0 && (stopping || live == 0))
			break;
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
		answered = st.ok + st.refused + st.other;
		n = 0;
		for (i = 0; i < opt.conns; i++) {
			struct conn	*c = &cs[i];

			if (c->dead)
				continue;
			if (pfd[n].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(c);
			n++;
		}
		if (st.ok + st.refused + st.other != answered)
			last_progress = now();
	}
	for (i = 0; i < opt.conns; i++) {
		if (cs[i].dead)
			continue;
		if (cs[i].count > 0)
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
	qsort(st.lat, st.nlat, sizeof(*st.lat), cmp_double);
	printf("ingest: %s:%s, %d connections x %d in flight, run %s\n",
	    opt.host, opt.port, opt.conns, opt.window, opt.runid);
	printf("  sent %llu articles (%.1f MiB, %.0f octets each on average)\n",
	    (unsigned long long)st.next_seq, st.octets / 1048576.0,
	    st.next_seq ? (double)st.octets / st.next_seq : 0.0);
	printf("  replies: 239 %llu, 439 %llu, other %llu, unanswered %llu,"
	    " out of order %llu\n",
	    (unsigned long long)st.ok, (unsigned long long)st.refused,
	    (unsigned long long)st.other, (unsigned long long)st.lost,
	    (unsigned long long)st.mismatch);
	printf("  wall %.3f s (first send to last reply): %.1f accepted/s,"
	    " %.1f MiB/s offered\n", wall, wall > 0 ? st.ok / wall : 0.0,
	    wall > 0 ? st.octets / 1048576.0 / wall : 0.0);
	printf("  latency per article (send to reply) ms: p50 %.2f, p99 %.2f,"
	    " max %.2f\n", quantile(st.lat, st.nlat, 0.50) * 1e3,
	    quantile(st.lat, st.nlat, 0.99) * 1e3,
	    st.nlat ? st.lat[st.nlat - 1] * 1e3 : 0.0);
	printf("RESULT rate=%.1f ok=%llu refused=%llu other=%llu lost=%llu "
	    "mismatch=%llu sent=%llu wall=%.3f p50_ms=%.2f p99_ms=%.2f "
	    "octets=%llu\n", wall > 0 ? st.ok / wall : 0.0,
	    (unsigned long long)st.ok, (unsigned long long)st.refused,
	    (unsigned long long)st.other, (unsigned long long)st.lost,
	    (unsigned long long)st.mismatch,
	    (unsigned long long)st.next_seq, wall,
	    quantile(st.lat, st.nlat, 0.50) * 1e3,
	    quantile(st.lat, st.nlat, 0.99) * 1e3,
	    (unsigned long long)st.octets);
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
	return 0;
}

/* ---- The sink -------------------------------------------------------- */

static pthread_mutex_t	sink_lock = PTHREAD_MUTEX_INITIALIZER;
static int		sink_active;

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

/* Append "CODE ARG\r\n" (or "CODE TEXT") to out. */
static void
sink_say(char **out, size_t *len, size_t *cap, int code, const char *arg,
    size_t arglen)
{
	if (*cap - *len < arglen + 8) {
		*cap = (*cap + arglen + 8) * 2;
		*out = xrealloc(*out, *cap);
	}
	*len += (size_t)snprintf(*out + *len, *cap - *len, "%03d %.*s\r\n",
	    code, (int)arglen, arg);
}

static void *
sink_conn(void *arg)
{
	int	 fd = (int)(intptr_t)arg;
	char	*in, *out, *p, *nl, *end, *a, id[256];
	size_t	 inlen = 0, outlen, outcap = 4096, len, idlen = 0, alen;
	ssize_t	 r;
	int	 article = 0, quit = 0;

	in = xmalloc(SINK_BUF);
	out = xmalloc(outcap);
	if (write_all(fd, "200 ingest sink ready (nothing is stored)\r\n",
	    43) == -1)
		quit = 1;
	while (!quit) {
		r = read(fd, in + inlen, SINK_BUF - inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		inlen += (size_t)r;
		outlen = 0;
		p = in;
		end = in + inlen;
		while (!quit &&
		    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			len = (size_t)(nl - p);
			if (len > 0 && p[len - 1] == '\r')
				len--;
			if (article) {
				if (len == 1 && p[0] == '.') {
					sink_say(&out, &outlen, &outcap, 239,
					    id, idlen);
					article = 0;
				}
			} else {
				a = memchr(p, ' ', len);
				alen = a ? len - (size_t)(a + 1 - p) : 0;
				if (a != NULL)
					a++;
				if (len >= 8 && strncasecmp(p, "TAKETHIS", 8) ==
				    0 && a != NULL) {
					idlen = alen < sizeof(id) ? alen :
					    sizeof(id) - 1;
					memcpy(id, a, idlen);
					article = 1;
				} else if (len >= 5 &&
				    strncasecmp(p, "CHECK", 5) == 0 && a != NULL)
					sink_say(&out, &outlen, &outcap, 238,
					    a, alen);
				else if (len == 11 &&
				    strncasecmp(p, "MODE STREAM", 11) == 0)
					sink_say(&out, &outlen, &outcap, 203,
					    "Streaming permitted", 19);
				else if (len == 4 &&
				    strncasecmp(p, "QUIT", 4) == 0) {
					sink_say(&out, &outlen, &outcap, 205,
					    "bye", 3);
					quit = 1;
				} else
					sink_say(&out, &outlen, &outcap, 500,
					    "What?", 5);
			}
			p = nl + 1;
		}
		inlen = (size_t)(end - p);
		memmove(in, p, inlen);
		if (inlen == SINK_BUF)
			inlen = 0;	/* an endless line: drop it */
		if (outlen > 0 && write_all(fd, out, outlen) == -1)
			break;
	}
	close(fd);
	free(in);
	free(out);
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
	long			port = 0, idle = 300;
	int			ch, lfd, fd, one = 1, active;

	while ((ch = getopt(argc, argv, "i:p:")) != -1) {
		switch (ch) {
		case 'i':
			idle = number(optarg, 1, 86400, "-i");
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
		else if (now() - idle_since > idle)
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
	if (argc > 1 && strcmp(argv[1], "--sink") == 0)
		return sink(argc - 1, argv + 1);
	return generator(argc, argv);
}
