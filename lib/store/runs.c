/*
 * Rules as the gate sees them, and the rows of a run: its execution and
 * its event log.  See runs.h for the rules of the game (conditional
 * updates on the expected status and owner).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "runs.h"

static enum herr runs__apply(struct db_stmt *st, bool *ok);

/*
 * The rule columns every loader reads; last_counted_at, day_count and
 * day_start are the counted runs as the rules row keeps them (see
 * 004_engine.sql).  The locked re-check counts event_logs itself
 * (sql_counted_locked).
 */
#define RULE_COLUMNS \
	"r.id, r.name, r.enabled, r.trigger_type, r.primary_sensor_id, r.cool_off_minutes," \
	" r.max_daily_triggers, r.execution_timeout_minutes, r.occupancy_min_minutes," \
	" r.last_skip_reason, r.last_skip_log_id, s.room_id, rm.name," \
	" UNIX_TIMESTAMP(r.last_counted_at), r.day_count, UNIX_TIMESTAMP(r.day_start)," \
	" r.config_rev"
#define RULE_FROM \
	" FROM rules r LEFT JOIN sensors s ON s.id = r.primary_sensor_id" \
	" LEFT JOIN rooms rm ON rm.id = s.room_id"

static const char sql_rule[] = "SELECT " RULE_COLUMNS RULE_FROM " WHERE r.id = ?";
/* Only the rule's row: the sensor's is what every event of it locks. */
static const char sql_rule_lock[] = "SELECT COUNT(*) FROM rules WHERE id = ? FOR UPDATE";
/* With their contexts in the same statement: one row per (rule, context). */
static const char sql_sensor_rules[] =
	"SELECT " RULE_COLUMNS ", c.context_type, c.config, c.negate, c.id" RULE_FROM
	" LEFT JOIN rule_contexts c ON c.rule_id = r.id"
	" WHERE r.primary_sensor_id = ? AND r.trigger_type = 'sensor_event' AND r.enabled"
	" ORDER BY r.id, c.id";

/*
 * The counted runs again, as a locking read: a plain read inside a
 * transaction sees the snapshot taken at its first read, which may
 * predate the commit of whoever held the rule's lock before us.
 */
static const char sql_counted_locked[] =
	"SELECT UNIX_TIMESTAMP(MAX(created_at)), COALESCE(SUM(created_at >= FROM_UNIXTIME(?)), 0)"
	" FROM event_logs WHERE rule_id = ? AND status IN ('completed', 'processing')"
	" AND created_at >= FROM_UNIXTIME(?) LOCK IN SHARE MODE";

static const char sql_contexts[] =
	"SELECT rule_id, context_type, config, negate FROM rule_contexts"
	" WHERE rule_id = ? ORDER BY id";

#define DEP_COLUMNS \
	"d.rule_id, d.parent_rule_id, p.name, d.lookback_minutes, d.require_success," \
	" (SELECT UNIX_TIMESTAMP(l.created_at) FROM event_logs l" \
	"   WHERE l.rule_id = d.parent_rule_id AND l.status = 'completed'" \
	"   ORDER BY l.created_at DESC LIMIT 1)"
static const char sql_deps[] =
	"SELECT " DEP_COLUMNS " FROM rule_dependencies d JOIN rules p ON p.id = d.parent_rule_id"
	" WHERE d.rule_id = ? ORDER BY d.id";
static const char sql_sensor_deps[] =
	"SELECT " DEP_COLUMNS " FROM rule_dependencies d JOIN rules p ON p.id = d.parent_rule_id"
	" JOIN rules r ON r.id = d.rule_id"
	" WHERE r.primary_sensor_id = ? AND r.trigger_type = 'sensor_event' AND r.enabled"
	" ORDER BY d.rule_id, d.id";

static const char sql_sensor_now[] =
	"SELECT r.id, r.config_rev, r.name, r.cool_off_minutes, r.max_daily_triggers,"
	" r.execution_timeout_minutes, r.occupancy_min_minutes,"
	" (SELECT COUNT(*) FROM rule_contexts c WHERE c.rule_id = r.id),"
	" (SELECT COALESCE(MAX(c.id), 0) FROM rule_contexts c WHERE c.rule_id = r.id),"
	" (SELECT COUNT(*) FROM rule_dependencies d WHERE d.rule_id = r.id),"
	" s.room_id, rm.name, r.last_skip_reason, r.last_skip_log_id,"
	" UNIX_TIMESTAMP(r.last_counted_at), r.day_count, UNIX_TIMESTAMP(r.day_start)" RULE_FROM
	" WHERE r.primary_sensor_id = ? AND r.trigger_type = 'sensor_event' AND r.enabled"
	" ORDER BY r.id";

static const char sql_webhook_hash[] = "SELECT webhook_secret_hash FROM rules WHERE id = ?";
static const char sql_sensor_room[] =
	"SELECT s.room_id, rm.name FROM sensors s LEFT JOIN rooms rm ON rm.id = s.room_id"
	" WHERE s.id = ?";

/* Repeated refusals: one statement for all, ids as a JSON array. */
static const char sql_skip_repeat[] =
	"UPDATE event_logs l JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j"
	" ON l.id = j.id SET l.repeat_count = l.repeat_count + 1, l.last_at = NOW(3)";
static const char sql_skip_log[] =
	"INSERT INTO event_logs (rule_id, rule_name, trigger_type, status, reason, finished_at)"
	" VALUES (?, ?, ?, 'ignored', ?, NOW(3))";
/* updated_at = updated_at: a refusal is not an edit of the rule. */
static const char sql_skip_rule[] =
	"UPDATE rules SET last_skip_reason = ?, last_skip_at = NOW(3), last_skip_log_id = ?,"
	" updated_at = updated_at WHERE id = ?";

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
/* After a run ended without counting: what still counts. */
static const char sql_rule_recount[] =
	"UPDATE rules r SET r.updated_at = r.updated_at, r.last_counted_at = NULLIF(GREATEST("
	"  COALESCE((SELECT l.created_at FROM event_logs l WHERE l.rule_id = r.id"
	"    AND l.status = 'completed' ORDER BY l.created_at DESC LIMIT 1), '1970-01-02'),"
	"  COALESCE((SELECT l.created_at FROM event_logs l WHERE l.rule_id = r.id"
	"    AND l.status = 'processing' ORDER BY l.created_at DESC LIMIT 1), '1970-01-02')),"
	"  '1970-01-02'),"
	" r.day_count = (SELECT COUNT(*) FROM event_logs l WHERE l.rule_id = r.id"
	"   AND l.status IN ('completed', 'processing') AND l.created_at >= r.day_start)"
	" WHERE r.id = (SELECT w.rule_id FROM workflow_executions w WHERE w.id = ?)";

/* The run's rule, read before any lock (a run never changes rule). */
static const char sql_run_rule[] =
	"SELECT COALESCE(MAX(rule_id), 0) FROM workflow_executions WHERE id = ?";

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

/* ---------------------------------------------------------------- rules */

void store_engine_rule_clear(struct engine_rule *r)
{
	json_decref(r->contexts);
	json_decref(r->dependencies);
	r->contexts = NULL;
	r->dependencies = NULL;
}

/* The current row (RULE_COLUMNS) into r; contexts and dependencies empty. */
static int runs__rule_row(struct db_stmt *st, struct engine_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	store_col_copy(st, 1, r->name, sizeof(r->name));
	r->enabled = db_col_int64(st, 2) != 0;
	store_col_copy(st, 3, r->trigger_type, sizeof(r->trigger_type));
	r->primary_sensor_id = db_col_int64(st, 4);
	r->cool_off_minutes = db_col_int64(st, 5);
	r->max_daily_triggers = db_col_int64(st, 6);
	r->execution_timeout_minutes = db_col_int64(st, 7);
	r->occupancy_min_minutes = db_col_int64(st, 8);
	store_col_copy(st, 9, r->last_skip_reason, sizeof(r->last_skip_reason));
	r->last_skip_log_id = db_col_int64(st, 10);
	r->room_id = db_col_int64(st, 11);
	store_col_copy(st, 12, r->room_name, sizeof(r->room_name));
	r->last_counted = (time_t)db_col_int64(st, 13);
	r->counted_today = db_col_int64(st, 14);
	r->counted_since = (time_t)db_col_int64(st, 15);
	r->config_rev = (uint64_t)db_col_int64(st, 16);
	r->contexts = json_array();
	r->dependencies = json_array();
	return r->contexts && r->dependencies ? 0 : -1;
}

/* Find the rule of id among rules[0..n) (sorted by id). */
static struct engine_rule *runs__find(struct engine_rule *rules, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rules[mid].id == id)
			return &rules[mid];
		if (rules[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Execute st (bound) and append each context row to its rule's list. */
static enum herr runs__contexts(struct db_stmt *st, struct engine_rule *rules, size_t n)
{
	enum herr e = db_execute(st);
	int rc;

	if (e != HERR_OK)
		return e;
	while ((rc = db_fetch(st)) == 1) {
		struct engine_rule *r = runs__find(rules, n, db_col_int64(st, 0));
		const char *text;
		json_t *config, *row;
		size_t len;

		if (!r)
			continue;
		text = db_col_text(st, 2, &len);
		config = text ? json_loadb(text, len, 0, NULL) : NULL;
		row = json_pack("{s:s, s:o, s:b}", "context_type", db_col_text(st, 1, NULL),
				"config", config ? config : json_object(),
				"negate", db_col_int64(st, 3) != 0);
		if (!row || json_array_append_new(r->contexts, row) != 0)
			return HERR_NOMEM;
	}
	return rc < 0 ? HERR_INTERNAL : HERR_OK;
}

static enum herr runs__deps(struct db_stmt *st, struct engine_rule *rules, size_t n)
{
	enum herr e = db_execute(st);
	int rc;

	if (e != HERR_OK)
		return e;
	while ((rc = db_fetch(st)) == 1) {
		struct engine_rule *r = runs__find(rules, n, db_col_int64(st, 0));
		json_t *row;

		if (!r)
			continue;
		row = json_pack("{s:I, s:s, s:I, s:b, s:I}",
				"parent_rule_id", (json_int_t)db_col_int64(st, 1),
				"parent_rule_name", db_col_text(st, 2, NULL),
				"lookback_minutes", (json_int_t)db_col_int64(st, 3),
				"require_success", db_col_int64(st, 4) != 0,
				"parent_last_completed", (json_int_t)db_col_int64(st, 5));
		if (!row || json_array_append_new(r->dependencies, row) != 0)
			return HERR_NOMEM;
	}
	return rc < 0 ? HERR_INTERNAL : HERR_OK;
}

enum herr store_engine_rule(struct db *db, int64_t id, bool lock, time_t now, time_t midnight,
			    struct engine_rule *out)
{
	struct db_stmt *st = NULL;
	enum herr e;
	int rc;

	memset(out, 0, sizeof(*out));
	/* Locking first also makes the snapshot of the reads below start
	 * after the previous holder's commit. */
	if (lock) {
		int64_t found = 0;

		e = db_prepare(db, sql_rule_lock, &st);
		if (e != HERR_OK)
			return e;
		db_bind_int64(st, 0, id);
		e = store_rows_int(st, &found);
		db_done(st);
		if (e != HERR_OK)
			return e;
		if (!found)
			return HERR_NOT_FOUND;
	}
	e = db_prepare(db, sql_rule, &st);
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, id);
	e = db_execute(st);
	if (e == HERR_OK) {
		rc = db_fetch(st);
		if (rc == 0)
			e = HERR_NOT_FOUND;
		else if (rc < 0)
			e = HERR_INTERNAL;
		else if (runs__rule_row(st, out) != 0)
			e = HERR_NOMEM;
	}
	db_done(st);
	if (e != HERR_OK)
		goto fail;

	if (lock) {
		/* The window: today so far, or the cool-off if it reaches
		 * further back. */
		time_t since = midnight;

		if (out->cool_off_minutes > 0 && now - (time_t)out->cool_off_minutes * 60 < since)
			since = now - (time_t)out->cool_off_minutes * 60;
		e = db_prepare(db, sql_counted_locked, &st);
		if (e != HERR_OK)
			goto fail;
		db_bind_int64(st, 0, (int64_t)midnight);
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, (int64_t)since);
		e = db_execute(st);
		if (e == HERR_OK && db_fetch(st) == 1) {
			out->last_counted = (time_t)db_col_int64(st, 0);
			out->counted_today = db_col_int64(st, 1);
		}
		db_done(st);
		if (e != HERR_OK)
			goto fail;
	}

	e = db_prepare(db, sql_contexts, &st);
	if (e != HERR_OK)
		goto fail;
	db_bind_int64(st, 0, id);
	e = runs__contexts(st, out, 1);
	db_done(st);
	if (e != HERR_OK)
		goto fail;

	e = db_prepare(db, sql_deps, &st);
	if (e != HERR_OK)
		goto fail;
	db_bind_int64(st, 0, id);
	e = runs__deps(st, out, 1);
	db_done(st);
	if (e != HERR_OK)
		goto fail;
	return HERR_OK;
fail:
	store_engine_rule_clear(out);
	return e;
}

/* Append the context in columns 16.. of the current row to r, if any. */
/* arr (room rows of size) grown for more rows: twice as many, 16 at
 * first, at most cap, the new ones zeroed; NULL out of memory (arr is
 * then left as it was). */
static void *runs__grow(void *arr, size_t *room, size_t size, size_t cap)
{
	size_t more = *room ? 2 * *room : 16;
	char *grown;

	if (more > cap)
		more = cap;
	if (!(grown = realloc(arr, more * size)))
		return NULL;
	memset(grown + *room * size, 0, (more - *room) * size);
	*room = more;
	return grown;
}

static enum herr runs__joined_context(struct db_stmt *st, struct engine_rule *r)
{
	const char *text;
	json_t *config, *row;
	size_t len;

	if (db_col_is_null(st, 17))
		return HERR_OK;
	text = db_col_text(st, 18, &len);
	config = text ? json_loadb(text, len, 0, NULL) : NULL;
	row = json_pack("{s:s, s:o, s:b}", "context_type", db_col_text(st, 17, NULL),
			"config", config ? config : json_object(), "negate", db_col_int64(st, 19) != 0);
	if (!row || json_array_append_new(r->contexts, row) != 0)
		return HERR_NOMEM;
	if (db_col_int64(st, 20) > r->contexts_newest)
		r->contexts_newest = db_col_int64(st, 20);
	return HERR_OK;
}

enum herr store_engine_sensor_rules(struct db *db, int64_t sensor_id, size_t cap,
				    struct engine_rule **out, size_t *n)
{
	struct engine_rule *rules = NULL;
	struct db_stmt *st = NULL;
	size_t count = 0, room = 0;
	enum herr e;
	int rc;

	*out = NULL;
	*n = 0;
	/* Grown as rows come: a rule is a few KiB, and most sensors have a
	 * handful of rules, not `cap`. */
	e = db_prepare(db, sql_sensor_rules, &st);
	if (e != HERR_OK)
		goto fail;
	db_bind_int64(st, 0, sensor_id);
	e = db_execute(st);
	while (e == HERR_OK && (rc = db_fetch(st)) != 0) {
		int64_t id = db_col_int64(st, 0);

		if (rc < 0) {
			e = HERR_INTERNAL;
			break;
		}
		if (count == 0 || rules[count - 1].id != id) {
			if (count == cap)
				break;
			if (count == room) {
				struct engine_rule *grown = runs__grow(rules, &room, sizeof(*rules), cap);

				if (!grown) {
					e = HERR_NOMEM;
					break;
				}
				rules = grown;
			}
			if (runs__rule_row(st, &rules[count++]) != 0) {
				e = HERR_NOMEM;
				break;
			}
		}
		e = runs__joined_context(st, &rules[count - 1]);
	}
	db_done(st);
	if (e != HERR_OK || count == 0)
		goto done;

	e = db_prepare(db, sql_sensor_deps, &st);
	if (e != HERR_OK)
		goto done;
	db_bind_int64(st, 0, sensor_id);
	e = runs__deps(st, rules, count);
	db_done(st);
done:
	if (e != HERR_OK)
		goto fail;
	*out = rules;
	*n = count;
	return HERR_OK;
fail:
	for (size_t i = 0; i < count; i++)
		store_engine_rule_clear(&rules[i]);
	free(rules);
	return e;
}

enum herr store_engine_sensor_now(struct db *db, int64_t sensor_id, size_t cap,
				  struct engine_rule_now **out, size_t *n)
{
	struct engine_rule_now *rows = NULL;
	struct db_stmt *st = NULL;
	size_t count = 0, room = 0;
	enum herr e;
	int rc;

	*out = NULL;
	*n = 0;
	if ((e = db_prepare(db, sql_sensor_now, &st)) != HERR_OK)
		return e;
	db_bind_int64(st, 0, sensor_id);
	e = db_execute(st);
	while (e == HERR_OK && count < cap && (rc = db_fetch(st)) != 0) {
		struct engine_rule_now *r;

		if (rc < 0) {
			e = HERR_INTERNAL;
			break;
		}
		if (count == room) {
			struct engine_rule_now *grown = runs__grow(rows, &room, sizeof(*rows), cap);

			if (!grown) {
				e = HERR_NOMEM;
				break;
			}
			rows = grown;
		}
		r = &rows[count++];
		memset(r, 0, sizeof(*r));
		r->id = db_col_int64(st, 0);
		r->config_rev = (uint64_t)db_col_int64(st, 1);
		store_col_copy(st, 2, r->name, sizeof(r->name));
		r->cool_off_minutes = db_col_int64(st, 3);
		r->max_daily_triggers = db_col_int64(st, 4);
		r->execution_timeout_minutes = db_col_int64(st, 5);
		r->occupancy_min_minutes = db_col_int64(st, 6);
		r->contexts = db_col_int64(st, 7);
		r->contexts_newest = db_col_int64(st, 8);
		r->dependencies = db_col_int64(st, 9);
		r->room_id = db_col_int64(st, 10);
		store_col_copy(st, 11, r->room_name, sizeof(r->room_name));
		store_col_copy(st, 12, r->last_skip_reason, sizeof(r->last_skip_reason));
		r->last_skip_log_id = db_col_int64(st, 13);
		r->last_counted = (time_t)db_col_int64(st, 14);
		r->counted_today = db_col_int64(st, 15);
		r->counted_since = (time_t)db_col_int64(st, 16);
	}
	db_done(st);
	if (e != HERR_OK) {
		free(rows);
		return e;
	}
	*out = rows;
	*n = count;
	return HERR_OK;
}

bool store_engine_rule_same(const struct engine_rule *r, const struct engine_rule_now *now)
{
	return r->id == now->id && r->config_rev == now->config_rev &&
	       (int64_t)json_array_size(r->contexts) == now->contexts &&
	       r->contexts_newest == now->contexts_newest && r->room_id == now->room_id &&
	       strcmp(r->room_name, now->room_name) == 0;
}

void store_engine_rule_moved(struct engine_rule *r, const struct engine_rule_now *now)
{
	memcpy(r->name, now->name, sizeof(r->name));
	r->cool_off_minutes = now->cool_off_minutes;
	r->max_daily_triggers = now->max_daily_triggers;
	r->execution_timeout_minutes = now->execution_timeout_minutes;
	r->occupancy_min_minutes = now->occupancy_min_minutes;
	memcpy(r->last_skip_reason, now->last_skip_reason, sizeof(r->last_skip_reason));
	r->last_skip_log_id = now->last_skip_log_id;
	r->last_counted = now->last_counted;
	r->counted_today = now->counted_today;
	r->counted_since = now->counted_since;
}

enum herr store_engine_sensor_deps(struct db *db, int64_t sensor_id, struct engine_rule *rules,
				   size_t n)
{
	struct db_stmt *st = NULL;
	enum herr e;

	for (size_t i = 0; i < n; i++)
		if (json_array_clear(rules[i].dependencies) != 0)
			return HERR_NOMEM;
	if ((e = db_prepare(db, sql_sensor_deps, &st)) != HERR_OK)
		return e;
	db_bind_int64(st, 0, sensor_id);
	e = runs__deps(st, rules, n);
	db_done(st);
	return e;
}

enum herr store_engine_webhook_hash(struct db *db, int64_t rule_id, unsigned char hash[32],
				    bool *has)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_webhook_hash, &st);
	const char *blob;
	size_t len = 0;
	int rc;

	*has = false;
	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, rule_id);
	e = db_execute(st);
	if (e == HERR_OK) {
		rc = db_fetch(st);
		if (rc == 1) {
			blob = db_col_text(st, 0, &len);
			if (blob && len == 32) {
				memcpy(hash, blob, 32);
				*has = true;
			}
		} else {
			e = rc == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		}
	}
	db_done(st);
	return e;
}

enum herr store_engine_sensor_room(struct db *db, int64_t sensor_id, int64_t *room_id,
				   char *room_name, size_t len)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_sensor_room, &st);
	int rc;

	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, sensor_id);
	e = db_execute(st);
	if (e == HERR_OK) {
		rc = db_fetch(st);
		if (rc == 1) {
			*room_id = db_col_int64(st, 0);
			store_col_copy(st, 1, room_name, len);
		} else {
			e = rc == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		}
	}
	db_done(st);
	return e;
}

/* Whether two refusal reasons are of the same stage: equal up to ':'. */
static bool runs__same_stage(const char *a, const char *b)
{
	size_t la = strcspn(a, ":"), lb = strcspn(b, ":");

	return la == lb && la > 0 && strncmp(a, b, la) == 0;
}

enum herr store_engine_skips(struct db *db, struct engine_rule *const *rules,
			     const char *const *reasons, size_t n, const char *trigger_type)
{
	json_t *repeats = json_array();
	struct db_stmt *st;
	enum herr e = HERR_OK;

	if (!repeats)
		return HERR_NOMEM;
	for (size_t i = 0; i < n && e == HERR_OK; i++) {
		struct engine_rule *r = rules[i];
		int64_t log_id;

		if (r->last_skip_log_id && runs__same_stage(r->last_skip_reason, reasons[i])) {
			if (json_array_append_new(repeats, json_integer(r->last_skip_log_id)) != 0)
				e = HERR_NOMEM;
			continue;
		}
		e = db_prepare(db, sql_skip_log, &st);
		if (e != HERR_OK)
			break;
		db_bind_int64(st, 0, r->id);
		db_bind_text(st, 1, r->name);
		db_bind_text(st, 2, trigger_type);
		db_bind_text(st, 3, reasons[i]);
		e = db_execute(st);
		log_id = (int64_t)db_insert_id(st);
		db_done(st);
		if (e != HERR_OK)
			break;
		e = db_prepare(db, sql_skip_rule, &st);
		if (e != HERR_OK)
			break;
		db_bind_text(st, 0, reasons[i]);
		db_bind_int64(st, 1, log_id);
		db_bind_int64(st, 2, r->id);
		e = db_execute(st);
		db_done(st);
		if (e == HERR_OK) {
			snprintf(r->last_skip_reason, sizeof(r->last_skip_reason), "%s", reasons[i]);
			r->last_skip_log_id = log_id;
		}
	}
	if (e == HERR_OK && json_array_size(repeats) > 0) {
		char *ids = json_dumps(repeats, JSON_COMPACT);

		e = ids ? db_prepare(db, sql_skip_repeat, &st) : HERR_NOMEM;
		if (e == HERR_OK) {
			db_bind_text(st, 0, ids);
			e = db_execute(st);
			db_done(st);
		}
		free(ids);
	}
	json_decref(repeats);
	return e;
}

/* ---------------------------------------------------------------- runs */

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

enum herr store_engine_lock_rule_of(struct db *db, int64_t execution_id)
{
	struct db_stmt *st;
	int64_t rule_id = 0;
	enum herr e = db_prepare(db, sql_run_rule, &st);

	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, execution_id);
	e = store_rows_int(st, &rule_id);
	db_done(st);
	if (e != HERR_OK || rule_id <= 0)
		return e;
	if ((e = db_prepare(db, sql_rule_lock, &st)) != HERR_OK)
		return e;
	db_bind_int64(st, 0, rule_id);
	e = store_rows_int(st, &rule_id);
	db_done(st);
	return e;
}

enum herr store_engine_recount(struct db *db, int64_t execution_id)
{
	struct db_stmt *st;
	enum herr e = db_prepare(db, sql_rule_recount, &st);

	if (e != HERR_OK)
		return e;
	db_bind_int64(st, 0, execution_id);
	return runs__apply(st, NULL);
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

/* One attempt of store_runs_finish's statements. */
static enum herr runs__finish_once(struct db *db, int64_t id, const char *owner,
				   const char *status, const char *log_status, const char *error,
				   const char *data_json, int64_t active_ms, bool counted, bool *ok)
{
	bool recount = strcmp(log_status, "completed") != 0;
	struct db_stmt *st;
	enum herr e;

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
		return e;
	e = db_prepare(db, sql_log_finish, &st);
	if (e != HERR_OK)
		return e;
	db_bind_text(st, 0, log_status);
	db_bind_text(st, 1, error);
	db_bind_int64(st, 2, id);
	e = runs__apply(st, NULL);
	if (e == HERR_OK && recount)
		e = store_engine_recount(db, id);
	return e;
}

/*
 * The end of a run races the gate of the next offers of its rule, which
 * locks the rule's row and then reads the rule's logs with locks.  An end
 * that recounts the rule takes the rule's row first too, so the two never
 * wait on each other in a circle; losing a deadlock anyway rolls our
 * statements back whole, so they are simply run again.
 */
struct runs_finish {
	int64_t id;
	const char *owner, *status, *log_status, *error, *data_json;
	int64_t active_ms;
	bool counted;
	bool *ok;
};

static enum herr runs__finish_unit(struct db *db, void *arg)
{
	const struct runs_finish *f = arg;

	*f->ok = false;
	return runs__finish_once(db, f->id, f->owner, f->status, f->log_status, f->error,
				 f->data_json, f->active_ms, f->counted, f->ok);
}

enum herr store_runs_finish(struct db *db, int64_t id, const char *owner, const char *status,
			    const char *log_status, const char *error, const char *data_json,
			    int64_t active_ms, bool counted, bool *ok)
{
	struct runs_finish f = {
		.id = id, .owner = owner, .status = status, .log_status = log_status,
		.error = error, .data_json = data_json, .active_ms = active_ms,
		.counted = counted, .ok = ok,
	};
	enum herr e = db_tx(db, runs__finish_unit, &f);

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

static enum herr runs__cancel_unit(struct db *db, void *arg)
{
	int64_t id = *(const int64_t *)arg, exists = 0;
	struct db_stmt *st;
	bool ok = false;
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

enum herr store_runs_cancel(struct db *db, int64_t id)
{
	return db_tx(db, runs__cancel_unit, &id);
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
