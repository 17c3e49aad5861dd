/* TLS for clients: STARTTLS (RFC 4642) and implicit-TLS listeners. */
#ifndef LOOM_TLS_H
#define LOOM_TLS_H

#include <stddef.h>

struct ssl_ctx_st;

/*
 * A server context from PEM files: TLS 1.2 at least (1.3 preferred by
 * OpenSSL's defaults), no compression, no renegotiation, the server's
 * cipher order.  NULL with a reason in err.
 */
struct ssl_ctx_st	*tls_ctx_new(const char *cert, const char *key, char *err,
			    size_t errlen);
void			 tls_ctx_free(struct ssl_ctx_st *ctx);

#endif /* LOOM_TLS_H */
