/*
 * Home Assistant's registry as Hearth keeps it (store/ha_registry.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rows.h"
#include "store/ha_registry.h"
#include "store/store.h"

static const char sql_lock[] =
	"SELECT id, kind, item_id, domain, name, ha_id, state, data, missing_since IS NOT NULL"
	" FROM ha_registry ORDER BY kind, item_id FOR UPDATE";
static const char sql_create[] =
	"INSERT INTO ha_registry (kind, item_id, domain, name, ha_id, state, data)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_update[] =
	"UPDATE ha_registry SET domain = ?, name = ?, ha_id = ?, state = ?, data = ?,"
	" missing_since = NULL, synced_at = NOW(3) WHERE kind = ? AND item_id = ?";
static const char sql_missing[] =
	"UPDATE ha_registry SET missing_since = NOW(3) WHERE kind = ? AND item_id = ?"
	" AND missing_since IS NULL";
/* A helper Hearth created: kept as the sync keeps one, found again when
 * it was kept before. */
static const char sql_helper_put[] =
	"INSERT INTO ha_registry (kind, item_id, domain, name, ha_id, state, data)"
	" VALUES ('helper', ?, ?, ?, ?, NULL, ?) ON DUPLICATE KEY UPDATE domain = VALUES(domain),"
	" name = VALUES(name), ha_id = VALUES(ha_id), data = VALUES(data), missing_since = NULL,"
	" synced_at = NOW(3)";
static const char sql_helper_remove[] =
	"DELETE FROM ha_registry WHERE kind = 'helper' AND domain = ? AND ha_id = ?";

#define REG_COLUMNS \
	"id, kind, item_id, domain, name, ha_id, state, data, missing_since IS NOT NULL," \
	" DATE_FORMAT(synced_at, '%Y-%m-%dT%H:%i:%sZ')"
static const char sql_list[] =
	"SELECT " REG_COLUMNS " FROM ha_registry WHERE kind = ? AND id > ?"
	" AND (? IS NULL OR domain = ?)"
	" AND (? < 0 OR (missing_since IS NOT NULL) = (? = 1))"
	" ORDER BY id LIMIT ? OFFSET ?";
static const char sql_get[] =
	"SELECT " REG_COLUMNS " FROM ha_registry WHERE kind = ? AND item_id = ?";
static const char sql_get_ha_id[] =
	"SELECT " REG_COLUMNS " FROM ha_registry WHERE kind = ? AND ha_id = ? ORDER BY id LIMIT 1";
static const char sql_counts[] =
	"SELECT kind, COUNT(*), SUM(missing_since IS NOT NULL) FROM ha_registry GROUP BY kind";
static const char sql_helper_domains[] =
	"SELECT domain, COUNT(*) FROM ha_registry WHERE kind = 'helper' AND missing_since IS NULL"
	" GROUP BY domain ORDER BY domain";
static const char sql_service_known[] =
	"SELECT COUNT(*) FROM ha_registry WHERE kind = 'service' AND item_id = ?"
	" AND missing_since IS NULL";

/* ---------------------------------------------------------------- sync */

void store_ha_registry_free(struct ha_reg_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].kind);
		free(rows[i].item_id);
		free(rows[i].domain);
		free(rows[i].name);
		free(rows[i].ha_id);
		free(rows[i].state);
		free(rows[i].data);
	}
	free(rows);
}

static char *reg__dup(struct db_stmt *st, unsigned col, bool *failed)
{
	const char *v = db_col_text(st, col, NULL);
	char *d = v ? strdup(v) : NULL;

	if (v && !d)
		*failed = true;
	return d;
}

enum herr store_ha_registry_load(struct db *db, struct ha_reg_row **rows, size_t *n)
{
	struct db_stmt *st = NULL;
	size_t room = 0;
	enum herr rc;
	int r;

	*rows = NULL;
	*n = 0;
	if ((rc = db_query(db, &st, sql_lock, "")) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		struct ha_reg_row *x;
		bool failed = false;

		if (store_grow(rows, &room, *n, sizeof(**rows), 128) != 0) {
			rc = HERR_NOMEM;
			break;
		}
		x = &(*rows)[(*n)++];
		*x = (struct ha_reg_row){db_col_int64(st, 0), reg__dup(st, 1, &failed),
					 reg__dup(st, 2, &failed), reg__dup(st, 3, &failed),
					 reg__dup(st, 4, &failed), reg__dup(st, 5, &failed),
					 reg__dup(st, 6, &failed), reg__dup(st, 7, &failed),
					 db_col_int64(st, 8) != 0};
		if (failed) {
			rc = HERR_NOMEM;
			break;
		}
	}
	if (r < 0 && rc == HERR_OK)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

static const char *reg__s(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

enum herr store_ha_registry_apply(struct db *db, const struct ha_reg_step *steps, size_t n)
{
	enum herr rc = HERR_OK;

	for (size_t i = 0; i < n && rc == HERR_OK; i++) {
		const struct ha_reg_step *s = &steps[i];
		const json_t *it = s->item;

		switch (s->kind) {
		case HA_STEP_CREATE:
			rc = db_exec(db, sql_create, "sssssss", reg__s(it, "kind"),
				     reg__s(it, "item_id"), reg__s(it, "domain"), reg__s(it, "name"),
				     reg__s(it, "ha_id"), reg__s(it, "state"), s->data);
			break;
		case HA_STEP_UPDATE:
			rc = db_exec(db, sql_update, "sssssss", reg__s(it, "domain"),
				     reg__s(it, "name"), reg__s(it, "ha_id"), reg__s(it, "state"),
				     s->data, reg__s(it, "kind"), reg__s(it, "item_id"));
			break;
		case HA_STEP_MISSING:
			rc = db_exec(db, sql_missing, "ss", s->row->kind, s->row->item_id);
			break;
		case HA_STEP_UNCHANGED:
		case HA_STEP_CONFLICT:
			break;
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- reads */

static json_t *reg__row(struct db_stmt *st)
{
	size_t len = 0;
	const char *kind = db_col_text(st, 1, NULL), *data = db_col_text(st, 7, &len);
	json_t *d = data ? json_loadb(data, len, 0, NULL) : NULL;
	bool entity = kind && strcmp(kind, "service") != 0;

	return json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:o, s:b, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "kind", kind ? kind : "",
			 "item_id", db_col_text(st, 2, NULL),
			 "entity_id", entity ? db_col_text(st, 2, NULL) : NULL,
			 "domain", db_col_text(st, 3, NULL),
			 "name", db_col_text(st, 4, NULL),
			 "ha_id", db_col_text(st, 5, NULL),
			 "state", db_col_text(st, 6, NULL),
			 "data", d ? d : json_null(),
			 "missing", db_col_int64(st, 8) != 0,
			 "synced_at", db_col_text(st, 9, NULL));
}

enum herr store_ha_registry_list(struct db *db, const struct ha_reg_filter *f,
				 const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_list, "sIssiiII", f->kind,
		      pg->offset >= 0 ? (int64_t)0 : pg->after_id, f->domain, f->domain,
		      f->missing, f->missing, (int64_t)pg->limit + 1,
		      pg->offset >= 0 ? pg->offset : (int64_t)0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, reg__row, items, has_more);
}

enum herr store_ha_registry_get(struct db *db, const char *kind, const char *id, json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_query(db, &st, sql_get, "ss", kind, id)) != HERR_OK)
		return rc;
	rc = store_rows_take_one(st, reg__row, out);
	if (rc != HERR_NOT_FOUND)
		return rc;
	if ((rc = db_query(db, &st, sql_get_ha_id, "ss", kind, id)) != HERR_OK)
		return rc;
	return store_rows_take_one(st, reg__row, out);
}

enum herr store_ha_registry_counts(struct db *db, json_t **out)
{
	static const char *const plural[] = {"automations", "scripts", "scenes", "services",
					     "helpers"};
	struct db_stmt *st = NULL;
	json_t *o = json_object(), *domains = json_object();
	enum herr rc = HERR_NOMEM;
	int r;

	*out = NULL;
	if (!o || !domains)
		goto out;
	for (size_t i = 0; ha_registry_kinds[i]; i++)
		if (json_object_set_new(o, plural[i], json_pack("{s:i, s:i}", "total", 0,
								 "missing", 0)))
			goto out;
	if ((rc = db_query(db, &st, sql_counts, "")) != HERR_OK)
		goto out;
	while ((r = db_fetch(st)) == 1) {
		const char *kind = db_col_text(st, 0, NULL);

		for (size_t i = 0; kind && ha_registry_kinds[i]; i++)
			if (strcmp(kind, ha_registry_kinds[i]) == 0)
				json_object_set_new(o, plural[i], json_pack(
					"{s:I, s:I}", "total", (json_int_t)db_col_int64(st, 1),
					"missing", (json_int_t)db_col_int64(st, 2)));
	}
	db_done(st);
	if (r < 0) {
		rc = HERR_INTERNAL;
		goto out;
	}
	if ((rc = db_query(db, &st, sql_helper_domains, "")) != HERR_OK)
		goto out;
	while ((r = db_fetch(st)) == 1)
		json_object_set_new(domains, db_col_text(st, 0, NULL),
				    json_integer((json_int_t)db_col_int64(st, 1)));
	db_done(st);
	if (r < 0) {
		rc = HERR_INTERNAL;
		goto out;
	}
	if (json_object_set(o, "helpers_by_domain", domains)) {
		rc = HERR_NOMEM;
		goto out;
	}
	*out = o;
	o = NULL;
	rc = HERR_OK;
out:
	json_decref(o);
	json_decref(domains);
	return rc;
}

enum herr store_ha_registry_service_known(struct db *db, const char *domain, const char *service,
					  bool *known)
{
	char id[256];
	int64_t n = 0;
	enum herr rc;
	int k = snprintf(id, sizeof(id), "%s.%s", domain, service);

	*known = false;
	if (k < 0 || (size_t)k >= sizeof(id))
		return HERR_OK;
	if ((rc = db_row(db, sql_service_known, "s", "I", id, &n)) == HERR_OK)
		*known = n > 0;
	return rc;
}

/* ---------------------------------------------------------------- helpers */

enum herr store_ha_registry_helper_put(struct db *db, const char *domain, const json_t *item)
{
	const char *id = reg__s(item, "id"), *name = reg__s(item, "name");
	char eid[HA_ID_MAX + 1], *text = NULL;
	json_t *data;
	enum herr rc;
	int k;

	if (!id || (k = snprintf(eid, sizeof(eid), "%s.%s", domain, id)) < 0 ||
	    (size_t)k >= sizeof(eid))
		return HERR_INVALID;
	data = json_pack("{s:s, s:n, s:{}, s:n, s:O}", "entity_id", eid, "state", "attributes",
			 "last_changed", "config", item);
	if (!data || !(text = ha_registry_data_text(data))) {
		json_decref(data);
		return HERR_NOMEM;
	}
	rc = db_exec(db, sql_helper_put, "sssss", eid, domain, name ? name : id, id, text);
	free(text);
	json_decref(data);
	return rc;
}

enum herr store_ha_registry_helper_remove(struct db *db, const char *domain, const char *ha_id)
{
	return db_exec(db, sql_helper_remove, "ss", domain, ha_id);
}
