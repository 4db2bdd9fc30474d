#ifndef HEARTH_STORE_DETECTIONS_H
#define HEARTH_STORE_DETECTIONS_H

/*
 * Detections (sql/006_media.sql) and their grouping into security events.
 *
 * Grouping, in the transaction that stores the detection: the camera's
 * open event (the one row whose open_camera_id is the camera) is locked;
 * it is closed first when this detection comes more than
 * SECURITY_IDLE_MS after its newest one, more than SECURITY_WINDOW_MS
 * after its first, or it already holds SECURITY_EVENT_MAX_DETECTIONS;
 * the detection then joins the open event or opens a new one.  Two
 * transactions opening one camera's event at once meet on the unique
 * open_camera_id: the loser finds the winner's event and joins it (or
 * loses a deadlock and the API runs it again).
 *
 * Detection JSON: {id, camera_id|null, camera_name|null, event_id|null,
 *   source, external_id|null, object_type, confidence, risk_score,
 *   bbox|null, zone_id|null, zone_type|null, detected_at, created_at,
 *   image_url|null, video_url|null, has_enrichment}
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "security/risk.h"

struct db;
struct page;

/* A new detection; all borrowed, 0 / NULL / -1 = none. */
struct detection_fields {
	int64_t camera_id;
	const char *object_type;
	double confidence;
	int64_t detected_ms;        /* ms since the epoch */
	const json_t *bbox;         /* {x, y, width, height}, normalised */
	const char *source;         /* NULL = "api" */
	const char *external_id;
	int64_t recording_id;
	int64_t video_offset_ms;    /* -1 = none */
	const json_t *enrichment;
	int64_t image_media_id;
	int local_hour;             /* of detected_at, for the night bonus */
};

/* What storing a detection did. */
struct detection_result {
	json_t *detection;          /* new reference: detection JSON */
	json_t *event;              /* new reference: the event's JSON (history.h) */
	int64_t event_id;
	int64_t closed_event_id;    /* an event closed to make room; 0 = none */
	bool event_created;
	bool became_serious;        /* reached high or critical for the first time */
};

/* Free the references of r. */
void detection_result_clear(struct detection_result *r);

/*
 * The camera's name, and whether camera_id is a camera at all:
 * HERR_NOT_FOUND when it is not a sensor of type camera.
 */
enum herr store_detection_camera(struct db *db, int64_t camera_id, char *name, size_t namesz);

/*
 * The detection (source, external_id) already stored: *out a new
 * reference; HERR_NOT_FOUND when none.  A locking read, so a duplicate
 * that lost the race to the unique key sees the winner's row.
 */
enum herr store_detection_by_external(struct db *db, const char *source,
				      const char *external_id, json_t **out);

/*
 * Store a detection and group it (above), in the caller's transaction.
 * The zone is the enabled zone of the camera holding the box's centre
 * (the riskiest when several do).  HERR_INVALID when the camera is not a
 * camera or recording_id names no recording; HERR_CONFLICT when (source,
 * external_id) exists.
 */
enum herr store_detection_create(struct db *db, const struct detection_fields *f,
				 const struct risk_calibration *cal, struct detection_result *res);

/* Filters of the list and the export; 0 / NULL = off. */
struct detection_filter {
	int64_t camera_id;
	const char *object_type;
	double min_confidence;      /* < 0 = off */
	const char *since;          /* "YYYY-MM-DD HH:MM:SS.mmm" UTC: detected_at >= */
	const char *until;          /* detected_at < */
};

/* Newest first (id descending; pg as in history.h), appended to items. */
enum herr store_detections_list(struct db *db, const struct detection_filter *f,
				const struct page *pg, json_t *items, bool *has_more);

/* One detection; HERR_NOT_FOUND. */
enum herr store_detections_get(struct db *db, int64_t id, json_t **out);

/* The media of a detection: *media_id its image (which = 'i'), its
 * recording ('v'), 0 when it has none.  HERR_NOT_FOUND: no detection. */
enum herr store_detection_media(struct db *db, int64_t id, char which, int64_t *media_id);

/* Its enrichment document (*out a new reference, JSON null when none).
 * HERR_NOT_FOUND: no detection. */
enum herr store_detection_enrichment(struct db *db, int64_t id, json_t **out);

#endif
