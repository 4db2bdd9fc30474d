#ifndef HEARTH_STORE_RUNS_H
#define HEARTH_STORE_RUNS_H

/*
 * The life of a run (workflow_executions with its event_logs row) and the
 * answers to its prompts.  Every change of a run's status is a conditional
 * UPDATE on the status (and owner) it is expected to have; *ok / *claimed
 * say whether it applied, so a run that was cancelled or reaped meanwhile
 * is never revived.  A run is created from a rule as engine_rules.h reads
 * it, and its end locks and recounts that rule there.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "engine_rules.h"
#include "err.h"

struct db;

/*
 * Create a run: its event log (processing) and its execution (running,
 * owned by owner, leased for lease_s seconds), and count it on the rule
 * (last_counted_at, day_count for the day starting at midnight), inside the
 * caller's transaction, which holds the rule's lock.  data_json: the
 * initial pipeline_data.
 */
enum herr store_runs_create(struct db *db, const struct engine_rule *r, const char *trigger_type,
			    const char *data_json, const char *owner, unsigned lease_s,
			    time_t midnight, int64_t *execution_id, int64_t *log_id);

/* A run as the executor reads it. */
struct run_row {
	int64_t id;
	int64_t rule_id;               /* 0 when the rule was deleted */
	char rule_name[STORE_NAME_BYTES];
	char trigger_type[33];
	char status[17];
	char owner[97];
	char waiting_for[17];          /* "" when not waiting */
	int64_t current_step_id;       /* 0 = none */
	int64_t event_log_id;
	int64_t active_ms;
	unsigned steps_started;
	bool counted;
	json_t *data;                  /* owned: pipeline_data */
};

/* HERR_NOT_FOUND: no such run.  Free out->data with json_decref. */
enum herr store_runs_get(struct db *db, int64_t id, struct run_row *out);

/* Mark that a step is starting and renew the lease: applies only while the
 * run is running and owned by owner (*ok). */
enum herr store_runs_touch(struct db *db, int64_t id, const char *owner, unsigned lease_s,
			   bool *ok);

/* running (owned) -> waiting on step_id until resume_at. */
enum herr store_runs_pause(struct db *db, int64_t id, const char *owner, const char *data_json,
			   int64_t step_id, const char *waiting_for, time_t resume_at,
			   int64_t active_ms, bool counted, bool *ok);

/*
 * running (owned) -> status (completed|failed), and its event log ->
 * log_status (completed|ignored|failed) with the final pipeline_data:
 * several statements, in the caller's transaction (the rule's row locked
 * first when the end recounts it).  error may be NULL.
 */
enum herr store_runs_finish(struct db *db, int64_t id, const char *owner, const char *status,
			    const char *log_status, const char *error, const char *data_json,
			    int64_t active_ms, bool counted, bool *ok);

/* waiting -> running, owned by owner, when resume_at has passed (or
 * `any_time`).  *claimed whether it applied. */
enum herr store_runs_claim(struct db *db, int64_t id, const char *owner, unsigned lease_s,
			   bool any_time, bool *claimed);

/* running|waiting -> cancelled (log ignored, reason "cancelled"), in the
 * caller's transaction, the rule's row locked first as the gate takes it.
 * HERR_NOT_FOUND / HERR_CONFLICT (already ended). */
enum herr store_runs_cancel(struct db *db, int64_t id);

/* Make a waiting run due now (an answer arrived). */
enum herr store_runs_due_now(struct db *db, int64_t id);

/*
 * Record the answer to step_id's prompt; *duplicate when one exists
 * (nothing changes).  raw_json: serialised JSON.
 */
enum herr store_runs_respond(struct db *db, int64_t execution_id, int64_t step_id,
			     const char *channel, const char *action, const char *raw_json,
			     bool *duplicate);

/* The answer to step_id's prompt as {channel, action, raw_response,
 * timestamp}; HERR_NOT_FOUND when none. */
enum herr store_runs_response(struct db *db, int64_t execution_id, int64_t step_id,
			      json_t **out);

/* Close the prompt of (execution, step): answered or expired. */
enum herr store_runs_prompt_close(struct db *db, int64_t execution_id, int64_t step_id,
				  const char *status);

#endif
