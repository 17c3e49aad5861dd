/* Worker threads with completions on the loop: see worker.h. */
#include <event2/event.h>

#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"
#include "worker.h"

struct worker {
	struct worker_ops	 ops;
	void			*arg;
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	int			 stopping;
	struct event		*ev_report;	/* activated from the threads */
	pthread_t		*threads;
	unsigned		 nthreads;
};

static void
worker_report_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct worker	*w = arg;

	w->ops.report(w->arg);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	void		*work;
	int		 report;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		if (w->stopping && !w->ops.drain)
			break;
		if ((work = w->ops.take(w->arg)) == NULL) {
			if (w->stopping)
				break;
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		pthread_mutex_unlock(&w->lock);
		w->ops.run(work, w->arg);
		pthread_mutex_lock(&w->lock);
		report = w->ops.finish(work, w->arg);
		pthread_mutex_unlock(&w->lock);
		if (report)
			event_active(w->ev_report, 0, 0);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return (NULL);
}

struct worker *
worker_start(struct event_base *base, unsigned nthreads,
    const struct worker_ops *ops, void *arg)
{
	struct worker	*w;
	unsigned	 i;

	w = xcalloc(1, sizeof(*w));
	w->ops = *ops;
	w->arg = arg;
	w->nthreads = nthreads > 0 ? nthreads : 1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if ((w->ev_report = event_new(base, -1, 0, worker_report_cb, w)) ==
	    NULL)
		fatalx("worker: event_new failed");
	w->threads = xcalloc(w->nthreads, sizeof(*w->threads));
	for (i = 0; i < w->nthreads; i++)
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
			fatalx("worker: cannot start thread");
	return (w);
}

void
worker_lock(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
}

void
worker_unlock(struct worker *w)
{
	pthread_mutex_unlock(&w->lock);
}

void
worker_wake(struct worker *w)
{
	pthread_cond_signal(&w->wake);
}

void
worker_stop(struct worker *w)
{
	unsigned	i;

	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	event_free(w->ev_report);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}
