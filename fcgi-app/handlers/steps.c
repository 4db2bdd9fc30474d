/*
 * /api/v1/rules/{id}/steps: a rule's pipeline.  A step is checked when it
 * is saved: its type against the step registry (types whose services are
 * not part of Hearth yet are refused, not stored to fail later), its
 * config_json against that type, and its jumps against the steps of the
 * same rule.  The store keeps `order` gap-free (1..n).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "engine/registry.h"
#include "fields.h"
#include "handlers.h"
#include "response.h"
#include "store/store.h"

#define STEP_TYPES_MAX 32
#define STEPS_REORDER_MAX 1000

static const struct vfield step_fields[] = {
	{"step_type", V_STRING, V_REQUIRED, 0, 0, NULL},
	{"label", V_STRING, V_NULLABLE, 0, 256, NULL},
	{"config_json", V_OBJECT, 0, 0, 0, NULL},
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"next_step_on_true", V_ID, V_NULLABLE, 0, 0, NULL},
	{"next_step_on_false", V_ID, V_NULLABLE, 0, 0, NULL},
};
static const size_t step_fields_count = sizeof(step_fields) / sizeof(step_fields[0]);

static const char *const at_config[] = {"body", "config_json", NULL};

/* 404 for a rule that does not exist, else whatever e means. */
static int steps__rule_error(struct response *r, enum herr e, int64_t rule_id)
{
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "rule %" PRId64 " not found", rule_id);
	return response_error(r, e, "rule");
}

static int steps__error(struct response *r, enum herr e, int64_t rule_id, int64_t step_id)
{
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "step %" PRId64 " not found in rule %" PRId64,
				       step_id, rule_id);
	return response_error(r, e, "step");
}

/* The rule named by the path: 0 and *rule_id, or -1 with r set. */
static int steps__rule(struct ctx *c, struct response *r, int64_t *rule_id)
{
	json_t *rule = NULL;
	enum herr e;

	if (ctx_path_id(c, r, "id", rule_id) != 0)
		return -1;
	e = store_rules_get(c->app->db, *rule_id, false, &rule);
	json_decref(rule);
	if (e != HERR_OK) {
		steps__rule_error(r, e, *rule_id);
		return -1;
	}
	return 0;
}

/* A jump target must be a step of the same rule.  Returns problems added;
 * *e set when the database could not say. */
static size_t steps__check_jump(struct db *db, const json_t *obj, const char *field,
				int64_t rule_id, json_t *errs, enum herr *e)
{
	const json_t *v = json_object_get(obj, field);
	json_t *target = NULL;
	int64_t id;
	enum herr ge;

	if (!json_is_integer(v) || (id = json_integer_value(v)) < 1)
		return 0;
	ge = store_steps_get(db, rule_id, id, false, &target);
	json_decref(target);
	if (ge == HERR_NOT_FOUND) {
		verr_add(errs, at_body, field, "value_error",
			 "step %" PRId64 " is not a step of rule %" PRId64, id, rule_id);
		return 1;
	}
	if (ge != HERR_OK)
		*e = ge;
	return 0;
}

/*
 * Check a whole step: its fields, its type, its config against the type
 * and its jumps.  Returns the number of problems added to errs; *e is set
 * (and 0 returned) when the database failed.
 */
static size_t steps__check(struct db *db, const json_t *obj, int64_t rule_id, json_t *errs,
			   enum herr *e)
{
	size_t n = validate_object(obj, at_body, step_fields, step_fields_count, false, errs);
	const json_t *type = json_object_get(obj, "step_type");
	const json_t *config = json_object_get(obj, "config_json");
	const struct step_type *t;

	*e = HERR_OK;
	if (json_is_string(type)) {
		t = step_type_find(json_string_value(type));
		if (!t) {
			const char *names[STEP_TYPES_MAX + 1];
			size_t count = step_types_count();

			if (count > STEP_TYPES_MAX)
				count = STEP_TYPES_MAX;
			for (size_t i = 0; i < count; i++)
				names[i] = step_type_name(step_type_at(i));
			names[count] = NULL;
			verr_enum(errs, at_body, "step_type", names);
			n++;
		} else if (!step_type_available(t)) {
			verr_add(errs, at_body, "step_type", "not_available",
				 "step type '%s' is not available in Hearth yet",
				 step_type_name(t));
			n++;
		} else if (!config || json_is_object(config)) {
			n += step_type_validate_config(t, config, at_config, errs);
		}
	}
	n += steps__check_jump(db, obj, "next_step_on_true", rule_id, errs, e);
	n += steps__check_jump(db, obj, "next_step_on_false", rule_id, errs, e);
	return *e == HERR_OK ? n : 0;
}

/* The store's view of a checked step.  *config_json is malloc'd (free it);
 * strings are borrowed from obj.  -1 on allocation failure. */
static int steps__fields(const json_t *obj, struct step_fields *s, char **config_json)
{
	const json_t *config = json_object_get(obj, "config_json");
	const json_t *enabled = json_object_get(obj, "enabled");

	s->step_type = json_string_value(json_object_get(obj, "step_type"));
	s->label = json_string_value(json_object_get(obj, "label"));
	s->enabled = json_is_boolean(enabled) ? json_is_true(enabled) : true;
	s->next_step_on_true = json_integer_value(json_object_get(obj, "next_step_on_true"));
	s->next_step_on_false = json_integer_value(json_object_get(obj, "next_step_on_false"));
	*config_json = config ? json_dumps(config, JSON_COMPACT) : strdup("{}");
	s->config_json = *config_json;
	return *config_json ? 0 : -1;
}

/* A change to a step is a change to its rule: the audit row names the rule. */
static int steps__changed(struct ctx *c, struct response *r, int status, int64_t rule_id,
			  json_t *step)
{
	ctx_changed(c, rule_id, NULL, NULL);
	return ctx_reply(r, status, step);
}

int h_steps_list(struct ctx *c, struct response *r)
{
	json_t *items = NULL;
	int64_t rule_id;
	enum herr e;

	if (steps__rule(c, r, &rule_id) != 0)
		return r->status;
	items = json_array();
	if (!items)
		return response_detail(r, 500, "out of memory");
	e = store_steps_list(c->app->db, rule_id, items);
	if (e != HERR_OK) {
		json_decref(items);
		return steps__rule_error(r, e, rule_id);
	}
	return ctx_reply(r, 200, json_pack("{s:o}", "items", items));
}

int h_steps_add(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *step = NULL;
	struct step_fields s;
	char *config_json = NULL;
	int64_t rule_id;
	enum herr e;
	int status;

	if (steps__rule(c, r, &rule_id) != 0)
		return r->status;
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (steps__check(c->app->db, body, rule_id, errs, &e) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "step");
		goto out;
	}
	if (steps__fields(body, &s, &config_json) != 0) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	e = store_steps_add(c->app->db, rule_id, &s, &step);
	if (e != HERR_OK) {
		status = steps__rule_error(r, e, rule_id);
		goto out;
	}
	status = steps__changed(c, r, 201, rule_id, step);
out:
	free(config_json);
	json_decref(body);
	json_decref(errs);
	return status;
}

/* The step named by the path, as a 0/-1 with r set. */
static int steps__path(struct ctx *c, struct response *r, int64_t *rule_id, int64_t *step_id)
{
	if (steps__rule(c, r, rule_id) != 0)
		return -1;
	return ctx_path_id(c, r, "step_id", step_id);
}

int h_steps_update(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *current = NULL, *merged = NULL, *step = NULL;
	struct step_fields s;
	char *config_json = NULL;
	int64_t rule_id, step_id;
	enum herr e;
	int status;

	if (steps__path(c, r, &rule_id, &step_id) != 0)
		return r->status;
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	/* Locked, so the fields not given are kept as they are now. */
	e = store_steps_get(c->app->db, rule_id, step_id, true, &current);
	if (e != HERR_OK) {
		status = steps__error(r, e, rule_id, step_id);
		goto out;
	}
	merged = fields_merge(current, body, step_fields, step_fields_count);
	if (!merged) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (steps__check(c->app->db, merged, rule_id, errs, &e) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "step");
		goto out;
	}
	if (steps__fields(merged, &s, &config_json) != 0) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	e = store_steps_update(c->app->db, rule_id, step_id, &s, &step);
	if (e != HERR_OK) {
		status = steps__error(r, e, rule_id, step_id);
		goto out;
	}
	status = steps__changed(c, r, 200, rule_id, step);
out:
	free(config_json);
	json_decref(body);
	json_decref(errs);
	json_decref(current);
	json_decref(merged);
	return status;
}

int h_steps_delete(struct ctx *c, struct response *r)
{
	int64_t rule_id, step_id;
	enum herr e;

	if (steps__path(c, r, &rule_id, &step_id) != 0)
		return r->status;
	e = store_steps_delete(c->app->db, rule_id, step_id);
	if (e != HERR_OK)
		return steps__error(r, e, rule_id, step_id);
	ctx_changed(c, rule_id, NULL, NULL);
	return ctx_reply(r, 204, NULL);
}

struct steps__position {
	int64_t id;
	int64_t order;
};

static int steps__by_order(const void *a, const void *b)
{
	const struct steps__position *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

static const struct vfield step_position_fields[] = {
	{"id", V_ID, V_REQUIRED, 0, 0, NULL},
	{"order", V_INT, V_REQUIRED, 1, 2147483647LL, NULL},
};

/* Whether the rule's steps (current, borrowed) include id. */
static bool steps__has(const json_t *current, int64_t id)
{
	const json_t *step;
	size_t i;

	json_array_foreach(current, i, step)
		if (json_integer_value(json_object_get(step, "id")) == id)
			return true;
	return false;
}

/*
 * Read [{id, order}, ...] (list, borrowed) into pos, reporting every
 * problem under ["body", "steps", ...]: each entry an object with a step id
 * and an order, ids and orders each given once, and the ids exactly the
 * rule's steps (current, borrowed).  Returns the problems added.
 */
static size_t steps__check_reorder(const json_t *list, const json_t *current, int64_t rule_id,
				   struct steps__position *pos, json_t *errs)
{
	size_t n = json_array_size(list), problems = 0, i, j;
	const json_t *entry;

	json_array_foreach(list, i, entry) {
		char index[24];
		const char *const at[] = {"body", "steps", index, NULL};

		snprintf(index, sizeof(index), "%zu", i);
		pos[i].id = 0;
		pos[i].order = 0;
		if (validate_object(entry, at, step_position_fields,
				    sizeof(step_position_fields) / sizeof(step_position_fields[0]),
				    false, errs) > 0) {
			problems++;
			continue;
		}
		pos[i].id = json_integer_value(json_object_get(entry, "id"));
		pos[i].order = json_integer_value(json_object_get(entry, "order"));
		for (j = 0; j < i; j++) {
			if (pos[j].id == pos[i].id) {
				verr_add(errs, at, "id", "value_error",
					 "step %" PRId64 " is given more than once", pos[i].id);
				problems++;
			}
			if (pos[j].order == pos[i].order) {
				verr_add(errs, at, "order", "value_error",
					 "order %" PRId64 " is given more than once", pos[i].order);
				problems++;
			}
		}
		if (!steps__has(current, pos[i].id)) {
			verr_add(errs, at, "id", "value_error",
				 "step %" PRId64 " is not a step of rule %" PRId64, pos[i].id, rule_id);
			problems++;
		}
	}
	if (problems == 0 && n != json_array_size(current)) {
		verr_add(errs, at_body, "steps", "value_error",
			 "every step of rule %" PRId64 " must be given exactly once: it has %zu, "
			 "%zu given", rule_id, json_array_size(current), n);
		problems++;
	}
	return problems;
}

int h_steps_reorder(struct ctx *c, struct response *r)
{
	struct steps__position *pos = NULL;
	json_t *errs = NULL, *current = NULL, *items = NULL;
	const json_t *list;
	int64_t rule_id, *ids = NULL;
	size_t n;
	enum herr e;
	int status;

	if (steps__rule(c, r, &rule_id) != 0)
		return r->status;
	errs = json_array();
	current = json_array();
	if (!errs || !current) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}

	/* [{id, order}, ...] as the seed shows it, or {"steps": [...]}. */
	list = c->body;
	if (json_is_object(list)) {
		const char *key;
		json_t *v;

		json_object_foreach((json_t *)list, key, v)
			if (strcmp(key, "steps") != 0)
				verr_add(errs, at_body, key, "extra_forbidden",
					 "Extra inputs are not permitted");
		list = json_object_get(list, "steps");
		if (!list)
			verr_add(errs, at_body, "steps", "missing", "Field required");
		if (json_array_size(errs) > 0) {
			status = ctx_invalid(r, errs);
			errs = NULL;
			goto out;
		}
	}
	if (!json_is_array(list)) {
		verr_add(errs, at_body, "steps", "list_type", "Input should be a valid list");
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	n = json_array_size(list);
	if (n > STEPS_REORDER_MAX) {
		verr_add(errs, at_body, "steps", "too_long",
			 "List should have at most %d items", STEPS_REORDER_MAX);
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	e = store_steps_list(c->app->db, rule_id, current);
	if (e != HERR_OK) {
		status = steps__rule_error(r, e, rule_id);
		goto out;
	}
	pos = calloc(n ? n : 1, sizeof(*pos));
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!pos || !ids) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (steps__check_reorder(list, current, rule_id, pos, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	qsort(pos, n, sizeof(*pos), steps__by_order);
	for (size_t i = 0; i < n; i++)
		ids[i] = pos[i].id;
	e = store_steps_reorder(c->app->db, rule_id, ids, n);
	if (e == HERR_INVALID) {
		verr_add(errs, at_body, "steps", "value_error",
			 "the steps must be exactly those of rule %" PRId64, rule_id);
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (e != HERR_OK) {
		status = steps__rule_error(r, e, rule_id);
		goto out;
	}
	items = json_array();
	e = items ? store_steps_list(c->app->db, rule_id, items) : HERR_NOMEM;
	if (e != HERR_OK) {
		status = response_error(r, e, "steps");
		goto out;
	}
	ctx_changed(c, rule_id, NULL, NULL);
	status = ctx_reply(r, 200, json_pack("{s:o}", "items", items));
	items = NULL;
out:
	free(pos);
	free(ids);
	json_decref(errs);
	json_decref(current);
	json_decref(items);
	return status;
}
