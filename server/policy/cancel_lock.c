/*
 * Cancel-Lock and Cancel-Key with libcanlock (cancel_lock.h).
 *
 * The secret is the store's (meta "secret"), which also keys anonymous
 * posters' tokens (anon.c): HMAC over "loom-anon-v1" NUL user NUL group
 * there, over [user]<msgid> here.  A message-id starts with "<" and a
 * user name may not hold one, so no input of one is an input of the
 * other, and neither reveals anything of the other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <canlock.h>

#include "cancel_lock.h"
#include "config.h"
#include "wildmat.h"

/* "user<msgid>" (or "<msgid>"), as libcanlock takes it. */
static int
cancel_message(const char *user, const char *msgid, char *buf, size_t len)
{
	int	n;

	if (user != NULL && strchr(user, '<') != NULL)
		return (-1);
	n = snprintf(buf, len, "%s%s", user != NULL ? user : "", msgid);
	return (n < 0 || (size_t)n >= len ? -1 : n);
}

/* One element made by f for [user]msgid, appended to out at *o. */
static int
cancel_append(char *(*f)(cl_hash_version, const unsigned char *, size_t,
    const unsigned char *, size_t), const uint8_t *secret, const char *user,
    const char *msgid, char *out, size_t outlen, size_t *o)
{
	char	 msg[512], *e;
	size_t	 n;
	int	 mlen;

	if ((mlen = cancel_message(user, msgid, msg, sizeof(msg))) == -1)
		return (-1);
	if ((e = f(CL_SHA256, secret, CANCEL_SECRET_LEN,
	    (const unsigned char *)msg, (size_t)mlen)) == NULL)
		return (-1);
	n = strlen(e);
	if (*o + (*o > 0) + n + 1 > outlen) {
		free(e);
		return (-1);
	}
	if (*o > 0)
		out[(*o)++] = ' ';
	memcpy(out + *o, e, n + 1);
	*o += n;
	free(e);
	return (0);
}

int
cancel_lock_make(const uint8_t secret[CANCEL_SECRET_LEN], const char *user,
    const char *msgid, char *out, size_t outlen)
{
	size_t	o = 0;

	if (outlen == 0)
		return (-1);
	out[0] = '\0';
	if (cancel_append(cl_get_lock, secret, NULL, msgid, out, outlen,
	    &o) == -1)
		return (-1);
	if (user != NULL && user[0] != '\0' && cancel_append(cl_get_lock,
	    secret, user, msgid, out, outlen, &o) == -1)
		return (-1);
	return (0);
}

int
cancel_key_make(const uint8_t secret[CANCEL_SECRET_LEN], const char *user,
    const char *msgid, char *out, size_t outlen)
{
	size_t	o = 0;

	if (outlen == 0)
		return (-1);
	out[0] = '\0';
	return (cancel_append(cl_get_key, secret, user != NULL &&
	    user[0] != '\0' ? user : NULL, msgid, out, outlen, &o));
}

int
cancel_key_matches(const char *keys, const char *locks)
{
	cl_hash_version	rejected[] = { CL_SHA1, CL_INVALID };

	if (keys == NULL || locks == NULL || keys[0] == '\0' ||
	    locks[0] == '\0')
		return (0);
	return (cl_verify_multi(rejected, keys, locks) == 0);
}

int
cancel_is_admin(const struct config *cfg, const char *user)
{
	if (user == NULL || user[0] == '\0' || cfg->cancel_admins[0] == '\0')
		return (0);
	return (wildmat_match(user, cfg->cancel_admins));
}
