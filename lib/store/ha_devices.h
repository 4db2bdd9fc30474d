#ifndef HEARTH_STORE_HA_DEVICES_H
#define HEARTH_STORE_HA_DEVICES_H

/*
 * Home Assistant's areas and devices as the syncs kept them (ha_areas,
 * ha_devices: sql/012), and the names a household gives to network
 * devices by MAC address (device_aliases: sql/018).  Reads of what HA
 * changes; only the aliases are Hearth's own to write.
 */
#include <stdbool.h>

#include <jansson.h>

#include "err.h"
#include "mac.h"

struct db;
struct page;

/*
 * Area JSON: {id (Hearth's, for paging), area_id, name, floor_id, icon,
 * aliases [], room_id (the Hearth room synced from it, or null), devices
 * and entities (how many of each, kept and not missing, are in it),
 * missing}.  The one area adds "device_ids" and "entity_ids".
 */
enum herr store_ha_areas_list(struct db *db, const struct page *pg, json_t *items,
			      bool *has_more);
enum herr store_ha_area_get(struct db *db, const char *area_id, json_t **out);

/*
 * Device JSON: {id, device_id, name (the household's name in HA, else the
 * integration's), area_id, manufacturer, model, sw_version, via_device_id,
 * disabled, macs [], alias (of one of its MACs, or null), entities,
 * missing}.  The one device adds "entity_ids" and "registry" (HA's entry
 * as synced).  area_id NULL lists every device.
 */
enum herr store_ha_devices_list(struct db *db, const char *area_id, const struct page *pg,
				json_t *items, bool *has_more);
enum herr store_ha_device_get(struct db *db, const char *device_id, json_t **out);

/* Alias JSON: {id, mac, alias, device_id and device_name (the HA device
 * holding that MAC, or null), created_at, updated_at}. */
enum herr store_device_aliases_list(struct db *db, const struct page *pg, json_t *items,
				    bool *has_more);
enum herr store_device_alias_get(struct db *db, const char *mac, json_t **out);

/* Name mac (normalised, mac.h) alias: *created tells a new alias from a
 * renamed one. */
enum herr store_device_alias_put(struct db *db, const char *mac, const char *alias,
				 bool *created);

/* HERR_NOT_FOUND when mac has no alias. */
enum herr store_device_alias_delete(struct db *db, const char *mac);

#endif
