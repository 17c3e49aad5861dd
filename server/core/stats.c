/*
 * Counters and their renderings (stats.h).  Everything here runs on the
 * loop thread: a counter is a plain increment, a rate a per-second ring
 * summed when somebody asks.  What the store knows (groups, articles, map
 * use, feed queues) is read when asked, in short read transactions.
 */
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeder.h"
#include "nntp.h"
#include "server.h"
#include "stats.h"
#include "util.h"

/* server_log_refused passes its reason straight through. */
_Static_assert((int)STATS_REF_MAX_CONNECTIONS == (int)REFUSED_MAX_CONNECTIONS &&
    (int)STATS_REF_PER_HOST == (int)REFUSED_PER_HOST &&
    (int)STATS_REF_SHUTDOWN == (int)REFUSED_SHUTDOWN,
    "enum stats_refusal starts as enum server_refusal");

const char *const stats_in_label[STATS_IN_N] = {
	"post", "ihave", "takethis"
};

const char *const stats_out_label[STATS_OUT_N] = {
	"reader", "feed"
};

const char *const stats_refusal_label[STATS_REF_N] = {
	"max_connections", "max_connections_per_host", "shutting_down",
	"not_wanted", "deferred", "rejected", "post_failed", "access",
	"auth_failed"
};

void
stats_ring_add(struct stats_ring *r, int64_t now, uint32_t k)
{
	size_t	i = (size_t)(now % STATS_RING);

	if (r->sec[i] != now) {
		r->sec[i] = now;
		r->n[i] = 0;
	}
	r->n[i] += k;
}

uint64_t
stats_ring_sum(const struct stats_ring *r, int64_t now, int span)
{
	uint64_t	sum = 0;
	size_t		i;

	if (span > STATS_RING)
		span = STATS_RING;
	for (i = 0; i < STATS_RING; i++)
		if (r->sec[i] <= now && r->sec[i] > now - span)
			sum += r->n[i];
	return (sum);
}

/* time(2) is answered by the vDSO: no system call, no lock (libevent's
   cached time would take the base's lock on every count). */
static int64_t
stats_now(struct server *srv LOOM_UNUSED)
{
	return ((int64_t)time(NULL));
}

void
stats_command(struct server *srv)
{
	srv->stats.commands++;
	stats_ring_add(&srv->stats.commands_ring, stats_now(srv), 1);
}

void
stats_article_in(struct server *srv, enum stats_in src)
{
	srv->stats.in[src]++;
	stats_ring_add(&srv->stats.in_ring[src], stats_now(srv), 1);
}

void
stats_article_out(struct server *srv, enum stats_out dst)
{
	srv->stats.out[dst]++;
	stats_ring_add(&srv->stats.out_ring[dst], stats_now(srv), 1);
}

void
stats_refusal(struct server *srv, enum stats_refusal why)
{
	srv->stats.refused[why]++;
}

void
stats_connection(struct server *srv)
{
	srv->stats.connections++;
	if (srv->nsessions > srv->stats.peak)
		srv->stats.peak = srv->nsessions;
}

int
stats_reply_refusal(int code)
{
	switch (code) {
	case RPL_435_IHAVE_UNWANTED:
	case RPL_438_CHECK_UNWANTED:
		return (STATS_REF_NOT_WANTED);
	case RPL_431_CHECK_LATER:
	case RPL_436_IHAVE_RETRY:
		return (STATS_REF_DEFERRED);
	case RPL_437_IHAVE_REJECTED:
	case RPL_439_TAKETHIS_REJECTED:
		return (STATS_REF_REJECTED);
	case RPL_441_POST_FAILED:
		return (STATS_REF_POST_FAILED);
	case RPL_440_NO_POSTING:
	case RPL_480_AUTH_REQUIRED:
	case RPL_483_ENCRYPTION:
	case RPL_502_UNAVAILABLE:
		return (STATS_REF_ACCESS);
	case RPL_481_AUTH_FAILED:
		return (STATS_REF_AUTH_FAILED);
	}
	return (-1);
}

void
stats_reply(struct server *srv, int code)
{
	int	why;

	if (code == RPL_220_ARTICLE || code == RPL_222_BODY) {
		stats_article_out(srv, STATS_OUT_READER);
		return;
	}
	if (code < 400)
		return;
	if ((why = stats_reply_refusal(code)) != -1)
		srv->stats.refused[why]++;
}

/* ---- Rendering ------------------------------------------------------- */

/* One peer's figures: its queue from the store, the rest from its feeder
   (none: not resolved yet, or no address). */
struct stats_peer {
	const char			*name;
	uint64_t			 queued;
	int				 queued_ok;
	const struct feeder_stats	*fs;
};

static void
stats_peer_get(struct server *srv, size_t i, struct stats_peer *p)
{
	size_t	j;

	memset(p, 0, sizeof(*p));
	p->name = srv->cfg.peers[i].name;
	if (srv->store != NULL && store_feed_count(srv->store, p->name,
	    &p->queued) == STORE_OK)
		p->queued_ok = 1;
	for (j = 0; j < srv->nfeeders; j++)
		if (strcmp(feeder_name(srv->feeders[j]), p->name) == 0) {
			p->fs = feeder_stats(srv->feeders[j]);
			break;
		}
}

static int
stats_store(struct server *srv, struct store_stats *ss)
{
	memset(ss, 0, sizeof(*ss));
	return (srv->store != NULL && store_stats_get(srv->store, ss) ==
	    STORE_OK);
}

void
stats_json_string(struct evbuffer *out, const char *s)
{
	const unsigned char	*p;

	evbuffer_add(out, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(out, "\\%c", *p);
		else if (*p < 0x20)
			evbuffer_add_printf(out, "\\u%04x", *p);
		else
			evbuffer_add(out, p, 1);
	}
	evbuffer_add(out, "\"", 1);
}

void
stats_render_json(struct server *srv, struct evbuffer *out)
{
	struct stats		*st = &srv->stats;
	struct store_stats	 ss;
	struct stats_peer	 p;
	int64_t			 now = (int64_t)time(NULL);
	int64_t			 sec = stats_now(srv);
	size_t			 i;
	int			 ok;

	ok = stats_store(srv, &ss);
	evbuffer_add_printf(out, "{\"version\":\"%s\",\"pid\":%ld,"
	    "\"started\":%lld,\"uptime_seconds\":%lld,", LOOM_VERSION,
	    (long)getpid(), (long long)srv->started,
	    (long long)(now - srv->started));
	if (ok)
		evbuffer_add_printf(out, "\"store\":{\"groups\":%llu,"
		    "\"articles\":%llu,\"history\":%llu,\"map_size_bytes\":"
		    "%llu,\"map_used_bytes\":%llu},",
		    (unsigned long long)ss.groups,
		    (unsigned long long)ss.articles,
		    (unsigned long long)ss.history,
		    (unsigned long long)ss.map_size,
		    (unsigned long long)ss.used);
	else
		evbuffer_add_printf(out, "\"store\":null,");
	evbuffer_add_printf(out, "\"connections\":{\"current\":%u,"
	    "\"peak\":%u,\"total\":%llu},", srv->nsessions, st->peak,
	    (unsigned long long)st->connections);
	evbuffer_add_printf(out, "\"commands\":{\"total\":%llu,"
	    "\"last_minute\":%llu,\"per_second\":%.2f},",
	    (unsigned long long)st->commands,
	    (unsigned long long)stats_ring_sum(&st->commands_ring, sec,
	    STATS_RING),
	    (double)stats_ring_sum(&st->commands_ring, sec, STATS_RING) /
	    STATS_RING);
	evbuffer_add_printf(out, "\"articles_in\":{");
	for (i = 0; i < STATS_IN_N; i++)
		evbuffer_add_printf(out, "%s\"%s\":{\"total\":%llu,"
		    "\"last_minute\":%llu}", i ? "," : "", stats_in_label[i],
		    (unsigned long long)st->in[i], (unsigned long long)
		    stats_ring_sum(&st->in_ring[i], sec, STATS_RING));
	evbuffer_add_printf(out, "},\"articles_out\":{");
	for (i = 0; i < STATS_OUT_N; i++)
		evbuffer_add_printf(out, "%s\"%s\":{\"total\":%llu,"
		    "\"last_minute\":%llu}", i ? "," : "", stats_out_label[i],
		    (unsigned long long)st->out[i], (unsigned long long)
		    stats_ring_sum(&st->out_ring[i], sec, STATS_RING));
	evbuffer_add_printf(out, "},\"refusals\":{");
	for (i = 0; i < STATS_REF_N; i++)
		evbuffer_add_printf(out, "%s\"%s\":%llu", i ? "," : "",
		    stats_refusal_label[i],
		    (unsigned long long)st->refused[i]);
	evbuffer_add_printf(out, "},\"feeds\":[");
	for (i = 0; i < srv->cfg.npeers; i++) {
		stats_peer_get(srv, i, &p);
		evbuffer_add_printf(out, "%s{\"peer\":", i ? "," : "");
		stats_json_string(out, p.name);
		if (p.queued_ok)
			evbuffer_add_printf(out, ",\"queued\":%llu",
			    (unsigned long long)p.queued);
		else
			evbuffer_add_printf(out, ",\"queued\":null");
		if (p.fs != NULL)
			evbuffer_add_printf(out, ",\"connected\":%s,"
			    "\"offered\":%llu,\"accepted\":%llu,\"refused\":"
			    "%llu,\"deferred\":%llu", p.fs->connected ?
			    "true" : "false",
			    (unsigned long long)p.fs->offered,
			    (unsigned long long)p.fs->accepted,
			    (unsigned long long)p.fs->refused,
			    (unsigned long long)p.fs->deferred);
		else
			evbuffer_add_printf(out, ",\"connected\":false");
		evbuffer_add_printf(out, "}");
	}
	evbuffer_add_printf(out, "]}\n");
}

/* 1536 -> "1.5 MiB" */
static void
stats_size(char *buf, size_t len, uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double	v = (double)n;
	size_t	u = 0;

	while (v >= 1024 && u < sizeof(units) / sizeof(units[0]) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

void
stats_render_text(struct server *srv, struct evbuffer *out)
{
	struct stats		*st = &srv->stats;
	struct store_stats	 ss;
	struct stats_peer	 p;
	int64_t			 sec = stats_now(srv);
	int64_t			 up = (int64_t)time(NULL) - srv->started;
	char			 a[32], b[32];
	size_t			 i;

	evbuffer_add_printf(out, "loomd %s, pid %ld, up %lldd %02lld:%02lld:"
	    "%02lld\n", LOOM_VERSION, (long)getpid(), (long long)(up / 86400),
	    (long long)(up / 3600 % 24), (long long)(up / 60 % 60),
	    (long long)(up % 60));
	if (stats_store(srv, &ss)) {
		stats_size(a, sizeof(a), ss.used);
		stats_size(b, sizeof(b), ss.map_size);
		evbuffer_add_printf(out, "store:       %llu groups, %llu "
		    "articles, %llu history entries\n"
		    "map:         %s used of %s (%.1f%%)\n",
		    (unsigned long long)ss.groups,
		    (unsigned long long)ss.articles,
		    (unsigned long long)ss.history, a, b, ss.map_size > 0 ?
		    100.0 * (double)ss.used / (double)ss.map_size : 0.0);
	} else
		evbuffer_add_printf(out, "store:       unavailable\n");
	evbuffer_add_printf(out, "connections: %u now, %u peak, %llu since "
	    "start\n", srv->nsessions, st->peak,
	    (unsigned long long)st->connections);
	evbuffer_add_printf(out, "commands:    %.2f/s over the last minute, "
	    "%llu since start\n",
	    (double)stats_ring_sum(&st->commands_ring, sec, STATS_RING) /
	    STATS_RING, (unsigned long long)st->commands);
	evbuffer_add_printf(out, "articles in, last minute (since start):\n");
	for (i = 0; i < STATS_IN_N; i++)
		evbuffer_add_printf(out, "  %-10s %8llu (%llu)\n",
		    stats_in_label[i], (unsigned long long)
		    stats_ring_sum(&st->in_ring[i], sec, STATS_RING),
		    (unsigned long long)st->in[i]);
	evbuffer_add_printf(out, "articles out, last minute (since start):\n");
	for (i = 0; i < STATS_OUT_N; i++)
		evbuffer_add_printf(out, "  %-10s %8llu (%llu)\n",
		    stats_out_label[i], (unsigned long long)
		    stats_ring_sum(&st->out_ring[i], sec, STATS_RING),
		    (unsigned long long)st->out[i]);
	evbuffer_add_printf(out, "refusals since start:\n");
	for (i = 0; i < STATS_REF_N; i++)
		evbuffer_add_printf(out, "  %-26s %llu\n",
		    stats_refusal_label[i],
		    (unsigned long long)st->refused[i]);
	if (srv->cfg.npeers == 0) {
		evbuffer_add_printf(out, "feeds:       none configured\n");
		return;
	}
	evbuffer_add_printf(out, "feeds:\n");
	for (i = 0; i < srv->cfg.npeers; i++) {
		stats_peer_get(srv, i, &p);
		if (p.queued_ok)
			snprintf(a, sizeof(a), "%llu",
			    (unsigned long long)p.queued);
		else
			snprintf(a, sizeof(a), "?");
		evbuffer_add_printf(out, "  %-20s %s queued, %s", p.name, a,
		    p.fs != NULL && p.fs->connected ? "connected" :
		    "not connected");
		if (p.fs != NULL)
			evbuffer_add_printf(out, ", accepted %llu, refused "
			    "%llu, deferred %llu",
			    (unsigned long long)p.fs->accepted,
			    (unsigned long long)p.fs->refused,
			    (unsigned long long)p.fs->deferred);
		evbuffer_add_printf(out, "\n");
	}
}

void
stats_prom_escape(struct evbuffer *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*s == '"')
			evbuffer_add(out, "\\\"", 2);
		else if (*s == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, s, 1);
	}
}

static void
stats_prom_head(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
stats_prom_one(struct evbuffer *out, const char *name, const char *type,
    const char *help, uint64_t v)
{
	stats_prom_head(out, name, type, help);
	evbuffer_add_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

static void
stats_prom_labelled(struct evbuffer *out, const char *name,
    const char *label, const char *value, uint64_t v)
{
	evbuffer_add_printf(out, "%s{%s=\"", name, label);
	stats_prom_escape(out, value);
	evbuffer_add_printf(out, "\"} %llu\n", (unsigned long long)v);
}

void
stats_render_prometheus(struct server *srv, struct evbuffer *out)
{
	struct stats		*st = &srv->stats;
	struct store_stats	 ss;
	struct stats_peer	 p;
	size_t			 i;

	stats_prom_one(out, "loom_start_time_seconds", "gauge",
	    "When loomd started, in seconds since the epoch.",
	    (uint64_t)srv->started);
	if (stats_store(srv, &ss)) {
		stats_prom_one(out, "loom_store_groups", "gauge",
		    "Groups in the store.", ss.groups);
		stats_prom_one(out, "loom_store_articles", "gauge",
		    "Articles in the store.", ss.articles);
		stats_prom_one(out, "loom_store_history_entries", "gauge",
		    "Message-IDs remembered in history.", ss.history);
		stats_prom_one(out, "loom_store_map_size_bytes", "gauge",
		    "Size of the LMDB map.", ss.map_size);
		stats_prom_one(out, "loom_store_map_used_bytes", "gauge",
		    "Bytes of the LMDB map in use.", ss.used);
	}
	stats_prom_one(out, "loom_connections", "gauge",
	    "Client connections open now.", srv->nsessions);
	stats_prom_one(out, "loom_connections_peak", "gauge",
	    "Most client connections open at once since start.", st->peak);
	stats_prom_one(out, "loom_connections_accepted_total", "counter",
	    "Client connections accepted since start.", st->connections);
	stats_prom_one(out, "loom_commands_total", "counter",
	    "NNTP commands read since start.", st->commands);
	stats_prom_head(out, "loom_articles_received_total", "counter",
	    "Articles stored, by how they arrived.");
	for (i = 0; i < STATS_IN_N; i++)
		stats_prom_labelled(out, "loom_articles_received_total",
		    "source", stats_in_label[i], st->in[i]);
	stats_prom_head(out, "loom_articles_sent_total", "counter",
	    "Articles sent to readers (ARTICLE, BODY) and accepted by "
	    "peers.");
	for (i = 0; i < STATS_OUT_N; i++)
		stats_prom_labelled(out, "loom_articles_sent_total", "to",
		    stats_out_label[i], st->out[i]);
	stats_prom_head(out, "loom_refusals_total", "counter",
	    "Refused connections, offers, articles and commands, by reason.");
	for (i = 0; i < STATS_REF_N; i++)
		stats_prom_labelled(out, "loom_refusals_total", "reason",
		    stats_refusal_label[i], st->refused[i]);
	if (srv->cfg.npeers == 0)
		return;
	stats_prom_head(out, "loom_feed_queued_articles", "gauge",
	    "Articles queued for a peer.");
	for (i = 0; i < srv->cfg.npeers; i++) {
		stats_peer_get(srv, i, &p);
		if (p.queued_ok)
			stats_prom_labelled(out, "loom_feed_queued_articles",
			    "peer", p.name, p.queued);
	}
	stats_prom_head(out, "loom_feed_connected", "gauge",
	    "1 when the feed to a peer is connected.");
	for (i = 0; i < srv->cfg.npeers; i++) {
		stats_peer_get(srv, i, &p);
		stats_prom_labelled(out, "loom_feed_connected", "peer", p.name,
		    p.fs != NULL && p.fs->connected);
	}
}
