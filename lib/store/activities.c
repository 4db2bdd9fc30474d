/*
 * Person activities, activity sessions and daily reports.
 *
 * A session is "open" while ended_at is NULL; the table's generated
 * open_key is set only then and is UNIQUE, so at most one session of a
 * (person, activity type) can be open whatever the number of workers:
 * opening is an INSERT, and losing the race to another opener is a
 * duplicate key, after which the winner's session is simply read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities.h"
#include "db.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

#define ACTIVITY_COLUMNS \
	"id, person_id, activity_type, room_name, confidence, duration_minutes, source," \
	" rule_id, execution_id, DATE_FORMAT(detected_at, " TIME_FMT ")"

#define SESSION_COLUMNS \
	"id, person_id, activity_type, room_name, timeout_minutes," \
	" DATE_FORMAT(started_at, " TIME_FMT "), DATE_FORMAT(ended_at, " TIME_FMT ")," \
	" TIMESTAMPDIFF(MICROSECOND, started_at, ended_at) / 60000000"

/* How often opening a session retries when other openers and closers keep
 * changing the open row under it; more would mean a runaway rule. */
#define SESSION_OPEN_TRIES 4

static const char sql_insert[] =
	"INSERT INTO activities (person_id, activity_type, room_name, confidence,"
	" duration_minutes, source, rule_id, execution_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_get[] =
	"SELECT " ACTIVITY_COLUMNS " FROM activities WHERE id = ?";
/* Every filter is "absent or equal", so one statement serves every
 * combination; id descending walks the primary key. */
static const char sql_list[] =
	"SELECT " ACTIVITY_COLUMNS " FROM activities"
	" WHERE id < ?"
	" AND (? IS NULL OR person_id = ?)"
	" AND (? IS NULL OR activity_type = ?)"
	" AND (? IS NULL OR room_name = ?)"
	" AND (? IS NULL OR detected_at >= ?)"
	" AND (? IS NULL OR detected_at < ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";
static const char sql_latest[] =
	"SELECT " ACTIVITY_COLUMNS " FROM activities"
	" WHERE activity_type = ? AND (? IS NULL OR person_id = ?)"
	" AND (? IS NULL OR room_name = ?) AND confidence >= ?"
	" AND detected_at >= UTC_TIMESTAMP(3) - INTERVAL ? MINUTE"
	" ORDER BY detected_at DESC, id DESC LIMIT 1";
/* The session's time zone is UTC, so FROM_UNIXTIME and UNIX_TIMESTAMP
 * convert between DATETIME and the epoch without a shift. */
static const char sql_between[] =
	"SELECT CAST(UNIX_TIMESTAMP(detected_at) AS SIGNED), activity_type FROM activities"
	" WHERE person_id = ? AND detected_at >= FROM_UNIXTIME(?) AND detected_at < FROM_UNIXTIME(?)"
	" ORDER BY detected_at, id";

/* Column 1: whether the session's timeout (its own, else the given one)
 * has passed. */
static const char sql_session_find_open[] =
	"SELECT id, IFNULL(started_at + INTERVAL COALESCE(timeout_minutes, ?) MINUTE"
	" <= UTC_TIMESTAMP(3), 0) FROM activity_sessions WHERE open_key = ?";
static const char sql_session_insert[] =
	"INSERT INTO activity_sessions (person_id, activity_type, room_name, timeout_minutes)"
	" VALUES (?, ?, ?, ?)";
static const char sql_session_get[] =
	"SELECT " SESSION_COLUMNS " FROM activity_sessions WHERE id = ?";
/* A timed-out session ends when its timeout did, not when someone noticed. */
static const char sql_session_close_timed_out[] =
	"UPDATE activity_sessions SET ended_at = started_at + INTERVAL"
	" COALESCE(timeout_minutes, ?) MINUTE WHERE id = ? AND ended_at IS NULL";
static const char sql_session_close[] =
	"UPDATE activity_sessions SET ended_at = UTC_TIMESTAMP(3)"
	" WHERE id = ? AND ended_at IS NULL";
static const char sql_sessions_between[] =
	"SELECT COUNT(*), CAST(COALESCE(SUM(TIMESTAMPDIFF(SECOND, started_at, ended_at)), 0)"
	" AS SIGNED) FROM activity_sessions WHERE person_id = ?"
	" AND started_at >= FROM_UNIXTIME(?) AND started_at < FROM_UNIXTIME(?)"
	" AND ended_at IS NOT NULL";

static const char sql_report_upsert[] =
	"INSERT INTO daily_reports (person_id, report_date, wellness_score, summary)"
	" VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE wellness_score = VALUES(wellness_score),"
	" summary = VALUES(summary), id = LAST_INSERT_ID(id)";

/* A nullable id column as JSON. */
static json_t *activities__id_or_null(struct db_stmt *st, unsigned c)
{
	return db_col_is_null(st, c) ? json_null() : json_integer(db_col_int64(st, c));
}

/* A nullable DOUBLE (or DECIMAL) column, read as text, as JSON. */
static json_t *activities__real_or_null(struct db_stmt *st, unsigned c)
{
	const char *v = db_col_text(st, c, NULL);

	return v ? json_real(strtod(v, NULL)) : json_null();
}

static json_t *activities__row(struct db_stmt *st)
{
	return json_pack("{s:I, s:o, s:s, s:s?, s:o, s:o, s:s, s:o, s:o, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "person_id", activities__id_or_null(st, 1),
			 "activity_type", db_col_text(st, 2, NULL),
			 "room_name", db_col_text(st, 3, NULL),
			 "confidence", activities__real_or_null(st, 4),
			 "duration_minutes", activities__real_or_null(st, 5),
			 "source", db_col_text(st, 6, NULL),
			 "rule_id", activities__id_or_null(st, 7),
			 "execution_id", activities__id_or_null(st, 8),
			 "detected_at", db_col_text(st, 9, NULL));
}

static json_t *activities__session_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:o, s:s, s:s?, s:o, s:s, s:s?, s:o}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "person_id", activities__id_or_null(st, 1),
			 "activity_type", db_col_text(st, 2, NULL),
			 "room_name", db_col_text(st, 3, NULL),
			 "timeout_minutes", activities__id_or_null(st, 4),
			 "started_at", db_col_text(st, 5, NULL),
			 "ended_at", db_col_text(st, 6, NULL),
			 "duration_minutes", activities__real_or_null(st, 7));
}

/* lib/db has no double binding: a number is bound as text, whose
 * "%.17g" round-trips exactly. */
static const char *activities__real(double v, char buf[32])
{
	snprintf(buf, 32, "%.17g", v);
	return buf;
}

enum herr store_activities_record(struct db *db, const struct activity_fields *a,
				  json_t **out)
{
	char confidence[32], duration[32];
	enum herr rc;

	*out = NULL;
	rc = db_exec(db, sql_insert, "JsssssJJ", a->person_id, a->activity_type, a->room_name,
		     activities__real(a->confidence, confidence),
		     a->has_duration ? activities__real(a->duration_minutes, duration) : NULL,
		     a->source, a->rule_id, a->execution_id);
	if (rc != HERR_OK)
		return rc;
	return store_rows_get(db, sql_get, (int64_t)db_last_id(db), activities__row, out);
}

enum herr store_activities_list(struct db *db, const struct activity_filter *f,
				const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_list, "IJJssssssssII", pg->after_id, f->person_id,
		      f->person_id, f->activity_type, f->activity_type, f->room_name, f->room_name,
		      f->since, f->since, f->until, f->until, (int64_t)pg->limit + 1,
		      (int64_t)(pg->offset >= 0 ? pg->offset : 0));
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, activities__row, items, has_more);
}

enum herr store_activities_latest(struct db *db, int64_t person_id, const char *activity_type,
				  const char *room_name, int64_t within_minutes,
				  double min_confidence, json_t **out)
{
	struct db_stmt *st = NULL;
	char confidence[32];
	enum herr rc;

	*out = NULL;
	rc = db_query(db, &st, sql_latest, "sJJsssI", activity_type, person_id, person_id,
		      room_name, room_name, activities__real(min_confidence, confidence),
		      within_minutes);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_one(st, activities__row, out);
}

enum herr store_activities_between(struct db *db, int64_t person_id, time_t from, time_t to,
				   struct activity_point *pts, size_t max, size_t *n,
				   int64_t *total)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	*n = 0;
	*total = 0;
	if ((rc = db_query(db, &st, sql_between, "III", person_id, (int64_t)from, (int64_t)to)) !=
	    HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		if (*n < max) {
			const char *type = db_col_text(st, 1, NULL);

			pts[*n].at = (time_t)db_col_int64(st, 0);
			snprintf(pts[*n].activity_type, sizeof(pts[*n].activity_type), "%s",
				 type ? type : "");
			(*n)++;
		}
		(*total)++;
	}
	if (r < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

/* ---------------------------------------------------------------- sessions */

/* The open_key the table computes for (person_id, activity_type). */
static int activities__open_key(char *buf, size_t len, int64_t person_id, const char *type)
{
	int n = snprintf(buf, len, "%" PRId64 ":%s", person_id > 0 ? person_id : 0, type);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The open session of key: *id (0 when none) and whether it has timed out. */
static enum herr activities__find_open(struct db *db, const char *key, int64_t timeout_minutes,
				       int64_t *id, bool *expired)
{
	enum herr rc;

	*id = 0;
	*expired = false;
	rc = db_row(db, sql_session_find_open, "Js", "Ib", timeout_minutes, key, id, expired);
	return rc == HERR_NOT_FOUND ? HERR_OK : rc;
}

/* Close session id with sql (one of the two closing UPDATEs, whose last
 * parameter is the id); *closed tells whether this call closed it. */
static enum herr activities__close(struct db *db, const char *sql, int64_t timeout_minutes,
				   int64_t id, bool *closed)
{
	enum herr rc;

	*closed = false;
	if (sql == sql_session_close_timed_out)
		rc = db_exec(db, sql, "JI", timeout_minutes, id);
	else
		rc = db_exec(db, sql, "I", id);
	if (rc == HERR_OK)
		*closed = db_changes(db) == 1;
	return rc;
}

enum herr store_sessions_open(struct db *db, int64_t person_id, const char *activity_type,
			      const char *room_name, int64_t timeout_minutes,
			      json_t **session, bool *was_existing, json_t **timed_out)
{
	char key[96];
	int64_t id = 0;
	bool expired, closed;
	enum herr rc = HERR_CONFLICT;

	*session = NULL;
	*was_existing = false;
	*timed_out = NULL;
	if (activities__open_key(key, sizeof(key), person_id, activity_type) != 0)
		return HERR_INVALID;

	for (int attempt = 0; attempt < SESSION_OPEN_TRIES; attempt++) {
		if ((rc = activities__find_open(db, key, timeout_minutes, &id, &expired)) != HERR_OK)
			return rc;
		if (id > 0 && expired) {
			rc = activities__close(db, sql_session_close_timed_out, timeout_minutes, id,
					       &closed);
			if (rc != HERR_OK)
				return rc;
			if (closed && !*timed_out &&
			    (rc = store_rows_get(db, sql_session_get, id, activities__session_row,
						 timed_out)) != HERR_OK)
				return rc;
			continue;
		}
		if (id > 0) {
			rc = store_rows_get(db, sql_session_get, id, activities__session_row,
					    session);
			if (rc == HERR_NOT_FOUND)
				continue;        /* deleted with its person meanwhile */
			*was_existing = rc == HERR_OK;
			return rc;
		}

		rc = db_exec(db, sql_session_insert, "JssJ", person_id, activity_type, room_name,
			     timeout_minutes);
		id = rc == HERR_OK ? (int64_t)db_last_id(db) : 0;
		if (rc == HERR_CONFLICT)
			continue;                /* another opener won: read theirs */
		if (rc != HERR_OK)
			return rc;
		return store_rows_get(db, sql_session_get, id, activities__session_row, session);
	}
	return rc;
}

enum herr store_sessions_close(struct db *db, int64_t person_id, const char *activity_type,
			       json_t **closed, bool *timed_out)
{
	char key[96];
	int64_t id = 0;
	bool expired, done;
	enum herr rc = HERR_NOT_FOUND;

	*closed = NULL;
	*timed_out = false;
	if (activities__open_key(key, sizeof(key), person_id, activity_type) != 0)
		return HERR_NOT_FOUND;
	/* A concurrent closer may win between the read and the UPDATE; then
	 * look again (a new session may have been opened meanwhile). */
	for (int attempt = 0; attempt < SESSION_OPEN_TRIES; attempt++) {
		if ((rc = activities__find_open(db, key, 0, &id, &expired)) != HERR_OK)
			return rc;
		if (id == 0)
			return HERR_NOT_FOUND;
		rc = activities__close(db, expired ? sql_session_close_timed_out : sql_session_close,
				       0, id, &done);
		if (rc != HERR_OK)
			return rc;
		if (done) {
			*timed_out = expired;
			return store_rows_get(db, sql_session_get, id, activities__session_row,
					      closed);
		}
	}
	return HERR_NOT_FOUND;
}

enum herr store_sessions_between(struct db *db, int64_t person_id, time_t from, time_t to,
				 int64_t *count, double *minutes)
{
	int64_t seconds = 0;
	enum herr rc;

	*count = 0;
	*minutes = 0;
	rc = db_row(db, sql_sessions_between, "III", "II", person_id, (int64_t)from, (int64_t)to,
		    count, &seconds);
	if (rc == HERR_OK)
		*minutes = (double)seconds / 60.0;
	return rc;
}

/* ---------------------------------------------------------------- reports */

enum herr store_activities_person_ids(struct db *db, json_t *ids)
{
	struct page pg = {0, -1, 1000};
	bool more = true;
	enum herr rc = HERR_OK;

	while (more) {
		json_t *items = json_array(), *p;
		size_t i;

		if (!items)
			return HERR_NOMEM;
		rc = store_persons_list(db, &pg, items, &more);
		json_array_foreach(items, i, p) {
			pg.after_id = json_integer_value(json_object_get(p, "id"));
			if (json_array_append_new(ids, json_integer(pg.after_id)))
				rc = HERR_NOMEM;
		}
		json_decref(items);
		if (rc != HERR_OK)
			return rc;
	}
	return rc;
}

enum herr store_daily_reports_upsert(struct db *db, int64_t person_id, const char *date,
				     int wellness_score, const char *summary_json, int64_t *id)
{
	enum herr rc = db_exec(db, sql_report_upsert, "Isis", person_id, date, wellness_score,
			       summary_json);

	*id = rc == HERR_OK ? (int64_t)db_last_id(db) : 0;
	return rc;
}
