/* Unit tests for server/policy/password.c and server/policy/pwcheck.c. */
#include <event2/event.h>
#include <event2/thread.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "password.h"
#include "pwcheck.h"
#include "store.h"

/* The cheapest cost allowed: these tests are about format, not cost. */
#define FAST	10

/* RFC 7914 section 12, the third test vector, in our format. */
static const char rfc7914[] = "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
    "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A"
    "1lHkDfzwF7RVdYhw";

static void
hash_fast(const char *pw, char *out, size_t outlen)
{
	assert_int_equal(password_hash(pw, strlen(pw), FAST, out, outlen), 0);
}

static void
test_round_trip(void **state)
{
	char	h[PASSWORD_HASH_MAX];

	hash_fast("correct horse", h, sizeof(h));
	assert_true(strncmp(h, "$scrypt$ln=10,r=8,p=1$", 22) == 0);
	assert_true(strlen(h) < PASSWORD_HASH_MAX);
	assert_int_equal(password_verify("correct horse", 13, h), 1);
	assert_int_equal(password_verify("correct horsE", 13, h), 0);
	assert_int_equal(password_verify("correct hors", 12, h), 0);
	assert_int_equal(password_verify("correct horse ", 14, h), 0);
	assert_int_equal(password_verify("", 0, h), 0);
}

/* The length is part of the password: a NUL does not end it. */
static void
test_binary_password(void **state)
{
	char	h[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash("a\0b", 3, FAST, h, sizeof(h)), 0);
	assert_int_equal(password_verify("a\0b", 3, h), 1);
	assert_int_equal(password_verify("a\0c", 3, h), 0);
	assert_int_equal(password_verify("a", 1, h), 0);
}

static void
test_default_cost(void **state)
{
	char	h[PASSWORD_HASH_MAX];
	char	prefix[64];

	assert_int_equal(password_hash("pw", 2, PASSWORD_LOG2N_DEFAULT, h,
	    sizeof(h)), 0);
	snprintf(prefix, sizeof(prefix), "$scrypt$ln=%u,r=8,p=1$",
	    PASSWORD_LOG2N_DEFAULT);
	assert_true(strncmp(h, prefix, strlen(prefix)) == 0);
	assert_true(strlen(h) <= STORE_HASH_MAX);
	assert_int_equal(password_verify("pw", 2, h), 1);
	assert_int_equal(password_verify("pW", 2, h), 0);
}

static void
test_salted(void **state)
{
	char	h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	hash_fast("same", h1, sizeof(h1));
	hash_fast("same", h2, sizeof(h2));
	assert_string_not_equal(h1, h2);
	/* Salt and key both differ, not just one of them. */
	assert_true(strncmp(h1, h2, 22 + 22) != 0);
	assert_string_not_equal(strrchr(h1, '$'), strrchr(h2, '$'));
	assert_int_equal(password_verify("same", 4, h1), 1);
	assert_int_equal(password_verify("same", 4, h2), 1);
}

/* Interoperability: a standard scrypt result, parameters of our choosing. */
static void
test_known_answer(void **state)
{
	assert_int_equal(password_verify("pleaseletmein", 13, rfc7914), 1);
	assert_int_equal(password_verify("pleaseletmeim", 13, rfc7914), 0);
}

/* A key wrong in any one place is no match: the whole key is compared. */
static void
test_tampered_key(void **state)
{
	char	h[PASSWORD_HASH_MAX];
	size_t	len, key, i;
	char	was;

	hash_fast("pw", h, sizeof(h));
	len = strlen(h);
	key = (size_t)(strrchr(h, '$') - h) + 1;
	/* Not the last character: it carries bits that must be zero. */
	for (i = key; i + 1 < len; i++) {
		was = h[i];
		h[i] = was == 'A' ? 'B' : 'A';
		if (password_verify("pw", 2, h) != 0)
			fail_msg("key changed at %zu: not a clean mismatch",
			    i - key);
		h[i] = was;
	}
	assert_int_equal(password_verify("pw", 2, h), 1);
}

static void
test_hash_limits(void **state)
{
	char	h[PASSWORD_HASH_MAX];
	size_t	len;

	assert_int_equal(password_hash("x", 1, 9, h, sizeof(h)), -1);
	assert_int_equal(password_hash("x", 1, 21, h, sizeof(h)), -1);
	/* ln 19 at r = 8 takes 512 MiB: over PASSWORD_COST_MAX. */
	assert_int_equal(password_hash("x", 1, 19, h, sizeof(h)), -1);
	assert_int_equal(password_hash("x", 1, 40, h, sizeof(h)), -1);
	hash_fast("x", h, sizeof(h));
	len = strlen(h);
	assert_int_equal(password_hash("x", 1, FAST, h, len), -1);
	assert_int_equal(password_hash("x", 1, FAST, h, len + 1), 0);
	assert_int_equal(strlen(h), len);
	assert_int_equal(password_hash("x", 1, FAST, h, 0), -1);
}

/* Unknown user: no match, and no crash on any password. */
static void
test_verify_no_user(void **state)
{
	assert_int_equal(password_verify("anything", 8, NULL), 0);
	assert_int_equal(password_verify("", 0, NULL), 0);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"$",
		"$scrypt$",
		"scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt2$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$2b$10$abcdefghijklmnopqrstuv",
		"plaintext",
		/* absurd or out-of-range parameters */
		"$scrypt$ln=40,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=9,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=21,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=4294967306,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=010,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=-10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=0,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=33,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=0$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=17$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		/* each bound allowed, together gigabytes: the cost cap */
		"$scrypt$ln=20,r=32,p=16$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=20,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		/* scrypt needs N < 2^(16 r) */
		"$scrypt$ln=16,r=1,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		/* missing, reordered, doubled or extra fields */
		"$scrypt$ln=10,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$r=8,ln=10,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1,x=3$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10 ,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$",
		"$scrypt$ln=10,r=8,p=1$$cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ$",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ$x",
		/* bad base64: outside the alphabet, padding, stray bits */
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3Jp!GU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ=",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGV$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7q Q",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQ\n",
		/* truncated: impossible length, too short a salt or key */
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "cCO9yzr9c0hGHAbNgf046/2o+7qQc",
		"$scrypt$ln=10,r=8,p=1$U29kaXVt$cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbN",
		/* too long a salt or key (65 octets) */
		"$scrypt$ln=10,r=8,p=1$"
		    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
		    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE"
		    "$cCO9yzr9c0hGHAbNgf046/2o+7qQ",
		"$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
		    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
		    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE",
	};
	char	h[PASSWORD_HASH_MAX], cut[PASSWORD_HASH_MAX];
	size_t	i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (password_verify("pw", 2, bad[i]) != -1)
			fail_msg("accepted as a hash: \"%s\"", bad[i]);
	/*
	 * Every prefix of a good hash that leaves less than a 16-octet key
	 * (22 characters of the 43) is malformed.  Longer cuts are not
	 * tested: scrypt's output for a shorter length is a prefix of the
	 * longer one, so a cut on an octet boundary is a valid, shorter key.
	 */
	hash_fast("pw", h, sizeof(h));
	len = strlen(h);
	assert_true(len > 43);
	for (i = 0; i + 22 <= len; i++) {
		memcpy(cut, h, i);
		cut[i] = '\0';
		if (password_verify("pw", 2, cut) != -1)
			fail_msg("accepted as a hash: \"%s\"", cut);
	}
}

/* Lowest and highest parameters the parser takes, within the cost cap. */
static void
test_bounds_accepted(void **state)
{
	static const char *ok[] = {
		"$scrypt$ln=10,r=1,p=1$QUFBQUFBQUE$QUFBQUFBQUFBQUFBQUFBQQ",
		"$scrypt$ln=10,r=32,p=16$QUFBQUFBQUE$QUFBQUFBQUFBQUFBQUFBQQ",
		"$scrypt$ln=15,r=1,p=1$QUFBQUFBQUE$QUFBQUFBQUFBQUFBQUFBQQ",
		/* exactly PASSWORD_COST_MAX */
		"$scrypt$ln=20,r=2,p=1$QUFBQUFBQUE$QUFBQUFBQUFBQUFBQUFBQQ",
	};
	size_t	i;

	/* Well formed, wrong key: 0, not -1. */
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (password_verify("pw", 2, ok[i]) != 0)
			fail_msg("refused: \"%s\"", ok[i]);
}

static void
test_acceptable(void **state)
{
	char		 long_pw[PASSWORD_MAX + 2];
	const char	*why;

	memset(long_pw, 'a', sizeof(long_pw));
	assert_int_equal(password_acceptable("a", 1, &why), 1);
	assert_null(why);
	assert_int_equal(password_acceptable("with space\tand tab", 18, &why),
	    1);
	assert_int_equal(password_acceptable("p\xc3\xa4ss", 5, &why), 1);
	assert_int_equal(password_acceptable(long_pw, PASSWORD_MAX, &why), 1);
	assert_int_equal(password_acceptable(long_pw, PASSWORD_MAX + 1, &why),
	    0);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(password_acceptable("", 0, &why), 0);
	assert_non_null(why);
	assert_int_equal(password_acceptable("a\rb", 3, &why), 0);
	assert_int_equal(password_acceptable("a\nb", 3, &why), 0);
	assert_int_equal(password_acceptable("ab\r\n", 4, &why), 0);
	assert_int_equal(password_acceptable("a\0b", 3, &why), 0);
	assert_int_equal(password_acceptable("x", 1, NULL), 1);
}

/* ---- pwcheck ---------------------------------------------------------- */

struct loop {
	struct event_base	*base;
	struct event		*guard;
	int			 expected;
	int			 calls;
	int			 timed_out;
	int			 unwiped;
	int			 results[16];
	int			 seen[16];
};

/* A bound on the wait, so a lost completion fails instead of hanging. */
static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop	*l = arg;

	l->timed_out = 1;
	event_base_loopbreak(l->base);
}

static void
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	assert_non_null(l->base = event_base_new());
	assert_non_null(l->guard = evtimer_new(l->base, guard_cb, l));
}

static void
loop_run(struct loop *l)
{
	struct timeval	tv = { 120, 0 };

	if (l->calls >= l->expected)
		return;
	evtimer_add(l->guard, &tv);
	event_base_dispatch(l->base);
	evtimer_del(l->guard);
	assert_false(l->timed_out);
}

static void
loop_free(struct loop *l)
{
	event_free(l->guard);
	event_base_free(l->base);
}

struct tag {
	struct loop	*loop;
	int		 index;
};

static struct tag	tags[16];
static struct pwcheck	*cancel_pc;
static struct pwcheck_job *cancel_victim;

static void
job_done(struct pwcheck_job *job, void *arg)
{
	struct tag	*t = arg;
	struct loop	*l = t->loop;
	size_t		 i;

	for (i = 0; i < sizeof(job->password); i++)
		if (job->password[i] != '\0')
			l->unwiped++;
	l->results[t->index] = job->result;
	if (job == cancel_victim)
		cancel_victim = NULL;
	l->seen[t->index]++;
	free(job);
	if (++l->calls == l->expected)
		event_base_loopbreak(l->base);
}

static int
taken_one(const struct pwcheck_counts *c, unsigned n)
{
	return (c->queued < n);
}

static int
checked_n(const struct pwcheck_counts *c, unsigned n)
{
	return (c->checked == n);
}

/* Wait for the threads to reach a state; bounded, so a hang fails. */
static void
wait_counts(struct pwcheck *pc, int (*ok)(const struct pwcheck_counts *,
    unsigned), unsigned n)
{
	struct pwcheck_counts	c;
	struct timespec		nap = { 0, 1000000 };
	int			i;

	for (i = 0; i < 120000; i++) {
		pwcheck_counts(pc, &c);
		if (ok(&c, n))
			return;
		nanosleep(&nap, NULL);
	}
	fail_msg("pwcheck stuck at %u queued, %u running, %u checked",
	    c.queued, c.running, c.checked);
}

static void
assert_counts(struct pwcheck *pc, unsigned queued, unsigned running,
    unsigned checked)
{
	struct pwcheck_counts	c;

	pwcheck_counts(pc, &c);
	assert_int_equal(c.queued, queued);
	assert_int_equal(c.running, running);
	assert_int_equal(c.checked, checked);
}

static struct pwcheck_job *
job_new(struct loop *l, int index, const char *pw, size_t pwlen,
    const char *stored)
{
	struct pwcheck_job	*job;

	assert_non_null(job = calloc(1, sizeof(*job)));
	assert_true(strlen(stored) < sizeof(job->stored));
	strcpy(job->stored, stored);
	if (pwlen <= sizeof(job->password))
		memcpy(job->password, pw, pwlen);
	else
		memset(job->password, 'x', sizeof(job->password));
	job->pwlen = pwlen;
	tags[index].loop = l;
	tags[index].index = index;
	job->done = job_done;
	job->arg = &tags[index];
	return (job);
}

static void
test_pwcheck_results(void **state)
{
	struct loop	 l;
	struct pwcheck	*pc;
	char		 h[PASSWORD_HASH_MAX];
	static const int want[] = { 1, 0, 0, -1, 0, 1, 0 };
	int		 i;

	hash_fast("right", h, sizeof(h));
	loop_init(&l);
	assert_non_null(pc = pwcheck_start(l.base, 2, 16));
	l.expected = 7;
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 0, "right", 5, h)), 0);
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 1, "wrong", 5, h)), 0);
	/* No such user: the dummy hash, no match even for "". */
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 2, "right", 5, "")),
	    0);
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 3, "right", 5,
	    "$scrypt$garbage")), 0);
	/* pwlen beyond the buffer cannot match, whatever the buffer holds. */
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 4, "right", 300, h)),
	    0);
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 5, "pleaseletmein",
	    13, rfc7914)), 0);
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 6, "", 0, h)), 0);
	loop_run(&l);
	assert_int_equal(l.calls, 7);
	for (i = 0; i < 7; i++) {
		assert_int_equal(l.seen[i], 1);
		if (l.results[i] != want[i])
			fail_msg("job %d: result %d, expected %d", i,
			    l.results[i], want[i]);
	}
	assert_int_equal(l.unwiped, 0);
	pwcheck_stop(pc);
	loop_free(&l);
}

/* Pending jobs are bounded: nthreads + max_queued until reported. */
static void
test_pwcheck_queue_full(void **state)
{
	struct loop		 l;
	struct pwcheck		*pc;
	struct pwcheck_job	*extra;
	char			 h[PASSWORD_HASH_MAX];
	int			 i;

	hash_fast("pw", h, sizeof(h));
	loop_init(&l);
	assert_non_null(pc = pwcheck_start(l.base, 1, 2));
	for (i = 0; i < 3; i++)
		assert_int_equal(pwcheck_submit(pc, job_new(&l, i, "pw", 2,
		    h)), 0);
	/* The loop has not run, so nothing was reported: still full,
	   even once all three are checked. */
	extra = job_new(&l, 3, "pw", 2, h);
	assert_int_equal(pwcheck_submit(pc, extra), -1);
	wait_counts(pc, checked_n, 3);
	assert_counts(pc, 0, 0, 3);
	assert_int_equal(pwcheck_submit(pc, extra), -1);
	l.expected = 3;
	loop_run(&l);
	assert_counts(pc, 0, 0, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(l.results[i], 1);
	/* Reported jobs free their places. */
	assert_int_equal(pwcheck_submit(pc, extra), 0);
	l.expected = 4;
	loop_run(&l);
	assert_int_equal(l.results[3], 1);
	assert_int_equal(l.seen[3], 1);
	pwcheck_stop(pc);
	loop_free(&l);
}

/*
 * Cancelled jobs never report and are freed (ASan checks the leaks): b
 * while queued, a while being checked (or just after: it is slow).
 */
static void
test_pwcheck_cancel(void **state)
{
	struct loop		 l;
	struct pwcheck		*pc;
	struct pwcheck_job	*a, *b;
	char			 h[PASSWORD_HASH_MAX];

	hash_fast("pw", h, sizeof(h));
	loop_init(&l);
	assert_non_null(pc = pwcheck_start(l.base, 1, 8));
	a = job_new(&l, 0, "pw", 2, "");
	b = job_new(&l, 1, "pw", 2, h);
	assert_int_equal(pwcheck_submit(pc, a), 0);
	assert_int_equal(pwcheck_submit(pc, b), 0);
	assert_int_equal(pwcheck_submit(pc, job_new(&l, 2, "pw", 2, h)), 0);
	wait_counts(pc, taken_one, 3);
	pwcheck_cancel(pc, b);
	pwcheck_cancel(pc, a);
	l.expected = 1;
	loop_run(&l);
	assert_int_equal(l.seen[0], 0);
	assert_int_equal(l.seen[1], 0);
	assert_int_equal(l.seen[2], 1);
	assert_int_equal(l.results[2], 1);
	pwcheck_stop(pc);
	loop_free(&l);
}

/* Checked, not yet reported: cancel takes it off the done list. */
static void
test_pwcheck_cancel_checked(void **state)
{
	struct loop		 l;
	struct pwcheck		*pc;
	struct pwcheck_job	*a;
	char			 h[PASSWORD_HASH_MAX];

	hash_fast("pw", h, sizeof(h));
	loop_init(&l);
	assert_non_null(pc = pwcheck_start(l.base, 1, 8));
	a = job_new(&l, 0, "pw", 2, h);
	assert_int_equal(pwcheck_submit(pc, a), 0);
	wait_counts(pc, checked_n, 1);
	pwcheck_cancel(pc, a);
	assert_counts(pc, 0, 0, 0);
	/* The completion event is still active: it must find nothing. */
	event_base_loop(l.base, EVLOOP_NONBLOCK);
	assert_int_equal(l.calls, 0);
	pwcheck_stop(pc);
	loop_free(&l);
}

/* Cancel another job from a callback, whatever state it reached. */
static void
job_done_cancel(struct pwcheck_job *job, void *arg)
{
	if (cancel_victim != NULL) {
		pwcheck_cancel(cancel_pc, cancel_victim);
		cancel_victim = NULL;
	}
	job_done(job, arg);
}

static void
test_pwcheck_cancel_from_callback(void **state)
{
	struct loop		 l;
	struct pwcheck_job	*first;
	char			 h[PASSWORD_HASH_MAX];
	int			 round;

	hash_fast("pw", h, sizeof(h));
	loop_init(&l);
	assert_non_null(cancel_pc = pwcheck_start(l.base, 2, 8));
	for (round = 0; round < 8; round++) {
		memset(l.seen, 0, sizeof(l.seen));
		l.calls = 0;
		first = job_new(&l, 0, "pw", 2, h);
		first->done = job_done_cancel;
		cancel_victim = job_new(&l, 1, "pw", 2, h);
		assert_int_equal(pwcheck_submit(cancel_pc, first), 0);
		assert_int_equal(pwcheck_submit(cancel_pc, cancel_victim), 0);
		l.expected = 1;
		loop_run(&l);
		/* The victim may have been checked and reported first: then
		   first is still to come, with nothing left to cancel. */
		if (l.seen[1] == 1) {
			l.expected = 2;
			loop_run(&l);
		}
		assert_int_equal(l.seen[0], 1);
		assert_true(l.seen[1] <= 1);
		assert_null(cancel_victim);
	}
	pwcheck_stop(cancel_pc);
	loop_free(&l);
}

/* Stop with jobs unreported, running and queued: all freed, none reported. */
static void
test_pwcheck_stop_drops(void **state)
{
	struct loop	 l;
	struct pwcheck	*pc;
	char		 h[PASSWORD_HASH_MAX];
	int		 i;

	hash_fast("pw", h, sizeof(h));
	loop_init(&l);
	assert_non_null(pc = pwcheck_start(l.base, 1, 8));
	for (i = 0; i < 3; i++)
		assert_int_equal(pwcheck_submit(pc, job_new(&l, i, "pw", 2,
		    h)), 0);
	wait_counts(pc, checked_n, 3);
	for (i = 3; i < 9; i++)
		assert_int_equal(pwcheck_submit(pc, job_new(&l, i, "pw", 2,
		    i % 2 ? h : "")), 0);
	pwcheck_stop(pc);
	event_base_loop(l.base, EVLOOP_NONBLOCK);
	assert_int_equal(l.calls, 0);
	loop_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_binary_password),
		cmocka_unit_test(test_default_cost),
		cmocka_unit_test(test_salted),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_tampered_key),
		cmocka_unit_test(test_hash_limits),
		cmocka_unit_test(test_verify_no_user),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds_accepted),
		cmocka_unit_test(test_acceptable),
		cmocka_unit_test(test_pwcheck_results),
		cmocka_unit_test(test_pwcheck_queue_full),
		cmocka_unit_test(test_pwcheck_cancel),
		cmocka_unit_test(test_pwcheck_cancel_checked),
		cmocka_unit_test(test_pwcheck_cancel_from_callback),
		cmocka_unit_test(test_pwcheck_stop_drops),
	};

	/* As loomd does: completions are activated from other threads. */
	if (evthread_use_pthreads() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
