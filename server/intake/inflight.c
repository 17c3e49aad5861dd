/* A small chained hash set of message-ids. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inflight.h"
#include "util.h"

#define INFLIGHT_BUCKETS	1024	/* power of two */

struct inflight_entry {
	struct inflight_entry	*next;
	char			 msgid[];
};

struct inflight {
	struct inflight_entry	*bucket[INFLIGHT_BUCKETS];
};

/* FNV-1a: message-ids are short and the set is small. */
static size_t
inflight_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h & (INFLIGHT_BUCKETS - 1));
}

struct inflight *
inflight_new(void)
{
	return (xcalloc(1, sizeof(struct inflight)));
}

void
inflight_free(struct inflight *f)
{
	struct inflight_entry	*e, *next;
	size_t			 i;

	if (f == NULL)
		return;
	for (i = 0; i < INFLIGHT_BUCKETS; i++)
		for (e = f->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(f);
}

int
inflight_has(struct inflight *f, const char *msgid)
{
	struct inflight_entry	*e;

	for (e = f->bucket[inflight_hash(msgid)]; e != NULL; e = e->next)
		if (strcmp(e->msgid, msgid) == 0)
			return (1);
	return (0);
}

int
inflight_add(struct inflight *f, const char *msgid)
{
	struct inflight_entry	*e;
	size_t			 h = inflight_hash(msgid), len;

	if (inflight_has(f, msgid))
		return (-1);
	len = strlen(msgid) + 1;
	e = xmalloc(sizeof(*e) + len);
	memcpy(e->msgid, msgid, len);
	e->next = f->bucket[h];
	f->bucket[h] = e;
	return (0);
}

void
inflight_del(struct inflight *f, const char *msgid)
{
	struct inflight_entry	**ep, *e;

	for (ep = &f->bucket[inflight_hash(msgid)]; (e = *ep) != NULL;
	    ep = &e->next)
		if (strcmp(e->msgid, msgid) == 0) {
			*ep = e->next;
			free(e);
			return;
		}
}
