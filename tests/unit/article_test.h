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

#endif /* LOOM_ARTICLE_TEST_H */
