#ifndef HEARTH_STORE_HA_H
#define HEARTH_STORE_HA_H

/*
 * What Hearth keeps of a Home Assistant house (sql/012_home_assistant.sql):
 * rooms linked to HA areas, the areas as last synced, and the sync runs.
 * Every function runs in the transaction it is given (db.h: db_tx).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "ha/map.h"

struct db;

/* Every room, locked (FOR UPDATE), for a sync to plan against: *rooms
 * (free with store_ha_rooms_free, also on failure) and their count. */
enum herr store_ha_rooms_load(struct db *db, struct ha_room **rooms, size_t *n);
void store_ha_rooms_free(struct ha_room *rooms, size_t n);

/*
 * Carry out a plan of ha_plan_rooms: create, update (the area's id and
 * name, missing cleared) and mark missing; unchanged and conflicting steps
 * write nothing.  areas_json is HA's area registry list the plan came
 * from: each area's entry is kept in ha_areas, and an area no longer in it
 * is marked missing there too.  HERR_CONFLICT when a room's name was taken
 * meanwhile (the caller's transaction then rolls back whole).
 */
enum herr store_ha_rooms_apply(struct db *db, const struct ha_step *steps, size_t n,
			       const json_t *areas_json);

/* The sensors synced before (source home_assistant), locked: *sensors
 * (free with store_ha_sensors_free, also on failure). */
enum herr store_ha_sensors_load(struct db *db, struct ha_sensor **sensors, size_t *n);
void store_ha_sensors_free(struct ha_sensor *sensors, size_t n);

/*
 * Carry out a plan of ha_plan_sensors: a new sensor is enabled, with
 * source home_assistant, external_id its entity_id and, for the types that
 * take one, config {"ha_entity_id"}; an update sets name, type and room
 * and clears missing (enabled and the rest of config stay as a person set
 * them); missing is marked.
 */
enum herr store_ha_sensors_apply(struct db *db, const struct ha_sensor_step *steps, size_t n);

/* ---- HA's devices and entities as kept */

/*
 * Keep a device (HA's registry entry, borrowed) or an entity (its
 * registry entry, the area it is in, its device_class and state object,
 * any of these NULL): *changed is 1 for a new row, 2 for a changed one, 0
 * for one as it was.  A kept entity's state is the bridge's to follow:
 * only a new row takes the state given.  A row kept before but missing is
 * found again.
 */
enum herr store_ha_device_put(struct db *db, const json_t *device, int *changed);
enum herr store_ha_entity_put(struct db *db, const json_t *entry, const char *area_id,
			      const char *device_class, const json_t *state, int *changed);

/* Mark missing the devices (or entities) whose ids are not in ids (a JSON
 * array of strings), and count those missing now into *missing. */
enum herr store_ha_devices_gone(struct db *db, const json_t *ids, unsigned *missing);
enum herr store_ha_entities_gone(struct db *db, const json_t *ids, unsigned *missing);

/* Entity JSON: {id (Hearth's, for paging), entity_id, domain, name, device_id, area_id,
 * device_class, disabled, state, attributes, last_changed, missing}. */
struct ha_entity_filter {
	const char *domain;    /* NULL: any */
	const char *area_id;   /* NULL: any */
};
struct page;
enum herr store_ha_entities_list(struct db *db, const struct ha_entity_filter *f,
				 const struct page *pg, json_t *items, bool *has_more);
enum herr store_ha_entity_get(struct db *db, const char *entity_id, json_t **out);

/*
 * Per domain, the synced entities HA still has (not missing), by the
 * state last seen: appended to items (borrowed), by domain, as
 * {domain, count, states: {on, off, unavailable, unknown, other}} (no
 * state yet counts as unknown).  *total: every entity counted.
 */
enum herr store_ha_domains_summary(struct db *db, json_t *items, int64_t *total);

/* ---- sync runs */

/*
 * The entities the last entities sync kept and not since missing, with
 * the state kept of each: into out (a borrowed object) as
 * {entity_id: {"state": text or null, "disabled": bool}}.
 */
enum herr store_ha_entity_states(struct db *db, json_t *out);

/*
 * Claim a run of kind ("rooms", "sensors", "entities", "registry") from
 * trigger ("api", "cron", "cli") for lease_s seconds: *run_id.  A run of
 * the same kind still within its lease: HERR_CONFLICT.  One past its
 * lease (its process died) is marked failed first, and the claim goes on.
 */
enum herr store_ha_sync_claim(struct db *db, const char *kind, const char *trigger,
			      unsigned lease_s, int64_t *run_id);

/* End run_id: completed (error NULL) or failed with error, with counts. */
enum herr store_ha_sync_finish(struct db *db, int64_t run_id, const struct ha_counts *counts,
			       const char *error);

/* A run as JSON: {id, kind, trigger, status, created, updated, unchanged,
 * missing, conflicts?, error, started_at, finished_at}. */
enum herr store_ha_sync_get(struct db *db, int64_t run_id, json_t **out);

/* The runs, newest first, of kind (NULL = all). */
enum herr store_ha_sync_list(struct db *db, const char *kind, const struct page *pg, json_t *items,
			     bool *has_more);

#endif
