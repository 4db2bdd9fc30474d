#ifndef HEARTH_STORE_H
#define HEARTH_STORE_H

/*
 * lib/store: every SQL statement of Hearth lives here, one file per
 * resource, all as prepared statements.  Store functions never see an HTTP
 * request; they take plain values and hand back Jansson objects (new
 * references, owned by the caller) shaped as the API returns them: ids as
 * integers, times as ISO 8601 UTC strings with 'Z'.
 *
 * Return values are enum herr (err.h); HERR_UNAVAILABLE means MariaDB is
 * unreachable and the caller should answer 503.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "err.h"

struct db;

/* Keyset pagination over ascending ids: rows with id > after_id, at most
 * limit of them.  offset >= 0 selects the deprecated offset mode (after_id
 * is then 0).  has_more tells whether a further row exists. */
struct page {
	int64_t after_id;
	int64_t offset;   /* -1 unless offset mode */
	unsigned limit;   /* 1..1000 */
};

/* ---------------------------------------------------------------- schema */

/* Highest applied migration version; 0 when schema_migrations is missing. */
enum herr store_schema_version(struct db *db, int *version);

/* Apply every embedded migration newer than the database's, in order, each
 * recorded in schema_migrations; serialised between concurrent callers by a
 * named lock.  *applied = how many ran (may be NULL). */
enum herr store_migrate(struct db *db, int *applied);

/* ---------------------------------------------------------------- rooms */
/* Room JSON: {id, name, description|null, sensor_count, created_at, updated_at} */

enum herr store_rooms_list(struct db *db, const struct page *pg, json_t *items, bool *has_more);
/* lock = SELECT ... FOR UPDATE (inside a transaction). */
enum herr store_rooms_get(struct db *db, int64_t id, bool lock, json_t **out);
/* HERR_CONFLICT when the name is taken. */
enum herr store_rooms_create(struct db *db, const char *name, const char *description,
			     json_t **out);
enum herr store_rooms_update(struct db *db, int64_t id, const char *name,
			     const char *description, json_t **out);
/* HERR_CONFLICT with *sensor_count set when sensors still reference it. */
enum herr store_rooms_delete(struct db *db, int64_t id, int64_t *sensor_count);

/* ---------------------------------------------------------------- sensors */
/* Sensor JSON: {id, name, sensor_type, room_id|null, source, external_id|null,
 *               enabled, config{}, created_at, updated_at} */

struct sensor_filter {
	int64_t room_id;          /* 0 = any */
	const char *sensor_type;  /* NULL = any */
	const char *source;       /* NULL = any */
};

struct sensor_fields {
	const char *name;
	const char *sensor_type;
	int64_t room_id;          /* 0 = none */
	const char *source;
	const char *external_id;  /* NULL = none */
	bool enabled;
	const char *config_json;  /* serialised object, never NULL */
};

enum herr store_sensors_list(struct db *db, const struct sensor_filter *f,
			     const struct page *pg, json_t *items, bool *has_more);
enum herr store_sensors_get(struct db *db, int64_t id, bool lock, json_t **out);
/* HERR_INVALID when room_id names no room; HERR_CONFLICT on a duplicate. */
enum herr store_sensors_create(struct db *db, const struct sensor_fields *s, json_t **out);
enum herr store_sensors_update(struct db *db, int64_t id, const struct sensor_fields *s,
			       json_t **out);
enum herr store_sensors_delete(struct db *db, int64_t id);

/* ---------------------------------------------------------------- api keys */
/* Key JSON (never the hash): {id, name, role, prefix, created_at, revoked_at|null} */

struct api_key_row {
	int64_t id;
	char name[257];
	char role[65];
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	unsigned char hash[AUTH_HASH_LEN];
	bool revoked;
};

enum herr store_api_keys_create(struct db *db, const char *name, const char *role,
				const char *prefix, const unsigned char *hash, json_t **out);
/* HERR_NOT_FOUND when no key has this prefix. */
enum herr store_api_keys_find(struct db *db, const char *prefix, struct api_key_row *out);
enum herr store_api_keys_list(struct db *db, bool include_revoked, const struct page *pg,
			      json_t *items, bool *has_more);
/* HERR_NOT_FOUND when missing or already revoked; prefix_out gets the key's
 * prefix (for cache invalidation). */
enum herr store_api_keys_revoke(struct db *db, int64_t id,
				char prefix_out[AUTH_KEY_PREFIX_LEN + 1]);
/* Number of active keys with this role. */
enum herr store_api_keys_count_role(struct db *db, const char *role, int64_t *count);

/* ---------------------------------------------------------------- audit */

struct audit_entry {
	int64_t key_id;         /* 0 = none (hearthctl) */
	const char *actor;      /* key name, or "hearthctl:<unix user>" */
	const char *method;
	const char *path;
	const char *object_id;  /* NULL when none */
	int status;
};

enum herr store_audit_write(struct db *db, const struct audit_entry *e);

#endif
