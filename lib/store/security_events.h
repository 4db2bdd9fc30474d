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
 * GET /events/search works on a window of matches below an id (the
 * cursor's; none for the first): the newest SECURITY_SEARCH_WINDOW of
 * them, ranked among themselves.  Ranking every match of a word found in
 * a tenth of a million events costs seconds, and so does asking the
 * full-text index for a word that common (it collects and ranks every
 * match before it returns one), so a window is found by reading the newest
 * events, SECURITY_SEARCH_PIECE at a time, and matching them in C
 * (security/search.h):
 *
 *   - when each term of the query (NOT terms too) occurs in at most
 *     SECURITY_SEARCH_RARE events of the first piece, the query is rare,
 *     and the window comes from the full-text index, whose cost grows with
 *     each term's matches: the newest SECURITY_SEARCH_WINDOW;
 *   - otherwise pieces are read until the window is full or
 *     SECURITY_SEARCH_SCAN events were read; a window short of full then
 *     holds the matches among those events, and the next one goes on
 *     below the last event read.
 *
 * So a request reads at most SECURITY_SEARCH_SCAN events and their text,
 * or asks the index for a query that was rare among the newest events.
 */
#define SECURITY_SEARCH_WINDOW 200
#define SECURITY_SEARCH_SCAN 10000
#define SECURITY_SEARCH_PIECE 1000
#define SECURITY_SEARCH_RARE 2

struct search_matcher;

struct security_search {
	const char *boolean_query;                /* search_boolean_query(q) */
	const struct search_matcher *matcher;     /* search_compile(q) */
	int64_t before_id;                        /* matches below it (INT64_MAX: all) */
	unsigned limit;
	int64_t offset;                           /* within the window */
};

struct security_search_window {
	unsigned matches;          /* in the window, at most SECURITY_SEARCH_WINDOW */
	int64_t next_before_id;    /* > 0 when older matches may exist below this id
				    * (where the next window starts) */
	bool full_text;            /* found by the full-text index */
	unsigned scanned;          /* events read when not */
};

/*
 * GET /events/search: the window of s (both queries borrowed, made from
 * the user's text by security/search.h, never the text itself) ranked by
 * relevance (how many times the query's words and phrases occur in
 * summary and notes, search_match()), ties newest first; the limit events
 * from offset on are appended to items (borrowed), each with
 * relevance_score.  *w describes the window.
 */
enum herr store_security_search(struct db *db, const struct security_search *s,
				json_t *items, struct security_search_window *w);

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
