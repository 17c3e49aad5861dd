/*
 * Password hashes for AUTHINFO USER/PASS (RFC 4643).  The stored string
 * names its own parameters, so the default cost can rise without
 * invalidating older hashes:
 *
 *	$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>
 *
 * salt and key are base64 without padding.  These functions block for as
 * long as scrypt runs (about 0.1 s at the default cost): loomd calls
 * password_verify only from the pwcheck threads, never on the loop.
 */
#ifndef LOOM_PASSWORD_H
#define LOOM_PASSWORD_H

#include <stddef.h>

/* N = 2^15, r = 8: 32 MiB and about 0.1 s per hash. */
#define PASSWORD_LOG2N_DEFAULT	15

/* Longest password: what one AUTHINFO PASS line can carry, with margin. */
#define PASSWORD_MAX		255

/* Room for what password_hash writes, NUL included (<= STORE_HASH_MAX). */
#define PASSWORD_HASH_MAX	128

/*
 * Bounds on what a stored string may ask for.  Besides the per-parameter
 * bounds (ln 10..20, r 1..32, p 1..16, salt 8..64 octets, key 16..64
 * octets), 128 * r * N * p may not exceed PASSWORD_COST_MAX: that is the
 * memory scrypt takes with p = 1 and is proportional to its time, so a
 * corrupt or hostile hash costs at most 8 times the default.  scrypt
 * itself also needs N < 2^(16 r).
 */
#define PASSWORD_COST_MAX	(256UL * 1024 * 1024)

/*
 * Hash pw (pwlen octets) with a fresh random salt at cost 2^log2n (r = 8,
 * p = 1) into out.  Returns 0, or -1 if log2n is out of bounds, out is
 * too small, or OpenSSL fails.  The result fits in STORE_HASH_MAX octets.
 */
int	password_hash(const char *pw, size_t pwlen, unsigned log2n, char *out,
	    size_t outlen);

/*
 * 1: pw matches the stored hash; 0: it does not; -1: stored is malformed
 * or out of bounds (or OpenSSL failed): never a match.  stored NULL (no such user) costs one hash at the
 * default parameters, like a real check, and returns 0, so the time taken
 * does not tell whether the user exists.
 */
int	password_verify(const char *pw, size_t pwlen, const char *stored);

/*
 * 1 if pw can be a password: 1..PASSWORD_MAX octets without NUL, CR or LF
 * (AUTHINFO PASS could not send them).  Otherwise 0 with *why set to a
 * reason for the administrator.
 */
int	password_acceptable(const char *pw, size_t pwlen, const char **why);

#endif /* LOOM_PASSWORD_H */
