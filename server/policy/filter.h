/*
 * The external posting filter: a program run once per article, asked on
 * its standard input whether the article may be stored.  Asynchronous on
 * the event loop: the session waits for done() as it waits for a commit.
 *
 * The program is started without a shell, with the article (wire form,
 * CRLF lines, as given) on its standard input, standard output a pipe
 * read by loomd, standard error /dev/null, no other file descriptors,
 * its own process group, default signal dispositions, and as its whole
 * environment the caller's NAME=VALUE strings plus PATH=/usr/bin:/bin
 * (unless the caller sets PATH).  Its verdict:
 *
 *	exit status 0	FILTER_ACCEPT (reason "")
 *	exit status 1	FILTER_REJECT; the reason is the first line of
 *			its standard output, printable ASCII only, at
 *			most FILTER_REASON_MAX - 1 octets; "Rejected by
 *			filter" if that is empty
 *	anything else	FILTER_ERROR, with a reason for the log: another
 *			status, death by a signal, a program that cannot
 *			be run, or the timeout ("filter timed out after
 *			10 s"; the process group is then killed)
 *
 * A program that stops reading its input early is fine: the rest is
 * dropped.  The process must ignore SIGPIPE, as loomd does, or writing
 * to such a program kills it.  Only the first FILTER_OUTPUT_MAX octets of
 * output are kept; the rest is read and discarded.
 */
#ifndef LOOM_FILTER_H
#define LOOM_FILTER_H

#include <stddef.h>

struct event_base;

/* Reason buffer size: a REJECT reason fits a "441 <reason>" line. */
#define FILTER_REASON_MAX	160
/* Output octets kept from the program. */
#define FILTER_OUTPUT_MAX	1024

enum filter_verdict {
	FILTER_ACCEPT,
	FILTER_REJECT,
	FILTER_ERROR
};

struct filter_run;

/*
 * Called exactly once per run that was not cancelled, from the loop
 * thread and never from inside filter_run_start().  reason is never NULL
 * and is valid only during the call.  The run is freed as soon as done()
 * returns, so done() must not cancel it.
 */
typedef void (*filter_done_cb)(enum filter_verdict v, const char *reason,
    void *arg);

/*
 * Start `program` (a path, not searched in PATH) on `article`, which is
 * copied; `env` is a NULL-terminated array of "NAME=VALUE" strings (NULL
 * for none), copied too.  timeout_sec 0 means no time limit.
 *
 * Never returns NULL: when the program cannot be started at all (no such
 * file, not executable, out of pipes), done() still comes, with
 * FILTER_ERROR, from the loop on its next pass.
 */
struct filter_run *filter_run_start(struct event_base *base,
    const char *program, unsigned timeout_sec, const void *article,
    size_t len, const char *const *env, filter_done_cb done, void *arg);

/*
 * The same machinery for another program (gpgv for control messages,
 * intake/ctlmsg.c): argv[0] is its path, argv the whole argument vector
 * (copied by posix_spawn), data its standard input.  done() gets the exit
 * status and the first FILTER_OUTPUT_MAX octets of its standard output
 * (NUL-terminated; out is valid only during the call), or status -1 with
 * a reason when it could not be run, was killed or timed out.
 */
typedef void (*filter_output_cb)(int status, const char *out, size_t len,
    const char *reason, void *arg);

struct filter_run *filter_run_exec(struct event_base *base,
    const char *const *argv, unsigned timeout_sec, const void *data,
    size_t len, const char *const *env, filter_output_cb done, void *arg);

/*
 * Forget a run whose done() has not been called (the session went away):
 * kill the program's process group, reap it (waiting for SIGKILL to take
 * effect, which is immediate for any process not stuck in the kernel),
 * and free everything.  done() is never called for it.
 */
void filter_run_cancel(struct filter_run *fr);

#endif /* LOOM_FILTER_H */
