#ifndef HEARTH_STORE_KEY_BINDINGS_H
#define HEARTH_STORE_KEY_BINDINGS_H

/*
 * API keys bound to sensors (sql/019_key_bindings.sql).  A bound key
 * (api_keys.bound) may report for the sensors of its api_key_sensors rows
 * and no others; a detector key's are cameras (sensors of type camera).
 * A key that is not bound may report for any sensor its role allows.
 * Bindings are made with the key and never changed; a sensor deleted
 * leaves the bindings of its keys (ON DELETE CASCADE), the keys stay bound.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;

/* At most this many sensors per key: a device is a few buttons, a
 * detector an NVR's cameras. */
#define KEY_BINDINGS_MAX 64

/* What a sensor id given for a binding names. */
enum key_binding_target {
	KEY_BINDING_NONE,      /* no such sensor */
	KEY_BINDING_SENSOR,    /* a sensor, not a camera */
	KEY_BINDING_CAMERA,    /* a sensor of type camera */
};

/* What sensor_id names, into *out.  HERR_OK or a database error. */
enum herr store_key_binding_target(struct db *db, int64_t sensor_id,
				   enum key_binding_target *out);

/*
 * Bind key_id to the n sensors of ids (borrowed; checked beforehand with
 * store_key_binding_target): the key is marked bound and gets one row per
 * sensor (a repeated id once).  In the caller's transaction.
 */
enum herr store_key_bindings_set(struct db *db, int64_t key_id, const int64_t *ids, size_t n);

/*
 * Whether key_id may report for sensor_id: *allowed true when the key is
 * not bound or is bound to sensor_id.  *bound says which.  A key that
 * does not exist is HERR_NOT_FOUND.
 */
enum herr store_key_bindings_allows(struct db *db, int64_t key_id, int64_t sensor_id,
				    bool *bound, bool *allowed);

/*
 * The sensors key_id is bound to whose sensor_type is type (NULL = any),
 * in id order, into ids (at most cap; *n = how many there are, which may
 * exceed cap).  *bound false (and *n 0) for a key that is not bound.
 */
enum herr store_key_bindings_of_type(struct db *db, int64_t key_id, const char *type,
				     int64_t *ids, size_t cap, size_t *n, bool *bound);

/*
 * The list of ids a GROUP_CONCAT of sensor ids gave ("3,7,12"; NULL or ""
 * = none) as a JSON array of integers, a new reference; NULL on no
 * memory.  Pure.
 */
json_t *store_key_bindings_ids_json(const char *csv);

#endif
