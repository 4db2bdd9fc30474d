-- 012_home_assistant: what Hearth keeps of a Home Assistant (HA) house.
--
-- HA is a source, never the truth about Hearth's own objects: a sync
-- creates and updates, and marks what HA no longer has as missing
-- (ha_missing_since); only a person deletes.  A fetch that failed or came
-- back partial changes nothing.
--
-- rooms.ha_area_id          the HA area a room was synced from (matched by
--                           it first, then by name).  A room a person made
--                           has none.
-- rooms.ha_missing_since    when a sync last found the area gone; NULL
--                           while HA has it.
-- sensors                   an HA entity synced as a sensor has source
--                           'home_assistant' and external_id = its
--                           entity_id (the existing unique key);
--                           ha_missing_since as for rooms.
-- ha_areas, ha_devices,     HA's registries as the last good sync saw
-- ha_entities               them: the fields the API lists and filters on
--                           in columns, the whole registry entry in data.
--                           ha_entities also keeps the last state HA
--                           reported (state, attributes, last_changed),
--                           which the bridge keeps current.
-- ha_registry               automations, scripts, scenes, services and
--                           helpers: (kind, item_id) with its name and
--                           HA's JSON.
-- ha_sync_runs              one row per sync (what, when, counts, error;
--                           conflicts: areas whose name another room has).
--                           A run is claimed by inserting its row with
--                           running_key = kind: a second host's INSERT
--                           collides while one runs, and a finished run
--                           sets running_key NULL (NULLs never collide).
--                           A run left running by a crash is taken over
--                           once its lease_until has passed.
--
-- Identifiers from HA (area_id, device id, entity_id) are ASCII in
-- practice but not promised: utf8mb4_nopad_bin, compared exactly.

ALTER TABLE rooms ADD COLUMN IF NOT EXISTS
	ha_area_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL;
ALTER TABLE rooms ADD COLUMN IF NOT EXISTS ha_missing_since DATETIME(3) NULL;
ALTER TABLE rooms ADD UNIQUE KEY IF NOT EXISTS rooms_ha_area (ha_area_id);

ALTER TABLE sensors ADD COLUMN IF NOT EXISTS ha_missing_since DATETIME(3) NULL;

CREATE TABLE IF NOT EXISTS ha_areas (
	area_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	floor_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	data JSON NOT NULL CHECK (JSON_VALID(data)),
	missing_since DATETIME(3) NULL,
	synced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (area_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS ha_devices (
	device_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	area_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	manufacturer VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	model VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	data JSON NOT NULL CHECK (JSON_VALID(data)),
	missing_since DATETIME(3) NULL,
	synced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (device_id),
	KEY ha_devices_area (area_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- area_id is the entity's own area, else its device's (as HA shows it).
CREATE TABLE IF NOT EXISTS ha_entities (
	entity_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	domain VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	device_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	area_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	device_class VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	disabled BOOL NOT NULL DEFAULT FALSE,
	state VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	attributes JSON NULL CHECK (attributes IS NULL OR JSON_VALID(attributes)),
	last_changed DATETIME(3) NULL,
	data JSON NOT NULL CHECK (JSON_VALID(data)),
	missing_since DATETIME(3) NULL,
	synced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (entity_id),
	KEY ha_entities_domain (domain, entity_id),
	KEY ha_entities_area (area_id, entity_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS ha_registry (
	kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	item_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	data JSON NOT NULL CHECK (JSON_VALID(data)),
	missing_since DATETIME(3) NULL,
	synced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (kind, item_id),
	CONSTRAINT ha_registry_kind CHECK (kind IN ('automation', 'script', 'scene', 'service',
						   'helper'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS ha_sync_runs (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	running_key VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
	trigger_source VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'running',
	created INT UNSIGNED NOT NULL DEFAULT 0,
	updated INT UNSIGNED NOT NULL DEFAULT 0,
	unchanged INT UNSIGNED NOT NULL DEFAULT 0,
	missing INT UNSIGNED NOT NULL DEFAULT 0,
	conflicts INT UNSIGNED NOT NULL DEFAULT 0,
	error TEXT NULL,
	started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	lease_until DATETIME(3) NOT NULL,
	finished_at DATETIME(3) NULL,
	PRIMARY KEY (id),
	UNIQUE KEY ha_sync_runs_running (running_key),
	KEY ha_sync_runs_kind (kind, id),
	CONSTRAINT ha_sync_runs_kind CHECK (kind IN ('rooms', 'sensors', 'entities', 'registry')),
	CONSTRAINT ha_sync_runs_trigger CHECK (trigger_source IN ('api', 'cron', 'cli')),
	CONSTRAINT ha_sync_runs_status CHECK (status IN ('running', 'completed', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
