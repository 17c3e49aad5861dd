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

/* Precondition flags checked centrally before a handler runs. */
#define CMD_NEEDS_GROUP		0x01	/* 412 without a selected group */
#define CMD_READER		0x02	/* 480/502 without read access */
/* A data block follows the command whatever the reply (TAKETHIS, RFC 4644
   2.5).  Bad arguments do not get a 501 from dispatch: the handler runs
   with argc 0, reads the block (so it is not taken for commands), then
   answers. */
#define CMD_BLOCK_FOLLOWS	0x04

struct cmd_entry {
	enum nntp_verb		 verb;
	unsigned		 flags;
	enum cmd_result		(*exec)(struct session *,
				    struct nntp_command *);
};

enum cmd_result	 dispatch_line(struct session *s, char *line, size_t len);
const struct cmd_entry *dispatch_find(enum nntp_verb verb);

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
