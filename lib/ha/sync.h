#ifndef HEARTH_HA_SYNC_H
#define HEARTH_HA_SYNC_H

/*
 * Syncs from Home Assistant: what HA says, planned onto Hearth's rooms and
 * sensors (ha/map.h) and carried out in one transaction, so that a failed
 * or partial answer changes nothing.  Each sync is a run, claimed in the
 * database (one of a kind at a time, across hosts), ending completed with
 * its counts or failed with the reason.  Called at the top (the API's
 * ROUTE_OWN_TX handlers, hearth-ha-sync, hearthctl): it begins and commits
 * its own transactions.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "ha/map.h"

struct db;

/* Where a sync reads HA: over its WebSocket API in Hearth, over anything
 * that answers the same in tests. */
struct ha_source {
	void *arg;
	/* config/area_registry/list's result: a new reference to an array of
	 * area entries, or an error with why set. */
	enum herr (*areas)(void *arg, json_t **out, char *why, size_t whylen);
	/* config/entity_registry/list, config/device_registry/list and
	 * get_states alike (the registry leaves device_class to the states). */
	enum herr (*entities)(void *arg, json_t **out, char *why, size_t whylen);
	enum herr (*devices)(void *arg, json_t **out, char *why, size_t whylen);
	enum herr (*states)(void *arg, json_t **out, char *why, size_t whylen);
	/* Any other command (get_services, input_boolean/list ...): its
	 * result as a new reference, or an error as the others; extra
	 * (borrowed, may be NULL) are the command's members.  HA's refusal
	 * is HERR_INVALID with why "code: message". */
	enum herr (*command)(void *arg, const char *type, const json_t *extra, json_t **out,
			     char *why, size_t whylen);
};

/* How long a run may take before another host may take it over. */
#define HA_SYNC_LEASE_S 300

/*
 * Rooms from HA's areas.  trigger is "api", "cron" or "cli".  *run_id is
 * the run's row (0 when none could be claimed).  HERR_CONFLICT: a rooms
 * sync runs already; HERR_UNAVAILABLE with why: HA could not be read;
 * HERR_INVALID with why: HA's answer is not one to act on; a database
 * error as it came, with why empty (Hearth's failure, not HA's).  In
 * every case but the first the run ends recorded.
 */
enum herr ha_sync_rooms(struct db *db, const struct ha_source *src, const char *trigger,
			int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen);

/*
 * Sensors from HA's entities: those of a kind Hearth keeps (ha/map.h:
 * ha_sensor_type) in an area synced as a room (its own area, else its
 * device's), enabled in HA.  Returns as ha_sync_rooms.
 */
enum herr ha_sync_sensors(struct db *db, const struct ha_source *src, const char *trigger,
			  int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen);

/*
 * HA's device and entity registries, with each entity's area (its own,
 * else its device's), device_class and first state, kept as they are
 * (ha_devices, ha_entities: GET /entities, /devices).  Counts are of
 * devices and entities together; what HA no longer has is marked missing.
 * Returns as ha_sync_rooms.
 */
enum herr ha_sync_entities(struct db *db, const struct ha_source *src, const char *trigger,
			   int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen);

/*
 * HA's automations, scripts, scenes, services and helpers (ha/registry.h),
 * kept in ha_registry (GET /registry/...): from get_states, get_services
 * and each helper domain's <domain>/list (a domain HA answers
 * unknown_command has no storage collection: none of its helpers are
 * stored ones).  What HA no longer has is marked missing.  Returns as
 * ha_sync_rooms.
 */
enum herr ha_sync_registry(struct db *db, const struct ha_source *src, const char *trigger,
			   int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen);

#endif
