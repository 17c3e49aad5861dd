/*
 * storepages: pages written per article and store octets per article,
 * deterministic, without a server: store_put_batch straight into a fresh
 * store with fixed batch sizes.  The articles are shaped like nntpgen's
 * (tests/bench/nntpgen.c): ~SIZE octets, threads of six in a chain, each
 * thread in the next of NGROUPS groups; Message-IDs <RUNID.SEQ@...> (-x:
 * hashed, so they land all over the key space as real ones do).
 *
 *   storepages [-n ARTICLES] [-b BATCH] [-g NGROUPS] [-s SIZE] [-x] [-S] [-v]
 *
 * -S: synced commits (the default is nosync: the pages written do not
 * depend on it), and the p50 of store_put_batch's time is reported too
 * (a timing: noisy on a shared machine, take the median of runs).
 *
 * Build and run: make storepages (tests/bench/store-pages.sh runs loomd
 * with the same counters under real load).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

static void
db_cb(const char *name, uint64_t entries, unsigned depth, uint64_t branch,
    uint64_t leaf, uint64_t overflow, void *arg)
{
	uint64_t	*n = arg;

	if (entries == 0)
		return;
	printf("  db %-9s %8llu entries, depth %u, %6llu branch %6llu leaf "
	    "%7llu overflow pages, %6.0f octets per article\n", name,
	    (unsigned long long)entries, depth, (unsigned long long)branch,
	    (unsigned long long)leaf, (unsigned long long)overflow,
	    (double)(branch + leaf + overflow) * 4096 / (double)*n);
}

static void
make_id(char *buf, size_t len, uint64_t seq, int hashed)
{
	uint64_t	h = seq;

	if (hashed) {
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
		snprintf(buf, len, "<%016llx.%llu@nntpgen.bench.example>",
		    (unsigned long long)h, (unsigned long long)seq);
	} else
		snprintf(buf, len, "<pages.%llu@nntpgen.bench.example>",
		    (unsigned long long)seq);
}

struct art {
	struct store_article	 a;
	char			 id[96], root[96], prev[96], refs[200];
	char			 group[64];
	const char		*groups[1];
	const char		*refv[2];
	uint32_t		 num[1];
	char			*wire;
	char			 over[1024];
};

int
main(int argc, char **argv)
{
	struct store_options	 opt;
	struct store_io_stats	 io;
	struct store_stats	 ss;
	struct store		*st;
	struct art		*arts;
	char			 dir[] = "/tmp/loom-storepages-XXXXXX", err[256];
	char			 cmd[128], body[8192], gname[64];
	size_t			 n = 4000, batch = 8, size = 3072, i, j, k;
	size_t			 blen, hlen;
	unsigned		 ngroups = 16, depth = 0, thread = 0, g = 0;
	uint64_t		 root = 0, prev = 0;
	int			 c, hashed = 0, verbose = 0, sync = 0;
	uint64_t		*lat, t0;
	size_t			 nlat = 0;

	while ((c = getopt(argc, argv, "n:b:g:s:xSv")) != -1) {
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		case 'g': ngroups = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		case 'x': hashed = 1; break;
		case 'S': sync = 1; break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: storepages [-n N] [-b BATCH] "
			    "[-g NGROUPS] [-s SIZE] [-x] [-v]\n");
			return (2);
		}
	}
	if (batch == 0 || batch > 4096 || n == 0 || ngroups == 0 ||
	    size > 7000) {
		fprintf(stderr, "storepages: bad arguments\n");
		return (2);
	}
	if (mkdtemp(dir) == NULL)
		return (1);
	memset(&opt, 0, sizeof(opt));
	opt.nosync = !sync;	/* pages written do not depend on it */
	opt.io_stats = 1;
	if (store_open(&st, dir, &opt, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", err);
		return (1);
	}
	for (i = 0; i < ngroups; i++) {
		snprintf(gname, sizeof(gname), "local.bench.g%02zu", i);
		if (store_group_create(st, gname, 'y', NULL, NULL, 0) !=
		    STORE_OK)
			return (1);
	}
	/* A text body, dot-free, lines of ~70 octets. */
	for (blen = 0; blen + 72 < sizeof(body); blen += 72)
		memcpy(body + blen, "the quick brown fox jumps over the "
		    "lazy dog and keeps on running far \r\n", 72);
	arts = calloc(batch, sizeof(*arts));
	lat = calloc(n / batch + 1, sizeof(*lat));
	for (i = 0; i < n; i += batch) {
		k = n - i < batch ? n - i : batch;
		for (j = 0; j < k; j++) {
			struct art	*t = &arts[j];
			uint64_t	 seq = i + j;
			char		 hdr[2048];
			size_t		 bl;

			if (depth == 0 || depth >= 6) {
				depth = 0;
				root = seq;
				thread++;
				g = thread % ngroups;
			}
			memset(&t->a, 0, sizeof(t->a));
			make_id(t->id, sizeof(t->id), seq, hashed);
			snprintf(t->group, sizeof(t->group),
			    "local.bench.g%02u", g);
			t->refs[0] = '\0';
			t->a.nreferences = 0;
			if (depth > 0) {
				make_id(t->root, sizeof(t->root), root, hashed);
				make_id(t->prev, sizeof(t->prev), prev, hashed);
				t->refv[t->a.nreferences++] = t->root;
				if (prev != root)
					t->refv[t->a.nreferences++] = t->prev;
				snprintf(t->refs, sizeof(t->refs), "%s%s%s",
				    t->root, prev != root ? " " : "",
				    prev != root ? t->prev : "");
			}
			hlen = (size_t)snprintf(hdr, sizeof(hdr),
			    "Path: loom!not-for-mail\r\n"
			    "From: Bench Poster %u <poster%u@nntpgen.bench."
			    "example>\r\nNewsgroups: %s\r\n"
			    "Subject: %sNNTP benchmark thread %u\r\n"
			    "Message-ID: %s\r\nDate: Fri, 04 Dec 2026 "
			    "16:00:00 +0000\r\n%s%s%s"
			    "Organization: Loom NNTP benchmark\r\n"
			    "User-Agent: nntpgen/1\r\nMIME-Version: 1.0\r\n"
			    "Content-Type: text/plain; charset=us-ascii\r\n"
			    "Content-Transfer-Encoding: 7bit\r\n",
			    (unsigned)(seq % 97), (unsigned)(seq % 97),
			    t->group, depth ? "Re: " : "", thread, t->id,
			    t->refs[0] ? "References: " : "", t->refs,
			    t->refs[0] ? "\r\n" : "");
			bl = size > hlen + 40 ? size - hlen - 40 : 72;
			bl -= bl % 72;
			hlen += (size_t)snprintf(hdr + hlen, sizeof(hdr) - hlen,
			    "Lines: %zu\r\n", bl / 72);
			free(t->wire);
			t->wire = malloc(hlen + 2 + bl);
			memcpy(t->wire, hdr, hlen);
			memcpy(t->wire + hlen, "\r\n", 2);
			memcpy(t->wire + hlen + 2, body, bl);
			snprintf(t->over, sizeof(t->over), "%sNNTP benchmark "
			    "thread %u\tBench Poster %u <poster%u@nntpgen."
			    "bench.example>\tFri, 04 Dec 2026 16:00:00 +0000"
			    "\t%s\t%s", depth ? "Re: " : "", thread,
			    (unsigned)(seq % 97), (unsigned)(seq % 97), t->id,
			    t->refs);
			t->groups[0] = t->group;
			t->a.msgid = t->id;
			t->a.wire = t->wire;
			t->a.wire_len = hlen + 2 + bl;
			t->a.header_len = hlen;
			t->a.lines = (uint32_t)(bl / 72);
			t->a.groups = t->groups;
			t->a.ngroups = 1;
			t->a.references = t->a.nreferences ? t->refv : NULL;
			t->a.overview = t->over;
			t->a.arrival = 1796400000 + (int64_t)(seq / 50);
			t->a.posted = t->a.arrival;
			t->a.numbers = t->num;
			prev = seq;
			depth++;
		}
		{
			struct store_article	 sa[4096];

			for (j = 0; j < k && j < 4096; j++)
				sa[j] = arts[j].a;
			t0 = now_ns();
			c = store_put_batch(st, sa, k);
			lat[nlat++] = now_ns() - t0;
			if (c != STORE_OK) {
				fprintf(stderr, "put: %s\n",
				    store_last_error());
				return (1);
			}
			for (j = 0; j < k; j++)
				if (sa[j].status != STORE_OK) {
					fprintf(stderr, "article %zu: %s\n",
					    i + j, store_strerror(sa[j].status));
					return (1);
				}
		}
	}
	store_io_stats_get(st, &io);
	store_stats_get(st, &ss);
	printf("storepages: %zu articles of ~%zu octets, batches of %zu, %u "
	    "groups, %s ids\n", n, size, batch, ngroups,
	    hashed ? "hashed" : "sequential");
	printf("RESULT pages_per_article=%.2f pages_per_batch=%.2f "
	    "octets_per_article=%.0f batches=%llu\n",
	    (double)io.batch_pages / (double)io.articles,
	    (double)io.batch_pages / (double)io.batches,
	    (double)ss.used / (double)ss.articles,
	    (unsigned long long)io.batches);
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	printf("RESULT put_p50_us=%.1f (%s)\n", lat[nlat / 2] / 1e3,
	    sync ? "synced" : "nosync");
	free(lat);
	if (verbose) {
		uint64_t	nn = n;

		store_db_stats(st, db_cb, &nn);
	}
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return (1);
	for (j = 0; j < batch; j++)
		free(arts[j].wire);
	free(arts);
	return (0);
}
