/*
 * Starting and steering runs: POST /rules/{id}/execute (by hand),
 * POST /webhooks/{rule_id} (from outside, with the rule's secret) and
 * POST /interactive-responses (the answer to a prompt).
 *
 * Each writes the run's new state inside the request's transaction and
 * queues the run for after the response (app_after): the caller gets its
 * 202 without waiting for a pipeline, and nothing depends on this worker
 * living long enough, because the scheduler finds any run left behind.
 * A new run's event log is published on the events stream once the
 * request commits; the run's own progress is published by the executor.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "engine/engine.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "log.h"
#include "request.h"
#include "response.h"
#include "store/engine_rules.h"
#include "store/runs.h"

/* A webhook secret is 43 base64url characters; anything much longer is
 * not one and is not hashed. */
#define WEBHOOK_SECRET_MAX 128

static const char *const response_channels[] = {"pwa_popup_text", "pwa_realtime_ai", "timeout",
						NULL};
static const char *const response_actions[] = {"escalate", "dismiss", NULL};

static const struct vfield response_fields[] = {
	{"execution_id", V_INT, V_REQUIRED, 1, INT64_MAX, NULL},
	{"step_id", V_INT, V_REQUIRED, 1, INT64_MAX, NULL},
	{"channel", V_STRING, V_REQUIRED, 0, 0, response_channels},
	{"action", V_STRING, V_REQUIRED, 0, 0, response_actions},
	{"raw_response", V_OBJECT, V_NULLABLE, 0, 0, NULL},
};
#define RESPONSE_FIELDS_COUNT (sizeof(response_fields) / sizeof(response_fields[0]))

static const struct vfield execute_fields[] = {
	{"input", V_OBJECT, 0, 0, 0, NULL},
};

/*
 * Queue event.created for the new run's event log (a summary: the log's
 * pipeline_data can be as large as a webhook's body).  Best effort: when
 * the run cannot be read back, nothing is published and the run stands.
 */
static void runs__publish(struct ctx *c, int64_t exec_id)
{
	struct run_row run;
	json_t *data;

	if (store_runs_get(c->app->db, exec_id, &run) != HERR_OK)
		return;
	json_decref(run.data);
	data = json_pack("{s:o, s:I, s:o, s:s, s:s, s:s}",
			 "id", run.event_log_id ? json_integer(run.event_log_id) : json_null(),
			 "execution_id", (json_int_t)exec_id,
			 "rule_id", run.rule_id ? json_integer(run.rule_id) : json_null(),
			 "rule_name", run.rule_name, "trigger_type", run.trigger_type,
			 "status", "processing");
	if (data)
		app_publish(c->app, "events", "event.created", data);
}

/* The reply for a run that was started: 202 {execution_id, rule_id, status}. */
static int runs__started(struct ctx *c, struct response *r, int64_t rule_id, int64_t exec_id)
{
	char location[64];

	if (app_after(c->app, exec_id, AFTER_RUN) != 0)
		LOG(LOG_WARNING, "run %" PRId64 ": after-response queue full; left to the scheduler",
		    exec_id);
	runs__publish(c, exec_id);
	ctx_changed(c, exec_id, NULL, NULL);
	snprintf(location, sizeof(location), "/api/v1/workflows/%" PRId64, exec_id);
	response_add_header(r, "Location", location);
	return ctx_reply(r, 202, json_pack("{s:b, s:I, s:I, s:s}", "fired", 1,
					   "execution_id", (json_int_t)exec_id,
					   "rule_id", (json_int_t)rule_id, "status", "running"));
}

int h_rules_execute(struct ctx *c, struct response *r)
{
	struct trigger t = {.type = "manual"};
	struct fire f;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	if (!c->app->engine)
		return response_detail(r, 503, "rules cannot run in this process");
	/* The body is optional: {"input": {...}} becomes trigger_input. */
	if (c->body) {
		json_t *errs = json_array();

		if (!errs)
			return resource_start(r);
		if (validate_object(c->body, at_body, execute_fields, 1, false, errs) > 0)
			return ctx_invalid(r, errs);
		json_decref(errs);
		t.input = json_object_get(c->body, "input");
	}
	e = engine_fire(c->app->engine, id, &t, false, &f);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "rule %" PRId64 " not found", id);
	if (e == HERR_CONFLICT)
		return response_detail(r, 409, "rule %" PRId64 " is disabled", id);
	if (e != HERR_OK)
		return response_error(r, e, "rule");
	return runs__started(c, r, id, f.execution_id);
}

int h_webhooks_trigger(struct ctx *c, struct response *r)
{
	unsigned char want[AUTH_HASH_LEN], got[AUTH_HASH_LEN];
	const char *secret = c->req->webhook_secret;
	struct trigger t = {.type = "webhook"};
	bool has = false;
	struct fire f;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "rule_id", &id) != 0)
		return r->status;
	if (!c->app->engine)
		return response_detail(r, 503, "rules cannot run in this process");
	/* Unknown rule, rule without a secret, wrong secret: one answer, so
	 * the endpoint says nothing about which rules exist. */
	e = store_engine_webhook_hash(c->app->db, id, want, &has);
	if (e != HERR_OK && e != HERR_NOT_FOUND)
		return response_error(r, e, "rule");
	if (!secret || !*secret || strlen(secret) > WEBHOOK_SECRET_MAX)
		return response_detail(r, 401, "X-Webhook-Secret header required");
	auth_key_hash(secret, got);
	if (e == HERR_NOT_FOUND || !has || !auth_hash_equal(want, got))
		return response_detail(r, 401, "invalid webhook secret");

	t.input = c->body;
	e = engine_fire(c->app->engine, id, &t, true, &f);
	if (e != HERR_OK)
		return response_error(r, e, "rule");
	if (!f.execution_id) {
		/* Heard, and refused by the gate: the refusal is recorded. */
		ctx_changed(c, id, NULL, NULL);
		return ctx_reply(r, 200, json_pack("{s:b, s:n, s:I, s:s}", "fired", 0,
						   "execution_id", "rule_id", (json_int_t)id,
						   "skip_reason", f.skip_reason));
	}
	return runs__started(c, r, id, f.execution_id);
}

int h_interactive_responses(struct ctx *c, struct response *r)
{
	json_t *errs = json_array(), *body = c->body;
	int64_t exec_id, step_id;
	bool duplicate = false;
	enum herr e;

	if (!errs)
		return resource_start(r);
	if (!c->app->engine) {
		json_decref(errs);
		return response_detail(r, 503, "rules cannot run in this process");
	}
	if (validate_object(body, at_body, response_fields, RESPONSE_FIELDS_COUNT, false, errs) > 0)
		return ctx_invalid(r, errs);
	json_decref(errs);
	exec_id = json_integer_value(json_object_get(body, "execution_id"));
	step_id = json_integer_value(json_object_get(body, "step_id"));
	e = engine_respond(c->app->engine, exec_id, step_id,
			   json_string_value(json_object_get(body, "channel")),
			   json_string_value(json_object_get(body, "action")),
			   json_object_get(body, "raw_response"), &duplicate);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "workflow execution %" PRId64 " not found", exec_id);
	if (e == HERR_CONFLICT)
		return response_detail(r, 409,
				       "execution %" PRId64 " is not waiting on a prompt of step %" PRId64,
				       exec_id, step_id);
	if (e != HERR_OK)
		return response_error(r, e, "interactive response");
	if (!duplicate) {
		ctx_changed(c, exec_id, NULL, NULL);
		app_after(c->app, exec_id, AFTER_RESUME);
	}
	return ctx_reply(r, 200, json_pack("{s:I, s:I, s:b, s:b}", "execution_id",
					   (json_int_t)exec_id, "step_id", (json_int_t)step_id,
					   "recorded", !duplicate, "duplicate", duplicate));
}
