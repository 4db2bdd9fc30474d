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
#include "response.h"
#include "store/history.h"
#include "store/store.h"

#define WORKFLOWS_SCOPE "workflows"

static const char *const workflow_statuses[] = {
	"running", "waiting", "completed", "failed", "cancelled", NULL
};

static int workflows__error(struct response *r, enum herr e, int64_t id)
{
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "workflow execution %" PRId64 " not found", id);
	return response_error(r, e, "workflow execution");
}

int h_workflows_list(struct ctx *c, struct response *r)
{
	struct workflow_filter f = {0};
	struct page pg;
	json_t *errs = json_array(), *items = json_array();
	bool has_more = false;
	int64_t rule_id;
	enum herr e;
	int status;

	if (!errs || !items) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (ctx_query_int(c, "rule_id", 1, INT64_MAX, &rule_id, errs) > 0)
		f.rule_id = rule_id;
	ctx_query_enum(c, "status", workflow_statuses, &f.status, errs);
	ctx_page_desc(c, WORKFLOWS_SCOPE, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = store_workflows_list(c->app->db, &f, &pg, items, &has_more)) != HERR_OK) {
		status = response_error(r, e, "workflow executions");
		goto out;
	}
	status = ctx_list_reply_desc(c, r, WORKFLOWS_SCOPE, &pg, items, has_more);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_workflows_get(struct ctx *c, struct response *r)
{
	json_t *run = NULL;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	if ((e = store_workflows_get(c->app->db, id, &run)) != HERR_OK)
		return workflows__error(r, e, id);
	return ctx_reply(r, 200, run);
}

int h_workflows_cancel(struct ctx *c, struct response *r)
{
	json_t *run = NULL;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	if (!c->app->engine)
		return response_detail(r, 503, "rules cannot run in this process");
	e = engine_cancel(c->app->engine, id);
	if (e == HERR_CONFLICT)
		return response_detail(r, 409, "workflow execution %" PRId64 " has already ended",
				       id);
	if (e != HERR_OK)
		return workflows__error(r, e, id);
	/* Answer with the same detail a GET gives. */
	if ((e = store_workflows_get(c->app->db, id, &run)) != HERR_OK)
		return workflows__error(r, e, id);
	ctx_changed(c, id, NULL, NULL);
	/* The workflows stream hears of it once the cancel is committed. */
	app_publish(c->app, "workflows", "workflow.cancelled",
		    json_pack("{s:I, s:O?, s:O?, s:s, s:n}", "id", (json_int_t)id, "rule_id",
			      json_object_get(run, "rule_id"), "rule_name",
			      json_object_get(run, "rule_name"), "status", "cancelled", "error"));
	return ctx_reply(r, 200, run);
}
