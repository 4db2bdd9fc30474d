/*
 * /api/v1/rooms: the physical spaces of the home.  Sensors and rule
 * contexts refer to them, so a room with sensors cannot be deleted.
 */
#include <inttypes.h>
#include <stdio.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "store/store.h"

const struct vfield room_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"description", V_STRING, V_NULLABLE, 0, 2000, NULL},
};
const size_t room_fields_count = sizeof(room_fields) / sizeof(room_fields[0]);

static const char *rooms__str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static enum herr rooms__list(struct ctx *c, const void *filter, const struct page *pg,
			     json_t *items, bool *has_more)
{
	return store_rooms_list(c->app->db, pg, items, has_more);
}

static enum herr rooms__get(struct ctx *c, const struct resource_key *k, bool lock,
			    json_t **out)
{
	return store_rooms_get(c->app->db, k->id, lock, out);
}

static enum herr rooms__create(struct ctx *c, const struct resource_key *k, const json_t *obj,
			       json_t **out)
{
	return store_rooms_create(c->app->db, rooms__str(obj, "name"),
				  rooms__str(obj, "description"), out);
}

static enum herr rooms__update(struct ctx *c, const struct resource_key *k, const json_t *obj,
			       json_t **out)
{
	return store_rooms_update(c->app->db, k->id, rooms__str(obj, "name"),
				  rooms__str(obj, "description"), out);
}

static enum herr rooms__remove(struct ctx *c, const struct resource_key *k, int64_t *sensors)
{
	return store_rooms_delete(c->app->db, k->id, sensors);
}

static int rooms__conflict(struct response *r, const struct resource_key *k, const json_t *obj)
{
	return response_detail(r, 409, "a room named '%s' already exists", rooms__str(obj, "name"));
}

static int rooms__in_use(struct response *r, const struct resource_key *k, int64_t sensors)
{
	return response_detail(r, 409, "room %" PRId64 " still has %" PRId64 " sensor%s; "
			       "move or delete %s first", k->id, sensors, sensors == 1 ? "" : "s",
			       sensors == 1 ? "it" : "them");
}

static const struct resource rooms = {
	.name = "room",
	.plural = "rooms",
	.scope = "rooms",
	.cache_ns = CACHE_NS_ROOMS,
	.stale = {CACHE_NS_ROOMS, NULL},
	.fields = room_fields,
	.nfields = sizeof(room_fields) / sizeof(room_fields[0]),
	.list = rooms__list,
	.get = rooms__get,
	.create = rooms__create,
	.update = rooms__update,
	.remove = rooms__remove,
	.conflict = rooms__conflict,
	.in_use = rooms__in_use,
};

int h_rooms_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &rooms);
}

int h_rooms_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &rooms);
}

int h_rooms_create(struct ctx *c, struct response *r)
{
	return h_resource_create(c, r, &rooms);
}

int h_rooms_update(struct ctx *c, struct response *r)
{
	return h_resource_update(c, r, &rooms);
}

int h_rooms_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &rooms);
}
