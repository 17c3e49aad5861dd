/*
 * Withdrawing articles: what a stored cancel or Supersedes does to its
 * target in the batch's transaction, loomctl cancel's direct withdrawal,
 * and the cancels kept for targets that have not arrived yet.
 *
 * cancels: target msgid -> u8 format, u8 flags, u64 when, u16 keys
 *          length, u16 cancel length, keys \0 cancel \0
 *
 * The server decides whether a cancel may act (server/policy/cancel.c);
 * the store only does it.  A cancel from a peer may come before its
 * target: it is kept here, and when the target arrives the server checks
 * the kept c-keys against the target's Cancel-Lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"
#include "record.h"

/* Keep a cancel for a target that has not arrived (nor been seen). */
static int
cancel_keep_txn(struct store *st, MDB_txn *txn, const struct store_article *a,
    size_t tlen)
{
	MDB_val	key, val;
	size_t	klen = strlen(a->withdraw_keys), clen = strlen(a->msgid);
	int	rc;

	if (klen > STORE_CANCEL_KEYS_MAX)
		klen = STORE_CANCEL_KEYS_MAX;
	key.mv_data = (void *)a->withdraw;
	key.mv_size = tlen;
	if ((val.mv_size = rec_cancel_size(klen, clen)) == 0)
		return (0);
	if ((rc = mdb_put(txn, st->dbi[DB_CANCELS], &key, &val,
	    MDB_RESERVE)) != 0)
		return (rc);
	rec_cancel_encode(val.mv_data, a->arrival, a->withdraw_keys, klen,
	    a->msgid, clen);
	return (0);
}

int
cancel_withdraw_txn(struct store *st, MDB_txn *txn, struct store_article *a)
{
	size_t	tlen, mlen = strlen(a->msgid);
	int	rc, removed;

	a->withdrawn = STORE_WITHDRAWN_NONE;
	if (!store_id_usable(a->withdraw, &tlen) ||
	    strcmp(a->withdraw, a->msgid) == 0)
		return (0);
	if (a->withdraw_supersede && (rc = thread_reparent(st, txn,
	    a->withdraw, tlen, a->msgid, mlen)) != 0)
		return (rc);
	if ((rc = article_withdraw_txn(st, txn, a->withdraw, tlen,
	    &removed)) != 0)
		return (rc);
	if (removed) {
		a->withdrawn = STORE_WITHDRAWN;
		/* Its message-id leads to the new article from now on. */
		if (a->withdraw_supersede)
			return (thread_forward(st, txn, a->withdraw, tlen,
			    a->msgid, mlen));
		return (0);
	}
	if (a->withdraw_keys == NULL)
		return (0);
	/* Seen already (expired, refused, cancelled): nothing to wait for. */
	if ((rc = store_seen(st, txn, a->withdraw, tlen, NULL)) == 0)
		return (0);
	if (rc != MDB_NOTFOUND)
		return (rc);
	if ((rc = cancel_keep_txn(st, txn, a, tlen)) == 0)
		a->withdrawn = STORE_WITHDRAWN_PENDING;
	return (rc);
}

/*
 * The article a arrives with locks: a cancel kept for it whose keys match
 * them (a->locks_match, the server's check) withdraws it before it is
 * stored.  Here, in the storing transaction, rather than only before the
 * article goes to the writer: a cancel committed in between (an earlier
 * place in the same batch, or the batch before) is seen too.
 */
int
cancel_first_txn(struct store *st, MDB_txn *txn,
    const struct store_article *a, size_t mlen, int *refused)
{
	MDB_val		 val;
	uint8_t		 hist[REC_HIST_SIZE];
	const char	*keys, *cancel;
	int64_t		 when;
	int		 rc;

	*refused = 0;
	if (a->locks == NULL || a->locks[0] == '\0' || a->locks_match == NULL)
		return (0);
	rc = store_db_get(txn, st->dbi[DB_CANCELS], a->msgid, mlen, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_cancel_decode(val.mv_data, val.mv_size, &when, &keys,
	    &cancel) == -1)
		return (MDB_CORRUPTED);
	if (!a->locks_match(keys, a->locks))
		return (0);
	if (a->cancelled_by != NULL)
		snprintf(a->cancelled_by, STORE_MSGID_MAX + 1, "%s", cancel);
	if ((rc = store_db_del(txn, st->dbi[DB_CANCELS], a->msgid, mlen, NULL,
	    0)) != 0)
		return (rc);
	/* Refused (history flags 0): never stored here, not taken again. */
	rec_hist_encode(hist, 0, a->arrival);
	if ((rc = store_db_put(txn, st->dbi[DB_HISTORY], a->msgid, mlen, hist,
	    sizeof(hist), 0)) != 0)
		return (rc);
	*refused = 1;
	return (0);
}

/* ---- loomctl cancel -------------------------------------------------- */

struct withdraw_args {
	const char	*msgid;
	size_t		 len;
	int		 removed;
};

static int
withdraw_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct withdraw_args	*w = arg;
	int			 rc;

	if ((rc = article_withdraw_txn(st, txn, w->msgid, w->len,
	    &w->removed)) != 0)
		return (rc);
	return (w->removed ? 0 : STORE_WRITE_ABORT);
}

static void
withdraw_reset(void *arg)
{
	((struct withdraw_args *)arg)->removed = 0;
}

enum store_status
store_article_withdraw(struct store *st, const char *msgid)
{
	struct withdraw_args	w;
	enum store_status	ret;

	memset(&w, 0, sizeof(w));
	if (!store_id_usable(msgid, &w.len))
		return (STORE_INVALID);
	w.msgid = msgid;
	if ((ret = store_write(st, withdraw_fn, &w, withdraw_reset)) !=
	    STORE_OK)
		return (ret);
	return (w.removed ? STORE_OK : STORE_NOTFOUND);
}

/* ---- Cancels kept for their target ----------------------------------- */

enum store_status
store_cancel_pending_get(struct store *st, const char *msgid, char *keys,
    size_t keylen, char *cancel)
{
	MDB_txn			*txn;
	MDB_val			 val;
	enum store_status	 ret;
	const char		*k, *c;
	int64_t			 when;
	size_t			 len;
	int			 rc;

	if (!store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_CANCELS], msgid, len, &val);
	if (rc == 0 && rec_cancel_decode(val.mv_data, val.mv_size, &when, &k,
	    &c) == -1)
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		if (keylen > 0) {
			len = strlen(k);
			if (len >= keylen)
				len = keylen - 1;
			memcpy(keys, k, len);
			keys[len] = '\0';
		}
		if (cancel != NULL) {
			len = strlen(c);
			if (len > STORE_MSGID_MAX)
				len = STORE_MSGID_MAX;
			memcpy(cancel, c, len);
			cancel[len] = '\0';
		}
	}
	store_read_end(st, txn);
	if (rc == MDB_NOTFOUND)
		return (STORE_NOTFOUND);
	return (store_mdb_status(rc, "cancel pending"));
}

/*
 * History purge: kept cancels older than cutoff go with the history of
 * the same age (their target will not be offered any more).  One chunk
 * of at most STORE_CHUNK entries per call; *done when the end is reached.
 */
int
cancel_purge_txn(struct store *st, MDB_txn *txn, int64_t cutoff,
    char *resume, size_t *resume_len, int dry_run, uint64_t *purged,
    int *done)
{
	MDB_cursor	*c;
	MDB_val		 key, val;
	const char	*k, *cm;
	int64_t		 when;
	size_t		 scanned = 0;
	int		 rc;

	*done = 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CANCELS], &c)) != 0)
		return (rc);
	key.mv_data = resume;
	key.mv_size = *resume_len;
	rc = mdb_cursor_get(c, &key, &val, *resume_len > 0 ? MDB_SET_RANGE :
	    MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (scanned++ >= STORE_CHUNK) {
			if (key.mv_size > STORE_MSGID_MAX) {
				rc = MDB_CORRUPTED;
				break;
			}
			memcpy(resume, key.mv_data, key.mv_size);
			*resume_len = key.mv_size;
			break;
		}
		if (rec_cancel_decode(val.mv_data, val.mv_size, &when, &k,
		    &cm) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (when >= cutoff)
			continue;
		(*purged)++;
		if (!dry_run && (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		*done = 1;
		rc = 0;
	}
	return (rc);
}
