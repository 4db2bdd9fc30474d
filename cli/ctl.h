#ifndef HEARTH_CTL_H
#define HEARTH_CTL_H

/*
 * What hearthctl's command files share: the command table's shape and the
 * helpers of hearthctl.c.
 */
#include <stdio.h>

#include <jansson.h>

#include "config.h"
#include "err.h"

#define LIST_PAGE 1000

struct db;

struct ctl {
	const char *config_arg;     /* -c, or NULL */
	struct hearth_config cfg;
	struct db *db;
};

struct command {
	const char *name;           /* one or two words */
	const char *args;
	int (*run)(struct ctl *c, const struct command *cmd, int argc, char **argv);
	const char *help;
};

/* Usage line to stderr; EX_USAGE. */
int command_usage(const struct command *cmd);
/* A getopt refusal, reported by the command's name; EX_USAGE. */
int command_bad_option(const struct command *cmd, char **argv);
/* Load the configuration and set up (not yet open) the database. */
int ctl_open(struct ctl *c);
/* Report a failed store call; returns the exit code. */
int ctl_fail(const struct ctl *c, const char *what, enum herr rc);

/* Map the counters the API's workers share (cache_local_init), so that
 * what this command makes stale is dropped from their memory at once. */
void ctl_counters(const struct ctl *c);
/* An audit row for a change made from the console. */
enum herr ctl_audit(struct ctl *c, const char *path, const char *object_id, int status);
/* A field for a terminal: control characters as '?', padded to width. */
void put_cell(const char *s, long width);
/* items (an array of objects whose cols are strings) as a table with a
 * header line, columns as wide as their widest cell. */
void ctl_print_table(const json_t *items, const char *const *cols, size_t ncols);
/* Characters in UTF-8 text, or -1 if it is not valid UTF-8. */
long utf8_chars(const char *s);

/* users.c */
int cmd_user_create(struct ctl *c, const struct command *cmd, int argc, char **argv);
int cmd_user_list(struct ctl *c, const struct command *cmd, int argc, char **argv);
int cmd_user_passwd(struct ctl *c, const struct command *cmd, int argc, char **argv);
int cmd_user_disable(struct ctl *c, const struct command *cmd, int argc, char **argv);
int cmd_setup_code(struct ctl *c, const struct command *cmd, int argc, char **argv);

/* ha.c */
int cmd_ha_check(struct ctl *c, const struct command *cmd, int argc, char **argv);

#endif
