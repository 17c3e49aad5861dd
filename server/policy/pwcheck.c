/* Password checks on their own threads: see pwcheck.h. */
#include <event2/event.h>

#include <openssl/crypto.h>

#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "pwcheck.h"
#include "util.h"

TAILQ_HEAD(pwcheck_queue, pwcheck_job);

/* Where a job is; each state but RUNNING has its list. */
enum {
	JOB_QUEUED = 1,
	JOB_RUNNING,
	JOB_DONE
};

struct pwcheck {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	struct pwcheck_queue	 queue;		/* submitted, not taken */
	struct pwcheck_queue	 done;		/* checked, not reported */
	struct pwcheck_counts	 counts;	/* submitted, not reported */
	unsigned		 max_pending;
	int			 stopping;
	struct event		*ev_done;	/* activated from the threads */
	pthread_t		*threads;
	unsigned		 nthreads;
};

static void
job_free(struct pwcheck_job *job)
{
	OPENSSL_cleanse(job->password, sizeof(job->password));
	free(job);
}

/*
 * Loop thread: report finished jobs.  One at a time, taken under the lock,
 * so that a callback may cancel another job still on the done list.
 */
static void
pwcheck_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pwcheck		*pc = arg;
	struct pwcheck_job	*job;

	for (;;) {
		pthread_mutex_lock(&pc->lock);
		if ((job = TAILQ_FIRST(&pc->done)) != NULL) {
			TAILQ_REMOVE(&pc->done, job, entry);
			job->state = 0;
			pc->counts.checked--;
		}
		pthread_mutex_unlock(&pc->lock);
		if (job == NULL)
			break;
		job->done(job, job->arg);
	}
}

static void *
pwcheck_main(void *arg)
{
	struct pwcheck		*pc = arg;
	struct pwcheck_job	*job;
	int			 result;

	for (;;) {
		pthread_mutex_lock(&pc->lock);
		while (TAILQ_EMPTY(&pc->queue) && !pc->stopping)
			pthread_cond_wait(&pc->wake, &pc->lock);
		if (pc->stopping) {
			pthread_mutex_unlock(&pc->lock);
			break;
		}
		job = TAILQ_FIRST(&pc->queue);
		TAILQ_REMOVE(&pc->queue, job, entry);
		job->state = JOB_RUNNING;
		pc->counts.queued--;
		pc->counts.running++;
		pthread_mutex_unlock(&pc->lock);

		/* Too long to be anyone's password: only spend the time. */
		if (job->pwlen > sizeof(job->password)) {
			password_verify("", 0, NULL);
			result = 0;
		} else
			result = password_verify(job->password, job->pwlen,
			    job->stored[0] != '\0' ? job->stored : NULL);
		OPENSSL_cleanse(job->password, sizeof(job->password));

		pthread_mutex_lock(&pc->lock);
		job->result = result;
		pc->counts.running--;
		if (job->cancelled) {
			pthread_mutex_unlock(&pc->lock);
			free(job);
			continue;
		}
		job->state = JOB_DONE;
		pc->counts.checked++;
		TAILQ_INSERT_TAIL(&pc->done, job, entry);
		pthread_mutex_unlock(&pc->lock);
		event_active(pc->ev_done, 0, 0);
	}
	return (NULL);
}

struct pwcheck *
pwcheck_start(struct event_base *base, unsigned nthreads, unsigned max_queued)
{
	struct pwcheck	*pc;
	unsigned	 i;

	pc = xcalloc(1, sizeof(*pc));
	pc->nthreads = nthreads > 0 ? nthreads : 1;
	pc->max_pending = pc->nthreads + max_queued;
	TAILQ_INIT(&pc->queue);
	TAILQ_INIT(&pc->done);
	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->wake, NULL);
	if ((pc->ev_done = event_new(base, -1, 0, pwcheck_done_cb, pc)) ==
	    NULL)
		fatalx("pwcheck: event_new failed");
	pc->threads = xcalloc(pc->nthreads, sizeof(*pc->threads));
	for (i = 0; i < pc->nthreads; i++)
		if (pthread_create(&pc->threads[i], NULL, pwcheck_main, pc) !=
		    0)
			fatalx("pwcheck: cannot start thread");
	return (pc);
}

int
pwcheck_submit(struct pwcheck *pc, struct pwcheck_job *job)
{
	pthread_mutex_lock(&pc->lock);
	if (pc->counts.queued + pc->counts.running + pc->counts.checked >=
	    pc->max_pending) {
		pthread_mutex_unlock(&pc->lock);
		return (-1);
	}
	job->stored[sizeof(job->stored) - 1] = '\0';
	job->result = 0;
	job->cancelled = 0;
	job->state = JOB_QUEUED;
	TAILQ_INSERT_TAIL(&pc->queue, job, entry);
	pc->counts.queued++;
	pthread_cond_signal(&pc->wake);
	pthread_mutex_unlock(&pc->lock);
	return (0);
}

void
pwcheck_cancel(struct pwcheck *pc, struct pwcheck_job *job)
{
	pthread_mutex_lock(&pc->lock);
	switch (job->state) {
	case JOB_QUEUED:
		TAILQ_REMOVE(&pc->queue, job, entry);
		pc->counts.queued--;
		break;
	case JOB_DONE:
		TAILQ_REMOVE(&pc->done, job, entry);
		pc->counts.checked--;
		break;
	case JOB_RUNNING:
		/* Its thread frees it when the check returns. */
		job->cancelled = 1;
		pthread_mutex_unlock(&pc->lock);
		return;
	default:
		fatalx("pwcheck: cancel of a job not submitted");
	}
	pthread_mutex_unlock(&pc->lock);
	job_free(job);
}

void
pwcheck_counts(struct pwcheck *pc, struct pwcheck_counts *out)
{
	pthread_mutex_lock(&pc->lock);
	*out = pc->counts;
	pthread_mutex_unlock(&pc->lock);
}

void
pwcheck_stop(struct pwcheck *pc)
{
	struct pwcheck_job	*job;
	unsigned		 i;

	pthread_mutex_lock(&pc->lock);
	pc->stopping = 1;
	pthread_cond_broadcast(&pc->wake);
	pthread_mutex_unlock(&pc->lock);
	for (i = 0; i < pc->nthreads; i++)
		pthread_join(pc->threads[i], NULL);
	/* The threads are gone: no lock needed from here. */
	while ((job = TAILQ_FIRST(&pc->queue)) != NULL) {
		TAILQ_REMOVE(&pc->queue, job, entry);
		job_free(job);
	}
	while ((job = TAILQ_FIRST(&pc->done)) != NULL) {
		TAILQ_REMOVE(&pc->done, job, entry);
		job_free(job);
	}
	event_free(pc->ev_done);
	pthread_cond_destroy(&pc->wake);
	pthread_mutex_destroy(&pc->lock);
	free(pc->threads);
	free(pc);
}
