-- 003_people_and_sensor_input: who is home, and what the sensors report.
--
-- persons           the household: name (unique, as rooms), relationship
--                   ("resident", "carer", ...) and free notes.
-- person_locations  every report of where a person was seen is a sighting,
--                   kept as history; the latest one (by seen_at) is the
--                   person's location.  room_name is the room's name as it
--                   was when seen: rooms can be renamed or deleted later
--                   (room_id then becomes NULL) and the history must still
--                   read as it happened.  source says who reported it
--                   (manual, device, engine); confidence is the identifier's
--                   score, NULL for a manual report.
--                   KEY (person_id, seen_at) serves "latest", "last N hours"
--                   and "last N sightings" without a sort.
-- sensor_events     every event a sensor reported (presence on/off, a button
--                   press, a light level, a door open/close), recorded even
--                   when it arrives out of order.  occurred_at is when it
--                   happened (given by the reporter, or the time of arrival),
--                   received_at when we heard of it.  KEY (sensor_id,
--                   occurred_at) serves a sensor's timeline and retention.
-- sensors.state     what the latest in-order event made of the sensor: a
--                   JSON value ("on", "open", 312.5), NULL until the first
--                   event that sets one.  state_changed_at moves only when
--                   the state really changes, so "occupied since" means
--                   something; last_event_at is the newest occurred_at seen,
--                   which is how an older event is told apart and kept from
--                   moving the state back.
--
-- Deleting a person deletes their sightings; deleting a sensor deletes its
-- events; deleting a room keeps the sightings made in it (room_id NULL).
--
-- Conventions as in 001: InnoDB, utf8mb4, names utf8mb4_nopad_bin, times
-- DATETIME(3) in UTC, JSON columns checked with JSON_VALID, IF NOT EXISTS so
-- that a run cut short can be repeated.

CREATE TABLE IF NOT EXISTS persons (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	relationship VARCHAR(64) NULL,
	notes TEXT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY persons_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS person_locations (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	person_id BIGINT UNSIGNED NOT NULL,
	room_id BIGINT UNSIGNED NULL,
	room_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	source VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'manual',
	confidence DOUBLE NULL,
	seen_at DATETIME(3) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY person_locations_seen (person_id, seen_at),
	KEY person_locations_room (room_id),
	CONSTRAINT person_locations_source CHECK (source IN ('manual', 'device', 'engine')),
	CONSTRAINT person_locations_confidence CHECK (confidence IS NULL OR
						      (confidence >= 0 AND confidence <= 1)),
	CONSTRAINT person_locations_person_fk FOREIGN KEY (person_id) REFERENCES persons (id)
		ON DELETE CASCADE,
	CONSTRAINT person_locations_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS sensor_events (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	sensor_id BIGINT UNSIGNED NOT NULL,
	event_type VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	value JSON NULL CHECK (value IS NULL OR JSON_VALID(value)),
	attributes JSON NOT NULL CHECK (JSON_VALID(attributes)),
	occurred_at DATETIME(3) NOT NULL,
	received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY sensor_events_occurred (sensor_id, occurred_at),
	CONSTRAINT sensor_events_sensor_fk FOREIGN KEY (sensor_id) REFERENCES sensors (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE sensors
	ADD COLUMN IF NOT EXISTS state JSON NULL CHECK (state IS NULL OR JSON_VALID(state)),
	ADD COLUMN IF NOT EXISTS state_changed_at DATETIME(3) NULL,
	ADD COLUMN IF NOT EXISTS last_event_at DATETIME(3) NULL;
