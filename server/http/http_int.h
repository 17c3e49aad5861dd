/* Inside server/http: the request being served and the page renderers. */
#ifndef LOOM_HTTP_INT_H
#define LOOM_HTTP_INT_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "access.h"

struct evhttp_request;
struct http_server;
struct mime_buf;
struct server;

struct http_req {
	struct http_server	*hs;
	struct server		*srv;
	struct evhttp_request	*req;
	int			 https;
	int			 etag_done;	/* an ETag header was set */
	char			 addr[INET6_ADDRSTRLEN];
	struct access		 acc;		/* an anonymous reader's */
};

/* http.c */
uint64_t http_hash(uint64_t h, const void *p, size_t len);
/* Send body (NULL: none) with the security headers; a 200 gets an ETag
   from its content unless http_precondition set one. */
void	 http_send(struct http_req *r, int code, const char *ctype,
	    const struct mime_buf *body, const char *cache);
/* Set the ETag from tag; 1 (and the 304 sent) if the client has it. */
int	 http_precondition(struct http_req *r, uint64_t tag);
void	 http_error(struct http_req *r, int code, const char *text);

/* pages.c */
void	 page_begin(struct mime_buf *b, const char *title);
void	 page_end(struct mime_buf *b);
void	 page_index(struct http_req *r, const char *query);
void	 page_style(struct http_req *r);
void	 page_group(struct http_req *r, const char *enc, const char *query);
void	 page_atom(struct http_req *r, const char *enc);
void	 page_thread(struct http_req *r, const char *enc);
void	 page_article(struct http_req *r, const char *enc);
void	 page_reply(struct http_req *r, const char *enc);

#endif /* LOOM_HTTP_INT_H */
