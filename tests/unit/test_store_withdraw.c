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
	/* Nothing hangs under the old one: it only leads to the new. */
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<a@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 0);
	assert_int_equal(store_superseded_by(f->st, "<a@x>", parent),
	    STORE_OK);
	assert_string_equal(parent, "<a2@x>");
	assert_int_equal(store_superseded_by(f->st, "<b@x>", parent),
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
	char			 parent[STORE_MSGID_MAX + 1];

	/* <b> replies to <c> under <a> and supersedes <a>: it takes <a>'s
	   place (a root), whatever its References say, so <c> moves under
	   it and no cycle can form. */
	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "a.b", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<c@x>", "a.b", "<a@x>", 101),
	    STORE_OK);
	assert_int_equal(post_withdrawing(f->st, "<b@x>", "a.b", "<a@x> <c@x>",
	    "<a@x>", 1, NULL, NULL), STORE_OK);
	assert_int_equal(store_parent(f->st, "<b@x>", parent, NULL), STORE_OK);
	assert_string_equal(parent, "");
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<b@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.id[0], "<c@x>");
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<c@x>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 0);
}

/* ---- Superseding a thread's root ------------------------------------- */

struct sums {
	size_t	n;
	char	root[4][64];
	char	subject[4][64];
	uint32_t articles[4];
	uint32_t replies[4];
	int64_t	last[4];
	int64_t	group_last[4];
	int	present[4];
};

static int
sums_cb(const struct store_thread_summary *ts, void *arg)
{
	struct sums	*s = arg;

	if (s->n < 4) {
		snprintf(s->root[s->n], sizeof(s->root[0]), "%s", ts->root);
		snprintf(s->subject[s->n], sizeof(s->subject[0]), "%s",
		    ts->subject);
		s->articles[s->n] = ts->articles;
		s->replies[s->n] = ts->replies;
		s->last[s->n] = ts->last;
		s->group_last[s->n] = ts->group_last;
		s->present[s->n] = ts->root_present;
	}
	s->n++;
	return (0);
}

static void
roots_of(struct store *st, const char *group, struct sums *s)
{
	struct store_thread_cursor	cur;
	struct store_group		g;

	memset(s, 0, sizeof(*s));
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(store_group_get(st, group, &g), STORE_OK);
	while (!cur.done)
		assert_int_equal(store_thread_roots(st, g.id, 1, sums_cb, s,
		    &cur), STORE_OK);
}

struct walked {
	size_t		n;
	char		id[8][64];
	unsigned	depth[8];
	int		present[8];
};

static int
walked_cb(const struct store_thread_node *node, void *arg)
{
	struct walked	*w = arg;

	if (w->n < 8) {
		snprintf(w->id[w->n], sizeof(w->id[0]), "%s", node->msgid);
		w->depth[w->n] = node->depth;
		w->present[w->n] = node->present;
	}
	w->n++;
	return (0);
}

/* The whole walk from msgid, both ways (at once and in pieces of one),
   as "id/depth id/depth ..." (placeholders marked "?"). */
static void
walk_of(struct store *st, const char *msgid, char *out, size_t len)
{
	struct store_walk_cursor	cur;
	struct walked			w, p;
	size_t				i, off = 0;

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_thread_walk(st, msgid, 0, walked_cb, &w, NULL),
	    STORE_OK);
	memset(&p, 0, sizeof(p));
	memset(&cur, 0, sizeof(cur));
	while (!cur.done)
		assert_int_equal(store_thread_walk_next(st, msgid, &cur, 1,
		    walked_cb, &p), STORE_OK);
	store_thread_walk_end(&cur);
	assert_int_equal(w.n, p.n);
	out[0] = '\0';
	for (i = 0; i < w.n && i < 8; i++) {
		assert_string_equal(w.id[i], p.id[i]);
		assert_int_equal(w.depth[i], p.depth[i]);
		off += (size_t)snprintf(out + off, len - off, "%s%s%s/%u",
		    i > 0 ? " " : "", w.present[i] ? "" : "?", w.id[i],
		    w.depth[i]);
	}
}

static enum store_status
post_at(struct store *st, const char *msgid, const char *groups,
    const char *refs, const char *supersedes, int64_t arrival)
{
	struct tart		t;
	enum store_status	s;

	tart_make(&t, msgid, groups, refs, NULL, 0, arrival);
	t.a.withdraw = supersedes;
	t.a.withdraw_supersede = supersedes != NULL;
	s = tart_put(st, &t);
	tart_free(&t);
	return (s);
}

static int
summary_cb(const struct store_thread_summary *ts, void *arg)
{
	return (sums_cb(ts, arg));
}

static void
test_supersede_root_takes_its_place(void **state)
{
	struct st_fixture	*f = *state;
	struct sums		 s;
	struct store_group	 g;
	char			 tree[512], by[STORE_MSGID_MAX + 1];
	static const char	*ids[] = { "<n@x>", "<a@x>", "<b@x>", "<r@x>" };
	size_t			 i;

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_create(f->st, "c.d", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<r@x>", "a.b", NULL, NULL, 100),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<a@x>", "a.b", "<r@x>", NULL, 101),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<b@x>", "a.b,c.d", "<r@x> <a@x>",
	    NULL, 102), STORE_OK);
	/* Another thread, active after the first. */
	assert_int_equal(post_at(f->st, "<o@x>", "a.b", NULL, NULL, 150),
	    STORE_OK);
	/* The new version names no References: it still takes the root's
	   place. */
	assert_int_equal(post_at(f->st, "<n@x>", "a.b", NULL, "<r@x>", 200),
	    STORE_OK);

	roots_of(f->st, "a.b", &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.root[0], "<n@x>");
	assert_string_equal(s.subject[0], "about <n@x>");
	assert_int_equal(s.articles[0], 3);
	assert_int_equal(s.replies[0], 2);
	assert_int_equal(s.present[0], 1);
	assert_int_equal(s.last[0], 200);
	assert_int_equal(s.group_last[0], 200);
	assert_string_equal(s.root[1], "<o@x>");
	/* c.d has only <b> of it: listed under the new root too. */
	roots_of(f->st, "c.d", &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.root[0], "<n@x>");
	assert_int_equal(s.articles[0], 3);
	assert_int_equal(s.group_last[0], 102);

	/* The same tree from every one of its message-ids, the old root's
	   included (it leads to the new one). */
	for (i = 0; i < 4; i++) {
		walk_of(f->st, ids[i], tree, sizeof(tree));
		assert_string_equal(tree, "<n@x>/0 <a@x>/1 <b@x>/2");
		memset(&s, 0, sizeof(s));
		assert_int_equal(store_thread_summary(f->st, ids[i],
		    summary_cb, &s), STORE_OK);
		assert_int_equal(s.n, 1);
		assert_string_equal(s.root[0], "<n@x>");
		assert_int_equal(s.articles[0], 3);
	}
	assert_int_equal(store_superseded_by(f->st, "<r@x>", by), STORE_OK);
	assert_string_equal(by, "<n@x>");
	assert_int_equal(store_history_lookup(f->st, "<r@x>", NULL),
	    STORE_EXISTS);

	/* A late reply to the old root hangs under the new one, and a
	   reply naming the old root first counts in the same thread. */
	assert_int_equal(post_at(f->st, "<c@x>", "a.b", "<r@x>", NULL, 300),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<d@x>", "a.b", "<r@x> <a@x>", NULL,
	    301), STORE_OK);
	walk_of(f->st, "<r@x>", tree, sizeof(tree));
	assert_string_equal(tree,
	    "<n@x>/0 <a@x>/1 <b@x>/2 <d@x>/2 <c@x>/1");
	roots_of(f->st, "a.b", &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.root[0], "<n@x>");
	assert_int_equal(s.articles[0], 5);
	assert_int_equal(s.last[0], 301);

	/* A reply withdrawn counts out of it, in each of its groups. */
	assert_int_equal(store_article_withdraw(f->st, "<b@x>"), STORE_OK);
	roots_of(f->st, "a.b", &s);
	assert_int_equal(s.articles[0], 4);
	roots_of(f->st, "c.d", &s);
	assert_int_equal(s.n, 0);

	/* Superseded again: the newest version is the root, the first
	   one's message-id leads to it. */
	assert_int_equal(post_at(f->st, "<n2@x>", "a.b", NULL, "<n@x>", 400),
	    STORE_OK);
	assert_int_equal(store_superseded_by(f->st, "<r@x>", by), STORE_OK);
	assert_string_equal(by, "<n2@x>");
	walk_of(f->st, "<r@x>", tree, sizeof(tree));
	assert_string_equal(tree, "<n2@x>/0 <a@x>/1 <d@x>/2 <c@x>/1");
	roots_of(f->st, "a.b", &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.root[0], "<n2@x>");
	assert_string_equal(s.subject[0], "about <n2@x>");
	assert_int_equal(s.articles[0], 4);
	assert_int_equal(s.present[0], 1);

	/* The root cancelled: a placeholder, its replies still counted. */
	assert_int_equal(store_article_withdraw(f->st, "<n2@x>"), STORE_OK);
	roots_of(f->st, "a.b", &s);
	assert_string_equal(s.root[0], "<n2@x>");
	assert_int_equal(s.present[0], 0);
	assert_int_equal(s.articles[0], 3);
	assert_int_equal(s.replies[0], 3);
	walk_of(f->st, "<a@x>", tree, sizeof(tree));
	assert_string_equal(tree, "?<n2@x>/0 <a@x>/1 <d@x>/2 <c@x>/1");

	/* All of it survives a reopen. */
	store_close(f->st);
	st_open(f);
	walk_of(f->st, "<r@x>", tree, sizeof(tree));
	assert_string_equal(tree, "?<n2@x>/0 <a@x>/1 <d@x>/2 <c@x>/1");
	assert_int_equal(store_group_get(f->st, "a.b", &g), STORE_OK);
	assert_int_equal(g.count, 4);	/* <a> <c> <d> <o> */
}

static void
test_supersede_reply_counts_stay(void **state)
{
	struct st_fixture	*f = *state;
	struct sums		 s;
	char			 tree[512];

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<r@x>", "a.b", NULL, NULL, 100),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<a@x>", "a.b", "<r@x>", NULL, 101),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<b@x>", "a.b", "<r@x> <a@x>", NULL,
	    102), STORE_OK);
	/* Without References, the new version still takes <a>'s place in
	   <r>'s thread: one thread, counted once. */
	assert_int_equal(post_at(f->st, "<a2@x>", "a.b", NULL, "<a@x>", 200),
	    STORE_OK);
	roots_of(f->st, "a.b", &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.root[0], "<r@x>");
	assert_string_equal(s.subject[0], "about <r@x>");
	assert_int_equal(s.articles[0], 3);
	assert_int_equal(s.last[0], 200);
	walk_of(f->st, "<a@x>", tree, sizeof(tree));
	assert_string_equal(tree, "<r@x>/0 <a2@x>/1 <b@x>/2");
	/* And as the replies expire, the count goes to nothing. */
	assert_int_equal(store_article_withdraw(f->st, "<b@x>"), STORE_OK);
	assert_int_equal(store_article_withdraw(f->st, "<a2@x>"), STORE_OK);
	roots_of(f->st, "a.b", &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.articles[0], 1);
	assert_int_equal(s.replies[0], 0);
}

static void
test_supersede_forward_purged_with_history(void **state)
{
	struct st_fixture	*f = *state;
	char			 by[STORE_MSGID_MAX + 1];

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<r@x>", "a.b", NULL, NULL, 100),
	    STORE_OK);
	assert_int_equal(post_at(f->st, "<n@x>", "a.b", NULL, "<r@x>", 200),
	    STORE_OK);
	assert_int_equal(store_superseded_by(f->st, "<r@x>", by), STORE_OK);
	/* History of <r> is dated by its arrival (100). */
	assert_int_equal(store_history_purge(f->st, 50, NULL), STORE_OK);
	assert_int_equal(store_superseded_by(f->st, "<r@x>", by), STORE_OK);
	assert_int_equal(store_history_purge(f->st, 150, NULL), STORE_OK);
	assert_int_equal(store_superseded_by(f->st, "<r@x>", by),
	    STORE_NOTFOUND);
	assert_int_equal(store_thread_walk(f->st, "<r@x>", 0, NULL, NULL,
	    NULL), STORE_NOTFOUND);
}

/* The server's check, played here as "any key matches". */
static int
match_any(const char *keys, const char *locks)
{
	return (keys[0] != '\0' && locks[0] != '\0');
}

static void
test_kept_cancel_get_apply_purge(void **state)
{
	struct st_fixture	*f = *state;
	struct store_expire_stats st;
	struct tart		 t;
	char			 keys[64], cancel[STORE_MSGID_MAX + 1];
	char			 by[STORE_MSGID_MAX + 1];
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
	/* The target comes with a lock its keys match: refused as it is
	   stored, naming the cancel. */
	tart_make(&t, "<late@x>", "a.b", NULL, NULL, 0, 300);
	t.a.locks = "sha256:l1";
	t.a.locks_match = match_any;
	t.a.cancelled_by = by;
	assert_int_equal(tart_put(f->st, &t), STORE_EXISTS);
	assert_int_equal(t.a.withdrawn, STORE_CANCELLED_FIRST);
	assert_string_equal(by, "<c@x>");
	tart_free(&t);
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

/* The server's check, played here: a key "k:X" matches a lock "l:X". */
static int
fake_match(const char *keys, const char *locks)
{
	char	want[64];

	if (strncmp(keys, "k:", 2) != 0)
		return (0);
	snprintf(want, sizeof(want), "l:%s", keys + 2);
	return (strstr(locks, want) != NULL);
}

static enum store_status
post_locked(struct store *st, const char *msgid, const char *locks,
    int moderate, int *withdrawn)
{
	struct tart		t;
	enum store_status	s;

	tart_make(&t, msgid, "a.b", NULL, NULL, 0, 300);
	t.a.locks = locks;
	t.a.locks_match = fake_match;
	t.a.moderate = moderate;
	t.a.submitter = "";
	s = tart_put(st, &t);
	*withdrawn = t.a.withdrawn;
	tart_free(&t);
	return (s);
}

static void
test_kept_cancel_refuses_its_target_as_stored(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	struct tart		 t[2];
	struct store_article	 arts[2];
	int			 w;

	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	/* One batch: the cancel, then its target (the server's check
	   before the writer could not have seen the cancel). */
	tart_make(&t[0], "<c@x>", "a.b", NULL, NULL, 0, 200);
	t[0].a.withdraw = "<t@x>";
	t[0].a.withdraw_keys = "k:1";
	tart_make(&t[1], "<t@x>", "a.b", NULL, NULL, 0, 201);
	t[1].a.locks = "l:0 l:1";
	t[1].a.locks_match = fake_match;
	arts[0] = t[0].a;
	arts[1] = t[1].a;
	assert_int_equal(store_put_batch(f->st, arts, 2), STORE_OK);
	assert_int_equal(arts[0].status, STORE_OK);
	assert_int_equal(arts[0].withdrawn, STORE_WITHDRAWN_PENDING);
	assert_int_equal(arts[1].status, STORE_EXISTS);
	assert_int_equal(arts[1].withdrawn, STORE_CANCELLED_FIRST);
	tart_free(&t[0]);
	tart_free(&t[1]);
	assert_int_equal(store_article_get(f->st, "<t@x>", NULL, NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_history_lookup(f->st, "<t@x>", NULL),
	    STORE_EXISTS);
	assert_int_equal(store_cancel_pending_get(f->st, "<t@x>", NULL, 0,
	    NULL), STORE_NOTFOUND);
	assert_int_equal(store_group_get(f->st, "a.b", &g), STORE_OK);
	assert_int_equal(g.count, 1);

	/* Not matching: stored, as is one without locks. */
	assert_int_equal(post_withdrawing(f->st, "<c2@x>", "a.b", NULL,
	    "<u@x>", 0, "k:7", &w), STORE_OK);
	assert_int_equal(w, STORE_WITHDRAWN_PENDING);
	assert_int_equal(post_locked(f->st, "<u@x>", "l:8", 0, &w), STORE_OK);
	assert_int_equal(w, STORE_WITHDRAWN_NONE);
	assert_int_equal(post_withdrawing(f->st, "<c3@x>", "a.b", NULL,
	    "<v@x>", 0, "k:7", &w), STORE_OK);
	assert_int_equal(post_locked(f->st, "<v@x>", NULL, 0, &w), STORE_OK);

	/* Queued for moderation: refused before it is queued. */
	assert_int_equal(post_withdrawing(f->st, "<c4@x>", "a.b", NULL,
	    "<m@x>", 0, "k:5", &w), STORE_OK);
	assert_int_equal(post_locked(f->st, "<m@x>", "l:5", 1, &w),
	    STORE_EXISTS);
	assert_int_equal(w, STORE_CANCELLED_FIRST);
	assert_int_equal(store_modq_lookup(f->st, "<m@x>", NULL),
	    STORE_NOTFOUND);
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
		T(test_supersede_root_takes_its_place),
		T(test_supersede_reply_counts_stay),
		T(test_supersede_forward_purged_with_history),
		T(test_kept_cancel_get_apply_purge),
		T(test_kept_cancel_refuses_its_target_as_stored),
		T(test_withdraw_directly),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
