/*
 * Home Assistant WebSocket messages: each type HA sends is classified,
 * ids and HA's error texts are taken out, and what is not a message HA
 * sends (no type, a result without an id or success, an event without
 * its object, text that is not JSON) is refused with a reason, never a
 * crash.  Quoted text is safe to log: control characters are gone and a
 * cut ends on a whole UTF-8 character.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "net/ha_ws_msg.h"

/* Classify the one message in text. */
static void classify(const char *text, struct ha_ws_msg *m)
{
	json_t *msgs = NULL;
	char why[128];

	assert_int_equal(ha_ws_msg_split(text, strlen(text), &msgs, why, sizeof(why)), 0);
	assert_int_equal(json_array_size(msgs), 1);
	ha_ws_msg_classify(json_array_get(msgs, 0), m);
	json_decref(msgs);
}

static void test_auth(void **state)
{
	struct ha_ws_msg m;

	(void)state;
	classify("{\"type\":\"auth_required\",\"ha_version\":\"2025.1.2\"}", &m);
	assert_int_equal(m.kind, HA_WS_AUTH_REQUIRED);
	assert_string_equal(m.text, "2025.1.2");
	assert_string_equal(ha_ws_kind_name(m.kind), "auth_required");
	ha_ws_msg_clear(&m);

	classify("{\"type\":\"auth_ok\",\"ha_version\":\"2025.1.2\"}", &m);
	assert_int_equal(m.kind, HA_WS_AUTH_OK);
	ha_ws_msg_clear(&m);

	classify("{\"type\":\"auth_invalid\",\"message\":\"Invalid password\"}", &m);
	assert_int_equal(m.kind, HA_WS_AUTH_INVALID);
	assert_string_equal(m.text, "Invalid password");
	ha_ws_msg_clear(&m);

	classify("{\"type\":\"auth_invalid\"}", &m);
	assert_int_equal(m.kind, HA_WS_AUTH_INVALID);
	assert_string_equal(m.text, "invalid access token");
	ha_ws_msg_clear(&m);
}

static void test_result(void **state)
{
	struct ha_ws_msg m;

	(void)state;
	classify("{\"id\":7,\"type\":\"result\",\"success\":true,\"result\":[{\"area_id\":\"k\"}]}",
		 &m);
	assert_int_equal(m.kind, HA_WS_RESULT);
	assert_int_equal(m.id, 7);
	assert_true(m.success);
	assert_true(json_is_array(m.result));
	assert_int_equal(json_array_size(m.result), 1);
	ha_ws_msg_clear(&m);

	classify("{\"id\":8,\"type\":\"result\",\"success\":true,\"result\":null}", &m);
	assert_int_equal(m.kind, HA_WS_RESULT);
	assert_true(json_is_null(m.result));
	ha_ws_msg_clear(&m);

	classify("{\"id\":9,\"type\":\"result\",\"success\":false,\"error\":"
		 "{\"code\":\"unknown_command\",\"message\":\"Unknown command.\"}}", &m);
	assert_int_equal(m.kind, HA_WS_RESULT);
	assert_int_equal(m.id, 9);
	assert_false(m.success);
	assert_string_equal(m.text, "unknown_command: Unknown command.");
	ha_ws_msg_clear(&m);

	classify("{\"id\":10,\"type\":\"result\",\"success\":false,\"error\":{\"code\":3,"
		 "\"message\":\"no\"}}", &m);
	assert_string_equal(m.text, "3: no");
	ha_ws_msg_clear(&m);

	classify("{\"id\":10,\"type\":\"result\",\"success\":false}", &m);
	assert_int_equal(m.kind, HA_WS_RESULT);
	assert_string_equal(m.text, "Home Assistant gave no reason");
	ha_ws_msg_clear(&m);
}

static void test_event_and_pong(void **state)
{
	struct ha_ws_msg m;

	(void)state;
	classify("{\"id\":2,\"type\":\"event\",\"event\":{\"event_type\":\"state_changed\","
		 "\"data\":{\"entity_id\":\"light.hall\",\"old_state\":null,\"new_state\":"
		 "{\"state\":\"on\"}},\"origin\":\"LOCAL\",\"time_fired\":"
		 "\"2025-01-01T00:00:00+00:00\"}}", &m);
	assert_int_equal(m.kind, HA_WS_EVENT);
	assert_int_equal(m.id, 2);
	assert_string_equal(json_string_value(json_object_get(m.event, "event_type")),
			    "state_changed");
	ha_ws_msg_clear(&m);

	classify("{\"id\":19,\"type\":\"pong\"}", &m);
	assert_int_equal(m.kind, HA_WS_PONG);
	assert_int_equal(m.id, 19);
	ha_ws_msg_clear(&m);

	classify("{\"id\":19,\"type\":\"something_new\"}", &m);
	assert_int_equal(m.kind, HA_WS_OTHER);
	assert_string_equal(ha_ws_kind_name(m.kind), "other");
	ha_ws_msg_clear(&m);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"type\":5}",
		"{\"type\":\"result\",\"success\":true}",              /* no id */
		"{\"id\":0,\"type\":\"result\",\"success\":true}",     /* id not positive */
		"{\"id\":-3,\"type\":\"result\",\"success\":true}",
		"{\"id\":\"4\",\"type\":\"result\",\"success\":true}", /* id a string */
		"{\"id\":4,\"type\":\"result\"}",                      /* no success */
		"{\"id\":4,\"type\":\"result\",\"success\":1}",
		"{\"id\":4,\"type\":\"event\"}",                       /* no event */
		"{\"id\":4,\"type\":\"event\",\"event\":[]}",
		"{\"type\":\"event\",\"event\":{}}",
	};
	struct ha_ws_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		classify(bad[i], &m);
		assert_int_equal(m.kind, HA_WS_INVALID);
		assert_true(m.text[0] != '\0');
		assert_null(m.result);
		assert_null(m.event);
		ha_ws_msg_clear(&m);
	}
	/* Not an object at all. */
	ha_ws_msg_classify(NULL, &m);
	assert_int_equal(m.kind, HA_WS_INVALID);
	ha_ws_msg_clear(&m);
}

static void test_split(void **state)
{
	static const char two[] = "[{\"type\":\"auth_ok\"},{\"id\":1,\"type\":\"pong\"}]";
	static const char *const bad[] = { "", "not json", "5", "\"x\"", "null",
					   "{\"type\":\"pong\"", "{\"a\":1,\"a\":2}" };
	json_t *msgs;
	char why[128];

	(void)state;
	/* HA's coalesced messages: one array, each element a message. */
	assert_int_equal(ha_ws_msg_split(two, strlen(two), &msgs, why, sizeof(why)), 0);
	assert_int_equal(json_array_size(msgs), 2);
	json_decref(msgs);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(ha_ws_msg_split(bad[i], strlen(bad[i]), &msgs, why, sizeof(why)),
				 -1);
		assert_null(msgs);
		assert_true(why[0] != '\0');
	}
}

static void test_safe_text(void **state)
{
	struct ha_ws_msg m;
	char text[2 * HA_WS_TEXT_MAX];
	size_t n = 0;
	json_t *valid;

	(void)state;
	classify("{\"type\":\"auth_invalid\",\"message\":\"bad\\ntoken\\u0007\"}", &m);
	assert_string_equal(m.text, "bad token ");
	ha_ws_msg_clear(&m);

	/* A message of two-byte characters, longer than the text kept: the
	 * cut ends on a whole character. */
	n = (size_t)snprintf(text, sizeof(text), "{\"type\":\"auth_invalid\",\"message\":\"a");
	while (n + 3 < sizeof(text) - 3) {
		text[n++] = (char)0xC3;
		text[n++] = (char)0xA9;
	}
	text[n++] = '"';
	text[n++] = '}';
	text[n] = '\0';
	classify(text, &m);
	assert_int_equal(m.kind, HA_WS_AUTH_INVALID);
	assert_true(strlen(m.text) < HA_WS_TEXT_MAX);
	assert_true(strlen(m.text) % 2 == 1);           /* "a" + whole characters */
	valid = json_string(m.text);                     /* NULL unless valid UTF-8 */
	assert_non_null(valid);
	json_decref(valid);
	ha_ws_msg_clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_event_and_pong),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_safe_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
