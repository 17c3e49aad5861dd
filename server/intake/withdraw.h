/*
 * Cancels and Supersedes on their way in (docs/admin.md, "Cancel and
 * Supersedes"): who may withdraw what, decided before the article goes to
 * the writer, from one read of the target; the store then withdraws the
 * target in the transaction that stores the cancel or the new version
 * (store.h's store_article.withdraw).  And the other direction: an
 * article that arrives after a cancel for it was kept.
 */
#ifndef LOOM_WITHDRAW_H
#define LOOM_WITHDRAW_H

#include <stddef.h>

struct intake;

/* Who sent the cancel or Supersedes. */
struct withdraw_sender {
	int		 peer;		/* from a peer (IHAVE, TAKETHIS) */
	const char	*user;		/* POST: the logged-in user, or NULL */
};

/*
 * Check the article in `in` (parsed, validated, thread extracted; a
 * post injected): if it is a cancel or has Supersedes, decide whether it
 * may withdraw its target and set in->withdraw (and the rest) if so.  A
 * post may be given the Cancel-Key of the authority it was allowed by,
 * so peers honour it too (the article in `in` is replaced).
 *
 * 0: store it (acting or not; *action says what was decided, for the
 * log); -1: refuse it with reason (a post that may not withdraw its
 * target: 441).  A peer's cancel is never refused for lack of authority:
 * it is stored and does not act (as INN does).
 */
int	withdraw_check(struct intake *in, const struct withdraw_sender *from,
	    const char **action, char *reason, size_t len);

/*
 * Keep the article's Cancel-Lock c-locks in in->locks, for the store to
 * check a cancel kept for it (one that came before it) in the storing
 * transaction (store.h's store_article.locks): a match refuses it there,
 * withdrawn STORE_CANCELLED_FIRST, and the done callback says
 * "Cancelled" (437, 439, 441).  0 if the article has no lock.
 */
int	withdraw_locks(struct intake *in);

#endif /* LOOM_WITHDRAW_H */
