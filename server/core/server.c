/* Listeners, the store, default groups, reload and shutdown. */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include <systemd/sd-daemon.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeder.h"
#include "peers.h"
#include "inflight.h"
#include "modqueue.h"
#include "ctlact.h"
#include "log.h"
#include "pwcheck.h"
#include "retention.h"
#include "tls.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "writer.h"

/* Groups a new store starts with when the config names none. */
static const struct config_group server_default_groups[] = {
	{ "local.general", 'y', "Local general discussion" },
	{ "local.test", 'y', "Local test postings" },
};

static void
server_accept_cb(struct evconnlistener *evl LOOM_UNUSED, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener	*l = arg;

	session_accept(l->srv, fd, sa, salen, l->tls);
}

static void
server_accept_resume_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct server	*srv = arg;
	struct listener	*l;

	TAILQ_FOREACH(l, &srv->listeners, entry)
		evconnlistener_enable(l->evl);
}

/*
 * Out of descriptors (EMFILE/ENFILE): pause accepting for a second instead
 * of spinning on a listener that stays readable.
 */
static void
server_accept_error_cb(struct evconnlistener *evl LOOM_UNUSED, void *arg)
{
	struct listener	*l = arg;
	struct server	*srv = l->srv;
	struct listener	*it;
	struct timeval	 tv = { 1, 0 };

	log_warn("accept on %s", l->name);
	if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
	    errno != ENOMEM)
		return;
	TAILQ_FOREACH(it, &srv->listeners, entry)
		evconnlistener_disable(it->evl);
	evtimer_add(srv->ev_accept_resume, &tv);
}

static void
server_sockname(int fd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 host[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		snprintf(buf, len, "?");
		return;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

/* Same IP address, ignoring ports; IPv4-mapped IPv6 equals IPv4. */
static int
server_same_ip(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;
	struct in_addr			 m;

	if (a->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(
	    &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr) &&
	    b->ss_family == AF_INET) {
		memcpy(&m, ((const struct sockaddr_in6 *)(const void *)a)->
		    sin6_addr.s6_addr + 12, 4);
		b4 = (const struct sockaddr_in *)(const void *)b;
		return (m.s_addr == b4->sin_addr.s_addr);
	}
	if (a->sa_family != b->ss_family)
		return (0);
	if (a->sa_family == AF_INET) {
		a4 = (const struct sockaddr_in *)(const void *)a;
		b4 = (const struct sockaddr_in *)(const void *)b;
		return (a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	}
	a6 = (const struct sockaddr_in6 *)(const void *)a;
	b6 = (const struct sockaddr_in6 *)(const void *)b;
	return (memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0);
}

/*
 * May this client feed us articles?  Configured peers by address, and, as
 * INN's ME entry does, the loopback addresses unless loopback_feeds = no,
 * so local injectors and test suites work with no configuration.
 */
int
server_peer_allowed(struct server *srv, const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;
	size_t				 i;

	if (srv->cfg.loopback_feeds) {
		if (sa->sa_family == AF_INET) {
			s4 = (const struct sockaddr_in *)(const void *)sa;
			if ((ntohl(s4->sin_addr.s_addr) >> 24) == 127)
				return (1);
		} else if (sa->sa_family == AF_INET6) {
			s6 = (const struct sockaddr_in6 *)(const void *)sa;
			if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
			    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
			    s6->sin6_addr.s6_addr[12] == 127))
				return (1);
		}
	}
	for (i = 0; i < srv->cfg.npeers; i++)
		if (srv->cfg.peers[i].addrlen != 0 &&
		    server_same_ip(sa, &srv->cfg.peers[i].addr))
			return (1);
	return (0);
}

/* Articles were queued for peers: have the feeders offer them. */
void
server_feeds_kick(struct server *srv)
{
	size_t	i;

	for (i = 0; i < srv->nfeeders; i++)
		feeder_kick(srv->feeders[i]);
}

/*
 * Refused connections are logged one by one only up to REFUSED_LOG_BURST
 * per interval, then counted: each costs a client nothing but a connect,
 * so one line apiece would let anybody grow the log without bound.
 */
#define REFUSED_LOG_BURST	5
#define REFUSED_LOG_INTERVAL	60

static const char *const server_refusal_text[REFUSED_NREASONS] = {
	"max_connections reached",
	"max_connections_per_host reached",
	"shutting down",
};

/* The interval is over (or the server stops): one line for the rest. */
void
server_log_refused_flush(struct server *srv)
{
	unsigned	*n = srv->refused_more;
	unsigned	 total = 0;
	int		 i;

	for (i = 0; i < REFUSED_NREASONS; i++)
		total += n[i];
	if (total > 0)
		log_warnx("refused %u more connections in the last %lld s "
		    "(%s: %u, %s: %u, %s: %u)", total,
		    (long long)(time(NULL) - srv->refused_since),
		    server_refusal_text[0], n[0], server_refusal_text[1], n[1],
		    server_refusal_text[2], n[2]);
	memset(srv->refused_more, 0, sizeof(srv->refused_more));
	srv->refused_logged = 0;
	if (srv->ev_refused != NULL)
		evtimer_del(srv->ev_refused);
}

static void
server_refused_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	server_log_refused_flush(arg);
}

void
server_log_refused(struct server *srv, const char *peer,
    enum server_refusal why)
{
	struct timeval	tv = { REFUSED_LOG_INTERVAL, 0 };

	if (!evtimer_pending(srv->ev_refused, NULL)) {
		srv->refused_since = time(NULL);
		srv->refused_logged = 0;
		evtimer_add(srv->ev_refused, &tv);
	}
	if (srv->refused_logged < REFUSED_LOG_BURST) {
		srv->refused_logged++;
		log_warnx("refused connection from %s: %s", peer,
		    server_refusal_text[why]);
	} else
		srv->refused_more[why]++;
	/* Same order as enum server_refusal. */
	stats_refusal(srv, (enum stats_refusal)why);
}

/* Open every configured listen address; -1 if any fails. */
int
server_listen(struct server *srv)
{
	struct config_listen	*cl;
	struct listener		*l;
	size_t			 i;
	int			 fd, one = 1, tls;

	srv->ev_accept_resume = evtimer_new(srv->base, server_accept_resume_cb,
	    srv);
	if ((srv->ev_refused = evtimer_new(srv->base, server_refused_cb,
	    srv)) == NULL)
		fatalx("evtimer_new");
	for (i = 0; i < srv->cfg.nlisten + srv->cfg.ntls_listen; i++) {
		tls = i >= srv->cfg.nlisten;
		cl = tls ? &srv->cfg.tls_listen[i - srv->cfg.nlisten] :
		    &srv->cfg.listen[i];
		fd = socket(cl->addr.ss_family, SOCK_STREAM, 0);
		if (fd == -1) {
			log_warn("socket for %s", cl->spec);
			return (-1);
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* An IPv6 listener serves IPv6 only: "::" and "0.0.0.0" are
		   configured separately, as INN's bindaddress6 does. */
		if (cl->addr.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one));
		if (evutil_make_socket_nonblocking(fd) == -1 ||
		    evutil_make_socket_closeonexec(fd) == -1 ||
		    bind(fd, (struct sockaddr *)&cl->addr, cl->addrlen) == -1) {
			log_warn("cannot listen on %s", cl->spec);
			close(fd);
			return (-1);
		}
		l = xcalloc(1, sizeof(*l));
		l->srv = srv;
		l->tls = tls;
		l->evl = evconnlistener_new(srv->base, server_accept_cb, l,
		    LEV_OPT_CLOSE_ON_FREE, 128, fd);
		if (l->evl == NULL) {
			log_warn("cannot listen on %s", cl->spec);
			close(fd);
			free(l);
			return (-1);
		}
		evconnlistener_set_error_cb(l->evl, server_accept_error_cb);
		server_sockname(fd, l->name, sizeof(l->name));
		TAILQ_INSERT_TAIL(&srv->listeners, l, entry);
		log_info("listening on %s%s", l->name, tls ? " (TLS)" : "");
	}
	return (0);
}

/* mkdir -p for the data directory. */
static int
server_mkdirs(const char *path)
{
	char	buf[CONFIG_PATH_MAX], *p;

	loom_strlcpy(buf, path, sizeof(buf));
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) == -1 && errno != EEXIST)
			return (-1);
		*p = '/';
	}
	if (mkdir(buf, 0750) == -1 && errno != EEXIST)
		return (-1);
	return (0);
}

int
server_open_store(struct server *srv, char *err, size_t errlen)
{
	struct store_options	 opt;
	struct store_stats	 stats;
	char			 detail[256];
	enum store_status	 rc;

	if (server_mkdirs(srv->cfg.data) == -1) {
		snprintf(err, errlen, "cannot create data directory %s: %s",
		    srv->cfg.data, strerror(errno));
		return (-1);
	}
	config_store_options(&srv->cfg, &opt);
	rc = store_open(&srv->store, srv->cfg.data, &opt, detail,
	    sizeof(detail));
	if (rc != STORE_OK) {
		snprintf(err, errlen, "cannot open store in %s: %s",
		    srv->cfg.data, detail);
		return (-1);
	}
	/* Made at the first start and kept in the store, so anonymous
	   posters' tokens stay the same across restarts. */
	if ((rc = store_secret_get(srv->store, 1, srv->secret)) != STORE_OK) {
		snprintf(err, errlen, "cannot read the server secret in %s: %s",
		    srv->cfg.data, store_strerror(rc));
		return (-1);
	}
	if (store_stats_get(srv->store, &stats) == STORE_OK)
		log_info("store %s: %llu groups, %llu articles, map %llu MiB%s",
		    srv->cfg.data, (unsigned long long)stats.groups,
		    (unsigned long long)stats.articles,
		    (unsigned long long)(stats.map_size >> 20),
		    srv->cfg.nosync ? " (nosync: commits are not fsynced)" :
		    "");
	return (0);
}

/*
 * Create the groups the config names and, on a store that never had a
 * group, the defaults.  Existing groups are left as they are: the store,
 * not the config, is the authority once a group exists.  A store whose
 * groups were all removed (loomctl rmgroup) stays empty: the defaults
 * are for a fresh install, not for undoing an administrator.
 */
void
server_ensure_groups(struct server *srv)
{
	const struct config_group	*groups = srv->cfg.groups;
	size_t				 n = srv->cfg.ngroups, i;
	struct store_stats		 stats;
	enum store_status		 rc;

	if (n == 0 && store_stats_get(srv->store, &stats) == STORE_OK &&
	    stats.groups_ever == 0) {
		groups = server_default_groups;
		n = sizeof(server_default_groups) /
		    sizeof(server_default_groups[0]);
	}
	for (i = 0; i < n; i++) {
		rc = store_group_create(srv->store, groups[i].name,
		    groups[i].status, groups[i].description, "loomd",
		    (int64_t)time(NULL));
		if (rc == STORE_OK)
			log_info("created group %s", groups[i].name);
		else if (rc != STORE_EXISTS)
			log_warnx("cannot create group %s: %s", groups[i].name,
			    store_strerror(rc));
	}
}

/*
 * SIGHUP: read the config file again and apply what can change while
 * running.  Listen addresses and the data directory need a restart.
 * Peers change once their hosts are resolved (feed/peers.c).
 */
int
server_reload(struct server *srv)
{
	struct config		 cfg;
	struct config_peer	*peers;
	struct session		*s;
	char			 err[512];
	size_t			 i, npeers;

	if (srv->config_path == NULL) {
		log_info("reload: no config file, nothing to do");
		return (0);
	}
	config_defaults(&cfg);
	if (config_load(&cfg, srv->config_path, err, sizeof(err)) == -1) {
		log_warnx("reload failed, keeping the running config: %s", err);
		config_clear(&cfg);
		return (-1);
	}
	if (strcmp(cfg.data, srv->cfg.data) != 0)
		log_warnx("reload: data directory change needs a restart");
	if (strcmp(cfg.user, srv->cfg.user) != 0)
		log_warnx("reload: user change needs a restart");
	if (strcmp(cfg.stats_listen, srv->cfg.stats_listen) != 0)
		log_warnx("reload: [stats] listen change needs a restart");
	if (cfg.nlisten != srv->cfg.nlisten)
		log_warnx("reload: listen address changes need a restart");
	else
		for (i = 0; i < cfg.nlisten; i++)
			if (strcmp(cfg.listen[i].spec,
			    srv->cfg.listen[i].spec) != 0)
				log_warnx("reload: listen address changes "
				    "need a restart");
	/* A new certificate and key take effect for new handshakes; on
	   failure the old ones stay. */
	if (cfg.tls_cert[0] != '\0' && srv->tls_ctx != NULL) {
		struct ssl_ctx_st	*ctx;

		if ((ctx = tls_ctx_new(cfg.tls_cert, cfg.tls_key, err,
		    sizeof(err))) == NULL)
			log_warnx("reload: keeping the old TLS certificate: %s",
			    err);
		else {
			tls_ctx_free(srv->tls_ctx);
			srv->tls_ctx = ctx;
			log_info("reload: TLS certificate %s loaded",
			    cfg.tls_cert);
		}
	}
	server_limits_setup(srv, &cfg);
	/* Keep what is bound to this process: addresses and data. */
	memcpy(cfg.tls_listen, srv->cfg.tls_listen, sizeof(cfg.tls_listen));
	cfg.ntls_listen = srv->cfg.ntls_listen;
	memcpy(cfg.listen, srv->cfg.listen, sizeof(cfg.listen));
	cfg.nlisten = srv->cfg.nlisten;
	memcpy(cfg.data, srv->cfg.data, sizeof(cfg.data));
	memcpy(cfg.user, srv->cfg.user, sizeof(cfg.user));
	memcpy(cfg.stats_listen, srv->cfg.stats_listen,
	    sizeof(cfg.stats_listen));
	/* The running peers stay until the new ones are resolved: then
	   peers_reload applies them, feeders and all, in one step. */
	peers = cfg.peers;
	npeers = cfg.npeers;
	cfg.peers = srv->cfg.peers;
	cfg.npeers = srv->cfg.npeers;
	srv->cfg.peers = NULL;
	srv->cfg.npeers = 0;
	config_clear(&srv->cfg);
	srv->cfg = cfg;
	log_set_level((enum log_level)srv->cfg.log_level);
	server_ensure_groups(srv);
	if (srv->retention != NULL)
		retention_configure(srv->retention, &srv->cfg);
	/* New rules and rates apply to the clients already connected. */
	TAILQ_FOREACH(s, &srv->sessions, entry) {
		session_access_update(s);
		token_bucket_init(&s->commands_bucket,
		    srv->cfg.commands_per_second, srv->cfg.command_burst,
		    server_now_ms());
	}
	log_info("reloaded %s", srv->config_path);
	peers_reload(srv, peers, npeers);
	return (0);
}

uint64_t
server_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Descriptors kept for everything but clients: listeners, the store,
   the log, feeds, filter pipes, the password thread's wake-up. */
#define SERVER_FD_RESERVE	64

/*
 * Every client is a descriptor.  The soft limit is often 1024 while the
 * hard limit allows far more: raise it (once, at start) to the hard
 * limit, and say how many clients that holds when max_connections asks
 * for more; accepting beyond it fails with EMFILE, which pauses the
 * listeners (server_accept_error_cb) instead of refusing politely.
 */
static void
server_fd_limit(unsigned max_connections, int raise)
{
	struct rlimit	rl;
	rlim_t		hold;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	if (raise && rl.rlim_cur != RLIM_INFINITY &&
	    (rl.rlim_max == RLIM_INFINITY || rl.rlim_cur < rl.rlim_max)) {
		rlim_t	was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		} else
			log_debug("descriptor limit raised from %llu to %llu",
			    (unsigned long long)was,
			    (unsigned long long)rl.rlim_cur);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	hold = rl.rlim_cur > SERVER_FD_RESERVE ? rl.rlim_cur -
	    SERVER_FD_RESERVE : 0;
	if ((rlim_t)max_connections > hold)
		log_warnx("max_connections = %u, but the descriptor limit "
		    "(%llu) holds about %llu clients; raise it (ulimit -n, "
		    "LimitNOFILE=)", max_connections,
		    (unsigned long long)rl.rlim_cur, (unsigned long long)hold);
}

/* Keys tracked per table: addresses or users seen in one window. */
#define SERVER_RATE_KEYS	65536

static struct ratelimit *
server_ratelimit(unsigned max, unsigned window)
{
	uint64_t	seed;

	if (max == 0)
		return (NULL);
	/* Seeded, so clients cannot pick addresses that collide. */
	seed = ((uint64_t)arc4random() << 32) | arc4random();
	return (ratelimit_new(max, window, SERVER_RATE_KEYS, seed));
}

/*
 * The failed-login and posting-rate tables for `next` (the configuration
 * about to be used).  A table is kept across a reload that does not change
 * its limits, so a reload does not forgive anyone.
 */
void
server_limits_setup(struct server *srv, const struct config *next)
{
	const struct config	*cur = &srv->cfg;
	int			 first = srv->limits_ready;

	if (!first || next->auth_max_failures != cur->auth_max_failures ||
	    next->auth_failure_window != cur->auth_failure_window) {
		ratelimit_free(srv->auth_failures);
		srv->auth_failures = server_ratelimit(next->auth_max_failures,
		    next->auth_failure_window);
		srv->auth_failures_gen++;
	}
	if (!first || next->posts_per_minute != cur->posts_per_minute) {
		ratelimit_free(srv->post_rate);
		srv->post_rate = server_ratelimit(next->posts_per_minute, 60);
	}
	if (!first || next->max_connections != cur->max_connections)
		server_fd_limit(next->max_connections, !first);
	srv->limits_ready = 1;
}

/*
 * Stop accepting, tell idle clients, let running replies finish; the loop
 * ends when the last session is gone (or after a grace period).
 */
void
server_shutdown(struct server *srv)
{
	struct listener	*l;
	struct session	*s, *next;
	struct timeval	 grace = { 10, 0 };

	if (srv->shutting_down)
		return;
	srv->shutting_down = 1;
	log_info("shutting down: %u sessions", srv->nsessions);
	while ((l = TAILQ_FIRST(&srv->listeners)) != NULL) {
		TAILQ_REMOVE(&srv->listeners, l, entry);
		evconnlistener_free(l->evl);
		free(l);
	}
	for (s = TAILQ_FIRST(&srv->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		/* Mid-handshake, a 400 could never be sent. */
		if (s->handshaking)
			session_close(s, "shutdown");
		else if (s->state == SESSION_CMD) {
			reply(s, RPL_400_UNAVAILABLE, "Server shutting down");
			session_close_after_flush(s, "shutdown");
		}
	}
	if (srv->nsessions == 0)
		event_base_loopexit(srv->base, NULL);
	else
		event_base_loopexit(srv->base, &grace);
}

static void
server_signal_cb(evutil_socket_t sig, short what LOOM_UNUSED, void *arg)
{
	struct server	*srv = arg;

	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading configuration");
		/* systemd shows the unit "reloading" until READY=1 again,
		   whether the reload worked or the old config stays. */
		sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		    (unsigned long long)server_now_ms() * 1000);
		server_reload(srv);
		sd_notify(0, "READY=1");
		break;
	default:
		log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		sd_notify(0, "STOPPING=1");
		server_shutdown(srv);
		break;
	}
}

static struct event *
server_signal(struct server *srv, int sig)
{
	struct event	*ev;

	if ((ev = evsignal_new(srv->base, sig, server_signal_cb, srv)) ==
	    NULL || evsignal_add(ev, NULL) == -1)
		fatalx("cannot watch signal %d", sig);
	return (ev);
}

/*
 * Everything loomd runs, from a checked configuration (moved into the
 * server, which frees it): the loop, TLS, listeners, the store and its
 * default groups, the writer and password threads, limits, feeds and
 * signals.  NULL with err set when the server cannot start.
 *
 * What needs root comes first (the TLS key, ports below 1024); then
 * bound(), if not NULL, may give root up, so that the store and every
 * thread belong to the unprivileged user.
 */
struct server *
server_new(struct config *cfg, const char *config_path, server_bound_fn bound,
    char *err, size_t errlen)
{
	struct server	*srv;
	int		 failed;

	srv = xcalloc(1, sizeof(*srv));
	TAILQ_INIT(&srv->listeners);
	TAILQ_INIT(&srv->sessions);
	srv->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	srv->config_path = config_path;
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent has no pthreads support");
	if ((srv->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	srv->started = time(NULL);
	if (srv->cfg.tls_cert[0] != '\0' && (srv->tls_ctx = tls_ctx_new(
	    srv->cfg.tls_cert, srv->cfg.tls_key, err, errlen)) == NULL) {
		char	tls_err[512];

		loom_strlcpy(tls_err, err, sizeof(tls_err));
		snprintf(err, errlen, "TLS: %s", tls_err);
		goto fail;
	}
	if (server_listen(srv) == -1) {
		snprintf(err, errlen, "cannot open listeners, exiting");
		goto fail;
	}
	srv->metrics = stats_metrics_start(srv, &failed, err, errlen);
	if (failed)
		goto fail;
	if (bound != NULL && bound(&srv->cfg, err, errlen) == -1)
		goto fail;
	if (server_open_store(srv, err, errlen) == -1)
		goto fail;
	server_ensure_groups(srv);
	/* Made by the user loomd runs as: owner-only means that user. */
	srv->control = stats_control_start(srv);
	srv->writer = writer_start(srv->base, srv->store, srv->cfg.batch_max);
	modq_start(srv);
	srv->inflight = inflight_new();
	/* One thread: a login costs ~0.1 s of one core by design, and the
	   second core belongs to the loop and the writer. */
	if ((srv->pwcheck = pwcheck_start(srv->base, 1, 64)) == NULL)
		fatalx("cannot start the password checker");
	server_limits_setup(srv, &srv->cfg);
	srv->retention = retention_start(srv->base, srv->store, &srv->cfg);
	peers_start(srv);
	srv->ev_sigterm = server_signal(srv, SIGTERM);
	srv->ev_sigint = server_signal(srv, SIGINT);
	srv->ev_sighup = server_signal(srv, SIGHUP);
	return (srv);
fail:
	server_free(srv);
	return (NULL);
}

/* Serve until SIGTERM or SIGINT and the grace period after it. */
void
server_run(struct server *srv)
{
	log_info("Loom %s ready to accept connections (data %s)",
	    LOOM_VERSION, srv->cfg.data);
	/* The listeners are listening: connections wait in their backlog
	   until the loop below accepts them.  A no-op without systemd. */
	sd_notifyf(0, "READY=1\nSTATUS=Serving, data %s", srv->cfg.data);
	event_base_dispatch(srv->base);
}

/* Cut off whoever is still connected, commit what is queued, free all. */
void
server_free(struct server *srv)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&srv->sessions)) != NULL)
		session_close(s, "shutdown");
	if (!srv->shutting_down && srv->base != NULL)
		server_shutdown(srv);
	if (srv->ev_sigterm != NULL)
		event_free(srv->ev_sigterm);
	if (srv->ev_sigint != NULL)
		event_free(srv->ev_sigint);
	if (srv->ev_sighup != NULL)
		event_free(srv->ev_sighup);
	if (srv->ev_accept_resume != NULL)
		event_free(srv->ev_accept_resume);
	server_log_refused_flush(srv);
	if (srv->ev_refused != NULL)
		event_free(srv->ev_refused);
	modq_stop();
	retention_stop(srv->retention);
	/* Commit what is still queued before the store closes. */
	if (srv->writer != NULL)
		writer_stop(srv->writer);
	ctlact_stop();
	if (srv->pwcheck != NULL)
		pwcheck_stop(srv->pwcheck);
	ratelimit_free(srv->auth_failures);
	ratelimit_free(srv->post_rate);
	peers_stop(srv);
	if (srv->inflight != NULL)
		inflight_free(srv->inflight);
	tls_ctx_free(srv->tls_ctx);
	stats_control_stop(srv->control);
	stats_metrics_stop(srv->metrics);
	if (srv->store != NULL)
		store_close(srv->store);
	if (srv->base != NULL)
		event_base_free(srv->base);
	config_clear(&srv->cfg);
	free(srv);
}
