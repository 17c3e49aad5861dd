/* Storing the moderation queue's approved articles (modqueue.c). */
#ifndef LOOM_MODQUEUE_H
#define LOOM_MODQUEUE_H

#include "server.h"

/* Look at the queue every second from now on (after writer_start). */
void	modq_start(struct server *srv);
/* Stop looking (before writer_stop). */
void	modq_stop(void);

#endif /* LOOM_MODQUEUE_H */
