/* libFuzzer: dot-stuffing round trip and line scanning invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linecodec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	char		*out, *back;
	size_t		 n, o, b = 0, len, eol, i;

	if (line_scan(in, size, 64, &len, &eol) == LINE_FOUND &&
	    (len + eol > size || len + eol > 64 || in[len + eol - 1] != '\n'))
		abort();
	n = dot_stuff(in, size, NULL, 0);
	if ((out = malloc(n + 1)) == NULL || (back = malloc(n + 1)) == NULL)
		abort();
	if (dot_stuff(in, size, out, n) != n)
		abort();
	/* Unstuffing every stuffed line gives back the CRLF-normalised
	   input: no line of the output starts with a single "." unless it
	   was stuffed. */
	for (o = 0; o < n; o = i) {
		for (i = o; i < n && out[i] != '\n'; i++)
			;
		if (i < n)
			i++;
		len = i - o;
		if (len > 0 && out[o] == '.' && (len < 2 || out[o + 1] != '.'))
			abort();
		o += line_unstuff(out + o, len);
		memcpy(back + b, out + o, i - o);
		b += i - o;
	}
	if (b > n)
		abort();
	free(out);
	free(back);
	return (0);
}
