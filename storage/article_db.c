/*
 * Articles: storing a batch (group commit), number assignment, Xref and
 * overview, reading by message-id and by (group, number), OVER ranges.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define ARTICLE_WIRE_MAX	((size_t)1 << 30)
#define ARTNUM_MAX		UINT32_C(2147483647)	/* 2^31 - 1 */

void
article_info_fill(const struct rec_article *r, struct store_article_info *info)
{
	memset(info, 0, sizeof(*info));
	info->msgid = r->msgid;
	info->arrival = r->arrival;
	info->bytes = r->bytes;
	info->lines = r->lines;
	info->header_len = r->header_len;
	info->parent = r->parent;
	info->root = r->root;
	info->xref = r->xref;
	info->overview = r->overview;
	info->overview_len = r->overview_len;
}

static void
arrival_key(uint8_t *buf, int64_t arrival, uint64_t seq)
{
	rec_put_u64(buf, rec_time_key(arrival));
	rec_put_u64(buf + 8, seq);
}

int
article_delete(struct store *st, MDB_txn *txn, const char *msgid, size_t len,
    int *deleted)
{
	struct rec_article	r;
	MDB_val			val;
	char			root[STORE_MSGID_MAX + 1];
	uint8_t			akey[16];
	size_t			root_len;
	int			rc;

	*deleted = 0;
	rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, len, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1 ||
	    r.root_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	/* Copy out: the record's pages change under the writes below. */
	memcpy(root, r.root, r.root_len + 1);
	root_len = r.root_len;
	arrival_key(akey, r.arrival, r.seq);
	if ((rc = store_db_del(txn, st->dbi[DB_ARTICLES], msgid, len, NULL,
	    0)) != 0)
		return (rc);
	rc = store_db_del(txn, st->dbi[DB_ARRIVALS], akey, sizeof(akey), NULL,
	    0);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	if ((rc = thread_article_gone(st, txn, msgid, len, root,
	    root_len)) != 0)
		return (rc);
	*deleted = 1;
	return (0);
}

/* ---- Storing --------------------------------------------------------- */

static int
msgid_valid(const char *msgid, size_t *len)
{
	if (msgid == NULL)
		return (0);
	*len = strlen(msgid);
	return (*len > 0 && *len <= STORE_MSGID_MAX &&
	    strpbrk(msgid, " \t\r\n") == NULL);
}

static enum store_status
article_check(const struct store_article *a)
{
	size_t	len, i;

	if (!msgid_valid(a->msgid, &len))
		return (STORE_INVALID);
	if ((a->wire == NULL && a->wire_len > 0) ||
	    a->wire_len > ARTICLE_WIRE_MAX || a->header_len > a->wire_len ||
	    a->stuffed_dots > a->wire_len)
		return (STORE_INVALID);
	if (a->overview == NULL || strpbrk(a->overview, "\r\n") != NULL)
		return (STORE_INVALID);
	if (a->ngroups == 0 || a->groups == NULL)
		return (STORE_NOTFOUND);
	for (i = 0; i < a->ngroups; i++)
		if (a->groups[i] == NULL)
			return (STORE_INVALID);
	if (a->nfeeds > 0 && a->feeds == NULL)
		return (STORE_INVALID);
	for (i = 0; i < a->nfeeds; i++)
		if (a->feeds[i] == NULL || a->feeds[i][0] == '\0' ||
		    strlen(a->feeds[i]) > STORE_PEER_MAX)
			return (STORE_INVALID);
	if (a->nreferences > 0 && a->references == NULL)
		return (STORE_INVALID);
	if (a->parent != NULL && strlen(a->parent) > STORE_MSGID_MAX)
		return (STORE_INVALID);
	return (STORE_OK);
}

/*
 * Store one article inside the batch's transaction.  Returns an LMDB code
 * that fails the whole batch, or 0 with a->status set.
 */
static int
article_put_one(struct store *st, MDB_txn *txn, struct store_article *a)
{
	struct rec_group	 g;
	struct rec_article	 r;
	struct rec_number	 nr;
	struct rec_iov		 iov[3];
	MDB_val			 key, val;
	uint32_t		*nums = NULL;
	uint8_t			 nkey[REC_NUMKEY_SIZE], akey[16];
	uint8_t			 hist[REC_HIST_SIZE];
	char			*xref = NULL, *xline = NULL, *over = NULL;
	const char		*parent, *root;
	size_t			 mlen, i, j, numbered, exhausted, xlen, xllen;
	size_t			 olen, size, cap;
	uint64_t		 seq, bytes;
	int			 rc = 0, n;

	mlen = strlen(a->msgid);
	rc = store_db_get(txn, st->dbi[DB_HISTORY], a->msgid, mlen, &val);
	if (rc == 0) {
		a->status = STORE_EXISTS;
		return (0);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);

	/* Which groups exist and can take another number? */
	if ((nums = calloc(a->ngroups, sizeof(*nums))) == NULL)
		return (ENOMEM);
	numbered = exhausted = 0;
	for (i = 0; i < a->ngroups; i++) {
		rc = store_group_load(st, txn, a->groups[i],
		    strlen(a->groups[i]), &g);
		if (rc == MDB_NOTFOUND || strlen(a->groups[i]) == 0)
			continue;
		if (rc != 0)
			goto out;
		if (g.high >= ARTNUM_MAX)
			exhausted++;
		else
			numbered++;
	}
	rc = 0;
	if (numbered == 0) {
		a->status = exhausted ? STORE_FULL : STORE_NOTFOUND;
		if (exhausted)
			store_set_error("article numbers exhausted in every "
			    "group of %s", a->msgid);
		goto out;
	}

	/* Assign numbers (a group named twice gets one number). */
	cap = 1;
	for (i = 0; i < a->ngroups; i++)
		cap += strlen(a->groups[i]) + 12;
	if ((xref = malloc(cap)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	xlen = 0;
	xref[0] = '\0';
	for (i = 0; i < a->ngroups; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(a->groups[j], a->groups[i]) == 0)
				break;
		if (j < i) {
			nums[i] = nums[j];
			continue;
		}
		if (a->groups[i][0] == '\0')
			continue;
		rc = store_group_load(st, txn, a->groups[i],
		    strlen(a->groups[i]), &g);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			goto out;
		if (g.high >= ARTNUM_MAX)
			continue;
		nums[i] = ++g.high;
		if (g.count++ == 0)
			g.low = nums[i];
		if ((rc = store_group_save(st, txn, a->groups[i],
		    strlen(a->groups[i]), &g)) != 0)
			goto out;
		n = snprintf(xref + xlen, cap - xlen, "%s%s:%" PRIu32,
		    xlen > 0 ? " " : "", a->groups[i], nums[i]);
		xlen += (size_t)n;
	}

	/* The Xref header line and the overview tail. */
	cap = strlen(st->xref_host) + xlen + 16;
	if ((xline = malloc(cap)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	xllen = (size_t)snprintf(xline, cap, "Xref: %s %s\r\n", st->xref_host,
	    xref);
	bytes = (uint64_t)a->wire_len + xllen - a->stuffed_dots;
	cap = strlen(a->overview) + xllen + 48;
	if ((over = malloc(cap)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	olen = (size_t)snprintf(over, cap, "%s\t%" PRIu64 "\t%" PRIu32
	    "\t%.*s", a->overview, bytes, a->lines, (int)(xllen - 2), xline);

	parent = a->parent;
	if (parent == NULL && a->nreferences > 0)
		parent = a->references[a->nreferences - 1];
	if (parent != NULL && (parent[0] == '\0' ||
	    strlen(parent) > STORE_MSGID_MAX || strcmp(parent, a->msgid) == 0))
		parent = NULL;
	root = a->nreferences > 0 ? a->references[0] : parent;
	if (root == NULL || root[0] == '\0' || strlen(root) > STORE_MSGID_MAX)
		root = a->msgid;

	if ((rc = store_seq_next(st, txn, &seq)) != 0)
		goto out;

	/* The article record, written straight into the map. */
	memset(&r, 0, sizeof(r));
	r.arrival = a->arrival;
	r.seq = seq;
	r.bytes = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	r.lines = a->lines;
	r.header_len = (uint32_t)(a->header_len + xllen);
	r.msgid = a->msgid;
	r.msgid_len = mlen;
	r.parent = parent ? parent : "";
	r.parent_len = strlen(r.parent);
	r.root = root;
	r.root_len = strlen(root);
	r.xref = xref;
	r.xref_len = xlen;
	r.overview = over;
	r.overview_len = olen;
	iov[0].base = a->wire != NULL ? a->wire : "";
	iov[0].len = a->header_len;
	iov[1].base = xline;
	iov[1].len = xllen;
	iov[2].base = (const char *)iov[0].base + a->header_len;
	iov[2].len = a->wire_len - a->header_len;
	r.wire = iov;
	r.nwire = 3;
	r.wire_len = a->wire_len + xllen;
	if ((size = rec_article_size(&r)) == 0) {
		a->status = STORE_INVALID;
		goto out;
	}
	key.mv_data = (void *)a->msgid;
	key.mv_size = mlen;
	val.mv_size = size;
	if ((rc = mdb_put(txn, st->dbi[DB_ARTICLES], &key, &val,
	    MDB_RESERVE)) != 0)
		goto out;
	rec_article_encode(&r, val.mv_data);

	/* One overview entry per group, so OVER is one cursor walk. */
	memset(&nr, 0, sizeof(nr));
	nr.arrival = a->arrival;
	nr.msgid = a->msgid;
	nr.msgid_len = mlen;
	nr.overview = over;
	nr.overview_len = olen;
	size = rec_number_size(&nr);
	for (i = 0; i < a->ngroups; i++) {
		for (j = 0; j < i; j++)
			if (nums[j] == nums[i] &&
			    strcmp(a->groups[j], a->groups[i]) == 0)
				break;
		if (nums[i] == 0 || j < i)
			continue;
		rc = store_group_load(st, txn, a->groups[i],
		    strlen(a->groups[i]), &g);
		if (rc != 0)
			goto out;
		rec_numkey_encode(nkey, g.id, nums[i]);
		key.mv_data = nkey;
		key.mv_size = sizeof(nkey);
		val.mv_size = size;
		if ((rc = mdb_put(txn, st->dbi[DB_NUMBERS], &key, &val,
		    MDB_RESERVE | MDB_NOOVERWRITE)) != 0) {
			if (rc == MDB_KEYEXIST)
				rc = MDB_CORRUPTED;
			goto out;
		}
		rec_number_encode(&nr, val.mv_data);
		if ((rc = thread_group_add(st, txn, g.id, root, strlen(root),
		    a->arrival, seq)) != 0)
			goto out;
	}

	rec_hist_encode(hist, REC_HIST_STORED, a->arrival);
	if ((rc = store_db_put(txn, st->dbi[DB_HISTORY], a->msgid, mlen, hist,
	    sizeof(hist), 0)) != 0)
		goto out;
	arrival_key(akey, a->arrival, seq);
	if ((rc = store_db_put(txn, st->dbi[DB_ARRIVALS], akey, sizeof(akey),
	    a->msgid, mlen, 0)) != 0)
		goto out;
	for (i = 0; i < a->nfeeds; i++)
		if ((rc = feed_queue_txn(st, txn, a->feeds[i],
		    strlen(a->feeds[i]), a->msgid, mlen)) != 0)
			goto out;
	if ((rc = thread_link_article(st, txn, a, root, strlen(root))) != 0 ||
	    (rc = thread_summary_add(st, txn, root, strlen(root), a->msgid,
	    a->overview, strlen(a->overview), a->arrival)) != 0)
		goto out;

	if (a->numbers != NULL)
		memcpy(a->numbers, nums, a->ngroups * sizeof(*nums));
	a->status = STORE_OK;
out:
	free(nums);
	free(xref);
	free(xline);
	free(over);
	return (rc);
}

struct put_batch_args {
	struct store_article	*arts;
	size_t			 n;
	enum store_status	*pre;	/* statuses before the transaction */
};

static void
put_batch_reset(void *arg)
{
	struct put_batch_args	*b = arg;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		b->arts[i].status = b->pre[i];
		if (b->arts[i].numbers != NULL)
			memset(b->arts[i].numbers, 0, b->arts[i].ngroups *
			    sizeof(*b->arts[i].numbers));
	}
}

static int
put_batch_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct put_batch_args	*b = arg;
	size_t			 i;
	int			 rc;

	for (i = 0; i < b->n; i++) {
		if (b->arts[i].status != STORE_OK)
			continue;
		if ((rc = article_put_one(st, txn, &b->arts[i])) != 0)
			return (rc);
	}
	return (0);
}

enum store_status
store_put_batch(struct store *st, struct store_article *arts, size_t n)
{
	struct put_batch_args	 b;
	enum store_status	 ret;
	size_t			 i;

	if (n == 0)
		return (STORE_OK);
	if (arts == NULL)
		return (STORE_INVALID);
	if ((b.pre = calloc(n, sizeof(*b.pre))) == NULL) {
		store_set_error("put batch: out of memory");
		return (STORE_ERROR);
	}
	b.arts = arts;
	b.n = n;
	for (i = 0; i < n; i++)
		b.pre[i] = article_check(&arts[i]);
	put_batch_reset(&b);
	ret = store_write(st, put_batch_fn, &b, put_batch_reset);
	if (ret != STORE_OK) {
		/* Nothing of the batch was stored: say so for each. */
		put_batch_reset(&b);
		for (i = 0; i < n; i++)
			if (arts[i].status == STORE_OK)
				arts[i].status = ret;
	}
	free(b.pre);
	return (ret);
}

/* ---- Reading --------------------------------------------------------- */

enum store_status
store_article_get(struct store *st, const char *msgid, store_article_cb cb,
    void *arg)
{
	struct rec_article		r;
	struct store_article_info	info;
	MDB_txn				*txn;
	MDB_val				val;
	enum store_status		ret;
	size_t				len;
	int				rc;

	if (!msgid_valid(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, len, &val);
	if (rc == 0) {
		if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1) {
			store_set_error("article %s: damaged record", msgid);
			store_read_end(st, txn);
			return (STORE_CORRUPT);
		}
		article_info_fill(&r, &info);
		if (cb != NULL)
			cb(r.wire_data, r.wire_len, &info, arg);
	}
	store_read_end(st, txn);
	return (store_mdb_status(rc, "article get"));
}

static int
number_copy_msgid(const MDB_val *val, char *msgid)
{
	struct rec_number	nr;

	if (rec_number_decode(val->mv_data, val->mv_size, &nr) == -1 ||
	    nr.msgid_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	if (msgid != NULL)
		memcpy(msgid, nr.msgid, nr.msgid_len + 1);
	return (0);
}

enum store_status
store_number_lookup(struct store *st, uint32_t group_id, uint32_t number,
    char *msgid)
{
	MDB_txn			*txn;
	MDB_val			 val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	enum store_status	 ret;
	int			 rc;

	if (number == 0)
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rec_numkey_encode(kbuf, group_id, number);
	rc = store_db_get(txn, st->dbi[DB_NUMBERS], kbuf, sizeof(kbuf), &val);
	if (rc == 0)
		rc = number_copy_msgid(&val, msgid);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "number lookup"));
}

enum store_status
store_number_step(struct store *st, uint32_t group_id, uint32_t from,
    int dir, uint32_t *number, char *msgid)
{
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	uint32_t		 gid, num;
	enum store_status	 ret;
	int			 rc;

	if (dir == 0 || (dir > 0 && from == UINT32_MAX) ||
	    (dir < 0 && from == 0))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NUMBERS], &c)) != 0) {
		store_read_end(st, txn);
		return (store_mdb_status(rc, "number step"));
	}
	rec_numkey_encode(kbuf, group_id, dir > 0 ? from + 1 : from);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	if (dir < 0) {
		/* The entry before the first one at or after `from`. */
		if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(c, &key, &val, MDB_LAST);
		else if (rc == 0)
			rc = mdb_cursor_get(c, &key, &val, MDB_PREV);
	}
	if (rc == 0) {
		if (key.mv_size != REC_NUMKEY_SIZE)
			rc = MDB_CORRUPTED;
		else {
			rec_numkey_decode(key.mv_data, &gid, &num);
			if (gid != group_id || (dir > 0 && num <= from) ||
			    (dir < 0 && num >= from))
				rc = MDB_NOTFOUND;
			else {
				*number = num;
				rc = number_copy_msgid(&val, msgid);
			}
		}
	}
	mdb_cursor_close(c);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "number step"));
}

enum store_status
store_over_range(struct store *st, uint32_t group_id, uint32_t lo,
    uint32_t hi, size_t max, store_over_cb cb, void *arg, uint32_t *next)
{
	struct rec_number	 nr;
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	uint32_t		 gid, num;
	enum store_status	 ret;
	size_t			 seen = 0;
	int			 rc, stop = 0;

	if (next != NULL)
		*next = 0;
	if (lo == 0)
		lo = 1;
	if (lo > hi)
		return (STORE_OK);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NUMBERS], &c)) != 0) {
		store_read_end(st, txn);
		return (store_mdb_status(rc, "over range"));
	}
	rec_numkey_encode(kbuf, group_id, lo);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size != REC_NUMKEY_SIZE) {
			rc = MDB_CORRUPTED;
			break;
		}
		rec_numkey_decode(key.mv_data, &gid, &num);
		if (gid != group_id || num > hi)
			break;
		if (stop || (max > 0 && seen >= max)) {
			/* More is left: resume exactly there. */
			if (next != NULL)
				*next = num;
			break;
		}
		if (rec_number_decode(val.mv_data, val.mv_size, &nr) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		seen++;
		if (cb != NULL && cb(num, nr.msgid, nr.overview,
		    nr.overview_len, arg) != 0)
			stop = 1;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(c);
	store_read_end(st, txn);
	if (rc != 0 && next != NULL)
		*next = 0;
	return (store_mdb_status(rc, "over range"));
}
