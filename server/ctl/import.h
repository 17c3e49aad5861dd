/* loomctl import inn|rnews|mbox and export (import.c). */
#ifndef LOOM_CTL_IMPORT_H
#define LOOM_CTL_IMPORT_H

struct config;
struct store;

/* "import inn [--spool DIR] [--active FILE] [--newsgroups FILE]
   [--history FILE] | rnews FILE|- | mbox FILE GROUP": 0, 1 (failed) or
   2 (usage).  The store is opened by the caller. */
int	ctl_import_cmd(struct store *st, const struct config *cfg, int argc,
	    char **argv);
/* Argument check alone, before the store is opened: 0 or 2. */
int	ctl_import_usage(int argc, char **argv);

/* "export GROUP [RANGE] [--format mbox|rnews]" to standard output. */
int	ctl_export_cmd(struct store *st, int argc, char **argv);
int	ctl_export_usage(int argc, char **argv);

#endif /* LOOM_CTL_IMPORT_H */
