/*
 * Retention: the [expire NAME] rules applied to every group, then the
 * history purge and the moderation queue's age limit.  loomd runs the pass
 * on its own thread every [expire] interval; loomctl expire runs it on
 * demand.  Each step is one bounded write transaction (STORE_CHUNK
 * entries, storage/expire.c), so neither readers nor the writer thread
 * wait long, and the event loop never runs any of it.
 */
#ifndef LOOM_RETENTION_H
#define LOOM_RETENTION_H

#include <stdint.h>

#include "store.h"

struct config;
struct config_expire;
struct event_base;
struct retention;

struct retention_totals {
	struct store_expire_stats	 st;
	uint64_t			 groups;	/* with a rule */
	uint64_t			 modq_removed;
};

/* Called after each group a rule matched, with what went (or would). */
typedef void (*retention_group_cb)(const char *group,
    const struct config_expire *rule, const struct store_expire_stats *st,
    void *arg);

/* The last rule whose wildmat matches group, or NULL. */
const struct config_expire *retention_rule(const struct config_expire *rules,
    size_t nrules, const char *group);

/*
 * One pass over every group.  dry_run: count what would go, change nothing.
 * *stop (if not NULL) is checked between groups.  STORE_OK or the first
 * error; the pass goes on past a failed group.
 */
enum store_status retention_run(struct store *st,
    const struct config_expire *rules, size_t nrules, unsigned modq_days,
    int dry_run, const volatile int *stop, retention_group_cb cb, void *arg,
    struct retention_totals *tot);

/* loomd: the scheduled pass, every cfg->expire_interval seconds.  With
   interval 0 the handle still exists (no timer), so a reload may turn it
   on. */
struct retention *retention_start(struct event_base *base, struct store *st,
    const struct config *cfg);
/* A reload: new rules and interval, from the next pass on. */
void	retention_configure(struct retention *r, const struct config *cfg);
/* Stop the timer, ask a running pass to stop and wait for it. */
void	retention_stop(struct retention *r);

#endif /* LOOM_RETENTION_H */
