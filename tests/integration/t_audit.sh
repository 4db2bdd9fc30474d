#!/bin/bash
# GET /api/v1/audit on the real stack:
#   - every write leaves a row: actor, key_id, method, path, object id,
#     status and the client's address; reading the log leaves none;
#   - filters who, path (a prefix, its % and _ taken literally), since,
#     until and status, alone and together;
#   - cursor pages walk the filtered list newest first, without duplicates;
#   - bad filter values are a 422 at ["query", name];
#   - only admins: caregiver and mcp_readonly keys get 403.
. "$(dirname "$0")/lib.sh"

P="audit-$RUN_ID"

# A key of our own, so "who" selects exactly this file's rows.
create_key "$P-admin" admin
expect_status 201 "setup: an admin key of this file"
AK=$NEW_KEY
AK_ID=$KEY_ID
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$AK_ID"

# ---------------------------------------------------------------- rows for writes
KEY=$AK create_room "$P-room"
expect_status 201 "POST /rooms"
RID=$ROOM_ID
KEY=$AK api PUT "/api/v1/rooms/$RID" '{"description": "audited"}'
expect_status 200 "PUT /rooms/{id}"
KEY=$AK api DELETE "/api/v1/rooms/$RID"
expect_status 204 "DELETE /rooms/{id}"
KEY=$AK api POST /api/v1/rooms '{"name": ""}'
expect_status 422 "a refused POST /rooms (422)"

api GET "/api/v1/audit?who=$P-admin"
expect_status 200 "GET /audit?who=..."
expect_json '.items | length' 3 "three rows by this key: the refused write left none"
expect_json '[.items[].method] | join(",")' 'DELETE,PUT,POST' "newest first: DELETE, PUT, POST"
expect_json '[.items[].path] | join(",")' "/api/v1/rooms/$RID,/api/v1/rooms/$RID,/api/v1/rooms" "paths as requested"
expect_json '[.items[].object_id] | unique | join(",")' "$RID" "object_id is the room's id on every row"
expect_json '[.items[].status] | join(",")' '204,200,201' "statuses 204, 200, 201"
expect_json '[.items[].actor] | unique | join(",")' "$P-admin" "actor is the key's name"
expect_json '[.items[].key_id] | unique | join(",")' "$AK_ID" "key_id is the key's id"
expect_json '[.items[].user_id] | unique | map(tostring) | join(",")' 'null' "user_id is null for an API key"
expect_json '[.items[].address] | unique | join(",")' '127.0.0.1' "address is the client's (REMOTE_ADDR)"
expect_json '[.items[].at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")] | all' true "at is ISO 8601 UTC with Z"
expect_json '.items[0] | keys | join(",")' 'actor,address,at,id,key_id,method,object_id,path,status,user_id' "each row has exactly the documented fields"
expect_json '[.items[].id] | (. == (sort | reverse))' true "ids descend"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/audit'")" 0 "reading the audit log is not audited"

# ---------------------------------------------------------------- a person's session
PW="correct horse battery staple $RUN_ID"
api POST /api/v1/users "$(jq -nc --arg u "$P-u" --arg p "$PW" '{username: $u, password: $p, role: "admin"}')"
expect_status 201 "setup: a person"
UID_=$(jb .id)
on_exit "KEY=\$ADMIN api DELETE /api/v1/users/$UID_"
KEY= api POST /api/v1/auth/login "$(jq -nc --arg u "$P-u" '{username: $u, password: "wrong password here"}')"
expect_status 401 "a failed sign-in"
KEY= api POST /api/v1/auth/login "$(jq -nc --arg u "$P-u" --arg p "$PW" '{username: $u, password: $p}')" -c "$T/cookies"
expect_status 200 "sign-in"
# The session's write needs this site's Origin (with or without the port,
# as the Host the API sees has it) and X-Hearth-Request.
for origin in "$URL" "${URL%:*}"; do
	KEY= api POST /api/v1/rooms "$(j_room "$P-session-room")" -b "$T/cookies" \
		-H "Origin: $origin" -H "X-Hearth-Request: 1"
	[ "$STATUS" = 201 ] && break
done
expect_status 201 "a write under the session cookie"
SROOM=$(jb .id)
on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$SROOM"
api GET "/api/v1/audit?who=$P-u"
expect_json '[.items[] | "\(.method) \(.path) \(.status)"] | join(",")' \
	"POST /api/v1/rooms 201,POST /api/v1/auth/login 200,POST /api/v1/auth/login 401" \
	"the person's rows: the write, the sign-in, the failed sign-in"
expect_json '[.items[0,1].user_id] | unique | join(",")' "$UID_" "user_id is the person's on the write and the sign-in"
expect_json '[.items[].key_id] | unique | map(tostring) | join(",")' 'null' "no key_id under a session"
expect_json '[.items[].address] | unique | join(",")' '127.0.0.1' "the address on each, the failed sign-in too"

# ---------------------------------------------------------------- filters
api GET "/api/v1/audit?who=$P-admin&status=200"
expect_json '[.items[].method] | join(",")' 'PUT' "status=200 selects the PUT"
api GET "/api/v1/audit?who=$P-admin&path=/api/v1/rooms/$RID"
expect_json '[.items[].method] | join(",")' 'DELETE,PUT' "path prefix /rooms/{id} selects PUT and DELETE"
api GET "/api/v1/audit?who=$P-admin&path=/api/v1/rooms"
expect_json '.items | length' 3 "path prefix /api/v1/rooms selects all three"
api GET "/api/v1/audit?who=$P-admin&path=/api/v1/room_"
expect_json '.items | length' 0 "an _ in the path prefix is literal, not a wildcard"
api GET "/api/v1/audit?who=$P-admin&path=/api/v1/r%25"
expect_json '.items | length' 0 "a % in the path prefix is literal, not a wildcard"
api GET "/api/v1/audit?who=$P-admi"
expect_json '.items | length' 0 "who is exact, not a prefix"
api GET "/api/v1/audit?who=$P-admin&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z"
expect_json '.items | length' 3 "since/until around now: all three"
api GET "/api/v1/audit?who=$P-admin&since=2100-01-01T00:00:00Z"
expect_json '.items | length' 0 "since in the future: none"
api GET "/api/v1/audit?who=$P-admin&until=2000-01-01T00:00:00%2B01:00"
expect_json '.items | length' 0 "until in the past (with an offset): none"
# The middle row's second: since it and until the second after.
AT=$(sql "SELECT DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ') FROM audit_log WHERE key_id = $AK_ID AND method = 'PUT'")
NEXT=$(sql "SELECT DATE_FORMAT(DATE_ADD(DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s'), INTERVAL 1 SECOND), '%Y-%m-%dT%H:%i:%sZ') FROM audit_log WHERE key_id = $AK_ID AND method = 'PUT'")
WANT=$(sql "SELECT COUNT(*) FROM audit_log WHERE key_id = $AK_ID AND at >= '${AT%Z}' AND at < '${NEXT%Z}'")
api GET "/api/v1/audit?who=$P-admin&since=$AT&until=$NEXT"
expect_json '.items | length' "$WANT" "since/until of one second: the rows of that second ($WANT)"
expect_json '[.items[].method] | index("PUT") != null' true "... the PUT among them"

# ---------------------------------------------------------------- pagination
for i in 1 2 3 4 5 6; do
	KEY=$AK create_room "$P-page-$i"
	[ "$STATUS" = 201 ] && on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$ROOM_ID"
done
TOTAL=$(sql "SELECT COUNT(*) FROM audit_log WHERE actor = '$P-admin'")
is "$TOTAL" 9 "nine rows by this key in the database"
ids=()
cursor=
pages=0
while :; do
	api GET "/api/v1/audit?who=$P-admin&limit=2${cursor:+&cursor=$cursor}"
	[ "$STATUS" = 200 ] || { not_ok "page $((pages + 1)) is 200" "$(_last)"; break; }
	pages=$((pages + 1))
	mapfile -t page < <(jb '.items[].id')
	ids+=("${page[@]}")
	cursor=$(jb '.pagination.next_cursor // empty')
	[ "$(jb .pagination.has_more)" = true ] || break
	[ -n "$cursor" ] || { not_ok "has_more comes with a next_cursor"; break; }
	[ "$pages" -lt 20 ] || { not_ok "pagination ends"; break; }
done
is "$pages" 5 "limit=2: five pages for nine rows"
is "${#ids[@]}" "$TOTAL" "the pages hold every row"
is "$(printf '%s\n' "${ids[@]}" | sort -u | grep -c .)" "$TOTAL" "no row twice"
is "$(printf '%s\n' "${ids[@]}")" "$(printf '%s\n' "${ids[@]}" | sort -rn)" "ids descend across pages"
api GET "/api/v1/audit?who=$P-admin&limit=2"
C1=$(jb .pagination.next_cursor)
api GET "/api/v1/audit?who=$P-admin&status=201&limit=2&cursor=$C1"
expect_status 422 "a cursor of another filter is refused"
expect_loc '["query","cursor"]'

# ---------------------------------------------------------------- bad filters
api GET "/api/v1/audit?status=abc"
expect_status 422 "status=abc is 422"
expect_loc '["query","status"]' int_parsing
api GET "/api/v1/audit?status=99"
expect_status 422 "status=99 is 422"
expect_loc '["query","status"]' greater_than_equal
api GET "/api/v1/audit?since=yesterday"
expect_status 422 "since=yesterday is 422"
expect_loc '["query","since"]' datetime_parsing
api GET "/api/v1/audit?until=2026-01-01T00:00:00"
expect_status 422 "until without a zone is 422"
expect_loc '["query","until"]' datetime_parsing
api GET "/api/v1/audit?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z"
expect_status 422 "until before since is 422"
expect_loc '["query","until"]' value_error
api GET "/api/v1/audit?path=$(printf 'a%.0s' $(seq 1 1025))"
expect_status 422 "a path prefix over 1024 characters is 422"
expect_loc '["query","path"]' string_too_long
api GET "/api/v1/audit?status=abc&since=x"
expect_json '.detail | length' 2 "every bad filter is reported at once"

# ---------------------------------------------------------------- roles
create_key "$P-care" caregiver
CARE=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
create_key "$P-mcp" mcp_readonly
MCP=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
KEY=$CARE api GET /api/v1/audit
expect_status 403 "caregiver: GET /audit is 403"
KEY=$CARE api GET "/api/v1/audit?who=$P-admin"
expect_status 403 "caregiver: GET /audit with filters is 403"
KEY=$MCP api GET /api/v1/audit
expect_status 403 "mcp_readonly: GET /audit is 403"
KEY=$CARE api GET /api/v1/rooms
expect_status 200 "caregiver still reads rooms"
KEY= api GET /api/v1/audit
expect_status 401 "no key: 401"

finish
