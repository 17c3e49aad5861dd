/* Dates and times of NNTP and Netnews.  Pure: no globals, no time(). */
#ifndef LOOM_DATETIME_H
#define LOOM_DATETIME_H

#include <stddef.h>
#include <time.h>

/*
 * NEWGROUPS / NEWNEWS arguments (RFC 3977 7.3): date "yymmdd" or "yyyymmdd",
 * time "hhmmss", optional "GMT".  Four-digit years start at 1900.  Two-digit
 * years follow RFC 3977 7.3.2: the current century (that of `now`, in UTC)
 * if yy is at most the current year's last two digits, else the previous.
 * Without "GMT" the time is the server's local time: the caller passes
 * `utc_offset`, the local offset from UTC in seconds at that moment.
 * Returns 0 and sets *out (seconds since the epoch, UTC), or -1.
 */
int nntp_datetime_parse(const char *date, const char *timestr, int gmt,
    time_t now, long utc_offset, time_t *out);

/* DATE reply value: "yyyymmddhhmmss" in UTC; buf needs 15 octets. */
void nntp_date_format(time_t t, char buf[15]);

/*
 * RFC 5322 3.3 date-time as used in Date, Injection-Date and Expires
 * (RFC 5536 3.1.1), accepting the obsolete forms of RFC 5322 4.3 (two-digit
 * years, named zones, missing seconds, comments) as RFC 5536 asks readers
 * to.  Two-digit years are 1950..2049 and three-digit ones count from 1900
 * (RFC 5322 4.3); military and unknown alphabetic zones count as "-0000"
 * (UTC).  The day of the week, when present, must be a day name but is not
 * checked against the date.  Ranges are checked: a real calendar day, hour
 * 0..23, minute 0..59, second 0..60.  Returns 0 and sets *out (UTC epoch
 * seconds), or -1 with *errstr set to a short static reason (errstr may be
 * NULL).
 */
int rfc5322_date_parse(const char *s, size_t len, time_t *out,
    const char **errstr);

/* Format t as "Sun, 29 Nov 2026 02:47:03 +0000"; buf needs 32 octets. */
void rfc5322_date_format(time_t t, char buf[32]);

#endif /* LOOM_DATETIME_H */
