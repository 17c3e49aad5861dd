/*
 * The running peer set: srv->cfg.peers, every host resolved, and one
 * feeder (srv->feeders) per peer with an address.  Start-up gives it the
 * peers resolved before the loop runs; a reload gives it a new set, whose
 * hosts are resolved on the loop (evdns), and applies it once every name
 * has an answer, in one step: feeders start, stop or are re-pointed and
 * srv->cfg.peers is replaced together, so feeder_select and
 * server_peer_allowed always see the peers that are being fed.
 */
#ifndef LOOM_PEERS_H
#define LOOM_PEERS_H

#include <stddef.h>

struct config_peer;
struct server;

/* Feeders for srv->cfg.peers, resolved already (start-up). */
void	peers_start(struct server *srv);

/*
 * SIGHUP: the peer sections of the new configuration (peers, an array
 * from config_load; ownership passes here).  Resolves their hosts without
 * blocking the loop, then applies them.  A name that does not resolve
 * keeps the peer's old address (or, for a new peer, leaves it unfed until
 * a later reload) and is logged.  A reload during another's resolution
 * supersedes it.
 */
void	peers_reload(struct server *srv, struct config_peer *peers,
	    size_t npeers);

/* Shutdown: drop a pending reload, stop every feeder. */
void	peers_stop(struct server *srv);

#endif /* LOOM_PEERS_H */
