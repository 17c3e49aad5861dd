/*
 * Password checks off the loop thread.  A check takes scrypt's tenth of a
 * second; on the loop it would stall every connection, so sessions hand
 * jobs to a few threads and get the result back on the loop, as the
 * writer does with commits.
 *
 * Ownership.  The submitter allocates a job with malloc or calloc and
 * fills stored, password, pwlen, done and arg.  From a successful
 * pwcheck_submit on, pwcheck owns it, until either
 *   - done(job, arg) runs on the loop thread: the callback owns the job
 *     (and frees it) from then on; or
 *   - the submitter calls pwcheck_cancel(job), which it may do any time
 *     before done ran: pwcheck frees the job and never calls done; or
 *   - pwcheck_stop: every job not yet reported is freed, done never runs.
 * The password is wiped (OPENSSL_cleanse) once checked and before any free
 * by pwcheck; a callback that frees the job need not wipe it again.
 */
#ifndef LOOM_PWCHECK_H
#define LOOM_PWCHECK_H

#include <sys/queue.h>

#include <stddef.h>

#include "password.h"
#include "store.h"

struct event_base;
struct pwcheck;

struct pwcheck_job {
	char		 stored[STORE_HASH_MAX + 1];	/* "": no such user */
	char		 password[PASSWORD_MAX + 1];
	size_t		 pwlen;		/* longer than password[]: no match */
	int		 result;	/* out: 1 match, 0 no, -1 bad hash */
	void		(*done)(struct pwcheck_job *, void *arg);
	void		*arg;

	/* Private to pwcheck. */
	int		 state;
	int		 cancelled;
	TAILQ_ENTRY(pwcheck_job) entry;
};

/*
 * Start nthreads (at least 1) checking threads; completions run as events
 * on base, which must be made thread-safe (evthread_use_pthreads) before it
 * was created.  At most nthreads + max_queued jobs are in pwcheck's hands
 * at once (submitted, not yet reported or cancelled).
 */
struct pwcheck	*pwcheck_start(struct event_base *base, unsigned nthreads,
		    unsigned max_queued);

/*
 * Queue a job (loop thread).  0: pwcheck owns it; -1: too many jobs
 * pending, the caller keeps it (answer "try again later").
 */
int		 pwcheck_submit(struct pwcheck *pc, struct pwcheck_job *job);

/* The submitter went away (loop thread, before done ran): see above. */
void		 pwcheck_cancel(struct pwcheck *pc, struct pwcheck_job *job);

struct pwcheck_counts {
	unsigned	 queued;	/* waiting for a thread */
	unsigned	 running;	/* being checked */
	unsigned	 checked;	/* done not called yet */
};

/* A snapshot, for logs and tests: the counts change as threads work. */
void		 pwcheck_counts(struct pwcheck *pc, struct pwcheck_counts *out);

/*
 * Drop the queued jobs, let the threads finish the jobs they hold, join
 * them and free every job not reported, then pwcheck itself.  No done
 * callback runs from here.  Call from the loop thread, not from a done
 * callback.
 */
void		 pwcheck_stop(struct pwcheck *pc);

#endif /* LOOM_PWCHECK_H */
