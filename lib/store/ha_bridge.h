#ifndef HEARTH_STORE_HA_BRIDGE_H
#define HEARTH_STORE_HA_BRIDGE_H

/*
 * What hearth-ha-bridge keeps: the sensor an HA entity is linked to, the
 * last state it saw of the entity (ha_entities.state, last_changed) and
 * its own health (ha_bridge_status, sql/013_ha_bridge.sql).  Every
 * function runs in the transaction it is given (db.h: db_tx), or on its
 * own when there is none.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;

/* The sensor linked to an entity (source 'home_assistant', external_id =
 * entity_id), and the state last seen of the entity. */
struct ha_link {
	int64_t sensor_id;
	char sensor_type[32];
	bool enabled;
	char name[257];              /* the sensor's */
	int64_t room_id;             /* 0 = none */
	char sensor_state[256];      /* the sensor's own state as JSON text ("" = none) */
	bool sensor_has_state;
	bool older;                  /* occurred_at is before the sensor's last event */
	bool known;                  /* a state was kept before */
	char state[256];             /* the state kept ("" when not known) */
	int64_t last_changed_ms;     /* 0 when not known */
};

/*
 * The linked sensor of entity_id (borrowed) and the state last seen of
 * the entity into *link, in one read that locks both rows (FOR UPDATE)
 * until the transaction ends; HERR_NOT_FOUND when no sensor is linked.
 * occurred_at ("YYYY-MM-DD HH:MM:SS.mmm" UTC, NULL = now): the time of
 * the change, which link->older compares with the sensor's last event.
 */
enum herr store_ha_link_lock(struct db *db, const char *entity_id, const char *occurred_at,
			     struct ha_link *link);

/* Keep state (borrowed) and last_changed_ms (0 = not known) as the last
 * seen of entity_id, creating its ha_entities row when there is none. */
enum herr store_ha_state_put(struct db *db, const char *entity_id, const char *state,
			     int64_t last_changed_ms);

/* The bridge's health on a host, as the bridge writes it. */
struct ha_bridge_health {
	bool connected;
	char ha_version[64];
	int64_t since_ms;        /* 0 = none yet */
	int64_t last_event_ms;   /* 0 = none yet */
	int64_t events;
	int64_t reconnects;
	char last_error[512];    /* "" = none */
};

/* Write host's (borrowed) row from h (borrowed), updated_at now. */
enum herr store_ha_bridge_status_put(struct db *db, const char *host,
				     const struct ha_bridge_health *h);

/* A bridge whose row is older than this is not running (it writes its
 * row at least every 30 s). */
#define HA_BRIDGE_STALE_S 90

/*
 * The most recently updated bridge row as the API shows it, a new
 * reference in *out: {host, state: "connected" | "disconnected" | "stale"
 * (not updated for stale_s seconds: the bridge is not running), since,
 * last_event_at, events, reconnects, last_error, ha_version, updated_at};
 * HERR_NOT_FOUND when no bridge ever ran.
 */
enum herr store_ha_bridge_status_get(struct db *db, int stale_s, json_t **out);

#endif
