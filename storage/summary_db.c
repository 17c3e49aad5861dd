/*
 * Thread summaries, kept incremental in the transactions that store and
 * expire articles (see thread_db.c for the links themselves).
 *
 * threads: root msgid -> articles, last arrival, root's subject/from/date
 * tindex, two kinds of entries, one tree (a thread's article touches one
 * tree's root and branch pages, not two):
 *   the thread in a group: BE u32 gid + 0x00 + root -> BE u64 last
 *          arrival in the group, BE u32 articles of the thread filed in
 *          the group, BE u64 store sequence of that last arrival
 *   the group's order: BE u32 gid + BE u64 (~last) + BE u64 (~sequence) +
 *          root -> 0x02 (newest first; within one second, the latest
 *          stored first).  ~last starts with an octet of 0x80 or more
 *          (times are below 2^63), so the kinds never mix.
 * Format version 1 kept the first kind in a tree of its own, tgroups
 * (without the 0x00); store_open moves such entries here (summary_
 * tgroups_move).
 *
 * Stores written before the sequence was kept have 12-octet tgroups
 * values and tindex entries "gid + ~last + root -> (empty)"; the empty
 * value tells the layouts apart.  Such an entry sorts before the new ones
 * of its second (a root's "<" is below the 0xff that starts ~sequence),
 * and is rewritten in the new layout the next time its thread changes in
 * the group.
 *
 * The root of an article is a property of the article (its first
 * References entry, else itself), so summaries do not depend on arrival
 * order.  A thread is listed in a group while it has articles filed there.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define TGKEY_MAX	(4 + 1 + STORE_MSGID_MAX)
#define TIKEY_MAX	(4 + 8 + 8 + STORE_MSGID_MAX)
#define TG_VAL_OLD	12		/* u64 last, u32 count */
#define TG_VAL		20		/* ... and u64 sequence */
#define TI_MARK		0x02		/* tindex value with a sequence */

/* ---- Summaries ------------------------------------------------------- */

/* Field n (0-based) of a tab-separated overview. */
static void
over_field(const char *over, size_t len, int n, const char **f, size_t *flen)
{
	const char	*p = over, *end = over + len, *tab;

	for (; n > 0 && p < end; n--) {
		if ((tab = memchr(p, '\t', (size_t)(end - p))) == NULL)
			p = end;
		else
			p = tab + 1;
	}
	tab = p < end ? memchr(p, '\t', (size_t)(end - p)) : NULL;
	*f = p;
	*flen = (size_t)((tab != NULL ? tab : end) - p);
	if (*flen > REC_THREAD_FIELD_MAX)
		*flen = REC_THREAD_FIELD_MAX;
}

static int
summary_save(struct store *st, MDB_txn *txn, const char *root, size_t rlen,
    const struct rec_thread *t)
{
	uint8_t	*buf;
	size_t	 size;
	int	 rc;

	if ((size = rec_thread_size(t)) == 0)
		return (MDB_BAD_VALSIZE);
	if ((buf = malloc(size)) == NULL)
		return (ENOMEM);
	rec_thread_encode(t, buf);
	rc = store_db_put(txn, st->dbi[DB_THREADS], root, rlen, buf, size, 0);
	free(buf);
	return (rc);
}

/*
 * An article of the thread `root` arrived.  head: it takes the place of
 * the thread's first article, which it supersedes (cancel_db.c): the
 * thread keeps its key, and shows the new article as its root.
 */
int
thread_summary_add(struct store *st, MDB_txn *txn, const char *root,
    size_t root_len, const char *msgid, const char *overview,
    size_t overview_len, int64_t arrival, int head)
{
	struct rec_thread	t;
	MDB_val			val;
	int			rc;

	rc = store_db_get(txn, st->dbi[DB_THREADS], root, root_len, &val);
	if (rc == 0) {
		if (rec_thread_decode(val.mv_data, val.mv_size, &t) == -1)
			return (MDB_CORRUPTED);
	} else if (rc == MDB_NOTFOUND) {
		memset(&t, 0, sizeof(t));
		t.subject = t.from = t.date = "";
		t.last = arrival;
	} else
		return (rc);
	if (t.articles < UINT32_MAX)
		t.articles++;
	if (arrival > t.last)
		t.last = arrival;
	if (head) {
		t.head = msgid;
		t.head_len = strlen(msgid);
	}
	if (head || (t.head_len == 0 && strlen(msgid) == root_len &&
	    memcmp(msgid, root, root_len) == 0)) {
		t.flags |= REC_THREAD_ROOT;
		over_field(overview, overview_len, 0, &t.subject,
		    &t.subject_len);
		over_field(overview, overview_len, 1, &t.from, &t.from_len);
		over_field(overview, overview_len, 2, &t.date, &t.date_len);
	}
	return (summary_save(st, txn, root, root_len, &t));
}

int
thread_summary_remove(struct store *st, MDB_txn *txn, const char *msgid,
    size_t mlen, const char *root, size_t root_len)
{
	struct rec_thread	t;
	MDB_val			val;
	int			rc;

	rc = store_db_get(txn, st->dbi[DB_THREADS], root, root_len, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_thread_decode(val.mv_data, val.mv_size, &t) == -1)
		return (MDB_CORRUPTED);
	if (t.articles > 0)
		t.articles--;
	/* The head, once the first article was superseded, is the
	   thread's root article; the article named by the key is not. */
	if (t.head_len > 0 ? mlen == t.head_len && memcmp(msgid, t.head,
	    mlen) == 0 : mlen == root_len && memcmp(msgid, root, mlen) == 0)
		t.flags &= ~REC_THREAD_ROOT;
	if (t.articles == 0)
		return (store_db_del(txn, st->dbi[DB_THREADS], root, root_len,
		    NULL, 0));
	return (summary_save(st, txn, root, root_len, &t));
}

static size_t
tg_key(uint8_t *buf, uint32_t gid, const char *root, size_t rlen)
{
	rec_put_u32(buf, gid);
	buf[4] = 0x00;
	memcpy(buf + 5, root, rlen);
	return (5 + rlen);
}

/* A tindex key; old: the layout without the sequence. */
static size_t
ti_key(uint8_t *buf, uint32_t gid, uint64_t tkey, uint64_t seq, int old,
    const char *root, size_t rlen)
{
	size_t	off = 12;

	rec_put_u32(buf, gid);
	rec_put_u64(buf + 4, UINT64_MAX - tkey);	/* newest first */
	if (!old) {
		rec_put_u64(buf + 12, UINT64_MAX - seq);
		off = 20;
	}
	memcpy(buf + off, root, rlen);
	return (off + rlen);
}

/* A tgroups value: last arrival, count, its sequence (0 if old). */
struct tg_val {
	uint64_t	last;
	uint32_t	count;
	uint64_t	seq;
	int		old;
};

static int
tg_decode(const MDB_val *val, struct tg_val *v)
{
	if (val->mv_size != TG_VAL && val->mv_size != TG_VAL_OLD)
		return (MDB_CORRUPTED);
	v->last = rec_get_u64(val->mv_data);
	v->count = rec_get_u32((uint8_t *)val->mv_data + 8);
	v->old = val->mv_size == TG_VAL_OLD;
	v->seq = v->old ? 0 : rec_get_u64((uint8_t *)val->mv_data + 12);
	return (0);
}

static int
tg_put(struct store *st, MDB_txn *txn, const uint8_t *tg, size_t tglen,
    const struct tg_val *v)
{
	uint8_t	buf[TG_VAL];

	rec_put_u64(buf, v->last);
	rec_put_u32(buf + 8, v->count);
	rec_put_u64(buf + 12, v->seq);
	return (store_db_put(txn, st->dbi[DB_TINDEX], tg, tglen, buf, TG_VAL,
	    0));
}

/*
 * An article of the thread `root` was filed in group gid, arriving at
 * `arrival` as the store's sequence `seq`: count it, and move the thread
 * to the front of the group's index if that is its latest activity.
 * Arrival times are in seconds; the sequence orders arrivals within one.
 */
int
thread_group_add(struct store *st, MDB_txn *txn, uint32_t gid,
    const char *root, size_t root_len, int64_t arrival, uint64_t seq)
{
	struct tg_val	v, was;
	MDB_val		val;
	uint8_t		tg[TGKEY_MAX], ti[TIKEY_MAX];
	size_t		tglen, tilen;
	int		rc, had = 0;

	memset(&v, 0, sizeof(v));
	memset(&was, 0, sizeof(was));
	v.last = rec_time_key(arrival);
	v.seq = seq;
	tglen = tg_key(tg, gid, root, root_len);
	rc = store_db_get(txn, st->dbi[DB_TINDEX], tg, tglen, &val);
	if (rc == 0) {
		if ((rc = tg_decode(&val, &was)) != 0)
			return (rc);
		had = 1;
		v.count = was.count;
		/* An earlier (arrival, sequence) never moves it back. */
		if (was.last > v.last || (was.last == v.last &&
		    was.seq > v.seq)) {
			v.last = was.last;
			v.seq = was.seq;
		}
	} else if (rc != MDB_NOTFOUND)
		return (rc);
	if (had && (was.old || was.last != v.last || was.seq != v.seq)) {
		tilen = ti_key(ti, gid, was.last, was.seq, was.old, root,
		    root_len);
		rc = store_db_del(txn, st->dbi[DB_TINDEX], ti, tilen, NULL, 0);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return (rc);
	}
	if (!had || was.old || was.last != v.last || was.seq != v.seq) {
		tilen = ti_key(ti, gid, v.last, v.seq, 0, root, root_len);
		if ((rc = store_db_put(txn, st->dbi[DB_TINDEX], ti, tilen,
		    (uint8_t []){ TI_MARK }, 1, 0)) != 0)
			return (rc);
	}
	if (v.count < UINT32_MAX)
		v.count++;
	return (tg_put(st, txn, tg, tglen, &v));
}

int
thread_group_remove(struct store *st, MDB_txn *txn, uint32_t gid,
    const char *root, size_t root_len)
{
	struct tg_val	v;
	MDB_val		val;
	uint8_t		tg[TGKEY_MAX], ti[TIKEY_MAX];
	size_t		tglen, tilen;
	int		rc;

	tglen = tg_key(tg, gid, root, root_len);
	rc = store_db_get(txn, st->dbi[DB_TINDEX], tg, tglen, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if ((rc = tg_decode(&val, &v)) != 0)
		return (rc);
	if (v.count > 1) {
		/* The index entry stays as it is: same (last, sequence),
		   same layout, so an old value keeps its old size. */
		uint8_t	buf[TG_VAL];

		memcpy(buf, val.mv_data, val.mv_size);
		rec_put_u32(buf + 8, v.count - 1);
		return (store_db_put(txn, st->dbi[DB_TINDEX], tg, tglen, buf,
		    v.old ? TG_VAL_OLD : TG_VAL, 0));
	}
	tilen = ti_key(ti, gid, v.last, v.seq, v.old, root, root_len);
	rc = store_db_del(txn, st->dbi[DB_TINDEX], ti, tilen, NULL, 0);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	return (store_db_del(txn, st->dbi[DB_TINDEX], tg, tglen, NULL, 0));
}

/* ---- Summaries: reading ---------------------------------------------- */

static int
summary_export(const char *root, size_t rlen, const MDB_val *val,
    int64_t group_last, char *rootbuf, struct store_thread_summary *out)
{
	struct rec_thread	t;

	if (rlen == 0 || rlen > STORE_MSGID_MAX ||
	    rec_thread_decode(val->mv_data, val->mv_size, &t) == -1 ||
	    t.head_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	/* A thread whose first article was superseded shows the new one
	   as its root (the key stays the old one's). */
	if (t.head_len > 0) {
		root = t.head;
		rlen = t.head_len;
	}
	memcpy(rootbuf, root, rlen);
	rootbuf[rlen] = '\0';
	memset(out, 0, sizeof(*out));
	out->root = rootbuf;
	out->articles = t.articles;
	out->root_present = (t.flags & REC_THREAD_ROOT) != 0;
	out->replies = t.articles - (out->root_present && t.articles > 0);
	out->last = t.last;
	out->group_last = group_last;
	out->subject = t.subject;
	out->from = t.from;
	out->date = t.date;
	return (0);
}

enum store_status
store_thread_summary(struct store *st, const char *msgid, store_summary_cb cb,
    void *arg)
{
	struct store_thread_summary	 ts;
	struct rec_article		 r;
	MDB_txn				*txn;
	MDB_val				 val;
	enum store_status		 ret;
	const char			*root;
	char				 rootbuf[STORE_MSGID_MAX + 1];
	size_t				 len, rlen;
	int				 rc;

	if (!store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	root = msgid;
	rlen = len;
	rc = store_db_get(txn, st->dbi[DB_THREADS], root, rlen, &val);
	if (rc == MDB_NOTFOUND) {
		/* Not a root: the thread of the article, if we have it. */
		rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, len, &val);
		if (rc == 0) {
			if (rec_article_decode(val.mv_data, val.mv_size,
			    &r) == -1)
				rc = MDB_CORRUPTED;
			else {
				root = r.root;
				rlen = r.root_len;
				rc = store_db_get(txn, st->dbi[DB_THREADS],
				    root, rlen, &val);
			}
		}
	}
	if (rc == 0 && (rc = summary_export(root, rlen, &val, 0, rootbuf,
	    &ts)) == 0 && cb != NULL)
		cb(&ts, arg);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "thread summary"));
}

enum store_status
store_thread_roots(struct store *st, uint32_t group_id, size_t max,
    store_summary_cb cb, void *arg, struct store_thread_cursor *cursor)
{
	struct store_thread_summary	 ts;
	MDB_txn				*txn;
	MDB_cursor			*c;
	MDB_val				 key, val, tval;
	enum store_status		 ret;
	uint8_t				 kbuf[TIKEY_MAX];
	char				 rootbuf[STORE_MSGID_MAX + 1];
	const char			*root;
	uint64_t			 tk, tseq;
	size_t				 seen = 0, rlen, resume_len = 0;
	size_t				 off, kbuf_len = 0;
	int				 rc, old;

	if (cursor == NULL)
		return (STORE_INVALID);
	if (cursor->done)
		return (STORE_OK);
	if (cursor->started) {
		resume_len = strnlen(cursor->root, STORE_MSGID_MAX);
		key.mv_size = ti_key(kbuf, group_id, cursor->key_time,
		    cursor->key_seq, cursor->key_old, cursor->root,
		    resume_len);
		kbuf_len = key.mv_size;
	} else {
		/* After the group's thread entries (gid + 0x00 + root). */
		rec_put_u32(kbuf, group_id);
		kbuf[4] = 0x01;
		key.mv_size = 5;
	}
	key.mv_data = kbuf;
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TINDEX], &c)) != 0) {
		store_read_end(st, txn);
		return (store_mdb_status(rc, "thread roots"));
	}
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		/* The next group's entries (its threads first) end it. */
		if (key.mv_size < 4 || rec_get_u32(key.mv_data) != group_id) {
			rc = MDB_NOTFOUND;
			break;
		}
		if (key.mv_size <= 12 || key.mv_size > TIKEY_MAX ||
		    ((uint8_t *)key.mv_data)[4] == 0x00) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* The value says which layout the key has. */
		old = val.mv_size == 0;
		off = old ? 12 : 20;
		if ((!old && (val.mv_size != 1 ||
		    *(uint8_t *)val.mv_data != TI_MARK)) ||
		    key.mv_size <= off) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* Skip the entry the previous call ended with. */
		if (cursor->started && resume_len > 0 &&
		    key.mv_size == kbuf_len &&
		    memcmp(key.mv_data, kbuf, key.mv_size) == 0)
			continue;
		if (max > 0 && seen >= max)
			break;
		tk = rec_get_u64((uint8_t *)key.mv_data + 4);
		tseq = old ? 0 : UINT64_MAX - rec_get_u64((uint8_t *)
		    key.mv_data + 12);
		root = (const char *)key.mv_data + off;
		rlen = key.mv_size - off;
		rc = store_db_get(txn, st->dbi[DB_THREADS], root, rlen, &tval);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0 || (rc = summary_export(root, rlen, &tval,
		    (int64_t)(UINT64_MAX - tk), rootbuf, &ts)) != 0)
			break;
		seen++;
		cursor->started = 1;
		cursor->key_time = UINT64_MAX - tk;
		cursor->key_seq = tseq;
		cursor->key_old = old;
		/* The key's root (not the head shown) resumes the walk. */
		memcpy(cursor->root, root, rlen);
		cursor->root[rlen] = '\0';
		resume_len = 0;
		if (cb != NULL && cb(&ts, arg) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND) {
		cursor->done = 1;
		rc = 0;
	}
	mdb_cursor_close(c);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "thread roots"));
}

/* ---- Format version 1 ------------------------------------------------ */

/*
 * Move the entries of the legacy tgroups tree (u32 gid + root, values as
 * here) into tindex under gid + 0x00 + root, and empty tgroups.  Part of
 * store_open's transaction; a no-op once tgroups is empty.
 */
int
summary_tgroups_move(struct store *st, MDB_txn *txn, MDB_dbi tgroups)
{
	MDB_cursor	*c;
	MDB_val		 key, val;
	MDB_stat	 ms;
	uint8_t		 tg[TGKEY_MAX];
	size_t		 tglen;
	int		 rc;

	if ((rc = mdb_stat(txn, tgroups, &ms)) != 0)
		return (rc);
	if (ms.ms_entries == 0)
		return (0);
	if ((rc = mdb_cursor_open(txn, tgroups, &c)) != 0)
		return (rc);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size <= 4 || key.mv_size > 4 + STORE_MSGID_MAX ||
		    (val.mv_size != TG_VAL && val.mv_size != TG_VAL_OLD)) {
			rc = MDB_CORRUPTED;
			break;
		}
		tglen = tg_key(tg, rec_get_u32(key.mv_data),
		    (const char *)key.mv_data + 4, key.mv_size - 4);
		if ((rc = store_db_put(txn, st->dbi[DB_TINDEX], tg, tglen,
		    val.mv_data, val.mv_size, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return (rc);
	return (mdb_drop(txn, tgroups, 0));
}

struct tgroups_legacy_args {
	uint32_t	 gid;
	const char	*root;
	size_t		 rlen;
};

static int
tgroups_legacy_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct tgroups_legacy_args	*a = arg;
	MDB_val				 val;
	uint8_t				 tg[TGKEY_MAX], buf[TG_VAL];
	size_t				 tglen, vlen;
	int				 rc;

	tglen = tg_key(tg, a->gid, a->root, a->rlen);
	if ((rc = store_db_get(txn, st->dbi[DB_TINDEX], tg, tglen, &val)) != 0)
		return (rc);
	if ((vlen = val.mv_size) > sizeof(buf))
		return (MDB_CORRUPTED);
	memcpy(buf, val.mv_data, vlen);
	if ((rc = store_db_del(txn, st->dbi[DB_TINDEX], tg, tglen, NULL,
	    0)) != 0)
		return (rc);
	/* The legacy key: gid + root, without the 0x00. */
	memmove(tg + 4, tg + 5, a->rlen);
	return (store_db_put(txn, st->dbi[DB_TGROUPS], tg, tglen - 1, buf,
	    vlen, 0));
}

enum store_status
store_debug_tgroups_legacy(struct store *st, uint32_t group_id,
    const char *root)
{
	struct tgroups_legacy_args	a;

	if (!store_id_usable(root, &a.rlen))
		return (STORE_INVALID);
	a.gid = group_id;
	a.root = root;
	return (store_write(st, tgroups_legacy_fn, &a, NULL));
}

/* ---- Test hook ------------------------------------------------------- */

struct tindex_old_args {
	uint32_t		 gid;
	const char		*root;
	size_t			 rlen;
	enum store_status	 ret;
};

static int
tindex_old_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct tindex_old_args	*a = arg;
	struct tg_val		 v;
	MDB_val			 val;
	uint8_t			 tg[TGKEY_MAX], ti[TIKEY_MAX], buf[TG_VAL_OLD];
	size_t			 tglen, tilen;
	int			 rc;

	tglen = tg_key(tg, a->gid, a->root, a->rlen);
	rc = store_db_get(txn, st->dbi[DB_TINDEX], tg, tglen, &val);
	if (rc == MDB_NOTFOUND) {
		a->ret = STORE_NOTFOUND;
		return (STORE_WRITE_ABORT);
	}
	if (rc != 0 || (rc = tg_decode(&val, &v)) != 0)
		return (rc);
	tilen = ti_key(ti, a->gid, v.last, v.seq, v.old, a->root, a->rlen);
	if ((rc = store_db_del(txn, st->dbi[DB_TINDEX], ti, tilen, NULL,
	    0)) != 0)
		return (rc);
	tilen = ti_key(ti, a->gid, v.last, 0, 1, a->root, a->rlen);
	if ((rc = store_db_put(txn, st->dbi[DB_TINDEX], ti, tilen, "", 0,
	    0)) != 0)
		return (rc);
	rec_put_u64(buf, v.last);
	rec_put_u32(buf + 8, v.count);
	a->ret = STORE_OK;
	return (store_db_put(txn, st->dbi[DB_TINDEX], tg, tglen, buf,
	    TG_VAL_OLD, 0));
}

enum store_status
store_debug_thread_index_old(struct store *st, uint32_t group_id,
    const char *root)
{
	struct tindex_old_args	a;
	enum store_status	ret;

	memset(&a, 0, sizeof(a));
	if (!store_id_usable(root, &a.rlen))
		return (STORE_INVALID);
	a.gid = group_id;
	a.root = root;
	if ((ret = store_write(st, tindex_old_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}
