#ifndef HEARTH_STORE_RECORDINGS_H
#define HEARTH_STORE_RECORDINGS_H

/*
 * Recordings: media rows of kind recording (sql/006_media.sql), with a
 * thumbnail and, from 2 s up, a sprite as child rows.  Writing them goes
 * through store/media.h; this file reads them as the API shows them.
 *
 * Recording JSON: {id, camera_id|null, camera_name|null, size_bytes,
 *   duration_ms|null, width|null, height|null, taken_at, created_at,
 *   video_url, thumbnail_url|null, sprite_url|null}
 * camera_name is the camera's current name, or the one it had when the
 * recording was made once the camera is gone.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct page;

#define RECORDING_CAMERA_NAME_MAX 257    /* VARCHAR(256) + NUL */
#define RECORDING_INCOMING_MAX 65        /* VARCHAR(64) + NUL */

struct recording_filter {
	int64_t camera_id;      /* 0 = any */
	const char *since;      /* "YYYY-MM-DD HH:MM:SS.mmm" UTC, NULL = none: taken_at >= */
	const char *until;      /* same: taken_at < */
};

/* Recording JSON of media row id (kind recording), a new reference;
 * HERR_NOT_FOUND otherwise. */
enum herr store_recordings_get(struct db *db, int64_t id, json_t **out);

/* Newest first: pg->after_id is the id to stay below (INT64_MAX = from
 * the newest, as ctx_page_desc sets it).  Items appended to items. */
enum herr store_recordings_list(struct db *db, const struct recording_filter *f,
				const struct page *pg, json_t *items, bool *has_more);

/*
 * What registering a recording needs of camera id: its name and its
 * incoming folder's name (the id as text when it has no cameras row or
 * no folder set).  HERR_NOT_FOUND when id is not a sensor of type camera.
 */
enum herr store_recordings_camera(struct db *db, int64_t id,
				  char name[RECORDING_CAMERA_NAME_MAX],
				  char incoming_dir[RECORDING_INCOMING_MAX]);

/* Recording, timelapse and snapshot rows created after since (a
 * DATETIME(3) string as above). */
enum herr store_archive_new_count(struct db *db, const char *since, int64_t *count);

#endif
