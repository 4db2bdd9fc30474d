/*
 * E-ink templates and active pictures (eink.h).
 */
#include "store/eink.h"

#include <inttypes.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define TEMPLATE_COLUMNS \
	"id, name, description, width, height, font, regions, is_default, image_media_id," \
	" DATE_FORMAT(created_at, " TIME_FMT "), DATE_FORMAT(updated_at, " TIME_FMT ")"

static const char sql_list[] =
	"SELECT " TEMPLATE_COLUMNS " FROM eink_templates WHERE id > ? ORDER BY id LIMIT ? OFFSET ?";
static const char sql_get[] = "SELECT " TEMPLATE_COLUMNS " FROM eink_templates WHERE id = ?";
static const char sql_default[] = "SELECT id FROM eink_templates WHERE is_default";
static const char sql_undefault[] =
	"UPDATE eink_templates SET is_default = FALSE WHERE is_default AND id <> ?";
static const char sql_insert[] =
	"INSERT INTO eink_templates (name, description, width, height, font, regions,"
	" image_media_id, is_default) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_update[] =
	"UPDATE eink_templates SET name = ?, description = ?, font = ?, regions = ?,"
	" is_default = ? WHERE id = ?";
static const char sql_exists[] = "SELECT COUNT(*) FROM eink_templates WHERE id = ?";
static const char sql_media_of[] =
	"SELECT COALESCE(image_media_id, 0) FROM eink_templates WHERE id = ? FOR UPDATE";
static const char sql_delete[] = "DELETE FROM eink_templates WHERE id = ?";

static const char sql_display[] =
	"SELECT id, COALESCE(JSON_VALUE(config, '$.eink_mode'), 'rgb')"
	" FROM sensors WHERE id = ? AND sensor_type = 'eink' AND enabled";

static const char sql_active_get[] =
	"SELECT a.media_id, m.rel_path, a.image_hash FROM eink_active a"
	" JOIN media m ON m.id = a.media_id"
	" WHERE a.sensor_id = ? AND (a.expires_at IS NULL OR a.expires_at > NOW(3))";
static const char sql_active_old[] =
	"SELECT media_id FROM eink_active WHERE sensor_id = ? FOR UPDATE";
static const char sql_active_set[] =
	"INSERT INTO eink_active (sensor_id, template_id, media_id, image_hash, expires_at)"
	" VALUES (?, ?, ?, ?, IF(? > 0, NOW(3) + INTERVAL ? MINUTE, NULL))"
	" ON DUPLICATE KEY UPDATE template_id = VALUES(template_id), media_id = VALUES(media_id),"
	" image_hash = VALUES(image_hash), expires_at = VALUES(expires_at), created_at = NOW(3)";
static const char sql_active_clear[] = "DELETE FROM eink_active WHERE sensor_id = ?";

static const char sql_fetch_get[] =
	"SELECT image_hash, TIMESTAMPDIFF(SECOND, fetched_at, NOW(3)) FROM eink_fetches"
	" WHERE sensor_id = ?";
static const char sql_fetch_set[] =
	"INSERT INTO eink_fetches (sensor_id, image_hash) VALUES (?, ?)"
	" ON DUPLICATE KEY UPDATE image_hash = VALUES(image_hash), fetched_at = NOW(3)";

static json_t *eink__row(struct db_stmt *st)
{
	size_t len = 0;
	const char *text = db_col_text(st, 6, &len);
	json_t *regions = text ? json_loadb(text, len, 0, NULL) : NULL;

	if (!json_is_array(regions)) {
		LOG(LOG_ERR, "e-ink template %" PRId64 ": its regions do not parse",
		    db_col_int64(st, 0));
		json_decref(regions);
		return NULL;
	}
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:o, s:b, s:b, s:o, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "description", db_col_text(st, 2, NULL),
			 "width", (json_int_t)db_col_int64(st, 3),
			 "height", (json_int_t)db_col_int64(st, 4),
			 "font", db_col_text(st, 5, NULL),
			 "regions", regions,
			 "is_default", db_col_int64(st, 7) != 0,
			 "has_image", !db_col_is_null(st, 8),
			 "image_media_id", db_col_is_null(st, 8) ? json_null()
				 : json_integer(db_col_int64(st, 8)),
			 "created_at", db_col_text(st, 9, NULL),
			 "updated_at", db_col_text(st, 10, NULL));
}

enum herr store_eink_templates_list(struct db *db, const struct page *pg, json_t *items,
				    bool *has_more)
{
	return store_rows_list(db, sql_list, pg, eink__row, items, has_more);
}

enum herr store_eink_template_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, eink__row, out);
}

enum herr store_eink_template_default(struct db *db, int64_t *id)
{
	return db_row(db, sql_default, "", "I", id);
}

enum herr store_eink_template_insert(struct db *db, const struct eink_template_fields *f,
				     int64_t *id)
{
	enum herr rc;

	if (f->is_default && (rc = db_exec(db, sql_undefault, "I", (int64_t)0)) != HERR_OK)
		return rc;
	rc = db_exec(db, sql_insert, "ssiissJb", f->name, f->description ? f->description : "",
		     f->width, f->height, f->font, f->regions, f->image_media_id, f->is_default);
	if (rc == HERR_OK)
		*id = (int64_t)db_last_id(db);
	return rc;
}

enum herr store_eink_template_update(struct db *db, int64_t id,
				     const struct eink_template_fields *f)
{
	int64_t n = 0;
	enum herr rc = db_row(db, sql_exists, "I", "I", id, &n);

	if (rc != HERR_OK)
		return rc;
	if (n == 0)
		return HERR_NOT_FOUND;
	if (f->is_default && (rc = db_exec(db, sql_undefault, "I", id)) != HERR_OK)
		return rc;
	return db_exec(db, sql_update, "ssssbI", f->name, f->description ? f->description : "",
		       f->font, f->regions, f->is_default, id);
}

enum herr store_eink_template_delete(struct db *db, int64_t id, int64_t *media_id)
{
	enum herr rc = db_row(db, sql_media_of, "I", "I", id, media_id);

	if (rc != HERR_OK)
		return rc;
	return store_rows_delete(db, sql_delete, id);
}

enum herr store_eink_display(struct db *db, int64_t sensor_id, struct eink_display *out)
{
	memset(out, 0, sizeof(*out));
	return db_row(db, sql_display, "I", "Is", sensor_id, &out->id, out->mode,
		      sizeof(out->mode));
}

enum herr store_eink_active_get(struct db *db, int64_t sensor_id, struct eink_active_row *out)
{
	memset(out, 0, sizeof(*out));
	return db_row(db, sql_active_get, "I", "Iss", sensor_id, &out->media_id, out->rel_path,
		      sizeof(out->rel_path), out->hash, sizeof(out->hash));
}

static enum herr eink__old(struct db *db, int64_t sensor_id, int64_t *old_media_id)
{
	enum herr rc = db_row(db, sql_active_old, "I", "I", sensor_id, old_media_id);

	if (rc == HERR_NOT_FOUND) {
		*old_media_id = 0;
		return HERR_OK;
	}
	return rc;
}

enum herr store_eink_active_set(struct db *db, int64_t sensor_id, int64_t template_id,
				int64_t media_id, const char *hash, int expires_minutes,
				int64_t *old_media_id)
{
	enum herr rc = eink__old(db, sensor_id, old_media_id);

	if (rc != HERR_OK)
		return rc;
	return db_exec(db, sql_active_set, "IJIsii", sensor_id, template_id, media_id, hash,
		       expires_minutes, expires_minutes);
}

enum herr store_eink_active_clear(struct db *db, int64_t sensor_id, int64_t *old_media_id)
{
	enum herr rc = eink__old(db, sensor_id, old_media_id);

	if (rc != HERR_OK)
		return rc;
	return db_exec(db, sql_active_clear, "I", sensor_id);
}

enum herr store_eink_fetch_get(struct db *db, int64_t sensor_id, char hash[EINK_HASH_HEX],
			       int64_t *age_seconds)
{
	return db_row(db, sql_fetch_get, "I", "sI", sensor_id, hash, (size_t)EINK_HASH_HEX,
		      age_seconds);
}

enum herr store_eink_fetch_set(struct db *db, int64_t sensor_id, const char *hash)
{
	return db_exec(db, sql_fetch_set, "Is", sensor_id, hash);
}
