/*
 * Reply links: the tree of each thread, and walking it.
 *
 * links:   child msgid -> flags, order, source, parent  (one per node)
 * replies: parent msgid -> BE u64 order + child msgid   (DUPSORT)
 *
 * A node is a message-id that has arrived or is referenced.  An article's
 * own References decide its parent (an OWN link, written when it arrives;
 * a root gets an OWN link with an empty parent).  Until then, the links of
 * a referenced-but-absent article (a placeholder) are implied by the
 * References chains of its descendants: "... A B C" in X's References
 * implies C -> B and B -> A.
 *
 * Any arrival order must give the same tree, so nothing in it may depend
 * on which article was stored first:
 *  - siblings are ordered by (order, msgid) where order is the child's own
 *    posting time (its Date; its arrival time if unknown) once it is
 *    present, and for a placeholder that of the earliest article implying
 *    its link;
 *  - when descendants disagree about a placeholder's parent, the
 *    implication from the earliest (order, msgid) article wins;
 *  - an OWN link always replaces an implied one.
 * Arrival order (the store-wide sequence) would break this: a placeholder
 * linked by a late reply would sort differently from the same article
 * linked when it arrives itself.
 *
 * Cycles (A refs B, B refs A) are refused when a link is made: we walk up
 * from the proposed parent, at most STORE_THREAD_DEPTH_MAX steps, and do
 * not link if we meet the child (or go too deep).  An OWN link that would
 * close a cycle through an implied link cuts that implied link instead.
 * Walks are iterative with an explicit stack and a visited set.
 *
 * Thread summaries live in summary_db.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "record.h"

#define LINK_BUF	(14 + 2 * (STORE_MSGID_MAX + 1))
#define REPLY_BUF	(8 + STORE_MSGID_MAX + 1)

static int
link_load(struct store *st, MDB_txn *txn, const char *id, size_t len,
    struct rec_link *out)
{
	MDB_val	val;
	int	rc;

	if ((rc = store_db_get(txn, st->dbi[DB_LINKS], id, len, &val)) != 0)
		return (rc);
	if (rec_link_decode(val.mv_data, val.mv_size, out) == -1 ||
	    out->parent_len > STORE_MSGID_MAX ||
	    out->source_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	return (0);
}

/* Take child out of its parent's replies and drop its link (if any). */
static int
link_remove(struct store *st, MDB_txn *txn, const char *child, size_t clen)
{
	struct rec_link	l;
	uint8_t		vbuf[REPLY_BUF];
	char		parent[STORE_MSGID_MAX + 1];
	size_t		vlen, plen;
	int		rc;

	rc = link_load(st, txn, child, clen, &l);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	plen = l.parent_len;
	memcpy(parent, l.parent, plen);
	vlen = rec_reply_encode(vbuf, l.order, child, clen);
	if (plen > 0) {
		rc = store_db_del(txn, st->dbi[DB_REPLIES], parent, plen, vbuf,
		    vlen);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return (rc);
	}
	return (store_db_del(txn, st->dbi[DB_LINKS], child, clen, NULL, 0));
}

/*
 * Drop the links of nodes that are absent and childless, from id upwards:
 * a placeholder nobody refers to any more, or an expired article whose
 * replies are gone.  Otherwise links would outlive every article.
 */
static int
node_prune(struct store *st, MDB_txn *txn, const char *id, size_t len)
{
	struct rec_link	l;
	MDB_val		val;
	char		cur[STORE_MSGID_MAX + 1], next[STORE_MSGID_MAX + 1];
	size_t		nlen, steps;
	int		rc;

	memcpy(cur, id, len);
	for (steps = 0; steps < STORE_THREAD_DEPTH_MAX; steps++) {
		rc = store_db_get(txn, st->dbi[DB_REPLIES], cur, len, &val);
		if (rc == 0)
			break;		/* still has children */
		if (rc != MDB_NOTFOUND)
			return (rc);
		rc = store_db_get(txn, st->dbi[DB_ARTICLES], cur, len, &val);
		if (rc == 0)
			break;		/* present */
		if (rc != MDB_NOTFOUND)
			return (rc);
		rc = link_load(st, txn, cur, len, &l);
		if (rc == MDB_NOTFOUND)
			break;
		if (rc != 0)
			return (rc);
		/* A superseded article's forward stays (thread_forward). */
		if (l.flags & REC_LINK_FORWARD)
			break;
		nlen = l.parent_len;
		memcpy(next, l.parent, nlen);
		if ((rc = link_remove(st, txn, cur, len)) != 0)
			return (rc);
		if (nlen == 0)
			break;
		memcpy(cur, next, nlen);
		len = nlen;
	}
	return (0);
}

/*
 * Where a link to parent goes: past the forwards of superseded articles
 * (thread_forward) to the article that replaced them, so a late reply
 * to the old one hangs under the new.  *to is parent itself, or buf.
 */
static int
link_forwarded(struct store *st, MDB_txn *txn, const char *parent,
    size_t plen, char *buf, const char **to, size_t *to_len)
{
	struct rec_link	l;
	size_t		steps;
	int		rc;

	*to = parent;
	*to_len = plen;
	for (steps = 0; steps < STORE_FORWARD_MAX; steps++) {
		rc = link_load(st, txn, *to, *to_len, &l);
		if (rc == MDB_NOTFOUND)
			return (0);
		if (rc != 0)
			return (rc);
		if (!(l.flags & REC_LINK_FORWARD) || l.parent_len == 0)
			return (0);
		memcpy(buf, l.parent, l.parent_len);
		buf[l.parent_len] = '\0';
		*to = buf;
		*to_len = l.parent_len;
	}
	return (0);
}

/* Replace child's link by given (whose strings must not point into the
   map), its parent taken past any forward (link_forwarded). */
static int
link_set(struct store *st, MDB_txn *txn, const char *child, size_t clen,
    const struct rec_link *given)
{
	struct rec_link	old, fwd;
	const struct rec_link *nl = given;
	uint8_t		lbuf[LINK_BUF], vbuf[REPLY_BUF];
	char		oldparent[STORE_MSGID_MAX + 1];
	char		to[STORE_MSGID_MAX + 1];
	size_t		vlen, oldlen = 0;
	int		rc;

	if (nl->parent_len > 0) {
		fwd = *nl;
		if ((rc = link_forwarded(st, txn, nl->parent, nl->parent_len,
		    to, &fwd.parent, &fwd.parent_len)) != 0)
			return (rc);
		/* Never under itself (a forward back to the child). */
		if (fwd.parent_len == clen && memcmp(fwd.parent, child,
		    clen) == 0) {
			fwd.parent = "";
			fwd.parent_len = 0;
		}
		nl = &fwd;
	}
	rc = link_load(st, txn, child, clen, &old);
	if (rc == 0) {
		oldlen = old.parent_len;
		memcpy(oldparent, old.parent, oldlen);
	} else if (rc != MDB_NOTFOUND)
		return (rc);
	if ((rc = link_remove(st, txn, child, clen)) != 0)
		return (rc);
	rec_link_encode(nl, lbuf);
	if ((rc = store_db_put(txn, st->dbi[DB_LINKS], child, clen, lbuf,
	    rec_link_size(nl), 0)) != 0)
		return (rc);
	if (nl->parent_len == 0) {
		if (oldlen > 0)
			return (node_prune(st, txn, oldparent, oldlen));
		return (0);
	}
	vlen = rec_reply_encode(vbuf, nl->order, child, clen);
	rc = store_db_put(txn, st->dbi[DB_REPLIES], nl->parent, nl->parent_len,
	    vbuf, vlen, MDB_NODUPDATA);
	if (rc != 0 && rc != MDB_KEYEXIST)
		return (rc);
	/* The old parent may be a placeholder nobody refers to now. */
	if (oldlen > 0 && (oldlen != nl->parent_len ||
	    memcmp(oldparent, nl->parent, oldlen) != 0))
		return (node_prune(st, txn, oldparent, oldlen));
	return (0);
}

/*
 * Would linking child under parent close a cycle?  Walks up from parent.
 * Going deeper than STORE_THREAD_DEPTH_MAX counts as a cycle (the link is
 * refused, keeping every chain walkable).  If implied is not NULL it gets
 * the first node on the way whose link is implied, "" if none.
 */
static int
link_would_cycle(struct store *st, MDB_txn *txn, const char *child,
    size_t clen, const char *parent, size_t plen, int *cycle, char *implied)
{
	struct rec_link	l;
	MDB_val		l_val;
	char		cur[STORE_MSGID_MAX + 1];
	size_t		len, steps;
	int		rc;

	*cycle = 0;
	if (implied != NULL)
		implied[0] = '\0';
	/* A node without children is nobody's ancestor: the usual case. */
	rc = store_db_get(txn, st->dbi[DB_REPLIES], child, clen, &l_val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	memcpy(cur, parent, plen);
	len = plen;
	for (steps = 0;; steps++) {
		if (len == clen && memcmp(cur, child, len) == 0) {
			*cycle = 1;
			return (0);
		}
		if (steps >= STORE_THREAD_DEPTH_MAX) {
			*cycle = 1;
			if (implied != NULL)
				implied[0] = '\0';
			return (0);
		}
		rc = link_load(st, txn, cur, len, &l);
		if (rc == MDB_NOTFOUND)
			return (0);
		if (rc != 0)
			return (rc);
		if (implied != NULL && implied[0] == '\0' &&
		    !(l.flags & REC_LINK_OWN)) {
			memcpy(implied, cur, len);
			implied[len] = '\0';
		}
		if (l.parent_len == 0)
			return (0);
		memcpy(cur, l.parent, l.parent_len);
		len = l.parent_len;
	}
}

/* Make id a root (dropping its implied link) and prune its old parent. */
static int
link_cut(struct store *st, MDB_txn *txn, const char *id, size_t len)
{
	struct rec_link	l;
	char		parent[STORE_MSGID_MAX + 1];
	size_t		plen;
	int		rc;

	if ((rc = link_load(st, txn, id, len, &l)) != 0)
		return (rc == MDB_NOTFOUND ? 0 : rc);
	plen = l.parent_len;
	memcpy(parent, l.parent, plen);
	if ((rc = link_remove(st, txn, id, len)) != 0)
		return (rc);
	return (plen > 0 ? node_prune(st, txn, parent, plen) : 0);
}

static int
link_own(struct store *st, MDB_txn *txn, const char *msgid, size_t mlen,
    const char *parent, size_t plen, uint64_t order)
{
	struct rec_link	nl;
	char		implied[STORE_MSGID_MAX + 1];
	int		rc, cycle, tries;

	for (tries = 0; plen > 0; tries++) {
		if ((rc = link_would_cycle(st, txn, msgid, mlen, parent, plen,
		    &cycle, implied)) != 0)
			return (rc);
		if (!cycle)
			break;
		if (implied[0] == '\0' || tries >= 8) {
			plen = 0;	/* only own links in the way: refuse */
			break;
		}
		/* Own References win over what descendants implied. */
		if ((rc = link_cut(st, txn, implied, strlen(implied))) != 0)
			return (rc);
	}
	memset(&nl, 0, sizeof(nl));
	nl.flags = REC_LINK_OWN;
	nl.order = order;
	nl.source = "";
	nl.parent = plen > 0 ? parent : "";
	nl.parent_len = plen;
	return (link_set(st, txn, msgid, mlen, &nl));
}

static int
link_imply(struct store *st, MDB_txn *txn, const char *child, size_t clen,
    const char *parent, size_t plen, uint64_t order, const char *src,
    size_t slen)
{
	struct rec_link	old, nl;
	int		rc, cycle, cmp;

	rc = link_load(st, txn, child, clen, &old);
	if (rc == 0) {
		if (old.flags & REC_LINK_OWN)
			return (0);
		/* The earliest implying article decides. */
		if (old.order != order)
			cmp = old.order < order ? -1 : 1;
		else
			cmp = strcmp(old.source, src);
		if (cmp <= 0)
			return (0);
	} else if (rc != MDB_NOTFOUND)
		return (rc);
	if ((rc = link_would_cycle(st, txn, child, clen, parent, plen, &cycle,
	    NULL)) != 0 || cycle)
		return (rc);
	memset(&nl, 0, sizeof(nl));
	nl.order = order;
	nl.source = src;
	nl.source_len = slen;
	nl.parent = parent;
	nl.parent_len = plen;
	return (link_set(st, txn, child, clen, &nl));
}

/*
 * The links of a new article: its own (under parent, NULL for a root: the
 * one article_db.c's put_links chose) and those its References imply.
 */
int
thread_link_article(struct store *st, MDB_txn *txn,
    const struct store_article *a, const char *parent)
{
	const char	*c, *p;
	size_t		 mlen, plen, clen, i, start;
	uint64_t	 order;
	int		 rc;

	mlen = strlen(a->msgid);
	/* Posting time, not arrival, when known: peers that got the same
	   articles in other orders still order siblings alike. */
	order = rec_time_key(a->posted != 0 ? a->posted : a->arrival);
	plen = parent != NULL ? strlen(parent) : 0;
	if ((rc = link_own(st, txn, a->msgid, mlen, parent, plen, order)) != 0)
		return (rc);

	start = a->nreferences > STORE_REFS_MAX ?
	    a->nreferences - STORE_REFS_MAX : 0;
	for (i = start + 1; i < a->nreferences; i++) {
		c = a->references[i];
		p = a->references[i - 1];
		if (!store_id_usable(c, &clen) || !store_id_usable(p, &plen) ||
		    strcmp(c, p) == 0 || strcmp(c, a->msgid) == 0 ||
		    strcmp(p, a->msgid) == 0)
			continue;
		if ((rc = link_imply(st, txn, c, clen, p, plen, order,
		    a->msgid, mlen)) != 0)
			return (rc);
	}
	/*
	 * A placeholder this chain created may have lost its link to an
	 * earlier implication and be left with no children: drop it, or the
	 * tree would depend on which article arrived first.
	 */
	for (i = a->nreferences; i > start; i--) {
		c = a->references[i - 1];
		if (store_id_usable(c, &clen) && (rc = node_prune(st, txn, c,
		    clen)) != 0)
			return (rc);
	}
	return (0);
}

/*
 * The article msgid is gone (its record already deleted): update its
 * thread's summary and prune the links it leaves behind.
 */
int
thread_article_gone(struct store *st, MDB_txn *txn, const char *msgid,
    size_t msgid_len, const char *root, size_t root_len)
{
	int	rc;

	if ((rc = thread_summary_remove(st, txn, msgid, msgid_len, root,
	    root_len)) != 0)
		return (rc);
	return (node_prune(st, txn, msgid, msgid_len));
}

/*
 * A Supersedes: the children of old hang under new from now on (their
 * links keep their order and kind).  A child that is new itself, or an
 * ancestor of new (a move that would close a cycle), stays where it is.
 * Called before old's record is deleted, so old is pruned then if it
 * has no children left.
 */
int
thread_reparent(struct store *st, MDB_txn *txn, const char *old,
    size_t old_len, const char *new, size_t new_len)
{
	struct rec_link	 l, nl;
	MDB_cursor	*c;
	MDB_val		 key, val;
	const char	*child;
	char		(*kids)[STORE_MSGID_MAX + 1] = NULL;
	char		(*more)[STORE_MSGID_MAX + 1];
	char		 source[STORE_MSGID_MAX + 1];
	uint64_t	 order;
	size_t		 n = 0, cap = 0, i, clen;
	int		 rc, cycle;

	/* The children first: moving one changes old's duplicates. */
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_REPLIES], &c)) != 0)
		return (rc);
	key.mv_data = (void *)old;
	key.mv_size = old_len;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT_DUP)) {
		if (rec_reply_decode(val.mv_data, val.mv_size, &order,
		    &child) == -1 || strlen(child) > STORE_MSGID_MAX) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((more = reallocarray(kids, cap,
			    sizeof(*kids))) == NULL) {
				rc = ENOMEM;
				break;
			}
			kids = more;
		}
		memcpy(kids[n++], child, strlen(child) + 1);
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	for (i = 0; rc == 0 && i < n; i++) {
		clen = strlen(kids[i]);
		if (clen == new_len && memcmp(kids[i], new, new_len) == 0)
			continue;
		if ((rc = link_load(st, txn, kids[i], clen, &l)) != 0) {
			if (rc == MDB_NOTFOUND)
				rc = 0;
			continue;
		}
		if ((rc = link_would_cycle(st, txn, kids[i], clen, new,
		    new_len, &cycle, NULL)) != 0 || cycle)
			continue;
		nl = l;
		memcpy(source, l.source, l.source_len + 1);
		nl.source = source;
		nl.parent = new;
		nl.parent_len = new_len;
		rc = link_set(st, txn, kids[i], clen, &nl);
	}
	free(kids);
	return (rc);
}

/*
 * Where the stored article target stands, for the article superseding
 * it to take its place: its parent as linked ("" for a top), its
 * thread's root (the summary's key), and whether it is the thread's
 * first article (*head).  MDB_NOTFOUND if target is not stored.
 */
int
thread_place(struct store *st, MDB_txn *txn, const char *target,
    size_t tlen, char parent[STORE_MSGID_MAX + 1],
    char root[STORE_MSGID_MAX + 1], int *head)
{
	struct rec_article	r;
	struct rec_link		l;
	struct rec_thread	t;
	MDB_val			val;
	int			rc;

	*head = 0;
	if ((rc = store_db_get(txn, st->dbi[DB_ARTICLES], target, tlen,
	    &val)) != 0)
		return (rc);
	if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1 ||
	    r.root_len > STORE_MSGID_MAX || r.parent_len > STORE_MSGID_MAX)
		return (MDB_CORRUPTED);
	memcpy(root, r.root, r.root_len + 1);
	memcpy(parent, r.parent, r.parent_len + 1);
	/* The link says where it is now (a cycle may have cut it). */
	rc = link_load(st, txn, target, tlen, &l);
	if (rc == 0) {
		memcpy(parent, l.parent, l.parent_len);
		parent[l.parent_len] = '\0';
	} else if (rc != MDB_NOTFOUND)
		return (rc);
	if (strlen(root) == tlen && memcmp(root, target, tlen) == 0) {
		*head = 1;
		return (0);
	}
	/* Or the head of a thread whose first article it superseded. */
	rc = store_db_get(txn, st->dbi[DB_THREADS], root, strlen(root), &val);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (rec_thread_decode(val.mv_data, val.mv_size, &t) == -1)
		return (MDB_CORRUPTED);
	*head = t.head_len == tlen && memcmp(t.head, target, tlen) == 0;
	return (0);
}

/*
 * The superseded article old (gone, its replies moved) forwards to new:
 * a link with REC_LINK_FORWARD and new as parent, but no replies entry,
 * so no walk shows old, while old's message-id still finds new's thread
 * (node_top follows the link) and a late reply to old is linked under
 * new (link_set).  Not if old still has children (it stays their
 * placeholder).  The history purge drops it with old's history entry.
 */
int
thread_forward(struct store *st, MDB_txn *txn, const char *old,
    size_t old_len, const char *new, size_t new_len)
{
	struct rec_link	nl;
	uint8_t		lbuf[LINK_BUF];
	MDB_val		val;
	int		rc;

	rc = store_db_get(txn, st->dbi[DB_REPLIES], old, old_len, &val);
	if (rc == 0)
		return (0);
	if (rc != MDB_NOTFOUND)
		return (rc);
	if ((rc = link_remove(st, txn, old, old_len)) != 0)
		return (rc);
	memset(&nl, 0, sizeof(nl));
	nl.flags = REC_LINK_OWN | REC_LINK_FORWARD;
	nl.source = "";
	nl.parent = new;
	nl.parent_len = new_len;
	rec_link_encode(&nl, lbuf);
	return (store_db_put(txn, st->dbi[DB_LINKS], old, old_len, lbuf,
	    rec_link_size(&nl), 0));
}

/* History purge: old's forward goes with its history entry. */
int
thread_forward_drop(struct store *st, MDB_txn *txn, const char *old,
    size_t old_len)
{
	struct rec_link	l;
	int		rc;

	rc = link_load(st, txn, old, old_len, &l);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (rc);
	if (!(l.flags & REC_LINK_FORWARD))
		return (0);
	return (store_db_del(txn, st->dbi[DB_LINKS], old, old_len, NULL, 0));
}

enum store_status
store_superseded_by(struct store *st, const char *msgid, char *by)
{
	MDB_txn			*txn;
	enum store_status	 ret;
	const char		*to;
	char			 buf[STORE_MSGID_MAX + 1];
	size_t			 len, to_len;
	int			 rc;

	if (!store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	rc = link_forwarded(st, txn, msgid, len, buf, &to, &to_len);
	if (rc == 0 && to == msgid)
		rc = MDB_NOTFOUND;
	if (rc == 0 && by != NULL) {
		memcpy(by, to, to_len);
		by[to_len] = '\0';
	}
	store_read_end(st, txn);
	if (rc == MDB_NOTFOUND)
		return (STORE_NOTFOUND);
	return (store_mdb_status(rc, "superseded by"));
}

/* ---- Reading links --------------------------------------------------- */

/* Is msgid a node at all: present, linked, or somebody's parent? */
static int
node_known(struct store *st, MDB_txn *txn, const char *msgid, size_t len,
    int *known)
{
	MDB_val	val;
	int	rc, i;
	static const enum store_db dbs[] = { DB_ARTICLES, DB_LINKS,
	    DB_REPLIES };

	*known = 0;
	for (i = 0; i < 3; i++) {
		rc = store_db_get(txn, st->dbi[dbs[i]], msgid, len, &val);
		if (rc == 0) {
			*known = 1;
			return (0);
		}
		if (rc != MDB_NOTFOUND)
			return (rc);
	}
	return (0);
}

/*
 * Follow links up from msgid to the top of its tree.  *top points into the
 * map (or is msgid itself).  Bounded by STORE_THREAD_DEPTH_MAX.
 */
static int
node_top(struct store *st, MDB_txn *txn, const char *msgid, size_t len,
    const char **top, size_t *top_len)
{
	struct rec_link	l;
	size_t		steps;
	int		rc;

	*top = msgid;
	*top_len = len;
	for (steps = 0; steps < STORE_THREAD_DEPTH_MAX; steps++) {
		rc = link_load(st, txn, *top, *top_len, &l);
		if (rc == MDB_NOTFOUND || (rc == 0 && l.parent_len == 0))
			return (0);
		if (rc != 0)
			return (rc);
		*top = l.parent;
		*top_len = l.parent_len;
	}
	return (0);
}

enum store_status
store_children(struct store *st, const char *msgid, store_msgid_cb cb,
    void *arg)
{
	MDB_txn			*txn;
	MDB_cursor		*c;
	MDB_val			 key, val;
	enum store_status	 ret;
	const char		*child;
	uint64_t		 order;
	size_t			 len;
	int			 rc, known;

	if (!store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = node_known(st, txn, msgid, len, &known)) != 0 || !known) {
		store_read_end(st, txn);
		return (rc != 0 ? store_mdb_status(rc, "children") :
		    STORE_NOTFOUND);
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_REPLIES], &c)) == 0) {
		key.mv_data = (void *)msgid;
		key.mv_size = len;
		for (rc = mdb_cursor_get(c, &key, &val, MDB_SET); rc == 0;
		    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT_DUP)) {
			if (rec_reply_decode(val.mv_data, val.mv_size, &order,
			    &child) == -1) {
				rc = MDB_CORRUPTED;
				break;
			}
			if (cb(child, arg) != 0)
				break;
		}
		mdb_cursor_close(c);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	store_read_end(st, txn);
	return (store_mdb_status(rc, "children"));
}

enum store_status
store_parent(struct store *st, const char *msgid, char *parent, char *root)
{
	struct rec_link		 l;
	MDB_txn			*txn;
	enum store_status	 ret;
	const char		*top;
	size_t			 len, top_len;
	int			 rc, known;

	if (!store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = node_known(st, txn, msgid, len, &known)) != 0 || !known)
		goto done;
	rc = link_load(st, txn, msgid, len, &l);
	if (rc == 0) {
		if (parent != NULL)
			memcpy(parent, l.parent, l.parent_len + 1);
	} else if (rc == MDB_NOTFOUND) {
		if (parent != NULL)
			parent[0] = '\0';
	} else
		goto done;
	if ((rc = node_top(st, txn, msgid, len, &top, &top_len)) != 0)
		goto done;
	if (root != NULL) {
		memcpy(root, top, top_len);
		root[top_len] = '\0';
	}
done:
	store_read_end(st, txn);
	if (rc == 0 && !known)
		return (STORE_NOTFOUND);
	return (store_mdb_status(rc, "parent"));
}

/* ---- Walking a thread ------------------------------------------------ */

/* Set of message-ids (pointers into the map) seen by a walk. */
struct idset {
	const char	**slot;
	size_t		  cap;
	size_t		  n;
};

static uint64_t
id_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h);
}

/* 1 if added, 0 if already there, -1 on allocation failure. */
static int
idset_add(struct idset *set, const char *id)
{
	const char	**old;
	size_t		  i, j, oldcap;

	if ((set->n + 1) * 2 > set->cap) {
		old = set->slot;
		oldcap = set->cap;
		set->cap = oldcap ? oldcap * 2 : 64;
		if ((set->slot = calloc(set->cap, sizeof(*set->slot))) ==
		    NULL) {
			set->slot = old;
			set->cap = oldcap;
			return (-1);
		}
		for (i = 0; i < oldcap; i++) {
			if (old[i] == NULL)
				continue;
			for (j = id_hash(old[i]) & (set->cap - 1);
			    set->slot[j] != NULL; j = (j + 1) & (set->cap - 1))
				;
			set->slot[j] = old[i];
		}
		free(old);
	}
	for (j = id_hash(id) & (set->cap - 1); set->slot[j] != NULL;
	    j = (j + 1) & (set->cap - 1))
		if (strcmp(set->slot[j], id) == 0)
			return (0);
	set->slot[j] = id;
	set->n++;
	return (1);
}

struct walk_item {
	const char	*id;
	unsigned	 depth;
};

struct walk {
	struct walk_item	*stack;
	size_t			 n, cap;
	const char		**kids;
	size_t			 nkids, kcap;
};

static int
walk_push(struct walk *w, const char *id, unsigned depth)
{
	struct walk_item	*p;

	if (w->n == w->cap) {
		if ((p = reallocarray(w->stack, w->cap ? w->cap * 2 : 64,
		    sizeof(*p))) == NULL)
			return (-1);
		w->stack = p;
		w->cap = w->cap ? w->cap * 2 : 64;
	}
	w->stack[w->n].id = id;
	w->stack[w->n].depth = depth;
	w->n++;
	return (0);
}

static int
walk_kid(struct walk *w, const char *id)
{
	const char	**p;

	if (w->nkids == w->kcap) {
		if ((p = reallocarray(w->kids, w->kcap ? w->kcap * 2 : 16,
		    sizeof(*p))) == NULL)
			return (-1);
		w->kids = p;
		w->kcap = w->kcap ? w->kcap * 2 : 16;
	}
	w->kids[w->nkids++] = id;
	return (0);
}

/* Push id's children so that the first one is popped first. */
static int
walk_expand(MDB_cursor *c, struct walk *w, const struct walk_item *it)
{
	MDB_val		 key, val;
	const char	*child;
	uint64_t	 order;
	int		 rc;

	w->nkids = 0;
	key.mv_data = (void *)it->id;
	key.mv_size = strlen(it->id);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT_DUP)) {
		if (rec_reply_decode(val.mv_data, val.mv_size, &order,
		    &child) == -1)
			return (MDB_CORRUPTED);
		if (walk_kid(w, child) == -1)
			return (ENOMEM);
	}
	if (rc != MDB_NOTFOUND)
		return (rc);
	while (w->nkids > 0)
		if (walk_push(w, w->kids[--w->nkids], it->depth + 1) == -1)
			return (ENOMEM);
	return (0);
}

enum store_status
store_thread_walk(struct store *st, const char *msgid, size_t max_nodes,
    store_thread_cb cb, void *arg, int *truncated)
{
	struct walk			 w;
	struct walk_item		 it;
	struct idset			 seen;
	struct store_thread_node	 node;
	struct store_article_info	 info;
	struct rec_article		 r;
	MDB_txn				*txn;
	MDB_cursor			*c = NULL;
	MDB_val				 val;
	enum store_status		 ret;
	const char			*top;
	size_t				 len, top_len, visited = 0;
	char				 topbuf[STORE_MSGID_MAX + 1];
	int				 rc, known, added;

	if (truncated != NULL)
		*truncated = 0;
	if (!store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	memset(&w, 0, sizeof(w));
	memset(&seen, 0, sizeof(seen));
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if ((rc = node_known(st, txn, msgid, len, &known)) != 0 || !known)
		goto done;
	if ((rc = node_top(st, txn, msgid, len, &top, &top_len)) != 0)
		goto done;
	/* Keys are not NUL-terminated in the map; the top may be one. */
	memcpy(topbuf, top, top_len);
	topbuf[top_len] = '\0';
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_REPLIES], &c)) != 0)
		goto done;
	if (walk_push(&w, topbuf, 0) == -1) {
		rc = ENOMEM;
		goto done;
	}
	while (w.n > 0) {
		it = w.stack[--w.n];
		if ((added = idset_add(&seen, it.id)) == -1) {
			rc = ENOMEM;
			goto done;
		}
		if (added == 0)
			continue;	/* a cycle in damaged links */
		if (max_nodes > 0 && visited >= max_nodes) {
			if (truncated != NULL)
				*truncated = 1;
			break;
		}
		visited++;
		memset(&node, 0, sizeof(node));
		node.depth = it.depth;
		node.msgid = it.id;
		rc = store_db_get(txn, st->dbi[DB_ARTICLES], it.id,
		    strlen(it.id), &val);
		if (rc == 0) {
			if (rec_article_decode(val.mv_data, val.mv_size,
			    &r) == -1) {
				rc = MDB_CORRUPTED;
				goto done;
			}
			article_info_fill(&r, &info);
			node.present = 1;
			node.info = &info;
		} else if (rc != MDB_NOTFOUND)
			goto done;
		rc = 0;
		if (cb != NULL && cb(&node, arg) != 0)
			break;
		if (it.depth >= STORE_THREAD_DEPTH_MAX) {
			if (truncated != NULL)
				*truncated = 1;
			continue;
		}
		if ((rc = walk_expand(c, &w, &it)) != 0)
			goto done;
	}
done:
	if (c != NULL)
		mdb_cursor_close(c);
	store_read_end(st, txn);
	free(w.stack);
	free(w.kids);
	free(seen.slot);
	if (rc == 0 && !known)
		return (STORE_NOTFOUND);
	return (store_mdb_status(rc, "thread walk"));
}

/* ---- Walking a thread in pieces -------------------------------------- */

/* One level of a resumable walk: the root's id, or below it the replies
   value (order and child) that led there from the level above. */
struct store_walk_level {
	char		*val;
	size_t		 len;
	uint64_t	 hash;	/* of the id: the cycle check compares these */
};

static const char *
walk_level_id(const struct store_walk_cursor *cur, size_t i)
{
	return (i == 0 ? cur->path[0].val : cur->path[i].val + 8);
}

/* Make level i a copy of val, dropping every level below it. */
static int
walk_level_set(struct store_walk_cursor *cur, size_t i, const void *val,
    size_t len)
{
	struct store_walk_level	*p;
	char			*v;
	size_t			 cap;

	if (i >= cur->cap) {
		cap = cur->cap ? cur->cap * 2 : 16;
		if ((p = reallocarray(cur->path, cap, sizeof(*p))) == NULL)
			return (-1);
		memset(p + cur->cap, 0, (cap - cur->cap) * sizeof(*p));
		cur->path = p;
		cur->cap = cap;
	}
	if ((v = malloc(len)) == NULL)
		return (-1);
	memcpy(v, val, len);
	while (cur->n > i + 1) {
		cur->n--;
		free(cur->path[cur->n].val);
		cur->path[cur->n].val = NULL;
	}
	free(cur->path[i].val);
	cur->path[i].val = v;
	cur->path[i].len = len;
	cur->n = i + 1;
	cur->path[i].hash = id_hash(walk_level_id(cur, i));
	return (0);
}

static int
walk_on_path(const struct store_walk_cursor *cur, const char *id)
{
	uint64_t	h = id_hash(id);
	size_t		i;

	for (i = 0; i < cur->n; i++)
		if (cur->path[i].hash == h &&
		    strcmp(walk_level_id(cur, i), id) == 0)
			return (1);
	return (0);
}

/*
 * The first child of `id` from the replies cursor position that *rc left,
 * skipping ancestors (a cycle in damaged links): its level becomes i.
 * Returns 0, MDB_NOTFOUND when there is none, or an error.
 */
static int
walk_take(struct store_walk_cursor *cur, MDB_cursor *c, MDB_val *key,
    MDB_val *val, int rc, size_t i)
{
	const char	*child;
	uint64_t	 order;

	for (; rc == 0; rc = mdb_cursor_get(c, key, val, MDB_NEXT_DUP)) {
		if (rec_reply_decode(val->mv_data, val->mv_size, &order,
		    &child) == -1)
			return (MDB_CORRUPTED);
		if (!walk_on_path(cur, child))
			return (walk_level_set(cur, i, val->mv_data,
			    val->mv_size) == -1 ? ENOMEM : 0);
	}
	return (rc);
}

/*
 * Move the path to the node after its last one in depth-first order: the
 * first child (unless too deep), else the next sibling of the node or of
 * its nearest ancestor that has one.  A sibling is found from the copied
 * replies value, so a node removed meanwhile is simply passed.
 */
static int
walk_advance(struct store_walk_cursor *cur, MDB_cursor *c)
{
	MDB_val		 key, val;
	const char	*id;
	size_t		 i = cur->n - 1;
	int		 rc;

	if (i < STORE_THREAD_DEPTH_MAX) {
		id = walk_level_id(cur, i);
		key.mv_data = (void *)id;
		key.mv_size = strlen(id);
		rc = mdb_cursor_get(c, &key, &val, MDB_SET);
		if ((rc = walk_take(cur, c, &key, &val, rc, i + 1)) !=
		    MDB_NOTFOUND)
			return (rc);
	}
	for (; i >= 1; i--) {
		id = walk_level_id(cur, i - 1);
		key.mv_data = (void *)id;
		key.mv_size = strlen(id);
		val.mv_data = cur->path[i].val;
		val.mv_size = cur->path[i].len;
		rc = mdb_cursor_get(c, &key, &val, MDB_GET_BOTH_RANGE);
		if (rc == 0 && val.mv_size == cur->path[i].len &&
		    memcmp(val.mv_data, cur->path[i].val, val.mv_size) == 0)
			rc = mdb_cursor_get(c, &key, &val, MDB_NEXT_DUP);
		if ((rc = walk_take(cur, c, &key, &val, rc, i)) !=
		    MDB_NOTFOUND)
			return (rc);
		cur->n--;
		free(cur->path[cur->n].val);
		cur->path[cur->n].val = NULL;
	}
	return (MDB_NOTFOUND);
}

/* Call cb for the node the path ends at. */
static int
walk_visit(struct store *st, MDB_txn *txn, const struct store_walk_cursor *cur,
    store_thread_cb cb, void *arg, int *stop)
{
	struct store_thread_node	 node;
	struct store_article_info	 info;
	struct rec_article		 r;
	MDB_val				 val;
	int				 rc;

	memset(&node, 0, sizeof(node));
	node.depth = (unsigned)(cur->n - 1);
	node.msgid = walk_level_id(cur, cur->n - 1);
	rc = store_db_get(txn, st->dbi[DB_ARTICLES], node.msgid,
	    strlen(node.msgid), &val);
	if (rc == 0) {
		if (rec_article_decode(val.mv_data, val.mv_size, &r) == -1)
			return (MDB_CORRUPTED);
		article_info_fill(&r, &info);
		node.present = 1;
		node.info = &info;
	} else if (rc != MDB_NOTFOUND)
		return (rc);
	*stop = cb != NULL && cb(&node, arg) != 0;
	return (0);
}

enum store_status
store_thread_walk_next(struct store *st, const char *msgid,
    struct store_walk_cursor *cur, size_t max_nodes, store_thread_cb cb,
    void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*c = NULL;
	enum store_status ret;
	const char	*top;
	size_t		 len = 0, top_len, visited = 0;
	char		 topbuf[STORE_MSGID_MAX + 1];
	int		 rc = 0, known = 1, stop = 0;

	if (cur->done)
		return (STORE_OK);
	if (!cur->started && !store_id_usable(msgid, &len))
		return (STORE_NOTFOUND);
	if ((ret = store_read_begin(st, &txn)) != STORE_OK)
		return (ret);
	if (!cur->started) {
		if ((rc = node_known(st, txn, msgid, len, &known)) != 0 ||
		    !known)
			goto done;
		if ((rc = node_top(st, txn, msgid, len, &top, &top_len)) != 0)
			goto done;
		memcpy(topbuf, top, top_len);
		topbuf[top_len] = '\0';
		if (walk_level_set(cur, 0, topbuf, top_len + 1) == -1) {
			rc = ENOMEM;
			goto done;
		}
		cur->started = 1;
		if ((rc = walk_visit(st, txn, cur, cb, arg, &stop)) != 0)
			goto done;
		visited++;
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_REPLIES], &c)) != 0)
		goto done;
	while (!stop && (max_nodes == 0 || visited < max_nodes)) {
		if ((rc = walk_advance(cur, c)) == MDB_NOTFOUND) {
			cur->done = 1;
			rc = 0;
			break;
		}
		if (rc != 0 || (rc = walk_visit(st, txn, cur, cb, arg,
		    &stop)) != 0)
			goto done;
		visited++;
	}
done:
	if (c != NULL)
		mdb_cursor_close(c);
	store_read_end(st, txn);
	if (rc == 0 && !known)
		return (STORE_NOTFOUND);
	return (store_mdb_status(rc, "thread walk"));
}

void
store_thread_walk_end(struct store_walk_cursor *cur)
{
	size_t	i;

	for (i = 0; i < cur->cap; i++)
		free(cur->path[i].val);
	free(cur->path);
	memset(cur, 0, sizeof(*cur));
}
