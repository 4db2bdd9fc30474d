/*
 * Recordings as the API shows them (recordings.h).  One statement lists
 * every combination of filters ("absent or equal"), newest first by id;
 * the thumbnail and sprite are found through media_parent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "recordings.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

#define RECORDING_COLUMNS \
	"m.id, m.camera_id, COALESCE(s.name, m.camera_name), m.size_bytes, m.duration_ms," \
	" m.width, m.height," \
	" DATE_FORMAT(m.taken_at, " TIME_FMT "), DATE_FORMAT(m.created_at, " TIME_FMT ")," \
	" EXISTS (SELECT 1 FROM media t WHERE t.parent_id = m.id AND t.kind = 'thumbnail')," \
	" EXISTS (SELECT 1 FROM media t WHERE t.parent_id = m.id AND t.kind = 'sprite')"

static const char sql_get[] =
	"SELECT " RECORDING_COLUMNS " FROM media m LEFT JOIN sensors s ON s.id = m.camera_id"
	" WHERE m.id = ? AND m.kind = 'recording'";
static const char sql_list[] =
	"SELECT " RECORDING_COLUMNS " FROM media m LEFT JOIN sensors s ON s.id = m.camera_id"
	" WHERE m.kind = 'recording' AND m.id < ?"
	" AND (? IS NULL OR m.camera_id = ?)"
	" AND (? IS NULL OR m.taken_at >= ?)"
	" AND (? IS NULL OR m.taken_at < ?)"
	" ORDER BY m.id DESC LIMIT ? OFFSET ?";
static const char sql_camera[] =
	"SELECT s.name, c.incoming_dir FROM sensors s LEFT JOIN cameras c ON c.sensor_id = s.id"
	" WHERE s.id = ? AND s.sensor_type = 'camera'";
static const char sql_new_count[] =
	"SELECT COUNT(*) FROM media WHERE kind IN ('recording', 'timelapse', 'snapshot')"
	" AND created_at > ?";

static json_t *recordings__opt_int(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

static json_t *recordings__url(int64_t id, const char *what, bool present)
{
	char url[96];

	if (!present)
		return json_null();
	snprintf(url, sizeof(url), "/api/v1/recordings/%" PRId64 "/%s", id, what);
	return json_string(url);
}

static json_t *recordings__row(struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0);

	return json_pack("{s:I, s:o, s:s?, s:I, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o}",
			 "id", (json_int_t)id,
			 "camera_id", recordings__opt_int(st, 1),
			 "camera_name", db_col_text(st, 2, NULL),
			 "size_bytes", (json_int_t)db_col_int64(st, 3),
			 "duration_ms", recordings__opt_int(st, 4),
			 "width", recordings__opt_int(st, 5),
			 "height", recordings__opt_int(st, 6),
			 "taken_at", db_col_text(st, 7, NULL),
			 "created_at", db_col_text(st, 8, NULL),
			 "video_url", recordings__url(id, "video", true),
			 "thumbnail_url", recordings__url(id, "thumbnail", db_col_int64(st, 9) != 0),
			 "sprite_url", recordings__url(id, "sprite", db_col_int64(st, 10) != 0));
}

enum herr store_recordings_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, recordings__row, out);
}

enum herr store_recordings_list(struct db *db, const struct recording_filter *f,
				const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr e;

	*has_more = false;
	if ((e = db_prepare(db, sql_list, &st)) != HERR_OK)
		return e;
	db_bind_int64(st, 0, pg->after_id);
	store_bind_id(st, 1, f->camera_id);
	store_bind_id(st, 2, f->camera_id);
	db_bind_text(st, 3, f->since);
	db_bind_text(st, 4, f->since);
	db_bind_text(st, 5, f->until);
	db_bind_text(st, 6, f->until);
	db_bind_int64(st, 7, (int64_t)pg->limit + 1);
	db_bind_int64(st, 8, pg->offset >= 0 ? pg->offset : 0);
	e = store_rows_page(st, pg->limit, recordings__row, items, has_more);
	db_done(st);
	return e;
}

enum herr store_recordings_camera(struct db *db, int64_t id,
				  char name[RECORDING_CAMERA_NAME_MAX],
				  char incoming_dir[RECORDING_INCOMING_MAX])
{
	enum herr e;

	name[0] = incoming_dir[0] = '\0';
	e = db_row(db, sql_camera, "I", "ss", id, name, (size_t)RECORDING_CAMERA_NAME_MAX,
		   incoming_dir, (size_t)RECORDING_INCOMING_MAX);
	if (e == HERR_OK && incoming_dir[0] == '\0')
		snprintf(incoming_dir, RECORDING_INCOMING_MAX, "%" PRId64, id);
	return e;
}

enum herr store_archive_new_count(struct db *db, const char *since, int64_t *count)
{
	*count = 0;
	return db_row(db, sql_new_count, "s", "I", since, count);
}
