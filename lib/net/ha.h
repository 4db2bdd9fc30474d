#ifndef HEARTH_NET_HA_H
#define HEARTH_NET_HA_H

/*
 * The Home Assistant client: service calls over HA's REST API with the
 * long-lived access token from hearth.conf [homeassistant].  Shared by the
 * ha_action step, the ha_speaker_tts channel and the sync programs.
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

/*
 * POST {url}/api/services/{domain}/{service} with body data (an object,
 * borrowed; NULL = {}).  domain and service must be [a-z0-9_]+ (else
 * HERR_INVALID without a request).  Result as net_http(); HERR_OK with a
 * non-2xx status is a refusal, reported in rs->error.
 */
enum herr ha_call_service(const struct hearth_config *cfg, const char *domain,
			  const char *service, const json_t *data, struct net_response *rs);

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
