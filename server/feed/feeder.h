/* Outgoing feeds: one feeder per configured peer (see feeder.c). */
#ifndef LOOM_FEEDER_H
#define LOOM_FEEDER_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct article;
struct article_thread;
struct config_peer;
struct feeder;
struct server;

struct feeder_stats {
	uint64_t	offered;	/* articles sent */
	uint64_t	accepted;	/* 239, 235 */
	uint64_t	refused;	/* 438, 439, 435, 437 */
	uint64_t	deferred;	/* 431, 436: offered again later */
	int		connected;
	char		last_error[128];
};

/* Start feeding a peer (connects from the event loop, right away). */
struct feeder	*feeder_start(struct server *srv,
		    const struct config_peer *peer);

/* Stop (shutdown, or the peer left the configuration): its queue stays
   in the store; why is published as its last state. */
void		 feeder_stop(struct feeder *f, const char *why);

/*
 * The peer's section changed in a reload (same name): take the new copy;
 * reconnect at once if its address, port or compress setting changed.
 */
void		 feeder_update(struct feeder *f, const struct config_peer *peer);

/* Articles were queued: offer them now. */
void		 feeder_kick(struct feeder *f);

const struct feeder_stats *feeder_stats(const struct feeder *f);
const char	*feeder_name(const struct feeder *f);

/*
 * The peers an article goes to: those with a running feeder (srv->feeders)
 * whose groups wildmat matches one of its newsgroups and whose Path
 * identity is not in its Path.  Writes up to max
 * names into names[] with ptrs[i] = names[i]; returns how many.
 */
size_t		 feeder_select(struct server *srv, const struct article *a,
		    const struct article_thread *t,
		    char names[][STORE_PEER_MAX + 1], const char **ptrs,
		    size_t max);

#endif /* LOOM_FEEDER_H */
