/*
 * The TLS server context (server/core/tls.c) under libevent's OpenSSL
 * bufferevent, as a session uses it: what an idle connection keeps.
 * OpenSSL's and libevent's allocations go through a counting allocator
 * (CRYPTO_set_mem_functions, event_set_mem_functions), so the figures are
 * exact octets, not RSS: the test cannot be thrown by other processes or
 * by the clock.
 */
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "tls.h"

/* ---- counting allocator: every block carries its size in front */

#define HDR	16	/* keeps the alignment malloc gives */

static size_t	live;	/* octets held by OpenSSL and libevent */

static void *
count_malloc(size_t n)
{
	unsigned char	*p;

	if ((p = malloc(n + HDR)) == NULL)
		return (NULL);
	memcpy(p, &n, sizeof(n));
	live += n;
	return (p + HDR);
}

static void
count_free(void *q)
{
	unsigned char	*p;
	size_t		 n;

	if (q == NULL)
		return;
	p = (unsigned char *)q - HDR;
	memcpy(&n, p, sizeof(n));
	live -= n;
	free(p);
}

static void *
count_realloc(void *q, size_t n)
{
	unsigned char	*p;
	size_t		 old;

	if (q == NULL)
		return (count_malloc(n));
	p = (unsigned char *)q - HDR;
	memcpy(&old, p, sizeof(old));
	if ((p = realloc(p, n + HDR)) == NULL)
		return (NULL);
	memcpy(p, &n, sizeof(n));
	live = live - old + n;
	return (p + HDR);
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return (count_malloc(n));
}

static void *
ossl_realloc(void *q, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return (count_realloc(q, n));
}

static void
ossl_free(void *q, const char *file, int line)
{
	(void)file;
	(void)line;
	count_free(q);
}

/* ---- a certificate and key, made here */

static char	dir[] = "/tmp/loom-test-tls-XXXXXX";
static char	cert_path[64], key_path[64];

static int
make_cert(void **state)
{
	EVP_PKEY	*pkey;
	X509		*x;
	X509_NAME	*name;
	FILE		*fp;

	assert_non_null(mkdtemp(dir));
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	assert_non_null(pkey = EVP_EC_gen("P-256"));
	assert_non_null(x = X509_new());
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, pkey);
	assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
	assert_non_null(fp = fopen(cert_path, "w"));
	assert_int_equal(PEM_write_X509(fp, x), 1);
	fclose(fp);
	assert_non_null(fp = fopen(key_path, "w"));
	assert_int_equal(PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(pkey);
	(void)state;
	return (0);
}

static int
remove_cert(void **state)
{
	(void)state;
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
	return (0);
}

/* ---- one connection: a server end as loomd's, a client end */

struct conn {
	struct bufferevent	*srv;
	struct bufferevent	*cli;
	struct evbuffer		*srv_got;
	struct evbuffer		*cli_got;
	int			 sent_cmd;
	int			 done;	/* the client has the reply */
	int			 failed;
};

static void
srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	if (what & BEV_EVENT_CONNECTED)
		bufferevent_write(bev, "200 test ready\r\n", 16);
	else
		c->failed = 1;
}

static void
srv_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	/* As the session does: the line is taken, the input left empty. */
	evbuffer_add_buffer(c->srv_got, bufferevent_get_input(bev));
	if (evbuffer_search(c->srv_got, "\r\n", 2, NULL).pos != -1) {
		evbuffer_drain(c->srv_got, evbuffer_get_length(c->srv_got));
		bufferevent_write(bev, "111 20261204000000\r\n", 20);
	}
}

static void
cli_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (!(what & BEV_EVENT_CONNECTED))
		c->failed = 1;
}

static void
cli_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	size_t		 n;

	evbuffer_add_buffer(c->cli_got, bufferevent_get_input(bev));
	n = evbuffer_get_length(c->cli_got);
	if (!c->sent_cmd && n >= 16) {
		c->sent_cmd = 1;
		bufferevent_write(bev, "DATE\r\n", 6);
	} else if (c->sent_cmd && n >= 16 + 20) {
		c->done = 1;
		evbuffer_drain(c->cli_got, n);
	}
}

/*
 * Handshake, greeting, one command and its reply, then nothing: the
 * state of an idle reader.  Returns the octets both ends hold then.
 */
static size_t
conn_open(struct event_base *base, SSL_CTX *sctx, SSL_CTX *cctx,
    struct conn *c)
{
	evutil_socket_t	sv[2];
	int		i;

	memset(c, 0, sizeof(*c));
	assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	assert_non_null(c->srv_got = evbuffer_new());
	assert_non_null(c->cli_got = evbuffer_new());
	c->srv = bufferevent_openssl_socket_new(base, sv[0], SSL_new(sctx),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	c->cli = bufferevent_openssl_socket_new(base, sv[1], SSL_new(cctx),
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(c->srv);
	assert_non_null(c->cli);
	bufferevent_setcb(c->srv, srv_read_cb, NULL, srv_event_cb, c);
	bufferevent_setcb(c->cli, cli_read_cb, NULL, cli_event_cb, c);
	bufferevent_enable(c->srv, EV_READ | EV_WRITE);
	bufferevent_enable(c->cli, EV_READ | EV_WRITE);
	/* Bounded by turns of the loop, not by time. */
	for (i = 0; i < 10000 && !c->done && !c->failed; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_false(c->failed);
	assert_true(c->done);
	/* Let anything deferred (callbacks, TLS 1.3 tickets) settle. */
	for (i = 0; i < 10; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	return (live);
}

static void
conn_close(struct event_base *base, struct conn *c)
{
	bufferevent_free(c->srv);
	bufferevent_free(c->cli);
	evbuffer_free(c->srv_got);
	evbuffer_free(c->cli_got);
	event_base_loop(base, EVLOOP_NONBLOCK);
}

static SSL_CTX *
client_ctx(void)
{
	SSL_CTX	*cctx;

	assert_non_null(cctx = SSL_CTX_new(TLS_client_method()));
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	/* Its buffers would be most of what the pair holds. */
	SSL_CTX_set_mode(cctx, SSL_MODE_RELEASE_BUFFERS);
	return (cctx);
}

static void
test_tls_ctx_releases_buffers(void **state)
{
	SSL_CTX	*ctx;
	char	 err[256];

	(void)state;
	ctx = tls_ctx_new(cert_path, key_path, err, sizeof(err));
	assert_non_null(ctx);
	assert_true(SSL_CTX_get_mode(ctx) & SSL_MODE_RELEASE_BUFFERS);
	tls_ctx_free(ctx);
}

/*
 * An idle TLS connection through libevent keeps no record buffer: the
 * same connection with the mode cleared on the server holds at least a
 * read and a write buffer (16 KiB of plaintext each, and more) more.
 */
static void
test_tls_idle_connection_memory(void **state)
{
	struct event_base	*base;
	SSL_CTX			*ctx, *cctx;
	struct conn		 c;
	size_t			 before, with, without;
	char			 err[256];

	(void)state;
	assert_non_null(base = event_base_new());
	ctx = tls_ctx_new(cert_path, key_path, err, sizeof(err));
	assert_non_null(ctx);
	cctx = client_ctx();
	/* One first, for what OpenSSL sets up once and keeps. */
	conn_open(base, ctx, cctx, &c);
	conn_close(base, &c);

	before = live;
	with = conn_open(base, ctx, cctx, &c) - before;
	conn_close(base, &c);

	SSL_CTX_clear_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	before = live;
	without = conn_open(base, ctx, cctx, &c) - before;
	conn_close(base, &c);

	print_message("# an idle TLS connection, both ends: %zu octets; "
	    "%zu without SSL_MODE_RELEASE_BUFFERS on the server\n", with,
	    without);
	assert_true(without >= with + 2 * 16384);

	tls_ctx_free(ctx);
	SSL_CTX_free(cctx);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_ctx_releases_buffers),
		cmocka_unit_test(test_tls_idle_connection_memory),
	};

	/* Before anything allocates through either library. */
	if (!CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free)) {
		fprintf(stderr, "CRYPTO_set_mem_functions: too late\n");
		return (1);
	}
	event_set_mem_functions(count_malloc, count_realloc, count_free);
	log_init("test", LOG_LEVEL_ERROR, 0);
	return (cmocka_run_group_tests(tests, make_cert, remove_cert));
}
