/*
 * Offering triggers to rules: the gate, then a run created in the
 * caller's transaction, which commits it before anyone is told about it.
 *
 * The gate is first evaluated without locks (cheap; most offers of a busy
 * sensor end here, refused by a context or the cool-off), and a rule that
 * passes is evaluated again with its row locked, counting the runs
 * committed up to that moment, in the transaction that creates the run.
 * So twenty webhook calls at once still make at most as many runs as the
 * cool-off and the daily cap allow.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "engine.h"
#include "filter_env_db.h"
#include "gate.h"
#include "log.h"
#include "store/engine_rules.h"
#include "store/runs.h"
#include "template.h"

/* A home has a few dozen rules per sensor at most; more is refused loudly. */
#define SENSOR_RULES_MAX 512

void engine_init(struct engine *e, struct db *db, const struct hearth_config *cfg)
{
	memset(e, 0, sizeof(*e));
	e->db = db;
	e->cfg = cfg;
	if (gethostname(e->host, sizeof(e->host)) != 0)
		snprintf(e->host, sizeof(e->host), "localhost");
	e->host[sizeof(e->host) - 1] = '\0';
	snprintf(e->owner, sizeof(e->owner), "%s:%ld", e->host, (long)getpid());
	e->lease_seconds = 120;
	e->catch_up_minutes = 60;
	if (cfg) {
		snprintf(e->tz_name, sizeof(e->tz_name), "%.*s", (int)sizeof(e->tz_name) - 1,
			 cfg->engine_timezone);
		e->lease_seconds = cfg->engine_run_lease_seconds;
		e->catch_up_minutes = cfg->engine_catch_up_minutes;
	}
}

int engine_set_timezone(const char *tz_name)
{
	char path[PATH_MAX];
	struct stat sb;

	if (!tz_name || !*tz_name) {
		/* The system's zone, named: with TZ unset the C library looks
		 * at /etc/localtime again on every localtime() (a stat each,
		 * dozens per sensor event); named, it reads it once. */
		const char *tz = getenv("TZ");

		if ((!tz || !*tz) && setenv("TZ", ":/etc/localtime", 1) != 0)
			return -1;
		tzset();
		return 0;
	}
	/* A zone name is a relative path under zoneinfo, never a way out. */
	if (tz_name[0] == '/' || strstr(tz_name, "..") ||
	    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz_name) >= (int)sizeof(path) ||
	    stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		errno = ENOENT;
		return -1;
	}
	if (setenv("TZ", tz_name, 1) != 0)
		return -1;
	tzset();
	return 0;
}

/* The pipeline_data a run starts with, serialised; NULL on no memory. */
static char *fire__initial_data(const struct engine *e, const struct engine_rule *r,
				const struct trigger *t, time_t now)
{
	json_t *data, *trigger;
	char *text = NULL;

	trigger = json_pack("{s:s, s:o, s:o, s:o, s:s?}", "type", t->type,
			    "sensor_id", t->sensor_id ? json_integer(t->sensor_id) : json_null(),
			    "room_name", r->room_name[0] ? json_string(r->room_name) : json_null(),
			    "media_paths", t->media_paths ? json_deep_copy(t->media_paths)
							  : json_array(),
			    "media_type", t->media_type);
	if (trigger && t->due_at)
		json_object_set_new(trigger, "due_at", json_integer((json_int_t)t->due_at));
	if (trigger && t->due_at && !strcmp(t->type, "cron")) {
		json_object_set_new(trigger, "late", json_boolean(t->late));
		json_object_set_new(trigger, "lateness_seconds",
				    json_integer((json_int_t)t->lateness_seconds));
	}
	if (trigger && t->occupancy_minutes > 0)
		json_object_set_new(trigger, "occupancy_minutes", json_real(t->occupancy_minutes));
	data = json_pack("{s:o, s:O, s:o, s:{s:I, s:s}}", "trigger", trigger,
			 "trigger_input", t->input ? t->input : json_null(),
			 "system", template_system_vars(now, e->tz_name[0] ? e->tz_name : NULL),
			 "rule", "id", (json_int_t)r->id, "name", r->name);
	if (data)
		text = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	return text;
}

/* Run the gate for r (loaded with its counts) and t; true when it fires. */
static bool fire__gate(const struct engine_rule *r, const struct trigger *t, time_t now,
		       const struct filter_env *env, char *reason, size_t len)
{
	struct gate_rule gr = {
		.id = r->id,
		.enabled = r->enabled,
		.trigger_type = r->trigger_type,
		.primary_sensor_id = r->primary_sensor_id,
		.cool_off_minutes = r->cool_off_minutes,
		.max_daily_triggers = r->max_daily_triggers,
		.occupancy_min_minutes = r->occupancy_min_minutes,
	};
	struct gate_input in = {
		.rule = &gr,
		.trigger_type = t->type,
		.sensor_id = t->sensor_id,
		.occupancy_minutes = t->occupancy_minutes,
		.contexts = r->contexts,
		.dependencies = r->dependencies,
		.last_counted = r->last_counted,
		.counted_today = r->counted_today,
		.filter = {
			.now = now,
			.room_id = r->room_id,
			.room_name = r->room_name[0] ? r->room_name : NULL,
			.env = env,
		},
	};

	return gate_check(&in, reason, len);
}

/*
 * The unlocked look, with the counts the rules row keeps: today's count
 * only if its day is today.  The locked re-check decides.
 */
static bool fire__look(struct engine *e, struct engine_rule *r, const struct trigger *t,
		       time_t now, const struct filter_env *env, char *reason, size_t len)
{
	if (r->counted_since != gate_local_midnight(now))
		r->counted_today = 0;
	return fire__gate(r, t, now, env, reason, len);
}

/*
 * The locked half: lock the rule, re-count, re-check, create.  When the
 * trigger came through the gate once already, only cool-off and the cap
 * can have changed; checking all of it again costs little and keeps one
 * code path.  In the caller's transaction: the run commits with it, and
 * the lock is held until then.
 */
static enum herr fire__locked(struct engine *e, int64_t rule_id, const struct trigger *t,
			      bool gate, time_t now, const struct filter_env *env,
			      struct fire *out, struct engine_rule *refused)
{
	time_t midnight = gate_local_midnight(now);
	struct engine_rule r;
	int64_t log_id = 0;
	char *data;
	enum herr err;

	refused->id = 0;
	err = store_engine_rule(e->db, rule_id, true, now, midnight, &r);
	if (err != HERR_OK)
		return err;
	if (gate && !fire__gate(&r, t, now, env, out->skip_reason, sizeof(out->skip_reason))) {
		*refused = r;     /* the caller records it and clears it */
		return HERR_OK;
	}
	if (!gate && !r.enabled) {
		store_engine_rule_clear(&r);
		snprintf(out->skip_reason, sizeof(out->skip_reason), "disabled");
		return HERR_CONFLICT;
	}
	data = fire__initial_data(e, &r, t, now);
	err = data ? store_runs_create(e->db, &r, t->type, data, e->owner, e->lease_seconds,
				       midnight, &out->execution_id, &log_id)
		   : HERR_NOMEM;
	free(data);
	store_engine_rule_clear(&r);
	if (err != HERR_OK)
		out->execution_id = 0;
	return err;
}

/* The unlocked look of a gated offer: *pass, or the refusal recorded. */
static enum herr fire__look_rule(struct engine *e, int64_t rule_id, const struct trigger *t,
				 time_t now, const struct filter_env *env, struct fire *out,
				 bool *pass)
{
	struct engine_rule r = {0}, *rp = &r;
	const char *reason = out->skip_reason;
	enum herr err;

	*pass = false;
	err = store_engine_rule(e->db, rule_id, false, now, gate_local_midnight(now), &r);
	if (err != HERR_OK)
		return err;
	*pass = fire__look(e, &r, t, now, env, out->skip_reason, sizeof(out->skip_reason));
	if (!*pass)
		err = store_engine_skips(e->db, &rp, &reason, 1, t->type);
	store_engine_rule_clear(&r);
	return err;
}

/* The locked half with what a refusal under the lock records. */
static enum herr fire__offer_locked(struct engine *e, int64_t rule_id, const struct trigger *t,
				    bool gate, time_t now, const struct filter_env *env,
				    struct fire *out)
{
	struct engine_rule refused = {0};
	enum herr err;

	err = fire__locked(e, rule_id, t, gate, now, env, out, &refused);
	if (refused.id) {
		struct engine_rule *rp = &refused;
		const char *reason = out->skip_reason;

		if (err == HERR_OK)
			err = store_engine_skips(e->db, &rp, &reason, 1, t->type);
		store_engine_rule_clear(&refused);
	}
	return err;
}

enum herr engine_fire(struct engine *e, int64_t rule_id, const struct trigger *t, bool gate,
		      struct fire *out)
{
	time_t now = time(NULL);
	struct filter_env env;
	bool pass = true;
	enum herr err;

	memset(out, 0, sizeof(*out));
	filter_env_db(&env, e->db);
	/* The unlocked look: most refusals end here, without a lock. */
	if (gate && ((err = fire__look_rule(e, rule_id, t, now, &env, out, &pass)) != HERR_OK ||
		     !pass))
		return err;
	return fire__offer_locked(e, rule_id, t, gate, now, &env, out);
}

enum herr engine_fire_look(struct engine *e, int64_t rule_id, const struct trigger *t,
			   time_t now, struct fire *out, bool *pass)
{
	struct filter_env env;

	memset(out, 0, sizeof(*out));
	filter_env_db(&env, e->db);
	return fire__look_rule(e, rule_id, t, now, &env, out, pass);
}

enum herr engine_fire_locked(struct engine *e, int64_t rule_id, const struct trigger *t,
			     time_t now, struct fire *out)
{
	struct filter_env env;

	memset(out, 0, sizeof(*out));
	filter_env_db(&env, e->db);
	return fire__offer_locked(e, rule_id, t, true, now, &env, out);
}

/*
 * A sensor's rules kept between its events, per process: loading them
 * (a join of rules, contexts and rooms, each context's JSON parsed) costs
 * more than everything else a gated event does.  Each event still reads
 * the rules as they stand (store_engine_sensor_now: one query, in the
 * event's own transaction), and uses the kept copy only when every rule
 * is the same rule (id, config_rev, contexts, room); its plain settings
 * (cool-off, cap, name) and what moves with every offer (counts, the last
 * refusal) come from that read, so only the contexts are really kept, and
 * dependencies (their parents' last runs move too) are read afresh.
 */
#define FIRE_KEPT_SENSORS 8
#define FIRE_KEPT_RULES 64

static struct fire_kept {
	int64_t sensor_id;          /* 0 = a free slot */
	struct engine_rule *rules;
	size_t n;
	unsigned long used;         /* when last used, for the least recent to go */
} fire_kept[FIRE_KEPT_SENSORS];
static unsigned long fire_clock;

static void fire__kept_drop(struct fire_kept *k)
{
	for (size_t i = 0; i < k->n; i++)
		store_engine_rule_clear(&k->rules[i]);
	free(k->rules);
	memset(k, 0, sizeof(*k));
}

static bool fire__kept_same(const struct fire_kept *k, const struct engine_rule_now *now,
			    size_t n)
{
	if (k->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!store_engine_rule_same(&k->rules[i], &now[i]))
			return false;
	return true;
}

/* The sensor's slot: its own, else a free one, else the least recently used. */
static struct fire_kept *fire__kept_slot(int64_t sensor_id)
{
	struct fire_kept *oldest = &fire_kept[0];

	for (size_t i = 0; i < FIRE_KEPT_SENSORS; i++) {
		if (fire_kept[i].sensor_id == sensor_id)
			return &fire_kept[i];
		if (fire_kept[i].used < oldest->used)
			oldest = &fire_kept[i];
	}
	return oldest;
}

/*
 * The sensor's rules for this event: the kept ones brought up to now, or
 * loaded afresh (and kept when there are not too many).  *owned: the
 * caller frees them (not kept).
 */
static enum herr fire__sensor_rules(struct engine *e, int64_t sensor_id,
				    struct engine_rule **rules, size_t *count, bool *owned)
{
	struct engine_rule_now *now = NULL;
	struct fire_kept *k;
	size_t n = 0;
	bool deps = false;
	enum herr err;

	*rules = NULL;
	*count = 0;
	*owned = false;
	err = store_engine_sensor_now(e->db, sensor_id, SENSOR_RULES_MAX, &now, &n);
	if (err != HERR_OK || n == 0) {
		free(now);
		return err;
	}
	for (size_t i = 0; i < n; i++)
		deps = deps || now[i].dependencies > 0;
	k = fire__kept_slot(sensor_id);
	if (k->sensor_id == sensor_id && fire__kept_same(k, now, n)) {
		for (size_t i = 0; i < n; i++)
			store_engine_rule_moved(&k->rules[i], &now[i]);
		err = deps ? store_engine_sensor_deps(e->db, sensor_id, k->rules, n) : HERR_OK;
		free(now);
		if (err != HERR_OK) {
			fire__kept_drop(k);
			return err;
		}
		k->used = ++fire_clock;
		*rules = k->rules;
		*count = n;
		return HERR_OK;
	}
	free(now);
	if (k->sensor_id == sensor_id)
		fire__kept_drop(k);
	err = store_engine_sensor_rules(e->db, sensor_id, SENSOR_RULES_MAX, rules, count);
	if (err != HERR_OK || *count == 0)
		return err;
	if (*count > FIRE_KEPT_RULES) {
		*owned = true;
		return HERR_OK;
	}
	if (k->sensor_id)
		fire__kept_drop(k);
	k->sensor_id = sensor_id;
	k->rules = *rules;
	k->n = *count;
	k->used = ++fire_clock;
	return HERR_OK;
}

enum herr engine_fire_sensor(struct engine *e, const struct trigger *t, int64_t *ids,
			     size_t cap, size_t *n)
{
	time_t now = time(NULL);
	struct engine_rule *rules = NULL, **skipped = NULL;
	const char **reasons = NULL;
	char (*why)[256] = NULL;
	struct filter_env env;
	size_t count = 0, nskip = 0;
	bool owned = false;
	enum herr err;

	*n = 0;
	filter_env_db(&env, e->db);
	err = fire__sensor_rules(e, t->sensor_id, &rules, &count, &owned);
	if (err != HERR_OK || count == 0)
		return err;
	if (count == SENSOR_RULES_MAX)
		LOG(LOG_WARNING, "sensor %lld: more than %d rules; only the first are offered",
		    (long long)t->sensor_id, SENSOR_RULES_MAX);
	skipped = calloc(count, sizeof(*skipped));
	reasons = calloc(count, sizeof(*reasons));
	why = calloc(count, sizeof(*why));
	if (!skipped || !reasons || !why) {
		err = HERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		struct engine_rule *r = &rules[i];
		struct fire f;
		struct engine_rule refused = {0};

		if (!fire__look(e, r, t, now, &env, why[nskip], sizeof(why[nskip]))) {
			skipped[nskip] = r;
			reasons[nskip] = why[nskip];
			nskip++;
			continue;
		}
		memset(&f, 0, sizeof(f));
		err = fire__locked(e, r->id, t, true, now, &env, &f, &refused);
		if (refused.id) {
			/* Lost the race to another event: refused after all. */
			snprintf(why[nskip], sizeof(why[nskip]), "%s", f.skip_reason);
			skipped[nskip] = r;
			reasons[nskip] = why[nskip];
			nskip++;
			store_engine_rule_clear(&refused);
		}
		if (err != HERR_OK && err != HERR_NOT_FOUND)
			goto out;
		err = HERR_OK;
		if (f.execution_id && *n < cap)
			ids[(*n)++] = f.execution_id;
	}
	if (nskip > 0)
		err = store_engine_skips(e->db, skipped, reasons, nskip, t->type);
out:
	if (owned) {
		for (size_t i = 0; i < count; i++)
			store_engine_rule_clear(&rules[i]);
		free(rules);
	}
	free(skipped);
	free(reasons);
	free(why);
	return err;
}
