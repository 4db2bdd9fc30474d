/*
 * The scheduler's per-second work (hearth-tick): cron rules, occupancy
 * rules, waiting runs whose time has come, and runs whose worker died.
 *
 * Nothing here assumes it is the only tick.  Every scheduled instant is
 * claimed by a rule_fires row before it fires (the key refuses a second
 * claim), next_fire_at moves only from the value that was read, and a
 * run is resumed, taken over or failed only by a conditional UPDATE on
 * the state that was read.  A crash between a claim and its run loses
 * that instant rather than firing it twice; a claim whose run could not
 * be created (the database failed in between: a lost deadlock, a
 * timeout) is given back, with next_fire_at put back to it, so the next
 * pass fires it late rather than never.
 *
 * Missed instants: after downtime, the due instants of a cron rule are
 * walked from its next_fire_at.  Those within the catch-up window
 * (now - catch_up_minutes .. now) are dealt with by the rule's catch_up:
 * all fires every one of them, oldest first (at most TICK_LATE_PER_PASS a
 * pass; the rest follow in the next); latest fires the newest only; none
 * fires only those still on time (ENGINE_ON_TIME_SECONDS).  An instant
 * fired later than that is late: its rule_fires row and its run's trigger
 * say so, with how late.  Every instant not fired (older than the window,
 * or left out by the policy) is recorded together: one rule_fires row,
 * outcome missed, for the latest of them, and one `ignored` event log
 * "missed N instants from A to B (catch-up window M min)".  A week
 * offline costs two rows per rule.
 *
 * next_fire_at remembers the zone it was computed in: when the hub's zone
 * changes, a rule whose next instant is still ahead gets it computed anew
 * (no firing at the old zone's hour).  A schedule whose next instant
 * cannot be computed is an error on the rule (schedule_error, shown by the
 * API), never a silent stop; saving the rule's schedule clears it.
 *
 * The runs the tick starts go to child processes (pool.h), so one slow run
 * never delays another rule's instant.
 *
 * Nothing here is inside a transaction: each unit of work that needs one
 * (the locked half of an offer to a rule, recording missed instants,
 * giving claims back, failing a dead run) is run with db_tx, one at a
 * time.  The unlocked look at a rule (and the refusal it records), a
 * claim, a settle or a move of next_fire_at run without one, statement
 * by statement: the locked half must be the first read of its
 * transaction (engine_fire_look).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cron.h"
#include "db.h"
#include "engine.h"
#include "notify.h"
#include "iso8601.h"
#include "net/publish.h"
#include "net/queue.h"
#include "log.h"
#include "pool.h"
#include "store/runs.h"
#include "store/schedule.h"
#include "store/security_events.h"

#define TICK_BATCH 64
/* Past this many missed instants of one rule (every minute for ten
 * weeks) they are counted no further: the log says "at least". */
#define TICK_MISSED_WALK_MAX 100000
/* Guards against a batch that keeps coming back (a claim that fails the
 * same way each time): the rest waits for the next second. */
#define TICK_BATCHES_MAX 64
/* Late instants of one rule fired in one pass (catch_up all); the rest
 * come in the passes after, oldest first. */
#define TICK_LATE_PER_PASS 32

time_t engine_next_fire(const char *schedule_cron, time_t after)
{
	struct cron_expr expr;
	time_t next;

	if (!schedule_cron || cron_parse(schedule_cron, &expr, NULL, 0) != 0 ||
	    cron_next(&expr, after, &next) != 0)
		return 0;
	return next;
}

/* Whether an error stops the pass (the next second tries again) rather
 * than only the rule or run at hand, which must not hold up the others. */
static bool tick__fatal(enum herr rc)
{
	return rc == HERR_UNAVAILABLE || rc == HERR_SCHEMA || rc == HERR_NOMEM;
}

/* Log a rule's or a run's own trouble; HERR_OK unless it is fatal. */
static enum herr tick__local(enum herr rc, const char *what, int64_t id)
{
	if (rc == HERR_OK || tick__fatal(rc))
		return rc;
	LOG(LOG_WARNING, "%s %" PRId64 ": %s", what, id, herr_str(rc));
	return HERR_OK;
}

/* The instant after t, 0 when there is none. */
static time_t tick__after(const struct cron_expr *expr, time_t t)
{
	time_t next;

	return cron_next(expr, t, &next) == 0 ? next : 0;
}

/* What fell due for one rule between its next_fire_at and now. */
struct tick_walk {
	time_t fire[TICK_LATE_PER_PASS]; /* the instants to fire, oldest first */
	unsigned nfire;
	unsigned missed;         /* instants not fired */
	bool missed_more;        /* ... and more than that, uncounted */
	time_t first_missed, last_missed;
	time_t next;             /* the first instant not dealt with, 0 = never */
};

/* The catch_up policies. */
enum tick_catch_up { CATCH_UP_ALL, CATCH_UP_LATEST, CATCH_UP_NONE };

static enum tick_catch_up tick__policy(const char *text)
{
	if (!strcmp(text, "latest"))
		return CATCH_UP_LATEST;
	if (!strcmp(text, "none"))
		return CATCH_UP_NONE;
	return CATCH_UP_ALL;
}

static void tick__miss(struct tick_walk *w, time_t t)
{
	if (!w->missed++ || t < w->first_missed)
		w->first_missed = t;
	if (t > w->last_missed)
		w->last_missed = t;
}

/*
 * Walk the instants from `first` (the stored next_fire_at, itself an
 * instant of the schedule) up to now.
 */
static void tick__walk(const struct cron_expr *expr, time_t first, time_t now,
		       unsigned catch_up_minutes, enum tick_catch_up policy, struct tick_walk *w)
{
	time_t window = now - (time_t)catch_up_minutes * 60;
	time_t t = first;

	*w = (struct tick_walk){0};
	while (t && t <= now && t < window) {
		if (w->missed == TICK_MISSED_WALK_MAX) {
			/* Jump to the window; the count is a lower bound. */
			w->missed_more = true;
			t = tick__after(expr, window - 1);
			break;
		}
		tick__miss(w, t);
		t = tick__after(expr, t);
	}
	for (; t && t <= now; t = tick__after(expr, t)) {
		if (policy == CATCH_UP_NONE && now - t > ENGINE_ON_TIME_SECONDS) {
			tick__miss(w, t);
			continue;
		}
		if (policy == CATCH_UP_LATEST && w->nfire) {
			/* Superseded by a newer instant inside the window. */
			tick__miss(w, w->fire[0]);
			w->nfire = 0;
		}
		if (w->nfire == TICK_LATE_PER_PASS)
			break;  /* the next pass goes on from t */
		w->fire[w->nfire++] = t;
	}
	w->next = t;
}

/* The units of work below that need a transaction, each run by db_tx.
 * An offer of a claimed instant to its rule that came through the
 * unlocked look: engine_fire_locked in a db_tx, the rule's lock first. */
struct tick_offer {
	struct engine *e;
	int64_t rule_id;
	const struct trigger *t;
	time_t now;
	struct fire f;
};

static enum herr tick__offer_tx(struct db *db, void *arg)
{
	struct tick_offer *o = arg;

	(void)db;
	return engine_fire_locked(o->e, o->rule_id, o->t, o->now, &o->f);
}

/* Missed instants recorded: store_schedule_missed in a db_tx. */
struct tick_missed {
	int64_t rule_id;
	const char *rule_name;
	time_t latest;
	const char *reason;
	bool claimed;
};

static enum herr tick__missed_tx(struct db *db, void *arg)
{
	struct tick_missed *m = arg;

	return store_schedule_missed(db, m->rule_id, m->rule_name, m->latest, m->reason,
				     &m->claimed);
}

/* Claims given back: store_schedule_release in a db_tx. */
struct tick_release {
	int64_t rule_id;
	const time_t *due;
	size_t n;
	const char *due_text;
	const char *schedule;
	time_t rewind_from;
};

static enum herr tick__release_tx(struct db *db, void *arg)
{
	const struct tick_release *r = arg;

	return store_schedule_release(db, r->rule_id, r->due, r->n, r->due_text, r->schedule,
				      r->rewind_from);
}

/* Give claims back (store_schedule_release), all or none. */
static enum herr tick__give_back(struct engine *e, int64_t rule_id, const time_t *due, size_t n,
				 const char *due_text, const char *schedule, time_t rewind_from)
{
	struct tick_release r = {rule_id, due, n, due_text, schedule, rewind_from};

	if (n == 0)
		return HERR_OK;
	return db_tx(e->db, tick__release_tx, &r);
}

/* A dead run failed: store_schedule_fail in a db_tx. */
struct tick_fail {
	const struct running_run *r;
	const char *error;
	bool failed;
};

static enum herr tick__fail_tx(struct db *db, void *arg)
{
	struct tick_fail *f = arg;

	return store_schedule_fail(db, f->r, f->error, &f->failed);
}

static enum herr tick__record_missed(struct engine *e, const struct due_cron *d,
				     const struct tick_walk *w)
{
	char first[ISO8601_LEN], last[ISO8601_LEN], reason[256];
	struct tick_missed m = {.rule_id = d->rule_id, .rule_name = d->name,
				.latest = w->last_missed, .reason = reason};
	enum herr rc;

	iso8601_format(w->first_missed, first);
	iso8601_format(w->last_missed, last);
	if (w->missed == 1 && !w->missed_more)
		snprintf(reason, sizeof(reason), "missed 1 instant at %s (catch-up window %u min)",
			 first, e->catch_up_minutes);
	else
		snprintf(reason, sizeof(reason),
			 "missed %s%u instants from %s to %s (catch-up window %u min)",
			 w->missed_more ? "at least " : "", w->missed, first, last,
			 e->catch_up_minutes);
	rc = db_tx(e->db, tick__missed_tx, &m);
	if (rc == HERR_OK && m.claimed)
		LOG(LOG_NOTICE, "rule %" PRId64 ": %s", d->rule_id, reason);
	return rc;
}

/*
 * Offer a claimed instant to the rule (committed, run and all, before it
 * is handed on) and hand what it starts to a child.  The claim row learns
 * the run's id before the run starts, so a crash mid-run still leaves the
 * instant pointing at its run.
 */
static enum herr tick__fire_claimed(struct engine *e, int64_t rule_id, const struct trigger *t,
				    const char *due_text, unsigned *fired)
{
	struct tick_offer o = {.e = e, .rule_id = rule_id, .t = t, .now = time(NULL)};
	struct fire f;
	bool pass = false;
	enum herr rc;

	/* The look outside any transaction: most refusals end there,
	 * recorded, without a lock. */
	rc = engine_fire_look(e, rule_id, t, o.now, &o.f, &pass);
	if (rc == HERR_OK && pass)
		rc = db_tx(e->db, tick__offer_tx, &o);
	f = o.f;
	if (rc == HERR_NOT_FOUND)
		return HERR_OK; /* deleted meanwhile; its claim went with it */
	if (rc != HERR_OK)
		return rc;
	rc = store_schedule_settle(e->db, rule_id, t->due_at, due_text,
				   f.execution_id ? "fired" : "skipped", f.execution_id);
	if (rc != HERR_OK)
		LOG(LOG_WARNING, "rule %" PRId64 ": could not record run %" PRId64 " on its claim: %s",
		    rule_id, f.execution_id, herr_str(rc));
	if (!f.execution_id) {
		LOG(LOG_INFO, "rule %" PRId64 ": %s not run: %s", rule_id, t->type, f.skip_reason);
		return HERR_OK;
	}
	(*fired)++;
	if (t->late)
		LOG(LOG_NOTICE, "rule %" PRId64 ": %s started run %" PRId64 ", %" PRId64 " s late",
		    rule_id, t->type, f.execution_id, t->lateness_seconds);
	else
		LOG(LOG_INFO, "rule %" PRId64 ": %s started run %" PRId64, rule_id, t->type,
		    f.execution_id);
	/* A failure inside leaves the run to its lease and the reaper. */
	if ((rc = engine_pool_run(e, f.execution_id, false)) != HERR_OK)
		LOG(LOG_WARNING, "run %" PRId64 ": %s", f.execution_id, herr_str(rc));
	return HERR_OK;
}

/* Record on the rule why its next instant cannot be computed; said once. */
static enum herr tick__schedule_error(struct engine *e, const struct due_cron *d,
				      const char *error)
{
	bool moved;

	LOG(LOG_WARNING, "rule %" PRId64 ": %s: not scheduled", d->rule_id, error);
	return store_schedule_advance(e->db, d->rule_id, d->schedule, d->next_exact, 0, e->tz_name,
				      error, &moved);
}

/* The instant after t, or why there is none (in error, errlen bytes). */
static time_t tick__next_or_error(const struct cron_expr *expr, const char *schedule, time_t t,
				  const char *tz, char *error, size_t errlen)
{
	time_t next;
	int rc = cron_next(expr, t, &next);

	if (rc == 0)
		return next;
	if (rc == CRON_NEVER)
		snprintf(error, errlen, "schedule '%.100s' has no instant within %d years",
			 schedule, CRON_HORIZON_YEARS);
	else
		snprintf(error, errlen, "the next instant of '%.100s' cannot be computed in time "
			 "zone '%.64s'", schedule, *tz ? tz : "(system)");
	return 0;
}

/*
 * Firing claimed instant w->fire[from] failed (the database, e.g. a lost
 * deadlock): give it and the claimed instants after it back, and put
 * next_fire_at back to it from rewind_from (0: not ours to move), so the
 * next pass fires them, late but not lost.  When even that fails they
 * are lost, as with a crash between claim and run; said so.
 */
static void tick__release(struct engine *e, const struct due_cron *d, const struct tick_walk *w,
			  const bool *claimed, unsigned from, time_t rewind_from)
{
	time_t due[TICK_LATE_PER_PASS];
	size_t n = 0;
	enum herr rc;

	for (unsigned i = from; i < w->nfire; i++)
		if (claimed[i])
			due[n++] = w->fire[i];
	rc = tick__give_back(e, d->rule_id, due, n, NULL, d->schedule, rewind_from);
	if (rc == HERR_OK)
		LOG(LOG_NOTICE, "rule %" PRId64 ": %zu instant%s from %" PRId64 " not fired yet;"
		    " the next pass fires %s", d->rule_id, n, n == 1 ? "" : "s",
		    (int64_t)due[0], n == 1 ? "it" : "them");
	else
		LOG(LOG_ERR, "rule %" PRId64 ": %zu claimed instant%s from %" PRId64 " not fired"
		    " and not given back (%s): lost", d->rule_id, n, n == 1 ? "" : "s",
		    (int64_t)due[0], herr_str(rc));
}

static enum herr tick__cron_rule(struct engine *e, const struct due_cron *d, time_t now,
				 unsigned *fired)
{
	struct cron_expr expr;
	struct tick_walk w;
	char err[CRON_ERR_MAX], error[256];
	bool claimed[TICK_LATE_PER_PASS] = {false}, moved = false;
	time_t next;
	enum herr rc;

	if (cron_parse(d->schedule, &expr, err, sizeof(err)) != 0) {
		/* The API refuses such schedules; one stored before that
		 * stops here, with the reason on the rule. */
		snprintf(error, sizeof(error), "schedule '%.100s' does not parse: %.120s",
			 d->schedule, err);
		return tick__schedule_error(e, d, error);
	}
	if (!d->next_fire_at || (d->next_fire_at > now && d->has_tz &&
				 strcmp(d->tz, e->tz_name) != 0)) {
		/* Enabled (or created) without a next_fire_at, or computed in
		 * another zone than the hub's now: it starts from now. */
		if (!(next = tick__next_or_error(&expr, d->schedule, now, e->tz_name, error,
						 sizeof(error))))
			return tick__schedule_error(e, d, error);
		if (d->next_fire_at)
			LOG(LOG_NOTICE, "rule %" PRId64 ": time zone '%s' is now '%s': next instant "
			    "computed anew", d->rule_id, d->tz, e->tz_name);
		return store_schedule_advance(e->db, d->rule_id, d->schedule, d->next_exact, next,
					      e->tz_name, NULL, &moved);
	}

	tick__walk(&expr, d->next_fire_at, now, e->catch_up_minutes, tick__policy(d->catch_up),
		   &w);
	if (w.missed && (rc = tick__record_missed(e, d, &w)) != HERR_OK)
		return rc;
	for (unsigned i = 0; i < w.nfire; i++) {
		struct claim_lateness late = {now - w.fire[i], now - w.fire[i] > ENGINE_ON_TIME_SECONDS};

		if ((rc = store_schedule_claim(e->db, d->rule_id, w.fire[i], NULL, "cron", "skipped",
					       &late, &claimed[i])) != HERR_OK)
			return rc;
	}
	if (!w.next) {
		/* Nothing after these: said on the rule, not a silent stop. */
		tick__next_or_error(&expr, d->schedule, w.nfire ? w.fire[w.nfire - 1] : now,
				    e->tz_name, error, sizeof(error));
		rc = tick__schedule_error(e, d, error);
	} else {
		/* Moved on before the runs, so nobody looks at these instants
		 * again while they run; when an edit or another tick moved it
		 * first, theirs stands, and a claim we hold is still ours to
		 * fire. */
		rc = store_schedule_advance(e->db, d->rule_id, d->schedule, d->next_exact, w.next,
					    e->tz_name, NULL, &moved);
	}
	for (unsigned i = 0; rc == HERR_OK && i < w.nfire; i++) {
		struct trigger t = {
			.type = "cron",
			.due_at = w.fire[i],
			.lateness_seconds = now - w.fire[i],
			.late = now - w.fire[i] > ENGINE_ON_TIME_SECONDS,
		};

		if (claimed[i] && (rc = tick__fire_claimed(e, d->rule_id, &t, NULL, fired)) != HERR_OK)
			tick__release(e, d, &w, claimed, i, moved ? w.next : 0);
	}
	return rc;
}

enum herr engine_tick_cron(struct engine *e, time_t now, unsigned *fired)
{
	struct due_cron *due;
	int64_t after = 0;
	size_t n = 0;
	enum herr rc = HERR_OK;

	*fired = 0;
	if (!(due = calloc(TICK_BATCH, sizeof(*due))))
		return HERR_NOMEM;
	do {
		rc = store_schedule_due_cron(e->db, now, e->tz_name, after, due, TICK_BATCH, &n);
		for (size_t i = 0; rc == HERR_OK && i < n; i++) {
			rc = tick__local(tick__cron_rule(e, &due[i], now, fired), "rule",
					 due[i].rule_id);
			after = due[i].rule_id;
		}
	} while (rc == HERR_OK && n == TICK_BATCH);
	free(due);
	return rc;
}

enum herr engine_tick_occupancy(struct engine *e, time_t now, unsigned *fired)
{
	struct due_occupancy due[TICK_BATCH];
	size_t n = 0;
	unsigned batches = 0;
	enum herr rc;

	*fired = 0;
	do {
		rc = store_schedule_due_occupancy(e->db, now, due, TICK_BATCH, &n);
		for (size_t i = 0; rc == HERR_OK && i < n; i++) {
			struct trigger t = {
				.type = "occupancy_duration",
				.sensor_id = due[i].sensor_id,
				.due_at = due[i].since_at,
				.occupancy_minutes = due[i].minutes,
			};
			bool claimed;

			/* Once per occupied stretch: the stretch's start is the key. */
			rc = store_schedule_claim(e->db, due[i].rule_id, 0, due[i].since, "occupancy",
						  "skipped", NULL, &claimed);
			if (rc == HERR_OK && claimed &&
			    (rc = tick__fire_claimed(e, due[i].rule_id, &t, due[i].since, fired)) !=
				    HERR_OK &&
			    tick__give_back(e, due[i].rule_id, NULL, 1, due[i].since, NULL, 0) !=
				    HERR_OK)
				LOG(LOG_ERR, "rule %" PRId64 ": occupancy since %s claimed, not fired and"
				    " not given back: lost", due[i].rule_id, due[i].since);
			rc = tick__local(rc, "rule", due[i].rule_id);
		}
	} while (rc == HERR_OK && n == TICK_BATCH && ++batches < TICK_BATCHES_MAX);
	return rc;
}

enum herr engine_tick_resume(struct engine *e, time_t now, unsigned *resumed)
{
	int64_t ids[TICK_BATCH], after = 0;
	size_t n = 0;
	unsigned closed = 0;
	json_t *events = e->cfg ? json_array() : NULL, *ev;
	enum herr rc;

	*resumed = 0;
	/* Security events whose camera went quiet are over too; each change
	 * is committed as it is made, so it can be told at once. */
	rc = store_security_close_idle_events(e->db, (int64_t)now * 1000, events, &closed);
	for (size_t i = 0; (ev = json_array_get(events, i)); i++)
		publish_message(e->cfg, "events", "security_event.updated", ev);
	json_decref(events);
	if (rc != HERR_OK)
		return rc;
	do {
		rc = store_schedule_due_resume(e->db, now, after, ids, TICK_BATCH, &n);
		for (size_t i = 0; rc == HERR_OK && i < n; i++) {
			bool claimed = false;

			rc = store_runs_claim(e->db, ids[i], e->owner, e->lease_seconds, false,
					      &claimed);
			if (rc == HERR_OK && claimed)
				rc = engine_pool_run(e, ids[i], true);
			rc = tick__local(rc, "run", ids[i]);
			after = ids[i];
			if (claimed)
				(*resumed)++;
		}
	} while (rc == HERR_OK && n == TICK_BATCH);
	return rc;
}

/* Whether owner ("host:pid") names a process of this host that is gone. */
static bool tick__owner_dead(const struct engine *e, const char *owner)
{
	const char *colon = strrchr(owner, ':');
	size_t hostlen = colon ? (size_t)(colon - owner) : 0;
	char *end = NULL;
	long pid;

	if (!colon || hostlen != strlen(e->host) || strncmp(owner, e->host, hostlen) != 0)
		return false;
	errno = 0;
	pid = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || pid <= 0 || pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

static enum herr tick__reap_one(struct engine *e, const struct running_run *r, time_t now,
				unsigned *reaped)
{
	char error[256], at[ISO8601_LEN];
	bool dead = tick__owner_dead(e, r->owner), done = false;
	struct tick_fail fail = {.r = r, .error = error};
	enum herr rc;

	if (!dead && !r->lease_expired)
		return HERR_OK;
	if (r->steps_started == 0) {
		/* Nothing of it happened yet: it can simply run here. */
		rc = store_schedule_retake(e->db, r, e->owner, now + (time_t)e->lease_seconds,
					   &done);
		if (rc != HERR_OK || !done)
			return rc;
		(*reaped)++;
		LOG(LOG_NOTICE, "run %" PRId64 ": taken over from %s before its first step",
		    r->id, r->owner[0] ? r->owner : "nobody");
		if ((rc = engine_pool_run(e, r->id, false)) != HERR_OK)
			LOG(LOG_WARNING, "run %" PRId64 ": %s", r->id, herr_str(rc));
		return HERR_OK;
	}
	if (dead) {
		snprintf(error, sizeof(error), "worker %s died mid-run", r->owner);
	} else {
		iso8601_format(r->lease_until_at, at);
		snprintf(error, sizeof(error), "lease expired at %s (owner %s)", at,
			 r->owner[0] ? r->owner : "none");
	}
	if ((rc = db_tx(e->db, tick__fail_tx, &fail)) != HERR_OK || !fail.failed)
		return rc;
	(*reaped)++;
	LOG(LOG_WARNING, "run %" PRId64 ": failed: %s", r->id, error);
	if (e->cfg) {
		json_t *data = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)r->id, "status",
					 "failed", "error", error);

		publish_message(e->cfg, "workflows", "workflow.failed", data);
		json_decref(data);
	}
	return HERR_OK;
}

enum herr engine_tick_reap(struct engine *e, time_t now, unsigned *reaped)
{
	struct running_run runs[TICK_BATCH];
	int64_t after = 0;
	size_t n = 0;
	enum herr rc;

	*reaped = 0;
	do {
		rc = store_schedule_running(e->db, now, e->host, after, runs, TICK_BATCH, &n);
		for (size_t i = 0; rc == HERR_OK && i < n; i++) {
			rc = tick__local(tick__reap_one(e, &runs[i], now, reaped), "run",
					 runs[i].id);
			after = runs[i].id;
		}
	} while (rc == HERR_OK && n == TICK_BATCH);
	return rc;
}

/* A pass delivers for at most this long, so reminders, cron rules and
 * resumes still come round each second; a backlog drains over passes. */
#define DELIVER_PER_PASS 10000
#define DELIVER_BUDGET_MS 800

enum herr engine_tick_deliver(struct engine *e, time_t now, unsigned *tried)
{
	(void)now;
	*tried = 0;
	if (!e->queue)
		return HERR_OK;
	return queue_run_due(e->queue, DELIVER_PER_PASS, DELIVER_BUDGET_MS, tried);
}

enum herr engine_tick_escalate(struct engine *e, time_t now, unsigned *sent)
{
	struct notify_ctx c = { .db = e->db, .cfg = e->cfg, .queue = e->queue };

	return notify_escalations(&c, now, sent);
}
