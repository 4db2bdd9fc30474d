#ifndef HEARTH_STORE_HA_REGISTRY_H
#define HEARTH_STORE_HA_REGISTRY_H

/*
 * Home Assistant's automations, scripts, scenes, services and helpers as
 * the registry sync keeps them (ha_registry, sql/012 and 016; what they
 * are: ha/registry.h).  Every function runs in the transaction, or the
 * autocommit, it is given (db.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "ha/registry.h"

struct db;
struct page;

/* Every row, locked (FOR UPDATE), for a sync to plan against: *rows
 * (free with store_ha_registry_free, also on failure). */
enum herr store_ha_registry_load(struct db *db, struct ha_reg_row **rows, size_t *n);
void store_ha_registry_free(struct ha_reg_row *rows, size_t n);

/* Carry out a plan of ha_plan_registry: create, update (missing cleared)
 * and mark missing; unchanged steps write nothing. */
enum herr store_ha_registry_apply(struct db *db, const struct ha_reg_step *steps, size_t n);

/*
 * A row as JSON: {id (Hearth's, for paging), kind, item_id, entity_id
 * (automations, scripts, scenes, helpers), domain, name, ha_id, state,
 * data, missing, synced_at}.
 */
struct ha_reg_filter {
	const char *kind;      /* one of ha_registry_kinds */
	const char *domain;    /* NULL: any */
	int missing;           /* -1: any, 0: present in HA, 1: missing */
};
enum herr store_ha_registry_list(struct db *db, const struct ha_reg_filter *f,
				 const struct page *pg, json_t *items, bool *has_more);

/* One row of kind by its item_id or, failing that, its ha_id:
 * HERR_NOT_FOUND when neither. */
enum herr store_ha_registry_get(struct db *db, const char *kind, const char *id, json_t **out);

/* {automations, scripts, scenes, services, helpers: {total, missing}}
 * and helpers_by_domain {domain: count of present ones}. */
enum herr store_ha_registry_counts(struct db *db, json_t **out);

/* Whether HA had domain.service at the last registry sync (kept and not
 * missing). */
enum herr store_ha_registry_service_known(struct db *db, const char *domain, const char *service,
					  bool *known);

/*
 * A helper HA has just created: its storage item (borrowed; HA's answer
 * to <domain>/create, with its id) kept as the sync would keep it, under
 * <domain>.<id>, its state not known yet.
 */
enum herr store_ha_registry_helper_put(struct db *db, const char *domain, const json_t *item);

/* A helper HA has just deleted (by its storage id): its row goes. */
enum herr store_ha_registry_helper_remove(struct db *db, const char *domain, const char *ha_id);

#endif
