/* Unit tests for server/core/config.c: schema, values, errors with lines. */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "ctlmsg.h"
#include "log.h"

static char path[64];

/* Write text to a fresh file and load it over the defaults. */
static int
load(struct config *cfg, const char *text, char *err, size_t errlen)
{
	FILE	*fp;
	int	 fd, rc;

	snprintf(path, sizeof(path), "/tmp/loom-conf-XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs(text, fp);
	fclose(fp);
	config_defaults(cfg);
	rc = config_load(cfg, path, err, errlen);
	unlink(path);
	return (rc);
}

static void
test_config_defaults(void **state)
{
	struct config	cfg;

	config_defaults(&cfg);
	assert_int_equal(cfg.nlisten, 1);
	assert_string_equal(cfg.listen[0].spec, "127.0.0.1:1119");
	assert_int_equal(cfg.idle_timeout, 600);
	assert_int_equal(cfg.posting, 1);
	assert_int_equal(cfg.nosync, 0);
	assert_true(cfg.map_size == 64ULL << 20);
	config_clear(&cfg);
}

static void
test_config_values_and_groups(void **state)
{
	struct config	cfg;
	char		err[256];

	assert_int_equal(load(&cfg,
	    "# comment\n"
	    "[server]\n"
	    "listen = 127.0.0.1:2000\n"
	    "listen = [::1]:2001\n"
	    "idle_timeout = 30\n"
	    "posting = no\n"
	    "log_level = debug\n"
	    "[storage]\n"
	    "map_size = 2G\n"
	    "nosync = yes\n"
	    "[group comp.lang.c]\n"
	    "description = The C language\n"
	    "status = m\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.nlisten, 2);
	assert_int_equal(cfg.listen[1].addr.ss_family, AF_INET6);
	assert_int_equal(cfg.idle_timeout, 30);
	assert_int_equal(cfg.posting, 0);
	assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
	assert_true(cfg.map_size == 2ULL << 30);
	assert_int_equal(cfg.nosync, 1);
	assert_int_equal(cfg.ngroups, 1);
	assert_string_equal(cfg.groups[0].name, "comp.lang.c");
	assert_string_equal(cfg.groups[0].description, "The C language");
	assert_int_equal(cfg.groups[0].status, 'm');
	config_clear(&cfg);
}

/* Each bad file is refused with "FILE:LINE: reason". */
static void
test_config_errors_name_the_line(void **state)
{
	static const struct {
		const char	*text;
		int		 line;
		const char	*needle;
	} cases[] = {
		{ "[server]\nbogus = 1\n", 2, "unknown key" },
		{ "[server]\n\nidle_timeout = abc\n", 3, "idle_timeout" },
		{ "[server]\nidle_timeout = 0\n", 2, "idle_timeout" },
		{ "[nosuch]\nx = 1\n", 2, "unknown section" },
		{ "[server]\nposting = maybe\n", 2, "yes or no" },
		{ "[server]\nlisten = 1.2.3.4\n", 2, "listen" },
		{ "[server]\nlisten = host.example:119\n", 2, "numeric" },
		{ "[server]\nidle_timeout = 5\nidle_timeout = 6\n", 3,
		  "twice" },
		{ "[storage]\nmap_size = 12Q\n", 2, "map_size" },
		{ "[group bad name]\nstatus = y\n", 2, "group name" },
		{ "[group ok.name]\nstatus = q\n", 2, "status" },
		{ "just garbage\n", 1, "syntax" },
	};
	struct config	cfg;
	char		err[256], want[80];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(&cfg, cases[i].text, err, sizeof(err)),
		    -1);
		snprintf(want, sizeof(want), "%s:%d: ", path, cases[i].line);
		if (strncmp(err, want, strlen(want)) != 0 ||
		    strstr(err, cases[i].needle) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s...%s\"", i,
			    err, want, cases[i].needle);
		config_clear(&cfg);
	}
}

/* A [group] section names a group POST could post to, or is refused. */
static void
test_config_group_names_as_post(void **state)
{
	static const char *const bad[] = { "a..b/c", "a/b", ".a", "a.",
	    "a..b", "comp.caf\xc3\xa9", "a:b", "a*" };
	struct config	cfg;
	char		err[256], text[128];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[group %s]\nstatus = y\n",
		    bad[i]);
		if (load(&cfg, text, err, sizeof(err)) != -1 ||
		    strstr(err, "bad group name") == NULL)
			fail_msg("[group %s] not refused: \"%s\"", bad[i], err);
		config_clear(&cfg);
	}
	assert_int_equal(load(&cfg, "[group comp.lang.c++]\nstatus = y\n"
	    "[group a-b_c.d2]\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.ngroups, 2);
	config_clear(&cfg);
}

/* A [group] section with no keys still makes a group (inih is silent). */
static void
test_config_bare_group_section(void **state)
{
	struct config	cfg;
	char		err[256];

	assert_int_equal(load(&cfg, "[group misc.test]\n[group a.b]\n"
	    "status = n\n[group a.b]\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.ngroups, 2);
	assert_string_equal(cfg.groups[0].name, "a.b");
	assert_int_equal(cfg.groups[0].status, 'n');
	assert_string_equal(cfg.groups[1].name, "misc.test");
	assert_int_equal(cfg.groups[1].status, 'y');
	config_clear(&cfg);
	assert_int_equal(load(&cfg, "[server]\n[group bad name]\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: "));
	config_clear(&cfg);
}

static void
test_config_listen_forms(void **state)
{
	struct config_listen	l;
	char			err[128];

	assert_int_equal(config_parse_listen("127.0.0.1:0", &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.addr.ss_family, AF_INET);
	assert_int_equal(config_parse_listen("[::]:119", &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.addr.ss_family, AF_INET6);
	assert_int_equal(config_parse_listen("::1:119", &l, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse_listen("127.0.0.1:99999", &l, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse_listen("127.0.0.1:", &l, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse_listen("[::1]119", &l, err,
	    sizeof(err)), -1);
}

/* COMPRESS is negotiated with a peer unless its section says no. */
static void
test_config_peer_compress(void **state)
{
	struct config	cfg;
	char		err[256];

	assert_int_equal(load(&cfg, "[peer a.test]\nhost = 127.0.0.1\n"
	    "[peer b.test]\nhost = 127.0.0.1\ncompress = no\n", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.npeers, 2);
	assert_int_equal(cfg.peers[0].compress, 1);
	assert_int_equal(cfg.peers[1].compress, 0);
	config_clear(&cfg);
	assert_int_equal(load(&cfg, "[peer a.test]\ncompress = maybe\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: "));
	assert_non_null(strstr(err, "compress"));
	config_clear(&cfg);
}

/* [control]: repeatable rules in file order, paths checked. */
static void
test_config_control(void **state)
{
	struct config	cfg;
	char		err[256];

	config_defaults(&cfg);
	assert_int_equal(cfg.nctl_rules, 0);
	assert_int_equal(cfg.ctl_pseudo_groups, 1);
	assert_string_equal(cfg.ctl_gpgv, "/usr/bin/gpgv");
	config_clear(&cfg);
	assert_int_equal(load(&cfg,
	    "[control]\n"
	    "newgroup = *@isc.org * verify-news.announce.newgroups\n"
	    "all = *@Spam.example * drop\n"
	    "newgroup = a@b.example local.* doit\n"
	    "keyring = /etc/loom/pubring.gpg\n"
	    "posters = admin,root\n"
	    "pseudo_groups = no\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.nctl_rules, 3);
	assert_string_equal(cfg.ctl_rules[0].verb, "newgroup");
	assert_int_equal(cfg.ctl_rules[0].action, CTLRULE_VERIFY);
	assert_string_equal(cfg.ctl_rules[1].from, "*@spam.example");
	assert_int_equal(cfg.ctl_rules[2].action, CTLRULE_DOIT);
	assert_string_equal(cfg.ctl_keyring, "/etc/loom/pubring.gpg");
	assert_int_equal(cfg.ctl_pseudo_groups, 0);
	config_clear(&cfg);
	assert_null(cfg.ctl_rules);
	assert_int_equal(load(&cfg, "[control]\nnewgroup = * * perhaps\n",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: "));
	config_clear(&cfg);
	assert_int_equal(load(&cfg, "[control]\nsendsys = * * doit\n", err,
	    sizeof(err)), -1);
	config_clear(&cfg);
	assert_int_equal(load(&cfg, "[control]\nkeyring = pubring.gpg\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute"));
	config_clear(&cfg);
	assert_int_equal(load(&cfg, "[control]\nposters = [\n", err,
	    sizeof(err)), -1);
	config_clear(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_values_and_groups),
		cmocka_unit_test(test_config_errors_name_the_line),
		cmocka_unit_test(test_config_listen_forms),
		cmocka_unit_test(test_config_bare_group_section),
		cmocka_unit_test(test_config_group_names_as_post),
		cmocka_unit_test(test_config_peer_compress),
		cmocka_unit_test(test_config_control),
	};

	log_init("test", LOG_LEVEL_ERROR, 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
