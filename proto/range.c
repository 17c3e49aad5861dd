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
	/* Two digits per division: half the divisions of one at a time. */
	static const char	pairs[] =
	    "00010203040506070809" "10111213141516171819"
	    "20212223242526272829" "30313233343536373839"
	    "40414243444546474849" "50515253545556575859"
	    "60616263646566676869" "70717273747576777879"
	    "80818283848586878889" "90919293949596979899";
	size_t			n;
	uint32_t		i;
	char			*p;

	/* Count the digits first, so they go straight to their place. */
	if (v < 100000)
		n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
	else
		n = v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 :
		    v < 1000000000 ? 9 : 10;
	p = buf + n;
	while (v >= 100) {
		i = (v % 100) * 2;
		v /= 100;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	}
	if (v >= 10) {
		*--p = pairs[v * 2 + 1];
		*--p = pairs[v * 2];
	} else
		*--p = (char)('0' + v);
	return (n);
}
