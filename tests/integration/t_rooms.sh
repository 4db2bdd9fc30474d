#!/bin/bash
# Rooms: CRUD, validation, awkward names stored byte-for-byte, conflicts.
. "$(dirname "$0")/lib.sh"

P="rooms-$RUN_ID"

# repeat STRING COUNT
repeat() {
	local s=$1 n=$2 out=
	while [ "$n" -gt 0 ]; do out+=$s; n=$((n - 1)); done
	printf '%s' "$out"
}

# ---------------------------------------------------------------- create, get
api POST /api/v1/rooms "$(j_room "$P-kitchen" "where the kettle is")"
expect_status 201 "POST /rooms: 201"
expect_header Content-Type '^application/json' "201 is JSON"
RID=$(jb .id)
created=$BODY
expect_json '.id | type' number "the room has an integer id"
expect_json .name "$P-kitchen" "name as given"
expect_json .description "where the kettle is" "description as given"
expect_json .sensor_count 0 "sensor_count 0"
expect_json ".created_at | test(\"$ISO_RE\")" true "created_at is ISO 8601 UTC with Z"
expect_json ".updated_at | test(\"$ISO_RE\")" true "updated_at is ISO 8601 UTC with Z"
expect_json 'keys | sort | join(",")' "created_at,description,ha_area_id,ha_missing,id,name,sensor_count,updated_at" \
	"the room has exactly the documented fields"

api GET "/api/v1/rooms/$RID"
expect_status 200 "GET /rooms/{id}: 200"
is "$(jq -S . <<<"$BODY")" "$(jq -S . <<<"$created")" "GET returns what POST returned"

api POST /api/v1/rooms "$(j_room "$P-bare")"
expect_status 201 "a room with only a name: 201"
BARE=$(jb .id)
expect_json .description null "description defaults to null"
api POST /api/v1/rooms "$(jq -nc --arg n "$P-nulldesc" '{name: $n, description: null}')"
expect_status 201 "description: null is accepted"
NULLDESC=$(jb .id)

api GET "/api/v1/rooms?limit=1000"
expect_status 200 "GET /rooms: 200"
expect_json "[.items[] | select(.id == $RID)] | length" 1 "the list has the room"
expect_json '[.items[].id] == ([.items[].id] | sort)' true "the list is ordered by id"
expect_json '.pagination | has("limit") and has("next_cursor") and has("has_more")' true "the list has pagination"

# ---------------------------------------------------------------- partial PUT
sleep 1 # so updated_at can move
api PUT "/api/v1/rooms/$RID" '{"description": "new description"}'
expect_status 200 "PUT description only: 200"
expect_json .name "$P-kitchen" "PUT description: name unchanged"
expect_json .description "new description" "PUT description: description changed"
expect_json .created_at "$(jq -r .created_at <<<"$created")" "PUT: created_at unchanged"
expect_json ".updated_at > \"$(jq -r .updated_at <<<"$created")\"" true "PUT: updated_at moved forward"
api PUT "/api/v1/rooms/$RID" "$(j_room "$P-kitchen2")"
expect_status 200 "PUT name only: 200"
expect_json .name "$P-kitchen2" "PUT name: name changed"
expect_json .description "new description" "PUT name: description unchanged"
api PUT "/api/v1/rooms/$RID" '{}'
expect_status 200 "PUT {} changes nothing: 200"
expect_json .name "$P-kitchen2" "PUT {}: name unchanged"
api PUT "/api/v1/rooms/$RID" '{"description": null}'
expect_status 200 "PUT description: null: 200"
expect_json .description null "PUT description null clears it"
expect_json .name "$P-kitchen2" "PUT description null: name unchanged"
api GET "/api/v1/rooms/$RID"
expect_json .name "$P-kitchen2" "GET after PUT shows the new name"
api PUT "/api/v1/rooms/$RID" "$(j_room "$P-kitchen2")"
expect_status 200 "PUT a room's own name again: 200 (not a conflict with itself)"

# ---------------------------------------------------------------- conflicts
api POST /api/v1/rooms "$(j_room "$P-kitchen2")"
expect_status 409 "POST a duplicate name: 409"
expect_detail_string "409 has a JSON detail"
api PUT "/api/v1/rooms/$BARE" "$(j_room "$P-kitchen2")"
expect_status 409 "PUT another room's name: 409"
api GET "/api/v1/rooms/$BARE"
expect_json .name "$P-bare" "the 409 left the room as it was"

# Names compare exactly: case and trailing spaces make different rooms.
api POST /api/v1/rooms "$(j_room "$P-KITCHEN2")"
expect_status 201 "a name differing only in case is another room: 201"
UPPER=$(jb .id)
api POST /api/v1/rooms "$(j_room "$P-kitchen2 ")"
expect_status 201 "a name differing only by a trailing space is another room: 201"
TRAIL=$(jb .id)
expect_json .name "$P-kitchen2 " "the trailing space is kept"

# ---------------------------------------------------------------- 404 and bad ids
api GET /api/v1/rooms/99999999
expect_status 404 "GET an unknown room: 404"
expect_detail_string "404 has a JSON detail"
api PUT /api/v1/rooms/99999999 '{"description": "x"}'
expect_status 404 "PUT an unknown room: 404"
api DELETE /api/v1/rooms/99999999
expect_status 404 "DELETE an unknown room: 404"
for bad in abc 0 -1 1.5 99999999999999999999999 1e3 "%20"; do
	api GET "/api/v1/rooms/$bad"
	expect_status 422 "GET /rooms/$bad: 422"
	expect_loc '["path","id"]'
done

# ---------------------------------------------------------------- name validation
api POST /api/v1/rooms '{}'
expect_status 422 "no name: 422"
expect_loc '["body","name"]' missing
api POST /api/v1/rooms '{"name": ""}'
expect_status 422 "empty name: 422"
expect_loc '["body","name"]'
api POST /api/v1/rooms '{"name": "   \t "}'
expect_status 422 "blank name: 422"
expect_loc '["body","name"]'
api POST /api/v1/rooms '{"name": null}'
expect_status 422 "null name: 422"
expect_loc '["body","name"]'
api POST /api/v1/rooms "$(j_room "$(repeat x 257)")"
expect_status 422 "a 257-character name: 422"
expect_loc '["body","name"]' string_too_long
api POST /api/v1/rooms "$(j_room "$(repeat ü 257)")"
expect_status 422 "257 two-byte characters: 422"
long="$P-$(repeat y $((256 - ${#P} - 1)))"
api POST /api/v1/rooms "$(j_room "$long")"
expect_status 201 "a 256-character name: 201"
LONG=$(jb .id)
expect_json .name "$long" "the 256-character name comes back whole"
umlauts="$(repeat ü $((256 - ${#RUN_ID})))$RUN_ID"
api POST /api/v1/rooms "$(j_room "$umlauts")"
expect_status 201 "256 characters of which most take two bytes: 201 (length in characters)"
UML=$(jb .id)
expect_json .name "$umlauts" "the two-byte name comes back whole"
houses="$(repeat 🏠 $((256 - ${#RUN_ID})))$RUN_ID"
api POST /api/v1/rooms "$(j_room "$houses")"
expect_status 201 "256 characters of which most take four bytes: 201"
HOUSES=$(jb .id)
expect_json .name "$houses" "the four-byte name comes back whole"
api POST /api/v1/rooms "$(jq -nc --arg n "$P-desc" --arg d "$(repeat d 2001)" '{name: $n, description: $d}')"
expect_status 422 "a 2001-character description: 422"
expect_loc '["body","description"]' string_too_long
api POST /api/v1/rooms "$(jq -nc --arg n "$P-desc" --arg d "$(repeat d 2000)" '{name: $n, description: $d}')"
expect_status 201 "a 2000-character description: 201"
DESC=$(jb .id)
api POST /api/v1/rooms '{"name": "a\u0000b"}'
expect_status '400|422' "a NUL in a name is refused (400/422)"

# ---------------------------------------------------------------- awkward names, byte-for-byte
awkward=(
	"$P He said \"hi\" & 'bye' <b>"
	"'; DROP TABLE rooms; -- $P"
	"$P back\\slash \\\\ \\n \\u0041 %s %n"
	"Küche 日本 🏠 $P"
	"$P	tab and
newline"
	"$P ‮right-to-left‬ zero​width"
	" $P leading and trailing spaces  "
)
AW_IDS=()
for name in "${awkward[@]}"; do
	api POST /api/v1/rooms "$(j_room "$name")"
	expect_status 201 "create: $(j_str "$name")"
	id=$(jb .id)
	AW_IDS+=("$id")
	expect_json .name "$name" "POST returns it as sent: $(j_str "$name")"
	api GET "/api/v1/rooms/$id"
	expect_json .name "$name" "GET returns it as sent: $(j_str "$name")"
	is "$(sql "SELECT HEX(name) FROM rooms WHERE id = ${id:-0}")" "$(hex_of "$name")" \
		"stored byte-for-byte: $(j_str "$name")"
done
is "$(sql "SELECT COUNT(*) > 0 FROM rooms")" 1 "the rooms table is still there"
api GET "/api/v1/rooms?limit=1000"
for i in "${!awkward[@]}"; do
	got=$(jb --argjson id "${AW_IDS[i]:-0}" '[.items[] | select(.id == $id)] | if length == 1 then .[0].name else "\(length) matches" end')
	is "$got" "${awkward[i]}" "the list returns it as sent: $(j_str "${awkward[i]}")"
done

# ---------------------------------------------------------------- delete, with and without sensors
create_room "$P-busy"
BUSY=$ROOM_ID
S1=
S2=
create_sensor "$(jq -nc --arg n "$P-s1" --argjson r "${BUSY:-0}" '{name: $n, sensor_type: "pir", room_id: $r}')" && S1=$SENSOR_ID
create_sensor "$(jq -nc --arg n "$P-s2" --argjson r "${BUSY:-0}" '{name: $n, sensor_type: "button", room_id: $r}')" && S2=$SENSOR_ID
api GET "/api/v1/rooms/$BUSY"
expect_json .sensor_count 2 "sensor_count counts the room's sensors"
api DELETE "/api/v1/rooms/$BUSY"
expect_status 409 "DELETE a room with 2 sensors: 409"
expect_json '.detail | test("\\b2\\b")' true "the 409 detail names the count (2)"
api GET "/api/v1/rooms/$BUSY"
expect_status 200 "the room is still there after the 409"
api DELETE "/api/v1/sensors/$S1"
api DELETE "/api/v1/rooms/$BUSY"
expect_status 409 "DELETE with 1 sensor left: 409"
expect_json '.detail | test("\\b1\\b")' true "the 409 detail names the count (1)"
api DELETE "/api/v1/sensors/$S2"
api DELETE "/api/v1/rooms/$BUSY"
expect_status 204 "DELETE the emptied room: 204"

api DELETE "/api/v1/rooms/$RID"
expect_status 204 "DELETE /rooms/{id}: 204"
is "$BODY" "" "204 has no body"
api GET "/api/v1/rooms/$RID"
expect_status 404 "GET a deleted room: 404"
api DELETE "/api/v1/rooms/$RID"
expect_status 404 "DELETE it again: 404"
api PUT "/api/v1/rooms/$RID" '{"description": "x"}'
expect_status 404 "PUT a deleted room: 404"
is "$(sql "SELECT COUNT(*) FROM rooms WHERE id = ${RID:-0}")" 0 "the row is gone"
create_room "$P-kitchen2"
expect_status 201 "a deleted room's name can be used again"
REUSED=$ROOM_ID

for id in "$UPPER" "$TRAIL" "$BARE" "$NULLDESC" "$LONG" "$UML" "$HOUSES" "$DESC" "$REUSED" "${AW_IDS[@]}"; do
	[ -n "$id" ] && [ "$id" != null ] && api DELETE "/api/v1/rooms/$id"
done
is "$(sql "SELECT COUNT(*) FROM rooms WHERE name LIKE '%$RUN_ID%'")" 0 "cleanup removed every room of this file"

finish
