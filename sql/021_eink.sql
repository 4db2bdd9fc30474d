-- 021_eink: e-ink display templates and what each display shows.
--
-- eink_templates     a picture (a media row, kind 'upload', re-encoded by
--                    Hearth; NULL = a plain white page) of width x height
--                    with text regions, kept whole as one JSON array of
--                    checked regions with their defaults written out
--                    (lib/eink/regions.h).  At most one is_default: the
--                    generated column default_mark is 1 for it and NULL
--                    for the rest, so a unique key holds that.
-- eink_active        per display (an eink sensor) the picture POST
--                    /image/render made for it (a media row, kind
--                    'upload'), its SHA-256 and when it stops being
--                    shown; the default template shows after that.
-- eink_fetches       per display what it fetched last and when: GET
--                    /image/active answers 204 to a display asking again
--                    for the same picture within the hour.
-- The media rows go with their owners' rows; should storage cleanup take
-- a picture first, the template becomes a plain page and the display
-- falls back to the default.

CREATE TABLE IF NOT EXISTS eink_templates (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	description VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT '',
	width INT UNSIGNED NOT NULL DEFAULT 800,
	height INT UNSIGNED NOT NULL DEFAULT 480,
	font VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'DejaVu Sans',
	regions JSON NOT NULL CHECK (JSON_VALID(regions)),
	image_media_id BIGINT UNSIGNED NULL,
	is_default BOOL NOT NULL DEFAULT FALSE,
	default_mark TINYINT AS (IF(is_default, 1, NULL)) PERSISTENT,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY eink_templates_name (name),
	UNIQUE KEY eink_templates_default (default_mark),
	CONSTRAINT eink_templates_image_fk FOREIGN KEY (image_media_id) REFERENCES media (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS eink_active (
	sensor_id BIGINT UNSIGNED NOT NULL,
	template_id BIGINT UNSIGNED NULL,
	media_id BIGINT UNSIGNED NOT NULL,
	image_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	expires_at DATETIME(3) NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (sensor_id),
	KEY eink_active_media (media_id),
	CONSTRAINT eink_active_sensor_fk FOREIGN KEY (sensor_id) REFERENCES sensors (id)
		ON DELETE CASCADE,
	CONSTRAINT eink_active_template_fk FOREIGN KEY (template_id) REFERENCES eink_templates (id)
		ON DELETE SET NULL,
	CONSTRAINT eink_active_media_fk FOREIGN KEY (media_id) REFERENCES media (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS eink_fetches (
	sensor_id BIGINT UNSIGNED NOT NULL,
	image_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	fetched_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (sensor_id),
	CONSTRAINT eink_fetches_sensor_fk FOREIGN KEY (sensor_id) REFERENCES sensors (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
