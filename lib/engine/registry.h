#ifndef HEARTH_ENGINE_REGISTRY_H
#define HEARTH_ENGINE_REGISTRY_H

/*
 * The rules engine's registries: pipeline step types, context filter types
 * and notification channel types, each a static table (one row per type:
 * name, display name, description, the schema of its config, defaults and
 * a validator).  GET /pipeline/step-types, /filter-types and
 * /channel-types are these tables serialised; saving a step or a context
 * validates its config here.  Adding a type is one row (and, once the
 * executor exists, one run function).
 *
 * Validators append problems in the 422 format of validate.h under the
 * given loc prefix (e.g. {"body", "config_json", NULL}) and return how many
 * they added.  Semantic checks happen here too: condition expressions are
 * parsed (engine/condition.h), message templates checked
 * (engine/template.h), channel names looked up in the channel registry.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct step_type;
struct step_run;
struct filter_type;
struct channel_type;

/* ---- steps (14) */
const struct step_type *step_type_find(const char *name);
size_t step_types_count(void);
const struct step_type *step_type_at(size_t i);
const char *step_type_name(const struct step_type *t);
/* false for step types whose services are not part of Hearth yet (AI
 * services, Home Assistant): saving one is a 422 saying so. */
bool step_type_available(const struct step_type *t);
/* The type's run function (engine/step.h); NULL when not available. */
typedef int (*step_run_fn)(struct step_run *s);
step_run_fn step_type_run(const struct step_type *t);
/* The defaults of the type's config keys, {key: value}; borrowed, lives as
 * long as the process.  NULL when memory ran out. */
const json_t *step_type_defaults(const struct step_type *t);
/* Whether a run of this step makes the run count as completed for
 * cool-off, daily cap and dependencies, unless its config sets
 * trigger_cooloff. */
bool step_type_counts_by_default(const struct step_type *t);
/* config borrowed (NULL = {}); prefix borrowed, NULL-terminated. */
size_t step_type_validate_config(const struct step_type *t, const json_t *config,
				 const char *const *prefix, json_t *errs);
/* A new reference: {name, display_name, description, available,
 * counts_by_default, config_schema (JSON Schema), defaults, writes[]}. */
json_t *step_type_to_json(const struct step_type *t);

/* ---- context filters (7) */
const struct filter_type *filter_type_find(const char *name);
size_t filter_types_count(void);
const struct filter_type *filter_type_at(size_t i);
const char *filter_type_name(const struct filter_type *t);
size_t filter_type_validate_config(const struct filter_type *t, const json_t *config,
				   const char *const *prefix, json_t *errs);
/* {name, display_name, description, config_schema, defaults} */
json_t *filter_type_to_json(const struct filter_type *t);

/* ---- notification channels (7) */
const struct channel_type *channel_type_find(const char *name);
size_t channel_types_count(void);
const struct channel_type *channel_type_at(size_t i);
const char *channel_type_name(const struct channel_type *t);
/* false for channels whose service is not part of Hearth yet: naming one
 * in a step is a 422; one that comes from a level's defaults is reported
 * undelivered (notification_channels false). */
bool channel_type_available(const struct channel_type *t);
/* {name, display_name, description, available, config_schema,
 *  default_for_levels[]} */
json_t *channel_type_to_json(const struct channel_type *t);
/* The default channels of an alert level (emergency, warning, info,
 * reminder): NULL-terminated, static; NULL for an unknown level. */
const char *const *channel_defaults_for_level(const char *level);

#endif
