/*
 * COMPRESS DEFLATE (RFC 8054): a raw-deflate layer stacked on a
 * connection's bufferevent, the way TLS is, for sessions and feeders
 * alike.  Everything written to the layer leaves compressed, flushed
 * (Z_SYNC_FLUSH) whenever the layer has compressed all it was given, so
 * each batch of replies is decodable at once without a flush per line;
 * everything read is inflated.  An idle layer gives its deflate state
 * back and keeps only the last window of what it sent (see compress.c).
 */
#ifndef LOOM_COMPRESS_H
#define LOOM_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

struct bufferevent;
struct compress;

struct compress_stats {
	uint64_t	in_wire;	/* compressed octets read */
	uint64_t	in_raw;		/* ... and what they inflated to */
	uint64_t	out_raw;	/* octets written to the layer */
	uint64_t	out_wire;	/* ... and what left compressed */
	uint64_t	releases;	/* times the idle deflate state went */
};

/*
 * Stack the layer on `under` and return the new top bufferevent (callbacks
 * deferred; freeing it frees `under`), or NULL if zlib or libevent cannot
 * set it up (`under` is then untouched).  `out_high` bounds the compressed
 * octets queued in `under`: beyond it, output waits above the layer, where
 * the owner's watermarks see it.  `name` labels log lines ("session=1f").
 * *zcp is valid for as long as the returned bufferevent.
 */
struct bufferevent	*compress_new(struct bufferevent *under,
			    size_t out_high, const char *name,
			    struct compress **zcp);

/* Why the layer failed (corrupt input, no memory), or NULL: the owner's
   event callback gets BEV_EVENT_ERROR and asks. */
const char		*compress_error(const struct compress *zc);

void			 compress_get_stats(const struct compress *zc,
			    struct compress_stats *st);

/* Is TLS-level compression on in this chain of bufferevents (then RFC 8054
   2.2.2 forbids COMPRESS)?  OpenSSL 3 normally has it off. */
int			 compress_tls_level(struct bufferevent *bev);

#endif /* LOOM_COMPRESS_H */
