#ifndef HEARTH_CONFIG_H
#define HEARTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Configuration: /etc/hearth/hearth.conf (INI), then HEARTH_<SECTION>_<KEY>
 * environment overrides (e.g. HEARTH_DATABASE_PASSWORD, HEARTH_API_WORKERS).
 * Every key has a default except security.secret_key, which is required.
 *
 *   [api]      socket, socket_mode (octal), workers (0 = cores), max_requests,
 *              max_body_bytes, roles_file, static_root, drain_seconds
 *   [database] host, port, socket, user, password, name,
 *              connect_timeout, timeout (seconds)
 *   [cache]    servers ("host:port,host:port"; empty = no cache), ttl
 *   [security] secret_key (hex, at least 32 bytes = 64 hex digits)
 *   [log]      level (error|warning|notice|info|debug)
 *   [engine]   timezone (IANA name, "" = the system's), catch_up_minutes,
 *              run_lease_seconds, tick_lock (hearth-tick's lock file)
 *   [auth]     session_idle_seconds, session_max_seconds (a session ends
 *              after this long unused, and this long after sign-in),
 *              setup_code_file (first-run setup code, deleted by setup)
 *              rp_id (passkeys' relying party id, a host name; "" = this
 *              host's name), origin (what browsers report, exactly;
 *              "" = "https://" + rp_id)
 *   [outbound] allow_loopback, allow_private (booleans), allow_cidrs,
 *              deny_cidrs (lists for url_policy.h),
 *              connect_timeout_seconds, timeout_seconds
 *   [homeassistant] url ("" = none), token, verify_tls, timeout_seconds,
 *              tts_service (domain.service), tts_entity, media_player
 *   [llm]      base_url (an OpenAI-compatible API, "" = none), api_key,
 *              model (when a step names none), timeout_seconds
 *   [ai]       person_id_url, scene_analysis_url ("" = none),
 *              timeout_seconds
 *   [telegram] bot_token, api_base, chat_id and chat_id_<level> for
 *              emergency, warning, info, reminder ("" = chat_id),
 *              timeout_seconds
 *   [stream]   publish_url (nchan's publisher; "" = publishing off),
 *              publish_socket (the unix socket it listens on; "" = TCP to
 *              publish_url's host), publish_timeout_ms
 *   [delivery] max_attempts, backoff_base_ms, backoff_cap_ms, lease_seconds
 *   [media]    root (every media file lives under it), incoming_root (the
 *              cameras' incoming folders), quota_mb (0 = the filesystem's
 *              size is the ceiling's base), ffmpeg, ffprobe,
 *              ffmpeg_timeout_seconds, upload_max_mb, orphan_grace_minutes,
 *              cleanup_lock, timelapse_lock
 *   [logs]     dir (hearth's own logs: api.log, cron.log, <category>/...),
 *              nginx_access_log, nginx_error_log
 *
 * Booleans are true/false (also yes/no, on/off, 1/0).  Timeouts given in
 * seconds in the file are held in milliseconds (the *_ms fields).
 * URLs are checked when loaded: http or https, and for Home Assistant and
 * Telegram the [outbound] policy too, so a refused address stops the
 * program at start rather than failing every delivery.
 */
#define CONFIG_STR 256

struct hearth_config {
	/* [api] */
	char api_socket[CONFIG_STR];
	unsigned api_socket_mode;
	unsigned api_workers;          /* resolved: never 0 after config_load */
	unsigned api_max_requests;
	size_t api_max_body_bytes;
	char api_roles_file[CONFIG_STR];
	char api_static_root[CONFIG_STR];
	unsigned api_drain_seconds;

	/* [database] */
	char db_host[CONFIG_STR];
	unsigned db_port;
	char db_socket[CONFIG_STR];
	char db_user[CONFIG_STR];
	char db_password[CONFIG_STR];
	char db_name[CONFIG_STR];
	unsigned db_connect_timeout;
	unsigned db_timeout;

	/* [cache] */
	char cache_servers[CONFIG_STR];
	unsigned cache_ttl;

	/* [security] */
	unsigned char secret[64];
	size_t secret_len;

	/* [log] */
	int log_level;

	/* [engine] */
	char engine_timezone[CONFIG_STR];
	unsigned engine_catch_up_minutes;
	unsigned engine_run_lease_seconds;
	char engine_tick_lock[CONFIG_STR];

	/* [auth] */
	unsigned auth_session_idle_seconds;
	unsigned auth_session_max_seconds;
	char auth_setup_code_file[CONFIG_STR];
	char auth_rp_id[CONFIG_STR];      /* passkeys; resolved, never "" after config_load */
	char auth_origin[CONFIG_STR];

	/* [outbound] */
	bool outbound_allow_loopback;
	bool outbound_allow_private;
	char outbound_allow_cidrs[CONFIG_STR];
	char outbound_deny_cidrs[CONFIG_STR];
	long outbound_connect_timeout_ms;
	long outbound_timeout_ms;

	/* [homeassistant]; ha_token is a secret */
	char ha_url[CONFIG_STR];
	char ha_token[CONFIG_STR];
	bool ha_verify_tls;
	long ha_timeout_ms;
	char ha_tts_service[CONFIG_STR];
	char ha_tts_entity[CONFIG_STR];
	char ha_media_player[CONFIG_STR];

	/* [llm]; llm_api_key is a secret */
	char llm_base_url[CONFIG_STR];
	char llm_api_key[CONFIG_STR];
	char llm_model[CONFIG_STR];
	long llm_timeout_ms;

	/* [ai] */
	char ai_person_id_url[CONFIG_STR];
	char ai_scene_analysis_url[CONFIG_STR];
	long ai_timeout_ms;

	/* [telegram]; telegram_bot_token is a secret */
	char telegram_bot_token[CONFIG_STR];
	char telegram_api_base[CONFIG_STR];
	char telegram_chat_id[CONFIG_STR];
	char telegram_chat_id_emergency[CONFIG_STR];
	char telegram_chat_id_warning[CONFIG_STR];
	char telegram_chat_id_info[CONFIG_STR];
	char telegram_chat_id_reminder[CONFIG_STR];
	long telegram_timeout_ms;

	/* [stream] */
	char stream_publish_url[CONFIG_STR];
	char stream_publish_socket[CONFIG_STR];  /* "" = publish_url's host and port */
	long stream_publish_timeout_ms;

	/* [delivery] */
	unsigned delivery_max_attempts;
	long delivery_backoff_base_ms;
	long delivery_backoff_cap_ms;
	unsigned delivery_lease_seconds;

	/* [media] */
	char media_root[CONFIG_STR];
	char media_incoming_root[CONFIG_STR];
	unsigned media_quota_mb;
	char media_ffmpeg[CONFIG_STR];
	char media_ffprobe[CONFIG_STR];
	long media_ffmpeg_timeout_ms;
	unsigned media_upload_max_mb;
	unsigned media_orphan_grace_minutes;
	char media_cleanup_lock[CONFIG_STR];
	char media_timelapse_lock[CONFIG_STR];

	/* [logs] */
	char logs_dir[CONFIG_STR];
	char logs_nginx_access[CONFIG_STR];
	char logs_nginx_error[CONFIG_STR];
};

#define CONFIG_EXIT_BAD 78 /* EX_CONFIG */

/* Fill *cfg with defaults. */
void config_defaults(struct hearth_config *cfg);

/*
 * Defaults, then the file at path (a missing or unreadable file is an
 * error), then the environment.  Returns 0, or -1 with a message naming
 * the file, line, key and the problem in err (e.g. "hearth.conf line 4:
 * api.workers: 'many' is not a number").
 */
int config_load(const char *path, struct hearth_config *cfg, char *err, size_t errlen);

/* Same as config_load but from text in memory (for tests and fuzzing);
 * name is used in messages.  env = false skips the environment. */
int config_load_text(const char *name, const char *text, size_t len, bool env,
		     struct hearth_config *cfg, char *err, size_t errlen);

/*
 * Set one key from its text, exactly as a line "key = value" of [section]
 * in the file would (same parser, same bounds).  0, or -1 with the reason,
 * without the key's name, in why (e.g. "'x' is not true or false").
 * Used for the settings kept in the database (settings.h).
 */
int config_set(struct hearth_config *cfg, const char *section, const char *key,
	       const char *value, char *why, size_t whylen);

/* The checks across keys that config_load makes once everything is read
 * (outbound policy against the Home Assistant and Telegram URLs, delivery
 * lease against the timeouts, ...): 0, or -1 with a message in err. */
int config_check(const char *name, struct hearth_config *cfg, char *err, size_t errlen);

struct url_policy;

/*
 * The [outbound] policy of cfg into *p (url_policy.h).  0, or -1 with
 * the reason in why when a CIDR list is bad (never after config_load
 * succeeded).
 */
int config_url_policy(const struct hearth_config *cfg, struct url_policy *p, char *why,
		      size_t whylen);

/* The path to use: the -c argument, else $HEARTH_CONFIG, else the default. */
const char *config_path(const char *arg);

/* Where the counters the API's workers share with hearthctl live
 * (cache_local_init): next to the API's socket.  0, or -1 when too long. */
int config_counters_path(const struct hearth_config *cfg, char *out, size_t len);

#endif
