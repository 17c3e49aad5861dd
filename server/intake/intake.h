/*
 * An article in flight: one object for every way an article arrives
 * (POST, IHAVE, TAKETHIS; later a web form or an import), in the spirit of
 * OpenSMTPD's smtp_tx.  It owns the parser the received lines go to, the
 * parse and the checks every article shares, the store record, the
 * hand-off to the writer thread and the way back to the loop.  A handler
 * keeps only what differs, in its struct intake_ops: its own checks and
 * the article it makes to store (POST injects, transit prepends Path),
 * its reply codes and its log lines.
 *
 * The life of one:
 *
 *	in = intake_new(s, &ops, ctx);
 *	intake_receive(in, s);		lines until "." go to the parser
 *	    ops->end(in, s, too_long)	parse and check (intake_parse,
 *					intake_validate, intake_thread),
 *					its own checks; make the article
 *					to store (intake_replace)
 *	    -> INTAKE_SUBMIT		the writer commits it (intake_submit)
 *	    -> INTAKE_LATER		the handler waits for something
 *					(POST's filter program), then calls
 *					intake_submit() or intake_refused()
 *	    -> INTAKE_REFUSED		the handler replied; freed
 *	ops->done(in, s, status)	on the loop, after the commit: reply
 *
 * Durability: ops->done runs only once store_put_batch has returned, so
 * nothing is acknowledged before its transaction has committed.
 *
 * Cancelling is one mechanism: the intake holds its session, and the
 * session, closing, calls the cancel it was given (session_wait or
 * session_pending_add), which makes the intake forget it.  An intake
 * still waiting for its handler (the filter program) is aborted
 * (ops->abort) and freed; one with the writer is committed all the same
 * and ops->done runs with s NULL (log it, reply to nobody).
 */
#ifndef LOOM_INTAKE_H
#define LOOM_INTAKE_H

#include <stdint.h>
#include <time.h>

#include "article.h"
#include "ctlmsg.h"
#include "server.h"
#include "session.h"
#include "writer.h"

struct intake;

/* How a received article is checked (proto/'s validators). */
enum intake_kind {
	INTAKE_POST,		/* article_validate_post: a proto-article */
	INTAKE_TRANSIT		/* article_validate_transit: from a peer */
};

/* What ops->end decided. */
enum intake_next {
	INTAKE_SUBMIT,		/* in->article is ready: commit it */
	INTAKE_LATER,		/* the handler finishes it later */
	INTAKE_REFUSED		/* replied with a refusal: free it */
};

/* What differs between the ways an article arrives. */
struct intake_ops {
	enum intake_kind	  kind;
	/* The reply waits in its own slot (TAKETHIS: the session reads on
	   meanwhile), instead of parking the session (POST, IHAVE). */
	int			  streaming;
	/* The article was read to its "." (too_long: past the limit, the
	   rest dropped).  Replies itself unless it returns INTAKE_SUBMIT
	   or INTAKE_LATER. */
	enum intake_next	(*end)(struct intake *in, struct session *s,
				    int too_long);
	/* After the commit (st: the batch's status if it failed, else the
	   article's), on the loop thread.  s is NULL when the client left:
	   log only.  In streaming mode replies with reply_pending() into
	   in->pend; otherwise with reply(). */
	void			(*done)(struct intake *in, struct session *s,
				    enum store_status st);
	/* The client left while the handler waited (INTAKE_LATER): stop
	   what it started.  NULL if it never waits. */
	void			(*abort)(struct intake *in);
	/* Release ctx (NULL: nothing to release). */
	void			(*free)(struct intake *in);
};

struct intake {
	struct writer_job	 job;		/* handed to the writer */
	const struct intake_ops	*ops;
	void			*ctx;		/* the handler's own */
	struct server		*srv;
	struct session		*s;		/* NULL once the client left */
	struct session_pending	*pend;		/* streaming: the reply slot */
	uint64_t		 session_id;	/* for log lines, s or not */
	int			 submitted;	/* the writer has it */
	struct article_parser	*parser;	/* until intake_parse */
	struct article		*article;	/* parsed, then the one to store */
	struct article_thread	 thread;	/* of the article to store */
	time_t			 posted;	/* its Date, as validated; 0:
						   none (intake_validate) */
	/* Queue it for moderation instead of storing it (store.h's
	   moderation queue; no feeds), posted by `submitter`. */
	int			 moderate;
	char			 submitter[STORE_USER_MAX + 1];
	/* What it withdraws (intake/withdraw.h decided; NULL: nothing),
	   as store.h's store_article has it; owned. */
	char			*withdraw;
	int			 withdraw_supersede;
	char			*withdraw_keys;
	/* A control message (intake/ctlact.h): its verb; filed in
	   ctl_group instead of its Newsgroups, which still choose the
	   peers it is fed to. */
	enum ctlmsg_verb	 ctl;
	const char		*ctl_group[1];
	const char		**newsgroups;
	size_t			 nnewsgroups;
	/* Its Cancel-Lock's c-locks (withdraw_locks; NULL: none), which
	   the store checks against a cancel kept for it; owned. */
	char			*locks;
	/* The kept cancel that refused it, if one did (the store fills it) */
	char			 cancelled_by[STORE_MSGID_MAX + 1];
	uint32_t		*numbers;
	/* Last, and not zeroed by intake_new: feeder_select fills what
	   is used (2 KiB to clear per article for nothing). */
	const char		*feeds[SERVER_FEEDS_MAX];
	char			 feed_names[SERVER_FEEDS_MAX]
				    [STORE_PEER_MAX + 1];
};

/* A new intake for an article s is about to send (parser limits from the
   configuration).  ctx belongs to the handler; ops->free releases it. */
struct intake	*intake_new(struct session *s, const struct intake_ops *ops,
		    void *ctx);

/* Receive the article: the session reads its lines into the parser and
   calls ops->end at the ".".  The caller returns CMD_ASYNC. */
void		 intake_receive(struct intake *in, struct session *s);

/* Finish the parse: 0 and in->article, or -1 and the parser's reason. */
int		 intake_parse(struct intake *in, char *reason, size_t len);

/* Check the parsed article as ops->kind says (proto/'s validator), with
   the configured date limits at `now`: 0 and in->posted, or -1 and a
   reason. */
int		 intake_validate(struct intake *in, time_t now, char *reason,
		    size_t len);

/* Extract in->thread (links, groups, overview) from in->article, once.
   0, or -1 when out of memory. */
int		 intake_thread(struct intake *in);

/* Replace in->article by a (its injected or Path-prepended copy); the old
   one is freed.  in->thread, extracted before, stays valid. */
void		 intake_replace(struct intake *in, struct article *a);

/*
 * Hand in->article and in->thread to the writer (ops->done follows the
 * commit), arrival time `now`.  Parks the session, or gives the reply its
 * slot when streaming.  Returns what ops->end's caller returns for it.
 */
enum cmd_result	 intake_submit(struct intake *in, struct session *s,
		    time_t now);

/*
 * An intake with no client (the moderation queue's approved articles):
 * the article is set with intake_set_wire(), handed to the writer with
 * intake_submit_detached(), and ops->done runs with s NULL.
 */
struct intake	*intake_new_detached(struct server *srv,
		    const struct intake_ops *ops, void *ctx);
void		 intake_submit_detached(struct intake *in, time_t now);

/*
 * Parse `wire` (an article as stored: dot-stuffed, CRLF, no ".") into a
 * new article with the header field line `field` ("Name: value", no CRLF;
 * NULL: none) added at the end of its header.  NULL if it does not parse.
 */
struct article	*intake_article_with(const char *wire, size_t len,
		    const char *field);

/* The handler waited (INTAKE_LATER) and has replied with a refusal: free
   in and read the next command. */
void		 intake_refused(struct intake *in);

/* Free an intake that has not reached the writer (NULL is fine). */
void		 intake_free(struct intake *in);

/*
 * The [filter] built-in rules (max_crosspost, max_followup, reject_header)
 * on an article: 0 passes, 1 refused with a reason, -1 out of memory.
 */
int		 intake_filter_rules(const struct config *cfg,
		    const struct article *a, char *reason, size_t len);

#endif /* LOOM_INTAKE_H */
