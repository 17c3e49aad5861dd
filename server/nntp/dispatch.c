/*
 * The semantic half of dispatch: one table of command entries (each defined
 * beside its handler in cmd_*.c), generic precondition checks, then the
 * handler.  The table is the single source of truth: the parser reads the
 * verbs' spelling and arity from it, HELP and CAPABILITIES are derived from
 * it, and no switch or enum mirrors it.  Adding a command is one entry in
 * its cmd_*.c file and one line here.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "commands.h"
#include "util.h"

/* In the order HELP lists them. */
static const struct nntp_verb_def *const dispatch_verbs[] = {
	&cmd_article_entry.verb,
	&cmd_authinfo_user_entry.verb,
	&cmd_authinfo_pass_entry.verb,
	&cmd_authinfo_sasl_entry.verb,
	&cmd_authinfo_generic_entry.verb,
	&cmd_body_entry.verb,
	&cmd_capabilities_entry.verb,
	&cmd_check_entry.verb,
	&cmd_compress_entry.verb,
	&cmd_date_entry.verb,
	&cmd_group_entry.verb,
	&cmd_hdr_entry.verb,
	&cmd_head_entry.verb,
	&cmd_help_entry.verb,
	&cmd_ihave_entry.verb,
	&cmd_last_entry.verb,
	&cmd_list_active_entry.verb,
	&cmd_list_active_times_entry.verb,
	&cmd_list_counts_entry.verb,
	&cmd_list_distrib_pats_entry.verb,
	&cmd_list_headers_entry.verb,
	&cmd_list_moderators_entry.verb,
	&cmd_list_newsgroups_entry.verb,
	&cmd_list_overview_fmt_entry.verb,
	&cmd_listgroup_entry.verb,
	&cmd_mode_reader_entry.verb,
	&cmd_mode_stream_entry.verb,
	&cmd_newgroups_entry.verb,
	&cmd_newnews_entry.verb,
	&cmd_next_entry.verb,
	&cmd_over_entry.verb,
	&cmd_post_entry.verb,
	&cmd_quit_entry.verb,
	&cmd_starttls_entry.verb,
	&cmd_stat_entry.verb,
	&cmd_takethis_entry.verb,
	&cmd_xhdr_entry.verb,
	&cmd_xover_entry.verb,
	&cmd_xpat_entry.verb,
	&cmd_xroots_entry.verb,
	&cmd_xtree_entry.verb,
};

const struct nntp_verb_table cmd_table = {
	dispatch_verbs, sizeof(dispatch_verbs) / sizeof(dispatch_verbs[0])
};

/* The verb is the entry's first member (C11 6.7.2.1p15). */
_Static_assert(offsetof(struct cmd_entry, verb) == 0,
    "struct cmd_entry must begin with its verb");

const struct cmd_entry *
cmd_entry_of(const struct nntp_verb_def *verb)
{
	return ((const struct cmd_entry *)(const void *)verb);
}

const struct cmd_entry *
dispatch_find(const char *name)
{
	size_t	i;

	for (i = 0; i < cmd_table.n; i++)
		if (nntp_verb_is(cmd_table.verbs[i], name))
			return (cmd_entry_of(cmd_table.verbs[i]));
	return (NULL);
}

int
dispatch_need_group(struct session *s)
{
	if (s->have_group)
		return (0);
	reply(s, RPL_412_NO_GROUP_SEL, "No newsgroup selected");
	return (-1);
}

/* The precondition a command failed, if any. */
enum dispatch_refusal {
	REFUSE_NONE = 0,
	REFUSE_READER,
	REFUSE_PEER,
	REFUSE_POSTING_OFF,	/* posting is not configured at all */
	REFUSE_POSTING,		/* not for this client (yet) */
	REFUSE_GROUP
};

static enum dispatch_refusal
dispatch_check(struct session *s, unsigned flags)
{
	if ((flags & CMD_READER) && s->access.read[0] == '\0')
		return (REFUSE_READER);
	if ((flags & CMD_PEER) && !s->peer_ok)
		return (REFUSE_PEER);
	if ((flags & CMD_POST) && !s->srv->cfg.posting)
		return (REFUSE_POSTING_OFF);
	if ((flags & CMD_POST) && s->access.post[0] == '\0')
		return (REFUSE_POSTING);
	if ((flags & CMD_GROUP) && !s->have_group)
		return (REFUSE_GROUP);
	return (REFUSE_NONE);
}

static void
dispatch_refuse(struct session *s, enum dispatch_refusal r)
{
	switch (r) {
	case REFUSE_NONE:
		break;
	case REFUSE_READER:
		session_refuse_access(s, RPL_502_UNAVAILABLE, "Reading");
		break;
	case REFUSE_PEER:
		reply(s, RPL_502_UNAVAILABLE, "Transit service not permitted");
		break;
	case REFUSE_POSTING_OFF:
		reply(s, RPL_440_NO_POSTING, "Posting not permitted");
		break;
	case REFUSE_POSTING:
		session_refuse_access(s, RPL_440_NO_POSTING, "Posting");
		break;
	case REFUSE_GROUP:
		(void)dispatch_need_group(s);
		break;
	}
}

/* A refused command whose data block follows: drop the block, then say
   no, so the block is not taken for commands. */
static void
dispatch_drop_line(struct session *s LOOM_UNUSED, const char *line LOOM_UNUSED,
    size_t len LOOM_UNUSED,
    void *arg LOOM_UNUSED)
{
}

static enum cmd_result
dispatch_refuse_end(struct session *s, int too_long LOOM_UNUSED, void *arg)
{
	dispatch_refuse(s, (enum dispatch_refusal)(intptr_t)arg);
	return (CMD_OK);
}

/* The checks every command shares, then its handler. */
static enum cmd_result
dispatch_parsed(struct session *s, enum nntp_parse_result pr,
    struct nntp_command *cmd, const char *errstr)
{
	const struct cmd_entry	*e;
	enum dispatch_refusal	 r;

	switch (pr) {
	case NNTP_PARSE_OK:
		break;
	case NNTP_PARSE_EMPTY:
		reply(s, RPL_501_SYNTAX, "Empty command line");
		return (CMD_OK);
	case NNTP_PARSE_UNKNOWN:
		reply(s, RPL_500_UNKNOWN, "Unknown command");
		return (CMD_OK);
	case NNTP_PARSE_SYNTAX:
		if (cmd->verb == NULL ||
		    !(cmd_entry_of(cmd->verb)->flags & CMD_BLOCK_FOLLOWS)) {
			reply(s, RPL_501_SYNTAX, "%s", errstr != NULL ?
			    errstr : "Syntax error");
			return (CMD_OK);
		}
		/* The handler reads the block and says 501. */
		cmd->argc = 0;
		break;
	}
	e = cmd_entry_of(cmd->verb);
	if ((r = dispatch_check(s, e->flags)) != REFUSE_NONE) {
		if (!(e->flags & CMD_BLOCK_FOLLOWS)) {
			dispatch_refuse(s, r);
			return (CMD_OK);
		}
		session_receive_start(s, s->srv->cfg.max_article_size,
		    dispatch_drop_line, dispatch_refuse_end, NULL,
		    (void *)(intptr_t)r);
		return (CMD_ASYNC);
	}
	return (e->exec(s, cmd));
}

enum cmd_result
dispatch_line(struct session *s, char *line, size_t len)
{
	struct nntp_command	 cmd;
	enum nntp_parse_result	 pr;
	enum cmd_result		 res;
	const char		*errstr = NULL;
	char			 shown[NNTP_COMMAND_MAX + 1];
	int			 debug = log_get_level() == LOG_LEVEL_DEBUG;

	/* The whole line at debug level, but never an AUTHINFO argument:
	   the parser says how much may be shown, from the words it found,
	   so no spacing or case of the verb gets a password past it.  It
	   cuts the line into words, hence the copy. */
	if (len > NNTP_COMMAND_MAX)
		len = NNTP_COMMAND_MAX;
	if (debug)
		memcpy(shown, line, len);
	pr = nntp_command_parse(&cmd_table, line, &cmd, &errstr);
	if (debug) {
		log_debug("session=%llx line=\"%.*s\"%s",
		    (unsigned long long)s->id, (int)(cmd.loggable < len ?
		    cmd.loggable : len), shown,
		    cmd.secret ? " (arguments not logged)" : "");
		if (cmd.secret)
			explicit_bzero(shown, len);
	}
	res = dispatch_parsed(s, pr, &cmd, errstr);
	/* The handler copied what it needs: leave no password in the line
	   buffer for the next command to find. */
	if (cmd.secret)
		explicit_bzero(line, len);
	return (res);
}
