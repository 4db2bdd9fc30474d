#ifndef HEARTH_SENSOR_TYPES_H
#define HEARTH_SENSOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * The sensor type registry: one table row per type (seed 000's home types
 * camera, presence, button, light, eink, and seed 003's GPIO kinds
 * reed_switch, pir, vibration, hall_digital, ...), each with a description
 * and the schema of its `config` object.  GET /sensor-types is this table
 * serialised; POST/PUT /sensors validates `config` with it.
 */
struct sensor_type;

const struct sensor_type *sensor_type_find(const char *name);
size_t sensor_types_count(void);
const struct sensor_type *sensor_type_at(size_t i);
const char *sensor_type_name(const struct sensor_type *t);

/*
 * Validate a sensor's config object (borrowed; NULL = {}) for type t.
 * Problems go to errs with loc ["body", "config", field...].  Returns the
 * number of problems.  GPIO types check gpio 0-27, hold_seconds,
 * invert_logic and the type's calibration keys.
 */
size_t sensor_type_validate_config(const struct sensor_type *t, const json_t *config,
				   json_t *errs);

/* A new reference: {"name", "description", "category", "config_schema"
 * (JSON Schema), "defaults"}. */
json_t *sensor_type_to_json(const struct sensor_type *t);

/*
 * Sensor input: the events a sensor of type t can report.  Presence-like
 * types (presence, pir) report on/off; button press, double_press,
 * long_press; contact, reed_switch and hall_digital open/close; light a
 * level (with a number as value); every GPIO kind trigger/release.  A type not listed
 * (camera, eink) reports none.  t and event_type borrowed; false for NULL.
 */
bool sensor_type_accepts_event(const struct sensor_type *t, const char *event_type);

/* The event types t accepts, in a stable order, as borrowed static strings
 * into out (at most max of them, NULL-terminated, so out holds max + 1).
 * Returns how many were written. */
size_t sensor_type_events(const struct sensor_type *t, const char **out, size_t max);

#endif
