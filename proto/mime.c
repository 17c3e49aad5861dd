/* MIME, RFC 2047 and charset decoding to UTF-8; HTML and URL escaping. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

void
mime_buf_add(struct mime_buf *b, const void *p, size_t len)
{
	size_t	 cap;
	char	*np;

	if (b->oom || len == 0)
		return;
	if (len > SIZE_MAX / 2 - b->len) {
		b->oom = 1;
		return;
	}
	if (b->len + len + 1 > b->cap) {
		cap = b->cap < 256 ? 256 : b->cap;
		while (cap < b->len + len + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
mime_buf_adds(struct mime_buf *b, const char *s)
{
	mime_buf_add(b, s, strlen(s));
}

void
mime_buf_free(struct mime_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Length of the valid UTF-8 sequence at p (n octets left), 0 if none:
   no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char	c = p[0];

	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0);
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return (0);
		if (c == 0xe0 && p[1] < 0xa0)
			return (0);
		if (c == 0xed && p[1] >= 0xa0)
			return (0);
		return (3);
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return (0);
		if (c == 0xf0 && p[1] < 0x90)
			return (0);
		if (c == 0xf4 && p[1] >= 0x90)
			return (0);
		return (4);
	}
	return (0);
}

/* Append UTF-8 text, each invalid octet and control as U+FFFD; CR goes. */
static void
utf8_clean(const char *in, size_t len, struct mime_buf *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 i = 0, start = 0, l;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			i++;
			continue;
		}
		if (p[i] == '\t' || p[i] == '\n') {
			i++;
			continue;
		}
		/* U+FFFE and U+FFFF are not characters (and not XML). */
		if (p[i] >= 0x80 && (l = utf8_seq(p + i, len - i)) != 0 &&
		    !(l == 3 && p[i] == 0xef && p[i + 1] == 0xbf &&
		    p[i + 2] >= 0xbe)) {
			i += l;
			continue;
		}
		if (p[i] >= 0x80 && l == 3) {
			mime_buf_add(out, in + start, i - start);
			mime_buf_add(out, replacement, 3);
			start = i += 3;
			continue;
		}
		mime_buf_add(out, in + start, i - start);
		if (p[i] != '\r')
			mime_buf_add(out, replacement, 3);
		start = ++i;
	}
	mime_buf_add(out, in + start, i - start);
}

static int
charset_is_utf8(const char *cs)
{
	return (cs == NULL || *cs == '\0' || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0 || strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0);
}

int
mime_to_utf8(const char *charset, const char *in, size_t len,
    struct mime_buf *out)
{
	iconv_t	 cd;
	char	 chunk[4096], *inp, *outp;
	size_t	 inleft, outleft, r;

	if (charset_is_utf8(charset)) {
		utf8_clean(in, len, out);
		return (0);
	}
	if ((cd = iconv_open("UTF-8", charset)) == (iconv_t)-1) {
		utf8_clean(in, len, out);
		return (-1);
	}
	inp = (char *)(uintptr_t)in;
	inleft = len;
	for (;;) {
		outp = chunk;
		outleft = sizeof(chunk);
		if (inleft == 0)
			r = iconv(cd, NULL, NULL, &outp, &outleft);
		else
			r = iconv(cd, &inp, &inleft, &outp, &outleft);
		utf8_clean(chunk, sizeof(chunk) - outleft, out);
		if (r != (size_t)-1) {
			if (inleft == 0 && outp == chunk)
				break;
			continue;
		}
		if (errno == E2BIG)
			continue;
		/* EILSEQ: one bad octet; EINVAL: a sequence cut short at
		   the end.  Either way the reader sees that something was
		   there. */
		mime_buf_add(out, replacement, 3);
		if (errno == EILSEQ && inleft > 0) {
			inp++;
			inleft--;
			continue;
		}
		inleft = 0;
		break;
	}
	iconv_close(cd);
	return (0);
}

int
mime_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

size_t
mime_qp_decode(const char *in, size_t len, char *out, int header)
{
	size_t	i = 0, o = 0, j;
	int	hi, lo;

	while (i < len) {
		if (in[i] == '_' && header) {
			out[o++] = ' ';
			i++;
			continue;
		}
		if (in[i] != '=') {
			out[o++] = in[i++];
			continue;
		}
		if (i + 2 < len &&
		    (hi = mime_hexval((unsigned char)in[i + 1])) != -1 &&
		    (lo = mime_hexval((unsigned char)in[i + 2])) != -1) {
			out[o++] = (char)(hi << 4 | lo);
			i += 3;
			continue;
		}
		/* A soft line break: "=", optional trailing white space,
		   the line end. */
		j = i + 1;
		while (j < len && (in[j] == ' ' || in[j] == '\t'))
			j++;
		if (j < len && in[j] == '\r')
			j++;
		if (j < len && in[j] == '\n') {
			i = j + 1;
			continue;
		}
		if (j == len && !header) {
			i = j;
			continue;
		}
		out[o++] = in[i++];
	}
	return (o);
}

int
mime_b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

size_t
mime_b64_decode(const char *in, size_t len, char *out)
{
	size_t		i, o = 0;
	unsigned	acc = 0, n = 0;
	int		v;

	for (i = 0; i < len; i++) {
		if (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' ||
		    in[i] == '\n')
			continue;
		if (in[i] == '=')
			break;
		if ((v = mime_b64val((unsigned char)in[i])) == -1)
			return ((size_t)-1);
		acc = acc << 6 | (unsigned)v;
		if (++n == 4) {
			out[o++] = (char)(acc >> 16);
			out[o++] = (char)(acc >> 8);
			out[o++] = (char)acc;
			acc = 0;
			n = 0;
		}
	}
	if (n == 2)
		out[o++] = (char)(acc >> 4);
	else if (n == 3) {
		out[o++] = (char)(acc >> 10);
		out[o++] = (char)(acc >> 2);
	}
	return (o);
}

static int
charset_char(int c)
{
	return (isalnum(c) || c == '.' || c == '_' || c == ':' || c == '+' ||
	    c == '-');
}

/* Longest encoded-word text taken; RFC 2047 says 75 for the whole word,
   but real posters write longer ones and they still mean something. */
#define EW_TEXT_MAX	4096

/*
 * An encoded-word "=?charset[*lang]?E?text?=" at s (n octets)?  Returns
 * its length and fills charset, enc and the text span, or 0.
 */
static size_t
ew_parse(const char *s, size_t n, char *charset, int *enc,
    const char **text, size_t *textlen)
{
	size_t	i = 2, cs, t;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return (0);
	while (i < n && charset_char((unsigned char)s[i]))
		i++;
	cs = i - 2;
	if (cs == 0 || cs > MIME_CHARSET_MAX || i >= n)
		return (0);
	memcpy(charset, s + 2, cs);
	charset[cs] = '\0';
	if (s[i] == '*') {	/* RFC 2231 language: ignored */
		while (i < n && s[i] != '?' && s[i] != ' ')
			i++;
	}
	if (i + 3 > n || s[i] != '?')
		return (0);
	*enc = toupper((unsigned char)s[i + 1]);
	if ((*enc != 'B' && *enc != 'Q') || s[i + 2] != '?')
		return (0);
	i += 3;
	t = i;
	while (i + 1 < n && !(s[i] == '?' && s[i + 1] == '=')) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f ||
		    i - t > EW_TEXT_MAX)
			return (0);
		i++;
	}
	if (i + 1 >= n)
		return (0);
	*text = s + t;
	*textlen = i - t;
	return (i + 2);
}

struct ew_pending {
	struct mime_buf	 raw;
	char		 charset[MIME_CHARSET_MAX + 1];
};

static void
ew_flush(struct ew_pending *pd, struct mime_buf *out)
{
	if (pd->raw.len > 0)
		mime_to_utf8(pd->charset, pd->raw.p, pd->raw.len, out);
	pd->raw.len = 0;
	pd->charset[0] = '\0';
}

/* Decode one encoded-word's text into pd; -1 if it does not decode. */
static int
ew_decode(const char *charset, int enc, const char *text, size_t tlen,
    struct ew_pending *pd, struct mime_buf *out)
{
	char	*tmp;
	size_t	 n;

	if ((tmp = malloc(tlen + 3)) == NULL) {
		out->oom = 1;
		return (-1);
	}
	if (enc == 'Q')
		n = mime_qp_decode(text, tlen, tmp, 1);
	else
		n = mime_b64_decode(text, tlen, tmp);
	if (n == (size_t)-1) {
		free(tmp);
		return (-1);
	}
	if (pd->raw.len > 0 && strcasecmp(pd->charset, charset) != 0)
		ew_flush(pd, out);
	memcpy(pd->charset, charset, strlen(charset) + 1);
	mime_buf_add(&pd->raw, tmp, n);
	free(tmp);
	return (0);
}

void
mime_header_decode(const char *in, size_t len, struct mime_buf *out)
{
	struct ew_pending	 pd;
	char			*s, cs[MIME_CHARSET_MAX + 1];
	const char		*text, *q;
	size_t			 n = 0, i, j, ewlen, tlen, k;
	int			 enc;

	if ((s = malloc(len + 1)) == NULL) {
		out->oom = 1;
		return;
	}
	/* Unfold: a line break followed by white space is the space. */
	for (i = 0; i < len; i++)
		if (in[i] != '\r' && in[i] != '\n')
			s[n++] = in[i];
	memset(&pd, 0, sizeof(pd));
	i = 0;
	while (i < n) {
		if ((ewlen = ew_parse(s + i, n - i, cs, &enc, &text,
		    &tlen)) != 0 && ew_decode(cs, enc, text, tlen, &pd,
		    out) == 0) {
			i += ewlen;
			/* White space between encoded-words is not text. */
			j = i;
			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j > i && ew_parse(s + j, n - j, cs, &enc, &text,
			    &tlen) != 0)
				i = j;
			continue;
		}
		ew_flush(&pd, out);
		/* Literal text up to the next "=?" (past this one). */
		k = i + 1;
		q = k < n ? memmem(s + k, n - k, "=?", 2) : NULL;
		k = q != NULL ? (size_t)(q - s) : n;
		utf8_clean(s + i, k - i, out);
		i = k;
	}
	ew_flush(&pd, out);
	mime_buf_free(&pd.raw);
	free(s);
}

/* Copy the token at *pp (up to ';', white space or a comment) lowered. */
static void
ct_token(const char **pp, char *dst, size_t dstlen, int lower)
{
	const char	*p = *pp;
	size_t		 n = 0;

	while (*p != '\0' && *p != ';' && *p != ' ' && *p != '\t' &&
	    *p != '(' && *p != '=') {
		if (n + 1 < dstlen)
			dst[n++] = lower ? (char)tolower((unsigned char)*p) :
			    *p;
		p++;
	}
	if (dstlen > 0)
		dst[n] = '\0';
	*pp = p;
}

/*
 * The value of parameter `want` (lower case) of a Content-Type field
 * body into out; 1 if present and it fits, else 0.
 */
static int
ct_param(const char *value, const char *want, char *out, size_t outlen)
{
	const char	*p = value;
	char		 name[32];
	size_t		 n;
	int		 fits;

	if (value == NULL || outlen == 0)
		return (0);
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		ct_token(&p, name, sizeof(name), 1);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		n = 0;
		fits = 1;
		if (*p == '"') {
			p++;
			while (*p != '\0' && *p != '"') {
				if (n + 1 < outlen)
					out[n++] = *p;
				else
					fits = 0;
				p++;
			}
			out[n] = '\0';
		} else {
			const char	*v = p;

			ct_token(&p, out, outlen, 0);
			fits = (size_t)(p - v) < outlen;
		}
		if (strcmp(name, want) == 0)
			return (fits);
	}
	out[0] = '\0';
	return (0);
}

void
mime_content_type(const char *value, char *type, size_t typelen,
    char *charset, size_t charsetlen)
{
	const char	*p = value;
	char		 val[MIME_CHARSET_MAX + 1];
	size_t		 n, i;

	if (typelen > 0)
		type[0] = '\0';
	if (charsetlen > 0)
		charset[0] = '\0';
	if (value == NULL)
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	ct_token(&p, type, typelen, 1);
	if (!ct_param(value, "charset", val, sizeof(val)))
		return;
	n = strlen(val);
	for (i = 0; i < n; i++)
		if (!charset_char((unsigned char)val[i]))
			return;
	if (n > 0 && n < charsetlen)
		memcpy(charset, val, n + 1);
}

/* Multipart nesting and parts looked into, at most. */
#define MIME_DEPTH_MAX		4
#define MIME_PARTS_MAX		64
#define MIME_PART_FIELD_MAX	512

/*
 * The next delimiter line ("--boundary", maybe "--boundary--") at or
 * after `from`: *line gets its start, *after the start of the next line,
 * *closing whether it ends the multipart.  0 if there is none.
 */
static int
find_delim(const char *from, const char *end, const char *delim, size_t dlen,
    const char **line, const char **after, int *closing)
{
	const char	*ls = from, *nl;

	while (ls < end) {
		nl = memchr(ls, '\n', (size_t)(end - ls));
		if ((size_t)(end - ls) >= dlen && memcmp(ls, delim, dlen) == 0) {
			*line = ls;
			*after = nl != NULL ? nl + 1 : end;
			*closing = (size_t)(end - ls) >= dlen + 2 &&
			    ls[dlen] == '-' && ls[dlen + 1] == '-';
			return (1);
		}
		if (nl == NULL)
			break;
		ls = nl + 1;
	}
	return (0);
}

/* A field of a part's header (hs..he) into out, unfolded; 1 if found. */
static int
part_field(const char *hs, const char *he, const char *name, char *out,
    size_t outlen)
{
	const char	*p = hs, *eol, *v;
	size_t		 nl = strlen(name), n = 0;

	while (p < he) {
		eol = memchr(p, '\n', (size_t)(he - p));
		eol = eol == NULL ? he : eol + 1;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 &&
		    p[nl] == ':') {
			for (v = p + nl + 1; v < he; v++) {
				if (*v == '\r')
					continue;
				if (*v == '\n') {
					if (v + 1 < he && (v[1] == ' ' ||
					    v[1] == '\t'))
						continue;
					break;
				}
				if (n + 1 < outlen)
					out[n++] = *v;
			}
			out[n] = '\0';
			return (1);
		}
		p = eol;
	}
	return (0);
}

static int	body_decode(const char *, const char *, const char *, size_t,
		    struct mime_buf *, int);

/* The first text part of a multipart body, decoded; 0 if none. */
static int
multipart_decode(const char *ctype, const char *body, size_t len,
    struct mime_buf *out, int depth)
{
	char		 boundary[72], delim[75], pct[MIME_PART_FIELD_MAX];
	char		 pcte[64], type[64], cs[MIME_CHARSET_MAX + 1];
	const char	*end = body + len, *p, *line, *after, *hs, *he, *bs;
	const char	*pe;
	size_t		 dlen;
	int		 closing, parts, has_ct, has_cte;

	if (depth >= MIME_DEPTH_MAX || !ct_param(ctype, "boundary", boundary,
	    sizeof(boundary)) || boundary[0] == '\0' ||
	    strlen(boundary) > 70)
		return (0);
	delim[0] = delim[1] = '-';
	dlen = strlen(boundary);
	memcpy(delim + 2, boundary, dlen + 1);
	dlen += 2;
	if (!find_delim(body, end, delim, dlen, &line, &after, &closing) ||
	    closing)
		return (0);
	p = after;
	for (parts = 0; parts < MIME_PARTS_MAX && p < end; parts++) {
		pe = end;
		if (find_delim(p, end, delim, dlen, &line, &after, &closing)) {
			/* The line break before a delimiter belongs to it. */
			pe = line;
			if (pe > p && pe[-1] == '\n')
				pe--;
			if (pe > p && pe[-1] == '\r')
				pe--;
		} else {
			after = end;
			closing = 0;
		}
		/* The part's header ends at its first empty line. */
		hs = p;
		he = bs = pe;
		while (p < pe) {
			const char	*eol = memchr(p, '\n', (size_t)(pe - p));

			if (*p == '\n' || (*p == '\r' && p + 1 < pe &&
			    p[1] == '\n')) {
				he = p;
				bs = eol != NULL ? eol + 1 : pe;
				break;
			}
			if (eol == NULL)
				break;
			p = eol + 1;
		}
		if (bs > pe)
			bs = pe;
		has_ct = part_field(hs, he, "content-type", pct, sizeof(pct));
		has_cte = part_field(hs, he, "content-transfer-encoding", pcte,
		    sizeof(pcte));
		mime_content_type(has_ct ? pct : NULL, type, sizeof(type), cs,
		    sizeof(cs));
		if (type[0] == '\0' || strcmp(type, "text/plain") == 0) {
			body_decode(has_ct ? pct : NULL, has_cte ? pcte : NULL,
			    bs, (size_t)(pe - bs), out, depth + 1);
			return (1);
		}
		if (strncmp(type, "multipart/", 10) == 0 &&
		    multipart_decode(pct, bs, (size_t)(pe - bs), out,
		    depth + 1))
			return (1);
		if (closing || after >= end)
			break;
		p = after;
	}
	return (0);
}

static int
body_decode(const char *ctype, const char *cte, const char *body,
    size_t len, struct mime_buf *out, int depth)
{
	char	 type[64], charset[MIME_CHARSET_MAX + 1], enc[32], *tmp;
	size_t	 n;
	int	 rc = 1;

	mime_content_type(ctype, type, sizeof(type), charset,
	    sizeof(charset));
	if (strncmp(type, "multipart/", 10) == 0 &&
	    multipart_decode(ctype, body, len, out, depth))
		return (1);
	if (type[0] != '\0' && strncmp(type, "text/", 5) != 0) {
		utf8_clean(body, len, out);
		return (0);
	}
	enc[0] = '\0';
	if (cte != NULL) {
		while (*cte == ' ' || *cte == '\t')
			cte++;
		ct_token(&cte, enc, sizeof(enc), 1);
	}
	if (strcmp(enc, "quoted-printable") == 0) {
		if ((tmp = malloc(len + 1)) == NULL) {
			out->oom = 1;
			return (0);
		}
		n = mime_qp_decode(body, len, tmp, 0);
	} else if (strcmp(enc, "base64") == 0) {
		if ((tmp = malloc(len / 4 * 3 + 4)) == NULL) {
			out->oom = 1;
			return (0);
		}
		if ((n = mime_b64_decode(body, len, tmp)) == (size_t)-1) {
			free(tmp);
			utf8_clean(body, len, out);
			return (0);
		}
	} else {
		if (enc[0] != '\0' && strcmp(enc, "7bit") != 0 &&
		    strcmp(enc, "8bit") != 0 && strcmp(enc, "binary") != 0) {
			utf8_clean(body, len, out);
			return (0);
		}
		mime_to_utf8(charset, body, len, out);
		return (rc);
	}
	mime_to_utf8(charset, tmp, n, out);
	free(tmp);
	return (rc);
}

int
mime_body_decode(const char *ctype, const char *cte, const char *body,
    size_t len, struct mime_buf *out)
{
	return (body_decode(ctype, cte, body, len, out, 0));
}

void
mime_html_escape(const char *in, size_t len, struct mime_buf *out)
{
	size_t		 i, start = 0;
	const char	*rep;

	for (i = 0; i < len; i++) {
		switch (in[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		mime_buf_add(out, in + start, i - start);
		mime_buf_adds(out, rep);
		start = i + 1;
	}
	mime_buf_add(out, in + start, len - start);
}

void
mime_url_encode(const char *in, size_t len, struct mime_buf *out)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)in;
	char			 esc[3];
	size_t			 i, start = 0;

	for (i = 0; i < len; i++) {
		if (isalnum(p[i]) && p[i] < 0x80)
			continue;
		if (p[i] == '-' || p[i] == '.' || p[i] == '_' || p[i] == '~')
			continue;
		mime_buf_add(out, in + start, i - start);
		esc[0] = '%';
		esc[1] = hex[p[i] >> 4];
		esc[2] = hex[p[i] & 15];
		mime_buf_add(out, esc, 3);
		start = i + 1;
	}
	mime_buf_add(out, in + start, len - start);
}

int
mime_url_decode(const char *in, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;
	int	hi, lo;
	char	c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return (-1);
			if ((hi = mime_hexval((unsigned char)in[i + 1])) == -1 ||
			    (lo = mime_hexval((unsigned char)in[i + 2])) == -1)
				return (-1);
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= outlen)
			return (-1);
		out[o++] = c;
	}
	if (outlen == 0)
		return (-1);
	out[o] = '\0';
	return ((int)o);
}

int
mime_name_clean(const char *in, size_t max, char *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 i, k, n, len;

	while (*p == ' ')
		p++;
	len = strlen((const char *)p);
	while (len > 0 && p[len - 1] == ' ')
		len--;
	if (len > max || len >= outlen)
		return (-1);
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return (-1);
		n = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 && p[i] >= 0xc2 ?
		    2 : (p[i] & 0xf0) == 0xe0 ? 3 : (p[i] & 0xf8) == 0xf0 &&
		    p[i] <= 0xf4 ? 4 : 0;
		if (n == 0 || i + n > len)
			return (-1);
		for (k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return (-1);
		/* Overlong three- and four-octet forms, surrogates, past
		   U+10FFFF, and the C1 controls (U+0080..U+009F). */
		if ((n == 3 && ((p[i] == 0xe0 && p[i + 1] < 0xa0) ||
		    (p[i] == 0xed && p[i + 1] >= 0xa0))) || (n == 4 &&
		    ((p[i] == 0xf0 && p[i + 1] < 0x90) || (p[i] == 0xf4 &&
		    p[i + 1] >= 0x90))) || (n == 2 && p[i] == 0xc2 &&
		    p[i + 1] < 0xa0))
			return (-1);
	}
	memcpy(out, p, len);
	out[len] = '\0';
	return (0);
}

void
mime_display_name(const char *name, struct mime_buf *out)
{
	static const char	 b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
				    "mnopqrstuvwxyz0123456789+/";
	const unsigned char	*p = (const unsigned char *)name;
	size_t			 len = strlen(name), i, j, n;
	uint32_t		 v;
	char			 q[4];
	int			 ascii = 1;

	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			ascii = 0;
	if (ascii) {
		mime_buf_adds(out, "\"");
		for (i = 0; i < len; i++) {
			if (p[i] == '"' || p[i] == '\\')
				mime_buf_adds(out, "\\");
			mime_buf_add(out, p + i, 1);
		}
		mime_buf_adds(out, "\"");
		return;
	}
	/* 45 octets make 60 of base64; "=?UTF-8?B?" and "?=" around them
	   keep a word within RFC 2047's 75. */
	for (i = 0; i < len; i += n) {
		n = len - i > 45 ? 45 : len - i;
		while (i + n < len && n > 1 && (p[i + n] & 0xc0) == 0x80)
			n--;
		if (i > 0)
			mime_buf_adds(out, " ");
		mime_buf_adds(out, "=?UTF-8?B?");
		for (j = 0; j < n; j += 3) {
			v = (uint32_t)p[i + j] << 16;
			if (j + 1 < n)
				v |= (uint32_t)p[i + j + 1] << 8;
			if (j + 2 < n)
				v |= p[i + j + 2];
			q[0] = b64[v >> 18 & 63];
			q[1] = b64[v >> 12 & 63];
			q[2] = j + 1 < n ? b64[v >> 6 & 63] : '=';
			q[3] = j + 2 < n ? b64[v & 63] : '=';
			mime_buf_add(out, q, 4);
		}
		mime_buf_adds(out, "?=");
	}
}
