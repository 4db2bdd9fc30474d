#ifndef HEARTH_NET_HA_H
#define HEARTH_NET_HA_H

/*
 * The Home Assistant client: service calls and reads over HA's REST API
 * with the long-lived access token from hearth.conf [homeassistant].
 * Shared by the ha_action step, the ha_speaker_tts channel and the sync
 * programs; the WebSocket API is net/ha_ws.h.
 *
 * Every call has the [homeassistant] timeout, TLS verification on unless
 * verify_tls = false, the outbound URL policy, and a clear error: "Home
 * Assistant is not configured", "Home Assistant refused the token (HTTP
 * 401)", "no such service light.tun_on (HTTP 400)", "timed out after 10 s".
 */
#include <stdbool.h>

#include <jansson.h>

#include "err.h"

struct hearth_config;
struct net_response;

/* True when [homeassistant] url and token are both set. */
bool ha_configured(const struct hearth_config *cfg);

/* Bytes of one answer Hearth reads from HA: a list of every state or of a
 * registry runs to megabytes in a large home. */
#define HA_ANSWER_MAX (16 * 1024 * 1024)

/*
 * POST {url}/api/services/{domain}/{service} with body data (an object,
 * borrowed; NULL = {}).  domain and service must be [a-z0-9_]+ (else
 * HERR_INVALID without a request).  Result as net_http(); HERR_OK with a
 * non-2xx status is a refusal, reported in rs->error.  changed (may be
 * NULL): on a 2xx, the states the call changed, as HA answers them (a new
 * reference to an array), or NULL when the answer is not one.
 */
enum herr ha_call_service(const struct hearth_config *cfg, const char *domain,
			  const char *service, const json_t *data, json_t **changed,
			  struct net_response *rs);

/*
 * The REST reads below share one contract.  HERR_OK: *out is a new
 * reference to what HA answered.  Otherwise *out is NULL and rs->error
 * says why: HERR_INVALID when not configured, refused by the outbound
 * policy or by HA (a refused token, another non-2xx); HERR_UNAVAILABLE
 * when HA cannot be reached or timed out; HERR_INTERNAL when the answer
 * is not the JSON HA documents.  rs is always initialised: free it with
 * net_response_free().
 */

/* GET /api/: HERR_OK when HA answers {"message": "API running."}. */
enum herr ha_check_api(const struct hearth_config *cfg, struct net_response *rs);

/* GET /api/config: location, units, version ("version"), components. */
enum herr ha_get_config(const struct hearth_config *cfg, json_t **config,
			struct net_response *rs);

/* GET /api/states: an array of every entity's state object. */
enum herr ha_get_states(const struct hearth_config *cfg, json_t **states,
			struct net_response *rs);

/* GET /api/states/<entity_id>: one state object.  HERR_NOT_FOUND when HA
 * has no such entity; HERR_INVALID without a request for an id that is
 * not one (ha_entity_id_valid, ha/map.h). */
enum herr ha_get_state(const struct hearth_config *cfg, const char *entity_id, json_t **state,
		       struct net_response *rs);

/* GET /api/error_log: HA's log as text; on HERR_OK rs->body holds it
 * (rs->body_len bytes, at most HA_ANSWER_MAX: rs->truncated says when
 * more was cut).  Errors as the reads above. */
enum herr ha_get_error_log(const struct hearth_config *cfg, struct net_response *rs);

/* POST /api/config/core/check_config: HA checks its configuration files
 * ({"result": "valid" | "invalid", "errors": text or null, "warnings"}).
 * Errors as the reads above; a 404 (the config integration not loaded) is
 * HERR_INVALID with its reason. */
enum herr ha_check_config(const struct hearth_config *cfg, json_t **result,
			  struct net_response *rs);

/* GET /api/config/automation/config/<id>: the automation's config as
 * HA's automation editor keeps it (id is its config id, attributes.id of
 * its entity).  HERR_NOT_FOUND when HA has none by that id; HERR_INVALID
 * without a request for an id that is not 1 to 255 letters, digits, '_',
 * '-' or '.'. */
enum herr ha_get_automation_config(const struct hearth_config *cfg, const char *id,
				   json_t **config, struct net_response *rs);

/*
 * Speak message on the configured media player through the configured TTS
 * service: tts.speak (entity_id = [homeassistant] tts_entity,
 * media_player_entity_id = media_player, message) or a legacy
 * tts.<engine>_say (entity_id = media_player, message).
 * media_player overrides the configured one when not NULL.
 */
enum herr ha_speak(const struct hearth_config *cfg, const char *media_player,
		   const char *message, struct net_response *rs);

#endif
