#ifndef HEARTH_STORE_SETTINGS_H
#define HEARTH_STORE_SETTINGS_H

/*
 * Small documents edited through the API (sql/006_media.sql, settings):
 * "storage", "timelapse", "calibration".  A name with no row has its
 * defaults, which belong to the code that reads it, not to this file.
 */
#include <stdbool.h>

#include <jansson.h>

#include "err.h"

struct db;

/*
 * The document called name, a new reference in *out; HERR_NOT_FOUND when
 * it was never saved.  for_update locks the row (and, when there is none,
 * the gap where it would go) until the caller's transaction ends, so a
 * read-merge-write (PATCH) cannot lose a concurrent change.
 */
enum herr store_settings_get(struct db *db, const char *name, bool for_update, json_t **out);

/* Save value (an object, borrowed) as name, replacing what was there. */
enum herr store_settings_put(struct db *db, const char *name, const json_t *value);

/* Forget name, so its defaults apply again; not an error when absent. */
enum herr store_settings_delete(struct db *db, const char *name);

#endif
