/*
 * One request, end to end, in the order the contract fixes:
 *
 *   413 -> route (404/405) -> 415 -> 400 -> 422 (body not an object)
 *   -> database and schema (503) -> credentials (401) -> role (403)
 *   -> handler, in a transaction with its audit row for writes.
 *
 * Each step either answers and returns, or hands on to the next; nothing
 * here knows about FastCGI, so tests and fuzzers drive it directly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "handlers/handlers.h"
#include "log.h"
#include "metrics.h"
#include "migrations.h"
#include "principal.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "roles.h"
#include "router.h"
#include "settings.h"
#include "store/store.h"

/* Longest credential worth looking up: anything longer is not a key. */
#define API_CRED_MAX (AUTH_KEY_MAX + 1)

/*
 * Once the schema is found current it stays current for the life of the
 * process (migrations only move forward), so the check costs a query only
 * until the first success.
 */
static bool api_schema_ok;

static bool api__is_json(const char *content_type)
{
	static const char media[] = "application/json";
	const char *p = content_type;

	if (!p)
		return false;
	p += strspn(p, " \t");
	if (strncasecmp(p, media, sizeof(media) - 1) != 0)
		return false;
	p += sizeof(media) - 1;
	p += strspn(p, " \t");
	/* Parameters such as charset may follow; anything else is another type. */
	return *p == '\0' || *p == ';';
}

/* 415 / 400 / 422 for the body; on success *out is the object (or, where
 * the route takes one, the array) or NULL. */
static int api__parse_body(const struct request *req, unsigned route_flags, struct response *r,
			   json_t **out)
{
	json_error_t err;
	json_t *body;

	*out = NULL;
	if (req->body_len == 0)
		return 0;
	if (!api__is_json(req->content_type)) {
		response_detail(r, 415, "Content-Type must be application/json");
		return -1;
	}
	/* DECODE_ANY: a bare scalar is well-formed JSON, just not an object,
	 * and gets the 422 below rather than a 400. */
	body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!body) {
		response_detail(r, 400, "malformed JSON: %s (line %d, column %d)", err.text,
				err.line, err.column);
		return -1;
	}
	if (!json_is_object(body) && !(json_is_array(body) && (route_flags & ROUTE_ARRAY_BODY))) {
		json_decref(body);
		response_invalid(r, json_pack("[{s:[s], s:s, s:s}]", "loc", "body", "msg",
					      "Input should be a valid dictionary", "type",
					      "dict_type"));
		return -1;
	}
	*out = body;
	return 0;
}

/* The database gate: reachable, and at least at the schema this build needs. */
static int api__database_gate(struct app *app, struct response *r)
{
	enum herr e = db_ensure(app->db);
	int version = 0;

	if (e != HERR_OK) {
		response_error(r, HERR_UNAVAILABLE, NULL);
		return -1;
	}
	if (api_schema_ok)
		return 0;
	e = store_schema_version(app->db, &version);
	if (e != HERR_OK) {
		response_error(r, e, NULL);
		return -1;
	}
	if (version < hearth_schema_required()) {
		response_detail(r, 503,
				"database schema is at version %d but this build needs %d; "
				"run: hearthctl migrate", version, hearth_schema_required());
		return -1;
	}
	api_schema_ok = true;
	return 0;
}

/*
 * The presented credential, first present wins: X-API-Key, ?api_key=,
 * device_key in the body, Authorization: Bearer, the session cookie.
 * Returns 1 with a key in buf, 2 with a session token, 0 when none was
 * presented, -1 when one was but cannot be a key (malformed escape, far
 * too long).  A device_key string is always taken out of the body, so the
 * handler's strict validation never sees it.
 */
static int api__credential(const struct request *req, json_t *body, char *buf, size_t bufsz)
{
	char device_key[API_CRED_MAX + 1] = "";
	int have_device_key = 0;
	int rv = 0;

	if (body) {
		json_t *dk = json_object_get(body, "device_key");

		if (json_is_string(dk)) {
			const char *s = json_string_value(dk);

			have_device_key = strlen(s) < sizeof(device_key) ? 1 : -1;
			if (have_device_key > 0)
				memcpy(device_key, s, strlen(s) + 1);
			json_object_del(body, "device_key");
		}
	}

	if (req->api_key && *req->api_key) {
		rv = strlen(req->api_key) < bufsz ? 1 : -1;
		if (rv > 0)
			memcpy(buf, req->api_key, strlen(req->api_key) + 1);
		goto out;
	}
	rv = query_get(req->query, "api_key", buf, bufsz);
	if (rv != 0)
		goto out;
	if (have_device_key) {
		rv = have_device_key;
		if (rv > 0)
			memcpy(buf, device_key, strlen(device_key) + 1);
		goto out;
	}
	if (req->authorization && strncasecmp(req->authorization, "Bearer ", 7) == 0) {
		const char *tok = req->authorization + 7;
		size_t len;

		tok += strspn(tok, " \t");
		len = strcspn(tok, " \t");
		if (len > 0 && tok[len + strspn(tok + len, " \t")] == '\0') {
			rv = len < bufsz ? 1 : -1;
			if (rv > 0) {
				memcpy(buf, tok, len);
				buf[len] = '\0';
			}
		} else {
			rv = -1;
		}
		goto out;
	}
	rv = request_session_cookie(req->cookie, buf, bufsz);
out:
	explicit_bzero(device_key, sizeof(device_key));
	return rv;
}

/*
 * Ask memcached in one round trip for all the request is about to read
 * from it: the settings counter (a route with the database), the
 * credential's row, and for a cached list its counter and page.  What
 * follows reads the replies (cache_prefetch) instead of a round trip each.
 * What this worker keeps in its own memory, good for now (settings, a key
 * seen in the last second, a list page), is not asked for: a busy client
 * reading a list costs no round trip at all.
 */
static void api__prefetch(struct app *app, const struct request *req,
			  const struct route_match *m, const char *method, int found,
			  const char *credential)
{
	char cred_key[PRINCIPAL_CACHE_KEY_MAX], ver_key[64], list_key[LIST_CACHE_KEY_MAX];
	const char *ns = router_cache_ns(m->route), *keys[4];
	size_t n = 0;

	if (!(m->route->flags & ROUTE_NO_DB) && !(app->settings && settings_live_fresh(app->settings)))
		keys[n++] = "ver:" SETTINGS_CACHE_NS;
	if (found > 0 && !(found == 1 && principal_known(credential)) &&
	    principal_cache_key(credential, found == 2, cred_key) == 0)
		keys[n++] = cred_key;
	if (ns && strcmp(method, "GET") == 0 && !list_kept(ns, req->query, app->cfg->cache_ttl)) {
		snprintf(ver_key, sizeof(ver_key), "ver:%s", ns);
		list_cache_key(ns, req->query, list_key);
		keys[n++] = ver_key;
		keys[n++] = list_key;
	}
	if (n > 1)
		(void)cache_prefetch(app->cache, keys, n);
}

/*
 * Who is asking, from the credential api__credential found (found, key):
 * 0 with *who set (and *by_cookie when the session cookie said so), -1
 * with the reply set.  optional: no credential, or one that does not
 * resolve, is 1 (anonymous) instead of a 401.
 */
static int api__authenticate(struct app *app, const struct request *req, int found,
			     const char *key, bool optional, struct response *r,
			     struct principal *who, bool *by_cookie)
{
	enum herr e = HERR_NOT_FOUND;

	*by_cookie = found == 2;
	if (req->credential_repeated) {
		response_detail(r, 400, "a credential was given more than once; give one");
		return -1;
	}
	if (optional && found <= 0)
		return 1;
	if (found == 0) {
		response_add_header(r, "WWW-Authenticate", "Bearer realm=\"hearth\"");
		response_detail(r, 401, "authentication required");
		return -1;
	}
	if (found == 1)
		e = principal_from_key(app->db, app->cache, app->cfg->cache_ttl, key, who);
	else if (found == 2)
		e = principal_from_session(app->db, app->cache, app->cfg->cache_ttl, key,
					   app->cfg->auth_session_idle_seconds, who);
	if (e == HERR_NOT_FOUND && optional)
		return 1;
	if (e == HERR_NOT_FOUND && found == 2) {
		response_detail(r, 401, "your session has ended; sign in again");
		return -1;
	}
	if (e == HERR_NOT_FOUND) {
		response_add_header(r, "WWW-Authenticate",
				    "Bearer realm=\"hearth\", error=\"invalid_token\"");
		response_detail(r, 401, "invalid API key");
		return -1;
	}
	if (e != HERR_OK) {
		response_error(r, e, NULL);
		return -1;
	}
	return 0;
}

/*
 * Cross-site request forgery.  A browser attaches the session cookie to any
 * request for this site, also one another site's page makes; such a write
 * is refused.  A write under the cookie must come from a page of this site
 * (Origin, or Referer where a browser sent no Origin) and carry the
 * X-Hearth-Request header, which a cross-site form cannot set and a
 * cross-site fetch cannot send without a CORS preflight that nginx never
 * grants.  A write whose Origin names another site is refused whatever
 * the credential but a key (sign-in, first-run setup).  -1 with the 403
 * set, else 0.
 */
static int api__csrf(const struct request *req, const char *method, bool by_cookie,
		     bool by_key, struct response *r)
{
	bool same;

	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || by_key)
		return 0;
	if (req->origin)
		same = request_same_site(req, req->origin, false);
	else if (req->referer)
		same = request_same_site(req, req->referer, true);
	else
		same = !by_cookie;
	if (!same) {
		response_detail(r, 403, "cross-site request refused");
		return -1;
	}
	if (by_cookie && !(req->csrf && *req->csrf)) {
		response_detail(r, 403, "a signed-in write needs the X-Hearth-Request header");
		return -1;
	}
	return 0;
}

/* A dependency failed around the handler: 503 when the database is away
 * or behind, 500 for anything else (never the client's fault here). */
static void api__dependency_error(struct response *r, enum herr e)
{
	response_error(r, e == HERR_UNAVAILABLE || e == HERR_SCHEMA ? e : HERR_INTERNAL, NULL);
}

/* The handler itself; a handler that sets no status is a 500. */
static void api__call(struct ctx *c, struct response *r)
{
	c->m->route->handler(c, r);
	if (r->status == 0) {
		LOG(LOG_ERR, "handler for %s %s set no status", c->m->route->method,
		    c->m->route->pattern);
		response_error(r, HERR_INTERNAL, NULL);
	}
}

/* Forget what an attempt produced, before it runs again. */
static void api__reset(struct ctx *c, struct response *r)
{
	response_clear(r);
	r->status = 0;
	r->headers[0] = '\0';
	c->object_id[0] = '\0';
	c->stale[0] = c->stale[1] = NULL;
	c->actor[0] = '\0';
	c->actor_user_id = 0;
	c->after_rollback = NULL;
}

/* A change that did not happen: whatever the handler said, 503 or 500. */
static void api__not_committed(struct ctx *c, const char *method, struct response *r,
			       enum herr e)
{
	LOG(LOG_ERR, "%s %s: change not committed: %s", method, c->req->path, herr_str(e));
	db_rollback(c->app->db);
	response_clear(r);
	r->headers[0] = '\0';
	api__dependency_error(r, e);
}

/* The audit row of the write the handler answered r to, in the open
 * transaction. */
static enum herr api__audit(struct ctx *c, const char *method, const struct response *r)
{
	const struct audit_entry entry = {
		.key_id = c->who ? c->who->key_id : 0,
		.user_id = c->who ? c->who->user_id : c->actor_user_id,
		.actor = c->actor[0] ? c->actor : c->who ? c->who->name : "anonymous",
		.method = method,
		.path = c->req->path,
		.object_id = c->object_id[0] ? c->object_id : NULL,
		.status = r->status,
		.address = c->req->remote_addr,
	};

	return store_audit_write(c->app->db, &entry);
}

/* Only after the commit: a reader that saw the old rows has cached them
 * under the old version, which nobody reads now.  Also when the commit
 * failed: a connection lost during COMMIT leaves its outcome unknown, and
 * a needless bump costs a miss. */
static void api__bump_stale(struct ctx *c)
{
	for (size_t i = 0; i < sizeof(c->stale) / sizeof(c->stale[0]); i++)
		if (c->stale[i])
			cache_bump(c->app->cache, c->stale[i]);
}

/* A failed write: forget what it queued, then what must be recorded
 * although it failed (the handler's after_rollback), in autocommit. */
static void api__failed(struct ctx *c, bool deadlocked)
{
	app_after_clear(c->app);   /* what it queued was rolled back */
	if (!deadlocked && c->after_rollback)
		c->after_rollback(c, c->after_rollback_data);
}

/*
 * One attempt at a write: the handler inside a transaction that commits
 * together with its audit row, or not at all.  Returns true when the
 * attempt lost a deadlock: the server rolled all of it back, so nothing of
 * it happened and it may simply run again.
 */
static bool api__write_once(struct ctx *c, const char *method, struct response *r)
{
	struct db *db = c->app->db;
	enum herr e;

	app_after_clear(c->app);
	if ((e = db_begin(db)) != HERR_OK) {
		api__dependency_error(r, e);
		return false;
	}
	api__call(c, r);
	if (r->status >= 400) {
		bool deadlocked = db_deadlocked(db);

		db_rollback(db);
		api__failed(c, deadlocked);
		return deadlocked;
	}
	/* A success after a swallowed deadlock describes a rolled-back change. */
	if (db_deadlocked(db)) {
		api__not_committed(c, method, r, HERR_UNAVAILABLE);
		app_after_clear(c->app);
		return true;
	}
	e = api__audit(c, method, r);
	if (e == HERR_OK) {
		e = db_commit(db);
		api__bump_stale(c);
	}
	if (e != HERR_OK) {
		bool deadlocked = db_deadlocked(db);

		api__not_committed(c, method, r, e);
		app_after_clear(c->app);
		return deadlocked;
	}
	return false;
}

/* The audit row of a ROUTE_OWN_TX write, for db_tx. */
struct api_audit {
	struct ctx *c;
	const char *method;
	const struct response *r;
};

static enum herr api__audit_tx(struct db *db, void *arg)
{
	const struct api_audit *a = arg;

	(void)db;
	return api__audit(a->c, a->method, a->r);
}

/*
 * A ROUTE_OWN_TX write: the handler commits its work in steps of its own,
 * so it runs outside any transaction, once (what it committed stays), and
 * its audit row is a transaction of its own once it succeeded.
 */
static void api__write_own_tx(struct ctx *c, const char *method, struct response *r)
{
	struct api_audit a = {c, method, r};
	enum herr e;

	app_after_clear(c->app);
	api__call(c, r);
	if (db_in_transaction(c->app->db)) {
		LOG(LOG_ERR, "handler for %s %s left a transaction open", c->m->route->method,
		    c->m->route->pattern);
		db_rollback(c->app->db);
	}
	if (r->status >= 400) {
		api__failed(c, false);
		return;
	}
	e = db_tx(c->app->db, api__audit_tx, &a);
	api__bump_stale(c);
	if (e != HERR_OK) {
		api__not_committed(c, method, r, e);
		app_after_clear(c->app);
	}
}

/*
 * Run the handler.  A read runs as it is; a write runs in its transaction,
 * again when it lost a deadlock, as every transaction is (db_tx_retry);
 * a ROUTE_OWN_TX write runs outside one.
 */
static void api__run_handler(struct ctx *c, const char *method, struct response *r)
{
	struct db *db = c->app->db;

	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		api__call(c, r);
		/* A read that left a transaction open would hand it on to the
		 * next request of this worker. */
		if (db_in_transaction(db)) {
			LOG(LOG_ERR, "handler for %s %s left a transaction open",
			    c->m->route->method, c->m->route->pattern);
			db_rollback(db);
		}
		return;
	}
	if (c->m->route->flags & ROUTE_OWN_TX) {
		api__write_own_tx(c, method, r);
		return;
	}
	/* A streamed body is read once: its handler gets one attempt. */
	for (int attempt = 1; api__write_once(c, method, r) && !c->req->body_read &&
			      db_tx_retry(db, attempt);
	     attempt++) {
		LOG(LOG_INFO, "%s %s: deadlock, running it again", method, c->req->path);
		api__reset(c, r);
	}
}

static double api__ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The principal a ROUTE_FORM_KEY handler authenticated, for c->who: one
 * request at a time per worker. */
static struct principal api_form_who;

bool api_form_credential_due(const struct ctx *c)
{
	return !c->who && (c->m->route->flags & ROUTE_FORM_KEY) && c->req->body_read;
}

int api_authenticate_form(struct ctx *c, const char *key, struct response *r)
{
	const char *method = c->req->method ? c->req->method : "";
	const char *path = c->req->path ? c->req->path : "";
	bool by_cookie = false;

	if (!api_form_credential_due(c)) {
		response_detail(r, 400, "a credential was given more than once; give one");
		return -1;
	}
	memset(&api_form_who, 0, sizeof(api_form_who));
	if (api__authenticate(c->app, c->req, key && *key ? 1 : 0, key ? key : "", false, r,
			      &api_form_who, &by_cookie) < 0)
		return -1;
	if (!roles_allows(c->app->roles, api_form_who.role, method, path)) {
		response_detail(r, 403, "role '%s' may not %s %s", api_form_who.role, method, path);
		return -1;
	}
	c->who = &api_form_who;
	return 0;
}

void api_handle(struct app *app, const struct request *req, struct response *r)
{
	const char *method = req->method ? req->method : "";
	const char *path = req->path ? req->path : "";
	struct route_match m;
	struct principal who;
	struct ctx c;
	const struct principal *logged = NULL;  /* who the log line names */
	bool authenticated = false, by_cookie = false;
	char allow[128], credential[API_CRED_MAX + 1];
	char key_id[24] = "-";
	int found = 0;
	uint64_t reads = cache_reads(app->cache);
	json_t *body = NULL;
	struct timespec t0;
	size_t route_slot = METRICS_UNMATCHED;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (req->body_too_large) {
		response_detail(r, 413, "request body too large (limit %zu bytes)",
				app->cfg->api_max_body_bytes);
		goto out;
	}

	switch (router_match(method, path, &m, allow, sizeof(allow))) {
	case ROUTE_FOUND:
		route_slot = (size_t)(m.route - routes);
		break;
	case ROUTE_METHOD_NOT_ALLOWED:
		response_add_header(r, "Allow", allow);
		response_detail(r, 405, "Method Not Allowed");
		goto out;
	case ROUTE_NOT_FOUND:
	default:
		response_detail(r, 404, "Not Found");
		goto out;
	}

	if (api__parse_body(req, m.route->flags, r, &body) < 0)
		goto out;
	if (!(m.route->flags & ROUTE_PUBLIC) || (m.route->flags & ROUTE_OPTIONAL_AUTH))
		found = api__credential(req, body, credential, sizeof(credential));
	api__prefetch(app, req, &m, method, found, credential);

	if (!(m.route->flags & ROUTE_NO_DB) && api__database_gate(app, r) < 0)
		goto out;
	if (!(m.route->flags & ROUTE_NO_DB))
		app_settings_refresh(app);

	if (!(m.route->flags & ROUTE_PUBLIC)) {
		/* HEAD is a GET without the body, so the GET rule covers it. */
		const char *as = strcmp(method, "HEAD") == 0 ? "GET" : method;

		/* A form's device_key is the handler's to find (ROUTE_FORM_KEY). */
		bool form_key = found == 0 && (m.route->flags & ROUTE_FORM_KEY) && req->body_read;

		if (!form_key && api__authenticate(app, req, found, credential, false, r, &who,
						   &by_cookie) < 0)
			goto out;
		authenticated = !form_key;
		if (authenticated && !(m.route->flags & ROUTE_SELF) &&
		    !roles_allows(app->roles, who.role, as, path)) {
			response_detail(r, 403, "role '%s' may not %s %s", who.role, as, path);
			goto out;
		}
	} else if (m.route->flags & ROUTE_OPTIONAL_AUTH) {
		int a = api__authenticate(app, req, found, credential, true, r, &who,
					  &by_cookie);

		/* A route that answers without the database (NO_DB) does not
		 * fail because the database cannot vouch for a credential just
		 * now: the caller is anonymous. */
		if (a < 0 && (m.route->flags & ROUTE_NO_DB) && r->status >= 500) {
			response_clear(r);
			r->status = 0;
			r->headers[0] = '\0';
			a = 1;
		}
		if (a < 0)
			goto out;
		authenticated = a == 0;
	}
	if (api__csrf(req, method, authenticated && by_cookie, authenticated && !by_cookie,
		      r) < 0)
		goto out;

	memset(&c, 0, sizeof(c));
	c.app = app;
	c.req = req;
	c.m = &m;
	c.body = body;
	c.who = authenticated ? &who : NULL;
	api__run_handler(&c, method, r);
	logged = c.who;

out:
	if (r->status == 0)
		response_error(r, HERR_INTERNAL, NULL);
	cache_prefetch_drop(app->cache);
	explicit_bzero(credential, sizeof(credential));
	json_decref(body);
	if (!logged && authenticated)
		logged = &who;
	if (logged)
		snprintf(key_id, sizeof(key_id), "%lld", (long long)logged->key_id);
	metrics_request(route_slot, method, r->status, api__ms_since(&t0) / 1e3);
	metrics_cache_reads(cache_reads(app->cache) - reads);
	/* The path only, never the query string: it may carry api_key. */
	LOG(LOG_INFO, "%s %s %d %.1fms key_id=%s%s%s", method, path, r->status, api__ms_since(&t0),
	    key_id, req->request_id ? " request=" : "", req->request_id ? req->request_id : "");
}
