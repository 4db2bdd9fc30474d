/*
 * GET /api/v1/openapi.json: the OpenAPI document installed with the static
 * files.  Read on every request: it is small, the route is rarely called,
 * and a reinstalled document is served without restarting the workers.
 */
#include <stdio.h>

#include "config.h"
#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "response.h"

int h_openapi(struct ctx *c, struct response *r)
{
	char path[CONFIG_STR + 32];
	json_error_t err;
	json_t *doc;

	if (snprintf(path, sizeof(path), "%s/openapi.json", c->app->cfg->api_static_root) >=
	    (int)sizeof(path))
		return response_detail(r, 500, "the OpenAPI document path is too long");
	doc = json_load_file(path, 0, &err);
	if (!doc) {
		LOG(LOG_ERR, "openapi: cannot load %s: %s (line %d)", path, err.text, err.line);
		return response_detail(r, 500, "the OpenAPI document is missing or unreadable "
				       "on the server (api.static_root/openapi.json)");
	}
	return ctx_reply(r, 200, doc);
}
