/*
 * The web listener: evhttp on the server's loop, connection and rate
 * limits, routing, the security headers and conditional GET.  The pages
 * themselves are rendered in pages.c.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "mime.h"
#include "ratelimit.h"
#include "server.h"
#include "util.h"

/* A request line and its header fields, together. */
#define HTTP_HEADERS_MAX	8192
/* The largest form body (a comment, post.c); each route checks its own
   limit, and requests other than POST may have none. */
#define HTTP_BODY_MAX		(256 * 1024)
#define HTTP_CONN_BUCKETS	1024
/* No script, no frames, no plugins; the one stylesheet is ours. */
#define HTTP_CSP	"default-src 'none'; style-src 'self'; " \
	    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; " \
	    "base-uri 'none'"

/* One open connection, counted against its address's limit. */
struct http_conn {
	struct http_server	*hs;
	struct evhttp_connection *evcon;
	char			 addr[INET6_ADDRSTRLEN];
	struct http_conn	*next;		/* in its hash bucket */
};

/* What http_tap_cb needs of a listener (one per evhttp). */
struct http_tap {
	struct http_server	*hs;
	int			 https;
};

struct http_server {
	struct server		*srv;
	struct evhttp		*http;		/* plain listeners */
	struct evhttp		*https;		/* TLS listeners */
	struct ratelimit	*rate;
	unsigned		 rate_max;	/* its requests per minute */
	struct http_conn	*conns[HTTP_CONN_BUCKETS];
	unsigned		 nconns;
	struct web_auth		*wa;		/* logins (post.c) */
	struct http_tap		*taps[2];	/* plain, TLS */
	int			 own_reply;	/* http_reply is writing */
};

struct web_auth *
http_webauth(struct http_server *hs)
{
	return (hs->wa);
}

struct server *
http_server_srv(struct http_server *hs)
{
	return (hs->srv);
}

static size_t
http_conn_bucket(const struct evhttp_connection *evcon)
{
	uintptr_t	p = (uintptr_t)evcon;

	return ((p >> 4 ^ p >> 14) % HTTP_CONN_BUCKETS);
}

static struct http_conn *
http_conn_find(struct http_server *hs, const struct evhttp_connection *evcon)
{
	struct http_conn	*c;

	for (c = hs->conns[http_conn_bucket(evcon)]; c != NULL; c = c->next)
		if (c->evcon == evcon)
			return (c);
	return (NULL);
}

static unsigned
http_conns_from(struct http_server *hs, const char *addr)
{
	struct http_conn	*c;
	unsigned		 n = 0;
	size_t			 i;

	for (i = 0; i < HTTP_CONN_BUCKETS; i++)
		for (c = hs->conns[i]; c != NULL; c = c->next)
			if (strcmp(c->addr, addr) == 0)
				n++;
	return (n);
}

/* evhttp frees a connection: it no longer counts. */
static void
http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn	*c = arg, **pp;
	struct http_server	*hs = c->hs;

	/* Requests waiting for a login check or a post went with it. */
	if (hs->wa != NULL)
		webauth_conn_closed(hs->wa, evcon);
	for (pp = &hs->conns[http_conn_bucket(evcon)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			hs->nconns--;
			break;
		}
	free(c);
}

/* The numeric address of sa, without the port. */
static void
http_addr_string(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	buf[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	}
}

/*
 * The first request of a connection registers it; one over the server's
 * or the address's connection limit is refused.  evhttp in libevent 2.1
 * gives no hook at accept time, so a connection is counted from its first
 * request on; one that never sends a request is closed by the timeout.
 */
static int
http_conn_admit(struct http_server *hs, struct evhttp_connection *evcon,
    const char *addr)
{
	struct http_conn	*c;
	size_t			 b;

	if (http_conn_find(hs, evcon) != NULL)
		return (0);
	if (hs->nconns >= hs->srv->cfg.max_connections ||
	    http_conns_from(hs, addr) >= hs->srv->cfg.max_connections_per_host)
		return (-1);
	c = xcalloc(1, sizeof(*c));
	c->hs = hs;
	c->evcon = evcon;
	loom_strlcpy(c->addr, addr, sizeof(c->addr));
	b = http_conn_bucket(evcon);
	c->next = hs->conns[b];
	hs->conns[b] = c;
	hs->nconns++;
	evhttp_connection_set_closecb(evcon, http_conn_closed, c);
	return (0);
}

/* FNV-1a, 64 bits: an entity tag, not a defence. */
uint64_t
http_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*s = p;
	size_t			 i;

	if (h == 0)
		h = UINT64_C(0xcbf29ce484222325);
	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return (h);
}

/* Does If-None-Match name this tag (or "*")? */
static int
http_etag_matches(struct evhttp_request *req, const char *etag)
{
	const char	*inm;

	inm = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "If-None-Match");
	if (inm == NULL)
		return (0);
	return (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

static void
http_security_headers(struct http_req *r, int https)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(r->req);

	/* No script, no frames, no plugins; the one stylesheet is ours. */
	evhttp_add_header(h, "Content-Security-Policy", HTTP_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	if (https)
		evhttp_add_header(h, "Strict-Transport-Security",
		    "max-age=31536000");
}

/* Our own replies, which carry the headers already: the tap stays out. */
static void
http_reply(struct http_req *r, int code, const char *reason,
    struct evbuffer *body)
{
	r->hs->own_reply = 1;
	evhttp_send_reply(r->req, code, reason, body);
	r->hs->own_reply = 0;
}

/*
 * evhttp answers some requests itself, before any callback of ours runs:
 * 400 for a malformed request, 413 for headers or a body over the limits,
 * 501 for a method not allowed; and libevent 2.1 has no hook to add
 * headers to those (evhttp_send_error clears them).  So every
 * connection's output buffer is watched: evhttp writes a reply's status
 * line on its own (evbuffer_add_printf in evhttp_make_header_response)
 * and its header lines after it, so a status line written while
 * http_reply is not running is one of evhttp's own, and the security
 * headers go in right after it.  tests/integration/test_web.py checks
 * each of those replies.
 */
static void
http_tap_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_tap		*tap = arg;
	struct evbuffer_ptr	 pos;
	char			 line[256];
	size_t			 n = info->n_added, i;

	if (n < 14 || n >= sizeof(line) || tap->hs->own_reply ||
	    evbuffer_get_length(buf) != info->orig_size + n ||
	    evbuffer_ptr_set(buf, &pos, info->orig_size,
	    EVBUFFER_PTR_SET) == -1 ||
	    evbuffer_copyout_from(buf, &pos, line, n) != (ev_ssize_t)n)
		return;
	line[n] = '\0';
	/* "HTTP/1.x NNN ...\r\n" and nothing more; not 100 Continue. */
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[9] < '2' ||
	    line[n - 2] != '\r' || line[n - 1] != '\n')
		return;
	for (i = 0; i < n - 2; i++)
		if (line[i] == '\r' || line[i] == '\n')
			return;
	tap->hs->own_reply = 1;
	evbuffer_add_printf(buf, "Content-Security-Policy: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Cache-Control: no-store\r\n%s", HTTP_CSP, tap->https ?
	    "Strict-Transport-Security: max-age=31536000\r\n" : "");
	tap->hs->own_reply = 0;
}

void
http_send(struct http_req *r, int code, const char *ctype,
    const struct mime_buf *body, const char *cache)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(r->req);
	struct evbuffer		*out;
	char			 etag[32];

	http_security_headers(r, r->https);
	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", cache != NULL ? cache :
	    "no-cache");
	if (code == 200 && body != NULL && r->etag_done == 0) {
		snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)
		    http_hash(http_hash(0, ctype, strlen(ctype)), body->p,
		    body->len));
		evhttp_add_header(h, "ETag", etag);
		if (http_etag_matches(r->req, etag)) {
			http_reply(r, 304, "Not Modified", NULL);
			return;
		}
	}
	out = evbuffer_new();
	if (out == NULL) {
		evhttp_send_error(r->req, 500, NULL);
		return;
	}
	if (body != NULL && body->len > 0 &&
	    evhttp_request_get_command(r->req) != EVHTTP_REQ_HEAD)
		evbuffer_add(out, body->p, body->len);
	http_reply(r, code, code == 200 ? "OK" : code == 404 ?
	    "Not Found" : code == 400 ? "Bad Request" : code == 429 ?
	    "Too Many Requests" : code == 503 ? "Service Unavailable" :
	    code == 303 ? "See Other" : code == 301 ? "Moved Permanently" :
	    code == 403 ? "Forbidden" :
	    code == 405 ? "Method Not Allowed" : code == 413 ?
	    "Payload Too Large" : code == 415 ? "Unsupported Media Type" :
	    code == 422 ? "Unprocessable Content" : "Error", out);
	evbuffer_free(out);
}

/* A tag computed before rendering (pages.c): 304 now if it matches. */
int
http_precondition(struct http_req *r, uint64_t tag)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(r->req);
	char			 etag[32];

	snprintf(etag, sizeof(etag), "\"t%016llx\"", (unsigned long long)tag);
	evhttp_add_header(h, "ETag", etag);
	r->etag_done = 1;
	if (!http_etag_matches(r->req, etag))
		return (0);
	http_security_headers(r, r->https);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	http_reply(r, 304, "Not Modified", NULL);
	return (1);
}

void
http_error(struct http_req *r, int code, const char *text)
{
	struct mime_buf	b;

	memset(&b, 0, sizeof(b));
	page_begin(&b, text);
	mime_buf_adds(&b, "<p>");
	mime_html_escape(text, strlen(text), &b);
	mime_buf_adds(&b, "</p>\n");
	page_end(&b);
	r->etag_done = 1;
	http_send(r, code, "text/html; charset=utf-8", &b, "no-store");
	mime_buf_free(&b);
}

/* A path of .atom form: "/g/NAME.atom" -> "NAME" into out. */
static int
http_atom_path(const char *rest, char *out, size_t outlen)
{
	size_t	n = strlen(rest);

	if (n <= 5 || strcmp(rest + n - 5, ".atom") != 0 || n - 5 >= outlen)
		return (0);
	memcpy(out, rest, n - 5);
	out[n - 5] = '\0';
	return (1);
}

/* The forms: POST, and only there; everything else GET or HEAD. */
static int
http_route_post(struct http_req *r, const char *path)
{
	int	post = evhttp_request_get_command(r->req) == EVHTTP_REQ_POST;

	if (strcmp(path, "/post") == 0 || strcmp(path, "/logout") == 0) {
		if (!post)
			http_error(r, 405, "Use the form.");
		else if (path[1] == 'p')
			post_comment(r);
		else
			post_logout(r);
		return (1);
	}
	if (strcmp(path, "/login") == 0 && post) {
		post_login(r);
		return (1);
	}
	if (post) {
		http_error(r, 405, "This page takes no form.");
		return (1);
	}
	if (evbuffer_get_length(evhttp_request_get_input_buffer(r->req)) >
	    0) {
		http_error(r, 413, "No request body here.");
		return (1);
	}
	return (0);
}

/* Route one request by its path. */
static void
http_route(struct http_req *r, const char *path, const char *query)
{
	char	seg[1024];

	if (http_route_post(r, path))
		return;
	if (strcmp(path, "/") == 0)
		page_index(r, query);
	else if (strcmp(path, "/style.css") == 0)
		page_style(r);
	else if (strcmp(path, "/login") == 0)
		page_login(r, query);
	else if (strncmp(path, "/g/", 3) == 0 &&
	    http_atom_path(path + 3, seg, sizeof(seg)))
		page_atom(r, seg);
	else if (strncmp(path, "/t/", 3) == 0 &&
	    http_atom_path(path + 3, seg, sizeof(seg)))
		page_thread_atom(r, seg);
	else if (strncmp(path, "/g/", 3) == 0)
		page_group(r, path + 3, query);
	else if (strncmp(path, "/t/", 3) == 0)
		page_thread(r, path + 3);
	else if (strncmp(path, "/atom/", 6) == 0)
		page_atom(r, path + 6);
	else if (strncmp(path, "/a/", 3) == 0)
		page_article(r, path + 3);
	else if (strncmp(path, "/reply/", 7) == 0)
		page_reply(r, path + 7);
	else
		http_error(r, 404, "No such page.");
}

static void
http_request(struct http_server *hs, struct evhttp_request *req, int https)
{
	struct evhttp_connection	*evcon;
	const struct evhttp_uri		*uri;
	const struct sockaddr		*sa;
	struct http_req			 r;
	const char			*path, *query;
	char				 retry[16];
	time_t				 now = time(NULL);

	memset(&r, 0, sizeof(r));
	r.hs = hs;
	r.srv = hs->srv;
	r.req = req;
	r.https = https;
	evcon = evhttp_request_get_connection(req);
	sa = evcon != NULL ? evhttp_connection_get_addr(evcon) : NULL;
	http_addr_string(sa, r.addr, sizeof(r.addr));
	if (sa == NULL || r.addr[0] == '\0') {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (http_conn_admit(hs, evcon, r.addr) == -1) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		http_error(&r, 503, "Too many connections from your address; "
		    "try again later.");
		return;
	}
	if (!ratelimit_allowed(hs->rate, r.addr, now)) {
		snprintf(retry, sizeof(retry), "%u",
		    ratelimit_retry_after(hs->rate, r.addr, now));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", retry);
		http_error(&r, 429, "Too many requests; slow down.");
		return;
	}
	ratelimit_record(hs->rate, r.addr, now);
	/* A member reads with the rights their login gives. */
	webauth_request(&r);
	access_resolve(&hs->srv->cfg, sa, r.login != NULL ? r.login->user :
	    NULL, &r.acc);
	uri = evhttp_request_get_evhttp_uri(req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (path == NULL || *path != '/') {
		http_error(&r, 400, "Bad request.");
		return;
	}
	http_route(&r, path, query);
}

static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	http_request(arg, req, 0);
}

static void
https_request_cb(struct evhttp_request *req, void *arg)
{
	http_request(arg, req, 1);
}

/* Each connection's bufferevent (HTTPS: a TLS server one, the NNTP
   context), its output watched by http_tap_cb. */
static struct bufferevent *
http_bev(struct event_base *base, void *arg)
{
	struct http_tap		*tap = arg;
	struct http_server	*hs = tap->hs;
	struct bufferevent	*bev;
	SSL			*ssl;

	if (tap->https) {
		if (hs->srv->tls_ctx == NULL ||
		    (ssl = SSL_new(hs->srv->tls_ctx)) == NULL)
			return (NULL);
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return (NULL);
	if (evbuffer_add_cb(bufferevent_get_output(bev), http_tap_cb, tap) ==
	    NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	return (bev);
}

static struct evhttp *
http_new(struct http_server *hs, int tls)
{
	struct evhttp	*h;

	if ((h = evhttp_new(hs->srv->base)) == NULL)
		return (NULL);
	evhttp_set_max_headers_size(h, HTTP_HEADERS_MAX);
	evhttp_set_max_body_size(h, HTTP_BODY_MAX);
	evhttp_set_timeout(h, (int)hs->srv->cfg.http_timeout);
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_gencb(h, tls ? https_request_cb : http_request_cb, hs);
	evhttp_set_default_content_type(h, "text/plain; charset=utf-8");
	hs->taps[tls] = xcalloc(1, sizeof(struct http_tap));
	hs->taps[tls]->hs = hs;
	hs->taps[tls]->https = tls;
	evhttp_set_bevcb(h, http_bev, hs->taps[tls]);
	return (h);
}

/*
 * The listening sockets, bound by http_listen before loomd gives up root
 * (a web port below 1024 needs it), handed to evhttp by http_start:
 * [0] plain, [1] TLS, in the order of the configuration.
 */
static evutil_socket_t	http_fds[2][CONFIG_LISTEN_MAX];
static size_t		http_nfds[2];

static int
http_listen_one(const struct config_listen *l, evutil_socket_t *fdp,
    char *err, size_t errlen)
{
	evutil_socket_t	fd;

	if ((fd = socket(l->addr.ss_family, SOCK_STREAM, 0)) == -1) {
		snprintf(err, errlen, "web %s: socket: %s", l->spec,
		    strerror(errno));
		return (-1);
	}
	if (evutil_make_listen_socket_reuseable(fd) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1 ||
	    evutil_make_socket_closeonexec(fd) == -1 ||
	    bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) == -1 ||
	    listen(fd, 128) == -1) {
		snprintf(err, errlen, "web %s: cannot listen: %s", l->spec,
		    strerror(errno));
		evutil_closesocket(fd);
		return (-1);
	}
	*fdp = fd;
	return (0);
}

int
http_listen(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_listen	*ls[2] = { cfg->http_listen,
					    cfg->https_listen };
	size_t				 n[2] = { cfg->nhttp_listen,
					    cfg->nhttps_listen };
	size_t				 i;
	int				 tls;

	for (tls = 0; tls < 2; tls++)
		for (i = http_nfds[tls]; i < n[tls]; i++) {
			if (http_listen_one(&ls[tls][i], &http_fds[tls][i],
			    err, errlen) == -1)
				return (-1);
			http_nfds[tls] = i + 1;
		}
	return (0);
}

static int
http_bind(struct evhttp *h, const struct config_listen *l, int tls,
    size_t idx, char *err, size_t errlen)
{
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	char				 addr[INET6_ADDRSTRLEN];
	evutil_socket_t			 fd;
	int				 port = 0;

	if (idx < http_nfds[tls])
		fd = http_fds[tls][idx];
	else if (http_listen_one(l, &fd, err, errlen) == -1)
		return (-1);
	if (evhttp_accept_socket_with_handle(h, fd) == NULL) {
		snprintf(err, errlen, "web %s: cannot listen: %s", l->spec,
		    strerror(errno));
		evutil_closesocket(fd);
		return (-1);
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
		http_addr_string((struct sockaddr *)&ss, addr, sizeof(addr));
		port = ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else
		loom_strlcpy(addr, "?", sizeof(addr));
	log_info("web: %s://%s%s%s:%d/", tls ? "https" : "http",
	    ss.ss_family == AF_INET6 ? "[" : "", addr,
	    ss.ss_family == AF_INET6 ? "]" : "", port);
	return (0);
}

struct http_server *
http_start(struct server *srv, char *err, size_t errlen)
{
	struct http_server	*hs;
	const struct config	*cfg = &srv->cfg;
	uint64_t		 seed;
	size_t			 i;

	err[0] = '\0';
	if (cfg->nhttp_listen == 0 && cfg->nhttps_listen == 0)
		return (NULL);
	if (cfg->nhttps_listen > 0 && srv->tls_ctx == NULL) {
		snprintf(err, errlen, "HTTPS needs the [tls] certificate and "
		    "key");
		return (NULL);
	}
	hs = xcalloc(1, sizeof(*hs));
	hs->srv = srv;
	hs->wa = webauth_new();
	if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1)
		fatalx("RAND_bytes failed");
	hs->rate_max = cfg->http_requests_per_minute;
	if ((hs->rate = ratelimit_new(hs->rate_max, 60, 4096, seed)) == NULL)
		fatalx("cannot make the web rate limit");
	if ((hs->http = http_new(hs, 0)) == NULL)
		goto fail;
	if (cfg->nhttps_listen > 0 && (hs->https = http_new(hs, 1)) == NULL)
		goto fail;
	for (i = 0; i < cfg->nhttp_listen; i++)
		if (http_bind(hs->http, &cfg->http_listen[i], 0, i, err,
		    errlen) == -1)
			goto fail;
	for (i = 0; i < cfg->nhttps_listen; i++)
		if (http_bind(hs->https, &cfg->https_listen[i], 1, i, err,
		    errlen) == -1)
			goto fail;
	return (hs);
fail:
	if (err[0] == '\0')
		snprintf(err, errlen, "web: cannot start evhttp");
	http_stop(hs);
	return (NULL);
}

void
http_stop(struct http_server *hs)
{
	struct http_conn	*c, *next;
	size_t			 i;

	if (hs == NULL)
		return;
	/* Freeing evhttp frees its connections: their close callbacks
	   release our records. */
	if (hs->http != NULL)
		evhttp_free(hs->http);
	if (hs->https != NULL)
		evhttp_free(hs->https);
	for (i = 0; i < HTTP_CONN_BUCKETS; i++)
		for (c = hs->conns[i]; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
	ratelimit_free(hs->rate);
	webauth_free(hs->wa);
	free(hs->taps[0]);
	free(hs->taps[1]);
	free(hs);
}
