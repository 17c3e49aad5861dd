/*
 * libFuzzer: dot-stuffing round trip, line scanning invariants, and the
 * block reader: the same lines whatever pieces the input arrives in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linecodec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Read in[0..len) as a block arriving in pieces of the sizes cuts[]
 * gives (cycled; 0 means all the rest), as the session does: unconsumed
 * input kept, block_next called until it wants more.  Every event goes
 * to out (line octets + 1, 2 for a skipped line, 3 for the end).
 * Returns the octets of out.
 */
static size_t
block_run(const char *in, size_t len, const uint8_t *cuts, size_t ncuts,
    size_t line_max, char *out, size_t *left, int *too_long)
{
	struct block_reader	 r;
	enum block_event	 ev;
	const char		*line;
	char			*pend;
	size_t			 plen = 0, fed = 0, o = 0, k = 0;
	size_t			 used, n, step;

	if ((pend = malloc(len + 1)) == NULL)
		abort();
	block_reader_init(&r, 1 << 20, line_max);
	while (fed < len) {
		step = ncuts > 0 ? cuts[k++ % ncuts] : 0;
		if (step == 0 || step > len - fed)
			step = len - fed;
		memcpy(pend + plen, in + fed, step);
		plen += step;
		fed += step;
		for (;;) {
			ev = block_next(&r, pend, plen, &used, &line, &n);
			if (used > plen)
				abort();
			if (ev == BLOCK_LINE) {
				if (line < pend || line + n > pend + used)
					abort();
				memcpy(out + o, line, n);
				o += n;
				out[o++] = 1;
			} else if (ev == BLOCK_SKIP)
				out[o++] = 2;
			else if (ev == BLOCK_END)
				out[o++] = 3;
			memmove(pend, pend + used, plen - used);
			plen -= used;
			if (ev == BLOCK_MORE)
				break;
			if (ev == BLOCK_END) {
				*left = plen + (len - fed);
				*too_long = r.too_long;
				free(pend);
				return (o);
			}
		}
	}
	*left = plen;
	*too_long = r.too_long;
	free(pend);
	return (o);
}

static void
block_check(const uint8_t *data, size_t size)
{
	const char	*in;
	char		*a, *b;
	size_t		 ncuts, la, lb, lefta, leftb;
	int		 tla, tlb;

	if (size < 1)
		return;
	/* The first octet: how many of the next ones are piece sizes. */
	ncuts = data[0] % 8;
	if (size < 1 + ncuts)
		return;
	in = (const char *)data + 1 + ncuts;
	size -= 1 + ncuts;
	/* Each line adds at most 2 octets of marks to its own. */
	if ((a = malloc(2 * size + 2)) == NULL ||
	    (b = malloc(2 * size + 2)) == NULL)
		abort();
	/* No line is over-long here (line_max above the input), so the
	   pieces must not matter. */
	la = block_run(in, size, NULL, 0, size + 1, a, &lefta, &tla);
	lb = block_run(in, size, data + 1, ncuts, size + 1, b, &leftb, &tlb);
	if (la != lb || memcmp(a, b, la) != 0 || lefta != leftb || tla != tlb)
		abort();
	/* With a small line_max the lines may differ, but the end is
	   found as surely, and what follows it is left alone. */
	lb = block_run(in, size, data + 1, ncuts, 16, b, &leftb, &tlb);
	if ((la > 0 && a[la - 1] == 3) != (lb > 0 && b[lb - 1] == 3))
		abort();
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	char		*out, *back;
	size_t		 n, o, b = 0, len, eol, i;

	block_check(data, size);
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
