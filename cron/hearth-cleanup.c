/*
 * hearth-cleanup: storage retention.  cron starts it every ten minutes.
 * A run removes orphans (rows whose file is gone, files no row names) and,
 * when automatic deletion is on (PUT /api/v1/storage {"enabled": true}),
 * detections and security events past retention_days, then the oldest
 * media until disk use is at or below max_percent (lib/media/cleanup.h).
 *
 * One cleanup per host at a time (an exclusive flock on [media]
 * cleanup_lock, shared with POST /api/v1/storage/cleanup).  Nothing is
 * deleted while the database cannot be read.
 *
 *   hearth-cleanup [-c CONFIG] [--all] [--quiet]
 *
 * Exit codes (sysexits.h): 0 ok (also: another cleanup holds the lock),
 * 64 usage, 69 the database is unavailable (nothing was deleted after
 * that), 70 another error stopped the run, 73 the lock file cannot be
 * opened, 78 bad configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "db_config.h"
#include "log.h"
#include "media/cleanup.h"
#include "media/files.h"
#include "settings.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hearth-cleanup [-c CONFIG] [--all] [--quiet]\n\n"
		"  -c CONFIG    configuration file (default: $HEARTH_CONFIG, else %s)\n"
		"  -a, --all    also apply retention and the ceiling when automatic\n"
		"               deletion is off (as POST /api/v1/storage/cleanup does)\n"
		"  -q, --quiet  no summary line when nothing was deleted\n"
		"  -h, --help   this text\n"
		"\nexit status: 0 ok, 64 usage, 69 database unavailable, 70 error,\n"
		"73 lock file, 78 bad configuration\n",
		config_path(NULL));
}

/* The exit status for a database error. */
static int cleanup_exit_for(enum herr e)
{
	return e == HERR_UNAVAILABLE || e == HERR_SCHEMA ? EX_UNAVAILABLE : EX_SOFTWARE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hearth_config cfg;
	struct storage_settings settings;
	struct cleanup_options copt;
	struct cleanup_report rep;
	struct db_options o;
	struct db *db = NULL;
	const char *config_arg = NULL;
	char err[512];
	bool all = false, quiet = false;
	int ch, lock_fd = -1, locked, rv = EX_OK;
	enum herr rc;

	log_init("hearth-cleanup", LOG_INFO);
	while ((ch = getopt_long(argc, argv, "c:aqh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_arg = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
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
		fprintf(stderr, "hearth-cleanup: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	log_set_level(cfg.log_level);

	if ((locked = media_lock_try(cfg.media_cleanup_lock, &lock_fd)) <= 0) {
		if (locked < 0) {
			LOG(LOG_ERR, "lock file %s: %s", cfg.media_cleanup_lock, strerror(errno));
			rv = EX_CANTCREAT;
		} else {
			LOG(LOG_INFO, "another cleanup is running; leaving it to finish");
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
	if (settings_apply(db, &cfg) > 0)
		log_set_level(cfg.log_level);
	if ((rc = db_ensure(db)) != HERR_OK || (rc = storage_settings_load(db, &settings)) != HERR_OK) {
		LOG(LOG_ERR, "database: %s; nothing deleted", herr_str(rc));
		rv = cleanup_exit_for(rc);
		goto out;
	}

	copt = (struct cleanup_options){
		.ceiling = settings.enabled || all,
		.retention = settings.enabled || all,
		.orphans = true,
		.max_percent = settings.max_percent,
		.retention_days = settings.retention_days,
	};
	rc = media_cleanup_run(&cfg, db, &copt, &rep);
	if (rc != HERR_OK || !quiet || rep.media_deleted || rep.detections_deleted ||
	    rep.events_deleted || rep.orphan_rows || rep.orphan_files)
		media_cleanup_log(&rep);
	if (rc != HERR_OK) {
		rv = cleanup_exit_for(rc);
		goto out;
	}
	if ((rc = media_cleanup_audit(db, "hearth-cleanup", &rep)) != HERR_OK) {
		LOG(LOG_ERR, "audit: %s", herr_str(rc));
		rv = cleanup_exit_for(rc);
	}
out:
	db_free(db);
	if (lock_fd >= 0)
		close(lock_fd);
	explicit_bzero(&cfg, sizeof(cfg));
	return rv;
}
