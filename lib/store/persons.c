/*
 * Persons and where they were seen.  Every report is a sighting row; a
 * person's location is simply their latest one, so there is no "current
 * location" column to keep in step, and history and location can never
 * disagree.  home/away is computed on read against the database clock.
 */
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define STR_(x) #x
#define STR(x) STR_(x)

#define PERSON_COLUMNS \
	"id, name, relationship, notes," \
	" DATE_FORMAT(created_at, " TIME_FMT ")," \
	" DATE_FORMAT(updated_at, " TIME_FMT ")"

/* Sighting columns of alias l; the last is 1 when the sighting still counts
 * as home. */
#define SIGHTING_COLUMNS \
	"l.id, l.person_id, l.room_id, l.room_name, l.source, l.confidence," \
	" DATE_FORMAT(l.seen_at, " TIME_FMT ")," \
	" l.seen_at >= UTC_TIMESTAMP(3) - INTERVAL " STR(PERSON_HOME_MINUTES) " MINUTE"

/* The id of the latest sighting of person p.id. */
#define LATEST_SIGHTING \
	"(SELECT x.id FROM person_locations x WHERE x.person_id = p.id" \
	" ORDER BY x.seen_at DESC, x.id DESC LIMIT 1)"

static const char sql_list[] =
	"SELECT " PERSON_COLUMNS " FROM persons WHERE id > ? ORDER BY id LIMIT ? OFFSET ?";
static const char sql_get[] =
	"SELECT " PERSON_COLUMNS " FROM persons WHERE id = ?";
static const char sql_get_lock[] =
	"SELECT " PERSON_COLUMNS " FROM persons WHERE id = ? FOR UPDATE";
static const char sql_insert[] =
	"INSERT INTO persons (name, relationship, notes) VALUES (?, ?, ?)";
static const char sql_update[] =
	"UPDATE persons SET name = ?, relationship = ?, notes = ? WHERE id = ?";
static const char sql_delete[] =
	"DELETE FROM persons WHERE id = ?";

/* With no room_id, the room is found by name: a report naming an existing
 * room is linked to it, any other name is kept as seen. */
static const char sql_sighting_insert[] =
	"INSERT INTO person_locations (person_id, room_id, room_name, source, confidence, seen_at)"
	" VALUES (?, COALESCE(?, (SELECT r.id FROM rooms r WHERE r.name = ?)), ?, ?, ?,"
	" COALESCE(?, UTC_TIMESTAMP(3)))";
static const char sql_sighting_get[] =
	"SELECT " SIGHTING_COLUMNS " FROM person_locations l WHERE l.id = ?";
static const char sql_location[] =
	"SELECT " SIGHTING_COLUMNS " FROM person_locations l WHERE l.person_id = ?"
	" ORDER BY l.seen_at DESC, l.id DESC LIMIT 1";
static const char sql_locations[] =
	"SELECT p.id, p.name, " SIGHTING_COLUMNS
	" FROM persons p LEFT JOIN person_locations l ON l.id = " LATEST_SIGHTING
	" WHERE p.id > ? ORDER BY p.id LIMIT ? OFFSET ?";
static const char sql_history[] =
	"SELECT " SIGHTING_COLUMNS " FROM person_locations l WHERE l.person_id = ?"
	" AND l.seen_at >= UTC_TIMESTAMP(3) - INTERVAL ? HOUR"
	" ORDER BY l.seen_at DESC, l.id DESC LIMIT ?";
static const char sql_sightings[] =
	"SELECT " SIGHTING_COLUMNS " FROM person_locations l WHERE l.person_id = ?"
	" ORDER BY l.seen_at DESC, l.id DESC LIMIT ?";

/* The current row as person JSON; NULL when out of memory. */
static json_t *persons__row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s?, s:s?, s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "relationship", db_col_text(st, 2, NULL),
			 "notes", db_col_text(st, 3, NULL),
			 "created_at", db_col_text(st, 4, NULL),
			 "updated_at", db_col_text(st, 5, NULL));
}

/* Sighting JSON from the SIGHTING_COLUMNS starting at column c. */
static json_t *persons__sighting_at(struct db_stmt *st, unsigned c)
{
	json_t *room = db_col_is_null(st, c + 2) ? json_null()
						  : json_integer(db_col_int64(st, c + 2));
	const char *conf = db_col_text(st, c + 5, NULL);
	json_t *confidence = conf ? json_real(strtod(conf, NULL)) : json_null();

	return json_pack("{s:I, s:I, s:o, s:s, s:s, s:o, s:s}",
			 "id", (json_int_t)db_col_int64(st, c),
			 "person_id", (json_int_t)db_col_int64(st, c + 1),
			 "room_id", room,
			 "room_name", db_col_text(st, c + 3, NULL),
			 "source", db_col_text(st, c + 4, NULL),
			 "confidence", confidence,
			 "seen_at", db_col_text(st, c + 6, NULL));
}

static json_t *persons__sighting_row(struct db_stmt *st)
{
	return persons__sighting_at(st, 0);
}

static const char *persons__status(struct db_stmt *st, unsigned home_col)
{
	return db_col_int64(st, home_col) ? "home" : "away";
}

/* A sighting with the person's status: the location reply. */
static json_t *persons__location_row(struct db_stmt *st)
{
	json_t *obj = persons__sighting_at(st, 0);

	if (obj && json_object_set_new(obj, "status", json_string(persons__status(st, 7)))) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* {id, name, status, location} of a persons x latest-sighting row. */
static json_t *persons__locations_row(struct db_stmt *st)
{
	bool seen = !db_col_is_null(st, 2);

	return json_pack("{s:I, s:s, s:s, s:o}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "status", seen ? persons__status(st, 9) : "unknown",
			 "location", seen ? persons__sighting_at(st, 2) : json_null());
}

enum herr store_persons_list(struct db *db, const struct page *pg, json_t *items,
			     bool *has_more)
{
	struct db_stmt *st;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_list, "III", pg->offset >= 0 ? 0 : pg->after_id,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : 0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, persons__row, items, has_more);
}

enum herr store_persons_get(struct db *db, int64_t id, bool lock, json_t **out)
{
	return store_rows_get(db, lock ? sql_get_lock : sql_get, id, persons__row, out);
}

enum herr store_persons_create(struct db *db, const struct person_fields *p, json_t **out)
{
	enum herr rc = db_exec(db, sql_insert, "sss", p->name, p->relationship, p->notes);

	*out = NULL;
	return rc == HERR_OK ? store_persons_get(db, (int64_t)db_last_id(db), false, out) : rc;
}

enum herr store_persons_update(struct db *db, int64_t id, const struct person_fields *p,
			       json_t **out)
{
	enum herr rc = db_exec(db, sql_update, "sssI", p->name, p->relationship, p->notes, id);

	*out = NULL;
	return rc == HERR_OK ? store_persons_get(db, id, false, out) : rc;
}

enum herr store_persons_delete(struct db *db, int64_t id)
{
	return store_rows_delete(db, sql_delete, id);
}

enum herr store_persons_add_sighting(struct db *db, int64_t person_id,
				     const struct sighting_fields *s, json_t **out)
{
	struct db_stmt *st = NULL;
	char confidence[32];
	int64_t id = 0;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql_sighting_insert, &st)) != HERR_OK)
		goto out;
	db_bind_int64(st, 0, person_id);
	if (s->room_id > 0)
		db_bind_int64(st, 1, s->room_id);
	else
		db_bind_null(st, 1);
	db_bind_text(st, 2, s->room_name);
	db_bind_text(st, 3, s->room_name);
	db_bind_text(st, 4, s->source);
	/* No double binding in lib/db: "%.17g" round-trips exactly. */
	if (s->has_confidence) {
		snprintf(confidence, sizeof(confidence), "%.17g", s->confidence);
		db_bind_text(st, 5, confidence);
	} else {
		db_bind_null(st, 5);
	}
	db_bind_text(st, 6, s->seen_at);
	if ((rc = db_execute(st)) == HERR_OK)
		id = (int64_t)db_insert_id(st);
out:
	db_done(st);
	return rc == HERR_OK ? store_rows_get(db, sql_sighting_get, id, persons__sighting_row, out)
			     : rc;
}

enum herr store_persons_location(struct db *db, int64_t person_id, json_t **out)
{
	return store_rows_get(db, sql_location, person_id, persons__location_row, out);
}

enum herr store_persons_locations(struct db *db, const struct page *pg, json_t *items,
				  bool *has_more)
{
	struct db_stmt *st;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_locations, "III", pg->offset >= 0 ? 0 : pg->after_id,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : 0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, persons__locations_row, items, has_more);
}

enum herr store_persons_history(struct db *db, int64_t person_id, int64_t hours,
				unsigned limit, json_t *items, bool *has_more)
{
	struct db_stmt *st;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_history, "III", person_id, hours, (int64_t)limit + 1);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, limit, persons__sighting_row, items, has_more);
}

enum herr store_persons_sightings(struct db *db, int64_t person_id, unsigned limit,
				  json_t *items, bool *has_more)
{
	struct db_stmt *st;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_sightings, "II", person_id, (int64_t)limit + 1);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, limit, persons__sighting_row, items, has_more);
}
