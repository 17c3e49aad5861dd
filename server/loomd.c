/* loomd: the Loom news server. */
#include <signal.h>

#include <event2/event.h>
#include <event2/thread.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inflight.h"
#include "log.h"
#include "pwcheck.h"
#include "tls.h"
#include "server.h"
#include "util.h"
#include "writer.h"

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
	    "  -f, --foreground       stay in the foreground, log to stderr\n"
	    "  -n, --check-config     check the configuration and exit\n"
	    "      --dump-config      print every key with its default\n"
	    "  -V, --version          print the version\n");
}

static void
loomd_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server	*srv = arg;

	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading configuration");
		server_reload(srv);
		break;
	default:
		log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		server_shutdown(srv);
		break;
	}
}

static void
loomd_event_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

int
main(int argc, char *argv[])
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
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct server	 srv;
	const char	*data = NULL;
	char		*listens[CONFIG_LISTEN_MAX];
	char		*tls_listens[CONFIG_LISTEN_MAX];
	const char	*tls_cert = NULL, *tls_key = NULL;
	size_t		 ntls = 0;
	char		 err[512];
	size_t		 nlisten = 0, i;
	int		 ch, foreground = 0, check = 0;
	struct session	*s;

	memset(&srv, 0, sizeof(srv));
	TAILQ_INIT(&srv.listeners);
	TAILQ_INIT(&srv.sessions);
	log_init("loomd", LOG_LEVEL_INFO, 0);
	config_defaults(&srv.cfg);

	while ((ch = getopt_long(argc, argv, "c:d:l:fnVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			srv.config_path = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'l':
			if (nlisten == CONFIG_LISTEN_MAX)
				fatalx("too many --listen addresses");
			listens[nlisten++] = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'C':
			tls_cert = optarg;
			break;
		case 'K':
			tls_key = optarg;
			break;
		case 'L':
			if (ntls == CONFIG_LISTEN_MAX)
				fatalx("too many --tls-listen addresses");
			tls_listens[ntls++] = optarg;
			break;
		case 'n':
			check = 1;
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

	if (srv.config_path != NULL && config_load(&srv.cfg, srv.config_path,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "loomd: %s\n", err);
		return (1);
	}
	if (nlisten > 0) {
		srv.cfg.nlisten = 0;
		for (i = 0; i < nlisten; i++)
			if (config_add_listen(&srv.cfg, listens[i], err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "loomd: --listen: %s\n", err);
				return (1);
			}
	}
	if (data != NULL) {
		if (strlen(data) >= sizeof(srv.cfg.data)) {
			fprintf(stderr, "loomd: --data: path too long\n");
			return (1);
		}
		loom_strlcpy(srv.cfg.data, data, sizeof(srv.cfg.data));
	}
	if (tls_cert != NULL)
		loom_strlcpy(srv.cfg.tls_cert, tls_cert, sizeof(srv.cfg.tls_cert));
	if (tls_key != NULL)
		loom_strlcpy(srv.cfg.tls_key, tls_key, sizeof(srv.cfg.tls_key));
	if (ntls > 0) {
		srv.cfg.ntls_listen = 0;
		for (i = 0; i < ntls; i++)
			if (config_add_tls_listen(&srv.cfg, tls_listens[i], err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "loomd: --tls-listen: %s\n", err);
				return (1);
			}
	}
	if ((srv.cfg.tls_cert[0] != '\0') != (srv.cfg.tls_key[0] != '\0') ||
	    (srv.cfg.ntls_listen > 0 && srv.cfg.tls_cert[0] == '\0')) {
		fprintf(stderr, "loomd: TLS needs both a certificate and a key "
		    "(tls cert and key, or --tls-cert and --tls-key)\n");
		return (1);
	}
	if (check) {
		printf("loomd: %s: configuration OK\n", srv.config_path != NULL ?
		    srv.config_path : "(built-in defaults)");
		config_clear(&srv.cfg);
		return (0);
	}
	log_set_level((enum log_level)srv.cfg.log_level);

	/* Before anything opens LMDB or libevent: neither survives fork. */
	if (!foreground) {
		if (daemon(1, 0) == -1)
			fatal("daemon");
		log_init("loomd", (enum log_level)srv.cfg.log_level, 1);
	}
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent has no pthreads support");
	event_set_log_callback(loomd_event_log_cb);
	if ((srv.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	srv.started = time(NULL);

	if (srv.cfg.tls_cert[0] != '\0' && (srv.tls_ctx = tls_ctx_new(
	    srv.cfg.tls_cert, srv.cfg.tls_key, err, sizeof(err))) == NULL)
		fatalx("TLS: %s", err);
	if (server_open_store(&srv, err, sizeof(err)) == -1)
		fatalx("%s", err);
	server_ensure_groups(&srv, 1);
	srv.writer = writer_start(srv.base, srv.store, srv.cfg.batch_max);
	srv.inflight = inflight_new();
	/* One thread: a login costs ~0.1 s of one core by design, and the
	   second core belongs to the loop and the writer. */
	if ((srv.pwcheck = pwcheck_start(srv.base, 1, 64)) == NULL)
		fatalx("cannot start the password checker");
	server_limits_setup(&srv, &srv.cfg);
	if (server_listen(&srv) == -1)
		fatalx("cannot open listeners, exiting");

	server_feeds_start(&srv);
	srv.ev_sigterm = evsignal_new(srv.base, SIGTERM, loomd_signal_cb, &srv);
	srv.ev_sigint = evsignal_new(srv.base, SIGINT, loomd_signal_cb, &srv);
	srv.ev_sighup = evsignal_new(srv.base, SIGHUP, loomd_signal_cb, &srv);
	evsignal_add(srv.ev_sigterm, NULL);
	evsignal_add(srv.ev_sigint, NULL);
	evsignal_add(srv.ev_sighup, NULL);

	log_info("Loom %s ready to accept connections (data %s)",
	    LOOM_VERSION, srv.cfg.data);
	event_base_dispatch(srv.base);

	/* After the grace period: whoever is still connected is cut off. */
	while ((s = TAILQ_FIRST(&srv.sessions)) != NULL)
		session_close(s, "shutdown");
	server_shutdown(&srv);
	event_free(srv.ev_sigterm);
	event_free(srv.ev_sigint);
	event_free(srv.ev_sighup);
	event_free(srv.ev_accept_resume);
	server_log_refused_flush(&srv);
	event_free(srv.ev_refused);
	/* Commit what is still queued before the store closes. */
	writer_stop(srv.writer);
	pwcheck_stop(srv.pwcheck);
	ratelimit_free(srv.auth_failures);
	ratelimit_free(srv.post_rate);
	server_feeds_stop(&srv);
	inflight_free(srv.inflight);
	tls_ctx_free(srv.tls_ctx);
	store_close(srv.store);
	event_base_free(srv.base);
	config_clear(&srv.cfg);
	log_info("stopped");
	return (0);
}
