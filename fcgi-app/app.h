#ifndef HEARTH_APP_H
#define HEARTH_APP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct hearth_config;
struct db;
struct cache;
struct roles;
struct engine;
struct queue_runner;
struct settings_live;

/* Runs and delivery jobs a request created or made due, to be taken on by
 * the same worker once the response has gone (FCGX_Finish_r).  They are
 * already committed to the database, so a worker that dies first loses
 * nothing: the scheduler finds them. */
#define APP_AFTER_MAX 64
enum app_after_kind { AFTER_RUN, AFTER_RESUME, AFTER_JOB };

/* What a worker holds for its life: all borrowed by handlers. */
struct app {
	const struct hearth_config *cfg;  /* the file's, with the database's settings over it */
	struct settings_live *settings;   /* owns what cfg points to; NULL = the file's only */
	struct db *db;
	struct cache *cache;
	const struct roles *roles;
	time_t started;
	struct engine *engine;       /* NULL where no runs happen (tests, fuzzing) */
	struct queue_runner *queue;  /* NULL where nothing is delivered */
	json_t *pubs;                /* real-time messages of the request, [{channel, type, data}] */
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

/*
 * Queue a real-time message (net/publish.h) for after the response: it
 * goes out only if the request's changes were committed.  data is stolen.
 * Best effort: -1 when memory runs out (the message is dropped).
 */
static inline int app_publish(struct app *app, const char *channel, const char *type,
			      json_t *data)
{
	json_t *m;

	if (!app->pubs && !(app->pubs = json_array())) {
		json_decref(data);
		return -1;
	}
	m = json_pack("{s:s, s:s, s:o}", "channel", channel, "type", type, "data",
		      data ? data : json_object());
	return m ? json_array_append_new(app->pubs, m) : -1;
}

/*
 * Bring app->cfg up to the database's settings (settings.h) when their
 * version moved, and re-apply what the process took from it: time zone,
 * log level, outbound policy, delivery attempts.  Call with the database
 * reachable; a no-op without app->settings.  (live.c)
 */
void app_settings_refresh(struct app *app);

/* Forget what the request queued: its changes were rolled back. */
static inline void app_after_clear(struct app *app)
{
	app->after_n = 0;
	if (app->pubs)
		json_array_clear(app->pubs);
}

#endif
