/*
 * /api/v1/alerts and /api/v1/prompts: what the rules raised, what people
 * did about it, and the pop-ups waiting on the dashboard.
 *
 * An action on an alert is recorded with who took it (the caller's key
 * name): dismiss resolves the alert; assist escalates it to an emergency,
 * leaves it open, and puts an emergency pop-up on the dashboard.  Acting on
 * a resolved alert is a 409, so two people answering at once cannot both
 * believe they were the one who handled it.
 *
 * Both lists are histories, newest first; their cursors continue below the
 * last id seen.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "store/alerts.h"
#include "store/store.h"

#define ALERTS_SCOPE "alerts"
#define PROMPTS_SCOPE "prompts"
/* Bytes of a text filter: 256 characters of UTF-8, and the NUL. */
#define FILTER_MAX (256 * 4 + 1)

static const char *const at_query[] = {"query", NULL};
static const char *const booleans[] = {"true", "false", NULL};
static const char *const alert_levels[] = {"emergency", "warning", "info", "reminder", NULL};
static const char *const prompt_statuses[] = {"pending", "answered", "expired", "dismissed",
					      NULL};
static const char *const alert_actions[] = {"dismiss", "assist", NULL};

static const struct vfield action_fields[] = {
	{"action", V_STRING, V_REQUIRED, 0, 0, alert_actions},
	{"note", V_STRING, V_NULLABLE, 0, 2000, NULL},
};
#define ACTION_FIELDS_COUNT (sizeof(action_fields) / sizeof(action_fields[0]))

static enum herr alerts__get(struct ctx *c, const struct resource_key *k, bool lock,
			     json_t **out)
{
	return store_alerts_get(c->app->db, k->id, out);
}

static int alerts__resolved(struct response *r, const struct resource_key *k, const json_t *obj)
{
	return response_detail(r, 409, "alert %" PRId64 " is already resolved", k->id);
}

static int prompts__answered(struct response *r, const struct resource_key *k,
			     const json_t *obj)
{
	return response_detail(r, 409, "prompt %" PRId64 " is no longer pending", k->id);
}

/*
 * Alerts are raised by the rules and acted on (POST /alerts/{id}/action),
 * prompts dismissed: neither is created, changed or deleted through the
 * API, so the descriptors serve get and the error mapping.  A conflict
 * is acting on what someone else already handled.  The lists read their
 * page before their filters and keep handlers of their own.
 */
static const struct resource alerts = {
	.name = "alert",
	.plural = "alerts",
	.get = alerts__get,
	.conflict = alerts__resolved,
};

static const struct resource prompts = {
	.name = "prompt",
	.plural = "prompts",
	.conflict = prompts__answered,
};

/*
 * A text filter of the query, at most max_chars characters: 1 with out
 * filled, 0 when absent or empty, -1 with a problem in errs.
 */
static int alerts__query_text(const struct ctx *c, const char *name, size_t max_chars,
			      char *out, size_t outsz, json_t *errs)
{
	const char *query = c->req && c->req->query ? c->req->query : "";
	int found = query_get(query, name, out, outsz);

	if (found < 0 || (found > 0 && utf8_length(out, strlen(out)) > max_chars)) {
		verr_add(errs, at_query, name, "string_too_long",
			 "String should have at most %zu characters", max_chars);
		return -1;
	}
	return found > 0 && out[0] != '\0';
}

/* Answer a list: the 422 of errs, else the store's error e, else the page
 * of items.  errs and items borrowed. */
static int alerts__page(struct ctx *c, struct response *r, const char *scope, json_t *errs,
			struct page *pg, json_t *items, enum herr e, bool has_more)
{
	if (json_array_size(errs) > 0)
		return ctx_invalid(r, json_incref(errs));
	if (e != HERR_OK)
		return response_error(r, e, scope);
	return ctx_list_reply(c, r, scope, pg, json_incref(items), has_more);
}

int h_alerts_list(struct ctx *c, struct response *r)
{
	struct alert_filter f = {.resolved = -1};
	char room[FILTER_MAX], type[FILTER_MAX];
	const char *resolved = NULL;
	json_t *errs = json_array(), *items = json_array();
	bool has_more = false;
	enum herr e = HERR_OK;
	struct page pg;
	int status = resource_start(r);

	if (!errs || !items)
		goto out;
	ctx_page(c, ALERTS_SCOPE, &pg, errs);
	if (ctx_query_enum(c, "resolved", booleans, &resolved, errs) > 0)
		f.resolved = strcmp(resolved, "true") == 0;
	if (alerts__query_text(c, "room_name", 256, room, sizeof(room), errs) > 0)
		f.room_name = room;
	if (alerts__query_text(c, "alert_type", 64, type, sizeof(type), errs) > 0)
		f.alert_type = type;
	ctx_query_enum(c, "alert_level", alert_levels, &f.alert_level, errs);
	if (json_array_size(errs) == 0)
		e = store_alerts_list(c->app->db, &f, &pg, items, &has_more);
	status = alerts__page(c, r, ALERTS_SCOPE, errs, &pg, items, e, has_more);
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_alerts_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &alerts);
}

int h_alerts_action(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *alert = NULL, *prompt = NULL;
	int64_t prompt_id = 0;
	const char *action, *note;
	struct resource_key k;
	int64_t id;
	enum herr e;
	int status;

	if (resource_path(c, r, &alerts, true, &k) != 0)
		return r->status;
	id = k.id;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	if (validate_object(body, at_body, action_fields, ACTION_FIELDS_COUNT, false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	action = json_string_value(json_object_get(body, "action"));
	note = json_string_value(json_object_get(body, "note"));
	e = store_alerts_act(c->app->db, id,
			     strcmp(action, "assist") == 0 ? ALERT_ASSIST : ALERT_DISMISS,
			     c->who ? c->who->name : "unknown", note, &alert, &prompt_id);
	if (e != HERR_OK) {
		status = resource_error(r, &alerts, e, &k, body);
		goto out;
	}
	ctx_changed(c, id, NULL, NULL);
	/* The dashboards see it once it is committed. */
	app_publish(c->app, ALERTS_SCOPE, "alert.action",
		    json_pack("{s:I, s:s, s:s, s:O}", "alert_id", (json_int_t)id, "action", action,
			      "actor", c->who ? c->who->name : "unknown", "alert", alert));
	if (prompt_id > 0 && store_prompts_get(c->app->db, prompt_id, &prompt) == HERR_OK)
		app_publish(c->app, PROMPTS_SCOPE, "prompt.created", prompt);
	status = ctx_reply(r, 200, alert);
	alert = NULL;
out:
	json_decref(body);
	json_decref(errs);
	json_decref(alert);
	return status;
}

int h_prompts_list(struct ctx *c, struct response *r)
{
	const char *state = NULL;
	json_t *errs = json_array(), *items = json_array();
	bool has_more = false;
	enum herr e = HERR_OK;
	struct page pg;
	int status = resource_start(r);

	if (!errs || !items)
		goto out;
	ctx_page(c, PROMPTS_SCOPE, &pg, errs);
	ctx_query_enum(c, "status", prompt_statuses, &state, errs);
	if (json_array_size(errs) == 0)
		e = store_prompts_list(c->app->db, state, &pg, items, &has_more);
	status = alerts__page(c, r, PROMPTS_SCOPE, errs, &pg, items, e, has_more);
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_prompts_dismiss(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *prompt = NULL;
	struct resource_key k;
	enum herr e;
	int status;

	if (resource_path(c, r, &prompts, true, &k) != 0)
		return r->status;
	status = resource_start(r);
	/* No fields: a body may be {} or absent, anything in it is refused. */
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	if (validate_object(body, at_body, action_fields, 0, false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	e = store_prompts_dismiss(c->app->db, k.id, &prompt);
	if (e != HERR_OK) {
		status = resource_error(r, &prompts, e, &k, body);
		goto out;
	}
	ctx_changed(c, k.id, NULL, NULL);
	status = ctx_reply(r, 200, prompt);
	prompt = NULL;
out:
	json_decref(body);
	json_decref(errs);
	json_decref(prompt);
	return status;
}
