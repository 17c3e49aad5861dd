/*
 * The posting filter's built-in rules: limits on crossposting and
 * followups, and banned header patterns.  Pure: no I/O, no globals.
 *
 * The server checks an article with filter_rules_check() after parsing
 * and validation, before storing it; a refusal becomes "441 <reason>"
 * (POST) or "437/439 <reason>" (IHAVE, TAKETHIS).
 */
#ifndef LOOM_FILTER_RULES_H
#define LOOM_FILTER_RULES_H

#include <stddef.h>

#include "article.h"

/* Sizes of a pattern's strings, NUL included. */
#define FILTER_NAME_MAX		80
#define FILTER_WILDMAT_MAX	1024

/*
 * A banned header: the article is refused when a field called `name`
 * (case-insensitive) has a value that `wildmat` (RFC 3977 4) matches.
 * Matching ignores ASCII case: the wildmat is kept lowercased and each
 * value is lowercased before matching.  The value is the unfolded field
 * body with TAB, CR, LF and NUL turned into spaces, so a TAB in a fold
 * cannot slip past "*make money*".
 */
struct filter_pattern {
	char	name[FILTER_NAME_MAX];	/* as the admin wrote it */
	char	wildmat[FILTER_WILDMAT_MAX];
};

struct filter_rules {
	unsigned		 max_crosspost;	/* Newsgroups entries;
						   0 = no limit */
	unsigned		 max_followup;	/* Followup-To entries;
						   0 = no limit */
	struct filter_pattern	*patterns;	/* borrowed */
	size_t			 npatterns;
};

/*
 * Parse "Header-Name: wildmat", e.g. "Subject: *make money fast*" or
 * "From: *@spam.example,!*@friend.spam.example".  White space around the
 * name and the wildmat is ignored; the name must be RFC 5322 ftext
 * (printable ASCII but ":").  Returns 0, or -1 with a one-line reason in
 * err[0..errlen) such as "no colon after the header name" or "bad
 * wildmat: unclosed [".
 */
int	filter_pattern_parse(const char *text, struct filter_pattern *out,
	    char *err, size_t errlen);

/*
 * Check an article against the rules, in this order: Newsgroups entries
 * against max_crosspost, Followup-To entries against max_followup, then
 * each pattern against every field of its name (a field that occurs
 * several times is tried in each occurrence).
 *
 * Entries are counted as RFC 5536 3.1.4 lists them: comma-separated, white
 * space around each ignored, empty ones (",," or a trailing comma) not
 * counted; the counts of repeated fields add up.  "Followup-To: poster"
 * names no group.
 *
 * Returns 0 when the article passes, 1 when it is refused with a short
 * one-line ASCII reason in reason[0..reasonlen), e.g. "Too many
 * newsgroups (12, at most 5)" or "Banned Subject header", or -1 when out
 * of memory ("Out of memory"): a temporary failure, not a refusal.
 */
int	filter_rules_check(const struct filter_rules *r,
	    const struct article *a, char *reason, size_t reasonlen);

#endif /* LOOM_FILTER_RULES_H */
