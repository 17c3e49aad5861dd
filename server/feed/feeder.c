/*
 * Outgoing feeds.  Every stored article is queued (durably, in the write
 * transaction that stores it) for each peer whose groups wildmat matches
 * and whose Path identity is not already in its Path.  One feeder per peer
 * drains that queue over one connection: MODE STREAM with pipelined CHECK
 * and TAKETHIS, or lockstep IHAVE when the peer does not stream.
 *
 * An entry leaves the queue only on a final answer (239, 439, 438; 235,
 * 435, 437).  431/436 leave it for a later pass; a lost connection leaves
 * every unanswered entry, and the next connection offers them again (by
 * CHECK first, so a peer that already has one says 438 and the article is
 * not sent twice).  Reconnects back off exponentially.
 *
 * Before MODE STREAM the feeder asks CAPABILITIES and, when the peer lists
 * COMPRESS DEFLATE and the [peer] section does not say `compress = no`,
 * sends COMPRESS DEFLATE (RFC 8054): after a 206 the connection carries
 * the compress.c layer, and any other answer leaves it uncompressed.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "article.h"
#include "compress.h"
#include "feeder.h"
#include "log.h"
#include "server.h"
#include "util.h"
#include "wildmat.h"

#define FEED_BACKOFF_MIN	1	/* seconds */
#define FEED_BACKOFF_MAX	300
#define FEED_PASS_DELAY		30	/* before deferred entries again */
#define FEED_REMOVE_BATCH	128
#define FEED_OUTPUT_HIGH	(1024 * 1024)
#define FEED_LINE_MAX		1024

enum feed_state {
	FEED_IDLE,		/* waiting to (re)connect */
	FEED_CONNECTING,
	FEED_GREETING,
	FEED_CAPS,		/* CAPABILITIES sent */
	FEED_COMPRESS,		/* COMPRESS DEFLATE sent */
	FEED_MODE,		/* MODE STREAM sent */
	FEED_RUNNING
};

enum feed_cmd_type {
	FEED_CHECK,
	FEED_TAKETHIS,
	FEED_IHAVE,		/* waiting for 335 */
	FEED_IHAVE_BODY		/* article sent, waiting for 235 */
};

struct feed_cmd {
	enum feed_cmd_type	 type;
	uint64_t		 seq;
	char			 msgid[STORE_MSGID_MAX + 1];
	TAILQ_ENTRY(feed_cmd)	 entry;
};

struct feeder {
	struct server		*srv;
	struct config_peer	 peer;		/* a copy: feeder_update changes it */
	enum feed_state		 state;
	struct bufferevent	*bev;
	struct compress		*zc;		/* COMPRESS layer, or NULL */
	struct event		*timer;
	int			 caps_list;	/* in the 101 list */
	int			 peer_deflate;	/* it offers COMPRESS DEFLATE */
	int			 streaming;
	unsigned		 backoff;
	uint64_t		 last_seq;	/* highest offered this pass */
	int			 deferred;	/* some entry got 431/436 */
	time_t			 pass_started;
	TAILQ_HEAD(, feed_cmd)	 cmds;		/* sent, unanswered, in order */
	unsigned		 ncmds;
	uint64_t		 done[FEED_REMOVE_BATCH];
	size_t			 ndone;
	struct feeder_stats	 stats;
	time_t			 state_since;
	unsigned		 ticks;
	uint64_t		 saved_total;	/* counters at the last save */
};

static void	feeder_connect(struct feeder *);
static void	feeder_fill(struct feeder *);
static void	feeder_setup_bev(struct feeder *);

/*
 * Publish what this feeder knows in the store, where `loomctl peers` (a
 * separate process) reads it: on every state change, and every few
 * seconds while the counters move.
 */
static void
feeder_save_status(struct feeder *f)
{
	char		text[STORE_FEED_STATUS_MAX + 1], since[32];
	struct tm	tm;

	gmtime_r(&f->state_since, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(text, sizeof(text), "%s %s%s since=%s offered=%llu "
	    "accepted=%llu refused=%llu deferred=%llu%s%.200s",
	    f->stats.connected ? "connected" : "disconnected",
	    f->stats.connected ? (f->streaming ? "streaming" : "ihave") : "-",
	    f->stats.connected && f->zc != NULL ? " deflate" : "", since,
	    (unsigned long long)f->stats.offered,
	    (unsigned long long)f->stats.accepted,
	    (unsigned long long)f->stats.refused,
	    (unsigned long long)f->stats.deferred,
	    f->stats.last_error[0] != '\0' ? " last_error=" : "",
	    f->stats.last_error);
	f->saved_total = f->stats.offered + f->stats.accepted +
	    f->stats.refused + f->stats.deferred;
	if (store_feed_status_put(f->srv->store, f->peer.name, text) !=
	    STORE_OK)
		log_debug("feed=%s cannot save its status", f->peer.name);
}

static void
feeder_flush_done(struct feeder *f)
{
	enum store_status	rc;

	if (f->ndone == 0)
		return;
	rc = store_feed_remove(f->srv->store, f->peer.name, f->done, f->ndone);
	if (rc != STORE_OK)
		log_warnx("feed=%s cannot dequeue %zu entries: %s", f->peer.name,
		    f->ndone, store_strerror(rc));
	f->ndone = 0;
}

/* The peer took an article (loomctl stats counts it as sent). */
static void
feeder_accepted(struct feeder *f)
{
	f->stats.accepted++;
	stats_article_out(f->srv, STATS_OUT_FEED);
}

/* A final answer: the entry may leave the queue. */
static void
feeder_done(struct feeder *f, uint64_t seq)
{
	f->done[f->ndone++] = seq;
	if (f->ndone == FEED_REMOVE_BATCH)
		feeder_flush_done(f);
}

static void
feeder_error(struct feeder *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Drop the connection (if any); unanswered entries stay queued for the
   next one. */
static void
feeder_drop(struct feeder *f)
{
	struct feed_cmd	*c;

	feeder_flush_done(f);
	while ((c = TAILQ_FIRST(&f->cmds)) != NULL) {
		TAILQ_REMOVE(&f->cmds, c, entry);
		free(c);
	}
	f->ncmds = 0;
	if (f->bev != NULL) {
		bufferevent_free(f->bev);
		f->bev = NULL;
	}
	f->zc = NULL;
	f->state = FEED_IDLE;
	if (f->stats.connected)
		f->state_since = time(NULL);
	f->stats.connected = 0;
}

/* Drop the connection and try again after the back-off. */
static void
feeder_error(struct feeder *f, const char *fmt, ...)
{
	struct timeval	 tv;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(f->stats.last_error, sizeof(f->stats.last_error), fmt, ap);
	va_end(ap);
	log_warnx("feed=%s %s; retrying in %us", f->peer.name,
	    f->stats.last_error, f->backoff);
	feeder_drop(f);
	feeder_save_status(f);
	tv.tv_sec = f->backoff;
	tv.tv_usec = 0;
	evtimer_add(f->timer, &tv);
	f->backoff = f->backoff * 2 > FEED_BACKOFF_MAX ? FEED_BACKOFF_MAX :
	    f->backoff * 2;
}

static void
feeder_send_cmd(struct feeder *f, enum feed_cmd_type type, uint64_t seq,
    const char *msgid)
{
	struct feed_cmd	*c;
	static const char *const verbs[] = { "CHECK", "TAKETHIS", "IHAVE" };

	c = xcalloc(1, sizeof(*c));
	c->type = type;
	c->seq = seq;
	loom_strlcpy(c->msgid, msgid, sizeof(c->msgid));
	TAILQ_INSERT_TAIL(&f->cmds, c, entry);
	f->ncmds++;
	evbuffer_add_printf(bufferevent_get_output(f->bev), "%s %s\r\n",
	    verbs[type], msgid);
}

static int
feeder_copy_article(const char *wire, size_t len,
    const struct store_article_info *info LOOM_UNUSED, void *arg)
{
	struct evbuffer	*out = arg;

	evbuffer_add(out, wire, len);
	if (len < 2 || wire[len - 2] != '\r' || wire[len - 1] != '\n')
		evbuffer_add(out, "\r\n", 2);
	evbuffer_add(out, ".\r\n", 3);
	return (0);
}

/*
 * Send the article itself (after TAKETHIS or a 335), read whole before
 * anything is written.  Our Xref goes with it; the receiver drops it and
 * writes its own.  Returns -1 if the article is gone (expired since it was
 * queued): nothing was written.
 */
static int
feeder_send_article(struct feeder *f, enum feed_cmd_type type, uint64_t seq,
    const char *msgid)
{
	struct evbuffer	*art;

	if ((art = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if (store_article_get(f->srv->store, msgid, feeder_copy_article,
	    art) != STORE_OK) {
		evbuffer_free(art);
		return (-1);
	}
	if (type == FEED_TAKETHIS)
		feeder_send_cmd(f, FEED_TAKETHIS, seq, msgid);
	evbuffer_add_buffer(bufferevent_get_output(f->bev), art);
	evbuffer_free(art);
	f->stats.offered++;
	return (0);
}

struct feed_peek {
	struct feeder	*f;
	size_t		 n;
};

static int
feeder_peek_cb(uint64_t seq, const char *msgid, void *arg)
{
	struct feed_peek	*p = arg;
	struct feeder		*f = p->f;

	f->last_seq = seq;
	p->n++;
	feeder_send_cmd(f, f->streaming ? FEED_CHECK : FEED_IHAVE, seq, msgid);
	return (0);
}

/* Offer more queued articles while there is room. */
static void
feeder_fill(struct feeder *f)
{
	struct feed_peek	p;
	size_t			room;

	if (f->state != FEED_RUNNING)
		return;
	if (evbuffer_get_length(bufferevent_get_output(f->bev)) >
	    FEED_OUTPUT_HIGH)
		return;			/* the write callback calls us again */
	if (f->streaming)
		room = f->ncmds < f->peer.max_in_flight ?
		    f->peer.max_in_flight - f->ncmds : 0;
	else
		room = f->ncmds == 0 ? 1 : 0;
	if (room == 0)
		return;
	memset(&p, 0, sizeof(p));
	p.f = f;
	if (store_feed_peek(f->srv->store, f->peer.name, f->last_seq, room,
	    feeder_peek_cb, &p) != STORE_OK) {
		log_warnx("feed=%s cannot read its queue", f->peer.name);
		return;
	}
	/* All offered once, some deferred: start another pass later. */
	if (p.n == 0 && f->ncmds == 0 && f->deferred &&
	    time(NULL) - f->pass_started >= FEED_PASS_DELAY) {
		f->last_seq = 0;
		f->deferred = 0;
		f->pass_started = time(NULL);
		feeder_fill(f);
	}
}

/* One reply line while running: it answers the oldest command. */
static void
feeder_answer(struct feeder *f, int code, const char *line)
{
	struct feed_cmd	*c = TAILQ_FIRST(&f->cmds);

	if (c == NULL) {
		feeder_error(f, "unexpected reply \"%.60s\"", line);
		return;
	}
	switch (c->type) {
	case FEED_CHECK:
		if (code == 238) {
			/* The TAKETHIS goes to the tail: its reply comes
			   after those of the CHECKs already sent. */
			TAILQ_REMOVE(&f->cmds, c, entry);
			f->ncmds--;
			if (feeder_send_article(f, FEED_TAKETHIS, c->seq,
			    c->msgid) == -1)
				feeder_done(f, c->seq);	/* expired */
			free(c);
			return;
		}
		if (code == 438)
			feeder_done(f, c->seq), f->stats.refused++;
		else if (code == 431)
			f->deferred = 1, f->stats.deferred++;
		else {
			feeder_error(f, "CHECK answered \"%.60s\"", line);
			return;
		}
		break;
	case FEED_TAKETHIS:
		if (code == 239)
			feeder_done(f, c->seq), feeder_accepted(f);
		else if (code == 439)
			feeder_done(f, c->seq), f->stats.refused++;
		else {
			feeder_error(f, "TAKETHIS answered \"%.60s\"", line);
			return;
		}
		break;
	case FEED_IHAVE:
		if (code == 335) {
			if (feeder_send_article(f, FEED_IHAVE_BODY, c->seq,
			    c->msgid) == -1) {
				/* Expired after the offer: the peer waits
				   for an article we cannot send. */
				feeder_done(f, c->seq);
				feeder_error(f, "article %s vanished",
				    c->msgid);
				return;
			}
			c->type = FEED_IHAVE_BODY;
			return;
		}
		if (code == 435)
			feeder_done(f, c->seq), f->stats.refused++;
		else if (code == 436)
			f->deferred = 1, f->stats.deferred++;
		else {
			feeder_error(f, "IHAVE answered \"%.60s\"", line);
			return;
		}
		break;
	case FEED_IHAVE_BODY:
		if (code == 235)
			feeder_done(f, c->seq), feeder_accepted(f);
		else if (code == 437)
			feeder_done(f, c->seq), f->stats.refused++;
		else if (code == 436)
			f->deferred = 1, f->stats.deferred++;
		else {
			feeder_error(f, "article answered \"%.60s\"", line);
			return;
		}
		break;
	}
	TAILQ_REMOVE(&f->cmds, c, entry);
	f->ncmds--;
	free(c);
}

static void
feeder_mode_stream(struct feeder *f)
{
	evbuffer_add_printf(bufferevent_get_output(f->bev), "MODE STREAM\r\n");
	f->state = FEED_MODE;
}

/* One line of the CAPABILITIES answer: note COMPRESS DEFLATE; at its end
   ask for compression, or go on without. */
static void
feeder_caps_line(struct feeder *f, int code, char *line)
{
	char	*p, *word;

	if (!f->caps_list) {
		/* A peer without CAPABILITIES (500) simply has no COMPRESS. */
		if (code == 101) {
			f->caps_list = 1;
			return;
		}
	} else if (strcmp(line, ".") != 0) {
		p = line;
		if ((word = strsep(&p, " \t")) == NULL ||
		    strcasecmp(word, "COMPRESS") != 0)
			return;
		while ((word = strsep(&p, " \t")) != NULL)
			if (strcmp(word, "DEFLATE") == 0)
				f->peer_deflate = 1;
		return;
	}
	if (f->peer_deflate) {
		evbuffer_add_printf(bufferevent_get_output(f->bev),
		    "COMPRESS DEFLATE\r\n");
		f->state = FEED_COMPRESS;
	} else
		feeder_mode_stream(f);
}

/*
 * The answer to COMPRESS.  After 206 the layer goes on the connection and
 * the caller must stop reading the input below it; returns 1 then.
 */
static int
feeder_compress_reply(struct feeder *f, int code, const char *line)
{
	struct bufferevent	*bev, *under = f->bev;
	char			 name[80];

	if (code != 206) {
		log_info("feed=%s COMPRESS refused: \"%.60s\"; going on "
		    "uncompressed", f->peer.name, line);
		feeder_mode_stream(f);
		return (0);
	}
	snprintf(name, sizeof(name), "feed=%s", f->peer.name);
	if ((bev = compress_new(under, FEED_OUTPUT_HIGH, name, &f->zc)) ==
	    NULL) {
		/* The peer compresses from now on: we cannot go on. */
		feeder_error(f, "cannot start compression");
		return (1);
	}
	f->bev = bev;
	feeder_setup_bev(f);
	feeder_mode_stream(f);
	/* A peer says nothing unasked after 206; if it did, it is
	   compressed. */
	if (evbuffer_get_length(bufferevent_get_input(under)) != 0)
		bufferevent_trigger(under, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS);
	return (1);
}

static void
feeder_read_cb(struct bufferevent *bev, void *arg)
{
	struct feeder	*f = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;
	int		 code;

	while (f->bev == bev && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_CRLF)) != NULL) {
		code = len >= 3 ? atoi(line) : 0;
		switch (f->state) {
		case FEED_GREETING:
			if (code != 200 && code != 201) {
				feeder_error(f, "greeting \"%.60s\"", line);
				break;
			}
			if (f->peer.compress) {
				evbuffer_add_printf(bufferevent_get_output(bev),
				    "CAPABILITIES\r\n");
				f->caps_list = 0;
				f->peer_deflate = 0;
				f->state = FEED_CAPS;
			} else
				feeder_mode_stream(f);
			break;
		case FEED_CAPS:
			feeder_caps_line(f, code, line);
			break;
		case FEED_COMPRESS:
			if (feeder_compress_reply(f, code, line)) {
				free(line);
				return;
			}
			break;
		case FEED_MODE:
			f->streaming = code == 203;
			f->state = FEED_RUNNING;
			f->backoff = FEED_BACKOFF_MIN;
			f->last_seq = 0;
			f->pass_started = time(NULL);
			f->stats.connected = 1;
			f->state_since = time(NULL);
			feeder_save_status(f);
			log_info("feed=%s connected to %s:%u (%s%s)",
			    f->peer.name, f->peer.host, f->peer.port,
			    f->streaming ? "streaming" : "IHAVE",
			    f->zc != NULL ? ", compressed" : "");
			break;
		case FEED_RUNNING:
			feeder_answer(f, code, line);
			break;
		default:
			break;
		}
		free(line);
	}
	if (f->bev == bev && evbuffer_get_length(in) > FEED_LINE_MAX) {
		feeder_error(f, "reply line too long");
		return;
	}
	if (f->bev == bev)
		feeder_fill(f);
}

static void
feeder_write_cb(struct bufferevent *bev LOOM_UNUSED, void *arg)
{
	feeder_fill(arg);
}

static void
feeder_event_cb(struct bufferevent *bev LOOM_UNUSED, short what, void *arg)
{
	struct feeder	*f = arg;

	if (what & BEV_EVENT_CONNECTED) {
		f->state = FEED_GREETING;
		return;
	}
	if ((what & BEV_EVENT_ERROR) && compress_error(f->zc) != NULL)
		feeder_error(f, "compress: %s", compress_error(f->zc));
	else if (what & BEV_EVENT_EOF)
		feeder_error(f, "connection closed by peer");
	else if (what & BEV_EVENT_TIMEOUT)
		feeder_error(f, "timeout");
	else if (what & BEV_EVENT_ERROR)
		feeder_error(f, "connection error: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
}

/* Callbacks, watermark and timeouts of the feed's bufferevent (also the
   COMPRESS layer put in its place). */
static void
feeder_setup_bev(struct feeder *f)
{
	struct timeval	tv = { 300, 0 };

	bufferevent_setcb(f->bev, feeder_read_cb, feeder_write_cb,
	    feeder_event_cb, f);
	bufferevent_setwatermark(f->bev, EV_WRITE, FEED_OUTPUT_HIGH / 2, 0);
	bufferevent_set_timeouts(f->bev, &tv, &tv);
	bufferevent_enable(f->bev, EV_READ | EV_WRITE);
}

static void
feeder_connect(struct feeder *f)
{
	struct sockaddr_storage	 ss = f->peer.addr;

	/* The host was resolved without a port: add the peer's. */
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(f->peer.port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(f->peer.port);

	f->bev = bufferevent_socket_new(f->srv->base, -1,
	    BEV_OPT_CLOSE_ON_FREE);
	if (f->bev == NULL) {
		feeder_error(f, "bufferevent_socket_new failed");
		return;
	}
	f->zc = NULL;
	feeder_setup_bev(f);
	f->state = FEED_CONNECTING;
	if (bufferevent_socket_connect(f->bev, (struct sockaddr *)&ss,
	    (int)f->peer.addrlen) == -1)
		feeder_error(f, "connect failed");
}

/* Reconnect after a back-off; while connected, flush and poll. */
static void
feeder_timer_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct feeder	*f = arg;
	struct timeval	 tv = { 1, 0 };

	if (f->state == FEED_IDLE) {
		feeder_connect(f);
		if (f->state == FEED_IDLE)
			return;
	} else {
		feeder_flush_done(f);
		feeder_fill(f);
		if (++f->ticks % 5 == 0 && f->saved_total != f->stats.offered +
		    f->stats.accepted + f->stats.refused + f->stats.deferred)
			feeder_save_status(f);
	}
	evtimer_add(f->timer, &tv);
}

/*
 * Which peers get this article: their wildmat matches one of its groups,
 * and their identity is not in its Path already.  Only peers with a
 * running feeder, each as that feeder has it: an article is never queued
 * for a peer nobody sends to, whatever a reload is doing.
 */
size_t
feeder_select(struct server *srv, const struct article *a,
    const struct article_thread *t, char names[][STORE_PEER_MAX + 1],
    const char **ptrs, size_t max)
{
	const struct config_peer	*pe;
	size_t				 i, g, n = 0;

	for (i = 0; i < srv->nfeeders && n < max; i++) {
		pe = &srv->feeders[i]->peer;
		if (article_path_contains(a, pe->pathhost))
			continue;
		for (g = 0; g < t->ngroups; g++)
			if (wildmat_match(t->groups[g], pe->groups))
				break;
		if (g == t->ngroups)
			continue;
		loom_strlcpy(names[n], pe->name, STORE_PEER_MAX + 1);
		ptrs[n] = names[n];
		n++;
	}
	return (n);
}

struct feeder *
feeder_start(struct server *srv, const struct config_peer *peer)
{
	struct feeder	*f;
	struct timeval	 tv = { 0, 0 };

	f = xcalloc(1, sizeof(*f));
	f->srv = srv;
	f->peer = *peer;
	f->backoff = FEED_BACKOFF_MIN;
	f->state_since = time(NULL);
	TAILQ_INIT(&f->cmds);
	f->timer = evtimer_new(srv->base, feeder_timer_cb, f);
	evtimer_add(f->timer, &tv);
	return (f);
}

/* New articles were queued: offer them now rather than at the next poll. */
void
feeder_kick(struct feeder *f)
{
	if (f->state == FEED_RUNNING)
		feeder_fill(f);
}

const struct feeder_stats *
feeder_stats(const struct feeder *f)
{
	return (&f->stats);
}

const char *
feeder_name(const struct feeder *f)
{
	return (f->peer.name);
}

/* Has the way to reach the peer changed (address, port, COMPRESS)? */
static int
feeder_peer_moved(const struct config_peer *a, const struct config_peer *b)
{
	return (a->port != b->port || a->compress != b->compress ||
	    a->addrlen != b->addrlen || memcmp(&a->addr, &b->addr,
	    a->addrlen) != 0 || strcmp(a->host, b->host) != 0);
}

/*
 * A reload changed this peer's section (same name).  Groups, pathhost and
 * max_in_flight apply from the next offer on; a new address, port or
 * compress setting drops the connection and connects again at once.
 */
void
feeder_update(struct feeder *f, const struct config_peer *peer)
{
	struct timeval	tv = { 0, 0 };
	int		moved = feeder_peer_moved(&f->peer, peer);

	f->peer = *peer;
	if (!moved)
		return;
	log_info("feed=%s now %s:%u: reconnecting", f->peer.name,
	    f->peer.host, f->peer.port);
	feeder_drop(f);
	snprintf(f->stats.last_error, sizeof(f->stats.last_error),
	    "reconnecting after a reload");
	feeder_save_status(f);
	f->backoff = FEED_BACKOFF_MIN;
	evtimer_add(f->timer, &tv);
}

void
feeder_stop(struct feeder *f, const char *why)
{
	feeder_drop(f);
	f->state_since = time(NULL);
	snprintf(f->stats.last_error, sizeof(f->stats.last_error), "%s", why);
	feeder_save_status(f);
	event_free(f->timer);
	free(f);
}
