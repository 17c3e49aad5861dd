/*
 * On-disk encodings of Loom's records: pure functions, no LMDB, no I/O.
 *
 * Every integer is big-endian, so the files are portable between hosts and
 * so keys sort numerically under LMDB's default memcmp order.  Every value
 * record starts with a format byte (REC_VERSION); a decoder refuses a record
 * whose version, lengths or terminators do not add up (returns -1, the
 * caller reports STORE_CORRUPT), so a damaged value never makes us read
 * outside it.  Strings inside records are stored with a trailing NUL, so the
 * decoded pointers (which point into the caller's buffer, i.e. the map) are
 * C strings.  See docs/storage.md for the byte layouts.
 */
#ifndef LOOM_RECORD_H
#define LOOM_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define REC_VERSION	1

/* Big-endian helpers; p need not be aligned. */
void		rec_put_u16(void *p, uint16_t v);
void		rec_put_u32(void *p, uint32_t v);
void		rec_put_u64(void *p, uint64_t v);
uint16_t	rec_get_u16(const void *p);
uint32_t	rec_get_u32(const void *p);
uint64_t	rec_get_u64(const void *p);

/* Times in keys: negative times (before 1970) are stored as 0. */
uint64_t	rec_time_key(int64_t t);

/* ---- articles: msgid -> record header, strings, wire ------------------ */

#define REC_ART_HDR	48

struct rec_iov {
	const void	*base;
	size_t		 len;
};

struct rec_article {
	uint8_t		 flags;
	int64_t		 arrival;
	uint64_t	 seq;		/* store-wide arrival sequence */
	uint32_t	 bytes;		/* :bytes */
	uint32_t	 lines;		/* :lines */
	uint32_t	 header_len;	/* offset of the empty line in wire */
	const char	*msgid;
	size_t		 msgid_len;
	const char	*parent;
	size_t		 parent_len;
	const char	*root;
	size_t		 root_len;
	const char	*xref;		/* "group:number ..." */
	size_t		 xref_len;
	const char	*overview;	/* full overview tail */
	size_t		 overview_len;
	/* encode: the wire image as pieces; decode: one piece */
	const struct rec_iov *wire;
	size_t		 nwire;
	const char	*wire_data;	/* decode only */
	size_t		 wire_len;	/* total */
};

/* Size of the encoded record, or 0 if a field is too long to encode. */
size_t	rec_article_size(const struct rec_article *a);
/* Write the record into buf (rec_article_size(a) octets). */
void	rec_article_encode(const struct rec_article *a, void *buf);
int	rec_article_decode(const void *buf, size_t len,
	    struct rec_article *out);

/* ---- groups: name -> record ------------------------------------------ */

#define REC_GROUP_HDR	28

struct rec_group {
	char		 status;
	uint32_t	 id;
	uint32_t	 low;
	uint32_t	 high;
	uint32_t	 count;
	int64_t		 created;
	const char	*creator;	/* NUL-terminated on decode */
	size_t		 creator_len;
	const char	*description;
	size_t		 description_len;
};

size_t	rec_group_size(const struct rec_group *g);
void	rec_group_encode(const struct rec_group *g, void *buf);
int	rec_group_decode(const void *buf, size_t len, struct rec_group *out);

/* ---- history: msgid -> version, flags, arrival ----------------------- */

#define REC_HIST_SIZE	10
#define REC_HIST_STORED	0x01	/* was stored (else: refused offer) */

void	rec_hist_encode(void *buf, uint8_t flags, int64_t when);
int	rec_hist_decode(const void *buf, size_t len, uint8_t *flags,
	    int64_t *when);

/* ---- numbers: BE u32 group id + BE u32 number -> arrival, msgid, line -- */

#define REC_NUMKEY_SIZE	8

void	rec_numkey_encode(void *buf, uint32_t gid, uint32_t number);
void	rec_numkey_decode(const void *buf, uint32_t *gid, uint32_t *number);

/*
 * Value formats (the first octet).  Format 2 holds OVER's line after the
 * article number as it goes on the wire, so OVER is a number and a copy;
 * format 1 (stores written before) holds the bare tail.  Both are read.
 */
#define REC_NUMBER_TAIL	1	/* ..., msgid \0, overview tail \0 */
#define REC_NUMBER_LINE	2	/* ..., msgid \0, TAB overview tail CRLF */

/* The format rec_number_encode writes: REC_NUMBER_LINE.  Tests set
   REC_NUMBER_TAIL to make the records of older stores and read them. */
extern int	rec_number_write_format;

struct rec_number {
	int64_t		 arrival;
	const char	*msgid;		/* NUL-terminated on decode */
	size_t		 msgid_len;
	/* The tail "Subject TAB ... Xref: ...".  Decoded from format 2 it
	   is followed by CRLF, not NUL: use overview_len. */
	const char	*overview;
	size_t		 overview_len;
	/* decode: "TAB tail CRLF", or NULL from a format 1 record */
	const char	*line;
	size_t		 line_len;
};

/* Size of the encoded record, or 0 if a field is too long to encode. */
size_t	rec_number_size(const struct rec_number *n);
/* Write the record into buf (rec_number_size(n) octets).  A CR or LF in
   the tail (the store refuses them before) is written as a space: one
   would end OVER's line early. */
void	rec_number_encode(const struct rec_number *n, void *buf);
int	rec_number_decode(const void *buf, size_t len, struct rec_number *out);

/* ---- links: child msgid -> flags, order, source, parent --------------- */

#define REC_LINK_OWN	0x01	/* from the child's own References */
#define REC_LINK_FORWARD 0x02	/* superseded: parent is the replacement,
				   which has no replies entry for it */

struct rec_link {
	uint8_t		 flags;
	uint64_t	 order;		/* sibling order time (see thread_db.c) */
	const char	*source;	/* implying article; "" when OWN */
	size_t		 source_len;
	const char	*parent;	/* "" for a root */
	size_t		 parent_len;
};

size_t	rec_link_size(const struct rec_link *l);
void	rec_link_encode(const struct rec_link *l, void *buf);
int	rec_link_decode(const void *buf, size_t len, struct rec_link *out);

/* replies value: BE u64 order + child msgid + NUL */
size_t	rec_reply_encode(void *buf, uint64_t order, const char *child,
	    size_t child_len);
int	rec_reply_decode(const void *buf, size_t len, uint64_t *order,
	    const char **child);

/* ---- threads: root msgid -> summary ---------------------------------- */

#define REC_THREAD_HDR		20
#define REC_THREAD_ROOT		0x01	/* the root article is present */
#define REC_THREAD_V_HEAD	2	/* format with the head's msgid */
#define REC_THREAD_FIELD_MAX	1000	/* subject/from/date kept */

struct rec_thread {
	uint8_t		 flags;
	uint32_t	 articles;	/* present articles, root included */
	int64_t		 last;		/* latest arrival */
	const char	*subject;
	size_t		 subject_len;
	const char	*from;
	size_t		 from_len;
	const char	*date;
	size_t		 date_len;
	const char	*head;		/* the article in the root's place
					   when it was superseded; NULL */
	size_t		 head_len;
};

size_t	rec_thread_size(const struct rec_thread *t);
void	rec_thread_encode(const struct rec_thread *t, void *buf);
int	rec_thread_decode(const void *buf, size_t len, struct rec_thread *out);

/* ---- users: name -> flags, created, hash ----------------------------- */

#define REC_USER_HDR	14

size_t	rec_user_size(size_t hash_len);
void	rec_user_encode(void *buf, uint32_t flags, int64_t created,
	    const char *hash, size_t hash_len);
int	rec_user_decode(const void *buf, size_t len, uint32_t *flags,
	    int64_t *created, const char **hash, size_t *hash_len);

/* ---- cancels: target msgid -> a cancel waiting for it --------------- */

#define REC_CANCEL_HDR	14

/* u8 format, u8 flags (0), u64 when, u16 keys length, u16 cancel length,
   keys \0 cancel \0.  Size, or 0 when a string is too long. */
size_t	rec_cancel_size(size_t keys_len, size_t cancel_len);
void	rec_cancel_encode(void *buf, int64_t when, const char *keys,
	    size_t keys_len, const char *cancel, size_t cancel_len);
int	rec_cancel_decode(const void *buf, size_t len, int64_t *when,
	    const char **keys, const char **cancel);

#endif /* LOOM_RECORD_H */
