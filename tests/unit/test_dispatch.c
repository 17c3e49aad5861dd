/*
 * Dispatch and session-level commands, driven without sockets: a session
 * whose bufferevent has no file descriptor, so every reply stays in its
 * output evbuffer where the test reads it.
 */
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "commands.h"

struct fixture {
	char		 dir[64];
	struct server	 srv;
	struct session	 s;
	char		*out;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	char		 err[256];

	log_init("test", LOG_LEVEL_ERROR, 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/loom-dispatch-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	config_defaults(&f->srv.cfg);
	snprintf(f->srv.cfg.data, sizeof(f->srv.cfg.data), "%s", f->dir);
	TAILQ_INIT(&f->srv.sessions);
	TAILQ_INIT(&f->srv.listeners);
	f->srv.base = event_base_new();
	assert_int_equal(server_open_store(&f->srv, err, sizeof(err)), 0);
	server_ensure_groups(&f->srv);
	f->s.srv = &f->srv;
	/* As session_accept does: the rights of an anonymous client. */
	session_access_update(&f->s);
	f->s.bev = bufferevent_socket_new(f->srv.base, -1, 0);
	assert_non_null(f->s.bev);
	/* A bufferevent freezes the start of its output against removal;
	   the test plays the socket and takes what the server wrote. */
	evbuffer_unfreeze(bufferevent_get_output(f->s.bev), 1);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	free(f->out);
	bufferevent_free(f->s.bev);
	store_close(f->srv.store);
	event_base_free(f->srv.base);
	config_clear(&f->srv.cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return (0);
}

/* Run one command line; return everything it wrote (NUL terminated). */
static const char *
run(struct fixture *f, const char *line, enum cmd_result *res)
{
	struct evbuffer	*out = bufferevent_get_output(f->s.bev);
	char		 buf[NNTP_COMMAND_MAX + 1];
	size_t		 len;
	enum cmd_result	 r;

	snprintf(buf, sizeof(buf), "%s", line);
	r = dispatch_line(&f->s, buf, strlen(buf));
	if (res != NULL)
		*res = r;
	len = evbuffer_get_length(out);
	free(f->out);
	f->out = calloc(1, len + 1);
	evbuffer_remove(out, f->out, len);
	return (f->out);
}

/*
 * cmocka's assertion macros may evaluate their arguments more than once,
 * so the command runs here, once, before anything is compared.
 */
static void
expect_prefix(struct fixture *f, const char *line, enum cmd_result *res,
    const char *prefix)
{
	const char	*out = run(f, line, res);

	if (strncmp(out, prefix, strlen(prefix)) != 0)
		fail_msg("\"%s\": got \"%s\", want \"%s...\"", line, out,
		    prefix);
}

static void
expect_exact(struct fixture *f, const char *line, const char *want)
{
	const char	*out = run(f, line, NULL);

	if (strcmp(out, want) != 0)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", line, out,
		    want);
}

static void
test_dispatch_unknown_verb_is_500(void **state)
{
	struct fixture	*f = *state;

	expect_prefix(f, "FROBNICATE", NULL, "500 ");
	/* No abbreviations: RFC 3977 3.1 verbs are matched exactly. */
	expect_prefix(f, "CAPA", NULL, "500 ");
}

static void
test_dispatch_bad_arguments_are_501(void **state)
{
	struct fixture	*f = *state;

	expect_prefix(f, "DATE now", NULL, "501 ");
	expect_prefix(f, "MODE FOO", NULL, "501 ");
	expect_prefix(f, "GROUP", NULL, "501 ");
	expect_prefix(f, "   ", NULL, "501 ");
}

static void
test_dispatch_case_insensitive(void **state)
{
	struct fixture	*f = *state;
	enum cmd_result	 res;

	expect_prefix(f, "date", NULL, "111 ");
	expect_prefix(f, "mOdE rEaDeR", NULL, "20");
	expect_prefix(f, "qUiT", &res, "205 ");
	assert_int_equal(res, CMD_CLOSE);
}

static void
test_dispatch_capabilities_shape(void **state)
{
	struct fixture	*f = *state;
	const char	*out = run(f, "CAPABILITIES", NULL);

	assert_memory_equal(out, "101 ", 4);
	assert_non_null(strstr(out, "\r\nVERSION 2\r\n"));
	assert_non_null(strstr(out, "\r\nIMPLEMENTATION Loom "));
	assert_null(strstr(out, "MODE-READER"));
	assert_non_null(strstr(out, "\r\nREADER\r\n"));
	/* Multi-line replies end with a lone dot. */
	assert_string_equal(out + strlen(out) - 5, "\r\n.\r\n");
}

static void
test_dispatch_help_lists_served_commands(void **state)
{
	struct fixture	*f = *state;
	const char	*out = run(f, "HELP", NULL);

	assert_memory_equal(out, "100 ", 4);
	assert_non_null(strstr(out, "  CAPABILITIES"));
	assert_non_null(strstr(out, "  QUIT"));
	assert_string_equal(out + strlen(out) - 5, "\r\n.\r\n");
}

static void
test_dispatch_group_preconditions(void **state)
{
	struct fixture	*f = *state;

	/* Commands that need a selected group say so with 412. */
	expect_prefix(f, "NEXT", NULL, "412 ");
	expect_prefix(f, "LAST", NULL, "412 ");
	expect_prefix(f, "ARTICLE 1", NULL, "412 ");
	expect_prefix(f, "GROUP no.such.group", NULL, "411 ");
	expect_exact(f, "GROUP local.test", "211 0 1 0 local.test\r\n");
	/* An empty group has no current article: 420, not 412. */
	expect_prefix(f, "NEXT", NULL, "420 ");
	expect_prefix(f, "ARTICLE 1", NULL, "423 ");
	expect_prefix(f, "ARTICLE <no@such.id>", NULL, "430 ");
}

/* Preconditions declared as flags are checked by dispatch, in one place. */
static void
test_dispatch_declared_preconditions(void **state)
{
	struct fixture	*f = *state;

	/* Not a peer: transit is refused before the arguments are looked
	   at (but after the parser's arity check). */
	f->s.peer_ok = 0;
	expect_prefix(f, "IHAVE <a@b.example>", NULL, "502 ");
	expect_prefix(f, "CHECK <a@b.example>", NULL, "502 ");
	expect_prefix(f, "MODE STREAM", NULL, "502 ");
	expect_prefix(f, "IHAVE", NULL, "501 ");
	/* Posting switched off: 440 before the 340. */
	f->srv.cfg.posting = 0;
	expect_prefix(f, "POST", NULL, "440 ");
	/* Syntax before state: a bad range is 501 with no group, a
	   message-id needs none. */
	expect_prefix(f, "OVER 1-x", NULL, "501 ");
	expect_prefix(f, "OVER 1-2", NULL, "412 ");
	expect_prefix(f, "OVER <no@such.id>", NULL, "430 ");
	expect_prefix(f, "HDR :frob 1-2", NULL, "503 ");
	expect_prefix(f, "LISTGROUP", NULL, "412 ");
	expect_prefix(f, "XROOTS", NULL, "412 ");
}

static void
test_dispatch_list_active(void **state)
{
	struct fixture	*f = *state;
	const char	*out = run(f, "LIST ACTIVE local.*", NULL);

	assert_memory_equal(out, "215 ", 4);
	assert_non_null(strstr(out, "\r\nlocal.general 0 1 y\r\n"));
	assert_non_null(strstr(out, "\r\nlocal.test 0 1 y\r\n"));
	out = run(f, "LIST ACTIVE *.test", NULL);
	assert_null(strstr(out, "local.general"));
	assert_non_null(strstr(out, "local.test"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_dispatch_unknown_verb_is_500, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dispatch_bad_arguments_are_501, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dispatch_case_insensitive, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dispatch_capabilities_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dispatch_help_lists_served_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dispatch_group_preconditions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dispatch_declared_preconditions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dispatch_list_active, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
