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
	struct db_stmt *st = NULL;
	json_error_t jerr;
	const char *text;
	size_t len = 0;
	enum herr rc;
	int r;

	*out = NULL;
	if ((rc = db_prepare(db, for_update ? sql_get_lock : sql_get, &st)) != HERR_OK)
		goto out;
	db_bind_text(st, 0, name);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	if ((r = db_fetch(st)) != 1) {
		rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		goto out;
	}
	text = db_col_text(st, 0, &len);
	/* The column is CHECK (JSON_VALID), but only an object is a document:
	 * anything else (edited by hand) reads as an error, not as defaults. */
	*out = text ? json_loadb(text, len, 0, &jerr) : NULL;
	if (!json_is_object(*out)) {
		LOG(LOG_ERR, "settings %s: stored value is not a JSON object", name);
		json_decref(*out);
		*out = NULL;
		rc = HERR_INTERNAL;
	}
out:
	db_done(st);
	return rc;
}

enum herr store_settings_put(struct db *db, const char *name, const json_t *value)
{
	struct db_stmt *st = NULL;
	char *text = NULL;
	enum herr rc;

	if (!json_is_object(value))
		return HERR_INVALID;
	if (!(text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS)))
		return HERR_NOMEM;
	if ((rc = db_prepare(db, sql_put, &st)) != HERR_OK)
		goto out;
	db_bind_text(st, 0, name);
	db_bind_text(st, 1, text);
	rc = db_execute(st);
out:
	db_done(st);
	free(text);
	return rc;
}

enum herr store_settings_delete(struct db *db, const char *name)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_delete, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, name);
	rc = db_execute(st);
	db_done(st);
	return rc;
}
