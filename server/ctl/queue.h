/* loomctl group set, queue list/show/approve/reject (queue.c). */
#ifndef LOOM_CTL_QUEUE_H
#define LOOM_CTL_QUEUE_H

struct store;

/* "group set NAME KEY=VALUE...": 0, 1 (failed) or 2 (usage). */
int	ctl_group_cmd(struct store *st, int argc, char **argv);
/* "queue list [GROUP] | show ID | approve ID [MODERATOR] |
   reject ID [REASON]": the same. */
int	ctl_queue_cmd(struct store *st, int argc, char **argv);

#endif /* LOOM_CTL_QUEUE_H */
