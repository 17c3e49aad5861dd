/*
 * Loom's article store: the only interface server/ and tests use to reach
 * LMDB.  Records are linked by Message-ID, as the article headers link them.
 *
 * Threads and transactions.  A store may be used by many threads at once:
 * every call opens and ends its own short transaction.  Writes are
 * serialised by LMDB (across processes too: loomctl may write while loomd
 * runs).  Data handed to a callback points into the map and is valid only
 * during that callback; copy what you keep.  Callbacks must not call back
 * into the store.  A callback returning non-zero stops the walk early (the
 * call still returns STORE_OK).
 *
 * Message-IDs are opaque byte strings here, NUL-terminated, with their angle
 * brackets, at most STORE_MSGID_MAX octets.  Times are seconds since the
 * epoch (UTC).
 */
#ifndef LOOM_STORE_H
#define LOOM_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_MSGID_MAX		250
#define STORE_GROUP_MAX		250	/* newsgroup name length */
#define STORE_DESC_MAX		255	/* group description */
#define STORE_USER_MAX		64
#define STORE_HASH_MAX		255	/* password hash string */
#define STORE_PEER_MAX		64	/* feed (peer) name */

struct store;

enum store_status {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* no such article, group, user, number */
	STORE_EXISTS,		/* duplicate (also: in history after expiry) */
	STORE_FULL,		/* map at its maximum size, or the disk is full */
	STORE_INVALID,		/* argument out of range (key too long, ...) */
	STORE_VERSION,		/* the store has a format this build does not know */
	STORE_CORRUPT,		/* not a Loom store, or damaged */
	STORE_ERROR		/* any other failure; see store_last_error() */
};

struct store_options {
	size_t		 map_size;	/* initial map size; 0: 64 MiB */
	size_t		 map_size_max;	/* growth limit; 0: 1 TiB */
	int		 nosync;	/* MDB_NOSYNC: loses recent commits on a
					   power failure (not on a crash) */
	const char	*xref_host;	/* first word of Xref; NULL: "loom" */
	unsigned	 history_days;	/* keep history this long; 0: 30 */
	/* Count the octets each commit writes (store_io_stats_get); also
	   turned on by the environment variable LOOM_STORE_IOSTATS=1 */
	int		 io_stats;
};

/*
 * Open (creating if needed) the store in directory `dir`, which must exist.
 * A store written by an unknown format version is refused (STORE_VERSION);
 * a directory holding something that is not a Loom store, STORE_CORRUPT.
 * On failure a readable reason is written to errbuf.
 */
enum store_status store_open(struct store **out, const char *dir,
    const struct store_options *opt, char *errbuf, size_t errlen);

/* Close the store.  No call may be running on any thread. */
void store_close(struct store *st);

const char *store_strerror(enum store_status status);

/* Detail of the last STORE_ERROR/STORE_FULL on this thread ("" if none). */
const char *store_last_error(void);

/* ---- Groups ---------------------------------------------------------- */

struct store_group {
	char		 name[STORE_GROUP_MAX + 1];
	uint32_t	 id;		/* stable, never reused */
	uint32_t	 low;		/* lowest present number; high + 1 if empty */
	uint32_t	 high;		/* last number assigned; 0 if none ever */
	uint32_t	 count;		/* articles present */
	char		 status;	/* 'y' posting ok, 'n' no posting,
					   'm' moderated */
	int64_t		 created;
	char		 creator[STORE_USER_MAX + 1];
	char		 description[STORE_DESC_MAX + 1];
};

/* STORE_EXISTS if a group of that name exists. */
enum store_status store_group_create(struct store *st, const char *name,
    char status, const char *description, const char *creator,
    int64_t created);

/* Remove a group and its numbers; articles left in no group are deleted
   (their history stays). */
enum store_status store_group_remove(struct store *st, const char *name);

enum store_status store_group_get(struct store *st, const char *name,
    struct store_group *out);

/* Raise a group's high-water mark to at least `high` (a lower one is
   kept), so the next article numbers after it (loomctl import: INN's
   high-water mark).  An empty group's low becomes high + 1. */
enum store_status store_group_raise_high(struct store *st, const char *name,
    uint32_t high);

/* Change status (0: keep) and/or description (NULL: keep). */
enum store_status store_group_set(struct store *st, const char *name,
    char status, const char *description);

typedef int (*store_group_cb)(const struct store_group *group, void *arg);

/* Every group in name order; cb returns non-zero to stop early. */
enum store_status store_group_foreach(struct store *st, store_group_cb cb,
    void *arg);
/* The same from the first group whose name is `from` or sorts after it
   (""), so a long listing can be walked in short read transactions. */
enum store_status store_group_foreach_from(struct store *st,
    const char *from, store_group_cb cb, void *arg);

/* ---- Storing articles (group commit) --------------------------------- */

/*
 * One article to store.  The server fills the input fields; store_put_batch
 * fills the outputs.  `wire` is the article as sent by ARTICLE: header, empty
 * line, body, CRLF line ends, dot-stuffed, without the terminating ".CRLF".
 * The store inserts an "Xref: <xref_host> group:number ..." header line at
 * offset header_len (just before the empty line) and computes :bytes as the
 * stored length less `stuffed_dots` (the dots added by stuffing).
 */
struct store_article {
	/* in */
	const char		 *msgid;
	const char		 *wire;
	size_t			  wire_len;
	size_t			  header_len;	/* offset of the empty line */
	size_t			  stuffed_dots;
	uint32_t		  lines;	/* body lines */
	const char *const	 *groups;	/* from Newsgroups */
	size_t			  ngroups;
	/* The thread links as the article's References give them.  NULL
	   parent: the last references entry; NULL root: the first, else the
	   parent.  The store sanitises them once (empty, too long, itself:
	   none) and files every index under the same pair. */
	const char		 *parent;
	const char		 *root;
	const char *const	 *references;	/* all References entries, or NULL */
	size_t			  nreferences;
	/* "Subject\tFrom\tDate\tMessage-ID\tReferences", already sanitised
	   (no CR, LF or TAB inside a field) */
	const char		 *overview;
	int64_t			  arrival;
	/* when it was posted (its Date); 0: unknown.  Orders siblings in
	   a thread, so every server holding the thread orders it alike */
	int64_t			  posted;
	const char *const	 *feeds;	/* peer names to queue it for */
	size_t			  nfeeds;
	/* Queue it for moderation instead (whole: one entry whatever its
	   groups): see store_modq_*.  submitter: who posted it ("" if
	   anonymous). */
	int			  moderate;
	const char		 *submitter;
	/*
	 * Withdraw another article (a cancel, or the one a Supersedes
	 * names: the server decided it may) in the same transaction, once
	 * this one is stored: the target leaves its groups (its numbers are
	 * not reused), its thread node stays as a placeholder while it has
	 * replies, and history remembers it.  withdraw_supersede: the
	 * target's replies hang under this article from then on.
	 * withdraw_keys (not NULL): when the target is neither stored nor
	 * in history, remember the cancel for it instead, with these c-key
	 * elements (store_cancel_pending_*).
	 */
	const char		 *withdraw;
	int			  withdraw_supersede;
	const char		 *withdraw_keys;
	/* Numbers to keep (loomctl import: INN's), per group (ngroups of
	   them; NULL or 0: none): a group takes its requested number when
	   no article holds it, else the next after its high-water mark as
	   usual.  The high-water mark becomes the highest number given. */
	const uint32_t		 *want_numbers;
	/*
	 * Its c-lock elements (Cancel-Lock, space-separated; NULL: none)
	 * and the check of c-keys against them (the server's: the store
	 * does no hashing).  A cancel kept for this message-id whose keys
	 * match refuses it in this transaction, whichever way it came (the
	 * moderation queue's too): status STORE_EXISTS, withdrawn
	 * STORE_CANCELLED_FIRST, the kept cancel dropped and the message-id
	 * remembered in history, so no cancel stored in the same or an
	 * earlier batch can be missed.
	 */
	const char		 *locks;
	int			(*locks_match)(const char *keys,
				    const char *locks);
	/* NULL, or STORE_MSGID_MAX + 1 octets for the kept cancel's own
	   Message-ID when it refuses this article (for the log) */
	char			 *cancelled_by;
	/* out */
	enum store_status	  status;	/* OK, EXISTS, NOTFOUND (none of
						   its groups exists), INVALID */
	uint32_t		 *numbers;	/* caller array of ngroups: the
						   number in each group, 0 where
						   the group does not exist */
	uint64_t		  queue_id;	/* moderate: its queue entry */
	int			  withdrawn;	/* withdraw: STORE_WITHDRAWN_* */
};

#define STORE_WITHDRAWN_NONE	0	/* target not stored (nor kept) */
#define STORE_WITHDRAWN		1	/* target removed */
#define STORE_WITHDRAWN_PENDING	2	/* cancel kept for the target */
#define STORE_CANCELLED_FIRST	3	/* refused: a kept cancel matched */

/*
 * Store up to any number of articles in one write transaction, so one sync
 * covers the batch.  Each article gets its own status; a duplicate or
 * unwanted article does not fail the others.  Returns STORE_OK once the
 * transaction is durably committed (per the nosync option); any other return
 * means nothing of the batch was stored and every article's status says so.
 * The map is grown and the transaction retried when it is full, up to
 * map_size_max.
 */
enum store_status store_put_batch(struct store *st, struct store_article *arts,
    size_t n);

/* STORE_EXISTS if msgid is in history (stored now or before), else
   STORE_NOTFOUND.  *arrival gets when it was seen, if not NULL. */
enum store_status store_history_lookup(struct store *st, const char *msgid,
    int64_t *arrival);

/* Remember a refused message-id so later offers are refused fast. */
enum store_status store_history_add(struct store *st, const char *msgid,
    int64_t when);

/* ---- Withdrawing articles (cancel, Supersedes) --------------------- */

/*
 * Withdraw a stored article at once (loomctl cancel): what a cancel's
 * withdraw does, in a transaction of its own.  STORE_NOTFOUND if it is
 * not stored.
 */
enum store_status store_article_withdraw(struct store *st, const char *msgid);

/*
 * Cancels kept for an article that had not arrived (store_put_batch's
 * withdraw_keys), until the history purge drops them (history_days).
 * get: the c-key elements into keys (keylen octets, cut if longer) and
 * the cancel's own message-id into cancel (STORE_MSGID_MAX + 1 octets,
 * or NULL); STORE_NOTFOUND if none waits.  The target, when it comes,
 * meets it in store_put_batch (store_article.locks).
 */
#define STORE_CANCEL_KEYS_MAX	1024
enum store_status store_cancel_pending_get(struct store *st,
    const char *msgid, char *keys, size_t keylen, char *cancel);

/* ---- Moderation queue ---------------------------------------------- */

/*
 * Articles posted to a moderated group wait here, whole (one entry for a
 * cross-post), until a moderator approves or rejects them.  store_put_batch
 * queues an article with `moderate` set (in the batch's transaction, so it
 * is durable before the poster is told), refusing (STORE_EXISTS) a
 * Message-ID in history or queued already.  Storing an article normally
 * removes its queue entry in the same transaction, so an approved article
 * leaves the queue exactly when it enters its groups.
 */
struct store_modq_entry {
	uint64_t	 id;		/* stable, never reused */
	char		 state;		/* 'q' waiting, 'a' approved */
	int64_t		 queued;	/* when it was queued */
	const char	*msgid;
	const char	*groups;	/* "a,b,c" as the groups it was posted to */
	const char	*submitter;	/* "" if anonymous */
	const char	*approver;	/* "" until approved */
	const char	*wire;		/* the article as it would be stored */
	size_t		 wire_len;
};

typedef int (*store_modq_cb)(const struct store_modq_entry *e, void *arg);

/* Every entry, oldest first. */
enum store_status store_modq_foreach(struct store *st, store_modq_cb cb,
    void *arg);
enum store_status store_modq_get(struct store *st, uint64_t id,
    store_modq_cb cb, void *arg);
/* STORE_OK and *id if msgid is queued, else STORE_NOTFOUND. */
enum store_status store_modq_lookup(struct store *st, const char *msgid,
    uint64_t *id);
/* Mark an entry approved by `approver` (the running server stores it). */
enum store_status store_modq_approve(struct store *st, uint64_t id,
    const char *approver);
/* Remove an entry (rejected, or stored). */
enum store_status store_modq_remove(struct store *st, uint64_t id);

/* ---- Reading articles ------------------------------------------------ */

struct store_article_info {
	const char	*msgid;
	int64_t		 arrival;
	uint32_t	 bytes;		/* :bytes */
	uint32_t	 lines;		/* :lines */
	size_t		 header_len;	/* offset of the empty line in wire */
	const char	*parent;	/* "" if none */
	const char	*root;		/* the article itself if it is a root */
	const char	*xref;		/* "group:number group:number" */
	const char	*overview;	/* full overview tail: "Subject\t...\t
					   :bytes\t:lines\tXref: host g:n" */
	size_t		 overview_len;
};

typedef int (*store_article_cb)(const char *wire, size_t len,
    const struct store_article_info *info, void *arg);

/* Call cb once with the stored article (with its Xref header). */
enum store_status store_article_get(struct store *st, const char *msgid,
    store_article_cb cb, void *arg);

/* Message-ID of (group, number); msgid needs STORE_MSGID_MAX + 1 octets. */
enum store_status store_number_lookup(struct store *st, uint32_t group_id,
    uint32_t number, char *msgid);

/* The nearest present number after (dir > 0) or before (dir < 0) `from`. */
enum store_status store_number_step(struct store *st, uint32_t group_id,
    uint32_t from, int dir, uint32_t *number, char *msgid);

/* One entry of a group's overview; the pointers are valid only during
   the callback. */
struct store_over_entry {
	uint32_t	 number;
	const char	*msgid;		/* NUL-terminated */
	/* the full tail after the number (see store_article_info), NOT
	   NUL-terminated: use overview_len */
	const char	*overview;
	size_t		 overview_len;
	/* OVER's line after the number as it goes on the wire: TAB, the
	   tail, CRLF (no CR or LF inside; it starts with TAB, so it needs
	   no dot-stuffing after a number) */
	const char	*line;
	size_t		 line_len;
};

typedef int (*store_over_cb)(const struct store_over_entry *e, void *arg);

/*
 * Visit the group's articles with lo <= number <= hi in ascending order, at
 * most `max` of them (0: no limit), in one short read transaction.  *next
 * is set to the next present number to resume from (also when cb stopped
 * the walk), or 0 when the range is exhausted.  The server
 * calls this repeatedly to stream a large OVER without holding it whole.
 * The line is stored as OVER sends it, so OVER copies it out of the map.
 */
enum store_status store_over_range(struct store *st, uint32_t group_id,
    uint32_t lo, uint32_t hi, size_t max, store_over_cb cb, void *arg,
    uint32_t *next);

/* ---- Arrivals (NEWNEWS) ---------------------------------------------- */

typedef int (*store_arrival_cb)(const char *msgid, int64_t arrival,
    const char *xref, void *arg);

/*
 * Articles that arrived at or after `since`, oldest first, at most `max`
 * per call.  *cursor is opaque: 0 to start; set to where to resume, 0 when
 * done.  `xref` lists "group:number ..." so the caller can apply a wildmat.
 */
enum store_status store_arrivals(struct store *st, int64_t since, size_t max,
    store_arrival_cb cb, void *arg, uint64_t *cursor);

/* ---- Reply links and threads ----------------------------------------- */

/*
 * Links come from References (parent = last entry, root = first).  A
 * referenced article that has not arrived is a placeholder node, linked
 * where its descendants' References put it, so the tree has its shape
 * before every article is present and heals when the missing ones arrive:
 * any arrival order gives the same tree.  An article's own References
 * decide its parent over what its descendants implied.  Cycles and absurd
 * depths are cut, never followed without bound.
 */
typedef int (*store_msgid_cb)(const char *msgid, void *arg);

/*
 * Children of msgid in thread order (placeholders included): ordered by
 * their posting time (the Date; the arrival time if it had none that
 * parsed), a placeholder by the posting time of the earliest article
 * referring to it, ties by message-id, so that the order does not depend
 * on which article the store happened to get first (docs/threads.md).
 * NOTFOUND if msgid is not a node (neither stored, nor linked, nor
 * referenced).
 */
enum store_status store_children(struct store *st, const char *msgid,
    store_msgid_cb cb, void *arg);

/*
 * The article that superseded msgid (following Supersedes of
 * Supersedes to the last), into by (STORE_MSGID_MAX + 1 octets, or
 * NULL); STORE_NOTFOUND if msgid was not superseded (or its history,
 * and with it the forward, was purged).
 */
enum store_status store_superseded_by(struct store *st, const char *msgid,
    char *by);

/* Parent and root of msgid as linked now (each STORE_MSGID_MAX + 1 octets;
   parent "" for a root; root is the top of its tree, msgid itself for a
   root). */
enum store_status store_parent(struct store *st, const char *msgid,
    char *parent, char *root);

struct store_thread_node {
	unsigned	 depth;		/* root is 0 */
	const char	*msgid;
	int		 present;	/* 0: placeholder (not arrived/expired) */
	const struct store_article_info *info;	/* NULL for placeholders */
};

typedef int (*store_thread_cb)(const struct store_thread_node *node,
    void *arg);

/*
 * Walk the whole thread containing msgid: its root first, then depth-first,
 * siblings in thread order (as store_children).  At most max_nodes nodes
 * are visited (0: no limit), and no deeper than 10000 levels; *truncated
 * (if not NULL) is set when the thread had more.  Iterative: no recursion,
 * each node visited once.  NOTFOUND if msgid is not a node.
 */
enum store_status store_thread_walk(struct store *st, const char *msgid,
    size_t max_nodes, store_thread_cb cb, void *arg, int *truncated);

/*
 * The same walk in pieces, each its own short read transaction, for
 * replies that are streamed (XTREE).  The cursor holds copies of the path
 * from the root to the last node visited, nothing that points into the
 * map, so its memory follows the thread's depth, not its size.  Zero it
 * before the first call; release it with store_thread_walk_end().
 */
struct store_walk_level;
struct store_walk_cursor {
	int			 started;
	int			 done;		/* set when the walk is complete */
	struct store_walk_level	*path;		/* [0] the root */
	size_t			 n, cap;	/* levels in path, allocated */
};

/*
 * Visit the next nodes of the walk store_thread_walk makes from msgid, at
 * most max_nodes of them (0: no limit), stopping after a node whose
 * callback returns non-zero.  Sets cursor->done once the thread has no
 * more.  Cycles in damaged links end at the node that would repeat an
 * ancestor.  The thread may change between calls: each call continues
 * after the last node visited, in the thread as it is now.  NOTFOUND (on
 * the first call) if msgid is not a node.
 */
enum store_status store_thread_walk_next(struct store *st, const char *msgid,
    struct store_walk_cursor *cursor, size_t max_nodes, store_thread_cb cb,
    void *arg);
void	store_thread_walk_end(struct store_walk_cursor *cursor);

/* ---- Thread summaries (XROOTS) --------------------------------------- */

/*
 * A thread is identified by its root: the first References entry of its
 * articles (or the article itself when it has no References), a property of
 * each article, so summaries do not depend on arrival order.  Summaries are
 * kept up to date in the write transaction that stores (or expires) the
 * articles.  `last` is the latest arrival in the thread; it does not go
 * back when articles expire.  Strings point into the map (valid during the
 * callback); subject, from and date are the root's overview fields, "" until
 * the root has arrived, and kept when the root expires.
 */
struct store_thread_summary {
	const char	*root;
	uint32_t	 articles;	/* present articles, root included */
	uint32_t	 replies;	/* present articles other than the root */
	int64_t		 last;		/* latest arrival in the whole thread */
	int64_t		 group_last;	/* latest arrival in the group walked
					   (store_thread_roots), else 0 */
	int		 root_present;
	const char	*subject;
	const char	*from;
	const char	*date;
};

typedef int (*store_summary_cb)(const struct store_thread_summary *ts,
    void *arg);

/* Summary of the thread rooted at msgid, or of the thread holding the
   article msgid; NOTFOUND if neither is known. */
enum store_status store_thread_summary(struct store *st, const char *msgid,
    store_summary_cb cb, void *arg);

/* Where store_thread_roots resumes; zero it to start.  Opaque. */
struct store_thread_cursor {
	int		 started;
	int		 done;		/* set when the walk is complete */
	uint64_t	 key_time;
	uint64_t	 key_seq;
	int		 key_old;
	char		 root[STORE_MSGID_MAX + 1];
};

/*
 * The threads with articles in group_id, most recently active (in that
 * group) first, at most max per call (0: no limit), one cursor walk of a
 * per-group index.  Activity is the latest arrival in the group; arrivals
 * within the same second are ordered as the store took them (the latest
 * first), never by message-id.  Call again with the same cursor until
 * cursor->done.
 */
enum store_status store_thread_roots(struct store *st, uint32_t group_id,
    size_t max, store_summary_cb cb, void *arg,
    struct store_thread_cursor *cursor);

/* ---- Outgoing feed queues -------------------------------------------- */

typedef int (*store_feed_cb)(uint64_t seq, const char *msgid, void *arg);

/* Queue msgid for peer (also done by store_put_batch via `feeds`). */
enum store_status store_feed_add(struct store *st, const char *peer,
    const char *msgid);

/* Entries of peer's queue with seq > after, oldest first, at most max. */
enum store_status store_feed_peek(struct store *st, const char *peer,
    uint64_t after, size_t max, store_feed_cb cb, void *arg);

/* Remove entries (a final answer came back for them). */
enum store_status store_feed_remove(struct store *st, const char *peer,
    const uint64_t *seqs, size_t n);

enum store_status store_feed_count(struct store *st, const char *peer,
    uint64_t *count);

/*
 * A short text describing the peer's feed as loomd last saw it (state,
 * counters, last error), so another process (loomctl peers) can show it.
 * At most STORE_FEED_STATUS_MAX octets; NOTFOUND if none was ever put.
 */
#define STORE_FEED_STATUS_MAX	512
enum store_status store_feed_status_put(struct store *st, const char *peer,
    const char *text);
enum store_status store_feed_status_get(struct store *st, const char *peer,
    char *text, size_t textlen);

/*
 * The last article number pulled from a peer's group (loomctl pull), so a
 * later pull resumes after it.  get: 0 and NOTFOUND when never pulled.
 */
enum store_status store_pull_mark_put(struct store *st, const char *peer,
    const char *group, uint32_t number);
enum store_status store_pull_mark_get(struct store *st, const char *peer,
    const char *group, uint32_t *number);

/* ---- Users ----------------------------------------------------------- */

struct store_user {
	char		 name[STORE_USER_MAX + 1];
	char		 hash[STORE_HASH_MAX + 1];	/* opaque to the store */
	uint32_t	 flags;
	int64_t		 created;
};

/*
 * Write a user.  STORE_USER_CREATE refuses an existing name (STORE_EXISTS),
 * STORE_USER_REPLACE a missing one (STORE_NOTFOUND), in the same write
 * transaction as the write: two loomctl runs cannot both create a user,
 * nor can a password change bring back a user just deleted.
 */
enum store_user_mode {
	STORE_USER_CREATE,
	STORE_USER_REPLACE
};

enum store_status store_user_put(struct store *st, const struct store_user *u,
    enum store_user_mode mode);
enum store_status store_user_get(struct store *st, const char *name,
    struct store_user *out);
enum store_status store_user_del(struct store *st, const char *name);

typedef int (*store_user_cb)(const struct store_user *u, void *arg);
enum store_status store_user_foreach(struct store *st, store_user_cb cb,
    void *arg);

/* ---- Server secret ---------------------------------------------------- */

#define STORE_SECRET_LEN	32

/*
 * The server's secret (meta "secret"): random octets made on first use,
 * the key of anonymous posters' tokens (policy/anon.h).  With create, a
 * store without one gets one (a write); without, STORE_NOTFOUND.
 */
enum store_status store_secret_get(struct store *st, int create,
    uint8_t out[STORE_SECRET_LEN]);

/* ---- Expiry and statistics ------------------------------------------- */

struct store_expire_stats {
	uint64_t	 numbers_removed;	/* (group, number) entries */
	uint64_t	 articles_removed;	/* bodies no longer in any group */
	uint64_t	 history_purged;
};

/*
 * Remove the group's articles that arrived before `cutoff`: their overview
 * and number entries, and the article itself once it is in no group.
 * History stays, so the articles are still refused as duplicates.  Works in
 * bounded transactions so readers and the writer are never held up long.
 */
enum store_status store_expire_group(struct store *st, const char *group,
    int64_t cutoff, struct store_expire_stats *stats);

/*
 * The same, and beyond the group's max_articles newest entries (0: no
 * limit) whatever their age.  dry_run: count what would go (stats) and
 * change nothing; each chunk's transaction is aborted.
 */
enum store_status store_expire_group_rule(struct store *st,
    const char *group, int64_t cutoff, uint64_t max_articles, int dry_run,
    struct store_expire_stats *stats);

/* Drop history entries older than cutoff whose article is gone (cutoff <= 0:
   now less the history_days option). */
enum store_status store_history_purge(struct store *st, int64_t cutoff,
    struct store_expire_stats *stats);
/* The same; dry_run counts what would go and removes nothing. */
enum store_status store_history_purge_rule(struct store *st, int64_t cutoff,
    int dry_run, struct store_expire_stats *stats);

struct store_stats {
	uint64_t	 map_size;	/* current map size */
	uint64_t	 used;		/* bytes in use */
	uint64_t	 articles;
	uint64_t	 history;
	uint64_t	 groups;
	/* groups ever created (ids handed out): 0 only on a store that
	   never had one, however many were removed since */
	uint64_t	 groups_ever;
};

enum store_status store_stats_get(struct store *st, struct store_stats *out);

/*
 * What the write transactions cost on disk, counted since the store was
 * opened, when io_stats is on (all zero otherwise).  LMDB's commit writes
 * every dirty page whole with pwrite/pwritev from the committing thread,
 * then only the changed part of a meta page, so the thread's write(2)
 * octet count (wchar of /proc/thread-self/io) across mdb_txn_commit,
 * divided by the page size, is the number of pages that commit dirtied;
 * the meta page is one more scattered write per commit.
 */
struct store_io_stats {
	uint64_t	 commits;	/* write transactions committed */
	uint64_t	 batches;	/* of them, store_put_batch with an
					   article stored */
	uint64_t	 articles;	/* articles stored */
	uint64_t	 pages;		/* data pages written, all commits */
	uint64_t	 batch_pages;	/* of them, by the batches */
	uint64_t	 bytes;		/* octets written, all commits */
	uint32_t	 page_size;
};

void	store_io_stats_get(struct store *st, struct store_io_stats *out);

/* Per named database: entries and pages by kind (storage analysis). */
typedef void (*store_db_stat_cb)(const char *name, uint64_t entries,
    unsigned depth, uint64_t branch, uint64_t leaf, uint64_t overflow,
    void *arg);
enum store_status store_db_stats(struct store *st, store_db_stat_cb cb,
    void *arg);

/*
 * Copy the store, compacted and consistent, into the existing empty
 * directory `dir` while it stays in use (readers and writers go on).
 */
enum store_status store_backup(struct store *st, const char *dir);

/* ---- Test and maintenance hooks -------------------------------------- */

/* Overwrite the format version recorded in the store (tests of the
   version check).  The store refuses to open afterwards if it differs. */
enum store_status store_debug_set_version(struct store *st, uint32_t version);

/* Write the history entry a format version 1 store kept for every
   stored article (tests of opening and converting such stores). */
enum store_status store_debug_history_v1(struct store *st, const char *msgid,
    int64_t arrival);

/* Move the store's sequence to where a format version 1 store keeps it
   (meta "seq"), as such a store has it (tests of reading it there). */
enum store_status store_debug_seq_v1(struct store *st);

/* Move a thread's per-group entry to where format version 1 kept it (the
   tgroups tree), as such a store has it (tests of converting it). */
enum store_status store_debug_tgroups_legacy(struct store *st,
    uint32_t group_id, const char *root);

/* Set a group's high-water mark (tests of the 2^31-1 number limit).
   STORE_INVALID if high is below the current one. */
enum store_status store_debug_group_set_high(struct store *st,
    const char *name, uint32_t high);

/* Put a thread's entry in group_id's thread index back into the layout
   stores had before it kept the arrival sequence (tests of reading and
   converting old stores). */
enum store_status store_debug_thread_index_old(struct store *st,
    uint32_t group_id, const char *root);

/* Delete the moderation queue database, as version 2 stores made before
   it lack it (tests of opening them).  Close the store afterwards. */
enum store_status store_debug_drop_modq(struct store *st);

#endif /* LOOM_STORE_H */
