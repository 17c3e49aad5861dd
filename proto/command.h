/*
 * The syntactic half of NNTP command dispatch: split a command line into a
 * verb (and, for LIST, MODE and AUTHINFO, its keyword) and arguments, and
 * check the argument count against the caller's table of verbs.  What a
 * command means and when it may run is the server's business
 * (server/nntp/dispatch.c); a verb here is only spelling, arity and usage,
 * so the parser can be unit-tested alone.  The server embeds a
 * struct nntp_verb_def as the first member of each command's entry, so one
 * definition beside the handler is the whole of a command (tmux's
 * cmd_entry); there is no list of verbs here to keep in step with it.
 */
#ifndef LOOM_COMMAND_H
#define LOOM_COMMAND_H

#include <stddef.h>

#include "nntp.h"

/* What the parser needs to know about a verb beyond its arity. */
#define NNTP_VERB_REST	0x01	/* the rest of the line is one argument
				   (passwords may hold spaces) */
#define NNTP_VERB_BARE	0x02	/* the verb alone means this keyword
				   (LIST is LIST ACTIVE) */

struct nntp_verb_def {
	const char	*name;		/* "LIST" */
	const char	*keyword;	/* "ACTIVE"; NULL: the verb takes none */
	struct {
		int	 lower, upper;	/* arguments after verb and keyword */
	} args;
	const char	*usage;		/* for HELP: "[wildmat]" */
	unsigned	 syntax;	/* NNTP_VERB_* */
};

/*
 * The verbs a parser recognises, in the order HELP lists them.  Every verb
 * with keywords lists each keyword; a verb is either always or never
 * followed by a keyword.
 */
struct nntp_verb_table {
	const struct nntp_verb_def *const *verbs;
	size_t				   n;
};

/* A parsed command.  argv[] points into the caller's line buffer. */
struct nntp_command {
	const struct nntp_verb_def *verb;	/* NULL: not recognised */
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
	 * This is the parser's own rule, not a flag of the table: a table
	 * that forgot it, or that serves no AUTHINFO at all, still never
	 * lets a password through.
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
 * arguments are not to be used); otherwise it is NULL.
 */
enum nntp_parse_result nntp_command_parse(const struct nntp_verb_table *table,
    char *line, struct nntp_command *cmd, const char **errstr);

/*
 * Is `name` a syntactically valid algorithm name: 1 to 20 upper-case
 * letters, digits, "-" or "_" (RFC 8054 4.3 for COMPRESS; the same rule
 * as a SASL mechanism, RFC 4643 4)?  Case matters: "deflate" is not one.
 */
int nntp_algorithm_valid(const char *name);

/*
 * Canonical spelling of a verb ("LIST ACTIVE", "MODE READER") into buf,
 * truncated to len - 1 octets; returns buf.  NNTP_VERB_NAME_MAX is enough.
 */
#define NNTP_VERB_NAME_MAX	64
char	*nntp_verb_name(const struct nntp_verb_def *verb, char *buf,
	    size_t len);

/* Is this the verb spelled `name` canonically ("LIST ACTIVE", "OVER")? */
int	 nntp_verb_is(const struct nntp_verb_def *verb, const char *name);

#endif /* LOOM_COMMAND_H */
