/* Unit tests for proto/article_check.c: POST and transit validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "article.h"
#include "article_test.h"

#define NOW	((time_t)1795920423)	/* Sun, 29 Nov 2026 02:47:03 */
#define DAY	86400

static const struct article_policy policy = { NOW, 10 * DAY, DAY };

static const char base_headers[] =
    "From: Jane Doe <jane@example.org>\n"
    "Newsgroups: loom.test\n"
    "Subject: Hello\n"
    "Date: Sun, 29 Nov 2026 02:46:03 +0000\n"
    "Message-ID: <abc@example.org>\n";

/* Validate headers + "\nbody" for POST; returns the result, reason in r. */
static int
post(const char *headers, char *r)
{
	struct article	*a;
	char		*text;
	int		 rc;

	text = malloc(strlen(headers) + 16);
	assert_non_null(text);
	sprintf(text, "%s\nbody", headers);
	a = art_parse(text);
	free(text);
	r[0] = '\0';
	rc = article_validate_post(a, &policy, r, ARTICLE_REASON_MAX);
	if (rc == 0)
		assert_string_equal(r, "");
	else
		assert_true(strlen(r) > 0 && strlen(r) < ARTICLE_REASON_MAX);
	article_free(a);
	return (rc);
}

/* Base headers with the field named `name` replaced by `line` (or with
   `line` added when the base has no such field). */
static int
post_with(const char *name, const char *line, char *r)
{
	char	 buf[2048];
	char	*o = buf;
	const char *s = base_headers, *nl;
	size_t	 nlen = strlen(name);
	int	 done = 0;

	while ((nl = strchr(s, '\n')) != NULL) {
		if (strncmp(s, name, nlen) == 0 && s[nlen] == ':') {
			if (line != NULL)
				o += sprintf(o, "%s\n", line);
			done = 1;
		} else {
			memcpy(o, s, (size_t)(nl - s + 1));
			o += nl - s + 1;
		}
		s = nl + 1;
	}
	if (!done && line != NULL)
		o += sprintf(o, "%s\n", line);
	*o = '\0';
	return (post(buf, r));
}

static void
test_article_check_valid_post(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(post(base_headers, r), 0);
	/* A proto-article needs only From, Subject and Newsgroups. */
	assert_int_equal(post("From: a@b.example\nSubject: s\n"
	    "Newsgroups: a.b\n", r), 0);
	/* Unknown fields, repeated Keywords/Comments, 8-bit values. */
	assert_int_equal(post_with("X-Any", "X-Any: caf\xc3\xa9\n"
	    "Keywords: a\nKeywords: b\nComments: x\nComments: y", r), 0);
}

static void
test_article_check_from_forms_valid(void **state)
{
	static const char *const good[] = {
		"From: jane@example.org",
		"From: <jane@example.org>",
		"From: Jane Doe <jane@example.org>",
		"From: \"Doe, Jane\" <jane@example.org>",
		"From: jane@example.org (Jane Doe)",
		"From: Jane (the one) Doe <jane@example.org> (comment)",
		"From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>",
		"From: J\xc3\xb6rg M\xc3\xbcller <j@example.org>",
		"From: a@example.org, Bob <b@example.org>",
		"From: \"quoted local\"@example.org",
		"From: first.last@sub.example.org",
		"From: user@[192.0.2.1]",
		"From: user@localhost",
		"From: Mr. J. Doe <jane@example.org>",
		"From: jane@example.org\n (folded comment)",
		"From: x!#$%&'*+-/=?^_`{|}~@example.org",
	};
	char	r[ARTICLE_REASON_MAX];
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (post_with("From", good[i], r) != 0)
			fail_msg("refused \"%s\": %s", good[i], r);
}

static void
test_article_check_from_forms_invalid(void **state)
{
	static const char *const bad[] = {
		"From: jane",
		"From: jane smith@example.org",
		"From: <jane@example.org",
		"From: Jane <jane@>",
		"From: Jane <@example.org>",
		"From: @example.org",
		"From: jane@example.org,",
		"From: , jane@example.org",
		"From: jane@.example.org",
		"From: jane@example..org",
		"From: jane.@example.org",
		"From: .jane@example.org",
		"From: (unclosed jane@example.org",
		"From: jane@example.org)",
		"From: jane@example.org <j@example.org>",
		"From: \"unterminated <j@example.org>",
		"From: Jane <jane@example.org> Doe",
		"From: Jane <<jane@example.org>>",
		"From: group: a@b.example;",
		"From: <>",
		"From: jane@[bad[literal]",
	};
	char	r[ARTICLE_REASON_MAX];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (post_with("From", bad[i], r) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_string_equal(r, "Bad From header");
	}
}

static void
test_article_check_sender(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(post_with("Sender", "Sender: Op <op@example.org>",
	    r), 0);
	assert_int_equal(post_with("Sender", "Sender: a@b.example, "
	    "c@d.example", r), -1);
	assert_string_equal(r, "Bad Sender header");
	assert_int_equal(post_with("Sender", "Sender: nobody", r), -1);
}

static void
test_article_check_single_occurrence_twice(void **state)
{
	static const char *const once[] = {
		"Approved: a@b.example", "Archive: no",
		"Bcc: a@b.example", "Cc: a@b.example", "Control: cancel <x@y>",
		"Date: Sun, 29 Nov 2026 02:46:03 +0000", "Distribution: world",
		"Expires: Mon, 30 Nov 2026 00:00:00 +0000",
		"Followup-To: loom.test", "From: a@b.example",
		"In-Reply-To: <x@y>",
		"Injection-Date: Sun, 29 Nov 2026 02:46:03 +0000",
		"Injection-Info: x.example", "Lines: 1",
		"Message-ID: <abc@example.org>", "Newsgroups: loom.test",
		"Organization: Loom", "Path: not-for-mail",
		"References: <x@y>", "Reply-To: a@b.example",
		"Sender: a@b.example", "Subject: Hello", "Summary: s",
		"Supersedes: <x@y>", "To: a@b.example", "User-Agent: ua",
		"Xref: h g:1",
	};
	char	r[ARTICLE_REASON_MAX], want[ARTICLE_REASON_MAX], line[256];
	char	name[64];
	size_t	i;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		snprintf(name, sizeof(name), "%.*s",
		    (int)(strchr(once[i], ':') - once[i]), once[i]);
		/* Twice the same (lower-case the second to be sure the
		   count ignores case). */
		snprintf(line, sizeof(line), "%s\n%s", once[i], once[i]);
		line[strlen(once[i]) + 1] =
		    (char)tolower((unsigned char)once[i][0]);
		if (post_with(name, line, r) != -1)
			fail_msg("accepted two %s", name);
		snprintf(want, sizeof(want), "Duplicate %s header", name);
		assert_string_equal(r, want);
	}
}

static void
test_article_check_missing_required(void **state)
{
	static const char *const req[] = { "From", "Subject", "Newsgroups" };
	char	r[ARTICLE_REASON_MAX], want[ARTICLE_REASON_MAX], line[64];
	size_t	i;

	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "Missing required %s header",
		    req[i]);
		assert_int_equal(post_with(req[i], NULL, r), -1);
		assert_string_equal(r, want);
		/* Empty is missing too. */
		snprintf(line, sizeof(line), "%s:   ", req[i]);
		assert_int_equal(post_with(req[i], line, r), -1);
		assert_string_equal(r, want);
	}
}

static void
test_article_check_newsgroups(void **state)
{
	static const char *const good[] = {
		"Newsgroups: loom.test",
		"Newsgroups: comp.lang.c,comp.lang.c++",
		"Newsgroups: a.b , c.d,\n e.f",
		"Newsgroups: alt.foo_bar-baz.2",
	};
	static const char *const bad[] = {
		"Newsgroups: comp..lang", "Newsgroups: .comp",
		"Newsgroups: comp.", "Newsgroups: comp lang",
		"Newsgroups: a,,b", "Newsgroups: a,", "Newsgroups: ,a",
		"Newsgroups: comp/lang", "Newsgroups: a;b",
		"Newsgroups: caf\xc3\xa9", "Newsgroups: a.*",
	};
	char	r[ARTICLE_REASON_MAX];
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (post_with("Newsgroups", good[i], r) != 0)
			fail_msg("refused \"%s\": %s", good[i], r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (post_with("Newsgroups", bad[i], r) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_string_equal(r, "Bad Newsgroups header");
	}
	assert_true(article_newsgroup_valid("a.b", 3));
	assert_false(article_newsgroup_valid("a.b", 2));
	assert_false(article_newsgroup_valid("", 0));
	/* The one syntax loomctl newgroup and [group] sections use too:
	   ASCII only, no empty components, no "/" or ":". */
	assert_false(article_newsgroup_valid("caf\xc3\xa9", 5));
	assert_false(article_newsgroup_valid("a..b", 4));
	assert_false(article_newsgroup_valid("a/b", 3));
	assert_false(article_newsgroup_valid("a:b", 3));
	assert_true(article_newsgroup_valid("comp.lang.c++", 13));
}

static void
test_article_check_followup_to(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(post_with("Followup-To", "Followup-To: poster", r),
	    0);
	assert_int_equal(post_with("Followup-To", "Followup-To: a.b,c", r),
	    0);
	assert_int_equal(post_with("Followup-To", "Followup-To: a..b", r),
	    -1);
	assert_string_equal(r, "Bad Followup-To header");
	/* The one empty field not taken as absent: RFC 5536 3.2.6 wants
	   "poster" or a group. */
	assert_int_equal(post_with("Followup-To", "Followup-To:", r), -1);
	assert_string_equal(r, "Empty Followup-To header");
	assert_int_equal(post_with("Followup-To", "Followup-To:  \t", r), -1);
	assert_string_equal(r, "Empty Followup-To header");
	/* Other empty optional fields are dropped, not refused. */
	assert_int_equal(post_with("Organization", "Organization:", r), 0);
}

static void
test_article_check_message_id_and_references(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(post_with("Message-ID",
	    "Message-ID: (c) <a.b@c.d> (c)", r), 0);
	assert_int_equal(post_with("Message-ID", "Message-ID: <a b@c>", r),
	    -1);
	assert_string_equal(r, "Bad Message-ID header");
	assert_int_equal(post_with("Message-ID", "Message-ID: <a@b> x", r),
	    -1);
	assert_int_equal(post_with("Message-ID", "Message-ID: a@b", r), -1);
	assert_int_equal(post_with("Message-ID", "Message-ID: <a..b@c>", r),
	    -1);
	assert_int_equal(post_with("References",
	    "References: <a@b>\n <c@d>\t<odd..id@x> (c) <e@f>", r), 0);
	assert_int_equal(post_with("References", "References: <a@b> junk",
	    r), -1);
	assert_string_equal(r, "Bad References header");
	assert_int_equal(post_with("References", "References: <a b@c>", r),
	    -1);
	assert_int_equal(post_with("References", "References: <a@b", r), -1);
	assert_int_equal(post_with("Supersedes", "Supersedes: <a@b> <c@d>",
	    r), -1);
	assert_string_equal(r, "Bad Supersedes header");
}

static void
test_article_check_dates(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(post_with("Date",
	    "Date: 29 Nov 26 02:47 GMT (obsolete but fine)", r), 0);
	assert_int_equal(post_with("Date", "Date: 30 Feb 2026 00:00 +0000",
	    r), -1);
	assert_string_equal(r, "Bad Date header: no such day");
	assert_int_equal(post_with("Date", "Date: yesterday", r), -1);
	/* The skew is a day, the maximum age ten days. */
	assert_int_equal(post_with("Date",
	    "Date: Mon, 30 Nov 2026 02:40:00 +0000", r), 0);
	assert_int_equal(post_with("Date",
	    "Date: Tue, 1 Dec 2026 02:48:00 +0000", r), -1);
	assert_string_equal(r, "Date header is in the future");
	assert_int_equal(post_with("Date",
	    "Date: Fri, 20 Nov 2026 02:48:00 +0000", r), 0);
	assert_int_equal(post_with("Date",
	    "Date: Thu, 19 Nov 2026 02:46:00 +0000", r), -1);
	assert_string_equal(r, "Article too old (Date header)");
	assert_int_equal(post_with("Injection-Date",
	    "Injection-Date: Tue, 1 Dec 2026 02:48:00 +0000", r), -1);
	assert_string_equal(r, "Injection-Date header is in the future");
	/* The window of Date holds for a poster's Injection-Date too. */
	assert_int_equal(post_with("Injection-Date",
	    "Injection-Date: Thu, 19 Nov 2026 02:46:00 +0000", r), -1);
	assert_string_equal(r, "Article too old (Injection-Date header)");
	assert_int_equal(post_with("Injection-Date",
	    "Injection-Date: Fri, 20 Nov 2026 02:48:00 +0000", r), 0);
	assert_int_equal(post_with("Expires", "Expires: never", r), -1);
	assert_int_equal(strncmp(r, "Bad Expires header", 18), 0);
	assert_int_equal(post_with("Expires",
	    "Expires: Fri, 1 Jan 2027 00:00:00 +0000", r), 0);
}

static void
test_article_check_injection_fields_refused(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(post_with("Injection-Info",
	    "Injection-Info: other.example", r), -1);
	assert_string_equal(r,
	    "Injection-Info header not allowed in a posting");
	assert_int_equal(post_with("Xref", "Xref: host a.b:1", r), -1);
	assert_string_equal(r, "Xref header not allowed in a posting");
	assert_int_equal(post_with("Path",
	    "Path: a.example!.POSTED.host!not-for-mail", r), -1);
	assert_string_equal(r, "Path header shows an earlier injection");
	assert_int_equal(post_with("Path",
	    "Path: a.example!.posted!not-for-mail", r), -1);
	/* Only the keyword: ".POSTEDX" is some other diagnostic. */
	assert_int_equal(post_with("Path",
	    "Path: a.example!.POSTEDX!not-for-mail", r), 0);
	assert_int_equal(post_with("Path", "Path: not-for-mail", r), 0);
	assert_int_equal(post_with("Path", "Path: a!!b!\n c", r), 0);
	assert_int_equal(post_with("Path", "Path: a!b c", r), -1);
	assert_string_equal(r, "Bad Path header");
	assert_int_equal(post_with("Path", "Path: a!", r), -1);
	assert_int_equal(post_with("Path", "Path: !a", r), -1);
	assert_int_equal(post_with("Path", "Path: a!!", r), -1);
	assert_int_equal(post_with("Path", "Path: a!b/c", r), -1);
}

static void
test_article_check_body_required(void **state)
{
	struct article	*a;
	char		 r[ARTICLE_REASON_MAX];
	char		 text[1024];

	snprintf(text, sizeof(text), "%s", base_headers);
	a = art_parse(text);
	assert_int_equal(article_validate_post(a, &policy, r, sizeof(r)), -1);
	assert_string_equal(r, "Article has no body");
	article_free(a);
	snprintf(text, sizeof(text), "%s\n", base_headers);
	a = art_parse(text);
	assert_int_equal(article_validate_post(a, &policy, r, sizeof(r)), -1);
	article_free(a);
	/* A NULL policy skips the date checks; a NULL reason is fine. */
	snprintf(text, sizeof(text), "%s\n\xff\xfe", base_headers);
	a = art_parse(text);
	assert_int_equal(article_validate_post(a, NULL, NULL, 0), 0);
	article_free(a);
}

static const char transit_headers[] =
    "Path: peer.example!origin.example!not-for-mail\n"
    "From: a@b.example\n"
    "Newsgroups: loom.test\n"
    "Subject: s\n"
    "Date: Sun, 29 Nov 2026 02:46:03 +0000\n"
    "Message-ID: <t@b.example>\n";

static int
transit(const char *extra, const char *drop, char *r)
{
	char		 text[2048], *o = text;
	const char	*s = transit_headers, *nl;
	struct article	*a;
	int		 rc;

	while ((nl = strchr(s, '\n')) != NULL) {
		if (drop == NULL || strncmp(s, drop, strlen(drop)) != 0) {
			memcpy(o, s, (size_t)(nl - s + 1));
			o += nl - s + 1;
		}
		s = nl + 1;
	}
	sprintf(o, "%s%s\nbody", extra, *extra != '\0' ? "\n" : "");
	a = art_parse(text);
	rc = article_validate_transit(a, &policy, r, ARTICLE_REASON_MAX);
	article_free(a);
	return (rc);
}

static void
test_article_check_transit(void **state)
{
	static const char *const req[] = {
		"Path", "From", "Newsgroups", "Subject", "Date", "Message-ID"
	};
	char	r[ARTICLE_REASON_MAX], want[ARTICLE_REASON_MAX];
	size_t	i;

	assert_int_equal(transit("X-Odd: \x01", NULL, r), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(transit("", req[i], r), -1);
		snprintf(want, sizeof(want), "Missing required %s header",
		    req[i]);
		assert_string_equal(r, want);
	}
	assert_int_equal(transit("Message-ID: <x@y>", "Message-ID", r), 0);
	assert_int_equal(transit("Message-ID: <x y>", "Message-ID", r), -1);
	assert_string_equal(r, "Bad Message-ID header");
	assert_int_equal(transit("Subject: again", NULL, r), -1);
	assert_string_equal(r, "Duplicate Subject header");
	assert_int_equal(transit("Newsgroups: a..b", "Newsgroups", r), -1);
	assert_int_equal(transit("From: nobody", "From", r), -1);
	assert_int_equal(transit("Path: a!", "Path", r), -1);
	/* A posted Path is normal in transit. */
	assert_int_equal(transit("Path: x!.POSTED!not-for-mail", "Path", r),
	    0);
	/* Old Date but fresh Injection-Date: kept (RFC 5537 3.6). */
	assert_int_equal(transit("Date: Sun, 1 Nov 2026 00:00:00 +0000\n"
	    "Injection-Date: Sun, 29 Nov 2026 02:00:00 +0000", "Date", r), 0);
	/* Fresh Date, stale Injection-Date: refused. */
	assert_int_equal(transit(
	    "Injection-Date: Sun, 1 Nov 2026 00:00:00 +0000", NULL, r), -1);
	assert_string_equal(r, "Article too old (Injection-Date header)");
	assert_int_equal(transit("Date: Sun, 1 Nov 2026 00:00:00 +0000",
	    "Date", r), -1);
	assert_string_equal(r, "Article too old (Date header)");
	assert_int_equal(transit("Date: Sun, 6 Dec 2026 00:00:00 +0000",
	    "Date", r), -1);
	assert_string_equal(r, "Date header is in the future");
}

/* A header alone, or an empty body, is refused in transit too. */
static void
test_article_check_transit_body(void **state)
{
	static const struct {
		const char	*tail;
		const char	*reason;
	} c[] = {
		{ "", "No body (no empty line after the header)" },
		{ "\n", "Empty body" },
		{ "\n\n", "" },
		{ "\nx", "" },
	};
	char		 text[2048], r[ARTICLE_REASON_MAX];
	struct article	*a;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", transit_headers,
		    c[i].tail);
		a = art_parse(text);
		r[0] = '\0';
		rc = article_validate_transit(a, &policy, r,
		    ARTICLE_REASON_MAX);
		article_free(a);
		if (rc != (c[i].reason[0] != '\0' ? -1 : 0) ||
		    strcmp(r, c[i].reason) != 0)
			fail_msg("tail %zu: %d \"%s\", want \"%s\"", i, rc, r,
			    c[i].reason);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_article_check_valid_post),
		cmocka_unit_test(test_article_check_from_forms_valid),
		cmocka_unit_test(test_article_check_from_forms_invalid),
		cmocka_unit_test(test_article_check_sender),
		cmocka_unit_test(test_article_check_single_occurrence_twice),
		cmocka_unit_test(test_article_check_missing_required),
		cmocka_unit_test(test_article_check_newsgroups),
		cmocka_unit_test(test_article_check_followup_to),
		cmocka_unit_test(test_article_check_transit_body),
		cmocka_unit_test(
		    test_article_check_message_id_and_references),
		cmocka_unit_test(test_article_check_dates),
		cmocka_unit_test(test_article_check_injection_fields_refused),
		cmocka_unit_test(test_article_check_body_required),
		cmocka_unit_test(test_article_check_transit),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
