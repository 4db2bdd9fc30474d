#!/bin/bash
# Error handling: status codes, error bodies, the order of checks, and that
# bad input never changes stored data.
. "$(dirname "$0")/lib.sh"

P="errors-$RUN_ID"

# sorted_allow: the Allow header of the last response as "A B C".
sorted_allow() {
	header Allow | tr ',' '\n' | tr -d ' ' | grep . | sort | tr '\n' ' ' | sed 's/ $//'
}

# The state of everything a request could touch.
snapshot() {
	sql "CHECKSUM TABLE rooms, sensors, api_keys, audit_log EXTENDED"
	sql "SELECT COUNT(*) FROM rooms; SELECT COUNT(*) FROM sensors; SELECT COUNT(*) FROM audit_log"
	KEY=$ADMIN api GET "/api/v1/rooms?limit=1000"
	echo "$STATUS $BODY"
}

# ---- setup: one room to aim bad updates at
create_room "$P-target"
expect_status 201 "setup: create a room"
RID=$ROOM_ID
api GET "/api/v1/rooms/$RID"
room_before=$BODY

# Content-Type with parameters is still JSON.
CT="application/json; charset=utf-8" api POST /api/v1/rooms "$(j_room "$P-charset")"
expect_status 201 "Content-Type: application/json; charset=utf-8 is accepted"

before=$(snapshot)

# ---- 404
api GET /api/v1/no-such-thing
expect_status 404 "unknown path is 404"
expect_json .detail "Not Found" "404 body is {\"detail\": \"Not Found\"}"
expect_header Content-Type '^application/json' "404 is JSON"
api GET "/api/v1/rooms/$RID/extra"
expect_status 404 "a path one segment too long is 404"
api GET /api/v1/rooms/
expect_status 404 "a trailing slash does not match a route"
api GET /api/v2/rooms
expect_status 404 "/api/v2 is 404"

# ---- 405 with Allow
api DELETE /api/v1/rooms
expect_status 405 "DELETE /rooms is 405"
expect_detail_string "405 has a JSON detail"
is "$(sorted_allow)" "GET POST" "405 on /rooms has Allow: GET, POST"
api PATCH "/api/v1/rooms/$RID" '{"name": "x"}'
expect_status 405 "PATCH /rooms/{id} is 405"
is "$(sorted_allow)" "DELETE GET PUT" "405 on /rooms/{id} has Allow: GET, PUT, DELETE"
api POST /health '{}'
expect_status 405 "POST /health is 405"
is "$(sorted_allow)" "GET" "405 on /health has Allow: GET"

# ---- 415
CT=text/plain api POST /api/v1/rooms "$(j_room "$P-plain")"
expect_status 415 "a text/plain body is 415"
expect_detail_string "415 has a JSON detail"
CT=application/x-www-form-urlencoded api POST /api/v1/rooms "name=$P-form"
expect_status 415 "a form body is 415"
CT=application/jsonx api POST /api/v1/rooms "$(j_room "$P-jsonx")"
expect_status 415 "application/jsonx is not JSON: 415"

# ---- 400 malformed JSON
for bad in '{"name": ' '{"name": "x",}' '{"name": "x"} trailing' "{'name': 'x'}" '{"name": "x" "description": "y"}' 'nul'; do
	api POST /api/v1/rooms "$bad"
	expect_status 400 "malformed JSON is 400: $bad"
	expect_detail_string "400 has a JSON detail: $bad"
done
printf '{"name": "%s\xff\xfe"}' "$P-utf8" >"$T/badutf8"
BODY_FILE=$T/badutf8 api POST /api/v1/rooms
expect_status 400 "invalid UTF-8 is 400"
head -c 100000 /dev/zero | tr '\0' '[' >"$T/deep"
BODY_FILE=$T/deep api POST /api/v1/rooms
expect_status '400|422' "100000 nested arrays are refused with 400/422"
api GET /health
expect_status 200 "the API still answers after the deep nesting"

# ---- 422: not an object; every problem at once
for notobj in '[1, 2]' '"a string"' '42' 'null' 'true'; do
	api POST /api/v1/rooms "$notobj"
	expect_status 422 "a JSON body that is not an object is 422: $notobj"
done

api POST /api/v1/rooms '{"name": 5, "bogus": 1}'
expect_status 422 'POST /rooms {"name": 5, "bogus": 1} is 422'
expect_json '.detail | length' 2 "the 422 lists both problems"
expect_loc '["body","name"]' string_type
expect_loc '["body","bogus"]' extra_forbidden
expect_json '[.detail[] | (.msg | type == "string") and (.type | type == "string")] | all' true \
	"every 422 entry has msg and type strings"

api POST /api/v1/rooms "$(jq -nc --arg n "$P-extra" '{name: $n, colour: "red"}')"
expect_status 422 "an unknown field alone is 422"
expect_loc '["body","colour"]' extra_forbidden

api PUT "/api/v1/rooms/$RID" '{"name": "", "description": 7, "size": 3}'
expect_status 422 "PUT with three problems is 422"
expect_json '.detail | length' 3 "the PUT 422 lists all three problems"
expect_loc '["body","name"]'
expect_loc '["body","description"]' string_type
expect_loc '["body","size"]' extra_forbidden

api POST /api/v1/sensors '{"sensor_type": "nope", "room_id": "x", "enabled": "yes"}'
expect_status 422 "POST /sensors with four problems is 422"
expect_loc '["body","name"]' missing
expect_loc '["body","sensor_type"]' enum
expect_loc '["body","room_id"]'
expect_loc '["body","enabled"]' bool_type

# ---- 413: a 2 MB body, and a body just under the limit reaches the API
{
	printf '{"name": "'
	head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a'
	printf '"}'
} >"$T/big"
BODY_FILE=$T/big api POST /api/v1/rooms
expect_status 413 "a 2 MB body is 413"
expect_header Content-Type '^application/json' "413 is JSON"
expect_detail_string "413 has a JSON detail"
KEY= BODY_FILE=$T/big api POST /api/v1/rooms
expect_status 413 "a 2 MB body without a key is 413 too (413 is checked first)"
{
	printf '{"name": "'
	head -c 1000000 /dev/zero | tr '\0' 'a'
	printf '"}'
} >"$T/under"
BODY_FILE=$T/under api POST /api/v1/rooms
expect_status 422 "a body just under 1 MiB reaches validation (422 name too long)"
expect_loc '["body","name"]' string_too_long

# ---- the order of checks, without credentials
KEY= api GET /api/v1/no-such-thing
expect_status 404 "no key + unknown route: 404 (routing before auth)"
KEY= api DELETE /api/v1/rooms
expect_status 405 "no key + wrong method: 405"
KEY= CT=text/plain api POST /api/v1/rooms "$(j_room "$P-noauth")"
expect_status 415 "no key + text/plain: 415"
KEY= api POST /api/v1/rooms '{"name": '
expect_status 400 "no key + malformed JSON: 400"
KEY= api POST /api/v1/rooms '[1]'
expect_status 422 "no key + a body that is not an object: 422"
KEY= api POST /api/v1/rooms "$(j_room "$P-noauth")"
expect_status 401 "no key + a valid body: 401"
KEY= api POST /api/v1/rooms '{"name": 5}'
expect_status 401 "no key + an invalid object: 401 (validation after auth)"

# ---- nothing above changed anything
after=$(snapshot)
if [ "$before" = "$after" ]; then
	ok "bad requests left rooms, sensors, api_keys and audit_log untouched"
else
	not_ok "bad requests left rooms, sensors, api_keys and audit_log untouched" \
		"$(diff <(echo "$before") <(echo "$after") | head -20)"
fi
api GET "/api/v1/rooms/$RID"
is "$BODY" "$room_before" "the target room is byte-for-byte the same"
is "$(sql "SELECT COUNT(*) FROM rooms WHERE name LIKE '$P-%'")" 2 "no room was created by a bad request"

# ---- cleanup
for name in target charset; do
	id=$(sql "SELECT id FROM rooms WHERE name = '$P-$name'")
	[ -n "$id" ] && api DELETE "/api/v1/rooms/$id"
done

finish
