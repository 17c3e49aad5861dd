/*
 * Injecting a proto-article (RFC 5537 3.5) and relaying one (RFC 5537 3.6):
 * both build the new header line by line through a fresh parser, so the
 * result's wire form, counts and fields are exactly what parsing it would
 * give; the body, parsed once already, is copied as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "article.h"
#include "article_int.h"
#include "datetime.h"
#include "msgid.h"

/* Fields a poster may not set and that injection drops (RFC 5537 3.5;
   the NNTP-Posting-* and X-* ones are what Injection-Info replaced). */
static const enum article_hid art_drop[] = {
	ART_H_XREF, ART_H_INJECTION_INFO, ART_H_NNTP_POSTING_HOST,
	ART_H_NNTP_POSTING_DATE, ART_H_X_TRACE, ART_H_X_COMPLAINTS_TO,
};

static int
art_push(struct article_parser *p, const char *s, size_t len)
{
	return (article_parser_push(p, s, len) == ARTICLE_OK ? 0 : -1);
}

/* Push the wire lines of wire[off..off+len) (CRLF-ended), un-stuffed. */
static int
art_push_wire(struct article_parser *p, const char *wire, size_t off,
    size_t len)
{
	const char	*s = wire + off, *end = wire + off + len, *nl;
	size_t		 n;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		n = (size_t)((nl != NULL ? nl : end) - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > 0 && s[0] == '.') {
			if (art_push(p, s + 1, n - 1) == -1)
				return (-1);
		} else if (art_push(p, s, n) == -1)
			return (-1);
		s = nl != NULL ? nl + 1 : end;
	}
	return (0);
}

/* Push "Name: value". */
static int
art_push_field(struct article_parser *p, const char *name, const char *value)
{
	size_t	 nlen = strlen(name), vlen = strlen(value);
	char	*line;
	int	 rc;

	if ((line = malloc(nlen + 2 + vlen)) == NULL)
		return (-1);
	memcpy(line, name, nlen);
	memcpy(line + nlen, ": ", 2);
	memcpy(line + nlen + 2, value, vlen);
	rc = art_push(p, line, nlen + 2 + vlen);
	free(line);
	return (rc);
}

/* The body: the empty line (if the source had one), then its lines,
   copied in wire form rather than parsed a second time. */
static int
art_push_body(struct article_parser *p, const struct article *a)
{
	return (art_parser_push_body(p, a) == ARTICLE_OK ? 0 : -1);
}

static struct article *
art_finish(struct article_parser *p, char *reason, size_t reasonlen)
{
	struct article	*out = NULL;

	if (article_parser_finish(p, &out) != ARTICLE_OK)
		art_reason(reason, reasonlen, "%s", article_parser_reason(p));
	article_parser_free(p);
	return (out);
}

/* A path-identity or diagnostic: the octets RFC 5536 3.1.5 allows. */
static int
art_path_chars(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
		    *s == '_' || *s == ':'))
			return (0);
	return (1);
}

/* Append ; name="value" with the value made a safe quoted-string. */
static void
art_param(char *buf, size_t *o, const char *name, const char *value)
{
	*o += (size_t)sprintf(buf + *o, "; %s=\"", name);
	for (; *value != '\0'; value++) {
		unsigned char c = *value;

		if (c < 32 || c > 126)
			continue;
		if (c == '"' || c == '\\')
			buf[(*o)++] = '\\';
		buf[(*o)++] = (char)c;
	}
	buf[(*o)++] = '"';
	buf[*o] = '\0';
}

static char *
art_injection_info(const struct article_injection *inj)
{
	size_t	 sz = strlen(inj->path_identity) + 1, o;
	char	*buf;

	/* Quoting at most doubles a value; 32 covers names and quotes. */
	if (inj->posting_host != NULL)
		sz += 32 + 2 * strlen(inj->posting_host);
	if (inj->posting_account != NULL)
		sz += 32 + 2 * strlen(inj->posting_account);
	if (inj->logging_data != NULL)
		sz += 32 + 2 * strlen(inj->logging_data);
	if (inj->complaints_to != NULL)
		sz += 32 + 2 * strlen(inj->complaints_to);
	if ((buf = malloc(sz)) == NULL)
		return (NULL);
	o = strlen(inj->path_identity);
	memcpy(buf, inj->path_identity, o + 1);
	if (inj->posting_host != NULL)
		art_param(buf, &o, "posting-host", inj->posting_host);
	if (inj->posting_account != NULL)
		art_param(buf, &o, "posting-account", inj->posting_account);
	if (inj->logging_data != NULL)
		art_param(buf, &o, "logging-data", inj->logging_data);
	if (inj->complaints_to != NULL)
		art_param(buf, &o, "mail-complaints-to", inj->complaints_to);
	return (buf);
}

/* "prefix!rest" in a new string. */
static char *
art_join_path(const char *prefix, const char *rest)
{
	size_t	 plen = strlen(prefix), rlen = strlen(rest);
	char	*s;

	if ((s = malloc(plen + 1 + rlen + 1)) == NULL)
		return (NULL);
	memcpy(s, prefix, plen);
	s[plen] = '!';
	memcpy(s + plen + 1, rest, rlen + 1);
	return (s);
}

static int
art_dropped(const struct article_header *h)
{
	size_t	i;

	if (h->valuelen == 0)
		return (1);
	for (i = 0; i < sizeof(art_drop) / sizeof(art_drop[0]); i++)
		if (h->id == art_drop[i])
			return (1);
	return (0);
}

/* The header fields of a, with the first Path replaced by `path` (or
   `path` first if a has none) and, if `inject`, the dropped ones left
   out. */
static int
art_push_headers(struct article_parser *p, const struct article *a,
    const char *path, int inject)
{
	const struct article_header	*h;
	size_t				 i;
	int				 path_done = 0;

	if (art_header_find_id(a, ART_H_PATH) == NULL) {
		if (art_push_field(p, "Path", path) == -1)
			return (-1);
		path_done = 1;
	}
	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		if (h->id == ART_H_PATH) {
			/* Empty ones go; only the first real one counts. */
			if (path_done || h->valuelen == 0)
				continue;
			path_done = 1;
			if (art_push_field(p, h->name, path) == -1)
				return (-1);
			continue;
		}
		if (inject && art_dropped(h))
			continue;
		/* A relayed Xref numbers the sender's articles, not ours:
		   the store writes our own. */
		if (!inject && h->id == ART_H_XREF)
			continue;
		if (art_push_wire(p, a->wire, h->off, h->len) == -1)
			return (-1);
	}
	return (0);
}

struct article *
article_inject(const struct article *a, const struct article_injection *inj,
    char *reason, size_t reasonlen)
{
	const struct article_header	*h;
	struct article_parser		*p = NULL;
	char				 date[32], lines[32];
	char				*prefix = NULL, *path = NULL;
	char				*mid = NULL, *info = NULL;
	size_t				 n;
	int				 has_mid, has_date, ok = 0;

	if (inj->path_identity == NULL || !art_path_chars(inj->path_identity)) {
		art_reason(reason, reasonlen, "Bad path identity");
		return (NULL);
	}
	has_mid = art_header_find_id(a, ART_H_MESSAGE_ID) != NULL;
	has_date = art_header_find_id(a, ART_H_DATE) != NULL;
	if (!has_mid) {
		if (inj->msgid_unique == NULL || inj->msgid_domain == NULL)
			goto bad_mid;
		n = strlen(inj->msgid_unique) + strlen(inj->msgid_domain) + 4;
		if ((mid = malloc(n)) == NULL)
			goto nomem;
		snprintf(mid, n, "<%s@%s>", inj->msgid_unique,
		    inj->msgid_domain);
		if (!msgid_valid(mid, strlen(mid)))
			goto bad_mid;
	}
	/* Path: identity!.POSTED[.host]!old-or-not-for-mail (RFC 5537
	   3.2.1); the host only if it is made of path octets. */
	n = strlen(inj->path_identity) + 9 +
	    (inj->posting_host != NULL ? strlen(inj->posting_host) + 1 : 0);
	if ((prefix = malloc(n)) == NULL)
		goto nomem;
	if (inj->posting_host != NULL && art_path_chars(inj->posting_host))
		snprintf(prefix, n, "%s!.POSTED.%s", inj->path_identity,
		    inj->posting_host);
	else
		snprintf(prefix, n, "%s!.POSTED", inj->path_identity);
	h = art_header_find_id(a, ART_H_PATH);
	if ((path = art_join_path(prefix, h != NULL ? h->value :
	    "not-for-mail")) == NULL)
		goto nomem;
	if ((info = art_injection_info(inj)) == NULL)
		goto nomem;
	rfc5322_date_format(inj->now, date);

	if ((p = article_parser_new(NULL)) == NULL ||
	    art_push_headers(p, a, path, 1) == -1)
		goto nomem;
	if (!has_mid && art_push_field(p, "Message-ID", mid) == -1)
		goto nomem;
	if (!has_date && art_push_field(p, "Date", date) == -1)
		goto nomem;
	/* RFC 5537 3.5: with both Message-ID and Date the poster may have
	   injected the article elsewhere too; copies must not differ. */
	if ((!has_mid || !has_date) &&
	    art_header_find_id(a, ART_H_INJECTION_DATE) == NULL &&
	    art_push_field(p, "Injection-Date", date) == -1)
		goto nomem;
	if (art_push_field(p, "Injection-Info", info) == -1)
		goto nomem;
	if (inj->add_lines && art_header_find_id(a, ART_H_LINES) == NULL) {
		snprintf(lines, sizeof(lines), "%zu", a->lines);
		if (art_push_field(p, "Lines", lines) == -1)
			goto nomem;
	}
	if (art_push_body(p, a) == -1)
		goto nomem;
	ok = 1;
	goto done;
bad_mid:
	art_reason(reason, reasonlen, "Cannot make a valid Message-ID");
	goto done;
nomem:
	art_reason(reason, reasonlen, "Out of memory");
done:
	free(prefix);
	free(path);
	free(mid);
	free(info);
	if (!ok) {
		article_parser_free(p);
		return (NULL);
	}
	return (art_finish(p, reason, reasonlen));
}

int
article_path_contains(const struct article *a, const char *identity)
{
	const struct article_header	*h;
	const char			*p, *end, *ent;
	size_t				 len, idlen = strlen(identity);

	h = art_header_find_id(a, ART_H_PATH);
	if (h == NULL || idlen == 0)
		return (0);
	p = h->value;
	end = p + h->valuelen;
	while (art_path_next(&p, end, &ent, &len))
		if (len == idlen && ent[0] != '.' &&
		    strncasecmp(ent, identity, len) == 0)
			return (1);
	return (0);
}

/* Lines of wire[0..len) that start with a stuffed dot. */
static size_t
art_count_stuffed(const char *wire, size_t len)
{
	const char	*p = wire, *end = wire + len, *nl;
	size_t		 n = 0;

	while (p < end) {
		if (*p == '.')
			n++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return (n);
}

/*
 * Relaying changes one field and drops a few, so the result is made
 * from the parsed article directly instead of pushing every line through
 * a new parser: the kept fields' wire is copied as it is (their offsets
 * moved), their names and values are copied in one block, the body in
 * one memcpy.  The result is what parsing its wire would give (the unit
 * tests and the fuzz target check exactly that).
 */
struct article *
article_path_prepend(const struct article *a, const char *identity,
    const char *diag)
{
	const struct article_header	*ph, *h;
	struct article_header		*nh;
	struct article			*b;
	const char			*name, *old;
	char				*val, *dst;
	size_t				 idlen, dlen, oldlen, vlen;
	size_t				 namelen, hmemlen, pathlen, wlen;
	size_t				 i, n, vs, ve, dropped, dots;

	ph = art_header_find_id(a, ART_H_PATH);
	name = ph != NULL ? ph->name : "Path";
	old = ph != NULL ? ph->value : "not-for-mail";
	idlen = strlen(identity);
	dlen = diag == NULL ? 0 : strcmp(diag, "!") == 0 ? 1 :
	    strlen(diag) + 1;
	oldlen = ph != NULL ? ph->valuelen : strlen(old);
	namelen = strlen(name);
	/* "identity[!diag]!old" */
	vlen = idlen + dlen + 1 + oldlen;
	/* A line end inside would end the field early: no such Path. */
	if (strpbrk(identity, "\r\n") != NULL || (diag != NULL &&
	    strpbrk(diag, "\r\n") != NULL))
		return (NULL);

	/* What goes: every Path field but the one replaced, every Xref. */
	dropped = dots = 0;
	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		if ((h->id == ART_H_PATH && h != ph) || h->id == ART_H_XREF) {
			dropped += h->len;
			dots += art_count_stuffed(a->wire + h->off, h->len);
		} else if (h == ph)
			dropped += h->len;
	}
	pathlen = namelen + 2 + vlen + 2;
	hmemlen = a->hmemlen;
	wlen = a->wire_len - dropped + pathlen;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	if ((b->wire = malloc(wlen)) == NULL ||
	    (b->headers = calloc(a->nheaders + 1, sizeof(*nh))) == NULL ||
	    (b->hmem = malloc(hmemlen + namelen + 1 + vlen + 1)) == NULL) {
		article_free(b);
		return (NULL);
	}
	if (hmemlen > 0)
		memcpy(b->hmem, a->hmem, hmemlen);
	/* The new value, after the old fields' names and values. */
	val = b->hmem + hmemlen;
	dst = val;
	memcpy(dst, identity, idlen);
	dst += idlen;
	if (dlen == 1)
		*dst++ = '!';
	else if (dlen > 1) {
		*dst++ = '!';
		memcpy(dst, diag, dlen - 1);
		dst += dlen - 1;
	}
	*dst++ = '!';
	memcpy(dst, old, oldlen);
	dst += oldlen;
	*dst++ = '\0';
	/* The name, for a Path that was not there. */
	if (ph == NULL) {
		memcpy(dst, name, namelen + 1);
		name = dst;
		dst += namelen + 1;
	} else
		name = b->hmem + (ph->name - a->hmem);
	/* The value as a parser keeps it: white space around it cut. */
	vs = 0;
	ve = vlen;
	while (vs < ve && ART_WSP(val[vs]))
		vs++;
	while (ve > vs && ART_WSP(val[ve - 1]))
		ve--;

	n = 0;
	b->wire_len = 0;
	b->hmemlen = (size_t)(dst - b->hmem);
#define ADD_PATH() do {							\
	nh = &b->headers[n++];						\
	nh->name = name;						\
	nh->value = val + vs;						\
	nh->valuelen = ve - vs;						\
	nh->off = b->wire_len;						\
	nh->len = pathlen;						\
	nh->id = ART_H_PATH;						\
	memcpy(b->wire + b->wire_len, name, namelen);			\
	memcpy(b->wire + b->wire_len + namelen, ": ", 2);		\
	memcpy(b->wire + b->wire_len + namelen + 2, val, vlen);		\
	memcpy(b->wire + b->wire_len + namelen + 2 + vlen, "\r\n", 2);	\
	b->wire_len += pathlen;						\
} while (0)
	if (ph == NULL)
		ADD_PATH();
	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		if (h == ph) {
			ADD_PATH();
			continue;
		}
		if (h->id == ART_H_PATH || h->id == ART_H_XREF)
			continue;
		nh = &b->headers[n++];
		*nh = *h;
		nh->name = b->hmem + (h->name - a->hmem);
		nh->value = b->hmem + (h->value - a->hmem);
		nh->off = b->wire_len;
		memcpy(b->wire + b->wire_len, a->wire + h->off, h->len);
		b->wire_len += h->len;
	}
#undef ADD_PATH
	b->nheaders = n;
	for (i = 0; i < n; i++)
		if (b->headers[i].id != ART_H_OTHER &&
		    b->hfirst[b->headers[i].id] == 0)
			b->hfirst[b->headers[i].id] = i + 1;
	b->header_len = b->wire_len;
	/* The empty line and the body, as they are. */
	memcpy(b->wire + b->wire_len, a->wire + a->header_len,
	    a->wire_len - a->header_len);
	b->wire_len += a->wire_len - a->header_len;
	b->stuffed_dots = a->stuffed_dots - dots;
	b->lines = a->lines;
	b->has_body = a->has_body;
	return (b);
}
