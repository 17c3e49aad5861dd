/* Header lookup in stored articles. */
#include <string.h>
#include <strings.h>

#include "header.h"
#include "range.h"

/* Length of the line at p (without its CRLF or LF) within end. */
static size_t
header_line_len(const char *p, const char *end)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));
	size_t		 n = (nl != NULL ? nl : end) - p;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	return (n);
}

static const char *
header_next_line(const char *p, const char *end)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));

	return (nl != NULL ? nl + 1 : end);
}

int
header_find(const char *wire, size_t len, const char *name, char *out,
    size_t outlen)
{
	const char	*p = wire, *end = wire + len, *line;
	size_t		 namelen = strlen(name), n, o = 0, i;
	int		 skipping_ws = 1;

	if (outlen > 0)
		out[0] = '\0';
	while (p < end) {
		line = p;
		n = header_line_len(line, end);
		p = header_next_line(p, end);
		/* A stuffed line starts with "..": the name starts after. */
		if (n > 0 && line[0] == '.') {
			line++;
			n--;
		}
		if (n <= namelen || line[namelen] != ':' ||
		    strncasecmp(line, name, namelen) != 0)
			continue;
		/* Found: the value, then any continuation lines. */
		line += namelen + 1;
		n -= namelen + 1;
		for (;;) {
			for (i = 0; i < n && o + 1 < outlen; i++) {
				char c = line[i];

				if (c == '\t' || c == '\r' || c == '\n')
					c = ' ';
				if (skipping_ws && c == ' ')
					continue;
				skipping_ws = 0;
				out[o++] = c;
			}
			if (p >= end || (*p != ' ' && *p != '\t'))
				break;
			line = p;
			n = header_line_len(line, end);
			p = header_next_line(p, end);
		}
		if (outlen > 0)
			out[o] = '\0';
		return (1);
	}
	return (0);
}

void
overview_field(const char *ov, size_t len, int index, char *out,
    size_t outlen)
{
	const char	*p = ov, *end = ov + len, *tab;
	size_t		 n;
	int		 i;

	for (i = 0; i < index && p < end; i++) {
		tab = memchr(p, '\t', (size_t)(end - p));
		p = tab != NULL ? tab + 1 : end;
	}
	tab = memchr(p, '\t', (size_t)(end - p));
	n = (size_t)((tab != NULL ? tab : end) - p);
	if (outlen == 0)
		return;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

int
xref_next(const char **p, struct xref_entry *e)
{
	const char	*s = *p, *end, *colon;
	char		 digits[16];
	size_t		 n;

	while (*s == ' ')
		s++;
	if (*s == '\0') {
		*p = s;
		return (0);
	}
	end = s + strcspn(s, " ");
	colon = memchr(s, ':', (size_t)(end - s));
	e->group = s;
	e->group_len = (size_t)((colon != NULL ? colon : end) - s);
	e->number = 0;
	if (colon != NULL) {
		n = (size_t)(end - colon - 1);
		if (n > 0 && n < sizeof(digits)) {
			memcpy(digits, colon + 1, n);
			digits[n] = '\0';
			if (nntp_number_parse(digits, &e->number) == -1)
				e->number = 0;
		}
	}
	*p = end;
	return (1);
}

uint32_t
xref_number_in(const char *xref, const char *group)
{
	struct xref_entry	 e;
	const char		*p = xref;
	size_t			 n = strlen(group);

	while (xref_next(&p, &e))
		if (e.group_len == n && memcmp(e.group, group, n) == 0 &&
		    e.number != 0)
			return (e.number);
	return (0);
}

int
xref_any_group(const char *xref, int (*match)(const char *, void *),
    void *arg)
{
	struct xref_entry	 e;
	char			 group[251];
	const char		*p = xref;
	int			 rc;

	while (xref_next(&p, &e)) {
		if (e.group_len == 0 || e.group_len >= sizeof(group))
			continue;
		memcpy(group, e.group, e.group_len);
		group[e.group_len] = '\0';
		if ((rc = match(group, arg)) != 0)
			return (rc);
	}
	return (0);
}
