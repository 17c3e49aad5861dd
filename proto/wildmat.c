/*
 * Wildmats (RFC 3977 4) with INN's extensions: "[...]" classes and "\"
 * quoting.  Matching is iterative: one remembered star and a rescan, so a
 * pattern like "*a*a*a*b" costs O(text x pattern), never exponential.
 */
#include <stddef.h>
#include <string.h>

#include "wildmat.h"

/* Octets of the UTF-8 character at s (1 for anything malformed). */
static size_t
wm_charlen(const char *s, size_t len)
{
	unsigned char	c = (unsigned char)s[0];
	size_t		n, i;

	if (c < 0x80)
		n = 1;
	else if ((c & 0xe0) == 0xc0)
		n = 2;
	else if ((c & 0xf0) == 0xe0)
		n = 3;
	else if ((c & 0xf8) == 0xf0)
		n = 4;
	else
		return (1);
	if (n > len)
		return (1);
	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return (1);
	return (n);
}

/* The code point at s (octets in *n); malformed octets stand for
   themselves. */
static unsigned long
wm_decode(const char *s, size_t len, size_t *n)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned long		 cp;
	size_t			 i;

	*n = wm_charlen(s, len);
	if (*n == 1)
		return (u[0]);
	cp = u[0] & (0x7f >> *n);
	for (i = 1; i < *n; i++)
		cp = (cp << 6) | (u[i] & 0x3f);
	return (cp);
}

/*
 * End of the class starting at pat[p] == '[': the index just past its
 * "]", or 0 if it is not closed.
 */
static size_t
wm_class_end(const char *pat, size_t plen, size_t p)
{
	size_t	i = p + 1;

	if (i < plen && pat[i] == '^')
		i++;
	if (i < plen && pat[i] == ']')
		i++;		/* a leading "]" is literal */
	while (i < plen && pat[i] != ']') {
		if (pat[i] == '\\')
			i++;
		i++;
	}
	return (i < plen ? i + 1 : 0);
}

/* Does code point cp fall in the class pat[p..end)? */
static int
wm_class_match(const char *pat, size_t p, size_t end, unsigned long cp)
{
	unsigned long	lo, hi;
	size_t		i = p + 1, n, last = end - 1;
	int		negate = 0, match = 0, first = 1;

	if (i < last && pat[i] == '^') {
		negate = 1;
		i++;
	}
	while (i < last && (first || pat[i] != ']')) {
		first = 0;
		if (pat[i] == '\\' && i + 1 < last)
			i++;
		lo = wm_decode(pat + i, last - i, &n);
		i += n;
		hi = lo;
		if (i + 1 < last && pat[i] == '-' && pat[i + 1] != ']') {
			i++;
			if (pat[i] == '\\' && i + 1 < last)
				i++;
			hi = wm_decode(pat + i, last - i, &n);
			i += n;
		}
		if (cp >= lo && cp <= hi)
			match = 1;
	}
	return (match != negate);
}

/* Match one pattern (no commas, no leading "!") against text. */
static int
wm_match_one(const char *text, size_t tlen, const char *pat, size_t plen)
{
	size_t		t = 0, p = 0, star_p = 0, star_t = 0, n, m, end;
	unsigned long	cp;
	int		have_star = 0;

	while (t < tlen) {
		if (p < plen) {
			switch (pat[p]) {
			case '*':
				have_star = 1;
				star_p = ++p;
				star_t = t;
				continue;
			case '?':
				t += wm_charlen(text + t, tlen - t);
				p++;
				continue;
			case '[':
				end = wm_class_end(pat, plen, p);
				if (end == 0)
					break;	/* unclosed: literal "[" */
				cp = wm_decode(text + t, tlen - t, &n);
				if (wm_class_match(pat, p, end, cp)) {
					t += n;
					p = end;
					continue;
				}
				goto backtrack;
			case '\\':
				if (p + 1 < plen)
					p++;
				break;
			}
			m = wm_charlen(pat + p, plen - p);
			n = wm_charlen(text + t, tlen - t);
			if (m == n && memcmp(pat + p, text + t, n) == 0) {
				p += m;
				t += n;
				continue;
			}
		}
backtrack:
		if (!have_star)
			return (0);
		/* Let the last star swallow one more character. */
		star_t += wm_charlen(text + star_t, tlen - star_t);
		t = star_t;
		p = star_p;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return (p == plen);
}

/* Length of the pattern starting at s, up to an unquoted comma that is
   not inside a class. */
static size_t
wm_pattern_len(const char *s, size_t len)
{
	size_t	i = 0, end;

	while (i < len && s[i] != ',') {
		if (s[i] == '\\' && i + 1 < len)
			i += 2;
		else if (s[i] == '[' && (end = wm_class_end(s, len, i)) != 0)
			i = end;
		else
			i++;
	}
	return (i);
}

int
wildmat_match(const char *text, const char *wildmat)
{
	size_t		 tlen = strlen(text), len = strlen(wildmat), n;
	const char	*p = wildmat, *end = wildmat + len;
	int		 result = 0, negate;

	while (p <= end) {
		negate = 0;
		if (p < end && *p == '!') {
			negate = 1;
			p++;
		}
		n = wm_pattern_len(p, (size_t)(end - p));
		if (wm_match_one(text, tlen, p, n))
			result = !negate;
		p += n + 1;	/* past the comma (or the end) */
	}
	return (result);
}

int
wildmat_valid(const char *wildmat, const char **errstr)
{
	size_t		 len = strlen(wildmat), n, i;
	const char	*p = wildmat, *end = wildmat + len;

	while (p <= end) {
		if (p < end && *p == '!')
			p++;
		n = wm_pattern_len(p, (size_t)(end - p));
		if (n == 0) {
			*errstr = "empty pattern";
			return (-1);
		}
		for (i = 0; i < n; i++) {
			if (p[i] == '\\') {
				if (i + 1 >= n) {
					*errstr = "trailing backslash";
					return (-1);
				}
				i++;
			} else if (p[i] == '[') {
				if (wm_class_end(p, n, i) == 0) {
					*errstr = "unclosed [";
					return (-1);
				}
				i = wm_class_end(p, n, i) - 1;
			} else if (p[i] == '!') {
				*errstr = "\"!\" inside a pattern";
				return (-1);
			}
		}
		p += n + 1;
	}
	return (0);
}
