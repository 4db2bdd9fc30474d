/*
 * Pipeline steps.  Positions are 1..n without gaps, unique per rule (see
 * sql/002_rules.sql for why a renumbering goes the way it does).
 *
 * Writers that change positions (add, delete, reorder) first lock the
 * rule's row, so they run one at a time per rule.  Every read after that
 * lock is a locking read too: a plain SELECT would answer from the
 * transaction's snapshot, which may predate the writer we just waited for.
 * They run several statements, in the caller's transaction (the API's),
 * which the caller rolls back on failure.
 */
#include <limits.h>
#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"

#define STEP_COLUMNS \
	"id, rule_id, step_type, label, config, enabled, step_order," \
	" next_step_on_true, next_step_on_false," \
	" DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ')"

static const char sql_list[] =
	"SELECT " STEP_COLUMNS " FROM rule_steps WHERE rule_id = ? ORDER BY step_order";
static const char sql_get[] =
	"SELECT " STEP_COLUMNS " FROM rule_steps WHERE id = ? AND rule_id = ?";
static const char sql_get_lock[] =
	"SELECT " STEP_COLUMNS " FROM rule_steps WHERE id = ? AND rule_id = ? FOR UPDATE";
static const char sql_lock_rule[] =
	"SELECT id FROM rules WHERE id = ? FOR UPDATE";
static const char sql_order_of[] =
	"SELECT step_order FROM rule_steps WHERE id = ? AND rule_id = ? FOR UPDATE";
/* Shared: the jump's target cannot be deleted before we commit. */
static const char sql_jump_target[] =
	"SELECT id FROM rule_steps WHERE id = ? AND rule_id = ? LOCK IN SHARE MODE";
/*
 * FORCE INDEX on the statements that lock a rule's steps: on a table this
 * small the optimizer prefers a scan of the primary key, which would lock
 * every rule's steps and make writers on different rules deadlock often.
 * Through rule_steps_order a writer locks its own rule's rows and the
 * boundary with the next rule.  At that boundary, writers on two
 * neighbouring rules can still deadlock now and then (REPEATABLE READ gap
 * locks): the server rolls one back, which the caller reports as
 * HERR_UNAVAILABLE; positions are never left inconsistent.
 */
static const char sql_ids[] =
	"SELECT id FROM rule_steps FORCE INDEX (rule_steps_order) WHERE rule_id = ? FOR UPDATE";
static const char sql_next_order[] =
	"SELECT COALESCE(MAX(step_order), 0) + 1 FROM rule_steps FORCE INDEX (rule_steps_order)"
	" WHERE rule_id = ? FOR UPDATE";
/* VALUES, not INSERT ... SELECT: that form holds the table's AUTO-INC lock
 * to the end of the statement, and deadlocks against an add to the next
 * rule, whose locking read covers the gap this row goes into. */
static const char sql_insert[] =
	"INSERT INTO rule_steps (rule_id, step_order, step_type, label, config, enabled,"
	" next_step_on_true, next_step_on_false)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_update[] =
	"UPDATE rule_steps SET step_type = ?, label = ?, config = ?, enabled = ?,"
	" next_step_on_true = ?, next_step_on_false = ? WHERE id = ? AND rule_id = ?";
static const char sql_delete[] =
	"DELETE FROM rule_steps WHERE id = ? AND rule_id = ?";
/* Ascending, so each row moves into the place the previous one left. */
static const char sql_close_gap[] =
	"UPDATE rule_steps FORCE INDEX (rule_steps_order) SET step_order = step_order - 1"
	" WHERE rule_id = ? AND step_order > ? ORDER BY step_order";
static const char sql_park[] =
	"UPDATE rule_steps FORCE INDEX (rule_steps_order) SET step_order = -step_order"
	" WHERE rule_id = ?";
static const char sql_place[] =
	"UPDATE rule_steps SET step_order = ? WHERE id = ? AND rule_id = ?";

/* The current row as step JSON; NULL (logged) when config is not an object. */
static json_t *steps__row(struct db_stmt *st)
{
	json_t *config, *on_true, *on_false;
	json_error_t jerr;
	size_t len;
	const char *text = db_col_text(st, 4, &len);

	config = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!json_is_object(config)) {
		LOG(LOG_ERR, "step %lld: config is not a JSON object",
		    (long long)db_col_int64(st, 0));
		json_decref(config);
		return NULL;
	}
	on_true = db_col_is_null(st, 7) ? json_null() : json_integer(db_col_int64(st, 7));
	on_false = db_col_is_null(st, 8) ? json_null() : json_integer(db_col_int64(st, 8));
	return json_pack("{s:I, s:I, s:s, s:s?, s:o, s:b, s:I, s:o, s:o, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "rule_id", (json_int_t)db_col_int64(st, 1),
			 "step_type", db_col_text(st, 2, NULL),
			 "label", db_col_text(st, 3, NULL),
			 "config_json", config,
			 "enabled", db_col_int64(st, 5) != 0,
			 "order", (json_int_t)db_col_int64(st, 6),
			 "next_step_on_true", on_true,
			 "next_step_on_false", on_false,
			 "created_at", db_col_text(st, 9, NULL),
			 "updated_at", db_col_text(st, 10, NULL));
}

/* Lock the rule's row: HERR_NOT_FOUND when there is no such rule. */
static enum herr steps__lock_rule(struct db *db, int64_t rule_id)
{
	return db_row(db, sql_lock_rule, "I", "-", rule_id);
}

/* Lock the step's row, one of the rule's, and read its position:
 * HERR_NOT_FOUND when the rule has no such step. */
static enum herr steps__order_of(struct db *db, int64_t rule_id, int64_t step_id,
				 int64_t *order)
{
	return db_row(db, sql_order_of, "II", "I", step_id, rule_id, order);
}

/* A jump must land on a step of the same rule (the foreign key alone
 * would accept any step): HERR_INVALID otherwise. */
static enum herr steps__check_jumps(struct db *db, int64_t rule_id, const struct step_fields *s)
{
	const int64_t targets[2] = {s->next_step_on_true, s->next_step_on_false};
	enum herr rc;

	for (size_t i = 0; i < 2; i++) {
		if (targets[i] <= 0)
			continue;
		rc = db_row(db, sql_jump_target, "II", "-", targets[i], rule_id);
		if (rc != HERR_OK)
			return rc == HERR_NOT_FOUND ? HERR_INVALID : rc;
	}
	return HERR_OK;
}

enum herr store_steps_list(struct db *db, int64_t rule_id, json_t *items)
{
	struct db_stmt *st = NULL;
	bool has_more;
	enum herr rc;

	if ((rc = db_query(db, &st, sql_list, "I", rule_id)) != HERR_OK)
		return rc;
	return store_rows_take_page(st, UINT_MAX, steps__row, items, &has_more);
}

enum herr store_steps_get(struct db *db, int64_t rule_id, int64_t step_id, bool lock,
			  json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_query(db, &st, lock ? sql_get_lock : sql_get, "II", step_id, rule_id)) !=
	    HERR_OK)
		return rc;
	return store_rows_take_one(st, steps__row, out);
}

/* HERR_NOT_FOUND when the rule does not exist; HERR_INVALID when a jump
 * names no step of this rule. */
enum herr store_steps_add(struct db *db, int64_t rule_id, const struct step_fields *s,
			  json_t **out)
{
	int64_t order = 0;
	enum herr rc;

	*out = NULL;
	if ((rc = steps__lock_rule(db, rule_id)) != HERR_OK)
		return rc;
	if ((rc = steps__check_jumps(db, rule_id, s)) != HERR_OK)
		return rc;
	if ((rc = db_row(db, sql_next_order, "I", "I", rule_id, &order)) != HERR_OK)
		return rc;
	rc = db_exec(db, sql_insert, "IIsssbJJ", rule_id, order, s->step_type, s->label,
		     s->config_json, s->enabled, s->next_step_on_true, s->next_step_on_false);
	if (rc != HERR_OK)
		return rc;
	/* Sets *out NULL when it fails. */
	return store_steps_get(db, rule_id, (int64_t)db_last_id(db), false, out);
}

/* Takes the step's whole new state (the caller merges a partial update);
 * its position is not touched.  HERR_NOT_FOUND when the step is not one of
 * this rule's; HERR_INVALID when a jump names no step of this rule. */
enum herr store_steps_update(struct db *db, int64_t rule_id, int64_t step_id,
			     const struct step_fields *s, json_t **out)
{
	enum herr rc;

	*out = NULL;
	/* The step's row locked; its position stays as it is. */
	if ((rc = db_row(db, sql_order_of, "II", "-", step_id, rule_id)) != HERR_OK)
		return rc;
	if ((rc = steps__check_jumps(db, rule_id, s)) != HERR_OK)
		return rc;
	rc = db_exec(db, sql_update, "sssbJJII", s->step_type, s->label, s->config_json,
		     s->enabled, s->next_step_on_true, s->next_step_on_false, step_id, rule_id);
	return rc == HERR_OK ? store_steps_get(db, rule_id, step_id, false, out) : rc;
}

/* Jumps that pointed at the step are cleared by the foreign key
 * (ON DELETE SET NULL). */
enum herr store_steps_delete(struct db *db, int64_t rule_id, int64_t step_id)
{
	int64_t order = 0;
	enum herr rc;

	if ((rc = steps__lock_rule(db, rule_id)) != HERR_OK ||
	    (rc = steps__order_of(db, rule_id, step_id, &order)) != HERR_OK ||
	    (rc = db_exec(db, sql_delete, "II", step_id, rule_id)) != HERR_OK)
		return rc;
	return db_exec(db, sql_close_gap, "II", rule_id, order);
}

/*
 * Every id of the rule's steps, in no particular order, into a new array
 * (*ids, freed by the caller).  The rule row must be locked, so that the
 * set cannot change before the caller is done with it.
 */
static enum herr steps__load_ids(struct db *db, int64_t rule_id, int64_t **ids, size_t *n)
{
	struct db_stmt *st = NULL;
	size_t cap = 0;
	enum herr rc;
	int r;

	*ids = NULL;
	*n = 0;
	if ((rc = db_query(db, &st, sql_ids, "I", rule_id)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			int64_t *grown = realloc(*ids, ncap * sizeof(**ids));

			if (!grown) {
				rc = HERR_NOMEM;
				goto out;
			}
			*ids = grown;
			cap = ncap;
		}
		(*ids)[(*n)++] = db_col_int64(st, 0);
	}
	if (r < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	if (rc != HERR_OK) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

/* Whether want names every id of have exactly once (both of length n). */
static bool steps__same_set(const int64_t *want, const int64_t *have, size_t n)
{
	/* Quadratic, but n is the rule's real number of steps (a few dozen),
	 * checked equal to the request's before we get here. */
	for (size_t i = 0; i < n; i++) {
		bool known = false;

		for (size_t j = 0; j < i; j++)
			if (want[j] == want[i])
				return false;
		for (size_t j = 0; j < n && !known; j++)
			known = have[j] == want[i];
		if (!known)
			return false;
	}
	return true;
}

/* HERR_NOT_FOUND when the rule does not exist. */
enum herr store_steps_reorder(struct db *db, int64_t rule_id, const int64_t *ids, size_t n)
{
	int64_t *have = NULL;
	size_t count = 0;
	enum herr rc;

	if ((rc = steps__lock_rule(db, rule_id)) != HERR_OK)
		goto out;
	if ((rc = steps__load_ids(db, rule_id, &have, &count)) != HERR_OK)
		goto out;
	if (count != n || !steps__same_set(ids, have, n)) {
		rc = HERR_INVALID;
		goto out;
	}
	if ((rc = db_exec(db, sql_park, "I", rule_id)) != HERR_OK)
		goto out;
	for (size_t i = 0; i < n && rc == HERR_OK; i++)
		rc = db_exec(db, sql_place, "III", (int64_t)i + 1, ids[i], rule_id);
out:
	free(have);
	return rc;
}
