/*
 * HA's areas and devices as kept, and device aliases (ha_devices.h).
 */
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store/ha_devices.h"
#include "store/store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%s.%fZ'"

/* What an area holds, counted among what is kept and not missing. */
#define AREA_COLUMNS \
	"a.id, a.area_id, a.name, a.floor_id, JSON_VALUE(a.data, '$.icon')," \
	" JSON_EXTRACT(a.data, '$.aliases'), r.id," \
	" (SELECT COUNT(*) FROM ha_devices d WHERE d.area_id = a.area_id" \
	"  AND d.missing_since IS NULL)," \
	" (SELECT COUNT(*) FROM ha_entities e WHERE e.area_id = a.area_id" \
	"  AND e.missing_since IS NULL)," \
	" a.missing_since IS NOT NULL" \
	" FROM ha_areas a LEFT JOIN rooms r ON r.ha_area_id = a.area_id"
static const char sql_areas_list[] =
	"SELECT " AREA_COLUMNS " WHERE a.id > ? ORDER BY a.id LIMIT ? OFFSET ?";
static const char sql_area_get[] =
	"SELECT " AREA_COLUMNS " WHERE a.area_id = ?";
static const char sql_area_devices[] =
	"SELECT device_id FROM ha_devices WHERE area_id = ? AND missing_since IS NULL"
	" ORDER BY id";
static const char sql_area_entities[] =
	"SELECT entity_id FROM ha_entities WHERE area_id = ? AND missing_since IS NULL"
	" ORDER BY entity_id";

/* An alias names a device when one of the device's connections is
 * ["mac", <that address>], as HA keeps them. */
#define HOLDS_MAC(dev, mac) \
	"JSON_CONTAINS(JSON_EXTRACT(" dev ".data, '$.connections')," \
	" JSON_ARRAY(JSON_ARRAY('mac', " mac ")))"
#define DEVICE_COLUMNS \
	"d.id, d.device_id, COALESCE(JSON_VALUE(d.data, '$.name_by_user') COLLATE utf8mb4_nopad_bin, d.name)," \
	" d.area_id, d.manufacturer, d.model, JSON_VALUE(d.data, '$.sw_version')," \
	" JSON_VALUE(d.data, '$.via_device_id')," \
	" COALESCE(JSON_VALUE(d.data, '$.disabled_by'), '') <> ''," \
	" JSON_EXTRACT(d.data, '$.connections')," \
	" (SELECT a.alias FROM device_aliases a WHERE " HOLDS_MAC("d", "a.mac") \
	"  ORDER BY a.id LIMIT 1)," \
	" (SELECT COUNT(*) FROM ha_entities e WHERE e.device_id = d.device_id" \
	"  AND e.missing_since IS NULL)," \
	" d.missing_since IS NOT NULL"
static const char sql_devices_list[] =
	"SELECT " DEVICE_COLUMNS " FROM ha_devices d WHERE d.id > ?"
	" AND (? IS NULL OR d.area_id = ?) ORDER BY d.id LIMIT ? OFFSET ?";
static const char sql_device_get[] =
	"SELECT " DEVICE_COLUMNS ", d.data FROM ha_devices d WHERE d.device_id = ?";
static const char sql_device_entities[] =
	"SELECT entity_id FROM ha_entities WHERE device_id = ? AND missing_since IS NULL"
	" ORDER BY entity_id";

#define ALIAS_COLUMNS \
	"a.id, a.mac, a.alias," \
	" (SELECT d.device_id FROM ha_devices d WHERE " HOLDS_MAC("d", "a.mac") \
	"  ORDER BY d.id LIMIT 1)," \
	" (SELECT COALESCE(JSON_VALUE(d.data, '$.name_by_user') COLLATE utf8mb4_nopad_bin, d.name) FROM ha_devices d" \
	"  WHERE " HOLDS_MAC("d", "a.mac") " ORDER BY d.id LIMIT 1)," \
	" DATE_FORMAT(a.created_at, " TIME_FMT "), DATE_FORMAT(a.updated_at, " TIME_FMT ")" \
	" FROM device_aliases a"
static const char sql_aliases_list[] =
	"SELECT " ALIAS_COLUMNS " WHERE a.id > ? ORDER BY a.id LIMIT ? OFFSET ?";
static const char sql_alias_get[] = "SELECT " ALIAS_COLUMNS " WHERE a.mac = ?";
static const char sql_alias_lock[] = "SELECT id FROM device_aliases WHERE mac = ? FOR UPDATE";
static const char sql_alias_insert[] = "INSERT INTO device_aliases (mac, alias) VALUES (?, ?)";
static const char sql_alias_update[] =
	"UPDATE device_aliases SET alias = ?, updated_at = NOW(3) WHERE id = ?";
static const char sql_alias_delete[] = "DELETE FROM device_aliases WHERE mac = ?";

/* A JSON column: its value, or fallback (consumed) when SQL NULL or not
 * JSON. */
static json_t *ha_devices__json(struct db_stmt *st, unsigned idx, json_t *fallback)
{
	size_t len = 0;
	const char *text = db_col_text(st, idx, &len);
	json_t *v = text ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;

	if (!v)
		return fallback;
	json_decref(fallback);
	return v;
}

static json_t *ha_devices__area_row(struct db_stmt *st)
{
	json_t *aliases = ha_devices__json(st, 5, json_array());

	if (!json_is_array(aliases)) {
		json_decref(aliases);
		aliases = json_array();
	}
	return json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:o, s:o, s:I, s:I, s:b}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "area_id", db_col_text(st, 1, NULL),
			 "name", db_col_text(st, 2, NULL),
			 "floor_id", db_col_text(st, 3, NULL),
			 "icon", db_col_text(st, 4, NULL),
			 "aliases", aliases,
			 "room_id", db_col_is_null(st, 6) ? json_null()
						  : json_integer(db_col_int64(st, 6)),
			 "devices", (json_int_t)db_col_int64(st, 7),
			 "entities", (json_int_t)db_col_int64(st, 8),
			 "missing", db_col_int64(st, 9) != 0);
}

/* The MACs among a device's connections ([["mac", "aa:..."], ["zigbee", ...]]). */
static json_t *ha_devices__macs(const json_t *connections)
{
	json_t *macs = json_array();
	const json_t *c;
	size_t i;

	json_array_foreach(connections, i, c) {
		const char *kind = json_string_value(json_array_get(c, 0));
		const char *mac = json_string_value(json_array_get(c, 1));

		if (kind && mac && strcmp(kind, "mac") == 0)
			json_array_append_new(macs, json_string(mac));
	}
	return macs;
}

static json_t *ha_devices__device_row(struct db_stmt *st)
{
	json_t *connections = ha_devices__json(st, 9, json_array());
	json_t *macs = ha_devices__macs(connections);

	json_decref(connections);
	return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:o, s:s?, s:I,"
			 " s:b}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "device_id", db_col_text(st, 1, NULL),
			 "name", db_col_text(st, 2, NULL),
			 "area_id", db_col_text(st, 3, NULL),
			 "manufacturer", db_col_text(st, 4, NULL),
			 "model", db_col_text(st, 5, NULL),
			 "sw_version", db_col_text(st, 6, NULL),
			 "via_device_id", db_col_text(st, 7, NULL),
			 "disabled", db_col_int64(st, 8) != 0,
			 "macs", macs,
			 "alias", db_col_text(st, 10, NULL),
			 "entities", (json_int_t)db_col_int64(st, 11),
			 "missing", db_col_int64(st, 12) != 0);
}

static json_t *ha_devices__device_detail(struct db_stmt *st)
{
	json_t *d = ha_devices__device_row(st);

	if (d && json_object_set_new(d, "registry", ha_devices__json(st, 13, json_object())) != 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static json_t *ha_devices__alias_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "mac", db_col_text(st, 1, NULL),
			 "alias", db_col_text(st, 2, NULL),
			 "device_id", db_col_text(st, 3, NULL),
			 "device_name", db_col_text(st, 4, NULL),
			 "created_at", db_col_text(st, 5, NULL),
			 "updated_at", db_col_text(st, 6, NULL));
}

/* The one row of sql for key into *out. */
static enum herr ha_devices__one(struct db *db, const char *sql, store_row_fn row,
				 const char *key, json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_query(db, &st, sql, "s", key)) != HERR_OK)
		return rc;
	return store_rows_take_one(st, row, out);
}

/* obj's member: the ids sql lists for key. */
static enum herr ha_devices__ids(struct db *db, const char *sql, const char *key, json_t *obj,
				 const char *member)
{
	struct db_stmt *st = NULL;
	json_t *ids = json_array();
	enum herr rc;

	if (!ids || json_object_set_new(obj, member, ids) != 0)
		return HERR_NOMEM;
	if ((rc = db_query(db, &st, sql, "s", key)) != HERR_OK)
		return rc;
	return store_rows_take_strings(st, ids);
}

enum herr store_ha_areas_list(struct db *db, const struct page *pg, json_t *items,
			      bool *has_more)
{
	return store_rows_list(db, sql_areas_list, pg, ha_devices__area_row, items, has_more);
}

enum herr store_ha_area_get(struct db *db, const char *area_id, json_t **out)
{
	enum herr rc = ha_devices__one(db, sql_area_get, ha_devices__area_row, area_id, out);

	if (rc == HERR_OK)
		rc = ha_devices__ids(db, sql_area_devices, area_id, *out, "device_ids");
	if (rc == HERR_OK)
		rc = ha_devices__ids(db, sql_area_entities, area_id, *out, "entity_ids");
	return rc;
}

enum herr store_ha_devices_list(struct db *db, const char *area_id, const struct page *pg,
				json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_devices_list, "IssII",
		      pg->offset >= 0 ? (int64_t)0 : pg->after_id, area_id, area_id,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : (int64_t)0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, ha_devices__device_row, items, has_more);
}

enum herr store_ha_device_get(struct db *db, const char *device_id, json_t **out)
{
	enum herr rc = ha_devices__one(db, sql_device_get, ha_devices__device_detail, device_id,
				       out);

	if (rc == HERR_OK)
		rc = ha_devices__ids(db, sql_device_entities, device_id, *out, "entity_ids");
	return rc;
}

enum herr store_device_aliases_list(struct db *db, const struct page *pg, json_t *items,
				    bool *has_more)
{
	return store_rows_list(db, sql_aliases_list, pg, ha_devices__alias_row, items, has_more);
}

enum herr store_device_alias_get(struct db *db, const char *mac, json_t **out)
{
	return ha_devices__one(db, sql_alias_get, ha_devices__alias_row, mac, out);
}

enum herr store_device_alias_put(struct db *db, const char *mac, const char *alias,
				 bool *created)
{
	int64_t id = 0;
	enum herr rc;

	*created = false;
	rc = db_row(db, sql_alias_lock, "s", "I", mac, &id);
	if (rc == HERR_OK)
		return db_exec(db, sql_alias_update, "sI", alias, id);
	if (rc != HERR_NOT_FOUND)
		return rc;
	*created = true;
	return db_exec(db, sql_alias_insert, "ss", mac, alias);
}

enum herr store_device_alias_delete(struct db *db, const char *mac)
{
	enum herr rc = db_exec(db, sql_alias_delete, "s", mac);

	if (rc == HERR_OK && db_changes(db) == 0)
		return HERR_NOT_FOUND;
	return rc;
}
