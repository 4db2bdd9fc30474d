/*
 * Timelapse frames and videos: media rows of kind frame and timelapse.
 * A frame's camera is matched with "<=>" so the frames of a deleted camera
 * (camera_id NULL, bound as NULL for 0) are a group like any other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "rows.h"
#include "store/store.h"
#include "store/timelapse.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

static const char sql_last_frame[] =
	"SELECT FLOOR(UNIX_TIMESTAMP(taken_at) * 1000) FROM media"
	" WHERE kind = 'frame' AND camera_id = ? ORDER BY id DESC LIMIT 1";
static const char sql_day_frames[] =
	"SELECT COUNT(*), DATE_FORMAT(MAX(taken_at), " TIME_FMT ") FROM media"
	" WHERE kind = 'frame' AND day = ?";
static const char sql_pending[] =
	"SELECT COALESCE(camera_id, 0), DATE_FORMAT(day, '%Y-%m-%d'), COUNT(*) FROM media"
	" WHERE kind = 'frame' AND day < ? GROUP BY camera_id, day ORDER BY day, camera_id"
	" LIMIT ?";
static const char sql_frames[] =
	"SELECT id, rel_path, size_bytes, COALESCE(camera_name, '') FROM media"
	" WHERE kind = 'frame' AND camera_id <=> ? AND day = ? ORDER BY taken_at, id";
static const char sql_video_of[] =
	"SELECT id FROM media WHERE kind = 'timelapse' AND camera_id <=> ? AND day = ?"
	" ORDER BY id LIMIT 1";
static const char sql_drop_frames[] =
	"DELETE FROM media WHERE kind = 'frame' AND camera_id <=> ? AND day = ? AND id <= ?";

#define VIDEO_COLUMNS \
	"m.id, m.camera_id, m.camera_name, DATE_FORMAT(m.day, '%Y-%m-%d'), m.size_bytes," \
	" m.duration_ms, m.width, m.height, DATE_FORMAT(m.created_at, " TIME_FMT ")," \
	" (SELECT MAX(t.id) FROM media t WHERE t.parent_id = m.id AND t.kind = 'thumbnail')"

static const char sql_list[] =
	"SELECT " VIDEO_COLUMNS " FROM media m WHERE m.kind = 'timelapse' AND m.id < ?"
	" AND (? = 0 OR m.camera_id = ?) ORDER BY m.id DESC LIMIT ? OFFSET ?";
static const char sql_get[] =
	"SELECT " VIDEO_COLUMNS " FROM media m WHERE m.kind = 'timelapse' AND m.id = ?";

static json_t *timelapse__opt_int(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

static json_t *timelapse__row(struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0);
	char video[64], thumb[80];

	snprintf(video, sizeof(video), "/api/v1/timelapse/videos/%" PRId64 "/video", id);
	snprintf(thumb, sizeof(thumb), "/api/v1/timelapse/videos/%" PRId64 "/thumbnail", id);
	return json_pack("{s:I, s:o, s:s?, s:s?, s:I, s:o, s:o, s:o, s:s, s:s, s:s?}",
			 "id", (json_int_t)id,
			 "camera_id", timelapse__opt_int(st, 1),
			 "camera_name", db_col_text(st, 2, NULL),
			 "date", db_col_text(st, 3, NULL),
			 "size_bytes", (json_int_t)db_col_int64(st, 4),
			 "duration_ms", timelapse__opt_int(st, 5),
			 "width", timelapse__opt_int(st, 6),
			 "height", timelapse__opt_int(st, 7),
			 "created_at", db_col_text(st, 8, NULL),
			 "video_url", video,
			 "thumbnail_url", db_col_is_null(st, 9) ? NULL : thumb);
}

enum herr store_timelapse_last_frame(struct db *db, int64_t camera_id, int64_t *taken_ms)
{
	enum herr rc;

	*taken_ms = 0;
	rc = db_row(db, sql_last_frame, "I", "I", camera_id, taken_ms);
	return rc == HERR_NOT_FOUND ? HERR_OK : rc;   /* no frame yet: 0 */
}

enum herr store_timelapse_day_frames(struct db *db, const char *day, int64_t *count,
				     char *last, size_t lastsz)
{
	enum herr rc;

	*count = 0;
	last[0] = '\0';
	rc = db_row(db, sql_day_frames, "s", "Is", day, count, last, lastsz);
	return rc == HERR_NOT_FOUND ? HERR_INTERNAL : rc;   /* a COUNT has a row */
}

enum herr store_timelapse_pending(struct db *db, const char *before, struct timelapse_day *out,
				  size_t max, size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r = 0;

	*n = 0;
	if ((rc = db_query(db, &st, sql_pending, "sI", before, (int64_t)max)) != HERR_OK)
		return rc;
	while (*n < max && (r = db_fetch(st)) == 1) {
		out[*n].camera_id = db_col_int64(st, 0);
		store_col_copy(st, 1, out[*n].day, sizeof(out[*n].day));
		out[*n].frames = db_col_int64(st, 2);
		(*n)++;
	}
	if (r < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

enum herr store_timelapse_frames(struct db *db, int64_t camera_id, const char *day,
				 struct cleanup_files *frames, char *camera_name, size_t namesz)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	camera_name[0] = '\0';
	if ((rc = db_prepare(db, sql_frames, &st)) != HERR_OK)
		return rc;
	store_bind_id(st, 0, camera_id);
	db_bind_text(st, 1, day);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	while ((r = db_fetch(st)) == 1) {
		if (cleanup_files_add(frames, db_col_int64(st, 0), db_col_text(st, 1, NULL),
				      (uint64_t)db_col_int64(st, 2)) != 0) {
			rc = HERR_NOMEM;
			goto out;
		}
		store_col_copy(st, 3, camera_name, namesz);
	}
	if (r < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	return rc;
}

enum herr store_timelapse_video_of(struct db *db, int64_t camera_id, const char *day,
				   int64_t *id)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	*id = 0;
	if ((rc = db_prepare(db, sql_video_of, &st)) != HERR_OK)
		return rc;
	store_bind_id(st, 0, camera_id);
	db_bind_text(st, 1, day);
	if ((rc = db_execute(st)) == HERR_OK) {
		if ((r = db_fetch(st)) == 1)
			*id = db_col_int64(st, 0);
		else
			rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
	}
	db_done(st);
	return rc;
}

enum herr store_timelapse_drop_frames(struct db *db, int64_t camera_id, const char *day,
				      int64_t max_frame_id)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_drop_frames, &st)) != HERR_OK)
		return rc;
	store_bind_id(st, 0, camera_id);
	db_bind_text(st, 1, day);
	db_bind_int64(st, 2, max_frame_id);
	rc = db_execute(st);
	db_done(st);
	return rc;
}

enum herr store_timelapse_commit(struct db *db, const struct media_fields *video,
				 struct media_fields *thumb, int64_t camera_id, const char *day,
				 int64_t max_frame_id, int64_t *video_id)
{
	int64_t thumb_id = 0;
	enum herr rc;

	*video_id = 0;
	if ((rc = store_media_insert(db, video, video_id)) != HERR_OK)
		goto out;
	if (thumb) {
		thumb->parent_id = *video_id;
		if ((rc = store_media_insert(db, thumb, &thumb_id)) != HERR_OK)
			goto out;
	}
	rc = store_timelapse_drop_frames(db, camera_id, day, max_frame_id);
out:
	if (rc != HERR_OK)
		*video_id = 0;
	return rc;
}

enum herr store_timelapse_list(struct db *db, int64_t camera_id, const struct page *pg,
			       json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_list, "IIIII", pg->after_id, camera_id, camera_id,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : 0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, timelapse__row, items, has_more);
}

enum herr store_timelapse_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, timelapse__row, out);
}
