#!/usr/bin/env bash
# Sensor events through the rules engine, end to end, on the running dev
# stack (called by bench/run.sh; runnable alone after ./devstack up).
#
#   baseline   POST /api/v1/sensors/{id}/events to a sensor no rule watches:
#              recording the event and nothing else
#   gated      the same to a sensor watched by 50 enabled sensor_event rules,
#              each with two contexts (room, time_range) and a 3-step
#              pipeline (condition, condition, activity_detection), at their
#              default cool-off (5 min) and daily cap (3): every event is
#              offered to all 50 rules, the first few run, and from then on
#              the gate refuses them (the common case of a busy sensor)
#   firing     the same 50 rules with cool-off and cap off: every event starts
#              50 runs (a worst case; each run is 3 steps and ~6 writes)
#
# Prints one markdown block; ratios are against the baseline of this run.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FIRING_DURATION=${BENCH_FIRING_DURATION:-5s}
RULES=50

need_key


room=$(find_or_create rooms bench-engine-room '{"name": "bench-engine-room"}')
quiet=$(find_or_create sensors bench-engine-quiet \
	"{\"name\": \"bench-engine-quiet\", \"sensor_type\": \"presence\", \"room_id\": $room}")
busy=$(find_or_create sensors bench-engine-busy \
	"{\"name\": \"bench-engine-busy\", \"sensor_type\": \"presence\", \"room_id\": $room}")
person=$(find_or_create persons bench-engine-person '{"name": "bench-engine-person"}')

for i in $(seq -f '%02g' 1 "$RULES"); do
	name=bench-engine-rule-$i
	[ -z "$(sql "SELECT id FROM rules WHERE name = '$name'")" ] || continue
	id=$(api -d "{\"name\": \"$name\", \"trigger_type\": \"sensor_event\", \"primary_sensor_id\": $busy}" \
		"$URL/api/v1/rules" | jq -r '.id // empty')
	[ -n "$id" ] || die "cannot create rule $name"
	api -o /dev/null -d '{"context_type": "room", "config": {"room_name": "bench-engine-room"}}' \
		"$URL/api/v1/rules/$id/contexts"
	api -o /dev/null -d '{"context_type": "time_range", "config": {"start_time": "00:00", "end_time": "00:00"}}' \
		"$URL/api/v1/rules/$id/contexts"
	api -o /dev/null -d '{"step_type": "condition", "config_json": {"expression": "trigger_input.event_type == \"on\""}}' \
		"$URL/api/v1/rules/$id/steps"
	api -o /dev/null -d '{"step_type": "condition", "config_json": {"expression": "exists(trigger.room_name)"}}' \
		"$URL/api/v1/rules/$id/steps"
	api -o /dev/null -d "{\"step_type\": \"activity_detection\", \"config_json\": {\"activity_type\": \"moving\", \"person_id\": $person}}" \
		"$URL/api/v1/rules/$id/steps"
done
[ "$(sql "SELECT COUNT(*) FROM rules WHERE name LIKE 'bench-engine-rule-%' AND enabled")" = "$RULES" ] ||
	die "expected $RULES enabled bench rules"
limits() {
	sql "UPDATE rules SET cool_off_minutes = $1, max_daily_triggers = $2 WHERE name LIKE 'bench-engine-rule-%'"
}

script=$(mktemp)
trap 'rm -f "$script"; limits 5 3' EXIT
cat >"$script" <<'EOF'
wrk.method = "POST"
wrk.body = '{"event_type": "on"}'
wrk.headers["Content-Type"] = "application/json"
EOF

declare -A EPS=() P99=()
to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.2f", n }'
}
run() {
	local name=$1 sensor=$2 duration=$3 out bad
	say "wrk -t2 -c16 -d$duration POST /sensors/$sensor/events ($name)"
	out=$(wrk -t2 -c16 -d"$duration" --latency -s "$script" -H "X-API-Key: $KEY" \
		"$URL/api/v1/sensors/$sensor/events")
	bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
	[ -z "$bad" ] || die "$name: $bad responses were not 2xx"
	EPS[$name]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	P99[$name]=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

limits 5 3
run baseline "$quiet" "$DURATION"
runs0=$(sql "SELECT COUNT(*) FROM workflow_executions")
run gated "$busy" "$DURATION"
runs1=$(sql "SELECT COUNT(*) FROM workflow_executions")
limits 0 0
first=$(sql "SELECT COALESCE(MAX(id), 0) FROM workflow_executions")
run firing "$busy" "$FIRING_DURATION"
# The runs go on after the responses: wait for them to end.
for _ in $(seq 60); do
	[ "$(sql "SELECT COUNT(*) FROM workflow_executions WHERE status = 'running'")" = 0 ] && break
	sleep 0.5
done
runs2=$(sql "SELECT COUNT(*) FROM workflow_executions")
secs=${FIRING_DURATION%s}
failed=$(sql "SELECT COUNT(*) FROM workflow_executions WHERE id > $first AND status <> 'completed'")

cat <<EOF

Sensor events through the rules engine (wrk -t2 -c16, POST /api/v1/sensors/{id}/events):

| case | events/s | p99 ms | vs baseline | runs started |
|---|---:|---:|---:|---:|
| baseline: no rule watches the sensor | ${EPS[baseline]} | ${P99[baseline]} | 1.00 | 0 |
| gated: 50 rules, contexts on, default cool-off and cap | ${EPS[gated]} | ${P99[gated]} | $(ratio "${EPS[gated]}" "${EPS[baseline]}") | $((runs1 - runs0)) |
| firing: 50 rules, no cool-off or cap, 3-step runs | ${EPS[firing]} | ${P99[firing]} | $(ratio "${EPS[firing]}" "${EPS[baseline]}") | $((runs2 - runs1)) ($(( (runs2 - runs1) / ${secs:-1} )) runs/s) |

Runs of the firing case not completed (should be 0): $failed.
EOF
