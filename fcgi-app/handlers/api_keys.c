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
	json_t *body = ctx_body(c), *errs = json_array(), *key = NULL;
	const struct resource_key none = {0, 0};
	struct auth_new_key nk;
	const char *name, *role;
	enum herr e = HERR_INTERNAL;
	int status = resource_start(r);

	if (!body || !errs)
		goto out;
	if (validate_object(body, at_body, api_key_fields, api_key_fields_count, false, errs) +
	    ctx_check_role(c->app->roles, json_object_get(body, "role"), errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	name = json_string_value(json_object_get(body, "name"));
	role = json_string_value(json_object_get(body, "role"));

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
