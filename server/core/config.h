/*
 * loom.conf: an INI file (parsed by libinih) described by one schema table
 * in config.c, which holds every key's type, bounds, default and help.
 * Defaults go through the same checks as file values.
 */
#ifndef LOOM_CONFIG_H
#define LOOM_CONFIG_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_LISTEN_MAX	16
#define CONFIG_PATH_MAX		1024
#define CONFIG_NAME_MAX		255
#define CONFIG_PATTERN_MAX	1023	/* a wildmat of groups */
#define CONFIG_VISITOR_NAME_MAX	64	/* [http] visitor_name, octets */
#define CONFIG_USER_MAX		32	/* useradd(8): at most 32 characters */
/* Longest header field max_header_size may allow (name, value, folding). */
#define SERVER_FIELD_MAX	65536

struct config_listen {
	char			 spec[CONFIG_NAME_MAX + 1];	/* as written */
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
};

struct config_group {
	char		 name[CONFIG_NAME_MAX + 1];
	char		 status;		/* y, n, m */
	char		 description[CONFIG_NAME_MAX + 1];
};

/* A [peer NAME] section: a server that feeds us and/or that we feed. */
struct config_peer {
	char			 name[64];
	char			 host[CONFIG_NAME_MAX + 1];
	unsigned		 port;
	char			 groups[CONFIG_NAME_MAX + 1];	/* wildmat */
	char			 pathhost[CONFIG_NAME_MAX + 1];
	unsigned		 max_in_flight;
	int			 compress;	/* COMPRESS DEFLATE if offered */
	struct sockaddr_storage	 addr;		/* host, once resolved */
	socklen_t		 addrlen;	/* 0: not (yet) resolved */
};

/* An [expire NAME] section: retention for the groups it matches. */
struct config_expire {
	char			 name[CONFIG_NAME_MAX + 1];
	char			 groups[CONFIG_NAME_MAX + 1];	/* wildmat */
	int			 days;		/* -1: no age limit */
	uint64_t		 max_articles;	/* 0: no limit */
};

struct config {
	char			 path[CONFIG_PATH_MAX];	/* "" without a file */

	/* [server] */
	struct config_listen	 listen[CONFIG_LISTEN_MAX];
	size_t			 nlisten;
	char			 data[CONFIG_PATH_MAX];
	char			 pathhost[CONFIG_NAME_MAX + 1];
	char			 domain[CONFIG_NAME_MAX + 1];
	int			 log_level;
	char			 user[CONFIG_USER_MAX + 1];	/* "": keep */
	unsigned		 idle_timeout;		/* seconds */
	unsigned		 max_connections;
	unsigned		 max_connections_per_host;
	int			 posting;		/* greeting 200 or 201 */
	int			 loopback_feeds;	/* 127.0.0.1, ::1 may feed */
	unsigned		 max_in_flight;		/* TAKETHIS per session */

	/* [storage] */
	uint64_t		 map_size;
	uint64_t		 map_size_max;
	int			 nosync;
	unsigned		 batch_max;
	unsigned		 history_days;

	/* [limits] */
	unsigned		 max_command_errors;	/* in a row, then 400 */
	uint64_t		 max_garbage;		/* octets of one line */
	uint64_t		 output_buffer;		/* stop reading above */
	unsigned		 xtree_max;		/* nodes per XTREE */
	unsigned		 commands_per_second;	/* 0: no limit */
	unsigned		 command_burst;
	unsigned		 posts_per_minute;	/* 0: no limit */
	unsigned		 article_timeout;	/* seconds to send one */

	/* [auth] */
	int			 auth_plaintext;	/* AUTHINFO without TLS */
	unsigned		 auth_max_failures;	/* per address, window */
	unsigned		 auth_failure_window;	/* seconds */

	/* [tls] */
	char			 tls_cert[CONFIG_PATH_MAX];	/* "" = none */
	char			 tls_key[CONFIG_PATH_MAX];
	struct config_listen	 tls_listen[CONFIG_LISTEN_MAX];	/* implicit */
	size_t			 ntls_listen;
	unsigned		 tls_handshake_timeout;	/* seconds */

	/* [http] (server/http, docs/web.md): off without a listen */
	struct config_listen	 http_listen[CONFIG_LISTEN_MAX];
	size_t			 nhttp_listen;
	struct config_listen	 https_listen[CONFIG_LISTEN_MAX]; /* [tls] cert */
	size_t			 nhttps_listen;
	unsigned		 http_timeout;		/* seconds */
	unsigned		 http_page_threads;	/* per group page */
	unsigned		 http_thread_max;	/* comments per page */
	unsigned		 http_requests_per_minute; /* per address */
	char			 http_rules_dir[CONFIG_PATH_MAX]; /* "" none */
	/* [http] visitors: comments without an account (docs/web.md) */
	char			 http_visitor_groups[CONFIG_PATTERN_MAX + 1];
	char			 http_visitor_name[CONFIG_VISITOR_NAME_MAX + 1];
	char			 http_visitor_address[CONFIG_NAME_MAX + 1];

	/* [stats]: the Prometheus endpoint's address ("": off) */
	char			 stats_listen[CONFIG_NAME_MAX + 1];

	/* [posting] */
	uint64_t		 max_article_size;
	unsigned		 max_lines;
	unsigned		 max_headers;
	uint64_t		 max_header_size;	/* one field, folded */
	unsigned		 date_skew;		/* seconds into the future */
	int			 posting_host;		/* in Injection-Info */
	char			 anonymous_groups[CONFIG_PATTERN_MAX + 1];
						/* wildmat, "": none (anon.h) */
	char			 anonymous_from[CONFIG_NAME_MAX + 1];
	/* Cancel and Supersedes (policy/cancel.h) */
	char			 cancel_admins[CONFIG_PATTERN_MAX + 1];
						/* wildmat of users, "": none */
	char			 peer_cancels[16];	/* key, any, none */

	/* [filter] (posting filter: proto/filter_rules.h, filter.h) */
	unsigned		 filter_max_crosspost;	/* 0: no limit */
	unsigned		 filter_max_followup;
	struct filter_pattern	*reject_headers;
	size_t			 nreject_headers;
	char			 filter_program[CONFIG_PATH_MAX]; /* "" none */
	unsigned		 filter_timeout;	/* seconds */
	int			 filter_transit;	/* rules for peers too */

	/* [control] (control messages: proto/ctlmsg.h, intake/ctlmsg.c) */
	struct ctlrule		*ctl_rules;	/* in file order */
	size_t			 nctl_rules;
	char			 ctl_keyring[CONFIG_PATH_MAX];	/* "": none */
	char			 ctl_gpgv[CONFIG_PATH_MAX];
	unsigned		 ctl_verify_timeout;	/* seconds */
	char			 ctl_posters[CONFIG_PATTERN_MAX + 1];
	int			 ctl_pseudo_groups;	/* control.* made */

	/* [group NAME] sections: groups created at start-up if missing */
	struct config_group	*groups;
	size_t			 ngroups;

	/* [peer NAME] sections */
	struct config_peer	*peers;
	size_t			 npeers;

	/* [access NAME] sections, in file order (access.h) */
	struct config_access	*access;
	size_t			 naccess;

	/* [moderators NAME] sections (moderation.h) */
	struct config_moderators *moderators;
	size_t			 nmoderators;

	/* [expire]: the scheduled pass (retention.h) */
	unsigned		 expire_interval;	/* seconds, 0: off */
	unsigned		 moderation_queue_days;	/* 0: kept */
	/* [expire NAME] sections, in file order: the last match wins */
	struct config_expire	*expire;
	size_t			 nexpire;
};

/* Fill cfg with the defaults (valid by construction). */
void config_defaults(struct config *cfg);

/*
 * Read a config file over the defaults.  Returns 0, or -1 with a message
 * "FILE:LINE: reason" in err.  cfg must have been set to defaults.
 */
int config_load(struct config *cfg, const char *path, char *err,
    size_t errlen);

/* Parse "ADDR:PORT" / "[ADDR]:PORT" into out; -1 with err on failure. */
int config_parse_listen(const char *spec, struct config_listen *out,
    char *err, size_t errlen);

/* Add a listen address (command line); -1 with err if bad or too many. */
int config_add_listen(struct config *cfg, const char *spec, char *err,
    size_t errlen);

/* Add an implicit-TLS listen address (command line). */
int config_add_tls_listen(struct config *cfg, const char *spec, char *err,
    size_t errlen);

/* Add an HTTP (tls 0) or HTTPS listen address (command line). */
int config_add_http_listen(struct config *cfg, const char *spec, int tls,
    char *err, size_t errlen);

/*
 * Resolve a peer's host (no port) into addr, blocking: for loomd before
 * its loop runs and for loomctl.  A peer without a host stays with
 * addrlen 0.  -1 with err if the name does not resolve.  A reload
 * resolves on the loop instead (feed/peers.c).
 */
int config_peer_resolve(struct config_peer *pe, char *err, size_t errlen);
int config_peers_resolve(struct config *cfg, char *err, size_t errlen);

/* Release what config_load allocated (the group list). */
void config_clear(struct config *cfg);

struct filter_pattern;
struct ctlrule;
struct store_options;

/* The store settings of a configuration ([storage], pathhost). */
void config_store_options(const struct config *cfg,
    struct store_options *opt);

/* Write every key with its default and help text: the reference. */
void config_dump_schema(FILE *fp);

#endif /* LOOM_CONFIG_H */
