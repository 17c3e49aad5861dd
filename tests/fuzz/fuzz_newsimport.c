/*
 * libFuzzer: the rnews and mbox splitters and INN's line parsers never
 * read outside the input, always move forward, and hand back pieces that
 * lie inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "newsimport.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
inside(const char *buf, size_t len, const char *p, size_t n)
{
	if (p < buf || p + n > buf + len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*buf = (const char *)data, *art, *why, *from, *msg;
	const char		*s, *n, *d;
	size_t			 pos, prev, len, fl, ml, sl, nl, dl, i;
	struct inn_active	 a;
	struct inn_history	 h;
	time_t			 t;
	char			*copy;
	int			 r;

	pos = 0;
	while ((prev = pos, r = rnews_next(buf, size, &pos, &art, &len,
	    &why)) == 1) {
		inside(buf, size, art, len);
		if (pos <= prev && len > 0)
			abort();
		if (pos > size)
			abort();
	}
	if (r == -1 && why[0] == '\0')
		abort();
	pos = 0;
	while ((prev = pos, r = mbox_next(buf, size, &pos, &from, &fl, &msg,
	    &ml)) == 1) {
		inside(buf, size, from, fl);
		inside(buf, size, msg, ml);
		if (pos <= prev || pos > size)
			abort();
		(void)mbox_from_parse(from, fl, &s, &sl, &t);
		for (i = 0; i < ml; i++)
			if (i == 0 || msg[i - 1] == '\n')
				(void)mbox_unescape_skip(msg + i, ml - i);
	}
	if (inn_active_parse(buf, size, &a) == 0) {
		inside(buf, size, a.name, a.namelen);
		if (a.flag == '=')
			inside(buf, size, a.alias, a.aliaslen);
	}
	(void)inn_history_parse(buf, size, &h);
	if (inn_newsgroups_parse(buf, size, &n, &nl, &d, &dl) == 0) {
		inside(buf, size, n, nl);
		inside(buf, size, d, dl);
	}
	if ((copy = malloc(size + 1)) == NULL)
		abort();
	inn_msgid_hash_input(buf, size, copy);
	free(copy);
	return (0);
}
