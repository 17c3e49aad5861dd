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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linecodec_scan_eols),
		cmocka_unit_test(test_linecodec_scan_limit_edges),
		cmocka_unit_test(test_linecodec_discard_across_feeds),
		cmocka_unit_test(test_linecodec_terminator_and_unstuff),
		cmocka_unit_test(test_linecodec_stuff_round_trip),
		cmocka_unit_test(test_linecodec_stuff_binary_and_bare_lf),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
