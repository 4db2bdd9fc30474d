#ifndef HEARTH_APP_H
#define HEARTH_APP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct hearth_config;
struct db;
struct cache;
struct roles;
struct engine;

/* Runs a request created or made due, to be taken on by the same worker
 * once the response has gone (FCGX_Finish_r).  They are already committed
 * to the database, so a worker that dies first loses nothing: the
 * scheduler finds them. */
#define APP_AFTER_MAX 64
enum app_after_kind { AFTER_RUN, AFTER_RESUME };

/* What a worker holds for its life: all borrowed by handlers. */
struct app {
	const struct hearth_config *cfg;
	struct db *db;
	struct cache *cache;
	const struct roles *roles;
	time_t started;
	struct engine *engine;       /* NULL where no runs happen (tests, fuzzing) */
	int64_t after_ids[APP_AFTER_MAX];
	enum app_after_kind after_kind[APP_AFTER_MAX];
	size_t after_n;
};

/* Queue a run for after the response; false when the queue is full (the
 * scheduler then picks the run up). */
static inline int app_after(struct app *app, int64_t id, enum app_after_kind kind)
{
	if (app->after_n >= APP_AFTER_MAX)
		return -1;
	app->after_ids[app->after_n] = id;
	app->after_kind[app->after_n++] = kind;
	return 0;
}

#endif
