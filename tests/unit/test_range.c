/* Unit tests for proto/range.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "nntp.h"
#include "range.h"

static void
test_range_single_number(void **state)
{
	uint32_t	lo, hi;

	assert_int_equal(nntp_range_parse("42", 100, &lo, &hi), 0);
	assert_int_equal(lo, 42);
	assert_int_equal(hi, 42);
}

static void
test_range_open_end_uses_high(void **state)
{
	uint32_t	lo, hi;

	assert_int_equal(nntp_range_parse("7-", 100, &lo, &hi), 0);
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 100);
}

static void
test_range_closed(void **state)
{
	uint32_t	lo, hi;

	assert_int_equal(nntp_range_parse("3-9", 100, &lo, &hi), 0);
	assert_int_equal(lo, 3);
	assert_int_equal(hi, 9);
	/* Reversed ranges are valid and empty (RFC 3977 3.2.1). */
	assert_int_equal(nntp_range_parse("9-3", 100, &lo, &hi), 0);
	assert_true(lo > hi);
}

static void
test_range_clamps_huge_numbers(void **state)
{
	uint32_t	lo, hi, n;

	assert_int_equal(nntp_range_parse("1-9999999999999999", 5, &lo, &hi),
	    0);
	assert_int_equal(hi, NNTP_ARTNUM_MAX);
	assert_int_equal(nntp_number_parse("4294967296", &n), 0);
	assert_int_equal(n, NNTP_ARTNUM_MAX);
	/* 17 digits is beyond the grammar. */
	assert_int_equal(nntp_number_parse("12345678901234567", &n), -1);
}

static void
test_range_rejects_garbage(void **state)
{
	static const char *const bad[] = { "", "-", "-5", "a", "1-b", "1--2",
	    "1 -2", "+1", "1-2-3", "0x10", " 1" };
	uint32_t	lo, hi;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nntp_range_parse(bad[i], 10, &lo, &hi), -1);
}

/* Every digit count, both sides of each power of ten, against printf;
   nothing is written past the digits. */
static void
check_format(uint32_t v)
{
	char	buf[NNTP_NUMBER_DIGITS + 4], want[16];
	size_t	n;

	memset(buf, '#', sizeof(buf));
	n = nntp_number_format(buf, v);
	snprintf(want, sizeof(want), "%u", v);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	assert_true(n <= NNTP_NUMBER_DIGITS);
	assert_int_equal(buf[n], '#');
}

static void
test_number_format(void **state)
{
	uint32_t	p, v;

	check_format(0);
	check_format(UINT32_MAX);
	check_format(NNTP_ARTNUM_MAX);
	for (p = 1; p <= 1000000000; p *= 10) {
		check_format(p - 1);
		check_format(p);
		check_format(p + 1);
		if (p == 1000000000)
			break;
	}
	/* A spread of values (an LCG: the same ones every run). */
	for (v = 12345, p = 0; p < 100000; p++) {
		v = v * 1664525 + 1013904223;
		check_format(v);
		check_format(v >> (p % 32));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_single_number),
		cmocka_unit_test(test_range_open_end_uses_high),
		cmocka_unit_test(test_range_closed),
		cmocka_unit_test(test_range_clamps_huge_numbers),
		cmocka_unit_test(test_range_rejects_garbage),
		cmocka_unit_test(test_number_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
