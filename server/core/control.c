/*
 * The control socket: a unix stream socket in the data directory, mode
 * 0600, made by loomd once it runs as its own user, so that only that
 * user (and root) may connect.  One request per connection, a line:
 *
 *	stats		the figures as one JSON object
 *	stats text	the same for a person
 *
 * then the reply and the close.  Served on the loop like any client: the
 * request is at most CONTROL_LINE_MAX octets and must arrive within
 * CONTROL_TIMEOUT seconds; at most CONTROL_CLIENTS are served at once.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
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

#define CONTROL_LINE_MAX	64
#define CONTROL_TIMEOUT		10
#define CONTROL_CLIENTS		16

struct control_client {
	struct stats_control		*c;
	struct bufferevent		*bev;
	TAILQ_ENTRY(control_client)	 entry;
};

struct stats_control {
	struct server			*srv;
	struct evconnlistener		*evl;
	char				 path[sizeof(((struct sockaddr_un *)0)->
					    sun_path)];
	TAILQ_HEAD(, control_client)	 clients;
	unsigned			 nclients;
};

int
stats_socket_path(const char *data, char *buf, size_t len)
{
	struct sockaddr_un	sun;
	int			n;

	n = snprintf(buf, len, "%s/%s", data, STATS_SOCKET_NAME);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sun.sun_path))
		return (-1);
	return (0);
}

static void
control_client_free(struct control_client *cl)
{
	TAILQ_REMOVE(&cl->c->clients, cl, entry);
	cl->c->nclients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/* The reply is out: close. */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		control_client_free(arg);
}

static void
control_event_cb(struct bufferevent *bev LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	/* EOF before a request, an error or the timeout. */
	control_client_free(arg);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*cl = arg;
	struct stats_control	*c = cl->c;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer		*out = bufferevent_get_output(bev);
	char			*line;

	if ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) == NULL) {
		if (evbuffer_get_length(in) > CONTROL_LINE_MAX)
			control_client_free(cl);
		return;
	}
	if (strcmp(line, "stats") == 0)
		stats_render_json(c->srv, out);
	else if (strcmp(line, "stats text") == 0)
		stats_render_text(c->srv, out);
	else
		evbuffer_add_printf(out, "{\"error\":\"unknown request\"}\n");
	free(line);
	/* One request: read nothing more, close once the reply is out. */
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, control_write_cb, control_event_cb, cl);
}

static void
control_accept_cb(struct evconnlistener *evl LOOM_UNUSED, evutil_socket_t fd,
    struct sockaddr *sa LOOM_UNUSED, int salen LOOM_UNUSED, void *arg)
{
	struct stats_control	*c = arg;
	struct control_client	*cl;
	struct bufferevent	*bev;
	struct timeval		 tv = { CONTROL_TIMEOUT, 0 };

	if (c->nclients >= CONTROL_CLIENTS) {
		close(fd);
		return;
	}
	if ((bev = bufferevent_socket_new(c->srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return;
	}
	cl = xcalloc(1, sizeof(*cl));
	cl->c = c;
	cl->bev = bev;
	TAILQ_INSERT_TAIL(&c->clients, cl, entry);
	c->nclients++;
	bufferevent_setcb(bev, control_read_cb, NULL, control_event_cb, cl);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/*
 * Is a loomd answering on path?  A socket left by a killed loomd refuses
 * connections (ECONNREFUSED) and may be replaced; a live one is kept.
 */
static int
control_alive(const struct sockaddr_un *sun)
{
	int	fd, alive;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return (alive);
}

struct stats_control *
stats_control_start(struct server *srv)
{
	struct stats_control	*c;
	struct sockaddr_un	 sun;
	struct stat		 sb;
	mode_t			 old;
	int			 fd;

	c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	TAILQ_INIT(&c->clients);
	if (stats_socket_path(srv->cfg.data, c->path, sizeof(c->path)) == -1) {
		log_warnx("control socket: %s/%s is too long a path; "
		    "loomctl stats will not work", srv->cfg.data,
		    STATS_SOCKET_NAME);
		goto fail;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	loom_strlcpy(sun.sun_path, c->path, sizeof(sun.sun_path));
	if (lstat(c->path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			log_warnx("control socket: %s exists and is not a "
			    "socket; loomctl stats will not work", c->path);
			goto fail;
		}
		if (control_alive(&sun)) {
			log_warnx("control socket: another loomd answers on "
			    "%s; not replacing it", c->path);
			goto fail;
		}
		/* Stale: from a loomd that did not exit cleanly. */
		if (unlink(c->path) == -1) {
			log_warn("control socket: unlink %s", c->path);
			goto fail;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		log_warn("control socket");
		goto fail;
	}
	/* Created owner-only: no window in which another user could
	   connect. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("control socket: bind %s", c->path);
		close(fd);
		goto fail;
	}
	umask(old);
	if (chmod(c->path, 0600) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1 ||
	    evutil_make_socket_closeonexec(fd) == -1 ||
	    (c->evl = evconnlistener_new(srv->base, control_accept_cb, c,
	    LEV_OPT_CLOSE_ON_FREE, 16, fd)) == NULL) {
		log_warn("control socket: %s", c->path);
		close(fd);
		unlink(c->path);
		goto fail;
	}
	log_info("control socket %s", c->path);
	return (c);
fail:
	free(c);
	return (NULL);
}

/* At exit: the socket goes with the process; clients still connected
   are cut off. */
void
stats_control_stop(struct stats_control *c)
{
	struct control_client	*cl;

	if (c == NULL)
		return;
	while ((cl = TAILQ_FIRST(&c->clients)) != NULL)
		control_client_free(cl);
	evconnlistener_free(c->evl);
	unlink(c->path);
	free(c);
}
