/*
 * libFuzzer target for the entity controls and scenes (lib/ha/control.c,
 * lib/ha/scene.c): the input as a /light or /climate body, checked and
 * planned against a light and a thermostat as HA reports them; then as a
 * state object HA might answer, snapshotted and planned back.  No crash,
 * no leak, counts that match the problems listed, and a plan only when
 * there was no problem.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ha/control.h"
#include "ha/scene.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char light_state[] =
	"{\"entity_id\": \"light.k\", \"state\": \"on\", \"attributes\": {"
	"\"supported_color_modes\": [\"color_temp\", \"xy\"], \"supported_features\": 44,"
	"\"min_color_temp_kelvin\": 2202, \"max_color_temp_kelvin\": 6535,"
	"\"effect_list\": [\"None\", \"candle\"]}}";
static const char climate_state[] =
	"{\"entity_id\": \"climate.k\", \"state\": \"heat\", \"attributes\": {"
	"\"hvac_modes\": [\"off\", \"heat\"], \"preset_modes\": [\"eco\"], \"fan_modes\": [\"low\"],"
	"\"min_temp\": 5, \"max_temp\": 25, \"supported_features\": 409}}";

static void fuzz__plan(json_t *plan, json_t *errs)
{
	/* A plan and problems never come together. */
	if (plan && json_array_size(errs) > 0)
		abort();
	json_decref(plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *light = json_loads(light_state, 0, NULL);
	json_t *climate = json_loads(climate_state, 0, NULL);
	json_t *errs = json_array(), *snap;
	char why[256];
	size_t n;

	if (!body || !light || !climate || !errs)
		goto out;
	n = ha_light_check(body, errs);
	if (n != json_array_size(errs))
		abort();
	if (n == 0)
		fuzz__plan(ha_light_plan("light.k", light, body, errs), errs);
	json_array_clear(errs);
	n = ha_climate_check(body, errs);
	if (n != json_array_size(errs))
		abort();
	if (n == 0)
		fuzz__plan(ha_climate_plan("climate.k", climate, body, errs), errs);
	json_array_clear(errs);

	snap = ha_scene_snapshot(body, why, sizeof(why));
	if (snap) {
		json_t *plan = ha_scene_plan(snap, why, sizeof(why));

		/* What a snapshot keeps, a plan restores. */
		if (!plan)
			abort();
		json_decref(plan);
		json_decref(snap);
	}
	json_decref(ha_scene_plan(body, why, sizeof(why)));
out:
	json_decref(body);
	json_decref(light);
	json_decref(climate);
	json_decref(errs);
	return 0;
}
