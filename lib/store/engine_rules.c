/*
 * Rules as the engine's gate reads them: a rule with its contexts,
 * dependencies and counted runs, a sensor's rules in a few queries, the
 * gate's refusals, and the lock and recount of a run's rule that the end
 * of a run takes.  See engine_rules.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "engine_rules.h"
#include "rows.h"

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

void store_engine_rule_clear(struct engine_rule *r)
{
	json_decref(r->contexts);
	json_decref(r->dependencies);
	r->contexts = NULL;
	r->dependencies = NULL;
}

/* The current row (RULE_COLUMNS) into r; contexts and dependencies empty. */
static int engine_rules__row(struct db_stmt *st, struct engine_rule *r)
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
static struct engine_rule *engine_rules__find(struct engine_rule *rules, size_t n, int64_t id)
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

/*
 * Append each context row of st (executed by db_query) to its rule's
 * list.  st is taken over: finished whatever the outcome.
 */
static enum herr engine_rules__take_contexts(struct db_stmt *st, struct engine_rule *rules,
					     size_t n)
{
	enum herr e = HERR_OK;
	int rc;

	while ((rc = db_fetch(st)) == 1) {
		struct engine_rule *r = engine_rules__find(rules, n, db_col_int64(st, 0));
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
		if (!row || json_array_append_new(r->contexts, row) != 0) {
			e = HERR_NOMEM;
			goto out;
		}
	}
	if (rc < 0)
		e = HERR_INTERNAL;
out:
	db_done(st);
	return e;
}

/* The same for dependency rows (DEP_COLUMNS). */
static enum herr engine_rules__take_deps(struct db_stmt *st, struct engine_rule *rules, size_t n)
{
	enum herr e = HERR_OK;
	int rc;

	while ((rc = db_fetch(st)) == 1) {
		struct engine_rule *r = engine_rules__find(rules, n, db_col_int64(st, 0));
		json_t *row;

		if (!r)
			continue;
		row = json_pack("{s:I, s:s, s:I, s:b, s:I}",
				"parent_rule_id", (json_int_t)db_col_int64(st, 1),
				"parent_rule_name", db_col_text(st, 2, NULL),
				"lookback_minutes", (json_int_t)db_col_int64(st, 3),
				"require_success", db_col_int64(st, 4) != 0,
				"parent_last_completed", (json_int_t)db_col_int64(st, 5));
		if (!row || json_array_append_new(r->dependencies, row) != 0) {
			e = HERR_NOMEM;
			goto out;
		}
	}
	if (rc < 0)
		e = HERR_INTERNAL;
out:
	db_done(st);
	return e;
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

		/* A COUNT(*): always one row. */
		if ((e = db_row(db, sql_rule_lock, "I", "I", id, &found)) != HERR_OK)
			return e;
		if (!found)
			return HERR_NOT_FOUND;
	}
	if ((e = db_query(db, &st, sql_rule, "I", id)) != HERR_OK)
		return e;
	rc = db_fetch(st);
	if (rc == 0)
		e = HERR_NOT_FOUND;
	else if (rc < 0)
		e = HERR_INTERNAL;
	else if (engine_rules__row(st, out) != 0)
		e = HERR_NOMEM;
	db_done(st);
	if (e != HERR_OK)
		goto fail;

	if (lock) {
		/* The window: today so far, or the cool-off if it reaches
		 * further back. */
		time_t since = midnight;

		if (out->cool_off_minutes > 0 && now - (time_t)out->cool_off_minutes * 60 < since)
			since = now - (time_t)out->cool_off_minutes * 60;
		/* Fetched by hand, not db_row: a failed fetch keeps the
		 * values of the plain read above. */
		e = db_query(db, &st, sql_counted_locked, "III", (int64_t)midnight, id,
			     (int64_t)since);
		if (e != HERR_OK)
			goto fail;
		if (db_fetch(st) == 1) {
			out->last_counted = (time_t)db_col_int64(st, 0);
			out->counted_today = db_col_int64(st, 1);
		}
		db_done(st);
	}

	if ((e = db_query(db, &st, sql_contexts, "I", id)) != HERR_OK ||
	    (e = engine_rules__take_contexts(st, out, 1)) != HERR_OK)
		goto fail;
	if ((e = db_query(db, &st, sql_deps, "I", id)) != HERR_OK ||
	    (e = engine_rules__take_deps(st, out, 1)) != HERR_OK)
		goto fail;
	return HERR_OK;
fail:
	store_engine_rule_clear(out);
	return e;
}

/* arr (room rows of size) grown for more rows: twice as many, 16 at
 * first, at most cap, the new ones zeroed; NULL out of memory (arr is
 * then left as it was). */
static void *engine_rules__grow(void *arr, size_t *room, size_t size, size_t cap)
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

/* Append the context in columns 17.. of the current row to r, if any. */
static enum herr engine_rules__joined_context(struct db_stmt *st, struct engine_rule *r)
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
	if ((e = db_query(db, &st, sql_sensor_rules, "I", sensor_id)) != HERR_OK)
		return e;
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
				struct engine_rule *grown =
					engine_rules__grow(rules, &room, sizeof(*rules), cap);

				if (!grown) {
					e = HERR_NOMEM;
					break;
				}
				rules = grown;
			}
			if (engine_rules__row(st, &rules[count++]) != 0) {
				e = HERR_NOMEM;
				break;
			}
		}
		e = engine_rules__joined_context(st, &rules[count - 1]);
	}
	db_done(st);
	if (e == HERR_OK && count > 0 &&
	    (e = db_query(db, &st, sql_sensor_deps, "I", sensor_id)) == HERR_OK)
		e = engine_rules__take_deps(st, rules, count);
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
	if ((e = db_query(db, &st, sql_sensor_now, "I", sensor_id)) != HERR_OK)
		return e;
	while (e == HERR_OK && count < cap && (rc = db_fetch(st)) != 0) {
		struct engine_rule_now *r;

		if (rc < 0) {
			e = HERR_INTERNAL;
			break;
		}
		if (count == room) {
			struct engine_rule_now *grown =
				engine_rules__grow(rows, &room, sizeof(*rows), cap);

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
	if ((e = db_query(db, &st, sql_sensor_deps, "I", sensor_id)) != HERR_OK)
		return e;
	return engine_rules__take_deps(st, rules, n);
}

enum herr store_engine_webhook_hash(struct db *db, int64_t rule_id, unsigned char hash[32],
				    bool *has)
{
	struct db_stmt *st;
	const char *blob;
	size_t len = 0;
	enum herr e;
	int rc;

	*has = false;
	/* A blob, which db_row would read as text: fetched by hand. */
	if ((e = db_query(db, &st, sql_webhook_hash, "I", rule_id)) != HERR_OK)
		return e;
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
	db_done(st);
	return e;
}

enum herr store_engine_sensor_room(struct db *db, int64_t sensor_id, int64_t *room_id,
				   char *room_name, size_t len)
{
	return db_row(db, sql_sensor_room, "I", "Is", sensor_id, room_id, room_name, len);
}

/* Whether two refusal reasons are of the same stage: equal up to ':'. */
static bool engine_rules__same_stage(const char *a, const char *b)
{
	size_t la = strcspn(a, ":"), lb = strcspn(b, ":");

	return la == lb && la > 0 && strncmp(a, b, la) == 0;
}

enum herr store_engine_skips(struct db *db, struct engine_rule *const *rules,
			     const char *const *reasons, size_t n, const char *trigger_type)
{
	json_t *repeats = json_array();
	enum herr e = HERR_OK;

	if (!repeats)
		return HERR_NOMEM;
	for (size_t i = 0; i < n && e == HERR_OK; i++) {
		struct engine_rule *r = rules[i];
		int64_t log_id;

		if (r->last_skip_log_id && engine_rules__same_stage(r->last_skip_reason, reasons[i])) {
			if (json_array_append_new(repeats, json_integer(r->last_skip_log_id)) != 0)
				e = HERR_NOMEM;
			continue;
		}
		e = db_exec(db, sql_skip_log, "Isss", r->id, r->name, trigger_type, reasons[i]);
		if (e != HERR_OK)
			break;
		log_id = (int64_t)db_last_id(db);
		e = db_exec(db, sql_skip_rule, "sII", reasons[i], log_id, r->id);
		if (e == HERR_OK) {
			snprintf(r->last_skip_reason, sizeof(r->last_skip_reason), "%s", reasons[i]);
			r->last_skip_log_id = log_id;
		}
	}
	if (e == HERR_OK && json_array_size(repeats) > 0) {
		char *ids = json_dumps(repeats, JSON_COMPACT);

		e = ids ? db_exec(db, sql_skip_repeat, "s", ids) : HERR_NOMEM;
		free(ids);
	}
	json_decref(repeats);
	return e;
}

enum herr store_engine_lock_rule_of(struct db *db, int64_t execution_id)
{
	int64_t rule_id = 0, found;
	enum herr e;

	/* Both aggregates: always one row. */
	e = db_row(db, sql_run_rule, "I", "I", execution_id, &rule_id);
	if (e != HERR_OK || rule_id <= 0)
		return e;
	return db_row(db, sql_rule_lock, "I", "I", rule_id, &found);
}

enum herr store_engine_recount(struct db *db, int64_t execution_id)
{
	return db_exec(db, sql_rule_recount, "I", execution_id);
}

