/*
 * hearth.conf: one table lists every key with its type, bounds and default,
 * so the file, the environment and the defaults go through the same parser
 * and every message names the key the same way.  Anything not in the table
 * is an error: a typo must not silently fall back to a default.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "ini.h"
#include "log.h"
#include "url_policy.h"

#ifndef HEARTH_DEFAULT_CONFIG
#define HEARTH_DEFAULT_CONFIG "/etc/hearth/hearth.conf"
#endif

#define CONFIG_WORKERS_MAX 256
#define CONFIG_SECRET_HEX_MIN 64
#define CONFIG_SECRET_HEX_MAX 128

enum config_type {
	CT_STRING,   /* char[CONFIG_STR] */
	CT_UNSIGNED, /* unsigned, decimal, [min, max] */
	CT_SIZE,     /* size_t, decimal, [min, max] */
	CT_MODE,     /* unsigned, octal file mode */
	CT_SECRET,   /* hex -> cfg->secret */
	CT_LOGLEVEL, /* int, syslog level */
	CT_SERVERS,  /* char[CONFIG_STR], "host:port,..." */
	CT_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
	CT_SECONDS,  /* long milliseconds, written as whole seconds in [min, max] */
	CT_MSEC,     /* long milliseconds in [min, max] */
	CT_URL,      /* char[CONFIG_STR], "" or an http(s) URL */
	CT_CIDRS,    /* char[CONFIG_STR], a list url_policy_parse_cidrs() reads */
	CT_HA_NAME,  /* char[CONFIG_STR], "" or domain.name, both [a-z0-9_]+ */
	CT_CHAT,     /* char[CONFIG_STR], "" or a Telegram chat: -?digits or @name */
	CT_BOT_TOKEN, /* char[CONFIG_STR], "" or digits:[A-Za-z0-9_-]+ */
};

enum {
	CF_NONEMPTY = 1 << 0, /* "" is not a valid value */
	CF_HIDDEN = 1 << 1,   /* never repeat the value in a message */
	CF_SUNPATH = 1 << 2,  /* must fit sockaddr_un.sun_path */
	CF_TOKEN = 1 << 3,    /* printable ASCII, no space: it goes into a header */
};

struct config_key {
	const char *section;
	const char *key;
	enum config_type type;
	size_t offset;
	unsigned long long min, max;
	unsigned flags;
	const char *def;
};

#define OFF(field) offsetof(struct hearth_config, field)

static const struct config_key config_keys[] = {
	{ "api", "socket", CT_STRING, OFF(api_socket), 0, 0, CF_NONEMPTY | CF_SUNPATH,
	  "/run/hearth/api.sock" },
	{ "api", "socket_mode", CT_MODE, OFF(api_socket_mode), 0, 0777, 0, "0660" },
	{ "api", "workers", CT_UNSIGNED, OFF(api_workers), 0, CONFIG_WORKERS_MAX, 0, "0" },
	{ "api", "max_requests", CT_UNSIGNED, OFF(api_max_requests), 1, 1000000000, 0, "10000" },
	{ "api", "max_body_bytes", CT_SIZE, OFF(api_max_body_bytes), 1024, 67108864, 0, "1048576" },
	{ "api", "roles_file", CT_STRING, OFF(api_roles_file), 0, 0, CF_NONEMPTY,
	  "/etc/hearth/roles.conf" },
	{ "api", "static_root", CT_STRING, OFF(api_static_root), 0, 0, CF_NONEMPTY,
	  "/usr/share/hearth/static" },
	{ "api", "drain_seconds", CT_UNSIGNED, OFF(api_drain_seconds), 0, 3600, 0, "10" },

	{ "database", "host", CT_STRING, OFF(db_host), 0, 0, 0, "127.0.0.1" },
	{ "database", "port", CT_UNSIGNED, OFF(db_port), 1, 65535, 0, "3306" },
	{ "database", "socket", CT_STRING, OFF(db_socket), 0, 0, CF_SUNPATH,
	  "/run/mysqld/mysqld.sock" },
	{ "database", "user", CT_STRING, OFF(db_user), 0, 0, CF_NONEMPTY, "hearth" },
	{ "database", "password", CT_STRING, OFF(db_password), 0, 0, CF_HIDDEN, "" },
	{ "database", "name", CT_STRING, OFF(db_name), 0, 0, CF_NONEMPTY, "hearth" },
	{ "database", "connect_timeout", CT_UNSIGNED, OFF(db_connect_timeout), 1, 60, 0, "1" },
	{ "database", "timeout", CT_UNSIGNED, OFF(db_timeout), 1, 60, 0, "2" },

	{ "cache", "servers", CT_SERVERS, OFF(cache_servers), 0, 0, 0, "127.0.0.1:11211" },
	{ "cache", "ttl", CT_UNSIGNED, OFF(cache_ttl), 1, 86400, 0, "60" },

	{ "security", "secret_key", CT_SECRET, 0, 0, 0, CF_HIDDEN, "" },

	{ "log", "level", CT_LOGLEVEL, OFF(log_level), 0, 0, 0, "info" },

	{ "engine", "timezone", CT_STRING, OFF(engine_timezone), 0, 0, 0, "" },
	{ "engine", "catch_up_minutes", CT_UNSIGNED, OFF(engine_catch_up_minutes), 0, 10080, 0,
	  "60" },
	{ "engine", "run_lease_seconds", CT_UNSIGNED, OFF(engine_run_lease_seconds), 5, 86400, 0,
	  "120" },
	{ "engine", "tick_lock", CT_STRING, OFF(engine_tick_lock), 0, 0, CF_NONEMPTY,
	  "/run/hearth/tick.lock" },

	{ "auth", "session_idle_seconds", CT_UNSIGNED, OFF(auth_session_idle_seconds), 5,
	  31536000, 0, "604800" },
	{ "auth", "session_max_seconds", CT_UNSIGNED, OFF(auth_session_max_seconds), 5,
	  31536000, 0, "2592000" },
	{ "auth", "setup_code_file", CT_STRING, OFF(auth_setup_code_file), 0, 0, CF_NONEMPTY,
	  "/var/lib/hearth/setup-code" },
	/* passkeys; "" = derived in config__finish_webauthn */
	{ "auth", "rp_id", CT_STRING, OFF(auth_rp_id), 0, 0, 0, "" },
	{ "auth", "origin", CT_STRING, OFF(auth_origin), 0, 0, 0, "" },

	{ "outbound", "allow_loopback", CT_BOOL, OFF(outbound_allow_loopback), 0, 0, 0, "false" },
	{ "outbound", "allow_private", CT_BOOL, OFF(outbound_allow_private), 0, 0, 0, "true" },
	{ "outbound", "allow_cidrs", CT_CIDRS, OFF(outbound_allow_cidrs), 0, 0, 0, "" },
	{ "outbound", "deny_cidrs", CT_CIDRS, OFF(outbound_deny_cidrs), 0, 0, 0, "" },
	{ "outbound", "connect_timeout_seconds", CT_SECONDS, OFF(outbound_connect_timeout_ms), 1,
	  300, 0, "5" },
	{ "outbound", "timeout_seconds", CT_SECONDS, OFF(outbound_timeout_ms), 1, 3600, 0, "10" },

	{ "homeassistant", "url", CT_URL, OFF(ha_url), 0, 0, 0, "" },
	{ "homeassistant", "token", CT_STRING, OFF(ha_token), 0, 0, CF_HIDDEN | CF_TOKEN, "" },
	{ "homeassistant", "verify_tls", CT_BOOL, OFF(ha_verify_tls), 0, 0, 0, "true" },
	{ "homeassistant", "timeout_seconds", CT_SECONDS, OFF(ha_timeout_ms), 1, 300, 0, "10" },
	{ "homeassistant", "tts_service", CT_HA_NAME, OFF(ha_tts_service), 0, 0, CF_NONEMPTY,
	  "tts.speak" },
	{ "homeassistant", "tts_entity", CT_HA_NAME, OFF(ha_tts_entity), 0, 0, 0, "" },
	{ "homeassistant", "media_player", CT_HA_NAME, OFF(ha_media_player), 0, 0, 0, "" },

	{ "llm", "base_url", CT_URL, OFF(llm_base_url), 0, 0, 0, "" },
	{ "llm", "api_key", CT_STRING, OFF(llm_api_key), 0, 0, CF_HIDDEN | CF_TOKEN, "" },
	{ "llm", "model", CT_STRING, OFF(llm_model), 0, 0, 0, "" },
	{ "llm", "timeout_seconds", CT_SECONDS, OFF(llm_timeout_ms), 1, 600, 0, "60" },

	{ "ai", "person_id_url", CT_URL, OFF(ai_person_id_url), 0, 0, 0, "" },
	{ "ai", "scene_analysis_url", CT_URL, OFF(ai_scene_analysis_url), 0, 0, 0, "" },
	{ "ai", "timeout_seconds", CT_SECONDS, OFF(ai_timeout_ms), 1, 600, 0, "30" },

	{ "telegram", "bot_token", CT_BOT_TOKEN, OFF(telegram_bot_token), 0, 0, CF_HIDDEN, "" },
	{ "telegram", "api_base", CT_URL, OFF(telegram_api_base), 0, 0, CF_NONEMPTY,
	  "https://api.telegram.org" },
	{ "telegram", "chat_id", CT_CHAT, OFF(telegram_chat_id), 0, 0, 0, "" },
	{ "telegram", "chat_id_emergency", CT_CHAT, OFF(telegram_chat_id_emergency), 0, 0, 0, "" },
	{ "telegram", "chat_id_warning", CT_CHAT, OFF(telegram_chat_id_warning), 0, 0, 0, "" },
	{ "telegram", "chat_id_info", CT_CHAT, OFF(telegram_chat_id_info), 0, 0, 0, "" },
	{ "telegram", "chat_id_reminder", CT_CHAT, OFF(telegram_chat_id_reminder), 0, 0, 0, "" },
	{ "telegram", "timeout_seconds", CT_SECONDS, OFF(telegram_timeout_ms), 1, 300, 0, "10" },

	{ "stream", "publish_url", CT_URL, OFF(stream_publish_url), 0, 0, 0,
	  "http://localhost/pub" },
	{ "stream", "publish_socket", CT_STRING, OFF(stream_publish_socket), 0, 0, 0,
	  "/run/hearth-publish/nchan.sock" },
	{ "stream", "publish_timeout_ms", CT_MSEC, OFF(stream_publish_timeout_ms), 10, 60000, 0,
	  "500" },

	{ "delivery", "max_attempts", CT_UNSIGNED, OFF(delivery_max_attempts), 1, 100, 0, "3" },
	{ "delivery", "backoff_base_ms", CT_MSEC, OFF(delivery_backoff_base_ms), 10, 3600000, 0,
	  "1000" },
	{ "delivery", "backoff_cap_ms", CT_MSEC, OFF(delivery_backoff_cap_ms), 10, 86400000, 0,
	  "30000" },
	{ "delivery", "lease_seconds", CT_UNSIGNED, OFF(delivery_lease_seconds), 5, 86400, 0, "60" },

	{ "media", "root", CT_STRING, OFF(media_root), 0, 0, CF_NONEMPTY, "/var/lib/hearth/media" },
	{ "media", "incoming_root", CT_STRING, OFF(media_incoming_root), 0, 0, CF_NONEMPTY,
	  "/var/lib/hearth/incoming" },
	{ "media", "quota_mb", CT_UNSIGNED, OFF(media_quota_mb), 0, 1000000000, 0, "0" },
	{ "media", "ffmpeg", CT_STRING, OFF(media_ffmpeg), 0, 0, CF_NONEMPTY, "/usr/bin/ffmpeg" },
	{ "media", "ffprobe", CT_STRING, OFF(media_ffprobe), 0, 0, CF_NONEMPTY, "/usr/bin/ffprobe" },
	{ "media", "ffmpeg_timeout_seconds", CT_SECONDS, OFF(media_ffmpeg_timeout_ms), 1, 86400, 0,
	  "20" },
	{ "media", "upload_max_mb", CT_UNSIGNED, OFF(media_upload_max_mb), 1, 65536, 0, "2048" },
	{ "media", "orphan_grace_minutes", CT_UNSIGNED, OFF(media_orphan_grace_minutes), 0, 10080, 0,
	  "10" },
	{ "media", "cleanup_lock", CT_STRING, OFF(media_cleanup_lock), 0, 0, CF_NONEMPTY,
	  "/run/hearth/cleanup.lock" },
	{ "media", "timelapse_lock", CT_STRING, OFF(media_timelapse_lock), 0, 0, CF_NONEMPTY,
	  "/run/hearth/timelapse.lock" },

	{ "logs", "dir", CT_STRING, OFF(logs_dir), 0, 0, CF_NONEMPTY, "/var/log/hearth" },
	{ "logs", "nginx_access_log", CT_STRING, OFF(logs_nginx_access), 0, 0, 0,
	  "/var/log/nginx/hearth-access.log" },
	{ "logs", "nginx_error_log", CT_STRING, OFF(logs_nginx_error), 0, 0, 0,
	  "/var/log/nginx/hearth-error.log" },
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

/* State of one load: where each key was set, for duplicate detection. */
struct config_load {
	struct hearth_config *cfg;
	int line[CONFIG_NKEYS];
};

__attribute__((format(printf, 3, 4)))
static void config__err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The value as it may appear in a message: shortened, printable only. */
static void config__quote(const char *value, char *out, size_t outsz)
{
	size_t i = 0;

	for (; value[i] && i + 1 < outsz && i < 40; i++)
		out[i] = isprint((unsigned char)value[i]) ? value[i] : '?';
	if (value[i] && outsz > 4 && i + 4 < outsz) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

/* Decimal digits only, in full, within [min, max]. */
static int config__parse_number(const char *s, unsigned long long min, unsigned long long max,
				unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int config__hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "host:port", "[v6]:port" or "/unix/socket", comma-separated. */
static int config__check_servers(const char *s, char *why, size_t whylen)
{
	const char *p = s;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[CONFIG_STR];
		char *it, *colon;
		unsigned long long port;

		if (n >= sizeof(item)) {
			config__err(why, whylen, "a server entry is too long");
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		it = item;
		while (*it == ' ' || *it == '\t')
			it++;
		for (char *e = it + strlen(it); e > it && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = '\0';

		if (*it == '\0') {
			config__err(why, whylen, "an entry between commas is empty");
			return -1;
		}
		if (*it != '/') {
			bool bracketed = it[0] == '[';

			colon = strrchr(it, ':');

			if (!colon || colon == it || (bracketed && colon[-1] != ']') ||
			    (!bracketed && strchr(it, ':') != colon) ||
			    config__parse_number(colon + 1, 1, 65535, &port) != 0) {
				config__err(why, whylen,
					    "entries must look like host:port (port 1 to 65535) "
					    "or /path/to/socket");
				return -1;
			}
		}
		p += n;
		if (*p == ',' && *++p == '\0') {
			config__err(why, whylen, "an entry between commas is empty");
			return -1;
		}
	}
	return 0;
}

static int config__parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static bool config__ha_word(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Home Assistant's "light.kitchen" or "tts.speak". */
static bool config__ha_name(const char *s)
{
	const char *dot = strchr(s, '.');

	return dot && config__ha_word(s, (size_t)(dot - s)) &&
	       config__ha_word(dot + 1, strlen(dot + 1));
}

/* A chat id as the Bot API takes it: a number (groups are negative) or
 * a public @channelname. */
static bool config__chat(const char *s)
{
	size_t n;

	if (s[0] == '@') {
		n = strlen(s + 1);
		return n >= 5 && n <= 64 && strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						       "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
	}
	if (s[0] == '-')
		s++;
	n = strlen(s);
	return n >= 1 && n <= 20 && strspn(s, "0123456789") == n;
}

/* "123456:ABC-def_..." — it becomes part of a URL path, so nothing else. */
static bool config__bot_token(const char *s)
{
	size_t id = strspn(s, "0123456789"), rest;

	if (id == 0 || s[id] != ':')
		return false;
	rest = strlen(s + id + 1);
	return rest > 0 && strspn(s + id + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "abcdefghijklmnopqrstuvwxyz0123456789_-") == rest;
}

static bool config__token_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Anything the outbound policy could allow: only the form is judged
 * here; the addresses are judged in config__finish with the policy the
 * whole configuration makes. */
static int config__check_url(const char *url, char *why, size_t whylen)
{
	struct url_policy any;
	size_t n;

	url_policy_defaults(&any);
	any.allow_loopback = true;
	(void)url_policy_parse_cidrs("0.0.0.0/0 ::/0", any.allow, &n, NULL, 0);
	any.n_allow = n;
	return url_policy_check_url(&any, url, why, whylen);
}

/* The checks of the string types beyond length; value is not empty. */
static int config__set_checked(const struct config_key *k, const char *value, const char *shown,
			       char *why, size_t whylen)
{
	char reason[160];
	struct url_cidr cidrs[URL_POLICY_CIDRS];
	size_t n;

	switch (k->type) {
	case CT_URL:
		if (config__check_url(value, reason, sizeof(reason)) != 0) {
			config__err(why, whylen, "%s: %s", shown, reason);
			return -1;
		}
		return 0;
	case CT_CIDRS:
		if (url_policy_parse_cidrs(value, cidrs, &n, reason, sizeof(reason)) != 0) {
			config__err(why, whylen, "%s", reason);
			return -1;
		}
		return 0;
	case CT_HA_NAME:
		if (!config__ha_name(value)) {
			config__err(why, whylen,
				    "%s is not a Home Assistant name such as tts.speak or "
				    "media_player.kitchen (lower case letters, digits and _)",
				    shown);
			return -1;
		}
		return 0;
	case CT_CHAT:
		if (!config__chat(value)) {
			config__err(why, whylen,
				    "%s is not a Telegram chat id (a number such as -1001234567890, "
				    "or @channelname)", shown);
			return -1;
		}
		return 0;
	case CT_BOT_TOKEN:
		if (!config__bot_token(value)) {
			config__err(why, whylen,
				    "does not look like a bot token from @BotFather "
				    "(digits, ':', then letters, digits, _ and -)");
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * Parse value for k into cfg.  On error, why gets the reason without the
 * key (the caller adds where the value came from).
 */
static int config__set(const struct config_key *k, const char *value, struct hearth_config *cfg,
		       char *why, size_t whylen)
{
	char *base = (char *)cfg + k->offset;
	unsigned long long v;
	char shown[64];
	size_t len = strlen(value);

	if (k->flags & CF_HIDDEN)
		snprintf(shown, sizeof(shown), "the value");
	else {
		char q[48];

		config__quote(value, q, sizeof(q));
		snprintf(shown, sizeof(shown), "'%s'", q);
	}

	switch (k->type) {
	case CT_STRING:
	case CT_SERVERS:
	case CT_URL:
	case CT_CIDRS:
	case CT_HA_NAME:
	case CT_CHAT:
	case CT_BOT_TOKEN:
		if ((k->flags & CF_NONEMPTY) && len == 0) {
			config__err(why, whylen, "must not be empty");
			return -1;
		}
		if (len >= CONFIG_STR) {
			config__err(why, whylen, "is longer than %d bytes", CONFIG_STR - 1);
			return -1;
		}
		if ((k->flags & CF_SUNPATH) && len >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			config__err(why, whylen, "is too long for a unix socket path (at most %zu bytes)",
				    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			return -1;
		}
		if (k->type == CT_SERVERS) {
			char reason[128];

			if (config__check_servers(value, reason, sizeof(reason)) != 0) {
				config__err(why, whylen, "%s: %s", shown, reason);
				return -1;
			}
		}
		if ((k->flags & CF_TOKEN) && !config__token_chars(value)) {
			config__err(why, whylen, "must be printable characters without spaces");
			return -1;
		}
		if (len > 0 && config__set_checked(k, value, shown, why, whylen) != 0)
			return -1;
		memcpy(base, value, len + 1);
		return 0;

	case CT_BOOL: {
		bool b;

		if (config__parse_bool(value, &b) != 0) {
			config__err(why, whylen, "%s is not true or false", shown);
			return -1;
		}
		*(bool *)(void *)base = b;
		return 0;
	}

	case CT_SECONDS:
		if (config__parse_number(value, k->min, k->max, &v) != 0) {
			config__err(why, whylen, "%s is not a number of seconds between %llu and %llu",
				    shown, k->min, k->max);
			return -1;
		}
		*(long *)(void *)base = (long)v * 1000;
		return 0;

	case CT_MSEC:
		if (config__parse_number(value, k->min, k->max, &v) != 0) {
			config__err(why, whylen,
				    "%s is not a number of milliseconds between %llu and %llu", shown,
				    k->min, k->max);
			return -1;
		}
		*(long *)(void *)base = (long)v;
		return 0;

	case CT_UNSIGNED:
		if (config__parse_number(value, k->min, k->max, &v) != 0) {
			config__err(why, whylen, "%s is not a number between %llu and %llu", shown,
				    k->min, k->max);
			return -1;
		}
		*(unsigned *)(void *)base = (unsigned)v;
		return 0;

	case CT_SIZE:
		if (config__parse_number(value, k->min, k->max, &v) != 0) {
			config__err(why, whylen, "%s is not a number of bytes between %llu and %llu",
				    shown, k->min, k->max);
			return -1;
		}
		*(size_t *)(void *)base = (size_t)v;
		return 0;

	case CT_MODE: {
		char *end;

		errno = 0;
		v = value[0] >= '0' && value[0] <= '7' ? strtoull(value, &end, 8) : 0;
		if (value[0] < '0' || value[0] > '7' || errno != 0 || *end != '\0' || v > k->max) {
			config__err(why, whylen, "%s is not an octal file mode such as 0660", shown);
			return -1;
		}
		*(unsigned *)(void *)base = (unsigned)v;
		return 0;
	}

	case CT_SECRET:
		if (len == 0) {
			memset(cfg->secret, 0, sizeof(cfg->secret));
			cfg->secret_len = 0;
			return 0;
		}
		if (len < CONFIG_SECRET_HEX_MIN || len > CONFIG_SECRET_HEX_MAX || len % 2 != 0) {
			config__err(why, whylen,
				    "must be %d to %d hex digits (an even count); "
				    "generate one with: openssl rand -hex 32",
				    CONFIG_SECRET_HEX_MIN, CONFIG_SECRET_HEX_MAX);
			return -1;
		}
		for (size_t i = 0; i < len; i++) {
			if (config__hexval(value[i]) < 0) {
				config__err(why, whylen,
					    "must contain hex digits only (0-9, a-f); "
					    "generate one with: openssl rand -hex 32");
				return -1;
			}
		}
		for (size_t i = 0; i < len / 2; i++)
			cfg->secret[i] = (unsigned char)(config__hexval(value[2 * i]) << 4 |
							 config__hexval(value[2 * i + 1]));
		cfg->secret_len = len / 2;
		return 0;

	case CT_LOGLEVEL: {
		int level = log_level_parse(value);

		if (level < 0) {
			config__err(why, whylen,
				    "%s is not one of error, warning, notice, info, debug", shown);
			return -1;
		}
		*(int *)(void *)base = level;
		return 0;
	}
	}
	config__err(why, whylen, "cannot be set");
	return -1;
}

static const struct config_key *config__find(const char *section, const char *key, size_t *idx)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0) {
			if (idx)
				*idx = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

static bool config__known_section(const char *section)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].section, section) == 0)
			return true;
	return false;
}

/* "api, database, ...": the sections, in the table's order. */
static void config__known_sections(char *out, size_t outsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		int n;

		if (i > 0 && strcmp(config_keys[i - 1].section, config_keys[i].section) == 0)
			continue;
		n = snprintf(out + len, outsz - len, "%s%s", len ? ", " : "", config_keys[i].section);
		if (n < 0 || (size_t)n >= outsz - len)
			break;
		len += (size_t)n;
	}
}

/* "a, b, c": the keys of a section, for a message about a typo. */
static void config__known_keys(const char *section, char *out, size_t outsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		int n;

		if (strcmp(config_keys[i].section, section) != 0)
			continue;
		n = snprintf(out + len, outsz - len, "%s%s", len ? ", " : "", config_keys[i].key);
		if (n < 0 || (size_t)n >= outsz - len)
			break;
		len += (size_t)n;
	}
}

static unsigned config__cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX : (unsigned)n;
}

void config_defaults(struct hearth_config *cfg)
{
	char why[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		(void)config__set(&config_keys[i], config_keys[i].def, cfg, why, sizeof(why));
	cfg->api_workers = config__cores();
}

static int config__ini_cb(const char *section, const char *key, const char *value, int lineno,
			  void *user, char *err, size_t errlen)
{
	struct config_load *ld = user;
	const struct config_key *k;
	char why[256];
	size_t idx;

	if (*section == '\0') {
		config__err(err, errlen, "line %d: '%s' is outside any [section]", lineno, key);
		return -1;
	}
	if (!config__known_section(section)) {
		char known[256];

		config__known_sections(known, sizeof(known));
		config__err(err, errlen, "line %d: unknown section [%s] (known: %s)", lineno, section,
			    known);
		return -1;
	}
	k = config__find(section, key, &idx);
	if (!k) {
		char known[256];

		config__known_keys(section, known, sizeof(known));
		config__err(err, errlen, "line %d: unknown key %s.%s (known in [%s]: %s)", lineno,
			    section, key, section, known);
		return -1;
	}
	if (ld->line[idx]) {
		config__err(err, errlen, "line %d: %s.%s is already set on line %d", lineno, section,
			    key, ld->line[idx]);
		return -1;
	}
	if (config__set(k, value, ld->cfg, why, sizeof(why)) != 0) {
		config__err(err, errlen, "line %d: %s.%s: %s", lineno, section, key, why);
		return -1;
	}
	ld->line[idx] = lineno;
	return 0;
}

/* HEARTH_<SECTION>_<KEY> for every key, e.g. HEARTH_API_MAX_REQUESTS. */
static int config__apply_env(struct hearth_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		char name[96], why[256];
		const char *value;
		size_t n;

		n = (size_t)snprintf(name, sizeof(name), "HEARTH_%s_%s", k->section, k->key);
		for (size_t j = 0; j < n && j < sizeof(name); j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		value = getenv(name);
		if (!value)
			continue;
		if (config__set(k, value, cfg, why, sizeof(why)) != 0) {
			config__err(err, errlen, "environment variable %s (%s.%s): %s", name,
				    k->section, k->key, why);
			return -1;
		}
	}
	return 0;
}

/*
 * The policy and the addresses it governs: a Home Assistant or Telegram
 * URL the policy refuses would fail every delivery, so it is refused here
 * with the reason.  A job lease shorter than a call could let a second
 * runner take over a delivery still in progress and send it twice.
 */
static int config__finish_outbound(const char *name, struct hearth_config *cfg, char *err,
				   size_t errlen)
{
	static const struct {
		const char *key;
		size_t offset;
	} urls[] = {
		{ "homeassistant.url", OFF(ha_url) },
		{ "telegram.api_base", OFF(telegram_api_base) },
		{ "llm.base_url", OFF(llm_base_url) },
		{ "ai.person_id_url", OFF(ai_person_id_url) },
		{ "ai.scene_analysis_url", OFF(ai_scene_analysis_url) },
	};
	struct url_policy policy;
	char why[192];
	long longest;

	if (config_url_policy(cfg, &policy, why, sizeof(why)) != 0) {
		config__err(err, errlen, "%s: [outbound]: %s", name, why);
		return -1;
	}
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		const char *url = (const char *)cfg + urls[i].offset;

		if (*url && url_policy_check_url(&policy, url, why, sizeof(why)) != 0) {
			config__err(err, errlen, "%s: %s is refused by the [outbound] policy: %s",
				    name, urls[i].key, why);
			return -1;
		}
	}
	/* A unix socket's path must fit sun_path (108 bytes with its NUL). */
	if (cfg->stream_publish_socket[0] &&
	    (cfg->stream_publish_socket[0] != '/' || strlen(cfg->stream_publish_socket) > 107)) {
		config__err(err, errlen,
			    "%s: stream.publish_socket must be an absolute path of at most 107 bytes",
			    name);
		return -1;
	}
	/* A run renews its lease between calls to the AI services, not during
	 * one: a call that outlasts the lease would let the reaper fail a run
	 * that is still waiting for its answer. */
	longest = cfg->llm_timeout_ms > cfg->ai_timeout_ms ? cfg->llm_timeout_ms
							    : cfg->ai_timeout_ms;
	if ((long)cfg->engine_run_lease_seconds * 1000 <= longest) {
		config__err(err, errlen,
			    "%s: engine.run_lease_seconds (%u) must be longer than the "
			    "llm and ai timeouts (%ld s)",
			    name, cfg->engine_run_lease_seconds, longest / 1000);
		return -1;
	}
	longest = cfg->outbound_timeout_ms;
	if (cfg->ha_timeout_ms > longest)
		longest = cfg->ha_timeout_ms;
	if (cfg->telegram_timeout_ms > longest)
		longest = cfg->telegram_timeout_ms;
	if (cfg->stream_publish_timeout_ms > longest)
		longest = cfg->stream_publish_timeout_ms;
	if ((long)cfg->delivery_lease_seconds * 1000 <= longest) {
		config__err(err, errlen,
			    "%s: delivery.lease_seconds (%u) must be longer than the longest "
			    "outbound timeout (%ld s)",
			    name, cfg->delivery_lease_seconds, longest / 1000);
		return -1;
	}
	return 0;
}

int config_url_policy(const struct hearth_config *cfg, struct url_policy *p, char *why,
		      size_t whylen)
{
	char reason[160];

	url_policy_defaults(p);
	p->allow_loopback = cfg->outbound_allow_loopback;
	p->allow_private = cfg->outbound_allow_private;
	if (url_policy_parse_cidrs(cfg->outbound_allow_cidrs, p->allow, &p->n_allow, reason,
				   sizeof(reason)) != 0) {
		config__err(why, whylen, "allow_cidrs: %s", reason);
		return -1;
	}
	if (url_policy_parse_cidrs(cfg->outbound_deny_cidrs, p->deny, &p->n_deny, reason,
				   sizeof(reason)) != 0) {
		config__err(why, whylen, "deny_cidrs: %s", reason);
		return -1;
	}
	return 0;
}

/*
 * WebAuthn's relying party: rp_id is a host name (the box's own, as the
 * package's certificate names it, when not set) and origin the exact
 * scheme://host[:port] browsers report ("https://" + rp_id when not set).
 */
static int config__finish_webauthn(const char *name, struct hearth_config *cfg, char *err,
				   size_t errlen)
{
	char *p;
	size_t n, hn;

	if (cfg->auth_rp_id[0] == '\0') {
		if (gethostname(cfg->auth_rp_id, sizeof(cfg->auth_rp_id) - 1) != 0 ||
		    cfg->auth_rp_id[0] == '\0')
			snprintf(cfg->auth_rp_id, sizeof(cfg->auth_rp_id), "localhost");
		cfg->auth_rp_id[sizeof(cfg->auth_rp_id) - 1] = '\0';
		for (p = cfg->auth_rp_id; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	n = strlen(cfg->auth_rp_id);
	if (n > sizeof(cfg->auth_origin) - sizeof("https://")) {
		config__err(err, errlen, "%s: auth.rp_id is longer than %zu characters", name,
			    sizeof(cfg->auth_origin) - sizeof("https://"));
		return -1;
	}
	if (strspn(cfg->auth_rp_id, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n ||
	    cfg->auth_rp_id[0] == '.' || cfg->auth_rp_id[0] == '-' || cfg->auth_rp_id[n - 1] == '.') {
		config__err(err, errlen,
			    "%s: auth.rp_id must be a host name (lower case letters, digits, '.' "
			    "and '-'), such as hearth.example.org; an IP address cannot be one",
			    name);
		return -1;
	}
	if (cfg->auth_origin[0] == '\0') {
		snprintf(cfg->auth_origin, sizeof(cfg->auth_origin), "https://%.*s",
			 (int)(sizeof(cfg->auth_origin) - sizeof("https://")), cfg->auth_rp_id);
		return 0;
	}
	/* https://<rp_id or a subdomain of it>[:port], nothing after. */
	hn = strcspn(cfg->auth_origin + 8, ":/");
	if (strncmp(cfg->auth_origin, "https://", 8) != 0 || hn < n ||
	    strncmp(cfg->auth_origin + 8 + hn - n, cfg->auth_rp_id, n) != 0 ||
	    (hn > n && cfg->auth_origin[8 + hn - n - 1] != '.') ||
	    (cfg->auth_origin[8 + hn] == ':' &&
	     (!isdigit((unsigned char)cfg->auth_origin[9 + hn]) ||
	      strspn(cfg->auth_origin + 9 + hn, "0123456789") != strlen(cfg->auth_origin + 9 + hn))) ||
	    cfg->auth_origin[8 + hn] == '/') {
		config__err(err, errlen,
			    "%s: auth.origin must be https://%s (or a host under it), with a port "
			    "when not 443, and no path",
			    name, cfg->auth_rp_id);
		return -1;
	}
	return 0;
}

/* Checks across keys, once everything is read. */
static int config__finish(const char *name, struct hearth_config *cfg, char *err, size_t errlen)
{
	if (cfg->secret_len == 0) {
		config__err(err, errlen,
			    "%s: security.secret_key is not set; generate one with "
			    "`openssl rand -hex 32` and put it in [security] secret_key "
			    "(or in HEARTH_SECURITY_SECRET_KEY)",
			    name);
		return -1;
	}
	if (cfg->db_socket[0] == '\0' && cfg->db_host[0] == '\0') {
		config__err(err, errlen,
			    "%s: database.socket and database.host are both empty; set one of them",
			    name);
		return -1;
	}
	if (cfg->delivery_backoff_cap_ms < cfg->delivery_backoff_base_ms) {
		config__err(err, errlen,
			    "%s: delivery.backoff_cap_ms (%ld) is smaller than delivery.backoff_base_ms "
			    "(%ld)",
			    name, cfg->delivery_backoff_cap_ms, cfg->delivery_backoff_base_ms);
		return -1;
	}
	if (config__finish_outbound(name, cfg, err, errlen) != 0)
		return -1;
	if (config__finish_webauthn(name, cfg, err, errlen) != 0)
		return -1;
	if (cfg->api_workers == 0)
		cfg->api_workers = config__cores();
	return 0;
}

int config_set(struct hearth_config *cfg, const char *section, const char *key,
	       const char *value, char *why, size_t whylen)
{
	const struct config_key *k = config__find(section, key, NULL);

	if (!k || !value) {
		config__err(why, whylen, "is not a configuration key");
		return -1;
	}
	return config__set(k, value, cfg, why, whylen);
}

int config_check(const char *name, struct hearth_config *cfg, char *err, size_t errlen)
{
	return config__finish(name ? name : "configuration", cfg, err, errlen);
}

int config_load_text(const char *name, const char *text, size_t len, bool env,
		     struct hearth_config *cfg, char *err, size_t errlen)
{
	struct config_load ld = { .cfg = cfg };
	char msg[512];

	if (!name)
		name = "configuration";
	config_defaults(cfg);
	/* 0 until a file or the environment says otherwise: "0 = cores" is
	 * resolved once, after both. */
	cfg->api_workers = 0;
	if (ini_parse(text, len, config__ini_cb, &ld, msg, sizeof(msg)) != 0) {
		config__err(err, errlen, "%s %s", name, msg);
		return -1;
	}
	if (env && config__apply_env(cfg, err, errlen) != 0)
		return -1;
	return config__finish(name, cfg, err, errlen);
}

int config_load(const char *path, struct hearth_config *cfg, char *err, size_t errlen)
{
	struct config_load ld = { .cfg = cfg };

	config_defaults(cfg);
	cfg->api_workers = 0;
	/* ini_parse_file names the file in its messages. */
	if (ini_parse_file(path, config__ini_cb, &ld, err, errlen) != 0)
		return -1;
	if (config__apply_env(cfg, err, errlen) != 0)
		return -1;
	return config__finish(path, cfg, err, errlen);
}

const char *config_path(const char *arg)
{
	const char *env;

	if (arg && *arg)
		return arg;
	env = getenv("HEARTH_CONFIG");
	if (env && *env)
		return env;
	return HEARTH_DEFAULT_CONFIG;
}

int config_counters_path(const struct hearth_config *cfg, char *out, size_t len)
{
	int n = snprintf(out, len, "%s.counters", cfg->api_socket);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}
