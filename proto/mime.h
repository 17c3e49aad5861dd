/*
 * Text as people wrote it, for the web pages: MIME decoding (RFC 2045
 * Content-Type charset, quoted-printable, base64), RFC 2047 encoded-words in
 * header fields, charset conversion to UTF-8 (glibc iconv), and escaping for
 * HTML and URLs.  Pure: no I/O, no libevent, no globals.
 *
 * Nothing is dropped silently: bytes that cannot be decoded come out as
 * U+FFFD (the replacement character), malformed encoded-words stay as
 * written.  Every output is valid UTF-8 without NUL or C0 controls other
 * than TAB and LF.
 */
#ifndef LOOM_MIME_H
#define LOOM_MIME_H

#include <stddef.h>

/* A growing output buffer.  Zero it to start; mime_buf_free() releases it.
   On allocation failure `oom` is set and further appends are ignored. */
struct mime_buf {
	char	*p;
	size_t	 len, cap;
	int	 oom;
};

void	mime_buf_add(struct mime_buf *b, const void *p, size_t len);
void	mime_buf_adds(struct mime_buf *b, const char *s);
void	mime_buf_free(struct mime_buf *b);

/* The longest charset name taken from an article. */
#define MIME_CHARSET_MAX	40

/*
 * Quoted-printable (RFC 2045 6.7) into out, which needs len octets; returns
 * the length written.  `header` selects the RFC 2047 "Q" form ('_' is a
 * space).  A malformed "=XY" is kept as written; soft line breaks vanish.
 */
size_t	mime_qp_decode(const char *in, size_t len, char *out, int header);

/*
 * Base64 into out, which needs len * 3 / 4 + 3 octets; returns the length
 * written.  White space is skipped, decoding stops at the first '=' pad.
 * Returns (size_t)-1 when another character outside the alphabet occurs.
 */
size_t	mime_b64_decode(const char *in, size_t len, char *out);

/*
 * Append in[0..len) in `charset` (NULL or "": US-ASCII/UTF-8) to out as
 * UTF-8.  Invalid or unconvertible sequences become U+FFFD; an unknown
 * charset is read as UTF-8 (so ASCII stays readable, the rest becomes
 * U+FFFD).  C0 controls other than TAB and LF (and CR, dropped) become
 * U+FFFD too.  Returns 0, or -1 if the charset was unknown.
 */
int	mime_to_utf8(const char *charset, const char *in, size_t len,
	    struct mime_buf *out);

/*
 * A header field body as text: RFC 2047 encoded-words decoded (B and Q;
 * the white space between two adjacent encoded-words dropped; words in
 * the same charset joined before conversion so a character split across
 * them survives), malformed words kept literally, raw 8-bit text shown as
 * UTF-8 when valid, U+FFFD where not.  Folding (CRLF + WSP) unfolds.
 */
void	mime_header_decode(const char *in, size_t len, struct mime_buf *out);

/*
 * From a Content-Type field body: the media type in lower case ("" when
 * absent: text/plain) and the charset parameter ("" when absent), each
 * cut to fit; a charset with characters outside [A-Za-z0-9._:+-] is "".
 */
void	mime_content_type(const char *value, char *type, size_t typelen,
	    char *charset, size_t charsetlen);

/*
 * An article body (LF line ends, not dot-stuffed) as UTF-8 text, given the
 * Content-Type and Content-Transfer-Encoding field bodies (NULL: absent).
 * A multipart body gives its first text/plain part (or untyped part),
 * looked for through at most 4 levels of nesting and 64 parts each.
 * Returns 1 when the body is text it could decode, 0 when it was shown as
 * it came (a non-text body, a multipart without a text part, an unknown
 * encoding).
 */
int	mime_body_decode(const char *ctype, const char *cte, const char *body,
	    size_t len, struct mime_buf *out);

/* HTML-escape in[0..len) for text and for double- or single-quoted
   attribute values: & < > " ' become character references. */
void	mime_html_escape(const char *in, size_t len, struct mime_buf *out);

/* Percent-encode everything but the RFC 3986 unreserved characters
   (A-Z a-z 0-9 - . _ ~), for one path segment or query value. */
void	mime_url_encode(const char *in, size_t len, struct mime_buf *out);

/*
 * Decode percent-encoding of in[0..len) into out (outlen octets, NUL-
 * terminated).  Returns the decoded length, or -1 on a malformed escape,
 * a decoded NUL, or a result that does not fit.
 */
int	mime_url_decode(const char *in, size_t len, char *out, size_t outlen);

/*
 * A name a person typed, for a From line (the web's visitors): spaces
 * around it dropped, then at most max octets of UTF-8 (shortest forms, no
 * surrogates) without any control character: C0 (CR, LF and NUL above
 * all, so no header can be smuggled in), DEL and C1.  0 and the name in
 * out (outlen > max), possibly empty; -1 if refused.
 */
int	mime_name_clean(const char *in, size_t max, char *out, size_t outlen);

/*
 * name (as mime_name_clean leaves it) as an RFC 5322 display-name:
 * printable ASCII as a quoted-string (a backslash before '"' and '\'),
 * anything else as RFC 2047 "B" encoded-words in UTF-8, cut between
 * characters so each stays within 75 octets.
 */
void	mime_display_name(const char *name, struct mime_buf *out);

/* The value of hex digit c (either case), or -1. */
int	mime_hexval(int c);
/* The value of base64 (RFC 4648 alphabet) digit c, or -1. */
int	mime_b64val(int c);

#endif /* LOOM_MIME_H */
