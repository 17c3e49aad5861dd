/*
 * loomctl import inn | rnews | mbox, and export: moving a site's articles
 * in and out of the store.
 *
 * One core for the three imports: an article's bytes (native, LF line
 * ends, as INN's spool and rnews batches hold them; or wire form, CRLF
 * and dot-stuffed, as INN writes with wireformat) go through the article
 * parser, as loomd's intake does, with their Xref dropped (the store
 * writes Loom's), and into store_put_batch a few hundred per transaction:
 * one sync per batch.  Nothing else is kept as progress: an article whose
 * Message-ID the store has seen (stored, or in history) is skipped, so an
 * import stopped anywhere (Ctrl-C, kill, power) resumes by running it
 * again, without duplicates.  Imports write the store directly, not
 * through loomd: archives hold old articles that transit would refuse as
 * too old, and INN's numbers can only be kept here.  loomd may run
 * meanwhile (LMDB serialises the writers; loomd reads the group table per
 * command, so new groups show at once); imported articles are not queued
 * for peers.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "article.h"
#include "config.h"
#include "datetime.h"
#include "import.h"
#include "msgid.h"
#include "newsimport.h"
#include "range.h"
#include "store.h"
#include "util.h"

#define IMP_BATCH	256		/* articles per transaction */
#define IMP_GROUPS_MAX	64		/* Xref entries kept per article */
#define IMP_TICK_TTY	0.5		/* seconds between progress lines */
#define IMP_TICK_LOG	10.0
#define IMP_CREATOR	"import"	/* groups made by loomctl import */

/* ---- Input files ----------------------------------------------------- */

struct imp_file {
	char	*data;
	size_t	 len;
	int	 mapped;
};

static void
imp_file_free(struct imp_file *f)
{
	if (f->mapped)
		munmap(f->data, f->len);
	else
		free(f->data);
	memset(f, 0, sizeof(*f));
}

/* Read all of fd through zlib, which passes plain data through as it is
   and inflates gzip. */
static int
imp_file_gz(int fd, struct imp_file *f, char *err, size_t errlen)
{
	gzFile	 gz;
	size_t	 cap = 1 << 16;
	int	 n;
	char	*p;

	if ((gz = gzdopen(fd, "rb")) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return (-1);
	}
	f->data = xmalloc(cap);
	for (;;) {
		if (cap - f->len < (1 << 16)) {
			cap *= 2;
			p = xreallocarray(f->data, cap, 1);
			f->data = p;
		}
		n = gzread(gz, f->data + f->len, (unsigned)(cap - f->len));
		if (n < 0) {
			int	zerr;

			snprintf(err, errlen, "read error: %s",
			    gzerror(gz, &zerr));
			gzclose(gz);
			return (-1);
		}
		if (n == 0)
			break;
		f->len += (size_t)n;
	}
	gzclose(gz);
	return (0);
}

/* The whole of path ("-": standard input), mapped when it is a plain
   file, inflated when gzip-compressed. */
static int
imp_file_load(const char *path, struct imp_file *f, char *err, size_t errlen)
{
	struct stat	 sb;
	unsigned char	 magic[2];
	int		 fd;
	void		*p;

	memset(f, 0, sizeof(*f));
	if (strcmp(path, "-") == 0)
		return (imp_file_gz(dup(STDIN_FILENO), f, err, errlen));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode) || (pread(fd, magic, 2, 0) == 2 &&
	    magic[0] == 0x1f && magic[1] == 0x8b))
		return (imp_file_gz(fd, f, err, errlen));
	if (sb.st_size == 0) {
		close(fd);
		f->data = xstrdup("");
		return (0);
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	f->data = p;
	f->len = (size_t)sb.st_size;
	f->mapped = 1;
	return (0);
}

/* A small file read whole (a spool article). */
static int
imp_read_small(const char *path, char **buf, size_t *len, struct stat *sb)
{
	ssize_t	n;
	size_t	got = 0;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode)) {
		close(fd);
		errno = EINVAL;
		return (-1);
	}
	*buf = xmalloc((size_t)sb->st_size + 1);
	while (got < (size_t)sb->st_size) {
		n = read(fd, *buf + got, (size_t)sb->st_size - got);
		if (n <= 0) {
			if (n == 0)
				break;
			if (errno == EINTR)
				continue;
			free(*buf);
			close(fd);
			return (-1);
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return (0);
}

/* ---- The import core ------------------------------------------------- */

struct imp_slot {
	struct article		*a;
	struct article_thread	 t;
	char			*groupmem;	/* the Xref groups' names */
	const char		*groups[IMP_GROUPS_MAX];
	uint32_t		 want[IMP_GROUPS_MAX];
	uint32_t		 numbers[IMP_GROUPS_MAX];
};

struct imp {
	struct store		*st;
	const char		*what;		/* "inn", "rnews", "mbox" */
	struct store_article	 arts[IMP_BATCH];
	struct imp_slot		 slots[IMP_BATCH];
	size_t			 n;
	/* Keep INN's numbers in this group? (import inn) */
	int			(*keep)(void *, const char *);
	/* The arrival time of a Message-ID, 0: unknown (import inn) */
	int64_t			(*arrival)(void *, const char *);
	void			*keep_arg;
	uint64_t		 stored, dups, nogroup, bad;
	/* Test hooks (environment): LOOM_IMPORT_BATCH articles per batch,
	   LOOM_IMPORT_KILL_AFTER: SIGKILL itself after that many batches
	   committed, as an interrupted import is (tests of resuming). */
	size_t			 batch;
	unsigned long		 kill_after, batches;
	/* progress: units (files, octets) of total */
	uint64_t		 done, total;
	int			 tty;
	double			 t0, tlast;
};

static double
imp_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
imp_init(struct imp *im, struct store *st, const char *what)
{
	const char	*e;

	memset(im, 0, sizeof(*im));
	im->st = st;
	im->what = what;
	im->tty = isatty(STDERR_FILENO);
	im->t0 = im->tlast = imp_now();
	im->batch = IMP_BATCH;
	if ((e = getenv("LOOM_IMPORT_BATCH")) != NULL && atoi(e) > 0 &&
	    atoi(e) < IMP_BATCH)
		im->batch = (size_t)atoi(e);
	if ((e = getenv("LOOM_IMPORT_KILL_AFTER")) != NULL)
		im->kill_after = strtoul(e, NULL, 10);
}

/* One line on stderr: articles/s, percent, time left; on a terminal
   rewritten in place, otherwise a line every IMP_TICK_LOG seconds. */
static void
imp_progress(struct imp *im, int last)
{
	double		now = imp_now(), dt, rate, left;
	uint64_t	arts = im->stored + im->dups + im->nogroup + im->bad;
	char		eta[32] = "";
	int		pct;

	if (!last && now - im->tlast < (im->tty ? IMP_TICK_TTY : IMP_TICK_LOG))
		return;
	im->tlast = now;
	dt = now - im->t0 > 0.001 ? now - im->t0 : 0.001;
	rate = (double)arts / dt;
	pct = im->total > 0 ? (int)(im->done * 100 / im->total) : 100;
	if (!last && im->done > 0 && im->total > im->done) {
		left = dt * (double)(im->total - im->done) / (double)im->done;
		snprintf(eta, sizeof(eta), ", %ld:%02ld left",
		    (long)left / 60, (long)left % 60);
	}
	fprintf(stderr, "%simport %s: %" PRIu64 " articles (%" PRIu64
	    " new), %.0f/s, %d%%%s%s", im->tty ? "\r" : "", im->what, arts,
	    im->stored, rate, pct, eta, im->tty && !last ? "\033[K" : "\n");
	fflush(stderr);
}

static void
imp_slot_free(struct imp_slot *s)
{
	article_thread_free(&s->t);
	article_free(s->a);
	free(s->groupmem);
	memset(s, 0, sizeof(*s));
}

/* Store the pending batch (one transaction, one sync). */
static int
imp_flush(struct imp *im)
{
	enum store_status	rc;
	size_t			i;

	if (im->n == 0)
		return (0);
	rc = store_put_batch(im->st, im->arts, im->n);
	for (i = 0; i < im->n; i++) {
		switch (im->arts[i].status) {
		case STORE_OK:
			im->stored++;
			break;
		case STORE_EXISTS:
			im->dups++;
			break;
		case STORE_NOTFOUND:
			im->nogroup++;
			break;
		default:
			if (rc == STORE_OK) {
				fprintf(stderr, "loomctl: %s: not stored: "
				    "%s\n", im->arts[i].msgid,
				    store_strerror(im->arts[i].status));
				im->bad++;
			}
			break;
		}
		imp_slot_free(&im->slots[i]);
	}
	im->n = 0;
	if (rc != STORE_OK) {
		fprintf(stderr, "\nloomctl: import: the store refused a batch: "
		    "%s %s\n", store_strerror(rc), store_last_error());
		return (-1);
	}
	if (im->kill_after > 0 && ++im->batches == im->kill_after)
		raise(SIGKILL);
	return (0);
}

/* Is the line a header field called name (case-insensitive)? */
static int
imp_is_field(const char *line, size_t len, const char *name)
{
	size_t	n = strlen(name);

	return (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0);
}

/*
 * Xref "host group:number ..." into the slot's groups and numbers:
 * the groups INN filed the article in, and where.
 */
static void
imp_xref_groups(struct imp *im, struct imp_slot *s, const char *v,
    size_t vlen, size_t *ng)
{
	const char	*p = v, *end = v + vlen, *w, *colon;
	char		*m;
	uint32_t	 num;
	size_t		 off = 0;

	*ng = 0;
	s->groupmem = xmalloc(vlen + 1);
	m = s->groupmem;
	/* Skip the host. */
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	while (p < end && *ng < IMP_GROUPS_MAX) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if ((colon = memchr(w, ':', (size_t)(p - w))) == NULL ||
		    colon == w)
			continue;
		memcpy(m + off, w, (size_t)(colon - w));
		m[off + (size_t)(colon - w)] = '\0';
		num = 0;
		if ((size_t)(p - colon - 1) < 11) {
			char	nb[12];

			memcpy(nb, colon + 1, (size_t)(p - colon - 1));
			nb[p - colon - 1] = '\0';
			if (nntp_number_parse(nb, &num) == -1)
				num = 0;
		}
		s->groups[*ng] = m + off;
		s->want[*ng] = im->keep != NULL && im->keep(im->keep_arg,
		    m + off) ? num : 0;
		(*ng)++;
		off += (size_t)(colon - w) + 1;
	}
}

/*
 * One article, native (LF) or wire form (CRLF, dot-stuffed, maybe with
 * the final ".").  use_xref: file it in the groups of its Xref with
 * their numbers (import inn); else its Newsgroups.  Queued for the next
 * batch; counted as bad (with a warning naming `where`) if it does not
 * parse or has no usable Message-ID, as a duplicate if already seen.
 */
static int
imp_article(struct imp *im, const char *text, size_t len, int64_t arrival,
    int use_xref, const char *where)
{
	struct article_parser	*p;
	struct imp_slot		*s = &im->slots[im->n];
	struct store_article	*art = &im->arts[im->n];
	const struct article_header *dh;
	const char		*line = text, *end = text + len, *eol;
	const char		*xref = NULL;
	size_t			 ll, xlen = 0, ng = 0;
	time_t			 posted = 0;
	int			 wire, in_header = 1, skipping = 0;

	eol = memchr(text, '\n', len);
	wire = eol != NULL && eol > text && eol[-1] == '\r';
	if ((p = article_parser_new(NULL)) == NULL)
		return (-1);
	memset(s, 0, sizeof(*s));
	while (line < end) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		ll = (size_t)(eol - line);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (wire && ll == 1 && line[0] == '.')
			break;
		if (wire && ll > 0 && line[0] == '.') {
			line++;
			ll--;
		}
		if (in_header && ll == 0)
			in_header = 0;
		else if (in_header && skipping && (line[0] == ' ' ||
		    line[0] == '\t')) {
			line = eol < end ? eol + 1 : end;
			continue;
		} else if (in_header) {
			skipping = imp_is_field(line, ll, "Xref");
			if (skipping) {
				/* Loom writes its own; INN's says where
				   INN filed it. */
				xref = line + 5;
				xlen = ll - 5;
				while (xlen > 0 && (*xref == ' ' ||
				    *xref == '\t')) {
					xref++;
					xlen--;
				}
				line = eol < end ? eol + 1 : end;
				continue;
			}
		}
		article_parser_push(p, line, ll);
		line = eol < end ? eol + 1 : end;
	}
	if (article_parser_finish(p, &s->a) != ARTICLE_OK) {
		fprintf(stderr, "loomctl: %s: skipped: %s\n", where,
		    article_parser_reason(p));
		article_parser_free(p);
		im->bad++;
		return (0);
	}
	article_parser_free(p);
	if (article_thread_extract(s->a, &s->t) == -1) {
		imp_slot_free(s);
		return (-1);
	}
	if (s->t.msgid == NULL || !msgid_valid_nntp(s->t.msgid,
	    strlen(s->t.msgid)) || strlen(s->t.msgid) > STORE_MSGID_MAX) {
		fprintf(stderr, "loomctl: %s: skipped: no usable Message-ID\n",
		    where);
		imp_slot_free(s);
		im->bad++;
		return (0);
	}
	if (store_history_lookup(im->st, s->t.msgid, NULL) == STORE_EXISTS) {
		/* Imported before (a resumed run), or a cross-post's other
		   copy in the spool. */
		imp_slot_free(s);
		im->dups++;
		return (0);
	}
	if (im->arrival != NULL && (posted = im->arrival(im->keep_arg,
	    s->t.msgid)) != 0)
		arrival = posted;
	posted = 0;
	if ((dh = article_header_by_id(s->a, ART_H_DATE)) != NULL &&
	    rfc5322_date_parse(dh->value, dh->valuelen, &posted, NULL) == -1)
		posted = 0;
	memset(art, 0, sizeof(*art));
	art->msgid = s->t.msgid;
	art->wire = s->a->wire;
	art->wire_len = s->a->wire_len;
	art->header_len = s->a->header_len;
	art->stuffed_dots = s->a->stuffed_dots;
	art->lines = (uint32_t)s->a->lines;
	art->groups = s->t.groups;
	art->ngroups = s->t.ngroups;
	if (use_xref && xref != NULL) {
		imp_xref_groups(im, s, xref, xlen, &ng);
		if (ng > 0) {
			art->groups = s->groups;
			art->ngroups = ng;
			art->want_numbers = s->want;
		}
	}
	if (art->ngroups > IMP_GROUPS_MAX) {
		/* numbers[] is fixed: past that many, no number back. */
		art->numbers = NULL;
	} else
		art->numbers = s->numbers;
	art->parent = s->t.parent;
	art->root = s->t.root;
	art->references = s->t.refs;
	art->nreferences = s->t.nrefs;
	art->overview = s->t.overview;
	art->arrival = arrival;
	art->posted = posted != 0 ? posted : arrival;
	if (++im->n == im->batch)
		return (imp_flush(im));
	return (0);
}

static int
imp_finish(struct imp *im)
{
	int	rc;

	rc = imp_flush(im);
	im->done = im->total;
	imp_progress(im, 1);
	printf("import %s: %" PRIu64 " articles stored, %" PRIu64 " already "
	    "there (or cross-post copies), %" PRIu64 " in no group here, %"
	    PRIu64 " refused\n", im->what, im->stored, im->dups, im->nogroup,
	    im->bad);
	return (rc);
}

/* ---- import inn ------------------------------------------------------ */

struct inn_group {
	char		*name;
	uint32_t	 high, low;
	char		 flag;
	int		 keep;		/* keep INN's numbers here */
	uint32_t	*nums;		/* articles found in the spool */
	size_t		 nnums;
};

struct inn_hist {
	uint8_t		hash[16];
	int64_t		arrived;
	int		matched;	/* an article in the spool has it */
};

struct inn_import {
	struct inn_group	*groups;
	size_t			 ngroups;
	struct inn_hist		*hist;
	size_t			 nhist;
	uint64_t		 remembered;	/* history-only ids */
	EVP_MD_CTX		*md;
};

static int
inn_group_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct inn_group *)a)->name,
	    ((const struct inn_group *)b)->name));
}

static int
inn_keep(void *arg, const char *group)
{
	struct inn_import	*ii = arg;
	struct inn_group	 key, *g;

	key.name = (char *)group;
	g = bsearch(&key, ii->groups, ii->ngroups, sizeof(*ii->groups),
	    inn_group_cmp);
	return (g != NULL && g->keep);
}

static int
inn_hist_cmp(const void *a, const void *b)
{
	return (memcmp(a, b, 16));
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* The arrival INN's history gives the Message-ID, else 0. */
static int64_t
inn_arrival(void *arg, const char *msgid)
{
	struct inn_import *ii = arg;
	struct inn_hist	 key, *h;
	unsigned int	 mdlen = 0;
	uint8_t		 md[EVP_MAX_MD_SIZE];
	size_t		 len = strlen(msgid);
	char		*in;

	if (ii->nhist == 0 || ii->md == NULL)
		return (0);
	in = xmalloc(len + 1);
	inn_msgid_hash_input(msgid, len, in);
	if (EVP_DigestInit_ex(ii->md, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(ii->md, in, len) != 1 ||
	    EVP_DigestFinal_ex(ii->md, md, &mdlen) != 1 || mdlen != 16) {
		free(in);
		return (0);
	}
	free(in);
	memcpy(key.hash, md, 16);
	h = bsearch(&key, ii->hist, ii->nhist, sizeof(*ii->hist),
	    inn_hist_cmp);
	if (h == NULL)
		return (0);
	h->matched = 1;
	return (h->arrived);
}

static int
inn_load_active(struct inn_import *ii, const char *path)
{
	struct imp_file		 f;
	struct inn_active	 a;
	const char		*p, *end, *eol;
	char			 err[512];
	size_t			 cap = 0, lineno = 0;

	if (imp_file_load(path, &f, err, sizeof(err)) == -1) {
		fprintf(stderr, "loomctl: active file: %s\n", err);
		return (-1);
	}
	for (p = f.data, end = f.data + f.len; p < end;
	    p = eol < end ? eol + 1 : end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		lineno++;
		if (eol == p)
			continue;
		if (inn_active_parse(p, (size_t)(eol - p), &a) == -1) {
			fprintf(stderr, "loomctl: %s:%zu: not an active line, "
			    "skipped\n", path, lineno);
			continue;
		}
		if (a.flag == '=') {
			fprintf(stderr, "loomctl: %.*s: an alias of %.*s "
			    "(flag =): Loom has no aliases, not created\n",
			    (int)a.namelen, a.name, (int)a.aliaslen, a.alias);
			continue;
		}
		if (a.namelen > STORE_GROUP_MAX ||
		    !article_newsgroup_valid(a.name, a.namelen)) {
			fprintf(stderr, "loomctl: %s:%zu: bad group name, "
			    "skipped\n", path, lineno);
			continue;
		}
		if (ii->ngroups == cap) {
			cap = cap ? cap * 2 : 64;
			ii->groups = xreallocarray(ii->groups, cap,
			    sizeof(*ii->groups));
		}
		memset(&ii->groups[ii->ngroups], 0, sizeof(*ii->groups));
		ii->groups[ii->ngroups].name = xmalloc(a.namelen + 1);
		memcpy(ii->groups[ii->ngroups].name, a.name, a.namelen);
		ii->groups[ii->ngroups].name[a.namelen] = '\0';
		ii->groups[ii->ngroups].high = a.high;
		ii->groups[ii->ngroups].low = a.low;
		ii->groups[ii->ngroups].flag = a.flag;
		ii->ngroups++;
	}
	imp_file_free(&f);
	qsort(ii->groups, ii->ngroups, sizeof(*ii->groups), inn_group_cmp);
	return (0);
}

/* Descriptions: the newsgroups file, as "name\tdescription" lines. */
static const char *
inn_describe(struct imp_file *nf, const char *name, char *buf, size_t size)
{
	const char	*p, *end, *eol, *n, *d;
	size_t		 nl, dl, i;

	buf[0] = '\0';
	if (nf->data == NULL)
		return (buf);
	for (p = nf->data, end = nf->data + nf->len; p < end;
	    p = eol < end ? eol + 1 : end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (inn_newsgroups_parse(p, (size_t)(eol - p), &n, &nl, &d,
		    &dl) == -1 || nl != strlen(name) ||
		    memcmp(n, name, nl) != 0)
			continue;
		if (dl >= size)
			dl = size - 1;
		for (i = 0; i < dl; i++)
			buf[i] = d[i] == '\t' || d[i] == '\r' ? ' ' : d[i];
		buf[dl] = '\0';
		break;
	}
	return (buf);
}

static int
inn_load_history(struct inn_import *ii, const char *path, int required)
{
	struct imp_file		 f;
	struct inn_history	 h;
	const char		*p, *end, *eol;
	char			 err[512];
	size_t			 cap = 0;

	/* The default file may be missing (a site without one to read):
	   arrivals then come from the spool files' times. */
	if (!required && access(path, F_OK) == -1 && errno == ENOENT)
		return (0);
	if (imp_file_load(path, &f, err, sizeof(err)) == -1) {
		fprintf(stderr, "loomctl: history file: %s\n", err);
		return (-1);
	}
	for (p = f.data, end = f.data + f.len; p < end;
	    p = eol < end ? eol + 1 : end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (inn_history_parse(p, (size_t)(eol - p), &h) == -1)
			continue;
		if (!h.stored) {
			ii->remembered++;
			continue;
		}
		if (ii->nhist == cap) {
			cap = cap ? cap * 2 : 1024;
			ii->hist = xreallocarray(ii->hist, cap,
			    sizeof(*ii->hist));
		}
		memcpy(ii->hist[ii->nhist].hash, h.hash, 16);
		ii->hist[ii->nhist].arrived = (int64_t)h.arrived;
		ii->hist[ii->nhist].matched = 0;
		ii->nhist++;
	}
	imp_file_free(&f);
	qsort(ii->hist, ii->nhist, sizeof(*ii->hist), inn_hist_cmp);
	if ((ii->md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	return (0);
}

/* The group's directory in a tradspool: dots become slashes. */
static char *
inn_group_dir(const char *spool, const char *group)
{
	char	*d, *q;

	if (asprintf(&d, "%s/%s", spool, group) == -1)
		return (NULL);
	for (q = d + strlen(spool) + 1; *q != '\0'; q++)
		if (*q == '.')
			*q = '/';
	return (d);
}

/* The article files of a group's directory: names all digits. */
static void
inn_scan_group(const char *spool, struct inn_group *g)
{
	DIR		*dir;
	struct dirent	*de;
	char		*d;
	size_t		 cap = 0;
	uint32_t	 num;

	if ((d = inn_group_dir(spool, g->name)) == NULL)
		return;
	if ((dir = opendir(d)) == NULL) {
		free(d);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[strspn(de->d_name, "0123456789")] != '\0' ||
		    nntp_number_parse(de->d_name, &num) == -1 || num == 0)
			continue;
		if (g->nnums == cap) {
			cap = cap ? cap * 2 : 64;
			g->nums = xreallocarray(g->nums, cap,
			    sizeof(*g->nums));
		}
		g->nums[g->nnums++] = num;
	}
	closedir(dir);
	free(d);
	qsort(g->nums, g->nnums, sizeof(*g->nums), u32_cmp);
}

static char
inn_status(const struct inn_group *g)
{
	switch (g->flag) {
	case 'y':
	case 'm':
	case 'n':
		return (g->flag);
	default:
		fprintf(stderr, "loomctl: %s: INN flag %c has no Loom "
		    "equivalent: created with status n (no local posting)\n",
		    g->name, g->flag);
		return ('n');
	}
}

static void
inn_import_free(struct inn_import *ii)
{
	size_t	i;

	for (i = 0; i < ii->ngroups; i++) {
		free(ii->groups[i].name);
		free(ii->groups[i].nums);
	}
	free(ii->groups);
	free(ii->hist);
	if (ii->md != NULL)
		EVP_MD_CTX_free(ii->md);
}

static int
import_inn(struct store *st, int argc, char **argv)
{
	const char		*spool = "/var/spool/news/articles";
	const char		*active = "/var/lib/news/active";
	const char		*newsgroups = "/var/lib/news/newsgroups";
	const char		*history = "/var/lib/news/history";
	struct inn_import	 ii;
	struct imp_file		 nf;
	struct store_group	 sg;
	struct imp		*im;
	struct stat		 sb;
	enum store_status	 rc;
	char			 desc[STORE_DESC_MAX + 1], err[512], *path, *d;
	char			*buf;
	size_t			 i, j, len, created = 0;
	int64_t			 arrival;
	int			 hist_given = 0, ret = 1;

	for (i = 0; i < (size_t)argc; i++) {
		if (i + 1 == (size_t)argc)
			return (2);
		if (strcmp(argv[i], "--spool") == 0)
			spool = argv[++i];
		else if (strcmp(argv[i], "--active") == 0)
			active = argv[++i];
		else if (strcmp(argv[i], "--newsgroups") == 0)
			newsgroups = argv[++i];
		else if (strcmp(argv[i], "--history") == 0) {
			history = argv[++i];
			hist_given = 1;
		} else
			return (2);
	}
	memset(&ii, 0, sizeof(ii));
	memset(&nf, 0, sizeof(nf));
	if (inn_load_active(&ii, active) == -1)
		return (1);
	if (imp_file_load(newsgroups, &nf, err, sizeof(err)) == -1)
		fprintf(stderr, "loomctl: newsgroups file: %s (groups get no "
		    "description)\n", err);
	if (inn_load_history(&ii, history, hist_given) == -1)
		goto out;
	/* The groups, with INN's statuses and descriptions. */
	for (i = 0; i < ii.ngroups; i++) {
		struct inn_group	*g = &ii.groups[i];

		inn_describe(&nf, g->name, desc, sizeof(desc));
		rc = store_group_create(st, g->name, inn_status(g), desc,
		    IMP_CREATOR, (int64_t)time(NULL));
		if (rc == STORE_OK)
			created++;
		else if (rc != STORE_EXISTS) {
			fprintf(stderr, "loomctl: cannot create %s: %s\n",
			    g->name, store_strerror(rc));
			goto out;
		}
		/* INN's numbers are kept in a group this import made (also
		   by an earlier, interrupted run) or one never used. */
		if (store_group_get(st, g->name, &sg) == STORE_OK)
			g->keep = strcmp(sg.creator, IMP_CREATOR) == 0 ||
			    sg.high == 0;
		if (!g->keep)
			fprintf(stderr, "loomctl: %s existed with articles: "
			    "INN's numbers are not kept there\n", g->name);
	}
	im = xcalloc(1, sizeof(*im));
	imp_init(im, st, "inn");
	im->keep = inn_keep;
	im->arrival = inn_arrival;
	im->keep_arg = &ii;
	for (i = 0; i < ii.ngroups; i++) {
		inn_scan_group(spool, &ii.groups[i]);
		im->total += ii.groups[i].nnums;
	}
	fprintf(stderr, "import inn: %zu groups (%zu new), %" PRIu64
	    " spool files\n", ii.ngroups, created, im->total);
	for (i = 0; i < ii.ngroups; i++) {
		struct inn_group	*g = &ii.groups[i];

		if ((d = inn_group_dir(spool, g->name)) == NULL)
			break;
		for (j = 0; j < g->nnums; j++) {
			im->done++;
			if (asprintf(&path, "%s/%" PRIu32, d, g->nums[j]) == -1)
				break;
			if (imp_read_small(path, &buf, &len, &sb) == -1) {
				fprintf(stderr, "loomctl: %s: %s\n", path,
				    strerror(errno));
				im->bad++;
				free(path);
				continue;
			}
			/* INN's history has the arrival; else the file's
			   time, when innd wrote it. */
			arrival = (int64_t)sb.st_mtime;
			if (imp_article(im, buf, len, arrival, 1, path) == -1) {
				free(buf);
				free(path);
				free(d);
				free(im);
				goto out;
			}
			free(buf);
			free(path);
			imp_progress(im, 0);
		}
		free(d);
	}
	if (imp_finish(im) == 0)
		ret = 0;
	/* New articles number after INN's: its high-water marks. */
	for (i = 0; ret == 0 && i < ii.ngroups; i++)
		if (ii.groups[i].keep && ii.groups[i].high > 0 &&
		    (rc = store_group_raise_high(st, ii.groups[i].name,
		    ii.groups[i].high)) != STORE_OK) {
			fprintf(stderr, "loomctl: %s: high-water mark: %s\n",
			    ii.groups[i].name, store_strerror(rc));
			ret = 1;
		}
	for (i = 0; i < ii.nhist; i++)
		if (!ii.hist[i].matched)
			ii.remembered++;
	if (ii.remembered > 0)
		printf("import inn: %" PRIu64 " Message-IDs only in INN's "
		    "history (expired, cancelled or refused) are not carried: "
		    "INN keeps their hashes, not the ids\n", ii.remembered);
	free(im);
out:
	imp_file_free(&nf);
	inn_import_free(&ii);
	return (ret);
}

/* ---- A growing buffer ------------------------------------------------ */

struct ibuf {
	char	*p;
	size_t	 len, cap;
};

static void
ibuf_add(struct ibuf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		while (b->cap - b->len < n + 1)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ibuf_str(struct ibuf *b, const char *s)
{
	ibuf_add(b, s, strlen(s));
}

/* ---- import rnews ---------------------------------------------------- */

/*
 * An rnews batch: each article as it came, Path kept (the site that made
 * the batch already put itself there), filed by its Newsgroups in the
 * groups that exist here, numbered after each group's high-water mark.
 * xref (a batch of the site being moved, e.g. INN's "sm -S"): filed by
 * its Xref instead, with those numbers, as import inn does.
 */
/* import rnews --xref: INN's numbers in groups an import made or that
   never had an article, as import inn keeps them. */
static int
rnews_keep(void *arg, const char *group)
{
	struct store_group	g;

	if (store_group_get(arg, group, &g) != STORE_OK)
		return (0);
	return (strcmp(g.creator, IMP_CREATOR) == 0 || g.high == 0);
}

static int
import_rnews(struct store *st, const char *path, int xref)
{
	struct imp_file	 f;
	struct imp	*im;
	const char	*art, *why;
	char		 err[512], where[64];
	size_t		 pos = 0, artlen;
	uint64_t	 k = 0;
	int		 r, ret = 1;

	if (imp_file_load(path, &f, err, sizeof(err)) == -1) {
		fprintf(stderr, "loomctl: import rnews: %s\n", err);
		return (1);
	}
	im = xcalloc(1, sizeof(*im));
	imp_init(im, st, "rnews");
	im->total = f.len;
	if (xref) {
		im->keep = rnews_keep;
		im->keep_arg = st;
	}
	while ((r = rnews_next(f.data, f.len, &pos, &art, &artlen,
	    &why)) == 1) {
		snprintf(where, sizeof(where), "article %" PRIu64, ++k);
		if (imp_article(im, art, artlen, (int64_t)time(NULL), xref,
		    where) == -1)
			goto out;
		im->done = pos;
		imp_progress(im, 0);
	}
	if (r == -1) {
		imp_flush(im);
		fprintf(stderr, "loomctl: import rnews: at octet %zu: %s (the "
		    "%" PRIu64 " articles before it are stored)\n", pos, why,
		    im->stored);
		goto out;
	}
	if (imp_finish(im) == 0)
		ret = 0;
out:
	free(im);
	imp_file_free(&f);
	return (ret);
}

/* ---- import mbox ----------------------------------------------------- */

/* The first "<...>" in v, or NULL. */
static const char *
mbox_first_id(const char *v, size_t len, size_t *idlen)
{
	const char	*lt, *gt;

	if ((lt = memchr(v, '<', len)) == NULL ||
	    (gt = memchr(lt, '>', len - (size_t)(lt - v))) == NULL)
		return (NULL);
	*idlen = (size_t)(gt - lt) + 1;
	return (lt);
}

/*
 * A mail message of an mbox (still mboxrd-escaped) as a news article in
 * b, LF line ends: the header as it was, less Newsgroups, plus
 * "Newsgroups: GROUP"; Path "<pathhost>!not-for-mail", Message-ID (made
 * from a hash of the message, so a rerun makes the same), Date (the From_
 * line's), From (the envelope sender) and Subject when missing;
 * References from In-Reply-To when it has none.
 */
static void
mbox_to_news(struct ibuf *b, const char *msg, size_t len, const char *sender,
    size_t senderlen, time_t when, const char *group,
    const struct config *cfg)
{
	const char	*line = msg, *end = msg + len, *eol, *irt = NULL;
	size_t		 ll, skip, irtlen = 0, hlen = 0;
	int		 in_header = 1, dropping = 0, has_path = 0;
	int		 has_msgid = 0, has_date = 0, has_from = 0;
	int		 has_subject = 0, has_refs = 0;
	struct ibuf	 body;
	char		 date[32];

	memset(&body, 0, sizeof(body));
	while (line < end) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		ll = (size_t)(eol - line);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		skip = mbox_unescape_skip(line, ll);
		if (in_header && ll == 0) {
			in_header = 0;
			hlen = body.len;
			ibuf_add(&body, "\n", 1);
		} else if (in_header && (line[0] == ' ' || line[0] == '\t')) {
			if (!dropping) {
				ibuf_add(&body, line, ll);
				ibuf_add(&body, "\n", 1);
			}
		} else if (in_header) {
			dropping = imp_is_field(line, ll, "Newsgroups");
			has_path |= imp_is_field(line, ll, "Path");
			has_msgid |= imp_is_field(line, ll, "Message-ID");
			has_date |= imp_is_field(line, ll, "Date");
			has_from |= imp_is_field(line, ll, "From");
			has_subject |= imp_is_field(line, ll, "Subject");
			has_refs |= imp_is_field(line, ll, "References");
			if (irt == NULL && imp_is_field(line, ll,
			    "In-Reply-To"))
				irt = mbox_first_id(line, ll, &irtlen);
			if (!dropping) {
				ibuf_add(&body, line + skip, ll - skip);
				ibuf_add(&body, "\n", 1);
			}
		} else {
			ibuf_add(&body, line + skip, ll - skip);
			ibuf_add(&body, "\n", 1);
		}
		line = eol < end ? eol + 1 : end;
	}
	if (!has_path) {
		ibuf_str(b, "Path: ");
		ibuf_str(b, cfg->pathhost);
		ibuf_str(b, "!not-for-mail\n");
	}
	if (!has_from && senderlen > 0) {
		ibuf_str(b, "From: ");
		ibuf_add(b, sender, senderlen);
		ibuf_str(b, "\n");
	}
	if (!has_subject)
		ibuf_str(b, "Subject: (no subject)\n");
	if (!has_date && when > 0) {
		rfc5322_date_format(when, date);
		ibuf_str(b, "Date: ");
		ibuf_str(b, date);
		ibuf_str(b, "\n");
	}
	if (!has_msgid) {
		uint8_t		md[EVP_MAX_MD_SIZE];
		unsigned int	mdlen = 0, i;
		char		hex[65];

		EVP_Digest(msg, len, md, &mdlen, EVP_sha256(), NULL);
		for (i = 0; i < 16 && i < mdlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		ibuf_str(b, "Message-ID: <mbox.");
		ibuf_str(b, hex);
		ibuf_str(b, "@");
		ibuf_str(b, cfg->domain);
		ibuf_str(b, ">\n");
	}
	if (!has_refs && irt != NULL) {
		ibuf_str(b, "References: ");
		ibuf_add(b, irt, irtlen);
		ibuf_str(b, "\n");
	}
	/* The header as it was (less Newsgroups), ours, the body. */
	if (body.len > 0 && in_header == 0) {
		ibuf_add(b, body.p, hlen);
		ibuf_str(b, "Newsgroups: ");
		ibuf_str(b, group);
		ibuf_str(b, "\n");
		ibuf_add(b, body.p + hlen, body.len - hlen);
	} else {
		if (body.len > 0)
			ibuf_add(b, body.p, body.len);
		ibuf_str(b, "Newsgroups: ");
		ibuf_str(b, group);
		ibuf_str(b, "\n\n");
	}
	free(body.p);
}

static int
import_mbox(struct store *st, const struct config *cfg, const char *path,
    const char *group)
{
	struct imp_file		 f;
	struct store_group	 g;
	struct imp		*im;
	struct ibuf		 b;
	const char		*from, *msg, *sender = "";
	char			 err[512], where[64];
	size_t			 pos = 0, fromlen, msglen, senderlen = 0;
	uint64_t		 k = 0;
	time_t			 when;
	int			 r, ret = 1;

	if (store_group_get(st, group, &g) != STORE_OK) {
		fprintf(stderr, "loomctl: import mbox: no group %s (create it "
		    "first: loomctl newgroup %s)\n", group, group);
		return (1);
	}
	if (imp_file_load(path, &f, err, sizeof(err)) == -1) {
		fprintf(stderr, "loomctl: import mbox: %s\n", err);
		return (1);
	}
	im = xcalloc(1, sizeof(*im));
	imp_init(im, st, "mbox");
	im->total = f.len;
	memset(&b, 0, sizeof(b));
	while ((r = mbox_next(f.data, f.len, &pos, &from, &fromlen, &msg,
	    &msglen)) == 1) {
		if (mbox_from_parse(from, fromlen, &sender, &senderlen,
		    &when) == -1)
			senderlen = 0;
		b.len = 0;
		mbox_to_news(&b, msg, msglen, sender, senderlen, when, group,
		    cfg);
		snprintf(where, sizeof(where), "message %" PRIu64, ++k);
		if (imp_article(im, b.p, b.len, when > 0 ? (int64_t)when :
		    (int64_t)time(NULL), 0, where) == -1)
			goto out;
		im->done = pos;
		imp_progress(im, 0);
	}
	if (r == -1) {
		imp_flush(im);
		fprintf(stderr, "loomctl: import mbox: %s does not start with "
		    "a \"From \" line: not an mbox\n", path);
		goto out;
	}
	if (imp_finish(im) == 0)
		ret = 0;
out:
	free(b.p);
	free(im);
	imp_file_free(&f);
	return (ret);
}

/* ---- Commands -------------------------------------------------------- */

int
ctl_import_usage(int argc, char **argv)
{
	int	ok = 0;

	if (argc >= 1 && strcmp(argv[0], "inn") == 0)
		ok = (argc - 1) % 2 == 0;
	else if (argc >= 1 && strcmp(argv[0], "rnews") == 0)
		ok = argc == 2 || (argc == 3 && strcmp(argv[1], "--xref") == 0);
	else if (argc >= 1 && strcmp(argv[0], "mbox") == 0)
		ok = argc == 3;
	if (ok)
		return (0);
	fprintf(stderr, "loomctl: usage: import inn [--spool DIR] [--active "
	    "FILE] [--newsgroups FILE] [--history FILE]\n"
	    "       import rnews [--xref] FILE|-\n"
	    "       import mbox FILE GROUP\n");
	return (2);
}

int
ctl_import_cmd(struct store *st, const struct config *cfg, int argc,
    char **argv)
{
	int	rc;

	if (ctl_import_usage(argc, argv) != 0)
		return (2);
	if (strcmp(argv[0], "inn") == 0) {
		if ((rc = import_inn(st, argc - 1, argv + 1)) == 2)
			ctl_import_usage(0, NULL);
		return (rc);
	}
	if (strcmp(argv[0], "rnews") == 0)
		return (import_rnews(st, argv[argc - 1], argc == 3));
	return (import_mbox(st, cfg, argv[1], argv[2]));
}

/* ---- export ---------------------------------------------------------- */

struct exp {
	FILE		*out;
	int		 mbox;
	struct ibuf	 b;
	uint64_t	 n;
	int		 err;
};

struct exp_ids {
	char	**v;
	size_t	  n, cap;
};

static int
exp_collect(const struct store_over_entry *e, void *arg)
{
	struct exp_ids	*ids = arg;

	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 256;
		ids->v = xreallocarray(ids->v, ids->cap, sizeof(*ids->v));
	}
	ids->v[ids->n++] = xstrdup(e->msgid);
	return (0);
}

/* The envelope sender for a From_ line: the From address. */
static void
exp_sender(const char *v, size_t len, char *out, size_t size)
{
	const char	*lt, *gt, *s = v, *e;

	if ((lt = memchr(v, '<', len)) != NULL &&
	    (gt = memchr(lt, '>', len - (size_t)(lt - v))) != NULL &&
	    gt > lt + 1) {
		s = lt + 1;
		e = gt;
	} else {
		while (s < v + len && (*s == ' ' || *s == '\t'))
			s++;
		for (e = s; e < v + len && *e != ' ' && *e != '\t'; e++)
			;
	}
	if (e == s || memchr(s, '@', (size_t)(e - s)) == NULL) {
		snprintf(out, size, "MAILER-DAEMON");
		return;
	}
	snprintf(out, size, "%.*s", (int)(e - s), s);
}

/* The stored article in native form (LF, not stuffed), without Xref,
   framed for rnews or mbox. */
static int
exp_article(const char *wire, size_t len,
    const struct store_article_info *info, void *arg)
{
	struct exp	*x = arg;
	const char	*line = wire, *end = wire + len, *eol;
	const char	*from = NULL;
	size_t		 ll, fromlen = 0;
	int		 in_header = 1, dropping = 0;
	char		 head[RNEWS_LINE_MAX], sender[256], date[25];

	x->b.len = 0;
	while (line < end) {
		if ((eol = memmem(line, (size_t)(end - line), "\r\n", 2)) ==
		    NULL)
			eol = end;
		ll = (size_t)(eol - line);
		if (ll > 0 && line[0] == '.') {
			line++;
			ll--;
		}
		if (in_header && ll == 0)
			in_header = 0;
		else if (in_header && (line[0] == ' ' || line[0] == '\t')) {
			if (dropping) {
				line = eol < end ? eol + 2 : end;
				continue;
			}
		} else if (in_header) {
			dropping = imp_is_field(line, ll, "Xref");
			if (dropping) {
				line = eol < end ? eol + 2 : end;
				continue;
			}
			if (from == NULL && imp_is_field(line, ll, "From")) {
				from = line + 5;
				fromlen = ll - 5;
			}
		}
		if (x->mbox && mbox_needs_escape(line, ll))
			ibuf_add(&x->b, ">", 1);
		ibuf_add(&x->b, line, ll);
		ibuf_add(&x->b, "\n", 1);
		line = eol < end ? eol + 2 : end;
	}
	if (x->mbox) {
		exp_sender(from != NULL ? from : "", fromlen, sender,
		    sizeof(sender));
		mbox_date_format((time_t)info->arrival, date);
		if (fprintf(x->out, "From %s %s\n", sender, date) < 0 ||
		    fwrite(x->b.p, 1, x->b.len, x->out) != x->b.len ||
		    fputc('\n', x->out) == EOF)
			x->err = 1;
	} else {
		ll = rnews_line(head, x->b.len);
		if (fwrite(head, 1, ll, x->out) != ll ||
		    fwrite(x->b.p, 1, x->b.len, x->out) != x->b.len)
			x->err = 1;
	}
	x->n++;
	return (0);
}

int
ctl_export_usage(int argc, char **argv)
{
	int	i, pos = 0, ok = 1;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0) {
			if (i + 1 == argc || (strcmp(argv[i + 1], "mbox") != 0 &&
			    strcmp(argv[i + 1], "rnews") != 0))
				ok = 0;
			i++;
		} else
			pos++;
	}
	if (ok && pos >= 1 && pos <= 2)
		return (0);
	fprintf(stderr, "loomctl: usage: export GROUP [RANGE] "
	    "[--format mbox|rnews]\n");
	return (2);
}

int
ctl_export_cmd(struct store *st, int argc, char **argv)
{
	struct store_group	 g;
	struct exp		 x;
	struct exp_ids		 ids;
	const char		*group = NULL, *range = NULL;
	enum store_status	 rc;
	uint32_t		 lo, hi, next;
	size_t			 i;
	int			 a, ret = 1;

	if (ctl_export_usage(argc, argv) != 0)
		return (2);
	memset(&x, 0, sizeof(x));
	memset(&ids, 0, sizeof(ids));
	x.out = stdout;
	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "--format") == 0)
			x.mbox = strcmp(argv[++a], "mbox") == 0;
		else if (group == NULL)
			group = argv[a];
		else
			range = argv[a];
	}
	if (store_group_get(st, group, &g) != STORE_OK) {
		fprintf(stderr, "loomctl: export: no group %s\n", group);
		return (1);
	}
	lo = g.low;
	hi = g.high;
	if (range != NULL && nntp_range_parse(range, g.high, &lo, &hi) == -1) {
		fprintf(stderr, "loomctl: export: bad range \"%s\" (N, N- or "
		    "N-M)\n", range);
		return (2);
	}
	/* Numbers in short read transactions, then each article. */
	next = lo;
	do {
		ids.n = 0;
		rc = store_over_range(st, g.id, next, hi, 256, exp_collect,
		    &ids, &next);
		for (i = 0; i < ids.n; i++) {
			if (rc == STORE_OK && !x.err &&
			    (rc = store_article_get(st, ids.v[i], exp_article,
			    &x)) == STORE_NOTFOUND)
				rc = STORE_OK;	/* expired meanwhile */
			free(ids.v[i]);
		}
	} while (rc == STORE_OK && !x.err && next != 0);
	free(ids.v);
	free(x.b.p);
	if (rc != STORE_OK)
		fprintf(stderr, "loomctl: export: %s\n", store_strerror(rc));
	else if (x.err || fflush(stdout) != 0)
		fprintf(stderr, "loomctl: export: write error: %s\n",
		    strerror(errno));
	else {
		fprintf(stderr, "export: %" PRIu64 " articles\n", x.n);
		ret = 0;
	}
	return (ret);
}
