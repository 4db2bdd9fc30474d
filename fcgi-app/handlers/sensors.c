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
#include "resource.h"
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

static enum herr sensors__check_obj(struct ctx *c, const struct resource_key *k,
				    const json_t *obj, json_t *errs)
{
	sensors__check(obj, errs);
	return HERR_OK;
}

static enum herr sensors__list(struct ctx *c, const void *filter, const struct page *pg,
			       json_t *items, bool *has_more)
{
	return store_sensors_list(c->app->db, filter, pg, items, has_more);
}

static enum herr sensors__get(struct ctx *c, const struct resource_key *k, bool lock,
			      json_t **out)
{
	return store_sensors_get(c->app->db, k->id, lock, out);
}

/* Create (no id yet) or update a checked sensor. */
static enum herr sensors__save(struct ctx *c, const struct resource_key *k, const json_t *obj,
			       json_t **out)
{
	struct sensor_fields s;
	char *config_json = NULL;
	enum herr e;

	if (sensors__fields(obj, &s, &config_json) != 0)
		e = HERR_NOMEM;
	else if (k->id == 0)
		e = store_sensors_create(c->app->db, &s, out);
	else
		e = store_sensors_update(c->app->db, k->id, &s, out);
	free(config_json);
	return e;
}

static enum herr sensors__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	return store_sensors_delete(c->app->db, k->id);
}

static int sensors__conflict(struct response *r, const struct resource_key *k, const json_t *obj)
{
	const char *source = json_string_value(json_object_get(obj, "source"));
	const char *external_id = json_string_value(json_object_get(obj, "external_id"));

	/* (source, external_id) is what identifies an imported sensor. */
	if (external_id)
		return response_detail(r, 409, "a sensor with source '%s' and external_id '%s' "
				       "already exists", source ? source : "manual", external_id);
	return response_error(r, HERR_CONFLICT, "sensor");
}

static int sensors__invalid(struct response *r, const json_t *obj)
{
	json_t *errs = json_array();

	verr_add(errs, at_body, "room_id", "value_error", "room %" JSON_INTEGER_FORMAT
		 " does not exist", json_integer_value(json_object_get(obj, "room_id")));
	return ctx_invalid(r, errs);
}

static int sensors__in_use(struct response *r, const struct resource_key *k, int64_t count)
{
	return response_detail(r, 409, "sensor %" PRId64 " is used by rules; "
			       "change or delete them first", k->id);
}

/* Rooms show their sensor_count, so their pages go stale too. */
static const struct resource sensors = {
	.name = "sensor",
	.plural = "sensors",
	.cache_ns = CACHE_NS_SENSORS,
	.stale = {CACHE_NS_SENSORS, CACHE_NS_ROOMS},
	.fields = sensor_fields,
	.nfields = sizeof(sensor_fields) / sizeof(sensor_fields[0]),
	.list = sensors__list,
	.get = sensors__get,
	.create = sensors__save,
	.update = sensors__save,
	.remove = sensors__remove,
	.check = sensors__check_obj,
	.merged = sensors__keep_credentials,
	.shown = sensors__redact,
	.conflict = sensors__conflict,
	.invalid = sensors__invalid,
	.in_use = sensors__in_use,
};

int h_sensors_list(struct ctx *c, struct response *r)
{
	const char *names[SENSOR_TYPES_MAX + 1];
	struct sensor_filter f = {0, NULL, NULL};
	json_t *errs = json_array();
	char scope[160];

	sensors__type_names(names);
	ctx_query_int(c, "room_id", 1, INT64_MAX, &f.room_id, errs);
	ctx_query_enum(c, "sensor_type", names, &f.sensor_type, errs);
	ctx_query_enum(c, "source", sensor_sources, &f.source, errs);

	/* The filters are part of the scope: a cursor only continues its own list. */
	snprintf(scope, sizeof(scope), "sensors:room_id=%" PRId64 ";sensor_type=%s;source=%s",
		 f.room_id, f.sensor_type ? f.sensor_type : "", f.source ? f.source : "");
	return resource_list_filtered(c, r, &sensors, scope, errs, &f);
}

int h_sensors_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &sensors);
}

int h_sensors_create(struct ctx *c, struct response *r)
{
	return h_resource_create(c, r, &sensors);
}

int h_sensors_update(struct ctx *c, struct response *r)
{
	return h_resource_update(c, r, &sensors);
}

int h_sensors_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &sensors);
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
