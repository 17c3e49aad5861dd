/*
 * Who may read and post what: the [access NAME] sections of loom.conf.
 *
 * A rule applies to a client when its address is in the rule's `hosts`
 * (every address when the rule has none) and, if the rule names `users`,
 * when the client has authenticated as a user that wildmat matches.  Of
 * the rules that apply, the last one in the file decides, as in INN's
 * readers.conf, so general rules come first and exceptions after them.
 * The decision is two wildmats: the groups the client may read (the
 * others are invisible to it) and the groups it may post to.
 *
 * With no [access] section at all every client may read and post to every
 * group: a fresh install behaves like a plain news server.
 */
#ifndef LOOM_ACCESS_H
#define LOOM_ACCESS_H

#include <sys/socket.h>

#include <stddef.h>

/* Longest wildmat of one rule (continued over several lines). */
#define ACCESS_PATTERN_MAX	1023

struct addr_range;
struct config;

struct config_access {
	char			 name[64];
	struct addr_range	*hosts;		/* NULL: every address */
	size_t			 nhosts;
	int			 has_hosts;
	char			 users[ACCESS_PATTERN_MAX + 1];
	int			 has_users;	/* else anyone, even anonymous */
	char			 read[ACCESS_PATTERN_MAX + 1];
	int			 has_read;	/* else the default, "*" */
	char			 post[ACCESS_PATTERN_MAX + 1];
	int			 has_post;	/* else nothing */
};

/*
 * What one client may do now; recomputed after AUTHINFO and on reload.
 * The strings are the rule's own (or constants), never NULL: valid while
 * the configuration that resolved them is, which is why a reload resolves
 * every session's access again before anything else reads it.  Each
 * session holds one of these, so pointers, not 2 KiB of copied wildmats.
 */
struct access {
	int		 matched;	/* some rule applies */
	const char	*rule;		/* its name, for logs; "" : none */
	const char	*read;		/* wildmat; "" : nothing */
	const char	*post;		/* wildmat; "" : nothing */
};

/*
 * One "key = value" line of an [access NAME] section.  A key given again
 * (or continued on an indented line) extends its list.  Returns 1, or 0
 * with a reason in err.
 */
int	access_config_key(struct config *cfg, const char *name,
	    const char *key, const char *value, char *err, size_t errlen);

/* Release the rules of a configuration. */
void	access_config_clear(struct config *cfg);

/* The rights of a client at `sa`, authenticated as `user` (or NULL);
   `out` points into `cfg`, which must outlive it. */
void	access_resolve(const struct config *cfg, const struct sockaddr *sa,
	    const char *user, struct access *out);

/* Could logging in change anything for a client at `sa`? */
int	access_login_helps(const struct config *cfg, const struct sockaddr *sa);

int	access_can_read(const struct access *a, const char *group);
int	access_can_post(const struct access *a, const char *group);

/*
 * May the client see an article filed as `xref` ("group:number ...", as
 * the store keeps it)?  Yes when it may read one of those groups: a
 * cross-post is readable wherever one of its groups is.
 */
int	access_can_read_xref(const struct access *a, const char *xref);

#endif /* LOOM_ACCESS_H */
