#ifndef HEARTH_ENGINE_SENSOR_EVENT_H
#define HEARTH_ENGINE_SENSOR_EVENT_H

/*
 * A sensor event recorded and fired: the event row, the state it leaves
 * its sensor in, and the sensor's sensor_event rules offered the event,
 * all in the caller's transaction, so the event and the runs it starts
 * commit together (or not at all).  The runs themselves are the caller's
 * to start after the commit.
 *
 * The state an event implies: on, off, trigger, release, open, close ->
 * that word; level -> its value; a button press (press, double_press,
 * long_press) and what a camera reports (image, motion, person) -> none,
 * it is momentary: the state stays, only last_event_at moves.  An event older than the newest one applied is
 * recorded but changes nothing and starts nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct engine;

/* What a sensor reported, checked by the caller; everything borrowed. */
struct sensor_event {
	int64_t sensor_id;
	const char *event_type;     /* one the sensor's type accepts */
	const json_t *value;        /* any JSON; NULL = none */
	const json_t *attributes;   /* an object; NULL = {} */
	const char *occurred_at;    /* "YYYY-MM-DD HH:MM:SS.mmm" UTC; NULL = now */
	const json_t *media_paths;  /* files under the media root that came with
	                             * the event (a camera's snapshot), an array
	                             * of strings; NULL = none.  The rules see
	                             * them as trigger.media_paths */
	const char *media_type;     /* what they are ("image"); NULL = none */
	bool state_only;            /* the caller reads only the status's state:
	                             * when the event applied and sets one, the
	                             * status is {"state"} without a read back */
};

/* What recording it did. */
struct sensor_event_result {
	int64_t event_id;
	bool applied;               /* false: older than the newest applied */
	json_t *status;             /* the sensor status after (store.h), a new
	                             * reference for the caller to release */
	size_t n_runs;              /* runs started, their ids in run_ids */
	bool rules_failed;          /* on an error: it came from offering the
	                             * event to the rules, not from recording it */
};

/*
 * The state ev leaves its sensor in (above) into *state: a new reference,
 * or NULL when the event leaves the state as it is.  HERR_NOMEM when it
 * cannot be made.
 */
enum herr sensor_event_state(const struct sensor_event *ev, json_t **state);

/*
 * Record ev (above) inside the caller's open transaction and, when it
 * applied and engine is not NULL, offer it to the sensor's sensor_event
 * rules (engine_fire_sensor): the ids of the runs created go to run_ids
 * (at most cap).  out is filled in on HERR_OK; on an error it is zeroed
 * but for rules_failed.
 * HERR_NOT_FOUND: no such sensor; HERR_CONFLICT: the sensor is disabled
 * (nothing recorded).
 */
enum herr sensor_event_record(struct engine *engine, struct db *db, const struct sensor_event *ev,
			      int64_t *run_ids, size_t cap, struct sensor_event_result *out);

#endif
