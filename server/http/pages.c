/*
 * The pages: server-rendered HTML read from the store's indexes (group
 * list, XROOTS thread index, the thread walk), every byte of article data
 * decoded to UTF-8 (proto/mime.c) and escaped for where it goes.
 */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "access.h"
#include "article.h"
#include "http_int.h"
#include "mime.h"
#include "msgid.h"
#include "server.h"
#include "store.h"
#include "util.h"

/* Groups on one page of the index. */
#define INDEX_GROUPS_MAX	200
/* Octets of one article's body shown on a thread page; the rest is one
   click away (/a/). */
#define BODY_SHOW_MAX		(64 * 1024)
/* A thread page stops rendering bodies beyond this size: a slow reader
   holds its page in memory until the timeout. */
#define PAGE_MAX		(4 * 1024 * 1024)
/* Longest header field value looked at. */
#define FIELD_MAX		2048

static const char html_type[] = "text/html; charset=utf-8";

static void
esc(struct mime_buf *b, const char *s, size_t len)
{
	mime_html_escape(s, len, b);
}

static void
escs(struct mime_buf *b, const char *s)
{
	mime_html_escape(s, strlen(s), b);
}

/* Header text (RFC 2047, 8-bit) decoded and escaped. */
static void
esc_header(struct mime_buf *b, const char *s, size_t len)
{
	struct mime_buf	t;

	memset(&t, 0, sizeof(t));
	mime_header_decode(s, len, &t);
	if (t.len > 0)
		esc(b, t.p, t.len);
	mime_buf_free(&t);
}

/* A URL path segment: percent-encoded, which is also attribute-safe. */
static void
url(struct mime_buf *b, const char *s)
{
	mime_url_encode(s, strlen(s), b);
}

/* Where a comment lives: its thread page, scrolled to it ("/t/ID#m-ID"). */
void
page_permalink(struct mime_buf *b, const char *msgid, size_t len)
{
	mime_buf_adds(b, "/t/");
	mime_url_encode(msgid, len, b);
	mime_buf_adds(b, "#m-");
	mime_url_encode(msgid, len, b);
}

static void
fmt_time(struct mime_buf *b, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		buf[128];

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		mime_buf_adds(b, "-");
		return;
	}
	strftime(buf, sizeof(buf), "<time datetime=\"%Y-%m-%dT%H:%M:%SZ\">"
	    "%Y-%m-%d %H:%M UTC</time>", &tm);
	mime_buf_adds(b, buf);
}

/* The document head; title_html is already escaped.  feed: the path of
   an Atom feed to announce, or NULL. */
static void
page_head(struct mime_buf *b, const char *title_html, const char *feed)
{
	mime_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	mime_buf_adds(b, title_html);
	mime_buf_adds(b, "</title>\n<link rel=\"stylesheet\" "
	    "href=\"/style.css\">\n");
	if (feed != NULL) {
		mime_buf_adds(b, "<link rel=\"alternate\" "
		    "type=\"application/atom+xml\" href=\"");
		mime_buf_adds(b, feed);
		mime_buf_adds(b, "\">\n");
	}
	mime_buf_adds(b, "</head>\n<body>\n<header class=\"site\">"
	    "<a href=\"/\">Loom</a></header>\n<main>\n");
}

void
page_begin(struct mime_buf *b, const char *title)
{
	struct mime_buf	t;

	memset(&t, 0, sizeof(t));
	mime_html_escape(title, strlen(title), &t);
	page_head(b, t.p != NULL ? t.p : "", NULL);
	mime_buf_free(&t);
}

void
page_end(struct mime_buf *b)
{
	mime_buf_adds(b, "</main>\n</body>\n</html>\n");
}

static void
page_send(struct http_req *r, struct mime_buf *b)
{
	if (b->oom) {
		http_error(r, 500, "Out of memory.");
		return;
	}
	http_send(r, 200, html_type, b, NULL);
}

static void	author(struct mime_buf *, const char *);

/* ---- / ------------------------------------------------------------- */

struct index_ctx {
	const struct access	*acc;
	const char		*from;	/* shown on the page before */
	struct store_group	*groups;
	size_t			 n;
	int			 more;
};

static int
index_group_cb(const struct store_group *g, void *arg)
{
	struct index_ctx	*ic = arg;

	if (!access_can_read(ic->acc, g->name) ||
	    strcmp(g->name, ic->from) == 0)
		return (0);
	if (ic->n == INDEX_GROUPS_MAX) {
		ic->more = 1;
		return (1);
	}
	ic->groups[ic->n++] = *g;
	return (0);
}

static int
last_active_cb(const struct store_thread_summary *ts, void *arg)
{
	*(int64_t *)arg = ts->group_last != 0 ? ts->group_last : ts->last;
	return (1);
}

static void
query_value(const char *query, const char *key, char *out, size_t outlen)
{
	struct evkeyvalq	 q;
	const char		*v;

	out[0] = '\0';
	if (query == NULL)
		return;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) == 0 &&
	    (v = evhttp_find_header(&q, key)) != NULL && strlen(v) < outlen)
		memcpy(out, v, strlen(v) + 1);
	evhttp_clear_headers(&q);
}

void
http_query_value(const char *query, const char *key, char *out,
    size_t outlen)
{
	query_value(query, key, out, outlen);
}

void
page_index(struct http_req *r, const char *query)
{
	struct index_ctx		 ic;
	struct store_thread_cursor	 cur;
	struct mime_buf			 b;
	char				 from[STORE_GROUP_MAX + 1], n[32];
	int64_t				 last;
	size_t				 i;

	query_value(query, "from", from, sizeof(from));
	memset(&ic, 0, sizeof(ic));
	ic.acc = &r->acc;
	ic.from = from;
	ic.groups = xreallocarray(NULL, INDEX_GROUPS_MAX, sizeof(*ic.groups));
	if (store_group_foreach_from(r->srv->store, from, index_group_cb,
	    &ic) != STORE_OK) {
		free(ic.groups);
		http_error(r, 500, "The store could not be read.");
		return;
	}
	memset(&b, 0, sizeof(b));
	page_begin(&b, "Discussions");
	mime_buf_adds(&b, "<h1>Discussions</h1>\n");
	if (ic.n == 0)
		mime_buf_adds(&b, "<p>No groups to read.</p>\n");
	else
		mime_buf_adds(&b, "<ul class=\"groups\">\n");
	for (i = 0; i < ic.n; i++) {
		last = 0;
		memset(&cur, 0, sizeof(cur));
		(void)store_thread_roots(r->srv->store, ic.groups[i].id, 1,
		    last_active_cb, &last, &cur);
		mime_buf_adds(&b, "<li><a href=\"/g/");
		url(&b, ic.groups[i].name);
		mime_buf_adds(&b, "\">");
		escs(&b, ic.groups[i].name);
		mime_buf_adds(&b, "</a>");
		if (ic.groups[i].description[0] != '\0') {
			mime_buf_adds(&b, " <span class=\"desc\">");
			esc_header(&b, ic.groups[i].description,
			    strlen(ic.groups[i].description));
			mime_buf_adds(&b, "</span>");
		}
		snprintf(n, sizeof(n), "%u", ic.groups[i].count);
		mime_buf_adds(&b, " <span class=\"meta\">");
		mime_buf_adds(&b, n);
		mime_buf_adds(&b, ic.groups[i].count == 1 ? " article" :
		    " articles");
		if (last > 0) {
			mime_buf_adds(&b, ", active ");
			fmt_time(&b, last);
		}
		mime_buf_adds(&b, "</span></li>\n");
	}
	if (ic.n > 0)
		mime_buf_adds(&b, "</ul>\n");
	if (ic.more) {
		/* The next page starts after the last name shown. */
		mime_buf_adds(&b, "<p><a rel=\"next\" href=\"/?from=");
		url(&b, ic.groups[ic.n - 1].name);
		mime_buf_adds(&b, "\">More groups</a></p>\n");
	}
	page_end(&b);
	free(ic.groups);
	page_send(r, &b);
	mime_buf_free(&b);
}

/* ---- /style.css ---------------------------------------------------- */

static const char style_css[] =
    ":root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfb;--mut:#666;"
    "--ln:#d8d8d0;--q:#3a6b3a;--a:#1a4f9c}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6e6e0;--bg:#161615;"
    "--mut:#a0a09a;--ln:#3a3a36;--q:#8fc08f;--a:#8fb6f0}}\n"
    "body{margin:0 auto;max-width:50rem;padding:0 .75rem;font:1rem/1.45 "
    "system-ui,sans-serif;color:var(--fg);background:var(--bg)}\n"
    "a{color:var(--a)}\n"
    "header.site{padding:.5rem 0;border-bottom:1px solid var(--ln);"
    "font-weight:bold}\n"
    "h1{font-size:1.3rem;overflow-wrap:anywhere}\n"
    ".meta,.desc,.note{color:var(--mut);font-size:.9rem}\n"
    "ul.groups,ol.threads{padding-left:1.2rem}\n"
    "ul.groups li,ol.threads li{margin:.35rem 0;overflow-wrap:anywhere}\n"
    "ul.thread,ul.replies{list-style:none;padding-left:0;margin:0}\n"
    "ul.replies{margin-left:.6rem;padding-left:.6rem;border-left:2px solid "
    "var(--ln)}\n"
    "@media (min-width:40rem){ul.replies{margin-left:1rem;"
    "padding-left:1rem}}\n"
    "article.c{margin:.6rem 0}\n"
    "article.c:target{outline:2px solid var(--a);outline-offset:.3rem}\n"
    "article.c>header{font-size:.9rem;color:var(--mut)}\n"
    ".author{font-weight:bold;color:var(--fg)}\n"
    "article.c h2{font-size:1rem;margin:.2rem 0;color:var(--fg)}\n"
    ".body{white-space:pre-wrap;overflow-wrap:anywhere;margin:.3rem 0}\n"
    ".quote{color:var(--q)}\n"
    ".sig{color:var(--mut);font-size:.9rem}\n"
    "article.c>footer{font-size:.85rem}\n"
    "article.c>footer a{margin-right:.8rem}\n"
    ".missing{color:var(--mut);font-style:italic}\n"
    "nav.account{display:flex;justify-content:flex-end;gap:.5rem;"
    "font-size:.9rem;padding:.3rem 0}\n"
    "nav.account form{display:flex;gap:.5rem;align-items:center;margin:0}\n"
    "details.reply{display:inline}\n"
    "details.reply[open]{display:block;margin-top:.3rem}\n"
    "details.reply>summary{display:inline;cursor:pointer;color:var(--a);"
    "text-decoration:underline;list-style:none}\n"
    "details.reply>summary::-webkit-details-marker{display:none}\n"
    "form textarea{display:block;box-sizing:border-box;width:100%;"
    "margin:.3rem 0;font:inherit;color:var(--fg);background:var(--bg);"
    "border:1px solid var(--ln);padding:.4rem}\n"
    "form.login label{display:block;margin:.5rem 0}\n"
    "label.name{display:block;margin:.3rem 0}\n"
    ".hp{display:none}\n"
    "section.comment{margin:1.5rem 0;border-top:1px solid var(--ln)}\n"
    "section.comment h2{font-size:1rem}\n"
    ".error{color:#b3261e}\n"
    "section.rules{margin:1rem 0;padding:.3rem .8rem;border:1px solid "
    "var(--ln)}\n"
    "section.rules h2{font-size:1rem;margin:.3rem 0}\n";

void
page_style(struct http_req *r)
{
	struct mime_buf	b;

	memset(&b, 0, sizeof(b));
	mime_buf_add(&b, style_css, sizeof(style_css) - 1);
	http_send(r, 200, "text/css; charset=utf-8", &b,
	    "public, max-age=86400");
	mime_buf_free(&b);
}

/* ---- /g/GROUP ------------------------------------------------------ */

struct group_thread {
	char		 root[STORE_MSGID_MAX + 1];
	char		*subject, *from;
	uint32_t	 replies;
	int64_t		 active;
	int		 root_present;
};

struct group_ctx {
	struct group_thread	*t;
	size_t			 n, cap;
};

static int
group_thread_cb(const struct store_thread_summary *ts, void *arg)
{
	struct group_ctx	*gc = arg;
	struct group_thread	*t;

	if (gc->n == gc->cap)
		return (1);
	t = &gc->t[gc->n++];
	loom_strlcpy(t->root, ts->root, sizeof(t->root));
	t->subject = xstrdup(ts->subject);
	t->from = xstrdup(ts->from);
	t->replies = ts->replies;
	t->active = ts->group_last != 0 ? ts->group_last : ts->last;
	t->root_present = ts->root_present;
	return (0);
}

/* "after" is a resume point: TIME.SEQ.OLD.ROOT (docs/web.md). */
static int
group_cursor_parse(const char *s, struct store_thread_cursor *cur)
{
	unsigned long long	 t, q, o;
	char			*end;

	memset(cur, 0, sizeof(*cur));
	if (*s == '\0')
		return (0);
	t = strtoull(s, &end, 10);
	if (*end != '.')
		return (-1);
	q = strtoull(end + 1, &end, 10);
	if (*end != '.')
		return (-1);
	o = strtoull(end + 1, &end, 10);
	if (*end != '.' || o > 1 || strlen(end + 1) > STORE_MSGID_MAX)
		return (-1);
	cur->started = 1;
	cur->key_time = t;
	cur->key_seq = q;
	cur->key_old = (int)o;
	loom_strlcpy(cur->root, end + 1, sizeof(cur->root));
	return (0);
}

/* Decode a path segment into out (NUL-free, fits). */
static int
segment(const char *enc, char *out, size_t outlen)
{
	return (mime_url_decode(enc, strlen(enc), out, outlen));
}

void
page_group(struct http_req *r, const char *enc, const char *query)
{
	struct store_group		 g;
	struct store_thread_cursor	 cur;
	struct group_ctx		 gc;
	struct mime_buf			 b;
	char				 name[STORE_GROUP_MAX + 1];
	char				 after[STORE_MSGID_MAX + 80], n[64];
	int				 len;
	size_t				 i;

	if ((len = segment(enc, name, sizeof(name))) <= 0 ||
	    !article_newsgroup_valid(name, (size_t)len) ||
	    store_group_get(r->srv->store, name, &g) != STORE_OK ||
	    !access_can_read(&r->acc, name)) {
		http_error(r, 404, "No such group.");
		return;
	}
	query_value(query, "after", after, sizeof(after));
	if (group_cursor_parse(after, &cur) == -1) {
		http_error(r, 400, "Bad page position.");
		return;
	}
	memset(&gc, 0, sizeof(gc));
	gc.cap = r->srv->cfg.http_page_threads;
	gc.t = xreallocarray(NULL, gc.cap, sizeof(*gc.t));
	if (store_thread_roots(r->srv->store, g.id, gc.cap, group_thread_cb,
	    &gc, &cur) != STORE_OK) {
		for (i = 0; i < gc.n; i++) {
			free(gc.t[i].subject);
			free(gc.t[i].from);
		}
		free(gc.t);
		http_error(r, 500, "The store could not be read.");
		return;
	}
	memset(&b, 0, sizeof(b));
	{
		struct mime_buf	 t, f;

		memset(&t, 0, sizeof(t));
		memset(&f, 0, sizeof(f));
		escs(&t, name);
		mime_buf_adds(&f, "/g/");
		url(&f, name);
		mime_buf_adds(&f, ".atom");
		page_head(&b, t.p, f.p);
		mime_buf_free(&t);
		mime_buf_free(&f);
	}
	mime_buf_adds(&b, "<h1>");
	escs(&b, name);
	mime_buf_adds(&b, "</h1>\n");
	if (g.description[0] != '\0') {
		mime_buf_adds(&b, "<p class=\"desc\">");
		esc_header(&b, g.description, strlen(g.description));
		mime_buf_adds(&b, "</p>\n");
	}
	webrules(r, &b, name);
	if (gc.n == 0)
		mime_buf_adds(&b, "<p>No threads here.</p>\n");
	else
		mime_buf_adds(&b, "<ol class=\"threads\">\n");
	for (i = 0; i < gc.n; i++) {
		mime_buf_adds(&b, "<li><a href=\"/t/");
		url(&b, gc.t[i].root);
		mime_buf_adds(&b, "\">");
		if (gc.t[i].subject[0] != '\0')
			esc_header(&b, gc.t[i].subject,
			    strlen(gc.t[i].subject));
		else
			mime_buf_adds(&b, "(the first post is missing)");
		mime_buf_adds(&b, "</a> <span class=\"meta\">");
		if (gc.t[i].from[0] != '\0') {
			mime_buf_adds(&b, "by ");
			author(&b, gc.t[i].from);
			mime_buf_adds(&b, ", ");
		}
		snprintf(n, sizeof(n), "%u %s, active ", gc.t[i].replies,
		    gc.t[i].replies == 1 ? "reply" : "replies");
		mime_buf_adds(&b, n);
		fmt_time(&b, gc.t[i].active);
		mime_buf_adds(&b, "</span></li>\n");
		free(gc.t[i].subject);
		free(gc.t[i].from);
	}
	if (gc.n > 0)
		mime_buf_adds(&b, "</ol>\n");
	if (gc.n == gc.cap && !cur.done) {
		snprintf(n, sizeof(n), "%llu.%llu.%d.",
		    (unsigned long long)cur.key_time,
		    (unsigned long long)cur.key_seq, cur.key_old ? 1 : 0);
		mime_buf_adds(&b, "<p><a rel=\"next\" href=\"/g/");
		url(&b, name);
		mime_buf_adds(&b, "?after=");
		url(&b, n);
		url(&b, cur.root);
		mime_buf_adds(&b, "\">Older threads</a></p>\n");
	}
	page_end(&b);
	free(gc.t);
	page_send(r, &b);
	mime_buf_free(&b);
}

/* ---- /atom/GROUP --------------------------------------------------- */

static void
fmt_rfc3339(struct mime_buf *b, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)(t > 0 ? t : 0);
	char		buf[32];

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	mime_buf_adds(b, buf);
}

/* An Atom id for a message-id: the news: URI of RFC 5538. */
static void
atom_id(struct mime_buf *b, const char *msgid)
{
	size_t	len = strlen(msgid);

	mime_buf_adds(b, "news:");
	if (len >= 2 && msgid[0] == '<' && msgid[len - 1] == '>')
		mime_url_encode(msgid + 1, len - 2, b);
	else
		mime_url_encode(msgid, len, b);
}

/* A finished feed (or 500 if it ran out of memory); frees b. */
static void
feed_send(struct http_req *r, struct mime_buf *b)
{
	if (b->oom)
		http_error(r, 500, "Out of memory.");
	else
		http_send(r, 200, "application/atom+xml; charset=utf-8", b,
		    NULL);
	mime_buf_free(b);
}

/*
 * The group's most recently active threads as an Atom feed (RFC 4287):
 * what a feed reader polls, so it is one thread-index walk like /g/.
 * Text goes through the same decoding and escaping as the pages (XML
 * needs no more than HTML's five references).
 */
void
page_atom(struct http_req *r, const char *enc)
{
	struct store_group		 g;
	struct store_thread_cursor	 cur;
	struct group_ctx		 gc;
	struct mime_buf			 b;
	char				 name[STORE_GROUP_MAX + 1], n[64];
	int64_t				 updated = 0;
	int				 len;
	size_t				 i;

	if ((len = segment(enc, name, sizeof(name))) <= 0 ||
	    !article_newsgroup_valid(name, (size_t)len) ||
	    store_group_get(r->srv->store, name, &g) != STORE_OK ||
	    !access_can_read(&r->acc, name)) {
		http_error(r, 404, "No such group.");
		return;
	}
	memset(&gc, 0, sizeof(gc));
	memset(&cur, 0, sizeof(cur));
	gc.cap = r->srv->cfg.http_page_threads;
	gc.t = xreallocarray(NULL, gc.cap, sizeof(*gc.t));
	if (store_thread_roots(r->srv->store, g.id, gc.cap, group_thread_cb,
	    &gc, &cur) != STORE_OK)
		gc.n = 0;	/* an empty feed rather than a broken one */
	for (i = 0; i < gc.n; i++)
		if (gc.t[i].active > updated)
			updated = gc.t[i].active;
	if (updated == 0)
		updated = g.created;
	memset(&b, 0, sizeof(b));
	mime_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
	escs(&b, name);
	mime_buf_adds(&b, "</title>\n");
	if (g.description[0] != '\0') {
		mime_buf_adds(&b, "<subtitle>");
		esc_header(&b, g.description, strlen(g.description));
		mime_buf_adds(&b, "</subtitle>\n");
	}
	mime_buf_adds(&b, "<id>news:");
	url(&b, name);
	mime_buf_adds(&b, "</id>\n<link rel=\"alternate\" type=\"text/html\" "
	    "href=\"/g/");
	url(&b, name);
	mime_buf_adds(&b, "\"/>\n<link rel=\"self\" href=\"/g/");
	url(&b, name);
	mime_buf_adds(&b, ".atom\"/>\n<updated>");
	fmt_rfc3339(&b, updated);
	mime_buf_adds(&b, "</updated>\n<author><name>");
	escs(&b, name);
	mime_buf_adds(&b, "</name></author>\n");
	for (i = 0; i < gc.n; i++) {
		mime_buf_adds(&b, "<entry>\n<title>");
		if (gc.t[i].subject[0] != '\0')
			esc_header(&b, gc.t[i].subject,
			    strlen(gc.t[i].subject));
		else
			mime_buf_adds(&b, "(the first post is missing)");
		mime_buf_adds(&b, "</title>\n<id>");
		atom_id(&b, gc.t[i].root);
		mime_buf_adds(&b, "</id>\n<link href=\"/t/");
		url(&b, gc.t[i].root);
		mime_buf_adds(&b, "\"/>\n<updated>");
		fmt_rfc3339(&b, gc.t[i].active);
		mime_buf_adds(&b, "</updated>\n");
		if (gc.t[i].from[0] != '\0') {
			mime_buf_adds(&b, "<author><name>");
			author(&b, gc.t[i].from);
			mime_buf_adds(&b, "</name></author>\n");
		}
		snprintf(n, sizeof(n), "<summary>%u %s</summary>\n",
		    gc.t[i].replies, gc.t[i].replies == 1 ? "reply" :
		    "replies");
		mime_buf_adds(&b, n);
		mime_buf_adds(&b, "</entry>\n");
		free(gc.t[i].subject);
		free(gc.t[i].from);
	}
	mime_buf_adds(&b, "</feed>\n");
	free(gc.t);
	feed_send(r, &b);
}

/* ---- articles ------------------------------------------------------ */

struct fields {
	char	from[FIELD_MAX], date[FIELD_MAX], subject[FIELD_MAX];
	char	newsgroups[FIELD_MAX];
	char	ctype[FIELD_MAX], cte[FIELD_MAX];
	char	followup[FIELD_MAX];
	int	has_ctype, has_cte;
};

/* Copy the value of the field starting at p (its name ended at colon)
   with its folded lines, cut to fit. */
static void
field_copy(const char *v, const char *end, char *out, size_t outlen)
{
	size_t	n = 0;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (v < end) {
		if (*v == '\r' && v + 2 < end && v[1] == '\n' &&
		    (v[2] == ' ' || v[2] == '\t')) {
			v += 2;
			continue;
		}
		if (*v == '\r' || *v == '\n')
			break;
		if (n + 1 < outlen)
			out[n++] = *v;
		v++;
	}
	out[n] = '\0';
}

static void
fields_parse(const char *wire, size_t header_len, struct fields *f)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} want[] = {
		{ "from", offsetof(struct fields, from) },
		{ "date", offsetof(struct fields, date) },
		{ "subject", offsetof(struct fields, subject) },
		{ "newsgroups", offsetof(struct fields, newsgroups) },
		{ "content-type", offsetof(struct fields, ctype) },
		{ "content-transfer-encoding", offsetof(struct fields, cte) },
		{ "followup-to", offsetof(struct fields, followup) },
	};
	const char	*p = wire, *end = wire + header_len, *colon, *eol;
	size_t		 i, nl;

	/* Not a memset of the whole 12 KiB: that was a third of a thread
	   page's instructions. */
	f->from[0] = f->date[0] = f->subject[0] = f->newsgroups[0] = '\0';
	f->ctype[0] = f->cte[0] = f->followup[0] = '\0';
	f->has_ctype = f->has_cte = 0;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol == NULL ? end : eol + 1;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon != NULL && *p != ' ' && *p != '\t') {
			nl = (size_t)(colon - p);
			for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
				if (strlen(want[i].name) == nl &&
				    strncasecmp(p, want[i].name, nl) == 0) {
					field_copy(colon + 1, end, (char *)f +
					    want[i].off, FIELD_MAX);
					if (i == 4)
						f->has_ctype = 1;
					if (i == 5)
						f->has_cte = 1;
				}
		}
		p = eol;
	}
}

/* The body of wire as LF-ended, dot-unstuffed text, at most max octets
   read; *cut set when there was more. */
static void
body_text(const char *wire, size_t len, size_t header_len, size_t max,
    struct mime_buf *out, int *cut)
{
	const char	*p, *end = wire + len, *eol;
	size_t		 taken = 0;

	*cut = 0;
	p = wire + header_len;
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	while (p < end) {
		if (taken >= max) {
			*cut = 1;
			break;
		}
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol == NULL ? end : eol;
		if (*p == '.')
			p++;
		taken += (size_t)(eol - p) + 1;
		mime_buf_add(out, p, (size_t)(eol - p) -
		    (eol > p && eol[-1] == '\r' ? 1 : 0));
		mime_buf_add(out, "\n", 1);
		p = eol + 1;
	}
}

/* The body as UTF-8 text (its declared charset and transfer encoding
   undone), at most BODY_SHOW_MAX octets of it; *cut when there was more. */
static void
body_decoded(const char *wire, size_t len, size_t header_len,
    const struct fields *f, struct mime_buf *text, int *cut)
{
	struct mime_buf	raw;

	memset(&raw, 0, sizeof(raw));
	memset(text, 0, sizeof(*text));
	body_text(wire, len, header_len, BODY_SHOW_MAX, &raw, cut);
	if (raw.len > 0)
		mime_body_decode(f->has_ctype ? f->ctype : NULL, f->has_cte ?
		    f->cte : NULL, raw.p, raw.len, text);
	mime_buf_free(&raw);
}

/* Display name of a From value: the phrase before "<", else the whole. */
static void
author(struct mime_buf *b, const char *from)
{
	const char	*lt = strchr(from, '<'), *s = from, *e;

	e = lt != NULL ? lt : from + strlen(from);
	while (s < e && (*s == ' ' || *s == '\t' || *s == '"'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '"'))
		e--;
	if (e == s) {
		s = from;
		e = from + strlen(from);
	}
	if (e == s)
		mime_buf_adds(b, "(no name)");
	else if (memchr(s, '\\', (size_t)(e - s)) != NULL && s > from &&
	    s[-1] == '"') {
		/* A quoted-string's quoted-pairs (RFC 5322 3.2.4): the
		   character, not its backslash. */
		char	 unq[FIELD_MAX];
		size_t	 n = 0;

		for (; s < e && n + 1 < sizeof(unq); s++) {
			if (*s == '\\' && s + 1 < e)
				s++;
			unq[n++] = *s;
		}
		esc_header(b, unq, n);
	} else
		esc_header(b, s, (size_t)(e - s));
}

/* Decoded body text as HTML: quoted lines and the signature set off. */
static void
body_html(struct mime_buf *b, const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *eol;
	int		 sig = 0, first = 1;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	mime_buf_adds(b, "<div class=\"body\">");
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol == NULL ? end : eol;
		if (!sig && eol - p == 3 && memcmp(p, "-- ", 3) == 0) {
			mime_buf_adds(b, "</div><div class=\"sig\">");
			sig = 1;
			first = 1;
		}
		if (!first)
			mime_buf_add(b, "\n", 1);
		first = 0;
		if (!sig && p < eol && *p == '>') {
			mime_buf_adds(b, "<span class=\"quote\">");
			esc(b, p, (size_t)(eol - p));
			mime_buf_adds(b, "</span>");
		} else
			esc(b, p, (size_t)(eol - p));
		p = eol + 1;
	}
	mime_buf_adds(b, "</div>\n");
}

/* ---- /t/MESSAGE-ID ------------------------------------------------- */

struct tnode {
	char		 msgid[STORE_MSGID_MAX + 1];
	unsigned	 depth;
	int		 readable;
	int64_t		 arrival;
};

struct thread_ctx {
	const struct access	*acc;
	struct tnode		*nodes;
	size_t			 n, cap;
	const char		*want;		/* the msgid asked for */
	int			 want_seen;	/* a node of the walk */
	int			 want_hidden;	/* present, not readable */
	size_t			 nreadable;
};

static int
thread_node_cb(const struct store_thread_node *node, void *arg)
{
	struct thread_ctx	*tc = arg;
	struct tnode		*t;

	if (tc->n == tc->cap) {
		tc->cap = tc->cap == 0 ? 64 : tc->cap * 2;
		tc->nodes = xreallocarray(tc->nodes, tc->cap,
		    sizeof(*tc->nodes));
	}
	t = &tc->nodes[tc->n++];
	loom_strlcpy(t->msgid, node->msgid, sizeof(t->msgid));
	t->depth = node->depth;
	t->arrival = node->info != NULL ? node->info->arrival : 0;
	t->readable = node->present && node->info != NULL &&
	    access_can_read_xref(tc->acc, node->info->xref);
	if (strcmp(node->msgid, tc->want) == 0) {
		tc->want_seen = 1;
		if (!t->readable && node->present)
			tc->want_hidden = 1;
	}
	if (t->readable)
		tc->nreadable++;
	return (0);
}

/*
 * /t/<old> of an article since superseded: its thread is the new
 * version's, and an old permalink moves for good to the new one's page.
 */
static int
thread_moved(struct http_req *r, const struct thread_ctx *tc,
    const char *msgid)
{
	struct mime_buf	loc;
	char		by[STORE_MSGID_MAX + 1];

	if (tc->want_seen || store_superseded_by(r->srv->store, msgid, by) !=
	    STORE_OK)
		return (0);
	memset(&loc, 0, sizeof(loc));
	mime_buf_adds(&loc, "/t/");
	url(&loc, by);
	mime_buf_add(&loc, "", 1);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Location", loc.p);
	mime_buf_free(&loc);
	http_send(r, 301, "text/html; charset=utf-8", NULL, NULL);
	return (1);
}

struct render_ctx {
	struct mime_buf	*b;
	const char	*msgid;
	int		 is_root;
	char		*title;		/* the root's subject, HTML */
	char		 groups[FIELD_MAX]; /* where a reply goes */
};

static int
render_article_cb(const char *wire, size_t len,
    const struct store_article_info *info, void *arg)
{
	struct render_ctx	*rc = arg;
	struct mime_buf		*b = rc->b, text;
	struct fields		 f;
	int			 cut;

	fields_parse(wire, info->header_len, &f);
	/* A reply's groups, for its form (anonymous box, visitors). */
	loom_strlcpy(rc->groups, f.followup[0] != '\0' &&
	    strcmp(f.followup, "poster") != 0 ? f.followup : f.newsgroups,
	    sizeof(rc->groups));
	mime_buf_adds(b, "<header>");
	if (rc->is_root) {
		mime_buf_adds(b, "<h1>");
		esc_header(b, f.subject, strlen(f.subject));
		mime_buf_adds(b, "</h1>");
	} else if (strncasecmp(f.subject, "Re:", 3) != 0 &&
	    f.subject[0] != '\0') {
		/* A reply that names its own subject says something. */
		mime_buf_adds(b, "<h2>");
		esc_header(b, f.subject, strlen(f.subject));
		mime_buf_adds(b, "</h2>");
	}
	mime_buf_adds(b, "<span class=\"author\">");
	author(b, f.from);
	mime_buf_adds(b, "</span> <a class=\"permalink\" href=\"");
	page_permalink(b, rc->msgid, strlen(rc->msgid));
	mime_buf_adds(b, "\">");
	esc_header(b, f.date, strlen(f.date));
	mime_buf_adds(b, "</a></header>\n");
	body_decoded(wire, len, info->header_len, &f, &text, &cut);
	body_html(b, text.p != NULL ? text.p : "", text.len);
	if (cut)
		mime_buf_adds(b, "<p class=\"note\">This post is long: the "
		    "rest is in its raw form.</p>\n");
	mime_buf_free(&text);
	return (0);
}

static void
comment_footer(struct http_req *r, struct mime_buf *b, const char *msgid,
    const char *groups)
{
	mime_buf_adds(b, "<footer><a href=\"/a/");
	url(b, msgid);
	mime_buf_adds(b, "\">Raw</a>");
	/* A member replies in place (the form unfolds below), and so does
	   a visitor where visitors may comment; others are told how. */
	if (groups[0] == '\0' || !webform_reply(r, b, msgid, groups, 0)) {
		mime_buf_adds(b, "<a href=\"/reply/");
		url(b, msgid);
		mime_buf_adds(b, "\">Reply</a>");
	}
	mime_buf_adds(b, "</footer>\n");
}

/* Decode a Message-ID from a path segment; 0 if it is not one. */
static int
path_msgid(const char *enc, char *msgid)
{
	int	len;

	if ((len = segment(enc, msgid, STORE_MSGID_MAX + 1)) <= 0)
		return (0);
	return (msgid_valid_nntp(msgid, (size_t)len));
}

/* The first group of an article's Newsgroups, into arg (a group name's
   size). */
static int
group_cb(const char *wire, size_t len LOOM_UNUSED,
    const struct store_article_info *info, void *arg)
{
	struct fields	*f = xmalloc(sizeof(*f));
	char		*out = arg;
	size_t		 n;

	fields_parse(wire, info->header_len, f);
	n = strcspn(f->newsgroups, ", \t");
	if (n > STORE_GROUP_MAX)
		n = 0;
	memcpy(out, f->newsgroups, n);
	out[n] = '\0';
	free(f);
	return (0);
}

static int
summary_tag_cb(const struct store_thread_summary *ts, void *arg)
{
	uint64_t	*h = arg;

	*h = http_hash(*h, ts->root, strlen(ts->root));
	*h = http_hash(*h, &ts->articles, sizeof(ts->articles));
	*h = http_hash(*h, &ts->replies, sizeof(ts->replies));
	*h = http_hash(*h, &ts->last, sizeof(ts->last));
	return (1);
}

void
page_thread(struct http_req *r, const char *enc)
{
	struct thread_ctx	 tc;
	struct render_ctx	 rc;
	struct mime_buf		 b, body;
	char			 msgid[STORE_MSGID_MAX + 1], n[128];
	char			 rootgroup[STORE_GROUP_MAX + 1];
	char			*rootgroups = NULL;	/* a reply's, to the root */
	uint64_t		 tag;
	unsigned		 prev, k;
	size_t			 i;
	int			 truncated = 0, opened = 0;
	enum store_status	 st;

	if (!path_msgid(enc, msgid)) {
		http_error(r, 404, "No such thread.");
		return;
	}
	memset(&tc, 0, sizeof(tc));
	tc.acc = &r->acc;
	tc.want = msgid;
	st = store_thread_walk(r->srv->store, msgid,
	    r->srv->cfg.http_thread_max, thread_node_cb, &tc, &truncated);
	if (st != STORE_OK || tc.want_hidden || tc.nreadable == 0) {
		free(tc.nodes);
		if (st != STORE_OK && st != STORE_NOTFOUND)
			http_error(r, 500, "The store could not be read.");
		else
			http_error(r, 404, "No such thread.");
		return;
	}
	if (thread_moved(r, &tc, msgid)) {
		free(tc.nodes);
		return;
	}
	/* The thread's summary changes with every arrival and expiry: a
	   client holding this tag gets a 304 without a page rendered. */
	tag = http_hash(0, LOOM_VERSION, strlen(LOOM_VERSION));
	tag = http_hash(tag, r->acc.read, strlen(r->acc.read));
	tag = http_hash(tag, &r->srv->cfg.http_thread_max,
	    sizeof(r->srv->cfg.http_thread_max));
	tag = http_hash(tag, msgid, strlen(msgid));
	/* A member's page holds their forms and token. */
	if (r->login != NULL)
		tag = http_hash(tag, r->login->csrf, strlen(r->login->csrf));
	else if (r->srv->cfg.http_visitor_groups[0] != '\0')
		/* A visitor's forms hold their token, and where visitors
		   may comment is the configuration's. */
		tag = http_hash(http_hash(tag, webvisitor_token(r),
		    WEB_TOKEN_HEX), r->srv->cfg.http_visitor_groups,
		    strlen(r->srv->cfg.http_visitor_groups));
	/* The anonymous box follows anonymous_groups. */
	tag = http_hash(tag, r->srv->cfg.anonymous_groups,
	    strlen(r->srv->cfg.anonymous_groups));
	/* The house rules shown are those of the first post's first group:
	   the tag covers the file too. */
	rootgroup[0] = '\0';
	if (r->srv->cfg.http_rules_dir[0] != '\0' && tc.nodes[0].readable) {
		(void)store_article_get(r->srv->store, tc.nodes[0].msgid,
		    group_cb, rootgroup);
		tag = webrules_tag(r, rootgroup, tag);
	}
	if (store_thread_summary(r->srv->store, msgid, summary_tag_cb,
	    &tag) == STORE_OK && http_precondition(r, tag)) {
		free(tc.nodes);
		return;
	}
	memset(&body, 0, sizeof(body));
	if (truncated) {
		snprintf(n, sizeof(n), "<p class=\"note\">This thread is too "
		    "large to show whole: showing its first %zu posts.</p>\n",
		    tc.n);
		mime_buf_adds(&body, n);
	}
	prev = 0;
	for (i = 0; i < tc.n; i++) {
		unsigned	d = tc.nodes[i].depth;

		if (!opened) {
			mime_buf_adds(&body, "<ul class=\"thread\">\n<li>");
			for (k = 0; k < d; k++)
				mime_buf_adds(&body, "<ul class=\"replies\">"
				    "\n<li>");
			opened = 1;
		} else if (d > prev) {
			for (k = prev; k < d; k++)
				mime_buf_adds(&body, "\n<ul class=\"replies\">"
				    "\n<li>");
		} else {
			mime_buf_adds(&body, "</li>\n");
			for (k = d; k < prev; k++)
				mime_buf_adds(&body, "</ul></li>\n");
			mime_buf_adds(&body, "<li>");
		}
		prev = d;
		mime_buf_adds(&body, "<article class=\"c");
		if (!tc.nodes[i].readable)
			mime_buf_adds(&body, " missing");
		mime_buf_adds(&body, "\" id=\"m-");
		url(&body, tc.nodes[i].msgid);
		mime_buf_adds(&body, "\">\n");
		if (!tc.nodes[i].readable) {
			mime_buf_adds(&body, "<p class=\"missing\">This post "
			    "is missing: not arrived yet, expired or "
			    "withdrawn.</p>\n</article>");
			continue;
		}
		if (body.len > PAGE_MAX) {
			mime_buf_adds(&body, "<p class=\"note\">Not shown: "
			    "the page is full. <a href=\"/t/");
			url(&body, tc.nodes[i].msgid);
			mime_buf_adds(&body, "\">Read it on its own "
			    "page</a>.</p>\n</article>");
			continue;
		}
		/* Not a memset: groups alone is 2 KiB a comment. */
		rc.b = &body;
		rc.msgid = tc.nodes[i].msgid;
		rc.is_root = i == 0;
		rc.title = NULL;
		rc.groups[0] = '\0';
		if (store_article_get(r->srv->store, tc.nodes[i].msgid,
		    render_article_cb, &rc) != STORE_OK)
			mime_buf_adds(&body, "<p class=\"missing\">This post "
			    "could not be read.</p>\n");
		comment_footer(r, &body, tc.nodes[i].msgid, rc.groups);
		/* The comment form under the thread answers the root: its
		   groups, without reading it again. */
		if (i == 0 && rc.groups[0] != '\0')
			rootgroups = xstrdup(rc.groups);
		mime_buf_adds(&body, "</article>");
	}
	if (opened) {
		mime_buf_adds(&body, "</li>\n");
		for (k = 0; k < prev; k++)
			mime_buf_adds(&body, "</ul></li>\n");
		mime_buf_adds(&body, "</ul>\n");
	}
	memset(&b, 0, sizeof(b));
	/* The title: the first h1 (the root's subject), else a default. */
	{
		const char	*h = body.p != NULL ? strstr(body.p, "<h1>") :
				    NULL, *e;
		struct mime_buf	 t, f;

		memset(&t, 0, sizeof(t));
		memset(&f, 0, sizeof(f));
		if (h != NULL && (e = strstr(h, "</h1>")) != NULL && e > h + 4)
			mime_buf_add(&t, h + 4, (size_t)(e - h - 4));
		else
			mime_buf_adds(&t, "Thread");
		mime_buf_adds(&f, "/t/");
		url(&f, tc.nodes[0].msgid);
		mime_buf_adds(&f, ".atom");
		page_head(&b, t.p, f.p);
		mime_buf_free(&t);
		mime_buf_free(&f);
	}
	mime_buf_adds(&b, "<nav class=\"account\">");
	webform_account(r, &b);
	mime_buf_adds(&b, "</nav>\n");
	if (tc.nodes[0].readable == 0)
		mime_buf_adds(&b, "<h1>Thread</h1>\n<p class=\"note\">The "
		    "first post of this thread is missing.</p>\n");
	mime_buf_add(&b, body.p, body.len);
	/* The rules, then the comment form under the thread: a reply to
	   its first post. */
	if (rootgroup[0] != '\0')
		webrules(r, &b, rootgroup);
	if (tc.nodes[0].readable)
		webform_reply(r, &b, tc.nodes[0].msgid, rootgroups, 1);
	free(rootgroups);
	page_end(&b);
	b.oom |= body.oom;
	mime_buf_free(&body);
	free(tc.nodes);
	page_send(r, &b);
	mime_buf_free(&b);
}

/* ---- /t/MESSAGE-ID.atom -------------------------------------------- */

/* Entries of a thread's feed: its latest comments. */
#define THREAD_ATOM_MAX		50

struct atom_entry_ctx {
	struct mime_buf	*b;
	const char	*msgid;
};

static int
atom_entry_cb(const char *wire, size_t len,
    const struct store_article_info *info, void *arg)
{
	struct atom_entry_ctx	*ac = arg;
	struct mime_buf		*b = ac->b, text;
	struct fields		 f;
	int			 cut;

	fields_parse(wire, info->header_len, &f);
	mime_buf_adds(b, "<entry>\n<title>");
	if (f.subject[0] != '\0')
		esc_header(b, f.subject, strlen(f.subject));
	else
		mime_buf_adds(b, "(no subject)");
	mime_buf_adds(b, "</title>\n<id>");
	atom_id(b, ac->msgid);
	mime_buf_adds(b, "</id>\n<link href=\"");
	page_permalink(b, ac->msgid, strlen(ac->msgid));
	mime_buf_adds(b, "\"/>\n<updated>");
	fmt_rfc3339(b, info->arrival);
	mime_buf_adds(b, "</updated>\n<author><name>");
	if (f.from[0] != '\0')
		author(b, f.from);
	else
		mime_buf_adds(b, "unknown");
	mime_buf_adds(b, "</name></author>\n<content type=\"text\">");
	body_decoded(wire, len, info->header_len, &f, &text, &cut);
	if (text.len > 0)
		esc(b, text.p, text.len);
	mime_buf_free(&text);
	mime_buf_adds(b, "</content>\n</entry>\n");
	return (0);
}

/* The Subject of an article, into arg (FIELD_MAX octets). */
static int
subject_cb(const char *wire, size_t len LOOM_UNUSED,
    const struct store_article_info *info, void *arg)
{
	struct fields	*f = xmalloc(sizeof(*f));

	fields_parse(wire, info->header_len, f);
	memcpy(arg, f->subject, FIELD_MAX);
	free(f);
	return (0);
}

static int
tnode_newer(const void *a, const void *b)
{
	const struct tnode	*x = a, *y = b;

	return (x->arrival < y->arrival ? 1 : x->arrival > y->arrival ? -1 :
	    0);
}

/*
 * A thread as an Atom feed (RFC 4287): its latest THREAD_ATOM_MAX readable
 * comments, newest first, with their text.  Same walk and access rules as
 * the page.
 */
void
page_thread_atom(struct http_req *r, const char *enc)
{
	struct thread_ctx	 tc;
	struct atom_entry_ctx	 ac;
	struct mime_buf		 b;
	struct tnode		*root;
	char			 msgid[STORE_MSGID_MAX + 1];
	char			 title[FIELD_MAX];
	int64_t			 updated = 0;
	size_t			 i, shown;
	enum store_status	 st;

	if (!path_msgid(enc, msgid)) {
		http_error(r, 404, "No such thread.");
		return;
	}
	memset(&tc, 0, sizeof(tc));
	tc.acc = &r->acc;
	tc.want = msgid;
	st = store_thread_walk(r->srv->store, msgid,
	    r->srv->cfg.http_thread_max, thread_node_cb, &tc, NULL);
	if (st != STORE_OK || tc.want_hidden || tc.nreadable == 0) {
		free(tc.nodes);
		http_error(r, st != STORE_OK && st != STORE_NOTFOUND ? 500 :
		    404, "No such thread.");
		return;
	}
	root = xmalloc(sizeof(*root));
	*root = tc.nodes[0];
	title[0] = '\0';
	if (root->readable)
		(void)store_article_get(r->srv->store, root->msgid,
		    subject_cb, title);
	qsort(tc.nodes, tc.n, sizeof(*tc.nodes), tnode_newer);
	for (i = 0; i < tc.n; i++)
		if (tc.nodes[i].readable && tc.nodes[i].arrival > updated)
			updated = tc.nodes[i].arrival;
	memset(&b, 0, sizeof(b));
	mime_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
	if (title[0] != '\0')
		esc_header(&b, title, strlen(title));
	else
		mime_buf_adds(&b, "Thread");
	mime_buf_adds(&b, "</title>\n<id>");
	atom_id(&b, root->msgid);
	mime_buf_adds(&b, "</id>\n<link rel=\"alternate\" type=\"text/html\" "
	    "href=\"/t/");
	url(&b, root->msgid);
	mime_buf_adds(&b, "\"/>\n<link rel=\"self\" href=\"/t/");
	url(&b, root->msgid);
	mime_buf_adds(&b, ".atom\"/>\n<updated>");
	fmt_rfc3339(&b, updated);
	mime_buf_adds(&b, "</updated>\n");
	for (i = 0, shown = 0; i < tc.n && shown < THREAD_ATOM_MAX; i++) {
		if (!tc.nodes[i].readable)
			continue;
		ac.b = &b;
		ac.msgid = tc.nodes[i].msgid;
		if (store_article_get(r->srv->store, tc.nodes[i].msgid,
		    atom_entry_cb, &ac) == STORE_OK)
			shown++;
		if (b.len > PAGE_MAX)
			break;
	}
	mime_buf_adds(&b, "</feed>\n");
	free(root);
	free(tc.nodes);
	feed_send(r, &b);
}

/* ---- /a/MESSAGE-ID and /reply/MESSAGE-ID --------------------------- */

struct raw_ctx {
	const struct access	*acc;
	int			 readable;
	struct mime_buf		 out;
	struct fields		 f;
};

static int
raw_article_cb(const char *wire, size_t len,
    const struct store_article_info *info, void *arg)
{
	struct raw_ctx	*rc = arg;
	const char	*p = wire, *end = wire + len, *eol;

	if (!(rc->readable = access_can_read_xref(rc->acc, info->xref)))
		return (0);
	fields_parse(wire, info->header_len, &rc->f);
	/* The article as sent, without the dot-stuffing of the wire. */
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol == NULL ? end : eol + 1;
		if (*p == '.' && p >= wire + info->header_len)
			p++;
		mime_buf_add(&rc->out, p, (size_t)(eol - p));
		p = eol;
	}
	return (0);
}

static int
raw_get(struct http_req *r, const char *enc, char *msgid,
    struct raw_ctx *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->acc = &r->acc;
	if (!path_msgid(enc, msgid) || store_article_get(r->srv->store, msgid,
	    raw_article_cb, rc) != STORE_OK || !rc->readable) {
		mime_buf_free(&rc->out);
		http_error(r, 404, "No such article.");
		return (-1);
	}
	return (0);
}

void
page_article(struct http_req *r, const char *enc)
{
	struct raw_ctx	rc;
	char		msgid[STORE_MSGID_MAX + 1];

	if (raw_get(r, enc, msgid, &rc) == -1)
		return;
	http_send(r, 200, "text/plain; charset=utf-8", &rc.out, NULL);
	mime_buf_free(&rc.out);
}

void
page_reply(struct http_req *r, const char *enc)
{
	struct raw_ctx	rc;
	struct mime_buf	b;
	char		msgid[STORE_MSGID_MAX + 1];

	if (raw_get(r, enc, msgid, &rc) == -1)
		return;
	mime_buf_free(&rc.out);
	memset(&b, 0, sizeof(b));
	page_begin(&b, "Reply");
	mime_buf_adds(&b, "<h1>Reply</h1>\n");
	/* A member gets the form (without the thread's page); anyone can
	   reply with a newsreader. */
	webform_reply(r, &b, msgid, rc.f.followup[0] != '\0' &&
	    strcmp(rc.f.followup, "poster") != 0 ? rc.f.followup :
	    rc.f.newsgroups, 1);
	mime_buf_adds(&b, "<p>Or reply with a newsreader: the post is ");
	mime_buf_adds(&b, "<a href=\"news:");
	url(&b, msgid);
	mime_buf_adds(&b, "\">");
	escs(&b, msgid);
	mime_buf_adds(&b, "</a> in ");
	esc_header(&b, rc.f.newsgroups, strlen(rc.f.newsgroups));
	mime_buf_adds(&b, ".</p>\n<p><a href=\"");
	page_permalink(&b, msgid, strlen(msgid));
	mime_buf_adds(&b, "\">Back to the thread</a></p>\n");
	page_end(&b);
	page_send(r, &b);
	mime_buf_free(&b);
}
