/*
 * Group commit.  Sessions hand articles to the writer thread; it takes
 * everything queued (up to batch_max), stores it with one store_put_batch
 * (one write transaction, one sync) and hands each job back to the loop
 * thread, which only then acknowledges (240/235/239): nothing is
 * acknowledged before its commit returned.
 */
#ifndef LOOM_WRITER_H
#define LOOM_WRITER_H

#include <sys/queue.h>

#include "store.h"

struct event_base;
struct writer;

struct writer_job {
	struct store_article	 art;		/* in: filled by the submitter */
	enum store_status	 batch_status;	/* out: the transaction's */
	/*
	 * Called in the loop thread once the batch is committed (or failed),
	 * always, also when whoever submitted the job has gone (cancelling
	 * is the submitter's business: an article's intake forgets its
	 * session).  The callback owns the job from then on.
	 */
	void			(*done)(struct writer_job *, void *);
	void			 *arg;
	TAILQ_ENTRY(writer_job)	  entry;
	uint64_t		  t_submit;	/* timing (io_stats on) */
	uint64_t		  t_done;
};

/* Start the thread; its completions run as events on base. */
struct writer	*writer_start(struct event_base *base, struct store *st,
		    unsigned batch_max);

/* Queue a job (loop thread).  The writer owns it until done() runs.  The
   thread is woken after the loop's current callbacks (once for all the
   jobs they submit). */
void		 writer_submit(struct writer *w, struct writer_job *job);

/*
 * Commit everything still queued, run the completions, stop and join the
 * thread, free the writer.  Call from the loop thread, with the loop
 * stopped.
 */
void		 writer_stop(struct writer *w);

#endif /* LOOM_WRITER_H */
