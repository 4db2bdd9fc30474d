#!/bin/bash
# POST /ha/sync/rooms against a stand-in Home Assistant (tests/tools/fake_ha.py,
# HA's WebSocket API): areas become rooms, a room made by hand is adopted, a
# second sync changes nothing, a renamed area renames its room, a removed one
# marks it missing without deleting it, and a failed, refused or absent HA
# changes nothing at all.
. "$(dirname "$0")/lib.sh"

P="ha-$RUN_ID"
HA_BRIDGE=

# The rooms as a fingerprint of everything a sync may change.
rooms_print() {
	q "SELECT MD5(COALESCE(GROUP_CONCAT(CONCAT_WS('|', id, HEX(name), COALESCE(ha_area_id, '-'),
		ha_missing_since IS NULL) ORDER BY id SEPARATOR ';'), '')) FROM rooms"
}
last_run() { q "SELECT CONCAT_WS(',', status, kind, trigger_source) FROM ha_sync_runs ORDER BY id DESC LIMIT 1"; }

# ---------------------------------------------------------------- not configured
if [ -z "$(config_get homeassistant url)" ]; then
	api POST /api/v1/ha/sync/rooms
	expect_status 503 "no Home Assistant configured: 503"
	expect_json '.detail | contains("not configured")' true "... and it says what to set"
else
	skip "no Home Assistant configured: 503" "the stack has [homeassistant] url set"
	skip "... and it says what to set" "the stack has [homeassistant] url set"
fi

if ! ha_start; then
	not_ok "setup: the stand-in Home Assistant starts" "$(cat "$T/fake_ha.out" 2>/dev/null)"
	finish
fi
outbound_to_ha
ok "setup: the stand-in Home Assistant runs at $HA_URL"

# Rooms that exist before the first sync are put back as they were; rooms
# the syncs made go, and so do the HA tables' rows.
BEFORE_IDS=$(q "SELECT COALESCE(GROUP_CONCAT(id), 0) FROM rooms")
# Sensors other files made with source home_assistant are set aside (as
# manual) while this file syncs, and put back after; the synced ones go.
PRE_HA=$(q "SELECT COALESCE(GROUP_CONCAT(id), 0) FROM sensors WHERE source = 'home_assistant'")
sql "UPDATE sensors SET source = 'manual' WHERE id IN ($PRE_HA)"
on_exit "sql \"UPDATE sensors SET source = 'home_assistant', ha_missing_since = NULL WHERE id IN ($PRE_HA)\""
on_exit "sql \"DELETE FROM rooms WHERE ha_area_id IS NOT NULL AND id NOT IN ($BEFORE_IDS)\"; sql \"UPDATE rooms SET ha_area_id = NULL, ha_missing_since = NULL WHERE id IN ($BEFORE_IDS)\"; sql 'DELETE FROM ha_areas'; sql 'DELETE FROM ha_sync_runs'; sql 'DELETE FROM ha_entities'; sql 'DELETE FROM ha_devices'; sql 'DELETE FROM ha_registry'"
forget_synced_sensors() {
	sql "DELETE FROM sensor_events WHERE sensor_id IN (SELECT id FROM sensors WHERE source = 'home_assistant')"
	sql "DELETE FROM sensors WHERE source = 'home_assistant'"
}
on_exit forget_synced_sensors
# A room a person made with one of HA's area names, unlinked: adopted.
sql "UPDATE rooms SET ha_area_id = NULL, ha_missing_since = NULL"
if [ "$(q "SELECT COUNT(*) FROM rooms WHERE name = 'Kitchen'")" = 0 ]; then
	create_room Kitchen && KITCHEN=$ROOM_ID
	# The synced sensors in it go first (cleanups run last first).
	on_exit "forget_synced_sensors; sql \"DELETE FROM rooms WHERE id = $KITCHEN\""
else
	KITCHEN=$(q "SELECT id FROM rooms WHERE name = 'Kitchen'")
fi

AUDIT0=$(q "SELECT COALESCE(MAX(id), 0) FROM audit_log")
AREAS=$(jq '.areas | length' "$HEARTH_SRC_DIR/tests/tools/fake_ha_house.json")
AREA_IDS=$(jq -r '[.areas[].area_id | "\u0027\(.)\u0027"] | join(",")' "$HEARTH_SRC_DIR/tests/tools/fake_ha_house.json")

# ---------------------------------------------------------------- first sync
api POST /api/v1/ha/sync/rooms
expect_status 200 "POST /ha/sync/rooms: 200"
expect_json '[.kind, .trigger, .status, .error] | map(tostring) | join(",")' "rooms,api,completed,null" \
	"the run: a completed rooms sync from the API"
expect_json '.created + .updated + .unchanged + .conflicts' "$AREAS" "every one of HA's $AREAS areas is accounted for"
FIRST=$BODY
LINKED=$(q "SELECT COUNT(*) FROM rooms WHERE ha_area_id IN ($AREA_IDS)")
is "$LINKED" "$(jq '.created + .updated + .unchanged' <<<"$FIRST")" "a room for each area not in conflict, holding its area_id"
is "$(q "SELECT ha_area_id FROM rooms WHERE id = $KITCHEN")" kitchen "the hand-made Kitchen is adopted, not duplicated"
is "$(q "SELECT COUNT(*) FROM rooms WHERE name = 'Kitchen'")" 1 "... one Kitchen"
api GET "/api/v1/rooms/$KITCHEN"
expect_json '[.ha_area_id, .ha_missing] | map(tostring) | join(",")' "kitchen,false" \
	"GET /rooms/{id} shows ha_area_id and ha_missing"
is "$(q "SELECT COUNT(*) FROM ha_areas WHERE area_id IN ($AREA_IDS) AND missing_since IS NULL")" "$AREAS" \
	"HA's area entries are kept in ha_areas"
is "$(q "SELECT JSON_VALUE(data, '$.floor_id') FROM ha_areas WHERE area_id = 'kitchen'")" ground_floor \
	"... whole (floor, aliases...)"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/ha/sync/rooms' AND status = 200")" 1 \
	"the sync is audited"

# A sync takes no options: one it does not know is refused, not ignored.
RUNS=$(q "SELECT COUNT(*) FROM ha_sync_runs")
for route in /api/v1/ha/sync/rooms /api/v1/ha/sync/sensors /api/v1/entities/sync; do
	api POST "$route" '{"dry_run": true}'
	expect_status 422 "POST $route with an option it does not take: 422"
	expect_loc '["body","dry_run"]' extra_forbidden "... at body.dry_run"
done
is "$(q "SELECT COUNT(*) FROM ha_sync_runs")" "$RUNS" "... and no sync ran"
api POST /api/v1/ha/sync/rooms '{}'
expect_status 200 "an empty object is no options: 200"

# ---------------------------------------------------------------- again: nothing changes
PRINT=$(rooms_print)
api POST /api/v1/ha/sync/rooms
expect_json '[.created, .updated, .missing] | map(tostring) | join(",")' "0,0,0" "a second sync creates and updates nothing"
expect_json .unchanged "$LINKED" "... every linked room is unchanged"
is "$(rooms_print)" "$PRINT" "... and the rooms table is byte for byte the same"

# ---------------------------------------------------------------- renamed, removed, back
ha_post /_test/registry '{"kind": "area", "action": "update", "item": {"area_id": "office", "name": "Study '"$RUN_ID"'"}}' >/dev/null
api POST /api/v1/ha/sync/rooms
expect_json .updated 1 "an area renamed in HA: one room updated"
is "$(q "SELECT name FROM rooms WHERE ha_area_id = 'office'")" "Study $RUN_ID" "... the room has HA's new name"

OFFICE=$(q "SELECT id FROM rooms WHERE ha_area_id = 'office'")
ha_post /_test/registry '{"kind": "area", "action": "remove", "item": {"area_id": "office"}}' >/dev/null
api POST /api/v1/ha/sync/rooms
expect_status 200 "an area removed in HA: the sync completes"
expect_json .missing 1 "... one room missing"
api GET "/api/v1/rooms/$OFFICE"
expect_status 200 "... the room is still there"
expect_json .ha_missing true "... marked ha_missing"
is "$(q "SELECT missing_since IS NOT NULL FROM ha_areas WHERE area_id = 'office'")" 1 "... and its area entry too"
PRINT=$(rooms_print)
api POST /api/v1/ha/sync/rooms
expect_json '[.missing, .updated] | map(tostring) | join(",")' "1,0" "still gone: still missing, not marked again"
is "$(rooms_print)" "$PRINT" "... nothing written"

ha_post /_test/registry '{"kind": "area", "action": "create", "item": {"area_id": "office", "name": "Study '"$RUN_ID"'"}}' >/dev/null
api POST /api/v1/ha/sync/rooms
expect_json .updated 1 "the area back in HA: its room is updated"
api GET "/api/v1/rooms/$OFFICE"
expect_json .ha_missing false "... and no longer missing"

# ---------------------------------------------------------------- HA failing: nothing changes
ha_post /_test/registry '{"kind": "area", "action": "update", "item": {"area_id": "office", "name": "Renamed '"$RUN_ID"'"}}' >/dev/null
PRINT=$(rooms_print)
ha_post /_test/fail '{"ws_command": "config/area_registry/list", "times": 1, "code": "unknown_error", "message": "boom"}' >/dev/null
api POST /api/v1/ha/sync/rooms
expect_status 502 "HA answers the area list with an error: 502"
expect_json '.detail | contains("boom")' true "... with HA's message"
is "$(rooms_print)" "$PRINT" "... and no room changed"
is "$(last_run)" "failed,rooms,api" "... the run is recorded as failed"

ha_post /_test/fail '{"ws_command": "config/area_registry/list", "times": 1, "close": true}' >/dev/null
api POST /api/v1/ha/sync/rooms
expect_status "502|504" "HA drops the connection mid-sync: 502"
is "$(rooms_print)" "$PRINT" "... and no room changed"

ha_stop
api POST /api/v1/ha/sync/rooms
expect_status 502 "HA down: 502"
expect_json '.detail | contains("connect")' true "... saying it cannot connect"
is "$(rooms_print)" "$PRINT" "... and no room changed"
ha_restart >/dev/null

config_set homeassistant token wrong-token-$RUN_ID
restart_api_tick
api POST /api/v1/ha/sync/rooms
expect_status 502 "a token HA refuses: 502"
expect_json '.detail | contains("token")' true "... saying the token was refused"
if grep -q "wrong-token-$RUN_ID" <<<"$BODY"; then not_ok "... never showing the token" "$(_last)"
else ok "... never showing the token"; fi
config_set homeassistant token "$HA_TOKEN"
restart_api_tick

api POST /api/v1/ha/sync/rooms
expect_json .updated 1 "HA back: the pending rename arrives"

# ---------------------------------------------------------------- one at a time
sql "INSERT INTO ha_sync_runs (kind, running_key, trigger_source, lease_until) VALUES ('rooms', 'rooms', 'cron', NOW(3) + INTERVAL 60 SECOND)"
api POST /api/v1/ha/sync/rooms
expect_status 409 "a rooms sync running elsewhere: 409"
sql "UPDATE ha_sync_runs SET lease_until = NOW(3) - INTERVAL 1 SECOND WHERE running_key = 'rooms'"
api POST /api/v1/ha/sync/rooms
expect_status 200 "one past its lease (its process died): taken over"
is "$(q "SELECT COUNT(*) FROM ha_sync_runs WHERE status = 'failed' AND error LIKE 'abandoned%'")" 1 \
	"... and recorded as abandoned"

# ---------------------------------------------------------------- sensors
HOUSE=$HEARTH_SRC_DIR/tests/tools/fake_ha_house.json
# The entities a sync keeps, by the rules it follows, in the areas linked now.
expected_sensors() {
	jq -r --argjson linked "$(q "SELECT COALESCE(JSON_ARRAYAGG(ha_area_id), '[]') FROM rooms WHERE ha_area_id IS NOT NULL AND ha_missing_since IS NULL")" '
		(.states | map({key: .entity_id, value: .}) | from_entries) as $st
		| (.devices | map({key: .id, value: .}) | from_entries) as $dev
		| [.entities[] | select(.disabled_by == null)
		   | (.entity_id | split(".")[0]) as $dom
		   | ($st[.entity_id].attributes.device_class // .device_class // .original_device_class) as $dc
		   | (.area_id // $dev[.device_id // ""].area_id) as $area
		   | select($area != null and ($linked | index($area)) != null)
		   | select(($dom == "binary_sensor" and ($dc | IN("occupancy", "motion", "presence", "door", "window", "opening", "garage_door")))
		            or ($dom == "sensor" and $dc == "illuminance")
		            or ($dom | IN("button", "input_button", "event")))
		   | .entity_id] | sort | join(",")' "$HOUSE"
}
synced_sensors() { q "SELECT COALESCE(GROUP_CONCAT(external_id ORDER BY external_id), '') FROM sensors WHERE source = 'home_assistant' AND ha_missing_since IS NULL"; }
sensors_print() {
	q "SELECT MD5(COALESCE(GROUP_CONCAT(CONCAT_WS('|', id, HEX(name), HEX(sensor_type), COALESCE(room_id, '-'),
		HEX(external_id), ha_missing_since IS NULL, enabled, HEX(config)) ORDER BY id SEPARATOR ';'), '')) FROM sensors"
}
ha_restart >/dev/null   # the house as it started: areas back, names as shipped
api POST /api/v1/ha/sync/rooms
api POST /api/v1/ha/sync/sensors
expect_status 200 "POST /ha/sync/sensors: 200"
expect_json '[.kind, .status] | join(",")' "sensors,completed" "the run: a completed sensors sync"
WANT=$(expected_sensors)
is "$(synced_sensors)" "$WANT" "exactly HA's presence, contact, light and button entities in synced areas became sensors"
expect_json .created "$(tr ',' '\n' <<<"$WANT" | grep -c .)" "... each one created"
is "$(q "SELECT s.sensor_type, r.ha_area_id, JSON_VALUE(s.config, '$.ha_entity_id'), s.enabled FROM sensors s JOIN rooms r ON r.id = s.room_id WHERE s.external_id = 'binary_sensor.kitchen_motion'" | tr '\t' ',')" \
	"presence,kitchen,binary_sensor.kitchen_motion,1" "a kitchen motion sensor: presence, in the Kitchen, its entity in config"
PRINT=$(sensors_print)
check "the sensors' fingerprint is one ($PRINT)" grep -Eq '^[0-9a-f]{32}$' <<<"$PRINT"
api POST /api/v1/ha/sync/sensors
expect_json '[.created, .updated, .missing] | map(tostring) | join(",")' "0,0,0" "a second sensors sync changes nothing"
is "$(sensors_print)" "$PRINT" "... byte for byte"

KM=$(q "SELECT id FROM sensors WHERE external_id = 'binary_sensor.kitchen_motion'")
api PUT "/api/v1/sensors/$KM" "$(jq -nc '{name: "Kitchen motion", sensor_type: "presence", enabled: false, source: "home_assistant", external_id: "binary_sensor.kitchen_motion", config: {ha_entity_id: "binary_sensor.kitchen_motion"}}')"
api POST /api/v1/ha/sync/sensors
expect_json .updated 1 "renamed in Hearth: the sync puts HA's name back"
is "$(q "SELECT enabled FROM sensors WHERE id = $KM")" 0 "... and leaves it disabled as a person set it"

ha_post /_test/registry '{"kind": "entity", "action": "remove", "item": {"entity_id": "binary_sensor.kitchen_motion"}}' >/dev/null
api POST /api/v1/ha/sync/sensors
expect_json .missing 1 "an entity removed from HA: its sensor is missing"
is "$(q "SELECT COUNT(*) FROM sensors WHERE id = $KM AND ha_missing_since IS NOT NULL")" 1 "... marked, not deleted"

PRINT=$(sensors_print)
ha_post /_test/fail '{"ws_command": "get_states", "times": 1, "code": "unknown_error", "message": "states broke"}' >/dev/null
api POST /api/v1/ha/sync/sensors
expect_status 502 "HA fails mid-sync (the states): 502"
is "$(sensors_print)" "$PRINT" "... and no sensor changed"

# ---------------------------------------------------------------- from cron
ha_post /_test/registry '{"kind": "area", "action": "update", "item": {"area_id": "garden", "name": "Back garden '"$RUN_ID"'"}}' >/dev/null
if "$HEARTH_BUILD_DIR/cron/hearth-ha-sync" -c "$HEARTH_CONFIG" >"$T/ha-sync.out" 2>&1; then
	ok "hearth-ha-sync (cron): exit 0"
else
	not_ok "hearth-ha-sync (cron): exit 0" "$(cat "$T/ha-sync.out")"
fi
is "$(q "SELECT GROUP_CONCAT(kind ORDER BY id) FROM ha_sync_runs WHERE trigger_source = 'cron' AND status = 'completed'")" \
	"rooms,sensors,entities,registry" "... a rooms, a sensors, an entities and a registry run, each completed"
is "$(q "SELECT name FROM rooms WHERE ha_area_id = 'garden'")" "Back garden $RUN_ID" "... the rename arrived"
check "... one log line per sync" grep -q "rooms sync [0-9]*: 0 created, 1 updated" "$T/ha-sync.out"

# ---------------------------------------------------------------- entities
ENTITIES=$(jq '[.entities[] | select(.entity_id | test("^[a-z0-9_]+\\.[a-z0-9_]+$"))] | length' "$HOUSE")
DEVICES=$(jq '.devices | length' "$HOUSE")
api POST /api/v1/entities/sync
expect_status 200 "POST /entities/sync: 200"
expect_json '.created + .updated + .unchanged' "$((ENTITIES + DEVICES - 1))" \
	"every registered entity and device kept (one entity was removed above)"
ents_print() { q "SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', HEX(entity_id), HEX(name), HEX(area_id), HEX(state), missing_since IS NULL) ORDER BY entity_id)) FROM ha_entities"; }
PRINT=$(ents_print)
check "the entities' fingerprint is one ($PRINT)" grep -Eq '^[0-9a-f]{32}$' <<<"$PRINT"
api POST /api/v1/entities/sync
expect_json '[.created, .updated] | map(tostring) | join(",")' "0,0" "a second entities sync changes nothing"
M0=$(jb .missing)
is "$(ents_print)" "$PRINT" "... byte for byte"
api GET "/api/v1/entities?domain=binary_sensor&area=kitchen&limit=100"
expect_status 200 "GET /entities?domain&area: 200"
expect_json '[.items[] | select(.domain != "binary_sensor" or .area_id != "kitchen")] | length' 0 \
	"... only the kitchen's binary sensors"
expect_json '[.items[].entity_id] | index("binary_sensor.kitchen_motion") != null' false \
	"... not the one removed from HA's registry (kept, missing)"
api GET /api/v1/entities/light.kitchen_ceiling
expect_status 200 "GET /entities/{entity_id}: 200"
expect_json '[.domain, .area_id, .missing, (.attributes | type)] | map(tostring) | join(",")' \
	"light,kitchen,false,object" "... its domain, area (its device's), attributes"
ha_post /_test/registry '{"kind": "entity", "action": "remove", "item": {"entity_id": "sensor.kitchen_motion_rssi"}}' >/dev/null
api POST /api/v1/entities/sync
expect_json '[.created, .updated, .missing] | map(tostring) | join(",")' "0,0,$((M0 + 1))" "an entity removed from HA: one more missing"
api GET /api/v1/entities/sensor.kitchen_motion_rssi
expect_json .missing true "... kept, marked missing"
api GET /api/v1/entities/light.nothing_here
expect_status 404 "an unknown entity: 404"
api GET "/api/v1/entities/Not%20An%20Id"
expect_status 422 "a malformed entity id: 422"
api GET "/api/v1/entities?limit=5"
C1=$(jb .pagination.next_cursor)
api GET "/api/v1/entities?limit=5&cursor=$C1"
expect_json '.items | length' 5 "entities page by cursor"

# ---------------------------------------------------------------- the runs
api GET "/api/v1/ha/sync/runs?kind=sensors&limit=2"
expect_status 200 "GET /ha/sync/runs?kind=sensors: 200"
expect_json '[.items[].kind] | unique | join(",")' sensors "... sensors runs only"
expect_json '(.items[0].id > .items[1].id) and (.items[0].trigger == "cron")' true "... newest first: the cron run"
RUN=$(jb '.items[0].id')
api GET "/api/v1/ha/sync/runs/$RUN"
expect_json '[.id, .status] | map(tostring) | join(",")' "$RUN,completed" "GET /ha/sync/runs/{id}"
api GET /api/v1/ha/sync/runs/999999999
expect_status 404 "an unknown run: 404"
api GET "/api/v1/ha/sync/runs?kind=nonsense"
expect_status 422 "an unknown kind: 422"

# ---------------------------------------------------------------- secrets
if grep -rq -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/" 2>/dev/null; then
	not_ok "the HA token is in no log" "$(grep -rl -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/")"
else
	ok "the HA token is in no log"
fi

finish
