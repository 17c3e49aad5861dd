/*
 * Address ranges for per-address access rules: "192.0.2.0/24",
 * "2001:db8::/32", a single address, or "*".  CIDR only: no host names,
 * no netmasks, no wildcards inside an address.  Pure: no I/O.
 *
 * A client's family is that of its real address, whatever the listener:
 * an IPv4 client seen by an AF_INET6 socket as ::ffff:192.0.2.7 is an
 * IPv4 client, and a range written as IPv4-mapped IPv6 (within
 * ::ffff:0:0/96) is stored as the equivalent IPv4 range.  So a rule gives
 * the same answer on a dual-stack listener as on an IPv4 one; the price
 * is that "::/0" means every IPv6 client and no IPv4 client.
 *
 * Only IPv4 and IPv6 clients can match anything.  Not even "*" matches a
 * non-IP address (AF_UNIX): a rule written for network clients must not
 * silently grant or refuse a local socket, which needs its own rule.
 */
#ifndef LOOM_ADDRMATCH_H
#define LOOM_ADDRMATCH_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct addr_range {
	int		family;		/* AF_INET, AF_INET6, or AF_UNSPEC
					   for "*" (any IP address) */
	uint8_t		addr[16];	/* network order; IPv4 in addr[0..3];
					   bits past prefix are zero */
	unsigned	prefix;		/* 0..32 or 0..128; 0 for "*" */
};

/*
 * Parse one range: an address with an optional "/prefix" (a missing
 * prefix means the single address: /32 or /128), or "*".  Addresses are
 * what inet_pton(3) takes: dotted quads with four parts, IPv6 without a
 * zone ("%eth0").  The prefix is decimal.  A range whose address has bits
 * set past its prefix ("10.1.2.3/8") is refused: it is usually a typo
 * for a narrower range, and the message names the range it would be.
 * Returns 0, or -1 with a one-line reason that quotes the text in
 * err[0..errlen).
 */
int	addr_range_parse(const char *text, struct addr_range *out, char *err,
	    size_t errlen);

/*
 * Parse a list of ranges separated by commas, white space or both; runs
 * of separators count as one, and separators at either end are ignored.
 * On success *out is a malloc'd array of *n ranges for the caller to
 * free (NULL when the list is empty: an empty list is valid and matches
 * nothing).  Returns 0, or -1 with the first bad range's reason (or "out
 * of memory") in err, *out NULL and *n 0.
 */
int	addr_list_parse(const char *list, struct addr_range **out, size_t *n,
	    char *err, size_t errlen);

/* 1 if sa (AF_INET or AF_INET6) lies in r, else 0; sa may be NULL. */
int	addr_range_match(const struct addr_range *r,
	    const struct sockaddr *sa);

/* 1 if sa lies in any of the n ranges r[0..n), else 0. */
int	addr_list_match(const struct addr_range *r, size_t n,
	    const struct sockaddr *sa);

#endif /* LOOM_ADDRMATCH_H */
