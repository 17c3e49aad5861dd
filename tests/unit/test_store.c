/* Unit tests for storage/: open, groups, storing, reading, numbers, OVER. */
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "store.h"
#include "store_test.h"

/* ---- Reading helpers ------------------------------------------------- */

struct got {
	char		*wire;
	size_t		 len;
	char		 msgid[STORE_MSGID_MAX + 1];
	char		 parent[STORE_MSGID_MAX + 1];
	char		 root[STORE_MSGID_MAX + 1];
	char		 xref[1024];
	char		*overview;
	int64_t		 arrival;
	uint32_t	 bytes, lines;
	size_t		 header_len;
	int		 calls;
};

static int
got_cb(const char *wire, size_t len, const struct store_article_info *info,
    void *arg)
{
	struct got	*g = arg;

	g->calls++;
	g->wire = malloc(len + 1);
	memcpy(g->wire, wire, len);
	g->wire[len] = '\0';
	g->len = len;
	snprintf(g->msgid, sizeof(g->msgid), "%s", info->msgid);
	snprintf(g->parent, sizeof(g->parent), "%s", info->parent);
	snprintf(g->root, sizeof(g->root), "%s", info->root);
	snprintf(g->xref, sizeof(g->xref), "%s", info->xref);
	g->overview = strndup(info->overview, info->overview_len);
	assert_int_equal(strlen(g->overview), info->overview_len);
	g->arrival = info->arrival;
	g->bytes = info->bytes;
	g->lines = info->lines;
	g->header_len = info->header_len;
	return (0);
}

static void
got_free(struct got *g)
{
	free(g->wire);
	free(g->overview);
	memset(g, 0, sizeof(*g));
}

/* The wire image we expect back: header, Xref line, then the rest. */
static char *
expected_wire(const struct tart *t, const char *xline, size_t *len)
{
	size_t	 xl = strlen(xline);
	char	*w;

	*len = t->a.wire_len + xl;
	w = malloc(*len);
	memcpy(w, t->a.wire, t->a.header_len);
	memcpy(w + t->a.header_len, xline, xl);
	memcpy(w + t->a.header_len + xl, t->a.wire + t->a.header_len,
	    t->a.wire_len - t->a.header_len);
	return (w);
}

struct over_list {
	uint32_t	 nums[64];
	char		 ids[64][STORE_MSGID_MAX + 1];
	char		*over[64];
	size_t		 n;
	size_t		 stop_after;	/* 0: never */
};

/* Collects the entries; checks that each line is the tail framed as OVER
   sends it. */
static int
over_cb(const struct store_over_entry *e, void *arg)
{
	struct over_list	*l = arg;

	assert_true(l->n < 64);
	assert_non_null(e->line);
	assert_int_equal(e->line_len, e->overview_len + 3);
	assert_int_equal(e->line[0], '\t');
	assert_memory_equal(e->line + 1, e->overview, e->overview_len);
	assert_memory_equal(e->line + 1 + e->overview_len, "\r\n", 2);
	assert_null(memchr(e->overview, '\r', e->overview_len));
	assert_null(memchr(e->overview, '\n', e->overview_len));
	l->nums[l->n] = e->number;
	snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s", e->msgid);
	l->over[l->n] = strndup(e->overview, e->overview_len);
	l->n++;
	return (l->stop_after != 0 && l->n >= l->stop_after);
}

static void
over_free(struct over_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->over[i]);
	memset(l, 0, sizeof(*l));
}

static uint32_t
group_id(struct store *st, const char *name)
{
	struct store_group	g;

	assert_int_equal(store_group_get(st, name, &g), STORE_OK);
	return (g.id);
}

/* ---- Open, version, foreign files ------------------------------------ */

static void
test_store_reopen_keeps_data(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;

	assert_int_equal(store_group_create(f->st, "loom.test", 'y', "Tests",
	    "admin", 1000), STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "loom.test", NULL, 5),
	    STORE_OK);
	store_close(f->st);
	st_open(f);
	assert_int_equal(store_group_get(f->st, "loom.test", &g), STORE_OK);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.high, 1);
	assert_string_equal(g.description, "Tests");
	assert_string_equal(g.creator, "admin");
	assert_int_equal(g.created, 1000);
	assert_int_equal(store_history_lookup(f->st, "<a@x>", NULL),
	    STORE_EXISTS);
}

/* A backup taken while the store is open is a complete store. */
static void
test_store_backup_is_a_store(void **state)
{
	struct st_fixture	*f = *state;
	struct store		*copy = NULL;
	struct store_group	 g;
	char			 dir[128], err[256];

	assert_int_equal(store_group_create(f->st, "loom.test", 'y', "Tests",
	    "admin", 1000), STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "loom.test", NULL, 5),
	    STORE_OK);
	snprintf(dir, sizeof(dir), "%s/backup", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(store_backup(f->st, dir), STORE_OK);
	/* Later writes do not reach the copy. */
	assert_int_equal(st_post(f->st, "<b@x>", "loom.test", NULL, 6),
	    STORE_OK);
	assert_int_equal(store_open(&copy, dir, &f->opt, err, sizeof(err)),
	    STORE_OK);
	assert_int_equal(store_group_get(copy, "loom.test", &g), STORE_OK);
	assert_int_equal(g.count, 1);
	assert_int_equal(store_history_lookup(copy, "<a@x>", NULL),
	    STORE_EXISTS);
	assert_int_equal(store_history_lookup(copy, "<b@x>", NULL),
	    STORE_NOTFOUND);
	store_close(copy);
	/* An existing copy is not overwritten. */
	assert_int_not_equal(store_backup(f->st, dir), STORE_OK);
}

static void
test_store_version_refused(void **state)
{
	struct st_fixture	*f = *state;
	struct store		*st2 = NULL;
	char			 err[256];

	assert_int_equal(store_debug_set_version(f->st, 999), STORE_OK);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(&st2, f->dir, &f->opt, err, sizeof(err)),
	    STORE_VERSION);
	assert_null(st2);
	assert_non_null(strstr(err, "999"));
	/* A fresh store so teardown has something sane to close. */
	st_rmtree(f->dir);
	st_mkdir(f);
	st_open(f);
}

static void
write_garbage(const char *dir, size_t size, unsigned seed)
{
	char	 path[128];
	char	*buf;
	size_t	 i;
	int	 fd;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	buf = malloc(size);
	for (i = 0; i < size; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (char)(seed >> 16);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

static void
test_store_foreign_file_corrupt(void **state)
{
	struct st_fixture	f;
	struct store		*st = NULL;
	char			 err[256];
	size_t			 sizes[] = { 100, 4096, 65536 };
	size_t			 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&f, 0, sizeof(f));
		st_mkdir(&f);
		write_garbage(f.dir, sizes[i], (unsigned)i + 7);
		err[0] = '\0';
		assert_int_equal(store_open(&st, f.dir, NULL, err,
		    sizeof(err)), STORE_CORRUPT);
		assert_null(st);
		assert_true(strlen(err) > 0);
		st_rmtree(f.dir);
	}
}

static void
test_store_open_missing_dir(void **state)
{
	struct store	*st = NULL;
	char		 err[256];

	assert_int_equal(store_open(&st, "/nonexistent/loom/dir", NULL, err,
	    sizeof(err)), STORE_ERROR);
	assert_null(st);
	assert_non_null(strstr(err, "/nonexistent/loom/dir"));
}

/* ---- Groups ---------------------------------------------------------- */

static int
collect_groups(const struct store_group *g, void *arg)
{
	char	*out = arg;

	strcat(out, g->name);
	strcat(out, " ");
	return (0);
}

static void
test_store_group_create_get_set_foreach(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	char			 names[256] = "";
	uint32_t		 id1, id2;

	assert_int_equal(store_group_create(f->st, "b.two", 'y', NULL, NULL,
	    1), STORE_OK);
	assert_int_equal(store_group_create(f->st, "a.one", 'm', "first",
	    "me", 2), STORE_OK);
	assert_int_equal(store_group_create(f->st, "a.one", 'y', NULL, NULL,
	    3), STORE_EXISTS);
	assert_int_equal(store_group_create(f->st, "bad name", 'y', NULL,
	    NULL, 3), STORE_INVALID);
	assert_int_equal(store_group_create(f->st, "bad:name", 'y', NULL,
	    NULL, 3), STORE_INVALID);
	assert_int_equal(store_group_create(f->st, "", 'y', NULL, NULL, 3),
	    STORE_INVALID);
	assert_int_equal(store_group_create(f->st, "c.x", 'q', NULL, NULL,
	    3), STORE_INVALID);

	assert_int_equal(store_group_get(f->st, "a.one", &g), STORE_OK);
	assert_int_equal(g.status, 'm');
	assert_int_equal(g.low, 1);
	assert_int_equal(g.high, 0);
	assert_int_equal(g.count, 0);
	id1 = g.id;
	id2 = group_id(f->st, "b.two");
	assert_true(id1 != id2 && id1 != 0 && id2 != 0);
	assert_int_equal(store_group_get(f->st, "no.such", &g),
	    STORE_NOTFOUND);

	assert_int_equal(store_group_set(f->st, "a.one", 'n', NULL), STORE_OK);
	assert_int_equal(store_group_get(f->st, "a.one", &g), STORE_OK);
	assert_int_equal(g.status, 'n');
	assert_string_equal(g.description, "first");
	assert_int_equal(store_group_set(f->st, "a.one", 0, "second"),
	    STORE_OK);
	assert_int_equal(store_group_get(f->st, "a.one", &g), STORE_OK);
	assert_int_equal(g.status, 'n');
	assert_string_equal(g.description, "second");
	assert_int_equal(store_group_set(f->st, "no.such", 'y', NULL),
	    STORE_NOTFOUND);

	assert_int_equal(store_group_foreach(f->st, collect_groups, names),
	    STORE_OK);
	assert_string_equal(names, "a.one b.two ");
}

static void
test_store_group_remove_keeps_history_and_numbers(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	struct store_stats	 s;
	uint32_t		 old_id;

	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_int_equal(s.groups_ever, 0);
	assert_int_equal(store_group_create(f->st, "g.rm", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_group_create(f->st, "g.keep", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<1@rm>", "g.rm", NULL, 10), STORE_OK);
	assert_int_equal(st_post(f->st, "<2@rm>", "g.rm,g.keep", NULL, 11),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<3@rm>", "g.rm", NULL, 12), STORE_OK);
	old_id = group_id(f->st, "g.rm");

	assert_int_equal(store_group_remove(f->st, "g.rm"), STORE_OK);
	assert_int_equal(store_group_get(f->st, "g.rm", &g), STORE_NOTFOUND);
	assert_int_equal(store_group_remove(f->st, "g.rm"), STORE_NOTFOUND);
	/* Only-in-g.rm articles are gone, the cross-post stays. */
	assert_int_equal(store_article_get(f->st, "<1@rm>", NULL, NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_article_get(f->st, "<2@rm>", NULL, NULL),
	    STORE_OK);
	assert_int_equal(store_history_lookup(f->st, "<1@rm>", NULL),
	    STORE_EXISTS);
	assert_int_equal(store_number_lookup(f->st, old_id, 1, NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_int_equal(s.articles, 1);
	assert_int_equal(s.groups, 1);
	/* Removed groups still count as having existed (loomd creates its
	   default groups only on a store that never had any). */
	assert_int_equal(s.groups_ever, 2);
	assert_int_equal(store_group_remove(f->st, "g.keep"), STORE_OK);
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_int_equal(s.groups, 0);
	assert_int_equal(s.groups_ever, 2);

	/* Created again: a new id, and numbering continues after 3. */
	assert_int_equal(store_group_create(f->st, "g.rm", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_group_get(f->st, "g.rm", &g), STORE_OK);
	assert_true(g.id != old_id);
	assert_int_equal(g.high, 3);
	assert_int_equal(g.low, 4);
	assert_int_equal(g.count, 0);
	assert_int_equal(st_post(f->st, "<4@rm>", "g.rm", NULL, 13), STORE_OK);
	assert_int_equal(store_group_get(f->st, "g.rm", &g), STORE_OK);
	assert_int_equal(g.high, 4);
	assert_int_equal(g.low, 4);
}

/* ---- Storing and reading --------------------------------------------- */

static void
test_store_roundtrip_binary_safe(void **state)
{
	struct st_fixture	*f = *state;
	struct tart		 t;
	struct got		 g;
	char			*body, *exp, xline[64], over[1024];
	size_t			 blen = 0, elen, i;

	assert_int_equal(store_group_create(f->st, "bin.test", 'y', NULL,
	    NULL, 0), STORE_OK);
	body = malloc(20000);
	memcpy(body + blen, "..leading dot (stuffed)\r\n", 25);
	blen += 25;
	memcpy(body + blen, "nul\0byte and \xff\xfe 8-bit \xe9\xe8\r\n", 26);
	blen += 26;
	for (i = 0; i < 10000; i++)	/* a long line */
		body[blen++] = (char)('a' + i % 26);
	memcpy(body + blen, "\r\n", 2);
	blen += 2;
	memcpy(body + blen, "...\r\n..\r\n\r\n", 11);
	blen += 11;
	tart_make(&t, "<bin@x>", "bin.test", NULL, body, blen, 1234);
	assert_int_equal(t.a.stuffed_dots, 3);
	assert_int_equal(t.a.lines, 6);
	assert_int_equal(tart_put(f->st, &t), STORE_OK);
	assert_int_equal(t.nums[0], 1);

	memset(&g, 0, sizeof(g));
	assert_int_equal(store_article_get(f->st, "<bin@x>", got_cb, &g),
	    STORE_OK);
	assert_int_equal(g.calls, 1);
	snprintf(xline, sizeof(xline), "Xref: loom bin.test:1\r\n");
	exp = expected_wire(&t, xline, &elen);
	assert_int_equal(g.len, elen);
	assert_memory_equal(g.wire, exp, elen);
	assert_int_equal(g.header_len, t.a.header_len + strlen(xline));
	assert_memory_equal(g.wire + g.header_len, "\r\n", 2);
	assert_int_equal(g.bytes, elen - 3);
	assert_int_equal(g.lines, 6);
	assert_int_equal(g.arrival, 1234);
	assert_string_equal(g.msgid, "<bin@x>");
	assert_string_equal(g.parent, "");
	assert_string_equal(g.root, "<bin@x>");
	assert_string_equal(g.xref, "bin.test:1");
	snprintf(over, sizeof(over), "%s\t%zu\t6\tXref: loom bin.test:1",
	    t.over, elen - 3);
	assert_string_equal(g.overview, over);
	free(exp);
	got_free(&g);
	tart_free(&t);
	free(body);
	assert_int_equal(store_article_get(f->st, "<none@x>", got_cb, &g),
	    STORE_NOTFOUND);
	assert_int_equal(g.calls, 0);
}

static void
test_store_crosspost_numbers_and_xref(void **state)
{
	struct st_fixture	*f = *state;
	struct tart		 t;
	struct got		 g;
	struct over_list	 l;
	struct store_group	 grp;
	char			*exp, over[1024];
	size_t			 elen;
	const char		*xl = "Xref: news.example a.b:2 c.d:3\r\n";

	store_close(f->st);
	f->opt.xref_host = "news.example";
	st_open(f);
	assert_int_equal(store_group_create(f->st, "a.b", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_create(f->st, "c.d", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<1@x>", "c.d", NULL, 1), STORE_OK);
	assert_int_equal(st_post(f->st, "<2@x>", "a.b,c.d", NULL, 2),
	    STORE_OK);

	tart_make(&t, "<3@x>", "a.b,no.such,c.d,a.b", NULL, NULL, 0, 3);
	assert_int_equal(tart_put(f->st, &t), STORE_OK);
	assert_int_equal(t.nums[0], 2);
	assert_int_equal(t.nums[1], 0);
	assert_int_equal(t.nums[2], 3);
	assert_int_equal(t.nums[3], 2);	/* named twice: one number */
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_article_get(f->st, "<3@x>", got_cb, &g),
	    STORE_OK);
	exp = expected_wire(&t, xl, &elen);
	assert_int_equal(g.len, elen);
	assert_memory_equal(g.wire, exp, elen);
	assert_string_equal(g.xref, "a.b:2 c.d:3");
	snprintf(over, sizeof(over), "%s\t%zu\t1\tXref: news.example a.b:2 "
	    "c.d:3", t.over, elen);
	assert_string_equal(g.overview, over);

	/* The same overview tail is filed under both groups. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_over_range(f->st, group_id(f->st, "c.d"), 3, 3,
	    10, over_cb, &l, NULL), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], "<3@x>");
	assert_string_equal(l.over[0], over);
	over_free(&l);
	assert_int_equal(store_group_get(f->st, "c.d", &grp), STORE_OK);
	assert_int_equal(grp.count, 3);
	assert_int_equal(grp.low, 1);
	assert_int_equal(grp.high, 3);
	free(exp);
	got_free(&g);
	tart_free(&t);
}

static void
test_store_duplicates_refused(void **state)
{
	struct st_fixture	*f = *state;
	struct tart		 t[3];
	struct store_article	 arts[3];
	struct store_group	 g;
	int64_t			 when = 0;
	int			 i;

	assert_int_equal(store_group_create(f->st, "dup.test", 'y', NULL,
	    NULL, 0), STORE_OK);
	assert_int_equal(st_post(f->st, "<d1@x>", "dup.test", NULL, 50),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<d1@x>", "dup.test", NULL, 51),
	    STORE_EXISTS);
	assert_int_equal(store_history_lookup(f->st, "<d1@x>", &when),
	    STORE_EXISTS);
	assert_int_equal(when, 50);

	/* Within one batch: the second copy is the duplicate. */
	tart_make(&t[0], "<d2@x>", "dup.test", NULL, NULL, 0, 60);
	tart_make(&t[1], "<d2@x>", "dup.test", NULL, NULL, 0, 61);
	tart_make(&t[2], "<d3@x>", "dup.test", NULL, NULL, 0, 62);
	for (i = 0; i < 3; i++)
		arts[i] = t[i].a;
	assert_int_equal(store_put_batch(f->st, arts, 3), STORE_OK);
	assert_int_equal(arts[0].status, STORE_OK);
	assert_int_equal(arts[1].status, STORE_EXISTS);
	assert_int_equal(arts[2].status, STORE_OK);
	assert_int_equal(t[0].nums[0], 2);
	assert_int_equal(t[2].nums[0], 3);
	for (i = 0; i < 3; i++)
		tart_free(&t[i]);
	assert_int_equal(store_group_get(f->st, "dup.test", &g), STORE_OK);
	assert_int_equal(g.count, 3);

	/* A remembered refusal is refused too. */
	assert_int_equal(store_history_add(f->st, "<refused@x>", 70),
	    STORE_OK);
	assert_int_equal(store_history_add(f->st, "<refused@x>", 71),
	    STORE_EXISTS);
	assert_int_equal(st_post(f->st, "<refused@x>", "dup.test", NULL, 72),
	    STORE_EXISTS);
	assert_int_equal(store_history_lookup(f->st, "<never@x>", NULL),
	    STORE_NOTFOUND);
}

static void
test_store_bad_articles_do_not_fail_batch(void **state)
{
	struct st_fixture	*f = *state;
	struct tart		 t[4];
	struct store_article	 arts[4];
	char			 longid[300];
	int			 i;

	assert_int_equal(store_group_create(f->st, "ok.group", 'y', NULL,
	    NULL, 0), STORE_OK);
	memset(longid, 'x', sizeof(longid));
	longid[0] = '<';
	longid[298] = '>';
	longid[299] = '\0';
	tart_make(&t[0], "<good@x>", "ok.group", NULL, NULL, 0, 1);
	tart_make(&t[1], "<nogroup@x>", "no.group,other.none", NULL, NULL, 0,
	    1);
	tart_make(&t[2], longid, "ok.group", NULL, NULL, 0, 1);
	tart_make(&t[3], "<badhdr@x>", "ok.group", NULL, NULL, 0, 1);
	t[3].a.header_len = t[3].a.wire_len + 1;
	for (i = 0; i < 4; i++)
		arts[i] = t[i].a;
	assert_int_equal(store_put_batch(f->st, arts, 4), STORE_OK);
	assert_int_equal(arts[0].status, STORE_OK);
	assert_int_equal(arts[1].status, STORE_NOTFOUND);
	assert_int_equal(arts[2].status, STORE_INVALID);
	assert_int_equal(arts[3].status, STORE_INVALID);
	assert_int_equal(t[1].nums[0], 0);
	/* Not stored means not in history: a later copy may be accepted. */
	assert_int_equal(store_history_lookup(f->st, "<nogroup@x>", NULL),
	    STORE_NOTFOUND);
	for (i = 0; i < 4; i++)
		tart_free(&t[i]);
}

static void
test_store_number_limit(void **state)
{
	struct st_fixture	*f = *state;
	struct tart		 t;
	struct store_group	 g;

	assert_int_equal(store_group_create(f->st, "lim.a", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_group_create(f->st, "lim.b", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_debug_group_set_high(f->st, "lim.a",
	    2147483646), STORE_OK);
	assert_int_equal(st_post(f->st, "<l1@x>", "lim.a", NULL, 1), STORE_OK);
	assert_int_equal(store_group_get(f->st, "lim.a", &g), STORE_OK);
	assert_int_equal(g.high, 2147483647);
	assert_int_equal(g.low, 2147483647);
	/* Past 2^31-1: refused alone, left out of a cross-post. */
	assert_int_equal(st_post(f->st, "<l2@x>", "lim.a", NULL, 2),
	    STORE_FULL);
	tart_make(&t, "<l3@x>", "lim.a,lim.b", NULL, NULL, 0, 3);
	assert_int_equal(tart_put(f->st, &t), STORE_OK);
	assert_int_equal(t.nums[0], 0);
	assert_int_equal(t.nums[1], 1);
	tart_free(&t);
	assert_int_equal(store_debug_group_set_high(f->st, "lim.b", 0),
	    STORE_INVALID);
}

/* ---- Numbers, stepping and OVER ranges ------------------------------- */

/* Group "r.g" holding numbers 1..5 with 2 and 4 expired: 1 3 5. */
static uint32_t
make_gappy_group(struct store *st)
{
	struct store_expire_stats	es;
	char				id[32];
	int				i;

	assert_int_equal(store_group_create(st, "r.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	assert_int_equal(store_group_create(st, "r.empty", 'y', NULL, NULL,
	    0), STORE_OK);
	for (i = 1; i <= 5; i++) {
		snprintf(id, sizeof(id), "<r%d@x>", i);
		/* even ones arrive long ago and expire */
		assert_int_equal(st_post(st, id, "r.g", NULL,
		    i % 2 ? 1000 + i : i), STORE_OK);
	}
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_expire_group(st, "r.g", 100, &es), STORE_OK);
	assert_int_equal(es.numbers_removed, 2);
	assert_int_equal(es.articles_removed, 2);
	return (group_id(st, "r.g"));
}

static void
test_store_over_range_edges(void **state)
{
	struct st_fixture	*f = *state;
	struct over_list	 l;
	uint32_t		 gid, eid, next;

	gid = make_gappy_group(f->st);
	eid = group_id(f->st, "r.empty");

	memset(&l, 0, sizeof(l));
	next = 77;
	assert_int_equal(store_over_range(f->st, gid, 1, 5, 10, over_cb, &l,
	    &next), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.nums[0], 1);
	assert_int_equal(l.nums[1], 3);
	assert_int_equal(l.nums[2], 5);
	assert_string_equal(l.ids[1], "<r3@x>");
	assert_int_equal(next, 0);
	over_free(&l);

	/* Empty group, lo > hi, past the end, below the start. */
	next = 77;
	assert_int_equal(store_over_range(f->st, eid, 1, 100, 10, over_cb, &l,
	    &next), STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(next, 0);
	next = 77;
	assert_int_equal(store_over_range(f->st, gid, 5, 1, 10, over_cb, &l,
	    &next), STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(next, 0);
	assert_int_equal(store_over_range(f->st, gid, 6, UINT32_MAX, 10,
	    over_cb, &l, &next), STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(next, 0);
	assert_int_equal(store_over_range(f->st, gid, 2, 2, 10, over_cb, &l,
	    &next), STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_over_range(f->st, gid, 0, 1, 10, over_cb, &l,
	    &next), STORE_OK);
	assert_int_equal(l.n, 1);
	over_free(&l);

	/* Chunks of 2, resumed through next. */
	assert_int_equal(store_over_range(f->st, gid, 1, UINT32_MAX, 2,
	    over_cb, &l, &next), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(next, 5);
	assert_int_equal(store_over_range(f->st, gid, next, UINT32_MAX, 2,
	    over_cb, &l, &next), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.nums[2], 5);
	assert_int_equal(next, 0);
	over_free(&l);
	/* Exactly max entries left: nothing more to resume. */
	assert_int_equal(store_over_range(f->st, gid, 3, 5, 2, over_cb, &l,
	    &next), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(next, 0);
	over_free(&l);
	/* A callback stopping early leaves next at the following one. */
	l.stop_after = 1;
	assert_int_equal(store_over_range(f->st, gid, 1, 5, 10, over_cb, &l,
	    &next), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(next, 3);
	over_free(&l);
	/* Another group's id sees none of it. */
	assert_int_equal(store_over_range(f->st, gid + 100, 1, 5, 10,
	    over_cb, &l, &next), STORE_OK);
	assert_int_equal(l.n, 0);
}

/*
 * Stores written before overview lines were kept have format 1 numbers
 * entries (the bare tail); an upgraded store holds both kinds in one
 * group.  Every walk reads both alike: the same line, tail, message-id.
 */
static void
test_store_numbers_old_format_read(void **state)
{
	struct st_fixture		*f = *state;
	struct store_expire_stats	 es;
	struct over_list		 l;
	struct got			 g;
	char				 id[32], want[1024];
	uint32_t			 gid, next, n;
	int				 i;

	assert_int_equal(store_group_create(f->st, "m.g", 'y', NULL, NULL, 0),
	    STORE_OK);
	gid = group_id(f->st, "m.g");
	for (i = 1; i <= 6; i++) {
		/* 1-3 as an older build wrote them, 4-6 as now */
		rec_number_write_format = i <= 3 ? REC_NUMBER_TAIL :
		    REC_NUMBER_LINE;
		snprintf(id, sizeof(id), "<m%d@x>", i);
		assert_int_equal(st_post(f->st, id, "m.g", i > 1 ? "<m1@x>" :
		    NULL, i == 2 || i == 5 ? 10 : 1000 + i), STORE_OK);
	}
	rec_number_write_format = REC_NUMBER_LINE;

	/* Whole, and in chunks of 2 resumed across the boundary. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_over_range(f->st, gid, 1, UINT32_MAX, 0,
	    over_cb, &l, &next), STORE_OK);
	assert_int_equal(l.n, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(l.nums[i], i + 1);
		snprintf(id, sizeof(id), "<m%d@x>", i + 1);
		assert_string_equal(l.ids[i], id);
		memset(&g, 0, sizeof(g));
		assert_int_equal(store_article_get(f->st, id, got_cb, &g),
		    STORE_OK);
		assert_string_equal(l.over[i], g.overview);
		snprintf(want, sizeof(want), "Xref: loom m.g:%d", i + 1);
		assert_non_null(strstr(l.over[i], want));
		got_free(&g);
	}
	over_free(&l);
	next = 1;
	for (i = 0; next != 0; i++)
		assert_int_equal(store_over_range(f->st, gid, next,
		    UINT32_MAX, 2, over_cb, &l, &next), STORE_OK);
	assert_int_equal(i, 3);
	assert_int_equal(l.n, 6);
	over_free(&l);

	/* Lookup and stepping read the message-id of either kind. */
	assert_int_equal(store_number_lookup(f->st, gid, 2, id), STORE_OK);
	assert_string_equal(id, "<m2@x>");
	assert_int_equal(store_number_step(f->st, gid, 3, 1, &n, id),
	    STORE_OK);
	assert_int_equal(n, 4);
	assert_string_equal(id, "<m4@x>");

	/* Expiry judges both by their arrival: 2 and 5 go. */
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_expire_group(f->st, "m.g", 100, &es),
	    STORE_OK);
	assert_int_equal(es.numbers_removed, 2);
	assert_int_equal(store_over_range(f->st, gid, 1, UINT32_MAX, 0,
	    over_cb, &l, &next), STORE_OK);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.nums[1], 3);
	assert_int_equal(l.nums[2], 4);
	over_free(&l);
}

/* The numbers record itself: both formats, the frame checks, and no CR
   or LF inside a stored line whatever the tail held. */
static void
test_record_number_formats(void **state)
{
	struct rec_number	in, out;
	uint8_t			buf[256];
	size_t			len;

	memset(&in, 0, sizeof(in));
	in.arrival = 1234;
	in.msgid = "<a@b>";
	in.msgid_len = 5;
	in.overview = "Subj\rect\tFrom\n\tXref: h g:1";
	in.overview_len = strlen(in.overview);

	rec_number_write_format = REC_NUMBER_TAIL;
	len = rec_number_size(&in);
	assert_true(len <= sizeof(buf));
	rec_number_encode(&in, buf);
	rec_number_write_format = REC_NUMBER_LINE;
	assert_int_equal(buf[0], REC_NUMBER_TAIL);
	assert_int_equal(rec_number_decode(buf, len, &out), 0);
	assert_null(out.line);
	assert_int_equal(out.arrival, 1234);
	assert_string_equal(out.msgid, "<a@b>");
	assert_int_equal(out.overview_len, in.overview_len);
	assert_memory_equal(out.overview, in.overview, in.overview_len);

	len = rec_number_size(&in);
	assert_true(len <= sizeof(buf));
	rec_number_encode(&in, buf);
	assert_int_equal(buf[0], REC_NUMBER_LINE);
	assert_int_equal(rec_number_decode(buf, len, &out), 0);
	assert_string_equal(out.msgid, "<a@b>");
	assert_int_equal(out.arrival, 1234);
	assert_int_equal(out.line_len, in.overview_len + 3);
	assert_memory_equal(out.line, "\tSubj ect\tFrom \tXref: h g:1\r\n",
	    out.line_len);
	assert_ptr_equal(out.overview, out.line + 1);
	assert_int_equal(out.overview_len, in.overview_len);

	/* Damaged: no CRLF at the end, no TAB first, too short, unknown
	   format. */
	buf[len - 1] = 'x';
	assert_int_equal(rec_number_decode(buf, len, &out), -1);
	buf[len - 1] = '\n';
	buf[10 + 5 + 1] = ' ';
	assert_int_equal(rec_number_decode(buf, len, &out), -1);
	buf[10 + 5 + 1] = '\t';
	assert_int_equal(rec_number_decode(buf, 10 + 5 + 1 + 2, &out), -1);
	buf[0] = 3;
	assert_int_equal(rec_number_decode(buf, len, &out), -1);
	buf[0] = REC_NUMBER_LINE;
	assert_int_equal(rec_number_decode(buf, len, &out), 0);
}

static void
test_store_number_step_and_lookup(void **state)
{
	struct st_fixture	*f = *state;
	char			 id[STORE_MSGID_MAX + 1];
	uint32_t		 gid, eid, n;
	struct store_group	 g;

	gid = make_gappy_group(f->st);
	eid = group_id(f->st, "r.empty");
	assert_int_equal(store_group_get(f->st, "r.g", &g), STORE_OK);
	assert_int_equal(g.low, 1);
	assert_int_equal(g.high, 5);
	assert_int_equal(g.count, 3);

	assert_int_equal(store_number_lookup(f->st, gid, 3, id), STORE_OK);
	assert_string_equal(id, "<r3@x>");
	assert_int_equal(store_number_lookup(f->st, gid, 2, id),
	    STORE_NOTFOUND);
	assert_int_equal(store_number_lookup(f->st, gid, 0, id),
	    STORE_NOTFOUND);

	assert_int_equal(store_number_step(f->st, gid, 1, 1, &n, id),
	    STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(id, "<r3@x>");
	assert_int_equal(store_number_step(f->st, gid, 0, 1, &n, id),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_number_step(f->st, gid, 5, 1, &n, id),
	    STORE_NOTFOUND);
	assert_int_equal(store_number_step(f->st, gid, UINT32_MAX, 1, &n, id),
	    STORE_NOTFOUND);
	assert_int_equal(store_number_step(f->st, gid, 5, -1, &n, id),
	    STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_number_step(f->st, gid, 100, -1, &n, id),
	    STORE_OK);
	assert_int_equal(n, 5);
	assert_int_equal(store_number_step(f->st, gid, 1, -1, &n, id),
	    STORE_NOTFOUND);
	assert_int_equal(store_number_step(f->st, gid, 0, -1, &n, id),
	    STORE_NOTFOUND);
	assert_int_equal(store_number_step(f->st, eid, 0, 1, &n, id),
	    STORE_NOTFOUND);
	assert_int_equal(store_number_step(f->st, eid, 10, -1, &n, id),
	    STORE_NOTFOUND);
	/* LAST from the first entry of a group must not reach the group
	   before it in the numbers db. */
	assert_int_equal(store_number_step(f->st, eid, 1, -1, &n, id),
	    STORE_NOTFOUND);
}

static void
test_store_numbers_never_reused(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	struct tart		 t;

	assert_int_equal(store_group_create(f->st, "nr.g", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<n1@x>", "nr.g", NULL, 1), STORE_OK);
	assert_int_equal(st_post(f->st, "<n2@x>", "nr.g", NULL, 2), STORE_OK);
	assert_int_equal(store_expire_group(f->st, "nr.g", 100, NULL),
	    STORE_OK);
	assert_int_equal(store_group_get(f->st, "nr.g", &g), STORE_OK);
	assert_int_equal(g.count, 0);
	assert_int_equal(g.high, 2);
	assert_int_equal(g.low, 3);
	store_close(f->st);
	st_open(f);
	tart_make(&t, "<n3@x>", "nr.g", NULL, NULL, 0, 200);
	assert_int_equal(tart_put(f->st, &t), STORE_OK);
	assert_int_equal(t.nums[0], 3);
	tart_free(&t);
	assert_int_equal(store_group_get(f->st, "nr.g", &g), STORE_OK);
	assert_int_equal(g.low, 3);
	assert_int_equal(g.count, 1);
}

/* ---- Arrivals (NEWNEWS) ---------------------------------------------- */

struct arr_list {
	char	ids[32][STORE_MSGID_MAX + 1];
	char	xref[32][64];
	size_t	n;
};

static int
arr_cb(const char *msgid, int64_t arrival, const char *xref, void *arg)
{
	struct arr_list	*l = arg;

	assert_true(l->n < 32);
	snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s", msgid);
	snprintf(l->xref[l->n], sizeof(l->xref[0]), "%s", xref);
	l->n++;
	return (0);
}

static void
test_store_arrivals_since_and_resume(void **state)
{
	struct st_fixture	*f = *state;
	struct arr_list		 l;
	uint64_t		 cur;
	char			 id[32];
	int			 i, calls;

	assert_int_equal(store_group_create(f->st, "nn.g", 'y', NULL, NULL,
	    0), STORE_OK);
	/* Times: 100 101 101 101 102 ... stored out of time order. */
	assert_int_equal(st_post(f->st, "<t5@x>", "nn.g", NULL, 105),
	    STORE_OK);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "<t%d@x>", i);
		assert_int_equal(st_post(f->st, id, "nn.g", NULL,
		    i == 0 ? 100 : i < 4 ? 101 : 102), STORE_OK);
	}
	memset(&l, 0, sizeof(l));
	cur = 0;
	assert_int_equal(store_arrivals(f->st, 101, 0, arr_cb, &l, &cur),
	    STORE_OK);
	assert_int_equal(cur, 0);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.ids[0], "<t1@x>");
	assert_string_equal(l.ids[3], "<t4@x>");
	assert_string_equal(l.ids[4], "<t5@x>");
	assert_string_equal(l.xref[4], "nn.g:1");

	/* One at a time, resuming inside a second with three arrivals. */
	memset(&l, 0, sizeof(l));
	cur = 0;
	calls = 0;
	do {
		assert_int_equal(store_arrivals(f->st, 101, 1, arr_cb, &l,
		    &cur), STORE_OK);
		calls++;
	} while (cur != 0 && calls < 20);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.ids[0], "<t1@x>");
	assert_string_equal(l.ids[1], "<t2@x>");
	assert_string_equal(l.ids[2], "<t3@x>");
	assert_string_equal(l.ids[3], "<t4@x>");
	assert_string_equal(l.ids[4], "<t5@x>");
	memset(&l, 0, sizeof(l));
	cur = 0;
	assert_int_equal(store_arrivals(f->st, 106, 10, arr_cb, &l, &cur),
	    STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(cur, 0);
}

/* ---- Feed queues and users ------------------------------------------- */

struct feed_list {
	uint64_t	seqs[16];
	char		ids[16][STORE_MSGID_MAX + 1];
	size_t		n;
};

static int
feed_cb(uint64_t seq, const char *msgid, void *arg)
{
	struct feed_list	*l = arg;

	assert_true(l->n < 16);
	l->seqs[l->n] = seq;
	snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s", msgid);
	l->n++;
	return (0);
}

static void
test_store_feed_queues(void **state)
{
	struct st_fixture	*f = *state;
	struct feed_list	 l;
	struct tart		 t;
	const char		*feeds[] = { "peer", "peer2" };
	uint64_t		 count, rm[2];

	assert_int_equal(store_group_create(f->st, "fq.g", 'y', NULL, NULL,
	    0), STORE_OK);
	tart_make(&t, "<f1@x>", "fq.g", NULL, NULL, 0, 1);
	t.a.feeds = feeds;
	t.a.nfeeds = 2;
	assert_int_equal(tart_put(f->st, &t), STORE_OK);
	tart_free(&t);
	assert_int_equal(store_feed_add(f->st, "peer", "<f2@x>"), STORE_OK);
	assert_int_equal(store_feed_add(f->st, "peer", "<f3@x>"), STORE_OK);
	/* "pee" is a prefix of "peer": its queue must stay separate. */
	assert_int_equal(store_feed_add(f->st, "pee", "<p@x>"), STORE_OK);

	assert_int_equal(store_feed_count(f->st, "peer", &count), STORE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(store_feed_count(f->st, "peer2", &count), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(store_feed_count(f->st, "nobody", &count), STORE_OK);
	assert_int_equal(count, 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_feed_peek(f->st, "peer", 0, 0, feed_cb, &l),
	    STORE_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.ids[0], "<f1@x>");
	assert_string_equal(l.ids[1], "<f2@x>");
	assert_string_equal(l.ids[2], "<f3@x>");
	assert_true(l.seqs[0] < l.seqs[1] && l.seqs[1] < l.seqs[2]);
	rm[0] = l.seqs[0];
	rm[1] = l.seqs[2];

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_feed_peek(f->st, "pee", 0, 10, feed_cb, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], "<p@x>");

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_feed_peek(f->st, "peer", rm[0], 1, feed_cb,
	    &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], "<f2@x>");

	assert_int_equal(store_feed_remove(f->st, "peer", rm, 2), STORE_OK);
	assert_int_equal(store_feed_remove(f->st, "peer", rm, 2), STORE_OK);
	assert_int_equal(store_feed_count(f->st, "peer", &count), STORE_OK);
	assert_int_equal(count, 1);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_feed_peek(f->st, "peer", 0, 0, feed_cb, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], "<f2@x>");
	assert_int_equal(store_feed_add(f->st, "", "<x@x>"), STORE_INVALID);
}

static int
count_users(const struct store_user *u, void *arg)
{
	char	*names = arg;

	strcat(names, u->name);
	strcat(names, " ");
	return (0);
}

static void
test_store_users(void **state)
{
	struct st_fixture	*f = *state;
	struct store_user	 u, out;
	char			 names[128] = "";

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "zoe");
	snprintf(u.hash, sizeof(u.hash), "$scrypt$abc");
	u.flags = 3;
	u.created = 42;
	assert_int_equal(store_user_put(f->st, &u, STORE_USER_CREATE),
	    STORE_OK);
	assert_int_equal(store_user_put(f->st, &u, STORE_USER_CREATE),
	    STORE_EXISTS);
	snprintf(u.name, sizeof(u.name), "adam");
	snprintf(u.hash, sizeof(u.hash), "$pbkdf2$x");
	assert_int_equal(store_user_put(f->st, &u, STORE_USER_REPLACE),
	    STORE_NOTFOUND);
	assert_int_equal(store_user_put(f->st, &u, STORE_USER_CREATE),
	    STORE_OK);
	assert_int_equal(store_user_get(f->st, "zoe", &out), STORE_OK);
	assert_string_equal(out.name, "zoe");
	assert_string_equal(out.hash, "$scrypt$abc");
	assert_int_equal(out.flags, 3);
	assert_int_equal(out.created, 42);
	assert_int_equal(store_user_foreach(f->st, count_users, names),
	    STORE_OK);
	assert_string_equal(names, "adam zoe ");
	assert_int_equal(store_user_del(f->st, "zoe"), STORE_OK);
	assert_int_equal(store_user_del(f->st, "zoe"), STORE_NOTFOUND);
	assert_int_equal(store_user_get(f->st, "zoe", &out), STORE_NOTFOUND);
	/* Replace keeps one entry. */
	snprintf(u.hash, sizeof(u.hash), "$new$");
	assert_int_equal(store_user_put(f->st, &u, STORE_USER_REPLACE),
	    STORE_OK);
	assert_int_equal(store_user_get(f->st, "adam", &out), STORE_OK);
	assert_string_equal(out.hash, "$new$");
}

/* ---- The article record as history (format version 2) ---------------- */

static void
db_entries_cb(const char *name, uint64_t entries, unsigned depth,
    uint64_t branch, uint64_t leaf, uint64_t overflow, void *arg)
{
	struct { const char *name; uint64_t entries; } *want = arg;

	if (strcmp(name, want->name) == 0)
		want->entries = entries;
}

static uint64_t
db_entries(struct store *st, const char *name)
{
	struct { const char *name; uint64_t entries; } want = { name,
	    UINT64_MAX };

	assert_int_equal(store_db_stats(st, db_entries_cb, &want), STORE_OK);
	assert_int_not_equal(want.entries, UINT64_MAX);
	return (want.entries);
}

static void
test_store_record_is_history(void **state)
{
	struct st_fixture		*f = *state;
	struct store_expire_stats	 es;
	struct store_stats		 s;
	int64_t				 when = 0;

	assert_int_equal(store_group_create(f->st, "h.a", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "h.a", NULL, 100),
	    STORE_OK);
	/* Stored: no history entry, yet known as seen, with its arrival. */
	assert_int_equal(db_entries(f->st, "history"), 0);
	assert_int_equal(store_history_lookup(f->st, "<a@x>", &when),
	    STORE_EXISTS);
	assert_int_equal(when, 100);
	assert_int_equal(store_history_add(f->st, "<a@x>", 150),
	    STORE_EXISTS);
	assert_int_equal(db_entries(f->st, "history"), 0);
	assert_int_equal(st_post(f->st, "<a@x>", "h.a", NULL, 160),
	    STORE_EXISTS);
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_int_equal(s.history, 1);
	assert_int_equal(s.articles, 1);

	/* Expired: history takes over, still a duplicate. */
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_expire_group(f->st, "h.a", 500, &es),
	    STORE_OK);
	assert_int_equal(es.articles_removed, 1);
	assert_int_equal(db_entries(f->st, "history"), 1);
	when = 0;
	assert_int_equal(store_history_lookup(f->st, "<a@x>", &when),
	    STORE_EXISTS);
	assert_int_equal(when, 100);
	assert_int_equal(st_post(f->st, "<a@x>", "h.a", NULL, 600),
	    STORE_EXISTS);
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_int_equal(s.history, 1);
	assert_int_equal(s.articles, 0);

	/* Purged only past its arrival; then it may come in again. */
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_history_purge(f->st, 50, &es), STORE_OK);
	assert_int_equal(es.history_purged, 0);
	assert_int_equal(store_history_purge(f->st, 500, &es), STORE_OK);
	assert_int_equal(es.history_purged, 1);
	assert_int_equal(st_post(f->st, "<a@x>", "h.a", NULL, 700),
	    STORE_OK);
}

/* A version 1 store (a history entry per stored article too) opens,
   converted, and its extra entries behave. */
static void
test_store_version1_opens(void **state)
{
	struct st_fixture		*f = *state;
	struct store_expire_stats	 es;
	struct store			*st2 = NULL;
	char				 err[256];

	assert_int_equal(store_group_create(f->st, "v.a", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "v.a", NULL, 100),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<b@x>", "v.a", NULL, 200),
	    STORE_OK);
	assert_int_equal(store_debug_history_v1(f->st, "<a@x>", 100),
	    STORE_OK);
	assert_int_equal(store_debug_history_v1(f->st, "<b@x>", 200),
	    STORE_OK);
	assert_int_equal(store_debug_set_version(f->st, 1), STORE_OK);
	store_close(f->st);
	f->st = NULL;
	st_open(f);
	assert_int_equal(db_entries(f->st, "history"), 2);
	assert_int_equal(st_post(f->st, "<a@x>", "v.a", NULL, 300),
	    STORE_EXISTS);
	/* Stored, so purge keeps both. */
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_history_purge(f->st, 1000, &es), STORE_OK);
	assert_int_equal(es.history_purged, 0);
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_expire_group(f->st, "v.a", 150, &es),
	    STORE_OK);
	assert_int_equal(es.articles_removed, 1);
	assert_int_equal(db_entries(f->st, "history"), 2);
	assert_int_equal(store_history_purge(f->st, 1000, &es), STORE_OK);
	assert_int_equal(es.history_purged, 1);
	assert_int_equal(store_history_lookup(f->st, "<b@x>", NULL),
	    STORE_EXISTS);
	assert_int_equal(st_post(f->st, "<a@x>", "v.a", NULL, 400),
	    STORE_OK);

	/* Converted: the version is the current one, so a version 1
	   build's check would refuse it; this one opens it again. */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(&st2, f->dir, &f->opt, err, sizeof(err)),
	    STORE_OK);
	f->st = st2;
}

/* The sequence of a version 1 store (in meta) goes on where it was: two
   arrivals in one second stay two (a restart at 0 would give the second
   one the first one's key). */
static void
test_store_seq_version1(void **state)
{
	struct st_fixture	*f = *state;
	struct arr_list		 l;
	uint64_t		 cur = 0;

	assert_int_equal(store_group_create(f->st, "s.a", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<s1@x>", "s.a", NULL, 100),
	    STORE_OK);
	assert_int_equal(store_debug_seq_v1(f->st), STORE_OK);
	assert_int_equal(st_post(f->st, "<s2@x>", "s.a", NULL, 100),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<s3@x>", "s.a", NULL, 100),
	    STORE_OK);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_arrivals(f->st, 0, 0, arr_cb, &l, &cur),
	    STORE_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.ids[0], "<s1@x>");
	assert_string_equal(l.ids[1], "<s2@x>");
	assert_string_equal(l.ids[2], "<s3@x>");
	/* The walk ends before the sequence's own entry. */
	assert_int_equal(cur, 0);
}

/* io_stats: commits and the pages they wrote, per stored article. */
static void
test_store_io_stats(void **state)
{
	struct st_fixture	*f = *state;
	struct store_io_stats	 io;

	store_io_stats_get(f->st, &io);
	assert_int_equal(io.page_size, 0);	/* off by default */
	assert_int_equal(io.commits, 0);
	store_close(f->st);
	f->opt.io_stats = 1;
	st_open(f);
	assert_int_equal(store_group_create(f->st, "io.a", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "io.a", NULL, 100),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<a@x>", "io.a", NULL, 100),
	    STORE_EXISTS);
	store_io_stats_get(f->st, &io);
	assert_true(io.page_size >= 512);
	assert_true(io.commits >= 3);
	assert_int_equal(io.batches, 1);
	assert_int_equal(io.articles, 1);
	/* At least the article's overflow page and a leaf of articles. */
	assert_true(io.batch_pages >= 2);
	assert_true(io.pages >= io.batch_pages);
	assert_true(io.bytes >= io.pages * io.page_size);
}

/* ---- Expiry and history ---------------------------------------------- */

static void
test_store_expire_and_history_purge(void **state)
{
	struct st_fixture		*f = *state;
	struct store_expire_stats	 es;
	struct store_group		 g;
	struct store_stats		 s;

	assert_int_equal(store_group_create(f->st, "ex.a", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(store_group_create(f->st, "ex.b", 'y', NULL, NULL,
	    0), STORE_OK);
	assert_int_equal(st_post(f->st, "<old@x>", "ex.a", NULL, 10),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<oldx@x>", "ex.a,ex.b", NULL, 11),
	    STORE_OK);
	assert_int_equal(st_post(f->st, "<new@x>", "ex.a", NULL, 1000),
	    STORE_OK);

	memset(&es, 0, sizeof(es));
	assert_int_equal(store_expire_group(f->st, "ex.a", 500, &es),
	    STORE_OK);
	assert_int_equal(es.numbers_removed, 2);
	assert_int_equal(es.articles_removed, 1);	/* <oldx> is in ex.b */
	assert_int_equal(store_article_get(f->st, "<old@x>", NULL, NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_article_get(f->st, "<oldx@x>", NULL, NULL),
	    STORE_OK);
	assert_int_equal(store_group_get(f->st, "ex.a", &g), STORE_OK);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.low, 3);
	assert_int_equal(g.high, 3);
	/* Still a duplicate after expiry. */
	assert_int_equal(st_post(f->st, "<old@x>", "ex.a", NULL, 2000),
	    STORE_EXISTS);

	memset(&es, 0, sizeof(es));
	assert_int_equal(store_expire_group(f->st, "ex.b", 500, &es),
	    STORE_OK);
	assert_int_equal(es.numbers_removed, 1);
	assert_int_equal(es.articles_removed, 1);
	assert_int_equal(store_expire_group(f->st, "no.such", 500, &es),
	    STORE_NOTFOUND);

	/* Purge: old entries whose article is gone; <new> stays. */
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_history_add(f->st, "<refused@x>", 5),
	    STORE_OK);
	assert_int_equal(store_history_purge(f->st, 900, &es), STORE_OK);
	assert_int_equal(es.history_purged, 3);
	assert_int_equal(store_history_lookup(f->st, "<old@x>", NULL),
	    STORE_NOTFOUND);
	assert_int_equal(store_history_lookup(f->st, "<new@x>", NULL),
	    STORE_EXISTS);
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_int_equal(s.history, 1);
	assert_int_equal(s.articles, 1);
	/* Forgotten, so it may come in again. */
	assert_int_equal(st_post(f->st, "<old@x>", "ex.a", NULL, 3000),
	    STORE_OK);
}

static void
test_store_expire_many_chunks(void **state)
{
	struct st_fixture		*f = *state;
	struct store_expire_stats	 es;
	struct store_group		 g;
	struct store_article		*arts;
	struct tart			*t;
	char				 id[32];
	int				 i, n = 1300;

	assert_int_equal(store_group_create(f->st, "big.g", 'y', NULL, NULL,
	    0), STORE_OK);
	t = calloc((size_t)n, sizeof(*t));
	arts = calloc((size_t)n, sizeof(*arts));
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "<big%d@x>", i);
		tart_make(&t[i], id, "big.g", NULL, NULL, 0, i % 2 ? 50 : 5000);
		arts[i] = t[i].a;
	}
	assert_int_equal(store_put_batch(f->st, arts, (size_t)n), STORE_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(arts[i].status, STORE_OK);
		tart_free(&t[i]);
	}
	free(t);
	free(arts);
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_expire_group(f->st, "big.g", 100, &es),
	    STORE_OK);
	assert_int_equal(es.numbers_removed, n / 2);
	assert_int_equal(store_group_get(f->st, "big.g", &g), STORE_OK);
	assert_int_equal(g.count, n / 2);
	assert_int_equal(g.low, 1);
	assert_int_equal(g.high, n);
	memset(&es, 0, sizeof(es));
	assert_int_equal(store_history_purge(f->st, 100, &es), STORE_OK);
	assert_int_equal(es.history_purged, n / 2);
}

/* ---- Map growth ------------------------------------------------------ */

static void
test_store_map_grows(void **state)
{
	struct st_fixture	*f = *state;
	struct store_stats	 s;
	struct store_article	 arts[10];
	struct tart		 t[10];
	struct got		 g;
	char			*body, id[32];
	size_t			 blen = 100 * 1024, i;
	uint64_t		 map_before;
	enum store_status	 rc = STORE_OK;
	int			 b, k;

	store_close(f->st);
	st_rmtree(f->dir);
	st_mkdir(f);
	f->opt.map_size = 1 << 20;
	f->opt.map_size_max = 256 << 20;
	st_open(f);
	assert_int_equal(store_group_create(f->st, "grow.g", 'y', NULL, NULL,
	    0), STORE_OK);
	body = malloc(blen);
	for (b = 0; b < 20; b++) {
		for (k = 0; k < 10; k++) {
			for (i = 0; i < blen; i++)
				body[i] = (char)('A' + (b * 10 + k + i) % 50);
			for (i = 98; i < blen; i += 100) {
				body[i] = '\r';
				body[i + 1] = '\n';
			}
			snprintf(id, sizeof(id), "<grow%d@x>", b * 10 + k);
			tart_make(&t[k], id, "grow.g", NULL, body, blen, b);
			arts[k] = t[k].a;
		}
		assert_int_equal(store_put_batch(f->st, arts, 10), STORE_OK);
		for (k = 0; k < 10; k++) {
			assert_int_equal(arts[k].status, STORE_OK);
			tart_free(&t[k]);
		}
	}
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_true(s.map_size >= (20 << 20));
	assert_true(s.used >= (20 << 20));
	assert_int_equal(s.articles, 200);
	store_close(f->st);
	f->opt.map_size = 1 << 20;
	st_open(f);
	for (b = 0; b < 200; b++) {
		snprintf(id, sizeof(id), "<grow%d@x>", b);
		memset(&g, 0, sizeof(g));
		assert_int_equal(store_article_get(f->st, id, got_cb, &g),
		    STORE_OK);
		assert_int_equal(g.len - g.header_len - 2, blen);
		for (i = 0; i < 97; i++)
			assert_int_equal(g.wire[g.header_len + 2 + i],
			    (char)('A' + (b + i) % 50));
		got_free(&g);
	}
	/* A store that may not grow further fills up: FULL, and nothing of
	   the refused batch is stored. */
	store_close(f->st);
	f->opt.map_size_max = 1;	/* below what is already used */
	st_open(f);
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	for (b = 0; b < 100; b++) {
		for (k = 0; k < 10; k++) {
			snprintf(id, sizeof(id), "<over%d@x>", b * 10 + k);
			tart_make(&t[k], id, "grow.g", NULL, body, blen, 0);
			arts[k] = t[k].a;
		}
		rc = store_put_batch(f->st, arts, 10);
		for (k = 0; k < 10; k++) {
			assert_int_equal(arts[k].status, rc);
			tart_free(&t[k]);
		}
		if (rc != STORE_OK)
			break;
	}
	assert_int_equal(rc, STORE_FULL);
	assert_true(strlen(store_last_error()) > 0);
	snprintf(id, sizeof(id), "<over%d@x>", b * 10);
	assert_int_equal(store_history_lookup(f->st, id, NULL),
	    STORE_NOTFOUND);
	map_before = s.map_size;
	assert_int_equal(store_stats_get(f->st, &s), STORE_OK);
	assert_int_equal(s.map_size, map_before);
	free(body);
}

static void
test_store_strerror_names(void **state)
{
	assert_string_equal(store_strerror(STORE_OK), "ok");
	assert_true(strlen(store_strerror(STORE_VERSION)) > 0);
	assert_true(strcmp(store_strerror(STORE_CORRUPT),
	    store_strerror(STORE_ERROR)) != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, st_setup, st_teardown)
		T(test_store_reopen_keeps_data),
		T(test_store_backup_is_a_store),
		T(test_store_version_refused),
		cmocka_unit_test(test_store_foreign_file_corrupt),
		cmocka_unit_test(test_store_open_missing_dir),
		T(test_store_group_create_get_set_foreach),
		T(test_store_group_remove_keeps_history_and_numbers),
		T(test_store_roundtrip_binary_safe),
		T(test_store_crosspost_numbers_and_xref),
		T(test_store_duplicates_refused),
		T(test_store_bad_articles_do_not_fail_batch),
		T(test_store_number_limit),
		T(test_store_over_range_edges),
		T(test_store_number_step_and_lookup),
		T(test_store_numbers_old_format_read),
		cmocka_unit_test(test_record_number_formats),
		T(test_store_numbers_never_reused),
		T(test_store_arrivals_since_and_resume),
		T(test_store_feed_queues),
		T(test_store_users),
		T(test_store_expire_and_history_purge),
		T(test_store_expire_many_chunks),
		T(test_store_map_grows),
		cmocka_unit_test(test_store_strerror_names),
		T(test_store_record_is_history),
		T(test_store_version1_opens),
		T(test_store_io_stats),
		T(test_store_seq_version1),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
