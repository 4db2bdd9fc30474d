-- 016_ha_registry: Home Assistant's automations, scripts, scenes, services
-- and helpers as the last registry sync kept them (ha_registry, 012), with
-- what the API lists and filters them by in columns of their own.
--
-- id        a number for each row, so that the lists page by id like every
--           other list (item_id stays the key the API names them by)
-- domain    the service's domain, the helper's (input_boolean, counter,
--           ...); automation, script, scene for those kinds
-- ha_id     HA's own id of the item where it has one: an automation's or a
--           scene's config id (attributes.id), a helper's storage
--           collection id (what <domain>/delete takes); NULL otherwise
-- state     the entity's last state as the sync saw it (services: NULL)
--
-- item_id is the entity_id for automations, scripts, scenes and helpers,
-- and <domain>.<service> for services.  data is the whole of what HA said
-- of the item (state attributes, storage config, service description).
ALTER TABLE ha_registry ADD COLUMN IF NOT EXISTS
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE FIRST;
ALTER TABLE ha_registry ADD COLUMN IF NOT EXISTS
	domain VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT ''
	AFTER item_id;
ALTER TABLE ha_registry ADD COLUMN IF NOT EXISTS
	ha_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL AFTER name;
ALTER TABLE ha_registry ADD COLUMN IF NOT EXISTS
	state VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL AFTER ha_id;
ALTER TABLE ha_registry ADD KEY IF NOT EXISTS ha_registry_kind_id (kind, id);
ALTER TABLE ha_registry ADD KEY IF NOT EXISTS ha_registry_kind_domain (kind, domain, id);
ALTER TABLE ha_registry ADD KEY IF NOT EXISTS ha_registry_ha_id (kind, ha_id);
