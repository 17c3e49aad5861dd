/*
 * The NNTP line codec: finding lines in a byte stream with a length limit,
 * and the dot-stuffing of multi-line blocks (RFC 3977 3.1.1).  Pure: works on
 * caller memory, no I/O.
 */
#ifndef LOOM_LINECODEC_H
#define LOOM_LINECODEC_H

#include <stddef.h>

enum line_scan {
	LINE_FOUND = 0,	/* a complete line: *linelen octets, then *eollen of EOL */
	LINE_PARTIAL,	/* no EOL yet and still within the limit: read more */
	LINE_TOO_LONG	/* no EOL within limit octets: the caller discards */
};

/*
 * Look for the end of the first line in buf[0..len).  The EOL is CRLF, or a
 * bare LF (accepted from clients, never sent).  `limit` bounds the line
 * including its EOL: a line whose EOL does not appear within the first
 * `limit` octets is LINE_TOO_LONG, even if it would complete later.
 */
enum line_scan line_scan(const char *buf, size_t len, size_t limit,
    size_t *linelen, size_t *eollen);

/*
 * State for discarding an over-long line: the reader keeps dropping input
 * until the end of that line, then answers it once (501 for a command).
 * Counts how much was thrown away so a peer that sends only garbage can be
 * disconnected.
 */
struct line_discard {
	int	active;		/* inside an over-long line */
	size_t	dropped;	/* octets dropped since the last good line */
	unsigned	lines;	/* over-long lines since the last good line */
};

/*
 * Feed buf[0..len) to a discarding reader.  Returns the number of octets to
 * drop from the input; when the over-long line's EOL is among them, sets
 * d->active to 0 (the caller then sends its one error reply).
 */
size_t line_discard_feed(struct line_discard *d, const char *buf, size_t len);

/* True if a line (without EOL) is the multi-line terminator ".". */
int line_is_terminator(const char *line, size_t len);

/*
 * Undo dot-stuffing of one received line (without EOL, not the
 * terminator): the first octet of a line starting with "." is dropped
 * (RFC 3977 3.1.1), so ".." becomes ".".  Returns the offset of the first
 * octet to keep (0 or 1).
 */
size_t line_unstuff(const char *line, size_t len);

/*
 * Dot-stuff a block for sending: every line that starts with "." gets one
 * more; bare LF line ends become CRLF.  Writes at most outlen octets to out
 * and returns the octets the whole result needs (call with out = NULL to
 * size it).  The result does not include the terminating ".CRLF"; the
 * caller appends it, after a CRLF if the block does not already end in one.
 */
size_t dot_stuff(const char *in, size_t inlen, char *out, size_t outlen);

#endif /* LOOM_LINECODEC_H */
