/*
 * Telegram's Bot API, sendMessage only.  The bot token is part of the URL
 * path, so the URL is built in a buffer wiped after use and never appears
 * in an error; errors quote Telegram's own "description".
 */
#include "net/telegram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "net/http.h"

/* sendMessage's limit, in UTF-16 code units as Telegram counts them. */
#define TELEGRAM_TEXT_MAX 4096

const char *telegram_chat_for(const struct hearth_config *cfg, const char *level)
{
	const char *own = NULL;

	if (!cfg)
		return "";
	if (level) {
		if (strcmp(level, "emergency") == 0)
			own = cfg->telegram_chat_id_emergency;
		else if (strcmp(level, "warning") == 0)
			own = cfg->telegram_chat_id_warning;
		else if (strcmp(level, "info") == 0)
			own = cfg->telegram_chat_id_info;
		else if (strcmp(level, "reminder") == 0)
			own = cfg->telegram_chat_id_reminder;
	}
	return own && *own ? own : cfg->telegram_chat_id;
}

bool telegram_configured(const struct hearth_config *cfg, const char *level)
{
	return cfg && cfg->telegram_bot_token[0] != '\0' && *telegram_chat_for(cfg, level) != '\0';
}

/* digits ':' [A-Za-z0-9_-]+; anything else could change the URL's path. */
static bool telegram__token_ok(const char *s)
{
	size_t id = strspn(s, "0123456789"), rest;

	if (id == 0 || s[id] != ':')
		return false;
	rest = strlen(s + id + 1);
	return rest > 0 && strspn(s + id + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "abcdefghijklmnopqrstuvwxyz0123456789_-") == rest;
}

/*
 * The length of the longest prefix of text (UTF-8) within limit UTF-16
 * units, cut at a character boundary.  Characters beyond the BMP take two
 * units, as Telegram counts them.
 */
static size_t telegram__prefix(const char *text, size_t limit, bool *cut)
{
	size_t i = 0, units = 0;

	*cut = false;
	while (text[i]) {
		unsigned char c = (unsigned char)text[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		size_t u = len == 4 ? 2 : 1;

		if (units + u > limit) {
			*cut = true;
			return i;
		}
		for (size_t k = 1; k < len; k++)
			if (text[i + k] == '\0')
				return i + k;
		units += u;
		i += len;
	}
	return i;
}

/*
 * A reply that arrived: delivered when the status is 2xx and "ok" is
 * true; otherwise rs->error gets Telegram's description and, for 429, how
 * long it asks us to wait.
 */
static void telegram__judge(struct net_response *rs)
{
	json_t *root = NULL, *retry;
	const char *desc = NULL;
	long retry_after = 0;
	bool ok = false, status_ok = rs->status >= 200 && rs->status <= 299;

	if (rs->body && rs->body_len > 0)
		root = json_loadb(rs->body, rs->body_len, 0, NULL);
	if (json_is_object(root)) {
		ok = json_is_true(json_object_get(root, "ok"));
		desc = json_string_value(json_object_get(root, "description"));
		retry = json_object_get(json_object_get(root, "parameters"), "retry_after");
		if (json_is_integer(retry))
			retry_after = (long)json_integer_value(retry);
	}
	if (!(ok && status_ok)) {
		if (!desc || !*desc)
			desc = status_ok ? "the reply is not ok" : "no description";
		if (retry_after > 0 && !strstr(desc, "retry after"))
			net_response_error(rs,
					   "Telegram refused the message (HTTP %ld, retry after %ld s): %s",
					   rs->status, retry_after, desc);
		else
			net_response_error(rs, "Telegram refused the message (HTTP %ld): %s",
					   rs->status, desc);
	}
	json_decref(root);
}

enum herr telegram_send(const struct hearth_config *cfg, const char *chat_id, const char *text,
			bool silent, struct net_response *rs)
{
	struct net_request rq = { 0 };
	json_t *msg = NULL, *jtext = NULL;
	char *body = NULL, *url = NULL, *shortened = NULL;
	size_t base_len, url_len = 0;
	enum herr rv = HERR_INVALID;

	memset(rs, 0, sizeof(*rs));
	if (!cfg || !cfg->telegram_bot_token[0]) {
		net_response_error(rs, "Telegram is not configured ([telegram] bot_token)");
		return HERR_INVALID;
	}
	if (!telegram__token_ok(cfg->telegram_bot_token)) {
		net_response_error(rs, "[telegram] bot_token does not look like a bot token");
		return HERR_INVALID;
	}
	if (!chat_id || !*chat_id) {
		net_response_error(rs, "no Telegram chat to write to ([telegram] chat_id)");
		return HERR_INVALID;
	}
	if (!text || !*text) {
		net_response_error(rs, "the message is empty");
		return HERR_INVALID;
	}

	/* Better a long alert cut short than one Telegram refuses whole. */
	{
		bool cut;
		size_t keep = telegram__prefix(text, TELEGRAM_TEXT_MAX, &cut);

		if (cut) {
			keep = telegram__prefix(text, TELEGRAM_TEXT_MAX - 1, &cut);
			shortened = malloc(keep + sizeof("\u2026"));
			if (!shortened)
				goto nomem;
			memcpy(shortened, text, keep);
			memcpy(shortened + keep, "\u2026", sizeof("\u2026"));
			text = shortened;
		}
	}
	jtext = json_string(text);
	if (!jtext) {
		net_response_error(rs, "the message is not valid UTF-8");
		goto out;
	}
	msg = json_pack("{s:s, s:O, s:b}", "chat_id", chat_id, "text", jtext,
			"disable_notification", silent);
	body = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	base_len = strlen(cfg->telegram_api_base);
	while (base_len > 0 && cfg->telegram_api_base[base_len - 1] == '/')
		base_len--;
	url_len = base_len + strlen(cfg->telegram_bot_token) + sizeof("/bot/sendMessage");
	url = malloc(url_len);
	if (!body || !url)
		goto nomem;
	snprintf(url, url_len, "%.*s/bot%s/sendMessage", (int)base_len, cfg->telegram_api_base,
		 cfg->telegram_bot_token);

	rq.method = "POST";
	rq.url = url;
	rq.content_type = "application/json";
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_ms = cfg->telegram_timeout_ms;

	rv = net_http(&rq, rs);
	if (rv != HERR_OK) {
		char why[NET_ERROR_MAX];

		memcpy(why, rs->error, sizeof(why));
		net_response_error(rs, "Telegram: %s", why);
		goto out;
	}
	telegram__judge(rs);
	goto out;
nomem:
	net_response_error(rs, "out of memory");
	rv = HERR_NOMEM;
out:
	if (url) {
		explicit_bzero(url, url_len);
		free(url);
	}
	free(body);
	free(shortened);
	json_decref(msg);
	json_decref(jtext);
	return rv;
}
