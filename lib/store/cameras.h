#ifndef HEARTH_STORE_CAMERAS_H
#define HEARTH_STORE_CAMERAS_H

/*
 * Cameras (sql/006_media.sql): a camera is a sensor of type "camera"
 * (its name, room, enabled flag and URLs live in the sensors row and its
 * config) plus its cameras row (status, last_seen_at, last_error,
 * incoming_dir).  A camera sensor made through /sensors has no cameras row
 * until something is recorded about it; it reads as offline with the
 * default incoming_dir.
 *
 * Camera JSON:
 *   {id, name, room_id|null, enabled, snapshot_url|null, stream_url|null,
 *    status, last_seen_at|null, last_error|null, incoming_dir, created_at,
 *    updated_at}
 * The URLs are as stored, credentials included: nothing shows this object
 * before camera_json_redact (media/grab.h) has replaced their user
 * information with "***" and added has_credentials.
 *
 * Snapshot JSON: {id, camera_id|null, camera_name|null, size_bytes,
 *   width|null, height|null, taken_at, image_url}
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct page;

#define CAMERA_NAME_MAX 257        /* VARCHAR(256) + NUL */
#define CAMERA_INCOMING_MAX 65     /* VARCHAR(64) + NUL */
#define CAMERA_ERROR_MAX 512       /* characters of last_error */

/* A camera as the code that drives it needs it. */
struct camera {
	int64_t id;
	char name[CAMERA_NAME_MAX];
	int64_t room_id;               /* 0 = none */
	bool enabled;
	json_t *config;                /* the sensor's config, credentials included:
	                                * a new reference, released by store_camera_release */
	char status[17];               /* online | offline | error */
	char incoming_dir[CAMERA_INCOMING_MAX];  /* never empty */
};

/* A new camera or a camera's whole new state; strings borrowed. */
struct camera_fields {
	const char *name;
	int64_t room_id;               /* 0 = none */
	bool enabled;
	const char *config_json;       /* serialised object: snapshot_url, stream_url */
	const char *incoming_dir;      /* NULL = the camera's id as text */
};

struct camera_filter {
	int64_t room_id;               /* 0 = any */
	const char *status;            /* NULL = any */
};

/* Whether s is an incoming folder name: [A-Za-z0-9_-]{1,64}.  Pure. */
bool camera_incoming_dir_ok(const char *s);

/*
 * The camera with id, credentials and all (c->config).  lock: FOR UPDATE
 * on its sensors row (inside the caller's transaction).  HERR_NOT_FOUND
 * when no sensor has id or it is not a camera.  Release with
 * store_camera_release() whatever is returned.
 */
enum herr store_camera_load(struct db *db, int64_t id, bool lock, struct camera *c);
void store_camera_release(struct camera *c);

/* Camera JSON (above, credentials included), a new reference. */
enum herr store_cameras_get(struct db *db, int64_t id, json_t **out);

/* Cameras in id order (keyset pages), as camera JSON appended to items. */
enum herr store_cameras_list(struct db *db, const struct camera_filter *f,
			     const struct page *pg, json_t *items, bool *has_more);

/*
 * The sensors row and the cameras row, in the caller's transaction (both
 * or neither once it ends); the new id in *id.  HERR_INVALID when room_id names no room, HERR_CONFLICT when
 * incoming_dir is taken.
 */
enum herr store_cameras_create(struct db *db, const struct camera_fields *f, int64_t *id);

/* Replace a camera's fields (the caller merged a partial update), making
 * its cameras row when it had none, in the caller's transaction.  Errors
 * as create; HERR_NOT_FOUND. */
enum herr store_cameras_update(struct db *db, int64_t id, const struct camera_fields *f);

/* Delete the camera (sensor and cameras row; its media stay, without a
 * camera).  HERR_NOT_FOUND; HERR_CONFLICT when rules use the sensor. */
enum herr store_cameras_delete(struct db *db, int64_t id);

/*
 * The ids of enabled cameras, ascending, above after_id: at most max into
 * ids, their count in *n (for timelapse capture and similar sweeps).
 */
enum herr store_cameras_enabled_ids(struct db *db, int64_t after_id, int64_t *ids, size_t max,
				    size_t *n);

/* The camera answered (a grab or a detection): online, last_seen_at now,
 * last_error cleared.  HERR_NOT_FOUND when id is not a camera. */
enum herr store_camera_seen(struct db *db, int64_t id);

/* The camera could not be reached: status error and why (cut to
 * CAMERA_ERROR_MAX characters; NULL = "unreachable").  HERR_NOT_FOUND
 * when id is not a camera. */
enum herr store_camera_failed(struct db *db, int64_t id, const char *why);

/* ---------------------------------------------------------------- snapshots */

struct snapshot_filter {
	int64_t camera_id;             /* 0 = any */
	const char *since;             /* "YYYY-MM-DD HH:MM:SS.mmm" UTC, NULL = none: taken_at >= */
	const char *until;             /* same: taken_at < */
};

/* Snapshot JSON (above) of media row id (kind snapshot), a new reference. */
enum herr store_snapshots_get(struct db *db, int64_t id, json_t **out);

/* Newest first: pg->after_id is the id to stay below (INT64_MAX = from
 * the newest, as ctx_page_desc sets it). */
enum herr store_snapshots_list(struct db *db, const struct snapshot_filter *f,
			       const struct page *pg, json_t *items, bool *has_more);

/* The id of the camera's newest snapshot; HERR_NOT_FOUND when none. */
enum herr store_snapshots_latest(struct db *db, int64_t camera_id, int64_t *id);

#endif
