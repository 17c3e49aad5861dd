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

void
block_reader_init(struct block_reader *r, size_t limit, size_t line_max)
{
	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->line_max = line_max;
}

enum block_event
block_next(struct block_reader *r, const char *buf, size_t len,
    size_t *used, const char **line, size_t *linelen)
{
	const char	*nl;
	size_t		 from, n, skip;

	*used = 0;
	*line = NULL;
	*linelen = 0;
	if (len == 0)
		return (BLOCK_MORE);
	from = r->scanned < len ? r->scanned : len;
	if ((nl = memchr(buf + from, '\n', len - from)) == NULL) {
		r->scanned = len;
		if (len > r->line_max || r->received + len > r->limit) {
			/* Drop the line's start; keep a last octet in
			   case it is the CR of its CRLF. */
			r->too_long = 1;
			r->midline = 1;
			*used = len - 1;
			r->scanned = 1;
		}
		return (BLOCK_MORE);
	}
	r->scanned = 0;
	n = (size_t)(nl - buf);
	*used = n + 1;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	r->received += n + 2;
	if (r->midline) {
		/* The end of a line whose start was dropped. */
		r->midline = 0;
		return (BLOCK_SKIP);
	}
	if (line_is_terminator(buf, n))
		return (BLOCK_END);
	if (r->received > r->limit)
		r->too_long = 1;
	if (r->too_long)
		return (BLOCK_SKIP);
	skip = line_unstuff(buf, n);
	*line = buf + skip;
	*linelen = n - skip;
	return (BLOCK_LINE);
}
