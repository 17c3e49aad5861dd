/*
 * Control messages (RFC 5537 5): what an article's Control field asks,
 * where INN files such an article (control.* pseudo-groups), the bodies of
 * newgroup and checkgroups, the rules deciding what is acted on (in the
 * style of INN's control.ctl) and the text a pgpverify signature
 * (X-PGP-Sig) covers.  Pure: heap memory only, no I/O, no globals.
 */
#ifndef LOOM_CTLMSG_H
#define LOOM_CTLMSG_H

#include <stddef.h>

#include "article.h"

#define CTLMSG_VERB_MAX		32	/* a verb we file or act on */
#define CTLMSG_GROUP_MAX	250	/* = STORE_GROUP_MAX */
#define CTLMSG_SCOPE_MAX	512	/* checkgroups' chkscope */
#define CTLMSG_ADDR_MAX		256	/* a sender's address */
#define CTLMSG_PATTERN_MAX	255	/* a rule's wildmat */
#define CTLMSG_SIGNER_MAX	128	/* verify-SIGNER */
#define CTLMSG_DESC_MAX		255	/* = STORE_DESC_MAX */

enum ctlmsg_verb {
	CTLMSG_NONE = 0,	/* not a control message */
	CTLMSG_CANCEL,
	CTLMSG_NEWGROUP,
	CTLMSG_RMGROUP,
	CTLMSG_CHECKGROUPS,
	CTLMSG_OTHER		/* ihave, sendme, sendsys, version, ... */
};

/* A Control field, parsed (RFC 5536 3.2.3, RFC 5537 5). */
struct ctlmsg {
	enum ctlmsg_verb verb;
	char		 name[CTLMSG_VERB_MAX + 1];	/* lower case */
	/* what follows the verb in the value parsed, white space
	   skipped (points into it): a cancel's message-id */
	const char	*args;
	/* newgroup, rmgroup: the group; newgroup: "moderated" given */
	char		 group[CTLMSG_GROUP_MAX + 1];
	int		 moderated;
	/* checkgroups: the chkscope ("de !de.alt"), "" for none, and
	   the serial number ("" for none) */
	char		 scope[CTLMSG_SCOPE_MAX + 1];
	char		 serial[32];
};

/*
 * Parse a Control field's value into *c.  0, or -1 with a reason when
 * the verb or its arguments are malformed (a newgroup or rmgroup without a
 * valid group name, an unknown newgroup flag, a bad chkscope).  An unknown
 * verb is not an error: CTLMSG_OTHER with its name.
 */
int	ctlmsg_parse(const char *value, struct ctlmsg *c, char *reason,
	    size_t len);

/*
 * The article's control verb (RFC 5537 5: the Control field alone; the
 * obsolete Also-Control is not one), CTLMSG_NONE when it has none.
 */
enum ctlmsg_verb article_control_verb(const struct article *a);

/* The pseudo-group a control message is filed in when it exists:
   "control.cancel", "control.newgroup", "control.rmgroup",
   "control.checkgroups"; "control" for other verbs.  Then "control". */
const char *ctlmsg_pseudo_group(enum ctlmsg_verb verb);

/* The pseudo-groups, for creating them: NULL-terminated. */
extern const char *const ctlmsg_pseudo_groups[];

/*
 * The sender as control.ctl matches it: the address of Sender if present,
 * else of From ("Name <a@b>" or "a@b (Name)": "a@b"), in lower case.
 * 0, or -1 when there is no address.
 */
int	ctlmsg_sender(const struct article *a, char *out, size_t outlen);

/*
 * The description of `group` in a newgroup body: the line after "For
 * your newsgroups file:" that starts with the group's name, what follows
 * the name's white space (RFC 5537 5.2.1; also inside a MIME
 * application/news-groupinfo part, which this finds as text).  1 and
 * out, or 0 when there is none.  body[0..len) is as on the wire.
 */
int	ctlmsg_newgroup_desc(const char *body, size_t len, const char *group,
	    char *out, size_t outlen);

/*
 * The next "name<white space>description" line of a checkgroups body
 * (RFC 5537 5.2.3), from *pp up to end: 1 with name and desc (possibly
 * empty), *pp moved on; 0 at the end.  Lines that do not start with a
 * valid newsgroup name are skipped.
 */
int	ctlmsg_checkgroups_next(const char **pp, const char *end, char *name,
	    size_t namelen, char *desc, size_t desclen);

/*
 * Is `group` inside a chkscope ("de !de.alt": hierarchies, "!" excludes
 * one below)?  The longest element that is the group or a hierarchy above
 * it decides; an empty scope holds nothing.
 */
int	ctlmsg_in_scope(const char *group, const char *scope);

/* ---- Rules (INN's control.ctl: message:from:newsgroups:action) ------ */

enum ctlrule_action {
	CTLRULE_LOG,		/* log it, act on nothing (the default) */
	CTLRULE_DOIT,		/* act on it */
	CTLRULE_DROP,		/* nothing, not even a log line */
	CTLRULE_VERIFY		/* act if signed by `signer` (gpgv) */
};

struct ctlrule {
	char			verb[CTLMSG_VERB_MAX + 1]; /* or "all" */
	char			from[CTLMSG_PATTERN_MAX + 1];	/* wildmat */
	char			groups[CTLMSG_PATTERN_MAX + 1];	/* wildmat */
	enum ctlrule_action	action;
	char			signer[CTLMSG_SIGNER_MAX + 1];
};

/*
 * One rule: verb is "newgroup", "rmgroup", "checkgroups" or "all", value
 * "FROM-WILDMAT GROUP-WILDMAT ACTION" with ACTION doit, log, drop or
 * verify-SIGNER.  The sender wildmat is matched in lower case.  0, or -1
 * with a reason.
 */
int	ctlrule_parse(const char *verb, const char *value, struct ctlrule *r,
	    char *reason, size_t len);

/* The last rule matching verb, sender and group, or NULL (log). */
const struct ctlrule *ctlrule_match(const struct ctlrule *rules, size_t n,
	    const char *verb, const char *sender, const char *group);

/* Does any rule for verb and sender, whatever the group, say verify? */
int	ctlrule_any_verify(const struct ctlrule *rules, size_t n,
	    const char *verb, const char *sender);

/* "doit", "log", "drop", "verify" */
const char *ctlrule_action_name(enum ctlrule_action a);

/* ---- pgpverify's signed text ---------------------------------------- */

/*
 * From an article carrying X-PGP-Sig ("VERSION HEADER,LIST SIG-LINES"),
 * the two files gpgv checks, as INN's pgpverify makes them: *data, the
 * signed text ("X-Signed-Headers: LIST", each listed field as "Name:
 * value" with its folding kept, an empty line, the body un-stuffed, LF
 * line ends, white space before each line end dropped), and *sig, the
 * armored detached signature.  Both malloc'd, the caller frees them.
 * 0, or -1 with a reason (no or malformed X-PGP-Sig, a signed field
 * present twice, out of memory).
 */
int	ctlmsg_pgp_text(const struct article *a, char **data, size_t *datalen,
	    char **sig, size_t *siglen, char *reason, size_t len);

/*
 * gpgv's --status-fd output: 1 if it holds GOODSIG and VALIDSIG and the
 * signer is `want` (the first word of the key's user id, as pgpverify
 * takes it, or a key id or fingerprint in hex, its trailing digits at
 * least 8 of them, case ignored), with the signer found in `who`; else 0
 * and who says what was found.
 */
int	ctlmsg_gpgv_signer(const char *status, size_t len, const char *want,
	    char *who, size_t wholen);

#endif /* LOOM_CTLMSG_H */
