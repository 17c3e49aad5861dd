/*
 * The article parser (lines in, wire form and header fields out), header
 * lookup, the scanners shared by the article*.c files, and the thread and
 * overview extraction.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "article.h"
#include "article_int.h"
#include "msgid.h"

/* Where a field's name and value start in the parser's hmem: pointers
   are made at the end, when the block no longer moves. */
struct art_hoff {
	size_t	name;
	size_t	value;
};

struct article_parser {
	struct article_limits	 lim;
	enum article_status	 status;
	char			 reason[ARTICLE_REASON_MAX];
	int			 finished;
	int			 in_body;
	size_t			 nlines;	/* pushed, stored or not */
	size_t			 octets;

	char			*wire;
	size_t			 len;
	size_t			 cap;
	size_t			 header_len;
	size_t			 stuffed;
	size_t			 body_lines;

	struct article_header	*hdrs;
	struct art_hoff		*hoffs;
	size_t			 nhdrs;
	size_t			 hcap;
	size_t			 hfirst[ART_H_MAX];

	/*
	 * Every field's text, one block: the lines of the field being read
	 * are appended as they come (unfolded: without their CRLFs), and
	 * when it ends it is split in place into "name\0value\0".  One
	 * allocation for the whole header, not one per field.
	 */
	char			*hmem;
	size_t			 hlen;
	size_t			 hmemcap;
	int			 have_cur;
	size_t			 cur_start;	/* in hmem */
	size_t			 cur_namelen;
	size_t			 cur_off;	/* in wire */
	size_t			 cur_wirelen;
	size_t			 cur_line;	/* its first line, from 1 */
};

/* The names with a number (enum article_hid), in its order. */
static const struct {
	const char	*name;
	size_t		 len;
} art_hnames[ART_H_MAX] = {
#define N(s)	{ s, sizeof(s) - 1 }
	{ NULL, 0 },
	N("Path"), N("From"), N("Newsgroups"), N("Subject"), N("Message-ID"),
	N("Date"), N("References"), N("In-Reply-To"), N("Xref"),
	N("Injection-Date"), N("Injection-Info"), N("Followup-To"),
	N("Expires"), N("Sender"), N("Lines"), N("Approved"), N("Archive"),
	N("Bcc"), N("Cc"), N("Control"), N("Distribution"),
	N("Organization"), N("Reply-To"), N("Summary"), N("Supersedes"),
	N("To"), N("User-Agent"), N("NNTP-Posting-Host"),
	N("NNTP-Posting-Date"), N("X-Trace"), N("X-Complaints-To"),
#undef N
};

const char *
article_hid_name(enum article_hid id)
{
	if (id <= ART_H_OTHER || id >= ART_H_MAX)
		return ("");
	return (art_hnames[id].name);
}

enum article_hid
article_hid(const char *name, size_t len)
{
	/* The candidates of each length: one to six names. */
	static const enum article_hid l2[] = { ART_H_CC, ART_H_TO };
	static const enum article_hid l3[] = { ART_H_BCC };
	static const enum article_hid l4[] = { ART_H_PATH, ART_H_FROM,
	    ART_H_DATE, ART_H_XREF };
	static const enum article_hid l5[] = { ART_H_LINES };
	static const enum article_hid l6[] = { ART_H_SENDER };
	static const enum article_hid l7[] = { ART_H_SUBJECT, ART_H_EXPIRES,
	    ART_H_ARCHIVE, ART_H_CONTROL, ART_H_SUMMARY, ART_H_X_TRACE };
	static const enum article_hid l8[] = { ART_H_APPROVED,
	    ART_H_REPLY_TO };
	static const enum article_hid l10[] = { ART_H_NEWSGROUPS,
	    ART_H_MESSAGE_ID, ART_H_REFERENCES, ART_H_SUPERSEDES,
	    ART_H_USER_AGENT };
	static const enum article_hid l11[] = { ART_H_IN_REPLY_TO,
	    ART_H_FOLLOWUP_TO };
	static const enum article_hid l12[] = { ART_H_DISTRIBUTION,
	    ART_H_ORGANIZATION };
	static const enum article_hid l14[] = { ART_H_INJECTION_DATE,
	    ART_H_INJECTION_INFO };
	static const enum article_hid l15[] = { ART_H_X_COMPLAINTS_TO };
	static const enum article_hid l17[] = { ART_H_NNTP_POSTING_HOST,
	    ART_H_NNTP_POSTING_DATE };
	const enum article_hid	*c;
	size_t			 n, i;

#define CASE(k)	case k: c = l##k; n = sizeof(l##k) / sizeof(*l##k); break
	switch (len) {
	CASE(2); CASE(3); CASE(4); CASE(5); CASE(6); CASE(7); CASE(8);
	CASE(10); CASE(11); CASE(12); CASE(14); CASE(15); CASE(17);
	default:
		return (ART_H_OTHER);
	}
#undef CASE
	/* The first letter rules out all but one before a comparison
	   (c | 0x20 folds ASCII case; two other octets it makes equal
	   are told apart by the full comparison). */
	for (i = 0; i < n; i++)
		if ((art_hnames[c[i]].name[0] | 0x20) == (name[0] | 0x20) &&
		    strncasecmp(art_hnames[c[i]].name, name, len) == 0)
			return (c[i]);
	return (ART_H_OTHER);
}

static const char *const article_status_text[] = {
	"OK",
	"Article too large",
	"Too many header fields",
	"Header field too long",
	"Article has too many lines",
	"Malformed header",
	"Out of memory",
	"Body holds a NUL or a bare CR",
};

const char *
article_status_str(enum article_status st)
{
	if ((size_t)st >= sizeof(article_status_text) /
	    sizeof(article_status_text[0]))
		return ("Unknown error");
	return (article_status_text[st]);
}

int
art_reason(char *reason, size_t reasonlen, const char *fmt, ...)
{
	va_list	ap;

	if (reason != NULL && reasonlen > 0) {
		va_start(ap, fmt);
		vsnprintf(reason, reasonlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* ---- Growing buffers ------------------------------------------------- */

/* Make room for `need` more octets in *buf of *cap holding len. */
static int
art_grow(char **buf, size_t *cap, size_t len, size_t need)
{
	size_t	 ncap;
	char	*nbuf;

	if (need <= *cap - len)
		return (0);
	if (need > SIZE_MAX / 2 - len)
		return (-1);
	/* Most articles are a few KiB: start there, not at a fraction. */
	ncap = *cap < 4096 ? 4096 : *cap;
	while (ncap - len < need)
		ncap *= 2;
	if ((nbuf = realloc(*buf, ncap)) == NULL)
		return (-1);
	*buf = nbuf;
	*cap = ncap;
	return (0);
}

/* ---- The parser ------------------------------------------------------ */

struct article_parser *
article_parser_new(const struct article_limits *lim)
{
	struct article_parser	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	if (lim != NULL)
		p->lim = *lim;
	return (p);
}

static enum article_status
art_fail(struct article_parser *p, enum article_status st, const char *fmt,
    ...)
{
	va_list	ap;

	p->status = st;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	return (st);
}

/* RFC 5322 3.6.8 ftext: printable US-ASCII except ":". */
static int
art_ftext(unsigned char c)
{
	return (c >= 33 && c <= 126 && c != ':');
}

/* The field being read is complete: split it into name and value, in
   place in hmem, and number its name. */
static enum article_status
art_end_field(struct article_parser *p)
{
	struct article_header	*h;
	struct art_hoff		*o;
	char			*blk;
	size_t			 namelen, vs, ve, ncap;

	if (!p->have_cur)
		return (ARTICLE_OK);
	p->have_cur = 0;
	if (p->nhdrs == p->hcap) {
		ncap = p->hcap < 16 ? 16 : p->hcap * 2;
		if (ncap > SIZE_MAX / sizeof(*h))
			return (art_fail(p, ARTICLE_NOMEM, "Out of memory"));
		if ((h = realloc(p->hdrs, ncap * sizeof(*h))) == NULL)
			return (art_fail(p, ARTICLE_NOMEM, "Out of memory"));
		p->hdrs = h;
		if ((o = realloc(p->hoffs, ncap * sizeof(*o))) == NULL)
			return (art_fail(p, ARTICLE_NOMEM, "Out of memory"));
		p->hoffs = o;
		p->hcap = ncap;
	}
	/* The first line was checked: the name ends at a colon. */
	blk = p->hmem + p->cur_start;
	namelen = p->cur_namelen;
	vs = namelen + 1;
	ve = p->hlen - p->cur_start;
	while (vs < ve && ART_WSP(blk[vs]))
		vs++;
	while (ve > vs && ART_WSP(blk[ve - 1]))
		ve--;
	/* Room for blk[ve] was kept when the lines were appended. */
	blk[namelen] = '\0';
	blk[ve] = '\0';
	p->hlen = p->cur_start + ve + 1;
	h = &p->hdrs[p->nhdrs];
	o = &p->hoffs[p->nhdrs];
	h->name = NULL;
	h->value = NULL;
	h->valuelen = ve - vs;
	h->off = p->cur_off;
	h->len = p->cur_wirelen;
	h->id = article_hid(blk, namelen);
	o->name = p->cur_start;
	o->value = p->cur_start + vs;
	p->nhdrs++;
	if (h->id != ART_H_OTHER && p->hfirst[h->id] == 0)
		p->hfirst[h->id] = p->nhdrs;
	return (ARTICLE_OK);
}

/* Append a line to the wire: stuffed, with CRLF. */
static enum article_status
art_append_wire(struct article_parser *p, const char *line, size_t len)
{
	int	stuff = len > 0 && line[0] == '.';

	if (art_grow(&p->wire, &p->cap, p->len, len + 2 + stuff) == -1)
		return (art_fail(p, ARTICLE_NOMEM, "Out of memory"));
	if (stuff) {
		p->wire[p->len++] = '.';
		p->stuffed++;
	}
	memcpy(p->wire + p->len, line, len);
	p->len += len;
	p->wire[p->len++] = '\r';
	p->wire[p->len++] = '\n';
	return (ARTICLE_OK);
}

/* One line of the header section (not the empty line). */
static enum article_status
art_push_header(struct article_parser *p, const char *line, size_t len)
{
	size_t	wirelen = len + 2 + (line[0] == '.'), i;

	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) != NULL)
		return (art_fail(p, ARTICLE_BAD_HEADER,
		    "Header line %zu contains a NUL or CR", p->nlines));
	if (ART_WSP(line[0])) {
		/* A folded continuation of the current field. */
		if (!p->have_cur)
			return (art_fail(p, ARTICLE_BAD_HEADER,
			    "Header line %zu continues no field", p->nlines));
		if (p->lim.max_header_len != 0 &&
		    p->cur_wirelen + wirelen > p->lim.max_header_len)
			return (art_fail(p, ARTICLE_HEADER_TOO_LONG,
			    "Header field at line %zu too long (limit %zu "
			    "octets)", p->cur_line, p->lim.max_header_len));
		p->cur_wirelen += wirelen;
	} else {
		if (art_end_field(p) != ARTICLE_OK)
			return (p->status);
		if (memchr(line, ':', len) == NULL)
			return (art_fail(p, ARTICLE_BAD_HEADER,
			    "Header line %zu has no colon", p->nlines));
		for (i = 0; art_ftext((unsigned char)line[i]); i++)
			;
		if (line[i] != ':')
			return (art_fail(p, ARTICLE_BAD_HEADER,
			    "Header line %zu has a bad field name", p->nlines));
		if (i == 0)
			return (art_fail(p, ARTICLE_BAD_HEADER,
			    "Header line %zu has an empty field name",
			    p->nlines));
		if (p->lim.max_headers != 0 &&
		    p->nhdrs >= p->lim.max_headers)
			return (art_fail(p, ARTICLE_TOO_MANY_HEADERS,
			    "Too many header fields (limit %zu)",
			    p->lim.max_headers));
		if (p->lim.max_header_len != 0 &&
		    wirelen > p->lim.max_header_len)
			return (art_fail(p, ARTICLE_HEADER_TOO_LONG,
			    "Header field at line %zu too long (limit %zu "
			    "octets)", p->nlines, p->lim.max_header_len));
		p->have_cur = 1;
		p->cur_start = p->hlen;
		p->cur_namelen = i;
		p->cur_off = p->len;
		p->cur_wirelen = wirelen;
		p->cur_line = p->nlines;
	}
	/* One octet more for the NUL that ends the value. */
	if (art_grow(&p->hmem, &p->hmemcap, p->hlen, len + 1) == -1)
		return (art_fail(p, ARTICLE_NOMEM, "Out of memory"));
	memcpy(p->hmem + p->hlen, line, len);
	p->hlen += len;
	return (art_append_wire(p, line, len));
}

enum article_status
article_parser_push(struct article_parser *p, const char *line, size_t len)
{
	size_t	wirelen;

	if (line == NULL) {
		line = "";
		len = 0;
	}
	wirelen = len + 2 + (len > 0 && line[0] == '.');
	p->nlines++;
	p->octets += len;
	if (p->status != ARTICLE_OK || p->finished)
		return (p->status);
	if (p->lim.max_lines != 0 && p->nlines > p->lim.max_lines)
		return (art_fail(p, ARTICLE_TOO_MANY_LINES,
		    "Article has too many lines (limit %zu)",
		    p->lim.max_lines));
	if (p->lim.max_size != 0 && (wirelen > p->lim.max_size ||
	    p->len > p->lim.max_size - wirelen))
		return (art_fail(p, ARTICLE_TOO_BIG,
		    "Article too large (limit %zu octets)", p->lim.max_size));
	if (p->in_body) {
		p->body_lines++;
		/* RFC 3977 3.6: no NUL, and CR only in the CRLF pairs that
		   the wire form adds. */
		if (memchr(line, '\0', len) != NULL ||
		    memchr(line, '\r', len) != NULL)
			return (art_fail(p, ARTICLE_BAD_BODY, "Body line %zu "
			    "holds a NUL or a bare CR (RFC 3977 3.6)",
			    p->body_lines));
		return (art_append_wire(p, line, len));
	}
	if (len > 0)
		return (art_push_header(p, line, len));
	/* The empty line: the header ends. */
	if (art_end_field(p) != ARTICLE_OK)
		return (p->status);
	p->header_len = p->len;
	p->in_body = 1;
	return (art_append_wire(p, line, len));
}

enum article_status
article_parser_finish(struct article_parser *p, struct article **out)
{
	struct article	*a;
	size_t		 i;

	*out = NULL;
	if (p->finished || p->status != ARTICLE_OK) {
		p->finished = 1;
		return (p->status);
	}
	p->finished = 1;
	if (art_end_field(p) != ARTICLE_OK)
		return (p->status);
	if (!p->in_body) {
		/* No empty line: add it, so header_len means the same
		   for every stored article. */
		p->header_len = p->len;
		if (art_append_wire(p, "", 0) != ARTICLE_OK)
			return (p->status);
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return (art_fail(p, ARTICLE_NOMEM, "Out of memory"));
	a->wire = p->wire;
	a->wire_len = p->len;
	a->header_len = p->header_len;
	a->stuffed_dots = p->stuffed;
	a->lines = p->body_lines;
	a->has_body = p->in_body;
	a->headers = p->hdrs;
	a->nheaders = p->nhdrs;
	a->hmem = p->hmem;
	a->hmemlen = p->hlen;
	memcpy(a->hfirst, p->hfirst, sizeof(a->hfirst));
	for (i = 0; i < p->nhdrs; i++) {
		a->headers[i].name = p->hmem + p->hoffs[i].name;
		a->headers[i].value = p->hmem + p->hoffs[i].value;
	}
	p->wire = NULL;
	p->hdrs = NULL;
	p->hmem = NULL;
	p->nhdrs = 0;
	*out = a;
	return (ARTICLE_OK);
}

const char *
article_parser_reason(const struct article_parser *p)
{
	return (p->status == ARTICLE_OK ? "" : p->reason);
}

size_t
article_parser_lines(const struct article_parser *p)
{
	return (p->nlines);
}

size_t
article_parser_octets(const struct article_parser *p)
{
	return (p->octets);
}

void
article_parser_free(struct article_parser *p)
{
	if (p == NULL)
		return;
	free(p->wire);
	free(p->hdrs);
	free(p->hoffs);
	free(p->hmem);
	free(p);
}

void
article_free(struct article *a)
{
	if (a == NULL)
		return;
	free(a->wire);
	free(a->headers);
	free(a->hmem);
	free(a);
}

/* ---- Lookup ---------------------------------------------------------- */

/*
 * A name Loom knows has its number, matched once at parse time: looking
 * it up compares numbers from its first field on.  Another name is
 * compared only with the fields that have no number (a field with one
 * cannot have that name).
 */

const struct article_header *
article_header_by_id(const struct article *a, enum article_hid id)
{
	if (id <= ART_H_OTHER || id >= ART_H_MAX || a->hfirst[id] == 0)
		return (NULL);
	return (&a->headers[a->hfirst[id] - 1]);
}

const char *
article_header_get(const struct article *a, const char *name)
{
	const struct article_header	*h;
	enum article_hid		 id = article_hid(name, strlen(name));
	size_t				 i;

	if (id != ART_H_OTHER) {
		h = article_header_by_id(a, id);
		return (h != NULL ? h->value : NULL);
	}
	for (i = 0; i < a->nheaders; i++)
		if (a->headers[i].id == ART_H_OTHER &&
		    strcasecmp(a->headers[i].name, name) == 0)
			return (a->headers[i].value);
	return (NULL);
}

const struct article_header *
art_header_find_id(const struct article *a, enum article_hid id)
{
	size_t	i;

	if (id <= ART_H_OTHER || id >= ART_H_MAX || a->hfirst[id] == 0)
		return (NULL);
	for (i = a->hfirst[id] - 1; i < a->nheaders; i++)
		if (a->headers[i].id == id && a->headers[i].valuelen > 0)
			return (&a->headers[i]);
	return (NULL);
}

const struct article_header *
art_header_find(const struct article *a, const char *name)
{
	enum article_hid	id = article_hid(name, strlen(name));
	size_t			i;

	if (id != ART_H_OTHER)
		return (art_header_find_id(a, id));
	for (i = 0; i < a->nheaders; i++)
		if (a->headers[i].id == ART_H_OTHER &&
		    a->headers[i].valuelen > 0 &&
		    strcasecmp(a->headers[i].name, name) == 0)
			return (&a->headers[i]);
	return (NULL);
}

size_t
art_header_count_id(const struct article *a, enum article_hid id)
{
	size_t	i, n = 0;

	if (id <= ART_H_OTHER || id >= ART_H_MAX || a->hfirst[id] == 0)
		return (0);
	for (i = a->hfirst[id] - 1; i < a->nheaders; i++)
		if (a->headers[i].id == id)
			n++;
	return (n);
}

size_t
article_header_count(const struct article *a, const char *name)
{
	enum article_hid	id = article_hid(name, strlen(name));
	size_t			i, n = 0;

	if (id != ART_H_OTHER)
		return (art_header_count_id(a, id));
	for (i = 0; i < a->nheaders; i++)
		if (a->headers[i].id == ART_H_OTHER &&
		    strcasecmp(a->headers[i].name, name) == 0)
			n++;
	return (n);
}

const char *
article_header_block(const struct article *a, size_t *len)
{
	*len = a->header_len;
	return (a->wire);
}

/* ---- Shared scanners ------------------------------------------------- */

int
art_skip_cfws(const char **pp, const char *end)
{
	const char	*p = *pp;
	size_t		 depth = 0;

	while (p < end) {
		if (depth > 0 && *p == '\\') {
			p++;
			if (p < end)
				p++;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')') {
			if (depth == 0)
				return (-1);
			depth--;
		} else if (depth == 0 && !ART_WSP(*p) && *p != '\r' &&
		    *p != '\n')
			break;
		p++;
	}
	*pp = p;
	return (depth == 0 ? 0 : -1);
}

int
art_list_next(const char **pp, const char *end, const char **item,
    size_t *len)
{
	const char	*p = *pp, *s, *e;

	if (p >= end)
		return (0);
	s = p;
	while (p < end && *p != ',')
		p++;
	e = p;
	*pp = p < end ? p + 1 : p;
	while (s < e && (ART_WSP(*s) || *s == '\r' || *s == '\n'))
		s++;
	while (e > s && (ART_WSP(e[-1]) || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*item = s;
	*len = (size_t)(e - s);
	return (1);
}

int
article_list_next(const char **pp, const char *end, const char **item,
    size_t *len)
{
	return (art_list_next(pp, end, item, len));
}

int
art_path_next(const char **pp, const char *end, const char **ent,
    size_t *len)
{
	const char	*p = *pp, *s;

	if (p >= end)
		return (0);
	s = p;
	while (p < end && *p != '!')
		p++;
	*ent = s;
	*len = (size_t)(p - s);
	if (p < end) {
		p++;
		/* RFC 5536 3.1.5: FWS may follow a "!". */
		while (p < end && (ART_WSP(*p) || *p == '\r' || *p == '\n'))
			p++;
	}
	*pp = p;
	return (1);
}

/* ---- Threading and overview ------------------------------------------ */

/*
 * The next msg-id in a References or In-Reply-To value, malformed ones
 * skipped: "<" up to the next ">", checked with the loose RFC 3977 form
 * since a reply may well cite an old, odd id.
 */
static int
art_msgid_next(const char **pp, const char *end, const char **id,
    size_t *len)
{
	const char	*p = *pp, *lt, *gt;

	while ((lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		gt = memchr(lt, '>', (size_t)(end - lt));
		if (gt == NULL)
			break;
		/* Of "<junk <id>" take the last "<": one pass, linear. */
		for (p = gt; p > lt && *p != '<'; p--)
			;
		lt = p;
		p = gt + 1;
		if (msgid_valid_nntp(lt, (size_t)(gt - lt + 1))) {
			*pp = p;
			*id = lt;
			*len = (size_t)(gt - lt + 1);
			return (1);
		}
	}
	*pp = end;
	return (0);
}

/* Copy s[0..len) into *dst as a NUL-terminated string; returns it. */
static const char *
art_put(char **dst, const char *s, size_t len)
{
	char	*r = *dst;

	memcpy(r, s, len);
	r[len] = '\0';
	*dst += len + 1;
	return (r);
}

/* Append an overview field with TAB, CR and LF made spaces. */
static void
art_put_over(char **dst, const char *v)
{
	for (; v != NULL && *v != '\0'; v++)
		*(*dst)++ = (*v == '\t' || *v == '\r' || *v == '\n') ?
		    ' ' : *v;
}

/* The overview fields, in order (RFC 3977 8.3). */
static const enum article_hid art_over[] = {
	ART_H_SUBJECT, ART_H_FROM, ART_H_DATE, ART_H_MESSAGE_ID,
	ART_H_REFERENCES
};

/* The first field's value (article_header_get), by number. */
static const char *
art_value(const struct article *a, enum article_hid id)
{
	const struct article_header	*h = article_header_by_id(a, id);

	return (h != NULL ? h->value : NULL);
}

/* What article_thread_extract takes from the header, measured before it
   is copied into one allocation. */
struct art_thread_src {
	const char	*refs;		/* References value, or NULL */
	size_t		 nref;		/* its msg-ids */
	size_t		 keep;		/* of those, the ones kept */
	const char	*irt_id;	/* without References: In-Reply-To's */
	size_t		 irt_len;	/* last msg-id, the parent */
	const char	*ngs;		/* Newsgroups value, or NULL */
	size_t		 ngroup;	/* its valid names */
	const char	*ms;		/* Message-ID's msg-id, or NULL */
	size_t		 mlen;
	size_t		 strsz;		/* octets of every string copied */
};

/* Is the i-th of nref msg-ids kept: the first, and the last keep - 1? */
static int
art_ref_kept(size_t i, size_t nref, size_t keep)
{
	return (i == 0 || i >= nref - (keep - 1));
}

/* Pass 1: count and size everything. */
static void
art_thread_measure(const struct article *a, struct art_thread_src *src)
{
	const char	*irt = art_value(a, ART_H_IN_REPLY_TO);
	const char	*mid = art_value(a, ART_H_MESSAGE_ID);
	const char	*p, *end, *item, *v;
	size_t		 i, len;

	memset(src, 0, sizeof(*src));
	src->refs = art_value(a, ART_H_REFERENCES);
	src->ngs = art_value(a, ART_H_NEWSGROUPS);
	if (src->refs != NULL) {
		p = src->refs;
		end = src->refs + strlen(src->refs);
		while (art_msgid_next(&p, end, &item, &len))
			src->nref++;
	}
	if (src->nref == 0 && irt != NULL) {
		/* The last msg-id of In-Reply-To is the parent. */
		p = irt;
		end = irt + strlen(irt);
		while (art_msgid_next(&p, end, &item, &len)) {
			src->irt_id = item;
			src->irt_len = len;
		}
		if (src->irt_id != NULL)
			src->strsz += src->irt_len + 1;
	}
	src->keep = src->nref > ARTICLE_REFS_MAX ? ARTICLE_REFS_MAX :
	    src->nref;
	if (src->refs != NULL) {
		p = src->refs;
		end = src->refs + strlen(src->refs);
		for (i = 0; art_msgid_next(&p, end, &item, &len); i++)
			if (art_ref_kept(i, src->nref, src->keep))
				src->strsz += len + 1;
	}
	if (src->ngs != NULL) {
		p = src->ngs;
		end = src->ngs + strlen(src->ngs);
		while (art_list_next(&p, end, &item, &len))
			if (article_newsgroup_valid(item, len)) {
				src->ngroup++;
				src->strsz += len + 1;
			}
	}
	if (mid != NULL) {
		p = mid;
		end = mid + strlen(mid);
		if (art_msgid_next(&p, end, &src->ms, &src->mlen))
			src->strsz += src->mlen + 1;
		else
			src->ms = NULL;
	}
	for (i = 0; i < 5; i++) {
		v = art_value(a, art_over[i]);
		src->strsz += (v != NULL ? strlen(v) : 0) + 1;
	}
}

/* Pass 2, the links: refs (or the In-Reply-To msg-id), parent, root. */
static void
art_thread_fill_refs(struct article_thread *t,
    const struct art_thread_src *src, char **dst)
{
	const char	*p, *end, *item;
	size_t		 i, len;

	if (src->refs != NULL && src->keep > 0) {
		p = src->refs;
		end = src->refs + strlen(src->refs);
		for (i = 0; art_msgid_next(&p, end, &item, &len); i++)
			if (art_ref_kept(i, src->nref, src->keep))
				t->refs[t->nrefs++] = art_put(dst, item, len);
	} else if (src->irt_id != NULL)
		t->refs[t->nrefs++] = art_put(dst, src->irt_id, src->irt_len);
	if (t->nrefs > 0) {
		t->root = t->refs[0];
		t->parent = t->refs[t->nrefs - 1];
	}
}

/* Pass 2, the valid names of Newsgroups. */
static void
art_thread_fill_groups(struct article_thread *t,
    const struct art_thread_src *src, char **dst)
{
	const char	*p, *end, *item;
	size_t		 len;

	if (src->ngs == NULL)
		return;
	p = src->ngs;
	end = src->ngs + strlen(src->ngs);
	while (art_list_next(&p, end, &item, &len))
		if (article_newsgroup_valid(item, len))
			t->groups[t->ngroups++] = art_put(dst, item, len);
}

int
article_thread_extract(const struct article *a, struct article_thread *t)
{
	struct art_thread_src	 src;
	char			*dst;
	size_t			 n, narr;

	memset(t, 0, sizeof(*t));
	art_thread_measure(a, &src);
	narr = src.keep + (src.irt_id != NULL) + src.ngroup;
	if ((t->mem = malloc(narr * sizeof(char *) + src.strsz)) == NULL)
		return (-1);

	/* Pass 2: fill.  The pointer arrays come first, for alignment. */
	t->refs = (const char **)(void *)t->mem;
	t->groups = t->refs + src.keep + (src.irt_id != NULL);
	dst = t->mem + narr * sizeof(char *);
	art_thread_fill_refs(t, &src, &dst);
	art_thread_fill_groups(t, &src, &dst);
	if (src.ms != NULL)
		t->msgid = art_put(&dst, src.ms, src.mlen);
	t->overview = dst;
	for (n = 0; n < 5; n++) {
		art_put_over(&dst, art_value(a, art_over[n]));
		*dst++ = n < 4 ? '\t' : '\0';
	}
	return (0);
}

void
article_thread_free(struct article_thread *t)
{
	free(t->mem);
	memset(t, 0, sizeof(*t));
}
