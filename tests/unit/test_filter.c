/*
 * Unit tests for server/policy/filter.c: real programs (small shell scripts in a
 * temporary directory) run from a real event loop.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "filter.h"
#include "log.h"

/* Long enough never to be reached unless something is broken. */
#define SLOW	30

static const char article[] =
    "From: a@example.org\r\nSubject: hi\r\nNewsgroups: local.test\r\n"
    "\r\nbody\r\n";

struct fixture {
	char			 dir[64];
	struct event_base	*base;
};

struct result {
	int			 calls;
	enum filter_verdict	 v;
	char			 reason[1024];
};

static struct fixture	*fx;

static void
done_cb(enum filter_verdict v, const char *reason, void *arg)
{
	struct result	*r = arg;

	assert_non_null(reason);
	r->calls++;
	r->v = v;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

static int
setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/loom-filter-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->base = event_base_new();
	assert_non_null(fx->base);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	event_base_free(fx->base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	fx = NULL;
	return (0);
}

/* Write a script "#!/bin/sh\n<body>" called name; its path goes to path. */
static void
script(const char *name, const char *body, char *path, size_t pathlen)
{
	FILE	*fp;

	snprintf(path, pathlen, "%s/%s", fx->dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/* No child of ours is left, zombie or not. */
static void
assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Run the loop until it has nothing left to do. */
static void
loop(void)
{
	assert_true(event_base_dispatch(fx->base) >= 0);
	assert_int_equal(event_base_get_num_events(fx->base,
	    EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE), 0);
}

/* One run to its verdict: done once, never from inside start, no events
   and no child left behind. */
static void
run(const char *prog, unsigned timeout, const void *art, size_t len,
    const char *const *env, struct result *r)
{
	struct filter_run	*fr;

	memset(r, 0, sizeof(*r));
	fr = filter_run_start(fx->base, prog, timeout, art, len, env,
	    done_cb, r);
	assert_non_null(fr);
	assert_int_equal(r->calls, 0);
	loop();
	assert_int_equal(r->calls, 1);
	assert_no_children();
}

/* A script called name with body, run on the small article. */
static void
run_script(const char *name, const char *body, struct result *r)
{
	char	path[256];

	script(name, body, path, sizeof(path));
	run(path, SLOW, article, sizeof(article) - 1, NULL, r);
}

static void
test_filter_accept(void **state)
{
	char		 path[256], got[256], env_out[300], buf[512];
	const char	*env[] = { env_out, NULL };
	struct result	 r;
	FILE		*fp;
	size_t		 n;

	snprintf(got, sizeof(got), "%s/got", fx->dir);
	snprintf(env_out, sizeof(env_out), "OUT=%s", got);
	script("accept", "cat >\"$OUT\"\nexit 0", path, sizeof(path));
	run(path, SLOW, article, sizeof(article) - 1, env, &r);
	assert_int_equal(r.v, FILTER_ACCEPT);
	assert_string_equal(r.reason, "");

	/* The program saw the article exactly as given. */
	assert_non_null(fp = fopen(got, "r"));
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_int_equal(n, sizeof(article) - 1);
	assert_memory_equal(buf, article, n);

	/* Output with status 0 is still an accept. */
	run_script("accept2", "cat >/dev/null\necho whatever\nexit 0", &r);
	assert_int_equal(r.v, FILTER_ACCEPT);
	assert_string_equal(r.reason, "");
}

static void
test_filter_reject_reason(void **state)
{
	struct result	r;

	run_script("rej", "cat >/dev/null\necho 'Spam detected'\nexit 1",
	    &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "Spam detected");

	/* First line only; control octets, TABs, CR and non-ASCII dropped;
	   leading and trailing spaces trimmed. */
	run_script("rej2", "printf '  Bad\\001 \\tword\\303\\251!  \\r\\n"
	    "second line\\n'\nexit 1", &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "Bad word!");

	/* No output, or an empty first line: the default reason. */
	run_script("rej3", "exit 1", &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "Rejected by filter");
	run_script("rej4", "printf '\\r\\nlater\\n'\nexit 1", &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "Rejected by filter");

	/* A last line without a newline. */
	run_script("rej5", "printf 'no newline'\nexit 1", &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "no newline");

	/* At most FILTER_REASON_MAX - 1 octets. */
	run_script("rej6", "i=0\nwhile [ $i -lt 30 ]; do "
	    "printf 0123456789; i=$((i + 1)); done\nexit 1", &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_int_equal(strlen(r.reason), FILTER_REASON_MAX - 1);
	assert_memory_equal(r.reason, "0123456789", 10);
}

static void
test_filter_error_status(void **state)
{
	struct result	r;

	run_script("exit2", "cat >/dev/null\necho 'not a reason'\nexit 2",
	    &r);
	assert_int_equal(r.v, FILTER_ERROR);
	assert_string_equal(r.reason, "filter exited with status 2");

	run_script("exit127", "exit 127", &r);
	assert_int_equal(r.v, FILTER_ERROR);
	assert_string_equal(r.reason, "filter exited with status 127");

	run_script("signal", "kill -TERM $$\nexit 0", &r);
	assert_int_equal(r.v, FILTER_ERROR);
	assert_string_equal(r.reason, "filter killed by signal 15");

	/* SIGPIPE is back to its default in the program though ignored
	   here: a shell cannot undo a signal ignored on entry. */
	run_script("sigpipe", "kill -PIPE $$\nexit 0", &r);
	assert_int_equal(r.v, FILTER_ERROR);
	assert_string_equal(r.reason, "filter killed by signal 13");
}

/*
 * The pid a script wrote to DIR/pid, or -1 if it has not yet: the file
 * appears by rename, so it is never seen half written.
 */
static pid_t
script_pid(void)
{
	char	 path[128];
	FILE	*fp;
	int	 pid;

	snprintf(path, sizeof(path), "%s/pid", fx->dir);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	if (fscanf(fp, "%d", &pid) != 1)
		fail_msg("bad pid file");
	fclose(fp);
	return ((pid_t)pid);
}

/* Start a background sleep, announce its pid, and wait for it. */
static const char bg_script[] = "cat >/dev/null\nsleep 30 &\n"
    "echo $! >\"$DIR/pid.tmp\"\nmv \"$DIR/pid.tmp\" \"$DIR/pid\"\n"
    "wait\nexit 0";

/* Reap a grandchild adopted as subreaper: it must have been killed. */
static void
assert_killed(pid_t pid)
{
	pid_t	r;
	int	st;

	while ((r = waitpid(pid, &st, 0)) == -1 && errno == EINTR)
		;
	assert_int_equal(r, pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
}

/* Reap every child left (adopted as subreaper): each must have been
   killed. */
static void
assert_adopted_killed(void)
{
	pid_t	r;
	int	st;

	while ((r = waitpid(-1, &st, 0)) != -1 || errno == EINTR) {
		if (r == -1)
			continue;
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGKILL);
	}
	assert_int_equal(errno, ECHILD);
}

static void
test_filter_timeout(void **state)
{
	struct timespec	 t0, t1;
	char		 path[256], direnv[128];
	const char	*env[] = { direnv, NULL };
	struct result	 r;
	pid_t		 pid;

	/* A grandchild must die with the program: adopt it to see. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	snprintf(direnv, sizeof(direnv), "DIR=%s", fx->dir);
	script("slow", bg_script, path, sizeof(path));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&r, 0, sizeof(r));
	assert_non_null(filter_run_start(fx->base, path, 1, article,
	    sizeof(article) - 1, env, done_cb, &r));
	loop();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.v, FILTER_ERROR);
	assert_string_equal(r.reason, "filter timed out after 1 s");
	assert_true(t1.tv_sec - t0.tv_sec >= 1);
	/* Only if the script got as far as announcing it within the
	   second (the cancel test waits for it)... */
	if ((pid = script_pid()) != -1)
		assert_killed(pid);
	/* ...but on a loaded machine it may have started the sleep and
	   not written its pid yet: that one was adopted too, and must have
	   been killed with the rest. */
	assert_adopted_killed();
	assert_no_children();
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

static char *
big_article(size_t size)
{
	char	*a;
	size_t	 i;

	assert_non_null(a = malloc(size));
	for (i = 0; i < size; i++)
		a[i] = (i % 64 == 62) ? '\r' : (i % 64 == 63) ? '\n' : 'x';
	return (a);
}

static void
test_filter_big_article_not_read(void **state)
{
	const size_t	 size = 1024 * 1024;
	char		*big = big_article(size), path[256];
	struct result	 r;

	/* Exits without reading: EPIPE on our side, no death. */
	script("noread", "exit 0", path, sizeof(path));
	run(path, SLOW, big, size, NULL, &r);
	assert_int_equal(r.v, FILTER_ACCEPT);

	script("noread2", "echo 'no thanks'\nexit 1", path, sizeof(path));
	run(path, SLOW, big, size, NULL, &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "no thanks");

	/* Reads a little, then answers. */
	script("partial", "head -c 1000 >/dev/null\necho partial\nexit 1",
	    path, sizeof(path));
	run(path, SLOW, big, size, NULL, &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "partial");

	/* Neither reads nor exits: the timeout ends it. */
	script("stuck", "exec sleep 30", path, sizeof(path));
	run(path, 1, big, size, NULL, &r);
	assert_int_equal(r.v, FILTER_ERROR);
	assert_string_equal(r.reason, "filter timed out after 1 s");

	/* Reads it all: every octet arrives. */
	script("count", "wc -c | tr -d ' '\nexit 1", path, sizeof(path));
	run(path, SLOW, big, size, NULL, &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "1048576");

	/* And an empty article is an empty input. */
	run(path, SLOW, "", 0, NULL, &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "0");
	free(big);
}

static void
test_filter_cannot_run(void **state)
{
	char		path[256], expect[512];
	struct result	r;

	snprintf(path, sizeof(path), "%s/no-such-program", fx->dir);
	run(path, SLOW, article, sizeof(article) - 1, NULL, &r);
	assert_int_equal(r.v, FILTER_ERROR);
	snprintf(expect, sizeof(expect),
	    "cannot run filter %s: No such file or directory", path);
	assert_string_equal(r.reason, expect);

	/* Not executable (even root needs one x bit). */
	script("noexec", "exit 0", path, sizeof(path));
	assert_int_equal(chmod(path, 0644), 0);
	run(path, SLOW, article, sizeof(article) - 1, NULL, &r);
	assert_int_equal(r.v, FILTER_ERROR);
	snprintf(expect, sizeof(expect),
	    "cannot run filter %s: Permission denied", path);
	assert_string_equal(r.reason, expect);

	/* Not searched in PATH. */
	run("true", SLOW, article, sizeof(article) - 1, NULL, &r);
	assert_int_equal(r.v, FILTER_ERROR);

	/* A failed start can be cancelled before it reports. */
	memset(&r, 0, sizeof(r));
	filter_run_cancel(filter_run_start(fx->base, "/nonexistent", SLOW,
	    article, 3, NULL, done_cb, &r));
	loop();
	assert_int_equal(r.calls, 0);
	filter_run_cancel(NULL);
}

static void
test_filter_environment(void **state)
{
	const char *const env[] = {
		"LOOM_KIND=post", "LOOM_USER=alice", "LOOM_PEER=", NULL
	};
	const char *const env_path[] = { "PATH=/bin", NULL };
	char		 path[256];
	struct result	 r;

	script("env", "cat >/dev/null\n"
	    "printf '%s|%s|%s|%s|%s|%s\\n' \"$LOOM_KIND\" \"$LOOM_USER\" "
	    "\"${LOOM_PEER-unset}\" \"$PATH\" \"${HOME-unset}\" "
	    "\"${LOOM_TEST_LEAK-unset}\"\nexit 1", path, sizeof(path));
	assert_int_equal(setenv("LOOM_TEST_LEAK", "leaked", 1), 0);
	run(path, SLOW, article, sizeof(article) - 1, env, &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason,
	    "post|alice||/usr/bin:/bin|unset|unset");

	/* The caller's PATH wins; NULL env is PATH alone. */
	run(path, SLOW, article, sizeof(article) - 1, env_path, &r);
	assert_string_equal(r.reason, "||unset|/bin|unset|unset");
	run(path, SLOW, article, sizeof(article) - 1, NULL, &r);
	assert_string_equal(r.reason, "||unset|/usr/bin:/bin|unset|unset");
	unsetenv("LOOM_TEST_LEAK");
}

static void
test_filter_descriptors(void **state)
{
	char		 path[256], fdenv[32];
	const char	*env[] = { fdenv, NULL };
	struct result	 r;
	int		 leak, saved;

	/* A descriptor without FD_CLOEXEC must not reach the program. */
	assert_true((leak = open("/dev/null", O_RDONLY)) > 2);
	snprintf(fdenv, sizeof(fdenv), "LEAK=%d", leak);
	script("fds", "cat >/dev/null\n"
	    "if [ -e /proc/$$/fd/$LEAK ]; then echo leaked; exit 1; fi\n"
	    "[ \"$(readlink /proc/$$/fd/2)\" = /dev/null ] || "
	    "{ echo stderr; exit 1; }\n"
	    "case $(readlink /proc/$$/fd/0) in pipe:*) ;; "
	    "*) echo stdin; exit 1;; esac\n"
	    "echo 'to stderr' >&2\nexit 0", path, sizeof(path));
	run(path, SLOW, article, sizeof(article) - 1, env, &r);
	assert_string_equal(r.reason, "");
	assert_int_equal(r.v, FILTER_ACCEPT);

	/* With our stdin closed, a pipe lands on fd 0: still right. */
	assert_true((saved = dup(0)) != -1);
	close(0);
	close(leak);
	script("fds0", "wc -c | tr -d ' '\nexit 1", path, sizeof(path));
	run(path, SLOW, article, sizeof(article) - 1, NULL, &r);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_int_equal(atoi(r.reason), (int)sizeof(article) - 1);
}

static void
test_filter_long_output(void **state)
{
	struct result	r;

	/* 100 KiB after the reason: kept to 1 KiB, the rest drained. */
	run_script("long", "cat >/dev/null\necho 'too much'\n"
	    "head -c 102400 /dev/zero | tr '\\0' y\nexit 1", &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_string_equal(r.reason, "too much");

	/* One line far longer than what is kept. */
	run_script("longline", "head -c 5000 /dev/zero | tr '\\0' z\nexit 1",
	    &r);
	assert_int_equal(r.v, FILTER_REJECT);
	assert_int_equal(strlen(r.reason), FILTER_REASON_MAX - 1);
	assert_int_equal(strspn(r.reason, "z"), FILTER_REASON_MAX - 1);

	/* A program that would block on a pipe nobody reads. */
	run_script("flood", "head -c 1048576 /dev/zero\nexit 0", &r);
	assert_int_equal(r.v, FILTER_ACCEPT);
}

static void
cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	filter_run_cancel(arg);
}

struct cancel_wait {
	struct filter_run	*fr;
	struct event		*ev;
	pid_t			 pid;
};

/* Cancel once the script has announced its background child. */
static void
cancel_when_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cancel_wait	*cw = arg;

	if ((cw->pid = script_pid()) == -1)
		return;
	filter_run_cancel(cw->fr);
	event_del(cw->ev);
}

static void
test_filter_cancel(void **state)
{
	const size_t		 size = 1024 * 1024;
	char			*big = big_article(size), path[256];
	char			 direnv[128];
	const char		*env[] = { direnv, NULL };
	struct filter_run	*fr;
	struct timeval		 tv = { 0, 100000 }, poll = { 0, 10000 };
	struct cancel_wait	 cw;
	struct result		 r;

	/* At once, with the program just started. */
	memset(&r, 0, sizeof(r));
	script("sleeper", "exec sleep 30", path, sizeof(path));
	fr = filter_run_start(fx->base, path, SLOW, article,
	    sizeof(article) - 1, NULL, done_cb, &r);
	filter_run_cancel(fr);
	assert_no_children();
	loop();
	assert_int_equal(r.calls, 0);

	/* From a loop callback, mid-write of a big article. */
	fr = filter_run_start(fx->base, path, SLOW, big, size, NULL,
	    done_cb, &r);
	assert_int_equal(event_base_once(fx->base, -1, EV_TIMEOUT, cancel_cb,
	    fr, &tv), 0);
	loop();
	assert_int_equal(r.calls, 0);
	assert_no_children();

	/* A program with a child of its own: the whole group goes. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	snprintf(direnv, sizeof(direnv), "DIR=%s", fx->dir);
	script("parent", bg_script, path, sizeof(path));
	memset(&cw, 0, sizeof(cw));
	cw.fr = filter_run_start(fx->base, path, SLOW, article,
	    sizeof(article) - 1, env, done_cb, &r);
	cw.ev = event_new(fx->base, -1, EV_PERSIST, cancel_when_ready_cb,
	    &cw);
	assert_non_null(cw.ev);
	event_add(cw.ev, &poll);
	loop();
	event_free(cw.ev);
	assert_int_equal(r.calls, 0);
	assert_true(cw.pid > 0);
	assert_killed(cw.pid);
	assert_no_children();
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
	free(big);
}

/* Two runs at once; the second done() starts a third run. */
struct chain {
	struct result	 r[3];
	const char	*prog;
};

static void
chain_cb(enum filter_verdict v, const char *reason, void *arg)
{
	struct chain	*c = arg;

	done_cb(v, reason, &c->r[1]);
	assert_non_null(filter_run_start(fx->base, c->prog, SLOW, "x", 1,
	    NULL, done_cb, &c->r[2]));
}

static void
test_filter_concurrent(void **state)
{
	char		path[256], path2[256];
	struct chain	c;

	memset(&c, 0, sizeof(c));
	script("a", "cat >/dev/null\necho first\nexit 1", path, sizeof(path));
	script("b", "wc -c | tr -d ' '\nexit 1", path2, sizeof(path2));
	c.prog = path2;
	assert_non_null(filter_run_start(fx->base, path, SLOW, article,
	    sizeof(article) - 1, NULL, done_cb, &c.r[0]));
	assert_non_null(filter_run_start(fx->base, path, SLOW, article,
	    sizeof(article) - 1, NULL, chain_cb, &c));
	loop();
	assert_int_equal(c.r[0].calls, 1);
	assert_string_equal(c.r[0].reason, "first");
	assert_int_equal(c.r[1].calls, 1);
	assert_string_equal(c.r[1].reason, "first");
	assert_int_equal(c.r[2].calls, 1);
	assert_int_equal(c.r[2].v, FILTER_REJECT);
	assert_string_equal(c.r[2].reason, "1");
	assert_no_children();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filter_accept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter_reject_reason,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_error_status,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_filter_big_article_not_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_cannot_run, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter_environment,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_descriptors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_long_output,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_cancel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter_concurrent,
		    setup, teardown),
	};

	/* As loomd does: a program that stops reading must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	log_init("test", LOG_LEVEL_ERROR, 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
