/*
 * storage/ with company: readers in other threads while the map grows, a
 * second process (as loomctl would be) growing the map under us, and a
 * write failing for lack of space.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_test.h"

#define BODY_LEN	(64 * 1024)

static char *
multi_body(int n)
{
	char	*b;
	int	 i;

	b = malloc(BODY_LEN);
	for (i = 0; i < BODY_LEN; i++)
		b[i] = (char)('a' + (n + i) % 26);
	for (i = 78; i < BODY_LEN - 1; i += 80) {
		b[i] = '\r';
		b[i + 1] = '\n';
	}
	b[BODY_LEN - 2] = '\r';
	b[BODY_LEN - 1] = '\n';
	return (b);
}

/* Store articles first..first+count-1 in batches of 8; return the status
   of the first failing batch (or OK). */
static enum store_status
multi_store(struct store *st, const char *prefix, int first, int count)
{
	struct store_article	 arts[8];
	struct tart		 t[8];
	enum store_status	 rc = STORE_OK;
	char			 id[64], *body;
	int			 n, k, m;

	for (n = first; n < first + count && rc == STORE_OK; n += m) {
		m = first + count - n < 8 ? first + count - n : 8;
		for (k = 0; k < m; k++) {
			snprintf(id, sizeof(id), "<%s%d@multi>", prefix, n + k);
			body = multi_body(n + k);
			tart_make(&t[k], id, "multi.g", NULL, body, BODY_LEN,
			    n + k);
			free(body);
			arts[k] = t[k].a;
		}
		rc = store_put_batch(st, arts, (size_t)m);
		for (k = 0; k < m; k++) {
			if (rc == STORE_OK && arts[k].status != STORE_OK)
				rc = arts[k].status;
			tart_free(&t[k]);
		}
	}
	return (rc);
}

struct check {
	int	n;
	int	ok;
};

static int
check_cb(const char *wire, size_t len, const struct store_article_info *info,
    void *arg)
{
	struct check	*c = arg;
	const char	*body = wire + info->header_len + 2;
	int		 i;

	c->ok = len - info->header_len - 2 == BODY_LEN;
	for (i = 0; c->ok && i < 78; i++)
		if (body[i] != (char)('a' + (c->n + i) % 26))
			c->ok = 0;
	return (0);
}

static int
multi_present(struct store *st, const char *prefix, int n)
{
	struct check	c;
	char		id[64];

	snprintf(id, sizeof(id), "<%s%d@multi>", prefix, n);
	c.n = n;
	c.ok = 0;
	if (store_article_get(st, id, check_cb, &c) != STORE_OK)
		return (0);
	return (c.ok);
}

static void
multi_open(struct st_fixture *f, size_t map, size_t max)
{
	memset(f, 0, sizeof(*f));
	st_mkdir(f);
	f->opt.map_size = map;
	f->opt.map_size_max = max;
	f->opt.nosync = 1;
	st_open(f);
	assert_int_equal(store_group_create(f->st, "multi.g", 'y', NULL, NULL,
	    0), STORE_OK);
}

/* ---- Readers while the writer grows the map -------------------------- */

struct reader {
	struct store	*st;
	atomic_int	*stop;
	atomic_int	*stored;
	long		 reads;
	long		 errors;
};

static void *
reader_main(void *arg)
{
	struct reader		*r = arg;
	struct store_group	 g;
	uint32_t		 next;
	int			 n, have;

	while (!atomic_load(r->stop)) {
		have = atomic_load(r->stored);
		for (n = 0; n < have; n += 7) {
			if (!multi_present(r->st, "r", n))
				r->errors++;
			r->reads++;
		}
		if (store_group_get(r->st, "multi.g", &g) != STORE_OK ||
		    store_over_range(r->st, g.id, 1, g.high, 50, NULL, NULL,
		    &next) != STORE_OK)
			r->errors++;
	}
	return (NULL);
}

static void
test_store_multi_readers_during_growth(void **state)
{
	struct st_fixture	f;
	struct store_stats	s;
	struct reader		r[3];
	pthread_t		tid[3];
	atomic_int		stop = 0, stored = 0;
	int			i, n;

	multi_open(&f, 1 << 20, 512 << 20);
	for (i = 0; i < 3; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].st = f.st;
		r[i].stop = &stop;
		r[i].stored = &stored;
		assert_int_equal(pthread_create(&tid[i], NULL, reader_main,
		    &r[i]), 0);
	}
	for (n = 0; n < 256; n += 16) {
		assert_int_equal(multi_store(f.st, "r", n, 16), STORE_OK);
		atomic_store(&stored, n + 16);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(r[i].errors, 0);
	}
	assert_int_equal(store_stats_get(f.st, &s), STORE_OK);
	assert_true(s.map_size >= (16 << 20));
	for (n = 0; n < 256; n++)
		assert_true(multi_present(f.st, "r", n));
	store_close(f.st);
	st_rmtree(f.dir);
}

/* ---- Another process grows the map ----------------------------------- */

static int	multi_argc;
static char	**multi_argv;

/* `test_store_multi --grow DIR`: what loomctl importing would do. */
static int
multi_grow_main(const char *dir)
{
	struct store_options	 opt;
	struct store		*st;
	char			 err[256];

	memset(&opt, 0, sizeof(opt));
	opt.map_size = 1 << 20;
	opt.nosync = 1;
	if (store_open(&st, dir, &opt, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "grow: %s\n", err);
		return (1);
	}
	if (multi_store(st, "o", 0, 160) != STORE_OK) {
		fprintf(stderr, "grow: store failed: %s\n",
		    store_last_error());
		return (1);
	}
	store_close(st);
	return (0);
}

static void
test_store_multi_map_resized_by_other_process(void **state)
{
	struct st_fixture	f;
	struct store_stats	before, after;
	pid_t			pid;
	int			status, n;

	multi_open(&f, 1 << 20, 512 << 20);
	assert_int_equal(multi_store(f.st, "p", 0, 4), STORE_OK);
	assert_int_equal(store_stats_get(f.st, &before), STORE_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A fresh process image: no LMDB state shared with ours. */
		execl("/proc/self/exe", multi_argv[0], "--grow", f.dir,
		    (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Reading what it wrote needs the bigger map: adopted, not failed. */
	for (n = 0; n < 160; n += 9)
		assert_true(multi_present(f.st, "o", n));
	assert_true(multi_present(f.st, "o", 159));
	assert_int_equal(store_stats_get(f.st, &after), STORE_OK);
	assert_true(after.map_size > before.map_size);
	assert_true(after.map_size >= (10 << 20));
	/* And we can still write. */
	assert_int_equal(multi_store(f.st, "p", 4, 8), STORE_OK);
	assert_true(multi_present(f.st, "p", 11));
	store_close(f.st);
	st_rmtree(f.dir);
}

/* ---- The file cannot grow: a clear error, nothing half-stored -------- */

static void
test_store_multi_write_error_reported(void **state)
{
	struct st_fixture	f;
	struct rlimit		rl;
	struct store_group	g;
	pid_t			pid;
	int			status, fds[2], ok = -1, n;
	char			buf[512];
	ssize_t			r;

	memset(&f, 0, sizeof(f));
	st_mkdir(&f);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store_options	 opt;
		struct store		*st;
		enum store_status	 rc;
		char			 err[256];

		close(fds[0]);
		/* Files may not grow past 3 MiB: writes fail with EFBIG. */
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = rl.rlim_max = 3 << 20;
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(2);
		memset(&opt, 0, sizeof(opt));
		opt.map_size = 64 << 20;
		if (store_open(&st, f.dir, &opt, err, sizeof(err)) !=
		    STORE_OK)
			_exit(3);
		if (store_group_create(st, "multi.g", 'y', NULL, NULL, 0) !=
		    STORE_OK)
			_exit(4);
		for (n = 0; n < 200; n += 8) {
			rc = multi_store(st, "w", n, 8);
			if (rc != STORE_OK)
				break;
		}
		snprintf(buf, sizeof(buf), "%d %d %s", n, rc,
		    store_last_error());
		if (write(fds[1], buf, strlen(buf)) < 0)
			_exit(5);
		store_close(st);
		_exit(0);
	}
	close(fds[1]);
	r = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(r > 0);
	buf[r] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* "<articles stored before> <status> <reason>" */
	assert_int_equal(sscanf(buf, "%d %d", &n, &ok), 2);
	assert_true(n > 0 && n < 200);
	assert_true(ok == STORE_FULL || ok == STORE_ERROR);
	assert_non_null(strchr(buf + 4, ':'));	/* a reason was given */

	/* Everything acknowledged is there, the failed batch is not. */
	f.opt.nosync = 1;
	st_open(&f);
	for (ok = 0; ok < n; ok++)
		assert_true(multi_present(f.st, "w", ok));
	assert_false(multi_present(f.st, "w", n));
	assert_int_equal(store_group_get(f.st, "multi.g", &g), STORE_OK);
	assert_int_equal(g.count, (uint32_t)n);
	store_close(f.st);
	st_rmtree(f.dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_multi_readers_during_growth),
		cmocka_unit_test(test_store_multi_map_resized_by_other_process),
		cmocka_unit_test(test_store_multi_write_error_reported),
	};

	if (argc == 3 && strcmp(argv[1], "--grow") == 0)
		return (multi_grow_main(argv[2]));
	multi_argc = argc;
	multi_argv = argv;
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
