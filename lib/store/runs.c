/*
 * The rows of a run: its execution and its event log, and the answers to
 * its prompts.  See runs.h for the rules of the game (conditional updates
 * on the expected status and owner).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "engine_rules.h"
#include "log.h"
#include "rows.h"
#include "runs.h"

static enum herr runs__apply(struct db_stmt *st, bool *ok);

static const char sql_log_create[] =
	"INSERT INTO event_logs (rule_id, rule_name, trigger_type, status) VALUES (?, ?, ?, 'processing')";
static const char sql_run_create[] =
	"INSERT INTO workflow_executions (rule_id, rule_name, trigger_type, status, pipeline_data,"
	" owner, lease_until, event_log_id)"
	" VALUES (?, ?, ?, 'running', ?, ?, NOW(3) + INTERVAL ? SECOND, ?)";
static const char sql_log_link[] = "UPDATE event_logs SET execution_id = ? WHERE id = ?";
/* Assignments apply left to right: day_count reads the old day_start. */
static const char sql_rule_counted_now[] =
	"UPDATE rules SET last_counted_at = NOW(3),"
	" day_count = IF(day_start <=> FROM_UNIXTIME(?), day_count + 1, 1),"
	" day_start = FROM_UNIXTIME(?), updated_at = updated_at WHERE id = ?";

static const char sql_run_get[] =
	"SELECT id, rule_id, rule_name, trigger_type, status, owner, waiting_for, current_step_id,"
	" event_log_id, active_ms, steps_started, counted, pipeline_data"
	" FROM workflow_executions WHERE id = ?";
static const char sql_run_touch[] =
	"UPDATE workflow_executions SET steps_started = steps_started + 1,"
	" lease_until = NOW(3) + INTERVAL ? SECOND"
	" WHERE id = ? AND status = 'running' AND owner = ?";
static const char sql_run_pause[] =
	"UPDATE workflow_executions SET status = 'waiting', pipeline_data = ?, current_step_id = ?,"
	" waiting_for = ?, resume_at = FROM_UNIXTIME(?), active_ms = ?, counted = ?,"
	" owner = NULL, lease_until = NULL"
	" WHERE id = ? AND status = 'running' AND owner = ?";
static const char sql_run_finish[] =
	"UPDATE workflow_executions SET status = ?, error = ?, pipeline_data = ?, active_ms = ?,"
	" counted = ?, finished_at = NOW(3), owner = NULL, lease_until = NULL, resume_at = NULL,"
	" waiting_for = NULL"
	" WHERE id = ? AND status = 'running' AND owner = ?";
static const char sql_log_finish[] =
	"UPDATE event_logs l JOIN workflow_executions w ON w.event_log_id = l.id"
	" SET l.status = ?, l.reason = ?, l.pipeline_data = w.pipeline_data,"
	" l.finished_at = NOW(3), l.last_at = NOW(3)"
	" WHERE w.id = ?";
static const char sql_run_claim[] =
	"UPDATE workflow_executions SET status = 'running', owner = ?,"
	" lease_until = NOW(3) + INTERVAL ? SECOND, resume_at = NULL"
	" WHERE id = ? AND status = 'waiting' AND (? OR resume_at <= NOW(3))";
static const char sql_run_cancel[] =
	"UPDATE workflow_executions SET status = 'cancelled', finished_at = NOW(3), owner = NULL,"
	" lease_until = NULL, resume_at = NULL, error = 'cancelled'"
	" WHERE id = ? AND status IN ('running', 'waiting')";
static const char sql_run_exists[] = "SELECT COUNT(*) FROM workflow_executions WHERE id = ?";
static const char sql_run_due_now[] =
	"UPDATE workflow_executions SET resume_at = NOW(3) WHERE id = ? AND status = 'waiting'";

static const char sql_respond[] =
	"INSERT INTO interactive_responses (execution_id, step_id, channel, action, raw_response)"
	" VALUES (?, ?, ?, ?, ?)";
static const char sql_response[] =
	"SELECT channel, action, raw_response, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
	" FROM interactive_responses WHERE execution_id = ? AND step_id = ?";
static const char sql_prompt_close[] =
	"UPDATE prompts SET status = ? WHERE execution_id = ? AND step_id = ? AND status = 'pending'";

enum herr store_runs_create(struct db *db, const struct engine_rule *r, const char *trigger_type,
			    const char *data_json, const char *owner, unsigned lease_s,
			    time_t midnight, int64_t *execution_id, int64_t *log_id)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_log_create, &st);

	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, r->id);
	db_bind_text(st, 1, r->name);
	db_bind_text(st, 2, trigger_type);
	e = db_execute(st);
	*log_id = (int64_t)db_insert_id(st);
	db_done(st);
	if (e != HERR_OK)
		return e;

	e = db_prepare(db, sql_run_create, &st);
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, r->id);
	db_bind_text(st, 1, r->name);
	db_bind_text(st, 2, trigger_type);
	db_bind_text(st, 3, data_json);
	db_bind_text(st, 4, owner);
	db_bind_int64(st, 5, lease_s);
	db_bind_int64(st, 6, *log_id);
	e = db_execute(st);
	*execution_id = (int64_t)db_insert_id(st);
	db_done(st);
	if (e != HERR_OK)
		return e;

	e = db_prepare(db, sql_log_link, &st);
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, *execution_id);
	db_bind_int64(st, 1, *log_id);
	e = db_execute(st);
	db_done(st);
	if (e != HERR_OK)
		return e;

	/* A processing run counts until it ends without counting. */
	e = db_prepare(db, sql_rule_counted_now, &st);
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, (int64_t)midnight);
	db_bind_int64(st, 1, (int64_t)midnight);
	db_bind_int64(st, 2, r->id);
	e = db_execute(st);
	db_done(st);
	return e;
}

enum herr store_runs_get(struct db *db, int64_t id, struct run_row *out)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_run_get, &st);
	const char *text;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, id);
	e = db_execute(st);
	if (e != HERR_OK)
		goto out;
	rc = db_fetch(st);
	if (rc != 1) {
		e = rc == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		goto out;
	}
	out->id = db_col_int64(st, 0);
	out->rule_id = db_col_int64(st, 1);
	store_col_copy(st, 2, out->rule_name, sizeof(out->rule_name));
	store_col_copy(st, 3, out->trigger_type, sizeof(out->trigger_type));
	store_col_copy(st, 4, out->status, sizeof(out->status));
	store_col_copy(st, 5, out->owner, sizeof(out->owner));
	store_col_copy(st, 6, out->waiting_for, sizeof(out->waiting_for));
	out->current_step_id = db_col_int64(st, 7);
	out->event_log_id = db_col_int64(st, 8);
	out->active_ms = db_col_int64(st, 9);
	out->steps_started = (unsigned)db_col_int64(st, 10);
	out->counted = db_col_int64(st, 11) != 0;
	text = db_col_text(st, 12, &len);
	out->data = text ? json_loadb(text, len, 0, NULL) : NULL;
	if (!json_is_object(out->data)) {
		LOG(LOG_ERR, "run %lld: pipeline_data is not an object", (long long)id);
		json_decref(out->data);
		out->data = json_object();
		if (!out->data)
			e = HERR_NOMEM;
	}
out:
	db_done(st);
	return e;
}

/* Execute st (bound) and say whether it changed a row. */
static enum herr runs__apply(struct db_stmt *st, bool *ok)
{
	enum herr e = db_execute(st);

	if (ok)
		*ok = e == HERR_OK && db_affected_rows(st) > 0;
	db_done(st);
	return e;
}

enum herr store_runs_touch(struct db *db, int64_t id, const char *owner, unsigned lease_s,
			   bool *ok)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_run_touch, &st);

	*ok = false;
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, lease_s);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, owner);
	return runs__apply(st, ok);
}

enum herr store_runs_pause(struct db *db, int64_t id, const char *owner, const char *data_json,
			   int64_t step_id, const char *waiting_for, time_t resume_at,
			   int64_t active_ms, bool counted, bool *ok)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_run_pause, &st);

	*ok = false;
	if (e != HERR_OK)
		return e;
	db_bind_text(st, 0, data_json);
	db_bind_int64(st, 1, step_id);
	db_bind_text(st, 2, waiting_for);
	db_bind_int64(st, 3, (int64_t)resume_at);
	db_bind_int64(st, 4, active_ms);
	db_bind_bool(st, 5, counted);
	db_bind_int64(st, 6, id);
	db_bind_text(st, 7, owner);
	return runs__apply(st, ok);
}

/*
 * The end of a run races the gate of the next offers of its rule, which
 * locks the rule's row and then reads the rule's logs with locks.  An end
 * that recounts the rule takes the rule's row first too, so the two never
 * wait on each other in a circle.
 */
enum herr store_runs_finish(struct db *db, int64_t id, const char *owner, const char *status,
			    const char *log_status, const char *error, const char *data_json,
			    int64_t active_ms, bool counted, bool *ok)
{
	bool recount = strcmp(log_status, "completed") != 0;
	struct db_stmt *st;
	enum herr e;

	*ok = false;
	/* The rule's row before the run's rows, as the gate takes them. */
	if (recount && (e = store_engine_lock_rule_of(db, id)) != HERR_OK)
		return e;
	if ((e = db_prepare(db, sql_run_finish, &st)) != HERR_OK)
		return e;
	db_bind_text(st, 0, status);
	db_bind_text(st, 1, error);
	db_bind_text(st, 2, data_json);
	db_bind_int64(st, 3, active_ms);
	db_bind_bool(st, 4, counted);
	db_bind_int64(st, 5, id);
	db_bind_text(st, 6, owner);
	e = runs__apply(st, ok);
	if (e != HERR_OK || !*ok)
		goto out;
	e = db_prepare(db, sql_log_finish, &st);
	if (e != HERR_OK)
		goto out;
	db_bind_text(st, 0, log_status);
	db_bind_text(st, 1, error);
	db_bind_int64(st, 2, id);
	e = runs__apply(st, NULL);
	if (e == HERR_OK && recount)
		e = store_engine_recount(db, id);
out:
	if (e != HERR_OK)
		*ok = false;
	return e;
}

enum herr store_runs_claim(struct db *db, int64_t id, const char *owner, unsigned lease_s,
			   bool any_time, bool *claimed)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_run_claim, &st);

	*claimed = false;
	if (e != HERR_OK)
		return e;
	db_bind_text(st, 0, owner);
	db_bind_int64(st, 1, lease_s);
	db_bind_int64(st, 2, id);
	db_bind_bool(st, 3, any_time);
	return runs__apply(st, claimed);
}

enum herr store_runs_cancel(struct db *db, int64_t id)
{
	struct db_stmt *st;
	bool ok = false;
	int64_t exists = 0;
	enum herr e;

	/* The rule's row first, as the gate and store_runs_finish take it. */
	if ((e = store_engine_lock_rule_of(db, id)) != HERR_OK)
		goto out;
	e = db_prepare(db, sql_run_cancel, &st);
	if (e != HERR_OK)
		goto out;
	db_bind_int64(st, 0, id);
	e = runs__apply(st, &ok);
	if (e != HERR_OK)
		goto out;
	if (!ok) {
		e = db_prepare(db, sql_run_exists, &st);
		if (e != HERR_OK)
			goto out;
		db_bind_int64(st, 0, id);
		e = store_rows_int(st, &exists);
		db_done(st);
		if (e == HERR_OK)
			e = exists ? HERR_CONFLICT : HERR_NOT_FOUND;
		goto out;
	}
	e = db_prepare(db, sql_log_finish, &st);
	if (e != HERR_OK)
		goto out;
	db_bind_text(st, 0, "ignored");
	db_bind_text(st, 1, "cancelled");
	db_bind_int64(st, 2, id);
	e = runs__apply(st, NULL);
	if (e == HERR_OK)
		e = store_engine_recount(db, id);
out:
	return e;
}

enum herr store_runs_due_now(struct db *db, int64_t id)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_run_due_now, &st);

	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, id);
	return runs__apply(st, NULL);
}

enum herr store_runs_respond(struct db *db, int64_t execution_id, int64_t step_id,
			     const char *channel, const char *action, const char *raw_json,
			     bool *duplicate)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_respond, &st);

	*duplicate = false;
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, execution_id);
	db_bind_int64(st, 1, step_id);
	db_bind_text(st, 2, channel);
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, raw_json);
	e = db_execute(st);
	db_done(st);
	if (e == HERR_CONFLICT) {
		*duplicate = true;
		e = HERR_OK;
	}
	return e;
}

static json_t *runs__response_row(struct db_stmt *st)
{
	size_t len;
	const char *text = db_col_text(st, 2, &len);
	json_t *raw = text ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;

	return json_pack("{s:s, s:s, s:o, s:s}", "channel", db_col_text(st, 0, NULL),
			 "action", db_col_text(st, 1, NULL), "raw_response", raw ? raw : json_null(),
			 "timestamp", db_col_text(st, 3, NULL));
}

enum herr store_runs_response(struct db *db, int64_t execution_id, int64_t step_id,
			      json_t **out)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_response, &st);

	*out = NULL;
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, execution_id);
	db_bind_int64(st, 1, step_id);
	e = store_rows_one(st, runs__response_row, out);
	db_done(st);
	return e;
}

enum herr store_runs_prompt_close(struct db *db, int64_t execution_id, int64_t step_id,
				  const char *status)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_prompt_close, &st);

	if (e != HERR_OK)
		return e;
	db_bind_text(st, 0, status);
	db_bind_int64(st, 1, execution_id);
	db_bind_int64(st, 2, step_id);
	return runs__apply(st, NULL);
}
