/* scrypt password hashes in a self-describing string: see password.h. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mime.h"
#include "password.h"
#include "store.h"

#define SCRYPT_PREFIX	"$scrypt$"
#define SCRYPT_R	8
#define SCRYPT_P	1
#define SALT_LEN	16
#define KEY_LEN		32
#define SALT_MIN	8
#define KEY_MIN		16
#define PART_MAX	64	/* salt and key, decoded */
#define LOG2N_MIN	10
#define LOG2N_MAX	20
#define R_MAX		32
#define P_MAX		16

_Static_assert(PASSWORD_HASH_MAX <= STORE_HASH_MAX + 1,
    "a password hash must fit in struct store_user");

struct scrypt_params {
	unsigned	 ln, r, p;
	unsigned char	 salt[PART_MAX];
	size_t		 saltlen;
	unsigned char	 key[PART_MAX];
	size_t		 keylen;
};

/* scrypt itself wants N < 2^(16 r) (RFC 7914 section 2). */
static int
cost_ok(unsigned ln, unsigned r, unsigned p)
{
	return (ln < 16 * r &&
	    ((uint64_t)128 * r * p << ln) <= PASSWORD_COST_MAX);
}

static int
derive(const char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, unsigned ln, unsigned r, unsigned p, unsigned char *key,
    size_t keylen)
{
	uint64_t	n = (uint64_t)1 << ln;
	/* OpenSSL needs 128 * r * (N + p + 2) octets; its default allows
	   only 32 MiB, less than the default parameters take. */
	uint64_t	maxmem = (uint64_t)128 * r * (n + p + 2) + 65536;

	/* A NULL password would make OpenSSL check parameters only. */
	if (EVP_PBE_scrypt(pwlen > 0 ? pw : "", pwlen, salt, saltlen, n, r, p,
	    maxmem, key, keylen) != 1)
		return (-1);
	return (0);
}

/* Base64 without the "=" padding; out has room for 4 * ceil(len / 3) + 1. */
static void
b64_encode(const unsigned char *in, size_t len, char *out)
{
	int	n;

	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		out[--n] = '\0';
}

/*
 * Strict decoding of unpadded base64: only the alphabet, no impossible
 * length, no stray bits in the last character, at most cap octets.
 * Returns the octet count or -1.
 */
static int
b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	unsigned	acc = 0, bits = 0;
	size_t		n = 0, i;
	int		v;

	if (len % 4 == 1)
		return (-1);
	for (i = 0; i < len; i++) {
		if ((v = mime_b64val((unsigned char)in[i])) == -1)
			return (-1);
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return (-1);
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (acc != 0)
		return (-1);
	return ((int)n);
}

/* "<name><decimal in lo..hi>" without leading zeros (lo is never 0). */
static int
parse_num(const char **sp, const char *name, unsigned lo, unsigned hi,
    unsigned *out)
{
	const char	*s = *sp;
	size_t		 nlen = strlen(name);
	unsigned	 v = 0;

	if (strncmp(s, name, nlen) != 0)
		return (-1);
	s += nlen;
	if (*s < '1' || *s > '9')
		return (-1);
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > hi)
			return (-1);
	}
	if (v < lo)
		return (-1);
	*out = v;
	*sp = s;
	return (0);
}

static int
parse_stored(const char *s, struct scrypt_params *sp)
{
	const char	*dollar;
	int		 n;

	if (strncmp(s, SCRYPT_PREFIX, strlen(SCRYPT_PREFIX)) != 0)
		return (-1);
	s += strlen(SCRYPT_PREFIX);
	if (parse_num(&s, "ln=", LOG2N_MIN, LOG2N_MAX, &sp->ln) == -1 ||
	    parse_num(&s, ",r=", 1, R_MAX, &sp->r) == -1 ||
	    parse_num(&s, ",p=", 1, P_MAX, &sp->p) == -1 || *s++ != '$')
		return (-1);
	if (!cost_ok(sp->ln, sp->r, sp->p))
		return (-1);
	if ((dollar = strchr(s, '$')) == NULL)
		return (-1);
	n = b64_decode(s, (size_t)(dollar - s), sp->salt, sizeof(sp->salt));
	if (n < SALT_MIN)
		return (-1);
	sp->saltlen = (size_t)n;
	s = dollar + 1;
	n = b64_decode(s, strlen(s), sp->key, sizeof(sp->key));
	if (n < KEY_MIN)
		return (-1);
	sp->keylen = (size_t)n;
	return (0);
}

int
password_hash(const char *pw, size_t pwlen, unsigned log2n, char *out,
    size_t outlen)
{
	unsigned char	salt[SALT_LEN], key[KEY_LEN];
	char		salt64[4 * ((SALT_LEN + 2) / 3) + 1];
	char		key64[4 * ((KEY_LEN + 2) / 3) + 1];
	char		buf[PASSWORD_HASH_MAX];
	int		n, ret = -1;

	if (log2n < LOG2N_MIN || log2n > LOG2N_MAX ||
	    !cost_ok(log2n, SCRYPT_R, SCRYPT_P))
		return (-1);
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return (-1);
	if (derive(pw, pwlen, salt, sizeof(salt), log2n, SCRYPT_R, SCRYPT_P,
	    key, sizeof(key)) == -1)
		goto out;
	b64_encode(salt, sizeof(salt), salt64);
	b64_encode(key, sizeof(key), key64);
	n = snprintf(buf, sizeof(buf), SCRYPT_PREFIX "ln=%u,r=%u,p=%u$%s$%s",
	    log2n, SCRYPT_R, SCRYPT_P, salt64, key64);
	if (n < 0 || (size_t)n >= sizeof(buf) || (size_t)n >= outlen)
		goto out;
	memcpy(out, buf, (size_t)n + 1);
	ret = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(key64, sizeof(key64));
	OPENSSL_cleanse(buf, sizeof(buf));
	return (ret);
}

int
password_verify(const char *pw, size_t pwlen, const char *stored)
{
	static const unsigned char	 dummy_salt[SALT_LEN] = "loom-no-such-u";
	struct scrypt_params		 sp;
	unsigned char			 key[PART_MAX];
	int				 ret;

	if (stored == NULL) {
		/* The same work as a real check at the default cost. */
		derive(pw, pwlen, dummy_salt, sizeof(dummy_salt),
		    PASSWORD_LOG2N_DEFAULT, SCRYPT_R, SCRYPT_P, key, KEY_LEN);
		OPENSSL_cleanse(key, sizeof(key));
		return (0);
	}
	if (parse_stored(stored, &sp) == -1)
		return (-1);
	if (derive(pw, pwlen, sp.salt, sp.saltlen, sp.ln, sp.r, sp.p, key,
	    sp.keylen) == -1)
		ret = -1;
	else
		ret = CRYPTO_memcmp(key, sp.key, sp.keylen) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(&sp, sizeof(sp));
	return (ret);
}

int
password_acceptable(const char *pw, size_t pwlen, const char **why)
{
	const char	*reason = NULL;

	if (pwlen == 0)
		reason = "the password is empty";
	else if (pwlen > PASSWORD_MAX)
		reason = "the password is longer than 255 octets";
	else if (memchr(pw, '\0', pwlen) != NULL ||
	    memchr(pw, '\r', pwlen) != NULL || memchr(pw, '\n', pwlen) != NULL)
		reason = "the password may not hold NUL, CR or LF "
		    "(AUTHINFO PASS cannot send them)";
	if (why != NULL)
		*why = reason;
	return (reason == NULL);
}
