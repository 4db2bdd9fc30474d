#ifndef HEARTH_HA_REGISTRY_H
#define HEARTH_HA_REGISTRY_H

/*
 * Home Assistant's registry as Hearth keeps it (ha_registry, sql/012 and
 * 016): automations, scripts, scenes, services and helpers.  Pure logic,
 * unit tested: what HA's answers become (ha_registry_items), the steps
 * that bring the kept rows in line (ha_plan_registry), and the check of a
 * helper Hearth is asked to create in HA (ha_helper_check).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ha/map.h"

/* The helper domains Hearth keeps (NULL-terminated): input_boolean,
 * input_number, input_text, input_select, input_datetime, input_button,
 * counter, timer.  Each is also one of HA's storage collections, with its
 * <domain>/list, /create, /update and /delete WebSocket commands. */
extern const char *const ha_helper_domains[];
bool ha_helper_domain(const char *domain);

/* The kinds (NULL-terminated), as ha_registry.kind spells them. */
extern const char *const ha_registry_kinds[];

/*
 * What HA's answers make of its registry: a new array of items
 * {kind, item_id, domain, name, ha_id, state, data} (ha_id and state may
 * be JSON null), or NULL with why set when an answer cannot be trusted
 * (then nothing is to change).
 *
 *   states    get_states: automation.*, script.*, scene.* and the helper
 *             domains' entities become items keyed by entity_id, data
 *             {entity_id, state, attributes, last_changed} (helpers also
 *             config: their storage item, or null);
 *   services  get_services: {domain: {service: description}}, each an
 *             item "domain.service" with the description as data;
 *   helpers   {domain: [storage item, ...]} from each <domain>/list HA
 *             answered (a domain left out has no storage collection);
 *             an item matches the entity <domain>.<its id>, and one
 *             without a state is kept too.
 *
 * Entities whose id is not a valid entity id are left out, as the
 * entities sync does; a name too long becomes the item's id.  All three
 * are borrowed.
 */
json_t *ha_registry_items(const json_t *states, const json_t *services, const json_t *helpers,
			  char *why, size_t whylen);

/* A row kept before, as the plan compares it (strings owned by whoever
 * loaded it; data is the stored JSON text). */
struct ha_reg_row {
	int64_t id;
	char *kind, *item_id, *domain, *name, *ha_id, *state, *data;
	bool missing;
};

struct ha_reg_step {
	enum ha_step_kind kind;        /* CREATE, UPDATE, UNCHANGED, MISSING */
	const json_t *item;            /* NULL for MISSING */
	const struct ha_reg_row *row;  /* NULL for CREATE */
	char *data;                    /* the item's data as stored (owned; NULL for MISSING) */
};

/*
 * The steps that bring rows in line with items (from ha_registry_items):
 * an item without a row is created, one whose row differs in any column
 * (or is missing) is updated, a row without an item is marked missing
 * (counted as missing, but not stepped again, when marked already).
 * steps has room for n items + nr rows; free each step's data with
 * ha_reg_steps_free.  Returns the number of steps, or -1 when an item
 * repeats another's kind and item_id, or memory runs out.  data is
 * compared as canonical JSON text (sorted keys, compact), which is how
 * it is stored.
 */
int ha_plan_registry(const json_t *items, const struct ha_reg_row *rows, size_t nr,
		     struct ha_reg_step *steps, struct ha_counts *counts);
void ha_reg_steps_free(struct ha_reg_step *steps, size_t n);

/* An item's data as stored: canonical JSON text (new; NULL: no memory). */
char *ha_registry_data_text(const json_t *data);

/*
 * Check a helper to create: body {domain, name, and the options of the
 * domain} as HA's <domain>/create takes them (input_number: min, max,
 * step, initial, mode, unit_of_measurement; input_select: options,
 * initial; ...).  Problems are appended to errs (validate.h format, loc
 * ["body", field]): unknown fields, wrong types, an empty name, and what
 * HA itself would refuse (input_number min not below max, input_select
 * options repeated, input_datetime with neither date nor time, ...).
 * Returns the number of problems.  body borrowed.
 */
size_t ha_helper_check(const json_t *body, json_t *errs);

#endif
