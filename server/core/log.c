/* Leveled, line-oriented logging to stderr, syslog or the journal. */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * Process-wide by nature: the log is shared by every thread, as stderr
 * is.  Each line is formatted whole and written with one fprintf so lines
 * from the writer thread and the loop never interleave.
 */
static const char	*log_progname = "loom";
static enum log_level	 log_threshold = LOG_LEVEL_INFO;
static enum log_dest	 log_dest = LOG_DEST_STDERR;

static const char *const log_names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *progname, enum log_level level, int use_syslog)
{
	log_progname = progname;
	log_threshold = level;
	log_set_dest(use_syslog ? LOG_DEST_SYSLOG : LOG_DEST_STDERR);
}

void
log_set_dest(enum log_dest dest)
{
	if (dest == LOG_DEST_SYSLOG && log_dest != LOG_DEST_SYSLOG)
		openlog(log_progname, LOG_PID | LOG_NDELAY, LOG_NEWS);
	else if (dest != LOG_DEST_SYSLOG && log_dest == LOG_DEST_SYSLOG)
		closelog();
	log_dest = dest;
}

int
log_dest_parse(const char *s)
{
	if (strcmp(s, "stderr") == 0)
		return (LOG_DEST_STDERR);
	if (strcmp(s, "syslog") == 0)
		return (LOG_DEST_SYSLOG);
	if (strcmp(s, "journal") == 0)
		return (LOG_DEST_JOURNAL);
	return (-1);
}

/*
 * systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it gave us
 * (systemd.exec(5)).  Compare with fd 2 itself: a child that inherited the
 * variable but had its stderr redirected must not write prefixes into a
 * file.
 */
int
log_stderr_is_journal(void)
{
	const char		*v;
	unsigned long long	 dev, ino;
	struct stat		 st;
	char			 tail;

	if ((v = getenv("JOURNAL_STREAM")) == NULL ||
	    sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return (0);
	if (fstat(STDERR_FILENO, &st) == -1)
		return (0);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

void
log_set_level(enum log_level level)
{
	log_threshold = level;
}

enum log_level
log_get_level(void)
{
	return (log_threshold);
}

int
log_level_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcasecmp(s, log_names[i]) == 0)
			return ((int)i);
	if (strcasecmp(s, "warning") == 0)
		return (LOG_LEVEL_WARN);
	return (-1);
}

static void
log_vwrite(enum log_level level, const char *errstr, const char *fmt,
    va_list ap)
{
	static const int	 prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING,
				    LOG_ERR };
	char			 msg[2048], stamp[32];
	struct timeval		 tv;
	struct tm		 tm;

	if (level < log_threshold)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_dest == LOG_DEST_SYSLOG) {
		if (errstr != NULL)
			syslog(prio[level], "%s: %s", msg, errstr);
		else
			syslog(prio[level], "%s", msg);
		return;
	}
	/* journald stamps, names and levels each line itself: the "<N>"
	   prefix (sd-daemon(3)) is all it needs. */
	if (log_dest == LOG_DEST_JOURNAL) {
		fprintf(stderr, "<%d>%s%s%s\n", prio[level], msg,
		    errstr != NULL ? ": " : "", errstr != NULL ? errstr : "");
		return;
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s[%ld] %s: %s%s%s\n", stamp,
	    (long)(tv.tv_usec / 1000), log_progname, (long)getpid(),
	    log_names[level], msg, errstr != NULL ? ": " : "",
	    errstr != NULL ? errstr : "");
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	log_vwrite(level, NULL, fmt, ap);			\
	va_end(ap);						\
}

LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_warnx, LOG_LEVEL_WARN)
LOG_FN(log_error, LOG_LEVEL_ERROR)

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
