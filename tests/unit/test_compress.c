/*
 * The COMPRESS layer (server/core/compress.c) over a bufferevent pair: one end
 * carries the layer, the test holds the other and sees the wire.  What the
 * test checks is what integration tests cannot see: one flush per round
 * of writes (not per line), all of a round decodable at once, and corrupt
 * input reported as an error event.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "compress.h"
#include "log.h"

struct fixture {
	struct event_base	*base;
	struct bufferevent	*pair[2];	/* [0] under the layer */
	struct bufferevent	*top;
	struct compress		*zc;
	short			 events;	/* seen by the layer's owner */
	struct evbuffer		*got;		/* what the owner read */
};

static void
owner_read_cb(struct bufferevent *bev, void *arg)
{
	struct fixture	*f = arg;

	evbuffer_add_buffer(f->got, bufferevent_get_input(bev));
}

static void
owner_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fixture	*f = arg;

	f->events |= what;
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	log_init("test", LOG_LEVEL_ERROR, 0);
	assert_non_null(f->base = event_base_new());
	assert_int_equal(bufferevent_pair_new(f->base, BEV_OPT_CLOSE_ON_FREE,
	    f->pair), 0);
	f->top = compress_new(f->pair[0], 1 << 20, "test", &f->zc);
	assert_non_null(f->top);
	assert_non_null(f->got = evbuffer_new());
	bufferevent_setcb(f->top, owner_read_cb, NULL, owner_event_cb, f);
	bufferevent_enable(f->top, EV_READ | EV_WRITE);
	bufferevent_enable(f->pair[1], EV_READ | EV_WRITE);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	bufferevent_free(f->top);
	bufferevent_free(f->pair[1]);
	evbuffer_free(f->got);
	/* The bufferevents are finalized from the loop. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	event_base_free(f->base);
	free(f);
	return (0);
}

/* Let every deferred callback run. */
static void
settle(struct fixture *f)
{
	int	i;

	for (i = 0; i < 10; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
}

/* Take what reached the far end of the pair. */
static size_t
wire(struct fixture *f, unsigned char *buf, size_t len)
{
	return (evbuffer_remove(bufferevent_get_input(f->pair[1]), buf, len));
}

/* Z_SYNC_FLUSH ends with an empty stored block: 00 00 ff ff. */
static int
sync_markers(const unsigned char *p, size_t len)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(p + i, "\0\0\xff\xff", 4) == 0)
			n++;
	return (n);
}

static size_t
inflate_all(z_stream *z, const unsigned char *in, size_t len,
    unsigned char *out, size_t outlen)
{
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	z->next_out = out;
	z->avail_out = (uInt)outlen;
	assert_true(inflate(z, Z_SYNC_FLUSH) != Z_DATA_ERROR);
	assert_int_equal(z->avail_in, 0);
	return (outlen - z->avail_out);
}

static void
test_compress_one_flush_per_round(void **state)
{
	struct fixture		*f = *state;
	struct evbuffer		*out = bufferevent_get_output(f->top);
	static unsigned char	 w[1 << 20], plain[1 << 21];
	char			 line[128];
	z_stream		 z;
	size_t			 n, got;
	int			 i, round;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, -15), Z_OK);
	for (round = 0; round < 3; round++) {
		/* A reply of 2000 lines written a line at a time. */
		for (i = 0; i < 2000; i++) {
			snprintf(line, sizeof(line), "%d\tSubject %d\tFrom "
			    "<a@b>\t<%d.%d@example>\r\n", i, i % 17, round, i);
			evbuffer_add(out, line, strlen(line));
		}
		/* Nothing leaves while the writer's callback runs. */
		assert_int_equal(evbuffer_get_length(
		    bufferevent_get_input(f->pair[1])), 0);
		settle(f);
		n = wire(f, w, sizeof(w));
		assert_true(n > 0);
		assert_int_equal(evbuffer_get_length(out), 0);
		/* One flush for the round, and it decodes entirely. */
		assert_int_equal(sync_markers(w, n), 1);
		assert_int_equal(memcmp(w + n - 4, "\0\0\xff\xff", 4), 0);
		got = inflate_all(&z, w, n, plain, sizeof(plain));
		assert_true(got > 2000 * 30);
		assert_true(n * 4 < got);
		assert_int_equal(memcmp(plain + got - strlen(line), line,
		    strlen(line)), 0);
	}
	inflateEnd(&z);
}

static void
test_compress_inflates_input(void **state)
{
	struct fixture	*f = *state;
	static const char text[] = "GROUP local.test\r\nOVER 1-\r\n";
	unsigned char	 w[256], back[256];
	z_stream	 z;
	size_t		 n;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = sizeof(text) - 1;
	z.next_out = w;
	z.avail_out = sizeof(w);
	assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
	n = sizeof(w) - z.avail_out;
	deflateEnd(&z);
	/* Byte by byte: a command split anywhere still arrives whole. */
	for (size_t i = 0; i < n; i++) {
		bufferevent_write(f->pair[1], w + i, 1);
		settle(f);
	}
	assert_int_equal(evbuffer_get_length(f->got), sizeof(text) - 1);
	evbuffer_remove(f->got, back, sizeof(back));
	assert_memory_equal(back, text, sizeof(text) - 1);
	assert_null(compress_error(f->zc));
	assert_int_equal(f->events, 0);
}

static void
test_compress_corrupt_input_is_an_error(void **state)
{
	struct fixture	*f = *state;
	static const unsigned char junk[16] = { 0xff, 0xff, 0xff, 0xff };

	bufferevent_write(f->pair[1], junk, sizeof(junk));
	settle(f);
	assert_true(f->events & BEV_EVENT_ERROR);
	assert_non_null(compress_error(f->zc));
	assert_int_equal(evbuffer_get_length(f->got), 0);
	assert_int_equal(compress_tls_level(f->top), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_compress_one_flush_per_round, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compress_inflates_input, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compress_corrupt_input_is_an_error, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
