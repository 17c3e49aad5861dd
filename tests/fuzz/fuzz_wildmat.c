/* libFuzzer: wildmat matching and validation; text and pattern are split
   at the first NUL of the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wildmat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*err;
	char		*buf, *pat;
	size_t		 tlen;

	if ((buf = malloc(size + 2)) == NULL)
		return (0);
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	tlen = strlen(buf);
	pat = buf + (tlen < size ? tlen + 1 : tlen);
	(void)wildmat_valid(pat, &err);
	(void)wildmat_match(buf, pat);
	/* A pattern always matches itself once its metacharacters are
	   gone: "*" matches everything. */
	if (!wildmat_match(buf, "*"))
		abort();
	free(buf);
	return (0);
}
