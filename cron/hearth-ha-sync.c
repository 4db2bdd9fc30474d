/*
 * hearth-ha-sync: cron starts it every 15 minutes.  When Home Assistant
 * is configured ([homeassistant] url and token) it syncs rooms from HA's
 * areas, then sensors from HA's entities, then keeps HA's device and
 * entity registries, then its automations, scripts, scenes, services and
 * helpers (lib/ha/sync.h), exactly as POST /api/v1/ha/sync/rooms,
 * /ha/sync/sensors, /entities/sync and /registry/sync do, over one
 * WebSocket connection.
 * Not configured: it leaves quietly.  Each sync is a run claimed in the
 * database, so two hosts never sync at once; a run that finds another
 * running leaves that one to finish.  One log line per sync.
 *
 *   hearth-ha-sync [-c CONFIG] [--verbose]
 *
 * Exit codes (sysexits.h): 0 ok (also: not configured, or another run
 * holds a sync), 64 usage, 69 HA or the database unavailable, 70 another
 * error, 76 HA answered what cannot be acted on, 78 bad configuration.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "db.h"
#include "db_config.h"
#include "ha/source_ws.h"
#include "ha/sync.h"
#include "log.h"
#include "net/ha.h"
#include "net/http.h"
#include "settings.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hearth-ha-sync [-c CONFIG] [--verbose]\n\n"
		"  -c CONFIG      configuration file (default: $HEARTH_CONFIG, else %s)\n"
		"  -v, --verbose  say so also when Home Assistant is not configured\n"
		"  -h, --help     this text\n"
		"\nexit status: 0 ok, 64 usage, 69 unavailable, 70 error, 76 Home Assistant's\n"
		"answer not usable, 78 bad configuration\n",
		config_path(NULL));
}

/* The exit status for a sync's outcome. */
static int sync_exit(enum herr rc)
{
	switch (rc) {
	case HERR_OK:
	case HERR_CONFLICT:
		return EX_OK;
	case HERR_UNAVAILABLE:
	case HERR_SCHEMA:
		return EX_UNAVAILABLE;
	case HERR_INVALID:
		return EX_PROTOCOL;
	default:
		return EX_SOFTWARE;
	}
}

static int run_one(struct db *db, struct ha_source_ws *src, const char *what,
		   enum herr (*sync)(struct db *, const struct ha_source *, const char *, int64_t *,
				     struct ha_counts *, char *, size_t))
{
	struct ha_counts c;
	int64_t run_id;
	char why[512];
	enum herr rc = sync(db, &src->source, "cron", &run_id, &c, why, sizeof(why));

	if (rc == HERR_OK)
		LOG(LOG_INFO, "home assistant: %s sync %lld: %u created, %u updated, %u unchanged,"
		    " %u missing, %u conflicts", what, (long long)run_id, c.created, c.updated,
		    c.unchanged, c.missing, c.conflicts);
	else if (rc == HERR_CONFLICT)
		LOG(LOG_INFO, "home assistant: %s", why);
	else
		LOG(LOG_ERR, "home assistant: %s sync %lld failed: %s", what, (long long)run_id,
		    why[0] ? why : herr_str(rc));
	return sync_exit(rc);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hearth_config cfg;
	struct ha_source_ws src;
	struct db_options o;
	struct db *db = NULL;
	const char *config_arg = NULL;
	char err[512];
	bool verbose = false, net = false;
	int ch, rv = EX_OK;
	enum herr rc;

	log_init("hearth-ha-sync", LOG_INFO);
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_arg = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (config_load(config_path(config_arg), &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "hearth-ha-sync: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	log_set_level(cfg.log_level);
	o = db_options_from_config(&cfg);
	if (!(db = db_new(&o))) {
		LOG(LOG_ERR, "out of memory");
		rv = EX_OSERR;
		goto out;
	}
	/* The settings changed through the API, over the file's. */
	if (settings_apply(db, &cfg) > 0)
		log_set_level(cfg.log_level);
	if (!ha_configured(&cfg)) {
		if (verbose)
			LOG(LOG_INFO, "home assistant: not configured ([homeassistant] url and token)");
		goto out;
	}
	if (net_init_config(&cfg) != 0) {
		LOG(LOG_ERR, "libcurl did not start");
		rv = EX_OSERR;
		goto out;
	}
	net = true;
	if ((rc = db_ensure(db)) != HERR_OK) {
		LOG(LOG_ERR, "database: %s; the next run tries again", herr_str(rc));
		rv = sync_exit(rc);
		goto out;
	}
	ha_source_ws_init(&src, &cfg);
	/* Sensors are placed in the rooms the areas became: rooms first. */
	rv = run_one(db, &src, "rooms", ha_sync_rooms);
	if (rv == EX_OK)
		rv = run_one(db, &src, "sensors", ha_sync_sensors);
	if (rv == EX_OK)
		rv = run_one(db, &src, "entities", ha_sync_entities);
	if (rv == EX_OK)
		rv = run_one(db, &src, "registry", ha_sync_registry);
	ha_source_ws_close(&src);
out:
	if (net)
		net_cleanup();
	db_free(db);
	explicit_bzero(&cfg, sizeof(cfg));
	return rv;
}
