/*
 * Anonymous posters' tokens and where they may post (anon.h).
 */
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "anon.h"
#include "config.h"
#include "wildmat.h"

int
anon_group_allowed(const struct config *cfg, const char *group)
{
	if (cfg->anonymous_groups[0] == '\0')
		return (0);
	return (wildmat_match(group, cfg->anonymous_groups));
}

int
anon_token(const uint8_t secret[ANON_SECRET_LEN], const char *user,
    const char *group, char out[ANON_TOKEN_LEN + 1])
{
	static const char	 b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	static const char	 label[] = "loom-anon-v1";
	unsigned char		 md[EVP_MAX_MD_SIZE], msg[512];
	unsigned int		 mdlen = 0;
	size_t			 ul = strlen(user), gl = strlen(group), n, i;
	unsigned		 bits = 0, acc = 0, o = 0;

	/* label NUL user NUL group: the NULs keep ("ab","c") apart from
	   ("a","bc"). */
	n = sizeof(label) + ul + 1 + gl;
	if (n > sizeof(msg))
		return (-1);
	memcpy(msg, label, sizeof(label));
	memcpy(msg + sizeof(label), user, ul + 1);
	memcpy(msg + sizeof(label) + ul + 1, group, gl);
	if (HMAC(EVP_sha256(), secret, ANON_SECRET_LEN, msg, n, md,
	    &mdlen) == NULL || mdlen < 10)
		return (-1);
	/* 10 octets are exactly 16 base32 characters. */
	for (i = 0; i < 10; i++) {
		acc = (acc << 8) | md[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = '\0';
	return (0);
}

int
anon_header_value(const char *v)
{
	size_t	n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 3 && strncasecmp(v, "yes", 3) == 0)
		return (1);
	if (n == 2 && strncasecmp(v, "no", 2) == 0)
		return (0);
	return (-1);
}
