/*
 * libFuzzer target for condition expressions, which rule editors type and
 * the condition step evaluates.  Arbitrary bytes are parsed; what parses is
 * evaluated against a small pipeline_data document and against no document.
 * Checks, besides memory safety and bounded recursion: a refusal always
 * carries a message with a column inside the text, and evaluation is a pure
 * function of its input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/condition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc_json[] =
	"{\"person_detections\": [{\"person_id\": \"p1\", \"name\": \"Ada\", \"confidence\": 0.9}],"
	" \"scene\": {\"hazards\": [{\"level\": 3, \"type\": \"fall\"}], \"description\": \"kitchen\"},"
	" \"trigger_input\": {\"temperature\": 21.5, \"count\": 2, \"tags\": [\"a\", 1, null, true, []],"
	" \"label\": \"\", \"obj\": {}}, \"a\": 1, \"b\": \"x\", \"c\": null}";

static json_t *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	struct cond *c;
	char *text;

	if (!doc) {
		doc = json_loads(doc_json, 0, NULL);
		if (!doc)
			abort();
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	c = cond_parse(text, err, sizeof(err));
	if (c) {
		int r = cond_eval(c, doc);

		if ((r != 0 && r != 1) || cond_eval(c, doc) != r)
			abort();
		r = cond_eval(c, NULL);
		if (r != 0 && r != 1)
			abort();
		cond_free(c);
	} else {
		size_t col = 0;

		/* Columns count from 1 and may point just past the last byte. */
		if (sscanf(err, "at column %zu: ", &col) != 1 || col < 1 ||
		    col > strlen(text) + 1)
			abort();
	}
	free(text);
	return 0;
}
