/*
 * A pool of worker threads that hand their results back to the loop: the
 * skeleton the writer (commits) and pwcheck (password checks) share.
 *
 * The owner keeps its own queues and counts; the worker gives it one lock,
 * threads that sleep until there is work, and an event that runs the
 * owner's report callback on the loop thread.  A thread does, in turn:
 *
 *   lock; work = take(arg)        (NULL: sleep until worker_wake)
 *   unlock; run(work, arg)        (the slow part, no lock held)
 *   lock; finish(work, arg)       (1: schedule report on the loop)
 *
 * and report(arg) runs on the loop, where it takes the finished work under
 * worker_lock.  The base must be thread-safe (evthread_use_pthreads before
 * it was created).
 */
#ifndef LOOM_WORKER_H
#define LOOM_WORKER_H

struct event_base;
struct worker;

struct worker_ops {
	void	*(*take)(void *arg);		/* lock held; NULL: none */
	void	 (*run)(void *work, void *arg);	/* no lock held */
	int	 (*finish)(void *work, void *arg);	/* lock held */
	void	 (*report)(void *arg);		/* loop thread, no lock */
	/* On worker_stop, take what is queued first (1), or stop at once
	   and leave it to the owner (0). */
	int	   drain;
};

/* Start nthreads (at least 1) threads; fatal if they cannot start. */
struct worker	*worker_start(struct event_base *base, unsigned nthreads,
		    const struct worker_ops *ops, void *arg);

/* The lock over the owner's queues (loop thread or report callback). */
void		 worker_lock(struct worker *w);
void		 worker_unlock(struct worker *w);

/* New work was queued (called with the lock held): wake a thread. */
void		 worker_wake(struct worker *w);

/*
 * Stop the threads (after the queue is drained if ops->drain) and join
 * them, then free the worker.  report does not run from here: the owner
 * collects what finished afterwards.  Loop thread, not from report.
 */
void		 worker_stop(struct worker *w);

#endif /* LOOM_WORKER_H */
