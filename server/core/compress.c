/*
 * The COMPRESS DEFLATE layer (RFC 8054): a libevent filtering bufferevent
 * whose input filter inflates and whose output filter deflates, stacked on
 * a connection as STARTTLS stacks OpenSSL's (and above it, so data is
 * compressed before it is encrypted, as RFC 8054 2.2.2 orders).
 *
 * Flushing.  A reply is written a line at a time; a Z_SYNC_FLUSH per line
 * would end a deflate block per line and cost the ratio most of what it
 * gains.  So the output filter deflates each line as it comes without
 * flushing, and a zero timer (compress_flush_cb), which runs once the
 * callback that wrote has returned, flushes once for the whole round.  It
 * flushes only when it has taken all it was given: while the connection
 * below is full, output waits above the layer and nothing is stranded in
 * zlib once the layer's output is empty.  (Deferring the output buffer's
 * callbacks instead, as an earlier version did, let a deferred callback
 * outlive a bufferevent freed on a connection reset: a crash.)
 *
 * Memory.  zlib's deflate state is 256 KiB with a 32 KiB window
 * (windowBits 15, memLevel 8), its inflate state 7 KiB plus a 32 KiB window
 * allocated on first use.  Readers spend most of their time idle, so after
 * COMPRESS_IDLE_RELEASE seconds without output the layer frees both and
 * keeps only text: the end of what it sent, to prime the next reply's
 * fresh deflate state (valid after a Z_SYNC_FLUSH: the stream is at a
 * byte-aligned block boundary, and the peer's inflater holds those octets
 * already), and the whole inflate window, which the peer may still refer
 * to, to prime a fresh inflater (only if the peer's stream stopped at a
 * block boundary).  docs/architecture.md has the figures.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/ssl.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "compress.h"
#include "log.h"
#include "util.h"

/* RFC 8054 5: raw deflate (negative windowBits); inflate must take any
   window up to 32 KiB, so it always gets 15. */
#define COMPRESS_WBITS		15
#define COMPRESS_MEMLEVEL	8
/* Levels above 3 cost much more CPU for a few per cent on NNTP text. */
#define COMPRESS_LEVEL		3
/* Output space offered to zlib per call. */
#define COMPRESS_CHUNK		16384
/* Seconds without output after which the zlib states are released. */
#define COMPRESS_IDLE_RELEASE	2
/* The end of our output kept as the next deflate state's dictionary:
   replies after a pause gained as much from 8 KiB as from 32 KiB. */
#define COMPRESS_DICT_KEEP	8192
/* Most inflated octets one input filter call makes without a limit. */
#define COMPRESS_IN_MAX		(256 * 1024)

struct compress {
	struct bufferevent	*top;
	struct event		*idle;		/* releases idle zlib state */
	struct event		*flush;		/* ends a round of writes */
	z_stream		 zin;
	z_stream		 zout;
	int			 zin_live;
	int			 zout_live;
	int			 dirty;		/* input since the flush */
	int			 ended;		/* the peer's final block */
	const char		*error;
	unsigned char		*dict;		/* released deflate's window */
	unsigned		 dictlen;
	unsigned char		*idict;		/* released inflate's window */
	unsigned		 idictlen;
	struct compress_stats	 st;
	char			 name[48];
};

static int
compress_deflate_start(struct compress *zc)
{
	memset(&zc->zout, 0, sizeof(zc->zout));
	if (deflateInit2(&zc->zout, COMPRESS_LEVEL, Z_DEFLATED,
	    -COMPRESS_WBITS, COMPRESS_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		return (-1);
	if (zc->dict != NULL) {
		if (deflateSetDictionary(&zc->zout, zc->dict, zc->dictlen) !=
		    Z_OK) {
			deflateEnd(&zc->zout);
			return (-1);
		}
		free(zc->dict);
		zc->dict = NULL;
		zc->dictlen = 0;
	}
	zc->zout_live = 1;
	return (0);
}

static int
compress_inflate_start(struct compress *zc)
{
	memset(&zc->zin, 0, sizeof(zc->zin));
	if (inflateInit2(&zc->zin, -COMPRESS_WBITS) != Z_OK)
		return (-1);
	if (zc->idict != NULL) {
		if (inflateSetDictionary(&zc->zin, zc->idict, zc->idictlen) !=
		    Z_OK) {
			inflateEnd(&zc->zin);
			return (-1);
		}
		free(zc->idict);
		zc->idict = NULL;
		zc->idictlen = 0;
	}
	zc->zin_live = 1;
	return (0);
}

/* Tell the owner, once; its event callback is deferred, so it may free
   the layer there. */
static void
compress_fail(struct compress *zc, const char *why)
{
	if (zc->error != NULL)
		return;
	zc->error = why;
	log_warnx("%s compress: %s", zc->name, why);
	bufferevent_trigger_event(zc->top, BEV_EVENT_ERROR | BEV_EVENT_READING,
	    BEV_TRIG_DEFER_CALLBACKS);
}

/* Run deflate over in[0..len) with `flush`, appending all it makes. */
static int
compress_deflate(struct compress *zc, struct evbuffer *dst, const void *in,
    size_t len, int flush)
{
	struct evbuffer_iovec	iov;
	size_t			room;
	int			rc;

	zc->zout.next_in = (Bytef *)(uintptr_t)in;
	zc->zout.avail_in = (uInt)len;
	do {
		if (evbuffer_reserve_space(dst, COMPRESS_CHUNK, &iov, 1) < 1)
			return (-1);
		room = iov.iov_len < UINT_MAX ? iov.iov_len : UINT_MAX;
		zc->zout.next_out = iov.iov_base;
		zc->zout.avail_out = (uInt)room;
		rc = deflate(&zc->zout, flush);
		iov.iov_len = room - zc->zout.avail_out;
		evbuffer_commit_space(dst, &iov, 1);
		zc->st.out_wire += iov.iov_len;
		if (rc == Z_STREAM_ERROR)
			return (-1);
	} while (zc->zout.avail_out == 0);
	zc->st.out_raw += len;
	return (0);
}

/* The round of writes is over: one Z_SYNC_FLUSH for all its lines. */
static void
compress_flush_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct compress	*zc = arg;

	bufferevent_flush(zc->top, EV_WRITE, BEV_FLUSH);
}

static enum bufferevent_filter_result
compress_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	static const struct timeval	now = { 0, 0 };
	struct compress		*zc = arg;
	struct evbuffer_iovec	 v;
	size_t			 budget, took = 0, n;
	struct timeval		 tv = { COMPRESS_IDLE_RELEASE, 0 };
	int			 flushed = 0;

	if (zc->error != NULL) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return (BEV_ERROR);
	}
	if (evbuffer_get_length(src) == 0 && !zc->dirty)
		return (BEV_NEED_MORE);
	if (!zc->zout_live && compress_deflate_start(zc) == -1) {
		compress_fail(zc, "cannot start deflate (out of memory)");
		return (BEV_ERROR);
	}
	/* The limit is the room below in compressed octets; taking as many
	   raw ones never overshoots it by more than zlib's slack. */
	budget = lim < 0 ? SIZE_MAX : (size_t)lim;
	while (took < budget && evbuffer_peek(src, -1, NULL, &v, 1) > 0) {
		n = v.iov_len < budget - took ? v.iov_len : budget - took;
		if (n > UINT_MAX)
			n = UINT_MAX;
		if (compress_deflate(zc, dst, v.iov_base, n, Z_NO_FLUSH) ==
		    -1) {
			compress_fail(zc, "deflate failed");
			return (BEV_ERROR);
		}
		evbuffer_drain(src, n);
		took += n;
		zc->dirty = 1;
	}
	if (evbuffer_get_length(src) == 0 && zc->dirty && mode == BEV_NORMAL) {
		/* A line of a reply: flush once the round of writes is over. */
		if (!evtimer_pending(zc->flush, NULL))
			evtimer_add(zc->flush, &now);
	} else if (evbuffer_get_length(src) == 0 && zc->dirty) {
		if (compress_deflate(zc, dst, NULL, 0, Z_SYNC_FLUSH) == -1) {
			compress_fail(zc, "deflate failed");
			return (BEV_ERROR);
		}
		zc->dirty = 0;
		flushed = 1;
		evtimer_add(zc->idle, &tv);
	}
	return (took > 0 || flushed ? BEV_OK : BEV_NEED_MORE);
}

static enum bufferevent_filter_result
compress_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode LOOM_UNUSED, void *arg)
{
	struct compress		*zc = arg;
	struct evbuffer_iovec	 v, iov;
	size_t			 budget, made = 0, want, used, out;
	int			 rc;

	if (zc->error != NULL || (zc->ended && evbuffer_get_length(src))) {
		evbuffer_drain(src, evbuffer_get_length(src));
		compress_fail(zc, "data after the end of the compressed "
		    "stream");
		return (BEV_ERROR);
	}
	if (evbuffer_get_length(src) == 0)
		return (BEV_NEED_MORE);
	if (!zc->zin_live && compress_inflate_start(zc) == -1) {
		compress_fail(zc, "cannot start inflate (out of memory)");
		return (BEV_ERROR);
	}
	budget = lim < 0 ? COMPRESS_IN_MAX : (size_t)lim;
	while (made < budget && evbuffer_peek(src, -1, NULL, &v, 1) > 0) {
		want = budget - made < COMPRESS_CHUNK ? budget - made :
		    COMPRESS_CHUNK;
		if (evbuffer_reserve_space(dst, (ev_ssize_t)want, &iov,
		    1) < 1) {
			compress_fail(zc, "out of memory");
			return (BEV_ERROR);
		}
		zc->zin.next_in = v.iov_base;
		zc->zin.avail_in = v.iov_len < UINT_MAX ? (uInt)v.iov_len :
		    UINT_MAX;
		used = zc->zin.avail_in;
		zc->zin.next_out = iov.iov_base;
		zc->zin.avail_out = (uInt)want;
		rc = inflate(&zc->zin, Z_SYNC_FLUSH);
		used -= zc->zin.avail_in;
		out = want - zc->zin.avail_out;
		iov.iov_len = out;
		evbuffer_commit_space(dst, &iov, 1);
		evbuffer_drain(src, used);
		made += out;
		zc->st.in_wire += used;
		zc->st.in_raw += out;
		if (rc == Z_STREAM_END) {
			/* A final block: the peer can send nothing more. */
			zc->ended = 1;
			if (evbuffer_get_length(src) != 0) {
				evbuffer_drain(src, evbuffer_get_length(src));
				compress_fail(zc, "data after the end of the "
				    "compressed stream");
				return (BEV_ERROR);
			}
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			evbuffer_drain(src, evbuffer_get_length(src));
			compress_fail(zc, zc->zin.msg != NULL ? zc->zin.msg :
			    "corrupt compressed data");
			return (BEV_ERROR);
		}
		if (used == 0 && out == 0)
			break;
	}
	return (made > 0 ? BEV_OK : BEV_NEED_MORE);
}

/* Keep the last `max` octets of a window, in a block of their own size. */
static int
compress_keep(unsigned char **dict, unsigned *dictlen, const unsigned char *win,
    uInt len, uInt max)
{
	if (len > max) {
		win += len - max;
		len = max;
	}
	*dict = NULL;
	*dictlen = 0;
	if (len == 0)
		return (0);
	if ((*dict = malloc(len)) == NULL)
		return (-1);
	memcpy(*dict, win, len);
	*dictlen = len;
	return (0);
}

/*
 * No output for a while: free the deflate state but keep its window, and
 * the inflate state likewise if the peer's stream stopped between blocks
 * (data_type: 128 = expecting a block header, low bits = unused bits; a
 * Z_PARTIAL_FLUSH peer may stop mid-block, and then the state stays).
 */
static void
compress_idle_cb(evutil_socket_t fd LOOM_UNUSED, short what LOOM_UNUSED,
    void *arg)
{
	struct compress		*zc = arg;
	struct bufferevent	*under = bufferevent_get_underlying(zc->top);
	unsigned char		 win[1U << COMPRESS_WBITS];
	uInt			 len;
	int			 released = 0;

	if (zc->error != NULL)
		return;
	if (zc->zout_live && !zc->dirty &&
	    evbuffer_get_length(bufferevent_get_output(zc->top)) == 0) {
		len = sizeof(win);
		if (deflateGetDictionary(&zc->zout, win, &len) == Z_OK &&
		    compress_keep(&zc->dict, &zc->dictlen, win, len,
		    COMPRESS_DICT_KEEP) == 0) {
			deflateEnd(&zc->zout);
			zc->zout_live = 0;
			released = 1;
		}
	}
	if (zc->zin_live && zc->zin.avail_in == 0 && !zc->ended &&
	    (zc->zin.data_type & 128) && (zc->zin.data_type & 63) == 0 &&
	    (under == NULL ||
	    evbuffer_get_length(bufferevent_get_input(under)) == 0)) {
		len = sizeof(win);
		if (inflateGetDictionary(&zc->zin, win, &len) == Z_OK &&
		    compress_keep(&zc->idict, &zc->idictlen, win, len,
		    sizeof(win)) == 0) {
			inflateEnd(&zc->zin);
			zc->zin_live = 0;
			released = 1;
		}
	}
	if (released) {
		zc->st.releases++;
		log_debug("%s compress: idle, state released (windows kept: "
		    "%u + %u octets)", zc->name, zc->dictlen, zc->idictlen);
	}
}

static void
compress_free(void *arg)
{
	struct compress	*zc = arg;
	struct compress_stats *st = &zc->st;

	log_info("%s compress: in=%llu/%llu out=%llu/%llu "
	    "(compressed/raw octets) releases=%llu", zc->name,
	    (unsigned long long)st->in_wire, (unsigned long long)st->in_raw,
	    (unsigned long long)st->out_wire, (unsigned long long)st->out_raw,
	    (unsigned long long)st->releases);
	if (zc->zout_live)
		deflateEnd(&zc->zout);
	if (zc->zin_live)
		inflateEnd(&zc->zin);
	free(zc->dict);
	free(zc->idict);
	event_free(zc->idle);
	event_free(zc->flush);
	free(zc);
}

struct bufferevent *
compress_new(struct bufferevent *under, size_t out_high, const char *name,
    struct compress **zcp)
{
	struct compress		*zc;
	struct bufferevent	*top;

	if ((zc = calloc(1, sizeof(*zc))) == NULL)
		return (NULL);
	loom_strlcpy(zc->name, name, sizeof(zc->name));
	/* Both states now, so a shortage is a 403 rather than a failure
	   after the 206. */
	if ((zc->idle = evtimer_new(bufferevent_get_base(under),
	    compress_idle_cb, zc)) == NULL ||
	    (zc->flush = evtimer_new(bufferevent_get_base(under),
	    compress_flush_cb, zc)) == NULL)
		goto fail;
	if (compress_deflate_start(zc) == -1)
		goto fail;
	if (compress_inflate_start(zc) == -1)
		goto fail;
	top = bufferevent_filter_new(under, compress_in, compress_out,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, compress_free, zc);
	if (top == NULL)
		goto fail;
	zc->top = top;
	/* See the top of this file: one flush per round of writes. */
	bufferevent_setwatermark(under, EV_WRITE, out_high / 2, out_high);
	/* The owner's timeouts go on the top; one left below would fire a
	   second time for the same silence. */
	bufferevent_set_timeouts(under, NULL, NULL);
	*zcp = zc;
	return (top);
fail:
	if (zc->zout_live)
		deflateEnd(&zc->zout);
	if (zc->zin_live)
		inflateEnd(&zc->zin);
	if (zc->idle != NULL)
		event_free(zc->idle);
	if (zc->flush != NULL)
		event_free(zc->flush);
	free(zc);
	return (NULL);
}

const char *
compress_error(const struct compress *zc)
{
	return (zc != NULL ? zc->error : NULL);
}

void
compress_get_stats(const struct compress *zc, struct compress_stats *st)
{
	*st = zc->st;
}

int
compress_tls_level(struct bufferevent *bev)
{
	SSL	*ssl;

	for (; bev != NULL; bev = bufferevent_get_underlying(bev))
		if ((ssl = bufferevent_openssl_get_ssl(bev)) != NULL &&
		    SSL_get_current_compression(ssl) != NULL)
			return (1);
	return (0);
}
