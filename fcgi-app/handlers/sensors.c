/*
 * /api/v1/sensors and /api/v1/sensor-types.  A sensor's `config` is
 * checked against its type in the registry (lib/sensor_types.c), so a
 * change of sensor_type re-checks the config it will keep.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "media/grab.h"
#include "response.h"
#include "sensor_types.h"
#include "store/store.h"

#define SENSOR_TYPES_MAX 64

const char *const sensor_sources[] = {"manual", "home_assistant", "gpio", "device", NULL};

/* sensor_type is checked against the registry, config against the type. */
const struct vfield sensor_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"sensor_type", V_STRING, V_REQUIRED, 0, 0, NULL},
	{"room_id", V_ID, V_NULLABLE, 0, 0, NULL},
	{"source", V_STRING, 0, 0, 0, sensor_sources},
	{"external_id", V_STRING, V_NULLABLE, 0, 255, NULL},
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"config", V_OBJECT, 0, 0, 0, NULL},
};
const size_t sensor_fields_count = sizeof(sensor_fields) / sizeof(sensor_fields[0]);

/* The registry's names, NULL-terminated, for enum checks and messages. */
static void sensors__type_names(const char *names[SENSOR_TYPES_MAX + 1])
{
	size_t n = sensor_types_count();

	if (n > SENSOR_TYPES_MAX)
		n = SENSOR_TYPES_MAX;
	for (size_t i = 0; i < n; i++)
		names[i] = sensor_type_name(sensor_type_at(i));
	names[n] = NULL;
}

/*
 * Check a whole sensor (a create body, or the merge of a stored sensor and
 * an update): its fields, its type, and its config against that type.
 * Returns the number of problems added to errs.
 */
static size_t sensors__check(const json_t *obj, json_t *errs)
{
	size_t n = validate_object(obj, at_body, sensor_fields, sensor_fields_count, false, errs);
	const json_t *type = json_object_get(obj, "sensor_type");
	const json_t *config = json_object_get(obj, "config");
	const struct sensor_type *t;

	if (!json_is_string(type))
		return n;
	t = sensor_type_find(json_string_value(type));
	if (!t) {
		const char *names[SENSOR_TYPES_MAX + 1];

		sensors__type_names(names);
		verr_enum(errs, at_body, "sensor_type", names);
		return n + 1;
	}
	if (!config || json_is_object(config))
		n += sensor_type_validate_config(t, config, errs);
	return n;
}

/*
 * The store's view of a checked sensor, with defaults for what is absent.
 * *config_json is malloc'd (free it) once the fields are no longer needed;
 * strings in *s are borrowed from obj.  -1 on allocation failure.
 */
static int sensors__fields(const json_t *obj, struct sensor_fields *s, char **config_json)
{
	const json_t *config = json_object_get(obj, "config");
	const json_t *enabled = json_object_get(obj, "enabled");
	const char *source = json_string_value(json_object_get(obj, "source"));

	s->name = json_string_value(json_object_get(obj, "name"));
	s->sensor_type = json_string_value(json_object_get(obj, "sensor_type"));
	s->room_id = json_integer_value(json_object_get(obj, "room_id")); /* null -> 0 */
	s->source = source ? source : "manual";
	s->external_id = json_string_value(json_object_get(obj, "external_id"));
	s->enabled = json_is_boolean(enabled) ? json_is_true(enabled) : true;
	*config_json = config ? json_dumps(config, JSON_COMPACT) : strdup("{}");
	s->config_json = *config_json;
	return *config_json ? 0 : -1;
}

/* Map a store error of create/update to its reply. */
static int sensors__error(struct response *r, enum herr e, int64_t id,
			  const struct sensor_fields *s)
{
	switch (e) {
	case HERR_NOT_FOUND:
		return response_detail(r, 404, "sensor %" PRId64 " not found", id);
	case HERR_INVALID: {
		json_t *errs = json_array();

		verr_add(errs, at_body, "room_id", "value_error", "room %" PRId64 " does not exist",
			 s ? s->room_id : 0);
		return ctx_invalid(r, errs);
	}
	case HERR_CONFLICT:
		/* (source, external_id) is what identifies an imported sensor. */
		if (s && s->external_id)
			return response_detail(r, 409, "a sensor with source '%s' and external_id "
					       "'%s' already exists", s->source, s->external_id);
		return response_error(r, e, "sensor");
	default:
		return response_error(r, e, "sensor");
	}
}

/*
 * Camera URLs carry credentials: every reply shows them as "***"
 * (media/grab.h), and an update that sends "***" back keeps the stored
 * ones (current: the sensor as stored, merged: what will be saved).
 */
static void sensors__redact(json_t *sensor)
{
	static const char *const keys[] = {"snapshot_url", "stream_url"};
	json_t *config = json_object_get(sensor, "config");
	const char *type = json_string_value(json_object_get(sensor, "sensor_type"));
	char shown[CAMERA_URL_MAX + 8];

	if (!json_is_object(config) || !type || strcmp(type, "camera") != 0)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *url = json_string_value(json_object_get(config, keys[i]));

		if (url && camera_url_redact(url, shown, sizeof(shown), NULL) == 0)
			json_object_set_new(config, keys[i], json_string(shown));
		else if (url)
			json_object_set_new(config, keys[i], json_string(CAMERA_REDACTED));
	}
}

static void sensors__keep_credentials(const json_t *current, json_t *merged)
{
	static const char *const keys[] = {"snapshot_url", "stream_url"};
	const json_t *old = json_object_get(current, "config");
	json_t *config = json_object_get(merged, "config");
	char url[CAMERA_URL_MAX + 1];

	if (!json_is_object(config))
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *sent = json_string_value(json_object_get(config, keys[i]));

		if (sent && camera_url_keep(sent, json_string_value(json_object_get(old, keys[i])),
					    url, sizeof(url)) == 0)
			json_object_set_new(config, keys[i], json_string(url));
	}
}

static int sensors__changed(struct ctx *c, struct response *r, int status, json_t *sensor)
{
	sensors__redact(sensor);
	/* Rooms show their sensor_count, so their pages go stale too. */
	ctx_changed(c, json_integer_value(json_object_get(sensor, "id")), CACHE_NS_SENSORS,
		    CACHE_NS_ROOMS);
	return ctx_reply(r, status, sensor);
}

int h_sensors_list(struct ctx *c, struct response *r)
{
	const char *names[SENSOR_TYPES_MAX + 1];
	struct sensor_filter f = {0, NULL, NULL};
	char scope[160];
	struct list_cache lc;
	struct page pg;
	json_t *errs = json_array(), *items = json_array();
	bool has_more = false;
	enum herr e;
	int status;

	if (!errs || !items) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	sensors__type_names(names);
	ctx_query_int(c, "room_id", 1, INT64_MAX, &f.room_id, errs);
	ctx_query_enum(c, "sensor_type", names, &f.sensor_type, errs);
	ctx_query_enum(c, "source", sensor_sources, &f.source, errs);

	/* The filters are part of the scope: a cursor only continues its own list. */
	snprintf(scope, sizeof(scope), "sensors:room_id=%" PRId64 ";sensor_type=%s;source=%s",
		 f.room_id, f.sensor_type ? f.sensor_type : "", f.source ? f.source : "");
	ctx_page(c, scope, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	if (ctx_list_cached(c, r, CACHE_NS_SENSORS, &lc)) {
		status = r->status;
		goto out;
	}
	e = store_sensors_list(c->app->db, &f, &pg, items, &has_more);
	if (e != HERR_OK) {
		status = response_error(r, e, "sensors");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(items); i++)
		sensors__redact(json_array_get(items, i));
	status = ctx_list_reply(c, r, scope, &pg, items, has_more);
	ctx_list_cache_fill(c, r, &lc);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_sensors_get(struct ctx *c, struct response *r)
{
	int64_t id;
	json_t *sensor = NULL;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_sensors_get(c->app->db, id, false, &sensor);
	if (e != HERR_OK)
		return sensors__error(r, e, id, NULL);
	sensors__redact(sensor);
	return ctx_reply(r, 200, sensor);
}

int h_sensors_create(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *sensor = NULL;
	struct sensor_fields s;
	char *config_json = NULL;
	enum herr e;
	int status;

	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (sensors__check(body, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (sensors__fields(body, &s, &config_json) != 0) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	e = store_sensors_create(c->app->db, &s, &sensor);
	if (e != HERR_OK) {
		status = sensors__error(r, e, 0, &s);
		goto out;
	}
	status = sensors__changed(c, r, 201, sensor);
out:
	free(config_json);
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_sensors_update(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *current = NULL, *merged = NULL, *sensor = NULL;
	struct sensor_fields s;
	char *config_json = NULL;
	int64_t id;
	enum herr e;
	int status;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}

	/* Locked, so the fields not given are kept as they are now. */
	e = store_sensors_get(c->app->db, id, true, &current);
	if (e != HERR_OK) {
		status = sensors__error(r, e, id, NULL);
		goto out;
	}
	merged = fields_merge(current, body, sensor_fields, sensor_fields_count);
	if (!merged) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	sensors__keep_credentials(current, merged);
	if (sensors__check(merged, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (sensors__fields(merged, &s, &config_json) != 0) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	e = store_sensors_update(c->app->db, id, &s, &sensor);
	if (e != HERR_OK) {
		status = sensors__error(r, e, id, &s);
		goto out;
	}
	status = sensors__changed(c, r, 200, sensor);
out:
	free(config_json);
	json_decref(body);
	json_decref(errs);
	json_decref(current);
	json_decref(merged);
	return status;
}

int h_sensors_delete(struct ctx *c, struct response *r)
{
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_sensors_delete(c->app->db, id);
	if (e == HERR_CONFLICT)
		return response_detail(r, 409, "sensor %" PRId64 " is used by rules; "
				       "change or delete them first", id);
	if (e != HERR_OK)
		return sensors__error(r, e, id, NULL);
	ctx_changed(c, id, CACHE_NS_SENSORS, CACHE_NS_ROOMS);
	return ctx_reply(r, 204, NULL);
}

int h_sensor_types(struct ctx *c, struct response *r)
{
	json_t *items = json_array();

	for (size_t i = 0; items && i < sensor_types_count(); i++) {
		json_t *t = sensor_type_to_json(sensor_type_at(i));

		if (!t || json_array_append_new(items, t) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	return ctx_reply(r, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}
