/*
 * Zones of a camera's picture (see zones.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store/zones.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define ZONE_COLUMNS \
	"id, camera_id, name, zone_type, polygon, enabled," \
	" DATE_FORMAT(created_at, " TIME_FMT "), DATE_FORMAT(updated_at, " TIME_FMT ")"

const char *const zone_types[] = {"entry_point", "restricted", "driveway", "walkway",
				  "perimeter", "other", NULL};

static const char sql_list[] =
	"SELECT " ZONE_COLUMNS " FROM zones WHERE camera_id = ? ORDER BY id";
static const char sql_get[] = "SELECT " ZONE_COLUMNS " FROM zones WHERE id = ?";
static const char sql_get_lock[] = "SELECT id FROM zones WHERE id = ? FOR UPDATE";
static const char sql_insert[] =
	"INSERT INTO zones (camera_id, name, zone_type, polygon, enabled) VALUES (?, ?, ?, ?, ?)";
static const char sql_update[] =
	"UPDATE zones SET name = ?, zone_type = ?, polygon = ?, enabled = ? WHERE id = ?";
static const char sql_delete[] = "DELETE FROM zones WHERE id = ?";
static const char sql_enabled[] =
	"SELECT id, zone_type, polygon FROM zones WHERE camera_id = ? AND enabled ORDER BY id";

bool zone_polygon_contains(const json_t *polygon, double x, double y)
{
	size_t n = json_array_size(polygon);
	bool inside = false;

	if (n < ZONE_POINTS_MIN)
		return false;
	for (size_t i = 0, j = n - 1; i < n; j = i++) {
		const json_t *a = json_array_get(polygon, i), *b = json_array_get(polygon, j);
		double ax = json_number_value(json_object_get(a, "x"));
		double ay = json_number_value(json_object_get(a, "y"));
		double bx = json_number_value(json_object_get(b, "x"));
		double by = json_number_value(json_object_get(b, "y"));

		if ((ay > y) != (by > y) && x < (bx - ax) * (y - ay) / (by - ay) + ax)
			inside = !inside;
	}
	return inside;
}

/* A JSON column as a new value; NULL (logged) when it does not parse. */
static json_t *zones__json(struct db_stmt *st, unsigned idx)
{
	size_t len = 0;
	const char *text = db_col_text(st, idx, &len);
	json_t *v = text ? json_loadb(text, len, 0, NULL) : NULL;

	if (!v)
		LOG(LOG_ERR, "zone %" PRId64 ": polygon does not parse", db_col_int64(st, 0));
	return v;
}

static json_t *zones__row(struct db_stmt *st)
{
	json_t *polygon = zones__json(st, 4);

	if (!polygon)
		return NULL;
	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:b, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "camera_id", (json_int_t)db_col_int64(st, 1),
			 "name", db_col_text(st, 2, NULL),
			 "zone_type", db_col_text(st, 3, NULL),
			 "polygon", polygon,
			 "enabled", db_col_int64(st, 5) != 0,
			 "created_at", db_col_text(st, 6, NULL),
			 "updated_at", db_col_text(st, 7, NULL));
}

enum herr store_zones_list(struct db *db, int64_t camera_id, json_t *items)
{
	struct db_stmt *st = NULL;
	bool more = false;
	enum herr e;

	if ((e = db_prepare(db, sql_list, &st)) != HERR_OK)
		return e;
	db_bind_int64(st, 0, camera_id);
	/* At most a few dozen per camera: one page holds them all. */
	e = store_rows_page(st, 100000, zones__row, items, &more);
	db_done(st);
	return e;
}

enum herr store_zones_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, zones__row, out);
}

enum herr store_zones_create(struct db *db, int64_t camera_id, const struct zone_fields *f,
			     int64_t *id)
{
	enum herr e = db_exec(db, sql_insert, "Isssb", camera_id, f->name, f->zone_type,
			      f->polygon_json, f->enabled);

	*id = e == HERR_OK ? (int64_t)db_last_id(db) : 0;
	return e;
}

enum herr store_zones_update(struct db *db, int64_t id, const struct zone_fields *f)
{
	/* The row first: an UPDATE that changes nothing reports no row. */
	enum herr e = db_row(db, sql_get_lock, "I", "", id);

	if (e != HERR_OK)
		return e;
	return db_exec(db, sql_update, "sssbI", f->name, f->zone_type, f->polygon_json, f->enabled,
		       id);
}

enum herr store_zones_delete(struct db *db, int64_t id)
{
	return store_rows_delete(db, sql_delete, id);
}

enum herr store_zones_find_point(struct db *db, int64_t camera_id, double x, double y,
				 int64_t *zone_id, char *zone_type, size_t typesz)
{
	struct db_stmt *st = NULL;
	enum herr e;
	int rc;

	*zone_id = 0;
	if (typesz > 0)
		zone_type[0] = '\0';
	if ((e = db_query(db, &st, sql_enabled, "I", camera_id)) != HERR_OK)
		return e;
	e = HERR_NOT_FOUND;
	while ((rc = db_fetch(st)) == 1) {
		json_t *polygon = zones__json(st, 2);
		bool in = zone_polygon_contains(polygon, x, y);

		json_decref(polygon);
		if (in) {
			*zone_id = db_col_int64(st, 0);
			store_col_copy(st, 1, zone_type, typesz);
			e = HERR_OK;
			break;
		}
	}
	if (rc < 0)
		e = HERR_INTERNAL;
	db_done(st);
	return e;
}
