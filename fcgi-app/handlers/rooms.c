/*
 * /api/v1/rooms: the physical spaces of the home.  Sensors and rule
 * contexts refer to them, so a room with sensors cannot be deleted.
 */
#include <inttypes.h>
#include <stdio.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "response.h"
#include "store/store.h"

#define ROOMS_SCOPE "rooms"

const struct vfield room_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"description", V_STRING, V_NULLABLE, 0, 2000, NULL},
};
const size_t room_fields_count = sizeof(room_fields) / sizeof(room_fields[0]);

/* 404 with the id, or whatever else e means. */
static int rooms__error(struct response *r, enum herr e, int64_t id)
{
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "room %" PRId64 " not found", id);
	return response_error(r, e, "room");
}

static int rooms__changed(struct ctx *c, struct response *r, int status, json_t *room)
{
	ctx_changed(c, json_integer_value(json_object_get(room, "id")), CACHE_NS_ROOMS, NULL);
	return ctx_reply(r, status, room);
}

int h_rooms_list(struct ctx *c, struct response *r)
{
	struct list_cache lc;
	struct page pg;
	json_t *errs = json_array(), *items = json_array();
	bool has_more = false;
	enum herr e;
	int status;

	if (!errs || !items) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	ctx_page(c, ROOMS_SCOPE, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (ctx_list_cached(c, r, CACHE_NS_ROOMS, &lc)) {
		status = r->status;
		goto out;
	}
	e = store_rooms_list(c->app->db, &pg, items, &has_more);
	if (e != HERR_OK) {
		status = response_error(r, e, "rooms");
		goto out;
	}
	status = ctx_list_reply(c, r, ROOMS_SCOPE, &pg, items, has_more);
	ctx_list_cache_fill(c, r, &lc);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_rooms_get(struct ctx *c, struct response *r)
{
	int64_t id;
	json_t *room = NULL;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_rooms_get(c->app->db, id, false, &room);
	if (e != HERR_OK)
		return rooms__error(r, e, id);
	return ctx_reply(r, 200, room);
}

int h_rooms_create(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *room = NULL;
	const char *name;
	enum herr e;
	int status;

	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (validate_object(body, at_body, room_fields, room_fields_count, false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	name = json_string_value(json_object_get(body, "name"));
	e = store_rooms_create(c->app->db, name,
			       json_string_value(json_object_get(body, "description")), &room);
	if (e == HERR_CONFLICT) {
		status = response_detail(r, 409, "a room named '%s' already exists", name);
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "room");
		goto out;
	}
	status = rooms__changed(c, r, 201, room);
out:
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_rooms_update(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *current = NULL, *merged = NULL, *room = NULL;
	const char *name;
	int64_t id;
	enum herr e;
	int status;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}

	/* Locked, so the fields not given are kept as they are now. */
	e = store_rooms_get(c->app->db, id, true, &current);
	if (e != HERR_OK) {
		status = rooms__error(r, e, id);
		goto out;
	}
	merged = fields_merge(current, body, room_fields, room_fields_count);
	if (!merged) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (validate_object(merged, at_body, room_fields, room_fields_count, false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	name = json_string_value(json_object_get(merged, "name"));
	e = store_rooms_update(c->app->db, id, name,
			       json_string_value(json_object_get(merged, "description")), &room);
	if (e == HERR_CONFLICT) {
		status = response_detail(r, 409, "a room named '%s' already exists", name);
		goto out;
	}
	if (e != HERR_OK) {
		status = rooms__error(r, e, id);
		goto out;
	}
	status = rooms__changed(c, r, 200, room);
out:
	json_decref(body);
	json_decref(errs);
	json_decref(current);
	json_decref(merged);
	return status;
}

int h_rooms_delete(struct ctx *c, struct response *r)
{
	int64_t id, sensors = 0;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_rooms_delete(c->app->db, id, &sensors);
	if (e == HERR_CONFLICT)
		return response_detail(r, 409, "room %" PRId64 " still has %" PRId64 " sensor%s; "
				       "move or delete %s first", id, sensors,
				       sensors == 1 ? "" : "s", sensors == 1 ? "it" : "them");
	if (e != HERR_OK)
		return rooms__error(r, e, id);
	ctx_changed(c, id, CACHE_NS_ROOMS, NULL);
	return ctx_reply(r, 204, NULL);
}
