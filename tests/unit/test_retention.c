/*
 * Retention (server/core/retention.c): the last matching [expire] rule
 * wins, max_articles keeps the newest, a dry run counts and changes
 * nothing, history of expired articles is purged in the same pass, and
 * the moderation queue has its own age limit.  Arrival times are set by
 * the test, so "old" is exact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "config.h"
#include "retention.h"
#include "store.h"
#include "store_test.h"

static void
rule(struct config_expire *r, const char *groups, int days, uint64_t max)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", groups);
	snprintf(r->groups, sizeof(r->groups), "%s", groups);
	r->days = days;
	r->max_articles = max;
}

static uint32_t
count(struct store *st, const char *group)
{
	struct store_group	g;

	assert_int_equal(store_group_get(st, group, &g), STORE_OK);
	return (g.count);
}

static int
has_cb(const char *wire, size_t len, const struct store_article_info *info,
    void *arg)
{
	return (0);
}

static int
has(struct store *st, const char *msgid)
{
	return (store_article_get(st, msgid, has_cb, NULL) == STORE_OK);
}

/* Groups a.keep, a.go, b.max, c.none; five articles each: numbers 1-5,
   1-3 old (arrival 100 + i), 4-5 new (now). */
static void
fill(struct store *st)
{
	const char	*groups[] = { "a.keep", "a.go", "b.max", "c.none" };
	int64_t		 now = (int64_t)time(NULL);
	char		 id[64];
	size_t		 g;
	int		 i;

	for (g = 0; g < 4; g++) {
		assert_int_equal(store_group_create(st, groups[g], 'y', NULL,
		    NULL, 0), STORE_OK);
		for (i = 1; i <= 5; i++) {
			snprintf(id, sizeof(id), "<%d@%s>", i, groups[g]);
			assert_int_equal(st_post(st, id, groups[g], NULL,
			    i <= 3 ? 100 + i : now), STORE_OK);
		}
	}
}

static void
test_last_rule_wins(void **state)
{
	struct st_fixture	*f = *state;
	struct config_expire	 r[3];
	struct retention_totals	 tot;

	fill(f->st);
	rule(&r[0], "a.*,b.*", 10, 0);	/* old ones go ... */
	rule(&r[1], "a.keep", -1, 0);	/* ... but a.keep is kept */
	rule(&r[2], "b.*", -1, 2);	/* b.max: newest two, whatever age */
	assert_ptr_equal(retention_rule(r, 3, "a.keep"), &r[1]);
	assert_ptr_equal(retention_rule(r, 3, "a.go"), &r[0]);
	assert_ptr_equal(retention_rule(r, 3, "b.max"), &r[2]);
	assert_null(retention_rule(r, 3, "c.none"));

	assert_int_equal(retention_run(f->st, r, 3, 0, 0, NULL, NULL, NULL,
	    &tot), STORE_OK);
	assert_int_equal(count(f->st, "a.keep"), 5);
	assert_int_equal(count(f->st, "a.go"), 2);
	assert_int_equal(count(f->st, "b.max"), 2);
	assert_int_equal(count(f->st, "c.none"), 5);
	assert_false(has(f->st, "<3@a.go>"));
	assert_true(has(f->st, "<4@a.go>"));
	/* max_articles keeps the highest numbers: 4 and 5. */
	assert_false(has(f->st, "<3@b.max>"));
	assert_true(has(f->st, "<4@b.max>"));
	assert_true(has(f->st, "<5@b.max>"));
	assert_true(has(f->st, "<1@a.keep>"));
	assert_int_equal(tot.st.numbers_removed, 6);
	assert_int_equal(tot.st.articles_removed, 6);
	/* Their history went in the same pass: arrival 1970 is older than
	   history_days, and the articles are gone. */
	assert_int_equal(tot.st.history_purged, 6);
	assert_int_equal(store_history_lookup(f->st, "<1@a.go>", NULL), STORE_NOTFOUND);
	/* Kept articles keep their history. */
	assert_int_equal(store_history_lookup(f->st, "<1@a.keep>", NULL), STORE_EXISTS);
}

static void
test_dry_run_changes_nothing(void **state)
{
	struct st_fixture	*f = *state;
	struct config_expire	 r[2];
	struct retention_totals	 tot, again;

	fill(f->st);
	rule(&r[0], "*", 10, 0);
	rule(&r[1], "b.max", 10, 1);
	assert_int_equal(retention_run(f->st, r, 2, 0, 1, NULL, NULL, NULL,
	    &tot), STORE_OK);
	/* 3 old in each of 3 groups, 4 in b.max (max 1). */
	assert_int_equal(tot.st.numbers_removed, 13);
	assert_int_equal(tot.st.articles_removed, 13);
	assert_int_equal(tot.st.history_purged, 0);	/* nothing gone yet */
	assert_int_equal(count(f->st, "a.go"), 5);
	assert_int_equal(count(f->st, "b.max"), 5);
	assert_true(has(f->st, "<1@a.go>"));
	/* The real pass removes exactly what the dry run announced. */
	assert_int_equal(retention_run(f->st, r, 2, 0, 0, NULL, NULL, NULL,
	    &again), STORE_OK);
	assert_int_equal(again.st.numbers_removed, 13);
	assert_int_equal(count(f->st, "b.max"), 1);
	assert_true(has(f->st, "<5@b.max>"));
}

static void
test_crosspost_stays_while_filed(void **state)
{
	struct st_fixture	*f = *state;
	struct config_expire	 r[2];
	struct retention_totals	 tot;

	assert_int_equal(store_group_create(f->st, "x.a", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_group_create(f->st, "x.b", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<x@x>", "x.a,x.b", NULL, 100),
	    STORE_OK);
	rule(&r[0], "*", 10, 0);
	rule(&r[1], "x.b", -1, 0);
	assert_int_equal(retention_run(f->st, r, 2, 0, 0, NULL, NULL, NULL,
	    &tot), STORE_OK);
	assert_int_equal(count(f->st, "x.a"), 0);
	assert_int_equal(count(f->st, "x.b"), 1);
	assert_true(has(f->st, "<x@x>"));
	assert_int_equal(tot.st.articles_removed, 0);
}

static enum store_status
queue_post(struct store *st, const char *msgid, int64_t when)
{
	struct tart		t;
	enum store_status	s;

	tart_make(&t, msgid, "m.g", NULL, NULL, 0, when);
	t.a.moderate = 1;
	t.a.submitter = "joe";
	s = tart_put(st, &t);
	tart_free(&t);
	return (s);
}

static void
test_modq_age_limit(void **state)
{
	struct st_fixture	*f = *state;
	struct retention_totals	 tot;
	uint64_t		 id;
	int64_t			 now = (int64_t)time(NULL);

	assert_int_equal(store_group_create(f->st, "m.g", 'm', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(queue_post(f->st, "<old@q>", now - 3 * 86400),
	    STORE_OK);
	assert_int_equal(queue_post(f->st, "<new@q>", now - 3600), STORE_OK);
	/* 0: the queue is kept whatever its age. */
	assert_int_equal(retention_run(f->st, NULL, 0, 0, 0, NULL, NULL, NULL,
	    &tot), STORE_OK);
	assert_int_equal(tot.modq_removed, 0);
	assert_int_equal(store_modq_lookup(f->st, "<old@q>", &id), STORE_OK);
	/* Dry run: counted, kept. */
	assert_int_equal(retention_run(f->st, NULL, 0, 2, 1, NULL, NULL, NULL,
	    &tot), STORE_OK);
	assert_int_equal(tot.modq_removed, 1);
	assert_int_equal(store_modq_lookup(f->st, "<old@q>", &id), STORE_OK);
	assert_int_equal(retention_run(f->st, NULL, 0, 2, 0, NULL, NULL, NULL,
	    &tot), STORE_OK);
	assert_int_equal(tot.modq_removed, 1);
	assert_int_equal(store_modq_lookup(f->st, "<old@q>", &id),
	    STORE_NOTFOUND);
	assert_int_equal(store_modq_lookup(f->st, "<new@q>", &id), STORE_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_last_rule_wins,
		    st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_changes_nothing,
		    st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_crosspost_stays_while_filed,
		    st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_modq_age_limit,
		    st_setup, st_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
