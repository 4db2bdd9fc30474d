/*
 * /api/v1/auth: signing in and out, first-run setup, the caller's own
 * account (me, password, personal token).
 *
 * Guessing is slowed three ways: nginx's limit_req on the sign-in routes,
 * Argon2id's cost per try, and a failure counter per account name and per
 * client address in the database, past which each try must wait a delay
 * that doubles with every further failure.  A wrong name and a wrong
 * password get the same answer after the same work (a stand-in hash is
 * verified for a name nobody has), and the counter is kept by the name
 * typed, so a locked name does not tell whether it exists.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "accounts.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "password.h"
#include "principal.h"
#include "request.h"
#include "response.h"
#include "store/accounts.h"
#include "store/settings.h"
#include "store/store.h"

/* Failures allowed before any delay, per account name and per address
 * (an address may be a whole household behind one router). */
#define LOGIN_FREE_TRIES_USER 5
#define LOGIN_FREE_TRIES_ADDR 20
#define LOGIN_DELAY_MAX_SECONDS 900
#define SESSION_CREATE_ATTEMPTS 3

static const struct vfield login_fields[] = {
	{"username", V_STRING, V_REQUIRED, 1, 256, NULL},
	{"password", V_STRING, V_REQUIRED, 1, PASSWORD_MAX_BYTES, NULL},
};

static const struct vfield setup_fields[] = {
	{"username", V_STRING, V_REQUIRED, 1, USERNAME_MAX, NULL},
	{"display_name", V_STRING, 0, 0, DISPLAY_NAME_MAX, NULL},
	{"password", V_STRING, V_REQUIRED, 1, PASSWORD_MAX_BYTES, NULL},
	{"setup_code", V_STRING, V_REQUIRED, 1, ACCOUNTS_SETUP_CODE_MAX, NULL},
};

static const struct vfield password_fields[] = {
	{"current", V_STRING, V_REQUIRED, 1, PASSWORD_MAX_BYTES, NULL},
	{"new", V_STRING, V_REQUIRED, 1, PASSWORD_MAX_BYTES, NULL},
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* The delay owed after failures: none for the first free ones, then 1 s
 * doubling up to the cap. */
static int64_t auth__delay(int64_t failures, int64_t free_tries)
{
	int64_t over = failures - free_tries;

	if (over < 0)
		return 0;
	if (over >= 10)
		return LOGIN_DELAY_MAX_SECONDS;
	return (int64_t)1 << over < LOGIN_DELAY_MAX_SECONDS ? (int64_t)1 << over
							     : LOGIN_DELAY_MAX_SECONDS;
}

/* The name a failure is counted under, or NULL when it cannot be a user
 * name at all (then only the address counts). */
static const char *auth__counted_name(const char *username)
{
	return username && !accounts_username_refusal(username) ? username : NULL;
}

/* Seconds the caller must still wait, 0 when it may try now. */
static enum herr auth__wait(struct ctx *c, const char *username, int64_t *wait)
{
	const char *addr = c->req->remote_addr;
	int64_t f = 0, since = 0, w;
	enum herr e;

	*wait = 0;
	if (username) {
		if ((e = store_logins_get(c->app->db, "user", username, &f, &since)) != HERR_OK)
			return e;
		w = auth__delay(f, LOGIN_FREE_TRIES_USER) - since;
		if (w > *wait)
			*wait = w;
	}
	if (addr && *addr && strlen(addr) <= USERNAME_MAX) {
		if ((e = store_logins_get(c->app->db, "addr", addr, &f, &since)) != HERR_OK)
			return e;
		w = auth__delay(f, LOGIN_FREE_TRIES_ADDR) - since;
		if (w > *wait)
			*wait = w;
	}
	return HERR_OK;
}

/* What a failed sign-in leaves behind, written after the request's
 * rollback: the counters and the audit row. */
struct auth_failure {
	char name[USERNAME_MAX + 1];  /* "" when not counted by name */
	int status;
};

static void auth__record_failure(struct ctx *c, void *data);

/* 429 with Retry-After; the refusal is audited once rolled back. */
static int auth__too_many(struct ctx *c, struct response *r, struct auth_failure *f,
			  int64_t wait)
{
	char secs[24];

	f->status = 429;
	c->after_rollback = auth__record_failure;
	c->after_rollback_data = f;

	snprintf(secs, sizeof(secs), "%" PRId64, wait);
	response_add_header(r, "Retry-After", secs);
	return response_detail(r, 429, "too many failed sign-ins; try again in %" PRId64 " s",
			       wait);
}

static void auth__record_failure(struct ctx *c, void *data)
{
	const struct auth_failure *f = data;
	const char *addr = c->req->remote_addr;
	struct db *db = c->app->db;
	enum herr e = HERR_OK;

	if (f->status == 401) {
		if (f->name[0])
			e = store_logins_fail(db, "user", f->name);
		if (e == HERR_OK && addr && *addr && strlen(addr) <= USERNAME_MAX)
			e = store_logins_fail(db, "addr", addr);
	}
	const struct audit_entry entry = {
		.actor = c->actor[0] ? c->actor : c->who ? c->who->name : "anonymous",
		.key_id = c->who ? c->who->key_id : 0,
		.method = c->req->method,
		.path = c->req->path,
		.status = f->status,
		.address = addr,
	};
	if (e == HERR_OK)
		e = store_audit_write(db, &entry);
	if (e != HERR_OK)
		LOG(LOG_ERR, "%s: could not record a failed sign-in: %s", c->req->path, herr_str(e));
}

void ctx_sign_in_failed(struct ctx *c, int status)
{
	struct auth_failure f = {.name = "", .status = status};

	auth__record_failure(c, &f);
}

/* Answer a failed sign-in: status and detail now, counters and audit row
 * once the rollback is done. */
static int auth__fail(struct ctx *c, struct response *r, struct auth_failure *f, int status,
		      const char *detail)
{
	f->status = status;
	c->after_rollback = auth__record_failure;
	c->after_rollback_data = f;
	if (status == 401)
		response_add_header(r, "WWW-Authenticate", "Bearer realm=\"hearth\"");
	return response_detail(r, status, "%s", detail);
}

static void auth__cookie(struct response *r, const char *token, unsigned max_age)
{
	char cookie[200];

	snprintf(cookie, sizeof(cookie),
		 SESSION_COOKIE "=%s; Path=/; Max-Age=%u; HttpOnly; Secure; SameSite=Strict",
		 token, max_age);
	response_add_header(r, "Set-Cookie", cookie);
	OPENSSL_cleanse(cookie, sizeof(cookie));
}

int ctx_sign_in(struct ctx *c, struct response *r, int64_t user_id, const char *how)
{
	const struct hearth_config *cfg = c->app->cfg;
	struct auth_new_key tok;
	json_t *user = NULL, *reply = NULL;
	int64_t session_id = 0;
	enum herr e = HERR_INTERNAL;
	int status;

	for (int attempt = 0; attempt < SESSION_CREATE_ATTEMPTS; attempt++) {
		if (auth_session_generate(&tok) != 0) {
			status = response_detail(r, 500, "could not make a session");
			goto out;
		}
		e = store_sessions_create(c->app->db, user_id, tok.prefix, tok.hash, how,
					  c->req->remote_addr, cfg->auth_session_max_seconds,
					  &session_id);
		if (e != HERR_CONFLICT)
			break;
	}
	if (e == HERR_OK)
		e = store_users_logged_in(c->app->db, user_id);
	if (e == HERR_OK)
		e = store_sessions_purge(c->app->db, cfg->auth_session_idle_seconds);
	if (e == HERR_OK)
		e = store_users_get(c->app->db, user_id, false, &user);
	if (e != HERR_OK) {
		status = response_error(r, e, "session");
		goto out;
	}
	reply = json_pack("{s:O, s:O, s:s, s:I}", "user", user, "role",
			  json_object_get(user, "role"), "signed_in_with", how,
			  "session_expires_in", (json_int_t)cfg->auth_session_max_seconds);
	if (!reply) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	auth__cookie(r, tok.key, cfg->auth_session_max_seconds);
	snprintf(c->actor, sizeof(c->actor), "%s",
		 json_string_value(json_object_get(user, "username")));
	c->actor_user_id = user_id;
	snprintf(c->object_id, sizeof(c->object_id), "%" PRId64, user_id);
	status = ctx_reply(r, 200, reply);
	reply = NULL;
out:
	OPENSSL_cleanse(&tok, sizeof(tok));
	json_decref(user);
	json_decref(reply);
	return status;
}

/* Validate body against fields; 0, or -1 with the 422 set.  *body is the
 * new reference (NULL on failure). */
static int auth__body(struct ctx *c, struct response *r, const struct vfield *fields,
		      size_t n, json_t **body)
{
	json_t *errs = json_array();

	*body = ctx_body(c);
	if (!*body || !errs) {
		json_decref(errs);
		response_detail(r, 500, "out of memory");
		return -1;
	}
	if (validate_object(*body, at_body, fields, n, false, errs) > 0) {
		ctx_invalid(r, errs);
		json_decref(*body);
		*body = NULL;
		return -1;
	}
	json_decref(errs);
	return 0;
}

static const char *auth__str(const json_t *body, const char *field)
{
	return json_string_value(json_object_get(body, field));
}

int h_auth_login(struct ctx *c, struct response *r)
{
	static struct auth_failure failure;
	const char *username, *password, *counted;
	struct user_row u;
	json_t *body = NULL;
	int64_t wait;
	bool ok = false;
	enum herr e;
	int status;

	memset(&failure, 0, sizeof(failure));
	memset(&u, 0, sizeof(u));
	if (auth__body(c, r, login_fields, NFIELDS(login_fields), &body) < 0)
		return r->status;
	username = auth__str(body, "username");
	password = auth__str(body, "password");
	counted = auth__counted_name(username);
	if (counted)
		snprintf(failure.name, sizeof(failure.name), "%s", counted);
	snprintf(c->actor, sizeof(c->actor), "%s", counted ? counted : "anonymous");

	if ((e = auth__wait(c, counted, &wait)) != HERR_OK) {
		status = response_error(r, e, "sign-in");
		goto out;
	}
	if (wait > 0) {
		status = auth__too_many(c, r, &failure, wait);
		goto out;
	}

	e = counted ? store_users_find(c->app->db, counted, &u) : HERR_NOT_FOUND;
	if (e == HERR_NOT_FOUND) {
		password_verify_dummy(password);
	} else if (e != HERR_OK) {
		status = response_error(r, e, "sign-in");
		goto out;
	} else {
		ok = password_verify(u.password_hash, password) && !u.disabled;
	}
	if (!ok) {
		status = auth__fail(c, r, &failure, 401, "wrong user name or password");
		goto out;
	}

	if ((e = store_logins_clear(c->app->db, "user", counted)) == HERR_OK && c->req->remote_addr)
		e = store_logins_clear(c->app->db, "addr", c->req->remote_addr);
	if (e == HERR_OK && password_needs_rehash(u.password_hash)) {
		char hash[PASSWORD_HASH_MAX];

		if (password_hash(password, hash) == 0)
			e = store_users_update(c->app->db, u.id, NULL, NULL, -1, hash);
		OPENSSL_cleanse(hash, sizeof(hash));
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "sign-in");
		goto out;
	}
	status = ctx_sign_in(c, r, u.id, "password");
out:
	OPENSSL_cleanse(&u, sizeof(u));
	json_decref(body);
	return status;
}

int h_auth_logout(struct ctx *c, struct response *r)
{
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	enum herr e;

	if (c->who->session_id > 0) {
		e = store_sessions_delete(c->app->db, c->who->session_id, prefix);
		if (e != HERR_OK && e != HERR_NOT_FOUND)
			return response_error(r, e, "session");
		principal_forget_session(c->app->cache, prefix);
		snprintf(c->object_id, sizeof(c->object_id), "%" PRId64, c->who->user_id);
	}
	response_add_header(r, "Set-Cookie", SESSION_COOKIE
			    "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
	return ctx_reply(r, 204, NULL);
}

/* {user|null, role, via, key|null}: who the caller is. */
static json_t *auth__whoami(struct ctx *c, json_t *user)
{
	const struct principal *w = c->who;

	return json_pack("{s:o, s:s, s:s, s:o}", "user", user ? user : json_null(), "role",
			 w->role, "via", w->session_id > 0 ? "session" : "key", "key",
			 w->key_id > 0 ? json_pack("{s:I, s:s}", "id", (json_int_t)w->key_id,
						   "name", w->name)
				       : json_null());
}

int h_auth_me(struct ctx *c, struct response *r)
{
	json_t *user = NULL;
	enum herr e;

	if (c->who->user_id > 0) {
		e = store_users_get(c->app->db, c->who->user_id, false, &user);
		if (e != HERR_OK)
			return response_error(r, e, "user");
	}
	return ctx_reply(r, 200, auth__whoami(c, user));
}

/* Whether first-run setup has happened: an account exists, or setup
 * recorded itself as done. */
static enum herr auth__setup_done(struct db *db, bool lock, json_t **doc, bool *done)
{
	int64_t users = 0;
	enum herr e;

	*done = false;
	*doc = NULL;
	e = store_settings_get(db, ACCOUNTS_SETUP_SETTING, lock, doc);
	if (e == HERR_NOT_FOUND)
		e = HERR_OK;
	if (e != HERR_OK)
		return e;
	if (*doc && json_object_get(*doc, "done_at")) {
		*done = true;
		return HERR_OK;
	}
	e = store_users_count(db, &users);
	*done = users > 0;
	return e;
}

int h_auth_status(struct ctx *c, struct response *r)
{
	json_t *doc = NULL, *reply, *user = NULL;
	bool done = false;
	enum herr e;

	e = auth__setup_done(c->app->db, false, &doc, &done);
	json_decref(doc);
	if (e != HERR_OK)
		return response_error(r, e, "setup state");
	if (c->who && c->who->user_id > 0 &&
	    (e = store_users_get(c->app->db, c->who->user_id, false, &user)) != HERR_OK)
		return response_error(r, e, "user");
	/* The hub's time zone, so that the dashboard shows times as the
	 * household's rules see them (null: the system's). */
	reply = json_pack("{s:b, s:b, s:o, s:s?}", "setup_done", done, "signed_in",
			  c->who != NULL, "me", c->who ? auth__whoami(c, user) : json_null(),
			  "timezone", c->app->cfg->engine_timezone[0] ? c->app->cfg->engine_timezone
								  : NULL);
	return ctx_reply(r, 200, reply);
}

int h_auth_setup_status(struct ctx *c, struct response *r)
{
	json_t *doc = NULL;
	bool done = false;
	enum herr e;

	e = auth__setup_done(c->app->db, false, &doc, &done);
	json_decref(doc);
	if (e != HERR_OK)
		return response_error(r, e, "setup state");
	return ctx_reply(r, 200, json_pack("{s:b, s:s?}", "setup_done", done,
					   "setup_code_file",
					   done ? NULL : c->app->cfg->auth_setup_code_file));
}

int h_auth_setup(struct ctx *c, struct response *r)
{
	static struct auth_failure failure;
	char presented[ACCOUNTS_SETUP_HASH_LEN];
	const char *username, *password, *stored, *why;
	json_t *body = NULL, *doc = NULL, *user = NULL, *errs = NULL;
	char hash[PASSWORD_HASH_MAX];
	int64_t wait, id;
	bool done;
	enum herr e;
	int status;

	memset(&failure, 0, sizeof(failure));
	memset(hash, 0, sizeof(hash));
	if (auth__body(c, r, setup_fields, NFIELDS(setup_fields), &body) < 0)
		return r->status;
	username = auth__str(body, "username");
	password = auth__str(body, "password");
	snprintf(c->actor, sizeof(c->actor), "setup");

	if ((e = auth__wait(c, NULL, &wait)) != HERR_OK) {
		status = response_error(r, e, "setup");
		goto out;
	}
	if (wait > 0) {
		status = auth__too_many(c, r, &failure, wait);
		goto out;
	}
	/* The setup row's lock serialises two setups racing each other. */
	if ((e = auth__setup_done(c->app->db, true, &doc, &done)) != HERR_OK) {
		status = response_error(r, e, "setup state");
		goto out;
	}
	if (done) {
		status = response_detail(r, 409, "setup is done: sign in instead");
		goto out;
	}
	stored = json_string_value(json_object_get(doc, "code_hash"));
	if (!stored) {
		status = response_detail(r, 409, "no setup code has been made: run "
					 "'sudo hearthctl setup-code' on the box");
		goto out;
	}
	accounts_setup_code_hash(auth__str(body, "setup_code"), presented);
	if (strlen(stored) != strlen(presented) ||
	    CRYPTO_memcmp(stored, presented, strlen(presented)) != 0) {
		status = auth__fail(c, r, &failure, 401, "wrong setup code");
		goto out;
	}

	errs = json_array();
	if (!errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if ((why = accounts_username_refusal(username)))
		verr_add(errs, at_body, "username", "value_error", "%s", why);
	if ((why = password_refusal(password, username)))
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
	e = store_users_create(c->app->db, username, auth__str(body, "display_name"),
			       ACCOUNTS_ADMIN_ROLE, hash, &user);
	if (e == HERR_OK) {
		id = (int64_t)json_integer_value(json_object_get(user, "id"));
		json_object_del(doc, "code_hash");
		if (json_object_set_new(doc, "done_at", json_integer((json_int_t)time(NULL))) != 0 ||
		    json_object_set_new(doc, "user_id", json_integer((json_int_t)id)) != 0)
			e = HERR_NOMEM;
	}
	if (e == HERR_OK)
		e = store_settings_put(c->app->db, ACCOUNTS_SETUP_SETTING, doc);
	if (e != HERR_OK) {
		status = response_error(r, e, "user");
		goto out;
	}
	status = ctx_sign_in(c, r, id, "setup");
	if (status == 200) {
		r->status = status = 201;
		/* The code has served; the file goes (its hash already has). */
		if (unlink(c->app->cfg->auth_setup_code_file) != 0)
			LOG(LOG_WARNING, "setup: could not delete %s: %m",
			    c->app->cfg->auth_setup_code_file);
	}
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	json_decref(errs);
	json_decref(user);
	json_decref(doc);
	json_decref(body);
	return status;
}

/* The person behind the caller, locked; -1 with the reply set when the
 * caller is a key that is nobody's. */
static int auth__person(struct ctx *c, struct response *r, struct user_row *u)
{
	enum herr e;

	if (c->who->user_id <= 0) {
		response_detail(r, 403, "this key belongs to no person: sign in as one");
		return -1;
	}
	e = store_users_row(c->app->db, c->who->user_id, true, u);
	if (e != HERR_OK) {
		response_error(r, e, "user");
		return -1;
	}
	return 0;
}

int h_auth_password(struct ctx *c, struct response *r)
{
	static struct auth_failure failure;
	struct user_row u;
	json_t *body = NULL;
	const char *why = NULL;
	int64_t wait;
	enum herr e;
	int status;

	memset(&failure, 0, sizeof(failure));
	memset(&u, 0, sizeof(u));
	if (auth__body(c, r, password_fields, NFIELDS(password_fields), &body) < 0)
		return r->status;
	if (auth__person(c, r, &u) < 0) {
		status = r->status;
		goto out;
	}
	snprintf(failure.name, sizeof(failure.name), "%s", u.username);
	if ((e = auth__wait(c, u.username, &wait)) != HERR_OK) {
		status = response_error(r, e, "user");
		goto out;
	}
	if (wait > 0) {
		status = auth__too_many(c, r, &failure, wait);
		goto out;
	}
	/* A wrong current password counts like a failed sign-in: a left-open
	 * session must not become a way to guess it. */
	if (!password_verify(u.password_hash, auth__str(body, "current"))) {
		status = auth__fail(c, r, &failure, 401, "the current password is wrong");
		goto out;
	}
	e = accounts_set_password(c->app->db, c->app->cache, &u, auth__str(body, "new"),
				  c->who->session_id, &why);
	if (e == HERR_INVALID) {
		json_t *errs = json_array();

		verr_add(errs, at_body, "new", "value_error", "%s", why);
		status = ctx_invalid(r, errs);
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "user");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%" PRId64, u.id);
	status = ctx_reply(r, 204, NULL);
out:
	OPENSSL_cleanse(&u, sizeof(u));
	json_decref(body);
	return status;
}

int h_auth_regenerate(struct ctx *c, struct response *r)
{
	struct auth_new_key nk;
	struct user_row u;
	json_t *key = NULL, *gone = json_array();
	char name[USERNAME_MAX + 32];
	enum herr e = HERR_INTERNAL;
	int status;

	memset(&nk, 0, sizeof(nk));
	if (!gone) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (auth__person(c, r, &u) < 0) {
		status = r->status;
		goto out;
	}
	/* One personal token at a time: the new one replaces the old. */
	if ((e = store_api_keys_revoke_user(c->app->db, u.id, gone)) != HERR_OK) {
		status = response_error(r, e, "api key");
		goto out;
	}
	principal_forget_all(c->app->cache, gone, NULL);
	snprintf(name, sizeof(name), "personal token of %s", u.username);
	for (int attempt = 0; attempt < SESSION_CREATE_ATTEMPTS; attempt++) {
		if (auth_key_generate(&nk) != 0) {
			status = response_detail(r, 500, "could not generate a key");
			goto out;
		}
		e = store_api_keys_create_for_user(c->app->db, name, u.id, u.role, nk.prefix,
						   nk.hash, &key);
		if (e != HERR_CONFLICT)
			break;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "api key");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(key, "id")));
	/* The only time the token leaves the server. */
	if (json_object_set_new(key, "key", json_string(nk.key)) != 0) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	status = ctx_reply(r, 201, key);
	key = NULL;
out:
	OPENSSL_cleanse(&nk, sizeof(nk));
	OPENSSL_cleanse(&u, sizeof(u));
	json_decref(gone);
	json_decref(key);
	return status;
}
