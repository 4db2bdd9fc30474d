/*
 * The pipeline executor: runs a rule's steps in order over one JSON
 * document (pipeline_data), with jumps, labels, per-step timings, pauses
 * (wait, interactive_prompt) and the active-time limit.
 *
 * A run is not one transaction: each step's own writes (an activity, an
 * alert) are committed as the step makes them, and the run's state is
 * written when it pauses or ends.  What keeps this safe is ownership: the
 * run is ours only while its row says status running and owner = us, and
 * every write of the run's state is conditional on that.  A cancel or the
 * scheduler's reaper taking the run away makes our next write a no-op.
 *
 * The executor runs outside any transaction (after a request's response,
 * in the scheduler's children), so "written" is "committed" here: single
 * statements commit as they run, and the end of a run, several statements,
 * is a transaction of its own (db_tx).  Each status change is published
 * on the workflows stream once it is committed (workflow.started,
 * .waiting, .completed, .failed); a caller's open transaction would make
 * that not so, and then nothing is published.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "engine.h"
#include "iso8601.h"
#include "log.h"
#include "net/publish.h"
#include "registry.h"
#include "step.h"
#include "store/runs.h"
#include "store/store.h"
#include "template.h"

/* More steps than this in one run means a loop of jumps. */
#define RUN_STEPS_MAX 1000

struct exec {
	struct engine *e;
	struct run_row run;
	json_t *steps;        /* the rule's steps, in order */
	int64_t timeout_ms;   /* 0 = none */
	int64_t active_ms;
	bool counted;
};

static int64_t exec__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "Check the door!" -> "check_the_door"; "" when nothing is left. */
static void exec__slug(const char *label, char *out, size_t len)
{
	size_t n = 0;
	bool gap = false;

	for (const unsigned char *p = (const unsigned char *)label; *p && n + 1 < len; p++) {
		if (isalnum(*p)) {
			if (gap && n > 0 && n + 2 < len)
				out[n++] = '_';
			out[n++] = (char)tolower(*p);
			gap = false;
		} else {
			gap = true;
		}
	}
	out[n] = '\0';
}

/* Index of step id in the steps array; -1 when absent. */
static long exec__index_of(const json_t *steps, int64_t id)
{
	size_t i;
	json_t *s;

	json_array_foreach(steps, i, s)
		if (json_integer_value(json_object_get(s, "id")) == id)
			return (long)i;
	return -1;
}

/* The step's config with the type's defaults under it; new reference. */
static json_t *exec__config(const struct step_type *t, const json_t *step)
{
	json_t *config = json_deep_copy(step_type_defaults(t));
	json_t *given = json_object_get(step, "config_json");

	if (!config)
		return NULL;
	if (json_is_object(given) && json_object_update(config, given) != 0) {
		json_decref(config);
		return NULL;
	}
	return config;
}

/* Whether a step's run makes the whole run count (reference "Gate"). */
static bool exec__counts(const struct step_type *t, const json_t *config,
			 const struct step_run *s)
{
	const json_t *flag = json_object_get(config, "trigger_cooloff");
	bool enabled = json_is_boolean(flag) ? json_is_true(flag) : step_type_counts_by_default(t);

	return enabled && s->counts;
}

static void exec__timing(json_t *data, const json_t *step, const char *type, time_t started,
			 int64_t elapsed_ms, const struct step_run *s, bool ok)
{
	json_t *timings = json_object_get(data, "_step_timings");
	char at[ISO8601_LEN], done[ISO8601_LEN];

	if (!json_is_array(timings)) {
		timings = json_array();
		if (!timings || json_object_set_new(data, "_step_timings", timings) != 0)
			return;
	}
	iso8601_format(started, at);
	iso8601_format(time(NULL), done);
	json_array_append_new(timings,
			      json_pack("{s:O, s:s, s:O, s:s, s:s, s:I, s:b, s:o}",
					"step_id", json_object_get(step, "id"), "step_type", type,
					"label", json_object_get(step, "label") ?
						 json_object_get(step, "label") : json_null(),
					"started_at", at, "completed_at", done,
					"elapsed_ms", (json_int_t)elapsed_ms, "success", ok,
					"error", ok ? json_null() : json_string(s->error)));
}

/*
 * Tell the workflows stream that the run's status is now `status`
 * (running, waiting, completed or failed).  Best effort: a message that
 * does not go out changes nothing about the run.
 */
static void exec__publish(const struct exec *x, const char *status, const char *error)
{
	char type[32];
	json_t *data;

	if (!x->e->cfg || db_in_transaction(x->e->db))
		return;
	snprintf(type, sizeof(type), "workflow.%s",
		 strcmp(status, "running") == 0 ? "started" : status);
	data = json_pack("{s:I, s:o, s:s, s:s, s:s?}", "id", (json_int_t)x->run.id, "rule_id",
			 x->run.rule_id ? json_integer(x->run.rule_id) : json_null(), "rule_name",
			 x->run.rule_name, "status", status, "error", error);
	if (data)
		publish_message(x->e->cfg, "workflows", type, data);
	json_decref(data);
}

/* The end of a run, as store_runs_finish writes it. */
struct exec_end {
	const struct exec *x;
	const char *status, *log_status, *error, *data;
	bool ok;
};

static enum herr exec__finish_tx(struct db *db, void *arg)
{
	struct exec_end *end = arg;
	const struct exec *x = end->x;

	return store_runs_finish(db, x->run.id, x->e->owner, end->status, end->log_status,
				 end->error, end->data, x->active_ms, x->counted, &end->ok);
}

/* Write the end of the run, in a transaction of its own (the executor
 * runs outside any); logs if it was taken from us meanwhile. */
static enum herr exec__finish(struct exec *x, const char *status, const char *log_status,
			      const char *error)
{
	char *data = json_dumps(x->run.data, JSON_COMPACT);
	struct exec_end end = {x, status, log_status, error, data, false};
	bool ok;
	enum herr err;

	if (!data)
		return HERR_NOMEM;
	err = db_tx(x->e->db, exec__finish_tx, &end);
	ok = err == HERR_OK && end.ok;
	free(data);
	if (err == HERR_OK && !ok)
		LOG(LOG_INFO, "run %lld: no longer ours at the end (cancelled or reaped)",
		    (long long)x->run.id);
	else if (err == HERR_OK) {
		LOG(LOG_INFO, "run %lld (%s): %s%s%s", (long long)x->run.id, x->run.rule_name,
		    status, error ? ": " : "", error ? error : "");
		exec__publish(x, status, error);
	}
	return err;
}

static enum herr exec__pause(struct exec *x, int64_t step_id, const struct step_run *s)
{
	char *data = json_dumps(x->run.data, JSON_COMPACT);
	bool ok = false;
	enum herr err;

	if (!data)
		return HERR_NOMEM;
	err = store_runs_pause(x->e->db, x->run.id, x->e->owner, data, step_id,
			       s->waiting_for ? s->waiting_for : "wait", s->wait_until,
			       x->active_ms, x->counted, &ok);
	free(data);
	if (err == HERR_OK && ok)
		exec__publish(x, "waiting", NULL);
	return err;
}

/*
 * Run one step at index i.  Returns the index to go on with, n for "the
 * end", or -1 when the run stopped (paused, finished or failed: already
 * written).  *err is set on a database error.
 */
static long exec__step(struct exec *x, long i, bool resumed, enum herr *err)
{
	const json_t *step = json_array_get(x->steps, (size_t)i);
	const char *type_name = json_string_value(json_object_get(step, "step_type"));
	const struct step_type *t = step_type_find(type_name);
	const json_t *label = json_object_get(step, "label");
	struct step_run s = {0};
	step_run_fn run = t ? step_type_run(t) : NULL;
	json_t *config = NULL;
	int64_t t0 = exec__now_ms(), elapsed;
	time_t started = time(NULL);
	char msg[320];
	int rc;

	*err = HERR_OK;
	if (!run) {
		snprintf(msg, sizeof(msg), "step %lld: step type %s is not available",
			 (long long)json_integer_value(json_object_get(step, "id")),
			 type_name ? type_name : "(none)");
		*err = exec__finish(x, "failed", "failed", msg);
		return -1;
	}
	config = exec__config(t, step);
	if (!config) {
		*err = HERR_NOMEM;
		return -1;
	}
	s.e = x->e;
	s.execution_id = x->run.id;
	s.rule_id = x->run.rule_id;
	s.rule_name = x->run.rule_name;
	s.step_id = json_integer_value(json_object_get(step, "id"));
	s.label = json_string_value(label);
	s.config = config;
	s.data = x->run.data;
	s.now = started;
	s.resumed = resumed;
	s.has_true_branch = json_is_integer(json_object_get(step, "next_step_on_true"));
	s.has_false_branch = json_is_integer(json_object_get(step, "next_step_on_false"));
	rc = run(&s);
	elapsed = exec__now_ms() - t0;
	x->active_ms += elapsed;
	exec__timing(x->run.data, step, type_name, started, elapsed, &s, rc == 0);
	if (rc == 0 && s.output && s.label) {
		char slug[128];

		exec__slug(s.label, slug, sizeof(slug));
		if (slug[0])
			json_object_set(x->run.data, slug, s.output);
	}
	if (rc == 0 && exec__counts(t, config, &s))
		x->counted = true;
	json_decref(s.output);
	json_decref(config);

	if (rc != 0) {
		snprintf(msg, sizeof(msg), "step %lld (%s): %s", (long long)s.step_id, type_name,
			 s.error[0] ? s.error : "failed");
		*err = exec__finish(x, "failed", "failed", msg);
		return -1;
	}
	if (x->timeout_ms > 0 && x->active_ms > x->timeout_ms) {
		snprintf(msg, sizeof(msg), "timed out after %lld ms of active time (limit %lld min)",
			 (long long)x->active_ms, (long long)(x->timeout_ms / 60000));
		*err = exec__finish(x, "failed", "failed", msg);
		return -1;
	}
	if (s.wait_until > 0) {
		*err = exec__pause(x, s.step_id, &s);
		return -1;
	}
	if (s.stop) {
		/* should_continue = false: the run ends well; it counts only if
		 * something that counts already happened. */
		*err = exec__finish(x, "completed", x->counted ? "completed" : "ignored", NULL);
		return -1;
	}
	if (s.has_result) {
		const json_t *next = json_object_get(step, s.result ? "next_step_on_true"
								    : "next_step_on_false");

		if (json_is_integer(next)) {
			long j = exec__index_of(x->steps, json_integer_value(next));

			if (j >= 0)
				return j;
		}
	}
	return i + 1;
}

/* Run steps from index `from` (resumed: re-enter that step first). */
static enum herr exec__loop(struct exec *x, long from, bool resumed)
{
	long n = (long)json_array_size(x->steps), i = from;
	unsigned ran = 0;
	enum herr err = HERR_OK;

	while (i >= 0 && i < n) {
		const json_t *step = json_array_get(x->steps, (size_t)i);

		if (!json_is_true(json_object_get(step, "enabled"))) {
			i++;
			resumed = false;
			continue;
		}
		if (++ran > RUN_STEPS_MAX)
			return exec__finish(x, "failed", "failed",
					    "more than 1000 steps in one run: a loop of jumps?");
		/* Renew the lease and say a step has started (a run with no
		 * started step may be re-run after a crash; one with a started
		 * step never is).  Cheap enough per step, and it notices a
		 * cancel before the next step rather than at the end. */
		{
			bool ok = false;

			err = store_runs_touch(x->e->db, x->run.id, x->e->owner, x->e->lease_seconds, &ok);
			if (err != HERR_OK)
				return err;
			if (!ok) {
				LOG(LOG_INFO, "run %lld: taken away (cancelled or reaped); stopping",
				    (long long)x->run.id);
				return HERR_OK;
			}
		}
		i = exec__step(x, i, resumed, &err);
		resumed = false;
		if (i < 0)
			return err;
	}
	return exec__finish(x, "completed", x->counted ? "completed" : "ignored", NULL);
}

/* Load the run (ours, running) and its rule's steps; -1 on nothing to do. */
static enum herr exec__load(struct exec *x, struct engine *e, int64_t id, bool *ours)
{
	json_t *rule = NULL;
	enum herr err;

	memset(x, 0, sizeof(*x));
	x->e = e;
	*ours = false;
	err = store_runs_get(e->db, id, &x->run);
	if (err != HERR_OK)
		return err;
	if (strcmp(x->run.status, "running") != 0 || strcmp(x->run.owner, e->owner) != 0)
		return HERR_OK;
	*ours = true;
	x->active_ms = x->run.active_ms;
	x->counted = x->run.counted;
	x->steps = json_array();
	if (!x->steps)
		return HERR_NOMEM;
	if (x->run.rule_id == 0)
		return HERR_OK;
	err = store_rules_get(e->db, x->run.rule_id, false, &rule);
	if (err == HERR_NOT_FOUND) {
		x->run.rule_id = 0;
		return HERR_OK;
	}
	if (err != HERR_OK)
		return err;
	x->timeout_ms = json_integer_value(json_object_get(rule, "execution_timeout_minutes")) *
			60000;
	json_decref(rule);
	return store_steps_list(e->db, x->run.rule_id, x->steps);
}

static void exec__clear(struct exec *x)
{
	json_decref(x->run.data);
	json_decref(x->steps);
}

/* Refresh the system variables: time has moved on since the run began. */
static void exec__system(struct exec *x)
{
	json_t *sys = template_system_vars(time(NULL), x->e->tz_name[0] ? x->e->tz_name : NULL);

	if (sys)
		json_object_set_new(x->run.data, "system", sys);
	json_object_set_new(x->run.data, "execution_id", json_integer(x->run.id));
}

enum herr engine_run(struct engine *e, int64_t execution_id)
{
	struct exec x;
	bool ours;
	enum herr err = exec__load(&x, e, execution_id, &ours);

	if (err == HERR_OK && ours) {
		exec__system(&x);
		if (x.run.rule_id == 0) {
			err = exec__finish(&x, "failed", "failed", "the rule was deleted");
		} else {
			exec__publish(&x, "running", NULL);
			err = exec__loop(&x, 0, false);
		}
	}
	exec__clear(&x);
	return err;
}

enum herr engine_resume(struct engine *e, int64_t execution_id, bool *claimed)
{
	enum herr err;

	err = store_runs_claim(e->db, execution_id, e->owner, e->lease_seconds, false, claimed);
	if (err != HERR_OK || !*claimed)
		return err;
	return engine_resume_claimed(e, execution_id);
}

enum herr engine_resume_claimed(struct engine *e, int64_t execution_id)
{
	struct exec x;
	bool ours;
	long at;
	enum herr err;

	err = exec__load(&x, e, execution_id, &ours);
	if (err != HERR_OK || !ours)
		goto out;
	exec__system(&x);
	if (x.run.rule_id == 0) {
		err = exec__finish(&x, "failed", "failed", "the rule was deleted while the run waited");
		goto out;
	}
	at = exec__index_of(x.steps, x.run.current_step_id);
	if (at < 0) {
		err = exec__finish(&x, "failed", "failed",
				   "the step the run waited on was deleted");
		goto out;
	}
	/* Running again: said as workflow.started, the one word for it. */
	exec__publish(&x, "running", NULL);
	/* A prompt is entered again to take its answer (or its timeout); a
	 * wait is simply over. */
	if (strcmp(x.run.waiting_for, "prompt") == 0)
		err = exec__loop(&x, at, true);
	else
		err = exec__loop(&x, at + 1, false);
out:
	exec__clear(&x);
	return err;
}

enum herr engine_cancel(struct engine *e, int64_t execution_id)
{
	return store_runs_cancel(e->db, execution_id);
}

enum herr engine_respond(struct engine *e, int64_t execution_id, int64_t step_id,
			 const char *channel, const char *action, const json_t *raw,
			 bool *duplicate)
{
	struct run_row run;
	json_t *earlier = NULL;
	char *raw_json = NULL;
	bool waiting_on;
	enum herr err;

	*duplicate = false;
	err = store_runs_get(e->db, execution_id, &run);
	if (err != HERR_OK)
		return err;
	json_decref(run.data);
	waiting_on = strcmp(run.status, "waiting") == 0 && strcmp(run.waiting_for, "prompt") == 0 &&
		     run.current_step_id == step_id;
	if (!waiting_on) {
		/* Answered already (by a click or the timeout): a duplicate,
		 * ignored.  Never asked: refused. */
		err = store_runs_response(e->db, execution_id, step_id, &earlier);
		json_decref(earlier);
		if (err == HERR_OK)
			*duplicate = true;
		return err == HERR_NOT_FOUND ? HERR_CONFLICT : err;
	}
	raw_json = json_dumps(raw ? raw : json_object(), JSON_COMPACT | JSON_ENCODE_ANY);
	if (!raw_json)
		return HERR_NOMEM;
	err = store_runs_respond(e->db, execution_id, step_id, channel, action, raw_json,
				 duplicate);
	if (err == HERR_OK && !*duplicate)
		err = store_runs_prompt_close(e->db, execution_id, step_id, "answered");
	if (err == HERR_OK && !*duplicate)
		err = store_runs_due_now(e->db, execution_id);
	free(raw_json);
	return err;
}
