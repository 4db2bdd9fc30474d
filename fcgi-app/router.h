#ifndef HEARTH_ROUTER_H
#define HEARTH_ROUTER_H

#include <stddef.h>

struct ctx;
struct response;

typedef int (*handler_fn)(struct ctx *c, struct response *r);

enum {
	ROUTE_PUBLIC = 1 << 0,  /* no credentials needed */
	ROUTE_NO_DB  = 1 << 1,  /* no database gate before the handler: it checks itself or needs none */
	ROUTE_ARRAY_BODY = 1 << 2,  /* the body may be a JSON array as well as an object */
	ROUTE_STREAM_BODY = 1 << 3, /* a multipart/form-data body is not read into memory
	                             * but left to the handler (request.h body_read) */
	ROUTE_SELF = 1 << 4,        /* about the caller's own account: any role may, once
	                             * authenticated (the role check is skipped) */
	ROUTE_OPTIONAL_AUTH = 1 << 5, /* with ROUTE_PUBLIC: a credential, when presented and
	                               * valid, sets c->who; a bad one is ignored */
	ROUTE_OWN_TX = 1 << 6,      /* a write whose work commits in steps of its own (db_tx:
	                             * a storage cleanup, batch by batch): its handler runs
	                             * outside any transaction, once, and its audit row is
	                             * written afterwards in one of its own */
	ROUTE_FORM_KEY = 1 << 7,    /* with ROUTE_STREAM_BODY: a multipart body may carry the
	                             * key as its device_key field.  With no other credential
	                             * presented, the handler reads the form and then
	                             * authenticates and authorises the key itself
	                             * (api_authenticate_form); c->who is NULL until then */
};

struct route {
	const char *method;
	const char *pattern;    /* "/api/v1/rooms/{id}": a {name} is one path segment */
	handler_fn handler;
	unsigned flags;
};

#define ROUTE_MAX_CAPTURES 4

struct route_match {
	const struct route *route;
	unsigned ncaptures;
	struct {
		const char *name;   /* points into the pattern, not NUL-terminated */
		size_t name_len;
		const char *value;  /* points into the path, not NUL-terminated */
		size_t value_len;
	} cap[ROUTE_MAX_CAPTURES];
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED };

/* The table (router.c). */
extern const struct route routes[];
extern const size_t routes_count;

/*
 * Match method and path against the table.  On ROUTE_METHOD_NOT_ALLOWED,
 * allow gets the comma-separated methods that would match ("GET, PUT").
 * A trailing slash, an empty segment or a segment of "." or ".." never
 * matches.  path is borrowed and must outlive m.
 */
enum route_result router_match(const char *method, const char *path, struct route_match *m,
			       char *allow, size_t allowsz);

/* The cache namespace of a list the route's handler may answer from the
 * cache (ctx_list_cached), for api.c to prefetch its page; else NULL. */
const char *router_cache_ns(const struct route *r);

/* Copy capture `name` into out (NUL-terminated).  0, or -1 when absent or
 * too long. */
int route_capture(const struct route_match *m, const char *name, char *out, size_t outsz);

#endif
