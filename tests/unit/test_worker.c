/* core/worker: threads take, run and finish work; the loop gets reports. */
#include <event2/event.h>
#include <event2/thread.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "worker.h"

#define NITEMS	200

struct owner {
	struct worker	*w;
	struct event_base *base;
	pthread_t	 loop_thread;
	int		 queue[NITEMS];		/* under the lock */
	size_t		 head, tail;
	int		 done[NITEMS];		/* under the lock */
	size_t		 ndone;
	int		 ran[NITEMS];		/* by the threads */
	int		 reported[NITEMS];	/* on the loop */
	size_t		 nreported;
	int		 off_loop;		/* every run was on a thread */
	int		 report_on_loop;
	pthread_mutex_t	 gate;			/* held: runs wait */
};

static void *
owner_take(void *arg)
{
	struct owner	*o = arg;

	if (o->head == o->tail)
		return (NULL);
	return (&o->queue[o->head++]);
}

static void
owner_run(void *work, void *arg)
{
	struct owner	*o = arg;
	int		*item = work;

	pthread_mutex_lock(&o->gate);
	pthread_mutex_unlock(&o->gate);
	if (pthread_equal(pthread_self(), o->loop_thread))
		o->off_loop = 0;
	o->ran[*item]++;
}

static int
owner_finish(void *work, void *arg)
{
	struct owner	*o = arg;

	o->done[o->ndone++] = *(int *)work;
	return (1);
}

static void
owner_report(void *arg)
{
	struct owner	*o = arg;
	int		 batch[NITEMS];
	size_t		 n, i;

	if (!pthread_equal(pthread_self(), o->loop_thread))
		o->report_on_loop = 0;
	worker_lock(o->w);
	n = o->ndone;
	for (i = 0; i < n; i++)
		batch[i] = o->done[i];
	o->ndone = 0;
	worker_unlock(o->w);
	for (i = 0; i < n; i++) {
		o->reported[batch[i]]++;
		o->nreported++;
	}
	if (o->nreported == NITEMS)
		event_base_loopbreak(o->base);
}

static void
owner_init(struct owner *o, int drain)
{
	struct worker_ops	ops = { owner_take, owner_run, owner_finish,
				    owner_report, drain };

	memset(o, 0, sizeof(*o));
	o->base = event_base_new();
	assert_non_null(o->base);
	o->loop_thread = pthread_self();
	o->off_loop = o->report_on_loop = 1;
	pthread_mutex_init(&o->gate, NULL);
	o->w = worker_start(o->base, 2, &ops, o);
}

static void
owner_submit(struct owner *o, int item)
{
	worker_lock(o->w);
	o->queue[o->tail++] = item;
	worker_wake(o->w);
	worker_unlock(o->w);
}

/* Every item runs once, off the loop, and is reported once, on it. */
static void
test_worker_runs_and_reports(void **state)
{
	struct owner	o;
	struct timeval	limit = { 20, 0 };
	int		i;

	owner_init(&o, 0);
	for (i = 0; i < NITEMS; i++)
		owner_submit(&o, i);
	event_base_loopexit(o.base, &limit);
	event_base_dispatch(o.base);
	worker_stop(o.w);
	assert_int_equal(o.nreported, NITEMS);
	for (i = 0; i < NITEMS; i++) {
		assert_int_equal(o.ran[i], 1);
		assert_int_equal(o.reported[i], 1);
	}
	assert_true(o.off_loop);
	assert_true(o.report_on_loop);
	event_base_free(o.base);
	pthread_mutex_destroy(&o.gate);
}

/* drain: stop takes everything queued first; no report runs from it. */
static void
test_worker_stop_drains(void **state)
{
	struct owner	o;
	int		i;

	owner_init(&o, 1);
	pthread_mutex_lock(&o.gate);
	for (i = 0; i < NITEMS; i++)
		owner_submit(&o, i);
	pthread_mutex_unlock(&o.gate);
	worker_stop(o.w);
	assert_int_equal(o.head, NITEMS);
	assert_int_equal(o.ndone, NITEMS);
	assert_int_equal(o.nreported, 0);
	for (i = 0; i < NITEMS; i++)
		assert_int_equal(o.ran[i], 1);
	event_base_free(o.base);
	pthread_mutex_destroy(&o.gate);
}

static void *
open_gate(void *arg)
{
	struct owner	*o = arg;

	usleep(100 * 1000);
	pthread_mutex_unlock(&o->gate);
	return (NULL);
}

/* No drain: stop lets the threads finish what they hold, no more. */
static void
test_worker_stop_leaves_the_queue(void **state)
{
	struct owner	o;
	int		i;

	pthread_t	opener;

	owner_init(&o, 0);
	pthread_mutex_lock(&o.gate);
	for (i = 0; i < NITEMS; i++)
		owner_submit(&o, i);
	/* Each thread holds at most one item, stuck at the gate until
	   after the stop began. */
	assert_int_equal(pthread_create(&opener, NULL, open_gate, &o), 0);
	worker_stop(o.w);
	pthread_join(opener, NULL);
	assert_true(o.head <= 2);
	assert_int_equal(o.ndone, o.head);
	assert_int_equal(o.nreported, 0);
	event_base_free(o.base);
	pthread_mutex_destroy(&o.gate);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worker_runs_and_reports),
		cmocka_unit_test(test_worker_stop_drains),
		cmocka_unit_test(test_worker_stop_leaves_the_queue),
	};

	if (evthread_use_pthreads() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
