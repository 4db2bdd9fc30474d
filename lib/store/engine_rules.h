#ifndef HEARTH_STORE_ENGINE_RULES_H
#define HEARTH_STORE_ENGINE_RULES_H

/*
 * Rules as the engine's gate reads them: one rule or a sensor's rules with
 * their contexts, dependencies and counted runs, the gate's refusals, and
 * the lock and recount of the rule of a run that ends (see runs.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

struct db;

/* A name column of up to 256 characters, in UTF-8 bytes, with its NUL. */
#define STORE_NAME_BYTES (256 * 4 + 1)

/* A rule with what the gate needs to decide about it. */
struct engine_rule {
	int64_t id;
	char name[STORE_NAME_BYTES];
	bool enabled;
	char trigger_type[33];
	int64_t primary_sensor_id;      /* 0 = none */
	int64_t cool_off_minutes;
	int64_t max_daily_triggers;
	int64_t execution_timeout_minutes;
	int64_t occupancy_min_minutes;  /* 0 = none */
	char last_skip_reason[513];
	int64_t last_skip_log_id;       /* 0 = none */
	int64_t room_id;                /* the primary sensor's room; 0 = none */
	char room_name[STORE_NAME_BYTES];
	uint64_t config_rev;            /* see sql/011_rule_config_rev.sql */
	int64_t contexts_newest;        /* the newest context's id (sensor rules) */
	/* counted runs (completed or processing logs) */
	time_t last_counted;            /* newest one's start; 0 = none */
	int64_t counted_today;          /* since counted_since (the rules row's day),
	                                 * or, loaded with lock, since `midnight` */
	time_t counted_since;
	json_t *contexts;               /* owned: [{context_type, config, negate}] */
	json_t *dependencies;           /* owned: [{parent_rule_id, parent_rule_name,
	                                 *   lookback_minutes, require_success,
	                                 *   parent_last_completed}] */
};

/* Release what a loaded rule owns (contexts, dependencies). */
void store_engine_rule_clear(struct engine_rule *r);

/*
 * Load one rule with its contexts, dependencies and its newest counted
 * run; with lock also counted_today (runs since `midnight`), both then
 * read with locks over today and the rule's cool-off before `now`.  With lock, the
 * rule's row is locked FOR UPDATE (call inside a transaction): concurrent
 * offers of one rule serialise there.  HERR_NOT_FOUND: no such rule.
 */
enum herr store_engine_rule(struct db *db, int64_t id, bool lock, time_t now, time_t midnight,
			    struct engine_rule *out);

/*
 * The enabled sensor_event rules of a sensor, with the same data, in three
 * queries whatever their number.  *out is a new array of *n rules (free
 * each with store_engine_rule_clear, then free()); at most cap rules.
 */
enum herr store_engine_sensor_rules(struct db *db, int64_t sensor_id, size_t cap,
				    struct engine_rule **out, size_t *n);

/*
 * A sensor's rule as it stands now, cheaply: what tells whether a kept
 * copy is still that rule (sql/011_rule_config_rev.sql) and the fields
 * that move with every offer.
 */
struct engine_rule_now {
	int64_t id;
	char name[STORE_NAME_BYTES];
	int64_t cool_off_minutes;
	int64_t max_daily_triggers;
	int64_t execution_timeout_minutes;
	int64_t occupancy_min_minutes;
	uint64_t config_rev;
	int64_t contexts;               /* how many */
	int64_t contexts_newest;        /* their newest id; 0 = none */
	int64_t dependencies;           /* how many */
	int64_t room_id;
	char room_name[STORE_NAME_BYTES];
	char last_skip_reason[513];
	int64_t last_skip_log_id;
	time_t last_counted;
	int64_t counted_today;
	time_t counted_since;
};

/*
 * The enabled sensor_event rules of a sensor as engine_rule_now, in one
 * query; *out is a new array of *n (free()), at most cap.
 */
enum herr store_engine_sensor_now(struct db *db, int64_t sensor_id, size_t cap,
				  struct engine_rule_now **out, size_t *n);

/* Whether r (loaded before) is still the rule now describes. */
bool store_engine_rule_same(const struct engine_rule *r, const struct engine_rule_now *now);

/* Bring r's moving fields (counts, last refusal) and its plain settings
 * (name, cool-off, cap, time-out) up to now: only its contexts are kept. */
void store_engine_rule_moved(struct engine_rule *r, const struct engine_rule_now *now);

/* Read the dependencies of the sensor's rules (rules[0..n), sorted by id)
 * afresh: their parents' last runs move with every run. */
enum herr store_engine_sensor_deps(struct db *db, int64_t sensor_id, struct engine_rule *rules,
				   size_t n);

/* The stored hash of a rule's webhook secret; *has false when it has none.
 * HERR_NOT_FOUND: no such rule. */
enum herr store_engine_webhook_hash(struct db *db, int64_t rule_id, unsigned char hash[32],
				    bool *has);

/* Name and room of a sensor (for trigger.room_name); HERR_NOT_FOUND. */
enum herr store_engine_sensor_room(struct db *db, int64_t sensor_id, int64_t *room_id,
				   char *room_name, size_t len);

/*
 * Record gate refusals.  A refusal for the same stage as the rule's last
 * one (the text before ':' of last_skip_reason) adds to that log's
 * repeat_count; others get a new `ignored` log and become the rule's
 * last_skip_reason.  rules[i] is refused with reasons[i].  One statement
 * for all the repeats.
 */
enum herr store_engine_skips(struct db *db, struct engine_rule *const *rules,
			     const char *const *reasons, size_t n, const char *trigger_type);

/*
 * Lock the row of the rule of an execution (FOR UPDATE; nothing when it has
 * no rule).  In a transaction that ends a run and then recounts its rule,
 * this comes before the run's and its log's rows are touched: the gate
 * (store_engine_rule locked, then the rule's logs) takes the rule first,
 * and taking them the other way round deadlocks against it.
 */
enum herr store_engine_lock_rule_of(struct db *db, int64_t execution_id);

/* Recompute rules.last_counted_at of the rule of an execution that ended
 * without counting (ignored, failed, cancelled); after
 * store_engine_lock_rule_of in the same transaction. */
enum herr store_engine_recount(struct db *db, int64_t execution_id);

#endif
