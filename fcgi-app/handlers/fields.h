#ifndef HEARTH_HANDLERS_FIELDS_H
#define HEARTH_HANDLERS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "validate.h"

/*
 * The request bodies the handlers accept, as validate_object() tables, and
 * the few helpers the handler files share beyond handlers.h.  Exposed so
 * unit tests and the JSON body fuzzer check exactly what the API checks.
 */

extern const struct vfield room_fields[];
extern const size_t room_fields_count;

extern const struct vfield sensor_fields[];
extern const size_t sensor_fields_count;

extern const struct vfield api_key_fields[];
extern const size_t api_key_fields_count;

/* NULL-terminated: manual, home_assistant, gpio, device. */
extern const char *const sensor_sources[];

/* loc prefix ["body"]. */
extern const char *const at_body[];

struct ctx;
struct response;

/*
 * The request body to validate, as a new reference: {} when there is none,
 * so that required fields are reported missing.  (The dispatcher has
 * already taken a "device_key" credential out of it.)  NULL only on
 * allocation failure.
 */
json_t *ctx_body(const struct ctx *c);

/*
 * The object a partial update asks for: for each field of the table, the
 * value in patch when present, else the one in current (when present).
 * current and patch are borrowed; a new reference, NULL on allocation
 * failure.
 */
json_t *fields_merge(const json_t *current, const json_t *patch,
		     const struct vfield *fields, size_t nfields);

/*
 * An integer query parameter within [min, max]: 1 and *out when present
 * and valid, 0 when absent, -1 with a problem at ["query", name] in errs.
 */
int ctx_query_int(const struct ctx *c, const char *name, int64_t min, int64_t max,
		  int64_t *out, json_t *errs);

/*
 * A string query parameter that must be one of choices (NULL-terminated):
 * 1 with *out pointing into choices, 0 when absent, -1 with a problem in errs.
 */
int ctx_query_enum(const struct ctx *c, const char *name, const char *const *choices,
		   const char **out, json_t *errs);

/*
 * Reply with status and body (consumed; NULL with a status other than 204
 * means an allocation failed and becomes a 500).  Returns the status.
 */
int ctx_reply(struct response *r, int status, json_t *body);

/* A 422 with errs (consumed), or a 500 when errs could not be allocated. */
int ctx_invalid(struct response *r, json_t *errs);

struct roles;

/* When role (borrowed) is a string that names no role of the roles file, a
 * problem at ["body", "role"] listing the roles; returns how many (0/1). */
size_t ctx_check_role(const struct roles *roles, const json_t *role, json_t *errs);

/* ---- device images (device.c) */

/* The largest JPEG a device may send, and its pixels a side. */
#define DEVICE_JPEG_MAX (2u << 20)
#define DEVICE_JPEG_MAX_TEXT "2 MiB"
#define DEVICE_JPEG_SIDE_MAX 8192

/*
 * Decode b64 (len characters, padded base64, borrowed) into a malloc'd
 * buffer *out of *outlen bytes (at most DEVICE_JPEG_MAX).  0; -1 with the
 * problem in *why (a static string) for input that is not that; -2 when
 * memory ran out.  The bytes are not checked to be a JPEG.
 */
int device_image_decode(const char *b64, size_t len, unsigned char **out, size_t *outlen,
			const char **why);

/*
 * Whether jpeg (len bytes, borrowed) is a whole JPEG of at most
 * DEVICE_JPEG_MAX bytes and DEVICE_JPEG_SIDE_MAX pixels a side: 0 with
 * its size in *width and *height, or -1 with the problem in *why.  Pure.
 */
int device_image_check(const unsigned char *jpeg, size_t len, unsigned *width,
		       unsigned *height, const char **why);

#endif
