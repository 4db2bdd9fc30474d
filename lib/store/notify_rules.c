/*
 * Notification routing per alert level.  The four rows exist from the
 * migration on; the API only ever rewrites them.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rows.h"
#include "notify_rules.h"

#define COLUMNS \
	"level, channels, quiet_hours_enabled, quiet_start, quiet_end, escalation_minutes," \
	" repeat_count, DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ')"

static const char sql_list[] =
	"SELECT " COLUMNS " FROM notification_rules"
	" ORDER BY FIELD(level, 'emergency', 'warning', 'info', 'reminder')";
static const char sql_get[] =
	"SELECT " COLUMNS " FROM notification_rules WHERE level = ?";
static const char sql_put[] =
	"UPDATE notification_rules SET channels = ?, quiet_hours_enabled = ?, quiet_start = ?,"
	" quiet_end = ?, escalation_minutes = ?, repeat_count = ?,"
	" updated_at = CURRENT_TIMESTAMP(3) WHERE level = ?";

void notify_rule_clear(struct notify_rule *r)
{
	json_decref(r->channels);
	r->channels = NULL;
}

/* The channels column, an array; a damaged value reads as none. */
static json_t *notify_rules__channels(struct db_stmt *st)
{
	const char *text = db_col_text(st, 1, NULL);
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	if (json_is_array(v))
		return v;
	json_decref(v);
	return json_array();
}

static json_t *notify_rules__row(struct db_stmt *st)
{
	return json_pack("{s:s, s:o, s:{s:b, s:s, s:s}, s:I, s:I, s:s}",
			 "level", db_col_text(st, 0, NULL),
			 "channels", notify_rules__channels(st),
			 "quiet_hours",
			 "enabled", db_col_int64(st, 2) != 0,
			 "start", db_col_text(st, 3, NULL),
			 "end", db_col_text(st, 4, NULL),
			 "escalation_minutes", (json_int_t)db_col_int64(st, 5),
			 "repeat_count", (json_int_t)db_col_int64(st, 6),
			 "updated_at", db_col_text(st, 7, NULL));
}

enum herr store_notify_rules_list(struct db *db, json_t **items)
{
	struct db_stmt *st = NULL;
	bool more = false;
	enum herr rc;

	if (!(*items = json_array()))
		return HERR_NOMEM;
	if ((rc = db_prepare(db, sql_list, &st)) != HERR_OK)
		goto out;
	rc = store_rows_page(st, 16, notify_rules__row, *items, &more);
out:
	db_done(st);
	if (rc != HERR_OK) {
		json_decref(*items);
		*items = NULL;
	}
	return rc;
}

enum herr store_notify_rule_get_json(struct db *db, const char *level, json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql_get, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, level);
	rc = store_rows_one(st, notify_rules__row, out);
	db_done(st);
	return rc;
}

enum herr store_notify_rule_get(struct db *db, const char *level, struct notify_rule *r)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	memset(r, 0, sizeof(*r));
	if ((rc = db_prepare(db, sql_get, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, level);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	switch (db_fetch(st)) {
	case 1:
		break;
	case 0:
		rc = HERR_NOT_FOUND;
		goto out;
	default:
		rc = HERR_INTERNAL;
		goto out;
	}
	store_col_copy(st, 0, r->level, sizeof(r->level));
	r->channels = notify_rules__channels(st);
	r->quiet_enabled = db_col_int64(st, 2) != 0;
	store_col_copy(st, 3, r->quiet_start, sizeof(r->quiet_start));
	store_col_copy(st, 4, r->quiet_end, sizeof(r->quiet_end));
	r->escalation_minutes = (unsigned)db_col_int64(st, 5);
	r->repeat_count = (unsigned)db_col_int64(st, 6);
	if (!r->channels)
		rc = HERR_NOMEM;
out:
	db_done(st);
	if (rc != HERR_OK)
		notify_rule_clear(r);
	return rc;
}

enum herr store_notify_rule_put(struct db *db, const struct notify_rule *r)
{
	struct db_stmt *st = NULL;
	char *channels = json_dumps(r->channels, JSON_COMPACT);
	enum herr rc;

	if (!channels)
		return HERR_NOMEM;
	if ((rc = db_prepare(db, sql_put, &st)) != HERR_OK)
		goto out;
	db_bind_text(st, 0, channels);
	db_bind_bool(st, 1, r->quiet_enabled);
	db_bind_text(st, 2, r->quiet_start);
	db_bind_text(st, 3, r->quiet_end);
	db_bind_int64(st, 4, r->escalation_minutes);
	db_bind_int64(st, 5, r->repeat_count);
	db_bind_text(st, 6, r->level);
	rc = db_execute(st);
	/* An UPDATE that changes nothing affects no row: tell a missing level
	 * apart by looking. */
	if (rc == HERR_OK && db_affected_rows(st) == 0) {
		json_t *probe = NULL;

		db_done(st);
		st = NULL;
		rc = store_notify_rule_get_json(db, r->level, &probe);
		json_decref(probe);
	}
out:
	db_done(st);
	free(channels);
	return rc;
}
