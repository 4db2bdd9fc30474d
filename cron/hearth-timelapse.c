/*
 * hearth-timelapse: cron starts it every minute.  When timelapse is on
 * (PUT /api/v1/timelapse {"enabled": true}) it grabs a frame from each
 * enabled camera whose interval has passed; every run then stitches the
 * frames of days before today into one MP4 per camera and day
 * (lib/media/timelapse.h).  A stitch that fails keeps its frames and is
 * tried again on the next run.
 *
 * One run per host at a time (an exclusive flock on [media]
 * timelapse_lock); a run that finds it held leaves quietly.
 *
 *   hearth-timelapse [-c CONFIG] [--verbose]
 *
 * Exit codes (sysexits.h): 0 ok (also: another run holds the lock), 64
 * usage, 69 the database is unavailable, 70 another database error, 73
 * the lock file cannot be opened, 78 bad configuration.  A camera that
 * cannot be reached or a failed stitch is logged, not an exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "db_config.h"
#include "engine/engine.h"
#include "log.h"
#include "media/files.h"
#include "media/timelapse.h"
#include "net/http.h"
#include "settings.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hearth-timelapse [-c CONFIG] [--verbose]\n\n"
		"  -c CONFIG      configuration file (default: $HEARTH_CONFIG, else %s)\n"
		"  -v, --verbose  a summary line also when nothing happened\n"
		"  -h, --help     this text\n"
		"\nexit status: 0 ok, 64 usage, 69 database unavailable, 70 database error,\n"
		"73 lock file, 78 bad configuration\n",
		config_path(NULL));
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
	struct timelapse_settings s;
	struct timelapse_report rep = {0};
	struct db_options o;
	struct db *db = NULL;
	const char *config_arg = NULL;
	char err[512];
	bool verbose = false, net = false;
	time_t now;
	int ch, lock_fd = -1, locked, rv = EX_OK;
	enum herr rc;

	log_init("hearth-timelapse", LOG_INFO);
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
		fprintf(stderr, "hearth-timelapse: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	log_set_level(cfg.log_level);
	/* Days are the household's local dates. */
	if (engine_set_timezone(cfg.engine_timezone) != 0) {
		fprintf(stderr, "hearth-timelapse: engine.timezone: unknown time zone '%s'\n",
			cfg.engine_timezone);
		rv = CONFIG_EXIT_BAD;
		goto out;
	}
	if ((locked = media_lock_try(cfg.media_timelapse_lock, &lock_fd)) <= 0) {
		if (locked < 0) {
			LOG(LOG_ERR, "lock file %s: %s", cfg.media_timelapse_lock, strerror(errno));
			rv = EX_CANTCREAT;
		}
		goto out;
	}

	o = db_options_from_config(&cfg);
	if (!(db = db_new(&o))) {
		LOG(LOG_ERR, "out of memory");
		rv = EX_OSERR;
		goto out;
	}
	/* The settings changed through the API, over the file's. */
	if (settings_apply(db, &cfg) > 0) {
		log_set_level(cfg.log_level);
		if (engine_set_timezone(cfg.engine_timezone) != 0)
			LOG(LOG_ERR, "settings: unknown time zone '%s'", cfg.engine_timezone);
	}
	if (net_init_config(&cfg) != 0) {
		LOG(LOG_ERR, "libcurl did not start");
		rv = EX_OSERR;
		goto out;
	}
	net = true;
	now = time(NULL);
	if ((rc = db_ensure(db)) == HERR_OK && (rc = timelapse_settings_load(db, &s)) == HERR_OK &&
	    (!s.enabled || (rc = timelapse_capture(&cfg, db, &s, now, &rep)) == HERR_OK))
		rc = timelapse_stitch(&cfg, db, &s, now, &rep);
	if (rc != HERR_OK) {
		LOG(LOG_ERR, "database: %s; the next run tries again", herr_str(rc));
		rv = rc == HERR_UNAVAILABLE || rc == HERR_SCHEMA ? EX_UNAVAILABLE : EX_SOFTWARE;
	}
	if (verbose || rep.captured || rep.capture_failed || rep.stitched || rep.stitch_failed)
		LOG(rep.capture_failed || rep.stitch_failed ? LOG_WARNING : LOG_INFO,
		    "timelapse: %u frames captured, %u failed; %u videos stitched from %llu frames,"
		    " %u stitches failed (frames kept)",
		    rep.captured, rep.capture_failed, rep.stitched,
		    (unsigned long long)rep.frames_stitched, rep.stitch_failed);
out:
	if (net)
		net_cleanup();
	db_free(db);
	if (lock_fd >= 0)
		close(lock_fd);
	explicit_bzero(&cfg, sizeof(cfg));
	return rv;
}
