#!/bin/bash
# Authentication, roles, API keys (API and hearthctl), key storage, audit.
. "$(dirname "$0")/lib.sh"

P="auth-$RUN_ID"
KEY_RE='^hk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$'
WRONG="hk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
# The admin key with its last character changed: right prefix, wrong secret.
last=${ADMIN: -1}
[ "$last" = A ] && sub=B || sub=A
WRONG_SECRET="${ADMIN:0:${#ADMIN}-1}$sub"

audit_count() { sql "SELECT COUNT(*) FROM audit_log"; }
rooms_count() { sql "SELECT COUNT(*) FROM rooms"; }

create_room "$P-room"
expect_status 201 "setup: a room to read"
RID=$ROOM_ID
on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$RID"

# ---------------------------------------------------------------- 401
KEY= api GET /api/v1/rooms
expect_status 401 "no credentials: 401"
expect_detail_string "401 has a JSON detail"
KEY=$WRONG api GET /api/v1/rooms
expect_status 401 "a well-formed unknown key: 401"
KEY=$WRONG_SECRET api GET /api/v1/rooms
expect_status 401 "the admin key's prefix with a wrong secret: 401"
KEY=nope api GET /api/v1/rooms
expect_status 401 "a malformed key: 401"
KEY= api GET /api/v1/rooms "" -H "X-API-Key;"
expect_status 401 "an empty X-API-Key header: 401"
KEY="$ADMIN$ADMIN" api GET /api/v1/rooms
expect_status 401 "the admin key twice over: 401"

# ---------------------------------------------------------------- where a key may be
KEY=$ADMIN api GET /api/v1/rooms
expect_status 200 "X-API-Key header: 200"
KEY= api GET "/api/v1/rooms?api_key=$ADMIN"
expect_status 200 "?api_key= query: 200"
KEY= api GET "/api/v1/rooms?limit=5&api_key=$ADMIN"
expect_status 200 "?api_key= after another parameter: 200"
KEY= api GET "/api/v1/rooms?api_key=$WRONG"
expect_status 401 "?api_key= with a wrong key: 401"
KEY= api GET /api/v1/rooms "" -H "Authorization: Bearer $ADMIN"
expect_status 200 "Authorization: Bearer: 200"
KEY= api GET /api/v1/rooms "" -H "Authorization: Bearer $WRONG"
expect_status 401 "Bearer with a wrong key: 401"
KEY= api GET /api/v1/rooms "" -H "Authorization: Basic $(printf 'admin:%s' "$ADMIN" | base64 -w0)"
expect_status 401 "Authorization: Basic is not a credential: 401"

KEY= api POST /api/v1/rooms "$(jq -nc --arg n "$P-devkey" --arg k "$ADMIN" '{name: $n, device_key: $k}')"
expect_status 201 "device_key in the JSON body authenticates (201)"
devkey_room=$(jb .id)
expect_json 'has("device_key")' false "device_key is not stored as a field of the room"
[ -n "$devkey_room" ] && [ "$devkey_room" != null ] && on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$devkey_room"
KEY= api POST /api/v1/rooms "$(jq -nc --arg n "$P-devkey-bad" --arg k "$WRONG" '{name: $n, device_key: $k}')"
expect_status 401 "a wrong device_key in the body: 401"

# ---------------------------------------------------------------- precedence: first present wins
KEY=$WRONG api GET "/api/v1/rooms?api_key=$ADMIN"
expect_status 401 "wrong header + right query key: 401 (the header wins)"
KEY=$ADMIN api GET "/api/v1/rooms?api_key=$WRONG"
expect_status 200 "right header + wrong query key: 200"
KEY=$WRONG api GET /api/v1/rooms "" -H "Authorization: Bearer $ADMIN"
expect_status 401 "wrong header + right Bearer: 401"
KEY=$ADMIN api GET /api/v1/rooms "" -H "Authorization: Bearer $WRONG"
expect_status 200 "right header + wrong Bearer: 200"
n0=$(rooms_count)
KEY= api POST "/api/v1/rooms?api_key=$WRONG" "$(jq -nc --arg n "$P-prec1" --arg k "$ADMIN" '{name: $n, device_key: $k}')"
expect_status 401 "wrong query key + right device_key: 401 (the query wins)"
KEY= api POST /api/v1/rooms "$(jq -nc --arg n "$P-prec2" --arg k "$WRONG" '{name: $n, device_key: $k}')" \
	-H "Authorization: Bearer $ADMIN"
expect_status 401 "wrong device_key + right Bearer: 401 (the body wins)"
is "$(rooms_count)" "$n0" "refused requests created no room"

# ---------------------------------------------------------------- one credential of a kind, once
# Two of one kind are a 400 whichever comes first: never "the first wins".
repeated() {
	expect_status 400 "$1: 400"
	expect_json '.detail | test("more than once")' true "... with a detail that says so"
}
KEY= api GET /api/v1/rooms "" -H "X-API-Key: $ADMIN" -H "X-API-Key: $WRONG"
repeated "X-API-Key twice (right, then wrong)"
KEY= api GET /api/v1/rooms "" -H "X-API-Key: $WRONG" -H "X-API-Key: $ADMIN"
repeated "X-API-Key twice (wrong, then right)"
KEY= api GET /api/v1/rooms "" -H "X-API-Key: $ADMIN" -H "X-API-Key: $ADMIN"
repeated "X-API-Key twice, the same key"
KEY= api GET "/api/v1/rooms?api_key=$ADMIN&api_key=$WRONG"
repeated "?api_key= twice"
KEY= api GET "/api/v1/rooms?api%5Fkey=$WRONG&limit=1&api_key=$ADMIN"
repeated "?api%5Fkey= and ?api_key="
n0=$(rooms_count)
KEY= api POST "/api/v1/rooms?api_key=$ADMIN&api_key=$ADMIN" "$(j_room "$P-twice")"
repeated "POST with ?api_key= twice"
is "$(rooms_count)" "$n0" "... and no room was made"
# nginx itself refuses a second Authorization header; its 400 is JSON too.
KEY= api GET /api/v1/rooms "" -H "Authorization: Bearer $ADMIN" -H "Authorization: Bearer $WRONG"
expect_status 400 "Authorization twice: 400"
expect_json 'has("detail")' true "... as {\"detail\": ...}"
KEY= api GET /api/v1/stream/events "" -H "X-API-Key: $ADMIN" -H "X-API-Key: $WRONG" --max-time 3
expect_status 400 "a stream subscriber with X-API-Key twice: 400"
# Two of different kinds keep their order (above): still one of each.
KEY=$ADMIN api GET "/api/v1/rooms?limit=1&api_key=$ADMIN" "" -H "Authorization: Bearer $ADMIN"
expect_status 200 "one X-API-Key, one ?api_key=, one Bearer: 200"

# ---------------------------------------------------------------- POST /api-keys
KEY=$ADMIN api POST /api/v1/api-keys "$(jq -nc --arg n "$P-care" '{name: $n, role: "caregiver"}')"
expect_status 201 "POST /api-keys (caregiver): 201"
CARE=$(jb .key)
CARE_ID=$(jb .id)
expect_json ".key | test(\"$KEY_RE\")" true "the new key has the form hk_<8 hex>_<43 base64url>"
expect_json ".prefix == (.key | .[3:11])" true "prefix is the key's 8 hex digits"
expect_json '.id | type' number "the key has an integer id"
expect_json .role caregiver "the key has the role asked for"
expect_json .name "$P-care" "the key has the name asked for"
expect_json .revoked_at null "revoked_at is null"
expect_json ".created_at | test(\"$ISO_RE\")" true "created_at is ISO 8601 UTC with Z"
expect_json '[keys[] | select(test("hash"))] | length' 0 "the reply has no hash"

create_key "$P-mcp" mcp_readonly
expect_status 201 "POST /api-keys (mcp_readonly): 201"
MCP=$NEW_KEY
MCP_ID=$KEY_ID
create_key "$P-device" device
expect_status 201 "POST /api-keys (device): 201"
DEV=$NEW_KEY
DEV_ID=$KEY_ID
for id in "$CARE_ID" "$MCP_ID" "$DEV_ID"; do
	[ -n "$id" ] && on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$id"
done

KEY=$ADMIN api GET "/api/v1/api-keys?limit=1000"
expect_status 200 "GET /api-keys as admin: 200"
expect_json "[.items[] | select(.id == $CARE_ID)] | length" 1 "the list has the new key"
expect_json "[.items[] | select(.id == $CARE_ID)][0].prefix" "$(key_prefix "$CARE")" "the list shows the key's prefix"
expect_json '[.items[] | has("key")] | any' false "no list item has \"key\""
expect_json '[.items[] | keys[] | select(test("hash|secret"))] | length' 0 "no list item has a hash or secret field"
case $BODY in
*"${CARE#hk_*_}"* | *"${ADMIN#hk_*_}"*) not_ok "the list never contains a key's secret" "$(_last)" ;;
*) ok "the list never contains a key's secret" ;;
esac

api POST /api/v1/api-keys "$(jq -nc --arg n "$P-bad" '{name: $n, role: "overlord"}')"
expect_status 422 "an unknown role: 422"
expect_loc '["body","role"]'
api POST /api/v1/api-keys '{"role": "admin"}'
expect_status 422 "a key without a name: 422"
expect_loc '["body","name"]' missing
api POST /api/v1/api-keys '{"name": "x"}'
expect_status 422 "a key without a role: 422"
expect_loc '["body","role"]' missing
api POST /api/v1/api-keys "$(jq -nc --arg n "$P-x" '{name: $n, role: "admin", key: "hk_00000000_chosen"}')"
expect_status 422 "a client cannot choose its key: 422"
expect_loc '["body","key"]' extra_forbidden

# ---------------------------------------------------------------- roles
for who in caregiver mcp_readonly; do
	[ $who = caregiver ] && K=$CARE || K=$MCP
	KEY=$K api GET /api/v1/rooms
	expect_status 200 "$who: GET /rooms 200"
	KEY=$K api GET "/api/v1/rooms/$RID"
	expect_status 200 "$who: GET /rooms/{id} 200"
	KEY=$K api GET /api/v1/sensors
	expect_status 200 "$who: GET /sensors 200"
	KEY=$K api GET /api/v1/sensor-types
	expect_status 200 "$who: GET /sensor-types 200"
	n0=$(rooms_count)
	KEY=$K api POST /api/v1/rooms "$(j_room "$P-$who")"
	expect_status 403 "$who: POST /rooms 403"
	expect_detail_string "$who: 403 has a JSON detail"
	is "$(rooms_count)" "$n0" "$who: the refused POST created nothing"
	KEY=$K api PUT "/api/v1/rooms/$RID" '{"description": "changed"}'
	expect_status 403 "$who: PUT /rooms/{id} 403"
	KEY=$K api DELETE "/api/v1/rooms/$RID"
	expect_status 403 "$who: DELETE /rooms/{id} 403"
	KEY=$K api GET /api/v1/api-keys
	expect_status 403 "$who: GET /api-keys 403"
	KEY=$K api POST /api/v1/api-keys "$(jq -nc --arg n "$P-esc" '{name: $n, role: "admin"}')"
	expect_status 403 "$who: POST /api-keys 403 (no escalation)"
	KEY=$K api DELETE "/api/v1/api-keys/$DEV_ID"
	expect_status 403 "$who: DELETE /api-keys/{id} 403"
done
KEY=$DEV api GET /api/v1/rooms
expect_status 403 "device: GET /rooms 403"
KEY=$DEV api GET /api/v1/sensors
expect_status 403 "device: GET /sensors 403"
KEY=$DEV api POST /api/v1/rooms "$(j_room "$P-dev")"
expect_status 403 "device: POST /rooms 403"
KEY= api POST /api/v1/rooms "$(jq -nc --arg n "$P-dev2" --arg k "$DEV" '{name: $n, device_key: $k}')"
expect_status 403 "device key as device_key: POST /rooms 403"
KEY=$DEV api GET /api/v1/api-keys
expect_status 403 "device: GET /api-keys 403"
KEY=$DEV api GET /health
expect_status 200 "device: public /health 200"
api GET "/api/v1/rooms/$RID"
expect_json .description null "the room is unchanged after the refused writes"

# ---------------------------------------------------------------- revoking
for i in 1 2 3; do KEY=$MCP api GET /api/v1/rooms; done
expect_status 200 "mcp key works before revoking (and is now cached)"
KEY=$ADMIN api DELETE "/api/v1/api-keys/$MCP_ID"
expect_status 204 "DELETE /api-keys/{id}: 204"
is "$BODY" "" "204 has no body"
bad=0
for i in 1 2 3 4 5 6 7 8; do
	KEY=$MCP api GET /api/v1/rooms
	[ "$STATUS" = 401 ] || bad=$((bad + 1))
done
is "$bad" 0 "the revoked key is 401 at once, on every worker (8 tries)"
KEY=$ADMIN api DELETE "/api/v1/api-keys/$MCP_ID"
expect_status 404 "DELETE the same key again: 404"
KEY=$ADMIN api DELETE /api/v1/api-keys/99999999
expect_status 404 "DELETE an unknown key: 404"
KEY=$ADMIN api DELETE /api/v1/api-keys/abc
expect_status 422 "DELETE /api-keys/abc: 422"
expect_loc '["path","id"]'
KEY=$ADMIN api GET "/api/v1/api-keys?limit=1000"
expect_json "[.items[] | select(.id == $MCP_ID and .revoked_at == null)] | length" 0 \
	"the revoked key is not listed as active"

# ---------------------------------------------------------------- the last admin key
create_key "$P-admin2" admin
expect_status 201 "a second admin key: 201"
A2=$NEW_KEY
A2_ID=$KEY_ID
KEY=$A2 api GET /api/v1/api-keys
expect_status 200 "the second admin key works"
KEY=$ADMIN api DELETE "/api/v1/api-keys/$A2_ID"
expect_status 204 "revoking one of two admin keys: 204"
ADMIN_ID=$(key_id_of "$ADMIN")
KEY=$ADMIN api GET "/api/v1/api-keys?limit=1000"
others=$(jb --argjson me "${ADMIN_ID:-0}" '[.items[] | select(.role == "admin" and .revoked_at == null and .id != $me)] | length')
if [ -z "$ADMIN_ID" ]; then
	not_ok "the last active admin key cannot be revoked" "could not find the admin key's id"
elif [ "$others" = 0 ]; then
	KEY=$ADMIN api DELETE "/api/v1/api-keys/$ADMIN_ID"
	expect_status 409 "revoking the last active admin key: 409"
	expect_detail_string "409 has a JSON detail"
	KEY=$ADMIN api GET /api/v1/rooms
	expect_status 200 "the last admin key still works"
else
	skip "revoking the last active admin key: 409" "$others other active admin keys exist"
fi

# ---------------------------------------------------------------- hearthctl keys
out=$(hearthctl key create --name "$P-cli" --role caregiver 2>"$T/err")
rc=$?
is "$rc" 0 "hearthctl key create: exit 0"
is "$(printf '%s\n' "$out" | grep -c .)" 1 "hearthctl key create prints one line on stdout"
CLI=$(printf '%s' "$out" | head -n 1)
if [[ $CLI =~ $KEY_RE ]]; then ok "that line is a key"; else not_ok "that line is a key" "stdout: $out"; fi
if grep -q "$(key_prefix "$CLI")" "$T/err"; then
	ok "details (with the prefix) go to stderr"
else
	not_ok "details (with the prefix) go to stderr" "stderr: $(cat "$T/err")"
fi
KEY=$CLI api GET /api/v1/rooms
expect_status 200 "the key from hearthctl works (caregiver GET /rooms)"
KEY=$CLI api POST /api/v1/rooms "$(j_room "$P-cli")"
expect_status 403 "the key from hearthctl has its role (caregiver POST /rooms 403)"
CLI_ID=$(key_id_of "$CLI")
list=$(hearthctl key list 2>&1)
rc=$?
is "$rc" 0 "hearthctl key list: exit 0"
if grep "$P-cli" <<<"$list" | grep -q "$(key_prefix "$CLI")"; then
	ok "hearthctl key list shows the key (name and prefix)"
else
	not_ok "hearthctl key list shows the key (name and prefix)" "$list"
fi
case $list in
*"${CLI#hk_*_}"*) not_ok "hearthctl key list never shows a secret" "$list" ;;
*) ok "hearthctl key list never shows a secret" ;;
esac
for i in 1 2 3; do KEY=$CLI api GET /api/v1/rooms; done
hearthctl key revoke "$CLI_ID" >"$T/out" 2>&1
is "$?" 0 "hearthctl key revoke: exit 0"
bad=0
for i in 1 2 3 4 5 6; do
	KEY=$CLI api GET /api/v1/rooms
	[ "$STATUS" = 401 ] || bad=$((bad + 1))
done
is "$bad" 0 "the key revoked by hearthctl is 401 at once (6 tries)"
if hearthctl key list 2>&1 | grep -q "$P-cli"; then
	not_ok "hearthctl key list no longer shows the revoked key"
else
	ok "hearthctl key list no longer shows the revoked key"
fi
if hearthctl key list --all 2>&1 | grep -q "$P-cli"; then
	ok "hearthctl key list --all still shows it"
else
	not_ok "hearthctl key list --all still shows it"
fi
n0=$(sql "SELECT COUNT(*) FROM api_keys")
out=$(hearthctl key create --name "$P-cli-bad" --role overlord 2>/dev/null)
rc=$?
is "$rc" 65 "hearthctl key create with an unknown role: exit 65"
is "$out" "" "... and prints no key"
is "$(sql "SELECT COUNT(*) FROM api_keys")" "$n0" "... and stores none"
hearthctl key create --name "$P-cli-bad" >/dev/null 2>&1
is "$?" 64 "hearthctl key create without --role: exit 64"
hearthctl key revoke 99999999 >/dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok "hearthctl key revoke of an unknown id fails ($rc)" ||
	not_ok "hearthctl key revoke of an unknown id fails" "exit 0"

# ---------------------------------------------------------------- keys are stored hashed
sql "SELECT * FROM api_keys" >"$T/keys.tsv"
found=
for k in "$ADMIN" "$CARE" "$DEV" "$CLI"; do
	[ -n "$k" ] || continue
	grep -qF -- "${k#hk_*_}" "$T/keys.tsv" && found="$found $(key_prefix "$k")"
done
is "$found" "" "no key's secret appears anywhere in api_keys"
# The row holds the SHA-256 of the key, as hex text or as raw bytes.
sha=$(printf '%s' "$CARE" | sha256sum | cut -d' ' -f1)
cols=$(sql "SELECT GROUP_CONCAT(CONCAT('\`', column_name, '\`')) FROM information_schema.columns
	WHERE table_schema = DATABASE() AND table_name = 'api_keys'")
has_sha=$(sql "SELECT COUNT(*) FROM api_keys WHERE id = ${CARE_ID:-0} AND
	(LOCATE(UNHEX('$sha'), CONCAT_WS('', $cols)) > 0 OR LOCATE('$sha', CONCAT_WS('', $cols)) > 0
	 OR LOCATE(UPPER('$sha'), CONCAT_WS('', $cols)) > 0)")
is "$has_sha" 1 "the key's row holds the SHA-256 of the key"
# ?api_key= was used above: the secret must not leak into audit or logs.
found=$(sql "SELECT COUNT(*) FROM audit_log WHERE LOCATE('${ADMIN#hk_*_}', CONCAT_WS(' ', actor, path, object_id)) > 0")
is "$found" 0 "audit_log never contains a key"
secret=${ADMIN#hk_*_}
# nginx buffers its access log: USR1 (reopen the logs) writes it out first.
ngx=$(cat "$HEARTH_STACK_DIR/run/nginx.pid" 2>/dev/null)
[ -n "$ngx" ] && kill -USR1 "$ngx" 2>/dev/null && sleep 1
leaks=$(grep -rlF -- "$secret" "$HEARTH_STACK_DIR/log" 2>/dev/null | tr '\n' ' ')
if [ -z "$leaks" ]; then
	ok "no log under \$HEARTH_STACK_DIR/log contains a key"
else
	not_ok "no log under \$HEARTH_STACK_DIR/log contains a key" "found in: $leaks" \
		"$(grep -rhF -- "$secret" "$HEARTH_STACK_DIR/log" | head -n 2 | sed "s/$secret/<secret>/g")"
fi

# ---------------------------------------------------------------- audit
ADMIN_NAME=$(KEY=$ADMIN api GET "/api/v1/api-keys?limit=1000" && jb --argjson me "${ADMIN_ID:-0}" '.items[] | select(.id == $me) | .name')

# audit_is METHOD PATH OBJECT_ID STATUS DESCRIPTION: exactly one such row, by the admin key.
audit_is() {
	local rows
	rows=$(sql "SELECT key_id, actor, status FROM audit_log WHERE method = '$1' AND path = '$2' AND object_id = '$3'")
	is "$rows" "$(printf '%s\t%s\t%s' "$ADMIN_ID" "$ADMIN_NAME" "$4")" "$5"
}

a0=$(audit_count)
create_room "$P-audit"
AID=$ROOM_ID
is "$(audit_count)" $((a0 + 1)) "POST /rooms wrote one audit row"
audit_is POST /api/v1/rooms "$AID" 201 "audit: POST /api/v1/rooms, the room id, 201, by the admin key"
a0=$(audit_count)
api PUT "/api/v1/rooms/$AID" '{"description": "audited"}'
is "$(audit_count)" $((a0 + 1)) "PUT /rooms/{id} wrote one audit row"
audit_is PUT "/api/v1/rooms/$AID" "$AID" 200 "audit: PUT /api/v1/rooms/$AID, 200"
a0=$(audit_count)
api DELETE "/api/v1/rooms/$AID"
is "$(audit_count)" $((a0 + 1)) "DELETE /rooms/{id} wrote one audit row"
audit_is DELETE "/api/v1/rooms/$AID" "$AID" 204 "audit: DELETE /api/v1/rooms/$AID, 204"
a0=$(audit_count)
create_key "$P-audit" caregiver
AK_ID=$KEY_ID
is "$(audit_count)" $((a0 + 1)) "POST /api-keys wrote one audit row"
audit_is POST /api/v1/api-keys "$AK_ID" 201 "audit: POST /api/v1/api-keys, the key id, 201"
a0=$(audit_count)
api DELETE "/api/v1/api-keys/$AK_ID"
is "$(audit_count)" $((a0 + 1)) "DELETE /api-keys/{id} wrote one audit row"
audit_is DELETE "/api/v1/api-keys/$AK_ID" "$AK_ID" 204 "audit: DELETE /api/v1/api-keys/$AK_ID, 204"
a0=$(audit_count)
KEY= api POST "/api/v1/rooms?api_key=$ADMIN" "$(j_room "$P-audit-q")"
QID=$(jb .id)
[ "$STATUS" = 201 ] && on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$QID"
audit_is POST /api/v1/rooms "$QID" 201 "audit path has no query string (a key in ?api_key= is not recorded)"

a0=$(audit_count)
api GET /api/v1/rooms
api GET "/api/v1/rooms/$RID"
api POST /api/v1/rooms '{"name": 5}'
api POST /api/v1/rooms "$(j_room "$P-room")"
api PUT /api/v1/rooms/99999999 '{"description": "x"}'
api DELETE /api/v1/rooms/99999999
api DELETE "/api/v1/api-keys/$MCP_ID"
KEY= api POST /api/v1/rooms "$(j_room "$P-audit-401")"
KEY=$CARE api POST /api/v1/rooms "$(j_room "$P-audit-403")"
api POST /api/v1/rooms '{"name": '
CT=text/plain api POST /api/v1/rooms "$(j_room "$P-audit-415")"
is "$(audit_count)" "$a0" "reads and failed requests (401, 403, 404, 409, 400, 415, 422) wrote no audit row"

# ---------------------------------------------------------------- forged cache entries
# memcached has no authentication: whoever can write to it must not be able
# to plant an API key row.  Entries are signed with the hub's secret, so a
# forged one is ignored and the key it describes stays unknown (401).
mc=$(config_get cache servers)
mc_host=${mc%%:*}
mc_port=${mc##*:}
forged="hk_deadbeef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
forged_hash=$(printf '%s' "$forged" | sha256sum | cut -d' ' -f1)
row="{\"id\":1,\"name\":\"forged\",\"role\":\"admin\",\"hash\":\"$forged_hash\"}"
if exec 3<>"/dev/tcp/$mc_host/$mc_port" 2>/dev/null; then
	printf 'set hearth:apikey:deadbeef 0 300 %d\r\n%s\r\n' "${#row}" "$row" >&3
	read -r -t 2 reply <&3 || reply=
	exec 3<&-
	is "${reply%$'\r'}" STORED "a forged key row was planted in memcached"
	KEY=$forged api GET /api/v1/api-keys
	expect_status 401 "the forged cache entry is ignored: 401"
	KEY=$forged api POST /api/v1/api-keys '{"name": "pwned", "role": "admin"}'
	expect_status 401 "and it cannot mint a key: 401"
else
	not_ok "reach memcached at $mc to plant a forged entry"
fi

finish
