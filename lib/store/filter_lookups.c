/*
 * The reads behind the rules engine's context filters.  Each is one
 * indexed "latest row" query; times are turned into Unix seconds by the
 * server (sessions run in UTC, so UNIX_TIMESTAMP reads DATETIME as UTC).
 */
#include "db.h"
#include "filter_lookups.h"

static const char sql_location[] =
	"SELECT room_name, FLOOR(UNIX_TIMESTAMP(seen_at)) FROM person_locations"
	" WHERE person_id = ? ORDER BY seen_at DESC, id DESC LIMIT 1";

/* Two statements rather than "person_id = ? OR ? = 0", so that each one
 * uses its index (activities_person, activities_type). */
static const char sql_activity_person[] =
	"SELECT FLOOR(UNIX_TIMESTAMP(detected_at)) FROM activities"
	" WHERE person_id = ? AND activity_type = ? ORDER BY detected_at DESC LIMIT 1";
static const char sql_activity_any[] =
	"SELECT FLOOR(UNIX_TIMESTAMP(detected_at)) FROM activities"
	" WHERE activity_type = ? ORDER BY detected_at DESC LIMIT 1";

/*
 * l: the latest sighting; f: the latest earlier one in another room.
 * Every sighting after f is then in l's room, so the first of them is
 * when the person arrived there.
 */
static const char sql_transition[] =
	"SELECT l.room_name, f.room_name, FLOOR(UNIX_TIMESTAMP(COALESCE("
	"  (SELECT MIN(n.seen_at) FROM person_locations n"
	"   WHERE n.person_id = l.person_id AND n.seen_at > f.seen_at),"
	"  l.seen_at)))"
	" FROM person_locations l"
	" LEFT JOIN person_locations f ON f.id ="
	"  (SELECT e.id FROM person_locations e"
	"   WHERE e.person_id = l.person_id AND e.seen_at < l.seen_at"
	"   AND LOWER(e.room_name) <> LOWER(l.room_name)"
	"   ORDER BY e.seen_at DESC, e.id DESC LIMIT 1)"
	" WHERE l.person_id = ? ORDER BY l.seen_at DESC, l.id DESC LIMIT 1";

enum herr store_lookup_person_location(struct db *db, int64_t person_id, char *room,
				       size_t roomlen, time_t *seen_at)
{
	int64_t at = 0;
	enum herr rc = db_row(db, sql_location, "I", "sI", person_id, room, roomlen, &at);

	if (rc == HERR_OK)
		*seen_at = (time_t)at;
	return rc;
}

enum herr store_lookup_last_activity(struct db *db, int64_t person_id,
				     const char *activity_type, time_t *at)
{
	int64_t when = 0;
	enum herr rc;

	if (person_id)
		rc = db_row(db, sql_activity_person, "Is", "I", person_id, activity_type, &when);
	else
		rc = db_row(db, sql_activity_any, "s", "I", activity_type, &when);
	if (rc == HERR_OK)
		*at = (time_t)when;
	return rc;
}

enum herr store_lookup_last_transition(struct db *db, int64_t person_id, char *from,
				       size_t fromlen, char *to, size_t tolen, time_t *at)
{
	int64_t when = 0;
	enum herr rc = db_row(db, sql_transition, "I", "ssI", person_id, to, tolen, from, fromlen,
			      &when);

	if (rc == HERR_OK)
		*at = (time_t)when;
	return rc;
}

/*
 * There is no object-trend table yet (object_trend_analysis has nothing to
 * read either), so there is never a severity: scene_trend contexts do not
 * pass until trends are recorded, unless negated.  The query goes here
 * when the table exists.
 */
enum herr store_lookup_scene_severity(struct db *db, int64_t room_id, const char *room_name,
				      time_t since, char *severity, size_t sevlen)
{
	(void)db;
	(void)room_id;
	(void)room_name;
	(void)since;
	if (sevlen)
		*severity = '\0';
	return HERR_NOT_FOUND;
}
