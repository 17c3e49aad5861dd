/*
 * The server secret: random octets made once, the first time a store is
 * asked for it, and kept in meta["secret"] so that everything keyed by
 * it (anonymous posters' tokens, policy/anon.h) stays stable across
 * restarts and backups.  Nothing prints it.
 */
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include "store_int.h"

#define SECRET_KEY	"secret"
#define SECRET_KEYLEN	6

struct secret_args {
	uint8_t	*out;
};

/* In the write transaction: keep an existing secret (another process may
   have made it since the read), or make and store one. */
static int
secret_make_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct secret_args	*a = arg;
	MDB_val			 val;
	size_t			 got = 0;
	ssize_t			 n;
	int			 rc;

	rc = store_db_get(txn, st->dbi[DB_META], SECRET_KEY, SECRET_KEYLEN,
	    &val);
	if (rc == 0 && val.mv_size == STORE_SECRET_LEN) {
		memcpy(a->out, val.mv_data, STORE_SECRET_LEN);
		return (STORE_WRITE_ABORT);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	while (got < STORE_SECRET_LEN) {
		n = getrandom(a->out + got, STORE_SECRET_LEN - got, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (errno);
		}
		got += (size_t)n;
	}
	return (store_db_put(txn, st->dbi[DB_META], SECRET_KEY, SECRET_KEYLEN,
	    a->out, STORE_SECRET_LEN, 0));
}

enum store_status
store_secret_get(struct store *st, int create, uint8_t out[STORE_SECRET_LEN])
{
	struct secret_args	 a;
	MDB_txn			*txn;
	MDB_val			 val;
	enum store_status	 ret;
	int			 rc;

	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_META], SECRET_KEY, SECRET_KEYLEN,
	    &val);
	if (rc == 0 && val.mv_size == STORE_SECRET_LEN)
		memcpy(out, val.mv_data, STORE_SECRET_LEN);
	store_read_end(st, txn);
	if (rc == 0 && val.mv_size == STORE_SECRET_LEN)
		return (STORE_OK);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (store_mdb_status(rc, "secret get"));
	if (!create)
		return (STORE_NOTFOUND);
	a.out = out;
	return (store_write(st, secret_make_fn, &a, NULL));
}
