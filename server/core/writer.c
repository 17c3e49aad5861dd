/* The storage writer thread: batches of articles, one transaction each. */
#include <event2/event.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "writer.h"

TAILQ_HEAD(writer_queue, writer_job);

struct writer {
	struct store		*store;
	unsigned		 batch_max;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	struct writer_queue	 queue;		/* submitted, not taken */
	struct writer_queue	 done;		/* committed, not reported */
	int			 stopping;
	struct event		*ev_done;	/* activated from the thread */
	uint64_t		 batches;
	uint64_t		 articles;
};

/* Loop thread: report every finished job to its submitter. */
static void
writer_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer		*w = arg;
	struct writer_queue	 done;
	struct writer_job	*job;

	TAILQ_INIT(&done);
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&done, &w->done, entry);
	pthread_mutex_unlock(&w->lock);
	while ((job = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, job, entry);
		if (job->done != NULL)
			job->done(job, job->arg);
		else
			job->free_job(job);
	}
}

static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct writer_queue	 batch;
	struct writer_job	*job;
	struct store_article	*arts = NULL;
	size_t			 n, cap = 0, i;
	enum store_status	 rc;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (TAILQ_EMPTY(&w->queue) && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (TAILQ_EMPTY(&w->queue) && w->stopping) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		/* Take everything queued, up to the batch limit. */
		TAILQ_INIT(&batch);
		for (n = 0; n < w->batch_max &&
		    (job = TAILQ_FIRST(&w->queue)) != NULL; n++) {
			TAILQ_REMOVE(&w->queue, job, entry);
			TAILQ_INSERT_TAIL(&batch, job, entry);
		}
		pthread_mutex_unlock(&w->lock);

		if (n > cap) {
			cap = n;
			arts = xreallocarray(arts, cap, sizeof(*arts));
		}
		i = 0;
		TAILQ_FOREACH(job, &batch, entry)
			arts[i++] = job->art;
		rc = store_put_batch(w->store, arts, n);
		if (rc != STORE_OK)
			log_warnx("writer: batch of %zu not stored: %s (%s)", n,
			    store_strerror(rc), store_last_error());
		i = 0;
		TAILQ_FOREACH(job, &batch, entry) {
			job->art.status = arts[i++].status;
			job->batch_status = rc;
		}

		pthread_mutex_lock(&w->lock);
		TAILQ_CONCAT(&w->done, &batch, entry);
		w->batches++;
		w->articles += n;
		pthread_mutex_unlock(&w->lock);
		event_active(w->ev_done, 0, 0);
	}
	free(arts);
	return (NULL);
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
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if ((w->ev_done = event_new(base, -1, 0, writer_done_cb, w)) == NULL)
		fatalx("writer: event_new failed");
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		fatalx("writer: cannot start thread");
	return (w);
}

void
writer_submit(struct writer *w, struct writer_job *job)
{
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->queue, job, entry);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void
writer_stop(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* Completions the loop did not get to: run them now. */
	writer_done_cb(-1, 0, w);
	log_info("writer: %llu articles in %llu batches",
	    (unsigned long long)w->articles, (unsigned long long)w->batches);
	event_free(w->ev_done);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
