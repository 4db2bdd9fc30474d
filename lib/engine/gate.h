#ifndef HEARTH_ENGINE_GATE_H
#define HEARTH_ENGINE_GATE_H

/*
 * The gate (does a rule fire for a trigger?) and the 7 context filters, as
 * pure logic: everything they need from the database comes in through
 * struct gate_input and the lookups of struct filter_env, so the unit tests
 * can drive every branch without one.
 *
 * Order (reference "Gate"), the first that fails stops and names itself:
 *   1. enabled, trigger_type matches (occupancy_duration: the primary
 *      sensor is the trigger's and min_minutes <= occupancy minutes);
 *   2. contexts: OR among contexts of one type, AND across types; each
 *      context's negate inverts its own result;
 *   3. dependencies, all ANDed;
 *   4. cool-off: nothing counted within cool_off_minutes (0 = off);
 *   5. daily cap: fewer than max_daily_triggers counted since local
 *      midnight (0 = off).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* Lookups the filters need.  Each returns 0 when found, 1 when there is
 * nothing, -1 on a database error (the filter then fails, and the reason
 * says so).  Strings are copied into the caller's buffers. */
struct filter_env {
	void *ud;
	/* A person's latest sighting: room name and when. */
	int (*person_location)(void *ud, int64_t person_id, char *room, size_t roomlen,
			       time_t *seen_at);
	/* The latest recorded activity of a type for a person (person_id 0:
	 * anyone). */
	int (*last_activity)(void *ud, int64_t person_id, const char *activity_type,
			     time_t *at);
	/* A person's last two sightings in different rooms: from (the earlier),
	 * to (the later), and when the later one was seen.  from is "" when
	 * there is only one sighting. */
	int (*last_transition)(void *ud, int64_t person_id, char *from, size_t fromlen,
			       char *to, size_t tolen, time_t *at);
	/* The latest object-trend severity (ok|info|warning|critical) recorded
	 * for a room (by id, or by name when room_id is 0) since `since`. */
	int (*scene_severity)(void *ud, int64_t room_id, const char *room_name, time_t since,
			      char *severity, size_t sevlen);
};

/* What a filter sees of the trigger. */
struct filter_input {
	time_t now;                   /* local wall clock via localtime_r (TZ) */
	int64_t room_id;              /* the trigger's room; 0 = none */
	const char *room_name;        /* NULL = none */
	const struct filter_env *env; /* NULL: every lookup finds nothing */
};

/*
 * Evaluate one context of type `type` with config (borrowed).  Returns 1
 * when it passes, 0 when not (negate is NOT applied here), with a short
 * reason in why ("time 23:10 outside 08:00-22:00").
 */
int filter_eval(const char *type, const json_t *config, const struct filter_input *in,
		char *why, size_t whylen);

/*
 * filter_eval, telling apart a context that cannot be evaluated: -1 when a
 * lookup failed, the type is unknown or the config is malformed (why says
 * which).  The gate fails such a context whether or not it is negated, so
 * a database error never lets a rule through.
 */
int filter_check(const char *type, const json_t *config, const struct filter_input *in,
		 char *why, size_t whylen);

/* The rule as the gate sees it. */
struct gate_rule {
	int64_t id;
	bool enabled;
	const char *trigger_type;
	int64_t primary_sensor_id;     /* 0 = none */
	int64_t cool_off_minutes;
	int64_t max_daily_triggers;
	int64_t occupancy_min_minutes; /* 0 = none: the default 40 applies */
};

struct gate_input {
	const struct gate_rule *rule;
	const char *trigger_type;      /* what happened */
	int64_t sensor_id;             /* 0 = none */
	double occupancy_minutes;
	/* [{context_type, config, negate}] (store_contexts_list's items) */
	const json_t *contexts;
	/* [{parent_rule_id, parent_rule_name, lookback_minutes, require_success,
	 *   parent_last_completed: unix seconds, 0 = never}] */
	const json_t *dependencies;
	time_t last_counted;           /* newest counted run's start; 0 = none */
	int64_t counted_today;         /* counted runs since local midnight */
	struct filter_input filter;    /* now and the trigger's room */
};

/* Returns true when the rule fires; else false with the reason (e.g.
 * "cool-off: last run 3 min ago, cool_off_minutes 5"). */
bool gate_check(const struct gate_input *in, char *reason, size_t len);

/* Unix time of the local midnight that starts the day of t (TZ). */
time_t gate_local_midnight(time_t t);

#endif
