/* The NNTP line codec: bounded line scanning and dot-stuffing. */
#include <string.h>

#include "linecodec.h"

enum line_scan
line_scan(const char *buf, size_t len, size_t limit, size_t *linelen,
    size_t *eollen)
{
	size_t		 n = len < limit ? len : limit;
	const char	*nl = memchr(buf, '\n', n);

	if (nl == NULL)
		return (len >= limit ? LINE_TOO_LONG : LINE_PARTIAL);
	*linelen = (size_t)(nl - buf);
	*eollen = 1;
	if (*linelen > 0 && buf[*linelen - 1] == '\r') {
		(*linelen)--;
		*eollen = 2;
	}
	return (LINE_FOUND);
}

size_t
line_discard_feed(struct line_discard *d, const char *buf, size_t len)
{
	const char	*nl = memchr(buf, '\n', len);
	size_t		 drop;

	if (!d->active) {
		d->active = 1;
		d->lines++;
	}
	drop = nl != NULL ? (size_t)(nl - buf) + 1 : len;
	d->dropped += drop;
	if (nl != NULL)
		d->active = 0;
	return (drop);
}

int
line_is_terminator(const char *line, size_t len)
{
	return (len == 1 && line[0] == '.');
}

size_t
line_unstuff(const char *line, size_t len)
{
	/* RFC 3977 3.1.1: the first dot of any line that starts with one
	   (and is not the terminator) is disregarded, not only of "..". */
	return (len >= 2 && line[0] == '.' ? 1 : 0);
}

size_t
dot_stuff(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t	i, o = 0;
	int	bol = 1;

#define PUT(c)	do { if (out != NULL && o < outlen) out[o] = (c); o++; } \
	    while (0)
	for (i = 0; i < inlen; i++) {
		if (bol && in[i] == '.')
			PUT('.');
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			PUT('\r');
		PUT(in[i]);
		bol = in[i] == '\n';
	}
#undef PUT
	return (o);
}
