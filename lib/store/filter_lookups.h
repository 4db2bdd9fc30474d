#ifndef HEARTH_STORE_FILTER_LOOKUPS_H
#define HEARTH_STORE_FILTER_LOOKUPS_H

/*
 * What the rules engine's context filters read from the database (see
 * lib/engine/gate.h, struct filter_env).  Times come back as Unix seconds,
 * names are copied (truncated) into the caller's buffers.  Each returns
 * HERR_OK, HERR_NOT_FOUND when there is nothing, or a database error.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

struct db;

/* A person's latest sighting: the room's name as seen, and when. */
enum herr store_lookup_person_location(struct db *db, int64_t person_id, char *room,
				       size_t roomlen, time_t *seen_at);

/* When an activity of activity_type (borrowed) was last recorded for
 * person_id; person_id 0 means by anyone. */
enum herr store_lookup_last_activity(struct db *db, int64_t person_id,
				     const char *activity_type, time_t *at);

/*
 * A person's last move between rooms: from is the room of the latest
 * sighting in another room than the latest one ("" when they were never
 * seen elsewhere), to the latest sighting's room, and at the first sighting
 * in `to` after leaving `from` (the moment of the move; the latest
 * sighting's time when from is "").  Room names compare case-insensitively.
 */
enum herr store_lookup_last_transition(struct db *db, int64_t person_id, char *from,
				       size_t fromlen, char *to, size_t tolen, time_t *at);

/* The latest object-trend severity of a room (by id, or by name when
 * room_id is 0) since `since`.  Always HERR_NOT_FOUND for now: nothing
 * records object trends yet. */
enum herr store_lookup_scene_severity(struct db *db, int64_t room_id, const char *room_name,
				      time_t since, char *severity, size_t sevlen);

#endif
