/* The storage writer thread: batches of articles, one transaction each. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "worker.h"
#include "writer.h"

TAILQ_HEAD(writer_queue, writer_job);

struct writer {
	struct store		*store;
	unsigned		 batch_max;
	struct worker		*worker;	/* one thread */
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
};

/* Loop thread: hand each finished job to its submitter. */
static void
writer_complete(struct writer_queue *done)
{
	struct writer_job	*job;

	while ((job = TAILQ_FIRST(done)) != NULL) {
		TAILQ_REMOVE(done, job, entry);
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
	writer_complete(&done);
}

/* Take everything queued, up to the batch limit. */
static void *
writer_take(void *arg)
{
	struct writer		*w = arg;
	struct writer_job	*job;

	if (TAILQ_EMPTY(&w->queue))
		return (NULL);
	TAILQ_INIT(&w->batch);
	for (w->nbatch = 0; w->nbatch < w->batch_max &&
	    (job = TAILQ_FIRST(&w->queue)) != NULL; w->nbatch++) {
		TAILQ_REMOVE(&w->queue, job, entry);
		TAILQ_INSERT_TAIL(&w->batch, job, entry);
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

	if (n > w->cap) {
		w->cap = n;
		w->arts = xreallocarray(w->arts, w->cap, sizeof(*w->arts));
	}
	i = 0;
	TAILQ_FOREACH(job, &w->batch, entry)
		w->arts[i++] = job->art;
	rc = store_put_batch(w->store, w->arts, n);
	if (rc != STORE_OK)
		log_warnx("writer: batch of %zu not stored: %s (%s)", n,
		    store_strerror(rc), store_last_error());
	i = 0;
	TAILQ_FOREACH(job, &w->batch, entry) {
		job->art.status = w->arts[i++].status;
		job->batch_status = rc;
	}
}

static int
writer_finish(void *work LOOM_UNUSED, void *arg)
{
	struct writer	*w = arg;

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

struct writer *
writer_start(struct event_base *base, struct store *st, unsigned batch_max)
{
	struct writer	*w;

	w = xcalloc(1, sizeof(*w));
	w->store = st;
	w->batch_max = batch_max > 0 ? batch_max : 1;
	TAILQ_INIT(&w->queue);
	TAILQ_INIT(&w->done);
	TAILQ_INIT(&w->batch);
	w->worker = worker_start(base, 1, &writer_ops, w);
	return (w);
}

void
writer_submit(struct writer *w, struct writer_job *job)
{
	worker_lock(w->worker);
	TAILQ_INSERT_TAIL(&w->queue, job, entry);
	worker_wake(w->worker);
	worker_unlock(w->worker);
}

void
writer_stop(struct writer *w)
{
	/* Commits what is still queued, then joins the thread. */
	worker_stop(w->worker);
	w->worker = NULL;
	/* Completions the loop did not get to: run them now (the thread is
	   gone, the lock with it). */
	writer_complete(&w->done);
	log_info("writer: %llu articles in %llu batches",
	    (unsigned long long)w->articles, (unsigned long long)w->batches);
	writer_log_io(w->store);
	free(w->arts);
	free(w);
}
