/* Entity controls: bodies checked on their own, then against what the
 * entity supports, planned as Home Assistant's service calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ha/control.h"

/* A light as HA reports one: modes and features given. */
static json_t *light(const char *modes_json, int features)
{
	json_t *modes = json_loads(modes_json, 0, NULL);

	return json_pack("{s:s, s:s, s:{s:o, s:i, s:i, s:i, s:[s, s]}}", "entity_id",
			 "light.kitchen", "state", "off", "attributes", "supported_color_modes",
			 modes, "supported_features", features, "min_color_temp_kelvin", 2202,
			 "max_color_temp_kelvin", 6535, "effect_list", "None", "candle");
}

static json_t *thermostat(int features)
{
	return json_pack("{s:s, s:s, s:{s:[s, s, s], s:[s, s], s:[s, s], s:f, s:f, s:i}}",
			 "entity_id", "climate.hall", "state", "heat", "attributes",
			 "hvac_modes", "off", "heat", "auto", "preset_modes", "eco", "comfort",
			 "fan_modes", "auto", "low", "min_temp", 5.0, "max_temp", 25.0,
			 "supported_features", features);
}

/* The field the first problem names (loc[1]), or "" for the body itself. */
static const char *first_field(const json_t *errs)
{
	const char *f = json_string_value(json_array_get(json_object_get(json_array_get(errs, 0),
									 "loc"), 1));

	return f ? f : "";
}

static size_t check_light(const char *body_json, json_t **errs)
{
	json_t *body = json_loads(body_json, 0, NULL);
	size_t n;

	assert_non_null(body);
	*errs = json_array();
	n = ha_light_check(body, *errs);
	assert_int_equal(n, json_array_size(*errs));
	json_decref(body);
	return n;
}

static void test_light_check(void **state)
{
	json_t *errs;

	(void)state;
	assert_int_equal(check_light("{\"on\": true}", &errs), 0);
	json_decref(errs);
	assert_int_equal(check_light("{\"brightness\": 128, \"color_temp_kelvin\": 3000, "
				     "\"transition\": 1.5}", &errs), 0);
	json_decref(errs);
	assert_int_equal(check_light("{}", &errs), 1);
	json_decref(errs);
	assert_int_equal(check_light("{\"brightness\": 256}", &errs), 1);
	assert_string_equal(first_field(errs), "brightness");
	json_decref(errs);
	assert_int_equal(check_light("{\"brightness\": \"x\"}", &errs), 1);
	json_decref(errs);
	assert_int_equal(check_light("{\"brightness_pct\": 101}", &errs), 1);
	json_decref(errs);
	assert_int_equal(check_light("{\"rgb_color\": [255, 0]}", &errs), 1);
	assert_string_equal(first_field(errs), "rgb_color");
	json_decref(errs);
	assert_int_equal(check_light("{\"rgb_color\": [255, 0, 300]}", &errs), 1);
	json_decref(errs);
	assert_int_equal(check_light("{\"hs_color\": [361, 50]}", &errs), 1);
	json_decref(errs);
	assert_int_equal(check_light("{\"brightness\": 1, \"brightness_pct\": 1}", &errs), 1);
	assert_string_equal(first_field(errs), "brightness_pct");
	json_decref(errs);
	assert_int_equal(check_light("{\"rgb_color\": [1, 2, 3], \"color_temp_kelvin\": 3000}",
				     &errs), 1);
	json_decref(errs);
	assert_int_equal(check_light("{\"on\": false, \"brightness\": 10}", &errs), 1);
	assert_string_equal(first_field(errs), "brightness");
	json_decref(errs);
	assert_int_equal(check_light("{\"on\": false, \"transition\": 2}", &errs), 0);
	json_decref(errs);
	assert_int_equal(check_light("{\"colour\": 1}", &errs), 1);
	assert_string_equal(first_field(errs), "colour");
	json_decref(errs);
	assert_int_equal(check_light("[1]", &errs), 1);
	json_decref(errs);
}

static json_t *plan_light(const json_t *st, const char *body_json, json_t *errs)
{
	json_t *body = json_loads(body_json, 0, NULL), *plan;

	plan = ha_light_plan("light.kitchen", st, body, errs);
	json_decref(body);
	return plan;
}

static void assert_plan(const json_t *plan, const char *want_json)
{
	json_t *want = json_loads(want_json, 0, NULL);

	assert_non_null(want);
	if (!json_equal(plan, want)) {
		char *got = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS);

		print_error("plan: %s\n", got ? got : "(null)");
		json_decref(want);
		fail();
	}
	json_decref(want);
}

static void test_light_plan(void **state)
{
	json_t *full = light("[\"color_temp\", \"xy\"]", 44);
	json_t *dim = light("[\"brightness\"]", 32);
	json_t *plain = light("[\"onoff\"]", 0);
	json_t *errs = json_array(), *plan;

	(void)state;
	plan = plan_light(full, "{\"brightness\": 128, \"rgb_color\": [255, 0, 0], "
				"\"transition\": 2}", errs);
	assert_plan(plan, "[{\"domain\": \"light\", \"service\": \"turn_on\", \"data\": "
			  "{\"entity_id\": \"light.kitchen\", \"brightness\": 128, "
			  "\"rgb_color\": [255, 0, 0], \"transition\": 2}}]");
	json_decref(plan);
	/* Mireds are sent as kelvin. */
	plan = plan_light(full, "{\"color_temp\": 250}", errs);
	assert_plan(plan, "[{\"domain\": \"light\", \"service\": \"turn_on\", \"data\": "
			  "{\"entity_id\": \"light.kitchen\", \"color_temp_kelvin\": 4000}}]");
	json_decref(plan);
	plan = plan_light(full, "{\"on\": false}", errs);
	assert_plan(plan, "[{\"domain\": \"light\", \"service\": \"turn_off\", \"data\": "
			  "{\"entity_id\": \"light.kitchen\"}}]");
	json_decref(plan);
	plan = plan_light(full, "{\"effect\": \"candle\"}", errs);
	assert_non_null(plan);
	json_decref(plan);
	assert_int_equal(json_array_size(errs), 0);

	/* Out of the light's range, or a color it cannot show: named. */
	assert_null(plan_light(full, "{\"color_temp_kelvin\": 1500}", errs));
	assert_string_equal(first_field(errs), "color_temp_kelvin");
	json_array_clear(errs);
	assert_null(plan_light(full, "{\"color_temp\": 600}", errs));
	assert_string_equal(first_field(errs), "color_temp");
	json_array_clear(errs);
	assert_null(plan_light(full, "{\"effect\": \"disco\"}", errs));
	assert_string_equal(first_field(errs), "effect");
	json_array_clear(errs);
	assert_null(plan_light(dim, "{\"rgb_color\": [1, 2, 3]}", errs));
	assert_string_equal(first_field(errs), "rgb_color");
	json_array_clear(errs);
	assert_null(plan_light(dim, "{\"hs_color\": [1, 2], \"effect\": \"candle\"}", errs));
	assert_int_equal(json_array_size(errs), 2);
	json_array_clear(errs);
	assert_null(plan_light(dim, "{\"color_temp_kelvin\": 3000}", errs));
	json_array_clear(errs);
	plan = plan_light(dim, "{\"brightness_pct\": 50}", errs);
	assert_non_null(plan);
	json_decref(plan);
	assert_null(plan_light(plain, "{\"brightness\": 10}", errs));
	assert_string_equal(first_field(errs), "brightness");
	json_array_clear(errs);
	assert_null(plan_light(plain, "{\"transition\": 1}", errs));
	assert_string_equal(first_field(errs), "transition");
	json_array_clear(errs);

	/* Not a light at all. */
	plan = json_object();
	assert_null(ha_light_plan("switch.kettle", plain, plan, errs));
	assert_string_equal(first_field(errs), "entity_id");
	json_decref(plan);

	json_decref(errs);
	json_decref(full);
	json_decref(dim);
	json_decref(plain);
}

static size_t check_climate(const char *body_json)
{
	json_t *body = json_loads(body_json, 0, NULL), *errs = json_array();
	size_t n = ha_climate_check(body, errs);

	assert_int_equal(n, json_array_size(errs));
	json_decref(body);
	json_decref(errs);
	return n;
}

static void test_climate_check(void **state)
{
	(void)state;
	assert_int_equal(check_climate("{\"temperature\": 21.5}"), 0);
	assert_int_equal(check_climate("{\"hvac_mode\": \"heat\", \"preset_mode\": \"eco\", "
				       "\"fan_mode\": \"low\"}"), 0);
	assert_int_equal(check_climate("{\"target_temp_low\": 18, \"target_temp_high\": 24}"), 0);
	assert_int_equal(check_climate("{}"), 1);
	assert_int_equal(check_climate("{\"temperature\": \"warm\"}"), 1);
	assert_int_equal(check_climate("{\"hvac_mode\": 3}"), 1);
	assert_int_equal(check_climate("{\"target_temp_low\": 18}"), 1);
	assert_int_equal(check_climate("{\"target_temp_low\": 25, \"target_temp_high\": 20}"), 1);
	assert_int_equal(check_climate("{\"temperature\": 20, \"target_temp_low\": 18, "
				       "\"target_temp_high\": 24}"), 1);
	assert_int_equal(check_climate("{\"mode\": \"heat\"}"), 1);
}

static json_t *plan_climate(const json_t *st, const char *body_json, json_t *errs)
{
	json_t *body = json_loads(body_json, 0, NULL), *plan;

	plan = ha_climate_plan("climate.hall", st, body, errs);
	json_decref(body);
	return plan;
}

static void test_climate_plan(void **state)
{
	json_t *full = thermostat(1 | 8 | 16), *bare = thermostat(0), *errs = json_array();
	json_t *plan;

	(void)state;
	/* In HA's order: mode, preset, fan, then the temperature. */
	plan = plan_climate(full, "{\"temperature\": 21.5, \"fan_mode\": \"low\", "
				  "\"preset_mode\": \"eco\", \"hvac_mode\": \"heat\"}", errs);
	assert_plan(plan, "[{\"domain\": \"climate\", \"service\": \"set_hvac_mode\", \"data\": "
			  "{\"entity_id\": \"climate.hall\", \"hvac_mode\": \"heat\"}}, "
			  "{\"domain\": \"climate\", \"service\": \"set_preset_mode\", \"data\": "
			  "{\"entity_id\": \"climate.hall\", \"preset_mode\": \"eco\"}}, "
			  "{\"domain\": \"climate\", \"service\": \"set_fan_mode\", \"data\": "
			  "{\"entity_id\": \"climate.hall\", \"fan_mode\": \"low\"}}, "
			  "{\"domain\": \"climate\", \"service\": \"set_temperature\", \"data\": "
			  "{\"entity_id\": \"climate.hall\", \"temperature\": 21.5}}]");
	json_decref(plan);
	assert_int_equal(json_array_size(errs), 0);

	assert_null(plan_climate(full, "{\"temperature\": 30}", errs));
	assert_string_equal(first_field(errs), "temperature");
	json_array_clear(errs);
	assert_null(plan_climate(full, "{\"preset_mode\": \"party\"}", errs));
	assert_string_equal(first_field(errs), "preset_mode");
	json_array_clear(errs);
	assert_null(plan_climate(full, "{\"hvac_mode\": \"cool\"}", errs));
	assert_string_equal(first_field(errs), "hvac_mode");
	json_array_clear(errs);
	assert_null(plan_climate(full, "{\"target_temp_low\": 18, \"target_temp_high\": 22}",
				 errs));
	assert_string_equal(first_field(errs), "target_temp_low");
	json_array_clear(errs);
	/* Features the entity does not have. */
	assert_null(plan_climate(bare, "{\"fan_mode\": \"low\", \"preset_mode\": \"eco\", "
				       "\"temperature\": 20}", errs));
	assert_int_equal(json_array_size(errs), 3);
	json_array_clear(errs);
	plan = json_object();
	assert_null(ha_climate_plan("light.kitchen", full, plan, errs));
	assert_string_equal(first_field(errs), "entity_id");
	json_decref(plan);

	json_decref(errs);
	json_decref(full);
	json_decref(bare);
}

static void test_toggle(void **state)
{
	json_t *errs = json_array(), *plan;

	(void)state;
	plan = ha_toggle_plan("switch.kettle", errs);
	assert_plan(plan, "[{\"domain\": \"switch\", \"service\": \"toggle\", \"data\": "
			  "{\"entity_id\": \"switch.kettle\"}}]");
	json_decref(plan);
	plan = ha_toggle_plan("scene.movie", errs);
	assert_plan(plan, "[{\"domain\": \"scene\", \"service\": \"turn_on\", \"data\": "
			  "{\"entity_id\": \"scene.movie\"}}]");
	json_decref(plan);
	assert_int_equal(json_array_size(errs), 0);
	assert_null(ha_toggle_plan("sensor.temperature", errs));
	assert_string_equal(first_field(errs), "entity_id");
	json_decref(errs);
}

static void test_unavailable(void **state)
{
	json_t *s = json_pack("{s:s}", "state", "unavailable");

	(void)state;
	assert_true(ha_state_unavailable(s));
	json_object_set_new(s, "state", json_string("off"));
	assert_false(ha_state_unavailable(s));
	assert_false(ha_state_unavailable(NULL));
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_light_check),
		cmocka_unit_test(test_light_plan),
		cmocka_unit_test(test_climate_check),
		cmocka_unit_test(test_climate_plan),
		cmocka_unit_test(test_toggle),
		cmocka_unit_test(test_unavailable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
