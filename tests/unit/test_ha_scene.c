/* Scenes: what a snapshot keeps of a state, and the calls restoring it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ha/scene.h"

static void assert_json(const json_t *got, const char *want_json)
{
	json_t *want = json_loads(want_json, 0, NULL);

	assert_non_null(want);
	if (!json_equal(got, want)) {
		char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

		print_error("got: %s\n", text ? text : "(null)");
		json_decref(want);
		fail();
	}
	json_decref(want);
}

/* The snapshot of a state, then its plan, both checked. */
static void round_trip(const char *state_json, const char *snap_json, const char *plan_json)
{
	json_t *state = json_loads(state_json, 0, NULL), *snap, *plan;
	char why[256];

	assert_non_null(state);
	snap = ha_scene_snapshot(state, why, sizeof(why));
	assert_non_null(snap);
	assert_json(snap, snap_json);
	plan = ha_scene_plan(snap, why, sizeof(why));
	assert_non_null(plan);
	assert_json(plan, plan_json);
	json_decref(plan);
	json_decref(snap);
	json_decref(state);
}

static void test_light(void **state)
{
	(void)state;
	/* On in color_temp mode: brightness and kelvin, not the other colors. */
	round_trip("{\"entity_id\": \"light.k\", \"state\": \"on\", \"attributes\": "
		   "{\"brightness\": 200, \"color_mode\": \"color_temp\", \"color_temp_kelvin\": 2700,"
		   " \"hs_color\": [28.8, 72.5], \"friendly_name\": \"K\", \"effect\": null}}",
		   "{\"entity_id\": \"light.k\", \"state\": \"on\", \"attributes\": "
		   "{\"brightness\": 200, \"color_mode\": \"color_temp\", \"color_temp_kelvin\": 2700,"
		   " \"hs_color\": [28.8, 72.5]}}",
		   "[{\"domain\": \"light\", \"service\": \"turn_on\", \"data\": {\"entity_id\": "
		   "\"light.k\", \"brightness\": 200, \"color_temp_kelvin\": 2700}}]");
	round_trip("{\"entity_id\": \"light.k\", \"state\": \"on\", \"attributes\": "
		   "{\"brightness\": 20, \"color_mode\": \"xy\", \"xy_color\": [0.5, 0.4]}}",
		   "{\"entity_id\": \"light.k\", \"state\": \"on\", \"attributes\": "
		   "{\"brightness\": 20, \"color_mode\": \"xy\", \"xy_color\": [0.5, 0.4]}}",
		   "[{\"domain\": \"light\", \"service\": \"turn_on\", \"data\": {\"entity_id\": "
		   "\"light.k\", \"brightness\": 20, \"xy_color\": [0.5, 0.4]}}]");
	round_trip("{\"entity_id\": \"light.k\", \"state\": \"off\", \"attributes\": "
		   "{\"brightness\": null, \"supported_color_modes\": [\"brightness\"]}}",
		   "{\"entity_id\": \"light.k\", \"state\": \"off\", \"attributes\": {}}",
		   "[{\"domain\": \"light\", \"service\": \"turn_off\", \"data\": {\"entity_id\": "
		   "\"light.k\"}}]");
}

static void test_climate(void **state)
{
	(void)state;
	round_trip("{\"entity_id\": \"climate.hall\", \"state\": \"heat\", \"attributes\": "
		   "{\"temperature\": 21.0, \"preset_mode\": \"comfort\", \"fan_mode\": \"auto\","
		   " \"current_temperature\": 20.1, \"hvac_modes\": [\"off\", \"heat\"]}}",
		   "{\"entity_id\": \"climate.hall\", \"state\": \"heat\", \"attributes\": "
		   "{\"temperature\": 21.0, \"preset_mode\": \"comfort\", \"fan_mode\": \"auto\"}}",
		   "[{\"domain\": \"climate\", \"service\": \"set_hvac_mode\", \"data\": "
		   "{\"entity_id\": \"climate.hall\", \"hvac_mode\": \"heat\"}},"
		   " {\"domain\": \"climate\", \"service\": \"set_preset_mode\", \"data\": "
		   "{\"entity_id\": \"climate.hall\", \"preset_mode\": \"comfort\"}},"
		   " {\"domain\": \"climate\", \"service\": \"set_fan_mode\", \"data\": "
		   "{\"entity_id\": \"climate.hall\", \"fan_mode\": \"auto\"}},"
		   " {\"domain\": \"climate\", \"service\": \"set_temperature\", \"data\": "
		   "{\"entity_id\": \"climate.hall\", \"temperature\": 21.0}}]");
	round_trip("{\"entity_id\": \"climate.hall\", \"state\": \"off\", \"attributes\": "
		   "{\"temperature\": 21.0}}",
		   "{\"entity_id\": \"climate.hall\", \"state\": \"off\", \"attributes\": {}}",
		   "[{\"domain\": \"climate\", \"service\": \"set_hvac_mode\", \"data\": "
		   "{\"entity_id\": \"climate.hall\", \"hvac_mode\": \"off\"}}]");
}

static void test_others(void **state)
{
	(void)state;
	round_trip("{\"entity_id\": \"switch.kettle\", \"state\": \"on\", \"attributes\": "
		   "{\"device_class\": \"outlet\"}}",
		   "{\"entity_id\": \"switch.kettle\", \"state\": \"on\", \"attributes\": {}}",
		   "[{\"domain\": \"switch\", \"service\": \"turn_on\", \"data\": "
		   "{\"entity_id\": \"switch.kettle\"}}]");
	round_trip("{\"entity_id\": \"cover.blind\", \"state\": \"open\", \"attributes\": "
		   "{\"current_position\": 40}}",
		   "{\"entity_id\": \"cover.blind\", \"state\": \"open\", \"attributes\": "
		   "{\"current_position\": 40}}",
		   "[{\"domain\": \"cover\", \"service\": \"set_cover_position\", \"data\": "
		   "{\"entity_id\": \"cover.blind\", \"position\": 40}}]");
	round_trip("{\"entity_id\": \"cover.door\", \"state\": \"closed\", \"attributes\": {}}",
		   "{\"entity_id\": \"cover.door\", \"state\": \"closed\", \"attributes\": {}}",
		   "[{\"domain\": \"cover\", \"service\": \"close_cover\", \"data\": "
		   "{\"entity_id\": \"cover.door\"}}]");
	round_trip("{\"entity_id\": \"media_player.tv\", \"state\": \"playing\", \"attributes\": "
		   "{\"volume_level\": 0.25, \"media_title\": \"x\"}}",
		   "{\"entity_id\": \"media_player.tv\", \"state\": \"on\", \"attributes\": "
		   "{\"volume_level\": 0.25}}",
		   "[{\"domain\": \"media_player\", \"service\": \"turn_on\", \"data\": "
		   "{\"entity_id\": \"media_player.tv\"}}, {\"domain\": \"media_player\", "
		   "\"service\": \"volume_set\", \"data\": {\"entity_id\": \"media_player.tv\", "
		   "\"volume_level\": 0.25}}]");
	round_trip("{\"entity_id\": \"input_number.level\", \"state\": \"12.5\", "
		   "\"attributes\": {\"min\": 0}}",
		   "{\"entity_id\": \"input_number.level\", \"state\": \"12.5\", \"attributes\": {}}",
		   "[{\"domain\": \"input_number\", \"service\": \"set_value\", \"data\": "
		   "{\"entity_id\": \"input_number.level\", \"value\": 12.5}}]");
	round_trip("{\"entity_id\": \"lock.front\", \"state\": \"locked\", \"attributes\": {}}",
		   "{\"entity_id\": \"lock.front\", \"state\": \"locked\", \"attributes\": {}}",
		   "[{\"domain\": \"lock\", \"service\": \"lock\", \"data\": "
		   "{\"entity_id\": \"lock.front\"}}]");
}

static void refused(const char *state_json, const char *why_part)
{
	json_t *state = json_loads(state_json, 0, NULL);
	char why[256] = "";

	assert_null(ha_scene_snapshot(state, why, sizeof(why)));
	if (!strstr(why, why_part)) {
		print_error("why: %s\n", why);
		fail();
	}
	json_decref(state);
}

static void test_refused(void **state)
{
	json_t *bad;
	char why[256];

	(void)state;
	refused("{\"entity_id\": \"sensor.t\", \"state\": \"20\", \"attributes\": {}}",
		"cannot be restored");
	refused("{\"entity_id\": \"light.k\", \"state\": \"unavailable\", \"attributes\": {}}",
		"unavailable");
	refused("{\"entity_id\": \"switch.k\", \"state\": \"unknown\", \"attributes\": {}}",
		"unknown");
	refused("{\"entity_id\": \"cover.k\", \"state\": \"opening\", \"attributes\": {}}",
		"opening");
	refused("{\"entity_id\": \"input_number.k\", \"state\": \"many\", \"attributes\": {}}",
		"not a number");
	refused("{\"state\": \"on\"}", "no entity_id");
	/* A stored snapshot that is not one a scene makes. */
	bad = json_pack("{s:s, s:s}", "entity_id", "light.k", "state", "dim");
	assert_null(ha_scene_plan(bad, why, sizeof(why)));
	json_decref(bad);
	assert_null(ha_scene_plan(NULL, why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_light),
		cmocka_unit_test(test_climate),
		cmocka_unit_test(test_others),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
