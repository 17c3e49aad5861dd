/*
 * LIST MODERATORS (RFC 6048): the submission rule of moderated
 * groups, one "wildmat:address-template" line per [moderators] rule, in
 * file order (the first that matches a group applies).  Loom takes
 * submissions itself (a post to a moderated group waits in the moderation
 * queue), so the template is informational: where to write to a group's
 * moderators.  %s stands for the group name with dots made dashes.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "moderation.h"
#include "util.h"

static enum cmd_result
cmd_list_moderators_exec(struct session *s,
    struct nntp_command *cmd LOOM_UNUSED)
{
	const struct config	*cfg = &s->srv->cfg;
	size_t			 i;

	reply(s, RPL_215_LIST, "Newsgroup moderators follow");
	for (i = 0; i < cfg->nmoderators; i++) {
		if (cfg->moderators[i].submit[0] != '\0')
			reply_line(s, "%s:%s", cfg->moderators[i].groups,
			    cfg->moderators[i].submit);
		else
			reply_line(s, "%s:%%s@%s", cfg->moderators[i].groups,
			    cfg->domain);
	}
	reply_end(s);
	return (CMD_OK);
}

const struct cmd_entry cmd_list_moderators_entry = {
	.verb = {
		.name = "LIST",
		.keyword = "MODERATORS",
	},
	.flags = CMD_READER,
	.exec = cmd_list_moderators_exec
};
