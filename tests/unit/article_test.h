/*
 * Helpers shared by the article tests.  Header-only and static inline, as
 * store_test.h explains.  Include after cmocka.h and article.h.
 */
#ifndef LOOM_ARTICLE_TEST_H
#define LOOM_ARTICLE_TEST_H

#include <string.h>

/* Parse "\n"-separated lines as received (un-stuffed, no CRLF); the test
   fails if the parser refuses them. */
static inline struct article *
art_parse(const char *text)
{
	struct article_parser	*p = article_parser_new(NULL);
	struct article		*a = NULL;
	const char		*s = text, *nl;

	assert_non_null(p);
	while (*s != '\0') {
		if ((nl = strchr(s, '\n')) == NULL) {
			article_parser_push(p, s, strlen(s));
			break;
		}
		article_parser_push(p, s, (size_t)(nl - s));
		s = nl + 1;
	}
	if (article_parser_finish(p, &a) != ARTICLE_OK)
		fail_msg("parse failed: %s", article_parser_reason(p));
	article_parser_free(p);
	return (a);
}

/* Parse a's wire as if it had been received (CRLF lines, un-stuffed). */
static inline struct article *
art_reparse(const struct article *a)
{
	struct article_parser	*p = article_parser_new(NULL);
	struct article		*b = NULL;
	const char		*s = a->wire, *nl;
	const char		*end = a->wire + a->wire_len;
	size_t			 n;

	assert_non_null(p);
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		assert_non_null(nl);
		n = (size_t)(nl - s) - 1;
		/* The empty line a parser added to a body-less article is
		   not part of what was received. */
		if (!a->has_body && s == a->wire + a->header_len)
			break;
		if (n > 0 && s[0] == '.')
			article_parser_push(p, s + 1, n - 1);
		else
			article_parser_push(p, s, n);
		s = nl + 1;
	}
	if (article_parser_finish(p, &b) != ARTICLE_OK)
		fail_msg("reparse failed: %s", article_parser_reason(p));
	article_parser_free(p);
	return (b);
}

/* a is exactly what parsing its own wire gives: every count, every
   field, every field's number and the lookup slots. */
static inline void
assert_same_as_parsed(const struct article *a)
{
	struct article	*b = art_reparse(a);
	size_t		 i;

	assert_int_equal(a->wire_len, b->wire_len);
	assert_memory_equal(a->wire, b->wire, a->wire_len);
	assert_int_equal(a->header_len, b->header_len);
	assert_int_equal(a->stuffed_dots, b->stuffed_dots);
	assert_int_equal(a->lines, b->lines);
	assert_int_equal(a->has_body, b->has_body);
	assert_int_equal(a->nheaders, b->nheaders);
	for (i = 0; i < a->nheaders; i++) {
		assert_string_equal(a->headers[i].name, b->headers[i].name);
		assert_string_equal(a->headers[i].value, b->headers[i].value);
		assert_int_equal(a->headers[i].valuelen,
		    b->headers[i].valuelen);
		assert_int_equal(a->headers[i].off, b->headers[i].off);
		assert_int_equal(a->headers[i].len, b->headers[i].len);
		assert_int_equal(a->headers[i].id, b->headers[i].id);
	}
	assert_memory_equal(a->hfirst, b->hfirst, sizeof(a->hfirst));
	article_free(b);
}

#endif /* LOOM_ARTICLE_TEST_H */
