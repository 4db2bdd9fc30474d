-- 013_ha_bridge: how hearth-ha-bridge is doing, for /api/v1/status.
--
-- The bridge holds one WebSocket subscription to Home Assistant's
-- state_changed events; the last state it saw of each entity is kept in
-- ha_entities (012), written in the transaction of the sensor event it
-- made.  Its health is one row per host running it, written at most once
-- a second (and every 30 s while nothing happens, so a bridge that died
-- shows as stale), read by any host's API.
--
-- connected      whether it holds a subscription now
-- since          when it connected or lost the connection
-- last_event_at  when it last recorded a sensor event
-- events         sensor events recorded since it started
-- reconnects     connections made after the first, since it started
-- last_error     why the last connection failed or ended (no secrets)

CREATE TABLE IF NOT EXISTS ha_bridge_status (
	host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	connected BOOL NOT NULL DEFAULT FALSE,
	ha_version VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	since DATETIME(3) NULL,
	last_event_at DATETIME(3) NULL,
	events BIGINT UNSIGNED NOT NULL DEFAULT 0,
	reconnects INT UNSIGNED NOT NULL DEFAULT 0,
	last_error VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (host)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
