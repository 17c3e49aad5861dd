/*
 * application/x-www-form-urlencoded bodies (the HTML form submission
 * format, WHATWG URL "application/x-www-form-urlencoded parser"): pure,
 * no I/O.  The web front end reads its login and comment forms with it.
 */
#ifndef LOOM_FORM_H
#define LOOM_FORM_H

#include <stddef.h>

/*
 * Find field `name` in body[0..len) and decode its value ('+' is a space,
 * %XX an octet) into out[0..outlen), NUL-terminated, its length in
 * *outlen_used (may be NULL).  The first occurrence wins.
 *   0   found and decoded;
 *   1   absent;
 *  -1   malformed (a bad %-escape, a decoded NUL, a name longer than 64
 *       octets) or longer than outlen - 1: refuse the request.
 */
int	form_field(const char *body, size_t len, const char *name, char *out,
	    size_t outlen, size_t *outlen_used);

/* Is every pair of body well formed (escapes valid, no NUL)?  1 or 0. */
int	form_valid(const char *body, size_t len);

#endif /* LOOM_FORM_H */
