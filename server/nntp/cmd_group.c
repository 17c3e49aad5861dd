/*
 * Group selection and listing: GROUP, LISTGROUP, NEXT, LAST, the LIST
 * variants and NEWGROUPS (RFC 3977 6.1, 7.3, 7.6; RFC 6048 for COUNTS).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datetime.h"
#include "range.h"
#include "commands.h"
#include "util.h"
#include "wildmat.h"

/* Numbers per LISTGROUP chunk: one short read transaction each. */
#define LISTGROUP_CHUNK	512

/*
 * Select a group: the current article becomes its first (RFC 3977 6.1.1).
 * A group the client may not read does not exist for it.
 */
static int
group_select(struct session *s, const char *name)
{
	struct store_group	g;

	if (!access_can_read(&s->access, name) ||
	    store_group_get(s->srv->store, name, &g) != STORE_OK)
		return (-1);
	s->group = g;
	s->have_group = 1;
	s->article = g.count > 0 ? g.low : 0;
	return (0);
}

static void
group_reply_211(struct session *s, const char *extra)
{
	const struct store_group	*g = &s->group;

	if (g->count == 0)
		/* RFC 3977 6.1.1.2: an empty group reports high = low - 1. */
		reply(s, RPL_211_GROUP, "0 %u %u %s%s", g->high + 1, g->high,
		    g->name, extra);
	else
		reply(s, RPL_211_GROUP, "%u %u %u %s%s", g->count, g->low,
		    g->high, g->name, extra);
}

static enum cmd_result
cmd_group_exec(struct session *s, struct nntp_command *cmd)
{
	if (group_select(s, cmd->argv[0]) == -1) {
		reply(s, RPL_411_NO_GROUP, "No such newsgroup");
		return (CMD_OK);
	}
	group_reply_211(s, "");
	return (CMD_OK);
}

const struct cmd_entry cmd_group_entry = {
	.verb = {
		.name = "GROUP",
		.args = { 1, 1 },
		.usage = "group",
	},
	.flags = CMD_READER,
	.exec = cmd_group_exec
};

struct listgroup_ctx {
	uint32_t	 group_id;
	uint32_t	 next;
	uint32_t	 hi;
	struct reply_span span;
	int		 oom;
};

/* One number a line, written straight into the output (as OVER). */
static int
listgroup_line(const struct store_over_entry *e, void *arg)
{
	struct listgroup_ctx	*c = arg;
	char			*p;
	size_t			 n;

	if ((p = reply_span_room(&c->span, NNTP_NUMBER_DIGITS + 2)) ==
	    NULL) {
		c->oom = 1;
		return (1);
	}
	n = nntp_number_format(p, e->number);
	p[n] = '\r';
	p[n + 1] = '\n';
	reply_span_wrote(&c->span, n + 2);
	return (0);
}

static int
listgroup_fill(struct session *s, void *arg)
{
	struct listgroup_ctx	*c = arg;
	uint32_t		 next = 0;
	enum store_status	 rc = STORE_OK;

	if (c->next != 0 && c->next <= c->hi) {
		reply_span_begin(s, &c->span);
		rc = store_over_range(s->srv->store, c->group_id, c->next,
		    c->hi, LISTGROUP_CHUNK, listgroup_line, c, &next);
		reply_span_end(&c->span);
	}
	if (rc != STORE_OK || c->oom)
		return (-1);
	c->next = next;
	if (next != 0)
		return (1);
	reply_end(s);
	return (0);
}

/* RFC 3977 6.1.2: select a group and list its article numbers. */
static enum cmd_result
cmd_listgroup_exec(struct session *s, struct nntp_command *cmd)
{
	struct listgroup_ctx	*c;
	uint32_t		 lo, hi;

	/* Syntax before state (RFC 3977 3.2.1), as nnrpd: a bad range is
	   501 whether or not the group exists, and selects nothing. */
	lo = 1;
	hi = NNTP_ARTNUM_MAX;
	if (cmd->argc == 2 && nntp_range_parse(cmd->argv[1], NNTP_ARTNUM_MAX,
	    &lo, &hi) == -1) {
		reply(s, RPL_501_SYNTAX, "Bad range \"%s\"", cmd->argv[1]);
		return (CMD_OK);
	}
	if (cmd->argc >= 1) {
		if (group_select(s, cmd->argv[0]) == -1) {
			reply(s, RPL_411_NO_GROUP, "No such newsgroup");
			return (CMD_OK);
		}
	} else if (dispatch_need_group(s) == -1)
		return (CMD_OK);
	else if (group_select(s, s->group.name) == -1) {
		/* Removed (loomctl rmgroup) since it was selected. */
		s->have_group = 0;
		s->article = 0;
		reply(s, RPL_411_NO_GROUP, "No such newsgroup");
		return (CMD_OK);
	}
	group_reply_211(s, " list follows");
	if (s->group.count == 0 || lo > hi || hi < s->group.low ||
	    lo > s->group.high) {
		reply_end(s);
		return (CMD_OK);
	}
	c = xcalloc(1, sizeof(*c));
	c->group_id = s->group.id;
	c->next = lo < s->group.low ? s->group.low : lo;
	c->hi = hi > s->group.high ? s->group.high : hi;
	session_stream_start(s, listgroup_fill, free, c);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_listgroup_entry = {
	.verb = {
		.name = "LISTGROUP",
		.args = { 0, 2 },
		.usage = "[group [range]]",
	},
	.flags = CMD_READER,
	.exec = cmd_listgroup_exec
};

/* NEXT and LAST (RFC 3977 6.1.3, 6.1.4). */
static enum cmd_result
group_step(struct session *s, int dir)
{
	char		msgid[STORE_MSGID_MAX + 1];
	uint32_t	number;

	if (s->article == 0) {
		reply(s, RPL_420_NO_CURRENT, "Current article number is "
		    "invalid");
		return (CMD_OK);
	}
	if (store_number_step(s->srv->store, s->group.id, s->article, dir,
	    &number, msgid) != STORE_OK) {
		if (dir > 0)
			reply(s, RPL_421_NO_NEXT, "No next article in this "
			    "group");
		else
			reply(s, RPL_422_NO_PREV, "No previous article in "
			    "this group");
		return (CMD_OK);
	}
	s->article = number;
	reply(s, RPL_223_STAT, "%u %s", number, msgid);
	return (CMD_OK);
}

static enum cmd_result
cmd_next_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	return (group_step(s, 1));
}

static enum cmd_result
cmd_last_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	return (group_step(s, -1));
}

const struct cmd_entry cmd_next_entry = {
	.verb = {
		.name = "NEXT",
	},
	.flags = CMD_READER | CMD_GROUP,
	.exec = cmd_next_exec
};
const struct cmd_entry cmd_last_entry = {
	.verb = {
		.name = "LAST",
	},
	.flags = CMD_READER | CMD_GROUP,
	.exec = cmd_last_exec
};

/*
 * The LIST variants and NEWGROUPS walk the group table, streamed like OVER:
 * a chunk of groups per read transaction, so a long list and an expensive
 * wildmat cost other clients one slice of work at a time.
 */
#define GROUP_LIST_CHUNK	32

enum group_list_kind {
	GL_ACTIVE,
	GL_ACTIVE_TIMES,
	GL_NEWSGROUPS,
	GL_COUNTS,
	GL_NEWGROUPS
};

struct group_list_ctx {
	struct session		*s;
	enum group_list_kind	 kind;
	char			*wildmat;	/* NULL: every group */
	time_t			 since;
	unsigned		 left;		/* groups this chunk */
	int			 more;		/* stopped before the end */
	char			 next[STORE_GROUP_MAX + 1];
};

static int
group_list_line(const struct store_group *g, void *arg)
{
	struct group_list_ctx	*c = arg;
	struct session		*s = c->s;
	uint32_t		 low = g->count > 0 ? g->low : g->high + 1;

	if (c->left-- == 0) {
		/* Resume here: this group is the next chunk's first. */
		loom_strlcpy(c->next, g->name, sizeof(c->next));
		c->more = 1;
		return (1);
	}
	if ((c->wildmat != NULL && !wildmat_match(g->name, c->wildmat)) ||
	    !access_can_read(&s->access, g->name))
		return (0);
	switch (c->kind) {
	case GL_ACTIVE:
		reply_line(s, "%s %u %u %c", g->name, g->high, low, g->status);
		break;
	case GL_ACTIVE_TIMES:
		reply_line(s, "%s %lld %s", g->name, (long long)g->created,
		    g->creator[0] != '\0' ? g->creator : "loom");
		break;
	case GL_NEWSGROUPS:
		reply_line(s, "%s\t%s", g->name, g->description);
		break;
	case GL_COUNTS:
		reply_line(s, "%s %u %u %u %c", g->name, g->high, low,
		    g->count, g->status);
		break;
	case GL_NEWGROUPS:
		if (g->created >= c->since)
			reply_line(s, "%s %u %u %c", g->name, g->high, low,
			    g->status);
		break;
	}
	return (0);
}

static int
group_list_fill(struct session *s, void *arg)
{
	struct group_list_ctx	*c = arg;

	c->left = GROUP_LIST_CHUNK;
	c->more = 0;
	/* A store error after the first line: end the session rather than
	   pretend the list was complete. */
	if (store_group_foreach_from(s->srv->store, c->next, group_list_line,
	    c) != STORE_OK)
		return (-1);
	if (c->more)
		return (1);
	reply_end(s);
	return (0);
}

static void
group_list_free(void *arg)
{
	struct group_list_ctx	*c = arg;

	free(c->wildmat);
	free(c);
}

/* Send the status line, then stream the groups. */
static enum cmd_result
group_list_start(struct session *s, enum group_list_kind kind,
    const char *wildmat, time_t since)
{
	struct group_list_ctx	*c;

	c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->kind = kind;
	c->since = since;
	if (wildmat != NULL)
		c->wildmat = xstrdup(wildmat);
	if (kind == GL_NEWGROUPS)
		reply(s, RPL_231_NEWGROUPS, "List of new newsgroups follows");
	else
		reply(s, RPL_215_LIST, "Information follows");
	session_stream_start(s, group_list_fill, group_list_free, c);
	return (CMD_ASYNC);
}

static enum cmd_result
group_list(struct session *s, enum group_list_kind kind, const char *wildmat)
{
	const char	*errstr;

	if (wildmat != NULL && wildmat_valid(wildmat, &errstr) == -1) {
		reply(s, RPL_501_SYNTAX, "Bad wildmat: %s", errstr);
		return (CMD_OK);
	}
	return (group_list_start(s, kind, wildmat, 0));
}

static enum cmd_result
cmd_list_active_exec(struct session *s, struct nntp_command *cmd)
{
	return (group_list(s, GL_ACTIVE, cmd->argc > 0 ? cmd->argv[0] : NULL));
}

static enum cmd_result
cmd_list_active_times_exec(struct session *s, struct nntp_command *cmd)
{
	return (group_list(s, GL_ACTIVE_TIMES, cmd->argc > 0 ? cmd->argv[0] :
	    NULL));
}

static enum cmd_result
cmd_list_newsgroups_exec(struct session *s, struct nntp_command *cmd)
{
	return (group_list(s, GL_NEWSGROUPS, cmd->argc > 0 ? cmd->argv[0] :
	    NULL));
}

static enum cmd_result
cmd_list_counts_exec(struct session *s, struct nntp_command *cmd)
{
	return (group_list(s, GL_COUNTS, cmd->argc > 0 ? cmd->argv[0] : NULL));
}

const struct cmd_entry cmd_list_active_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "ACTIVE",
		.args = { 0, 1 },
		.usage = "[wildmat]",
		.syntax = NNTP_VERB_BARE,
	},
	.flags = CMD_READER,
	.exec = cmd_list_active_exec
};
const struct cmd_entry cmd_list_active_times_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "ACTIVE.TIMES",
		.args = { 0, 1 },
		.usage = "[wildmat]",
	},
	.flags = CMD_READER,
	.exec = cmd_list_active_times_exec
};
const struct cmd_entry cmd_list_newsgroups_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "NEWSGROUPS",
		.args = { 0, 1 },
		.usage = "[wildmat]",
	},
	.flags = CMD_READER,
	.exec = cmd_list_newsgroups_exec
};
const struct cmd_entry cmd_list_counts_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "COUNTS",
		.args = { 0, 1 },
		.usage = "[wildmat]",
	},
	.flags = CMD_READER,
	.exec = cmd_list_counts_exec
};

/* RFC 3977 8.4: the overview fields after the seven mandatory ones. */
static enum cmd_result
cmd_list_overview_fmt_exec(struct session *s,
    struct nntp_command *cmd LOOM_UNUSED)
{
	reply(s, RPL_215_LIST, "Order of fields in overview database");
	reply_line(s, "Subject:");
	reply_line(s, "From:");
	reply_line(s, "Date:");
	reply_line(s, "Message-ID:");
	reply_line(s, "References:");
	reply_line(s, ":bytes");
	reply_line(s, ":lines");
	reply_line(s, "Xref:full");
	reply_end(s);
	return (CMD_OK);
}

const struct cmd_entry cmd_list_overview_fmt_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "OVERVIEW.FMT",
	},
	.flags = CMD_READER,
	.exec = cmd_list_overview_fmt_exec
};

/* RFC 3977 8.6: HDR takes any header ("all headers": ":") and both
   metadata items, by range and by message-id alike. */
static enum cmd_result
cmd_list_headers_exec(struct session *s, struct nntp_command *cmd)
{
	if (cmd->argc == 1 && strcasecmp(cmd->argv[0], "MSGID") != 0 &&
	    strcasecmp(cmd->argv[0], "RANGE") != 0) {
		reply(s, RPL_501_SYNTAX, "LIST HEADERS takes MSGID or RANGE");
		return (CMD_OK);
	}
	reply(s, RPL_215_LIST, "Headers and metadata items supported");
	reply_line(s, ":");
	reply_line(s, ":bytes");
	reply_line(s, ":lines");
	reply_end(s);
	return (CMD_OK);
}

const struct cmd_entry cmd_list_headers_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "HEADERS",
		.args = { 0, 1 },
		.usage = "[MSGID|RANGE]",
	},
	.flags = CMD_READER,
	.exec = cmd_list_headers_exec
};

/* RFC 3977 7.6.5: Loom keeps no distributions, so the list is empty. */
static enum cmd_result
cmd_list_distrib_pats_exec(struct session *s,
    struct nntp_command *cmd LOOM_UNUSED)
{
	reply(s, RPL_215_LIST, "Distribution patterns follow");
	reply_end(s);
	return (CMD_OK);
}

const struct cmd_entry cmd_list_distrib_pats_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "DISTRIB.PATS",
	},
	.flags = CMD_READER,
	.exec = cmd_list_distrib_pats_exec
};

/*
 * Parse the date, time and optional "GMT" of NEWGROUPS and NEWNEWS
 * (RFC 3977 7.3); argv points at the date.  -1 after replying 501.
 */
int
group_parse_since(struct session *s, char **argv, int argc, time_t *since)
{
	struct tm	tm;
	time_t		now = time(NULL);
	int		gmt = 0;

	if (argc == 3) {
		if (strcasecmp(argv[2], "GMT") != 0) {
			reply(s, RPL_501_SYNTAX, "Expected GMT, got \"%s\"",
			    argv[2]);
			return (-1);
		}
		gmt = 1;
	}
	localtime_r(&now, &tm);
	if (nntp_datetime_parse(argv[0], argv[1], gmt, now, tm.tm_gmtoff,
	    since) == -1) {
		reply(s, RPL_501_SYNTAX, "Bad date or time (yymmdd or "
		    "yyyymmdd, hhmmss)");
		return (-1);
	}
	return (0);
}

static enum cmd_result
cmd_newgroups_exec(struct session *s, struct nntp_command *cmd)
{
	time_t	since;

	if (group_parse_since(s, cmd->argv, cmd->argc, &since) == -1)
		return (CMD_OK);
	return (group_list_start(s, GL_NEWGROUPS, NULL, since));
}

const struct cmd_entry cmd_newgroups_entry = {
	.verb = {
		.name = "NEWGROUPS",
		.args = { 2, 3 },
		.usage = "date time [GMT]",
	},
	.flags = CMD_READER,
	.exec = cmd_newgroups_exec
};
