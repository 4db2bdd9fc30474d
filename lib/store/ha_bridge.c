/*
 * hearth-ha-bridge's rows (store/ha_bridge.h).
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "ha/map.h"
#include "store/ha_bridge.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

enum herr store_ha_link_lock(struct db *db, const char *entity_id, const char *occurred_at,
			     struct ha_link *link)
{
	memset(link, 0, sizeof(*link));
	/* The session's time zone is UTC. */
	return db_row(db,
		      "SELECT s.id, s.sensor_type, s.enabled, s.name, COALESCE(s.room_id, 0),"
		      " s.state IS NOT NULL, COALESCE(s.state, ''),"
		      " s.last_event_at IS NOT NULL AND COALESCE(?, UTC_TIMESTAMP(3)) < s.last_event_at,"
		      " e.state IS NOT NULL, COALESCE(e.state, ''),"
		      " COALESCE(CAST(UNIX_TIMESTAMP(e.last_changed) * 1000 AS SIGNED), 0)"
		      " FROM sensors s LEFT JOIN ha_entities e ON e.entity_id = s.external_id"
		      " WHERE s.source = 'home_assistant' AND s.external_id = ? FOR UPDATE",
		      "ss", "IsbsIbsbbsI", occurred_at, entity_id, &link->sensor_id,
		      link->sensor_type, sizeof(link->sensor_type), &link->enabled, link->name,
		      sizeof(link->name), &link->room_id, &link->sensor_has_state,
		      link->sensor_state, sizeof(link->sensor_state), &link->older, &link->known,
		      link->state, sizeof(link->state), &link->last_changed_ms);
}

enum herr store_ha_state_put(struct db *db, const char *entity_id, const char *state,
			     int64_t last_changed_ms)
{
	char domain[64];

	ha_entity_domain(entity_id, domain, sizeof(domain));
	/* A row the registry sync has not made yet starts with what the bridge
	 * knows; the sync fills in the rest. */
	return db_exec(db,
		       "INSERT INTO ha_entities (entity_id, domain, data, state, last_changed)"
		       " VALUES (?, ?, '{}', ?, IF(? > 0, FROM_UNIXTIME(? / 1000), NULL))"
		       " ON DUPLICATE KEY UPDATE state = VALUES(state),"
		       " last_changed = VALUES(last_changed)",
		       "sssII", entity_id, domain, state, last_changed_ms, last_changed_ms);
}

enum herr store_ha_bridge_status_put(struct db *db, const char *host,
				     const struct ha_bridge_health *h)
{
	return db_exec(db,
		       "INSERT INTO ha_bridge_status (host, connected, ha_version, since,"
		       " last_event_at, events, reconnects, last_error, updated_at)"
		       " VALUES (?, ?, ?, IF(? > 0, FROM_UNIXTIME(? / 1000), NULL),"
		       " IF(? > 0, FROM_UNIXTIME(? / 1000), NULL), ?, ?, ?, CURRENT_TIMESTAMP(3))"
		       " ON DUPLICATE KEY UPDATE connected = VALUES(connected),"
		       " ha_version = VALUES(ha_version), since = VALUES(since),"
		       " last_event_at = VALUES(last_event_at), events = VALUES(events),"
		       " reconnects = VALUES(reconnects), last_error = VALUES(last_error),"
		       " updated_at = VALUES(updated_at)",
		       "sbsIIIIIIs", host, h->connected, *h->ha_version ? h->ha_version : NULL,
		       h->since_ms, h->since_ms, h->last_event_ms, h->last_event_ms, h->events,
		       h->reconnects, *h->last_error ? h->last_error : NULL);
}

enum herr store_ha_bridge_status_get(struct db *db, int stale_s, json_t **out)
{
	char host[256], since[32], last_event[32], updated[32], error[512], version[64];
	bool connected = false, stale = false;
	int64_t events = 0, reconnects = 0;
	const char *state;
	enum herr rc;

	*out = NULL;
	rc = db_row(db,
		    "SELECT host, connected, updated_at < NOW(3) - INTERVAL ? SECOND,"
		    " COALESCE(DATE_FORMAT(since, " TIME_FMT "), ''),"
		    " COALESCE(DATE_FORMAT(last_event_at, " TIME_FMT "), ''),"
		    " DATE_FORMAT(updated_at, " TIME_FMT "), events, reconnects,"
		    " COALESCE(last_error, ''), COALESCE(ha_version, '')"
		    " FROM ha_bridge_status ORDER BY updated_at DESC, host LIMIT 1",
		    "i", "sbbsssIIss", stale_s, host, sizeof(host), &connected, &stale,
		    since, sizeof(since), last_event, sizeof(last_event), updated, sizeof(updated),
		    &events, &reconnects, error, sizeof(error), version, sizeof(version));
	if (rc != HERR_OK)
		return rc;
	state = stale ? "stale" : connected ? "connected" : "disconnected";
	*out = json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:I, s:s?, s:s?, s:s}",
			 "host", host, "state", state,
			 "since", *since ? since : NULL,
			 "last_event_at", *last_event ? last_event : NULL,
			 "events", (json_int_t)events, "reconnects", (json_int_t)reconnects,
			 "last_error", *error ? error : NULL,
			 "ha_version", *version ? version : NULL,
			 "updated_at", updated);
	return *out ? HERR_OK : HERR_NOMEM;
}
