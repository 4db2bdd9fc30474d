#ifndef HEARTH_MEDIA_TIMELAPSE_H
#define HEARTH_MEDIA_TIMELAPSE_H

/*
 * Timelapse, run by cron/hearth-timelapse every minute under [media]
 * timelapse_lock:
 *
 *   capture: when enabled, one frame per enabled camera that has a URL,
 *            once interval_minutes have passed since its newest frame
 *            (media kind frame, day = the local date);
 *   stitch:  every camera's frames of each day before today become
 *            timelapse/<camera>/timelapse_<YYYYMMDD>.mp4 (kind timelapse,
 *            with a thumbnail child).  The frames' rows go in the same
 *            transaction as the video's row, and their files only after
 *            it has committed; a failed stitch keeps every frame and is
 *            tried again on the next run.  Stitching runs whether or not
 *            capture is enabled, so switching it off still finishes the
 *            days already captured.
 *
 * Frames are kept at the camera's size; resolution applies to the video.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

struct db;
struct hearth_config;

#define TIMELAPSE_INTERVAL_DEFAULT 5
#define TIMELAPSE_FPS_DEFAULT 24
#define TIMELAPSE_RESOLUTION_DEFAULT "640:480"
/* The ranges PUT /timelapse accepts, and all the loader trusts. */
#define TIMELAPSE_INTERVAL_MAX 60
#define TIMELAPSE_FPS_MAX 60

/* NULL-terminated: original, 640:480, 320:240. */
extern const char *const timelapse_resolutions[];

/* The "timelapse" settings document, defaults filled in. */
struct timelapse_settings {
	bool enabled;                /* capture frames */
	unsigned interval_minutes;   /* 1-60 */
	unsigned fps;                /* 1-60, of the stitched video */
	const char *resolution;      /* static: one of timelapse_resolutions */
};

/* The settings as saved, defaults for what is not (or a bad value). */
enum herr timelapse_settings_load(struct db *db, struct timelapse_settings *s);

/* {enabled, interval_minutes, fps, resolution}, a new reference (NULL when
 * out of memory). */
json_t *timelapse_settings_json(const struct timelapse_settings *s);

/* The local date of t as "YYYY-MM-DD" (out >= 11 bytes). */
void timelapse_day_of(time_t t, char *out, size_t outsz);

/* What a run did. */
struct timelapse_report {
	unsigned captured, capture_failed;
	unsigned stitched, stitch_failed;
	uint64_t frames_stitched;
	enum herr error;             /* a database error stopped the run */
};

/* Capture the frames due at now (the caller checks s->enabled). */
enum herr timelapse_capture(const struct hearth_config *cfg, struct db *db,
			    const struct timelapse_settings *s, time_t now,
			    struct timelapse_report *rep);

/* Stitch every camera's frames of the days before now's local date. */
enum herr timelapse_stitch(const struct hearth_config *cfg, struct db *db,
			   const struct timelapse_settings *s, time_t now,
			   struct timelapse_report *rep);

#endif
