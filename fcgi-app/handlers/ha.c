/*
 * /api/v1/ha: Home Assistant syncs on demand (the same as hearth-ha-sync
 * runs from cron).  HA is read over its WebSocket API (ha/source_ws.h); the
 * sync itself is lib/ha/sync.c, which commits its own units, so these
 * routes own their transactions (ROUTE_OWN_TX) and the audit row follows.
 *
 * HA down, refusing the token or answering badly is HA's failure, not the
 * client's: 502, or 504 when it did not answer in time; the synced data
 * stays as it was.  Not configured: 503 with what to set.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "ha/source_ws.h"
#include "ha/sync.h"
#include "net/ha.h"
#include "resource.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "validate.h"
#include "store/ha.h"

/* The reply to a sync that did not complete: why empty is Hearth's own
 * failure (the database: 503), else HA's (502, 504) or a running sync's. */
static int ha__failed(struct response *r, enum herr e, const char *why)
{
	if (!why[0])
		return response_error(r, e, "Home Assistant sync");
	switch (e) {
	case HERR_CONFLICT:
		return response_detail(r, 409, "%s", why);
	case HERR_UNAVAILABLE:
		return response_detail(r, strstr(why, "timed out") ? 504 : 502, "%s", why);
	case HERR_INVALID:
		return response_detail(r, 502, "%s", why);
	default:
		return response_error(r, e, "Home Assistant sync");
	}
}

/* A sync takes no options: a body, if any, must be {} (422 otherwise, as
 * a misspelt option must not pass for one that was heard).  0, or -1 with
 * r set. */
static int ha__no_options(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array();
	int bad = -1;

	if (!body || !errs)
		resource_start(r);
	else if (validate_object(body, at_body, NULL, 0, true, errs) > 0)
		ctx_invalid(r, json_incref(errs));
	else
		bad = 0;
	json_decref(errs);
	json_decref(body);
	return bad;
}

typedef enum herr (*ha__sync_fn)(struct db *db, const struct ha_source *src,
				  const char *trigger, int64_t *run_id, struct ha_counts *counts,
				  char *why, size_t whylen);

static int ha__sync(struct ctx *c, struct response *r, ha__sync_fn sync)
{
	struct ha_source_ws src;
	struct ha_counts counts;
	json_t *run = NULL;
	int64_t run_id = 0;
	char why[512];
	enum herr e;

	if (ha__no_options(c, r) != 0)
		return r->status;
	if (!ha_configured(c->app->cfg))
		return response_detail(r, 503, "Home Assistant is not configured"
					       " ([homeassistant] url and token)");
	ha_source_ws_init(&src, c->app->cfg);
	e = sync(c->app->db, &src.source, "api", &run_id, &counts, why, sizeof(why));
	ha_source_ws_close(&src);
	if (e != HERR_OK)
		return ha__failed(r, e, why);
	/* The registry is in no cached list; rooms and sensors are. */
	if (sync == ha_sync_registry)
		ctx_changed(c, run_id, NULL, NULL);
	else
		ctx_changed(c, run_id, CACHE_NS_ROOMS, CACHE_NS_SENSORS);
	if ((e = store_ha_sync_get(c->app->db, run_id, &run)) != HERR_OK)
		return response_error(r, e, "sync run");
	return ctx_reply(r, 200, run);
}

int h_ha_sync_rooms(struct ctx *c, struct response *r)
{
	return ha__sync(c, r, ha_sync_rooms);
}

int h_ha_sync_sensors(struct ctx *c, struct response *r)
{
	return ha__sync(c, r, ha_sync_sensors);
}

int h_ha_sync_entities(struct ctx *c, struct response *r)
{
	return ha__sync(c, r, ha_sync_entities);
}

int h_registry_sync(struct ctx *c, struct response *r)
{
	return ha__sync(c, r, ha_sync_registry);
}

/* ---------------------------------------------------------------- entities */

static enum herr ha__entities_list(struct ctx *c, const void *filter, const struct page *pg,
				   json_t *items, bool *has_more)
{
	return store_ha_entities_list(c->app->db, filter, pg, items, has_more);
}

/* HA's entities as the last entities sync kept them (and the bridge keeps
 * their states); changed in HA, never here. */
static const struct resource ha_entities = {
	.name = "entity",
	.plural = "entities",
	.list = ha__entities_list,
};

int h_entities_list(struct ctx *c, struct response *r)
{
	static const char *const at_query[] = {"query", NULL};
	const char *query = c->req && c->req->query ? c->req->query : "";
	struct ha_entity_filter f = {NULL, NULL};
	char domain[64], area[HA_ID_MAX + 1], scope[64 + sizeof(area)];
	json_t *errs = json_array();
	int k;

	if ((k = query_get(query, "domain", domain, sizeof(domain))) > 0 && domain[0])
		f.domain = domain;
	else if (k < 0)
		verr_add(errs, at_query, "domain", "string_too_long", "Input is too long");
	if ((k = query_get(query, "area", area, sizeof(area))) > 0 && area[0])
		f.area_id = area;
	else if (k < 0)
		verr_add(errs, at_query, "area", "string_too_long", "Input is too long");
	snprintf(scope, sizeof(scope), "entities:%s;%s", f.domain ? f.domain : "",
		 f.area_id ? f.area_id : "");
	return resource_list_filtered(c, r, &ha_entities, scope, errs, &f);
}

int h_entities_get(struct ctx *c, struct response *r)
{
	char id[HA_ID_MAX + 1];
	json_t *e = NULL;
	enum herr rc;

	if (route_capture(c->m, "entity_id", id, sizeof(id)) != 0 || !ha_entity_id_valid(id))
		return response_detail(r, 422, "an entity id is <domain>.<object_id>, lowercase");
	if ((rc = store_ha_entity_get(c->app->db, id, &e)) == HERR_NOT_FOUND)
		return response_detail(r, 404, "entity %s not found", id);
	if (rc != HERR_OK)
		return response_error(r, rc, "entity");
	return ctx_reply(r, 200, e);
}

/* ---------------------------------------------------------------- runs */

static const char *const ha_sync_kinds[] = {"rooms", "sensors", "entities", "registry", NULL};

static enum herr ha__runs_list(struct ctx *c, const void *kind, const struct page *pg,
			       json_t *items, bool *has_more)
{
	return store_ha_sync_list(c->app->db, kind, pg, items, has_more);
}

static enum herr ha__runs_get(struct ctx *c, const struct resource_key *k, bool lock,
			      json_t **out)
{
	(void)lock;
	return store_ha_sync_get(c->app->db, k->id, out);
}

/* Made by the syncs alone, read here. */
static const struct resource ha_runs = {
	.name = "sync run",
	.plural = "sync runs",
	.newest_first = true,
	.list = ha__runs_list,
	.get = ha__runs_get,
};

int h_ha_sync_runs_list(struct ctx *c, struct response *r)
{
	const char *kind = NULL;
	char scope[48];
	json_t *errs = json_array();

	ctx_query_enum(c, "kind", ha_sync_kinds, &kind, errs);
	snprintf(scope, sizeof(scope), "ha-sync-runs:%s", kind ? kind : "");
	return resource_list_filtered(c, r, &ha_runs, scope, errs, kind);
}

int h_ha_sync_runs_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &ha_runs);
}
