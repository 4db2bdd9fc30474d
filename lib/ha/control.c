/*
 * Entity controls as Home Assistant service calls (see control.h): the
 * rules are HA's own (light.turn_on's schema and color modes, the climate
 * entity's features and ranges), applied before anything is sent so that
 * a request HA would refuse, or worse silently half-apply, is a 422 that
 * names the field.
 */
#include "ha/control.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ha/map.h"
#include "validate.h"

static const char *const at_body[] = {"body", NULL};
static const char *const at_path[] = {"path", NULL};

/* ---------------------------------------------------------------- helpers */

json_t *ha_call_new(const char *domain, const char *service, const char *entity_id,
		    json_t *data)
{
	json_t *d = json_object(), *call;

	if (!d || json_object_set_new(d, "entity_id", json_string(entity_id)) != 0) {
		json_decref(d);
		json_decref(data);
		return NULL;
	}
	if (data && json_object_update(d, data) != 0) {
		json_decref(d);
		json_decref(data);
		return NULL;
	}
	json_decref(data);
	call = json_pack("{s:s, s:s, s:o}", "domain", domain, "service", service, "data", d);
	return call;
}

bool ha_state_unavailable(const json_t *state)
{
	const char *s = json_string_value(json_object_get(state, "state"));

	return s && strcmp(s, "unavailable") == 0;
}

static const json_t *ha__attr(const json_t *state, const char *name)
{
	return json_object_get(json_object_get(state, "attributes"), name);
}

static json_int_t ha__features(const json_t *state)
{
	return json_integer_value(ha__attr(state, "supported_features"));
}

/* Whether list (a JSON array, borrowed) holds the string s. */
static bool ha__listed(const json_t *list, const char *s)
{
	size_t i;
	const json_t *v;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* The strings of list joined by ", " into buf ("none" when empty). */
static const char *ha__join(const json_t *list, char *buf, size_t size)
{
	size_t i, used = 0;
	const json_t *v;

	buf[0] = '\0';
	json_array_foreach(list, i, v) {
		int w;

		if (!json_is_string(v))
			continue;
		w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
			     json_string_value(v));
		if (w < 0 || (size_t)w >= size - used) {
			utf8_trim_cut(buf);
			break;
		}
		used += (size_t)w;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
	return buf;
}

/* A number field: 1 and *out when present and a finite number within
 * [lo, hi]; 0 when absent; -1 with a problem. */
static int ha__number(const json_t *body, const char *name, double lo, double hi,
		      bool integer, double *out, json_t *errs)
{
	const json_t *v = json_object_get(body, name);
	double d;

	if (!v)
		return 0;
	if (integer ? !json_is_integer(v) : !json_is_number(v)) {
		verr_add(errs, at_body, name, integer ? "int_type" : "float_type",
			 integer ? "Input should be a valid integer" : "Input should be a number");
		return -1;
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi) {
		verr_add(errs, at_body, name, "value_error", "Input should be between %g and %g",
			 lo, hi);
		return -1;
	}
	*out = d;
	return 1;
}

/* A list of n numbers, each within [lo[i], hi[i]]. */
static void ha__tuple(const json_t *body, const char *name, size_t n, const double *lo,
		      const double *hi, bool integer, json_t *errs)
{
	const json_t *v = json_object_get(body, name);
	size_t i;

	if (!v)
		return;
	if (!json_is_array(v) || json_array_size(v) != n) {
		verr_add(errs, at_body, name, "list_type", "Input should be a list of %zu numbers", n);
		return;
	}
	for (i = 0; i < n; i++) {
		const json_t *x = json_array_get(v, i);
		double d = json_number_value(x);

		if ((integer ? !json_is_integer(x) : !json_is_number(x)) || !isfinite(d) ||
		    d < lo[i] || d > hi[i]) {
			verr_add(errs, at_body, name, "value_error",
				 "Item %zu should be a%s number between %g and %g", i,
				 integer ? "n integer" : "", lo[i], hi[i]);
			return;
		}
	}
}

/* A non-empty string field of at most 255 bytes. */
static void ha__string(const json_t *body, const char *name, json_t *errs)
{
	const json_t *v = json_object_get(body, name);

	if (!v)
		return;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 255 ||
	    memchr(json_string_value(v), '\0', json_string_length(v)))
		verr_add(errs, at_body, name, "string_type",
			 "Input should be a non-empty string of at most 255 bytes");
}

/* Unknown keys are refused, as everywhere in the API. */
static size_t ha__known(const json_t *body, const char *const *known, json_t *errs)
{
	const char *key;
	const json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)body, key, v) {
		size_t i;

		for (i = 0; known[i]; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (!known[i]) {
			verr_add(errs, at_body, key, "extra_forbidden",
				 "Extra inputs are not permitted");
			n++;
		}
	}
	return n;
}

/* At most one of names present: a problem at each after the first. */
static void ha__exclusive(const json_t *body, const char *const *names, json_t *errs)
{
	const char *first = NULL;

	for (size_t i = 0; names[i]; i++) {
		if (!json_object_get(body, names[i]))
			continue;
		if (!first)
			first = names[i];
		else
			verr_add(errs, at_body, names[i], "value_error",
				 "Give either %s or %s, not both", first, names[i]);
	}
}

/* ---------------------------------------------------------------- light */

static const char *const light_keys[] = {"on", "brightness", "brightness_pct", "rgb_color",
					 "hs_color", "color_temp_kelvin", "color_temp",
					 "transition", "effect", NULL};
static const char *const light_brightness[] = {"brightness", "brightness_pct", NULL};
static const char *const light_colors[] = {"rgb_color", "hs_color", "color_temp_kelvin",
					   "color_temp", NULL};

size_t ha_light_check(const json_t *body, json_t *errs)
{
	static const double rgb_lo[] = {0, 0, 0}, rgb_hi[] = {255, 255, 255};
	static const double hs_lo[] = {0, 0}, hs_hi[] = {360, 100};
	size_t before = json_array_size(errs);
	const json_t *on = json_object_get(body, "on");
	double d;

	if (!json_is_object(body)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be an object");
		return 1;
	}
	ha__known(body, light_keys, errs);
	if (on && !json_is_boolean(on))
		verr_add(errs, at_body, "on", "bool_type", "Input should be a valid boolean");
	ha__number(body, "brightness", 0, 255, true, &d, errs);
	ha__number(body, "brightness_pct", 0, 100, false, &d, errs);
	ha__tuple(body, "rgb_color", 3, rgb_lo, rgb_hi, true, errs);
	ha__tuple(body, "hs_color", 2, hs_lo, hs_hi, false, errs);
	ha__number(body, "color_temp_kelvin", 1, 100000, true, &d, errs);
	ha__number(body, "color_temp", 1, 1000000, true, &d, errs);
	ha__number(body, "transition", 0, 6553, false, &d, errs);
	ha__string(body, "effect", errs);
	ha__exclusive(body, light_brightness, errs);
	ha__exclusive(body, light_colors, errs);
	if (json_is_false(on)) {
		for (size_t i = 1; light_keys[i]; i++)
			if (strcmp(light_keys[i], "transition") != 0 &&
			    json_object_get(body, light_keys[i]))
				verr_add(errs, at_body, light_keys[i], "value_error",
					 "Cannot be set while turning the light off (on: false)");
	}
	if (json_object_size(body) == 0)
		verr_add(errs, at_body, NULL, "missing",
			 "Nothing to do: give on, or a setting such as brightness");
	return json_array_size(errs) - before;
}

/* Whether any of the light's color modes is one of modes. */
static bool ha__mode_in(const json_t *supported, const char *const *modes)
{
	for (size_t i = 0; modes[i]; i++)
		if (ha__listed(supported, modes[i]))
			return true;
	return false;
}

json_t *ha_light_plan(const char *entity_id, const json_t *state, const json_t *body,
		      json_t *errs)
{
	static const char *const dimmable[] = {"brightness", "color_temp", "hs", "xy", "rgb",
					       "rgbw", "rgbww", "white", NULL};
	static const char *const colored[] = {"hs", "xy", "rgb", "rgbw", "rgbww", NULL};
	static const char *const temp_modes[] = {"color_temp", NULL};
	const json_t *modes = ha__attr(state, "supported_color_modes");
	json_int_t features = ha__features(state);
	size_t before = json_array_size(errs);
	json_t *data = NULL, *plan = NULL, *call;
	char list[256];
	const char *key;
	json_t *v;

	if (!json_is_array(modes))
		modes = NULL;
	if (strncmp(entity_id, "light.", 6) != 0) {
		verr_add(errs, at_path, "entity_id", "value_error",
			 "%s is not a light: /light controls the light domain only", entity_id);
		return NULL;
	}
	if (!(data = json_object()))
		return NULL;
	json_object_foreach((json_t *)body, key, v) {
		if (strcmp(key, "on") == 0)
			continue;
		if ((strcmp(key, "brightness") == 0 || strcmp(key, "brightness_pct") == 0) &&
		    !ha__mode_in(modes, dimmable)) {
			verr_add(errs, at_body, key, "value_error",
				 "%s cannot be dimmed (supported_color_modes: %s)", entity_id,
				 ha__join(modes, list, sizeof(list)));
			continue;
		}
		if ((strcmp(key, "rgb_color") == 0 || strcmp(key, "hs_color") == 0) &&
		    !ha__mode_in(modes, colored)) {
			verr_add(errs, at_body, key, "value_error",
				 "%s has no color (supported_color_modes: %s)", entity_id,
				 ha__join(modes, list, sizeof(list)));
			continue;
		}
		if (strcmp(key, "color_temp_kelvin") == 0 || strcmp(key, "color_temp") == 0) {
			json_int_t lo = json_integer_value(ha__attr(state, "min_color_temp_kelvin"));
			json_int_t hi = json_integer_value(ha__attr(state, "max_color_temp_kelvin"));
			json_int_t k = json_integer_value(v);
			bool mireds = strcmp(key, "color_temp") == 0;

			if (!ha__mode_in(modes, temp_modes)) {
				verr_add(errs, at_body, key, "value_error",
					 "%s has no color temperature (supported_color_modes: %s)",
					 entity_id, ha__join(modes, list, sizeof(list)));
				continue;
			}
			/* HA takes kelvin only: mireds are converted. */
			if (mireds)
				k = (json_int_t)(1e6 / (double)k + 0.5);
			if ((lo > 0 && k < lo) || (hi > 0 && k > hi)) {
				if (mireds)
					verr_add(errs, at_body, key, "value_error",
						 "%s takes %lld to %lld mireds", entity_id,
						 hi > 0 ? (long long)(1e6 / (double)hi + 0.5) : 1LL,
						 lo > 0 ? (long long)(1e6 / (double)lo + 0.5) : 1000000LL);
				else
					verr_add(errs, at_body, key, "value_error",
						 "%s takes %lld to %lld K", entity_id, (long long)lo,
						 (long long)hi);
				continue;
			}
			json_object_set_new(data, "color_temp_kelvin", json_integer(k));
			continue;
		}
		if (strcmp(key, "transition") == 0 && !(features & HA_LIGHT_TRANSITION)) {
			verr_add(errs, at_body, key, "value_error",
				 "%s does not support transitions", entity_id);
			continue;
		}
		if (strcmp(key, "effect") == 0) {
			const json_t *effects = ha__attr(state, "effect_list");

			if (!(features & HA_LIGHT_EFFECT)) {
				verr_add(errs, at_body, key, "value_error",
					 "%s has no effects", entity_id);
				continue;
			}
			if (!ha__listed(effects, json_string_value(v))) {
				verr_add(errs, at_body, key, "enum", "%s's effects are: %s",
					 entity_id, ha__join(effects, list, sizeof(list)));
				continue;
			}
		}
		json_object_set(data, key, v);
	}
	if (json_array_size(errs) > before) {
		json_decref(data);
		return NULL;
	}
	call = ha_call_new("light", json_is_false(json_object_get(body, "on")) ? "turn_off"
									       : "turn_on",
			   entity_id, data);
	if (call && (plan = json_array()))
		json_array_append_new(plan, call);
	else
		json_decref(call);
	return plan;
}

/* ---------------------------------------------------------------- climate */

static const char *const climate_keys[] = {"hvac_mode", "preset_mode", "fan_mode",
					   "temperature", "target_temp_low", "target_temp_high",
					   NULL};

size_t ha_climate_check(const json_t *body, json_t *errs)
{
	size_t before = json_array_size(errs);
	double t, lo = 0, hi = 0;
	int has_lo, has_hi;

	if (!json_is_object(body)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be an object");
		return 1;
	}
	ha__known(body, climate_keys, errs);
	ha__string(body, "hvac_mode", errs);
	ha__string(body, "preset_mode", errs);
	ha__string(body, "fan_mode", errs);
	ha__number(body, "temperature", -273.15, 1000, false, &t, errs);
	has_lo = ha__number(body, "target_temp_low", -273.15, 1000, false, &lo, errs);
	has_hi = ha__number(body, "target_temp_high", -273.15, 1000, false, &hi, errs);
	if (json_object_get(body, "temperature") &&
	    (json_object_get(body, "target_temp_low") || json_object_get(body, "target_temp_high")))
		verr_add(errs, at_body, "temperature", "value_error",
			 "Give either temperature or target_temp_low and target_temp_high");
	if (json_object_get(body, "target_temp_low") && !json_object_get(body, "target_temp_high"))
		verr_add(errs, at_body, "target_temp_high", "missing",
			 "Field required with target_temp_low");
	if (json_object_get(body, "target_temp_high") && !json_object_get(body, "target_temp_low"))
		verr_add(errs, at_body, "target_temp_low", "missing",
			 "Field required with target_temp_high");
	if (has_lo > 0 && has_hi > 0 && lo > hi)
		verr_add(errs, at_body, "target_temp_low", "value_error",
			 "Should not be above target_temp_high");
	if (json_object_size(body) == 0)
		verr_add(errs, at_body, NULL, "missing",
			 "Nothing to do: give hvac_mode, preset_mode, fan_mode or a temperature");
	return json_array_size(errs) - before;
}

/* A mode field: supported (feature bit, 0 = always) and among list_attr. */
static void ha__climate_mode(const char *entity_id, const json_t *state, const json_t *body,
			     const char *field, const char *list_attr, json_int_t feature,
			     json_t *plan, json_t *errs)
{
	const char *want = json_string_value(json_object_get(body, field));
	const json_t *list = ha__attr(state, list_attr);
	char names[256], service[32];

	if (!want)
		return;
	if (feature && !(ha__features(state) & feature)) {
		verr_add(errs, at_body, field, "value_error", "%s has no %s", entity_id, field);
		return;
	}
	if (!ha__listed(list, want)) {
		verr_add(errs, at_body, field, "enum", "%s's %s are: %s", entity_id, list_attr,
			 ha__join(list, names, sizeof(names)));
		return;
	}
	snprintf(service, sizeof(service), "set_%s", field);
	json_array_append_new(plan, ha_call_new("climate", service, entity_id,
						json_pack("{s:s}", field, want)));
}

/* A temperature field within the entity's min_temp..max_temp (HA's
 * defaults, 7 and 35, when it reports none). */
static bool ha__climate_temp(const char *entity_id, const json_t *state, const json_t *body,
			     const char *field, json_t *errs)
{
	const json_t *jmin = ha__attr(state, "min_temp"), *jmax = ha__attr(state, "max_temp");
	double lo = json_is_number(jmin) ? json_number_value(jmin) : 7.0;
	double hi = json_is_number(jmax) ? json_number_value(jmax) : 35.0;
	double t = json_number_value(json_object_get(body, field));

	if (t < lo || t > hi) {
		verr_add(errs, at_body, field, "value_error", "%s takes %g to %g", entity_id, lo,
			 hi);
		return false;
	}
	return true;
}

json_t *ha_climate_plan(const char *entity_id, const json_t *state, const json_t *body,
			json_t *errs)
{
	size_t before = json_array_size(errs);
	json_int_t features = ha__features(state);
	json_t *plan, *temp = NULL;

	if (strncmp(entity_id, "climate.", 8) != 0) {
		verr_add(errs, at_path, "entity_id", "value_error",
			 "%s is not a thermostat: /climate controls the climate domain only",
			 entity_id);
		return NULL;
	}
	if (!(plan = json_array()))
		return NULL;
	ha__climate_mode(entity_id, state, body, "hvac_mode", "hvac_modes", 0, plan, errs);
	ha__climate_mode(entity_id, state, body, "preset_mode", "preset_modes",
			 HA_CLIMATE_PRESET_MODE, plan, errs);
	ha__climate_mode(entity_id, state, body, "fan_mode", "fan_modes", HA_CLIMATE_FAN_MODE,
			 plan, errs);
	if (json_object_get(body, "temperature")) {
		if (!(features & HA_CLIMATE_TARGET_TEMPERATURE))
			verr_add(errs, at_body, "temperature", "value_error",
				 "%s has no single target temperature", entity_id);
		else if (ha__climate_temp(entity_id, state, body, "temperature", errs))
			temp = json_pack("{s:O}", "temperature",
					 json_object_get(body, "temperature"));
	} else if (json_object_get(body, "target_temp_low")) {
		if (!(features & HA_CLIMATE_TARGET_TEMPERATURE_RANGE))
			verr_add(errs, at_body, "target_temp_low", "value_error",
				 "%s has no target temperature range", entity_id);
		else if (ha__climate_temp(entity_id, state, body, "target_temp_low", errs) &&
			 ha__climate_temp(entity_id, state, body, "target_temp_high", errs))
			temp = json_pack("{s:O, s:O}", "target_temp_low",
					 json_object_get(body, "target_temp_low"),
					 "target_temp_high", json_object_get(body, "target_temp_high"));
	}
	if (temp)
		json_array_append_new(plan, ha_call_new("climate", "set_temperature", entity_id,
							temp));
	if (json_array_size(errs) > before) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

/* ---------------------------------------------------------------- toggle */

static const char *const toggle_domains[] = {"light", "switch", "fan", "input_boolean",
					     "automation", "cover", "climate", "media_player",
					     "humidifier", "siren", "remote", "valve", "script",
					     NULL};

json_t *ha_toggle_plan(const char *entity_id, json_t *errs)
{
	char domain[64];
	json_t *plan, *call = NULL;

	ha_entity_domain(entity_id, domain, sizeof(domain));
	if (strcmp(domain, "scene") == 0) {
		call = ha_call_new("scene", "turn_on", entity_id, NULL);
	} else {
		for (size_t i = 0; toggle_domains[i]; i++)
			if (strcmp(toggle_domains[i], domain) == 0)
				call = ha_call_new(domain, "toggle", entity_id, NULL);
		if (!call) {
			verr_add(errs, at_path, "entity_id", "value_error",
				 "%s cannot be toggled: a %s entity has no on and off", entity_id,
				 domain[0] ? domain : "non-");
			return NULL;
		}
	}
	if (!call || !(plan = json_array())) {
		json_decref(call);
		return NULL;
	}
	json_array_append_new(plan, call);
	return plan;
}
