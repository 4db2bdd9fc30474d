/*
 * /api/v1/entities: the domains summary, and controlling entities through
 * Home Assistant: POST /entities/{entity_id}/toggle, /light, /climate.
 *
 * A control is checked on its own first (422, nothing asked of HA), then
 * against what the entity supports as HA reports it now (its state, read
 * live: 404 when HA has no such entity, 409 when it is unavailable, 422
 * naming the field it does not support), then made as HA's service calls
 * (ha/control.h plans them).  The reply is the entity's state as HA
 * reports it after the calls.  HA down or refusing: 502; not answering in
 * time: 504; not configured: 503.
 *
 * The stored state in ha_entities is never written here: it is the last
 * state the bridge saw, which it compares each change against to make a
 * sensor event exactly once.  These routes own their transactions
 * (ROUTE_OWN_TX): no database work is held open over a call to HA, and a
 * call is never made twice by a retried transaction.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "ha/control.h"
#include "ha/map.h"
#include "log.h"
#include "net/ha.h"
#include "net/http.h"
#include "resource.h"
#include "response.h"
#include "router.h"
#include "store/ha.h"
#include "store/store.h"

static const char ha_not_configured[] =
	"Home Assistant is not configured ([homeassistant] url and token)";

/* ---------------------------------------------------------------- summary */

int h_entities_domains_summary(struct ctx *c, struct response *r)
{
	json_t *items = json_array();
	int64_t total = 0;
	enum herr e;

	if (!items)
		return resource_start(r);
	if ((e = store_ha_domains_summary(c->app->db, items, &total)) != HERR_OK) {
		json_decref(items);
		return response_error(r, e, "entities");
	}
	return ctx_reply(r, 200, json_pack("{s:o, s:I, s:I}", "items", items, "domains",
					   (json_int_t)json_array_size(items), "total",
					   (json_int_t)total));
}

/* ---------------------------------------------------------------- shared */

int ha_control_failed(struct response *r, enum herr e, const char *prefix, const char *why)
{
	int status = 502;

	if (e == HERR_NOMEM)
		return resource_start(r);
	if (e == HERR_UNAVAILABLE && strstr(why, "timed out"))
		status = 504;
	return response_detail(r, status, "%s%s", prefix, why);
}

/* A control that failed once it was under way: audited all the same. */
static void control__audit_failure(struct ctx *c, void *data)
{
	const struct response *r = data;
	const struct audit_entry entry = {
		.key_id = c->who ? c->who->key_id : 0,
		.user_id = c->who ? c->who->user_id : 0,
		.actor = c->who ? c->who->name : "anonymous",
		.method = c->req->method,
		.path = c->req->path,
		.status = r->status,
		.address = c->req->remote_addr,
	};
	enum herr e = store_audit_write(c->app->db, &entry);

	if (e != HERR_OK)
		LOG(LOG_ERR, "%s: could not audit a failed control: %s", c->req->path, herr_str(e));
}

enum herr ha_control_run(struct ctx *c, struct response *r, const json_t *plan,
			 json_t **changed, size_t *done, char *why, size_t whylen)
{
	const struct hearth_config *cfg = c->app->cfg;
	enum herr e = HERR_OK;
	size_t i;
	json_t *call;

	*done = 0;
	why[0] = '\0';
	if (changed && !(*changed = json_array()))
		return HERR_NOMEM;
	json_array_foreach(plan, i, call) {
		const char *domain = json_string_value(json_object_get(call, "domain"));
		const char *service = json_string_value(json_object_get(call, "service"));
		struct net_response rs;
		json_t *states = NULL;

		c->after_rollback = control__audit_failure;
		c->after_rollback_data = r;
		e = ha_call_service(cfg, domain, service, json_object_get(call, "data"),
				    &states, &rs);
		if (e == HERR_OK && !net_response_ok(&rs))
			e = HERR_INVALID;
		if (e != HERR_OK) {
			snprintf(why, whylen, "%s.%s: %s", domain, service, rs.error);
			net_response_free(&rs);
			json_decref(states);
			return e;
		}
		if (changed && states)
			json_array_extend(*changed, states);
		json_decref(states);
		net_response_free(&rs);
		(*done)++;
	}
	return e;
}

/* ---------------------------------------------------------------- controls */

enum control_kind { CONTROL_TOGGLE, CONTROL_LIGHT, CONTROL_CLIMATE };

/* The newest of entity_id's states in changed (borrowed), or NULL. */
static const json_t *control__latest(const json_t *changed, const char *entity_id)
{
	for (size_t i = json_array_size(changed); i > 0; i--) {
		const json_t *s = json_array_get(changed, i - 1);
		const char *id = json_string_value(json_object_get(s, "entity_id"));

		if (id && strcmp(id, entity_id) == 0)
			return s;
	}
	return NULL;
}

/*
 * The reply: the entity's state after the calls, from what the calls
 * changed, else read again; with the calls made.  A read that fails now
 * does not undo the control: state null and why.
 */
static json_t *control__reply(struct ctx *c, const char *entity_id, const json_t *plan,
			      const json_t *changed)
{
	const json_t *now = control__latest(changed, entity_id);
	json_t *read = NULL, *calls = json_array(), *reply, *call;
	struct net_response rs;
	char why[NET_ERROR_MAX] = "";
	size_t i;

	if (!calls)
		return NULL;
	json_array_foreach(plan, i, call) {
		char name[160];

		snprintf(name, sizeof(name), "%s.%s",
			 json_string_value(json_object_get(call, "domain")),
			 json_string_value(json_object_get(call, "service")));
		json_array_append_new(calls, json_pack("{s:s, s:O}", "service", name, "data",
						       json_object_get(call, "data")));
	}
	if (!now) {
		if (ha_get_state(c->app->cfg, entity_id, &read, &rs) == HERR_OK)
			now = read;
		else
			snprintf(why, sizeof(why), "%s", rs.error);
		net_response_free(&rs);
	}
	reply = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:o}", "entity_id", entity_id,
			  "state", json_object_get(now, "state"),
			  "attributes", json_object_get(now, "attributes"),
			  "last_changed", json_object_get(now, "last_changed"),
			  "last_updated", json_object_get(now, "last_updated"),
			  "calls", calls);
	if (reply && why[0])
		json_object_set_new(reply, "state_error", json_string(why));
	json_decref(read);
	return reply;
}

static int control__handle(struct ctx *c, struct response *r, enum control_kind kind)
{
	const struct hearth_config *cfg = c->app->cfg;
	char id[HA_ID_MAX + 1], why[NET_ERROR_MAX + 256];
	json_t *body = NULL, *errs = NULL, *state = NULL, *plan = NULL, *changed = NULL;
	struct net_response rs;
	size_t done = 0;
	enum herr e;
	int status;

	if (route_capture(c->m, "entity_id", id, sizeof(id)) != 0 || !ha_entity_id_valid(id))
		return response_detail(r, 422, "an entity id is <domain>.<object_id>, lowercase");
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;

	/* What the body says on its own, before HA is asked anything. */
	switch (kind) {
	case CONTROL_TOGGLE:
		validate_object(body, at_body, NULL, 0, false, errs);
		if (json_array_size(errs) == 0)
			plan = ha_toggle_plan(id, errs);
		break;
	case CONTROL_LIGHT:
		ha_light_check(body, errs);
		break;
	case CONTROL_CLIMATE:
		ha_climate_check(body, errs);
		break;
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!ha_configured(cfg)) {
		status = response_detail(r, 503, "%s", ha_not_configured);
		goto out;
	}

	/* What the entity supports now, as HA says. */
	e = ha_get_state(cfg, id, &state, &rs);
	if (e == HERR_NOT_FOUND)
		status = response_detail(r, 404, "Home Assistant has no entity %s", id);
	else if (e != HERR_OK)
		status = ha_control_failed(r, e, "", rs.error);
	net_response_free(&rs);
	if (e != HERR_OK)
		goto out;
	if (ha_state_unavailable(state)) {
		status = response_detail(r, 409, "%s is unavailable in Home Assistant", id);
		goto out;
	}
	if (kind == CONTROL_LIGHT)
		plan = ha_light_plan(id, state, body, errs);
	else if (kind == CONTROL_CLIMATE)
		plan = ha_climate_plan(id, state, body, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!plan)
		goto out;

	e = ha_control_run(c, r, plan, &changed, &done, why, sizeof(why));
	if (e != HERR_OK) {
		char prefix[64] = "";

		if (done > 0)
			snprintf(prefix, sizeof(prefix), "after %zu of %zu calls: ", done,
				 json_array_size(plan));
		status = ha_control_failed(r, e, prefix, why);
		goto out;
	}
	c->after_rollback = NULL;
	status = ctx_reply(r, 200, control__reply(c, id, plan, changed));
out:
	json_decref(body);
	json_decref(errs);
	json_decref(state);
	json_decref(plan);
	json_decref(changed);
	return status;
}

int h_entities_toggle(struct ctx *c, struct response *r)
{
	return control__handle(c, r, CONTROL_TOGGLE);
}

int h_entities_light(struct ctx *c, struct response *r)
{
	return control__handle(c, r, CONTROL_LIGHT);
}

int h_entities_climate(struct ctx *c, struct response *r)
{
	return control__handle(c, r, CONTROL_CLIMATE);
}
