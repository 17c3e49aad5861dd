/*
 * The Prometheus endpoint: GET /metrics on the [stats] listen address, a
 * listener of its own (off by default) so that monitoring need not share
 * the web pages' port or limits.  The counters are those of loomctl
 * stats, in the text exposition format, version 0.0.4.  Bound before
 * loomd gives root up, like the NNTP ports.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "stats.h"
#include "util.h"

/* Seconds a scraper may take to send its request. */
#define METRICS_TIMEOUT	10

struct stats_metrics {
	struct server	*srv;
	struct evhttp	*http;
};

static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct stats_metrics	*m = arg;
	struct evbuffer		*body;
	const char		*path;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || (strcmp(path, "/metrics") != 0 &&
	    strcmp(path, "/") != 0)) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	stats_render_prometheus(m->srv, body);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* Where it listens, with the port the kernel chose for port 0. */
static void
metrics_log(evutil_socket_t fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 host[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		log_info("metrics on http://[%s]:%u/metrics", host,
		    ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		log_info("metrics on http://%s:%u/metrics", host,
		    ntohs(s4->sin_port));
	}
}

struct stats_metrics *
stats_metrics_start(struct server *srv, int *failed, char *err,
    size_t errlen)
{
	struct stats_metrics	*m;
	struct config_listen	 l;
	struct evconnlistener	*evl;
	evutil_socket_t		 fd;
	int			 one = 1;

	*failed = 0;
	if (srv->cfg.stats_listen[0] == '\0')
		return (NULL);
	if (config_parse_listen(srv->cfg.stats_listen, &l, err, errlen) == -1)
		goto fail;
	m = xcalloc(1, sizeof(*m));
	m->srv = srv;
	if ((m->http = evhttp_new(srv->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, METRICS_TIMEOUT);
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_gencb(m->http, metrics_cb, m);
	if ((fd = socket(l.addr.ss_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1 ||
	    evutil_make_socket_closeonexec(fd) == -1 ||
	    bind(fd, (struct sockaddr *)&l.addr, l.addrlen) == -1 ||
	    listen(fd, 16) == -1) {
		snprintf(err, errlen, "[stats] listen %s: %s",
		    srv->cfg.stats_listen, strerror(errno));
		if (fd != -1)
			close(fd);
		evhttp_free(m->http);
		free(m);
		goto fail;
	}
	if ((evl = evconnlistener_new(srv->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd)) == NULL ||
	    evhttp_bind_listener(m->http, evl) == NULL)
		fatalx("[stats] listen %s: cannot serve", srv->cfg.stats_listen);
	metrics_log(fd);
	return (m);
fail:
	*failed = 1;
	return (NULL);
}

void
stats_metrics_stop(struct stats_metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);
	free(m);
}
