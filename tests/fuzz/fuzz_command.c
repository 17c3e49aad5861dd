/* libFuzzer: the command tokenizer on arbitrary lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Verbs of every shape the parser knows: keywords, a bare form, the rest
   of the line as one argument, optional and unbounded arguments.  (The
   server's table lives with its handlers, which this harness does not
   link.) */
static const struct nntp_verb_def fuzz_verbs[] = {
	{ .name = "ARTICLE", .args = { 0, 1 } },
	{ .name = "AUTHINFO", .keyword = "PASS", .args = { 1, 1 },
	  .syntax = NNTP_VERB_REST },
	{ .name = "AUTHINFO", .keyword = "SASL", .args = { 1, 2 } },
	{ .name = "LIST", .keyword = "ACTIVE", .args = { 0, 1 },
	  .syntax = NNTP_VERB_BARE },
	{ .name = "LIST", .keyword = "OVERVIEW.FMT" },
	{ .name = "NEWNEWS", .args = { 3, 4 } },
	{ .name = "XPAT", .args = { 3, NNTP_ARGS_MAX } },
};
static const struct nntp_verb_def *const fuzz_table_verbs[] = {
	&fuzz_verbs[0], &fuzz_verbs[1], &fuzz_verbs[2], &fuzz_verbs[3],
	&fuzz_verbs[4], &fuzz_verbs[5], &fuzz_verbs[6],
};
static const struct nntp_verb_table fuzz_table = {
	fuzz_table_verbs, sizeof(fuzz_table_verbs) / sizeof(fuzz_table_verbs[0])
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nntp_command	 cmd;
	const char		*err;
	char			*line, name[NNTP_VERB_NAME_MAX];
	int			 i;

	if ((line = malloc(size + 1)) == NULL)
		return (0);
	memcpy(line, data, size);
	line[size] = '\0';
	if (nntp_command_parse(&fuzz_table, line, &cmd,
	    &err) == NNTP_PARSE_OK) {
		/* Every argument is a non-empty word inside the line. */
		for (i = 0; i < cmd.argc; i++)
			if (cmd.argv[i] < line || cmd.argv[i] > line + size ||
			    cmd.argv[i][0] == '\0')
				abort();
		(void)nntp_verb_name(cmd.verb, name, sizeof(name));
	}
	free(line);
	return (0);
}
