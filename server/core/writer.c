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
	free(w->arts);
	free(w);
}
