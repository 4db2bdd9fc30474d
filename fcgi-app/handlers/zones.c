/*
 * Zones of a camera's picture: GET/POST /cameras/{id}/zones,
 * PATCH/DELETE /zones/{id}.  A polygon is 3 to 100 points {x, y} with
 * both coordinates in 0-1; every problem is reported with its place.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "store/zones.h"

/* polygon is checked by zones__polygon: validate_object has no arrays. */
static const struct vfield zone_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"zone_type", V_STRING, V_REQUIRED, 0, 0, zone_types},
	{"enabled", V_BOOL, 0, 0, 0, NULL},
};
#define ZONE_FIELDS_COUNT (sizeof(zone_fields) / sizeof(zone_fields[0]))

/* One problem at ["body", "polygon", index?, key?]. */
static void zones__problem(json_t *errs, long idx, const char *key, const char *type,
			   const char *msg)
{
	json_t *loc = json_pack("[s, s]", "body", "polygon");

	if (!loc)
		return;
	if (idx >= 0)
		json_array_append_new(loc, json_integer(idx));
	if (key)
		json_array_append_new(loc, json_string(key));
	json_array_append_new(errs, json_pack("{s:o, s:s, s:s}", "loc", loc, "msg", msg,
					      "type", type));
}

/* Check a polygon value; problems to errs.  Returns their number. */
static size_t zones__polygon(const json_t *poly, json_t *errs)
{
	size_t n = json_array_size(poly), before = json_array_size(errs);
	const char *keys[] = {"x", "y"};

	if (!json_is_array(poly)) {
		zones__problem(errs, -1, NULL, "list_type", "Input should be a list of points");
		return 1;
	}
	if (n < ZONE_POINTS_MIN || n > ZONE_POINTS_MAX) {
		zones__problem(errs, -1, NULL, "value_error",
			       "A polygon has 3 to 100 points");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *pt = json_array_get(poly, i);

		if (!json_is_object(pt) || json_object_size(pt) != 2) {
			zones__problem(errs, (long)i, NULL, "value_error",
				       "A point is an object {\"x\": 0-1, \"y\": 0-1}");
			continue;
		}
		for (size_t k = 0; k < 2; k++) {
			const json_t *v = json_object_get(pt, keys[k]);
			double d = json_number_value(v);

			if (!json_is_number(v))
				zones__problem(errs, (long)i, keys[k], "float_type",
					       "Input should be a number");
			else if (d < 0.0 || d > 1.0)
				zones__problem(errs, (long)i, keys[k], "value_error",
					       "Input should be between 0 and 1");
		}
	}
	return json_array_size(errs) - before;
}

/*
 * Check body (partial for PATCH): the table fields of a copy without
 * polygon, then polygon itself (required unless partial).
 */
static void zones__check(const json_t *body, bool partial, json_t *errs)
{
	json_t *rest = json_copy((json_t *)body);
	const json_t *poly = json_object_get(body, "polygon");

	if (rest) {
		json_object_del(rest, "polygon");
		validate_object(rest, at_body, zone_fields, ZONE_FIELDS_COUNT, partial, errs);
		json_decref(rest);
	}
	if (poly)
		zones__polygon(poly, errs);
	else if (!partial)
		zones__problem(errs, -1, NULL, "missing", "Field required");
}

/* The store's fields from a checked, whole zone object; *poly_json malloc'd. */
static int zones__fields(const json_t *z, struct zone_fields *f, char **poly_json)
{
	const json_t *enabled = json_object_get(z, "enabled");

	f->name = json_string_value(json_object_get(z, "name"));
	f->zone_type = json_string_value(json_object_get(z, "zone_type"));
	f->enabled = json_is_boolean(enabled) ? json_is_true(enabled) : true;
	*poly_json = json_dumps(json_object_get(z, "polygon"), JSON_COMPACT);
	f->polygon_json = *poly_json;
	return *poly_json ? 0 : -1;
}

static int zones__reply(struct ctx *c, struct response *r, int status, int64_t id)
{
	json_t *z = NULL;
	enum herr e = store_zones_get(c->app->db, id, &z);

	if (e != HERR_OK)
		return response_error(r, e, "zone");
	ctx_changed(c, id, NULL, NULL);
	return ctx_reply(r, status, z);
}

static enum herr zones__list(struct ctx *c, int64_t camera_id, json_t *items)
{
	return store_zones_list(c->app->db, camera_id, items);
}

static enum herr zones__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	return store_zones_delete(c->app->db, k->id);
}

/*
 * A zone has two addresses: under its camera (list, create) and on its
 * own (update, delete).  Its changes are audited as the zone's, and an
 * update checks only what it is given, so create and update keep
 * handlers of their own.
 */
static const struct resource camera_zones = {
	.name = "zone",
	.plural = "zones",
	.parent = &cameras_resource,
	.list_all = zones__list,
};

static const struct resource zones = {
	.name = "zone",
	.plural = "zones",
	.remove = zones__remove,
};

int h_zones_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &camera_zones);
}

int h_zones_create(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL;
	struct resource_key k;
	struct zone_fields f;
	char *poly_json = NULL;
	int64_t zone_id = 0;
	enum herr e;
	int status;

	if (resource_path(c, r, &camera_zones, false, &k) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	zones__check(body, false, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (zones__fields(body, &f, &poly_json) != 0)
		goto out;
	e = store_zones_create(c->app->db, k.parent, &f, &zone_id);
	if (e != HERR_OK) {
		status = response_error(r, e, "zone");
		goto out;
	}
	status = zones__reply(c, r, 201, zone_id);
out:
	free(poly_json);
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_zones_update(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *cur = NULL;
	struct resource_key k;
	struct zone_fields f;
	char *poly_json = NULL;
	const char *key;
	json_t *v;
	enum herr e;
	int status;

	if (resource_path(c, r, &zones, true, &k) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	e = store_zones_get(c->app->db, k.id, &cur);
	if (e != HERR_OK) {
		status = resource_error(r, &zones, e, &k, NULL);
		goto out;
	}
	zones__check(body, true, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	json_object_foreach(body, key, v)
		json_object_set(cur, key, v);
	if (zones__fields(cur, &f, &poly_json) != 0)
		goto out;
	e = store_zones_update(c->app->db, k.id, &f);
	if (e != HERR_OK) {
		status = resource_error(r, &zones, e, &k, NULL);
		goto out;
	}
	status = zones__reply(c, r, 200, k.id);
out:
	free(poly_json);
	json_decref(body);
	json_decref(errs);
	json_decref(cur);
	return status;
}

int h_zones_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &zones);
}
