#ifndef HEARTH_API_H
#define HEARTH_API_H

struct app;
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

#endif
