/* Home Assistant's entities, states and areas as Hearth's sensors, events
 * and rooms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ha/map.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_entity_ids(void **state)
{
	char domain[32];

	(void)state;
	assert_true(ha_entity_id_valid("binary_sensor.kitchen_motion"));
	assert_true(ha_entity_id_valid("light.a1"));
	assert_false(ha_entity_id_valid(NULL));
	assert_false(ha_entity_id_valid("light"));
	assert_false(ha_entity_id_valid(".kitchen"));
	assert_false(ha_entity_id_valid("light."));
	assert_false(ha_entity_id_valid("Light.kitchen"));
	assert_false(ha_entity_id_valid("light.kitchen.2"));
	assert_false(ha_entity_id_valid("light.kit chen"));
	ha_entity_domain("binary_sensor.door", domain, sizeof(domain));
	assert_string_equal(domain, "binary_sensor");
	ha_entity_domain("nonsense", domain, sizeof(domain));
	assert_string_equal(domain, "");
	ha_entity_domain("binary_sensor.door", domain, 4);   /* does not fit: nothing */
	assert_string_equal(domain, "");
}

static void test_sensor_types(void **state)
{
	(void)state;
	assert_string_equal(ha_sensor_type("binary_sensor.hall", "motion"), "presence");
	assert_string_equal(ha_sensor_type("binary_sensor.hall", "occupancy"), "presence");
	assert_string_equal(ha_sensor_type("binary_sensor.hall", "presence"), "presence");
	assert_string_equal(ha_sensor_type("binary_sensor.front", "door"), "contact");
	assert_string_equal(ha_sensor_type("binary_sensor.front", "window"), "contact");
	assert_string_equal(ha_sensor_type("sensor.hall_lux", "illuminance"), "light");
	assert_string_equal(ha_sensor_type("button.doorbell", NULL), "button");
	assert_string_equal(ha_sensor_type("event.remote", "button"), "button");
	assert_null(ha_sensor_type("binary_sensor.smoke", "smoke"));
	assert_null(ha_sensor_type("binary_sensor.x", NULL));
	assert_null(ha_sensor_type("sensor.temp", "temperature"));
	assert_null(ha_sensor_type("light.kitchen", NULL));
	assert_null(ha_sensor_type("not an id", "motion"));
}

static void test_events(void **state)
{
	struct ha_event ev;

	(void)state;
	assert_int_equal(ha_event_for("presence", "off", "on", &ev), 1);
	assert_string_equal(ev.event_type, "on");
	assert_int_equal(ha_event_for("presence", NULL, "off", &ev), 1);
	assert_string_equal(ev.event_type, "off");
	assert_int_equal(ha_event_for("presence", "on", "on", &ev), 0);       /* no change */
	assert_int_equal(ha_event_for("presence", "on", "unavailable", &ev), 0);
	assert_int_equal(ha_event_for("presence", "unavailable", "on", &ev), 1);
	assert_int_equal(ha_event_for("presence", "on", "detected", &ev), 0);
	assert_int_equal(ha_event_for("contact", "off", "on", &ev), 1);
	assert_string_equal(ev.event_type, "open");
	assert_int_equal(ha_event_for("contact", "on", "off", &ev), 1);
	assert_string_equal(ev.event_type, "close");
	assert_int_equal(ha_event_for("light", "10", "42.5", &ev), 1);
	assert_string_equal(ev.event_type, "level");
	assert_true(ev.has_value);
	assert_true(ev.value == 42.5);
	assert_int_equal(ha_event_for("light", "10", "bright", &ev), 0);
	assert_int_equal(ha_event_for("light", "10", "nan", &ev), 0);
	assert_int_equal(ha_event_for("light", "10", "unknown", &ev), 0);
	assert_int_equal(ha_event_for("button", "2026-12-06T08:00:00+00:00",
				      "2026-12-06T08:05:00+00:00", &ev), 1);
	assert_string_equal(ev.event_type, "press");
	assert_false(ev.has_value);
	/* The first state seen is a press long past, and so is one after a gap. */
	assert_int_equal(ha_event_for("button", NULL, "2026-12-06T08:05:00+00:00", &ev), 0);
	assert_int_equal(ha_event_for("button", "unknown", "2026-12-06T08:05:00+00:00", &ev), 0);
	assert_int_equal(ha_event_for("camera", "idle", "recording", &ev), 0);
	assert_int_equal(ha_event_for(NULL, "off", "on", &ev), 0);
}

/* The step of kind for the area named area (or the room named room). */
static const struct ha_step *step_for(const struct ha_step *steps, int n, const char *area,
				      const char *room)
{
	for (int i = 0; i < n; i++)
		if ((area && steps[i].area && strcmp(steps[i].area->area_id, area) == 0) ||
		    (room && !steps[i].area && steps[i].room && strcmp(steps[i].room->name, room) == 0))
			return &steps[i];
	return NULL;
}

static void test_rooms_first_sync(void **state)
{
	const struct ha_area areas[] = {
		{"kitchen", "Kitchen"}, {"living_room", "Living room"}, {"attic", "Attic"},
	};
	/* A room a person made, and one of HA's names linked elsewhere. */
	const struct ha_room rooms[] = {
		{1, "Kitchen", NULL, false},
		{2, "Study", NULL, false},
	};
	struct ha_step steps[N(areas) + N(rooms)];
	struct ha_counts c;
	int n;

	(void)state;
	n = ha_plan_rooms(areas, N(areas), rooms, N(rooms), steps, &c);
	assert_int_equal(n, 3);
	assert_int_equal(step_for(steps, n, "kitchen", NULL)->kind, HA_STEP_UPDATE);   /* adopted */
	assert_int_equal(step_for(steps, n, "kitchen", NULL)->room->id, 1);
	assert_int_equal(step_for(steps, n, "living_room", NULL)->kind, HA_STEP_CREATE);
	assert_null(step_for(steps, n, "living_room", NULL)->room);
	assert_int_equal(step_for(steps, n, "attic", NULL)->kind, HA_STEP_CREATE);
	assert_int_equal(c.created, 2);
	assert_int_equal(c.updated, 1);
	assert_int_equal(c.unchanged + c.missing + c.conflicts, 0);
}

static void test_rooms_second_sync(void **state)
{
	const struct ha_area areas[] = {{"kitchen", "Kitchen"}, {"attic", "Loft"}};
	const struct ha_room rooms[] = {
		{1, "Kitchen", "kitchen", false},
		{3, "Attic", "attic", false},        /* renamed in HA */
		{4, "Living room", "living_room", false},   /* gone from HA */
		{5, "Garage", "garage", true},       /* gone before: still missing */
		{2, "Study", NULL, false},           /* a person's: untouched */
	};
	struct ha_step steps[N(areas) + N(rooms)];
	struct ha_counts c;
	int n;

	(void)state;
	n = ha_plan_rooms(areas, N(areas), rooms, N(rooms), steps, &c);
	assert_int_equal(n, 3);
	assert_int_equal(step_for(steps, n, "kitchen", NULL)->kind, HA_STEP_UNCHANGED);
	assert_int_equal(step_for(steps, n, "attic", NULL)->kind, HA_STEP_UPDATE);
	assert_int_equal(step_for(steps, n, "attic", NULL)->room->id, 3);
	assert_int_equal(step_for(steps, n, NULL, "Living room")->kind, HA_STEP_MISSING);
	assert_null(step_for(steps, n, NULL, "Garage"));
	assert_null(step_for(steps, n, NULL, "Study"));
	assert_int_equal(c.unchanged, 1);
	assert_int_equal(c.updated, 1);
	assert_int_equal(c.missing, 2);
	assert_int_equal(c.created + c.conflicts, 0);
}

static void test_rooms_back_and_conflicts(void **state)
{
	const struct ha_area areas[] = {
		{"garage", "Garage"},     /* back in HA */
		{"den", "Study"},         /* a person's room has this name, linked elsewhere */
		{"porch", "Porch"}, {"porch2", "Porch"},   /* one name twice */
		{"kitchen", "Study"},     /* a rename onto another room's name */
	};
	const struct ha_room rooms[] = {
		{5, "Garage", "garage", true},
		{2, "Study", "office", false},
		{1, "Kitchen", "kitchen", false},
	};
	struct ha_step steps[N(areas) + N(rooms)];
	struct ha_counts c;
	int n;

	(void)state;
	n = ha_plan_rooms(areas, N(areas), rooms, N(rooms), steps, &c);
	assert_int_equal(step_for(steps, n, "garage", NULL)->kind, HA_STEP_UPDATE);
	assert_int_equal(step_for(steps, n, "den", NULL)->kind, HA_STEP_CONFLICT);
	assert_int_equal(step_for(steps, n, "porch", NULL)->kind, HA_STEP_CREATE);
	assert_int_equal(step_for(steps, n, "porch2", NULL)->kind, HA_STEP_CONFLICT);
	assert_int_equal(step_for(steps, n, "kitchen", NULL)->kind, HA_STEP_CONFLICT);
	assert_int_equal(step_for(steps, n, NULL, "Study")->kind, HA_STEP_MISSING);
	assert_int_equal(c.conflicts, 3);
	assert_int_equal(c.missing, 1);
}

static void test_rooms_untrusted(void **state)
{
	const struct ha_area dup[] = {{"a", "A"}, {"a", "B"}};
	const struct ha_area unnamed[] = {{"a", ""}};
	const struct ha_area noid[] = {{NULL, "A"}};
	const struct ha_room rooms[] = {{1, "A", "a", false}};
	struct ha_step steps[4];
	struct ha_counts c;

	(void)state;
	assert_int_equal(ha_plan_rooms(dup, 2, rooms, 1, steps, &c), -1);
	assert_int_equal(ha_plan_rooms(unnamed, 1, rooms, 1, steps, &c), -1);
	assert_int_equal(ha_plan_rooms(noid, 1, rooms, 1, steps, &c), -1);
	/* No areas at all is an answer, not a failure: every room is missing. */
	assert_int_equal(ha_plan_rooms(NULL, 0, rooms, 1, steps, &c), 1);
	assert_int_equal(steps[0].kind, HA_STEP_MISSING);
}

static void test_sensors(void **state)
{
	const struct ha_entity ents[] = {
		{"binary_sensor.hall_motion", "Hall motion", "presence", 3},
		{"binary_sensor.front_door", "Front door", "contact", 3},
		{"sensor.hall_lux", "Hall light level", "light", 4},   /* moved room */
		{"button.doorbell", "Doorbell", "button", 3},
	};
	const struct ha_sensor have[] = {
		{10, "binary_sensor.hall_motion", "Hall motion", "presence", 3, false},
		{11, "sensor.hall_lux", "Hall light level", "light", 3, false},
		{12, "button.doorbell", "Doorbell", "button", 3, true},     /* back */
		{13, "binary_sensor.old", "Old", "presence", 3, false},     /* gone */
		{14, "binary_sensor.older", "Older", "presence", 3, true},  /* gone before */
	};
	struct ha_sensor_step steps[N(ents) + N(have)];
	struct ha_counts c;
	int n;

	(void)state;
	n = ha_plan_sensors(ents, N(ents), have, N(have), steps, &c);
	assert_int_equal(n, 5);
	assert_int_equal(steps[0].kind, HA_STEP_UNCHANGED);
	assert_int_equal(steps[1].kind, HA_STEP_CREATE);
	assert_null(steps[1].sensor);
	assert_int_equal(steps[2].kind, HA_STEP_UPDATE);
	assert_int_equal(steps[2].sensor->id, 11);
	assert_int_equal(steps[3].kind, HA_STEP_UPDATE);
	assert_int_equal(steps[4].kind, HA_STEP_MISSING);
	assert_int_equal(steps[4].sensor->id, 13);
	assert_int_equal(c.created, 1);
	assert_int_equal(c.updated, 2);
	assert_int_equal(c.unchanged, 1);
	assert_int_equal(c.missing, 2);
}

static void test_sensors_untrusted(void **state)
{
	const struct ha_entity dup[] = {{"light.a", "A", "presence", 1}, {"light.a", "B", "presence", 1}};
	const struct ha_entity bad[] = {{"Light A", "A", "presence", 1}};
	const struct ha_entity untyped[] = {{"light.a", "A", NULL, 1}};
	struct ha_sensor_step steps[4];
	struct ha_counts c;

	(void)state;
	assert_int_equal(ha_plan_sensors(dup, 2, NULL, 0, steps, &c), -1);
	assert_int_equal(ha_plan_sensors(bad, 1, NULL, 0, steps, &c), -1);
	assert_int_equal(ha_plan_sensors(untyped, 1, NULL, 0, steps, &c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entity_ids),
		cmocka_unit_test(test_sensor_types),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_rooms_first_sync),
		cmocka_unit_test(test_rooms_second_sync),
		cmocka_unit_test(test_rooms_back_and_conflicts),
		cmocka_unit_test(test_rooms_untrusted),
		cmocka_unit_test(test_sensors),
		cmocka_unit_test(test_sensors_untrusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
