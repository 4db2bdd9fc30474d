#!/bin/bash
# People: first-run setup, users, sign-in and sessions, CSRF, failed
# sign-ins slowed down, personal tokens, hearthctl user, the audit rows.
. "$(dirname "$0")/lib.sh"

P="acc$RUN_ID"
PW="correct horse $RUN_ID"
J=$T/jars
mkdir -p "$J"
rooms_json() { jq -nc --arg n "$1" '{name: $n}'; }
audit_has() { # METHOD PATH ACTOR STATUS: how many such audit rows
	sql "SELECT COUNT(*) FROM audit_log WHERE method = '$1' AND path = '$2'
	     AND actor = '$3' AND status = $4"
}

# ---------------------------------------------------------------- first run
KEY= api GET /api/v1/auth/setup-status
expect_status 200 "setup-status is public"
if [ "$(jb .setup_done)" = false ]; then
	expect_json '.setup_code_file | type' string "before setup: where the code is"
	code_file=$(jb .setup_code_file)
	check "the setup code file is mode 0600" test "$(stat -c %a "$code_file")" = 600
	CODE=$(cat "$code_file")
	as "$J/owner" POST /api/v1/auth/setup "$(jq -nc --arg p "$PW" \
		'{username: "owner", password: $p, setup_code: "WRONG-CODE"}')"
	expect_status 401 "setup with a wrong code: 401"
	as "$J/owner" POST /api/v1/auth/setup "$(jq -nc --arg c "$CODE" \
		'{username: "owner", password: "password1", setup_code: $c}')"
	expect_status 422 "setup with a common password: 422"
	expect_loc '["body","password"]'
	# Lowercase and without dashes: as people type it.
	lc=$(printf '%s' "$CODE" | tr -d '-' | tr 'A-Z' 'a-z')
	as "$J/owner" POST /api/v1/auth/setup "$(jq -nc --arg c "$lc" --arg p "$PW" \
		'{username: "owner", display_name: "The Owner", password: $p, setup_code: $c}')"
	expect_status 201 "setup with the code: 201, the first admin"
	expect_json '.user.role' admin "the first user is an admin"
	expect_json '.signed_in_with' setup "and is signed in"
	expect_header Set-Cookie '^hearth_session=hs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}; Path=/; Max-Age=[0-9]+; HttpOnly; Secure; SameSite=Strict$' \
		"the session cookie: HttpOnly, Secure, SameSite=Strict, Path=/"
	check "the setup code file is gone" test ! -e "$code_file"
	is "$(audit_has POST /api/v1/auth/setup owner 201)" 1 "setup is audited under the new admin"
	is "$(audit_has POST /api/v1/auth/setup setup 401)" 1 "the wrong code is audited"
else
	skip "first-run setup" "this stack was set up before"
	create_user owner admin "$PW"
	[ "$STATUS" = 201 ] || { KEY=$ADMIN api PATCH "/api/v1/users/$(sql "SELECT id FROM users WHERE username = 'owner'")" \
		"$(jq -nc --arg p "$PW" '{password: $p, role: "admin", disabled: false}')"; }
	login "$J/owner" owner "$PW"
fi
OWNER_ID=$(sql "SELECT id FROM users WHERE username = 'owner'")
CODE=${CODE:-X}
as "$J/x" POST /api/v1/auth/setup "$(jq -nc --arg c "$CODE" --arg p "$PW" \
	'{username: "second", password: $p, setup_code: $c}')"
expect_status 409 "setup again: 409 forever"
KEY= api GET /api/v1/auth/setup-status
expect_json '.setup_done' true "setup-status: done"
KEY=$ADMIN api GET /api/v1/rooms
expect_status 200 "the admin key still works after setup"

# ---------------------------------------------------------------- users
create_user "$P-cg" caregiver "$PW"
expect_status 201 "create a caregiver"
CG_ID=$USER_ID
expect_json '.password_hash // .password // "none"' none "no password or hash in the reply"
check "the stored hash is Argon2id" test "$(sql "SELECT LEFT(password_hash, 10) FROM users WHERE id = $CG_ID")" = '$argon2id$'
create_user "$P-CG" caregiver "$PW"
expect_status 409 "the same name in other case: 409"
create_user "$P-short" caregiver "short"
expect_status 422 "a 5-character password: 422"
expect_loc '["body","password"]'
create_user "$P-common" caregiver "iloveyou1"
expect_status 422 "a common password: 422"
create_user "-$P" caregiver "$PW"
expect_status 422 "a name starting with '-': 422"
expect_loc '["body","username"]'
create_user "$P-r" wizard "$PW"
expect_status 422 "an unknown role: 422"
expect_loc '["body","role"]'
KEY=$ADMIN api POST /api/v1/users "$(jq -nc --arg p "$PW" '{username: "x1", role: "caregiver", password: $p, age: 3}')"
expect_status 422 "an unknown field: 422"
is "$(sql "SELECT COUNT(*) FROM users WHERE username IN ('x1', '$P-short', '$P-common', '$P-r')")" 0 \
	"refused users were not stored"
KEY=$ADMIN api GET "/api/v1/users?limit=1000"
expect_json "[.items[] | select(.username == \"$P-cg\")] | length" 1 "the list has the caregiver"
KEY=$ADMIN api GET /api/v1/roles
expect_json '[.items[].name] | index("caregiver") != null' true "GET /roles lists the roles"
KEY=$ADMIN api PATCH "/api/v1/users/$CG_ID" '{"display_name": "Carer"}'
expect_status 200 "PATCH a display name"
expect_json .display_name Carer "the new display name"
KEY=$ADMIN api PATCH "/api/v1/users/$CG_ID" '{"colour": "red"}'
expect_status 422 "PATCH with an unknown field: 422"
KEY=$ADMIN api PATCH /api/v1/users/999999999 '{"display_name": "x"}'
expect_status 404 "PATCH an unknown user: 404"

# ---------------------------------------------------------------- sign-in
login "$J/cg" "$P-cg" "wrong password here"
expect_status 401 "a wrong password: 401"
wrong_pw=$(jb .detail)
login "$J/cg" "$P-nobody" "wrong password here"
expect_status 401 "an unknown user: 401"
is "$(jb .detail)" "$wrong_pw" "a wrong user and a wrong password read the same"
# Timing: both run one Argon2id verification.
t_user=0 t_pw=0
for _ in 1 2 3; do
	login "$J/t" "$P-nobody" "wrong password here"; t_user=$(awk -v a="$t_user" -v b="$TIME" 'BEGIN { print a + b }')
	login "$J/t" "$P-cg" "wrong password here"; t_pw=$(awk -v a="$t_pw" -v b="$TIME" 'BEGIN { print a + b }')
done
check "a wrong user takes as long as a wrong password ($t_user s vs $t_pw s for 3)" \
	awk -v u="$t_user" -v p="$t_pw" 'BEGIN { exit !(u > 0.5 * p && p > 0.5 * u) }'
login "$J/cg" "$P-cg" "$PW"
expect_status 200 "the right password: 200"
expect_json '.user.username' "$P-cg" "the reply names the user"
expect_json '.role' caregiver "and the role"
expect_header Set-Cookie 'HttpOnly; Secure; SameSite=Strict' "cookie flags"
check "the session is stored hashed, never the token" \
	test "$(sql "SELECT COUNT(*) FROM sessions WHERE token_hash = UNHEX(SHA2('$(session_token "$J/cg")', 256))")" = 1
login "$J/cg2" "$(printf '%s' "$P-CG" | tr a-z A-Z)" "$PW"
expect_status 200 "the user name in any case signs in"
as "$J/cg" GET /api/v1/auth/me
expect_status 200 "GET /auth/me with the cookie"
expect_json '[.user.username, .role, .via]' "[\"$P-cg\",\"caregiver\",\"session\"]" "me: the user, the role, via a session"
as "$J/cg" GET /api/v1/auth/status
expect_json '[.setup_done, .signed_in, .me.user.username]' "[true,true,\"$P-cg\"]" "status: signed in"
KEY= api GET /api/v1/auth/status
expect_json '[.signed_in, .me]' '[false,null]' "status without a cookie: not signed in"
code=$(timeout 5 curl -sk -N -b "$J/cg" -H 'Accept: text/event-stream' -D - -o /dev/null \
	"$URL/api/v1/stream/events" 2>/dev/null | head -n 1 | awk '{ print $2 }')
is "$code" 200 "a signed-in browser subscribes to a stream with its cookie"
KEY= api GET /api/v1/auth/status "" -H "Cookie: hearth_session=hs_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_json '.signed_in' false "status with an unknown session: not signed in"
KEY= api GET /api/v1/rooms "" -H "Cookie: hearth_session=hs_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_status 401 "an unknown session: 401"
tok=$(session_token "$J/cg")
KEY= api GET /api/v1/rooms "" -H "Cookie: hearth_session=$tok; hearth_session=$tok"
expect_status 401 "two session cookies: 401"

# ---------------------------------------------------------------- roles: session = key
create_key "$P-cgkey" caregiver
CGKEY=$NEW_KEY
for probe in "GET /api/v1/rooms" "GET /api/v1/sensors" "GET /api/v1/api-keys" "GET /api/v1/users" \
	"GET /api/v1/roles" "POST /api/v1/rooms" "DELETE /api/v1/users/$CG_ID" "GET /api/v1/logs"; do
	set -- $probe
	body=
	[ "$1" = POST ] && body=$(rooms_json "$P-probe")
	KEY=$CGKEY api "$1" "$2" "$body"
	by_key=$STATUS
	as "$J/cg" "$1" "$2" "$body"
	is "$STATUS" "$by_key" "caregiver: $probe answers the same by session and by key ($by_key)"
done

# ---------------------------------------------------------------- CSRF
as "$J/owner" POST /api/v1/rooms "$(rooms_json "$P-room1")"
expect_status 201 "a signed-in admin writes with Origin and X-Hearth-Request"
R1=$(jb .id)
KEY= api POST /api/v1/rooms "$(rooms_json "$P-room2")" -b "$J/owner" -H "X-Hearth-Request: 1" \
	-H "Origin: https://evil.example"
expect_status 403 "a cookie and a foreign Origin: 403"
expect_json .detail "cross-site request refused"
KEY= api POST /api/v1/rooms "$(rooms_json "$P-room3")" -b "$J/owner" -H "Origin: $URL"
expect_status 403 "a cookie without X-Hearth-Request: 403"
KEY= api POST /api/v1/rooms "$(rooms_json "$P-room4")" -b "$J/owner" -H "X-Hearth-Request: 1"
expect_status 403 "a cookie with neither Origin nor Referer: 403"
KEY= api POST /api/v1/rooms "$(rooms_json "$P-room5")" -b "$J/owner" -H "X-Hearth-Request: 1" \
	-H "Referer: $URL/rooms"
expect_status 201 "a same-site Referer stands for a missing Origin"
R5=$(jb .id)
KEY=$ADMIN api POST /api/v1/rooms "$(rooms_json "$P-room6")" -H "Origin: https://evil.example"
expect_status 201 "the same write with a key and a foreign Origin: 201"
R6=$(jb .id)
is "$(sql "SELECT COUNT(*) FROM rooms WHERE name IN ('$P-room2', '$P-room3', '$P-room4')")" 0 \
	"refused writes stored nothing"
KEY= api POST /api/v1/auth/login "$(jq -nc --arg u "$P-cg" --arg p "$PW" '{username: $u, password: $p}')" \
	-H "Origin: https://evil.example"
expect_status 403 "a sign-in posted from another site: 403"
for r in $R1 $R5 $R6; do KEY=$ADMIN api DELETE "/api/v1/rooms/$r"; done

# ---------------------------------------------------------------- logout
login "$J/lo" "$P-cg" "$PW"
tok=$(session_token "$J/lo")
as "$J/lo" POST /api/v1/auth/logout
expect_status 204 "logout: 204"
expect_header Set-Cookie '^hearth_session=; .*Max-Age=0' "logout clears the cookie"
KEY= api GET /api/v1/auth/me "" -H "Cookie: hearth_session=$tok"
expect_status 401 "the old token after logout: 401 (ended on the server)"
expect_json .detail "your session has ended; sign in again"
is "$(audit_has POST /api/v1/auth/logout "$P-cg" 204)" 1 "logout is audited"
check "logins are audited under the user" test "$(audit_has POST /api/v1/auth/login "$P-cg" 200)" -ge 3
check "failed logins are audited" test "$(audit_has POST /api/v1/auth/login "$P-cg" 401)" -ge 4

# ---------------------------------------------------------------- password change
create_user "$P-pw" caregiver "$PW"
PW_ID=$USER_ID
login "$J/a" "$P-pw" "$PW"
login "$J/b" "$P-pw" "$PW"
NEW="battery staple $RUN_ID"
as "$J/a" POST /api/v1/auth/password "$(jq -nc --arg n "$NEW" '{current: "not it at all", new: $n}')"
expect_status 401 "a wrong current password: 401"
as "$J/a" POST /api/v1/auth/password "$(jq -nc --arg c "$PW" '{current: $c, new: "12345678"}')"
expect_status 422 "a common new password: 422"
expect_loc '["body","new"]'
as "$J/a" POST /api/v1/auth/password "$(jq -nc --arg c "$PW" --arg n "$NEW" '{current: $c, new: $n}')"
expect_status 204 "password changed"
as "$J/a" GET /api/v1/auth/me
expect_status 200 "the session that changed it goes on"
as "$J/b" GET /api/v1/auth/me
expect_status 401 "every other session has ended"
login "$J/c" "$P-pw" "$PW"
expect_status 401 "the old password no longer signs in"
login "$J/c" "$P-pw" "$NEW"
expect_status 200 "the new one does"
is "$(audit_has POST /api/v1/auth/password "$P-pw" 204)" 1 "the password change is audited under the user"
is "$(audit_has POST /api/v1/auth/password "$P-pw" 401)" 1 "and the wrong current password too"
KEY=$ADMIN api POST /api/v1/auth/password "$(jq -nc --arg c "$PW" --arg n "$NEW" '{current: $c, new: $n}')"
expect_status 403 "an admin key that is nobody's has no password: 403"

# ---------------------------------------------------------------- failed sign-ins slow down
create_user "$P-lock" caregiver "$PW"
for i in 1 2 3 4 5; do login "$J/l" "$P-lock" "wrong $i"; done
expect_status 401 "five wrong passwords: 401 each"
login "$J/l" "$P-lock" "$PW"
expect_status 429 "the sixth try at once: 429, even with the right password"
wait1=$(header Retry-After)
is "$wait1" 1 "Retry-After: 1 s after the free tries"
sleep "$((wait1 + 1))"
login "$J/l" "$P-lock" "wrong 6"
expect_status 401 "after the wait, a wrong password: 401"
login "$J/l" "$P-lock" "$PW"
expect_status 429 "and the delay has grown"
wait2=$(header Retry-After)
check "Retry-After grew ($wait1 -> $wait2)" test "$wait2" -gt "$wait1"
sleep "$((wait2 + 1))"
login "$J/l" "$P-lock" "$PW"
expect_status 200 "after the wait, the right password: 200"
login "$J/l" "$P-lock" "wrong again"
expect_status 401 "a success reset the count: the next wrong one is a plain 401"
for i in 1 2 3 4 5; do login "$J/n" "$P-ghost" "wrong $i"; done
login "$J/n" "$P-ghost" "wrong 6"
expect_status 429 "a name nobody has is slowed down the same way"
login "$J/l" "$P-lock" "$PW"   # clears this address's count

# ---------------------------------------------------------------- disable, last admin
login "$J/d" "$P-cg" "$PW"
KEY=$ADMIN api PATCH "/api/v1/users/$CG_ID" '{"disabled": true}'
expect_status 200 "disable a user"
as "$J/d" GET /api/v1/auth/me
expect_status 401 "their session ends at once"
login "$J/d" "$P-cg" "$PW"
expect_status 401 "and they cannot sign in"
KEY=$ADMIN api PATCH "/api/v1/users/$CG_ID" '{"disabled": false}'
login "$J/d" "$P-cg" "$PW"
expect_status 200 "enabled again, they can"

admins=$(sql "SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled")
if [ "$admins" = 1 ]; then
	KEY=$ADMIN api PATCH "/api/v1/users/$OWNER_ID" '{"role": "caregiver"}'
	expect_status 409 "the last enabled admin cannot be demoted"
	KEY=$ADMIN api PATCH "/api/v1/users/$OWNER_ID" '{"disabled": true}'
	expect_status 409 "nor disabled"
	KEY=$ADMIN api DELETE "/api/v1/users/$OWNER_ID"
	expect_status 409 "nor deleted"
	is "$(sql "SELECT CONCAT(role, disabled) FROM users WHERE id = $OWNER_ID")" admin0 "and stays as it was"
else
	skip "last admin protections" "$admins enabled admins on this stack"
fi
create_user "$P-admin2" admin "$PW"
A2=$USER_ID
KEY=$ADMIN api PATCH "/api/v1/users/$A2" '{"role": "caregiver"}'
expect_status 200 "with another admin there, one may be demoted"

# ---------------------------------------------------------------- personal tokens
login "$J/p" "$P-admin2" "$PW"
as "$J/p" POST /api/v1/auth/regenerate
expect_status 201 "POST /auth/regenerate: a personal token"
T1=$(jb .key)
expect_json '.key | test("^hk_[0-9a-f]{8}_")' true "shown once, in the reply"
expect_json ".user_id" "$A2" "tied to the user"
KEY=$T1 api GET /api/v1/auth/me
expect_json '[.user.username, .role, .via]' "[\"$P-admin2\",\"caregiver\",\"key\"]" "the token acts as the user, with the user's role"
KEY=$T1 api POST /api/v1/rooms "$(rooms_json "$P-tok")"
expect_status 403 "a caregiver's token cannot create rooms"
KEY=$ADMIN api PATCH "/api/v1/users/$A2" '{"role": "admin"}'
KEY=$T1 api POST /api/v1/rooms "$(rooms_json "$P-tok")"
expect_status 201 "made admin, the same token can (the role follows the user)"
KEY=$ADMIN api DELETE "/api/v1/rooms/$(jb .id)"
as "$J/p" POST /api/v1/auth/regenerate
T2=$(jb .key)
KEY=$T1 api GET /api/v1/auth/me
expect_status 401 "regenerating revokes the old token"
KEY=$T2 api GET /api/v1/auth/me
expect_status 200 "the new one works"
KEY=$ADMIN api DELETE "/api/v1/users/$A2"
expect_status 204 "delete the user"
KEY=$T2 api GET /api/v1/auth/me
expect_status 401 "their token died with them"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE method = 'DELETE' AND path = '/api/v1/users/$A2' AND object_id = '$A2' AND status = 204")" 1 \
	"deleting a user is audited with its id"
as "$J/p" GET /api/v1/auth/me
expect_status 401 "and their session"
is "$(sql "SELECT COUNT(*) FROM api_keys WHERE user_id = $A2 AND revoked_at IS NULL")" 0 \
	"the token rows are revoked, kept for the audit log"

# ---------------------------------------------------------------- hearthctl user
printf '%s\n' "$PW" | hearthctl user create --name "$P-cli" --role caregiver --display-name "From CLI" >/dev/null 2>"$T/err"
is "$?" 0 "hearthctl user create (password from stdin)"
hearthctl user list >"$T/list" 2>&1
check "hearthctl user list shows it" grep -q "$P-cli" "$T/list"
printf 'short\n' | hearthctl user create --name "$P-cli2" --role caregiver >/dev/null 2>"$T/err"
is "$?" 65 "hearthctl refuses a short password (65)"
login "$J/cli" "$P-cli" "$PW"
expect_status 200 "the CLI's user signs in"
printf '%s\n' "$NEW" | hearthctl user passwd "$P-cli" >/dev/null 2>&1
is "$?" 0 "hearthctl user passwd"
as "$J/cli" GET /api/v1/auth/me
expect_status 401 "which ends their sessions"
login "$J/cli" "$P-cli" "$NEW"
expect_status 200 "the new password signs in"
hearthctl user disable "$P-cli" >/dev/null 2>&1
is "$?" 0 "hearthctl user disable"
as "$J/cli" GET /api/v1/auth/me
expect_status 401 "signed out at once"
hearthctl user disable "$P-cli" --enable >/dev/null 2>&1
login "$J/cli" "$P-cli" "$NEW"
expect_status 200 "hearthctl user disable --enable lets them in again"
hearthctl setup-code >/dev/null 2>"$T/err"
is "$?" 0 "hearthctl setup-code after setup: nothing to do, no error"
check "and no code file is made" test ! -e "$HEARTH_STACK_DIR/setup-code"

# ---------------------------------------------------------------- memcached away
login "$J/m" "$P-cg" "$PW"
tok=$(session_token "$J/m")
devstack stop memcached >/dev/null 2>&1
as "$J/m" GET /api/v1/auth/me
expect_status 200 "memcached down: a session still works"
as "$J/m" POST /api/v1/auth/logout
expect_status 204 "memcached down: logout"
KEY= api GET /api/v1/auth/me "" -H "Cookie: hearth_session=$tok"
expect_status 401 "memcached down: the ended session is refused"
devstack start memcached >/dev/null 2>&1
wait_until 10 status_is 200 GET /api/v1/ready
login "$J/m2" "$P-cg" "$PW"
tok2=$(session_token "$J/m2")
as "$J/m2" GET /api/v1/auth/me
as "$J/m2" POST /api/v1/auth/logout
KEY= api GET /api/v1/auth/me "" -H "Cookie: hearth_session=$tok2"
expect_status 401 "memcached back: a cached session ends at logout at once"

# ---------------------------------------------------------------- expiry
config_keep
config_set auth session_idle_seconds 5
config_set auth session_max_seconds 9
restart_api_tick
login "$J/e" "$P-cg" "$PW"
sleep 3
as "$J/e" GET /api/v1/auth/me
expect_status 200 "3 s idle of 5: still signed in"
sleep 3
as "$J/e" GET /api/v1/auth/me
expect_status 200 "used again within 5 s: still signed in"
sleep 4
as "$J/e" GET /api/v1/auth/me
expect_status 401 "9 s after sign-in: the absolute expiry ends it though it was in use"
login "$J/e" "$P-cg" "$PW"
sleep 7
as "$J/e" GET /api/v1/auth/me
expect_status 401 "idle for 7 s of 5: ended"

finish
