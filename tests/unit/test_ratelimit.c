/* Unit tests for server/policy/ratelimit.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ratelimit.h"

#define SEED	UINT64_C(0x0123456789abcdef)

static void
test_ratelimit_new_bounds(void **state)
{
	struct ratelimit	*rl;

	assert_null(ratelimit_new(RATELIMIT_EVENTS_MAX + 1, 60, 10, SEED));
	assert_null(ratelimit_new(5, 0, 10, SEED));
	assert_null(ratelimit_new(5, 60, 0, SEED));
	rl = ratelimit_new(RATELIMIT_EVENTS_MAX, 60, 10, SEED);
	assert_non_null(rl);
	ratelimit_free(rl);
	/* No limit: the other parameters do not matter. */
	rl = ratelimit_new(0, 0, 0, SEED);
	assert_non_null(rl);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_ratelimit_zero_means_unlimited(void **state)
{
	struct ratelimit	*rl = ratelimit_new(0, 60, 10, SEED);
	int			 i;

	assert_non_null(rl);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(ratelimit_allowed(rl, "192.0.2.7", 100), 1);
		ratelimit_record(rl, "192.0.2.7", 100);
	}
	assert_int_equal(ratelimit_retry_after(rl, "192.0.2.7", 100), 0);
	assert_int_equal(ratelimit_keys(rl), 0);
	ratelimit_forget(rl, "192.0.2.7");
	ratelimit_free(rl);
}

static void
test_ratelimit_window_edges(void **state)
{
	struct ratelimit	*rl = ratelimit_new(3, 60, 10, SEED);

	assert_non_null(rl);
	assert_int_equal(ratelimit_allowed(rl, "k", 100), 1);
	assert_int_equal(ratelimit_retry_after(rl, "k", 100), 0);
	ratelimit_record(rl, "k", 100);
	ratelimit_record(rl, "k", 110);
	assert_int_equal(ratelimit_allowed(rl, "k", 120), 1);
	ratelimit_record(rl, "k", 120);

	/* Three events in (70, 130]: a fourth would exceed the limit. */
	assert_int_equal(ratelimit_allowed(rl, "k", 120), 0);
	assert_int_equal(ratelimit_allowed(rl, "k", 130), 0);
	assert_int_equal(ratelimit_retry_after(rl, "k", 130), 30);
	assert_int_equal(ratelimit_retry_after(rl, "k", 159), 1);
	assert_int_equal(ratelimit_allowed(rl, "k", 159), 0);
	/* The event at 100 is exactly window_sec old: out. */
	assert_int_equal(ratelimit_allowed(rl, "k", 160), 1);
	assert_int_equal(ratelimit_retry_after(rl, "k", 160), 0);

	ratelimit_record(rl, "k", 160);
	/* Now 110, 120, 160: the one at 110 is next to leave. */
	assert_int_equal(ratelimit_allowed(rl, "k", 160), 0);
	assert_int_equal(ratelimit_retry_after(rl, "k", 160), 10);
	assert_int_equal(ratelimit_allowed(rl, "k", 170), 1);
	/* 120 leaves at 180, 160 at 220. */
	assert_int_equal(ratelimit_allowed(rl, "k", 219), 1);
	assert_int_equal(ratelimit_allowed(rl, "k", 220), 1);
	ratelimit_free(rl);
}

static void
test_ratelimit_retry_after_values(void **state)
{
	struct ratelimit	*rl = ratelimit_new(1, 600, 10, SEED);
	time_t			 t;

	assert_non_null(rl);
	ratelimit_record(rl, "user", 1000);
	for (t = 1000; t < 1600; t++) {
		assert_int_equal(ratelimit_allowed(rl, "user", t), 0);
		assert_int_equal(ratelimit_retry_after(rl, "user", t),
		    (unsigned)(1600 - t));
	}
	assert_int_equal(ratelimit_retry_after(rl, "user", 1600), 0);
	assert_int_equal(ratelimit_allowed(rl, "user", 1600), 1);
	/* Fully out of the window: the key went with its last event. */
	assert_int_equal(ratelimit_keys(rl), 0);

	/* Events recorded while over the limit count as well. */
	ratelimit_record(rl, "user", 2000);
	ratelimit_record(rl, "user", 2300);
	assert_int_equal(ratelimit_retry_after(rl, "user", 2300), 600);
	ratelimit_free(rl);
}

/* Times far from the epoch, and a window of 1 second. */
static void
test_ratelimit_extreme_times(void **state)
{
	struct ratelimit	*rl = ratelimit_new(2, 1, 10, SEED);
	time_t			 big = (time_t)INT64_MAX - 10;

	assert_non_null(rl);
	ratelimit_record(rl, "k", big);
	ratelimit_record(rl, "k", big);
	assert_int_equal(ratelimit_allowed(rl, "k", big), 0);
	assert_int_equal(ratelimit_retry_after(rl, "k", big), 1);
	assert_int_equal(ratelimit_allowed(rl, "k", big + 1), 1);
	ratelimit_record(rl, "n", -5);
	ratelimit_record(rl, "n", -5);
	assert_int_equal(ratelimit_allowed(rl, "n", -5), 0);
	assert_int_equal(ratelimit_allowed(rl, "n", -4), 1);
	ratelimit_free(rl);
}

static void
test_ratelimit_keys_are_independent_and_forgotten(void **state)
{
	struct ratelimit	*rl = ratelimit_new(2, 60, 10, SEED);

	assert_non_null(rl);
	ratelimit_record(rl, "192.0.2.7", 10);
	ratelimit_record(rl, "192.0.2.7", 11);
	ratelimit_record(rl, "192.0.2.8", 11);
	assert_int_equal(ratelimit_allowed(rl, "192.0.2.7", 12), 0);
	assert_int_equal(ratelimit_allowed(rl, "192.0.2.8", 12), 1);
	assert_int_equal(ratelimit_allowed(rl, "192.0.2.70", 12), 1);
	assert_int_equal(ratelimit_allowed(rl, "", 12), 1);
	assert_int_equal(ratelimit_keys(rl), 2);

	ratelimit_forget(rl, "192.0.2.7");
	assert_int_equal(ratelimit_allowed(rl, "192.0.2.7", 12), 1);
	assert_int_equal(ratelimit_keys(rl), 1);
	ratelimit_forget(rl, "192.0.2.7");
	ratelimit_forget(rl, "never.seen");
	assert_int_equal(ratelimit_keys(rl), 1);

	/* The empty key is a key like any other. */
	ratelimit_record(rl, "", 12);
	ratelimit_record(rl, "", 12);
	assert_int_equal(ratelimit_allowed(rl, "", 12), 0);
	assert_int_equal(ratelimit_allowed(rl, "192.0.2.8", 12), 1);
	ratelimit_free(rl);
}

static void
test_ratelimit_evicts_least_recently_recorded(void **state)
{
	struct ratelimit	*rl = ratelimit_new(1, 1000, 3, SEED);
	int			 i;

	assert_non_null(rl);
	ratelimit_record(rl, "a", 1);
	ratelimit_record(rl, "b", 2);
	ratelimit_record(rl, "c", 3);
	ratelimit_record(rl, "a", 4);		/* a is now the newest */
	assert_int_equal(ratelimit_keys(rl), 3);

	/* Looking a key up does not make it recent: only events do. */
	for (i = 0; i < 5; i++)
		assert_int_equal(ratelimit_allowed(rl, "b", 5), 0);

	ratelimit_record(rl, "d", 5);		/* b goes */
	assert_int_equal(ratelimit_keys(rl), 3);
	assert_int_equal(ratelimit_allowed(rl, "a", 6), 0);
	assert_int_equal(ratelimit_allowed(rl, "b", 6), 1);
	assert_int_equal(ratelimit_allowed(rl, "c", 6), 0);
	assert_int_equal(ratelimit_allowed(rl, "d", 6), 0);

	ratelimit_record(rl, "e", 6);		/* then c */
	assert_int_equal(ratelimit_allowed(rl, "c", 7), 1);
	assert_int_equal(ratelimit_allowed(rl, "a", 7), 0);
	ratelimit_record(rl, "f", 7);		/* then a */
	assert_int_equal(ratelimit_allowed(rl, "a", 8), 1);
	assert_int_equal(ratelimit_allowed(rl, "d", 8), 0);
	assert_int_equal(ratelimit_allowed(rl, "e", 8), 0);
	assert_int_equal(ratelimit_allowed(rl, "f", 8), 0);
	assert_int_equal(ratelimit_keys(rl), 3);

	/* A forgotten key frees its slot: nothing is evicted for g. */
	ratelimit_forget(rl, "e");
	ratelimit_record(rl, "g", 9);
	assert_int_equal(ratelimit_allowed(rl, "d", 9), 0);
	assert_int_equal(ratelimit_allowed(rl, "f", 9), 0);
	assert_int_equal(ratelimit_allowed(rl, "g", 9), 0);
	ratelimit_free(rl);
}

static void
test_ratelimit_stale_keys_are_swept(void **state)
{
	struct ratelimit	*rl = ratelimit_new(3, 10, 100, SEED);
	char			 key[32];
	int			 i;

	assert_non_null(rl);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "old%d", i);
		ratelimit_record(rl, key, 0);
	}
	ratelimit_record(rl, "live", 5);
	assert_int_equal(ratelimit_keys(rl), 11);

	/* At 10 the old keys are stale; each record drops some. */
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "new%d", i);
		ratelimit_record(rl, key, 10);
	}
	assert_int_equal(ratelimit_keys(rl), 6);	/* live and 5 new */
	assert_int_equal(ratelimit_allowed(rl, "old3", 10), 1);

	/* A lookup drops a key it finds stale. */
	assert_int_equal(ratelimit_allowed(rl, "live", 15), 1);
	assert_int_equal(ratelimit_keys(rl), 5);
	ratelimit_free(rl);
}

/* 10^5 keys through a table of 1000: memory stays bounded. */
static void
test_ratelimit_many_keys(void **state)
{
	struct ratelimit	*rl = ratelimit_new(2, 3600, 1000, SEED);
	char			 key[32];
	int			 i;

	assert_non_null(rl);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "2001:db8::%x", i);
		ratelimit_record(rl, key, 1000 + i / 1000);
		ratelimit_record(rl, key, 1000 + i / 1000);
		if (ratelimit_keys(rl) > 1000)
			fail_msg("%zu keys after %d", ratelimit_keys(rl), i);
	}
	assert_int_equal(ratelimit_keys(rl), 1000);
	/* The last 1000 are held, everything older went. */
	for (i = 99000; i < 100000; i++) {
		snprintf(key, sizeof(key), "2001:db8::%x", i);
		assert_int_equal(ratelimit_allowed(rl, key, 1100), 0);
	}
	for (i = 0; i < 99000; i += 97) {
		snprintf(key, sizeof(key), "2001:db8::%x", i);
		assert_int_equal(ratelimit_allowed(rl, key, 1100), 1);
	}
	ratelimit_free(rl);
}

/* Whatever the seed, the counters are the same; only placement differs. */
static void
test_ratelimit_seed_does_not_change_results(void **state)
{
	struct ratelimit	*a = ratelimit_new(3, 100, 50, 0);
	struct ratelimit	*b = ratelimit_new(3, 100, 50, UINT64_MAX);
	char			 key[32];
	unsigned		 x = 1;
	int			 i;
	time_t			 t;

	assert_non_null(a);
	assert_non_null(b);
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		snprintf(key, sizeof(key), "u%u", (x >> 16) % 80);
		t = i / 50;
		assert_int_equal(ratelimit_retry_after(a, key, t),
		    ratelimit_retry_after(b, key, t));
		if (x & 0x8000) {
			ratelimit_record(a, key, t);
			ratelimit_record(b, key, t);
		} else if ((x & 0xff0000) == 0) {
			ratelimit_forget(a, key);
			ratelimit_forget(b, key);
		}
		assert_int_equal(ratelimit_keys(a), ratelimit_keys(b));
	}
	ratelimit_free(a);
	ratelimit_free(b);
}

static void
test_ratelimit_long_keys_truncated(void **state)
{
	struct ratelimit	*rl = ratelimit_new(1, 60, 10, SEED);
	char			 k1[400], k2[400], k3[400];

	assert_non_null(rl);
	memset(k1, 'x', sizeof(k1) - 1);
	k1[sizeof(k1) - 1] = '\0';
	memcpy(k2, k1, sizeof(k1));
	k2[300] = 'y';			/* differs past the limit */
	memcpy(k3, k1, sizeof(k1));
	k3[RATELIMIT_KEY_MAX - 1] = 'y';	/* differs within it */

	ratelimit_record(rl, k1, 10);
	assert_int_equal(ratelimit_allowed(rl, k2, 10), 0);
	assert_int_equal(ratelimit_allowed(rl, k3, 10), 1);
	/* The key's first 255 octets alone are that same key. */
	k2[RATELIMIT_KEY_MAX] = '\0';
	assert_int_equal(ratelimit_allowed(rl, k2, 10), 0);
	k2[RATELIMIT_KEY_MAX - 1] = '\0';
	assert_int_equal(ratelimit_allowed(rl, k2, 10), 1);
	ratelimit_forget(rl, k3);
	assert_int_equal(ratelimit_keys(rl), 1);
	ratelimit_forget(rl, k1);
	assert_int_equal(ratelimit_keys(rl), 0);
	ratelimit_free(rl);
}

/* The clock steps back: no flood, and no lockout for the step's size. */
static void
test_ratelimit_time_goes_backwards(void **state)
{
	struct ratelimit	*rl = ratelimit_new(2, 60, 10, SEED);

	assert_non_null(rl);
	ratelimit_record(rl, "k", 10000);
	ratelimit_record(rl, "k", 10000);
	assert_int_equal(ratelimit_allowed(rl, "k", 10000), 0);

	/* An hour back: the two events still count ... */
	assert_int_equal(ratelimit_allowed(rl, "k", 6400), 0);
	/* ... as if they had happened at 6400, not for an hour more. */
	assert_int_equal(ratelimit_retry_after(rl, "k", 6400), 60);
	assert_int_equal(ratelimit_allowed(rl, "k", 6459), 0);
	assert_int_equal(ratelimit_allowed(rl, "k", 6460), 1);

	/* The same when the step is first seen by a record. */
	ratelimit_record(rl, "j", 10000);
	ratelimit_record(rl, "j", 3000);
	assert_int_equal(ratelimit_allowed(rl, "j", 3000), 0);
	assert_int_equal(ratelimit_retry_after(rl, "j", 3000), 60);
	assert_int_equal(ratelimit_allowed(rl, "j", 3060), 1);

	/* Stepping forward again: events age normally. */
	ratelimit_record(rl, "j", 3100);
	ratelimit_record(rl, "j", 3101);
	assert_int_equal(ratelimit_retry_after(rl, "j", 3110), 50);
	assert_int_equal(ratelimit_allowed(rl, "j", 3160), 1);
	ratelimit_free(rl);
}

/* A reservation taken back: exactly that event, nothing else. */
static void
test_ratelimit_unrecord(void **state)
{
	struct ratelimit	*rl = ratelimit_new(3, 60, 10, SEED);
	struct ratelimit	*none = ratelimit_new(0, 60, 10, SEED);

	assert_non_null(rl);
	assert_non_null(none);
	ratelimit_record(rl, "k", 100);
	ratelimit_record(rl, "k", 110);
	ratelimit_record(rl, "k", 120);
	assert_int_equal(ratelimit_allowed(rl, "k", 121), 0);
	ratelimit_unrecord(rl, "k", 110, 121);
	assert_int_equal(ratelimit_allowed(rl, "k", 121), 1);
	/* 110 went, not 120: once 100 leaves, 120 is the oldest. */
	ratelimit_record(rl, "k", 161);
	ratelimit_record(rl, "k", 161);
	assert_int_equal(ratelimit_retry_after(rl, "k", 161), 19);

	/* Unknown keys and unlimited tables: nothing happens. */
	ratelimit_unrecord(rl, "other", 100, 161);
	ratelimit_unrecord(none, "k", 100, 161);
	assert_int_equal(ratelimit_keys(rl), 1);
	ratelimit_free(none);
	ratelimit_free(rl);
}

static void
test_ratelimit_unrecord_expired_and_wrapped(void **state)
{
	struct ratelimit	*rl = ratelimit_new(3, 60, 10, SEED);

	assert_non_null(rl);
	/* The reserved event left the window: a newer one must stay. */
	ratelimit_record(rl, "k", 100);
	ratelimit_record(rl, "k", 150);
	ratelimit_unrecord(rl, "k", 100, 170);
	ratelimit_record(rl, "k", 170);
	ratelimit_record(rl, "k", 171);
	assert_int_equal(ratelimit_allowed(rl, "k", 171), 0);

	/* Across the ring's wrap. */
	ratelimit_forget(rl, "k");
	ratelimit_record(rl, "k", 100);
	ratelimit_record(rl, "k", 101);
	ratelimit_record(rl, "k", 102);
	ratelimit_record(rl, "k", 103);
	ratelimit_unrecord(rl, "k", 102, 103);
	assert_int_equal(ratelimit_allowed(rl, "k", 103), 1);
	ratelimit_record(rl, "k", 104);
	assert_int_equal(ratelimit_retry_after(rl, "k", 104), 57);

	/* The last event taken back drops the key; a clock stepped back
	   moved the reserved event earlier, and it is still found. */
	ratelimit_forget(rl, "k");
	ratelimit_record(rl, "k", 200);
	ratelimit_unrecord(rl, "k", 200, 150);
	assert_int_equal(ratelimit_keys(rl), 0);
	ratelimit_free(rl);
}

static void
test_token_bucket_starts_full_and_refills(void **state)
{
	struct token_bucket	tb;
	int			i;

	token_bucket_init(&tb, 10, 5, 1000);
	for (i = 0; i < 5; i++)
		assert_int_equal(token_bucket_take(&tb, 1000), 0);
	/* Empty: one token every 100 ms. */
	assert_int_equal(token_bucket_take(&tb, 1000), 100);
	assert_int_equal(token_bucket_take(&tb, 1040), 60);
	assert_int_equal(token_bucket_take(&tb, 1099), 1);
	assert_int_equal(token_bucket_take(&tb, 1100), 0);
	assert_int_equal(token_bucket_take(&tb, 1100), 100);
	/* 250 ms: 2.5 tokens. */
	assert_int_equal(token_bucket_take(&tb, 1350), 0);
	assert_int_equal(token_bucket_take(&tb, 1350), 0);
	assert_int_equal(token_bucket_take(&tb, 1350), 50);
	assert_int_equal(token_bucket_take(&tb, 1400), 0);
}

/* Waits are rounded up: after one, a token is there. */
static void
test_token_bucket_wait_rounds_up(void **state)
{
	struct token_bucket	tb;
	uint64_t		now = 0, w;

	token_bucket_init(&tb, 3, 1, now);
	assert_int_equal(token_bucket_take(&tb, now), 0);
	w = token_bucket_take(&tb, now);
	assert_int_equal(w, 334);		/* 333.33... */
	assert_int_equal(token_bucket_take(&tb, now + 333), 1);
	assert_int_equal(token_bucket_take(&tb, now + 334), 0);
}

/* A caller that waits exactly as told gets exactly the rate. */
static void
test_token_bucket_paced_caller_gets_the_rate(void **state)
{
	struct token_bucket	tb;
	uint64_t		now = 5000, w, end = 5000 + 1000 * 1000;
	unsigned		taken = 0, waits = 0;

	/* Burst 2: with 1, the bucket would be full when each rounded-up
	   wait ends and the fraction of a token earned past it lost. */
	token_bucket_init(&tb, 7, 2, now);
	while (now < end) {
		if ((w = token_bucket_take(&tb, now)) == 0)
			taken++;
		else {
			waits++;
			now += w;
		}
	}
	/* 1000 s at 7/s, plus the initial burst. */
	assert_in_range(taken, 7001, 7002);
	/* Each wait ended with a token: no 1 ms re-waits. */
	assert_in_range(waits, taken - 2, taken);
}

static void
test_token_bucket_burst_cap(void **state)
{
	struct token_bucket	tb;
	int			i;

	token_bucket_init(&tb, 100, 20, 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 10);
	/* A day idle refills to the burst, no more. */
	for (i = 0; i < 20; i++)
		assert_int_equal(token_bucket_take(&tb, 86400000), 0);
	assert_int_equal(token_bucket_take(&tb, 86400000), 10);

	/* A fractional burst holds its fraction. */
	token_bucket_init(&tb, 1, 2.5, 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 500);
	assert_int_equal(token_bucket_take(&tb, 100000), 0);
	assert_int_equal(token_bucket_take(&tb, 100000), 0);
	assert_int_equal(token_bucket_take(&tb, 100000), 500);

	/* A burst below 1 would never give a token: it becomes 1. */
	token_bucket_init(&tb, 2, 0.5, 0);
	assert_true(tb.burst == 1);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 500);
	assert_int_equal(token_bucket_take(&tb, 500), 0);
	token_bucket_init(&tb, 2, 0, 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
}

static void
test_token_bucket_unlimited(void **state)
{
	struct token_bucket	tb;
	int			i;

	token_bucket_init(&tb, 0, 1, 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(token_bucket_take(&tb, 0), 0);
	token_bucket_init(&tb, -5, 1, 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	token_bucket_init(&tb, 0.0 / 0.0, 1, 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
}

static void
test_token_bucket_extreme_rates(void **state)
{
	struct token_bucket	tb;

	/* So slow the wait cannot be represented: capped. */
	token_bucket_init(&tb, 1e-300, 1, 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), TOKEN_BUCKET_WAIT_MAX);
	assert_int_equal(token_bucket_take(&tb, UINT64_MAX),
	    TOKEN_BUCKET_WAIT_MAX);

	/* So fast a millisecond refills it: the wait is 1 ms, not 0. */
	token_bucket_init(&tb, 1e300, 2, 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 1);
	assert_int_equal(token_bucket_take(&tb, 1), 0);
	assert_int_equal(token_bucket_take(&tb, 1), 0);
	assert_int_equal(token_bucket_take(&tb, 1), 1);
}

static void
test_token_bucket_time_goes_backwards(void **state)
{
	struct token_bucket	tb;
	uint64_t		w;
	int			i;

	token_bucket_init(&tb, 10, 3, 100000);
	for (i = 0; i < 3; i++)
		assert_int_equal(token_bucket_take(&tb, 100000), 0);

	/* 50 s back: no tokens for the step (no flood) ... */
	w = token_bucket_take(&tb, 50000);
	assert_int_equal(w, 100);
	assert_int_equal(token_bucket_take(&tb, 50050), 50);
	/* ... and refilling from the new time on (no stall). */
	assert_int_equal(token_bucket_take(&tb, 50100), 0);
	assert_int_equal(token_bucket_take(&tb, 50100), 100);

	/* Back to 0 from a full bucket: still only the burst. */
	token_bucket_init(&tb, 10, 3, 100000);
	for (i = 0; i < 3; i++)
		assert_int_equal(token_bucket_take(&tb, 0), 0);
	assert_int_equal(token_bucket_take(&tb, 0), 100);

	/* A small step back keeps what was earned before it. */
	token_bucket_init(&tb, 10, 1, 1000);
	assert_int_equal(token_bucket_take(&tb, 1000), 0);
	assert_int_equal(token_bucket_take(&tb, 1090), 10);
	assert_int_equal(token_bucket_take(&tb, 1080), 10);
	assert_int_equal(token_bucket_take(&tb, 1090), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_new_bounds),
		cmocka_unit_test(test_ratelimit_zero_means_unlimited),
		cmocka_unit_test(test_ratelimit_window_edges),
		cmocka_unit_test(test_ratelimit_retry_after_values),
		cmocka_unit_test(test_ratelimit_extreme_times),
		cmocka_unit_test(test_ratelimit_keys_are_independent_and_forgotten),
		cmocka_unit_test(test_ratelimit_evicts_least_recently_recorded),
		cmocka_unit_test(test_ratelimit_stale_keys_are_swept),
		cmocka_unit_test(test_ratelimit_many_keys),
		cmocka_unit_test(test_ratelimit_seed_does_not_change_results),
		cmocka_unit_test(test_ratelimit_long_keys_truncated),
		cmocka_unit_test(test_ratelimit_time_goes_backwards),
		cmocka_unit_test(test_ratelimit_unrecord),
		cmocka_unit_test(test_ratelimit_unrecord_expired_and_wrapped),
		cmocka_unit_test(test_token_bucket_starts_full_and_refills),
		cmocka_unit_test(test_token_bucket_wait_rounds_up),
		cmocka_unit_test(test_token_bucket_paced_caller_gets_the_rate),
		cmocka_unit_test(test_token_bucket_burst_cap),
		cmocka_unit_test(test_token_bucket_unlimited),
		cmocka_unit_test(test_token_bucket_extreme_rates),
		cmocka_unit_test(test_token_bucket_time_goes_backwards),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
