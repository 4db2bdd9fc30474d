#!/bin/bash
# Faults: a worker killed mid-load, MariaDB gone and back, memcached gone and back.
. "$(dirname "$0")/lib.sh"

P="faults-$RUN_ID"
DB_DOWN=
MC_DOWN=
on_exit '[ -z "$DB_DOWN" ] || devstack start mariadb'
on_exit '[ -z "$MC_DOWN" ] || devstack start memcached'

# many_status N CODE METHOD PATH [BODY] [curl args]: how many of N requests did not answer CODE.
many_status() {
	local n=$1 want=$2 i bad=0
	shift 2
	for ((i = 0; i < n; i++)); do
		api "$@"
		[ "$STATUS" = "$want" ] || bad=$((bad + 1))
	done
	echo "$bad"
}

create_room "$P-before"
expect_status 201 "setup: a room"
BEFORE=$ROOM_ID
on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$BEFORE"

# ---------------------------------------------------------------- kill -9 a worker under load
MASTER=$(master_pid)
PIDS0=$(api_pids)
N0=$(grep -c . <<<"$PIDS0")
if [ "$N0" -ge 1 ]; then ok "the master has $N0 workers"; else not_ok "the master has workers" "master $MASTER, no children"; fi
load_start kill
sleep 1
VICTIM=$(head -n 1 <<<"$PIDS0")
kill -9 "$VICTIM" 2>/dev/null
replaced() {
	local now
	now=$(api_pids)
	[ "$(grep -c . <<<"$now")" = "$N0" ] && ! grep -qx "$VICTIM" <<<"$now"
}
if wait_until 10 replaced; then
	ok "the killed worker $VICTIM was replaced within 10 s (still $N0 workers)"
else
	not_ok "the killed worker $VICTIM was replaced within 10 s" "workers now: $(api_pids | tr '\n' ' ')"
fi
mark=$(grep -c . "$T/load.kill")
sleep 2
load_stop kill
read -r total bad <<<"$(load_count kill)"
after_total=$((total - mark))
after_bad=$(tail -n +"$((mark + 1))" "$T/load.kill" | grep -vc '^200$')
echo "# load during the kill: $total requests, $bad not 200; after the replacement: $after_total, $after_bad not 200"
[ "$after_total" -gt 0 ] && [ "$after_bad" = 0 ] && ok "every request after the replacement succeeded ($after_total)" ||
	not_ok "every request after the replacement succeeded" "$after_bad of $after_total failed: $(tail -n +"$((mark + 1))" "$T/load.kill" | sort | uniq -c | tr '\n' ' ')"
[ "$bad" -le 1 ] && ok "at most the one request in the killed worker failed ($bad)" ||
	not_ok "at most the one request in the killed worker failed" "$bad of $total failed: $(sort "$T/load.kill" | uniq -c | tr '\n' ' ')"
is "$(master_pid)" "$MASTER" "the master is the same process"
check "the master is alive" pid_alive "$MASTER"
is "$(many_status 20 200 GET /api/v1/rooms?limit=1)" 0 "20 requests after the kill: all 200"

# ---------------------------------------------------------------- MariaDB stopped
devstack stop mariadb >"$T/out" 2>&1
DB_DOWN=1
if sql "SELECT 1" >/dev/null 2>&1; then
	not_ok "MariaDB is down after \$DEVSTACK stop mariadb" "$(cat "$T/out")"
else
	ok "MariaDB is down after \$DEVSTACK stop mariadb"
fi
api GET /api/v1/rooms
expect_status 503 "DB down: GET /rooms is 503"
expect_json .detail "database unavailable" "DB down: detail \"database unavailable\""
expect_header Content-Type '^application/json' "DB down: the 503 is JSON"
expect_time_under 2 "DB down: the 503 comes in under 2 s"
slow=0
wrong=0
for i in $(seq 1 8); do
	api GET "/api/v1/rooms/$BEFORE"
	[ "$STATUS" = 503 ] && [ "$(jb .detail)" = "database unavailable" ] || wrong=$((wrong + 1))
	awk -v t="$TIME" 'BEGIN { exit !(t + 0 >= 2) }' && slow=$((slow + 1))
done
is "$wrong" 0 "DB down: 8 more requests (every worker) are 503 database unavailable"
is "$slow" 0 "DB down: none of them took 2 s or more"
api POST /api/v1/rooms "$(j_room "$P-during")"
expect_status 503 "DB down: POST /rooms is 503"
expect_time_under 2 "DB down: the POST 503 comes in under 2 s"
KEY= api GET /api/v1/rooms
expect_status 503 "DB down: no key is 503 too (the database is checked before credentials)"
KEY= api GET /api/v1/ready
expect_status 503 "DB down: /ready is 503"
expect_json .detail "database unavailable" "DB down: /ready detail"
expect_json '.checks.database' unavailable "DB down: /ready checks.database unavailable"
expect_time_under 2 "DB down: /ready answers in under 2 s"
KEY= api GET /api/v1/status
expect_status 200 "DB down: /status is 200"
expect_json .components.database unavailable "DB down: /status says the database is unavailable"
KEY= api GET /health
expect_status 200 "DB down: /health is still 200"
expect_json .status ok "DB down: /health says ok"
KEY= api GET /api/v1/openapi.json
expect_status 200 "DB down: openapi.json is still 200"

devstack start mariadb >"$T/out" 2>&1
DB_DOWN=
if wait_until 30 status_is 200 GET /api/v1/rooms?limit=1; then
	ok "DB back: GET /rooms is 200 again (within 30 s, nothing restarted)"
else
	not_ok "DB back: GET /rooms is 200 again" "$(_last)" "$(tail -n 5 "$T/out")"
fi
is "$(many_status 12 200 GET "/api/v1/rooms/$BEFORE")" 0 "DB back: 12 more requests (every worker) are 200"
api GET "/api/v1/rooms/$BEFORE"
expect_json .name "$P-before" "DB back: the room from before is there"
is "$(sql "SELECT COUNT(*) FROM rooms WHERE name = '$P-during'")" 0 "DB back: the POST refused with 503 stored nothing"
create_room "$P-after-db"
expect_status 201 "DB back: writes work"
on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$ROOM_ID"
KEY= api GET /api/v1/ready
expect_status 200 "DB back: /ready is 200"
is "$(master_pid)" "$MASTER" "DB back: the master was not restarted"

# A restart the workers do not see happen: each holds a dead connection,
# and its next request must still succeed.
devstack stop mariadb >"$T/out" 2>&1
DB_DOWN=1
devstack start mariadb >"$T/out" 2>&1
DB_DOWN=
is "$(many_status 12 200 GET "/api/v1/rooms/$BEFORE")" 0 "DB restarted while the API was idle: the next 12 requests are all 200"

# ---------------------------------------------------------------- memcached stopped
create_key "$P-k1" caregiver
K1=$NEW_KEY
K1_ID=$KEY_ID
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$K1_ID"
is "$(KEY=$K1 many_status 3 200 GET /api/v1/rooms?limit=1)" 0 "memcached up: a new key works (and is cached)"

devstack stop memcached >"$T/out" 2>&1
MC_DOWN=1
mc_port=$(config_get cache servers | sed 's/.*://; s/,.*//')
if [ -n "$mc_port" ] && (exec 3<>"/dev/tcp/127.0.0.1/$mc_port") 2>/dev/null; then
	not_ok "memcached is down after \$DEVSTACK stop memcached" "port $mc_port still answers"
else
	ok "memcached is down after \$DEVSTACK stop memcached"
fi
slowest=0
bad=0
for i in $(seq 1 8); do
	api GET /api/v1/rooms?limit=1
	[ "$STATUS" = 200 ] || bad=$((bad + 1))
	slowest=$(awk -v a="$slowest" -v b="$TIME" 'BEGIN { print (b > a ? b : a) }')
done
is "$bad" 0 "cache down: 8 authenticated requests are 200"
echo "# cache down: the slowest of them took $slowest s"
is "$(KEY=$K1 many_status 4 200 GET /api/v1/rooms?limit=1)" 0 "cache down: the cached key still works"
KEY= api GET /api/v1/ready
expect_status 200 "cache down: /ready is still 200 (the cache is optional)"
expect_json .checks.cache unavailable "cache down: /ready says the cache is unavailable"
KEY= api GET /api/v1/status
expect_json .components.cache unavailable "cache down: /status says the cache is unavailable"
create_room "$P-during-mc"
expect_status 201 "cache down: POST /rooms is 201"
MCROOM=$ROOM_ID
on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$MCROOM"
api GET "/api/v1/rooms/$MCROOM"
expect_status 200 "cache down: the new room reads back"
api DELETE "/api/v1/api-keys/$K1_ID"
expect_status 204 "cache down: revoking a key is 204"
is "$(KEY=$K1 many_status 8 401 GET /api/v1/rooms?limit=1)" 0 "cache down: the key revoked now is 401 on every try"
create_key "$P-k2" caregiver
expect_status 201 "cache down: creating a key works"
K2=$NEW_KEY
K2_ID=$KEY_ID
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$K2_ID"
is "$(KEY=$K2 many_status 3 200 GET /api/v1/rooms?limit=1)" 0 "cache down: the new key works"

devstack start memcached >"$T/out" 2>&1
MC_DOWN=
cache_ok() {
	KEY= api GET /api/v1/ready
	[ "$(jb .checks.cache)" = ok ]
}
if wait_until 20 cache_ok; then
	ok "cache back: /ready says the cache is ok again (within 20 s)"
else
	not_ok "cache back: /ready says the cache is ok again" "$(_last)"
fi
is "$(KEY=$K1 many_status 8 401 GET /api/v1/rooms?limit=1)" 0 "cache back: the key revoked while it was down is still 401"
is "$(KEY=$K2 many_status 4 200 GET /api/v1/rooms?limit=1)" 0 "cache back: the other key works (and is cached again)"
api DELETE "/api/v1/api-keys/$K2_ID"
expect_status 204 "cache back: revoking it is 204"
is "$(KEY=$K2 many_status 8 401 GET /api/v1/rooms?limit=1)" 0 "cache back: a key revoked now is 401 at once"
api GET "/api/v1/rooms/$MCROOM"
expect_json .name "$P-during-mc" "cache back: the room written while it was down reads correctly"
api PUT "/api/v1/rooms/$MCROOM" '{"description": "after"}'
api GET "/api/v1/rooms/$MCROOM"
expect_json .description after "cache back: an update is visible at once"
is "$(master_pid)" "$MASTER" "cache back: the master was not restarted"

# ---------------------------------------------------------------- memcached hung, then resumed
# A hung memcached (SIGSTOP: connections are accepted, nothing answers)
# must cost each request no more than a short timeout, and once it resumes
# with everything it held, nothing written meanwhile may be hidden.
MC_PID=$(cat "$HEARTH_STACK_DIR/run/memcached.pid" 2>/dev/null)
if [ -n "$MC_PID" ] && pid_alive "$MC_PID"; then
	create_key "$P-k3" caregiver
	K3=$NEW_KEY
	K3_ID=$KEY_ID
	on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$K3_ID"
	is "$(KEY=$K3 many_status 4 200 GET /api/v1/rooms?limit=1)" 0 "memcached hung: a key works (and is cached)"
	for i in 1 2 3 4; do api GET "/api/v1/rooms?limit=1000"; api GET "/api/v1/rooms/$MCROOM"; done
	expect_json .description after "memcached hung: the room is read (and cached)"

	kill -STOP "$MC_PID"
	on_exit "kill -CONT $MC_PID"
	api DELETE "/api/v1/api-keys/$K3_ID"
	expect_status 204 "memcached hung: revoking the key while memcached hangs is 204"
	expect_time_under 2 "memcached hung: ... and does not hang"
	api PUT "/api/v1/rooms/$MCROOM" '{"description": "during the partition"}'
	expect_status 200 "memcached hung: updating the room while memcached hangs is 200"
	create_room "$P-partition"
	expect_status 201 "memcached hung: creating a room while memcached hangs is 201"
	PROOM=$ROOM_ID
	on_exit "KEY=\$ADMIN api DELETE /api/v1/rooms/$PROOM"
	is "$(KEY=$K3 many_status 4 401 GET /api/v1/rooms?limit=1)" 0 "memcached hung: the revoked key is 401 while memcached hangs"

	kill -CONT "$MC_PID"
	wait_until 20 cache_ok
	is "$(KEY=$K3 many_status 8 401 GET /api/v1/rooms?limit=1)" 0 \
		"memcached resumed: the key revoked meanwhile is still 401 (no stale cache entry)"
	api GET "/api/v1/rooms/$MCROOM"
	expect_json .description "during the partition" "memcached resumed: the room shows the update made meanwhile"
	api GET "/api/v1/rooms?limit=1000"
	expect_json "[.items[] | select(.id == ${PROOM:-0})] | length" 1 "memcached resumed: the list shows the room created meanwhile"
	expect_json "[.items[] | select(.id == ${MCROOM:-0}) | .description] | .[0]" "during the partition" \
		"memcached resumed: the list shows the update made meanwhile"
else
	not_ok "memcached hung: memcached's pid is known" "no live pid in $HEARTH_STACK_DIR/run/memcached.pid"
fi

finish
