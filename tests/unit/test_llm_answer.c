/*
 * Reading a chat completions answer: the text of the first choice, usage,
 * a refusal, answers that are not what the protocol says, and the error
 * message of a refused call; and the person-ID service's detections.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net/llm.h"
#include "net/person_id.h"

static json_t *parse(const char *body, char *err, size_t errlen)
{
	return llm_answer_parse(body, strlen(body), err, errlen);
}

static void test_answer(void **state)
{
	char err[256];
	json_t *a;

	(void)state;
	a = parse("{\"id\": \"c1\", \"model\": \"m\", \"choices\": [{\"index\": 0, \"message\": "
		  "{\"role\": \"assistant\", \"content\": \"hello\"}, \"finish_reason\": \"stop\"}], "
		  "\"usage\": {\"prompt_tokens\": 12, \"completion_tokens\": 3, \"total_tokens\": 15}}",
		  err, sizeof(err));
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "content")), "hello");
	assert_string_equal(json_string_value(json_object_get(a, "finish_reason")), "stop");
	assert_string_equal(json_string_value(json_object_get(a, "model")), "m");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "usage"),
							    "prompt_tokens")), 12);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "usage"),
							    "total_tokens")), 15);
	json_decref(a);

	/* No usage, no model: zeros and nulls. */
	a = parse("{\"choices\": [{\"message\": {\"content\": \"\"}}]}", err, sizeof(err));
	assert_non_null(a);
	assert_true(json_is_null(json_object_get(a, "model")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "usage"),
							    "completion_tokens")), 0);
	json_decref(a);
}

static void test_bad(void **state)
{
	char err[256];

	(void)state;
	assert_null(parse("not json", err, sizeof(err)));
	assert_string_equal(err, "the language model's answer is not a JSON object");
	assert_null(parse("[1]", err, sizeof(err)));
	assert_null(parse("{\"choices\": []}", err, sizeof(err)));
	assert_string_equal(err, "the language model's answer has no choices[0].message");
	assert_null(parse("{\"choices\": [{\"message\": {\"content\": null}}]}", err, sizeof(err)));
	assert_string_equal(err, "the language model's answer has no text content");
	assert_null(parse("{\"choices\": [{\"message\": {\"content\": null, "
			  "\"refusal\": \"I can't\\nhelp\"}}]}", err, sizeof(err)));
	assert_string_equal(err, "the language model refused: I can't help");
	assert_null(llm_answer_parse(NULL, 0, err, sizeof(err)));
	assert_null(llm_answer_parse("{}", 2, NULL, 0));
}

static void test_error_message(void **state)
{
	char out[32];
	const char *b = "{\"error\": {\"message\": \"model not found: gpt-99 is not a model\"}}";

	(void)state;
	llm_error_message(b, strlen(b), out, sizeof(out));
	assert_string_equal(out, "model not found: gpt-99 is not ");
	llm_error_message("{\"error\": \"busy\"}", 17, out, sizeof(out));
	assert_string_equal(out, "busy");
	llm_error_message("<html>", 6, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_person_id(void **state)
{
	static const char answer[] =
		"{\"detections\": [{\"person_id\": 3, \"name\": \"Ana\", \"confidence\": 0.91, "
		"\"bbox\": [1, 2, 30, 40], \"image_index\": 0},"
		"{\"person_id\": 4, \"confidence\": 0.4},"
		"{\"person_id\": null, \"confidence\": 0.99},"
		"{\"person_id\": 5, \"name\": 7, \"confidence\": 1.5},"
		"{\"person_id\": 6, \"confidence\": 0.8, \"bbox\": \"x\"}]}";
	json_t *targets = json_pack("[i]", 6), *none = json_array(), *d;
	char err[256];

	(void)state;
	d = person_id_parse_answer(answer, strlen(answer), 0.6, none, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(json_array_size(d), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(d, 0), "person_id")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "name")), "Ana");
	assert_int_equal(json_array_size(json_object_get(json_array_get(d, 0), "bbox")), 4);
	assert_true(json_is_null(json_object_get(json_array_get(d, 1), "bbox")));
	json_decref(d);
	d = person_id_parse_answer(answer, strlen(answer), 0.6, targets, err, sizeof(err));
	assert_int_equal(json_array_size(d), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(d, 0), "person_id")), 6);
	json_decref(d);
	assert_null(person_id_parse_answer("{}", 2, 0.5, none, err, sizeof(err)));
	assert_string_equal(err, "the person-ID service's answer has no detections array");
	assert_null(person_id_parse_answer("[", 1, 0.5, none, err, sizeof(err)));
	json_decref(targets);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_person_id),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_error_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
