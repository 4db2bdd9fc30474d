/*
 * Message templates: every value type, paths and indexes, what is left as
 * written, the UTF-8-safe bound on the output, save-time checks, and the
 * system object under a fixed time zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/template.h"

static const char doc_text[] =
	"{\"trigger\": {\"type\": \"sensor\", \"room_name\": \"Küche\", \"sensor_id\": 7,"
	"               \"media_paths\": [\"/a.jpg\", \"/b.jpg\"], \"media_type\": null},"
	" \"persons\": [{\"name\": \"Anna\", \"age\": 81}, {\"name\": \"Ben\"}],"
	" \"temp\": 21.5, \"ratio\": 0.1, \"whole\": 3.0, \"neg\": -42,"
	" \"big\": 9007199254740993, \"yes\": true, \"no\": false, \"nothing\": null,"
	" \"obj\": {\"a\": 1, \"b\": [2, 3], \"c\": \"x\"}, \"empty\": [],"
	" \"0\": \"zero key\", \"weird-key_1\": \"ok\", \"grüße\": \"hallo\"}";

static int setup(void **state)
{
	json_error_t jerr;
	json_t *doc = json_loads(doc_text, 0, &jerr);

	if (!doc)
		return -1;
	*state = doc;
	return 0;
}

static int teardown(void **state)
{
	json_decref(*state);
	return 0;
}

/* Render with no bound and compare, freeing the result. */
static void expect(const json_t *doc, const char *tmpl, const char *want)
{
	char *got = template_render(tmpl, doc, SIZE_MAX);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void expect_bounded(const json_t *doc, const char *tmpl, size_t max, const char *want)
{
	char *got = template_render(tmpl, doc, max);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_true(strlen(got) <= max);
	free(got);
}

static void test_plain_text(void **state)
{
	expect(*state, "", "");
	expect(*state, "Nothing to fill in.", "Nothing to fill in.");
	expect(*state, "Braces { and } and {x} and }} alone", "Braces { and } and {x} and }} alone");
	expect(NULL, "no data: {{trigger.type}}", "no data: {{trigger.type}}");
	assert_null(template_render(NULL, *state, 100));
}

static void test_value_types(void **state)
{
	expect(*state, "{{trigger.type}}", "sensor");
	expect(*state, "{{trigger.room_name}}", "Küche");
	expect(*state, "{{trigger.sensor_id}}", "7");
	expect(*state, "{{neg}}", "-42");
	expect(*state, "{{big}}", "9007199254740993");
	expect(*state, "{{temp}}", "21.5");
	expect(*state, "{{ratio}}", "0.1");
	expect(*state, "{{whole}}", "3");
	expect(*state, "{{yes}}/{{no}}", "true/false");
	expect(*state, "[{{nothing}}]", "[]");
	expect(*state, "[{{trigger.media_type}}]", "[]");
	expect(*state, "{{obj}}", "{\"a\":1,\"b\":[2,3],\"c\":\"x\"}");
	expect(*state, "{{trigger.media_paths}}", "[\"/a.jpg\",\"/b.jpg\"]");
	expect(*state, "{{empty}}", "[]");
}

static void test_paths_and_indexes(void **state)
{
	expect(*state, "{{persons.0.name}} is {{persons.0.age}}", "Anna is 81");
	expect(*state, "{{persons.1.name}}", "Ben");
	expect(*state, "{{trigger.media_paths.1}}", "/b.jpg");
	expect(*state, "{{obj.b.0}}+{{obj.b.1}}", "2+3");
	/* On an object a digit segment is a key. */
	expect(*state, "{{0}}", "zero key");
	expect(*state, "{{weird-key_1}}", "ok");
	expect(*state, "{{grüße}}", "hallo");
}

static void test_missing_kept_verbatim(void **state)
{
	expect(*state, "Hi {{nobody}}!", "Hi {{nobody}}!");
	expect(*state, "{{ trigger.nope }}", "{{ trigger.nope }}");
	expect(*state, "{{persons.2.name}}", "{{persons.2.name}}");
	expect(*state, "{{persons.01.name}}", "{{persons.01.name}}");
	expect(*state, "{{persons.x}}", "{{persons.x}}");
	expect(*state, "{{temp.more}}", "{{temp.more}}");
	expect(*state, "{{trigger.type.0}}", "{{trigger.type.0}}");
	expect(*state, "{{persons.99999999999999999999}}", "{{persons.99999999999999999999}}");
	/* Not a path at all: literal text. */
	expect(*state, "{{a..b}} {{}} {{ a b }} {{.a}} {{a.}}",
	       "{{a..b}} {{}} {{ a b }} {{.a}} {{a.}}");
	/* Missing in the middle of found ones. */
	expect(*state, "{{yes}}{{gone}}{{no}}", "true{{gone}}false");
}

static void test_white_space(void **state)
{
	expect(*state, "{{ trigger.room_name }}", "Küche");
	expect(*state, "{{\ttrigger.type\n}}", "sensor");
	expect(*state, "{{  temp}}|{{temp  }}", "21.5|21.5");
	/* White space inside a path is not allowed. */
	expect(*state, "{{ trigger. type }}", "{{ trigger. type }}");
}

static void test_adjacent(void **state)
{
	expect(*state, "{{persons.0.name}}{{persons.1.name}}", "AnnaBen");
	expect(*state, "{{yes}}{{yes}}{{yes}}", "truetruetrue");
	/* In a run of braces the last two open the placeholder. */
	expect(*state, "{{{temp}}}", "{21.5}");
	expect(*state, "{\"t\": {{temp}}}", "{\"t\": 21.5}");
	/* A bad opening does not hide a good placeholder inside it. */
	expect(*state, "{{ x {{temp}}", "{{ x 21.5");
}

static void test_unterminated(void **state)
{
	expect(*state, "{{", "{{");
	expect(*state, "a {{temp", "a {{temp");
	expect(*state, "{{temp} still open", "{{temp} still open");
	expect(*state, "{{temp}} then {{ temp", "21.5 then {{ temp");
	expect(*state, "ends with {", "ends with {");
}

static void test_truncation(void **state)
{
	expect_bounded(*state, "hello world", 5, "hello");
	expect_bounded(*state, "hello", 5, "hello");
	expect_bounded(*state, "hello", 0, "");
	expect_bounded(*state, "{{persons.0.name}} and {{persons.1.name}}", 6, "Anna a");
	/* "Küche": K, then ü as 2 bytes; a cut through ü drops all of it. */
	expect_bounded(*state, "{{trigger.room_name}}", 2, "K");
	expect_bounded(*state, "{{trigger.room_name}}", 3, "Kü");
	/* A 3-byte € and a 4-byte emoji in literal text. */
	expect_bounded(*state, "a€b", 1, "a");
	expect_bounded(*state, "a€b", 2, "a");
	expect_bounded(*state, "a€b", 3, "a");
	expect_bounded(*state, "a€b", 4, "a€");
	expect_bounded(*state, "x\xf0\x9f\x8f\xa0y", 4, "x");
	expect_bounded(*state, "x\xf0\x9f\x8f\xa0y", 5, "x\xf0\x9f\x8f\xa0");
	/* Objects stream into the bound too. */
	expect_bounded(*state, "{{obj}}", 8, "{\"a\":1,\"");
	/* A value is cut like any text. */
	expect_bounded(*state, "ab{{temp}}", 3, "ab2");
}

static void test_check_ok(void **state)
{
	char err[128];

	(void)state;
	assert_int_equal(template_check("", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(template_check("Alarm in {{ trigger.room_name }} at {{system.local_time}}",
					err, sizeof(err)),
			 0);
	assert_int_equal(template_check("{{persons.0.name}}{{x}} {not} }} {\"a\": {{{b}}}}", err,
					sizeof(err)),
			 0);
	/* Resolution is a run-time matter. */
	assert_int_equal(template_check("{{does.not.exist}}", err, sizeof(err)), 0);
}

static void test_check_errors(void **state)
{
	char err[128];
	char *big;

	(void)state;
	assert_int_equal(template_check(NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "template is missing");

	assert_int_equal(template_check("x {{a..b}}", err, sizeof(err)), -1);
	assert_string_equal(err, "'{{a..b}}' at offset 2 is not a valid placeholder path");
	assert_int_equal(template_check("{{}}", err, sizeof(err)), -1);
	assert_string_equal(err, "'{{}}' at offset 0 is not a valid placeholder path");
	assert_int_equal(template_check("{{ a b }}", err, sizeof(err)), -1);
	assert_int_equal(template_check("{{a.}}", err, sizeof(err)), -1);
	assert_int_equal(template_check("{{ name | upper }}", err, sizeof(err)), -1);
	assert_int_equal(template_check("ok {{a}} then {{ b", err, sizeof(err)), -1);
	assert_string_equal(err, "unterminated '{{' at offset 14");

	/* A long bad placeholder is quoted in part, cut on a character boundary. */
	assert_int_equal(template_check("{{ ääääääääääääääääääääääääääääää? }}", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "...' at offset 0"));
	assert_null(strstr(err, "\xc3..."));

	/* A path over the limit. */
	big = malloc(TEMPLATE_MAX_PATH + 6);
	assert_non_null(big);
	memset(big, 'a', TEMPLATE_MAX_PATH + 5);
	memcpy(big, "{{", 2);
	memcpy(big + TEMPLATE_MAX_PATH + 3, "}}", 2);
	big[TEMPLATE_MAX_PATH + 5] = '\0';
	assert_int_equal(template_check(big, err, sizeof(err)), -1);
	memcpy(big + TEMPLATE_MAX_PATH + 2, "}}", 3);
	assert_int_equal(template_check(big, err, sizeof(err)), 0);
	free(big);

	/* Size: exactly the limit passes, one more byte does not. */
	big = malloc(TEMPLATE_MAX_LEN + 2);
	assert_non_null(big);
	memset(big, 'x', TEMPLATE_MAX_LEN + 1);
	big[TEMPLATE_MAX_LEN] = '\0';
	assert_int_equal(template_check(big, err, sizeof(err)), 0);
	big[TEMPLATE_MAX_LEN] = 'x';
	big[TEMPLATE_MAX_LEN + 1] = '\0';
	assert_int_equal(template_check(big, err, sizeof(err)), -1);
	assert_string_equal(err, "template is longer than 8192 bytes");
	/* No room for a message is still an answer. */
	assert_int_equal(template_check(big, NULL, 0), -1);
	free(big);
}

static void test_system_vars(void **state)
{
	/* 2024-03-04 12:34:56 UTC, a Monday: 13:34 in Berlin (CET). */
	const time_t winter = 1709555696;
	/* 2024-07-07 22:30:00 UTC, a Sunday: already Monday 00:30 in Berlin (CEST). */
	const time_t summer = 1720391400;
	json_t *sys;
	char *out;

	(void)state;
	assert_int_equal(setenv("TZ", "Europe/Berlin", 1), 0);
	tzset();

	sys = template_system_vars(winter, "Europe/Berlin");
	assert_non_null(sys);
	assert_string_equal(json_string_value(json_object_get(sys, "local_time")), "13:34");
	assert_string_equal(json_string_value(json_object_get(sys, "local_date")), "2024-03-04");
	assert_string_equal(json_string_value(json_object_get(sys, "local_day_of_week")), "Monday");
	assert_string_equal(json_string_value(json_object_get(sys, "timezone")), "Europe/Berlin");
	assert_int_equal(json_object_size(sys), 4);
	json_decref(sys);

	sys = template_system_vars(summer, NULL);
	assert_non_null(sys);
	assert_string_equal(json_string_value(json_object_get(sys, "local_time")), "00:30");
	assert_string_equal(json_string_value(json_object_get(sys, "local_date")), "2024-07-08");
	assert_string_equal(json_string_value(json_object_get(sys, "local_day_of_week")), "Monday");
	assert_string_equal(json_string_value(json_object_get(sys, "timezone")), "CEST");

	/* As a step sees it: system under pipeline_data. */
	json_t *doc = json_pack("{s:o}", "system", sys);
	assert_non_null(doc);
	out = template_render("{{system.local_day_of_week}} {{ system.local_date }} "
			      "{{system.local_time}} {{system.timezone}}",
			      doc, 200);
	assert_non_null(out);
	assert_string_equal(out, "Monday 2024-07-08 00:30 CEST");
	free(out);
	json_decref(doc);

	unsetenv("TZ");
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths_and_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_kept_verbatim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_white_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjacent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unterminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test(test_check_ok),
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_system_vars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
