/*
 * Cameras: a sensors row of type camera plus its cameras row, and the
 * snapshots taken of them (media rows of kind snapshot).  See cameras.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"
#include "store/cameras.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define CAM_STR_(x) #x
#define CAM_STR(x) CAM_STR_(x)

/* A camera sensor made through /sensors may have no cameras row yet. */
#define CAMERA_FROM \
	" FROM sensors s LEFT JOIN cameras c ON c.sensor_id = s.id WHERE s.sensor_type = 'camera'"
#define CAMERA_COLUMNS \
	"s.id, s.name, s.room_id, s.enabled, s.config, COALESCE(c.status, 'offline')," \
	" DATE_FORMAT(c.last_seen_at, " TIME_FMT "), c.last_error," \
	" COALESCE(c.incoming_dir, CAST(s.id AS CHAR))," \
	" DATE_FORMAT(s.created_at, " TIME_FMT "), DATE_FORMAT(s.updated_at, " TIME_FMT ")"

static const char sql_get[] = "SELECT " CAMERA_COLUMNS CAMERA_FROM " AND s.id = ?";
static const char sql_get_lock[] =
	"SELECT " CAMERA_COLUMNS CAMERA_FROM " AND s.id = ? FOR UPDATE";
static const char sql_list[] =
	"SELECT " CAMERA_COLUMNS CAMERA_FROM " AND s.id > ?"
	" AND (? IS NULL OR s.room_id = ?)"
	" AND (? IS NULL OR COALESCE(c.status, 'offline') = ?)"
	" ORDER BY s.id LIMIT ? OFFSET ?";
static const char sql_sensor_insert[] =
	"INSERT INTO sensors (name, sensor_type, room_id, source, enabled, config)"
	" VALUES (?, 'camera', ?, 'manual', ?, ?)";
static const char sql_sensor_update[] =
	"UPDATE sensors SET name = ?, room_id = ?, enabled = ?, config = ?"
	" WHERE id = ? AND sensor_type = 'camera'";
/* Plain INSERT or UPDATE, never an upsert: ON DUPLICATE KEY would fire on
 * another camera's incoming_dir and change that row instead. */
static const char sql_row_exists[] = "SELECT 1 FROM cameras WHERE sensor_id = ? FOR UPDATE";
static const char sql_row_insert[] = "INSERT INTO cameras (sensor_id, incoming_dir) VALUES (?, ?)";
static const char sql_row_update[] = "UPDATE cameras SET incoming_dir = ? WHERE sensor_id = ?";
static const char sql_delete[] = "DELETE FROM sensors WHERE id = ? AND sensor_type = 'camera'";
static const char sql_enabled_ids[] =
	"SELECT id FROM sensors WHERE sensor_type = 'camera' AND enabled AND id > ?"
	" ORDER BY id LIMIT ?";
/* INSERT ... SELECT: only a camera sensor gets a cameras row. */
static const char sql_seen[] =
	"INSERT INTO cameras (sensor_id, status, last_seen_at, last_error)"
	" SELECT id, 'online', NOW(3), NULL FROM sensors WHERE id = ? AND sensor_type = 'camera'"
	" ON DUPLICATE KEY UPDATE status = 'online', last_seen_at = NOW(3), last_error = NULL";
static const char sql_failed[] =
	"INSERT INTO cameras (sensor_id, status, last_error)"
	" SELECT id, 'error', LEFT(?, " CAM_STR(CAMERA_ERROR_MAX) ") FROM sensors"
	" WHERE id = ? AND sensor_type = 'camera'"
	" ON DUPLICATE KEY UPDATE status = 'error', last_error = VALUES(last_error)";

#define SNAPSHOT_COLUMNS \
	"id, camera_id, camera_name, size_bytes, width, height," \
	" DATE_FORMAT(taken_at, " TIME_FMT "), CONCAT('/api/v1/snapshots/', id, '/image')"

static const char sql_snap_get[] =
	"SELECT " SNAPSHOT_COLUMNS " FROM media WHERE id = ? AND kind = 'snapshot'";
/* media_camera (kind, camera_id, id) and media_kind (kind, id) serve it. */
static const char sql_snap_list[] =
	"SELECT " SNAPSHOT_COLUMNS " FROM media WHERE kind = 'snapshot' AND id < ?"
	" AND (? IS NULL OR camera_id = ?)"
	" AND (? IS NULL OR taken_at >= ?)"
	" AND (? IS NULL OR taken_at < ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";
static const char sql_snap_latest[] =
	"SELECT id FROM media WHERE kind = 'snapshot' AND camera_id = ? ORDER BY id DESC LIMIT 1";

/* ---------------------------------------------------------------- helpers */

bool camera_incoming_dir_ok(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		char ch = s[n];

		if (n >= CAMERA_INCOMING_MAX - 1 ||
		    !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return n > 0;
}

static json_t *cameras__opt_int(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

/* config column as an object; NULL (logged) otherwise. */
static json_t *cameras__config(struct db_stmt *st, unsigned idx)
{
	size_t len = 0;
	const char *text = db_col_text(st, idx, &len);
	json_t *v = text ? json_loadb(text, len, 0, NULL) : NULL;

	if (!json_is_object(v)) {
		LOG(LOG_ERR, "camera %" PRId64 ": config is not a JSON object", db_col_int64(st, 0));
		json_decref(v);
		return NULL;
	}
	return v;
}

/* The URLs as stored, credentials included: see cameras.h. */
static json_t *cameras__row(struct db_stmt *st)
{
	json_t *config = cameras__config(st, 4), *out;

	if (!config)
		return NULL;
	out = json_pack("{s:I, s:s, s:o, s:b, s:s?, s:s?, s:s, s:s?, s:s?, s:s, s:s, s:s}",
			"id", (json_int_t)db_col_int64(st, 0),
			"name", db_col_text(st, 1, NULL),
			"room_id", cameras__opt_int(st, 2),
			"enabled", db_col_int64(st, 3) != 0,
			"snapshot_url", json_string_value(json_object_get(config, "snapshot_url")),
			"stream_url", json_string_value(json_object_get(config, "stream_url")),
			"status", db_col_text(st, 5, NULL),
			"last_seen_at", db_col_text(st, 6, NULL),
			"last_error", db_col_text(st, 7, NULL),
			"incoming_dir", db_col_text(st, 8, NULL),
			"created_at", db_col_text(st, 9, NULL),
			"updated_at", db_col_text(st, 10, NULL));
	json_decref(config);
	return out;
}

/* Write the cameras row of id with its incoming folder (NULL = the id);
 * HERR_CONFLICT when another camera has that folder. */
static enum herr cameras__put_row(struct db *db, int64_t id, const char *incoming_dir)
{
	char def[24];
	enum herr e;

	snprintf(def, sizeof(def), "%" PRId64, id);
	if (!incoming_dir)
		incoming_dir = def;
	e = db_row(db, sql_row_exists, "I", "", id);
	if (e == HERR_OK)
		return db_exec(db, sql_row_update, "sI", incoming_dir, id);
	if (e == HERR_NOT_FOUND)
		return db_exec(db, sql_row_insert, "Is", id, incoming_dir);
	return e;
}

/* ---------------------------------------------------------------- cameras */

enum herr store_camera_load(struct db *db, int64_t id, bool lock, struct camera *c)
{
	struct db_stmt *st = NULL;
	enum herr e;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((e = db_query(db, &st, lock ? sql_get_lock : sql_get, "I", id)) != HERR_OK)
		return e;
	if ((rc = db_fetch(st)) != 1) {
		e = rc == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		goto out;
	}
	if (!(c->config = cameras__config(st, 4))) {
		e = HERR_INTERNAL;
		goto out;
	}
	c->id = db_col_int64(st, 0);
	store_col_copy(st, 1, c->name, sizeof(c->name));
	c->room_id = db_col_int64(st, 2);
	c->enabled = db_col_int64(st, 3) != 0;
	store_col_copy(st, 5, c->status, sizeof(c->status));
	store_col_copy(st, 8, c->incoming_dir, sizeof(c->incoming_dir));
out:
	db_done(st);
	return e;
}

void store_camera_release(struct camera *c)
{
	json_decref(c->config);
	c->config = NULL;
}

enum herr store_cameras_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, cameras__row, out);
}

enum herr store_cameras_list(struct db *db, const struct camera_filter *f,
			     const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr e;

	*has_more = false;
	if ((e = db_prepare(db, sql_list, &st)) != HERR_OK)
		return e;
	db_bind_int64(st, 0, pg->offset >= 0 ? 0 : pg->after_id);
	store_bind_id(st, 1, f->room_id);
	store_bind_id(st, 2, f->room_id);
	db_bind_text(st, 3, f->status);
	db_bind_text(st, 4, f->status);
	db_bind_int64(st, 5, (int64_t)pg->limit + 1);
	db_bind_int64(st, 6, pg->offset >= 0 ? pg->offset : 0);
	e = store_rows_page(st, pg->limit, cameras__row, items, has_more);
	db_done(st);
	return e;
}

/* Run sql, the sensor's INSERT or UPDATE: name, room_id (0 = NULL),
 * enabled, config at 0..3, then id for the UPDATE (id > 0).  The new id
 * of an INSERT in *new_id (may be NULL). */
static enum herr cameras__write_fields(struct db *db, const char *sql,
				       const struct camera_fields *f, int64_t id, int64_t *new_id)
{
	struct db_stmt *st = NULL;
	enum herr e;

	if ((e = db_prepare(db, sql, &st)) != HERR_OK)
		return e;
	db_bind_text(st, 0, f->name);
	store_bind_id(st, 1, f->room_id);
	db_bind_bool(st, 2, f->enabled);
	db_bind_text(st, 3, f->config_json ? f->config_json : "{}");
	if (id > 0)
		db_bind_int64(st, 4, id);
	e = db_execute(st);
	if (e == HERR_OK && new_id)
		*new_id = (int64_t)db_insert_id(st);
	db_done(st);
	return e;
}

enum herr store_cameras_create(struct db *db, const struct camera_fields *f, int64_t *id)
{
	int64_t new_id = 0;
	enum herr e;

	*id = 0;
	if (f->incoming_dir && !camera_incoming_dir_ok(f->incoming_dir))
		return HERR_INVALID;
	e = cameras__write_fields(db, sql_sensor_insert, f, 0, &new_id);
	if (e == HERR_OK)
		e = cameras__put_row(db, new_id, f->incoming_dir);
	if (e == HERR_OK)
		*id = new_id;
	return e;
}

enum herr store_cameras_update(struct db *db, int64_t id, const struct camera_fields *f)
{
	struct camera cur;
	enum herr e;

	if (f->incoming_dir && !camera_incoming_dir_ok(f->incoming_dir))
		return HERR_INVALID;
	/* Locked first: an UPDATE that changes nothing reports no row. */
	e = store_camera_load(db, id, true, &cur);
	store_camera_release(&cur);
	if (e != HERR_OK)
		return e;
	if ((e = cameras__write_fields(db, sql_sensor_update, f, id, NULL)) != HERR_OK)
		return e;
	return cameras__put_row(db, id, f->incoming_dir);
}

enum herr store_cameras_delete(struct db *db, int64_t id)
{
	return store_rows_delete(db, sql_delete, id);
}

enum herr store_cameras_enabled_ids(struct db *db, int64_t after_id, int64_t *ids, size_t max,
				    size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr e;
	int rc;

	*n = 0;
	if (max == 0)
		return HERR_OK;
	if ((e = db_query(db, &st, sql_enabled_ids, "II", after_id, (int64_t)max)) != HERR_OK)
		return e;
	while ((rc = db_fetch(st)) == 1 && *n < max)
		ids[(*n)++] = db_col_int64(st, 0);
	if (rc < 0)
		e = HERR_INTERNAL;
	db_done(st);
	return e;
}

/* Run sql (seen or failed) for id: HERR_NOT_FOUND when id is no camera. */
static enum herr cameras__mark(struct db *db, const char *sql, int64_t id, const char *why,
			       bool with_why)
{
	enum herr e;

	if (with_why)
		e = db_exec(db, sql, "sI", why ? why : "unreachable", id);
	else
		e = db_exec(db, sql, "I", id);
	if (e == HERR_OK && db_changes(db) == 0)
		e = HERR_NOT_FOUND;
	/* A row that already held these values changes nothing, yet the
	 * camera is there. */
	if (e == HERR_NOT_FOUND) {
		struct camera c;

		e = store_camera_load(db, id, false, &c);
		store_camera_release(&c);
	}
	return e;
}

enum herr store_camera_seen(struct db *db, int64_t id)
{
	return cameras__mark(db, sql_seen, id, NULL, false);
}

enum herr store_camera_failed(struct db *db, int64_t id, const char *why)
{
	return cameras__mark(db, sql_failed, id, why, true);
}

/* ---------------------------------------------------------------- snapshots */

static json_t *snapshots__row(struct db_stmt *st)
{
	return json_pack("{s:I, s:o, s:s?, s:I, s:o, s:o, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "camera_id", cameras__opt_int(st, 1),
			 "camera_name", db_col_text(st, 2, NULL),
			 "size_bytes", (json_int_t)db_col_int64(st, 3),
			 "width", cameras__opt_int(st, 4),
			 "height", cameras__opt_int(st, 5),
			 "taken_at", db_col_text(st, 6, NULL),
			 "image_url", db_col_text(st, 7, NULL));
}

enum herr store_snapshots_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_snap_get, id, snapshots__row, out);
}

enum herr store_snapshots_list(struct db *db, const struct snapshot_filter *f,
			       const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr e;

	*has_more = false;
	if ((e = db_prepare(db, sql_snap_list, &st)) != HERR_OK)
		return e;
	db_bind_int64(st, 0, pg->after_id > 0 ? pg->after_id : INT64_MAX);
	store_bind_id(st, 1, f->camera_id);
	store_bind_id(st, 2, f->camera_id);
	db_bind_text(st, 3, f->since);
	db_bind_text(st, 4, f->since);
	db_bind_text(st, 5, f->until);
	db_bind_text(st, 6, f->until);
	db_bind_int64(st, 7, (int64_t)pg->limit + 1);
	db_bind_int64(st, 8, pg->offset >= 0 ? pg->offset : 0);
	e = store_rows_page(st, pg->limit, snapshots__row, items, has_more);
	db_done(st);
	return e;
}

enum herr store_snapshots_latest(struct db *db, int64_t camera_id, int64_t *id)
{
	*id = 0;
	return db_row(db, sql_snap_latest, "I", "I", camera_id, id);
}
