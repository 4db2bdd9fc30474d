/*
 * /api/v1/workflows: the runs of rules, newest first, and cancelling one.
 *
 * The engine writes runs; this reads them back (lib/store/history.c) and
 * asks the engine to cancel, since a cancel is a state transition that
 * must race correctly with a resume or a reaper.
 */
#include <inttypes.h>
#include <stdint.h>

#include "app.h"
#include "engine/engine.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "store/history.h"
#include "store/store.h"

#define WORKFLOWS_SCOPE "workflows"

static const char *const workflow_statuses[] = {
	"running", "waiting", "completed", "failed", "cancelled", NULL
};

static enum herr workflows__list(struct ctx *c, const void *filter, const struct page *pg,
				 json_t *items, bool *has_more)
{
	return store_workflows_list(c->app->db, filter, pg, items, has_more);
}

static enum herr workflows__get(struct ctx *c, const struct resource_key *k, bool lock,
				json_t **out)
{
	return store_workflows_get(c->app->db, k->id, out);
}

/* Runs are the engine's: read here, and cancelled through it. */
static const struct resource workflows = {
	.name = "workflow execution",
	.plural = "workflow executions",
	.newest_first = true,
	.list = workflows__list,
	.get = workflows__get,
};

int h_workflows_list(struct ctx *c, struct response *r)
{
	struct workflow_filter f = {0};
	json_t *errs = json_array();
	int64_t rule_id;

	if (ctx_query_int(c, "rule_id", 1, INT64_MAX, &rule_id, errs) > 0)
		f.rule_id = rule_id;
	ctx_query_enum(c, "status", workflow_statuses, &f.status, errs);
	return resource_list_filtered(c, r, &workflows, WORKFLOWS_SCOPE, errs, &f);
}

int h_workflows_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &workflows);
}

int h_workflows_cancel(struct ctx *c, struct response *r)
{
	json_t *run = NULL;
	struct resource_key k;
	int64_t id;
	enum herr e;

	if (resource_path(c, r, &workflows, true, &k) != 0)
		return r->status;
	id = k.id;
	if (!c->app->engine)
		return response_detail(r, 503, "rules cannot run in this process");
	e = engine_cancel(c->app->engine, id);
	if (e == HERR_CONFLICT)
		return response_detail(r, 409, "workflow execution %" PRId64 " has already ended",
				       id);
	if (e != HERR_OK)
		return resource_error(r, &workflows, e, &k, NULL);
	/* Answer with the same detail a GET gives. */
	if ((e = store_workflows_get(c->app->db, id, &run)) != HERR_OK)
		return resource_error(r, &workflows, e, &k, NULL);
	ctx_changed(c, id, NULL, NULL);
	/* The workflows stream hears of it once the cancel is committed. */
	app_publish(c->app, "workflows", "workflow.cancelled",
		    json_pack("{s:I, s:O?, s:O?, s:s, s:n}", "id", (json_int_t)id, "rule_id",
			      json_object_get(run, "rule_id"), "rule_name",
			      json_object_get(run, "rule_name"), "status", "cancelled", "error"));
	return ctx_reply(r, 200, run);
}
