/*
 * The environment and its named databases: open/close, the format version,
 * transactions under the resize lock, map growth, error reporting, stats.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "record.h"

#define STORE_MAP_DEFAULT	((size_t)64 << 20)
#define STORE_MAP_MAX_DEFAULT	((size_t)1 << 40)
#define STORE_MAX_READERS	510

static const struct {
	const char	*name;
	unsigned	 flags;
} store_dbs[DB_COUNT] = {
	[DB_META] =	{ "meta",	0 },
	[DB_ARTICLES] =	{ "articles",	0 },
	[DB_NUMBERS] =	{ "numbers",	0 },
	[DB_GROUPS] =	{ "groups",	0 },
	[DB_HISTORY] =	{ "history",	0 },
	[DB_ARRIVALS] =	{ "arrivals",	0 },
	[DB_LINKS] =	{ "links",	0 },
	[DB_REPLIES] =	{ "replies",	MDB_DUPSORT },
	[DB_THREADS] =	{ "threads",	0 },
	[DB_TGROUPS] =	{ "tgroups",	0 },
	[DB_TINDEX] =	{ "tindex",	0 },
	[DB_FEEDQ] =	{ "feedq",	0 },
	[DB_USERS] =	{ "users",	0 },
	[DB_MODQ] =	{ "modq",	0 },
	[DB_CANCELS] =	{ "cancels",	0 },
};

static _Thread_local char store_errbuf[256];

void
store_set_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(store_errbuf, sizeof(store_errbuf), fmt, ap);
	va_end(ap);
}

const char *
store_last_error(void)
{
	return (store_errbuf);
}

const char *
store_strerror(enum store_status status)
{
	switch (status) {
	case STORE_OK:
		return ("ok");
	case STORE_NOTFOUND:
		return ("not found");
	case STORE_EXISTS:
		return ("already exists");
	case STORE_FULL:
		return ("store full");
	case STORE_INVALID:
		return ("invalid argument");
	case STORE_VERSION:
		return ("unknown store format version");
	case STORE_CORRUPT:
		return ("store corrupt or not a Loom store");
	case STORE_ERROR:
		return ("store error");
	}
	return ("unknown store status");
}

enum store_status
store_mdb_status(int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS:
		return (STORE_OK);
	case MDB_NOTFOUND:
		return (STORE_NOTFOUND);
	case MDB_KEYEXIST:
		return (STORE_EXISTS);
	case MDB_MAP_FULL:
		store_set_error("%s: map full at its maximum size", what);
		return (STORE_FULL);
	case ENOSPC:
#ifdef EDQUOT
	case EDQUOT:
#endif
	case EFBIG:
		store_set_error("%s: disk full: %s", what, mdb_strerror(rc));
		return (STORE_FULL);
	case MDB_PANIC:
		store_set_error("%s: %s (the store must be reopened)", what,
		    mdb_strerror(rc));
		return (STORE_ERROR);
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_PAGE_NOTFOUND:
	case MDB_INCOMPATIBLE:
	case MDB_VERSION_MISMATCH:
		store_set_error("%s: %s", what, mdb_strerror(rc));
		return (STORE_CORRUPT);
	default:
		store_set_error("%s: %s", what, mdb_strerror(rc));
		return (STORE_ERROR);
	}
}

int
store_db_get(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
    MDB_val *out)
{
	MDB_val	key;

	key.mv_data = (void *)k;
	key.mv_size = klen;
	return (mdb_get(txn, dbi, &key, out));
}

int
store_db_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
    const void *v, size_t vlen, unsigned flags)
{
	MDB_val	key, val;

	key.mv_data = (void *)k;
	key.mv_size = klen;
	val.mv_data = (void *)v;
	val.mv_size = vlen;
	return (mdb_put(txn, dbi, &key, &val, flags));
}

int
store_db_del(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	MDB_val	key, val;

	key.mv_data = (void *)k;
	key.mv_size = klen;
	val.mv_data = (void *)v;
	val.mv_size = vlen;
	return (mdb_del(txn, dbi, &key, v != NULL ? &val : NULL));
}

int
store_id_usable(const char *id, size_t *len)
{
	if (id == NULL)
		return (0);
	*len = strlen(id);
	return (*len > 0 && *len <= STORE_MSGID_MAX);
}

/*
 * The sequence lives in the arrivals tree under a key after every arrival
 * (STORE_SEQ_KEY): storing an article appends to that tree's last leaf
 * anyway, so keeping the sequence there dirties no page of its own (in
 * meta it cost a page per commit).  Stores of format version 1 have it in
 * meta["seq"] only: read from there until the first write here.
 */
int
store_seq_next(struct store *st, MDB_txn *txn, uint64_t *seq)
{
	MDB_val		val;
	uint8_t		buf[8], key[STORE_SEQ_KEY_SIZE];
	uint64_t	cur = 0;
	int		rc;

	memset(key, 0xff, sizeof(key));
	rc = store_db_get(txn, st->dbi[DB_ARRIVALS], key, sizeof(key), &val);
	if (rc == MDB_NOTFOUND)
		rc = store_db_get(txn, st->dbi[DB_META], "seq", 3, &val);
	if (rc == 0 && val.mv_size == 8)
		cur = rec_get_u64(val.mv_data);
	else if (rc == 0)
		return (MDB_CORRUPTED);
	else if (rc != MDB_NOTFOUND)
		return (rc);
	*seq = ++cur;
	rec_put_u64(buf, cur);
	return (store_db_put(txn, st->dbi[DB_ARRIVALS], key, sizeof(key), buf,
	    8, 0));
}

/* ---- Transactions and map growth ------------------------------------- */

/*
 * Adopt a size another process gave the map (MDB_MAP_RESIZED), or grow it
 * ourselves after MDB_MAP_FULL.  `seen` is the size the failing transaction
 * ran with: if the map is already bigger (another thread grew it while we
 * waited for the lock) there is nothing to do.
 */
static enum store_status
store_map_grow(struct store *st, int adopt, size_t seen)
{
	MDB_envinfo		 info;
	size_t			 next;
	enum store_status	 ret = STORE_OK;
	int			 rc;

	pthread_rwlock_wrlock(&st->lock);
	if (adopt) {
		if ((rc = mdb_env_set_mapsize(st->env, 0)) != 0)
			ret = store_mdb_status(rc, "adopt map size");
		goto out;
	}
	mdb_env_info(st->env, &info);
	if (info.me_mapsize > seen)
		goto out;
	if (info.me_mapsize >= st->map_max) {
		store_set_error("map full at its maximum size (%zu MiB)",
		    st->map_max >> 20);
		ret = STORE_FULL;
		goto out;
	}
	next = info.me_mapsize > st->map_max / 2 ? st->map_max :
	    info.me_mapsize * 2;
	if ((rc = mdb_env_set_mapsize(st->env, next)) != 0)
		ret = store_mdb_status(rc, "grow map");
out:
	pthread_rwlock_unlock(&st->lock);
	return (ret);
}

static size_t
store_map_size(struct store *st)
{
	MDB_envinfo	info;

	mdb_env_info(st->env, &info);
	return (info.me_mapsize);
}

enum store_status
store_read_begin(struct store *st, MDB_txn **txn)
{
	enum store_status	ret;
	int			rc;

	for (;;) {
		pthread_rwlock_rdlock(&st->lock);
		rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
		if (rc == 0)
			return (STORE_OK);
		pthread_rwlock_unlock(&st->lock);
		if (rc != MDB_MAP_RESIZED)
			return (store_mdb_status(rc, "begin read"));
		if ((ret = store_map_grow(st, 1, 0)) != STORE_OK)
			return (ret);
	}
}

void
store_read_end(struct store *st, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&st->lock);
}

/*
 * The calling thread's write(2) octets so far (wchar), or -1.  Opened per
 * call: /proc/thread-self names the thread that opens it, and commits come
 * from several threads.
 */
static int64_t
store_thread_wchar(void)
{
	char		 buf[512], *p;
	ssize_t		 n;
	int		 fd;

	if ((fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	if ((p = strstr(buf, "wchar:")) == NULL)
		return (-1);
	return (strtoll(p + 6, NULL, 10));
}

static int
store_commit(struct store *st, MDB_txn *txn)
{
	int64_t		before, after;
	uint64_t	bytes;
	int		rc;

	if (!st->io_on)
		return (mdb_txn_commit(txn));
	before = store_thread_wchar();
	rc = mdb_txn_commit(txn);
	after = store_thread_wchar();
	if (rc != 0 || before < 0 || after < before)
		return (rc);
	bytes = (uint64_t)(after - before);
	pthread_mutex_lock(&st->io_lock);
	st->io.commits++;
	st->io.bytes += bytes;
	st->io_last = bytes / st->io.page_size;
	st->io.pages += st->io_last;
	pthread_mutex_unlock(&st->io_lock);
	return (0);
}

void
store_io_batch(struct store *st, size_t n)
{
	if (!st->io_on || n == 0)
		return;
	pthread_mutex_lock(&st->io_lock);
	st->io.batches++;
	st->io.articles += n;
	st->io.batch_pages += st->io_last;
	pthread_mutex_unlock(&st->io_lock);
}

void
store_io_stats_get(struct store *st, struct store_io_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!st->io_on)
		return;
	pthread_mutex_lock(&st->io_lock);
	*out = st->io;
	pthread_mutex_unlock(&st->io_lock);
}

enum store_status
store_write(struct store *st, store_write_fn fn, void *arg,
    store_reset_fn reset)
{
	MDB_txn			*txn;
	enum store_status	 ret;
	size_t			 seen;
	int			 rc, tries;

	for (tries = 0; tries < 64; tries++) {
		if (tries > 0 && reset != NULL)
			reset(arg);
		pthread_rwlock_rdlock(&st->lock);
		seen = store_map_size(st);
		rc = mdb_txn_begin(st->env, NULL, 0, &txn);
		if (rc == 0) {
			rc = fn(st, txn, arg);
			if (rc == 0)
				rc = store_commit(st, txn);
			else {
				mdb_txn_abort(txn);
				if (rc == STORE_WRITE_ABORT)
					rc = 0;
			}
		}
		pthread_rwlock_unlock(&st->lock);
		if (rc == 0)
			return (STORE_OK);
		if (rc == MDB_MAP_RESIZED)
			ret = store_map_grow(st, 1, 0);
		else if (rc == MDB_MAP_FULL)
			ret = store_map_grow(st, 0, seen);
		else if (rc == MDB_TXN_FULL) {
			store_set_error("write: transaction too large for "
			    "LMDB (MDB_TXN_FULL); use smaller batches");
			return (STORE_FULL);
		} else
			return (store_mdb_status(rc, "write"));
		if (ret != STORE_OK)
			return (ret);
	}
	store_set_error("write: map kept filling up after 64 retries");
	return (STORE_FULL);
}

/* ---- Open and close -------------------------------------------------- */

/*
 * Open the named databases in txn.  A fresh environment (nothing in its
 * main database) gets them created with the current format version; one
 * without our meta database is somebody else's LMDB file.
 */
static enum store_status
store_open_dbs(struct store *st, MDB_txn *txn, char *errbuf, size_t errlen)
{
	MDB_dbi		 main_dbi;
	MDB_stat	 ms;
	MDB_val		 val;
	uint8_t		 buf[4];
	uint32_t	 version;
	unsigned	 create = 0;
	int		 i, rc;

	rc = mdb_dbi_open(txn, store_dbs[DB_META].name, 0, &st->dbi[DB_META]);
	if (rc == MDB_NOTFOUND) {
		if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) != 0 ||
		    (rc = mdb_stat(txn, main_dbi, &ms)) != 0)
			goto lmdb_err;
		if (ms.ms_entries != 0) {
			snprintf(errbuf, errlen, "data.mdb is an LMDB "
			    "environment but not a Loom store (no meta "
			    "database)");
			return (STORE_CORRUPT);
		}
		create = MDB_CREATE;
	} else if (rc != 0)
		goto lmdb_err;

	for (i = 0; i < DB_COUNT; i++) {
		/* The moderation queue and the waiting cancels came
		   after format version 2 was set: a version 2 store
		   without them gets them now (empty). */
		rc = mdb_dbi_open(txn, store_dbs[i].name,
		    store_dbs[i].flags | (i == DB_MODQ || i == DB_CANCELS ?
		    MDB_CREATE : create),
		    &st->dbi[i]);
		if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
			snprintf(errbuf, errlen, "database \"%s\" %s: the "
			    "store is damaged", store_dbs[i].name,
			    rc == MDB_NOTFOUND ? "is missing" :
			    "has the wrong flags");
			return (STORE_CORRUPT);
		}
		if (rc != 0)
			goto lmdb_err;
	}

	if (create) {
		rec_put_u32(buf, STORE_FORMAT_VERSION);
		if ((rc = store_db_put(txn, st->dbi[DB_META], "version", 7,
		    buf, 4, 0)) != 0)
			goto lmdb_err;
		return (STORE_OK);
	}
	rc = store_db_get(txn, st->dbi[DB_META], "version", 7, &val);
	if (rc == MDB_NOTFOUND || (rc == 0 && val.mv_size != 4)) {
		snprintf(errbuf, errlen, "meta database has no valid format "
		    "version: the store is damaged");
		return (STORE_CORRUPT);
	}
	if (rc != 0)
		goto lmdb_err;
	version = rec_get_u32(val.mv_data);
	if (version == 1 || version == STORE_FORMAT_VERSION) {
		/* Version 1's tgroups entries belong in tindex (a no-op when
		   tgroups is empty, as it always is once converted). */
		if ((rc = summary_tgroups_move(st, txn,
		    st->dbi[DB_TGROUPS])) != 0)
			goto lmdb_err;
	}
	if (version == 1) {
		/* Version 1 kept a history entry for every stored article too,
		   and the sequence in meta; version 2 reads both as they are
		   (store_seen, store_seq_next).  Older builds must not open
		   the store any more: they would take a stored article's
		   duplicate and reuse sequence numbers. */
		rec_put_u32(buf, STORE_FORMAT_VERSION);
		if ((rc = store_db_put(txn, st->dbi[DB_META], "version", 7,
		    buf, 4, 0)) != 0)
			goto lmdb_err;
		version = STORE_FORMAT_VERSION;
	}
	if (version != STORE_FORMAT_VERSION) {
		snprintf(errbuf, errlen, "store format version %u is not "
		    "supported by this build (it knows version %u)", version,
		    STORE_FORMAT_VERSION);
		return (STORE_VERSION);
	}
	return (STORE_OK);

lmdb_err:
	snprintf(errbuf, errlen, "opening databases: %s", mdb_strerror(rc));
	return (store_mdb_status(rc, "open"));
}

/* The store's directory must exist and be one. */
static enum store_status
store_dir_check(const char *dir, char *errbuf, size_t errlen)
{
	struct stat	sb;

	if (dir == NULL || stat(dir, &sb) == -1) {
		snprintf(errbuf, errlen, "%s: %s", dir ? dir : "(null)",
		    dir ? strerror(errno) : "no directory given");
		return (STORE_ERROR);
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a directory", dir);
		return (STORE_ERROR);
	}
	return (STORE_OK);
}

/* A store with its options applied (defaults for what opt leaves 0), no
   environment yet; *map_size gets the map size to start with. */
static struct store *
store_new(const struct store_options *opt, size_t *map_size)
{
	struct store		*st;
	pthread_rwlockattr_t	 attr;
	const char		*p;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (NULL);
	*map_size = opt && opt->map_size ? opt->map_size : STORE_MAP_DEFAULT;
	st->map_max = opt && opt->map_size_max ? opt->map_size_max :
	    STORE_MAP_MAX_DEFAULT;
	if (st->map_max < *map_size)
		st->map_max = *map_size;
	st->history_days = opt && opt->history_days ? opt->history_days : 30;
	snprintf(st->xref_host, sizeof(st->xref_host), "%s",
	    opt && opt->xref_host && opt->xref_host[0] ? opt->xref_host :
	    "loom");

	pthread_rwlockattr_init(&attr);
	/* Growing the map must not starve behind a stream of readers. */
	pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&st->io_lock, NULL);
	st->io_on = (opt && opt->io_stats) ||
	    ((p = getenv("LOOM_STORE_IOSTATS")) != NULL && strcmp(p, "1") == 0);
	return (st);
}

/* Open the LMDB environment in dir, at least map_size large. */
static enum store_status
store_env_open(struct store *st, const char *dir, int nosync,
    size_t map_size, char *errbuf, size_t errlen)
{
	MDB_envinfo		info;
	MDB_stat		ms;
	enum store_status	ret;
	unsigned		flags;
	int			rc, dead;

	if ((rc = mdb_env_create(&st->env)) != 0) {
		snprintf(errbuf, errlen, "mdb_env_create: %s",
		    mdb_strerror(rc));
		return (STORE_ERROR);
	}
	mdb_env_set_maxdbs(st->env, DB_COUNT + 2);
	mdb_env_set_maxreaders(st->env, STORE_MAX_READERS);
	flags = MDB_NOTLS;
	if (nosync)
		flags |= MDB_NOSYNC;
	if ((rc = mdb_env_open(st->env, dir, flags, 0600)) != 0) {
		ret = store_mdb_status(rc, "open");
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ||
		    rc == MDB_CORRUPTED || rc == EINVAL) {
			snprintf(errbuf, errlen, "%s/data.mdb is not a Loom "
			    "store or is damaged: %s", dir, mdb_strerror(rc));
			ret = STORE_CORRUPT;
		} else
			snprintf(errbuf, errlen, "cannot open LMDB "
			    "environment in %s: %s", dir, mdb_strerror(rc));
		return (ret);
	}
	/* Clear reader slots left by processes that died (a crashed loomd). */
	mdb_reader_check(st->env, &dead);
	mdb_env_stat(st->env, &ms);
	st->io.page_size = ms.ms_psize > 0 ? ms.ms_psize : 4096;
	/* Never shrink a map that has grown beyond the configured start. */
	mdb_env_info(st->env, &info);
	if (info.me_mapsize < map_size &&
	    (rc = mdb_env_set_mapsize(st->env, map_size)) != 0) {
		snprintf(errbuf, errlen, "mdb_env_set_mapsize: %s",
		    mdb_strerror(rc));
		return (STORE_ERROR);
	}
	return (STORE_OK);
}

/* Open (or create) the databases and check the format, in one
   transaction. */
static enum store_status
store_dbs_init(struct store *st, char *errbuf, size_t errlen)
{
	MDB_txn			*txn;
	enum store_status	 ret;
	int			 rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		snprintf(errbuf, errlen, "cannot begin a transaction: %s",
		    mdb_strerror(rc));
		return (store_mdb_status(rc, "open"));
	}
	if ((ret = store_open_dbs(st, txn, errbuf, errlen)) != STORE_OK) {
		mdb_txn_abort(txn);
		return (ret);
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		snprintf(errbuf, errlen, "cannot commit: %s",
		    mdb_strerror(rc));
		return (store_mdb_status(rc, "open"));
	}
	return (STORE_OK);
}

enum store_status
store_open(struct store **out, const char *dir,
    const struct store_options *opt, char *errbuf, size_t errlen)
{
	struct store		*st;
	size_t			 map_size;
	enum store_status	 ret;
	char			 dummy[1];

	*out = NULL;
	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if ((ret = store_dir_check(dir, errbuf, errlen)) != STORE_OK)
		return (ret);
	if ((st = store_new(opt, &map_size)) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return (STORE_ERROR);
	}
	if ((ret = store_env_open(st, dir, opt && opt->nosync, map_size,
	    errbuf, errlen)) != STORE_OK ||
	    (ret = store_dbs_init(st, errbuf, errlen)) != STORE_OK) {
		if (st->env != NULL)
			mdb_env_close(st->env);
		pthread_rwlock_destroy(&st->lock);
		pthread_mutex_destroy(&st->io_lock);
		free(st);
		return (ret);
	}
	*out = st;
	return (STORE_OK);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->lock);
	pthread_mutex_destroy(&st->io_lock);
	free(st);
}

/* ---- Statistics and hooks -------------------------------------------- */

enum store_status
store_stats_get(struct store *st, struct store_stats *out)
{
	MDB_txn			*txn;
	MDB_envinfo		 info;
	MDB_stat		 ms;
	MDB_val			 val;
	enum store_status	 ret;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	mdb_env_info(st->env, &info);
	mdb_env_stat(st->env, &ms);
	out->map_size = info.me_mapsize;
	out->used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if ((rc = mdb_stat(txn, st->dbi[DB_ARTICLES], &ms)) != 0)
		goto fail;
	out->articles = ms.ms_entries;
	if ((rc = mdb_stat(txn, st->dbi[DB_HISTORY], &ms)) != 0)
		goto fail;
	/* A stored article is its own history (no entry in history). */
	out->history = ms.ms_entries + out->articles;
	if ((rc = mdb_stat(txn, st->dbi[DB_GROUPS], &ms)) != 0)
		goto fail;
	out->groups = ms.ms_entries;
	rc = store_db_get(txn, st->dbi[DB_META], "gid", 3, &val);
	if (rc == 0 && val.mv_size == 4)
		out->groups_ever = rec_get_u32(val.mv_data);
	else if (rc != MDB_NOTFOUND)
		goto fail;
	store_read_end(st, txn);
	return (STORE_OK);
fail:
	store_read_end(st, txn);
	return (store_mdb_status(rc, "stats"));
}

enum store_status
store_db_stats(struct store *st, store_db_stat_cb cb, void *arg)
{
	MDB_txn			*txn;
	MDB_stat		 ms;
	enum store_status	 ret;
	int			 i, rc;

	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	for (i = 0; i < DB_COUNT; i++) {
		if ((rc = mdb_stat(txn, st->dbi[i], &ms)) != 0) {
			store_read_end(st, txn);
			return (store_mdb_status(rc, "db stats"));
		}
		cb(store_dbs[i].name, ms.ms_entries, ms.ms_depth,
		    ms.ms_branch_pages, ms.ms_leaf_pages,
		    ms.ms_overflow_pages, arg);
	}
	store_read_end(st, txn);
	return (STORE_OK);
}

/*
 * A consistent, compacted copy of the store into an empty directory,
 * taken from one read transaction: loomd keeps serving and writing while
 * it runs.  The copy is a complete store (open it with --data DIR).
 */
enum store_status
store_backup(struct store *st, const char *dir)
{
	int	rc;

	pthread_rwlock_rdlock(&st->lock);
	rc = mdb_env_copy2(st->env, dir, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&st->lock);
	if (rc != 0)
		return (store_mdb_status(rc, "backup"));
	return (STORE_OK);
}

static int
store_set_version_fn(struct store *st, MDB_txn *txn, void *arg)
{
	uint8_t	buf[4];

	rec_put_u32(buf, *(uint32_t *)arg);
	return (store_db_put(txn, st->dbi[DB_META], "version", 7, buf, 4, 0));
}

static int
store_seq_v1_fn(struct store *st, MDB_txn *txn, void *arg)
{
	MDB_val	val;
	uint8_t	key[STORE_SEQ_KEY_SIZE], buf[8];
	int	rc;

	(void)arg;

	memset(key, 0xff, sizeof(key));
	if ((rc = store_db_get(txn, st->dbi[DB_ARRIVALS], key, sizeof(key),
	    &val)) != 0)
		return (rc);
	if (val.mv_size != 8)
		return (MDB_CORRUPTED);
	memcpy(buf, val.mv_data, 8);
	if ((rc = store_db_del(txn, st->dbi[DB_ARRIVALS], key, sizeof(key),
	    NULL, 0)) != 0)
		return (rc);
	return (store_db_put(txn, st->dbi[DB_META], "seq", 3, buf, 8, 0));
}

enum store_status
store_debug_seq_v1(struct store *st)
{
	return (store_write(st, store_seq_v1_fn, NULL, NULL));
}

enum store_status
store_debug_set_version(struct store *st, uint32_t version)
{
	return (store_write(st, store_set_version_fn, &version, NULL));
}
