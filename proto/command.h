/*
 * The syntactic half of NNTP command dispatch: split a command line into a
 * verb (and, for LIST, MODE and AUTHINFO, its keyword) and arguments, and
 * check the argument count against a constant table.  What a command means
 * and when it may run is the server's business (server/dispatch.c); this
 * table knows only spelling and arity, so it can be unit-tested alone.
 */
#ifndef LOOM_COMMAND_H
#define LOOM_COMMAND_H

#include <stddef.h>

#include "nntp.h"

enum nntp_verb {
	VERB_NONE = 0,
	VERB_ARTICLE,
	VERB_AUTHINFO_USER,
	VERB_AUTHINFO_PASS,
	VERB_AUTHINFO_SASL,	/* recognised so it can be refused with 503 */
	VERB_AUTHINFO_GENERIC,	/* likewise */
	VERB_BODY,
	VERB_CAPABILITIES,
	VERB_CHECK,
	VERB_COMPRESS,		/* RFC 8054 */
	VERB_DATE,
	VERB_GROUP,
	VERB_HDR,
	VERB_HEAD,
	VERB_HELP,
	VERB_IHAVE,
	VERB_LAST,
	VERB_LIST_ACTIVE,	/* also plain LIST */
	VERB_LIST_ACTIVE_TIMES,
	VERB_LIST_COUNTS,
	VERB_LIST_DISTRIB_PATS,
	VERB_LIST_HEADERS,
	VERB_LIST_NEWSGROUPS,
	VERB_LIST_OVERVIEW_FMT,
	VERB_LISTGROUP,
	VERB_MODE_READER,
	VERB_MODE_STREAM,
	VERB_NEWGROUPS,
	VERB_NEWNEWS,
	VERB_NEXT,
	VERB_OVER,
	VERB_POST,
	VERB_QUIT,
	VERB_STARTTLS,
	VERB_STAT,
	VERB_TAKETHIS,
	VERB_XHDR,
	VERB_XOVER,
	VERB_XPAT,
	VERB_XROOTS,
	VERB_XTREE,
	VERB__COUNT
};

/* A parsed command.  argv[] points into the caller's line buffer. */
struct nntp_command {
	enum nntp_verb	 verb;
	int		 argc;			/* after the verb and keyword */
	char		*argv[NNTP_ARGS_MAX];
	/*
	 * How many octets from the start of the line may be logged or kept.
	 * The whole line, but for AUTHINFO (any keyword, known or not, and
	 * also when the parse fails) only up to the end of the keyword:
	 * whatever follows may be a password, however the client spaced or
	 * cased it.  `secret` says the line holds more than that.  Set by
	 * every return of nntp_command_parse(), so the caller decides what
	 * to mask from the words the parser saw, never from the raw text.
	 */
	size_t		 loggable;
	int		 secret;
};

enum nntp_parse_result {
	NNTP_PARSE_OK = 0,
	NNTP_PARSE_EMPTY,	/* blank line: the server ignores it or says 501 */
	NNTP_PARSE_UNKNOWN,	/* unknown verb: 500 */
	NNTP_PARSE_SYNTAX	/* known verb, bad keyword or argument count: 501 */
};

/*
 * Parse one command line in place.  `line` is NUL-terminated and holds no
 * CR or LF (the line codec strips them).  Words are separated by runs of
 * SPACE or TAB (RFC 3977 3.1); the verb and keyword match case-insensitively
 * and exactly (no abbreviations).  Arguments keep their case.  On failure
 * *errstr (if not NULL) points at a static, human-readable reason.  On
 * NNTP_PARSE_SYNTAX for a known verb and keyword, cmd->verb is set (the
 * arguments are not to be used).
 */
enum nntp_parse_result nntp_command_parse(char *line, struct nntp_command *cmd,
    const char **errstr);

/*
 * Is `name` a syntactically valid algorithm name: 1 to 20 upper-case
 * letters, digits, "-" or "_" (RFC 8054 4.3 for COMPRESS; the same rule
 * as a SASL mechanism, RFC 4643 4)?  Case matters: "deflate" is not one.
 */
int nntp_algorithm_valid(const char *name);

/* Canonical spelling of a verb ("LIST ACTIVE", "MODE READER"); never NULL. */
const char *nntp_verb_name(enum nntp_verb verb);

/* Argument syntax shown by HELP, e.g. "[group [range]]"; never NULL. */
const char *nntp_verb_usage(enum nntp_verb verb);

#endif /* LOOM_COMMAND_H */
