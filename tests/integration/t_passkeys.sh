#!/bin/bash
# Passkeys: the options' shapes, registration and sign-in with a software
# authenticator (tests/tools/soft_authenticator.py: ES256 through the
# openssl CLI), every refusal (bad bodies, wrong challenge, origin, type,
# rp id, user presence, a counter going backwards, replays), and listing
# and deleting one's own passkeys only.  The browser does the same with
# Chromium in t_passkeys_browser.sh.
. "$(dirname "$0")/lib.sh"

SOFT="python3 $HEARTH_SRC_DIR/tests/tools/soft_authenticator.py"
ORIGIN=$(config_get auth origin)
RP_ID=$(config_get auth rp_id)
P="pk$RUN_ID"
PASSWORD="a long enough password $RUN_ID"

# person NAME: a caregiver account; prints its id.
person() {
	api POST /api/v1/users "$(jq -nc --arg u "$1" --arg p "$PASSWORD" \
		'{username: $u, password: $p, role: "caregiver"}')"
	[ "$STATUS" = 201 ] || { not_ok "create person $1" "$(_last)"; return 1; }
	jb .id
}

# login NAME JAR: sign in with the password, the cookie into JAR.
login() {
	KEY= api POST /api/v1/auth/login "$(jq -nc --arg u "$1" --arg p "$PASSWORD" \
		'{username: $u, password: $p}')" -c "$2" -H "Origin: $URL"
}

# as JAR METHOD PATH [BODY]: a request under the session cookie in JAR, as
# the dashboard makes it.
as() {
	local jar=$1
	shift
	KEY= api "$1" "$2" "${3-}" -b "$jar" -H "Origin: $URL" -H "X-Hearth-Request: 1"
}

ALICE=$(person "$P-alice") || finish
BOB=$(person "$P-bob") || finish
on_exit "KEY=\$ADMIN api DELETE /api/v1/users/$ALICE; KEY=\$ADMIN api DELETE /api/v1/users/$BOB"
JA=$T/alice.jar JB=$T/bob.jar
login "$P-alice" "$JA"
expect_status 200 "alice signs in with her password"
login "$P-bob" "$JB"
expect_status 200 "bob signs in with his password"
$SOFT keygen "$T/ka"
$SOFT keygen "$T/kb"

# ---------------------------------------------------------------- who may
api POST /api/v1/auth/passkey/register/options '{}'
expect_status 403 "register/options with an API key that is nobody's: 403"
expect_detail_string "passkeys belong to a person: sign in first"
api GET /api/v1/auth/passkeys
expect_status 403 "GET /auth/passkeys with a key that is nobody's: 403"
KEY= api POST /api/v1/auth/passkey/register/options '{}'
expect_status 401 "register/options with no credentials: 401"

# ---------------------------------------------------------------- register options
as "$JA" POST /api/v1/auth/passkey/register/options '{}'
expect_status 200 "register/options: 200"
OPTS=$BODY
expect_json .rp.id "$RP_ID" "rp.id is the configured rp_id"
expect_json .rp.name Hearth "rp.name"
expect_json .user.name "$P-alice" "user.name is the username"
expect_json '.user.id | test("^[A-Za-z0-9_-]{22}$")' true "user.id is 16 opaque bytes in base64url"
expect_json '.challenge | test("^[A-Za-z0-9_-]{43}$")' true "the challenge is 32 bytes in base64url"
expect_json '[.pubKeyCredParams[].alg]' '[-7,-257]' "ES256 and RS256 are offered"
expect_json .attestation none "attestation none"
expect_json .authenticatorSelection.residentKey preferred "residentKey preferred"
expect_json .authenticatorSelection.userVerification preferred "userVerification preferred"
expect_json .excludeCredentials '[]' "no passkeys to exclude yet"
expect_json '.timeout > 0' true "a timeout"
as "$JA" POST /api/v1/auth/passkey/register/options '{}'
[ "$(jb .challenge)" != "$(jq -r .challenge <<<"$OPTS")" ] && ok "each call gets a new challenge" ||
	not_ok "each call gets a new challenge" "$(_last)"
expect_json .user.id "$(jq -r .user.id <<<"$OPTS")" "the user handle is stable"

# ---------------------------------------------------------------- bad bodies
as "$JA" POST /api/v1/auth/passkey/register/verify '{}'
expect_status 422 "register/verify {}: 422"
expect_loc '["body","id"]' missing
expect_loc '["body","rawId"]' missing
expect_loc '["body","response"]' missing
as "$JA" POST /api/v1/auth/passkey/register/verify \
	'{"id":"AA","rawId":"!!","type":"secret","response":{"clientDataJSON":"%%","extra":1,"transports":["carrier-pigeon"]},"more":true}'
expect_status 422 "register/verify with everything wrong: 422"
expect_loc '["body","rawId"]' value_error
expect_loc '["body","type"]' enum
expect_loc '["body","more"]' extra_forbidden
expect_loc '["body","response","clientDataJSON"]' value_error
expect_loc '["body","response","attestationObject"]' missing
expect_loc '["body","response","extra"]' extra_forbidden
expect_loc '["body","response","transports"]' enum
as "$JA" POST /api/v1/auth/passkey/authenticate/verify '{"id":"AA","rawId":"AA","type":"public-key","response":{}}'
expect_status 422 "authenticate/verify without the response's fields: 422"
expect_loc '["body","response","clientDataJSON"]' missing
expect_loc '["body","response","authenticatorData"]' missing
expect_loc '["body","response","signature"]' missing
KEY= api POST /api/v1/auth/passkey/authenticate/options '{"username": 5}'
expect_status 422 "authenticate/options with a number for username: 422"
expect_loc '["body","username"]' string_type

# ---------------------------------------------------------------- register refusals
# reg_body [ENV...]: fresh options for alice, then the soft authenticator's
# answer with the given knobs; the body in $REG.
reg_body() {
	as "$JA" POST /api/v1/auth/passkey/register/options '{}'
	REG=$(env "$@" $SOFT register "$T/ka" "${REG_ORIGIN:-$ORIGIN}" <<<"$BODY")
}
count_creds() { sql "SELECT COUNT(*) FROM webauthn_credentials WHERE user_id = $ALICE"; }

reg_body SOFT_CHALLENGE=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 400 "a challenge the server never issued: 400"
expect_detail_string "the challenge is unknown, has expired or was used already"
REG_ORIGIN=https://evil.example reg_body
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 400 "another origin: 400"
expect_json '.detail | test("origin")' true "the detail names the origin"
REG_ORIGIN=${ORIGIN%:*}:1 reg_body
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 400 "the right host on another port: 400"
reg_body SOFT_TYPE=webauthn.get
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 400 "clientData type webauthn.get on registration: 400"
reg_body SOFT_RP_ID=evil.example
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 400 "authData for another rp id: 400"
expect_json '.detail | test("relying party")' true "the detail names the relying party"
reg_body SOFT_FLAGS=68
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 400 "no user presence flag: 400"
reg_body
as "$JB" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 400 "bob cannot answer alice's challenge: 400"
is "$(count_creds)" 0 "nothing was stored by the refused registrations"

# ---------------------------------------------------------------- register
reg_body
GOOD_REG=$REG
as "$JA" POST /api/v1/auth/passkey/register/verify "$(jq -c '. + {name: "Soft key"}' <<<"$REG")"
expect_status 201 "register/verify: 201"
PKA=$(jb .id)
expect_json 'keys | sort | join(",")' "alg,created_at,id,last_used_at,name,sign_count,transports" \
	"the listing has exactly the documented fields"
expect_json .name "Soft key" "the name as given"
expect_json .alg ES256 "alg ES256"
expect_json .transports '["internal"]' "transports as given"
expect_json .last_used_at null "never used yet"
as "$JA" POST /api/v1/auth/passkey/register/verify "$GOOD_REG"
expect_status 400 "the same registration again: 400 (the challenge is used up)"
reg_body
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 409 "the same credential registered twice: 409"
as "$JA" POST /api/v1/auth/passkey/register/options '{}'
expect_json '[.excludeCredentials[].id]' "[\"$(jq -r .rawId <<<"$GOOD_REG")\"]" \
	"register/options excludes the registered passkey"
is "$(sql "SELECT alg, sign_count, LENGTH(public_key) > 60 FROM webauthn_credentials WHERE id = $PKA")" \
	"$(printf -- '-7\t0\t1')" "stored: alg -7, counter 0, a DER public key"

# ---------------------------------------------------------------- authenticate
KEY= api POST /api/v1/auth/passkey/authenticate/options ''
expect_status 200 "authenticate/options without a body: 200"
expect_json '.challenge | test("^[A-Za-z0-9_-]{43}$")' true "a 32-byte challenge"
expect_json .rpId "$RP_ID" "rpId"
expect_json .allowCredentials '[]' "no name: an empty allowCredentials (discoverable)"
expect_json .userVerification preferred "userVerification preferred"
KEY= api POST /api/v1/auth/passkey/authenticate/options "{\"username\": \"$P-alice\"}"
expect_status 200 "authenticate/options for alice: 200"
expect_json '[.allowCredentials[].id]' "[\"$(jq -r .rawId <<<"$GOOD_REG")\"]" "lists alice's passkey"
KEY= api POST /api/v1/auth/passkey/authenticate/options '{"username": "nobody-at-all"}'
expect_status 200 "an unknown name gets options too"
expect_json .allowCredentials '[]' "with nothing in allowCredentials"

# auth_body COUNTER [ENV...]: fresh options, then a signed assertion in $AUTH.
auth_body() {
	local n=$1
	shift
	KEY= api POST /api/v1/auth/passkey/authenticate/options '{}'
	AUTH=$(env "$@" $SOFT assert "$T/ka" "${AUTH_ORIGIN:-$ORIGIN}" "$n" <<<"$BODY")
}
verify() { KEY= api POST /api/v1/auth/passkey/authenticate/verify "$1" -c "$T/pk.jar" -H "Origin: $URL"; }

AUTH_ORIGIN=https://evil.example auth_body 1
verify "$AUTH"
expect_status 401 "assertion from another origin: 401"
auth_body 1 SOFT_TYPE=webauthn.create
verify "$AUTH"
expect_status 401 "assertion with type webauthn.create: 401"
auth_body 1 SOFT_RP_ID=evil.example
verify "$AUTH"
expect_status 401 "assertion for another rp id: 401"
auth_body 1 SOFT_FLAGS=4
verify "$AUTH"
expect_status 401 "assertion without user presence: 401"
auth_body 1 SOFT_CHALLENGE=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
verify "$AUTH"
expect_status 401 "assertion for a challenge never issued: 401"
auth_body 1
BAD=$(jq -c '.response.signature |= (.[0:20] + (if .[20:21] == "A" then "B" else "A" end) + .[21:])' <<<"$AUTH")
fails_before=$(sql "SELECT COALESCE(SUM(failures), 0) FROM login_failures WHERE kind = 'addr'")
verify "$BAD"
expect_status 401 "a tampered signature: 401"
verify "$AUTH"
expect_status 401 "the challenge of a failed attempt is used up: the right assertion for it is 401 too"
check "a failed passkey sign-in counts against the address like a wrong password" \
	test "$(sql "SELECT COALESCE(SUM(failures), 0) FROM login_failures WHERE kind = 'addr'")" -gt "$fails_before"
check "failed passkey sign-ins are audited" \
	test "$(sql "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/auth/passkey/authenticate/verify' AND status = 401")" -ge 2
KEY= api POST /api/v1/auth/passkey/authenticate/options '{}'
UNKNOWN=$($SOFT assert "$T/kb" "$ORIGIN" 1 <<<"$BODY")
verify "$UNKNOWN"
expect_status 401 "a passkey never registered: 401"
expect_detail_string "this passkey is not registered here"
is "$(sql "SELECT sign_count, last_used_at IS NULL FROM webauthn_credentials WHERE id = $PKA")" \
	"$(printf '0\t1')" "refusals left the stored counter alone"

auth_body 5
verify "$AUTH"
expect_status 200 "a good assertion signs in: 200"
SIGNED=$AUTH
grep -q 'hearth_session' "$T/pk.jar" && ok "the session cookie is set" ||
	not_ok "the session cookie is set" "$(cat "$T/pk.jar")"
KEY= api GET /api/v1/auth/passkeys "" -b "$T/pk.jar"
expect_status 200 "the passkey session reads alice's passkeys"
expect_json '[.items[].id]' "[$PKA]" "the list is alice's one passkey"
expect_json '.items[0].sign_count' 5 "the counter is stored"
expect_json '.items[0].last_used_at != null' true "last_used_at is set"
verify "$SIGNED"
expect_status 401 "the same assertion replayed: 401"
auth_body 5
verify "$AUTH"
expect_status 401 "a counter that did not move forward: 401"
expect_json '.detail | test("counter")' true "the detail names the counter"
auth_body 3
verify "$AUTH"
expect_status 401 "a counter that went backwards: 401"
LOGLINE="passkey $PKA (credential [0-9a-f]*, user $ALICE): signature counter 3 after 5"
wait_until 5 grep -q "$LOGLINE" "$HEARTH_STACK_DIR/log/hearth-api.log" &&
	ok "the backwards counter is logged as a warning with the credential" ||
	not_ok "the backwards counter is logged as a warning with the credential" \
		"$(grep -s "passkey $PKA" "$HEARTH_STACK_DIR/log/hearth-api.log" | tail -3)"
auth_body 6
verify "$AUTH"
expect_status 200 "the next counter signs in again"

# ---------------------------------------------------------------- own only
as "$JB" GET /api/v1/auth/passkeys
expect_status 200 "bob lists his passkeys"
expect_json '.items' '[]' "bob sees none of alice's"
as "$JB" DELETE "/api/v1/auth/passkeys/$PKA"
expect_status 404 "bob cannot delete alice's passkey: 404"
is "$(count_creds)" 1 "alice's passkey is still there"
as "$JA" DELETE /api/v1/auth/passkeys/abc
expect_status 422 "a non-numeric id: 422"
api DELETE "/api/v1/auth/passkeys/$PKA"
expect_status 403 "a key that is nobody's cannot delete: 403"
as "$JA" DELETE "/api/v1/auth/passkeys/$PKA"
expect_status 204 "alice deletes her passkey: 204"
is "$(count_creds)" 0 "it is gone"
as "$JA" DELETE "/api/v1/auth/passkeys/$PKA"
expect_status 404 "deleting it again: 404"
auth_body 7
verify "$AUTH"
expect_status 401 "a deleted passkey no longer signs in"

# Deleting the person takes their passkeys with them.
reg_body
as "$JA" POST /api/v1/auth/passkey/register/verify "$REG"
expect_status 201 "alice registers again"
api DELETE "/api/v1/users/$ALICE"
is "$(count_creds)" 0 "deleting the person deletes their passkeys"

finish
