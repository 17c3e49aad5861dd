/*
 * Withdrawing articles (RFC 5537 5.3, 5.4; RFC 8315): which article a
 * cancel control message or a Supersedes field names (ctlmsg.h parses
 * the Control field), and the elements of Cancel-Lock and Cancel-Key
 * fields.
 * Pure: no I/O, no hashing (server/policy/cancel.c computes and checks
 * locks and keys with libcanlock).
 */
#ifndef LOOM_CANCEL_H
#define LOOM_CANCEL_H

#include <stddef.h>

struct article;

/* What withdraws what. */
enum cancel_kind {
	CANCEL_NONE = 0,	/* an ordinary article */
	CANCEL_CANCEL,		/* "Control: cancel <target>" */
	CANCEL_SUPERSEDE	/* "Supersedes: <target>" (not a control
				   message) */
};

/*
 * Does the article withdraw another, and which?  The target is copied
 * into target (at least 251 octets).  A control message other than cancel
 * withdraws nothing, whatever Supersedes says (RFC 5537 5.4: a control
 * message is not superseding).  Returns the kind, or -1 with a reason
 * for a cancel whose argument is not one message-id, or a Supersedes
 * that is not one (RFC 5536 3.2.12); an article that names itself is
 * refused too.
 */
int	cancel_target(const struct article *a, char *target,
	    const char **reason);

/*
 * The c-lock or c-key elements of a Cancel-Lock or Cancel-Key field
 * value (RFC 8315 2.1, 2.2: "scheme:base64" separated by white space,
 * comments in parentheses allowed around them), written into out as one
 * string with single spaces, as libcanlock's cl_verify_multi() takes
 * them.  Elements that do not look like scheme:string are dropped.
 * Returns the number of elements (0: none usable), or -1 when out is too
 * small.
 */
int	cancel_elements(const char *value, char *out, size_t outlen);

#endif /* LOOM_CANCEL_H */
