/*
 * Home Assistant's house as Hearth keeps it (store/ha.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store/ha.h"
#include "store/store.h"

static const char sql_rooms_lock[] =
	"SELECT id, name, ha_area_id, ha_missing_since IS NOT NULL FROM rooms ORDER BY id FOR UPDATE";
static const char sql_room_create[] =
	"INSERT INTO rooms (name, ha_area_id) VALUES (?, ?)";
static const char sql_room_update[] =
	"UPDATE rooms SET name = ?, ha_area_id = ?, ha_missing_since = NULL WHERE id = ?";
static const char sql_room_missing[] =
	"UPDATE rooms SET ha_missing_since = NOW(3) WHERE id = ? AND ha_missing_since IS NULL";
static const char sql_area_put[] =
	"INSERT INTO ha_areas (area_id, name, floor_id, data) VALUES (?, ?, ?, ?)"
	" ON DUPLICATE KEY UPDATE name = VALUES(name), floor_id = VALUES(floor_id),"
	" data = VALUES(data), missing_since = NULL, synced_at = NOW(3)";
/* The areas not in this sync: their ids are the JSON array bound. */
static const char sql_areas_gone[] =
	"UPDATE ha_areas SET missing_since = NOW(3) WHERE missing_since IS NULL"
	" AND NOT JSON_CONTAINS(?, JSON_QUOTE(area_id))";

static const char sql_sensors_lock[] =
	"SELECT id, external_id, name, sensor_type, room_id, ha_missing_since IS NOT NULL"
	" FROM sensors WHERE source = 'home_assistant' ORDER BY id FOR UPDATE";
static const char sql_sensor_create[] =
	"INSERT INTO sensors (name, sensor_type, room_id, source, external_id, enabled, config)"
	" VALUES (?, ?, ?, 'home_assistant', ?, TRUE, ?)";
/* The type's own keys go; what a person added to config stays. */
static const char sql_sensor_update[] =
	"UPDATE sensors SET name = ?, sensor_type = ?, room_id = ?, ha_missing_since = NULL,"
	" config = JSON_MERGE_PATCH(JSON_REMOVE(config, '$.ha_entity_id'), ?) WHERE id = ?";
static const char sql_sensor_missing[] =
	"UPDATE sensors SET ha_missing_since = NOW(3) WHERE id = ? AND ha_missing_since IS NULL";

static const char sql_device_put[] =
	"INSERT INTO ha_devices (device_id, name, area_id, manufacturer, model, data)"
	" VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name),"
	" area_id = VALUES(area_id), manufacturer = VALUES(manufacturer), model = VALUES(model),"
	" data = VALUES(data), missing_since = NULL";
/* last_changed: HA's ISO time in UTC ("2026-12-06T08:00:00.123456+00:00"). */
static const char sql_entity_put[] =
	"INSERT INTO ha_entities (entity_id, domain, name, device_id, area_id, device_class,"
	" disabled, state, attributes, last_changed, data)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(REPLACE(LEFT(?, 23), 'T', ' ') AS DATETIME(3)), ?)"
	" ON DUPLICATE KEY UPDATE domain = VALUES(domain), name = VALUES(name),"
	" device_id = VALUES(device_id), area_id = VALUES(area_id),"
	" device_class = VALUES(device_class), disabled = VALUES(disabled), data = VALUES(data),"
	" missing_since = NULL";
static const char sql_devices_gone[] =
	"UPDATE ha_devices SET missing_since = NOW(3) WHERE missing_since IS NULL"
	" AND NOT JSON_CONTAINS(?, JSON_QUOTE(device_id))";
static const char sql_devices_missing[] =
	"SELECT COUNT(*) FROM ha_devices WHERE missing_since IS NOT NULL";
static const char sql_entities_gone[] =
	"UPDATE ha_entities SET missing_since = NOW(3) WHERE missing_since IS NULL"
	" AND NOT JSON_CONTAINS(?, JSON_QUOTE(entity_id))";
static const char sql_entities_missing[] =
	"SELECT COUNT(*) FROM ha_entities WHERE missing_since IS NOT NULL";

#define ENTITY_COLUMNS \
	"id, entity_id, domain, name, device_id, area_id, device_class, disabled, state," \
	" attributes, DATE_FORMAT(last_changed, '%Y-%m-%dT%H:%i:%s.%fZ')," \
	" missing_since IS NOT NULL"
static const char sql_entities_list[] =
	"SELECT " ENTITY_COLUMNS " FROM ha_entities WHERE id > ?"
	" AND (? IS NULL OR domain = ?) AND (? IS NULL OR area_id = ?)"
	" ORDER BY id LIMIT ? OFFSET ?";
static const char sql_entity_get[] =
	"SELECT " ENTITY_COLUMNS " FROM ha_entities WHERE entity_id = ?";

static const char sql_domains[] =
	"SELECT domain, COUNT(*), SUM(state = 'on'), SUM(state = 'off'),"
	" SUM(state = 'unavailable'), SUM(state IS NULL OR state = 'unknown')"
	" FROM ha_entities WHERE missing_since IS NULL GROUP BY domain ORDER BY domain";

static const char sql_run_insert[] =
	"INSERT INTO ha_sync_runs (kind, running_key, trigger_source, lease_until)"
	" VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND)";
static const char sql_run_abandon[] =
	"UPDATE ha_sync_runs SET status = 'failed', running_key = NULL, finished_at = NOW(3),"
	" error = 'abandoned: its process ended before it finished'"
	" WHERE running_key = ? AND lease_until < NOW(3)";
static const char sql_run_finish[] =
	"UPDATE ha_sync_runs SET status = ?, running_key = NULL, finished_at = NOW(3),"
	" created = ?, updated = ?, unchanged = ?, missing = ?, conflicts = ?, error = ?"
	" WHERE id = ? AND status = 'running'";
#define RUN_COLUMNS \
	"id, kind, trigger_source, status, created, updated, unchanged, missing, conflicts," \
	" error, DATE_FORMAT(started_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(finished_at, '%Y-%m-%dT%H:%i:%sZ')"
static const char sql_run_get[] =
	"SELECT " RUN_COLUMNS " FROM ha_sync_runs WHERE id = ?";
static const char sql_run_list[] =
	"SELECT " RUN_COLUMNS " FROM ha_sync_runs WHERE id < ? AND (? IS NULL OR kind = ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";

/* ---------------------------------------------------------------- rooms */

void store_ha_rooms_free(struct ha_room *rooms, size_t n)
{
	for (size_t i = 0; rooms && i < n; i++) {
		free((char *)rooms[i].name);
		free((char *)rooms[i].ha_area_id);
	}
	free(rooms);
}

static char *ha__dup(struct db_stmt *st, unsigned col)
{
	const char *v = db_col_text(st, col, NULL);

	return v ? strdup(v) : NULL;
}

enum herr store_ha_rooms_load(struct db *db, struct ha_room **rooms, size_t *n)
{
	struct db_stmt *st = NULL;
	size_t room = 0;
	enum herr rc;
	int r;

	*rooms = NULL;
	*n = 0;
	if ((rc = db_query(db, &st, sql_rooms_lock, "")) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		struct ha_room *x;

		if (store_grow(rooms, &room, *n, sizeof(**rooms), 32) != 0) {
			rc = HERR_NOMEM;
			break;
		}
		x = &(*rooms)[(*n)++];
		*x = (struct ha_room){db_col_int64(st, 0), ha__dup(st, 1), ha__dup(st, 2),
				      db_col_int64(st, 3) != 0};
		if (!x->name || (!db_col_is_null(st, 2) && !x->ha_area_id)) {
			rc = HERR_NOMEM;
			break;
		}
	}
	if (r < 0 && rc == HERR_OK)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

static enum herr ha__areas_keep(struct db *db, const json_t *areas)
{
	json_t *ids = json_array(), *a;
	char *ids_text = NULL, *data;
	enum herr rc = HERR_OK;
	size_t i;

	if (!ids)
		return HERR_NOMEM;
	json_array_foreach(areas, i, a) {
		const char *id = json_string_value(json_object_get(a, "area_id"));

		if (!(data = json_dumps(a, JSON_COMPACT)) || json_array_append_new(ids, json_string(id))) {
			free(data);
			rc = HERR_NOMEM;
			break;
		}
		rc = db_exec(db, sql_area_put, "ssss", id, json_string_value(json_object_get(a, "name")),
			     json_string_value(json_object_get(a, "floor_id")), data);
		free(data);
		if (rc != HERR_OK)
			break;
	}
	if (rc == HERR_OK && !(ids_text = json_dumps(ids, JSON_COMPACT)))
		rc = HERR_NOMEM;
	if (rc == HERR_OK)
		rc = db_exec(db, sql_areas_gone, "s", ids_text);
	free(ids_text);
	json_decref(ids);
	return rc;
}

enum herr store_ha_rooms_apply(struct db *db, const struct ha_step *steps, size_t n,
			       const json_t *areas_json)
{
	enum herr rc = HERR_OK;

	for (size_t i = 0; i < n && rc == HERR_OK; i++) {
		const struct ha_step *s = &steps[i];

		switch (s->kind) {
		case HA_STEP_CREATE:
			rc = db_exec(db, sql_room_create, "ss", s->area->name, s->area->area_id);
			break;
		case HA_STEP_UPDATE:
			rc = db_exec(db, sql_room_update, "ssI", s->area->name, s->area->area_id,
				     s->room->id);
			break;
		case HA_STEP_MISSING:
			rc = db_exec(db, sql_room_missing, "I", s->room->id);
			break;
		case HA_STEP_UNCHANGED:
		case HA_STEP_CONFLICT:
			break;
		}
	}
	return rc == HERR_OK ? ha__areas_keep(db, areas_json) : rc;
}

/* ---------------------------------------------------------------- sensors */

void store_ha_sensors_free(struct ha_sensor *sensors, size_t n)
{
	for (size_t i = 0; sensors && i < n; i++) {
		free((char *)sensors[i].entity_id);
		free((char *)sensors[i].name);
		free((char *)sensors[i].sensor_type);
	}
	free(sensors);
}

enum herr store_ha_sensors_load(struct db *db, struct ha_sensor **sensors, size_t *n)
{
	struct db_stmt *st = NULL;
	size_t room = 0;
	enum herr rc;
	int r;

	*sensors = NULL;
	*n = 0;
	if ((rc = db_query(db, &st, sql_sensors_lock, "")) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		struct ha_sensor *x;

		if (store_grow(sensors, &room, *n, sizeof(**sensors), 64) != 0) {
			rc = HERR_NOMEM;
			break;
		}
		x = &(*sensors)[(*n)++];
		*x = (struct ha_sensor){db_col_int64(st, 0), ha__dup(st, 1), ha__dup(st, 2),
					ha__dup(st, 3), db_col_int64(st, 4), db_col_int64(st, 5) != 0};
		if (!x->name || !x->sensor_type || (!db_col_is_null(st, 1) && !x->entity_id)) {
			rc = HERR_NOMEM;
			break;
		}
	}
	if (r < 0 && rc == HERR_OK)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

/* The config a synced sensor of type gets from its entity. */
static const char *ha__config(const struct ha_entity *e, char *buf, size_t len)
{
	int k;

	if (strcmp(e->sensor_type, "button") == 0)
		return "{}";
	k = snprintf(buf, len, "{\"ha_entity_id\": \"%s\"}", e->entity_id);
	return k > 0 && (size_t)k < len ? buf : NULL;   /* entity ids need no escaping */
}

enum herr store_ha_sensors_apply(struct db *db, const struct ha_sensor_step *steps, size_t n)
{
	char config[HA_ID_MAX + 32];
	enum herr rc = HERR_OK;

	for (size_t i = 0; i < n && rc == HERR_OK; i++) {
		const struct ha_sensor_step *s = &steps[i];
		const char *cfg = s->entity ? ha__config(s->entity, config, sizeof(config)) : NULL;

		if (s->entity && !cfg)
			return HERR_INVALID;
		switch (s->kind) {
		case HA_STEP_CREATE:
			rc = db_exec(db, sql_sensor_create, "ssJss", s->entity->name,
				     s->entity->sensor_type, s->entity->room_id, s->entity->entity_id, cfg);
			break;
		case HA_STEP_UPDATE:
			rc = db_exec(db, sql_sensor_update, "ssJsI", s->entity->name,
				     s->entity->sensor_type, s->entity->room_id, cfg, s->sensor->id);
			break;
		case HA_STEP_MISSING:
			rc = db_exec(db, sql_sensor_missing, "I", s->sensor->id);
			break;
		case HA_STEP_UNCHANGED:
		case HA_STEP_CONFLICT:
			break;
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- devices, entities */

static const char *ha__s(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A JSON value as text for a JSON column; NULL when v is. */
static char *ha__dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

enum herr store_ha_device_put(struct db *db, const json_t *d, int *changed)
{
	const char *name = ha__s(d, "name_by_user") ?: ha__s(d, "name");
	char *data = ha__dump(d);
	enum herr rc;

	*changed = 0;
	if (!data)
		return HERR_NOMEM;
	rc = db_exec(db, sql_device_put, "ssssss", ha__s(d, "id"), name, ha__s(d, "area_id"),
		     ha__s(d, "manufacturer"), ha__s(d, "model"), data);
	free(data);
	if (rc == HERR_OK)
		*changed = (int)db_changes(db);
	return rc;
}

enum herr store_ha_entity_put(struct db *db, const json_t *e, const char *area_id,
			      const char *device_class, const json_t *state, int *changed)
{
	const char *id = ha__s(e, "entity_id"), *dot = id ? strchr(id, '.') : NULL;
	const json_t *attrs = json_object_get(state, "attributes");
	const char *name = ha__s(e, "name") ?: ha__s(attrs, "friendly_name");
	char domain[64], *data = ha__dump(e), *attr_text = ha__dump(attrs);
	enum herr rc = HERR_NOMEM;

	*changed = 0;
	if (!id || !dot || (size_t)(dot - id) >= sizeof(domain)) {
		rc = HERR_INVALID;
		goto out;
	}
	memcpy(domain, id, (size_t)(dot - id));
	domain[dot - id] = '\0';
	if (!data || (attrs && !attr_text))
		goto out;
	rc = db_exec(db, sql_entity_put, "ssssssbssss", id, domain,
		     name ?: ha__s(e, "original_name"), ha__s(e, "device_id"), area_id, device_class,
		     json_is_string(json_object_get(e, "disabled_by")), ha__s(state, "state"),
		     attr_text, ha__s(state, "last_changed"), data);
	if (rc == HERR_OK)
		*changed = (int)db_changes(db);
out:
	free(data);
	free(attr_text);
	return rc;
}

static enum herr ha__gone(struct db *db, const char *sql_gone, const char *sql_count,
			  const json_t *ids, unsigned *missing)
{
	char *text = ha__dump(ids);
	int64_t n = 0;
	enum herr rc;

	*missing = 0;
	if (!text)
		return HERR_NOMEM;
	rc = db_exec(db, sql_gone, "s", text);
	free(text);
	if (rc == HERR_OK && (rc = db_row(db, sql_count, "", "I", &n)) == HERR_OK)
		*missing = (unsigned)n;
	return rc;
}

enum herr store_ha_devices_gone(struct db *db, const json_t *ids, unsigned *missing)
{
	return ha__gone(db, sql_devices_gone, sql_devices_missing, ids, missing);
}

enum herr store_ha_entities_gone(struct db *db, const json_t *ids, unsigned *missing)
{
	return ha__gone(db, sql_entities_gone, sql_entities_missing, ids, missing);
}

static json_t *ha__entity_row(struct db_stmt *st)
{
	size_t len = 0;
	const char *attrs = db_col_text(st, 9, &len);
	json_t *a = attrs ? json_loadb(attrs, len, 0, NULL) : json_null();

	return json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:b, s:s?, s:o, s:s?, s:b}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "entity_id", db_col_text(st, 1, NULL),
			 "domain", db_col_text(st, 2, NULL),
			 "name", db_col_text(st, 3, NULL),
			 "device_id", db_col_text(st, 4, NULL),
			 "area_id", db_col_text(st, 5, NULL),
			 "device_class", db_col_text(st, 6, NULL),
			 "disabled", db_col_int64(st, 7) != 0,
			 "state", db_col_text(st, 8, NULL),
			 "attributes", a ? a : json_null(),
			 "last_changed", db_col_text(st, 10, NULL),
			 "missing", db_col_int64(st, 11) != 0);
}

enum herr store_ha_entities_list(struct db *db, const struct ha_entity_filter *f,
				 const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_entities_list, "IssssII",
		      pg->offset >= 0 ? (int64_t)0 : pg->after_id, f->domain, f->domain,
		      f->area_id, f->area_id, (int64_t)pg->limit + 1,
		      pg->offset >= 0 ? pg->offset : (int64_t)0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, ha__entity_row, items, has_more);
}

enum herr store_ha_entity_get(struct db *db, const char *entity_id, json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_query(db, &st, sql_entity_get, "s", entity_id)) != HERR_OK)
		return rc;
	return store_rows_take_one(st, ha__entity_row, out);
}

static const char sql_entity_states[] =
	"SELECT entity_id, state, disabled FROM ha_entities WHERE missing_since IS NULL";

enum herr store_ha_entity_states(struct db *db, json_t *out)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int f;

	if ((rc = db_query(db, &st, sql_entity_states, "")) != HERR_OK)
		return rc;
	while ((f = db_fetch(st)) == 1) {
		const char *id = db_col_text(st, 0, NULL);
		json_t *one = json_pack("{s:s?, s:b}", "state", db_col_text(st, 1, NULL),
					"disabled", db_col_int64(st, 2) != 0);

		if (!id) {
			json_decref(one);
			continue;
		}
		if (!one || json_object_set_new(out, id, one) != 0) {
			rc = HERR_NOMEM;
			break;
		}
	}
	if (f < 0 && rc == HERR_OK)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

static json_t *ha__domain_row(struct db_stmt *st)
{
	int64_t n = db_col_int64(st, 1), on = db_col_int64(st, 2), off = db_col_int64(st, 3);
	int64_t unavailable = db_col_int64(st, 4), unknown = db_col_int64(st, 5);

	return json_pack("{s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I}}",
			 "domain", db_col_text(st, 0, NULL),
			 "count", (json_int_t)n,
			 "states",
			 "on", (json_int_t)on,
			 "off", (json_int_t)off,
			 "unavailable", (json_int_t)unavailable,
			 "unknown", (json_int_t)unknown,
			 "other", (json_int_t)(n - on - off - unavailable - unknown));
}

enum herr store_ha_domains_summary(struct db *db, json_t *items, int64_t *total)
{
	struct db_stmt *st = NULL;
	bool more = false;
	size_t i;
	json_t *d;
	enum herr rc;

	*total = 0;
	if ((rc = db_prepare(db, sql_domains, &st)) != HERR_OK)
		return rc;
	/* HA's domains are a few dozen: one page holds them all. */
	rc = store_rows_page(st, 100000, ha__domain_row, items, &more);
	db_done(st);
	json_array_foreach(items, i, d)
		*total += json_integer_value(json_object_get(d, "count"));
	return rc;
}

/* ---------------------------------------------------------------- runs */

enum herr store_ha_sync_claim(struct db *db, const char *kind, const char *trigger,
			      unsigned lease_s, int64_t *run_id)
{
	enum herr rc;

	*run_id = 0;
	rc = db_exec(db, sql_run_insert, "sssI", kind, kind, trigger, (int64_t)lease_s);
	if (rc == HERR_CONFLICT) {
		if ((rc = db_exec(db, sql_run_abandon, "s", kind)) != HERR_OK)
			return rc;
		if (db_changes(db) == 0)
			return HERR_CONFLICT;
		LOG(LOG_WARNING, "home assistant: a %s sync past its lease is marked failed", kind);
		rc = db_exec(db, sql_run_insert, "sssI", kind, kind, trigger, (int64_t)lease_s);
	}
	if (rc == HERR_OK)
		*run_id = (int64_t)db_last_id(db);
	return rc;
}

enum herr store_ha_sync_finish(struct db *db, int64_t run_id, const struct ha_counts *c,
			       const char *error)
{
	return db_exec(db, sql_run_finish, "sIIIIIsI", error ? "failed" : "completed",
		       (int64_t)c->created, (int64_t)c->updated, (int64_t)c->unchanged,
		       (int64_t)c->missing, (int64_t)c->conflicts, error, run_id);
}

static json_t *ha__run_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s?, s:s, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "kind", db_col_text(st, 1, NULL),
			 "trigger", db_col_text(st, 2, NULL),
			 "status", db_col_text(st, 3, NULL),
			 "created", (json_int_t)db_col_int64(st, 4),
			 "updated", (json_int_t)db_col_int64(st, 5),
			 "unchanged", (json_int_t)db_col_int64(st, 6),
			 "missing", (json_int_t)db_col_int64(st, 7),
			 "conflicts", (json_int_t)db_col_int64(st, 8),
			 "error", db_col_text(st, 9, NULL),
			 "started_at", db_col_text(st, 10, NULL),
			 "finished_at", db_col_text(st, 11, NULL));
}

enum herr store_ha_sync_get(struct db *db, int64_t run_id, json_t **out)
{
	return store_rows_get(db, sql_run_get, run_id, ha__run_row, out);
}

enum herr store_ha_sync_list(struct db *db, const char *kind, const struct page *pg, json_t *items,
			     bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_run_list, "IssII", pg->after_id, kind, kind,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : (int64_t)0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, ha__run_row, items, has_more);
}
