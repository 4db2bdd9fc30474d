/*
 * Workflow executions and event logs, read side.  Both are histories, so
 * lists are newest first (id descending) and page below the cursor's id.
 * The engine writes these rows; nothing here changes them.
 */
#include <string.h>

#include "db.h"
#include "history.h"
#include "log.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

#define EXECUTION_COLUMNS \
	"id, rule_id, rule_name, trigger_type, status, current_step_id, waiting_for," \
	" DATE_FORMAT(resume_at, " TIME_FMT "), error," \
	" DATE_FORMAT(started_at, " TIME_FMT ")," \
	" DATE_FORMAT(updated_at, " TIME_FMT ")," \
	" DATE_FORMAT(finished_at, " TIME_FMT ")," \
	" active_ms, event_log_id"
#define EXECUTION_PIPELINE_COL 14

#define EVENT_COLUMNS \
	"id, kind, rule_id, rule_name, execution_id, trigger_type, status, reason," \
	" repeat_count," \
	" DATE_FORMAT(created_at, " TIME_FMT ")," \
	" DATE_FORMAT(last_at, " TIME_FMT ")," \
	" DATE_FORMAT(finished_at, " TIME_FMT ")," \
	" pipeline_data," \
	" camera_id, camera_name, risk_score, risk_level, detection_count, object_types," \
	" summary, notes, reviewed, DATE_FORMAT(reviewed_at, " TIME_FMT ")"

const char store_event_columns[] = EVENT_COLUMNS;

/* Optional filters switch off on a NULL parameter, as in sensors.c; the
 * first parameter is the id to continue below. */
static const char sql_workflows_list[] =
	"SELECT " EXECUTION_COLUMNS " FROM workflow_executions"
	" WHERE id < ?"
	" AND (? IS NULL OR rule_id = ?)"
	" AND (? IS NULL OR status = ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";
static const char sql_workflows_get[] =
	"SELECT " EXECUTION_COLUMNS ", pipeline_data FROM workflow_executions WHERE id = ?";
static const char sql_responses[] =
	"SELECT step_id, channel, action, raw_response,"
	" DATE_FORMAT(created_at, " TIME_FMT ")"
	" FROM interactive_responses WHERE execution_id = ? ORDER BY id";
static const char sql_events_list[] =
	"SELECT " EVENT_COLUMNS " FROM event_logs"
	" WHERE id < ?"
	" AND (? IS NULL OR kind = ?)"
	" AND (? IS NULL OR rule_name = ?)"
	" AND (? IS NULL OR status = ?)"
	" AND (? IS NULL OR created_at >= ?)"
	" AND (? IS NULL OR created_at < ?)"
	" AND (? IS NULL OR camera_id = ?)"
	" AND (? IS NULL OR risk_level = ?)"
	" AND (? IS NULL OR reviewed = ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";
static const char sql_events_get[] =
	"SELECT " EVENT_COLUMNS " FROM event_logs WHERE id = ?";

/* An integer column as JSON, null for SQL NULL. */
static json_t *history__int_or_null(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

/* A JSON column as a new value: JSON null for SQL NULL, NULL (logged) when
 * the text does not parse, which the column's CHECK should make impossible. */
static json_t *history__json_col(struct db_stmt *st, unsigned idx, const char *what)
{
	json_error_t jerr;
	size_t len;
	const char *text = db_col_text(st, idx, &len);
	json_t *v;

	if (!text)
		return json_null();
	v = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
	if (!v)
		LOG(LOG_ERR, "%s %lld: stored JSON does not parse: %s", what,
		    (long long)db_col_int64(st, 0), jerr.text);
	return v;
}

/* The current row as execution list JSON; NULL when out of memory. */
static json_t *history__execution_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:s?, s:s?, s:s?, s:s, s:s, s:s?,"
			 " s:I, s:o}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "rule_id", history__int_or_null(st, 1),
			 "rule_name", db_col_text(st, 2, NULL),
			 "trigger_type", db_col_text(st, 3, NULL),
			 "status", db_col_text(st, 4, NULL),
			 "current_step_id", history__int_or_null(st, 5),
			 "waiting_for", db_col_text(st, 6, NULL),
			 "resume_at", db_col_text(st, 7, NULL),
			 "error", db_col_text(st, 8, NULL),
			 "started_at", db_col_text(st, 9, NULL),
			 "updated_at", db_col_text(st, 10, NULL),
			 "finished_at", db_col_text(st, 11, NULL),
			 "active_ms", (json_int_t)db_col_int64(st, 12),
			 "event_log_id", history__int_or_null(st, 13));
}

/* The current row as execution detail JSON, without the responses (they
 * come from another statement); NULL on failure (logged when the stored
 * pipeline_data is not an object). */
static json_t *history__execution_detail_row(struct db_stmt *st)
{
	json_t *obj = NULL, *data, *timings;

	data = history__json_col(st, EXECUTION_PIPELINE_COL, "execution");
	if (!json_is_object(data)) {
		if (data)
			LOG(LOG_ERR, "execution %lld: pipeline_data is not an object",
			    (long long)db_col_int64(st, 0));
		goto out;
	}
	timings = json_object_get(data, "_step_timings");
	timings = json_is_array(timings) ? json_incref(timings) : json_array();
	obj = history__execution_row(st);
	if (!obj || !timings || json_object_set_new(obj, "step_timings", timings)) {
		if (!obj)
			json_decref(timings);
		json_decref(obj);
		obj = NULL;
		goto out;
	}
	if (json_object_set(obj, "pipeline_data", data)) {
		json_decref(obj);
		obj = NULL;
	}
out:
	json_decref(data);
	return obj;
}

/* The current row as an interactive response; NULL on failure. */
static json_t *history__response_row(struct db_stmt *st)
{
	json_t *raw = history__json_col(st, 3, "interactive response of step");

	if (!raw)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:o, s:s}",
			 "step_id", (json_int_t)db_col_int64(st, 0),
			 "channel", db_col_text(st, 1, NULL),
			 "action", db_col_text(st, 2, NULL),
			 "raw_response", raw,
			 "created_at", db_col_text(st, 4, NULL));
}

/* The current row of a security event as its JSON; NULL on failure. */
static json_t *history__security_row(struct db_stmt *st)
{
	json_t *types = history__json_col(st, 18, "security event");

	if (!types)
		return NULL;
	if (!json_is_array(types)) {
		json_decref(types);
		types = json_array();
	}
	return json_pack("{s:I, s:s, s:o, s:s?, s:s, s:s, s:s?, s:s, s:I, s:s, s:I, s:o,"
			 " s:s, s:s?, s:b, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "kind", "security",
			 "camera_id", history__int_or_null(st, 13),
			 "camera_name", db_col_text(st, 14, NULL),
			 "status", db_col_text(st, 6, NULL),
			 "started_at", db_col_text(st, 9, NULL),
			 /* Over at its last detection; finished_at is only when it
			  * was closed, which a late or back-dated report can put
			  * anywhere. */
			 "ended_at", db_col_is_null(st, 11) ? NULL : db_col_text(st, 10, NULL),
			 "last_detection_at", db_col_text(st, 10, NULL),
			 "risk_score", (json_int_t)db_col_int64(st, 15),
			 "risk_level", db_col_is_null(st, 16) ? "low" : db_col_text(st, 16, NULL),
			 "detection_count", (json_int_t)db_col_int64(st, 17),
			 "object_types", types,
			 "summary", db_col_is_null(st, 19) ? "" : db_col_text(st, 19, NULL),
			 "notes", db_col_text(st, 20, NULL),
			 "reviewed", db_col_int64(st, 21) != 0,
			 "reviewed_at", db_col_text(st, 22, NULL));
}

json_t *store_event_row(struct db_stmt *st)
{
	const char *kind = db_col_text(st, 1, NULL);
	json_t *data;

	if (kind && strcmp(kind, "security") == 0)
		return history__security_row(st);
	data = history__json_col(st, 12, "event log");

	if (!data)
		return NULL;
	return json_pack("{s:I, s:s, s:o, s:s?, s:o, s:s?, s:s, s:s?, s:I, s:s, s:s, s:s?, s:o}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "kind", db_col_text(st, 1, NULL),
			 "rule_id", history__int_or_null(st, 2),
			 "rule_name", db_col_text(st, 3, NULL),
			 "execution_id", history__int_or_null(st, 4),
			 "trigger_type", db_col_text(st, 5, NULL),
			 "status", db_col_text(st, 6, NULL),
			 "reason", db_col_text(st, 7, NULL),
			 "repeat_count", (json_int_t)db_col_int64(st, 8),
			 "created_at", db_col_text(st, 9, NULL),
			 "last_at", db_col_text(st, 10, NULL),
			 "finished_at", db_col_text(st, 11, NULL),
			 "pipeline_data", data);
}

/* Bind one optional text filter to its two placeholders. */
static void history__bind_filter(struct db_stmt *st, unsigned idx, const char *v)
{
	db_bind_text(st, idx, v);
	db_bind_text(st, idx + 1, v);
}

enum herr store_workflows_list(struct db *db, const struct workflow_filter *f,
			       const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_workflows_list, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, pg->after_id);
	store_bind_id(st, 1, f->rule_id);
	store_bind_id(st, 2, f->rule_id);
	history__bind_filter(st, 3, f->status);
	db_bind_int64(st, 5, (int64_t)pg->limit + 1);
	db_bind_int64(st, 6, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, history__execution_row, items, has_more);
	db_done(st);
	return rc;
}

enum herr store_workflows_get(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *obj = NULL, *responses = NULL;
	bool more = false;
	enum herr rc;

	*out = NULL;
	if ((rc = store_rows_get(db, sql_workflows_get, id, history__execution_detail_row,
				 &obj)) != HERR_OK)
		goto out;

	if (!(responses = json_array())) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((rc = db_prepare(db, sql_responses, &st)) != HERR_OK)
		goto out;
	db_bind_int64(st, 0, id);
	/* One answer per step at most (a unique key), so a run's answers are
	 * as many as its steps: bounded well below this. */
	rc = store_rows_page(st, 10000, history__response_row, responses, &more);
	db_done(st);
	if (rc != HERR_OK)
		goto out;
	if (json_object_set_new(obj, "interactive_responses", responses)) {
		responses = NULL;
		rc = HERR_NOMEM;
		goto out;
	}
	responses = NULL;
	*out = obj;
	obj = NULL;
out:
	json_decref(responses);
	json_decref(obj);
	return rc;
}

enum herr store_events_list(struct db *db, const struct event_filter *f,
			    const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_events_list, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, pg->after_id);
	history__bind_filter(st, 1, f->kind);
	history__bind_filter(st, 3, f->rule_name);
	history__bind_filter(st, 5, f->status);
	history__bind_filter(st, 7, f->since);
	history__bind_filter(st, 9, f->until);
	store_bind_id(st, 11, f->camera_id);
	store_bind_id(st, 12, f->camera_id);
	history__bind_filter(st, 13, f->risk_level);
	if (f->reviewed != 0) {
		db_bind_bool(st, 15, f->reviewed > 0);
		db_bind_bool(st, 16, f->reviewed > 0);
	} else {
		db_bind_null(st, 15);
		db_bind_null(st, 16);
	}
	db_bind_int64(st, 17, (int64_t)pg->limit + 1);
	db_bind_int64(st, 18, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, store_event_row, items, has_more);
	db_done(st);
	return rc;
}

enum herr store_events_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_events_get, id, store_event_row, out);
}
