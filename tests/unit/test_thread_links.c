/*
 * Unit tests for the thread model of storage/thread_db.c and
 * storage/summary_db.c, through store.h only: the same tree whatever the
 * arrival order (all 720 orders of a six-article tree, walked from every
 * node after every arrival), placeholders that keep the shape and heal,
 * reply cycles, absurdly long References chains and the depth cap,
 * cross-posted threads in the per-group thread index, and articles whose
 * References are missing or unusable.
 *
 * Every permutation gets its own store (1 MiB map, nosync) in its own
 * mkdtemp() directory, removed afterwards.
 */
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

#define SMALL_MAP	((size_t)1 << 20)

/* ---- A store per permutation ----------------------------------------- */

static void
perm_open(struct st_fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->opt.nosync = 1;
	f->opt.map_size = SMALL_MAP;
	st_mkdir(f);
	st_open(f);
	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
}

static void
perm_close(struct st_fixture *f)
{
	store_close(f->st);
	f->st = NULL;
	st_rmtree(f->dir);
}

/* For tests that open a store per permutation: whatever store a failed
   assertion left open is closed and removed here. */
static int
perm_setup(void **state)
{
	*state = calloc(1, sizeof(struct st_fixture));
	return (*state == NULL ? -1 : 0);
}

static int
perm_teardown(void **state)
{
	struct st_fixture	*f = *state;

	if (f != NULL && f->st != NULL)
		perm_close(f);
	free(f);
	return (0);
}

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
	t = p[i];
	p[i] = p[j];
	p[j] = t;
	for (i++, j = n - 1; i < j; i++, j--) {
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return (1);
}

/* ---- Walks as data --------------------------------------------------- */

struct wnode {
	unsigned	 depth;
	int		 present;
	char		*msgid;
};

/* A walk: every node, and a rendering "depth msgid present;" ... */
struct walk {
	struct wnode	*n;
	size_t		 count, ncap;
	char		*str;
	size_t		 len, cap;
	int		 info_ok;	/* info present exactly when present */
	unsigned	 max_depth;
};

static int
walk_cb(const struct store_thread_node *node, void *arg)
{
	struct walk	*w = arg;
	char		 line[STORE_MSGID_MAX + 32];
	int		 l;

	l = snprintf(line, sizeof(line), "%u %s %d;", node->depth,
	    node->msgid, node->present);
	assert_true(l > 0 && (size_t)l < sizeof(line));
	if (w->len + (size_t)l + 1 > w->cap) {
		w->cap = (w->cap + (size_t)l + 1) * 2;
		w->str = realloc(w->str, w->cap);
		assert_non_null(w->str);
	}
	memcpy(w->str + w->len, line, (size_t)l + 1);
	w->len += (size_t)l;
	if (w->count == w->ncap) {
		w->ncap = w->ncap ? w->ncap * 2 : 16;
		w->n = reallocarray(w->n, w->ncap, sizeof(*w->n));
		assert_non_null(w->n);
	}
	w->n[w->count].depth = node->depth;
	w->n[w->count].present = node->present;
	w->n[w->count].msgid = strdup(node->msgid);
	assert_non_null(w->n[w->count].msgid);
	w->count++;
	if (node->depth > w->max_depth)
		w->max_depth = node->depth;
	if ((node->present && (node->info == NULL ||
	    strcmp(node->info->msgid, node->msgid) != 0)) ||
	    (!node->present && node->info != NULL))
		w->info_ok = 0;
	return (0);
}

static void
walk_run(struct store *st, const char *from, size_t max, struct walk *w,
    int *truncated)
{
	memset(w, 0, sizeof(*w));
	w->info_ok = 1;
	assert_int_equal(store_thread_walk(st, from, max, walk_cb, w,
	    truncated), STORE_OK);
	assert_true(w->info_ok);
	if (w->str == NULL)
		w->str = strdup("");
	assert_non_null(w->str);
}

static void
walk_free(struct walk *w)
{
	size_t	i;

	for (i = 0; i < w->count; i++)
		free(w->n[i].msgid);
	free(w->n);
	free(w->str);
	memset(w, 0, sizeof(*w));
}

/* msgid is not a node of any thread (the walk finds nothing). */
static void
assert_not_node(struct store *st, const char *msgid)
{
	struct walk	w;

	memset(&w, 0, sizeof(w));
	w.info_ok = 1;
	assert_int_equal(store_thread_walk(st, msgid, 0, walk_cb, &w, NULL),
	    STORE_NOTFOUND);
	assert_int_equal(w.count, 0);
	walk_free(&w);
}

/* The walk's nodes are a preorder: each depth at most one more than the
   previous node's, only the first at depth 0. */
static void
assert_preorder(const struct walk *w)
{
	size_t	i;

	assert_true(w->count > 0);
	assert_int_equal(w->n[0].depth, 0);
	for (i = 1; i < w->count; i++) {
		assert_true(w->n[i].depth >= 1);
		assert_true(w->n[i].depth <= w->n[i - 1].depth + 1);
	}
}

/* Parent of node i in a preorder walk ("" for the root). */
static const char *
walk_parent(const struct walk *w, size_t i)
{
	size_t	j;

	for (j = i; j-- > 0;)
		if (w->n[j].depth + 1 == w->n[i].depth)
			return (w->n[j].msgid);
	return ("");
}

/* Index of msgid in the walk, or -1. */
static int
walk_find(const struct walk *w, const char *msgid)
{
	size_t	i;

	for (i = 0; i < w->count; i++)
		if (strcmp(w->n[i].msgid, msgid) == 0)
			return ((int)i);
	return (-1);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* No node is visited twice. */
static void
assert_each_once(const struct walk *w)
{
	char	**ids;
	size_t	  i;

	if (w->count < 2)
		return;
	ids = calloc(w->count, sizeof(*ids));
	assert_non_null(ids);
	for (i = 0; i < w->count; i++)
		ids[i] = w->n[i].msgid;
	qsort(ids, w->count, sizeof(*ids), cmp_str);
	for (i = 1; i < w->count; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			fail_msg("%s visited twice", ids[i]);
	free(ids);
}

/* ---- The six-article tree -------------------------------------------- */

/*
 * Two branches under the root:
 *
 *   <m-root@t>
 *     <x-a@t>            (200)
 *       <q-b@t>          (400)
 *     <c-c@t>            (300)
 *       <f-d@t>          (500)
 *       <a-e@t>          (600)
 *
 * The names sort against the arrival times on purpose (c-c < x-a,
 * a-e < f-d), so siblings ordered by name would show up.
 */
struct tnode {
	const char	*msgid;
	const char	*refs;		/* full References chain */
	const char	*parent;	/* "" for the root */
	unsigned	 depth;
	int64_t		 arrival;
};

#define T6	6
static const struct tnode tree6[T6] = {
	{ "<m-root@t>", NULL, "", 0, 100 },
	{ "<x-a@t>", "<m-root@t>", "<m-root@t>", 1, 200 },
	{ "<c-c@t>", "<m-root@t>", "<m-root@t>", 1, 300 },
	{ "<q-b@t>", "<m-root@t> <x-a@t>", "<x-a@t>", 2, 400 },
	{ "<f-d@t>", "<m-root@t> <c-c@t>", "<c-c@t>", 2, 500 },
	{ "<a-e@t>", "<m-root@t> <c-c@t>", "<c-c@t>", 2, 600 },
};

static const char *const tree6_walk =
    "0 <m-root@t> 1;1 <x-a@t> 1;2 <q-b@t> 1;1 <c-c@t> 1;"
    "2 <f-d@t> 1;2 <a-e@t> 1;";

/* Root and <c-c@t> never arrived: placeholders keep the shape. */
static const char *const tree6_holes_walk =
    "0 <m-root@t> 0;1 <x-a@t> 1;2 <q-b@t> 1;1 <c-c@t> 0;"
    "2 <f-d@t> 1;2 <a-e@t> 1;";

static int
tree6_index(const char *msgid)
{
	int	i;

	for (i = 0; i < T6; i++)
		if (strcmp(tree6[i].msgid, msgid) == 0)
			return (i);
	return (-1);
}

static void
tree6_post(struct store *st, int i)
{
	assert_int_equal(st_post(st, tree6[i].msgid, "t.g", tree6[i].refs,
	    tree6[i].arrival), STORE_OK);
}

/*
 * After some of tree6 arrived (arrived[i]): the nodes are exactly the
 * arrived articles and those they reference; every node sits at its true
 * depth under its true parent; present exactly when arrived; and the walk
 * is the same from every node.
 */
static void
tree6_check_partial(struct store *st, const int *arrived)
{
	struct walk	 first, w;
	int		 known[T6], i, k, nknown = 0;
	size_t		 j;
	const char	*p;

	memset(known, 0, sizeof(known));
	for (i = 0; i < T6; i++) {
		if (!arrived[i])
			continue;
		known[i] = 1;
		/* Its ancestors are referenced by it. */
		for (p = tree6[i].parent; *p != '\0';
		    p = tree6[k].parent) {
			k = tree6_index(p);
			assert_true(k >= 0);
			known[k] = 1;
		}
	}
	for (i = 0; i < T6; i++)
		nknown += known[i];

	memset(&first, 0, sizeof(first));
	for (i = 0; i < T6; i++) {
		if (!known[i]) {
			assert_not_node(st, tree6[i].msgid);
			continue;
		}
		walk_run(st, tree6[i].msgid, 0, &w, NULL);
		if (first.str == NULL)
			first = w;	/* kept, freed below */
		else {
			assert_string_equal(w.str, first.str);
			walk_free(&w);
		}
	}
	assert_int_equal(first.count, (size_t)nknown);
	assert_preorder(&first);
	for (j = 0; j < first.count; j++) {
		k = tree6_index(first.n[j].msgid);
		assert_true(k >= 0);
		assert_true(known[k]);
		assert_int_equal(first.n[j].present, arrived[k]);
		assert_int_equal(first.n[j].depth, tree6[k].depth);
		assert_string_equal(walk_parent(&first, j), tree6[k].parent);
	}
	walk_free(&first);
}

/*
 * All 720 arrival orders give the identical walk, from every node; and
 * after every single arrival the partial tree already has its final shape
 * (depths and parents), the same from every node.
 */
static void
test_thread_links_every_order_of_six(void **state)
{
	struct st_fixture	*f = *state;
	struct walk		 w;
	int			 p[T6], arrived[T6], i, perms = 0;

	for (i = 0; i < T6; i++)
		p[i] = i;
	do {
		perm_open(f);
		memset(arrived, 0, sizeof(arrived));
		for (i = 0; i < T6; i++) {
			tree6_post(f->st, p[i]);
			arrived[p[i]] = 1;
			tree6_check_partial(f->st, arrived);
		}
		for (i = 0; i < T6; i++) {
			walk_run(f->st, tree6[i].msgid, 0, &w, NULL);
			if (strcmp(w.str, tree6_walk) != 0)
				fail_msg("order %d %d %d %d %d %d, walk from "
				    "%s: %s", p[0], p[1], p[2], p[3], p[4],
				    p[5], tree6[i].msgid, w.str);
			walk_free(&w);
		}
		perm_close(f);
		perms++;
	} while (next_permutation(p, T6));
	assert_int_equal(perms, 720);
}

struct sum1 {
	int		 calls;
	char		 root[STORE_MSGID_MAX + 1];
	char		 subject[128];
	uint32_t	 articles, replies;
	int64_t		 last, group_last;
	int		 root_present;
};

static int
sum1_cb(const struct store_thread_summary *ts, void *arg)
{
	struct sum1	*s = arg;

	s->calls++;
	snprintf(s->root, sizeof(s->root), "%s", ts->root);
	snprintf(s->subject, sizeof(s->subject), "%s", ts->subject);
	s->articles = ts->articles;
	s->replies = ts->replies;
	s->last = ts->last;
	s->group_last = ts->group_last;
	s->root_present = ts->root_present;
	return (0);
}

static void
summary_get(struct store *st, const char *msgid, struct sum1 *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(store_thread_summary(st, msgid, sum1_cb, s),
	    STORE_OK);
	assert_int_equal(s->calls, 1);
}

/*
 * The root and a middle article (<c-c@t>, parent of two) never arrive:
 * in all 24 orders of the other four the tree has its final shape with
 * two placeholders, walked alike from every node (placeholders too).  When
 * the missing ones arrive, in either order, it heals into the full tree.
 */
static void
test_thread_links_holes_keep_shape_then_heal(void **state)
{
	static const int	 present[4] = { 1, 3, 4, 5 };
	struct st_fixture	*f = *state;
	struct walk		 w;
	struct sum1		 s;
	char			 parent[STORE_MSGID_MAX + 1];
	char			 root[STORE_MSGID_MAX + 1];
	int			 p[4], i, late, perms = 0;

	for (late = 0; late < 2; late++) {
		for (i = 0; i < 4; i++)
			p[i] = i;
		do {
			perm_open(f);
			for (i = 0; i < 4; i++)
				tree6_post(f->st, present[p[i]]);
			for (i = 0; i < T6; i++) {
				walk_run(f->st, tree6[i].msgid, 0, &w, NULL);
				assert_string_equal(w.str, tree6_holes_walk);
				walk_free(&w);
			}
			assert_int_equal(store_parent(f->st, "<f-d@t>", parent,
			    root), STORE_OK);
			assert_string_equal(parent, "<c-c@t>");
			assert_string_equal(root, "<m-root@t>");
			assert_int_equal(store_parent(f->st, "<c-c@t>", parent,
			    root), STORE_OK);
			assert_string_equal(parent, "<m-root@t>");
			summary_get(f->st, "<m-root@t>", &s);
			assert_string_equal(s.root, "<m-root@t>");
			assert_int_equal(s.root_present, 0);
			assert_int_equal(s.articles, 4);
			assert_int_equal(s.replies, 4);
			assert_int_equal(s.last, 600);
			assert_string_equal(s.subject, "");

			/* The missing ones arrive: root first or last. */
			tree6_post(f->st, late ? 2 : 0);
			tree6_post(f->st, late ? 0 : 2);
			for (i = 0; i < T6; i++) {
				walk_run(f->st, tree6[i].msgid, 0, &w, NULL);
				assert_string_equal(w.str, tree6_walk);
				walk_free(&w);
			}
			summary_get(f->st, "<q-b@t>", &s);
			assert_string_equal(s.root, "<m-root@t>");
			assert_int_equal(s.root_present, 1);
			assert_int_equal(s.articles, 6);
			assert_int_equal(s.replies, 5);
			assert_string_equal(s.subject, "about <m-root@t>");
			perm_close(f);
			perms++;
		} while (next_permutation(p, 4));
	}
	assert_int_equal(perms, 48);
}

/*
 * A placeholder sorts among its siblings by the earliest article that
 * implied it (not the latest, not the last to arrive), and by its own
 * posting time once it arrives.  All 24 orders.
 */
static void
test_thread_links_placeholder_sibling_order(void **state)
{
	static const struct {
		const char	*msgid, *refs;
		int64_t		 arrival;
	} arts[4] = {
		{ "<R@po>", NULL, 10 },
		{ "<S@po>", "<R@po>", 300 },
		{ "<P1@po>", "<R@po> <P@po>", 200 },	/* implies P at 200 */
		{ "<P2@po>", "<R@po> <P@po>", 400 },	/* ... and at 400 */
	};
	struct st_fixture	*f = *state;
	struct walk		 w;
	int			 p[4], i, perms = 0;

	for (i = 0; i < 4; i++)
		p[i] = i;
	do {
		perm_open(f);
		for (i = 0; i < 4; i++)
			assert_int_equal(st_post(f->st, arts[p[i]].msgid, "t.g",
			    arts[p[i]].refs, arts[p[i]].arrival), STORE_OK);
		walk_run(f->st, "<S@po>", 0, &w, NULL);
		assert_string_equal(w.str, "0 <R@po> 1;1 <P@po> 0;"
		    "2 <P1@po> 1;2 <P2@po> 1;1 <S@po> 1;");
		walk_free(&w);
		/* <P@po> arrives, posted after <S@po>: it moves behind. */
		assert_int_equal(st_post(f->st, "<P@po>", "t.g", "<R@po>", 350),
		    STORE_OK);
		walk_run(f->st, "<P1@po>", 0, &w, NULL);
		assert_string_equal(w.str, "0 <R@po> 1;1 <S@po> 1;"
		    "1 <P@po> 1;2 <P1@po> 1;2 <P2@po> 1;");
		walk_free(&w);
		perm_close(f);
		perms++;
	} while (next_permutation(p, 4));
	assert_int_equal(perms, 24);
}

/*
 * Two replies disagree about a placeholder's parent: <X@po> (earlier)
 * puts <Z@po> under <B@po>, <Y@po> under <C@po>.  The earlier one wins,
 * in both arrival orders, and the loser's placeholder <C@po>, which would
 * have no replies, is not a node (as a placeholder left without replies
 * is pruned).  When <Z@po> arrives its own References win, and <B@po>
 * goes instead.
 */
static void
test_thread_links_conflicting_parents(void **state)
{
	static const struct {
		const char	*msgid, *refs;
		int64_t		 arrival;
	} conflict[2] = {
		{ "<X@po>", "<A@po> <B@po> <Z@po>", 100 },
		{ "<Y@po>", "<A@po> <C@po> <Z@po>", 200 },
	};
	struct st_fixture	*f = *state;
	struct walk		 w;
	char			 got[512];
	int			 i;

	for (i = 0; i < 2; i++) {
		perm_open(f);
		assert_int_equal(st_post(f->st, conflict[i].msgid, "t.g",
		    conflict[i].refs, conflict[i].arrival), STORE_OK);
		assert_int_equal(st_post(f->st, conflict[1 - i].msgid, "t.g",
		    conflict[1 - i].refs, conflict[1 - i].arrival), STORE_OK);
		walk_run(f->st, "<Y@po>", 0, &w, NULL);
		snprintf(got, sizeof(got), "%s", w.str);
		walk_free(&w);
		if (strcmp(got, "0 <A@po> 0;1 <B@po> 0;2 <Z@po> 0;"
		    "3 <X@po> 1;3 <Y@po> 1;") != 0)
			fail_msg("%s arrived first: %s", conflict[i].msgid,
			    got);
		assert_int_equal(st_post(f->st, "<Z@po>", "t.g",
		    "<A@po> <C@po>", 300), STORE_OK);
		walk_run(f->st, "<X@po>", 0, &w, NULL);
		assert_string_equal(w.str, "0 <A@po> 0;1 <C@po> 0;2 <Z@po> 1;"
		    "3 <X@po> 1;3 <Y@po> 1;");
		walk_free(&w);
		assert_not_node(f->st, "<B@po>");
		perm_close(f);
	}
}

/* ---- Cycles ---------------------------------------------------------- */

/*
 * The walk from every node of a cyclic reply set terminates, visits each
 * node once, finds all of them present, and is the same from every node.
 */
static void
assert_cycle_walks(struct store *st, const char *const *ids, int n,
    const char *what)
{
	struct walk	 w;
	char		*first = NULL;
	char		 parent[STORE_MSGID_MAX + 1];
	char		 root[STORE_MSGID_MAX + 1];
	int		 i, k;

	for (i = 0; i < n; i++) {
		walk_run(st, ids[i], 0, &w, NULL);
		if ((int)w.count != n)
			fail_msg("%s: walk from %s has %zu nodes: %s", what,
			    ids[i], w.count, w.str);
		assert_preorder(&w);
		for (k = 0; k < n; k++) {
			if (walk_find(&w, ids[k]) < 0)
				fail_msg("%s: %s missing from %s", what,
				    ids[k], w.str);
			assert_int_equal(w.n[walk_find(&w, ids[k])].present,
			    1);
		}
		if (first == NULL)
			first = strdup(w.str);
		else if (strcmp(first, w.str) != 0)
			fail_msg("%s: walk from %s differs: %s vs %s", what,
			    ids[i], w.str, first);
		walk_free(&w);
		/* Following parents up terminates too, at a member. */
		assert_int_equal(store_parent(st, ids[i], parent, root),
		    STORE_OK);
		for (k = 0; k < n; k++)
			if (strcmp(root, ids[k]) == 0)
				break;
		assert_true(k < n);
	}
	free(first);
}

static void
test_thread_links_cycles_terminate(void **state)
{
	static const char *const two[2] = { "<A@cyc>", "<B@cyc>" };
	static const char *const two_refs[2] = { "<B@cyc>", "<A@cyc>" };
	static const char *const three[3] = { "<P@cyc>", "<Q@cyc>",
	    "<R@cyc>" };
	/* P replies to R, Q to P, R to Q: parent links only ... */
	static const char *const three_refs[3] = { "<R@cyc>", "<P@cyc>",
	    "<Q@cyc>" };
	/* ... and whole chains implying the cycle the other way round. */
	static const char *const three_chains[3] = { "<Q@cyc> <R@cyc>",
	    "<R@cyc> <P@cyc>", "<P@cyc> <Q@cyc>" };
	struct st_fixture	*f = *state;
	int			 p[3], i, perms = 0;

	for (i = 0; i < 2; i++) {
		perm_open(f);
		assert_int_equal(st_post(f->st, two[i], "t.g", two_refs[i],
		    10), STORE_OK);
		assert_int_equal(st_post(f->st, two[1 - i], "t.g",
		    two_refs[1 - i], 20), STORE_OK);
		assert_cycle_walks(f->st, two, 2, "2-cycle");
		perm_close(f);
	}
	for (i = 0; i < 3; i++)
		p[i] = i;
	do {
		perm_open(f);
		for (i = 0; i < 3; i++)
			assert_int_equal(st_post(f->st, three[p[i]], "t.g",
			    three_refs[p[i]], 10 * (i + 1)), STORE_OK);
		assert_cycle_walks(f->st, three, 3, "3-cycle");
		perm_close(f);

		perm_open(f);
		for (i = 0; i < 3; i++)
			assert_int_equal(st_post(f->st, three[p[i]], "t.g",
			    three_chains[p[i]], 10 * (i + 1)), STORE_OK);
		assert_cycle_walks(f->st, three, 3, "3-cycle of chains");
		perm_close(f);
		perms++;
	} while (next_permutation(p, 3));
	assert_int_equal(perms, 6);
}

/* ---- Long References chains and the depth cap ------------------------ */

static char **
chain_ids(size_t n, const char *fmt)
{
	char	**ids;
	size_t	  i;

	ids = calloc(n, sizeof(*ids));
	assert_non_null(ids);
	for (i = 0; i < n; i++)
		assert_true(asprintf(&ids[i], fmt, i) > 0);
	return (ids);
}

static void
chain_free(char **ids, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Store msgid with References refs[0..n-1] (store_test.h's builder takes
   16 at most: the arrays are swapped in after). */
static void
post_refs(struct store *st, const char *msgid, char *const *refs, size_t n,
    int64_t arrival)
{
	struct tart	t;

	tart_make(&t, msgid, "t.g", NULL, NULL, 0, arrival);
	t.a.references = (const char *const *)refs;
	t.a.nreferences = n;
	t.a.parent = n > 0 ? refs[n - 1] : NULL;
	assert_int_equal(tart_put(st, &t), STORE_OK);
	tart_free(&t);
}

/*
 * One article whose References name 1500 articles, none of them here: the
 * walk from it terminates, in a single chain of placeholders above it,
 * each node once, the article itself last and deepest.
 */
static void
test_thread_links_references_1500(void **state)
{
	struct st_fixture	*f = *state;
	struct walk		 w, w2;
	char			**ids;
	char			 parent[STORE_MSGID_MAX + 1];
	char			 root[STORE_MSGID_MAX + 1];
	int			 truncated = -1;

	ids = chain_ids(1500, "<r%zu@long>");
	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	post_refs(f->st, "<x@long>", ids, 1500, 100);
	walk_run(f->st, "<x@long>", 0, &w, &truncated);
	assert_int_equal(truncated, 0);
	assert_true(w.count >= 2 && w.count <= 1501);
	/* A chain: depths 0, 1, 2, ..., the article at the bottom. */
	assert_int_equal(w.max_depth, w.count - 1);
	assert_non_null(strstr(w.str, " <r1499@long> 0;"));
	{
		char	tailbuf[64];

		snprintf(tailbuf, sizeof(tailbuf), "%zu <x@long> 1;",
		    w.count - 1);
		assert_true(w.len >= strlen(tailbuf));
		assert_string_equal(w.str + w.len - strlen(tailbuf), tailbuf);
	}
	assert_each_once(&w);
	/* The same tree from its top and from a middle placeholder. */
	assert_int_equal(store_parent(f->st, "<x@long>", parent, root),
	    STORE_OK);
	assert_string_equal(parent, "<r1499@long>");
	walk_run(f->st, root, 0, &w2, NULL);
	assert_string_equal(w2.str, w.str);
	walk_free(&w2);
	walk_run(f->st, "<r1200@long>", 0, &w2, NULL);
	assert_string_equal(w2.str, w.str);
	walk_free(&w2);
	walk_free(&w);
	chain_free(ids, 1500);
}

/*
 * A reply chain longer than the store's depth cap (10000 levels), built
 * from 11 articles each carrying 1000 References that overlap by one.
 * Walks from the top, the bottom and the middle terminate, visit each node
 * once and go no deeper than the cap, and say so when they were cut.
 *
 * Posted bottom-up, every link is made below a short chain, so the whole
 * chain exists and the walk from the top is cut at the cap.  Posted
 * top-down, the last article's link lands deeper than the cap and is
 * refused (the store's depth limit on linking), so only the bounds hold.
 */
#define SEGS		11
#define SEG_REFS	1000
#define CHAIN_LEN	((SEG_REFS - 1) * SEGS + 1)

static void
test_thread_links_chain_beyond_depth_cap(void **state)
{
	struct st_fixture	*f = *state;
	struct walk		 w;
	char			**ids;
	char			 own[64];
	const char		*from[3];
	int			 order, k, i, truncated;

	ids = chain_ids(CHAIN_LEN, "<d%zu@cap>");
	for (order = 0; order < 2; order++) {
		perm_open(f);
		for (i = 0; i < SEGS; i++) {
			k = order == 0 ? i : SEGS - 1 - i;
			snprintf(own, sizeof(own), "<seg%d@cap>", k);
			post_refs(f->st, own, ids + (size_t)k * (SEG_REFS - 1),
			    SEG_REFS, 1000 + k);
		}
		from[0] = ids[0];
		from[1] = ids[CHAIN_LEN / 2];
		from[2] = "<seg10@cap>";
		for (i = 0; i < 3; i++) {
			truncated = -1;
			walk_run(f->st, from[i], 0, &w, &truncated);
			assert_true(w.count >= 1);
			assert_true(w.max_depth <= 10000);
			assert_true(w.count <= CHAIN_LEN + SEGS);
			assert_each_once(&w);
			/* Cut exactly when it reached the cap. */
			assert_int_equal(truncated, w.max_depth == 10000);
			if (order == 1)
				assert_int_equal(w.max_depth, 10000);
			walk_free(&w);
		}
		/* A bounded walk is bounded. */
		walk_run(f->st, ids[0], 50, &w, &truncated);
		assert_int_equal(w.count, 50);
		assert_int_equal(truncated, 1);
		walk_free(&w);
		perm_close(f);
	}
	chain_free(ids, CHAIN_LEN);
}

/* ---- Cross-posted threads -------------------------------------------- */

struct roots {
	char		 root[8][STORE_MSGID_MAX + 1];
	uint32_t	 articles[8], replies[8];
	int64_t		 last[8], group_last[8];
	size_t		 n;
};

static int
roots_cb(const struct store_thread_summary *ts, void *arg)
{
	struct roots	*r = arg;

	assert_true(r->n < 8);
	snprintf(r->root[r->n], sizeof(r->root[0]), "%s", ts->root);
	r->articles[r->n] = ts->articles;
	r->replies[r->n] = ts->replies;
	r->last[r->n] = ts->last;
	r->group_last[r->n] = ts->group_last;
	r->n++;
	return (0);
}

static void
roots_get(struct store *st, const char *group, struct roots *r)
{
	struct store_thread_cursor	cur;
	struct store_group		g;
	int				calls = 0;

	memset(r, 0, sizeof(*r));
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(store_group_get(st, group, &g), STORE_OK);
	/* One at a time, to exercise the resume cursor as well. */
	while (!cur.done && calls++ < 20)
		assert_int_equal(store_thread_roots(st, g.id, 1, roots_cb, r,
		    &cur), STORE_OK);
	assert_true(cur.done);
}

/*
 * One thread whose articles went to two groups (the root to both, replies
 * to one or the other or both), beside a thread in one group only.  The
 * thread is listed in both groups, ordered by its activity in each; the
 * summary counts each article once, whatever groups it is in.
 */
static void
test_thread_links_cross_posted(void **state)
{
	struct st_fixture	*f = *state;
	struct roots		 r;
	struct sum1		 s;
	struct walk		 w;

	assert_int_equal(store_group_create(f->st, "t.one", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_group_create(f->st, "t.two", 'y', NULL, NULL,
	    0), STORE_OK);
	/* A reply to both groups arrives before its root. */
	assert_int_equal(st_post(f->st, "<both@x>", "t.one,t.two", "<root@x>",
	    150), STORE_OK);
	assert_int_equal(st_post(f->st, "<root@x>", "t.one,t.two", NULL, 100),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<solo@x>", "t.one", NULL, 200),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<in-one@x>", "t.one", "<root@x>",
	    300), STORE_OK);
	assert_int_equal(st_post(f->st, "<in-two@x>", "t.two",
	    "<root@x> <both@x>", 400), STORE_OK);

	summary_get(f->st, "<root@x>", &s);
	assert_int_equal(s.articles, 4);
	assert_int_equal(s.replies, 3);
	assert_int_equal(s.last, 400);
	assert_int_equal(s.root_present, 1);

	/* t.one: the thread was last active there at 300, after <solo@x>. */
	roots_get(f->st, "t.one", &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.root[0], "<root@x>");
	assert_int_equal(r.group_last[0], 300);
	assert_int_equal(r.last[0], 400);
	assert_int_equal(r.articles[0], 4);
	assert_int_equal(r.replies[0], 3);
	assert_string_equal(r.root[1], "<solo@x>");
	assert_int_equal(r.replies[1], 0);
	assert_int_equal(r.group_last[1], 200);

	roots_get(f->st, "t.two", &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.root[0], "<root@x>");
	assert_int_equal(r.group_last[0], 400);
	assert_int_equal(r.replies[0], 3);

	/* One tree, whichever group an article is in. */
	walk_run(f->st, "<in-two@x>", 0, &w, NULL);
	assert_string_equal(w.str, "0 <root@x> 1;1 <both@x> 1;2 <in-two@x> 1;"
	    "1 <in-one@x> 1;");
	walk_free(&w);

	/* Once t.two's articles expire, the thread stays in t.one only,
	   with the cross-posted ones still counted (filed in t.one). */
	assert_int_equal(store_expire_group(f->st, "t.two", 1000, NULL),
	    STORE_OK);
	roots_get(f->st, "t.two", &r);
	assert_int_equal(r.n, 0);
	roots_get(f->st, "t.one", &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.root[0], "<root@x>");
	assert_int_equal(r.articles[0], 3);
	assert_int_equal(r.replies[0], 2);
	walk_run(f->st, "<root@x>", 0, &w, NULL);
	assert_string_equal(w.str, "0 <root@x> 1;1 <both@x> 1;"
	    "1 <in-one@x> 1;");
	walk_free(&w);
}

/* ---- Missing and broken References ----------------------------------- */

/* msgid is a thread of its own: one node, its own root, no replies. */
static void
assert_own_root(struct store *st, const char *msgid)
{
	struct walk	w;
	struct sum1	s;
	char		parent[STORE_MSGID_MAX + 1];
	char		root[STORE_MSGID_MAX + 1];
	char		want[STORE_MSGID_MAX + 16];

	walk_run(st, msgid, 0, &w, NULL);
	snprintf(want, sizeof(want), "0 %s 1;", msgid);
	if (strcmp(w.str, want) != 0)
		fail_msg("walk from %s: %s", msgid, w.str);
	walk_free(&w);
	assert_int_equal(store_parent(st, msgid, parent, root), STORE_OK);
	assert_string_equal(parent, "");
	assert_string_equal(root, msgid);
	summary_get(st, msgid, &s);
	assert_string_equal(s.root, msgid);
	assert_int_equal(s.articles, 1);
	assert_int_equal(s.replies, 0);
	assert_int_equal(s.root_present, 1);
}

static void
test_thread_links_missing_references(void **state)
{
	struct st_fixture	*f = *state;
	struct roots		 r;
	char			 longid[STORE_MSGID_MAX + 8];
	struct tart		 t;
	char			*self[1], *empty[1], *toolong[2];
	char			*selfchain[2];
	size_t			 i;

	assert_int_equal(store_group_create(f->st, "t.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	/* No References at all. */
	assert_int_equal(st_post(f->st, "<none@b>", "t.g", NULL, 10),
	    STORE_OK);
	assert_own_root(f->st, "<none@b>");

	/* References naming only itself. */
	self[0] = "<self@b>";
	post_refs(f->st, "<self@b>", self, 1, 20);
	assert_own_root(f->st, "<self@b>");

	/* An empty entry. */
	empty[0] = "";
	post_refs(f->st, "<empty@b>", empty, 1, 30);
	assert_own_root(f->st, "<empty@b>");

	/* An entry longer than any message-id may be. */
	longid[0] = '<';
	for (i = 1; i < sizeof(longid) - 2; i++)
		longid[i] = 'x';
	longid[sizeof(longid) - 2] = '>';
	longid[sizeof(longid) - 1] = '\0';
	/* As the parent it is refused outright (STORE_INVALID) ... */
	tart_make(&t, "<long@b>", "t.g", NULL, NULL, 0, 40);
	toolong[0] = longid;
	t.a.references = (const char *const *)toolong;
	t.a.nreferences = 1;
	t.a.parent = longid;
	assert_int_equal(tart_put(f->st, &t), STORE_INVALID);
	tart_free(&t);
	assert_not_node(f->st, "<long@b>");
	/* ... further up the chain it is skipped. */
	toolong[1] = "<long@b>";
	post_refs(f->st, "<long@b>", toolong, 2, 40);
	assert_own_root(f->st, "<long@b>");
	assert_not_node(f->st, longid);

	/* Itself twice: still nothing to link to. */
	selfchain[0] = "<twice@b>";
	selfchain[1] = "<twice@b>";
	post_refs(f->st, "<twice@b>", selfchain, 2, 50);
	assert_own_root(f->st, "<twice@b>");

	/* A reply to one of them is linked normally. */
	assert_int_equal(st_post(f->st, "<re@b>", "t.g", "<none@b>", 60),
	    STORE_OK);
	roots_get(f->st, "t.g", &r);
	assert_int_equal(r.n, 5);
	assert_string_equal(r.root[0], "<none@b>");
	assert_int_equal(r.replies[0], 1);
	for (i = 1; i < r.n; i++)
		assert_int_equal(r.replies[i], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, st_setup, st_teardown)
#define P(name) cmocka_unit_test_setup_teardown(name, perm_setup, \
    perm_teardown)
		P(test_thread_links_every_order_of_six),
		P(test_thread_links_holes_keep_shape_then_heal),
		P(test_thread_links_placeholder_sibling_order),
		P(test_thread_links_conflicting_parents),
		P(test_thread_links_cycles_terminate),
		T(test_thread_links_references_1500),
		P(test_thread_links_chain_beyond_depth_cap),
		T(test_thread_links_cross_posted),
		T(test_thread_links_missing_references),
#undef T
#undef P
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
