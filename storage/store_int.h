/*
 * Internals shared by the storage/ modules.  Not for server/ or tests:
 * this header includes lmdb.h.
 *
 * Transactions.  Every transaction holds st->lock shared for its whole
 * life; growing the map (mdb_env_set_mapsize, which LMDB allows only when
 * this process has no transaction open) takes it exclusive.  Use
 * store_read_begin/store_read_end for reads and store_write for writes:
 * store_write retries the whole write function after growing a full map or
 * adopting a size another process set, so a write function must be
 * restartable (it gets its reset hook called before each retry).
 */
#ifndef LOOM_STORE_INT_H
#define LOOM_STORE_INT_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <lmdb.h>

#include "store.h"

/* 2: a stored article has no history entry (its record is its history);
   the sequence is in arrivals, not meta; tgroups' entries are in tindex.  A version 1 store is a valid
   version 2 one: opening converts it by rewriting the version (its extra
   history entries go when purged; meta's sequence is read until the first
   write puts it in arrivals) and moving tgroups' entries. */
#define STORE_FORMAT_VERSION	2

enum store_db {
	DB_META,
	DB_ARTICLES,
	DB_NUMBERS,
	DB_GROUPS,
	DB_HISTORY,
	DB_ARRIVALS,
	DB_LINKS,
	DB_REPLIES,
	DB_THREADS,
	DB_TGROUPS,
	DB_TINDEX,
	DB_FEEDQ,
	DB_USERS,
	DB_MODQ,		/* moderation queue (modq_db.c) */
	DB_CANCELS,		/* cancels waiting for their target
				   (cancel_db.c) */
	DB_COUNT
};

#define STORE_XREF_HOST_MAX	255
/* Entries touched per transaction by expiry, group removal and purges. */
#define STORE_CHUNK		512
/* How far up a reply chain we follow links, and how deep a walk goes. */
#define STORE_THREAD_DEPTH_MAX	10000
/* References entries considered per article (the last ones). */
#define STORE_REFS_MAX		1000

struct store {
	MDB_env			*env;
	MDB_dbi			 dbi[DB_COUNT];
	pthread_rwlock_t	 lock;
	size_t			 map_max;
	unsigned		 history_days;
	char			 xref_host[STORE_XREF_HOST_MAX + 1];
	/* io_stats: under io_lock (read from other threads) */
	int			 io_on;
	pthread_mutex_t		 io_lock;
	struct store_io_stats	 io;
	uint64_t		 io_last;	/* pages of the last commit */
};

/* Returned by a write function to abort without error (nothing to do). */
#define STORE_WRITE_ABORT	(-1)

/*
 * A write function returns 0 to commit, STORE_WRITE_ABORT to abort with
 * the outcome kept in its argument, or an LMDB/errno code to fail; the
 * code MDB_MAP_FULL makes store_write grow the map and start over.
 */
typedef int (*store_write_fn)(struct store *, MDB_txn *, void *);
typedef void (*store_reset_fn)(void *);

enum store_status	store_write(struct store *, store_write_fn, void *,
			    store_reset_fn);
/* io_stats: count a committed batch of n articles (its pages were
   counted by store_write just before). */
void			store_io_batch(struct store *, size_t);
enum store_status	store_read_begin(struct store *, MDB_txn **);
void			store_read_end(struct store *, MDB_txn *);

/* Map an LMDB/errno code to a status; records `what` for last_error. */
enum store_status	store_mdb_status(int, const char *);
void			store_set_error(const char *, ...)
			    __attribute__((__format__(__printf__, 1, 2)));

/* mdb_get with plain pointers; returns the LMDB code. */
int	store_db_get(MDB_txn *, MDB_dbi, const void *, size_t, MDB_val *);
int	store_db_put(MDB_txn *, MDB_dbi, const void *, size_t, const void *,
	    size_t, unsigned);
int	store_db_del(MDB_txn *, MDB_dbi, const void *, size_t, const void *,
	    size_t);

/* Store-wide sequence: the next value, persisted (in arrivals, under a
   key of STORE_SEQ_KEY_SIZE octets 0xff that sorts after every arrival). */
#define STORE_SEQ_KEY_SIZE	16

int	store_seq_next(struct store *, MDB_txn *, uint64_t *);
/* A message-id that can be a thread node or a key: not NULL, 1 to
   STORE_MSGID_MAX octets (*len gets its length). */
int	store_id_usable(const char *, size_t *);

/* history_db.c: msgid stored or in history?  0 (*arrival, if not NULL,
   gets when), MDB_NOTFOUND or an LMDB code. */
int	store_seen(struct store *, MDB_txn *, const char *, size_t,
	    int64_t *);

/* Group record by name (out's strings point into the map). */
struct rec_group;
int	store_group_load(struct store *, MDB_txn *, const char *, size_t,
	    struct rec_group *);
int	store_group_save(struct store *, MDB_txn *, const char *, size_t,
	    const struct rec_group *);
/* Fix a group's low mark after number `removed` left it. */
int	store_group_fix_low(struct store *, MDB_txn *, struct rec_group *,
	    uint32_t);

/* thread_db.c: called inside the write transaction of store_put_batch. */
struct rec_article;
int	thread_link_article(struct store *, MDB_txn *,
	    const struct store_article *, const char *parent);
int	thread_summary_add(struct store *, MDB_txn *, const char *root,
	    size_t root_len, const char *msgid, const char *overview,
	    size_t overview_len, int64_t arrival, int head);
int	thread_group_add(struct store *, MDB_txn *, uint32_t gid,
	    const char *root, size_t root_len, int64_t arrival, uint64_t seq);
/* store_open: move format version 1's tgroups entries into tindex. */
int	summary_tgroups_move(struct store *, MDB_txn *, MDB_dbi);
/* ... and by expiry. */
int	thread_group_remove(struct store *, MDB_txn *, uint32_t gid,
	    const char *root, size_t root_len);
int	thread_article_gone(struct store *, MDB_txn *, const char *msgid,
	    size_t msgid_len, const char *root, size_t root_len);
int	thread_summary_remove(struct store *, MDB_txn *, const char *msgid,
	    size_t msgid_len, const char *root, size_t root_len);

/*
 * expire.c: in txn, remove the entries of group `name` numbered from
 * `from` on whose arrival is before cutoff, scanning at most max_scan
 * entries; *next (if not NULL) gets the number to resume from, 0 when the
 * group has been scanned to its end.
 */
int	expire_group_txn(struct store *, MDB_txn *, const char *name,
	    size_t len, int64_t cutoff, uint32_t from, size_t max_scan,
	    struct store_expire_stats *, uint32_t *next);

/* feed_db.c: queue msgid for peer under a fresh sequence, inside txn. */
int	feed_queue_txn(struct store *, MDB_txn *, const char *peer,
	    size_t peer_len, const char *msgid, size_t msgid_len);

/* modq_db.c: queue a whole article for moderation (store_put_batch with
   a->moderate), or forget its queue entry once it is stored. */
int	modq_add_txn(struct store *, MDB_txn *, struct store_article *);
int	modq_forget_txn(struct store *, MDB_txn *, const char *, size_t);

/* expire.c: withdraw a stored article (cancel, Supersedes) from every
   group, as expiry removes it; *removed 0 when it was not stored. */
int	article_withdraw_txn(struct store *, MDB_txn *, const char *, size_t,
	    int *removed);
/* thread_db.c: old's children hang under new (Supersedes). */
int	thread_reparent(struct store *, MDB_txn *, const char *old,
	    size_t old_len, const char *new, size_t new_len);
/* thread_db.c: where a superseded article stood; its forward to the
   article that replaced it (and the history purge's drop of it). */
#define STORE_FORWARD_MAX	64	/* forwards followed in a row */
int	thread_place(struct store *, MDB_txn *, const char *, size_t,
	    char parent[STORE_MSGID_MAX + 1], char root[STORE_MSGID_MAX + 1],
	    int *head);
int	thread_forward(struct store *, MDB_txn *, const char *old,
	    size_t old_len, const char *new, size_t new_len);
int	thread_forward_drop(struct store *, MDB_txn *, const char *,
	    size_t);
/* cancel_db.c: what a stored article with `withdraw` does, in the
   batch's transaction once it is stored. */
int	cancel_withdraw_txn(struct store *, MDB_txn *,
	    struct store_article *);
/* cancel_db.c: a cancel kept for a (locked) article arriving matches
   its locks: refuse it (*refused), forget the cancel, remember it. */
int	cancel_first_txn(struct store *, MDB_txn *,
	    const struct store_article *, size_t, int *refused);
/* cancel_db.c: one chunk of the history purge of kept cancels. */
int	cancel_purge_txn(struct store *, MDB_txn *, int64_t cutoff,
	    char *resume, size_t *resume_len, int dry_run, uint64_t *purged,
	    int *done);

/* Article record -> the public info (pointers into the record). */
void	article_info_fill(const struct rec_article *,
	    struct store_article_info *);
/* Delete an article's body and arrival entry once it is in no group. */
int	article_delete(struct store *, MDB_txn *, const char *, size_t,
	    int *deleted);

#endif /* LOOM_STORE_INT_H */
