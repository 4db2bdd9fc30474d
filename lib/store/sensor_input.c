/*
 * Sensor input: the events sensors report, the state they leave each
 * sensor in, and room occupancy read from that state.
 *
 * An event and the state change it causes are written together under a
 * lock on the sensor's row, so concurrent events of one sensor are applied
 * one at a time in a single order, and a reader never sees an event without
 * its state or the reverse.  Which state an event implies is decided in
 * engine/sensor_event.c; here it is only compared and written.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

/* The lock, the current state, and whether the new event is older than
 * the newest one applied. */
static const char sql_lock[] =
	"SELECT enabled, state,"
	" last_event_at IS NOT NULL AND COALESCE(?, UTC_TIMESTAMP(3)) < last_event_at"
	" FROM sensors WHERE id = ? FOR UPDATE";
static const char sql_insert[] =
	"INSERT INTO sensor_events (sensor_id, event_type, value, attributes, occurred_at)"
	" VALUES (?, ?, ?, ?, COALESCE(?, UTC_TIMESTAMP(3)))";
/* updated_at = updated_at: a reading is not an edit of the sensor. */
static const char sql_apply[] =
	"UPDATE sensors s JOIN sensor_events e ON e.id = ?"
	" SET s.state = IF(?, ?, s.state),"
	" s.state_changed_at = IF(?, e.occurred_at, s.state_changed_at),"
	" s.last_event_at = e.occurred_at,"
	" s.updated_at = s.updated_at"
	" WHERE s.id = ?";
static const char sql_status[] =
	"SELECT id, state, DATE_FORMAT(state_changed_at, " TIME_FMT "),"
	" DATE_FORMAT(last_event_at, " TIME_FMT "), enabled"
	" FROM sensors WHERE id = ?";
/*
 * One row per room with its presence sensors (by id), whether any is on,
 * the earliest change among those that are, and the latest change of all.
 * Disabled sensors are left out: their last state is no longer news.
 */
#define PRESENCE_ON "COALESCE(JSON_UNQUOTE(s.state) IN ('on', 'trigger'), 0)"
static const char sql_occupancy[] =
	"SELECT r.id, r.name, JSON_ARRAYAGG(s.id ORDER BY s.id), MAX(" PRESENCE_ON "),"
	" DATE_FORMAT(MIN(IF(" PRESENCE_ON ", s.state_changed_at, NULL)), " TIME_FMT "),"
	" DATE_FORMAT(MAX(s.state_changed_at), " TIME_FMT ")"
	" FROM sensors s JOIN rooms r ON r.id = s.room_id"
	" WHERE s.sensor_type IN ('presence', 'pir') AND s.enabled"
	" GROUP BY r.id, r.name ORDER BY r.id";

/* A JSON column as a value; JSON null for SQL NULL; NULL (logged) when
 * the text does not parse. */
static json_t *sensor_input__json_col(struct db_stmt *st, unsigned idx)
{
	json_error_t jerr;
	size_t len;
	const char *text = db_col_text(st, idx, &len);
	json_t *v;

	if (!text)
		return json_null();
	v = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
	if (!v)
		LOG(LOG_ERR, "sensor %lld: stored JSON does not parse: %s",
		    (long long)db_col_int64(st, 0), jerr.text);
	return v;
}

static json_t *sensor_input__status_row(struct db_stmt *st)
{
	json_t *state = sensor_input__json_col(st, 1);

	if (!state)
		return NULL;
	return json_pack("{s:I, s:o, s:s?, s:s?, s:b}",
			 "sensor_id", (json_int_t)db_col_int64(st, 0),
			 "state", state,
			 "state_changed_at", db_col_text(st, 2, NULL),
			 "last_event_at", db_col_text(st, 3, NULL),
			 "enabled", db_col_int64(st, 4) != 0);
}

/* Whether the stored state (serialised, NULL = none) differs from next as
 * a value (not as text: MariaDB may store 1.0 where we wrote 1.00). */
static bool sensor_input__differs(const char *stored, size_t len, const json_t *next)
{
	json_t *a = stored ? json_loadb(stored, len, JSON_DECODE_ANY, NULL) : NULL;
	bool differs = !a || !json_equal(a, (json_t *)next);

	json_decref(a);
	return differs;
}

/* A JSON value as column text, malloc'd; NULL when out of memory. */
static char *sensor_input__text(const json_t *v)
{
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

enum herr store_sensor_events_record(struct db *db, int64_t sensor_id,
				     const struct sensor_event_fields *ev, int64_t *event_id,
				     bool *applied)
{
	struct db_stmt *st = NULL;
	char *value = NULL, *attributes = NULL, *state = NULL;
	bool older, changed;
	enum herr rc;

	*event_id = 0;
	*applied = false;
	/* The row lock below only holds until the end of a transaction. */
	if (!db_in_transaction(db)) {
		LOG(LOG_ERR, "sensor %lld: event recorded outside a transaction",
		    (long long)sensor_id);
		return HERR_INTERNAL;
	}
	if ((ev->value && !(value = sensor_input__text(ev->value))) ||
	    (ev->attributes && !(attributes = sensor_input__text(ev->attributes))) ||
	    (ev->state && !(state = sensor_input__text(ev->state)))) {
		rc = HERR_NOMEM;
		goto out;
	}

	if (ev->locked) {
		const char *current = ev->locked->state;

		if (!ev->locked->enabled) {
			rc = HERR_CONFLICT;
			goto out;
		}
		older = ev->locked->older;
		changed = ev->state && sensor_input__differs(current, current ? strlen(current) : 0,
							     ev->state);
	} else {
		size_t len;
		const char *current;

		if ((rc = db_query(db, &st, sql_lock, "sI", ev->occurred_at, sensor_id)) !=
		    HERR_OK)
			goto out;
		switch (db_fetch(st)) {
		case 1:
			break;
		case 0:
			rc = HERR_NOT_FOUND;
			goto out;
		default:
			rc = HERR_INTERNAL;
			goto out;
		}
		if (db_col_int64(st, 0) == 0) {
			rc = HERR_CONFLICT;
			goto out;
		}
		older = db_col_int64(st, 2) != 0;
		current = db_col_text(st, 1, &len);
		changed = ev->state && sensor_input__differs(current, len, ev->state);
		db_done(st);
		st = NULL;
	}

	if ((rc = db_exec(db, sql_insert, "Issss", sensor_id, ev->event_type, value,
			  attributes ? attributes : "{}", ev->occurred_at)) != HERR_OK)
		goto out;
	*event_id = (int64_t)db_last_id(db);

	/* An older event is history: kept, but the present is newer. */
	*applied = !older;
	if (older)
		goto out;
	rc = db_exec(db, sql_apply, "IbsbI", *event_id, changed, state, changed, sensor_id);
out:
	db_done(st);
	free(value);
	free(attributes);
	free(state);
	if (rc != HERR_OK) {
		*event_id = 0;
		*applied = false;
	}
	return rc;
}

enum herr store_sensor_status_get(struct db *db, int64_t sensor_id, json_t **out)
{
	return store_rows_get(db, sql_status, sensor_id, sensor_input__status_row, out);
}

/* {room_id, room_name, occupied, since, sensors} of an occupancy row. */
static json_t *sensor_input__occupancy_row(struct db_stmt *st)
{
	json_error_t jerr;
	size_t len;
	const char *ids = db_col_text(st, 2, &len);
	json_t *sensors = ids ? json_loadb(ids, len, 0, &jerr) : NULL;
	bool occupied = db_col_int64(st, 3) != 0;
	/* Occupied since the first of its sensors came on; empty since the
	 * last went off. */
	const char *since = db_col_text(st, occupied ? 4 : 5, NULL);

	if (!json_is_array(sensors)) {
		json_decref(sensors);
		return NULL;
	}
	return json_pack("{s:I, s:s, s:b, s:s?, s:o}",
			 "room_id", (json_int_t)db_col_int64(st, 0),
			 "room_name", db_col_text(st, 1, NULL),
			 "occupied", occupied,
			 "since", since,
			 "sensors", sensors);
}

enum herr store_occupancy(struct db *db, json_t *items)
{
	struct db_stmt *st = NULL;
	bool more;
	enum herr rc;

	if ((rc = db_query(db, &st, sql_occupancy, "")) != HERR_OK)
		return rc;
	/* Bounded by the number of rooms, which a home keeps small. */
	return store_rows_take_page(st, UINT32_MAX, sensor_input__occupancy_row, items, &more);
}
