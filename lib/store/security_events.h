#ifndef HEARTH_STORE_SECURITY_EVENTS_H
#define HEARTH_STORE_SECURITY_EVENTS_H

/*
 * Security events (event_logs rows of kind security, sql/006_media.sql)
 * beyond what the event list reads (history.h): review, statistics,
 * full-text search, closing idle events, and the calibration of their risk
 * levels with the feedback that moves it.  Event JSON is history.h's.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "security/risk.h"

struct db;

/* An open event with no detection for this long, or open this long since
 * its first, is closed (the grouping window of detections.h). */
#define SECURITY_IDLE_MS 30000
#define SECURITY_WINDOW_MS 90000
#define SECURITY_EVENT_MAX_DETECTIONS 500

/* ---- calibration (settings document "calibration") */

/* The calibration in *out: the saved one, or the defaults when none was
 * saved.  for_update locks it until the caller's transaction ends. */
enum herr store_calibration_get(struct db *db, bool for_update, struct risk_calibration *out);

/* Save c (already checked). */
enum herr store_calibration_put(struct db *db, const struct risk_calibration *c);

/* Forget the saved calibration, so the defaults apply. */
enum herr store_calibration_reset(struct db *db);

/* POST /calibration/feedback; borrowed strings, NULL = none. */
struct feedback_fields {
	int64_t event_id;
	enum risk_feedback type;
	const char *type_name;
	const char *expected_level;
	const char *notes;
};

/*
 * Record feedback on a security event and move the calibration as
 * risk_feedback_apply() says, in the caller's transaction with the
 * calibration locked.  *calibration (the calibration after) and *feedback
 * ({id, event_id, feedback_type, expected_level, risk_score, notes,
 * thresholds_before, thresholds_after, created_at}) are new references.
 * HERR_NOT_FOUND when event_id is no security event.
 */
enum herr store_calibration_feedback(struct db *db, const struct feedback_fields *f,
				     json_t **calibration, json_t **feedback);

/* ---- review, statistics, search */

/*
 * PATCH /events/{id}: reviewed (-1 = unchanged, 0, 1; reviewed_at set when
 * it becomes true, cleared when false) and notes (set_notes false =
 * unchanged; notes NULL = cleared).  *out the event afterwards.
 * HERR_NOT_FOUND when there is no event; HERR_CONFLICT when it is not a
 * security event.
 */
enum herr store_security_update(struct db *db, int64_t id, int reviewed, bool set_notes,
				const char *notes, json_t **out);

/* GET /events/stats: {total_events, reviewed_count, events_by_risk_level
 * {low, medium, high, critical}, events_by_camera [{camera_id, camera_name,
 * count}] (most first)} for created_at in [since, until) (NULL = open). */
enum herr store_security_stats(struct db *db, const char *since, const char *until,
			       json_t **out);

/*
 * GET /events/search: security events matching boolean_query (made by
 * search_boolean_query(), never the user's text) over summary and notes,
 * the most relevant first, each with relevance_score; limit + offset.
 * Appends to items (borrowed).
 */
enum herr store_security_search(struct db *db, const char *boolean_query, unsigned limit,
				int64_t offset, json_t *items, bool *has_more);

/*
 * Close the open events that went idle or ran past their window by now_ms
 * (the grouping rule of detections.h), in batches; *closed how many.
 * Safe against detections arriving meanwhile: an event is closed only if
 * it is still the one that was read.
 */
enum herr store_security_close_idle(struct db *db, int64_t now_ms, unsigned *closed);

/*
 * store_security_close_idle, also appending the JSON of each event it
 * closed to closed_events (borrowed; NULL = not wanted), for the caller
 * to publish once the change is committed.
 */
enum herr store_security_close_idle_events(struct db *db, int64_t now_ms,
					   json_t *closed_events, unsigned *closed);

#endif
