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

int resource_start(struct response *r)
{
	return response_detail(r, 500, "out of memory");
}

int resource_error(struct response *r, const struct resource *res, enum herr e,
		   const struct resource_key *k, const json_t *obj)
{
	switch (e) {
	case HERR_NOT_FOUND:
		if (res->parent && k->id > 0)
			return response_detail(r, 404, "%s %" PRId64 " not found in %s %" PRId64,
					       res->name, k->id, res->parent->name, k->parent);
		/* Nothing of its own yet: what went is the parent. */
		if (res->parent)
			return resource_error(r, res->parent, e,
					      &(const struct resource_key){0, k->parent}, NULL);
		if (k->id > 0)
			return response_detail(r, 404, "%s %" PRId64 " not found", res->name,
					       k->id);
		break;
	case HERR_CONFLICT:
		if (obj && res->conflict)
			return res->conflict(r, k, obj);
		break;
	case HERR_INVALID:
		if (obj && res->invalid)
			return res->invalid(r, obj);
		break;
	case HERR_NOMEM:
		return resource_start(r);
	default:
		break;
	}
	return response_error(r, e, res->name);
}

int resource_path(struct ctx *c, struct response *r, const struct resource *res, bool want_id,
		  struct resource_key *k)
{
	struct resource_key pk = {0, 0};
	json_t *parent = NULL;
	enum herr e;

	k->parent = 0;
	k->id = 0;
	if (!res->parent)
		return want_id ? ctx_path_id(c, r, "id", &k->id) : 0;
	if (ctx_path_id(c, r, "id", &pk.id) != 0)
		return -1;
	e = res->parent->get(c, &pk, false, &parent);
	json_decref(parent);
	if (e != HERR_OK) {
		resource_error(r, res->parent, e, &pk, NULL);
		return -1;
	}
	k->parent = pk.id;
	return want_id ? ctx_path_id(c, r, res->id_name, &k->id) : 0;
}

static enum herr resource__check(struct ctx *c, const struct resource *res,
				 const struct resource_key *k, const json_t *obj, json_t *errs)
{
	if (res->check)
		return res->check(c, k, obj, errs);
	validate_object(obj, at_body, res->fields, res->nfields, false, errs);
	return HERR_OK;
}

/* Record a change for the audit row and the cache: a nested object's
 * change is its parent's. */
static void resource__changed(struct ctx *c, const struct resource *res, int64_t parent,
			      int64_t id)
{
	ctx_changed(c, res->parent ? parent : id, res->stale[0], res->stale[1]);
}

/*
 * Check obj (a create body, or an update's merge), hand it to the store
 * (create while k has no id yet, else update) and reply with what was
 * saved: 201 or 200.  errs (empty) is consumed.
 */
static int resource__save(struct ctx *c, struct response *r, const struct resource *res,
			  const struct resource_key *k, const json_t *obj, json_t *errs)
{
	json_t *saved = NULL;
	enum herr e = resource__check(c, res, k, obj, errs);

	if (e != HERR_OK) {
		json_decref(errs);
		return response_error(r, e, res->name);
	}
	if (json_array_size(errs) > 0)
		return ctx_invalid(r, errs);
	json_decref(errs);
	e = k->id ? res->update(c, k, obj, &saved) : res->create(c, k, obj, &saved);
	if (e != HERR_OK) {
		json_decref(saved);
		return resource_error(r, res, e, k, obj);
	}
	if (saved && res->shown)
		res->shown(saved);
	resource__changed(c, res, k->parent, json_integer_value(json_object_get(saved, "id")));
	return ctx_reply(r, k->id ? 200 : 201, saved);
}

int resource_list_filtered(struct ctx *c, struct response *r, const struct resource *res,
			   const char *scope, json_t *errs, const void *filter)
{
	json_t *items = json_array();
	struct list_cache lc;
	struct page pg;
	bool has_more = false;
	enum herr e;
	int status = resource_start(r);

	if (!errs || !items)
		goto out;
	if (res->newest_first)
		ctx_page_desc(c, scope, &pg, errs);
	else
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
	if (res->newest_first)
		status = ctx_list_reply_desc(c, r, scope, &pg, items, has_more);
	else
		status = ctx_list_reply(c, r, scope, &pg, items, has_more);
	items = NULL;
	if (res->cache_ns)
		ctx_list_cache_fill(c, r, &lc);
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

/* A nested resource's list: all of the parent's, {"items": [...]}. */
static int resource__list_all(struct ctx *c, struct response *r, const struct resource *res)
{
	struct resource_key k;
	json_t *items = NULL;
	enum herr e;

	if (resource_path(c, r, res, false, &k) != 0)
		return r->status;
	if (!(items = json_array()))
		return resource_start(r);
	e = res->list_all(c, k.parent, items);
	if (e != HERR_OK) {
		json_decref(items);
		return response_error(r, e, res->plural);
	}
	return ctx_reply(r, 200, json_pack("{s:o}", "items", items));
}

int h_resource_list(struct ctx *c, struct response *r, const struct resource *res)
{
	if (res->parent)
		return resource__list_all(c, r, res);
	return resource_list_filtered(c, r, res, res->scope, json_array(), NULL);
}

int h_resource_get(struct ctx *c, struct response *r, const struct resource *res)
{
	struct resource_key k;
	json_t *obj = NULL;
	enum herr e;

	if (resource_path(c, r, res, true, &k) != 0)
		return r->status;
	e = res->detail ? res->detail(c, &k, &obj) : res->get(c, &k, false, &obj);
	if (e != HERR_OK) {
		json_decref(obj);
		return resource_error(r, res, e, &k, NULL);
	}
	if (res->shown)
		res->shown(obj);
	return ctx_reply(r, 200, obj);
}

int h_resource_create(struct ctx *c, struct response *r, const struct resource *res)
{
	json_t *body = NULL, *errs = NULL;
	struct resource_key k;
	int status;

	if (resource_path(c, r, res, false, &k) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	status = resource__save(c, r, res, &k, body, errs);
	errs = NULL;
out:
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_resource_update(struct ctx *c, struct response *r, const struct resource *res)
{
	json_t *body = NULL, *errs = NULL, *current = NULL, *merged = NULL;
	struct resource_key k;
	enum herr e;
	int status;

	if (resource_path(c, r, res, true, &k) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;

	/* Locked, so the fields not given are kept as they are now. */
	e = res->get(c, &k, true, &current);
	if (e != HERR_OK) {
		status = resource_error(r, res, e, &k, NULL);
		goto out;
	}
	merged = fields_merge(current, body, res->fields, res->nfields);
	if (!merged)
		goto out;
	if (res->merged)
		res->merged(current, merged);
	status = resource__save(c, r, res, &k, merged, errs);
	errs = NULL;
out:
	json_decref(body);
	json_decref(errs);
	json_decref(current);
	json_decref(merged);
	return status;
}

int h_resource_delete(struct ctx *c, struct response *r, const struct resource *res)
{
	struct resource_key k;
	int64_t count = 0;
	enum herr e;

	if (resource_path(c, r, res, true, &k) != 0)
		return r->status;
	e = res->remove(c, &k, &count);
	if (e == HERR_CONFLICT && res->in_use)
		return res->in_use(r, &k, count);
	if (e != HERR_OK)
		return resource_error(r, res, e, &k, NULL);
	resource__changed(c, res, k.parent, k.id);
	return ctx_reply(r, 204, NULL);
}
