#ifndef HEARTH_HA_SCENE_H
#define HEARTH_HA_SCENE_H

/*
 * Hearth's scenes: a snapshot of some Home Assistant entities' states,
 * restored later through service calls.  Pure functions: what to keep of
 * a state object, and the calls that bring an entity back to what was
 * kept.  The handlers read the states and make the calls (net/ha.h); the
 * scenes are kept by store/scenes.h.
 *
 * A snapshot entry: {"entity_id", "state", "attributes": {...}} with only
 * the attributes that restoring needs:
 *   light         on/off; brightness, color_mode and the color of that
 *                 mode (color_temp_kelvin, hs_color, xy_color, rgb_color,
 *                 rgbw_color, rgbww_color)
 *   climate       the hvac mode (its state); temperature or
 *                 target_temp_low/high, preset_mode, fan_mode
 *   cover, valve  open/closed; current_position (and cover's
 *                 current_tilt_position)
 *   fan           on/off; percentage, preset_mode
 *   humidifier    on/off; humidity, mode
 *   media_player  off or on; volume_level
 *   switch, input_boolean, automation, siren: on/off
 *   input_number  its value; input_select, select: its option
 *   lock          locked/unlocked
 */
#include <stddef.h>

#include <jansson.h>

/* The most entities one scene holds. */
#define HA_SCENE_ENTITIES_MAX 50

/*
 * The snapshot entry of HA's state object (borrowed) as a new reference,
 * or NULL with why set: a domain whose state cannot be restored (a
 * sensor), or a state that is none to restore to ("unavailable",
 * "unknown", a cover half way). why: at least 128 bytes.
 */
json_t *ha_scene_snapshot(const json_t *state, char *why, size_t whylen);

/*
 * The calls (a plan as control.h describes it) that restore snapshot
 * entry snap (borrowed), in order; NULL with why for an entry that is not
 * one ha_scene_snapshot makes.
 */
json_t *ha_scene_plan(const json_t *snap, char *why, size_t whylen);

#endif
