/*
 * Message-IDs being received right now (IHAVE after 335, TAKETHIS until
 * its commit), server-wide, so a second peer offering the same article at
 * the same moment is told to retry later (436, 431) instead of both
 * sending it.
 */
#ifndef LOOM_INFLIGHT_H
#define LOOM_INFLIGHT_H

struct inflight;

struct inflight	*inflight_new(void);
void		 inflight_free(struct inflight *f);
/* 0 if added, -1 if already there. */
int		 inflight_add(struct inflight *f, const char *msgid);
int		 inflight_has(struct inflight *f, const char *msgid);
void		 inflight_del(struct inflight *f, const char *msgid);

#endif /* LOOM_INFLIGHT_H */
