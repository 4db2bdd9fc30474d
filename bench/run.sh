#!/usr/bin/env bash
# `make bench`: throughput and worker memory of the running dev stack.
#
# Needs `./devstack up`.  Through the same nginx, TLS included, wrk measures
#   GET /health                          the API pool doing no database work
#   GET /api/v1/rooms?limit=100          authenticated, 100 rooms, the real path
#   GET /_bench/ceiling                  a FastCGI responder that does nothing
#   GET /_bench/peer/api/v1/rooms?limit=100
#                                        the same page from a FastAPI + MariaDB
#                                        service (bench/peer/app.py, uvicorn)
# and compares the first two with the ceiling: it is what this machine,
# nginx and FastCGI allow, so the ratios are the API's own cost.  The
# peer is the same work written the usual way: rooms/peer is what Hearth
# gains over it.
# Then it reads each hearth-api worker's RSS after a warm-up and again after
# at least 100,000 more room listings, to show memory that does not come back.
# The last thing printed is a block for bench/RESULTS.md.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Which parts run after the throughput block: BENCH_PARTS="engine memory"
# runs only those (default: all of them).
PARTS=${BENCH_PARTS:-accounts tick engine delivery ha security cleanup memory}
part() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
MEMORY_REQUESTS=${BENCH_MEMORY_REQUESTS:-100000}
ROOMS=100


for tool in wrk curl jq; do
	command -v "$tool" >/dev/null || die "$tool is missing: ./devstack up installs it"
done

# The ceiling binary of this build (make bench runs in the build directory),
# else of the build the stack runs.
CEILING=$PWD/bench/hearth-bench-ceiling
[ -x "$CEILING" ] || CEILING=${BUILD:-$SRC/.devstack/build}/bench/hearth-bench-ceiling
[ -x "$CEILING" ] || die "hearth-bench-ceiling is not built"

status=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "$URL/health" || true)
[ "$status" = 200 ] || die "the dev stack does not answer on $URL/health ($status): run ./devstack up"
need_key
MASTER=$(cat "$RUN/hearth-api.pid" 2>/dev/null) || die "no $RUN/hearth-api.pid"

workers() { ps --ppid "$MASTER" -o pid= | tr -d ' ' | sort -n; }
NWORKERS=$(workers | wc -l)
[ "$NWORKERS" -gt 0 ] || die "hearth-api (pid $MASTER) has no workers"

# ------------------------------------------------------------ the ceiling

CEILING_PID=
stop_ceiling() {
	[ -n "$CEILING_PID" ] || return 0
	kill -TERM "$CEILING_PID" 2>/dev/null || true
	local i
	for i in $(seq 50); do
		kill -0 "$CEILING_PID" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$RUN/ceiling.pid"
	CEILING_PID=
}
trap 'stop_ceiling; stop_peer' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -s "$RUN/ceiling.pid" ] && kill -0 "$(cat "$RUN/ceiling.pid")" 2>/dev/null; then
	kill -TERM "$(cat "$RUN/ceiling.pid")"
	sleep 0.5
fi
rm -f "$RUN/ceiling.sock"
setsid "$CEILING" "$RUN/ceiling.sock" "$NWORKERS" </dev/null >>"$STACK/log/ceiling.log" 2>&1 &
CEILING_PID=$!
echo "$CEILING_PID" >"$RUN/ceiling.pid"
for _ in $(seq 50); do
	[ -S "$RUN/ceiling.sock" ] && break
	sleep 0.1
done
status=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "$URL/_bench/ceiling" || true)
[ "$status" = 200 ] || die "$URL/_bench/ceiling answers $status (is the stack from an older ./devstack up?)"

# ---------------------------------------------------------------- the peer

# bench/peer/app.py under uvicorn, with as many workers as hearth-api, on
# the socket nginx proxies /_bench/peer/ to.  Debian's python3, where
# python3-fastapi, python3-uvicorn and python3-pymysql install.  Without
# them the rest is measured all the same.
PEER_PYTHON=${BENCH_PEER_PYTHON:-/usr/bin/python3}
PEER_PID=
PEER_MISSING=
stop_peer() {
	[ -n "$PEER_PID" ] || return 0
	kill -TERM -- "-$PEER_PID" 2>/dev/null || true
	local i
	for i in $(seq 50); do
		kill -0 -- "-$PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$RUN/peer.pid" "$RUN/peer.sock"
	PEER_PID=
}

if ! "$PEER_PYTHON" -c 'import fastapi, uvicorn, pymysql' 2>/dev/null; then
	PEER_MISSING="$PEER_PYTHON lacks fastapi, uvicorn or pymysql (apt-get install python3-fastapi python3-uvicorn python3-pymysql)"
else
	if [ -s "$RUN/peer.pid" ] && kill -0 -- "-$(cat "$RUN/peer.pid")" 2>/dev/null; then
		kill -TERM -- "-$(cat "$RUN/peer.pid")"
		sleep 1
	fi
	rm -f "$RUN/peer.sock"
	HEARTH_CONF=$STACK/hearth.conf setsid "$PEER_PYTHON" -m uvicorn --app-dir "$SRC/bench/peer" app:app \
		--uds "$RUN/peer.sock" --workers "$NWORKERS" --log-level warning --no-access-log \
		</dev/null >>"$STACK/log/peer.log" 2>&1 &
	PEER_PID=$!
	echo "$PEER_PID" >"$RUN/peer.pid"
	# The socket is there before a worker listens on it: until then nginx
	# answers 502.
	for _ in $(seq 150); do
		status=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' -H "X-API-Key: $KEY" \
			"$URL/_bench/peer/api/v1/rooms?limit=1" || true)
		[ "$status" = 502 ] || break
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.2
	done
	if [ "$status" != 200 ]; then
		PEER_MISSING="$URL/_bench/peer/ answered $status (see $STACK/log/peer.log; is the stack from an older ./devstack up?)"
		stop_peer
	fi
fi
# uvicorn takes httptools and uvloop when they are installed.
peer_http=h11 peer_loop=asyncio
"$PEER_PYTHON" -c 'import httptools' 2>/dev/null && peer_http=httptools
"$PEER_PYTHON" -c 'import uvloop' 2>/dev/null && peer_loop=uvloop
PEER_SERVER="uvicorn $peer_http/$peer_loop"
[ -z "$PEER_MISSING" ] || say "no peer: $PEER_MISSING; going on without it"

# --------------------------------------------------------------- the rooms

room_names() {
	local cursor='' page
	while :; do
		page=$(api "$URL/api/v1/rooms?limit=1000${cursor:+&cursor=$cursor}")
		jq -r '.items[].name' <<<"$page"
		cursor=$(jq -r '.pagination.next_cursor // empty' <<<"$page")
		[ -n "$cursor" ] || break
	done
}

existing=$(room_names) || die "cannot list rooms"
created=0
for i in $(seq -f '%03g' 1 "$ROOMS"); do
	grep -qx "bench-room-$i" <<<"$existing" && continue
	status=$(api -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "{\"name\":\"bench-room-$i\"}" "$URL/api/v1/rooms")
	[ "$status" = 201 ] || die "creating bench-room-$i answered $status"
	created=$((created + 1))
done
[ "$created" -eq 0 ] || say "created $created bench rooms"
count=$(api "$URL/api/v1/rooms?limit=100" | jq '.items | length')
[ "$count" -eq 100 ] || die "GET /api/v1/rooms?limit=100 returned $count rooms, not 100"
if [ -n "$PEER_PID" ]; then
	[ "$(api "$URL/_bench/peer/api/v1/rooms?limit=100" | jq -cS .)" = \
		"$(api "$URL/api/v1/rooms?limit=100" | jq -cS .)" ] ||
		die "the peer's GET /api/v1/rooms?limit=100 differs from Hearth's"
fi

# -------------------------------------------------------------- throughput

# A wrk latency figure (e.g. 812.00us, 1.20ms, 1.01s) in milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}

# run_wrk NAME URL [wrk args]: sets RPS[NAME], P50[NAME], P99[NAME].
declare -A RPS=() P50=() P99=()
run_wrk() {
	local name=$1 url=$2 out bad; shift 2
	say "wrk -t2 -c32 -d$DURATION $url"
	out=$(wrk -t2 -c32 -d"$DURATION" --latency "$@" "$url")
	bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
	[ -z "$bad" ] || die "$url: $bad responses were not 2xx; the figures would mean nothing" \
		"(429s are nginx's rate limit: HEARTH_RATE=100000r/s HEARTH_BURST=100000 ./devstack up)"
	RPS[$name]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	P50[$name]=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	P99[$name]=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

run_wrk health "$URL/health"
run_wrk rooms "$URL/api/v1/rooms?limit=100" -H "X-API-Key: $KEY"
run_wrk ceiling "$URL/_bench/ceiling"
stop_ceiling
if [ -n "$PEER_PID" ]; then
	run_wrk peer "$URL/_bench/peer/api/v1/rooms?limit=100" -H "X-API-Key: $KEY"
	peer_row="| GET /_bench/peer/api/v1/rooms?limit=100 (FastAPI, PyMySQL, no cache; $PEER_SERVER) | ${RPS[peer]} | ${P50[peer]} | ${P99[peer]} |"
	peer_ratio="rooms/peer = $(ratio "${RPS[rooms]}" "${RPS[peer]}")"
else
	peer_row="| GET /_bench/peer/api/v1/rooms?limit=100 (FastAPI peer not measured: $PEER_MISSING) | — | — | — |"
	peer_ratio="rooms/peer = —"
fi
stop_peer

# ---------------------------------------------------------- worker memory

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# The throughput runs above were the warm-up.
before=$(workers)
declare -A RSS_BEFORE=()
for pid in $before; do RSS_BEFORE[$pid]=$(rss_kb "$pid"); done

say "at least $MEMORY_REQUESTS more GET /api/v1/rooms?limit=100"
done_requests=0
while [ "$done_requests" -lt "$MEMORY_REQUESTS" ]; do
	out=$(wrk -t2 -c32 -d10s -H "X-API-Key: $KEY" "$URL/api/v1/rooms?limit=100")
	! grep -q 'Non-2xx' <<<"$out" || die "room listings failed during the memory run: $out"
	done_requests=$((done_requests + $(awk '/ requests in / { print $1 }' <<<"$out")))
done
after=$(workers)
[ "$before" = "$after" ] ||
	die "the worker pids changed during the run (recycled or crashed): $(tr '\n' ' ' <<<"$before")-> $(tr '\n' ' ' <<<"$after")"

memory_rows=
total_growth=0
for pid in $after; do
	now=$(rss_kb "$pid")
	growth=$((now - RSS_BEFORE[$pid]))
	total_growth=$((total_growth + growth))
	memory_rows+="| $pid | ${RSS_BEFORE[$pid]} KiB | $now KiB | $growth KiB |"$'\n'
done

# ---------------------------------------------------------------- results

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
cat <<EOF

## $(date -u +%Y-%m-%d) — $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)

$(nproc) cores (${cpu:-unknown CPU}), $NWORKERS hearth-api workers, wrk -t2 -c32 -d$DURATION over HTTPS through nginx.

| endpoint | requests/s | p50 ms | p99 ms |
|---|---:|---:|---:|
| GET /health | ${RPS[health]} | ${P50[health]} | ${P99[health]} |
| GET /api/v1/rooms?limit=100 (API key, 100 rooms) | ${RPS[rooms]} | ${P50[rooms]} | ${P99[rooms]} |
| GET /_bench/ceiling (FastCGI doing nothing) | ${RPS[ceiling]} | ${P50[ceiling]} | ${P99[ceiling]} |
$peer_row

rooms/ceiling = $(ratio "${RPS[rooms]}" "${RPS[ceiling]}"), health/ceiling = $(ratio "${RPS[health]}" "${RPS[ceiling]}"), $peer_ratio

Worker RSS after the warm-up and after $done_requests more room listings (same pids throughout):

| worker pid | after warm-up | after | growth |
|---:|---:|---:|---:|
${memory_rows}
Total growth: $total_growth KiB over $NWORKERS workers.
EOF

# ------------------------------------------------------------ people

# The session cookie against the API key, and sign-ins per second.
! part accounts || HEARTH_STACK_DIR=$STACK "$SRC/bench/accounts.sh"

# ------------------------------------------------------------ the scheduler

# Its own script: it stops the stack's tick while it measures.
! part tick || HEARTH_STACK_DIR=$STACK "$SRC/bench/tick.sh"

# ------------------------------------------------------------ the rules engine

# Sensor events through 50 rules, against a baseline measured in the same run.
! part engine || HEARTH_STACK_DIR=$STACK "$SRC/bench/engine.sh"

# ------------------------------------------------------------ delivery

# Fan-out to an SSE subscriber, and webhook deliveries through the queue.
! part delivery || HEARTH_STACK_DIR=$STACK "$SRC/bench/delivery.sh"

# ------------------------------------------------------------ Home Assistant

# State changes through hearth-ha-bridge against direct posts, and a burst.
! part ha || HEARTH_STACK_DIR=$STACK "$SRC/bench/ha_bridge.sh"

# ------------------------------------------------------------ security events

# Detections ingested, and the event list and search over 1,000,000 events.
! part security || HEARTH_STACK_DIR=$STACK "$SRC/bench/security.sh"

# ------------------------------------------------------------ storage

# hearth-cleanup over 100,000 media files, against deleting them with find.
! part cleanup || HEARTH_STACK_DIR=$STACK "$SRC/bench/cleanup.sh"

# ------------------------------------------------------------ worker memory

# Each worker's RSS over 1,000,000 requests of mixed load (BENCH_MIXED_REQUESTS).
! part memory || HEARTH_STACK_DIR=$STACK "$SRC/bench/memory.sh"
