#ifndef HEARTH_ERR_H
#define HEARTH_ERR_H

/*
 * The one error enum of libhearth.  Store and engine functions return it;
 * the API maps it to an HTTP status in exactly one place
 * (response_status_for()).
 */
enum herr {
	HERR_OK = 0,
	HERR_NOT_FOUND,    /* no such object                      -> 404 */
	HERR_CONFLICT,     /* duplicate, or still referenced      -> 409 */
	HERR_INVALID,      /* input refers to something that isn't -> 422 */
	HERR_UNAVAILABLE,  /* MariaDB unreachable or timed out    -> 503 */
	HERR_SCHEMA,       /* database schema older than the code -> 503 */
	HERR_NOMEM,        /* allocation failed                   -> 500 */
	HERR_INTERNAL,     /* anything else                       -> 500 */
};

/* A short English phrase for logs and details; static storage. */
const char *herr_str(enum herr e);

#endif
