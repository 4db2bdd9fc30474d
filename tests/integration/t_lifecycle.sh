#!/bin/bash
# Lifecycle: SIGHUP reload, schema behind, hearthctl migrate, SIGTERM drain.
. "$(dirname "$0")/lib.sh"

CONF_BACKUP=$T/hearth.conf.orig
cp -p "$HEARTH_CONFIG" "$CONF_BACKUP"
SCRATCH=hearth_it_scratch

# Whatever happens, leave the config, the schema and the API as they were.
restore_api() {
	local m
	m=$(master_pid)
	if [ -z "$m" ] || ! pid_alive "$m"; then
		devstack start api
	fi
}
restore_config() {
	if ! cmp -s "$CONF_BACKUP" "$HEARTH_CONFIG"; then
		cat "$CONF_BACKUP" >"$HEARTH_CONFIG"
		local m
		m=$(master_pid)
		[ -n "$m" ] && kill -HUP "$m" 2>/dev/null
	fi
	return 0
}
restore_schema() {
	if [ "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$SCRATCH'")" != 0 ]; then
		sql "INSERT IGNORE INTO schema_migrations SELECT * FROM $SCRATCH.schema_row" &&
			sql "DROP DATABASE $SCRATCH"
	fi
}
on_exit restore_api
on_exit restore_config
on_exit restore_schema

# ---------------------------------------------------------------- hearth-api -t
API_BIN=$HEARTH_BUILD_DIR/fcgi-app/hearth-api
"$API_BIN" -c "$HEARTH_CONFIG" -t >"$T/out" 2>&1
is "$?" 0 "hearth-api -t accepts the stack's config"
cp "$HEARTH_CONFIG" "$T/bad.conf"
config_set api workers many "$T/bad.conf"
"$API_BIN" -c "$T/bad.conf" -t >"$T/out" 2>&1
rc=$?
is "$rc" 78 "hearth-api -t refuses workers = many with exit 78"
if grep -q workers "$T/out"; then ok "... naming the key"; else not_ok "... naming the key" "$(cat "$T/out")"; fi

# ---------------------------------------------------------------- SIGHUP changes the worker count
MASTER=$(master_pid)
N0=$(worker_count)
NEW=$((N0 == 3 ? 2 : 3))
PIDS0=$(api_pids)
config_set api workers "$NEW"
load_start hup
kill -HUP "$MASTER"
count_is() { [ "$(worker_count)" = "$1" ]; }
if wait_until 20 count_is "$NEW"; then
	ok "SIGHUP after workers = $NEW: the master now has $NEW workers (was $N0)"
else
	not_ok "SIGHUP after workers = $NEW: the master now has $NEW workers" "workers: $(api_pids | tr '\n' ' ')"
fi
old_left() { comm -12 <(echo "$PIDS0") <(api_pids) | grep -q .; }
if wait_until 20 eval '! old_left'; then
	ok "SIGHUP replaced every old worker"
else
	not_ok "SIGHUP replaced every old worker" "still running: $(comm -12 <(echo "$PIDS0") <(api_pids) | tr '\n' ' ')"
fi
sleep 1
load_stop hup
read -r total bad <<<"$(load_count hup)"
is "$bad" 0 "no request failed during the reload ($total requests)"
is "$(master_pid)" "$MASTER" "the master stayed the same process"

# A bad config on SIGHUP keeps the old one.
config_set api workers many
kill -HUP "$MASTER"
sleep 2
check "bad config on SIGHUP: the master keeps running" pid_alive "$MASTER"
is "$(worker_count)" "$NEW" "bad config on SIGHUP: the worker count is unchanged"
api GET /api/v1/rooms?limit=1
expect_status 200 "bad config on SIGHUP: requests still succeed"

# Restore and reload: back to the original count.
cat "$CONF_BACKUP" >"$HEARTH_CONFIG"
kill -HUP "$MASTER"
if wait_until 20 count_is "$N0"; then
	ok "restoring the config and SIGHUP: back to $N0 workers"
else
	not_ok "restoring the config and SIGHUP: back to $N0 workers" "workers: $(api_pids | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- hearthctl migrate and status
REQUIRED=$(KEY= api GET /api/v1/status && jb .schema.required)
ROWS0=$(sql "SELECT COUNT(*) FROM schema_migrations")
hearthctl migrate >"$T/m1" 2>&1
is "$?" 0 "hearthctl migrate on a current schema: exit 0"
hearthctl migrate >"$T/m2" 2>&1
is "$?" 0 "hearthctl migrate again: exit 0"
is "$(sql "SELECT COUNT(*) FROM schema_migrations")" "$ROWS0" "migrate twice applied nothing new"
is "$(sql "SELECT MAX(version) FROM schema_migrations")" "$REQUIRED" "the schema is at the required version ($REQUIRED)"
if grep -qw "$REQUIRED" "$T/m2"; then
	ok "hearthctl migrate prints the final version"
else
	not_ok "hearthctl migrate prints the final version" "output: $(cat "$T/m2")"
fi
# A migration recorded below the newest but missing (work merged out of
# order: 018 taken before 016 existed) is applied all the same.
sql "DELETE FROM schema_migrations WHERE version = 18"
hearthctl migrate >"$T/m3" 2>&1
is "$(grep -c '^applied 018_' "$T/m3"),$(sql "SELECT COUNT(*) FROM schema_migrations")" "1,$ROWS0" \
	"a missing migration below the newest is applied and recorded"
hearthctl status >"$T/st" 2>&1
is "$?" 0 "hearthctl status: exit 0"
api GET /api/v1/rooms?limit=1
expect_status 200 "the API is fine after migrate"

# ---------------------------------------------------------------- schema behind
# Take the newest schema_migrations row away (kept in a scratch database and
# put back below), as if the binaries were newer than the database.
sql "DROP DATABASE IF EXISTS $SCRATCH; CREATE DATABASE $SCRATCH;
	CREATE TABLE $SCRATCH.schema_row AS SELECT * FROM schema_migrations WHERE version = $REQUIRED;
	DELETE FROM schema_migrations WHERE version = $REQUIRED"
is "$(sql "SELECT COUNT(*) FROM $SCRATCH.schema_row")" 1 "setup: the newest migration row is set aside"
# New workers, as after an upgrade: they must look at the schema themselves.
kill -HUP "$(master_pid)"
behind() {
	api GET /api/v1/rooms?limit=1
	[ "$STATUS" = 503 ]
}
if wait_until 15 behind; then ok "schema behind: GET /rooms is 503"; else not_ok "schema behind: GET /rooms is 503" "$(_last)"; fi
expect_json '.detail | test("hearthctl migrate")' true "schema behind: the detail names hearthctl migrate"
KEY= api GET /api/v1/ready
expect_status 503 "schema behind: /ready is 503"
expect_json '.checks.schema != "ok"' true "schema behind: /ready checks.schema is not ok"
expect_json .checks.database ok "schema behind: /ready checks.database is ok"
KEY= api GET /api/v1/status
expect_status 200 "schema behind: /status is 200"
expect_json ".schema.current < .schema.required" true "schema behind: /status shows current < required"
KEY= api GET /health
expect_status 200 "schema behind: /health is 200"
hearthctl status >"$T/st" 2>&1
rc=$?
echo "# hearthctl status while behind: exit $rc: $(tr '\n' ' ' <"$T/st")"

# The way out the 503 names: hearthctl migrate applies the missing
# migration again (migrations are written to be re-runnable).
hearthctl migrate >"$T/m3" 2>&1
rc=$?
is "$rc" 0 "schema behind: hearthctl migrate exits 0"
is "$(sql "SELECT MAX(version) FROM schema_migrations")" "$REQUIRED" "schema behind: migrate brought it back to $REQUIRED"
[ "$rc" = 0 ] || restore_schema
sql "DROP DATABASE IF EXISTS $SCRATCH"
if wait_until 15 status_is 200 GET /api/v1/rooms?limit=1; then
	ok "schema current again: GET /rooms is 200 without a restart"
else
	not_ok "schema current again: GET /rooms is 200 without a restart" "$(_last)"
fi
KEY= api GET /api/v1/ready
expect_status 200 "schema current again: /ready is 200"
expect_json .checks.schema ok "schema current again: /ready checks.schema ok"

# ---------------------------------------------------------------- SIGTERM drains and exits
MASTER=$(master_pid)
PIDS=$(api_pids)
SOCK=$(config_get api socket)
[ -n "$SOCK" ] || SOCK=$HEARTH_STACK_DIR/run/api.sock
check "the API socket $SOCK exists" test -S "$SOCK"
NGINX_LOG=$HEARTH_STACK_DIR/log/nginx-error.log
LOG_LINES=$(wc -l <"$NGINX_LOG" 2>/dev/null || echo 0)
# Several clients at once, so requests are in flight when the signal lands.
for l in term1 term2 term3 term4; do load_start $l; done
sleep 1
kill -TERM "$MASTER"
DRAIN=$(config_get api drain_seconds)
LIMIT=$((${DRAIN:-10} + 10))
if wait_until "$LIMIT" eval '! pid_alive '"$MASTER"; then
	ok "SIGTERM: the master exits (within $LIMIT s)"
else
	not_ok "SIGTERM: the master exits within $LIMIT s"
fi
for l in term1 term2 term3 term4; do load_stop $l; done
gone=0
for p in $PIDS; do pid_alive "$p" && gone=$((gone + 1)); done
is "$gone" 0 "SIGTERM: every worker is gone"
check "SIGTERM: the socket is removed" test ! -e "$SOCK"
aborted=$(tail -n +"$((LOG_LINES + 1))" "$NGINX_LOG" 2>/dev/null | grep -E -c 'prematurely closed|reset by peer|upstream sent (no valid|unexpected)')
is "$aborted" 0 "SIGTERM: nginx saw no request cut off mid-way (drained)"
api GET /api/v1/rooms?limit=1
expect_status '502|503' "with the API down nginx answers 502/503"
expect_detail_string "... as JSON with a detail"

devstack start api >"$T/out" 2>&1
if wait_until 30 status_is 200 GET /api/v1/rooms?limit=1; then
	ok "\$DEVSTACK start api: GET /rooms is 200 again"
else
	not_ok "\$DEVSTACK start api: GET /rooms is 200 again" "$(_last)" "$(tail -n 5 "$T/out")"
fi
NEWMASTER=$(master_pid)
[ -n "$NEWMASTER" ] && [ "$NEWMASTER" != "$MASTER" ] && pid_alive "$NEWMASTER" &&
	ok "a new master runs ($NEWMASTER)" || not_ok "a new master runs" "pid file: $NEWMASTER"
check "the socket is back" test -S "$SOCK"

finish
