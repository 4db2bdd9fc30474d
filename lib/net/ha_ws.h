#ifndef HEARTH_NET_HA_WS_H
#define HEARTH_NET_HA_WS_H

/*
 * Home Assistant's WebSocket API (/api/websocket), over libwebsockets:
 * one connection, authenticated with the [homeassistant] token, on which
 * commands are sent one at a time and answered by id, and events of the
 * subscriptions arrive.  Used by the registry sync and the bridge service.
 *
 * Single-threaded and blocking: every call services the connection until
 * what it waits for arrives or its time runs out ([homeassistant]
 * timeout_seconds unless it takes its own).  Events arriving while a
 * command waits are queued for ha_ws_next_event().  The connection goes
 * to the address the outbound URL policy allowed (url_policy.h), never to
 * another one the name resolves to later.  The token is never logged.
 *
 * Programs that use it link lib/libhearth_ws.a and libwebsockets.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct hearth_config;
struct ha_ws;

/*
 * Connect to ws[s]://<[homeassistant] url's host and path>/api/websocket
 * (https makes wss; verify_tls = false skips certificate checks) and
 * authenticate.  A new connection, or NULL with the reason in why:
 * "Home Assistant is not configured ...", the outbound policy's refusal,
 * "cannot connect ...", "Home Assistant refused the token (auth_invalid:
 * ...)", "timed out after 10 s waiting for ...".  cfg is borrowed for the
 * call only.  net_init() must have set the process's outbound policy.
 */
struct ha_ws *ha_ws_connect(const struct hearth_config *cfg, char *why, size_t whylen);

/* The version HA announced in auth_required ("2025.1.0"); the
 * connection's storage. */
const char *ha_ws_version(const struct ha_ws *ws);

/* False once the connection is lost (every call then fails at once). */
bool ha_ws_alive(const struct ha_ws *ws);

/*
 * Send {"id": <next>, "type": type, ...extra} and wait for its answer.
 * extra: an object of further members (borrowed; NULL = none; its "id"
 * and "type" are overridden).  HERR_OK with *result a new reference to
 * HA's "result" (JSON null when it has none; NULL for a pong); result may
 * be NULL when not wanted.  HERR_INVALID when HA answered success false
 * (why: HA's "code: message"); HERR_UNAVAILABLE when the connection is
 * lost or the answer does not come in time (the connection is then
 * closed: a late answer would be taken for the next command's);
 * HERR_INTERNAL when the answer is larger than HA_ANSWER_MAX (closed too);
 * HERR_NOMEM.
 */
enum herr ha_ws_command(struct ha_ws *ws, const char *type, const json_t *extra,
			json_t **result, char *why, size_t whylen);

/*
 * subscribe_events for event_type (NULL = every event): the
 * subscription's id (> 0), or -1 with why as ha_ws_command.
 */
long long ha_ws_subscribe(struct ha_ws *ws, const char *event_type, char *why, size_t whylen);

/*
 * The next event of a subscription: 1 with *event a new reference to its
 * "event" object ({event_type, data, origin, time_fired, context}); 0 when
 * none arrived within timeout_ms (0 = what has arrived already, or
 * arrives within a millisecond); -1
 * when the connection is lost (why says how).
 */
int ha_ws_next_event(struct ha_ws *ws, int timeout_ms, json_t **event, char *why,
		     size_t whylen);

/* Events dropped because the queue was full (HA_WS_QUEUE_MAX), so far. */
unsigned long ha_ws_dropped(const struct ha_ws *ws);

/* Close the connection and free ws (NULL is fine). */
void ha_ws_close(struct ha_ws *ws);

#define HA_WS_QUEUE_MAX 10000   /* events kept while a caller is busy */

#endif
