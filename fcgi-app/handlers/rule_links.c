/*
 * /api/v1/rules/{id}/contexts and /dependencies: what else must hold for a
 * rule to fire.  A context's config is checked against its filter type
 * (lib/engine/registry_filters.c); a dependency must name another existing
 * rule and must not close a cycle, since the gate would then wait on
 * itself.
 */
#include <inttypes.h>
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

#define FILTER_TYPES_MAX 16

static const struct vfield context_fields[] = {
	{"context_type", V_STRING, V_REQUIRED, 0, 0, NULL},
	{"config", V_OBJECT, 0, 0, 0, NULL},
	{"negate", V_BOOL, 0, 0, 0, NULL},
};
static const size_t context_fields_count = sizeof(context_fields) / sizeof(context_fields[0]);

static const struct vfield dependency_fields[] = {
	{"parent_rule_id", V_ID, V_REQUIRED, 0, 0, NULL},
	{"lookback_minutes", V_INT, 0, 1, 2147483647LL, NULL},
	{"require_success", V_BOOL, 0, 0, 0, NULL},
};
static const size_t dependency_fields_count =
	sizeof(dependency_fields) / sizeof(dependency_fields[0]);

static const char *const at_context_config[] = {"body", "config", NULL};

/* ---------------------------------------------------------------- contexts */

/* Check a context body: its fields, its type, its config against the type. */
static size_t links__check_context(const json_t *obj, json_t *errs)
{
	size_t n = validate_object(obj, at_body, context_fields, context_fields_count, false, errs);
	const json_t *type = json_object_get(obj, "context_type");
	const json_t *config = json_object_get(obj, "config");
	const struct filter_type *t;

	if (!json_is_string(type))
		return n;
	t = filter_type_find(json_string_value(type));
	if (!t) {
		const char *names[FILTER_TYPES_MAX + 1];
		size_t count = filter_types_count();

		if (count > FILTER_TYPES_MAX)
			count = FILTER_TYPES_MAX;
		for (size_t i = 0; i < count; i++)
			names[i] = filter_type_name(filter_type_at(i));
		names[count] = NULL;
		verr_enum(errs, at_body, "context_type", names);
		return n + 1;
	}
	if (!config || json_is_object(config))
		n += filter_type_validate_config(t, config, at_context_config, errs);
	return n;
}

static enum herr links__check_context_obj(struct ctx *c, const struct resource_key *k,
					  const json_t *obj, json_t *errs)
{
	links__check_context(obj, errs);
	return HERR_OK;
}

static enum herr links__contexts(struct ctx *c, int64_t rule_id, json_t *items)
{
	return store_contexts_list(c->app->db, rule_id, items);
}

static enum herr links__add_context(struct ctx *c, const struct resource_key *k,
				    const json_t *obj, json_t **out)
{
	const json_t *config = json_object_get(obj, "config");
	const char *type = json_string_value(json_object_get(obj, "context_type"));
	bool negate = json_is_true(json_object_get(obj, "negate"));
	char *config_json = config ? json_dumps(config, JSON_COMPACT) : strdup("{}");
	enum herr e = HERR_NOMEM;

	if (config_json)
		e = store_contexts_add(c->app->db, k->parent, type, config_json, negate, out);
	free(config_json);
	return e;
}

static enum herr links__delete_context(struct ctx *c, const struct resource_key *k,
				       int64_t *count)
{
	return store_contexts_delete(c->app->db, k->parent, k->id);
}

static const struct resource contexts = {
	.name = "context",
	.plural = "contexts",
	.parent = &rules_resource,
	.id_name = "ctx_id",
	.list_all = links__contexts,
	.create = links__add_context,
	.remove = links__delete_context,
	.check = links__check_context_obj,
};

int h_contexts_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &contexts);
}

int h_contexts_add(struct ctx *c, struct response *r)
{
	return h_resource_create(c, r, &contexts);
}

int h_contexts_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &contexts);
}

/* ---------------------------------------------------------------- dependencies */

/* Its fields, then that it neither names its own rule nor closes a cycle. */
static enum herr links__check_dependency(struct ctx *c, const struct resource_key *k,
					 const json_t *obj, json_t *errs)
{
	int64_t rule_id = k->parent, parent;
	bool cycle = false;
	enum herr e;

	if (validate_object(obj, at_body, dependency_fields, dependency_fields_count, false,
			    errs) > 0)
		return HERR_OK;
	parent = json_integer_value(json_object_get(obj, "parent_rule_id"));
	if (parent == rule_id) {
		verr_add(errs, at_body, "parent_rule_id", "value_error",
			 "a rule cannot depend on itself");
		return HERR_OK;
	}
	/* rule -> parent closes a cycle when parent already leads back to rule. */
	e = store_dependencies_reaches(c->app->db, parent, rule_id, &cycle);
	if (e == HERR_OK && cycle)
		verr_add(errs, at_body, "parent_rule_id", "value_error",
			 "rule %" PRId64 " already depends on rule %" PRId64 " (directly or "
			 "through other rules); this dependency would make a cycle",
			 parent, rule_id);
	return e;
}

static enum herr links__dependencies(struct ctx *c, int64_t rule_id, json_t *items)
{
	return store_dependencies_list(c->app->db, rule_id, items);
}

static enum herr links__add_dependency(struct ctx *c, const struct resource_key *k,
				       const json_t *obj, json_t **out)
{
	const json_t *lookback = json_object_get(obj, "lookback_minutes");
	const json_t *success = json_object_get(obj, "require_success");

	return store_dependencies_add(c->app->db, k->parent,
				      json_integer_value(json_object_get(obj, "parent_rule_id")),
				      lookback ? json_integer_value(lookback) : 30,
				      success ? json_is_true(success) : true, out);
}

static enum herr links__delete_dependency(struct ctx *c, const struct resource_key *k,
					  int64_t *count)
{
	return store_dependencies_delete(c->app->db, k->parent, k->id);
}

static int links__dependency_conflict(struct response *r, const struct resource_key *k,
				      const json_t *obj)
{
	return response_detail(r, 409, "rule %" PRId64 " already depends on rule %"
			       JSON_INTEGER_FORMAT, k->parent,
			       json_integer_value(json_object_get(obj, "parent_rule_id")));
}

static int links__dependency_invalid(struct response *r, const json_t *obj)
{
	json_t *errs = json_array();

	verr_add(errs, at_body, "parent_rule_id", "value_error",
		 "rule %" JSON_INTEGER_FORMAT " does not exist",
		 json_integer_value(json_object_get(obj, "parent_rule_id")));
	return ctx_invalid(r, errs);
}

static const struct resource dependencies = {
	.name = "dependency",
	.plural = "dependencies",
	.parent = &rules_resource,
	.id_name = "dep_id",
	.list_all = links__dependencies,
	.create = links__add_dependency,
	.remove = links__delete_dependency,
	.check = links__check_dependency,
	.conflict = links__dependency_conflict,
	.invalid = links__dependency_invalid,
};

int h_dependencies_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &dependencies);
}

int h_dependencies_add(struct ctx *c, struct response *r)
{
	return h_resource_create(c, r, &dependencies);
}

int h_dependencies_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &dependencies);
}
