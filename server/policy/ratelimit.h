/*
 * Rate limits, pure: no I/O, no clock, no libevent.  Callers pass the time.
 *
 * A struct ratelimit counts events per key (an address, a user name) in
 * an exact sliding window: "at most 5 failed logins per address in 10
 * minutes", "at most 20 posts per user in a minute".  A struct
 * token_bucket paces one stream of events: "10 commands a second, bursts
 * of 50" for one connection.
 */
#ifndef LOOM_RATELIMIT_H
#define LOOM_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Largest max_events: each key keeps that many timestamps. */
#define RATELIMIT_EVENTS_MAX	10000

/*
 * Keys are compared on their first RATELIMIT_KEY_MAX octets only: longer
 * keys that agree on those share one counter, which makes the limit
 * stricter for them, never looser.
 */
#define RATELIMIT_KEY_MAX	255

struct ratelimit;

/*
 * A table allowing max_events events per key in any window_sec seconds,
 * holding at most max_keys keys.  max_events 0 means no limit: every
 * event is allowed and nothing is stored (window_sec and max_keys are
 * then ignored).
 *
 * When a new key arrives and max_keys are held, the key whose last
 * recorded event is the oldest is forgotten (least recently used, where
 * use means ratelimit_record).  Forgetting a key lets it start afresh, so
 * max_keys should exceed the number of keys expected to be busy at once.
 * Keys whose events have all left the window are dropped as they are met
 * and a few at each ratelimit_record, so memory follows the busy keys.
 * Each key costs about 8 * max_events + 80 octets, plus its length.
 *
 * seed keys the hash (SipHash-2-4) that places keys in the table.  Pass
 * a random one (getrandom(2), RAND_bytes): keys come from clients, and
 * with a known seed a client could choose keys that all fall in one hash
 * chain and make every lookup slow.  Collisions never mix up counters.
 *
 * Returns NULL when max_events exceeds RATELIMIT_EVENTS_MAX, when
 * max_events is not 0 but window_sec or max_keys is, or out of memory.
 */
struct ratelimit	*ratelimit_new(unsigned max_events, unsigned window_sec,
			    size_t max_keys, uint64_t seed);
void			 ratelimit_free(struct ratelimit *rl);

/*
 * 1 if one more event for key at `now` keeps it within max_events in the
 * window, else 0.  The window is (now - window_sec, now]: an event exactly
 * window_sec seconds old no longer counts.
 */
int			 ratelimit_allowed(struct ratelimit *rl,
			    const char *key, time_t now);

/*
 * Count one event for key at `now`, whether or not it was allowed.  When
 * memory for a new key cannot be had, the event is not counted.
 */
void			 ratelimit_record(struct ratelimit *rl,
			    const char *key, time_t now);

/*
 * Seconds from `now` until ratelimit_allowed() would return 1: 0 if it
 * already does, otherwise 1 to window_sec.
 */
unsigned		 ratelimit_retry_after(struct ratelimit *rl,
			    const char *key, time_t now);

/*
 * Take back one event recorded for key at `when`: a reservation that turned
 * out not to count (a login that succeeded).  The newest event not later
 * than `when` is dropped, as a step back of the clock may have moved it
 * earlier but never later.  Nothing is dropped if it already left the
 * window at `now`, or the key was forgotten or evicted meanwhile.  The key
 * keeps its place in the eviction order.
 */
void			 ratelimit_unrecord(struct ratelimit *rl,
			    const char *key, time_t when, time_t now);

/* Drop key's events, e.g. after a successful login. */
void			 ratelimit_forget(struct ratelimit *rl,
			    const char *key);

/* Keys held right now (for statistics and tests). */
size_t			 ratelimit_keys(const struct ratelimit *rl);

/*
 * Time only matters through the differences between the `now` values
 * given.  If it steps back (a clock adjusted by hand), events recorded
 * "in the future" count as happening at the earlier `now`: they are
 * neither forgotten early (no flood) nor kept past window_sec of the new
 * clock (no lockout for the size of the step).
 */

/*
 * A token bucket: it holds up to `burst` tokens and gains `rate` tokens
 * a second; each event takes one.  The fields are read by nobody but
 * these functions.
 */
struct token_bucket {
	double		rate;		/* tokens per second; 0: unlimited */
	double		burst;		/* capacity, at least 1 */
	double		tokens;		/* held at last_ms */
	uint64_t	last_ms;
};

/* The longest wait token_bucket_take() returns, in milliseconds. */
#define TOKEN_BUCKET_WAIT_MAX	(UINT64_C(1) << 53)

/*
 * Start full at now_ms (any monotonic-ish millisecond clock).  A rate of
 * 0 (or less, or NaN) means unlimited.  A burst below 1 is raised to 1,
 * since a bucket that cannot hold one token would never give one.  With
 * a burst of 1 a full bucket spills what it earns while a caller sleeps
 * past the exact moment (waits are whole milliseconds), so a caller
 * paced by the waits gets slightly less than rate; a burst of 2 or more
 * does not lose it.
 */
void		token_bucket_init(struct token_bucket *tb, double rate_per_sec,
		    double burst, uint64_t now_ms);

/*
 * Take one token at now_ms: 0 if one was taken, otherwise the
 * milliseconds until one will be there (at least 1, at most
 * TOKEN_BUCKET_WAIT_MAX), and none is taken.  If now_ms is before the
 * last call's, the bucket is neither refilled nor frozen: it keeps its
 * tokens and refills from now_ms on.
 */
uint64_t	token_bucket_take(struct token_bucket *tb, uint64_t now_ms);

#endif /* LOOM_RATELIMIT_H */
