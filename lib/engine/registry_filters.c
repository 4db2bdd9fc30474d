/*
 * The context filter registry: the conditions a rule's contexts may put on
 * a trigger (which room, what time, which day, where a person is, ...).
 * A context's config is checked here when it is saved; the gate evaluates
 * it later, combining contexts as the reference says (OR within a type,
 * AND across types, negate inverting one).
 *
 * Persons are not a table yet, so a person_id is only checked to be a
 * positive integer.
 */
#include <string.h>

#include "registry.h"
#include "registry_schema.h"

struct filter_type {
	const char *name;
	const char *display_name;
	const char *description;
	const struct rparam *params;
	size_t nparams;
	const char *const *one_of;  /* at least one of these keys, or NULL */
};

/* A year: far beyond any sensible window, and minutes * 60 stays small. */
#define WITHIN_MAX 525600

#define ROOM_NAME(h) {"room_name", RP_STRING, V_NONEMPTY, 1, 256, NULL, NULL, RC_NONE, NULL, 0, (h)}
#define PERSON_ID(flags, h) {"person_id", RP_ID, (flags), 0, 0, NULL, NULL, RC_NONE, NULL, 0, (h)}
#define WITHIN(def, h) {"within_minutes", RP_INT, 0, 1, WITHIN_MAX, NULL, (def), RC_NONE, NULL, 0, (h)}

static const struct rparam room_params[] = {
	{"room_id", RP_ID, 0, 0, 0, NULL, NULL, RC_NONE, NULL, 0, "Id of the room"},
	ROOM_NAME("Name of the room (case-insensitive)"),
};
static const char *const room_one_of[] = {"room_id", "room_name", NULL};

static const struct rparam time_range_params[] = {
	{"start_time", RP_STRING, V_REQUIRED, 0, 0, NULL, NULL, RC_HHMM, NULL, 0,
	 "Start, local time \"HH:MM\""},
	{"end_time", RP_STRING, V_REQUIRED, 0, 0, NULL, NULL, RC_HHMM, NULL, 0,
	 "End, local time \"HH:MM\"; before the start means the range wraps past midnight"},
};

static const struct rparam day_of_week_params[] = {
	{"days", RP_INT_ARRAY, V_REQUIRED | RP_UNIQUE | RP_MIN_ITEMS, 0, 6, NULL, NULL,
	 RC_NONE, NULL, 0, "Days on which the context holds: 0 = Monday ... 6 = Sunday"},
};

static const char *const presence_statuses[] = {"home", "away", "unknown", NULL};

static const struct rparam person_presence_params[] = {
	PERSON_ID(V_REQUIRED, "Id of the person"),
	{"status", RP_STRING, 0, 0, 0, presence_statuses, "\"home\"", RC_NONE, NULL, 0,
	 "Required presence; a location older than 30 minutes counts as away"},
	ROOM_NAME("With status home: the room the person must be in"),
};

static const struct rparam person_activity_params[] = {
	PERSON_ID(0, "Id of the person; any person when absent"),
	{"activity_type", RP_STRING, V_REQUIRED | V_NONEMPTY, 1, 64, NULL, NULL, RC_NONE, NULL,
	 0, "Activity that must have been recorded"},
	WITHIN("30", "How recent the activity must be, in minutes"),
};

static const char *const transition_semantics[] = {"entering", "exiting", NULL};

static const struct rparam room_transition_params[] = {
	PERSON_ID(V_REQUIRED, "Id of the person"),
	{"semantic", RP_STRING, 0, 0, 0, transition_semantics, "\"entering\"", RC_NONE, NULL, 0,
	 "entering: arrived in to_room_name; exiting: left from_room_name"},
	{"to_room_name", RP_STRING, V_NONEMPTY, 1, 256, NULL, NULL, RC_NONE, NULL, 0,
	 "Room moved into"},
	{"from_room_name", RP_STRING, V_NONEMPTY, 1, 256, NULL, NULL, RC_NONE, NULL, 0,
	 "Room moved out of"},
	WITHIN("5", "How recent the transition must be, in minutes"),
};

static const char *const severities[] = {"ok", "info", "warning", "critical", NULL};

static const struct rparam scene_trend_params[] = {
	{"room_ids", RP_ID_ARRAY, RP_UNIQUE | RP_MIN_ITEMS, 0, 0, NULL, NULL, RC_NONE, NULL, 0,
	 "Ids of the rooms to look at"},
	ROOM_NAME("Name of the room to look at (case-insensitive)"),
	{"severity_threshold", RP_STRING, 0, 0, 0, severities, "\"warning\"", RC_NONE, NULL, 0,
	 "Passes when a room's latest object-trend severity is at or above this"},
	WITHIN("60", "How recent the trend must be, in minutes"),
};
static const char *const scene_trend_one_of[] = {"room_ids", "room_name", NULL};

#define PARAMS(a) (a), RP_COUNT(a)

static const struct filter_type filter_types[] = {
	{"room", "Room", "The trigger comes from a given room",
	 PARAMS(room_params), room_one_of},
	{"time_range", "Time of day",
	 "The trigger falls between two local times; 22:00-06:00 wraps past midnight",
	 PARAMS(time_range_params), NULL},
	{"day_of_week", "Day of the week", "The trigger falls on one of the given days",
	 PARAMS(day_of_week_params), NULL},
	{"person_presence", "Person presence", "A person is home, away, or in a given room",
	 PARAMS(person_presence_params), NULL},
	{"person_activity", "Recent activity",
	 "An activity was recorded within the last minutes",
	 PARAMS(person_activity_params), NULL},
	{"room_transition", "Room transition",
	 "A person recently entered or left a room", PARAMS(room_transition_params), NULL},
	{"scene_trend", "Scene trend",
	 "A room's latest object-trend severity is at or above a threshold",
	 PARAMS(scene_trend_params), scene_trend_one_of},
};

#define FILTER_TYPES_COUNT (sizeof(filter_types) / sizeof(filter_types[0]))

const struct filter_type *filter_type_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < FILTER_TYPES_COUNT; i++)
		if (strcmp(filter_types[i].name, name) == 0)
			return &filter_types[i];
	return NULL;
}

size_t filter_types_count(void)
{
	return FILTER_TYPES_COUNT;
}

const struct filter_type *filter_type_at(size_t i)
{
	return i < FILTER_TYPES_COUNT ? &filter_types[i] : NULL;
}

const char *filter_type_name(const struct filter_type *t)
{
	return t->name;
}

size_t filter_type_validate_config(const struct filter_type *t, const json_t *config,
				   const char *const *prefix, json_t *errs)
{
	return rs_validate(t->params, t->nparams, t->one_of, config, prefix, errs);
}

json_t *filter_type_to_json(const struct filter_type *t)
{
	json_t *defaults = NULL, *schema = rs_object_schema(t->params, t->nparams, t->one_of,
							     &defaults);
	json_t *out = NULL;

	if (!schema)
		return NULL;
	out = json_pack("{s:s, s:s, s:s, s:O, s:O}", "name", t->name,
			"display_name", t->display_name, "description", t->description,
			"config_schema", schema, "defaults", defaults);
	json_decref(schema);
	json_decref(defaults);
	return out;
}
