/*
 * The settings table: one JSON document per name.  The documents are
 * small and read whole; what a field means, and its default, belongs to
 * the handler or program that reads the name.
 */
#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "store/settings.h"

static const char sql_get[] =
	"SELECT value FROM settings WHERE name = ?";
static const char sql_get_lock[] =
	"SELECT value FROM settings WHERE name = ? FOR UPDATE";
static const char sql_put[] =
	"INSERT INTO settings (name, value) VALUES (?, ?)"
	" ON DUPLICATE KEY UPDATE value = VALUES(value)";
static const char sql_delete[] =
	"DELETE FROM settings WHERE name = ?";

enum herr store_settings_get(struct db *db, const char *name, bool for_update, json_t **out)
{
	json_error_t jerr;
	char *text = NULL;
	enum herr rc;

	*out = NULL;
	rc = db_row(db, for_update ? sql_get_lock : sql_get, "s", "m", name, &text);
	if (rc != HERR_OK)
		goto out;
	/* The column is CHECK (JSON_VALID), but only an object is a document:
	 * anything else (edited by hand) reads as an error, not as defaults. */
	*out = text ? json_loads(text, 0, &jerr) : NULL;
	if (!json_is_object(*out)) {
		LOG(LOG_ERR, "settings %s: stored value is not a JSON object", name);
		json_decref(*out);
		*out = NULL;
		rc = HERR_INTERNAL;
	}
out:
	free(text);
	return rc;
}

enum herr store_settings_put(struct db *db, const char *name, const json_t *value)
{
	char *text = NULL;
	enum herr rc;

	if (!json_is_object(value))
		return HERR_INVALID;
	if (!(text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS)))
		return HERR_NOMEM;
	rc = db_exec(db, sql_put, "ss", name, text);
	free(text);
	return rc;
}

enum herr store_settings_delete(struct db *db, const char *name)
{
	return db_exec(db, sql_delete, "s", name);
}
