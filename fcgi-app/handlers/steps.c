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
#include "resource.h"
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

static enum herr steps__list(struct ctx *c, int64_t rule_id, json_t *items)
{
	return store_steps_list(c->app->db, rule_id, items);
}

static enum herr steps__get(struct ctx *c, const struct resource_key *k, bool lock,
			    json_t **out)
{
	return store_steps_get(c->app->db, k->parent, k->id, lock, out);
}

static enum herr steps__check_obj(struct ctx *c, const struct resource_key *k,
				  const json_t *obj, json_t *errs)
{
	enum herr e;

	steps__check(c->app->db, obj, k->parent, errs, &e);
	return e;
}

/* Add (no id yet) or update a checked step. */
static enum herr steps__save(struct ctx *c, const struct resource_key *k, const json_t *obj,
			     json_t **out)
{
	struct step_fields s;
	char *config_json = NULL;
	enum herr e;

	if (steps__fields(obj, &s, &config_json) != 0)
		e = HERR_NOMEM;
	else if (k->id == 0)
		e = store_steps_add(c->app->db, k->parent, &s, out);
	else
		e = store_steps_update(c->app->db, k->parent, k->id, &s, out);
	free(config_json);
	return e;
}

static enum herr steps__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	return store_steps_delete(c->app->db, k->parent, k->id);
}

static const struct resource steps = {
	.name = "step",
	.plural = "steps",
	.parent = &rules_resource,
	.id_name = "step_id",
	.fields = step_fields,
	.nfields = sizeof(step_fields) / sizeof(step_fields[0]),
	.list_all = steps__list,
	.get = steps__get,
	.create = steps__save,
	.update = steps__save,
	.remove = steps__remove,
	.check = steps__check_obj,
};

int h_steps_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &steps);
}

int h_steps_add(struct ctx *c, struct response *r)
{
	return h_resource_create(c, r, &steps);
}

int h_steps_update(struct ctx *c, struct response *r)
{
	return h_resource_update(c, r, &steps);
}

int h_steps_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &steps);
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
	struct resource_key k;
	const json_t *list;
	int64_t rule_id, *ids = NULL;
	size_t n;
	enum herr e;
	int status;

	if (resource_path(c, r, &steps, false, &k) != 0)
		return r->status;
	rule_id = k.parent;
	status = resource_start(r);
	errs = json_array();
	current = json_array();
	if (!errs || !current)
		goto out;

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
		status = resource_error(r, &rules_resource, e, &(const struct resource_key){0, rule_id},
					NULL);
		goto out;
	}
	pos = calloc(n ? n : 1, sizeof(*pos));
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!pos || !ids)
		goto out;
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
		status = resource_error(r, &rules_resource, e, &(const struct resource_key){0, rule_id},
					NULL);
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
