-- 015_scenes: Hearth's own scenes, snapshots of Home Assistant entities'
-- states that POST /api/v1/scenes/{id}/activate restores through HA's
-- services (HA's own scenes stay in ha_registry, kind 'scene').
--
-- name               unique as written (utf8mb4_nopad_bin, as rooms): a
--                    second scene of the same name is a 409.
-- entities           the snapshot as one JSON array, in the order the
--                    entities were given: [{entity_id, state, attributes}]
--                    with only the attributes restoring needs (lib/ha/
--                    scene.h).  Always read and written whole, and at most
--                    50 entries, so a column rather than a table of rows.
-- last_activated_at, when and how the last activation went: ok (every
-- last_status        entity restored), partial, failed.

CREATE TABLE IF NOT EXISTS scenes (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	entities JSON NOT NULL CHECK (JSON_VALID(entities)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_activated_at DATETIME(3) NULL,
	last_status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
	PRIMARY KEY (id),
	UNIQUE KEY scenes_name (name),
	CONSTRAINT scenes_last_status CHECK (last_status IS NULL OR
					     last_status IN ('ok', 'partial', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
