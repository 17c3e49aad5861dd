/* Unit tests for server/policy/access.c: [access] sections and who gets what. */
#include <sys/socket.h>

#include <arpa/inet.h>
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

#include "access.h"
#include "config.h"
#include "filter_rules.h"

static int
load(struct config *cfg, const char *text, char *err, size_t errlen)
{
	char	 path[64];
	FILE	*fp;
	int	 fd, rc;

	snprintf(path, sizeof(path), "/tmp/loom-access-XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs(text, fp);
	fclose(fp);
	config_defaults(cfg);
	err[0] = '\0';
	rc = config_load(cfg, path, err, errlen);
	unlink(path);
	return (rc);
}

static struct sockaddr *
addr(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr),
		    1);
	} else {
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &sin->sin_addr), 1);
	}
	return ((struct sockaddr *)ss);
}

static const char rules[] =
    "[access everyone]\n"
    "read = *,!local.secret\n"
    "post =\n"
    "[access lan]\n"
    "hosts = 192.0.2.0/24, 2001:db8::/32\n"
    "post = local.*\n"
    "[access staff]\n"
    "users = staff-*\n"
    "read = *\n"
    "post = *\n";

static void
test_access_no_rules_everything(void **state)
{
	struct config		cfg;
	struct sockaddr_storage	ss;
	struct access		a;

	config_defaults(&cfg);
	access_resolve(&cfg, addr("203.0.113.9", &ss), NULL, &a);
	assert_true(a.matched);
	assert_true(access_can_read(&a, "any.group"));
	assert_true(access_can_post(&a, "any.group"));
	assert_false(access_login_helps(&cfg, (struct sockaddr *)&ss));
	config_clear(&cfg);
}

static void
test_access_last_match_wins(void **state)
{
	struct config		cfg;
	struct sockaddr_storage	ss;
	struct access		a;
	char			err[256];

	assert_int_equal(load(&cfg, rules, err, sizeof(err)), 0);
	assert_int_equal(cfg.naccess, 3);

	/* Anonymous from afar: read all but the secret group, no post. */
	access_resolve(&cfg, addr("203.0.113.9", &ss), NULL, &a);
	assert_string_equal(a.rule, "everyone");
	assert_true(access_can_read(&a, "local.general"));
	assert_false(access_can_read(&a, "local.secret"));
	assert_false(access_can_post(&a, "local.general"));
	assert_true(access_login_helps(&cfg, (struct sockaddr *)&ss));

	/* From the LAN: the later rule wins, with read's default "*". */
	access_resolve(&cfg, addr("192.0.2.77", &ss), NULL, &a);
	assert_string_equal(a.rule, "lan");
	assert_true(access_can_post(&a, "local.general"));
	assert_false(access_can_post(&a, "comp.lang.c"));
	assert_true(access_can_read(&a, "local.secret"));
	access_resolve(&cfg, addr("2001:db8::5", &ss), NULL, &a);
	assert_string_equal(a.rule, "lan");
	access_resolve(&cfg, addr("2001:db9::5", &ss), NULL, &a);
	assert_string_equal(a.rule, "everyone");

	/* A user the users wildmat matches; one it does not. */
	access_resolve(&cfg, addr("192.0.2.77", &ss), "staff-ann", &a);
	assert_string_equal(a.rule, "staff");
	assert_true(access_can_post(&a, "comp.lang.c"));
	access_resolve(&cfg, addr("203.0.113.9", &ss), "bob", &a);
	assert_string_equal(a.rule, "everyone");
	config_clear(&cfg);
}

static void
test_access_no_rule_applies(void **state)
{
	struct config		cfg;
	struct sockaddr_storage	ss;
	struct access		a;
	char			err[256];

	assert_int_equal(load(&cfg, "[access local]\nhosts = 127.0.0.1, ::1\n",
	    err, sizeof(err)), 0);
	access_resolve(&cfg, addr("127.0.0.1", &ss), NULL, &a);
	assert_true(a.matched);
	assert_false(access_can_post(&a, "local.test"));
	access_resolve(&cfg, addr("127.0.0.2", &ss), NULL, &a);
	assert_false(a.matched);
	assert_false(access_can_read(&a, "local.test"));
	/* Never NULL: the commands test read[0] and post[0]. */
	assert_string_equal(a.read, "");
	assert_string_equal(a.post, "");
	assert_string_equal(a.rule, "");
	assert_false(access_login_helps(&cfg, (struct sockaddr *)&ss));
	config_clear(&cfg);
}

static void
test_access_lists_continue(void **state)
{
	struct config		cfg;
	struct sockaddr_storage	ss;
	struct access		a;
	char			err[256];

	/* A key given again extends its list; indented lines continue. */
	assert_int_equal(load(&cfg,
	    "[access x]\n"
	    "read = comp.*\n"
	    "read = misc.*\n"
	    "  !misc.secret\n"
	    "hosts = 10.0.0.0/8\n"
	    "hosts = 172.16.0.0/12\n",
	    err, sizeof(err)), 0);
	access_resolve(&cfg, addr("172.20.1.1", &ss), NULL, &a);
	assert_true(a.matched);
	assert_true(access_can_read(&a, "comp.lang.c"));
	assert_true(access_can_read(&a, "misc.test"));
	assert_false(access_can_read(&a, "misc.secret"));
	assert_false(access_can_read(&a, "alt.test"));
	access_resolve(&cfg, addr("10.9.9.9", &ss), NULL, &a);
	assert_true(a.matched);
	config_clear(&cfg);
}

static void
test_access_xref(void **state)
{
	struct access	a;

	memset(&a, 0, sizeof(a));
	a.read = "*,!local.secret";
	assert_true(access_can_read_xref(&a, "local.general:4"));
	assert_false(access_can_read_xref(&a, "local.secret:1"));
	assert_true(access_can_read_xref(&a, "local.secret:1 local.general:9"));
	assert_false(access_can_read_xref(&a, ""));
	a.read = "";
	assert_false(access_can_read_xref(&a, "local.general:4"));
	a.read = "*";
	assert_true(access_can_read_xref(&a, "local.general:4"));
}

static void
test_access_config_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} bad[] = {
		{ "[access x]\nhosts = 10.1.2.3/8\n", "host bits" },
		{ "[access x]\nhosts = example.org\n", "example.org" },
		{ "[access x]\nread = [abc\n", "bad wildmat" },
		{ "[access x]\nusers = a,[b\n", "bad wildmat" },
		{ "[access x]\nwrite = *\n", "unknown key" },
		{ "[access a b]\nread = *\n", "bad access rule name" },
		{ "[filter]\nreject_header = Subject\n", "reject_header" },
		{ "[filter]\nprogram = relative/path\n", "absolute path" },
	};
	struct config	cfg;
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load(&cfg, bad[i].text, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].text);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("for %s: \"%s\" lacks \"%s\"", bad[i].text,
			    err, bad[i].want);
		config_clear(&cfg);
	}
}

static void
test_access_filter_config(void **state)
{
	struct config	cfg;
	char		err[256];

	assert_int_equal(load(&cfg,
	    "[filter]\n"
	    "max_crosspost = 4\n"
	    "reject_header = Subject: *Money*\n"
	    "reject_header = From: *@spam.example*\n"
	    "program = /bin/true\n",
	    err, sizeof(err)), 0);
	assert_int_equal(cfg.filter_max_crosspost, 4);
	assert_int_equal(cfg.nreject_headers, 2);
	assert_string_equal(cfg.reject_headers[0].name, "Subject");
	assert_string_equal(cfg.reject_headers[0].wildmat, "*money*");
	assert_string_equal(cfg.filter_program, "/bin/true");
	assert_int_equal(cfg.filter_timeout, 10);
	config_clear(&cfg);
	assert_null(cfg.reject_headers);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_no_rules_everything),
		cmocka_unit_test(test_access_last_match_wins),
		cmocka_unit_test(test_access_no_rule_applies),
		cmocka_unit_test(test_access_lists_continue),
		cmocka_unit_test(test_access_xref),
		cmocka_unit_test(test_access_config_errors),
		cmocka_unit_test(test_access_filter_config),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
