/*
 * libFuzzer: address range lists as the config gives them, matched against
 * an address taken from the input's last 17 octets (family byte and 16
 * address octets).  Parsing must never crash, and a parsed range must
 * contain the network address it was written as.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrmatch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct addr_range	*r = NULL;
	size_t			 n = 0, i, tlen;
	char			*text, err[128];

	if (size < 17)
		return (0);
	tlen = size - 17;
	if ((text = malloc(tlen + 1)) == NULL)
		return (0);
	memcpy(text, data, tlen);
	text[tlen] = '\0';
	memset(&ss, 0, sizeof(ss));
	if (data[tlen] & 1) {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, data + tlen + 1, 16);
	} else {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, data + tlen + 1, 4);
	}
	if (addr_list_parse(text, &r, &n, err, sizeof(err)) == 0) {
		(void)addr_list_match(r, n, (struct sockaddr *)&ss);
		for (i = 0; i < n; i++) {
			/* The range's own base address is inside it. */
			memset(&ss, 0, sizeof(ss));
			if (r[i].family == AF_INET) {
				sin->sin_family = AF_INET;
				memcpy(&sin->sin_addr, r[i].addr, 4);
			} else if (r[i].family == AF_INET6) {
				sin6->sin6_family = AF_INET6;
				memcpy(&sin6->sin6_addr, r[i].addr, 16);
			} else
				continue;
			if (!addr_range_match(&r[i], (struct sockaddr *)&ss))
				abort();
		}
		free(r);
	} else if (err[0] == '\0')
		abort();
	free(text);
	return (0);
}
