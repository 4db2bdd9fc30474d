/*
 * The gate's stages in order, context combination, and the local midnight
 * that starts the daily cap's day, in Europe/Berlin.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <jansson.h>

#include "engine/gate.h"

/* 2026-11-23 12:00 in Berlin (CET), a Monday. */
#define NOON ((time_t)1795431600)

static char reason[256];
static struct gate_rule rule;
static struct gate_input in;
static json_t *contexts, *dependencies;

/* A rule and trigger that pass every stage; tests spoil one at a time. */
static int setup(void **state)
{
	(void)state;
	rule = (struct gate_rule){.id = 7, .enabled = true, .trigger_type = "sensor_event",
				  .cool_off_minutes = 5, .max_daily_triggers = 3};
	contexts = json_array();
	dependencies = json_array();
	in = (struct gate_input){.rule = &rule, .trigger_type = "sensor_event", .sensor_id = 2,
				 .contexts = contexts, .dependencies = dependencies,
				 .filter = {.now = NOON, .room_id = 3, .room_name = "Kitchen"}};
	reason[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(contexts);
	json_decref(dependencies);
	return 0;
}

static void add_context(const char *type, const char *config, bool negate)
{
	json_t *c = json_loads(config, 0, NULL);

	assert_non_null(c);
	assert_int_equal(json_array_append_new(contexts, json_pack("{s:s, s:o, s:b}",
				"context_type", type, "config", c, "negate", negate)), 0);
}

static void add_dependency(int64_t parent, int64_t lookback, bool require, time_t last)
{
	assert_int_equal(json_array_append_new(dependencies, json_pack(
		"{s:I, s:s, s:I, s:b, s:I}", "parent_rule_id", (json_int_t)parent,
		"parent_rule_name", "Morning check", "lookback_minutes", (json_int_t)lookback,
		"require_success", require, "parent_last_completed", (json_int_t)last)), 0);
}

static bool gate(void)
{
	return gate_check(&in, reason, sizeof(reason));
}

static void test_passes(void **state)
{
	(void)state;
	assert_true(gate());
	assert_string_equal(reason, "");
}

static void test_first_failing_stage_is_named(void **state)
{
	(void)state;
	/* Fails every stage: each fix reveals the next, in the reference order. */
	rule.enabled = false;
	rule.trigger_type = "cron";
	in.trigger_type = "webhook";
	add_context("time_range", "{\"start_time\": \"20:00\", \"end_time\": \"22:00\"}", false);
	add_dependency(4, 30, true, 0);
	in.last_counted = NOON - 2 * 60;
	in.counted_today = 3;

	assert_false(gate());
	assert_string_equal(reason, "disabled");
	rule.enabled = true;
	assert_false(gate());
	assert_string_equal(reason, "trigger_type is cron, not webhook");
	rule.trigger_type = "webhook";
	assert_false(gate());
	assert_string_equal(reason, "context time_range: 12:00 is outside 20:00-22:00");
	json_array_clear(contexts);
	assert_false(gate());
	assert_string_equal(reason,
			    "dependency on rule 4 (Morning check): no completed run in the last 30 min");
	json_array_clear(dependencies);
	assert_false(gate());
	assert_string_equal(reason, "cool-off: last run 2 min ago (cool_off_minutes 5)");
	in.last_counted = 0;
	assert_false(gate());
	assert_string_equal(reason, "daily cap: 3 of 3 runs today");
	in.counted_today = 2;
	assert_true(gate());
}

static void test_occupancy(void **state)
{
	(void)state;
	rule.trigger_type = in.trigger_type = "occupancy_duration";
	rule.primary_sensor_id = 9;
	in.occupancy_minutes = 45;
	assert_false(gate());
	assert_string_equal(reason, "occupancy: sensor 2 is not the rule's primary sensor 9");
	in.sensor_id = 9;
	assert_true(gate());
	/* min_minutes 0: the default 40. */
	in.occupancy_minutes = 39.9;
	assert_false(gate());
	assert_string_equal(reason, "occupancy: 39 min so far, min_minutes 40");
	in.occupancy_minutes = 40;
	assert_true(gate());
	rule.occupancy_min_minutes = 10;
	in.occupancy_minutes = 10;
	assert_true(gate());
	in.occupancy_minutes = 9;
	assert_false(gate());
	/* No primary sensor never matches. */
	rule.primary_sensor_id = 0;
	in.sensor_id = 0;
	in.occupancy_minutes = 90;
	assert_false(gate());
}

static void test_contexts_or_within_and_across(void **state)
{
	(void)state;
	add_context("room", "{\"room_name\": \"Hall\"}", false);
	add_context("time_range", "{\"start_time\": \"08:00\", \"end_time\": \"22:00\"}", false);
	add_context("room", "{\"room_name\": \"kitchen\"}", false);
	/* room: Hall fails, Kitchen holds (OR); time_range holds (AND). */
	assert_true(gate());

	add_context("day_of_week", "{\"days\": [5, 6]}", false);
	assert_false(gate());
	assert_string_equal(reason, "context day_of_week: Monday (0) is not one of the days");
	add_context("day_of_week", "{\"days\": [0]}", false);
	assert_true(gate());
}

static void test_contexts_type_reports_first(void **state)
{
	(void)state;
	add_context("room", "{\"room_name\": \"Hall\"}", false);
	add_context("room", "{\"room_name\": \"Bath\"}", false);
	assert_false(gate());
	assert_string_equal(reason, "context room: room is Kitchen, not Hall");
}

static void test_contexts_negate(void **state)
{
	(void)state;
	add_context("room", "{\"room_name\": \"Kitchen\"}", true);
	assert_false(gate());
	assert_string_equal(reason, "context room (negated): room is Kitchen");
	json_array_clear(contexts);
	add_context("room", "{\"room_name\": \"Hall\"}", true);
	assert_true(gate());
	/* Negated or not, OR within the type: one that holds is enough. */
	add_context("room", "{\"room_name\": \"Kitchen\"}", true);
	assert_true(gate());
}

static int failing_location(void *ud, int64_t person_id, char *room, size_t roomlen,
			    time_t *seen_at)
{
	(void)ud; (void)person_id; (void)room; (void)roomlen; (void)seen_at;
	return -1;
}

static void test_contexts_lookup_error_fails_even_negated(void **state)
{
	struct filter_env env = {.person_location = failing_location};

	(void)state;
	in.filter.env = &env;
	add_context("person_presence", "{\"person_id\": 3}", true);
	assert_false(gate());
	assert_string_equal(reason, "context person_presence: person 3: location lookup failed");
	json_array_clear(contexts);
	add_context("weather", "{}", true);
	assert_false(gate());
	assert_string_equal(reason, "context weather: unknown context type weather");
}

static void test_dependencies(void **state)
{
	(void)state;
	add_dependency(4, 30, true, NOON - 30 * 60);
	assert_true(gate());
	json_array_clear(dependencies);
	add_dependency(4, 30, true, NOON - 30 * 60 - 1);
	assert_false(gate());

	/* require_success false: the parent must NOT have completed lately. */
	json_array_clear(dependencies);
	add_dependency(4, 30, false, 0);
	assert_true(gate());
	add_dependency(5, 60, false, NOON - 12 * 60);
	assert_false(gate());
	assert_string_equal(reason, "dependency on rule 5 (Morning check): completed 12 min ago, "
			    "within the last 60 min");

	/* Defaults: lookback 30, require_success true; no name, no parentheses. */
	json_array_clear(dependencies);
	json_array_append_new(dependencies, json_pack("{s:i, s:I}", "parent_rule_id", 8,
				"parent_last_completed", (json_int_t)(NOON - 31 * 60)));
	assert_false(gate());
	assert_string_equal(reason, "dependency on rule 8: no completed run in the last 30 min");
}

static void test_cool_off(void **state)
{
	(void)state;
	in.last_counted = NOON - 5 * 60 + 1;
	assert_false(gate());
	assert_string_equal(reason, "cool-off: last run 4 min ago (cool_off_minutes 5)");
	in.last_counted = NOON - 5 * 60;
	assert_true(gate());
	in.last_counted = NOON;
	rule.cool_off_minutes = 0;  /* off */
	assert_true(gate());
}

static void test_daily_cap(void **state)
{
	(void)state;
	in.counted_today = 4;
	assert_false(gate());
	assert_string_equal(reason, "daily cap: 4 of 3 runs today");
	rule.max_daily_triggers = 0;  /* off */
	assert_true(gate());
	rule.max_daily_triggers = 5;
	assert_true(gate());
}

/* A UTC calendar time as Unix time. */
static time_t utc(int y, int mon, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
			.tm_hour = h, .tm_min = mi};

	return timegm(&tm);
}

static void test_local_midnight(void **state)
{
	(void)state;
	assert_int_equal(NOON, utc(2026, 11, 23, 11, 0));
	assert_int_equal(gate_local_midnight(NOON), utc(2026, 11, 22, 23, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 11, 22, 23, 0)), utc(2026, 11, 22, 23, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 11, 22, 22, 59)), utc(2026, 11, 21, 23, 0));

	/* Spring forward: the day began in CET (+1) and is 23 hours long. */
	assert_int_equal(gate_local_midnight(utc(2026, 3, 29, 10, 0)), utc(2026, 3, 28, 23, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 3, 29, 21, 59)), utc(2026, 3, 28, 23, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 3, 29, 22, 0)), utc(2026, 3, 29, 22, 0));

	/* Fall back: began in CEST (+2), 25 hours long. */
	assert_int_equal(gate_local_midnight(utc(2026, 10, 25, 0, 30)), utc(2026, 10, 24, 22, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 10, 25, 1, 30)), utc(2026, 10, 24, 22, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 10, 25, 22, 59)), utc(2026, 10, 24, 22, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 10, 25, 23, 0)), utc(2026, 10, 25, 23, 0));
}

static void test_local_midnight_missing(void **state)
{
	(void)state;
	/* In Santiago, 2026-09-06 has no 00:00: the clocks go from 23:59:59
	 * straight to 01:00 (-04 to -03), which is when that day began. */
	setenv("TZ", "America/Santiago", 1);
	tzset();
	assert_int_equal(gate_local_midnight(utc(2026, 9, 6, 15, 0)), utc(2026, 9, 6, 4, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 9, 6, 4, 0)), utc(2026, 9, 6, 4, 0));
	assert_int_equal(gate_local_midnight(utc(2026, 9, 6, 3, 59)), utc(2026, 9, 5, 4, 0));
	/* 2026-04-05 starts at 00:00 -04 after 23:00-23:59 was lived twice. */
	assert_int_equal(gate_local_midnight(utc(2026, 4, 5, 16, 0)), utc(2026, 4, 5, 4, 0));
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_failing_stage_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_occupancy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contexts_or_within_and_across, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contexts_type_reports_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contexts_negate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contexts_lookup_error_fails_even_negated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dependencies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cool_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_cap, setup, teardown),
		cmocka_unit_test(test_local_midnight),
		cmocka_unit_test(test_local_midnight_missing),
	};

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
