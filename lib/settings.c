/*
 * Settings kept in the database, applied over hearth.conf.
 *
 * Settable from the API (settings_keys[] below): what a household changes
 * from a browser and what cannot turn the hub against itself.
 *
 *   timezone                  [engine] timezone
 *   log_level                 [log] level
 *   outbound_allow_private    [outbound] allow_private
 *   outbound_deny_cidrs       [outbound] deny_cidrs (only ever narrows the policy)
 *   telegram_chat_id, telegram_chat_id_emergency, _warning, _info, _reminder
 *                             [telegram] chat_id...
 *   ha_tts_entity, ha_media_player   [homeassistant] tts_entity, media_player
 *   ha_url, ha_token, ha_verify_tls  [homeassistant] url, token, verify_tls
 *
 * Home Assistant's connection is settable so a household can connect its
 * HA from the dashboard, under a rule that keeps the token where it was
 * meant to go: the token is written, never read back (GET shows only
 * {"set": true|false}; it is never logged either), and a change that
 * would send it somewhere else -- another ha_url, or ha_verify_tls turned
 * off, which lets whoever is on the path read it -- is refused unless the
 * same request carries ha_token (settings_check_ha).  An admin session (a
 * stolen cookie, a leaked key) can thus point Hearth at its own HA only
 * with its own token, never walk off with the household's.  ha_url also
 * goes through the outbound URL policy when it is set (config_check, via
 * settings_overlay), as the file's does at start.  What hearth.conf says
 * stays the default: a key set to null goes back to it.
 *
 * File-only, on purpose: an admin session must not be able to point
 * Hearth at another database, read or write files elsewhere, or reach the
 * box's own services.
 *
 *   [api] *            sockets, workers, limits, roles file, static root:
 *                      how the process starts (a restart applies them)
 *   [database] *       which database, and its password
 *   [cache] *          which memcached
 *   [security] secret_key   signs cursors, cache entries and sessions
 *   [auth] *           how long a session lasts must not be lengthened by
 *                      whoever holds one; the setup code file is a path
 *   [engine] tick_lock, run_lease_seconds, catch_up_minutes
 *                      lock paths and timings several processes must agree on
 *   [outbound] allow_loopback, allow_cidrs
 *                      would open the way to MariaDB, memcached and nginx
 *                      internals on the box (allow_cidrs overrides the
 *                      loopback rule); timeouts are tied to lease_seconds
 *   [homeassistant] timeout_seconds   tied to the delivery lease
 *   [telegram] bot_token, api_base
 *                      a secret, and where it is sent
 *   [stream] publish_url    nchan's publisher, an internal endpoint
 *   [delivery] *       backoff and lease are tied to each other and to the
 *                      timeouts; a job's attempts are fixed when it is queued
 *   [media] *, [logs] *     paths and programs on the box
 */
#include "settings.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "db.h"
#include "log.h"
#include "store/settings.h"
#include "validate.h"

#define SETTINGS_TZ_MAX 128

enum settings_kind {
	SK_STRING,    /* char[CONFIG_STR] */
	SK_BOOL,      /* bool */
	SK_LOGLEVEL,  /* int syslog level, written as its name */
	SK_TIMEZONE,  /* char[CONFIG_STR], checked against the zoneinfo */
	SK_SECRET,    /* char[CONFIG_STR], written, never shown: {"set": bool} */
};

struct settings_key {
	const char *name;        /* in the API's document */
	const char *section;     /* in hearth.conf */
	const char *key;
	enum settings_kind kind;
	size_t offset;
};

#define OFF(field) offsetof(struct hearth_config, field)

static const char *const settings_levels[] = {"error", "warning", "notice", "info", "debug",
					      NULL};

static const struct settings_key settings_keys[] = {
	{"timezone", "engine", "timezone", SK_TIMEZONE, OFF(engine_timezone)},
	{"log_level", "log", "level", SK_LOGLEVEL, OFF(log_level)},
	{"outbound_allow_private", "outbound", "allow_private", SK_BOOL,
	 OFF(outbound_allow_private)},
	{"outbound_deny_cidrs", "outbound", "deny_cidrs", SK_STRING, OFF(outbound_deny_cidrs)},
	{"telegram_chat_id", "telegram", "chat_id", SK_STRING, OFF(telegram_chat_id)},
	{"telegram_chat_id_emergency", "telegram", "chat_id_emergency", SK_STRING,
	 OFF(telegram_chat_id_emergency)},
	{"telegram_chat_id_warning", "telegram", "chat_id_warning", SK_STRING,
	 OFF(telegram_chat_id_warning)},
	{"telegram_chat_id_info", "telegram", "chat_id_info", SK_STRING,
	 OFF(telegram_chat_id_info)},
	{"telegram_chat_id_reminder", "telegram", "chat_id_reminder", SK_STRING,
	 OFF(telegram_chat_id_reminder)},
	{"ha_tts_entity", "homeassistant", "tts_entity", SK_STRING, OFF(ha_tts_entity)},
	{"ha_media_player", "homeassistant", "media_player", SK_STRING, OFF(ha_media_player)},
	{"ha_url", "homeassistant", "url", SK_STRING, OFF(ha_url)},
	{"ha_token", "homeassistant", "token", SK_SECRET, OFF(ha_token)},
	{"ha_verify_tls", "homeassistant", "verify_tls", SK_BOOL, OFF(ha_verify_tls)},
};

#define SETTINGS_NKEYS (sizeof(settings_keys) / sizeof(settings_keys[0]))

static const char *const at_body[] = {"body", NULL};

static const struct settings_key *settings__find(const char *name)
{
	for (size_t i = 0; i < SETTINGS_NKEYS; i++)
		if (strcmp(settings_keys[i].name, name) == 0)
			return &settings_keys[i];
	return NULL;
}

bool settings_timezone_valid(const char *root, const char *name)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789/_-+";
	char path[PATH_MAX], magic[4];
	struct stat sb;
	size_t n;
	int fd;
	bool ok;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0)
		return true;
	if (n >= SETTINGS_TZ_MAX || strspn(name, allowed) != n || name[0] == '/' ||
	    name[n - 1] == '/' || strstr(name, "..") || strstr(name, "//"))
		return false;
	if (!root || snprintf(path, sizeof(path), "%s/%s", root, name) >= (int)sizeof(path))
		return false;
	/* O_NOFOLLOW is not wanted: most zone names are links (UTC, US/...). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	/* A compiled zone, not zone.tab, tzdata.zi or a directory. */
	ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	     read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	     memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

/* A value of k as the configuration's text: "true", "42", the string. */
static int settings__text(const struct settings_key *k, const json_t *v, char *out,
			  size_t outsz)
{
	switch (k->kind) {
	case SK_BOOL:
		if (!json_is_boolean(v))
			return -1;
		snprintf(out, outsz, "%s", json_is_true(v) ? "true" : "false");
		return 0;
	case SK_STRING:
	case SK_LOGLEVEL:
	case SK_TIMEZONE:
	case SK_SECRET:
		if (!json_is_string(v) || json_string_length(v) >= outsz ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return -1;
		memcpy(out, json_string_value(v), json_string_length(v) + 1);
		return 0;
	}
	return -1;
}

/* Set k in cfg from v: 0, or -1 with the reason in why. */
static int settings__set(struct hearth_config *cfg, const struct settings_key *k,
			 const json_t *v, char *why, size_t whylen)
{
	char text[CONFIG_STR];

	if (settings__text(k, v, text, sizeof(text)) != 0) {
		snprintf(why, whylen, "has the wrong type");
		return -1;
	}
	if (k->kind == SK_TIMEZONE && !settings_timezone_valid(SETTINGS_ZONEINFO, text)) {
		snprintf(why, whylen,
			 "Input should be a time zone name such as Europe/Berlin (a zone under "
			 SETTINGS_ZONEINFO "), or \"\" for the system's");
		return -1;
	}
	return config_set(cfg, k->section, k->key, text, why, whylen);
}

/* Whether errs, from index from on, has a problem at ["body", name]. */
static bool settings__reported(const json_t *errs, size_t from, const char *name)
{
	for (size_t i = from; i < json_array_size(errs); i++) {
		const json_t *loc = json_object_get(json_array_get(errs, i), "loc");
		const char *field = json_string_value(json_array_get(loc, 1));

		if (field && strcmp(field, name) == 0)
			return true;
	}
	return false;
}

size_t settings_check_patch(const json_t *patch, json_t *errs)
{
	struct vfield fields[SETTINGS_NKEYS];
	struct hearth_config scratch;
	size_t before;
	const char *name;
	json_t *v;

	for (size_t i = 0; i < SETTINGS_NKEYS; i++) {
		const struct settings_key *k = &settings_keys[i];

		fields[i] = (struct vfield){
			.name = k->name,
			.type = k->kind == SK_BOOL ? V_BOOL : V_STRING,
			.flags = V_NULLABLE,
			.max = k->kind == SK_BOOL ? 0 : CONFIG_STR - 1,
			.choices = k->kind == SK_LOGLEVEL ? settings_levels : NULL,
		};
	}
	before = json_array_size(errs);
	if (validate_object(patch, at_body, fields, SETTINGS_NKEYS, true, errs) > 0 &&
	    !json_is_object(patch))
		return json_array_size(errs) - before;

	/* Then each value the table let through, as the file's parser would
	 * take it, so every problem is reported at once. */
	config_defaults(&scratch);
	json_object_foreach((json_t *)patch, name, v) {
		const struct settings_key *k = settings__find(name);
		char why[256];

		if (!k || json_is_null(v) || settings__reported(errs, before, name))
			continue;
		if (settings__set(&scratch, k, v, why, sizeof(why)) != 0)
			verr_add(errs, at_body, k->name, "value_error", "%s", why);
	}
	explicit_bzero(&scratch, sizeof(scratch));
	return json_array_size(errs) - before;
}

int settings_check_ha(const struct hearth_config *file, const struct hearth_config *before,
		      const struct hearth_config *after, const json_t *patch,
		      const char **bad_key, char *why, size_t whylen)
{
	const json_t *token = json_object_get(patch, "ha_token");

	*bad_key = NULL;
	/* A token of the request's own, none to send at all, or back to
	 * hearth.conf's connection as its owner set it. */
	if ((json_is_string(token) && json_string_length(token) > 0) || !after->ha_token[0])
		return 0;
	if (strcmp(after->ha_url, file->ha_url) == 0 &&
	    strcmp(after->ha_token, file->ha_token) == 0 &&
	    after->ha_verify_tls == file->ha_verify_tls)
		return 0;
	if (strcmp(before->ha_url, after->ha_url) != 0) {
		*bad_key = "ha_url";
		snprintf(why, whylen, "changing ha_url needs ha_token in the same request: the "
			 "token is never sent to an address it was not given for");
		return -1;
	}
	if (before->ha_verify_tls && !after->ha_verify_tls) {
		*bad_key = "ha_verify_tls";
		snprintf(why, whylen, "turning ha_verify_tls off needs ha_token in the same "
			 "request: without TLS verification the token can be read on the way");
		return -1;
	}
	return 0;
}

json_t *settings_merge(const json_t *values, const json_t *patch)
{
	json_t *out = values ? json_deep_copy(values) : json_object();
	const char *name;
	json_t *v;

	if (!out)
		return NULL;
	json_object_foreach((json_t *)patch, name, v) {
		int rc = json_is_null(v) ? (json_object_del(out, name), 0)
					 : json_object_set(out, name, v);

		if (rc != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* file with every valid stored value but skip's over it, quietly (the
 * loud pass has already said what it ignored): 0, or -1 when none was
 * left out. */
static int settings__without(const struct hearth_config *file, const json_t *values,
			     const char *skip, struct hearth_config *out)
{
	const char *name;
	json_t *v;
	bool skipped = false;

	*out = *file;
	json_object_foreach((json_t *)values, name, v) {
		const struct settings_key *k = settings__find(name);
		char why[256];

		if (strcmp(name, skip) == 0) {
			skipped = true;
			continue;
		}
		if (k)
			(void)settings__set(out, k, v, why, sizeof(why));
	}
	return skipped ? 0 : -1;
}

int settings_overlay(const struct hearth_config *file, const json_t *values, bool strict,
		     struct hearth_config *out, const char **bad_key, char *err, size_t errlen)
{
	const char *name;
	json_t *v;

	if (bad_key)
		*bad_key = NULL;
	*out = *file;
	json_object_foreach((json_t *)values, name, v) {
		const struct settings_key *k = settings__find(name);
		char why[256];

		if (!k) {
			if (strict) {
				snprintf(err, errlen, "%s is not a setting", name);
				return -1;
			}
			LOG(LOG_WARNING, "settings: ignoring the unknown stored key '%.64s'", name);
			continue;
		}
		if (settings__set(out, k, v, why, sizeof(why)) != 0) {
			if (strict) {
				if (bad_key)
					*bad_key = k->name;
				snprintf(err, errlen, "%s", why);
				return -1;
			}
			LOG(LOG_WARNING, "settings: ignoring the stored %s: %s", k->name, why);
		}
	}
	if (config_check("settings", out, err, errlen) != 0) {
		if (strict)
			return -1;
		/* Settings that made the whole unworkable (the file changed
		 * under them): without the one that does, when one alone does;
		 * else the file alone, which still is workable. */
		json_object_foreach((json_t *)values, name, v) {
			char why[256];

			if (settings__without(file, values, name, out) == 0 &&
			    config_check("settings", out, why, sizeof(why)) == 0) {
				LOG(LOG_WARNING, "settings: ignoring the stored %s: %s", name, err);
				return 0;
			}
		}
		LOG(LOG_WARNING, "settings: ignoring the stored values: %s", err);
		*out = *file;
	}
	return 0;
}

json_t *settings_document(const struct hearth_config *cfg)
{
	json_t *doc = json_object();

	for (size_t i = 0; doc && i < SETTINGS_NKEYS; i++) {
		const struct settings_key *k = &settings_keys[i];
		const char *base = (const char *)cfg + k->offset;
		json_t *v = NULL;

		switch (k->kind) {
		case SK_STRING:
		case SK_TIMEZONE:
			v = json_string(base);
			break;
		case SK_BOOL:
			v = json_boolean(*(const bool *)(const void *)base);
			break;
		case SK_LOGLEVEL:
			v = json_string(log_level_name(*(const int *)(const void *)base));
			break;
		case SK_SECRET:
			v = json_pack("{s:b}", "set", *base != '\0');
			break;
		}
		if (json_object_set_new(doc, k->name, v) != 0) {
			json_decref(doc);
			doc = NULL;
		}
	}
	return doc;
}

enum herr settings_load(struct db *db, bool for_update, json_t **values, int64_t *version)
{
	json_t *row = NULL, *vals;
	json_int_t ver = 0;
	json_error_t jerr;
	enum herr e;

	*values = NULL;
	*version = 0;
	e = store_settings_get(db, SETTINGS_ROW, for_update, &row);
	if (e == HERR_NOT_FOUND) {
		*values = json_object();
		return *values ? HERR_OK : HERR_NOMEM;
	}
	if (e != HERR_OK)
		return e;
	if (json_unpack_ex(row, &jerr, JSON_STRICT, "{s:I, s:o}", "version", &ver, "values",
			   &vals) != 0 || ver < 0 || !json_is_object(vals)) {
		LOG(LOG_ERR, "settings %s: stored row is not {version, values}: %s", SETTINGS_ROW,
		    jerr.text);
		json_decref(row);
		return HERR_INTERNAL;
	}
	*values = json_incref(vals);
	*version = (int64_t)ver;
	json_decref(row);
	return HERR_OK;
}

enum herr settings_save(struct db *db, const json_t *values, int64_t version)
{
	json_t *row = json_pack("{s:I, s:O}", "version", (json_int_t)version, "values", values);
	enum herr e;

	if (!row)
		return HERR_NOMEM;
	e = store_settings_put(db, SETTINGS_ROW, row);
	json_decref(row);
	return e;
}

int settings_apply(struct db *db, struct hearth_config *cfg)
{
	struct hearth_config file = *cfg;
	json_t *values = NULL;
	int64_t version;
	char err[256];
	enum herr e;
	int rv = -1;

	if ((e = settings_load(db, false, &values, &version)) != HERR_OK) {
		LOG(LOG_WARNING, "settings: not read (%s); using the file's configuration",
		    herr_str(e));
		goto out;
	}
	(void)settings_overlay(&file, values, false, cfg, NULL, err, sizeof(err));
	rv = json_object_size(values) > 0;
out:
	explicit_bzero(&file, sizeof(file));
	json_decref(values);
	return rv;
}

void settings_live_init(struct settings_live *l, const struct hearth_config *file)
{
	memset(l, 0, sizeof(*l));
	l->file = file;
	l->cfg = *file;
	l->version = -1;
}

static time_t settings__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

bool settings_live_fresh(const struct settings_live *l)
{
	uint64_t local = cache_local_version(SETTINGS_CACHE_NS);

	return local != 0 && local == l->local_version && l->version >= 0 &&
	       settings__now() - l->checked < SETTINGS_RECHECK_SECONDS;
}

int settings_live_refresh(struct settings_live *l, struct db *db, struct cache *cache)
{
	/* The counters first: a change committed after this read bumps them
	 * again, so the next request looks at the database anew.  The local
	 * one unchanged (the API's workers share it) spares memcached's. */
	uint64_t local = cache_local_version(SETTINGS_CACHE_NS), counter;
	time_t now = settings__now();
	json_t *values = NULL;
	int64_t version;
	char err[256];
	enum herr e;

	if (settings_live_fresh(l))
		return 0;
	counter = cache_version(cache, SETTINGS_CACHE_NS);
	/* A local counter that moved is a change, whatever memcached says
	 * (its bump may not have reached it). */
	if (local == l->local_version && counter != 0 && counter == l->cache_version &&
	    l->version >= 0 && now - l->checked < SETTINGS_RECHECK_SECONDS)
		return 0;
	if ((e = settings_load(db, false, &values, &version)) != HERR_OK) {
		LOG(LOG_WARNING, "settings: not read (%s); keeping version %" PRId64, herr_str(e),
		    l->version);
		return -1;
	}
	l->cache_version = counter;
	l->local_version = local;
	l->checked = now;
	if (version == l->version) {
		json_decref(values);
		return 0;
	}
	(void)settings_overlay(l->file, values, false, &l->cfg, NULL, err, sizeof(err));
	if (l->version >= 0)
		LOG(LOG_INFO, "settings: version %" PRId64 " applied", version);
	l->version = version;
	json_decref(values);
	return 1;
}
