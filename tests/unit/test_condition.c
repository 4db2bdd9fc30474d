/*
 * Condition expressions: the grammar, evaluation against a pipeline_data
 * document like the steps produce, every class of syntax error with its
 * column, and the length and nesting limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/condition.h"

static const char pipeline_json[] =
	"{"
	"  \"person_detections\": ["
	"    {\"person_id\": \"p1\", \"name\": \"Ada\", \"confidence\": 0.92},"
	"    {\"person_id\": \"p2\", \"name\": \"Bob\", \"confidence\": 0.55}"
	"  ],"
	"  \"scene\": {"
	"    \"hazards\": [{\"type\": \"fall\", \"level\": 3}, {\"type\": \"smoke\", \"level\": 1}],"
	"    \"description\": \"Ada is in the kitchen\""
	"  },"
	"  \"trigger_input\": {"
	"    \"temperature\": 21.5, \"humidity\": 40, \"label\": \"kitchen\","
	"    \"tags\": [\"alarm\", \"night\"], \"armed\": true, \"note\": null,"
	"    \"empty\": \"\", \"none\": [], \"obj\": {}, \"zero\": 0"
	"  },"
	"  \"stats\": {\"count\": 5},"
	"  \"copy_a\": [1, {\"x\": 2}], \"copy_b\": [1, {\"x\": 2}]"
	"}";

static json_t *doc;

static int setup(void **state)
{
	json_error_t jerr;

	(void)state;
	doc = json_loads(pipeline_json, 0, &jerr);
	return doc ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(doc);
	return 0;
}

/* Parse, which must succeed, and evaluate against the document. */
static int eval_on(const char *text, const json_t *data)
{
	char err[128];
	struct cond *c = cond_parse(text, err, sizeof(err));
	int r;

	if (!c)
		fail_msg("%s: %s", text, err);
	r = cond_eval(c, data);
	cond_free(c);
	return r;
}

static int ev(const char *text)
{
	return eval_on(text, doc);
}

static void check_table(const char *const *yes, size_t nyes, const char *const *no, size_t nno)
{
	for (size_t i = 0; i < nyes; i++)
		if (ev(yes[i]) != 1)
			fail_msg("expected true: %s", yes[i]);
	for (size_t i = 0; i < nno; i++)
		if (ev(no[i]) != 0)
			fail_msg("expected false: %s", no[i]);
}

#define CHECK(yes, no) check_table(yes, sizeof(yes) / sizeof(yes[0]), no, sizeof(no) / sizeof(no[0]))

static void test_truthiness(void **state)
{
	static const char *const yes[] = {
		"true", "1", "-1", "0.5", "'x'", "\"0\"", "trigger_input.tags",
		"scene", "trigger_input.armed", "trigger_input.humidity",
	};
	static const char *const no[] = {
		"false", "null", "0", "0.0", "''", "\"\"", "trigger_input.none",
		"trigger_input.obj", "trigger_input.note", "trigger_input.empty",
		"trigger_input.zero", "missing", "missing.deeper.still",
	};

	(void)state;
	CHECK(yes, no);
}

static void test_numbers(void **state)
{
	static const char *const yes[] = {
		"1 == 1", "1 == 1.0", "1e3 == 1000", "2.5E-1 == 0.25", "-3 < 2", "2 > -3",
		"1 != 2", "2 >= 2", "2 <= 2", "1 <= 2", "3 >= 2",
		"trigger_input.temperature > 20", "trigger_input.temperature >= 21.5",
		"trigger_input.temperature <= 21.5", "trigger_input.temperature < 22",
		"trigger_input.temperature != 21", "trigger_input.humidity == 40.0",
		"9223372036854775807 > 9223372036854775806",
	};
	static const char *const no[] = {
		"1 == 2", "1 != 1.0", "2 < 2", "2 > 2", "3 <= 2", "1 >= 2",
		"trigger_input.temperature > 21.5", "trigger_input.temperature == 21",
	};

	(void)state;
	CHECK(yes, no);
}

static void test_strings(void **state)
{
	static const char *const yes[] = {
		"'abc' < 'abd'", "\"ab\" < \"abc\"", "'b' > 'abc'", "'abc' <= 'abc'",
		"trigger_input.label == 'kitchen'", "\"kitchen\" == trigger_input.label",
		"'a' != 'b'", "'it\\'s' == \"it's\"", "\"say \\\"hi\\\"\" == 'say \"hi\"'",
		"'\\u00e9' == '\xc3\xa9'", "'\\u20AC' == '\xe2\x82\xac'", "'a\\tb' != 'a b'",
		"'\\\\' == \"\\\\\"", "'a\\/b' == 'a/b'", "'\\n\\r' != ''",
		"person_detections.0.name < person_detections.1.name",
	};
	static const char *const no[] = {
		"'abc' > 'abd'", "'Kitchen' == trigger_input.label", "'a' == 'a '",
	};

	(void)state;
	CHECK(yes, no);
}

/* Different types are never equal and never ordered. */
static void test_mixed_types(void **state)
{
	static const char *const yes[] = {
		"1 != '1'", "null == null", "missing == null", "trigger_input.note == null",
		"true != 1", "trigger_input.armed == true", "false == false",
		"copy_a == copy_b", "scene.hazards != copy_a", "stats == stats",
	};
	static const char *const no[] = {
		"1 == '1'", "1 < '2'", "'2' > 1", "1 >= '1'", "true == 1", "true > false",
		"true >= true", "null <= null", "missing == 0", "missing == ''",
		"trigger_input.tags > 1", "copy_a < copy_b",
	};

	(void)state;
	CHECK(yes, no);
}

static void test_paths(void **state)
{
	static const char *const yes[] = {
		"scene.hazards.0.level == 3", "scene.hazards.1.type == 'smoke'",
		"scene.hazards.2.level == null", "person_detections.count == 2",
		"scene.hazards.count > 1", "stats.count == 5", "trigger_input.tags.count == 2",
		"trigger_input.none.count == 0", "scene.description.count == null",
		"scene.hazards.x == null", "person_detections.0.name == 'Ada'",
		"person_detections.1.confidence < 0.6", "person_detections.count.x == null",
		"scene.hazards.00.level == 3", "trigger_input.tags.1 == 'night'",
		"trigger_input.tags.9999999999 == null", "_x == null", "A_9.b_c.0 == null",
	};
	static const char *const no[] = {
		"person_detections.count == 3", "scene.hazards.0.level.x", "trigger_input.label.0",
	};

	(void)state;
	CHECK(yes, no);
}

/* not > comparison > and > or. */
static void test_precedence(void **state)
{
	static const char *const yes[] = {
		"true or false and false",         /* true or (false and false) */
		"false and true or true",          /* (false and true) or true */
		"not (1 == 2)",
		"not false and true",
		"not not true",
		"!(1 == 2) && 1 == 1 || false",
		"1 == 1 and 2 == 2",
		"1 == 2 or 2 == 2",
		"not 1 == false",                  /* (not 1) == false */
		"((true))",
		"(false or true) and (true or false) and not (false)",
		"true and true and true and true or false",
		"false or false or false or true",
	};
	static const char *const no[] = {
		"(true or false) and false",
		"not true or false",
		"not 1 == 2",                      /* (not 1) == 2: a bool against a number */
		"not false and false",
		"true and true and false and true",
		"false or false || false",
		"!true",
		"1 == 1 && 2 == 3",
	};

	(void)state;
	CHECK(yes, no);
}

static void test_functions(void **state)
{
	static const char *const yes[] = {
		"exists(trigger_input.temperature)", "exists(person_detections.count)",
		"exists(scene.hazards.1)", "not exists(trigger_input.note)",
		"contains(trigger_input.tags, 'alarm')", "contains( trigger_input.tags , \"night\" )",
		"contains(scene.description, 'kitchen')", "contains(scene.description, '')",
		"contains(scene.hazards.0, 'level')", "contains(copy_a, 1)",
		"contains(trigger_input.label, trigger_input.label)",
		"exists (scene) and contains (scene.description, 'Ada')",
		"contains(trigger_input.tags, 'alarm') == true",
	};
	static const char *const no[] = {
		"exists(trigger_input.note)", "exists(missing)", "exists(missing.x)",
		"exists(scene.hazards.5)", "contains(trigger_input.tags, 'day')",
		"contains(scene.description, 'garage')", "contains(copy_a, '1')",
		"contains(scene.hazards.0, 'colour')", "contains(missing, 'x')",
		"contains(trigger_input.humidity, 40)", "contains(scene.hazards.0, 3)",
	};

	(void)state;
	CHECK(yes, no);
}

static void test_whitespace_and_null_data(void **state)
{
	(void)state;
	assert_int_equal(ev("  \n scene.hazards.0.level\t==\r\n3 "), 1);
	assert_int_equal(ev("(\tnot\nfalse )"), 1);
	assert_int_equal(eval_on("missing == null", NULL), 1);
	assert_int_equal(eval_on("exists(x)", NULL), 0);
	assert_int_equal(eval_on("true", NULL), 1);
	assert_int_equal(cond_eval(NULL, doc), 0);
	cond_free(NULL);
}

/* Every class of syntax error, with its column. */
static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{"", "at column 1: expected an operand"},
		{"   ", "at column 4: expected an operand"},
		{"(a == 1", "at column 8: expected ')'"},
		{"(a == 1 b)", "at column 9: expected ')'"},
		{"a ==", "at column 5: expected an operand"},
		{"a b", "at column 3: expected an operator"},
		{"a)", "at column 2: unexpected ')'"},
		{"a = 1", "at column 3: unexpected '=', equality is '=='"},
		{"a @ 1", "at column 3: unexpected character '@'"},
		{"a & b", "at column 3: unexpected character '&'"},
		{"a | b", "at column 3: unexpected character '|'"},
		{"- 1", "at column 1: unexpected character '-'"},
		{"a == \x01", "at column 6: unexpected byte 0x01"},
		{"a == 'abc", "at column 6: unterminated string"},
		{"\"abc'", "at column 1: unterminated string"},
		{"'a\\qb'", "at column 3: bad escape"},
		{"'ab\\", "at column 4: bad escape"},
		{"'\\u12G4'", "at column 2: bad \\u escape"},
		{"'\\u0000'", "at column 2: bad \\u escape"},
		{"'\\ud800'", "at column 2: bad \\u escape"},
		{"1.x", "at column 3: expected a digit"},
		{"1e", "at column 3: expected a digit"},
		{"1e+", "at column 4: expected a digit"},
		{"12abc", "at column 1: malformed number"},
		{"1.2.3", "at column 1: malformed number"},
		{"99999999999999999999", "at column 1: number out of range"},
		{"1e999", "at column 1: number out of range"},
		{"a..b", "at column 3: expected a path segment after '.'"},
		{"a.", "at column 3: expected a path segment after '.'"},
		{"a.-1", "at column 3: expected a path segment after '.'"},
		{"foo(a)", "at column 1: unknown function 'foo'"},
		{"x == count(a)", "at column 6: unknown function 'count'"},
		{"exists('a')", "at column 8: expected a path"},
		{"exists()", "at column 8: expected a path"},
		{"exists(contains(a, 1))", "at column 8: expected a path"},
		{"exists(a", "at column 9: expected ')'"},
		{"exists(a, b)", "at column 9: expected ')'"},
		{"contains(a 'x')", "at column 12: expected ','"},
		{"contains(a, )", "at column 13: expected an operand"},
		{"contains(a, (1))", "at column 13: expected an operand"},
		{"1 < 2 < 3", "at column 7: comparisons do not chain; join them with 'and'"},
		{"a and", "at column 6: expected an operand"},
		{"or a", "at column 1: expected an operand"},
		{"not", "at column 4: expected an operand"},
		{"()", "at column 2: expected an operand"},
		{"a == 1 and (b or c", "at column 19: expected ')'"},
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cond *c = cond_parse(cases[i].text, err, sizeof(err));

		if (c) {
			cond_free(c);
			fail_msg("parsed: %s", cases[i].text);
		}
		if (strcmp(err, cases[i].err) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].text, err, cases[i].err);
	}

	/* No text at all, a small buffer, no buffer. */
	assert_null(cond_parse(NULL, err, sizeof(err)));
	assert_string_equal(err, "at column 1: no expression");
	assert_null(cond_parse("(", err, 8));
	assert_string_equal(err, "at colu");
	assert_null(cond_parse("(", NULL, 0));
	err[0] = 'x';
	assert_null(cond_parse("(", err, 0));
	assert_int_equal(err[0], 'x');
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + ul * n, tail, tl + 1);
	return s;
}

static void expect_depth_error(char *text, const char *want)
{
	char err[128];
	struct cond *c = cond_parse(text, err, sizeof(err));

	if (c) {
		cond_free(c);
		fail_msg("parsed %zu bytes too deep", strlen(text));
	}
	assert_string_equal(err, want);
	free(text);
}

/* inner in n pairs of brackets. */
static char *wrap(size_t n, const char *inner)
{
	size_t il = strlen(inner);
	char *s = malloc(2 * n + il + 1);

	assert_non_null(s);
	memset(s, '(', n);
	memcpy(s + n, inner, il);
	memset(s + n + il, ')', n);
	s[2 * n + il] = '\0';
	return s;
}

static void test_depth_limit(void **state)
{
	char *text;

	(void)state;
	/* Brackets: 64 deep is fine, the 65th is refused where it opens. */
	text = wrap(COND_MAX_DEPTH, "1");
	assert_int_equal(ev(text), 1);
	free(text);
	expect_depth_error(wrap(COND_MAX_DEPTH + 1, "1"), "at column 65: nesting deeper than 64");

	/* "not" counts, and so does a function call. */
	text = repeat("", "not ", COND_MAX_DEPTH, "false");
	assert_int_equal(ev(text), 0);
	memcpy(text, "   ", 3);
	assert_int_equal(ev(text), 1);
	free(text);
	expect_depth_error(repeat("", "!", COND_MAX_DEPTH + 1, "x"),
			   "at column 65: nesting deeper than 64");
	text = wrap(COND_MAX_DEPTH - 1, "exists(scene)");
	assert_int_equal(ev(text), 1);
	free(text);
	expect_depth_error(wrap(COND_MAX_DEPTH, "exists(scene)"),
			   "at column 65: nesting deeper than 64");

	/* Closing brackets give the depth back. */
	text = repeat("", "(true) and ", 200, "true");
	assert_int_equal(ev(text), 1);
	free(text);
}

static void test_length_limit(void **state)
{
	char err[128];
	char *text = malloc(COND_MAX_LEN + 2);

	(void)state;
	assert_non_null(text);
	/* "0 and 1 and 1 ..." up to the limit: a long flat chain is no deeper
	 * than a short one. */
	memset(text, ' ', COND_MAX_LEN + 1);
	text[0] = '0';
	for (size_t at = 1; at + 6 <= COND_MAX_LEN; at += 6)
		memcpy(text + at, " and 1", 6);
	text[COND_MAX_LEN] = '\0';
	assert_int_equal(ev(text), 0);
	text[0] = '1';
	assert_int_equal(ev(text), 1);

	text[COND_MAX_LEN] = ' ';
	text[COND_MAX_LEN + 1] = '\0';
	assert_null(cond_parse(text, err, sizeof(err)));
	assert_string_equal(err, "at column 4097: expression longer than 4096 bytes");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truthiness),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_mixed_types),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_whitespace_and_null_data),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_length_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
