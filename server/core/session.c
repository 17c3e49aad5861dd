/*
 * Client sessions: one per connection, each with a bufferevent.  Input is
 * cut into lines with a length limit (proto/linecodec), commands are
 * dispatched in order (NNTP allows pipelining, RFC 3977 3.5), and input
 * waits while a reply is still large in the output buffer, so one slow
 * reader costs bounded memory and never holds up the others.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compress.h"
#include "log.h"
#include "server.h"
#include "session.h"
#include "commands.h"
#include "util.h"

/* Input kept while a reply is pending: bounds memory per client. */
#define SESSION_INPUT_HIGH	(256 * 1024)
/* Longest line of an article: must fit below SESSION_INPUT_HIGH. */
#define SESSION_LINE_MAX	(128 * 1024)
/* Work one session does before it lets the others have a turn: long
   replies and pipelined commands yield every slice. */
#define SESSION_TURN_USEC	1000

static void	session_read_cb(struct bufferevent *, void *);
static void	session_write_cb(struct bufferevent *, void *);
static void	session_event_cb(struct bufferevent *, short, void *);
static void	session_run(struct session *);
static void	session_flush_layers(struct session *);
static void	session_setup_bev(struct session *);
static void	session_handshake_start(struct session *);
static void	session_pending_free(struct session_pending *);

static void
session_peer_name(struct sockaddr *sa, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(
		    ((struct sockaddr_in *)(void *)sa)->sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, host,
		    sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(
		    ((struct sockaddr_in6 *)(void *)sa)->sin6_port));
		break;
	default:
		snprintf(buf, len, "unknown");
		break;
	}
}

/* Who an adopted session is (session_adopt); NULL for a connection. */
struct session_identity {
	const char	*user;		/* logged in as; NULL: not */
	const char	*post;		/* posting rights; NULL: the rules' */
};

static struct session *session_open(struct server *, int, struct sockaddr *,
	    int, int, const struct session_identity *);

struct session *
session_accept(struct server *srv, int fd, struct sockaddr *sa, int salen,
    int tls)
{
	return (session_open(srv, fd, sa, salen, tls, NULL));
}

/*
 * A session for a client another front end serves (the web's comments):
 * on one end of a socketpair(2), never a listener, so it needs no NNTP
 * port and costs no TCP round trip.  It is set up as session_accept
 * would set up a connection from `sa`, so the access rules, the per-host
 * limits, posts_per_minute and Injection-Info see the real client's
 * address.  The caller speaks NNTP on *fdp (non-blocking) and closes it
 * when done, which ends the session.
 */
struct session *
session_adopt(struct server *srv, const struct sockaddr *sa, int salen,
    const char *user, const char *post, int *fdp)
{
	struct session_identity	 id;
	struct sockaddr_storage	 ss;
	struct session		*s;
	int			 fds[2];

	if (salen <= 0 || (size_t)salen > sizeof(ss))
		return (NULL);
	memcpy(&ss, sa, (size_t)salen);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, fds) == -1) {
		log_warn("session_adopt: socketpair");
		return (NULL);
	}
	id.user = user;
	id.post = post;
	if ((s = session_open(srv, fds[0], (struct sockaddr *)&ss, salen, 0,
	    &id)) == NULL) {
		close(fds[1]);
		return (NULL);
	}
	*fdp = fds[1];
	return (s);
}

static struct session *
session_open(struct server *srv, int fd, struct sockaddr *sa, int salen,
    int tls, const struct session_identity *id)
{
	static const char	 busy[] = "400 Too many connections, try "
				    "again later\r\n";
	struct session		*s;
	enum server_refusal	 why = REFUSED_NONE;
	char			 peer[64], host[64], *colon;
	unsigned		 same = 0;
	int			 one = 1;

	session_peer_name(sa, peer, sizeof(peer));
	loom_strlcpy(host, peer[0] == '[' ? peer + 1 : peer, sizeof(host));
	if ((colon = strrchr(host, peer[0] == '[' ? ']' : ':')) != NULL)
		*colon = '\0';
	TAILQ_FOREACH(s, &srv->sessions, entry)
		if (strcmp(s->host, host) == 0)
			same++;
	if (srv->shutting_down)
		why = REFUSED_SHUTDOWN;
	else if (srv->nsessions >= srv->cfg.max_connections)
		why = REFUSED_MAX_CONNECTIONS;
	else if (same >= srv->cfg.max_connections_per_host)
		why = REFUSED_PER_HOST;
	if (why != REFUSED_NONE) {
		/* Best effort: the socket is fresh, so the line fits.  An
		   adopted session's caller learns it from the NULL. */
		if (id == NULL && write(fd, busy, sizeof(busy) - 1) < 0)
			log_debug("refusing %s: %s", peer, strerror(errno));
		server_log_refused(srv, peer, why);
		close(fd);
		return (NULL);
	}
	/* Every reply leaves at once: no Nagle delay behind a delayed ACK. */
	if (id == NULL && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1 && sa->sa_family != AF_UNIX)
		log_warn("setsockopt TCP_NODELAY");

	s = xcalloc(1, sizeof(*s));
	s->srv = srv;
	s->id = ++srv->next_session_id;
	s->started = time(NULL);
	loom_strlcpy(s->peer, peer, sizeof(s->peer));
	loom_strlcpy(s->host, host, sizeof(s->host));
	if (tls && srv->tls_ctx != NULL) {
		/* Implicit TLS: the greeting waits for the handshake. */
		s->bev = bufferevent_openssl_socket_new(srv->base, fd,
		    SSL_new(srv->tls_ctx), BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE);
		if (s->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
		s->tls = 1;
	} else if ((s->bev = bufferevent_socket_new(srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) != NULL)
		/* libevent writes at most 16 KiB per writev by default: a
		   long reply (OVER) would cost a writev and an epoll_wait
		   per 16 KiB.  Whatever is queued, up to output_buffer,
		   goes in one call; the kernel takes what fits. */
		bufferevent_set_max_single_write(s->bev,
		    srv->cfg.output_buffer);
	if (s->bev == NULL) {
		log_warnx("bufferevent_socket_new failed for %s", peer);
		close(fd);
		free(s);
		return (NULL);
	}
	TAILQ_INIT(&s->pending);
	if ((size_t)salen <= sizeof(s->addr))
		memcpy(&s->addr, sa, (size_t)salen);
	/* An adopted session never feeds: it speaks for a visitor. */
	s->peer_ok = id == NULL && server_peer_allowed(srv, sa);
	if (id != NULL) {
		s->adopted = 1;
		s->post_rights = id->post;
		if (id->user != NULL) {
			s->authenticated = 1;
			loom_strlcpy(s->user, id->user, sizeof(s->user));
		}
	}
	session_access_update(s);
	token_bucket_init(&s->commands_bucket, srv->cfg.commands_per_second,
	    srv->cfg.command_burst, server_now_ms());
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->nsessions++;
	stats_connection(srv);

	session_setup_bev(s);
	if (s->tls)
		session_handshake_start(s);

	log_info("session=%llx connect peer=%s access=%s%s%s%s",
	    (unsigned long long)s->id, s->peer, s->access.matched ?
	    s->access.rule : "none", s->peer_ok ? " feeds=yes" : "",
	    s->adopted ? " adopted user=" : "", s->adopted ?
	    (s->authenticated ? s->user : "-") : "");
	if (s->adopted && !s->access.matched) {
		/* Nobody reads a 502: the caller is told by the NULL. */
		session_close(s, "access denied");
		return (NULL);
	}
	/* RFC 3977 5.1.1: 502 to a client that will never be served. */
	if (!s->access.matched && !s->peer_ok && !session_login_helps(s)) {
		reply(s, RPL_502_UNAVAILABLE, "Access denied to %s", s->host);
		session_close_after_flush(s, "access denied");
		return (NULL);
	}
	server_greeting(s);
	return (s);
}

/* Callbacks, watermarks and timeouts of the session's bufferevent (also
   the TLS one that STARTTLS puts in its place). */
static void
session_setup_bev(struct session *s)
{
	struct timeval	idle;

	bufferevent_setcb(s->bev, session_read_cb, session_write_cb,
	    session_event_cb, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SESSION_INPUT_HIGH);
	bufferevent_setwatermark(s->bev, EV_WRITE,
	    s->srv->cfg.output_buffer / 2, 0);
	idle.tv_sec = s->srv->cfg.idle_timeout;
	idle.tv_usec = 0;
	bufferevent_set_timeouts(s->bev, &idle, &idle);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

static void
session_handshake_timeout_cb(evutil_socket_t fd LOOM_UNUSED,
    short what LOOM_UNUSED, void *arg)
{
	struct session	*s = arg;

	session_close(s, "tls handshake timeout");
}

/*
 * The bufferevent's idle timeouts restart with every octet, so a client
 * trickling its ClientHello could hold the connection for ever: bound the
 * whole handshake instead, as receive_timer bounds an article.
 */
static void
session_handshake_start(struct session *s)
{
	struct timeval	tv;

	s->handshaking = 1;
	if (s->handshake_timer == NULL && (s->handshake_timer = evtimer_new(
	    s->srv->base, session_handshake_timeout_cb, s)) == NULL)
		fatalx("evtimer_new");
	tv.tv_sec = s->srv->cfg.tls_handshake_timeout;
	tv.tv_usec = 0;
	evtimer_add(s->handshake_timer, &tv);
}

/*
 * STARTTLS was answered 382: stop reading, and start the handshake once
 * that reply has left (session_write_cb), as OpenSMTPD does.
 */
void
session_starttls(struct session *s)
{
	s->state = SESSION_TLS_START;
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		bufferevent_trigger(s->bev, EV_WRITE,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/*
 * The 382 is out: wrap the connection in TLS.  Anything the client sent
 * after STARTTLS was sent in the clear and is dropped (RFC 4642 2.2.2:
 * nothing from before the handshake may count).  What the session knew
 * of the client is forgotten, as the RFC asks.
 */
static void
session_tls_upgrade(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	struct bufferevent	*bev;

	evbuffer_drain(in, evbuffer_get_length(in));
	bev = bufferevent_openssl_filter_new(s->srv->base, s->bev,
	    SSL_new(s->srv->tls_ctx), BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		session_close(s, "cannot start TLS");
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	/* The TLS filter writes below only up to the socket's high
	   watermark; without one, a long reply to a slow reader would pile
	   up there, unseen by session_output_full. */
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, s->srv->cfg.output_buffer);
	s->bev = bev;
	s->tls = 1;
	s->have_group = 0;
	s->article = 0;
	s->auth_user_sent = 0;
	s->state = SESSION_CMD;
	session_setup_bev(s);
	session_handshake_start(s);
	log_info("session=%llx starttls", (unsigned long long)s->id);
}

/*
 * COMPRESS was answered 206, into the output of `bev`'s underlying
 * bufferevent (so it leaves uncompressed): the layer becomes the session's
 * bufferevent.  Input the client sent after COMPRESS (it must not,
 * RFC 8054 2.2.1) is inflated now, so the command loop, which still holds
 * the input below, finds it empty.
 */
void
session_compress(struct session *s, struct bufferevent *bev,
    struct compress *zc)
{
	struct bufferevent	*under = s->bev;

	s->bev = bev;
	s->zc = zc;
	session_setup_bev(s);
	log_info("session=%llx compress deflate", (unsigned long long)s->id);
	if (evbuffer_get_length(bufferevent_get_input(under)) == 0)
		return;
	bufferevent_trigger(under, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	if (evbuffer_get_length(bufferevent_get_input(under)) != 0)
		session_close_after_flush(s, "input after COMPRESS");
}

/* The one teardown path: log, unlink, free (the bufferevent closes the
   socket).  The session must not be touched afterwards. */
void
session_close(struct session *s, const char *reason)
{
	struct server		*srv = s->srv;
	struct session_pending	*p;

	log_info("session=%llx closed reason=%s peer=%s user=%s "
	    "duration=%llds commands=%llu in=%llu out=%llu throttled=%llu",
	    (unsigned long long)s->id, reason, s->peer,
	    s->authenticated ? s->user : "-",
	    (long long)(time(NULL) - s->started),
	    (unsigned long long)s->commands, (unsigned long long)s->bytes_in,
	    (unsigned long long)s->bytes_out,
	    (unsigned long long)s->throttled);
	if (s->stream.free != NULL)
		s->stream.free(s->stream.ctx);
	if (s->rx.free != NULL)
		s->rx.free(s->rx.ctx);
	if (s->close_timer != NULL)
		event_free(s->close_timer);
	if (s->handshake_timer != NULL)
		event_free(s->handshake_timer);
	if (s->throttle_timer != NULL)
		event_free(s->throttle_timer);
	if (s->receive_timer != NULL)
		event_free(s->receive_timer);
	if (s->turn_timer != NULL)
		event_free(s->turn_timer);
	/* A job still in the writer outlives us: tell it nobody listens. */
	if (s->async_cancel != NULL)
		s->async_cancel(s->async);
	while ((p = TAILQ_FIRST(&s->pending)) != NULL) {
		if (p->cancel != NULL)
			p->cancel(p->job);
		TAILQ_REMOVE(&s->pending, p, entry);
		session_pending_free(p);
	}
	TAILQ_REMOVE(&srv->sessions, s, entry);
	srv->nsessions--;
	bufferevent_free(s->bev);
	free(s);
	if (srv->shutting_down && srv->nsessions == 0)
		event_base_loopexit(srv->base, NULL);
}

/*
 * Close once the last reply has reached the kernel.  Never frees the
 * session before returning, so handlers and loops deep in a callback may
 * call it and still look at s->state afterwards: the write callback does
 * the freeing (triggered here, deferred, when nothing is left to write).
 */
void
session_close_after_flush(struct session *s, const char *reason)
{
	if (s->state == SESSION_CLOSING)
		return;
	if (s->stream.free != NULL)
		s->stream.free(s->stream.ctx);
	memset(&s->stream, 0, sizeof(s->stream));
	if (s->rx.free != NULL)
		s->rx.free(s->rx.ctx);
	memset(&s->rx, 0, sizeof(s->rx));
	s->state = SESSION_CLOSING;
	s->close_reason = reason;
	s->closing_since = time(NULL);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
	session_flush_layers(s);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		bufferevent_trigger(s->bev, EV_WRITE,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* The COMPRESS layer flushes once per round of writes (a zero timer): a
   closing session must not wait for that, nor close before it. */
static void
session_flush_layers(struct session *s)
{
	if (s->zc != NULL)
		bufferevent_flush(s->bev, EV_WRITE, BEV_FLUSH);
}

/* Octets not yet handed to the kernel: the output of a COMPRESS or TLS
   layer drains into the bufferevent below it, down to the socket's. */
static size_t
session_unsent(struct session *s)
{
	struct bufferevent	*b;
	size_t			 n = 0;

	for (b = s->bev; b != NULL; b = bufferevent_get_underlying(b))
		n += evbuffer_get_length(bufferevent_get_output(b));
	return (n);
}

static void
session_close_timer_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct session	*s = arg;
	struct timeval	 tv = { 0, 10000 };

	/* Given up after the idle timeout: the client stopped reading. */
	if (session_unsent(s) == 0 || time(NULL) - s->closing_since >=
	    (time_t)s->srv->cfg.idle_timeout)
		session_close(s, s->close_reason);
	else
		evtimer_add(s->close_timer, &tv);
}

/* Where replies go now: the socket, or held behind a pending reply. */
struct evbuffer *
session_out(struct session *s)
{
	if (TAILQ_EMPTY(&s->pending))
		return (bufferevent_get_output(s->bev));
	return (TAILQ_LAST(&s->pending, session_pending_head)->held);
}

/* Output queued or held, so long replies stop for slow clients. */
int
session_output_full(struct session *s)
{
	struct session_pending	*p;
	size_t			 len;

	len = evbuffer_get_length(bufferevent_get_output(s->bev));
	TAILQ_FOREACH(p, &s->pending, entry)
		len += evbuffer_get_length(p->held);
	return (len >= s->srv->cfg.output_buffer);
}

/*
 * The command now running will reply later: it writes its reply into the
 * returned entry's `own` buffer and calls session_pending_done().
 */
struct session_pending *
session_pending_add(struct session *s, void *job, void (*cancel)(void *))
{
	struct session_pending	*p;

	p = xcalloc(1, sizeof(*p));
	if ((p->own = evbuffer_new()) == NULL ||
	    (p->held = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	p->job = job;
	p->cancel = cancel;
	TAILQ_INSERT_TAIL(&s->pending, p, entry);
	s->npending++;
	return (p);
}

static void
session_pending_free(struct session_pending *p)
{
	evbuffer_free(p->own);
	evbuffer_free(p->held);
	free(p);
}

/* Send every reply that is no longer waiting for an earlier one. */
void
session_pending_done(struct session *s, struct session_pending *p)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);

	p->done = 1;
	while ((p = TAILQ_FIRST(&s->pending)) != NULL && p->done) {
		stats_reply(s->srv, p->code);
		s->bytes_out += evbuffer_get_length(p->own);
		evbuffer_add_buffer(out, p->own);
		evbuffer_add_buffer(out, p->held);
		TAILQ_REMOVE(&s->pending, p, entry);
		s->npending--;
		session_pending_free(p);
	}
	if (s->state == SESSION_CMD)
		session_run(s);
	else if (s->state == SESSION_CLOSING && TAILQ_EMPTY(&s->pending))
		bufferevent_trigger(s->bev, EV_WRITE,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/*
 * A handler starts a long reply and returns CMD_ASYNC: session_run()
 * produces it, a slice at a time, when the output has room.
 */
void
session_stream_start(struct session *s, int (*fill)(struct session *, void *),
    void (*free_ctx)(void *), void *ctx)
{
	s->stream.fill = fill;
	s->stream.free = free_ctx;
	s->stream.ctx = ctx;
	s->state = SESSION_STREAMING;
	session_run(s);
}

/* One chunk of a long reply.  Returns 1 if the session may go on. */
static int
session_stream_step(struct session *s)
{
	int	rc;

	if (session_output_full(s))
		return (0);	/* the write callback resumes us */
	rc = s->stream.fill(s, s->stream.ctx);
	if (rc > 0)
		return (1);
	if (s->stream.free != NULL)
		s->stream.free(s->stream.ctx);
	memset(&s->stream, 0, sizeof(s->stream));
	if (rc < 0) {
		session_close_after_flush(s, "stream error");
		return (0);
	}
	if (s->state == SESSION_STREAMING)
		s->state = SESSION_CMD;
	return (1);
}

static void
session_receive_timeout_cb(evutil_socket_t fd LOOM_UNUSED,
    short what LOOM_UNUSED, void *arg)
{
	struct session	*s = arg;

	if (s->state != SESSION_RECEIVING)
		return;
	log_warnx("session=%llx article not received within %u s",
	    (unsigned long long)s->id, s->srv->cfg.article_timeout);
	reply(s, RPL_400_UNAVAILABLE, "Article not received within %u "
	    "seconds, closing connection", s->srv->cfg.article_timeout);
	session_close_after_flush(s, "article timeout");
}

void
session_receive_start(struct session *s, size_t limit,
    void (*line)(struct session *, const char *, size_t, void *),
    enum cmd_result (*end)(struct session *, int, void *),
    void (*free_ctx)(void *), void *ctx)
{
	struct timeval	tv;

	memset(&s->rx, 0, sizeof(s->rx));
	s->rx.line = line;
	s->rx.end = end;
	s->rx.free = free_ctx;
	s->rx.ctx = ctx;
	block_reader_init(&s->rx.br, limit, SESSION_LINE_MAX);
	s->state = SESSION_RECEIVING;
	/* A client trickling an article holds a slot and memory: bound
	   the whole transfer, not just the silence between lines. */
	if (s->receive_timer == NULL && (s->receive_timer = evtimer_new(
	    s->srv->base, session_receive_timeout_cb, s)) == NULL)
		fatalx("evtimer_new");
	tv.tv_sec = s->srv->cfg.article_timeout;
	tv.tv_usec = 0;
	evtimer_add(s->receive_timer, &tv);
}

/* The block is complete: hand it over and go back to commands. */
static void
session_receive_end(struct session *s)
{
	struct session_receive	rx = s->rx;
	enum cmd_result		res;

	/* end() owns ctx from here; it may start a writer job with it. */
	memset(&s->rx, 0, sizeof(s->rx));
	evtimer_del(s->receive_timer);
	s->state = SESSION_CMD;
	res = rx.end(s, rx.br.too_long, rx.ctx);
	if (res == CMD_CLOSE)
		session_close_after_flush(s, "protocol");
}

/*
 * Read block lines until ".".  Once a line or the block passes its limit,
 * lines are dropped (the block is refused at its end) but still read, so
 * the client stays in step with the protocol.  A single line may not
 * exceed SESSION_LINE_MAX: it could not be buffered within the input
 * watermark.  Returns 0 when more input is needed.
 *
 * The lines (proto/'s block_next) are taken straight from the input's
 * first chunk, all of them, and drained together: a drain runs the
 * buffer's callbacks (the read watermark: an event_add), which per line
 * cost more than the article's parse.  Only a line that spans chunks is
 * made contiguous, and only it: the first chunk's rest and the next
 * chunk up to its first LF.  An unfinished line is searched only where
 * it grew (block_reader.scanned).
 */
static int
session_receive_input(struct session *s, struct evbuffer *in)
{
	struct evbuffer_iovec	 v[2];
	enum block_event	 ev = BLOCK_MORE;
	const char		*buf, *line, *nl;
	size_t			 avail, used, off, linelen, want;
	int			 n;

	while (s->state == SESSION_RECEIVING) {
		if ((avail = evbuffer_get_length(in)) == 0)
			return (0);
		n = evbuffer_peek(in, -1, NULL, v, 2);
		buf = v[0].iov_base;
		for (off = 0; off < v[0].iov_len; off += used) {
			ev = block_next(&s->rx.br, buf + off,
			    v[0].iov_len - off, &used, &line, &linelen);
			if (ev == BLOCK_LINE) {
				s->rx.line(s, line, linelen, s->rx.ctx);
				continue;
			}
			if (ev != BLOCK_SKIP) {
				off += used;
				break;
			}
		}
		if (off > 0) {
			s->bytes_in += off;
			evbuffer_drain(in, off);
		}
		if (ev == BLOCK_END) {
			session_receive_end(s);
			return (1);
		}
		if (off > 0)
			return (1);	/* session_run looks at the clock */
		if (n < 2 || v[0].iov_len >= avail)
			return (0);	/* the line is not complete yet */
		/* The line goes on in the next chunk: make the line, and
		   only it, contiguous.  When its LF is further still, make
		   as much contiguous as a line may hold, at once, rather
		   than copying a growing line again chunk after chunk. */
		nl = memchr(v[1].iov_base, '\n', v[1].iov_len);
		if (nl != NULL)
			want = v[0].iov_len + (size_t)(nl -
			    (const char *)v[1].iov_base) + 1;
		else
			want = avail < SESSION_LINE_MAX + 1 ? avail :
			    SESSION_LINE_MAX + 1;
		if (evbuffer_pullup(in, (ev_ssize_t)want) == NULL)
			fatalx("evbuffer_pullup");
	}
	return (1);
}

/* Park the session until an asynchronous job (a commit) finishes. */
void
session_wait(struct session *s, void *job, void (*cancel)(void *))
{
	s->async = job;
	s->async_cancel = cancel;
	s->state = SESSION_WAITING;
}

/* The job finished and replied: read the next command. */
void
session_resume(struct session *s)
{
	s->async = NULL;
	s->async_cancel = NULL;
	if (s->state != SESSION_WAITING)
		return;
	s->state = SESSION_CMD;
	session_run(s);
}

/* Answer an over-long line once its end has been dropped. */
static int
session_discard(struct session *s, struct evbuffer *in, size_t avail)
{
	const struct config	*cfg = &s->srv->cfg;
	size_t			 n, drop;
	unsigned char		*p;

	n = avail < 65536 ? avail : 65536;
	p = evbuffer_pullup(in, (ev_ssize_t)n);
	drop = line_discard_feed(&s->discard, (const char *)p, n);
	evbuffer_drain(in, drop);
	s->bytes_in += drop;
	if (s->discard.dropped > cfg->max_garbage) {
		reply(s, RPL_400_UNAVAILABLE, "Too much input without a line "
		    "end, closing connection");
		session_close_after_flush(s, "garbage");
		return (-1);
	}
	if (!s->discard.active) {
		reply(s, RPL_501_SYNTAX, "Command line too long (limit %d "
		    "octets)", NNTP_COMMAND_MAX);
		s->errors_in_row++;
	}
	return (0);
}

static void
session_throttle_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	session_run(arg);
}

/*
 * commands_per_second: a reader sending faster is not refused, it is
 * slowed down.  Its input waits (and TCP pushes back once the input
 * buffer is full) until the bucket has a token again.  Peers feeding us
 * are exempt: their rate is the point of a feed.
 */
static int
session_throttle(struct session *s)
{
	struct timeval	tv;
	uint64_t	wait;

	if (s->srv->cfg.commands_per_second == 0 || s->peer_ok)
		return (0);
	if ((wait = token_bucket_take(&s->commands_bucket,
	    server_now_ms())) == 0)
		return (0);
	if (s->throttle_timer == NULL && (s->throttle_timer = evtimer_new(
	    s->srv->base, session_throttle_cb, s)) == NULL)
		fatalx("evtimer_new");
	if (!evtimer_pending(s->throttle_timer, NULL)) {
		s->throttled++;
		tv.tv_sec = (time_t)(wait / 1000);
		tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
		evtimer_add(s->throttle_timer, &tv);
	}
	return (1);
}

/*
 * No complete command is left.  A client that shut down its sending side
 * (printf ... | nc) has sent everything: what it asked for is answered by
 * now or pending, so close once that is out (RFC 3977 3.5: the replies to
 * pipelined commands are owed).  Returns 0: nothing more to do now.
 */
static int
session_input_end(struct session *s)
{
	if (s->input_eof)
		session_close_after_flush(s, "eof");
	return (0);
}

/*
 * Part of a command line is in.  Every octet resets the idle timeout, so a
 * client trickling one octet a second (slowloris) would hold its slot for
 * ever: a command line must also arrive whole within idle_timeout.
 */
static int
session_partial_line(struct session *s)
{
	time_t	now = time(NULL);

	if (s->input_eof)
		return (session_input_end(s));
	if (s->partial_since == 0)
		s->partial_since = now;
	else if (now - s->partial_since >= (time_t)s->srv->cfg.idle_timeout) {
		reply(s, RPL_400_UNAVAILABLE, "Command line not completed "
		    "within %u seconds, closing connection",
		    s->srv->cfg.idle_timeout);
		session_close_after_flush(s, "slow command line");
	}
	return (0);
}

/*
 * Run the next complete command line in the input.  Returns 1 if the
 * session may go on, 0 when it must wait for an event (input, room in the
 * output, a commit, the throttle timer).
 */
static int
session_command_step(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	char			 line[NNTP_COMMAND_MAX + 1];
	size_t			 avail, n, linelen, eollen;
	unsigned char		*p;
	enum cmd_result		 res;

	if (session_output_full(s))
		return (0);	/* the write callback resumes us */
	if (s->npending >= s->srv->cfg.max_in_flight)
		return (0);	/* a completion resumes us */
	if (s->srv->shutting_down) {
		reply(s, RPL_400_UNAVAILABLE, "Server shutting down");
		session_close_after_flush(s, "shutdown");
		return (0);
	}
	if (s->errors_in_row > s->srv->cfg.max_command_errors) {
		reply(s, RPL_400_UNAVAILABLE, "Too many errors, closing "
		    "connection");
		session_close_after_flush(s, "too many errors");
		return (0);
	}
	if ((avail = evbuffer_get_length(in)) == 0)
		return (session_input_end(s));
	if (s->discard.active) {
		if (session_discard(s, in, avail) == -1)
			return (0);
		if (!s->discard.active)
			s->partial_since = 0;
		else if (evbuffer_get_length(in) == 0)
			return (session_partial_line(s));
		return (1);
	}
	n = avail < NNTP_COMMAND_MAX ? avail : NNTP_COMMAND_MAX;
	p = evbuffer_pullup(in, (ev_ssize_t)n);
	switch (line_scan((const char *)p, n, NNTP_COMMAND_MAX, &linelen,
	    &eollen)) {
	case LINE_PARTIAL:
		return (session_partial_line(s));
	case LINE_TOO_LONG:
		s->discard.active = 1;
		return (1);
	case LINE_FOUND:
		break;
	}
	s->partial_since = 0;
	if (session_throttle(s))
		return (0);	/* the throttle timer resumes us */
	memcpy(line, p, linelen);
	line[linelen] = '\0';
	evbuffer_drain(in, linelen + eollen);
	s->bytes_in += linelen + eollen;
	s->discard.dropped = 0;
	s->commands++;
	stats_command(s->srv);
	s->last_code = 0;
	if (memchr(line, '\0', linelen) != NULL) {
		reply(s, RPL_501_SYNTAX, "NUL octet in command line");
		s->errors_in_row++;
		return (1);
	}
	/* dispatch_line wipes a password from `line` itself. */
	res = dispatch_line(s, line, linelen);
	if (s->last_code == RPL_500_UNKNOWN || s->last_code == RPL_501_SYNTAX)
		s->errors_in_row++;
	else
		s->errors_in_row = 0;
	if (res == CMD_CLOSE) {
		session_close_after_flush(s, "quit");
		return (0);
	}
	return (1);
}

static uint64_t
session_clock_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
session_turn_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	session_run(arg);
}

/* Come back on the loop's next turn, after every other ready client. */
static void
session_yield(struct session *s)
{
	static const struct timeval	now = { 0, 0 };

	if (s->turn_timer == NULL && (s->turn_timer = evtimer_new(
	    s->srv->base, session_turn_cb, s)) == NULL)
		fatalx("evtimer_new");
	evtimer_add(s->turn_timer, &now);
}

/*
 * The one driver of a session's work: commands, long replies and article
 * blocks, in the order the client sent them.  Whatever it calls may ask
 * for it again (a handler that finishes at once, a stream that ends, a
 * commit that completes synchronously): such a call returns at once and
 * this loop picks the new state up, so the stack stays flat however much
 * a client pipelines.  One call works for at most SESSION_TURN_USEC, then
 * yields to the loop: a zero timer runs after the loop has polled every
 * other connection, so one heavy client costs the others at most one
 * slice per turn.
 */
static void
session_run(struct session *s)
{
	uint64_t	started;
	int		more;

	if (s->running)
		return;		/* an outer call goes on with the new state */
	if (s->turn_timer != NULL && evtimer_pending(s->turn_timer, NULL))
		return;		/* our next slice is already scheduled */
	s->running = 1;
	started = session_clock_us();
	do {
		switch (s->state) {
		case SESSION_CMD:
			more = session_command_step(s);
			break;
		case SESSION_STREAMING:
			more = session_stream_step(s);
			break;
		case SESSION_RECEIVING:
			more = session_receive_input(s,
			    bufferevent_get_input(s->bev));
			if (!more && s->input_eof)
				session_close_after_flush(s, "eof mid-article");
			break;
		default:
			more = 0;
			break;
		}
		if (more && session_clock_us() - started >= SESSION_TURN_USEC) {
			session_yield(s);
			more = 0;
		}
	} while (more);
	s->running = 0;
}

static void
session_read_cb(struct bufferevent *bev LOOM_UNUSED, void *arg)
{
	session_run(arg);
}

static void
session_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	switch (s->state) {
	case SESSION_CLOSING:
		/* Replies still waiting for a commit go out first. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) != 0 ||
		    !TAILQ_EMPTY(&s->pending))
			break;
		session_flush_layers(s);
		if (session_unsent(s) == 0) {
			session_close(s, s->close_reason);
			break;
		}
		/* TLS: the encrypted bytes are still below us; poll briefly
		   (the write timeout still bounds a client that never reads). */
		if (s->close_timer == NULL)
			s->close_timer = evtimer_new(s->srv->base,
			    session_close_timer_cb, s);
		if (s->close_timer != NULL && !evtimer_pending(s->close_timer,
		    NULL)) {
			struct timeval	tv = { 0, 10000 };

			evtimer_add(s->close_timer, &tv);
		}
		break;
	case SESSION_STREAMING:
	case SESSION_CMD:
	case SESSION_RECEIVING:
		session_run(s);
		break;
	case SESSION_WAITING:
		break;
	case SESSION_TLS_START:
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			session_tls_upgrade(s);
		break;
	}
}

static void
session_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	if (what & BEV_EVENT_CONNECTED) {
		/* An idle reader should not keep it for ever; a second
		   handshake (there is none: STARTTLS is refused once TLS is
		   on) would make another. */
		s->handshaking = 0;
		if (s->handshake_timer != NULL) {
			event_free(s->handshake_timer);
			s->handshake_timer = NULL;
		}
		return;
	}
	/*
	 * Nothing can be said before the handshake is done: a reply would
	 * wait in the output for ever, and closing after it would stop the
	 * reads that notice the client leaving.
	 */
	if ((what & BEV_EVENT_TIMEOUT) && s->handshaking) {
		session_close(s, "tls handshake timeout");
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (s->state == SESSION_CLOSING || (what & BEV_EVENT_WRITING)) {
			/* The client stopped reading: nothing more to say. */
			session_close(s, "write timeout");
			return;
		}
		reply(s, RPL_400_UNAVAILABLE, "Idle timeout, closing "
		    "connection");
		session_close_after_flush(s, "idle timeout");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		if (s->state == SESSION_CLOSING) {
			session_close(s, s->close_reason);
			return;
		}
		if (s->state == SESSION_TLS_START || s->handshaking) {
			/* Nothing can reach a client that left before the
			   handshake was done. */
			session_close(s, "eof");
			return;
		}
		/* A half-close ends the input, not the session: answer what
		   was sent, flush, then close (session_input_end). */
		s->input_eof = 1;
		bufferevent_disable(s->bev, EV_READ);
		session_run(s);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		struct bufferevent	*b;
		unsigned long		 e = 0;
		char			 buf[160];

		/* Under COMPRESS the TLS bufferevent is one below. */
		for (b = bev; s->tls && e == 0 && b != NULL;
		    b = bufferevent_get_underlying(b))
			e = bufferevent_get_openssl_error(b);
		if (e != 0) {
			ERR_error_string_n(e, buf, sizeof(buf));
			log_info("session=%llx tls error: %s",
			    (unsigned long long)s->id, buf);
			session_close(s, "tls error");
		} else if (compress_error(s->zc) != NULL)
			session_close(s, "compress error");
		else
			session_close(s, errno == 0 ? "error" :
			    strerror(errno));
		return;
	}
}
