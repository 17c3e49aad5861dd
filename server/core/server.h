/*
 * The server: one libevent loop thread owns every connection and serves all
 * reads; the writer thread (writer.c) commits articles in batches.  State
 * is passed explicitly through struct server, never through globals.
 */
#ifndef LOOM_SERVER_H
#define LOOM_SERVER_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "nntp.h"
#include "stats.h"
#include "store.h"

struct bufferevent;
struct compress;
struct evconnlistener;
struct event;
struct event_base;
struct session;
struct writer;

struct listener {
	struct server		*srv;
	struct evconnlistener	*evl;
	int			 tls;		/* implicit TLS */
	char			 name[64];	/* "127.0.0.1:1119" */
	TAILQ_ENTRY(listener)	 entry;
};

struct inflight;
struct pwcheck;
struct ratelimit;
struct feeder;
struct peers_pending;
struct evdns_base;
struct ssl_ctx_st;

/* Why session_accept turned a connection away. */
enum server_refusal {
	REFUSED_NONE = -1,
	REFUSED_MAX_CONNECTIONS,
	REFUSED_PER_HOST,
	REFUSED_SHUTDOWN,
	REFUSED_NREASONS
};

/* Most peers an article can be queued for. */
#define SERVER_FEEDS_MAX	32

struct server {
	struct event_base	*base;
	struct inflight		*inflight;	/* msgids being received */
	struct ssl_ctx_st	*tls_ctx;	/* NULL: no TLS configured */
	struct feeder		**feeders;	/* one per peer with an address */
	size_t			 nfeeders;
	struct peers_pending	*peers_pending;	/* a reload resolving hosts */
	struct evdns_base	*dns;		/* for it (feed/peers.c) */
	struct config		 cfg;
	const char		*config_path;	/* NULL: defaults only */
	struct store		*store;
	uint8_t			 secret[STORE_SECRET_LEN]; /* meta "secret":
					   anon.h's key, never shown */
	struct writer		*writer;
	TAILQ_HEAD(, listener)	 listeners;
	TAILQ_HEAD(, session)	 sessions;
	unsigned		 nsessions;
	uint64_t		 next_session_id;
	struct event		*ev_sigterm, *ev_sigint, *ev_sighup;
	struct event		*ev_accept_resume;	/* after EMFILE */
	struct event		*ev_refused;	/* ends a refusal log interval */
	time_t			 refused_since;
	unsigned		 refused_logged;	/* this interval */
	unsigned		 refused_more[REFUSED_NREASONS];
	struct pwcheck		*pwcheck;	/* AUTHINFO PASS, off-loop */
	struct ratelimit	*auth_failures;	/* by address */
	unsigned		 auth_failures_gen; /* bumped when replaced */
	struct ratelimit	*post_rate;	/* by user or address */
	int			 limits_ready;
	int			 shutting_down;
	time_t			 started;
	struct stats		 stats;		/* counters (stats.c) */
	struct stats_control	*control;	/* <data>/loomd.sock */
	struct stats_metrics	*metrics;	/* [stats] listen */
	struct retention	*retention;	/* [expire] schedule */
};

/* Called once the listeners are bound: -1 with err set stops the start. */
typedef int (*server_bound_fn)(const struct config *cfg, char *err,
	    size_t errlen);

/* server.c */
struct server *server_new(struct config *cfg, const char *config_path,
	    server_bound_fn bound, char *err, size_t errlen);
void	 server_run(struct server *srv);
void	 server_free(struct server *srv);
int	 server_listen(struct server *srv);
void	 server_shutdown(struct server *srv);
int	 server_open_store(struct server *srv, char *err, size_t errlen);
void	 server_ensure_groups(struct server *srv);
int	 server_reload(struct server *srv);
int	 server_peer_allowed(struct server *srv, const struct sockaddr *sa);
void	 server_feeds_kick(struct server *srv);
void	 server_limits_setup(struct server *srv, const struct config *next);
uint64_t server_now_ms(void);
void	 server_log_refused(struct server *srv, const char *peer,
	    enum server_refusal why);
void	 server_log_refused_flush(struct server *srv);

#endif /* LOOM_SERVER_H */
