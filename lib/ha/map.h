#ifndef HEARTH_HA_MAP_H
#define HEARTH_HA_MAP_H

/*
 * How Home Assistant's things become Hearth's, as pure functions: which
 * entities are sensors and of what type, which state change is which
 * sensor event, and how HA's areas meet Hearth's rooms in a sync.  No
 * I/O; the sync (lib/ha/sync.c) and the bridge feed them what HA said.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest entity_id, area_id or name kept (the columns' sizes). */
#define HA_ID_MAX 255
#define HA_NAME_MAX 256

/*
 * The Hearth sensor type an entity is synced as, or NULL when it is not a
 * sensor Hearth keeps: binary_sensor with device_class occupancy, motion
 * or presence -> "presence"; door, window, opening or garage_door ->
 * "contact"; sensor with device_class illuminance -> "light"; the button,
 * input_button and event domains -> "button".  device_class may be NULL.
 */
const char *ha_sensor_type(const char *entity_id, const char *device_class);

/* Whether s is an entity_id: "<domain>.<object_id>", each of lowercase
 * letters, digits and underscores, not empty, at most HA_ID_MAX bytes. */
bool ha_entity_id_valid(const char *s);

/* The domain of an entity_id into out ("" when it is not one). */
void ha_entity_domain(const char *entity_id, char *out, size_t outsz);

/* The event a state change makes for a sensor of sensor_type. */
struct ha_event {
	const char *event_type;   /* "on", "open", "level", "press"... (static) */
	bool has_value;
	double value;             /* light: the illuminance */
};

/*
 * The sensor event for an entity's state going from old_state (NULL when
 * unknown, as after a restart) to new_state: 1 with *ev set, or 0 when
 * there is none: the state did not change, or is "unavailable" or
 * "unknown", or is not one the type knows (a light level that is not a
 * number).  A button's or event's state is the time of its last press,
 * so any change of it is a press.
 */
int ha_event_for(const char *sensor_type, const char *old_state, const char *new_state,
		 struct ha_event *ev);

/* ---- rooms from areas */

struct ha_area {
	const char *area_id;
	const char *name;
};

struct ha_room {
	int64_t id;
	const char *name;
	const char *ha_area_id;   /* NULL: a room a person made */
	bool missing;             /* marked missing by an earlier sync */
};

enum ha_step_kind {
	HA_STEP_CREATE,      /* a new room for area */
	HA_STEP_UPDATE,      /* room takes area's id and name, missing cleared */
	HA_STEP_UNCHANGED,
	HA_STEP_MISSING,     /* room's area is gone from HA: mark it */
	HA_STEP_CONFLICT,    /* area's name is another room's: left alone */
};

struct ha_step {
	enum ha_step_kind kind;
	const struct ha_area *area;   /* NULL for MISSING */
	const struct ha_room *room;   /* NULL for CREATE */
};

struct ha_counts {
	unsigned created, updated, unchanged, missing, conflicts;
};

/*
 * The steps that bring rooms in line with areas: each area matched to the
 * room holding its area_id, else to a room of the same name that holds no
 * area_id (a room a person made before the first sync is adopted, not
 * duplicated); a room whose area is gone is marked missing (and counted as
 * missing, but not stepped again, when marked already).  Rooms are never
 * deleted.  Areas and rooms are borrowed; steps has room for na + nr.
 * Returns the number of steps, or -1 when the areas cannot be trusted: an
 * area without an id or name, an id or name too long, or two areas with
 * one id (a sync then changes nothing); -1 also when memory runs out.
 */
int ha_plan_rooms(const struct ha_area *areas, size_t na, const struct ha_room *rooms, size_t nr,
		  struct ha_step *steps, struct ha_counts *counts);

/* ---- sensors from entities */

/* An HA entity Hearth keeps as a sensor: of a type ha_sensor_type names,
 * in an area synced as the room room_id. */
struct ha_entity {
	const char *entity_id;
	const char *name;
	const char *sensor_type;
	int64_t room_id;
};

/* A Hearth sensor synced before (source home_assistant). */
struct ha_sensor {
	int64_t id;
	const char *entity_id;    /* its external_id */
	const char *name;
	const char *sensor_type;
	int64_t room_id;          /* 0: none */
	bool missing;
};

struct ha_sensor_step {
	enum ha_step_kind kind;          /* CREATE, UPDATE, UNCHANGED, MISSING */
	const struct ha_entity *entity;  /* NULL for MISSING */
	const struct ha_sensor *sensor;  /* NULL for CREATE */
};

/*
 * The steps that bring the synced sensors in line with entities: an
 * entity matched by entity_id; a new one created; one whose name, type or
 * room changed (or that was missing) updated; a sensor whose entity is
 * gone, or no longer of a kind or in a room Hearth keeps, marked missing
 * (counted, not stepped again, when marked already).  Never a deletion.
 * steps has room for ne + nh.  -1 when the entities cannot be trusted: an
 * invalid entity_id, one twice, no name or a name too long, no type.
 */
int ha_plan_sensors(const struct ha_entity *ents, size_t ne, const struct ha_sensor *have,
		    size_t nh, struct ha_sensor_step *steps, struct ha_counts *counts);

#endif
