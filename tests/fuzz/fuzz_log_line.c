/* libFuzzer: any bytes as a log line parse without a crash, stay within
 * the entry's bounds, and always become a valid JSON entry (the UTF-8
 * repair never lets Jansson refuse a message); redaction measures the
 * length it then writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct logfiles_entry e;
	json_t *j;
	char *text, *hidden;
	size_t n;

	logfiles_parse_line((const char *)data, size, &e);
	if (strlen(e.message) > LOGFILES_LINE_MAX || strlen(e.ts) >= sizeof(e.ts) ||
	    e.level == LOGFILES_ANY)
		abort();
	j = logfiles_entry_json(&e);
	if (!j)
		abort();
	text = json_dumps(j, JSON_COMPACT);
	if (!text)
		abort();
	free(text);
	json_decref(j);

	n = logfiles_redact((const char *)data, size, NULL, 0);
	hidden = malloc(n + 1);
	if (!hidden || logfiles_redact((const char *)data, size, hidden, n + 1) != n)
		abort();
	free(hidden);
	return 0;
}
