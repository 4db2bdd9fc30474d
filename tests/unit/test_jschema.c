/*
 * The JSON Schema subset llm_call checks answers with: types (with integer
 * as a kind of number), required keys, properties, items, enum, nesting,
 * keywords it does not know, and the path in its messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine/jschema.h"

static int check(const char *schema, const char *value, char *err, size_t errlen)
{
	json_t *s = json_loads(schema, JSON_DECODE_ANY, NULL);
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	int rv;

	assert_non_null(s);
	assert_non_null(v);
	rv = jschema_check(s, v, err, errlen);
	json_decref(s);
	json_decref(v);
	return rv;
}

static void test_types(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(check("{\"type\": \"object\"}", "{}", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": \"object\"}", "[]", err, sizeof(err)), -1);
	assert_string_equal(err, "$: expected object, got an array");
	assert_int_equal(check("{\"type\": \"number\"}", "3", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": \"number\"}", "3.5", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": \"integer\"}", "3.0", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": \"integer\"}", "3.5", err, sizeof(err)), -1);
	assert_int_equal(check("{\"type\": \"string\"}", "\"x\"", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": \"boolean\"}", "false", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": \"boolean\"}", "0", err, sizeof(err)), -1);
	assert_int_equal(check("{\"type\": \"null\"}", "null", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": [\"string\", \"null\"]}", "null", err, sizeof(err)), 0);
	assert_int_equal(check("{\"type\": [\"string\", \"null\"]}", "1", err, sizeof(err)), -1);
	assert_int_equal(check("{\"type\": \"unknown\"}", "1", err, sizeof(err)), -1);
	/* A schema that is not an object, and unknown keywords, accept. */
	assert_int_equal(check("true", "1", err, sizeof(err)), 0);
	assert_int_equal(check("{\"minimum\": 5, \"format\": \"date\"}", "1", err, sizeof(err)), 0);
}

static void test_objects(void **state)
{
	static const char schema[] =
		"{\"type\": \"object\", \"required\": [\"fall\", \"rooms\"], \"properties\": {"
		"\"fall\": {\"type\": \"boolean\"},"
		"\"rooms\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
		"  \"required\": [\"level\"], \"properties\": {\"level\": {\"enum\": [\"low\", \"high\"]}}}}}}";
	char err[256];

	(void)state;
	assert_int_equal(check(schema, "{\"fall\": true, \"rooms\": []}", err, sizeof(err)), 0);
	assert_int_equal(check(schema, "{\"fall\": true, \"rooms\": [{\"level\": \"low\"}], "
			       "\"extra\": 1}", err, sizeof(err)), 0);
	assert_int_equal(check(schema, "{\"rooms\": []}", err, sizeof(err)), -1);
	assert_string_equal(err, "$: the required key \"fall\" is missing");
	assert_int_equal(check(schema, "{\"fall\": \"yes\", \"rooms\": []}", err, sizeof(err)), -1);
	assert_string_equal(err, "$.fall: expected boolean, got a string");
	assert_int_equal(check(schema, "{\"fall\": false, \"rooms\": [{\"level\": \"low\"}, "
			       "{\"level\": \"mid\"}]}", err, sizeof(err)), -1);
	assert_string_equal(err, "$.rooms[1].level: is not one of the enum values");
	assert_int_equal(check(schema, "{\"fall\": false, \"rooms\": [{}]}", err, sizeof(err)), -1);
	assert_string_equal(err, "$.rooms[0]: the required key \"level\" is missing");
	/* enum compares whole values. */
	assert_int_equal(check("{\"enum\": [1, [2], {\"a\": null}]}", "{\"a\": null}", err,
			       sizeof(err)), 0);
	/* No room for a message is fine. */
	assert_int_equal(check(schema, "{}", NULL, 0), -1);
}

static void test_depth(void **state)
{
	char schema[4096] = "", value[512] = "", err[256];
	size_t n = 0, m = 0;
	int i;

	(void)state;
	for (i = 0; i < JSCHEMA_MAX_DEPTH + 5; i++)
		n += (size_t)snprintf(schema + n, sizeof(schema) - n, "{\"items\": ");
	n += (size_t)snprintf(schema + n, sizeof(schema) - n, "{}");
	for (i = 0; i < JSCHEMA_MAX_DEPTH + 5; i++) {
		n += (size_t)snprintf(schema + n, sizeof(schema) - n, "}");
		value[m++] = '[';
	}
	for (i = 0; i < JSCHEMA_MAX_DEPTH + 5; i++)
		value[m++] = ']';
	assert_int_equal(check(schema, value, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nested deeper"));
	assert_int_equal(jschema_check(NULL, NULL, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
