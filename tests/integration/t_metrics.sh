#!/bin/bash
# GET /metrics: Prometheus text that promtool accepts, counters summed over
# every worker, kept when a worker is killed, and database errors counted.
. "$(dirname "$0")/lib.sh"

DB_DOWN=
on_exit '[ -z "$DB_DOWN" ] || devstack start mariadb >/dev/null 2>&1'

# scrape: GET /metrics into $T/metrics (the body); sets STATUS.
scrape() {
	api GET /api/v1/metrics
	printf '%s\n' "$BODY" >"$T/metrics"
}

# metric SERIES: the value of one series of the last scrape ("0" when absent).
metric() {
	local v
	v=$(grep -F -- "$1 " "$T/metrics" | head -n 1 | awk '{print $NF}')
	echo "${v:-0}"
}

# The route below answers 404 (no room has that id): a series no other
# test is likely to touch while this one runs.
ROOM404='hearth_http_requests_total{route="/api/v1/rooms/{id}",method="GET",status="404"}'
ROOM404_COUNT='hearth_http_request_duration_seconds_count{route="/api/v1/rooms/{id}",method="GET"}'
MISS='hearth_http_requests_total{route="unmatched",method="GET",status="404"}'
KILLED='hearth_api_worker_exits_total{reason="killed"}'
DB_UNAVAILABLE='hearth_db_errors_total{kind="unavailable"}'

# many N PATH: N GETs of PATH as admin over 8 parallel connections, so that
# every worker takes some; prints the statuses.
many() {
	local n=$1 path=$2 i cfg=$T/many.cfg
	# Options other than url and output apply to every transfer: the key
	# is given once (a request with two X-API-Key headers is a 400).
	printf 'header = "X-API-Key: %s"\nwrite-out = "%%{http_code}\\n"\ninsecure\nsilent\n' "$ADMIN" >"$cfg"
	for ((i = 0; i < n; i++)); do
		printf 'url = "%s%s"\noutput = "/dev/null"\n' "$URL" "$path" >>"$cfg"
	done
	curl --parallel --parallel-max 8 -K "$cfg" 2>/dev/null
}

# ---------------------------------------------------------------- format
scrape
expect_status 200 "GET /metrics as admin"
expect_header Content-Type '^text/plain; version=0\.0\.4' "text exposition format 0.0.4"
if command -v promtool >/dev/null 2>&1; then
	if out=$(promtool check metrics <"$T/metrics" 2>&1); then
		ok "promtool check metrics accepts the page"
	else
		not_ok "promtool check metrics accepts the page" "$out"
	fi
else
	skip "promtool check metrics accepts the page" "promtool is not installed"
fi
for name in hearth_http_requests_total hearth_http_request_duration_seconds hearth_db_errors_total \
	hearth_api_worker_exits_total hearth_jobs hearth_media_disk_used_bytes; do
	check "the page has # TYPE $name" grep -q "^# TYPE $name " "$T/metrics"
done
check "requests that matched no route are labelled route=\"unmatched\"" \
	bash -c "curl -sk -o /dev/null '$URL/api/v1/no-such-thing-$RUN_ID' -H 'X-API-Key: $ADMIN'; \
		curl -sk '$URL/api/v1/metrics' -H 'X-API-Key: $ADMIN' | grep -qF '$MISS'"
check "a histogram ends in +Inf, _sum and _count" \
	grep -qE '^hearth_http_request_duration_seconds_bucket\{.*le="\+Inf"\} [0-9]+$' "$T/metrics"
check "the disk of the media root is there" grep -qE '^hearth_media_disk_size_bytes [1-9][0-9]*$' "$T/metrics"

KEY= api GET /api/v1/metrics
expect_status 401 "GET /metrics without a key"

# ---------------------------------------------------------------- summed over the workers
NREQ=200
scrape
BEFORE=$(metric "$ROOM404")
BEFORE_H=$(metric "$ROOM404_COUNT")
statuses=$(many "$NREQ" /api/v1/rooms/999999999)
is "$(grep -c '^404$' <<<"$statuses")" "$NREQ" "$NREQ requests for a room that does not exist: all 404"
scrape
AFTER=$(metric "$ROOM404")
is "$((AFTER - BEFORE))" "$NREQ" "the 404 counter of /api/v1/rooms/{id} rose by exactly $NREQ"
is "$(($(metric "$ROOM404_COUNT") - BEFORE_H))" "$NREQ" "the latency histogram counted the same $NREQ"
# Which workers answered them: the access lines carry the worker's pid.
served_by=$(grep -F 'GET /api/v1/rooms/999999999 404' "$HEARTH_STACK_DIR/log/hearth-api.log" |
	tail -n "$NREQ" | sed -n 's/.*hearth-api\[\([0-9]*\)\].*/\1/p' | sort -u | grep -c .)
if [ "$(worker_count)" -ge 2 ] && [ "$served_by" -ge 2 ]; then
	ok "the requests were shared by $served_by workers, and the counter is their sum"
elif [ "$(worker_count)" -lt 2 ]; then
	skip "the requests were shared by several workers" "the stack runs one worker"
else
	not_ok "the requests were shared by several workers" "only $served_by worker answered them"
fi

# ---------------------------------------------------------------- a worker killed
PIDS0=$(api_pids)
N0=$(grep -c . <<<"$PIDS0")
KILLED0=$(metric "$KILLED")
VICTIM=$(head -n 1 <<<"$PIDS0")
kill -9 "$VICTIM" 2>/dev/null
replaced() {
	local now
	now=$(api_pids)
	[ "$(grep -c . <<<"$now")" = "$N0" ] && ! grep -qx "$VICTIM" <<<"$now"
}
if wait_until 15 replaced; then
	ok "the killed worker $VICTIM was replaced"
else
	not_ok "the killed worker $VICTIM was replaced" "workers: $(api_pids | tr '\n' ' ')"
fi
# Both scrapes may be answered by any worker, the new one included.
for i in 1 2 3 4; do
	scrape
	[ "$(metric "$ROOM404")" -ge "$AFTER" ] || break
done
is "$(metric "$ROOM404")" "$AFTER" "after kill -9 every worker still reports the same count"
is "$(($(metric "$KILLED") - KILLED0))" 1 "hearth_api_worker_exits_total{reason=\"killed\"} rose by 1"
many 10 /api/v1/rooms/999999999 >/dev/null
scrape
is "$(($(metric "$ROOM404") - AFTER))" 10 "counting goes on after the replacement"

# ---------------------------------------------------------------- database errors
scrape
DBE0=$(metric "$DB_UNAVAILABLE")
if devstack stop mariadb >"$T/out" 2>&1; then
	DB_DOWN=1
	api GET /api/v1/rooms
	expect_status 503 "with MariaDB stopped a request is a 503"
	devstack start mariadb >"$T/out" 2>&1 && DB_DOWN=
	wait_until 30 status_is 200 GET /api/v1/rooms
	scrape
	DBE1=$(metric "$DB_UNAVAILABLE")
	if [ "$DBE1" -gt "$DBE0" ]; then
		ok "hearth_db_errors_total{kind=\"unavailable\"} rose ($DBE0 -> $DBE1)"
	else
		not_ok "hearth_db_errors_total{kind=\"unavailable\"} rose" "before $DBE0, after $DBE1"
	fi
else
	not_ok "stop MariaDB" "$(cat "$T/out")"
fi

finish
