#!/bin/bash
# Hearth's Home Assistant client, REST and WebSocket, driven through
# `hearthctl ha check` against the stand-in Home Assistant
# (tests/tools/fake_ha.py, started by lib.sh's ha_start):
#   - not configured: exit 78 and says which keys are missing;
#   - a loopback URL the outbound policy refuses: exit 78, the policy's reason;
#   - the happy path: HA's version over REST and WebSocket, and as many
#     states as GET /api/states has, areas, devices and registered entities;
#   - a refused token: exit 77 and "refused the token", the token never printed;
#   - auth_invalid over the WebSocket API while REST accepts the token;
#   - a command HA refuses: its "code: message"; a connection HA closes;
#   - nothing listening: exit 69; an answer that never comes: a timeout.
#
# hearthctl reads a configuration of this file's own ($T/ha.conf): the
# stack's hearth.conf and its running services are left alone.
. "$(dirname "$0")/lib.sh"

if ! declare -F ha_start >/dev/null || [ ! -f "$HEARTH_SRC_DIR/tests/tools/fake_ha.py" ]; then
	skip "hearthctl ha check" "the stand-in Home Assistant (tests/tools/fake_ha.py, lib.sh ha_start) is not here"
	finish
fi

CONF=$T/ha.conf
OUT=$T/ha.out
ERR=$T/ha.err
RC=

# check_ha: hearthctl -c $CONF ha check; RC, $OUT, $ERR.
check_ha() {
	"$HEARTH_BUILD_DIR/cli/hearthctl" -c "$CONF" ha check >"$OUT" 2>"$ERR"
	RC=$?
}

# shows DESCRIPTION GREP-ARGS... FILE: passes when grep -q finds it; prints
# what hearthctl said when not.
shows() {
	local d=$1
	shift
	if grep -q "$@"; then
		ok "$d"
	else
		not_ok "$d" "stdout: $(cat "$OUT")" "stderr: $(cat "$ERR")"
	fi
}

# conf_ha URL [TOKEN] [ALLOW_LOOPBACK]: $CONF is the stack's configuration
# with [homeassistant] and [outbound] set for this file.
conf_ha() {
	cp "$HEARTH_CONFIG" "$CONF"
	config_set homeassistant url "$1" "$CONF"
	config_set homeassistant token "${2:-$HA_TOKEN}" "$CONF"
	config_set homeassistant timeout_seconds 2 "$CONF"
	config_set outbound allow_loopback "${3:-true}" "$CONF"
}

# ---------------------------------------------------------------- setup
if ha_start; then
	ok "setup: the stand-in Home Assistant listens on $HA_URL"
else
	not_ok "setup: the stand-in Home Assistant listens" "$(cat "$T/fake_ha.out" 2>/dev/null)"
	finish
fi

# ---------------------------------------------------------------- not configured
cp "$HEARTH_CONFIG" "$CONF"
config_set homeassistant url "" "$CONF"
config_set homeassistant token "" "$CONF"
check_ha
is "$RC" 78 "not configured: exit 78"
shows "not configured: says which keys" "not configured (\[homeassistant\] url and token" "$ERR"

conf_ha "$HA_URL" "$HA_TOKEN" false
check_ha
is "$RC" 78 "a loopback URL the policy refuses: exit 78"
shows "a loopback URL the policy refuses: says so" "loopback" "$ERR"

# ---------------------------------------------------------------- the happy path
conf_ha "$HA_URL"
check_ha
is "$RC" 0 "ha check against the stand-in: exit 0"
version=$(ha_api GET /api/config | jq -r .version)
shows "REST: HA's version ($version)" -x "REST API: running, Home Assistant $version" "$OUT"
shows "WebSocket: authenticated, HA's version from auth_required" -x "WebSocket API: authenticated, Home Assistant $version" "$OUT"
states=$(ha_api GET /api/states | jq length)
shows "as many states as GET /api/states ($states)" -x "states: $states" "$OUT"
for what in areas devices entities; do
	shows "a count of $what" -E "^$what: [1-9][0-9]*$" "$OUT"
done
cmds=$(ha_get '/_test/commands' | jq -r '[.[] | select(.type != "auth") | .type] | join(",")')
is "$cmds" "get_states,config/area_registry/list,config/device_registry/list,config/entity_registry/list" \
	"the WebSocket commands sent, in order, after auth"
is "$(ha_get '/_test/commands' | jq -c '[.[] | .id | select(. != null)]')" "[1,2,3,4]" \
	"command ids count up from 1 on the connection"

# ---------------------------------------------------------------- refusals
conf_ha "$HA_URL" wrong-token-0123456789
check_ha
is "$RC" 77 "a wrong token: exit 77"
shows "a wrong token: refused, over REST" "refused the token (HTTP 401)" "$ERR"
if grep -q "wrong-token-0123456789" "$OUT" "$ERR"; then
	not_ok "the token is never printed" "$(cat "$OUT" "$ERR")"
else
	ok "the token is never printed"
fi

conf_ha "$HA_URL"
ha_post /_test/fail '{"ws_command": "auth", "times": 1}' >/dev/null
check_ha
is "$RC" 69 "auth_invalid over the WebSocket API: exit 69"
shows "auth_invalid: HA's message" \
	"WebSocket API: Home Assistant refused the token (auth_invalid: Invalid access token or password)" \
	"$ERR"

ha_post /_test/fail '{"ws_command": "config/device_registry/list", "times": 1, "code": "unknown_error", "message": "failing on purpose"}' >/dev/null
check_ha
is "$RC" 69 "a command HA refuses: exit 69"
shows "a command HA refuses: its code and message" "refused config/device_registry/list: unknown_error: failing on purpose" "$ERR"

ha_post /_test/fail '{"ws_command": "get_states", "times": 1, "close": true}' >/dev/null
check_ha
is "$RC" 69 "a connection HA closes: exit 69"
shows "a connection HA closes: says so" "closed the connection" "$ERR"

ha_post /_test/delay '{"ws_command": "config/area_registry/list", "ms": 4000, "times": 1}' >/dev/null
start=$SECONDS
check_ha
is "$RC" 69 "an answer that never comes: exit 69"
shows "an answer that never comes: a timeout naming the command" "timed out after 2 s waiting for config/area_registry/list" "$ERR"
check "an answer that never comes: given up within the timeout ($((SECONDS - start)) s)" \
	[ $((SECONDS - start)) -le 4 ]

ha_post /_test/refuse '{"times": 1}' >/dev/null
check_ha
is "$RC" 69 "a refused upgrade: exit 69"
shows "a refused upgrade: HA's HTTP status" "WebSocket API: Home Assistant answered HTTP 503 to the WebSocket upgrade" "$ERR"

conf_ha "http://127.0.0.1:$(free_port)"
check_ha
is "$RC" 69 "nothing listening: exit 69"
shows "nothing listening: could not connect" "could not connect" "$ERR"

finish
