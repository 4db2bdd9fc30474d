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

/* The rule named by the path: 0 and *rule_id, or -1 with r set (404 when
 * it does not exist). */
static int links__rule(struct ctx *c, struct response *r, int64_t *rule_id)
{
	json_t *rule = NULL;
	enum herr e;

	if (ctx_path_id(c, r, "id", rule_id) != 0)
		return -1;
	e = store_rules_get(c->app->db, *rule_id, false, &rule);
	json_decref(rule);
	if (e == HERR_NOT_FOUND) {
		response_detail(r, 404, "rule %" PRId64 " not found", *rule_id);
		return -1;
	}
	if (e != HERR_OK) {
		response_error(r, e, "rule");
		return -1;
	}
	return 0;
}

/* Reply {"items": [...]} with one of the rule's lists. */
static int links__list(struct ctx *c, struct response *r,
		       enum herr (*list)(struct db *, int64_t, json_t *), const char *what)
{
	json_t *items;
	int64_t rule_id;
	enum herr e;

	if (links__rule(c, r, &rule_id) != 0)
		return r->status;
	items = json_array();
	e = items ? list(c->app->db, rule_id, items) : HERR_NOMEM;
	if (e != HERR_OK) {
		json_decref(items);
		return response_error(r, e, what);
	}
	return ctx_reply(r, 200, json_pack("{s:o}", "items", items));
}

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

int h_contexts_list(struct ctx *c, struct response *r)
{
	return links__list(c, r, store_contexts_list, "contexts");
}

int h_contexts_add(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *context = NULL;
	const json_t *config;
	char *config_json = NULL;
	int64_t rule_id;
	enum herr e;
	int status;

	if (links__rule(c, r, &rule_id) != 0)
		return r->status;
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (links__check_context(body, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	config = json_object_get(body, "config");
	config_json = config ? json_dumps(config, JSON_COMPACT) : strdup("{}");
	if (!config_json) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	e = store_contexts_add(c->app->db, rule_id,
			       json_string_value(json_object_get(body, "context_type")), config_json,
			       json_is_true(json_object_get(body, "negate")), &context);
	if (e != HERR_OK) {
		status = response_error(r, e, "context");
		goto out;
	}
	/* A change to a context is a change to its rule: the audit row names the rule. */
	ctx_changed(c, rule_id, NULL, NULL);
	status = ctx_reply(r, 201, context);
out:
	free(config_json);
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_contexts_delete(struct ctx *c, struct response *r)
{
	int64_t rule_id, ctx_id;
	enum herr e;

	if (links__rule(c, r, &rule_id) != 0 || ctx_path_id(c, r, "ctx_id", &ctx_id) != 0)
		return r->status;
	e = store_contexts_delete(c->app->db, rule_id, ctx_id);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "context %" PRId64 " not found in rule %" PRId64,
				       ctx_id, rule_id);
	if (e != HERR_OK)
		return response_error(r, e, "context");
	ctx_changed(c, rule_id, NULL, NULL);
	return ctx_reply(r, 204, NULL);
}

/* ---------------------------------------------------------------- dependencies */

int h_dependencies_list(struct ctx *c, struct response *r)
{
	return links__list(c, r, store_dependencies_list, "dependencies");
}

int h_dependencies_add(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = NULL, *dep = NULL;
	const json_t *lookback, *success;
	int64_t rule_id, parent;
	bool cycle = false;
	enum herr e;
	int status;

	if (links__rule(c, r, &rule_id) != 0)
		return r->status;
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (validate_object(body, at_body, dependency_fields, dependency_fields_count, false,
			    errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	parent = json_integer_value(json_object_get(body, "parent_rule_id"));
	if (parent == rule_id) {
		verr_add(errs, at_body, "parent_rule_id", "value_error",
			 "a rule cannot depend on itself");
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	/* rule -> parent closes a cycle when parent already leads back to rule. */
	e = store_dependencies_reaches(c->app->db, parent, rule_id, &cycle);
	if (e != HERR_OK) {
		status = response_error(r, e, "dependency");
		goto out;
	}
	if (cycle) {
		verr_add(errs, at_body, "parent_rule_id", "value_error",
			 "rule %" PRId64 " already depends on rule %" PRId64 " (directly or through "
			 "other rules); this dependency would make a cycle", parent, rule_id);
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	lookback = json_object_get(body, "lookback_minutes");
	success = json_object_get(body, "require_success");
	e = store_dependencies_add(c->app->db, rule_id, parent,
				   lookback ? json_integer_value(lookback) : 30,
				   success ? json_is_true(success) : true, &dep);
	if (e == HERR_INVALID) {
		verr_add(errs, at_body, "parent_rule_id", "value_error",
			 "rule %" PRId64 " does not exist", parent);
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (e == HERR_CONFLICT) {
		status = response_detail(r, 409, "rule %" PRId64 " already depends on rule %" PRId64,
					 rule_id, parent);
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "dependency");
		goto out;
	}
	ctx_changed(c, rule_id, NULL, NULL);
	status = ctx_reply(r, 201, dep);
out:
	json_decref(body);
	json_decref(errs);
	return status;
}

int h_dependencies_delete(struct ctx *c, struct response *r)
{
	int64_t rule_id, dep_id;
	enum herr e;

	if (links__rule(c, r, &rule_id) != 0 || ctx_path_id(c, r, "dep_id", &dep_id) != 0)
		return r->status;
	e = store_dependencies_delete(c->app->db, rule_id, dep_id);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "dependency %" PRId64 " not found in rule %" PRId64,
				       dep_id, rule_id);
	if (e != HERR_OK)
		return response_error(r, e, "dependency");
	ctx_changed(c, rule_id, NULL, NULL);
	return ctx_reply(r, 204, NULL);
}
