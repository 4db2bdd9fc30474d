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
#include "net/http.h"

#define HA_NAME_MAX 64

static const char ha__not_configured[] =
	"Home Assistant is not configured ([homeassistant] url and token)";

/* [a-z0-9_]+: HA's own rule for domains and services, and what keeps the
 * URL path ours. */
static bool ha__word(const char *s, size_t n)
{
	if (!s || n == 0 || n > HA_NAME_MAX)
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

enum herr ha_call_service(const struct hearth_config *cfg, const char *domain,
			  const char *service, const json_t *data, struct net_response *rs)
{
	struct net_request rq = { 0 };
	json_t *empty = NULL;
	char *body = NULL, *url = NULL;
	size_t base_len, url_len;
	enum herr rv;

	memset(rs, 0, sizeof(*rs));
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
	if (!data)
		data = empty = json_object();
	body = data ? json_dumps(data, JSON_COMPACT) : NULL;
	base_len = strlen(cfg->ha_url);
	while (base_len > 0 && cfg->ha_url[base_len - 1] == '/')
		base_len--;
	url_len = base_len + sizeof("/api/services//") + strlen(domain) + strlen(service);
	url = malloc(url_len);
	if (!body || !url) {
		net_response_error(rs, "out of memory");
		rv = HERR_NOMEM;
		goto out;
	}
	snprintf(url, url_len, "%.*s/api/services/%s/%s", (int)base_len, cfg->ha_url, domain,
		 service);

	rq.method = "POST";
	rq.url = url;
	rq.content_type = "application/json";
	rq.body = body;
	rq.body_len = strlen(body);
	rq.bearer = cfg->ha_token;
	rq.timeout_ms = cfg->ha_timeout_ms;
	rq.insecure_tls = !cfg->ha_verify_tls;

	rv = net_http(&rq, rs);
	if (rv != HERR_OK) {
		char why[NET_ERROR_MAX];

		memcpy(why, rs->error, sizeof(why));
		net_response_error(rs, "Home Assistant: %s", why);
		goto out;
	}
	if (!net_response_ok(rs))
		ha__refusal(rs, domain, service);
out:
	free(url);
	free(body);
	json_decref(empty);
	return rv;
}

enum herr ha_speak(const struct hearth_config *cfg, const char *media_player,
		   const char *message, struct net_response *rs)
{
	const char *svc = cfg ? cfg->ha_tts_service : "";
	const char *dot = strchr(svc, '.');
	char domain[HA_NAME_MAX + 1], service[HA_NAME_MAX + 1];
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
	rv = ha_call_service(cfg, domain, service, data, rs);
	json_decref(data);
	return rv;
}
