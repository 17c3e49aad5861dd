/* loomd: the Loom news server. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <event2/event.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "http.h"
#include "log.h"
#include "server.h"
#include "util.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: loomd [-f] [-c FILE] [-d DIR] [-l ADDR:PORT]... [-n] "
	    "[-u USER]\n"
	    "  -c, --config FILE      read FILE (INI; see loom.conf(5))\n"
	    "  -d, --data DIR         article store directory (overrides the "
	    "file)\n"
	    "  -l, --listen ADDR:PORT listen here (repeatable; overrides the "
	    "file)\n"
	    "      --tls-cert FILE    PEM certificate: enables STARTTLS\n"
	    "      --tls-key FILE     its PEM private key\n"
	    "      --tls-listen ADDR:PORT  implicit TLS here (repeatable)\n"
	    "      --http ADDR:PORT   serve the web pages here (repeatable)\n"
	    "      --https ADDR:PORT  the web pages over TLS (repeatable)\n"
	    "  -f, --foreground       stay in the foreground, log to stderr\n"
	    "                         (to the journal under systemd)\n"
	    "      --log DEST         log to stderr, syslog or journal\n"
	    "  -u, --user USER        run as USER once the ports are bound\n"
	    "                         (overrides the file's user)\n"
	    "  -n, --check-config     check the configuration and exit\n"
	    "      --dump-config      print every key with its default\n"
	    "  -V, --version          print the version\n");
}

/* libevent's own complaints, in our log. */
static void
loomd_event_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* What the command line says, applied over the config file. */
struct loomd_options {
	const char	*config_path;
	const char	*data;
	const char	*tls_cert, *tls_key;
	const char	*user;
	int		 log_dest;	/* -1: by --foreground and systemd */
	char		*listens[CONFIG_LISTEN_MAX];
	size_t		 nlisten;
	char		*tls_listens[CONFIG_LISTEN_MAX];
	size_t		 ntls;
	char		*http_listens[2][CONFIG_LISTEN_MAX];	/* [1]: TLS */
	size_t		 nhttp[2];
	int		 foreground;
	int		 check;
};

/*
 * Parse the command line.  Returns -1 to go on, or the exit status when
 * the options already did everything (--help, --version, a usage error).
 */
static int
loomd_parse_options(int argc, char *argv[], struct loomd_options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "dump-config", no_argument, NULL, 'D' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "tls-listen", required_argument, NULL, 'L' },
		{ "user", required_argument, NULL, 'u' },
		{ "log", required_argument, NULL, 'G' },
		{ "http", required_argument, NULL, 'H' },
		{ "https", required_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	memset(o, 0, sizeof(*o));
	o->log_dest = -1;
	while ((ch = getopt_long(argc, argv, "c:d:l:fnu:Vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'd':
			o->data = optarg;
			break;
		case 'l':
			if (o->nlisten == CONFIG_LISTEN_MAX)
				fatalx("too many --listen addresses");
			o->listens[o->nlisten++] = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'C':
			o->tls_cert = optarg;
			break;
		case 'K':
			o->tls_key = optarg;
			break;
		case 'L':
			if (o->ntls == CONFIG_LISTEN_MAX)
				fatalx("too many --tls-listen addresses");
			o->tls_listens[o->ntls++] = optarg;
			break;
		case 'H':
		case 'S':
			if (o->nhttp[ch == 'S'] == CONFIG_LISTEN_MAX)
				fatalx("too many --http/--https addresses");
			o->http_listens[ch == 'S'][o->nhttp[ch == 'S']++] =
			    optarg;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'G':
			if ((o->log_dest = log_dest_parse(optarg)) == -1) {
				fprintf(stderr, "loomd: --log: \"%s\" is not "
				    "stderr, syslog or journal\n", optarg);
				return (2);
			}
			break;
		case 'D':
			config_dump_schema(stdout);
			return (0);
		case 'V':
			printf("loomd (Loom) %s\n", LOOM_VERSION);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (2);
	}
	return (-1);
}

/* The config file, then the command line over it.  -1 with err set. */
static int
loomd_configure(const struct loomd_options *o, struct config *cfg,
    char *err, size_t errlen)
{
	char	why[256];
	size_t	i;
	int	t;

	config_defaults(cfg);
	if (o->config_path != NULL && config_load(cfg, o->config_path, err,
	    errlen) == -1)
		return (-1);
	/* Before the loop runs, blocking is harmless (a reload resolves
	   off the loop). */
	if (config_peers_resolve(cfg, err, errlen) == -1)
		return (-1);
	if (o->nlisten > 0)
		cfg->nlisten = 0;
	for (i = 0; i < o->nlisten; i++)
		if (config_add_listen(cfg, o->listens[i], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "--listen: %s", why);
			return (-1);
		}
	if (o->data != NULL) {
		if (strlen(o->data) >= sizeof(cfg->data)) {
			snprintf(err, errlen, "--data: path too long");
			return (-1);
		}
		loom_strlcpy(cfg->data, o->data, sizeof(cfg->data));
	}
	if (o->user != NULL) {
		if (strlen(o->user) > CONFIG_USER_MAX) {
			snprintf(err, errlen, "--user: name too long");
			return (-1);
		}
		loom_strlcpy(cfg->user, o->user, sizeof(cfg->user));
	}
	if (o->tls_cert != NULL)
		loom_strlcpy(cfg->tls_cert, o->tls_cert, sizeof(cfg->tls_cert));
	if (o->tls_key != NULL)
		loom_strlcpy(cfg->tls_key, o->tls_key, sizeof(cfg->tls_key));
	if (o->ntls > 0)
		cfg->ntls_listen = 0;
	for (i = 0; i < o->ntls; i++)
		if (config_add_tls_listen(cfg, o->tls_listens[i], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "--tls-listen: %s", why);
			return (-1);
		}
	if (o->nhttp[0] > 0)
		cfg->nhttp_listen = 0;
	if (o->nhttp[1] > 0)
		cfg->nhttps_listen = 0;
	for (t = 0; t < 2; t++)
		for (i = 0; i < o->nhttp[t]; i++)
			if (config_add_http_listen(cfg, o->http_listens[t][i],
			    t, why, sizeof(why)) == -1) {
				snprintf(err, errlen, "--http%s: %s",
				    t ? "s" : "", why);
				return (-1);
			}
	if (cfg->nhttps_listen > 0 && cfg->tls_cert[0] == '\0') {
		snprintf(err, errlen, "HTTPS needs the TLS certificate and "
		    "key (tls cert and key, or --tls-cert and --tls-key)");
		return (-1);
	}
	if ((cfg->tls_cert[0] != '\0') != (cfg->tls_key[0] != '\0') ||
	    (cfg->ntls_listen > 0 && cfg->tls_cert[0] == '\0')) {
		snprintf(err, errlen, "TLS needs both a certificate and a key "
		    "(tls cert and key, or --tls-cert and --tls-key)");
		return (-1);
	}
	return (0);
}

/*
 * Give up every capability systemd (AmbientCapabilities=) or a file
 * capability lent us to bind a port below 1024: once bound, the server
 * needs none.  Dropping is always allowed.
 */
static int
loomd_drop_capabilities(char *err, size_t errlen)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];

	/* EINVAL: a kernel before 4.3 has no ambient set to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		snprintf(err, errlen, "clearing ambient capabilities: %s",
		    strerror(errno));
		return (-1);
	}
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capset, &hdr, data) == -1) {
		snprintf(err, errlen, "dropping capabilities: %s",
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * Called by server_new once the listeners are bound and the TLS key is
 * read, before the store opens.  Started as root with a user configured,
 * become that user for good, as INN and OpenSMTPD do: its groups alone,
 * then gid, then uid (in that order: a process that is no longer root can
 * no longer change its groups), and check that root cannot come back.
 * The data directory must belong to that user (make install sees to it).
 */
static int
loomd_bound(const struct config *cfg, char *err, size_t errlen)
{
	struct passwd	*pw;
	uid_t		 ruid, euid, suid;
	gid_t		 rgid, egid, sgid;

	/* The web ports too, while we may still bind below 1024. */
	if (http_listen(cfg, err, errlen) == -1)
		return (-1);
	if (geteuid() != 0) {
		if (cfg->user[0] != '\0' && ((pw = getpwnam(cfg->user)) ==
		    NULL || pw->pw_uid != geteuid())) {
			snprintf(err, errlen, "user %s: only root can switch "
			    "to another user (running as uid %lu)", cfg->user,
			    (unsigned long)geteuid());
			return (-1);
		}
		return (loomd_drop_capabilities(err, errlen));
	}
	if (cfg->user[0] == '\0' || strcmp(cfg->user, "root") == 0) {
		log_warnx("running as root: set user in the config file (or "
		    "--user) to run as an unprivileged account");
		return (0);
	}
	errno = 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		snprintf(err, errlen, "user %s: %s", cfg->user, errno != 0 ?
		    strerror(errno) : "no such user (create it: useradd "
		    "--system loom, or make install as root)");
		return (-1);
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user %s has uid 0: that is root",
		    cfg->user);
		return (-1);
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot become user %s: %s", cfg->user,
		    strerror(errno));
		return (-1);
	}
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != pw->pw_uid || euid != pw->pw_uid || suid != pw->pw_uid ||
	    rgid != pw->pw_gid || egid != pw->pw_gid || sgid != pw->pw_gid ||
	    setuid(0) != -1 || seteuid(0) != -1) {
		snprintf(err, errlen, "could not give up root for user %s",
		    cfg->user);
		return (-1);
	}
	log_info("running as user %s (uid %lu, gid %lu)", cfg->user,
	    (unsigned long)pw->pw_uid, (unsigned long)pw->pw_gid);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct loomd_options	 o;
	struct server		*srv;
	struct http_server	*web;
	struct config		 cfg;
	char			 err[512], user[CONFIG_USER_MAX + 1];
	int			 rc;

	log_init("loomd", LOG_LEVEL_INFO, 0);
	if ((rc = loomd_parse_options(argc, argv, &o)) != -1)
		return (rc);
	if (loomd_configure(&o, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "loomd: %s\n", err);
		config_clear(&cfg);
		return (1);
	}
	if (o.check) {
		printf("loomd: %s: configuration OK\n", o.config_path != NULL ?
		    o.config_path : "(built-in defaults)");
		config_clear(&cfg);
		return (0);
	}
	log_set_level((enum log_level)cfg.log_level);

	/* Before anything opens LMDB or libevent: neither survives fork. */
	if (!o.foreground) {
		if (daemon(1, 0) == -1)
			fatal("daemon");
		/* A detached daemon's stderr is /dev/null: syslog. */
		if (o.log_dest == -1)
			o.log_dest = LOG_DEST_SYSLOG;
	} else if (o.log_dest == -1)
		o.log_dest = log_stderr_is_journal() ? LOG_DEST_JOURNAL :
		    LOG_DEST_STDERR;
	log_set_dest((enum log_dest)o.log_dest);
	event_set_log_callback(loomd_event_log_cb);
	/* server_new takes cfg over: keep the user for an error message. */
	loom_strlcpy(user, cfg.user, sizeof(user));
	if ((srv = server_new(&cfg, o.config_path, loomd_bound, err,
	    sizeof(err))) == NULL) {
		sd_notifyf(0, "STATUS=Failed to start: %s", err);
		if (user[0] != '\0' && strstr(err, "Permission denied") != NULL)
			fatalx("%s (the data directory must belong to user %s)",
			    err, user);
		fatalx("%s", err);
	}
	if ((web = http_start(srv, err, sizeof(err))) == NULL &&
	    err[0] != '\0')
		fatalx("%s", err);
	server_run(srv);
	http_stop(web);
	server_free(srv);
	log_info("stopped");
	return (0);
}
