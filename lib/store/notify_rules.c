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

/* The channels column's text (NULL for SQL NULL) as an array; a damaged
 * value reads as none.  NULL only when out of memory. */
static json_t *notify_rules__channels(const char *text)
{
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
			 "channels", notify_rules__channels(db_col_text(st, 1, NULL)),
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
	char *channels = NULL;
	int64_t escalation = 0, repeat = 0;
	enum herr rc;

	memset(r, 0, sizeof(*r));
	rc = db_row(db, sql_get, "s", "smbssII", level, r->level, sizeof(r->level), &channels,
		    &r->quiet_enabled, r->quiet_start, sizeof(r->quiet_start), r->quiet_end,
		    sizeof(r->quiet_end), &escalation, &repeat);
	if (rc == HERR_OK) {
		r->escalation_minutes = (unsigned)escalation;
		r->repeat_count = (unsigned)repeat;
		if (!(r->channels = notify_rules__channels(channels)))
			rc = HERR_NOMEM;
	}
	free(channels);
	if (rc != HERR_OK)
		notify_rule_clear(r);
	return rc;
}

enum herr store_notify_rule_put(struct db *db, const struct notify_rule *r)
{
	char *channels = json_dumps(r->channels, JSON_COMPACT);
	enum herr rc;

	if (!channels)
		return HERR_NOMEM;
	rc = db_exec(db, sql_put, "sbssIIs", channels, r->quiet_enabled, r->quiet_start,
		     r->quiet_end, (int64_t)r->escalation_minutes, (int64_t)r->repeat_count,
		     r->level);
	/* An UPDATE that changes nothing affects no row: tell a missing level
	 * apart by looking. */
	if (rc == HERR_OK && db_changes(db) == 0) {
		json_t *probe = NULL;

		rc = store_notify_rule_get_json(db, r->level, &probe);
		json_decref(probe);
	}
	free(channels);
	return rc;
}
