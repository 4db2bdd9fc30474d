/*
 * What a rule hangs on: its contexts (filters) and its dependencies on
 * other rules.
 */
#include <limits.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"

/* How many rules the cycle check visits at most.  Far more than a home
 * will ever configure; past it the answer is "reachable", so a graph too
 * big to check is refused rather than risked. */
#define REACH_MAX_RULES 1000

#define CONTEXT_COLUMNS \
	"id, rule_id, context_type, config, negate," \
	" DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"

#define DEPENDENCY_COLUMNS \
	"d.id, d.rule_id, d.parent_rule_id, p.name, d.lookback_minutes, d.require_success," \
	" DATE_FORMAT(d.created_at, '%Y-%m-%dT%H:%i:%sZ')"

static const char sql_contexts_list[] =
	"SELECT " CONTEXT_COLUMNS " FROM rule_contexts WHERE rule_id = ? ORDER BY id";
static const char sql_contexts_get[] =
	"SELECT " CONTEXT_COLUMNS " FROM rule_contexts WHERE id = ?";
static const char sql_contexts_insert[] =
	"INSERT INTO rule_contexts (rule_id, context_type, config, negate) VALUES (?, ?, ?, ?)";
static const char sql_contexts_delete[] =
	"DELETE FROM rule_contexts WHERE id = ? AND rule_id = ?";

static const char sql_deps_list[] =
	"SELECT " DEPENDENCY_COLUMNS " FROM rule_dependencies d"
	" JOIN rules p ON p.id = d.parent_rule_id"
	" WHERE d.rule_id = ? ORDER BY d.id";
static const char sql_deps_get[] =
	"SELECT " DEPENDENCY_COLUMNS " FROM rule_dependencies d"
	" JOIN rules p ON p.id = d.parent_rule_id"
	" WHERE d.id = ?";
static const char sql_deps_insert[] =
	"INSERT INTO rule_dependencies (rule_id, parent_rule_id, lookback_minutes, require_success)"
	" VALUES (?, ?, ?, ?)";
static const char sql_deps_delete[] =
	"DELETE FROM rule_dependencies WHERE id = ? AND rule_id = ?";
/*
 * A locking read: inside a transaction it holds the scanned range of
 * (rule_id, ...) in the unique key, so two requests adding the two halves
 * of a cycle at once cannot both pass the check: one waits for the other,
 * or is chosen as the deadlock victim, and neither commits a cycle.
 */
static const char sql_deps_parents[] =
	"SELECT parent_rule_id FROM rule_dependencies WHERE rule_id = ? FOR UPDATE";

/* ---------------------------------------------------------------- contexts */

/* The current row as context JSON; NULL (logged) when config is not an object. */
static json_t *links__context_row(struct db_stmt *st)
{
	json_t *config;
	json_error_t jerr;
	size_t len;
	const char *text = db_col_text(st, 3, &len);

	config = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!json_is_object(config)) {
		LOG(LOG_ERR, "context %lld: config is not a JSON object",
		    (long long)db_col_int64(st, 0));
		json_decref(config);
		return NULL;
	}
	return json_pack("{s:I, s:I, s:s, s:o, s:b, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "rule_id", (json_int_t)db_col_int64(st, 1),
			 "context_type", db_col_text(st, 2, NULL),
			 "config", config,
			 "negate", db_col_int64(st, 4) != 0,
			 "created_at", db_col_text(st, 5, NULL));
}

/* Every row of a per-rule list statement (one placeholder: rule_id). */
static enum herr links__list(struct db *db, const char *sql, int64_t rule_id,
			     store_row_fn row, json_t *items)
{
	struct db_stmt *st = NULL;
	bool has_more;
	enum herr rc;

	if ((rc = db_prepare(db, sql, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, rule_id);
	/* A rule has a handful of each; no page needed. */
	rc = store_rows_page(st, UINT_MAX, row, items, &has_more);
	db_done(st);
	return rc;
}

/* Delete by (id, rule_id): HERR_NOT_FOUND unless the row is this rule's. */
static enum herr links__delete(struct db *db, const char *sql, int64_t rule_id, int64_t id)
{
	enum herr rc = db_exec(db, sql, "II", id, rule_id);

	return rc == HERR_OK && db_changes(db) == 0 ? HERR_NOT_FOUND : rc;
}

enum herr store_contexts_list(struct db *db, int64_t rule_id, json_t *items)
{
	return links__list(db, sql_contexts_list, rule_id, links__context_row, items);
}

/* HERR_NOT_FOUND when the rule does not exist (its only foreign key). */
enum herr store_contexts_add(struct db *db, int64_t rule_id, const char *context_type,
			     const char *config_json, bool negate, json_t **out)
{
	enum herr rc = db_exec(db, sql_contexts_insert, "Issb", rule_id, context_type, config_json,
			       negate);

	*out = NULL;
	if (rc == HERR_INVALID)
		return HERR_NOT_FOUND;
	if (rc != HERR_OK)
		return rc;
	return store_rows_get(db, sql_contexts_get, (int64_t)db_last_id(db), links__context_row,
			      out);
}

enum herr store_contexts_delete(struct db *db, int64_t rule_id, int64_t ctx_id)
{
	return links__delete(db, sql_contexts_delete, rule_id, ctx_id);
}

/* ---------------------------------------------------------------- dependencies */

static json_t *links__dependency_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:I, s:b, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "rule_id", (json_int_t)db_col_int64(st, 1),
			 "parent_rule_id", (json_int_t)db_col_int64(st, 2),
			 "parent_rule_name", db_col_text(st, 3, NULL),
			 "lookback_minutes", (json_int_t)db_col_int64(st, 4),
			 "require_success", db_col_int64(st, 5) != 0,
			 "created_at", db_col_text(st, 6, NULL));
}

enum herr store_dependencies_list(struct db *db, int64_t rule_id, json_t *items)
{
	return links__list(db, sql_deps_list, rule_id, links__dependency_row, items);
}

/* Also HERR_INVALID for a rule naming itself as parent (the table's CHECK
 * would refuse it with a less telling error) or a rule_id that does not
 * exist; the caller checks that one first to answer 404. */
enum herr store_dependencies_add(struct db *db, int64_t rule_id, int64_t parent_rule_id,
				 int64_t lookback_minutes, bool require_success, json_t **out)
{
	enum herr rc;

	*out = NULL;
	if (rule_id == parent_rule_id)
		return HERR_INVALID;
	rc = db_exec(db, sql_deps_insert, "IIIb", rule_id, parent_rule_id, lookback_minutes,
		     require_success);
	if (rc != HERR_OK)
		return rc;
	return store_rows_get(db, sql_deps_get, (int64_t)db_last_id(db), links__dependency_row,
			      out);
}

enum herr store_dependencies_delete(struct db *db, int64_t rule_id, int64_t dep_id)
{
	return links__delete(db, sql_deps_delete, rule_id, dep_id);
}

/* Append rule's parents not seen yet to the walk's queue (which doubles
 * as the visited set); *found when one of them is ancestor. */
static enum herr links__expand(struct db *db, int64_t rule, int64_t ancestor, int64_t *queue,
			       size_t *len, bool *found, bool *overflow)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	if ((rc = db_query(db, &st, sql_deps_parents, "I", rule)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		int64_t parent = db_col_int64(st, 0);
		bool seen = false;

		if (parent == ancestor) {
			*found = true;
			goto out;
		}
		for (size_t i = 0; i < *len && !seen; i++)
			seen = queue[i] == parent;
		if (seen)
			continue;
		if (*len == REACH_MAX_RULES) {
			*overflow = true;
			goto out;
		}
		queue[(*len)++] = parent;
	}
	if (r < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	return rc;
}

/*
 * Breadth-first over parent links, one indexed query per rule visited.
 * rule_id == ancestor counts as reachable (the empty path): for the cycle
 * check that is a rule depending on itself.
 */
enum herr store_dependencies_reaches(struct db *db, int64_t rule_id, int64_t ancestor,
				     bool *found)
{
	int64_t queue[REACH_MAX_RULES];
	size_t len = 0;
	bool overflow = false;
	enum herr rc = HERR_OK;

	*found = rule_id == ancestor;
	if (*found)
		return HERR_OK;
	queue[len++] = rule_id;
	for (size_t head = 0; head < len && !*found && !overflow; head++) {
		rc = links__expand(db, queue[head], ancestor, queue, &len, found, &overflow);
		if (rc != HERR_OK)
			return rc;
	}
	if (overflow && !*found) {
		LOG(LOG_WARNING, "rule %lld: more than %d rules above it; treating %lld as reachable",
		    (long long)rule_id, REACH_MAX_RULES, (long long)ancestor);
		*found = true;
	}
	return HERR_OK;
}
