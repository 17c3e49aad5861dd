/* Unit tests for proto/msgid.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "msgid.h"

#define STRICT(s)	msgid_valid((s), strlen(s))
#define LOOSE(s)	msgid_valid_nntp((s), strlen(s))

static void
test_msgid_strict_accepts_rfc5536_forms(void **state)
{
	assert_true(STRICT("<a@b>"));
	assert_true(STRICT("<1234.5678@mail.example.com>"));
	assert_true(STRICT("<x!#$%&'*+-/=?^_`{|}~@example>"));
	assert_true(STRICT("<id@[192.0.2.1]>"));
	assert_true(STRICT("<id@[any:thing;here]>"));
	assert_true(STRICT("<id@[]>"));
}

static void
test_msgid_strict_refuses_bad_forms(void **state)
{
	assert_false(STRICT(""));
	assert_false(STRICT("<>"));
	assert_false(STRICT("<@>"));
	assert_false(STRICT("a@b"));
	assert_false(STRICT("<a@b"));
	assert_false(STRICT("<ab>"));			/* no "@" */
	assert_false(STRICT("<@b>"));			/* empty left */
	assert_false(STRICT("<a@>"));			/* empty right */
	assert_false(STRICT("<a@b@c>"));		/* "@" on the right */
	assert_false(STRICT("<a b@c>"));		/* space */
	assert_false(STRICT("<.a@b>"));			/* dot-atom rules */
	assert_false(STRICT("<a.@b>"));
	assert_false(STRICT("<a..b@c>"));
	assert_false(STRICT("<a@b..c>"));
	assert_false(STRICT("<a@b.>"));
	assert_false(STRICT("<\"q\"@b>"));		/* no quoted left */
	assert_false(STRICT("<a@[x]y>"));
	assert_false(STRICT("<a@[x>y]>"));		/* ">" inside */
	assert_false(STRICT("<a@[x\\y]>"));
	assert_false(STRICT("<a>b@c>"));
	assert_false(STRICT("<a<b@c>"));
	assert_false(STRICT("<a@b>\n"));
	assert_false(msgid_valid("<a@b>", 4));
	assert_false(msgid_valid(NULL, 0));
	assert_false(STRICT("<a\x80@b>"));
}

static void
test_msgid_length_limit(void **state)
{
	char	buf[300];

	/* "<" + 246 + "@b" + ">" is 250 octets: the maximum. */
	buf[0] = '<';
	memset(buf + 1, 'x', 246);
	memcpy(buf + 247, "@b>", 4);
	assert_int_equal(strlen(buf), 250);
	assert_true(STRICT(buf));
	assert_true(LOOSE(buf));
	buf[0] = '<';
	memset(buf + 1, 'x', 247);
	memcpy(buf + 248, "@b>", 4);
	assert_int_equal(strlen(buf), 251);
	assert_false(STRICT(buf));
	assert_false(LOOSE(buf));
}

static void
test_msgid_nntp_loose_form(void **state)
{
	/* RFC 3977 3.6: anything printable but ">" between the brackets. */
	assert_true(LOOSE("<a>"));
	assert_true(LOOSE("<no-at-sign>"));
	assert_true(LOOSE("<\"quoted\"@x>"));
	assert_true(LOOSE("<a<b@c>"));
	assert_true(LOOSE("<a..b@c>"));
	assert_false(LOOSE("<>"));
	assert_false(LOOSE("<a b>"));
	assert_false(LOOSE("<a\tb>"));
	assert_false(LOOSE("<a>b>"));
	assert_false(LOOSE("a"));
	assert_false(LOOSE("<a"));
	assert_false(LOOSE("<a\x7f>"));
	assert_false(LOOSE("<\xc3\xa9@x>"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msgid_strict_accepts_rfc5536_forms),
		cmocka_unit_test(test_msgid_strict_refuses_bad_forms),
		cmocka_unit_test(test_msgid_length_limit),
		cmocka_unit_test(test_msgid_nntp_loose_form),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
