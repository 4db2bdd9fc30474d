/*
 * /api/v1/users and /api/v1/roles (admin): the people who may sign in.
 * The last enabled admin cannot be deleted, disabled or demoted, so the
 * household cannot lock itself out of its own hub.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "accounts.h"
#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "password.h"
#include "response.h"
#include "roles.h"
#include "store/accounts.h"
#include "store/store.h"

#define USERS_SCOPE "users"
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

static const struct vfield user_create_fields[] = {
	{"username", V_STRING, V_REQUIRED, 1, USERNAME_MAX, NULL},
	{"display_name", V_STRING, 0, 0, DISPLAY_NAME_MAX, NULL},
	{"role", V_STRING, V_REQUIRED, 1, ROLE_NAME_MAX, NULL},
	{"password", V_STRING, V_REQUIRED, 1, PASSWORD_MAX_BYTES, NULL},
};

static const struct vfield user_update_fields[] = {
	{"display_name", V_STRING, 0, 0, DISPLAY_NAME_MAX, NULL},
	{"role", V_STRING, 0, 1, ROLE_NAME_MAX, NULL},
	{"disabled", V_BOOL, 0, 0, 0, NULL},
	{"password", V_STRING, 0, 1, PASSWORD_MAX_BYTES, NULL},
};

static const char *users__str(const json_t *body, const char *field)
{
	return json_string_value(json_object_get(body, field));
}

static enum herr users__list(struct ctx *c, const void *filter, const struct page *pg,
			     json_t *items, bool *has_more)
{
	return store_users_list(c->app->db, pg, items, has_more);
}

static enum herr users__get(struct ctx *c, const struct resource_key *k, bool lock,
			    json_t **out)
{
	return store_users_get(c->app->db, k->id, lock, out);
}

static int users__conflict(struct response *r, const struct resource_key *k, const json_t *obj)
{
	return response_detail(r, 409, "the user name '%s' is taken", users__str(obj, "username"));
}

/*
 * A password is checked and hashed on create and set through accounts on
 * update, and the last admin is guarded, so create, update and delete
 * keep handlers of their own; their errors are the descriptor's.
 */
static const struct resource users = {
	.name = "user",
	.plural = "users",
	.scope = USERS_SCOPE,
	.list = users__list,
	.get = users__get,
	.conflict = users__conflict,
};

int h_users_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &users);
}

int h_users_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &users);
}

int h_users_create(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *user = NULL;
	const struct resource_key none = {0, 0};
	const char *username, *password, *why;
	char hash[PASSWORD_HASH_MAX];
	enum herr e;
	int status = resource_start(r);

	memset(hash, 0, sizeof(hash));
	if (!body || !errs)
		goto out;
	validate_object(body, at_body, user_create_fields, NFIELDS(user_create_fields), false,
			errs);
	ctx_check_role(c->app->roles, json_object_get(body, "role"), errs);
	username = users__str(body, "username");
	password = users__str(body, "password");
	if (username && (why = accounts_username_refusal(username)))
		verr_add(errs, at_body, "username", "value_error", "%s", why);
	if (password && (why = password_refusal(password, username)))
		verr_add(errs, at_body, "password", "value_error", "%s", why);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (password_hash(password, hash) != 0) {
		status = response_detail(r, 500, "could not hash the password");
		goto out;
	}
	e = store_users_create(c->app->db, username, users__str(body, "display_name"),
			       users__str(body, "role"), hash, &user);
	if (e != HERR_OK) {
		status = resource_error(r, &users, e, &none, body);
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(user, "id")));
	status = ctx_reply(r, 201, user);
	user = NULL;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	json_decref(user);
	json_decref(body);
	json_decref(errs);
	return status;
}

/* 409 for a change that would leave no enabled admin, else 0. */
static int users__guard(struct ctx *c, struct response *r, const struct user_row *u,
			const char *role, bool disable, bool remove)
{
	bool last = false;
	enum herr e = accounts_would_orphan(c->app->db, u, role, disable, remove, &last);

	if (e != HERR_OK)
		return response_error(r, e, "user");
	if (last)
		return response_detail(r, 409, "user %" PRId64 " is the last enabled admin; "
				       "make another admin first", u->id);
	return 0;
}

int h_users_update(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *user = NULL, *v;
	const char *role, *password, *why;
	struct resource_key k;
	struct user_row u;
	int disabled = -1;
	int64_t id;
	enum herr e;
	int status = resource_start(r);

	memset(&u, 0, sizeof(u));
	if (!body || !errs)
		goto out;
	if (resource_path(c, r, &users, true, &k) != 0) {
		status = r->status;
		goto out;
	}
	id = k.id;
	validate_object(body, at_body, user_update_fields, NFIELDS(user_update_fields), true,
			errs);
	ctx_check_role(c->app->roles, json_object_get(body, "role"), errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	e = store_users_row(c->app->db, id, true, &u);
	if (e != HERR_OK) {
		status = resource_error(r, &users, e, &k, NULL);
		goto out;
	}
	role = users__str(body, "role");
	if ((v = json_object_get(body, "disabled")))
		disabled = json_is_true(v);
	if ((status = users__guard(c, r, &u, role, disabled == 1, false)) != 0)
		goto out;

	e = store_users_update(c->app->db, id, users__str(body, "display_name"), role, disabled,
			       NULL);
	if (e == HERR_OK && (password = users__str(body, "password"))) {
		e = accounts_set_password(c->app->db, c->app->cache, &u, password, 0, &why);
		if (e == HERR_INVALID) {
			verr_add(errs, at_body, "password", "value_error", "%s", why);
			status = ctx_invalid(r, errs);
			errs = NULL;
			goto out;
		}
	}
	/* A disabled user is signed out everywhere; a new role is read
	 * afresh by every session and key of the user. */
	if (e == HERR_OK && disabled == 1 && !u.disabled)
		e = accounts_end_access(c->app->db, c->app->cache, id, 0, false);
	if (e == HERR_OK && (role || disabled >= 0))
		e = accounts_forget(c->app->db, c->app->cache, id);
	if (e == HERR_OK)
		e = store_users_get(c->app->db, id, false, &user);
	if (e != HERR_OK) {
		status = response_error(r, e, "user");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%" PRId64, id);
	status = ctx_reply(r, 200, user);
	user = NULL;
out:
	OPENSSL_cleanse(&u, sizeof(u));
	json_decref(user);
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_users_delete(struct ctx *c, struct response *r)
{
	struct resource_key k;
	struct user_row u;
	int64_t id;
	enum herr e;
	int status;

	memset(&u, 0, sizeof(u));
	if (resource_path(c, r, &users, true, &k) != 0)
		return r->status;
	id = k.id;
	e = store_users_row(c->app->db, id, true, &u);
	if (e != HERR_OK)
		return resource_error(r, &users, e, &k, NULL);
	if ((status = users__guard(c, r, &u, NULL, false, true)) != 0)
		goto out;
	/* Keys are revoked, not deleted, so the audit log can still name
	 * them; sessions go with the row. */
	e = accounts_end_access(c->app->db, c->app->cache, id, 0, true);
	if (e == HERR_OK)
		e = store_users_delete(c->app->db, id);
	if (e != HERR_OK) {
		status = response_error(r, e, "user");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%" PRId64, id);
	status = ctx_reply(r, 204, NULL);
out:
	OPENSSL_cleanse(&u, sizeof(u));
	return status;
}

int h_roles_list(struct ctx *c, struct response *r)
{
	const struct roles *roles = c->app->roles;
	json_t *items = json_array();

	for (size_t i = 0; items && i < roles_count(roles); i++)
		if (json_array_append_new(items, json_pack("{s:s}", "name",
							   roles_name(roles, i))) != 0) {
			json_decref(items);
			items = NULL;
		}
	return ctx_reply(r, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}
