#!/usr/bin/env bash
# Detections and security events, end to end, on the running dev stack
# (runnable alone after ./devstack up).
#
#   ingest     POST /api/v1/detections (wrk -t2 -c16): each one stored,
#              grouped into its camera's event (locks, risk, summary) and
#              published; to one camera (every report waits for the one
#              before: they share the camera's open event) and spread over
#              8 cameras.  Baseline: POST /api/v1/sensors/{id}/events to a
#              sensor no rule watches, in the same run.
#   read       GET /api/v1/events?kind=security&limit=100 and
#              /api/v1/events/search?q= (a rare word, a common pair and a
#              word in four summaries of ten) over 1,000,000 security
#              events, against GET /health in the same run (wrk -t2 -c16):
#              requests per second and p99, each as a ratio to /health's.
#
# BENCH_SECURITY_INGEST=0 skips the ingest runs (the reads alone).
#
# The million events are bulk-loaded with SQL (MariaDB's Sequence engine)
# once, dated in 2020 under cameras named bench-security-*, and kept for
# the next run; BENCH_SECURITY_CLEAN=1 deletes them (and the ingested
# detections) at the end.  Prints one markdown block.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
EVENTS=${BENCH_SECURITY_EVENTS:-1000000}
CAMERAS=8

for tool in wrk curl jq mariadb; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
need_key
status=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "$URL/health" || true)
[ "$status" = 200 ] || die "the dev stack does not answer on $URL/health ($status): run ./devstack up"


quiet=$(find_or_create sensors bench-security-quiet '{"name": "bench-security-quiet", "sensor_type": "presence"}')
CAMS=()
for i in $(seq "$CAMERAS"); do
	CAMS+=("$(find_or_create cameras "bench-security-cam-$i" "{\"name\": \"bench-security-cam-$i\"}")")
done
[ -z "$(sql "SELECT id FROM rules WHERE primary_sensor_id = $quiet LIMIT 1")" ] ||
	die "a rule watches bench-security-quiet: the baseline would not be one"

WORK=$(mktemp -d)
cleanup() {
	rm -rf "$WORK"
	if [ "${BENCH_SECURITY_CLEAN:-0}" = 1 ]; then
		say "deleting the bench's detections and events"
		sql "DELETE FROM alerts WHERE source_key IN (SELECT CONCAT('security:', id) FROM event_logs
			WHERE kind = 'security' AND camera_name LIKE 'bench-security-%')" || true
		sql "DELETE FROM detections WHERE camera_name LIKE 'bench-security-%'" || true
		for _ in $(seq 1000); do
			n=$(sql "DELETE FROM event_logs WHERE kind = 'security' AND camera_name LIKE 'bench-security-%'
				LIMIT 50000; SELECT ROW_COUNT()") || break
			[ "$n" -gt 0 ] || break
		done
	fi
}
trap cleanup EXIT

# ------------------------------------------------------------ load
have=$(sql "SELECT COUNT(*) FROM event_logs WHERE kind = 'security' AND camera_name LIKE 'bench-security-%'
	AND created_at < '2021-01-01'")
if [ "$have" -lt "$EVENTS" ]; then
	say "loading $((EVENTS - have)) security events (have $have)"
	T0=$(date +%s)
	elt=$(printf ', %s' "${CAMS[@]}")
	chunk=250000
	for ((from = have + 1; from <= EVENTS; from += chunk)); do
		to=$((from + chunk - 1))
		[ "$to" -le "$EVENTS" ] || to=$EVENTS
		# Spread over 2020 (30 s apart), the 8 cameras, every score and
		# level; summaries as the grouping writes them; a notes word in
		# one event of 1000 ("ladder") and one of 10 ("parcel").
		sql "INSERT INTO event_logs (kind, status, camera_id, camera_name, created_at, last_at,
				finished_at, risk_score, risk_level, detection_count, object_types, summary,
				notes, reviewed, reviewed_at)
			SELECT 'security', 'completed', ELT(1 + seq % $CAMERAS$elt),
				CONCAT('bench-security-cam-', 1 + seq % $CAMERAS), t, t + INTERVAL 20 SECOND,
				t + INTERVAL 50 SECOND, seq % 101,
				CASE WHEN seq % 101 < 30 THEN 'low' WHEN seq % 101 < 60 THEN 'medium'
					WHEN seq % 101 < 85 THEN 'high' ELSE 'critical' END,
				1 + seq % 7, ELT(1 + seq % 5, '[\"person\"]', '[\"car\"]', '[\"dog\"]',
					'[\"person\", \"car\"]', '[\"cat\"]'),
				CONCAT('bench-security-cam-', 1 + seq % $CAMERAS, ': ',
					ELT(1 + seq % 5, 'person', 'car', 'dog', 'person, car', 'cat'),
					' (', 1 + seq % 7, ' detections)'),
				CASE WHEN seq % 1000 = 0 THEN 'ladder against the fence'
					WHEN seq % 10 = 0 THEN 'parcel left at the door' END,
				seq % 3 = 0, IF(seq % 3 = 0, t + INTERVAL 1 HOUR, NULL)
			FROM (SELECT seq, TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq * 30 SECOND AS t
				FROM seq_${from}_to_${to}) s"
		say "  ... $to"
	done
	sql "ANALYZE TABLE event_logs" >/dev/null
	say "loaded in $(($(date +%s) - T0)) s"
fi
total=$(sql "SELECT COUNT(*) FROM event_logs WHERE kind = 'security'")

# ------------------------------------------------------------ wrk
declare -A RPS=() P50=() P99=()
to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.2f", n }'
}
# run NAME URL [wrk args]: RPS, P50, P99 and BAD (answers that were not
# 2xx, e.g. a search past the API's statement timeout) of NAME.
declare -A BAD=()
run() {
	local name=$1 url=$2 out
	shift 2
	say "wrk -t2 -c16 -d$DURATION $* ${url#"$URL"} ($name)"
	out=$(wrk -t2 -c16 -d"$DURATION" --latency -H "X-API-Key: $KEY" "$@" "$url")
	BAD[$name]=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
	BAD[$name]=${BAD[$name]:-0}
	[ "${BAD[$name]}" = 0 ] || say "$name: ${BAD[$name]} answers were not 2xx"
	RPS[$name]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	P50[$name]=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	P99[$name]=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

cat >"$WORK/event.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"event_type": "on"}'
wrk.headers["Content-Type"] = "application/json"
EOF
# Each request names the next camera of the list (one camera: always it).
detections_lua() {
	cat <<EOF
local cams = {$(IFS=,; echo "$*")}
local n = 0
wrk.headers["Content-Type"] = "application/json"
request = function()
	n = n + 1
	local body = string.format('{"camera_id": %d, "object_type": "person", "confidence": 0.8,'
		.. ' "bbox": {"x": 0.1, "y": 0.2, "width": 0.3, "height": 0.4}, "source": "bench"}',
		cams[n % #cams + 1])
	-- nil headers: wrk's own, which hold the -H key
	return wrk.format("POST", nil, nil, body)
end
EOF
}
detections_lua "${CAMS[0]}" >"$WORK/one.lua"
detections_lua "${CAMS[@]}" >"$WORK/many.lua"

INGEST=${BENCH_SECURITY_INGEST:-1}
if [ "$INGEST" != 0 ]; then
	before=$(sql "SELECT COUNT(*) FROM detections WHERE camera_name LIKE 'bench-security-%'")
	run baseline "$URL/api/v1/sensors/$quiet/events" -s "$WORK/event.lua"
	run one "$URL/api/v1/detections" -s "$WORK/one.lua"
	run many "$URL/api/v1/detections" -s "$WORK/many.lua"
	after=$(sql "SELECT COUNT(*) FROM detections WHERE camera_name LIKE 'bench-security-%'")
	ungrouped=$(sql "SELECT COUNT(*) FROM detections WHERE camera_name LIKE 'bench-security-%' AND event_id IS NULL")
fi

run health "$URL/health"
run list "$URL/api/v1/events?kind=security&limit=100"
run list_cam "$URL/api/v1/events?camera_id=${CAMS[2]}&risk_level=critical&limit=100"
run search_rare "$URL/api/v1/events/search?q=ladder&limit=100"
run search_common "$URL/api/v1/events/search?q=parcel%20door&limit=100"
run search_person "$URL/api/v1/events/search?q=person&limit=100"
rare=$(sql "SELECT COUNT(*) FROM event_logs WHERE kind = 'security' AND MATCH (summary, notes) AGAINST ('+ladder' IN BOOLEAN MODE)")
common=$(sql "SELECT COUNT(*) FROM event_logs WHERE kind = 'security' AND MATCH (summary, notes) AGAINST ('+parcel +door' IN BOOLEAN MODE)")
person=$(sql "SELECT COUNT(*) FROM event_logs WHERE kind = 'security' AND summary LIKE '%person%'")

# read_row NAME LABEL: a row of the reads table.
read_row() {
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$2" "${RPS[$1]}" "${P50[$1]}" "${P99[$1]}" \
		"$(ratio "${RPS[$1]}" "${RPS[health]}")" "$(ratio "${P99[$1]}" "${P99[health]}")" "${BAD[$1]}"
}

printf '\n### Detections and security events (%s, %s cores)\n' "$(date -u +%Y-%m-%d)" "$(nproc)"
if [ "$INGEST" != 0 ]; then
	cat <<EOF

Ingest (wrk -t2 -c16, $DURATION each; $((after - before)) detections stored, $ungrouped without an event):

| case | req/s | p50 ms | p99 ms | vs baseline | not 2xx |
|---|---:|---:|---:|---:|---:|
| baseline: POST /sensors/{id}/events, no rule | ${RPS[baseline]} | ${P50[baseline]} | ${P99[baseline]} | 1.00 | ${BAD[baseline]} |
| POST /detections, one camera | ${RPS[one]} | ${P50[one]} | ${P99[one]} | $(ratio "${RPS[one]}" "${RPS[baseline]}") | ${BAD[one]} |
| POST /detections, $CAMERAS cameras | ${RPS[many]} | ${P50[many]} | ${P99[many]} | $(ratio "${RPS[many]}" "${RPS[baseline]}") | ${BAD[many]} |
EOF
fi
cat <<EOF

Reads over $total security events (wrk -t2 -c16, $DURATION each; ratios to GET /health of the same run):

| request | req/s | p50 ms | p99 ms | req/s vs /health | p99 vs /health | not 2xx |
|---|---:|---:|---:|---:|---:|---:|
$(read_row health "GET /health")
$(read_row list "GET /events?kind=security&limit=100")
$(read_row list_cam "GET /events?camera_id&risk_level=critical&limit=100")
$(read_row search_rare "GET /events/search?q=ladder&limit=100 ($rare matches)")
$(read_row search_common "GET /events/search?q=parcel door&limit=100 ($common matches)")
$(read_row search_person "GET /events/search?q=person&limit=100 ($person matches)")

Common-word search (q=parcel door): p99 ${P99[search_common]} ms (goal: under 100 ms); GET /health p99 ${P99[health]} ms in the same run.
Reproduce: \`./devstack up && bench/security.sh\`.
EOF
