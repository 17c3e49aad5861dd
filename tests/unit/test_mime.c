/* Unit tests for proto/mime.c: the decoding behind the web pages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mime.h"

#define FFFD	"\xef\xbf\xbd"

/* Decode a header field body; the caller frees the result. */
static char *
hdr(const char *in)
{
	struct mime_buf	b;

	memset(&b, 0, sizeof(b));
	mime_header_decode(in, strlen(in), &b);
	assert_false(b.oom);
	return (b.p != NULL ? b.p : calloc(1, 1));
}

static void
assert_hdr(const char *in, const char *want)
{
	char	*got = hdr(in);

	assert_string_equal(got, want);
	free(got);
}

static char *
body(const char *ct, const char *cte, const char *in)
{
	struct mime_buf	b;

	memset(&b, 0, sizeof(b));
	mime_body_decode(ct, cte, in, strlen(in), &b);
	assert_false(b.oom);
	return (b.p != NULL ? b.p : calloc(1, 1));
}

static void
assert_body(const char *ct, const char *cte, const char *in,
    const char *want)
{
	char	*got = body(ct, cte, in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_rfc2047_b_and_q(void **state)
{
	assert_hdr("=?UTF-8?B?SsO8cmdlbg==?=", "J\xc3\xbcrgen");
	assert_hdr("=?utf-8?b?SsO8cmdlbg==?=", "J\xc3\xbcrgen");
	assert_hdr("=?ISO-8859-1?Q?Gr=FC=DFe?=", "Gr\xc3\xbc\xc3\x9f" "e");
	assert_hdr("=?iso-8859-1?q?a_b?=", "a b");
	assert_hdr("Re: =?UTF-8?Q?caf=C3=A9?= ok", "Re: caf\xc3\xa9 ok");
	/* RFC 2231 language tag */
	assert_hdr("=?UTF-8*en?Q?hi?=", "hi");
	/* Windows-1252 has the euro sign at 0x80. */
	assert_hdr("=?windows-1252?Q?=80?=", "\xe2\x82\xac");
}

static void
test_rfc2047_adjacent_words_joined(void **state)
{
	/* The space between two encoded-words is not text ... */
	assert_hdr("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab");
	assert_hdr("=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=", "ab");
	/* ... but between a word and text it is. */
	assert_hdr("=?UTF-8?Q?a?= b", "a b");
	assert_hdr("a =?UTF-8?Q?b?=", "a b");
	/* A character split over two words survives. */
	assert_hdr("=?UTF-8?B?w6?= =?UTF-8?B?qQ?=", "\xc3\xa9");
	assert_hdr("=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "\xc3\xa9");
	/* Different charsets are converted each on its own. */
	assert_hdr("=?ISO-8859-1?Q?=E9?= =?UTF-8?Q?=C3=A9?=",
	    "\xc3\xa9\xc3\xa9");
}

static void
test_rfc2047_malformed_kept(void **state)
{
	assert_hdr("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=");
	assert_hdr("=?UTF-8?Q?no end", "=?UTF-8?Q?no end");
	assert_hdr("=??Q?x?=", "=??Q?x?=");
	assert_hdr("=?UTF-8?B?@@@@?=", "=?UTF-8?B?@@@@?=");
	assert_hdr("a =? b", "a =? b");
	/* Space inside the text: not an encoded-word. */
	assert_hdr("=?UTF-8?Q?a b?=", "=?UTF-8?Q?a b?=");
	/* An unknown charset still shows its ASCII. */
	assert_hdr("=?x-no-such-charset?Q?abc?=", "abc");
}

static void
test_header_raw_8bit(void **state)
{
	/* Valid UTF-8 as it is, anything else replaced, never dropped. */
	assert_hdr("caf\xc3\xa9", "caf\xc3\xa9");
	assert_hdr("caf\xe9", "caf" FFFD);
	assert_hdr("\xc0\xaf", FFFD FFFD);		/* overlong */
	assert_hdr("\xed\xa0\x80", FFFD FFFD FFFD);	/* surrogate */
	assert_hdr("a\x01z", "a" FFFD "z");
	assert_hdr("\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd", FFFD FFFD FFFD);
	assert_hdr("fold\r\n\tme", "fold\tme");
}

static void
test_quoted_printable(void **state)
{
	char	out[64];
	size_t	n;

	n = mime_qp_decode("a=3Db", 5, out, 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "a=b", 3);
	n = mime_qp_decode("soft=\nbreak", 11, out, 0);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "softbreak", 9);
	n = mime_qp_decode("soft= \r\nbreak", 13, out, 0);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "softbreak", 9);
	/* Malformed escapes stay as written. */
	n = mime_qp_decode("=ZZ=4", 5, out, 0);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "=ZZ=4", 5);
	n = mime_qp_decode("a_b", 3, out, 0);
	assert_memory_equal(out, "a_b", 3);
	n = mime_qp_decode("a_b", 3, out, 1);
	assert_memory_equal(out, "a b", 3);
}

static void
test_base64(void **state)
{
	char	out[64];
	size_t	n;

	n = mime_b64_decode("aGVsbG8=", 8, out);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "hello", 5);
	n = mime_b64_decode("aGVs\r\nbG8h", 10, out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "hello!", 6);
	n = mime_b64_decode("aGk", 3, out);	/* no padding */
	assert_int_equal(n, 2);
	assert_memory_equal(out, "hi", 2);
	assert_true(mime_b64_decode("a*b=", 4, out) == (size_t)-1);
}

static void
test_body_charsets(void **state)
{
	assert_body("text/plain; charset=iso-8859-1", NULL, "caf\xe9\n",
	    "caf\xc3\xa9\n");
	assert_body("text/plain; charset=\"ISO-8859-15\"", "8bit", "\xa4\n",
	    "\xe2\x82\xac\n");
	assert_body("text/plain; charset=utf-8", "quoted-printable",
	    "caf=C3=A9 =\nok\n", "caf\xc3\xa9 ok\n");
	assert_body("text/plain; charset=utf-8", "base64", "Y2Fmw6kK\n",
	    "caf\xc3\xa9\n");
	assert_body("text/plain; charset=koi8-r", "base64", "0dfFCg==\n",
	    "\xd1\x8f\xd0\xb2\xd0\xb5\n");
	/* No charset: UTF-8 where valid. */
	assert_body(NULL, NULL, "ok \xc3\xa9 \xff\n", "ok \xc3\xa9 " FFFD "\n");
	/* Invalid in the declared charset: U+FFFD, the rest goes on. */
	assert_body("text/plain; charset=utf-8", NULL, "a\xff" "b\n",
	    "a" FFFD "b\n");
	assert_body("text/plain; charset=shift_jis", NULL, "a\x81\n",
	    "a" FFFD "\n");
	/* An unknown charset: read as UTF-8. */
	assert_body("text/plain; charset=x-unknown", NULL, "abc\xe9\n",
	    "abc" FFFD "\n");
	/* A body that is not text is shown as it came, cleaned. */
	assert_body("application/octet-stream", NULL, "a\xff\n",
	    "a" FFFD "\n");
	/* Controls: replaced; CR dropped; TAB and LF kept. */
	assert_body(NULL, NULL, "a\r\n\tb\x1b[31m\n", "a\n\tb" FFFD "[31m\n");
}

static void
test_multipart(void **state)
{
	/* The text/plain part, decoded, whatever comes before it. */
	assert_body("multipart/alternative; boundary=\"=_b 1\"", NULL,
	    "preamble\n"
	    "--=_b 1\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<p>html</p>\n"
	    "--=_b 1\n"
	    "Content-Type: text/plain;\n"
	    "\tcharset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "Gr=FC=DFe\n"
	    "--=_b 1--\n"
	    "epilogue\n", "Gr\xc3\xbc\xc3\x9f" "e");
	/* Nested: mixed holding alternative; CRLF line ends. */
	assert_body("multipart/mixed; boundary=out", "7bit",
	    "--out\r\n"
	    "Content-Type: multipart/alternative; boundary=in\r\n"
	    "\r\n"
	    "--in\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "Y2Fmw6k=\r\n"
	    "--in--\r\n"
	    "--out\r\n"
	    "Content-Type: image/png\r\n"
	    "\r\n"
	    "xx\r\n"
	    "--out--\r\n", "caf\xc3\xa9");
	/* An untyped part is text/plain; no closing delimiter is fine. */
	assert_body("multipart/mixed; boundary=b", NULL,
	    "--b\n\nplain words\n", "plain words\n");
	/* No text part, or no boundary: the body as it came, cleaned. */
	assert_body("multipart/mixed; boundary=b", NULL,
	    "--b\nContent-Type: image/png\n\n\xff\n--b--\n",
	    "--b\nContent-Type: image/png\n\n" FFFD "\n--b--\n");
	assert_body("multipart/mixed", NULL, "--b\n\nx\n", "--b\n\nx\n");
	assert_body("multipart/mixed; boundary=zz", NULL, "--b\n\nx\n",
	    "--b\n\nx\n");
}

static void
test_content_type(void **state)
{
	char	type[32], cs[MIME_CHARSET_MAX + 1];

	mime_content_type("Text/Plain; format=flowed; Charset=\"UTF-8\"",
	    type, sizeof(type), cs, sizeof(cs));
	assert_string_equal(type, "text/plain");
	assert_string_equal(cs, "UTF-8");
	mime_content_type("text/plain; charset=\"utf-8\\\"><x\"", type,
	    sizeof(type), cs, sizeof(cs));
	assert_string_equal(cs, "");
	mime_content_type(NULL, type, sizeof(type), cs, sizeof(cs));
	assert_string_equal(type, "");
	assert_string_equal(cs, "");
}

static void
test_html_escape(void **state)
{
	struct mime_buf	b;
	const char	*in = "<script>\"x\" & 'y'</script>";

	memset(&b, 0, sizeof(b));
	mime_html_escape(in, strlen(in), &b);
	assert_string_equal(b.p, "&lt;script&gt;&quot;x&quot; &amp; "
	    "&#39;y&#39;&lt;/script&gt;");
	mime_buf_free(&b);
}

static void
test_url_encode_decode(void **state)
{
	struct mime_buf	b;
	char		out[64];
	const char	*id = "<a/b%c@d.example>";

	memset(&b, 0, sizeof(b));
	mime_url_encode(id, strlen(id), &b);
	assert_string_equal(b.p, "%3Ca%2Fb%25c%40d.example%3E");
	assert_int_equal(mime_url_decode(b.p, b.len, out, sizeof(out)),
	    (int)strlen(id));
	assert_string_equal(out, id);
	mime_buf_free(&b);
	assert_int_equal(mime_url_decode("%zz", 3, out, sizeof(out)), -1);
	assert_int_equal(mime_url_decode("%4", 2, out, sizeof(out)), -1);
	assert_int_equal(mime_url_decode("a%00", 4, out, sizeof(out)), -1);
	assert_int_equal(mime_url_decode("abcd", 4, out, 4), -1);
	assert_int_equal(mime_url_decode("abc", 3, out, 4), 3);
}

static void
assert_name(const char *in, const char *want)
{
	char	out[65];
	int	rc = mime_name_clean(in, 64, out, sizeof(out));

	if (want == NULL) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

static void
test_name_clean(void **state)
{
	char	long_name[80];

	(void)state;

	assert_name("  Zo\xc3\xab  ", "Zo\xc3\xab");
	assert_name("", "");
	assert_name("   ", "");
	assert_name("Bob \"B\" \\o/", "Bob \"B\" \\o/");
	/* Header injection: every line break and control refused. */
	assert_name("Eve\r\nX-Injected: yes", NULL);
	assert_name("Eve\nNewsgroups: x", NULL);
	assert_name("Eve\rX", NULL);
	assert_name("Eve\tX", NULL);
	assert_name("Eve\x7f", NULL);
	assert_name("Eve\x01", NULL);
	assert_name("Eve\xc2\x85", NULL);		/* NEL, a C1 control */
	/* Not UTF-8: a lone continuation, overlong, surrogate, cut. */
	assert_name("Eve\x80", NULL);
	assert_name("\xc0\xaf", NULL);
	assert_name("\xe0\x80\xaf", NULL);
	assert_name("\xed\xa0\x80", NULL);
	assert_name("\xf4\x90\x80\x80", NULL);
	assert_name("Zo\xc3", NULL);
	/* 64 octets pass, 65 do not. */
	memset(long_name, 'x', 64);
	long_name[64] = '\0';
	assert_name(long_name, long_name);
	long_name[64] = 'x';
	long_name[65] = '\0';
	assert_name(long_name, NULL);
}

static char *
dname(const char *name)
{
	struct mime_buf	b;

	memset(&b, 0, sizeof(b));
	mime_display_name(name, &b);
	assert_false(b.oom);
	return (b.p);
}

static void
test_display_name(void **state)
{
	char	*s, *w, *dec, *copy;
	char	 in[200];
	size_t	 i;

	(void)state;

	s = dname("Anonymous Coward");
	assert_string_equal(s, "\"Anonymous Coward\"");
	free(s);
	s = dname("Bob \"B\" \\o/");
	assert_string_equal(s, "\"Bob \\\"B\\\" \\\\o/\"");
	free(s);
	s = dname("Zo\xc3\xab");
	assert_string_equal(s, "=?UTF-8?B?Wm/Dqw==?=");
	free(s);
	/* Long: several words, each within 75 octets, cut between
	   characters, and decoding gives the name back. */
	in[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(in, "\xc3\xa9");		/* 60 octets of e-acute */
	strcat(in, "\xe2\x82\xac");		/* and a euro sign */
	s = dname(in);
	copy = strdup(s);
	for (w = strtok(copy, " "); w != NULL; w = strtok(NULL, " "))
		assert_true(strlen(w) <= 75);
	free(copy);
	dec = hdr(s);
	assert_string_equal(dec, in);
	free(dec);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2047_b_and_q),
		cmocka_unit_test(test_rfc2047_adjacent_words_joined),
		cmocka_unit_test(test_rfc2047_malformed_kept),
		cmocka_unit_test(test_header_raw_8bit),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_body_charsets),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_url_encode_decode),
		cmocka_unit_test(test_name_clean),
		cmocka_unit_test(test_display_name),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
