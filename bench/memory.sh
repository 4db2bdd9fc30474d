#!/usr/bin/env bash
# Worker memory under mixed load, on the running dev stack (called by
# bench/run.sh; runnable alone after ./devstack up).
#
# wrk sends, in turn: a sensor event, a detection, a manual rule run (two
# steps: a condition and an activity), and three list pages (rooms,
# sensors, the event history), until BENCH_MIXED_REQUESTS requests have
# been answered (default 1,000,000).  Each hearth-api worker's VmRSS is
# read before, every BENCH_MIXED_STEP requests, and after; the same pids
# must serve throughout (the dev stack sets max_requests to 1,000,000), so
# the figures are one process's growth, not a recycled one's.
#
# Prints one markdown block: per worker, RSS after the warm-up, the peak,
# and at the end.  Flat after the warm-up is the goal; a steady climb is a
# leak.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOTAL=${BENCH_MIXED_REQUESTS:-1000000}
STEP=${BENCH_MIXED_STEP:-$(( TOTAL / 10 ))}
WARMUP=${BENCH_MIXED_WARMUP:-20000}

need_key
MASTER=$(cat "$RUN/hearth-api.pid" 2>/dev/null) || die "no $RUN/hearth-api.pid"
workers() { ps --ppid "$MASTER" -o pid= | tr -d ' ' | sort -n; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

room=$(find_or_create rooms bench-memory-room '{"name": "bench-memory-room"}')
sensor=$(find_or_create sensors bench-memory-sensor \
	"{\"name\": \"bench-memory-sensor\", \"sensor_type\": \"presence\", \"room_id\": $room}")
# A camera is a sensor: its name is the sensor's.
camera=$(sql "SELECT MIN(c.sensor_id) FROM cameras c JOIN sensors s ON s.id = c.sensor_id
	WHERE s.name = 'bench-memory-camera' HAVING COUNT(*) > 0")
if [ -z "$camera" ]; then
	camera=$(api -d '{"name": "bench-memory-camera"}' "$URL/api/v1/cameras" | jq -r '.id // empty')
	[ -n "$camera" ] || die "cannot create the bench camera"
fi
person=$(find_or_create persons bench-memory-person '{"name": "bench-memory-person"}')
rule=$(sql "SELECT id FROM rules WHERE name = 'bench-memory-rule'")
if [ -z "$rule" ]; then
	rule=$(api -d '{"name": "bench-memory-rule", "trigger_type": "manual", "cool_off_minutes": 0, "max_daily_triggers": 0}' \
		"$URL/api/v1/rules" | jq -r '.id // empty')
	[ -n "$rule" ] || die "cannot create the bench rule"
	api -o /dev/null -d '{"step_type": "condition", "config_json": {"expression": "exists(trigger.type)"}}' \
		"$URL/api/v1/rules/$rule/steps"
	api -o /dev/null -d "{\"step_type\": \"activity_detection\", \"config_json\": {\"activity_type\": \"moving\", \"person_id\": $person}}" \
		"$URL/api/v1/rules/$rule/steps"
fi

script=$(mktemp)
trap 'rm -f "$script"' EXIT
cat >"$script" <<EOF
local n = 0
local reqs = {
	{"POST", "/api/v1/sensors/$sensor/events", '{"event_type": "on"}'},
	{"POST", "/api/v1/detections", '{"camera_id": $camera, "object_type": "person", "confidence": 0.8, "bbox": {"x": 0.1, "y": 0.2, "width": 0.3, "height": 0.4}, "source": "bench"}'},
	{"POST", "/api/v1/rules/$rule/execute", '{}'},
	{"GET", "/api/v1/rooms?limit=100", nil},
	{"GET", "/api/v1/sensors?limit=100", nil},
	{"GET", "/api/v1/events?limit=50", nil},
}
wrk.headers["Content-Type"] = "application/json"
request = function()
	n = n + 1
	local r = reqs[n % #reqs + 1]
	return wrk.format(r[1], r[2], nil, r[3])
end
EOF

# wrk -t2 -c16 until COUNT more requests are answered; prints the count.
load() {
	local want=$1 done=0 out got bad
	while [ "$done" -lt "$want" ]; do
		out=$(wrk -t2 -c16 -d5s -s "$script" -H "X-API-Key: $KEY" "$URL/")
		got=$(awk '/requests in/ { print $1 }' <<<"$out")
		bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
		[ -z "$bad" ] || say "$bad of $got responses were not 2xx (rate limit? HEARTH_RATE=100000r/s ./devstack up)"
		done=$((done + got))
	done
	echo "$done"
}

mapfile -t PIDS < <(workers)
[ "${#PIDS[@]}" -gt 0 ] || die "hearth-api has no workers"
say "warm-up: $WARMUP requests"
load "$WARMUP" >/dev/null
declare -A START=() PEAK=()
for p in "${PIDS[@]}"; do START[$p]=$(rss "$p"); PEAK[$p]=${START[$p]}; done
served=0 t0=$(date +%s)
while [ "$served" -lt "$TOTAL" ]; do
	served=$((served + $(load "$STEP")))
	line="after $served:"
	for p in "${PIDS[@]}"; do
		r=$(rss "$p")
		[ "$r" -le "${PEAK[$p]}" ] || PEAK[$p]=$r
		line="$line $p=${r} KiB"
	done
	say "$line"
done
secs=$(( $(date +%s) - t0 ))
[ "$(workers | tr '\n' ' ')" = "$(printf '%s ' "${PIDS[@]}")" ] ||
	say "the workers changed during the run: figures mix processes"

cat <<EOF

Worker memory under mixed load: $served requests (sensor events, detections,
manual rule runs, rooms/sensors/history pages, in turn) in ${secs}s, after a
warm-up of $WARMUP:

| worker pid | after warm-up | peak | at the end | growth |
|---:|---:|---:|---:|---:|
EOF
for p in "${PIDS[@]}"; do
	end=$(rss "$p")
	printf '| %s | %s KiB | %s KiB | %s KiB | %s KiB |\n' "$p" "${START[$p]}" "${PEAK[$p]}" "$end" \
		"$((end - START[$p]))"
done
