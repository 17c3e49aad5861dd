/* NNTP command tokenizer: verbs and arity from the caller's table. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"

/* RFC 3977 3.1: an argument is at most 497 octets. */
#define COMMAND_ARG_MAX		497

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

/*
 * The entry for verb and keyword.  A missing keyword matches the verb's
 * NNTP_VERB_BARE entry.  *verb_known says whether the verb itself is in
 * the table.
 */
static const struct nntp_verb_def *
command_find(const struct nntp_verb_table *t, const char *verb,
    const char *keyword, int *verb_known)
{
	const struct nntp_verb_def	*d;
	size_t				 i;

	*verb_known = 0;
	for (i = 0; i < t->n; i++) {
		d = t->verbs[i];
		/* The first letter rules out most verbs without a call. */
		if ((d->name[0] | 0x20) != (verb[0] | 0x20) ||
		    strcasecmp(d->name, verb) != 0)
			continue;
		*verb_known = 1;
		if (d->keyword == NULL)
			return (d);
		if (keyword == NULL ? (d->syntax & NNTP_VERB_BARE) != 0 :
		    strcasecmp(d->keyword, keyword) == 0)
			return (d);
	}
	return (NULL);
}

/* Does the verb take a keyword (LIST, MODE, AUTHINFO)? */
static int
command_has_keywords(const struct nntp_verb_table *t, const char *verb)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if ((t->verbs[i]->name[0] | 0x20) == (verb[0] | 0x20) &&
		    strcasecmp(t->verbs[i]->name, verb) == 0)
			return (t->verbs[i]->keyword != NULL);
	return (0);
}

enum nntp_parse_result
nntp_command_parse(const struct nntp_verb_table *table, char *line,
    struct nntp_command *cmd, const char **errstr)
{
	const struct nntp_verb_def *d;
	char			*p = line, *verb, *keyword = NULL, *arg;
	int			 known;
	size_t			 len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->loggable = strlen(line);
	if (errstr != NULL)
		*errstr = NULL;
	if ((verb = command_next_word(&p)) == NULL)
		return (NNTP_PARSE_EMPTY);
	if (command_has_keywords(table, verb))
		keyword = command_next_word(&p);
	d = command_find(table, verb, keyword, &known);
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
	cmd->verb = d;
	if (d->syntax & NNTP_VERB_REST) {
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
		if (cmd->argc == d->args.upper) {
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
	if (cmd->argc < d->args.lower) {
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

char *
nntp_verb_name(const struct nntp_verb_def *verb, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s%s%s", verb->name, verb->keyword != NULL ?
	    " " : "", verb->keyword != NULL ? verb->keyword : "");
	return (buf);
}

int
nntp_verb_is(const struct nntp_verb_def *verb, const char *name)
{
	size_t	n = strlen(verb->name);

	if (strncmp(name, verb->name, n) != 0)
		return (0);
	if (verb->keyword == NULL)
		return (name[n] == '\0');
	return (name[n] == ' ' && strcmp(name + n + 1, verb->keyword) == 0);
}
