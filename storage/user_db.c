/*
 * Users: name -> flags, created, password hash (opaque to the store).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

static int
user_name_valid(const char *name, size_t *len)
{
	if (name == NULL)
		return (0);
	*len = strlen(name);
	return (*len > 0 && *len <= STORE_USER_MAX);
}

static int
user_export(const char *name, size_t len, const MDB_val *val,
    struct store_user *out)
{
	const char	*hash;
	size_t		 hlen;

	memset(out, 0, sizeof(*out));
	if (len > STORE_USER_MAX || rec_user_decode(val->mv_data,
	    val->mv_size, &out->flags, &out->created, &hash, &hlen) == -1 ||
	    hlen > STORE_HASH_MAX)
		return (MDB_CORRUPTED);
	memcpy(out->name, name, len);
	memcpy(out->hash, hash, hlen);
	return (0);
}

struct user_put_args {
	const struct store_user	*u;
	size_t			 len;
	size_t			 hlen;
	enum store_user_mode	 mode;
};

static int
user_put_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct user_put_args	*a = arg;
	uint8_t			 buf[REC_USER_HDR + STORE_HASH_MAX + 1];
	MDB_val			 old;
	int			 rc;

	if (a->mode == STORE_USER_REPLACE && (rc = store_db_get(txn,
	    st->dbi[DB_USERS], a->u->name, a->len, &old)) != 0)
		return (rc);
	rec_user_encode(buf, a->u->flags, a->u->created, a->u->hash, a->hlen);
	return (store_db_put(txn, st->dbi[DB_USERS], a->u->name, a->len, buf,
	    rec_user_size(a->hlen), a->mode == STORE_USER_CREATE ?
	    MDB_NOOVERWRITE : 0));
}

enum store_status
store_user_put(struct store *st, const struct store_user *u,
    enum store_user_mode mode)
{
	struct user_put_args	a;

	if (u == NULL || !user_name_valid(u->name, &a.len) ||
	    memchr(u->hash, '\0', sizeof(u->hash)) == NULL)
		return (STORE_INVALID);
	a.u = u;
	a.hlen = strlen(u->hash);
	a.mode = mode;
	return (store_write(st, user_put_fn, &a, NULL));
}

enum store_status
store_user_get(struct store *st, const char *name, struct store_user *out)
{
	MDB_txn			*txn;
	MDB_val			 val;
	enum store_status	 ret;
	size_t			 len;
	int			 rc;

	if (!user_name_valid(name, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_USERS], name, len, &val);
	if (rc == 0)
		rc = user_export(name, len, &val, out);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "user get"));
}

struct user_del_args {
	const char		*name;
	size_t			 len;
	enum store_status	 ret;
};

static int
user_del_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct user_del_args	*a = arg;
	int			 rc;

	rc = store_db_del(txn, st->dbi[DB_USERS], a->name, a->len, NULL, 0);
	if (rc == MDB_NOTFOUND) {
		a->ret = STORE_NOTFOUND;
		return (STORE_WRITE_ABORT);
	}
	a->ret = STORE_OK;
	return (rc);
}

enum store_status
store_user_del(struct store *st, const char *name)
{
	struct user_del_args	a;
	enum store_status	ret;

	if (!user_name_valid(name, &a.len))
		return (STORE_NOTFOUND);
	a.name = name;
	a.ret = STORE_ERROR;
	if ((ret = store_write(st, user_del_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

enum store_status
store_user_foreach(struct store *st, store_user_cb cb, void *arg)
{
	struct store_user	*u;
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	enum store_status	 ret;
	int			 rc;

	if ((u = malloc(sizeof(*u))) == NULL) {
		store_set_error("user foreach: out of memory");
		return (STORE_ERROR);
	}
	if ((ret = store_read_begin(st, &txn)) != STORE_OK) {
		free(u);
		return (ret);
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_USERS], &c)) == 0) {
		for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
			if ((rc = user_export(key.mv_data, key.mv_size, &val,
			    u)) != 0)
				break;
			if (cb(u, arg) != 0)
				break;
		}
		mdb_cursor_close(c);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	store_read_end(st, txn);
	free(u);
	return (store_mdb_status(rc, "user foreach"));
}
