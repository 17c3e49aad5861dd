/*
 * Retention: per-group [expire NAME] rules, history purge and the
 * moderation queue's age limit, in one pass (retention.h).
 */
#include <sys/time.h>

#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "retention.h"
#include "util.h"
#include "wildmat.h"

const struct config_expire *
retention_rule(const struct config_expire *rules, size_t nrules,
    const char *group)
{
	const struct config_expire	*found = NULL;
	size_t				 i;

	/* Like [access] rules: the last match wins, so a broad rule first
	   and the exceptions after it read naturally. */
	for (i = 0; i < nrules; i++)
		if (wildmat_match(group, rules[i].groups))
			found = &rules[i];
	return (found);
}

struct names {
	char	**v;
	size_t	  n;
};

static int
names_collect(const struct store_group *g, void *arg)
{
	struct names	*nm = arg;

	nm->v = xreallocarray(nm->v, nm->n + 1, sizeof(*nm->v));
	nm->v[nm->n++] = xstrdup(g->name);
	return (0);
}

struct modq_old {
	int64_t		 cutoff;
	uint64_t	*ids;
	size_t		 n;
};

static int
modq_collect(const struct store_modq_entry *e, void *arg)
{
	struct modq_old	*mo = arg;

	/* Approved entries are on their way into their groups: leave them. */
	if (e->state != 'q' || e->queued >= mo->cutoff)
		return (0);
	mo->ids = xreallocarray(mo->ids, mo->n + 1, sizeof(*mo->ids));
	mo->ids[mo->n++] = e->id;
	return (0);
}

enum store_status
retention_run(struct store *st, const struct config_expire *rules,
    size_t nrules, unsigned modq_days, int dry_run, const volatile int *stop,
    retention_group_cb cb, void *arg, struct retention_totals *tot)
{
	const struct config_expire	*r;
	struct store_expire_stats	 gs;
	struct names			 nm;
	struct modq_old			 mo;
	enum store_status		 rc, ret = STORE_OK;
	int64_t				 now = (int64_t)time(NULL), cutoff;
	size_t				 i;

	memset(tot, 0, sizeof(*tot));
	memset(&nm, 0, sizeof(nm));
	if (nrules > 0 &&
	    (ret = store_group_foreach(st, names_collect, &nm)) != STORE_OK)
		goto out;
	for (i = 0; i < nm.n; i++) {
		if (stop != NULL && *stop)
			goto out;
		if ((r = retention_rule(rules, nrules, nm.v[i])) == NULL)
			continue;
		if (r->days < 0 && r->max_articles == 0)
			continue;
		cutoff = r->days < 0 ? INT64_MIN : now - (int64_t)r->days * 86400;
		memset(&gs, 0, sizeof(gs));
		rc = store_expire_group_rule(st, nm.v[i], cutoff,
		    r->max_articles, dry_run, &gs);
		if (rc == STORE_NOTFOUND)	/* removed meanwhile */
			continue;
		if (rc != STORE_OK && ret == STORE_OK)
			ret = rc;
		tot->groups++;
		tot->st.numbers_removed += gs.numbers_removed;
		tot->st.articles_removed += gs.articles_removed;
		if (cb != NULL)
			cb(nm.v[i], r, &gs, arg);
	}
	if (stop != NULL && *stop)
		goto out;
	rc = store_history_purge_rule(st, 0, dry_run, &tot->st);
	if (rc != STORE_OK && ret == STORE_OK)
		ret = rc;
	if (modq_days > 0) {
		memset(&mo, 0, sizeof(mo));
		mo.cutoff = now - (int64_t)modq_days * 86400;
		rc = store_modq_foreach(st, modq_collect, &mo);
		if (rc != STORE_OK && ret == STORE_OK)
			ret = rc;
		for (i = 0; rc == STORE_OK && i < mo.n; i++) {
			if (stop != NULL && *stop)
				break;
			if (dry_run) {
				tot->modq_removed++;
				continue;
			}
			rc = store_modq_remove(st, mo.ids[i]);
			if (rc == STORE_OK)
				tot->modq_removed++;
			else if (rc == STORE_NOTFOUND)	/* decided meanwhile */
				rc = STORE_OK;
			else if (ret == STORE_OK)
				ret = rc;
		}
		free(mo.ids);
	}
out:
	for (i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	return (ret);
}

/* ---- loomd's schedule ------------------------------------------------ */

struct retention {
	struct event_base	*base;
	struct event		*ev;
	struct store		*store;
	unsigned		 interval;
	unsigned		 modq_days;
	struct config_expire	*rules;		/* the loop's copy */
	size_t			 nrules;
	/* The pass's own copy, so a reload never changes it under it. */
	struct config_expire	*run_rules;
	size_t			 run_nrules;
	unsigned		 run_modq_days;
	pthread_t		 thread;
	int			 started;	/* thread to join */
	atomic_int		 running;
	volatile int		 stop;
};

static void
retention_arm(struct retention *r)
{
	struct timeval	tv;

	evtimer_del(r->ev);
	if (r->interval == 0)
		return;
	tv.tv_sec = r->interval;
	tv.tv_usec = 0;
	evtimer_add(r->ev, &tv);
}

static void *
retention_thread(void *arg)
{
	struct retention	*r = arg;
	struct retention_totals	 tot;
	enum store_status	 rc;

	rc = retention_run(r->store, r->run_rules, r->run_nrules,
	    r->run_modq_days, 0, &r->stop, NULL, NULL, &tot);
	if (rc != STORE_OK)
		log_warnx("expire: %s", store_strerror(rc));
	log_info("expire: %llu groups, %llu overview entries, %llu articles "
	    "removed, %llu history entries purged, %llu queued posts dropped",
	    (unsigned long long)tot.groups,
	    (unsigned long long)tot.st.numbers_removed,
	    (unsigned long long)tot.st.articles_removed,
	    (unsigned long long)tot.st.history_purged,
	    (unsigned long long)tot.modq_removed);
	atomic_store(&r->running, 0);
	return (NULL);
}

static void
retention_join(struct retention *r)
{
	if (r->started) {
		pthread_join(r->thread, NULL);
		r->started = 0;
	}
}

static void
retention_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct retention	*r = arg;

	(void)fd;
	(void)what;
	retention_arm(r);
	if (atomic_load(&r->running)) {
		log_debug("expire: the last pass is still running; skipped");
		return;
	}
	retention_join(r);
	free(r->run_rules);
	r->run_rules = NULL;
	if (r->nrules > 0) {
		r->run_rules = xreallocarray(NULL, r->nrules,
		    sizeof(*r->run_rules));
		memcpy(r->run_rules, r->rules, r->nrules * sizeof(*r->rules));
	}
	r->run_nrules = r->nrules;
	r->run_modq_days = r->modq_days;
	atomic_store(&r->running, 1);
	/* Its own thread: a pass may take seconds, and the loop must keep
	   serving readers meanwhile. */
	if (pthread_create(&r->thread, NULL, retention_thread, r) != 0) {
		atomic_store(&r->running, 0);
		log_warnx("expire: cannot start the expiry thread");
		return;
	}
	r->started = 1;
}

void
retention_configure(struct retention *r, const struct config *cfg)
{
	free(r->rules);
	r->rules = NULL;
	r->nrules = cfg->nexpire;
	if (r->nrules > 0) {
		r->rules = xreallocarray(NULL, r->nrules, sizeof(*r->rules));
		memcpy(r->rules, cfg->expire, r->nrules * sizeof(*r->rules));
	}
	r->modq_days = cfg->moderation_queue_days;
	if (r->interval != cfg->expire_interval || !evtimer_pending(r->ev,
	    NULL)) {
		r->interval = cfg->expire_interval;
		retention_arm(r);
	}
}

struct retention *
retention_start(struct event_base *base, struct store *st,
    const struct config *cfg)
{
	struct retention	*r;

	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->store = st;
	atomic_init(&r->running, 0);
	if ((r->ev = evtimer_new(base, retention_timer_cb, r)) == NULL)
		fatalx("evtimer_new");
	retention_configure(r, cfg);
	return (r);
}

void
retention_stop(struct retention *r)
{
	if (r == NULL)
		return;
	evtimer_del(r->ev);
	event_free(r->ev);
	r->stop = 1;
	retention_join(r);
	free(r->rules);
	free(r->run_rules);
	free(r);
}
