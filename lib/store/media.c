/*
 * The media table: one row per file under the media root (see media.h and
 * sql/006_media.sql for the order of file and row).
 */
#include <inttypes.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "media/files.h"
#include "rows.h"
#include "store/media.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

#define MEDIA_COLUMNS \
	"id, kind, camera_id, camera_name, parent_id, mime, size_bytes, width, height," \
	" duration_ms, DATE_FORMAT(day, '%Y-%m-%d'), DATE_FORMAT(taken_at, " TIME_FMT ")," \
	" DATE_FORMAT(created_at, " TIME_FMT ")"

/* What serving and deleting need, read into struct media_row. */
#define ROW_COLUMNS "id, kind, camera_id, parent_id, rel_path, mime, size_bytes"

/* taken_at NULL = now; FROM_UNIXTIME keeps the milliseconds of ms / 1000. */
static const char sql_insert[] =
	"INSERT INTO media (kind, camera_id, camera_name, parent_id, rel_path, mime, size_bytes,"
	" width, height, duration_ms, day, taken_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(FROM_UNIXTIME(? / 1000), NOW(3)))";
static const char sql_find[] =
	"SELECT " ROW_COLUMNS " FROM media WHERE id = ? AND (? IS NULL OR kind = ?)";
static const char sql_find_lock[] =
	"SELECT " ROW_COLUMNS " FROM media WHERE id = ? AND (? IS NULL OR kind = ?) FOR UPDATE";
/* media_parent (parent_id) finds them; the newest wins when there are two. */
static const char sql_child[] =
	"SELECT " ROW_COLUMNS " FROM media WHERE parent_id = ? AND kind = ? ORDER BY id DESC LIMIT 1";
static const char sql_children_lock[] =
	"SELECT " ROW_COLUMNS " FROM media WHERE parent_id = ? ORDER BY id FOR UPDATE";
static const char sql_get_json[] =
	"SELECT " MEDIA_COLUMNS " FROM media WHERE id = ? AND (? IS NULL OR kind = ?)";
/* The children go with it (media_parent_fk ON DELETE CASCADE). */
static const char sql_delete[] = "DELETE FROM media WHERE id = ?";

/* ---------------------------------------------------------------- helpers */

static json_t *media__opt_int(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

static void media__read_row(struct db_stmt *st, struct media_row *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_col_int64(st, 0);
	store_col_copy(st, 1, out->kind, sizeof(out->kind));
	out->camera_id = db_col_int64(st, 2);
	out->parent_id = db_col_int64(st, 3);
	store_col_copy(st, 4, out->rel_path, sizeof(out->rel_path));
	store_col_copy(st, 5, out->mime, sizeof(out->mime));
	out->size_bytes = (uint64_t)db_col_int64(st, 6);
}

/* Read the one row of st, which db_query executed, into out; st is
 * finished (db_done) whatever the outcome. */
static enum herr media__take_row(struct db_stmt *st, struct media_row *out)
{
	int rc = db_fetch(st);

	if (rc == 1)
		media__read_row(st, out);
	db_done(st);
	return rc == 1 ? HERR_OK : rc == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
}

static json_t *media__row_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:o, s:s?, s:o, s:s, s:I, s:o, s:o, s:o, s:s?, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "kind", db_col_text(st, 1, NULL),
			 "camera_id", media__opt_int(st, 2),
			 "camera_name", db_col_text(st, 3, NULL),
			 "parent_id", media__opt_int(st, 4),
			 "mime", db_col_text(st, 5, NULL),
			 "size_bytes", (json_int_t)db_col_int64(st, 6),
			 "width", media__opt_int(st, 7),
			 "height", media__opt_int(st, 8),
			 "duration_ms", media__opt_int(st, 9),
			 "day", db_col_text(st, 10, NULL),
			 "taken_at", db_col_text(st, 11, NULL),
			 "created_at", db_col_text(st, 12, NULL));
}

/* ---------------------------------------------------------------- rows */

enum herr store_media_insert(struct db *db, const struct media_fields *f, int64_t *id)
{
	struct db_stmt *st = NULL;
	enum herr e;

	if (id)
		*id = 0;
	if (!f->kind || !*f->kind || strlen(f->kind) >= MEDIA_KIND_MAX || !f->mime ||
	    strlen(f->mime) >= MEDIA_MIME_MAX || !media_rel_path_ok(f->rel_path))
		return HERR_INVALID;
	if ((e = db_prepare(db, sql_insert, &st)) != HERR_OK)
		return e;
	db_bind_text(st, 0, f->kind);
	store_bind_id(st, 1, f->camera_id);
	db_bind_text(st, 2, f->camera_name);
	store_bind_id(st, 3, f->parent_id);
	db_bind_text(st, 4, f->rel_path);
	db_bind_text(st, 5, f->mime);
	db_bind_int64(st, 6, (int64_t)f->size_bytes);
	store_bind_id(st, 7, f->width);
	store_bind_id(st, 8, f->height);
	if (f->duration_ms >= 0)
		db_bind_int64(st, 9, f->duration_ms);
	else
		db_bind_null(st, 9);
	db_bind_text(st, 10, f->day);
	store_bind_id(st, 11, f->taken_at_ms);
	e = db_execute(st);
	if (e == HERR_OK && id)
		*id = (int64_t)db_insert_id(st);
	db_done(st);
	return e;
}

enum herr store_media_find(struct db *db, int64_t id, const char *kind, struct media_row *out)
{
	struct db_stmt *st = NULL;
	enum herr e;

	memset(out, 0, sizeof(*out));
	/* kind NULL: any kind, on both of its placeholders */
	if ((e = db_query(db, &st, sql_find, "Iss", id, kind, kind)) != HERR_OK)
		return e;
	return media__take_row(st, out);
}

enum herr store_media_child(struct db *db, int64_t parent_id, const char *kind,
			    struct media_row *out)
{
	struct db_stmt *st = NULL;
	enum herr e;

	memset(out, 0, sizeof(*out));
	if (!kind)
		return HERR_INVALID;
	if ((e = db_query(db, &st, sql_child, "Is", parent_id, kind)) != HERR_OK)
		return e;
	return media__take_row(st, out);
}

enum herr store_media_get_json(struct db *db, int64_t id, const char *kind, json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr e;

	*out = NULL;
	if ((e = db_query(db, &st, sql_get_json, "Iss", id, kind, kind)) != HERR_OK)
		return e;
	return store_rows_take_one(st, media__row_json, out);
}

/* The locked children of parent into gone[*n..max); those past max are
 * deleted with their parent all the same, and cleanup finds their files. */
static enum herr media__children(struct db *db, int64_t parent, struct media_row *gone,
				 size_t max, size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr e;
	int rc;

	if ((e = db_query(db, &st, sql_children_lock, "I", parent)) != HERR_OK)
		return e;
	while ((rc = db_fetch(st)) == 1) {
		if (*n < max)
			media__read_row(st, &gone[(*n)++]);
	}
	if (rc < 0)
		e = HERR_INTERNAL;
	db_done(st);
	return e;
}

enum herr store_media_delete(struct db *db, int64_t id, const char *kind,
			     struct media_row *gone, size_t max, size_t *n)
{
	struct media_row parent;
	struct db_stmt *st = NULL;
	enum herr e;

	*n = 0;
	if ((e = db_query(db, &st, sql_find_lock, "Iss", id, kind, kind)) != HERR_OK ||
	    (e = media__take_row(st, &parent)) != HERR_OK)
		goto out;
	if (max > 0)
		gone[(*n)++] = parent;
	if ((e = media__children(db, id, gone, max, n)) != HERR_OK)
		goto out;
	e = store_rows_delete(db, sql_delete, id);
out:
	if (e != HERR_OK)
		*n = 0;
	return e;
}
