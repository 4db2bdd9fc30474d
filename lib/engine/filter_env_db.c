/*
 * struct filter_env over the database: each lookup is its store function,
 * with enum herr folded into the filters' 0 found / 1 nothing / -1 error.
 */
#include "filter_env_db.h"
#include "store/filter_lookups.h"

static int env_db__result(enum herr rc)
{
	return rc == HERR_OK ? 0 : rc == HERR_NOT_FOUND ? 1 : -1;
}

static int env_db__person_location(void *ud, int64_t person_id, char *room, size_t roomlen,
				   time_t *seen_at)
{
	return env_db__result(store_lookup_person_location(ud, person_id, room, roomlen,
							   seen_at));
}

static int env_db__last_activity(void *ud, int64_t person_id, const char *activity_type,
				 time_t *at)
{
	return env_db__result(store_lookup_last_activity(ud, person_id, activity_type, at));
}

static int env_db__last_transition(void *ud, int64_t person_id, char *from, size_t fromlen,
				   char *to, size_t tolen, time_t *at)
{
	return env_db__result(store_lookup_last_transition(ud, person_id, from, fromlen, to,
							   tolen, at));
}

static int env_db__scene_severity(void *ud, int64_t room_id, const char *room_name,
				  time_t since, char *severity, size_t sevlen)
{
	return env_db__result(store_lookup_scene_severity(ud, room_id, room_name, since,
							  severity, sevlen));
}

void filter_env_db(struct filter_env *env, struct db *db)
{
	*env = (struct filter_env){
		.ud = db,
		.person_location = env_db__person_location,
		.last_activity = env_db__last_activity,
		.last_transition = env_db__last_transition,
		.scene_severity = env_db__scene_severity,
	};
}
