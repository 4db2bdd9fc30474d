/*
 * The gate: whether a rule fires for a trigger, and if not, the first
 * reason why, in the reference order (see gate.h).  Pure logic: what the
 * database knows arrives in struct gate_input and the filter lookups.
 *
 * Cool-off and the daily cap for cron rules (the reference behaviour):
 * a cron rule's schedule is its own rate.  Its cool_off_minutes and
 * max_daily_triggers default to 0 (off), so "0 8,12,18,22 * * *" fires
 * four times a day.  When the user sets them they apply here to every
 * run, a cron instant's like any other, and the API has already refused
 * (422) values the schedule could never honour on an ordinary day: a cap
 * below its instants per day, a cool-off longer than the shortest gap
 * between two of its instants (cron_spacing()).  What can still refuse a
 * cron instant is then what the user asked for: a context, a dependency,
 * a manual run counted against the cap, or a burst of late instants
 * after an outage meeting a cool-off (use catch_up latest for a rule
 * where a burst makes no sense).  Every refusal is recorded, never silent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gate.h"
#include "validate.h"

#define OCCUPANCY_DEFAULT_MIN_MINUTES 40
#define DEPENDENCY_DEFAULT_LOOKBACK 30
#define WHY_LEN 256

/* Whole minutes from then to now; 0 for a time in the future. */
static int64_t gate__minutes_ago(time_t now, time_t then)
{
	return now > then ? (int64_t)(now - then) / 60 : 0;
}

/* Stage 1: enabled, the trigger type, and occupancy's own conditions. */
static bool gate__trigger(const struct gate_input *in, char *reason, size_t len)
{
	const struct gate_rule *r = in->rule;
	const char *want = r->trigger_type ? r->trigger_type : "sensor_event";
	const char *got = in->trigger_type ? in->trigger_type : "(none)";
	int64_t min;

	if (!r->enabled) {
		snprintf(reason, len, "disabled");
		return false;
	}
	if (strcmp(want, got) != 0) {
		snprintf(reason, len, "trigger_type is %s, not %s", want, got);
		return false;
	}
	if (strcmp(want, "occupancy_duration") != 0)
		return true;
	if (!r->primary_sensor_id || r->primary_sensor_id != in->sensor_id) {
		snprintf(reason, len, "occupancy: sensor %" PRId64 " is not the rule's primary "
			 "sensor %" PRId64, in->sensor_id, r->primary_sensor_id);
		return false;
	}
	min = r->occupancy_min_minutes > 0 ? r->occupancy_min_minutes
					   : OCCUPANCY_DEFAULT_MIN_MINUTES;
	if (in->occupancy_minutes < (double)min) {
		snprintf(reason, len, "occupancy: %" PRId64 " min so far, min_minutes %" PRId64,
			 (int64_t)in->occupancy_minutes, min);
		return false;
	}
	return true;
}

/* One context: 1 holds (after its negate), 0 not, with the reason. */
static int gate__context(const json_t *ctx, const struct gate_input *in, char *why,
			 size_t len)
{
	const char *type = json_string_value(json_object_get(ctx, "context_type"));
	bool negate = json_is_true(json_object_get(ctx, "negate"));
	char inner[WHY_LEN];
	int rc;

	rc = filter_check(type, json_object_get(ctx, "config"), &in->filter, inner,
			  sizeof(inner));
	/* A context that cannot be evaluated fails even when negated: not
	 * knowing must never let a rule through. */
	if (rc < 0) {
		snprintf(why, len, "context %s: %s", type ? type : "(none)", inner);
		return 0;
	}
	if (negate) {
		snprintf(why, len, "context %s (negated): %s", type, inner);
		return !rc;
	}
	snprintf(why, len, "context %s: %s", type, inner);
	return rc;
}

/* Whether context c has context_type type (NULL matches nothing). */
static bool gate__same_type(const json_t *c, const char *type)
{
	const char *t = json_string_value(json_object_get(c, "context_type"));

	return type && t && strcmp(type, t) == 0;
}

/*
 * Stage 2: OR among the contexts of one type, AND across types.  Types are
 * taken in the order they first appear, and a failing type reports its
 * first context's reason.
 */
static bool gate__contexts(const struct gate_input *in, char *reason, size_t len)
{
	size_t i, j, n = json_array_size(in->contexts);
	char why[WHY_LEN];

	for (i = 0; i < n; i++) {
		const json_t *first = json_array_get(in->contexts, i);
		const char *type = json_string_value(json_object_get(first, "context_type"));
		bool seen = false, holds = false;

		for (j = 0; j < i && !seen; j++)
			seen = gate__same_type(json_array_get(in->contexts, j), type);
		if (seen)
			continue;  /* this type was settled at its first context */
		holds = gate__context(first, in, reason, len);
		for (j = i + 1; j < n && !holds; j++)
			if (gate__same_type(json_array_get(in->contexts, j), type))
				holds = gate__context(json_array_get(in->contexts, j), in, why,
						      sizeof(why));
		if (!holds)
			return false;
	}
	return true;
}

/* Stage 3: every dependency on a parent rule's recent completed run. */
static bool gate__dependencies(const struct gate_input *in, char *reason, size_t len)
{
	time_t now = in->filter.now;
	const json_t *dep;
	size_t i;

	json_array_foreach(in->dependencies, i, dep) {
		const json_t *rs = json_object_get(dep, "require_success");
		const json_t *lb = json_object_get(dep, "lookback_minutes");
		const char *name = json_string_value(json_object_get(dep, "parent_rule_name"));
		int64_t parent = json_integer_value(json_object_get(dep, "parent_rule_id"));
		int64_t last = json_integer_value(json_object_get(dep, "parent_last_completed"));
		int64_t lookback = json_is_integer(lb) ? json_integer_value(lb)
						       : DEPENDENCY_DEFAULT_LOOKBACK;
		/* require_success may come as a bool or as the column's 0/1. */
		bool require = !rs || json_is_null(rs) || json_is_true(rs) ||
			       (json_is_integer(rs) && json_integer_value(rs) != 0);
		bool recent = last > 0 && (int64_t)now - last <= lookback * 60;
		char who[300];

		if (recent == require)
			continue;
		if (name)
			snprintf(who, sizeof(who), "rule %" PRId64 " (%s)", parent, name);
		else
			snprintf(who, sizeof(who), "rule %" PRId64, parent);
		if (require)
			snprintf(reason, len, "dependency on %s: no completed run in the last %"
				 PRId64 " min", who, lookback);
		else
			snprintf(reason, len, "dependency on %s: completed %" PRId64 " min ago, "
				 "within the last %" PRId64 " min", who,
				 gate__minutes_ago(now, (time_t)last), lookback);
		return false;
	}
	return true;
}

/* The stages in order; gate_check() makes the reason fit for storing. */
static bool gate__check(const struct gate_input *in, char *reason, size_t len)
{
	const struct gate_rule *r = in->rule;
	time_t now = in->filter.now;

	if (len)
		*reason = '\0';
	if (!gate__trigger(in, reason, len) || !gate__contexts(in, reason, len) ||
	    !gate__dependencies(in, reason, len))
		return false;
	/* Strictly within: a run exactly cool_off_minutes ago no longer blocks. */
	if (r->cool_off_minutes > 0 && in->last_counted > 0 &&
	    (int64_t)now - (int64_t)in->last_counted < r->cool_off_minutes * 60) {
		snprintf(reason, len, "cool-off: last run %" PRId64 " min ago (cool_off_minutes %"
			 PRId64 ")", gate__minutes_ago(now, in->last_counted), r->cool_off_minutes);
		return false;
	}
	if (r->max_daily_triggers > 0 && in->counted_today >= r->max_daily_triggers) {
		snprintf(reason, len, "daily cap: %" PRId64 " of %" PRId64 " runs today",
			 in->counted_today, r->max_daily_triggers);
		return false;
	}
	if (len)
		*reason = '\0';  /* passing contexts left their notes there */
	return true;
}

bool gate_check(const struct gate_input *in, char *reason, size_t len)
{
	bool fires = gate__check(in, reason, len);

	/* Reasons quote room and rule names; one cut to fit must still be
	 * text the event log can store. */
	if (!fires && len)
		utf8_trim_cut(reason);
	return fires;
}

/* Local calendar date of t as one comparable number; -1 when unknown. */
static long gate__local_day(time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -1;
	return ((long)tm.tm_year * 12 + tm.tm_mon) * 31 + tm.tm_mday;
}

time_t gate_local_midnight(time_t t)
{
	struct tm tm;
	time_t m;
	long day = gate__local_day(t);

	if (!localtime_r(&t, &tm))
		return t;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	m = mktime(&tm);
	if (m == (time_t)-1)
		return t;
	/*
	 * In zones whose clocks jump at midnight (America/Santiago, for one)
	 * 00:00 may not exist, and mktime may land on the previous evening:
	 * the day then starts at the first whole hour that is on it.
	 */
	for (int i = 0; i < 3 && gate__local_day(m) != day; i++)
		m += gate__local_day(m) < day ? 3600 : -3600;
	return m <= t ? m : t;
}
