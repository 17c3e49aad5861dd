/* Unit tests for proto/datetime.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "datetime.h"

/* Parse s, asserting success; returns the time. */
static long long
parse_ok(const char *s)
{
	time_t		 t = 0;
	const char	*err = "unset";

	if (rfc5322_date_parse(s, strlen(s), &t, &err) != 0)
		fail_msg("refused \"%s\": %s", s, err);
	assert_null(err);
	return ((long long)t);
}

static void
parse_bad(const char *s)
{
	time_t		 t = 12345;
	const char	*err = NULL;

	if (rfc5322_date_parse(s, strlen(s), &t, &err) != -1)
		fail_msg("accepted \"%s\"", s);
	assert_non_null(err);
	assert_true(strlen(err) > 0);
}

static void
test_datetime_rfc5322_examples(void **state)
{
	/* RFC 5322 appendix A.1.1, A.1.2, A.1.3. */
	assert_int_equal(parse_ok("Fri, 21 Nov 1997 09:55:06 -0600"),
	    880127706);
	assert_int_equal(parse_ok("Tue, 1 Jul 2003 10:52:37 +0200"),
	    1057049557);
	assert_int_equal(parse_ok("Thu, 13 Feb 1969 23:32:54 -0330"),
	    -27723426);
	/* Case does not matter for names. */
	assert_int_equal(parse_ok("fri, 21 NOV 1997 09:55:06 -0600"),
	    880127706);
}

static void
test_datetime_rfc5322_obsolete_forms(void **state)
{
	/* A.6.3: folding white space and a comment everywhere. */
	assert_int_equal(parse_ok("Thu,\r\n      13\r\n        Feb\r\n"
	    "          1969\r\n      23:32\r\n"
	    "               -0330 (Newfoundland Time)"), -27723480);
	/* A.6.2: two-digit year, named zone, no day of week. */
	assert_int_equal(parse_ok("21 Nov 97 09:55:06 GMT"), 880106106);
	/* Two-digit years: 00-49 are 20xx, 50-99 are 19xx (4.3). */
	assert_int_equal(parse_ok("2 Jan 49 03:04:05 +0000"), 2493169445LL);
	assert_int_equal(parse_ok("2 Jan 50 03:04:05 +0000"), -631054555LL);
	/* Three-digit years count from 1900. */
	assert_int_equal(parse_ok("2 Jan 103 03:04:05 +0000"), 1041476645);
	/* Named US zones. */
	assert_int_equal(parse_ok("Fri, 21 Nov 1997 09:55:06 CST"),
	    880127706);
	assert_int_equal(parse_ok("Fri, 21 Nov 1997 10:55:06 EST"),
	    880127706);
	assert_int_equal(parse_ok("Fri, 21 Nov 1997 08:55:06 MST"),
	    880127706);
	/* Military letters and unknown names are "-0000": UTC. */
	assert_int_equal(parse_ok("21 Nov 1997 09:55:06 Z"), 880106106);
	assert_int_equal(parse_ok("21 Nov 1997 09:55:06 A"), 880106106);
	assert_int_equal(parse_ok("21 Nov 1997 09:55:06 CET"), 880106106);
	assert_int_equal(parse_ok("21 Nov 1997 09:55:06 UT"), 880106106);
	/* No seconds; comments and CFWS around the colon. */
	assert_int_equal(parse_ok("21 Nov 1997 09:55 +0000"), 880106100);
	assert_int_equal(parse_ok("(c) 21 Nov 1997 09 : 55 : 06 (x(y)) "
	    "+0000 (z)"), 880106106);
	/* A leap second and 29 February of a leap year. */
	assert_int_equal(parse_ok("31 Dec 2016 23:59:60 +0000"), 1483228800);
	assert_int_equal(parse_ok("29 Feb 2024 12:00:00 +0000"), 1709208000);
	assert_int_equal(parse_ok("1 Mar 2000 00:00:00 +0000"), 951868800);
}

static void
test_datetime_rfc5322_invalid(void **state)
{
	parse_bad("");
	parse_bad("   ");
	parse_bad("Fri, 30 Feb 2024 09:55:06 +0000");	/* no such day */
	parse_bad("29 Feb 2023 09:55:06 +0000");
	parse_bad("31 Apr 2023 09:55:06 +0000");
	parse_bad("0 Apr 2023 09:55:06 +0000");
	parse_bad("21 Nov 1997 25:00:00 +0000");	/* hour 25 */
	parse_bad("21 Nov 1997 24:00:00 +0000");
	parse_bad("21 Nov 1997 12:60:00 +0000");
	parse_bad("21 Nov 1997 12:00:61 +0000");
	parse_bad("21 Nov 1997 12:00:00 +0960");	/* zone minutes */
	parse_bad("21 Nov 1997 12:00:00 +100");
	parse_bad("21 Nov 1997 12:00:00");		/* no zone */
	parse_bad("Fry, 21 Nov 1997 12:00:00 +0000");
	parse_bad("Fri 21 Nov 1997 12:00:00 +0000");	/* no comma */
	parse_bad("21 Foo 1997 12:00:00 +0000");
	parse_bad("21 Nov 1899 12:00:00 +0000");
	parse_bad("21 Nov 1 12:00:00 +0000");
	parse_bad("21 Nov 1997 12:00:00 +0000 junk!");
	parse_bad("21 Nov 1997 12:00:00 +0000 (unclosed");
	parse_bad("21 Nov 1997 12:00:00 +0000 )");
	parse_bad("21 Nov 1997 1:00:00 +0000");
	parse_bad("121 Nov 1997 12:00:00 +0000");
	parse_bad("21 Nov 1997 12:00:00 ABCDEF");
	parse_bad("21 Nov 99999999999 12:00:00 +0000");
}

static void
test_datetime_rfc5322_length_is_honoured(void **state)
{
	const char	*s = "21 Nov 1997 09:55:06 +0000XXXX";
	time_t		 t;

	assert_int_equal(rfc5322_date_parse(s, 26, &t, NULL), 0);
	assert_int_equal((long long)t, 880106106);
	assert_int_equal(rfc5322_date_parse(s, strlen(s), &t, NULL), -1);
}

static void
test_datetime_rfc5322_format_round_trip(void **state)
{
	static const long long times[] = {
		0, 880106106, 1795920423, -27723426, 951868800, 4102444799LL,
		1709208000, 86399, -1
	};
	char	buf[32];
	size_t	i;
	time_t	t;

	rfc5322_date_format((time_t)1795920423, buf);
	assert_string_equal(buf, "Sun, 29 Nov 2026 02:47:03 +0000");
	rfc5322_date_format((time_t)1057049557, buf);
	assert_string_equal(buf, "Tue, 1 Jul 2003 08:52:37 +0000");
	rfc5322_date_format((time_t)0, buf);
	assert_string_equal(buf, "Thu, 1 Jan 1970 00:00:00 +0000");
	rfc5322_date_format((time_t)-1, buf);
	assert_string_equal(buf, "Wed, 31 Dec 1969 23:59:59 +0000");
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		rfc5322_date_format((time_t)times[i], buf);
		assert_int_equal(rfc5322_date_parse(buf, strlen(buf), &t,
		    NULL), 0);
		assert_int_equal((long long)t, times[i]);
	}
}

static void
test_datetime_nntp_four_digit_years(void **state)
{
	time_t	t, now = (time_t)1781481600;	/* 2026-06-15 */

	assert_int_equal(nntp_datetime_parse("20261129", "024703", 1, now, 0,
	    &t), 0);
	assert_int_equal((long long)t, 1795920423);
	/* Without GMT the time is local: an offset of +1h is 1h earlier
	   in UTC. */
	assert_int_equal(nntp_datetime_parse("20261129", "034703", 0, now,
	    3600, &t), 0);
	assert_int_equal((long long)t, 1795920423);
	assert_int_equal(nntp_datetime_parse("19270101", "000000", 1, now, 0,
	    &t), 0);
	assert_int_equal((long long)t, -1356998400LL);
}

static void
test_datetime_nntp_two_digit_century_rule(void **state)
{
	time_t	t, now = (time_t)1781481600;	/* 2026-06-15 */

	/* RFC 3977 7.3.2: yy <= current yy is this century... */
	assert_int_equal(nntp_datetime_parse("260101", "000000", 1, now, 0,
	    &t), 0);
	assert_int_equal((long long)t, 1767225600);
	assert_int_equal(nntp_datetime_parse("000301", "000000", 1, now, 0,
	    &t), 0);
	assert_int_equal((long long)t, 951868800);
	/* ...and a later yy the previous one, even one year ahead. */
	assert_int_equal(nntp_datetime_parse("270101", "000000", 1, now, 0,
	    &t), 0);
	assert_int_equal((long long)t, -1356998400LL);
	assert_int_equal(nntp_datetime_parse("991231", "235959", 1, now, 0,
	    &t), 0);
	assert_int_equal((long long)t, 946684799);
}

static void
test_datetime_nntp_invalid(void **state)
{
	time_t	t, now = (time_t)1781481600;

	assert_int_equal(nntp_datetime_parse("20240230", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("20230229", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("20240229", "000000", 1, now, 0,
	    &t), 0);
	assert_int_equal(nntp_datetime_parse("240101", "250000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("240101", "126000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("240101", "120061", 1, now, 0,
	    &t), -1);
	/* Second 60 is allowed, for leap seconds (RFC 3977 7.3.2). */
	assert_int_equal(nntp_datetime_parse("20161231", "235960", 1, now, 0,
	    &t), 0);
	assert_int_equal((long long)t, 1483228800LL);
	assert_int_equal(nntp_datetime_parse("241301", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("240100", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("2401011", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("240101", "00000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("24O101", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("18991231", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse("-40101", "000000", 1, now, 0,
	    &t), -1);
	assert_int_equal(nntp_datetime_parse(NULL, "000000", 1, now, 0, &t),
	    -1);
}

static void
test_datetime_nntp_date_format(void **state)
{
	char	buf[15];

	nntp_date_format((time_t)1795920423, buf);
	assert_string_equal(buf, "20261129024703");
	nntp_date_format((time_t)0, buf);
	assert_string_equal(buf, "19700101000000");
	nntp_date_format((time_t)951868800, buf);
	assert_string_equal(buf, "20000301000000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datetime_rfc5322_examples),
		cmocka_unit_test(test_datetime_rfc5322_obsolete_forms),
		cmocka_unit_test(test_datetime_rfc5322_invalid),
		cmocka_unit_test(test_datetime_rfc5322_length_is_honoured),
		cmocka_unit_test(test_datetime_rfc5322_format_round_trip),
		cmocka_unit_test(test_datetime_nntp_four_digit_years),
		cmocka_unit_test(test_datetime_nntp_two_digit_century_rule),
		cmocka_unit_test(test_datetime_nntp_invalid),
		cmocka_unit_test(test_datetime_nntp_date_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
