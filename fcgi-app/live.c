/*
 * A worker's configuration follows the settings kept in the database
 * (settings.h): checked per request, rebuilt in place when their version
 * moved, and then pushed to what the process copied from it at start.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "config.h"
#include "engine/engine.h"
#include "log.h"
#include "net/http.h"
#include "settings.h"

/* TZ as the worker found it: the master set it from the file's zone, or,
 * when the file has none, left what the process was started with. */
static bool live_tz_saved, live_tz_had;
static char live_tz[256];

/* zone "" is the system's: what the process was started with when the
 * file names no zone either, else /etc/localtime (TZ unset). */
static void live__timezone(struct app *app, const char *zone, const char *file_zone)
{
	if (!live_tz_saved) {
		const char *tz = getenv("TZ");

		live_tz_had = tz && strlen(tz) < sizeof(live_tz);
		if (live_tz_had)
			memcpy(live_tz, tz, strlen(tz) + 1);
		live_tz_saved = true;
	}
	if (*zone) {
		if (engine_set_timezone(zone) != 0)
			LOG(LOG_ERR, "settings: time zone '%s' not found; keeping the previous one",
			    zone);
	} else {
		if (live_tz_had && !*file_zone)
			setenv("TZ", live_tz, 1);
		else
			unsetenv("TZ");
		(void)engine_set_timezone("");
	}
	if (app->engine)
		snprintf(app->engine->tz_name, sizeof(app->engine->tz_name), "%.*s",
			 (int)sizeof(app->engine->tz_name) - 1, zone);
}

void app_settings_refresh(struct app *app)
{
	const struct hearth_config *cfg;

	if (!app->settings || settings_live_refresh(app->settings, app->db, app->cache) != 1)
		return;
	cfg = &app->settings->cfg;
	live__timezone(app, cfg->engine_timezone, app->settings->file->engine_timezone);
	log_set_level(cfg->log_level);
	/* The policy was checked as part of the whole (config_check). */
	if (net_init_config(cfg) != 0)
		LOG(LOG_ERR, "settings: the outbound policy was not applied");
}
