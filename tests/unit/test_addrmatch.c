/* Unit tests for proto/addrmatch.c. */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addrmatch.h"

/* A client address as a listener would see it. */
static const struct sockaddr *
client(struct sockaddr_storage *ss, const char *text)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(40000);
		assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr),
		    1);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
		assert_int_equal(inet_pton(AF_INET, text, &sin->sin_addr), 1);
	}
	return ((const struct sockaddr *)ss);
}

static struct addr_range
range(const char *text)
{
	struct addr_range	r;
	char			err[256];

	if (addr_range_parse(text, &r, err, sizeof(err)) != 0)
		fail_msg("\"%s\": %s", text, err);
	return (r);
}

struct match_case {
	const char	*range;
	const char	*client;
	int		 match;
};

static void
check(const struct match_case *c, size_t n)
{
	struct sockaddr_storage	ss;
	struct addr_range	r;
	size_t			i;

	for (i = 0; i < n; i++) {
		r = range(c[i].range);
		if (addr_range_match(&r, client(&ss, c[i].client)) !=
		    c[i].match)
			fail_msg("%s vs %s: expected %s", c[i].range,
			    c[i].client, c[i].match ? "match" : "no match");
		if (addr_list_match(&r, 1, client(&ss, c[i].client)) !=
		    c[i].match)
			fail_msg("list %s vs %s: expected %s", c[i].range,
			    c[i].client, c[i].match ? "match" : "no match");
	}
}

static void
test_addrmatch_parse_forms(void **state)
{
	static const uint8_t	net4[4] = { 192, 0, 2, 0 };
	static const uint8_t	host4[4] = { 192, 0, 2, 7 };
	static const uint8_t	net6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t	zero[16];
	uint8_t			loop6[16] = { 0 };
	struct addr_range	r;

	loop6[15] = 1;
	r = range("192.0.2.0/24");
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefix, 24);
	assert_memory_equal(r.addr, net4, 4);
	assert_memory_equal(r.addr + 4, zero, 12);

	r = range("192.0.2.7");
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefix, 32);
	assert_memory_equal(r.addr, host4, 4);

	r = range("2001:db8::/32");
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.prefix, 32);
	assert_memory_equal(r.addr, net6, 16);

	r = range("::1");
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.prefix, 128);
	assert_memory_equal(r.addr, loop6, 16);

	r = range("*");
	assert_int_equal(r.family, AF_UNSPEC);
	assert_int_equal(r.prefix, 0);
	assert_memory_equal(r.addr, zero, 16);

	r = range("0.0.0.0/0");
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefix, 0);
	r = range("::/0");
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.prefix, 0);

	/* Decimal, so leading zeros are harmless. */
	r = range("10.0.0.0/08");
	assert_int_equal(r.prefix, 8);
}

/* Ranges written as IPv4-mapped IPv6 are stored as IPv4. */
static void
test_addrmatch_parse_mapped_range_becomes_ipv4(void **state)
{
	static const uint8_t	net4[4] = { 192, 0, 2, 0 };
	static const uint8_t	zero[16];
	struct addr_range	r;

	r = range("::ffff:192.0.2.0/120");
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefix, 24);
	assert_memory_equal(r.addr, net4, 4);
	assert_memory_equal(r.addr + 4, zero, 12);

	r = range("::ffff:0:0/96");
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefix, 0);
	assert_memory_equal(r.addr, zero, 16);

	r = range("::ffff:192.0.2.7");
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefix, 32);

	/* Wider than the mapped block: an IPv6 range like any other. */
	r = range("::fffe:0:0/95");
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.prefix, 95);
}

struct err_case {
	const char	*text;
	const char	*msg;		/* expected substring of err */
};

static void
test_addrmatch_parse_errors(void **state)
{
	static const struct err_case c[] = {
		{ "", "empty address" },
		{ "10.1.2.3/8", "host bits set past the prefix in "
		    "\"10.1.2.3/8\": did you mean 10.0.0.0/8?" },
		{ "10.9.0.0/13", "did you mean 10.8.0.0/13?" },
		{ "192.0.2.1/31", "did you mean 192.0.2.0/31?" },
		{ "2001:db8::1/32", "did you mean 2001:db8::/32?" },
		{ "2001:db8::ff/121", "did you mean 2001:db8::80/121?" },
		{ "::ffff:10.1.2.3/104", "did you mean ::ffff:10.0.0.0/104?" },
		{ "10.0.0.0/33", "prefix length out of range in "
		    "\"10.0.0.0/33\" (IPv4: 0 to 32)" },
		{ "::/129", "prefix length out of range in \"::/129\" "
		    "(IPv6: 0 to 128)" },
		{ "10.0.0.0/99999999999999999999", "out of range" },
		{ "10.0.0.0/", "no prefix length after \"/\" in" },
		{ "/8", "no address before \"/\" in \"/8\"" },
		{ "10.0.0.0/8x", "bad prefix length in \"10.0.0.0/8x\"" },
		{ "10.0.0.0/-1", "bad prefix length" },
		{ "10.0.0.0/+8", "bad prefix length" },
		{ "10.0.0.0/ 8", "bad prefix length" },
		{ "10.0.0.0/8/8", "bad prefix length" },
		{ "10.0.0.300", "bad address \"10.0.0.300\"" },
		{ "10.0.0", "bad address" },
		{ "10.0.0.0.0", "bad address" },
		{ "010.0.0.1", "bad address" },
		{ "0x0a.0.0.1", "bad address" },
		{ "news.example.org", "bad address" },
		{ "2001:db8:::1", "bad address" },
		{ "fe80::1%eth0", "bad address" },
		{ " 10.0.0.1", "bad address" },
		{ "10.0.0.1 ", "bad address" },
		{ "10.*", "bad address" },
		{ "*/8", "bad address" },
		{ "**", "bad address" },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
		    "bad address" },
	};
	struct addr_range	r;
	char			err[256];
	size_t			i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		err[0] = '\0';
		if (addr_range_parse(c[i].text, &r, err, sizeof(err)) != -1)
			fail_msg("\"%s\" was accepted", c[i].text);
		if (strstr(err, c[i].msg) == NULL)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", c[i].text,
			    err, c[i].msg);
	}
	assert_int_equal(addr_range_parse(NULL, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "empty address");
}

static void
test_addrmatch_parse_error_buffers(void **state)
{
	struct addr_range	r;
	char			err[8], big[512], msg[256];

	/* No buffer, or a tiny one: still -1, never an overflow. */
	assert_int_equal(addr_range_parse("10.1.2.3/8", &r, NULL, 0), -1);
	assert_int_equal(addr_range_parse("10.1.2.3/8", &r, err, 0), -1);
	assert_int_equal(addr_range_parse("10.1.2.3/8", &r, err,
	    sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);

	/* A long bad range is quoted only in part. */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(addr_range_parse(big, &r, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "...\""));
	assert_true(strlen(msg) < 100);
}

static void
test_addrmatch_ipv4_boundaries(void **state)
{
	static const struct match_case c[] = {
		{ "0.0.0.0/0", "0.0.0.0", 1 },
		{ "0.0.0.0/0", "255.255.255.255", 1 },
		{ "128.0.0.0/1", "128.0.0.0", 1 },
		{ "128.0.0.0/1", "255.255.255.255", 1 },
		{ "128.0.0.0/1", "127.255.255.255", 0 },
		{ "0.0.0.0/1", "127.255.255.255", 1 },
		{ "0.0.0.0/1", "128.0.0.0", 0 },
		{ "192.0.2.6/31", "192.0.2.6", 1 },
		{ "192.0.2.6/31", "192.0.2.7", 1 },
		{ "192.0.2.6/31", "192.0.2.5", 0 },
		{ "192.0.2.6/31", "192.0.2.8", 0 },
		{ "192.0.2.7/32", "192.0.2.7", 1 },
		{ "192.0.2.7/32", "192.0.2.6", 0 },
		{ "192.0.2.7", "192.0.2.7", 1 },
		{ "192.0.2.7", "192.0.3.7", 0 },
		{ "192.0.2.0/24", "192.0.2.255", 1 },
		{ "192.0.2.0/24", "192.0.3.0", 0 },
		/* /13: the boundary falls inside the second octet. */
		{ "10.8.0.0/13", "10.8.0.0", 1 },
		{ "10.8.0.0/13", "10.15.255.255", 1 },
		{ "10.8.0.0/13", "10.12.34.56", 1 },
		{ "10.8.0.0/13", "10.7.255.255", 0 },
		{ "10.8.0.0/13", "10.16.0.0", 0 },
		{ "10.8.0.0/13", "11.8.0.0", 0 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

static void
test_addrmatch_ipv6_boundaries(void **state)
{
	static const struct match_case c[] = {
		{ "::/0", "::", 1 },
		{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "::/0", "2001:db8::1", 1 },
		{ "8000::/1", "8000::", 1 },
		{ "8000::/1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "8000::/1", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
		{ "::/1", "7fff::1", 1 },
		{ "::/1", "8000::", 0 },
		{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
		{ "2001:db8::/32", "2001:db9::1", 0 },
		{ "2001:db8::/127", "2001:db8::", 1 },
		{ "2001:db8::/127", "2001:db8::1", 1 },
		{ "2001:db8::/127", "2001:db8::2", 0 },
		{ "2001:db8::2/127", "2001:db8::3", 1 },
		{ "2001:db8::2/127", "2001:db8::1", 0 },
		{ "2001:db8::1/128", "2001:db8::1", 1 },
		{ "2001:db8::1/128", "2001:db8::", 0 },
		{ "2001:db8::1", "2001:db8::1", 1 },
		{ "2001:db8::1", "2001:db8::1:1", 0 },
		{ "::1", "::1", 1 },
		{ "::1", "::2", 0 },
		/* /121: the last octet splits after its first bit. */
		{ "2001:db8::80/121", "2001:db8::80", 1 },
		{ "2001:db8::80/121", "2001:db8::ff", 1 },
		{ "2001:db8::80/121", "2001:db8::7f", 0 },
		{ "2001:db8::80/121", "2001:db8::100", 0 },
		{ "2001:db8::/121", "2001:db8::7f", 1 },
		{ "2001:db8::/121", "2001:db8::80", 0 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

static void
test_addrmatch_mapped_clients(void **state)
{
	static const struct match_case c[] = {
		/* IPv4 clients on an AF_INET6 listener. */
		{ "192.0.2.0/24", "::ffff:192.0.2.7", 1 },
		{ "192.0.2.7", "::ffff:192.0.2.7", 1 },
		{ "192.0.2.0/24", "::ffff:192.0.3.7", 0 },
		{ "0.0.0.0/0", "::ffff:0.0.0.0", 1 },
		{ "0.0.0.0/0", "::ffff:255.255.255.255", 1 },
		{ "128.0.0.0/1", "::ffff:127.0.0.1", 0 },
		/* They are IPv4 clients, not IPv6 ones. */
		{ "::/0", "::ffff:192.0.2.7", 0 },
		{ "::fffe:0:0/95", "::ffff:192.0.2.7", 0 },
		/* Mapped ranges match either way an IPv4 client arrives. */
		{ "::ffff:192.0.2.0/120", "192.0.2.7", 1 },
		{ "::ffff:192.0.2.0/120", "::ffff:192.0.2.7", 1 },
		{ "::ffff:192.0.2.0/120", "192.0.3.7", 0 },
		{ "::ffff:0:0/96", "203.0.113.9", 1 },
		/* Only ::ffff:0:0/96 is IPv4: not the old compatible form. */
		{ "192.0.2.7", "::192.0.2.7", 0 },
		{ "192.0.2.7", "::fffe:192.0.2.7", 0 },
		{ "192.0.2.7", "::1:ffff:c000:207", 0 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

static void
test_addrmatch_family_mismatch(void **state)
{
	static const struct match_case c[] = {
		{ "0.0.0.0/0", "::", 0 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "::/0", "0.0.0.0", 0 },
		{ "::/0", "192.0.2.7", 0 },
		/* Same octets, other family. */
		{ "192.0.2.0/24", "c000:200::", 0 },
		{ "c000:200::/24", "192.0.2.1", 0 },
		{ "*", "192.0.2.7", 1 },
		{ "*", "0.0.0.0", 1 },
		{ "*", "::", 1 },
		{ "*", "2001:db8::1", 1 },
		{ "*", "::ffff:192.0.2.7", 1 },
	};

	check(c, sizeof(c) / sizeof(c[0]));
}

/* Nothing, not even "*", matches a local socket or an unknown family. */
static void
test_addrmatch_non_ip_never_matches(void **state)
{
	struct sockaddr_un	 sun;
	struct sockaddr_storage	 ss;
	struct addr_range	 r[3];

	r[0] = range("*");
	r[1] = range("0.0.0.0/0");
	r[2] = range("::/0");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/loom.sock");
	assert_int_equal(addr_range_match(&r[0],
	    (const struct sockaddr *)&sun), 0);
	assert_int_equal(addr_list_match(r, 3,
	    (const struct sockaddr *)&sun), 0);

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNSPEC;
	assert_int_equal(addr_list_match(r, 3,
	    (const struct sockaddr *)&ss), 0);

	assert_int_equal(addr_range_match(&r[0], NULL), 0);
	assert_int_equal(addr_list_match(r, 3, NULL), 0);
}

/* Reference: compare bit by bit, most significant bit first. */
static int
ref_match(const uint8_t *net, const uint8_t *a, unsigned prefix)
{
	unsigned	i;

	for (i = 0; i < prefix; i++)
		if (((net[i / 8] >> (7 - i % 8)) & 1) !=
		    ((a[i / 8] >> (7 - i % 8)) & 1))
			return (0);
	return (1);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s);
}

/* Every prefix length, random addresses near the range's edge. */
static void
test_addrmatch_every_prefix_against_reference(void **state)
{
	struct sockaddr_storage	ss;
	struct addr_range	r;
	char			text[INET6_ADDRSTRLEN + 8];
	char			atext[INET6_ADDRSTRLEN];
	uint8_t			net[16], a[16];
	uint64_t		seed = 0x9e3779b97f4a7c15ULL;
	unsigned		prefix, bits, k, i, bit;
	int			family;

	for (family = 0; family < 2; family++) {
		bits = family == 0 ? 32 : 128;
		for (prefix = 0; prefix <= bits; prefix++) {
			for (k = 0; k < 40; k++) {
				for (i = 0; i < 16; i++)
					net[i] = (uint8_t)xorshift(&seed);
				for (i = prefix; i < bits; i++)
					net[i / 8] &= (uint8_t)~(0x80 >>
					    (i % 8));
				memcpy(a, net, 16);
				/* Flip one bit, inside or past the prefix. */
				bit = (unsigned)(xorshift(&seed) % bits);
				a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
				if (family == 1 &&
				    memcmp(net, "\0\0\0\0\0\0\0\0\0\0\xff\xff",
				    12) == 0)
					continue;
				inet_ntop(family == 0 ? AF_INET : AF_INET6,
				    net, atext, sizeof(atext));
				snprintf(text, sizeof(text), "%s/%u", atext,
				    prefix);
				r = range(text);
				inet_ntop(family == 0 ? AF_INET : AF_INET6,
				    a, atext, sizeof(atext));
				if (family == 1 &&
				    memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff",
				    12) == 0)
					continue;
				if (addr_range_match(&r, client(&ss, atext)) !=
				    ref_match(net, a, prefix))
					fail_msg("%s vs %s", text, atext);
				assert_int_equal(addr_range_match(&r,
				    client(&ss, atext)), bit >= prefix);
			}
		}
	}
}

static void
test_addrmatch_list_parse_separators(void **state)
{
	static const char *const empty[] = { "", " ", ",", " , ,\t\r\n,",
	    ",,," };
	struct addr_range	*r;
	size_t			 n, i;
	char			 err[256];

	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		r = (struct addr_range *)&n;	/* must be overwritten */
		n = 99;
		assert_int_equal(addr_list_parse(empty[i], &r, &n, err,
		    sizeof(err)), 0);
		assert_null(r);
		assert_int_equal(n, 0);
	}
	assert_int_equal(addr_list_parse(NULL, &r, &n, err, sizeof(err)), 0);
	assert_null(r);
	assert_int_equal(n, 0);

	assert_int_equal(addr_list_parse("192.0.2.7", &r, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].prefix, 32);
	free(r);

	assert_int_equal(addr_list_parse(
	    ",, 10.0.0.0/8 ,\t192.0.2.0/24\n2001:db8::/32,,,*  ::1,\r\n",
	    &r, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5);
	assert_int_equal(r[0].family, AF_INET);
	assert_int_equal(r[0].prefix, 8);
	assert_int_equal(r[1].family, AF_INET);
	assert_int_equal(r[1].prefix, 24);
	assert_int_equal(r[2].family, AF_INET6);
	assert_int_equal(r[2].prefix, 32);
	assert_int_equal(r[3].family, AF_UNSPEC);
	assert_int_equal(r[4].family, AF_INET6);
	assert_int_equal(r[4].prefix, 128);
	free(r);

	assert_int_equal(addr_list_parse("10.0.0.0/8,192.0.2.0/24", &r, &n,
	    err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	free(r);
}

static void
test_addrmatch_list_parse_errors(void **state)
{
	struct addr_range	*r;
	size_t			 n;
	char			 err[256];

	r = (struct addr_range *)&n;
	n = 99;
	assert_int_equal(addr_list_parse("10.0.0.0/8, 10.1.2.3/8 ,::1", &r,
	    &n, err, sizeof(err)), -1);
	assert_null(r);
	assert_int_equal(n, 0);
	assert_string_equal(err, "host bits set past the prefix in "
	    "\"10.1.2.3/8\": did you mean 10.0.0.0/8?");

	/* The first bad range is the one reported; it is quoted alone. */
	assert_int_equal(addr_list_parse("::1 bogus 10.0.0.0/99", &r, &n, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "bad address \"bogus\"");

	assert_int_equal(addr_list_parse("10.0.0.0/8;192.0.2.0/24", &r, &n,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "10.0.0.0/8;192.0.2.0/24"));

	assert_int_equal(addr_list_parse("::1, 10.0.0.0/", &r, &n, NULL, 0),
	    -1);
	assert_null(r);
}

static void
test_addrmatch_list_match(void **state)
{
	struct sockaddr_storage	 ss;
	struct addr_range	*r;
	size_t			 n;
	char			 err[256];

	/* An empty list matches nothing. */
	assert_int_equal(addr_list_match(NULL, 0, client(&ss, "192.0.2.7")),
	    0);

	assert_int_equal(addr_list_parse("10.0.0.0/8 192.0.2.0/24, "
	    "2001:db8::/32", &r, &n, err, sizeof(err)), 0);
	assert_int_equal(addr_list_match(r, n, client(&ss, "10.9.9.9")), 1);
	assert_int_equal(addr_list_match(r, n, client(&ss, "192.0.2.200")),
	    1);
	assert_int_equal(addr_list_match(r, n,
	    client(&ss, "::ffff:192.0.2.200")), 1);
	assert_int_equal(addr_list_match(r, n, client(&ss, "2001:db8::1")),
	    1);
	assert_int_equal(addr_list_match(r, n, client(&ss, "11.0.0.1")), 0);
	assert_int_equal(addr_list_match(r, n, client(&ss, "2001:db9::1")),
	    0);
	/* Only the first n entries count. */
	assert_int_equal(addr_list_match(r, 1, client(&ss, "2001:db8::1")),
	    0);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrmatch_parse_forms),
		cmocka_unit_test(test_addrmatch_parse_mapped_range_becomes_ipv4),
		cmocka_unit_test(test_addrmatch_parse_errors),
		cmocka_unit_test(test_addrmatch_parse_error_buffers),
		cmocka_unit_test(test_addrmatch_ipv4_boundaries),
		cmocka_unit_test(test_addrmatch_ipv6_boundaries),
		cmocka_unit_test(test_addrmatch_mapped_clients),
		cmocka_unit_test(test_addrmatch_family_mismatch),
		cmocka_unit_test(test_addrmatch_non_ip_never_matches),
		cmocka_unit_test(test_addrmatch_every_prefix_against_reference),
		cmocka_unit_test(test_addrmatch_list_parse_separators),
		cmocka_unit_test(test_addrmatch_list_parse_errors),
		cmocka_unit_test(test_addrmatch_list_match),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
