/*
 * Cancels and Supersedes on their way in (withdraw.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "article.h"
#include "cancel.h"
#include "cancel_lock.h"
#include "intake.h"
#include "log.h"
#include "moderation.h"
#include "util.h"
#include "withdraw.h"

_Static_assert(CANCEL_SECRET_LEN == STORE_SECRET_LEN, "cancel secret length");

/* What the decision needs of the target, copied out of the store. */
struct withdraw_target {
	int	 found;
	char	 locks[STORE_CANCEL_KEYS_MAX + 1];	/* its c-locks */
	char	*xref;					/* "g:n g:n" */
};

static int
withdraw_target_cb(const char *wire, size_t len,
    const struct store_article_info *info, void *arg)
{
	struct withdraw_target	*t = arg;
	struct article		*a;
	const char		*v;

	t->found = 1;
	t->xref = xstrdup(info->xref);
	/* The header is enough: up to and with the empty line. */
	if (info->header_len + 2 <= len)
		len = info->header_len + 2;
	if ((a = intake_article_with(wire, len, NULL)) == NULL)
		return (1);
	if ((v = article_header_get(a, "Cancel-Lock")) != NULL &&
	    cancel_elements(v, t->locks, sizeof(t->locks)) == -1)
		t->locks[0] = '\0';
	article_free(a);
	return (1);
}

/* Does user moderate every group the target is filed in here? */
static int
withdraw_moderates_all(const struct config *cfg, const char *user,
    const char *xref)
{
	const char	*p, *sp, *colon;
	char		 group[STORE_GROUP_MAX + 1];
	size_t		 n;
	int		 any = 0;

	for (p = xref; *p != '\0'; p = *sp != '\0' ? sp + 1 : sp) {
		if ((sp = strchr(p, ' ')) == NULL)
			sp = p + strlen(p);
		if ((colon = memchr(p, ':', (size_t)(sp - p))) == NULL ||
		    (n = (size_t)(colon - p)) == 0 || n > STORE_GROUP_MAX)
			continue;
		memcpy(group, p, n);
		group[n] = '\0';
		if (!moderation_is_moderator(cfg, group, user))
			return (0);
		any = 1;
	}
	return (any);
}

/* Add "Cancel-Key: key" to a post that carries none, so peers verify
   the withdrawal against the target's lock as we did. */
static void
withdraw_sign(struct intake *in, const char *key)
{
	struct article	*a;
	char		 field[CANCEL_ELEMENTS_MAX + 16];

	if (article_header_get(in->article, "Cancel-Key") != NULL)
		return;
	snprintf(field, sizeof(field), "Cancel-Key: %s", key);
	if ((a = intake_article_with(in->article->wire,
	    in->article->wire_len, field)) != NULL)
		intake_replace(in, a);
}

int
withdraw_check(struct intake *in, const struct withdraw_sender *from,
    const char **action, char *reason, size_t len)
{
	const struct config	*cfg = &in->srv->cfg;
	struct withdraw_target	 t;
	char			 target[STORE_MSGID_MAX + 1];
	char			 keys[STORE_CANCEL_KEYS_MAX + 1];
	char			 key[CANCEL_ELEMENTS_MAX];
	const char		*why = NULL, *v, *user = from->user;
	int			 kind, ret = 0;

	*action = NULL;
	if ((kind = cancel_target(in->article, target, &why)) == CANCEL_NONE)
		return (0);
	if (kind == -1) {
		if (from->peer) {
			*action = "malformed, not acted on";
			return (0);
		}
		snprintf(reason, len, "%s", why);
		return (-1);
	}
	keys[0] = '\0';
	if ((v = article_header_get(in->article, "Cancel-Key")) != NULL &&
	    cancel_elements(v, keys, sizeof(keys)) == -1)
		keys[0] = '\0';
	memset(&t, 0, sizeof(t));
	if (store_article_get(in->srv->store, target, withdraw_target_cb,
	    &t) != STORE_OK || !t.found) {
		free(t.xref);
		/* Nothing to withdraw here (yet).  A cancel with a key is
		   kept for its target; a Supersedes of an article we never
		   had is an ordinary article. */
		if (kind != CANCEL_CANCEL || keys[0] == '\0' ||
		    (from->peer && strcmp(cfg->peer_cancels, "none") == 0)) {
			*action = "target unknown";
			return (0);
		}
		in->withdraw = xstrdup(target);
		in->withdraw_keys = xstrdup(keys);
		*action = "kept for its target";
		return (0);
	}

	if (from->peer && strcmp(cfg->peer_cancels, "none") == 0)
		*action = "not acted on (peer_cancels = none)";
	else if (cancel_key_matches(keys, t.locks))
		*action = "Cancel-Key matches";
	else if (from->peer && strcmp(cfg->peer_cancels, "any") == 0)
		*action = "from a peer (peer_cancels = any)";
	else if (from->peer)
		*action = "no matching Cancel-Key, not acted on";
	else if (user != NULL && cancel_key_make(in->srv->secret, user,
	    target, key, sizeof(key)) == 0 && cancel_key_matches(key,
	    t.locks)) {
		*action = "by its poster";
		withdraw_sign(in, key);
	} else if (user != NULL && withdraw_moderates_all(cfg, user,
	    t.xref)) {
		*action = "by a moderator of its groups";
		if (cancel_key_make(in->srv->secret, NULL, target, key,
		    sizeof(key)) == 0)
			withdraw_sign(in, key);
	} else if (cancel_is_admin(cfg, user)) {
		*action = "by an administrator";
		if (cancel_key_make(in->srv->secret, NULL, target, key,
		    sizeof(key)) == 0)
			withdraw_sign(in, key);
	} else {
		snprintf(reason, len, "Not allowed to %s %.100s: no matching "
		    "Cancel-Key, and you are not its poster, a moderator of "
		    "its groups or an administrator", kind == CANCEL_CANCEL ?
		    "cancel" : "supersede", target);
		ret = -1;
	}
	free(t.xref);
	if (ret == -1 || strstr(*action, "not acted on") != NULL)
		return (ret);
	in->withdraw = xstrdup(target);
	in->withdraw_supersede = kind == CANCEL_SUPERSEDE;
	/* A cancel that may act is not held for moderation (INN does not
	   moderate control messages either); a Supersedes is new text and
	   waits like any post, then replaces nothing (docs/admin.md). */
	if (kind == CANCEL_CANCEL)
		in->moderate = 0;
	return (0);
}

int
withdraw_locks(struct intake *in)
{
	char		 locks[STORE_CANCEL_KEYS_MAX + 1];
	const char	*v;

	free(in->locks);
	in->locks = NULL;
	if ((v = article_header_get(in->article, "Cancel-Lock")) == NULL ||
	    cancel_elements(v, locks, sizeof(locks)) <= 0)
		return (0);
	in->locks = xstrdup(locks);
	return (1);
}
