/* libFuzzer: the web pages' decoders (proto/mime.c).  Whatever the input,
   every output must be valid UTF-8 without NUL, and escaped HTML must hold
   no markup character. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless b holds valid UTF-8 without NUL (a plain, strict check). */
static void
check_utf8(const struct mime_buf *b)
{
	const unsigned char	*p = (const unsigned char *)b->p;
	size_t			 i = 0, n, k;
	uint32_t		 c;

	while (i < b->len) {
		if (p[i] == 0)
			abort();
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 1, c = p[i] & 0x1f;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 2, c = p[i] & 0x0f;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 3, c = p[i] & 0x07;
		else
			abort();
		if (i + n >= b->len)
			abort();
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				abort();
			c = c << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			abort();
		i += n + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_buf	 b, e;
	const char	*in = (const char *)data;
	char		 ct[64], cte[32];
	size_t		 i;

	memset(&b, 0, sizeof(b));
	mime_header_decode(in, size, &b);
	check_utf8(&b);
	memset(&e, 0, sizeof(e));
	mime_html_escape(b.p != NULL ? b.p : "", b.len, &e);
	for (i = 0; i < e.len; i++)
		if (strchr("<>\"'", e.p[i]) != NULL)
			abort();
	mime_buf_free(&e);
	mime_buf_free(&b);

	/* The first octets choose a charset and an encoding. */
	static const char *const cs[] = { "utf-8", "iso-8859-1", "koi8-r",
	    "shift_jis", "utf-16", "iso-2022-jp", "x-none" };
	static const char *const enc[] = { "7bit", "quoted-printable",
	    "base64" };
	if (size > 0 && data[0] % 8 == 7)
		snprintf(ct, sizeof(ct), "multipart/mixed; boundary=b");
	else
		snprintf(ct, sizeof(ct), "text/plain; charset=%s",
		    cs[size > 0 ? data[0] % 8 % 7 : 0]);
	snprintf(cte, sizeof(cte), "%s", enc[size > 1 ? data[1] % 3 : 0]);
	memset(&b, 0, sizeof(b));
	mime_body_decode(ct, cte, in + (size > 2 ? 2 : size),
	    size > 2 ? size - 2 : 0, &b);
	check_utf8(&b);
	mime_buf_free(&b);
	return (0);
}
