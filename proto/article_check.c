/*
 * Checking articles: the grammar of the fields Netnews relies on
 * (RFC 5536 3, RFC 5322 3.4 and 3.6) and the duties of injecting and
 * relaying agents (RFC 5537 3.5, 3.6).
 */
#include <string.h>
#include <strings.h>

#include "article.h"
#include "article_int.h"
#include "datetime.h"
#include "msgid.h"

/* ---- Addresses (RFC 5322 3.4, with RFC 6532 UTF-8) --------------------- */

enum mtok {
	MT_END,
	MT_ATOM,
	MT_QSTR,
	MT_DLIT,
	MT_DOT,
	MT_AT,
	MT_LT,
	MT_GT,
	MT_COMMA,
	MT_OTHER,
	MT_BAD
};

struct mlex {
	const char	*p;
	const char	*end;
};

/*
 * atext (RFC 5322 3.2.3); octets above 127 count as atext so that UTF-8
 * names (RFC 6532), common in news, pass.
 */
static int
art_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 128)
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* The next token after CFWS. */
static enum mtok
mlex_next(struct mlex *l)
{
	char	c;

	if (art_skip_cfws(&l->p, l->end) == -1)
		return (MT_BAD);
	if (l->p >= l->end)
		return (MT_END);
	c = *l->p;
	if (art_atext((unsigned char)c)) {
		while (l->p < l->end && art_atext((unsigned char)*l->p))
			l->p++;
		return (MT_ATOM);
	}
	if (c == '"' || c == '[') {
		char close = c == '"' ? '"' : ']';

		for (l->p++; l->p < l->end; l->p++) {
			if (*l->p == '\\' && c == '"') {
				if (++l->p >= l->end)
					return (MT_BAD);
				continue;
			}
			if (*l->p == close) {
				l->p++;
				return (c == '"' ? MT_QSTR : MT_DLIT);
			}
			if (c == '[' && (*l->p == '[' || *l->p == '\\'))
				return (MT_BAD);
			if ((unsigned char)*l->p < 32 && !ART_WSP(*l->p))
				return (MT_BAD);
		}
		return (MT_BAD);
	}
	l->p++;
	switch (c) {
	case '.':
		return (MT_DOT);
	case '@':
		return (MT_AT);
	case '<':
		return (MT_LT);
	case '>':
		return (MT_GT);
	case ',':
		return (MT_COMMA);
	default:
		return (MT_OTHER);
	}
}

static enum mtok
mlex_peek(const struct mlex *l)
{
	struct mlex	copy = *l;

	return (mlex_next(&copy));
}

/* domain = dot-atom / domain-literal (obs-domain: CFWS around dots). */
static int
art_domain(struct mlex *l)
{
	enum mtok	t = mlex_next(l);

	if (t == MT_DLIT)
		return (0);
	if (t != MT_ATOM)
		return (-1);
	while (mlex_peek(l) == MT_DOT) {
		mlex_next(l);
		if (mlex_next(l) != MT_ATOM)
			return (-1);
	}
	return (0);
}

/* local-part "@" domain, local-part = word *("." word). */
static int
art_addr_spec(struct mlex *l)
{
	enum mtok	t = mlex_next(l);

	if (t != MT_ATOM && t != MT_QSTR)
		return (-1);
	while ((t = mlex_next(l)) == MT_DOT) {
		t = mlex_next(l);
		if (t != MT_ATOM && t != MT_QSTR)
			return (-1);
	}
	if (t != MT_AT)
		return (-1);
	return (art_domain(l));
}

/* "<" addr-spec ">" */
static int
art_angle_addr(struct mlex *l)
{
	if (mlex_next(l) != MT_LT || art_addr_spec(l) == -1 ||
	    mlex_next(l) != MT_GT)
		return (-1);
	return (0);
}

/*
 * mailbox = name-addr / addr-spec.  The words before "@" or "<" decide:
 * "a.b@c" is an addr-spec (words joined by dots), "A B <a@c>" a name-addr
 * whose display-name is a phrase (obs-phrase allows dots after the first
 * word).
 */
static int
art_mailbox(struct mlex *l)
{
	struct mlex	 start = *l;
	enum mtok	 t;
	int		 words = 0;

	for (;;) {
		t = mlex_peek(l);
		if (t == MT_ATOM || t == MT_QSTR)
			words++;
		else if (t != MT_DOT || words == 0)
			break;
		mlex_next(l);
	}
	if (t == MT_AT) {
		*l = start;
		return (art_addr_spec(l));
	}
	if (t == MT_LT)
		return (art_angle_addr(l));
	return (-1);
}

/* mailbox-list (From) or a single mailbox (Sender), the whole value. */
static int
art_mailbox_valid(const char *v, int list)
{
	struct mlex	l = { v, v + strlen(v) };
	enum mtok	t;

	for (;;) {
		if (art_mailbox(&l) == -1)
			return (0);
		t = mlex_next(&l);
		if (t == MT_END)
			return (1);
		if (t != MT_COMMA || !list)
			return (0);
	}
}

int
article_mailbox_valid(const char *v)
{
	return (art_mailbox_valid(v, 0));
}

/* ---- Netnews fields -------------------------------------------------- */

int
article_newsgroup_valid(const char *name, size_t len)
{
	size_t	i;
	int	need = 1;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c == '.') {
			if (need)
				return (0);
			need = 1;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '-' ||
		    c == '_')
			need = 0;
		else
			return (0);
	}
	return (!need);
}

/* newsgroup-list (RFC 5536 3.1.4): names separated by "," and FWS. */
static int
art_newsgroups_valid(const char *v)
{
	const char	*p = v, *end = v + strlen(v), *item;
	size_t		 len;
	int		 n = 0;

	while (art_list_next(&p, end, &item, &len)) {
		if (!article_newsgroup_valid(item, len))
			return (0);
		n++;
	}
	/* A trailing comma leaves an empty last item: refused above
	   only if seen, so look at the last octet too. */
	return (n > 0 && end[-1] != ',');
}

/* Path: path-identities and diagnostics between "!", then the tail. */
static int
art_path_valid(const char *v, int *posted)
{
	const char	*p = v, *end = v + strlen(v), *ent;
	size_t		 len, i, n = 0;
	int		 tail_ok = 0;

	*posted = 0;
	while (art_path_next(&p, end, &ent, &len)) {
		/* An empty first entry ("!a") is malformed; later empty
		   entries are "!!" diagnostics. */
		if (len == 0 && n == 0)
			return (0);
		tail_ok = len > 0;
		for (i = 0; i < len; i++) {
			unsigned char c = ent[i];

			if (!((c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' ||
			    c == '.' || c == '_' || c == ':'))
				return (0);
		}
		if (len >= 7 && strncasecmp(ent, ".POSTED", 7) == 0 &&
		    (len == 7 || ent[7] == '.'))
			*posted = 1;
		n++;
	}
	return (n > 0 && tail_ok && end[-1] != '!');
}

/* The msg-id in a Message-ID value: [CFWS] msg-id-core [CFWS]. */
static int
art_msgid_field(const char *v, const char **id, size_t *len)
{
	const char	*p = v, *end = v + strlen(v), *gt;

	if (art_skip_cfws(&p, end) == -1 || p >= end || *p != '<')
		return (0);
	if ((gt = memchr(p, '>', (size_t)(end - p))) == NULL)
		return (0);
	*id = p;
	*len = (size_t)(gt - p + 1);
	p = gt + 1;
	return (art_skip_cfws(&p, end) == 0 && p == end);
}

/*
 * A References (or Supersedes) value: msg-ids separated by CFWS.  Each is
 * checked with the loose RFC 3977 form: a reply may cite an old article
 * whose id predates RFC 5536.
 */
static int
art_msgid_list_valid(const char *v, size_t max)
{
	const char	*p = v, *end = v + strlen(v), *gt;
	size_t		 n = 0;

	for (;;) {
		if (art_skip_cfws(&p, end) == -1)
			return (0);
		if (p == end)
			return (n > 0);
		if (*p != '<' || n == max ||
		    (gt = memchr(p, '>', (size_t)(end - p))) == NULL ||
		    !msgid_valid_nntp(p, (size_t)(gt - p + 1)))
			return (0);
		p = gt + 1;
		n++;
	}
}

/* ---- Dates ----------------------------------------------------------- */

static int
art_date_field(const struct article *a, enum article_hid id, time_t *t,
    int *present, char *reason, size_t reasonlen)
{
	const struct article_header	*h = art_header_find_id(a, id);
	const char			*name = article_hid_name(id);
	const char			*err;

	*present = h != NULL;
	if (h == NULL)
		return (0);
	if (rfc5322_date_parse(h->value, h->valuelen, t, &err) == -1)
		return (art_reason(reason, reasonlen, "Bad %s header: %s",
		    name, err));
	return (0);
}

static int
art_date_policy(const struct article_policy *pol, time_t t, int age,
    const char *name, char *reason, size_t reasonlen)
{
	if (pol == NULL)
		return (0);
	if (pol->max_skew > 0 && t > pol->now && t - pol->now > pol->max_skew)
		return (art_reason(reason, reasonlen,
		    "%s header is in the future", name));
	if (age && pol->max_age > 0 && t < pol->now &&
	    pol->now - t > pol->max_age)
		return (art_reason(reason, reasonlen,
		    "Article too old (%s header)", name));
	return (0);
}

/* ---- Occurrences ----------------------------------------------------- */

/*
 * Fields that may occur at most once: RFC 5322 3.6 (the table of 3.6) and
 * every field RFC 5536 defines (its section 3), plus Lines and User-Agent
 * which have one value by nature.  Keywords and Comments may repeat.
 */
static const enum article_hid art_once[] = {
	ART_H_APPROVED, ART_H_ARCHIVE, ART_H_BCC, ART_H_CC, ART_H_CONTROL,
	ART_H_DATE, ART_H_DISTRIBUTION, ART_H_EXPIRES, ART_H_FOLLOWUP_TO,
	ART_H_FROM, ART_H_IN_REPLY_TO, ART_H_INJECTION_DATE,
	ART_H_INJECTION_INFO, ART_H_LINES, ART_H_MESSAGE_ID,
	ART_H_NEWSGROUPS, ART_H_ORGANIZATION, ART_H_PATH, ART_H_REFERENCES,
	ART_H_REPLY_TO, ART_H_SENDER, ART_H_SUBJECT, ART_H_SUMMARY,
	ART_H_SUPERSEDES, ART_H_TO, ART_H_USER_AGENT, ART_H_XREF,
};

static int
art_check_once(const struct article *a, char *reason, size_t reasonlen)
{
	size_t	i;

	for (i = 0; i < sizeof(art_once) / sizeof(art_once[0]); i++)
		if (art_header_count_id(a, art_once[i]) > 1)
			return (art_reason(reason, reasonlen,
			    "Duplicate %s header",
			    article_hid_name(art_once[i])));
	return (0);
}

static int
art_check_required(const struct article *a, const enum article_hid *ids,
    size_t n, char *reason, size_t reasonlen)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (art_header_find_id(a, ids[i]) == NULL)
			return (art_reason(reason, reasonlen,
			    "Missing required %s header",
			    article_hid_name(ids[i])));
	return (0);
}

/* From, Sender, Message-ID, Newsgroups, Path: shared by both checks. */
static int
art_check_common(const struct article *a, int post, int *posted,
    char *reason, size_t reasonlen)
{
	const struct article_header	*h;
	const char			*id;
	size_t				 idlen;

	*posted = 0;
	if ((h = art_header_find_id(a, ART_H_FROM)) != NULL &&
	    !art_mailbox_valid(h->value, 1))
		return (art_reason(reason, reasonlen, "Bad From header"));
	if ((h = art_header_find_id(a, ART_H_SENDER)) != NULL && post &&
	    !art_mailbox_valid(h->value, 0))
		return (art_reason(reason, reasonlen, "Bad Sender header"));
	if ((h = art_header_find_id(a, ART_H_MESSAGE_ID)) != NULL &&
	    (!art_msgid_field(h->value, &id, &idlen) ||
	    !msgid_valid(id, idlen)))
		return (art_reason(reason, reasonlen,
		    "Bad Message-ID header"));
	if ((h = art_header_find_id(a, ART_H_NEWSGROUPS)) != NULL &&
	    !art_newsgroups_valid(h->value))
		return (art_reason(reason, reasonlen,
		    "Bad Newsgroups header"));
	if ((h = art_header_find_id(a, ART_H_PATH)) != NULL &&
	    !art_path_valid(h->value, posted))
		return (art_reason(reason, reasonlen, "Bad Path header"));
	return (0);
}

int
article_validate_post(const struct article *a,
    const struct article_policy *pol, char *reason, size_t reasonlen)
{
	return (article_validate_post_dated(a, pol, NULL, reason, reasonlen));
}

int
article_validate_post_dated(const struct article *a,
    const struct article_policy *pol, time_t *date_out, char *reason,
    size_t reasonlen)
{
	static const enum article_hid required[] = {
		ART_H_FROM, ART_H_SUBJECT, ART_H_NEWSGROUPS
	};
	const struct article_header	*h;
	time_t				 t, date = 0;
	int				 present, date_present, posted;

	if (art_check_required(a, required, 3, reason, reasonlen) == -1 ||
	    art_check_once(a, reason, reasonlen) == -1)
		return (-1);
	/* RFC 5537 3.5 (1): only injecting and serving agents set these. */
	if (art_header_find_id(a, ART_H_INJECTION_INFO) != NULL)
		return (art_reason(reason, reasonlen,
		    "Injection-Info header not allowed in a posting"));
	if (art_header_find_id(a, ART_H_XREF) != NULL)
		return (art_reason(reason, reasonlen,
		    "Xref header not allowed in a posting"));
	if (art_check_common(a, 1, &posted, reason, reasonlen) == -1)
		return (-1);
	if (posted)
		return (art_reason(reason, reasonlen,
		    "Path header shows an earlier injection"));
	if (art_date_field(a, ART_H_DATE, &date, &date_present, reason,
	    reasonlen) == -1 || (date_present && art_date_policy(pol, date, 1,
	    "Date", reason, reasonlen) == -1))
		return (-1);
	/* The same window as Date: an old Injection-Date would make peers
	   drop the article as stale (RFC 5537 3.6), and one cannot inject
	   an article in the past. */
	if (art_date_field(a, ART_H_INJECTION_DATE, &t, &present, reason,
	    reasonlen) == -1 || (present && art_date_policy(pol, t, 1,
	    "Injection-Date", reason, reasonlen) == -1))
		return (-1);
	if (art_date_field(a, ART_H_EXPIRES, &t, &present, reason,
	    reasonlen) == -1)
		return (-1);
	/* The one empty field not taken as absent: RFC 5536 3.2.6 wants
	   "poster" or a group, and dropping it would send followups to
	   Newsgroups, which the poster did not ask for. */
	if (art_header_count_id(a, ART_H_FOLLOWUP_TO) > 0 &&
	    art_header_find_id(a, ART_H_FOLLOWUP_TO) == NULL)
		return (art_reason(reason, reasonlen,
		    "Empty Followup-To header"));
	if ((h = art_header_find_id(a, ART_H_FOLLOWUP_TO)) != NULL &&
	    strcmp(h->value, "poster") != 0 &&
	    !art_newsgroups_valid(h->value))
		return (art_reason(reason, reasonlen,
		    "Bad Followup-To header"));
	if ((h = art_header_find_id(a, ART_H_REFERENCES)) != NULL &&
	    !art_msgid_list_valid(h->value, (size_t)-1))
		return (art_reason(reason, reasonlen,
		    "Bad References header"));
	if ((h = art_header_find_id(a, ART_H_SUPERSEDES)) != NULL &&
	    !art_msgid_list_valid(h->value, 1))
		return (art_reason(reason, reasonlen,
		    "Bad Supersedes header"));
	if (!a->has_body || a->lines == 0)
		return (art_reason(reason, reasonlen, "Article has no body"));
	if (date_out != NULL)
		*date_out = date_present ? date : 0;
	return (0);
}

int
article_validate_transit(const struct article *a,
    const struct article_policy *pol, char *reason, size_t reasonlen)
{
	return (article_validate_transit_dated(a, pol, NULL, reason,
	    reasonlen));
}

int
article_validate_transit_dated(const struct article *a,
    const struct article_policy *pol, time_t *date_out, char *reason,
    size_t reasonlen)
{
	static const enum article_hid required[] = {
		ART_H_MESSAGE_ID, ART_H_DATE, ART_H_FROM, ART_H_NEWSGROUPS,
		ART_H_SUBJECT, ART_H_PATH
	};
	static const enum article_hid once[] = {
		ART_H_MESSAGE_ID, ART_H_DATE, ART_H_FROM, ART_H_NEWSGROUPS,
		ART_H_SUBJECT, ART_H_PATH, ART_H_INJECTION_DATE
	};
	time_t	 date, inj;
	size_t	 i;
	int	 present, posted;

	if (art_check_required(a, required, 6, reason, reasonlen) == -1)
		return (-1);
	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (art_header_count_id(a, once[i]) > 1)
			return (art_reason(reason, reasonlen,
			    "Duplicate %s header", article_hid_name(once[i])));
	if (art_check_common(a, 0, &posted, reason, reasonlen) == -1)
		return (-1);
	/* As for POST: a header alone (innd says "No body" too) or an
	   empty body is refused, so a peer stops offering it. */
	if (!a->has_body)
		return (art_reason(reason, reasonlen, "No body (no empty line "
		    "after the header)"));
	if (a->lines == 0)
		return (art_reason(reason, reasonlen, "Empty body"));
	if (art_date_field(a, ART_H_DATE, &date, &present, reason,
	    reasonlen) == -1 || art_date_policy(pol, date, 0, "Date", reason,
	    reasonlen) == -1)
		return (-1);
	/* RFC 5537 3.6: staleness goes by Injection-Date when present. */
	if (art_date_field(a, ART_H_INJECTION_DATE, &inj, &present, reason,
	    reasonlen) == -1)
		return (-1);
	if (present ? art_date_policy(pol, inj, 1, "Injection-Date", reason,
	    reasonlen) == -1 : art_date_policy(pol, date, 1, "Date", reason,
	    reasonlen) == -1)
		return (-1);
	if (date_out != NULL)
		*date_out = date;
	return (0);
}
