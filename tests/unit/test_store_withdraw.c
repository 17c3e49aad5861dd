/*
 * Withdrawing articles in the store: a cancel's withdraw in the batch's
 * transaction (out of every group, numbers not reused, history, a
 * placeholder while replies exist), Supersedes re-parenting the old
 * one's replies, cancels kept for targets that have not come (get,
 * apply, purge), store_article_withdraw.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store.h"
#include "store_test.h"

struct kids {
	size_t	n;
	char	id[8][64];
};

static int
kids_cb(const char *msgid, void *arg)
{
	struct kids	*k = arg;

	if (k->n < 8)
		snprintf(k->id[k->n++], sizeof(k->id[0]), "%s", msgid);
	return (0);
}

/* Post msgid withdrawing target (supersede or cancel). */
static enum store_status
post_withdrawing(struct store *st, const char *msgid, const char *groups,
    const char *refs, const char *target, int supersede, const char *keys,
    int *withdrawn)
{
	struct tart		t;
	enum store_status	s;

	tart_make(&t, msgid, groups, refs, NULL, 0, 200);
	t.a.withdraw = target;
	t.a.withdraw_supersede = supersede;
	t.a.withdraw_keys = keys;
	s = tart_put(st, &t);
	if (withdrawn != NULL)
		*withdrawn = t.a.withdrawn;
	tart_free(&t);
	return (s);
}

static void
test_cancel_removes_from_every_group(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	char			 mid[STORE_MSGID_MAX + 1];
	int			 w;

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_create(f->st, "c.d", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<t@x>", "a.b,c.d", NULL, 100),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<u@x>", "a.b", NULL, 101), STORE_OK);
	assert_int_equal(post_withdrawing(f->st, "<c@x>", "c.d", NULL, "<t@x>",
	    0, NULL, &w), STORE_OK);
	assert_int_equal(w, STORE_WITHDRAWN);
	assert_int_equal(store_article_get(f->st, "<t@x>", NULL, NULL),
	    STORE_NOTFOUND);
	/* Still seen: a peer's copy is a duplicate. */
	assert_int_equal(store_history_lookup(f->st, "<t@x>", NULL),
	    STORE_EXISTS);
	assert_int_equal(store_group_get(f->st, "a.b", &g), STORE_OK);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.low, 2);
	assert_int_equal(g.high, 2);
	assert_int_equal(store_number_lookup(f->st, g.id, 1, mid),
	    STORE_NOTFOUND);
	assert_int_equal(store_group_get(f->st, "c.d", &g), STORE_OK);
	/* The cancel took number 2; the target's 1 is not reused. */
	assert_int_equal(g.count, 1);
	assert_int_equal(g.high, 2);
	assert_int_equal(store_number_lookup(f->st, g.id, 1, mid),
	    STORE_NOTFOUND);
	assert_int_equal(store_number_lookup(f->st, g.id, 2, mid), STORE_OK);
	assert_string_equal(mid, "<c@x>");
	/* Again: nothing left to withdraw, and nothing is kept. */
	assert_int_equal(post_withdrawing(f->st, "<c2@x>", "c.d", NULL,
	    "<t@x>", 0, "sha256:abc", &w), STORE_OK);
	assert_int_equal(w, STORE_WITHDRAWN_NONE);
	assert_int_equal(store_cancel_pending_get(f->st, "<t@x>", NULL, 0,
	    NULL), STORE_NOTFOUND);
}

static void
test_cancelled_parent_stays_a_placeholder(void **state)
{
	struct st_fixture	*f = *state;
	struct kids		 k;
	char			 parent[STORE_MSGID_MAX + 1];

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<r@x>", "a.b", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "a.b", "<r@x>", 101),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<b@x>", "a.b", "<r@x> <a@x>", 102),
	    STORE_OK);
	assert_int_equal(post_withdrawing(f->st, "<c@x>", "a.b", NULL, "<a@x>",
	    0, NULL, NULL), STORE_OK);
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<a@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.id[0], "<b@x>");
	assert_int_equal(store_parent(f->st, "<a@x>", parent, NULL), STORE_OK);
	assert_string_equal(parent, "<r@x>");
	/* A leaf goes entirely. */
	assert_int_equal(post_withdrawing(f->st, "<c2@x>", "a.b", NULL,
	    "<b@x>", 0, NULL, NULL), STORE_OK);
	assert_int_equal(store_children(f->st, "<b@x>", kids_cb, &k),
	    STORE_NOTFOUND);
	/* And the placeholder it left behind with it. */
	assert_int_equal(store_children(f->st, "<a@x>", kids_cb, &k),
	    STORE_NOTFOUND);
}

static void
test_supersede_moves_the_replies(void **state)
{
	struct st_fixture	*f = *state;
	struct kids		 k;
	char			 parent[STORE_MSGID_MAX + 1];

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<r@x>", "a.b", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "a.b", "<r@x>", 101),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<b@x>", "a.b", "<r@x> <a@x>", 102),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<b2@x>", "a.b", "<r@x> <a@x>", 103),
	    STORE_OK);
	assert_int_equal(post_withdrawing(f->st, "<a2@x>", "a.b", "<r@x>",
	    "<a@x>", 1, NULL, NULL), STORE_OK);
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<a2@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.id[0], "<b@x>");
	assert_string_equal(k.id[1], "<b2@x>");
	assert_int_equal(store_parent(f->st, "<b@x>", parent, NULL), STORE_OK);
	assert_string_equal(parent, "<a2@x>");
	/* The old one is no node any more: nothing hangs under it. */
	assert_int_equal(store_children(f->st, "<a@x>", kids_cb, &k),
	    STORE_NOTFOUND);
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<r@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.id[0], "<a2@x>");
}

static void
test_supersede_of_an_ancestor_keeps_no_cycle(void **state)
{
	struct st_fixture	*f = *state;
	struct kids		 k;

	/* <b> replies to <a> and supersedes <a>: <a>'s only child is <b>
	   itself, which must not become its own child. */
	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "a.b", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<c@x>", "a.b", "<a@x>", 101),
	    STORE_OK);
	assert_int_equal(post_withdrawing(f->st, "<b@x>", "a.b", "<a@x> <c@x>",
	    "<a@x>", 1, NULL, NULL), STORE_OK);
	/* <c> is an ancestor of <b>: it stays where it is, under the
	   placeholder <a>. */
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<a@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.id[0], "<c@x>");
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<c@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.id[0], "<b@x>");
}

static void
test_kept_cancel_get_apply_purge(void **state)
{
	struct st_fixture	*f = *state;
	struct store_expire_stats st;
	char			 keys[64], cancel[STORE_MSGID_MAX + 1];
	int			 w;

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(post_withdrawing(f->st, "<c@x>", "a.b", NULL,
	    "<late@x>", 0, "sha256:k1 sha256:k2", &w), STORE_OK);
	assert_int_equal(w, STORE_WITHDRAWN_PENDING);
	assert_int_equal(store_cancel_pending_get(f->st, "<late@x>", keys,
	    sizeof(keys), cancel), STORE_OK);
	assert_string_equal(keys, "sha256:k1 sha256:k2");
	assert_string_equal(cancel, "<c@x>");
	/* Cut to the caller's buffer. */
	assert_int_equal(store_cancel_pending_get(f->st, "<late@x>", keys, 8,
	    NULL), STORE_OK);
	assert_string_equal(keys, "sha256:");
	/* Kept only: the target is not in history yet. */
	assert_int_equal(store_history_lookup(f->st, "<late@x>", NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_cancel_pending_apply(f->st, "<late@x>", 300),
	    STORE_OK);
	assert_int_equal(store_cancel_pending_get(f->st, "<late@x>", keys,
	    sizeof(keys), NULL), STORE_NOTFOUND);
	assert_int_equal(store_history_lookup(f->st, "<late@x>", NULL),
	    STORE_EXISTS);
	assert_int_equal(st_post(f->st, "<late@x>", "a.b", NULL, 301),
	    STORE_EXISTS);

	/* The history purge drops kept cancels of its age. */
	assert_int_equal(post_withdrawing(f->st, "<c2@x>", "a.b", NULL,
	    "<never@x>", 0, "sha256:k", &w), STORE_OK);
	assert_int_equal(w, STORE_WITHDRAWN_PENDING);
	memset(&st, 0, sizeof(st));
	assert_int_equal(store_history_purge_rule(f->st, 150, 1, &st),
	    STORE_OK);
	assert_int_equal(store_cancel_pending_get(f->st, "<never@x>", keys,
	    sizeof(keys), NULL), STORE_OK);
	assert_int_equal(store_history_purge(f->st, 150, &st), STORE_OK);
	assert_int_equal(store_cancel_pending_get(f->st, "<never@x>", keys,
	    sizeof(keys), NULL), STORE_OK);
	assert_int_equal(store_history_purge(f->st, 250, &st), STORE_OK);
	assert_int_equal(store_cancel_pending_get(f->st, "<never@x>", keys,
	    sizeof(keys), NULL), STORE_NOTFOUND);
	/* Survives nothing odd after a reopen. */
	store_close(f->st);
	st_open(f);
	assert_int_equal(store_cancel_pending_get(f->st, "<never@x>", keys,
	    sizeof(keys), NULL), STORE_NOTFOUND);
}

static void
test_withdraw_directly(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<t@x>", "a.b", NULL, 100), STORE_OK);
	assert_int_equal(store_article_withdraw(f->st, "<t@x>"), STORE_OK);
	assert_int_equal(store_article_withdraw(f->st, "<t@x>"),
	    STORE_NOTFOUND);
	assert_int_equal(store_article_withdraw(f->st, "<none@x>"),
	    STORE_NOTFOUND);
	assert_int_equal(store_group_get(f->st, "a.b", &g), STORE_OK);
	assert_int_equal(g.count, 0);
	assert_int_equal(g.high, 1);
	assert_int_equal(g.low, 2);
	assert_int_equal(store_history_lookup(f->st, "<t@x>", NULL),
	    STORE_EXISTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, st_setup, st_teardown)
		T(test_cancel_removes_from_every_group),
		T(test_cancelled_parent_stays_a_placeholder),
		T(test_supersede_moves_the_replies),
		T(test_supersede_of_an_ancestor_keeps_no_cycle),
		T(test_kept_cancel_get_apply_purge),
		T(test_withdraw_directly),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
