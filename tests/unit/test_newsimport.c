/* Unit tests for proto/newsimport.c: rnews framing, mbox splitting and
   escaping, INN's active, newsgroups and history lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "newsimport.h"

#define S(x)	x, sizeof(x) - 1

static void
test_rnews_batch(void **state)
{
	static const char batch[] = "#! rnews 6\nabc\nd\n\n#! rnews 0\n"
	    "#! rnews 3\nxy\n";
	const char	*art, *why;
	size_t		 pos = 0, len;

	assert_int_equal(rnews_next(S(batch), &pos, &art, &len, &why), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(art, "abc\nd\n", 6);
	assert_int_equal(rnews_next(S(batch), &pos, &art, &len, &why), 1);
	assert_int_equal(len, 0);
	assert_int_equal(rnews_next(S(batch), &pos, &art, &len, &why), 1);
	assert_memory_equal(art, "xy\n", 3);
	assert_int_equal(rnews_next(S(batch), &pos, &art, &len, &why), 0);
	assert_int_equal(pos, sizeof(batch) - 1);
}

static void
test_rnews_bad_framing(void **state)
{
	static const char *const bad[] = { "hello\n", "#! rnews\n",
	    "#! rnews x\n", "#! rnews 10\nshort\n", "#! rnews 3", "#! rnews "
	    "99999999999999999999\n", "#! cunbatch\n\x1f\x9d" };
	const char	*art, *why;
	size_t		 pos, len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pos = 0;
		assert_int_equal(rnews_next(bad[i], strlen(bad[i]), &pos, &art,
		    &len, &why), -1);
		assert_true(why[0] != '\0');
	}
	pos = 0;
	assert_int_equal(rnews_next(S("#! cunbatch\n"), &pos, &art, &len,
	    &why), -1);
	assert_non_null(strstr(why, "cunbatch"));
}

static void
test_rnews_line(void **state)
{
	char	buf[RNEWS_LINE_MAX];

	assert_int_equal(rnews_line(buf, 1234), 14);
	assert_memory_equal(buf, "#! rnews 1234\n", 14);
}

static void
test_mbox_split(void **state)
{
	static const char mbox[] = "From a@x Thu Dec  4 19:04:19 2026\n"
	    "Subject: one\n\nbody\nFrom inside (not after an empty line)\n\n"
	    "From b@y Fri Dec  5 00:00:00 2026\nSubject: two\n\n>From esc\n";
	const char	*from, *msg;
	size_t		 pos = 0, fl, ml;

	assert_int_equal(mbox_next(S(mbox), &pos, &from, &fl, &msg, &ml), 1);
	assert_int_equal(fl, strlen("From a@x Thu Dec  4 19:04:19 2026"));
	assert_int_equal(ml, strlen("Subject: one\n\nbody\nFrom inside (not "
	    "after an empty line)\n"));
	assert_memory_equal(msg, "Subject: one\n", 13);
	assert_int_equal(mbox_next(S(mbox), &pos, &from, &fl, &msg, &ml), 1);
	assert_memory_equal(from, "From b@y", 8);
	assert_int_equal(ml, strlen("Subject: two\n\n>From esc\n"));
	assert_int_equal(mbox_next(S(mbox), &pos, &from, &fl, &msg, &ml), 0);
	/* The empty line after the last message is the separator. */
	pos = 0;
	assert_int_equal(mbox_next(S("From a\nX: y\n\nbody\n\n"), &pos,
	    &from, &fl, &msg, &ml), 1);
	assert_int_equal(ml, strlen("X: y\n\nbody\n"));
	pos = 0;
	assert_int_equal(mbox_next(S("Subject: x\n"), &pos, &from, &fl, &msg,
	    &ml), -1);
	pos = 0;
	assert_int_equal(mbox_next(S(""), &pos, &from, &fl, &msg, &ml), 0);
}

static void
test_mbox_escaping(void **state)
{
	assert_int_equal(mbox_unescape_skip(S(">From x")), 1);
	assert_int_equal(mbox_unescape_skip(S(">>From x")), 1);
	assert_int_equal(mbox_unescape_skip(S("From x")), 0);
	assert_int_equal(mbox_unescape_skip(S("> From x")), 0);
	assert_int_equal(mbox_unescape_skip(S(">Fro")), 0);
	assert_int_equal(mbox_needs_escape(S("From x")), 1);
	assert_int_equal(mbox_needs_escape(S(">>From x")), 1);
	assert_int_equal(mbox_needs_escape(S("from x")), 0);
	assert_int_equal(mbox_needs_escape(S("Fromage")), 0);
}

static void
test_mbox_from_line(void **state)
{
	const char	*s;
	size_t		 sl;
	time_t		 t;
	char		 buf[25];

	assert_int_equal(mbox_from_parse(S("From joe@example.org Thu Dec  4 "
	    "19:04:19 2026"), &s, &sl, &t), 0);
	assert_int_equal(sl, strlen("joe@example.org"));
	assert_memory_equal(s, "joe@example.org", sl);
	assert_int_equal(t, 1796411059);
	mbox_date_format(t, buf);
	assert_string_equal(buf, "Fri Dec  4 19:04:19 2026");
	mbox_date_format(0, buf);
	assert_string_equal(buf, "Thu Jan  1 00:00:00 1970");
	mbox_date_format(951782400, buf);	/* a leap day */
	assert_string_equal(buf, "Tue Feb 29 00:00:00 2000");
	assert_int_equal(mbox_from_parse(S("From x garbage"), &s, &sl, &t),
	    0);
	assert_int_equal(t, 0);
	assert_int_equal(mbox_from_parse(S("From "), &s, &sl, &t), -1);
	assert_int_equal(mbox_from_parse(S("Subject: x"), &s, &sl, &t), -1);
}

static void
test_inn_active(void **state)
{
	struct inn_active	a;

	assert_int_equal(inn_active_parse(S("comp.lang.c 0000001234 "
	    "0000000012 y\n"), &a), 0);
	assert_int_equal(a.namelen, 11);
	assert_memory_equal(a.name, "comp.lang.c", 11);
	assert_int_equal(a.high, 1234);
	assert_int_equal(a.low, 12);
	assert_int_equal(a.flag, 'y');
	assert_int_equal(inn_active_parse(S("old.name 5 1 =new.name"), &a),
	    0);
	assert_int_equal(a.flag, '=');
	assert_memory_equal(a.alias, "new.name", a.aliaslen);
	assert_int_equal(inn_active_parse(S("x 1 1 j"), &a), 0);
	assert_int_equal(inn_active_parse(S("x 1 1 q"), &a), -1);
	assert_int_equal(inn_active_parse(S("x 1 1"), &a), -1);
	assert_int_equal(inn_active_parse(S("x a 1 y"), &a), -1);
	assert_int_equal(inn_active_parse(S("x 1 1 y extra"), &a), -1);
	assert_int_equal(inn_active_parse(S(""), &a), -1);
	assert_int_equal(inn_active_parse(S("x 1 1 ="), &a), -1);
	assert_int_equal(inn_active_parse(S("x 99999999999 1 y"), &a), -1);
}

static void
test_inn_newsgroups(void **state)
{
	const char	*n, *d;
	size_t		 nl, dl;

	assert_int_equal(inn_newsgroups_parse(S("local.test\t\tTests, "
	    "mostly\t\n"), &n, &nl, &d, &dl), 0);
	assert_memory_equal(n, "local.test", nl);
	assert_int_equal(dl, strlen("Tests, mostly"));
	assert_memory_equal(d, "Tests, mostly", dl);
	assert_int_equal(inn_newsgroups_parse(S("bare"), &n, &nl, &d, &dl),
	    0);
	assert_int_equal(dl, 0);
	assert_int_equal(inn_newsgroups_parse(S("\tx"), &n, &nl, &d, &dl),
	    -1);
	assert_int_equal(inn_newsgroups_parse(S("# c"), &n, &nl, &d, &dl),
	    -1);
}

static void
test_inn_history(void **state)
{
	struct inn_history	h;

	assert_int_equal(inn_history_parse(S("[4F4F3C79199472627AB4EB6642C6"
	    "B52F]\t1796411138~-~1704067200\t@0500000000010000000000000001000"
	    "00000@\n"), &h), 0);
	assert_int_equal(h.hash[0], 0x4f);
	assert_int_equal(h.hash[15], 0x2f);
	assert_int_equal(h.arrived, 1796411138);
	assert_int_equal(h.posted, 1704067200);
	assert_true(h.stored);
	assert_int_equal(inn_history_parse(S("[4F4F3C79199472627AB4EB6642C6"
	    "B52F]\t1796411138~1800000000~1704067200"), &h), 0);
	assert_false(h.stored);
	assert_int_equal(inn_history_parse(S("[4F4F3C79199472627AB4EB6642C6"
	    "B52F]\t1796411138"), &h), 0);
	assert_int_equal(inn_history_parse(S("[4F4F3C79199472627AB4EB6642C6"
	    "B52]\t1796411138"), &h), -1);
	assert_int_equal(inn_history_parse(S("[4F4F3C79199472627AB4EB6642C6"
	    "B52Z]\t1796411138"), &h), -1);
	assert_int_equal(inn_history_parse(S("[4F4F3C79199472627AB4EB6642C6"
	    "B52F] 1796411138"), &h), -1);
	assert_int_equal(inn_history_parse(S("[4F4F3C79199472627AB4EB6642C6"
	    "B52F]\t1~-~2\ttoken"), &h), -1);
}

static void
test_inn_hash_input(void **state)
{
	char	out[64];

	inn_msgid_hash_input(S("<x1@Ex.Example>"), out);
	assert_memory_equal(out, "<x1@ex.example>", 15);
	inn_msgid_hash_input(S("<AbC@D>"), out);
	assert_memory_equal(out, "<AbC@d>", 7);
	inn_msgid_hash_input(S("<PostMaster@Ex.ORG>"), out);
	assert_memory_equal(out, "<postmaster@ex.org>", 19);
	inn_msgid_hash_input(S("<NoAt>"), out);
	assert_memory_equal(out, "<NoAt>", 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rnews_batch),
		cmocka_unit_test(test_rnews_bad_framing),
		cmocka_unit_test(test_rnews_line),
		cmocka_unit_test(test_mbox_split),
		cmocka_unit_test(test_mbox_escaping),
		cmocka_unit_test(test_mbox_from_line),
		cmocka_unit_test(test_inn_active),
		cmocka_unit_test(test_inn_newsgroups),
		cmocka_unit_test(test_inn_history),
		cmocka_unit_test(test_inn_hash_input),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
