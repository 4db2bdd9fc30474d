/*
 * Home Assistant's things as Hearth's (map.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ha/map.h"

static bool map__in(const char *s, const char *const *set)
{
	for (size_t i = 0; s && set[i]; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool map__word(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

bool ha_entity_id_valid(const char *s)
{
	const char *dot = s ? strchr(s, '.') : NULL;
	size_t n;

	if (!dot)
		return false;
	n = strlen(s);
	return n <= HA_ID_MAX && map__word(s, (size_t)(dot - s)) &&
	       map__word(dot + 1, n - (size_t)(dot - s) - 1);
}

void ha_entity_domain(const char *entity_id, char *out, size_t outsz)
{
	size_t n;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (!ha_entity_id_valid(entity_id))
		return;
	n = (size_t)(strchr(entity_id, '.') - entity_id);
	if (n >= outsz)
		return;
	memcpy(out, entity_id, n);
	out[n] = '\0';
}

const char *ha_sensor_type(const char *entity_id, const char *device_class)
{
	static const char *const presence[] = {"occupancy", "motion", "presence", NULL};
	static const char *const contact[] = {"door", "window", "opening", "garage_door", NULL};
	static const char *const buttons[] = {"button", "input_button", "event", NULL};
	char domain[64];

	ha_entity_domain(entity_id, domain, sizeof(domain));
	if (strcmp(domain, "binary_sensor") == 0) {
		if (map__in(device_class, presence))
			return "presence";
		if (map__in(device_class, contact))
			return "contact";
		return NULL;
	}
	if (strcmp(domain, "sensor") == 0)
		return device_class && strcmp(device_class, "illuminance") == 0 ? "light" : NULL;
	if (map__in(domain, buttons))
		return "button";
	return NULL;
}

/* A state that says nothing of the world. */
static bool map__void(const char *state)
{
	return !state || !*state || strcmp(state, "unavailable") == 0 ||
	       strcmp(state, "unknown") == 0;
}

int ha_event_for(const char *sensor_type, const char *old_state, const char *new_state,
		 struct ha_event *ev)
{
	char *end;
	double v;

	ev->event_type = NULL;
	ev->has_value = false;
	ev->value = 0;
	if (!sensor_type || map__void(new_state) || (old_state && strcmp(old_state, new_state) == 0))
		return 0;
	if (strcmp(sensor_type, "presence") == 0 || strcmp(sensor_type, "contact") == 0) {
		bool is_contact = sensor_type[0] == 'c';

		if (strcmp(new_state, "on") == 0)
			ev->event_type = is_contact ? "open" : "on";
		else if (strcmp(new_state, "off") == 0)
			ev->event_type = is_contact ? "close" : "off";
		return ev->event_type ? 1 : 0;
	}
	if (strcmp(sensor_type, "light") == 0) {
		v = strtod(new_state, &end);
		if (end == new_state || *end || !isfinite(v))
			return 0;
		ev->event_type = "level";
		ev->has_value = true;
		ev->value = v;
		return 1;
	}
	if (strcmp(sensor_type, "button") == 0) {
		/* The first state seen (old_state NULL) is a press long past. */
		if (!old_state || map__void(old_state))
			return 0;
		ev->event_type = "press";
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- rooms */

static bool map__eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The room named name other than but, or NULL. */
static const struct ha_room *map__named(const struct ha_room *rooms, size_t nr, const char *name,
				       const struct ha_room *but)
{
	for (size_t i = 0; i < nr; i++)
		if (&rooms[i] != but && map__eq(rooms[i].name, name))
			return &rooms[i];
	return NULL;
}

static bool map__area_ok(const struct ha_area *areas, size_t i)
{
	const struct ha_area *a = &areas[i];

	if (!a->area_id || !*a->area_id || strlen(a->area_id) > HA_ID_MAX || !a->name ||
	    !*a->name || strlen(a->name) > HA_NAME_MAX)
		return false;
	for (size_t j = 0; j < i; j++)
		if (strcmp(areas[j].area_id, a->area_id) == 0)
			return false;
	return true;
}

/* The room for area: the one holding its id, else an unlinked one of its
 * name not taken yet. */
static const struct ha_room *map__match(const struct ha_area *a, const struct ha_room *rooms,
					size_t nr, const bool *taken)
{
	for (size_t i = 0; i < nr; i++)
		if (map__eq(rooms[i].ha_area_id, a->area_id))
			return &rooms[i];
	for (size_t i = 0; i < nr; i++)
		if (!rooms[i].ha_area_id && !taken[i] && map__eq(rooms[i].name, a->name))
			return &rooms[i];
	return NULL;
}

/* Whether an area before i (already planned as a new room) has a's name. */
static bool map__created_before(const struct ha_step *steps, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (steps[k].kind == HA_STEP_CREATE && map__eq(steps[k].area->name, name))
			return true;
	return false;
}

int ha_plan_rooms(const struct ha_area *areas, size_t na, const struct ha_room *rooms, size_t nr,
		  struct ha_step *steps, struct ha_counts *counts)
{
	bool *taken;
	size_t n = 0;

	memset(counts, 0, sizeof(*counts));
	for (size_t i = 0; i < na; i++)
		if (!map__area_ok(areas, i))
			return -1;
	if (!(taken = calloc(nr ? nr : 1, sizeof(*taken))))
		return -1;
	for (size_t i = 0; i < na; i++) {
		const struct ha_area *a = &areas[i];
		const struct ha_room *r = map__match(a, rooms, nr, taken);
		struct ha_step *s = &steps[n++];

		s->area = a;
		s->room = r;
		if (r) {
			taken[r - rooms] = true;
			if (!map__eq(r->name, a->name) && map__named(rooms, nr, a->name, r)) {
				s->kind = HA_STEP_CONFLICT;
				counts->conflicts++;
			} else if (!r->ha_area_id || !map__eq(r->name, a->name) || r->missing) {
				s->kind = HA_STEP_UPDATE;
				counts->updated++;
			} else {
				s->kind = HA_STEP_UNCHANGED;
				counts->unchanged++;
			}
		} else if (map__named(rooms, nr, a->name, NULL) ||
			   map__created_before(steps, n - 1, a->name)) {
			s->kind = HA_STEP_CONFLICT;
			counts->conflicts++;
		} else {
			s->kind = HA_STEP_CREATE;
			counts->created++;
		}
	}
	for (size_t i = 0; i < nr; i++) {
		if (taken[i] || !rooms[i].ha_area_id)
			continue;
		counts->missing++;
		if (!rooms[i].missing)
			steps[n++] = (struct ha_step){HA_STEP_MISSING, NULL, &rooms[i]};
	}
	free(taken);
	return (int)n;
}

/* ---------------------------------------------------------------- sensors */

static bool map__entity_ok(const struct ha_entity *ents, size_t i)
{
	const struct ha_entity *e = &ents[i];

	if (!ha_entity_id_valid(e->entity_id) || !e->name || !*e->name ||
	    strlen(e->name) > HA_NAME_MAX || !e->sensor_type)
		return false;
	for (size_t j = 0; j < i; j++)
		if (strcmp(ents[j].entity_id, e->entity_id) == 0)
			return false;
	return true;
}

int ha_plan_sensors(const struct ha_entity *ents, size_t ne, const struct ha_sensor *have,
		    size_t nh, struct ha_sensor_step *steps, struct ha_counts *counts)
{
	bool *taken;
	size_t n = 0;

	memset(counts, 0, sizeof(*counts));
	for (size_t i = 0; i < ne; i++)
		if (!map__entity_ok(ents, i))
			return -1;
	if (!(taken = calloc(nh ? nh : 1, sizeof(*taken))))
		return -1;
	for (size_t i = 0; i < ne; i++) {
		const struct ha_entity *e = &ents[i];
		const struct ha_sensor *s = NULL;
		struct ha_sensor_step *st = &steps[n++];

		for (size_t j = 0; j < nh && !s; j++)
			if (map__eq(have[j].entity_id, e->entity_id)) {
				s = &have[j];
				taken[j] = true;
			}
		st->entity = e;
		st->sensor = s;
		if (!s) {
			st->kind = HA_STEP_CREATE;
			counts->created++;
		} else if (!map__eq(s->name, e->name) || !map__eq(s->sensor_type, e->sensor_type) ||
			   s->room_id != e->room_id || s->missing) {
			st->kind = HA_STEP_UPDATE;
			counts->updated++;
		} else {
			st->kind = HA_STEP_UNCHANGED;
			counts->unchanged++;
		}
	}
	for (size_t j = 0; j < nh; j++) {
		if (taken[j])
			continue;
		counts->missing++;
		if (!have[j].missing)
			steps[n++] = (struct ha_sensor_step){HA_STEP_MISSING, NULL, &have[j]};
	}
	free(taken);
	return (int)n;
}
