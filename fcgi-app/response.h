#ifndef HEARTH_RESPONSE_H
#define HEARTH_RESPONSE_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

/*
 * A response as handlers produce it: a status, an optional JSON body and a
 * few extra headers.  The framework serialises it once.
 */
/*
 * Real numbers in replies: 15 significant digits, the most a double always
 * keeps, so 0.8 prints as 0.8 and not 0.80000000000000004.
 */
#define HEARTH_JSON_REALS JSON_REAL_PRECISION(15)

struct response {
	int status;
	json_t *body;          /* owned; NULL = no body (204) */
	char *raw;             /* owned, malloc'd: a body already serialised
	                        * (a cached list page); sent instead of body */
	size_t raw_len;
	const char *raw_type;  /* static: Content-Type of raw; NULL = JSON */
	char headers[512];     /* extra "Name: value\r\n" lines */
};

void response_init(struct response *r);
void response_clear(struct response *r);   /* drops body and raw */

/* Append one header line; silently refuses values with CR/LF. */
void response_add_header(struct response *r, const char *name, const char *value);

/* Set status and {"detail": msg}. Returns status. */
__attribute__((format(printf, 3, 4)))
int response_detail(struct response *r, int status, const char *fmt, ...);

/* Set 422 and {"detail": errs} (errs consumed). Returns 422. */
int response_invalid(struct response *r, json_t *errs);

/* The one mapping from enum herr to HTTP status. */
int response_status_for(enum herr e);

/* Set the status for e and a detail naming it (what may be "room").
 * Returns the status. */
int response_error(struct response *r, enum herr e, const char *what);

/*
 * A body that is not JSON (CSV, Prometheus text): buf is malloc'd and
 * taken over (freed even on failure), type a static string such as
 * "text/csv; charset=utf-8".  Returns status.
 */
int response_text(struct response *r, int status, const char *type, char *buf, size_t len);

/*
 * Hand the reply to nginx: "X-Accel-Redirect: /_media/<rel_path>" with
 * Content-Type type; nginx serves the file with Range, 206 and 416.
 * rel_path must be a path Hearth produced (media_rel_path_ok()); anything
 * else is refused with 500 and logged.  Returns the status.
 */
int response_accel(struct response *r, const char *rel_path, const char *type);

/* Reason phrase for a status ("Not Found"). */
const char *response_reason(int status);

/*
 * Serialise headers + body into a malloc'd buffer:
 *   "Status: 200 OK\r\nContent-Type: application/json\r\n...\r\n\r\n{...}"
 * *len set.  NULL on allocation failure.
 */
char *response_render(const struct response *r, size_t *len);

#endif
