/*
 * The generic handlers of resource.h: the one skeleton every resource's
 * list, get, create, update and delete follow, driven by its descriptor.
 */
#include <inttypes.h>

#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "store/store.h"

/*
 * Where every handler here starts: what an allocation failure on the way
 * answers.  Whatever the handler learns later replaces it.
 */
static int resource__start(struct response *r)
{
	return response_detail(r, 500, "out of memory");
}

int resource_error(struct response *r, const struct resource *res, enum herr e, int64_t id,
		   const json_t *obj)
{
	switch (e) {
	case HERR_NOT_FOUND:
		if (id > 0)
			return response_detail(r, 404, "%s %" PRId64 " not found", res->name, id);
		break;
	case HERR_CONFLICT:
		if (obj && res->conflict)
			return res->conflict(r, id, obj);
		break;
	case HERR_INVALID:
		if (obj && res->invalid)
			return res->invalid(r, obj);
		break;
	case HERR_NOMEM:
		return resource__start(r);
	default:
		break;
	}
	return response_error(r, e, res->name);
}

static size_t resource__check(struct ctx *c, const struct resource *res, const json_t *obj,
			      json_t *errs)
{
	if (res->check)
		return res->check(c, obj, errs);
	return validate_object(obj, at_body, res->fields, res->nfields, false, errs);
}

/* Reply with a created or changed object (consumed), which the audit row
 * names, and make the resource's cached lists stale. */
static int resource__changed(struct ctx *c, struct response *r, const struct resource *res,
			     int status, json_t *obj)
{
	if (obj && res->shown)
		res->shown(obj);
	ctx_changed(c, json_integer_value(json_object_get(obj, "id")), res->stale[0],
		    res->stale[1]);
	return ctx_reply(r, status, obj);
}

int resource_list_filtered(struct ctx *c, struct response *r, const struct resource *res,
			   const char *scope, json_t *errs, const void *filter)
{
	json_t *items = json_array();
	struct list_cache lc;
	struct page pg;
	bool has_more = false;
	enum herr e;
	int status = resource__start(r);

	if (!errs || !items)
		goto out;
	ctx_page(c, scope, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (res->cache_ns && ctx_list_cached(c, r, res->cache_ns, &lc)) {
		status = r->status;
		goto out;
	}
	e = res->list(c, filter, &pg, items, &has_more);
	if (e != HERR_OK) {
		status = response_error(r, e, res->plural);
		goto out;
	}
	if (res->shown)
		for (size_t i = 0; i < json_array_size(items); i++)
			res->shown(json_array_get(items, i));
	status = ctx_list_reply(c, r, scope, &pg, items, has_more);
	items = NULL;
	if (res->cache_ns)
		ctx_list_cache_fill(c, r, &lc);
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_resource_list(struct ctx *c, struct response *r, const struct resource *res)
{
	return resource_list_filtered(c, r, res, res->scope, json_array(), NULL);
}

int h_resource_get(struct ctx *c, struct response *r, const struct resource *res)
{
	json_t *obj = NULL;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = res->detail ? res->detail(c, id, &obj) : res->get(c, id, false, &obj);
	if (e != HERR_OK) {
		json_decref(obj);
		return resource_error(r, res, e, id, NULL);
	}
	if (res->shown)
		res->shown(obj);
	return ctx_reply(r, 200, obj);
}

int h_resource_create(struct ctx *c, struct response *r, const struct resource *res)
{
	json_t *body = ctx_body(c), *errs = json_array(), *obj = NULL;
	enum herr e;
	int status = resource__start(r);

	if (!body || !errs)
		goto out;
	if (resource__check(c, res, body, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	e = res->create(c, body, &obj);
	if (e != HERR_OK) {
		json_decref(obj);
		status = resource_error(r, res, e, 0, body);
		goto out;
	}
	status = resource__changed(c, r, res, 201, obj);
out:
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_resource_update(struct ctx *c, struct response *r, const struct resource *res)
{
	json_t *body = NULL, *errs = NULL, *current = NULL, *merged = NULL, *obj = NULL;
	int64_t id;
	enum herr e;
	int status;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	status = resource__start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;

	/* Locked, so the fields not given are kept as they are now. */
	e = res->get(c, id, true, &current);
	if (e != HERR_OK) {
		status = resource_error(r, res, e, id, NULL);
		goto out;
	}
	merged = fields_merge(current, body, res->fields, res->nfields);
	if (!merged)
		goto out;
	if (res->merged)
		res->merged(current, merged);
	if (resource__check(c, res, merged, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	e = res->update(c, id, merged, &obj);
	if (e != HERR_OK) {
		json_decref(obj);
		status = resource_error(r, res, e, id, merged);
		goto out;
	}
	status = resource__changed(c, r, res, 200, obj);
out:
	json_decref(body);
	json_decref(errs);
	json_decref(current);
	json_decref(merged);
	return status;
}

int h_resource_delete(struct ctx *c, struct response *r, const struct resource *res)
{
	int64_t id, count = 0;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = res->remove(c, id, &count);
	if (e == HERR_CONFLICT && res->in_use)
		return res->in_use(r, id, count);
	if (e != HERR_OK)
		return resource_error(r, res, e, id, NULL);
	ctx_changed(c, id, res->stale[0], res->stale[1]);
	return ctx_reply(r, 204, NULL);
}
