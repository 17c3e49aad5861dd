/*
 * application/x-www-form-urlencoded (form.h).  A body is pairs separated by
 * '&', name and value by the first '='; both percent-encoded with '+' for
 * a space.  Malformed escapes are refused rather than passed through as
 * the WHATWG parser does: nothing a browser sends has them, and a value
 * that became an article must not depend on a guess.
 */
#include <string.h>

#include "form.h"
#include "mime.h"

#define FORM_NAME_MAX	64

/* Decode s[0..n) into out (NULL: only check); -1 malformed or too long. */
static int
form_decode(const char *s, size_t n, char *out, size_t outlen, size_t *used)
{
	size_t	i, o = 0;
	int	c, hi, lo;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n)
				return (-1);
			if ((hi = mime_hexval((unsigned char)s[i + 1])) == -1 ||
			    (lo = mime_hexval((unsigned char)s[i + 2])) == -1)
				return (-1);
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == '\0')
			return (-1);
		if (out != NULL) {
			if (o + 1 >= outlen)
				return (-1);
			out[o] = (char)c;
		}
		o++;
	}
	if (out != NULL)
		out[o] = '\0';
	if (used != NULL)
		*used = o;
	return (0);
}

/* The next pair from *p: its name and value spans.  0 at the end. */
static int
form_next(const char **p, const char *end, const char **name, size_t *nlen,
    const char **val, size_t *vlen)
{
	const char	*amp, *eq;

	while (*p < end && **p == '&')
		(*p)++;
	if (*p >= end)
		return (0);
	if ((amp = memchr(*p, '&', (size_t)(end - *p))) == NULL)
		amp = end;
	*name = *p;
	if ((eq = memchr(*p, '=', (size_t)(amp - *p))) == NULL) {
		*nlen = (size_t)(amp - *p);
		*val = amp;
		*vlen = 0;
	} else {
		*nlen = (size_t)(eq - *p);
		*val = eq + 1;
		*vlen = (size_t)(amp - eq - 1);
	}
	*p = amp;
	return (1);
}

int
form_valid(const char *body, size_t len)
{
	const char	*p = body, *end = body + len, *n, *v;
	size_t		 nl, vl;

	while (form_next(&p, end, &n, &nl, &v, &vl))
		if (form_decode(n, nl, NULL, 0, NULL) == -1 ||
		    form_decode(v, vl, NULL, 0, NULL) == -1)
			return (0);
	return (1);
}

int
form_field(const char *body, size_t len, const char *name, char *out,
    size_t outlen, size_t *outlen_used)
{
	const char	*p = body, *end = body + len, *n, *v;
	char		 dn[FORM_NAME_MAX + 1];
	size_t		 nl, vl, dl;

	if (outlen == 0)
		return (-1);
	out[0] = '\0';
	while (form_next(&p, end, &n, &nl, &v, &vl)) {
		if (form_decode(n, nl, dn, sizeof(dn), &dl) == -1)
			return (-1);
		if (dl != strlen(name) || memcmp(dn, name, dl) != 0)
			continue;
		return (form_decode(v, vl, out, outlen, outlen_used));
	}
	return (1);
}
