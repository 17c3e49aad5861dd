/*
 * Unit tests for proto/ctlmsg.c: the Control field, the sender, the
 * newgroup and checkgroups bodies, the scope, the rules, pgpverify's
 * signed text and gpgv's status lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "article.h"
#include "article_test.h"
#include "ctlmsg.h"

static void
test_ctlmsg_parse_verbs(void **state)
{
	struct ctlmsg	c;
	char		r[ARTICLE_REASON_MAX];

	assert_int_equal(ctlmsg_parse("newgroup comp.lang.c", &c, r,
	    sizeof(r)), 0);
	assert_int_equal(c.verb, CTLMSG_NEWGROUP);
	assert_string_equal(c.group, "comp.lang.c");
	assert_int_equal(c.moderated, 0);
	assert_int_equal(ctlmsg_parse("  NewGroup  comp.x   Moderated ", &c, r,
	    sizeof(r)), 0);
	assert_int_equal(c.verb, CTLMSG_NEWGROUP);
	assert_string_equal(c.name, "newgroup");
	assert_int_equal(c.moderated, 1);
	assert_int_equal(ctlmsg_parse("rmgroup a.b", &c, r, sizeof(r)), 0);
	assert_int_equal(c.verb, CTLMSG_RMGROUP);
	assert_int_equal(ctlmsg_parse("cancel <a@b>", &c, r, sizeof(r)), 0);
	assert_int_equal(c.verb, CTLMSG_CANCEL);
	assert_int_equal(ctlmsg_parse("sendsys", &c, r, sizeof(r)), 0);
	assert_int_equal(c.verb, CTLMSG_OTHER);
	assert_string_equal(c.name, "sendsys");
	assert_int_equal(ctlmsg_parse("checkgroups de !de.alt #2024", &c, r,
	    sizeof(r)), 0);
	assert_int_equal(c.verb, CTLMSG_CHECKGROUPS);
	assert_string_equal(c.scope, "de !de.alt");
	assert_string_equal(c.serial, "2024");
	assert_int_equal(ctlmsg_parse("checkgroups", &c, r, sizeof(r)), 0);
	assert_string_equal(c.scope, "");
}

static void
test_ctlmsg_parse_errors(void **state)
{
	struct ctlmsg	c;
	char		r[ARTICLE_REASON_MAX];

	assert_int_equal(ctlmsg_parse("", &c, r, sizeof(r)), -1);
	assert_int_equal(ctlmsg_parse("new:group a", &c, r, sizeof(r)), -1);
	assert_int_equal(ctlmsg_parse("newgroup", &c, r, sizeof(r)), -1);
	assert_int_equal(c.verb, CTLMSG_NEWGROUP);
	assert_int_equal(ctlmsg_parse("newgroup a..b", &c, r, sizeof(r)), -1);
	assert_int_equal(ctlmsg_parse("newgroup a.b y", &c, r, sizeof(r)), -1);
	assert_non_null(strstr(r, "unexpected"));
	assert_int_equal(ctlmsg_parse("newgroup a.b moderated x", &c, r,
	    sizeof(r)), -1);
	assert_int_equal(ctlmsg_parse("rmgroup a.b moderated", &c, r,
	    sizeof(r)), -1);
	assert_int_equal(ctlmsg_parse("checkgroups #12x", &c, r, sizeof(r)),
	    -1);
	assert_int_equal(ctlmsg_parse("checkgroups !", &c, r, sizeof(r)), -1);
}

static void
test_ctlmsg_pseudo_group(void **state)
{
	assert_string_equal(ctlmsg_pseudo_group(CTLMSG_CANCEL),
	    "control.cancel");
	assert_string_equal(ctlmsg_pseudo_group(CTLMSG_NEWGROUP),
	    "control.newgroup");
	assert_string_equal(ctlmsg_pseudo_group(CTLMSG_OTHER), "control");
}

static void
test_ctlmsg_article_verb_and_sender(void **state)
{
	struct article	*a;
	char		 s[CTLMSG_ADDR_MAX + 1];

	a = art_parse("From: Admin <Boss@Example.ORG>\nControl: rmgroup x.y\n"
	    "\nbody");
	assert_int_equal(article_control_verb(a), CTLMSG_RMGROUP);
	assert_int_equal(ctlmsg_sender(a, s, sizeof(s)), 0);
	assert_string_equal(s, "boss@example.org");
	article_free(a);
	a = art_parse("From: a@b.example (Name)\nSender: <s@c.example>\n\nb");
	assert_int_equal(article_control_verb(a), CTLMSG_NONE);
	assert_int_equal(ctlmsg_sender(a, s, sizeof(s)), 0);
	assert_string_equal(s, "s@c.example");
	article_free(a);
	a = art_parse("From: a@b.example (Name)\nAlso-Control: newgroup x\n\nb");
	assert_int_equal(article_control_verb(a), CTLMSG_NONE);
	assert_int_equal(ctlmsg_sender(a, s, sizeof(s)), 0);
	assert_string_equal(s, "a@b.example");
	article_free(a);
	a = art_parse("From: nobody\n\nb");
	assert_int_equal(ctlmsg_sender(a, s, sizeof(s)), -1);
	article_free(a);
}

static void
test_ctlmsg_newgroup_desc(void **state)
{
	const char	*body = "Please create it.\r\n\r\nFor your newsgroups "
	    "file:\r\ncomp.x\tThe X language.  \r\n";
	const char	*mime = "--b\r\nContent-Type: application/news-"
	    "groupinfo\r\n\r\nFor your newsgroups file:\r\n\r\ncomp.x "
	    "  Described\r\n--b--\r\n";
	char		 d[CTLMSG_DESC_MAX + 1];

	assert_int_equal(ctlmsg_newgroup_desc(body, strlen(body), "comp.x", d,
	    sizeof(d)), 1);
	assert_string_equal(d, "The X language.");
	assert_int_equal(ctlmsg_newgroup_desc(mime, strlen(mime), "comp.x", d,
	    sizeof(d)), 1);
	assert_string_equal(d, "Described");
	/* Another group's line, or no marker: none. */
	assert_int_equal(ctlmsg_newgroup_desc(body, strlen(body), "comp.xy",
	    d, sizeof(d)), 0);
	assert_int_equal(ctlmsg_newgroup_desc("comp.x\tx\r\n", 10, "comp.x",
	    d, sizeof(d)), 0);
}

static void
test_ctlmsg_checkgroups_body(void **state)
{
	const char	*body = "#serial\r\nde.a\tGroup A\r\n--boundary\r\n"
	    "de.b   Group B (Moderated)\r\nnot a group line\r\n"
	    "de.c\t\r\n";
	const char	*p = body, *end = body + strlen(body);
	char		 n[CTLMSG_GROUP_MAX + 1], d[CTLMSG_DESC_MAX + 1];

	assert_int_equal(ctlmsg_checkgroups_next(&p, end, n, sizeof(n), d,
	    sizeof(d)), 1);
	assert_string_equal(n, "de.a");
	assert_string_equal(d, "Group A");
	assert_int_equal(ctlmsg_checkgroups_next(&p, end, n, sizeof(n), d,
	    sizeof(d)), 1);
	assert_string_equal(n, "de.b");
	assert_string_equal(d, "Group B (Moderated)");
	assert_int_equal(ctlmsg_checkgroups_next(&p, end, n, sizeof(n), d,
	    sizeof(d)), 1);
	assert_string_equal(n, "not");
	assert_int_equal(ctlmsg_checkgroups_next(&p, end, n, sizeof(n), d,
	    sizeof(d)), 1);
	assert_string_equal(n, "de.c");
	assert_string_equal(d, "");
	assert_int_equal(ctlmsg_checkgroups_next(&p, end, n, sizeof(n), d,
	    sizeof(d)), 0);
}

static void
test_ctlmsg_scope(void **state)
{
	assert_int_equal(ctlmsg_in_scope("de.alt.x", "de !de.alt"), 0);
	assert_int_equal(ctlmsg_in_scope("de.comp", "de !de.alt"), 1);
	assert_int_equal(ctlmsg_in_scope("de", "de"), 1);
	assert_int_equal(ctlmsg_in_scope("dex.a", "de"), 0);
	assert_int_equal(ctlmsg_in_scope("de.alt.y", "de !de.alt de.alt.y"),
	    1);
	assert_int_equal(ctlmsg_in_scope("de.a", ""), 0);
}

static void
test_ctlrule_parse_and_match(void **state)
{
	struct ctlrule	 r[4];
	char		 e[160];

	assert_int_equal(ctlrule_parse("newgroup", "* * log", &r[0], e,
	    sizeof(e)), 0);
	assert_int_equal(ctlrule_parse("newgroup", "*@ISC.org comp.*,!comp.x "
	    "doit", &r[1], e, sizeof(e)), 0);
	assert_string_equal(r[1].from, "*@isc.org");
	assert_int_equal(ctlrule_parse("all", "spam@* * drop", &r[2], e,
	    sizeof(e)), 0);
	assert_int_equal(ctlrule_parse("rmgroup", "*@isc.org * verify-"
	    "news.announce.newgroups", &r[3], e, sizeof(e)), 0);
	assert_int_equal(r[3].action, CTLRULE_VERIFY);
	assert_string_equal(r[3].signer, "news.announce.newgroups");

	assert_ptr_equal(ctlrule_match(r, 4, "newgroup", "a@isc.org",
	    "comp.y"), &r[1]);
	assert_ptr_equal(ctlrule_match(r, 4, "newgroup", "a@isc.org",
	    "comp.x"), &r[0]);
	assert_ptr_equal(ctlrule_match(r, 4, "newgroup", "a@other.org",
	    "comp.y"), &r[0]);
	assert_ptr_equal(ctlrule_match(r, 4, "checkgroups", "spam@x",
	    "a"), &r[2]);
	assert_null(ctlrule_match(r, 4, "checkgroups", "a@isc.org", "a"));
	assert_ptr_equal(ctlrule_match(r, 4, "rmgroup", "a@isc.org", "a"),
	    &r[3]);
	assert_int_equal(ctlrule_any_verify(r, 4, "rmgroup", "a@isc.org"), 1);
	assert_int_equal(ctlrule_any_verify(r, 4, "newgroup", "a@isc.org"),
	    0);

	assert_int_equal(ctlrule_parse("sendsys", "* * doit", &r[0], e,
	    sizeof(e)), -1);
	assert_int_equal(ctlrule_parse("newgroup", "* * maybe", &r[0], e,
	    sizeof(e)), -1);
	assert_int_equal(ctlrule_parse("newgroup", "* * verify-", &r[0], e,
	    sizeof(e)), -1);
	assert_int_equal(ctlrule_parse("newgroup", "* doit", &r[0], e,
	    sizeof(e)), -1);
	assert_int_equal(ctlrule_parse("newgroup", "* * doit x", &r[0], e,
	    sizeof(e)), -1);
	assert_int_equal(ctlrule_parse("newgroup", "[ * doit", &r[0], e,
	    sizeof(e)), -1);
}

static void
test_ctlmsg_pgp_text(void **state)
{
	struct article	*a;
	char		*d, *s, r[ARTICLE_REASON_MAX];
	size_t		 dl, sl;

	a = art_parse("From: A <a@b.example>\nSubject: cmsg newgroup x.y\n"
	    "Control: newgroup x.y\nX-PGP-Sig: 2.6.3i Subject,Control,"
	    "Missing\n\tiQCVAwUBOE\n\tabc+/=\n\t=AbCd\n"
	    "Newsgroups: x.y\n\nline one  \n.dotted\n\n- dash\n");
	assert_int_equal(ctlmsg_pgp_text(a, &d, &dl, &s, &sl, r, sizeof(r)),
	    0);
	assert_int_equal(dl, strlen(d));
	assert_string_equal(d, "X-Signed-Headers: Subject,Control,Missing\n"
	    "Subject: cmsg newgroup x.y\nControl: newgroup x.y\nMissing:\n\n"
	    "line one\n.dotted\n\n- dash\n");
	assert_string_equal(s, "-----BEGIN PGP SIGNATURE-----\n"
	    "Version: 2.6.3i\n\niQCVAwUBOE\nabc+/=\n=AbCd\n"
	    "-----END PGP SIGNATURE-----\n");
	free(d);
	free(s);
	article_free(a);

	/* A folded signed field keeps its folding. */
	a = art_parse("Subject: one\n  two\nX-PGP-Sig: V Subject\n a\n =AAAA\n"
	    "\nb\n");
	assert_int_equal(ctlmsg_pgp_text(a, &d, &dl, &s, &sl, r, sizeof(r)),
	    0);
	assert_string_equal(d, "X-Signed-Headers: Subject\nSubject: one\n"
	    "  two\n\nb\n");
	free(d);
	free(s);
	article_free(a);

	a = art_parse("Subject: a\nSubject: b\nX-PGP-Sig: V Subject\n a\n"
	    " =AAAA\n\nb\n");
	assert_int_equal(ctlmsg_pgp_text(a, &d, &dl, &s, &sl, r, sizeof(r)),
	    -1);
	assert_non_null(strstr(r, "twice"));
	article_free(a);
	a = art_parse("Subject: a\nX-PGP-Sig: V Subject a b\n\nb\n");
	assert_int_equal(ctlmsg_pgp_text(a, &d, &dl, &s, &sl, r, sizeof(r)),
	    -1);
	article_free(a);
	a = art_parse("Subject: a\n\nb\n");
	assert_int_equal(ctlmsg_pgp_text(a, &d, &dl, &s, &sl, r, sizeof(r)),
	    -1);
	assert_null(d);
	article_free(a);
}

static void
test_ctlmsg_gpgv_signer(void **state)
{
	const char	*good = "[GNUPG:] NEWSIG\n"
	    "[GNUPG:] GOODSIG 89ABCDEF01234567 news.admin.test <a@b.example>\n"
	    "[GNUPG:] VALIDSIG 0123456789ABCDEF0123456789ABCDEF01234567 "
	    "2026-12-04 1796400000 0 4 0 22 10 00 "
	    "FEDCBA9876543210FEDCBA9876543210FEDCBA98\n";
	const char	*bad = "[GNUPG:] BADSIG 89ABCDEF01234567 news.admin.test\n";
	char		 who[200];

	assert_int_equal(ctlmsg_gpgv_signer(good, strlen(good),
	    "news.admin.test", who, sizeof(who)), 1);
	assert_string_equal(who, "news.admin.test");
	assert_int_equal(ctlmsg_gpgv_signer(good, strlen(good),
	    "0x01234567", who, sizeof(who)), 1);
	assert_int_equal(ctlmsg_gpgv_signer(good, strlen(good),
	    "fedcba98", who, sizeof(who)), 1);
	assert_int_equal(ctlmsg_gpgv_signer(good, strlen(good),
	    "other.signer", who, sizeof(who)), 0);
	assert_non_null(strstr(who, "not other.signer"));
	/* Too short to be a key id. */
	assert_int_equal(ctlmsg_gpgv_signer(good, strlen(good), "4567", who,
	    sizeof(who)), 0);
	assert_int_equal(ctlmsg_gpgv_signer(bad, strlen(bad),
	    "news.admin.test", who, sizeof(who)), 0);
	/* GOODSIG without VALIDSIG is not enough. */
	assert_int_equal(ctlmsg_gpgv_signer(good, 90, "news.admin.test", who,
	    sizeof(who)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctlmsg_parse_verbs),
		cmocka_unit_test(test_ctlmsg_parse_errors),
		cmocka_unit_test(test_ctlmsg_pseudo_group),
		cmocka_unit_test(test_ctlmsg_article_verb_and_sender),
		cmocka_unit_test(test_ctlmsg_newgroup_desc),
		cmocka_unit_test(test_ctlmsg_checkgroups_body),
		cmocka_unit_test(test_ctlmsg_scope),
		cmocka_unit_test(test_ctlrule_parse_and_match),
		cmocka_unit_test(test_ctlmsg_pgp_text),
		cmocka_unit_test(test_ctlmsg_gpgv_signer),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
