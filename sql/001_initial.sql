-- 001_initial: the foundation schema.
--
-- rooms      places in the home; a sensor may belong to one.
-- sensors    anything that reports or acts: cameras, presence, buttons, GPIO
--            inputs.  config is the type-specific JSON document the API
--            validates; (source, external_id) identifies a sensor in the
--            system it was imported from (Home Assistant entity, device id),
--            so a re-import updates instead of duplicating.  Manual sensors
--            have no external_id, and NULLs never collide in a UNIQUE key.
-- api_keys   only the SHA-256 of each key is kept; prefix (the 8 hex digits
--            after "hk_") finds the row without scanning.  Keys are revoked,
--            never deleted, so the audit log can always name them.
-- audit_log  one row per state change: who (key_id and the actor's name at
--            the time), what (method and path), which object, and the
--            status.  No foreign key to api_keys: the log must take any
--            write without locking the key row.
--
-- Conventions: InnoDB, utf8mb4.  Names and identifiers use utf8mb4_nopad_bin:
-- binary, so "Kitchen" and "kitchen" are different rooms, and NO PAD, so
-- "Kitchen " is a third one (utf8mb4_bin would ignore trailing spaces in
-- comparisons and call it a duplicate).  A name compares and reads back
-- exactly as stored.  Only the key prefix, always 8 hex digits, is ascii.
-- Times are DATETIME(3) holding UTC (every session runs with time_zone
-- '+00:00'); DATETIME rather than TIMESTAMP because TIMESTAMP ends in 2038.
-- Ids are BIGINT UNSIGNED AUTO_INCREMENT.
--
-- Statements use IF NOT EXISTS so that a run cut short (the server went
-- away half-way) can simply be repeated: DDL commits as it goes in MariaDB,
-- and the version row is written only after the last statement.

CREATE TABLE IF NOT EXISTS rooms (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	description TEXT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY rooms_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ON DELETE RESTRICT: deleting a room that still has sensors is refused
-- (the API answers 409 with the count); nothing is orphaned or cascaded.
CREATE TABLE IF NOT EXISTS sensors (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	sensor_type VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	room_id BIGINT UNSIGNED NULL,
	source VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'manual',
	external_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	enabled BOOL NOT NULL DEFAULT TRUE,
	config JSON NOT NULL CHECK (JSON_VALID(config)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY sensors_room (room_id),
	KEY sensors_type (sensor_type),
	UNIQUE KEY sensors_source_external (source, external_id),
	CONSTRAINT sensors_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- role is indexed with revoked_at for the "last active admin key" check.
CREATE TABLE IF NOT EXISTS api_keys (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	role VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	prefix CHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	key_hash BINARY(32) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	revoked_at DATETIME(3) NULL,
	PRIMARY KEY (id),
	UNIQUE KEY api_keys_prefix (prefix),
	KEY api_keys_role (role, revoked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only; KEY (at) serves retention and "what happened when".
CREATE TABLE IF NOT EXISTS audit_log (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	key_id BIGINT UNSIGNED NULL,
	actor VARCHAR(320) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	method VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	path VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	object_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	status SMALLINT NOT NULL,
	PRIMARY KEY (id),
	KEY audit_log_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
