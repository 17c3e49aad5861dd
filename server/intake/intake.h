/* The store record of an incoming article (POST, IHAVE, TAKETHIS). */
#ifndef LOOM_INTAKE_H
#define LOOM_INTAKE_H

#include <stdint.h>
#include <time.h>

#include "server.h"

struct article;
struct article_thread;

/*
 * Everything store_put_batch needs about an article proto/ has checked
 * and finished (injected or Path-prepended): wire form, thread links,
 * overview, arrival `now`, posting time from its Date, and the peers it
 * is queued for (names copied into feed_names, so a reload cannot pull
 * them away while the writer holds the record).  Pointers in *art refer
 * into a, t, numbers and feed_names, which must outlive the commit.
 */
void	intake_record(struct server *srv, struct store_article *art,
	    const struct article *a, const struct article_thread *t,
	    uint32_t *numbers,
	    char feed_names[SERVER_FEEDS_MAX][STORE_PEER_MAX + 1],
	    const char **feeds, time_t now);

/*
 * The [filter] built-in rules (max_crosspost, max_followup, reject_header)
 * on an article: 0 passes, 1 refused with a reason, -1 out of memory.
 */
int	intake_filter_rules(const struct config *cfg, const struct article *a,
	    char *reason, size_t len);

#endif /* LOOM_INTAKE_H */
