/*
 * A sensor event recorded and fired (engine/sensor_event.h).
 *
 * The hottest write path of the API (devices post events with a device
 * key): the store's three statements, the status read back, and
 * engine_fire_sensor.  The event stays JSON values from the request body
 * to the store, which serialises each column once.
 */
#include <string.h>

#include "engine/engine.h"
#include "engine/sensor_event.h"
#include "store/store.h"

enum herr sensor_event_state(const struct sensor_event *ev, json_t **state)
{
	static const char *const momentary[] = {"press", "double_press", "long_press",
						"image", "motion", "person", NULL};

	*state = NULL;
	for (size_t i = 0; momentary[i]; i++)
		if (strcmp(ev->event_type, momentary[i]) == 0)
			return HERR_OK;
	if (strcmp(ev->event_type, "level") == 0) {
		/* json_incref does not change the value: it only counts a holder. */
		*state = ev->value ? json_incref((json_t *)ev->value) : NULL;
		return HERR_OK;
	}
	*state = json_string(ev->event_type);
	return *state ? HERR_OK : HERR_NOMEM;
}

/* The sensor's sensor_event rules offered the event of event_id. */
static enum herr sensor_event__fire(struct engine *engine, const struct sensor_event *ev,
				    int64_t event_id, int64_t *run_ids, size_t cap, size_t *n)
{
	json_t *input = json_pack("{s:I, s:s, s:O, s:o, s:s?}", "event_id", (json_int_t)event_id,
				  "event_type", ev->event_type,
				  "value", ev->value ? ev->value : json_null(),
				  "attributes", ev->attributes ? json_incref((json_t *)ev->attributes)
							      : json_object(),
				  "occurred_at", ev->occurred_at);
	struct trigger trig = {.type = "sensor_event", .sensor_id = ev->sensor_id, .input = input,
			       .media_paths = ev->media_paths, .media_type = ev->media_type};
	enum herr e;

	if (!input)
		return HERR_NOMEM;
	e = engine_fire_sensor(engine, &trig, run_ids, cap, n);
	json_decref(input);
	return e;
}

enum herr sensor_event_record(struct engine *engine, struct db *db, const struct sensor_event *ev,
			      int64_t *run_ids, size_t cap, struct sensor_event_result *out)
{
	json_t *state = NULL;
	bool rules_failed = false;
	enum herr e;

	memset(out, 0, sizeof(*out));
	if ((e = sensor_event_state(ev, &state)) != HERR_OK)
		goto out;

	const struct sensor_event_fields f = {
		.event_type = ev->event_type,
		.value = ev->value,
		.attributes = ev->attributes,
		.occurred_at = ev->occurred_at,
		.state = state,
	};
	if ((e = store_sensor_events_record(db, ev->sensor_id, &f, &out->event_id,
					    &out->applied)) != HERR_OK)
		goto out;
	if (ev->state_only && out->applied && state)
		e = (out->status = json_pack("{s:O}", "state", state)) ? HERR_OK : HERR_NOMEM;
	else
		e = store_sensor_status_get(db, ev->sensor_id, &out->status);
	if (e != HERR_OK)
		goto out;
	if (out->applied && engine &&
	    (e = sensor_event__fire(engine, ev, out->event_id, run_ids, cap, &out->n_runs)) !=
		    HERR_OK)
		rules_failed = true;
out:
	json_decref(state);
	if (e != HERR_OK) {
		json_decref(out->status);
		memset(out, 0, sizeof(*out));
		out->rules_failed = rules_failed;
	}
	return e;
}
