/*
 * History (every message-id seen, kept after expiry) and the arrivals index
 * for NEWNEWS.
 */
#include <string.h>

#include "store_int.h"
#include "record.h"

static int
history_key_valid(const char *msgid, size_t *len)
{
	if (msgid == NULL)
		return (0);
	*len = strlen(msgid);
	return (*len > 0 && *len <= STORE_MSGID_MAX);
}

/*
 * Has msgid been seen: stored (its article record) or remembered in
 * history (refused offers, and articles since deleted)?  0 (with *arrival
 * when asked), MDB_NOTFOUND, or an LMDB code.
 */
int
store_seen(struct store *st, MDB_txn *txn, const char *msgid, size_t len,
    int64_t *arrival)
{
	struct rec_article	 r;
	MDB_val			 val;
	uint8_t			 flags;
	int64_t			 when;
	int			 rc;

	rc = store_db_get(txn, st->dbi[DB_HISTORY], msgid, len, &val);
	if (rc == 0) {
		if (rec_hist_decode(val.mv_data, val.mv_size, &flags,
		    &when) == -1)
			return (MDB_CORRUPTED);
		if (arrival != NULL)
			*arrival = when;
		return (0);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);
	if ((rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, len,
	    &val)) != 0)
		return (rc);
	if (arrival != NULL) {
		if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1)
			return (MDB_CORRUPTED);
		*arrival = r.arrival;
	}
	return (0);
}

enum store_status
store_history_lookup(struct store *st, const char *msgid, int64_t *arrival)
{
	MDB_txn			*txn;
	enum store_status	 ret;
	size_t			 len;
	int			 rc;

	if (!history_key_valid(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_seen(st, txn, msgid, len, arrival);
	store_read_end(st, txn);
	if (rc == 0)
		return (STORE_EXISTS);
	return (store_mdb_status(rc, "history lookup"));
}

struct history_add_args {
	const char		*msgid;
	size_t			 len;
	int64_t			 when;
	enum store_status	 ret;
};

static int
history_add_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct history_add_args	*a = arg;
	MDB_val			 val;
	uint8_t			 buf[REC_HIST_SIZE];
	int			 rc;

	/* A stored article has no history entry (store_seen). */
	if ((rc = store_db_get(txn, st->dbi[DB_ARTICLES], a->msgid, a->len,
	    &val)) == 0) {
		a->ret = STORE_EXISTS;
		return (STORE_WRITE_ABORT);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);
	rec_hist_encode(buf, 0, a->when);
	rc = store_db_put(txn, st->dbi[DB_HISTORY], a->msgid, a->len, buf,
	    sizeof(buf), MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		a->ret = STORE_EXISTS;
		return (STORE_WRITE_ABORT);
	}
	a->ret = STORE_OK;
	return (rc);
}

enum store_status
store_history_add(struct store *st, const char *msgid, int64_t when)
{
	struct history_add_args	a;
	enum store_status	ret;

	if (!history_key_valid(msgid, &a.len))
		return (STORE_INVALID);
	a.msgid = msgid;
	a.when = when;
	a.ret = STORE_ERROR;
	if ((ret = store_write(st, history_add_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

struct history_v1_args {
	const char	*msgid;
	size_t		 len;
	int64_t		 when;
};

static int
history_v1_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct history_v1_args	*a = arg;
	uint8_t			 buf[REC_HIST_SIZE];

	rec_hist_encode(buf, REC_HIST_STORED, a->when);
	return (store_db_put(txn, st->dbi[DB_HISTORY], a->msgid, a->len, buf,
	    sizeof(buf), 0));
}

enum store_status
store_debug_history_v1(struct store *st, const char *msgid, int64_t arrival)
{
	struct history_v1_args	a;

	if (!history_key_valid(msgid, &a.len))
		return (STORE_INVALID);
	a.msgid = msgid;
	a.when = arrival;
	return (store_write(st, history_v1_fn, &a, NULL));
}

/* ---- Arrivals -------------------------------------------------------- */

/*
 * The cursor names the next key to visit, (time, seq), packed into 64
 * bits: the time (clamped to 32 bits, good until 2106) above the low 32
 * bits of seq.  The high bits of seq are recovered from the entries found
 * at that time on resume: one second never holds 2^31 arrivals, so the
 * reconstruction is exact.  Bit 63 is never set by a real position; a
 * cursor of 0 means "start".
 */
static uint64_t
arrivals_cursor_pack(uint64_t t, uint64_t seq)
{
	if (t > UINT32_MAX)
		t = UINT32_MAX;
	return ((t << 32) | (seq & UINT32_MAX));
}

enum store_status
store_arrivals(struct store *st, int64_t since, size_t max,
    store_arrival_cb cb, void *arg, uint64_t *cursor)
{
	struct rec_article	 r;
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val, aval;
	uint8_t			 kbuf[16], seqkey[STORE_SEQ_KEY_SIZE];
	char			 msgid[STORE_MSGID_MAX + 1];
	uint64_t		 t, seq, start_t, want = 0, base;
	enum store_status	 ret;
	size_t			 seen = 0;
	int			 rc, resume = 0, stop = 0;

	if (cursor == NULL)
		return (STORE_INVALID);
	start_t = rec_time_key(since);
	if (*cursor != 0) {
		resume = 1;
		start_t = *cursor >> 32;
		want = *cursor & UINT32_MAX;
	}
	*cursor = 0;
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_ARRIVALS], &c)) != 0) {
		store_read_end(st, txn);
		return (store_mdb_status(rc, "arrivals"));
	}
	rec_put_u64(kbuf, start_t);
	rec_put_u64(kbuf + 8, 0);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	memset(seqkey, 0xff, sizeof(seqkey));
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		/* The store's sequence, after every arrival: the end. */
		if (key.mv_size == sizeof(seqkey) &&
		    memcmp(key.mv_data, seqkey, sizeof(seqkey)) == 0) {
			rc = MDB_NOTFOUND;
			break;
		}
		if (key.mv_size != 16 || val.mv_size == 0 ||
		    val.mv_size > STORE_MSGID_MAX) {
			rc = MDB_CORRUPTED;
			break;
		}
		t = rec_get_u64(key.mv_data);
		seq = rec_get_u64((uint8_t *)key.mv_data + 8);
		if (resume) {
			if (resume == 1 && t == start_t) {
				/* Rebuild the full sequence number wanted. */
				base = (seq & ~(uint64_t)UINT32_MAX) | want;
				if (base + ((uint64_t)1 << 31) < seq)
					base += (uint64_t)1 << 32;
				else if (base > seq + ((uint64_t)1 << 31) &&
				    base >= ((uint64_t)1 << 32))
					base -= (uint64_t)1 << 32;
				want = base;
				resume = 2;
			}
			if (resume == 2 && t == start_t && seq < want)
				continue;
			resume = 0;
		}
		if (stop || (max > 0 && seen >= max)) {
			*cursor = arrivals_cursor_pack(t, seq);
			if (*cursor == 0)
				*cursor = 1;	/* never "start" again */
			break;
		}
		memcpy(msgid, val.mv_data, val.mv_size);
		msgid[val.mv_size] = '\0';
		rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid,
		    val.mv_size, &aval);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			break;
		if (rec_article_decode(aval.mv_data, aval.mv_size, &r) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		seen++;
		if (cb != NULL && cb(msgid, r.arrival, r.xref, arg) != 0)
			stop = 1;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(c);
	store_read_end(st, txn);
	if (rc != 0)
		*cursor = 0;
	return (store_mdb_status(rc, "arrivals"));
}
