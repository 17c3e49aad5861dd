/* Unit tests for server/core/stats.c: the minute ring, reply codes to
   refusal labels, escaping, and the renderings without a store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "server.h"
#include "stats.h"

/* The evbuffer's contents as a NUL-terminated string (freed by caller). */
static char *
flat(struct evbuffer *b)
{
	size_t	 n = evbuffer_get_length(b);
	char	*s = malloc(n + 1);

	assert_non_null(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return (s);
}

static void
test_ring_sums_last_minute(void **state)
{
	struct stats_ring	r;

	memset(&r, 0, sizeof(r));
	stats_ring_add(&r, 1000, 1);
	stats_ring_add(&r, 1000, 2);
	stats_ring_add(&r, 1030, 5);
	assert_int_equal(stats_ring_sum(&r, 1030, STATS_RING), 8);
	assert_int_equal(stats_ring_sum(&r, 1030, 10), 5);
	/* 1000 falls out of the window at 1060; 1030 stays until 1090. */
	assert_int_equal(stats_ring_sum(&r, 1059, STATS_RING), 8);
	assert_int_equal(stats_ring_sum(&r, 1060, STATS_RING), 5);
	/* 1060 takes 1000's slot: the old count is not carried over. */
	stats_ring_add(&r, 1060, 7);
	assert_int_equal(stats_ring_sum(&r, 1060, STATS_RING), 12);
	assert_int_equal(stats_ring_sum(&r, 1200, STATS_RING), 0);
	/* A span beyond the ring is the ring. */
	assert_int_equal(stats_ring_sum(&r, 1060, 1000), 12);
}

static void
test_reply_codes_to_reasons(void **state)
{
	struct server	*srv = calloc(1, sizeof(*srv));

	assert_non_null(srv);
	assert_int_equal(stats_reply_refusal(435), STATS_REF_NOT_WANTED);
	assert_int_equal(stats_reply_refusal(438), STATS_REF_NOT_WANTED);
	assert_int_equal(stats_reply_refusal(436), STATS_REF_DEFERRED);
	assert_int_equal(stats_reply_refusal(431), STATS_REF_DEFERRED);
	assert_int_equal(stats_reply_refusal(437), STATS_REF_REJECTED);
	assert_int_equal(stats_reply_refusal(439), STATS_REF_REJECTED);
	assert_int_equal(stats_reply_refusal(441), STATS_REF_POST_FAILED);
	assert_int_equal(stats_reply_refusal(480), STATS_REF_ACCESS);
	assert_int_equal(stats_reply_refusal(502), STATS_REF_ACCESS);
	assert_int_equal(stats_reply_refusal(481), STATS_REF_AUTH_FAILED);
	/* Not refusals: a missing article, a syntax error, success. */
	assert_int_equal(stats_reply_refusal(430), -1);
	assert_int_equal(stats_reply_refusal(501), -1);
	assert_int_equal(stats_reply_refusal(240), -1);
	stats_reply(srv, 220);
	stats_reply(srv, 222);
	stats_reply(srv, 221);	/* HEAD: not an article sent */
	stats_reply(srv, 441);
	stats_reply(srv, 430);
	assert_int_equal(srv->stats.out[STATS_OUT_READER], 2);
	assert_int_equal(srv->stats.refused[STATS_REF_POST_FAILED], 1);
	free(srv);
}

static void
test_escaping(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s;

	assert_non_null(b);
	stats_prom_escape(b, "a\\b\"c\nd");
	s = flat(b);
	assert_string_equal(s, "a\\\\b\\\"c\\nd");
	free(s);
	stats_json_string(b, "q\"\\\x01x");
	s = flat(b);
	assert_string_equal(s, "\"q\\\"\\\\\\u0001x\"");
	free(s);
	evbuffer_free(b);
}

static void
test_render_without_store(void **state)
{
	struct server	*srv = calloc(1, sizeof(*srv));
	struct evbuffer	*b = evbuffer_new();
	char		*s;

	assert_non_null(srv);
	assert_non_null(b);
	srv->nsessions = 3;
	stats_connection(srv);
	stats_refusal(srv, STATS_REF_PER_HOST);
	stats_render_json(srv, b);
	s = flat(b);
	assert_non_null(strstr(s, "\"store\":null"));
	assert_non_null(strstr(s, "\"connections\":{\"current\":3,\"peak\":3,"
	    "\"total\":1}"));
	assert_non_null(strstr(s, "\"max_connections_per_host\":1"));
	assert_non_null(strstr(s, "\"feeds\":[]}\n"));
	free(s);
	stats_render_prometheus(srv, b);
	s = flat(b);
	assert_null(strstr(s, "loom_store_"));
	assert_non_null(strstr(s, "# TYPE loom_refusals_total counter\n"
	    "loom_refusals_total{reason=\"max_connections\"} 0\n"
	    "loom_refusals_total{reason=\"max_connections_per_host\"} 1\n"));
	assert_non_null(strstr(s, "loom_connections_peak 3\n"));
	free(s);
	evbuffer_free(b);
	free(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_sums_last_minute),
		cmocka_unit_test(test_reply_codes_to_reasons),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_render_without_store),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
