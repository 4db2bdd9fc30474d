/*
 * libFuzzer target for message templates: the input is a template's text,
 * rendered against a small fixed pipeline_data and checked as at save time.
 * Checks, besides memory safety and leaks: the bound is kept, a bounded
 * render is a prefix of the unbounded one cut at most one character short,
 * and valid UTF-8 in gives valid UTF-8 out however the cut falls.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/template.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *doc;

static const char doc_text[] =
	"{\"trigger\": {\"type\": \"sensor\", \"room_name\": \"Küche\", \"sensor_id\": 7,"
	"  \"media_paths\": [\"/a.jpg\", \"/b.jpg\"], \"media_type\": null},"
	" \"system\": {\"local_time\": \"07:05\", \"timezone\": \"Europe/Berlin\"},"
	" \"persons\": [{\"name\": \"Zoë\", \"age\": 81}, {\"name\": \"李\"}],"
	" \"t\": 21.5, \"r\": 0.1, \"n\": -3, \"y\": true, \"f\": false, \"z\": null,"
	" \"o\": {\"a\": 1, \"b\": [2, 3.25, \"\\u00e9\\ud83c\\udfe0\"]}, \"0\": \"\\u20ac\"}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_error_t jerr;

	(void)argc;
	(void)argv;
	doc = json_loads(doc_text, 0, &jerr);
	if (!doc)
		abort();
	return 0;
}

/* Valid UTF-8, by Jansson's own validator. */
static int fuzz_utf8_ok(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	int ok = j != NULL;

	json_decref(j);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t bounds[] = { 0, 1, 2, 3, 5, 13, 40 };
	char err[96];
	char *tmpl, *full = NULL;
	size_t full_len;
	int utf8_in, rc;

	tmpl = malloc(size + 1);
	if (!tmpl)
		return 0;
	memcpy(tmpl, data, size);
	tmpl[size] = '\0';
	utf8_in = fuzz_utf8_ok(tmpl, strlen(tmpl));

	/* A refusal always says why, and the answer does not depend on err. */
	rc = template_check(tmpl, err, sizeof(err));
	if ((rc != 0 && rc != -1) || (rc != 0 && err[0] == '\0') ||
	    template_check(tmpl, NULL, 0) != rc)
		abort();

	full = template_render(tmpl, doc, SIZE_MAX);
	if (!full)
		goto out;
	full_len = strlen(full);
	if (utf8_in && !fuzz_utf8_ok(full, full_len))
		abort();

	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		char *cut = template_render(tmpl, doc, bounds[i]);
		size_t len;

		if (!cut)
			continue;
		len = strlen(cut);
		if (len > bounds[i] || memcmp(cut, full, len) != 0)
			abort();
		if (full_len <= bounds[i] ? len != full_len : len + 4 < bounds[i])
			abort();
		if (utf8_in && !fuzz_utf8_ok(cut, len))
			abort();
		free(cut);
	}
out:
	free(full);
	free(tmpl);
	return 0;
}
