#ifndef HEARTH_STORE_SCENES_H
#define HEARTH_STORE_SCENES_H

/*
 * Hearth's scenes (sql/015_scenes.sql): a name and a snapshot of Home
 * Assistant entities' states (lib/ha/scene.h makes and restores it).
 * Every function runs in the caller's transaction.
 *
 * Scene JSON: {id, name, entity_ids: [...], entities: [{entity_id, state,
 *              attributes}], created_at, last_activated_at, last_status}
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct page;

/* Oldest first, a page as ctx_page() reads it, appended to items. */
enum herr store_scenes_list(struct db *db, const struct page *pg, json_t *items,
			    bool *has_more);

/* Scene JSON of id as a new reference; HERR_NOT_FOUND when none. */
enum herr store_scenes_get(struct db *db, int64_t id, json_t **out);

/* Whether a scene is called name (exactly): HERR_OK with *taken. */
enum herr store_scenes_name_taken(struct db *db, const char *name, bool *taken);

/* A new scene: entities is the snapshot array (borrowed).  HERR_CONFLICT
 * when the name is taken; the new scene as JSON in *out. */
enum herr store_scenes_create(struct db *db, const char *name, const json_t *entities,
			      json_t **out);

/* HERR_NOT_FOUND when there is no such scene. */
enum herr store_scenes_delete(struct db *db, int64_t id);

/* Record an activation's outcome ("ok", "partial", "failed") now. */
enum herr store_scenes_activated(struct db *db, int64_t id, const char *status);

#endif
