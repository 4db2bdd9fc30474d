#ifndef HEARTH_NET_HA_WS_MSG_H
#define HEARTH_NET_HA_WS_MSG_H

/*
 * What Home Assistant sends over its WebSocket API, classified.  Pure: no
 * I/O, so the unit test and the fuzzer drive it with bytes.
 *
 * HA's messages are JSON objects with a "type": auth_required (with
 * ha_version), auth_ok, auth_invalid (with a message), result (with the
 * command's "id", "success", then "result" or "error": {code, message}),
 * event (with the subscription's "id" and "event"), pong (with "id").
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define HA_WS_TEXT_MAX 256

enum ha_ws_kind {
	HA_WS_INVALID = 0,      /* not a JSON object with a string "type" */
	HA_WS_AUTH_REQUIRED,
	HA_WS_AUTH_OK,
	HA_WS_AUTH_INVALID,
	HA_WS_RESULT,
	HA_WS_EVENT,
	HA_WS_PONG,
	HA_WS_OTHER,            /* a type Hearth does not know */
};

struct ha_ws_msg {
	enum ha_ws_kind kind;
	long long id;           /* result, event, pong: the command's id; 0 = none */
	bool success;           /* result: "success" is true */
	json_t *result;         /* result: "result" (borrowed from root; may be NULL) */
	json_t *event;          /* event: "event" (borrowed from root) */
	char text[HA_WS_TEXT_MAX]; /* auth_required: ha_version; auth_invalid and
	                            * a failed result: HA's message ("code: message"
	                            * for a result); invalid: why.  Control
	                            * characters replaced, cut on a whole UTF-8
	                            * character. */
	json_t *root;           /* the message (owned; ha_ws_msg_clear frees it) */
};

/* The name of a kind ("auth_ok", ...); static storage. */
const char *ha_ws_kind_name(enum ha_ws_kind kind);

/*
 * Classify one message: obj is borrowed, and m->root takes a new reference
 * to it.  Always fills m (kind HA_WS_INVALID with the reason in m->text
 * when obj is not a message HA sends: no type, a result or event without a
 * positive integer id, a result without a boolean success, an event
 * without an object event).
 */
void ha_ws_msg_classify(json_t *obj, struct ha_ws_msg *m);

/*
 * Parse len bytes of one WebSocket text message.  HA may put several
 * messages in one frame as a JSON array (its "coalesce_messages" feature):
 * *msgs is then an array of them.  0 with *msgs (a new reference to an
 * array, one element per message, each to be classified) on JSON; -1
 * with the reason in why when the bytes are not a JSON object or array.
 */
int ha_ws_msg_split(const char *buf, size_t len, json_t **msgs, char *why, size_t whylen);

/* Release m->root and zero m. */
void ha_ws_msg_clear(struct ha_ws_msg *m);

#endif
