/*
 * Home Assistant WebSocket messages, classified.  Everything here reads
 * text a remote server chose: every field is checked for its type before
 * use, and text quoted from it is made safe to log.
 */
#include "net/ha_ws_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum ha_ws_kind kind;
} ha_ws_types[] = {
	{ "auth_required", HA_WS_AUTH_REQUIRED },
	{ "auth_ok", HA_WS_AUTH_OK },
	{ "auth_invalid", HA_WS_AUTH_INVALID },
	{ "result", HA_WS_RESULT },
	{ "event", HA_WS_EVENT },
	{ "pong", HA_WS_PONG },
};

const char *ha_ws_kind_name(enum ha_ws_kind kind)
{
	if (kind == HA_WS_INVALID)
		return "invalid";
	for (size_t i = 0; i < sizeof(ha_ws_types) / sizeof(ha_ws_types[0]); i++)
		if (ha_ws_types[i].kind == kind)
			return ha_ws_types[i].name;
	return "other";
}

/* printf into m->text, then control characters to spaces and a cut that
 * ends on a whole UTF-8 character (snprintf may have split one). */
__attribute__((format(printf, 2, 3)))
static void ha_ws__text(struct ha_ws_msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t len;

	va_start(ap, fmt);
	n = vsnprintf(m->text, sizeof(m->text), fmt, ap);
	va_end(ap);
	if (n < 0) {
		m->text[0] = '\0';
		return;
	}
	len = strlen(m->text);
	if ((size_t)n >= sizeof(m->text)) {
		/* Back off over continuation bytes to the lead byte, and drop it
		 * unless its whole sequence fits. */
		size_t i = len;

		while (i > 0 && ((unsigned char)m->text[i - 1] & 0xC0) == 0x80)
			i--;
		if (i > 0 && ((unsigned char)m->text[i - 1] & 0x80)) {
			unsigned char lead = (unsigned char)m->text[i - 1];
			size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

			if (len - (i - 1) < want)
				len = i - 1;
		}
		m->text[len] = '\0';
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)m->text[i] < 0x20 || m->text[i] == 0x7F)
			m->text[i] = ' ';
}

/* A positive integer "id", or 0. */
static long long ha_ws__id(json_t *obj)
{
	json_t *id = json_object_get(obj, "id");

	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		return 0;
	return json_integer_value(id);
}

static void ha_ws__invalid(struct ha_ws_msg *m, const char *why)
{
	m->kind = HA_WS_INVALID;
	m->result = m->event = NULL;
	m->success = false;
	ha_ws__text(m, "%s", why);
}

void ha_ws_msg_classify(json_t *obj, struct ha_ws_msg *m)
{
	const char *type = json_string_value(json_object_get(obj, "type"));
	json_t *err;
	const char *msg, *code_s;
	json_t *code;

	memset(m, 0, sizeof(*m));
	m->root = json_incref(obj);
	if (!json_is_object(obj)) {
		ha_ws__invalid(m, "a message is not a JSON object");
		return;
	}
	if (!type) {
		ha_ws__invalid(m, "a message has no type");
		return;
	}
	m->kind = HA_WS_OTHER;
	for (size_t i = 0; i < sizeof(ha_ws_types) / sizeof(ha_ws_types[0]); i++)
		if (strcmp(type, ha_ws_types[i].name) == 0)
			m->kind = ha_ws_types[i].kind;
	m->id = ha_ws__id(obj);

	switch (m->kind) {
	case HA_WS_AUTH_REQUIRED:
		msg = json_string_value(json_object_get(obj, "ha_version"));
		ha_ws__text(m, "%s", msg ? msg : "");
		break;
	case HA_WS_AUTH_INVALID:
		msg = json_string_value(json_object_get(obj, "message"));
		ha_ws__text(m, "%s", msg && *msg ? msg : "invalid access token");
		break;
	case HA_WS_RESULT:
		if (!m->id) {
			ha_ws__invalid(m, "a result without a positive integer id");
			return;
		}
		if (!json_is_boolean(json_object_get(obj, "success"))) {
			ha_ws__invalid(m, "a result without a boolean success");
			return;
		}
		m->success = json_is_true(json_object_get(obj, "success"));
		m->result = json_object_get(obj, "result");
		if (m->success)
			break;
		err = json_object_get(obj, "error");
		code = json_object_get(err, "code");
		code_s = json_string_value(code);
		msg = json_string_value(json_object_get(err, "message"));
		if (code_s && msg)
			ha_ws__text(m, "%s: %s", code_s, msg);
		else if (json_is_integer(code) && msg)
			ha_ws__text(m, "%lld: %s", (long long)json_integer_value(code), msg);
		else if (msg)
			ha_ws__text(m, "%s", msg);
		else if (code_s)
			ha_ws__text(m, "%s", code_s);
		else
			ha_ws__text(m, "Home Assistant gave no reason");
		break;
	case HA_WS_EVENT:
		if (!m->id) {
			ha_ws__invalid(m, "an event without a positive integer id");
			return;
		}
		m->event = json_object_get(obj, "event");
		if (!json_is_object(m->event)) {
			ha_ws__invalid(m, "an event without an event object");
			return;
		}
		break;
	default:
		break;
	}
}

int ha_ws_msg_split(const char *buf, size_t len, json_t **msgs, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *root;

	*msgs = NULL;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jerr.text may quote the bytes: the position is enough. */
		snprintf(why, whylen, "a message is not JSON (at byte %d)", jerr.position);
		return -1;
	}
	if (json_is_array(root)) {
		*msgs = root;
		return 0;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(why, whylen, "a message is neither a JSON object nor an array");
		return -1;
	}
	*msgs = json_array();
	/* json_array_append_new releases root when it fails. */
	if (!*msgs || json_array_append_new(*msgs, root) != 0) {
		if (!*msgs)
			json_decref(root);
		json_decref(*msgs);
		*msgs = NULL;
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

void ha_ws_msg_clear(struct ha_ws_msg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}
