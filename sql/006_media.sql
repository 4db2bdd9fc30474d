-- 006_media: cameras, the media files Hearth keeps, detections and the
-- security events they are grouped into.
--
-- cameras              one row per sensor of type camera: how it is doing
--                      (status online | offline | error, last_seen_at, the
--                      last error) and its incoming folder's name.  Its URLs
--                      live in sensors.config like every sensor's settings.
-- media                every file under [media] root, one row each: kind
--                      snapshot | recording | thumbnail | sprite | timelapse |
--                      frame | detection_image | upload.  rel_path is
--                      produced by Hearth (never taken from a client) and is
--                      relative to the media root; the API serves a file
--                      only by looking its row up.  A thumbnail or sprite
--                      has its recording (or timelapse) as parent_id;
--                      deleting the parent removes those rows too (the
--                      caller unlinks their files).  day is the local date
--                      a frame or timelapse belongs to.
--                      A file is written before its row is committed, and a
--                      row deleted before its file is unlinked: a crash in
--                      between leaves an orphan file, which cleanup removes
--                      once it is older than orphan_grace_minutes; a row
--                      whose file is gone is an orphan row, also removed.
-- zones                areas of a camera's picture, as a polygon of
--                      normalised (0-1) points; a detection whose box
--                      centre falls inside one takes its zone_type.
-- detections           what a detector reported: object, confidence,
--                      box, where and when, optional image (media row),
--                      the recording it appears in and the enrichment
--                      document.  (source, external_id) is unique, so a
--                      detector retrying a report does not double it.
-- event_logs kind security  a security event: detections of one camera
--                      grouped by time (window 90 s from created_at, closed
--                      after 30 s without a detection, at most 500).  While
--                      open its status is processing, once closed
--                      completed.  open_camera_id is the camera's id while
--                      open and NULL once closed (written with status; a
--                      generated column cannot follow camera_id, whose
--                      foreign key sets it NULL), and UNIQUE, so a camera
--                      has at most one open event however many detections
--                      arrive at once.  created_at
--                      is the first detection, last_at the newest,
--                      finished_at when it closed.
-- settings             small documents edited through the API: storage
--                      ({enabled, max_percent, retention_days}), timelapse
--                      ({enabled, interval_minutes, fps, resolution}) and
--                      calibration ({low_threshold, medium_threshold,
--                      high_threshold, decay_factor}).  A missing row means
--                      the defaults.
-- event_feedback       what people said about a security event's risk, and
--                      the thresholds before and after it moved them.
--
-- Conventions as in 001.

CREATE TABLE IF NOT EXISTS cameras (
	sensor_id BIGINT UNSIGNED NOT NULL,
	status VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'offline',
	last_seen_at DATETIME(3) NULL,
	last_error VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	incoming_dir VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (sensor_id),
	UNIQUE KEY cameras_incoming (incoming_dir),
	CONSTRAINT cameras_status CHECK (status IN ('online', 'offline', 'error')),
	CONSTRAINT cameras_sensor_fk FOREIGN KEY (sensor_id) REFERENCES sensors (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS media (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	camera_id BIGINT UNSIGNED NULL,
	camera_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	parent_id BIGINT UNSIGNED NULL,
	rel_path VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	mime VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	size_bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	width INT UNSIGNED NULL,
	height INT UNSIGNED NULL,
	duration_ms BIGINT UNSIGNED NULL,
	day DATE NULL,
	taken_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY media_path (rel_path),
	KEY media_kind (kind, id),
	KEY media_camera (kind, camera_id, id),
	KEY media_taken (kind, taken_at),
	KEY media_age (created_at),
	KEY media_parent (parent_id),
	KEY media_day (kind, camera_id, day),
	CONSTRAINT media_kind_check CHECK (kind IN ('snapshot', 'recording', 'thumbnail', 'sprite',
		'timelapse', 'frame', 'detection_image', 'upload')),
	CONSTRAINT media_camera_fk FOREIGN KEY (camera_id) REFERENCES sensors (id)
		ON DELETE SET NULL,
	CONSTRAINT media_parent_fk FOREIGN KEY (parent_id) REFERENCES media (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS zones (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	camera_id BIGINT UNSIGNED NOT NULL,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	zone_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	polygon JSON NOT NULL CHECK (JSON_VALID(polygon)),
	enabled BOOL NOT NULL DEFAULT TRUE,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY zones_camera (camera_id, id),
	CONSTRAINT zones_type CHECK (zone_type IN ('entry_point', 'restricted', 'driveway',
		'walkway', 'perimeter', 'other')),
	CONSTRAINT zones_camera_fk FOREIGN KEY (camera_id) REFERENCES sensors (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE event_logs
	ADD COLUMN IF NOT EXISTS camera_id BIGINT UNSIGNED NULL,
	ADD COLUMN IF NOT EXISTS camera_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	ADD COLUMN IF NOT EXISTS risk_score TINYINT UNSIGNED NULL,
	ADD COLUMN IF NOT EXISTS risk_level VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
	ADD COLUMN IF NOT EXISTS detection_count INT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS object_types JSON NULL CHECK (object_types IS NULL OR JSON_VALID(object_types)),
	ADD COLUMN IF NOT EXISTS summary VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
	ADD COLUMN IF NOT EXISTS notes TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
	ADD COLUMN IF NOT EXISTS reviewed BOOL NOT NULL DEFAULT FALSE,
	ADD COLUMN IF NOT EXISTS reviewed_at DATETIME(3) NULL,
	ADD COLUMN IF NOT EXISTS open_camera_id BIGINT UNSIGNED NULL,
	ADD KEY IF NOT EXISTS event_logs_kind (kind, id),
	ADD KEY IF NOT EXISTS event_logs_camera (kind, camera_id, id),
	ADD KEY IF NOT EXISTS event_logs_risk (kind, risk_level, id),
	ADD KEY IF NOT EXISTS event_logs_kind_created (kind, created_at),
	ADD UNIQUE KEY IF NOT EXISTS event_logs_open_camera (open_camera_id),
	ADD FULLTEXT KEY IF NOT EXISTS event_logs_text (summary, notes),
	ADD CONSTRAINT event_logs_camera_fk FOREIGN KEY IF NOT EXISTS (camera_id) REFERENCES sensors (id)
		ON DELETE SET NULL;

CREATE TABLE IF NOT EXISTS detections (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	camera_id BIGINT UNSIGNED NULL,
	camera_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	event_id BIGINT UNSIGNED NULL,
	source VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'api',
	external_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	object_type VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	confidence DOUBLE NOT NULL,
	risk_score TINYINT UNSIGNED NOT NULL DEFAULT 0,
	bbox JSON NULL CHECK (bbox IS NULL OR JSON_VALID(bbox)),
	zone_id BIGINT UNSIGNED NULL,
	zone_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
	image_media_id BIGINT UNSIGNED NULL,
	recording_id BIGINT UNSIGNED NULL,
	video_offset_ms BIGINT UNSIGNED NULL,
	enrichment JSON NULL CHECK (enrichment IS NULL OR JSON_VALID(enrichment)),
	detected_at DATETIME(3) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY detections_external (source, external_id),
	KEY detections_camera (camera_id, id),
	KEY detections_object (object_type, id),
	KEY detections_time (detected_at),
	KEY detections_event (event_id),
	KEY detections_image (image_media_id),
	KEY detections_recording (recording_id),
	CONSTRAINT detections_confidence CHECK (confidence >= 0 AND confidence <= 1),
	CONSTRAINT detections_camera_fk FOREIGN KEY (camera_id) REFERENCES sensors (id)
		ON DELETE SET NULL,
	CONSTRAINT detections_event_fk FOREIGN KEY (event_id) REFERENCES event_logs (id)
		ON DELETE SET NULL,
	CONSTRAINT detections_zone_fk FOREIGN KEY (zone_id) REFERENCES zones (id)
		ON DELETE SET NULL,
	CONSTRAINT detections_image_fk FOREIGN KEY (image_media_id) REFERENCES media (id)
		ON DELETE SET NULL,
	CONSTRAINT detections_recording_fk FOREIGN KEY (recording_id) REFERENCES media (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS settings (
	name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	value JSON NOT NULL CHECK (JSON_VALID(value)),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS event_feedback (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	event_id BIGINT UNSIGNED NULL,
	feedback_type VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	expected_level VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
	risk_score TINYINT UNSIGNED NULL,
	notes VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
	thresholds_before JSON NOT NULL CHECK (JSON_VALID(thresholds_before)),
	thresholds_after JSON NOT NULL CHECK (JSON_VALID(thresholds_after)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY event_feedback_event (event_id),
	CONSTRAINT event_feedback_event_fk FOREIGN KEY (event_id) REFERENCES event_logs (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
