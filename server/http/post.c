/*
 * Posting from the web (docs/web.md): the login form, the web sessions
 * behind its cookie, CSRF tokens, logout, and the comment and reply forms.
 *
 * A comment is posted through NNTP POST itself: the web front end opens a
 * session of loomd's own (session_adopt: on one end of a socketpair, with
 * the visitor's address as its peer and the member's name as its login,
 * or for a visitor no login and visitor_groups as its posting rights)
 * and speaks POST to it.  So a web comment takes exactly the
 * path of a newsreader's: the same validation, injection (with the
 * visitor's address as posting host), [filter] rules and filter program,
 * posts_per_minute, access rules, writer and synced commit; the page says
 * "posted" only after the 240, which follows the commit.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "anon.h"
#include "article.h"
#include "form.h"
#include "http_int.h"
#include "log.h"
#include "mime.h"
#include "msgid.h"
#include "pwcheck.h"
#include "ratelimit.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"
#include "wildmat.h"

/* Web sessions held at once; the oldest goes when a login needs room. */
#define WEB_SESSIONS_MAX	4096
#define WEB_SESSION_TTL		(7 * 86400)
/* Bodies of the form posts, per route (evhttp's limit is the largest). */
#define LOGIN_BODY_MAX		4096
#define COMMENT_BODY_MAX	(256 * 1024)
/* The text of one comment, as the member typed it. */
#define COMMENT_TEXT_MAX	(64 * 1024)
/* Seconds the internal NNTP session may take (the filter program runs
   inside). */
#define POST_TIMEOUT		120
#define HDR_MAX			4096


/* Something waiting for a thread or a session: the request it answers,
   or NULL once its connection closed. */
struct web_wait {
	struct http_server	*hs;
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;
	int			 https;
	struct web_wait		*next;
};

struct web_auth {
	struct web_login	 logins[WEB_SESSIONS_MAX];
	size_t			 nlogins;
	struct web_wait		*waits;
};

static void
token_new(char *hex)
{
	unsigned char	raw[WEB_TOKEN_HEX / 2];
	size_t		i;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
}

/* Equal tokens, in time independent of where they differ. */
static int
token_eq(const char *a, const char *b)
{
	if (strlen(a) != WEB_TOKEN_HEX || strlen(b) != WEB_TOKEN_HEX)
		return (0);
	return (CRYPTO_memcmp(a, b, WEB_TOKEN_HEX) == 0);
}

struct web_auth *
webauth_new(void)
{
	return (xcalloc(1, sizeof(struct web_auth)));
}

void
webauth_free(struct web_auth *wa)
{
	struct web_wait	*w, *next;

	if (wa == NULL)
		return;
	/* Waits still held by a pwcheck job or a session are freed by
	   their owners, which stop with the server. */
	for (w = wa->waits; w != NULL; w = next) {
		next = w->next;
		w->req = NULL;
		w->hs = NULL;
	}
	OPENSSL_cleanse(wa, sizeof(*wa));
	free(wa);
}

static void
wait_add(struct http_req *r, struct web_wait *w)
{
	struct web_auth	*wa = http_webauth(r->hs);

	w->hs = r->hs;
	w->req = r->req;
	w->evcon = evhttp_request_get_connection(r->req);
	w->https = r->https;
	w->next = wa->waits;
	wa->waits = w;
}

static void
wait_remove(struct web_wait *w)
{
	struct web_auth	*wa;
	struct web_wait	**pp;

	if (w->hs == NULL)
		return;
	wa = http_webauth(w->hs);
	for (pp = &wa->waits; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->hs = NULL;
}

/* evhttp freed a connection: its waiting requests went with it. */
void
webauth_conn_closed(struct web_auth *wa, struct evhttp_connection *evcon)
{
	struct web_wait	*w;

	for (w = wa->waits; w != NULL; w = w->next)
		if (w->evcon == evcon)
			w->req = NULL;
}

/* A request to answer again, after the wait: r filled from w. */
static int
wait_request(struct web_wait *w, struct http_req *r)
{
	const struct sockaddr	*sa;

	if (w->req == NULL || w->hs == NULL)
		return (0);
	memset(r, 0, sizeof(*r));
	r->hs = w->hs;
	r->srv = http_server_srv(w->hs);
	r->req = w->req;
	r->https = w->https;
	sa = evhttp_connection_get_addr(w->evcon);
	if (sa == NULL)
		return (0);
	return (1);
}

/* ---- Cookies and the session of a request ------------------------- */

/* The value of cookie `name` in the Cookie header, or 0. */
static int
cookie_get(struct evhttp_request *req, const char *name, char *out,
    size_t outlen)
{
	const char	*c, *p, *end;
	size_t		 nlen = strlen(name), vlen;

	c = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Cookie");
	if (c == NULL)
		return (0);
	for (p = c; *p != '\0'; p = *end == ';' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen = (size_t)(end - p) - nlen - 1;
			if (vlen >= outlen)
				return (0);
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return (1);
		}
	}
	return (0);
}

static void
cookie_set(struct http_req *r, const char *name, const char *value,
    long max_age)
{
	char	buf[256];

	/* HttpOnly: no script reads it; SameSite=Strict: no other site's
	   page sends it; Secure over HTTPS. */
	snprintf(buf, sizeof(buf), "%s=%s; Path=/; Max-Age=%ld; HttpOnly; "
	    "SameSite=Strict%s", name, value, max_age, r->https ?
	    "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Set-Cookie", buf);
}

/* The member logged in on this request's cookie, if any (http.c calls
   this before routing, and resolves access for that user). */
void
webauth_request(struct http_req *r)
{
	struct web_auth		*wa = http_webauth(r->hs);
	struct web_login	*l;
	char			 tok[WEB_TOKEN_HEX + 2];
	time_t			 now = time(NULL);
	size_t			 i;

	r->login = NULL;
	if (!cookie_get(r->req, "loom_session", tok, sizeof(tok)))
		return;
	for (i = 0; i < wa->nlogins; i++) {
		l = &wa->logins[i];
		if (!token_eq(l->token, tok))
			continue;
		if (now - l->created > WEB_SESSION_TTL) {
			wa->logins[i] = wa->logins[--wa->nlogins];
			return;
		}
		r->login = l;
		return;
	}
}

static struct web_login *
login_new(struct web_auth *wa, const char *user)
{
	struct web_login	*l;
	size_t			 i, old = 0;
	time_t			 now = time(NULL);

	/* Drop the expired; when full, the oldest. */
	for (i = 0; i < wa->nlogins; )
		if (now - wa->logins[i].created > WEB_SESSION_TTL)
			wa->logins[i] = wa->logins[--wa->nlogins];
		else
			i++;
	if (wa->nlogins == WEB_SESSIONS_MAX) {
		for (i = 1; i < wa->nlogins; i++)
			if (wa->logins[i].created < wa->logins[old].created)
				old = i;
		wa->logins[old] = wa->logins[--wa->nlogins];
	}
	l = &wa->logins[wa->nlogins++];
	memset(l, 0, sizeof(*l));
	token_new(l->token);
	token_new(l->csrf);
	loom_strlcpy(l->user, user, sizeof(l->user));
	l->created = now;
	return (l);
}

/* ---- Form bodies ---------------------------------------------------- */

/* The request body, NUL-terminated in a new buffer: NULL (and the reply
   sent) when it is larger than max or not a form. */
static char *
form_body(struct http_req *r, size_t max, size_t *lenp)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->req);
	const char	*ct;
	size_t		 len = evbuffer_get_length(in);
	char		*p;

	ct = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Content-Type");
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded",
	    33) != 0) {
		http_error(r, 415, "Forms only.");
		return (NULL);
	}
	if (len > max) {
		http_error(r, 413, "Too large.");
		return (NULL);
	}
	p = xmalloc(len + 1);
	if (evbuffer_copyout(in, p, len) != (ev_ssize_t)len) {
		free(p);
		http_error(r, 500, "Cannot read the request.");
		return (NULL);
	}
	p[len] = '\0';
	if (!form_valid(p, len)) {
		free(p);
		http_error(r, 400, "Malformed form.");
		return (NULL);
	}
	*lenp = len;
	return (p);
}

/* A place to go back to: a local path, never another site, re-encoded
   (the query or form decoded it) so the Location is a plain URL. */
static void
next_path(const char *in, char *out, size_t outlen)
{
	static const char	 safe[] = "-._~/?=&#";
	size_t			 i, o = 0;
	unsigned char		 c;

	loom_strlcpy(out, "/", outlen);
	if (in == NULL || in[0] != '/' || in[1] == '/' || in[1] == '\\')
		return;
	for (i = 0; in[i] != '\0'; i++) {
		c = (unsigned char)in[i];
		if (o + 4 > outlen) {
			loom_strlcpy(out, "/", outlen);
			return;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != '\0' &&
		    strchr(safe, c) != NULL) || (c == '%' &&
		    isxdigit((unsigned char)in[i + 1]) &&
		    isxdigit((unsigned char)in[i + 2])))
			out[o++] = (char)c;
		else {
			snprintf(out + o, 4, "%%%02X", c);
			o += 3;
		}
	}
	out[o] = '\0';
}

static void
redirect(struct http_req *r, const char *where)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Location", where);
	http_send(r, 303, "text/html; charset=utf-8", NULL, "no-store");
}

/* ---- Forms on the pages ---------------------------------------------- */

static void
hidden(struct mime_buf *b, const char *name, const char *value)
{
	mime_buf_adds(b, "<input type=\"hidden\" name=\"");
	mime_buf_adds(b, name);
	mime_buf_adds(b, "\" value=\"");
	mime_html_escape(value, strlen(value), b);
	mime_buf_adds(b, "\">");
}

static int	reply_groups_read(struct http_req *, const char *, char *,
		    size_t);
static int	groups_all(struct http_req *, const char *, int);

#define GROUPS_ANONYMOUS	0	/* [posting] anonymous_groups */
#define GROUPS_VISITOR		1	/* [http] visitor_groups, readable */

/* A token in hex, as made by token_new. */
static int
token_form(const char *t)
{
	size_t	i;

	for (i = 0; i < WEB_TOKEN_HEX; i++)
		if (!isxdigit((unsigned char)t[i]))
			return (0);
	return (t[i] == '\0');
}

/*
 * A visitor's CSRF token: a double submit, as the login form's.  The
 * random value lives in the cookie loom_visitor (HttpOnly,
 * SameSite=Strict) and in each visitor's form; a post needs both equal.
 * Made once per visitor and kept a week, so pages stay cacheable.
 */
const char *
webvisitor_token(struct http_req *r)
{
	char	tok[WEB_TOKEN_HEX + 2];

	if (r->visitor[0] != '\0')
		return (r->visitor);
	if (cookie_get(r->req, "loom_visitor", tok, sizeof(tok)) &&
	    token_form(tok))
		loom_strlcpy(r->visitor, tok, sizeof(r->visitor));
	else {
		token_new(r->visitor);
		cookie_set(r, "loom_visitor", r->visitor, WEB_SESSION_TTL);
	}
	return (r->visitor);
}

int
webvisitor_may_post(struct http_req *r, const char *groups)
{
	return (r->login == NULL &&
	    r->srv->cfg.http_visitor_groups[0] != '\0' && groups != NULL &&
	    groups_all(r, groups, GROUPS_VISITOR));
}

/* The visitor's part of the form: a name, and a field people do not see
   (style.css hides it; a robot filling every field fills it too). */
static void
visitor_fields(struct http_req *r, struct mime_buf *b)
{
	mime_buf_adds(b, "<label class=\"name\">Name <input name=\"name\" "
	    "maxlength=\"64\" autocomplete=\"nickname\" placeholder=\"");
	mime_html_escape(r->srv->cfg.http_visitor_name,
	    strlen(r->srv->cfg.http_visitor_name), b);
	mime_buf_adds(b, "\"></label><label class=\"hp\" aria-hidden=\"true\">"
	    "Leave this empty <input name=\"website\" tabindex=\"-1\" "
	    "autocomplete=\"off\"></label>");
}

/* The form that posts a reply to msgid; open: the comment form under the
   thread, else one folded under its comment.  groups: where the reply
   goes (the parent's Followup-To or Newsgroups), NULL: read it.  A
   member gets it, with the "Post anonymously" box where every group of
   the reply allows that; a visitor where [http] visitor_groups allows
   every group, with a name field. */
int
webform_reply(struct http_req *r, struct mime_buf *b, const char *msgid,
    const char *groups, int open)
{
	char		 buf[HDR_MAX];
	const char	*csrf;
	int		 visitor;

	if (groups == NULL && (r->login != NULL ||
	    r->srv->cfg.http_visitor_groups[0] != '\0') &&
	    reply_groups_read(r, msgid, buf, sizeof(buf)))
		groups = buf;
	visitor = webvisitor_may_post(r, groups);
	if (r->login == NULL && !visitor) {
		if (open) {
			mime_buf_adds(b, "<p class=\"login\"><a href=\"/login"
			    "?next=/t/");
			mime_url_encode(msgid, strlen(msgid), b);
			mime_buf_adds(b, "\">Log in</a> to comment.</p>\n");
		}
		return (0);
	}
	csrf = visitor ? webvisitor_token(r) : r->login->csrf;
	mime_buf_adds(b, open ? "<section class=\"comment\"><h2>Comment"
	    "</h2>" : "<details class=\"reply\"><summary>Reply</summary>");
	mime_buf_adds(b, "<form method=\"post\" action=\"/post\" "
	    "accept-charset=\"utf-8\">");
	hidden(b, "csrf", csrf);
	hidden(b, "parent", msgid);
	if (visitor)
		visitor_fields(r, b);
	mime_buf_adds(b, "<textarea name=\"body\" rows=\"");
	mime_buf_adds(b, open ? "6" : "4");
	mime_buf_adds(b, "\" required aria-label=\"Your comment\">"
	    "</textarea>");
	if (!visitor && groups != NULL && r->srv->cfg.anonymous_groups[0] !=
	    '\0' && groups_all(r, groups, GROUPS_ANONYMOUS)) {
		mime_buf_adds(b, "<label class=\"anonymous\"><input "
		    "type=\"checkbox\" name=\"anonymous\" value=\"yes\"> "
		    "Post anonymously, as ");
		mime_html_escape(r->srv->cfg.anonymous_from,
		    strlen(r->srv->cfg.anonymous_from), b);
		mime_buf_adds(b, "</label>");
	}
	if (visitor)
		mime_buf_adds(b, "<button type=\"submit\">Post</button>");
	else {
		mime_buf_adds(b, "<button type=\"submit\">Post as ");
		mime_html_escape(r->login->user, strlen(r->login->user), b);
		mime_buf_adds(b, "</button>");
	}
	mime_buf_adds(b, "</form>");
	if (visitor && open) {
		mime_buf_adds(b, "<p class=\"login\">No account needed; or <a "
		    "href=\"/login?next=/t/");
		mime_url_encode(msgid, strlen(msgid), b);
		mime_buf_adds(b, "\">log in</a>.</p>");
	}
	mime_buf_adds(b, open ? "</section>\n" : "</details>");
	return (1);
}

/* Who is logged in, and the logout form (a POST: a link could be
   followed by anything). */
void
webform_account(struct http_req *r, struct mime_buf *b)
{
	if (r->login == NULL) {
		mime_buf_adds(b, "<a class=\"account\" href=\"/login\">Log in"
		    "</a>");
		return;
	}
	mime_buf_adds(b, "<form class=\"account\" method=\"post\" "
	    "action=\"/logout\"><span>");
	mime_html_escape(r->login->user, strlen(r->login->user), b);
	mime_buf_adds(b, "</span> ");
	hidden(b, "csrf", r->login->csrf);
	mime_buf_adds(b, "<button type=\"submit\">Log out</button></form>");
}

/* ---- House rules ----------------------------------------------------- */

#define RULES_MAX	8192

/* The rules file of group (rules_dir/GROUP): an open descriptor, or -1.
   A valid group name has no "/" and no "..". */
static int
rules_open(const struct server *srv, const char *group)
{
	char	path[CONFIG_PATH_MAX + STORE_GROUP_MAX + 2];

	if (srv->cfg.http_rules_dir[0] == '\0' || group[0] == '\0' ||
	    !article_newsgroup_valid(group, strlen(group)))
		return (-1);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s",
	    srv->cfg.http_rules_dir, group) >= sizeof(path))
		return (-1);
	return (open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
}

/* What identifies the rules as they are (for a thread page's ETag). */
uint64_t
webrules_tag(struct http_req *r, const char *group, uint64_t tag)
{
	struct stat	st;
	int		fd;

	if ((fd = rules_open(r->srv, group)) == -1)
		return (http_hash(tag, "-", 1));
	if (fstat(fd, &st) == 0) {
		tag = http_hash(tag, &st.st_mtim, sizeof(st.st_mtim));
		tag = http_hash(tag, &st.st_size, sizeof(st.st_size));
		tag = http_hash(tag, &st.st_ino, sizeof(st.st_ino));
	}
	close(fd);
	return (tag);
}

/* The group's house rules, if it has any: at most RULES_MAX octets of a
   small local file, read as UTF-8 and escaped. */
void
webrules(struct http_req *r, struct mime_buf *b, const char *group)
{
	struct mime_buf	 text;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = rules_open(r->srv, group)) == -1)
		return;
	buf = xmalloc(RULES_MAX);
	while (len < RULES_MAX && (n = read(fd, buf + len, RULES_MAX - len)) >
	    0)
		len += (size_t)n;
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (len > 0) {
		memset(&text, 0, sizeof(text));
		mime_to_utf8("utf-8", buf, len, &text);
		mime_buf_adds(b, "<section class=\"rules\"><h2>House rules"
		    "</h2><div class=\"body\">");
		if (text.len > 0)
			mime_html_escape(text.p, text.len, b);
		mime_buf_adds(b, "</div></section>\n");
		mime_buf_free(&text);
	}
	free(buf);
}

/* ---- Login and logout ------------------------------------------------ */

static void
login_page(struct http_req *r, int code, const char *next,
    const char *message)
{
	struct mime_buf	b;
	char		pre[WEB_TOKEN_HEX + 1];

	/* Login CSRF: the form carries the value of a cookie this page
	   sets (double submit; SameSite=Strict keeps other sites from
	   sending it). */
	token_new(pre);
	cookie_set(r, "loom_pre", pre, 3600);
	memset(&b, 0, sizeof(b));
	page_begin(&b, "Log in");
	mime_buf_adds(&b, "<h1>Log in</h1>\n");
	if (message != NULL) {
		mime_buf_adds(&b, "<p class=\"error\">");
		mime_html_escape(message, strlen(message), &b);
		mime_buf_adds(&b, "</p>\n");
	}
	mime_buf_adds(&b, "<form class=\"login\" method=\"post\" "
	    "action=\"/login\" accept-charset=\"utf-8\">");
	hidden(&b, "csrf", pre);
	hidden(&b, "next", next);
	mime_buf_adds(&b, "<label>User <input name=\"user\" "
	    "autocomplete=\"username\" required></label>\n<label>Password "
	    "<input name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required></label>\n"
	    "<button type=\"submit\">Log in</button></form>\n");
	page_end(&b);
	r->etag_done = 1;
	http_send(r, code, "text/html; charset=utf-8", &b, "no-store");
	mime_buf_free(&b);
}

void
page_login(struct http_req *r, const char *query)
{
	char	next[512], raw[512];

	raw[0] = '\0';
	http_query_value(query, "next", raw, sizeof(raw));
	next_path(raw, next, sizeof(next));
	if (r->login != NULL) {
		redirect(r, next);
		return;
	}
	login_page(r, 200, next, NULL);
}

struct login_job {
	struct pwcheck_job	pj;	/* first: pwcheck frees it as such */
	struct web_wait		w;
	char			user[STORE_USER_MAX + 1];
	char			next[512];
	char			host[INET6_ADDRSTRLEN];
	struct server		*srv;
	time_t			reserved;	/* counted as a failure then */
	unsigned		reserved_gen;
	int			has_reservation;
};

/* The failed-login table AUTHINFO counts in (server.h), shared: guesses
   over the web and over NNTP add up per address.  A guess counts before
   it is checked, and a right one is taken back, as AUTHINFO does. */
static void
login_release(struct login_job *lj)
{
	struct server	*srv = lj->srv;

	if (!lj->has_reservation || srv->auth_failures == NULL ||
	    lj->reserved_gen != srv->auth_failures_gen)
		return;
	ratelimit_unrecord(srv->auth_failures, lj->host, lj->reserved,
	    time(NULL));
	lj->has_reservation = 0;
}

static void
login_done(struct pwcheck_job *pj, void *arg LOOM_UNUSED)
{
	struct login_job	*lj = (struct login_job *)pj;
	struct web_login	*l;
	struct http_req		 r;
	struct web_auth		*wa;

	if (lj->w.hs != NULL && wait_request(&lj->w, &r)) {
		wa = http_webauth(r.hs);
		wait_remove(&lj->w);
		if (pj->result == 1) {
			login_release(lj);
			l = login_new(wa, lj->user);
			log_info("web: login user=%s", lj->user);
			cookie_set(&r, "loom_session", l->token,
			    WEB_SESSION_TTL);
			cookie_set(&r, "loom_pre", "", 0);
			redirect(&r, lj->next);
		} else {
			log_warnx("web: login failed user=%s%s", lj->user,
			    pj->result == -1 ? " (stored hash malformed)" :
			    "");
			login_page(&r, 403, lj->next,
			    "Wrong user name or password.");
		}
	} else {
		/* Nobody sees the answer: the guess taught nothing. */
		login_release(lj);
		wait_remove(&lj->w);
	}
	OPENSSL_cleanse(lj, sizeof(*lj));
	free(lj);
}

void
post_login(struct http_req *r)
{
	struct login_job	*lj;
	struct store_user	 u;
	char			*body, pre[WEB_TOKEN_HEX + 2];
	char			 csrf[WEB_TOKEN_HEX + 2], raw[512], msg[128];
	struct ratelimit	*rl;
	size_t			 len, pwlen = 0;
	time_t			 now = time(NULL);
	int			 rc;

	if ((body = form_body(r, LOGIN_BODY_MAX, &len)) == NULL)
		return;
	if (!cookie_get(r->req, "loom_pre", pre, sizeof(pre)) ||
	    form_field(body, len, "csrf", csrf, sizeof(csrf), NULL) != 0 ||
	    !token_eq(pre, csrf)) {
		free(body);
		http_error(r, 403, "The form has expired: reload the page.");
		return;
	}
	rl = r->srv->auth_failures;
	if (rl != NULL && !ratelimit_allowed(rl, r->addr, now)) {
		free(body);
		snprintf(msg, sizeof(msg), "Too many failed logins from your "
		    "address; try again in %u seconds.",
		    ratelimit_retry_after(rl, r->addr, now));
		log_warnx("web: login refused: too many failures from %s",
		    r->addr);
		login_page(r, 429, "/", msg);
		return;
	}
	lj = xcalloc(1, sizeof(*lj));
	lj->srv = r->srv;
	loom_strlcpy(lj->host, r->addr, sizeof(lj->host));
	raw[0] = '\0';
	(void)form_field(body, len, "next", raw, sizeof(raw), NULL);
	next_path(raw, lj->next, sizeof(lj->next));
	if (form_field(body, len, "user", lj->user, sizeof(lj->user),
	    NULL) != 0 || lj->user[0] == '\0' ||
	    (rc = form_field(body, len, "password", lj->pj.password,
	    sizeof(lj->pj.password), &pwlen)) == 1) {
		OPENSSL_cleanse(body, len);
		free(body);
		login_page(r, 400, lj->next, "Give a user name and a "
		    "password.");
		free(lj);
		return;
	}
	/* Longer than any password: checked all the same, never matches. */
	lj->pj.pwlen = rc == -1 ? sizeof(lj->pj.password) : pwlen;
	OPENSSL_cleanse(body, len);
	free(body);
	/* An unknown user is checked too (stored ""), so the answer takes
	   as long either way. */
	if (store_user_get(r->srv->store, lj->user, &u) == STORE_OK)
		loom_strlcpy(lj->pj.stored, u.hash, sizeof(lj->pj.stored));
	OPENSSL_cleanse(&u, sizeof(u));
	lj->pj.done = login_done;
	lj->pj.arg = NULL;
	if (rl != NULL) {
		lj->reserved = now;
		lj->reserved_gen = r->srv->auth_failures_gen;
		lj->has_reservation = 1;
		ratelimit_record(rl, r->addr, now);
	}
	if (r->srv->pwcheck == NULL ||
	    pwcheck_submit(r->srv->pwcheck, &lj->pj) == -1) {
		login_release(lj);
		OPENSSL_cleanse(lj, sizeof(*lj));
		free(lj);
		http_error(r, 503, "Too many logins at once; try again.");
		return;
	}
	wait_add(r, &lj->w);
}

void
post_logout(struct http_req *r)
{
	struct web_auth	*wa = http_webauth(r->hs);
	char		*body, csrf[WEB_TOKEN_HEX + 2];
	size_t		 len, i;

	if ((body = form_body(r, LOGIN_BODY_MAX, &len)) == NULL)
		return;
	if (r->login == NULL || form_field(body, len, "csrf", csrf,
	    sizeof(csrf), NULL) != 0 || !token_eq(r->login->csrf, csrf)) {
		free(body);
		http_error(r, 403, "The form has expired: reload the page.");
		return;
	}
	free(body);
	log_info("web: logout user=%s", r->login->user);
	i = (size_t)(r->login - wa->logins);
	wa->logins[i] = wa->logins[--wa->nlogins];
	r->login = NULL;
	cookie_set(r, "loom_session", "", 0);
	redirect(r, "/");
}

/* ---- Posting --------------------------------------------------------- */

/* The value of header field `name` in the header block, unfolded; 0 if
   absent. */
static int
hdr_get(const char *wire, size_t hlen, const char *name, char *out,
    size_t outlen)
{
	const char	*p = wire, *end = wire + hlen, *eol;
	size_t		 nlen = strlen(name), o = 0;
	int		 in = 0;

	out[0] = '\0';
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol == NULL ? end : eol + 1;
		if (in && (*p == ' ' || *p == '\t')) {
			/* a continuation line */
		} else if (in)
			break;
		else if ((size_t)(eol - p) > nlen &&
		    strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			in = 1;
			p += nlen + 1;
		} else {
			p = eol;
			continue;
		}
		while (p < eol && *p != '\r' && *p != '\n') {
			if (o + 1 < outlen)
				out[o++] = *p == '\t' ? ' ' : *p;
			p++;
		}
		p = eol;
	}
	out[o] = '\0';
	/* Without the leading white space. */
	for (o = 0; out[o] == ' '; o++)
		;
	memmove(out, out + o, strlen(out + o) + 1);
	return (in);
}

struct parent {
	char	newsgroups[HDR_MAX], followup[HDR_MAX], subject[HDR_MAX];
	char	references[HDR_MAX];
};

static void
parent_fields(const char *wire, const struct store_article_info *info,
    struct parent *pa)
{

	hdr_get(wire, info->header_len, "Newsgroups", pa->newsgroups,
	    sizeof(pa->newsgroups));
	hdr_get(wire, info->header_len, "Followup-To", pa->followup,
	    sizeof(pa->followup));
	hdr_get(wire, info->header_len, "Subject", pa->subject,
	    sizeof(pa->subject));
	hdr_get(wire, info->header_len, "References", pa->references,
	    sizeof(pa->references));
}

struct parent_ctx {
	struct parent		 pa;
	const struct access	*acc;
	int			 ok;
};

static int
parent_read_cb(const char *wire, size_t len LOOM_UNUSED,
    const struct store_article_info *info, void *arg)
{
	struct parent_ctx	*pc = arg;

	if (!access_can_read_xref(pc->acc, info->xref))
		return (0);
	pc->ok = 1;
	parent_fields(wire, info, &pc->pa);
	return (0);
}

/* The groups a reply to pa goes to, as build_article names them. */
static const char *
reply_groups(const struct parent *pa)
{
	return (pa->followup[0] != '\0' && strcmp(pa->followup, "poster") !=
	    0 ? pa->followup : pa->newsgroups);
}

/* The groups a reply to msgid goes to, into out: 0 when the visitor
   may not read it or it is not there. */
static int
reply_groups_read(struct http_req *r, const char *msgid, char *out,
    size_t outlen)
{
	struct parent_ctx	*pc;
	int			 ok;

	pc = xcalloc(1, sizeof(*pc));
	pc->acc = &r->acc;
	ok = store_article_get(r->srv->store, msgid, parent_read_cb, pc) ==
	    STORE_OK && pc->ok;
	if (ok)
		loom_strlcpy(out, reply_groups(&pc->pa), outlen);
	free(pc);
	return (ok);
}

/*
 * Is every group of the list `groups` one that takes anonymous posts
 * (GROUPS_ANONYMOUS), or one a visitor may comment in and read
 * (GROUPS_VISITOR)?  The form's promise only: loomd decides again when
 * it is posted (POST checks the session's rights and anonymous_groups).
 */
static int
groups_all(struct http_req *r, const char *groups, int what)
{
	const char	*p = groups, *end = groups + strlen(groups), *item;
	char		 name[STORE_GROUP_MAX + 1];
	size_t		 n;
	int		 any = 0;

	while (article_list_next(&p, end, &item, &n)) {
		if (n == 0 || n >= sizeof(name))
			return (0);
		memcpy(name, item, n);
		name[n] = '\0';
		if (what == GROUPS_ANONYMOUS ?
		    !anon_group_allowed(&r->srv->cfg, name) :
		    (!wildmat_match(name, r->srv->cfg.http_visitor_groups) ||
		    !access_can_read(&r->acc, name)))
			return (0);
		any = 1;
	}
	return (any);
}

/*
 * References for a reply (RFC 5537 3.4.4): the parent's, then the
 * parent; when too long, the first and as many of the last as fit.
 */
static void
references(const char *prefs, const char *parent, struct mime_buf *out)
{
	const char	*ids[64];
	size_t		 lens[64], n = 0, i, total, first;
	const char	*p = prefs, *s;

	while (*p != '\0' && n < 63) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		s = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if (msgid_valid_nntp(s, (size_t)(p - s))) {
			ids[n] = s;
			lens[n++] = (size_t)(p - s);
		}
	}
	ids[n] = parent;
	lens[n++] = strlen(parent);
	total = 0;
	for (i = 0; i < n; i++)
		total += lens[i] + 1;
	first = 1;
	/* A header line stays under 998 octets with the folding below,
	   but keep the field itself modest, as the RFC asks. */
	while (total > 900 && n - first > 1) {
		total -= lens[first] + 1;
		first++;
	}
	mime_buf_adds(out, "References: ");
	mime_buf_add(out, ids[0], lens[0]);
	for (i = n > 1 ? first : n; i < n; i++) {
		mime_buf_adds(out, "\r\n ");
		mime_buf_add(out, ids[i], lens[i]);
	}
	mime_buf_adds(out, "\r\n");
}

/* A user name that is also a valid local part (dot-atom text). */
static int
user_atom(const char *u)
{
	size_t	i;

	if (u[0] == '\0' || u[0] == '.')
		return (0);
	for (i = 0; u[i] != '\0'; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' &&
		    u[i] <= 'Z') || (u[i] >= '0' && u[i] <= '9') ||
		    strchr("._-+", u[i]) != NULL) || (u[i] == '.' &&
		    (u[i + 1] == '.' || u[i + 1] == '\0')))
			return (0);
	return (1);
}

/* The proto-article for POST, dot-stuffed, ending with ".\r\n". */
static int
build_article(struct http_req *r, const struct parent *pa, const char *msgid,
    const char *text, const char *name, int anonymous, struct mime_buf *out,
    const char **why)
{
	const char	*p, *eol, *groups;
	size_t		 n;
	int		 ascii = 1, any = 0;

	if (r->login != NULL && !user_atom(r->login->user)) {
		*why = "Your user name cannot be an address: post with a "
		    "newsreader.";
		return (-1);
	}
	for (p = text; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			ascii = 0;
		if (*p != ' ' && *p != '\r' && *p != '\n' && *p != '\t')
			any = 1;
	}
	if (!any) {
		*why = "Write something first.";
		return (-1);
	}
	groups = reply_groups(pa);
	mime_buf_adds(out, "From: ");
	if (r->login == NULL) {
		/* A visitor: the name given (mime_name_clean) as a
		   display name, the configured address. */
		mime_display_name(name, out);
		mime_buf_adds(out, " <");
		mime_buf_adds(out, r->srv->cfg.http_visitor_address);
	} else {
		mime_buf_adds(out, r->login->user);
		mime_buf_adds(out, " <");
		mime_buf_adds(out, r->login->user);
		mime_buf_adds(out, "@");
		mime_buf_adds(out, r->srv->cfg.domain[0] != '\0' ?
		    r->srv->cfg.domain : r->srv->cfg.pathhost);
	}
	mime_buf_adds(out, ">\r\nNewsgroups: ");
	mime_buf_adds(out, groups);
	mime_buf_adds(out, "\r\nSubject: ");
	if (strncasecmp(pa->subject, "Re:", 3) != 0)
		mime_buf_adds(out, "Re: ");
	mime_buf_adds(out, pa->subject[0] != '\0' ? pa->subject : "(none)");
	mime_buf_adds(out, "\r\n");
	references(pa->references, msgid, out);
	mime_buf_adds(out, "MIME-Version: 1.0\r\nContent-Type: text/plain; "
	    "charset=");
	mime_buf_adds(out, ascii ? "us-ascii" : "utf-8");
	mime_buf_adds(out, "\r\nContent-Transfer-Encoding: ");
	mime_buf_adds(out, ascii ? "7bit" : "8bit");
	mime_buf_adds(out, "\r\nUser-Agent: Loom web\r\n");
	/* policy/anon.h: loomd replaces From and refuses where it may
	   not. */
	if (anonymous)
		mime_buf_adds(out, ANON_HEADER ": yes\r\n");
	mime_buf_adds(out, "\r\n");
	/* The text's lines, CR LF or LF, as CR LF lines, dot-stuffed;
	   trailing blank lines dropped. */
	n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' ||
	    text[n - 1] == ' '))
		n--;
	for (p = text; p < text + n; p = eol + (eol < text + n)) {
		if ((eol = memchr(p, '\n', (size_t)(text + n - p))) == NULL)
			eol = text + n;
		if (*p == '.')
			mime_buf_adds(out, ".");
		mime_buf_add(out, p, (size_t)(eol - p) - (eol > p &&
		    eol[-1] == '\r'));
		mime_buf_adds(out, "\r\n");
	}
	mime_buf_adds(out, ".\r\n");
	return (out->oom ? -1 : 0);
}

enum post_state {
	POST_GREETING,
	POST_340,
	POST_240
};

struct post_job {
	struct web_wait		 w;
	struct bufferevent	*bev;		/* our end of the NNTP session */
	enum post_state		 state;
	struct mime_buf		 article;
	char			 parent[STORE_MSGID_MAX + 1];
};

static void
post_job_free(struct post_job *pj)
{
	wait_remove(&pj->w);
	if (pj->bev != NULL)
		bufferevent_free(pj->bev);
	mime_buf_free(&pj->article);
	free(pj);
}

/* The outcome, on the page: the thread at the new comment, or why not. */
static void
post_finish(struct post_job *pj, const char *line)
{
	struct http_req	 r;
	struct mime_buf	 b, loc;
	const char	*id;
	char		 msgid[STORE_MSGID_MAX + 1];
	size_t		 n;

	if (!wait_request(&pj->w, &r)) {
		post_job_free(pj);
		return;
	}
	memset(&b, 0, sizeof(b));
	if (line != NULL && strncmp(line, "240 ", 4) == 0 &&
	    strstr(line, "awaiting moderation") != NULL) {
		/* Queued for the group's moderators (#15): taken, not shown
		   until approved, so no thread to send the visitor to. */
		page_begin(&b, "Awaiting moderation");
		mime_buf_adds(&b, "<h1>Awaiting moderation</h1>\n<p>Your "
		    "comment was received. The group is moderated: it will "
		    "appear in the thread once a moderator approves it.</p>\n"
		    "<p><a href=\"/t/");
		mime_url_encode(pj->parent, strlen(pj->parent), &b);
		mime_buf_adds(&b, "\">Back to the thread</a></p>\n");
		page_end(&b);
		r.etag_done = 1;
		http_send(&r, 202, "text/html; charset=utf-8", &b, "no-store");
		mime_buf_free(&b);
		post_job_free(pj);
		return;
	}
	if (line != NULL && strncmp(line, "240 ", 4) == 0 &&
	    (id = strchr(line, '<')) != NULL &&
	    (n = strcspn(id, " \r\n")) <= STORE_MSGID_MAX &&
	    msgid_valid_nntp(id, n)) {
		memcpy(msgid, id, n);
		msgid[n] = '\0';
		memset(&loc, 0, sizeof(loc));
		page_permalink(&loc, msgid, n);
		if (!loc.oom) {
			redirect(&r, loc.p);
			mime_buf_free(&loc);
			post_job_free(pj);
			return;
		}
		mime_buf_free(&loc);
	}
	page_begin(&b, "Not posted");
	mime_buf_adds(&b, "<h1>Not posted</h1>\n<p class=\"error\">");
	if (line != NULL && strlen(line) > 4)
		mime_html_escape(line + 4, strlen(line + 4), &b);
	else
		mime_buf_adds(&b, "The server could not take the post; try "
		    "again later.");
	mime_buf_adds(&b, "</p>\n<p><a href=\"/t/");
	mime_url_encode(pj->parent, strlen(pj->parent), &b);
	mime_buf_adds(&b, "\">Back to the thread</a></p>\n");
	page_end(&b);
	r.etag_done = 1;
	/* 440: the access rules give no posting rights from here. */
	http_send(&r, line != NULL && (strncmp(line, "441 ", 4) == 0 ||
	    strncmp(line, "435 ", 4) == 0) ? 422 : line != NULL &&
	    strncmp(line, "440 ", 4) == 0 ? 403 : 503,
	    "text/html; charset=utf-8", &b, "no-store");
	mime_buf_free(&b);
	post_job_free(pj);
}

static void
post_read_cb(struct bufferevent *bev, void *arg)
{
	struct post_job	*pj = arg;
	char		*line;
	size_t		 n;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), &n,
	    EVBUFFER_EOL_CRLF)) != NULL) {
		switch (pj->state) {
		case POST_GREETING:
			if (strncmp(line, "200 ", 4) != 0 &&
			    strncmp(line, "201 ", 4) != 0)
				goto done;
			bufferevent_write(bev, "POST\r\n", 6);
			pj->state = POST_340;
			break;
		case POST_340:
			if (strncmp(line, "340 ", 4) != 0)
				goto done;
			bufferevent_write(bev, pj->article.p,
			    pj->article.len);
			pj->state = POST_240;
			break;
		case POST_240:
			goto done;
		}
		free(line);
	}
	return;
done:
	post_finish(pj, line);
	free(line);
}

static void
post_event_cb(struct bufferevent *bev LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	/* Closed or timed out before the answer. */
	post_finish(arg, NULL);
}

/* Start loomd's own NNTP session for the poster (session_adopt: in
   process, no listener), from the visitor's address: logged in as the
   member, or, for a visitor, not logged in and with visitor_groups as
   its posting rights.  0, or -1 (nothing left open). */
static int
post_session(struct http_req *r, int *ourfd)
{
	struct evhttp_connection	*evcon;
	const struct sockaddr		*sa;
	struct session			*s;

	evcon = evhttp_request_get_connection(r->req);
	if ((sa = evhttp_connection_get_addr(evcon)) == NULL)
		return (-1);
	/* Refused (over the connection limits, or no access): NULL. */
	if ((s = session_adopt(r->srv, sa, sa->sa_family == AF_INET6 ?
	    (int)sizeof(struct sockaddr_in6) : (int)sizeof(struct sockaddr_in),
	    r->login != NULL ? r->login->user : NULL, r->login != NULL ? NULL :
	    r->srv->cfg.http_visitor_groups, ourfd)) == NULL)
		return (-1);
	log_info("session=%llx web post user=%s", (unsigned long long)s->id,
	    r->login != NULL ? s->user : "- (visitor)");
	return (0);
}

/* A visitor's form: the double submit of webvisitor_token. */
static int
visitor_csrf_ok(struct http_req *r, const char *csrf)
{
	char	tok[WEB_TOKEN_HEX + 2];

	return (r->srv->cfg.http_visitor_groups[0] != '\0' &&
	    cookie_get(r->req, "loom_visitor", tok, sizeof(tok)) &&
	    token_form(tok) && token_eq(tok, csrf));
}

void
post_comment(struct http_req *r)
{
	struct parent_ctx	*pc = NULL;
	struct post_job		*pj;
	struct timeval		 tv;
	char			*body, *text = NULL, csrf[WEB_TOKEN_HEX + 2];
	char			 parent[STORE_MSGID_MAX + 1], anon[8];
	char			 hp[64], raw[CONFIG_VISITOR_NAME_MAX * 2 + 2];
	char			 name[CONFIG_VISITOR_NAME_MAX + 1];
	const char		*why = NULL;
	size_t			 len;
	int			 fd, anonymous = 0, code = 400;

	name[0] = '\0';
	if ((body = form_body(r, COMMENT_BODY_MAX, &len)) == NULL)
		return;
	/* The token first: a forged form does nothing, member's or
	   visitor's. */
	if (form_field(body, len, "csrf", csrf, sizeof(csrf), NULL) != 0 ||
	    (r->login != NULL ? !token_eq(r->login->csrf, csrf) :
	    !visitor_csrf_ok(r, csrf))) {
		free(body);
		http_error(r, 403, r->login == NULL &&
		    r->srv->cfg.http_visitor_groups[0] == '\0' ?
		    "Log in to post." : "The form has expired: reload the "
		    "page.");
		return;
	}
	text = xmalloc(COMMENT_TEXT_MAX + 1);
	if (form_field(body, len, "parent", parent, sizeof(parent), NULL) !=
	    0 || !msgid_valid_nntp(parent, strlen(parent))) {
		why = "No such article to reply to.";
		goto bad;
	}
	if (form_field(body, len, "body", text, COMMENT_TEXT_MAX + 1, NULL) !=
	    0) {
		why = "The comment is too long.";
		goto bad;
	}
	pc = xcalloc(1, sizeof(*pc));
	pc->acc = &r->acc;
	if (store_article_get(r->srv->store, parent, parent_read_cb, pc) !=
	    STORE_OK || !pc->ok) {
		why = "No such article to reply to.";
		code = 404;
		goto bad;
	}
	if (r->login == NULL) {
		if (!webvisitor_may_post(r, reply_groups(&pc->pa))) {
			why = "Visitors cannot comment here: log in.";
			code = 403;
			goto bad;
		}
		/* The field people never see: filled, it was a robot.
		   Nothing is posted, and nothing says why. */
		hp[0] = '\0';
		if (form_field(body, len, "website", hp, sizeof(hp), NULL) ==
		    -1 || hp[0] != '\0') {
			log_info("web: visitor post dropped from %s: hidden "
			    "field filled", r->addr);
			why = "Not posted.";
			code = 422;
			goto bad;
		}
		raw[0] = '\0';
		if (form_field(body, len, "name", raw, sizeof(raw), NULL) ==
		    -1 || mime_name_clean(raw, CONFIG_VISITOR_NAME_MAX, name,
		    sizeof(name)) == -1) {
			why = "A name is at most 64 octets of text, on one "
			    "line.";
			goto bad;
		}
		if (name[0] == '\0')
			loom_strlcpy(name, r->srv->cfg.http_visitor_name,
			    sizeof(name));
	} else
		anonymous = form_field(body, len, "anonymous", anon,
		    sizeof(anon), NULL) == 0 && strcmp(anon, "yes") == 0;
	pj = xcalloc(1, sizeof(*pj));
	loom_strlcpy(pj->parent, parent, sizeof(pj->parent));
	if (build_article(r, &pc->pa, parent, text, name, anonymous,
	    &pj->article, &why) == -1) {
		mime_buf_free(&pj->article);
		free(pj);
		goto bad;
	}
	free(body);
	free(text);
	free(pc);
	if (post_session(r, &fd) == -1) {
		mime_buf_free(&pj->article);
		free(pj);
		http_error(r, 503, "Cannot post now; try again later.");
		return;
	}
	if ((pj->bev = bufferevent_socket_new(r->srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		mime_buf_free(&pj->article);
		free(pj);
		http_error(r, 503, "Cannot post now; try again later.");
		return;
	}
	tv.tv_sec = POST_TIMEOUT;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(pj->bev, &tv, &tv);
	bufferevent_setcb(pj->bev, post_read_cb, NULL, post_event_cb, pj);
	bufferevent_enable(pj->bev, EV_READ | EV_WRITE);
	wait_add(r, &pj->w);
	return;
bad:
	free(body);
	free(text);
	free(pc);
	http_error(r, code, why);
}
