/*
 * CIDR address ranges.  Ranges are kept masked (no bits past the prefix),
 * so matching compares prefix bits of two byte strings and nothing else.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrmatch.h"

/* Octets of the offending text quoted in an error message. */
#define AM_QUOTE_MAX	64

#define AM_SEP(c)	((c) == ',' || (c) == ' ' || (c) == '\t' || \
			    (c) == '\r' || (c) == '\n')

/* ::ffff:0:0/96, where an AF_INET6 socket shows IPv4 peers. */
static const uint8_t am_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
am_error(char *err, size_t errlen, const char *what, const char *s,
    size_t len, const char *tail)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s \"%.*s%s\"%s", what,
		    (int)(len > AM_QUOTE_MAX ? AM_QUOTE_MAX : len), s,
		    len > AM_QUOTE_MAX ? "..." : "", tail);
	return (-1);
}

/* Clear every bit of addr[0..nbytes) past the first prefix bits. */
static void
am_mask(uint8_t *addr, size_t nbytes, unsigned prefix)
{
	size_t		i;
	unsigned	bits;

	for (i = 0; i < nbytes; i++) {
		bits = prefix > 8 * i ? prefix - 8 * (unsigned)i : 0;
		if (bits < 8)
			addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

/* Do a and b agree on their first prefix bits? */
static int
am_prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	size_t	full = prefix / 8;
	uint8_t	mask;

	if (memcmp(a, b, full) != 0)
		return (0);
	if (prefix % 8 == 0)
		return (1);
	mask = (uint8_t)(0xff << (8 - prefix % 8));
	return (((a[full] ^ b[full]) & mask) == 0);
}

/* Parse the len octets at s (no NUL needed) into *out. */
static int
am_parse(const char *s, size_t len, struct addr_range *out, char *err,
    size_t errlen)
{
	struct addr_range	 r;
	const char		*slash, *p;
	char			 buf[INET6_ADDRSTRLEN], sugg[INET6_ADDRSTRLEN];
	char			 tail[INET6_ADDRSTRLEN + 32];
	uint8_t			 masked[16];
	size_t			 alen, i;
	unsigned		 max, v;

	memset(&r, 0, sizeof(r));
	if (len == 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "empty address");
		return (-1);
	}
	if (len == 1 && s[0] == '*') {
		r.family = AF_UNSPEC;
		*out = r;
		return (0);
	}
	slash = memchr(s, '/', len);
	alen = slash != NULL ? (size_t)(slash - s) : len;
	if (alen == 0)
		return (am_error(err, errlen, "no address before \"/\" in", s,
		    len, ""));
	if (alen >= sizeof(buf))
		return (am_error(err, errlen, "bad address", s, len, ""));
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	r.family = memchr(buf, ':', alen) != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(r.family, buf, r.addr) != 1)
		return (am_error(err, errlen, "bad address", s, len, ""));
	max = r.family == AF_INET ? 32 : 128;

	r.prefix = max;
	if (slash != NULL) {
		p = slash + 1;
		if (p == s + len)
			return (am_error(err, errlen,
			    "no prefix length after \"/\" in", s, len, ""));
		for (v = 0; p < s + len; p++) {
			if (*p < '0' || *p > '9')
				return (am_error(err, errlen,
				    "bad prefix length in", s, len, ""));
			if (v <= max)
				v = v * 10 + (unsigned)(*p - '0');
		}
		if (v > max)
			return (am_error(err, errlen,
			    "prefix length out of range in", s, len,
			    r.family == AF_INET ? " (IPv4: 0 to 32)" :
			    " (IPv6: 0 to 128)"));
		r.prefix = v;
	}

	memcpy(masked, r.addr, sizeof(masked));
	am_mask(masked, max / 8, r.prefix);
	if (memcmp(masked, r.addr, max / 8) != 0) {
		if (inet_ntop(r.family, masked, sugg, sizeof(sugg)) == NULL)
			sugg[0] = '\0';
		snprintf(tail, sizeof(tail), ": did you mean %s/%u?", sugg,
		    r.prefix);
		return (am_error(err, errlen, "host bits set past the prefix in",
		    s, len, tail));
	}

	if (r.family == AF_INET6 && r.prefix >= 96 &&
	    memcmp(r.addr, am_v4mapped, sizeof(am_v4mapped)) == 0) {
		r.family = AF_INET;
		r.prefix -= 96;
		memmove(r.addr, r.addr + 12, 4);
		for (i = 4; i < sizeof(r.addr); i++)
			r.addr[i] = 0;
	}
	*out = r;
	return (0);
}

int
addr_range_parse(const char *text, struct addr_range *out, char *err,
    size_t errlen)
{
	return (am_parse(text, text != NULL ? strlen(text) : 0, out, err,
	    errlen));
}

int
addr_list_parse(const char *list, struct addr_range **out, size_t *n,
    char *err, size_t errlen)
{
	struct addr_range	*v;
	const char		*p, *start;
	size_t			 count = 0, i = 0;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return (0);
	for (p = list; *p != '\0'; ) {
		while (AM_SEP(*p))
			p++;
		if (*p == '\0')
			break;
		count++;
		while (*p != '\0' && !AM_SEP(*p))
			p++;
	}
	if (count == 0)
		return (0);
	if ((v = calloc(count, sizeof(*v))) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (p = list; i < count; i++) {
		while (AM_SEP(*p))
			p++;
		start = p;
		while (*p != '\0' && !AM_SEP(*p))
			p++;
		if (am_parse(start, (size_t)(p - start), &v[i], err,
		    errlen) == -1) {
			free(v);
			return (-1);
		}
	}
	*out = v;
	*n = count;
	return (0);
}

/*
 * The client's real family and address: an IPv4-mapped IPv6 address is
 * the IPv4 address it carries.  -1 for anything but IPv4 and IPv6.
 */
static int
am_client(const struct sockaddr *sa, int *family, uint8_t addr[16])
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	if (sa == NULL)
		return (-1);
	memset(addr, 0, 16);
	switch (sa->sa_family) {
	case AF_INET:
		/* Copied, not cast: the caller's object is of another
		   type (a sockaddr_storage, say). */
		memcpy(&sin, sa, sizeof(sin));
		memcpy(addr, &sin.sin_addr, 4);
		*family = AF_INET;
		return (0);
	case AF_INET6:
		memcpy(&sin6, sa, sizeof(sin6));
		if (memcmp(&sin6.sin6_addr, am_v4mapped,
		    sizeof(am_v4mapped)) == 0) {
			memcpy(addr, (const uint8_t *)&sin6.sin6_addr + 12, 4);
			*family = AF_INET;
		} else {
			memcpy(addr, &sin6.sin6_addr, 16);
			*family = AF_INET6;
		}
		return (0);
	}
	return (-1);
}

static int
am_match(const struct addr_range *r, int family, const uint8_t *addr)
{
	if (r->family == AF_UNSPEC)
		return (1);
	if (r->family != family)
		return (0);
	return (am_prefix_equal(r->addr, addr, r->prefix));
}

int
addr_range_match(const struct addr_range *r, const struct sockaddr *sa)
{
	uint8_t	addr[16];
	int	family;

	if (am_client(sa, &family, addr) == -1)
		return (0);
	return (am_match(r, family, addr));
}

int
addr_list_match(const struct addr_range *r, size_t n,
    const struct sockaddr *sa)
{
	uint8_t	addr[16];
	size_t	i;
	int	family;

	if (am_client(sa, &family, addr) == -1)
		return (0);
	for (i = 0; i < n; i++)
		if (am_match(&r[i], family, addr))
			return (1);
	return (0);
}
