/*
 * Sliding-window counters and token buckets.
 *
 * Each key keeps the times of its last max_events events in a ring, in
 * the order they were recorded and never decreasing (a step back of the
 * clock is folded into the ring before anything is appended).  The window
 * then holds max_events events exactly when the ring is full and its
 * oldest entry is still in the window, so a check is O(1) and the count
 * is exact, unlike a fixed-interval counter that lets twice the limit
 * through across an interval boundary.
 *
 * Keys live in a chained hash table and on one LRU list ordered by their
 * last recorded event.  That order puts the keys whose events have all
 * left the window at the tail, which is where eviction and the sweep
 * look, so both are O(1).
 */
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define RL_BUCKETS_MIN	16
/* Stale keys dropped per ratelimit_record: more than the one it adds. */
#define RL_SWEEP	2

struct rl_entry {
	TAILQ_ENTRY(rl_entry)	 lru;
	struct rl_entry		*next;		/* hash chain */
	uint64_t		 hash;
	unsigned		 head;		/* oldest event */
	unsigned		 count;
	size_t			 keylen;
	time_t			 ring[];	/* max_events, then the key */
};

TAILQ_HEAD(rl_lru, rl_entry);

struct ratelimit {
	unsigned		 max_events;
	unsigned		 window;
	size_t			 max_keys;
	size_t			 nkeys;
	size_t			 nbuckets;	/* power of two */
	size_t			 buckets_max;
	uint64_t		 k0, k1;
	struct rl_entry		**bucket;
	struct rl_lru		 lru;		/* most recent first */
};

static uint64_t
rl_splitmix(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static uint64_t
rl_rotl(uint64_t x, int b)
{
	return ((x << b) | (x >> (64 - b)));
}

static void
rl_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rl_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = rl_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rl_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rl_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rl_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = rl_rotl(v[2], 32);
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012). */
static uint64_t
rl_siphash(uint64_t k0, uint64_t k1, const unsigned char *m, size_t len)
{
	uint64_t	v[4], w, last = (uint64_t)len << 56;
	size_t		i, j, end = len - len % 8;

	v[0] = 0x736f6d6570736575ULL ^ k0;
	v[1] = 0x646f72616e646f6dULL ^ k1;
	v[2] = 0x6c7967656e657261ULL ^ k0;
	v[3] = 0x7465646279746573ULL ^ k1;
	for (i = 0; i < end; i += 8) {
		for (w = 0, j = 0; j < 8; j++)
			w |= (uint64_t)m[i + j] << (8 * j);
		v[3] ^= w;
		rl_sipround(v);
		rl_sipround(v);
		v[0] ^= w;
	}
	for (j = 0; j < len % 8; j++)
		last |= (uint64_t)m[end + j] << (8 * j);
	v[3] ^= last;
	rl_sipround(v);
	rl_sipround(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (j = 0; j < 4; j++)
		rl_sipround(v);
	return (v[0] ^ v[1] ^ v[2] ^ v[3]);
}

static char *
rl_key(const struct ratelimit *rl, struct rl_entry *e)
{
	return ((char *)(e->ring + rl->max_events));
}

/* Has an event at t left the window at now?  Never for t > now. */
static int
rl_expired(const struct ratelimit *rl, time_t t, time_t now)
{
	/* Unsigned: exact for t <= now, whatever the magnitudes. */
	return (t <= now && (uint64_t)now - (uint64_t)t >= rl->window);
}

static time_t
rl_newest(const struct ratelimit *rl, const struct rl_entry *e)
{
	return (e->ring[(e->head + e->count - 1) % rl->max_events]);
}

/*
 * Bring e to `now`: events recorded after now (the clock stepped back)
 * are moved to now, and events that left the window are dropped.
 */
static void
rl_settle(const struct ratelimit *rl, struct rl_entry *e, time_t now)
{
	unsigned	i, k;

	for (k = e->count; k > 0; k--) {
		i = (e->head + k - 1) % rl->max_events;
		if (e->ring[i] <= now)
			break;
		e->ring[i] = now;
	}
	while (e->count > 0 && rl_expired(rl, e->ring[e->head], now)) {
		e->head = (e->head + 1) % rl->max_events;
		e->count--;
	}
}

static struct rl_entry *
rl_find(const struct ratelimit *rl, const char *key, size_t len,
    uint64_t hash)
{
	struct rl_entry	*e;

	for (e = rl->bucket[hash & (rl->nbuckets - 1)]; e != NULL;
	    e = e->next)
		if (e->hash == hash && e->keylen == len &&
		    memcmp(rl_key(rl, e), key, len) == 0)
			return (e);
	return (NULL);
}

static struct rl_entry *
rl_lookup(const struct ratelimit *rl, const char *key)
{
	size_t	len = strnlen(key, RATELIMIT_KEY_MAX);

	return (rl_find(rl, key, len, rl_siphash(rl->k0, rl->k1,
	    (const unsigned char *)key, len)));
}

static void
rl_remove(struct ratelimit *rl, struct rl_entry *e)
{
	struct rl_entry	**pp;

	for (pp = &rl->bucket[e->hash & (rl->nbuckets - 1)]; *pp != e;
	    pp = &(*pp)->next)
		;
	*pp = e->next;
	TAILQ_REMOVE(&rl->lru, e, lru);
	rl->nkeys--;
	free(e);
}

/* Double the buckets while they are fewer than the keys; best effort. */
static void
rl_grow(struct ratelimit *rl)
{
	struct rl_entry	**nb, *e, *next;
	size_t		  n = rl->nbuckets * 2, i, b;

	if (rl->nkeys <= rl->nbuckets || rl->nbuckets >= rl->buckets_max)
		return;
	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < rl->nbuckets; i++)
		for (e = rl->bucket[i]; e != NULL; e = next) {
			next = e->next;
			b = e->hash & (n - 1);
			e->next = nb[b];
			nb[b] = e;
		}
	free(rl->bucket);
	rl->bucket = nb;
	rl->nbuckets = n;
}

struct ratelimit *
ratelimit_new(unsigned max_events, unsigned window_sec, size_t max_keys,
    uint64_t seed)
{
	struct ratelimit	*rl;

	if (max_events > RATELIMIT_EVENTS_MAX)
		return (NULL);
	if (max_events > 0 && (window_sec == 0 || max_keys == 0))
		return (NULL);
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return (NULL);
	rl->max_events = max_events;
	rl->window = window_sec;
	rl->max_keys = max_keys;
	TAILQ_INIT(&rl->lru);
	if (max_events == 0)
		return (rl);
	rl->k0 = rl_splitmix(&seed);
	rl->k1 = rl_splitmix(&seed);
	/* Enough buckets for max_keys at load 1, grown as keys come. */
	rl->buckets_max = RL_BUCKETS_MIN;
	while (rl->buckets_max < max_keys &&
	    rl->buckets_max <= SIZE_MAX / 2 / sizeof(*rl->bucket))
		rl->buckets_max *= 2;
	rl->nbuckets = RL_BUCKETS_MIN;
	if ((rl->bucket = calloc(rl->nbuckets, sizeof(*rl->bucket))) ==
	    NULL) {
		free(rl);
		return (NULL);
	}
	return (rl);
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct rl_entry	*e;

	if (rl == NULL)
		return;
	while ((e = TAILQ_FIRST(&rl->lru)) != NULL) {
		TAILQ_REMOVE(&rl->lru, e, lru);
		free(e);
	}
	free(rl->bucket);
	free(rl);
}

int
ratelimit_allowed(struct ratelimit *rl, const char *key, time_t now)
{
	return (ratelimit_retry_after(rl, key, now) == 0);
}

unsigned
ratelimit_retry_after(struct ratelimit *rl, const char *key, time_t now)
{
	struct rl_entry	*e;

	if (rl->max_events == 0 || (e = rl_lookup(rl, key)) == NULL)
		return (0);
	rl_settle(rl, e, now);
	if (e->count == 0) {
		rl_remove(rl, e);
		return (0);
	}
	if (e->count < rl->max_events)
		return (0);
	/* Settled: the oldest event is in (now - window, now]. */
	return (rl->window - (unsigned)((uint64_t)now -
	    (uint64_t)e->ring[e->head]));
}

void
ratelimit_record(struct ratelimit *rl, const char *key, time_t now)
{
	struct rl_entry	*e, *old;
	size_t		 len, b;
	uint64_t	 hash;
	int		 i;

	if (rl->max_events == 0)
		return;
	for (i = 0; i < RL_SWEEP; i++) {
		old = TAILQ_LAST(&rl->lru, rl_lru);
		if (old == NULL || !rl_expired(rl, rl_newest(rl, old), now))
			break;
		rl_remove(rl, old);
	}

	len = strnlen(key, RATELIMIT_KEY_MAX);
	hash = rl_siphash(rl->k0, rl->k1, (const unsigned char *)key, len);
	if ((e = rl_find(rl, key, len, hash)) != NULL) {
		rl_settle(rl, e, now);
		TAILQ_REMOVE(&rl->lru, e, lru);
	} else {
		if (rl->nkeys >= rl->max_keys)
			rl_remove(rl, TAILQ_LAST(&rl->lru, rl_lru));
		e = malloc(offsetof(struct rl_entry, ring) +
		    rl->max_events * sizeof(time_t) + len + 1);
		if (e == NULL)
			return;
		e->hash = hash;
		e->head = 0;
		e->count = 0;
		e->keylen = len;
		memcpy(rl_key(rl, e), key, len);
		rl_key(rl, e)[len] = '\0';
		b = hash & (rl->nbuckets - 1);
		e->next = rl->bucket[b];
		rl->bucket[b] = e;
		rl->nkeys++;
	}
	TAILQ_INSERT_HEAD(&rl->lru, e, lru);

	if (e->count < rl->max_events) {
		e->ring[(e->head + e->count) % rl->max_events] = now;
		e->count++;
	} else {
		e->ring[e->head] = now;
		e->head = (e->head + 1) % rl->max_events;
	}
	rl_grow(rl);
}

void
ratelimit_unrecord(struct ratelimit *rl, const char *key, time_t when,
    time_t now)
{
	struct rl_entry	*e;
	unsigned	 k;

	if (rl->max_events == 0 || (e = rl_lookup(rl, key)) == NULL)
		return;
	rl_settle(rl, e, now);
	for (k = e->count; k > 0; k--)
		if (e->ring[(e->head + k - 1) % rl->max_events] <= when)
			break;
	if (k > 0) {
		/* Close the gap, keeping the ring in recording order. */
		for (; k < e->count; k++)
			e->ring[(e->head + k - 1) % rl->max_events] =
			    e->ring[(e->head + k) % rl->max_events];
		e->count--;
	}
	if (e->count == 0)
		rl_remove(rl, e);
}

void
ratelimit_forget(struct ratelimit *rl, const char *key)
{
	struct rl_entry	*e;

	if (rl->max_events > 0 && (e = rl_lookup(rl, key)) != NULL)
		rl_remove(rl, e);
}

size_t
ratelimit_keys(const struct ratelimit *rl)
{
	return (rl->nkeys);
}

void
token_bucket_init(struct token_bucket *tb, double rate_per_sec,
    double burst, uint64_t now_ms)
{
	tb->rate = rate_per_sec > 0 ? rate_per_sec : 0;
	tb->burst = burst >= 1 ? burst : 1;
	tb->tokens = tb->burst;
	tb->last_ms = now_ms;
}

/*
 * Tokens within this of a whole one count as one, and waits aim at half
 * of it: rounding in the refill arithmetic must not leave a caller who
 * waited exactly as told short of a token by 1e-16 and make it wait
 * another millisecond.
 */
#define TB_EPSILON	1e-9

uint64_t
token_bucket_take(struct token_bucket *tb, uint64_t now_ms)
{
	double		wait;
	uint64_t	ms;

	if (!(tb->rate > 0))
		return (0);
	if (now_ms > tb->last_ms) {
		tb->tokens += (double)(now_ms - tb->last_ms) * tb->rate /
		    1000.0;
		if (!(tb->tokens <= tb->burst))
			tb->tokens = tb->burst;
	}
	/* Backwards too: refilling from the earlier time on is all we can
	   do without either crediting or withholding the step. */
	tb->last_ms = now_ms;
	if (tb->tokens >= 1 - TB_EPSILON) {
		tb->tokens -= 1;
		if (tb->tokens < 0)
			tb->tokens = 0;
		return (0);
	}
	wait = (1 - TB_EPSILON / 2 - tb->tokens) * 1000.0 / tb->rate;
	if (!(wait < (double)TOKEN_BUCKET_WAIT_MAX))
		return (TOKEN_BUCKET_WAIT_MAX);
	/* Rounded up, so that a token is there when the wait is over. */
	ms = (uint64_t)wait;
	if ((double)ms < wait)
		ms++;
	return (ms > 0 ? ms : 1);
}
