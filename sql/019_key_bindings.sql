-- 019_key_bindings: API keys bound to the sensors they may report for.
--
-- A device key (a reTerminal, a reCamera) or a detector key (an NVR) that
-- leaks should speak for its own hardware only, not for every sensor and
-- camera of the home.  A key made with a list of sensors (cameras, for a
-- detector) is bound: it may post events, detections, recordings and
-- device uploads for those and no others.  A key made without one keeps
-- the old behaviour (bound = 0) and may post for any sensor its role
-- allows.
--
-- bound is kept apart from the rows: a sensor deleted takes its binding
-- rows with it (ON DELETE CASCADE), and a bound key left with no rows
-- must then post for nothing, not for everything.

ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS bound BOOL NOT NULL DEFAULT FALSE;

CREATE TABLE IF NOT EXISTS api_key_sensors (
	key_id BIGINT UNSIGNED NOT NULL,
	sensor_id BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (key_id, sensor_id),
	KEY api_key_sensors_sensor (sensor_id),
	CONSTRAINT api_key_sensors_key_fk FOREIGN KEY (key_id) REFERENCES api_keys (id)
		ON DELETE CASCADE,
	CONSTRAINT api_key_sensors_sensor_fk FOREIGN KEY (sensor_id) REFERENCES sensors (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
