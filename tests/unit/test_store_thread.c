/* Unit tests for storage/thread_db.c: reply links, placeholders, walks,
   thread summaries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_test.h"

/* A walk rendered as "depth msgid present;" ... */
struct walk_out {
	char	*buf;
	size_t	 len, cap;
	size_t	 nodes;
	int	 info_ok;
};

static int
walk_cb(const struct store_thread_node *n, void *arg)
{
	struct walk_out	*w = arg;
	char		 line[STORE_MSGID_MAX + 32];
	int		 l;

	l = snprintf(line, sizeof(line), "%u %s %d;", n->depth, n->msgid,
	    n->present);
	if (w->len + (size_t)l + 1 > w->cap) {
		w->cap = (w->cap + (size_t)l + 1) * 2;
		w->buf = realloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, line, (size_t)l + 1);
	w->len += (size_t)l;
	w->nodes++;
	/* Present nodes carry their record, placeholders none. */
	if ((n->present && (n->info == NULL ||
	    strcmp(n->info->msgid, n->msgid) != 0)) ||
	    (!n->present && n->info != NULL))
		w->info_ok = 0;
	return (0);
}

static char *
walk_str(struct store *st, const char *msgid, size_t max, int *truncated,
    enum store_status expect)
{
	struct walk_out	w;

	memset(&w, 0, sizeof(w));
	w.info_ok = 1;
	assert_int_equal(store_thread_walk(st, msgid, max, walk_cb, &w,
	    truncated), expect);
	assert_true(w.info_ok);
	if (w.buf == NULL)
		w.buf = strdup("");
	return (w.buf);
}

static void
assert_walk(struct store *st, const char *msgid, const char *want)
{
	char	*got;

	got = walk_str(st, msgid, 0, NULL, STORE_OK);
	assert_string_equal(got, want);
	free(got);
}

/* The walk in pieces of `chunk` nodes, one transaction each. */
static char *
walk_str_chunked(struct store *st, const char *msgid, size_t chunk)
{
	struct store_walk_cursor	cur;
	struct walk_out			w;
	size_t				calls = 0;

	memset(&w, 0, sizeof(w));
	memset(&cur, 0, sizeof(cur));
	w.info_ok = 1;
	while (!cur.done) {
		assert_int_equal(store_thread_walk_next(st, msgid, &cur, chunk,
		    walk_cb, &w), STORE_OK);
		assert_true(w.nodes <= ++calls * chunk);
	}
	store_thread_walk_end(&cur);
	assert_true(w.info_ok);
	if (w.buf == NULL)
		w.buf = strdup("");
	return (w.buf);
}

/* Walked in pieces of any size, the same walk as in one go. */
static void
assert_chunked_same(struct store *st, const char *msgid)
{
	static const size_t	 chunks[] = { 1, 2, 3, 7, 1000 };
	char			*whole, *got;
	size_t			 i;

	whole = walk_str(st, msgid, 0, NULL, STORE_OK);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		got = walk_str_chunked(st, msgid, chunks[i]);
		if (strcmp(got, whole) != 0)
			fail_msg("chunk %zu: \"%s\", want \"%s\"", chunks[i],
			    got, whole);
		free(got);
	}
	free(whole);
}

/* ---- Every arrival order gives the same tree ------------------------- */

/*
 * root <m-root>; <z-b> and <a-c> reply to it; <k-d> to <z-b>; <b-e> to
 * <k-d>.  Message-ID order differs from arrival order on purpose, so a
 * walk that sorted siblings by name would fail.
 */
static const struct {
	const char	*msgid;
	const char	*refs;
	int64_t		 arrival;
} tree5[5] = {
	{ "<m-root>", NULL, 100 },
	{ "<z-b>", "<m-root>", 200 },
	{ "<a-c>", "<m-root>", 300 },
	{ "<k-d>", "<m-root> <z-b>", 400 },
	{ "<b-e>", "<m-root> <z-b> <k-d>", 500 },
};

static const char *tree5_walk =
    "0 <m-root> 1;1 <z-b> 1;2 <k-d> 1;3 <b-e> 1;1 <a-c> 1;";

static int
next_permutation(int *p, int n)
{
	int	i, j, t;

	for (i = n - 2; i >= 0 && p[i] > p[i + 1]; i--)
		;
	if (i < 0)
		return (0);
	for (j = n - 1; p[j] < p[i]; j--)
		;
	t = p[i]; p[i] = p[j]; p[j] = t;
	for (i++, j = n - 1; i < j; i++, j--) {
		t = p[i]; p[i] = p[j]; p[j] = t;
	}
	return (1);
}

static void
test_store_thread_every_order_same_tree(void **state)
{
	struct st_fixture	 f;
	int			 p[5] = { 0, 1, 2, 3, 4 }, i, perms = 0;
	char			*first = NULL, *got;

	do {
		memset(&f, 0, sizeof(f));
		f.opt.nosync = 1;
		st_mkdir(&f);
		st_open(&f);
		assert_int_equal(store_group_create(f.st, "t.g", 'y', NULL,
		    NULL, 0), STORE_OK);
		for (i = 0; i < 5; i++)
			assert_int_equal(st_post(f.st, tree5[p[i]].msgid, "t.g",
			    tree5[p[i]].refs, tree5[p[i]].arrival), STORE_OK);
		/* From any node of the thread, the same walk. */
		for (i = 0; i < 5; i++) {
			got = walk_str(f.st, tree5[i].msgid, 0, NULL, STORE_OK);
			if (first == NULL)
				first = strdup(got);
			assert_string_equal(got, first);
			free(got);
		}
		store_close(f.st);
		st_rmtree(f.dir);
		perms++;
	} while (next_permutation(p, 5));
	assert_int_equal(perms, 120);
	assert_string_equal(first, tree5_walk);
	free(first);
}

/* Descendants first: the tree has its shape before the ancestors come. */
static void
test_store_thread_placeholders_then_healing(void **state)
{
	struct st_fixture	*f = *state;
	char			 parent[STORE_MSGID_MAX + 1];
	char			 root[STORE_MSGID_MAX + 1];

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<b-e>", "t.g", tree5[4].refs, 500),
	    STORE_OK);
	assert_walk(f->st, "<b-e>",
	    "0 <m-root> 0;1 <z-b> 0;2 <k-d> 0;3 <b-e> 1;");
	assert_walk(f->st, "<m-root>",
	    "0 <m-root> 0;1 <z-b> 0;2 <k-d> 0;3 <b-e> 1;");
	assert_int_equal(store_parent(f->st, "<k-d>", parent, root),
	    STORE_OK);
	assert_string_equal(parent, "<z-b>");
	assert_string_equal(root, "<m-root>");
	assert_int_equal(st_post(f->st, "<a-c>", "t.g", tree5[2].refs, 300),
	    STORE_OK);
	/* The placeholder <z-b> sorts by its earliest reference (500). */
	assert_walk(f->st, "<a-c>",
	    "0 <m-root> 0;1 <a-c> 1;1 <z-b> 0;2 <k-d> 0;3 <b-e> 1;");
	assert_int_equal(st_post(f->st, "<k-d>", "t.g", tree5[3].refs, 400),
	    STORE_OK);
	assert_walk(f->st, "<a-c>",
	    "0 <m-root> 0;1 <a-c> 1;1 <z-b> 0;2 <k-d> 1;3 <b-e> 1;");
	assert_int_equal(st_post(f->st, "<m-root>", "t.g", NULL, 100),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<z-b>", "t.g", tree5[1].refs, 200),
	    STORE_OK);
	assert_walk(f->st, "<k-d>", tree5_walk);
	assert_int_equal(store_parent(f->st, "<m-root>", parent, root),
	    STORE_OK);
	assert_string_equal(parent, "");
	assert_string_equal(root, "<m-root>");
	assert_int_equal(store_parent(f->st, "<unknown@x>", parent, root),
	    STORE_NOTFOUND);
	assert_int_equal(store_thread_walk(f->st, "<unknown@x>", 0, walk_cb,
	    NULL, NULL), STORE_NOTFOUND);
}

/* A root that never arrives: every order still gives the same tree, and
   placeholders sort among their siblings by the earliest reference. */
static void
test_store_thread_missing_root_every_order(void **state)
{
	static const struct {
		const char	*msgid;
		const char	*refs;
		int64_t		 arrival;
	} arts[4] = {
		{ "<x>", "<r>", 10 },
		{ "<y>", "<r> <x>", 20 },
		{ "<z>", "<r>", 5 },
		{ "<w>", "<r> <gone>", 15 },	/* <gone> never arrives */
	};
	const char	*want = "0 <r> 0;1 <z> 1;1 <x> 1;2 <y> 1;1 <gone> 0;"
	    "2 <w> 1;";
	struct st_fixture f;
	int		 p[4] = { 0, 1, 2, 3 }, i, perms = 0;

	do {
		memset(&f, 0, sizeof(f));
		f.opt.nosync = 1;
		st_mkdir(&f);
		st_open(&f);
		assert_int_equal(store_group_create(f.st, "t.g", 'y', NULL,
		    NULL, 0), STORE_OK);
		for (i = 0; i < 4; i++)
			assert_int_equal(st_post(f.st, arts[p[i]].msgid, "t.g",
			    arts[p[i]].refs, arts[p[i]].arrival), STORE_OK);
		assert_walk(f.st, "<w>", want);
		store_close(f.st);
		st_rmtree(f.dir);
		perms++;
	} while (next_permutation(p, 4));
	assert_int_equal(perms, 24);
}

/* An article's own References beat what its descendants implied. */
static void
test_store_thread_own_references_win(void **state)
{
	struct st_fixture	*f = *state;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<p>", "t.g", "<a> <b>", 10),
	    STORE_OK);
	assert_walk(f->st, "<p>", "0 <a> 0;1 <b> 0;2 <p> 1;");
	/* <b> says it is a root: it leaves <a>. */
	assert_int_equal(st_post(f->st, "<b>", "t.g", NULL, 5), STORE_OK);
	assert_walk(f->st, "<p>", "0 <b> 1;1 <p> 1;");
	assert_int_equal(store_thread_walk(f->st, "<a>", 0, walk_cb, NULL,
	    NULL), STORE_NOTFOUND);
	/* A later reply implying otherwise changes nothing. */
	assert_int_equal(st_post(f->st, "<q>", "t.g", "<c> <b> <p>", 20),
	    STORE_OK);
	assert_walk(f->st, "<q>", "0 <b> 1;1 <p> 1;2 <q> 1;");
}

struct kids {
	char	ids[8][STORE_MSGID_MAX + 1];
	size_t	n;
};

static int
kids_cb(const char *msgid, void *arg)
{
	struct kids	*k = arg;

	assert_true(k->n < 8);
	snprintf(k->ids[k->n++], sizeof(k->ids[0]), "%s", msgid);
	return (0);
}

static void
test_store_thread_children_in_arrival_order(void **state)
{
	struct st_fixture	*f = *state;
	struct kids		 k;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<root>", "t.g", NULL, 1), STORE_OK);
	assert_int_equal(st_post(f->st, "<late>", "t.g", "<root>", 300),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<early>", "t.g", "<root>", 200),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<mid>", "t.g", "<root>", 250),
	    STORE_OK);
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<root>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.ids[0], "<early>");
	assert_string_equal(k.ids[1], "<mid>");
	assert_string_equal(k.ids[2], "<late>");
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_children(f->st, "<late>", kids_cb, &k),
	    STORE_OK);
	assert_int_equal(k.n, 0);
	assert_int_equal(store_children(f->st, "<nobody>", kids_cb, &k),
	    STORE_NOTFOUND);
}

/* ---- Cycles and depth ------------------------------------------------ */

static void
test_store_thread_cycles_terminate(void **state)
{
	struct st_fixture	*f = *state;
	char			*got;
	char			 parent[STORE_MSGID_MAX + 1];
	char			 root[STORE_MSGID_MAX + 1];

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	/* A refs B, B refs A. */
	assert_int_equal(st_post(f->st, "<A>", "t.g", "<B>", 1), STORE_OK);
	assert_int_equal(st_post(f->st, "<B>", "t.g", "<A>", 2), STORE_OK);
	got = walk_str(f->st, "<A>", 0, NULL, STORE_OK);
	assert_true(strcmp(got, "0 <B> 1;1 <A> 1;") == 0 ||
	    strcmp(got, "0 <A> 1;1 <B> 1;") == 0);
	free(got);
	assert_int_equal(store_parent(f->st, "<B>", parent, root), STORE_OK);
	assert_int_equal(store_parent(f->st, "<A>", parent, root), STORE_OK);

	/* A longer one through implied links: X says C > D > E; E says it
	   replies to X, and C replies to E. */
	assert_int_equal(st_post(f->st, "<X>", "t.g", "<C> <D> <E>", 3),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<E>", "t.g", "<X>", 4), STORE_OK);
	assert_int_equal(st_post(f->st, "<C>", "t.g", "<E>", 5), STORE_OK);
	got = walk_str(f->st, "<C>", 0, NULL, STORE_OK);
	/* Every node once, whatever was cut. */
	assert_non_null(strstr(got, " <C> 1;"));
	assert_non_null(strstr(got, " <X> 1;"));
	assert_non_null(strstr(got, " <E> 1;"));
	assert_null(strstr(strstr(got, " <C> 1;") + 1, " <C> "));
	free(got);
	/* Self-reference is ignored. */
	assert_int_equal(st_post(f->st, "<S>", "t.g", "<S>", 6), STORE_OK);
	assert_walk(f->st, "<S>", "0 <S> 1;");
}

static void
test_store_thread_walk_in_pieces(void **state)
{
	struct st_fixture		*f = *state;
	struct store_walk_cursor	 cur;
	char				 id[32], refs[64];
	char				*got;
	int				 i;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	for (i = 0; i < 5; i++)
		assert_int_equal(st_post(f->st, tree5[i].msgid, "t.g",
		    tree5[i].refs, tree5[i].arrival), STORE_OK);
	for (i = 0; i < 5; i++)
		assert_chunked_same(f->st, tree5[i].msgid);
	/* Wider and deeper, with a placeholder in the middle. */
	for (i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "<w%d>", i);
		if (i == 0)
			snprintf(refs, sizeof(refs), "<m-root>");
		else
			snprintf(refs, sizeof(refs), "<m-root> <gone> <w%d>",
			    i / 3);
		assert_int_equal(st_post(f->st, id, "t.g", refs, 1000 + i),
		    STORE_OK);
	}
	assert_chunked_same(f->st, "<w39>");
	/* A cycle ends. */
	assert_int_equal(st_post(f->st, "<A>", "t.g", "<B>", 1), STORE_OK);
	assert_int_equal(st_post(f->st, "<B>", "t.g", "<A>", 2), STORE_OK);
	assert_chunked_same(f->st, "<A>");
	/* Unknown: NOTFOUND, nothing kept. */
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(store_thread_walk_next(f->st, "<nope@x>", &cur, 5,
	    walk_cb, NULL), STORE_NOTFOUND);
	store_thread_walk_end(&cur);
	/* Articles arriving between pieces are walked where they fall. */
	memset(&cur, 0, sizeof(cur));
	{
		struct walk_out	w;

		memset(&w, 0, sizeof(w));
		w.info_ok = 1;
		assert_int_equal(store_thread_walk_next(f->st, "<m-root>", &cur,
		    2, walk_cb, &w), STORE_OK);
		assert_string_equal(w.buf, "0 <m-root> 1;1 <z-b> 1;");
		assert_int_equal(st_post(f->st, "<late>", "t.g",
		    "<m-root> <z-b>", 150), STORE_OK);
		assert_int_equal(store_thread_walk_next(f->st, "<m-root>", &cur,
		    1, walk_cb, &w), STORE_OK);
		assert_string_equal(w.buf, "0 <m-root> 1;1 <z-b> 1;"
		    "2 <late> 1;");
		free(w.buf);
	}
	store_thread_walk_end(&cur);
	got = walk_str_chunked(f->st, "<m-root>", 4);
	assert_non_null(strstr(got, "2 <late> 1;"));
	free(got);
}

static void
test_store_thread_deep_chain_no_recursion(void **state)
{
	struct st_fixture	*f = *state;
	struct store_article	 arts[200];
	struct tart		*t;
	struct walk_out		 w;
	char			 id[32], ref[32];
	char			 parent[STORE_MSGID_MAX + 1];
	char			 root[STORE_MSGID_MAX + 1];
	int			 b, k, n, truncated;
	unsigned		 expect_depth = 0;
	char			*p;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	t = calloc(200, sizeof(*t));
	for (b = 0; b < 10; b++) {
		for (k = 0; k < 200; k++) {
			n = b * 200 + k;
			snprintf(id, sizeof(id), "<c%d>", n);
			snprintf(ref, sizeof(ref), "<c%d>", n - 1);
			tart_make(&t[k], id, "t.g", n > 0 ? ref : NULL, NULL, 0,
			    n);
			arts[k] = t[k].a;
		}
		assert_int_equal(store_put_batch(f->st, arts, 200), STORE_OK);
		for (k = 0; k < 200; k++) {
			assert_int_equal(arts[k].status, STORE_OK);
			tart_free(&t[k]);
		}
	}
	free(t);
	memset(&w, 0, sizeof(w));
	w.info_ok = 1;
	assert_int_equal(store_thread_walk(f->st, "<c1999>", 0, walk_cb, &w,
	    &truncated), STORE_OK);
	assert_int_equal(truncated, 0);
	assert_int_equal(w.nodes, 2000);
	/* Depths 0..1999 in chain order. */
	for (p = w.buf; *p != '\0'; p = strchr(p, ';') + 1) {
		snprintf(id, sizeof(id), "%u <c%u> 1;", expect_depth,
		    expect_depth);
		assert_memory_equal(p, id, strlen(id));
		expect_depth++;
	}
	assert_int_equal(expect_depth, 2000);
	free(w.buf);
	assert_int_equal(store_parent(f->st, "<c1999>", parent, root),
	    STORE_OK);
	assert_string_equal(parent, "<c1998>");
	assert_string_equal(root, "<c0>");

	/* max_nodes bounds the walk and says so. */
	memset(&w, 0, sizeof(w));
	w.info_ok = 1;
	assert_int_equal(store_thread_walk(f->st, "<c5>", 10, walk_cb, &w,
	    &truncated), STORE_OK);
	assert_int_equal(w.nodes, 10);
	assert_int_equal(truncated, 1);
	free(w.buf);
}

/* ---- Summaries ------------------------------------------------------- */

struct sums {
	char		roots[8][STORE_MSGID_MAX + 1];
	char		subjects[8][64];
	uint32_t	articles[8], replies[8];
	int64_t		last[8], group_last[8];
	int		root_present[8];
	size_t		n;
};

static int
sums_cb(const struct store_thread_summary *ts, void *arg)
{
	struct sums	*s = arg;

	assert_true(s->n < 8);
	snprintf(s->roots[s->n], sizeof(s->roots[0]), "%s", ts->root);
	snprintf(s->subjects[s->n], sizeof(s->subjects[0]), "%s",
	    ts->subject);
	s->articles[s->n] = ts->articles;
	s->replies[s->n] = ts->replies;
	s->last[s->n] = ts->last;
	s->group_last[s->n] = ts->group_last;
	s->root_present[s->n] = ts->root_present;
	s->n++;
	return (0);
}

static void
test_store_thread_summary_incremental(void **state)
{
	struct st_fixture	*f = *state;
	struct sums		 s;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	/* Replies before the root. */
	assert_int_equal(st_post(f->st, "<r1>", "t.g", "<root>", 50),
	    STORE_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_thread_summary(f->st, "<root>", sums_cb, &s),
	    STORE_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.articles[0], 1);
	assert_int_equal(s.replies[0], 1);
	assert_int_equal(s.root_present[0], 0);
	assert_string_equal(s.subjects[0], "");
	assert_int_equal(st_post(f->st, "<root>", "t.g", NULL, 10), STORE_OK);
	assert_int_equal(st_post(f->st, "<r2>", "t.g", "<root> <r1>", 40),
	    STORE_OK);
	memset(&s, 0, sizeof(s));
	/* By any article of the thread, too. */
	assert_int_equal(store_thread_summary(f->st, "<r2>", sums_cb, &s),
	    STORE_OK);
	assert_string_equal(s.roots[0], "<root>");
	assert_int_equal(s.articles[0], 3);
	assert_int_equal(s.replies[0], 2);
	assert_int_equal(s.last[0], 50);
	assert_int_equal(s.root_present[0], 1);
	assert_string_equal(s.subjects[0], "about <root>");
	assert_int_equal(store_thread_summary(f->st, "<nope>", sums_cb, &s),
	    STORE_NOTFOUND);

	/* Expiry takes them off again; links of vanished nodes go too. */
	assert_int_equal(store_expire_group(f->st, "t.g", 45, NULL), STORE_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_thread_summary(f->st, "<root>", sums_cb, &s),
	    STORE_OK);
	assert_int_equal(s.articles[0], 1);
	assert_int_equal(s.root_present[0], 0);
	assert_string_equal(s.subjects[0], "about <root>");
	assert_walk(f->st, "<r1>", "0 <root> 0;1 <r1> 1;");
	assert_int_equal(store_thread_walk(f->st, "<r2>", 0, walk_cb, NULL,
	    NULL), STORE_NOTFOUND);
	assert_int_equal(store_expire_group(f->st, "t.g", 100, NULL),
	    STORE_OK);
	assert_int_equal(store_thread_summary(f->st, "<root>", sums_cb, &s),
	    STORE_NOTFOUND);
	assert_int_equal(store_thread_walk(f->st, "<root>", 0, walk_cb, NULL,
	    NULL), STORE_NOTFOUND);
}

static void
test_store_thread_roots_by_activity(void **state)
{
	struct st_fixture		*f = *state;
	struct store_thread_cursor	 cur;
	struct store_group		 g, h;
	struct sums			 s;
	int				 calls = 0;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_create(f->st, "t.h", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<t1>", "t.g", NULL, 10), STORE_OK);
	assert_int_equal(st_post(f->st, "<t2>", "t.g", NULL, 20), STORE_OK);
	assert_int_equal(st_post(f->st, "<t3>", "t.g,t.h", NULL, 30),
	    STORE_OK);
	/* A late reply in t.g makes <t1> the most active there... */
	assert_int_equal(st_post(f->st, "<t1r>", "t.g", "<t1>", 40), STORE_OK);
	/* ... and one in t.h only moves <t2> in t.h. */
	assert_int_equal(st_post(f->st, "<t2r>", "t.h", "<t2>", 50), STORE_OK);
	assert_int_equal(store_group_get(f->st, "t.g", &g), STORE_OK);
	assert_int_equal(store_group_get(f->st, "t.h", &h), STORE_OK);

	memset(&s, 0, sizeof(s));
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(store_thread_roots(f->st, g.id, 0, sums_cb, &s,
	    &cur), STORE_OK);
	assert_true(cur.done);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.roots[0], "<t1>");
	assert_string_equal(s.roots[1], "<t3>");
	assert_string_equal(s.roots[2], "<t2>");
	assert_int_equal(s.group_last[0], 40);
	assert_int_equal(s.group_last[2], 20);
	assert_int_equal(s.last[2], 50);
	assert_int_equal(s.replies[0], 1);

	memset(&s, 0, sizeof(s));
	memset(&cur, 0, sizeof(cur));
	while (!cur.done && calls++ < 10)
		assert_int_equal(store_thread_roots(f->st, h.id, 1, sums_cb,
		    &s, &cur), STORE_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.roots[0], "<t2>");
	assert_string_equal(s.roots[1], "<t3>");

	memset(&s, 0, sizeof(s));
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(store_thread_roots(f->st, 999, 5, sums_cb, &s, &cur),
	    STORE_OK);
	assert_int_equal(s.n, 0);
	assert_true(cur.done);
}

/* All of a group's roots, walked `step` at a time (0: in one call). */
static void
walk_roots(struct store *st, uint32_t gid, size_t step, struct sums *s)
{
	struct store_thread_cursor	cur;
	int				calls = 0;

	memset(s, 0, sizeof(*s));
	memset(&cur, 0, sizeof(cur));
	while (!cur.done && calls++ < 20)
		assert_int_equal(store_thread_roots(st, gid, step, sums_cb, s,
		    &cur), STORE_OK);
	assert_true(cur.done);
}

static void
assert_roots(struct store *st, uint32_t gid, const char *want)
{
	struct sums	s;
	char		got[256];
	size_t		i, step;

	for (step = 0; step <= 2; step++) {
		walk_roots(st, gid, step, &s);
		got[0] = '\0';
		for (i = 0; i < s.n; i++) {
			strcat(got, s.roots[i]);
			strcat(got, " ");
		}
		if (strcmp(got, want) != 0)
			fail_msg("roots (step %zu): \"%s\", want \"%s\"", step,
			    got, want);
	}
}

/*
 * Most recently active first holds within one second too: arrivals in
 * the same second are ordered as the store took them, the latest first,
 * not by message-id (which would put <a> before <m> before <z>).
 */
static void
test_store_thread_roots_same_second_by_arrival(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_get(f->st, "t.g", &g), STORE_OK);
	assert_int_equal(st_post(f->st, "<z>", "t.g", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<a>", "t.g", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<m>", "t.g", NULL, 100), STORE_OK);
	assert_roots(f->st, g.id, "<m> <a> <z> ");
	/* A reply in the same second brings its thread to the front. */
	assert_int_equal(st_post(f->st, "<z1>", "t.g", "<z>", 100), STORE_OK);
	assert_roots(f->st, g.id, "<z> <m> <a> ");
	/* An article stored later but dated an earlier second (a clock
	   step back) does not move its thread past a later second. */
	assert_int_equal(st_post(f->st, "<a1>", "t.g", "<a>", 99), STORE_OK);
	assert_roots(f->st, g.id, "<z> <m> <a> ");
	assert_int_equal(st_post(f->st, "<b>", "t.g", NULL, 101), STORE_OK);
	assert_roots(f->st, g.id, "<b> <z> <m> <a> ");
}

/*
 * Stores written before the index kept the arrival sequence: their
 * entries are read (before the new ones of the same second), converted
 * when the thread changes, and removed cleanly.
 */
static void
test_store_thread_roots_old_index_layout(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_get(f->st, "t.g", &g), STORE_OK);
	assert_int_equal(st_post(f->st, "<p>", "t.g", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<q>", "t.g", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<r>", "t.g", NULL, 200), STORE_OK);
	assert_int_equal(st_post(f->st, "<q1>", "t.g", "<q>", 50), STORE_OK);
	assert_int_equal(store_debug_thread_index_old(f->st, g.id, "<p>"),
	    STORE_OK);
	assert_int_equal(store_debug_thread_index_old(f->st, g.id, "<q>"),
	    STORE_OK);
	assert_int_equal(store_debug_thread_index_old(f->st, g.id, "<nope>"),
	    STORE_NOTFOUND);
	/* Old entries of one second sort by root among themselves. */
	assert_roots(f->st, g.id, "<r> <p> <q> ");
	/* A new article converts <p>'s entry; <q> stays old. */
	assert_int_equal(st_post(f->st, "<p1>", "t.g", "<p>", 100), STORE_OK);
	assert_roots(f->st, g.id, "<r> <q> <p> ");
	/* Expiry of an old-layout thread removes its entry: <q> had two
	   articles, so it stays until both are gone. */
	assert_int_equal(store_expire_group(f->st, "t.g", 51, NULL), STORE_OK);
	assert_roots(f->st, g.id, "<r> <q> <p> ");
	assert_int_equal(store_expire_group(f->st, "t.g", 101, NULL),
	    STORE_OK);
	assert_roots(f->st, g.id, "<r> ");
	assert_int_equal(store_expire_group(f->st, "t.g", 201, NULL),
	    STORE_OK);
	assert_roots(f->st, g.id, "");
}

static void
tgroups_cb(const char *name, uint64_t entries, unsigned depth,
    uint64_t branch, uint64_t leaf, uint64_t overflow, void *arg)
{
	if (strcmp(name, "tgroups") == 0)
		*(uint64_t *)arg = entries;
}

/*
 * A format version 1 store keeps the per-group thread entries in a tree
 * of their own (tgroups): store_open moves them into tindex, old value
 * layout and counts included, and the index reads and changes as before.
 */
static void
test_store_thread_roots_version1_tgroups(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	uint64_t		 legacy = 0;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_get(f->st, "t.g", &g), STORE_OK);
	assert_int_equal(st_post(f->st, "<p>", "t.g", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<q>", "t.g", NULL, 100), STORE_OK);
	assert_int_equal(st_post(f->st, "<r>", "t.g", NULL, 200), STORE_OK);
	assert_int_equal(st_post(f->st, "<q1>", "t.g", "<q>", 50), STORE_OK);
	assert_int_equal(store_debug_thread_index_old(f->st, g.id, "<p>"),
	    STORE_OK);
	assert_int_equal(store_debug_tgroups_legacy(f->st, g.id, "<p>"),
	    STORE_OK);
	assert_int_equal(store_debug_tgroups_legacy(f->st, g.id, "<q>"),
	    STORE_OK);
	assert_int_equal(store_debug_tgroups_legacy(f->st, g.id, "<r>"),
	    STORE_OK);
	assert_int_equal(store_db_stats(f->st, tgroups_cb, &legacy),
	    STORE_OK);
	assert_int_equal(legacy, 3);
	assert_int_equal(store_debug_set_version(f->st, 1), STORE_OK);
	store_close(f->st);
	f->st = NULL;
	st_open(f);
	assert_int_equal(store_db_stats(f->st, tgroups_cb, &legacy),
	    STORE_OK);
	assert_int_equal(legacy, 0);
	/* <p>'s index entry is in the old layout: first in its second. */
	assert_roots(f->st, g.id, "<r> <p> <q> ");
	assert_int_equal(st_post(f->st, "<p1>", "t.g", "<p>", 300), STORE_OK);
	assert_roots(f->st, g.id, "<p> <r> <q> ");
	/* <q> had two articles in the group: it stays until both go. */
	assert_int_equal(store_expire_group(f->st, "t.g", 51, NULL), STORE_OK);
	assert_roots(f->st, g.id, "<p> <r> <q> ");
	assert_int_equal(store_expire_group(f->st, "t.g", 101, NULL),
	    STORE_OK);
	assert_roots(f->st, g.id, "<p> <r> ");
	assert_int_equal(store_expire_group(f->st, "t.g", 301, NULL),
	    STORE_OK);
	assert_roots(f->st, g.id, "");
}

/* Children sorted by posting time (Date) when the server knows it. */
static int
collect_child(const char *msgid, void *arg)
{
	char	*buf = arg;

	strcat(buf, msgid);
	strcat(buf, " ");
	return (0);
}

/*
 * Siblings follow their posting times, not the order or time they
 * arrived: a peer that got the replies the other way round, an hour
 * apart, shows the same thread.
 */
static void
test_store_thread_siblings_by_posting_time(void **state)
{
	struct st_fixture	*f = *state;
	struct tart		 t;
	char			 kids[256] = "";

	assert_int_equal(store_group_create(f->st, "g.a", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<root@p>", "g.a", NULL, 100),
	    STORE_OK);
	/* Posted second, arrives first. */
	tart_make(&t, "<late@p>", "g.a", "<root@p>", NULL, 0, 200);
	t.a.posted = 160;
	assert_int_equal(tart_put(f->st, &t), STORE_OK);
	tart_free(&t);
	/* Posted first, arrives an hour later. */
	tart_make(&t, "<early@p>", "g.a", "<root@p>", NULL, 0, 3800);
	t.a.posted = 150;
	assert_int_equal(tart_put(f->st, &t), STORE_OK);
	tart_free(&t);
	assert_int_equal(store_children(f->st, "<root@p>", collect_child,
	    kids), STORE_OK);
	assert_string_equal(kids, "<early@p> <late@p> ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, st_setup, st_teardown)
		cmocka_unit_test(test_store_thread_every_order_same_tree),
		T(test_store_thread_siblings_by_posting_time),
		T(test_store_thread_placeholders_then_healing),
		cmocka_unit_test(test_store_thread_missing_root_every_order),
		T(test_store_thread_own_references_win),
		T(test_store_thread_children_in_arrival_order),
		T(test_store_thread_cycles_terminate),
		T(test_store_thread_walk_in_pieces),
		T(test_store_thread_deep_chain_no_recursion),
		T(test_store_thread_summary_incremental),
		T(test_store_thread_roots_by_activity),
		T(test_store_thread_roots_same_second_by_arrival),
		T(test_store_thread_roots_old_index_layout),
		T(test_store_thread_roots_version1_tgroups),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
