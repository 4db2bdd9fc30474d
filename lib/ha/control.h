#ifndef HEARTH_HA_CONTROL_H
#define HEARTH_HA_CONTROL_H

/*
 * Controlling Home Assistant entities, as pure functions: what a request
 * to toggle an entity, set a light or set a thermostat asks of HA, checked
 * first on its own (types and ranges) and then against what the entity
 * supports as HA reports it now (its state object's attributes:
 * supported_features, supported_color_modes, min/max_color_temp_kelvin,
 * hvac_modes, preset_modes, fan_modes, min_temp, max_temp), and planned
 * as the service calls that do it.  No I/O: the handlers read the state
 * and make the calls (net/ha.h).
 *
 * A plan is a JSON array of calls, in the order they are to be made:
 *   [{"domain": "light", "service": "turn_on",
 *     "data": {"entity_id": "light.kitchen", "brightness": 128}}, ...]
 *
 * Problems are appended to errs (a JSON array, borrowed) in the 422
 * format of validate.h, at ["body", field] (["body"] for the body as a
 * whole, ["path", "entity_id"] for the entity itself), each naming what
 * the entity supports instead.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* HA's feature bits (supported_features) that the controls check. */
#define HA_LIGHT_EFFECT 4
#define HA_LIGHT_TRANSITION 32
#define HA_CLIMATE_TARGET_TEMPERATURE 1
#define HA_CLIMATE_TARGET_TEMPERATURE_RANGE 2
#define HA_CLIMATE_FAN_MODE 8
#define HA_CLIMATE_PRESET_MODE 16

/*
 * The body of POST /entities/{id}/light on its own: on (bool), brightness
 * (0-255) or brightness_pct (0-100), one of rgb_color [r, g, b] (0-255),
 * hs_color [h 0-360, s 0-100], color_temp_kelvin or color_temp (mireds),
 * transition (seconds, 0-6553), effect; nothing but transition with on
 * false; at least one of them.  body borrowed.  Returns the number of
 * problems added.
 */
size_t ha_light_check(const json_t *body, json_t *errs);

/*
 * The calls a checked light body makes of entity_id given its state (HA's
 * state object, borrowed): light.turn_off when on is false, else
 * light.turn_on with the settings (color_temp in mireds is sent as
 * color_temp_kelvin).  A setting the light does not support is a problem
 * naming the field.  A new reference, or NULL with problems in errs (or
 * on allocation failure, with none).
 */
json_t *ha_light_plan(const char *entity_id, const json_t *state, const json_t *body,
		      json_t *errs);

/*
 * The body of POST /entities/{id}/climate on its own: hvac_mode,
 * preset_mode, fan_mode (strings), temperature or target_temp_low with
 * target_temp_high (numbers, low not above high); at least one.
 */
size_t ha_climate_check(const json_t *body, json_t *errs);

/*
 * The calls a checked climate body makes, in this order (a new mode may
 * reset a target, a preset may set one): climate.set_hvac_mode,
 * set_preset_mode, set_fan_mode, set_temperature, each only when asked.
 * Modes must be among the entity's, features supported, temperatures
 * within min_temp..max_temp.  As ha_light_plan.
 */
json_t *ha_climate_plan(const char *entity_id, const json_t *state, const json_t *body,
			json_t *errs);

/*
 * The call that toggles entity_id: <domain>.toggle for the domains that
 * have one (light, switch, fan, input_boolean, automation, cover,
 * climate, media_player, humidifier, siren, remote, valve, script),
 * scene.turn_on for a scene (activating it is all a scene does); any
 * other domain is a problem at ["path", "entity_id"].  As ha_light_plan.
 */
json_t *ha_toggle_plan(const char *entity_id, json_t *errs);

/* Whether HA's state object (borrowed) says the entity cannot be
 * controlled now: its state is "unavailable". */
bool ha_state_unavailable(const json_t *state);

/* One call as a new reference: {"domain", "service", "data"} with data
 * (consumed; NULL = {}) holding entity_id first.  NULL on allocation
 * failure. */
json_t *ha_call_new(const char *domain, const char *service, const char *entity_id,
		    json_t *data);

#endif
