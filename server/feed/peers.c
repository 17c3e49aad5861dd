/*
 * The running peer set and its reload (see peers.h).
 *
 * A reload resolves every [peer] host with libevent's evdns
 * (evdns_getaddrinfo): a numeric address answers at once, a name is a
 * query driven by the loop like any other socket, so a slow or dead name
 * server delays only the reload, never a client.  Nothing changes until
 * the last answer came; then peers_apply matches the new sections to the
 * running feeders by name:
 *
 *   same name, same address, port, compress   the feeder goes on; new
 *                                             groups, pathhost and
 *                                             max_in_flight apply
 *   same name, new address, port or compress  the feeder reconnects
 *   new name                                  a feeder starts
 *   name gone                                 its feeder stops; its
 *                                             queue stays in the store
 *
 * A renamed peer is a removal and an addition: the new name starts with
 * an empty queue and gets every article stored from then on; what was
 * queued under the old name stays there (loomctl peers no longer lists
 * it) until a section of that name comes back.
 */
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "feeder.h"
#include "log.h"
#include "peers.h"
#include "server.h"
#include "store.h"
#include "util.h"

struct peers_lookup {
	struct peers_pending			*p;
	size_t					 i;	/* in p->peers */
	struct evdns_getaddrinfo_request	*req;	/* NULL: answered */
};

struct peers_pending {
	struct server		*srv;
	struct config_peer	*peers;
	size_t			 npeers;
	struct peers_lookup	*lookups;	/* one per peer */
	unsigned		 outstanding;	/* lookups not answered */
	int			 superseded;	/* by a later reload, or stop */
};

/* The running peer of that name, or NULL. */
static const struct config_peer *
peers_find(const struct server *srv, const char *name)
{
	size_t	i;

	for (i = 0; i < srv->cfg.npeers; i++)
		if (strcmp(srv->cfg.peers[i].name, name) == 0)
			return (&srv->cfg.peers[i]);
	return (NULL);
}

/* Take the running feeder of that name out of srv->feeders, or NULL. */
static struct feeder *
peers_take_feeder(struct server *srv, const char *name)
{
	struct feeder	*f;
	size_t		 i;

	for (i = 0; i < srv->nfeeders; i++)
		if ((f = srv->feeders[i]) != NULL &&
		    strcmp(feeder_name(f), name) == 0) {
			srv->feeders[i] = NULL;
			return (f);
		}
	return (NULL);
}

void
peers_start(struct server *srv)
{
	size_t	i;

	srv->feeders = xcalloc(srv->cfg.npeers + 1, sizeof(*srv->feeders));
	srv->nfeeders = 0;
	for (i = 0; i < srv->cfg.npeers; i++)
		if (srv->cfg.peers[i].addrlen != 0)
			srv->feeders[srv->nfeeders++] = feeder_start(srv,
			    &srv->cfg.peers[i]);
}

/* Every new section has its address (or none): make it the running set,
   all at once, on the loop. */
static void
peers_apply(struct server *srv, struct config_peer *peers, size_t npeers)
{
	struct feeder	**feeders, *f;
	char		  name[STORE_PEER_MAX + 1];
	uint64_t	  queued;
	size_t		  i, n = 0;

	feeders = xcalloc(npeers + 1, sizeof(*feeders));
	for (i = 0; i < npeers; i++) {
		if (peers[i].addrlen == 0)
			continue;
		/* Taken out: what is left in srv->feeders goes below. */
		if ((f = peers_take_feeder(srv, peers[i].name)) != NULL)
			feeder_update(f, &peers[i]);
		else {
			log_info("reload: feed=%s added (%s:%u)",
			    peers[i].name, peers[i].host, peers[i].port);
			f = feeder_start(srv, &peers[i]);
		}
		feeders[n++] = f;
	}
	for (i = 0; i < srv->nfeeders; i++) {
		if ((f = srv->feeders[i]) == NULL)
			continue;
		loom_strlcpy(name, feeder_name(f), sizeof(name));
		/* Stopping dequeues what the peer answered already. */
		feeder_stop(f, "removed from the configuration");
		queued = 0;
		store_feed_count(srv->store, name, &queued);
		log_info("reload: feed=%s removed; its %llu queued articles "
		    "stay in the store", name, (unsigned long long)queued);
	}
	free(srv->feeders);
	srv->feeders = feeders;
	srv->nfeeders = n;
	free(srv->cfg.peers);
	srv->cfg.peers = peers;
	srv->cfg.npeers = npeers;
}

static void
peers_pending_free(struct peers_pending *p)
{
	free(p->peers);
	free(p->lookups);
	free(p);
}

/* Every lookup answered: apply, unless a later reload took over. */
static void
peers_pending_done(struct peers_pending *p)
{
	struct server	*srv = p->srv;

	if (srv->peers_pending == p)
		srv->peers_pending = NULL;
	if (p->superseded) {
		peers_pending_free(p);
		return;
	}
	peers_apply(srv, p->peers, p->npeers);
	p->peers = NULL;
	peers_pending_free(p);
	log_info("reload: %zu peers, %zu fed", srv->cfg.npeers,
	    srv->nfeeders);
}

static void
peers_resolved_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct peers_lookup	*l = arg;
	struct peers_pending	*p = l->p;
	struct config_peer	*pe = &p->peers[l->i];
	const struct config_peer *old;

	l->req = NULL;
	if (result == 0 && res != NULL && res->ai_addrlen <= sizeof(pe->addr)) {
		memcpy(&pe->addr, res->ai_addr, res->ai_addrlen);
		pe->addrlen = (socklen_t)res->ai_addrlen;
	} else if (result != EVUTIL_EAI_CANCEL && !p->superseded) {
		log_warnx("reload: [peer %s] host: cannot resolve \"%s\": %s",
		    pe->name, pe->host, evutil_gai_strerror(result));
		/* The peer stays where it was reached so far. */
		old = peers_find(p->srv, pe->name);
		if (old != NULL && old->addrlen != 0) {
			loom_strlcpy(pe->host, old->host, sizeof(pe->host));
			pe->addr = old->addr;
			pe->addrlen = old->addrlen;
			log_warnx("reload: [peer %s] keeps its old address (%s)",
			    pe->name, pe->host);
		} else
			log_warnx("reload: [peer %s] is not fed until a reload "
			    "resolves it", pe->name);
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (--p->outstanding == 0)
		peers_pending_done(p);
}

/* Cancel what is still asked; the answers (EVUTIL_EAI_CANCEL) free p. */
static void
peers_pending_cancel(struct peers_pending *p)
{
	size_t	i;

	p->superseded = 1;
	p->outstanding++;		/* a callback may run in here */
	for (i = 0; i < p->npeers; i++)
		if (p->lookups[i].req != NULL)
			evdns_getaddrinfo_cancel(p->lookups[i].req);
	if (--p->outstanding == 0)
		peers_pending_done(p);
}

static struct evdns_base *
peers_dns(struct server *srv)
{
	if (srv->dns != NULL)
		return (srv->dns);
	/* resolv.conf and /etc/hosts; without them, /etc/hosts alone and
	   numeric addresses. */
	if ((srv->dns = evdns_base_new(srv->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		log_warnx("reload: cannot read the resolver configuration; "
		    "peer hosts must be numeric or in /etc/hosts");
		if ((srv->dns = evdns_base_new(srv->base, 0)) == NULL)
			fatalx("evdns_base_new failed");
		evdns_base_load_hosts(srv->dns, NULL);
	}
	return (srv->dns);
}

void
peers_reload(struct server *srv, struct config_peer *peers, size_t npeers)
{
	struct evutil_addrinfo	 hints;
	struct peers_pending	*p;
	struct peers_lookup	*l;
	struct evdns_base	*dns = NULL;
	size_t			 i;

	if (srv->peers_pending != NULL) {
		log_info("reload: the previous peer reload is superseded");
		peers_pending_cancel(srv->peers_pending);
	}
	p = xcalloc(1, sizeof(*p));
	p->srv = srv;
	p->peers = peers;
	p->npeers = npeers;
	p->lookups = xcalloc(npeers + 1, sizeof(*p->lookups));
	srv->peers_pending = p;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	p->outstanding = 1;		/* answers may come at once */
	for (i = 0; i < npeers; i++) {
		peers[i].addrlen = 0;
		if (peers[i].host[0] == '\0')
			continue;
		l = &p->lookups[i];
		l->p = p;
		l->i = i;
		p->outstanding++;
		/* The resolver (its socket) only once a peer needs it. */
		if (dns == NULL)
			dns = peers_dns(srv);
		/* NULL: answered already (a numeric address, an error). */
		l->req = evdns_getaddrinfo(dns, peers[i].host, NULL, &hints,
		    peers_resolved_cb, l);
	}
	if (--p->outstanding == 0)
		peers_pending_done(p);
}

void
peers_stop(struct server *srv)
{
	struct peers_pending	*p;
	size_t			 i;

	if ((p = srv->peers_pending) != NULL) {
		peers_pending_cancel(p);
		/* Cancelled lookups answer from the loop (deferred): one
		   pass lets them; what still has not answered never will
		   once the resolver is freed. */
		if (srv->peers_pending == p)
			event_base_loop(srv->base, EVLOOP_NONBLOCK);
		if (srv->peers_pending == p) {
			srv->peers_pending = NULL;
			peers_pending_free(p);
		}
	}
	if (srv->dns != NULL) {
		evdns_base_free(srv->dns, 0);
		srv->dns = NULL;
	}
	for (i = 0; i < srv->nfeeders; i++)
		feeder_stop(srv->feeders[i], "loomd stopped");
	free(srv->feeders);
	srv->feeders = NULL;
	srv->nfeeders = 0;
}
