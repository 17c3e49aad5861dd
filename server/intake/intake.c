/*
 * The article in flight (intake.h): receiving, parsing and checking an
 * article, its store record, the writer and the way back.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "ctlact.h"
#include "cancel_lock.h"
#include "feeder.h"
#include "filter_rules.h"
#include "intake.h"
#include "log.h"
#include "util.h"

struct intake *
intake_new(struct session *s, const struct intake_ops *ops, void *ctx)
{
	const struct config	*cfg = &s->srv->cfg;
	struct article_limits	 lim;
	struct intake		*in;

	memset(&lim, 0, sizeof(lim));
	lim.max_size = cfg->max_article_size;
	lim.max_headers = cfg->max_headers;
	lim.max_header_len = cfg->max_header_size;
	lim.max_lines = cfg->max_lines;
	in = xmalloc(sizeof(*in));
	memset(in, 0, offsetof(struct intake, feeds));
	in->ops = ops;
	in->ctx = ctx;
	in->srv = s->srv;
	in->s = s;
	in->session_id = s->id;
	if ((in->parser = article_parser_new(&lim)) == NULL)
		fatalx("article_parser_new: out of memory");
	return (in);
}

void
intake_free(struct intake *in)
{
	if (in == NULL)
		return;
	if (in->ops->free != NULL)
		in->ops->free(in);
	article_parser_free(in->parser);
	article_free(in->article);
	article_thread_free(&in->thread);
	free(in->withdraw);
	free(in->withdraw_keys);
	free(in->locks);
	free(in->numbers);
	free(in);
}

/* The session is going away: forget it.  See intake.h. */
static void
intake_cancel(void *arg)
{
	struct intake	*in = arg;

	in->s = NULL;
	in->pend = NULL;
	if (in->submitted)
		return;		/* the commit happens; nobody is told */
	if (in->ops->abort != NULL)
		in->ops->abort(in);
	intake_free(in);
}

/* ---- Receiving ------------------------------------------------------- */

static void
intake_line(struct session *s LOOM_UNUSED, const char *line, size_t len,
    void *arg)
{
	struct intake	*in = arg;

	article_parser_push(in->parser, line, len);
}

static enum cmd_result
intake_end(struct session *s, int too_long, void *arg)
{
	struct intake	*in = arg;

	switch (in->ops->end(in, s, too_long)) {
	case INTAKE_SUBMIT:
		return (intake_submit(in, s, time(NULL)));
	case INTAKE_LATER:
		session_wait(s, in, intake_cancel);
		return (CMD_ASYNC);
	case INTAKE_REFUSED:
		break;
	}
	intake_free(in);
	return (CMD_OK);
}

static void
intake_free_ctx(void *arg)
{
	intake_free(arg);
}

void
intake_receive(struct intake *in, struct session *s)
{
	/* The session reads the whole article even past the limit, so the
	   client's next command is not taken for article text. */
	session_receive_start(s, s->srv->cfg.max_article_size, intake_line,
	    intake_end, intake_free_ctx, in);
}

/* ---- Parsing and checking -------------------------------------------- */

int
intake_parse(struct intake *in, char *reason, size_t len)
{
	if (article_parser_finish(in->parser, &in->article) != ARTICLE_OK) {
		snprintf(reason, len, "%s", article_parser_reason(in->parser));
		return (-1);
	}
	article_parser_free(in->parser);
	in->parser = NULL;
	return (0);
}

int
intake_validate(struct intake *in, time_t now, char *reason, size_t len)
{
	const struct config	*cfg = &in->srv->cfg;
	struct article_policy	 pol;
	int			 rc;

	memset(&pol, 0, sizeof(pol));
	pol.now = now;
	pol.max_age = (time_t)cfg->history_days * 86400;
	pol.max_skew = cfg->date_skew;
	if (in->ops->kind == INTAKE_POST)
		rc = article_validate_post_dated(in->article, &pol,
		    &in->posted, reason, len);
	else
		rc = article_validate_transit_dated(in->article, &pol,
		    &in->posted, reason, len);
	return (rc);
}

int
intake_thread(struct intake *in)
{
	article_thread_free(&in->thread);
	if (article_thread_extract(in->article, &in->thread) == -1)
		return (-1);
	ctlact_file(in);	/* a control message goes to control.* */
	return (0);
}

void
intake_replace(struct intake *in, struct article *a)
{
	article_free(in->article);
	in->article = a;
}

int
intake_filter_rules(const struct config *cfg, const struct article *a,
    char *reason, size_t len)
{
	struct filter_rules	r;

	memset(&r, 0, sizeof(r));
	r.max_crosspost = cfg->filter_max_crosspost;
	r.max_followup = cfg->filter_max_followup;
	r.patterns = cfg->reject_headers;
	r.npatterns = cfg->nreject_headers;
	return (filter_rules_check(&r, a, reason, len));
}

/* ---- The writer and back --------------------------------------------- */

/*
 * Everything store_put_batch needs: wire form, thread links, overview,
 * arrival `now`, posting time (in->posted, else now), and the peers it is
 * queued for (names copied into feed_names, so a reload cannot pull them
 * away while the writer holds the record).  The record points into the
 * intake.
 */
static void
intake_record(struct intake *in, time_t now)
{
	struct store_article	*art = &in->job.art;
	const struct article	*a = in->article;
	const struct article_thread *t = &in->thread;
	struct article_thread	 fed = in->thread;

	in->numbers = xcalloc(t->ngroups, sizeof(*in->numbers));
	memset(art, 0, sizeof(*art));
	art->msgid = t->msgid;
	art->wire = a->wire;
	art->wire_len = a->wire_len;
	art->header_len = a->header_len;
	art->stuffed_dots = a->stuffed_dots;
	art->lines = (uint32_t)a->lines;
	art->groups = t->groups;
	art->ngroups = t->ngroups;
	art->parent = t->parent;
	art->root = t->root;
	art->references = t->refs;
	art->nreferences = t->nrefs;
	art->overview = t->overview;
	art->arrival = now;
	/* Siblings sort by posting time: the Date validation parsed. */
	art->posted = in->posted != 0 ? in->posted : now;
	art->numbers = in->numbers;
	art->feeds = in->feeds;
	/* A cancel or Supersedes withdraws in the same transaction. */
	art->withdraw = in->withdraw;
	art->withdraw_supersede = in->withdraw_supersede;
	art->withdraw_keys = in->withdraw_keys;
	/* A cancel kept for it (it came first) is checked where it is
	   stored, so none committed before can be missed. */
	art->locks = in->locks;
	art->locks_match = in->locks != NULL ? cancel_key_matches : NULL;
	art->cancelled_by = in->cancelled_by;
	if (in->moderate) {
		/* Queued, not stored: nothing goes to peers until approved. */
		art->moderate = 1;
		art->submitter = in->submitter;
		art->nfeeds = 0;
		return;
	}
	if (in->ctl_group[0] != NULL) {
		fed.groups = in->newsgroups;
		fed.ngroups = in->nnewsgroups;
	}
	art->nfeeds = feeder_select(in->srv, a, &fed, in->feed_names,
	    in->feeds, SERVER_FEEDS_MAX);
}

/* Loop thread, after the commit: now the client may be told. */
static void
intake_done(struct writer_job *job, void *arg)
{
	struct intake		*in = arg;
	struct session		*s = in->s;
	struct session_pending	*pend = in->pend;
	enum store_status	 st;

	st = job->batch_status != STORE_OK ? job->batch_status :
	    job->art.status;
	if (st == STORE_OK && job->art.nfeeds > 0)
		server_feeds_kick(in->srv);
	if (st == STORE_OK && job->art.withdraw != NULL)
		log_info("session=%llx msgid=%s %s %s",
		    (unsigned long long)in->session_id, job->art.msgid,
		    job->art.withdrawn == STORE_WITHDRAWN ? "withdrew" :
		    job->art.withdrawn == STORE_WITHDRAWN_PENDING ?
		    "keeps a cancel for" : "found nothing to withdraw of",
		    job->art.withdraw);
	if (st == STORE_EXISTS && job->art.withdrawn == STORE_CANCELLED_FIRST)
		log_info("session=%llx msgid=%s refused: cancelled by %s "
		    "before it came", (unsigned long long)in->session_id,
		    job->art.msgid, in->cancelled_by);
	if (st == STORE_OK)
		stats_article_in(in->srv, in->ops->kind == INTAKE_POST ?
		    STATS_IN_POST : in->ops->streaming ? STATS_IN_TAKETHIS :
		    STATS_IN_IHAVE);
	in->ops->done(in, s, st);
	if (st == STORE_OK && !job->art.moderate)
		ctlact_act(in);		/* acted on once stored, as INN */
	intake_free(in);
	if (s == NULL)
		return;
	if (pend != NULL)
		session_pending_done(s, pend);
	else
		session_resume(s);
}

enum cmd_result
intake_submit(struct intake *in, struct session *s, time_t now)
{
	intake_record(in, now);
	in->job.done = intake_done;
	in->job.arg = in;
	in->s = s;
	in->submitted = 1;
	if (in->ops->streaming)
		in->pend = session_pending_add(s, in, intake_cancel);
	else
		session_wait(s, in, intake_cancel);
	writer_submit(s->srv->writer, &in->job);
	return (in->ops->streaming ? CMD_OK : CMD_ASYNC);
}

struct intake *
intake_new_detached(struct server *srv, const struct intake_ops *ops,
    void *ctx)
{
	struct intake	*in;

	in = xmalloc(sizeof(*in));
	memset(in, 0, offsetof(struct intake, feeds));
	in->ops = ops;
	in->ctx = ctx;
	in->srv = srv;
	return (in);
}

void
intake_submit_detached(struct intake *in, time_t now)
{
	intake_record(in, now);
	in->job.done = intake_done;
	in->job.arg = in;
	in->s = NULL;
	in->submitted = 1;
	writer_submit(in->srv->writer, &in->job);
}

struct article *
intake_article_with(const char *wire, size_t len, const char *field)
{
	struct article_parser	*p;
	struct article		*a = NULL;
	const char		*line = wire, *end = wire + len, *eol;
	int			 in_header = 1;

	/* Accepted once already: no limits now. */
	if ((p = article_parser_new(NULL)) == NULL)
		return (NULL);
	while (line < end) {
		if ((eol = memmem(line, (size_t)(end - line), "\r\n", 2)) ==
		    NULL)
			eol = end;
		if (in_header && eol == line) {
			/* The empty line: the new field goes before it. */
			if (field != NULL)
				article_parser_push(p, field, strlen(field));
			in_header = 0;
		}
		/* The parser takes lines un-stuffed. */
		if (eol > line && line[0] == '.')
			article_parser_push(p, line + 1,
			    (size_t)(eol - line - 1));
		else
			article_parser_push(p, line, (size_t)(eol - line));
		line = eol + 2;
	}
	if (in_header && field != NULL)
		article_parser_push(p, field, strlen(field));
	if (article_parser_finish(p, &a) != ARTICLE_OK)
		a = NULL;
	article_parser_free(p);
	return (a);
}

void
intake_refused(struct intake *in)
{
	struct session	*s = in->s;

	intake_free(in);
	session_resume(s);
}
