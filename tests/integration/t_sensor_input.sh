#!/bin/bash
# Sensor input: POST /sensors/{id}/events per sensor type, the sensor state
# it drives (GET /sensors/{id}/status), out-of-order events, disabled
# sensors, GET /occupancy from presence sensors, device keys, audit rows.
. "$(dirname "$0")/lib.sh"

P="input-$RUN_ID"

# ago MINUTES: an ISO 8601 UTC time that many minutes ago (negative: ahead).
ago() { date -u -d "$1 minutes ago" +%Y-%m-%dT%H:%M:%SZ; }
sensor() { jq -nc --arg n "$P-$1" --arg t "$2" --argjson r "${3:-null}" '{name: $n, sensor_type: $t, room_id: $r}'; }
# event SENSOR_ID JSON
event() { api POST "/api/v1/sensors/$1/events" "$2"; }
# at SENSOR_ID TYPE MINUTES_AGO: an event_type that long ago.
at() { at_time "$1" "$2" "$(ago "$3")"; }
# at_time SENSOR_ID TYPE TIME
at_time() { event "$1" "$(jq -nc --arg e "$2" --arg t "$3" '{event_type: $e, occurred_at: $t}')"; }
status_of() { api GET "/api/v1/sensors/$1/status"; }
# room_occupancy ROOM_ID: BODY = that room's occupancy entry ("null" when none).
room_occupancy() {
	api GET /api/v1/occupancy
	BODY=$(jq -c --argjson r "$1" '[.items[] | select(.room_id == $r)][0]' <<<"$BODY")
}

# ---------------------------------------------------------------- setup
create_room "$P-living"
LIVING=$ROOM_ID
create_room "$P-hall"
HALL=$ROOM_ID
create_sensor "$(sensor presence1 presence "$LIVING")"
PRES1=$SENSOR_ID
create_sensor "$(sensor pir1 pir "$LIVING")"
PIR1=$SENSOR_ID
create_sensor "$(sensor button button)"
BUTTON=$SENSOR_ID
create_sensor "$(sensor light light "$HALL")"
LIGHT=$SENSOR_ID
create_sensor "$(sensor door reed_switch "$HALL")"
DOOR=$SENSOR_ID
create_sensor "$(sensor cam camera "$HALL")"
CAM=$SENSOR_ID
create_sensor "$(sensor shake vibration)"
SHAKE=$SENSOR_ID
[ -n "$LIVING" ] && [ -n "$HALL" ] && [ -n "$PRES1" ] && [ -n "$PIR1" ] && [ -n "$BUTTON" ] &&
	[ -n "$LIGHT" ] && [ -n "$DOOR" ] && [ -n "$CAM" ] && [ -n "$SHAKE" ] &&
	ok "setup: two rooms and seven sensors" || not_ok "setup: two rooms and seven sensors" "$(_last)"

# ---------------------------------------------------------------- status before any event
status_of "$PRES1"
expect_status 200 "GET /sensors/{id}/status: 200"
expect_json 'keys | sort | join(",")' "enabled,last_event_at,sensor_id,state,state_changed_at" \
	"the status has exactly the documented fields"
expect_json '[.sensor_id, .state, .state_changed_at, .last_event_at, .enabled] | map(tostring) | join(",")' \
	"$PRES1,null,null,null,true" "no event yet: state, times null"
status_of 999999999
expect_status 404 "status of an unknown sensor: 404"
api GET /api/v1/sensors/abc/status
expect_status 422 "status of /sensors/abc: 422"

# ---------------------------------------------------------------- presence on/off
BEFORE_UPDATED=$(sql "SELECT updated_at FROM sensors WHERE id = $PRES1")
event "$PRES1" '{"event_type": "on"}'
expect_status 202 "POST /sensors/{id}/events on: 202"
expect_json 'keys | sort | join(",")' "applied,event_id,execution_ids,sensor_id,state" "the reply has event_id, sensor_id, state, applied, execution_ids"
expect_json '[.sensor_id, .state, .applied] | map(tostring) | join(",")' "$PRES1,on,true" "state on"
EV1=$(jb .event_id)
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE method = 'POST' AND path = '/api/v1/sensors/$PRES1/events' AND object_id = '$PRES1' AND status = 202")" 1 \
	"the event wrote one audit row naming the sensor"
is "$(sql "SELECT event_type, value IS NULL, attributes FROM sensor_events WHERE id = $EV1" | tr '\t' '|')" "on|1|{}" \
	"the event is recorded: no value, attributes {}"
is "$(sql "SELECT updated_at FROM sensors WHERE id = $PRES1")" "$BEFORE_UPDATED" "an event is not an edit: updated_at unchanged"
status_of "$PRES1"
expect_json '.state' on "status: on"
expect_json '.state_changed_at == .last_event_at' true "status: changed when the event came"

# The same state again: last_event_at moves, state_changed_at does not.
create_sensor "$(sensor presence3 presence)"
PRES3=$SENSOR_ID
T20=$(ago 20)
T10=$(ago 10)
at "$PRES3" off 30
at_time "$PRES3" on "$T20"
at_time "$PRES3" on "$T10"
expect_status 202 "on again (10 minutes later): 202"
expect_json '[.state, .applied] | map(tostring) | join(",")' "on,true" "the repeated state is applied"
status_of "$PRES3"
expect_json '[.state_changed_at, .last_event_at] | join(",")' "$T20,$T10" \
	"a repeated state keeps state_changed_at; last_event_at moves"

# ---------------------------------------------------------------- out of order
create_sensor "$(sensor presence2 presence "$HALL")"
PRES2=$SENSOR_ID
T5=$(ago 5)
at_time "$PRES2" on "$T5"
expect_json '[.state, .applied] | map(tostring) | join(",")' "on,true" "presence2 on 5 minutes ago"
at "$PRES2" off 15
expect_status 202 "an event older than the last one: still 202"
expect_json '[.state, .applied] | map(tostring) | join(",")' "on,false" "it does not move the state back"
OLD_EV=$(jb .event_id)
is "$(sql "SELECT event_type FROM sensor_events WHERE id = $OLD_EV")" off "the late event is recorded"
status_of "$PRES2"
expect_json '.last_event_at' "$T5" "last_event_at stays at the newest event"
at_time "$PRES2" off "$T5"
expect_json '[.state, .applied] | map(tostring) | join(",")' "off,true" "an event at the same time as the newest applies"

# ---------------------------------------------------------------- occupancy
# Living room: presence1 and pir1.  Start clean: both off, stamped by the
# server (a client time cut to the second could be older than the event
# just before it, and rightly not move the state).
event "$PRES1" '{"event_type": "off"}'
event "$PIR1" '{"event_type": "release"}'
room_occupancy "$LIVING"
expect_json '[.occupied, .sensors] | tostring' "[false,[$PRES1,$PIR1]]" "living room: empty, both presence sensors listed"
event "$PRES1" '{"event_type": "on"}'
T1=$(sql "SELECT DATE_FORMAT(state_changed_at, '%Y-%m-%dT%H:%i:%sZ') FROM sensors WHERE id = $PRES1")
sleep 1.1
event "$PIR1" '{"event_type": "trigger"}'
expect_json '.state' trigger "pir trigger: state trigger"
room_occupancy "$LIVING"
expect_json '[.occupied, .since] | map(tostring) | join(",")' "true,$T1" \
	"occupied since the first of its sensors came on"
expect_json 'keys | sort | join(",")' "occupied,room_id,room_name,sensors,since" "an occupancy entry has the documented fields"
event "$PRES1" '{"event_type": "off"}'
T2=$(sql "SELECT DATE_FORMAT(state_changed_at, '%Y-%m-%dT%H:%i:%sZ') FROM sensors WHERE id = $PIR1")
room_occupancy "$LIVING"
expect_json '[.occupied, .since] | map(tostring) | join(",")' "true,$T2" \
	"one sensor off, the other on: occupied since the one still on came on"
sleep 1.1
event "$PIR1" '{"event_type": "release"}'
T3=$(sql "SELECT DATE_FORMAT(state_changed_at, '%Y-%m-%dT%H:%i:%sZ') FROM sensors WHERE id = $PIR1")
room_occupancy "$LIVING"
expect_json '[.occupied, .since] | map(tostring) | join(",")' "false,$T3" "all off: empty since the last went off"
# pir also speaks on/off.
event "$PIR1" '{"event_type": "on"}'
room_occupancy "$LIVING"
expect_json '.occupied' true "pir on: occupied"
room_occupancy "$HALL"
expect_json '[.occupied, .sensors] | tostring' "[false,[$PRES2]]" \
	"hall: only its presence sensor counts (not the light, door or camera)"
api GET /api/v1/occupancy
expect_status 200 "GET /occupancy: 200"
expect_json '[.items[].room_id] == ([.items[].room_id] | sort)' true "rooms by id"

# ---------------------------------------------------------------- other kinds
event "$BUTTON" '{"event_type": "press"}'
expect_status 202 "button press: 202"
expect_json '.state' null "a press is momentary: no state"
status_of "$BUTTON"
expect_json '[.state, (.last_event_at | type)] | map(tostring) | join(",")' "null,string" "but last_event_at moves"
for e in double_press long_press; do
	event "$BUTTON" "{\"event_type\": \"$e\"}"
	expect_status 202 "button $e: 202"
done
event "$LIGHT" '{"event_type": "level", "value": 312.5, "attributes": {"unit": "lx"}}'
expect_status 202 "light level 312.5: 202"
expect_json '.state' 312.5 "a level's state is its value"
is "$(sql "SELECT attributes FROM sensor_events WHERE id = $(jb .event_id)")" '{"unit":"lx"}' "attributes stored"
event "$LIGHT" '{"event_type": "level"}'
expect_status 422 "a level without value: 422"
expect_loc '["body","value"]' missing
event "$LIGHT" '{"event_type": "level", "value": "bright"}'
expect_status 422 "a level with a string value: 422"
expect_loc '["body","value"]'
event "$DOOR" '{"event_type": "open", "value": {"any": ["json", 1]}}'
expect_status 202 "reed switch open with a JSON value: 202"
expect_json '.state' open "door state open"
event "$DOOR" '{"event_type": "trigger"}'
expect_status 202 "reed switch trigger (every GPIO kind): 202"
event "$SHAKE" '{"event_type": "trigger"}'
expect_status 202 "vibration trigger: 202"

# ---------------------------------------------------------------- refusals
event "$PRES1" '{"event_type": "press"}'
expect_status 422 "presence press: 422"
expect_loc '["body","event_type"]' enum
event "$BUTTON" '{"event_type": "on"}'
expect_status 422 "button on: 422"
event "$SHAKE" '{"event_type": "open"}'
expect_status 422 "vibration open: 422"
event "$CAM" '{"event_type": "on"}'
expect_status 422 "a camera reports no events: 422"
expect_loc '["body","event_type"]'
event "$PRES1" '{}'
expect_status 422 "no event_type: 422"
expect_loc '["body","event_type"]' missing
event "$PRES1" '{"event_type": "on", "colour": "red"}'
expect_status 422 "an unknown field: 422"
expect_loc '["body","colour"]' extra_forbidden
event "$PRES1" '{"event_type": "on", "attributes": [1]}'
expect_status 422 "attributes not an object: 422"
expect_loc '["body","attributes"]'
event "$PRES1" "$(jq -nc --arg t "$(ago -10)" '{event_type: "on", occurred_at: $t}')"
expect_status 422 "occurred_at 10 minutes ahead: 422"
expect_loc '["body","occurred_at"]' value_error
event "$PRES1" '{"event_type": "on", "occurred_at": "2026-11-22T10:00:00"}'
expect_status 422 "occurred_at without a zone: 422"
expect_loc '["body","occurred_at"]'
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/sensors/$PRES1/events' AND status <> 202")" 0 \
	"refused events wrote no audit rows"
event 999999999 '{"event_type": "on"}'
expect_status 404 "an event for an unknown sensor: 404"
expect_detail_string
CT=text/plain event "$PRES1" 'on'
expect_status 415 "not JSON: 415"
event "$PRES1" '{"event_type": '
expect_status 400 "malformed JSON: 400"

# Disabled: refused, nothing recorded, and it leaves the occupancy.
api PUT "/api/v1/sensors/$PIR1" '{"enabled": false}'
expect_status 200 "disable pir1"
N_BEFORE=$(sql "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $PIR1")
event "$PIR1" '{"event_type": "off"}'
expect_status 409 "an event for a disabled sensor: 409"
expect_json '.detail' "sensor $PIR1 is disabled" "the detail says so"
is "$(sql "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $PIR1")" "$N_BEFORE" "nothing recorded"
status_of "$PIR1"
expect_json '[.enabled, .state] | map(tostring) | join(",")' "false,on" "status shows disabled with its last state"
room_occupancy "$LIVING"
expect_json '[.occupied, .sensors] | tostring' "[false,[$PRES1]]" "a disabled sensor no longer counts for occupancy"

# ---------------------------------------------------------------- keys and roles
create_key "$P-dev" device
DEV=$NEW_KEY
KEY=$DEV event "$PRES2" '{"event_type": "on"}'
expect_status 202 "device key: POST /sensors/{id}/events 202"
KEY= event "$PRES2" "$(jq -nc --arg k "$DEV" '{event_type: "off", device_key: $k}')"
expect_status 202 "device key as device_key in the body: 202"
expect_json '.state' off "the body's device_key is not taken for a field"
KEY=$DEV api GET /api/v1/rooms
expect_status 403 "device key: GET /rooms 403"
KEY=$DEV api GET /api/v1/occupancy
expect_status 403 "device key: GET /occupancy 403"
KEY=$DEV api GET "/api/v1/sensors/$PRES2/status"
expect_status 403 "device key: GET /sensors/{id}/status 403"
KEY= event "$PRES2" '{"event_type": "on"}'
expect_status 401 "no key: 401"
KEY= api GET /api/v1/occupancy
expect_status 401 "no key: GET /occupancy 401"
create_key "$P-care" caregiver
CARE=$NEW_KEY
KEY=$CARE api GET /api/v1/occupancy
expect_status 200 "caregiver: GET /occupancy 200"
KEY=$CARE event "$PRES2" '{"event_type": "on"}'
expect_status 403 "caregiver: POST /sensors/{id}/events 403"

# ---------------------------------------------------------------- cleanup
api DELETE "/api/v1/sensors/$PRES2"
expect_status 204 "a sensor with events can be deleted"
is "$(sql "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $PRES2")" 0 "its events went with it"
for id in "$PRES1" "$PRES3" "$PIR1" "$BUTTON" "$LIGHT" "$DOOR" "$CAM" "$SHAKE"; do
	api DELETE "/api/v1/sensors/$id"
done
api DELETE "/api/v1/rooms/$LIVING"
api DELETE "/api/v1/rooms/$HALL"
for k in "$DEV" "$CARE"; do
	KEY=$ADMIN api DELETE "/api/v1/api-keys/$(key_id_of "$k")"
done
finish
