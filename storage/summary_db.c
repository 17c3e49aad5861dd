/*
 * Thread summaries, kept incremental in the transactions that store and
 * expire articles (see thread_db.c for the links themselves).
 *
 * threads: root msgid -> articles, last arrival, root's subject/from/date
 * tgroups: BE u32 gid + root -> BE u64 last arrival in the group, BE u32
 *          articles of the thread filed in the group
 * tindex:  BE u32 gid + BE u64 (~last) + root -> ""   (newest first)
 *
 * The root of an article is a property of the article (its first
 * References entry, else itself), so summaries do not depend on arrival
 * order.  A thread is listed in a group while it has articles filed there.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define TGKEY_MAX	(4 + STORE_MSGID_MAX)
#define TIKEY_MAX	(4 + 8 + STORE_MSGID_MAX)

static int
msgid_arg(const char *msgid, size_t *len)
{
	if (msgid == NULL)
		return (0);
	*len = strlen(msgid);
	return (*len > 0 && *len <= STORE_MSGID_MAX);
}

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

int
thread_summary_add(struct store *st, MDB_txn *txn, const char *root,
    size_t root_len, const char *msgid, const char *overview,
    size_t overview_len, int64_t arrival)
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
	if (strlen(msgid) == root_len && memcmp(msgid, root, root_len) == 0) {
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
	if (mlen == root_len && memcmp(msgid, root, mlen) == 0)
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
	memcpy(buf + 4, root, rlen);
	return (4 + rlen);
}

static size_t
ti_key(uint8_t *buf, uint32_t gid, uint64_t tkey, const char *root,
    size_t rlen)
{
	rec_put_u32(buf, gid);
	rec_put_u64(buf + 4, UINT64_MAX - tkey);	/* newest first */
	memcpy(buf + 12, root, rlen);
	return (12 + rlen);
}

int
thread_group_add(struct store *st, MDB_txn *txn, uint32_t gid,
    const char *root, size_t root_len, int64_t arrival)
{
	MDB_val		val;
	uint8_t		tg[TGKEY_MAX], ti[TIKEY_MAX], v[12];
	size_t		tglen, tilen;
	uint64_t	last = rec_time_key(arrival), old = 0;
	uint32_t	count = 0;
	int		rc, had = 0;

	tglen = tg_key(tg, gid, root, root_len);
	rc = store_db_get(txn, st->dbi[DB_TGROUPS], tg, tglen, &val);
	if (rc == 0) {
		if (val.mv_size != 12)
			return (MDB_CORRUPTED);
		had = 1;
		old = rec_get_u64(val.mv_data);
		count = rec_get_u32((uint8_t *)val.mv_data + 8);
		if (old > last)
			last = old;
	} else if (rc != MDB_NOTFOUND)
		return (rc);
	if (had && old != last) {
		tilen = ti_key(ti, gid, old, root, root_len);
		rc = store_db_del(txn, st->dbi[DB_TINDEX], ti, tilen, NULL, 0);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return (rc);
	}
	if (!had || old != last) {
		tilen = ti_key(ti, gid, last, root, root_len);
		if ((rc = store_db_put(txn, st->dbi[DB_TINDEX], ti, tilen, "",
		    0, 0)) != 0)
			return (rc);
	}
	rec_put_u64(v, last);
	rec_put_u32(v + 8, count < UINT32_MAX ? count + 1 : count);
	return (store_db_put(txn, st->dbi[DB_TGROUPS], tg, tglen, v, 12, 0));
}

int
thread_group_remove(struct store *st, MDB_txn *txn, uint32_t gid,
    const char *root, size_t root_len)
{
	MDB_val		val;
	uint8_t		tg[TGKEY_MAX], ti[TIKEY_MAX], v[12];
	size_t		tglen, tilen;
	uint64_t	last;
	uint32_t	count;
	int		rc;

	tglen = tg_key(tg, gid, root, root_len);
	rc = store_db_get(txn, st->dbi[DB_TGROUPS], tg, tglen, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (val.mv_size != 12)
		return (MDB_CORRUPTED);
	last = rec_get_u64(val.mv_data);
	count = rec_get_u32((uint8_t *)val.mv_data + 8);
	if (count > 1) {
		rec_put_u64(v, last);
		rec_put_u32(v + 8, count - 1);
		return (store_db_put(txn, st->dbi[DB_TGROUPS], tg, tglen, v,
		    12, 0));
	}
	tilen = ti_key(ti, gid, last, root, root_len);
	rc = store_db_del(txn, st->dbi[DB_TINDEX], ti, tilen, NULL, 0);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	return (store_db_del(txn, st->dbi[DB_TGROUPS], tg, tglen, NULL, 0));
}

/* ---- Summaries: reading ---------------------------------------------- */

static int
summary_export(const char *root, size_t rlen, const MDB_val *val,
    int64_t group_last, char *rootbuf, struct store_thread_summary *out)
{
	struct rec_thread	t;

	if (rlen == 0 || rlen > STORE_MSGID_MAX ||
	    rec_thread_decode(val->mv_data, val->mv_size, &t) == -1)
		return (MDB_CORRUPTED);
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

	if (!msgid_arg(msgid, &len))
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
	uint64_t			 tk;
	size_t				 seen = 0, rlen, resume_len = 0;
	int				 rc;

	if (cursor == NULL)
		return (STORE_INVALID);
	if (cursor->done)
		return (STORE_OK);
	if (cursor->started) {
		resume_len = strnlen(cursor->root, STORE_MSGID_MAX);
		key.mv_size = ti_key(kbuf, group_id, cursor->key_time,
		    cursor->root, resume_len);
	} else {
		rec_put_u32(kbuf, group_id);
		key.mv_size = 4;
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
		if (key.mv_size <= 12 || key.mv_size > TIKEY_MAX) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (rec_get_u32(key.mv_data) != group_id) {
			rc = MDB_NOTFOUND;
			break;
		}
		/* Skip the entry the previous call ended with. */
		if (cursor->started && resume_len > 0 &&
		    key.mv_size == 12 + resume_len &&
		    memcmp(key.mv_data, kbuf, key.mv_size) == 0)
			continue;
		if (max > 0 && seen >= max)
			break;
		tk = rec_get_u64((uint8_t *)key.mv_data + 4);
		root = (const char *)key.mv_data + 12;
		rlen = key.mv_size - 12;
		rc = store_db_get(txn, st->dbi[DB_THREADS], root, rlen, &tval);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0 || (rc = summary_export(root, rlen, &tval,
		    (int64_t)(UINT64_MAX - tk), rootbuf, &ts)) != 0)
			break;
		seen++;
		cursor->started = 1;
		cursor->key_time = UINT64_MAX - tk;
		memcpy(cursor->root, rootbuf, rlen + 1);
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
