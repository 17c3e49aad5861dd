/* Inside server/http: the request being served and the page renderers. */
#ifndef LOOM_HTTP_INT_H
#define LOOM_HTTP_INT_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "access.h"
#include "store.h"

struct evhttp_request;
struct http_server;
struct mime_buf;
struct server;
struct web_auth;
struct web_login;
struct evhttp_connection;

/* 128 random bits, in hex. */
#define WEB_TOKEN_HEX		32

/* A member logged in on the web (post.c). */
struct web_login {
	char		 token[WEB_TOKEN_HEX + 1];	/* the cookie */
	char		 csrf[WEB_TOKEN_HEX + 1];	/* in every form */
	char		 user[STORE_USER_MAX + 1];
	time_t		 created;
};

struct http_req {
	struct http_server	*hs;
	struct server		*srv;
	struct evhttp_request	*req;
	int			 https;
	int			 etag_done;	/* an ETag header was set */
	char			 addr[INET6_ADDRSTRLEN];
	struct access		 acc;		/* the visitor's or member's */
	struct web_login	*login;		/* NULL: not logged in */
	char			 visitor[WEB_TOKEN_HEX + 1]; /* "": none yet */
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
struct web_auth	*http_webauth(struct http_server *hs);
struct server	*http_server_srv(struct http_server *hs);
/* The value of key in a query string, percent-decoded ("" if absent). */
void	 http_query_value(const char *query, const char *key, char *out,
	    size_t outlen);

/* post.c: logins, CSRF, the forms and posting through NNTP POST */
struct web_auth	*webauth_new(void);
void	 webauth_free(struct web_auth *wa);
void	 webauth_conn_closed(struct web_auth *wa,
	    struct evhttp_connection *evcon);
void	 webauth_request(struct http_req *r);
/* The reply form for msgid (groups: where the reply goes, NULL to read
   the article); 1 if a form was written. */
int	 webform_reply(struct http_req *r, struct mime_buf *b,
	    const char *msgid, const char *groups, int open);
/* May this visitor (not logged in) comment where groups says? */
int	 webvisitor_may_post(struct http_req *r, const char *groups);
/* The visitor's CSRF token (its cookie, set now if new): a page with a
   visitor's form hashes it into its ETag. */
const char *webvisitor_token(struct http_req *r);
void	 webform_account(struct http_req *r, struct mime_buf *b);
void	 webrules(struct http_req *r, struct mime_buf *b, const char *group);
uint64_t webrules_tag(struct http_req *r, const char *group, uint64_t tag);
void	 page_login(struct http_req *r, const char *query);
void	 post_login(struct http_req *r);
void	 post_logout(struct http_req *r);
void	 post_comment(struct http_req *r);

/* pages.c */
void	 page_begin(struct mime_buf *b, const char *title);
void	 page_permalink(struct mime_buf *b, const char *msgid, size_t len);
void	 page_end(struct mime_buf *b);
void	 page_index(struct http_req *r, const char *query);
void	 page_style(struct http_req *r);
void	 page_group(struct http_req *r, const char *enc, const char *query);
void	 page_atom(struct http_req *r, const char *enc);
void	 page_thread(struct http_req *r, const char *enc);
void	 page_thread_atom(struct http_req *r, const char *enc);
void	 page_article(struct http_req *r, const char *enc);
void	 page_reply(struct http_req *r, const char *enc);

#endif /* LOOM_HTTP_INT_H */
