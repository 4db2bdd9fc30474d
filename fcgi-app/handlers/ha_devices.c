/*
 * /api/v1/areas and /api/v1/devices: Home Assistant's areas and devices as
 * the syncs keep them (read here, changed in HA), and /devices/aliases:
 * the names the household gives to devices on its network, by MAC address.
 * An alias names the HA device holding that MAC wherever it is shown, and
 * a MAC no HA device has (a phone on the Wi-Fi) all the same.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "ha/map.h"
#include "mac.h"
#include "query.h"
#include "request.h"
#include "resource.h"
#include "response.h"
#include "router.h"
#include "store/ha_devices.h"

/* The string id capture name of the path names (an HA area or device id):
 * 0, or -1 with a 422 set. */
static int ha_devices__path(struct ctx *c, struct response *r, const char *name, char *id,
			    size_t size)
{
	if (route_capture(c->m, name, id, size) != 0 || !id[0])
		return response_detail(r, 422, "%s is 1 to %zu characters", name, size - 1), -1;
	return 0;
}

/* ---------------------------------------------------------------- areas */

static enum herr areas__list(struct ctx *c, const void *filter, const struct page *pg,
			     json_t *items, bool *has_more)
{
	(void)filter;
	return store_ha_areas_list(c->app->db, pg, items, has_more);
}

static const struct resource ha_areas = {
	.name = "area",
	.plural = "areas",
	.scope = "areas",
	.list = areas__list,
};

int h_areas_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &ha_areas);
}

int h_areas_get(struct ctx *c, struct response *r)
{
	char id[HA_ID_MAX + 1];
	json_t *area = NULL;
	enum herr e;

	if (ha_devices__path(c, r, "area_id", id, sizeof(id)) != 0)
		return r->status;
	if ((e = store_ha_area_get(c->app->db, id, &area)) == HERR_NOT_FOUND) {
		json_decref(area);
		return response_detail(r, 404, "area %s not found", id);
	}
	if (e != HERR_OK) {
		json_decref(area);
		return response_error(r, e, "area");
	}
	return ctx_reply(r, 200, area);
}

/* ---------------------------------------------------------------- devices */

static enum herr devices__list(struct ctx *c, const void *area_id, const struct page *pg,
			       json_t *items, bool *has_more)
{
	return store_ha_devices_list(c->app->db, area_id, pg, items, has_more);
}

static const struct resource ha_devices = {
	.name = "device",
	.plural = "devices",
	.list = devices__list,
};

int h_devices_list(struct ctx *c, struct response *r)
{
	static const char *const at_query[] = {"query", NULL};
	const char *query = c->req && c->req->query ? c->req->query : "";
	char area[HA_ID_MAX + 1], scope[16 + sizeof(area)];
	json_t *errs = json_array();
	int k;

	if ((k = query_get(query, "area", area, sizeof(area))) < 0)
		verr_add(errs, at_query, "area", "string_too_long", "Input is too long");
	if (k <= 0)
		area[0] = '\0';
	snprintf(scope, sizeof(scope), "devices:%s", area);
	return resource_list_filtered(c, r, &ha_devices, scope, errs, area[0] ? area : NULL);
}

int h_devices_get(struct ctx *c, struct response *r)
{
	char id[HA_ID_MAX + 1];
	json_t *device = NULL;
	enum herr e;

	if (ha_devices__path(c, r, "device_id", id, sizeof(id)) != 0)
		return r->status;
	if ((e = store_ha_device_get(c->app->db, id, &device)) == HERR_NOT_FOUND) {
		json_decref(device);
		return response_detail(r, 404, "device %s not found", id);
	}
	if (e != HERR_OK) {
		json_decref(device);
		return response_error(r, e, "device");
	}
	return ctx_reply(r, 200, device);
}

/* ---------------------------------------------------------------- aliases */

#define ALIAS_MAX 128

static const struct vfield alias_fields[] = {
	{"alias", V_STRING, V_REQUIRED | V_NONEMPTY, 1, ALIAS_MAX, NULL},
};

static enum herr aliases__list(struct ctx *c, const void *filter, const struct page *pg,
			       json_t *items, bool *has_more)
{
	(void)filter;
	return store_device_aliases_list(c->app->db, pg, items, has_more);
}

static const struct resource device_aliases = {
	.name = "device alias",
	.plural = "device aliases",
	.scope = "device-aliases",
	.list = aliases__list,
};

int h_device_aliases_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &device_aliases);
}

/* The path's MAC, in the kept form: 0, or -1 with a 422 set. */
static int aliases__mac(struct ctx *c, struct response *r, char mac[MAC_TEXT_LEN + 1])
{
	char raw[64];

	if (route_capture(c->m, "mac", raw, sizeof(raw)) != 0 || !mac_normalize(raw, mac))
		return response_detail(r, 422, "a MAC address is six hex pairs,"
					       " as aa:bb:cc:dd:ee:ff"), -1;
	return 0;
}

/* PUT: 201 for a new alias, 200 for a renamed one, with the alias. */
int h_device_aliases_put(struct ctx *c, struct response *r)
{
	char mac[MAC_TEXT_LEN + 1];
	json_t *body, *errs, *alias = NULL;
	bool created = false;
	enum herr e;
	int status;

	if (aliases__mac(c, r, mac) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	if (validate_object(body, at_body, alias_fields, 1, false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	e = store_device_alias_put(c->app->db, mac,
				   json_string_value(json_object_get(body, "alias")), &created);
	if (e == HERR_OK)
		e = store_device_alias_get(c->app->db, mac, &alias);
	if (e != HERR_OK) {
		status = response_error(r, e, "device alias");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%s", mac);
	status = ctx_reply(r, created ? 201 : 200, alias);
	alias = NULL;
out:
	json_decref(alias);
	json_decref(errs);
	json_decref(body);
	return status;
}

int h_device_aliases_delete(struct ctx *c, struct response *r)
{
	char mac[MAC_TEXT_LEN + 1];
	enum herr e;

	if (aliases__mac(c, r, mac) != 0)
		return r->status;
	if ((e = store_device_alias_delete(c->app->db, mac)) == HERR_NOT_FOUND)
		return response_detail(r, 404, "no alias for %s", mac);
	if (e != HERR_OK)
		return response_error(r, e, "device alias");
	snprintf(c->object_id, sizeof(c->object_id), "%s", mac);
	return ctx_reply(r, 204, NULL);
}
