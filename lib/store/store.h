#ifndef HEARTH_STORE_H
#define HEARTH_STORE_H

/*
 * lib/store: every SQL statement of Hearth lives here, one file per
 * resource, all as prepared statements.  Store functions never see an HTTP
 * request; they take plain values and hand back Jansson objects (new
 * references, owned by the caller) shaped as the API returns them: ids as
 * integers, times as ISO 8601 UTC strings with 'Z'.
 *
 * Return values are enum herr (err.h); HERR_UNAVAILABLE means MariaDB is
 * unreachable and the caller should answer 503.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "err.h"

struct db;

/* Keyset pagination over ascending ids: rows with id > after_id, at most
 * limit of them.  offset >= 0 selects the deprecated offset mode (after_id
 * is then 0).  has_more tells whether a further row exists. */
struct page {
	int64_t after_id;
	int64_t offset;   /* -1 unless offset mode */
	unsigned limit;   /* 1..1000 */
};

/* ---------------------------------------------------------------- schema */

/* Highest applied migration version; 0 when schema_migrations is missing. */
enum herr store_schema_version(struct db *db, int *version);

/* Apply every embedded migration not recorded in schema_migrations, in
 * order, each recorded once it ran and named to each (may be NULL) with
 * arg; serialised between concurrent callers by a named lock.  *applied =
 * how many ran (may be NULL). */
enum herr store_migrate(struct db *db, void (*each)(const char *name, void *arg), void *arg,
			int *applied);

/* ---------------------------------------------------------------- rooms */
/* Room JSON: {id, name, description|null, sensor_count, created_at, updated_at} */

enum herr store_rooms_list(struct db *db, const struct page *pg, json_t *items, bool *has_more);
/* lock = SELECT ... FOR UPDATE (inside a transaction). */
enum herr store_rooms_get(struct db *db, int64_t id, bool lock, json_t **out);
/* HERR_CONFLICT when the name is taken. */
enum herr store_rooms_create(struct db *db, const char *name, const char *description,
			     json_t **out);
enum herr store_rooms_update(struct db *db, int64_t id, const char *name,
			     const char *description, json_t **out);
/* HERR_CONFLICT with *sensor_count set when sensors still reference it. */
enum herr store_rooms_delete(struct db *db, int64_t id, int64_t *sensor_count);

/* ---------------------------------------------------------------- sensors */
/* Sensor JSON: {id, name, sensor_type, room_id|null, source, external_id|null,
 *               enabled, config{}, created_at, updated_at} */

struct sensor_filter {
	int64_t room_id;          /* 0 = any */
	const char *sensor_type;  /* NULL = any */
	const char *source;       /* NULL = any */
};

struct sensor_fields {
	const char *name;
	const char *sensor_type;
	int64_t room_id;          /* 0 = none */
	const char *source;
	const char *external_id;  /* NULL = none */
	bool enabled;
	const char *config_json;  /* serialised object, never NULL */
};

enum herr store_sensors_list(struct db *db, const struct sensor_filter *f,
			     const struct page *pg, json_t *items, bool *has_more);
enum herr store_sensors_get(struct db *db, int64_t id, bool lock, json_t **out);
/* HERR_INVALID when room_id names no room; HERR_CONFLICT on a duplicate. */
enum herr store_sensors_create(struct db *db, const struct sensor_fields *s, json_t **out);
enum herr store_sensors_update(struct db *db, int64_t id, const struct sensor_fields *s,
			       json_t **out);
enum herr store_sensors_delete(struct db *db, int64_t id);

/* ---------------------------------------------------------------- api keys */
/* Key JSON (never the hash): {id, name, role, prefix, user_id|null, created_at,
 * revoked_at|null, bound, sensor_ids, camera_ids}: bound says whether the
 * key may report only for sensor_ids (store/key_bindings.h); camera_ids
 * are the cameras among them.  Both lists are [] for a key not bound. */

/* For a person's own key (user_id > 0), role is the user's current role,
 * and a disabled or deleted user's key reads as revoked. */
struct api_key_row {
	int64_t id;
	int64_t user_id;
	char name[257];
	char role[65];
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	unsigned char hash[AUTH_HASH_LEN];
	bool revoked;
};

enum herr store_api_keys_create(struct db *db, const char *name, const char *role,
				const char *prefix, const unsigned char *hash, json_t **out);
/* Key JSON of the key with id, revoked or not; HERR_NOT_FOUND. */
enum herr store_api_keys_get(struct db *db, int64_t id, json_t **out);
/* HERR_NOT_FOUND when no key has this prefix. */
enum herr store_api_keys_find(struct db *db, const char *prefix, struct api_key_row *out);
enum herr store_api_keys_list(struct db *db, bool include_revoked, const struct page *pg,
			      json_t *items, bool *has_more);
/* HERR_NOT_FOUND when missing or already revoked; prefix_out gets the key's
 * prefix (for cache invalidation). */
enum herr store_api_keys_revoke(struct db *db, int64_t id,
				char prefix_out[AUTH_KEY_PREFIX_LEN + 1]);
/* Number of active keys with this role. */
enum herr store_api_keys_count_role(struct db *db, const char *role, int64_t *count);

/* ---------------------------------------------------------------- audit */

struct audit_entry {
	int64_t key_id;         /* 0 = none (hearthctl) */
	int64_t user_id;        /* the person of a session; 0 = none (an API key) */
	const char *actor;      /* key name, or "hearthctl:<unix user>" */
	const char *method;
	const char *path;
	const char *object_id;  /* NULL when none */
	int status;
	const char *address;    /* the client's address (REMOTE_ADDR); NULL = none */
};

/* One row, in the caller's transaction.  All strings borrowed; a long one
 * is cut to its column, an address that is not a printable ASCII address
 * is left out (NULL) rather than failing the change it records. */
enum herr store_audit_write(struct db *db, const struct audit_entry *e);

/*
 * GET /api/v1/audit's filters; each absent one matches every row.
 * Audit row JSON: {id, at, actor, key_id|null, user_id|null, method, path,
 *   object_id|null, status, address|null}
 */
struct audit_filter {
	const char *actor;        /* NULL = any; exact */
	const char *path_prefix;  /* NULL = any; rows whose path starts with it */
	const char *since;        /* NULL = no bound; at >= since ("YYYY-MM-DD HH:MM:SS.mmm" UTC) */
	const char *until;        /* NULL = no bound; at < until */
	int status;               /* 0 = any */
};

/* Newest first (id descending), pages as ctx_page_desc() reads them.
 * f borrowed; rows appended to items (borrowed). */
enum herr store_audit_list(struct db *db, const struct audit_filter *f, const struct page *pg,
			   json_t *items, bool *has_more);

/* ---------------------------------------------------------------- rules */
/*
 * Rule JSON: {id, name, description, enabled, trigger_type,
 *   primary_sensor_id|null, schedule_cron|null, cool_off_minutes,
 *   max_daily_triggers, execution_timeout_minutes,
 *   occupancy_config: {min_minutes}|null,
 *   webhook_config: {created_at}|null  (never the secret nor its hash),
 *   last_skip_reason|null, created_at, updated_at, next_fire_at|null,
 *   catch_up: all|latest|none, schedule_error|null}
 * GET /rules/{id} adds steps, contexts and dependencies (the handler
 * embeds the lists below).  next_fire_at is stored: the scheduler moves it
 * on as the rule fires, and a save sets it (see rule_fields).
 * schedule_error is the scheduler's: why it could not compute the next
 * instant; a save that sets next_fire_at clears it.
 */
struct rule_fields {
	const char *name;
	const char *description;        /* never NULL ("" = none) */
	bool enabled;
	const char *trigger_type;       /* sensor_event|cron|manual|webhook|occupancy_duration */
	int64_t primary_sensor_id;      /* 0 = none */
	const char *schedule_cron;      /* NULL = none */
	int64_t cool_off_minutes;
	int64_t max_daily_triggers;
	int64_t execution_timeout_minutes;
	int64_t occupancy_min_minutes;  /* 0 = no occupancy_config */
	/* The schedule's next instant (Unix seconds; 0 = NULL) for an enabled
	 * cron rule.  Update: stored only when trigger_type, schedule_cron or
	 * enabled change; otherwise the scheduler's value stays. */
	int64_t next_fire_at;
	const char *next_fire_tz;       /* the zone it was computed in ("" = the system's) */
	const char *catch_up;           /* all|latest|none */
};

struct rule_filter {
	const char *trigger_type;       /* NULL = any */
	int enabled;                    /* -1 = any, 0, 1 */
};

enum herr store_rules_list(struct db *db, const struct rule_filter *f, const struct page *pg,
			   json_t *items, bool *has_more);
enum herr store_rules_get(struct db *db, int64_t id, bool lock, json_t **out);
/* HERR_CONFLICT when the name is taken; HERR_INVALID when
 * primary_sensor_id names no sensor. */
enum herr store_rules_create(struct db *db, const struct rule_fields *r, json_t **out);
enum herr store_rules_update(struct db *db, int64_t id, const struct rule_fields *r,
			     json_t **out);
/* Deletes the rule with its steps, contexts and dependencies.
 * HERR_CONFLICT with *dependents set when other rules depend on it. */
enum herr store_rules_delete(struct db *db, int64_t id, int64_t *dependents);
/* Store the hash of a new webhook secret (created_at = now). */
enum herr store_rules_set_webhook_secret(struct db *db, int64_t id,
					 const unsigned char hash[AUTH_HASH_LEN], json_t **out);

/* ---------------------------------------------------------------- steps */
/*
 * Step JSON: {id, rule_id, step_type, label|null, config_json{}, enabled,
 *   order (1..n, no gaps), next_step_on_true|null, next_step_on_false|null,
 *   created_at, updated_at}
 */
struct step_fields {
	const char *step_type;
	const char *label;              /* NULL = none */
	const char *config_json;        /* serialised object, never NULL */
	bool enabled;
	int64_t next_step_on_true;      /* 0 = none; must be a step of the same rule */
	int64_t next_step_on_false;
};

/* All steps of a rule in order (a rule has at most a few dozen). */
enum herr store_steps_list(struct db *db, int64_t rule_id, json_t *items);
/* HERR_NOT_FOUND when the step does not exist or belongs to another rule. */
enum herr store_steps_get(struct db *db, int64_t rule_id, int64_t step_id, bool lock,
			  json_t **out);
/* Appended at the end (order = last + 1), serialised per rule. */
enum herr store_steps_add(struct db *db, int64_t rule_id, const struct step_fields *s,
			  json_t **out);
enum herr store_steps_update(struct db *db, int64_t rule_id, int64_t step_id,
			     const struct step_fields *s, json_t **out);
/* Removes the step, renumbers the rest 1..n keeping their order, and
 * clears jumps that pointed at it. */
enum herr store_steps_delete(struct db *db, int64_t rule_id, int64_t step_id);
/* Set the order of every step of the rule: ids[i] gets position i + 1.
 * HERR_INVALID unless ids is exactly the rule's set of steps. */
enum herr store_steps_reorder(struct db *db, int64_t rule_id, const int64_t *ids, size_t n);

/* ---------------------------------------------------------------- contexts */
/* Context JSON: {id, rule_id, context_type, config{}, negate, created_at} */

enum herr store_contexts_list(struct db *db, int64_t rule_id, json_t *items);
enum herr store_contexts_add(struct db *db, int64_t rule_id, const char *context_type,
			     const char *config_json, bool negate, json_t **out);
enum herr store_contexts_delete(struct db *db, int64_t rule_id, int64_t ctx_id);

/* ---------------------------------------------------------------- dependencies */
/* Dependency JSON: {id, rule_id, parent_rule_id, parent_rule_name,
 *   lookback_minutes, require_success, created_at} */

enum herr store_dependencies_list(struct db *db, int64_t rule_id, json_t *items);
/* HERR_INVALID when the parent rule does not exist; HERR_CONFLICT when the
 * rule already depends on it. */
enum herr store_dependencies_add(struct db *db, int64_t rule_id, int64_t parent_rule_id,
				 int64_t lookback_minutes, bool require_success, json_t **out);
enum herr store_dependencies_delete(struct db *db, int64_t rule_id, int64_t dep_id);
/* Whether ancestor is reachable from rule_id by following dependencies
 * (rule_id depends on ..., which depends on ancestor): used to refuse
 * cycles.  *found set; the walk is bounded. */
enum herr store_dependencies_reaches(struct db *db, int64_t rule_id, int64_t ancestor,
				     bool *found);

/* ---------------------------------------------------------------- persons */
/*
 * Person JSON: {id, name, relationship|null, notes|null, created_at, updated_at}
 * Sighting JSON: {id, person_id, room_id|null, room_name, source,
 *   confidence|null, seen_at}
 * A person's location is their latest sighting (by seen_at, then id).
 * Status: "home" when that sighting is at most PERSON_HOME_MINUTES old,
 * "away" when older, "unknown" when there is none; the rules engine's
 * person filters apply the same rule.
 */
#define PERSON_HOME_MINUTES 30

struct person_fields {
	const char *name;
	const char *relationship;  /* NULL = none */
	const char *notes;         /* NULL = none */
};

struct sighting_fields {
	int64_t room_id;           /* 0 = none: room_name alone */
	const char *room_name;     /* as seen; never NULL.  With room_id 0, the
	                            * room of that name (if any) is linked */
	const char *source;        /* manual|device|engine */
	bool has_confidence;
	double confidence;         /* 0..1 */
	const char *seen_at;       /* "YYYY-MM-DD HH:MM:SS.mmm" UTC; NULL = now */
};

enum herr store_persons_list(struct db *db, const struct page *pg, json_t *items,
			     bool *has_more);
enum herr store_persons_get(struct db *db, int64_t id, bool lock, json_t **out);
/* HERR_CONFLICT when the name is taken. */
enum herr store_persons_create(struct db *db, const struct person_fields *p, json_t **out);
/* Takes the person's whole new state (the caller merges a partial update). */
enum herr store_persons_update(struct db *db, int64_t id, const struct person_fields *p,
			       json_t **out);
/* Deletes the person with their sightings. */
enum herr store_persons_delete(struct db *db, int64_t id);

/* Record a sighting; *out is the sighting.  HERR_INVALID when person_id or
 * room_id names nothing (a row deleted in between). */
enum herr store_persons_add_sighting(struct db *db, int64_t person_id,
				     const struct sighting_fields *s, json_t **out);
/* The latest sighting with "status" added; HERR_NOT_FOUND when none. */
enum herr store_persons_location(struct db *db, int64_t person_id, json_t **out);
/* A page of persons (by id) as {id, name, status, location: sighting|null}. */
enum herr store_persons_locations(struct db *db, const struct page *pg, json_t *items,
				  bool *has_more);
/* Sightings of the last `hours` hours, newest first, at most limit of them;
 * *has_more when older ones in the window were left out. */
enum herr store_persons_history(struct db *db, int64_t person_id, int64_t hours,
				unsigned limit, json_t *items, bool *has_more);
/* The latest limit sightings, newest first. */
enum herr store_persons_sightings(struct db *db, int64_t person_id, unsigned limit,
				  json_t *items, bool *has_more);

/* ---------------------------------------------------------------- sensor input */
/*
 * Sensor status JSON: {sensor_id, state (any JSON, null before the first
 *   event that sets one), state_changed_at|null, last_event_at|null, enabled}
 * Occupancy JSON: {room_id, room_name, occupied, since|null, sensors: [ids]}
 */

/* An event's columns; borrowed.  engine/sensor_event.h decides state. */
/* The sensor's row as a caller read it under its lock (FOR UPDATE) in the
 * same transaction, so the record below need not read it again. */
struct sensor_locked {
	bool enabled;
	const char *state;            /* the stored state as JSON text; NULL = none */
	bool older;                   /* occurred_at is before its last_event_at */
};

struct sensor_event_fields {
	const char *event_type;
	const json_t *value;          /* any JSON; NULL = none */
	const json_t *attributes;     /* an object; NULL = {} */
	const char *occurred_at;      /* "YYYY-MM-DD HH:MM:SS.mmm" UTC; NULL = now */
	const json_t *state;          /* the state it implies; NULL = the state stays */
	const struct sensor_locked *locked;   /* NULL: the row is read and locked here */
};

/*
 * Record an event of a sensor and move the sensor's state with it, inside
 * the caller's open transaction (HERR_INTERNAL, logged, when none is),
 * under a lock on the sensor's row.  The state becomes ev->state when it
 * differs as a value from the stored one (state_changed_at moves then);
 * last_event_at moves in any case.  An event older than last_event_at is
 * recorded but changes nothing (*applied false).
 * *event_id: the new event's id, the handle the rules engine runs
 * sensor_event rules on.
 * HERR_NOT_FOUND: no such sensor; HERR_CONFLICT: the sensor is disabled
 * (nothing recorded).
 */
enum herr store_sensor_events_record(struct db *db, int64_t sensor_id,
				     const struct sensor_event_fields *ev, int64_t *event_id,
				     bool *applied);
enum herr store_sensor_status_get(struct db *db, int64_t sensor_id, json_t **out);
/* Every room with enabled presence-type sensors (presence, pir), by room
 * id: occupied when any of them is "on" or "trigger"; since = the earliest
 * change among those that are, or when empty the latest change of all. */
enum herr store_occupancy(struct db *db, json_t *items);

#endif
