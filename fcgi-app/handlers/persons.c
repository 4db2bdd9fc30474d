/*
 * /api/v1/persons: the members of the household and where they were seen.
 *
 * A location report (POST /persons/{id}/location, from a person or a
 * device; later also the engine's person identification) is a sighting;
 * the latest sighting is the person's location, and one older than
 * PERSON_HOME_MINUTES means away.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "store/store.h"

#define PERSONS_SCOPE "persons"
#define LOCATIONS_SCOPE "persons-locations"
#define HISTORY_HOURS_DEFAULT 24
#define HISTORY_HOURS_MAX 720
/* A window of history is answered in one reply; a device reporting every
 * few seconds could fill 720 hours with more than anyone wants at once. */
#define HISTORY_ITEMS_MAX 1000
#define SIGHTINGS_DEFAULT 50
#define SIGHTINGS_MAX 1000

static const struct vfield person_fields[] = {
	{"name", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 256, NULL},
	{"relationship", V_STRING, V_NULLABLE, 0, 64, NULL},
	{"notes", V_STRING, V_NULLABLE, 0, 10000, NULL},
};
#define PERSON_FIELDS_COUNT (sizeof(person_fields) / sizeof(person_fields[0]))

/* A manual or device report; "engine" is for the engine's own sightings. */
static const char *const report_sources[] = {"manual", "device", NULL};

/* confidence and seen_at are checked by hand: a number in 0..1 and a time. */
static const struct vfield report_fields[] = {
	{"room_id", V_ID, 0, 0, 0, NULL},
	{"room_name", V_STRING, V_NONEMPTY, 1, 256, NULL},
	{"source", V_STRING, 0, 0, 0, report_sources},
	{"seen_at", V_STRING, 0, 1, 64, NULL},
};
#define REPORT_FIELDS_COUNT (sizeof(report_fields) / sizeof(report_fields[0]))

static void persons__fields(const json_t *obj, struct person_fields *p)
{
	p->name = json_string_value(json_object_get(obj, "name"));
	p->relationship = json_string_value(json_object_get(obj, "relationship"));
	p->notes = json_string_value(json_object_get(obj, "notes"));
}

static int persons__changed(struct ctx *c, struct response *r, int status, json_t *obj)
{
	ctx_changed(c, json_integer_value(json_object_get(obj, "id")), NULL, NULL);
	return ctx_reply(r, status, obj);
}

static enum herr persons__list(struct ctx *c, const void *filter, const struct page *pg,
			       json_t *items, bool *has_more)
{
	return store_persons_list(c->app->db, pg, items, has_more);
}

static enum herr persons__locations(struct ctx *c, const void *filter, const struct page *pg,
				    json_t *items, bool *has_more)
{
	return store_persons_locations(c->app->db, pg, items, has_more);
}

static enum herr persons__get(struct ctx *c, const struct resource_key *k, bool lock,
			      json_t **out)
{
	return store_persons_get(c->app->db, k->id, lock, out);
}

static enum herr persons__create(struct ctx *c, const struct resource_key *k,
				 const json_t *obj, json_t **out)
{
	struct person_fields p;

	persons__fields(obj, &p);
	return store_persons_create(c->app->db, &p, out);
}

static enum herr persons__update(struct ctx *c, const struct resource_key *k,
				 const json_t *obj, json_t **out)
{
	struct person_fields p;

	persons__fields(obj, &p);
	return store_persons_update(c->app->db, k->id, &p, out);
}

static enum herr persons__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	return store_persons_delete(c->app->db, k->id);
}

static int persons__conflict(struct response *r, const struct resource_key *k, const json_t *obj)
{
	return response_detail(r, 409, "a person named '%s' already exists",
			       json_string_value(json_object_get(obj, "name")));
}

static const struct resource persons = {
	.name = "person",
	.plural = "persons",
	.scope = PERSONS_SCOPE,
	.fields = person_fields,
	.nfields = PERSON_FIELDS_COUNT,
	.list = persons__list,
	.get = persons__get,
	.create = persons__create,
	.update = persons__update,
	.remove = persons__remove,
	.conflict = persons__conflict,
};

/* The same persons with where they were last seen: a list of its own. */
static const struct resource person_locations = {
	.name = "person",
	.plural = "persons",
	.scope = LOCATIONS_SCOPE,
	.list = persons__locations,
};

/* The path's person, which must exist: 0, or -1 with the reply set. */
static int persons__path_person(struct ctx *c, struct response *r, int64_t *id)
{
	json_t *person = NULL;
	enum herr e;

	if (ctx_path_id(c, r, "id", id) != 0)
		return -1;
	e = store_persons_get(c->app->db, *id, false, &person);
	json_decref(person);
	if (e != HERR_OK) {
		resource_error(r, &persons, e, &(const struct resource_key){0, *id}, NULL);
		return -1;
	}
	return 0;
}

int h_persons_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &persons);
}

int h_persons_locations(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &person_locations);
}

int h_persons_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &persons);
}

int h_persons_create(struct ctx *c, struct response *r)
{
	return h_resource_create(c, r, &persons);
}

int h_persons_update(struct ctx *c, struct response *r)
{
	return h_resource_update(c, r, &persons);
}

int h_persons_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &persons);
}

int h_persons_location_get(struct ctx *c, struct response *r)
{
	json_t *loc = NULL;
	int64_t id;
	enum herr e;

	if (persons__path_person(c, r, &id) != 0)
		return r->status;
	e = store_persons_location(c->app->db, id, &loc);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "person %" PRId64 " has no location yet", id);
	if (e != HERR_OK)
		return response_error(r, e, "location");
	return ctx_reply(r, 200, loc);
}

/* {"person_id", <name>: items, ...} for history and sightings. */
static int persons__sightings_reply(struct response *r, int64_t id, json_t *items,
				    const char *knob, int64_t knob_value, bool has_more)
{
	return ctx_reply(r, 200, json_pack("{s:I, s:I, s:o, s:b}", "person_id", (json_int_t)id,
					   knob, (json_int_t)knob_value, "items", items,
					   "has_more", has_more));
}

/* history (by hours) and sightings (by count) share everything else. */
static int persons__timeline(struct ctx *c, struct response *r, bool by_hours)
{
	json_t *errs = NULL, *items = NULL;
	int64_t id, n = by_hours ? HISTORY_HOURS_DEFAULT : SIGHTINGS_DEFAULT;
	bool has_more = false;
	enum herr e;
	int status;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	status = resource_start(r);
	errs = json_array();
	items = json_array();
	if (!errs || !items)
		goto out;
	if (by_hours)
		ctx_query_int(c, "hours", 1, HISTORY_HOURS_MAX, &n, errs);
	else
		ctx_query_int(c, "limit", 1, SIGHTINGS_MAX, &n, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (persons__path_person(c, r, &id) != 0) {
		status = r->status;
		goto out;
	}
	if (by_hours)
		e = store_persons_history(c->app->db, id, n, HISTORY_ITEMS_MAX, items, &has_more);
	else
		e = store_persons_sightings(c->app->db, id, (unsigned)n, items, &has_more);
	if (e != HERR_OK) {
		status = response_error(r, e, "sightings");
		goto out;
	}
	status = persons__sightings_reply(r, id, items, by_hours ? "hours" : "limit", n,
					  has_more);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_persons_history(struct ctx *c, struct response *r)
{
	return persons__timeline(c, r, true);
}

int h_persons_sightings(struct ctx *c, struct response *r)
{
	return persons__timeline(c, r, false);
}

/* confidence: absent or null = none, else a number in 0..1.  -1 when it
 * is wrong (problem added). */
static int persons__confidence(const json_t *body, struct sighting_fields *s, json_t *errs)
{
	const json_t *v = json_object_get(body, "confidence");

	s->has_confidence = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v)) {
		verr_add(errs, at_body, "confidence", "float_type", "Input should be a valid number");
		return -1;
	}
	s->confidence = json_number_value(v);
	if (s->confidence < 0 || s->confidence > 1) {
		verr_add(errs, at_body, "confidence", s->confidence < 0 ? "greater_than_equal"
									 : "less_than_equal",
			 "Input should be between 0 and 1");
		return -1;
	}
	s->has_confidence = true;
	return 0;
}

/*
 * Check the room of a report: room_id must exist, and a room_name given
 * with it must be that room's name.  Sets s->room_name to the room's
 * current name when only room_id was given (borrowed from *room, which the
 * caller frees).  0, -1 with problems in errs, or an herr as a reply.
 */
static int persons__report_room(struct ctx *c, struct response *r, const json_t *body,
				 struct sighting_fields *s, json_t **room, json_t *errs)
{
	const char *name = json_string_value(json_object_get(body, "room_name"));
	const char *actual;
	enum herr e;

	s->room_id = json_integer_value(json_object_get(body, "room_id"));
	s->room_name = name;
	if (s->room_id <= 0) {
		s->room_id = 0;
		if (!name) {
			verr_add(errs, at_body, "room_id", "missing",
				 "Give room_id or room_name (or both)");
			return -1;
		}
		return 0;
	}
	e = store_rooms_get(c->app->db, s->room_id, false, room);
	if (e == HERR_NOT_FOUND) {
		verr_add(errs, at_body, "room_id", "value_error", "room %" PRId64 " does not exist",
			 s->room_id);
		return -1;
	}
	if (e != HERR_OK) {
		response_error(r, e, "room");
		return -2;
	}
	actual = json_string_value(json_object_get(*room, "name"));
	if (name && strcmp(name, actual) != 0) {
		verr_add(errs, at_body, "room_name", "value_error",
			 "room %" PRId64 " is named '%s', not '%s'", s->room_id, actual, name);
		return -1;
	}
	s->room_name = actual;
	return 0;
}

int h_persons_location_report(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *plain = NULL, *errs = NULL, *room = NULL, *sighting = NULL;
	struct sighting_fields s = {0};
	char seen_at[HANDLER_TIME_LEN];
	const char *source;
	int64_t id;
	enum herr e;
	int status, rc;

	if (persons__path_person(c, r, &id) != 0)
		return r->status;
	status = resource_start(r);
	body = ctx_body(c);
	errs = json_array();
	plain = body ? json_copy(body) : NULL;
	if (!plain || !errs)
		goto out;
	json_object_del(plain, "confidence");
	/* Both checks run, so every problem is reported at once. */
	rc = validate_object(plain, at_body, report_fields, REPORT_FIELDS_COUNT, false, errs) > 0;
	if (persons__confidence(body, &s, errs) != 0 || rc) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	rc = ctx_body_time(body, "seen_at", seen_at, errs);
	s.seen_at = rc > 0 ? seen_at : NULL;
	if (rc >= 0)
		rc = persons__report_room(c, r, body, &s, &room, errs);
	if (rc == -2) {
		status = r->status;
		goto out;
	}
	if (rc < 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	source = json_string_value(json_object_get(body, "source"));
	s.source = source ? source : "manual";

	e = store_persons_add_sighting(c->app->db, id, &s, &sighting);
	if (e == HERR_INVALID) {
		/* The person or the room went away since we looked. */
		status = response_detail(r, 404, "person %" PRId64 " or its room no longer exists",
					 id);
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "sighting");
		goto out;
	}
	status = persons__changed(c, r, 201, sighting);
out:
	json_decref(body);
	json_decref(plain);
	json_decref(errs);
	json_decref(room);
	return status;
}
