/* Unit tests for proto/linecodec.c: line scanning and dot-stuffing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "linecodec.h"

static void
test_linecodec_scan_eols(void **state)
{
	size_t	len, eol;

	assert_int_equal(line_scan("DATE\r\nX", 7, 512, &len, &eol),
	    LINE_FOUND);
	assert_int_equal(len, 4);
	assert_int_equal(eol, 2);
	/* A bare LF is accepted from clients. */
	assert_int_equal(line_scan("DATE\nX", 6, 512, &len, &eol), LINE_FOUND);
	assert_int_equal(len, 4);
	assert_int_equal(eol, 1);
	/* A CR alone does not end a line. */
	assert_int_equal(line_scan("DA\rTE", 5, 512, &len, &eol),
	    LINE_PARTIAL);
	assert_int_equal(line_scan("\r\n", 2, 512, &len, &eol), LINE_FOUND);
	assert_int_equal(len, 0);
	assert_int_equal(line_scan("", 0, 512, &len, &eol), LINE_PARTIAL);
}

static void
test_linecodec_scan_limit_edges(void **state)
{
	char	buf[600];
	size_t	len, eol;

	/* 510 octets + CRLF = 512: exactly at the limit. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 510, "\r\n", 2);
	assert_int_equal(line_scan(buf, 512, 512, &len, &eol), LINE_FOUND);
	assert_int_equal(len, 510);
	/* 511 + CRLF = 513: one over, even though the LF is there. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 511, "\r\n", 2);
	assert_int_equal(line_scan(buf, 513, 512, &len, &eol), LINE_TOO_LONG);
	/* Fewer octets than the limit and no EOL: wait for more. */
	assert_int_equal(line_scan(buf, 300, 512, &len, &eol), LINE_PARTIAL);
}

static void
test_linecodec_discard_across_feeds(void **state)
{
	struct line_discard	d;
	const char		tail[] = "xyz\r\nDATE\r\n";

	memset(&d, 0, sizeof(d));
	assert_int_equal(line_discard_feed(&d, "aaaa", 4), 4);
	assert_int_equal(d.active, 1);
	assert_int_equal(line_discard_feed(&d, "bbbb", 4), 4);
	assert_int_equal(d.active, 1);
	/* Drops through the LF, leaves the next command. */
	assert_int_equal(line_discard_feed(&d, tail, strlen(tail)), 5);
	assert_int_equal(d.active, 0);
	assert_int_equal(d.dropped, 13);
	assert_int_equal(d.lines, 1);
}

static void
test_linecodec_terminator_and_unstuff(void **state)
{
	assert_true(line_is_terminator(".", 1));
	assert_false(line_is_terminator("..", 2));
	assert_false(line_is_terminator("", 0));
	assert_false(line_is_terminator(".x", 2));
	assert_int_equal(line_unstuff("..", 2), 1);
	assert_int_equal(line_unstuff("...", 3), 1);
	assert_int_equal(line_unstuff(".x", 2), 1);	/* RFC 3977 3.1.1 */
	assert_int_equal(line_unstuff("x.", 2), 0);
	assert_int_equal(line_unstuff("", 0), 0);
}

static void
test_linecodec_stuff_round_trip(void **state)
{
	static const char	in[] = ".\r\n..\r\n.x\r\nplain\r\n\r\n.";
	static const char	want[] =
	    "..\r\n...\r\n..x\r\nplain\r\n\r\n..";
	char			out[64];
	size_t			n;

	n = dot_stuff(in, sizeof(in) - 1, NULL, 0);
	assert_int_equal(n, sizeof(want) - 1);
	assert_int_equal(dot_stuff(in, sizeof(in) - 1, out, sizeof(out)), n);
	assert_memory_equal(out, want, n);
}

static void
test_linecodec_stuff_binary_and_bare_lf(void **state)
{
	static const char	in[] = "a\n.b\n\x00\xff\n";
	static const char	want[] = "a\r\n..b\r\n\x00\xff\r\n";
	char			out[32];
	size_t			n;

	n = dot_stuff(in, sizeof(in) - 1, out, sizeof(out));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	/* A short buffer is never overrun; the size is still reported. */
	memset(out, 'Z', sizeof(out));
	assert_int_equal(dot_stuff(in, sizeof(in) - 1, out, 3), n);
	assert_int_equal(out[3], 'Z');
}

/* ---- The block reader ------------------------------------------------ */

/*
 * A caller of block_next as the session is one: pending input, pieces
 * appended as they "arrive", every event recorded into out as the line's
 * octets + "\x01" (LINE), "\x02" (SKIP), "\x03" (END; nothing more is
 * taken).
 */
struct br_sim {
	struct block_reader	r;
	char			pend[4096];
	size_t			plen;
	char			out[8192];
	size_t			olen;
	int			ended;
};

static void
br_sim_init(struct br_sim *m, size_t limit, size_t line_max)
{
	memset(m, 0, sizeof(*m));
	block_reader_init(&m->r, limit, line_max);
}

static void
br_sim_put(struct br_sim *m, const char *s, size_t n)
{
	assert_true(m->olen + n <= sizeof(m->out));
	memcpy(m->out + m->olen, s, n);
	m->olen += n;
}

static void
br_sim_feed(struct br_sim *m, const char *piece, size_t n)
{
	enum block_event	 ev;
	const char		*line;
	size_t			 used, linelen;

	assert_true(m->plen + n <= sizeof(m->pend));
	memcpy(m->pend + m->plen, piece, n);
	m->plen += n;
	while (!m->ended) {
		ev = block_next(&m->r, m->pend, m->plen, &used, &line,
		    &linelen);
		assert_true(used <= m->plen);
		if (ev == BLOCK_LINE) {
			assert_true(line >= m->pend &&
			    line + linelen <= m->pend + used);
			br_sim_put(m, line, linelen);
			br_sim_put(m, "\x01", 1);
		} else if (ev == BLOCK_SKIP)
			br_sim_put(m, "\x02", 1);
		else if (ev == BLOCK_END) {
			br_sim_put(m, "\x03", 1);
			m->ended = 1;
		}
		memmove(m->pend, m->pend + used, m->plen - used);
		m->plen -= used;
		if (ev == BLOCK_MORE)
			break;
	}
}

static void
assert_out(const struct br_sim *m, const char *want, size_t wantlen)
{
	assert_int_equal(m->olen, wantlen);
	assert_memory_equal(m->out, want, wantlen);
}

#define OUT(m, s)	assert_out((m), (s), sizeof(s) - 1)

static void
test_block_lines_eols_and_stuffing(void **state)
{
	static const char in[] = "a\r\n..b\r\n.c\r\n\r\nbare\nx\ry\r\n"
	    "n\0l\r\n\r\r\n.\r\nNEXT";
	struct br_sim	m;

	br_sim_init(&m, 1000, 100);
	br_sim_feed(&m, in, sizeof(in) - 1);
	/* ".." and ".c" lose their first dot; a bare LF ends a line; a
	   CR or NUL inside one is content (the parser judges it); "\r\r\n"
	   is a line holding one CR. */
	OUT(&m, "a\x01.b\x01" "c\x01\x01" "bare\x01x\ry\x01n\0l\x01\r\x01\x03");
	assert_false(m.r.too_long);
	/* What follows the terminator is the next command's. */
	assert_int_equal(m.plen, 4);
	assert_memory_equal(m.pend, "NEXT", 4);
	/* Each line counts with a CRLF, whatever its EOL was. */
	assert_int_equal(m.r.received, 3 + 5 + 4 + 2 + 6 + 5 + 5 + 3 + 3);

	br_sim_init(&m, 1000, 100);
	br_sim_feed(&m, ".\n", 2);
	OUT(&m, "\x03");
	/* ". " is not the terminator: a stuffed " ". */
	br_sim_init(&m, 1000, 100);
	br_sim_feed(&m, ". \r\n.\r\n", 7);
	OUT(&m, " \x01\x03");
}

/* Every way of cutting the input in two, and in bytes: the same lines. */
static void
test_block_split_anywhere(void **state)
{
	static const char *const ins[] = {
		"x\r\n.\r\n",
		"..\r\n...\r\n.\r\n",
		"a\r\n\r\n.\r\n",
		"line one\r\n.. dotted\r\n.\nafter",
		"h: v\r\n\r\nbody\rcr\r\n\0\r\n.\r\n",
	};
	struct br_sim	whole, m;
	size_t		i, cut, j, n;

	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		n = strlen(ins[i]);
		if (i == 4)
			n = 23;		/* holds a NUL */
		br_sim_init(&whole, 1000, 100);
		br_sim_feed(&whole, ins[i], n);
		assert_true(whole.ended);
		for (cut = 0; cut <= n; cut++) {
			br_sim_init(&m, 1000, 100);
			br_sim_feed(&m, ins[i], cut);
			br_sim_feed(&m, ins[i] + cut, n - cut);
			assert_out(&m, whole.out, whole.olen);
			assert_int_equal(m.plen, whole.plen);
			assert_int_equal(m.r.received, whole.r.received);
		}
		br_sim_init(&m, 1000, 100);
		for (j = 0; j < n; j++)
			br_sim_feed(&m, ins[i] + j, 1);
		assert_out(&m, whole.out, whole.olen);
	}
}

/* An unfinished line is searched only where it grew. */
static void
test_block_partial_line_not_rescanned(void **state)
{
	struct br_sim	m;

	br_sim_init(&m, 1000, 100);
	br_sim_feed(&m, "abc", 3);
	assert_int_equal(m.r.scanned, 3);
	br_sim_feed(&m, "def\r", 4);
	assert_int_equal(m.r.scanned, 7);
	assert_int_equal(m.olen, 0);
	br_sim_feed(&m, "\n.", 2);
	OUT(&m, "abcdef\x01");
	/* A new line: nothing of it searched yet but the "." */
	assert_int_equal(m.r.scanned, 1);
	br_sim_feed(&m, "\r\n", 2);
	OUT(&m, "abcdef\x01\x03");
}

/* A line longer than line_max is dropped as it comes, then answered as
   too long at the end; the reader keeps in step with the client. */
static void
test_block_overlong_line(void **state)
{
	struct br_sim	m;

	br_sim_init(&m, 1000, 8);
	br_sim_feed(&m, "ok\r\n0123456789", 14);
	OUT(&m, "ok\x01");
	assert_true(m.r.too_long);
	assert_true(m.r.midline);
	/* One octet is kept: it may be the CR of a CRLF. */
	assert_int_equal(m.plen, 1);
	br_sim_feed(&m, "more of it", 10);
	assert_true(m.plen <= 9);
	br_sim_feed(&m, "\r\nnext\r\n.\r\n", 11);
	/* The over-long line's end is skipped, later lines too (the block
	   is refused), but the terminator still ends it. */
	OUT(&m, "ok\x01\x02\x02\x03");
	assert_false(m.r.midline);
	assert_true(m.r.too_long);

	/* The same line arriving whole, LF included, is not dropped: a
	   line is only over-long while the reader has to hold it. */
	br_sim_init(&m, 1000, 8);
	br_sim_feed(&m, "0123456789\r\n.\r\n", 15);
	OUT(&m, "0123456789\x01\x03");
}

/* The block's size limit: counted with CRLFs, lines after it skipped. */
static void
test_block_size_limit(void **state)
{
	const char	*line;
	struct br_sim	 m;
	size_t		 used, len;

	br_sim_init(&m, 10, 100);
	br_sim_feed(&m, "12345678\r\n", 10);
	OUT(&m, "12345678\x01");
	assert_false(m.r.too_long);
	br_sim_feed(&m, "a\n.\r\n", 5);
	OUT(&m, "12345678\x01\x02\x03");
	assert_true(m.r.too_long);

	/* A partial line that would pass the limit is dropped at once. */
	br_sim_init(&m, 10, 100);
	br_sim_feed(&m, "0123456789AB", 12);
	assert_true(m.r.too_long);
	assert_int_equal(m.plen, 1);

	/* An empty buffer is never "dropped", even past the limit. */
	assert_int_equal(block_next(&m.r, "", 0, &used, &line, &len),
	    BLOCK_MORE);
	assert_int_equal(used, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linecodec_scan_eols),
		cmocka_unit_test(test_block_lines_eols_and_stuffing),
		cmocka_unit_test(test_block_split_anywhere),
		cmocka_unit_test(test_block_partial_line_not_rescanned),
		cmocka_unit_test(test_block_overlong_line),
		cmocka_unit_test(test_block_size_limit),
		cmocka_unit_test(test_linecodec_scan_limit_edges),
		cmocka_unit_test(test_linecodec_discard_across_feeds),
		cmocka_unit_test(test_linecodec_terminator_and_unstuff),
		cmocka_unit_test(test_linecodec_stuff_round_trip),
		cmocka_unit_test(test_linecodec_stuff_binary_and_bare_lf),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
