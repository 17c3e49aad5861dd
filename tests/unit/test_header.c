/* Unit tests for proto/header.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "header.h"

static const char block[] =
    "Path: a!b\r\n"
    "Subject: first\tline\r\n"
    " continued\r\n"
    "\tand more\r\n"
    "X-Empty:\r\n"
    "..Dotted: yes\r\n"
    "subject: second occurrence\r\n"
    "From: A <a@example.com>\r\n";

static void
test_header_find_first_occurrence_unfolded(void **state)
{
	char	out[128];

	assert_int_equal(header_find(block, strlen(block), "SUBJECT", out,
	    sizeof(out)), 1);
	/* CRLF pairs removed, TABs become spaces (RFC 3977 8.5.2). */
	assert_string_equal(out, "first line continued and more");
}

static void
test_header_find_missing_and_empty(void **state)
{
	char	out[16] = "junk";

	assert_int_equal(header_find(block, strlen(block), "Lines", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(header_find(block, strlen(block), "X-Empty", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "");
	/* A prefix of a name is not the name. */
	assert_int_equal(header_find(block, strlen(block), "Fro", out,
	    sizeof(out)), 0);
}

static void
test_header_find_stuffed_name_and_truncation(void **state)
{
	char	out[6];

	assert_int_equal(header_find(block, strlen(block), ".Dotted", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "yes");
	assert_int_equal(header_find(block, strlen(block), "From", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "A <a@");
}

static void
test_header_overview_field(void **state)
{
	static const char	ov[] = "Subj\tA <a@b>\tDate\t<m@x>\t\t12\t3\t"
				    "Xref: h g:1";
	char			out[8];

	overview_field(ov, sizeof(ov) - 1, 0, out, sizeof(out));
	assert_string_equal(out, "Subj");
	overview_field(ov, sizeof(ov) - 1, 4, out, sizeof(out));
	assert_string_equal(out, "");		/* empty References */
	overview_field(ov, sizeof(ov) - 1, 6, out, sizeof(out));
	assert_string_equal(out, "3");
	overview_field(ov, sizeof(ov) - 1, 7, out, sizeof(out));
	assert_string_equal(out, "Xref: h");	/* truncated to fit */
	overview_field(ov, sizeof(ov) - 1, 9, out, sizeof(out));
	assert_string_equal(out, "");		/* past the end */
}

static int
collect(const char *group, void *arg)
{
	char	*all = arg;

	strcat(all, "[");
	strcat(all, group);
	strcat(all, "]");
	return (0);
}

static int
stop_at_b(const char *group, void *arg)
{
	return (strcmp(group, "b") == 0 ? 7 : 0);
}

/* The one Xref parser: entries, numbers in a group, and the group walk. */
static void
test_header_xref(void **state)
{
	const char		*xref = "local.test:12  misc.test:3 local:9 "
				    "nonum: bad:x1 local.test.sub:5";
	const char		*p = "  a:1 b ";
	struct xref_entry	 e;
	char			 all[256] = "";

	assert_int_equal(xref_next(&p, &e), 1);
	assert_int_equal(e.group_len, 1);
	assert_memory_equal(e.group, "a", 1);
	assert_int_equal(e.number, 1);
	assert_int_equal(xref_next(&p, &e), 1);
	assert_int_equal(e.group_len, 1);
	assert_int_equal(e.number, 0);
	assert_int_equal(xref_next(&p, &e), 0);

	assert_int_equal(xref_number_in(xref, "local.test"), 12);
	assert_int_equal(xref_number_in(xref, "misc.test"), 3);
	/* Whole group names only, never a prefix or a suffix. */
	assert_int_equal(xref_number_in(xref, "local"), 9);
	assert_int_equal(xref_number_in(xref, "test"), 0);
	assert_int_equal(xref_number_in(xref, "local.test.sub"), 5);
	assert_int_equal(xref_number_in(xref, "nonum"), 0);
	assert_int_equal(xref_number_in(xref, "bad"), 0);
	assert_int_equal(xref_number_in("", "a"), 0);

	assert_int_equal(xref_any_group(xref, collect, all), 0);
	assert_string_equal(all, "[local.test][misc.test][local][nonum][bad]"
	    "[local.test.sub]");
	assert_int_equal(xref_any_group("a:1 b:2 c:3", stop_at_b, NULL), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_find_first_occurrence_unfolded),
		cmocka_unit_test(test_header_find_missing_and_empty),
		cmocka_unit_test(test_header_find_stuffed_name_and_truncation),
		cmocka_unit_test(test_header_overview_field),
		cmocka_unit_test(test_header_xref),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
