/*
 * Rules.  The webhook secret's hash never leaves this file: the JSON shows
 * only when the secret was made.
 */
#include "db.h"
#include "rows.h"
#include "store.h"

#define RULE_COLUMNS \
	"id, name, description, enabled, trigger_type, primary_sensor_id, schedule_cron," \
	" cool_off_minutes, max_daily_triggers, execution_timeout_minutes," \
	" occupancy_min_minutes," \
	" DATE_FORMAT(webhook_secret_created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" last_skip_reason," \
	" DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(next_fire_at, '%Y-%m-%dT%H:%i:%sZ'), catch_up, schedule_error"

/* Optional filters switch off on a NULL parameter, as in sensors.c. */
static const char sql_list[] =
	"SELECT " RULE_COLUMNS " FROM rules"
	" WHERE id > ?"
	" AND (? IS NULL OR trigger_type = ?)"
	" AND (? IS NULL OR enabled = ?)"
	" ORDER BY id LIMIT ? OFFSET ?";
static const char sql_get[] =
	"SELECT " RULE_COLUMNS " FROM rules WHERE id = ?";
static const char sql_get_lock[] =
	"SELECT " RULE_COLUMNS " FROM rules WHERE id = ? FOR UPDATE";
static const char sql_insert[] =
	"INSERT INTO rules (name, description, enabled, trigger_type, primary_sensor_id,"
	" schedule_cron, cool_off_minutes, max_daily_triggers, execution_timeout_minutes,"
	" occupancy_min_minutes, catch_up, next_fire_at, next_fire_tz)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), ?)";
/*
 * next_fire_at (with its zone and the scheduler's error about it) is
 * assigned first, so it compares the old trigger_type, enabled and
 * schedule_cron with the new ones (assignments run left to right): a save
 * that leaves the schedule alone must not move it on, or an instant due
 * this very second would be skipped.  The comparison is kept in @same.
 */
static const char sql_update[] =
	"UPDATE rules SET next_fire_at = IF(@same := (trigger_type <=> ? AND enabled <=> ?"
	"   AND schedule_cron <=> ?), next_fire_at, FROM_UNIXTIME(?)),"
	" next_fire_tz = IF(@same, next_fire_tz, ?),"
	" schedule_error = IF(@same, schedule_error, NULL),"
	" name = ?, description = ?, enabled = ?, trigger_type = ?,"
	" primary_sensor_id = ?, schedule_cron = ?, cool_off_minutes = ?,"
	" max_daily_triggers = ?, execution_timeout_minutes = ?, occupancy_min_minutes = ?,"
	" catch_up = ?, config_rev = config_rev + 1"
	" WHERE id = ?";
/* A locking read: it counts what is committed now, not the transaction's
 * snapshot, and holds off new dependents until the delete is done. */
static const char sql_count_dependents[] =
	"SELECT COUNT(*) FROM rule_dependencies WHERE parent_rule_id = ? AND rule_id <> ?"
	" LOCK IN SHARE MODE";
static const char sql_delete[] =
	"DELETE FROM rules WHERE id = ?";
static const char sql_set_secret[] =
	"UPDATE rules SET webhook_secret_hash = ?,"
	" webhook_secret_created_at = CURRENT_TIMESTAMP(3) WHERE id = ?";

/* An integer column as JSON, null for SQL NULL. */
static json_t *rules__int_or_null(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

/* {key: value} from an integer or text column; JSON null when the column
 * is NULL.  NULL only when out of memory. */
static json_t *rules__sub_object(struct db_stmt *st, unsigned idx, const char *key,
				 bool integer)
{
	if (db_col_is_null(st, idx))
		return json_null();
	if (integer)
		return json_pack("{s:I}", key, (json_int_t)db_col_int64(st, idx));
	return json_pack("{s:s}", key, db_col_text(st, idx, NULL));
}

/* The current row as rule JSON; NULL when out of memory. */
static json_t *rules__row(struct db_stmt *st)
{
	json_t *occupancy = rules__sub_object(st, 10, "min_minutes", true);
	json_t *webhook = rules__sub_object(st, 11, "created_at", false);

	if (!occupancy || !webhook) {
		json_decref(occupancy);
		json_decref(webhook);
		return NULL;
	}
	return json_pack("{s:I, s:s, s:s, s:b, s:s, s:o, s:s?, s:I, s:I, s:I,"
			 " s:o, s:o, s:s?, s:s, s:s, s:s?, s:s, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "description", db_col_text(st, 2, NULL),
			 "enabled", db_col_int64(st, 3) != 0,
			 "trigger_type", db_col_text(st, 4, NULL),
			 "primary_sensor_id", rules__int_or_null(st, 5),
			 "schedule_cron", db_col_text(st, 6, NULL),
			 "cool_off_minutes", (json_int_t)db_col_int64(st, 7),
			 "max_daily_triggers", (json_int_t)db_col_int64(st, 8),
			 "execution_timeout_minutes", (json_int_t)db_col_int64(st, 9),
			 "occupancy_config", occupancy,
			 "webhook_config", webhook,
			 "last_skip_reason", db_col_text(st, 12, NULL),
			 "created_at", db_col_text(st, 13, NULL),
			 "updated_at", db_col_text(st, 14, NULL),
			 "next_fire_at", db_col_text(st, 15, NULL),
			 "catch_up", db_col_text(st, 16, NULL),
			 "schedule_error", db_col_text(st, 17, NULL));
}

enum herr store_rules_list(struct db *db, const struct rule_filter *f, const struct page *pg,
			   json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_list, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, pg->offset >= 0 ? 0 : pg->after_id);
	db_bind_text(st, 1, f->trigger_type);
	db_bind_text(st, 2, f->trigger_type);
	if (f->enabled >= 0) {
		db_bind_bool(st, 3, f->enabled != 0);
		db_bind_bool(st, 4, f->enabled != 0);
	} else {
		db_bind_null(st, 3);
		db_bind_null(st, 4);
	}
	db_bind_int64(st, 5, (int64_t)pg->limit + 1);
	db_bind_int64(st, 6, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, rules__row, items, has_more);
	db_done(st);
	return rc;
}

enum herr store_rules_get(struct db *db, int64_t id, bool lock, json_t **out)
{
	return store_rows_get(db, lock ? sql_get_lock : sql_get, id, rules__row, out);
}

/* The eleven columns shared by INSERT and UPDATE, in that order, from
 * parameter `at` on. */
static void rules__bind_fields(struct db_stmt *st, unsigned at, const struct rule_fields *r)
{
	db_bind_text(st, at + 0, r->name);
	db_bind_text(st, at + 1, r->description ? r->description : "");
	db_bind_bool(st, at + 2, r->enabled);
	db_bind_text(st, at + 3, r->trigger_type);
	store_bind_id(st, at + 4, r->primary_sensor_id);
	db_bind_text(st, at + 5, r->schedule_cron);
	db_bind_int64(st, at + 6, r->cool_off_minutes);
	db_bind_int64(st, at + 7, r->max_daily_triggers);
	db_bind_int64(st, at + 8, r->execution_timeout_minutes);
	store_bind_id(st, at + 9, r->occupancy_min_minutes);
	db_bind_text(st, at + 10, r->catch_up ? r->catch_up : "all");
}

/* The zone next_fire_at was computed in; NULL with no next_fire_at. */
static void rules__bind_next_tz(struct db_stmt *st, unsigned idx, const struct rule_fields *r)
{
	db_bind_text(st, idx, r->next_fire_at > 0 ? (r->next_fire_tz ? r->next_fire_tz : "")
						   : NULL);
}

enum herr store_rules_create(struct db *db, const struct rule_fields *r, json_t **out)
{
	struct db_stmt *st = NULL;
	int64_t id = 0;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql_insert, &st)) != HERR_OK)
		goto out;
	rules__bind_fields(st, 0, r);
	store_bind_id(st, 11, r->next_fire_at);
	rules__bind_next_tz(st, 12, r);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	id = (int64_t)db_insert_id(st);
out:
	db_done(st);
	return rc == HERR_OK ? store_rules_get(db, id, false, out) : rc;
}

/* Takes the rule's whole new state (the caller merges a partial update);
 * the webhook secret and last_skip_reason are not touched, next_fire_at
 * only when the schedule changes. */
enum herr store_rules_update(struct db *db, int64_t id, const struct rule_fields *r,
			     json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql_update, &st)) != HERR_OK)
		goto out;
	db_bind_text(st, 0, r->trigger_type);
	db_bind_bool(st, 1, r->enabled);
	db_bind_text(st, 2, r->schedule_cron);
	store_bind_id(st, 3, r->next_fire_at);
	rules__bind_next_tz(st, 4, r);
	rules__bind_fields(st, 5, r);
	db_bind_int64(st, 16, id);
	rc = db_execute(st);
out:
	db_done(st);
	/* The read tells whether the rule exists: an update that changes
	 * nothing affects no rows and is still a success. */
	return rc == HERR_OK ? store_rules_get(db, id, false, out) : rc;
}

static enum herr rules__count_dependents(struct db *db, int64_t id, int64_t *count)
{
	*count = 0;
	return db_row(db, sql_count_dependents, "II", "I", id, id, count);
}

/*
 * Counting first gives the caller a number to show; the foreign key on
 * rule_dependencies.parent_rule_id (RESTRICT) still refuses the delete if
 * a dependent arrives in between, and then we count again.  Steps,
 * contexts and the rule's own dependencies go by CASCADE.
 */
enum herr store_rules_delete(struct db *db, int64_t id, int64_t *dependents)
{
	enum herr rc;

	if ((rc = rules__count_dependents(db, id, dependents)) != HERR_OK)
		return rc;
	if (*dependents > 0)
		return HERR_CONFLICT;
	rc = store_rows_delete(db, sql_delete, id);
	if (rc == HERR_CONFLICT && rules__count_dependents(db, id, dependents) == HERR_OK &&
	    *dependents == 0)
		*dependents = 1;
	return rc;
}

enum herr store_rules_set_webhook_secret(struct db *db, int64_t id,
					 const unsigned char hash[AUTH_HASH_LEN], json_t **out)
{
	enum herr rc = db_exec(db, sql_set_secret, "BI", hash, (size_t)AUTH_HASH_LEN, id);

	*out = NULL;
	return rc == HERR_OK ? store_rules_get(db, id, false, out) : rc;
}
