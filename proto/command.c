/* NNTP command tokenizer and the constant verb table. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "command.h"

/* RFC 3977 3.1: an argument is at most 497 octets. */
#define COMMAND_ARG_MAX		497

/* The rest of the line is one argument (passwords may hold spaces). */
#define VERB_REST	0x01

struct verb_def {
	const char	*verb;
	const char	*keyword;	/* NULL: the verb takes none */
	enum nntp_verb	 id;
	int		 min, max;	/* arguments after verb and keyword */
	unsigned	 flags;
	const char	*usage;
};

/*
 * Every command Loom recognises, with its arity from RFC 3977, 4642, 4643,
 * 4644, 6048, 8054 and 2980 (XHDR, XPAT, XOVER), and Loom's own XTREE/XROOTS.
 * Verbs with keywords list each keyword; a verb's bare form (LIST alone)
 * has keyword "".
 */
static const struct verb_def verb_table[] = {
	{ "ARTICLE", NULL, VERB_ARTICLE, 0, 1, 0, "[message-id|number]" },
	{ "AUTHINFO", "USER", VERB_AUTHINFO_USER, 1, 1, VERB_REST, "name" },
	{ "AUTHINFO", "PASS", VERB_AUTHINFO_PASS, 1, 1, VERB_REST,
	  "password" },
	{ "AUTHINFO", "SASL", VERB_AUTHINFO_SASL, 1, 2, 0,
	  "mechanism [initial-response]" },
	{ "AUTHINFO", "GENERIC", VERB_AUTHINFO_GENERIC, 0, NNTP_ARGS_MAX, 0,
	  "authenticator [arguments...]" },
	{ "BODY", NULL, VERB_BODY, 0, 1, 0, "[message-id|number]" },
	{ "CAPABILITIES", NULL, VERB_CAPABILITIES, 0, 1, 0, "[keyword]" },
	{ "CHECK", NULL, VERB_CHECK, 1, 1, 0, "message-id" },
	{ "COMPRESS", NULL, VERB_COMPRESS, 1, 1, 0, "algorithm" },
	{ "DATE", NULL, VERB_DATE, 0, 0, 0, "" },
	{ "GROUP", NULL, VERB_GROUP, 1, 1, 0, "group" },
	{ "HDR", NULL, VERB_HDR, 1, 2, 0, "field [message-id|range]" },
	{ "HEAD", NULL, VERB_HEAD, 0, 1, 0, "[message-id|number]" },
	{ "HELP", NULL, VERB_HELP, 0, 0, 0, "" },
	{ "IHAVE", NULL, VERB_IHAVE, 1, 1, 0, "message-id" },
	{ "LAST", NULL, VERB_LAST, 0, 0, 0, "" },
	{ "LIST", "", VERB_LIST_ACTIVE, 0, 0, 0, "" },
	{ "LIST", "ACTIVE", VERB_LIST_ACTIVE, 0, 1, 0, "[wildmat]" },
	{ "LIST", "ACTIVE.TIMES", VERB_LIST_ACTIVE_TIMES, 0, 1, 0,
	  "[wildmat]" },
	{ "LIST", "COUNTS", VERB_LIST_COUNTS, 0, 1, 0, "[wildmat]" },
	{ "LIST", "DISTRIB.PATS", VERB_LIST_DISTRIB_PATS, 0, 0, 0, "" },
	{ "LIST", "HEADERS", VERB_LIST_HEADERS, 0, 1, 0, "[MSGID|RANGE]" },
	{ "LIST", "NEWSGROUPS", VERB_LIST_NEWSGROUPS, 0, 1, 0, "[wildmat]" },
	{ "LIST", "OVERVIEW.FMT", VERB_LIST_OVERVIEW_FMT, 0, 0, 0, "" },
	{ "LISTGROUP", NULL, VERB_LISTGROUP, 0, 2, 0, "[group [range]]" },
	{ "MODE", "READER", VERB_MODE_READER, 0, 0, 0, "" },
	{ "MODE", "STREAM", VERB_MODE_STREAM, 0, 0, 0, "" },
	{ "NEWGROUPS", NULL, VERB_NEWGROUPS, 2, 3, 0, "date time [GMT]" },
	{ "NEWNEWS", NULL, VERB_NEWNEWS, 3, 4, 0, "wildmat date time [GMT]" },
	{ "NEXT", NULL, VERB_NEXT, 0, 0, 0, "" },
	{ "OVER", NULL, VERB_OVER, 0, 1, 0, "[message-id|range]" },
	{ "POST", NULL, VERB_POST, 0, 0, 0, "" },
	{ "QUIT", NULL, VERB_QUIT, 0, 0, 0, "" },
	{ "STARTTLS", NULL, VERB_STARTTLS, 0, 0, 0, "" },
	{ "STAT", NULL, VERB_STAT, 0, 1, 0, "[message-id|number]" },
	{ "TAKETHIS", NULL, VERB_TAKETHIS, 1, 1, 0, "message-id" },
	{ "XHDR", NULL, VERB_XHDR, 1, 2, 0, "field [message-id|range]" },
	{ "XOVER", NULL, VERB_XOVER, 0, 1, 0, "[range]" },
	{ "XPAT", NULL, VERB_XPAT, 3, NNTP_ARGS_MAX, 0,
	  "field message-id|range pattern..." },
	{ "XROOTS", NULL, VERB_XROOTS, 0, 2, 0, "[group [range]]" },
	{ "XTREE", NULL, VERB_XTREE, 1, 1, 0, "message-id" },
};

#define VERB_N	(sizeof(verb_table) / sizeof(verb_table[0]))

static int
command_is_space(char c)
{
	return (c == ' ' || c == '\t');
}

/* Cut the next word at *p; NULL at the end of the line. */
static char *
command_next_word(char **p)
{
	char	*start, *s = *p;

	while (command_is_space(*s))
		s++;
	if (*s == '\0') {
		*p = s;
		return (NULL);
	}
	start = s;
	while (*s != '\0' && !command_is_space(*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return (start);
}

static const struct verb_def *
command_find(const char *verb, const char *keyword, int *verb_known)
{
	size_t	i;

	*verb_known = 0;
	for (i = 0; i < VERB_N; i++) {
		if (strcasecmp(verb_table[i].verb, verb) != 0)
			continue;
		*verb_known = 1;
		if (verb_table[i].keyword == NULL)
			return (&verb_table[i]);
		if (strcasecmp(verb_table[i].keyword, keyword != NULL ?
		    keyword : "") == 0)
			return (&verb_table[i]);
	}
	return (NULL);
}

/* Does the verb take a keyword (LIST, MODE, AUTHINFO)? */
static int
command_has_keywords(const char *verb)
{
	size_t	i;

	for (i = 0; i < VERB_N; i++)
		if (strcasecmp(verb_table[i].verb, verb) == 0)
			return (verb_table[i].keyword != NULL);
	return (0);
}

enum nntp_parse_result
nntp_command_parse(char *line, struct nntp_command *cmd, const char **errstr)
{
	const struct verb_def	*d;
	char			*p = line, *verb, *keyword = NULL, *arg;
	int			 known;
	size_t			 len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->loggable = strlen(line);
	if (errstr != NULL)
		*errstr = NULL;
	if ((verb = command_next_word(&p)) == NULL)
		return (NNTP_PARSE_EMPTY);
	if (command_has_keywords(verb))
		keyword = command_next_word(&p);
	d = command_find(verb, keyword, &known);
	/* Nothing after AUTHINFO's keyword may be shown, and not even the
	   keyword when it is not one we know: "AUTHINFO hunter2" is a
	   password with the PASS forgotten. */
	if (strcasecmp(verb, "AUTHINFO") == 0) {
		arg = d != NULL && keyword != NULL ? keyword : verb;
		len = (size_t)(arg - line) + strlen(arg);
		cmd->secret = cmd->loggable > len;
		cmd->loggable = len;
	}
	if (d == NULL) {
		if (!known)
			return (NNTP_PARSE_UNKNOWN);
		if (errstr != NULL)
			*errstr = keyword == NULL ? "Keyword required" :
			    "Unknown keyword";
		return (NNTP_PARSE_SYNTAX);
	}
	/* Known from here on, also when the arguments are wrong: a command
	   whose data block follows regardless (TAKETHIS) must be known. */
	cmd->verb = d->id;
	if (d->flags & VERB_REST) {
		/* One argument: the rest of the line after one separator,
		   so passwords keep their inner and trailing spaces. */
		while (command_is_space(*p))
			p++;
		if (*p == '\0') {
			if (errstr != NULL)
				*errstr = "Argument required";
			return (NNTP_PARSE_SYNTAX);
		}
		if (strlen(p) > COMMAND_ARG_MAX) {
			if (errstr != NULL)
				*errstr = "Argument too long";
			return (NNTP_PARSE_SYNTAX);
		}
		cmd->argv[cmd->argc++] = p;
		return (NNTP_PARSE_OK);
	}
	while ((arg = command_next_word(&p)) != NULL) {
		if (cmd->argc == d->max) {
			if (errstr != NULL)
				*errstr = "Too many arguments";
			return (NNTP_PARSE_SYNTAX);
		}
		len = strlen(arg);
		if (len > COMMAND_ARG_MAX) {
			if (errstr != NULL)
				*errstr = "Argument too long";
			return (NNTP_PARSE_SYNTAX);
		}
		cmd->argv[cmd->argc++] = arg;
	}
	if (cmd->argc < d->min) {
		if (errstr != NULL)
			*errstr = "Too few arguments";
		return (NNTP_PARSE_SYNTAX);
	}
	return (NNTP_PARSE_OK);
}

int
nntp_algorithm_valid(const char *name)
{
	size_t	n;

	for (n = 0; name[n] != '\0'; n++)
		if (!((name[n] >= 'A' && name[n] <= 'Z') ||
		    (name[n] >= '0' && name[n] <= '9') || name[n] == '-' ||
		    name[n] == '_'))
			return (0);
	return (n >= 1 && n <= 20);
}

/* Canonical names of the verbs that take a keyword. */
static const struct {
	enum nntp_verb	 id;
	const char	*name;
} keyword_names[] = {
	{ VERB_AUTHINFO_USER, "AUTHINFO USER" },
	{ VERB_AUTHINFO_PASS, "AUTHINFO PASS" },
	{ VERB_AUTHINFO_SASL, "AUTHINFO SASL" },
	{ VERB_AUTHINFO_GENERIC, "AUTHINFO GENERIC" },
	{ VERB_LIST_ACTIVE, "LIST ACTIVE" },
	{ VERB_LIST_ACTIVE_TIMES, "LIST ACTIVE.TIMES" },
	{ VERB_LIST_COUNTS, "LIST COUNTS" },
	{ VERB_LIST_DISTRIB_PATS, "LIST DISTRIB.PATS" },
	{ VERB_LIST_HEADERS, "LIST HEADERS" },
	{ VERB_LIST_NEWSGROUPS, "LIST NEWSGROUPS" },
	{ VERB_LIST_OVERVIEW_FMT, "LIST OVERVIEW.FMT" },
	{ VERB_MODE_READER, "MODE READER" },
	{ VERB_MODE_STREAM, "MODE STREAM" },
};

const char *
nntp_verb_name(enum nntp_verb verb)
{
	size_t	i;

	for (i = 0; i < sizeof(keyword_names) / sizeof(keyword_names[0]); i++)
		if (keyword_names[i].id == verb)
			return (keyword_names[i].name);
	for (i = 0; i < VERB_N; i++)
		if (verb_table[i].id == verb)
			return (verb_table[i].verb);
	return ("?");
}

const char *
nntp_verb_usage(enum nntp_verb verb)
{
	size_t	i;

	for (i = 0; i < VERB_N; i++)
		if (verb_table[i].id == verb && (verb_table[i].keyword == NULL ||
		    verb_table[i].keyword[0] != '\0'))
			return (verb_table[i].usage);
	return ("");
}
