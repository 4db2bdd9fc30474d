#ifndef HEARTH_MEDIA_CLEANUP_H
#define HEARTH_MEDIA_CLEANUP_H

/*
 * Storage cleanup, run by cron/hearth-cleanup and by POST /storage/cleanup
 * (also POST /system/cleanup), one at a time per host ([media]
 * cleanup_lock).  A run does, in order:
 *
 *   1. retention: detections older than retention_days (with their images)
 *      and closed security events that started before then;
 *   2. the ceiling: the oldest media first, whatever the kind (a thumbnail
 *      or sprite goes with its recording or timelapse), in batches of
 *      CLEANUP_BATCH, until usage is at or below max_percent;
 *   3. orphans: rows whose file is gone, then files under the root that no
 *      row names (and leftovers in .tmp) once older than
 *      orphan_grace_minutes.
 *
 * Media are deleted only by the ceiling (and a detection image with its
 * detection); retention_days never deletes a recording or a snapshot.
 *
 * A row is deleted (and committed) before its file is unlinked.  Any
 * database error stops the run at once: nothing more is deleted, and the
 * orphan-file pass runs only after a complete read of every row, so a
 * database that cannot be read never makes a file look like an orphan.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct hearth_config;

#define CLEANUP_BATCH 500

/* The "storage" settings document, defaults filled in. */
#define STORAGE_MAX_PERCENT_DEFAULT 85
#define STORAGE_RETENTION_DAYS_DEFAULT 30
/* The ranges PUT /storage accepts, and all the loader trusts. */
#define STORAGE_MAX_PERCENT_MAX 99
#define STORAGE_RETENTION_DAYS_MAX 3650
struct storage_settings {
	bool enabled;               /* automatic deletion by hearth-cleanup */
	unsigned max_percent;       /* 1-99 */
	unsigned retention_days;    /* 1-3650 */
};

/* The settings as saved, defaults for what is not (or a bad value). */
enum herr storage_settings_load(struct db *db, struct storage_settings *s);

/* The settings as JSON {enabled, max_percent, retention_days}, a new
 * reference (NULL when out of memory). */
json_t *storage_settings_json(const struct storage_settings *s);

/* Disk use as the ceiling sees it. */
struct storage_usage {
	bool quota;                 /* [media] quota_mb > 0: basis "quota" */
	uint64_t total_bytes;       /* quota, or the file system's size */
	uint64_t used_bytes;        /* media rows' bytes, or the file system's use */
	uint64_t media_bytes;       /* bytes of all media rows */
	uint64_t media_count;
	double percent;             /* used / total * 100 */
};

/* Usage now; by_kind (may be NULL) gets a new {kind: {count, bytes}}. */
enum herr storage_usage_read(const struct hearth_config *cfg, struct db *db,
			     struct storage_usage *u, json_t **by_kind);

/* What a run should do. */
struct cleanup_options {
	bool ceiling;               /* step 2 */
	bool retention;             /* step 1 */
	bool orphans;               /* step 3 */
	unsigned max_percent;
	unsigned retention_days;
};

/* What a run did. */
struct cleanup_report {
	struct storage_usage before, after;
	uint64_t media_deleted, media_bytes;        /* by the ceiling, children included */
	uint64_t detections_deleted, events_deleted;
	uint64_t images_deleted;                    /* media rows gone with detections */
	uint64_t orphan_rows, orphan_files, orphan_bytes;
	uint64_t unlink_failed;
	bool ceiling_skipped;      /* over the ceiling, but media cannot bring it down */
	enum herr error;           /* HERR_OK, or what stopped the run */
	const char *failed_step;   /* static: "retention", "ceiling", "orphans" or NULL */
	double duration_ms;
};

/*
 * One run (the caller holds the lock and no transaction).  Returns
 * rep->error; the report tells what happened up to there either way.
 */
enum herr media_cleanup_run(const struct hearth_config *cfg, struct db *db,
			    const struct cleanup_options *o, struct cleanup_report *rep);

/* The report as JSON, a new reference (NULL when out of memory). */
json_t *media_cleanup_report_json(const struct cleanup_report *rep);

/* Log the report as one line (LOG_NOTICE, or LOG_ERR when it failed). */
void media_cleanup_log(const struct cleanup_report *rep);

/* Write the report as one audit row by actor (e.g. "hearth-cleanup"). */
enum herr media_cleanup_audit(struct db *db, const char *actor,
			      const struct cleanup_report *rep);

#endif
