/*
 * Loom's thread extension (docs/threads.md, docs/protocol.md): XTREE serves
 * a whole reply tree from the store's links, XROOTS the threads of a group
 * from the per-group thread index.  Both are kept up to date when articles
 * are stored, so neither scans a group.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datetime.h"
#include "header.h"
#include "log.h"
#include "msgid.h"
#include "range.h"
#include "commands.h"
#include "util.h"

#define XROOTS_CHUNK	256	/* threads per read transaction */

/*
 * XTREE is a stream like OVER: each call of the fill function writes the
 * next XTREE_CHUNK nodes from one short read transaction
 * (store_thread_walk_next), and the session calls it again once the
 * output drains below its watermark, so the reply is never held whole;
 * between chunks only the walk's path from the root is kept.
 *
 * The status line gives the node count, so a first walk counts (writing
 * and keeping nothing).  The thread may change between chunks, as a group
 * may under OVER: each chunk then shows the thread as it is when read,
 * never more nodes than announced, and the reply ends early if the thread
 * lost nodes.  xtree_max still bounds the reply (docs/protocol.md): it
 * limits the work and the length of one answer, no longer its memory.
 */
#define XTREE_CHUNK	256	/* nodes per read transaction */

struct xtree_walk {
	struct session			*s;
	struct store_walk_cursor	 cursor;
	char				 id[STORE_MSGID_MAX + 1];
	size_t				 total;	/* nodes announced */
	size_t				 sent;	/* nodes written so far */
};

static int
xtree_count(const struct store_thread_node *node LOOM_UNUSED, void *arg)
{
	size_t	*n = arg;

	(*n)++;
	return (0);
}

static int
xtree_node(const struct store_thread_node *node, void *arg)
{
	struct xtree_walk	*w = arg;
	struct session		*s = w->s;
	uint32_t		 num = 0;

	w->sent++;
	/* An article in groups the client may not read is shown as a
	   placeholder: the thread keeps its shape, the text stays hidden. */
	if (!node->present || !access_can_read_xref(&s->access,
	    node->info->xref)) {
		/* A placeholder keeps the shape: only its Message-ID. */
		reply_line(s, "%u\t0\t\t\t\t%s\t\t\t\t", node->depth,
		    node->msgid);
	} else {
		if (s->have_group)
			num = xref_number_in(node->info->xref, s->group.name);
		reply_line(s, "%u\t%u\t%.*s", node->depth, num,
		    (int)node->info->overview_len, node->info->overview);
	}
	return (w->sent >= w->total);
}

static int
xtree_fill(struct session *s, void *arg)
{
	struct xtree_walk	*w = arg;
	size_t			 n;

	if (w->sent < w->total && !w->cursor.done) {
		n = w->total - w->sent < XTREE_CHUNK ? w->total - w->sent :
		    XTREE_CHUNK;
		switch (store_thread_walk_next(s->srv->store, w->id,
		    &w->cursor, n, xtree_node, w)) {
		case STORE_OK:
			break;
		case STORE_NOTFOUND:	/* gone since it was counted */
			w->cursor.done = 1;
			break;
		default:
			return (-1);
		}
	}
	if (w->sent < w->total && !w->cursor.done)
		return (1);
	reply_end(s);
	return (0);
}

static void
xtree_free(void *arg)
{
	struct xtree_walk	*w = arg;

	store_thread_walk_end(&w->cursor);
	free(w);
}

struct xtree_visible {
	const struct access	*access;
	int			 hidden;
};

static int
xtree_hidden_cb(const char *wire LOOM_UNUSED, size_t len LOOM_UNUSED,
    const struct store_article_info *info, void *arg)
{
	struct xtree_visible	*v = arg;

	v->hidden = !access_can_read_xref(v->access, info->xref);
	return (0);
}

/*
 * XTREE <message-id>: the whole thread holding the article.  The walk is
 * bounded by xtree_max nodes; the status line says when it was cut.
 */
static enum cmd_result
cmd_xtree_exec(struct session *s, struct nntp_command *cmd)
{
	struct xtree_walk	*w;
	const char		*id = cmd->argv[0];
	unsigned		 cap = s->srv->cfg.xtree_max;
	enum store_status	 rc;
	struct xtree_visible	 v;
	size_t			 nodes = 0;
	int			 truncated = 0;

	if (!msgid_valid_nntp(id, strlen(id))) {
		reply(s, RPL_501_SYNTAX, "Bad message-id");
		return (CMD_OK);
	}
	/* Asked for by the Message-ID of an article it may not see. */
	v.access = &s->access;
	v.hidden = 0;
	if (store_article_get(s->srv->store, id, xtree_hidden_cb, &v) ==
	    STORE_OK && v.hidden) {
		reply(s, RPL_430_NO_MSGID, "No such article");
		return (CMD_OK);
	}
	rc = store_thread_walk(s->srv->store, id, cap, xtree_count, &nodes,
	    &truncated);
	if (rc == STORE_NOTFOUND) {
		reply(s, RPL_430_NO_MSGID, "No such article");
		return (CMD_OK);
	} else if (rc != STORE_OK) {
		reply(s, RPL_403_INTERNAL, "Cannot read the thread: %s",
		    store_strerror(rc));
		return (CMD_OK);
	}
	if (truncated)
		reply(s, RPL_224_OVER, "%zu nodes follow (truncated at %u)",
		    nodes, cap);
	else
		reply(s, RPL_224_OVER, "%zu nodes follow", nodes);
	w = xcalloc(1, sizeof(*w));
	w->s = s;
	loom_strlcpy(w->id, id, sizeof(w->id));
	w->total = nodes;
	session_stream_start(s, xtree_fill, xtree_free, w);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_xtree_entry = {
	.verb = {
		.name = "XTREE",
		.args = { 1, 1 },
		.usage = "message-id",
	},
	.flags = CMD_READER,
	.exec = cmd_xtree_exec
};

struct xroots_walk {
	struct session			*s;
	struct store_thread_cursor	 cursor;
	uint32_t			 group_id;
	uint32_t			 pos;		/* 1-based, last seen */
	uint32_t			 lo, hi;	/* positions wanted */
};

static int
xroots_line(const struct store_thread_summary *ts, void *arg)
{
	struct xroots_walk	*w = arg;
	char			 last[15];

	if (++w->pos < w->lo)
		return (0);
	if (w->pos > w->hi)
		return (1);
	nntp_date_format((time_t)(ts->group_last != 0 ? ts->group_last :
	    ts->last), last);
	reply_line(w->s, "%s\t%s\t%s\t%s\t%u\t%s", ts->root, ts->subject,
	    ts->from, ts->date, ts->replies, last);
	return (0);
}

static int
xroots_fill(struct session *s, void *arg)
{
	struct xroots_walk	*w = arg;

	if (w->pos < w->hi && !w->cursor.done &&
	    store_thread_roots(s->srv->store, w->group_id, XROOTS_CHUNK,
	    xroots_line, w, &w->cursor) != STORE_OK)
		return (-1);
	if (w->pos < w->hi && !w->cursor.done)
		return (1);
	reply_end(s);
	return (0);
}

/* True if the argument reads as a range rather than a group name. */
static int
xroots_is_range(const char *arg)
{
	uint32_t	lo, hi;

	return (nntp_range_parse(arg, NNTP_ARTNUM_MAX, &lo, &hi) == 0);
}

/*
 * XROOTS [group] [range]: the group's threads, most recent activity first.
 * The range selects positions in that order (1 is the most recent).
 */
static enum cmd_result
cmd_xroots_exec(struct session *s, struct nntp_command *cmd)
{
	struct xroots_walk	*w;
	struct store_group	 g;
	const char		*group = NULL, *range = NULL;
	uint32_t		 lo = 1, hi = NNTP_ARTNUM_MAX;

	if (cmd->argc == 2) {
		group = cmd->argv[0];
		range = cmd->argv[1];
	} else if (cmd->argc == 1) {
		if (xroots_is_range(cmd->argv[0]))
			range = cmd->argv[0];
		else
			group = cmd->argv[0];
	}
	if (range != NULL && nntp_range_parse(range, NNTP_ARTNUM_MAX, &lo,
	    &hi) == -1) {
		reply(s, RPL_501_SYNTAX, "Bad range \"%s\"", range);
		return (CMD_OK);
	}
	if (group != NULL) {
		if (!access_can_read(&s->access, group) ||
		    store_group_get(s->srv->store, group, &g) != STORE_OK) {
			reply(s, RPL_411_NO_GROUP, "No such newsgroup");
			return (CMD_OK);
		}
	} else if (dispatch_need_group(s) == -1)
		return (CMD_OK);
	else
		g = s->group;
	reply(s, RPL_224_OVER, "Threads of %s follow", g.name);
	if (lo == 0)
		lo = 1;
	if (lo > hi) {
		reply_end(s);
		return (CMD_OK);
	}
	w = xcalloc(1, sizeof(*w));
	w->s = s;
	w->group_id = g.id;
	w->lo = lo;
	w->hi = hi;
	session_stream_start(s, xroots_fill, free, w);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_xroots_entry = {
	.verb = {
		.name = "XROOTS",
		.args = { 0, 2 },
		.usage = "[group [range]]",
	},
	.flags = CMD_READER,
	.exec = cmd_xroots_exec
};
