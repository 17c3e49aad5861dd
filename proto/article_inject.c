/*
 * Injecting a proto-article (RFC 5537 3.5) and relaying one (RFC 5537 3.6):
 * both build the new article from the parsed one (art_build), without
 * parsing anything again, so that its wire form, counts and fields are
 * exactly what parsing it would give; the body is copied as it is.
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

/* A field the builder writes as "name: value". */
struct art_add {
	const char	*name;
	const char	*value;
};

static void
art_add_set(struct art_add *f, const char *name, const char *value)
{
	f->name = name;
	f->value = value;
}

/* What an anonymous post drops besides: who the poster is, where they
   write from, what they look like (docs/security.md). */
static const enum article_hid art_drop_anon[] = {
	ART_H_FROM, ART_H_SENDER, ART_H_REPLY_TO, ART_H_ORGANIZATION,
	ART_H_MESSAGE_ID,
};
static const char *const art_drop_anon_names[] = {
	"X-Face", "Face", "X-Sender", "X-Originating-IP", "X-Trace",
	"X-Posting-Account",
};

static int
art_dropped_anon(const struct article_header *h)
{
	size_t	i;

	for (i = 0; i < sizeof(art_drop_anon) / sizeof(art_drop_anon[0]); i++)
		if (h->id == art_drop_anon[i])
			return (1);
	if (h->id != ART_H_OTHER)
		return (0);
	for (i = 0; i < sizeof(art_drop_anon_names) /
	    sizeof(art_drop_anon_names[0]); i++)
		if (strcasecmp(h->name, art_drop_anon_names[i]) == 0)
			return (1);
	return (0);
}

/* Does building drop h (besides the Path fields it replaces)?  inject is
   ART_BUILD_INJECT, or ART_BUILD_ANON for an anonymous post. */
#define ART_BUILD_RELAY		0
#define ART_BUILD_INJECT	1
#define ART_BUILD_ANON		2
/* Or'ed in: the poster's Cancel-Lock is rewritten as one field. */
#define ART_BUILD_LOCK		4
static int
art_build_drops(const struct article_header *h, int inject)
{
	if ((inject & ART_BUILD_LOCK) && h->id == ART_H_OTHER &&
	    strcasecmp(h->name, "Cancel-Lock") == 0)
		return (1);
	inject &= ~ART_BUILD_LOCK;
	/* A request to the injecting agent (policy/anon.h), not part of
	   the article. */
	if (inject && h->id == ART_H_OTHER &&
	    strcasecmp(h->name, "X-Loom-Anonymous") == 0)
		return (1);
	if (inject == ART_BUILD_ANON && art_dropped_anon(h))
		return (1);
	if (inject)
		return (art_dropped(h));
	/* A relayed Xref numbers the sender's articles, not ours: the
	   store writes our own. */
	return (h->id == ART_H_XREF);
}

/*
 * Write "name: value" as the next field of b, whose wire, headers and
 * hmem were sized for it: name and value as a parser keeps them (the
 * value's white space around it cut).
 */
static void
art_build_put(struct article *b, const struct art_add *f,
    enum article_hid id)
{
	struct article_header	*nh;
	char			*dst;
	size_t			 namelen = strlen(f->name);
	size_t			 vlen = strlen(f->value), vs, ve;

	dst = b->hmem + b->hmemlen;
	memcpy(dst, f->name, namelen + 1);
	memcpy(dst + namelen + 1, f->value, vlen + 1);
	b->hmemlen += namelen + 1 + vlen + 1;
	vs = 0;
	ve = vlen;
	while (vs < ve && ART_WSP(f->value[vs]))
		vs++;
	while (ve > vs && ART_WSP(f->value[ve - 1]))
		ve--;
	dst[namelen + 1 + ve] = '\0';
	nh = &b->headers[b->nheaders++];
	nh->name = dst;
	nh->value = dst + namelen + 1 + vs;
	nh->valuelen = ve - vs;
	nh->off = b->wire_len;
	nh->len = namelen + 2 + vlen + 2;
	nh->id = id;
	memcpy(b->wire + b->wire_len, f->name, namelen);
	memcpy(b->wire + b->wire_len + namelen, ": ", 2);
	memcpy(b->wire + b->wire_len + namelen + 2, f->value, vlen);
	memcpy(b->wire + b->wire_len + namelen + 2 + vlen, "\r\n", 2);
	b->wire_len += nh->len;
}

/*
 * Relaying and injecting change a few fields, so the result is made from
 * the parsed article directly instead of pushing every line through a
 * new parser: a's fields in order, their wire copied as it is (offsets
 * moved), their names and values copied in one block; the first Path
 * with a value becomes "<its name>: <path>" (a "Path: <path>" comes
 * first when there is none), other Path fields go, and so do Xref (or,
 * if inject, what injection drops); then add[0..nadd) as "name: value";
 * then the empty line and the body in one memcpy.  The result is what
 * parsing its wire would give (the unit tests and the fuzz target check
 * exactly that).  NULL when out of memory, or when a value would hold a
 * line end.
 */
static struct article *
art_build(const struct article *a, const char *path, int inject,
    const struct art_add *add, size_t nadd)
{
	const struct article_header	*ph, *h;
	struct art_add			 pf;
	struct article_header		*nh;
	struct article			*b;
	const struct art_add		*f;
	size_t				 i, k, n, namelen, vlen;
	size_t				 wlen, memlen, dots;

	ph = art_header_find_id(a, ART_H_PATH);
	pf.name = ph != NULL ? ph->name : "Path";
	pf.value = path;
	/* Sizes: the kept fields, then the new ones. */
	wlen = a->wire_len;
	memlen = a->hmemlen;
	dots = 0;
	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		if (h == ph || h->id == ART_H_PATH ||
		    art_build_drops(h, inject)) {
			wlen -= h->len;
			if (h != ph)
				dots += art_count_stuffed(a->wire + h->off,
				    h->len);
		}
	}
	for (k = 0; k <= nadd; k++) {
		f = k == 0 ? &pf : &add[k - 1];
		if (strpbrk(f->value, "\r\n") != NULL)
			return (NULL);
		namelen = strlen(f->name);
		vlen = strlen(f->value);
		wlen += namelen + 2 + vlen + 2;
		memlen += namelen + 1 + vlen + 1;
	}

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	if ((b->wire = malloc(wlen)) == NULL ||
	    (b->headers = calloc(a->nheaders + 1 + nadd,
	    sizeof(*nh))) == NULL ||
	    (b->hmem = malloc(memlen)) == NULL) {
		article_free(b);
		return (NULL);
	}
	if (a->hmemlen > 0)
		memcpy(b->hmem, a->hmem, a->hmemlen);
	b->hmemlen = a->hmemlen;
	if (ph == NULL)
		art_build_put(b, &pf, ART_H_PATH);
	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		if (h == ph) {
			art_build_put(b, &pf, ART_H_PATH);
			continue;
		}
		if (h->id == ART_H_PATH || art_build_drops(h, inject))
			continue;
		nh = &b->headers[b->nheaders++];
		*nh = *h;
		nh->name = b->hmem + (h->name - a->hmem);
		nh->value = b->hmem + (h->value - a->hmem);
		nh->off = b->wire_len;
		memcpy(b->wire + b->wire_len, a->wire + h->off, h->len);
		b->wire_len += h->len;
	}
	for (k = 0; k < nadd; k++)
		art_build_put(b, &add[k], article_hid(add[k].name,
		    strlen(add[k].name)));
	n = b->nheaders;
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

/*
 * The Cancel-Lock value of the injected article: the poster's c-locks
 * (every Cancel-Lock field, in order: RFC 8315 2.1 allows one, but
 * nothing a poster set is thrown away) and the injecting agent's.  ""
 * when the caller adds none and the poster had none.  NULL when out of
 * memory.
 */
static char *
art_cancel_lock(const struct article *a, const struct article_injection *inj,
    const char *msgid)
{
	const struct article_header	*h;
	char				 ours[512];
	char				*v;
	size_t				 i, n = 1, o = 0, len;

	if (inj->cancel_lock(msgid, ours, sizeof(ours),
	    inj->cancel_lock_arg) == -1 || strpbrk(ours, "\r\n") != NULL)
		ours[0] = '\0';
	n += strlen(ours) + 1;
	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		if (h->id == ART_H_OTHER &&
		    strcasecmp(h->name, "Cancel-Lock") == 0)
			n += h->valuelen + 1;
	}
	if ((v = malloc(n)) == NULL)
		return (NULL);
	v[0] = '\0';
	for (i = 0; i < a->nheaders; i++) {
		h = &a->headers[i];
		if (h->id != ART_H_OTHER ||
		    strcasecmp(h->name, "Cancel-Lock") != 0 ||
		    h->valuelen == 0)
			continue;
		if (o > 0)
			v[o++] = ' ';
		memcpy(v + o, h->value, h->valuelen);
		o += h->valuelen;
		v[o] = '\0';
	}
	if ((len = strlen(ours)) > 0) {
		if (o > 0)
			v[o++] = ' ';
		memcpy(v + o, ours, len + 1);
	}
	return (v);
}

struct article *
article_inject(const struct article *a, const struct article_injection *inj,
    char *reason, size_t reasonlen)
{
	const struct article_header	*h;
	struct article			*b = NULL;
	struct art_add			 add[7];
	char				 date[32], lines[32];
	char				*prefix = NULL, *path = NULL;
	char				*mid = NULL, *info = NULL, *lock = NULL;
	size_t				 n;
	int				 has_mid, has_date, anon, build;

	if (inj->path_identity == NULL || !art_path_chars(inj->path_identity)) {
		art_reason(reason, reasonlen, "Bad path identity");
		return (NULL);
	}
	anon = inj->anonymous_from != NULL;
	build = anon ? ART_BUILD_ANON : ART_BUILD_INJECT;
	/* A newsreader's Message-ID often names the poster's machine: an
	   anonymous post gets the server's own. */
	has_mid = !anon && art_header_find_id(a, ART_H_MESSAGE_ID) != NULL;
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
	/* The poster's own Path may name their machine: not when
	   anonymous. */
	h = anon ? NULL : art_header_find_id(a, ART_H_PATH);
	if ((path = art_join_path(prefix, h != NULL ? h->value :
	    "not-for-mail")) == NULL)
		goto nomem;
	if ((info = art_injection_info(inj)) == NULL)
		goto nomem;
	rfc5322_date_format(inj->now, date);

	n = 0;
	if (!has_mid)
		art_add_set(&add[n++], "Message-ID", mid);
	if (!has_date)
		art_add_set(&add[n++], "Date", date);
	/* RFC 5537 3.5: with both Message-ID and Date the poster may have
	   injected the article elsewhere too; copies must not differ. */
	if ((!has_mid || !has_date) &&
	    art_header_find_id(a, ART_H_INJECTION_DATE) == NULL)
		art_add_set(&add[n++], "Injection-Date", date);
	if (anon)
		art_add_set(&add[n++], "From", inj->anonymous_from);
	art_add_set(&add[n++], "Injection-Info", info);
	if (inj->add_lines && art_header_find_id(a, ART_H_LINES) == NULL) {
		snprintf(lines, sizeof(lines), "%zu", a->lines);
		art_add_set(&add[n++], "Lines", lines);
	}
	if (inj->cancel_lock != NULL) {
		if ((lock = art_cancel_lock(a, inj, has_mid ?
		    art_header_find_id(a, ART_H_MESSAGE_ID)->value : mid)) ==
		    NULL)
			goto nomem;
		if (lock[0] != '\0') {
			art_add_set(&add[n++], "Cancel-Lock", lock);
			build |= ART_BUILD_LOCK;
		}
	}
	if ((b = art_build(a, path, build, add, n)) == NULL)
		goto nomem;
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
	free(lock);
	return (b);
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

struct article *
article_path_prepend(const struct article *a, const char *identity,
    const char *diag)
{
	const struct article_header	*h = art_header_find_id(a, ART_H_PATH);
	struct article			*b;
	char				*prefix, *path;
	size_t				 n;

	n = strlen(identity) + (diag != NULL ? strlen(diag) + 1 : 0) + 1;
	if ((prefix = malloc(n)) == NULL)
		return (NULL);
	if (diag == NULL)
		snprintf(prefix, n, "%s", identity);
	else if (strcmp(diag, "!") == 0)
		snprintf(prefix, n, "%s!", identity);
	else
		snprintf(prefix, n, "%s!%s", identity, diag);
	path = art_join_path(prefix, h != NULL ? h->value : "not-for-mail");
	free(prefix);
	if (path == NULL)
		return (NULL);
	b = art_build(a, path, ART_BUILD_RELAY, NULL, 0);
	free(path);
	return (b);
}
