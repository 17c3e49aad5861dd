/*
 * Replies onto a session's bufferevent (or, for a command answered after
 * later ones were read, into its pending slot: reply_pending).  Everything
 * is appended to the output evbuffer, which libevent hands to the kernel
 * in as few writes as it can once the callback returns: a whole reply
 * leaves in one segment (with TCP_NODELAY set at accept, nothing waits
 * for a delayed ACK).
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "session.h"

static void
reply_vadd(struct session *s, const char *fmt, va_list ap)
{
	struct evbuffer	*out = session_out(s);
	size_t		 before = evbuffer_get_length(out);

	evbuffer_add_vprintf(out, fmt, ap);
	evbuffer_add(out, "\r\n", 2);
	s->bytes_out += evbuffer_get_length(out) - before;
}

/* A status line: "code text".  The text must not hold CR or LF. */
void
reply(struct session *s, int code, const char *fmt, ...)
{
	struct evbuffer	*out = session_out(s);
	va_list		 ap;

	s->last_code = code;
	stats_reply(s->srv, code);
	evbuffer_add_printf(out, "%03d ", code);
	s->bytes_out += 4;
	va_start(ap, fmt);
	reply_vadd(s, fmt, ap);
	va_end(ap);
}

/*
 * A status line into a pending command's own slot (TAKETHIS answered after
 * its commit, while the session read on).  It leaves, and is counted,
 * when session_pending_done() reaches the slot.
 */
void
reply_pending(struct session_pending *p, int code, const char *fmt, ...)
{
	va_list	ap;

	p->code = code;
	evbuffer_add_printf(p->own, "%03d ", code);
	va_start(ap, fmt);
	evbuffer_add_vprintf(p->own, fmt, ap);
	va_end(ap);
	evbuffer_add(p->own, "\r\n", 2);
}

/* One line of a multi-line block that cannot start with "." (or the
   caller has stuffed it). */
void
reply_line(struct session *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	reply_vadd(s, fmt, ap);
	va_end(ap);
}

/* Octets already in wire form (CRLF, dot-stuffed): a stored article. */
void
reply_data(struct session *s, const void *data, size_t len)
{
	evbuffer_add(session_out(s), data, len);
	s->bytes_out += len;
}

/* Octets that need dot-stuffing on the way out. */
void
reply_stuffed(struct session *s, const void *data, size_t len)
{
	struct evbuffer		*out = session_out(s);
	struct evbuffer_iovec	 vec;
	size_t			 need;

	if ((need = dot_stuff(data, len, NULL, 0)) == 0)
		return;
	if (evbuffer_reserve_space(out, (ev_ssize_t)need, &vec, 1) < 1)
		return;
	dot_stuff(data, len, vec.iov_base, need);
	vec.iov_len = need;
	evbuffer_commit_space(out, &vec, 1);
	s->bytes_out += need;
}

/* Room asked for at a time: with the chain header, libevent gives a
   32 KiB chain, about a hundred overview lines. */
#define REPLY_SPAN_PIECE	(16 * 1024)

void
reply_span_begin(struct session *s, struct reply_span *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->s = s;
	sp->out = session_out(s);
}

/* Hand the octets written so far to the evbuffer. */
static void
reply_span_commit(struct reply_span *sp)
{
	struct evbuffer_iovec	vec;

	if (sp->base == NULL)
		return;
	vec.iov_base = sp->base;
	vec.iov_len = sp->used;
	evbuffer_commit_space(sp->out, &vec, 1);
	sp->s->bytes_out += sp->used;
	sp->base = NULL;
	sp->used = sp->cap = 0;
}

char *
reply_span_room(struct reply_span *sp, size_t need)
{
	struct evbuffer_iovec	vec;

	if (sp->base != NULL && sp->cap - sp->used >= need)
		return (sp->base + sp->used);
	reply_span_commit(sp);
	if (evbuffer_reserve_space(sp->out, (ev_ssize_t)(need >
	    REPLY_SPAN_PIECE ? need : REPLY_SPAN_PIECE), &vec, 1) < 1)
		return (NULL);
	/* libevent may give more than asked: the chain's whole room. */
	sp->base = vec.iov_base;
	sp->cap = vec.iov_len;
	sp->used = 0;
	return (sp->base);
}

void
reply_span_wrote(struct reply_span *sp, size_t n)
{
	sp->used += n;
}

void
reply_span_end(struct reply_span *sp)
{
	reply_span_commit(sp);
}

/* End a multi-line block. */
void
reply_end(struct session *s)
{
	evbuffer_add(session_out(s), ".\r\n", 3);
	s->bytes_out += 3;
}
