#ifndef HEARTH_ENGINE_FILTER_ENV_DB_H
#define HEARTH_ENGINE_FILTER_ENV_DB_H

#include "gate.h"

struct db;

/*
 * Fill env with lookups that read the database db (borrowed; it must
 * outlive env, which keeps it as ud).  A database error reads as -1, so
 * the context fails and says its lookup failed.
 */
void filter_env_db(struct filter_env *env, struct db *db);

#endif
