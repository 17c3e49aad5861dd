/* Unit tests for proto/article_inject.c: injection and relaying. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>
#include <cmocka.h>

#include "article.h"
#include "article_test.h"

#define NOW	((time_t)1795920423)	/* Sun, 29 Nov 2026 02:47:03 */

static void
assert_wire(const struct article *a, const char *want)
{
	if (a->wire_len != strlen(want) ||
	    memcmp(a->wire, want, a->wire_len) != 0)
		fail_msg("wire differs:\n%.*s\n--- want:\n%s",
		    (int)a->wire_len, a->wire, want);
}

static const struct article_injection inj_default = {
	.path_identity = "news.example.org",
	.msgid_domain = "example.org",
	.msgid_unique = "loom.1a2b",
	.posting_host = "client.example",
	.logging_data = "42",
	.now = NOW,
};

static void
test_article_inject_adds_fields_byte_exact(void **state)
{
	struct article	*a, *b;
	char		 r[ARTICLE_REASON_MAX];
	const char	*want =
	    "Path: news.example.org!.POSTED.client.example!not-for-mail\r\n"
	    "From: Jane Doe <jane@example.org>\r\n"
	    "Newsgroups: loom.test\r\n"
	    "Subject: Hello\r\n"
	    "\tworld\r\n"
	    "Message-ID: <loom.1a2b@example.org>\r\n"
	    "Date: Sun, 29 Nov 2026 02:47:03 +0000\r\n"
	    "Injection-Date: Sun, 29 Nov 2026 02:47:03 +0000\r\n"
	    "Injection-Info: news.example.org; posting-host=\"client.example\""
	    "; logging-data=\"42\"\r\n"
	    "\r\n"
	    "..dotted\r\n"
	    "body \xc3\xa9\r\n";

	a = art_parse("From: Jane Doe <jane@example.org>\n"
	    "Newsgroups: loom.test\nSubject: Hello\n\tworld\n\n"
	    ".dotted\nbody \xc3\xa9");
	b = article_inject(a, &inj_default, r, sizeof(r));
	assert_non_null(b);
	assert_wire(b, want);
	assert_int_equal(b->header_len, strstr(want, "\r\n\r\n") + 2 - want);
	assert_int_equal(b->stuffed_dots, 1);
	assert_int_equal(b->lines, 2);
	assert_true(b->has_body);
	assert_string_equal(article_header_get(b, "Subject"), "Hello\tworld");
	assert_same_as_parsed(b);
	article_free(b);
	article_free(a);
}

/*
 * Injection builds its result without parsing it: whatever the poster
 * sent, the result must be what parsing its wire gives, and its fields
 * those the injector keeps and adds.
 */
/* An anonymous post: who and where the poster is goes; the rest stays. */
static void
test_article_inject_anonymous(void **state)
{
	struct article_injection	 inj = inj_default;
	struct article			*a, *b;
	char				 r[ARTICLE_REASON_MAX];
	const char			*want =
	    "Path: news.example.org!.POSTED!not-for-mail\r\n"
	    "Newsgroups: loom.test\r\n"
	    "Subject: Hi\r\n"
	    "User-Agent: Reader/1\r\n"
	    "X-Other: kept\r\n"
	    "Date: Sun, 29 Nov 2026 02:00:00 +0000\r\n"
	    "Message-ID: <loom.1a2b@example.org>\r\n"
	    "Injection-Date: Sun, 29 Nov 2026 02:47:03 +0000\r\n"
	    "From: Anonymous <anon@example.org>\r\n"
	    "Injection-Info: news.example.org; logging-data=\"tok\"\r\n"
	    "\r\n"
	    "body\r\n";

	a = art_parse("Path: janes-laptop!not-for-mail\n"
	    "From: Jane Doe <jane@example.org>\n"
	    "Sender: jane@example.org\nReply-To: jane@home.example\n"
	    "Organization: Jane Inc\nNewsgroups: loom.test\nSubject: Hi\n"
	    "User-Agent: Reader/1\nX-Face: xyz\nx-loom-anonymous: yes\n"
	    "Message-ID: <1@janes-laptop.example>\n"
	    "X-Other: kept\nDate: Sun, 29 Nov 2026 02:00:00 +0000\n"
	    "\nbody");
	inj.posting_host = NULL;
	inj.logging_data = "tok";
	inj.anonymous_from = "Anonymous <anon@example.org>";
	b = article_inject(a, &inj, r, sizeof(r));
	assert_non_null(b);
	assert_wire(b, want);
	assert_same_as_parsed(b);
	article_free(b);
	/* Not anonymous: the request header goes, the poster's stay. */
	inj.anonymous_from = NULL;
	b = article_inject(a, &inj, r, sizeof(r));
	assert_non_null(b);
	assert_same_as_parsed(b);
	assert_null(article_header_get(b, "X-Loom-Anonymous"));
	assert_string_equal(article_header_get(b, "From"),
	    "Jane Doe <jane@example.org>");
	assert_string_equal(article_header_get(b, "Message-ID"),
	    "<1@janes-laptop.example>");
	article_free(b);
	article_free(a);
}

static void
test_article_inject_equals_parse(void **state)
{
	static const char *const arts[] = {
		"From: a@b.example\nNewsgroups: g\nSubject: s\n\nbody",
		"Path: x!y\nFrom: a@b.example\nXref: h g:1\n"
		    "NNTP-Posting-Host: h\nX-Trace: t\nEmpty:\n"
		    ".dotted: v\nSubject: s\n\tfolded\nPath: again\n\n."
		    "\n..\nx",
		"Path:\nMessage-ID: <m@example.org>\nDate: Sun, 29 Nov "
		    "2026 02:00:00 +0000\nLines: 7\nSubject: s",
		"Message-ID: <m@example.org>\nInjection-Date: Sun, 29 Nov "
		    "2026 02:00:00 +0000\nSubject: \t s \t\n\n",
		"",
	};
	struct article_injection	 inj = inj_default;
	struct article			*a, *b, *c;
	char				 r[ARTICLE_REASON_MAX];
	size_t				 i;
	int				 lines;

	for (i = 0; i < sizeof(arts) / sizeof(arts[0]); i++) {
		a = art_parse(arts[i]);
		for (lines = 0; lines < 2; lines++) {
			inj.add_lines = lines;
			inj.posting_host = lines ? NULL : "client.example";
			b = article_inject(a, &inj, r, sizeof(r));
			assert_non_null(b);
			assert_same_as_parsed(b);
			assert_int_equal(article_header_count(b, "Path"), 1);
			assert_int_equal(article_header_count(b,
			    "Injection-Info"), 1);
			assert_null(article_header_get(b, "Xref"));
			assert_null(article_header_get(b,
			    "NNTP-Posting-Host"));
			assert_null(article_header_get(b, "X-Trace"));
			assert_null(article_header_get(b, "Empty"));
			assert_non_null(article_header_get(b, "Message-ID"));
			assert_non_null(article_header_get(b, "Date"));
			if (lines)
				assert_non_null(article_header_get(b,
				    "Lines"));
			c = article_path_prepend(b, "relay.example", NULL);
			assert_non_null(c);
			assert_same_as_parsed(c);
			article_free(c);
			article_free(b);
		}
		article_free(a);
	}
}

static void
test_article_inject_keeps_poster_fields(void **state)
{
	struct article_injection	 inj = inj_default;
	struct article			*a, *b;
	char				 r[ARTICLE_REASON_MAX];
	const char			*want =
	    "From: a@b.example\r\n"
	    "Path: news.example.org!.POSTED!poster.example!not-for-mail\r\n"
	    "Newsgroups: loom.test\r\n"
	    "Subject: s\r\n"
	    "Message-ID: <own@b.example>\r\n"
	    "Date: Sun, 29 Nov 2026 02:00:00 +0000\r\n"
	    "Injection-Info: news.example.org\r\n"
	    "Lines: 3\r\n"
	    "\r\n"
	    "1\r\n"
	    "\r\n"
	    "3\r\n";

	/* With Message-ID and Date the poster may inject elsewhere too:
	   no Injection-Date (RFC 5537 3.5).  No posting host: none in
	   Path or Injection-Info. */
	inj.posting_host = NULL;
	inj.logging_data = NULL;
	inj.add_lines = 1;
	a = art_parse("From: a@b.example\n"
	    "Path: poster.example!not-for-mail\n"
	    "Newsgroups: loom.test\nSubject: s\n"
	    "Message-ID: <own@b.example>\n"
	    "Date: Sun, 29 Nov 2026 02:00:00 +0000\n\n1\n\n3");
	b = article_inject(a, &inj, r, sizeof(r));
	assert_non_null(b);
	assert_wire(b, want);
	assert_int_equal(b->lines, 3);
	article_free(b);
	article_free(a);
}

static const char forged[] =
    "From: a@b.example\nX-Trace: forged\n"
    "NNTP-Posting-Host: forged\nSubject: s\nXref: h g:1\n"
    "nntp-posting-date: forged\nNewsgroups: loom.test\n"
    "X-Complaints-To: forged\nOrganization:\n"
    "Injection-Info: forged\n"
    "Injection-Date: Sun, 29 Nov 2026 01:00:00 +0000\n"
    "Lines: 7\nMessage-ID: %s\n\nb";

static void
test_article_inject_removes_forbidden_fields(void **state)
{
	struct article	*a, *b;
	char		 r[ARTICLE_REASON_MAX], text[1024];
	const char	*want =
	    "Path: news.example.org!.POSTED.client.example!not-for-mail\r\n"
	    "From: a@b.example\r\n"
	    "Subject: s\r\n"
	    "Newsgroups: loom.test\r\n"
	    "Injection-Date: Sun, 29 Nov 2026 01:00:00 +0000\r\n"
	    "Lines: 7\r\n"
	    "Message-ID: <k@b.example>\r\n"
	    "Date: Sun, 29 Nov 2026 02:47:03 +0000\r\n"
	    "Injection-Info: news.example.org; posting-host=\"client.example\""
	    "; logging-data=\"42\"\r\n"
	    "\r\n"
	    "b\r\n";

	/* Forged trace fields and empty ones go; the poster's
	   Injection-Date stays (it must never change) and so does Lines,
	   even when wrong. */
	snprintf(text, sizeof(text), forged, "<k@b.example>");
	a = art_parse(text);
	b = article_inject(a, &inj_default, r, sizeof(r));
	assert_non_null(b);
	assert_wire(b, want);
	article_free(b);
	article_free(a);

	/* An empty Message-ID is absent: a new one is added. */
	snprintf(text, sizeof(text), forged, "");
	a = art_parse(text);
	b = article_inject(a, &inj_default, r, sizeof(r));
	assert_non_null(b);
	assert_string_equal(article_header_get(b, "Message-ID"),
	    "<loom.1a2b@example.org>");
	assert_int_equal(article_header_count(b, "Message-ID"), 1);
	assert_int_equal(article_header_count(b, "Injection-Date"), 1);
	assert_int_equal(article_header_count(b, "Organization"), 0);
	article_free(b);
	article_free(a);
}

static void
test_article_inject_quotes_parameters(void **state)
{
	struct article_injection	 inj = inj_default;
	struct article			*a, *b;
	char				 r[ARTICLE_REASON_MAX];

	inj.posting_host = "host \"x\"";	/* not a path identity */
	inj.posting_account = "jane";
	inj.logging_data = "a\\b\r\nc\x01\xc3\xa9";
	inj.complaints_to = "abuse@example.org";
	a = art_parse("From: a@b.example\nSubject: s\nNewsgroups: a.b\n\nb");
	b = article_inject(a, &inj, r, sizeof(r));
	assert_non_null(b);
	assert_string_equal(article_header_get(b, "Injection-Info"),
	    "news.example.org; posting-host=\"host \\\"x\\\"\"; "
	    "posting-account=\"jane\"; logging-data=\"a\\\\bc\"; "
	    "mail-complaints-to=\"abuse@example.org\"");
	/* A host that cannot be a Path diagnostic stays out of Path. */
	assert_string_equal(article_header_get(b, "Path"),
	    "news.example.org!.POSTED!not-for-mail");
	article_free(b);
	article_free(a);
}

static void
test_article_inject_bad_parameters(void **state)
{
	struct article_injection	 inj = inj_default;
	struct article			*a;
	char				 r[ARTICLE_REASON_MAX];

	a = art_parse("From: a@b.example\nSubject: s\nNewsgroups: a.b\n\nb");
	inj.msgid_unique = "has space";
	assert_null(article_inject(a, &inj, r, sizeof(r)));
	assert_string_equal(r, "Cannot make a valid Message-ID");
	inj.msgid_unique = NULL;
	assert_null(article_inject(a, &inj, r, sizeof(r)));
	inj = inj_default;
	inj.path_identity = "bad!identity";
	assert_null(article_inject(a, &inj, r, sizeof(r)));
	assert_string_equal(r, "Bad path identity");
	inj.path_identity = "";
	assert_null(article_inject(a, &inj, r, sizeof(r)));
	article_free(a);
}

static void
test_article_inject_then_thread(void **state)
{
	struct article		*a, *b;
	struct article_thread	 t;
	char			 r[ARTICLE_REASON_MAX];

	a = art_parse("From: a@b.example\nSubject: Re: s\nNewsgroups: a.b,c.d\n"
	    "References: <r@x>\n\nb");
	b = article_inject(a, &inj_default, r, sizeof(r));
	assert_non_null(b);
	assert_int_equal(article_thread_extract(b, &t), 0);
	assert_string_equal(t.msgid, "<loom.1a2b@example.org>");
	assert_string_equal(t.parent, "<r@x>");
	assert_int_equal(t.ngroups, 2);
	assert_string_equal(t.overview, "Re: s\ta@b.example\t"
	    "Sun, 29 Nov 2026 02:47:03 +0000\t<loom.1a2b@example.org>\t<r@x>");
	article_thread_free(&t);
	article_free(b);
	article_free(a);
}

static const char relayed[] =
    "From: a@b.example\n"
    "Path: peer.example!.SEEN.x!origin.example!not-for-mail\n"
    "Subject: s\n"
    "\tfolded\n"
    "\n"
    ".\n"
    "..x";

static void
test_article_path_prepend(void **state)
{
	struct article	*a = art_parse(relayed), *b;
	const char	*tail = "Subject: s\r\n\tfolded\r\n\r\n..\r\n...x\r\n";
	char		 want[512];

	b = article_path_prepend(a, "me.example", NULL);
	assert_non_null(b);
	snprintf(want, sizeof(want), "From: a@b.example\r\n"
	    "Path: me.example!peer.example!.SEEN.x!origin.example!"
	    "not-for-mail\r\n%s", tail);
	assert_wire(b, want);
	assert_int_equal(b->stuffed_dots, 2);
	assert_int_equal(b->lines, 2);
	assert_same_as_parsed(b);
	article_free(b);

	b = article_path_prepend(a, "me.example", "!");
	assert_string_equal(article_header_get(b, "Path"),
	    "me.example!!peer.example!.SEEN.x!origin.example!not-for-mail");
	article_free(b);

	b = article_path_prepend(a, "me.example", ".SEEN.peer.example");
	assert_string_equal(article_header_get(b, "Path"),
	    "me.example!.SEEN.peer.example!peer.example!.SEEN.x!"
	    "origin.example!not-for-mail");
	article_free(b);
	article_free(a);

	/* The sender's Xref does not travel: the store writes ours. */
	a = art_parse("Path: x\nXref: x g:1\nSubject: s\n\nb");
	b = article_path_prepend(a, "me.example", NULL);
	assert_wire(b, "Path: me.example!x\r\nSubject: s\r\n\r\nb\r\n");
	article_free(b);
	article_free(a);

	/* No Path: one is made, first. */
	a = art_parse("Subject: s\n\nb");
	b = article_path_prepend(a, "me.example", NULL);
	assert_wire(b, "Path: me.example!not-for-mail\r\nSubject: s\r\n\r\n"
	    "b\r\n");
	article_free(b);
	article_free(a);

	/* An empty Path is dropped, not kept beside the new one. */
	a = art_parse("Path:\nSubject: s\n\nb");
	b = article_path_prepend(a, "me.example", NULL);
	assert_wire(b, "Path: me.example!not-for-mail\r\nSubject: s\r\n\r\n"
	    "b\r\n");
	article_free(b);
	article_free(a);

	/* No body: none is invented. */
	a = art_parse("Path: x\nSubject: s");
	b = article_path_prepend(a, "me.example", NULL);
	assert_wire(b, "Path: me.example!x\r\nSubject: s\r\n\r\n");
	assert_false(b->has_body);
	article_free(b);
	article_free(a);
}

/*
 * Path prepend builds its result without parsing it: whatever the input,
 * the result must be what parsing its wire gives (fields, offsets,
 * numbers, counts), also when prepended again.
 */
static void
test_article_path_prepend_equals_parse(void **state)
{
	static const char *const arts[] = {
		relayed,
		"Path: a\nXref: h g:1\nXREF: h g:2\nSubject: s\n\nb",
		"Path:\npath:  \t\nPATH: x!y \n\tfolded!z\nPath: later\n"
		    "Subject: s\n\n.\n..\n.x",
		"Subject: s\n.dotted-name: v\n\tmore\nxref: x\n\nb",
		"X-Other: v\nPath: \tx\n",
		"Message-ID: <a@b>\nmessage-id: <c@d>\nReferences: <r@s>\n"
		    "  <t@u>\nPath: p\nNewsgroups: g\n\n",
		"",
	};
	static const char *const diags[] = { NULL, "!", ".SEEN.peer" };
	struct article	*a, *b, *c;
	size_t		 i, j;

	for (i = 0; i < sizeof(arts) / sizeof(arts[0]); i++) {
		a = art_parse(arts[i]);
		assert_same_as_parsed(a);
		for (j = 0; j < 3; j++) {
			b = article_path_prepend(a, "me.example", diags[j]);
			assert_non_null(b);
			assert_same_as_parsed(b);
			assert_null(article_header_get(b, "Xref"));
			assert_int_equal(article_header_count(b, "Path"), 1);
			c = article_path_prepend(b, "next.example", NULL);
			assert_non_null(c);
			assert_same_as_parsed(c);
			assert_memory_equal(article_header_get(c, "path"),
			    "next.example!me.example!", 24);
			article_free(c);
			article_free(b);
		}
		article_free(a);
	}
}

/* Field numbers: matched once, whatever the case; others by name. */
static void
test_article_header_ids(void **state)
{
	struct article	*a;

	assert_int_equal(article_hid("message-ID", 10), ART_H_MESSAGE_ID);
	assert_int_equal(article_hid("Message-IDs", 11), ART_H_OTHER);
	assert_int_equal(article_hid("Message-I", 9), ART_H_OTHER);
	assert_int_equal(article_hid("NNTP-POSTING-HOST", 17),
	    ART_H_NNTP_POSTING_HOST);
	assert_int_equal(article_hid("", 0), ART_H_OTHER);
	/* Every number is found by its own name, in either case, and
	   never by the name with one octet changed. */
	{
		static const char *const names[] = { NULL, "Path", "From",
		    "Newsgroups", "Subject", "Message-ID", "Date",
		    "References", "In-Reply-To", "Xref", "Injection-Date",
		    "Injection-Info", "Followup-To", "Expires", "Sender",
		    "Lines", "Approved", "Archive", "Bcc", "Cc", "Control",
		    "Distribution", "Organization", "Reply-To", "Summary",
		    "Supersedes", "To", "User-Agent", "NNTP-Posting-Host",
		    "NNTP-Posting-Date", "X-Trace", "X-Complaints-To" };
		char	buf[32];
		size_t	i, j, n;

		assert_int_equal(sizeof(names) / sizeof(names[0]),
		    ART_H_MAX);
		for (i = 1; i < ART_H_MAX; i++) {
			n = strlen(names[i]);
			assert_int_equal(article_hid(names[i], n), i);
			for (j = 0; j < n; j++)
				buf[j] = (char)(j % 2 ? tolower(
				    (unsigned char)names[i][j]) : toupper(
				    (unsigned char)names[i][j]));
			assert_int_equal(article_hid(buf, n), i);
			for (j = 0; j < n; j++) {
				memcpy(buf, names[i], n);
				buf[j] ^= 0x01;
				assert_int_equal(article_hid(buf, n),
				    ART_H_OTHER);
			}
			assert_int_equal(article_hid(names[i], n - 1),
			    ART_H_OTHER);
		}
	}
	a = art_parse("X-A: 1\nsubject: s\nX-a: 2\nSUBJECT: t\nPath:\n"
	    "path: p\n\nb");
	assert_string_equal(article_header_get(a, "x-a"), "1");
	assert_int_equal(article_header_count(a, "X-A"), 2);
	assert_string_equal(article_header_get(a, "Subject"), "s");
	assert_int_equal(article_header_count(a, "Subject"), 2);
	/* The first Path is empty: get sees it, by_id too. */
	assert_string_equal(article_header_get(a, "PATH"), "");
	assert_int_equal(article_header_by_id(a, ART_H_PATH)->valuelen, 0);
	assert_null(article_header_get(a, "From"));
	assert_null(article_header_by_id(a, ART_H_FROM));
	assert_int_equal(article_header_count(a, "From"), 0);
	assert_int_equal(article_header_count(a, "X-B"), 0);
	assert_int_equal(a->headers[1].id, ART_H_SUBJECT);
	assert_int_equal(a->headers[0].id, ART_H_OTHER);
	article_free(a);
}

static void
test_article_path_loop_detection(void **state)
{
	struct article	*a = art_parse(relayed);

	assert_true(article_path_contains(a, "peer.example"));
	assert_true(article_path_contains(a, "PEER.Example"));
	assert_true(article_path_contains(a, "origin.example"));
	assert_false(article_path_contains(a, "peer"));
	assert_false(article_path_contains(a, "peer.example.org"));
	assert_false(article_path_contains(a, ".SEEN.x"));
	assert_false(article_path_contains(a, "x"));
	assert_false(article_path_contains(a, ""));
	article_free(a);

	a = art_parse("Path: a.example!! b.example\n\nb");
	assert_true(article_path_contains(a, "b.example"));
	article_free(a);
	a = art_parse("Subject: no path\n\nb");
	assert_false(article_path_contains(a, "a.example"));
	article_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_article_inject_adds_fields_byte_exact),
		cmocka_unit_test(test_article_inject_keeps_poster_fields),
		cmocka_unit_test(test_article_inject_anonymous),
		cmocka_unit_test(test_article_inject_removes_forbidden_fields),
		cmocka_unit_test(test_article_inject_quotes_parameters),
		cmocka_unit_test(test_article_inject_bad_parameters),
		cmocka_unit_test(test_article_inject_then_thread),
		cmocka_unit_test(test_article_path_prepend),
		cmocka_unit_test(test_article_inject_equals_parse),
		cmocka_unit_test(test_article_path_prepend_equals_parse),
		cmocka_unit_test(test_article_header_ids),
		cmocka_unit_test(test_article_path_loop_detection),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
