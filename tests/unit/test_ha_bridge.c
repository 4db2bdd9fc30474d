/*
 * ha_bridge_decide: which state HA shows makes a sensor event, which is
 * only kept, and which changes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ha/bridge.h"

static void test_first_state_kept_without_event(void **state)
{
	struct ha_event ev;

	(void)state;
	assert_int_equal(ha_bridge_decide("presence", NULL, 0, "on", 1000, &ev), HA_BRIDGE_KEEP);
	assert_null(ev.event_type);
	assert_int_equal(ha_bridge_decide("button", NULL, 0, "2026-01-01T00:00:00+00:00", 0, &ev),
			 HA_BRIDGE_KEEP);
}

static void test_change_is_event(void **state)
{
	struct ha_event ev;

	(void)state;
	assert_int_equal(ha_bridge_decide("presence", "off", 1000, "on", 2000, &ev),
			 HA_BRIDGE_EVENT);
	assert_string_equal(ev.event_type, "on");
	assert_int_equal(ha_bridge_decide("contact", "on", 1000, "off", 2000, &ev),
			 HA_BRIDGE_EVENT);
	assert_string_equal(ev.event_type, "close");
	assert_int_equal(ha_bridge_decide("light", "10", 0, "42.5", 0, &ev), HA_BRIDGE_EVENT);
	assert_string_equal(ev.event_type, "level");
	assert_true(ev.has_value);
	assert_true(ev.value > 42.4 && ev.value < 42.6);
	assert_int_equal(ha_bridge_decide("button", "2026-01-01T00:00:00+00:00", 0,
					  "2026-01-01T00:01:00+00:00", 0, &ev),
			 HA_BRIDGE_EVENT);
	assert_string_equal(ev.event_type, "press");
}

static void test_same_state_nothing(void **state)
{
	struct ha_event ev;

	(void)state;
	/* A reconnect's get_states showing what was kept. */
	assert_int_equal(ha_bridge_decide("presence", "on", 1000, "on", 1000, &ev),
			 HA_BRIDGE_NOTHING);
	/* Attributes changed, state did not (last_changed stays in HA). */
	assert_int_equal(ha_bridge_decide("light", "10", 1000, "10", 5000, &ev),
			 HA_BRIDGE_NOTHING);
}

static void test_unavailable_keeps_the_state_before(void **state)
{
	struct ha_event ev;

	(void)state;
	assert_int_equal(ha_bridge_decide("presence", "on", 1000, "unavailable", 2000, &ev),
			 HA_BRIDGE_NOTHING);
	assert_int_equal(ha_bridge_decide("presence", "on", 1000, "unknown", 2000, &ev),
			 HA_BRIDGE_NOTHING);
	assert_int_equal(ha_bridge_decide("presence", NULL, 0, "unavailable", 2000, &ev),
			 HA_BRIDGE_NOTHING);
	/* Removed entity. */
	assert_int_equal(ha_bridge_decide("presence", "on", 1000, NULL, 0, &ev),
			 HA_BRIDGE_NOTHING);
}

static void test_older_state_nothing(void **state)
{
	struct ha_event ev;

	(void)state;
	assert_int_equal(ha_bridge_decide("presence", "on", 5000, "off", 4000, &ev),
			 HA_BRIDGE_NOTHING);
	/* Unknown times compare as not older. */
	assert_int_equal(ha_bridge_decide("presence", "on", 0, "off", 4000, &ev), HA_BRIDGE_EVENT);
	assert_int_equal(ha_bridge_decide("presence", "on", 5000, "off", 0, &ev), HA_BRIDGE_EVENT);
}

static void test_change_without_event_kept(void **state)
{
	struct ha_event ev;

	(void)state;
	/* A presence sensor's odd state, a light level that is no number. */
	assert_int_equal(ha_bridge_decide("presence", "off", 0, "detected", 0, &ev),
			 HA_BRIDGE_KEEP);
	assert_int_equal(ha_bridge_decide("light", "10", 0, "dark", 0, &ev), HA_BRIDGE_KEEP);
	assert_int_equal(ha_bridge_decide("camera", "a", 0, "b", 0, &ev), HA_BRIDGE_KEEP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_state_kept_without_event),
		cmocka_unit_test(test_change_is_event),
		cmocka_unit_test(test_same_state_nothing),
		cmocka_unit_test(test_unavailable_keeps_the_state_before),
		cmocka_unit_test(test_older_state_nothing),
		cmocka_unit_test(test_change_without_event_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
