/*
 * The moderation queue in the store: queued in store_put_batch's
 * transaction, refused when the Message-ID is known or queued, listed,
 * approved, removed, and forgotten when its article is stored; a version
 * 2 store made before the queue existed still opens (and gets one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store.h"
#include "store_test.h"

struct seen {
	size_t		 n;
	uint64_t	 ids[8];
	char		 states[8];
	char		 groups[8][64];
	char		 approver[8][64];
	size_t		 wire_len[8];
};

static int
seen_cb(const struct store_modq_entry *e, void *arg)
{
	struct seen	*s = arg;

	if (s->n == 8)
		return (1);
	s->ids[s->n] = e->id;
	s->states[s->n] = e->state;
	snprintf(s->groups[s->n], sizeof(s->groups[0]), "%s", e->groups);
	snprintf(s->approver[s->n], sizeof(s->approver[0]), "%s",
	    e->approver);
	s->wire_len[s->n] = e->wire_len;
	s->n++;
	return (0);
}

static enum store_status
queue_post(struct store *st, const char *msgid, const char *groups,
    uint64_t *id)
{
	struct tart		t;
	enum store_status	s;

	tart_make(&t, msgid, groups, NULL, NULL, 0, 100);
	t.a.moderate = 1;
	t.a.submitter = "joe";
	s = tart_put(st, &t);
	if (id != NULL)
		*id = t.a.queue_id;
	/* Queued, not stored: no numbers. */
	assert_int_equal(t.nums[0], 0);
	tart_free(&t);
	return (s);
}

static void
test_modq_round_trip(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	struct seen		 s;
	uint64_t		 id1, id2, id;

	assert_int_equal(store_group_create(f->st, "m.a", 'm', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_group_create(f->st, "m.b", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(queue_post(f->st, "<q1@x>", "m.a,m.b", &id1),
	    STORE_OK);
	assert_int_equal(queue_post(f->st, "<q2@x>", "m.a", &id2), STORE_OK);
	assert_true(id2 > id1);
	/* Queued twice: refused; in no group, not in history. */
	assert_int_equal(queue_post(f->st, "<q1@x>", "m.a", NULL),
	    STORE_EXISTS);
	assert_int_equal(store_group_get(f->st, "m.a", &g), STORE_OK);
	assert_int_equal(g.count, 0);
	assert_int_equal(store_history_lookup(f->st, "<q1@x>", NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_modq_lookup(f->st, "<q1@x>", &id), STORE_OK);
	assert_int_equal(id, id1);
	assert_int_equal(store_modq_lookup(f->st, "<none@x>", &id),
	    STORE_NOTFOUND);

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_modq_foreach(f->st, seen_cb, &s), STORE_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], id1);
	assert_int_equal(s.states[0], 'q');
	assert_string_equal(s.groups[0], "m.a,m.b");
	assert_string_equal(s.approver[0], "");
	assert_true(s.wire_len[0] > 0);

	assert_int_equal(store_modq_approve(f->st, id1, "mod"), STORE_OK);
	assert_int_equal(store_modq_approve(f->st, 999999, "mod"),
	    STORE_NOTFOUND);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_modq_get(f->st, id1, seen_cb, &s), STORE_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.states[0], 'a');
	assert_string_equal(s.approver[0], "mod");

	/* Storing the article removes its entry in the same transaction. */
	assert_int_equal(st_post(f->st, "<q1@x>", "m.a,m.b", NULL, 200),
	    STORE_OK);
	assert_int_equal(store_modq_lookup(f->st, "<q1@x>", NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_modq_get(f->st, id1, seen_cb, &s),
	    STORE_NOTFOUND);
	/* Known now: it cannot be queued again. */
	assert_int_equal(queue_post(f->st, "<q1@x>", "m.a", NULL),
	    STORE_EXISTS);

	/* Reject: removed, then nothing to remove. */
	assert_int_equal(store_modq_remove(f->st, id2), STORE_OK);
	assert_int_equal(store_modq_remove(f->st, id2), STORE_NOTFOUND);
	assert_int_equal(store_modq_lookup(f->st, "<q2@x>", NULL),
	    STORE_NOTFOUND);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_modq_foreach(f->st, seen_cb, &s), STORE_OK);
	assert_int_equal(s.n, 0);
	/* A rejected Message-ID may be posted again. */
	assert_int_equal(queue_post(f->st, "<q2@x>", "m.a", &id), STORE_OK);
	assert_true(id > id2);
}

/* The queue survives closing and opening the store. */
static void
test_modq_reopen(void **state)
{
	struct st_fixture	*f = *state;
	uint64_t		 id, id2;

	assert_int_equal(store_group_create(f->st, "m.a", 'm', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(queue_post(f->st, "<r1@x>", "m.a", &id), STORE_OK);
	store_close(f->st);
	st_open(f);
	assert_int_equal(store_modq_lookup(f->st, "<r1@x>", &id2), STORE_OK);
	assert_int_equal(id, id2);
}

/* A version 2 store without the modq database opens and gets it. */
static void
test_modq_missing_database_created(void **state)
{
	struct st_fixture	*f = *state;
	struct seen		 s;

	assert_int_equal(store_group_create(f->st, "m.a", 'm', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<old@x>", "m.a", NULL, 100),
	    STORE_OK);
	assert_int_equal(store_debug_drop_modq(f->st), STORE_OK);
	store_close(f->st);
	st_open(f);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_modq_foreach(f->st, seen_cb, &s), STORE_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(queue_post(f->st, "<new@x>", "m.a", NULL), STORE_OK);
	assert_int_equal(store_history_lookup(f->st, "<old@x>", NULL),
	    STORE_EXISTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, st_setup, st_teardown)
		T(test_modq_round_trip),
		T(test_modq_reopen),
		T(test_modq_missing_database_created),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
