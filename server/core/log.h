/*
 * Logging for loomd and loomctl: one line per event, with a level, to
 * stderr (the default, for --foreground), syslog (a detached daemon) or
 * the systemd journal (stderr lines with a "<N>" priority prefix, which
 * journald reads as the line's level).
 * Lines that concern a session carry "session=<hex id>" and key=value
 * details so they can be grepped and parsed.  Never log a password.
 */
#ifndef LOOM_LOG_H
#define LOOM_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR
};

enum log_dest {
	LOG_DEST_STDERR = 0,	/* timestamped lines */
	LOG_DEST_SYSLOG,	/* facility news */
	LOG_DEST_JOURNAL	/* "<6>message": stderr is a journal stream */
};

/* Set the process name shown in each line and where lines go. */
void log_init(const char *progname, enum log_level level, int use_syslog);
void log_set_dest(enum log_dest dest);
/* Parse "stderr", "syslog", "journal"; -1 if none of them. */
int log_dest_parse(const char *s);
/* Whether stderr is the stream systemd connected to the journal. */
int log_stderr_is_journal(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "debug", "info", "warn", "error"; -1 if none of them. */
int log_level_parse(const char *s);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)" and preserves errno. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For start-up failures and broken invariants only: log and exit(1). */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif /* LOOM_LOG_H */
