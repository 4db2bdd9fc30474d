/*
 * The 7 context filters, evaluated against a trigger.  Configs were checked
 * when they were saved (registry_filters.c, whose keys and defaults these
 * follow); they are read defensively all the same, since a row may predate
 * a rule change, and a config that cannot be read fails its context.
 *
 * Decisions the reference leaves open:
 * - Room names compare with ASCII case folding only: "kitchen" matches
 *   "KITCHEN", but "küche" does not match "KÜCHE".
 * - time_range includes its start and excludes its end (08:00-22:00 holds
 *   at 08:00 and not at 22:00); start == end is the whole day, the only
 *   reading of a zero-length range under which it means anything.
 * - room: with both room_id and room_name, matching either is enough.
 * - room_transition: a person seen in one room only has made no transition;
 *   the transition's time is the first sighting in the new room.
 * - A location exactly PERSON_HOME_MINUTES old still counts as home, as in
 *   the persons API.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gate.h"
#include "store/store.h"

#define NAME_MAX_LEN 257  /* room names are at most 256 bytes */
#define SEVERITY_MAX_LEN 16

typedef int (*filter_fn)(const json_t *config, const struct filter_input *in, char *why,
			 size_t whylen);

/* ---------------------------------------------------------------- helpers */

/* Equal under ASCII case folding; locale-independent on purpose, so a
 * rule behaves the same in every process. */
static bool filters__name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;

		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb - 'A' + 'a');
		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
}

/* A string member: 0 with *out (NULL when absent and optional), -1 with
 * why when missing but required or not a non-empty string. */
static int filters__str(const json_t *config, const char *key, bool required,
			const char **out, char *why, size_t whylen)
{
	const json_t *v = json_object_get(config, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		snprintf(why, whylen, "config has no %s", key);
		return -1;
	}
	if (!json_is_string(v) || !*json_string_value(v)) {
		snprintf(why, whylen, "config %s is not a non-empty string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* An integer member in [min, max]; def when absent (def < 0: required). */
static int filters__int(const json_t *config, const char *key, int64_t def, int64_t min,
			int64_t max, int64_t *out, char *why, size_t whylen)
{
	const json_t *v = json_object_get(config, key);

	if (!v || json_is_null(v)) {
		if (def >= 0) {
			*out = def;
			return 0;
		}
		snprintf(why, whylen, "config has no %s", key);
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(why, whylen, "config %s is not an integer in %" PRId64 "..%" PRId64,
			 key, min, max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/* within_minutes, bounded as registry_filters.c bounds it. */
static int filters__within(const json_t *config, int64_t def, int64_t *out, char *why,
			   size_t whylen)
{
	return filters__int(config, "within_minutes", def, 1, 525600, out, why, whylen);
}

/* Whole minutes from then to now; 0 for a time in the future. */
static int64_t filters__minutes_ago(time_t now, time_t then)
{
	return now > then ? (int64_t)(now - then) / 60 : 0;
}

/* Seconds from then to now, for comparisons against a window. */
static int64_t filters__age(time_t now, time_t then)
{
	return (int64_t)now - (int64_t)then;
}

static const struct filter_env *filters__env(const struct filter_input *in)
{
	return in->env;
}

/* ---------------------------------------------------------------- filters */

static int filters__room(const json_t *config, const struct filter_input *in, char *why,
			 size_t whylen)
{
	const char *name;
	int64_t id = 0;

	if (filters__str(config, "room_name", false, &name, why, whylen) < 0 ||
	    filters__int(config, "room_id", 0, 1, INT64_MAX, &id, why, whylen) < 0)
		return -1;
	if (!name && !id) {
		snprintf(why, whylen, "config has neither room_id nor room_name");
		return -1;
	}
	if (id && in->room_id == id) {
		snprintf(why, whylen, "room is %" PRId64, id);
		return 1;
	}
	if (name && in->room_name && filters__name_eq(name, in->room_name)) {
		snprintf(why, whylen, "room is %s", in->room_name);
		return 1;
	}
	if (!in->room_id && !in->room_name)
		snprintf(why, whylen, "the trigger has no room");
	else if (name && in->room_name)
		snprintf(why, whylen, "room is %s, not %s", in->room_name, name);
	else if (id && in->room_id)
		snprintf(why, whylen, "room is %" PRId64 ", not %" PRId64, in->room_id, id);
	else
		snprintf(why, whylen, "the trigger's room is not %s", name ? name : "the one named");
	return 0;
}

/* "HH:MM" into minutes since midnight; -1 when malformed. */
static int filters__hhmm(const char *s)
{
	int h, m;

	if (!s || strlen(s) != 5 || s[2] != ':' ||
	    s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

static int filters__time_range(const json_t *config, const struct filter_input *in,
			       char *why, size_t whylen)
{
	const char *start_s, *end_s;
	int start, end, now;
	struct tm tm;
	bool inside;

	if (filters__str(config, "start_time", true, &start_s, why, whylen) < 0 ||
	    filters__str(config, "end_time", true, &end_s, why, whylen) < 0)
		return -1;
	start = filters__hhmm(start_s);
	end = filters__hhmm(end_s);
	if (start < 0 || end < 0) {
		snprintf(why, whylen, "config times are not \"HH:MM\"");
		return -1;
	}
	if (!localtime_r(&in->now, &tm)) {
		snprintf(why, whylen, "the local time is unknown");
		return -1;
	}
	now = tm.tm_hour * 60 + tm.tm_min;
	if (start == end)
		inside = true;
	else if (start < end)
		inside = now >= start && now < end;
	else
		inside = now >= start || now < end;
	snprintf(why, whylen, "%02d:%02d is %s %s-%s", tm.tm_hour, tm.tm_min,
		 inside ? "within" : "outside", start_s, end_s);
	return inside;
}

static const char *const day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

static int filters__day_of_week(const json_t *config, const struct filter_input *in,
				char *why, size_t whylen)
{
	const json_t *days = json_object_get(config, "days"), *d;
	struct tm tm;
	size_t i;
	int today;

	if (!json_is_array(days)) {
		snprintf(why, whylen, "config days is not an array");
		return -1;
	}
	if (!localtime_r(&in->now, &tm)) {
		snprintf(why, whylen, "the local date is unknown");
		return -1;
	}
	today = (tm.tm_wday + 6) % 7;  /* tm_wday counts from Sunday */
	json_array_foreach(days, i, d) {
		if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 6) {
			snprintf(why, whylen, "config days holds something other than 0..6");
			return -1;
		}
		if (json_integer_value(d) == today) {
			snprintf(why, whylen, "%s (%d) is one of the days", day_names[today], today);
			return 1;
		}
	}
	snprintf(why, whylen, "%s (%d) is not one of the days", day_names[today], today);
	return 0;
}

static int filters__person_presence(const json_t *config, const struct filter_input *in,
				    char *why, size_t whylen)
{
	const struct filter_env *env = filters__env(in);
	const char *want, *room_name, *status;
	char room[NAME_MAX_LEN] = "";
	time_t seen_at = 0;
	int64_t person;
	int rc = 1;

	if (filters__int(config, "person_id", -1, 1, INT64_MAX, &person, why, whylen) < 0 ||
	    filters__str(config, "status", false, &want, why, whylen) < 0 ||
	    filters__str(config, "room_name", false, &room_name, why, whylen) < 0)
		return -1;
	if (!want)
		want = "home";
	if (strcmp(want, "home") && strcmp(want, "away") && strcmp(want, "unknown")) {
		snprintf(why, whylen, "config status is not home, away or unknown");
		return -1;
	}
	if (env && env->person_location)
		rc = env->person_location(env->ud, person, room, sizeof(room), &seen_at);
	if (rc < 0) {
		snprintf(why, whylen, "person %" PRId64 ": location lookup failed", person);
		return -1;
	}
	if (rc > 0) {
		bool pass = strcmp(want, "unknown") == 0;

		snprintf(why, whylen, "person %" PRId64 " is unknown (never seen)%s%s", person,
			 pass ? "" : ", not ", pass ? "" : want);
		return pass;
	}
	status = filters__age(in->now, seen_at) > (int64_t)PERSON_HOME_MINUTES * 60 ? "away"
										    : "home";
	if (strcmp(want, status) != 0) {
		snprintf(why, whylen, "person %" PRId64 " is %s (last seen in %s %" PRId64
			 " min ago), not %s", person, status, room,
			 filters__minutes_ago(in->now, seen_at), want);
		return 0;
	}
	/* room_name narrows "home" only: an away person is in no room. */
	if (room_name && strcmp(status, "home") == 0 && !filters__name_eq(room_name, room)) {
		snprintf(why, whylen, "person %" PRId64 " is home in %s, not %s", person, room,
			 room_name);
		return 0;
	}
	snprintf(why, whylen, "person %" PRId64 " is %s (last seen in %s %" PRId64 " min ago)",
		 person, status, room, filters__minutes_ago(in->now, seen_at));
	return 1;
}

static int filters__person_activity(const json_t *config, const struct filter_input *in,
				    char *why, size_t whylen)
{
	const struct filter_env *env = filters__env(in);
	int64_t person, within;
	char who[48] = "anyone";
	const char *type;
	time_t at = 0;
	int rc = 1;

	if (filters__int(config, "person_id", 0, 1, INT64_MAX, &person, why, whylen) < 0 ||
	    filters__str(config, "activity_type", true, &type, why, whylen) < 0 ||
	    filters__within(config, 30, &within, why, whylen) < 0)
		return -1;
	if (person)
		snprintf(who, sizeof(who), "person %" PRId64, person);
	if (env && env->last_activity)
		rc = env->last_activity(env->ud, person, type, &at);
	if (rc < 0) {
		snprintf(why, whylen, "%s for %s: activity lookup failed", type, who);
		return -1;
	}
	if (rc == 0 && filters__age(in->now, at) <= within * 60) {
		snprintf(why, whylen, "%s by %s %" PRId64 " min ago", type, who,
			 filters__minutes_ago(in->now, at));
		return 1;
	}
	if (rc == 0)
		snprintf(why, whylen, "no %s by %s in the last %" PRId64 " min (last %" PRId64
			 " min ago)", type, who, within, filters__minutes_ago(in->now, at));
	else
		snprintf(why, whylen, "no %s by %s in the last %" PRId64 " min", type, who, within);
	return 0;
}

static int filters__room_transition(const json_t *config, const struct filter_input *in,
				    char *why, size_t whylen)
{
	const struct filter_env *env = filters__env(in);
	char from[NAME_MAX_LEN] = "", to[NAME_MAX_LEN] = "";
	const char *semantic, *want_to, *want_from;
	int64_t person, within;
	time_t at = 0;
	int rc = 1;

	if (filters__int(config, "person_id", -1, 1, INT64_MAX, &person, why, whylen) < 0 ||
	    filters__str(config, "semantic", false, &semantic, why, whylen) < 0 ||
	    filters__str(config, "to_room_name", false, &want_to, why, whylen) < 0 ||
	    filters__str(config, "from_room_name", false, &want_from, why, whylen) < 0 ||
	    filters__within(config, 5, &within, why, whylen) < 0)
		return -1;
	if (!semantic)
		semantic = "entering";
	if (strcmp(semantic, "entering") && strcmp(semantic, "exiting")) {
		snprintf(why, whylen, "config semantic is not entering or exiting");
		return -1;
	}
	if (env && env->last_transition)
		rc = env->last_transition(env->ud, person, from, sizeof(from), to, sizeof(to), &at);
	if (rc < 0) {
		snprintf(why, whylen, "person %" PRId64 ": transition lookup failed", person);
		return -1;
	}
	if (rc > 0 || !*from) {
		snprintf(why, whylen, "person %" PRId64 " has not moved between rooms", person);
		return 0;
	}
	if (filters__age(in->now, at) > within * 60) {
		snprintf(why, whylen, "person %" PRId64 " last moved %s -> %s %" PRId64
			 " min ago, not within %" PRId64 " min", person, from, to,
			 filters__minutes_ago(in->now, at), within);
		return 0;
	}
	/* entering is about the room arrived in, exiting about the room left;
	 * the other side, when given, narrows either. */
	if (want_to && !filters__name_eq(want_to, to)) {
		snprintf(why, whylen, "person %" PRId64 " moved %s -> %s, not into %s", person,
			 from, to, want_to);
		return 0;
	}
	if (want_from && !filters__name_eq(want_from, from)) {
		snprintf(why, whylen, "person %" PRId64 " moved %s -> %s, not out of %s", person,
			 from, to, want_from);
		return 0;
	}
	snprintf(why, whylen, "person %" PRId64 " %s %s %" PRId64 " min ago (%s -> %s)", person,
		 strcmp(semantic, "entering") == 0 ? "entered" : "left",
		 strcmp(semantic, "entering") == 0 ? to : from,
		 filters__minutes_ago(in->now, at), from, to);
	return 1;
}

static const char *const severity_names[] = {"ok", "info", "warning", "critical", NULL};

/* ok < info < warning < critical; -1 for anything else. */
static int filters__severity_rank(const char *s)
{
	for (int i = 0; severity_names[i]; i++)
		if (strcmp(severity_names[i], s) == 0)
			return i;
	return -1;
}

/* One room's latest severity against the threshold: 1 at or above, 0 not
 * (or nothing recorded), -1 lookup failed.  label names the room in why. */
static int filters__scene_room(const struct filter_input *in, int64_t room_id,
			       const char *room_name, time_t since, int threshold,
			       const char *label, char *why, size_t whylen)
{
	const struct filter_env *env = filters__env(in);
	char severity[SEVERITY_MAX_LEN] = "";
	int rc = 1;

	if (env && env->scene_severity)
		rc = env->scene_severity(env->ud, room_id, room_name, since, severity,
					 sizeof(severity));
	if (rc < 0) {
		snprintf(why, whylen, "room %s: scene trend lookup failed", label);
		return -1;
	}
	if (rc > 0) {
		snprintf(why, whylen, "room %s has no recent object trend", label);
		return 0;
	}
	if (filters__severity_rank(severity) >= threshold) {
		snprintf(why, whylen, "room %s is at %s", label, severity);
		return 1;
	}
	snprintf(why, whylen, "room %s is at %s, below %s", label, severity,
		 severity_names[threshold]);
	return 0;
}

static int filters__scene_trend(const json_t *config, const struct filter_input *in,
				char *why, size_t whylen)
{
	const json_t *ids = json_object_get(config, "room_ids"), *id;
	const char *name, *level;
	int64_t within;
	int threshold, rc = 0;
	char label[32];
	time_t since;
	size_t i;

	if (filters__str(config, "room_name", false, &name, why, whylen) < 0 ||
	    filters__str(config, "severity_threshold", false, &level, why, whylen) < 0 ||
	    filters__within(config, 60, &within, why, whylen) < 0)
		return -1;
	if (ids && !json_is_array(ids)) {
		snprintf(why, whylen, "config room_ids is not an array");
		return -1;
	}
	if (!json_array_size(ids) && !name) {
		snprintf(why, whylen, "config has neither room_ids nor room_name");
		return -1;
	}
	threshold = filters__severity_rank(level ? level : "warning");
	if (threshold < 0) {
		snprintf(why, whylen, "config severity_threshold is not ok, info, warning or critical");
		return -1;
	}
	since = in->now - (time_t)(within * 60);
	/* Any named room at or above the threshold is enough; a failed lookup
	 * fails the whole context, since the answer is then unknown. */
	json_array_foreach(ids, i, id) {
		if (!json_is_integer(id) || json_integer_value(id) < 1) {
			snprintf(why, whylen, "config room_ids holds something other than ids");
			return -1;
		}
		snprintf(label, sizeof(label), "%" PRId64, (int64_t)json_integer_value(id));
		rc = filters__scene_room(in, json_integer_value(id), NULL, since, threshold, label,
					 why, whylen);
		if (rc != 0)
			return rc;
	}
	if (name)
		rc = filters__scene_room(in, 0, name, since, threshold, name, why, whylen);
	return rc;
}

/* ---------------------------------------------------------------- entry */

static const struct {
	const char *type;
	filter_fn eval;
} filters[] = {
	{"room", filters__room},
	{"time_range", filters__time_range},
	{"day_of_week", filters__day_of_week},
	{"person_presence", filters__person_presence},
	{"person_activity", filters__person_activity},
	{"room_transition", filters__room_transition},
	{"scene_trend", filters__scene_trend},
};

int filter_check(const char *type, const json_t *config, const struct filter_input *in,
		 char *why, size_t whylen)
{
	if (whylen)
		*why = '\0';
	for (size_t i = 0; type && i < sizeof(filters) / sizeof(filters[0]); i++) {
		if (strcmp(filters[i].type, type) != 0)
			continue;
		if (!json_is_object(config)) {
			snprintf(why, whylen, "config is not an object");
			return -1;
		}
		return filters[i].eval(config, in, why, whylen);
	}
	snprintf(why, whylen, "unknown context type %s", type ? type : "(none)");
	return -1;
}

int filter_eval(const char *type, const json_t *config, const struct filter_input *in,
		char *why, size_t whylen)
{
	return filter_check(type, config, in, why, whylen) == 1;
}
