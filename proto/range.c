/* Article numbers and ranges. */
#include <stddef.h>
#include <string.h>

#include "nntp.h"
#include "range.h"

/* Digits of s up to `end` (or NUL); -1 unless 1..16 digits. */
static int
range_digits(const char *s, const char *end, uint32_t *out)
{
	uint64_t	v = 0;
	size_t		n = 0;

	for (; s != end && *s != '\0'; s++, n++) {
		if (*s < '0' || *s > '9' || n == 16)
			return (-1);
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (n == 0)
		return (-1);
	*out = v > NNTP_ARTNUM_MAX ? (uint32_t)NNTP_ARTNUM_MAX : (uint32_t)v;
	return (0);
}

int
nntp_number_parse(const char *s, uint32_t *out)
{
	return (range_digits(s, NULL, out));
}

int
nntp_range_parse(const char *s, uint32_t high, uint32_t *lo, uint32_t *hi)
{
	const char	*dash = strchr(s, '-');

	if (dash == NULL) {
		if (range_digits(s, NULL, lo) == -1)
			return (-1);
		*hi = *lo;
		return (0);
	}
	if (range_digits(s, dash, lo) == -1)
		return (-1);
	if (dash[1] == '\0') {
		*hi = high;
		return (0);
	}
	return (range_digits(dash + 1, NULL, hi));
}

size_t
nntp_number_format(char *buf, uint32_t v)
{
	size_t		n = 1, i;
	uint32_t	t;

	/* Count the digits first, so they go straight to their place. */
	for (t = v; t >= 10; t /= 10)
		n++;
	for (i = n; i > 0; i--) {
		buf[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return (n);
}
