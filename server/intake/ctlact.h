/*
 * Control messages in the running server (docs/admin.md, "Group control
 * messages"): where a control article is filed, whether a reader may POST
 * one, and acting on newgroup, rmgroup and checkgroups once the article
 * has been committed, as the [control] rules say (proto/ctlmsg.h), with
 * gpgv checking a pgpverify signature when a rule asks for one.
 *
 * WHAT a cancel does is not here (the cancel code's); only where it is
 * filed.
 */
#ifndef LOOM_CTLACT_H
#define LOOM_CTLACT_H

#include <stddef.h>

#include "ctlmsg.h"

struct article;
struct intake;
struct server;
struct session;

/*
 * After intake_thread(): if the article is a control message, note its
 * verb in the intake and file it in its control.* pseudo-group (control.
 * VERB if that exists, else control) instead of its Newsgroups, creating
 * the pseudo-groups first if they are missing and [control] pseudo_groups
 * is on; without them it keeps its Newsgroups.
 */
void	ctlact_file(struct intake *in);

/*
 * POST of a control message: newgroup, rmgroup and checkgroups only from
 * a logged-in user matching [control] posters.  0: not such a message,
 * the usual checks follow; 1: allowed (its Newsgroups need not exist
 * here); -1 with a reason (441).
 */
int	ctlact_post_check(struct session *s, const struct article *a,
	    char *reason, size_t len);

/*
 * The control article of `in` was committed (loop thread): act on it as
 * the rules say, later (after gpgv, and after the messages before it;
 * the group changes are made by the control worker thread, the loop logs
 * them).  Takes in->article.
 */
void	ctlact_act(struct intake *in);

/* loomd stops (after writer_stop): the control worker finishes the
   change in progress and stops; the changes not made are logged and
   dropped, with the messages still waiting. */
void	ctlact_stop(void);

/* Create the control.* pseudo-groups that are missing ([control]
   pseudo_groups): when the first control message arrives. */
void	ctlact_ensure_groups(struct server *srv);

#endif /* LOOM_CTLACT_H */
