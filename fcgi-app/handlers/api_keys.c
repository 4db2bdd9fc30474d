/*
 * /api/v1/api-keys: create, list and revoke API keys.  A key is shown once,
 * in the reply that creates it; only its SHA-256 is kept.  The last active
 * admin key cannot be revoked, so the API cannot lock its admins out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "principal.h"
#include "response.h"
#include "roles.h"
#include "store/key_bindings.h"
#include "store/store.h"

#define API_KEYS_SCOPE "api-keys"
#define ADMIN_ROLE "admin"
#define ROLE_NAME_MAX 64
#define ROLES_LISTED_MAX 64
/* A new prefix colliding with a stored one is rare (32 bits); retrying is cheap. */
#define CREATE_ATTEMPTS 3

const struct vfield api_key_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"role", V_STRING, V_REQUIRED, 1, ROLE_NAME_MAX, NULL},
};
const size_t api_key_fields_count = sizeof(api_key_fields) / sizeof(api_key_fields[0]);

/* The role must be one the roles file defines; the problem lists them. */
size_t ctx_check_role(const struct roles *roles, const json_t *role, json_t *errs)
{
	const char *names[ROLES_LISTED_MAX + 1];
	size_t n = roles_count(roles), len = json_string_length(role);

	/* Wrong type or length is already reported by validate_object. */
	if (!json_is_string(role) || len == 0 || len > ROLE_NAME_MAX ||
	    roles_exists(roles, json_string_value(role)))
		return 0;
	if (n > ROLES_LISTED_MAX)
		n = ROLES_LISTED_MAX;
	for (size_t i = 0; i < n; i++)
		names[i] = roles_name(roles, i);
	names[n] = NULL;
	if (n == 0)
		verr_add(errs, at_body, "role", "enum", "No roles are defined in the roles file");
	else
		verr_enum(errs, at_body, "role", names);
	return 1;
}

/* The roles whose keys may be bound, and what to: a device key to sensors
 * of any type (its buttons, its camera), a detector key to cameras. */
#define DEVICE_ROLE "device"
#define DETECTOR_ROLE "detector"

/* The binding asked for, checked. */
struct key_binding {
	int64_t ids[KEY_BINDINGS_MAX];
	size_t n;
};

/*
 * sensor_ids (for a device key) or camera_ids (for a detector key):
 * a list of 1 to KEY_BINDINGS_MAX ids of sensors (cameras) that exist,
 * on a key of that role only.  Problems go to errs; a database failure
 * to *e.  Returns the number of problems.
 */
static size_t api_keys__binding(struct ctx *c, const json_t *body, const char *role,
				struct key_binding *kb, json_t *errs, enum herr *e)
{
	static const char *const lists[] = {"sensor_ids", "camera_ids"};
	static const char *const owners[] = {DEVICE_ROLE, DETECTOR_ROLE};
	size_t problems = 0;

	kb->n = 0;
	*e = HERR_OK;
	for (size_t l = 0; l < 2; l++) {
		const char *const at_list[] = {"body", lists[l], NULL};
		const json_t *list = json_object_get(body, lists[l]), *v;
		size_t i;

		if (!list)
			continue;
		if (!role || strcmp(role, owners[l]) != 0) {
			verr_add(errs, at_body, lists[l], "value_error",
				 "Only a key of role '%s' is bound to %s", owners[l],
				 l == 0 ? "sensors" : "cameras");
			problems++;
			continue;
		}
		if (!json_is_array(list) || json_array_size(list) == 0 ||
		    json_array_size(list) > KEY_BINDINGS_MAX) {
			verr_add(errs, at_body, lists[l], json_is_array(list) ? "value_error" : "list_type",
				 "Input should be a list of 1 to %d %s ids", KEY_BINDINGS_MAX,
				 l == 0 ? "sensor" : "camera");
			problems++;
			continue;
		}
		json_array_foreach(list, i, v) {
			enum key_binding_target t = KEY_BINDING_NONE;
			char idx[24];
			int64_t id;

			snprintf(idx, sizeof(idx), "%zu", i);
			if (!json_is_integer(v) || json_integer_value(v) < 1) {
				verr_add(errs, at_list, idx, "int_type",
					 "Input should be a positive integer");
				problems++;
				continue;
			}
			id = json_integer_value(v);
			if ((*e = store_key_binding_target(c->app->db, id, &t)) != HERR_OK)
				return problems + 1;
			if (t == KEY_BINDING_NONE || (l == 1 && t != KEY_BINDING_CAMERA)) {
				verr_add(errs, at_list, idx, "value_error",
					 l == 0 ? "No sensor %" PRId64 " exists"
						: "No camera %" PRId64 " exists", id);
				problems++;
				continue;
			}
			kb->ids[kb->n++] = id;
		}
	}
	return problems;
}

/* Revoked keys stay in the table for the audit log, not in the list. */
static enum herr api_keys__list(struct ctx *c, const void *filter, const struct page *pg,
				json_t *items, bool *has_more)
{
	return store_api_keys_list(c->app->db, false, pg, items, has_more);
}

/* Every attempt drew a prefix that is taken. */
static int api_keys__conflict(struct response *r, const struct resource_key *k,
			      const json_t *obj)
{
	return response_detail(r, 409, "could not store the new key; try again");
}

/*
 * A key is generated (and shown once) on create, and revoking the last
 * admin key is refused, so create and delete keep handlers of their own.
 */
static const struct resource api_keys = {
	.name = "api key",
	.plural = "api keys",
	.scope = API_KEYS_SCOPE,
	.list = api_keys__list,
	.conflict = api_keys__conflict,
};

int h_api_keys_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &api_keys);
}

int h_api_keys_create(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *key = NULL, *plain = NULL;
	const struct resource_key none = {0, 0};
	struct key_binding kb;
	struct auth_new_key nk;
	const char *name, *role;
	enum herr e = HERR_INTERNAL, be = HERR_OK;
	int status = resource_start(r);
	size_t problems;

	memset(&nk, 0, sizeof(nk));
	if (!body || !errs || !(plain = json_copy(body)))
		goto out;
	/* The id lists are checked by api_keys__binding, the rest by the table. */
	json_object_del(plain, "sensor_ids");
	json_object_del(plain, "camera_ids");
	role = json_string_value(json_object_get(body, "role"));
	problems = validate_object(plain, at_body, api_key_fields, api_key_fields_count, false,
				   errs) +
		   ctx_check_role(c->app->roles, json_object_get(body, "role"), errs) +
		   api_keys__binding(c, body, role, &kb, errs, &be);
	if (be != HERR_OK) {
		status = response_error(r, be, "sensor");
		goto out;
	}
	if (problems > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	name = json_string_value(json_object_get(body, "name"));

	for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
		if (auth_key_generate(&nk) != 0) {
			status = response_detail(r, 500, "could not generate a key");
			goto out;
		}
		e = store_api_keys_create(c->app->db, name, role, nk.prefix, nk.hash, &key);
		if (e != HERR_CONFLICT)
			break;
	}
	if (e != HERR_OK) {
		status = resource_error(r, &api_keys, e, &none, body);
		goto out;
	}
	if (kb.n > 0) {
		int64_t id = json_integer_value(json_object_get(key, "id"));

		json_decref(key);
		key = NULL;
		if ((e = store_key_bindings_set(c->app->db, id, kb.ids, kb.n)) != HERR_OK ||
		    (e = store_api_keys_get(c->app->db, id, &key)) != HERR_OK) {
			status = response_error(r, e, "api key");
			goto out;
		}
	}

	snprintf(c->object_id, sizeof(c->object_id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(key, "id")));
	/* The only time the key itself leaves the server. */
	if (json_object_set_new(key, "key", json_string(nk.key)) != 0)
		goto out;
	status = ctx_reply(r, 201, key);
	key = NULL;
out:
	explicit_bzero(&nk, sizeof(nk));
	json_decref(key);
	json_decref(plain);
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_api_keys_delete(struct ctx *c, struct response *r)
{
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	struct api_key_row row;
	int64_t id, admins = 0;
	bool last_admin = false;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_api_keys_revoke(c->app->db, id, prefix);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "api key %" PRId64 " not found or already revoked", id);
	if (e != HERR_OK)
		return response_error(r, e, "api key");

	/*
	 * Count after revoking, inside the same transaction: an error reply
	 * rolls the revocation back, and the count sees this very change.
	 */
	e = store_api_keys_find(c->app->db, prefix, &row);
	if (e == HERR_OK && strcmp(row.role, ADMIN_ROLE) == 0) {
		e = store_api_keys_count_role(c->app->db, ADMIN_ROLE, &admins);
		last_admin = e == HERR_OK && admins == 0;
	}
	if (e != HERR_OK)
		return response_error(r, e, "api key");
	if (last_admin)
		return response_detail(r, 409, "api key %" PRId64 " is the last active admin key; "
				       "create another admin key before revoking it", id);

	/* A worker holding the key in memcached must look it up again. */
	principal_forget(c->app->cache, prefix);
	snprintf(c->object_id, sizeof(c->object_id), "%" PRId64, id);
	return ctx_reply(r, 204, NULL);
}
