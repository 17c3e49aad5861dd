/* loomctl pull: fetch what a peer has and we lack (see pull.c). */
#ifndef LOOM_PULL_H
#define LOOM_PULL_H

#include <stddef.h>

struct config;
struct config_peer;
struct store;

/*
 * Pull the groups matching `wildmat` that both sides carry from `peer`
 * (its host and port serve readers), storing through the local loomd at
 * cfg->listen[0].  Resumes after the last number pulled per group.  Prints
 * a summary; progress on stderr when it is a terminal.  Returns 0, or -1
 * with a reason in err.
 */
int	pull_run(const struct config *cfg, struct store *st,
	    const struct config_peer *peer, const char *wildmat, char *err,
	    size_t errlen);

#endif /* LOOM_PULL_H */
