/*
 * Activity steps: record one activity of a person (activity_detection), and
 * measure how long something lasts with a session opened by one run and
 * closed by another (activity_session_start / activity_session_end).
 *
 * Sessions are keyed by (person, activity type) in the database, not by
 * rule or run, so "went to bed" and "got up" can be two rules, and a second
 * start while one is open is a no-op that reports the open session.
 */
#include <inttypes.h>

#include "engine/engine.h"
#include "engine/step.h"
#include "store/activities.h"

/* Confidence of an activity recorded from a closed session: the run saw
 * both ends happen. */
#define SESSION_CONFIDENCE 1.0

static const char *activity__str(const json_t *config, const char *key)
{
	return json_string_value(json_object_get(config, key));
}

static int64_t activity__int(const json_t *config, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(config, key));
}

/* The step's room: its own room_name, else the trigger's (a sensor event
 * knows where it happened), else none. */
static const char *activity__room(const struct step_run *s)
{
	const char *room = activity__str(s->config, "room_name");

	if (!room)
		room = json_string_value(
			json_object_get(json_object_get(s->data, "trigger"), "room_name"));
	return room;
}

/* A store failure as the step's error. */
static int activity__fail(struct step_run *s, enum herr e, const char *what, int64_t person_id)
{
	if (e == HERR_INVALID && person_id > 0)
		return step_fail(s, "%s: person %" PRId64 " does not exist", what, person_id);
	return step_fail(s, "%s: %s", what, herr_str(e));
}

/* Set data[key] = value (consumed); -1 when out of memory. */
static int activity__put(struct step_run *s, const char *key, json_t *value)
{
	if (!value || json_object_set_new(s->data, key, value) != 0)
		return step_fail(s, "out of memory");
	return 0;
}

/* A person id as JSON: null for none. */
static json_t *activity__person_json(int64_t person_id)
{
	return person_id > 0 ? json_integer(person_id) : json_null();
}

int step_run_activity_detection(struct step_run *s)
{
	struct activity_fields a = {
		.person_id = activity__int(s->config, "person_id"),
		.activity_type = activity__str(s->config, "activity_type"),
		.room_name = activity__room(s),
		.confidence = json_number_value(json_object_get(s->config, "confidence")),
		.source = "rule",
		.rule_id = s->rule_id,
		.execution_id = s->execution_id,
	};
	json_t *row = NULL, *entry = NULL, *list;
	enum herr e;
	int rv = -1;

	if (!a.activity_type) {
		step_fail(s, "activity_type is required");
		goto out;
	}
	e = store_activities_record(s->e->db, &a, &row);
	if (e != HERR_OK) {
		activity__fail(s, e, "could not record the activity", a.person_id);
		goto out;
	}

	entry = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}",
			  "activity_id", json_object_get(row, "id"),
			  "activity_type", json_object_get(row, "activity_type"),
			  "person_id", json_object_get(row, "person_id"),
			  "room_name", json_object_get(row, "room_name"),
			  "confidence", json_object_get(row, "confidence"),
			  "detected_at", json_object_get(row, "detected_at"));
	list = json_object_get(s->data, "detected_activities");
	if (!json_is_array(list)) {
		if (activity__put(s, "detected_activities", json_array()) != 0)
			goto out;
		list = json_object_get(s->data, "detected_activities");
	}
	if (!entry || json_array_append(list, entry) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	s->output = entry;
	entry = NULL;
	s->counts = true;
	rv = 0;
out:
	json_decref(row);
	json_decref(entry);
	return rv;
}

int step_run_activity_session_start(struct step_run *s)
{
	int64_t person_id = activity__int(s->config, "person_id");
	const char *type = activity__str(s->config, "activity_type");
	const char *output_key = activity__str(s->config, "output_key");
	json_t *session = NULL, *timed_out = NULL, *out_obj = NULL;
	bool was_existing = false;
	enum herr e;
	int rv = -1;

	if (!type || !output_key) {
		step_fail(s, "activity_type and output_key are required");
		goto out;
	}
	e = store_sessions_open(s->e->db, person_id, type, activity__room(s),
				activity__int(s->config, "timeout_minutes"), &session,
				&was_existing, &timed_out);
	if (e != HERR_OK) {
		activity__fail(s, e, "could not open the session", person_id);
		goto out;
	}

	out_obj = json_pack("{s:O, s:b, s:O, s:s, s:o}",
			    "session_id", json_object_get(session, "id"),
			    "was_existing", was_existing,
			    "started_at", json_object_get(session, "started_at"),
			    "activity_type", type,
			    "person_id", activity__person_json(person_id));
	if (out_obj && timed_out &&
	    json_object_set(out_obj, "timed_out_session_id", json_object_get(timed_out, "id"))) {
		step_fail(s, "out of memory");
		goto out;
	}
	if (activity__put(s, output_key, json_incref(out_obj)) != 0 ||
	    activity__put(s, "session_id", json_incref(json_object_get(session, "id"))) != 0 ||
	    activity__put(s, "was_existing", json_boolean(was_existing)) != 0)
		goto out;
	s->output = out_obj;
	out_obj = NULL;
	s->counts = !was_existing;
	rv = 0;
out:
	json_decref(session);
	json_decref(timed_out);
	json_decref(out_obj);
	return rv;
}

/* Record the closed session as one activity; *activity gets the row. */
static enum herr activity__record_session(struct step_run *s, const json_t *session,
					  json_t **activity)
{
	struct activity_fields a = {
		.person_id = (int64_t)json_integer_value(json_object_get(session, "person_id")),
		.activity_type = json_string_value(json_object_get(session, "activity_type")),
		.room_name = json_string_value(json_object_get(session, "room_name")),
		.confidence = SESSION_CONFIDENCE,
		.has_duration = true,
		.duration_minutes = json_number_value(json_object_get(session, "duration_minutes")),
		.source = "session",
		.rule_id = s->rule_id,
		.execution_id = s->execution_id,
	};

	return store_activities_record(s->e->db, &a, activity);
}

int step_run_activity_session_end(struct step_run *s)
{
	int64_t person_id = activity__int(s->config, "person_id");
	const char *type = activity__str(s->config, "activity_type");
	const char *output_key = activity__str(s->config, "output_key");
	const json_t *write = json_object_get(s->config, "write_activity_record");
	json_t *session = NULL, *activity = NULL, *out_obj = NULL, *duration;
	bool timed_out = false;
	enum herr e;
	int rv = -1;

	if (!type || !output_key) {
		step_fail(s, "activity_type and output_key are required");
		goto out;
	}
	e = store_sessions_close(s->e->db, person_id, type, &session, &timed_out);
	if (e == HERR_NOT_FOUND) {
		/* Nothing open: an "end" without a "start" is routine (the start
		 * rule did not fire), so the run goes on and can branch on it. */
		out_obj = json_pack("{s:b, s:s, s:o}", "closed", false, "activity_type", type,
				    "person_id", activity__person_json(person_id));
		if (activity__put(s, output_key, json_incref(out_obj)) != 0 ||
		    activity__put(s, "duration_minutes", json_null()) != 0)
			goto out;
		s->output = out_obj;
		out_obj = NULL;
		rv = 0;
		goto out;
	}
	if (e != HERR_OK) {
		activity__fail(s, e, "could not close the session", person_id);
		goto out;
	}

	duration = json_object_get(session, "duration_minutes");
	out_obj = json_pack("{s:b, s:O, s:s, s:o, s:O, s:O, s:O, s:b}",
			    "closed", true,
			    "session_id", json_object_get(session, "id"),
			    "activity_type", type,
			    "person_id", activity__person_json(person_id),
			    "started_at", json_object_get(session, "started_at"),
			    "ended_at", json_object_get(session, "ended_at"),
			    "duration_minutes", duration,
			    "timed_out", timed_out);
	if (!out_obj) {
		step_fail(s, "out of memory");
		goto out;
	}
	/* The session is closed already; failing to record it fails the run
	 * so the gap shows, but the close itself stands. */
	if (!json_is_false(write)) {
		e = activity__record_session(s, session, &activity);
		if (e != HERR_OK) {
			activity__fail(s, e, "could not record the session's activity", person_id);
			goto out;
		}
		json_object_set(out_obj, "activity_id", json_object_get(activity, "id"));
	}
	if (activity__put(s, output_key, json_incref(out_obj)) != 0 ||
	    activity__put(s, "duration_minutes", json_incref(duration)) != 0)
		goto out;
	s->output = out_obj;
	out_obj = NULL;
	s->counts = true;
	rv = 0;
out:
	json_decref(session);
	json_decref(activity);
	json_decref(out_obj);
	return rv;
}
