/*
 * The read-only web pages (docs/web.md): an HTTP (and HTTPS) listener on
 * the server's event loop, built on libevent's evhttp.  Off unless [http]
 * listen or tls_listen (or --http, --https) names an address.
 */
#ifndef LOOM_HTTP_H
#define LOOM_HTTP_H

#include <stddef.h>

struct config;
struct server;
struct http_server;

/* Bind the web listeners of cfg (before loomd gives up root); http_start
   serves on them.  -1 with err set on failure. */
int			 http_listen(const struct config *cfg, char *err,
			    size_t errlen);

/*
 * Open the configured HTTP listeners on srv's loop.  Returns the web
 * server, NULL with err[0] == '\0' when none is configured, or NULL with a
 * reason in err.
 */
struct http_server	*http_start(struct server *srv, char *err,
			    size_t errlen);

/* Close every listener and connection; after the loop has stopped. */
void			 http_stop(struct http_server *hs);

#endif /* LOOM_HTTP_H */
