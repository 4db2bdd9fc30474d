#ifndef HEARTH_STORE_TIMELAPSE_H
#define HEARTH_STORE_TIMELAPSE_H

/*
 * Timelapse frames and videos (media rows of kind frame and timelapse,
 * sql/006_media.sql).  A frame belongs to a camera and a day (the local
 * date it was taken); a camera's frames of one day become one video of
 * that camera and day, with a thumbnail as its child.  camera_id 0 stands
 * for frames whose camera was deleted since (camera_id NULL).
 *
 * Timelapse JSON: {id, camera_id|null, camera_name|null, date, size_bytes,
 *   duration_ms|null, width|null, height|null, created_at, video_url,
 *   thumbnail_url|null}
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "store/cleanup.h"
#include "store/media.h"

struct db;
struct page;

#define TIMELAPSE_DAY_LEN 11    /* "YYYY-MM-DD" + NUL */

/* When the camera's newest frame was taken (ms since the epoch); 0 when
 * it has none. */
enum herr store_timelapse_last_frame(struct db *db, int64_t camera_id, int64_t *taken_ms);

/* Frames of day (all cameras) and when the newest of them was taken
 * (ISO 8601 UTC with Z, "" when none; last has at least 32 bytes). */
enum herr store_timelapse_day_frames(struct db *db, const char *day, int64_t *count,
				     char *last, size_t lastsz);

/* A camera's day with frames waiting for their video. */
struct timelapse_day {
	int64_t camera_id;          /* 0: the camera was deleted */
	char day[TIMELAPSE_DAY_LEN];
	int64_t frames;
};

/* The (camera, day) pairs with frames of a day before `before`
 * ("YYYY-MM-DD"), oldest day first: at most max into out, *n of them. */
enum herr store_timelapse_pending(struct db *db, const char *before, struct timelapse_day *out,
				  size_t max, size_t *n);

/* The frames of a camera's day in the order they were taken, appended to
 * frames (id, rel_path, size_bytes); *camera_name (CAMERA_NAME size, may
 * be "") the name the frames were taken under. */
enum herr store_timelapse_frames(struct db *db, int64_t camera_id, const char *day,
				 struct cleanup_files *frames, char *camera_name, size_t namesz);

/* The id of the camera's video of day; HERR_NOT_FOUND when it has none. */
enum herr store_timelapse_video_of(struct db *db, int64_t camera_id, const char *day,
				   int64_t *id);

/*
 * The video's row, its thumbnail's row (thumb may be NULL; its parent_id
 * is set here) and the removal of the day's frame rows up to id
 * max_frame_id: one unit, for the caller to run as one transaction.  The
 * new row's id in *video_id.  The frames' files are the caller's to
 * unlink once it has committed.
 * HERR_CONFLICT when a row already has the video's path.
 */
enum herr store_timelapse_commit(struct db *db, const struct media_fields *video,
				 struct media_fields *thumb, int64_t camera_id, const char *day,
				 int64_t max_frame_id, int64_t *video_id);

/* Remove the day's frame rows up to max_frame_id (frames that came late
 * for a day that has its video already); one statement. */
enum herr store_timelapse_drop_frames(struct db *db, int64_t camera_id, const char *day,
				      int64_t max_frame_id);

/* Videos newest first (pg->after_id: the id to stay below, INT64_MAX =
 * from the newest); camera_id 0 = any camera. */
enum herr store_timelapse_list(struct db *db, int64_t camera_id, const struct page *pg,
			       json_t *items, bool *has_more);

/* Timelapse JSON of video id; HERR_NOT_FOUND. */
enum herr store_timelapse_get(struct db *db, int64_t id, json_t **out);

#endif
