#ifndef HEARTH_SETTINGS_H
#define HEARTH_SETTINGS_H

/*
 * The settings a household changes from the dashboard without editing
 * hearth.conf: a few configuration keys whose value the database may
 * override (GET/PATCH /api/v1/settings).  Every program applies them over
 * the file's configuration: hearth-api workers on every request whose
 * settings version changed, the cron programs once at start.
 *
 * Stored as one row of the settings table (sql/006_media.sql) named
 * "general": {"version": n, "values": {key: value, ...}}.  One row, not one
 * per key, so a PATCH of several keys is one locked read-merge-write and
 * the version is bumped in the same statement as the values it describes.
 * values holds only the keys an admin set; the others follow the file.
 *
 * Which keys, and why only these: see settings.c (settings_keys[]) and the
 * README's configuration section.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "err.h"

struct db;
struct cache;

#define SETTINGS_ROW "general"
/* memcached version counter (cache.h) bumped by every committed change. */
#define SETTINGS_CACHE_NS "settings"
/* Even with memcached answering, a worker reads the database version at
 * least this often, so a bump lost on the way to memcached delays a
 * change by at most this long. */
#define SETTINGS_RECHECK_SECONDS 60
#define SETTINGS_ZONEINFO "/usr/share/zoneinfo"

/*
 * Whether name is a time zone the hub can use: "" (the system's zone), or
 * an IANA name ("Europe/Berlin": letters, digits, '/', '_', '-', '+', no
 * leading '/', no "..") naming a compiled zone file (TZif) under root
 * (SETTINGS_ZONEINFO; another directory in tests).  root borrowed.
 */
bool settings_timezone_valid(const char *root, const char *name);

/*
 * Check a PATCH document (borrowed): an object of known keys, each null
 * (back to the file's value) or of the key's type and within its range;
 * problems appended to errs (borrowed) at ["body", key].  Returns their number.
 */
size_t settings_check_patch(const json_t *patch, json_t *errs);

/*
 * The stored values after patch: values (borrowed; NULL = none) with the
 * patch's keys set, or removed where null.  A new reference, NULL on no
 * memory.
 */
json_t *settings_merge(const json_t *values, const json_t *patch);

/*
 * *out = file (borrowed) with values (borrowed; NULL = none) applied.  A
 * value the configuration refuses (a row edited by hand) is skipped and
 * logged when strict is false; with strict true it is an error, and so is
 * a combination the cross-key checks refuse (config_check): -1 with the
 * reason in err and, when not NULL, the key at fault in *bad_key (NULL
 * when it is the combination).  0 on success.
 */
int settings_overlay(const struct hearth_config *file, const json_t *values, bool strict,
		     struct hearth_config *out, const char **bad_key, char *err, size_t errlen);

/*
 * Where Home Assistant's token goes (settings.c explains the rule): the
 * file's configuration, the effective one before and after patch (all
 * borrowed).  -1 when the patch would send the token already set to
 * another ha_url, or turn ha_verify_tls off, without carrying ha_token
 * (going back to the file's url, token and verify_tls together is fine):
 * *bad_key names the key at fault and why says so.  0 when it may.
 */
int settings_check_ha(const struct hearth_config *file, const struct hearth_config *before,
		      const struct hearth_config *after, const json_t *patch,
		      const char **bad_key, char *why, size_t whylen);

/* Every settable key with its value in cfg (a secret as {"set": bool}, never
 * its value): a new object, NULL on no memory. */
json_t *settings_document(const struct hearth_config *cfg);

/*
 * The stored values (a new reference; an empty object when never saved)
 * and their version (0 when never saved).  for_update locks the row until
 * the transaction ends (PATCH).  HERR_INTERNAL when the row is not shaped
 * as above.
 */
enum herr settings_load(struct db *db, bool for_update, json_t **values, int64_t *version);

/* Save values (borrowed) as version. */
enum herr settings_save(struct db *db, const json_t *values, int64_t version);

/*
 * For short-lived programs, once at start: the stored values applied over
 * *cfg (the file's).  1 when something changed (apply the time zone and log
 * level again), 0 when nothing did, -1 when the database could not be read
 * (cfg left as it was; logged).
 */
int settings_apply(struct db *db, struct hearth_config *cfg);

/*
 * A worker's configuration: the file's with the database's values over it,
 * rebuilt when the settings version changes.  Pointers to cfg stay valid
 * (it is rebuilt in place).
 */
struct settings_live {
	const struct hearth_config *file;  /* borrowed: as loaded from the file */
	struct hearth_config cfg;          /* what the worker uses */
	uint64_t cache_version;            /* memcached's counter when last checked; 0 = none */
	uint64_t local_version;            /* the local counter then (cache_local_version) */
	int64_t version;                   /* the version applied; -1 = none yet */
	time_t checked;                    /* monotonic seconds of the last database read */
};

void settings_live_init(struct settings_live *l, const struct hearth_config *file);

/* Whether settings_live_refresh would find nothing to do without asking
 * memcached: the local counter has not moved and the last read is recent. */
bool settings_live_fresh(const struct settings_live *l);

/*
 * Per request: one memcached get of the version counter; the database is
 * read only when the counter moved, memcached is unavailable, or the last
 * read is SETTINGS_RECHECK_SECONDS old.  1 when l->cfg was rebuilt (the
 * caller re-applies what it copied from it), 0 when unchanged, -1 when the
 * database could not be read (l->cfg unchanged, retried next request).
 */
int settings_live_refresh(struct settings_live *l, struct db *db, struct cache *cache);

#endif
