/*
 * Scene snapshots and their restoring calls (see scene.h): one table row
 * per domain says which states can be restored and which attributes a
 * snapshot keeps; one function per kind of domain plans the calls.
 */
#include "ha/scene.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha/control.h"
#include "ha/map.h"

typedef json_t *(*scene_plan_fn)(const char *domain, const char *entity_id, const char *state,
				 const json_t *attrs);

struct scene_domain {
	const char *domain;
	const char *const *states;  /* the states restored; NULL: any but unavailable/unknown */
	const char *const *attrs;   /* kept when present and not null */
	scene_plan_fn plan;
};

/* Append call (consumed) to plan; false when either is NULL. */
static bool scene__add(json_t *plan, json_t *call)
{
	if (!plan || !call) {
		json_decref(call);
		return false;
	}
	return json_array_append_new(plan, call) == 0;
}

/* The value of attrs[name] as a new {"out_name": value}, or NULL when absent. */
static json_t *scene__data(const json_t *attrs, const char *name, const char *out_name)
{
	json_t *v = json_object_get(attrs, name);

	return v ? json_pack("{s:O}", out_name, v) : NULL;
}

static json_t *scene__on_off(const char *domain, const char *entity_id, const char *state,
			     const json_t *attrs)
{
	json_t *plan = json_array();

	(void)attrs;
	if (!scene__add(plan, ha_call_new(domain, strcmp(state, "off") == 0 ? "turn_off"
									      : "turn_on",
					  entity_id, NULL))) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

/* The color attribute each of HA's color modes is set by. */
static const char *scene__color_attr(const char *mode)
{
	static const char *const map[][2] = {
		{"color_temp", "color_temp_kelvin"}, {"hs", "hs_color"}, {"xy", "xy_color"},
		{"rgb", "rgb_color"}, {"rgbw", "rgbw_color"}, {"rgbww", "rgbww_color"},
	};

	for (size_t i = 0; mode && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], mode) == 0)
			return map[i][1];
	return NULL;
}

static json_t *scene__light(const char *domain, const char *entity_id, const char *state,
			    const json_t *attrs)
{
	const char *color = scene__color_attr(json_string_value(json_object_get(attrs,
										  "color_mode")));
	json_t *data, *plan;

	if (strcmp(state, "off") == 0)
		return scene__on_off(domain, entity_id, state, attrs);
	if (!(data = json_object()))
		return NULL;
	if (json_object_get(attrs, "brightness"))
		json_object_set(data, "brightness", json_object_get(attrs, "brightness"));
	if (color && json_object_get(attrs, color))
		json_object_set(data, color, json_object_get(attrs, color));
	plan = json_array();
	if (!scene__add(plan, ha_call_new("light", "turn_on", entity_id, data))) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static json_t *scene__climate(const char *domain, const char *entity_id, const char *state,
			      const json_t *attrs)
{
	json_t *plan = json_array(), *temp = NULL;
	bool ok;

	(void)domain;
	ok = scene__add(plan, ha_call_new("climate", "set_hvac_mode", entity_id,
					  json_pack("{s:s}", "hvac_mode", state)));
	if (ok && strcmp(state, "off") != 0) {
		if (json_object_get(attrs, "preset_mode"))
			ok = scene__add(plan, ha_call_new("climate", "set_preset_mode", entity_id,
							  scene__data(attrs, "preset_mode",
								      "preset_mode")));
		if (ok && json_object_get(attrs, "fan_mode"))
			ok = scene__add(plan, ha_call_new("climate", "set_fan_mode", entity_id,
							  scene__data(attrs, "fan_mode",
								      "fan_mode")));
		if (json_object_get(attrs, "temperature"))
			temp = scene__data(attrs, "temperature", "temperature");
		else if (json_object_get(attrs, "target_temp_low") &&
			 json_object_get(attrs, "target_temp_high"))
			temp = json_pack("{s:O, s:O}", "target_temp_low",
					 json_object_get(attrs, "target_temp_low"),
					 "target_temp_high", json_object_get(attrs, "target_temp_high"));
		if (ok && temp)
			ok = scene__add(plan, ha_call_new("climate", "set_temperature", entity_id,
							  temp));
		else
			json_decref(temp);
	}
	if (!ok) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

/* cover and valve: to the position when known, else open or closed. */
static json_t *scene__position(const char *domain, const char *entity_id, const char *state,
			       const json_t *attrs)
{
	bool cover = strcmp(domain, "cover") == 0, ok;
	json_t *plan = json_array();

	if (json_object_get(attrs, "current_position"))
		ok = scene__add(plan, ha_call_new(domain, cover ? "set_cover_position"
								: "set_valve_position",
						  entity_id,
						  scene__data(attrs, "current_position",
							      "position")));
	else
		ok = scene__add(plan, ha_call_new(domain,
						  strcmp(state, "open") == 0
							  ? (cover ? "open_cover" : "open_valve")
							  : (cover ? "close_cover" : "close_valve"),
						  entity_id, NULL));
	if (ok && cover && json_object_get(attrs, "current_tilt_position"))
		ok = scene__add(plan, ha_call_new(domain, "set_cover_tilt_position", entity_id,
						  scene__data(attrs, "current_tilt_position",
							      "tilt_position")));
	if (!ok) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static json_t *scene__fan(const char *domain, const char *entity_id, const char *state,
			  const json_t *attrs)
{
	json_t *plan, *data;

	if (strcmp(state, "off") == 0)
		return scene__on_off(domain, entity_id, state, attrs);
	/* A preset sets the speed its own way: one or the other. */
	data = json_object_get(attrs, "preset_mode") ? scene__data(attrs, "preset_mode",
								   "preset_mode")
						     : scene__data(attrs, "percentage", "percentage");
	plan = json_array();
	if (!scene__add(plan, ha_call_new("fan", "turn_on", entity_id, data))) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static json_t *scene__humidifier(const char *domain, const char *entity_id, const char *state,
				 const json_t *attrs)
{
	json_t *plan = scene__on_off(domain, entity_id, state, attrs);
	bool ok = plan != NULL;

	if (ok && strcmp(state, "on") == 0) {
		if (json_object_get(attrs, "humidity"))
			ok = scene__add(plan, ha_call_new(domain, "set_humidity", entity_id,
							  scene__data(attrs, "humidity",
								      "humidity")));
		if (ok && json_object_get(attrs, "mode"))
			ok = scene__add(plan, ha_call_new(domain, "set_mode", entity_id,
							  scene__data(attrs, "mode", "mode")));
	}
	if (!ok) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

/* Playback is not restored: on (or off) and the volume. */
static json_t *scene__media(const char *domain, const char *entity_id, const char *state,
			    const json_t *attrs)
{
	bool off = strcmp(state, "off") == 0, ok;
	json_t *plan = json_array();

	ok = scene__add(plan, ha_call_new(domain, off ? "turn_off" : "turn_on", entity_id, NULL));
	if (ok && !off && json_object_get(attrs, "volume_level"))
		ok = scene__add(plan, ha_call_new(domain, "volume_set", entity_id,
						  scene__data(attrs, "volume_level",
							      "volume_level")));
	if (!ok) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static json_t *scene__number(const char *domain, const char *entity_id, const char *state,
			     const json_t *attrs)
{
	json_t *plan = json_array();
	char *end = NULL;
	double v = strtod(state, &end);

	(void)attrs;
	if (end == state || *end != '\0' || !isfinite(v) ||
	    !scene__add(plan, ha_call_new(domain, "set_value", entity_id,
					  json_pack("{s:f}", "value", v)))) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static json_t *scene__select(const char *domain, const char *entity_id, const char *state,
			     const json_t *attrs)
{
	json_t *plan = json_array();

	(void)attrs;
	if (!scene__add(plan, ha_call_new(domain, "select_option", entity_id,
					  json_pack("{s:s}", "option", state)))) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static json_t *scene__lock(const char *domain, const char *entity_id, const char *state,
			   const json_t *attrs)
{
	json_t *plan = json_array();

	(void)attrs;
	if (!scene__add(plan, ha_call_new(domain, strcmp(state, "locked") == 0 ? "lock" : "unlock",
					  entity_id, NULL))) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static const char *const st_on_off[] = {"on", "off", NULL};
static const char *const st_open_closed[] = {"open", "closed", NULL};
static const char *const st_locked[] = {"locked", "unlocked", NULL};
static const char *const at_none[] = {NULL};
static const char *const at_light[] = {"brightness", "color_mode", "color_temp_kelvin",
				       "hs_color", "xy_color", "rgb_color", "rgbw_color",
				       "rgbww_color", NULL};
static const char *const at_climate[] = {"temperature", "target_temp_low", "target_temp_high",
					 "preset_mode", "fan_mode", NULL};
static const char *const at_cover[] = {"current_position", "current_tilt_position", NULL};
static const char *const at_fan[] = {"percentage", "preset_mode", NULL};
static const char *const at_humidifier[] = {"humidity", "mode", NULL};
static const char *const at_media[] = {"volume_level", NULL};

static const struct scene_domain scene_domains[] = {
	{"light", st_on_off, at_light, scene__light},
	{"switch", st_on_off, at_none, scene__on_off},
	{"input_boolean", st_on_off, at_none, scene__on_off},
	{"automation", st_on_off, at_none, scene__on_off},
	{"siren", st_on_off, at_none, scene__on_off},
	{"fan", st_on_off, at_fan, scene__fan},
	{"humidifier", st_on_off, at_humidifier, scene__humidifier},
	{"climate", NULL, at_climate, scene__climate},
	{"cover", st_open_closed, at_cover, scene__position},
	{"valve", st_open_closed, at_cover, scene__position},
	{"media_player", NULL, at_media, scene__media},
	{"input_number", NULL, at_none, scene__number},
	{"input_select", NULL, at_none, scene__select},
	{"select", NULL, at_none, scene__select},
	{"lock", st_locked, at_none, scene__lock},
};

static const struct scene_domain *scene__domain(const char *entity_id)
{
	char domain[64];

	ha_entity_domain(entity_id, domain, sizeof(domain));
	for (size_t i = 0; i < sizeof(scene_domains) / sizeof(scene_domains[0]); i++)
		if (strcmp(scene_domains[i].domain, domain) == 0)
			return &scene_domains[i];
	return NULL;
}

static bool scene__listed(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

json_t *ha_scene_snapshot(const json_t *state, char *why, size_t whylen)
{
	const char *id = json_string_value(json_object_get(state, "entity_id"));
	const char *st = json_string_value(json_object_get(state, "state"));
	const json_t *attrs = json_object_get(state, "attributes");
	const struct scene_domain *d;
	json_t *keep, *snap;
	char kept_state[HA_ID_MAX + 1];

	if (!id || !ha_entity_id_valid(id) || !st) {
		snprintf(why, whylen, "Home Assistant's state object has no entity_id or state");
		return NULL;
	}
	if (!(d = scene__domain(id))) {
		snprintf(why, whylen, "%s: the state of a %.*s entity cannot be restored", id,
			 (int)strcspn(id, "."), id);
		return NULL;
	}
	if (strcmp(st, "unavailable") == 0 || strcmp(st, "unknown") == 0 ||
	    (d->states && !scene__listed(d->states, st))) {
		snprintf(why, whylen, "%s is %.64s: not a state a scene can restore", id, st);
		return NULL;
	}
	snprintf(kept_state, sizeof(kept_state), "%s", st);
	/* A media player that is on is restored as on, whatever it played. */
	if (strcmp(d->domain, "media_player") == 0 && strcmp(st, "off") != 0)
		snprintf(kept_state, sizeof(kept_state), "on");
	if (d->plan == scene__number) {
		char *end = NULL;

		double v = strtod(st, &end);

		if (end == st || *end != '\0' || !isfinite(v)) {
			snprintf(why, whylen, "%s is %.64s: not a number", id, st);
			return NULL;
		}
	}
	if (!(keep = json_object()))
		return NULL;
	/* An entity that is off is restored as off: nothing else to keep. */
	if (strcmp(st, "off") != 0)
		for (size_t i = 0; d->attrs[i]; i++) {
			json_t *v = json_object_get(attrs, d->attrs[i]);

			if (v && !json_is_null(v))
				json_object_set(keep, d->attrs[i], v);
		}
	snap = json_pack("{s:s, s:s, s:o}", "entity_id", id, "state", kept_state, "attributes",
			 keep);
	return snap;
}

json_t *ha_scene_plan(const json_t *snap, char *why, size_t whylen)
{
	const char *id = json_string_value(json_object_get(snap, "entity_id"));
	const char *st = json_string_value(json_object_get(snap, "state"));
	const json_t *attrs = json_object_get(snap, "attributes");
	const struct scene_domain *d = id ? scene__domain(id) : NULL;
	json_t *plan;

	if (!d || !st || !ha_entity_id_valid(id) ||
	    (d->states && !scene__listed(d->states, st))) {
		snprintf(why, whylen, "%s: the snapshot is not one a scene keeps",
			 id ? id : "an entity");
		return NULL;
	}
	plan = d->plan(d->domain, id, st, json_is_object(attrs) ? attrs : NULL);
	if (!plan)
		snprintf(why, whylen, "%s: the snapshot cannot be restored", id);
	return plan;
}
