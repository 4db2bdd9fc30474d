/*
 * Reading a chat completions answer: the text of the first choice, usage,
 * a refusal, answers that are not what the protocol says, and the error
 * message of a refused call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net/llm.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_error_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
