/* loom.conf: schema table, value parsing and the libinih handler. */
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "moderation.h"
#include "article.h"
#include "config.h"
#include "ctlmsg.h"
#include "filter_rules.h"
#include "log.h"
#include "mime.h"
#include "store.h"
#include "util.h"
#include "wildmat.h"

enum config_type {
	CONFIG_STRING,		/* char array of `max` + 1 octets */
	CONFIG_UINT,		/* unsigned within [min, max] */
	CONFIG_SIZE,		/* uint64_t with K, M, G, T suffixes */
	CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	CONFIG_LOGLEVEL,
	CONFIG_LISTEN,		/* repeatable: appends to cfg->listen */
	CONFIG_TLS_LISTEN,	/* repeatable: appends to cfg->tls_listen */
	CONFIG_REJECT_HEADER,	/* repeatable: appends to reject_headers */
	CONFIG_HTTP_LISTEN,	/* repeatable: appends to cfg->http_listen */
	CONFIG_HTTPS_LISTEN,	/* repeatable: appends to cfg->https_listen */
	CONFIG_CONTROL_RULE	/* repeatable: appends to cfg->ctl_rules */
};

struct config_key {
	const char		*section;
	const char		*name;
	enum config_type	 type;
	size_t			 offset;
	uint64_t		 min;
	uint64_t		 max;
	const char		*def;
	const char		*help;
};

#define OFF(f)	offsetof(struct config, f)

/*
 * The schema: every key loom.conf accepts.  docs/loom.conf.5 describes the
 * same keys; `loomd --dump-config` prints this table so the two can be
 * compared.
 */
static const struct config_key config_keys[] = {
	{ "server", "listen", CONFIG_LISTEN, OFF(listen), 0, 0,
	  "127.0.0.1:1119",
	  "address:port to accept connections on; repeat for more" },
	{ "server", "data", CONFIG_STRING, OFF(data), 1, CONFIG_PATH_MAX - 1,
	  "/var/lib/loom", "directory of the article store (LMDB)" },
	{ "server", "pathhost", CONFIG_STRING, OFF(pathhost), 1,
	  CONFIG_NAME_MAX, "loom.invalid",
	  "this server's Path identity (RFC 5537), also used in Xref" },
	{ "server", "domain", CONFIG_STRING, OFF(domain), 1, CONFIG_NAME_MAX,
	  "loom.invalid", "right-hand side of generated Message-IDs" },
	{ "server", "log_level", CONFIG_LOGLEVEL, OFF(log_level), 0, 0,
	  "info", "debug, info, warn or error" },
	{ "server", "user", CONFIG_STRING, OFF(user), 0, CONFIG_USER_MAX,
	  "", "account loomd runs as once its ports are bound, when "
	  "started as root (empty: stay root, with a warning)" },
	{ "server", "idle_timeout", CONFIG_UINT, OFF(idle_timeout), 1, 86400,
	  "600", "seconds a client may stay silent (RFC 3977: >= 180)" },
	{ "server", "max_connections", CONFIG_UINT, OFF(max_connections), 1,
	  1000000, "1000", "simultaneous client connections" },
	{ "server", "max_connections_per_host", CONFIG_UINT,
	  OFF(max_connections_per_host), 1, 1000000, "64",
	  "simultaneous connections from one address" },
	{ "server", "posting", CONFIG_BOOL, OFF(posting), 0, 1, "yes",
	  "whether readers may post (greeting 200 or 201)" },
	{ "server", "loopback_feeds", CONFIG_BOOL, OFF(loopback_feeds), 0, 1,
	  "yes", "clients on 127.0.0.1 and ::1 may feed articles (IHAVE, "
	  "TAKETHIS), like INN's ME entry" },
	{ "server", "max_in_flight", CONFIG_UINT, OFF(max_in_flight), 1,
	  100000, "256", "TAKETHIS articles one peer connection may have "
	  "awaiting their commit" },

	{ "storage", "map_size", CONFIG_SIZE, OFF(map_size), 1 << 20,
	  UINT64_C(1) << 44, "64M", "initial LMDB map size; it grows" },
	{ "storage", "map_size_max", CONFIG_SIZE, OFF(map_size_max), 1 << 20,
	  UINT64_C(1) << 50, "1T", "largest the map may grow to" },
	{ "storage", "nosync", CONFIG_BOOL, OFF(nosync), 0, 1, "no",
	  "skip fsync at commit: a power failure may lose acknowledged "
	  "articles" },
	{ "storage", "batch_max", CONFIG_UINT, OFF(batch_max), 1, 100000,
	  "512", "articles committed together in one transaction at most" },
	{ "storage", "history_days", CONFIG_UINT, OFF(history_days), 1,
	  36500, "30", "days a Message-ID is remembered to refuse duplicates" },

	{ "expire", "interval", CONFIG_UINT, OFF(expire_interval), 0,
	  31 * 86400, "3600", "seconds between loomd's expiry passes (0: "
	  "none; loomctl expire still works)" },
	{ "expire", "moderation_queue_days", CONFIG_UINT,
	  OFF(moderation_queue_days), 0, 36500, "0", "days a post may wait "
	  "in a moderation queue before the expiry pass drops it (0: kept)" },

	{ "limits", "max_command_errors", CONFIG_UINT,
	  OFF(max_command_errors), 1, 100000, "50",
	  "consecutive bad commands before the connection is closed" },
	{ "limits", "max_garbage", CONFIG_SIZE, OFF(max_garbage), 1024,
	  UINT64_C(1) << 32, "1M",
	  "octets of one over-long line before the connection is closed" },
	{ "limits", "output_buffer", CONFIG_SIZE, OFF(output_buffer), 4096,
	  UINT64_C(1) << 30, "256K",
	  "pending output per client above which its input waits" },
	{ "limits", "xtree_max", CONFIG_UINT, OFF(xtree_max), 1, 10000000,
	  "10000", "most nodes one XTREE reply holds; more is cut" },

	{ "limits", "commands_per_second", CONFIG_UINT,
	  OFF(commands_per_second), 0, 1000000, "100",
	  "commands per second one reader connection may sustain; faster "
	  "ones are slowed down (0: no limit; feeding peers are exempt)" },
	{ "limits", "command_burst", CONFIG_UINT, OFF(command_burst), 1,
	  1000000, "500", "commands a reader may send at once before "
	  "commands_per_second applies" },
	{ "limits", "posts_per_minute", CONFIG_UINT, OFF(posts_per_minute), 0,
	  100000, "0", "posts per minute per user (or per address when "
	  "anonymous); more get 441 (0: no limit)" },
	{ "limits", "article_timeout", CONFIG_UINT, OFF(article_timeout), 1,
	  86400, "600", "seconds a client may take to send one article "
	  "(POST, IHAVE, TAKETHIS), then 400 and close" },

	{ "auth", "allow_plaintext", CONFIG_BOOL, OFF(auth_plaintext), 0, 1,
	  "no", "accept AUTHINFO on unencrypted connections (passwords "
	  "then cross the network in clear)" },
	{ "auth", "max_failures", CONFIG_UINT, OFF(auth_max_failures), 0,
	  100000, "5", "failed logins one address may make per "
	  "failure_window; more get 481 at once (0: no limit)" },
	{ "auth", "failure_window", CONFIG_UINT, OFF(auth_failure_window), 1,
	  86400, "600", "seconds over which max_failures counts" },

	{ "filter", "max_crosspost", CONFIG_UINT, OFF(filter_max_crosspost),
	  0, 100000, "0", "most newsgroups a post may name (0: no limit)" },
	{ "filter", "max_followup", CONFIG_UINT, OFF(filter_max_followup), 0,
	  100000, "0", "most groups Followup-To may name (0: no limit)" },
	{ "filter", "reject_header", CONFIG_REJECT_HEADER,
	  OFF(reject_headers), 0, 0, NULL, "\"Header: wildmat\": refuse "
	  "articles with such a field (any case); repeatable" },
	{ "filter", "program", CONFIG_STRING, OFF(filter_program), 0,
	  CONFIG_PATH_MAX - 1, "", "program run per post with the article "
	  "on stdin: exit 0 accepts, 1 refuses (first output line is the "
	  "reason)" },
	{ "filter", "program_timeout", CONFIG_UINT, OFF(filter_timeout), 1,
	  3600, "10", "seconds the program may take; then the post is "
	  "refused for now (441, try again later)" },
	{ "filter", "transit", CONFIG_BOOL, OFF(filter_transit), 0, 1, "no",
	  "apply max_crosspost, max_followup and reject_header to articles "
	  "from peers too (437/439)" },

	{ "control", "newgroup", CONFIG_CONTROL_RULE, OFF(ctl_rules), 0, 0,
	  NULL, "\"FROM-WILDMAT GROUP-WILDMAT ACTION\" (doit, log, drop, "
	  "verify-SIGNER): what a newgroup does; last match wins, none: "
	  "log; repeatable" },
	{ "control", "rmgroup", CONFIG_CONTROL_RULE, OFF(ctl_rules), 0, 0,
	  NULL, "the same for rmgroup; repeatable" },
	{ "control", "checkgroups", CONFIG_CONTROL_RULE, OFF(ctl_rules), 0, 0,
	  NULL, "the same for checkgroups (doit: create and remove groups "
	  "in its scope); repeatable" },
	{ "control", "all", CONFIG_CONTROL_RULE, OFF(ctl_rules), 0, 0,
	  NULL, "the same for newgroup, rmgroup and checkgroups at once; "
	  "repeatable" },
	{ "control", "keyring", CONFIG_STRING, OFF(ctl_keyring), 0,
	  CONFIG_PATH_MAX - 1, "", "OpenPGP keyring file gpgv checks "
	  "verify-SIGNER rules against (empty: verify never succeeds)" },
	{ "control", "gpgv", CONFIG_STRING, OFF(ctl_gpgv), 1,
	  CONFIG_PATH_MAX - 1, "/usr/bin/gpgv", "the gpgv program" },
	{ "control", "verify_timeout", CONFIG_UINT, OFF(ctl_verify_timeout),
	  1, 3600, "30", "seconds gpgv may take; then the message is only "
	  "logged" },
	{ "control", "posters", CONFIG_STRING, OFF(ctl_posters), 0,
	  CONFIG_PATTERN_MAX, "", "wildmat of logged-in users who may POST "
	  "newgroup, rmgroup and checkgroups (empty: nobody; peers always "
	  "may, the rules decide)" },
	{ "control", "pseudo_groups", CONFIG_BOOL, OFF(ctl_pseudo_groups), 0,
	  1, "yes", "create the control.* groups control articles are filed "
	  "in (as INN) when the first one arrives; without them they go "
	  "to their Newsgroups" },

	{ "tls", "cert", CONFIG_STRING, OFF(tls_cert), 0, CONFIG_PATH_MAX - 1,
	  "", "PEM certificate (chain) file; with key, enables STARTTLS" },
	{ "tls", "key", CONFIG_STRING, OFF(tls_key), 0, CONFIG_PATH_MAX - 1,
	  "", "PEM private key file" },
	{ "tls", "listen", CONFIG_TLS_LISTEN, OFF(tls_listen), 0, 0, NULL,
	  "address:port for implicit TLS (563 in production); repeatable" },
	{ "tls", "handshake_timeout", CONFIG_UINT, OFF(tls_handshake_timeout),
	  1, 86400, "30", "seconds a client may take to complete the TLS "
	  "handshake (implicit TLS or STARTTLS), then it is disconnected" },

	{ "http", "listen", CONFIG_HTTP_LISTEN, OFF(http_listen), 0, 0, NULL,
	  "address:port for the read-only web pages (docs/web.md); none: "
	  "off; repeatable" },
	{ "http", "tls_listen", CONFIG_HTTPS_LISTEN, OFF(https_listen), 0, 0,
	  NULL, "address:port for the web pages over HTTPS, with the [tls] "
	  "certificate; repeatable" },
	{ "http", "timeout", CONFIG_UINT, OFF(http_timeout), 1, 3600, "30",
	  "seconds an HTTP client may take to send a request or stay idle" },
	{ "http", "page_threads", CONFIG_UINT, OFF(http_page_threads), 1,
	  1000, "50", "threads listed on one page of a group" },
	{ "http", "thread_max", CONFIG_UINT, OFF(http_thread_max), 1, 100000,
	  "2000", "comments shown on one thread page; a larger thread shows "
	  "its first ones and says so" },
	{ "http", "requests_per_minute", CONFIG_UINT,
	  OFF(http_requests_per_minute), 0, 10000, "600",
	  "HTTP requests one address may make per minute; more get 429 (0: "
	  "no limit)" },
	{ "http", "rules_dir", CONFIG_STRING, OFF(http_rules_dir), 0,
	  CONFIG_PATH_MAX - 1, "", "directory of house rules shown on the "
	  "web pages: a UTF-8 text file named as its group (none: no rules)" },
	{ "http", "visitor_groups", CONFIG_STRING, OFF(http_visitor_groups),
	  0, CONFIG_PATTERN_MAX, "", "wildmat of the groups where a web "
	  "visitor without an account may comment (docs/web.md); empty: "
	  "none" },
	{ "http", "visitor_name", CONFIG_STRING, OFF(http_visitor_name), 1,
	  CONFIG_VISITOR_NAME_MAX, "Anonymous Coward", "the name on a "
	  "visitor's comment when the visitor gives none" },
	{ "http", "visitor_address", CONFIG_STRING, OFF(http_visitor_address),
	  3, CONFIG_NAME_MAX, "visitor@loom.invalid", "the address in the "
	  "From of every visitor's comment (an addr-spec)" },

	{ "stats", "listen", CONFIG_STRING, OFF(stats_listen), 0,
	  CONFIG_NAME_MAX, "", "address:port for the Prometheus metrics "
	  "(GET /metrics; docs/admin.md, Monitoring); empty: off" },

	{ "posting", "max_article_size", CONFIG_SIZE, OFF(max_article_size),
	  1024, UINT64_C(1) << 30, "1M",
	  "largest article accepted (POST, IHAVE, TAKETHIS), in octets" },
	{ "posting", "max_lines", CONFIG_UINT, OFF(max_lines), 1, 100000000,
	  "100000", "most lines an article may have" },
	{ "posting", "max_headers", CONFIG_UINT, OFF(max_headers), 8, 100000,
	  "256", "most header fields an article may have" },
	{ "posting", "max_header_size", CONFIG_SIZE, OFF(max_header_size),
	  1024, SERVER_FIELD_MAX, "16K", "longest header field (with its folded "
	  "lines) an article may have" },
	{ "posting", "date_skew", CONFIG_UINT, OFF(date_skew), 0, 7 * 86400,
	  "86400", "seconds a Date may lie in the future" },
	{ "posting", "posting_host", CONFIG_BOOL, OFF(posting_host), 0, 1,
	  "yes", "name the poster's address in Injection-Info (no: omit it)" },
	{ "posting", "anonymous_groups", CONFIG_STRING, OFF(anonymous_groups),
	  0, CONFIG_PATTERN_MAX, "", "wildmat of the groups where a logged-in "
	  "user may post anonymously (X-Loom-Anonymous: yes); empty: none" },
	{ "posting", "anonymous_from", CONFIG_STRING, OFF(anonymous_from), 1,
	  CONFIG_NAME_MAX, "Anonymous Coward <anonymous@loom.invalid>",
	  "From of an anonymous post (one RFC 5322 mailbox)" },
	/* Cancel and Supersedes (docs/admin.md) */
	{ "posting", "cancel_admins", CONFIG_STRING, OFF(cancel_admins), 0,
	  CONFIG_PATTERN_MAX, "", "wildmat of the users who may cancel or "
	  "supersede any article; empty: none" },
	{ "posting", "peer_cancels", CONFIG_STRING, OFF(peer_cancels), 1, 15,
	  "key", "cancels and Supersedes from peers act only with a matching "
	  "Cancel-Key (key), always (any) or never (none)" },
};

#define NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

/* [http] visitor_*: a valid wildmat, a name without control
   characters, a bare address. */
static int
config_http_visitor_check(const struct config *cfg, char *err,
    size_t errlen)
{
	const char	*errstr;
	char		 name[CONFIG_VISITOR_NAME_MAX + 1];

	if (cfg->http_visitor_groups[0] != '\0' &&
	    wildmat_valid(cfg->http_visitor_groups, &errstr) == -1) {
		snprintf(err, errlen, "visitor_groups: %s", errstr);
		return (-1);
	}
	if (mime_name_clean(cfg->http_visitor_name, CONFIG_VISITOR_NAME_MAX,
	    name, sizeof(name)) == -1 || name[0] == '\0') {
		snprintf(err, errlen, "visitor_name: UTF-8 text on one line, "
		    "without control characters");
		return (-1);
	}
	if (strpbrk(cfg->http_visitor_address, "<>\" \t") != NULL ||
	    !article_mailbox_valid(cfg->http_visitor_address)) {
		snprintf(err, errlen, "visitor_address is not an address "
		    "(e.g. visitor@example.invalid)");
		return (-1);
	}
	return (0);
}

struct config_parse {
	struct config	*cfg;
	char		 err[256];
	int		 seen[NKEYS];
	int		 listen_from_file;
};

static int
config_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

/* "64M", "1T", "4096": decimal with an optional binary-unit suffix. */
static int
config_parse_size(const char *v, uint64_t *out)
{
	unsigned long long	 n;
	char			*end;
	unsigned		 shift = 0;

	if (!isdigit((unsigned char)*v))
		return (-1);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return (-1);
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return (-1);
	}
	if (*end != '\0') {
		end++;
		if (toupper((unsigned char)*end) == 'B' ||
		    (toupper((unsigned char)*end) == 'I' &&
		    toupper((unsigned char)end[1]) == 'B'))
			end += toupper((unsigned char)*end) == 'B' ? 1 : 2;
		if (*end != '\0')
			return (-1);
	}
	if (shift != 0 && n > (UINT64_MAX >> shift))
		return (-1);
	*out = (uint64_t)n << shift;
	return (0);
}

int
config_parse_listen(const char *spec, struct config_listen *out, char *err,
    size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 host[CONFIG_NAME_MAX + 1];
	const char	*port, *colon;
	size_t		 hostlen;
	int		 rc;

	if (strlen(spec) > CONFIG_NAME_MAX) {
		snprintf(err, errlen, "listen address too long");
		return (-1);
	}
	if (spec[0] == '[') {
		colon = strchr(spec, ']');
		if (colon == NULL || colon[1] != ':') {
			snprintf(err, errlen, "bad listen address \"%s\": "
			    "expected [ADDRESS]:PORT", spec);
			return (-1);
		}
		hostlen = (size_t)(colon - spec - 1);
		memcpy(host, spec + 1, hostlen);
		port = colon + 2;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL || memchr(spec, ':', (size_t)(colon - spec))) {
			snprintf(err, errlen, "bad listen address \"%s\": "
			    "expected ADDRESS:PORT or [IPV6]:PORT", spec);
			return (-1);
		}
		hostlen = (size_t)(colon - spec);
		memcpy(host, spec, hostlen);
		port = colon + 1;
	}
	host[hostlen] = '\0';
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    atol(port) > 65535) {
		snprintf(err, errlen, "bad port in listen address \"%s\"", spec);
		return (-1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(hostlen == 0 || strcmp(host, "*") == 0 ? NULL : host,
	    port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "bad listen address \"%s\": %s "
		    "(use a numeric address)", spec, gai_strerror(rc));
		return (-1);
	}
	memset(out, 0, sizeof(*out));
	loom_strlcpy(out->spec, spec, sizeof(out->spec));
	memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
	out->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

int
config_add_listen(struct config *cfg, const char *spec, char *err,
    size_t errlen)
{
	if (cfg->nlisten >= CONFIG_LISTEN_MAX) {
		snprintf(err, errlen, "too many listen addresses (at most %d)",
		    CONFIG_LISTEN_MAX);
		return (-1);
	}
	if (config_parse_listen(spec, &cfg->listen[cfg->nlisten], err,
	    errlen) == -1)
		return (-1);
	cfg->nlisten++;
	return (0);
}

int
config_add_tls_listen(struct config *cfg, const char *spec, char *err,
    size_t errlen)
{
	if (cfg->ntls_listen >= CONFIG_LISTEN_MAX) {
		snprintf(err, errlen, "too many TLS listen addresses (at most "
		    "%d)", CONFIG_LISTEN_MAX);
		return (-1);
	}
	if (config_parse_listen(spec, &cfg->tls_listen[cfg->ntls_listen], err,
	    errlen) == -1)
		return (-1);
	cfg->ntls_listen++;
	return (0);
}

int
config_add_http_listen(struct config *cfg, const char *spec, int tls,
    char *err, size_t errlen)
{
	struct config_listen	*l = tls ? cfg->https_listen : cfg->http_listen;
	size_t			*n = tls ? &cfg->nhttps_listen :
				    &cfg->nhttp_listen;

	if (*n >= CONFIG_LISTEN_MAX) {
		snprintf(err, errlen, "too many HTTP listen addresses (at most "
		    "%d)", CONFIG_LISTEN_MAX);
		return (-1);
	}
	if (config_parse_listen(spec, &l[*n], err, errlen) == -1)
		return (-1);
	(*n)++;
	return (0);
}

static int
config_add_reject_header(struct config *cfg, const char *v, char *err,
    size_t errlen)
{
	struct filter_pattern	pat;
	char			why[128];

	if (filter_pattern_parse(v, &pat, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "reject_header: %s", why);
		return (-1);
	}
	cfg->reject_headers = xreallocarray(cfg->reject_headers,
	    cfg->nreject_headers + 1, sizeof(pat));
	cfg->reject_headers[cfg->nreject_headers++] = pat;
	return (0);
}

static int
config_add_ctlrule(struct config *cfg, const char *verb, const char *v,
    char *err, size_t errlen)
{
	struct ctlrule	r;
	char		why[160];

	if (ctlrule_parse(verb, v, &r, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s", why);
		return (-1);
	}
	cfg->ctl_rules = xreallocarray(cfg->ctl_rules, cfg->nctl_rules + 1,
	    sizeof(r));
	cfg->ctl_rules[cfg->nctl_rules++] = r;
	return (0);
}

/* Store one value for a schema key; -1 with err if it does not fit. */
static int
config_set(struct config *cfg, const struct config_key *k, const char *v,
    char *err, size_t errlen)
{
	char			*p = (char *)cfg + k->offset;
	unsigned long long	 n;
	uint64_t		 size;
	char			*end;
	int			 b, level;

	switch (k->type) {
	case CONFIG_STRING:
		if (strlen(v) < k->min || strlen(v) > k->max) {
			snprintf(err, errlen, "%s: length must be %llu..%llu",
			    k->name, (unsigned long long)k->min,
			    (unsigned long long)k->max);
			return (-1);
		}
		memcpy(p, v, strlen(v) + 1);
		return (0);
	case CONFIG_UINT:
		errno = 0;
		n = strtoull(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end != '\0' ||
		    errno != 0 || n < k->min || n > k->max) {
			snprintf(err, errlen, "%s: \"%s\" is not a whole number "
			    "in %llu..%llu", k->name, v,
			    (unsigned long long)k->min,
			    (unsigned long long)k->max);
			return (-1);
		}
		*(unsigned *)(void *)p = (unsigned)n;
		return (0);
	case CONFIG_SIZE:
		if (config_parse_size(v, &size) == -1 || size < k->min ||
		    size > k->max) {
			snprintf(err, errlen, "%s: \"%s\" is not a size in "
			    "%llu..%llu (suffixes K, M, G, T)", k->name, v,
			    (unsigned long long)k->min,
			    (unsigned long long)k->max);
			return (-1);
		}
		*(uint64_t *)(void *)p = size;
		return (0);
	case CONFIG_BOOL:
		if (config_parse_bool(v, &b) == -1) {
			snprintf(err, errlen, "%s: \"%s\" is not yes or no",
			    k->name, v);
			return (-1);
		}
		*(int *)(void *)p = b;
		return (0);
	case CONFIG_LOGLEVEL:
		if ((level = log_level_parse(v)) == -1) {
			snprintf(err, errlen, "%s: \"%s\" is not one of debug, "
			    "info, warn, error", k->name, v);
			return (-1);
		}
		*(int *)(void *)p = level;
		return (0);
	case CONFIG_LISTEN:
		return (config_add_listen(cfg, v, err, errlen));
	case CONFIG_TLS_LISTEN:
		return (config_add_tls_listen(cfg, v, err, errlen));
	case CONFIG_REJECT_HEADER:
		return (config_add_reject_header(cfg, v, err, errlen));
	case CONFIG_HTTP_LISTEN:
	case CONFIG_HTTPS_LISTEN:
		return (config_add_http_listen(cfg, v,
		    k->type == CONFIG_HTTPS_LISTEN, err, errlen));
	case CONFIG_CONTROL_RULE:
		return (config_add_ctlrule(cfg, k->name, v, err, errlen));
	}
	return (-1);
}

void
config_defaults(struct config *cfg)
{
	char	err[256];
	size_t	i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NKEYS; i++)
		if (config_keys[i].def != NULL && config_set(cfg,
		    &config_keys[i], config_keys[i].def, err, sizeof(err)) == -1)
			fatalx("config: bad built-in default: %s", err);
}

static int
config_group_valid_status(const char *v)
{
	return (strlen(v) == 1 && strchr("ynm", v[0]) != NULL);
}

/* A "[group NAME]" section: collect the group's settings. */
static int
config_group_key(struct config_parse *cp, const char *name, const char *key,
    const char *value)
{
	struct config		*cfg = cp->cfg;
	struct config_group	*g = NULL, *n;
	size_t			 i;

	/* The names POST accepts, and no other: a group no client could
	   post to is a mistake in the file. */
	if (strlen(name) > CONFIG_NAME_MAX ||
	    !article_newsgroup_valid(name, strlen(name))) {
		snprintf(cp->err, sizeof(cp->err), "bad group name \"%s\"",
		    name);
		return (0);
	}
	for (i = 0; i < cfg->ngroups; i++)
		if (strcmp(cfg->groups[i].name, name) == 0)
			g = &cfg->groups[i];
	if (g == NULL) {
		n = xreallocarray(cfg->groups, cfg->ngroups + 1, sizeof(*n));
		cfg->groups = n;
		g = &cfg->groups[cfg->ngroups++];
		memset(g, 0, sizeof(*g));
		loom_strlcpy(g->name, name, sizeof(g->name));
		g->status = 'y';
	}
	if (strcmp(key, "description") == 0) {
		if (strlen(value) > CONFIG_NAME_MAX) {
			snprintf(cp->err, sizeof(cp->err),
			    "description too long");
			return (0);
		}
		loom_strlcpy(g->description, value, sizeof(g->description));
		return (1);
	}
	if (strcmp(key, "status") == 0) {
		if (!config_group_valid_status(value)) {
			snprintf(cp->err, sizeof(cp->err),
			    "status: \"%s\" is not y, n or m", value);
			return (0);
		}
		g->status = value[0];
		return (1);
	}
	snprintf(cp->err, sizeof(cp->err), "unknown key \"%s\" in [group %s] "
	    "(known: description, status)", key, name);
	return (0);
}

/* A "[peer NAME]" section: a server that feeds us or that we feed. */
static int
config_peer_key(struct config_parse *cp, const char *name, const char *key,
    const char *value)
{
	struct config		*cfg = cp->cfg;
	struct config_peer	*pe = NULL, *n;
	const char		*why;
	unsigned long		 v;
	char			*end;
	size_t			 i;

	if (*name == '\0' || strlen(name) >= sizeof(pe->name) ||
	    strpbrk(name, " \t,*?[]!\\") != NULL) {
		snprintf(cp->err, sizeof(cp->err), "bad peer name \"%s\"",
		    name);
		return (0);
	}
	for (i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			pe = &cfg->peers[i];
	if (pe == NULL) {
		n = xreallocarray(cfg->peers, cfg->npeers + 1, sizeof(*n));
		cfg->peers = n;
		pe = &cfg->peers[cfg->npeers++];
		memset(pe, 0, sizeof(*pe));
		loom_strlcpy(pe->name, name, sizeof(pe->name));
		loom_strlcpy(pe->pathhost, name, sizeof(pe->pathhost));
		loom_strlcpy(pe->groups, "*", sizeof(pe->groups));
		pe->port = 119;
		pe->max_in_flight = 64;
		pe->compress = 1;
	}
	if (strlen(value) > CONFIG_NAME_MAX) {
		snprintf(cp->err, sizeof(cp->err), "%s: value too long", key);
		return (0);
	}
	if (strcmp(key, "host") == 0) {
		/* Resolved later, off the loop on a reload: see
		   config_peer_resolve and feed/peers.c. */
		if (*value == '\0') {
			snprintf(cp->err, sizeof(cp->err), "host: empty");
			return (0);
		}
		loom_strlcpy(pe->host, value, sizeof(pe->host));
		pe->addrlen = 0;
		return (1);
	}
	if (strcmp(key, "groups") == 0) {
		if (wildmat_valid(value, &why) == -1) {
			snprintf(cp->err, sizeof(cp->err), "groups: bad wildmat "
			    "\"%s\": %s", value, why);
			return (0);
		}
		loom_strlcpy(pe->groups, value, sizeof(pe->groups));
		return (1);
	}
	if (strcmp(key, "pathhost") == 0) {
		if (*value == '\0' || strpbrk(value, " \t!") != NULL) {
			snprintf(cp->err, sizeof(cp->err), "pathhost: \"%.100s\" "
			    "is not a Path identity", value);
			return (0);
		}
		loom_strlcpy(pe->pathhost, value, sizeof(pe->pathhost));
		return (1);
	}
	if (strcmp(key, "port") == 0 || strcmp(key, "max_in_flight") == 0) {
		v = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)*value) || *end != '\0' || v < 1 ||
		    v > (strcmp(key, "port") == 0 ? 65535UL : 100000UL)) {
			snprintf(cp->err, sizeof(cp->err), "%s: \"%s\" is out "
			    "of range", key, value);
			return (0);
		}
		if (strcmp(key, "port") == 0)
			pe->port = (unsigned)v;
		else
			pe->max_in_flight = (unsigned)v;
		return (1);
	}
	if (strcmp(key, "compress") == 0) {
		if (config_parse_bool(value, &pe->compress) == -1) {
			snprintf(cp->err, sizeof(cp->err), "compress: \"%s\" is "
			    "not yes or no", value);
			return (0);
		}
		return (1);
	}
	snprintf(cp->err, sizeof(cp->err), "unknown key \"%s\" in [peer %s] "
	    "(known: host, port, groups, pathhost, max_in_flight, compress)",
	    key, name);
	return (0);
}

int
config_peer_resolve(struct config_peer *pe, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	pe->addrlen = 0;
	if (pe->host[0] == '\0')
		return (0);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(pe->host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "[peer %s] host: cannot resolve \"%s\": "
		    "%s", pe->name, pe->host, gai_strerror(rc));
		return (-1);
	}
	memcpy(&pe->addr, res->ai_addr, res->ai_addrlen);
	pe->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

int
config_peers_resolve(struct config *cfg, char *err, size_t errlen)
{
	size_t	i;

	for (i = 0; i < cfg->npeers; i++)
		if (config_peer_resolve(&cfg->peers[i], err, errlen) == -1)
			return (-1);
	return (0);
}

/* An "[expire NAME]" section: groups = wildmat, days, max_articles. */
static int
config_expire_key(struct config_parse *cp, const char *name, const char *key,
    const char *value)
{
	struct config		*cfg = cp->cfg;
	struct config_expire	*ex = NULL, *n;
	const char		*why;
	unsigned long long	 v;
	char			*end;
	size_t			 i;

	if (*name == '\0' || strlen(name) > CONFIG_NAME_MAX) {
		snprintf(cp->err, sizeof(cp->err), "bad expire rule name "
		    "\"%s\"", name);
		return (0);
	}
	for (i = 0; i < cfg->nexpire; i++)
		if (strcmp(cfg->expire[i].name, name) == 0)
			ex = &cfg->expire[i];
	if (ex == NULL) {
		n = xreallocarray(cfg->expire, cfg->nexpire + 1, sizeof(*n));
		cfg->expire = n;
		ex = &cfg->expire[cfg->nexpire++];
		memset(ex, 0, sizeof(*ex));
		loom_strlcpy(ex->name, name, sizeof(ex->name));
		loom_strlcpy(ex->groups, "*", sizeof(ex->groups));
		ex->days = -1;
	}
	if (strcmp(key, "groups") == 0) {
		if (strlen(value) > CONFIG_NAME_MAX ||
		    wildmat_valid(value, &why) == -1) {
			snprintf(cp->err, sizeof(cp->err), "groups: bad wildmat "
			    "\"%.100s\"", value);
			return (0);
		}
		loom_strlcpy(ex->groups, value, sizeof(ex->groups));
		return (1);
	}
	if (strcmp(key, "days") == 0 || strcmp(key, "max_articles") == 0) {
		v = strtoull(value, &end, 10);
		if (!isdigit((unsigned char)*value) || *end != '\0' ||
		    v > (strcmp(key, "days") == 0 ? 36500ULL : 4294967295ULL)) {
			snprintf(cp->err, sizeof(cp->err), "%s: \"%s\" is out "
			    "of range", key, value);
			return (0);
		}
		if (strcmp(key, "days") == 0)
			ex->days = (int)v;
		else
			ex->max_articles = v;
		return (1);
	}
	snprintf(cp->err, sizeof(cp->err), "unknown key \"%s\" in [expire %s] "
	    "(known: groups, days, max_articles)", key, name);
	return (0);
}

/* libinih callback: 1 to go on, 0 to flag an error on this line. */
static int
config_ini_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*cp = user;
	size_t			 i;
	int			 known_section = 0;

	/* Keep the first error: ini_parse reports the first failing line. */
	if (cp->err[0] != '\0')
		return (0);
	if (strncmp(section, "group ", 6) == 0)
		return (config_group_key(cp, section + 6, name, value));
	if (strncmp(section, "peer ", 5) == 0)
		return (config_peer_key(cp, section + 5, name, value));
	if (strncmp(section, "access ", 7) == 0)
		return (access_config_key(cp->cfg, section + 7, name, value,
		    cp->err, sizeof(cp->err)));
	if (strncmp(section, "expire ", 7) == 0)
		return (config_expire_key(cp, section + 7, name, value));
	if (strncmp(section, "moderators ", 11) == 0)
		return (moderation_config_key(cp->cfg, section + 11, name,
		    value, cp->err, sizeof(cp->err)));
	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(config_keys[i].name, name) != 0)
			continue;
		if (config_keys[i].type == CONFIG_TLS_LISTEN ||
		    config_keys[i].type == CONFIG_HTTP_LISTEN ||
		    config_keys[i].type == CONFIG_HTTPS_LISTEN ||
		    config_keys[i].type == CONFIG_REJECT_HEADER ||
		    config_keys[i].type == CONFIG_CONTROL_RULE) {
			/* Repeatable, no default to replace. */
		} else if (config_keys[i].type == CONFIG_LISTEN) {
			/* The file's addresses replace the default. */
			if (!cp->listen_from_file)
				cp->cfg->nlisten = 0;
			cp->listen_from_file = 1;
		} else if (cp->seen[i]) {
			snprintf(cp->err, sizeof(cp->err), "%s is set twice",
			    name);
			return (0);
		}
		cp->seen[i] = 1;
		if (config_set(cp->cfg, &config_keys[i], value, cp->err,
		    sizeof(cp->err)) == -1)
			return (0);
		return (1);
	}
	if (!known_section)
		snprintf(cp->err, sizeof(cp->err), "unknown section [%s] "
		    "(known: server, storage, limits, auth, tls, http, "
		    "posting, filter, control, group NAME, peer NAME, access NAME, "
		    "moderators NAME, expire, expire NAME)",
		    section);
	else
		snprintf(cp->err, sizeof(cp->err), "unknown key \"%s\" in "
		    "[%s]", name, section);
	return (0);
}

/*
 * libinih calls the handler only for key lines, so a "[group NAME]"
 * section with no keys would be ignored: find such headers ourselves and
 * create the group with its defaults.
 */
static int
config_bare_sections(struct config_parse *cp, FILE *fp)
{
	char	 line[1024], *p, *end;
	size_t	 i;
	int	 lineno = 0, known;

	rewind(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '[' || (end = strchr(p, ']')) == NULL)
			continue;
		*end = '\0';
		p++;
		if (strncmp(p, "group ", 6) != 0)
			continue;
		for (known = 0, i = 0; i < cp->cfg->ngroups; i++)
			if (strcmp(cp->cfg->groups[i].name, p + 6) == 0)
				known = 1;
		if (!known && !config_group_key(cp, p + 6, "status", "y"))
			return (lineno);
	}
	return (0);
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct config_parse	 cp;
	FILE			*fp;
	const char		*errstr;
	int			 line;

	memset(&cp, 0, sizeof(cp));
	cp.cfg = cfg;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	line = ini_parse_file(fp, config_ini_handler, &cp);
	if (line == 0)
		line = config_bare_sections(&cp, fp);
	fclose(fp);
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
		    cp.err[0] != '\0' ? cp.err : "syntax error (expected "
		    "[section] or key = value)");
		return (-1);
	}
	if (moderation_config_check(cfg, cp.err, sizeof(cp.err)) == -1) {
		snprintf(err, errlen, "%s: %s", path, cp.err);
		return (-1);
	}
	if (cfg->anonymous_groups[0] != '\0' &&
	    wildmat_valid(cfg->anonymous_groups, &errstr) == -1) {
		snprintf(err, errlen, "%s: [posting] anonymous_groups: %s",
		    path, errstr);
		return (-1);
	}
	if (!article_mailbox_valid(cfg->anonymous_from)) {
		snprintf(err, errlen, "%s: [posting] anonymous_from is not "
		    "one mailbox (e.g. Anonymous <anonymous@example.org>)",
		    path);
		return (-1);
	}
	if (cfg->cancel_admins[0] != '\0' &&
	    wildmat_valid(cfg->cancel_admins, &errstr) == -1) {
		snprintf(err, errlen, "%s: [posting] cancel_admins: %s",
		    path, errstr);
		return (-1);
	}
	if (strcmp(cfg->peer_cancels, "key") != 0 &&
	    strcmp(cfg->peer_cancels, "any") != 0 &&
	    strcmp(cfg->peer_cancels, "none") != 0) {
		snprintf(err, errlen, "%s: [posting] peer_cancels must be key, "
		    "any or none", path);
		return (-1);
	}
	if (config_http_visitor_check(cfg, cp.err, sizeof(cp.err)) == -1) {
		snprintf(err, errlen, "%s: [http] %s", path, cp.err);
		return (-1);
	}
	/* Run without a shell or PATH search: say so before it fails. */
	if (cfg->filter_program[0] != '\0' && cfg->filter_program[0] != '/') {
		snprintf(err, errlen, "%s: [filter] program must be an "
		    "absolute path", path);
		return (-1);
	}
	if ((cfg->ctl_keyring[0] != '\0' && cfg->ctl_keyring[0] != '/') ||
	    cfg->ctl_gpgv[0] != '/') {
		snprintf(err, errlen, "%s: [control] keyring and gpgv must be "
		    "absolute paths", path);
		return (-1);
	}
	if (cfg->ctl_posters[0] != '\0' &&
	    wildmat_valid(cfg->ctl_posters, &errstr) == -1) {
		snprintf(err, errlen, "%s: [control] posters: %s", path,
		    errstr);
		return (-1);
	}
	if (cfg->stats_listen[0] != '\0') {
		struct config_listen	l;
		char			why[256];

		if (config_parse_listen(cfg->stats_listen, &l, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: [stats] listen: %s", path,
			    why);
			return (-1);
		}
	}
	loom_strlcpy(cfg->path, path, sizeof(cfg->path));
	return (0);
}

void
config_clear(struct config *cfg)
{
	free(cfg->groups);
	cfg->groups = NULL;
	cfg->ngroups = 0;
	free(cfg->peers);
	cfg->peers = NULL;
	cfg->npeers = 0;
	access_config_clear(cfg);
	moderation_config_clear(cfg);
	free(cfg->expire);
	cfg->expire = NULL;
	cfg->nexpire = 0;
	free(cfg->reject_headers);
	cfg->reject_headers = NULL;
	cfg->nreject_headers = 0;
	free(cfg->ctl_rules);
	cfg->ctl_rules = NULL;
	cfg->nctl_rules = 0;
}

void
config_store_options(const struct config *cfg, struct store_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->map_size = cfg->map_size;
	opt->map_size_max = cfg->map_size_max;
	opt->nosync = cfg->nosync;
	opt->xref_host = cfg->pathhost;
	opt->history_days = cfg->history_days;
}

void
config_dump_schema(FILE *fp)
{
	const char	*section = "";
	size_t		 i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(section, config_keys[i].section) != 0) {
			section = config_keys[i].section;
			fprintf(fp, "%s[%s]\n", i == 0 ? "" : "\n", section);
		}
		fprintf(fp, "# %s\n%s%s = %s\n", config_keys[i].help,
		    config_keys[i].def == NULL ? ";" : "", config_keys[i].name,
		    config_keys[i].def == NULL ? "" : config_keys[i].def);
	}
}
