#ifndef HEARTH_STORE_SCHEDULE_H
#define HEARTH_STORE_SCHEDULE_H

/*
 * The scheduler's statements (hearth-tick): which cron rules are due, which
 * occupancy rules have waited long enough, which runs are to resume, which
 * running runs lost their worker; and the claims that keep two ticks (or
 * two hosts) from doing any of it twice.
 *
 * Times are Unix seconds (UTC) unless a field says otherwise; a time of 0
 * stands for SQL NULL.  Exact DATETIME(3) values that must be matched
 * again later (a lease, the start of an occupied stretch) travel as text
 * "YYYY-MM-DD HH:MM:SS.ffffff", which MariaDB reads back to the same value.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

struct db;

#define SCHEDULE_CRON_MAX 256
#define SCHEDULE_NAME_MAX 257
#define SCHEDULE_OWNER_MAX 97
#define SCHEDULE_STAMP_MAX 32
#define SCHEDULE_TZ_MAX 65
#define SCHEDULE_CATCH_UP_MAX 8

/* An enabled cron rule whose next_fire_at has passed, was never set, or
 * was computed in another time zone than the scheduler's. */
struct due_cron {
	int64_t rule_id;
	char name[SCHEDULE_NAME_MAX];
	char schedule[SCHEDULE_CRON_MAX];   /* "" when the column is NULL */
	time_t next_fire_at;                /* 0 = NULL: not computed yet */
	char next_exact[SCHEDULE_STAMP_MAX]; /* the same, exact; "" = NULL */
	bool has_tz;                        /* next_fire_tz is not NULL */
	char tz[SCHEDULE_TZ_MAX];           /* next_fire_tz */
	char catch_up[SCHEDULE_CATCH_UP_MAX]; /* all|latest|none */
};

/* An enabled occupancy_duration rule whose primary sensor has been
 * occupied ("on" or "trigger") for at least its threshold, and whose
 * stretch has not been claimed yet. */
struct due_occupancy {
	int64_t rule_id;
	int64_t sensor_id;
	char since[SCHEDULE_STAMP_MAX];     /* state_changed_at, exact */
	time_t since_at;                    /* the same, whole seconds */
	double minutes;                     /* occupied for this long at `now` */
};

/* A running run, seen by the reaper. */
struct running_run {
	int64_t id;
	int64_t event_log_id;               /* 0 = none */
	char owner[SCHEDULE_OWNER_MAX];     /* "" = NULL */
	char lease_until[SCHEDULE_STAMP_MAX]; /* exact; "" = NULL */
	time_t lease_until_at;              /* whole seconds; 0 = NULL */
	bool lease_expired;                 /* lease_until < now */
	int64_t steps_started;
};

/*
 * Up to cap due cron rules with id > after_id, by id (*n = how many):
 * enabled, trigger_type cron, no schedule_error, and next_fire_at <= now
 * or NULL, or next_fire_tz set and other than tz.  out borrowed.
 */
enum herr store_schedule_due_cron(struct db *db, time_t now, const char *tz,
				  int64_t after_id, struct due_cron *out, size_t cap, size_t *n);

/*
 * Move a cron rule's next_fire_at from expected (exact, as due_cron read
 * it; "" = NULL) to next (0 = NULL), computed in zone tz, with error as
 * its schedule_error (NULL = none), only while it still holds expected
 * and the rule is still an enabled cron rule with this schedule: an edit
 * or another tick in between wins.  updated_at is left alone (the user
 * did not change the rule).  *moved tells whether the row changed.
 */
enum herr store_schedule_advance(struct db *db, int64_t rule_id, const char *schedule,
				 const char *expected, time_t next, const char *tz,
				 const char *error, bool *moved);

/* How late a claimed instant fires. */
struct claim_lateness {
	int64_t seconds;                    /* from the instant to now; -1 = NULL */
	bool late;                          /* fired by catch-up, not on time */
};

/*
 * Claim one scheduled instant: INSERT INTO rule_fires (rule_id, due_at,
 * kind, outcome, late, lateness_seconds).  due_at is given either as
 * seconds (due_text NULL) or exactly (due_text); lateness NULL = on time,
 * unknown.  *claimed false when the row exists already, i.e. someone else
 * has this instant, or the rule is gone; neither is an error.
 */
enum herr store_schedule_claim(struct db *db, int64_t rule_id, time_t due_at,
			       const char *due_text, const char *kind, const char *outcome,
			       const struct claim_lateness *lateness, bool *claimed);

/* Record what came of a claim: outcome (fired|skipped|missed) and the run
 * it created (0 = none). */
enum herr store_schedule_settle(struct db *db, int64_t rule_id, time_t due_at,
				const char *due_text, const char *outcome,
				int64_t execution_id);

/*
 * Give back claims that were made but came to nothing (their rule could
 * not be offered the instant: the database failed in between), so a later
 * pass fires them: the claim rows of the n instants due (seconds, or
 * due_text for one exact instant), only while still unsettled (outcome
 * skipped, no run).  For a cron rule (rewind_from not 0) next_fire_at goes
 * back from rewind_from, where the pass had moved it, to the first of
 * them, only while it still holds rewind_from and the schedule is the
 * same.  Several statements, for the caller to run as one transaction:
 * either all of it or nothing (then the instants are lost, as with a
 * crash between claim and run).
 */
enum herr store_schedule_release(struct db *db, int64_t rule_id, const time_t *due, size_t n,
				 const char *due_text, const char *schedule,
				 time_t rewind_from);

/*
 * Record instants a cron rule missed: the claim row of the latest missed
 * instant (outcome missed) and one `ignored` event log with reason, in the
 * caller's transaction.  *claimed false (nothing written) when that
 * instant was claimed already.
 */
enum herr store_schedule_missed(struct db *db, int64_t rule_id, const char *rule_name,
				time_t latest, const char *reason, bool *claimed);

/* Up to cap occupancy rules due at now (*n = how many); out borrowed. */
enum herr store_schedule_due_occupancy(struct db *db, time_t now, struct due_occupancy *out,
				       size_t cap, size_t *n);

/* Ids of up to cap waiting runs with resume_at <= now and id > after_id,
 * by id. */
enum herr store_schedule_due_resume(struct db *db, time_t now, int64_t after_id,
				    int64_t *ids, size_t cap, size_t *n);

/*
 * Up to cap running runs with id > after_id, by id, that may have lost
 * their worker: the lease ran out before now, or the owner is on host
 * (whose pids the caller can check).
 */
enum herr store_schedule_running(struct db *db, time_t now, const char *host,
				 int64_t after_id, struct running_run *out, size_t cap,
				 size_t *n);

/*
 * Take over a run that never started a step: owner and lease move to
 * owner and lease_until, only while it is still running, untouched since
 * r was read (same owner, same lease) and steps_started = 0.
 * *taken tells whether it is now ours.
 */
enum herr store_schedule_retake(struct db *db, const struct running_run *r,
				const char *owner, time_t lease_until, bool *taken);

/*
 * Hand a running run from owner `from` to owner `to` with a fresh lease of
 * lease_s seconds, only while it is running and still owned by from (a
 * cancel or a reaper in between wins).  *taken tells whether it is now to's.
 */
enum herr store_schedule_handover(struct db *db, int64_t id, const char *from, const char *to,
				  unsigned lease_s, bool *taken);

/*
 * Fail a run whose worker is gone, with error as the reason, and its event
 * log (status failed, reason, finished_at), in the caller's transaction,
 * the rule's row locked first; only while the run is still running and
 * untouched since r was read.  *failed tells whether it changed.
 */
enum herr store_schedule_fail(struct db *db, const struct running_run *r, const char *error,
			      bool *failed);

#endif
