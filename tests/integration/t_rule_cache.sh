#!/bin/bash
# A sensor's rules kept by each worker between events (lib/engine/fire.c)
# never outlive an edit: every event sees the rules as they stand, whichever
# worker takes it.  A rule that fires on every event (no cool-off, no cap)
# is edited in every way that matters to the gate — a context added and
# deleted, the sensor's room renamed and changed, the rule disabled and
# enabled, its cool-off set — and the very next events follow each edit.
. "$(dirname "$0")/lib.sh"

P="kept-$RUN_ID"
# Enough events that both workers (or all) take some.
EVENTS=6

create_room "$P-hall" || not_ok "set-up: a room"
HALL=$ROOM_ID
create_room "$P-attic" || not_ok "set-up: another room"
ATTIC=$ROOM_ID
create_sensor "$(jq -nc --arg n "$P-pir" --argjson r "$HALL" '{name: $n, sensor_type: "pir", room_id: $r}')" ||
	not_ok "set-up: a sensor"
S=$SENSOR_ID
api POST /api/v1/rules "$(jq -nc --arg n "$P-rule" --argjson s "$S" \
	'{name: $n, trigger_type: "sensor_event", primary_sensor_id: $s, cool_off_minutes: 0, max_daily_triggers: 0}')"
expect_status 201 "set-up: a rule on the sensor, no cool-off or cap"
R=$(jb .id)
api POST /api/v1/persons "$(jq -nc --arg n "$P-person" '{name: $n}')"
expect_status 201 "set-up: a person"
PERSON=$(jb .id)
# A run that does something counts for the cool-off.
api POST "/api/v1/rules/$R/steps" "$(jq -nc --argjson p "$PERSON" \
	'{step_type: "activity_detection", config_json: {activity_type: "moving", person_id: $p}}')"
expect_status 201 "set-up: one step"

# fires: how many of EVENTS events started a run of the rule.
fires() {
	local n=0 i
	for i in $(seq "$EVENTS"); do
		api POST "/api/v1/sensors/$S/events" '{"event_type": "on"}'
		[ "$(jq '.execution_ids | length' <<<"$BODY")" -gt 0 ] && n=$((n + 1))
	done
	echo "$n"
}

# Each worker's copy is first taken while a context refuses every event,
# so a copy kept past an edit would go on refusing: the locked re-check
# that decides a run never sees what the unlocked look turned away.
api POST "/api/v1/rules/$R/contexts" "$(jq -nc --arg r "$P-attic" '{context_type: "room", config: {room_name: $r}}')"
expect_status 201 "a context: only in the attic"
CTX=$(jb .id)
is "$(fires)" 0 "the sensor is in the hall: no event fires the rule"

api PUT "/api/v1/sensors/$S" "$(jq -nc --argjson r "$ATTIC" '{room_id: $r}')"
expect_status 200 "move the sensor to the attic"
is "$(fires)" "$EVENTS" "the next events see the sensor's new room"

api PUT "/api/v1/rooms/$ATTIC" "$(jq -nc --arg n "$P-loft" '{name: $n}')"
expect_status 200 "rename the attic"
is "$(fires)" 0 "the next events see the room's new name"

api DELETE "/api/v1/rules/$R/contexts/$CTX"
expect_status 204 "delete the context"
is "$(fires)" "$EVENTS" "the next events see it gone"

api PUT "/api/v1/rules/$R" '{"cool_off_minutes": 60}'
expect_status 200 "give the rule an hour's cool-off"
is "$(fires)" 0 "the next events are refused by the cool-off"
api PUT "/api/v1/rules/$R" '{"cool_off_minutes": 0}'
expect_status 200 "and take it away"
is "$(fires)" "$EVENTS" "the next events fire again at once"

api PUT "/api/v1/rules/$R" '{"enabled": false}'
expect_status 200 "disable the rule"
is "$(fires)" 0 "the next events see it disabled"
api PUT "/api/v1/rules/$R" '{"enabled": true}'
expect_status 200 "enable it again"
is "$(fires)" "$EVENTS" "the next events see it enabled"

api DELETE "/api/v1/rules/$R"
expect_status 204 "clean up the rule"
is "$(fires)" 0 "a deleted rule fires no more"
api DELETE "/api/v1/sensors/$S"
api DELETE "/api/v1/rooms/$HALL"
api DELETE "/api/v1/rooms/$ATTIC"
api DELETE "/api/v1/persons/$PERSON"
finish
