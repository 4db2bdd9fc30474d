/*
 * verification: were the expected activities recorded recently?  Each
 * condition names an activity type and optionally a person and a room; it
 * matches when such an activity with enough confidence was detected within
 * its window.  match_mode all needs every condition, any needs one.  The
 * step branches on the verdict (next_step_on_true / next_step_on_false).
 */
#include <string.h>

#include "engine/engine.h"
#include "engine/step.h"
#include "store/activities.h"

/* The reference's defaults, for conditions saved before they were filled. */
#define WITHIN_MINUTES_DEFAULT 30
#define MIN_CONFIDENCE_DEFAULT 0.5

/*
 * Check condition cond (number i) and append it, with what matched, to
 * matched or unmatched.  -1 with s->error on failure.
 */
static int verification__check(struct step_run *s, size_t i, const json_t *cond,
			       json_t *matched, json_t *unmatched)
{
	const char *type = json_string_value(json_object_get(cond, "activity_type"));
	const char *room = json_string_value(json_object_get(cond, "room_name"));
	const json_t *pid = json_object_get(cond, "person_id");
	const json_t *within_v = json_object_get(cond, "within_minutes");
	const json_t *conf_v = json_object_get(cond, "min_confidence");
	int64_t within = json_is_integer(within_v) ? json_integer_value(within_v)
						   : WITHIN_MINUTES_DEFAULT;
	double min_conf = json_is_number(conf_v) ? json_number_value(conf_v)
						 : MIN_CONFIDENCE_DEFAULT;
	json_t *activity = NULL, *entry;
	enum herr e;

	if (!type)
		return step_fail(s, "conditions[%zu]: activity_type is required", i);
	e = store_activities_latest(s->e->db, json_integer_value(pid), type, room, within,
				    min_conf, &activity);
	if (e != HERR_OK && e != HERR_NOT_FOUND)
		return step_fail(s, "conditions[%zu]: could not read activities: %s", i,
				 herr_str(e));

	entry = json_pack("{s:I, s:s, s:o, s:o, s:I, s:f}",
			  "index", (json_int_t)i, "activity_type", type,
			  "person_id", json_is_integer(pid) ? json_incref((json_t *)pid) : json_null(),
			  "room_name", room ? json_string(room) : json_null(),
			  "within_minutes", (json_int_t)within, "min_confidence", min_conf);
	if (entry && activity) {
		json_object_set(entry, "activity_id", json_object_get(activity, "id"));
		json_object_set(entry, "detected_at", json_object_get(activity, "detected_at"));
		json_object_set(entry, "confidence", json_object_get(activity, "confidence"));
	}
	json_decref(activity);
	if (!entry || json_array_append_new(activity ? matched : unmatched, entry) != 0)
		return step_fail(s, "out of memory");
	return 0;
}

int step_run_verification(struct step_run *s)
{
	const json_t *conditions = json_object_get(s->config, "conditions"), *cond;
	const char *mode = json_string_value(json_object_get(s->config, "match_mode"));
	json_t *matched = json_array(), *unmatched = json_array(), *result = NULL;
	bool any = mode && strcmp(mode, "any") == 0, verified;
	size_t i;
	int rv = -1;

	if (!matched || !unmatched) {
		step_fail(s, "out of memory");
		goto out;
	}
	if (json_array_size(conditions) == 0) {
		step_fail(s, "conditions must list at least one activity");
		goto out;
	}
	json_array_foreach(conditions, i, cond)
		if (verification__check(s, i, cond, matched, unmatched) != 0)
			goto out;

	verified = any ? json_array_size(matched) > 0 : json_array_size(unmatched) == 0;
	result = json_pack("{s:b, s:s, s:O, s:O}", "verified", verified,
			   "match_mode", any ? "any" : "all",
			   "matched_conditions", matched, "unmatched_conditions", unmatched);
	if (!result || json_object_set(s->data, "verification", result) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	s->output = result;
	result = NULL;
	s->has_result = true;
	s->result = verified;
	rv = 0;
out:
	json_decref(matched);
	json_decref(unmatched);
	json_decref(result);
	return rv;
}
