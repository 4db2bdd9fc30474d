/*
 * /api/v1/rules and POST /api/v1/webhooks/{rule_id}/generate-secret.
 *
 * A rule is checked whole when it is saved (a create body, or the merge of
 * the stored rule and an update): its trigger's requirements, its cron
 * schedule (parsed, and refused when it can never fire), its occupancy
 * threshold.  The engine later trusts what is stored.  next_fire_at is
 * stored: a save that makes or changes an enabled cron schedule sets it to
 * the schedule's next instant in the hub's zone (NULL for other rules) and
 * clears schedule_error, and the scheduler moves it on as the rule fires.
 *
 * A cron rule's schedule is its rate: cool_off_minutes and
 * max_daily_triggers default to 0 (off) for it, and values set on it must
 * leave every instant of an ordinary day able to fire (a daily cap of at
 * least the instants per day, a cool-off no longer than the shortest gap
 * between two instants): anything else is a 422, never a silent skip.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "app.h"
#include "auth.h"
#include "config.h"
#include "engine/cron.h"
#include "engine/engine.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "store/store.h"

#define RULES_SCOPE "rules"
/* A generous bound the API states; the BIGINT UNSIGNED columns hold more. */
#define RULES_INT_MAX 2147483647LL
#define OCCUPANCY_MIN_MINUTES_DEFAULT 40
#define WEBHOOK_SECRET_MAX 64

static const char *const rule_trigger_types[] = {
	"sensor_event", "cron", "manual", "webhook", "occupancy_duration", NULL,
};
static const char *const rule_booleans[] = {"true", "false", NULL};
static const char *const rule_catch_up[] = {"all", "latest", "none", NULL};

/* webhook_config is not here: it is set only by generate-secret, so a
 * client sending it gets extra_forbidden; nor is schedule_error, the
 * scheduler's. */
static const struct vfield rule_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"description", V_STRING, 0, 0, 2000, NULL},
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"trigger_type", V_STRING, 0, 0, 0, rule_trigger_types},
	{"primary_sensor_id", V_ID, V_NULLABLE, 0, 0, NULL},
	{"schedule_cron", V_STRING, V_NULLABLE, 0, 255, NULL},
	{"cool_off_minutes", V_INT, 0, 0, RULES_INT_MAX, NULL},
	{"max_daily_triggers", V_INT, 0, 0, RULES_INT_MAX, NULL},
	{"execution_timeout_minutes", V_INT, 0, 0, RULES_INT_MAX, NULL},
	{"occupancy_config", V_OBJECT, V_NULLABLE, 0, 0, NULL},
	{"catch_up", V_STRING, 0, 0, 0, rule_catch_up},
};
static const size_t rule_fields_count = sizeof(rule_fields) / sizeof(rule_fields[0]);

static const struct vfield occupancy_fields[] = {
	{"min_minutes", V_INT, 0, 1, RULES_INT_MAX, NULL},
};
static const char *const at_occupancy[] = {"body", "occupancy_config", NULL};

/* The trigger type of a checked rule, with its default. */
static const char *rules__trigger(const json_t *obj)
{
	const char *t = json_string_value(json_object_get(obj, "trigger_type"));

	return t ? t : "sensor_event";
}

/* An integer field of a rule, or its default when not given.  A cron
 * rule's schedule is its rate: cool-off and the daily cap are off unless
 * set. */
static int64_t rules__limit(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	bool cron = !strcmp(rules__trigger(obj), "cron");

	if (json_is_integer(v))
		return json_integer_value(v);
	if (!strcmp(key, "cool_off_minutes"))
		return cron ? 0 : 5;
	return cron ? 0 : 3;
}

/*
 * A cron rule's cool-off and daily cap against its schedule: refused when
 * they would skip instants of an ordinary day (DST days aside).
 */
static size_t rules__check_rate(const json_t *obj, const struct cron_expr *e, json_t *errs)
{
	int64_t cool_off = rules__limit(obj, "cool_off_minutes");
	int64_t cap = rules__limit(obj, "max_daily_triggers");
	struct cron_spacing sp;
	size_t n = 0;

	cron_spacing(e, &sp);
	if (cap > 0 && sp.per_day > cap) {
		verr_add(errs, at_body, "max_daily_triggers", "value_error",
			 "the schedule fires %d times a day, more than max_daily_triggers %" PRId64
			 " allows; set it to 0 (no cap) or at least %d", sp.per_day, cap,
			 sp.per_day);
		n++;
	}
	if (cool_off > 0 && sp.min_gap_minutes >= 0 && sp.min_gap_minutes < cool_off) {
		verr_add(errs, at_body, "cool_off_minutes", "value_error",
			 "the schedule has instants %" PRId64 " min apart, closer than "
			 "cool_off_minutes %" PRId64 " allows; set it to 0 (none) or at most %" PRId64,
			 sp.min_gap_minutes, cool_off, sp.min_gap_minutes);
		n++;
	}
	return n;
}

/* A schedule's problems in errs (at schedule_cron, and with rate the
 * limits of a cron rule); 0 when it fires as written. */
static size_t rules__check_cron(const json_t *obj, const char *text, bool rate, json_t *errs)
{
	char err[CRON_ERR_MAX];
	struct cron_expr e;
	time_t next;
	int rc;

	if (cron_parse(text, &e, err, sizeof(err)) != 0) {
		verr_add(errs, at_body, "schedule_cron", "value_error",
			 "Invalid cron expression: %s", err);
		return 1;
	}
	rc = cron_next(&e, time(NULL), &next);
	if (rc == CRON_NEVER) {
		verr_add(errs, at_body, "schedule_cron", "value_error",
			 "Invalid cron expression: '%s' never fires (no matching time within "
			 "%d years)", text, CRON_HORIZON_YEARS);
		return 1;
	}
	if (rc != 0) {
		verr_add(errs, at_body, "schedule_cron", "value_error",
			 "'%s': the next instant cannot be computed in the hub's time zone", text);
		return 1;
	}
	return rate && !strcmp(rules__trigger(obj), "cron") ? rules__check_rate(obj, &e, errs) : 0;
}

/*
 * Check a whole rule: its fields, then what its trigger type requires.
 * Returns the number of problems added to errs.
 */
static size_t rules__check(const json_t *obj, json_t *errs)
{
	size_t n = validate_object(obj, at_body, rule_fields, rule_fields_count, false, errs);
	const json_t *trigger = json_object_get(obj, "trigger_type");
	const json_t *sensor = json_object_get(obj, "primary_sensor_id");
	const json_t *cron = json_object_get(obj, "schedule_cron");
	const json_t *occ = json_object_get(obj, "occupancy_config");
	const char *t;

	if (json_is_object(occ))
		n += validate_object(occ, at_occupancy, occupancy_fields,
				     sizeof(occupancy_fields) / sizeof(occupancy_fields[0]), false,
				     errs);
	/* The limits are checked against the schedule only when they and the
	 * trigger type are well-formed themselves. */
	if (json_is_string(cron))
		n += rules__check_cron(obj, json_string_value(cron),
				       n == 0 && (!trigger || json_is_string(trigger)), errs);

	/* The trigger's requirements only mean something for a known type. */
	if (trigger && !json_is_string(trigger))
		return n;
	t = rules__trigger(obj);
	if (!strcmp(t, "cron") || !strcmp(t, "occupancy_duration")) {
		if (!sensor || json_is_null(sensor)) {
			verr_add(errs, at_body, "primary_sensor_id", "missing",
				 "primary_sensor_id is required when trigger_type is '%s'", t);
			n++;
		}
	}
	if (!strcmp(t, "cron") && (!cron || json_is_null(cron))) {
		verr_add(errs, at_body, "schedule_cron", "missing",
			 "schedule_cron is required when trigger_type is 'cron'");
		n++;
	}
	return n;
}

/* The store's view of a checked rule, with defaults; strings borrowed from
 * obj, tz (the zone next_fire_at is computed in) borrowed. */
static void rules__fields(const json_t *obj, const char *tz, struct rule_fields *f)
{
	const json_t *enabled = json_object_get(obj, "enabled");
	const json_t *occ = json_object_get(obj, "occupancy_config");
	const char *description = json_string_value(json_object_get(obj, "description"));
	const json_t *v;

	f->name = json_string_value(json_object_get(obj, "name"));
	f->description = description ? description : "";
	f->enabled = json_is_boolean(enabled) ? json_is_true(enabled) : true;
	f->trigger_type = rules__trigger(obj);
	f->primary_sensor_id = json_integer_value(json_object_get(obj, "primary_sensor_id"));
	f->schedule_cron = json_string_value(json_object_get(obj, "schedule_cron"));
	f->cool_off_minutes = rules__limit(obj, "cool_off_minutes");
	f->max_daily_triggers = rules__limit(obj, "max_daily_triggers");
	f->catch_up = json_string_value(json_object_get(obj, "catch_up"));
	if (!f->catch_up)
		f->catch_up = "all";
	v = json_object_get(obj, "execution_timeout_minutes");
	f->execution_timeout_minutes = v ? json_integer_value(v) : 0;

	/* An occupancy rule always has a threshold; others only when given. */
	f->occupancy_min_minutes = 0;
	if (json_is_object(occ)) {
		v = json_object_get(occ, "min_minutes");
		f->occupancy_min_minutes = v ? json_integer_value(v) : OCCUPANCY_MIN_MINUTES_DEFAULT;
	} else if (!strcmp(f->trigger_type, "occupancy_duration")) {
		f->occupancy_min_minutes = OCCUPANCY_MIN_MINUTES_DEFAULT;
	}

	/* Used by the store only when the schedule is new or changed. */
	f->next_fire_at = 0;
	f->next_fire_tz = tz;
	if (f->enabled && !strcmp(f->trigger_type, "cron") && f->schedule_cron)
		f->next_fire_at = (int64_t)engine_next_fire(f->schedule_cron, time(NULL));
}

static enum herr rules__check_obj(struct ctx *c, const struct resource_key *k, const json_t *obj,
				  json_t *errs)
{
	rules__check(obj, errs);
	return HERR_OK;
}

static enum herr rules__list(struct ctx *c, const void *filter, const struct page *pg,
			     json_t *items, bool *has_more)
{
	return store_rules_list(c->app->db, filter, pg, items, has_more);
}

static enum herr rules__get(struct ctx *c, const struct resource_key *k, bool lock,
			    json_t **out)
{
	return store_rules_get(c->app->db, k->id, lock, out);
}

/* Embed one of the rule's lists under key. */
static enum herr rules__embed(struct db *db, json_t *rule, int64_t id, const char *key,
			      enum herr (*list)(struct db *, int64_t, json_t *))
{
	json_t *items = json_array();
	enum herr e = items ? list(db, id, items) : HERR_NOMEM;

	if (e != HERR_OK) {
		json_decref(items);
		return e;
	}
	return json_object_set_new(rule, key, items) == 0 ? HERR_OK : HERR_NOMEM;
}

/* One rule as GET shows it: with its steps, contexts and dependencies. */
static enum herr rules__detail(struct ctx *c, const struct resource_key *k, json_t **out)
{
	struct db *db = c->app->db;
	int64_t id = k->id;
	enum herr e = store_rules_get(db, id, false, out);

	if (e == HERR_OK)
		e = rules__embed(db, *out, id, "steps", store_steps_list);
	if (e == HERR_OK)
		e = rules__embed(db, *out, id, "contexts", store_contexts_list);
	if (e == HERR_OK)
		e = rules__embed(db, *out, id, "dependencies", store_dependencies_list);
	return e;
}

/* Create (no id yet) or update a checked rule. */
static enum herr rules__save(struct ctx *c, const struct resource_key *k, const json_t *obj,
			     json_t **out)
{
	struct rule_fields f;

	rules__fields(obj, c->app->cfg->engine_timezone, &f);
	if (k->id == 0)
		return store_rules_create(c->app->db, &f, out);
	return store_rules_update(c->app->db, k->id, &f, out);
}

static enum herr rules__remove(struct ctx *c, const struct resource_key *k, int64_t *dependents)
{
	return store_rules_delete(c->app->db, k->id, dependents);
}

static int rules__conflict(struct response *r, const struct resource_key *k, const json_t *obj)
{
	return response_detail(r, 409, "a rule named '%s' already exists",
			       json_string_value(json_object_get(obj, "name")));
}

static int rules__invalid(struct response *r, const json_t *obj)
{
	json_t *errs = json_array();

	verr_add(errs, at_body, "primary_sensor_id", "value_error",
		 "sensor %" JSON_INTEGER_FORMAT " does not exist",
		 json_integer_value(json_object_get(obj, "primary_sensor_id")));
	return ctx_invalid(r, errs);
}

static int rules__in_use(struct response *r, const struct resource_key *k, int64_t dependents)
{
	return response_detail(r, 409, "rule %" PRId64 " has %" PRId64 " dependent rule%s; "
			       "remove %s dependenc%s on it first", k->id, dependents,
			       dependents == 1 ? "" : "s", dependents == 1 ? "its" : "their",
			       dependents == 1 ? "y" : "ies");
}

const struct resource rules_resource = {
	.name = "rule",
	.plural = "rules",
	.fields = rule_fields,
	.nfields = sizeof(rule_fields) / sizeof(rule_fields[0]),
	.list = rules__list,
	.get = rules__get,
	.create = rules__save,
	.update = rules__save,
	.remove = rules__remove,
	.detail = rules__detail,
	.check = rules__check_obj,
	.conflict = rules__conflict,
	.invalid = rules__invalid,
	.in_use = rules__in_use,
};

int h_rules_list(struct ctx *c, struct response *r)
{
	struct rule_filter f = {NULL, -1};
	const char *enabled = NULL;
	json_t *errs = json_array();
	char scope[128];

	ctx_query_enum(c, "trigger_type", rule_trigger_types, &f.trigger_type, errs);
	if (ctx_query_enum(c, "enabled", rule_booleans, &enabled, errs) > 0)
		f.enabled = !strcmp(enabled, "true");

	/* The filters are part of the scope: a cursor only continues its own list. */
	snprintf(scope, sizeof(scope), RULES_SCOPE ":trigger_type=%s;enabled=%d",
		 f.trigger_type ? f.trigger_type : "", f.enabled);
	return resource_list_filtered(c, r, &rules_resource, scope, errs, &f);
}

int h_rules_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &rules_resource);
}

int h_rules_create(struct ctx *c, struct response *r)
{
	return h_resource_create(c, r, &rules_resource);
}

int h_rules_update(struct ctx *c, struct response *r)
{
	return h_resource_update(c, r, &rules_resource);
}

int h_rules_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &rules_resource);
}

int h_webhooks_generate_secret(struct ctx *c, struct response *r)
{
	unsigned char hash[AUTH_HASH_LEN];
	char secret[WEBHOOK_SECRET_MAX + 1];
	json_t *body = NULL, *errs = NULL, *rule = NULL, *created;
	int64_t id;
	enum herr e;
	int status;

	secret[0] = '\0';
	if (ctx_path_id(c, r, "rule_id", &id) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	/* The secret is the server's to choose: a body may only be {}. */
	if (validate_object(body, at_body, NULL, 0, false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (auth_secret_generate(secret, sizeof(secret), hash) != 0) {
		status = response_detail(r, 500, "could not generate a secret");
		goto out;
	}
	e = store_rules_set_webhook_secret(c->app->db, id, hash, &rule);
	if (e != HERR_OK) {
		status = resource_error(r, &rules_resource, e, &(const struct resource_key){0, id},
					NULL);
		goto out;
	}
	created = json_object_get(json_object_get(rule, "webhook_config"), "created_at");
	ctx_changed(c, id, NULL, NULL);
	status = ctx_reply(r, 200, json_pack("{s:I, s:s, s:O?}", "rule_id", (json_int_t)id,
					     "secret", secret, "created_at", created));
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(hash, sizeof(hash));
	json_decref(body);
	json_decref(errs);
	json_decref(rule);
	return status;
}
