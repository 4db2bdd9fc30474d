/*
 * /api/v1/registry: Home Assistant's automations, scripts, scenes,
 * services and helpers.  The lists, the details and the summary are read
 * from what the last registry sync kept (POST /registry/sync, ha.c), so
 * they answer while HA is down.  An automation's config, a service call
 * and creating or deleting a helper go to HA there and then: HA down or
 * answering badly is 502 (504 when it did not answer in time), HA not
 * configured is 503; those routes own their transactions (ROUTE_OWN_TX),
 * so that no transaction stays open while HA is asked.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "ha/registry.h"
#include "net/ha.h"
#include "net/ha_ws.h"
#include "net/http.h"
#include "query.h"
#include "request.h"
#include "resource.h"
#include "response.h"
#include "router.h"
#include "store/ha.h"
#include "store/ha_registry.h"
#include "store/store.h"
#include "validate.h"

#define REG_ADMIN_ROLE "admin"

static const char reg_not_configured[] =
	"Home Assistant is not configured ([homeassistant] url and token)";

/* HA's failure as a reply: 504 when it did not answer in time, else 502. */
static int reg__ha_failed(struct response *r, const char *why)
{
	return response_detail(r, strstr(why, "timed out") ? 504 : 502, "%s", why);
}

/* ---------------------------------------------------------------- lists */

static enum herr reg__list(struct ctx *c, const void *filter, const struct page *pg,
			   json_t *items, bool *has_more)
{
	return store_ha_registry_list(c->app->db, filter, pg, items, has_more);
}

/* What the last registry sync kept: read here, changed in HA. */
static const struct resource reg_automations = {
	.name = "automation", .plural = "automations", .list = reg__list};
static const struct resource reg_scripts = {
	.name = "script", .plural = "scripts", .list = reg__list};
static const struct resource reg_scenes = {
	.name = "scene", .plural = "scenes", .list = reg__list};
static const struct resource reg_services = {
	.name = "service", .plural = "services", .list = reg__list};
static const struct resource reg_helpers = {
	.name = "helper", .plural = "helpers", .list = reg__list};

/* A list of kind: ?missing=true|false, and ?domain= where with_domain. */
static int reg__list_reply(struct ctx *c, struct response *r, const struct resource *res,
			   const char *kind, bool with_domain)
{
	static const char *const at_query[] = {"query", NULL};
	static const char *const booleans[] = {"true", "false", NULL};
	const char *query = c->req && c->req->query ? c->req->query : "";
	struct ha_reg_filter f = {kind, NULL, -1};
	const char *missing = NULL;
	char domain[64], scope[128];
	json_t *errs = json_array();
	int k;

	if (with_domain) {
		if ((k = query_get(query, "domain", domain, sizeof(domain))) > 0 && domain[0])
			f.domain = domain;
		else if (k < 0)
			verr_add(errs, at_query, "domain", "string_too_long", "Input is too long");
	}
	if (ctx_query_enum(c, "missing", booleans, &missing, errs) > 0)
		f.missing = strcmp(missing, "true") == 0;
	snprintf(scope, sizeof(scope), "registry:%s;%s;%d", kind, f.domain ? f.domain : "",
		 f.missing);
	return resource_list_filtered(c, r, res, scope, errs, &f);
}

int h_registry_automations_list(struct ctx *c, struct response *r)
{
	return reg__list_reply(c, r, &reg_automations, "automation", false);
}

int h_registry_scripts_list(struct ctx *c, struct response *r)
{
	return reg__list_reply(c, r, &reg_scripts, "script", false);
}

int h_registry_scenes_list(struct ctx *c, struct response *r)
{
	return reg__list_reply(c, r, &reg_scenes, "scene", false);
}

int h_registry_services_list(struct ctx *c, struct response *r)
{
	return reg__list_reply(c, r, &reg_services, "service", true);
}

int h_registry_helpers_list(struct ctx *c, struct response *r)
{
	return reg__list_reply(c, r, &reg_helpers, "helper", true);
}

/* ---------------------------------------------------------------- automations */

/* The automation the path's {id} names (its entity_id or HA's config
 * id): 0 and *out, or -1 with r set. */
static int reg__automation(struct ctx *c, struct response *r, json_t **out)
{
	char id[HA_ID_MAX + 1];
	enum herr e;

	*out = NULL;
	if (route_capture(c->m, "id", id, sizeof(id)) != 0 || !id[0]) {
		response_detail(r, 422, "an automation is named by its entity_id or its id in"
				       " Home Assistant, of at most %d characters", HA_ID_MAX);
		return -1;
	}
	e = store_ha_registry_get(c->app->db, "automation", id, out);
	if (e == HERR_NOT_FOUND) {
		response_detail(r, 404, "automation %s not found (POST /api/v1/registry/sync"
				       " brings Home Assistant's)", id);
		return -1;
	}
	if (e != HERR_OK) {
		response_error(r, e, "automation");
		return -1;
	}
	return 0;
}

int h_registry_automations_get(struct ctx *c, struct response *r)
{
	json_t *a = NULL;

	if (reg__automation(c, r, &a) != 0)
		return r->status;
	return ctx_reply(r, 200, a);
}

int h_registry_automation_config(struct ctx *c, struct response *r)
{
	struct net_response rs;
	json_t *a = NULL, *config = NULL;
	const char *ha_id;
	enum herr e;
	int status;

	if (reg__automation(c, r, &a) != 0)
		return r->status;
	if (!(ha_id = json_string_value(json_object_get(a, "ha_id")))) {
		status = response_detail(r, 404, "automation %s has no id in Home Assistant (one"
					 " written in YAML without an id has no stored config)",
					 json_string_value(json_object_get(a, "item_id")));
		json_decref(a);
		return status;
	}
	if (!ha_configured(c->app->cfg)) {
		json_decref(a);
		return response_detail(r, 503, "%s", reg_not_configured);
	}
	e = ha_get_automation_config(c->app->cfg, ha_id, &config, &rs);
	if (e == HERR_OK)
		status = ctx_reply(r, 200, json_pack("{s:O, s:O, s:o}", "entity_id",
						     json_object_get(a, "item_id"), "ha_id",
						     json_object_get(a, "ha_id"), "config", config));
	else if (e == HERR_NOT_FOUND)
		status = response_detail(r, 404, "%s", rs.error);
	else if (e == HERR_NOMEM)
		status = response_error(r, e, "automation config");
	else
		status = reg__ha_failed(r, rs.error);
	net_response_free(&rs);
	json_decref(a);
	return status;
}

/* ---------------------------------------------------------------- summary */

int h_registry_summary(struct ctx *c, struct response *r)
{
	struct page pg = {INT64_MAX, -1, 1};
	json_t *counts = NULL, *runs = json_array();
	bool more = false;
	enum herr e;

	if (!runs)
		return response_error(r, HERR_NOMEM, "registry summary");
	if ((e = store_ha_registry_counts(c->app->db, &counts)) != HERR_OK ||
	    (e = store_ha_sync_list(c->app->db, "registry", &pg, runs, &more)) != HERR_OK) {
		json_decref(counts);
		json_decref(runs);
		return response_error(r, e, "registry summary");
	}
	json_object_set(counts, "last_sync", json_array_size(runs) ? json_array_get(runs, 0)
								   : json_null());
	json_decref(runs);
	return ctx_reply(r, 200, counts);
}

/* ---------------------------------------------------------------- services */

static const struct vfield call_fields[] = {
	{"domain", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 64, NULL},
	{"service", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 64, NULL},
	{"data", V_OBJECT, 0, 0, 0, NULL},
	{"target", V_OBJECT, 0, 0, 0, NULL},
};

static const char *const call_targets[] = {"entity_id", "device_id", "area_id", "floor_id",
					    "label_id", NULL};

static bool reg__word(const char *s)
{
	return s && *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

/* A target: call_targets only, each a string or a list of strings. */
static void reg__check_target(const json_t *target, json_t *errs)
{
	static const char *const at_target[] = {"body", "target", NULL};
	const char *key;
	json_t *v, *x;
	size_t i;

	json_object_foreach((json_t *)target, key, v) {
		bool ok = false;

		for (i = 0; call_targets[i]; i++)
			ok = ok || strcmp(key, call_targets[i]) == 0;
		if (!ok) {
			verr_enum(errs, at_target, key, call_targets);
			continue;
		}
		ok = json_is_string(v) || json_is_array(v);
		json_array_foreach(v, i, x)
			ok = ok && json_is_string(x);
		if (!ok)
			verr_add(errs, at_target, key, "string_type",
				 "Input should be a string or a list of strings");
	}
}

/* The body HA's REST API takes: data, with target's members among it
 * (HA reads them from the data there); a new reference.  A member in
 * both is a problem in errs. */
static json_t *reg__call_data(const json_t *data, const json_t *target, json_t *errs)
{
	static const char *const at_target[] = {"body", "target", NULL};
	json_t *out = data ? json_deep_copy(data) : json_object(), *v;
	const char *key;

	json_object_foreach((json_t *)target, key, v) {
		if (json_object_get(out, key))
			verr_add(errs, at_target, key, "value_error",
				 "%s is in both data and target", key);
		else if (out)
			json_object_set(out, key, v);
	}
	return out;
}

int h_registry_services_call(struct ctx *c, struct response *r)
{
	static const char *const at_body_[] = {"body", NULL};
	struct net_response rs;
	json_t *body = ctx_body(c), *errs = json_array(), *payload = NULL, *changed = NULL;
	const char *domain, *service;
	bool known = false;
	enum herr e;
	int status = resource_start(r);

	if (!body || !errs)
		goto out;
	if (!c->who || strcmp(c->who->role, REG_ADMIN_ROLE) != 0) {
		status = response_detail(r, 403, "calling Home Assistant's services is for the"
					 " admin role");
		goto out;
	}
	validate_object(body, at_body_, call_fields, sizeof(call_fields) / sizeof(call_fields[0]),
			false, errs);
	domain = json_string_value(json_object_get(body, "domain"));
	service = json_string_value(json_object_get(body, "service"));
	if (json_array_size(errs) == 0 && !reg__word(domain))
		verr_add(errs, at_body_, "domain", "value_error",
			 "a domain is lower case letters, digits and _");
	if (json_array_size(errs) == 0 && !reg__word(service))
		verr_add(errs, at_body_, "service", "value_error",
			 "a service is lower case letters, digits and _");
	if (json_array_size(errs) == 0) {
		reg__check_target(json_object_get(body, "target"), errs);
		payload = reg__call_data(json_object_get(body, "data"),
					 json_object_get(body, "target"), errs);
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!payload)
		goto out;
	if ((e = store_ha_registry_service_known(c->app->db, domain, service, &known)) != HERR_OK) {
		status = response_error(r, e, "services");
		goto out;
	}
	if (!known) {
		verr_add(errs, at_body_, "service", "value_error", "Home Assistant has no service"
			 " %s.%s (as of the last registry sync)", domain, service);
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!ha_configured(c->app->cfg)) {
		status = response_detail(r, 503, "%s", reg_not_configured);
		goto out;
	}
	e = ha_call_service(c->app->cfg, domain, service, payload, &changed, &rs);
	if (e == HERR_OK && net_response_ok(&rs)) {
		/* The audit row names the service called. */
		snprintf(c->object_id, sizeof(c->object_id), "%.15s.%.15s", domain, service);
		status = ctx_reply(r, 200, json_pack("{s:s, s:s, s:o}", "domain", domain,
						     "service", service, "changed_states",
						     changed ? changed : json_array()));
		changed = NULL;
	} else if (e == HERR_NOMEM) {
		status = response_error(r, e, "service call");
	} else {
		status = reg__ha_failed(r, rs.error);
	}
	net_response_free(&rs);
out:
	json_decref(changed);
	json_decref(payload);
	json_decref(errs);
	json_decref(body);
	return status;
}

/* ---------------------------------------------------------------- helpers */

/* cmd (<domain>/create or /delete) over a connection of its own: HERR_OK
 * with *result, or r set: HA's refusal of the options 422, of the id
 * 404, anything else of HA's 502/504. */
static enum herr reg__helper_command(struct ctx *c, struct response *r, const char *cmd,
				     const json_t *extra, json_t **result)
{
	char why[512], want[128];
	struct ha_ws *ws;
	enum herr e;

	*result = NULL;
	if (!(ws = ha_ws_connect(c->app->cfg, why, sizeof(why)))) {
		reg__ha_failed(r, why);
		return HERR_UNAVAILABLE;
	}
	e = ha_ws_command(ws, cmd, extra, result, why, sizeof(why));
	ha_ws_close(ws);
	if (e == HERR_OK)
		return e;
	snprintf(want, sizeof(want), "refused %s: ", cmd);
	if (e == HERR_INVALID && strstr(why, want)) {
		const char *code = strstr(why, want) + strlen(want);

		if (strncmp(code, "invalid_format", 14) == 0)
			response_detail(r, 422, "%s", why);
		else if (strncmp(code, "not_found", 9) == 0)
			response_detail(r, 404, "%s", why);
		else if (strncmp(code, "unknown_command", 15) == 0)
			response_detail(r, 502, "%s (is the integration loaded in Home Assistant?)",
					why);
		else
			reg__ha_failed(r, why);
	} else if (e == HERR_NOMEM) {
		response_error(r, e, "helper");
	} else {
		reg__ha_failed(r, why);
	}
	return e;
}

struct reg__helper_tx {
	const char *domain;
	const json_t *item;   /* NULL: remove */
	const char *ha_id;
};

static enum herr reg__helper_tx(struct db *db, void *arg)
{
	const struct reg__helper_tx *t = arg;

	if (t->item)
		return store_ha_registry_helper_put(db, t->domain, t->item);
	return store_ha_registry_helper_remove(db, t->domain, t->ha_id);
}

int h_registry_helpers_create(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *extra = NULL, *item = NULL, *row = NULL;
	char cmd[64], eid[HA_ID_MAX + 1];
	const char *domain, *id;
	struct reg__helper_tx t;
	enum herr e;
	int status = resource_start(r);

	if (!body || !errs)
		goto out;
	if (ha_helper_check(body, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!ha_configured(c->app->cfg)) {
		status = response_detail(r, 503, "%s", reg_not_configured);
		goto out;
	}
	domain = json_string_value(json_object_get(body, "domain"));
	if (!(extra = json_deep_copy(body)) || json_object_del(extra, "domain"))
		goto out;
	snprintf(cmd, sizeof(cmd), "%s/create", domain);
	if (reg__helper_command(c, r, cmd, extra, &item) != HERR_OK) {
		status = r->status;
		goto out;
	}
	id = json_string_value(json_object_get(item, "id"));
	if (!id || !*id || snprintf(eid, sizeof(eid), "%s.%s", domain, id) >= (int)sizeof(eid)) {
		status = response_detail(r, 502, "Home Assistant's answer to %s has no usable id",
					 cmd);
		goto out;
	}
	t = (struct reg__helper_tx){domain, item, id};
	if ((e = db_tx(c->app->db, reg__helper_tx, &t)) != HERR_OK ||
	    (e = store_ha_registry_get(c->app->db, "helper", eid, &row)) != HERR_OK) {
		status = response_detail(r, 503, "the helper %s was created in Home Assistant but"
					 " could not be kept (%s); the next registry sync keeps it",
					 eid, herr_str(e));
		goto out;
	}
	ctx_changed(c, json_integer_value(json_object_get(row, "id")), NULL, NULL);
	status = ctx_reply(r, 201, row);
	row = NULL;
out:
	json_decref(row);
	json_decref(item);
	json_decref(extra);
	json_decref(errs);
	json_decref(body);
	return status;
}

int h_registry_helpers_delete(struct ctx *c, struct response *r)
{
	char domain[64], id[HA_ID_MAX + 1], cmd[80], key[80];
	struct reg__helper_tx t;
	json_t *extra = NULL, *result = NULL;
	enum herr e;
	int status = resource_start(r);

	if (route_capture(c->m, "domain", domain, sizeof(domain)) != 0 ||
	    !ha_helper_domain(domain)) {
		static const char *const at_path[] = {"path", NULL};
		json_t *errs = json_array();

		if (errs)
			verr_enum(errs, at_path, "domain", ha_helper_domains);
		return ctx_invalid(r, errs);
	}
	if (route_capture(c->m, "id", id, sizeof(id)) != 0 || !id[0])
		return response_detail(r, 422, "a helper's id is 1 to %d characters", HA_ID_MAX);
	if (!ha_configured(c->app->cfg))
		return response_detail(r, 503, "%s", reg_not_configured);
	snprintf(cmd, sizeof(cmd), "%s/delete", domain);
	snprintf(key, sizeof(key), "%s_id", domain);
	if (!(extra = json_pack("{s:s}", key, id)))
		goto out;
	if (reg__helper_command(c, r, cmd, extra, &result) != HERR_OK) {
		status = r->status;
		goto out;
	}
	t = (struct reg__helper_tx){domain, NULL, id};
	if ((e = db_tx(c->app->db, reg__helper_tx, &t)) != HERR_OK) {
		status = response_detail(r, 503, "the helper %s.%s was deleted in Home Assistant,"
					 " but Hearth's copy could not be removed (%s); the next"
					 " registry sync marks it missing", domain, id, herr_str(e));
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%.31s", id);
	status = ctx_reply(r, 204, NULL);
out:
	json_decref(result);
	json_decref(extra);
	return status;
}
