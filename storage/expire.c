/*
 * Expiry by age per group, group emptying, and history purge.  Each runs in
 * transactions that scan at most STORE_CHUNK entries, so the writer thread
 * and readers never wait long behind a big expiry run, and a crash midway
 * leaves a consistent (partly expired) store.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"
#include "record.h"

/* A group record whose strings are copied out of the map. */
struct group_copy {
	struct rec_group	g;
	char			creator[STORE_USER_MAX + 1];
	char			description[STORE_DESC_MAX + 1];
};

static int
group_load_copy(struct store *st, MDB_txn *txn, const char *name, size_t len,
    struct group_copy *gc)
{
	int	rc;

	if ((rc = store_group_load(st, txn, name, len, &gc->g)) != 0)
		return (rc);
	if (gc->g.creator_len > STORE_USER_MAX ||
	    gc->g.description_len > STORE_DESC_MAX)
		return (MDB_CORRUPTED);
	memcpy(gc->creator, gc->g.creator, gc->g.creator_len + 1);
	memcpy(gc->description, gc->g.description, gc->g.description_len + 1);
	gc->g.creator = gc->creator;
	gc->g.description = gc->description;
	return (0);
}

/*
 * Is msgid still filed under some group other than `self` according to
 * its Xref?  Each "group:number" is checked against the numbers db, so a
 * stale Xref entry (already expired there) does not keep the article.
 */
static int
still_filed(struct store *st, MDB_txn *txn, const char *xref,
    const char *self, size_t self_len, const char *msgid, size_t mlen,
    int *filed)
{
	struct rec_group	 g;
	struct rec_number	 nr;
	MDB_val			 val;
	const char		*p, *sp, *colon;
	uint8_t			 nkey[REC_NUMKEY_SIZE];
	unsigned long		 num;
	char			*end;
	int			 rc;

	*filed = 0;
	for (p = xref; *p != '\0'; p = *sp ? sp + 1 : sp) {
		if ((sp = strchr(p, ' ')) == NULL)
			sp = p + strlen(p);
		if ((colon = memchr(p, ':', (size_t)(sp - p))) == NULL ||
		    colon == p)
			continue;
		if ((size_t)(colon - p) == self_len &&
		    memcmp(p, self, self_len) == 0)
			continue;
		num = strtoul(colon + 1, &end, 10);
		if (end != sp || num == 0 || num > UINT32_MAX)
			continue;
		rc = store_group_load(st, txn, p, (size_t)(colon - p), &g);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return (rc);
		rec_numkey_encode(nkey, g.id, (uint32_t)num);
		rc = store_db_get(txn, st->dbi[DB_NUMBERS], nkey, sizeof(nkey),
		    &val);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return (rc);
		if (rec_number_decode(val.mv_data, val.mv_size, &nr) == 0 &&
		    nr.msgid_len == mlen && memcmp(nr.msgid, msgid, mlen) == 0) {
			*filed = 1;
			return (0);
		}
	}
	return (0);
}

/*
 * Take (group, number) out of the group: its overview entry, the group's
 * count and low mark (in gc; the caller saves the record), the thread's
 * count in the group.  msgid gets the entry's message-id (*mlen 0: there
 * was no entry), *xref a copy of the article's Xref to free (NULL when
 * the article record is gone).  Shared by expiry and cancels, which must
 * leave the same traces.
 */
static int
number_withdraw(struct store *st, MDB_txn *txn, struct group_copy *gc,
    uint32_t number, char msgid[STORE_MSGID_MAX + 1], size_t *mlen,
    char **xref, struct store_expire_stats *stats)
{
	struct rec_number	nr;
	struct rec_article	r;
	MDB_val			val;
	uint8_t			nkey[REC_NUMKEY_SIZE];
	char			root[STORE_MSGID_MAX + 1];
	size_t			rlen;
	int			rc;

	*mlen = 0;
	*xref = NULL;
	rec_numkey_encode(nkey, gc->g.id, number);
	rc = store_db_get(txn, st->dbi[DB_NUMBERS], nkey, sizeof(nkey), &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_number_decode(val.mv_data, val.mv_size, &nr) == -1 ||
	    nr.msgid_len == 0 || nr.msgid_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	memcpy(msgid, nr.msgid, nr.msgid_len + 1);
	*mlen = nr.msgid_len;
	if ((rc = store_db_del(txn, st->dbi[DB_NUMBERS], nkey, sizeof(nkey),
	    NULL, 0)) != 0)
		return (rc);
	if (gc->g.count > 0)
		gc->g.count--;
	if ((rc = store_group_fix_low(st, txn, &gc->g, number)) != 0)
		return (rc);
	if (stats != NULL)
		stats->numbers_removed++;

	rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, *mlen, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1 ||
	    r.root_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	rlen = r.root_len;
	memcpy(root, r.root, rlen + 1);
	if ((*xref = strdup(r.xref)) == NULL)
		return (ENOMEM);
	if ((rc = thread_group_remove(st, txn, gc->g.id, root, rlen)) != 0) {
		free(*xref);
		*xref = NULL;
	}
	return (rc);
}

/* Remove (group, number): overview entry, counts, and the article once it
   is in no group. */
static int
expire_entry(struct store *st, MDB_txn *txn, const char *name, size_t len,
    struct group_copy *gc, uint32_t number, struct store_expire_stats *stats)
{
	char	msgid[STORE_MSGID_MAX + 1];
	char	*xref = NULL;
	size_t	mlen;
	int	rc, filed, deleted;

	if ((rc = number_withdraw(st, txn, gc, number, msgid, &mlen, &xref,
	    stats)) != 0 || xref == NULL)
		return (rc);
	if ((rc = still_filed(st, txn, xref, name, len, msgid, mlen,
	    &filed)) != 0 || filed)
		goto out;
	if ((rc = article_delete(st, txn, msgid, mlen, &deleted)) != 0)
		goto out;
	if (deleted)
		stats->articles_removed++;
out:
	free(xref);
	return (rc);
}

/*
 * Withdraw the stored article msgid (a cancel, a Supersedes, loomctl
 * cancel) inside txn: out of every group its Xref names whose entry is
 * still it (numbers are not reused: the groups' high marks stay), then
 * the record goes as when it expires (article_delete: history entry,
 * placeholder while it has replies).  *removed is 0 when it was not
 * stored.
 */
int
article_withdraw_txn(struct store *st, MDB_txn *txn, const char *msgid,
    size_t mlen, int *removed)
{
	struct group_copy	 gc;
	struct rec_article	 r;
	struct rec_number	 nr;
	MDB_val			 val;
	uint8_t			 nkey[REC_NUMKEY_SIZE];
	char			 got[STORE_MSGID_MAX + 1];
	char			*xref, *entry_xref, *p, *sp, *colon, *end;
	unsigned long		 num;
	size_t			 glen;
	int			 rc;

	*removed = 0;
	rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, mlen, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1)
		return (MDB_CORRUPTED);
	if ((xref = strdup(r.xref)) == NULL)
		return (ENOMEM);
	for (p = xref; *p != '\0'; p = *sp != '\0' ? sp + 1 : sp) {
		if ((sp = strchr(p, ' ')) == NULL)
			sp = p + strlen(p);
		if ((colon = memchr(p, ':', (size_t)(sp - p))) == NULL ||
		    colon == p)
			continue;
		num = strtoul(colon + 1, &end, 10);
		if (end != sp || num == 0 || num > UINT32_MAX)
			continue;
		glen = (size_t)(colon - p);
		rc = group_load_copy(st, txn, p, glen, &gc);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		/* Only if the number is still this article's. */
		rec_numkey_encode(nkey, gc.g.id, (uint32_t)num);
		rc = store_db_get(txn, st->dbi[DB_NUMBERS], nkey, sizeof(nkey),
		    &val);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		if (rec_number_decode(val.mv_data, val.mv_size, &nr) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (nr.msgid_len != mlen || memcmp(nr.msgid, msgid, mlen) != 0)
			continue;
		if ((rc = number_withdraw(st, txn, &gc, (uint32_t)num, got,
		    &glen, &entry_xref, NULL)) != 0)
			break;
		free(entry_xref);
		if ((rc = store_group_save(st, txn, p, (size_t)(colon - p),
		    &gc.g)) != 0)
			break;
	}
	free(xref);
	if (rc != 0)
		return (rc);
	return (article_delete(st, txn, msgid, mlen, removed));
}

/*
 * As expire_group_txn, and numbers below keep_from go whatever their age
 * (max_articles: numbers grow with arrival, so the newest are the highest).
 */
static int
expire_group_txn_keep(struct store *st, MDB_txn *txn, const char *name,
    size_t len, int64_t cutoff, uint32_t keep_from, uint32_t from,
    size_t max_scan, struct store_expire_stats *stats, uint32_t *next)
{
	struct group_copy	 gc;
	struct rec_number	 nr;
	MDB_cursor		*c;
	MDB_val			 key, val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	uint32_t		*doomed = NULL, *p, gid, num;
	size_t			 ndoomed = 0, cap = 0, scanned = 0, i;
	int			 rc;

	if (next != NULL)
		*next = 0;
	rc = group_load_copy(st, txn, name, len, &gc);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NUMBERS], &c)) != 0)
		return (rc);
	rec_numkey_encode(kbuf, gc.g.id, from > 0 ? from : 1);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size != REC_NUMKEY_SIZE) {
			rc = MDB_CORRUPTED;
			break;
		}
		rec_numkey_decode(key.mv_data, &gid, &num);
		if (gid != gc.g.id)
			break;
		if (scanned >= max_scan) {
			if (next != NULL)
				*next = num;
			break;
		}
		scanned++;
		if (rec_number_decode(val.mv_data, val.mv_size, &nr) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (nr.arrival >= cutoff && num >= keep_from)
			continue;
		if (ndoomed == cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = reallocarray(doomed, cap, sizeof(*p))) ==
			    NULL) {
				rc = ENOMEM;
				break;
			}
			doomed = p;
		}
		doomed[ndoomed++] = num;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	for (i = 0; rc == 0 && i < ndoomed; i++)
		rc = expire_entry(st, txn, name, len, &gc, doomed[i], stats);
	free(doomed);
	if (rc == 0 && ndoomed > 0)
		rc = store_group_save(st, txn, name, len, &gc.g);
	if (rc != 0 && next != NULL)
		*next = 0;
	return (rc);
}

int
expire_group_txn(struct store *st, MDB_txn *txn, const char *name,
    size_t len, int64_t cutoff, uint32_t from, size_t max_scan,
    struct store_expire_stats *stats, uint32_t *next)
{
	return (expire_group_txn_keep(st, txn, name, len, cutoff, 0, from,
	    max_scan, stats, next));
}

struct expire_args {
	const char			*name;
	size_t				 len;
	int64_t				 cutoff;
	uint32_t			 keep_from;
	int				 dry_run;
	uint32_t			 from;
	uint32_t			 next;
	struct store_expire_stats	 chunk;
};

static void
expire_reset(void *arg)
{
	struct expire_args	*a = arg;

	memset(&a->chunk, 0, sizeof(a->chunk));
	a->next = 0;
}

static int
expire_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct expire_args	*a = arg;
	int			 rc;

	rc = expire_group_txn_keep(st, txn, a->name, a->len, a->cutoff,
	    a->keep_from, a->from, STORE_CHUNK, &a->chunk, &a->next);
	/* A dry run does the same work and throws it away. */
	if (rc == 0 && a->dry_run)
		rc = STORE_WRITE_ABORT;
	return (rc);
}

/*
 * The lowest number of the group's max newest entries (0: it has no more
 * than max).  Walks back from the top: max entries at most, in a read
 * transaction, so neither the writer nor readers wait for it.
 */
struct keep_args {
	const char	*name;
	size_t		 len;
	uint64_t	 max;
	uint32_t	 keep_from;
};

static int
keep_scan(struct store *st, MDB_txn *txn, struct keep_args *a)
{
	struct rec_group	 g;
	MDB_cursor		*c;
	MDB_val			 key, val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	uint32_t		 gid, num;
	uint64_t		 seen = 0;
	int			 rc;

	a->keep_from = 0;
	rc = store_group_load(st, txn, a->name, a->len, &g);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (g.count <= a->max)
		return (0);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NUMBERS], &c)) != 0)
		return (rc);
	rec_numkey_encode(kbuf, g.id, UINT32_MAX);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	if (rc == 0) {
		rec_numkey_decode(key.mv_data, &gid, &num);
		/* SET_RANGE found (g.id, UINT32_MAX) or the next group. */
		if (gid != g.id || num != UINT32_MAX)
			rc = mdb_cursor_get(c, &key, &val, MDB_PREV);
	} else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &key, &val, MDB_LAST);
	for (; rc == 0; rc = mdb_cursor_get(c, &key, &val, MDB_PREV)) {
		if (key.mv_size != REC_NUMKEY_SIZE) {
			rc = MDB_CORRUPTED;
			break;
		}
		rec_numkey_decode(key.mv_data, &gid, &num);
		if (gid != g.id)
			break;
		a->keep_from = num;
		if (++seen >= a->max)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	if (seen < a->max)
		a->keep_from = 0;
	return (0);
}

static enum store_status
keep_from_number(struct store *st, struct keep_args *a)
{
	MDB_txn			*txn;
	enum store_status	 ret;
	int			 rc;

	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = keep_scan(st, txn, a);
	store_read_end(st, txn);
	return (rc == 0 ? STORE_OK : store_mdb_status(rc, "expire"));
}

enum store_status
store_expire_group_rule(struct store *st, const char *group, int64_t cutoff,
    uint64_t max_articles, int dry_run, struct store_expire_stats *stats)
{
	struct expire_args		a;
	struct keep_args		k;
	struct store_expire_stats	local;
	struct store_group		g;
	enum store_status		ret;

	if (stats == NULL) {
		memset(&local, 0, sizeof(local));
		stats = &local;
	}
	if ((ret = store_group_get(st, group, &g)) != STORE_OK)
		return (ret);
	memset(&a, 0, sizeof(a));
	a.name = group;
	a.len = strlen(group);
	a.cutoff = cutoff;
	a.dry_run = dry_run;
	if (max_articles > 0) {
		memset(&k, 0, sizeof(k));
		k.name = group;
		k.len = a.len;
		k.max = max_articles;
		if ((ret = keep_from_number(st, &k)) != STORE_OK)
			return (ret);
		a.keep_from = k.keep_from;
	}
	a.from = 1;
	do {
		expire_reset(&a);
		if ((ret = store_write(st, expire_fn, &a, expire_reset)) !=
		    STORE_OK)
			return (ret);
		stats->numbers_removed += a.chunk.numbers_removed;
		stats->articles_removed += a.chunk.articles_removed;
		a.from = a.next;
	} while (a.next != 0);
	return (STORE_OK);
}

enum store_status
store_expire_group(struct store *st, const char *group, int64_t cutoff,
    struct store_expire_stats *stats)
{
	return (store_expire_group_rule(st, group, cutoff, 0, 0, stats));
}

/* ---- History purge --------------------------------------------------- */

struct purge_args {
	int64_t		 cutoff;
	char		 resume[STORE_MSGID_MAX];
	size_t		 resume_len;	/* 0: from the start */
	char		 start[STORE_MSGID_MAX];	/* for a retry */
	size_t		 start_len;
	int		 done;
	int		 dry_run;
	uint64_t	 purged;
};

static void
purge_reset(void *arg)
{
	struct purge_args	*a = arg;

	memcpy(a->resume, a->start, a->start_len);
	a->resume_len = a->start_len;
	a->done = 0;
	a->purged = 0;
}

static int
purge_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct purge_args	*a = arg;
	MDB_cursor		*c;
	MDB_val			 key, val, aval;
	char			(*doomed)[STORE_MSGID_MAX];
	size_t			 doomed_len[STORE_CHUNK];
	size_t			 n = 0, scanned = 0, i;
	uint8_t			 flags;
	int64_t			 when;
	int			 rc;

	if ((doomed = calloc(STORE_CHUNK, sizeof(*doomed))) == NULL)
		return (ENOMEM);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_HISTORY], &c)) != 0) {
		free(doomed);
		return (rc);
	}
	key.mv_data = a->resume;
	key.mv_size = a->resume_len;
	rc = mdb_cursor_get(c, &key, &val, a->resume_len > 0 ? MDB_SET_RANGE :
	    MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size == 0 || key.mv_size > STORE_MSGID_MAX) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* The key the previous chunk ended with was looked at. */
		if (scanned == 0 && a->resume_len > 0 &&
		    key.mv_size == a->resume_len &&
		    memcmp(key.mv_data, a->resume, a->resume_len) == 0)
			continue;
		if (scanned >= STORE_CHUNK)
			break;
		scanned++;
		memcpy(a->resume, key.mv_data, key.mv_size);
		a->resume_len = key.mv_size;
		if (rec_hist_decode(val.mv_data, val.mv_size, &flags,
		    &when) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (when >= a->cutoff)
			continue;
		rc = mdb_get(txn, st->dbi[DB_ARTICLES], &key, &aval);
		if (rc == 0)
			continue;	/* still stored: keep */
		if (rc != MDB_NOTFOUND)
			break;
		rc = 0;
		memcpy(doomed[n], key.mv_data, key.mv_size);
		doomed_len[n++] = key.mv_size;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		a->done = 1;
		rc = 0;
	}
	/* A superseded article's forward to its replacement goes with
	   its history (thread_forward). */
	for (i = 0; rc == 0 && !a->dry_run && i < n; i++)
		if ((rc = store_db_del(txn, st->dbi[DB_HISTORY], doomed[i],
		    doomed_len[i], NULL, 0)) == 0)
			rc = thread_forward_drop(st, txn, doomed[i],
			    doomed_len[i]);
	if (rc == 0)
		a->purged = n;
	free(doomed);
	if (rc == 0 && a->dry_run)
		rc = STORE_WRITE_ABORT;
	return (rc);
}

static int
purge_cancels_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct purge_args	*a = arg;
	int			 rc;

	rc = cancel_purge_txn(st, txn, a->cutoff, a->resume, &a->resume_len,
	    a->dry_run, &a->purged, &a->done);
	if (rc == 0 && a->dry_run)
		rc = STORE_WRITE_ABORT;
	return (rc);
}

enum store_status
store_history_purge(struct store *st, int64_t cutoff,
    struct store_expire_stats *stats)
{
	return (store_history_purge_rule(st, cutoff, 0, stats));
}

enum store_status
store_history_purge_rule(struct store *st, int64_t cutoff, int dry_run,
    struct store_expire_stats *stats)
{
	struct purge_args	*a;
	enum store_status	 ret = STORE_OK;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		store_set_error("history purge: out of memory");
		return (STORE_ERROR);
	}
	/* No cutoff: keep history_days worth. */
	if (cutoff <= 0)
		cutoff = (int64_t)time(NULL) -
		    (int64_t)st->history_days * 86400;
	a->cutoff = cutoff;
	a->dry_run = dry_run;
	while (!a->done) {
		/* A retried chunk must start where this one started. */
		memcpy(a->start, a->resume, a->resume_len);
		a->start_len = a->resume_len;
		a->purged = 0;
		if ((ret = store_write(st, purge_fn, a, purge_reset)) !=
		    STORE_OK)
			break;
		if (stats != NULL)
			stats->history_purged += a->purged;
	}
	/* Cancels kept for targets that never came: history_days too. */
	a->resume_len = 0;
	a->done = 0;
	while (ret == STORE_OK && !a->done) {
		memcpy(a->start, a->resume, a->resume_len);
		a->start_len = a->resume_len;
		a->purged = 0;
		if ((ret = store_write(st, purge_cancels_fn, a, purge_reset)) !=
		    STORE_OK)
			break;
		if (stats != NULL)
			stats->history_purged += a->purged;
	}
	free(a);
	return (ret);
}
