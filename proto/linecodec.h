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

/*
 * Reading a dot-terminated block (an article after 340/335 or TAKETHIS)
 * from input that arrives in pieces.  The caller holds the unconsumed
 * input (the start of a line) and calls block_next() on as much of it as
 * is contiguous; each call takes one line:
 *
 *	BLOCK_LINE	*line, *linelen: the line un-stuffed, without its
 *			EOL, pointing into buf
 *	BLOCK_SKIP	a line to drop: the block is over its limit, or it
 *			is the end of an over-long line whose start was
 *			dropped
 *	BLOCK_END	the terminating "."
 *	BLOCK_MORE	no complete line in buf: wait for more input
 *
 * and *used octets of buf are consumed (also with BLOCK_MORE, when the
 * start of an over-long line is dropped).  The EOL is CRLF or a bare LF;
 * a CR elsewhere, a NUL or any other octet is line content, for the
 * parser to judge.  Every line counts as its length + 2 against `limit`
 * (the block's wire size); past it, lines are skipped and too_long is
 * set, but the block is still read to its end so the client stays in
 * step.  A line whose LF has not come within `line_max` octets is
 * dropped as it arrives (too_long): the caller need never hold more.
 *
 * The reader remembers how much of buf it searched in vain (scanned), so
 * when more input arrives behind the same unfinished line, only the new
 * octets are searched: the caller must hand the same unconsumed input
 * again, with more after it.
 */
struct block_reader {
	size_t	limit;		/* octets of the whole block */
	size_t	line_max;	/* longest line held for its EOL */
	size_t	received;	/* counted so far: each line + 2 */
	size_t	scanned;	/* pending octets known to lack LF */
	int	too_long;	/* the block passed a limit */
	int	midline;	/* dropping the rest of an over-long line */
};

enum block_event {
	BLOCK_LINE = 0,
	BLOCK_SKIP,
	BLOCK_END,
	BLOCK_MORE
};

/* Start reading a block with these limits. */
void	block_reader_init(struct block_reader *r, size_t limit,
	    size_t line_max);

/* The next line of buf[0..len), which starts at a line start. */
enum block_event block_next(struct block_reader *r, const char *buf,
	    size_t len, size_t *used, const char **line, size_t *linelen);

#endif /* LOOM_LINECODEC_H */
