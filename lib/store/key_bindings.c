/* API keys bound to sensors (store/key_bindings.h). */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store/key_bindings.h"
#include "validate.h"

static const char sql_target[] =
	"SELECT sensor_type = 'camera' FROM sensors WHERE id = ?";
static const char sql_mark_bound[] =
	"UPDATE api_keys SET bound = TRUE WHERE id = ?";
static const char sql_bind[] =
	"INSERT IGNORE INTO api_key_sensors (key_id, sensor_id) VALUES (?, ?)";
static const char sql_allows[] =
	"SELECT k.bound, EXISTS (SELECT 1 FROM api_key_sensors b"
	" WHERE b.key_id = k.id AND b.sensor_id = ?)"
	" FROM api_keys k WHERE k.id = ?";
static const char sql_bound[] =
	"SELECT bound FROM api_keys WHERE id = ?";
static const char sql_of_type[] =
	"SELECT b.sensor_id FROM api_key_sensors b JOIN sensors s ON s.id = b.sensor_id"
	" WHERE b.key_id = ? AND (? IS NULL OR s.sensor_type = ?) ORDER BY b.sensor_id";

enum herr store_key_binding_target(struct db *db, int64_t sensor_id,
				   enum key_binding_target *out)
{
	bool camera = false;
	enum herr rc = db_row(db, sql_target, "I", "b", sensor_id, &camera);

	*out = KEY_BINDING_NONE;
	if (rc == HERR_NOT_FOUND)
		return HERR_OK;
	if (rc == HERR_OK)
		*out = camera ? KEY_BINDING_CAMERA : KEY_BINDING_SENSOR;
	return rc;
}

enum herr store_key_bindings_set(struct db *db, int64_t key_id, const int64_t *ids, size_t n)
{
	enum herr rc = db_exec(db, sql_mark_bound, "I", key_id);

	for (size_t i = 0; rc == HERR_OK && i < n; i++)
		rc = db_exec(db, sql_bind, "II", key_id, ids[i]);
	return rc;
}

enum herr store_key_bindings_allows(struct db *db, int64_t key_id, int64_t sensor_id,
				    bool *bound, bool *allowed)
{
	bool is_bound = false, has = false;
	enum herr rc = db_row(db, sql_allows, "II", "bb", sensor_id, key_id, &is_bound, &has);

	*bound = rc == HERR_OK && is_bound;
	*allowed = rc == HERR_OK && (!is_bound || has);
	return rc;
}

enum herr store_key_bindings_of_type(struct db *db, int64_t key_id, const char *type,
				     int64_t *ids, size_t cap, size_t *n, bool *bound)
{
	struct db_stmt *st;
	bool is_bound = false;
	enum herr rc;
	int r;

	*n = 0;
	*bound = false;
	if ((rc = db_row(db, sql_bound, "I", "b", key_id, &is_bound)) != HERR_OK)
		return rc;
	if (!is_bound)
		return HERR_OK;
	*bound = true;
	if ((rc = db_query(db, &st, sql_of_type, "Iss", key_id, type, type)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		if (*n < cap)
			ids[*n] = db_col_int64(st, 0);
		(*n)++;
	}
	db_done(st);
	return r == 0 ? HERR_OK : HERR_INTERNAL;
}

json_t *store_key_bindings_ids_json(const char *csv)
{
	json_t *ids = json_array();
	char buf[24];

	while (ids && csv && *csv) {
		size_t len = strcspn(csv, ",");
		int64_t id;

		if (len > 0 && len < sizeof(buf)) {
			memcpy(buf, csv, len);
			buf[len] = '\0';
			if (parse_int64(buf, &id) == 0 &&
			    json_array_append_new(ids, json_integer(id)) != 0) {
				json_decref(ids);
				return NULL;
			}
		}
		csv += len;
		csv += *csv == ',';
	}
	return ids;
}
