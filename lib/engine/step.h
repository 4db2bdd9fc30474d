#ifndef HEARTH_ENGINE_STEP_H
#define HEARTH_ENGINE_STEP_H

/*
 * The contract between the executor and a step type's run function
 * (lib/engine/steps/<type>.c, named in the step registry's row).
 *
 * The executor hands the step its config with the type's defaults filled
 * in, and the run's pipeline_data.  The step:
 *   - writes what it produces into pipeline_data (the keys its registry row
 *     lists under writes) and also sets `output` to that result, which the
 *     executor stores under the step's label slug when it has a label;
 *   - sets result/has_result when it branches (next_step_on_true/false);
 *   - sets stop to end the run (should_continue = false): the run then
 *     completes, its log `ignored`, unless failed;
 *   - sets counts when it did something that makes the run count as
 *     completed (the executor applies trigger_cooloff over it);
 *   - sets wait_until to pause the run (wait, interactive_prompt);
 *   - returns 0, or -1 with a message in error (the run then fails).
 * Database writes go through lib/store and happen at once (a run is not one
 * transaction); they must be safe if the run later fails.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct engine;

struct step_run {
	struct engine *e;             /* e->db for the store */
	int64_t execution_id;
	int64_t rule_id;              /* 0 when the rule has been deleted */
	const char *rule_name;
	int64_t step_id;
	const char *label;            /* NULL = none */
	const json_t *config;         /* borrowed: config with defaults */
	json_t *data;                 /* borrowed: pipeline_data, to extend */
	time_t now;
	bool resumed;                 /* interactive_prompt: called again after the
	                               * pause (answer or timeout in data) */
	bool has_true_branch;         /* next_step_on_true / _false are set */
	bool has_false_branch;

	/* set by the step */
	json_t *output;               /* new reference or NULL */
	bool has_result, result;
	bool stop;
	bool counts;
	time_t wait_until;            /* 0 = no pause */
	const char *waiting_for;      /* "wait" | "prompt" when pausing */
	char error[256];
};

typedef int (*step_run_fn)(struct step_run *s);

/* Run functions, one per step type (steps/<name>.c). */
int step_run_condition(struct step_run *s);
int step_run_wait(struct step_run *s);
int step_run_interactive_prompt(struct step_run *s);
int step_run_verification(struct step_run *s);
int step_run_notification(struct step_run *s);
int step_run_ha_action(struct step_run *s);
int step_run_llm_call(struct step_run *s);
int step_run_person_identification(struct step_run *s);
int step_run_activity_detection(struct step_run *s);
int step_run_activity_session_start(struct step_run *s);
int step_run_activity_session_end(struct step_run *s);
int step_run_daily_report(struct step_run *s);

/* Set s->error (printf-style) and return -1. */
__attribute__((format(printf, 2, 3)))
int step_fail(struct step_run *s, const char *fmt, ...);

/* Bytes of one media file a step sends to a service. */
#define STEP_MEDIA_MAX (8 * 1024 * 1024)

/*
 * The file at media path rel (relative to [media] root, checked with
 * media_rel_path_ok) as prefix + its base64: *out a new reference to that
 * string.  0, or -1 with the reason in s->error (a path that is not a
 * media path, a file missing, empty or over STEP_MEDIA_MAX).
 */
int step_media_base64(struct step_run *s, const char *rel, const char *prefix,
		      json_t **out);

#endif
