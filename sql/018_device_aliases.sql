-- 018_device_aliases: names a household gives to the devices on its network.
--
-- A device is known by its MAC address ("aa:bb:cc:dd:ee:ff", lowercase, as
-- Home Assistant writes a device registry entry's ["mac", ...] connection).
-- The alias is what Hearth shows for the HA device holding that MAC, and for
-- an address HA does not know (a phone on the Wi-Fi) it names the address
-- alone.  id orders the list; the MAC is the key a client uses.

CREATE TABLE IF NOT EXISTS device_aliases (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	mac CHAR(17) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	alias VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY device_aliases_mac (mac),
	CONSTRAINT device_aliases_mac_form CHECK (mac REGEXP '^([0-9a-f]{2}:){5}[0-9a-f]{2}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A device's entities, counted and listed by GET /devices.
ALTER TABLE ha_entities ADD KEY IF NOT EXISTS ha_entities_device (device_id, entity_id);
