/*
 * Articles from peers: IHAVE (RFC 3977 6.3.2) and streaming (RFC 4644:
 * MODE STREAM, CHECK, TAKETHIS).  Only clients that may feed us get here
 * (server_peer_allowed: configured peers, and loopback by default).
 *
 * IHAVE is lockstep: one article, one commit, one reply.  TAKETHIS keeps
 * reading while earlier articles wait for the writer, so a streaming peer
 * fills whole batches and pays one sync for many articles; replies still
 * leave in command order (session_pending_*, reply_pending).  Nothing is
 * acknowledged (235, 239) before its transaction has committed.
 *
 * The article in flight is an intake (intake/intake.h); what is transit's
 * own is here: the offer's checks, the loop check and Path prepend,
 * remembering refused ids in history, the reply codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "article.h"
#include "inflight.h"
#include "intake.h"
#include "log.h"
#include "msgid.h"
#include "commands.h"
#include "util.h"
#include "withdraw.h"
#include "writer.h"

/* What a transit intake adds: the offer and what was found about it. */
struct transit {
	int			 takethis;
	int			 inflight;	/* msgid is in srv->inflight */
	int			 duplicate;	/* in history when offered */
	int			 bad_msgid;	/* not an RFC 5536 msg-id */
	const char		*bad_arguments;	/* TAKETHIS: why it is 501 */
	/* As the peer sent it: a 439 must echo even an invalid one. */
	char			 msgid[NNTP_COMMAND_MAX + 1];
};

static void
transit_free(struct intake *in)
{
	struct transit	*t = in->ctx;

	if (t->inflight)
		inflight_del(in->srv->inflight, t->msgid);
	free(t);
}

/* A refusal: remember the id so repeated offers are refused at once. */
static void
transit_remember(struct session *s, const char *msgid)
{
	if (store_history_add(s->srv->store, msgid, (int64_t)time(NULL)) !=
	    STORE_OK)
		log_debug("session=%llx cannot remember %s",
		    (unsigned long long)s->id, msgid);
}

/* Reply for IHAVE (code) or TAKETHIS (code with the msgid). */
static void
transit_reply(struct session *s, struct transit *t, int ihave_code,
    int takethis_code, const char *text)
{
	if (t->takethis)
		reply(s, takethis_code, "%s %s", t->msgid, text);
	else
		reply(s, ihave_code, "%s", text);
}

static void
transit_log(struct intake *in, enum store_status st)
{
	struct transit	*t = in->ctx;

	if (st == STORE_OK)
		log_debug("session=%llx stored msgid=%s",
		    (unsigned long long)in->session_id, t->msgid);
	else
		log_info("session=%llx not stored msgid=%s: %s",
		    (unsigned long long)in->session_id, t->msgid,
		    store_strerror(st));
}

/* After the commit: 235, or why not. */
static void
ihave_done(struct intake *in, struct session *s, enum store_status st)
{
	transit_log(in, st);
	if (s == NULL)
		return;
	if (st == STORE_OK)
		reply(s, RPL_235_IHAVE_OK, "Article transferred OK");
	else if (st == STORE_EXISTS)
		reply(s, RPL_437_IHAVE_REJECTED, "%s",
		    in->job.art.withdrawn == STORE_CANCELLED_FIRST ?
		    "Cancelled" : "Duplicate");
	else if (st == STORE_NOTFOUND)
		reply(s, RPL_437_IHAVE_REJECTED, "Unwanted newsgroups");
	else
		reply(s, RPL_436_IHAVE_RETRY, "Storage unavailable (%s), try "
		    "again later", store_strerror(st));
}

/* After the commit: 239 or 439 in the command's own slot, in order. */
static void
takethis_done(struct intake *in, struct session *s, enum store_status st)
{
	struct transit	*t = in->ctx;

	transit_log(in, st);
	if (s == NULL)
		return;
	if (st == STORE_OK)
		reply_pending(in->pend, RPL_239_TAKETHIS_OK, "%s", t->msgid);
	else if (st == STORE_EXISTS || st == STORE_NOTFOUND)
		reply_pending(in->pend, RPL_439_TAKETHIS_REJECTED, "%s %s",
		    t->msgid, st == STORE_NOTFOUND ? "Unwanted newsgroups" :
		    in->job.art.withdrawn == STORE_CANCELLED_FIRST ?
		    "Cancelled" : "Duplicate");
	else {
		/* Not stored and not refused for good: the peer must keep
		   it and offer it again later. */
		reply_pending(in->pend, RPL_400_UNAVAILABLE, "Storage "
		    "unavailable: %s", store_strerror(st));
		session_close_after_flush(s, "storage unavailable");
	}
}

/* Does the article go to at least one group we carry? */
static int
transit_wanted(struct session *s, const struct article_thread *th)
{
	struct store_group	g;
	size_t			i;

	for (i = 0; i < th->ngroups; i++)
		if (store_group_get(s->srv->store, th->groups[i], &g) ==
		    STORE_OK)
			return (1);
	return (0);
}

/*
 * An article for a group moderated here must carry Approved (RFC 5537
 * 3.6): its moderator let it in elsewhere.  0, or -1 with a reason.
 */
static int
transit_moderated(struct session *s, const struct article *a,
    const struct article_thread *th, char *reason, size_t len)
{
	struct store_group	g;
	size_t			i;

	if (article_header_get(a, "Approved") != NULL)
		return (0);
	for (i = 0; i < th->ngroups; i++)
		if (store_group_get(s->srv->store, th->groups[i], &g) ==
		    STORE_OK && g.status == 'm') {
			snprintf(reason, len, "Unapproved article for "
			    "moderated group %.100s", g.name);
			return (-1);
		}
	return (0);
}

/*
 * Is the article the one offered?  A refusal is remembered only when it
 * is the article's own fault and the article carries the offered
 * Message-ID itself.  Remembering the command's argument whatever the
 * article said let any feeder block a Message-ID for history_days:
 * "IHAVE <victim>" with an article about something else, and the real
 * <victim> was refused everywhere after.
 */
static int
transit_carries_offer(const struct article *a, const struct transit *t)
{
	const char	*own = article_header_get(a, "Message-ID");

	return (article_header_count(a, "Message-ID") == 1 && own != NULL &&
	    strcmp(own, t->msgid) == 0);
}

/*
 * Check the article (RFC 5537 3.6) and prepend our Path identity.  0, or
 * -1 with a reason and whether to remember the id as refused.
 */
static int
transit_prepare(struct session *s, struct intake *in, char *reason,
    size_t len, int *remember)
{
	const struct config	*cfg = &s->srv->cfg;
	struct transit		*t = in->ctx;
	struct article		*a;

	/* Unparsed, there is no telling which Message-ID it carries. */
	*remember = 0;
	if (intake_parse(in, reason, len) == -1)
		return (-1);
	*remember = transit_carries_offer(in->article, t);
	if (intake_validate(in, time(NULL), reason, len) == -1)
		return (-1);
	if (intake_thread(in) == -1)
		goto nomem;
	if (in->thread.msgid == NULL || strcmp(in->thread.msgid,
	    t->msgid) != 0) {
		snprintf(reason, len, "Message-ID header does not match the "
		    "command");
		*remember = 0;
		return (-1);
	}
	if (article_path_contains(in->article, cfg->pathhost)) {
		snprintf(reason, len, "Loop: Path already holds %.100s",
		    cfg->pathhost);
		return (-1);
	}
	if (!transit_wanted(s, &in->thread)) {
		snprintf(reason, len, "Unwanted newsgroups");
		return (-1);
	}
	/* Not remembered: the approved copy may come with this id. */
	if (transit_moderated(s, in->article, &in->thread, reason, len) ==
	    -1) {
		*remember = 0;
		return (-1);
	}
	if (cfg->filter_transit) {
		switch (intake_filter_rules(cfg, in->article, reason, len)) {
		case 0:
			break;
		case 1:
			return (-1);
		default:
			goto nomem;
		}
	}
	/* The thread stays: a Path does not change it. */
	if ((a = article_path_prepend(in->article, cfg->pathhost, NULL)) ==
	    NULL)
		goto nomem;
	intake_replace(in, a);
	return (0);

nomem:
	snprintf(reason, len, "Out of memory");
	*remember = 0;
	return (-1);
}

/*
 * A cancel or Supersedes acts only as withdraw.h allows a peer's (never
 * refused for it: stored and not acted on).  An article a kept cancel
 * matches is refused (already remembered in history).  0, or -1 with
 * the reason.
 */
static int
transit_withdraw(struct session *s, struct intake *in, char *reason,
    size_t len)
{
	struct withdraw_sender	 from;
	const char		*action = NULL;

	memset(&from, 0, sizeof(from));
	from.peer = 1;
	if (withdraw_check(in, &from, &action, reason, len) == -1)
		return (-1);
	if (action != NULL)
		log_info("session=%llx msgid=%s withdraws %s: %s",
		    (unsigned long long)s->id, in->thread.msgid,
		    in->withdraw != NULL ? in->withdraw : "nothing", action);
	/* The store checks a cancel kept for it as it stores it. */
	withdraw_locks(in);
	return (0);
}

/* The offer itself was refused, whatever the article: say so now. */
static int
transit_bad_offer(struct session *s, struct transit *t)
{
	if (t->bad_arguments != NULL)
		/* Nothing to echo in a 439, and the syntax is the fault. */
		reply(s, RPL_501_SYNTAX, "%s", t->bad_arguments);
	else if (t->bad_msgid)
		/* Not a message-id: nothing to remember in history. */
		transit_reply(s, t, 0, RPL_439_TAKETHIS_REJECTED,
		    "Syntax error in message-id");
	else
		return (0);
	return (1);
}

/* TAKETHIS of an article we have, or another peer is sending us. */
static int
transit_known(struct session *s, struct transit *t)
{
	if (t->duplicate)
		transit_reply(s, t, 0, RPL_439_TAKETHIS_REJECTED, "Duplicate");
	else if (t->takethis && !t->inflight)
		/* Another connection is receiving it right now. */
		transit_reply(s, t, 0, RPL_439_TAKETHIS_REJECTED,
		    "Being received from another peer");
	else
		return (0);
	return (1);
}

static enum intake_next
transit_end(struct intake *in, struct session *s, int too_long)
{
	struct transit	*t = in->ctx;
	char		 reason[ARTICLE_REASON_MAX];
	int		 remember = 0;

	if (transit_bad_offer(s, t))
		return (INTAKE_REFUSED);
	if (too_long)
		/* Not remembered: the article was never read whole, so
		   nothing shows it is <msgid> ("IHAVE <victim>" and a
		   megabyte of junk would block <victim>). */
		snprintf(reason, sizeof(reason), "Article too large (at most "
		    "%llu octets)",
		    (unsigned long long)s->srv->cfg.max_article_size);
	else if (transit_known(s, t))
		return (INTAKE_REFUSED);
	else if (transit_prepare(s, in, reason, sizeof(reason),
	    &remember) == 0 && transit_withdraw(s, in, reason,
	    sizeof(reason)) == 0)
		return (INTAKE_SUBMIT);
	log_info("session=%llx refused msgid=%s: %s",
	    (unsigned long long)s->id, t->msgid, reason);
	if (remember)
		transit_remember(s, t->msgid);
	transit_reply(s, t, RPL_437_IHAVE_REJECTED, RPL_439_TAKETHIS_REJECTED,
	    reason);
	return (INTAKE_REFUSED);
}

static const struct intake_ops ihave_ops = {
	.kind = INTAKE_TRANSIT,
	.end = transit_end,
	.done = ihave_done,
	.free = transit_free,
};

static const struct intake_ops takethis_ops = {
	.kind = INTAKE_TRANSIT,
	.streaming = 1,
	.end = transit_end,
	.done = takethis_done,
	.free = transit_free,
};

static struct transit *
transit_new(const char *msgid, int takethis)
{
	struct transit	*t;

	t = xcalloc(1, sizeof(*t));
	t->takethis = takethis;
	loom_strlcpy(t->msgid, msgid, sizeof(t->msgid));
	return (t);
}

/*
 * A peer offers articles by their Message-ID, which must be an RFC 5536
 * 3.1.3 msg-id ("<" id-left "@" id-right ">"), not merely the looser RFC
 * 3977 3.6 form reader commands accept: the article's own Message-ID
 * header has to be one (article_validate_transit), so an offer of
 * anything else can only end in a refusal.
 */
static int
transit_msgid_ok(const char *msgid)
{
	return (msgid_valid(msgid, strlen(msgid)));
}

/* IHAVE <msgid> (RFC 3977 6.3.2). */
static enum cmd_result
cmd_ihave_exec(struct session *s, struct nntp_command *cmd)
{
	const char	*msgid = cmd->argv[0];
	struct transit	*t;

	/* 435, not 501, as innd answers: a feeding peer then drops the
	   article and goes on with the next instead of failing the feed. */
	if (!transit_msgid_ok(msgid)) {
		reply(s, RPL_435_IHAVE_UNWANTED, "Syntax error in message-id");
		return (CMD_OK);
	}
	if (store_history_lookup(s->srv->store, msgid, NULL) == STORE_EXISTS) {
		reply(s, RPL_435_IHAVE_UNWANTED, "Duplicate");
		return (CMD_OK);
	}
	if (inflight_add(s->srv->inflight, msgid) == -1) {
		reply(s, RPL_436_IHAVE_RETRY, "Being received from another "
		    "peer, try again later");
		return (CMD_OK);
	}
	t = transit_new(msgid, 0);
	t->inflight = 1;
	reply(s, RPL_335_IHAVE_SEND, "Send it; end with <CR-LF>.<CR-LF>");
	intake_receive(intake_new(s, &ihave_ops, t), s);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_ihave_entry = {
	.verb = {
		.name = "IHAVE",
		.args = { 1, 1 },
		.usage = "message-id",
	},
	.flags = CMD_PEER,
	.exec = cmd_ihave_exec
};

/* MODE STREAM (RFC 4644 2.3). */
static enum cmd_result
cmd_mode_stream_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	reply(s, RPL_203_STREAMING_OK, "Streaming permitted");
	return (CMD_OK);
}

const struct cmd_entry cmd_mode_stream_entry = {
	.verb = {
		.name = "MODE",
		.keyword = "STREAM",
	},
	.flags = CMD_PEER,
	.exec = cmd_mode_stream_exec
};

/* CHECK <msgid> (RFC 4644 2.4): 238 send it, 438 not wanted, 431 later. */
static enum cmd_result
cmd_check_exec(struct session *s, struct nntp_command *cmd)
{
	const char	*msgid = cmd->argv[0];

	/* Not wanted, with the id echoed (RFC 4644 2.4.1), as innd does. */
	if (!transit_msgid_ok(msgid)) {
		reply(s, RPL_438_CHECK_UNWANTED, "%s", msgid);
		return (CMD_OK);
	}
	if (store_history_lookup(s->srv->store, msgid, NULL) == STORE_EXISTS)
		reply(s, RPL_438_CHECK_UNWANTED, "%s", msgid);
	else if (inflight_has(s->srv->inflight, msgid))
		reply(s, RPL_431_CHECK_LATER, "%s", msgid);
	else
		reply(s, RPL_238_CHECK_SEND, "%s", msgid);
	return (CMD_OK);
}

const struct cmd_entry cmd_check_entry = {
	.verb = {
		.name = "CHECK",
		.args = { 1, 1 },
		.usage = "message-id",
	},
	.flags = CMD_PEER,
	.exec = cmd_check_exec
};

/*
 * TAKETHIS <msgid> (RFC 4644 2.5): the article follows at once, whatever
 * we would answer, so it is always read before the reply.
 */
static enum cmd_result
cmd_takethis_exec(struct session *s, struct nntp_command *cmd)
{
	const char	*msgid = cmd->argc == 1 ? cmd->argv[0] : "";
	struct transit	*t;

	t = transit_new(msgid, 1);
	/*
	 * No argument, or more than one (dispatch passes argc 0): the
	 * article is read all the same, as innd reads it, and then
	 * refused.  innd answers "439 " with no id; Loom answers 501, the
	 * reply RFC 3977 3.2.1 gives a syntax error, since a 439 must echo
	 * a message-id and there is none.
	 */
	if (cmd->argc != 1)
		t->bad_arguments = "Syntax: TAKETHIS message-id";
	else if (!transit_msgid_ok(msgid))
		t->bad_msgid = 1;	/* read the article, then refuse */
	else if (store_history_lookup(s->srv->store, msgid, NULL) ==
	    STORE_EXISTS)
		t->duplicate = 1;
	else if (inflight_add(s->srv->inflight, msgid) == 0)
		t->inflight = 1;
	intake_receive(intake_new(s, &takethis_ops, t), s);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_takethis_entry = {
	.verb = {
		.name = "TAKETHIS",
		.args = { 1, 1 },
		.usage = "message-id",
	},
	.flags = CMD_PEER | CMD_BLOCK_FOLLOWS,
	.exec = cmd_takethis_exec
};
