#!/usr/bin/env bash
# Home Assistant's state changes through hearth-ha-bridge, on the running dev
# stack (called by bench/run.sh; runnable alone after ./devstack up).
#
#   latency   HA's state_changed -> the bridge -> a sensor event (the rule
#             gate included: one sensor_event rule watches the sensor) ->
#             an EventSource subscriber of /api/v1/stream/events: p50 and
#             p99, against POST /api/v1/sensors/{id}/events to a sensor
#             watched the same way, to the same subscriber (the baseline)
#   burst     BENCH_HA_BURST state changes sent by HA at once: events per
#             second the bridge records and publishes, each exactly once
#
# HA is the stand-in of the tests (tests/tools/fake_ha.py) on loopback.  The
# stack's own bridge is stopped for the run and a bridge of the same build
# runs on a copy of hearth.conf pointed at the stand-in; the stack's bridge
# is started again after.  Prints one markdown block.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_HA_COUNT:-300}
BURST=${BENCH_HA_BURST:-5000}
ENTITY=binary_sensor.bench_bridge_motion
BUILD=${BUILD:-$SRC/.devstack/build}
BRIDGE=$BUILD/services/hearth-ha-bridge
[ -x "$BRIDGE" ] || die "$BRIDGE is not built"

need_key
# HA's connection set through the settings API wins over any file: the
# bench's bridge would follow that Home Assistant instead of the stand-in.
[ "$(api "$URL/api/v1/settings" | jq -r '.ha_url // ""')" = "" ] ||
	die "the stack's settings name a Home Assistant (ha_url): PATCH /api/v1/settings {\"ha_url\": null, \"ha_token\": null} first"
calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }

OUT=$(mktemp -d)
HA_PID=
BRIDGE_PID=
cleanup() {
	[ -z "$BRIDGE_PID" ] || kill -TERM "$BRIDGE_PID" 2>/dev/null || true
	[ -z "$HA_PID" ] || kill "$HA_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	HEARTH_STACK_DIR=$STACK "$SRC/devstack" start bridge >/dev/null 2>&1 || true
	rm -rf "$OUT"
}
trap cleanup EXIT

# ------------------------------------------------------------ the stand-in HA
/usr/bin/python3 "$SRC/tests/tools/fake_ha.py" 0 --token bench-ha-token >"$OUT/ha.out" 2>&1 &
HA_PID=$!
for _ in $(seq 100); do
	HA_PORT=$(sed -n 's/^fake_ha: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$OUT/ha.out")
	[ -z "$HA_PORT" ] || break
	sleep 0.1
done
[ -n "$HA_PORT" ] || die "fake_ha did not start: $(cat "$OUT/ha.out")"
HA_URL=http://127.0.0.1:$HA_PORT
curl -s --max-time 5 -o /dev/null -X POST -H 'Content-Type: application/json' \
	-d "{\"entity_id\": \"$ENTITY\", \"state\": \"off\", \"attributes\": {\"device_class\": \"motion\"}}" \
	"$HA_URL/_test/state"

# ------------------------------------------------------------ sensors and rules
room=$(find_or_create rooms bench-ha-room '{"name": "bench-ha-room"}')
direct=$(find_or_create sensors bench-ha-direct \
	"{\"name\": \"bench-ha-direct\", \"sensor_type\": \"presence\", \"room_id\": $room}")
bridged=$(find_or_create sensors bench-ha-bridged \
	"{\"name\": \"bench-ha-bridged\", \"sensor_type\": \"presence\", \"room_id\": $room,
	  \"source\": \"home_assistant\", \"external_id\": \"$ENTITY\"}")
[ "$(sql "SELECT CONCAT(source, ' ', external_id) FROM sensors WHERE id = $bridged")" = "home_assistant $ENTITY" ] ||
	die "sensor $bridged is not linked to $ENTITY"
for s in "$direct" "$bridged"; do
	name=bench-ha-rule-$s
	[ -z "$(sql "SELECT id FROM rules WHERE name = '$name'")" ] || continue
	id=$(api -d "{\"name\": \"$name\", \"trigger_type\": \"sensor_event\", \"primary_sensor_id\": $s}" \
		"$URL/api/v1/rules" | jq -r '.id // empty')
	[ -n "$id" ] || die "cannot create rule $name"
	api -o /dev/null -d '{"step_type": "condition", "config_json": {"expression": "trigger_input.event_type == \"on\"", "trigger_cooloff": true}}' \
		"$URL/api/v1/rules/$id/steps"
done
# The bridge starts from what HA says now: no stale last state.
sql "DELETE FROM ha_entities WHERE entity_id = '$ENTITY'"

# ------------------------------------------------------------ a bridge on the stand-in
awk -v url="$HA_URL" '
	/^[[:space:]]*\[/ { h = $0; gsub(/[][[:space:]]/, "", h) }
	h == "homeassistant" && /^[[:space:]]*(url|token)[[:space:]]*=/ { next }
	h == "outbound" && /^[[:space:]]*allow_loopback[[:space:]]*=/ { next }
	{ print }
	END { print "[homeassistant]\nurl = " url "\ntoken = bench-ha-token\n[outbound]\nallow_loopback = true" }' \
	"$STACK/hearth.conf" >"$OUT/hearth.conf"
HEARTH_STACK_DIR=$STACK "$SRC/devstack" stop bridge >/dev/null 2>&1 || true
"$BRIDGE" -c "$OUT/hearth.conf" </dev/null >"$OUT/bridge.log" 2>&1 &
BRIDGE_PID=$!
for _ in $(seq 100); do
	[ "$(curl -s --max-time 2 "$HA_URL/_test/ws" | jq '[.[].subscriptions[]] | length')" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
[ "$(curl -s --max-time 2 "$HA_URL/_test/ws" | jq '[.[].subscriptions[]] | length')" -ge 1 ] ||
	die "the bridge did not subscribe: $(tail -n 5 "$OUT/bridge.log")"
sleep 0.5

e0=$(sql "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $bridged")
id0=$(sql "SELECT COALESCE(MAX(id), 0) FROM sensor_events")
say "bridge: $COUNT changes one at a time against direct posts, then a burst of $BURST"
R=$(python3 "$SRC/bench/ha_bridge.py" "$URL" "$KEY" "$HA_URL" "$ENTITY" "$bridged" "$direct" \
	"$COUNT" "$BURST") || die "bench/ha_bridge.py failed: $(tail -n 5 "$OUT/bridge.log")"
# The bridge's own rate: the burst's events over the time between the
# first and the last one recorded.
for _ in $(seq 60); do
	n=$(sql "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $bridged")
	sleep 1
	[ "$(sql "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $bridged")" != "$n" ] || break
done
recorded=$(( $(sql "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $bridged") - e0 ))
read -r burst_n burst_span <<<"$(sql "SELECT COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(received_at), MAX(received_at)) / 1e6
	FROM (SELECT received_at FROM sensor_events WHERE sensor_id = $bridged AND id > $id0
	      ORDER BY id DESC LIMIT $(( BURST - 1 ))) b")"
rate=$(calc "$burst_n / ($burst_span > 0 ? $burst_span : 1)" 0)
j() { jq -r ".$1" <<<"$R"; }

cat <<EOM

Home Assistant state changes through hearth-ha-bridge (stand-in HA on loopback; one sensor_event rule on each sensor; one EventSource subscriber):

| path | p50 ms | p99 ms | p50 vs direct |
|---|---:|---:|---:|
| direct: POST /sensors/{id}/events → stream | $(j direct_p50_ms) | $(j direct_p99_ms) | 1.00 |
| bridged: HA state_changed → bridge → stream | $(j bridge_p50_ms) | $(j bridge_p99_ms) | $(calc "$(j bridge_p50_ms) / $(j direct_p50_ms)") |

Burst: $(j burst) changes sent by HA at once (in $(j burst_send_s) s): the bridge recorded the last $burst_n of them in $burst_span s, **$rate events/s** (goal ≥ 1,000/s); $(j burst_received) reached the subscriber. Sensor events recorded for the $((COUNT + BURST)) changes: $recorded (exactly once: equal).
EOM
