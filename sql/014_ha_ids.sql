-- 014_ha_ids: a number for each area, device and entity kept from Home
-- Assistant, so that their lists page by id like every other list
-- (HA's own ids are strings; they stay the primary keys and what the API
-- names them by).
ALTER TABLE ha_areas ADD COLUMN IF NOT EXISTS
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE FIRST;
ALTER TABLE ha_devices ADD COLUMN IF NOT EXISTS
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE FIRST;
ALTER TABLE ha_entities ADD COLUMN IF NOT EXISTS
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE FIRST;
