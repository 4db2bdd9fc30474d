#!/bin/bash
# GET /areas and /devices: Home Assistant's areas and devices as the syncs
# kept them, read from the database (also while HA is down); and device
# aliases: a household's names for network devices by MAC address, in any
# usual spelling, shown on the HA device holding that MAC.
. "$(dirname "$0")/lib.sh"

P="had-$RUN_ID"
HOUSE=$HEARTH_SRC_DIR/tests/tools/fake_ha_house.json
HUE_MAC=00:17:88:4a:1b:2c
HUE_ID=$(jq -r --arg m "$HUE_MAC" '.devices[] | select(any(.connections[]; . == ["mac", $m])) | .id' "$HOUSE")
PHONE_MAC=3c:22:fb:$(printf '%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))

if ! ha_start; then
	not_ok "setup: the stand-in Home Assistant starts" "$(cat "$T/fake_ha.out" 2>/dev/null)"
	finish
fi
outbound_to_ha
ok "setup: the stand-in Home Assistant runs at $HA_URL"

BEFORE_IDS=$(q "SELECT COALESCE(GROUP_CONCAT(id), 0) FROM rooms")
PRE_HA=$(q "SELECT COALESCE(GROUP_CONCAT(id), 0) FROM sensors WHERE source = 'home_assistant'")
on_exit "sql \"DELETE FROM rooms WHERE ha_area_id IS NOT NULL AND id NOT IN ($BEFORE_IDS)\"; sql \"UPDATE rooms SET ha_area_id = NULL, ha_missing_since = NULL WHERE id IN ($BEFORE_IDS)\"; sql 'DELETE FROM ha_areas'; sql 'DELETE FROM ha_sync_runs'; sql 'DELETE FROM ha_entities'; sql 'DELETE FROM ha_devices'"
on_exit "sql \"DELETE FROM device_aliases WHERE alias LIKE '$P%'\""
sql "UPDATE rooms SET ha_area_id = NULL, ha_missing_since = NULL"

api POST /api/v1/ha/sync/rooms
expect_status 200 "setup: rooms sync"
api POST /api/v1/entities/sync
expect_status 200 "setup: entities sync (devices and entities)"

# ---------------------------------------------------------------- areas
AREAS=$(jq '.areas | length' "$HOUSE")
api GET "/api/v1/areas?limit=1000"
expect_status 200 "GET /areas: 200"
expect_json '.items | length' "$AREAS" "... every one of HA's $AREAS areas"
KITCHEN_ROOM=$(q "SELECT id FROM rooms WHERE ha_area_id = 'kitchen'")
expect_json '.items[] | select(.area_id == "kitchen") | [.name, .room_id, .floor_id, .missing] | map(tostring) | join(",")' \
	"Kitchen,$KITCHEN_ROOM,ground_floor,false" "... the kitchen: its name, the room synced from it, its floor"
expect_json '.items[] | select(.area_id == "living_room") | .aliases | index("lounge") != null' true \
	"... an area's aliases as HA keeps them"
KD=$(q "SELECT COUNT(*) FROM ha_devices WHERE area_id = 'kitchen' AND missing_since IS NULL")
KE=$(q "SELECT COUNT(*) FROM ha_entities WHERE area_id = 'kitchen' AND missing_since IS NULL")
expect_json '.items[] | select(.area_id == "kitchen") | "\(.devices),\(.entities)"' "$KD,$KE" \
	"... with how many devices ($KD) and entities ($KE) are in it"
[ "$KE" -gt 0 ] && ok "... (the kitchen has entities)" || not_ok "... (the kitchen has entities)" "$KE"

api GET "/api/v1/areas?limit=3"
FIRST3=$(jb '[.items[].area_id] | join(",")')
NEXT=$(jb -r '.pagination.next_cursor')
api GET "/api/v1/areas?limit=1000&cursor=$NEXT"
expect_json '.items | length' "$((AREAS - 3))" "a cursor continues the list where the page ended"
expect_json "[.items[].area_id] | map(select(. as \$a | \"$FIRST3\" | split(\",\") | index(\$a))) | length" 0 \
	"... with none of the first page again"

api GET /api/v1/areas/kitchen
expect_status 200 "GET /areas/kitchen: 200"
expect_json '[(.device_ids | length), (.entity_ids | length)] | map(tostring) | join(",")' "$KD,$KE" \
	"... with its devices' and entities' ids"
api GET /api/v1/areas/no_such_area
expect_status 404 "an area HA does not have: 404"
expect_json .detail "area no_such_area not found" "... naming it"
api GET "/api/v1/areas/$(printf 'a%.0s' $(seq 300))"
expect_status 422 "an area id longer than HA's: 422"

# ---------------------------------------------------------------- devices
DEVICES=$(jq '.devices | length' "$HOUSE")
api GET "/api/v1/devices?limit=1000"
expect_status 200 "GET /devices: 200"
expect_json '.items | length' "$DEVICES" "... every one of HA's $DEVICES devices"
expect_json ".items[] | select(.device_id == \"$HUE_ID\") | [.name, .manufacturer, .model, (.macs | join(\" \")), .alias] | map(tostring) | join(\",\")" \
	"Hue Bridge,Signify Netherlands B.V.,Hue Bridge,$HUE_MAC,null" \
	"... a device: name, maker, model, its MACs, no alias yet"
api GET "/api/v1/devices?area=kitchen&limit=1000"
expect_json '.items | length' "$KD" "GET /devices?area=kitchen: the kitchen's $KD devices"
expect_json '[.items[].area_id] | unique | join(",")' kitchen "... and only those"
api GET "/api/v1/devices?area=$(printf 'a%.0s' $(seq 300))"
expect_status 422 "an area filter longer than HA's ids: 422"
expect_loc '["query","area"]' "" "... at query.area"

HUE_ENTITIES=$(q "SELECT COUNT(*) FROM ha_entities WHERE device_id = '$HUE_ID' AND missing_since IS NULL")
api GET "/api/v1/devices/$HUE_ID"
expect_status 200 "GET /devices/{device_id}: 200"
expect_json '[.entities, (.entity_ids | length), .registry.sw_version] | map(tostring) | join(",")' \
	"$HUE_ENTITIES,$HUE_ENTITIES,$(jq -r --arg i "$HUE_ID" '.devices[] | select(.id == $i) | .sw_version' "$HOUSE")" \
	"... with its entities and HA's registry entry"
api GET /api/v1/devices/0123456789abcdef
expect_status 404 "a device HA does not have: 404"

# ---------------------------------------------------------------- aliases
AUDIT0=$(q "SELECT COALESCE(MAX(id), 0) FROM audit_log")
api PUT "/api/v1/devices/aliases/00-17-88-4A-1B-2C" "{\"alias\": \"$P hub\"}"
expect_status 201 "PUT /devices/aliases/{mac} (dashes, capitals): 201"
expect_json '[.mac, .alias, .device_id, .device_name] | join(",")' "$HUE_MAC,$P hub,$HUE_ID,Hue Bridge" \
	"... kept as HA writes MACs, and matched to the device holding it"
api PUT "/api/v1/devices/aliases/0017.884a.1b2c" "{\"alias\": \"$P bridge\"}"
expect_status 200 "the same MAC spelt another way renames it: 200"
is "$(q "SELECT COUNT(*) FROM device_aliases WHERE mac = '$HUE_MAC'")" 1 "... one alias for the MAC"
api GET "/api/v1/devices/$HUE_ID"
expect_json .alias "$P bridge" "GET /devices/{id} shows the alias"
api GET "/api/v1/devices?limit=1000"
expect_json ".items[] | select(.device_id == \"$HUE_ID\") | .alias" "$P bridge" "... and so does the list"

api PUT "/api/v1/devices/aliases/${PHONE_MAC^^}" "{\"alias\": \"$P Mum's phone ☎\"}"
expect_status 201 "a MAC no HA device has may be named too"
expect_json '[.mac, .device_id] | map(tostring) | join(",")' "$PHONE_MAC,null" "... with no device"
api GET "/api/v1/devices/aliases"
expect_status 200 "GET /devices/aliases: 200"
expect_json "[.items[] | select(.alias | startswith(\"$P\")) | .alias] | join(\"|\")" "$P bridge|$P Mum's phone ☎" \
	"... both, in the order they were named, the name as written"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND method = 'PUT' AND path LIKE '/api/v1/devices/aliases/%' AND status IN (200, 201) AND object_id IN ('$HUE_MAC', '$PHONE_MAC')")" 3 \
	"every alias change is audited, naming the MAC"

# Bad input: 422, nothing kept.
PRINT=$(q "SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', mac, HEX(alias), updated_at) ORDER BY id)) FROM device_aliases")
for bad in 00:17:88:4a:1b 00:17:88:4a:1b:2c:3d 00:17-88:4a:1b:2c zz:17:88:4a:1b:2c '00%2017%2088%204a%201b%202c'; do
	api PUT "/api/v1/devices/aliases/$bad" "{\"alias\": \"$P x\"}"
	expect_status 422 "a MAC that is not one ($bad): 422"
done
api PUT "/api/v1/devices/aliases/$HUE_MAC" '{}'
expect_status 422 "no alias: 422"
expect_loc '["body","alias"]' missing "... at body.alias, missing"
api PUT "/api/v1/devices/aliases/$HUE_MAC" '{"alias": "   "}'
expect_status 422 "a blank alias: 422"
api PUT "/api/v1/devices/aliases/$HUE_MAC" "{\"alias\": \"$(printf 'x%.0s' $(seq 129))\"}"
expect_status 422 "an alias of 129 characters: 422"
api PUT "/api/v1/devices/aliases/$HUE_MAC" "{\"alias\": \"$P y\", \"device_id\": \"x\"}"
expect_status 422 "an unknown field: 422"
expect_loc '["body","device_id"]' extra_forbidden "... at body.device_id"
api PUT "/api/v1/devices/aliases/$HUE_MAC" '[1]'
expect_status 422 "a body that is not an object: 422"
is "$(q "SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', mac, HEX(alias), updated_at) ORDER BY id)) FROM device_aliases")" "$PRINT" \
	"... and no alias changed"

# Roles: a caregiver reads, never names.
create_key "$P-carer" caregiver && CARER=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
KEY=$CARER api GET /api/v1/devices/aliases
expect_status 200 "a caregiver reads the aliases"
KEY=$CARER api PUT "/api/v1/devices/aliases/$PHONE_MAC" '{"alias": "nope"}'
expect_status 403 "... but may not name a device: 403"
KEY=$CARER api DELETE "/api/v1/devices/aliases/$PHONE_MAC"
expect_status 403 "... nor forget one: 403"

api DELETE "/api/v1/devices/aliases/${PHONE_MAC//:/}"
expect_status 204 "DELETE /devices/aliases/{mac}: 204"
api DELETE "/api/v1/devices/aliases/$PHONE_MAC"
expect_status 404 "again: 404"
is "$(q "SELECT COUNT(*) FROM device_aliases WHERE mac = '$PHONE_MAC'")" 0 "... gone"

# ---------------------------------------------------------------- HA down
ha_stop
api GET "/api/v1/areas/kitchen"
expect_status 200 "HA down: the areas are still read from the database"
api GET "/api/v1/devices/$HUE_ID"
expect_json .alias "$P bridge" "... and the devices with their aliases"

if grep -rq -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/" 2>/dev/null; then
	not_ok "the HA token is in no log" "$(grep -rl -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/")"
else
	ok "the HA token is in no log"
fi
finish
