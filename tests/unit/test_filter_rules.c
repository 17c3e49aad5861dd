/* Unit tests for proto/filter_rules.c: pattern parsing and the checks. */
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
#include "filter_rules.h"

/* Parse a header block ("\n"-separated) followed by a one-line body. */
static struct article *
parse(const char *headers)
{
	struct article	*a;
	size_t		 n = strlen(headers);
	char		*text = malloc(n + 7);

	assert_non_null(text);
	snprintf(text, n + 7, "%s%s\nbody", headers,
	    n > 0 && headers[n - 1] == '\n' ? "" : "\n");
	a = art_parse(text);
	free(text);
	return (a);
}

static struct filter_pattern *
patterns(const char *const *texts, size_t n)
{
	struct filter_pattern	*pat;
	char			 err[128];
	size_t			 i;

	pat = calloc(n == 0 ? 1 : n, sizeof(*pat));
	assert_non_null(pat);
	for (i = 0; i < n; i++)
		if (filter_pattern_parse(texts[i], &pat[i], err,
		    sizeof(err)) != 0)
			fail_msg("\"%s\": %s", texts[i], err);
	return (pat);
}

/*
 * Check headers against rules; returns filter_rules_check()'s result and
 * the reason in r, which must be empty on a pass.
 */
static int
check(const struct filter_rules *rules, const char *headers, char *r)
{
	struct article	*a = parse(headers);
	int		 rc;

	memset(r, 'x', ARTICLE_REASON_MAX);
	rc = filter_rules_check(rules, a, r, ARTICLE_REASON_MAX);
	if (rc == 0)
		assert_string_equal(r, "");
	else
		assert_true(strlen(r) > 0 && strlen(r) < ARTICLE_REASON_MAX);
	article_free(a);
	return (rc);
}

/* Check with one pattern and no limits. */
static int
check1(const char *pattern, const char *headers, char *r)
{
	struct filter_rules	 rules = { 0, 0, NULL, 1 };
	int			 rc;

	rules.patterns = patterns(&pattern, 1);
	rc = check(&rules, headers, r);
	free(rules.patterns);
	return (rc);
}

static void
test_filter_pattern_parse_valid(void **state)
{
	struct filter_pattern	p;
	char			err[128];

	assert_int_equal(filter_pattern_parse("Subject: *make money fast*",
	    &p, err, sizeof(err)), 0);
	assert_string_equal(p.name, "Subject");
	assert_string_equal(p.wildmat, "*make money fast*");

	/* Surrounding space goes, the case of the name stays, the wildmat
	   is lowercased. */
	assert_int_equal(filter_pattern_parse("  from :\t*@SPAM.Example  ",
	    &p, err, sizeof(err)), 0);
	assert_string_equal(p.name, "from");
	assert_string_equal(p.wildmat, "*@spam.example");

	/* No space after the colon; a wildmat list with negation. */
	assert_int_equal(filter_pattern_parse("X-Foo:a*,!*b", &p, err,
	    sizeof(err)), 0);
	assert_string_equal(p.name, "X-Foo");
	assert_string_equal(p.wildmat, "a*,!*b");

	/* Only the first colon ends the name. */
	assert_int_equal(filter_pattern_parse("Subject: Re: *", &p, err,
	    sizeof(err)), 0);
	assert_string_equal(p.wildmat, "re: *");

	/* Every ftext octet is allowed in a name. */
	assert_int_equal(filter_pattern_parse("!#$%&'*+-.^_`|~09AZaz;<=>?@[]"
	    ": x", &p, err, sizeof(err)), 0);
	assert_string_equal(p.name, "!#$%&'*+-.^_`|~09AZaz;<=>?@[]");

	/* The longest name and wildmat that fit. */
	{
		char	text[FILTER_NAME_MAX + FILTER_WILDMAT_MAX + 8];
		char	*t = text;

		memset(t, 'N', FILTER_NAME_MAX - 1);
		t += FILTER_NAME_MAX - 1;
		*t++ = ':';
		memset(t, 'W', FILTER_WILDMAT_MAX - 1);
		t[FILTER_WILDMAT_MAX - 1] = '\0';
		assert_int_equal(filter_pattern_parse(text, &p, err,
		    sizeof(err)), 0);
		assert_int_equal(strlen(p.name), FILTER_NAME_MAX - 1);
		assert_int_equal(strlen(p.wildmat), FILTER_WILDMAT_MAX - 1);
		assert_int_equal(p.wildmat[0], 'w');
	}
}

static void
test_filter_pattern_parse_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} c[] = {
		{ "Subject *spam*", "no colon after the header name" },
		{ "", "no colon after the header name" },
		{ ": *spam*", "empty header name" },
		{ " \t: *spam*", "empty header name" },
		{ "Sub ject: *spam*", "bad header name" },
		{ "Sub\tject: x", "bad header name" },
		{ "Subj\x7f" "ect: x", "bad header name" },
		{ "Subj\xc3\xa9: x", "bad header name" },
		{ "Subject:", "empty pattern" },
		{ "Subject:  \t ", "empty pattern" },
		{ "Subject: a*,", "bad wildmat: empty pattern" },
		{ "Subject: [abc", "bad wildmat: unclosed [" },
		{ "Subject: abc\\", "bad wildmat: trailing backslash" },
		{ "Subject: a!b", "bad wildmat: \"!\" inside a pattern" },
	};
	struct filter_pattern	p;
	char			err[128], text[2 * FILTER_WILDMAT_MAX];
	size_t			i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		err[0] = '\0';
		if (filter_pattern_parse(c[i].text, &p, err,
		    sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", c[i].text);
		if (strcmp(err, c[i].err) != 0)
			fail_msg("\"%s\": \"%s\", expected \"%s\"", c[i].text,
			    err, c[i].err);
	}

	memset(text, 'N', FILTER_NAME_MAX);
	snprintf(text + FILTER_NAME_MAX, sizeof(text) - FILTER_NAME_MAX,
	    ": x");
	assert_int_equal(filter_pattern_parse(text, &p, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "header name too long (at most 79 octets)");

	memcpy(text, "Subject: ", 9);
	memset(text + 9, 'w', FILTER_WILDMAT_MAX);
	text[9 + FILTER_WILDMAT_MAX] = '\0';
	assert_int_equal(filter_pattern_parse(text, &p, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "pattern too long (at most 1023 octets)");

	/* A short or missing error buffer is fine. */
	assert_int_equal(filter_pattern_parse("x", &p, err, 5), -1);
	assert_string_equal(err, "no c");
	assert_int_equal(filter_pattern_parse("x", &p, NULL, 0), -1);
}

static void
test_filter_rules_empty_rules_pass(void **state)
{
	struct filter_rules	rules = { 0, 0, NULL, 0 };
	char			r[ARTICLE_REASON_MAX];

	assert_int_equal(check(&rules, "Newsgroups: a,b,c,d,e,f,g,h\n"
	    "Followup-To: a,b,c\nSubject: make money fast", r), 0);
}

static void
test_filter_rules_crosspost(void **state)
{
	struct filter_rules	rules = { 3, 0, NULL, 0 };
	char			r[ARTICLE_REASON_MAX];

	assert_int_equal(check(&rules, "Newsgroups: a", r), 0);
	assert_int_equal(check(&rules, "Newsgroups: a,b,c", r), 0);
	assert_int_equal(check(&rules, "Newsgroups: a,b,c,d", r), 1);
	assert_string_equal(r, "Too many newsgroups (4, at most 3)");
	/* Spaces and TABs around entries (RFC 5536 3.1.4 FWS). */
	assert_int_equal(check(&rules, "Newsgroups: a , b,\tc ,d", r), 1);
	assert_string_equal(r, "Too many newsgroups (4, at most 3)");
	assert_int_equal(check(&rules, "Newsgroups:  a , b ,\tc\t", r), 0);
	/* Folded lists. */
	assert_int_equal(check(&rules, "Newsgroups: a,\n b,\n\tc,\n d", r),
	    1);
	assert_string_equal(r, "Too many newsgroups (4, at most 3)");
	assert_int_equal(check(&rules, "Newsgroups: a,b\n ,c", r), 0);
	/* Empty entries are no groups: trailing comma, ",,", ", ,". */
	assert_int_equal(check(&rules, "Newsgroups: a,b,c,", r), 0);
	assert_int_equal(check(&rules, "Newsgroups: a,,b, ,c", r), 0);
	assert_int_equal(check(&rules, "Newsgroups: ,a,b,c,,", r), 0);
	assert_int_equal(check(&rules, "Newsgroups: ,a,b,c,,d", r), 1);
	assert_string_equal(r, "Too many newsgroups (4, at most 3)");
	/* No Newsgroups at all, or an empty one. */
	assert_int_equal(check(&rules, "Subject: x", r), 0);
	assert_int_equal(check(&rules, "Newsgroups:", r), 0);
	/* The field name is case-insensitive. */
	assert_int_equal(check(&rules, "NEWSGROUPS: a,b,c,d", r), 1);
	/* Repeated fields add up. */
	assert_int_equal(check(&rules, "Newsgroups: a,b\nNewsgroups: c", r),
	    0);
	assert_int_equal(check(&rules, "Newsgroups: a,b\nnewsgroups: c,d",
	    r), 1);
	assert_string_equal(r, "Too many newsgroups (4, at most 3)");
	/* Followup-To does not count as crossposting. */
	assert_int_equal(check(&rules, "Newsgroups: a\nFollowup-To: a,b,c,d",
	    r), 0);

	/* A limit of 1. */
	rules.max_crosspost = 1;
	assert_int_equal(check(&rules, "Newsgroups: a", r), 0);
	assert_int_equal(check(&rules, "Newsgroups: a,b", r), 1);
	assert_string_equal(r, "Too many newsgroups (2, at most 1)");
}

static void
test_filter_rules_followup(void **state)
{
	struct filter_rules	rules = { 0, 2, NULL, 0 };
	char			r[ARTICLE_REASON_MAX];

	assert_int_equal(check(&rules, "Newsgroups: a,b,c,d,e", r), 0);
	assert_int_equal(check(&rules, "Followup-To: a,b", r), 0);
	assert_int_equal(check(&rules, "Followup-To: a, b,\n c", r), 1);
	assert_string_equal(r, "Too many Followup-To groups (3, at most 2)");
	assert_int_equal(check(&rules, "followup-to: a,b,", r), 0);
	/* "poster" names no group, in any case and spacing. */
	assert_int_equal(check(&rules, "Followup-To: poster", r), 0);
	assert_int_equal(check(&rules, "Followup-To:  Poster ", r), 0);
	rules.max_followup = 1;
	assert_int_equal(check(&rules, "Followup-To: poster", r), 0);
	assert_int_equal(check(&rules, "Followup-To: poster,x", r), 1);
	assert_string_equal(r, "Too many Followup-To groups (2, at most 1)");
	assert_int_equal(check(&rules, "Followup-To: x\nFollowup-To: y", r),
	    1);

	/* Newsgroups is checked first. */
	rules.max_crosspost = 1;
	assert_int_equal(check(&rules, "Newsgroups: a,b\nFollowup-To: x,y",
	    r), 1);
	assert_string_equal(r, "Too many newsgroups (2, at most 1)");
}

static void
test_filter_rules_pattern_case(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(check1("Subject: *make money fast*",
	    "Subject: MAKE MONEY FAST now", r), 1);
	assert_string_equal(r, "Banned Subject header");
	assert_int_equal(check1("Subject: *make money fast*",
	    "subject: Make Money Fast", r), 1);
	assert_int_equal(check1("SUBJECT: *Make MONEY*",
	    "Subject: make money", r), 1);
	assert_string_equal(r, "Banned SUBJECT header");
	assert_int_equal(check1("Subject: *make money fast*",
	    "Subject: make money slowly", r), 0);
	/* The whole value must match, as wildmats do. */
	assert_int_equal(check1("Subject: money", "Subject: easy money", r),
	    0);
	assert_int_equal(check1("From: *@spam.example",
	    "From: Bob <BOB@Spam.Example>", r), 0);
	assert_int_equal(check1("From: *@spam.example*",
	    "From: Bob <BOB@Spam.Example>", r), 1);
	assert_string_equal(r, "Banned From header");
	/* Classes and quoting survive lowercasing. */
	assert_int_equal(check1("Subject: [A-Z]*", "Subject: Q", r), 1);
	assert_int_equal(check1("Subject: \\*x", "Subject: *X", r), 1);
	assert_int_equal(check1("Subject: \\*x", "Subject: yX", r), 0);
	/* Non-ASCII passes through unchanged. */
	assert_int_equal(check1("Subject: *caf\xc3\xa9*",
	    "Subject: CAF\xc3\xa9 noir", r), 1);
	/* Other fields with the same value are not looked at. */
	assert_int_equal(check1("Subject: spam",
	    "Keywords: spam\nX-Subject: spam", r), 0);
}

static void
test_filter_rules_pattern_negation(void **state)
{
	static const char *const p[] = {
		"From: *@spam.example*,!*<friend@spam.example>*"
	};
	struct filter_rules	 rules = { 0, 0, NULL, 1 };
	char			 r[ARTICLE_REASON_MAX];

	rules.patterns = patterns(p, 1);
	assert_int_equal(check(&rules, "From: <x@spam.example>", r), 1);
	assert_int_equal(check(&rules, "From: <Friend@SPAM.example>", r), 0);
	assert_int_equal(check(&rules, "From: <x@ham.example>", r), 0);
	free(rules.patterns);
}

static void
test_filter_rules_multiple_occurrences(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	assert_int_equal(check1("X-Tag: bad*",
	    "X-Tag: good\nX-Tag: fine\nX-Tag: BAD one", r), 1);
	assert_string_equal(r, "Banned X-Tag header");
	assert_int_equal(check1("X-Tag: bad*",
	    "X-Tag: bad\nX-Tag: good", r), 1);
	assert_int_equal(check1("X-Tag: bad*",
	    "X-Tag: good\nx-tag: fine", r), 0);
	assert_int_equal(check1("Subject: *spam*",
	    "Subject: fine\nSubject: spam here", r), 1);
}

static void
test_filter_rules_folded_headers(void **state)
{
	char	r[ARTICLE_REASON_MAX];

	/* Unfolding keeps the white space that starts a continuation. */
	assert_int_equal(check1("Subject: *make money fast*",
	    "Subject: make\n money\n fast", r), 1);
	assert_int_equal(check1("Subject: make money fast",
	    "Subject: make\n money\n fast", r), 1);
	/* A TAB, folded or not, counts as a space. */
	assert_int_equal(check1("Subject: *make money fast*",
	    "Subject: make\n\tmoney\tfast", r), 1);
	/* But runs of white space are not squeezed. */
	assert_int_equal(check1("Subject: make money",
	    "Subject: make\n  money", r), 0);
	assert_int_equal(check1("Subject: make*money",
	    "Subject: make\n  money", r), 1);
	/* A folded name-only first line. */
	assert_int_equal(check1("Subject: spam", "Subject:\n spam", r), 1);
}

static void
test_filter_rules_several_patterns(void **state)
{
	static const char *const p[] = {
		"Subject: *viagra*",
		"From: *@spam.example",
		"Organization: *spam*",
		"Subject: *casino*",
	};
	struct filter_rules	 rules = { 5, 0, NULL, 4 };
	char			 r[ARTICLE_REASON_MAX];

	rules.patterns = patterns(p, 4);
	assert_int_equal(check(&rules, "Newsgroups: a,b\nFrom: a@b.example\n"
	    "Subject: Hello", r), 0);
	assert_int_equal(check(&rules, "Newsgroups: a,b\nFrom: a@b.example\n"
	    "Subject: Best CASINO", r), 1);
	assert_string_equal(r, "Banned Subject header");
	assert_int_equal(check(&rules, "Organization: Spam Inc.", r), 1);
	assert_string_equal(r, "Banned Organization header");
	assert_int_equal(check(&rules, "From: x@spam.example", r), 1);
	assert_string_equal(r, "Banned From header");
	/* The limits come before the patterns. */
	assert_int_equal(check(&rules, "Subject: casino\n"
	    "Newsgroups: a,b,c,d,e,f", r), 1);
	assert_string_equal(r, "Too many newsgroups (6, at most 5)");
	free(rules.patterns);
}

static void
test_filter_rules_long_value(void **state)
{
	static const char *const p[] = { "Subject: *needle" };
	struct filter_rules	 rules = { 0, 0, NULL, 1 };
	char			 r[ARTICLE_REASON_MAX];
	char			*h;
	size_t			 n = 20000, i;

	rules.patterns = patterns(p, 1);
	/* Longer than the stack buffer: the value goes through the heap,
	   and folds spread it over many lines. */
	h = malloc(n + 64);
	assert_non_null(h);
	memcpy(h, "Subject: ", 9);
	memset(h + 9, 'a', n);
	for (i = 9 + 70; i < 9 + n; i += 70) {
		h[i] = '\n';
		h[i + 1] = ' ';
	}
	snprintf(h + 9 + n, 64, "NEEDLE");
	assert_int_equal(check(&rules, h, r), 1);
	assert_string_equal(r, "Banned Subject header");
	snprintf(h + 9 + n, 64, "hay");
	assert_int_equal(check(&rules, h, r), 0);
	free(h);
	free(rules.patterns);
}

static void
test_filter_rules_null_reason(void **state)
{
	static const char *const p[] = { "Subject: spam" };
	struct filter_rules	 rules = { 1, 0, NULL, 1 };
	struct article		*a;
	char			 r[8];

	rules.patterns = patterns(p, 1);
	a = parse("Newsgroups: a,b\nSubject: spam");
	assert_int_equal(filter_rules_check(&rules, a, NULL, 0), 1);
	/* A short buffer gets a truncated, terminated reason. */
	assert_int_equal(filter_rules_check(&rules, a, r, sizeof(r)), 1);
	assert_string_equal(r, "Too man");
	rules.max_crosspost = 0;
	assert_int_equal(filter_rules_check(&rules, a, r, sizeof(r)), 1);
	assert_string_equal(r, "Banned ");
	article_free(a);
	free(rules.patterns);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_pattern_parse_valid),
		cmocka_unit_test(test_filter_pattern_parse_errors),
		cmocka_unit_test(test_filter_rules_empty_rules_pass),
		cmocka_unit_test(test_filter_rules_crosspost),
		cmocka_unit_test(test_filter_rules_followup),
		cmocka_unit_test(test_filter_rules_pattern_case),
		cmocka_unit_test(test_filter_rules_pattern_negation),
		cmocka_unit_test(test_filter_rules_multiple_occurrences),
		cmocka_unit_test(test_filter_rules_folded_headers),
		cmocka_unit_test(test_filter_rules_several_patterns),
		cmocka_unit_test(test_filter_rules_long_value),
		cmocka_unit_test(test_filter_rules_null_reason),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
