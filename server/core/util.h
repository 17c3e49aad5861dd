/* Small helpers for server/: allocation that treats out-of-memory as fatal. */
#ifndef LOOM_UTIL_H
#define LOOM_UTIL_H

#include <stddef.h>

/* A parameter a callback's fixed signature makes us take but not use. */
#define LOOM_UNUSED	__attribute__((__unused__))

void	*xmalloc(size_t size);
void	*xcalloc(size_t n, size_t size);
void	*xreallocarray(void *p, size_t n, size_t size);
char	*xstrdup(const char *s);

/* BSD strlcpy: copies at most size - 1 octets, always terminates (size >
   0); returns strlen(src) so truncation can be detected. */
size_t	 loom_strlcpy(char *dst, const char *src, size_t size);

#endif /* LOOM_UTIL_H */
