/*
 * POST (RFC 3977 6.3.1) with validation and injection (RFC 5536, 5537).
 * The article in flight is an intake (intake/intake.h); what is POST's own
 * is here: the poster's checks (rate, groups, Followup-To, duplicate, the
 * [filter] rules), the injection, the filter program, the 240/441
 * replies.  240 is sent only when the article's transaction has committed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anon.h"
#include "article.h"
#include "cancel_lock.h"
#include "ctlact.h"
#include "filter.h"
#include "intake.h"
#include "log.h"
#include "moderation.h"
#include "ratelimit.h"
#include "commands.h"
#include "util.h"
#include "withdraw.h"
#include "writer.h"

/* INN's reply to a duplicate, which client test suites match exactly:
   nnrpd passes on innd's "435 Duplicate" after its own 441. */
#define POST_DUPLICATE	"435 Duplicate"

/* anon.h keys its tokens with the store's secret. */
_Static_assert(ANON_SECRET_LEN == STORE_SECRET_LEN, "anon.h secret length");

/* A refusal: proto/'s reason, perhaps after "Posting failed: ". */
#define POST_REASON_MAX	(ARTICLE_REASON_MAX + 32)

/* The post's own state in its intake: the filter program, while it runs. */
static void
post_abort(struct intake *in)
{
	filter_run_cancel(in->ctx);
	in->ctx = NULL;
}

/* Loop thread, after the commit: now the poster may be told. */
static void
post_done(struct intake *in, struct session *s, enum store_status st)
{
	const char		*msgid = in->job.art.msgid;
	enum store_status	 batch = in->job.batch_status;

	if (st == STORE_OK && in->job.art.moderate)
		log_info("session=%llx queued for moderation msgid=%s "
		    "queue=%llu groups=%zu bytes=%zu",
		    (unsigned long long)in->session_id, msgid,
		    (unsigned long long)in->job.art.queue_id,
		    in->job.art.ngroups, in->job.art.wire_len);
	else if (st == STORE_OK)
		log_info("session=%llx posted msgid=%s groups=%zu bytes=%zu",
		    (unsigned long long)in->session_id, msgid,
		    in->job.art.ngroups, in->job.art.wire_len);
	else
		log_warnx("session=%llx post refused msgid=%s: %s",
		    (unsigned long long)in->session_id, msgid,
		    store_strerror(st));
	if (s == NULL)
		return;
	if (batch != STORE_OK)
		reply(s, RPL_441_POST_FAILED, "Posting failed: %s, try again "
		    "later", store_strerror(batch));
	else
		switch (st) {
		case STORE_OK:
			if (in->job.art.moderate)
				reply(s, RPL_240_POST_OK, "Article received "
				    "%s, awaiting moderation", msgid);
			else
				reply(s, RPL_240_POST_OK, "Article received "
				    "%s", msgid);
			break;
		case STORE_EXISTS:
			if (in->job.art.withdrawn == STORE_CANCELLED_FIRST)
				reply(s, RPL_441_POST_FAILED, "Cancelled (a "
				    "cancel for %s came first)", msgid);
			else
				reply(s, RPL_441_POST_FAILED, POST_DUPLICATE);
			break;
		case STORE_NOTFOUND:
			reply(s, RPL_441_POST_FAILED, "No such newsgroup");
			break;
		default:
			reply(s, RPL_441_POST_FAILED, "Posting failed: %s",
			    store_strerror(st));
			break;
		}
}

/*
 * Every group must exist, take posts and be one the client may post to; a
 * group it may not read does not exist for it.  A moderated group takes
 * posts too (post_moderation decides where they go).  The names are the
 * valid ones of Newsgroups, as the store record has them.
 */
static int
post_check_group(struct session *s, const char *name, char *reason,
    size_t len)
{
	struct store_group	g;

	if ((!access_can_read(&s->access, name) &&
	    !access_can_post(&s->access, name)) ||
	    store_group_get(s->srv->store, name, &g) != STORE_OK) {
		snprintf(reason, len, "No such newsgroup: %.100s", name);
		return (-1);
	}
	if (g.status == 'n' || !access_can_post(&s->access, g.name)) {
		snprintf(reason, len, "Posting to %.100s is not allowed",
		    g.name);
		return (-1);
	}
	return (0);
}

static int
post_check_groups(struct session *s, const struct article *a, char *reason,
    size_t len)
{
	const char	*v, *p, *end, *item;
	char		 name[STORE_GROUP_MAX + 2];
	size_t		 n;

	if ((v = article_header_get(a, "Newsgroups")) == NULL)
		return (0);
	p = v;
	end = v + strlen(v);
	while (article_list_next(&p, end, &item, &n)) {
		if (!article_newsgroup_valid(item, n))
			continue;
		/* Longer than any group: still "no such newsgroup". */
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, item, n);
		name[n] = '\0';
		if (post_check_group(s, name, reason, len) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Anonymous posting (policy/anon.h): asked for with "X-Loom-Anonymous:
 * yes", only by a logged-in user and only where every group allows it;
 * anything else is refused rather than posted under the poster's name.
 * 1 with the token (the user's in the first group), 0 for an ordinary
 * post, -1 and a reason.
 */
static int
post_anonymous(struct session *s, const struct article *a,
    char token[ANON_TOKEN_LEN + 1], char *reason, size_t len)
{
	const char	*v, *p, *end, *item;
	char		 name[STORE_GROUP_MAX + 1], first[STORE_GROUP_MAX + 1];
	size_t		 n;

	if ((v = article_header_get(a, ANON_HEADER)) == NULL)
		return (0);
	switch (anon_header_value(v)) {
	case 0:
		return (0);
	case 1:
		break;
	default:
		snprintf(reason, len, "Bad %s header (yes or no)",
		    ANON_HEADER);
		return (-1);
	}
	if (!s->authenticated) {
		snprintf(reason, len, "Anonymous posting is only for "
		    "logged-in users (AUTHINFO first)");
		return (-1);
	}
	first[0] = '\0';
	if ((v = article_header_get(a, "Newsgroups")) == NULL)
		v = "";
	p = v;
	end = v + strlen(v);
	while (article_list_next(&p, end, &item, &n)) {
		if (!article_newsgroup_valid(item, n) || n >= sizeof(name))
			continue;
		memcpy(name, item, n);
		name[n] = '\0';
		if (!anon_group_allowed(&s->srv->cfg, name)) {
			snprintf(reason, len, "Anonymous posting is not "
			    "allowed in %.100s", name);
			return (-1);
		}
		if (first[0] == '\0')
			memcpy(first, name, n + 1);
	}
	if (first[0] == '\0' ||
	    anon_token(s->srv->secret, s->user, first, token) == -1) {
		snprintf(reason, len, "Posting failed: cannot post "
		    "anonymously here");
		return (-1);
	}
	return (1);
}

/* What a post to its groups means for moderation. */
enum post_mod {
	POST_MOD_NONE,		/* no moderated group, no moderator */
	POST_MOD_MODERATOR,	/* the poster moderates its moderated groups
				   (at least one of its groups) */
	POST_MOD_QUEUE		/* a moderated group the poster does not
				   moderate: the whole post is queued */
};

static enum post_mod
post_moderation(struct session *s, const struct article_thread *t)
{
	struct store_group	 g;
	const char		*user = s->authenticated ? s->user : NULL;
	size_t			 i;
	int			 moderated = 0, moderates = 0, outsider = 0;

	for (i = 0; i < t->ngroups; i++) {
		if (moderation_is_moderator(&s->srv->cfg, t->groups[i], user))
			moderates = 1;
		if (store_group_get(s->srv->store, t->groups[i], &g) !=
		    STORE_OK || g.status != 'm')
			continue;
		moderated = 1;
		if (!moderation_is_moderator(&s->srv->cfg, g.name, user))
			outsider = 1;
	}
	if (moderated && outsider)
		return (POST_MOD_QUEUE);
	return (moderates ? POST_MOD_MODERATOR : POST_MOD_NONE);
}

/*
 * Moderation (docs/admin.md): Approved only from a logged-in moderator of
 * the post's groups; a moderator's post goes in (with Approved, which
 * peers need to take it); anyone else's post to a moderated group is
 * queued whole.  0, or -1 and a reason (441).
 */
static int
post_moderate(struct session *s, struct intake *in, enum post_mod *mp,
    char *reason, size_t len)
{
	enum post_mod	 m = post_moderation(s, &in->thread);
	struct article	*a;

	*mp = m;
	char		 field[STORE_USER_MAX + 16];

	/* A group control message got here only from a [control] poster,
	   and RFC 5537 5.2 wants it Approved. */
	if (article_header_get(in->article, "Approved") != NULL &&
	    m != POST_MOD_MODERATOR && in->ctl != CTLMSG_NEWGROUP &&
	    in->ctl != CTLMSG_RMGROUP && in->ctl != CTLMSG_CHECKGROUPS) {
		snprintf(reason, len, "Approved header not allowed: you are "
		    "not a moderator of these newsgroups");
		return (-1);
	}
	switch (m) {
	case POST_MOD_NONE:
		break;
	case POST_MOD_QUEUE:
		in->moderate = 1;
		loom_strlcpy(in->submitter, s->authenticated ? s->user : "",
		    sizeof(in->submitter));
		break;
	case POST_MOD_MODERATOR:
		if (article_header_get(in->article, "Approved") != NULL)
			break;
		snprintf(field, sizeof(field), "Approved: %s", s->user);
		if ((a = intake_article_with(in->article->wire,
		    in->article->wire_len, field)) == NULL) {
			snprintf(reason, len, "Posting failed: out of memory");
			return (-1);
		}
		intake_replace(in, a);
		break;
	}
	return (0);
}

/*
 * Followups must go somewhere that exists here (nnrpd refuses them too):
 * every group Followup-To names, unless it says "poster", under the same
 * visibility as Newsgroups.
 */
static int
post_check_followup(struct session *s, const struct article *a,
    char *reason, size_t len)
{
	struct store_group	 g;
	const char		*v, *p, *end, *item;
	char			 name[STORE_GROUP_MAX + 1];
	size_t			 n;

	if ((v = article_header_get(a, "Followup-To")) == NULL ||
	    strcmp(v, "poster") == 0)
		return (0);
	p = v;
	end = v + strlen(v);
	while (article_list_next(&p, end, &item, &n)) {
		if (n == 0)
			continue;
		if (n < sizeof(name)) {
			memcpy(name, item, n);
			name[n] = '\0';
		}
		if (n >= sizeof(name) || (!access_can_read(&s->access, name) &&
		    !access_can_post(&s->access, name)) ||
		    store_group_get(s->srv->store, name, &g) != STORE_OK) {
			snprintf(reason, len, "Followup-To names no such "
			    "newsgroup: %.*s", (int)(n > 100 ? 100 : n), item);
			return (-1);
		}
	}
	return (0);
}

static void
post_filter_done(enum filter_verdict v, const char *reason, void *arg)
{
	struct intake	*in = arg;
	struct session	*s = in->s;

	in->ctx = NULL;		/* the run is over */
	switch (v) {
	case FILTER_ACCEPT:
		/* The session waits on, now for the commit. */
		intake_submit(in, s, time(NULL));
		return;
	case FILTER_REJECT:
		log_info("session=%llx post refused by filter msgid=%s: %s",
		    (unsigned long long)s->id, in->thread.msgid, reason);
		reply(s, RPL_441_POST_FAILED, "%s", reason);
		break;
	case FILTER_ERROR:
		/* Not the poster's fault: say so, and keep nothing. */
		log_warnx("session=%llx posting filter failed msgid=%s: %s",
		    (unsigned long long)s->id, in->thread.msgid, reason);
		reply(s, RPL_441_POST_FAILED, "Posting filter unavailable, "
		    "try again later");
		break;
	}
	intake_refused(in);
}

/* Run the configured filter program on the article; wait for it. */
static enum intake_next
post_filter_start(struct session *s, struct intake *in)
{
	char		 peer[80], user[96], id[32];
	const char	*env[5];

	snprintf(peer, sizeof(peer), "LOOM_PEER=%s", s->host);
	snprintf(user, sizeof(user), "LOOM_USER=%s", s->authenticated ?
	    s->user : "");
	snprintf(id, sizeof(id), "LOOM_SESSION=%llx", (unsigned long long)s->id);
	env[0] = "LOOM_KIND=post";
	env[1] = peer;
	env[2] = user;
	env[3] = id;
	env[4] = NULL;
	in->ctx = filter_run_start(s->srv->base, s->srv->cfg.filter_program,
	    s->srv->cfg.filter_timeout, in->article->wire,
	    in->article->wire_len, env, post_filter_done, in);
	return (INTAKE_LATER);
}

/* posts_per_minute counts per user, or per address when anonymous. */
static const char *
post_rate_key(struct session *s)
{
	return (s->authenticated ? s->user : s->host);
}

static int
post_rate_exceeded(struct session *s, time_t now, char *reason, size_t len)
{
	struct ratelimit	*rl = s->srv->post_rate;

	if (rl == NULL || ratelimit_allowed(rl, post_rate_key(s), now))
		return (0);
	snprintf(reason, len, "Posting too fast (at most %u a minute), try "
	    "again in %u seconds", s->srv->cfg.posts_per_minute,
	    ratelimit_retry_after(rl, post_rate_key(s), now));
	return (1);
}

/* The poster's own checks, on the proto-article: 0, or -1 and a reason. */
static int
post_check(struct session *s, struct intake *in, time_t now, char *reason,
    size_t len)
{
	int	ctl;

	if (intake_parse(in, reason, len) == -1 ||
	    post_rate_exceeded(s, now, reason, len) ||
	    intake_validate(in, now, reason, len) == -1 ||
	    (ctl = ctlact_post_check(s, in->article, reason, len)) == -1 ||
	    /* A group control message names groups that may not exist. */
	    (ctl == 0 && post_check_groups(s, in->article, reason, len) ==
	    -1) ||
	    post_check_followup(s, in->article, reason, len) == -1)
		return (-1);
	return (0);
}

/*
 * The Cancel-Lock every post gets (policy/cancel_lock.h): the server's
 * lock, and the logged-in poster's, for the Message-ID injection gives
 * it.  An anonymous post's too: its author can withdraw it, and the lock
 * says nothing about who that is.
 */
static int
post_cancel_lock(const char *msgid, char *out, size_t len, void *arg)
{
	struct session	*s = arg;

	return (cancel_lock_make(s->srv->secret, s->authenticated ? s->user :
	    NULL, msgid, out, len));
}

/*
 * Replace the proto-article by the injected one (RFC 5537 3.5) and take
 * its thread links.  0, or -1 and a reason.
 */
static int
post_inject(struct session *s, struct intake *in, const char *anon_token,
    time_t now, int *own_lock, char *reason, size_t len)
{
	const struct config		*cfg = &s->srv->cfg;
	struct article_injection	 inj;
	struct article			*a;
	char				 unique[64], logging[32];
	char				 why[ARTICLE_REASON_MAX];

	/* Unique without coordination: time, session, a counter, chance. */
	snprintf(unique, sizeof(unique), "loom.%llx.%llx.%x",
	    (unsigned long long)now, (unsigned long long)s->id,
	    arc4random());
	/* The session number ties the article to the log lines of its
	   connection (address, user) even when posting_host is off. */
	snprintf(logging, sizeof(logging), "%llx", (unsigned long long)s->id);
	memset(&inj, 0, sizeof(inj));
	inj.path_identity = cfg->pathhost;
	inj.msgid_domain = cfg->domain;
	inj.msgid_unique = unique;
	inj.posting_host = cfg->posting_host ? s->host : NULL;
	inj.posting_account = s->authenticated ? s->user : NULL;
	inj.logging_data = logging;
	if (anon_token != NULL) {
		/* Only the token: no account, no address, no session number
		   (which would tie the user's posts together across groups),
		   not even in the Message-ID; docs/security.md. */
		snprintf(unique, sizeof(unique), "loom.%llx.%08x%08x",
		    (unsigned long long)now, arc4random(), arc4random());
		inj.posting_host = NULL;
		inj.posting_account = NULL;
		inj.logging_data = anon_token;
		inj.anonymous_from = cfg->anonymous_from;
	}
	inj.now = now;
	inj.add_lines = 1;
	inj.cancel_lock = post_cancel_lock;
	inj.cancel_lock_arg = s;
	*own_lock = article_header_get(in->article, "Cancel-Lock") != NULL;
	if ((a = article_inject(in->article, &inj, why, sizeof(why))) ==
	    NULL) {
		snprintf(reason, len, "Posting failed: %s", why);
		return (-1);
	}
	intake_replace(in, a);
	if (in->posted == 0)
		in->posted = now;	/* the Date injection added */
	if (intake_thread(in) == -1 || in->thread.msgid == NULL) {
		snprintf(reason, len, "Posting failed: out of memory");
		return (-1);
	}
	return (0);
}

/* Check, inject and queue the article (or run the filter program first). */
static enum intake_next
post_end(struct intake *in, struct session *s, int too_long)
{
	const struct config	*cfg = &s->srv->cfg;
	char			 reason[POST_REASON_MAX];
	time_t			 now = time(NULL);
	enum post_mod		 mod = POST_MOD_NONE;
	char			 token[ANON_TOKEN_LEN + 1];
	struct withdraw_sender	 from;
	const char		*action = NULL;
	int			 anon = 0, own_lock = 0;

	if (too_long) {
		snprintf(reason, sizeof(reason), "Article too large (at most "
		    "%llu octets)", (unsigned long long)cfg->max_article_size);
		goto refused;
	}
	/* proto/'s reasons as long as they were; only an injection failure
	   is prefixed. */
	if (post_check(s, in, now, reason, ARTICLE_REASON_MAX) == -1 ||
	    (anon = post_anonymous(s, in->article, token, reason,
	    sizeof(reason))) == -1 ||
	    post_inject(s, in, anon ? token : NULL, now, &own_lock, reason,
	    sizeof(reason)) == -1 ||
	    post_moderate(s, in, &mod, reason, sizeof(reason)) == -1)
		goto refused;
	/* A cancel or Supersedes: allowed to withdraw its target? */
	memset(&from, 0, sizeof(from));
	from.user = s->authenticated ? s->user : NULL;
	if (withdraw_check(in, &from, &action, reason, sizeof(reason)) == -1)
		goto refused;
	if (action != NULL)
		log_info("session=%llx msgid=%s withdraws %s: %s",
		    (unsigned long long)s->id, in->thread.msgid,
		    in->withdraw != NULL ? in->withdraw : "nothing", action);
	/* A kept cancel's key can match only a lock the poster chose:
	   nobody else has the keys to ours.  The store checks them as it
	   stores the article (post_done says "Cancelled"). */
	if (own_lock)
		withdraw_locks(in);
	/* Known already (stored, or remembered in history): say so now
	   rather than after the filter and the writer.  Waiting in the
	   moderation queue counts, except for a moderator's post: that is
	   how a moderator approves over NNTP (RFC 5537: the moderator
	   posts the article with Approved). */
	if (store_history_lookup(s->srv->store, in->thread.msgid, NULL) ==
	    STORE_EXISTS || (mod != POST_MOD_MODERATOR &&
	    store_modq_lookup(s->srv->store,
	    in->thread.msgid, NULL) == STORE_OK)) {
		reply(s, RPL_441_POST_FAILED, POST_DUPLICATE);
		snprintf(reason, sizeof(reason), "Duplicate %.100s",
		    in->thread.msgid);
		goto logged;
	}
	switch (intake_filter_rules(cfg, in->article, reason,
	    ARTICLE_REASON_MAX)) {
	case 0:
		break;
	case 1:
		goto refused;
	default:
		snprintf(reason, sizeof(reason), "Posting failed: out of "
		    "memory, try again later");
		goto refused;
	}
	/* Anonymous or not, the post counts against the logged-in user. */
	if (s->srv->post_rate != NULL)
		ratelimit_record(s->srv->post_rate, post_rate_key(s), now);
	if (anon == 1)
		log_info("session=%llx anonymous post msgid=%s token=%s",
		    (unsigned long long)s->id, in->thread.msgid, token);
	if (cfg->filter_program[0] != '\0')
		return (post_filter_start(s, in));
	return (INTAKE_SUBMIT);

refused:
	reply(s, RPL_441_POST_FAILED, "%s", reason);
logged:
	log_info("session=%llx post refused: %s", (unsigned long long)s->id,
	    reason[0] != '\0' ? reason : "see reply");
	return (INTAKE_REFUSED);
}

static const struct intake_ops post_ops = {
	.kind = INTAKE_POST,
	.end = post_end,
	.done = post_done,
	.abort = post_abort,
};

static enum cmd_result
cmd_post_exec(struct session *s, struct nntp_command *cmd LOOM_UNUSED)
{
	reply(s, RPL_340_POST_SEND, "Send article to be posted, end with "
	    "<CR-LF>.<CR-LF>");
	intake_receive(intake_new(s, &post_ops, NULL), s);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_post_entry = {
	.verb = {
		.name = "POST",
	},
	.flags = CMD_POST,
	.exec = cmd_post_exec
};
