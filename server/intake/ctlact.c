/*
 * Control messages in the running server (ctlact.h): filing, POST's
 * permission, and acting on newgroup, rmgroup and checkgroups.
 *
 * Acting happens after the commit, as INN acts after storing: the
 * article is kept (in control.VERB) whatever the rules decide.  The work
 * stays off the loop thread: gpgv runs as a child driven by the loop
 * (policy/filter.c), and the group changes a message asks for are made by
 * one worker thread (core/worker.h), each its own write transaction (an
 * rmgroup empties the group in bounded ones first), so neither a
 * checkgroups of thousands of groups nor the removal of a group of
 * millions of articles stalls the clients.
 *
 * Order: messages are acted on in the order they were committed.  The
 * loop decides what a message asks for (the rules, and the groups as the
 * store has them) only once every change of the messages before it has
 * been made, so a newgroup then an rmgroup of one name end with no group.
 * The head of ctl_jobs is the one being decided or applied; the jobs
 * behind it wait (for gpgv, or their turn).
 */
#include <sys/queue.h>

#include <event2/event.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "ctlact.h"
#include "ctlmsg.h"
#include "filter.h"
#include "intake.h"
#include "log.h"
#include "util.h"
#include "wildmat.h"
#include "worker.h"

/* Group lines of a checkgroups taken; changes one message may make. */
#define CTLACT_LINES_MAX	20000
/* "would create ..." lines logged per message, then a count. */
#define CTLACT_LOG_MAX		50

enum ctl_op {
	CTL_CREATE,
	CTL_REMOVE,
	CTL_CHANGE
};

struct ctl_change {
	enum ctl_op	 op;
	char		 status;		/* y, m; CHANGE: 0 keep */
	char		 name[STORE_GROUP_MAX + 1];
	char		 desc[STORE_DESC_MAX + 1];
	int		 keep_desc;		/* CHANGE: description stays */
	struct ctljob	*job;
	enum store_status rc;			/* set by the worker */
};

enum ctl_state {
	CTL_VERIFYING,		/* gpgv runs */
	CTL_READY,		/* waits for the jobs before it */
	CTL_APPLYING		/* its changes are the worker's */
};

struct ctljob {
	TAILQ_ENTRY(ctljob)	 entry;
	enum ctl_state		 state;
	struct server		*srv;
	struct article		*a;
	struct ctlmsg		 c;
	char			 sender[CTLMSG_ADDR_MAX + 1];
	char			 msgid[STORE_MSGID_MAX + 1];
	/* gpgv */
	struct filter_run	*run;
	char			 sigpath[CONFIG_PATH_MAX + 32];
	char			*gpgv_out;	/* its status output, if it
						   said the signature is good */
	char			 verify_why[128];
	/* the changes to make, by the worker in order */
	struct ctl_change	*changes;
	size_t			 nchanges;
	size_t			 next;		/* taken by the worker (lock) */
	size_t			 done;		/* made (lock) */
	size_t			 reported;	/* logged by the loop */
	char			 creator[STORE_USER_MAX + 1];
	size_t			 logged;	/* "would" lines so far */
};

static TAILQ_HEAD(, ctljob)	ctl_jobs = TAILQ_HEAD_INITIALIZER(ctl_jobs);

/* Started on the first change; ctl_cur (under its lock) is the job whose
   changes it takes. */
static struct worker		*ctl_worker;
static struct ctljob		*ctl_cur;

static void	ctl_pump(struct server *);
static void	ctl_log_done(struct ctljob *, size_t);

/* ---- Filing ---------------------------------------------------------- */

static int
ctl_group_exists(struct server *srv, const char *name)
{
	struct store_group	g;

	return (store_group_get(srv->store, name, &g) == STORE_OK);
}

void
ctlact_file(struct intake *in)
{
	const char	*name;

	in->ctl = article_control_verb(in->article);
	in->ctl_group[0] = NULL;
	if (in->ctl == CTLMSG_NONE)
		return;
	name = ctlmsg_pseudo_group(in->ctl);
	/* Made on first use: a store that never sees a control message
	   keeps exactly the groups its administrator made. */
	if (in->srv->cfg.ctl_pseudo_groups && !ctl_group_exists(in->srv,
	    name))
		ctlact_ensure_groups(in->srv);
	if (!ctl_group_exists(in->srv, name)) {
		name = "control";
		if (!ctl_group_exists(in->srv, name))
			return;		/* no pseudo-groups: its Newsgroups */
	}
	/* Its Newsgroups still choose the peers it is fed to. */
	in->newsgroups = in->thread.groups;
	in->nnewsgroups = in->thread.ngroups;
	in->ctl_group[0] = name;
	in->thread.groups = in->ctl_group;
	in->thread.ngroups = 1;
}

int
ctlact_post_check(struct session *s, const struct article *a, char *reason,
    size_t len)
{
	const struct config	*cfg = &s->srv->cfg;
	const char		*v = article_header_get(a, "Control");
	struct ctlmsg		 c;

	if (v == NULL)
		return (0);
	if (ctlmsg_parse(v, &c, reason, len) == -1)
		return (-1);
	if (c.verb != CTLMSG_NEWGROUP && c.verb != CTLMSG_RMGROUP &&
	    c.verb != CTLMSG_CHECKGROUPS)
		return (0);
	if (!s->authenticated || cfg->ctl_posters[0] == '\0' ||
	    !wildmat_match(s->user, cfg->ctl_posters)) {
		snprintf(reason, len, "%s control messages are not accepted "
		    "from you", c.name);
		return (-1);
	}
	return (1);
}

void
ctlact_ensure_groups(struct server *srv)
{
	const char *const	*p;
	char			 desc[64];
	enum store_status	 rc;

	if (!srv->cfg.ctl_pseudo_groups)
		return;
	for (p = ctlmsg_pseudo_groups; *p != NULL; p++) {
		if (ctl_group_exists(srv, *p))
			continue;
		snprintf(desc, sizeof(desc), "Control messages%s%s",
		    strchr(*p, '.') != NULL ? ": " : "",
		    strchr(*p, '.') != NULL ? strchr(*p, '.') + 1 : "");
		/* 'n': filed by the server, never posted to directly. */
		rc = store_group_create(srv->store, *p, 'n', desc, "loomd",
		    (int64_t)time(NULL));
		if (rc == STORE_OK)
			log_info("created group %s", *p);
		else if (rc != STORE_EXISTS)
			log_warnx("cannot create group %s: %s", *p,
			    store_strerror(rc));
	}
}

/* ---- Jobs ------------------------------------------------------------ */

static void
ctl_job_free(struct ctljob *j)
{
	TAILQ_REMOVE(&ctl_jobs, j, entry);
	if (j->run != NULL)
		filter_run_cancel(j->run);
	if (j->sigpath[0] != '\0')
		unlink(j->sigpath);
	article_free(j->a);
	free(j->gpgv_out);
	free(j->changes);
	free(j);
}

/*
 * The worker stops after the change it is making (drain 0: each change is
 * its own transaction, so what is left is simply not made; an rmgroup in
 * progress is finished first, as store_group_remove cannot be cut short).
 * What was made is logged, what was not is counted.
 */
void
ctlact_stop(void)
{
	struct ctljob	*j;

	if (ctl_worker != NULL) {
		worker_stop(ctl_worker);
		ctl_worker = NULL;
	}
	ctl_cur = NULL;
	while ((j = TAILQ_FIRST(&ctl_jobs)) != NULL) {
		if (j->state == CTL_APPLYING)
			ctl_log_done(j, j->done);
		else	/* waiting for gpgv or its turn: not decided */
			log_warnx("control %s msgid=%s: not acted on: loomd "
			    "stopped first", j->c.name, j->msgid);
		if (j->done < j->nchanges)
			log_warnx("control %s msgid=%s: stopped with %zu of "
			    "%zu changes made", j->c.name, j->msgid, j->done,
			    j->nchanges);
		ctl_job_free(j);
	}
}

/* The control.* groups and junk are the server's: no message touches
   them. */
static int
ctl_reserved(const char *group)
{
	return (strcmp(group, "control") == 0 ||
	    strncmp(group, "control.", 8) == 0 || strcmp(group, "junk") == 0);
}

/*
 * What the rules say for this group: 1 act, 0 only log (how says why),
 * -1 drop silently.
 */
static int
ctl_decide(struct ctljob *j, const char *group, char *how, size_t len)
{
	const struct config	*cfg = &j->srv->cfg;
	const struct ctlrule	*r;
	char			 who[CTLMSG_SIGNER_MAX + 64];

	r = ctlrule_match(cfg->ctl_rules, cfg->nctl_rules, j->c.name,
	    j->sender, group);
	if (r == NULL) {
		snprintf(how, len, "no rule");
		return (0);
	}
	switch (r->action) {
	case CTLRULE_DROP:
		return (-1);
	case CTLRULE_DOIT:
		snprintf(how, len, "doit");
		return (1);
	case CTLRULE_VERIFY:
		if (j->gpgv_out == NULL) {
			snprintf(how, len, "verify-%s: %s", r->signer,
			    j->verify_why[0] != '\0' ? j->verify_why :
			    "not verified");
			return (0);
		}
		if (ctlmsg_gpgv_signer(j->gpgv_out, strlen(j->gpgv_out),
		    r->signer, who, sizeof(who))) {
			snprintf(how, len, "verified, signed by %.100s", who);
			return (1);
		}
		snprintf(how, len, "verify-%s: %.100s", r->signer, who);
		return (0);
	default:
		snprintf(how, len, "log");
		return (0);
	}
}

static void
ctl_add(struct ctljob *j, enum ctl_op op, const char *name, char status,
    const char *desc, int keep_desc)
{
	struct ctl_change	*ch;

	j->changes = xreallocarray(j->changes, j->nchanges + 1,
	    sizeof(*j->changes));
	ch = &j->changes[j->nchanges++];
	memset(ch, 0, sizeof(*ch));
	ch->op = op;
	ch->status = status;
	loom_strlcpy(ch->name, name, sizeof(ch->name));
	loom_strlcpy(ch->desc, desc != NULL ? desc : "", sizeof(ch->desc));
	ch->keep_desc = keep_desc;
	ch->job = j;
}

static const char *
ctl_op_name(enum ctl_op op)
{
	return (op == CTL_CREATE ? "create" : op == CTL_REMOVE ? "remove" :
	    "change");
}

/*
 * A change the message asks for: queue it if the rules say act, log it
 * if they say log (at most CTLACT_LOG_MAX lines per message).
 */
static void
ctl_propose(struct ctljob *j, enum ctl_op op, const char *name, char status,
    const char *desc, int keep_desc)
{
	char	how[CTLMSG_SIGNER_MAX + 160];

	if (ctl_reserved(name)) {
		log_info("control %s from %s msgid=%s: %s not acted on: "
		    "reserved group", j->c.name, j->sender, j->msgid, name);
		return;
	}
	switch (ctl_decide(j, name, how, sizeof(how))) {
	case 1:
		ctl_add(j, op, name, status, desc, keep_desc);
		return;
	case 0:
		if (j->logged++ < CTLACT_LOG_MAX)
			log_info("control %s from %s msgid=%s: would %s group "
			    "%s%s%s%s; not acted on (%s)", j->c.name,
			    j->sender, j->msgid, ctl_op_name(op), name,
			    status == 'm' ? " (moderated)" : "",
			    desc != NULL && *desc != '\0' ? ": " : "",
			    desc != NULL ? desc : "", how);
		return;
	default:
		log_debug("control %s from %s msgid=%s: dropped", j->c.name,
		    j->sender, j->msgid);
		return;
	}
}

static void
ctl_body(const struct article *a, const char **body, size_t *len)
{
	*body = a->wire + a->header_len + 2;
	*len = a->wire_len - a->header_len - 2;
}

static void
ctl_newgroup(struct ctljob *j)
{
	struct store_group	 g;
	char			 desc[STORE_DESC_MAX + 1];
	const char		*body;
	size_t			 len;
	char			 status = j->c.moderated ? 'm' : 'y';
	int			 has_desc;

	ctl_body(j->a, &body, &len);
	has_desc = ctlmsg_newgroup_desc(body, len, j->c.group, desc,
	    sizeof(desc));
	if (!has_desc)
		desc[0] = '\0';
	if (store_group_get(j->srv->store, j->c.group, &g) != STORE_OK) {
		ctl_propose(j, CTL_CREATE, j->c.group, status, desc, 0);
		return;
	}
	if (g.status == status && (!has_desc ||
	    strcmp(g.description, desc) == 0)) {
		log_info("control newgroup from %s msgid=%s: %s exists as "
		    "asked", j->sender, j->msgid, j->c.group);
		return;
	}
	ctl_propose(j, CTL_CHANGE, j->c.group, status, desc, !has_desc);
}

static void
ctl_rmgroup(struct ctljob *j)
{
	if (!ctl_group_exists(j->srv, j->c.group)) {
		log_info("control rmgroup from %s msgid=%s: no group %s",
		    j->sender, j->msgid, j->c.group);
		return;
	}
	ctl_propose(j, CTL_REMOVE, j->c.group, 0, NULL, 1);
}

/* checkgroups: the body's list and the groups here, both sorted. */
struct ctl_listed {
	char	name[STORE_GROUP_MAX + 1];
	char	desc[STORE_DESC_MAX + 1];
};

struct ctl_local {
	const char		*scope;
	struct store_group	*g;
	size_t			 n, cap;
};

static int
ctl_listed_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct ctl_listed *)a)->name,
	    ((const struct ctl_listed *)b)->name));
}

static int
ctl_local_cmp(const void *name, const void *g)
{
	return (strcmp(name, ((const struct store_group *)g)->name));
}

static int
ctl_local_cb(const struct store_group *g, void *arg)
{
	struct ctl_local	*l = arg;

	if (!ctlmsg_in_scope(g->name, l->scope) || ctl_reserved(g->name))
		return (0);
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->g = xreallocarray(l->g, l->cap, sizeof(*l->g));
	}
	l->g[l->n++] = *g;
	return (l->n >= CTLACT_LINES_MAX);
}

/* " (Moderated)" at the end of a description marks a moderated group
   (as in INN's newsgroups file); cut it off. */
static char
ctl_desc_status(char *desc)
{
	static const char	 mod[] = " (Moderated)";
	size_t			 n = strlen(desc), m = sizeof(mod) - 1;

	if (n >= m && strcmp(desc + n - m, mod) == 0) {
		desc[n - m] = '\0';
		return ('m');
	}
	return ('y');
}

static void
ctl_checkgroups(struct ctljob *j)
{
	struct ctl_listed	*list = NULL, key, *hit;
	struct ctl_local	 local;
	struct store_group	*here;
	const char		*body, *p, *end;
	char			*scope = NULL, desc[STORE_DESC_MAX + 1];
	size_t			 len, n = 0, cap = 0, i, k, slen;
	char			 status;

	ctl_body(j->a, &body, &len);
	p = body;
	end = body + len;
	while (n < CTLACT_LINES_MAX && ctlmsg_checkgroups_next(&p, end,
	    key.name, sizeof(key.name), key.desc, sizeof(key.desc))) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		list[n++] = key;
	}
	if (n == 0) {
		log_info("control checkgroups from %s msgid=%s: no groups "
		    "listed; not acted on", j->sender, j->msgid);
		free(list);
		return;
	}
	qsort(list, n, sizeof(*list), ctl_listed_cmp);
	/* No chkscope: the hierarchies of the groups it lists. */
	if (j->c.scope[0] != '\0')
		scope = xstrdup(j->c.scope);
	else {
		scope = xcalloc(1, 1);
		slen = 0;
		for (i = 0; i < n; i++) {
			k = strcspn(list[i].name, ".");
			if (i > 0 && strncmp(list[i - 1].name, list[i].name,
			    k) == 0 && (list[i - 1].name[k] == '.' ||
			    list[i - 1].name[k] == '\0'))
				continue;
			scope = xreallocarray(scope, slen + k + 2, 1);
			if (slen > 0)
				scope[slen++] = ' ';
			memcpy(scope + slen, list[i].name, k);
			slen += k;
			scope[slen] = '\0';
		}
	}
	memset(&local, 0, sizeof(local));
	local.scope = scope;
	if (store_group_foreach(j->srv->store, ctl_local_cb, &local) !=
	    STORE_OK) {
		log_warnx("control checkgroups msgid=%s: cannot list groups",
		    j->msgid);
		goto out;
	}
	/* Listed and in scope: create or change. */
	for (i = 0; i < n; i++) {
		if (!ctlmsg_in_scope(list[i].name, scope))
			continue;
		loom_strlcpy(desc, list[i].desc, sizeof(desc));
		status = ctl_desc_status(desc);
		/* The store walks groups in name (memcmp) order. */
		here = local.n == 0 ? NULL : bsearch(list[i].name, local.g,
		    local.n, sizeof(*local.g), ctl_local_cmp);
		if (here == NULL)
			ctl_propose(j, CTL_CREATE, list[i].name, status, desc,
			    0);
		else if ((here->status == 'm') != (status == 'm') ||
		    strcmp(here->description, desc) != 0)
			ctl_propose(j, CTL_CHANGE, list[i].name,
			    (here->status == 'm') != (status == 'm') ?
			    status : 0, desc, 0);
	}
	/* Here, in scope and not listed: remove. */
	for (k = 0; k < local.n; k++) {
		loom_strlcpy(key.name, local.g[k].name, sizeof(key.name));
		hit = bsearch(&key, list, n, sizeof(*list), ctl_listed_cmp);
		if (hit == NULL)
			ctl_propose(j, CTL_REMOVE, local.g[k].name, 0, NULL,
			    1);
	}
	if (j->logged > CTLACT_LOG_MAX)
		log_info("control checkgroups from %s msgid=%s: %zu more "
		    "changes not acted on", j->sender, j->msgid,
		    j->logged - CTLACT_LOG_MAX);
	if (j->logged == 0 && j->nchanges == 0)
		log_info("control checkgroups from %s msgid=%s: %zu groups "
		    "listed, nothing to change", j->sender, j->msgid, n);
out:
	free(local.g);
	free(scope);
	free(list);
}

/* ---- The worker: the changes, in order ---------------------------- */

/* Lock held: the next change of the current job, if any. */
static void *
ctl_take(void *arg LOOM_UNUSED)
{
	if (ctl_cur == NULL || ctl_cur->next == ctl_cur->nchanges)
		return (NULL);
	return (&ctl_cur->changes[ctl_cur->next++]);
}

/*
 * Tests only: while the file LOOM_TEST_CTL_HOLD names exists, the worker
 * waits before each change, so a test can see the loop serve clients
 * while a change is pending (tests/integration/test_control.py).  Unset
 * in production: one getenv per change.
 */
static void
ctl_test_hold(void)
{
	const char	*path = getenv("LOOM_TEST_CTL_HOLD");

	if (path == NULL || *path == '\0')
		return;
	while (access(path, F_OK) == 0)
		usleep(10000);
}

/* No lock: the change is the worker's until ctl_finish, the rest of its
   job does not move while one of its changes is taken. */
static void
ctl_run(void *work, void *arg LOOM_UNUSED)
{
	struct ctl_change	*ch = work;
	struct ctljob		*j = ch->job;

	ctl_test_hold();
	switch (ch->op) {
	case CTL_CREATE:
		ch->rc = store_group_create(j->srv->store, ch->name,
		    ch->status, ch->desc, j->creator, (int64_t)time(NULL));
		break;
	case CTL_REMOVE:
		ch->rc = store_group_remove(j->srv->store, ch->name);
		break;
	default:
		ch->rc = store_group_set(j->srv->store, ch->name, ch->status,
		    ch->keep_desc ? NULL : ch->desc);
		break;
	}
}

static int
ctl_finish(void *work, void *arg LOOM_UNUSED)
{
	struct ctl_change	*ch = work;

	ch->job->done++;
	return (1);
}

/* Log the changes made since the last time, up to done (loop thread). */
static void
ctl_log_done(struct ctljob *j, size_t done)
{
	struct ctl_change	*ch;

	for (; j->reported < done; j->reported++) {
		ch = &j->changes[j->reported];
		if (ch->rc == STORE_OK)
			log_info("control %s from %s msgid=%s: %s group %s%s",
			    j->c.name, j->sender, j->msgid,
			    ch->op == CTL_CREATE ? "created" : ch->op ==
			    CTL_REMOVE ? "removed" : "changed", ch->name,
			    ch->status == 'm' ? " (moderated)" : ch->status ==
			    'y' && ch->op == CTL_CHANGE ? " (unmoderated)" : "");
		else
			log_warnx("control %s msgid=%s: cannot %s group %s: %s",
			    j->c.name, j->msgid, ctl_op_name(ch->op), ch->name,
			    store_strerror(ch->rc));
	}
}

/* Loop thread: log what the worker made; a job all made goes, and the
   next one is decided. */
static void
ctl_report(void *arg LOOM_UNUSED)
{
	struct ctljob	*j;
	struct server	*srv;
	size_t		 done;

	worker_lock(ctl_worker);
	j = ctl_cur;
	done = j != NULL ? j->done : 0;
	if (j != NULL && done == j->nchanges)
		ctl_cur = NULL;
	worker_unlock(ctl_worker);
	if (j == NULL)
		return;
	ctl_log_done(j, done);
	if (done < j->nchanges)
		return;
	srv = j->srv;
	ctl_job_free(j);
	ctl_pump(srv);
}

static const struct worker_ops ctl_worker_ops = {
	.take = ctl_take,
	.run = ctl_run,
	.finish = ctl_finish,
	.report = ctl_report,
	.drain = 0
};

/* The rules have what they need (the signature checked, or not needed)
   and the jobs before it are done: decide.  0: nothing to make (j is
   freed), 1: its changes are to be made. */
static int
ctl_evaluate(struct ctljob *j)
{
	switch (j->c.verb) {
	case CTLMSG_NEWGROUP:
		if (ctl_reserved(j->c.group))
			log_info("control newgroup msgid=%s: %s is reserved",
			    j->msgid, j->c.group);
		else
			ctl_newgroup(j);
		break;
	case CTLMSG_RMGROUP:
		if (ctl_reserved(j->c.group))
			log_info("control rmgroup msgid=%s: %s is reserved",
			    j->msgid, j->c.group);
		else
			ctl_rmgroup(j);
		break;
	default:
		ctl_checkgroups(j);
		break;
	}
	if (j->nchanges == 0 || j->srv->shutting_down) {
		ctl_job_free(j);
		return (0);
	}
	return (1);
}

/* Decide the jobs at the head that are ready, until one has changes to
   make: hand those to the worker. */
static void
ctl_pump(struct server *srv)
{
	struct ctljob	*j;

	while ((j = TAILQ_FIRST(&ctl_jobs)) != NULL && j->state == CTL_READY) {
		if (!ctl_evaluate(j))
			continue;
		if (ctl_worker == NULL)
			ctl_worker = worker_start(srv->base, 1,
			    &ctl_worker_ops, NULL);
		loom_strlcpy(j->creator, j->sender, sizeof(j->creator));
		j->state = CTL_APPLYING;
		worker_lock(ctl_worker);
		ctl_cur = j;
		worker_wake(ctl_worker);
		worker_unlock(ctl_worker);
		return;
	}
}

static void
ctl_verify_done(int status, const char *out, size_t len,
    const char *reason, void *arg)
{
	struct ctljob	*j = arg;

	j->run = NULL;
	unlink(j->sigpath);
	j->sigpath[0] = '\0';
	if (status == 0)
		j->gpgv_out = xstrdup(out);
	else if (status > 0)
		snprintf(j->verify_why, sizeof(j->verify_why), "gpgv exit %d%s",
		    status, len > 0 && strstr(out, "NO_PUBKEY") != NULL ?
		    " (unknown key)" : strstr(out, "BADSIG") != NULL ?
		    " (bad signature)" : "");
	else
		snprintf(j->verify_why, sizeof(j->verify_why), "%s", reason);
	j->state = CTL_READY;
	ctl_pump(j->srv);
}

/* Start gpgv on the message's signature; -1 (verify_why) if it cannot
   be checked at all. */
static int
ctl_verify_start(struct ctljob *j)
{
	const struct config	*cfg = &j->srv->cfg;
	const char		*argv[8], *env[3];
	char			 home[CONFIG_PATH_MAX + 16];
	char			*data, *sig;
	size_t			 dlen, slen;
	ssize_t			 w;
	int			 fd;

	if (cfg->ctl_keyring[0] == '\0') {
		snprintf(j->verify_why, sizeof(j->verify_why), "no [control] "
		    "keyring");
		return (-1);
	}
	if (ctlmsg_pgp_text(j->a, &data, &dlen, &sig, &slen, j->verify_why,
	    sizeof(j->verify_why)) == -1)
		return (-1);
	snprintf(j->sigpath, sizeof(j->sigpath), "%s/ctlsig.XXXXXX",
	    cfg->data);
	if ((fd = mkstemp(j->sigpath)) == -1) {
		snprintf(j->verify_why, sizeof(j->verify_why), "temporary "
		    "file: %s", strerror(errno));
		j->sigpath[0] = '\0';
		goto fail;
	}
	w = write(fd, sig, slen);
	close(fd);
	if (w != (ssize_t)slen) {
		snprintf(j->verify_why, sizeof(j->verify_why), "cannot write "
		    "the signature file");
		goto fail;
	}
	argv[0] = cfg->ctl_gpgv;
	argv[1] = "--status-fd=1";
	argv[2] = "--keyring";
	argv[3] = cfg->ctl_keyring;
	argv[4] = "--";
	argv[5] = j->sigpath;
	argv[6] = "-";
	argv[7] = NULL;
	/* gpgv reads no home of ours: only the keyring named. */
	snprintf(home, sizeof(home), "GNUPGHOME=%s", cfg->data);
	env[0] = home;
	env[1] = "LC_ALL=C";
	env[2] = NULL;
	j->run = filter_run_exec(j->srv->base, argv, cfg->ctl_verify_timeout,
	    data, dlen, env, ctl_verify_done, j);
	free(data);
	free(sig);
	return (0);
fail:
	free(data);
	free(sig);
	return (-1);
}

void
ctlact_act(struct intake *in)
{
	const struct config	*cfg = &in->srv->cfg;
	const struct ctlrule	*r;
	const char		*v;
	struct ctljob		*j;
	char			 why[ARTICLE_REASON_MAX];
	int			 verify;

	if (in->ctl == CTLMSG_NONE || in->ctl == CTLMSG_CANCEL ||
	    in->article == NULL)
		return;		/* a cancel is the cancel code's */
	v = article_header_get(in->article, "Control");
	if (in->ctl == CTLMSG_OTHER) {
		log_info("control msgid=%s \"%.60s\": filed, not acted on",
		    in->thread.msgid, v != NULL ? v : "");
		return;
	}
	j = xcalloc(1, sizeof(*j));
	TAILQ_INSERT_TAIL(&ctl_jobs, j, entry);
	j->srv = in->srv;
	j->a = in->article;
	in->article = NULL;
	loom_strlcpy(j->msgid, in->thread.msgid != NULL ? in->thread.msgid :
	    "", sizeof(j->msgid));
	if (v == NULL || ctlmsg_parse(v, &j->c, why, sizeof(why)) == -1) {
		log_info("control msgid=%s: not acted on: %s", j->msgid,
		    v == NULL ? "no Control field" : why);
		ctl_job_free(j);
		return;
	}
	if (ctlmsg_sender(j->a, j->sender, sizeof(j->sender)) == -1) {
		log_info("control %s msgid=%s: not acted on: no sender "
		    "address", j->c.name, j->msgid);
		ctl_job_free(j);
		return;
	}
	/* gpgv only when a rule that could apply asks for it. */
	if (j->c.verb == CTLMSG_CHECKGROUPS)
		verify = ctlrule_any_verify(cfg->ctl_rules, cfg->nctl_rules,
		    j->c.name, j->sender);
	else {
		r = ctlrule_match(cfg->ctl_rules, cfg->nctl_rules, j->c.name,
		    j->sender, j->c.group);
		verify = r != NULL && r->action == CTLRULE_VERIFY;
	}
	if (verify) {
		j->state = CTL_VERIFYING;
		if (ctl_verify_start(j) == 0)
			return;		/* ctl_verify_done goes on */
	}
	j->state = CTL_READY;
	ctl_pump(j->srv);
}
