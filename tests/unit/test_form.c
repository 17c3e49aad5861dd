/* Unit tests for proto/form.c: the web forms' bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "form.h"

static int
field(const char *body, const char *name, char *out, size_t outlen)
{
	return (form_field(body, strlen(body), name, out, outlen, NULL));
}

static void
test_form_basic(void **state)
{
	char	v[64];
	size_t	n;

	assert_int_equal(field("a=1&b=two+words&c=%41%62", "b", v, sizeof(v)),
	    0);
	assert_string_equal(v, "two words");
	assert_int_equal(field("a=1&b=two+words&c=%41%62", "c", v, sizeof(v)),
	    0);
	assert_string_equal(v, "Ab");
	assert_int_equal(form_field("a=1&&x=&y", 9, "x", v, sizeof(v), &n), 0);
	assert_string_equal(v, "");
	assert_int_equal(n, 0);
	assert_int_equal(field("a=1&&x=&y", "y", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(field("a=1", "b", v, sizeof(v)), 1);
	assert_int_equal(field("", "b", v, sizeof(v)), 1);
	/* The first occurrence wins; names are decoded too. */
	assert_int_equal(field("k=1&k=2", "k", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(field("%6b=3", "k", v, sizeof(v)), 0);
	assert_string_equal(v, "3");
	/* "=" inside a value, and a prefix is not the name. */
	assert_int_equal(field("kk=1&k=a%3Db=c", "k", v, sizeof(v)), 0);
	assert_string_equal(v, "a=b=c");
}

static void
test_form_bytes(void **state)
{
	char	v[64];

	/* UTF-8 and CR LF as browsers send them. */
	assert_int_equal(field("t=%C3%A9t%C3%A9%0D%0Aok", "t", v, sizeof(v)),
	    0);
	assert_string_equal(v, "\xc3\xa9t\xc3\xa9\r\nok");
	/* An escaped '+' and '&' stay themselves. */
	assert_int_equal(field("t=1%2B1%26x", "t", v, sizeof(v)), 0);
	assert_string_equal(v, "1+1&x");
}

static void
test_form_malformed(void **state)
{
	char	v[8];

	assert_int_equal(field("t=%4", "t", v, sizeof(v)), -1);
	assert_int_equal(field("t=%", "t", v, sizeof(v)), -1);
	assert_int_equal(field("t=%zz", "t", v, sizeof(v)), -1);
	assert_int_equal(field("t=a%00b", "t", v, sizeof(v)), -1);
	/* Too long for the buffer: refused, not cut. */
	assert_int_equal(field("t=12345678", "t", v, sizeof(v)), -1);
	assert_int_equal(field("t=1234567", "t", v, sizeof(v)), 0);
	assert_string_equal(v, "1234567");
	assert_int_equal(form_valid("a=1&b=%41", 9), 1);
	assert_int_equal(form_valid("a=1&b=%4", 8), 0);
	assert_int_equal(form_valid("a%00=1", 6), 0);
	/* A value ending exactly at the body's end, not at a NUL. */
	assert_int_equal(form_field("t=%41%4", 5, "t", v, sizeof(v), NULL), 0);
	assert_string_equal(v, "A");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_basic),
		cmocka_unit_test(test_form_bytes),
		cmocka_unit_test(test_form_malformed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
