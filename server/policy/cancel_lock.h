/*
 * Cancel-Lock and Cancel-Key (RFC 8315) as Loom makes and checks them,
 * with libcanlock (the library INN uses), and who may withdraw what
 * (docs/admin.md, "Cancel and Supersedes").
 *
 * Locks Loom adds to every post it injects, keyed by the store's secret
 * (policy/anon.h's key too: the inputs differ, see cancel.c):
 *
 *	sha256:<lock of "<msgid>">		the server's (administrators,
 *						moderators, loomd itself)
 *	sha256:<lock of "user<msgid>">		the logged-in poster's
 *
 * The key behind a lock is HMAC-SHA256(secret, [user]<msgid>) (RFC 8315
 * 4, as INN's canlockadmin and canlockuser): only this server can make
 * it, for an account that proves who it is by logging in.
 */
#ifndef LOOM_CANCEL_LOCK_H
#define LOOM_CANCEL_LOCK_H

#include <stddef.h>
#include <stdint.h>

#define CANCEL_SECRET_LEN	32
/* "sha256:" and 44 base64 octets, two of them with a space: room. */
#define CANCEL_ELEMENTS_MAX	256

struct config;

/*
 * The c-lock elements for a post of user (NULL: not logged in) with
 * msgid, space-separated, into out.  0, or -1 (too small, or libcanlock
 * failed).
 */
int	cancel_lock_make(const uint8_t secret[CANCEL_SECRET_LEN],
	    const char *user, const char *msgid, char *out, size_t outlen);

/* The c-key element matching one of those locks: user's, or the
   server's with user NULL.  0, or -1. */
int	cancel_key_make(const uint8_t secret[CANCEL_SECRET_LEN],
	    const char *user, const char *msgid, char *out, size_t outlen);

/*
 * Does one of the c-key elements in keys (space-separated, as
 * proto/cancel.h's cancel_elements() writes them) match one of the
 * c-lock elements in locks (RFC 8315 3.5)?  SHA-1 keys are refused
 * (RFC 8315 5: sha256 is the one to implement; SHA-1 is broken).
 */
int	cancel_key_matches(const char *keys, const char *locks);

/* Is user (NULL: not logged in) one of [posting] cancel_admins? */
int	cancel_is_admin(const struct config *cfg, const char *user);

#endif /* LOOM_CANCEL_LOCK_H */
