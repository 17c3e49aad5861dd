/*
 * Articles from peers: IHAVE (RFC 3977 6.3.2) and streaming (RFC 4644:
 * MODE STREAM, CHECK, TAKETHIS).  Only clients that may feed us get here
 * (server_peer_allowed: configured peers, and loopback by default).
 *
 * IHAVE is lockstep: one article, one commit, one reply.  TAKETHIS keeps
 * reading while earlier articles wait for the writer, so a streaming peer
 * fills whole batches and pays one sync for many articles; replies still
 * leave in command order (session_pending_*).  Nothing is acknowledged
 * (235, 239) before its transaction has committed.
 */
#include <event2/buffer.h>

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
#include "writer.h"

struct transit {
	struct writer_job	 job;
	struct server		*srv;
	struct session		*s;		/* NULL once the peer left */
	struct session_pending	*pend;		/* TAKETHIS: its reply slot */
	int			 takethis;
	int			 inflight;	/* msgid is in srv->inflight */
	int			 duplicate;	/* in history when offered */
	int			 bad_msgid;	/* not an RFC 5536 msg-id */
	const char		*bad_arguments;	/* TAKETHIS: why it is 501 */
	struct article_parser	*parser;
	struct article		*article;
	struct article_thread	 thread;
	uint32_t		*numbers;
	uint64_t		 session_id;
	/* As the peer sent it: a 439 must echo even an invalid one. */
	char			 msgid[NNTP_COMMAND_MAX + 1];
	char			 feed_names[SERVER_FEEDS_MAX][STORE_PEER_MAX + 1];
	const char		*feeds[SERVER_FEEDS_MAX];
};

static void
transit_free(struct transit *t)
{
	if (t == NULL)
		return;
	if (t->inflight)
		inflight_del(t->srv->inflight, t->msgid);
	article_parser_free(t->parser);
	article_free(t->article);
	article_thread_free(&t->thread);
	free(t->numbers);
	free(t);
}

static void
transit_free_ctx(void *arg)
{
	transit_free(arg);
}

static void
transit_free_job(struct writer_job *job)
{
	transit_free((struct transit *)job);
}

static void
transit_cancel(void *arg)
{
	struct transit	*t = arg;

	t->s = NULL;
	t->pend = NULL;
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

/* After the commit: acknowledge, in order, to whoever is still there. */
static void
transit_done(struct writer_job *job, void *arg)
{
	struct transit		*t = arg;
	struct session		*s = t->s;
	struct session_pending	*pend = t->pend;
	struct evbuffer		*out;
	enum store_status	 st;

	st = t->job.batch_status != STORE_OK ? t->job.batch_status :
	    t->job.art.status;
	if (st == STORE_OK)
		log_debug("session=%llx stored msgid=%s",
		    (unsigned long long)t->session_id, t->msgid);
	else
		log_info("session=%llx not stored msgid=%s: %s",
		    (unsigned long long)t->session_id, t->msgid,
		    store_strerror(st));
	if (st == STORE_OK && t->job.art.nfeeds > 0)
		server_feeds_kick(t->srv);
	if (s == NULL) {
		transit_free(t);
		return;
	}
	if (t->takethis) {
		/* The reply goes in its slot, not after later replies. */
		out = pend->own;
		if (st == STORE_OK)
			evbuffer_add_printf(out, "239 %s\r\n", t->msgid);
		else if (st == STORE_EXISTS || st == STORE_NOTFOUND)
			evbuffer_add_printf(out, "439 %s %s\r\n", t->msgid,
			    st == STORE_EXISTS ? "Duplicate" :
			    "Unwanted newsgroups");
		else {
			/* Not stored and not refused for good: the peer
			   must keep it and offer it again later. */
			evbuffer_add_printf(out, "400 Storage unavailable: %s\r\n",
			    store_strerror(st));
			session_close_after_flush(s, "storage unavailable");
		}
		transit_free(t);
		session_pending_done(s, pend);
		return;
	}
	if (st == STORE_OK)
		reply(s, RPL_235_IHAVE_OK, "Article transferred OK");
	else if (st == STORE_EXISTS)
		reply(s, RPL_437_IHAVE_REJECTED, "Duplicate");
	else if (st == STORE_NOTFOUND)
		reply(s, RPL_437_IHAVE_REJECTED, "Unwanted newsgroups");
	else
		reply(s, RPL_436_IHAVE_RETRY, "Storage unavailable (%s), try "
		    "again later", store_strerror(st));
	transit_free(t);
	session_resume(s);
}

static void
transit_line(struct session *s, const char *line, size_t len, void *arg)
{
	struct transit	*t = arg;

	article_parser_push(t->parser, line, len);
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
 * Check the article (RFC 5537 3.6), prepend our Path identity and build the
 * store record.  Returns NULL, or a refusal reason (and whether to
 * remember the id as refused).
 *
 * A refusal is remembered only when it is the article's own fault and the
 * article carries the offered Message-ID itself.  Remembering the
 * command's argument whatever the article said let any feeder block a
 * Message-ID for history_days: "IHAVE <victim>" with an article about
 * something else, and the real <victim> was refused everywhere after.
 */
static const char *
transit_prepare(struct session *s, struct transit *t, char *reason,
    size_t len, int *remember)
{
	const struct config	*cfg = &s->srv->cfg;
	struct article		*a = NULL;
	struct article_policy	 pol;
	struct article_thread	 th;
	const char		*own;
	time_t			 now = time(NULL);

	/* Unparsed, there is no telling which Message-ID it carries. */
	*remember = 0;
	memset(&th, 0, sizeof(th));
	if (article_parser_finish(t->parser, &a) != ARTICLE_OK) {
		snprintf(reason, len, "%s", article_parser_reason(t->parser));
		return (reason);
	}
	own = article_header_get(a, "Message-ID");
	*remember = article_header_count(a, "Message-ID") == 1 &&
	    own != NULL && strcmp(own, t->msgid) == 0;
	memset(&pol, 0, sizeof(pol));
	pol.now = now;
	pol.max_age = (time_t)cfg->history_days * 86400;
	pol.max_skew = cfg->date_skew;
	if (article_validate_transit(a, &pol, reason, len) == -1)
		goto refuse;
	if (article_thread_extract(a, &th) == -1) {
		snprintf(reason, len, "Out of memory");
		*remember = 0;
		goto refuse;
	}
	if (th.msgid == NULL || strcmp(th.msgid, t->msgid) != 0) {
		snprintf(reason, len, "Message-ID header does not match the "
		    "command");
		*remember = 0;
		goto refuse;
	}
	if (article_path_contains(a, cfg->pathhost)) {
		snprintf(reason, len, "Loop: Path already holds %.100s",
		    cfg->pathhost);
		goto refuse;
	}
	if (!transit_wanted(s, &th)) {
		snprintf(reason, len, "Unwanted newsgroups");
		goto refuse;
	}
	if (cfg->filter_transit) {
		switch (intake_filter_rules(cfg, a, reason, len)) {
		case 0:
			break;
		case 1:
			goto refuse;
		default:
			snprintf(reason, len, "Out of memory");
			*remember = 0;
			goto refuse;
		}
	}
	article_thread_free(&th);
	if ((t->article = article_path_prepend(a, cfg->pathhost, NULL)) ==
	    NULL || article_thread_extract(t->article, &t->thread) == -1) {
		snprintf(reason, len, "Out of memory");
		*remember = 0;
		article_free(a);
		return (reason);
	}
	article_free(a);
	article_parser_free(t->parser);
	t->parser = NULL;

	t->numbers = xcalloc(t->thread.ngroups, sizeof(*t->numbers));
	intake_record(s->srv, &t->job.art, t->article, &t->thread, t->numbers,
	    t->feed_names, t->feeds, now);
	t->job.done = transit_done;
	t->job.arg = t;
	t->job.free_job = transit_free_job;
	return (NULL);

refuse:
	article_thread_free(&th);
	article_free(a);
	return (reason);
}

static enum cmd_result
transit_end(struct session *s, int too_long, void *arg)
{
	struct transit	*t = arg;
	char		 reason[ARTICLE_REASON_MAX];
	int		 remember = 0;

	if (t->bad_arguments != NULL) {
		/* Nothing to echo in a 439, and the syntax is the fault. */
		reply(s, RPL_501_SYNTAX, "%s", t->bad_arguments);
		transit_free(t);
		return (CMD_OK);
	} else if (t->bad_msgid) {
		/* Not a message-id: nothing to remember in history. */
		transit_reply(s, t, 0, RPL_439_TAKETHIS_REJECTED,
		    "Syntax error in message-id");
		transit_free(t);
		return (CMD_OK);
	} else if (too_long) {
		/* Not remembered: the article was never read whole, so
		   nothing shows it is <msgid> ("IHAVE <victim>" and a
		   megabyte of junk would block <victim>). */
		snprintf(reason, sizeof(reason), "Article too large (at most "
		    "%llu octets)",
		    (unsigned long long)s->srv->cfg.max_article_size);
	} else if (t->duplicate) {
		transit_reply(s, t, 0, RPL_439_TAKETHIS_REJECTED, "Duplicate");
		transit_free(t);
		return (CMD_OK);
	} else if (t->takethis && !t->inflight) {
		/* Another connection is receiving it right now. */
		transit_reply(s, t, 0, RPL_439_TAKETHIS_REJECTED,
		    "Being received from another peer");
		transit_free(t);
		return (CMD_OK);
	} else if (transit_prepare(s, t, reason, sizeof(reason),
	    &remember) == NULL) {
		t->s = s;
		t->session_id = s->id;
		if (t->takethis)
			t->pend = session_pending_add(s, t, transit_cancel);
		else
			session_wait(s, t, transit_cancel);
		writer_submit(s->srv->writer, &t->job);
		return (t->takethis ? CMD_OK : CMD_ASYNC);
	}
	log_info("session=%llx refused msgid=%s: %s",
	    (unsigned long long)s->id, t->msgid, reason);
	if (remember)
		transit_remember(s, t->msgid);
	transit_reply(s, t, RPL_437_IHAVE_REJECTED, RPL_439_TAKETHIS_REJECTED,
	    reason);
	transit_free(t);
	return (CMD_OK);
}

static struct transit *
transit_new(struct session *s, const char *msgid, int takethis)
{
	const struct config	*cfg = &s->srv->cfg;
	struct article_limits	 lim;
	struct transit		*t;

	memset(&lim, 0, sizeof(lim));
	lim.max_size = cfg->max_article_size;
	lim.max_headers = cfg->max_headers;
	lim.max_header_len = cfg->max_header_size;
	lim.max_lines = cfg->max_lines;
	t = xcalloc(1, sizeof(*t));
	t->srv = s->srv;
	t->takethis = takethis;
	loom_strlcpy(t->msgid, msgid, sizeof(t->msgid));
	if ((t->parser = article_parser_new(&lim)) == NULL)
		fatalx("article_parser_new: out of memory");
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
	t = transit_new(s, msgid, 0);
	t->inflight = 1;
	reply(s, RPL_335_IHAVE_SEND, "Send it; end with <CR-LF>.<CR-LF>");
	session_receive_start(s, s->srv->cfg.max_article_size, transit_line,
	    transit_end, transit_free_ctx, t);
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
cmd_mode_stream_exec(struct session *s, struct nntp_command *cmd)
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

	t = transit_new(s, msgid, 1);
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
	session_receive_start(s, s->srv->cfg.max_article_size, transit_line,
	    transit_end, transit_free_ctx, t);
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
