/*
 * Statistics: counters kept on the loop thread (plain integers, no locks:
 * the writer thread's results reach them through intake's completion on
 * the loop), a ring of per-second buckets for the last minute, and the
 * two ways out: the control socket in the data directory (loomctl stats)
 * and an optional Prometheus text endpoint (metrics.c).
 */
#ifndef LOOM_STATS_H
#define LOOM_STATS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct server;

/* Where an accepted article came from. */
enum stats_in {
	STATS_IN_POST,
	STATS_IN_IHAVE,
	STATS_IN_TAKETHIS,
	STATS_IN_N
};

/* Where an article went: to a reader (ARTICLE, BODY) or a peer. */
enum stats_out {
	STATS_OUT_READER,
	STATS_OUT_FEED,
	STATS_OUT_N
};

/*
 * Refusals by reason: a small fixed set, from the reply codes (every
 * refusal is one) and from the connection limits.
 */
enum stats_refusal {
	STATS_REF_MAX_CONNECTIONS,	/* connection: max_connections */
	STATS_REF_PER_HOST,		/* connection: per host */
	STATS_REF_SHUTDOWN,		/* connection: shutting down */
	STATS_REF_NOT_WANTED,		/* 435, 438: offer declined */
	STATS_REF_DEFERRED,		/* 431, 436: try again later */
	STATS_REF_REJECTED,		/* 437, 439: transit article */
	STATS_REF_POST_FAILED,		/* 441 */
	STATS_REF_ACCESS,		/* 440, 480, 483, 502 */
	STATS_REF_AUTH_FAILED,		/* 481 */
	STATS_REF_N
};

/* Seconds the rings cover. */
#define STATS_RING	60

struct stats_ring {
	int64_t		sec[STATS_RING];	/* which second a slot holds */
	uint32_t	n[STATS_RING];
};

struct stats {
	uint64_t		commands;
	struct stats_ring	commands_ring;
	uint64_t		in[STATS_IN_N];
	struct stats_ring	in_ring[STATS_IN_N];
	uint64_t		out[STATS_OUT_N];
	struct stats_ring	out_ring[STATS_OUT_N];
	uint64_t		refused[STATS_REF_N];
	uint64_t		connections;	/* accepted, ever */
	unsigned		peak;		/* most sessions at once */
};

/* The labels, as the outputs name them. */
extern const char *const stats_in_label[STATS_IN_N];
extern const char *const stats_out_label[STATS_OUT_N];
extern const char *const stats_refusal_label[STATS_REF_N];

/* The ring: add k at second now; the sum over the `span` seconds up to
   and including now (span <= STATS_RING). */
void		 stats_ring_add(struct stats_ring *r, int64_t now, uint32_t k);
uint64_t	 stats_ring_sum(const struct stats_ring *r, int64_t now,
		    int span);

/* The counting hooks, on the loop thread. */
void		 stats_command(struct server *srv);
void		 stats_article_in(struct server *srv, enum stats_in src);
void		 stats_article_out(struct server *srv, enum stats_out dst);
void		 stats_refusal(struct server *srv, enum stats_refusal why);
void		 stats_connection(struct server *srv);
/* A reply code went out: counts refusals and articles served. */
void		 stats_reply(struct server *srv, int code);
/* The refusal a reply code means, or -1 when it is none. */
int		 stats_reply_refusal(int code);

/* Render every figure: JSON (one object), text for a person, or the
   Prometheus text format (version 0.0.4).  Bounded by the peer count. */
void		 stats_render_json(struct server *srv, struct evbuffer *out);
void		 stats_render_text(struct server *srv, struct evbuffer *out);
void		 stats_render_prometheus(struct server *srv,
		    struct evbuffer *out);

/* Label value escaping for the Prometheus format: \ " and newline. */
void		 stats_prom_escape(struct evbuffer *out, const char *s);
/* A JSON string, quoted and escaped. */
void		 stats_json_string(struct evbuffer *out, const char *s);

/*
 * The control socket: <data>/loomd.sock, owner-only, one request per
 * connection ("stats\n": JSON, "stats text\n": for a person).
 * stats_socket_path: -1 when the path does not fit a sockaddr_un.
 */
#define STATS_SOCKET_NAME	"loomd.sock"
int		 stats_socket_path(const char *data, char *buf, size_t len);
struct stats_control;
struct stats_control *stats_control_start(struct server *srv);
void		 stats_control_stop(struct stats_control *c);

/* The Prometheus endpoint ([stats] listen; metrics.c).  NULL when off;
   -1 in *failed with err set when it cannot listen. */
struct stats_metrics;
struct stats_metrics *stats_metrics_start(struct server *srv, int *failed,
		    char *err, size_t errlen);
void		 stats_metrics_stop(struct stats_metrics *m);

#endif /* LOOM_STATS_H */
