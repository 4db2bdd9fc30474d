#!/usr/bin/env bash
# Delivery, end to end, on the running dev stack (called by bench/run.sh;
# runnable alone after ./devstack up).
#
#   fan-out    POST /api/v1/sensors/{id}/events, one at a time, until the
#              event arrives at an EventSource subscriber of
#              /api/v1/stream/events (nginx, the API, nchan, TLS): p50 and
#              p99, against the POST's own response time as the baseline
#   webhooks   N webhook jobs put in the retry queue at once and delivered
#              by hearth-tick to a loopback receiver: deliveries per second,
#              against the same receiver fed directly by one client over
#              one connection (the baseline)
#
# The webhook part lets the stack call loopback for its duration
# ([outbound] allow_loopback) and restarts the api pool and the tick, both
# before and after.  Prints one markdown block.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FANOUT_COUNT=${BENCH_FANOUT_COUNT:-500}
JOBS=${BENCH_WEBHOOK_JOBS:-2000}
CONF=$STACK/hearth.conf

need_key
calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }
restart() {
	HEARTH_STACK_DIR=$STACK "$SRC/devstack" stop tick >/dev/null
	HEARTH_STACK_DIR=$STACK "$SRC/devstack" stop api >/dev/null
	HEARTH_STACK_DIR=$STACK "$SRC/devstack" start api >/dev/null
	HEARTH_STACK_DIR=$STACK "$SRC/devstack" start tick >/dev/null
}

# ------------------------------------------------------------ fan-out
room=$(sql "SELECT id FROM rooms WHERE name = 'bench-fanout-room'")
[ -n "$room" ] || room=$(api -d '{"name": "bench-fanout-room"}' "$URL/api/v1/rooms" | jq -r .id)
sensor=$(sql "SELECT id FROM sensors WHERE name = 'bench-fanout'")
[ -n "$sensor" ] || sensor=$(api -d "{\"name\": \"bench-fanout\", \"sensor_type\": \"presence\", \"room_id\": $room}" \
	"$URL/api/v1/sensors" | jq -r .id)
[ -n "$sensor" ] && [ "$sensor" != null ] || die "cannot create the fan-out sensor"
say "fan-out: $FANOUT_COUNT events, each to an SSE subscriber"
FAN=$(python3 "$SRC/bench/fanout.py" "$URL" "$KEY" "$sensor" "$FANOUT_COUNT") || die "fan-out failed"

# ------------------------------------------------------------ webhooks
OUT=$(mktemp -d)
python3 "$SRC/tests/tools/fake_http.py" 0 >"$OUT/fake.out" 2>&1 &
FAKE_PID=$!
cp "$CONF" "$OUT/hearth.conf"
cleanup() {
	kill "$FAKE_PID" 2>/dev/null || true
	if ! cmp -s "$CONF" "$OUT/hearth.conf"; then
		cat "$OUT/hearth.conf" >"$CONF"
		restart
	fi
	sql "DELETE FROM jobs WHERE queue = 'webhook' AND JSON_VALUE(payload, '$.body.bench') = 'delivery'" || true
	rm -rf "$OUT"
}
trap cleanup EXIT
for _ in $(seq 50); do
	FAKE=$(sed -n 's/^fake_http: listening on \(.*\)$/http:\/\/\1/p' "$OUT/fake.out")
	[ -n "$FAKE" ] && break
	sleep 0.1
done
[ -n "$FAKE" ] || die "the receiver did not start"

say "webhooks: baseline, $JOBS POSTs straight to the receiver"
BASE=$(python3 "$SRC/bench/webhook_baseline.py" "$FAKE/bench-direct" "$JOBS")

printf '\n[outbound]\nallow_loopback = true\n' >>"$CONF"
restart
sql "DELETE FROM jobs WHERE queue = 'webhook' AND JSON_VALUE(payload, '$.body.bench') = 'delivery'"
say "webhooks: $JOBS jobs through the retry queue"
HEARTH_STACK_DIR=$STACK "$SRC/devstack" stop tick >/dev/null
sql "SET SESSION max_recursive_iterations = 1000000; INSERT INTO jobs (queue, payload)
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $JOBS)
	SELECT 'webhook', JSON_OBJECT('url', '$FAKE/bench-queue', 'body', JSON_OBJECT('bench', 'delivery', 'n', i)) FROM n"
T0=$(date +%s.%N)
HEARTH_STACK_DIR=$STACK "$SRC/devstack" start tick >/dev/null
while [ "$(sql "SELECT COUNT(*) FROM jobs WHERE queue = 'webhook' AND JSON_VALUE(payload, '$.body.bench') = 'delivery' AND status <> 'done'")" != 0 ]; do
	sleep 0.2
	[ "$(calc "$(date +%s.%N) - $T0 > 300" 0)" = 0 ] || die "the queue did not drain in 5 minutes"
done
T1=$(date +%s.%N)
DEAD=$(sql "SELECT COUNT(*) FROM jobs WHERE queue = 'webhook' AND JSON_VALUE(payload, '$.body.bench') = 'delivery' AND (status <> 'done' OR attempts <> 1)")
RATE=$(calc "$JOBS / ($T1 - $T0)" 1)

cat <<MD

### Delivery ($(date -u +%Y-%m-%d), $(nproc) cores)

| measure | value | baseline | ratio |
|---|---|---|---|
| fan-out POST event → SSE subscriber, p50 | $(jq .fanout_p50_ms <<<"$FAN") ms | POST response $(jq .post_p50_ms <<<"$FAN") ms | $(calc "$(jq .fanout_p50_ms <<<"$FAN") / $(jq .post_p50_ms <<<"$FAN")")× |
| fan-out, p99 | $(jq .fanout_p99_ms <<<"$FAN") ms | POST response $(jq .post_p99_ms <<<"$FAN") ms | $(calc "$(jq .fanout_p99_ms <<<"$FAN") / $(jq .post_p99_ms <<<"$FAN")")× |
| webhook deliveries through the queue | $RATE /s | direct POSTs $BASE /s | $(calc "$RATE / $BASE")× |

$FANOUT_COUNT events one at a time; $JOBS webhook jobs (retried or failed: $DEAD).
Reproduce: \`./devstack up && bench/delivery.sh\`.
MD
