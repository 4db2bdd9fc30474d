/*
 * The rows of a run: its execution and its event log, and the answers to
 * its prompts.  See runs.h for the rules of the game (conditional updates
 * on the expected status and owner).
 */
#include <string.h>

#include "db.h"
#include "engine_rules.h"
#include "log.h"
#include "rows.h"
#include "runs.h"

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
	enum herr e = db_exec(db, sql_log_create, "Iss", r->id, r->name, trigger_type);

	*log_id = (int64_t)db_last_id(db);
	if (e != HERR_OK)
		return e;
	e = db_exec(db, sql_run_create, "IssssII", r->id, r->name, trigger_type, data_json, owner,
		    (int64_t)lease_s, *log_id);
	*execution_id = (int64_t)db_last_id(db);
	if (e != HERR_OK)
		return e;
	if ((e = db_exec(db, sql_log_link, "II", *execution_id, *log_id)) != HERR_OK)
		return e;
	/* A processing run counts until it ends without counting. */
	return db_exec(db, sql_rule_counted_now, "III", (int64_t)midnight, (int64_t)midnight,
		       r->id);
}

enum herr store_runs_get(struct db *db, int64_t id, struct run_row *out)
{
	struct db_stmt *st;
	const char *text;
	size_t len;
	enum herr e;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((e = db_query(db, &st, sql_run_get, "I", id)) != HERR_OK)
		return e;
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

/* The outcome e of a db_exec, and in *ok whether it changed a row. */
static enum herr runs__applied(struct db *db, enum herr e, bool *ok)
{
	*ok = e == HERR_OK && db_changes(db) > 0;
	return e;
}

enum herr store_runs_touch(struct db *db, int64_t id, const char *owner, unsigned lease_s,
			   bool *ok)
{
	return runs__applied(db, db_exec(db, sql_run_touch, "IIs", (int64_t)lease_s, id, owner),
			     ok);
}

enum herr store_runs_pause(struct db *db, int64_t id, const char *owner, const char *data_json,
			   int64_t step_id, const char *waiting_for, time_t resume_at,
			   int64_t active_ms, bool counted, bool *ok)
{
	enum herr e = db_exec(db, sql_run_pause, "sIsIIbIs", data_json, step_id, waiting_for,
			      (int64_t)resume_at, active_ms, counted, id, owner);

	return runs__applied(db, e, ok);
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
	enum herr e;

	*ok = false;
	/* The rule's row before the run's rows, as the gate takes them. */
	if (recount && (e = store_engine_lock_rule_of(db, id)) != HERR_OK)
		return e;
	e = runs__applied(db, db_exec(db, sql_run_finish, "sssIbIs", status, error, data_json,
					  active_ms, counted, id, owner), ok);
	if (e != HERR_OK || !*ok)
		goto out;
	e = db_exec(db, sql_log_finish, "ssI", log_status, error, id);
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
	enum herr e = db_exec(db, sql_run_claim, "sIIb", owner, (int64_t)lease_s, id, any_time);

	return runs__applied(db, e, claimed);
}

enum herr store_runs_cancel(struct db *db, int64_t id)
{
	int64_t exists = 0;
	enum herr e;

	/* The rule's row first, as the gate and store_runs_finish take it. */
	if ((e = store_engine_lock_rule_of(db, id)) != HERR_OK)
		return e;
	if ((e = db_exec(db, sql_run_cancel, "I", id)) != HERR_OK)
		return e;
	if (db_changes(db) == 0) {
		/* A COUNT(*): always one row. */
		e = db_row(db, sql_run_exists, "I", "I", id, &exists);
		if (e == HERR_OK)
			e = exists ? HERR_CONFLICT : HERR_NOT_FOUND;
		return e;
	}
	e = db_exec(db, sql_log_finish, "ssI", "ignored", "cancelled", id);
	if (e == HERR_OK)
		e = store_engine_recount(db, id);
	return e;
}

enum herr store_runs_due_now(struct db *db, int64_t id)
{
	return db_exec(db, sql_run_due_now, "I", id);
}

enum herr store_runs_respond(struct db *db, int64_t execution_id, int64_t step_id,
			     const char *channel, const char *action, const char *raw_json,
			     bool *duplicate)
{
	enum herr e = db_exec(db, sql_respond, "IIsss", execution_id, step_id, channel, action,
			      raw_json);

	*duplicate = false;
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
	enum herr e;

	*out = NULL;
	if ((e = db_query(db, &st, sql_response, "II", execution_id, step_id)) != HERR_OK)
		return e;
	return store_rows_take_one(st, runs__response_row, out);
}

enum herr store_runs_prompt_close(struct db *db, int64_t execution_id, int64_t step_id,
				  const char *status)
{
	return db_exec(db, sql_prompt_close, "sII", status, execution_id, step_id);
}
