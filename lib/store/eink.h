#ifndef HEARTH_STORE_EINK_H
#define HEARTH_STORE_EINK_H

/*
 * E-ink templates and what each display shows (sql/021_eink.sql).
 *
 * Template JSON: {id, name, description, width, height, font, regions,
 *   is_default, has_image, image_media_id|null, created_at, updated_at}
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "media/limits.h"

struct db;
struct page;

#define EINK_HASH_HEX 65   /* SHA-256 in hex + NUL */

/* A template's fields as written; strings borrowed. */
struct eink_template_fields {
	const char *name;
	const char *description;
	int width, height;
	const char *font;
	const char *regions;     /* checked regions, JSON text */
	int64_t image_media_id;  /* 0 = none */
	bool is_default;
};

enum herr store_eink_templates_list(struct db *db, const struct page *pg, json_t *items,
				    bool *has_more);
/* One template as JSON (a new reference); HERR_NOT_FOUND. */
enum herr store_eink_template_get(struct db *db, int64_t id, json_t **out);
/* The default template's id; HERR_NOT_FOUND when none is. */
enum herr store_eink_template_default(struct db *db, int64_t *id);
/* Insert; its id in *id.  HERR_CONFLICT when the name is taken.  A new
 * default takes the mark from the old one. */
enum herr store_eink_template_insert(struct db *db, const struct eink_template_fields *f,
				     int64_t *id);
/* Update name, description, font, regions and is_default (not the picture
 * or size).  HERR_NOT_FOUND, HERR_CONFLICT. */
enum herr store_eink_template_update(struct db *db, int64_t id,
				     const struct eink_template_fields *f);
/* Delete; the picture's media id (0 = none) in *media_id for the caller
 * to remove.  HERR_NOT_FOUND. */
enum herr store_eink_template_delete(struct db *db, int64_t id, int64_t *media_id);

/* A display: an enabled sensor of type eink.  Which device key fetches
 * its picture is the key's binding (store/key_bindings.h). */
struct eink_display {
	int64_t id;
	char mode[16];           /* config.eink_mode, "rgb" when not set */
};
enum herr store_eink_display(struct db *db, int64_t sensor_id, struct eink_display *out);

/* What a display shows now, unless expired. */
struct eink_active_row {
	int64_t media_id;
	char rel_path[MEDIA_REL_MAX + 1];
	char hash[EINK_HASH_HEX];
};
enum herr store_eink_active_get(struct db *db, int64_t sensor_id, struct eink_active_row *out);
/* Replace what a display shows (expires_minutes 0 = never); the media id
 * it showed before (0 = none) in *old_media_id, for the caller to remove. */
enum herr store_eink_active_set(struct db *db, int64_t sensor_id, int64_t template_id,
				int64_t media_id, const char *hash, int expires_minutes,
				int64_t *old_media_id);
/* Forget what a display shows; *old_media_id as above. */
enum herr store_eink_active_clear(struct db *db, int64_t sensor_id, int64_t *old_media_id);

/* The hash a display fetched last and how many seconds ago;
 * HERR_NOT_FOUND when it never fetched. */
enum herr store_eink_fetch_get(struct db *db, int64_t sensor_id, char hash[EINK_HASH_HEX],
			       int64_t *age_seconds);
enum herr store_eink_fetch_set(struct db *db, int64_t sensor_id, const char *hash);

#endif
