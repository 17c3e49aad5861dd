/*
 * Articles: storing a batch (group commit), number assignment, Xref and
 * overview, reading by message-id and by (group, number), OVER ranges.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define ARTICLE_WIRE_MAX	((size_t)1 << 30)
#define ARTNUM_MAX		UINT32_C(2147483647)	/* 2^31 - 1 */

void
article_info_fill(const struct rec_article *r, struct store_article_info *info)
{
	memset(info, 0, sizeof(*info));
	info->msgid = r->msgid;
	info->arrival = r->arrival;
	info->bytes = r->bytes;
	info->lines = r->lines;
	info->header_len = r->header_len;
	info->parent = r->parent;
	info->root = r->root;
	info->xref = r->xref;
	info->overview = r->overview;
	info->overview_len = r->overview_len;
}

static void
arrival_key(uint8_t *buf, int64_t arrival, uint64_t seq)
{
	rec_put_u64(buf, rec_time_key(arrival));
	rec_put_u64(buf + 8, seq);
}

int
article_delete(struct store *st, MDB_txn *txn, const char *msgid, size_t len,
    int *deleted)
{
	struct rec_article	r;
	MDB_val			val;
	char			root[STORE_MSGID_MAX + 1];
	uint8_t			akey[16], hist[REC_HIST_SIZE];
	size_t			root_len;
	int			rc;

	*deleted = 0;
	rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, len, &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1 ||
	    r.root_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	/* Copy out: the record's pages change under the writes below. */
	memcpy(root, r.root, r.root_len + 1);
	root_len = r.root_len;
	arrival_key(akey, r.arrival, r.seq);
	/* The record was the history of a stored article; history proper
	   remembers it from now on (a store of format version 1 has the
	   entry already: rewritten alike). */
	rec_hist_encode(hist, REC_HIST_STORED, r.arrival);
	if ((rc = store_db_put(txn, st->dbi[DB_HISTORY], msgid, len, hist,
	    sizeof(hist), 0)) != 0)
		return (rc);
	if ((rc = store_db_del(txn, st->dbi[DB_ARTICLES], msgid, len, NULL,
	    0)) != 0)
		return (rc);
	rc = store_db_del(txn, st->dbi[DB_ARRIVALS], akey, sizeof(akey), NULL,
	    0);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	if ((rc = thread_article_gone(st, txn, msgid, len, root,
	    root_len)) != 0)
		return (rc);
	*deleted = 1;
	return (0);
}

/* ---- Storing --------------------------------------------------------- */

/* Usable as a key here: 1 to STORE_MSGID_MAX octets, no white space or
   line end (not proto/'s msgid_valid, an RFC 5536 syntax check). */
static int
msgid_key_valid(const char *msgid, size_t *len)
{
	if (msgid == NULL)
		return (0);
	*len = strlen(msgid);
	return (*len > 0 && *len <= STORE_MSGID_MAX &&
	    strpbrk(msgid, " \t\r\n") == NULL);
}

static enum store_status
article_check(const struct store_article *a)
{
	size_t	len, i;

	if (!msgid_key_valid(a->msgid, &len))
		return (STORE_INVALID);
	if ((a->wire == NULL && a->wire_len > 0) ||
	    a->wire_len > ARTICLE_WIRE_MAX || a->header_len > a->wire_len ||
	    a->stuffed_dots > a->wire_len)
		return (STORE_INVALID);
	if (a->overview == NULL || strpbrk(a->overview, "\r\n") != NULL)
		return (STORE_INVALID);
	if (a->ngroups == 0 || a->groups == NULL)
		return (STORE_NOTFOUND);
	for (i = 0; i < a->ngroups; i++)
		if (a->groups[i] == NULL)
			return (STORE_INVALID);
	if (a->nfeeds > 0 && a->feeds == NULL)
		return (STORE_INVALID);
	for (i = 0; i < a->nfeeds; i++)
		if (a->feeds[i] == NULL || a->feeds[i][0] == '\0' ||
		    strlen(a->feeds[i]) > STORE_PEER_MAX)
			return (STORE_INVALID);
	if (a->nreferences > 0 && a->references == NULL)
		return (STORE_INVALID);
	if (a->parent != NULL && strlen(a->parent) > STORE_MSGID_MAX)
		return (STORE_INVALID);
	return (STORE_OK);
}

/* One article on its way into the batch's transaction: what the steps of
   article_put_one share. */
struct put {
	struct store_article	*a;
	size_t			 mlen;
	uint32_t		*nums;		/* per group: its number, 0 */
	uint32_t		*gids;		/* per group: its id */
	const char		*parent;	/* NULL: a root */
	const char		*root;		/* the article itself if a root */
	uint64_t		 seq;
	uint64_t		 bytes;		/* :bytes */
	char			*xref;		/* "group:number ..." */
	size_t			 xlen;
	char			*xline;		/* "Xref: host xref\r\n" */
	size_t			 xllen;
	char			*over;		/* the overview tail */
	size_t			 olen;
	int			 head;		/* supersedes its thread's
						   first article */
	char			 place_parent[STORE_MSGID_MAX + 1];
	char			 place_root[STORE_MSGID_MAX + 1];
};

/*
 * The article's parent and root, as every index takes them: the given
 * parent (else the last reference) unless empty, too long or itself; the
 * given root (else the first reference, else the parent), the article
 * itself when there is none usable.
 */
static void
put_links(struct put *p)
{
	const struct store_article	*a = p->a;
	const char			*parent, *root;
	size_t				 len;

	parent = a->parent;
	if (parent == NULL && a->nreferences > 0)
		parent = a->references[a->nreferences - 1];
	if (parent != NULL && (!store_id_usable(parent, &len) ||
	    strcmp(parent, a->msgid) == 0))
		parent = NULL;
	root = a->root;
	if (root == NULL)
		root = a->nreferences > 0 ? a->references[0] : parent;
	if (!store_id_usable(root, &len))
		root = a->msgid;
	p->parent = parent;
	p->root = root;
}

/*
 * Is the number requested for group i (want_numbers) usable: 1 to 2^31 - 1
 * and held by no article of the group?  1 yes, 0 no, -(LMDB code).
 */
static int
put_want_free(struct store *st, MDB_txn *txn, const struct store_article *a,
    size_t i, uint32_t gid)
{
	MDB_val		val;
	uint8_t		nkey[REC_NUMKEY_SIZE];
	uint32_t	want;
	int		rc;

	if (a->want_numbers == NULL || (want = a->want_numbers[i]) == 0 ||
	    want > ARTNUM_MAX)
		return (0);
	rec_numkey_encode(nkey, gid, want);
	rc = store_db_get(txn, st->dbi[DB_NUMBERS], nkey, sizeof(nkey), &val);
	if (rc == MDB_NOTFOUND)
		return (1);
	return (rc == 0 ? 0 : -rc);
}

/*
 * A Supersedes takes the place of the article it replaces, whatever its
 * own References say: the same parent and thread, and the thread's root
 * when that is what it replaces (docs/storage.md).  So the thread's
 * summary and per-group counts stay under one key, and the replies that
 * move under it cannot be its ancestors.
 */
static int
put_place(struct store *st, MDB_txn *txn, struct put *p)
{
	const struct store_article	*a = p->a;
	size_t				 tlen;
	int				 rc;

	if (a->withdraw == NULL || !a->withdraw_supersede ||
	    !store_id_usable(a->withdraw, &tlen) ||
	    strcmp(a->withdraw, a->msgid) == 0)
		return (0);
	rc = thread_place(st, txn, a->withdraw, tlen, p->place_parent,
	    p->place_root, &p->head);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	p->parent = p->place_parent[0] != '\0' &&
	    strcmp(p->place_parent, a->msgid) != 0 ? p->place_parent : NULL;
	if (p->place_root[0] != '\0')
		p->root = p->place_root;
	return (0);
}

/*
 * Give the article the next number in each of its groups that exists and
 * has numbers left (a group named twice gets one number), loading each
 * group record once, and write the Xref text.  *numbered counts the
 * groups that took a number, *exhausted those out of numbers.
 */
static int
put_number(struct store *st, MDB_txn *txn, struct put *p, size_t *numbered,
    size_t *exhausted)
{
	struct store_article	*a = p->a;
	struct rec_group	 g;
	size_t			 i, j, cap, glen;
	int			 rc, n;

	*numbered = *exhausted = 0;
	cap = 1;
	for (i = 0; i < a->ngroups; i++)
		cap += strlen(a->groups[i]) + 12;
	if ((p->xref = malloc(cap)) == NULL)
		return (ENOMEM);
	p->xref[0] = '\0';
	for (i = 0; i < a->ngroups; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(a->groups[j], a->groups[i]) == 0)
				break;
		if (j < i) {
			p->nums[i] = p->nums[j];
			p->gids[i] = p->gids[j];
			continue;
		}
		if ((glen = strlen(a->groups[i])) == 0)
			continue;
		rc = store_group_load(st, txn, a->groups[i], glen, &g);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return (rc);
		if (g.high >= ARTNUM_MAX) {
			(*exhausted)++;
			continue;
		}
		(*numbered)++;
		p->gids[i] = g.id;
		if ((rc = put_want_free(st, txn, a, i, g.id)) < 0)
			return (-rc);
		if (rc > 0) {
			p->nums[i] = a->want_numbers[i];
			if (p->nums[i] > g.high)
				g.high = p->nums[i];
		} else
			p->nums[i] = ++g.high;
		if (g.count++ == 0 || p->nums[i] < g.low)
			g.low = p->nums[i];
		if ((rc = store_group_save(st, txn, a->groups[i], glen,
		    &g)) != 0)
			return (rc);
		n = snprintf(p->xref + p->xlen, cap - p->xlen, "%s%s:%" PRIu32,
		    p->xlen > 0 ? " " : "", a->groups[i], p->nums[i]);
		p->xlen += (size_t)n;
	}
	return (0);
}

/* The Xref header line, :bytes and the overview tail. */
static int
put_overview(struct store *st, struct put *p)
{
	struct store_article	*a = p->a;
	size_t			 cap;

	cap = strlen(st->xref_host) + p->xlen + 16;
	if ((p->xline = malloc(cap)) == NULL)
		return (ENOMEM);
	p->xllen = (size_t)snprintf(p->xline, cap, "Xref: %s %s\r\n",
	    st->xref_host, p->xref);
	p->bytes = (uint64_t)a->wire_len + p->xllen - a->stuffed_dots;
	cap = strlen(a->overview) + p->xllen + 48;
	if ((p->over = malloc(cap)) == NULL)
		return (ENOMEM);
	p->olen = (size_t)snprintf(p->over, cap, "%s\t%" PRIu64 "\t%" PRIu32
	    "\t%.*s", a->overview, p->bytes, a->lines, (int)(p->xllen - 2),
	    p->xline);
	return (0);
}

/* The article record, with the Xref line spliced in, written straight
   into the map.  STORE_INVALID in a->status if it cannot be encoded. */
static int
put_record(struct store *st, MDB_txn *txn, struct put *p)
{
	struct store_article	*a = p->a;
	struct rec_article	 r;
	struct rec_iov		 iov[3];
	MDB_val			 key, val;
	size_t			 size;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.arrival = a->arrival;
	r.seq = p->seq;
	r.bytes = p->bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)p->bytes;
	r.lines = a->lines;
	r.header_len = (uint32_t)(a->header_len + p->xllen);
	r.msgid = a->msgid;
	r.msgid_len = p->mlen;
	r.parent = p->parent != NULL ? p->parent : "";
	r.parent_len = strlen(r.parent);
	r.root = p->root;
	r.root_len = strlen(p->root);
	r.xref = p->xref;
	r.xref_len = p->xlen;
	r.overview = p->over;
	r.overview_len = p->olen;
	iov[0].base = a->wire != NULL ? a->wire : "";
	iov[0].len = a->header_len;
	iov[1].base = p->xline;
	iov[1].len = p->xllen;
	iov[2].base = (const char *)iov[0].base + a->header_len;
	iov[2].len = a->wire_len - a->header_len;
	r.wire = iov;
	r.nwire = 3;
	r.wire_len = a->wire_len + p->xllen;
	if ((size = rec_article_size(&r)) == 0) {
		a->status = STORE_INVALID;
		return (0);
	}
	key.mv_data = (void *)a->msgid;
	key.mv_size = p->mlen;
	val.mv_size = size;
	if ((rc = mdb_put(txn, st->dbi[DB_ARTICLES], &key, &val,
	    MDB_RESERVE)) != 0)
		return (rc);
	rec_article_encode(&r, val.mv_data);
	return (0);
}

/* One overview entry per group, so OVER is one cursor walk, and the
   thread in each group's list. */
static int
put_group_entries(struct store *st, MDB_txn *txn, struct put *p)
{
	struct store_article	*a = p->a;
	struct rec_number	 nr;
	MDB_val			 key, val;
	uint8_t			 nkey[REC_NUMKEY_SIZE];
	size_t			 i, j, size;
	int			 rc;

	memset(&nr, 0, sizeof(nr));
	nr.arrival = a->arrival;
	nr.msgid = a->msgid;
	nr.msgid_len = p->mlen;
	nr.overview = p->over;
	nr.overview_len = p->olen;
	size = rec_number_size(&nr);
	for (i = 0; i < a->ngroups; i++) {
		for (j = 0; j < i; j++)
			if (p->nums[j] == p->nums[i] &&
			    strcmp(a->groups[j], a->groups[i]) == 0)
				break;
		if (p->nums[i] == 0 || j < i)
			continue;
		rec_numkey_encode(nkey, p->gids[i], p->nums[i]);
		key.mv_data = nkey;
		key.mv_size = sizeof(nkey);
		val.mv_size = size;
		if ((rc = mdb_put(txn, st->dbi[DB_NUMBERS], &key, &val,
		    MDB_RESERVE | MDB_NOOVERWRITE)) != 0)
			return (rc == MDB_KEYEXIST ? MDB_CORRUPTED : rc);
		rec_number_encode(&nr, val.mv_data);
		if ((rc = thread_group_add(st, txn, p->gids[i], p->root,
		    strlen(p->root), a->arrival, p->seq)) != 0)
			return (rc);
	}
	return (0);
}

/* Arrivals, feed queues, reply links and the thread summary. */
static int
put_indexes(struct store *st, MDB_txn *txn, struct put *p)
{
	struct store_article	*a = p->a;
	uint8_t			 akey[16];
	size_t			 i;
	int			 rc;

	/* No history entry: the article record is the history of a stored
	   article (store_seen); article_delete writes the entry. */
	arrival_key(akey, a->arrival, p->seq);
	if ((rc = store_db_put(txn, st->dbi[DB_ARRIVALS], akey, sizeof(akey),
	    a->msgid, p->mlen, 0)) != 0)
		return (rc);
	for (i = 0; i < a->nfeeds; i++)
		if ((rc = feed_queue_txn(st, txn, a->feeds[i],
		    strlen(a->feeds[i]), a->msgid, p->mlen)) != 0)
			return (rc);
	if ((rc = thread_link_article(st, txn, a, p->parent)) != 0)
		return (rc);
	return (thread_summary_add(st, txn, p->root, strlen(p->root),
	    a->msgid, a->overview, strlen(a->overview), a->arrival,
	    p->head));
}

/*
 * Store one article inside the batch's transaction.  Returns an LMDB code
 * that fails the whole batch, or 0 with a->status set.
 */
static int
article_put_one(struct store *st, MDB_txn *txn, struct store_article *a)
{
	struct put	p;
	size_t		numbered, exhausted;
	int		rc, refused;

	memset(&p, 0, sizeof(p));
	p.a = a;
	p.mlen = strlen(a->msgid);
	/* A cancel that came first (queued for moderation or not). */
	if ((rc = cancel_first_txn(st, txn, a, p.mlen, &refused)) != 0)
		return (rc);
	if (refused) {
		a->status = STORE_EXISTS;
		a->withdrawn = STORE_CANCELLED_FIRST;
		return (0);
	}
	if (a->moderate)
		return (modq_add_txn(st, txn, a));
	if ((rc = store_seen(st, txn, a->msgid, p.mlen, NULL)) == 0) {
		a->status = STORE_EXISTS;
		return (0);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);
	if ((p.nums = calloc(a->ngroups, sizeof(*p.nums))) == NULL ||
	    (p.gids = calloc(a->ngroups, sizeof(*p.gids))) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	if ((rc = put_number(st, txn, &p, &numbered, &exhausted)) != 0)
		goto out;
	if (numbered == 0) {
		/* Nothing was written: no group took a number. */
		a->status = exhausted ? STORE_FULL : STORE_NOTFOUND;
		if (exhausted)
			store_set_error("article numbers exhausted in every "
			    "group of %s", a->msgid);
		goto out;
	}
	put_links(&p);
	if ((rc = put_place(st, txn, &p)) != 0 ||
	    (rc = put_overview(st, &p)) != 0 ||
	    (rc = store_seq_next(st, txn, &p.seq)) != 0 ||
	    (rc = put_record(st, txn, &p)) != 0 || a->status == STORE_INVALID ||
	    (rc = put_group_entries(st, txn, &p)) != 0 ||
	    (rc = put_indexes(st, txn, &p)) != 0 ||
	    (rc = modq_forget_txn(st, txn, a->msgid, p.mlen)) != 0)
		goto out;
	/* A cancel or Supersedes acts in the transaction that stores it:
	   no crash can leave one without the other. */
	if (a->withdraw != NULL && (rc = cancel_withdraw_txn(st, txn, a)) != 0)
		goto out;
	if (a->numbers != NULL)
		memcpy(a->numbers, p.nums, a->ngroups * sizeof(*p.nums));
	a->status = STORE_OK;
out:
	free(p.nums);
	free(p.gids);
	free(p.xref);
	free(p.xline);
	free(p.over);
	return (rc);
}

struct put_batch_args {
	struct store_article	*arts;
	size_t			 n;
	enum store_status	*pre;	/* statuses before the transaction */
};

static void
put_batch_reset(void *arg)
{
	struct put_batch_args	*b = arg;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		b->arts[i].status = b->pre[i];
		b->arts[i].withdrawn = STORE_WITHDRAWN_NONE;
		if (b->arts[i].numbers != NULL)
			memset(b->arts[i].numbers, 0, b->arts[i].ngroups *
			    sizeof(*b->arts[i].numbers));
	}
}

static int
put_batch_fn(struct store *st, MDB_txn *txn, void *arg)
{
	struct put_batch_args	*b = arg;
	size_t			 i;
	int			 rc;

	for (i = 0; i < b->n; i++) {
		if (b->arts[i].status != STORE_OK)
			continue;
		if ((rc = article_put_one(st, txn, &b->arts[i])) != 0)
			return (rc);
	}
	return (0);
}

enum store_status
store_put_batch(struct store *st, struct store_article *arts, size_t n)
{
	struct put_batch_args	 b;
	enum store_status	 ret;
	size_t			 i, stored;

	if (n == 0)
		return (STORE_OK);
	if (arts == NULL)
		return (STORE_INVALID);
	if ((b.pre = calloc(n, sizeof(*b.pre))) == NULL) {
		store_set_error("put batch: out of memory");
		return (STORE_ERROR);
	}
	b.arts = arts;
	b.n = n;
	for (i = 0; i < n; i++)
		b.pre[i] = article_check(&arts[i]);
	put_batch_reset(&b);
	ret = store_write(st, put_batch_fn, &b, put_batch_reset);
	if (ret == STORE_OK) {
		for (i = 0, stored = 0; i < n; i++)
			if (arts[i].status == STORE_OK)
				stored++;
		store_io_batch(st, stored);
	} else {
		/* Nothing of the batch was stored: say so for each. */
		put_batch_reset(&b);
		for (i = 0; i < n; i++)
			if (arts[i].status == STORE_OK)
				arts[i].status = ret;
	}
	free(b.pre);
	return (ret);
}

/* ---- Reading --------------------------------------------------------- */

enum store_status
store_article_get(struct store *st, const char *msgid, store_article_cb cb,
    void *arg)
{
	struct rec_article		r;
	struct store_article_info	info;
	MDB_txn				*txn;
	MDB_val				val;
	enum store_status		ret;
	size_t				len;
	int				rc;

	if (!msgid_key_valid(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = store_db_get(txn, st->dbi[DB_ARTICLES], msgid, len, &val);
	if (rc == 0) {
		if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1) {
			store_set_error("article %s: damaged record", msgid);
			store_read_end(st, txn);
			return (STORE_CORRUPT);
		}
		article_info_fill(&r, &info);
		if (cb != NULL)
			cb(r.wire_data, r.wire_len, &info, arg);
	}
	store_read_end(st, txn);
	return (store_mdb_status(rc, "article get"));
}

static int
number_copy_msgid(const MDB_val *val, char *msgid)
{
	struct rec_number	nr;

	if (rec_number_decode(val->mv_data, val->mv_size, &nr) == -1 ||
	    nr.msgid_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	if (msgid != NULL)
		memcpy(msgid, nr.msgid, nr.msgid_len + 1);
	return (0);
}

enum store_status
store_number_lookup(struct store *st, uint32_t group_id, uint32_t number,
    char *msgid)
{
	MDB_txn			*txn;
	MDB_val			 val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	enum store_status	 ret;
	int			 rc;

	if (number == 0)
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rec_numkey_encode(kbuf, group_id, number);
	rc = store_db_get(txn, st->dbi[DB_NUMBERS], kbuf, sizeof(kbuf), &val);
	if (rc == 0)
		rc = number_copy_msgid(&val, msgid);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "number lookup"));
}

enum store_status
store_number_step(struct store *st, uint32_t group_id, uint32_t from,
    int dir, uint32_t *number, char *msgid)
{
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	uint32_t		 gid, num;
	enum store_status	 ret;
	int			 rc;

	if (dir == 0 || (dir > 0 && from == UINT32_MAX) ||
	    (dir < 0 && from == 0))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NUMBERS], &c)) != 0) {
		store_read_end(st, txn);
		return (store_mdb_status(rc, "number step"));
	}
	rec_numkey_encode(kbuf, group_id, dir > 0 ? from + 1 : from);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	if (dir < 0) {
		/* The entry before the first one at or after `from`. */
		if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(c, &key, &val, MDB_LAST);
		else if (rc == 0)
			rc = mdb_cursor_get(c, &key, &val, MDB_PREV);
	}
	if (rc == 0) {
		if (key.mv_size != REC_NUMKEY_SIZE)
			rc = MDB_CORRUPTED;
		else {
			rec_numkey_decode(key.mv_data, &gid, &num);
			if (gid != group_id || (dir > 0 && num <= from) ||
			    (dir < 0 && num >= from))
				rc = MDB_NOTFOUND;
			else {
				*number = num;
				rc = number_copy_msgid(&val, msgid);
			}
		}
	}
	mdb_cursor_close(c);
	store_read_end(st, txn);
	return (store_mdb_status(rc, "number step"));
}

/*
 * The line of a format 1 entry (stores written before lines were kept):
 * TAB, tail, CRLF, built in *buf, grown as needed.  -1: out of memory.
 */
static int
over_old_line(const struct rec_number *nr, char **buf, size_t *cap,
    struct store_over_entry *e)
{
	size_t	 need = nr->overview_len + 3;
	char	*p;

	if (need > *cap) {
		if ((p = realloc(*buf, need)) == NULL)
			return (-1);
		*buf = p;
		*cap = need;
	}
	(*buf)[0] = '\t';
	memcpy(*buf + 1, nr->overview, nr->overview_len);
	memcpy(*buf + 1 + nr->overview_len, "\r\n", 2);
	e->line = *buf;
	e->line_len = need;
	return (0);
}

enum store_status
store_over_range(struct store *st, uint32_t group_id, uint32_t lo,
    uint32_t hi, size_t max, store_over_cb cb, void *arg, uint32_t *next)
{
	struct rec_number	 nr;
	struct store_over_entry	 e;
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	uint8_t			 kbuf[REC_NUMKEY_SIZE];
	uint32_t		 gid, num;
	enum store_status	 ret;
	char			*old = NULL;
	size_t			 seen = 0, oldcap = 0;
	int			 rc, stop = 0;

	if (next != NULL)
		*next = 0;
	if (lo == 0)
		lo = 1;
	if (lo > hi)
		return (STORE_OK);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NUMBERS], &c)) != 0) {
		store_read_end(st, txn);
		return (store_mdb_status(rc, "over range"));
	}
	rec_numkey_encode(kbuf, group_id, lo);
	key.mv_data = kbuf;
	key.mv_size = sizeof(kbuf);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size != REC_NUMKEY_SIZE) {
			rc = MDB_CORRUPTED;
			break;
		}
		rec_numkey_decode(key.mv_data, &gid, &num);
		if (gid != group_id || num > hi)
			break;
		if (stop || (max > 0 && seen >= max)) {
			/* More is left: resume exactly there. */
			if (next != NULL)
				*next = num;
			break;
		}
		if (rec_number_decode(val.mv_data, val.mv_size, &nr) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		seen++;
		if (cb == NULL)
			continue;
		e.number = num;
		e.msgid = nr.msgid;
		e.overview = nr.overview;
		e.overview_len = nr.overview_len;
		e.line = nr.line;
		e.line_len = nr.line_len;
		if (e.line == NULL && over_old_line(&nr, &old, &oldcap,
		    &e) == -1) {
			rc = ENOMEM;
			break;
		}
		if (cb(&e, arg) != 0)
			stop = 1;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(c);
	store_read_end(st, txn);
	free(old);
	if (rc != 0 && next != NULL)
		*next = 0;
	return (store_mdb_status(rc, "over range"));
}
