/* The storage writer thread: batches of articles, one transaction each. */
#include <event2/event.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"
#include "worker.h"
#include "writer.h"

TAILQ_HEAD(writer_queue, writer_job);

/*
 * The handoff's timing, kept when the store counts its io (io_stats):
 * per article, submit to take (queued, and the thread's wakeup), commit
 * done to completion on the loop (the loop's wakeup), submit to
 * completion; per batch, the store_put_batch.  Medians logged at exit.
 */
enum { WT_WAIT, WT_BACK, WT_TOTAL, WT_PUT, WT_COUNT };
#define WT_SAMPLES	(1 << 18)

struct writer_timing {
	uint64_t	*v[WT_COUNT];
	size_t		 n[WT_COUNT];
};

struct writer {
	struct store		*store;
	unsigned		 batch_max;
	struct worker		*worker;	/* one thread */
	struct event		*ev_kick;	/* wakes it, loop thread */
	int			 kick_pending;
	/* Under the worker's lock: */
	struct writer_queue	 queue;		/* submitted, not taken */
	struct writer_queue	 done;		/* committed, not reported */
	uint64_t		 batches;
	uint64_t		 articles;
	/* The writer thread's own: */
	struct writer_queue	 batch;		/* being committed */
	size_t			 nbatch;
	struct store_article	*arts;
	size_t			 cap;
	struct writer_timing	*timing;	/* NULL: off */
};

static uint64_t
writer_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

/* Keep one sample (the kind's own thread only: no lock). */
static void
writer_sample(struct writer *w, int kind, uint64_t from, uint64_t to)
{
	struct writer_timing	*t = w->timing;

	if (t == NULL || to < from || t->n[kind] >= WT_SAMPLES)
		return;
	t->v[kind][t->n[kind]++] = to - from;
}

/* Loop thread: hand each finished job to its submitter. */
static void
writer_complete(struct writer *w, struct writer_queue *done)
{
	struct writer_job	*job;
	uint64_t		 now = 0;

	if (w->timing != NULL)
		now = writer_now();
	while ((job = TAILQ_FIRST(done)) != NULL) {
		TAILQ_REMOVE(done, job, entry);
		writer_sample(w, WT_BACK, job->t_done, now);
		writer_sample(w, WT_TOTAL, job->t_submit, now);
		job->done(job, job->arg);
	}
}

static void
writer_report(void *arg)
{
	struct writer		*w = arg;
	struct writer_queue	 done;

	TAILQ_INIT(&done);
	worker_lock(w->worker);
	TAILQ_CONCAT(&done, &w->done, entry);
	worker_unlock(w->worker);
	writer_complete(w, &done);
}

/* Take everything queued, up to the batch limit. */
static void *
writer_take(void *arg)
{
	struct writer		*w = arg;
	struct writer_job	*job;
	uint64_t		 now;

	if (TAILQ_EMPTY(&w->queue))
		return (NULL);
	TAILQ_INIT(&w->batch);
	now = w->timing != NULL ? writer_now() : 0;
	for (w->nbatch = 0; w->nbatch < w->batch_max &&
	    (job = TAILQ_FIRST(&w->queue)) != NULL; w->nbatch++) {
		TAILQ_REMOVE(&w->queue, job, entry);
		TAILQ_INSERT_TAIL(&w->batch, job, entry);
		writer_sample(w, WT_WAIT, job->t_submit, now);
	}
	return (&w->batch);
}

/* One transaction, one sync for the whole batch. */
static void
writer_run(void *work LOOM_UNUSED, void *arg)
{
	struct writer		*w = arg;
	struct writer_job	*job;
	size_t			 n = w->nbatch, i;
	enum store_status	 rc;
	uint64_t		 t0;

	if (n > w->cap) {
		w->cap = n;
		w->arts = xreallocarray(w->arts, w->cap, sizeof(*w->arts));
	}
	i = 0;
	TAILQ_FOREACH(job, &w->batch, entry)
		w->arts[i++] = job->art;
	t0 = w->timing != NULL ? writer_now() : 0;
	rc = store_put_batch(w->store, w->arts, n);
	if (w->timing != NULL)
		writer_sample(w, WT_PUT, t0, writer_now());
	if (rc != STORE_OK)
		log_warnx("writer: batch of %zu not stored: %s (%s)", n,
		    store_strerror(rc), store_last_error());
	i = 0;
	TAILQ_FOREACH(job, &w->batch, entry) {
		job->art.status = w->arts[i].status;
		job->art.withdrawn = w->arts[i].withdrawn;
		job->art.queue_id = w->arts[i++].queue_id;
		job->batch_status = rc;
	}
}

static int
writer_finish(void *work LOOM_UNUSED, void *arg)
{
	struct writer		*w = arg;
	struct writer_job	*job;
	uint64_t		 now;

	if (w->timing != NULL) {
		now = writer_now();
		TAILQ_FOREACH(job, &w->batch, entry)
			job->t_done = now;
	}
	TAILQ_CONCAT(&w->done, &w->batch, entry);
	w->batches++;
	w->articles += w->nbatch;
	return (1);
}

static const struct worker_ops writer_ops = {
	writer_take, writer_run, writer_finish, writer_report, 1
};

static void
writer_log_db(const char *name, uint64_t entries, unsigned depth,
    uint64_t branch, uint64_t leaf, uint64_t overflow, void *arg)
{
	uint64_t	*total = arg;

	*total += branch + leaf + overflow;
	log_info("store: db %s: %llu entries, depth %u, pages: %llu branch, "
	    "%llu leaf, %llu overflow", name, (unsigned long long)entries,
	    depth, (unsigned long long)branch, (unsigned long long)leaf,
	    (unsigned long long)overflow);
}

/* With io_stats on (LOOM_STORE_IOSTATS=1): what the commits wrote, and
   where the store's pages are (tests/bench/store-pages.sh reads these). */
static void
writer_log_io(struct store *st)
{
	struct store_io_stats	 io;
	struct store_stats	 ss;
	uint64_t		 total = 0;

	store_io_stats_get(st, &io);
	if (io.page_size == 0)
		return;
	log_info("store: io: %llu commits, %llu pages, %llu octets; "
	    "%llu batches of %llu articles wrote %llu pages "
	    "(%.2f per article, %.2f per batch; +1 meta page per commit)",
	    (unsigned long long)io.commits, (unsigned long long)io.pages,
	    (unsigned long long)io.bytes, (unsigned long long)io.batches,
	    (unsigned long long)io.articles,
	    (unsigned long long)io.batch_pages,
	    io.articles ? (double)io.batch_pages / io.articles : 0.0,
	    io.batches ? (double)io.batch_pages / io.batches : 0.0);
	if (store_db_stats(st, writer_log_db, &total) == STORE_OK &&
	    store_stats_get(st, &ss) == STORE_OK)
		log_info("store: size: %llu octets used, %llu pages in "
		    "databases (%llu free or meta), %llu articles, "
		    "%.0f octets per article", (unsigned long long)ss.used,
		    (unsigned long long)total,
		    (unsigned long long)(ss.used / io.page_size - total),
		    (unsigned long long)ss.articles,
		    ss.articles ? (double)ss.used / ss.articles : 0.0);
}

/*
 * Wake the thread once per turn of the loop, after the callbacks already
 * due in it: the articles of every connection whose data arrived together
 * go into one batch (one commit, one sync) instead of the first one
 * alone.  A lone article waits only for the rest of its turn.
 */
static void
writer_kick_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct writer	*w = arg;

	w->kick_pending = 0;
	worker_lock(w->worker);
	worker_wake(w->worker);
	worker_unlock(w->worker);
}

static int
writer_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static void
writer_log_timing(struct writer_timing *t)
{
	static const char	*names[WT_COUNT] = { "submit to take",
	    "commit to completion", "submit to completion",
	    "store_put_batch" };
	int			 i;
	size_t			 n;

	for (i = 0; i < WT_COUNT; i++) {
		if ((n = t->n[i]) == 0)
			continue;
		qsort(t->v[i], n, sizeof(uint64_t), writer_cmp);
		log_info("writer: timing: %s: p50 %.1f us, p90 %.1f us, "
		    "p99 %.1f us (%zu samples)", names[i],
		    t->v[i][n / 2] / 1e3, t->v[i][n * 9 / 10] / 1e3,
		    t->v[i][n * 99 / 100] / 1e3, n);
	}
}

struct writer *
writer_start(struct event_base *base, struct store *st, unsigned batch_max)
{
	struct writer		*w;
	struct store_io_stats	 io;
	int			 i;

	w = xcalloc(1, sizeof(*w));
	w->store = st;
	w->batch_max = batch_max > 0 ? batch_max : 1;
	TAILQ_INIT(&w->queue);
	TAILQ_INIT(&w->done);
	TAILQ_INIT(&w->batch);
	store_io_stats_get(st, &io);
	if (io.page_size != 0) {
		w->timing = xcalloc(1, sizeof(*w->timing));
		for (i = 0; i < WT_COUNT; i++)
			w->timing->v[i] = xcalloc(WT_SAMPLES, sizeof(uint64_t));
	}
	if ((w->ev_kick = event_new(base, -1, 0, writer_kick_cb, w)) == NULL)
		fatalx("writer: event_new failed");
	w->worker = worker_start(base, 1, &writer_ops, w);
	return (w);
}

void
writer_submit(struct writer *w, struct writer_job *job)
{
	if (w->timing != NULL)
		job->t_submit = writer_now();
	worker_lock(w->worker);
	TAILQ_INSERT_TAIL(&w->queue, job, entry);
	worker_unlock(w->worker);
	if (!w->kick_pending) {
		w->kick_pending = 1;
		event_active(w->ev_kick, 0, 0);
	}
}

void
writer_stop(struct writer *w)
{
	int	i;

	/* Commits what is still queued, then joins the thread. */
	worker_stop(w->worker);
	w->worker = NULL;
	event_free(w->ev_kick);
	/* Completions the loop did not get to: run them now (the thread is
	   gone, the lock with it). */
	writer_complete(w, &w->done);
	log_info("writer: %llu articles in %llu batches",
	    (unsigned long long)w->articles, (unsigned long long)w->batches);
	writer_log_io(w->store);
	if (w->timing != NULL) {
		writer_log_timing(w->timing);
		for (i = 0; i < WT_COUNT; i++)
			free(w->timing->v[i]);
		free(w->timing);
	}
	free(w->arts);
	free(w);
}
