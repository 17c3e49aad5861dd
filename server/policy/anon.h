/*
 * Anonymous posting by members (docs/admin.md, "Moderation and house
 * rules"; docs/security.md says what such a post reveals).  A logged-in
 * user asks for it with the header "X-Loom-Anonymous: yes"; where
 * [posting] anonymous_groups allows it, the post's From becomes
 * anonymous_from and Injection-Info carries only a token: the first
 * 80 bits of HMAC-SHA256(server secret, "loom-anon-v1" NUL user NUL
 * group), in base32.  It is stable per user and group and reveals
 * neither; `loomctl trace TOKEN` finds the user by trying every user and
 * group.
 */
#ifndef LOOM_ANON_H
#define LOOM_ANON_H

#include <stddef.h>
#include <stdint.h>

#define ANON_HEADER	"X-Loom-Anonymous"
#define ANON_TOKEN_LEN	16		/* 80 bits, 5 bits a character */
#define ANON_SECRET_LEN	32		/* STORE_SECRET_LEN */

struct config;

/* May anonymous posts go to `group` ([posting] anonymous_groups)? */
int	anon_group_allowed(const struct config *cfg, const char *group);

/* The token of `user` in `group`: ANON_TOKEN_LEN lower-case base32
   characters and a NUL in out.  0, or -1 if HMAC failed. */
int	anon_token(const uint8_t secret[ANON_SECRET_LEN], const char *user,
	    const char *group, char out[ANON_TOKEN_LEN + 1]);

/* The value of a poster's X-Loom-Anonymous: 1 "yes", 0 "no" (either
   case, white space around ignored), -1 anything else. */
int	anon_header_value(const char *v);

#endif /* LOOM_ANON_H */
