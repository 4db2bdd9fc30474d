#!/bin/bash
# hearth-ha-bridge against a stand-in Home Assistant (tests/tools/fake_ha.py):
# a state change of an entity linked to a sensor becomes that sensor's event
# within a second, fires its sensor_event rule and reaches the events
# stream; each change is recorded exactly once across a dropped connection,
# an HA restart with a change made while it was down, and a restart of the
# bridge itself; an unchanged state after a reconnect and an unlinked
# entity make nothing.  GET /status shows the bridge's health.
. "$(dirname "$0")/lib.sh"

P="hab-$RUN_ID"
PIR_ENTITY=binary_sensor.kitchen_motion
LUX_ENTITY=sensor.kitchen_motion_illuminance
FREE_ENTITY=binary_sensor.hallway_motion
BRIDGE_LOG="$(config_get logs dir)/hearth-ha-bridge.log"

# wait_ms MS CMD...: poll CMD every 50 ms; 0 once it succeeds within MS.
wait_ms() {
	local deadline=$(($(date +%s%3N) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%3N)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}
events_of() { q "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $1"; }
events_are() { [ "$(events_of "$1")" = "$2" ]; }
last_event_of() { sql "SELECT event_type, value IS NULL, value FROM sensor_events WHERE sensor_id = $1 ORDER BY id DESC LIMIT 1" | head -n1 | awk -F'\t' '{ print $1 "," ($2 == 1 ? "-" : $3) }'; }
bridge_field() { api GET /api/v1/status; jb ".home_assistant.$1"; }
bridge_is() { [ "$(bridge_field state)" = "$1" ]; }
reconnects_above() { [ "$(bridge_field reconnects)" -gt "$1" ]; }
set_state() { ha_post /_test/state "$(jq -nc --arg e "$1" --arg s "$2" '{entity_id: $e, state: $s}')" >/dev/null; }
kept_state() { q "SELECT COALESCE(state, '-') FROM ha_entities WHERE entity_id = '$1'"; }

if ! ha_start; then
	not_ok "setup: the stand-in Home Assistant starts" "$(cat "$T/fake_ha.out" 2>/dev/null)"
	finish
fi

# Linked sensors, made before the bridge (re)starts on the stand-in.
sql "DELETE FROM ha_entities WHERE entity_id IN ('$PIR_ENTITY', '$LUX_ENTITY', '$FREE_ENTITY')"
for e in "$PIR_ENTITY" "$LUX_ENTITY"; do
	old=$(q "SELECT id FROM sensors WHERE source = 'home_assistant' AND external_id = '$e'")
	[ -z "$old" ] || api DELETE "/api/v1/sensors/$old"
done
create_room "$P-kitchen" && ROOM=$ROOM_ID
create_sensor "$(jq -nc --arg n "$P-pir" --arg e "$PIR_ENTITY" --argjson r "$ROOM" \
	'{name: $n, sensor_type: "presence", room_id: $r, source: "home_assistant", external_id: $e}')"
PIR=$SENSOR_ID
create_sensor "$(jq -nc --arg n "$P-lux" --arg e "$LUX_ENTITY" --argjson r "$ROOM" \
	'{name: $n, sensor_type: "light", room_id: $r, source: "home_assistant", external_id: $e}')"
LUX=$SENSOR_ID
create_rule motion "$(jq -nc --argjson s "$PIR" \
	'{trigger_type: "sensor_event", primary_sensor_id: $s, cool_off_minutes: 0, max_daily_triggers: 0}')"
RULE=$RULE_ID
on_exit "api DELETE /api/v1/rules/$RULE; api DELETE /api/v1/sensors/$PIR; api DELETE /api/v1/sensors/$LUX; api DELETE /api/v1/rooms/$ROOM; sql \"DELETE FROM ha_entities WHERE entity_id IN ('$PIR_ENTITY', '$LUX_ENTITY', '$FREE_ENTITY')\""
if [ -n "$PIR" ] && [ -n "$LUX" ] && [ -n "$RULE" ]; then
	ok "setup: sensors linked to $PIR_ENTITY and $LUX_ENTITY through the API, a sensor_event rule"
else
	not_ok "setup: linked sensors and a rule" "$BODY"
	finish
fi

outbound_to_ha
if wait_until 15 bridge_is connected; then
	ok "the bridge connects: GET /status says home_assistant.state connected"
else
	not_ok "the bridge connects" "$(bridge_field state) $(tail -n 5 "$BRIDGE_LOG")"
	finish
fi
api GET /api/v1/status
expect_json '.home_assistant | [.events, .reconnects, (.updated_at | type), (.host | type)] | map(tostring) | join(",")' \
	"0,0,string,string" "... with its counts, host and updated_at"

# ---------------------------------------------------------------- first sight
wait_until 5 sql_is "SELECT state FROM ha_entities WHERE entity_id = '$PIR_ENTITY'" on
is "$(kept_state "$PIR_ENTITY")" on "get_states: a linked entity's state is kept on first sight"
is "$(events_of "$PIR"),$(events_of "$LUX")" "0,0" "... without an event"
is "$(kept_state "$FREE_ENTITY")" "" "an unlinked entity's state is not kept"

# ---------------------------------------------------------------- a change
SSE_OK=
: >"$T/sse"
curl -skN --http1.1 --max-time 120 -H 'Accept: text/event-stream' -H "X-API-Key: $ADMIN" \
	"$URL/api/v1/stream/events" >"$T/sse" 2>/dev/null &
SSE_PID=$!
on_exit "kill $SSE_PID 2>/dev/null || true"
sleep 0.5

set_state "$PIR_ENTITY" off
if wait_ms 1000 events_are "$PIR" 1; then
	ok "HA's off reaches the sensor's events within 1 s"
else
	wait_ms 4000 events_are "$PIR" 1
	not_ok "HA's off reaches the sensor's events within 1 s" "events: $(events_of "$PIR")"
fi
is "$(last_event_of "$PIR")" "off,-" "... as an off event"
api GET "/api/v1/sensors/$PIR/status"
expect_json .state off "GET /sensors/{id}/status: off"
wait_until 5 sql_is "SELECT COUNT(*) FROM event_logs WHERE rule_id = $RULE" 1
is "$(q "SELECT COUNT(*) FROM event_logs WHERE rule_id = $RULE")" 1 "the sensor_event rule fired once"
sse_has() { sed -n 's/^data: //p' "$T/sse" | jq -s -e "any(.[]; $1)" >/dev/null 2>&1; }
if wait_until 5 sse_has ".type == \"event.created\" and .data.sensor_id == $PIR and .data.event_type == \"off\""; then
	ok "a subscriber of /stream/events sees event.created for it"
else
	not_ok "a subscriber of /stream/events sees event.created" "$(head -c 400 "$T/sse")"
fi

set_state "$LUX_ENTITY" 123.5
wait_ms 2000 events_are "$LUX" 1
is "$(last_event_of "$LUX")" "level,123.5" "an illuminance change is a level event with its value"

# The same state with new attributes: HA fires state_changed, no event.
ha_post /_test/state "$(jq -nc --arg e "$PIR_ENTITY" '{entity_id: $e, state: "off", attributes: {device_class: "motion", friendly_name: "x"}}')" >/dev/null
MAX0=$(q "SELECT COALESCE(MAX(id), 0) FROM sensor_events")
set_state "$FREE_ENTITY" on
sleep 1
is "$(events_of "$PIR")" 1 "attributes changing, state not: no event"
is "$(q "SELECT COUNT(*) FROM sensor_events WHERE id > $MAX0")" 0 "an unlinked entity's change makes no event"
is "$(kept_state "$FREE_ENTITY")" "" "... and keeps nothing"

# ---------------------------------------------------------------- dropped connection
R0=$(bridge_field reconnects)
ha_post /_test/drop >/dev/null
set_state "$PIR_ENTITY" on
if wait_until 10 events_are "$PIR" 2; then
	ok "dropped connection, then a change: it arrives"
else
	not_ok "dropped connection, then a change: it arrives" "events: $(events_of "$PIR")"
fi
wait_until 10 reconnects_above "$R0"
sleep 1.5
is "$(events_of "$PIR")" 2 "... once"
is "$(last_event_of "$PIR")" "on,-" "... as on"
is "$(bridge_field state),$( [ "$(bridge_field reconnects)" -gt "$R0" ] && echo more)" "connected,more" \
	"GET /status: connected again, reconnects counted"

# ---------------------------------------------------------------- HA restarts
PORT=$HA_PORT
R0=$(bridge_field reconnects)
ha_stop
jq --arg e "$PIR_ENTITY" '(.states[] | select(.entity_id == $e)) |= (.state = "off" | .last_changed = (now | todate))' \
	"$T/fake_ha.state" >"$T/fake_ha.state.new" && mv "$T/fake_ha.state.new" "$T/fake_ha.state"
wait_until 10 bridge_is disconnected
is "$(bridge_field state)" disconnected "HA down: GET /status says disconnected"
_ha_run "$PORT"
if wait_until 20 events_are "$PIR" 3; then
	ok "a change made while HA was down arrives after its restart"
else
	not_ok "a change made while HA was down arrives after its restart" "events: $(events_of "$PIR") $(tail -n 5 "$BRIDGE_LOG")"
fi
wait_until 10 reconnects_above "$R0"
sleep 1.5
is "$(events_of "$PIR"),$(last_event_of "$PIR")" "3,off,-" "... exactly once, as off"

R0=$(bridge_field reconnects)
ha_restart
wait_until 20 reconnects_above "$R0"
sleep 1.5
is "$(events_of "$PIR"),$(events_of "$LUX")" "3,1" "HA restarted with nothing changed: no event"

# ---------------------------------------------------------------- the bridge restarts
devstack stop bridge >/dev/null 2>&1
is "$(bridge_field state)" disconnected "SIGTERM: the bridge stops and says disconnected"
set_state "$PIR_ENTITY" on
set_state "$LUX_ENTITY" 123.5
devstack start bridge >/dev/null 2>&1
if wait_until 15 events_are "$PIR" 4; then
	ok "a change made while the bridge was stopped arrives when it starts"
else
	not_ok "a change made while the bridge was stopped arrives" "events: $(events_of "$PIR")"
fi
sleep 1.5
is "$(events_of "$PIR"),$(events_of "$LUX")" "4,1" "... once, and the unchanged one makes none"
is "$(q "SELECT COUNT(*) FROM event_logs WHERE rule_id = $RULE")" 4 "the rule fired once per event"
api GET /api/v1/status
expect_json '.home_assistant | [.state, (.events >= 1), (.last_event_at | type)] | map(tostring) | join(",")' \
	"connected,true,string" "GET /status: connected, events and last_event_at"
api GET /api/v1/metrics
METRICS=$BODY
metric() { sed -n "s/^$1{host=\"[^\"]*\"\(,state=\"${2-}\"\)\{0,1\}} \([0-9.]*\)$/\2/p" <<<"$METRICS"; }
is "$(metric hearth_ha_bridge_state connected),$(metric hearth_ha_bridge_state stale)" 1,0 \
	"GET /metrics: hearth_ha_bridge_state connected, not stale"
is "$(metric hearth_ha_bridge_events_total)" "$(bridge_field events)" \
	"... hearth_ha_bridge_events_total as /status counts them"
is "$(metric hearth_ha_bridge_reconnects_total)" "$(bridge_field reconnects)" "... and the reconnects"
LAST=$(metric hearth_ha_bridge_last_event_timestamp_seconds)
check "... hearth_ha_bridge_last_event_timestamp_seconds within the last minute ($LAST)" \
	awk -v t="${LAST:-0}" -v now="$(date +%s)" 'BEGIN { exit !(t > now - 60 && t <= now + 1) }'

if grep -qF "$HA_TOKEN" "$BRIDGE_LOG"; then
	not_ok "the token is never logged" "$(grep -cF "$HA_TOKEN" "$BRIDGE_LOG") lines"
else
	ok "the token is never logged"
fi

finish
