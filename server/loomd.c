/* loomd: the Loom news server. */
#include <event2/event.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "server.h"
#include "util.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: loomd [-f] [-c FILE] [-d DIR] [-l ADDR:PORT]... [-n]\n"
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
		{ "http", required_argument, NULL, 'H' },
		{ "https", required_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "c:d:l:fnVh", longopts,
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

int
main(int argc, char *argv[])
{
	struct loomd_options	 o;
	struct server		*srv;
	struct http_server	*web;
	struct config		 cfg;
	char			 err[512];
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
		log_init("loomd", (enum log_level)cfg.log_level, 1);
	}
	event_set_log_callback(loomd_event_log_cb);
	if ((srv = server_new(&cfg, o.config_path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((web = http_start(srv, err, sizeof(err))) == NULL &&
	    err[0] != '\0')
		fatalx("%s", err);
	server_run(srv);
	http_stop(web);
	server_free(srv);
	log_info("stopped");
	return (0);
}
