/*
 * libFuzzer: the article parser, checks, filter rules, injector and
 * relaying on arbitrary input split into lines at LF.  The first octet picks the limits so that
 * the paths past a tripped limit are fuzzed too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "filter_rules.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Invariants of every article the parser or the injector makes. */
static void
check_wire(const struct article *a)
{
	size_t	i, dots = 0, lines = 0;
	int	body = 0;

	if (a->wire_len < 2 || a->header_len + 2 > a->wire_len ||
	    memcmp(a->wire + a->header_len, "\r\n", 2) != 0 ||
	    memcmp(a->wire + a->wire_len - 2, "\r\n", 2) != 0)
		abort();
	for (i = 0; i < a->wire_len; i++) {
		if (i == 0 || a->wire[i - 1] == '\n') {
			/* A line starting with "." was stuffed, so none
			   is the lone terminator. */
			if (a->wire[i] == '.') {
				dots++;
				if (a->wire[i + 1] != '.')
					abort();
			}
			if (body)
				lines++;
			if (i == a->header_len + 2)
				body = 1, lines = 1;
		}
	}
	if (a->header_len + 2 == a->wire_len)
		lines = 0;
	if (dots != a->stuffed_dots || lines != a->lines)
		abort();
	for (i = 0; i < a->nheaders; i++)
		if (a->headers[i].off + a->headers[i].len > a->header_len ||
		    strlen(a->headers[i].value) != a->headers[i].valuelen)
			abort();
}

/* Field numbers and the first-slot table agree with the names. */
static void
check_ids(const struct article *a)
{
	size_t	i, first[ART_H_MAX];

	memset(first, 0, sizeof(first));
	for (i = 0; i < a->nheaders; i++) {
		if (article_hid(a->headers[i].name,
		    strlen(a->headers[i].name)) != a->headers[i].id)
			abort();
		if (a->headers[i].id != ART_H_OTHER &&
		    first[a->headers[i].id] == 0)
			first[a->headers[i].id] = i + 1;
	}
	if (memcmp(first, a->hfirst, sizeof(first)) != 0)
		abort();
}

/* a (made without a parser) is exactly what parsing its wire gives. */
static void
check_same_as_parsed(const struct article *a)
{
	struct article_parser	*p = article_parser_new(NULL);
	struct article		*b = NULL;
	const char		*s = a->wire, *nl;
	const char		*end = a->wire + a->wire_len;
	size_t			 n, i;

	if (p == NULL)
		return;
	while (s < end) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			abort();
		n = (size_t)(nl - s) - 1;
		if (!a->has_body && s == a->wire + a->header_len)
			break;
		if (n > 0 && s[0] == '.')
			article_parser_push(p, s + 1, n - 1);
		else
			article_parser_push(p, s, n);
		s = nl + 1;
	}
	if (article_parser_finish(p, &b) != ARTICLE_OK)
		abort();
	article_parser_free(p);
	if (a->wire_len != b->wire_len || memcmp(a->wire, b->wire,
	    a->wire_len) != 0 || a->header_len != b->header_len ||
	    a->stuffed_dots != b->stuffed_dots || a->lines != b->lines ||
	    a->has_body != b->has_body || a->nheaders != b->nheaders ||
	    memcmp(a->hfirst, b->hfirst, sizeof(a->hfirst)) != 0)
		abort();
	for (i = 0; i < a->nheaders; i++)
		if (strcmp(a->headers[i].name, b->headers[i].name) != 0 ||
		    strcmp(a->headers[i].value, b->headers[i].value) != 0 ||
		    a->headers[i].valuelen != b->headers[i].valuelen ||
		    a->headers[i].off != b->headers[i].off ||
		    a->headers[i].len != b->headers[i].len ||
		    a->headers[i].id != b->headers[i].id)
			abort();
	article_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct article_limits	 lim = { 0, 0, 0, 0 };
	struct article_policy	 pol = { 1795920423, 0, 86400 };
	struct article_injection inj = {
		.path_identity = "news.example.org",
		.msgid_domain = "example.org",
		.msgid_unique = "fuzz.1",
		.posting_host = "client.example",
		.posting_account = "user \"x\"",
		.logging_data = "1",
		.complaints_to = "abuse@example.org",
		.now = 1795920423,
		.add_lines = 1
	};
	struct filter_pattern	 pats[2];
	struct filter_rules	 rules = { 3, 1, pats, 2 };
	struct article_parser	*p;
	struct article		*a = NULL, *b, *c;
	struct article_thread	 t;
	const char		*s = (const char *)data, *end, *nl;
	char			 reason[ARTICLE_REASON_MAX];
	size_t			 n;
	int			 post_ok;

	if (size > 0) {
		if (data[0] & 1)
			lim.max_size = 512;
		if (data[0] & 2)
			lim.max_headers = 8;
		if (data[0] & 4)
			lim.max_header_len = 64;
		if (data[0] & 8)
			lim.max_lines = 16;
		s++;
		size--;
	}
	if ((p = article_parser_new(&lim)) == NULL)
		return (0);
	end = s + size;
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		n = (size_t)((nl != NULL ? nl : end) - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		article_parser_push(p, s, n);
		s = nl != NULL ? nl + 1 : end;
	}
	if (article_parser_finish(p, &a) != ARTICLE_OK) {
		if (a != NULL || article_parser_reason(p)[0] == '\0')
			abort();
		article_parser_free(p);
		return (0);
	}
	article_parser_free(p);
	check_wire(a);
	check_ids(a);
	(void)article_header_count(a, "Subject");
	/* The posting filter's rules see every article a peer sends. */
	if (filter_pattern_parse("Subject: *money*", &pats[0], reason,
	    sizeof(reason)) != 0 || filter_pattern_parse("From: *@[a-c]*",
	    &pats[1], reason, sizeof(reason)) != 0)
		abort();
	if (filter_rules_check(&rules, a, reason, sizeof(reason)) == 1 &&
	    reason[0] == '\0')
		abort();
	(void)article_validate_transit(a, &pol, reason, sizeof(reason));
	if (article_thread_extract(a, &t) == 0) {
		if (t.nrefs > ARTICLE_REFS_MAX ||
		    strchr(t.overview, '\r') != NULL ||
		    strchr(t.overview, '\n') != NULL)
			abort();
		article_thread_free(&t);
	}
	post_ok = article_validate_post(a, &pol, reason, sizeof(reason)) == 0;
	if ((b = article_inject(a, &inj, reason, sizeof(reason))) != NULL) {
		check_wire(b);
		check_ids(b);
		check_same_as_parsed(b);
		/* What passed POST and was injected is a valid article. */
		if (post_ok && article_validate_transit(b, &pol, reason,
		    sizeof(reason)) != 0)
			abort();
		if (!article_path_contains(b, "news.example.org"))
			abort();
		article_free(b);
	}
	if ((c = article_path_prepend(a, "relay.example", "!")) != NULL) {
		check_wire(c);
		check_ids(c);
		check_same_as_parsed(c);
		if (!article_path_contains(c, "relay.example") ||
		    article_header_get(c, "Xref") != NULL ||
		    article_header_count(c, "Path") != 1)
			abort();
		/* Relayed again: built from an article built so. */
		if ((b = article_path_prepend(c, "next.example", NULL)) ==
		    NULL)
			abort();
		check_same_as_parsed(b);
		article_free(b);
		article_free(c);
	}
	article_free(a);
	return (0);
}
