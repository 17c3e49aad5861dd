/*
 * Crash test for storage/: a child stores batches durably and reports each
 * committed batch's message-ids on a pipe; the parent SIGKILLs it mid-way,
 * reopens the store and checks that everything reported is there, byte for
 * byte, and that the store is consistent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_test.h"

#define CRASH_BATCH	8
#define CRASH_ROUNDS	5
#define CRASH_WANT	120	/* ids to see before the kill */
#define CRASH_MAX_IDS	100000

/* The body of article n: deterministic, so the parent can rebuild it. */
static char *
crash_body(int n, size_t *len)
{
	char	*b, *p;
	int	 lines = 1 + n % 40, i;

	b = malloc((size_t)lines * 64 + 1);
	p = b;
	for (i = 0; i < lines; i++)
		p += sprintf(p, "%sline %d of article %d \xe9\r\n",
		    i % 7 == 3 ? ".." : "", i, n);
	*len = (size_t)(p - b);
	return (b);
}

static void
crash_id(char *buf, size_t len, int n)
{
	snprintf(buf, len, "<crash%d@loom.test>", n);
}

static void
crash_write_all(int fd, const char *s, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		s += w;
		len -= (size_t)w;
	}
}

/* The child: store batches forever, reporting each committed one. */
static void
crash_child(const char *dir, int fd, int first)
{
	struct store		*st;
	struct store_options	 opt;
	struct store_article	 arts[CRASH_BATCH];
	struct tart		 t[CRASH_BATCH];
	char			 err[256], id[64], line[320];
	char			*body;
	size_t			 blen;
	int			 n = first, k;
	enum store_status	 rc;

	memset(&opt, 0, sizeof(opt));	/* durable: no nosync */
	opt.map_size = 1 << 20;		/* and growing on the way */
	if (store_open(&st, dir, &opt, err, sizeof(err)) != STORE_OK) {
		snprintf(line, sizeof(line), "ERR open %s\n", err);
		crash_write_all(fd, line, strlen(line));
		_exit(1);
	}
	rc = store_group_create(st, "crash.g", 'y', NULL, NULL, 0);
	if (rc != STORE_OK && rc != STORE_EXISTS)
		_exit(1);
	for (;;) {
		for (k = 0; k < CRASH_BATCH; k++) {
			crash_id(id, sizeof(id), n + k);
			body = crash_body(n + k, &blen);
			tart_make(&t[k], id, "crash.g", NULL, body, blen,
			    1000 + n + k);
			free(body);
			arts[k] = t[k].a;
		}
		rc = store_put_batch(st, arts, CRASH_BATCH);
		if (rc != STORE_OK) {
			snprintf(line, sizeof(line), "ERR put %d\n", rc);
			crash_write_all(fd, line, strlen(line));
			_exit(1);
		}
		/* The batch's ids in one write (< PIPE_BUF, so atomic): the
		   parent sees all of a committed batch or none of it. */
		line[0] = '\0';
		for (k = 0; k < CRASH_BATCH; k++) {
			if (arts[k].status != STORE_OK)
				_exit(1);
			snprintf(line + strlen(line), sizeof(line) -
			    strlen(line), "%d\n", n + k);
			tart_free(&t[k]);
		}
		crash_write_all(fd, line, strlen(line));
		n += CRASH_BATCH;
	}
}

struct crash_art {
	char	*wire;
	size_t	 len;
};

static int
crash_get_cb(const char *wire, size_t len,
    const struct store_article_info *info, void *arg)
{
	struct crash_art	*a = arg;

	a->wire = malloc(len);
	memcpy(a->wire, wire, len);
	a->len = len;
	return (0);
}

static int
crash_count_cb(const struct store_over_entry *e, void *arg)
{
	(*(uint32_t *)arg)++;
	return (0);
}

/* Run one child until it has reported `want` ids, kill it; return the
   ids it reported (all of them, also those written after we stopped). */
static int *
crash_round(const char *dir, int first, int want, useconds_t delay,
    int *nids)
{
	struct pollfd	 pfd;
	pid_t		 pid;
	char		 buf[4096], line[64];
	size_t		 ll = 0;
	ssize_t		 r;
	int		 fds[2], *ids, n = 0, status, killed = 0, i;

	ids = calloc(CRASH_MAX_IDS, sizeof(*ids));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(dir, fds[1], first);
		_exit(3);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		if (!killed && n >= want) {
			/* Let it get somewhere into the next batches. */
			if (delay > 0)
				usleep(delay);
			kill(pid, SIGKILL);
			killed = 1;
		}
		if (poll(&pfd, 1, 20000) <= 0) {
			kill(pid, SIGKILL);
			fail_msg("crash child went silent");
		}
		if ((r = read(fds[0], buf, sizeof(buf))) <= 0)
			break;		/* EOF: the child is gone */
		for (i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			ll = 0;
			if (strncmp(line, "ERR", 3) == 0) {
				kill(pid, SIGKILL);
				fail_msg("crash child: %s", line);
			}
			assert_true(n < CRASH_MAX_IDS);
			ids[n++] = atoi(line);
		}
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Killed by us, not dead of its own accord. */
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	*nids = n;
	return (ids);
}

static void
test_store_crash_committed_batches_survive_sigkill(void **state)
{
	struct st_fixture	 f;
	struct store_group	 g;
	struct store_stats	 s;
	struct crash_art	 a;
	struct tart		 t;
	char			 id[64], *body;
	size_t			 blen;
	uint32_t		 entries, next;
	int			*ids, nids, round, i, first = 0, top;

	memset(&f, 0, sizeof(f));
	st_mkdir(&f);
	for (round = 0; round < CRASH_ROUNDS; round++) {
		ids = crash_round(f.dir, first, CRASH_WANT + round * 13,
		    (useconds_t)round * 700, &nids);
		assert_true(nids >= CRASH_WANT);
		assert_int_equal(nids % CRASH_BATCH, 0);
		if (getenv("CRASH_DEBUG"))
			fprintf(stderr, "round %d: %d reported\n", round, nids);

		st_open(&f);
		top = first;
		for (i = 0; i < nids; i++) {
			crash_id(id, sizeof(id), ids[i]);
			body = crash_body(ids[i], &blen);
			tart_make(&t, id, "crash.g", NULL, body, blen, 0);
			memset(&a, 0, sizeof(a));
			assert_int_equal(store_article_get(f.st, id,
			    crash_get_cb, &a), STORE_OK);
			/* Header as sent, an Xref line, then the body. */
			assert_true(a.len > t.a.wire_len);
			assert_memory_equal(a.wire, t.a.wire, t.a.header_len);
			assert_memory_equal(a.wire + a.len - (t.a.wire_len -
			    t.a.header_len), t.a.wire + t.a.header_len,
			    t.a.wire_len - t.a.header_len);
			assert_int_equal(store_history_lookup(f.st, id, NULL),
			    STORE_EXISTS);
			free(a.wire);
			tart_free(&t);
			free(body);
			if (ids[i] + 1 > top)
				top = ids[i] + 1;
		}
		free(ids);

		/* Consistent: the group's count is its numbers entries. */
		assert_int_equal(store_group_get(f.st, "crash.g", &g),
		    STORE_OK);
		entries = 0;
		assert_int_equal(store_over_range(f.st, g.id, 1, UINT32_MAX, 0,
		    crash_count_cb, &entries, &next), STORE_OK);
		assert_int_equal(g.count, entries);
		assert_true(g.high >= g.count);
		assert_true(g.count >= (uint32_t)top);
		assert_int_equal(store_stats_get(f.st, &s), STORE_OK);
		assert_int_equal(s.articles, g.count);
		/* Whatever the child had in flight is wholly in or out. */
		assert_int_equal(g.count % CRASH_BATCH, 0);
		if (getenv("CRASH_DEBUG"))
			fprintf(stderr, "count %u high %u\n", g.count, g.high);
		first = (int)g.count;
		store_close(f.st);
		f.st = NULL;
	}
	st_rmtree(f.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_store_crash_committed_batches_survive_sigkill),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
