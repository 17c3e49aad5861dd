/*
 * rnews batches, mbox archives and INN's active, newsgroups and history
 * lines (newsimport.h).  Every function only looks at the caller's bytes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "newsimport.h"

static const char *
line_end(const char *p, const char *end)
{
	const char	*nl;

	nl = memchr(p, '\n', (size_t)(end - p));
	return (nl != NULL ? nl : end);
}

/* Digits at [*p, end) into *v, at most max; -1 if none or more. */
static int
parse_digits(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	const char	*s = *p;
	uint64_t	 n = 0;

	if (s == end || *s < '0' || *s > '9')
		return (-1);
	while (s < end && *s >= '0' && *s <= '9') {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > max)
			return (-1);
		s++;
	}
	*p = s;
	*v = n;
	return (0);
}

static int
parse_u32(const char **p, const char *end, uint32_t *v)
{
	uint64_t	n;

	if (parse_digits(p, end, UINT32_MAX, &n) == -1)
		return (-1);
	*v = (uint32_t)n;
	return (0);
}

/* Seconds since the epoch, bounded well inside time_t. */
static int
parse_time(const char **p, const char *end, time_t *v)
{
	uint64_t	n;

	if (parse_digits(p, end, UINT64_C(1) << 40, &n) == -1)
		return (-1);
	*v = (time_t)n;
	return (0);
}

/* ---- rnews ----------------------------------------------------------- */

int
rnews_next(const char *buf, size_t len, size_t *pos, const char **art,
    size_t *artlen, const char **why)
{
	const char	*p = buf + *pos, *end = buf + len, *eol;
	uint64_t	 n = 0;

	*why = "";
	while (p < end && *p == '\n')
		p++;
	*pos = (size_t)(p - buf);
	if (p == end)
		return (0);
	eol = line_end(p, end);
	if ((size_t)(eol - p) >= 11 && memcmp(p, "#! cunbatch", 11) == 0) {
		*why = "compressed batch (#! cunbatch): uncompress it first, "
		    "or give it gzip-compressed";
		return (-1);
	}
	if ((size_t)(eol - p) < 10 || memcmp(p, "#! rnews ", 9) != 0) {
		*why = "expected a \"#! rnews COUNT\" line";
		return (-1);
	}
	p += 9;
	while (p < eol && *p == ' ')
		p++;
	if (p == eol || *p < '0' || *p > '9') {
		*why = "bad count in the \"#! rnews\" line";
		return (-1);
	}
	while (p < eol && *p >= '0' && *p <= '9') {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > len) {
			*why = "\"#! rnews\" count runs past the end of the batch";
			return (-1);
		}
		p++;
	}
	while (p < eol && (*p == ' ' || *p == '\r'))
		p++;
	if (p != eol || eol == end) {
		*why = "bad \"#! rnews\" line";
		return (-1);
	}
	p = eol + 1;
	if (n > (uint64_t)(end - p)) {
		*why = "\"#! rnews\" count runs past the end of the batch";
		return (-1);
	}
	*art = p;
	*artlen = (size_t)n;
	*pos = (size_t)(p - buf) + (size_t)n;
	return (1);
}

size_t
rnews_line(char *buf, size_t artlen)
{
	return ((size_t)snprintf(buf, RNEWS_LINE_MAX, "#! rnews %zu\n",
	    artlen));
}

/* ---- mbox ------------------------------------------------------------ */

static int
is_from_line(const char *p, const char *end)
{
	return (end - p >= 5 && memcmp(p, "From ", 5) == 0);
}

int
mbox_next(const char *buf, size_t len, size_t *pos, const char **from,
    size_t *fromlen, const char **msg, size_t *msglen)
{
	const char	*p = buf + *pos, *end = buf + len, *eol, *q, *stop;

	while (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end &&
	    p[1] == '\n')))
		p += *p == '\n' ? 1 : 2;
	if (p == end) {
		*pos = len;
		return (0);
	}
	if (!is_from_line(p, end))
		return (-1);
	eol = line_end(p, end);
	*from = p;
	*fromlen = (size_t)(eol - p);
	if (*fromlen > 0 && p[*fromlen - 1] == '\r')
		(*fromlen)--;
	q = eol < end ? eol + 1 : end;
	*msg = q;
	/* The message ends at the empty line before the next From_ line. */
	stop = end;
	while (q < end) {
		eol = line_end(q, end);
		if ((eol == q || (eol == q + 1 && *q == '\r')) && eol < end &&
		    is_from_line(eol + 1, end)) {
			stop = q;
			break;
		}
		q = eol < end ? eol + 1 : end;
	}
	*msglen = (size_t)(stop - *msg);
	/* The last message too is followed by an empty line (RFC 4155):
	   the separator, not part of the message. */
	if (stop == end && *msglen >= 2 && (*msg)[*msglen - 1] == '\n' &&
	    (*msg)[*msglen - 2] == '\n')
		(*msglen)--;
	*pos = stop == end ? len : (size_t)(line_end(stop, end) + 1 - buf);
	return (1);
}

size_t
mbox_unescape_skip(const char *line, size_t len)
{
	size_t	i = 0;

	while (i < len && line[i] == '>')
		i++;
	return (i > 0 && len - i >= 5 && memcmp(line + i, "From ", 5) == 0);
}

int
mbox_needs_escape(const char *line, size_t len)
{
	size_t	i = 0;

	while (i < len && line[i] == '>')
		i++;
	return (len - i >= 5 && memcmp(line + i, "From ", 5) == 0);
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };

/* Days since the epoch of a proleptic Gregorian date (civil calendar). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

int
mbox_from_parse(const char *line, size_t len, const char **sender,
    size_t *senderlen, time_t *when)
{
	const char	*p = line, *end = line + len, *s;
	uint32_t	 day, hh, mm, ss, year;
	unsigned	 mon;

	*when = 0;
	if (!is_from_line(p, end))
		return (-1);
	p += 5;
	while (p < end && *p == ' ')
		p++;
	s = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (p == s)
		return (-1);
	*sender = s;
	*senderlen = (size_t)(p - s);
	/* "Www Mmm dd hh:mm:ss yyyy" */
	while (p < end && *p == ' ')
		p++;
	if (end - p < 4 || p[3] != ' ')
		return (0);
	p += 4;
	for (mon = 0; mon < 12; mon++)
		if (end - p >= 4 && memcmp(p, months[mon], 3) == 0 &&
		    p[3] == ' ')
			break;
	if (mon == 12)
		return (0);
	p += 4;
	while (p < end && *p == ' ')
		p++;
	if (parse_u32(&p, end, &day) == -1 || p == end || *p++ != ' ' ||
	    parse_u32(&p, end, &hh) == -1 || p == end || *p++ != ':' ||
	    parse_u32(&p, end, &mm) == -1 || p == end || *p++ != ':' ||
	    parse_u32(&p, end, &ss) == -1)
		return (0);
	while (p < end && *p == ' ')
		p++;
	if (parse_u32(&p, end, &year) == -1 || year < 1970 || year > 9999 ||
	    day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return (0);
	*when = (time_t)(days_from_civil(year, mon + 1, day) * 86400 +
	    hh * 3600 + mm * 60 + ss);
	return (0);
}

void
mbox_date_format(time_t t, char buf[25])
{
	int64_t		days, y, z, era;
	unsigned	doe, yoe, doy, mp, d, m, secs;

	if (t < 0)
		t = 0;
	days = (int64_t)t / 86400;
	secs = (unsigned)((int64_t)t % 86400);
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, 25, "%s %s %2u %02u:%02u:%02u %04d",
	    wdays[(days % 7 + 11) % 7], months[m - 1], d, secs / 3600,
	    secs / 60 % 60, secs % 60, (int)(y > 9999 ? 9999 : y));
}

/* ---- INN's files ----------------------------------------------------- */

static int
is_space(char c)
{
	return (c == ' ' || c == '\t');
}

int
inn_active_parse(const char *line, size_t len, struct inn_active *out)
{
	const char	*p = line, *end = line + len;

	memset(out, 0, sizeof(*out));
	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (p == end || is_space(*p) || *p == '#')
		return (-1);
	out->name = p;
	while (p < end && !is_space(*p))
		p++;
	out->namelen = (size_t)(p - out->name);
	while (p < end && is_space(*p))
		p++;
	if (parse_u32(&p, end, &out->high) == -1 || p == end || !is_space(*p))
		return (-1);
	while (p < end && is_space(*p))
		p++;
	if (parse_u32(&p, end, &out->low) == -1 || p == end || !is_space(*p))
		return (-1);
	while (p < end && is_space(*p))
		p++;
	if (p == end)
		return (-1);
	out->flag = *p++;
	switch (out->flag) {
	case 'y': case 'n': case 'm': case 'j': case 'x':
		break;
	case '=':
		out->alias = p;
		while (p < end && !is_space(*p))
			p++;
		out->aliaslen = (size_t)(p - out->alias);
		if (out->aliaslen == 0)
			return (-1);
		break;
	default:
		return (-1);
	}
	while (p < end && is_space(*p))
		p++;
	return (p == end ? 0 : -1);
}

int
inn_newsgroups_parse(const char *line, size_t len, const char **name,
    size_t *namelen, const char **desc, size_t *desclen)
{
	const char	*p = line, *end = line + len;

	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (p == end || is_space(*p) || *p == '#')
		return (-1);
	*name = p;
	while (p < end && !is_space(*p))
		p++;
	*namelen = (size_t)(p - *name);
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	*desc = p;
	*desclen = (size_t)(end - p);
	return (0);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
inn_history_parse(const char *line, size_t len, struct inn_history *out)
{
	const char	*p = line, *end = line + len;
	time_t		 expires;
	int		 i, hi, lo;

	memset(out, 0, sizeof(*out));
	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end - p < 34 || p[0] != '[' || p[33] != ']')
		return (-1);
	for (i = 0; i < 16; i++) {
		if ((hi = hexval(p[1 + 2 * i])) == -1 ||
		    (lo = hexval(p[2 + 2 * i])) == -1)
			return (-1);
		out->hash[i] = (uint8_t)(hi << 4 | lo);
	}
	p += 34;
	if (p == end || *p++ != '\t')
		return (-1);
	if (parse_time(&p, end, &out->arrived) == -1)
		return (-1);
	if (p < end && *p == '~') {
		p++;
		if (p < end && *p == '-')
			p++;
		else if (parse_time(&p, end, &expires) == -1)
			return (-1);
		if (p < end && *p == '~') {
			p++;
			if (parse_time(&p, end, &out->posted) == -1)
				return (-1);
		}
	}
	if (p == end)
		return (0);
	if (*p++ != '\t' || end - p < 2 || *p != '@' || end[-1] != '@')
		return (-1);
	out->stored = 1;
	return (0);
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
}

void
inn_msgid_hash_input(const char *msgid, size_t len, char *out)
{
	const char	*at;
	size_t		 i, from;

	memcpy(out, msgid, len);
	if ((at = memchr(msgid, '@', len)) == NULL)
		return;
	from = (size_t)(at - msgid) + 1;
	if (len >= 11 && msgid[0] == '<') {
		static const char pm[] = "postmaster";

		for (i = 0; i < 10; i++)
			if (lower(msgid[1 + i]) != pm[i])
				break;
		if (i == 10 && msgid[11] == '@')
			from = 0;
	}
	for (i = from; i < len; i++)
		out[i] = lower(out[i]);
}
