#!/bin/bash
# Persons: CRUD with PATCH, location reports (sightings), the 30-minute
# home/away rule, history and sightings windows, audit rows and roles.
. "$(dirname "$0")/lib.sh"

P="people-$RUN_ID"

person() { jq -nc --arg n "$P-$1" '{name: $n}'; }
# ago MINUTES: an ISO 8601 UTC time that many minutes ago (negative: ahead).
ago() { date -u -d "$1 minutes ago" +%Y-%m-%dT%H:%M:%SZ; }
# audit_count METHOD PATH OBJECT_ID: audit rows of that change.
audit_count() {
	sql "SELECT COUNT(*) FROM audit_log WHERE method = '$1' AND path = '$2' AND object_id = '$3' AND status = $4"
}
# report PERSON_ID JSON: POST a location report.
report() { api POST "/api/v1/persons/$1/location" "$2"; }

# ---------------------------------------------------------------- setup
create_room "$P-kitchen"
KITCHEN=$ROOM_ID
create_room "$P-garden"
GARDEN=$ROOM_ID
[ -n "$KITCHEN" ] && [ -n "$GARDEN" ] && ok "setup: two rooms" || not_ok "setup: two rooms" "$(_last)"

# ---------------------------------------------------------------- create, get, list
api POST /api/v1/persons "$(jq -nc --arg n "$P-alice" '{name: $n, relationship: "resident", notes: "likes tea"}')"
expect_status 201 "POST /persons: 201"
ALICE=$(jb .id)
expect_json 'keys | sort | join(",")' "created_at,id,name,notes,relationship,updated_at" \
	"a person has exactly the documented fields"
expect_json '.relationship' resident "relationship stored"
expect_json ".created_at | test(\"$ISO_RE\")" true "created_at is ISO 8601 UTC"
is "$(audit_count POST /api/v1/persons "$ALICE" 201)" 1 "POST /persons wrote one audit row"

api POST /api/v1/persons "$(person bob)"
expect_status 201 "POST /persons with only a name: 201"
BOB=$(jb .id)
expect_json '[.relationship, .notes] | map(type) | join(",")' "null,null" "relationship and notes default to null"

api POST /api/v1/persons "$(person alice)"
expect_status 409 "POST /persons with a taken name: 409"
expect_detail_string

api POST /api/v1/persons '{}'
expect_status 422 "POST /persons without name: 422"
expect_loc '["body","name"]' missing
api POST /api/v1/persons '{"name": "   "}'
expect_status 422 "POST /persons with a blank name: 422"
api POST /api/v1/persons "$(jq -nc --arg n "$(printf 'x%.0s' {1..257})" '{name: $n}')"
expect_status 422 "POST /persons with a 257-character name: 422"
expect_loc '["body","name"]' string_too_long
api POST /api/v1/persons "$(jq -nc --arg n "$P-z" '{name: $n, age: 3}')"
expect_status 422 "POST /persons with an unknown field: 422"
expect_loc '["body","age"]' extra_forbidden
api POST /api/v1/persons "$(jq -nc --arg n "$P-z" '{name: $n, relationship: "x"}' | jq -c --arg r "$(printf 'r%.0s' {1..65})" '.relationship = $r')"
expect_status 422 "relationship over 64 characters: 422"

api GET "/api/v1/persons/$ALICE"
expect_status 200 "GET /persons/{id}: 200"
expect_json '.name' "$P-alice" "GET returns the person"
api GET /api/v1/persons/999999999
expect_status 404 "GET /persons/{unknown}: 404"
expect_detail_string
api GET /api/v1/persons/abc
expect_status 422 "GET /persons/abc: 422"
expect_loc '["path","id"]'

api GET "/api/v1/persons?limit=1000"
expect_status 200 "GET /persons: 200"
expect_json "[.items[] | select(.id == $ALICE or .id == $BOB)] | length" 2 "both persons listed"
expect_json '.pagination.limit' 1000 "pagination present"
api GET "/api/v1/persons?limit=1"
expect_json '.items | length' 1 "limit=1: one item"
expect_json '.pagination.has_more' true "limit=1: has_more"
CURSOR=$(jb .pagination.next_cursor)
FIRST=$(jb '.items[0].id')
api GET "/api/v1/persons?limit=1&cursor=$CURSOR"
expect_status 200 "the next page: 200"
check "the next page starts after the first" [ "$(jb '.items[0].id')" -gt "$FIRST" ]
api GET "/api/v1/persons?limit=0"
expect_status 422 "GET /persons?limit=0: 422"

# ---------------------------------------------------------------- PATCH
api PATCH "/api/v1/persons/$ALICE" '{"notes": null}'
expect_status 200 "PATCH /persons/{id} notes: null: 200"
expect_json '[.name, .relationship, .notes] | map(tostring) | join(",")' "$P-alice,resident,null" \
	"PATCH changes only the fields given"
is "$(audit_count PATCH "/api/v1/persons/$ALICE" "$ALICE" 200)" 1 "PATCH wrote one audit row"
api PATCH "/api/v1/persons/$ALICE" "$(jq -nc --arg n "$P-bob" '{name: $n}')"
expect_status 409 "PATCH to a taken name: 409"
api PATCH "/api/v1/persons/$ALICE" '{"nickname": "A"}'
expect_status 422 "PATCH with an unknown field: 422"
expect_loc '["body","nickname"]' extra_forbidden
api PATCH "/api/v1/persons/$ALICE" '{"name": ""}'
expect_status 422 "PATCH with an empty name: 422"
api PATCH /api/v1/persons/999999999 '{"notes": "x"}'
expect_status 404 "PATCH /persons/{unknown}: 404"
api PUT "/api/v1/persons/$ALICE" '{"notes": "x"}'
expect_status 405 "PUT /persons/{id}: 405 (PATCH is the update)"

# ---------------------------------------------------------------- location reports
api GET "/api/v1/persons/$ALICE/location"
expect_status 404 "GET /persons/{id}/location before any sighting: 404"
expect_detail_string
api GET "/api/v1/persons/locations?limit=1000"
expect_status 200 "GET /persons/locations: 200"
expect_json ".items[] | select(.id == $ALICE) | [.status, (.location | tostring)] | join(\",\")" "unknown,null" \
	"never seen: status unknown, location null"

# 45 minutes ago in the garden: a location, but away.
report "$ALICE" "$(jq -nc --arg t "$(ago 45)" --argjson r "$GARDEN" '{room_id: $r, seen_at: $t}')"
expect_status 201 "POST /persons/{id}/location seen_at 45 minutes ago: 201"
OLD_SIGHTING=$(jb .id)
expect_json 'keys | sort | join(",")' "confidence,id,person_id,room_id,room_name,seen_at,source" \
	"a sighting has exactly the documented fields"
expect_json '[.room_id, .room_name, .source, (.confidence | tostring)] | map(tostring) | join(",")' \
	"$GARDEN,$P-garden,manual,null" "room_id given: the room's name is kept, source manual"
is "$(audit_count POST "/api/v1/persons/$ALICE/location" "$OLD_SIGHTING" 201)" 1 "a report wrote one audit row"
api GET "/api/v1/persons/$ALICE/location"
expect_status 200 "GET /persons/{id}/location: 200"
expect_json '.status' away "a 45-minute-old sighting counts as away"
api GET "/api/v1/persons/locations?limit=1000"
expect_json ".items[] | select(.id == $ALICE) | [.status, .location.id] | map(tostring) | join(\",\")" \
	"away,$OLD_SIGHTING" "GET /persons/locations: away, with the old sighting"

# Now in the kitchen, by name, reported by a device.
report "$ALICE" "$(jq -nc --arg n "$P-kitchen" '{room_name: $n, source: "device", confidence: 0.82}')"
expect_status 201 "report by room_name from a device: 201"
NEW_SIGHTING=$(jb .id)
expect_json '[.room_id, .source, .confidence] | map(tostring) | join(",")' "$KITCHEN,device,0.82" \
	"room_name of an existing room is linked to it"
api GET "/api/v1/persons/$ALICE/location"
expect_json '[.id, .status, .room_name] | map(tostring) | join(",")' "$NEW_SIGHTING,home,$P-kitchen" \
	"the latest sighting is the location, and it is home"
api GET "/api/v1/persons/locations?limit=1000"
expect_json ".items[] | select(.id == $ALICE) | [.status, .location.room_id] | map(tostring) | join(\",\")" \
	"home,$KITCHEN" "GET /persons/locations: home in the kitchen"

# An older report arriving late does not become the location.
report "$ALICE" "$(jq -nc --arg t "$(ago 20)" '{room_name: "Somewhere else", seen_at: $t}')"
expect_status 201 "a late report (20 minutes ago) of an unknown room name: 201"
expect_json '.room_id' null "an unknown room name is kept as seen, room_id null"
api GET "/api/v1/persons/$ALICE/location"
expect_json '.id' "$NEW_SIGHTING" "the location is still the newest sighting by seen_at"

report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" '{room_id: $r, seen_at: "2026-01-01T10:00:00+02:00"}' | \
	jq -c --arg t "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%S)+01:00" '.seen_at = $t')"
expect_status 201 "seen_at with a +01:00 offset: 201"
OFFSET_ID=$(jb .id)
check "an offset time is stored in UTC (3 hours ago)" \
	[ "$(sql "SELECT TIMESTAMPDIFF(MINUTE, seen_at, UTC_TIMESTAMP()) BETWEEN 178 AND 182 FROM person_locations WHERE id = $OFFSET_ID")" = 1 ]

# Every way a report can be wrong.
report "$ALICE" '{}'
expect_status 422 "a report with neither room_id nor room_name: 422"
expect_loc '["body","room_id"]' missing
report "$ALICE" '{"room_id": 999999999}'
expect_status 422 "a report of a room that does not exist: 422"
expect_loc '["body","room_id"]'
report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" '{room_id: $r, room_name: "Not the kitchen"}')"
expect_status 422 "room_id with another room's name: 422"
expect_loc '["body","room_name"]'
report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" --arg n "$P-kitchen" '{room_id: $r, room_name: $n}')"
expect_status 201 "room_id with its own name: 201"
report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" '{room_id: $r, source: "engine"}')"
expect_status 422 "source engine is not for reports: 422"
expect_loc '["body","source"]' enum
for bad in 1.5 -0.1 '"high"' true; do
	report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" --argjson c "$bad" '{room_id: $r, confidence: $c}')"
	expect_status 422 "confidence $bad: 422"
	expect_loc '["body","confidence"]'
done
report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" '{room_id: $r, confidence: 1}')"
expect_status 201 "confidence 1 (an integer): 201"
for bad in '"yesterday"' '"2026-11-22T10:14:33"' '"2026-02-30T10:00:00Z"' '"2026-11-22 10:14:33Z"' 42; do
	report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" --argjson t "$bad" '{room_id: $r, seen_at: $t}')"
	expect_status 422 "seen_at $bad: 422"
	expect_loc '["body","seen_at"]'
done
report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" --arg t "$(ago -10)" '{room_id: $r, seen_at: $t}')"
expect_status 422 "seen_at 10 minutes in the future: 422"
expect_loc '["body","seen_at"]' value_error
report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" --arg t "$(ago -2)" '{room_id: $r, seen_at: $t}')"
expect_status 201 "seen_at 2 minutes in the future (clock drift): 201"
report "$ALICE" "$(jq -nc --argjson r "$KITCHEN" '{room_id: $r, mood: "happy"}')"
expect_status 422 "a report with an unknown field: 422"
expect_loc '["body","mood"]' extra_forbidden
report 999999999 "$(jq -nc --argjson r "$KITCHEN" '{room_id: $r}')"
expect_status 404 "a report for an unknown person: 404"

# ---------------------------------------------------------------- history and sightings
# Bob: five sightings, 100, 50, 30, 10 and 1 minutes ago, given out of order.
for m in 30 100 1 50 10; do
	report "$BOB" "$(jq -nc --argjson r "$GARDEN" --arg t "$(ago "$m")" '{room_id: $r, seen_at: $t}')"
	[ "$STATUS" = 201 ] || not_ok "setup: Bob's sighting $m minutes ago" "$(_last)"
done
api GET "/api/v1/persons/$BOB/history"
expect_status 200 "GET /persons/{id}/history: 200"
expect_json '[.person_id, .hours, (.items | length), .has_more] | map(tostring) | join(",")' "$BOB,24,5,false" \
	"the default window is 24 hours and holds all five"
expect_json '[.items[].seen_at] == ([.items[].seen_at] | sort | reverse)' true "history is newest first"
api GET "/api/v1/persons/$BOB/history?hours=1"
expect_json '.items | length' 4 "hours=1: the four sightings of the last hour, not the one 100 minutes ago"
api GET "/api/v1/persons/$BOB/history?hours=720"
expect_status 200 "hours=720: 200"
for bad in 0 721 x; do
	api GET "/api/v1/persons/$BOB/history?hours=$bad"
	expect_status 422 "hours=$bad: 422"
	expect_loc '["query","hours"]'
done
api GET /api/v1/persons/999999999/history
expect_status 404 "history of an unknown person: 404"

api GET "/api/v1/persons/$BOB/sightings"
expect_status 200 "GET /persons/{id}/sightings: 200"
expect_json '[.limit, (.items | length)] | map(tostring) | join(",")' "50,5" "default limit 50: all five"
expect_json '.has_more' false "all five shown: has_more false"
api GET "/api/v1/persons/$BOB/sightings?limit=2"
expect_json '.items | length' 2 "limit=2: two"
expect_json '.has_more' true "limit=2 of five: has_more true"
FIRST_SEEN=$(jb '.items[0].seen_at')
api GET "/api/v1/persons/$BOB/history?hours=1"
is "$FIRST_SEEN" "$(jb '.items[0].seen_at')" "sightings and history agree on the newest"
api GET "/api/v1/persons/$BOB/sightings?limit=1000"
expect_status 200 "limit=1000: 200"
for bad in 0 1001; do
	api GET "/api/v1/persons/$BOB/sightings?limit=$bad"
	expect_status 422 "sightings limit=$bad: 422"
	expect_loc '["query","limit"]'
done
api GET /api/v1/persons/999999999/sightings
expect_status 404 "sightings of an unknown person: 404"
api GET /api/v1/persons/999999999/location
expect_status 404 "location of an unknown person: 404"

# ---------------------------------------------------------------- rooms go, sightings stay
api PUT "/api/v1/rooms/$GARDEN" "$(jq -nc --arg n "$P-garden-renamed" '{name: $n}')"
api GET "/api/v1/persons/$BOB/sightings?limit=1"
expect_json '.items[0].room_name' "$P-garden" "a renamed room: sightings keep the name as seen"
api DELETE "/api/v1/rooms/$GARDEN"
expect_status 204 "a room with sightings (no sensors) can be deleted"
api GET "/api/v1/persons/$BOB/sightings?limit=1"
expect_json '[.items[0].room_id, .items[0].room_name] | map(tostring) | join(",")' "null,$P-garden" \
	"a deleted room: room_id null, the name kept"

# ---------------------------------------------------------------- roles
create_key "$P-care" caregiver
CARE=$NEW_KEY
KEY=$CARE api GET "/api/v1/persons/locations"
expect_status 200 "caregiver: GET /persons/locations 200"
KEY=$CARE api POST /api/v1/persons "$(person carol)"
expect_status 403 "caregiver: POST /persons 403"
KEY= api GET /api/v1/persons
expect_status 401 "no key: GET /persons 401"
KEY= api POST "/api/v1/persons/$ALICE/location" '{"room_name": "x"}'
expect_status 401 "no key: POST /persons/{id}/location 401"

# ---------------------------------------------------------------- delete
api DELETE "/api/v1/persons/$BOB"
expect_status 204 "DELETE /persons/{id}: 204"
is "$(audit_count DELETE "/api/v1/persons/$BOB" "$BOB" 204)" 1 "DELETE wrote one audit row"
is "$(sql "SELECT COUNT(*) FROM person_locations WHERE person_id = $BOB")" 0 "the person's sightings went with them"
api GET "/api/v1/persons/$BOB"
expect_status 404 "GET a deleted person: 404"
api DELETE "/api/v1/persons/$BOB"
expect_status 404 "DELETE it again: 404"
api DELETE "/api/v1/persons/$ALICE"
expect_status 204 "DELETE the other: 204"

KEY=$ADMIN api DELETE "/api/v1/api-keys/$(key_id_of "$CARE")"
api DELETE "/api/v1/rooms/$KITCHEN"
finish
