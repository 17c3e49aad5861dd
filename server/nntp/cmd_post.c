/*
 * POST (RFC 3977 6.3.1) with validation and injection (RFC 5536, 5537).
 * The check is proto/'s (article_validate_post), the action is here: the
 * injected article goes to the writer thread, and 240 is sent only when its
 * transaction has committed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "article.h"
#include "filter.h"
#include "intake.h"
#include "log.h"
#include "ratelimit.h"
#include "commands.h"
#include "util.h"
#include "writer.h"

/* INN's reply to a duplicate, which client test suites match exactly:
   nnrpd passes on innd's "435 Duplicate" after its own 441. */
#define POST_DUPLICATE	"435 Duplicate"

struct post {
	struct writer_job	 job;		/* handed to the writer */
	struct session		*s;		/* NULL once the client left */
	struct server		*srv;
	struct article_parser	*parser;
	struct article		*article;	/* injected: owns the wire */
	struct article_thread	 thread;
	struct filter_run	*filter;	/* the program is running */
	uint32_t		*numbers;
	uint64_t		 session_id;
	char			 feed_names[SERVER_FEEDS_MAX][STORE_PEER_MAX + 1];
	const char		*feeds[SERVER_FEEDS_MAX];
};

static void
post_free(struct post *p)
{
	if (p == NULL)
		return;
	article_parser_free(p->parser);
	article_free(p->article);
	article_thread_free(&p->thread);
	free(p->numbers);
	free(p);
}

static void
post_free_ctx(void *arg)
{
	post_free(arg);
}

static void
post_free_job(struct writer_job *job)
{
	post_free((struct post *)job);
}

/* The session is going away while the writer holds the article. */
static void
post_cancel(void *arg)
{
	struct post	*p = arg;

	p->s = NULL;
}

/* Loop thread, after the commit: now the poster may be told. */
static void
post_done(struct writer_job *job, void *arg)
{
	struct post	*p = arg;
	struct session	*s = p->s;
	const char	*msgid = p->job.art.msgid;

	if (p->job.batch_status == STORE_OK && p->job.art.status == STORE_OK)
		log_info("session=%llx posted msgid=%s groups=%zu bytes=%zu",
		    (unsigned long long)p->session_id, msgid,
		    p->job.art.ngroups, p->job.art.wire_len);
	else
		log_warnx("session=%llx post refused msgid=%s: %s",
		    (unsigned long long)p->session_id, msgid,
		    store_strerror(p->job.batch_status != STORE_OK ?
		    p->job.batch_status : p->job.art.status));
	if (p->job.art.nfeeds > 0 && p->job.art.status == STORE_OK &&
	    p->job.batch_status == STORE_OK)
		server_feeds_kick(p->srv);
	if (s == NULL) {
		post_free(p);
		return;
	}
	if (p->job.batch_status != STORE_OK)
		reply(s, RPL_441_POST_FAILED, "Posting failed: %s, try again "
		    "later", store_strerror(p->job.batch_status));
	else
		switch (p->job.art.status) {
		case STORE_OK:
			reply(s, RPL_240_POST_OK, "Article received %s",
			    msgid);
			break;
		case STORE_EXISTS:
			reply(s, RPL_441_POST_FAILED, POST_DUPLICATE);
			break;
		case STORE_NOTFOUND:
			reply(s, RPL_441_POST_FAILED, "No such newsgroup");
			break;
		default:
			reply(s, RPL_441_POST_FAILED, "Posting failed: %s",
			    store_strerror(p->job.art.status));
			break;
		}
	post_free(p);
	session_resume(s);
}

static void
post_line(struct session *s, const char *line, size_t len, void *arg)
{
	struct post	*p = arg;

	article_parser_push(p->parser, line, len);
}

/*
 * Every group must exist, take posts and be one the client may post to; a
 * group it may not read does not exist for it.  Moderated groups are
 * refused: Loom has no moderator addresses to mail the article to.
 */
static int
post_check_groups(struct session *s, const struct article_thread *t,
    char *reason, size_t len)
{
	struct store_group	g;
	size_t			i;

	for (i = 0; i < t->ngroups; i++) {
		if ((!access_can_read(&s->access, t->groups[i]) &&
		    !access_can_post(&s->access, t->groups[i])) ||
		    store_group_get(s->srv->store, t->groups[i], &g) !=
		    STORE_OK) {
			snprintf(reason, len, "No such newsgroup: %.100s",
			    t->groups[i]);
			return (-1);
		}
		if (g.status == 'n' || !access_can_post(&s->access, g.name)) {
			snprintf(reason, len, "Posting to %.100s is not allowed",
			    g.name);
			return (-1);
		}
		if (g.status == 'm') {
			snprintf(reason, len, "%.80s is moderated and this server "
			    "has no moderator for it", g.name);
			return (-1);
		}
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

/* Hand the checked article to the writer; 240 comes after the commit. */
static enum cmd_result
post_submit(struct session *s, struct post *p)
{
	time_t	now = time(NULL);

	p->numbers = xcalloc(p->thread.ngroups, sizeof(*p->numbers));
	intake_record(s->srv, &p->job.art, p->article, &p->thread, p->numbers,
	    p->feed_names, p->feeds, now);
	p->job.done = post_done;
	p->job.arg = p;
	p->job.free_job = post_free_job;
	p->s = s;
	p->srv = s->srv;
	p->session_id = s->id;
	writer_submit(s->srv->writer, &p->job);
	session_wait(s, p, post_cancel);
	return (CMD_ASYNC);
}

/* The session went away while the filter program ran. */
static void
post_filter_cancel(void *arg)
{
	struct post	*p = arg;

	filter_run_cancel(p->filter);
	post_free(p);
}

static void
post_filter_done(enum filter_verdict v, const char *reason, void *arg)
{
	struct post	*p = arg;
	struct session	*s = p->s;

	p->filter = NULL;
	switch (v) {
	case FILTER_ACCEPT:
		post_submit(s, p);	/* waits again, now for the commit */
		return;
	case FILTER_REJECT:
		log_info("session=%llx post refused by filter msgid=%s: %s",
		    (unsigned long long)s->id, p->thread.msgid, reason);
		reply(s, RPL_441_POST_FAILED, "%s", reason);
		post_free(p);
		break;
	case FILTER_ERROR:
		/* Not the poster's fault: say so, and keep nothing. */
		log_warnx("session=%llx posting filter failed msgid=%s: %s",
		    (unsigned long long)s->id, p->thread.msgid, reason);
		reply(s, RPL_441_POST_FAILED, "Posting filter unavailable, "
		    "try again later");
		post_free(p);
		break;
	}
	session_resume(s);
}

/* Run the configured filter program on the article; wait for it. */
static enum cmd_result
post_filter_start(struct session *s, struct post *p)
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
	p->s = s;
	p->filter = filter_run_start(s->srv->base, s->srv->cfg.filter_program,
	    s->srv->cfg.filter_timeout, p->article->wire, p->article->wire_len,
	    env, post_filter_done, p);
	session_wait(s, p, post_filter_cancel);
	return (CMD_ASYNC);
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

/* Check, inject and queue the article; CMD_ASYNC once it is queued. */
static enum cmd_result
post_end(struct session *s, int too_long, void *arg)
{
	struct post			*p = arg;
	const struct config		*cfg = &s->srv->cfg;
	struct article			*proto = NULL;
	struct article_policy		 pol;
	struct article_injection	 inj;
	struct article_thread		 t;
	char				 reason[ARTICLE_REASON_MAX];
	char				 unique[64], logging[32];
	enum article_status		 st;
	time_t				 now = time(NULL);

	memset(&t, 0, sizeof(t));
	reason[0] = '\0';
	if (too_long) {
		reply(s, RPL_441_POST_FAILED, "Article too large (at most "
		    "%llu octets)", (unsigned long long)cfg->max_article_size);
		goto refused;
	}
	if ((st = article_parser_finish(p->parser, &proto)) != ARTICLE_OK) {
		reply(s, RPL_441_POST_FAILED, "%s",
		    article_parser_reason(p->parser));
		goto refused;
	}
	memset(&pol, 0, sizeof(pol));
	pol.now = now;
	pol.max_age = (time_t)cfg->history_days * 86400;
	pol.max_skew = cfg->date_skew;
	if (post_rate_exceeded(s, now, reason, sizeof(reason)) ||
	    article_validate_post(proto, &pol, reason, sizeof(reason)) == -1 ||
	    article_thread_extract(proto, &t) == -1 ||
	    post_check_groups(s, &t, reason, sizeof(reason)) == -1 ||
	    post_check_followup(s, proto, reason, sizeof(reason)) == -1) {
		reply(s, RPL_441_POST_FAILED, "%s", reason);
		goto refused;
	}
	/* Known already (stored, or remembered in history): say so now
	   rather than after the filter and the writer. */
	if (t.msgid != NULL && store_history_lookup(s->srv->store, t.msgid,
	    NULL) == STORE_EXISTS) {
		snprintf(reason, sizeof(reason), "Duplicate %.100s", t.msgid);
		reply(s, RPL_441_POST_FAILED, POST_DUPLICATE);
		goto refused;
	}
	article_thread_free(&t);

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
	inj.now = now;
	inj.add_lines = 1;
	if ((p->article = article_inject(proto, &inj, reason,
	    sizeof(reason))) == NULL ||
	    article_thread_extract(p->article, &p->thread) == -1 ||
	    p->thread.msgid == NULL) {
		reply(s, RPL_441_POST_FAILED, "Posting failed: %s",
		    p->article == NULL ? reason : "out of memory");
		goto refused;
	}
	article_free(proto);
	proto = NULL;
	article_parser_free(p->parser);
	p->parser = NULL;

	switch (intake_filter_rules(cfg, p->article, reason, sizeof(reason))) {
	case 0:
		break;
	case 1:
		reply(s, RPL_441_POST_FAILED, "%s", reason);
		goto refused;
	default:
		reply(s, RPL_441_POST_FAILED, "Posting failed: out of memory, "
		    "try again later");
		goto refused;
	}
	if (s->srv->post_rate != NULL)
		ratelimit_record(s->srv->post_rate, post_rate_key(s), now);
	if (cfg->filter_program[0] != '\0')
		return (post_filter_start(s, p));
	return (post_submit(s, p));

refused:
	log_info("session=%llx post refused: %s", (unsigned long long)s->id,
	    reason[0] != '\0' ? reason : "see reply");
	article_thread_free(&t);
	article_free(proto);
	post_free(p);
	return (CMD_OK);
}

static enum cmd_result
cmd_post_exec(struct session *s, struct nntp_command *cmd)
{
	const struct config	*cfg = &s->srv->cfg;
	struct article_limits	 lim;
	struct post		*p;

	memset(&lim, 0, sizeof(lim));
	lim.max_size = cfg->max_article_size;
	lim.max_headers = cfg->max_headers;
	lim.max_header_len = cfg->max_header_size;
	lim.max_lines = cfg->max_lines;
	p = xcalloc(1, sizeof(*p));
	if ((p->parser = article_parser_new(&lim)) == NULL)
		fatalx("article_parser_new: out of memory");
	reply(s, RPL_340_POST_SEND, "Send article to be posted, end with "
	    "<CR-LF>.<CR-LF>");
	/* The session reads the whole article even past the limit, so the
	   client's next command is not taken for article text. */
	session_receive_start(s, cfg->max_article_size, post_line, post_end,
	    post_free_ctx, p);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_post_entry = {
	.verb = {
		.name = "POST",
	},
	.flags = CMD_POST,
	.exec = cmd_post_exec
};
