#ifndef HEARTH_NET_TELEGRAM_H
#define HEARTH_NET_TELEGRAM_H

/*
 * Telegram: the Bot API's sendMessage.  [telegram] bot_token, api_base
 * (https://api.telegram.org; a test server can stand in), and the chat to
 * write to per alert level (chat_id_emergency, ... falling back to
 * chat_id).
 */
#include <stdbool.h>

#include "err.h"

struct hearth_config;
struct net_response;

/* True when a bot token and a chat for level (or the default chat) are set. */
bool telegram_configured(const struct hearth_config *cfg, const char *level);

/* The chat id for an alert level: its own, else chat_id; "" when none.
 * Borrowed from cfg. */
const char *telegram_chat_for(const struct hearth_config *cfg, const char *level);

/*
 * POST {api_base}/bot{token}/sendMessage {chat_id, text,
 * disable_notification: silent}.  HERR_OK with a non-2xx status, or a
 * reply whose "ok" is not true, is a refusal (rs->error holds Telegram's
 * description, never the token).
 */
enum herr telegram_send(const struct hearth_config *cfg, const char *chat_id, const char *text,
			bool silent, struct net_response *rs);

#endif
