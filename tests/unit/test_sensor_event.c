/* Which sensor events change a sensor's state, and to what. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/sensor_event.h"

/* The state an event of type with value (may be NULL) implies. */
static json_t *state_of(const char *type, const json_t *value)
{
	const struct sensor_event ev = {.sensor_id = 1, .event_type = type, .value = value};
	json_t *state = (json_t *)0x1;

	assert_int_equal(sensor_event_state(&ev, &state), HERR_OK);
	return state;
}

static void test_words(void **state)
{
	static const char *const words[] = {"on", "off", "trigger", "release", "open", "close"};

	(void)state;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		json_t *s = state_of(words[i], NULL);

		assert_true(json_is_string(s));
		assert_string_equal(json_string_value(s), words[i]);
		json_decref(s);
	}
}

static void test_momentary(void **state)
{
	json_t *v = json_integer(3);

	(void)state;
	assert_null(state_of("press", NULL));
	assert_null(state_of("double_press", v));
	assert_null(state_of("long_press", NULL));
	json_decref(v);
}

static void test_level(void **state)
{
	json_t *v = json_real(21.5), *s;

	(void)state;
	s = state_of("level", v);
	assert_ptr_equal(s, v);   /* the value itself, one more holder */
	json_decref(s);
	assert_null(state_of("level", NULL));
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_momentary),
		cmocka_unit_test(test_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
