/*
 * Approved articles of the moderation queue (store.h) go in here, in the
 * running server, so they take the one intake path a posted article takes:
 * numbers in their groups, overview, threads and feeds to peers, by the
 * writer thread.  loomctl only marks an entry approved (it cannot reach
 * the server's writer); a timer here picks such entries up.  The store
 * removes an entry in the very transaction that stores its article.
 */
#include <event2/event.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "article.h"
#include "intake.h"
#include "log.h"
#include "modqueue.h"
#include "util.h"
#include "withdraw.h"

#define MODQ_INTERVAL	1	/* seconds between looks at the queue */
#define MODQ_BATCH	64	/* approved entries taken per look */

struct modq_pick {
	uint64_t	 id;
	char		*wire;
	size_t		 wire_len;
	char		 approver[STORE_USER_MAX + 1];
	int64_t		 queued;
};

struct modq_collect {
	struct modq_pick	 picks[MODQ_BATCH];
	size_t			 n;
};

static struct event	*modq_ev;
static size_t		 modq_inflight;	/* submitted, not yet done */

static int
modq_collect_cb(const struct store_modq_entry *e, void *arg)
{
	struct modq_collect	*c = arg;
	struct modq_pick	*p;

	if (e->state != 'a')
		return (0);
	p = &c->picks[c->n++];
	p->id = e->id;
	p->wire = xmalloc(e->wire_len + 1);
	memcpy(p->wire, e->wire, e->wire_len);
	p->wire_len = e->wire_len;
	loom_strlcpy(p->approver, e->approver, sizeof(p->approver));
	p->queued = e->queued;
	return (c->n == MODQ_BATCH);
}

static void
modq_free_ctx(struct intake *in)
{
	free(in->ctx);
	in->ctx = NULL;
}

static void
modq_done(struct intake *in, struct session *s LOOM_UNUSED,
    enum store_status st)
{
	uint64_t	id = *(uint64_t *)in->ctx;

	modq_inflight--;
	if (st == STORE_OK) {
		log_info("moderation: approved entry %" PRIu64 " stored "
		    "msgid=%s groups=%zu", id, in->job.art.msgid,
		    in->job.art.ngroups);
		return;
	}
	if (in->job.batch_status != STORE_OK) {
		/* Not the article's fault: the next look tries again. */
		log_warnx("moderation: entry %" PRIu64 " not stored yet: %s",
		    id, store_strerror(in->job.batch_status));
		return;
	}
	/* Refused for good (a duplicate, its groups gone): drop it. */
	if (in->job.art.withdrawn == STORE_CANCELLED_FIRST)
		log_info("moderation: approved entry %" PRIu64 " msgid=%s "
		    "cancelled while it waited, removed from the queue", id,
		    in->job.art.msgid);
	else
		log_warnx("moderation: approved entry %" PRIu64 " msgid=%s "
		    "refused (%s), removed from the queue", id,
		    in->job.art.msgid, store_strerror(st));
	store_modq_remove(in->srv->store, id);
}

static const struct intake_ops modq_ops = {
	.kind = INTAKE_POST,
	.done = modq_done,
	.free = modq_free_ctx,
};

/* Make the intake of an approved entry and submit it; -1 if it is bad. */
static int
modq_submit(struct server *srv, struct modq_pick *p, time_t now)
{
	struct intake	*in;
	struct article	*a;
	uint64_t	*idp;
	char		 field[STORE_USER_MAX + 16];

	snprintf(field, sizeof(field), "Approved: %s", p->approver);
	a = intake_article_with(p->wire, p->wire_len, NULL);
	/* Keep an Approved the moderator's own post carried. */
	if (a != NULL && article_header_get(a, "Approved") == NULL) {
		article_free(a);
		a = intake_article_with(p->wire, p->wire_len, field);
	}
	if (a == NULL)
		return (-1);
	idp = xmalloc(sizeof(*idp));
	*idp = p->id;
	in = intake_new_detached(srv, &modq_ops, idp);
	in->article = a;
	if (intake_thread(in) == -1 || in->thread.msgid == NULL) {
		intake_free(in);
		return (-1);
	}
	/* A cancel that came while it waited (its target not stored yet,
	   so kept) applies as it is stored, as on every other way in. */
	withdraw_locks(in);
	/* Its siblings sort by when it was posted, not approved. */
	in->posted = (time_t)p->queued;
	modq_inflight++;
	intake_submit_detached(in, now);
	return (0);
}

static void
modq_tick(evutil_socket_t fd LOOM_UNUSED, short ev LOOM_UNUSED, void *arg)
{
	struct server		*srv = arg;
	struct modq_collect	*c;
	enum store_status	 rc;
	time_t			 now = time(NULL);
	size_t			 i;

	/* One round at a time: an entry is never submitted twice. */
	if (modq_inflight > 0)
		return;
	c = xcalloc(1, sizeof(*c));
	if ((rc = store_modq_foreach(srv->store, modq_collect_cb, c)) !=
	    STORE_OK)
		log_warnx("moderation queue: %s", store_strerror(rc));
	for (i = 0; i < c->n; i++) {
		if (modq_submit(srv, &c->picks[i], now) == -1) {
			log_warnx("moderation: approved entry %" PRIu64
			    " does not parse, removed from the queue",
			    c->picks[i].id);
			store_modq_remove(srv->store, c->picks[i].id);
		}
		free(c->picks[i].wire);
	}
	free(c);
}

void
modq_start(struct server *srv)
{
	struct timeval	tv = { MODQ_INTERVAL, 0 };

	if ((modq_ev = event_new(srv->base, -1, EV_PERSIST, modq_tick,
	    srv)) == NULL)
		fatalx("event_new");
	event_add(modq_ev, &tv);
}

void
modq_stop(void)
{
	if (modq_ev == NULL)
		return;
	event_free(modq_ev);
	modq_ev = NULL;
}
