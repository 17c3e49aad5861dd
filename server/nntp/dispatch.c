/*
 * The semantic half of dispatch: one table of command entries (each defined
 * beside its handler in cmd_*.c), generic precondition checks, then the
 * handler.  The table is the single source of truth: HELP and CAPABILITIES
 * are derived from it, and no switch mirrors it.
 */
#include <string.h>

#include "log.h"
#include "commands.h"

static const struct cmd_entry *const dispatch_table[] = {
	&cmd_article_entry,
	&cmd_authinfo_generic_entry,
	&cmd_authinfo_pass_entry,
	&cmd_authinfo_sasl_entry,
	&cmd_authinfo_user_entry,
	&cmd_body_entry,
	&cmd_capabilities_entry,
	&cmd_check_entry,
	&cmd_compress_entry,
	&cmd_date_entry,
	&cmd_group_entry,
	&cmd_hdr_entry,
	&cmd_head_entry,
	&cmd_help_entry,
	&cmd_ihave_entry,
	&cmd_last_entry,
	&cmd_list_active_entry,
	&cmd_list_active_times_entry,
	&cmd_list_counts_entry,
	&cmd_list_distrib_pats_entry,
	&cmd_list_headers_entry,
	&cmd_list_newsgroups_entry,
	&cmd_list_overview_fmt_entry,
	&cmd_listgroup_entry,
	&cmd_mode_reader_entry,
	&cmd_mode_stream_entry,
	&cmd_newgroups_entry,
	&cmd_newnews_entry,
	&cmd_next_entry,
	&cmd_over_entry,
	&cmd_post_entry,
	&cmd_quit_entry,
	&cmd_starttls_entry,
	&cmd_stat_entry,
	&cmd_takethis_entry,
	&cmd_xhdr_entry,
	&cmd_xover_entry,
	&cmd_xpat_entry,
	&cmd_xroots_entry,
	&cmd_xtree_entry,
};

#define DISPATCH_N	(sizeof(dispatch_table) / sizeof(dispatch_table[0]))

const struct cmd_entry *
dispatch_find(enum nntp_verb verb)
{
	size_t	i;

	for (i = 0; i < DISPATCH_N; i++)
		if (dispatch_table[i]->verb == verb)
			return (dispatch_table[i]);
	return (NULL);
}

/* The checks every command shares, then its handler. */
static enum cmd_result
dispatch_parsed(struct session *s, enum nntp_parse_result pr,
    struct nntp_command *cmd, const char *errstr)
{
	const struct cmd_entry	*e;

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
		if (errstr == NULL)
			errstr = "Syntax error";
		if ((e = dispatch_find(cmd->verb)) != NULL &&
		    (e->flags & CMD_BLOCK_FOLLOWS)) {
			cmd->argc = 0;
			return (e->exec(s, cmd));
		}
		reply(s, RPL_501_SYNTAX, "%s", errstr);
		return (CMD_OK);
	}
	/* Known to the parser but not served by this server. */
	if ((e = dispatch_find(cmd->verb)) == NULL) {
		reply(s, RPL_500_UNKNOWN, "Command not supported");
		return (CMD_OK);
	}
	if ((e->flags & CMD_READER) && s->access.read[0] == '\0') {
		session_refuse_access(s, RPL_502_UNAVAILABLE, "Reading");
		return (CMD_OK);
	}
	if ((e->flags & CMD_NEEDS_GROUP) && !s->have_group) {
		reply(s, RPL_412_NO_GROUP_SEL, "No newsgroup selected");
		return (CMD_OK);
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
	pr = nntp_command_parse(line, &cmd, &errstr);
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
