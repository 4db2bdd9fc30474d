#ifndef HEARTH_APP_H
#define HEARTH_APP_H

#include <time.h>

struct hearth_config;
struct db;
struct cache;
struct roles;

/* What a worker holds for its life: all borrowed by handlers. */
struct app {
	const struct hearth_config *cfg;
	struct db *db;
	struct cache *cache;
	const struct roles *roles;
	time_t started;
};

#endif
