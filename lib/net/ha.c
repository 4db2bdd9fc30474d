/*
 * Home Assistant service calls.  What HA answers is turned into a
 * sentence a person can act on: a refused token, a service that does not
 * exist, data the service did not accept.
 */
#include "net/ha.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ha/map.h"
#include "net/http.h"

#define HA_WORD_MAX 64
#define HA_PATH_MAX (sizeof("/api/services/") + 2 * HA_WORD_MAX + 2)

static const char ha__not_configured[] =
	"Home Assistant is not configured ([homeassistant] url and token)";

/* [a-z0-9_]+: HA's own rule for domains and services, and what keeps the
 * URL path ours. */
static bool ha__word(const char *s, size_t n)
{
	if (!s || n == 0 || n > HA_WORD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

bool ha_configured(const struct hearth_config *cfg)
{
	return cfg && cfg->ha_url[0] != '\0' && cfg->ha_token[0] != '\0';
}

/* Turn a non-2xx answer into rs->error, keeping the status.  HA's
 * reason, when its body carries one ({"message": "..."}), is quoted. */
static void ha__refusal(struct net_response *rs, const char *domain, const char *service)
{
	json_t *root = NULL;
	const char *msg = NULL;
	long st = rs->status;

	if (rs->body && rs->body_len > 0) {
		root = json_loadb(rs->body, rs->body_len, 0, NULL);
		msg = json_string_value(json_object_get(root, "message"));
	}
	if (st == 401 || st == 403)
		net_response_error(rs, "Home Assistant refused the token (HTTP %ld)", st);
	else if (st == 404 || (st == 400 && msg && strstr(msg, "not found")))
		net_response_error(rs, "no such service %s.%s (HTTP %ld)", domain, service, st);
	else if (msg && *msg)
		net_response_error(rs, "Home Assistant refused %s.%s (HTTP %ld): %s", domain,
				   service, st, msg);
	else
		net_response_error(rs, "Home Assistant answered HTTP %ld to %s.%s", st, domain,
				   service);
	json_decref(root);
}

/* The configured URL without its trailing slashes: its length. */
static size_t ha__base_len(const struct hearth_config *cfg)
{
	size_t n = strlen(cfg->ha_url);

	while (n > 0 && cfg->ha_url[n - 1] == '/')
		n--;
	return n;
}

/*
 * method {url}{path} with the token, the [homeassistant] timeout and TLS
 * setting; body (JSON text) or NULL.  As net_http(), with "Home
 * Assistant: " before a transport failure.
 */
static enum herr ha__request(const struct hearth_config *cfg, const char *method,
			     const char *path, const char *body, size_t body_max,
			     struct net_response *rs)
{
	struct net_request rq = { 0 };
	size_t base_len = ha__base_len(cfg), url_len = base_len + strlen(path) + 1;
	char *url = malloc(url_len);
	enum herr rv;

	if (!url) {
		memset(rs, 0, sizeof(*rs));
		net_response_error(rs, "out of memory");
		return HERR_NOMEM;
	}
	snprintf(url, url_len, "%.*s%s", (int)base_len, cfg->ha_url, path);
	rq.method = method;
	rq.url = url;
	if (body) {
		rq.content_type = "application/json";
		rq.body = body;
		rq.body_len = strlen(body);
	}
	rq.bearer = cfg->ha_token;
	rq.timeout_ms = cfg->ha_timeout_ms;
	rq.insecure_tls = !cfg->ha_verify_tls;
	rq.body_max = body_max;

	rv = net_http(&rq, rs);
	if (rv != HERR_OK) {
		char why[NET_ERROR_MAX];

		memcpy(why, rs->error, sizeof(why));
		net_response_error(rs, "Home Assistant: %s", why);
	}
	free(url);
	return rv;
}

/* A 2xx body as JSON of the type wanted (JSON_OBJECT or JSON_ARRAY) into
 * *out (new reference): HERR_OK, or HERR_INTERNAL with rs->error. */
static enum herr ha__body_json(struct net_response *rs, json_type want, const char *what,
			       json_t **out)
{
	json_t *root;

	if (rs->truncated) {
		net_response_error(rs, "Home Assistant's answer to %s is larger than Hearth "
				   "reads (%zu bytes)", what, rs->body_len);
		return HERR_INTERNAL;
	}
	root = json_loadb(rs->body, rs->body_len, 0, NULL);
	if (!root || json_typeof(root) != want) {
		json_decref(root);
		net_response_error(rs, "Home Assistant's answer to %s is not a JSON %s", what,
				   want == JSON_ARRAY ? "array" : "object");
		return HERR_INTERNAL;
	}
	*out = root;
	return HERR_OK;
}

/* A non-2xx answer to a read as rs->error: HERR_NOT_FOUND for a 404 (the
 * caller words it), else HERR_INVALID. */
static enum herr ha__read_refusal(struct net_response *rs, const char *what)
{
	json_t *root = NULL;
	const char *msg = NULL;
	long st = rs->status;

	if (st == 404)
		return HERR_NOT_FOUND;
	if (rs->body && rs->body_len > 0) {
		root = json_loadb(rs->body, rs->body_len, 0, NULL);
		msg = json_string_value(json_object_get(root, "message"));
	}
	if (st == 401 || st == 403)
		net_response_error(rs, "Home Assistant refused the token (HTTP %ld)", st);
	else if (msg && *msg)
		net_response_error(rs, "Home Assistant answered HTTP %ld to %s: %s", st, what, msg);
	else
		net_response_error(rs, "Home Assistant answered HTTP %ld to %s", st, what);
	json_decref(root);
	return HERR_INVALID;
}

/* GET path, expecting JSON of type want in *out. */
static enum herr ha__get_json(const struct hearth_config *cfg, const char *path,
			      json_type want, size_t body_max, json_t **out,
			      struct net_response *rs)
{
	char what[sizeof("GET /api/config/automation/config/") + HA_ID_MAX];
	enum herr rv;

	*out = NULL;
	if (!ha_configured(cfg)) {
		memset(rs, 0, sizeof(*rs));
		net_response_error(rs, "%s", ha__not_configured);
		return HERR_INVALID;
	}
	snprintf(what, sizeof(what), "GET %s", path);
	rv = ha__request(cfg, "GET", path, NULL, body_max, rs);
	if (rv != HERR_OK)
		return rv;
	if (!net_response_ok(rs))
		return ha__read_refusal(rs, what);
	return ha__body_json(rs, want, what, out);
}

enum herr ha_check_api(const struct hearth_config *cfg, struct net_response *rs)
{
	json_t *root = NULL;
	const char *msg;
	enum herr rv = ha__get_json(cfg, "/api/", JSON_OBJECT, 0, &root, rs);

	if (rv == HERR_NOT_FOUND) {
		net_response_error(rs, "no Home Assistant API at this URL (HTTP 404 to GET /api/)");
		return HERR_INVALID;
	}
	if (rv != HERR_OK)
		return rv;
	msg = json_string_value(json_object_get(root, "message"));
	if (!msg || strcmp(msg, "API running.") != 0) {
		net_response_error(rs, "GET /api/ did not answer Home Assistant's "
				   "\"API running.\"");
		rv = HERR_INTERNAL;
	}
	json_decref(root);
	return rv;
}

enum herr ha_get_config(const struct hearth_config *cfg, json_t **config,
			struct net_response *rs)
{
	enum herr rv = ha__get_json(cfg, "/api/config", JSON_OBJECT, 0, config, rs);

	if (rv == HERR_NOT_FOUND) {
		net_response_error(rs, "Home Assistant answered HTTP 404 to GET /api/config");
		return HERR_INVALID;
	}
	return rv;
}

enum herr ha_get_states(const struct hearth_config *cfg, json_t **states,
			struct net_response *rs)
{
	enum herr rv = ha__get_json(cfg, "/api/states", JSON_ARRAY, HA_ANSWER_MAX, states, rs);

	if (rv == HERR_NOT_FOUND) {
		net_response_error(rs, "Home Assistant answered HTTP 404 to GET /api/states");
		return HERR_INVALID;
	}
	return rv;
}

enum herr ha_get_state(const struct hearth_config *cfg, const char *entity_id, json_t **state,
		       struct net_response *rs)
{
	char path[sizeof("/api/states/") + HA_ID_MAX];
	enum herr rv;

	*state = NULL;
	if (!ha_entity_id_valid(entity_id)) {
		memset(rs, 0, sizeof(*rs));
		net_response_error(rs, "an entity id is domain.object_id in lower case letters, "
				   "digits and _");
		return HERR_INVALID;
	}
	snprintf(path, sizeof(path), "/api/states/%s", entity_id);
	rv = ha__get_json(cfg, path, JSON_OBJECT, 0, state, rs);
	if (rv == HERR_NOT_FOUND)
		net_response_error(rs, "Home Assistant has no entity %s", entity_id);
	return rv;
}

enum herr ha_get_error_log(const struct hearth_config *cfg, struct net_response *rs)
{
	enum herr rv;

	if (!ha_configured(cfg)) {
		memset(rs, 0, sizeof(*rs));
		net_response_error(rs, "%s", ha__not_configured);
		return HERR_INVALID;
	}
	rv = ha__request(cfg, "GET", "/api/error_log", NULL, HA_ANSWER_MAX, rs);
	if (rv != HERR_OK)
		return rv;
	if (!net_response_ok(rs)) {
		if (ha__read_refusal(rs, "GET /api/error_log") == HERR_NOT_FOUND)
			net_response_error(rs, "Home Assistant answered HTTP 404 to GET "
					   "/api/error_log (is its log written to a file?)");
		return HERR_INVALID;
	}
	return HERR_OK;
}

enum herr ha_check_config(const struct hearth_config *cfg, json_t **result,
			  struct net_response *rs)
{
	static const char what[] = "POST /api/config/core/check_config";
	enum herr rv;

	*result = NULL;
	if (!ha_configured(cfg)) {
		memset(rs, 0, sizeof(*rs));
		net_response_error(rs, "%s", ha__not_configured);
		return HERR_INVALID;
	}
	rv = ha__request(cfg, "POST", "/api/config/core/check_config", "{}", 0, rs);
	if (rv != HERR_OK)
		return rv;
	if (!net_response_ok(rs)) {
		if (ha__read_refusal(rs, what) == HERR_NOT_FOUND)
			net_response_error(rs, "Home Assistant answered HTTP 404 to %s (is its "
					   "config integration loaded?)", what);
		return HERR_INVALID;
	}
	return ha__body_json(rs, JSON_OBJECT, what, result);
}

enum herr ha_get_automation_config(const struct hearth_config *cfg, const char *id,
				   json_t **config, struct net_response *rs)
{
	static const char prefix[] = "/api/config/automation/config/";
	char path[sizeof(prefix) + HA_ID_MAX];
	size_t n = id ? strlen(id) : 0;
	enum herr rv;

	*config = NULL;
	if (n == 0 || n > HA_ID_MAX ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n ||
	    strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
		memset(rs, 0, sizeof(*rs));
		net_response_error(rs, "an automation's config id is letters, digits, _, - and .");
		return HERR_INVALID;
	}
	snprintf(path, sizeof(path), "%s%s", prefix, id);
	rv = ha__get_json(cfg, path, JSON_OBJECT, HA_ANSWER_MAX, config, rs);
	if (rv == HERR_NOT_FOUND)
		net_response_error(rs, "Home Assistant has no config for automation %s", id);
	return rv;
}

enum herr ha_call_service(const struct hearth_config *cfg, const char *domain,
			  const char *service, const json_t *data, json_t **changed,
			  struct net_response *rs)
{
	char path[HA_PATH_MAX];
	char *body = NULL;
	enum herr rv;

	memset(rs, 0, sizeof(*rs));
	if (changed)
		*changed = NULL;
	if (!ha_configured(cfg)) {
		net_response_error(rs, "%s", ha__not_configured);
		return HERR_INVALID;
	}
	if (!ha__word(domain, domain ? strlen(domain) : 0) ||
	    !ha__word(service, service ? strlen(service) : 0)) {
		net_response_error(rs, "a Home Assistant domain and service are lower case letters, "
				   "digits and _");
		return HERR_INVALID;
	}
	if (data && !json_is_object(data)) {
		net_response_error(rs, "the service data must be a JSON object");
		return HERR_INVALID;
	}
	body = data ? json_dumps(data, JSON_COMPACT) : strdup("{}");
	if (!body) {
		net_response_error(rs, "out of memory");
		return HERR_NOMEM;
	}
	snprintf(path, sizeof(path), "/api/services/%s/%s", domain, service);

	rv = ha__request(cfg, "POST", path, body, changed ? HA_ANSWER_MAX : 0, rs);
	if (rv != HERR_OK)
		goto out;
	if (!net_response_ok(rs)) {
		ha__refusal(rs, domain, service);
		goto out;
	}
	/* The service ran: an answer Hearth cannot read is the caller's to
	 * judge, not a failure of the call. */
	if (changed && !rs->truncated) {
		*changed = json_loadb(rs->body, rs->body_len, 0, NULL);
		if (!json_is_array(*changed)) {
			json_decref(*changed);
			*changed = NULL;
		}
	}
out:
	free(body);
	return rv;
}

enum herr ha_speak(const struct hearth_config *cfg, const char *media_player,
		   const char *message, struct net_response *rs)
{
	const char *svc = cfg ? cfg->ha_tts_service : "";
	const char *dot = strchr(svc, '.');
	char domain[HA_WORD_MAX + 1], service[HA_WORD_MAX + 1];
	json_t *data = NULL;
	enum herr rv;

	memset(rs, 0, sizeof(*rs));
	if (!media_player || !*media_player)
		media_player = cfg ? cfg->ha_media_player : "";
	if (!ha_configured(cfg)) {
		net_response_error(rs, "%s", ha__not_configured);
		return HERR_INVALID;
	}
	if (!message || !*message) {
		net_response_error(rs, "nothing to say: the message is empty");
		return HERR_INVALID;
	}
	if (!*media_player) {
		net_response_error(rs,
				   "no media player to speak on ([homeassistant] media_player)");
		return HERR_INVALID;
	}
	if (!dot || !ha__word(svc, (size_t)(dot - svc)) || !ha__word(dot + 1, strlen(dot + 1))) {
		net_response_error(rs,
				   "[homeassistant] tts_service is not a service such as tts.speak");
		return HERR_INVALID;
	}
	snprintf(domain, sizeof(domain), "%.*s", (int)(dot - svc), svc);
	snprintf(service, sizeof(service), "%s", dot + 1);

	/* tts.speak names the TTS engine as its target and the player as
	 * data; the older tts.<engine>_say services target the player. */
	if (strcmp(svc, "tts.speak") == 0) {
		if (!cfg->ha_tts_entity[0]) {
			net_response_error(rs, "tts.speak needs [homeassistant] tts_entity (the TTS "
					   "engine, e.g. tts.piper)");
			return HERR_INVALID;
		}
		data = json_pack("{s:s, s:s, s:s}", "entity_id", cfg->ha_tts_entity,
				 "media_player_entity_id", media_player, "message", message);
	} else {
		data = json_pack("{s:s, s:s}", "entity_id", media_player, "message", message);
	}
	if (!data) {
		/* json_pack refuses text that is not UTF-8 as well. */
		net_response_error(rs, "the message is not valid UTF-8");
		return HERR_INVALID;
	}
	rv = ha_call_service(cfg, domain, service, data, NULL, rs);
	json_decref(data);
	return rv;
}
