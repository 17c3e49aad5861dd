/*
 * Dates of NNTP (RFC 3977 7.1, 7.3) and of Netnews header fields
 * (RFC 5322 3.3 and 4.3).  The calendar arithmetic is done here, on the
 * proleptic Gregorian calendar, so that nothing depends on TZ or on the
 * C library's notion of local time.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"

#define DT_DAY		86400L

static const char *const dt_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char *const dt_wdays[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static int
dt_leap(long y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

static int
dt_mdays(long y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return (m == 2 && dt_leap(y) ? 29 : days[m - 1]);
}

/* Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil). */
static long long
dt_days_from_civil(long y, int m, int d)
{
	long long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static void
dt_civil_from_days(long long z, long *y, int *m, int *d)
{
	long long	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (long)(yoe + era * 400 + (*m <= 2));
}

/* Split t into its UTC calendar fields; wday 0 is Sunday. */
static void
dt_split(time_t t, long *y, int *mo, int *d, int *h, int *mi, int *s,
    int *wday)
{
	long long	days = (long long)t / DT_DAY;
	long long	secs = (long long)t % DT_DAY;

	if (secs < 0) {
		secs += DT_DAY;
		days--;
	}
	dt_civil_from_days(days, y, mo, d);
	*h = (int)(secs / 3600);
	*mi = (int)(secs / 60 % 60);
	*s = (int)(secs % 60);
	/* 1970-01-01 was a Thursday. */
	*wday = (int)(((days % 7) + 11) % 7);
}

/* Parse exactly n decimal digits. */
static int
dt_digits(const char *s, size_t n, int *out)
{
	size_t	i;
	int	v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

int
nntp_datetime_parse(const char *date, const char *timestr, int gmt,
    time_t now, long utc_offset, time_t *out)
{
	long		 y, ny;
	int		 yy, mo, d, h, mi, s, nmo, nd, nh, nmi, ns, nw;
	size_t		 dlen;
	long long	 t;

	if (date == NULL || timestr == NULL)
		return (-1);
	dlen = strlen(date);
	if ((dlen != 6 && dlen != 8) || strlen(timestr) != 6)
		return (-1);
	if (dt_digits(date, dlen - 4, &yy) == -1 ||
	    dt_digits(date + dlen - 4, 2, &mo) == -1 ||
	    dt_digits(date + dlen - 2, 2, &d) == -1 ||
	    dt_digits(timestr, 2, &h) == -1 ||
	    dt_digits(timestr + 2, 2, &mi) == -1 ||
	    dt_digits(timestr + 4, 2, &s) == -1)
		return (-1);
	if (dlen == 8) {
		/* RFC 3977 7.3.2: the century digits are 19 to 99. */
		if (yy < 1900)
			return (-1);
		y = yy;
	} else {
		/*
		 * RFC 3977 7.3.2: the current century if yy is at most the
		 * current year's last two digits, else the previous one.
		 */
		dt_split(now, &ny, &nmo, &nd, &nh, &nmi, &ns, &nw);
		y = ny - ny % 100 + yy;
		if (yy > ny % 100)
			y -= 100;
	}
	/* RFC 3977 7.3.2: seconds 00-60, for leap seconds. */
	if (mo < 1 || mo > 12 || d < 1 || d > dt_mdays(y, mo) || h > 23 ||
	    mi > 59 || s > 60)
		return (-1);
	t = dt_days_from_civil(y, mo, d) * DT_DAY + h * 3600L + mi * 60L + s;
	if (!gmt)
		t -= utc_offset;
	*out = (time_t)t;
	return (0);
}

void
nntp_date_format(time_t t, char buf[15])
{
	long	y;
	int	mo, d, h, mi, s, wd;

	dt_split(t, &y, &mo, &d, &h, &mi, &s, &wd);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	snprintf(buf, 15, "%04ld%02d%02d%02d%02d%02d", y, mo, d, h, mi, s);
}

void
rfc5322_date_format(time_t t, char buf[32])
{
	long	y;
	int	mo, d, h, mi, s, wd;

	dt_split(t, &y, &mo, &d, &h, &mi, &s, &wd);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	snprintf(buf, 32, "%s, %d %s %04ld %02d:%02d:%02d +0000",
	    dt_wdays[wd], d, dt_months[mo - 1], y, h, mi, s);
}

/* ---- RFC 5322 date-time --------------------------------------------- */

struct dt_scan {
	const char	*p;
	const char	*end;
	const char	*err;
};

/*
 * Skip CFWS: white space (including CRLF of a folded field) and comments,
 * which nest and may hold quoted-pairs (RFC 5322 3.2.2).  Iterative, with
 * a depth counter, so hostile nesting cannot exhaust the stack.
 */
static int
dt_skip_cfws(struct dt_scan *sc)
{
	size_t	depth = 0;

	while (sc->p < sc->end) {
		char c = *sc->p;

		if (depth > 0 && c == '\\') {
			sc->p++;
			if (sc->p < sc->end)
				sc->p++;
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')') {
			if (depth == 0) {
				sc->err = "unbalanced comment";
				return (-1);
			}
			depth--;
		} else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' &&
		    c != '\n')
			break;
		sc->p++;
	}
	if (depth > 0) {
		sc->err = "unterminated comment";
		return (-1);
	}
	return (0);
}

/* Read a run of digits (at most 9 of them); returns how many. */
static size_t
dt_number(struct dt_scan *sc, long *v)
{
	size_t	n = 0;

	*v = 0;
	while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9') {
		if (n == 9)
			return (10);
		*v = *v * 10 + (*sc->p - '0');
		sc->p++;
		n++;
	}
	return (n);
}

/* Read a run of letters into buf (at most bufsz - 1); returns length. */
static size_t
dt_word(struct dt_scan *sc, char *buf, size_t bufsz)
{
	size_t	n = 0;

	while (sc->p < sc->end && ((*sc->p >= 'a' && *sc->p <= 'z') ||
	    (*sc->p >= 'A' && *sc->p <= 'Z'))) {
		if (n + 1 >= bufsz)
			return (bufsz);
		buf[n++] = *sc->p++;
	}
	buf[n] = '\0';
	return (n);
}

static int
dt_expect(struct dt_scan *sc, char c)
{
	if (dt_skip_cfws(sc) == -1)
		return (-1);
	if (sc->p >= sc->end || *sc->p != c)
		return (-1);
	sc->p++;
	return (dt_skip_cfws(sc));
}

/*
 * The zone: "+hhmm" / "-hhmm", or a name (RFC 5322 4.3 obs-zone).  Named
 * US zones have their offsets; military letters and unknown names mean
 * "-0000", an unknown offset, which is UTC for arithmetic.
 */
static int
dt_zone(struct dt_scan *sc, long *offset)
{
	static const struct {
		const char	*name;
		int		 hours;
	} zones[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 },
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	char	 name[8];
	long	 v;
	size_t	 n, i;
	int	 sign;

	if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-')) {
		sign = *sc->p == '-' ? -1 : 1;
		sc->p++;
		if (dt_number(sc, &v) != 4 || v % 100 > 59) {
			sc->err = "bad zone offset";
			return (-1);
		}
		*offset = sign * ((v / 100) * 3600 + (v % 100) * 60);
		return (0);
	}
	n = dt_word(sc, name, sizeof(name));
	if (n == 0 || n > 5) {
		sc->err = "missing or bad zone";
		return (-1);
	}
	*offset = 0;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcasecmp(name, zones[i].name) == 0)
			*offset = zones[i].hours * 3600L;
	return (0);
}

/* RFC 5322 3.3 [ day-of-week "," ]: optional.  -1 with sc->err (or NULL:
   "bad date") on an error, as every step below. */
static int
dt_day_of_week(struct dt_scan *sc)
{
	char	word[8];
	size_t	n, i;

	if (sc->p >= sc->end || (*sc->p >= '0' && *sc->p <= '9'))
		return (0);
	n = dt_word(sc, word, sizeof(word));
	for (i = 0; i < 7 && n == 3; i++)
		if (strcasecmp(word, dt_wdays[i]) == 0)
			break;
	if (n != 3 || i == 7) {
		sc->err = "bad day of week";
		return (-1);
	}
	if (dt_expect(sc, ',') == -1) {
		if (sc->err == NULL)
			sc->err = "missing comma after day of week";
		return (-1);
	}
	return (0);
}

/* day month year, the year as RFC 5322 4.3 reads obsolete forms. */
static int
dt_date(struct dt_scan *sc, long *day, int *month, long *year)
{
	char	word[8];
	size_t	n, i;

	n = dt_number(sc, day);
	if (n < 1 || n > 2) {
		sc->err = "bad day";
		return (-1);
	}
	if (dt_skip_cfws(sc) == -1)
		return (-1);
	*month = 0;
	if (dt_word(sc, word, sizeof(word)) == 3)
		for (i = 0; i < 12; i++)
			if (strcasecmp(word, dt_months[i]) == 0)
				*month = (int)i + 1;
	if (*month == 0) {
		sc->err = "bad month";
		return (-1);
	}
	if (dt_skip_cfws(sc) == -1)
		return (-1);
	/* RFC 5322 4.3: two-digit years are 1950..2049, three-digit years
	   are counted from 1900. */
	n = dt_number(sc, year);
	if (n == 2)
		*year += *year < 50 ? 2000 : 1900;
	else if (n == 3)
		*year += 1900;
	else if (n != 4 || *year < 1900) {
		sc->err = "bad year";
		return (-1);
	}
	return (dt_skip_cfws(sc));
}

/* hour ":" minute [ ":" second ], white space and comments after. */
static int
dt_time_of_day(struct dt_scan *sc, long *hour, long *min, long *sec)
{
	*sec = 0;
	if (dt_number(sc, hour) != 2 || dt_expect(sc, ':') == -1 ||
	    dt_number(sc, min) != 2) {
		sc->err = sc->err != NULL ? sc->err : "bad time of day";
		return (-1);
	}
	if (dt_skip_cfws(sc) == -1)
		return (-1);
	if (sc->p < sc->end && *sc->p == ':') {
		if (dt_expect(sc, ':') == -1 || dt_number(sc, sec) != 2) {
			sc->err = sc->err != NULL ? sc->err : "bad seconds";
			return (-1);
		}
		if (dt_skip_cfws(sc) == -1)
			return (-1);
	}
	return (0);
}

int
rfc5322_date_parse(const char *s, size_t len, time_t *out,
    const char **errstr)
{
	struct dt_scan	 sc = { s, s + len, NULL };
	long		 day, year, hour, min, sec, zone;
	int		 month;
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	*errstr = NULL;
	if (s == NULL || dt_skip_cfws(&sc) == -1 ||
	    dt_day_of_week(&sc) == -1 ||
	    dt_date(&sc, &day, &month, &year) == -1 ||
	    dt_time_of_day(&sc, &hour, &min, &sec) == -1 ||
	    dt_zone(&sc, &zone) == -1 || dt_skip_cfws(&sc) == -1)
		goto bad;
	if (sc.p != sc.end) {
		sc.err = "trailing garbage";
		goto bad;
	}
	/* RFC 5322 3.3: 00:00:00 to 23:59:60, and a real calendar day. */
	if (day < 1 || day > dt_mdays(year, month)) {
		sc.err = "no such day";
		goto bad;
	}
	if (hour > 23 || min > 59 || sec > 60) {
		sc.err = "time of day out of range";
		goto bad;
	}
	*out = (time_t)(dt_days_from_civil(year, month, (int)day) * DT_DAY +
	    hour * 3600 + min * 60 + sec - zone);
	return (0);
bad:
	*errstr = sc.err != NULL ? sc.err : "bad date";
	return (-1);
}
