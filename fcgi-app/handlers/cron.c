/*
 * GET /api/v1/cron/preview?expression=...&count=5: when a cron expression
 * would fire next, in the hub's time zone, as the scheduler computes it
 * (lib/engine/cron.c), so that a person sees what "30 7 * * 1-5" means
 * before saving a rule.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "config.h"
#include "engine/cron.h"
#include "fields.h"
#include "handlers.h"
#include "iso8601.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "validate.h"

static const char *const at_query[] = {"query", NULL};

#define CRON_TEXT_MAX 255
#define CRON_PREVIEW_DEFAULT 5
#define CRON_PREVIEW_MAX 20

int h_cron_preview(struct ctx *c, struct response *r)
{
	char text[CRON_TEXT_MAX + 1], err[160], when[ISO8601_LEN];
	struct cron_expr expr;
	json_t *errs = json_array(), *next = NULL;
	int64_t count = CRON_PREVIEW_DEFAULT;
	time_t t = time(NULL);
	int found;

	if (!errs)
		return response_error(r, HERR_NOMEM, NULL);
	found = query_get(c->req->query, "expression", text, sizeof(text));
	if (found == 0)
		verr_add(errs, at_query, "expression", "missing", "Field required");
	else if (found < 0)
		verr_add(errs, at_query, "expression", "string_too_long",
			 "String should have at most %d characters", CRON_TEXT_MAX);
	else if (cron_parse(text, &expr, err, sizeof(err)) != 0)
		verr_add(errs, at_query, "expression", "value_error", "%s", err);
	ctx_query_int(c, "count", 1, CRON_PREVIEW_MAX, &count, errs);
	if (json_array_size(errs) > 0)
		return ctx_invalid(r, errs);
	json_decref(errs);

	if (!(next = json_array()))
		return response_error(r, HERR_NOMEM, NULL);
	for (int64_t i = 0; i < count; i++) {
		int rc = cron_next(&expr, t, &t);

		if (rc == CRON_NEVER)
			break;
		if (rc != 0 || iso8601_format((int64_t)t, when) != 0 ||
		    json_array_append_new(next, json_string(when)) != 0) {
			json_decref(next);
			return response_error(r, HERR_INTERNAL, "cron preview");
		}
	}
	return ctx_reply(r, 200, json_pack("{s:s, s:s?, s:o}", "expression", text, "timezone",
					   c->app->cfg->engine_timezone[0] ?
						   c->app->cfg->engine_timezone : NULL,
					   "next", next));
}
