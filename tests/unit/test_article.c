/* Unit tests for proto/article.c: the parser, lookups, threading. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "article.h"
#include "linecodec.h"

/* Push text split on LF (each piece is one un-stuffed line). */
static void
push_text(struct article_parser *p, const char *text)
{
	const char	*s = text, *nl;

	while (*s != '\0') {
		nl = strchr(s, '\n');
		if (nl == NULL) {
			article_parser_push(p, s, strlen(s));
			break;
		}
		article_parser_push(p, s, (size_t)(nl - s));
		s = nl + 1;
	}
}

static struct article *
parse(const char *text)
{
	struct article_parser	*p = article_parser_new(NULL);
	struct article		*a = NULL;

	assert_non_null(p);
	push_text(p, text);
	if (article_parser_finish(p, &a) != ARTICLE_OK)
		fail_msg("parse failed: %s", article_parser_reason(p));
	article_parser_free(p);
	assert_non_null(a);
	return (a);
}

/* Parse with limits, expecting status st; returns the parser. */
static struct article_parser *
parse_fail(const struct article_limits *lim, const char *text,
    enum article_status st)
{
	struct article_parser	*p = article_parser_new(lim);
	struct article		*a = (struct article *)1;

	assert_non_null(p);
	push_text(p, text);
	assert_int_equal(article_parser_finish(p, &a), st);
	assert_null(a);
	assert_true(strlen(article_parser_reason(p)) > 0);
	return (p);
}

static void
test_article_parser_wire_form(void **state)
{
	struct article	*a = parse("From: a@b.example\nSubject: hi\n\n"
	    "line one\n\nline three");
	const char	*want = "From: a@b.example\r\nSubject: hi\r\n\r\n"
	    "line one\r\n\r\nline three\r\n";

	assert_int_equal(a->wire_len, strlen(want));
	assert_memory_equal(a->wire, want, a->wire_len);
	assert_int_equal(a->header_len, strlen("From: a@b.example\r\n"
	    "Subject: hi\r\n"));
	assert_memory_equal(a->wire + a->header_len, "\r\nline one", 10);
	assert_int_equal(a->lines, 3);
	assert_int_equal(a->stuffed_dots, 0);
	assert_true(a->has_body);
	assert_int_equal(a->nheaders, 2);
	assert_string_equal(a->headers[0].name, "From");
	assert_string_equal(a->headers[0].value, "a@b.example");
	assert_int_equal(a->headers[1].off, strlen("From: a@b.example\r\n"));
	assert_int_equal(a->headers[1].len, strlen("Subject: hi\r\n"));
	article_free(a);
}

static void
test_article_parser_dot_stuffing_round_trip(void **state)
{
	static const char *const body[] = { ".", "..", ".x", "x.", "" };
	struct article	*a = parse("Subject: s\n\n.\n..\n.x\nx.\n");
	const char	*want = "Subject: s\r\n\r\n..\r\n...\r\n..x\r\nx.\r\n";
	const char	*p, *nl;
	size_t		 i = 0, n, off;

	assert_int_equal(a->wire_len, strlen(want));
	assert_memory_equal(a->wire, want, a->wire_len);
	assert_int_equal(a->stuffed_dots, 3);
	assert_int_equal(a->lines, 4);
	/* Un-stuffing the stored body gives the lines back. */
	for (p = a->wire + a->header_len + 2; p < a->wire + a->wire_len;
	    p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(a->wire + a->wire_len - p));
		assert_non_null(nl);
		n = (size_t)(nl - p) - 1;
		off = line_unstuff(p, n);
		assert_int_equal(n - off, strlen(body[i]));
		assert_memory_equal(p + off, body[i], n - off);
		assert_false(line_is_terminator(p, n));
		i++;
	}
	assert_int_equal(i, 4);
	article_free(a);
}

static void
test_article_parser_stuffed_header_name(void **state)
{
	struct article	*a = parse(".Odd: yes\nSubject: s\n\nb");

	assert_memory_equal(a->wire, "..Odd: yes\r\n", 12);
	assert_int_equal(a->stuffed_dots, 1);
	assert_string_equal(article_header_get(a, ".odd"), "yes");
	assert_int_equal(a->headers[0].len, 12);
	article_free(a);
}

static void
test_article_parser_folded_headers(void **state)
{
	struct article	*a = parse("Subject: first\n\tsecond \n third\n"
	    "X-Empty:\nX-Spaces:   \nKeywords:a,b\n\nbody");

	/* RFC 5322 2.2.3: only the CRLFs go; the white space stays. */
	assert_string_equal(article_header_get(a, "subject"),
	    "first\tsecond  third");
	assert_int_equal(a->headers[0].off, 0);
	assert_int_equal(a->headers[0].len, strlen("Subject: first\r\n"
	    "\tsecond \r\n third\r\n"));
	assert_string_equal(article_header_get(a, "X-Empty"), "");
	assert_string_equal(article_header_get(a, "X-Spaces"), "");
	assert_int_equal(a->headers[2].valuelen, 0);
	assert_string_equal(article_header_get(a, "Keywords"), "a,b");
	article_free(a);
}

static void
test_article_parser_header_without_colon(void **state)
{
	struct article_parser	*p;

	p = parse_fail(NULL, "Subject: s\nNo colon here\n\nbody\nmore",
	    ARTICLE_BAD_HEADER);
	assert_non_null(strstr(article_parser_reason(p), "line 2"));
	assert_non_null(strstr(article_parser_reason(p), "colon"));
	/* It went on reading to the end. */
	assert_int_equal(article_parser_lines(p), 5);
	article_parser_free(p);
}

static void
test_article_parser_bad_field_names(void **state)
{
	static const char *const bad[] = {
		"Sub ject: s\n\nb",		/* space in the name */
		"Subject : s\n\nb",		/* obs: WSP before colon */
		": empty name\n\nb",
		"Subj\x01: s\n\nb",
		"Subj\xc3\xa9: s\n\nb",		/* 8-bit name */
		" continued: first\n\nb",	/* continuation first */
		"Subject: a\x01\r\n\nb",	/* CR inside a header line */
	};
	struct article_parser	*p;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = parse_fail(NULL, bad[i], ARTICLE_BAD_HEADER);
		article_parser_free(p);
	}
}

static void
test_article_parser_nul_in_header(void **state)
{
	struct article_parser	*p = article_parser_new(NULL);
	struct article		*a;

	article_parser_push(p, "Subject: a\0b", 12);
	assert_int_equal(article_parser_finish(p, &a), ARTICLE_BAD_HEADER);
	assert_null(a);
	article_parser_free(p);
}

/* RFC 3977 3.6: no NUL, and no CR outside CRLF, in the body either. */
static void
test_article_parser_nul_or_cr_in_body(void **state)
{
	static const struct {
		const char	*line;
		size_t		 len;
	} bad[] = {
		{ "a\0b", 3 }, { "\0", 1 }, { "a\rb", 3 }, { "end\r", 4 },
	};
	struct article_parser	*p;
	struct article		*a;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = article_parser_new(NULL);
		article_parser_push(p, "Subject: s", 10);
		article_parser_push(p, "", 0);
		article_parser_push(p, "fine", 4);
		article_parser_push(p, bad[i].line, bad[i].len);
		article_parser_push(p, "after", 5);
		assert_int_equal(article_parser_finish(p, &a),
		    ARTICLE_BAD_BODY);
		assert_null(a);
		assert_non_null(strstr(article_parser_reason(p), "line 2"));
		article_parser_free(p);
	}
}

static void
test_article_parser_no_body(void **state)
{
	struct article	*a = parse("From: a@b.example\nSubject: s");

	assert_false(a->has_body);
	assert_int_equal(a->lines, 0);
	/* The empty line is supplied so header_len has one meaning. */
	assert_int_equal(a->header_len, a->wire_len - 2);
	assert_memory_equal(a->wire + a->header_len, "\r\n", 2);
	article_free(a);

	a = parse("Subject: s\n\n");
	assert_true(a->has_body);
	assert_int_equal(a->lines, 0);
	article_free(a);

	a = parse("");
	assert_int_equal(a->nheaders, 0);
	assert_int_equal(a->wire_len, 2);
	article_free(a);
}

static void
test_article_parser_huge_header_count(void **state)
{
	struct article_limits	 lim = { 0, 100, 0, 0 };
	struct article_parser	*p = article_parser_new(&lim);
	struct article		*a;
	char			 line[32];
	int			 i, n;

	for (i = 0; i < 10000; i++) {
		n = snprintf(line, sizeof(line), "X-H%d: v", i);
		article_parser_push(p, line, (size_t)n);
	}
	article_parser_push(p, "", 0);
	assert_int_equal(article_parser_push(p, "body", 4),
	    ARTICLE_TOO_MANY_HEADERS);
	assert_int_equal(article_parser_finish(p, &a),
	    ARTICLE_TOO_MANY_HEADERS);
	assert_null(a);
	assert_int_equal(article_parser_lines(p), 10002);
	assert_non_null(strstr(article_parser_reason(p), "100"));
	article_parser_free(p);

	/* Exactly the limit is fine. */
	p = article_parser_new(&lim);
	for (i = 0; i < 100; i++) {
		n = snprintf(line, sizeof(line), "X-H%d: v", i);
		article_parser_push(p, line, (size_t)n);
	}
	assert_int_equal(article_parser_finish(p, &a), ARTICLE_OK);
	assert_int_equal(a->nheaders, 100);
	article_free(a);
	article_parser_free(p);
}

static void
test_article_parser_size_limit_keeps_consuming(void **state)
{
	struct article_limits	 lim = { 100, 0, 0, 0 };
	struct article_parser	*p = article_parser_new(&lim);
	struct article		*a;
	char			 line[40];
	int			 i;

	memset(line, 'x', sizeof(line));
	assert_int_equal(article_parser_push(p, "Subject: s", 10),
	    ARTICLE_OK);
	assert_int_equal(article_parser_push(p, "", 0), ARTICLE_OK);
	assert_int_equal(article_parser_push(p, line, 40), ARTICLE_OK);
	/* 12 + 2 + 42 = 56; another 42 is 98; the third trips. */
	assert_int_equal(article_parser_push(p, line, 40), ARTICLE_OK);
	assert_int_equal(article_parser_push(p, line, 40), ARTICLE_TOO_BIG);
	for (i = 0; i < 1000; i++)
		assert_int_equal(article_parser_push(p, line, 40),
		    ARTICLE_TOO_BIG);
	assert_int_equal(article_parser_lines(p), 1005);
	assert_int_equal(article_parser_octets(p), 10 + 1003 * 40);
	assert_int_equal(article_parser_finish(p, &a), ARTICLE_TOO_BIG);
	assert_null(a);
	assert_string_equal(article_parser_reason(p),
	    "Article too large (limit 100 octets)");
	/* Finishing again is harmless. */
	assert_int_equal(article_parser_finish(p, &a), ARTICLE_TOO_BIG);
	article_parser_free(p);
}

static void
test_article_parser_size_limit_exact(void **state)
{
	/* "Subject: s\r\n\r\nb\r\n" is 17 octets; stuffing counts. */
	struct article_limits	 lim = { 17, 0, 0, 0 };
	struct article_parser	*p;

	p = article_parser_new(&lim);
	push_text(p, "Subject: s\n\nb");
	assert_int_equal(article_parser_push(p, "", 0), ARTICLE_TOO_BIG);
	article_parser_free(p);
	p = parse_fail(&lim, "Subject: s\n\n.", ARTICLE_TOO_BIG);
	article_parser_free(p);
}

static void
test_article_parser_header_and_line_limits(void **state)
{
	struct article_limits	 hl = { 0, 0, 30, 0 };
	struct article_limits	 ll = { 0, 0, 0, 4 };
	struct article_parser	*p;
	struct article		*a;

	/* 15 + 15 = 30 octets in wire form: allowed. */
	p = article_parser_new(&hl);
	push_text(p, "Subject: abcd\n continuation\n\nb");
	assert_int_equal(article_parser_finish(p, &a), ARTICLE_OK);
	article_free(a);
	article_parser_free(p);
	p = parse_fail(&hl, "Subject: abcd\n continuation!\n\nb",
	    ARTICLE_HEADER_TOO_LONG);
	article_parser_free(p);
	p = parse_fail(&hl, "Subject: a very long subject line here\n\nb",
	    ARTICLE_HEADER_TOO_LONG);
	article_parser_free(p);
	p = parse_fail(&ll, "Subject: s\n\n1\n2\n3", ARTICLE_TOO_MANY_LINES);
	article_parser_free(p);
	p = article_parser_new(&ll);
	push_text(p, "Subject: s\n\n1\n2");
	assert_int_equal(article_parser_finish(p, &a), ARTICLE_OK);
	article_free(a);
	article_parser_free(p);
}

static void
test_article_parser_8bit_body_preserved(void **state)
{
	static const char body[] =
	    "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xff\x80\x01z";
	struct article_parser	*p = article_parser_new(NULL);
	struct article		*a;

	article_parser_push(p, "Subject: s", 10);
	article_parser_push(p, "", 0);
	article_parser_push(p, body, sizeof(body) - 1);
	assert_int_equal(article_parser_finish(p, &a), ARTICLE_OK);
	assert_int_equal(a->wire_len, a->header_len + 2 + sizeof(body) - 1 +
	    2);
	assert_memory_equal(a->wire + a->header_len + 2, body,
	    sizeof(body) - 1);
	assert_int_equal(a->lines, 1);
	article_free(a);
	article_parser_free(p);
}

static void
test_article_lookup_helpers(void **state)
{
	struct article	*a = parse("Path: x!y\nsubject: one\nX-Dup: 1\n"
	    "X-DUP: 2\n\nb");
	const char	*blk;
	size_t		 len;

	assert_string_equal(article_header_get(a, "SUBJECT"), "one");
	assert_null(article_header_get(a, "Subj"));
	assert_null(article_header_get(a, "From"));
	assert_string_equal(article_header_get(a, "x-dup"), "1");
	assert_int_equal(article_header_count(a, "x-dup"), 2);
	assert_int_equal(article_header_count(a, "path"), 1);
	assert_int_equal(article_header_count(a, "From"), 0);
	blk = article_header_block(a, &len);
	assert_int_equal(len, a->header_len);
	assert_memory_equal(blk, "Path: x!y\r\nsubject: one\r\n", 25);
	assert_memory_equal(blk + len - 10, "X-DUP: 2\r\n", 10);
	assert_string_equal(article_status_str(ARTICLE_TOO_BIG),
	    "Article too large");
	article_free(a);
}

static void
test_article_thread_references(void **state)
{
	struct article		*a = parse("Message-ID:  <me@x>  \n"
	    "Newsgroups: a.b, c.d,bad..name ,e\n"
	    "Subject: Re:\tfolded\n  subject\n"
	    "From: A <a@x>\nDate: Sun, 1 Jan 2023 00:00:00 +0000\n"
	    "References: <root@x> <bad id@x>\n\t<mid@x> junk <parent@x>\n"
	    "\nbody");
	struct article_thread	 t;

	assert_int_equal(article_thread_extract(a, &t), 0);
	assert_string_equal(t.msgid, "<me@x>");
	assert_int_equal(t.nrefs, 3);
	assert_string_equal(t.refs[0], "<root@x>");
	assert_string_equal(t.refs[1], "<mid@x>");
	assert_string_equal(t.refs[2], "<parent@x>");
	assert_string_equal(t.root, "<root@x>");
	assert_string_equal(t.parent, "<parent@x>");
	assert_int_equal(t.ngroups, 3);
	assert_string_equal(t.groups[0], "a.b");
	assert_string_equal(t.groups[1], "c.d");
	assert_string_equal(t.groups[2], "e");
	assert_string_equal(t.overview, "Re: folded  subject\tA <a@x>\t"
	    "Sun, 1 Jan 2023 00:00:00 +0000\t<me@x>\t"
	    "<root@x> <bad id@x> <mid@x> junk <parent@x>");
	article_thread_free(&t);
	article_free(a);
}

static void
test_article_thread_in_reply_to_and_root(void **state)
{
	struct article		*a;
	struct article_thread	 t;

	a = parse("Message-ID: <me@x>\nIn-Reply-To: Your message "
	    "<first@x> <p@x>\n\nb");
	assert_int_equal(article_thread_extract(a, &t), 0);
	assert_int_equal(t.nrefs, 1);
	assert_string_equal(t.parent, "<p@x>");
	assert_string_equal(t.root, "<p@x>");
	/* Missing fields are empty in the overview. */
	assert_string_equal(t.overview, "\t\t\t<me@x>\t");
	article_thread_free(&t);
	article_free(a);

	a = parse("Subject: root\n\nb");
	assert_int_equal(article_thread_extract(a, &t), 0);
	assert_null(t.parent);
	assert_null(t.root);
	assert_null(t.msgid);
	assert_int_equal(t.nrefs, 0);
	assert_int_equal(t.ngroups, 0);
	assert_string_equal(t.overview, "root\t\t\t\t");
	article_thread_free(&t);
	/* Freeing twice is safe: the struct is cleared. */
	article_thread_free(&t);
	article_free(a);
}

static void
test_article_thread_caps_references(void **state)
{
	struct article_thread	 t;
	struct article		*a;
	char			*text, *p;
	int			 i;

	text = malloc(300 * 16 + 64);
	assert_non_null(text);
	p = text + sprintf(text, "References:");
	for (i = 0; i < 300; i++)
		p += sprintf(p, " <r%d@x>", i);
	sprintf(p, "\n\nbody");
	a = parse(text);
	free(text);
	assert_int_equal(article_thread_extract(a, &t), 0);
	assert_int_equal(t.nrefs, ARTICLE_REFS_MAX);
	/* The root and the nearest ancestors survive. */
	assert_string_equal(t.refs[0], "<r0@x>");
	assert_string_equal(t.refs[1], "<r201@x>");
	assert_string_equal(t.refs[ARTICLE_REFS_MAX - 1], "<r299@x>");
	assert_string_equal(t.root, "<r0@x>");
	assert_string_equal(t.parent, "<r299@x>");
	article_thread_free(&t);
	article_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_article_parser_wire_form),
		cmocka_unit_test(test_article_parser_nul_or_cr_in_body),
		cmocka_unit_test(test_article_parser_dot_stuffing_round_trip),
		cmocka_unit_test(test_article_parser_stuffed_header_name),
		cmocka_unit_test(test_article_parser_folded_headers),
		cmocka_unit_test(test_article_parser_header_without_colon),
		cmocka_unit_test(test_article_parser_bad_field_names),
		cmocka_unit_test(test_article_parser_nul_in_header),
		cmocka_unit_test(test_article_parser_no_body),
		cmocka_unit_test(test_article_parser_huge_header_count),
		cmocka_unit_test(
		    test_article_parser_size_limit_keeps_consuming),
		cmocka_unit_test(test_article_parser_size_limit_exact),
		cmocka_unit_test(test_article_parser_header_and_line_limits),
		cmocka_unit_test(test_article_parser_8bit_body_preserved),
		cmocka_unit_test(test_article_lookup_helpers),
		cmocka_unit_test(test_article_thread_references),
		cmocka_unit_test(test_article_thread_in_reply_to_and_root),
		cmocka_unit_test(test_article_thread_caps_references),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
