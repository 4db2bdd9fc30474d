/*
 * lib/sensor_types.c: the registry, config validation per type, and the
 * schema and defaults GET /sensor-types serves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sensor_types.h"

static const char *const gpio_types[] = {"reed_switch", "pir", "vibration", "hall_digital",
					 "water_leak", NULL};
static const char *const home_types[] = {"camera", "presence", "button", "light", "eink", NULL};

/* "body.config.gpio" for loc ["body", "config", "gpio"]. */
static void loc_text(const json_t *err, char *out, size_t outsz)
{
	const json_t *loc = json_object_get(err, "loc");
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(loc); i++) {
		int n = snprintf(out + used, outsz - used, "%s%s", i ? "." : "",
				 json_string_value(json_array_get(loc, i)));
		assert_true(n >= 0 && (size_t)n < outsz - used);
		used += (size_t)n;
	}
}

static const char *type_at(const json_t *errs, const char *loc)
{
	char buf[256];

	for (size_t i = 0; i < json_array_size(errs); i++) {
		loc_text(json_array_get(errs, i), buf, sizeof(buf));
		if (strcmp(buf, loc) == 0)
			return json_string_value(json_object_get(json_array_get(errs, i), "type"));
	}
	return "(none)";
}

/* Validate config text for a type, expecting n problems; returns them. */
static json_t *check(const char *type, const char *config, size_t n)
{
	const struct sensor_type *t = sensor_type_find(type);
	json_error_t jerr;
	json_t *obj = config ? json_loads(config, 0, &jerr) : NULL, *errs = json_array();
	size_t got;

	assert_non_null(t);
	if (config)
		assert_non_null(obj);
	got = sensor_type_validate_config(t, obj, errs);
	if (got != n) {
		char *dump = json_dumps(errs, 0);

		print_error("%s %s: %zu problems: %s\n", type, config ? config : "NULL", got, dump);
		free(dump);
	}
	assert_int_equal(got, n);
	assert_int_equal(json_array_size(errs), n);
	json_decref(obj);
	return errs;
}

static void test_every_type_found(void **state)
{
	size_t n = sensor_types_count();

	for (size_t i = 0; gpio_types[i]; i++)
		assert_non_null(sensor_type_find(gpio_types[i]));
	for (size_t i = 0; home_types[i]; i++)
		assert_non_null(sensor_type_find(home_types[i]));
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		const struct sensor_type *t = sensor_type_at(i);

		assert_non_null(t);
		assert_ptr_equal(sensor_type_find(sensor_type_name(t)), t);
	}
	assert_null(sensor_type_at(n));
	assert_null(sensor_type_find("thermostat"));
	assert_null(sensor_type_find("Camera"));
	assert_null(sensor_type_find(""));
	assert_null(sensor_type_find(NULL));
}

static void test_gpio_pin(void **state)
{
	for (size_t i = 0; gpio_types[i]; i++) {
		json_t *errs = check(gpio_types[i], "{\"gpio\": 0}", 0);

		json_decref(errs);
		errs = check(gpio_types[i], "{\"gpio\": 27}", 0);
		json_decref(errs);
		errs = check(gpio_types[i], "{\"gpio\": 28}", 1);
		assert_string_equal(type_at(errs, "body.config.gpio"), "less_than_equal");
		json_decref(errs);
		errs = check(gpio_types[i], "{\"gpio\": -1}", 1);
		assert_string_equal(type_at(errs, "body.config.gpio"), "greater_than_equal");
		json_decref(errs);
		errs = check(gpio_types[i], "{\"gpio\": \"22\"}", 1);
		assert_string_equal(type_at(errs, "body.config.gpio"), "int_type");
		json_decref(errs);
	}
}

static void test_gpio_common_keys(void **state)
{
	json_t *errs = check("reed_switch", "{\"gpio\": 22, \"enabled\": true, \"hold_seconds\": 10, "
			     "\"invert_logic\": false, \"calibration\": {}}", 0);

	json_decref(errs);
	errs = check("reed_switch", "{\"hold_seconds\": 0}", 0);
	json_decref(errs);
	errs = check("reed_switch", "{\"hold_seconds\": 3600}", 0);
	json_decref(errs);

	errs = check("pir", "{\"hold_seconds\": 3601, \"invert_logic\": \"yes\", \"enabled\": 1, "
		     "\"calibration\": []}", 4);
	assert_string_equal(type_at(errs, "body.config.hold_seconds"), "less_than_equal");
	assert_string_equal(type_at(errs, "body.config.invert_logic"), "bool_type");
	assert_string_equal(type_at(errs, "body.config.enabled"), "bool_type");
	assert_string_equal(type_at(errs, "body.config.calibration"), "dict_type");
	json_decref(errs);

	errs = check("hall_digital", "{\"hold_seconds\": -1}", 1);
	assert_string_equal(type_at(errs, "body.config.hold_seconds"), "greater_than_equal");
	json_decref(errs);
}

static void test_calibration(void **state)
{
	json_t *errs = check("vibration", "{\"gpio\": 5, \"calibration\": "
			     "{\"pulse_count\": 3, \"pulse_window\": 5}}", 0);

	json_decref(errs);
	errs = check("vibration", "{\"calibration\": {\"pulse_count\": 0, \"pulse_window\": 61}}", 2);
	assert_string_equal(type_at(errs, "body.config.calibration.pulse_count"),
			    "greater_than_equal");
	assert_string_equal(type_at(errs, "body.config.calibration.pulse_window"),
			    "less_than_equal");
	json_decref(errs);

	errs = check("vibration", "{\"calibration\": {\"pulse_count\": 101}}", 1);
	assert_string_equal(type_at(errs, "body.config.calibration.pulse_count"), "less_than_equal");
	json_decref(errs);

	/* Keys of another kind's calibration are unknown here. */
	errs = check("reed_switch", "{\"calibration\": {\"debounce_ms\": 1000, \"pulse_count\": 3}}", 1);
	assert_string_equal(type_at(errs, "body.config.calibration.pulse_count"), "extra_forbidden");
	json_decref(errs);

	errs = check("reed_switch", "{\"calibration\": {\"debounce_ms\": 1001}}", 1);
	assert_string_equal(type_at(errs, "body.config.calibration.debounce_ms"), "less_than_equal");
	json_decref(errs);

	errs = check("pir", "{\"calibration\": {\"retrigger_seconds\": 30, \"warmup_seconds\": 0}}", 0);
	json_decref(errs);
	errs = check("hall_digital", "{\"calibration\": {\"debounce_ms\": \"fast\"}}", 1);
	assert_string_equal(type_at(errs, "body.config.calibration.debounce_ms"), "int_type");
	json_decref(errs);
}

static void test_unknown_config_key(void **state)
{
	json_t *errs = check("reed_switch", "{\"gpio\": 22, \"pin\": 22}", 1);

	assert_string_equal(type_at(errs, "body.config.pin"), "extra_forbidden");
	json_decref(errs);

	for (size_t i = 0; home_types[i]; i++) {
		errs = check(home_types[i], "{\"colour\": \"red\"}", 1);
		assert_string_equal(type_at(errs, "body.config.colour"), "extra_forbidden");
		json_decref(errs);
	}
	/* GPIO keys mean nothing to a home type. */
	errs = check("button", "{\"gpio\": 4}", 1);
	assert_string_equal(type_at(errs, "body.config.gpio"), "extra_forbidden");
	json_decref(errs);
}

static void test_empty_and_not_object(void **state)
{
	size_t n = sensor_types_count();

	for (size_t i = 0; i < n; i++) {
		const char *name = sensor_type_name(sensor_type_at(i));
		json_t *errs = check(name, NULL, 0);

		json_decref(errs);
		errs = check(name, "{}", 0);
		json_decref(errs);
		errs = check(name, "[1]", 1);
		assert_string_equal(type_at(errs, "body.config"), "dict_type");
		json_decref(errs);
	}
}

static void test_home_types(void **state)
{
	json_t *errs = check("camera", "{\"stream_url\": \"rtsp://10.0.0.5:554/live\", "
			     "\"snapshot_url\": \"https://cam.local/snap.jpg\"}", 0);

	json_decref(errs);
	errs = check("camera", "{\"stream_url\": \"file:///etc/passwd\", "
		     "\"snapshot_url\": \"rtsp://cam/snap\"}", 2);
	assert_string_equal(type_at(errs, "body.config.stream_url"), "url_scheme");
	assert_string_equal(type_at(errs, "body.config.snapshot_url"), "url_scheme");
	json_decref(errs);

	errs = check("camera", "{\"stream_url\": \"http://a b\"}", 1);
	assert_string_equal(type_at(errs, "body.config.stream_url"), "url_scheme");
	json_decref(errs);
	errs = check("camera", "{\"stream_url\": \"http://\"}", 1);
	json_decref(errs);

	/* One problem per field: too long is not also a bad URL. */
	char big[2100 + 64];

	snprintf(big, sizeof(big), "{\"stream_url\": \"x%02100d\"}", 0);
	errs = check("camera", big, 1);
	assert_string_equal(type_at(errs, "body.config.stream_url"), "string_too_long");
	json_decref(errs);

	errs = check("presence", "{\"ha_entity_id\": \"binary_sensor.kitchen_occupancy\"}", 0);
	json_decref(errs);
	errs = check("light", "{\"ha_entity_id\": \"Sensor.Kitchen\"}", 1);
	assert_string_equal(type_at(errs, "body.config.ha_entity_id"), "value_error");
	json_decref(errs);
	errs = check("light", "{\"ha_entity_id\": \"sensor.\"}", 1);
	json_decref(errs);
	errs = check("light", "{\"ha_entity_id\": \"\"}", 1);
	assert_string_equal(type_at(errs, "body.config.ha_entity_id"), "string_too_short");
	json_decref(errs);

	errs = check("eink", "{\"width\": 800, \"height\": 480}", 0);
	json_decref(errs);
	errs = check("eink", "{\"width\": 0, \"height\": 4097}", 2);
	assert_string_equal(type_at(errs, "body.config.width"), "greater_than_equal");
	assert_string_equal(type_at(errs, "body.config.height"), "less_than_equal");
	json_decref(errs);
}

/* Every property schema is well-formed and its default within bounds. */
static void check_properties(const json_t *schema, const json_t *defaults)
{
	const json_t *props = json_object_get(schema, "properties"), *p;
	const char *key;

	assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
	assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
	assert_true(json_is_object(props));
	json_object_foreach((json_t *)props, key, p) {
		const char *type = json_string_value(json_object_get(p, "type"));
		const json_t *def = json_object_get(p, "default");

		assert_non_null(type);
		assert_true(strcmp(type, "integer") == 0 || strcmp(type, "boolean") == 0 ||
			    strcmp(type, "string") == 0 || strcmp(type, "object") == 0);
		assert_true(json_is_string(json_object_get(p, "description")));
		if (strcmp(type, "integer") == 0) {
			json_int_t lo = json_integer_value(json_object_get(p, "minimum"));
			json_int_t hi = json_integer_value(json_object_get(p, "maximum"));

			assert_true(json_is_integer(json_object_get(p, "minimum")));
			assert_true(json_is_integer(json_object_get(p, "maximum")));
			assert_true(lo <= hi);
			if (def) {
				assert_true(json_is_integer(def));
				assert_true(json_integer_value(def) >= lo && json_integer_value(def) <= hi);
			}
		}
		if (strcmp(type, "boolean") == 0 && def)
			assert_true(json_is_boolean(def));
		if (strcmp(type, "object") == 0)
			check_properties(p, json_object_get(defaults, key));
		if (def)
			assert_true(json_equal((json_t *)def, json_object_get(defaults, key)));
	}
	/* Nothing in defaults the schema does not describe. */
	json_object_foreach((json_t *)defaults, key, p)
		assert_non_null(json_object_get(props, key));
}

static void test_schema(void **state)
{
	size_t n = sensor_types_count();

	for (size_t i = 0; i < n; i++) {
		const struct sensor_type *t = sensor_type_at(i);
		json_t *j = sensor_type_to_json(t), *again, *errs = json_array();
		const char *category;
		char *text;

		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "name")), sensor_type_name(t));
		assert_true(json_string_length(json_object_get(j, "description")) > 0);
		category = json_string_value(json_object_get(j, "category"));
		assert_non_null(category);
		assert_true(strcmp(category, "home") == 0 || strcmp(category, "gpio") == 0);
		/* Wiring only where there are wires. */
		assert_int_equal(json_is_string(json_object_get(j, "wiring")),
				 strcmp(category, "gpio") == 0);
		check_properties(json_object_get(j, "config_schema"), json_object_get(j, "defaults"));

		/* Serialises and parses back to the same document. */
		text = json_dumps(j, JSON_COMPACT);
		assert_non_null(text);
		again = json_loads(text, 0, NULL);
		assert_non_null(again);
		assert_true(json_equal(j, again));

		/* The defaults are a valid config of their own type. */
		assert_int_equal(sensor_type_validate_config(t, json_object_get(j, "defaults"), errs), 0);

		free(text);
		json_decref(again);
		json_decref(errs);
		json_decref(j);
	}
}

static void test_gpio_defaults(void **state)
{
	for (size_t i = 0; gpio_types[i]; i++) {
		json_t *j = sensor_type_to_json(sensor_type_find(gpio_types[i]));
		json_t *d = json_object_get(j, "defaults");
		json_int_t gpio = json_integer_value(json_object_get(d, "gpio"));

		assert_true(json_is_integer(json_object_get(d, "gpio")));
		assert_true(gpio >= 0 && gpio <= 27);
		assert_int_equal(json_integer_value(json_object_get(d, "hold_seconds")), 10);
		assert_true(json_is_false(json_object_get(d, "invert_logic")));
		assert_true(json_is_true(json_object_get(d, "enabled")));
		assert_true(json_is_object(json_object_get(d, "calibration")));
		json_decref(j);
	}

	json_t *j = sensor_type_to_json(sensor_type_find("vibration"));
	json_t *cal = json_object_get(json_object_get(j, "defaults"), "calibration");

	assert_int_equal(json_integer_value(json_object_get(cal, "pulse_count")), 3);
	assert_int_equal(json_integer_value(json_object_get(cal, "pulse_window")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "defaults"), "gpio")), 5);
	json_decref(j);

	j = sensor_type_to_json(sensor_type_find("reed_switch"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "defaults"), "gpio")), 22);
	json_decref(j);

	j = sensor_type_to_json(sensor_type_find("camera"));
	assert_int_equal(json_object_size(json_object_get(j, "defaults")), 0);
	assert_null(json_object_get(j, "wiring"));
	json_decref(j);
}

/* The OpenAPI document lists the same types, in the same order. */
static void test_openapi_enum(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	json_t *doc, *schemas, *lists[3];

	if (!top)
		skip();
	snprintf(path, sizeof(path), "%s/static/openapi.json", top);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	lists[0] = json_object_get(json_object_get(json_object_get(json_object_get(
		schemas, "SensorCreate"), "properties"), "sensor_type"), "enum");
	lists[1] = json_object_get(json_object_get(json_object_get(json_object_get(
		schemas, "Sensor"), "properties"), "sensor_type"), "enum");
	lists[2] = json_object_get(json_object_get(json_object_get(json_object_get(
		schemas, "SensorType"), "properties"), "name"), "enum");
	for (size_t l = 0; l < 3; l++) {
		assert_int_equal(json_array_size(lists[l]), sensor_types_count());
		for (size_t i = 0; i < sensor_types_count(); i++)
			assert_string_equal(json_string_value(json_array_get(lists[l], i)),
					    sensor_type_name(sensor_type_at(i)));
	}
	json_decref(doc);
}

/* Each kind reports only the events it can produce. */
static void test_accepts_event(void **state)
{
	static const struct {
		const char *type, *event;
		bool ok;
	} cases[] = {
		{"presence", "on", true}, {"presence", "off", true},
		{"presence", "trigger", false}, {"presence", "press", false},
		{"pir", "on", true}, {"pir", "off", true},
		{"pir", "trigger", true}, {"pir", "release", true}, {"pir", "open", false},
		{"button", "press", true}, {"button", "double_press", true},
		{"button", "long_press", true}, {"button", "on", false},
		{"button", "trigger", false},
		{"reed_switch", "open", true}, {"reed_switch", "close", true},
		{"reed_switch", "trigger", true}, {"reed_switch", "on", false},
		{"hall_digital", "open", true}, {"hall_digital", "release", true},
		{"light", "level", true}, {"light", "on", false},
		{"vibration", "trigger", true}, {"vibration", "release", true},
		{"vibration", "open", false},
		{"water_leak", "trigger", true}, {"water_leak", "level", false},
		{"camera", "on", false}, {"camera", "trigger", false},
		{"eink", "press", false},
		{"presence", "", false}, {"presence", "ON", false},
	};
	const char *events[8];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sensor_type *t = sensor_type_find(cases[i].type);

		assert_non_null(t);
		if (sensor_type_accepts_event(t, cases[i].event) != cases[i].ok)
			fail_msg("%s / %s: expected %s", cases[i].type, cases[i].event,
				 cases[i].ok ? "accepted" : "refused");
	}
	assert_false(sensor_type_accepts_event(NULL, "on"));
	assert_false(sensor_type_accepts_event(sensor_type_find("pir"), NULL));

	/* The list names the type's own events first, then the GPIO pair. */
	assert_int_equal(sensor_type_events(sensor_type_find("pir"), events, 7), 4);
	assert_string_equal(events[0], "on");
	assert_string_equal(events[2], "trigger");
	assert_null(events[4]);
	assert_int_equal(sensor_type_events(sensor_type_find("camera"), events, 7), 0);
	assert_null(events[0]);
	/* Bounded by max, still NULL-terminated. */
	assert_int_equal(sensor_type_events(sensor_type_find("button"), events, 2), 2);
	assert_null(events[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_found),
		cmocka_unit_test(test_gpio_pin),
		cmocka_unit_test(test_gpio_common_keys),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_unknown_config_key),
		cmocka_unit_test(test_empty_and_not_object),
		cmocka_unit_test(test_home_types),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_gpio_defaults),
		cmocka_unit_test(test_openapi_enum),
		cmocka_unit_test(test_accepts_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
