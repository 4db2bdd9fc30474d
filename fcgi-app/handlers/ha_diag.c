/*
 * Home Assistant read live: its Lovelace dashboards (GET /dashboards,
 * /dashboards/{url_path}/config) and diagnostics (GET
 * /diagnostics/ha-health, /diagnostics/error-log, /diagnostics/config-check;
 * admin only, by roles.conf).  Nothing here is kept: each request asks HA
 * over its WebSocket API (net/ha_ws.h) or REST API (net/ha.h), bounded by
 * [homeassistant] timeout_seconds.
 *
 * HA down, refusing the token or answering badly: 502; not answering in
 * time: 504; not configured: 503 with what to set.  ha-health alone still
 * answers when HA cannot be reached, from what the last sync and the
 * bridge kept, saying so.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "ha/error_log.h"
#include "ha/map.h"
#include "handlers.h"
#include "net/ha.h"
#include "net/ha_ws.h"
#include "net/http.h"
#include "resource.h"
#include "response.h"
#include "router.h"
#include "store/ha.h"
#include "store/ha_bridge.h"

#define DIAG_NOT_CONFIGURED \
	"Home Assistant is not configured: set [homeassistant] url and token in " \
	"hearth.conf, or ha_url and ha_token with PATCH /api/v1/settings"
#define DIAG_URL_PATH_MAX 100
/* The default dashboard: HA's own name for it in the frontend's URL. */
#define DIAG_DEFAULT_DASHBOARD "lovelace"
#define DIAG_LIST_MAX 1000
#define DIAG_LOG_LIMIT_DEFAULT 100
#define DIAG_LOG_LIMIT_MAX 1000

/* HA's failure as the reply: 504 when it did not answer in time, else 502. */
static int diag__failed(struct response *r, enum herr e, const char *why)
{
	if (e == HERR_NOMEM)
		return response_error(r, e, "Home Assistant");
	return response_detail(r, strstr(why, "timed out") ? 504 : 502, "%s", why);
}

/* One command on a connection of its own: as ha_ws_command, with
 * HERR_UNAVAILABLE when the connection could not be made. */
static enum herr diag__ws(struct ctx *c, const char *type, const json_t *extra,
			  json_t **result, char *why, size_t whylen)
{
	struct ha_ws *ws = ha_ws_connect(c->app->cfg, why, whylen);
	enum herr e;

	*result = NULL;
	if (!ws)
		return HERR_UNAVAILABLE;
	e = ha_ws_command(ws, type, extra, result, why, whylen);
	ha_ws_close(ws);
	return e;
}

/* ---------------------------------------------------------------- dashboards */

/* [a-z0-9_-], 1 to DIAG_URL_PATH_MAX: what HA allows in a dashboard's
 * url_path, and what keeps it a single path segment. */
static bool diag__url_path_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= DIAG_URL_PATH_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int h_dashboards_list(struct ctx *c, struct response *r)
{
	json_t *list = NULL, *items = NULL, *d;
	char why[512];
	enum herr e;
	size_t i;
	int status;

	if (!ha_configured(c->app->cfg))
		return response_detail(r, 503, "%s", DIAG_NOT_CONFIGURED);
	if ((e = diag__ws(c, "lovelace/dashboards/list", NULL, &list, why, sizeof(why))) !=
	    HERR_OK)
		return diag__failed(r, e, why);
	if (!json_is_array(list)) {
		json_decref(list);
		return response_detail(r, 502, "Home Assistant's answer to lovelace/dashboards/list "
				       "is not a list");
	}
	/* HA lists the dashboards made in its UI or YAML; the default one,
	 * always there, is not among them. */
	items = json_pack("[{s:s, s:s, s:s, s:n, s:n, s:b, s:b, s:b}]",
			  "id", DIAG_DEFAULT_DASHBOARD, "url_path", DIAG_DEFAULT_DASHBOARD,
			  "title", "Overview", "icon", "mode", "require_admin", 0,
			  "show_in_sidebar", 1, "default", 1);
	json_array_foreach(list, i, d) {
		json_t *one;

		if (!items || !json_is_object(d))
			continue;
		if (!(one = json_copy(d)) || json_object_set_new(one, "default", json_false()) != 0 ||
		    json_array_append_new(items, one) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	status = ctx_reply(r, 200, items ? json_pack("{s:o}", "items", items) : NULL);
	json_decref(list);
	return status;
}

int h_dashboards_config(struct ctx *c, struct response *r)
{
	char url_path[DIAG_URL_PATH_MAX + 2], why[512];
	json_t *extra = NULL, *config = NULL;
	bool is_default;
	enum herr e;

	if (route_capture(c->m, "url_path", url_path, sizeof(url_path)) != 0 ||
	    !diag__url_path_valid(url_path))
		return response_detail(r, 422, "a dashboard's url_path is 1 to %d lower case "
				       "letters, digits, '-' and '_'", DIAG_URL_PATH_MAX);
	if (!ha_configured(c->app->cfg))
		return response_detail(r, 503, "%s", DIAG_NOT_CONFIGURED);
	is_default = strcmp(url_path, DIAG_DEFAULT_DASHBOARD) == 0;
	/* The default dashboard is the one asked for without a url_path. */
	if (!is_default && !(extra = json_pack("{s:s}", "url_path", url_path)))
		return response_error(r, HERR_NOMEM, "dashboard");
	e = diag__ws(c, "lovelace/config", extra, &config, why, sizeof(why));
	json_decref(extra);
	if (e == HERR_INVALID && strstr(why, "config_not_found"))
		return response_detail(r, 404, "dashboard %s not found, or it has no "
				       "configuration yet", url_path);
	if (e != HERR_OK)
		return diag__failed(r, e, why);
	return ctx_reply(r, 200, json_pack("{s:s, s:b, s:o}", "url_path", url_path,
					   "default", is_default, "config", config));
}

/* ---------------------------------------------------------------- ha-health */

/* Domains whose entities are "unknown" until first used (a button never
 * pressed, a scene never turned on): not a sign of trouble. */
static bool diag__stateless(const char *entity_id)
{
	static const char *const domains[] = {"button", "input_button", "scene", "event", "tts",
					      "stt", "conversation", "notify", "wake_word", NULL};
	char domain[64];

	ha_entity_domain(entity_id, domain, sizeof(domain));
	for (size_t i = 0; domains[i]; i++)
		if (strcmp(domain, domains[i]) == 0)
			return true;
	return false;
}

/* The states of a config entry that mean its integration is not working
 * (disabled entries are not_loaded on purpose and left out). */
static bool diag__entry_failed(const json_t *entry)
{
	static const char *const bad[] = {"setup_error", "setup_retry", "not_loaded",
					  "failed_unload", "migration_error", NULL};
	const char *state = json_string_value(json_object_get(entry, "state"));
	const json_t *disabled_by;

	if (!state)
		return false;
	disabled_by = json_object_get(entry, "disabled_by");
	if (strcmp(state, "not_loaded") == 0 && disabled_by && !json_is_null(disabled_by))
		return false;
	for (size_t i = 0; bad[i]; i++)
		if (strcmp(state, bad[i]) == 0)
			return true;
	return false;
}

struct diag__health {
	json_t *unavailable, *unknown, *not_in_ha, *integrations;
	size_t checked, n_unavailable, n_unknown, n_not_in_ha;
};

/* One entity in state state (kept: the synced row, may be NULL; live:
 * HA's state object, NULL when read from the database). */
static void diag__entity(struct diag__health *h, const char *id, const char *state,
			 const json_t *kept, const json_t *live)
{
	const json_t *attrs = json_object_get(live, "attributes");
	json_t *list, *one;
	size_t *n;

	h->checked++;
	if (!state)
		return;
	if (strcmp(state, "unavailable") == 0) {
		list = h->unavailable;
		n = &h->n_unavailable;
	} else if (strcmp(state, "unknown") == 0 && !diag__stateless(id)) {
		list = h->unknown;
		n = &h->n_unknown;
	} else {
		return;
	}
	if ((*n)++ >= DIAG_LIST_MAX)
		return;
	one = json_pack("{s:s, s:s, s:O?, s:O?, s:O?}", "entity_id", id, "state", state,
			"name", json_object_get(attrs, "friendly_name"),
			"last_changed", json_object_get(live, "last_changed"),
			"synced_state", json_object_get(kept, "state"));
	json_array_append_new(list, one);
}

int h_diag_ha_health(struct ctx *c, struct response *r)
{
	struct diag__health h = {0};
	struct ha_ws *ws = NULL;
	json_t *kept = json_object(), *states = NULL, *entries = NULL, *bridge = NULL, *v, *st;
	json_t *reply = NULL, *ha = NULL;
	const char *id, *version = NULL;
	char why[512] = "";
	bool live = false;
	enum herr e;
	size_t i;
	int status = resource_start(r);

	if (!ha_configured(c->app->cfg)) {
		json_decref(kept);
		return response_detail(r, 503, "%s", DIAG_NOT_CONFIGURED);
	}
	h.unavailable = json_array();
	h.unknown = json_array();
	h.not_in_ha = json_array();
	if (!kept || !h.unavailable || !h.unknown || !h.not_in_ha)
		goto out;
	if ((e = store_ha_entity_states(c->app->db, kept)) != HERR_OK) {
		status = response_error(r, e, "entities");
		goto out;
	}
	e = store_ha_bridge_status_get(c->app->db, HA_BRIDGE_STALE_S, &bridge);
	if (e != HERR_OK && e != HERR_NOT_FOUND) {
		status = response_error(r, e, "bridge status");
		goto out;
	}

	/* HA itself: its states and its integrations' config entries on one
	 * connection.  Failing that, what was kept. */
	if ((ws = ha_ws_connect(c->app->cfg, why, sizeof(why))) &&
	    ha_ws_command(ws, "get_states", NULL, &states, why, sizeof(why)) == HERR_OK &&
	    json_is_array(states)) {
		live = true;
		version = ha_ws_version(ws);
		if (ha_ws_command(ws, "config_entries/get", NULL, &entries, why, sizeof(why)) !=
			    HERR_OK || !json_is_array(entries)) {
			json_decref(entries);
			entries = NULL;
		}
	} else if (ws && !why[0]) {
		snprintf(why, sizeof(why), "Home Assistant's answer to get_states is not a list");
	}

	if (live) {
		json_t *seen = json_object();

		if (!seen)
			goto out;
		json_array_foreach(states, i, st) {
			id = json_string_value(json_object_get(st, "entity_id"));
			if (!id)
				continue;
			json_object_set_new(seen, id, json_true());
			diag__entity(&h, id, json_string_value(json_object_get(st, "state")),
				     json_object_get(kept, id), st);
		}
		/* Kept by the last sync, gone from HA's states since (a
		 * disabled entity has no state: not a loss). */
		json_object_foreach(kept, id, v) {
			if (json_object_get(seen, id) || json_is_true(json_object_get(v, "disabled")))
				continue;
			if (h.n_not_in_ha++ < DIAG_LIST_MAX)
				json_array_append_new(h.not_in_ha, json_string(id));
		}
		json_decref(seen);
	} else {
		json_object_foreach(kept, id, v) {
			if (!json_is_true(json_object_get(v, "disabled")))
				diag__entity(&h, id, json_string_value(json_object_get(v, "state")), v,
					     NULL);
		}
	}
	if (entries) {
		json_t *entry, *failed = json_array();

		json_array_foreach(entries, i, entry) {
			if (!failed || !diag__entry_failed(entry))
				continue;
			json_array_append_new(failed, json_pack(
				"{s:O?, s:O?, s:O?, s:O?, s:O?}",
				"entry_id", json_object_get(entry, "entry_id"),
				"domain", json_object_get(entry, "domain"),
				"title", json_object_get(entry, "title"),
				"state", json_object_get(entry, "state"),
				"reason", json_object_get(entry, "reason")));
		}
		h.integrations = json_pack("{s:I, s:o?}", "total", (json_int_t)json_array_size(entries),
					   "errors", failed);
	}
	if (!version && bridge)
		version = json_string_value(json_object_get(bridge, "ha_version"));
	ha = json_pack("{s:b, s:s?, s:s?}", "reachable", live, "version", version,
		       "error", live ? NULL : why);
	reply = json_pack("{s:o?, s:s, s:b, s:{s:I, s:I, s:o, s:I, s:o, s:I, s:o}, s:o, s:O}",
			  "home_assistant", ha,
			  "source", live ? "live" : "database",
			  "healthy", live && h.n_unavailable == 0 &&
				     (!h.integrations ||
				      json_array_size(json_object_get(h.integrations, "errors")) == 0),
			  "entities",
			  "checked", (json_int_t)h.checked,
			  "unavailable_count", (json_int_t)h.n_unavailable,
			  "unavailable", h.unavailable,
			  "unknown_count", (json_int_t)h.n_unknown,
			  "unknown", h.unknown,
			  "not_in_ha_count", (json_int_t)h.n_not_in_ha,
			  "not_in_ha", h.not_in_ha,
			  "integrations", h.integrations ? h.integrations : json_null(),
			  "bridge", bridge ? bridge : json_null());
	ha = NULL;
	h.unavailable = h.unknown = h.not_in_ha = h.integrations = NULL;
	status = ctx_reply(r, 200, reply);
out:
	ha_ws_close(ws);
	json_decref(ha);
	json_decref(kept);
	json_decref(states);
	json_decref(entries);
	json_decref(bridge);
	json_decref(h.unavailable);
	json_decref(h.unknown);
	json_decref(h.not_in_ha);
	json_decref(h.integrations);
	return status;
}

/* ---------------------------------------------------------------- error-log */

int h_diag_error_log(struct ctx *c, struct response *r)
{
	static const char *const levels[] = {"debug", "info", "warning", "error", "critical",
					     NULL};
	struct net_response rs;
	enum ha_log_level min = HA_LOG_DEBUG;
	const char *level = NULL;
	int64_t limit = DIAG_LOG_LIMIT_DEFAULT;
	json_t *errs = json_array(), *log;
	enum herr e;
	int status;

	if (!errs)
		return resource_start(r);
	if (ctx_query_enum(c, "level", levels, &level, errs) > 0)
		(void)ha_log_level_parse(level, &min);
	(void)ctx_query_int(c, "limit", 1, DIAG_LOG_LIMIT_MAX, &limit, errs);
	if (json_array_size(errs) > 0)
		return ctx_invalid(r, errs);
	json_decref(errs);
	if (!ha_configured(c->app->cfg))
		return response_detail(r, 503, "%s", DIAG_NOT_CONFIGURED);
	if ((e = ha_get_error_log(c->app->cfg, &rs)) != HERR_OK) {
		status = diag__failed(r, e, rs.error);
		net_response_free(&rs);
		return status;
	}
	log = ha_error_log_parse(rs.body, rs.body_len, min, (size_t)limit);
	if (log && (json_object_set_new(log, "truncated", json_boolean(rs.truncated)) != 0 ||
		    json_object_set_new(log, "level", json_string(level ? level : "debug")) != 0)) {
		json_decref(log);
		log = NULL;
	}
	net_response_free(&rs);
	return ctx_reply(r, 200, log);
}

/* ---------------------------------------------------------------- config-check */

/* HA's errors or warnings (text, one per line, or null) as a list. */
static json_t *diag__lines(const json_t *v)
{
	json_t *out = json_array();
	const char *s = json_string_value(v), *nl;

	while (out && s && *s) {
		size_t n;

		nl = strchr(s, '\n');
		n = nl ? (size_t)(nl - s) : strlen(s);
		if (n > 0)
			json_array_append_new(out, json_stringn(s, n));
		s += n + (nl ? 1 : 0);
	}
	if (out && json_is_array(v))
		json_array_extend(out, (json_t *)v);
	return out;
}

int h_diag_config_check(struct ctx *c, struct response *r)
{
	struct net_response rs;
	json_t *res = NULL;
	const char *result;
	enum herr e;
	int status;

	if (!ha_configured(c->app->cfg))
		return response_detail(r, 503, "%s", DIAG_NOT_CONFIGURED);
	e = ha_check_config(c->app->cfg, &res, &rs);
	if (e != HERR_OK) {
		status = diag__failed(r, e, rs.error);
		net_response_free(&rs);
		return status;
	}
	net_response_free(&rs);
	result = json_string_value(json_object_get(res, "result"));
	if (!result || (strcmp(result, "valid") != 0 && strcmp(result, "invalid") != 0)) {
		json_decref(res);
		return response_detail(r, 502, "Home Assistant's answer to check_config has no "
				       "result valid or invalid");
	}
	status = ctx_reply(r, 200, json_pack("{s:s, s:o, s:o}", "result", result,
					     "errors", diag__lines(json_object_get(res, "errors")),
					     "warnings",
					     diag__lines(json_object_get(res, "warnings"))));
	json_decref(res);
	return status;
}
