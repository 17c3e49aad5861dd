/*
 * The NNTP commands: one entry per command (its verb, preconditions and
 * handler), the dispatcher that checks preconditions centrally, and the
 * helpers handlers share.
 */
#ifndef LOOM_COMMANDS_H
#define LOOM_COMMANDS_H

#include <time.h>

#include "command.h"
#include "nntp.h"
#include "server.h"
#include "session.h"

/* dispatch.c */

/*
 * Preconditions, checked centrally by dispatch in this order, after the
 * parser's syntax check (verb, keyword, arity) and before the handler:
 */
#define CMD_READER		0x01	/* 480/502 without read access */
#define CMD_PEER		0x02	/* 502 "Transit service not permitted"
					   unless the client may feed us */
#define CMD_POST		0x04	/* 440 unless posting is configured
					   and allowed to the client */
#define CMD_GROUP		0x08	/* 412 without a selected group */
/*
 * A data block follows the command whatever the reply (TAKETHIS, RFC 4644
 * 2.5).  Bad arguments do not get a 501 from dispatch: the handler runs
 * with argc 0, reads the block (so it is not taken for commands), then
 * answers.  A failed precondition is answered only once dispatch has read
 * and dropped the block.
 */
#define CMD_BLOCK_FOLLOWS	0x10

/*
 * Why 412 is not always a flag: syntax comes before state (RFC 3977
 * 3.2.1), so a command whose argument may be a message-id, an article
 * number or a range (ARTICLE, HEAD, BODY, STAT, OVER, HDR, XHDR, XPAT)
 * answers 501 for a malformed argument, and HDR 503 for metadata it does
 * not keep, before it says 412; and LISTGROUP and XROOTS need a selected
 * group only when no group is named in their arguments.  A flag checked
 * before the handler would answer 412 first.  Those handlers call
 * dispatch_need_group() once their syntax checks are done; it is the one
 * place the 412 is written, the CMD_GROUP check included.
 */

/*
 * One command: everything about it, defined beside its handler in cmd_*.c
 * and listed once in dispatch.c's table.  The parser's view of the verb
 * comes first, so the table handed to nntp_command_parse() points into
 * these entries and a parsed verb leads back to its entry.
 */
struct cmd_entry {
	struct nntp_verb_def	 verb;		/* first: see cmd_entry_of() */
	unsigned		 flags;		/* CMD_* */
	enum cmd_result		(*exec)(struct session *,
				    struct nntp_command *);
};

/* Every command served, in the order HELP lists them. */
extern const struct nntp_verb_table cmd_table;

/* The entry holding a verb of cmd_table (its first member). */
const struct cmd_entry *cmd_entry_of(const struct nntp_verb_def *verb);

enum cmd_result	 dispatch_line(struct session *s, char *line, size_t len);
/* The entry served under a canonical name ("LIST ACTIVE"), or NULL. */
const struct cmd_entry *dispatch_find(const char *name);
/* 0 if a group is selected; otherwise replies 412 and returns -1. */
int		 dispatch_need_group(struct session *s);

/* cmd_session.c */
extern const struct cmd_entry cmd_capabilities_entry;
extern const struct cmd_entry cmd_compress_entry;
extern const struct cmd_entry cmd_date_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_mode_reader_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_starttls_entry;
void	 server_greeting(struct session *s);

/* cmd_auth.c */
extern const struct cmd_entry cmd_authinfo_generic_entry;
extern const struct cmd_entry cmd_authinfo_pass_entry;
extern const struct cmd_entry cmd_authinfo_sasl_entry;
extern const struct cmd_entry cmd_authinfo_user_entry;

/* cmd_group.c */
extern const struct cmd_entry cmd_group_entry;
extern const struct cmd_entry cmd_last_entry;
extern const struct cmd_entry cmd_list_active_entry;
extern const struct cmd_entry cmd_list_active_times_entry;
extern const struct cmd_entry cmd_list_counts_entry;
extern const struct cmd_entry cmd_list_distrib_pats_entry;
extern const struct cmd_entry cmd_list_headers_entry;
extern const struct cmd_entry cmd_list_moderators_entry;
extern const struct cmd_entry cmd_list_newsgroups_entry;
extern const struct cmd_entry cmd_list_overview_fmt_entry;
extern const struct cmd_entry cmd_listgroup_entry;
extern const struct cmd_entry cmd_newgroups_entry;
extern const struct cmd_entry cmd_next_entry;
int	 group_parse_since(struct session *s, char **argv, int argc,
	    time_t *since);

/* cmd_thread.c */
extern const struct cmd_entry cmd_xroots_entry;
extern const struct cmd_entry cmd_xtree_entry;

/* cmd_transit.c */
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_ihave_entry;
extern const struct cmd_entry cmd_mode_stream_entry;
extern const struct cmd_entry cmd_takethis_entry;

/* cmd_post.c */
extern const struct cmd_entry cmd_post_entry;

/* cmd_article.c */
extern const struct cmd_entry cmd_article_entry;
extern const struct cmd_entry cmd_body_entry;
extern const struct cmd_entry cmd_hdr_entry;
extern const struct cmd_entry cmd_head_entry;
extern const struct cmd_entry cmd_newnews_entry;
extern const struct cmd_entry cmd_over_entry;
extern const struct cmd_entry cmd_stat_entry;
extern const struct cmd_entry cmd_xhdr_entry;
extern const struct cmd_entry cmd_xover_entry;
extern const struct cmd_entry cmd_xpat_entry;

#endif /* LOOM_COMMANDS_H */
