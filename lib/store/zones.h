#ifndef HEARTH_STORE_ZONES_H
#define HEARTH_STORE_ZONES_H

/*
 * Zones (sql/006_media.sql): named areas of a camera's picture, each a
 * polygon of 3 to ZONE_POINTS_MAX points in normalised coordinates (0-1,
 * origin top left), with a zone_type.  A detection whose box centre falls
 * inside an enabled zone takes that zone (zone_find_point).
 *
 * Zone JSON: {id, camera_id, name, zone_type, polygon: [{x, y}, ...],
 *             enabled, created_at, updated_at}
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;

#define ZONE_POINTS_MIN 3
#define ZONE_POINTS_MAX 100

/* entry_point, restricted, driveway, walkway, perimeter, other; NULL-terminated. */
extern const char *const zone_types[];

/* A zone's fields; strings borrowed. */
struct zone_fields {
	const char *name;
	const char *zone_type;      /* one of zone_types */
	const char *polygon_json;   /* serialised array of {x, y} */
	bool enabled;
};

/*
 * Whether point (x, y) lies inside polygon (an array of {x, y}, borrowed;
 * even-odd rule, a point on an edge may fall either way).  Pure.
 */
bool zone_polygon_contains(const json_t *polygon, double x, double y);

/* The camera's zones, oldest first, appended to items (zone JSON). */
enum herr store_zones_list(struct db *db, int64_t camera_id, json_t *items);

/* Zone JSON of id, a new reference. */
enum herr store_zones_get(struct db *db, int64_t id, json_t **out);

/* HERR_INVALID when camera_id names no sensor; the new id in *id. */
enum herr store_zones_create(struct db *db, int64_t camera_id, const struct zone_fields *f,
			     int64_t *id);

/* Replace a zone's fields (the caller merged a partial update). */
enum herr store_zones_update(struct db *db, int64_t id, const struct zone_fields *f);

enum herr store_zones_delete(struct db *db, int64_t id);

/*
 * The first enabled zone of camera_id (by id) containing (x, y): its id
 * and zone_type (at least 17 bytes) set; HERR_NOT_FOUND when none does.
 */
enum herr store_zones_find_point(struct db *db, int64_t camera_id, double x, double y,
				 int64_t *zone_id, char *zone_type, size_t typesz);

#endif
