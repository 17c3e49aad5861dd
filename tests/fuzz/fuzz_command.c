/* libFuzzer: the command tokenizer on arbitrary lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nntp_command	 cmd;
	const char		*err;
	char			*line;
	int			 i;

	if ((line = malloc(size + 1)) == NULL)
		return (0);
	memcpy(line, data, size);
	line[size] = '\0';
	if (nntp_command_parse(line, &cmd, &err) == NNTP_PARSE_OK) {
		/* Every argument is a non-empty word inside the line. */
		for (i = 0; i < cmd.argc; i++)
			if (cmd.argv[i] < line || cmd.argv[i] > line + size ||
			    cmd.argv[i][0] == '\0')
				abort();
		(void)nntp_verb_name(cmd.verb);
	}
	free(line);
	return (0);
}
