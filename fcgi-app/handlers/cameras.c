/*
 * /api/v1/cameras: a camera is a sensor of type camera plus its status
 * row (lib/store/cameras.h).  URLs are checked against the outbound policy
 * when saved; their credentials are never shown (the store gives them as
 * stored; every camera replied passes through camera_json_redact), and a
 * URL sent back with "***" in their place keeps the stored ones
 * (media/grab.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "media/grab.h"
#include "net/http.h"
#include "response.h"
#include "store/cameras.h"
#include "store/store.h"

static const char *const camera_statuses[] = {"online", "offline", "error", NULL};

static const struct vfield camera_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"room_id", V_ID, V_NULLABLE, 0, 0, NULL},
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"snapshot_url", V_STRING, V_NULLABLE, 1, CAMERA_URL_MAX, NULL},
	{"stream_url", V_STRING, V_NULLABLE, 1, CAMERA_URL_MAX, NULL},
	{"incoming_dir", V_STRING, V_NULLABLE, 1, CAMERA_INCOMING_MAX - 1, NULL},
};
#define CAMERA_FIELDS_COUNT (sizeof(camera_fields) / sizeof(camera_fields[0]))

/*
 * Put the URL the client sent for key (after keeping stored credentials
 * for "***") into config, or remove it for null; check it.  stored is the
 * camera's current config (NULL on create).  Problems go to errs.
 */
static void cameras__url(const json_t *body, const json_t *stored, const char *key,
			 json_t *config, json_t *errs)
{
	const json_t *v = json_object_get(body, key);
	const char *old = json_string_value(json_object_get(stored, key));
	char url[CAMERA_URL_MAX + 1], why[256];

	if (!v)
		return;   /* not given: as stored */
	if (json_is_null(v)) {
		json_object_del(config, key);
		return;
	}
	if (!json_is_string(v))
		return;   /* reported by validate_object */
	if (camera_url_keep(json_string_value(v), old, url, sizeof(url)) != 0) {
		verr_add(errs, at_body, key, "string_too_long", "URL is too long");
		return;
	}
	if (strcmp(key, "snapshot_url") == 0 && strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) {
		verr_add(errs, at_body, key, "url_scheme",
			 "URL should start with http:// or https://");
		return;
	}
	if (camera_url_check(net_policy(), url, why, sizeof(why)) != 0) {
		verr_add(errs, at_body, key, "url_policy", "URL refused: %s", why);
		return;
	}
	json_object_set_new(config, key, json_string(url));
}

/* incoming_dir of body (absent: keep; null: the default) into *out. */
static void cameras__incoming(const json_t *body, int64_t id, const char *current,
			      const char **out, json_t *errs)
{
	const json_t *v = json_object_get(body, "incoming_dir");
	const char *s;
	char own[24];
	size_t digits = 0;

	*out = current;
	if (!v)
		return;
	if (json_is_null(v)) {
		*out = NULL;
		return;
	}
	if (!(s = json_string_value(v)))
		return;
	if (!camera_incoming_dir_ok(s)) {
		verr_add(errs, at_body, "incoming_dir", "value_error",
			 "should be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'");
		return;
	}
	/* Digits alone are each camera's default: only its own id. */
	while (s[digits] >= '0' && s[digits] <= '9')
		digits++;
	snprintf(own, sizeof(own), "%" PRId64, id);
	if (s[digits] == '\0' && strcmp(s, own) != 0) {
		verr_add(errs, at_body, "incoming_dir", "value_error",
			 "a name of digits only is reserved for the camera with that id");
		return;
	}
	*out = s;
}

static enum herr cameras__list(struct ctx *c, const void *filter, const struct page *pg,
			       json_t *items, bool *has_more)
{
	return store_cameras_list(c->app->db, filter, pg, items, has_more);
}

static enum herr cameras__get(struct ctx *c, const struct resource_key *k, bool lock,
			      json_t **out)
{
	return store_cameras_get(c->app->db, k->id, out);
}

static enum herr cameras__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	return store_cameras_delete(c->app->db, k->id);
}

static int cameras__conflict(struct response *r, const struct resource_key *k, const json_t *obj)
{
	return response_detail(r, 409, "incoming_dir is used by another camera");
}

/* obj: the body; a room_id it leaves out is the camera's, which exists. */
static int cameras__invalid(struct response *r, const json_t *obj)
{
	json_t *errs = json_array();

	verr_add(errs, at_body, "room_id", "value_error", "room %" JSON_INTEGER_FORMAT
		 " does not exist", json_integer_value(json_object_get(obj, "room_id")));
	return ctx_invalid(r, errs);
}

static int cameras__in_use(struct response *r, const struct resource_key *k, int64_t count)
{
	return response_detail(r, 409, "camera %" PRId64 " is used by rules; "
			       "change or delete them first", k->id);
}

/*
 * Create and update check the URLs against what is stored and build the
 * config as they go, so they keep handlers of their own; their errors
 * and replies are the descriptor's.  The camera is a sensor: its lists
 * (and rooms' counts) change with it.
 */
const struct resource cameras_resource = {
	.name = "camera",
	.plural = "cameras",
	.stale = {CACHE_NS_SENSORS, CACHE_NS_ROOMS},
	.list = cameras__list,
	.get = cameras__get,
	.remove = cameras__remove,
	.conflict = cameras__conflict,
	.invalid = cameras__invalid,
	.in_use = cameras__in_use,
	.shown = camera_json_redact,
};

/* Reply with the camera as it is now. */
static int cameras__reply(struct ctx *c, struct response *r, int status, int64_t id)
{
	struct resource_key k = {0, id};
	json_t *cam = NULL;
	enum herr e = store_cameras_get(c->app->db, id, &cam);

	if (e != HERR_OK)
		return resource_error(r, &cameras_resource, e, &k, NULL);
	camera_json_redact(cam);
	ctx_changed(c, id, CACHE_NS_SENSORS, CACHE_NS_ROOMS);
	return ctx_reply(r, status, cam);
}

int h_cameras_list(struct ctx *c, struct response *r)
{
	struct camera_filter f = {0, NULL};
	json_t *errs = json_array();
	char scope[96];

	ctx_query_int(c, "room_id", 1, INT64_MAX, &f.room_id, errs);
	ctx_query_enum(c, "status", camera_statuses, &f.status, errs);
	snprintf(scope, sizeof(scope), "cameras:room_id=%" PRId64 ";status=%s", f.room_id,
		 f.status ? f.status : "");
	return resource_list_filtered(c, r, &cameras_resource, scope, errs, &f);
}

int h_cameras_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &cameras_resource);
}

int h_cameras_create(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *config = json_object();
	struct camera_fields f = {0};
	const json_t *enabled;
	char *config_json = NULL;
	int64_t id = 0;
	enum herr e;
	int status = resource_start(r);

	if (!body || !errs || !config)
		goto out;
	validate_object(body, at_body, camera_fields, CAMERA_FIELDS_COUNT, false, errs);
	cameras__url(body, NULL, "snapshot_url", config, errs);
	cameras__url(body, NULL, "stream_url", config, errs);
	cameras__incoming(body, -1, NULL, &f.incoming_dir, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!(config_json = json_dumps(config, JSON_COMPACT)))
		goto out;
	enabled = json_object_get(body, "enabled");
	f.name = json_string_value(json_object_get(body, "name"));
	f.room_id = json_integer_value(json_object_get(body, "room_id"));
	f.enabled = json_is_boolean(enabled) ? json_is_true(enabled) : true;
	f.config_json = config_json;
	e = store_cameras_create(c->app->db, &f, &id);
	if (e != HERR_OK) {
		status = resource_error(r, &cameras_resource, e, &(const struct resource_key){0, 0},
					body);
		goto out;
	}
	status = cameras__reply(c, r, 201, id);
out:
	free(config_json);
	json_decref(body);
	json_decref(errs);
	json_decref(config);
	return status;
}

int h_cameras_update(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *config = NULL;
	struct camera cur = {0};
	struct camera_fields f = {0};
	const json_t *v;
	char *config_json = NULL;
	struct resource_key k;
	enum herr e;
	int status;

	if (resource_path(c, r, &cameras_resource, true, &k) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	/* Locked: the fields not given stay as they are now. */
	e = store_camera_load(c->app->db, k.id, true, &cur);
	if (e != HERR_OK) {
		status = resource_error(r, &cameras_resource, e, &k, NULL);
		goto out;
	}
	if (!(config = json_deep_copy(cur.config)))
		goto out;
	validate_object(body, at_body, camera_fields, CAMERA_FIELDS_COUNT, true, errs);
	cameras__url(body, cur.config, "snapshot_url", config, errs);
	cameras__url(body, cur.config, "stream_url", config, errs);
	cameras__incoming(body, k.id, cur.incoming_dir, &f.incoming_dir, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!(config_json = json_dumps(config, JSON_COMPACT)))
		goto out;
	v = json_object_get(body, "name");
	f.name = json_is_string(v) ? json_string_value(v) : cur.name;
	v = json_object_get(body, "room_id");
	f.room_id = v ? json_integer_value(v) : cur.room_id;   /* null -> 0 */
	v = json_object_get(body, "enabled");
	f.enabled = json_is_boolean(v) ? json_is_true(v) : cur.enabled;
	f.config_json = config_json;
	e = store_cameras_update(c->app->db, k.id, &f);
	if (e != HERR_OK) {
		status = resource_error(r, &cameras_resource, e, &k, body);
		goto out;
	}
	status = cameras__reply(c, r, 200, k.id);
out:
	store_camera_release(&cur);
	free(config_json);
	json_decref(body);
	json_decref(errs);
	json_decref(config);
	return status;
}

int h_cameras_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &cameras_resource);
}
