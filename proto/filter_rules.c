/*
 * The posting filter's built-in rules.  Wildmats are matched as written
 * by wildmat.c, which knows nothing of case: both sides are lowercased
 * here (ASCII only, so UTF-8 sequences pass through unchanged).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter_rules.h"
#include "wildmat.h"

/* Values up to this size are lowercased on the stack. */
#define FR_VALUE_STACK	1024

#define FR_SPACE(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || \
			    (c) == '\n')

static char
fr_lower(char c)
{
	return (c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
}

/* RFC 5322 3.6.8 ftext: printable US-ASCII but ":". */
static int
fr_ftext(unsigned char c)
{
	return (c >= 33 && c <= 126 && c != ':');
}

static int
fr_error(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return (-1);
}

int
filter_pattern_parse(const char *text, struct filter_pattern *out,
    char *err, size_t errlen)
{
	const char	*colon, *s, *e, *why;
	char		 msg[64];
	size_t		 n, i;

	if ((colon = strchr(text, ':')) == NULL)
		return (fr_error(err, errlen,
		    "no colon after the header name"));
	s = text;
	e = colon;
	while (s < e && FR_SPACE(*s))
		s++;
	while (e > s && FR_SPACE(e[-1]))
		e--;
	if (s == e)
		return (fr_error(err, errlen, "empty header name"));
	for (i = 0; s + i < e; i++)
		if (!fr_ftext((unsigned char)s[i]))
			return (fr_error(err, errlen, "bad header name"));
	if ((n = (size_t)(e - s)) >= sizeof(out->name)) {
		snprintf(msg, sizeof(msg),
		    "header name too long (at most %zu octets)",
		    sizeof(out->name) - 1);
		return (fr_error(err, errlen, msg));
	}
	memcpy(out->name, s, n);
	out->name[n] = '\0';

	s = colon + 1;
	e = s + strlen(s);
	while (s < e && FR_SPACE(*s))
		s++;
	while (e > s && FR_SPACE(e[-1]))
		e--;
	if (s == e)
		return (fr_error(err, errlen, "empty pattern"));
	if ((n = (size_t)(e - s)) >= sizeof(out->wildmat)) {
		snprintf(msg, sizeof(msg),
		    "pattern too long (at most %zu octets)",
		    sizeof(out->wildmat) - 1);
		return (fr_error(err, errlen, msg));
	}
	for (i = 0; i < n; i++)
		out->wildmat[i] = fr_lower(s[i]);
	out->wildmat[n] = '\0';
	if (wildmat_valid(out->wildmat, &why) == -1) {
		snprintf(msg, sizeof(msg), "bad wildmat: %s", why);
		return (fr_error(err, errlen, msg));
	}
	return (0);
}

/*
 * Entries of a newsgroup-list: comma-separated, white space (unfolding
 * leaves spaces and TABs) around each ignored.  Empty entries are not
 * groups, so "a,,b," counts 2; validation refuses such lists on POST,
 * but a transit article might still carry one.
 */
static unsigned
fr_count_groups(const char *v)
{
	const char	*p = v, *s, *e;
	unsigned	 n = 0;

	for (;;) {
		s = p;
		while (*p != '\0' && *p != ',')
			p++;
		e = p;
		while (s < e && FR_SPACE(*s))
			s++;
		while (e > s && FR_SPACE(e[-1]))
			e--;
		if (e > s && n < (unsigned)-1)
			n++;
		if (*p == '\0')
			return (n);
		p++;
	}
}

/* "poster" (RFC 5536 3.2.6) sends followups by mail: no group. */
static int
fr_is_poster(const char *v)
{
	const char	*e = v + strlen(v);

	while (FR_SPACE(*v))
		v++;
	while (e > v && FR_SPACE(e[-1]))
		e--;
	return ((size_t)(e - v) == 6 && strncasecmp(v, "poster", 6) == 0);
}

/* Sum of the entries of every field called name. */
static unsigned
fr_count_field(const struct article *a, const char *name, int poster)
{
	unsigned	 n = 0, k;
	size_t		 i;

	for (i = 0; i < a->nheaders; i++) {
		if (strcasecmp(a->headers[i].name, name) != 0)
			continue;
		if (poster && fr_is_poster(a->headers[i].value))
			continue;
		k = fr_count_groups(a->headers[i].value);
		n = k > (unsigned)-1 - n ? (unsigned)-1 : n + k;
	}
	return (n);
}

static int
fr_refuse(char *reason, size_t reasonlen, const char *what, unsigned n,
    unsigned max)
{
	if (reason != NULL && reasonlen > 0)
		snprintf(reason, reasonlen, "Too many %s (%u, at most %u)",
		    what, n, max);
	return (1);
}

/* Lowercase the value into dst[0..len], with TAB, CR, LF and NUL as
   spaces: wildmat_match() sees one line of text. */
static void
fr_fold_value(char *dst, const char *v, size_t len)
{
	size_t	i;
	char	c;

	for (i = 0; i < len; i++) {
		c = v[i];
		if (c == '\t' || c == '\r' || c == '\n' || c == '\0')
			c = ' ';
		dst[i] = fr_lower(c);
	}
	dst[len] = '\0';
}

int
filter_rules_check(const struct filter_rules *r, const struct article *a,
    char *reason, size_t reasonlen)
{
	const struct article_header	*h;
	char				 stackbuf[FR_VALUE_STACK];
	char				*buf;
	size_t				 i, j;
	unsigned			 n;
	int				 found = 0, lowered;

	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	if (r->max_crosspost > 0 &&
	    (n = fr_count_field(a, "Newsgroups", 0)) > r->max_crosspost)
		return (fr_refuse(reason, reasonlen, "newsgroups", n,
		    r->max_crosspost));
	if (r->max_followup > 0 &&
	    (n = fr_count_field(a, "Followup-To", 1)) > r->max_followup)
		return (fr_refuse(reason, reasonlen, "Followup-To groups", n,
		    r->max_followup));

	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		lowered = 0;
		buf = stackbuf;
		for (j = 0; j < r->npatterns && !found; j++) {
			if (strcasecmp(h->name, r->patterns[j].name) != 0)
				continue;
			if (!lowered) {
				if (h->valuelen >= sizeof(stackbuf) &&
				    (buf = malloc(h->valuelen + 1)) == NULL) {
					if (reason != NULL && reasonlen > 0)
						snprintf(reason, reasonlen,
						    "Out of memory");
					return (-1);
				}
				fr_fold_value(buf, h->value, h->valuelen);
				lowered = 1;
			}
			if (wildmat_match(buf, r->patterns[j].wildmat)) {
				found = 1;
				if (reason != NULL && reasonlen > 0)
					snprintf(reason, reasonlen,
					    "Banned %s header",
					    r->patterns[j].name);
			}
		}
		if (buf != stackbuf)
			free(buf);
		if (found)
			return (1);
	}
	return (0);
}
