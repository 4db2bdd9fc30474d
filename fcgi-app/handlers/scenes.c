/*
 * /api/v1/scenes: Hearth's scenes, snapshots of Home Assistant entities'
 * states (ha/scene.h) restored on demand.
 *
 *   GET    /scenes                 the scenes, with their snapshots
 *   POST   /scenes {name, entity_ids}  reads each entity's state from HA
 *                                  now and keeps what restoring needs
 *   GET    /scenes/{id}            one
 *   POST   /scenes/{id}/activate   restores each entity through HA's
 *                                  services; one failing does not stop the
 *                                  others; per entity {entity_id, ok,
 *                                  detail} and an overall status
 *   DELETE /scenes/{id}
 *
 * List, get and delete are the generic resource's; create and activate
 * talk to HA, so they keep handlers of their own (HA's failures are 502,
 * 504 and 503, not a store's) and use the descriptor for the rest.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "ha/map.h"
#include "ha/scene.h"
#include "log.h"
#include "net/ha.h"
#include "net/http.h"
#include "resource.h"
#include "response.h"
#include "store/scenes.h"

#define SCENE_NAME_MAX 128

static const struct vfield scene_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, SCENE_NAME_MAX, NULL},
};
#define SCENE_FIELDS_COUNT (sizeof(scene_fields) / sizeof(scene_fields[0]))

static enum herr scenes__list(struct ctx *c, const void *filter, const struct page *pg,
			      json_t *items, bool *has_more)
{
	(void)filter;
	return store_scenes_list(c->app->db, pg, items, has_more);
}

static enum herr scenes__get(struct ctx *c, const struct resource_key *k, bool lock,
			     json_t **out)
{
	(void)lock;
	return store_scenes_get(c->app->db, k->id, out);
}

static enum herr scenes__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	(void)count;
	return store_scenes_delete(c->app->db, k->id);
}

static int scenes__conflict(struct response *r, const struct resource_key *k, const json_t *obj)
{
	(void)k;
	return response_detail(r, 409, "a scene called \"%s\" exists already",
			       json_string_value(json_object_get(obj, "name")));
}

static const struct resource scenes = {
	.name = "scene",
	.plural = "scenes",
	.scope = "scenes",
	.fields = scene_fields,
	.nfields = SCENE_FIELDS_COUNT,
	.list = scenes__list,
	.get = scenes__get,
	.remove = scenes__remove,
	.conflict = scenes__conflict,
};

int h_scenes_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &scenes);
}

int h_scenes_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &scenes);
}

int h_scenes_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &scenes);
}

/* ---------------------------------------------------------------- create */

/* One problem at ["body", "entity_ids", idx?]. */
static void scenes__problem(json_t *errs, long idx, const char *type, const char *msg)
{
	json_t *loc = json_pack("[s, s]", "body", "entity_ids");

	if (!loc)
		return;
	if (idx >= 0)
		json_array_append_new(loc, json_integer(idx));
	json_array_append_new(errs, json_pack("{s:o, s:s, s:s}", "loc", loc, "msg", msg,
					      "type", type));
}

/* The body: name as the table says, entity_ids 1 to HA_SCENE_ENTITIES_MAX
 * distinct entity ids. */
static void scenes__check(const json_t *body, json_t *errs)
{
	json_t *rest = json_copy((json_t *)body);
	const json_t *ids = json_object_get(body, "entity_ids");
	size_t i, n = json_array_size(ids);

	if (rest) {
		json_object_del(rest, "entity_ids");
		validate_object(rest, at_body, scene_fields, SCENE_FIELDS_COUNT, false, errs);
		json_decref(rest);
	}
	if (!json_is_object(body))
		return;
	if (!ids) {
		scenes__problem(errs, -1, "missing", "Field required");
		return;
	}
	if (!json_is_array(ids) || n == 0 || n > HA_SCENE_ENTITIES_MAX) {
		scenes__problem(errs, -1, "list_type",
				"Input should be a list of 1 to 50 entity ids");
		return;
	}
	for (i = 0; i < n; i++) {
		const char *id = json_string_value(json_array_get(ids, i));

		if (!id || !ha_entity_id_valid(id)) {
			scenes__problem(errs, (long)i, "value_error",
					"An entity id is <domain>.<object_id>, lowercase");
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(ids, j), json_array_get(ids, i))) {
				scenes__problem(errs, (long)i, "value_error",
						"This entity is listed already");
				break;
			}
	}
}

/*
 * Each entity's snapshot from its state in HA now, into snaps.  0, or
 * the status set on r: 422 for an entity HA does not have or whose state
 * cannot be restored (every one named), 502/504 when HA fails.
 */
static int scenes__snapshot(struct ctx *c, struct response *r, const json_t *ids,
			    json_t *snaps)
{
	json_t *errs = json_array();
	size_t i;
	const json_t *v;

	if (!errs)
		return resource_start(r);
	json_array_foreach(ids, i, v) {
		const char *id = json_string_value(v);
		struct net_response rs;
		json_t *state = NULL, *snap;
		char why[256];
		enum herr e = ha_get_state(c->app->cfg, id, &state, &rs);

		if (e != HERR_OK && e != HERR_NOT_FOUND) {
			int status = ha_control_failed(r, e, "", rs.error);

			net_response_free(&rs);
			json_decref(errs);
			return status;
		}
		net_response_free(&rs);
		if (e == HERR_NOT_FOUND) {
			snprintf(why, sizeof(why), "Home Assistant has no entity %s", id);
			scenes__problem(errs, (long)i, "value_error", why);
			continue;
		}
		snap = ha_scene_snapshot(state, why, sizeof(why));
		json_decref(state);
		if (!snap) {
			scenes__problem(errs, (long)i, "value_error", why);
			continue;
		}
		json_array_append_new(snaps, snap);
	}
	if (json_array_size(errs) > 0)
		return ctx_invalid(r, errs);
	json_decref(errs);
	return 0;
}

int h_scenes_create(struct ctx *c, struct response *r)
{
	struct resource_key k = {0, 0};
	json_t *body = ctx_body(c), *errs = json_array(), *snaps = json_array(), *saved = NULL;
	const char *name;
	bool taken = false;
	enum herr e;
	int status = resource_start(r);

	if (!body || !errs || !snaps)
		goto out;
	scenes__check(body, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	name = json_string_value(json_object_get(body, "name"));
	/* A name taken is known before HA is asked anything. */
	if ((e = store_scenes_name_taken(c->app->db, name, &taken)) != HERR_OK) {
		status = resource_error(r, &scenes, e, &k, NULL);
		goto out;
	}
	if (taken) {
		status = scenes__conflict(r, &k, body);
		goto out;
	}
	if (!ha_configured(c->app->cfg)) {
		status = response_detail(r, 503, "Home Assistant is not configured"
						 " ([homeassistant] url and token)");
		goto out;
	}
	if ((status = scenes__snapshot(c, r, json_object_get(body, "entity_ids"), snaps)) != 0)
		goto out;
	e = store_scenes_create(c->app->db, name, snaps, &saved);
	if (e != HERR_OK) {
		status = resource_error(r, &scenes, e, &k, body);
		goto out;
	}
	ctx_changed(c, json_integer_value(json_object_get(saved, "id")), NULL, NULL);
	status = ctx_reply(r, 201, saved);
	saved = NULL;
out:
	json_decref(body);
	json_decref(errs);
	json_decref(snaps);
	json_decref(saved);
	return status;
}

/* ---------------------------------------------------------------- activate */

struct scenes_outcome {
	int64_t id;
	const char *status;
};

static enum herr scenes__record(struct db *db, void *arg)
{
	const struct scenes_outcome *o = arg;

	return store_scenes_activated(db, o->id, o->status);
}

/* The services a plan calls, "light.turn_on, ..." into buf. */
static void scenes__services(const json_t *plan, size_t n, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && i < json_array_size(plan); i++) {
		const json_t *call = json_array_get(plan, i);
		int w = snprintf(buf + used, size - used, "%s%s.%s", i ? ", " : "",
				 json_string_value(json_object_get(call, "domain")),
				 json_string_value(json_object_get(call, "service")));

		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}

int h_scenes_activate(struct ctx *c, struct response *r)
{
	struct resource_key k;
	json_t *scene = NULL, *results = NULL, *snap;
	const char *overall;
	char unreachable[NET_ERROR_MAX + 256] = "";
	enum herr e, stop = HERR_OK;
	size_t i, ok = 0, n;
	int status;

	if (resource_path(c, r, &scenes, true, &k) != 0)
		return r->status;
	if ((e = store_scenes_get(c->app->db, k.id, &scene)) != HERR_OK) {
		json_decref(scene);
		return resource_error(r, &scenes, e, &k, NULL);
	}
	status = resource_start(r);
	if (!ha_configured(c->app->cfg)) {
		status = response_detail(r, 503, "Home Assistant is not configured"
						 " ([homeassistant] url and token)");
		goto out;
	}
	if (!(results = json_array()))
		goto out;
	n = json_array_size(json_object_get(scene, "entities"));
	json_array_foreach(json_object_get(scene, "entities"), i, snap) {
		const char *id = json_string_value(json_object_get(snap, "entity_id"));
		char why[NET_ERROR_MAX + 256], detail[NET_ERROR_MAX + 512];
		json_t *plan = NULL;
		size_t done = 0;
		bool good = false;

		if (stop != HERR_OK) {
			snprintf(detail, sizeof(detail), "not attempted: %s", unreachable);
		} else if (!(plan = ha_scene_plan(snap, why, sizeof(why)))) {
			snprintf(detail, sizeof(detail), "%s", why);
		} else if ((e = ha_control_run(c, r, plan, NULL, &done, why, sizeof(why))) !=
			   HERR_OK) {
			snprintf(detail, sizeof(detail), "%s", why);
			/* HA not answering: the rest would wait as long each. */
			if (e == HERR_UNAVAILABLE || e == HERR_NOMEM) {
				stop = e;
				snprintf(unreachable, sizeof(unreachable), "%s", why);
			}
		} else {
			scenes__services(plan, done, why, sizeof(why));
			snprintf(detail, sizeof(detail), "restored: %s", why);
			good = true;
			ok++;
		}
		json_decref(plan);
		json_array_append_new(results, json_pack("{s:s?, s:b, s:s}", "entity_id", id,
							 "ok", good, "detail", detail));
	}
	overall = ok == n ? "ok" : ok > 0 ? "partial" : "failed";
	e = db_tx(c->app->db, scenes__record,
		  &(struct scenes_outcome){k.id, overall});
	if (e != HERR_OK)
		LOG(LOG_WARNING, "scene %" PRId64 ": could not record its activation: %s", k.id,
		    herr_str(e));
	if (ok == 0 && stop != HERR_OK) {
		status = ha_control_failed(r, stop, "", unreachable);
		goto out;
	}
	c->after_rollback = NULL;
	ctx_changed(c, k.id, NULL, NULL);
	status = ctx_reply(r, 200, json_pack("{s:I, s:s, s:s, s:o}", "scene_id", (json_int_t)k.id,
					     "name",
					     json_string_value(json_object_get(scene, "name")),
					     "status", overall, "results", results));
	results = NULL;
out:
	json_decref(scene);
	json_decref(results);
	return status;
}
