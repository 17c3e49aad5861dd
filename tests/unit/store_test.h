/*
 * Helpers shared by the storage tests.  Header-only and static inline:
 * the Makefile links every non-test .c in tests/unit into every test
 * program, which these helpers must not be.  Include after cmocka.h and
 * store.h.
 */
#ifndef LOOM_STORE_TEST_H
#define LOOM_STORE_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh store in a fresh mkdtemp() directory, removed by st_teardown. */
struct st_fixture {
	char		 dir[64];
	struct store	*st;
	struct store_options opt;
};

static inline int
st_rm_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return (remove(path));
}

static inline void
st_rmtree(const char *dir)
{
	nftw(dir, st_rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static inline void
st_mkdir(struct st_fixture *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/loom-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
}

static inline void
st_open(struct st_fixture *f)
{
	char	err[256];

	if (store_open(&f->st, f->dir, &f->opt, err, sizeof(err)) !=
	    STORE_OK)
		fail_msg("store_open %s: %s", f->dir, err);
}

static inline int
st_setup(void **state)
{
	struct st_fixture	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	st_mkdir(f);
	f->opt.nosync = 1;	/* durability is the crash test's business */
	st_open(f);
	*state = f;
	return (0);
}

static inline int
st_teardown(void **state)
{
	struct st_fixture	*f = *state;

	if (f == NULL)
		return (0);
	store_close(f->st);
	st_rmtree(f->dir);
	free(f);
	return (0);
}

/* ---- Building articles ----------------------------------------------- */

#define TA_MAX_GROUPS	8
#define TA_MAX_REFS	16

struct tart {
	struct store_article	 a;
	char			*wire;
	char			*over;
	char			*header;
	char			*body;
	size_t			 body_len;
	char			 msgid[256];
	char			*groupbuf;
	char			*refbuf;
	const char		*groups[TA_MAX_GROUPS];
	const char		*refs[TA_MAX_REFS];
	uint32_t		 nums[TA_MAX_GROUPS];
};

/*
 * An article msgid posted to `groups` (comma-separated), replying to
 * `refs` (space-separated References, or NULL), with the given body in
 * wire form (CRLF, dot-stuffed; NULL for a one-line body).
 */
static inline void
tart_make(struct tart *t, const char *msgid, const char *groups,
    const char *refs, const void *body, size_t body_len, int64_t arrival)
{
	char	*p, *save = NULL;
	size_t	 hlen, i;

	memset(t, 0, sizeof(*t));
	snprintf(t->msgid, sizeof(t->msgid), "%s", msgid);
	if (body == NULL) {
		body = "Hello.\r\n";
		body_len = 8;
	}
	t->body = malloc(body_len + 1);
	assert_non_null(t->body);
	memcpy(t->body, body, body_len);
	t->body_len = body_len;

	t->groupbuf = strdup(groups);
	for (p = strtok_r(t->groupbuf, ",", &save); p != NULL &&
	    t->a.ngroups < TA_MAX_GROUPS; p = strtok_r(NULL, ",", &save))
		t->groups[t->a.ngroups++] = p;
	if (refs != NULL) {
		t->refbuf = strdup(refs);
		for (p = strtok_r(t->refbuf, " ", &save); p != NULL &&
		    t->a.nreferences < TA_MAX_REFS;
		    p = strtok_r(NULL, " ", &save))
			t->refs[t->a.nreferences++] = p;
	}
	assert_true(asprintf(&t->header, "From: tester@example.org\r\n"
	    "Subject: about %s\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "Message-ID: %s\r\nNewsgroups: %s\r\n%s%s%s", msgid, msgid,
	    groups, refs ? "References: " : "", refs ? refs : "",
	    refs ? "\r\n" : "") > 0);
	hlen = strlen(t->header);
	t->wire = malloc(hlen + 2 + body_len);
	assert_non_null(t->wire);
	memcpy(t->wire, t->header, hlen);
	memcpy(t->wire + hlen, "\r\n", 2);
	memcpy(t->wire + hlen + 2, body, body_len);
	assert_true(asprintf(&t->over, "about %s\ttester@example.org\t"
	    "Mon, 1 Jan 2024 00:00:00 +0000\t%s\t%s", msgid, msgid,
	    refs ? refs : "") > 0);

	t->a.msgid = t->msgid;
	t->a.wire = t->wire;
	t->a.wire_len = hlen + 2 + body_len;
	t->a.header_len = hlen;
	/* Body lines, and the dots stuffing added (lines starting "..") */
	for (i = 0; i < body_len; i++) {
		if (i + 1 < body_len && t->body[i] == '\r' &&
		    t->body[i + 1] == '\n')
			t->a.lines++;
		if ((i == 0 || t->body[i - 1] == '\n') && i + 1 < body_len &&
		    t->body[i] == '.' && t->body[i + 1] == '.')
			t->a.stuffed_dots++;
	}
	t->a.groups = t->groups;
	t->a.references = t->a.nreferences ? t->refs : NULL;
	t->a.parent = t->a.nreferences ? t->refs[t->a.nreferences - 1] : NULL;
	t->a.overview = t->over;
	t->a.arrival = arrival;
	t->a.numbers = t->nums;
}

static inline void
tart_free(struct tart *t)
{
	free(t->wire);
	free(t->over);
	free(t->header);
	free(t->body);
	free(t->groupbuf);
	free(t->refbuf);
	memset(t, 0, sizeof(*t));
}

/* Store one article alone; returns its status (batch must succeed). */
static inline enum store_status
tart_put(struct store *st, struct tart *t)
{
	assert_int_equal(store_put_batch(st, &t->a, 1), STORE_OK);
	return (t->a.status);
}

/* Make, store and free in one go; returns the article's status. */
static inline enum store_status
st_post(struct store *st, const char *msgid, const char *groups,
    const char *refs, int64_t arrival)
{
	struct tart		t;
	enum store_status	s;

	tart_make(&t, msgid, groups, refs, NULL, 0, arrival);
	s = tart_put(st, &t);
	tart_free(&t);
	return (s);
}

#endif /* LOOM_STORE_TEST_H */
