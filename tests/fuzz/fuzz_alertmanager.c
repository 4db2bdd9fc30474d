/*
 * libFuzzer target for Alertmanager's webhook payload (POST
 * /api/v1/webhooks/alerts): am_parse() on any JSON.  No crash, no leak; the
 * problem count matches the problems listed; a clean payload yields every
 * alert with a level, a source key and NUL-terminated, valid UTF-8 text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/alertmanager.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text cut to fit must still be UTF-8 that Jansson accepts. */
static void fuzz__utf8(const char *s)
{
	json_t *v = json_string(s);

	if (!v)
		abort();
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *errs = json_array();
	struct am_alert *alerts = NULL;
	size_t n = 0, problems;

	if (!body || !errs)
		goto out;
	problems = am_parse(body, errs, &alerts, &n);
	if (problems != json_array_size(errs))
		abort();
	if (problems > 0 && (alerts || n))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!alerts[i].level || strncmp(alerts[i].source_key, "am:", 3) != 0)
			abort();
		fuzz__utf8(alerts[i].title);
		fuzz__utf8(alerts[i].message);
	}
out:
	free(alerts);
	json_decref(body);
	json_decref(errs);
	return 0;
}
