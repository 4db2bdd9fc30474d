/*
 * Sensors.  config is stored as a JSON column and handed back as an object.
 */
#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"

#define SENSOR_COLUMNS \
	"id, name, sensor_type, room_id, source, external_id, enabled, config," \
	" DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ')"

/* Every filter is optional: a NULL parameter switches it off, so one static
 * statement serves every combination, keyset and offset pages alike. */
static const char sql_list[] =
	"SELECT " SENSOR_COLUMNS " FROM sensors"
	" WHERE id > ?"
	" AND (? IS NULL OR room_id = ?)"
	" AND (? IS NULL OR sensor_type = ?)"
	" AND (? IS NULL OR source = ?)"
	" ORDER BY id LIMIT ? OFFSET ?";
static const char sql_get[] =
	"SELECT " SENSOR_COLUMNS " FROM sensors WHERE id = ?";
static const char sql_get_lock[] =
	"SELECT " SENSOR_COLUMNS " FROM sensors WHERE id = ? FOR UPDATE";
static const char sql_insert[] =
	"INSERT INTO sensors (name, sensor_type, room_id, source, external_id, enabled, config)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_update[] =
	"UPDATE sensors SET name = ?, sensor_type = ?, room_id = ?, source = ?,"
	" external_id = ?, enabled = ?, config = ? WHERE id = ?";
static const char sql_delete[] =
	"DELETE FROM sensors WHERE id = ?";

/* The current row as sensor JSON; NULL (logged) when config is not an object. */
static json_t *sensors__row(struct db_stmt *st)
{
	json_t *config, *room;
	json_error_t jerr;
	size_t len;
	const char *text = db_col_text(st, 7, &len);

	config = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!json_is_object(config)) {
		LOG(LOG_ERR, "sensor %lld: config is not a JSON object",
		    (long long)db_col_int64(st, 0));
		json_decref(config);
		return NULL;
	}
	room = db_col_is_null(st, 3) ? json_null() : json_integer(db_col_int64(st, 3));
	return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s?, s:b, s:o, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "sensor_type", db_col_text(st, 2, NULL),
			 "room_id", room,
			 "source", db_col_text(st, 4, NULL),
			 "external_id", db_col_text(st, 5, NULL),
			 "enabled", db_col_int64(st, 6) != 0,
			 "config", config,
			 "created_at", db_col_text(st, 8, NULL),
			 "updated_at", db_col_text(st, 9, NULL));
}

/* Bind one optional filter to its two placeholders. */
static void sensors__bind_filter_text(struct db_stmt *st, unsigned idx, const char *v)
{
	db_bind_text(st, idx, v);
	db_bind_text(st, idx + 1, v);
}

enum herr store_sensors_list(struct db *db, const struct sensor_filter *f,
			     const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_list, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, pg->offset >= 0 ? 0 : pg->after_id);
	store_bind_id(st, 1, f->room_id);
	store_bind_id(st, 2, f->room_id);
	sensors__bind_filter_text(st, 3, f->sensor_type);
	sensors__bind_filter_text(st, 5, f->source);
	db_bind_int64(st, 7, (int64_t)pg->limit + 1);
	db_bind_int64(st, 8, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, sensors__row, items, has_more);
	db_done(st);
	return rc;
}

enum herr store_sensors_get(struct db *db, int64_t id, bool lock, json_t **out)
{
	return store_rows_get(db, lock ? sql_get_lock : sql_get, id, sensors__row, out);
}

/* The seven columns shared by INSERT and UPDATE, in that order. */
static void sensors__bind_fields(struct db_stmt *st, const struct sensor_fields *s)
{
	db_bind_text(st, 0, s->name);
	db_bind_text(st, 1, s->sensor_type);
	store_bind_id(st, 2, s->room_id);
	db_bind_text(st, 3, s->source);
	db_bind_text(st, 4, s->external_id);
	db_bind_bool(st, 5, s->enabled);
	db_bind_text(st, 6, s->config_json);
}

enum herr store_sensors_create(struct db *db, const struct sensor_fields *s, json_t **out)
{
	struct db_stmt *st = NULL;
	int64_t id = 0;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql_insert, &st)) != HERR_OK)
		goto out;
	sensors__bind_fields(st, s);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	id = (int64_t)db_insert_id(st);
out:
	db_done(st);
	return rc == HERR_OK ? store_sensors_get(db, id, false, out) : rc;
}

/* Takes the sensor's whole new state (the caller merges a partial update). */
enum herr store_sensors_update(struct db *db, int64_t id, const struct sensor_fields *s,
			       json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql_update, &st)) != HERR_OK)
		goto out;
	sensors__bind_fields(st, s);
	db_bind_int64(st, 7, id);
	rc = db_execute(st);
out:
	db_done(st);
	return rc == HERR_OK ? store_sensors_get(db, id, false, out) : rc;
}

enum herr store_sensors_delete(struct db *db, int64_t id)
{
	return store_rows_delete(db, sql_delete, id);
}
