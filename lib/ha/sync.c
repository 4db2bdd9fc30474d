/*
 * Syncs from Home Assistant (ha/sync.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "ha/registry.h"
#include "ha/sync.h"
#include "log.h"
#include "store/ha.h"
#include "store/ha_registry.h"

struct sync__claim {
	const char *kind, *trigger;
	int64_t run_id;
};

static enum herr sync__claim_tx(struct db *db, void *arg)
{
	struct sync__claim *c = arg;

	return store_ha_sync_claim(db, c->kind, c->trigger, HA_SYNC_LEASE_S, &c->run_id);
}

struct sync__end {
	int64_t run_id;
	const struct ha_counts *counts;
	const char *error;
};

static enum herr sync__end_tx(struct db *db, void *arg)
{
	const struct sync__end *e = arg;

	return store_ha_sync_finish(db, e->run_id, e->counts, e->error);
}

/* Record the run's end; a failure to is logged (the lease lets another
 * run take over), and rc stands. */
static enum herr sync__end(struct db *db, int64_t run_id, const struct ha_counts *counts,
			   const char *error, enum herr rc)
{
	struct sync__end e = {run_id, counts, error};

	if (db_tx(db, sync__end_tx, &e) != HERR_OK)
		LOG(LOG_ERR, "home assistant: sync run %lld: could not record its end",
		    (long long)run_id);
	return rc;
}

static void sync__why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Hearth's own failure to save what HA said (the database): recorded in
 * the run, and why left empty, so the caller tells it from HA's. */
static enum herr sync__not_saved(struct db *db, int64_t run_id, const char *what, enum herr rc,
				 char *why)
{
	static const struct ha_counts none;
	char error[128];

	snprintf(error, sizeof(error), "the %s could not be saved (%s); nothing changed", what,
		 herr_str(rc));
	why[0] = '\0';
	return sync__end(db, run_id, &none, error, rc);
}

/*
 * One sync, whatever its kind: claim the run, read HA (read: HA's failure
 * or an answer not to act on comes back with why set), plan and save in
 * one transaction (tx, which sets counts, and untrusted when the plan
 * refused HA's answer), end the run.  Each kind's state begins with a
 * struct sync__job.
 */
struct sync__job {
	const char *kind;       /* "rooms", "sensors", "entities", "registry" */
	enum herr (*read)(struct sync__job *j, const struct ha_source *src, char *why,
			  size_t whylen);
	enum herr (*tx)(struct db *db, void *job);
	const char *refused;    /* why, when the plan refused HA's answer */
	struct ha_counts counts;
	bool untrusted;
};

static enum herr sync__run(struct db *db, const struct ha_source *src, const char *trigger,
			   struct sync__job *j, int64_t *run_id, struct ha_counts *counts,
			   char *why, size_t whylen)
{
	struct sync__claim claim = {j->kind, trigger, 0};
	enum herr rc;

	*run_id = 0;
	memset(counts, 0, sizeof(*counts));
	sync__why(why, whylen, "%s", "");
	if ((rc = db_tx(db, sync__claim_tx, &claim)) != HERR_OK) {
		if (rc == HERR_CONFLICT)
			sync__why(why, whylen, "%s %s sync is running already",
				  strchr("aeiou", j->kind[0]) ? "an" : "a", j->kind);
		return rc;
	}
	*run_id = claim.run_id;
	if ((rc = j->read(j, src, why, whylen)) != HERR_OK)
		return sync__end(db, *run_id, counts, why, rc);
	rc = db_tx(db, j->tx, j);
	if (rc == HERR_OK) {
		*counts = j->counts;
		return sync__end(db, *run_id, counts, NULL, HERR_OK);
	}
	if (!j->untrusted)
		return sync__not_saved(db, *run_id, j->kind, rc, why);
	sync__why(why, whylen, "%s", j->refused);
	return sync__end(db, *run_id, counts, why, rc);
}

/* ---------------------------------------------------------------- rooms */

struct sync__rooms {
	struct sync__job job;
	json_t *json;              /* HA's area list */
	struct ha_area *areas;     /* its entries */
	size_t n;
};

static enum herr sync__rooms_tx(struct db *db, void *arg)
{
	struct sync__rooms *s = arg;
	struct ha_room *rooms = NULL;
	struct ha_step *steps = NULL;
	size_t nr = 0;
	enum herr rc;
	int n;

	memset(&s->job.counts, 0, sizeof(s->job.counts));
	s->job.untrusted = false;
	if ((rc = store_ha_rooms_load(db, &rooms, &nr)) != HERR_OK)
		goto out;
	if (!(steps = calloc(s->n + nr + 1, sizeof(*steps)))) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((n = ha_plan_rooms(s->areas, s->n, rooms, nr, steps, &s->job.counts)) < 0) {
		s->job.untrusted = true;
		rc = HERR_INVALID;
		goto out;
	}
	rc = store_ha_rooms_apply(db, steps, (size_t)n, s->json);
out:
	free(steps);
	store_ha_rooms_free(rooms, nr);
	return rc;
}

/* HA's area list as ha_area entries (borrowing its strings): 0, or -1
 * when an entry is not an object with a string area_id and name. */
static int sync__areas(const json_t *list, struct ha_area **out, size_t *n)
{
	size_t i;
	json_t *a;

	*out = NULL;
	*n = 0;
	if (!json_is_array(list))
		return -1;
	if (!(*out = calloc(json_array_size(list) + 1, sizeof(**out))))
		return -1;
	json_array_foreach(list, i, a) {
		const char *id = json_string_value(json_object_get(a, "area_id"));
		const char *name = json_string_value(json_object_get(a, "name"));

		if (!id || !name)
			return -1;
		(*out)[(*n)++] = (struct ha_area){id, name};
	}
	return 0;
}

static enum herr sync__rooms_read(struct sync__job *j, const struct ha_source *src, char *why,
				 size_t whylen)
{
	struct sync__rooms *s = (struct sync__rooms *)j;
	enum herr rc;

	if ((rc = src->areas(src->arg, &s->json, why, whylen)) != HERR_OK) {
		if (!why[0])
			sync__why(why, whylen, "Home Assistant's areas could not be read");
		return rc;
	}
	if (sync__areas(s->json, &s->areas, &s->n) != 0) {
		sync__why(why, whylen, "Home Assistant's area list is not a list of areas;"
				       " nothing changed");
		return HERR_INVALID;
	}
	return HERR_OK;
}

enum herr ha_sync_rooms(struct db *db, const struct ha_source *src, const char *trigger,
			int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen)
{
	struct sync__rooms s = {.job = {
		.kind = "rooms", .read = sync__rooms_read, .tx = sync__rooms_tx,
		.refused = "Home Assistant's area list has an area without an id or name, one too"
			   " long, or one id twice; nothing changed"}};
	enum herr rc = sync__run(db, src, trigger, &s.job, run_id, counts, why, whylen);

	free(s.areas);
	json_decref(s.json);
	return rc;
}

/* ---------------------------------------------------------------- sensors */

struct sync__sensors {
	struct sync__job job;
	json_t *entities, *devices, *states;   /* HA's lists */
};

/* list (of objects) as an object keyed by each one's key member; members
 * borrowed from list. */
static json_t *sync__index(const json_t *list, const char *key)
{
	json_t *idx = json_object(), *v;
	size_t i;

	json_array_foreach(list, i, v) {
		const char *k = json_string_value(json_object_get(v, key));

		if (k && idx && json_object_set(idx, k, v) != 0) {
			json_decref(idx);
			return NULL;
		}
	}
	return idx;
}

static const char *sync__str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && *v ? v : NULL;
}

/* The room synced from area_id, 0 when none (or missing). */
static int64_t sync__room(const struct ha_room *rooms, size_t nr, const char *area_id)
{
	for (size_t i = 0; area_id && i < nr; i++)
		if (rooms[i].ha_area_id && !rooms[i].missing &&
		    strcmp(rooms[i].ha_area_id, area_id) == 0)
			return rooms[i].id;
	return 0;
}

/* The entities Hearth keeps as sensors, into ents (room for every registry
 * entry): their count, or -1 when out of memory. */
static int sync__entities(const struct sync__sensors *s, const struct ha_room *rooms, size_t nr,
			  struct ha_entity *ents)
{
	json_t *states = sync__index(s->states, "entity_id");
	json_t *devices = sync__index(s->devices, "id");
	json_t *e;
	size_t i;
	int n = 0;

	if (!states || !devices) {
		json_decref(states);
		json_decref(devices);
		return -1;
	}
	json_array_foreach(s->entities, i, e) {
		const char *id = sync__str(e, "entity_id"), *area, *dclass, *name, *type;
		const json_t *st = id ? json_object_get(states, id) : NULL;
		const json_t *attrs = json_object_get(st, "attributes");
		const json_t *dev = json_object_get(devices, sync__str(e, "device_id") ?: "");
		int64_t room;

		if (!id || json_is_string(json_object_get(e, "disabled_by")))
			continue;
		area = sync__str(e, "area_id") ?: sync__str(dev, "area_id");
		dclass = sync__str(attrs, "device_class") ?: sync__str(e, "device_class");
		dclass = dclass ?: sync__str(e, "original_device_class");
		if (!(type = ha_sensor_type(id, dclass)) || !(room = sync__room(rooms, nr, area)))
			continue;
		name = sync__str(e, "name") ?: sync__str(attrs, "friendly_name");
		name = name ?: sync__str(e, "original_name");
		if (!name || strlen(name) > HA_NAME_MAX)
			name = id;
		ents[n++] = (struct ha_entity){id, name, type, room};
	}
	json_decref(states);
	json_decref(devices);
	return n;
}

static enum herr sync__sensors_tx(struct db *db, void *arg)
{
	struct sync__sensors *s = arg;
	struct ha_room *rooms = NULL;
	struct ha_sensor *have = NULL;
	struct ha_entity *ents = NULL;
	struct ha_sensor_step *steps = NULL;
	size_t nr = 0, nh = 0, ne_max = json_array_size(s->entities);
	enum herr rc;
	int ne, n;

	memset(&s->job.counts, 0, sizeof(s->job.counts));
	s->job.untrusted = false;
	if ((rc = store_ha_rooms_load(db, &rooms, &nr)) != HERR_OK ||
	    (rc = store_ha_sensors_load(db, &have, &nh)) != HERR_OK)
		goto out;
	ents = calloc(ne_max + 1, sizeof(*ents));
	steps = calloc(ne_max + nh + 1, sizeof(*steps));
	if (!ents || !steps || (ne = sync__entities(s, rooms, nr, ents)) < 0) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((n = ha_plan_sensors(ents, (size_t)ne, have, nh, steps, &s->job.counts)) < 0) {
		s->job.untrusted = true;
		rc = HERR_INVALID;
		goto out;
	}
	rc = store_ha_sensors_apply(db, steps, (size_t)n);
out:
	free(steps);
	free(ents);
	store_ha_sensors_free(have, nh);
	store_ha_rooms_free(rooms, nr);
	return rc;
}

/* A list of objects each with a string key member, else not to be trusted. */
static bool sync__list_of(const json_t *list, const char *key)
{
	json_t *v;
	size_t i;

	if (!json_is_array(list))
		return false;
	json_array_foreach(list, i, v)
		if (!json_is_string(json_object_get(v, key)))
			return false;
	return true;
}

/* HA's entity and device registries and its states (the sensors and the
 * entities syncs read the same). */
static enum herr sync__entities_read(struct sync__job *j, const struct ha_source *src, char *why,
				     size_t whylen)
{
	struct sync__sensors *s = (struct sync__sensors *)j;
	enum herr rc;

	if ((rc = src->entities(src->arg, &s->entities, why, whylen)) != HERR_OK ||
	    (rc = src->devices(src->arg, &s->devices, why, whylen)) != HERR_OK ||
	    (rc = src->states(src->arg, &s->states, why, whylen)) != HERR_OK) {
		if (!why[0])
			sync__why(why, whylen, "Home Assistant's entities could not be read");
		return rc;
	}
	if (!sync__list_of(s->entities, "entity_id") || !sync__list_of(s->devices, "id") ||
	    !sync__list_of(s->states, "entity_id")) {
		sync__why(why, whylen, "Home Assistant's entity, device or state list is not one;"
				       " nothing changed");
		return HERR_INVALID;
	}
	return HERR_OK;
}

/* Run job (a sync__sensors) and free what it read. */
static enum herr sync__entities_run(struct db *db, const struct ha_source *src,
				    const char *trigger, struct sync__sensors *s, int64_t *run_id,
				    struct ha_counts *counts, char *why, size_t whylen)
{
	enum herr rc = sync__run(db, src, trigger, &s->job, run_id, counts, why, whylen);

	json_decref(s->entities);
	json_decref(s->devices);
	json_decref(s->states);
	return rc;
}

enum herr ha_sync_sensors(struct db *db, const struct ha_source *src, const char *trigger,
			  int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen)
{
	struct sync__sensors s = {.job = {
		.kind = "sensors", .read = sync__entities_read, .tx = sync__sensors_tx,
		.refused = "Home Assistant's entity list has an invalid or repeated entity_id;"
			   " nothing changed"}};

	return sync__entities_run(db, src, trigger, &s, run_id, counts, why, whylen);
}

/* ---------------------------------------------------------------- entities */

static void sync__count(struct ha_counts *c, int changed)
{
	if (changed == 1)
		c->created++;
	else if (changed == 2)
		c->updated++;
	else
		c->unchanged++;
}

static enum herr sync__entities_tx(struct db *db, void *arg)
{
	struct sync__sensors *s = arg;
	json_t *states = sync__index(s->states, "entity_id");
	json_t *devices = sync__index(s->devices, "id");
	json_t *dev_ids = json_array(), *ent_ids = json_array(), *v;
	unsigned gone_devices = 0, gone_entities = 0;
	enum herr rc = HERR_NOMEM;
	size_t i;
	int changed;

	memset(&s->job.counts, 0, sizeof(s->job.counts));
	if (!states || !devices || !dev_ids || !ent_ids)
		goto out;
	json_array_foreach(s->devices, i, v) {
		if ((rc = store_ha_device_put(db, v, &changed)) != HERR_OK)
			goto out;
		sync__count(&s->job.counts, changed);
		if (json_array_append(dev_ids, json_object_get(v, "id"))) {
			rc = HERR_NOMEM;
			goto out;
		}
	}
	json_array_foreach(s->entities, i, v) {
		const char *id = sync__str(v, "entity_id");
		const json_t *st = json_object_get(states, id);
		const json_t *attrs = json_object_get(st, "attributes");
		const json_t *dev = json_object_get(devices, sync__str(v, "device_id") ?: "");
		const char *area = sync__str(v, "area_id") ?: sync__str(dev, "area_id");
		const char *dclass = sync__str(attrs, "device_class") ?: sync__str(v, "device_class");

		if (!ha_entity_id_valid(id))
			continue;
		dclass = dclass ?: sync__str(v, "original_device_class");
		if ((rc = store_ha_entity_put(db, v, area, dclass, st, &changed)) != HERR_OK)
			goto out;
		sync__count(&s->job.counts, changed);
		if (json_array_append(ent_ids, json_object_get(v, "entity_id"))) {
			rc = HERR_NOMEM;
			goto out;
		}
	}
	if ((rc = store_ha_devices_gone(db, dev_ids, &gone_devices)) == HERR_OK &&
	    (rc = store_ha_entities_gone(db, ent_ids, &gone_entities)) == HERR_OK)
		s->job.counts.missing = gone_devices + gone_entities;
out:
	json_decref(states);
	json_decref(devices);
	json_decref(dev_ids);
	json_decref(ent_ids);
	return rc;
}

enum herr ha_sync_entities(struct db *db, const struct ha_source *src, const char *trigger,
			   int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen)
{
	struct sync__sensors s = {.job = {
		.kind = "entities", .read = sync__entities_read, .tx = sync__entities_tx,
		.refused = ""}};

	return sync__entities_run(db, src, trigger, &s, run_id, counts, why, whylen);
}

/* ---------------------------------------------------------------- registry */

struct sync__registry {
	struct sync__job job;
	json_t *states, *services, *helpers;   /* HA's answers; helpers {domain: list} */
	json_t *items;                          /* what they make (ha/registry.h) */
};

/* Whether why is HA's unknown_command to type: the integration is not
 * loaded, so it has no storage collection. */
static bool sync__unknown_command(const char *type, const char *why)
{
	char want[128];

	snprintf(want, sizeof(want), "refused %s: unknown_command", type);
	return strstr(why, want) != NULL;
}

static enum herr sync__registry_read(struct sync__job *j, const struct ha_source *src, char *why,
				     size_t whylen)
{
	struct sync__registry *s = (struct sync__registry *)j;
	enum herr rc;

	if (!(s->helpers = json_object()))
		return HERR_NOMEM;
	if ((rc = src->states(src->arg, &s->states, why, whylen)) != HERR_OK ||
	    (rc = src->command(src->arg, "get_services", NULL, &s->services, why, whylen)) != HERR_OK)
		goto fail;
	for (size_t i = 0; ha_helper_domains[i]; i++) {
		char type[64];
		json_t *list = NULL;

		snprintf(type, sizeof(type), "%s/list", ha_helper_domains[i]);
		rc = src->command(src->arg, type, NULL, &list, why, whylen);
		if (rc == HERR_INVALID && sync__unknown_command(type, why)) {
			why[0] = '\0';
			continue;
		}
		if (rc != HERR_OK)
			goto fail;
		if (json_object_set_new(s->helpers, ha_helper_domains[i], list)) {
			rc = HERR_NOMEM;
			goto fail;
		}
	}
	if (!(s->items = ha_registry_items(s->states, s->services, s->helpers, why, whylen))) {
		char reason[256];

		snprintf(reason, sizeof(reason), "%s", why);
		sync__why(why, whylen, "%s; nothing changed", reason);
		return HERR_INVALID;
	}
	return HERR_OK;
fail:
	if (!why[0])
		sync__why(why, whylen, "Home Assistant's registry could not be read");
	return rc;
}

static enum herr sync__registry_tx(struct db *db, void *arg)
{
	struct sync__registry *s = arg;
	struct ha_reg_row *rows = NULL;
	struct ha_reg_step *steps = NULL;
	size_t nr = 0;
	enum herr rc;
	int n = 0;

	memset(&s->job.counts, 0, sizeof(s->job.counts));
	s->job.untrusted = false;
	if ((rc = store_ha_registry_load(db, &rows, &nr)) != HERR_OK)
		goto out;
	if (!(steps = calloc(json_array_size(s->items) + nr + 1, sizeof(*steps)))) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((n = ha_plan_registry(s->items, rows, nr, steps, &s->job.counts)) < 0) {
		s->job.untrusted = true;
		rc = HERR_INVALID;
		n = 0;
		goto out;
	}
	rc = store_ha_registry_apply(db, steps, (size_t)n);
out:
	ha_reg_steps_free(steps, (size_t)n);
	free(steps);
	store_ha_registry_free(rows, nr);
	return rc;
}

enum herr ha_sync_registry(struct db *db, const struct ha_source *src, const char *trigger,
			   int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen)
{
	struct sync__registry s = {.job = {
		.kind = "registry", .read = sync__registry_read, .tx = sync__registry_tx,
		.refused = "Home Assistant's states name one entity twice; nothing changed"}};
	enum herr rc = sync__run(db, src, trigger, &s.job, run_id, counts, why, whylen);

	json_decref(s.states);
	json_decref(s.services);
	json_decref(s.helpers);
	json_decref(s.items);
	return rc;
}
