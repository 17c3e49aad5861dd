/*
 * The group table: name -> id, low/high marks, count, status, metadata.
 *
 * Ids come from a counter in meta ("gid") and are never reused.  A removed
 * group leaves its high-water mark in meta ("hwm/" + name) so a group
 * created again under the same name continues its numbering: a reader that
 * remembered article numbers never sees one reused.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define HWM_PREFIX	"hwm/"
#define HWM_KEY_MAX	(sizeof(HWM_PREFIX) - 1 + STORE_GROUP_MAX)

/* Newsgroup names: printable, no space and no ':' (it separates Xref). */
static int
group_name_valid(const char *name, size_t *len)
{
	const unsigned char	*p;

	if (name == NULL)
		return (0);
	*len = strlen(name);
	if (*len == 0 || *len > STORE_GROUP_MAX)
		return (0);
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ':')
			return (0);
	return (1);
}

static int
group_text_valid(const char *s, size_t max)
{
	if (s == NULL)
		return (1);
	if (strlen(s) > max)
		return (0);
	return (strpbrk(s, "\r\n") == NULL);
}

static size_t
hwm_key(char *buf, const char *name, size_t len)
{
	memcpy(buf, HWM_PREFIX, sizeof(HWM_PREFIX) - 1);
	memcpy(buf + sizeof(HWM_PREFIX) - 1, name, len);
	return (sizeof(HWM_PREFIX) - 1 + len);
}

int
store_group_load(struct store *st, MDB_txn *txn, const char *name,
    size_t len, struct rec_group *g)
{
	MDB_val	val;
	int	rc;

	if ((rc = store_db_get(txn, st->dbi[DB_GROUPS], name, len, &val)) != 0)
		return (rc);
	if (rec_group_decode(val.mv_data, val.mv_size, g) == -1)
		return (MDB_CORRUPTED);
	return (0);
}

int
store_group_save(struct store *st, MDB_txn *txn, const char *name,
    size_t len, const struct rec_group *g)
{
	uint8_t	buf[REC_GROUP_HDR + STORE_USER_MAX + STORE_DESC_MAX + 2];
	size_t	size;

	/* g's strings may point into the map: encode before writing. */
	if ((size = rec_group_size(g)) == 0 || size > sizeof(buf))
		return (MDB_CORRUPTED);
	rec_group_encode(g, buf);
	return (store_db_put(txn, st->dbi[DB_GROUPS], name, len, buf, size,
	    0));
}

int
store_group_fix_low(struct store *st, MDB_txn *txn, struct rec_group *g,
    uint32_t removed)
{
	MDB_cursor	*c;
	MDB_val		 key, val;
	uint8_t		 kbuf[REC_NUMKEY_SIZE];
	uint32_t	 gid, number;
	int		 rc;

	if (g->count == 0) {
		g->low = g->high + 1;
		return (0);
	}
	if (removed != g->low)
		return (0);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NUMBERS], &c)) != 0)
		return (rc);
	rec_numkey_encode(kbuf, g->id, removed);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	if (rc == 0 && key.mv_size == REC_NUMKEY_SIZE) {
		rec_numkey_decode(key.mv_data, &gid, &number);
		g->low = gid == g->id ? number : g->high + 1;
	} else if (rc == MDB_NOTFOUND || rc == 0) {
		g->low = g->high + 1;
		rc = 0;
	}
	mdb_cursor_close(c);
	return (rc);
}

static void
group_export(const char *name, size_t len, const struct rec_group *g,
    struct store_group *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, name, len);
	out->id = g->id;
	out->low = g->low;
	out->high = g->high;
	out->count = g->count;
	out->status = g->status;
	out->created = g->created;
	memcpy(out->creator, g->creator, g->creator_len);
	memcpy(out->description, g->description, g->description_len);
}

/* ---- Create ---------------------------------------------------------- */

struct group_create_args {
	const char		*name;
	size_t			 len;
	char			 status;
	const char		*description;
	const char		*creator;
	int64_t			 created;
	enum store_status	 ret;
};

static int
group_create_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct group_create_args	*a = arg;
	struct rec_group		 g;
	MDB_val				 val;
	char				 hkey[HWM_KEY_MAX];
	size_t				 hlen;
	uint8_t				 buf[4];
	uint32_t			 id = 0, high = 0;
	int				 rc;

	rc = store_db_get(txn, st->dbi[DB_GROUPS], a->name, a->len, &val);
	if (rc == 0) {
		a->ret = STORE_EXISTS;
		return (STORE_WRITE_ABORT);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);
	rc = store_db_get(txn, st->dbi[DB_META], "gid", 3, &val);
	if (rc == 0 && val.mv_size == 4)
		id = rec_get_u32(val.mv_data);
	else if (rc != MDB_NOTFOUND && rc != 0)
		return (rc);
	if (id == UINT32_MAX) {
		a->ret = STORE_FULL;
		store_set_error("group ids exhausted");
		return (STORE_WRITE_ABORT);
	}
	id++;
	rec_put_u32(buf, id);
	if ((rc = store_db_put(txn, st->dbi[DB_META], "gid", 3, buf, 4,
	    0)) != 0)
		return (rc);
	hlen = hwm_key(hkey, a->name, a->len);
	rc = store_db_get(txn, st->dbi[DB_META], hkey, hlen, &val);
	if (rc == 0 && val.mv_size == 4) {
		high = rec_get_u32(val.mv_data);
		if ((rc = store_db_del(txn, st->dbi[DB_META], hkey, hlen,
		    NULL, 0)) != 0)
			return (rc);
	} else if (rc != MDB_NOTFOUND && rc != 0)
		return (rc);

	memset(&g, 0, sizeof(g));
	g.status = a->status;
	g.id = id;
	g.high = high;
	g.low = high + 1;
	g.created = a->created;
	g.creator = a->creator ? a->creator : "";
	g.creator_len = strlen(g.creator);
	g.description = a->description ? a->description : "";
	g.description_len = strlen(g.description);
	a->ret = STORE_OK;
	return (store_group_save(st, txn, a->name, a->len, &g));
}

enum store_status
store_group_create(struct store *st, const char *name, char status,
    const char *description, const char *creator, int64_t created)
{
	struct group_create_args	a;
	enum store_status		ret;

	memset(&a, 0, sizeof(a));
	if (!group_name_valid(name, &a.len) ||
	    (status != 'y' && status != 'n' && status != 'm') ||
	    !group_text_valid(description, STORE_DESC_MAX) ||
	    !group_text_valid(creator, STORE_USER_MAX))
		return (STORE_INVALID);
	a.name = name;
	a.status = status;
	a.description = description;
	a.creator = creator;
	a.created = created;
	if ((ret = store_write(st, group_create_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

/* ---- Get, set, foreach ----------------------------------------------- */

enum store_status
store_group_get(struct store *st, const char *name, struct store_group *out)
{
	struct rec_group	 g;
	MDB_txn			*txn;
	enum store_status	 ret;
	size_t			 len;
	int			 rc;

	if (!group_name_valid(name, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_group_load(st, txn, name, len, &g);
	if (rc == 0)
		group_export(name, len, &g, out);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "group get"));
}

struct group_set_args {
	const char		*name;
	size_t			 len;
	char			 status;
	const char		*description;
	enum store_status	 ret;
};

static int
group_set_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct group_set_args	*a = arg;
	struct rec_group	 g;
	int			 rc;

	rc = store_group_load(st, txn, a->name, a->len, &g);
	if (rc == MDB_NOTFOUND) {
		a->ret = STORE_NOTFOUND;
		return (STORE_WRITE_ABORT);
	}
	if (rc != 0)
		return (rc);
	if (a->status != 0)
		g.status = a->status;
	if (a->description != NULL) {
		g.description = a->description;
		g.description_len = strlen(a->description);
	}
	a->ret = STORE_OK;
	return (store_group_save(st, txn, a->name, a->len, &g));
}

enum store_status
store_group_set(struct store *st, const char *name, char status,
    const char *description)
{
	struct group_set_args	a;
	enum store_status	ret;

	memset(&a, 0, sizeof(a));
	if (!group_name_valid(name, &a.len))
		return (STORE_NOTFOUND);
	if ((status != 0 && status != 'y' && status != 'n' &&
	    status != 'm') || !group_text_valid(description, STORE_DESC_MAX))
		return (STORE_INVALID);
	a.name = name;
	a.status = status;
	a.description = description;
	if ((ret = store_write(st, group_set_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

enum store_status
store_group_foreach(struct store *st, store_group_cb cb, void *arg)
{
	return (store_group_foreach_from(st, "", cb, arg));
}

enum store_status
store_group_foreach_from(struct store *st, const char *from,
    store_group_cb cb, void *arg)
{
	struct store_group	*out;
	struct rec_group	 g;
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	enum store_status	 ret;
	int			 rc;

	if ((out = malloc(sizeof(*out))) == NULL) {
		store_set_error("group foreach: out of memory");
		return (STORE_ERROR);
	}
	if ((ret = store_read_begin(st, &txn)) != STORE_OK) {
		free(out);
		return (ret);
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_GROUPS], &c)) != 0)
		goto done;
	key.mv_data = (void *)from;
	key.mv_size = strlen(from);
	for (rc = mdb_cursor_get(c, &key, &val, key.mv_size == 0 ? MDB_FIRST :
	    MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(c, &key, &val,
	    MDB_NEXT)) {
		if (key.mv_size == 0 || key.mv_size > STORE_GROUP_MAX ||
		    rec_group_decode(val.mv_data, val.mv_size, &g) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		group_export(key.mv_data, key.mv_size, &g, out);
		if (cb(out, arg) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = 0;
done:
	store_read_end(st, txn);
	free(out);
	return (store_mdb_status(rc, "group foreach"));
}

/* ---- Remove ---------------------------------------------------------- */

struct group_remove_args {
	const char		*name;
	size_t			 len;
	uint32_t		 id;
	enum store_status	 ret;
};

static int
group_remove_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct group_remove_args	*a = arg;
	struct rec_group		 g;
	struct store_expire_stats	 stats;
	char				 hkey[HWM_KEY_MAX];
	uint8_t				 buf[4];
	size_t				 hlen;
	int				 rc;

	rc = store_group_load(st, txn, a->name, a->len, &g);
	if (rc == MDB_NOTFOUND || (rc == 0 && g.id != a->id)) {
		a->ret = rc == 0 ? STORE_OK : STORE_NOTFOUND;
		return (STORE_WRITE_ABORT);
	}
	if (rc != 0)
		return (rc);
	/* Articles that arrived since the chunked pass, if any. */
	memset(&stats, 0, sizeof(stats));
	if ((rc = expire_group_txn(st, txn, a->name, a->len, INT64_MAX, 0,
	    SIZE_MAX, &stats, NULL)) != 0)
		return (rc);
	if ((rc = store_group_load(st, txn, a->name, a->len, &g)) != 0)
		return (rc);
	hlen = hwm_key(hkey, a->name, a->len);
	rec_put_u32(buf, g.high);
	if ((rc = store_db_put(txn, st->dbi[DB_META], hkey, hlen, buf, 4,
	    0)) != 0)
		return (rc);
	a->ret = STORE_OK;
	return (store_db_del(txn, st->dbi[DB_GROUPS], a->name, a->len, NULL,
	    0));
}

enum store_status
store_group_remove(struct store *st, const char *name)
{
	struct group_remove_args	a;
	struct store_expire_stats	stats;
	struct store_group		g;
	enum store_status		ret;

	memset(&a, 0, sizeof(a));
	if (!group_name_valid(name, &a.len))
		return (STORE_NOTFOUND);
	if ((ret = store_group_get(st, name, &g)) != STORE_OK)
		return (ret);
	/* Empty it in bounded transactions, then drop the record. */
	memset(&stats, 0, sizeof(stats));
	if ((ret = store_expire_group(st, name, INT64_MAX, &stats)) !=
	    STORE_OK)
		return (ret);
	a.name = name;
	a.id = g.id;
	if ((ret = store_write(st, group_remove_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

/* ---- High-water marks (import; test hook) --------------------------- */

struct group_high_args {
	const char		*name;
	size_t			 len;
	uint32_t		 high;
	int			 raise;		/* keep a higher mark */
	enum store_status	 ret;
};

static int
group_high_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct group_high_args	*a = arg;
	struct rec_group	 g;
	int			 rc;

	rc = store_group_load(st, txn, a->name, a->len, &g);
	if (rc == MDB_NOTFOUND || (rc == 0 && !a->raise && a->high < g.high)) {
		a->ret = rc == 0 ? STORE_INVALID : STORE_NOTFOUND;
		return (STORE_WRITE_ABORT);
	}
	if (rc != 0)
		return (rc);
	if (a->raise && a->high <= g.high) {
		a->ret = STORE_OK;
		return (STORE_WRITE_ABORT);
	}
	if (g.count == 0)
		g.low = a->high + 1;
	g.high = a->high;
	a->ret = STORE_OK;
	return (store_group_save(st, txn, a->name, a->len, &g));
}

enum store_status
store_debug_group_set_high(struct store *st, const char *name, uint32_t high)
{
	struct group_high_args	a;
	enum store_status	ret;

	memset(&a, 0, sizeof(a));
	if (!group_name_valid(name, &a.len))
		return (STORE_NOTFOUND);
	a.name = name;
	a.high = high;
	if ((ret = store_write(st, group_high_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}

enum store_status
store_group_raise_high(struct store *st, const char *name, uint32_t high)
{
	struct group_high_args	a;
	enum store_status	ret;

	memset(&a, 0, sizeof(a));
	if (!group_name_valid(name, &a.len))
		return (STORE_NOTFOUND);
	if (high > UINT32_C(2147483647))
		return (STORE_INVALID);
	a.name = name;
	a.high = high;
	a.raise = 1;
	if ((ret = store_write(st, group_high_fn, &a, NULL)) != STORE_OK)
		return (ret);
	return (a.ret);
}
