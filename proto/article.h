/*
 * Netnews articles: receiving, checking and injecting them (RFC 5536,
 * RFC 5537).  Pure: heap memory only, no I/O, no globals, no clock (the
 * caller passes `now`).
 *
 * The life of a posted article:
 *
 *	p = article_parser_new(&limits);
 *	for each received line (un-dot-stuffed, without CRLF, not ".")
 *		article_parser_push(p, line, len);
 *	st = article_parser_finish(p, &a);	(reason: article_parser_reason)
 *	article_parser_free(p);
 *	article_validate_post(a, &policy, reason, sizeof(reason));
 *	b = article_inject(a, &inj, reason, sizeof(reason));
 *	article_thread_extract(b, &t);		(store it: b->wire, t.*)
 *	article_thread_free(&t); article_free(b); article_free(a);
 *
 * A relayed one (IHAVE, TAKETHIS) instead goes through
 * article_validate_transit(), article_path_contains() (loop check) and
 * article_path_prepend().
 *
 * Refusal reasons are short single-line ASCII texts, at most
 * ARTICLE_REASON_MAX - 1 octets, for a "441 <reason>" or "437 <reason>".
 */
#ifndef LOOM_ARTICLE_H
#define LOOM_ARTICLE_H

#include <stddef.h>
#include <time.h>

/* Buffer size for every reason text this module writes. */
#define ARTICLE_REASON_MAX	160
/* References entries kept by article_thread_extract(). */
#define ARTICLE_REFS_MAX	100

/* ---- Receiving ------------------------------------------------------- */

/* Limits on what the parser stores; 0 means no limit. */
struct article_limits {
	size_t	max_size;	/* wire octets (CRLF, dot-stuffed) */
	size_t	max_headers;	/* header fields */
	size_t	max_header_len;	/* one field: name, value, folded lines
				   and their CRLFs */
	size_t	max_lines;	/* lines, header and body together */
};

enum article_status {
	ARTICLE_OK = 0,
	ARTICLE_TOO_BIG,		/* max_size */
	ARTICLE_TOO_MANY_HEADERS,	/* max_headers */
	ARTICLE_HEADER_TOO_LONG,	/* max_header_len */
	ARTICLE_TOO_MANY_LINES,		/* max_lines */
	ARTICLE_BAD_HEADER,		/* header syntax (RFC 5322 2.2) */
	ARTICLE_NOMEM,
	ARTICLE_BAD_BODY		/* NUL or bare CR (RFC 3977 3.6) */
};

/*
 * Header fields Loom looks up, by number: a field's name is matched
 * (case-insensitively) once, when it is parsed, and lookups by these
 * names compare numbers, not strings.  ART_H_OTHER is every other name.
 */
enum article_hid {
	ART_H_OTHER = 0,
	ART_H_PATH,
	ART_H_FROM,
	ART_H_NEWSGROUPS,
	ART_H_SUBJECT,
	ART_H_MESSAGE_ID,
	ART_H_DATE,
	ART_H_REFERENCES,
	ART_H_IN_REPLY_TO,
	ART_H_XREF,
	ART_H_INJECTION_DATE,
	ART_H_INJECTION_INFO,
	ART_H_FOLLOWUP_TO,
	ART_H_EXPIRES,
	ART_H_SENDER,
	ART_H_LINES,
	ART_H_APPROVED,
	ART_H_ARCHIVE,
	ART_H_BCC,
	ART_H_CC,
	ART_H_CONTROL,
	ART_H_DISTRIBUTION,
	ART_H_ORGANIZATION,
	ART_H_REPLY_TO,
	ART_H_SUMMARY,
	ART_H_SUPERSEDES,
	ART_H_TO,
	ART_H_USER_AGENT,
	ART_H_NNTP_POSTING_HOST,
	ART_H_NNTP_POSTING_DATE,
	ART_H_X_TRACE,
	ART_H_X_COMPLAINTS_TO,
	ART_H_MAX
};

/* The number of a field name name[0..len) (case-insensitive), or
   ART_H_OTHER. */
enum article_hid article_hid(const char *name, size_t len);

/* The usual spelling of a numbered name ("Message-ID"); "" for
   ART_H_OTHER. */
const char	*article_hid_name(enum article_hid id);

/*
 * One header field.  `name` is as sent (case kept).  `value` is the field
 * body unfolded (RFC 5322 2.2.3: each CRLF before white space removed),
 * without the white space that follows the colon or ends the field; TABs
 * and other octets are kept.  Both are NUL terminated and owned by the
 * article.  off and len locate the whole field (all its lines with their
 * CRLFs, dot-stuffed) in the article's wire.
 */
struct article_header {
	const char	*name;
	const char	*value;
	size_t		 valuelen;
	size_t		 off;
	size_t		 len;
	enum article_hid id;		/* the name's number */
};

/*
 * A parsed article.  Every field is read-only for the caller and owned by
 * the article; article_free() releases all of it.
 *
 * `wire` is what ARTICLE sends between the 220 line and the terminating
 * ".CRLF": header, empty line, body; CRLF line ends, dot-stuffed.  It is
 * not NUL terminated.  wire[header_len..header_len + 2) is always the
 * CRLF of the empty line: when the input had no empty line the parser
 * adds one (has_body is then 0).
 */
struct article {
	char			*wire;
	size_t			 wire_len;
	size_t			 header_len;	/* offset of the empty line */
	size_t			 stuffed_dots;	/* dots added by stuffing */
	size_t			 lines;		/* body lines */
	int			 has_body;	/* the input had the empty
						   line */
	struct article_header	*headers;	/* in article order */
	size_t			 nheaders;
	/* Private: where the names and values live (one block for all),
	   and the first field of each known name (index + 1, 0: none). */
	char			*hmem;
	size_t			 hmemlen;
	size_t			 hfirst[ART_H_MAX];
};

struct article_parser;

/*
 * A parser for one article; `lim` is copied (NULL means no limits).
 * Returns NULL when out of memory.
 */
struct article_parser *article_parser_new(const struct article_limits *lim);

/*
 * Add one received line: already un-dot-stuffed (line_unstuff), without its
 * CRLF, and not the terminating ".".  The line may hold any octets, NUL
 * included; it is copied (a NULL line is an empty one).  Once a limit trips
 * or the header is malformed, the parser keeps accepting lines (so the
 * caller reads the article to its end as NNTP requires) but stores nothing
 * more.  Returns the status so far: ARTICLE_OK, or the first problem met
 * (sticky).
 */
enum article_status article_parser_push(struct article_parser *p,
    const char *line, size_t len);

/*
 * End of the article (the "." line was read).  On ARTICLE_OK sets *out to
 * a new article the caller frees with article_free().  Otherwise *out is
 * NULL and article_parser_reason() says why.  A second call returns the
 * same status with *out NULL.
 */
enum article_status article_parser_finish(struct article_parser *p,
    struct article **out);

/*
 * The reason for the parser's status, e.g. "Header line 3 has no colon":
 * valid until the parser is freed; "" while the status is ARTICLE_OK.
 */
const char *article_parser_reason(const struct article_parser *p);

/* Lines and octets pushed so far (un-stuffed, without CRLF), stored or
   not: for logging an over-size article. */
size_t article_parser_lines(const struct article_parser *p);
size_t article_parser_octets(const struct article_parser *p);

/* Free a parser (NULL is fine); articles already finished stay valid. */
void article_parser_free(struct article_parser *p);

/* Free an article and everything it owns (NULL is fine). */
void article_free(struct article *a);

/* A fixed English text for a status, e.g. "Article too large". */
const char *article_status_str(enum article_status st);

/* ---- Looking at headers ---------------------------------------------- */

/* The value of the first field called `name` (case-insensitive), or NULL
   if there is none.  Owned by the article. */
const char *article_header_get(const struct article *a, const char *name);

/* The first field with the number `id` (not ART_H_OTHER), or NULL. */
const struct article_header *article_header_by_id(const struct article *a,
    enum article_hid id);

/* How many fields are called `name` (case-insensitive). */
size_t article_header_count(const struct article *a, const char *name);

/* The header block in wire form, wire[0..header_len): *len gets
   header_len.  Owned by the article. */
const char *article_header_block(const struct article *a, size_t *len);

/* ---- Checking -------------------------------------------------------- */

/*
 * What the caller's configuration says about dates.  An article whose
 * date is older than now - max_age, or later than now + max_skew, is
 * refused; 0 turns the check off.  RFC 5537 3.5 suggests a skew of at most
 * 24 hours.
 */
struct article_policy {
	time_t	now;
	time_t	max_age;
	time_t	max_skew;
};

/*
 * Check a proto-article received by POST (RFC 5536 3, RFC 5537 3.5), before
 * article_inject().  Refuses, among others: a missing or empty From,
 * Subject or Newsgroups; a malformed From, Sender, Date, Injection-Date,
 * Expires, Message-ID, Newsgroups, Followup-To, References or Path; any
 * field that may occur once (RFC 5322 3.6, RFC 5536 3) occurring twice;
 * Injection-Info or Xref (only injecting and serving agents set them); a
 * Path showing an earlier injection (".POSTED"); a date outside the
 * policy (Date and Injection-Date alike); no body; an empty Followup-To.
 * Other empty optional fields count as absent (injection drops them).
 * Returns 0 if acceptable, or -1 with a reason in reason[].  See
 * docs/posting.md for the whole list.
 */
int article_validate_post(const struct article *a,
    const struct article_policy *pol, char *reason, size_t reasonlen);

/*
 * Check an article offered by a peer (RFC 5537 3.6): Message-ID, Date,
 * From, Newsgroups, Subject and Path present once and well-formed, a body
 * (the empty line and at least one line after it), and the date
 * (Injection-Date if present, else Date) inside the policy.  Lighter than
 * POST: unknown or odd optional fields pass.  Returns 0 or -1 with a
 * reason.
 */
int article_validate_transit(const struct article *a,
    const struct article_policy *pol, char *reason, size_t reasonlen);

/*
 * The same checks, also handing back the time of the Date header they
 * parsed (*date; 0 when a proto-article has none) when the article passes,
 * so the caller need not parse it again.
 */
int article_validate_post_dated(const struct article *a,
    const struct article_policy *pol, time_t *date, char *reason,
    size_t reasonlen);
int article_validate_transit_dated(const struct article *a,
    const struct article_policy *pol, time_t *date, char *reason,
    size_t reasonlen);

/* RFC 5536 3.1.4 newsgroup-name: dot-separated non-empty components of
   ALPHA / DIGIT / "+" / "-" / "_". */
int article_newsgroup_valid(const char *name, size_t len);

/* Is v one mailbox (RFC 5322 3.4), as a From or Sender may hold? */
int article_mailbox_valid(const char *v);

/*
 * The next item of a comma-separated list such as a Newsgroups or
 * Followup-To value in [*pp, end), white space around it cut: *item and
 * *len, *pp moved past it and its comma.  1 for an item (possibly empty
 * in an unchecked value), 0 at the end.
 */
int article_list_next(const char **pp, const char *end, const char **item,
    size_t *len);

/* ---- Injecting and relaying ------------------------------------------ */

/*
 * What the server supplies for injection.  Strings are borrowed for the
 * call only.
 */
struct article_injection {
	const char	*path_identity;	/* this server's Path identity,
					   e.g. "news.example.org" */
	const char	*msgid_domain;	/* right of "@" in a new Message-ID */
	const char	*msgid_unique;	/* left of "@": unique per article,
					   dot-atom-text */
	const char	*posting_host;	/* posting-host="..." in
					   Injection-Info; NULL omits it */
	const char	*posting_account; /* posting-account="..."; NULL
					   omits */
	const char	*logging_data;	/* logging-data="..."; NULL omits */
	const char	*complaints_to;	/* mail-complaints-to="..."; NULL
					   omits */
	const char	*anonymous_from; /* non-NULL: an anonymous post
					   (below) with this From */
	time_t		 now;
	int		 add_lines;	/* add Lines if absent (RFC 5536
					   deprecates it; off by default) */
	/* Non-NULL: asked for the c-lock elements the injecting agent
	   adds for the article's final Message-ID (RFC 8315 3: computed
	   by the caller, proto/ hashes nothing); 0 and out, or -1 to add
	   none. */
	int		(*cancel_lock)(const char *msgid, char *out,
			    size_t outlen, void *arg);
	void		*cancel_lock_arg;
};

/*
 * Make the article to store from a proto-article that passed
 * article_validate_post() (RFC 5537 3.5).  The result keeps the poster's
 * fields in order and:
 *  - Path becomes "<identity>!.POSTED[.<posting_host>]!<old Path>", or
 *    "...!not-for-mail" when the poster sent none (RFC 5537 3.2.1, 3.5),
 *    in place of the old one or first;
 *  - adds Message-ID "<unique@domain>" and Date (now) if absent;
 *  - adds Injection-Date (now) unless the poster sent one, or sent both
 *    Message-ID and Date (RFC 5537 3.5: it may have been injected
 *    elsewhere too, and copies must stay identical);
 *  - adds "Injection-Info: <identity>[; posting-host=...][;
 *    posting-account=...][; logging-data=...][; mail-complaints-to=...]"
 *    (RFC 5536 3.2.8);
 *  - adds Lines if absent and inj->add_lines;
 *  - with cancel_lock: adds its c-locks to the poster's Cancel-Lock
 *    (kept: "Cancel-Lock: <poster's> <ours>", as one field at the end of
 *    the header), or as a new Cancel-Lock field;
 *  - drops empty fields, Xref, Injection-Info, NNTP-Posting-Host,
 *    NNTP-Posting-Date, X-Trace, X-Complaints-To and X-Loom-Anonymous;
 *  - with anonymous_from: drops From, Sender, Reply-To, Organization,
 *    Message-ID (a new one is made), X-Face, Face, X-Sender,
 *    X-Originating-IP and X-Posting-Account, ignores the poster's Path
 *    ("...!not-for-mail"), and adds "From: <anonymous_from>" (the caller
 *    leaves posting_host and posting_account NULL).
 * The body is copied unchanged.  Returns a new article (free with
 * article_free) or NULL with a reason (bad injection parameters, or out of
 * memory).
 */
struct article *article_inject(const struct article *a,
    const struct article_injection *inj, char *reason, size_t reasonlen);

/*
 * True if `identity` is one of the path-identities in the article's Path
 * (case-insensitive; diagnostics such as ".POSTED.x" are skipped): the
 * article has been here before (RFC 5537 3.6 loop check).
 */
int article_path_contains(const struct article *a, const char *identity);

/*
 * A copy of a relayed article with "<identity>!" prepended to its Path
 * (RFC 5537 3.2.1), the other fields and the body unchanged.  `diag` adds
 * a path-diagnostic after the identity: NULL for none, "!" for a verified
 * peer ("identity!!peer..."), or e.g. ".SEEN.peer.example" or
 * ".MISMATCH.192.0.2.1" ("identity!.SEEN.peer.example!...").  An article
 * without Path gets "Path: <identity>!not-for-mail" first.  The sender's
 * Xref is dropped: it numbers the sender's articles, and the store adds
 * this server's own.  Returns NULL when out of memory.
 */
struct article *article_path_prepend(const struct article *a,
    const char *identity, const char *diag);

/* ---- Threading and overview ------------------------------------------ */

/*
 * What the store needs to file an article.  Every pointer is owned by the
 * struct, valid until article_thread_free(); the arrays fit the store's
 * `const char *const *`.
 */
struct article_thread {
	const char	 *msgid;	/* Message-ID, trimmed; NULL if the
					   article has none */
	const char	 *parent;	/* last References entry; else the
					   In-Reply-To msg-id; else NULL */
	const char	 *root;		/* first References entry (or the
					   In-Reply-To one); NULL for a root */
	const char	**refs;		/* References msg-ids, malformed ones
					   skipped; at most ARTICLE_REFS_MAX:
					   the first and the last ones.
					   Without any, the In-Reply-To
					   msg-id alone, if there is one */
	size_t		  nrefs;
	const char	**groups;	/* Newsgroups, in order */
	size_t		  ngroups;
	/* "Subject\tFrom\tDate\tMessage-ID\tReferences", each value
	   unfolded with CR, LF and TAB made spaces (RFC 3977 8.3) */
	const char	 *overview;
	char		 *mem;		/* private */
};

/* Fill *t from a; returns 0, or -1 when out of memory (*t is then empty,
   and article_thread_free() is still safe). */
int article_thread_extract(const struct article *a, struct article_thread *t);

/* Free what article_thread_extract() allocated; t itself is the caller's. */
void article_thread_free(struct article_thread *t);

#endif /* LOOM_ARTICLE_H */
