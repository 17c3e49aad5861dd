/* Article ranges and numbers in command arguments (RFC 3977 3.2.1). */
#ifndef LOOM_RANGE_H
#define LOOM_RANGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse an article number: 1 to 16 digits (RFC 3977 allows up to 16),
 * value clamped to NNTP_ARTNUM_MAX since no larger article can exist.
 * Returns 0, or -1 if s is not a number.
 */
int	nntp_number_parse(const char *s, uint32_t *out);

/*
 * Parse "n", "n-" or "n-m" into [*lo, *hi].  "n-" runs to `high` (the
 * group's high-water mark, or NNTP_ARTNUM_MAX if unknown).  A range with
 * m < n is valid and empty (*lo > *hi).  Returns 0, or -1 on bad syntax.
 */
int	nntp_range_parse(const char *s, uint32_t high, uint32_t *lo,
	    uint32_t *hi);

/*
 * Write v in decimal into buf (at least NNTP_NUMBER_DIGITS octets), without
 * a NUL, and return the number of digits.  OVER and LISTGROUP write one
 * per line: this is a few instructions where printf costs hundreds.
 */
#define NNTP_NUMBER_DIGITS	10	/* UINT32_MAX: 4294967295 */
size_t	nntp_number_format(char *buf, uint32_t v);

#endif /* LOOM_RANGE_H */
