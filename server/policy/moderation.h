/*
 * Who moderates what: [moderators NAME] sections, in the style of the
 * [access] rules (docs/admin.md, "Moderation and house rules").
 *
 *	[moderators announce]
 *	groups = local.announce,local.rules
 *	users  = alice,bob
 *	submit = %s@news.example.org	(LIST MODERATORS; optional)
 *
 * A user moderates a group when some rule's groups wildmat matches the
 * group and its users wildmat matches the user name.
 */
#ifndef LOOM_MODERATION_H
#define LOOM_MODERATION_H

#include <stddef.h>

#define MODERATION_PATTERN_MAX	1023

struct config;

struct config_moderators {
	char	name[64];
	char	groups[MODERATION_PATTERN_MAX + 1];
	char	users[MODERATION_PATTERN_MAX + 1];
	char	submit[256];		/* "" : "%s@" the [server] domain */
};

/* One key of [moderators NAME]: 1, or 0 with err (ini's convention). */
int	moderation_config_key(struct config *cfg, const char *name,
	    const char *key, const char *value, char *err, size_t errlen);
/* Every rule complete (groups and users)?  0, or -1 with err. */
int	moderation_config_check(const struct config *cfg, char *err,
	    size_t errlen);
void	moderation_config_clear(struct config *cfg);

/* Does `user` (NULL: not logged in) moderate `group`? */
int	moderation_is_moderator(const struct config *cfg, const char *group,
	    const char *user);

#endif /* LOOM_MODERATION_H */
