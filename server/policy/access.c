/* Access rules: parsing [access NAME] sections and deciding per client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "addrmatch.h"
#include "config.h"
#include "header.h"
#include "store.h"
#include "util.h"
#include "wildmat.h"

static struct config_access *
access_rule(struct config *cfg, const char *name, char *err, size_t errlen)
{
	struct config_access	*r;
	size_t			 i;

	if (*name == '\0' || strlen(name) >= sizeof(r->name) ||
	    strpbrk(name, " \t[]") != NULL) {
		snprintf(err, errlen, "bad access rule name \"%s\"", name);
		return (NULL);
	}
	for (i = 0; i < cfg->naccess; i++)
		if (strcmp(cfg->access[i].name, name) == 0)
			return (&cfg->access[i]);
	cfg->access = xreallocarray(cfg->access, cfg->naccess + 1,
	    sizeof(*cfg->access));
	r = &cfg->access[cfg->naccess++];
	memset(r, 0, sizeof(*r));
	loom_strlcpy(r->name, name, sizeof(r->name));
	/* Reading everything, posting nothing: a rule that only names
	   hosts lets them read, and posting is always granted explicitly. */
	loom_strlcpy(r->read, "*", sizeof(r->read));
	return (r);
}

/* Append `value` to a comma-separated list kept in buf. */
static int
access_append(char *buf, size_t size, int *has, const char *key,
    const char *value, char *err, size_t errlen)
{
	size_t	len = *has ? strlen(buf) : 0;

	if (*has && len > 0 && *value != '\0') {
		if (len + 1 >= size)
			goto toolong;
		buf[len++] = ',';
	}
	if (len + strlen(value) >= size)
		goto toolong;
	memcpy(buf + len, value, strlen(value) + 1);
	*has = 1;
	return (0);
toolong:
	snprintf(err, errlen, "%s: list longer than %zu octets", key,
	    size - 1);
	return (-1);
}

int
access_config_key(struct config *cfg, const char *name, const char *key,
    const char *value, char *err, size_t errlen)
{
	struct config_access	*r;
	struct addr_range	*ranges, *all;
	size_t			 n;
	char			*buf;
	const char		*why;
	int			*hasp;

	if ((r = access_rule(cfg, name, err, errlen)) == NULL)
		return (0);
	if (strcmp(key, "hosts") == 0) {
		if (addr_list_parse(value, &ranges, &n, err, errlen) == -1)
			return (0);
		all = xreallocarray(r->hosts, r->nhosts + n + 1,
		    sizeof(*all));
		if (n > 0)
			memcpy(all + r->nhosts, ranges, n * sizeof(*all));
		free(ranges);
		r->hosts = all;
		r->nhosts += n;
		r->has_hosts = 1;
		return (1);
	}
	if (strcmp(key, "users") == 0) {
		buf = r->users;
		hasp = &r->has_users;
	} else if (strcmp(key, "read") == 0) {
		/* The first line replaces the default, later ones extend. */
		buf = r->read;
		hasp = &r->has_read;
	} else if (strcmp(key, "post") == 0) {
		buf = r->post;
		hasp = &r->has_post;
	} else {
		snprintf(err, errlen, "unknown key \"%s\" in [access %s] "
		    "(known: hosts, users, read, post)", key, name);
		return (0);
	}
	if (access_append(buf, ACCESS_PATTERN_MAX + 1, hasp, key, value, err,
	    errlen) == -1)
		return (0);
	if (buf[0] != '\0' && wildmat_valid(buf, &why) == -1) {
		snprintf(err, errlen, "%s: bad wildmat \"%.100s\": %s", key,
		    buf, why);
		return (0);
	}
	return (1);
}

void
access_config_clear(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->naccess; i++)
		free(cfg->access[i].hosts);
	free(cfg->access);
	cfg->access = NULL;
	cfg->naccess = 0;
}

static int
access_rule_applies(const struct config_access *r, const struct sockaddr *sa,
    const char *user)
{
	if (r->has_hosts && !addr_list_match(r->hosts, r->nhosts, sa))
		return (0);
	if (r->has_users && (user == NULL || r->users[0] == '\0' ||
	    !wildmat_match(user, r->users)))
		return (0);
	return (1);
}

void
access_resolve(const struct config *cfg, const struct sockaddr *sa,
    const char *user, struct access *out)
{
	const struct config_access	*r;
	size_t				 i;

	out->matched = 0;
	out->rule = out->read = out->post = "";
	if (cfg->naccess == 0) {
		out->matched = 1;
		out->rule = "default";
		out->read = out->post = "*";
		return;
	}
	for (i = 0; i < cfg->naccess; i++) {
		r = &cfg->access[i];
		if (!access_rule_applies(r, sa, user))
			continue;
		out->matched = 1;
		out->rule = r->name;
		out->read = r->read;
		out->post = r->post;
	}
}

int
access_login_helps(const struct config *cfg, const struct sockaddr *sa)
{
	size_t	i;

	for (i = 0; i < cfg->naccess; i++)
		if (cfg->access[i].has_users && (!cfg->access[i].has_hosts ||
		    addr_list_match(cfg->access[i].hosts,
		    cfg->access[i].nhosts, sa)))
			return (1);
	return (0);
}

int
access_can_read(const struct access *a, const char *group)
{
	return (a->read[0] != '\0' && wildmat_match(group, a->read));
}

int
access_can_post(const struct access *a, const char *group)
{
	return (a->post[0] != '\0' && wildmat_match(group, a->post));
}

static int
access_group_readable(const char *group, void *arg)
{
	return (access_can_read(arg, group));
}

int
access_can_read_xref(const struct access *a, const char *xref)
{
	if (strcmp(a->read, "*") == 0)
		return (1);
	return (xref_any_group(xref, access_group_readable, (void *)a));
}
