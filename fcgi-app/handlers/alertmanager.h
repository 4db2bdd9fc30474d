#ifndef HEARTH_HANDLERS_ALERTMANAGER_H
#define HEARTH_HANDLERS_ALERTMANAGER_H

/*
 * POST /webhooks/alerts (alertmanager.c): Alertmanager's webhook body, as
 * the handler reads it.  Exposed so the fuzzer checks exactly what the API
 * checks.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define AM_ALERTS_MAX 1000
#define AM_TITLE_CHARS 256
#define AM_MESSAGE_BYTES 8192

/* One alert of the payload, as Hearth raises or resolves it. */
struct am_alert {
	bool firing;
	char source_key[72];                  /* "am:" + fingerprint (or a hash of the labels) */
	const char *level;                    /* static: emergency|warning|info */
	char title[AM_TITLE_CHARS * 4 + 1];
	char message[AM_MESSAGE_BYTES];
};

/*
 * Check body against Alertmanager's webhook payload, version 4, and turn
 * its alerts into *out (a new calloc'd array of *n; free()).  Problems are
 * appended to errs (loc ["body", "alerts", i, ...]) and counted; *out is
 * NULL when there are any.
 */
size_t am_parse(const json_t *body, json_t *errs, struct am_alert **out, size_t *n);

#endif
