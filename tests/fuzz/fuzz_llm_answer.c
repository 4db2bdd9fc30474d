/*
 * libFuzzer target for what a language-model server answers
 * (net/llm.c: llm_answer_parse, llm_error_message) and for the JSON Schema
 * subset the answer is checked with (engine/jschema.c).  The input is
 * split at its first NUL: before it the answer, after it a schema.
 * Checks, besides memory safety: a parsed answer has its content as a
 * string and integer usage; an error always comes with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/jschema.h"
#include "net/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const uint8_t *nul = memchr(data, 0, size);
	size_t alen = nul ? (size_t)(nul - data) : size;
	char err[256], msg[128];
	json_t *a = llm_answer_parse(text, alen, err, sizeof(err)), *schema, *value;

	if (a) {
		if (!json_is_string(json_object_get(a, "content")) ||
		    !json_is_integer(json_object_get(json_object_get(a, "usage"), "total_tokens")))
			abort();
	} else if (!err[0]) {
		abort();
	}
	llm_error_message(text, alen, msg, sizeof(msg));
	if (strlen(msg) >= sizeof(msg))
		abort();
	if (nul) {
		schema = json_loadb((const char *)nul + 1, size - alen - 1, JSON_DECODE_ANY, NULL);
		value = json_loadb(text, alen, JSON_DECODE_ANY, NULL);
		if (schema && value && jschema_check(schema, value, err, sizeof(err)) != 0 && !err[0])
			abort();
		json_decref(schema);
		json_decref(value);
	}
	json_decref(a);
	return 0;
}
