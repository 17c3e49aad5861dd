/*
 * Outgoing feed queues: feedq key = peer name, NUL, BE u64 seq (the
 * store-wide sequence), value = message-id.  The NUL keeps one peer's
 * entries from running into another whose name it prefixes.  Each queue's
 * length is kept in meta ("fcount/" + peer) so counting is O(1).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define FEED_KEY_MAX	(STORE_PEER_MAX + 1 + 8)
#define FCOUNT_PREFIX	"fcount/"
#define FCOUNT_KEY_MAX	(sizeof(FCOUNT_PREFIX) - 1 + STORE_PEER_MAX)

static int
peer_valid(const char *peer, size_t *len)
{
	if (peer == NULL)
		return (0);
	*len = strlen(peer);
	return (*len > 0 && *len <= STORE_PEER_MAX);
}

static size_t
feed_key(uint8_t *buf, const char *peer, size_t len, uint64_t seq)
{
	memcpy(buf, peer, len);
	buf[len] = '\0';
	rec_put_u64(buf + len + 1, seq);
	return (len + 1 + 8);
}

static int
feed_count_adjust(struct store *st, MDB_txn *txn, const char *peer,
    size_t len, int64_t delta)
{
	MDB_val		val;
	char		key[FCOUNT_KEY_MAX];
	uint8_t		buf[8];
	uint64_t	count = 0;
	size_t		klen;
	int		rc;

	memcpy(key, FCOUNT_PREFIX, sizeof(FCOUNT_PREFIX) - 1);
	memcpy(key + sizeof(FCOUNT_PREFIX) - 1, peer, len);
	klen = sizeof(FCOUNT_PREFIX) - 1 + len;
	rc = store_db_get(txn, st->dbi[DB_META], key, klen, &val);
	if (rc == 0 && val.mv_size == 8)
		count = rec_get_u64(val.mv_data);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	if (delta < 0 && count < (uint64_t)-delta)
		count = 0;
	else
		count += (uint64_t)delta;
	if (count == 0) {
		rc = store_db_del(txn, st->dbi[DB_META], key, klen, NULL, 0);
		return (rc == MDB_NOTFOUND ? 0 : rc);
	}
	rec_put_u64(buf, count);
	return (store_db_put(txn, st->dbi[DB_META], key, klen, buf, 8, 0));
}

int
feed_queue_txn(struct store *st, MDB_txn *txn, const char *peer,
    size_t len, const char *msgid, size_t mlen)
{
	uint8_t		key[FEED_KEY_MAX];
	uint64_t	seq;
	size_t		klen;
	int		rc;

	if ((rc = store_seq_next(st, txn, &seq)) != 0)
		return (rc);
	klen = feed_key(key, peer, len, seq);
	if ((rc = store_db_put(txn, st->dbi[DB_FEEDQ], key, klen, msgid, mlen,
	    0)) != 0)
		return (rc);
	return (feed_count_adjust(st, txn, peer, len, 1));
}

struct feed_add_args {
	const char	*peer;
	size_t		 len;
	const char	*msgid;
	size_t		 mlen;
};

static int
feed_add_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct feed_add_args	*a = arg;

	return (feed_queue_txn(st, txn, a->peer, a->len, a->msgid, a->mlen));
}

enum store_status
store_feed_add(struct store *st, const char *peer, const char *msgid)
{
	struct feed_add_args	a;

	if (!peer_valid(peer, &a.len) || msgid == NULL ||
	    (a.mlen = strlen(msgid)) == 0 || a.mlen > STORE_MSGID_MAX)
		return (STORE_INVALID);
	a.peer = peer;
	a.msgid = msgid;
	return (store_write(st, feed_add_fn, &a, NULL));
}

enum store_status
store_feed_peek(struct store *st, const char *peer, uint64_t after,
    size_t max, store_feed_cb cb, void *arg)
{
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	uint8_t			 kbuf[FEED_KEY_MAX];
	char			 msgid[STORE_MSGID_MAX + 1];
	enum store_status	 ret;
	size_t			 len, seen = 0;
	int			 rc;

	if (!peer_valid(peer, &len))
		return (STORE_INVALID);
	if (after == UINT64_MAX)
		return (STORE_OK);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_FEEDQ], &c)) != 0) {
		store_read_end(st, txn);
		return (store_mdb_status(rc, "feed peek"));
	}
	key.mv_size = feed_key(kbuf, peer, len, after + 1);
	key.mv_data = kbuf;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (max > 0 && seen >= max)
			break;
		if (key.mv_size != len + 9 || memcmp(key.mv_data, kbuf,
		    len + 1) != 0)
			break;
		if (val.mv_size == 0 || val.mv_size > STORE_MSGID_MAX) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(msgid, val.mv_data, val.mv_size);
		msgid[val.mv_size] = '\0';
		seen++;
		if (cb(rec_get_u64((uint8_t *)key.mv_data + len + 1), msgid,
		    arg) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(c);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "feed peek"));
}

struct feed_remove_args {
	const char	*peer;
	size_t		 len;
	const uint64_t	*seqs;
	size_t		 n;
};

static int
feed_remove_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct feed_remove_args	*a = arg;
	uint8_t			 key[FEED_KEY_MAX];
	size_t			 i, klen;
	int64_t			 removed = 0;
	int			 rc;

	for (i = 0; i < a->n; i++) {
		klen = feed_key(key, a->peer, a->len, a->seqs[i]);
		rc = store_db_del(txn, st->dbi[DB_FEEDQ], key, klen, NULL, 0);
		if (rc == 0)
			removed++;
		else if (rc != MDB_NOTFOUND)
			return (rc);
	}
	if (removed == 0)
		return (STORE_WRITE_ABORT);
	return (feed_count_adjust(st, txn, a->peer, a->len, -removed));
}

enum store_status
store_feed_remove(struct store *st, const char *peer, const uint64_t *seqs,
    size_t n)
{
	struct feed_remove_args	a;

	if (!peer_valid(peer, &a.len) || (seqs == NULL && n > 0))
		return (STORE_INVALID);
	if (n == 0)
		return (STORE_OK);
	a.peer = peer;
	a.seqs = seqs;
	a.n = n;
	return (store_write(st, feed_remove_fn, &a, NULL));
}

enum store_status
store_feed_count(struct store *st, const char *peer, uint64_t *count)
{
	MDB_txn			*txn;
	MDB_val			 val;
	char			 key[FCOUNT_KEY_MAX];
	enum store_status	 ret;
	size_t			 len;
	int			 rc;

	if (!peer_valid(peer, &len))
		return (STORE_INVALID);
	*count = 0;
	memcpy(key, FCOUNT_PREFIX, sizeof(FCOUNT_PREFIX) - 1);
	memcpy(key + sizeof(FCOUNT_PREFIX) - 1, peer, len);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_META], key,
	    sizeof(FCOUNT_PREFIX) - 1 + len, &val);
	if (rc == 0 && val.mv_size == 8)
		*count = rec_get_u64(val.mv_data);
	else if (rc == 0)
		rc = MDB_CORRUPTED;
	store_read_end(st, txn);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	return (store_mdb_status(rc, "feed count"));
}

/* ---- Feed status (what loomd last saw of a peer, for loomctl) -------- */

#define FSTAT_PREFIX	"fstat/"
#define FSTAT_KEY_MAX	(sizeof(FSTAT_PREFIX) - 1 + STORE_PEER_MAX)

struct feed_status_put {
	char		 key[FSTAT_KEY_MAX];
	size_t		 klen;
	const char	*text;
};

static int
feed_status_put_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct feed_status_put	*p = arg;

	return (store_db_put(txn, st->dbi[DB_META], p->key, p->klen, p->text,
	    strlen(p->text), 0));
}

enum store_status
store_feed_status_put(struct store *st, const char *peer, const char *text)
{
	struct feed_status_put	p;
	size_t			len;

	if (!peer_valid(peer, &len) || strlen(text) > STORE_FEED_STATUS_MAX)
		return (STORE_INVALID);
	memcpy(p.key, FSTAT_PREFIX, sizeof(FSTAT_PREFIX) - 1);
	memcpy(p.key + sizeof(FSTAT_PREFIX) - 1, peer, len);
	p.klen = sizeof(FSTAT_PREFIX) - 1 + len;
	p.text = text;
	return (store_write(st, feed_status_put_fn, &p, NULL));
}

enum store_status
store_feed_status_get(struct store *st, const char *peer, char *text,
    size_t textlen)
{
	MDB_txn			*txn;
	MDB_val			 val;
	char			 key[FSTAT_KEY_MAX];
	enum store_status	 ret;
	size_t			 len, n;
	int			 rc;

	if (!peer_valid(peer, &len) || textlen == 0)
		return (STORE_INVALID);
	text[0] = '\0';
	memcpy(key, FSTAT_PREFIX, sizeof(FSTAT_PREFIX) - 1);
	memcpy(key + sizeof(FSTAT_PREFIX) - 1, peer, len);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_META], key,
	    sizeof(FSTAT_PREFIX) - 1 + len, &val);
	if (rc == 0) {
		n = val.mv_size < textlen - 1 ? val.mv_size : textlen - 1;
		memcpy(text, val.mv_data, n);
		text[n] = '\0';
	}
	store_read_end(st, txn);
	return (store_mdb_status(rc, "feed status"));
}

/* ---- Pull marks (loomctl pull resumes where it stopped) -------------- */

#define PULL_PREFIX	"pull/"
#define PULL_KEY_MAX	(sizeof(PULL_PREFIX) + STORE_PEER_MAX + \
			    STORE_GROUP_MAX + 1)

struct pull_mark_put {
	char		key[PULL_KEY_MAX];
	size_t		klen;
	uint8_t		val[4];
};

static int
pull_key(char *key, const char *peer, const char *group, size_t *klen)
{
	size_t	plen, glen;

	if (!peer_valid(peer, &plen) || (glen = strlen(group)) == 0 ||
	    glen > STORE_GROUP_MAX)
		return (-1);
	memcpy(key, PULL_PREFIX, sizeof(PULL_PREFIX) - 1);
	memcpy(key + sizeof(PULL_PREFIX) - 1, peer, plen);
	key[sizeof(PULL_PREFIX) - 1 + plen] = '/';
	memcpy(key + sizeof(PULL_PREFIX) + plen, group, glen);
	*klen = sizeof(PULL_PREFIX) + plen + glen;
	return (0);
}

static int
pull_mark_put_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct pull_mark_put	*p = arg;

	return (store_db_put(txn, st->dbi[DB_META], p->key, p->klen, p->val, 4,
	    0));
}

enum store_status
store_pull_mark_put(struct store *st, const char *peer, const char *group,
    uint32_t number)
{
	struct pull_mark_put	p;

	if (pull_key(p.key, peer, group, &p.klen) == -1)
		return (STORE_INVALID);
	rec_put_u32(p.val, number);
	return (store_write(st, pull_mark_put_fn, &p, NULL));
}

enum store_status
store_pull_mark_get(struct store *st, const char *peer, const char *group,
    uint32_t *number)
{
	MDB_txn			*txn;
	MDB_val			 val;
	char			 key[PULL_KEY_MAX];
	size_t			 klen;
	enum store_status	 ret;
	int			 rc;

	*number = 0;
	if (pull_key(key, peer, group, &klen) == -1)
		return (STORE_INVALID);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_META], key, klen, &val);
	if (rc == 0 && val.mv_size == 4)
		*number = rec_get_u32(val.mv_data);
	else if (rc == 0)
		rc = MDB_CORRUPTED;
	store_read_end(st, txn);
	return (store_mdb_status(rc, "pull mark"));
}
