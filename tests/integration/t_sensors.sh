#!/bin/bash
# Sensors: the type registry, CRUD, filters, config validation, partial PUT.
. "$(dirname "$0")/lib.sh"

P="sensors-$RUN_ID"

sensors_count() { sql "SELECT COUNT(*) FROM sensors"; }
# sensor NAME TYPE [JQ_EXPR]: a body {"name", "sensor_type"} + the expression's fields.
sensor() {
	local extra=${3:-"{}"}
	jq -nc --arg n "$P-$1" --arg t "$2" "{name: \$n, sensor_type: \$t} + ($extra)"
}
# ids_of QUERY: IDS = the ids of this file's sensors in GET /sensors?QUERY, sorted.
IDS=
ids_of() {
	api GET "/api/v1/sensors?limit=1000&$1"
	IDS=$(jb --arg p "$P-" '[.items[] | select(.name | startswith($p)) | .id] | sort | map(tostring) | join(" ")')
}
sorted() { printf '%s\n' "$@" | sort -n | tr '\n' ' ' | sed 's/ $//'; }

# ---------------------------------------------------------------- sensor types
api GET /api/v1/sensor-types
expect_status 200 "GET /sensor-types: 200"
for t in camera presence button light eink reed_switch pir vibration hall_digital; do
	expect_json "[.items[] | select(.name == \"$t\")] | length" 1 "sensor type $t is listed"
done
expect_json '[.items[] | (.config_schema | type) == "object"] | all' true "every type has a config_schema object"
expect_json '[.items[] | (.description | type) == "string" and (.category | type) == "string"] | all' true \
	"every type has a description and a category"
expect_json '[.items[] | has("defaults")] | all' true "every type has defaults"
expect_json '[.items[] | select(.name == "pir") | .config_schema.properties.gpio] | length' 1 \
	"pir's config_schema describes gpio"
TYPES=$BODY
# A calibration object the pir schema accepts: its defaults, else values built from the schema.
CALIB_TYPE=$(jq -r '[.items[] | select(.config_schema.properties.calibration.properties // {} | length > 0) | .name] | (map(select(. == "pir")) + .)[0] // empty' <<<"$TYPES")
GOOD_CALIB=$(jq -c --arg t "$CALIB_TYPE" '.items[] | select(.name == $t) |
	(.defaults.calibration // null) as $d |
	if ($d | type) == "object" and ($d | length) > 0 then $d else
	(.config_schema.properties.calibration.properties | with_entries(.value |= (
		if has("default") then .default
		elif .type == "integer" or .type == "number" then (.minimum // 0)
		elif .type == "boolean" then false
		elif .type == "string" then (.enum[0]? // "x")
		else null end))) end' <<<"$TYPES")

# ---------------------------------------------------------------- setup: two rooms
create_room "$P-r1"
R1=$ROOM_ID
create_room "$P-r2"
R2=$ROOM_ID
[ -n "$R1" ] && [ -n "$R2" ] && ok "setup: two rooms" || not_ok "setup: two rooms" "$(_last)"

# ---------------------------------------------------------------- create, get
api POST /api/v1/sensors "$(sensor cam camera)"
expect_status 201 "POST /sensors with name and type only: 201"
CAM=$(jb .id)
expect_json 'keys | sort | join(",")' "config,created_at,enabled,external_id,id,name,room_id,sensor_type,source,updated_at" \
	"the sensor has exactly the documented fields"
expect_json '.id | type' number "integer id"
expect_json .sensor_type camera "sensor_type as given"
expect_json .room_id null "room_id defaults to null"
expect_json .source manual "source defaults to manual"
expect_json .external_id null "external_id defaults to null"
expect_json .enabled true "enabled defaults to true"
expect_json '.config | type' object "config defaults to an object"
expect_json "(.created_at | test(\"$ISO_RE\")) and (.updated_at | test(\"$ISO_RE\"))" true "times are ISO 8601 UTC with Z"

api POST /api/v1/sensors "$(sensor pir pir "{room_id: ${R1:-0}, source: \"gpio\", external_id: \"gpio-17\", enabled: false,
	config: {gpio: 17, hold_seconds: 5, invert_logic: true}}")"
expect_status 201 "POST /sensors with every field: 201"
PIR=$(jb .id)
pir_created=$BODY
expect_json .room_id "${R1:-0}" "room_id as given"
expect_json .source gpio "source as given"
expect_json .external_id gpio-17 "external_id as given"
expect_json .enabled false "enabled as given"
expect_json '.config | [.gpio, .hold_seconds, .invert_logic] | map(tostring) | join(" ")' "17 5 true" "config as given"

api GET "/api/v1/sensors/$PIR"
expect_status 200 "GET /sensors/{id}: 200"
is "$(jq -S . <<<"$BODY")" "$(jq -S . <<<"$pir_created")" "GET returns what POST returned"

create_sensor "$(sensor button button "{room_id: ${R1:-0}}")"
BUTTON=$SENSOR_ID
create_sensor "$(sensor door reed_switch "{room_id: ${R2:-0}, source: \"home_assistant\", external_id: \"binary_sensor.$P\"}")"
DOOR=$SENSOR_ID
[ -n "$BUTTON" ] && [ -n "$DOOR" ] && ok "setup: more sensors for the filters" || not_ok "setup: more sensors for the filters" "$(_last)"
api GET "/api/v1/rooms/$R1"
expect_json .sensor_count 2 "room 1 counts its 2 sensors"

# ---------------------------------------------------------------- filters
ids_of ""
is "$IDS" "$(sorted "$CAM" "$PIR" "$BUTTON" "$DOOR")" "no filter: all four sensors"
expect_json '.pagination | has("next_cursor") and has("has_more")' true "the sensor list has pagination"
ids_of "room_id=$R1"
is "$IDS" "$(sorted "$PIR" "$BUTTON")" "room_id=R1: pir and button"
expect_json "[.items[].room_id == ${R1:-0}] | all" true "room_id=R1: every item is in R1"
ids_of "room_id=$R2"
is "$IDS" "$DOOR" "room_id=R2: the door"
ids_of "sensor_type=pir"
is "$IDS" "$PIR" "sensor_type=pir: the pir"
expect_json '[.items[].sensor_type == "pir"] | all' true "sensor_type=pir: every item is a pir"
ids_of "source=home_assistant"
is "$IDS" "$DOOR" "source=home_assistant: the door"
expect_json '[.items[].source == "home_assistant"] | all' true "source=home_assistant: every item comes from HA"
ids_of "source=manual"
is "$IDS" "$(sorted "$CAM" "$BUTTON")" "source=manual: camera and button"
ids_of "room_id=$R1&sensor_type=button"
is "$IDS" "$BUTTON" "room_id=R1&sensor_type=button: the button"
ids_of "room_id=$R1&source=gpio&sensor_type=pir"
is "$IDS" "$PIR" "all three filters: the pir"
ids_of "room_id=$R2&source=manual"
is "$IDS" "" "room_id=R2&source=manual: nothing"
expect_json '.items | length' 0 "a filter that matches nothing: empty items"
api GET "/api/v1/sensors?room_id=abc"
expect_status 422 "room_id=abc: 422"
expect_loc '["query","room_id"]'

# ---------------------------------------------------------------- validation
n0=$(sensors_count)
api POST /api/v1/sensors '{}'
expect_status 422 "an empty sensor: 422"
expect_loc '["body","name"]' missing
expect_loc '["body","sensor_type"]' missing
api POST /api/v1/sensors "$(sensor x toaster)"
expect_status 422 "an unknown sensor_type: 422"
expect_loc '["body","sensor_type"]' enum
api POST /api/v1/sensors "$(sensor x pir '{room_id: 99999999}')"
expect_status 422 "a room_id that does not exist: 422"
expect_loc '["body","room_id"]'
api POST /api/v1/sensors "$(sensor x pir '{room_id: "abc"}')"
expect_status 422 "room_id \"abc\": 422"
expect_loc '["body","room_id"]'
api POST /api/v1/sensors "$(sensor x pir '{source: "carrier_pigeon"}')"
expect_status 422 "an unknown source: 422"
expect_loc '["body","source"]' enum
api POST /api/v1/sensors "$(sensor x pir "{external_id: \"$(printf 'e%.0s' {1..256})\"}")"
expect_status 422 "a 256-character external_id: 422"
expect_loc '["body","external_id"]' string_too_long
api POST /api/v1/sensors "$(sensor x pir '{enabled: "yes"}')"
expect_status 422 "enabled \"yes\": 422"
expect_loc '["body","enabled"]' bool_type
api POST /api/v1/sensors "$(sensor x pir '{config: [1]}')"
expect_status 422 "config that is not an object: 422"
expect_loc '["body","config"]'
api POST /api/v1/sensors "$(sensor x pir '{colour: "red"}')"
expect_status 422 "an unknown field: 422"
expect_loc '["body","colour"]' extra_forbidden

for c in '{gpio: 28}' '{gpio: -1}' '{gpio: "17"}' '{gpio: 1.5}'; do
	api POST /api/v1/sensors "$(sensor x pir "{config: $c}")"
	expect_status 422 "config $c: 422"
	expect_loc '["body","config","gpio"]'
done
api POST /api/v1/sensors "$(sensor x pir '{config: {gpio: 28}}')"
expect_loc '["body","config","gpio"]' less_than_equal
for c in '{hold_seconds: 3601}' '{hold_seconds: -1}'; do
	api POST /api/v1/sensors "$(sensor x pir "{config: $c}")"
	expect_status 422 "config $c: 422"
	expect_loc '["body","config","hold_seconds"]'
done
api POST /api/v1/sensors "$(sensor x pir '{config: {invert_logic: "yes"}}')"
expect_status 422 "config invert_logic \"yes\": 422"
expect_loc '["body","config","invert_logic"]' bool_type
api POST /api/v1/sensors "$(sensor x pir '{config: {bogus: 1}}')"
expect_status 422 "an unknown config key: 422"
expect_loc '["body","config","bogus"]'
api POST /api/v1/sensors "$(sensor x pir '{config: {gpio: 28, bogus: 1}, source: "carrier_pigeon"}')"
expect_status 422 "three problems at once: 422"
expect_json '.detail | length' 3 "all three are listed"
if [ -n "$CALIB_TYPE" ]; then
	api POST /api/v1/sensors "$(sensor x "$CALIB_TYPE" '{config: {calibration: {bogus_key: 1}}}')"
	expect_status 422 "$CALIB_TYPE: an unknown calibration key: 422"
	expect_loc '["body","config","calibration","bogus_key"]'
	api POST /api/v1/sensors "$(sensor x "$CALIB_TYPE" '{config: {calibration: 5}}')"
	expect_status 422 "$CALIB_TYPE: calibration that is not an object: 422"
	expect_loc '["body","config","calibration"]'
else
	not_ok "some GPIO type has calibration keys in its config_schema" "$(jq -c '[.items[] | {name, config_schema}]' <<<"$TYPES" | head -c 600)"
fi
is "$(sensors_count)" "$n0" "no 422 created a sensor"

for c in '{gpio: 0}' '{gpio: 27, hold_seconds: 3600, invert_logic: false}' '{hold_seconds: 0}'; do
	api POST /api/v1/sensors "$(sensor "edge$RANDOM" pir "{config: $c}")"
	expect_status 201 "config $c: 201"
	[ "$STATUS" = 201 ] && on_exit "KEY=\$ADMIN api DELETE /api/v1/sensors/$(jb .id)"
done
if [ -n "$CALIB_TYPE" ]; then
	api POST /api/v1/sensors "$(sensor calib "$CALIB_TYPE" "{config: {gpio: 4, calibration: $GOOD_CALIB}}")"
	expect_status 201 "$CALIB_TYPE with calibration $GOOD_CALIB: 201"
	[ "$STATUS" = 201 ] && on_exit "KEY=\$ADMIN api DELETE /api/v1/sensors/$(jb .id)"
	expect_json ".config.calibration == $GOOD_CALIB" true "the calibration comes back as given"
fi
api POST /api/v1/sensors "$(sensor ext255 button "{external_id: \"$(printf 'e%.0s' {1..255})\"}")"
expect_status 201 "a 255-character external_id: 201"
[ "$STATUS" = 201 ] && on_exit "KEY=\$ADMIN api DELETE /api/v1/sensors/$(jb .id)"

# ---------------------------------------------------------------- partial PUT
api GET "/api/v1/sensors/$PIR"
base=$BODY
# same_except FIELD...: the sensor equals $base apart from these fields (and updated_at).
same_except() {
	local del='.updated_at' f
	for f in "$@"; do del="$del, .$f"; done
	[ "$(jq -S "del($del)" <<<"$BODY")" = "$(jq -S "del($del)" <<<"$base")" ]
}
api PUT "/api/v1/sensors/$PIR" '{"enabled": true}'
expect_status 200 "PUT enabled only: 200"
expect_json .enabled true "PUT enabled: changed"
check "PUT enabled: nothing else changed" same_except enabled
base=$BODY
api PUT "/api/v1/sensors/$PIR" '{"room_id": null}'
expect_status 200 "PUT room_id null: 200"
expect_json .room_id null "PUT room_id null: unassigned"
check "PUT room_id null: nothing else changed" same_except room_id
base=$BODY
api PUT "/api/v1/sensors/$PIR" "{\"room_id\": ${R2:-0}}"
expect_status 200 "PUT room_id R2: 200"
expect_json .room_id "${R2:-0}" "PUT room_id: moved to R2"
check "PUT room_id: nothing else changed" same_except room_id
base=$BODY
api PUT "/api/v1/sensors/$PIR" '{"config": {"gpio": 4}}'
expect_status 200 "PUT config: 200"
expect_json .config.gpio 4 "PUT config: gpio 4"
check "PUT config: nothing else changed" same_except config
base=$BODY
for bad in '{"config": {"gpio": 28}}' '{"room_id": 99999999}' '{"name": ""}' '{"bogus": 1}' '{"sensor_type": "toaster"}' '{"enabled": null}'; do
	api PUT "/api/v1/sensors/$PIR" "$bad"
	expect_status 422 "PUT $bad: 422"
done
api GET "/api/v1/sensors/$PIR"
check "the refused PUTs changed nothing" same_except
api PUT /api/v1/sensors/99999999 '{"enabled": true}'
expect_status 404 "PUT an unknown sensor: 404"
api GET "/api/v1/rooms/$R2"
expect_json .sensor_count 2 "room 2 now counts 2 sensors"

# ---------------------------------------------------------------- delete
api DELETE "/api/v1/sensors/$PIR"
expect_status 204 "DELETE /sensors/{id}: 204"
is "$BODY" "" "204 has no body"

# Every change to the sensor left exactly one audit row, the 422s none.
audit_rows() { sql "SELECT method, status FROM audit_log WHERE object_id = '${PIR:-0}' AND path LIKE '/api/v1/sensors%' ORDER BY id" | tr '\t\n' ': '; }
is "$(audit_rows)" "POST:201 PUT:200 PUT:200 PUT:200 PUT:200 DELETE:204 " "audit: the sensor's POST, 4 PUTs and DELETE, one row each"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE method = 'PUT' AND path = '/api/v1/sensors/${PIR:-0}'")" 4 "audit: the PUTs are recorded with the sensor's path"
api GET "/api/v1/sensors/$PIR"
expect_status 404 "GET a deleted sensor: 404"
api DELETE "/api/v1/sensors/$PIR"
expect_status 404 "DELETE it again: 404"
api GET /api/v1/sensors/abc
expect_status 422 "GET /sensors/abc: 422"
expect_loc '["path","id"]'

for id in "$CAM" "$BUTTON" "$DOOR"; do
	[ -n "$id" ] && api DELETE "/api/v1/sensors/$id"
done
for id in "$R1" "$R2"; do
	[ -n "$id" ] && api DELETE "/api/v1/rooms/$id"
done
expect_status 204 "cleanup: the emptied rooms delete"

finish
