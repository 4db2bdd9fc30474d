#ifndef HEARTH_ENGINE_ENGINE_H
#define HEARTH_ENGINE_ENGINE_H

/*
 * The rules engine: offering a trigger to rules (the gate), creating runs,
 * running pipelines, pausing and resuming them.  Used by hearth-api (manual
 * execute, webhooks, sensor events, interactive responses, cancel) and by
 * hearth-tick (cron, occupancy, resuming waiting runs, timeouts, reaping).
 *
 * Every state a run goes through is written to the database before anything
 * depends on it, and every transition is a conditional UPDATE on the
 * expected status, so any number of workers and ticks on any number of
 * hosts can share the work: whoever wins the UPDATE does the step.
 *
 * A run's lifetime:
 *   engine_fire()    gate, then an event log (processing) and an execution
 *                    (running, owned by this process, leased) in one
 *                    transaction; nothing has run yet.
 *   engine_run()     run its steps in order until one pauses it (waiting,
 *                    resume_at), stops it, fails, or the pipeline ends.
 *   engine_resume()  claim a waiting run (waiting -> running) and go on
 *                    with the steps after the one it waited on.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

struct db;
struct engine_pool;
struct hearth_config;
struct queue_runner;

/* What one process needs to run rules; plain data, set up once. */
struct engine {
	struct db *db;               /* borrowed */
	const struct hearth_config *cfg; /* borrowed; NULL in unit tests: nothing
	                              * is published or delivered */
	struct queue_runner *queue;  /* borrowed; NULL = deliveries are left to
	                              * the scheduler */
	struct engine_pool *pool;    /* borrowed; the scheduler's runs go to its
	                              * child processes; NULL = run here */
	char owner[96];              /* "host:pid": who holds a running run's lease */
	char host[64];
	char tz_name[64];            /* the hub's zone ("Europe/Berlin"); "" = system */
	unsigned lease_seconds;      /* a running run not renewed for this long is dead */
	unsigned catch_up_minutes;   /* scheduler: missed instants younger than this fire */
};

/* Fill e from cfg's [engine] section; db borrowed. */
void engine_init(struct engine *e, struct db *db, const struct hearth_config *cfg);

/* Set TZ from a zone name (empty = leave the system's) and tzset().
 * Returns -1 when the zone does not exist under /usr/share/zoneinfo. */
int engine_set_timezone(const char *tz_name);

/* What happened. */
struct trigger {
	const char *type;         /* sensor_event|cron|manual|webhook|occupancy_duration */
	int64_t sensor_id;        /* 0 = none */
	const json_t *input;      /* borrowed or NULL: the webhook body, the manual
	                           * input, or the sensor event; becomes
	                           * pipeline_data.trigger_input */
	time_t due_at;            /* cron: the instant; occupancy: the stretch's start */
	double occupancy_minutes; /* occupancy_duration: how long the room has been occupied */
	int64_t lateness_seconds; /* cron: from due_at to the firing */
	bool late;                /* cron: fired by catch-up after an outage */
	const json_t *media_paths; /* borrowed or NULL (= []): files that came with a
	                           * sensor event, trigger.media_paths */
	const char *media_type;   /* borrowed or NULL: trigger.media_type ("image") */
};

/* Outcome of offering a trigger to one rule. */
struct fire {
	int64_t execution_id;     /* 0 when the gate refused */
	char skip_reason[256];    /* why, when refused */
};

/*
 * Offer t to rule rule_id.  With gate, the gate decides (reference order:
 * enabled + trigger, contexts, dependencies, cool-off, daily cap) and a
 * refusal is recorded (rules.last_skip_reason and an `ignored` event log);
 * without it (a manual execute) only a disabled rule is refused.  A run that
 * passes gets an event log (processing) and an execution (running, owned by
 * e); once the caller has committed them, run it with engine_run().
 * Concurrent offers to one rule are serialised on the rule's row, so
 * cool-off and the daily cap hold under any concurrency.
 * In the caller's transaction (a request's), which holds the rule's row
 * until it ends; hearth-tick runs the halves below instead.
 * HERR_NOT_FOUND: no such rule; HERR_CONFLICT: a manual run of a disabled
 * rule.
 */
enum herr engine_fire(struct engine *e, int64_t rule_id, const struct trigger *t, bool gate,
		      struct fire *out);

/*
 * engine_fire(gate true) in its two halves, for a caller that runs only
 * the second in a transaction of its own (hearth-tick), so that the
 * rule's lock is the first read of that transaction and what it reads
 * after the lock is what the lock's previous holder committed.
 * engine_fire_look: the unlocked look at `now`, needing no transaction;
 * *pass false when the gate refused (the refusal recorded, out says why).
 * engine_fire_locked: the locked re-check at the same `now` and, when it
 * passes, the run created, in the caller's transaction; out is filled
 * afresh (as by engine_fire).
 */
enum herr engine_fire_look(struct engine *e, int64_t rule_id, const struct trigger *t,
			   time_t now, struct fire *out, bool *pass);
enum herr engine_fire_locked(struct engine *e, int64_t rule_id, const struct trigger *t,
			     time_t now, struct fire *out);

/*
 * Offer a sensor event to every enabled sensor_event rule whose primary
 * sensor is t->sensor_id, in the caller's transaction.  The ids of the
 * runs created are written to ids (at most cap; *n = how many).  Refusals
 * are recorded in one statement.
 */
enum herr engine_fire_sensor(struct engine *e, const struct trigger *t, int64_t *ids,
			     size_t cap, size_t *n);

/*
 * Run an execution e owns (status running) until it pauses or ends.  Safe
 * to call on a run that was cancelled or reaped meanwhile: it then does
 * nothing more.  Returns HERR_OK whether the pipeline succeeded or not
 * (that is recorded in the run); an error only when the database failed,
 * in which case the lease makes the scheduler find the run.
 */
enum herr engine_run(struct engine *e, int64_t execution_id);

/*
 * Claim a waiting run whose resume_at has passed (waiting -> running) and
 * run it.  *claimed false when another process got it first, or it is not
 * waiting any more.
 */
enum herr engine_resume(struct engine *e, int64_t execution_id, bool *claimed);

/* engine_resume() once the run is claimed (running, owned by e). */
enum herr engine_resume_claimed(struct engine *e, int64_t execution_id);

/*
 * POST /workflows/{id}/cancel: running or waiting -> cancelled (its event
 * log ignored).  HERR_NOT_FOUND: no such run; HERR_CONFLICT: already ended.
 */
enum herr engine_cancel(struct engine *e, int64_t execution_id);

/*
 * POST /interactive-responses: record the answer to the prompt of step
 * step_id of a run and make the run due now.  *duplicate true when this
 * (execution, step) was already answered (nothing changes).
 * HERR_NOT_FOUND: no such run; HERR_CONFLICT: the run is not waiting on
 * that step's prompt.
 */
enum herr engine_respond(struct engine *e, int64_t execution_id, int64_t step_id,
			 const char *channel, const char *action, const json_t *raw,
			 bool *duplicate);

/* ---- scheduler (hearth-tick), one call per second each */

/* Fire cron rules whose next_fire_at has passed; *fired = runs started. */
enum herr engine_tick_cron(struct engine *e, time_t now, unsigned *fired);
/* Fire occupancy_duration rules whose room has been occupied long enough. */
enum herr engine_tick_occupancy(struct engine *e, time_t now, unsigned *fired);
/* Resume waiting runs whose resume_at has passed (prompt timeouts too). */
enum herr engine_tick_resume(struct engine *e, time_t now, unsigned *resumed);
/* Fail runs whose owner died or whose lease ran out; re-run those that
 * never started a step. */
enum herr engine_tick_reap(struct engine *e, time_t now, unsigned *reaped);

/* Deliveries due in the retry queue (e->queue; none without one), reaping
 * the ones whose worker died first, for at most a second of work. */
enum herr engine_tick_deliver(struct engine *e, time_t now, unsigned *tried);

/* Reminders of open alerts nobody answered (engine/notify.h). */
enum herr engine_tick_escalate(struct engine *e, time_t now, unsigned *sent);

/* How late (seconds after its instant) a cron instant may fire and still
 * be on time; later ones are fired by catch-up and marked late. */
#define ENGINE_ON_TIME_SECONDS 60

/* The next instant a cron rule fires after `after` (local zone); 0 when
 * never or the expression does not parse. */
time_t engine_next_fire(const char *schedule_cron, time_t after);

#endif
