/* Moderator rules: parsing [moderators NAME] sections and deciding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "moderation.h"
#include "util.h"
#include "wildmat.h"

static struct config_moderators *
moderation_rule(struct config *cfg, const char *name, char *err,
    size_t errlen)
{
	struct config_moderators	*r;
	size_t				 i;

	if (*name == '\0' || strlen(name) >= sizeof(r->name) ||
	    strpbrk(name, " \t[]") != NULL) {
		snprintf(err, errlen, "bad moderators rule name \"%s\"", name);
		return (NULL);
	}
	for (i = 0; i < cfg->nmoderators; i++)
		if (strcmp(cfg->moderators[i].name, name) == 0)
			return (&cfg->moderators[i]);
	cfg->moderators = xreallocarray(cfg->moderators, cfg->nmoderators + 1,
	    sizeof(*cfg->moderators));
	r = &cfg->moderators[cfg->nmoderators++];
	memset(r, 0, sizeof(*r));
	loom_strlcpy(r->name, name, sizeof(r->name));
	return (r);
}

/* Append a wildmat to a comma-separated list: later lines extend it. */
static int
moderation_append(char *buf, size_t size, const char *key, const char *value,
    char *err, size_t errlen)
{
	size_t		 len = strlen(buf);
	const char	*why;

	if (len + 1 + strlen(value) >= size) {
		snprintf(err, errlen, "%s: list longer than %zu octets", key,
		    size - 1);
		return (-1);
	}
	if (len > 0)
		buf[len++] = ',';
	memcpy(buf + len, value, strlen(value) + 1);
	if (wildmat_valid(buf, &why) == -1) {
		snprintf(err, errlen, "%s: bad wildmat \"%.100s\": %s", key,
		    buf, why);
		return (-1);
	}
	return (0);
}

/* RFC 6048's template: at most one %s, other % doubled, no line breaks. */
static int
moderation_submit_valid(const char *v)
{
	int	ns = 0;

	for (; *v != '\0'; v++) {
		if (*v == '\r' || *v == '\n')
			return (0);
		if (*v != '%')
			continue;
		if (v[1] == 's')
			ns++;
		else if (v[1] != '%')
			return (0);
		v++;
	}
	return (ns <= 1);
}

int
moderation_config_key(struct config *cfg, const char *name, const char *key,
    const char *value, char *err, size_t errlen)
{
	struct config_moderators	*r;

	if ((r = moderation_rule(cfg, name, err, errlen)) == NULL)
		return (0);
	if (strcmp(key, "groups") == 0)
		return (moderation_append(r->groups, sizeof(r->groups), key,
		    value, err, errlen) == 0);
	if (strcmp(key, "users") == 0)
		return (moderation_append(r->users, sizeof(r->users), key,
		    value, err, errlen) == 0);
	if (strcmp(key, "submit") == 0) {
		if (strlen(value) >= sizeof(r->submit) ||
		    !moderation_submit_valid(value)) {
			snprintf(err, errlen, "submit: bad address template "
			    "\"%.100s\" (at most one %%s, %%%% for %%)", value);
			return (0);
		}
		loom_strlcpy(r->submit, value, sizeof(r->submit));
		return (1);
	}
	snprintf(err, errlen, "unknown key \"%s\" in [moderators %s] (known: "
	    "groups, users, submit)", key, name);
	return (0);
}

int
moderation_config_check(const struct config *cfg, char *err, size_t errlen)
{
	size_t	i;

	for (i = 0; i < cfg->nmoderators; i++)
		if (cfg->moderators[i].groups[0] == '\0' ||
		    cfg->moderators[i].users[0] == '\0') {
			snprintf(err, errlen, "[moderators %s] needs both "
			    "groups and users", cfg->moderators[i].name);
			return (-1);
		}
	return (0);
}

void
moderation_config_clear(struct config *cfg)
{
	free(cfg->moderators);
	cfg->moderators = NULL;
	cfg->nmoderators = 0;
}

int
moderation_is_moderator(const struct config *cfg, const char *group,
    const char *user)
{
	const struct config_moderators	*r;
	size_t				 i;

	if (user == NULL || *user == '\0')
		return (0);
	for (i = 0; i < cfg->nmoderators; i++) {
		r = &cfg->moderators[i];
		if (wildmat_match(group, r->groups) &&
		    wildmat_match(user, r->users))
			return (1);
	}
	return (0);
}
