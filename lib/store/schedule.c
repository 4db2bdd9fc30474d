/*
 * The scheduler's statements.  Every change here is conditional on the
 * state that was read (a claim row's key, next_fire_at's old value, a
 * run's status, owner and lease), so any number of ticks on any number of
 * hosts can run them at once and each piece of work is done by one.
 */
#include <stdio.h>

#include "db.h"
#include "engine_rules.h"
#include "rows.h"
#include "runs.h"
#include "schedule.h"

/* Exact DATETIME(3) as text that reads back to the same value. */
#define STAMP_FMT "'%Y-%m-%d %H:%i:%s.%f'"

/* NULL next_fire_at sorts before any time, so "IS NULL OR <= now" is one
 * range of rules_due (trigger_type, enabled, next_fire_at). */
static const char sql_due_cron[] =
	"SELECT id, name, schedule_cron, UNIX_TIMESTAMP(next_fire_at),"
	" DATE_FORMAT(next_fire_at, " STAMP_FMT "), next_fire_tz, catch_up FROM rules"
	" WHERE trigger_type = 'cron' AND enabled = TRUE AND schedule_error IS NULL"
	" AND (next_fire_at IS NULL OR next_fire_at <= FROM_UNIXTIME(?)"
	"   OR next_fire_tz <> ?)"
	" AND id > ? ORDER BY id LIMIT ?";
/* updated_at = updated_at: moving the schedule on is not an edit. */
static const char sql_advance[] =
	"UPDATE rules SET next_fire_at = FROM_UNIXTIME(?), next_fire_tz = ?, schedule_error = ?,"
	" updated_at = updated_at"
	" WHERE id = ? AND trigger_type = 'cron' AND enabled = TRUE"
	" AND schedule_cron <=> ? AND next_fire_at <=> ?";
static const char sql_claim_at[] =
	"INSERT INTO rule_fires (rule_id, due_at, kind, outcome, lateness_seconds, late)"
	" VALUES (?, FROM_UNIXTIME(?), ?, ?, ?, ?)";
static const char sql_claim_exact[] =
	"INSERT INTO rule_fires (rule_id, due_at, kind, outcome, lateness_seconds, late)"
	" VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_settle_at[] =
	"UPDATE rule_fires SET outcome = ?, execution_id = ?"
	" WHERE rule_id = ? AND due_at = FROM_UNIXTIME(?)";
static const char sql_settle_exact[] =
	"UPDATE rule_fires SET outcome = ?, execution_id = ? WHERE rule_id = ? AND due_at = ?";
/* A claim that came to nothing, given back; the placeholder outcome of
 * store_schedule_claim's callers is 'skipped', settled claims have a run
 * or were settled 'skipped' by a gate that refused (then they stay). */
static const char sql_release_at[] =
	"DELETE FROM rule_fires WHERE rule_id = ? AND due_at = FROM_UNIXTIME(?)"
	" AND outcome = 'skipped' AND execution_id IS NULL";
static const char sql_release_exact[] =
	"DELETE FROM rule_fires WHERE rule_id = ? AND due_at = ?"
	" AND outcome = 'skipped' AND execution_id IS NULL";
static const char sql_rewind[] =
	"UPDATE rules SET next_fire_at = FROM_UNIXTIME(?), updated_at = updated_at"
	" WHERE id = ? AND trigger_type = 'cron' AND schedule_cron <=> ?"
	" AND next_fire_at = FROM_UNIXTIME(?)";
static const char sql_missed_log[] =
	"INSERT INTO event_logs (kind, rule_id, rule_name, trigger_type, status, reason,"
	" finished_at) VALUES ('rule_run', ?, ?, 'cron', 'ignored', ?, CURRENT_TIMESTAMP(3))";
/* The stretch already claimed is left out here rather than refused by the
 * key every second for as long as the room stays occupied. */
static const char sql_due_occupancy[] =
	"SELECT r.id, s.id, DATE_FORMAT(s.state_changed_at, " STAMP_FMT "),"
	" UNIX_TIMESTAMP(s.state_changed_at),"
	" TIMESTAMPDIFF(SECOND, s.state_changed_at, FROM_UNIXTIME(?))"
	" FROM rules r JOIN sensors s ON s.id = r.primary_sensor_id"
	" WHERE r.trigger_type = 'occupancy_duration' AND r.enabled = TRUE AND s.enabled = TRUE"
	" AND COALESCE(JSON_UNQUOTE(s.state) IN ('on', 'trigger'), 0)"
	" AND s.state_changed_at <= FROM_UNIXTIME(?)"
	"   - INTERVAL COALESCE(r.occupancy_min_minutes, 40) MINUTE"
	" AND NOT EXISTS (SELECT 1 FROM rule_fires f"
	"   WHERE f.rule_id = r.id AND f.due_at = s.state_changed_at)"
	" ORDER BY r.id LIMIT ?";
static const char sql_due_resume[] =
	"SELECT id FROM workflow_executions"
	" WHERE status = 'waiting' AND resume_at <= FROM_UNIXTIME(?) AND id > ?"
	" ORDER BY id LIMIT ?";
/* Running runs are few; those of this host are all looked at, because a
 * dead pid is known long before its lease runs out. */
static const char sql_running[] =
	"SELECT id, event_log_id, owner, DATE_FORMAT(lease_until, " STAMP_FMT "),"
	" UNIX_TIMESTAMP(lease_until), COALESCE(lease_until < FROM_UNIXTIME(?), 0),"
	" steps_started"
	" FROM workflow_executions"
	" WHERE status = 'running' AND id > ?"
	" AND (lease_until < FROM_UNIXTIME(?) OR LEFT(owner, CHAR_LENGTH(?) + 1) = CONCAT(?, ':'))"
	" ORDER BY id LIMIT ?";
static const char sql_retake[] =
	"UPDATE workflow_executions SET owner = ?, lease_until = FROM_UNIXTIME(?)"
	" WHERE id = ? AND status = 'running' AND steps_started = 0"
	" AND owner <=> ? AND lease_until <=> ?";
static const char sql_handover[] =
	"UPDATE workflow_executions SET owner = ?, lease_until = NOW(3) + INTERVAL ? SECOND"
	" WHERE id = ? AND status = 'running' AND owner = ?";
static const char sql_fail_run[] =
	"UPDATE workflow_executions SET status = 'failed', error = ?,"
	" finished_at = CURRENT_TIMESTAMP(3), owner = NULL, lease_until = NULL"
	" WHERE id = ? AND status = 'running' AND owner <=> ? AND lease_until <=> ?";
static const char sql_fail_log[] =
	"UPDATE event_logs SET status = 'failed', reason = ?, finished_at = CURRENT_TIMESTAMP(3)"
	" WHERE id = ? AND status = 'processing'";

/* Optional text as a parameter: "" as NULL. */
static const char *schedule__opt(const char *s)
{
	return s && *s ? s : NULL;
}

enum herr store_schedule_due_cron(struct db *db, time_t now, const char *tz,
				  int64_t after_id, struct due_cron *out, size_t cap, size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int f = 0;

	*n = 0;
	if ((rc = db_query(db, &st, sql_due_cron, "IsII", (int64_t)now, tz, after_id,
			   (int64_t)cap)) != HERR_OK)
		return rc;
	while (*n < cap && (f = db_fetch(st)) == 1) {
		struct due_cron *d = &out[(*n)++];

		d->rule_id = db_col_int64(st, 0);
		store_col_copy(st, 1, d->name, sizeof(d->name));
		store_col_copy(st, 2, d->schedule, sizeof(d->schedule));
		d->next_fire_at = (time_t)db_col_int64(st, 3);
		store_col_copy(st, 4, d->next_exact, sizeof(d->next_exact));
		d->has_tz = !db_col_is_null(st, 5);
		store_col_copy(st, 5, d->tz, sizeof(d->tz));
		store_col_copy(st, 6, d->catch_up, sizeof(d->catch_up));
	}
	if (f < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

enum herr store_schedule_advance(struct db *db, int64_t rule_id, const char *schedule,
				 const char *expected, time_t next, const char *tz,
				 const char *error, bool *moved)
{
	enum herr rc = db_exec(db, sql_advance, "JssIss", (int64_t)next, next ? tz : NULL,
			       schedule__opt(error), rule_id, schedule, schedule__opt(expected));

	*moved = rc == HERR_OK && db_changes(db) > 0;
	return rc;
}

enum herr store_schedule_claim(struct db *db, int64_t rule_id, time_t due_at,
			       const char *due_text, const char *kind, const char *outcome,
			       const struct claim_lateness *lateness, bool *claimed)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*claimed = false;
	if ((rc = db_prepare(db, due_text ? sql_claim_exact : sql_claim_at, &st)) != HERR_OK)
		goto out;
	db_bind_int64(st, 0, rule_id);
	if (due_text)
		db_bind_text(st, 1, due_text);
	else
		db_bind_int64(st, 1, (int64_t)due_at);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, outcome);
	if (lateness && lateness->seconds >= 0)
		db_bind_int64(st, 4, lateness->seconds);
	else
		db_bind_null(st, 4);
	db_bind_bool(st, 5, lateness && lateness->late);
	rc = db_execute(st);
	if (rc == HERR_OK) {
		*claimed = true;
	} else if (rc == HERR_CONFLICT || rc == HERR_INVALID) {
		/* The key says someone else has this instant, or the rule
		 * was deleted meanwhile (the foreign key): nothing to fire. */
		rc = HERR_OK;
	}
out:
	db_done(st);
	return rc;
}

enum herr store_schedule_settle(struct db *db, int64_t rule_id, time_t due_at,
				const char *due_text, const char *outcome,
				int64_t execution_id)
{
	if (due_text)
		return db_exec(db, sql_settle_exact, "sJIs", outcome, execution_id, rule_id,
			       due_text);
	return db_exec(db, sql_settle_at, "sJII", outcome, execution_id, rule_id,
		       (int64_t)due_at);
}

/* One claim of store_schedule_release. */
static enum herr schedule__release_one(struct db *db, int64_t rule_id, time_t due_at,
				       const char *due_text)
{
	if (due_text)
		return db_exec(db, sql_release_exact, "Is", rule_id, due_text);
	return db_exec(db, sql_release_at, "II", rule_id, (int64_t)due_at);
}

static enum herr schedule__rewind(struct db *db, int64_t rule_id, const char *schedule,
				  time_t from, time_t to)
{
	return db_exec(db, sql_rewind, "IIsI", (int64_t)to, rule_id, schedule, (int64_t)from);
}

enum herr store_schedule_release(struct db *db, int64_t rule_id, const time_t *due, size_t n,
				 const char *due_text, const char *schedule,
				 time_t rewind_from)
{
	enum herr rc = HERR_OK;

	if (n == 0)
		return HERR_OK;
	for (size_t i = 0; rc == HERR_OK && i < n; i++)
		rc = schedule__release_one(db, rule_id, due ? due[i] : 0, due_text);
	if (rc == HERR_OK && rewind_from && due)
		rc = schedule__rewind(db, rule_id, schedule, rewind_from, due[0]);
	return rc;
}

static enum herr schedule__missed_log(struct db *db, int64_t rule_id, const char *rule_name,
				      const char *reason)
{
	return db_exec(db, sql_missed_log, "Iss", rule_id, rule_name, reason);
}

enum herr store_schedule_missed(struct db *db, int64_t rule_id, const char *rule_name,
				time_t latest, const char *reason, bool *claimed)
{
	enum herr rc = store_schedule_claim(db, rule_id, latest, NULL, "cron", "missed", NULL,
					    claimed);

	if (rc == HERR_OK && *claimed)
		rc = schedule__missed_log(db, rule_id, rule_name, reason);
	if (rc != HERR_OK)
		*claimed = false;
	return rc;
}

enum herr store_schedule_due_occupancy(struct db *db, time_t now, struct due_occupancy *out,
				       size_t cap, size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int f = 0;

	*n = 0;
	if ((rc = db_query(db, &st, sql_due_occupancy, "III", (int64_t)now, (int64_t)now,
			   (int64_t)cap)) != HERR_OK)
		return rc;
	while (*n < cap && (f = db_fetch(st)) == 1) {
		struct due_occupancy *d = &out[(*n)++];

		d->rule_id = db_col_int64(st, 0);
		d->sensor_id = db_col_int64(st, 1);
		store_col_copy(st, 2, d->since, sizeof(d->since));
		d->since_at = (time_t)db_col_int64(st, 3);
		d->minutes = (double)db_col_int64(st, 4) / 60.0;
	}
	if (f < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

enum herr store_schedule_due_resume(struct db *db, time_t now, int64_t after_id,
				    int64_t *ids, size_t cap, size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int f = 0;

	*n = 0;
	if ((rc = db_query(db, &st, sql_due_resume, "III", (int64_t)now, after_id,
			   (int64_t)cap)) != HERR_OK)
		return rc;
	while (*n < cap && (f = db_fetch(st)) == 1)
		ids[(*n)++] = db_col_int64(st, 0);
	if (f < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

enum herr store_schedule_running(struct db *db, time_t now, const char *host,
				 int64_t after_id, struct running_run *out, size_t cap,
				 size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int f = 0;

	*n = 0;
	if ((rc = db_query(db, &st, sql_running, "IIIssI", (int64_t)now, after_id, (int64_t)now,
			   host, host, (int64_t)cap)) != HERR_OK)
		return rc;
	while (*n < cap && (f = db_fetch(st)) == 1) {
		struct running_run *r = &out[(*n)++];

		r->id = db_col_int64(st, 0);
		r->event_log_id = db_col_int64(st, 1);
		store_col_copy(st, 2, r->owner, sizeof(r->owner));
		store_col_copy(st, 3, r->lease_until, sizeof(r->lease_until));
		r->lease_until_at = (time_t)db_col_int64(st, 4);
		r->lease_expired = db_col_int64(st, 5) != 0;
		r->steps_started = db_col_int64(st, 6);
	}
	if (f < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

enum herr store_schedule_retake(struct db *db, const struct running_run *r,
				const char *owner, time_t lease_until, bool *taken)
{
	enum herr rc = db_exec(db, sql_retake, "sIIss", owner, (int64_t)lease_until, r->id,
			       schedule__opt(r->owner), schedule__opt(r->lease_until));

	*taken = rc == HERR_OK && db_changes(db) > 0;
	return rc;
}

enum herr store_schedule_handover(struct db *db, int64_t id, const char *from, const char *to,
				  unsigned lease_s, bool *taken)
{
	enum herr rc = db_exec(db, sql_handover, "sIIs", to, (int64_t)lease_s, id, from);

	*taken = rc == HERR_OK && db_changes(db) > 0;
	return rc;
}

static enum herr schedule__fail_run(struct db *db, const struct running_run *r,
				    const char *error, bool *failed)
{
	enum herr rc = db_exec(db, sql_fail_run, "sIss", error, r->id, schedule__opt(r->owner),
			       schedule__opt(r->lease_until));

	*failed = rc == HERR_OK && db_changes(db) > 0;
	return rc;
}

static enum herr schedule__fail_log(struct db *db, int64_t log_id, const char *reason)
{
	return db_exec(db, sql_fail_log, "sI", reason, log_id);
}

enum herr store_schedule_fail(struct db *db, const struct running_run *r, const char *error,
			      bool *failed)
{
	enum herr rc;

	*failed = false;
	/* The rule's row first, as the gate takes it (store_runs_finish). */
	rc = store_engine_lock_rule_of(db, r->id);
	if (rc == HERR_OK)
		rc = schedule__fail_run(db, r, error, failed);
	if (rc == HERR_OK && *failed && r->event_log_id > 0)
		rc = schedule__fail_log(db, r->event_log_id, error);
	/* A failed run no longer counts for its rule's cool-off. */
	if (rc == HERR_OK && *failed)
		rc = store_engine_recount(db, r->id);
	if (rc != HERR_OK)
		*failed = false;
	return rc;
}
