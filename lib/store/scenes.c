/*
 * Scenes (see scenes.h).  The snapshot is one JSON column: always read and
 * written whole.
 */
#include "store/scenes.h"

#include <inttypes.h>
#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define SCENE_COLUMNS \
	"id, name, entities, DATE_FORMAT(created_at, " TIME_FMT ")," \
	" DATE_FORMAT(last_activated_at, " TIME_FMT "), last_status"

static const char sql_list[] =
	"SELECT " SCENE_COLUMNS " FROM scenes WHERE id > ? ORDER BY id LIMIT ? OFFSET ?";
static const char sql_get[] = "SELECT " SCENE_COLUMNS " FROM scenes WHERE id = ?";
static const char sql_taken[] = "SELECT COUNT(*) FROM scenes WHERE name = ?";
static const char sql_insert[] = "INSERT INTO scenes (name, entities) VALUES (?, ?)";
static const char sql_delete[] = "DELETE FROM scenes WHERE id = ?";
static const char sql_activated[] =
	"UPDATE scenes SET last_activated_at = NOW(3), last_status = ? WHERE id = ?";

static json_t *scenes__row(struct db_stmt *st)
{
	size_t len = 0;
	const char *text = db_col_text(st, 2, &len);
	json_t *entities = text ? json_loadb(text, len, 0, NULL) : NULL;
	json_t *ids = json_array(), *e;
	size_t i;

	if (!json_is_array(entities) || !ids) {
		LOG(LOG_ERR, "scene %" PRId64 ": its snapshot does not parse", db_col_int64(st, 0));
		json_decref(entities);
		json_decref(ids);
		return NULL;
	}
	json_array_foreach(entities, i, e)
		json_array_append(ids, json_object_get(e, "entity_id"));
	return json_pack("{s:I, s:s, s:o, s:o, s:s, s:s?, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "entity_ids", ids,
			 "entities", entities,
			 "created_at", db_col_text(st, 3, NULL),
			 "last_activated_at", db_col_text(st, 4, NULL),
			 "last_status", db_col_text(st, 5, NULL));
}

enum herr store_scenes_list(struct db *db, const struct page *pg, json_t *items,
			    bool *has_more)
{
	return store_rows_list(db, sql_list, pg, scenes__row, items, has_more);
}

enum herr store_scenes_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, scenes__row, out);
}

enum herr store_scenes_name_taken(struct db *db, const char *name, bool *taken)
{
	int64_t n = 0;
	enum herr rc = db_row(db, sql_taken, "s", "I", name, &n);

	*taken = rc == HERR_OK && n > 0;
	return rc;
}

enum herr store_scenes_create(struct db *db, const char *name, const json_t *entities,
			      json_t **out)
{
	char *text = json_dumps(entities, JSON_COMPACT);
	enum herr rc;

	*out = NULL;
	if (!text)
		return HERR_NOMEM;
	rc = db_exec(db, sql_insert, "ss", name, text);
	free(text);
	if (rc != HERR_OK)
		return rc;
	return store_scenes_get(db, (int64_t)db_last_id(db), out);
}

enum herr store_scenes_delete(struct db *db, int64_t id)
{
	return store_rows_delete(db, sql_delete, id);
}

enum herr store_scenes_activated(struct db *db, int64_t id, const char *status)
{
	return db_exec(db, sql_activated, "sI", status, id);
}
