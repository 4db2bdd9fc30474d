/*
 * Rooms.  sensor_count is computed on read (a subquery on the indexed
 * sensors.room_id), so it can never drift from the sensors table.
 * ha_area_id and ha_missing are the Home Assistant sync's (store/ha.c):
 * shown, never changed through the rooms API.
 */
#include "db.h"
#include "rows.h"
#include "store.h"

#define ROOM_COLUMNS \
	"r.id, r.name, r.description," \
	" (SELECT COUNT(*) FROM sensors s WHERE s.room_id = r.id)," \
	" DATE_FORMAT(r.created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(r.updated_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" r.ha_area_id, r.ha_missing_since IS NOT NULL"

/* Keyset and offset pages share one statement: keyset binds (after_id,
 * limit + 1, 0), offset mode binds (0, limit + 1, offset). */
static const char sql_list[] =
	"SELECT " ROOM_COLUMNS " FROM rooms r WHERE r.id > ? ORDER BY r.id LIMIT ? OFFSET ?";
static const char sql_get[] =
	"SELECT " ROOM_COLUMNS " FROM rooms r WHERE r.id = ?";
static const char sql_get_lock[] =
	"SELECT " ROOM_COLUMNS " FROM rooms r WHERE r.id = ? FOR UPDATE";
static const char sql_insert[] =
	"INSERT INTO rooms (name, description) VALUES (?, ?)";
static const char sql_update[] =
	"UPDATE rooms SET name = COALESCE(?, name), description = ? WHERE id = ?";
static const char sql_count_sensors[] =
	"SELECT COUNT(*) FROM sensors WHERE room_id = ?";
static const char sql_delete[] =
	"DELETE FROM rooms WHERE id = ?";

/* The current row as room JSON; NULL when out of memory. */
static json_t *rooms__row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s?, s:I, s:s, s:s, s:s?, s:b}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "description", db_col_text(st, 2, NULL),
			 "sensor_count", (json_int_t)db_col_int64(st, 3),
			 "created_at", db_col_text(st, 4, NULL),
			 "updated_at", db_col_text(st, 5, NULL),
			 "ha_area_id", db_col_text(st, 6, NULL),
			 "ha_missing", db_col_int64(st, 7) != 0);
}

enum herr store_rooms_list(struct db *db, const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_list, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, pg->offset >= 0 ? 0 : pg->after_id);
	db_bind_int64(st, 1, (int64_t)pg->limit + 1);
	db_bind_int64(st, 2, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, rooms__row, items, has_more);
	db_done(st);
	return rc;
}

enum herr store_rooms_get(struct db *db, int64_t id, bool lock, json_t **out)
{
	return store_rows_get(db, lock ? sql_get_lock : sql_get, id, rooms__row, out);
}

enum herr store_rooms_create(struct db *db, const char *name, const char *description,
			     json_t **out)
{
	enum herr rc = db_exec(db, sql_insert, "ss", name, description);

	*out = NULL;
	return rc == HERR_OK ? store_rooms_get(db, (int64_t)db_last_id(db), false, out) : rc;
}

/*
 * Takes the room's new state: the caller merges a partial update with the
 * current row.  name NULL keeps the name; description NULL clears it.
 * No affected-rows test: an update that changes nothing is still a
 * success; the read tells whether the room exists.
 */
enum herr store_rooms_update(struct db *db, int64_t id, const char *name,
			     const char *description, json_t **out)
{
	enum herr rc = db_exec(db, sql_update, "ssI", name, description, id);

	*out = NULL;
	return rc == HERR_OK ? store_rooms_get(db, id, false, out) : rc;
}

static enum herr rooms__count_sensors(struct db *db, int64_t id, int64_t *count)
{
	*count = 0;
	return db_row(db, sql_count_sensors, "I", "I", id, count);
}

/*
 * Counting first gives the caller a number to show; the foreign key
 * (ON DELETE RESTRICT) still refuses the delete if a sensor arrives in
 * between, and then we count again.
 */
enum herr store_rooms_delete(struct db *db, int64_t id, int64_t *sensor_count)
{
	enum herr rc;

	if ((rc = rooms__count_sensors(db, id, sensor_count)) != HERR_OK)
		return rc;
	if (*sensor_count > 0)
		return HERR_CONFLICT;
	rc = store_rows_delete(db, sql_delete, id);
	if (rc == HERR_CONFLICT && rooms__count_sensors(db, id, sensor_count) == HERR_OK &&
	    *sensor_count == 0)
		*sensor_count = 1;
	return rc;
}
