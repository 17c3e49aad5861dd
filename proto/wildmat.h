/* RFC 3977 4: wildmat patterns.  Pure. */
#ifndef LOOM_WILDMAT_H
#define LOOM_WILDMAT_H

#include <stddef.h>

/*
 * Match `text` against a wildmat: a comma-separated list of patterns, each
 * optionally negated with a leading "!"; the last pattern that matches
 * decides (a negated one means no match); nothing matching means no match.
 * Patterns use "*", "?", "[...]" (with ranges, and "^" for negation) and
 * "\" to quote the next character.  Both strings are UTF-8; "?" and "[...]"
 * match one UTF-8 character.  Returns 1 for a match, 0 for none.
 */
int wildmat_match(const char *text, const char *wildmat);

/*
 * Check a wildmat's syntax (RFC 3977 4.1 grammar: no empty patterns, closed
 * brackets, no trailing backslash, no "!" inside a uniwildmat).  Returns 0 if
 * valid, -1 otherwise with *errstr set to a static reason.
 */
int wildmat_valid(const char *wildmat, const char **errstr);

#endif /* LOOM_WILDMAT_H */
