/* Unit tests for proto/wildmat.c: RFC 3977 4.4's examples and more. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "wildmat.h"

struct wm_case {
	const char	*text;
	const char	*wildmat;
	int		 match;
};

static void
check(const struct wm_case *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (wildmat_match(c[i].text, c[i].wildmat) != c[i].match)
			fail_msg("\"%s\" vs \"%s\": expected %s", c[i].text,
			    c[i].wildmat, c[i].match ? "match" : "no match");
}

/* RFC 3977 4.4. */
static void
test_wildmat_rfc_examples(void **state)
{
	static const struct wm_case c[] = {
		/* "a*b": any string starting with a and ending with b */
		{ "ab", "a*b", 1 }, { "axxb", "a*b", 1 }, { "abc", "a*b", 0 },
		/* "a*,*b": starts with a or ends with b */
		{ "abc", "a*,*b", 1 }, { "xb", "a*,*b", 1 },
		{ "xbc", "a*,*b", 0 },
		/* "a*,!*b": starts with a and does not end with b */
		{ "ac", "a*,!*b", 1 }, { "ab", "a*,!*b", 0 },
		{ "cb", "a*,!*b", 0 },
		/* "a*,!*b,c*": ... or starts with c */
		{ "cb", "a*,!*b,c*", 1 }, { "ab", "a*,!*b,c*", 0 },
		/* "a*,c*,!*b": starts with a or c, and does not end in b */
		{ "cb", "a*,c*,!*b", 0 }, { "cx", "a*,c*,!*b", 1 },
		/* "?a*": second character a */
		{ "ba", "?a*", 1 }, { "bax", "?a*", 1 }, { "ab", "?a*", 0 },
		/* "a??": three characters starting with a */
		{ "abc", "a??", 1 }, { "ab", "a??", 0 }, { "abcd", "a??", 0 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

static void
test_wildmat_groups_and_negation_order(void **state)
{
	static const struct wm_case c[] = {
		{ "comp.lang.c", "comp.*", 1 },
		{ "comp.lang.c", "comp.*,!comp.lang.*", 0 },
		{ "comp.lang.c", "!comp.lang.*,comp.*", 1 },
		{ "alt.test", "!alt.*", 0 },
		{ "misc.test", "*,!alt.*", 1 },
		{ "local.general", "local.general", 1 },
		{ "local.generalx", "local.general", 0 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

static void
test_wildmat_classes_and_escapes(void **state)
{
	static const struct wm_case c[] = {
		{ "a1", "a[0-9]", 1 }, { "ax", "a[0-9]", 0 },
		{ "ax", "a[^0-9]", 1 }, { "a5", "a[^0-9]", 0 },
		{ "]", "[]]", 1 }, { "b", "[abc]", 1 }, { "d", "[abc]", 0 },
		{ "-", "[a-]", 1 }, { "*", "\\*", 1 }, { "x", "\\*", 0 },
		{ "a,b", "a\\,b", 1 }, { "?", "\\?", 1 }, { "[", "[", 1 },
		{ ",", "[,]", 1 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

static void
test_wildmat_utf8_characters(void **state)
{
	static const struct wm_case c[] = {
		{ "caf\xc3\xa9", "caf?", 1 },		/* é is one char */
		{ "caf\xc3\xa9", "caf??", 0 },
		{ "\xe2\x82\xac", "[\xe2\x82\xac]", 1 },	/* € in a class */
		{ "\xc3\xa9", "[\xc3\xa0-\xc3\xbf]", 1 },	/* à-ÿ */
		{ "z", "[\xc3\xa0-\xc3\xbf]", 0 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

static void
test_wildmat_pathological_pattern_is_fast(void **state)
{
	char	text[20001];

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* Exponential with naive recursion; linear-ish here. */
	assert_int_equal(wildmat_match(text,
	    "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"), 0);
	assert_int_equal(wildmat_match(text, "*a*a*a*a*a*a*a*a*a"), 1);
}

static void
test_wildmat_validity(void **state)
{
	const char	*err;

	assert_int_equal(wildmat_valid("comp.*,!comp.lang.*", &err), 0);
	assert_int_equal(wildmat_valid("a[bc]d", &err), 0);
	assert_int_equal(wildmat_valid("", &err), -1);
	assert_int_equal(wildmat_valid("a,,b", &err), -1);
	assert_int_equal(wildmat_valid("a,", &err), -1);
	assert_int_equal(wildmat_valid("a[bc", &err), -1);
	assert_int_equal(wildmat_valid("ab\\", &err), -1);
	assert_int_equal(wildmat_valid("a!b", &err), -1);
	assert_non_null(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildmat_rfc_examples),
		cmocka_unit_test(test_wildmat_groups_and_negation_order),
		cmocka_unit_test(test_wildmat_classes_and_escapes),
		cmocka_unit_test(test_wildmat_utf8_characters),
		cmocka_unit_test(test_wildmat_pathological_pattern_is_fast),
		cmocka_unit_test(test_wildmat_validity),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
