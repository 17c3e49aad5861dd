/*
 * The moderation queue (store.h, docs/storage.md).  Two kinds of keys in
 * one database:
 *
 *	'i' id (8 octets, big-endian)	-> the entry record
 *	'm' Message-ID			-> id (8 octets)
 *
 * so entries list oldest first and a Message-ID finds its entry.  The
 * record: format byte 1, state ('q', 'a'), queued (8), then the
 * NUL-terminated Message-ID, groups, submitter and approver, then the
 * article (the rest of the record).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define MODQ_FORMAT	1
#define MODQ_HDR	10		/* format, state, queued */
#define MODQ_IDKEY	9
#define MODQ_NAME_MAX	(STORE_USER_MAX)

static void
modq_idkey(uint8_t *key, uint64_t id)
{
	key[0] = 'i';
	rec_put_u64(key + 1, id);
}

/* The 'm' key of msgid in buf (STORE_MSGID_MAX + 1 octets). */
static size_t
modq_mkey(uint8_t *buf, const char *msgid, size_t len)
{
	buf[0] = 'm';
	memcpy(buf + 1, msgid, len);
	return (len + 1);
}

/* The next NUL-terminated string of a record, or NULL if damaged. */
static const char *
modq_str(const char **p, const char *end)
{
	const char	*s = *p, *nul;

	if ((nul = memchr(s, '\0', (size_t)(end - s))) == NULL)
		return (NULL);
	*p = nul + 1;
	return (s);
}

static int
modq_decode(const MDB_val *key, const MDB_val *val,
    struct store_modq_entry *e)
{
	const char	*p = val->mv_data, *end = p + val->mv_size;

	memset(e, 0, sizeof(*e));
	if (key->mv_size != MODQ_IDKEY || val->mv_size < MODQ_HDR ||
	    p[0] != MODQ_FORMAT)
		return (MDB_CORRUPTED);
	e->id = rec_get_u64((const uint8_t *)key->mv_data + 1);
	e->state = p[1];
	e->queued = (int64_t)rec_get_u64(p + 2);
	p += MODQ_HDR;
	if ((e->msgid = modq_str(&p, end)) == NULL ||
	    (e->groups = modq_str(&p, end)) == NULL ||
	    (e->submitter = modq_str(&p, end)) == NULL ||
	    (e->approver = modq_str(&p, end)) == NULL)
		return (MDB_CORRUPTED);
	e->wire = p;
	e->wire_len = (size_t)(end - p);
	return (0);
}

/* Encode an entry into a new buffer (*size); NULL when out of memory. */
static uint8_t *
modq_encode(char state, int64_t queued, const char *msgid,
    const char *groups, const char *submitter, const char *approver,
    const char *wire, size_t wire_len, size_t *size)
{
	const char	*strs[4] = { msgid, groups, submitter, approver };
	uint8_t		*buf, *p;
	size_t		 n = MODQ_HDR + wire_len, i, l;

	for (i = 0; i < 4; i++)
		n += strlen(strs[i]) + 1;
	if ((buf = malloc(n)) == NULL)
		return (NULL);
	buf[0] = MODQ_FORMAT;
	buf[1] = (uint8_t)state;
	rec_put_u64(buf + 2, (uint64_t)queued);
	p = buf + MODQ_HDR;
	for (i = 0; i < 4; i++) {
		l = strlen(strs[i]) + 1;
		memcpy(p, strs[i], l);
		p += l;
	}
	if (wire_len > 0)
		memcpy(p, wire, wire_len);
	*size = n;
	return (buf);
}

int
modq_add_txn(struct store *st, MDB_txn *txn, struct store_article *a)
{
	uint8_t		 ikey[MODQ_IDKEY], mkey[STORE_MSGID_MAX + 1], *buf;
	uint8_t		 idv[8];
	char		*groups, *gp;
	size_t		 mlen = strlen(a->msgid), klen, glen, size, i;
	uint64_t	 id;
	MDB_val		 val;
	int		 rc;

	if ((rc = store_seen(st, txn, a->msgid, mlen, NULL)) == 0) {
		a->status = STORE_EXISTS;
		return (0);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);
	klen = modq_mkey(mkey, a->msgid, mlen);
	if ((rc = store_db_get(txn, st->dbi[DB_MODQ], mkey, klen, &val)) ==
	    0) {
		a->status = STORE_EXISTS;
		return (0);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);
	for (i = 0, glen = 1; i < a->ngroups; i++)
		glen += strlen(a->groups[i]) + 1;
	if ((groups = malloc(glen)) == NULL)
		return (ENOMEM);
	for (i = 0, gp = groups; i < a->ngroups; i++) {
		if (i > 0)
			*gp++ = ',';
		memcpy(gp, a->groups[i], strlen(a->groups[i]));
		gp += strlen(a->groups[i]);
	}
	*gp = '\0';
	buf = modq_encode('q', a->arrival, a->msgid, groups,
	    a->submitter != NULL ? a->submitter : "", "", a->wire,
	    a->wire_len, &size);
	free(groups);
	if (buf == NULL)
		return (ENOMEM);
	/* The store-wide sequence: ids are never reused. */
	if ((rc = store_seq_next(st, txn, &id)) != 0) {
		free(buf);
		return (rc);
	}
	modq_idkey(ikey, id);
	rec_put_u64(idv, id);
	rc = store_db_put(txn, st->dbi[DB_MODQ], ikey, sizeof(ikey), buf,
	    size, MDB_NOOVERWRITE);
	free(buf);
	if (rc == 0)
		rc = store_db_put(txn, st->dbi[DB_MODQ], mkey, klen, idv,
		    sizeof(idv), 0);
	if (rc != 0)
		return (rc == MDB_KEYEXIST ? MDB_CORRUPTED : rc);
	a->queue_id = id;
	a->status = STORE_OK;
	return (0);
}

/* Remove entry id and its Message-ID key; MDB_NOTFOUND if none. */
static int
modq_del_txn(struct store *st, MDB_txn *txn, uint64_t id)
{
	struct store_modq_entry	 e;
	uint8_t			 ikey[MODQ_IDKEY], mkey[STORE_MSGID_MAX + 1];
	MDB_val			 key, val;
	size_t			 klen, mlen;
	int			 rc;

	modq_idkey(ikey, id);
	key.mv_data = ikey;
	key.mv_size = sizeof(ikey);
	if ((rc = mdb_get(txn, st->dbi[DB_MODQ], &key, &val)) != 0)
		return (rc);
	if ((rc = modq_decode(&key, &val, &e)) != 0)
		return (rc);
	mlen = strlen(e.msgid);
	if (mlen > 0 && mlen <= STORE_MSGID_MAX) {
		klen = modq_mkey(mkey, e.msgid, mlen);
		/* e points into the map: done with it before deleting. */
		rc = store_db_del(txn, st->dbi[DB_MODQ], mkey, klen, NULL, 0);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return (rc);
	}
	return (store_db_del(txn, st->dbi[DB_MODQ], ikey, sizeof(ikey), NULL,
	    0));
}

int
modq_forget_txn(struct store *st, MDB_txn *txn, const char *msgid,
    size_t len)
{
	uint8_t	 mkey[STORE_MSGID_MAX + 1];
	MDB_val	 val;
	size_t	 klen;
	int	 rc;

	klen = modq_mkey(mkey, msgid, len);
	rc = store_db_get(txn, st->dbi[DB_MODQ], mkey, klen, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (val.mv_size != 8)
		return (MDB_CORRUPTED);
	rc = modq_del_txn(st, txn, rec_get_u64(val.mv_data));
	return (rc == MDB_NOTFOUND ? 0 : rc);
}

enum store_status
store_modq_foreach(struct store *st, store_modq_cb cb, void *arg)
{
	struct store_modq_entry	 e;
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	enum store_status	 ret;
	uint8_t			 first = 'i';
	int			 rc;

	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_MODQ], &c)) == 0) {
		key.mv_data = &first;
		key.mv_size = 1;
		for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
		    rc == 0; rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
			if (((const uint8_t *)key.mv_data)[0] != 'i')
				break;
			if ((rc = modq_decode(&key, &val, &e)) != 0)
				break;
			if (cb(&e, arg) != 0)
				break;
		}
		mdb_cursor_close(c);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	store_read_end(st, txn);
	return (store_mdb_status(rc, "moderation queue"));
}

enum store_status
store_modq_get(struct store *st, uint64_t id, store_modq_cb cb, void *arg)
{
	struct store_modq_entry	 e;
	uint8_t			 ikey[MODQ_IDKEY];
	MDB_txn			*txn;
	MDB_val			 key, val;
	enum store_status	 ret;
	int			 rc;

	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	modq_idkey(ikey, id);
	key.mv_data = ikey;
	key.mv_size = sizeof(ikey);
	if ((rc = mdb_get(txn, st->dbi[DB_MODQ], &key, &val)) == 0 &&
	    (rc = modq_decode(&key, &val, &e)) == 0)
		cb(&e, arg);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "moderation queue"));
}

enum store_status
store_modq_lookup(struct store *st, const char *msgid, uint64_t *id)
{
	uint8_t			 mkey[STORE_MSGID_MAX + 1];
	MDB_txn			*txn;
	MDB_val			 val;
	enum store_status	 ret;
	size_t			 len;
	int			 rc;

	if (!store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_MODQ], mkey, modq_mkey(mkey, msgid,
	    len), &val);
	if (rc == 0 && val.mv_size != 8)
		rc = MDB_CORRUPTED;
	if (rc == 0 && id != NULL)
		*id = rec_get_u64(val.mv_data);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "moderation queue"));
}

struct modq_approve_args {
	uint64_t		 id;
	const char		*approver;
	enum store_status	 ret;
};

static int
modq_approve_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct modq_approve_args	*a = arg;
	struct store_modq_entry		 e;
	uint8_t				 ikey[MODQ_IDKEY], *buf;
	MDB_val				 key, val;
	size_t				 size;
	int				 rc;

	modq_idkey(ikey, a->id);
	key.mv_data = ikey;
	key.mv_size = sizeof(ikey);
	if ((rc = mdb_get(txn, st->dbi[DB_MODQ], &key, &val)) ==
	    MDB_NOTFOUND) {
		a->ret = STORE_NOTFOUND;
		return (STORE_WRITE_ABORT);
	}
	if (rc != 0 || (rc = modq_decode(&key, &val, &e)) != 0)
		return (rc);
	if ((buf = modq_encode('a', e.queued, e.msgid, e.groups, e.submitter,
	    a->approver, e.wire, e.wire_len, &size)) == NULL)
		return (ENOMEM);
	rc = store_db_put(txn, st->dbi[DB_MODQ], ikey, sizeof(ikey), buf,
	    size, 0);
	free(buf);
	a->ret = STORE_OK;
	return (rc);
}

enum store_status
store_modq_approve(struct store *st, uint64_t id, const char *approver)
{
	struct modq_approve_args	a;
	enum store_status		ret;

	if (approver == NULL || approver[0] == '\0' ||
	    strlen(approver) > MODQ_NAME_MAX)
		return (STORE_INVALID);
	a.id = id;
	a.approver = approver;
	a.ret = STORE_ERROR;
	if ((ret = store_write(st, modq_approve_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

struct modq_remove_args {
	uint64_t		 id;
	enum store_status	 ret;
};

static int
modq_remove_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct modq_remove_args	*a = arg;
	int			 rc;

	if ((rc = modq_del_txn(st, txn, a->id)) == MDB_NOTFOUND) {
		a->ret = STORE_NOTFOUND;
		return (STORE_WRITE_ABORT);
	}
	a->ret = STORE_OK;
	return (rc);
}

enum store_status
store_modq_remove(struct store *st, uint64_t id)
{
	struct modq_remove_args	a;
	enum store_status	ret;

	a.id = id;
	a.ret = STORE_ERROR;
	if ((ret = store_write(st, modq_remove_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

static int
modq_drop_fn(struct store *st, MDB_txn *txn, void *arg)
{
	(void)arg;
	return (mdb_drop(txn, st->dbi[DB_MODQ], 1));
}

enum store_status
store_debug_drop_modq(struct store *st)
{
	return (store_write(st, modq_drop_fn, NULL, NULL));
}
