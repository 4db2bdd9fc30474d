/*
 * lib/validate.c: types, bounds, required and partial, nullable, unknown
 * keys, every problem at once with its loc, lengths in code points.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "validate.h"

static const char *const at_body[] = {"body", NULL};

static const char *const colours[] = {"red", "green", "blue", NULL};

static const struct vfield fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 8, NULL},
	{"note", V_STRING, V_NULLABLE, 0, 4, NULL},
	{"count", V_INT, 0, -5, 5, NULL},
	{"owner_id", V_ID, V_NULLABLE, 0, 0, NULL},
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"config", V_OBJECT, V_REQUIRED, 0, 0, NULL},
	{"colour", V_STRING, 0, 0, 0, colours},
	{"free", V_INT, 0, 0, 0, NULL},
	{"at_least_one", V_INT, 0, 1, 0, NULL},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* "body.name" for loc ["body", "name"]. */
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

/* The problem at loc, or NULL. */
static const json_t *find(const json_t *errs, const char *loc)
{
	char buf[256];

	for (size_t i = 0; i < json_array_size(errs); i++) {
		loc_text(json_array_get(errs, i), buf, sizeof(buf));
		if (strcmp(buf, loc) == 0)
			return json_array_get(errs, i);
	}
	return NULL;
}

static const char *type_at(const json_t *errs, const char *loc)
{
	const json_t *e = find(errs, loc);

	return e ? json_string_value(json_object_get(e, "type")) : NULL;
}

static const char *msg_at(const json_t *errs, const char *loc)
{
	const json_t *e = find(errs, loc);

	return e ? json_string_value(json_object_get(e, "msg")) : NULL;
}

/* Validate text against the table; returns the problems (a new array). */
static json_t *check(const char *text, bool partial, size_t expect)
{
	json_error_t jerr;
	json_t *obj = json_loads(text, 0, &jerr), *errs = json_array();

	assert_non_null(obj);
	assert_int_equal(validate_object(obj, at_body, fields, NFIELDS, partial, errs), expect);
	assert_int_equal(json_array_size(errs), expect);
	json_decref(obj);
	return errs;
}

static void test_valid(void **state)
{
	json_t *errs = check("{\"name\": \"Kitchen\", \"note\": null, \"count\": -5, "
			     "\"owner_id\": 3, \"enabled\": false, \"config\": {\"x\": 1}, "
			     "\"colour\": \"blue\", \"free\": -99999999999, \"at_least_one\": 1000000}",
			     false, 0);

	json_decref(errs);
	errs = check("{\"name\": \"K\", \"config\": {}, \"count\": 5, \"owner_id\": null}", false, 0);
	json_decref(errs);
}

static void test_missing_and_partial(void **state)
{
	json_t *errs = check("{}", false, 2);

	assert_string_equal(type_at(errs, "body.name"), "missing");
	assert_string_equal(msg_at(errs, "body.name"), "Field required");
	assert_string_equal(type_at(errs, "body.config"), "missing");
	json_decref(errs);

	/* A partial update may leave out anything... */
	errs = check("{}", true, 0);
	json_decref(errs);
	/* ...but what it gives is still checked. */
	errs = check("{\"name\": \"\"}", true, 1);
	assert_string_equal(type_at(errs, "body.name"), "string_too_short");
	json_decref(errs);
}

static void test_null_object(void **state)
{
	json_t *errs = json_array();

	/* No body at all reads as {}: the required fields are missing. */
	assert_int_equal(validate_object(NULL, at_body, fields, NFIELDS, false, errs), 2);
	assert_string_equal(type_at(errs, "body.name"), "missing");
	json_decref(errs);

	errs = json_array();
	assert_int_equal(validate_object(NULL, at_body, fields, NFIELDS, true, errs), 0);
	json_decref(errs);
}

static void test_not_an_object(void **state)
{
	json_t *errs = json_array(), *arr = json_array();

	assert_int_equal(validate_object(arr, at_body, fields, NFIELDS, false, errs), 1);
	assert_string_equal(type_at(errs, "body"), "dict_type");
	json_decref(arr);
	json_decref(errs);
}

static void test_types(void **state)
{
	json_t *errs = check("{\"name\": 5, \"note\": true, \"count\": 1.5, \"owner_id\": \"3\", "
			     "\"enabled\": 1, \"config\": [], \"colour\": 3, \"free\": null}",
			     false, 8);

	assert_string_equal(type_at(errs, "body.name"), "string_type");
	assert_string_equal(msg_at(errs, "body.name"), "Input should be a valid string");
	assert_string_equal(type_at(errs, "body.note"), "string_type");
	assert_string_equal(type_at(errs, "body.count"), "int_type");
	assert_string_equal(msg_at(errs, "body.count"), "Input should be a valid integer");
	assert_string_equal(type_at(errs, "body.owner_id"), "int_type");
	assert_string_equal(type_at(errs, "body.enabled"), "bool_type");
	assert_string_equal(msg_at(errs, "body.enabled"), "Input should be a valid boolean");
	assert_string_equal(type_at(errs, "body.config"), "dict_type");
	assert_string_equal(type_at(errs, "body.colour"), "string_type");
	/* null only where the field says so */
	assert_string_equal(type_at(errs, "body.free"), "int_type");
	json_decref(errs);

	/* Booleans are not integers, and integers are not booleans. */
	errs = check("{\"name\": \"a\", \"config\": {}, \"count\": true, \"enabled\": 0}", false, 2);
	assert_string_equal(type_at(errs, "body.count"), "int_type");
	assert_string_equal(type_at(errs, "body.enabled"), "bool_type");
	json_decref(errs);
}

static void test_int_bounds(void **state)
{
	json_t *errs = check("{\"name\": \"a\", \"config\": {}, \"count\": -6, \"at_least_one\": 0}",
			     false, 2);

	assert_string_equal(type_at(errs, "body.count"), "greater_than_equal");
	assert_string_equal(msg_at(errs, "body.count"),
			    "Input should be greater than or equal to -5");
	assert_string_equal(type_at(errs, "body.at_least_one"), "greater_than_equal");
	json_decref(errs);

	errs = check("{\"name\": \"a\", \"config\": {}, \"count\": 6}", false, 1);
	assert_string_equal(type_at(errs, "body.count"), "less_than_equal");
	assert_string_equal(msg_at(errs, "body.count"), "Input should be less than or equal to 5");
	json_decref(errs);
}

static void test_id(void **state)
{
	json_t *errs = check("{\"name\": \"a\", \"config\": {}, \"owner_id\": 0}", false, 1);

	assert_string_equal(type_at(errs, "body.owner_id"), "greater_than_equal");
	assert_string_equal(msg_at(errs, "body.owner_id"),
			    "Input should be greater than or equal to 1");
	json_decref(errs);

	errs = check("{\"name\": \"a\", \"config\": {}, \"owner_id\": -7}", false, 1);
	assert_string_equal(type_at(errs, "body.owner_id"), "greater_than_equal");
	json_decref(errs);

	errs = check("{\"name\": \"a\", \"config\": {}, \"owner_id\": 2.0}", false, 1);
	assert_string_equal(type_at(errs, "body.owner_id"), "int_type");
	json_decref(errs);

	errs = check("{\"name\": \"a\", \"config\": {}, \"owner_id\": 9223372036854775807}", false, 0);
	json_decref(errs);
}

static void test_string_bounds(void **state)
{
	json_t *errs = check("{\"name\": \"123456789\", \"config\": {}, \"note\": \"12345\"}", false, 2);

	assert_string_equal(type_at(errs, "body.name"), "string_too_long");
	assert_string_equal(msg_at(errs, "body.name"), "String should have at most 8 characters");
	assert_string_equal(type_at(errs, "body.note"), "string_too_long");
	json_decref(errs);

	errs = check("{\"name\": \"\", \"config\": {}}", false, 1);
	assert_string_equal(type_at(errs, "body.name"), "string_too_short");
	assert_string_equal(msg_at(errs, "body.name"), "String should have at least 1 character");
	json_decref(errs);

	/* Not blank: white space alone is too short. */
	errs = check("{\"name\": \" \\t\\n \", \"config\": {}}", false, 1);
	assert_string_equal(type_at(errs, "body.name"), "string_too_short");
	json_decref(errs);

	/* A NUL would cut the string short on its way to the database. */
	errs = json_array();
	json_t *obj = json_pack("{s:s%, s:{}}", "name", "a\0b", (size_t)3, "config");

	assert_int_equal(validate_object(obj, at_body, fields, NFIELDS, false, errs), 1);
	assert_string_equal(type_at(errs, "body.name"), "string_type");
	json_decref(obj);
	json_decref(errs);
}

static void test_utf8_length(void **state)
{
	/* 8 characters of two, three and four bytes each fit a max of 8. */
	json_t *errs = check("{\"name\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x82\xac\xe2\x82\xac"
			     "\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\", \"config\": {}}", false, 0);

	json_decref(errs);
	errs = check("{\"name\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x82\xac\xe2\x82\xac"
		     "\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5x\", \"config\": {}}", false, 1);
	assert_string_equal(type_at(errs, "body.name"), "string_too_long");
	json_decref(errs);

	/* Escapes count as the character they stand for. */
	errs = check("{\"name\": \"\\u00e9\\ud83d\\udd25\", \"config\": {}, \"note\": \"\\u00e9\\u00e9\\u00e9\\u00e9\"}",
		     false, 0);
	json_decref(errs);

	assert_int_equal(utf8_length("", 0), 0);
	assert_int_equal(utf8_length("abc", 3), 3);
	assert_int_equal(utf8_length("\xc3\xa9", 2), 1);
	assert_int_equal(utf8_length("\xe2\x82\xac", 3), 1);
	assert_int_equal(utf8_length("\xf0\x9f\x94\xa5" "a", 5), 2);
}

static void test_choices(void **state)
{
	json_t *errs = check("{\"name\": \"a\", \"config\": {}, \"colour\": \"Red\"}", false, 1);

	assert_string_equal(type_at(errs, "body.colour"), "enum");
	assert_string_equal(msg_at(errs, "body.colour"),
			    "Input should be 'red', 'green' or 'blue'");
	json_decref(errs);

	errs = json_array();
	verr_enum(errs, at_body, "x", (const char *const[]){"only", NULL});
	assert_string_equal(msg_at(errs, "body.x"), "Input should be 'only'");
	json_decref(errs);
}

static void test_extra_forbidden(void **state)
{
	json_t *errs = check("{\"name\": \"a\", \"config\": {}, \"colour\": \"red\", \"colur\": \"x\"}",
			     false, 1);

	assert_string_equal(type_at(errs, "body.colur"), "extra_forbidden");
	assert_string_equal(msg_at(errs, "body.colur"), "Extra inputs are not permitted");
	json_decref(errs);

	/* Also in a partial update. */
	errs = check("{\"id\": 4}", true, 1);
	assert_string_equal(type_at(errs, "body.id"), "extra_forbidden");
	json_decref(errs);
}

static void test_all_at_once(void **state)
{
	json_t *errs = check("{\"note\": \"too long\", \"count\": 99, \"owner_id\": 0, "
			     "\"enabled\": \"yes\", \"colour\": \"pink\", \"bogus\": 1, \"also\": null}",
			     false, 9);

	assert_string_equal(type_at(errs, "body.name"), "missing");
	assert_string_equal(type_at(errs, "body.config"), "missing");
	assert_string_equal(type_at(errs, "body.note"), "string_too_long");
	assert_string_equal(type_at(errs, "body.count"), "less_than_equal");
	assert_string_equal(type_at(errs, "body.owner_id"), "greater_than_equal");
	assert_string_equal(type_at(errs, "body.enabled"), "bool_type");
	assert_string_equal(type_at(errs, "body.colour"), "enum");
	assert_string_equal(type_at(errs, "body.bogus"), "extra_forbidden");
	assert_string_equal(type_at(errs, "body.also"), "extra_forbidden");
	/* Table order first, unknown keys after. */
	char first[64], last[64];

	loc_text(json_array_get(errs, 0), first, sizeof(first));
	loc_text(json_array_get(errs, 8), last, sizeof(last));
	assert_string_equal(first, "body.name");
	assert_string_equal(last, "body.also");
	json_decref(errs);
}

static void test_nested_prefix(void **state)
{
	static const struct vfield cal[] = {{"pulse_count", V_INT, 0, 1, 100, NULL}};
	const char *const prefix[] = {"body", "config", "calibration", NULL};
	json_t *obj = json_pack("{s:i, s:i}", "pulse_count", 0, "speed", 3), *errs = json_array();

	assert_int_equal(validate_object(obj, prefix, cal, 1, false, errs), 2);
	assert_string_equal(type_at(errs, "body.config.calibration.pulse_count"),
			    "greater_than_equal");
	assert_string_equal(type_at(errs, "body.config.calibration.speed"), "extra_forbidden");
	json_decref(obj);
	json_decref(errs);
}

static void test_verr_add(void **state)
{
	json_t *errs = json_array();

	verr_add(errs, at_body, "room_id", "value_error", "room %d does not exist", 99);
	verr_add(errs, at_body, NULL, "dict_type", "whole body");
	verr_add(errs, NULL, "x", "value_error", "no prefix");
	verr_add(NULL, at_body, "x", "value_error", "ignored");
	assert_int_equal(json_array_size(errs), 3);
	assert_string_equal(msg_at(errs, "body.room_id"), "room 99 does not exist");
	assert_string_equal(type_at(errs, "body"), "dict_type");
	assert_string_equal(msg_at(errs, "x"), "no prefix");
	json_decref(errs);
}

/* Cut text keeps whole characters only. */
static void test_utf8_trim_cut(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", ""},
		{"plain", "plain"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},                 /* whole: kept */
		{"caf\xc3", "caf"},                             /* 2-byte cut after its lead */
		{"x\xe2\x82", "x"},                             /* 3-byte cut after 2 */
		{"x\xe2\x82\xac", "x\xe2\x82\xac"},              /* whole euro sign */
		{"x\xf0\x9f\x98", "x"},                         /* 4-byte cut after 3 */
		{"x\xf0\x9f\x98\x80", "x\xf0\x9f\x98\x80"},      /* whole emoji */
		{"ab\x80\x80", "ab"},                          /* stray continuations */
		{"\xc3", ""},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		utf8_trim_cut(buf);
		assert_string_equal(buf, cases[i].out);
	}
}

static void test_utf8_copy_chars(void **state)
{
	char buf[8];

	(void)state;
	/* Bounded by characters: "é" is one of them, two bytes. */
	assert_int_equal(utf8_prefix("caf\xc3\xa9s", 4), 5);
	assert_int_equal(utf8_prefix("abc", 10), 3);
	assert_int_equal(utf8_prefix("abc", 0), 0);
	utf8_copy_chars(buf, sizeof(buf), "caf\xc3\xa9s", 4);
	assert_string_equal(buf, "caf\xc3\xa9");
	utf8_copy_chars(buf, sizeof(buf), "abc", 10);
	assert_string_equal(buf, "abc");
	/* Bounded by bytes: 7 fit, and the emoji that would straddle the end
	 * is left out whole. */
	utf8_copy_chars(buf, sizeof(buf), "abcd\xf0\x9f\x98\x80", 100);
	assert_string_equal(buf, "abcd");
	utf8_copy_chars(buf, sizeof(buf), "abc\xf0\x9f\x98\x80z", 100);
	assert_string_equal(buf, "abc\xf0\x9f\x98\x80");
	utf8_copy_chars(buf, 1, "abc", 3);
	assert_string_equal(buf, "");
}

static void test_parse_int64(void **state)
{
	int64_t v = 0;

	assert_int_equal(parse_int64("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(parse_int64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_int64("-5", &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parse_int64("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse_int64("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);

	const char *bad[] = {"", "-", "12x", "x12", " 1", "1 ", "+1", "1.0", "0x10",
			     "9223372036854775808", "-9223372036854775809",
			     "99999999999999999999999", "--1", NULL};

	for (size_t i = 0; bad[i]; i++) {
		v = 42;
		assert_int_equal(parse_int64(bad[i], &v), -1);
		assert_int_equal(v, 42);
	}
	assert_int_equal(parse_int64(NULL, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_missing_and_partial),
		cmocka_unit_test(test_null_object),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_int_bounds),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_string_bounds),
		cmocka_unit_test(test_utf8_length),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_extra_forbidden),
		cmocka_unit_test(test_all_at_once),
		cmocka_unit_test(test_nested_prefix),
		cmocka_unit_test(test_verr_add),
		cmocka_unit_test(test_parse_int64),
		cmocka_unit_test(test_utf8_trim_cut),
		cmocka_unit_test(test_utf8_copy_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
