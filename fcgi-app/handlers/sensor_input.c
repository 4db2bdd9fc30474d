/*
 * Sensor input: POST /sensors/{id}/events (what a sensor reports),
 * GET /sensors/{id}/status (the state that left it in) and GET /occupancy
 * (rooms occupied or not, from their presence sensors).
 *
 * Devices post events with a device key, so this is the hottest write
 * path of the API: one locked row, one insert, one update.  Each event is
 * also published on the events stream once it is committed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "engine/sensor_event.h"
#include "fields.h"
#include "handlers.h"
#include "iso8601.h"
#include "response.h"
#include "sensor_types.h"
#include "store/store.h"

/* value is any JSON and checked by hand; occurred_at is a time. */
static const struct vfield event_fields[] = {
	{"event_type", V_STRING, V_REQUIRED, 1, 32, NULL},
	{"attributes", V_OBJECT, 0, 0, 0, NULL},
	{"occurred_at", V_STRING, 0, 1, 64, NULL},
};
#define EVENT_FIELDS_COUNT (sizeof(event_fields) / sizeof(event_fields[0]))

#define EVENT_TYPES_MAX 8

/* ---- events */

void ctx_publish_sensor_event(struct ctx *c, const json_t *sensor, const json_t *body,
			      int64_t event_id, const json_t *status_obj, bool applied,
			      json_t *runs)
{
	const char *given = json_string_value(json_object_get(body, "occurred_at"));
	json_t *attributes = json_object_get(body, "attributes");
	char at[ISO8601_LEN];
	int64_t ms;
	json_t *data;

	/* The API's form of a time, whatever offset the sensor wrote. */
	if (given && iso8601_parse(given, &ms) == 0)
		iso8601_format(ms / 1000, at);
	else
		iso8601_format((int64_t)time(NULL), at);
	attributes = attributes ? json_incref(attributes) : json_object();
	data = json_pack("{s:I, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o, s:s, s:O?, s:b, s:O}",
			 "event_id", (json_int_t)event_id,
			 "sensor_id", json_object_get(sensor, "id"),
			 "sensor_name", json_object_get(sensor, "name"),
			 "sensor_type", json_object_get(sensor, "sensor_type"),
			 "room_id", json_object_get(sensor, "room_id"),
			 "event_type", json_object_get(body, "event_type"),
			 "value", json_object_get(body, "value"),
			 "attributes", attributes,
			 "occurred_at", at,
			 "state", json_object_get(status_obj, "state"),
			 "applied", applied, "execution_ids", runs);
	if (data)
		app_publish(c->app, "events", "event.created", data);
}

/* Check an event body for a sensor of type t; returns the number of
 * problems added to errs. */
static size_t sensor_input__check(const json_t *body, const struct sensor_type *t,
				  json_t *errs)
{
	json_t *plain = json_copy((json_t *)body);
	const char *type = json_string_value(json_object_get(body, "event_type"));
	const json_t *value = json_object_get(body, "value");
	size_t n;

	if (!plain)
		return 1;
	json_object_del(plain, "value");
	n = validate_object(plain, at_body, event_fields, EVENT_FIELDS_COUNT, false, errs);
	json_decref(plain);
	if (type && !sensor_type_accepts_event(t, type)) {
		const char *names[EVENT_TYPES_MAX + 1];

		if (sensor_type_events(t, names, EVENT_TYPES_MAX) == 0)
			verr_add(errs, at_body, "event_type", "value_error",
				 "a %s sensor reports no events",
				 t ? sensor_type_name(t) : "(unknown type)");
		else
			verr_enum(errs, at_body, "event_type", names);
		n++;
	}
	/* A level with no number would leave nothing to compare rules against. */
	if (type && strcmp(type, "level") == 0 && sensor_type_accepts_event(t, type) &&
	    !json_is_number(value)) {
		verr_add(errs, at_body, "value", value ? "float_type" : "missing",
			 "A level event needs a number as value");
		n++;
	}
	return n;
}

int h_sensor_events_post(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *sensor = NULL, *reply, *runs = NULL;
	struct sensor_event_result res = {0};
	char occurred_at[HANDLER_TIME_LEN];
	int64_t ids[APP_AFTER_MAX];
	const struct sensor_type *t;
	int64_t id;
	size_t problems;
	enum herr e;
	int status;

	if (ctx_path_id(c, r, "id", &id) != 0 || ctx_bound_check(c, r, id, "sensor") != 0)
		return r->status;
	e = store_sensors_get(c->app->db, id, false, &sensor);
	if (e != HERR_OK) {
		status = e == HERR_NOT_FOUND
			 ? response_detail(r, 404, "sensor %" PRId64 " not found", id)
			 : response_error(r, e, "sensor");
		goto out;
	}
	t = sensor_type_find(json_string_value(json_object_get(sensor, "sensor_type")));
	body = ctx_body(c);
	errs = json_array();
	runs = json_array();
	if (!body || !errs || !runs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	/* Both checks run, so every problem is reported at once. */
	problems = sensor_input__check(body, t, errs);
	if (ctx_body_time(body, "occurred_at", occurred_at, errs) < 0)
		problems++;
	if (problems > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	const struct sensor_event ev = {
		.sensor_id = id,
		.event_type = json_string_value(json_object_get(body, "event_type")),
		.value = json_object_get(body, "value"),
		.attributes = json_object_get(body, "attributes"),
		.occurred_at = json_object_get(body, "occurred_at") ? occurred_at : NULL,
	};
	/* The event and the runs it starts commit with the request; the runs
	 * themselves go after the response. */
	e = sensor_event_record(c->app->engine, c->app->db, &ev, ids, APP_AFTER_MAX, &res);
	if (e != HERR_OK && res.rules_failed) {
		status = response_error(r, e, "rules");
		goto out;
	}
	if (e == HERR_CONFLICT) {
		status = response_detail(r, 409, "sensor %" PRId64 " is disabled", id);
		goto out;
	}
	if (e == HERR_NOT_FOUND) {
		status = response_detail(r, 404, "sensor %" PRId64 " not found", id);
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "sensor event");
		goto out;
	}
	for (size_t i = 0; i < res.n_runs; i++) {
		json_array_append_new(runs, json_integer(ids[i]));
		app_after(c->app, ids[i], AFTER_RUN);
	}
	/* The audit row names the sensor, whose state is what changed.  No
	 * cache namespace is made stale: the cached sensor lists carry no
	 * state. */
	ctx_changed(c, id, NULL, NULL);
	ctx_publish_sensor_event(c, sensor, body, res.event_id, res.status, res.applied, runs);
	reply = json_pack("{s:I, s:I, s:O, s:b, s:o}", "event_id", (json_int_t)res.event_id,
			  "sensor_id", (json_int_t)id, "state", json_object_get(res.status, "state"),
			  "applied", res.applied, "execution_ids", runs);
	runs = NULL;
	status = ctx_reply(r, 202, reply);
out:
	json_decref(body);
	json_decref(errs);
	json_decref(sensor);
	json_decref(res.status);
	json_decref(runs);
	return status;
}

int h_sensor_status(struct ctx *c, struct response *r)
{
	json_t *obj = NULL;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_sensor_status_get(c->app->db, id, &obj);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "sensor %" PRId64 " not found", id);
	if (e != HERR_OK)
		return response_error(r, e, "sensor");
	return ctx_reply(r, 200, obj);
}

int h_occupancy(struct ctx *c, struct response *r)
{
	json_t *items = json_array();
	enum herr e;

	if (!items)
		return response_detail(r, 500, "out of memory");
	e = store_occupancy(c->app->db, items);
	if (e != HERR_OK) {
		json_decref(items);
		return response_error(r, e, "occupancy");
	}
	return ctx_reply(r, 200, json_pack("{s:o}", "items", items));
}
