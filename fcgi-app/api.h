#ifndef HEARTH_API_H
#define HEARTH_API_H

#include <stdbool.h>

struct app;
struct ctx;
struct request;
struct response;

/*
 * Handle one request end to end, with no knowledge of FastCGI:
 * 413 -> route (404/405) -> 415/400 body -> database and schema (503) ->
 * authenticate (401) -> authorise (403) -> handler, inside a transaction
 * with its audit row for anything but GET/HEAD.  Never exits; every failure
 * is a JSON error.  r must be initialised by the caller.
 */
void api_handle(struct app *app, const struct request *req, struct response *r);

/*
 * For a ROUTE_FORM_KEY handler whose request presented no credential:
 * whether one is due (c->who NULL and the body a streamed form), for the
 * handler to look for device_key in it.
 */
bool api_form_credential_due(const struct ctx *c);

/*
 * Authenticate key (the form's device_key, borrowed) and authorise it for
 * the request's route, as api_handle does a header's key: 0 with c->who
 * set (the audit row then names the key), or -1 with the 401/403/503 on r.
 */
int api_authenticate_form(struct ctx *c, const char *key, struct response *r);

#endif
