/*
 * Article retrieval and overview: ARTICLE, HEAD, BODY, STAT (RFC 3977 6.2),
 * OVER/XOVER, HDR/XHDR, XPAT (8.3, 8.5, RFC 2980) and NEWNEWS (7.4).
 * Long replies stream from short read transactions (session_stream_start),
 * so a million-article OVER never sits whole in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "header.h"
#include "msgid.h"
#include "range.h"
#include "commands.h"
#include "util.h"
#include "wildmat.h"

#define OVER_CHUNK	256	/* overview lines per read transaction */
#define HDR_CHUNK	64	/* articles per transaction for other headers */
/* Longest header value HDR returns: every field fits, since the article
   parser refuses longer ones (SERVER_FIELD_MAX). */
#define HDR_VALUE_MAX	(SERVER_FIELD_MAX + 1)

/* Which article a command means: by message-id or by number. */
struct article_ref {
	char		 msgid[STORE_MSGID_MAX + 1];
	uint32_t	 number;	/* 0 when asked by message-id */
	int		 by_msgid;
};

/*
 * Resolve the optional argument of ARTICLE, HEAD, BODY, STAT (and the
 * single-article forms of OVER and HDR) with the reply codes of RFC 3977
 * 6.2.1.2 as corrected by erratum 1524.  Returns -1 after replying.
 */
static int
article_resolve(struct session *s, const char *arg, struct article_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	if (arg != NULL && arg[0] == '<') {
		if (!msgid_valid_nntp(arg, strlen(arg))) {
			reply(s, RPL_501_SYNTAX, "Bad message-id");
			return (-1);
		}
		loom_strlcpy(ref->msgid, arg, sizeof(ref->msgid));
		ref->by_msgid = 1;
		return (0);
	}
	if (arg != NULL && nntp_number_parse(arg, &ref->number) == -1) {
		reply(s, RPL_501_SYNTAX, "Expected an article number or "
		    "message-id");
		return (-1);
	}
	if (dispatch_need_group(s) == -1)
		return (-1);
	if (arg == NULL) {
		ref->number = s->article;
		if (ref->number == 0 || store_number_lookup(s->srv->store,
		    s->group.id, ref->number, ref->msgid) != STORE_OK) {
			reply(s, RPL_420_NO_CURRENT, "Current article number "
			    "is invalid");
			return (-1);
		}
		return (0);
	}
	if (ref->number == 0 || store_number_lookup(s->srv->store,
	    s->group.id, ref->number, ref->msgid) != STORE_OK) {
		reply(s, RPL_423_NO_NUMBER, "No article with that number");
		return (-1);
	}
	s->article = ref->number;
	return (0);
}

enum article_part {
	PART_ARTICLE,
	PART_HEAD,
	PART_BODY,
	PART_STAT
};

struct article_send {
	struct session		*s;
	enum article_part	 part;
	const struct article_ref *ref;
	int			 hidden;
};

/* Send a block already in wire form, making sure it ends in CRLF. */
static void
article_send_block(struct session *s, const char *p, size_t len)
{
	reply_data(s, p, len);
	if (len > 0 && (len < 2 || p[len - 2] != '\r' || p[len - 1] != '\n'))
		reply_data(s, "\r\n", 2);
}

static int
article_send_cb(const char *wire, size_t len,
    const struct store_article_info *info, void *arg)
{
	static const int	 codes[] = { RPL_220_ARTICLE, RPL_221_HEAD,
				    RPL_222_BODY, RPL_223_STAT };
	static const char *const texts[] = { "Article follows",
				    "Headers follow", "Body follows",
				    "Article exists" };
	struct article_send	*a = arg;
	struct session		*s = a->s;
	size_t			 hl = info->header_len, body;

	/* By number the group was readable; by message-id it may not be. */
	if (!access_can_read_xref(&s->access, info->xref)) {
		a->hidden = 1;
		return (0);
	}

	reply(s, codes[a->part], "%u %s %s", a->ref->number, info->msgid,
	    texts[a->part]);
	switch (a->part) {
	case PART_ARTICLE:
		article_send_block(s, wire, len);
		break;
	case PART_HEAD:
		article_send_block(s, wire, hl < len ? hl : len);
		break;
	case PART_BODY:
		/* Skip the empty line that ends the header. */
		body = hl + 2 <= len ? hl + 2 : len;
		article_send_block(s, wire + body, len - body);
		break;
	case PART_STAT:
		return (0);
	}
	reply_end(s);
	return (0);
}

static enum cmd_result
article_exec(struct session *s, struct nntp_command *cmd,
    enum article_part part)
{
	struct article_ref	ref;
	struct article_send	a;
	enum store_status	rc;

	if (article_resolve(s, cmd->argc > 0 ? cmd->argv[0] : NULL, &ref) ==
	    -1)
		return (CMD_OK);
	a.s = s;
	a.part = part;
	a.ref = &ref;
	a.hidden = 0;
	rc = store_article_get(s->srv->store, ref.msgid, article_send_cb, &a);
	if (rc == STORE_NOTFOUND || a.hidden) {
		if (ref.by_msgid)
			reply(s, RPL_430_NO_MSGID, "No such article");
		else
			reply(s, RPL_423_NO_NUMBER, "No article with that "
			    "number");
	} else if (rc != STORE_OK)
		reply(s, RPL_403_INTERNAL, "Cannot read the article: %s",
		    store_strerror(rc));
	return (CMD_OK);
}

static enum cmd_result
cmd_article_exec(struct session *s, struct nntp_command *cmd)
{
	return (article_exec(s, cmd, PART_ARTICLE));
}

static enum cmd_result
cmd_head_exec(struct session *s, struct nntp_command *cmd)
{
	return (article_exec(s, cmd, PART_HEAD));
}

static enum cmd_result
cmd_body_exec(struct session *s, struct nntp_command *cmd)
{
	return (article_exec(s, cmd, PART_BODY));
}

static enum cmd_result
cmd_stat_exec(struct session *s, struct nntp_command *cmd)
{
	return (article_exec(s, cmd, PART_STAT));
}

const struct cmd_entry cmd_article_entry = {
	.verb = {
		.name = "ARTICLE",
		.args = { 0, 1 },
		.usage = "[message-id|number]",
	},
	.flags = CMD_READER,
	.exec = cmd_article_exec
};
const struct cmd_entry cmd_head_entry = {
	.verb = {
		.name = "HEAD",
		.args = { 0, 1 },
		.usage = "[message-id|number]",
	},
	.flags = CMD_READER,
	.exec = cmd_head_exec
};
const struct cmd_entry cmd_body_entry = {
	.verb = {
		.name = "BODY",
		.args = { 0, 1 },
		.usage = "[message-id|number]",
	},
	.flags = CMD_READER,
	.exec = cmd_body_exec
};
const struct cmd_entry cmd_stat_entry = {
	.verb = {
		.name = "STAT",
		.args = { 0, 1 },
		.usage = "[message-id|number]",
	},
	.flags = CMD_READER,
	.exec = cmd_stat_exec
};

/*
 * Range forms of OVER, HDR, XHDR and XPAT share one streaming walk: the
 * range is cut into chunks, each one short read transaction, and each
 * entry is written by `line`.
 */
struct range_walk {
	uint32_t	 group_id;
	uint32_t	 next;		/* 0: done */
	uint32_t	 hi;
	size_t		 chunk;
	store_over_cb	 line;
	struct session	*s;
	struct reply_span span;		/* lines go straight out */
	int		 walking;	/* inside store_over_range: the span */
	int		 oom;		/* no room for a line */
	/* HDR family */
	char		 field[64];
	int		 overview_field;	/* index, or -1: read article */
	int		 style;			/* enum hdr_style */
	char		*pattern;		/* XPAT wildmat */
	size_t		 npending;
	struct hdr_bufs	*b;
};

/*
 * HDR's buffers, 80 KiB: allocated (not zeroed) by HDR alone, so OVER's
 * walk, set up for every OVER command however short, stays small.
 */
struct hdr_bufs {
	/* Articles of the chunk to read once the walk's transaction is over
	   (a store callback may not call the store): npending of them. */
	uint32_t	 pending_num[HDR_CHUNK];
	char		 pending_id[HDR_CHUNK][STORE_MSGID_MAX + 1];
	/* One header value: up to 64 KiB, so on the heap, never on the
	   stack. */
	char		 value[HDR_VALUE_MAX];
};

enum hdr_style {
	HDR_RFC3977,	/* HDR: 225, number 0 for message-ids */
	HDR_XHDR,	/* XHDR: 221, message-id echoed, "(none)" */
	HDR_XPAT	/* XPAT: 221, only values matching the patterns */
};

static void	hdr_flush_pending(struct range_walk *);

static void
range_walk_free(void *arg)
{
	struct range_walk	*w = arg;

	free(w->pattern);
	free(w->b);
	free(w);
}

static int
range_walk_fill(struct session *s, void *arg)
{
	struct range_walk	*w = arg;
	uint32_t		 next = 0;
	enum store_status	 rc = STORE_OK;

	if (w->next != 0 && w->next <= w->hi) {
		reply_span_begin(s, &w->span);
		w->walking = 1;
		rc = store_over_range(s->srv->store, w->group_id, w->next,
		    w->hi, w->chunk, w->line, w, &next);
		w->walking = 0;
		reply_span_end(&w->span);
	}
	if (rc != STORE_OK || w->oom)
		return (-1);
	w->next = next;
	hdr_flush_pending(w);
	if (next != 0)
		return (1);
	reply_end(s);
	return (0);
}

/*
 * Parse a range argument against the selected group and check that it
 * holds an article: 423 (or 420 for the current article) otherwise.
 * Syntax comes before state (RFC 3977 3.2.1), as in nnrpd: a malformed
 * range is 501 even with no group selected (412).  "n-" runs to the
 * group's end as it is now, not as it was when the group was selected:
 * articles may have arrived since.  Returns -1 after replying.
 */
static int
range_resolve(struct session *s, const char *arg, uint32_t *lo, uint32_t *hi)
{
	char		msgid[STORE_MSGID_MAX + 1];
	uint32_t	first;

	if (arg != NULL && nntp_range_parse(arg, NNTP_ARTNUM_MAX, lo,
	    hi) == -1) {
		reply(s, RPL_501_SYNTAX, "Bad range \"%s\"", arg);
		return (-1);
	}
	if (dispatch_need_group(s) == -1)
		return (-1);
	if (arg == NULL) {
		if (s->article == 0) {
			reply(s, RPL_420_NO_CURRENT, "Current article number "
			    "is invalid");
			return (-1);
		}
		*lo = *hi = s->article;
	}
	if (*lo == 0)
		*lo = 1;
	if (*lo > *hi || store_number_step(s->srv->store, s->group.id,
	    *lo - 1, 1, &first, msgid) != STORE_OK || first > *hi) {
		if (arg == NULL)
			reply(s, RPL_420_NO_CURRENT, "Current article number "
			    "is invalid");
		else
			reply(s, RPL_423_NO_NUMBER, "No articles in that "
			    "range");
		return (-1);
	}
	*lo = first;
	return (0);
}

/*
 * One OVER line: the number, then the rest as stored (TAB, the fields,
 * CRLF), copied out of the map into the output.  No formatting: all but
 * the number was done when the article was stored.
 */
static int
over_line(const struct store_over_entry *e, void *arg)
{
	struct range_walk	*w = arg;
	char			*p;
	size_t			 n;

	if ((p = reply_span_room(&w->span, NNTP_NUMBER_DIGITS +
	    e->line_len)) == NULL) {
		w->oom = 1;
		return (1);
	}
	n = nntp_number_format(p, e->number);
	memcpy(p + n, e->line, e->line_len);
	reply_span_wrote(&w->span, n + e->line_len);
	return (0);
}

static int
over_msgid_cb(const char *wire LOOM_UNUSED, size_t len LOOM_UNUSED,
    const struct store_article_info *info, void *arg)
{
	struct session	*s = arg;

	if (!access_can_read_xref(&s->access, info->xref)) {
		reply(s, RPL_430_NO_MSGID, "No such article");
		return (0);
	}
	/* RFC 3977 8.3.2: the message-id form reports number 0. */
	reply(s, RPL_224_OVER, "Overview information follows");
	reply_line(s, "0\t%.*s", (int)info->overview_len, info->overview);
	reply_end(s);
	return (0);
}

static enum cmd_result
cmd_over_exec(struct session *s, struct nntp_command *cmd)
{
	const char		*arg = cmd->argc > 0 ? cmd->argv[0] : NULL;
	struct range_walk	*w;
	uint32_t		 lo, hi;
	enum store_status	 rc;

	if (arg != NULL && arg[0] == '<') {
		if (!msgid_valid_nntp(arg, strlen(arg))) {
			reply(s, RPL_501_SYNTAX, "Bad message-id");
			return (CMD_OK);
		}
		rc = store_article_get(s->srv->store, arg, over_msgid_cb, s);
		if (rc == STORE_NOTFOUND)
			reply(s, RPL_430_NO_MSGID, "No such article");
		else if (rc != STORE_OK)
			reply(s, RPL_403_INTERNAL, "Cannot read overview");
		return (CMD_OK);
	}
	if (range_resolve(s, arg, &lo, &hi) == -1)
		return (CMD_OK);
	reply(s, RPL_224_OVER, "Overview information follows");
	w = xcalloc(1, sizeof(*w));
	w->s = s;
	w->group_id = s->group.id;
	w->next = lo;
	w->hi = hi;
	w->chunk = OVER_CHUNK;
	w->line = over_line;
	session_stream_start(s, range_walk_fill, range_walk_free, w);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_over_entry = {
	.verb = {
		.name = "OVER",
		.args = { 0, 1 },
		.usage = "[message-id|range]",
	},
	.flags = CMD_READER,
	.exec = cmd_over_exec
};
const struct cmd_entry cmd_xover_entry = {
	.verb = {
		.name = "XOVER",
		.args = { 0, 1 },
		.usage = "[range]",
	},
	.flags = CMD_READER,
	.exec = cmd_over_exec
};

/*
 * Fields kept in the overview, in LIST OVERVIEW.FMT order: HDR serves these
 * from the overview walk without reading articles.
 */
static const char *const hdr_overview_fields[] = {
	"Subject", "From", "Date", "Message-ID", "References", ":bytes",
	":lines", "Xref"
};

static int
hdr_overview_index(const char *field)
{
	size_t	i;

	for (i = 0; i < sizeof(hdr_overview_fields) /
	    sizeof(hdr_overview_fields[0]); i++)
		if (strcasecmp(field, hdr_overview_fields[i]) == 0)
			return ((int)i);
	return (-1);
}

/* Field `index` of an overview tail: the stored Xref field is
   "Xref: host ...", and HDR wants its value alone. */
static void
hdr_overview_value(const char *ov, size_t len, int index, char *out,
    size_t outlen)
{
	overview_field(ov, len, index, out, outlen);
	if (index == 7 && strncasecmp(out, "Xref: ", 6) == 0)
		memmove(out, out + 6, strlen(out + 6) + 1);
}

/* "id value": into the walk's span while it runs (no printf, no
   evbuffer_add per line), else a plain reply line. */
static void
hdr_put(struct range_walk *w, const char *id, const char *value)
{
	size_t	 il, vl;
	char	*p;

	if (!w->walking) {
		reply_line(w->s, "%s %s", id, value);
		return;
	}
	il = strlen(id);
	vl = strlen(value);
	if ((p = reply_span_room(&w->span, il + 1 + vl + 2)) == NULL) {
		w->oom = 1;
		return;
	}
	memcpy(p, id, il);
	p[il] = ' ';
	memcpy(p + il + 1, value, vl);
	memcpy(p + il + 1 + vl, "\r\n", 2);
	reply_span_wrote(&w->span, il + 1 + vl + 2);
}

/* Write one HDR/XHDR/XPAT line; `id` is the number or message-id. */
static void
hdr_emit(struct range_walk *w, const char *id, int found, const char *value)
{
	if (w->style == HDR_XPAT) {
		if (found && wildmat_match(value, w->pattern))
			hdr_put(w, id, value);
	} else if (w->style == HDR_XHDR && (!found || value[0] == '\0'))
		hdr_put(w, id, "(none)");
	else
		hdr_put(w, id, value);
}

struct hdr_one {
	struct range_walk	*w;
	int			 found;
	int			 hidden;
};

static int
hdr_article_cb(const char *wire, size_t len LOOM_UNUSED,
    const struct store_article_info *info, void *arg)
{
	struct hdr_one	*h = arg;
	struct hdr_bufs	*b = h->w->b;

	b->value[0] = '\0';
	if (!access_can_read_xref(&h->w->s->access, info->xref)) {
		h->hidden = 1;
		return (0);
	}
	if (h->w->overview_field >= 0) {
		hdr_overview_value(info->overview, info->overview_len,
		    h->w->overview_field, b->value, sizeof(b->value));
		h->found = 1;
	} else
		h->found = header_find(wire, info->header_len, h->w->field,
		    b->value, sizeof(b->value));
	return (0);
}

/* Read the articles whose header is not in the overview. */
static void
hdr_flush_pending(struct range_walk *w)
{
	struct hdr_one	h;
	char		id[16];
	size_t		i;

	for (i = 0; i < w->npending; i++) {
		memset(&h, 0, sizeof(h));
		h.w = w;
		if (store_article_get(w->s->srv->store, w->b->pending_id[i],
		    hdr_article_cb, &h) != STORE_OK)
			continue;	/* expired meanwhile */
		snprintf(id, sizeof(id), "%u", w->b->pending_num[i]);
		hdr_emit(w, id, h.found, w->b->value);
	}
	w->npending = 0;
}

static int
hdr_line(const struct store_over_entry *e, void *arg)
{
	struct range_walk	*w = arg;
	char			 id[16];

	if (w->overview_field < 0) {
		if (w->npending < HDR_CHUNK) {
			w->b->pending_num[w->npending] = e->number;
			loom_strlcpy(w->b->pending_id[w->npending], e->msgid,
			    sizeof(w->b->pending_id[0]));
			w->npending++;
		}
		return (0);
	}
	hdr_overview_value(e->overview, e->overview_len, w->overview_field,
	    w->b->value, sizeof(w->b->value));
	id[nntp_number_format(id, e->number)] = '\0';
	hdr_emit(w, id, 1, w->b->value);
	return (w->oom);
}

static enum cmd_result
hdr_exec(struct session *s, const char *field, const char *arg,
    enum hdr_style style, char *pattern)
{
	struct range_walk	*w;
	struct hdr_one		 h;
	uint32_t		 lo, hi;
	enum store_status	 rc;

	w = xcalloc(1, sizeof(*w));
	w->b = xmalloc(sizeof(*w->b));
	w->s = s;
	w->style = style;
	w->pattern = pattern;
	w->overview_field = hdr_overview_index(field);
	loom_strlcpy(w->field, field, sizeof(w->field));
	if (field[0] == ':' && w->overview_field < 0) {
		/* RFC 3977 8.5.2: metadata we do not keep. */
		reply(s, RPL_503_UNSUPPORTED, "Metadata item %s not "
		    "supported", field);
		range_walk_free(w);
		return (CMD_OK);
	}
	if (arg != NULL && arg[0] == '<') {
		if (!msgid_valid_nntp(arg, strlen(arg))) {
			reply(s, RPL_501_SYNTAX, "Bad message-id");
			range_walk_free(w);
			return (CMD_OK);
		}
		memset(&h, 0, sizeof(h));
		h.w = w;
		rc = store_article_get(s->srv->store, arg, hdr_article_cb, &h);
		if (rc == STORE_NOTFOUND || h.hidden)
			reply(s, RPL_430_NO_MSGID, "No such article");
		else if (rc != STORE_OK)
			reply(s, RPL_403_INTERNAL, "Cannot read the article");
		else {
			if (style == HDR_RFC3977)
				reply(s, RPL_225_HDR, "Headers follow");
			else
				reply(s, 221, "%s fields follow", field);
			/* HDR numbers a message-id answer 0 (8.5.2);
			   XHDR and XPAT echo the message-id. */
			hdr_emit(w, style == HDR_RFC3977 ? "0" : arg, h.found,
			    w->b->value);
			reply_end(s);
		}
		range_walk_free(w);
		return (CMD_OK);
	}
	if (range_resolve(s, arg, &lo, &hi) == -1) {
		range_walk_free(w);
		return (CMD_OK);
	}
	if (style == HDR_RFC3977)
		reply(s, RPL_225_HDR, "Headers follow");
	else
		reply(s, 221, "%s fields follow", field);
	w->group_id = s->group.id;
	w->next = lo;
	w->hi = hi;
	w->chunk = w->overview_field >= 0 ? OVER_CHUNK : HDR_CHUNK;
	w->line = hdr_line;
	session_stream_start(s, range_walk_fill, range_walk_free, w);
	return (CMD_ASYNC);
}

static enum cmd_result
cmd_hdr_exec(struct session *s, struct nntp_command *cmd)
{
	return (hdr_exec(s, cmd->argv[0], cmd->argc > 1 ? cmd->argv[1] : NULL,
	    HDR_RFC3977, NULL));
}

static enum cmd_result
cmd_xhdr_exec(struct session *s, struct nntp_command *cmd)
{
	return (hdr_exec(s, cmd->argv[0], cmd->argc > 1 ? cmd->argv[1] : NULL,
	    HDR_XHDR, NULL));
}

/* XPAT header range|<msgid> pattern...: the patterns, joined by spaces as
   INN does, form one wildmat. */
static enum cmd_result
cmd_xpat_exec(struct session *s, struct nntp_command *cmd)
{
	const char	*errstr;
	char		*pattern;
	size_t		 len = 1;
	int		 i;

	for (i = 2; i < cmd->argc; i++)
		len += strlen(cmd->argv[i]) + 1;
	pattern = xcalloc(1, len);
	for (i = 2; i < cmd->argc; i++) {
		if (i > 2)
			strcat(pattern, " ");
		strcat(pattern, cmd->argv[i]);
	}
	if (wildmat_valid(pattern, &errstr) == -1) {
		reply(s, RPL_501_SYNTAX, "Bad pattern: %s", errstr);
		free(pattern);
		return (CMD_OK);
	}
	return (hdr_exec(s, cmd->argv[0], cmd->argv[1], HDR_XPAT, pattern));
}

const struct cmd_entry cmd_hdr_entry = {
	.verb = {
		.name = "HDR",
		.args = { 1, 2 },
		.usage = "field [message-id|range]",
	},
	.flags = CMD_READER,
	.exec = cmd_hdr_exec
};
const struct cmd_entry cmd_xhdr_entry = {
	.verb = {
		.name = "XHDR",
		.args = { 1, 2 },
		.usage = "field [message-id|range]",
	},
	.flags = CMD_READER,
	.exec = cmd_xhdr_exec
};
const struct cmd_entry cmd_xpat_entry = {
	.verb = {
		.name = "XPAT",
		.args = { 3, NNTP_ARGS_MAX },
		.usage = "field message-id|range pattern...",
	},
	.flags = CMD_READER,
	.exec = cmd_xpat_exec
};

/*
 * NEWNEWS wildmat date time [GMT] (RFC 3977 7.4): message-ids of articles
 * that arrived since then in a group the wildmat matches, streamed from
 * the arrivals index.
 */
struct newnews_walk {
	struct session	*s;
	char		*wildmat;
	int64_t		 since;
	uint64_t	 cursor;
	int		 started;
};

static void
newnews_free(void *arg)
{
	struct newnews_walk	*n = arg;

	free(n->wildmat);
	free(n);
}

/* Listed when it is in a group both asked for and readable. */
static int
newnews_group_wanted(const char *group, void *arg)
{
	struct newnews_walk	*n = arg;

	return (wildmat_match(group, n->wildmat) &&
	    access_can_read(&n->s->access, group));
}

static int
newnews_line(const char *msgid, int64_t arrival LOOM_UNUSED, const char *xref,
    void *arg)
{
	struct newnews_walk	*n = arg;

	if (xref_any_group(xref, newnews_group_wanted, n))
		reply_line(n->s, "%s", msgid);
	return (0);
}

static int
newnews_fill(struct session *s, void *arg)
{
	struct newnews_walk	*n = arg;

	if ((n->cursor != 0 || !n->started) && store_arrivals(s->srv->store,
	    n->since, OVER_CHUNK, newnews_line, n, &n->cursor) != STORE_OK)
		return (-1);
	n->started = 1;
	if (n->cursor != 0)
		return (1);
	reply_end(s);
	return (0);
}

static enum cmd_result
cmd_newnews_exec(struct session *s, struct nntp_command *cmd)
{
	struct newnews_walk	*n;
	const char		*errstr;
	time_t			 since;

	if (wildmat_valid(cmd->argv[0], &errstr) == -1) {
		reply(s, RPL_501_SYNTAX, "Bad wildmat: %s", errstr);
		return (CMD_OK);
	}
	if (group_parse_since(s, cmd->argv + 1, cmd->argc - 1, &since) == -1)
		return (CMD_OK);
	reply(s, RPL_230_NEWNEWS, "List of new articles follows");
	n = xcalloc(1, sizeof(*n));
	n->s = s;
	n->wildmat = xstrdup(cmd->argv[0]);
	n->since = since;
	session_stream_start(s, newnews_fill, newnews_free, n);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_newnews_entry = {
	.verb = {
		.name = "NEWNEWS",
		.args = { 3, 4 },
		.usage = "wildmat date time [GMT]",
	},
	.flags = CMD_READER,
	.exec = cmd_newnews_exec
};
