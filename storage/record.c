/*
 * Record encodings (see record.h and docs/storage.md).  Decoders check
 * every length against the value size before touching the bytes.
 */
#include <stdint.h>
#include <string.h>

#include "record.h"

void
rec_put_u16(void *p, uint16_t v)
{
	uint8_t	*b = p;

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

void
rec_put_u32(void *p, uint32_t v)
{
	uint8_t	*b = p;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

void
rec_put_u64(void *p, uint64_t v)
{
	rec_put_u32(p, (uint32_t)(v >> 32));
	rec_put_u32((uint8_t *)p + 4, (uint32_t)v);
}

uint16_t
rec_get_u16(const void *p)
{
	const uint8_t	*b = p;

	return ((uint16_t)((b[0] << 8) | b[1]));
}

uint32_t
rec_get_u32(const void *p)
{
	const uint8_t	*b = p;

	return (((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | (uint32_t)b[3]);
}

uint64_t
rec_get_u64(const void *p)
{
	return (((uint64_t)rec_get_u32(p) << 32) |
	    rec_get_u32((const uint8_t *)p + 4));
}

uint64_t
rec_time_key(int64_t t)
{
	return (t < 0 ? 0 : (uint64_t)t);
}

/* Copy s (len octets) and a NUL to p; return the position after. */
static uint8_t *
rec_put_str(uint8_t *p, const char *s, size_t len)
{
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return (p + len + 1);
}

/*
 * Take a string of len octets plus its NUL at *off from a value of size
 * total; -1 if it does not fit or is not terminated where it should be.
 */
static int
rec_get_str(const uint8_t *buf, size_t total, size_t *off, size_t len,
    const char **out)
{
	if (*off > total || len >= total - *off)
		return (-1);
	if (buf[*off + len] != '\0')
		return (-1);
	*out = (const char *)buf + *off;
	*off += len + 1;
	return (0);
}

/* ---- articles -------------------------------------------------------- */

/*
 * Layout (offsets): 0 version, 1 flags, 2 u16 msgid_len, 4 u32 bytes,
 * 8 u32 lines, 12 u32 header_len, 16 u64 arrival, 24 u64 seq,
 * 32 u16 parent_len, 34 u16 root_len, 36 u32 xref_len, 40 u32 overview_len,
 * 44 u32 wire_len, 48 msgid NUL parent NUL root NUL xref NUL overview NUL
 * wire.
 */
size_t
rec_article_size(const struct rec_article *a)
{
	if (a->msgid_len > UINT16_MAX || a->parent_len > UINT16_MAX ||
	    a->root_len > UINT16_MAX || a->xref_len > UINT32_MAX / 2 ||
	    a->overview_len > UINT32_MAX / 2 || a->wire_len > UINT32_MAX / 2)
		return (0);
	return (REC_ART_HDR + a->msgid_len + 1 + a->parent_len + 1 +
	    a->root_len + 1 + a->xref_len + 1 + a->overview_len + 1 +
	    a->wire_len);
}

void
rec_article_encode(const struct rec_article *a, void *buf)
{
	uint8_t	*b = buf, *p;
	size_t	 i;

	b[0] = REC_VERSION;
	b[1] = a->flags;
	rec_put_u16(b + 2, (uint16_t)a->msgid_len);
	rec_put_u32(b + 4, a->bytes);
	rec_put_u32(b + 8, a->lines);
	rec_put_u32(b + 12, a->header_len);
	rec_put_u64(b + 16, (uint64_t)a->arrival);
	rec_put_u64(b + 24, a->seq);
	rec_put_u16(b + 32, (uint16_t)a->parent_len);
	rec_put_u16(b + 34, (uint16_t)a->root_len);
	rec_put_u32(b + 36, (uint32_t)a->xref_len);
	rec_put_u32(b + 40, (uint32_t)a->overview_len);
	rec_put_u32(b + 44, (uint32_t)a->wire_len);
	p = b + REC_ART_HDR;
	p = rec_put_str(p, a->msgid, a->msgid_len);
	p = rec_put_str(p, a->parent, a->parent_len);
	p = rec_put_str(p, a->root, a->root_len);
	p = rec_put_str(p, a->xref, a->xref_len);
	p = rec_put_str(p, a->overview, a->overview_len);
	for (i = 0; i < a->nwire; i++) {
		if (a->wire[i].len > 0)
			memcpy(p, a->wire[i].base, a->wire[i].len);
		p += a->wire[i].len;
	}
}

int
rec_article_decode(const void *buf, size_t len, struct rec_article *out)
{
	const uint8_t	*b = buf;
	size_t		 off = REC_ART_HDR;

	memset(out, 0, sizeof(*out));
	if (len < REC_ART_HDR || b[0] != REC_VERSION)
		return (-1);
	out->flags = b[1];
	out->msgid_len = rec_get_u16(b + 2);
	out->bytes = rec_get_u32(b + 4);
	out->lines = rec_get_u32(b + 8);
	out->header_len = rec_get_u32(b + 12);
	out->arrival = (int64_t)rec_get_u64(b + 16);
	out->seq = rec_get_u64(b + 24);
	out->parent_len = rec_get_u16(b + 32);
	out->root_len = rec_get_u16(b + 34);
	out->xref_len = rec_get_u32(b + 36);
	out->overview_len = rec_get_u32(b + 40);
	out->wire_len = rec_get_u32(b + 44);
	if (rec_get_str(b, len, &off, out->msgid_len, &out->msgid) == -1 ||
	    rec_get_str(b, len, &off, out->parent_len, &out->parent) == -1 ||
	    rec_get_str(b, len, &off, out->root_len, &out->root) == -1 ||
	    rec_get_str(b, len, &off, out->xref_len, &out->xref) == -1 ||
	    rec_get_str(b, len, &off, out->overview_len,
	    &out->overview) == -1)
		return (-1);
	if (len - off != out->wire_len || out->header_len > out->wire_len)
		return (-1);
	out->wire_data = (const char *)b + off;
	return (0);
}

/* ---- groups ---------------------------------------------------------- */

/*
 * 0 version, 1 status, 2 creator_len, 3 description_len, 4 u32 id,
 * 8 u32 low, 12 u32 high, 16 u32 count, 20 u64 created,
 * 28 creator NUL description NUL.
 */
size_t
rec_group_size(const struct rec_group *g)
{
	if (g->creator_len > UINT8_MAX || g->description_len > UINT8_MAX)
		return (0);
	return (REC_GROUP_HDR + g->creator_len + 1 + g->description_len + 1);
}

void
rec_group_encode(const struct rec_group *g, void *buf)
{
	uint8_t	*b = buf, *p;

	b[0] = REC_VERSION;
	b[1] = (uint8_t)g->status;
	b[2] = (uint8_t)g->creator_len;
	b[3] = (uint8_t)g->description_len;
	rec_put_u32(b + 4, g->id);
	rec_put_u32(b + 8, g->low);
	rec_put_u32(b + 12, g->high);
	rec_put_u32(b + 16, g->count);
	rec_put_u64(b + 20, (uint64_t)g->created);
	p = rec_put_str(b + REC_GROUP_HDR, g->creator, g->creator_len);
	rec_put_str(p, g->description, g->description_len);
}

int
rec_group_decode(const void *buf, size_t len, struct rec_group *out)
{
	const uint8_t	*b = buf;
	size_t		 off = REC_GROUP_HDR;

	memset(out, 0, sizeof(*out));
	if (len < REC_GROUP_HDR || b[0] != REC_VERSION)
		return (-1);
	out->status = (char)b[1];
	out->creator_len = b[2];
	out->description_len = b[3];
	out->id = rec_get_u32(b + 4);
	out->low = rec_get_u32(b + 8);
	out->high = rec_get_u32(b + 12);
	out->count = rec_get_u32(b + 16);
	out->created = (int64_t)rec_get_u64(b + 20);
	if (rec_get_str(b, len, &off, out->creator_len, &out->creator) == -1 ||
	    rec_get_str(b, len, &off, out->description_len,
	    &out->description) == -1 || off != len)
		return (-1);
	return (0);
}

/* ---- history --------------------------------------------------------- */

void
rec_hist_encode(void *buf, uint8_t flags, int64_t when)
{
	uint8_t	*b = buf;

	b[0] = REC_VERSION;
	b[1] = flags;
	rec_put_u64(b + 2, (uint64_t)when);
}

int
rec_hist_decode(const void *buf, size_t len, uint8_t *flags, int64_t *when)
{
	const uint8_t	*b = buf;

	if (len != REC_HIST_SIZE || b[0] != REC_VERSION)
		return (-1);
	*flags = b[1];
	*when = (int64_t)rec_get_u64(b + 2);
	return (0);
}

/* ---- numbers --------------------------------------------------------- */

void
rec_numkey_encode(void *buf, uint32_t gid, uint32_t number)
{
	rec_put_u32(buf, gid);
	rec_put_u32((uint8_t *)buf + 4, number);
}

void
rec_numkey_decode(const void *buf, uint32_t *gid, uint32_t *number)
{
	*gid = rec_get_u32(buf);
	*number = rec_get_u32((const uint8_t *)buf + 4);
}

/*
 * 0 format, 1 msgid_len, 2 u64 arrival, 10 msgid NUL, then format 1: the
 * tail NUL; format 2: TAB tail CRLF.  The encoder is what keeps CR and LF
 * out of a format 2 line, so its decoder only checks the frame: the walk
 * does no per-octet work.
 */
int	rec_number_write_format = REC_NUMBER_LINE;

size_t
rec_number_size(const struct rec_number *n)
{
	if (n->msgid_len > UINT8_MAX)
		return (0);
	if (rec_number_write_format == REC_NUMBER_TAIL)
		return (10 + n->msgid_len + 1 + n->overview_len + 1);
	return (10 + n->msgid_len + 1 + 1 + n->overview_len + 2);
}

void
rec_number_encode(const struct rec_number *n, void *buf)
{
	uint8_t	*b = buf, *p, *end;

	b[0] = (uint8_t)rec_number_write_format;
	b[1] = (uint8_t)n->msgid_len;
	rec_put_u64(b + 2, (uint64_t)n->arrival);
	p = rec_put_str(b + 10, n->msgid, n->msgid_len);
	if (rec_number_write_format == REC_NUMBER_TAIL) {
		rec_put_str(p, n->overview, n->overview_len);
		return;
	}
	*p++ = '\t';
	if (n->overview_len > 0)
		memcpy(p, n->overview, n->overview_len);
	for (end = p + n->overview_len; p < end; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	p[0] = '\r';
	p[1] = '\n';
}

int
rec_number_decode(const void *buf, size_t len, struct rec_number *out)
{
	const uint8_t	*b = buf;
	size_t		 off = 10;

	memset(out, 0, sizeof(*out));
	if (len < 12 || (b[0] != REC_NUMBER_TAIL && b[0] != REC_NUMBER_LINE))
		return (-1);
	out->msgid_len = b[1];
	out->arrival = (int64_t)rec_get_u64(b + 2);
	if (rec_get_str(b, len, &off, out->msgid_len, &out->msgid) == -1 ||
	    off >= len)
		return (-1);
	if (b[0] == REC_NUMBER_LINE) {
		/* TAB, the tail, CRLF: to the end of the value. */
		out->line = (const char *)b + off;
		out->line_len = len - off;
		if (out->line_len < 3 || out->line[0] != '\t' ||
		    b[len - 2] != '\r' || b[len - 1] != '\n')
			return (-1);
		out->overview = out->line + 1;
		out->overview_len = out->line_len - 3;
		return (0);
	}
	out->overview_len = len - off - 1;
	if (rec_get_str(b, len, &off, out->overview_len, &out->overview) == -1)
		return (-1);
	return (0);
}

/* ---- links ----------------------------------------------------------- */

/* 0 version, 1 flags, 2 u64 order, 10 source_len, 11 parent_len,
   12 source NUL parent NUL */
size_t
rec_link_size(const struct rec_link *l)
{
	if (l->source_len > UINT8_MAX || l->parent_len > UINT8_MAX)
		return (0);
	return (12 + l->source_len + 1 + l->parent_len + 1);
}

void
rec_link_encode(const struct rec_link *l, void *buf)
{
	uint8_t	*b = buf, *p;

	b[0] = REC_VERSION;
	b[1] = l->flags;
	rec_put_u64(b + 2, l->order);
	b[10] = (uint8_t)l->source_len;
	b[11] = (uint8_t)l->parent_len;
	p = rec_put_str(b + 12, l->source, l->source_len);
	rec_put_str(p, l->parent, l->parent_len);
}

int
rec_link_decode(const void *buf, size_t len, struct rec_link *out)
{
	const uint8_t	*b = buf;
	size_t		 off = 12;

	memset(out, 0, sizeof(*out));
	if (len < 14 || b[0] != REC_VERSION)
		return (-1);
	out->flags = b[1];
	out->order = rec_get_u64(b + 2);
	out->source_len = b[10];
	out->parent_len = b[11];
	if (rec_get_str(b, len, &off, out->source_len, &out->source) == -1 ||
	    rec_get_str(b, len, &off, out->parent_len, &out->parent) == -1 ||
	    off != len)
		return (-1);
	return (0);
}

size_t
rec_reply_encode(void *buf, uint64_t order, const char *child,
    size_t child_len)
{
	rec_put_u64(buf, order);
	rec_put_str((uint8_t *)buf + 8, child, child_len);
	return (8 + child_len + 1);
}

int
rec_reply_decode(const void *buf, size_t len, uint64_t *order,
    const char **child)
{
	const uint8_t	*b = buf;

	if (len < 10 || b[len - 1] != '\0' || memchr(b + 8, '\0',
	    len - 9) != NULL)
		return (-1);
	*order = rec_get_u64(b);
	*child = (const char *)b + 8;
	return (0);
}

/* ---- thread summaries ------------------------------------------------ */

/* 0 version, 1 flags, 2 u16 subject_len, 4 u16 from_len, 6 u16 date_len,
   8 u32 articles, 12 u64 last, 20 subject NUL from NUL date NUL; version
   2 (a head) adds head NUL, its length the rest of the value's. */
size_t
rec_thread_size(const struct rec_thread *t)
{
	size_t	head = 0;

	if (t->subject_len > UINT16_MAX || t->from_len > UINT16_MAX ||
	    t->date_len > UINT16_MAX || t->head_len > UINT8_MAX)
		return (0);
	if (t->head_len > 0)
		head = t->head_len + 1;
	return (REC_THREAD_HDR + t->subject_len + 1 + t->from_len + 1 +
	    t->date_len + 1 + head);
}

void
rec_thread_encode(const struct rec_thread *t, void *buf)
{
	uint8_t	*b = buf, *p;

	b[0] = t->head_len > 0 ? REC_THREAD_V_HEAD : REC_VERSION;
	b[1] = t->flags;
	rec_put_u16(b + 2, (uint16_t)t->subject_len);
	rec_put_u16(b + 4, (uint16_t)t->from_len);
	rec_put_u16(b + 6, (uint16_t)t->date_len);
	rec_put_u32(b + 8, t->articles);
	rec_put_u64(b + 12, (uint64_t)t->last);
	p = rec_put_str(b + REC_THREAD_HDR, t->subject, t->subject_len);
	p = rec_put_str(p, t->from, t->from_len);
	p = rec_put_str(p, t->date, t->date_len);
	if (t->head_len > 0)
		rec_put_str(p, t->head, t->head_len);
}

int
rec_thread_decode(const void *buf, size_t len, struct rec_thread *out)
{
	const uint8_t	*b = buf;
	size_t		 off = REC_THREAD_HDR;

	memset(out, 0, sizeof(*out));
	if (len < REC_THREAD_HDR || (b[0] != REC_VERSION &&
	    b[0] != REC_THREAD_V_HEAD))
		return (-1);
	out->flags = b[1];
	out->subject_len = rec_get_u16(b + 2);
	out->from_len = rec_get_u16(b + 4);
	out->date_len = rec_get_u16(b + 6);
	out->articles = rec_get_u32(b + 8);
	out->last = (int64_t)rec_get_u64(b + 12);
	if (rec_get_str(b, len, &off, out->subject_len, &out->subject) == -1 ||
	    rec_get_str(b, len, &off, out->from_len, &out->from) == -1 ||
	    rec_get_str(b, len, &off, out->date_len, &out->date) == -1)
		return (-1);
	if (b[0] == REC_THREAD_V_HEAD) {
		if (off + 2 > len || off + 1 + UINT8_MAX < len)
			return (-1);
		out->head_len = len - off - 1;
		if (rec_get_str(b, len, &off, out->head_len,
		    &out->head) == -1)
			return (-1);
	}
	if (off != len)
		return (-1);
	return (0);
}

/* ---- users ----------------------------------------------------------- */

/* 0 version, 1 hash_len, 2 u32 flags, 6 u64 created, 14 hash NUL */
size_t
rec_user_size(size_t hash_len)
{
	if (hash_len > UINT8_MAX)
		return (0);
	return (REC_USER_HDR + hash_len + 1);
}

void
rec_user_encode(void *buf, uint32_t flags, int64_t created, const char *hash,
    size_t hash_len)
{
	uint8_t	*b = buf;

	b[0] = REC_VERSION;
	b[1] = (uint8_t)hash_len;
	rec_put_u32(b + 2, flags);
	rec_put_u64(b + 6, (uint64_t)created);
	rec_put_str(b + REC_USER_HDR, hash, hash_len);
}

int
rec_user_decode(const void *buf, size_t len, uint32_t *flags,
    int64_t *created, const char **hash, size_t *hash_len)
{
	const uint8_t	*b = buf;
	size_t		 off = REC_USER_HDR;

	if (len < REC_USER_HDR + 1 || b[0] != REC_VERSION)
		return (-1);
	*hash_len = b[1];
	*flags = rec_get_u32(b + 2);
	*created = (int64_t)rec_get_u64(b + 6);
	if (rec_get_str(b, len, &off, *hash_len, hash) == -1 || off != len)
		return (-1);
	return (0);
}

/* ---- cancels --------------------------------------------------------- */

size_t
rec_cancel_size(size_t keys_len, size_t cancel_len)
{
	if (keys_len > UINT16_MAX || cancel_len > UINT16_MAX)
		return (0);
	return (REC_CANCEL_HDR + keys_len + 1 + cancel_len + 1);
}

void
rec_cancel_encode(void *buf, int64_t when, const char *keys, size_t keys_len,
    const char *cancel, size_t cancel_len)
{
	uint8_t	*b = buf;

	b[0] = REC_VERSION;
	b[1] = 0;
	rec_put_u64(b + 2, (uint64_t)when);
	rec_put_u16(b + 10, (uint16_t)keys_len);
	rec_put_u16(b + 12, (uint16_t)cancel_len);
	memcpy(b + REC_CANCEL_HDR, keys, keys_len);
	b[REC_CANCEL_HDR + keys_len] = '\0';
	memcpy(b + REC_CANCEL_HDR + keys_len + 1, cancel, cancel_len);
	b[REC_CANCEL_HDR + keys_len + 1 + cancel_len] = '\0';
}

int
rec_cancel_decode(const void *buf, size_t len, int64_t *when,
    const char **keys, const char **cancel)
{
	const uint8_t	*b = buf;
	size_t		 kl, cl;

	if (len < REC_CANCEL_HDR || b[0] != REC_VERSION)
		return (-1);
	kl = rec_get_u16(b + 10);
	cl = rec_get_u16(b + 12);
	if (len != REC_CANCEL_HDR + kl + 1 + cl + 1 ||
	    b[REC_CANCEL_HDR + kl] != '\0' || b[len - 1] != '\0')
		return (-1);
	*when = (int64_t)rec_get_u64(b + 2);
	*keys = (const char *)b + REC_CANCEL_HDR;
	*cancel = (const char *)b + REC_CANCEL_HDR + kl + 1;
	return (0);
}
