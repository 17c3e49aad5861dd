/*
 * The external posting filter.  posix_spawn rather than fork: loomd has a
 * writer thread and a large heap, and glibc's posix_spawn (CLONE_VFORK)
 * reports an exec failure synchronously instead of leaving us a child
 * that exits 127.
 *
 * Exit is noticed by polling waitpid(WNOHANG) on a timer: a SIGCHLD
 * handler would be process-wide, and a grandchild that inherited the
 * output pipe may keep it open long after the program itself is gone, so
 * output EOF alone cannot tell us the verdict is ready.  The poll is slow
 * while output still flows and fast once it has ended.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "log.h"
#include "util.h"

/* Poll intervals for the program's exit, in microseconds: slow while
   its output flows, fast (doubling) after EOF or SIGKILL. */
#define FILTER_POLL_SLOW	250000
#define FILTER_POLL_FIRST	1000
#define FILTER_POLL_MAX		64000
/* Reads of the output per wakeup. */
#define FILTER_READS		16

#define FILTER_PATH		"PATH=/usr/bin:/bin"

/*
 * pid is -1 before the start and once reaped.  in_fd and out_fd are our
 * ends of the program's stdin and stdout.  ev_reap polls for the exit,
 * and also reports a failed start (error[]) from the loop.
 */
struct filter_run {
	filter_done_cb	 done;
	filter_output_cb done_out;	/* filter_run_exec: instead of done */
	void		*arg;
	unsigned	 timeout_sec;
	pid_t		 pid;
	int		 in_fd;
	int		 out_fd;
	struct event	*ev_in;
	struct event	*ev_out;
	struct event	*ev_timeout;
	struct event	*ev_reap;
	long		 poll_usec;	/* next fast poll interval */
	int		 timed_out;
	char		*data;		/* the article, to write */
	size_t		 len;
	size_t		 off;
	char		 out[FILTER_OUTPUT_MAX];
	size_t		 outlen;
	char		 error[256];
};

static void	filter_reap_cb(evutil_socket_t, short, void *);

static void
filter_close_in(struct filter_run *fr)
{
	if (fr->ev_in != NULL) {
		event_free(fr->ev_in);
		fr->ev_in = NULL;
	}
	if (fr->in_fd != -1) {
		close(fr->in_fd);
		fr->in_fd = -1;
	}
	free(fr->data);
	fr->data = NULL;
}

static void
filter_close_out(struct filter_run *fr)
{
	if (fr->ev_out != NULL) {
		event_free(fr->ev_out);
		fr->ev_out = NULL;
	}
	if (fr->out_fd != -1) {
		close(fr->out_fd);
		fr->out_fd = -1;
	}
}

static void
filter_free(struct filter_run *fr)
{
	filter_close_in(fr);
	filter_close_out(fr);
	if (fr->ev_timeout != NULL)
		event_free(fr->ev_timeout);
	if (fr->ev_reap != NULL)
		event_free(fr->ev_reap);
	free(fr);
}

/* Kill the program and everything it started in its process group. */
static void
filter_kill(struct filter_run *fr)
{
	/* Only while it is unreaped: until then its pid, and so its
	   process group id, cannot be reused. */
	if (fr->pid != -1) {
		kill(-fr->pid, SIGKILL);
		kill(fr->pid, SIGKILL);
	}
}

/* The first line of the output, printable ASCII only, trimmed. */
static void
filter_first_line(const struct filter_run *fr, char *dst, size_t dstlen)
{
	size_t	i, n = 0;
	char	c;

	for (i = 0; i < fr->outlen && fr->out[i] != '\n'; i++) {
		c = fr->out[i];
		if (c < 0x20 || c > 0x7e || (c == ' ' && n == 0))
			continue;
		if (n + 1 < dstlen)
			dst[n++] = c;
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/*
 * Read what the pipe holds now: up to FILTER_OUTPUT_MAX kept, the rest
 * discarded so the program never blocks on a full pipe.  At most
 * FILTER_READS reads, so a program that floods its output cannot hold
 * the loop.  Returns 1 at EOF (or a read error, which ends the output
 * just the same), else 0.
 */
static int
filter_read(struct filter_run *fr)
{
	char	scratch[4096];
	ssize_t	n;
	int	i;

	for (i = 0; i < FILTER_READS; i++) {
		if (fr->outlen < sizeof(fr->out))
			n = read(fr->out_fd, fr->out + fr->outlen,
			    sizeof(fr->out) - fr->outlen);
		else
			n = read(fr->out_fd, scratch, sizeof(scratch));
		if (n > 0) {
			if (fr->outlen < sizeof(fr->out))
				fr->outlen += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (0);
		return (1);
	}
	return (0);
}

/* filter_run_exec's report: the exit status (-1: none) and the output,
   copied out of the run before it is freed. */
static void
filter_finish_out(struct filter_run *fr, int status, const char *reason)
{
	filter_output_cb	 done = fr->done_out;
	void			*arg = fr->arg;
	char			 out[FILTER_OUTPUT_MAX + 1];
	size_t			 len = fr->outlen;

	memcpy(out, fr->out, len);
	out[len] = '\0';
	filter_free(fr);
	done(status, out, len, reason, arg);
}

/* Free the run, then report: done() may start another run at once. */
static void
filter_finish(struct filter_run *fr, enum filter_verdict v,
    const char *reason)
{
	filter_done_cb	 done = fr->done;
	void		*arg = fr->arg;

	if (fr->done_out != NULL) {
		/* Only errors come here for it (filter_verdict). */
		filter_finish_out(fr, -1, reason);
		return;
	}
	filter_free(fr);
	done(v, reason, arg);
}

/* The program has been reaped with status st. */
static void
filter_verdict(struct filter_run *fr, int st)
{
	char	reason[FILTER_REASON_MAX];

	if (fr->out_fd != -1)
		filter_read(fr);
	if (fr->timed_out) {
		snprintf(reason, sizeof(reason),
		    "filter timed out after %u s", fr->timeout_sec);
		filter_finish(fr, FILTER_ERROR, reason);
	} else if (fr->done_out != NULL && WIFEXITED(st))
		filter_finish_out(fr, WEXITSTATUS(st), "");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		filter_finish(fr, FILTER_ACCEPT, "");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
		filter_first_line(fr, reason, sizeof(reason));
		filter_finish(fr, FILTER_REJECT,
		    reason[0] != '\0' ? reason : "Rejected by filter");
	} else if (WIFEXITED(st)) {
		snprintf(reason, sizeof(reason),
		    "filter exited with status %d", WEXITSTATUS(st));
		filter_finish(fr, FILTER_ERROR, reason);
	} else {
		snprintf(reason, sizeof(reason),
		    "filter killed by signal %d", WIFSIGNALED(st) ?
		    WTERMSIG(st) : 0);
		filter_finish(fr, FILTER_ERROR, reason);
	}
}

static void
filter_poll(struct filter_run *fr, long usec)
{
	struct timeval	tv;

	tv.tv_sec = usec / 1000000;
	tv.tv_usec = usec % 1000000;
	evtimer_add(fr->ev_reap, &tv);
}

/* Poll soon, then less and less often. */
static void
filter_poll_fast(struct filter_run *fr)
{
	filter_poll(fr, fr->poll_usec);
	if (fr->poll_usec < FILTER_POLL_MAX)
		fr->poll_usec *= 2;
}

/*
 * Has the program exited?  Returns 1 if the run was finished (and freed),
 * 0 if it still runs.
 */
static int
filter_try_reap(struct filter_run *fr)
{
	char	reason[FILTER_REASON_MAX];
	pid_t	r;
	int	st;

	while ((r = waitpid(fr->pid, &st, WNOHANG)) == -1 && errno == EINTR)
		;
	if (r == 0)
		return (0);
	fr->pid = -1;
	if (r == -1) {
		/* Someone else reaped it: the status is gone. */
		snprintf(reason, sizeof(reason), "filter status lost: %s",
		    strerror(errno));
		filter_finish(fr, FILTER_ERROR, reason);
		return (1);
	}
	filter_verdict(fr, st);
	return (1);
}

static void
filter_reap_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct filter_run	*fr = arg;
	char			 reason[sizeof(fr->error)];

	if (fr->pid == -1) {
		/* A failed start: the reason must outlive the run. */
		memcpy(reason, fr->error, sizeof(reason));
		filter_finish(fr, FILTER_ERROR, reason);
		return;
	}
	if (filter_try_reap(fr))
		return;
	if (fr->out_fd == -1 || fr->timed_out)
		filter_poll_fast(fr);
	else
		filter_poll(fr, FILTER_POLL_SLOW);
}

static void
filter_write_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct filter_run	*fr = arg;
	ssize_t			 n;

	n = write(fr->in_fd, fr->data + fr->off, fr->len - fr->off);
	if (n > 0) {
		fr->off += (size_t)n;
		if (fr->off == fr->len)
			filter_close_in(fr);
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	/* EPIPE: the program stopped reading; it may still answer. */
	filter_close_in(fr);
}

static void
filter_read_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct filter_run	*fr = arg;

	if (!filter_read(fr))
		return;
	filter_close_out(fr);
	if (filter_try_reap(fr))
		return;
	evtimer_del(fr->ev_reap);
	filter_poll_fast(fr);
}

static void
filter_timeout_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct filter_run	*fr = arg;

	if (filter_try_reap(fr))
		return;
	filter_kill(fr);
	fr->timed_out = 1;
	filter_close_in(fr);
	filter_close_out(fr);
	evtimer_del(fr->ev_reap);
	fr->poll_usec = FILTER_POLL_FIRST;
	filter_poll_fast(fr);
}

/*
 * Move fd to a number above 2, keeping FD_CLOEXEC: the dup2 file actions
 * onto 0 and 1 must not overwrite one another's source.  On failure fd is
 * closed.
 */
static int
filter_fd_high(int fd)
{
	int	nfd, saved;

	if (fd > 2)
		return (fd);
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	saved = errno;
	close(fd);
	errno = saved;
	return (nfd);
}

static int
filter_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	if ((p[0] = filter_fd_high(p[0])) == -1) {
		close(p[1]);
		return (-1);
	}
	if ((p[1] = filter_fd_high(p[1])) == -1) {
		close(p[0]);
		return (-1);
	}
	return (0);
}

static int
filter_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (-1);
	return (0);
}

/* Spawn the program; its stdin and stdout are pipes whose other ends, set
   non-blocking, go to fr.  Returns 0, or an errno value. */
static int
filter_spawn(struct filter_run *fr, const char *const *argv,
    const char *const *env)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, all;
	char				**envp;
	size_t				 n = 0, i;
	int				 in[2], out[2], rc, have_path = 0;

	if (filter_pipe(in) == -1)
		return (errno);
	if (filter_pipe(out) == -1) {
		rc = errno;
		close(in[0]);
		close(in[1]);
		return (rc);
	}
	while (env != NULL && env[n] != NULL)
		n++;
	envp = xcalloc(n + 2, sizeof(*envp));
	for (i = 0; i < n; i++) {
		envp[i] = (char *)env[i];
		if (strncmp(env[i], "PATH=", 5) == 0)
			have_path = 1;
	}
	if (!have_path)
		envp[n] = (char *)FILTER_PATH;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* Every signal back to its default, SIGPIPE above all: loomd
	   ignores it, and an ignored signal stays ignored across exec. */
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in[0], 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) == 0 &&
	    (rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
	    O_WRONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&attr, &all)) == 0)
		rc = posix_spawn(&fr->pid, argv[0], &fa, &attr,
		    (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(envp);
	close(in[0]);
	close(out[1]);
	if (rc == 0 && (filter_nonblock(in[1]) == -1 ||
	    filter_nonblock(out[0]) == -1)) {
		rc = errno;
		filter_kill(fr);
		while (waitpid(fr->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (rc != 0) {
		fr->pid = -1;
		close(in[1]);
		close(out[0]);
		return (rc);
	}
	fr->in_fd = in[1];
	fr->out_fd = out[0];
	return (0);
}

static struct filter_run *
filter_run_new(struct event_base *base, const char *const *argv,
    unsigned timeout_sec, const void *article, size_t len,
    const char *const *env, filter_done_cb done, filter_output_cb done_out,
    void *arg)
{
	const char		*program = argv[0];
	struct filter_run	*fr;
	struct timeval		 tv = { 0, 0 };
	int			 rc;

	fr = xcalloc(1, sizeof(*fr));
	fr->done = done;
	fr->done_out = done_out;
	fr->arg = arg;
	fr->timeout_sec = timeout_sec;
	fr->pid = -1;
	fr->in_fd = fr->out_fd = -1;
	fr->poll_usec = FILTER_POLL_FIRST;
	if ((fr->ev_reap = evtimer_new(base, filter_reap_cb, fr)) == NULL)
		fatalx("filter: event_new failed");

	if ((rc = filter_spawn(fr, argv, env)) != 0) {
		snprintf(fr->error, sizeof(fr->error),
		    "cannot run filter %s: %s", program, strerror(rc));
		evtimer_add(fr->ev_reap, &tv);
		return (fr);
	}

	if ((fr->ev_out = event_new(base, fr->out_fd, EV_READ | EV_PERSIST,
	    filter_read_cb, fr)) == NULL)
		fatalx("filter: event_new failed");
	event_add(fr->ev_out, NULL);
	if (len > 0) {
		fr->data = xmalloc(len);
		memcpy(fr->data, article, len);
		fr->len = len;
		if ((fr->ev_in = event_new(base, fr->in_fd,
		    EV_WRITE | EV_PERSIST, filter_write_cb, fr)) == NULL)
			fatalx("filter: event_new failed");
		event_add(fr->ev_in, NULL);
	} else
		filter_close_in(fr);
	if (timeout_sec > 0) {
		if ((fr->ev_timeout = evtimer_new(base, filter_timeout_cb,
		    fr)) == NULL)
			fatalx("filter: event_new failed");
		tv.tv_sec = timeout_sec;
		evtimer_add(fr->ev_timeout, &tv);
	}
	filter_poll(fr, FILTER_POLL_SLOW);
	return (fr);
}

struct filter_run *
filter_run_start(struct event_base *base, const char *program,
    unsigned timeout_sec, const void *article, size_t len,
    const char *const *env, filter_done_cb done, void *arg)
{
	const char	*argv[2] = { program, NULL };

	return (filter_run_new(base, argv, timeout_sec, article, len, env,
	    done, NULL, arg));
}

struct filter_run *
filter_run_exec(struct event_base *base, const char *const *argv,
    unsigned timeout_sec, const void *data, size_t len,
    const char *const *env, filter_output_cb done, void *arg)
{
	return (filter_run_new(base, argv, timeout_sec, data, len, env, NULL,
	    done, arg));
}

void
filter_run_cancel(struct filter_run *fr)
{
	if (fr == NULL)
		return;
	if (fr->pid != -1) {
		filter_kill(fr);
		while (waitpid(fr->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	filter_free(fr);
}
