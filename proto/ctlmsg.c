/*
 * Control messages: the Control field, the newgroup and checkgroups
 * bodies, control.ctl-style rules and pgpverify's signed text (ctlmsg.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctlmsg.h"
#include "mime.h"
#include "wildmat.h"

const char *const ctlmsg_pseudo_groups[] = {
	"control",
	"control.cancel",
	"control.checkgroups",
	"control.newgroup",
	"control.rmgroup",
	NULL
};

static int
ctl_wsp(int c)
{
	return (c == ' ' || c == '\t');
}

/* The next white-space separated word of *pp: its start and length. */
static int
ctl_word(const char **pp, const char **w, size_t *n)
{
	const char	*p = *pp;

	while (*p != '\0' && isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		*pp = p;
		return (0);
	}
	*w = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	*n = (size_t)(p - *w);
	*pp = p;
	return (1);
}

static int
ctl_copy(char *dst, size_t dstlen, const char *src, size_t n)
{
	if (n >= dstlen)
		return (-1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return (0);
}

static int
ctl_group_ok(const char *w, size_t n)
{
	return (n > 0 && n <= CTLMSG_GROUP_MAX &&
	    article_newsgroup_valid(w, n));
}

int
ctlmsg_parse(const char *value, struct ctlmsg *c, char *reason, size_t len)
{
	const char	*p = value, *w;
	size_t		 n, i, slen = 0;

	memset(c, 0, sizeof(*c));
	if (!ctl_word(&p, &w, &n)) {
		snprintf(reason, len, "Empty Control field");
		return (-1);
	}
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && w[i] != '-')
			break;
	if (i < n || n > CTLMSG_VERB_MAX) {
		snprintf(reason, len, "Malformed control verb");
		return (-1);
	}
	for (i = 0; i < n; i++)
		c->name[i] = (char)tolower((unsigned char)w[i]);
	c->name[n] = '\0';
	c->args = p;
	while (*c->args != '\0' && isspace((unsigned char)*c->args))
		c->args++;
	if (strcmp(c->name, "cancel") == 0)
		c->verb = CTLMSG_CANCEL;
	else if (strcmp(c->name, "newgroup") == 0)
		c->verb = CTLMSG_NEWGROUP;
	else if (strcmp(c->name, "rmgroup") == 0)
		c->verb = CTLMSG_RMGROUP;
	else if (strcmp(c->name, "checkgroups") == 0)
		c->verb = CTLMSG_CHECKGROUPS;
	else
		c->verb = CTLMSG_OTHER;

	switch (c->verb) {
	case CTLMSG_NEWGROUP:
	case CTLMSG_RMGROUP:
		if (!ctl_word(&p, &w, &n) || !ctl_group_ok(w, n)) {
			snprintf(reason, len, "%s: no valid newsgroup name",
			    c->name);
			return (-1);
		}
		ctl_copy(c->group, sizeof(c->group), w, n);
		if (!ctl_word(&p, &w, &n))
			return (0);
		if (c->verb == CTLMSG_NEWGROUP && n == 9 &&
		    strncasecmp(w, "moderated", 9) == 0)
			c->moderated = 1;
		else {
			snprintf(reason, len, "%s: unexpected argument \"%.*s\"",
			    c->name, (int)(n > 40 ? 40 : n), w);
			return (-1);
		}
		if (ctl_word(&p, &w, &n)) {
			snprintf(reason, len, "%s: too many arguments",
			    c->name);
			return (-1);
		}
		return (0);
	case CTLMSG_CHECKGROUPS:
		while (ctl_word(&p, &w, &n)) {
			if (w[0] == '#') {
				for (i = 1; i < n; i++)
					if (!isdigit((unsigned char)w[i]))
						break;
				if (n < 2 || i < n || ctl_copy(c->serial,
				    sizeof(c->serial), w + 1, n - 1) == -1)
					goto badscope;
				continue;
			}
			if (!ctl_group_ok(w + (w[0] == '!'), n - (w[0] == '!')) ||
			    slen + n + 2 > sizeof(c->scope))
				goto badscope;
			if (slen > 0)
				c->scope[slen++] = ' ';
			memcpy(c->scope + slen, w, n);
			slen += n;
			c->scope[slen] = '\0';
		}
		return (0);
	default:
		return (0);
	}

badscope:
	snprintf(reason, len, "checkgroups: bad scope or serial number");
	return (-1);
}

enum ctlmsg_verb
article_control_verb(const struct article *a)
{
	const struct article_header	*h;
	struct ctlmsg			 c;
	char				 reason[ARTICLE_REASON_MAX];

	/* By number: every article in comes through here. */
	if ((h = article_header_by_id(a, ART_H_CONTROL)) == NULL)
		return (CTLMSG_NONE);
	ctlmsg_parse(h->value, &c, reason, sizeof(reason));
	return (c.verb);
}

const char *
ctlmsg_pseudo_group(enum ctlmsg_verb verb)
{
	switch (verb) {
	case CTLMSG_CANCEL:
		return ("control.cancel");
	case CTLMSG_NEWGROUP:
		return ("control.newgroup");
	case CTLMSG_RMGROUP:
		return ("control.rmgroup");
	case CTLMSG_CHECKGROUPS:
		return ("control.checkgroups");
	default:
		return ("control");
	}
}

int
ctlmsg_sender(const struct article *a, char *out, size_t outlen)
{
	const char	*v, *s, *e;
	size_t		 n, i;

	if ((v = article_header_get(a, "Sender")) == NULL &&
	    (v = article_header_get(a, "From")) == NULL)
		return (-1);
	if ((s = strchr(v, '<')) != NULL && (e = strchr(s, '>')) != NULL)
		s++;
	else {
		/* "a@b (Name)" or a bare address. */
		s = v;
		while (ctl_wsp(*s))
			s++;
		for (e = s; *e != '\0' && !ctl_wsp(*e) && *e != '('; e++)
			;
	}
	n = (size_t)(e - s);
	if (n == 0 || n >= outlen || memchr(s, '@', n) == NULL)
		return (-1);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return (0);
}

/* The next line of [*pp, end): its start and length without CR LF, and
   without the dot-stuffing of the wire. */
static int
ctl_line(const char **pp, const char *end, const char **line, size_t *n)
{
	const char	*p = *pp, *eol;

	if (p >= end)
		return (0);
	if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
		eol = end;
	*pp = eol < end ? eol + 1 : end;
	if (eol > p && eol[-1] == '\r')
		eol--;
	if (eol - p >= 2 && p[0] == '.' && p[1] == '.')
		p++;
	*line = p;
	*n = (size_t)(eol - p);
	return (1);
}

/* Copy a description, control characters made spaces, trimmed. */
static void
ctl_desc(const char *s, size_t n, char *out, size_t outlen)
{
	size_t	i, k = 0;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	for (i = 0; i < n && k + 1 < outlen; i++)
		out[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' :
		    s[i];
	out[k] = '\0';
}

int
ctlmsg_newgroup_desc(const char *body, size_t len, const char *group,
    char *out, size_t outlen)
{
	static const char	 marker[] = "For your newsgroups file:";
	const char		*p = body, *end = body + len, *l;
	size_t			 n, glen = strlen(group);
	int			 seen = 0;

	while (ctl_line(&p, end, &l, &n)) {
		if (!seen) {
			while (n > 0 && ctl_wsp(*l)) {
				l++;
				n--;
			}
			if (n >= sizeof(marker) - 1 && strncasecmp(l, marker,
			    sizeof(marker) - 1) == 0)
				seen = 1;
			continue;
		}
		if (n == 0)
			continue;
		if (n >= glen && memcmp(l, group, glen) == 0 &&
		    (n == glen || ctl_wsp(l[glen]))) {
			ctl_desc(l + glen, n - glen, out, outlen);
			return (1);
		}
		return (0);
	}
	return (0);
}

int
ctlmsg_checkgroups_next(const char **pp, const char *end, char *name,
    size_t namelen, char *desc, size_t desclen)
{
	const char	*l;
	size_t		 n, k;

	while (ctl_line(pp, end, &l, &n)) {
		for (k = 0; k < n && !ctl_wsp(l[k]); k++)
			;
		/* "name<WSP>description": a bare word (a MIME boundary,
		   "#serial") is not a group line. */
		if (k == n || k >= namelen || !isalnum((unsigned char)l[0]) ||
		    !ctl_group_ok(l, k))
			continue;
		memcpy(name, l, k);
		name[k] = '\0';
		ctl_desc(l + k, n - k, desc, desclen);
		return (1);
	}
	return (0);
}

int
ctlmsg_in_scope(const char *group, const char *scope)
{
	const char	*p = scope, *w;
	size_t		 n, best = 0, glen = strlen(group);
	int		 neg, in = 0;

	while (ctl_word(&p, &w, &n)) {
		neg = w[0] == '!';
		w += neg;
		n -= (size_t)neg;
		if (n == 0 || n > glen || memcmp(group, w, n) != 0 ||
		    (n < glen && group[n] != '.'))
			continue;
		if (n >= best) {
			best = n;
			in = !neg;
		}
	}
	return (in);
}

/* ---- Rules ----------------------------------------------------------- */

int
ctlrule_parse(const char *verb, const char *value, struct ctlrule *r,
    char *reason, size_t len)
{
	const char	*p = value, *w[3], *why;
	size_t		 n[3], i;

	memset(r, 0, sizeof(*r));
	if (strcmp(verb, "newgroup") != 0 && strcmp(verb, "rmgroup") != 0 &&
	    strcmp(verb, "checkgroups") != 0 && strcmp(verb, "all") != 0) {
		snprintf(reason, len, "unknown control message \"%.40s\" "
		    "(newgroup, rmgroup, checkgroups or all)", verb);
		return (-1);
	}
	snprintf(r->verb, sizeof(r->verb), "%s", verb);
	for (i = 0; i < 3; i++)
		if (!ctl_word(&p, &w[i], &n[i])) {
			snprintf(reason, len, "%s: expected \"FROM-WILDMAT "
			    "GROUP-WILDMAT ACTION\"", verb);
			return (-1);
		}
	if (ctl_word(&p, &w[0], &n[0])) {
		snprintf(reason, len, "%s: more than three words", verb);
		return (-1);
	}
	if (ctl_copy(r->from, sizeof(r->from), w[0], n[0]) == -1 ||
	    ctl_copy(r->groups, sizeof(r->groups), w[1], n[1]) == -1) {
		snprintf(reason, len, "%s: wildmat too long", verb);
		return (-1);
	}
	for (i = 0; r->from[i] != '\0'; i++)
		r->from[i] = (char)tolower((unsigned char)r->from[i]);
	if (wildmat_valid(r->from, &why) == -1 ||
	    wildmat_valid(r->groups, &why) == -1) {
		snprintf(reason, len, "%s: bad wildmat: %s", verb, why);
		return (-1);
	}
	if (n[2] == 4 && strncmp(w[2], "doit", 4) == 0)
		r->action = CTLRULE_DOIT;
	else if (n[2] == 3 && strncmp(w[2], "log", 3) == 0)
		r->action = CTLRULE_LOG;
	else if (n[2] == 4 && strncmp(w[2], "drop", 4) == 0)
		r->action = CTLRULE_DROP;
	else if (n[2] > 7 && strncmp(w[2], "verify-", 7) == 0 &&
	    ctl_copy(r->signer, sizeof(r->signer), w[2] + 7, n[2] - 7) == 0)
		r->action = CTLRULE_VERIFY;
	else {
		snprintf(reason, len, "%s: action must be doit, log, drop or "
		    "verify-SIGNER", verb);
		return (-1);
	}
	return (0);
}

static int
ctlrule_is(const struct ctlrule *r, const char *verb, const char *sender)
{
	return ((strcmp(r->verb, verb) == 0 || strcmp(r->verb, "all") == 0) &&
	    wildmat_match(sender, r->from));
}

const struct ctlrule *
ctlrule_match(const struct ctlrule *rules, size_t n, const char *verb,
    const char *sender, const char *group)
{
	size_t	i;

	for (i = n; i > 0; i--)
		if (ctlrule_is(&rules[i - 1], verb, sender) &&
		    wildmat_match(group, rules[i - 1].groups))
			return (&rules[i - 1]);
	return (NULL);
}

int
ctlrule_any_verify(const struct ctlrule *rules, size_t n, const char *verb,
    const char *sender)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (rules[i].action == CTLRULE_VERIFY &&
		    ctlrule_is(&rules[i], verb, sender))
			return (1);
	return (0);
}

const char *
ctlrule_action_name(enum ctlrule_action a)
{
	switch (a) {
	case CTLRULE_DOIT:
		return ("doit");
	case CTLRULE_DROP:
		return ("drop");
	case CTLRULE_VERIFY:
		return ("verify");
	default:
		return ("log");
	}
}

/* ---- pgpverify ------------------------------------------------------- */

static int
ctl_b64_word(const char *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && w[i] != '+' &&
		    w[i] != '/' && w[i] != '=')
			return (0);
	return (1);
}

/* The field as pgpverify reads it: the first line after "Name:" and
   one blank, then "\n" and each continuation line whole. */
static void
ctl_field_text(const struct article *a, const struct article_header *h,
    struct mime_buf *b)
{
	const char	*p = a->wire + h->off, *end = p + h->len, *l;
	size_t		 n;
	int		 first = 1;

	while (ctl_line(&p, end, &l, &n)) {
		if (first) {
			const char *colon = memchr(l, ':', n);

			if (colon == NULL)
				return;
			n -= (size_t)(colon + 1 - l);
			l = colon + 1;
			if (n > 0 && ctl_wsp(*l)) {
				l++;
				n--;
			}
			first = 0;
		} else
			mime_buf_add(b, "\n", 1);
		mime_buf_add(b, l, n);
	}
}

int
ctlmsg_pgp_text(const struct article *a, char **data, size_t *datalen,
    char **sig, size_t *siglen, char *reason, size_t len)
{
	struct mime_buf			 d, s;
	const struct article_header	*h;
	const char			*v, *p, *w, *version, *list, *end;
	const char			*l, *item;
	size_t				 n, vlen, llen, nsig = 0, i, k, m, ilen;
	int				 last_ok = 0;

	*data = *sig = NULL;
	if (article_header_count(a, "X-PGP-Sig") != 1 ||
	    (v = article_header_get(a, "X-PGP-Sig")) == NULL) {
		snprintf(reason, len, "no X-PGP-Sig field (or more than one)");
		return (-1);
	}
	memset(&d, 0, sizeof(d));
	memset(&s, 0, sizeof(s));
	p = v;
	if (!ctl_word(&p, &version, &vlen) || !ctl_word(&p, &list, &llen))
		goto malformed;
	mime_buf_adds(&s, "-----BEGIN PGP SIGNATURE-----\nVersion: ");
	mime_buf_add(&s, version, vlen);
	mime_buf_adds(&s, "\n\n");
	while (ctl_word(&p, &w, &n)) {
		if (last_ok || !ctl_b64_word(w, n))
			goto malformed;
		/* The armor's checksum, "=XXXX", ends it. */
		if (w[0] == '=')
			last_ok = n == 5;
		mime_buf_add(&s, w, n);
		mime_buf_add(&s, "\n", 1);
		nsig++;
	}
	if (!last_ok || nsig < 2)
		goto malformed;
	mime_buf_adds(&s, "-----END PGP SIGNATURE-----\n");

	mime_buf_adds(&d, "X-Signed-Headers: ");
	mime_buf_add(&d, list, llen);
	mime_buf_add(&d, "\n", 1);
	p = list;
	end = list + llen;
	while (p < end) {
		item = p;
		while (p < end && *p != ',')
			p++;
		ilen = (size_t)(p - item);
		if (p < end)
			p++;
		if (ilen == 0)
			continue;
		h = NULL;
		for (i = 0, k = 0; i < a->nheaders; i++)
			if (strlen(a->headers[i].name) == ilen &&
			    strncasecmp(a->headers[i].name, item, ilen) == 0) {
				h = &a->headers[i];
				k++;
			}
		if (k > 1) {
			snprintf(reason, len, "signed field %.*s appears twice",
			    (int)(ilen > 40 ? 40 : ilen), item);
			goto fail;
		}
		mime_buf_add(&d, item, ilen);
		mime_buf_adds(&d, ": ");
		if (h != NULL)
			ctl_field_text(a, h, &d);
		mime_buf_add(&d, "\n", 1);
	}
	mime_buf_add(&d, "\n", 1);
	p = a->wire + a->header_len + 2;
	end = a->wire + a->wire_len;
	if (a->has_body)
		while (ctl_line(&p, end, &l, &n)) {
			mime_buf_add(&d, l, n);
			mime_buf_add(&d, "\n", 1);
		}
	if (d.oom || s.oom) {
		snprintf(reason, len, "out of memory");
		goto fail;
	}
	/* White space before a line end goes, as pgpverify strips it. */
	for (i = 0, m = 0; i < d.len; i++) {
		if (d.p[i] == '\n')
			while (m > 0 && ctl_wsp(d.p[m - 1]))
				m--;
		d.p[m++] = d.p[i];
	}
	d.len = m;
	d.p[m] = '\0';
	*data = d.p;
	*datalen = d.len;
	*sig = s.p;
	*siglen = s.len;
	return (0);

malformed:
	snprintf(reason, len, "X-PGP-Sig not in the expected format");
fail:
	mime_buf_free(&d);
	mime_buf_free(&s);
	return (-1);
}

/* Does hex `fpr` end with the key id or fingerprint `want`? */
static int
ctl_hex_suffix(const char *fpr, size_t flen, const char *want)
{
	size_t	wlen, i;

	if (strncasecmp(want, "0x", 2) == 0)
		want += 2;
	wlen = strlen(want);
	if (wlen < 8 || wlen > flen)
		return (0);
	for (i = 0; i < wlen; i++)
		if (!isxdigit((unsigned char)want[i]))
			return (0);
	return (strncasecmp(fpr + flen - wlen, want, wlen) == 0);
}

int
ctlmsg_gpgv_signer(const char *status, size_t len, const char *want,
    char *who, size_t wholen)
{
	const char	*p = status, *end = status + len, *l, *q, *w;
	char		 line[1024];
	size_t		 n, wn;
	int		 good = 0, valid = 0, match = 0, bad = 0, field;

	snprintf(who, wholen, "no good signature");
	while (ctl_line(&p, end, &l, &n)) {
		if (n >= sizeof(line))
			continue;
		memcpy(line, l, n);
		line[n] = '\0';
		q = line;
		if (!ctl_word(&q, &w, &wn) || wn != 8 ||
		    strncmp(w, "[GNUPG:]", 8) != 0 || !ctl_word(&q, &w, &wn))
			continue;
		if ((wn == 6 && strncmp(w, "BADSIG", 6) == 0) ||
		    (wn == 6 && strncmp(w, "ERRSIG", 6) == 0) ||
		    (wn == 9 && strncmp(w, "NO_PUBKEY", 9) == 0) ||
		    (wn == 9 && strncmp(w, "EXPKEYSIG", 9) == 0) ||
		    (wn == 9 && strncmp(w, "REVKEYSIG", 9) == 0)) {
			snprintf(who, wholen, "gpgv: %.*s", (int)wn, w);
			bad = 1;
		} else if (wn == 7 && strncmp(w, "GOODSIG", 7) == 0) {
			/* "GOODSIG <long key id> <user id>" */
			if (!ctl_word(&q, &w, &wn))
				continue;
			good = 1;
			if (ctl_hex_suffix(w, wn, want))
				match = 1;
			if (!ctl_word(&q, &w, &wn))
				continue;
			snprintf(who, wholen, "%.*s", (int)wn, w);
			if (wn == strlen(want) && strncasecmp(w, want, wn) == 0)
				match = 1;
		} else if (wn == 8 && strncmp(w, "VALIDSIG", 8) == 0) {
			/* "VALIDSIG <fpr> ... <primary key fpr>" (10th) */
			valid = 1;
			for (field = 1; ctl_word(&q, &w, &wn); field++)
				if ((field == 1 || field == 10) &&
				    ctl_hex_suffix(w, wn, want))
					match = 1;
		}
	}
	if (bad)
		return (0);
	if (good && valid && !match) {
		char	tmp[CTLMSG_SIGNER_MAX + 1];

		snprintf(tmp, sizeof(tmp), "%s", who);
		snprintf(who, wholen, "signed by %s, not %s", tmp, want);
	}
	return (good && valid && match);
}
