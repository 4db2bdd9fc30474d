#ifndef HEARTH_STORE_ACTIVITIES_H
#define HEARTH_STORE_ACTIVITIES_H

/*
 * Person activities, activity sessions and daily reports (sql/004).
 *
 * Activity JSON: {id, person_id|null, activity_type, room_name|null,
 *   confidence, duration_minutes|null, source, rule_id|null,
 *   execution_id|null, detected_at}
 * Session JSON: {id, person_id|null, activity_type, room_name|null,
 *   timeout_minutes|null, started_at, ended_at|null, duration_minutes|null}
 *
 * Times are ISO 8601 UTC with 'Z'; "since"/"until" parameters are
 * "YYYY-MM-DD HH:MM:SS[.mmm]" in UTC (what a DATETIME(3) parameter takes).
 * Return values as in store.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

struct db;
struct page;

struct activity_fields {
	int64_t person_id;          /* 0 = none */
	const char *activity_type;  /* borrowed */
	const char *room_name;      /* borrowed; NULL = none */
	double confidence;          /* 0..1 */
	bool has_duration;
	double duration_minutes;
	const char *source;         /* rule | session | manual */
	int64_t rule_id;            /* 0 = none */
	int64_t execution_id;       /* 0 = none */
};

/* Record one activity, stamped with the database clock; *out is the new
 * row (a new reference).  HERR_INVALID when person_id or rule_id names
 * nothing. */
enum herr store_activities_record(struct db *db, const struct activity_fields *a,
				  json_t **out);

struct activity_filter {
	int64_t person_id;          /* 0 = any */
	const char *activity_type;  /* NULL = any */
	const char *room_name;      /* NULL = any */
	const char *since;          /* NULL = no bound; detected_at >= since */
	const char *until;          /* NULL = no bound; detected_at < until */
};

/* Newest first (id descending), pages as ctx_page_desc() reads them:
 * ids below pg->after_id (INT64_MAX for the first page), pg->offset >= 0
 * skipping that many of them. */
enum herr store_activities_list(struct db *db, const struct activity_filter *f,
				const struct page *pg, json_t *items, bool *has_more);

/*
 * The latest activity of activity_type (person_id 0 = anyone's, room_name
 * NULL = any room) detected in the last within_minutes with at least
 * min_confidence: *out is it (a new reference), or HERR_NOT_FOUND.
 */
enum herr store_activities_latest(struct db *db, int64_t person_id, const char *activity_type,
				  const char *room_name, int64_t within_minutes,
				  double min_confidence, json_t **out);

/* One activity of a day, for the daily report. */
struct activity_point {
	time_t at;
	char activity_type[65];
};

/*
 * The activities of person_id detected in [from, to), oldest first, at most
 * max of them in pts; *n how many were written.  *total counts them all.
 */
enum herr store_activities_between(struct db *db, int64_t person_id, time_t from, time_t to,
				   struct activity_point *pts, size_t max, size_t *n,
				   int64_t *total);

/* ---------------------------------------------------------------- sessions */

/*
 * Open a session of (person_id, activity_type), or find the one already
 * open: *was_existing tells which.  An open session whose timeout has
 * passed (its own timeout_minutes, else the given one; 0 = none) is closed
 * first, at its timeout instant, and reported in *timed_out (a new
 * reference, NULL when none).  Safe against concurrent openers: the open
 * session is unique in the database (open_key).  *session: a new reference.
 * HERR_INVALID when person_id names nobody.
 */
enum herr store_sessions_open(struct db *db, int64_t person_id, const char *activity_type,
			      const char *room_name, int64_t timeout_minutes,
			      json_t **session, bool *was_existing, json_t **timed_out);

/*
 * Close the open session of (person_id, activity_type): ended now, or at its
 * timeout instant when that has passed (*timed_out set).  *closed is the
 * closed session (a new reference) with its duration_minutes.
 * HERR_NOT_FOUND when none is open.
 */
enum herr store_sessions_close(struct db *db, int64_t person_id, const char *activity_type,
			       json_t **closed, bool *timed_out);

/* Sessions of person_id started in [from, to) and closed: how many, and
 * their total length in minutes. */
enum herr store_sessions_between(struct db *db, int64_t person_id, time_t from, time_t to,
				 int64_t *count, double *minutes);

/* ---------------------------------------------------------------- reports */

/* Every person's id, ascending, appended to ids (borrowed) as integers. */
enum herr store_activities_person_ids(struct db *db, json_t *ids);

/*
 * Write the report of (person_id, date "YYYY-MM-DD"), replacing one that
 * exists; *id is the report's id.  summary_json: a serialised object.
 * HERR_INVALID when person_id names nobody.
 */
enum herr store_daily_reports_upsert(struct db *db, int64_t person_id, const char *date,
				     int wellness_score, const char *summary_json, int64_t *id);

#endif
