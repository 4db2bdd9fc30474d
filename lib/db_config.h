#ifndef HEARTH_DB_CONFIG_H
#define HEARTH_DB_CONFIG_H

/*
 * Where the database connection's settings come from: the [database]
 * section of the configuration.  Apart from db.h so that the database
 * layer knows nothing of the configuration.
 */
#include "config.h"
#include "db.h"

/* cfg's [database] settings as db_new() takes them.  The strings are
 * borrowed from cfg, which must outlive the options. */
struct db_options db_options_from_config(const struct hearth_config *cfg);

#endif
