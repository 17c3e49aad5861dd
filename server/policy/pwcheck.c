/* Password checks on their own threads: see pwcheck.h. */
#include <openssl/crypto.h>

#include <stdlib.h>

#include "log.h"
#include "pwcheck.h"
#include "util.h"
#include "worker.h"

TAILQ_HEAD(pwcheck_queue, pwcheck_job);

/* Where a job is; each state but RUNNING has its list. */
enum {
	JOB_QUEUED = 1,
	JOB_RUNNING,
	JOB_DONE
};

struct pwcheck {
	struct worker		*worker;
	/* Under the worker's lock: */
	struct pwcheck_queue	 queue;		/* submitted, not taken */
	struct pwcheck_queue	 done;		/* checked, not reported */
	struct pwcheck_counts	 counts;	/* submitted, not reported */
	unsigned		 max_pending;
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
pwcheck_report(void *arg)
{
	struct pwcheck		*pc = arg;
	struct pwcheck_job	*job;

	for (;;) {
		worker_lock(pc->worker);
		if ((job = TAILQ_FIRST(&pc->done)) != NULL) {
			TAILQ_REMOVE(&pc->done, job, entry);
			job->state = 0;
			pc->counts.checked--;
		}
		worker_unlock(pc->worker);
		if (job == NULL)
			break;
		job->done(job, job->arg);
	}
}

static void *
pwcheck_take(void *arg)
{
	struct pwcheck		*pc = arg;
	struct pwcheck_job	*job;

	if ((job = TAILQ_FIRST(&pc->queue)) == NULL)
		return (NULL);
	TAILQ_REMOVE(&pc->queue, job, entry);
	job->state = JOB_RUNNING;
	pc->counts.queued--;
	pc->counts.running++;
	return (job);
}

/* Off the lock: the job is this thread's until pwcheck_finish. */
static void
pwcheck_run(void *work, void *arg LOOM_UNUSED)
{
	struct pwcheck_job	*job = work;

	/* Too long to be anyone's password: only spend the time. */
	if (job->pwlen > sizeof(job->password)) {
		password_verify("", 0, NULL);
		job->result = 0;
	} else
		job->result = password_verify(job->password, job->pwlen,
		    job->stored[0] != '\0' ? job->stored : NULL);
	OPENSSL_cleanse(job->password, sizeof(job->password));
}

static int
pwcheck_finish(void *work, void *arg)
{
	struct pwcheck		*pc = arg;
	struct pwcheck_job	*job = work;

	pc->counts.running--;
	if (job->cancelled) {
		free(job);
		return (0);
	}
	job->state = JOB_DONE;
	pc->counts.checked++;
	TAILQ_INSERT_TAIL(&pc->done, job, entry);
	return (1);
}

/* Stop drops the queue: a login nobody waits for is not worth 0.1 s. */
static const struct worker_ops pwcheck_ops = {
	pwcheck_take, pwcheck_run, pwcheck_finish, pwcheck_report, 0
};

struct pwcheck *
pwcheck_start(struct event_base *base, unsigned nthreads, unsigned max_queued)
{
	struct pwcheck	*pc;

	pc = xcalloc(1, sizeof(*pc));
	nthreads = nthreads > 0 ? nthreads : 1;
	pc->max_pending = nthreads + max_queued;
	TAILQ_INIT(&pc->queue);
	TAILQ_INIT(&pc->done);
	pc->worker = worker_start(base, nthreads, &pwcheck_ops, pc);
	return (pc);
}

int
pwcheck_submit(struct pwcheck *pc, struct pwcheck_job *job)
{
	worker_lock(pc->worker);
	if (pc->counts.queued + pc->counts.running + pc->counts.checked >=
	    pc->max_pending) {
		worker_unlock(pc->worker);
		return (-1);
	}
	job->stored[sizeof(job->stored) - 1] = '\0';
	job->result = 0;
	job->cancelled = 0;
	job->state = JOB_QUEUED;
	TAILQ_INSERT_TAIL(&pc->queue, job, entry);
	pc->counts.queued++;
	worker_wake(pc->worker);
	worker_unlock(pc->worker);
	return (0);
}

void
pwcheck_cancel(struct pwcheck *pc, struct pwcheck_job *job)
{
	worker_lock(pc->worker);
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
		worker_unlock(pc->worker);
		return;
	default:
		fatalx("pwcheck: cancel of a job not submitted");
	}
	worker_unlock(pc->worker);
	job_free(job);
}

void
pwcheck_counts(struct pwcheck *pc, struct pwcheck_counts *out)
{
	worker_lock(pc->worker);
	*out = pc->counts;
	worker_unlock(pc->worker);
}

void
pwcheck_stop(struct pwcheck *pc)
{
	struct pwcheck_job	*job;

	/* The threads finish the jobs they hold, then are joined. */
	worker_stop(pc->worker);
	/* The threads are gone: no lock needed from here. */
	while ((job = TAILQ_FIRST(&pc->queue)) != NULL) {
		TAILQ_REMOVE(&pc->queue, job, entry);
		job_free(job);
	}
	while ((job = TAILQ_FIRST(&pc->done)) != NULL) {
		TAILQ_REMOVE(&pc->done, job, entry);
		job_free(job);
	}
	free(pc);
}
