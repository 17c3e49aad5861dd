/*
 * Private to proto/article*.c: the scanners that the parser, the checks,
 * the injector and the thread extraction share.  Not for the server.
 */
#ifndef LOOM_ARTICLE_INT_H
#define LOOM_ARTICLE_INT_H

#include <stddef.h>

#include "article.h"

/* Space or horizontal tab (RFC 5322 WSP). */
#define ART_WSP(c)	((c) == ' ' || (c) == '\t')

/*
 * Skip CFWS in [*pp, end): white space and comments, which nest and may
 * hold quoted-pairs (RFC 5322 3.2.2).  Iterative: depth is a counter.
 * Returns 0, or -1 on an unbalanced comment (*pp is then unspecified).
 */
int	art_skip_cfws(const char **pp, const char *end);

/*
 * The next comma-separated item of a list such as Newsgroups, with
 * surrounding white space cut: *item and *len, and *pp moved past it and
 * its comma.  Returns 1 for an item (possibly empty), 0 at the end.
 */
int	art_list_next(const char **pp, const char *end, const char **item,
	    size_t *len);

/*
 * The next Path entry (RFC 5536 3.1.5): the text between "!" delimiters,
 * white space after a "!" skipped.  An empty entry is the second "!" of a
 * "!!" diagnostic.  Returns 1 for an entry, 0 at the end.  A "!" that
 * ends the text yields no empty entry after it: callers that care (a
 * missing tail) look at the last octet.
 */
int	art_path_next(const char **pp, const char *end, const char **ent,
	    size_t *len);

/*
 * Write a reason: printf-style into reason[0..reasonlen); a no-op when
 * reason is NULL.  Returns -1 so checks can "return (art_reason(...))".
 */
int	art_reason(char *reason, size_t reasonlen, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

/* The first header called name with a non-empty value, or NULL. */
const struct article_header *art_header_find(const struct article *a,
	    const char *name);

/* The same by number (not ART_H_OTHER): no string is compared. */
const struct article_header *art_header_find_id(const struct article *a,
	    enum article_hid id);

/* How many fields have the number id (not ART_H_OTHER). */
size_t	art_header_count_id(const struct article *a, enum article_hid id);

#endif /* LOOM_ARTICLE_INT_H */
