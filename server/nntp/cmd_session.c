/*
 * Session-level commands: CAPABILITIES, COMPRESS, DATE, HELP, MODE READER,
 * QUIT, STARTTLS.
 */
#include <event2/bufferevent.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compress.h"
#include "datetime.h"
#include "commands.h"
#include "util.h"

/* Posting is offered when configured, served and allowed to the client
   (to some group: which ones is checked per article). */
static int
session_may_post(struct session *s)
{
	return (s->srv->cfg.posting && dispatch_find("POST") != NULL &&
	    s->access.post[0] != '\0');
}

void
server_greeting(struct session *s)
{
	if (session_may_post(s))
		reply(s, RPL_200_POSTING_OK, "Loom %s server ready (posting "
		    "ok)", LOOM_VERSION);
	else
		reply(s, RPL_201_NO_POSTING, "Loom %s server ready (no "
		    "posting)", LOOM_VERSION);
}

/* True when every command of the list (canonical names) is served. */
static int
caps_served(const char *const *names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (dispatch_find(names[i]) == NULL)
			return (0);
	return (1);
}

#define SERVED(...)	caps_served((const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/*
 * RFC 3977 5.2.  Advertised capabilities are derived from the dispatch
 * table, so a capability appears only once all its commands are served.
 * Loom is a mixed server: READER is on from the start, MODE READER is
 * accepted but not needed, so MODE-READER is not advertised.
 */
static enum cmd_result
cmd_capabilities_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	static const struct {
		const char	*verb;
		const char	*name;
	} lists[] = {
		{ "LIST ACTIVE", "ACTIVE" },
		{ "LIST ACTIVE.TIMES", "ACTIVE.TIMES" },
		{ "LIST COUNTS", "COUNTS" },
		{ "LIST DISTRIB.PATS", "DISTRIB.PATS" },
		{ "LIST HEADERS", "HEADERS" },
		{ "LIST MODERATORS", "MODERATORS" },
		{ "LIST NEWSGROUPS", "NEWSGROUPS" },
		{ "LIST OVERVIEW.FMT", "OVERVIEW.FMT" },
	};
	char	list[256] = "LIST";
	size_t	i;

	reply(s, RPL_101_CAPABILITIES, "Capability list:");
	reply_line(s, "VERSION 2");
	reply_line(s, "IMPLEMENTATION Loom %s", LOOM_VERSION);
	if (SERVED("ARTICLE", "BODY", "GROUP", "HEAD", "LAST",
	    "LISTGROUP", "NEXT", "STAT", "LIST ACTIVE",
	    "LIST NEWSGROUPS"))
		reply_line(s, "READER");
	if (session_may_post(s))
		reply_line(s, "POST");
	/* Transit is offered to the clients that may feed us. */
	if (s->peer_ok && SERVED("IHAVE"))
		reply_line(s, "IHAVE");
	if (s->peer_ok && SERVED("MODE STREAM", "CHECK", "TAKETHIS"))
		reply_line(s, "STREAMING");
	if (SERVED("NEWNEWS"))
		reply_line(s, "NEWNEWS");
	if (SERVED("OVER"))
		reply_line(s, "OVER MSGID");
	if (SERVED("HDR"))
		reply_line(s, "HDR");
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (SERVED(lists[i].verb)) {
			strcat(list, " ");
			strcat(list, lists[i].name);
		}
	if (strcmp(list, "LIST") != 0)
		reply_line(s, "%s", list);
	if (SERVED("XTREE", "XROOTS"))
		reply_line(s, "XTREE");
	/* RFC 4642 2.1: offered until TLS is active (or a login); RFC 8054
	   2.2.2: not once compression is. */
	if (s->srv->tls_ctx != NULL && !s->tls && !s->authenticated &&
	    s->zc == NULL)
		reply_line(s, "STARTTLS");
	if (SERVED("COMPRESS") && s->zc == NULL &&
	    !compress_tls_level(s->bev))
		reply_line(s, "COMPRESS DEFLATE");
	/* RFC 4643 2.1: USER only where a password may be sent now; the
	   bare capability says AUTHINFO exists (after STARTTLS, or on
	   another connection before COMPRESS); nothing once logged in. */
	if (!s->authenticated && SERVED("AUTHINFO USER",
	    "AUTHINFO PASS"))
		reply_line(s, session_auth_allowed(s) ? "AUTHINFO USER" :
		    "AUTHINFO");
	reply_end(s);
	return (CMD_OK);
}

const struct cmd_entry cmd_capabilities_entry = {
	.verb = {
		.name = "CAPABILITIES",
		.args = { 0, 1 },
		.usage = "[keyword]",
	},
	.exec = cmd_capabilities_exec
};

/* RFC 3977 7.1: the server's UTC time. */
static enum cmd_result
cmd_date_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	char	buf[15];

	nntp_date_format(time(NULL), buf);
	reply(s, RPL_111_DATE, "%s", buf);
	return (CMD_OK);
}

const struct cmd_entry cmd_date_entry = {
	.verb = {
		.name = "DATE",
	},
	.exec = cmd_date_exec
};

/* RFC 3977 7.2: every served command with its arguments. */
static enum cmd_result
cmd_help_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	const struct nntp_verb_def	*v;
	const char			*usage;
	char				 name[NNTP_VERB_NAME_MAX];
	size_t				 i;

	reply(s, RPL_100_HELP, "Help text follows");
	for (i = 0; i < cmd_table.n; i++) {
		v = cmd_table.verbs[i];
		usage = v->usage != NULL ? v->usage : "";
		reply_line(s, "  %s%s%s", nntp_verb_name(v, name,
		    sizeof(name)), usage[0] != '\0' ? " " : "", usage);
	}
	reply_end(s);
	return (CMD_OK);
}

const struct cmd_entry cmd_help_entry = {
	.verb = {
		.name = "HELP",
	},
	.exec = cmd_help_exec
};

/* RFC 3977 5.3: Loom serves readers in every state, so nothing changes. */
static enum cmd_result
cmd_mode_reader_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	if (session_may_post(s))
		reply(s, RPL_200_POSTING_OK, "Reader mode, posting permitted");
	else
		reply(s, RPL_201_NO_POSTING, "Reader mode, posting prohibited");
	return (CMD_OK);
}

const struct cmd_entry cmd_mode_reader_entry = {
	.verb = {
		.name = "MODE",
		.keyword = "READER",
	},
	.exec = cmd_mode_reader_exec
};

static enum cmd_result
cmd_quit_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	reply(s, RPL_205_BYE, "Bye");
	return (CMD_CLOSE);
}

const struct cmd_entry cmd_quit_entry = {
	.verb = {
		.name = "QUIT",
	},
	.exec = cmd_quit_exec
};

/*
 * STARTTLS (RFC 4642): 382, then the handshake once the reply is out.
 * 502 when TLS is already on, 580 when this server has no certificate.
 */
static enum cmd_result
cmd_starttls_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	if (s->tls) {
		reply(s, RPL_502_UNAVAILABLE, "TLS is already active");
		return (CMD_OK);
	}
	/* RFC 8054 2.2.2: TLS could bring compression of its own. */
	if (s->zc != NULL) {
		reply(s, RPL_502_UNAVAILABLE, "DEFLATE compression already "
		    "active");
		return (CMD_OK);
	}
	/* RFC 4642 2.2.2: not after a login (a client sending credentials
	   in clear must not be told they were safe). */
	if (s->authenticated) {
		reply(s, RPL_502_UNAVAILABLE, "Already authenticated");
		return (CMD_OK);
	}
	if (s->srv->tls_ctx == NULL) {
		reply(s, RPL_580_TLS_FAILED, "TLS is not configured here");
		return (CMD_OK);
	}
	if (s->npending > 0) {
		reply(s, RPL_502_UNAVAILABLE, "Not while articles are in "
		    "flight");
		return (CMD_OK);
	}
	reply(s, RPL_382_TLS_GO, "Continue with TLS negotiation");
	session_starttls(s);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_starttls_entry = {
	.verb = {
		.name = "STARTTLS",
	},
	.exec = cmd_starttls_exec
};

/*
 * COMPRESS DEFLATE (RFC 8054).  The 206 goes out as it is; everything
 * after it, both ways, passes through the layer (compress.c), which sits
 * above TLS when TLS is on.  The checks follow 2.2.2's order: a malformed
 * name is 501, any well-formed COMPRESS once compression is on is 502, an
 * unknown algorithm 503, a layer that cannot be built 403.
 */
static enum cmd_result
cmd_compress_exec(struct session *s, struct nntp_command *cmd)
{
	struct bufferevent	*bev;
	struct compress		*zc;
	char			 name[32];

	if (!nntp_algorithm_valid(cmd->argv[0])) {
		reply(s, RPL_501_SYNTAX, "Syntax error in compression "
		    "algorithm name");
		return (CMD_OK);
	}
	if (s->zc != NULL) {
		reply(s, RPL_502_UNAVAILABLE, "DEFLATE compression already "
		    "active");
		return (CMD_OK);
	}
	if (compress_tls_level(s->bev)) {
		reply(s, RPL_502_UNAVAILABLE, "Compression already active via "
		    "TLS");
		return (CMD_OK);
	}
	if (strcmp(cmd->argv[0], "DEFLATE") != 0) {
		reply(s, RPL_503_UNSUPPORTED, "Compression algorithm not "
		    "supported");
		return (CMD_OK);
	}
	/* Their replies are held and would come out after the 206. */
	if (s->npending > 0) {
		reply(s, RPL_403_INTERNAL, "Unable to activate compression "
		    "while articles are in flight");
		return (CMD_OK);
	}
	snprintf(name, sizeof(name), "session=%llx",
	    (unsigned long long)s->id);
	if ((bev = compress_new(s->bev, s->srv->cfg.output_buffer, name,
	    &zc)) == NULL) {
		reply(s, RPL_403_INTERNAL, "Unable to activate compression");
		return (CMD_OK);
	}
	/* Still the bufferevent below the layer: the reply is not
	   compressed. */
	reply(s, RPL_206_COMPRESS_OK, "Compression active");
	session_compress(s, bev, zc);
	return (CMD_OK);
}

const struct cmd_entry cmd_compress_entry = {
	.verb = {
		.name = "COMPRESS",
		.args = { 1, 1 },
		.usage = "algorithm",
	},
	.exec = cmd_compress_exec
};
