# Hearth integration tests: the shared helpers.  Sourced by every t_*.sh.
#
# The tests drive a real stack (nginx TLS -> hearth-api pool -> MariaDB +
# memcached) the way a user would: with curl over HTTPS.  `./devstack test`
# starts such a stack and exports:
#   HEARTH_TEST_URL        https://127.0.0.1:18443
#   HEARTH_TEST_HTTP_URL   http://127.0.0.1:18080
#   HEARTH_TEST_ADMIN_KEY  an admin API key
#   HEARTH_STACK_DIR       the stack (run/, log/, hearth.conf ...)
#   HEARTH_CONFIG          the stack's hearth.conf
#   HEARTH_BUILD_DIR       the build whose binaries run (cli/hearthctl ...)
#   HEARTH_SRC_DIR         the source tree
#   DEVSTACK               ./devstack, for `$DEVSTACK stop|start COMPONENT`
#
# Requests:    api METHOD PATH [BODY] [extra curl args...]
#              sets STATUS, BODY, TIME (seconds) and the file $HEADERS.
#              The admin key goes in X-API-Key unless KEY is set (KEY= for
#              none); CT overrides the Content-Type of a body; BODY_FILE
#              sends a file as the body instead of BODY.
# Assertions:  ok, not_ok, skip, is, check, expect_status, expect_json,
#              expect_header, expect_loc, expect_detail_string,
#              expect_time_under -- TAP-like lines; finish prints the counts.
# The stack:   sql, sql_is, hearthctl, devstack, wait_until, master_pid, api_pids,
#              pid_alive, config_get/config_set, config_keep, restart_api_tick,
#              load_start/load_stop, on_exit, free_port.
# Outside:     fake_start, fake_requests, fake_count, fake_fail, fake_reset,
#              outbound_to_fake (tests/tools/fake_http.py on loopback).

set -u
# Lengths and substrings count characters, not bytes.
export LC_ALL=C.UTF-8

if [ -z "${HEARTH_TEST_URL:-}" ]; then
	echo "HEARTH_TEST_URL is not set: these tests need a running stack." >&2
	echo "Run them with:  ./devstack test   (from the top of the source tree)" >&2
	exit 2
fi
for v in HEARTH_TEST_ADMIN_KEY HEARTH_STACK_DIR HEARTH_CONFIG HEARTH_BUILD_DIR DEVSTACK; do
	if [ -z "${!v:-}" ]; then
		echo "$v is not set; run the tests through ./devstack test" >&2
		exit 2
	fi
done

URL=${HEARTH_TEST_URL%/}
HTTP_URL=${HEARTH_TEST_HTTP_URL:-}
HTTP_URL=${HTTP_URL%/}
ADMIN=$HEARTH_TEST_ADMIN_KEY
TEST_NAME=$(basename "$0" .sh)
# Unique per run, so names never collide with leftovers of earlier runs.
RUN_ID="$(date +%s)$$"

T=$(mktemp -d "${TMPDIR:-/tmp}/hearth-it.XXXXXX")
HEADERS=$T/headers
STATUS=
BODY=
REQ=
TIME=
LAST_REQ=
PASSED=0
FAILED=0
N=0

# ------------------------------------------------------------ cleanup

_CLEANUPS=()
_LOAD_PIDS=()

# on_exit "COMMANDS": eval COMMANDS when the file ends, also after a failure
# or a timeout; the last registered runs first.
on_exit() {
	_CLEANUPS+=("$1")
}

_lib_exit() {
	local rc=$? i
	trap - EXIT
	for i in "${_LOAD_PIDS[@]}"; do
		kill "$i" 2>/dev/null
		wait "$i" 2>/dev/null
	done
	for ((i = ${#_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_CLEANUPS[i]}" || echo "# cleanup failed: ${_CLEANUPS[i]}"
	done
	rm -rf "$T"
	exit "$rc"
}
trap _lib_exit EXIT
# timeout(1) sends TERM: still restore what the file changed.
trap 'echo "# $TEST_NAME: interrupted"; exit 143' TERM INT

# ------------------------------------------------------------ results

# ok DESCRIPTION
ok() {
	N=$((N + 1))
	PASSED=$((PASSED + 1))
	echo "ok $N - $1"
}

# not_ok DESCRIPTION [REASON...]: each reason line is printed as a comment.
not_ok() {
	local d=$1 line
	shift
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $d"
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# skip DESCRIPTION REASON: counted as passed, marked as a TAP skip.
skip() {
	N=$((N + 1))
	PASSED=$((PASSED + 1))
	echo "ok $N - $1 # SKIP $2"
}

# The last response, for failure messages.
_last() {
	local b=$BODY
	[ ${#b} -gt 600 ] && b="${b:0:600}... (${#BODY} bytes)"
	printf 'request: %s\nstatus: %s\nbody: %s' "$LAST_REQ" "$STATUS" "$b"
}

# is GOT EXPECTED DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "expected: $2" "got:      $1"
	fi
}

# check DESCRIPTION CMD...: passes when CMD succeeds.
check() {
	local d=$1
	shift
	if "$@"; then
		ok "$d"
	else
		not_ok "$d" "command failed: $*"
	fi
}

# expect_status CODE [DESCRIPTION]: CODE may be an alternation, "301|308".
expect_status() {
	local want=$1 d=${2:-"$REQ -> $1"}
	if [[ $STATUS =~ ^($want)$ ]]; then
		ok "$d"
	else
		not_ok "$d" "expected status $want, got $STATUS" "$(_last)"
	fi
}

# jq on the last body; prints "<not JSON>" when it is not JSON.
jb() {
	jq -rc "$@" <<<"$BODY" 2>/dev/null || echo "<not JSON>"
}

# expect_json JQ_FILTER EXPECTED [DESCRIPTION]: jq -rc output must equal EXPECTED.
expect_json() {
	local f=$1 want=$2 d=${3:-"$REQ: $1 == $2"} got
	got=$(jq -rc "$f" <<<"$BODY" 2>/dev/null) || got="<not JSON or bad filter>"
	if [ "$got" = "$want" ]; then
		ok "$d"
	else
		not_ok "$d" "filter:   $f" "expected: $want" "got:      $got" "$(_last)"
	fi
}

# header NAME: value of a header of the last response ("" when absent).
header() {
	grep -i "^$1:" "$HEADERS" 2>/dev/null | tail -n 1 | cut -d: -f2- | sed 's/^[[:space:]]*//; s/\r$//'
}

# expect_header NAME REGEX [DESCRIPTION] (extended regex on the value).
expect_header() {
	local name=$1 re=$2 d=${3:-"$REQ: header $1 ~ /$2/"} v
	if ! grep -qi "^$name:" "$HEADERS" 2>/dev/null; then
		not_ok "$d" "header $name is missing" "headers: $(tr -d '\r' <"$HEADERS" 2>/dev/null)"
		return
	fi
	v=$(header "$name")
	if printf '%s' "$v" | grep -Eq -- "$re"; then
		ok "$d"
	else
		not_ok "$d" "expected $name to match /$re/" "got: $v"
	fi
}

# expect_time_under SECONDS [DESCRIPTION]: the last request took less.
expect_time_under() {
	local d=${2:-"$REQ answered in under $1 s"}
	if awk -v t="$TIME" -v m="$1" 'BEGIN { exit !(t + 0 < m + 0) }'; then
		ok "$d (${TIME} s)"
	else
		not_ok "$d" "took $TIME s" "$(_last)"
	fi
}

# expect_detail_string [DESCRIPTION]: an error body {"detail": "..."}.
expect_detail_string() {
	expect_json '.detail | type' string "${1:-"$REQ: JSON body with a detail string"}"
}

# expect_loc LOC_JSON [TYPE] [DESCRIPTION]: a 422 detail entry at loc (and of type).
expect_loc() {
	local loc=$1 type=${2:-} d
	if [ -n "$type" ]; then
		d=${3:-"$REQ: 422 at $loc ($type)"}
		expect_json "[.detail[]? | select(.loc == $loc and .type == \"$type\")] | length" 1 "$d"
	else
		d=${3:-"$REQ: 422 at $loc"}
		expect_json "[.detail[]? | select(.loc == $loc)] | length" 1 "$d"
	fi
}

# finish: print the counts of this file and exit with its status.
finish() {
	echo "# $TEST_NAME: $PASSED passed, $FAILED failed"
	if [ -n "${HEARTH_IT_COUNTS:-}" ]; then
		echo "$PASSED $FAILED" >"$HEARTH_IT_COUNTS"
	fi
	[ "$FAILED" -eq 0 ]
	exit
}

# ------------------------------------------------------------ HTTP

# api METHOD PATH [BODY] [extra curl args...]
# PATH is relative to $URL unless it starts with http.  An empty BODY sends
# none.  Never fails; look at STATUS ("000" when no answer came).
api() {
	local method=$1 path=$2 body=${3-} url key out
	shift 2
	[ $# -gt 0 ] && shift
	case $path in
	http*) url=$path ;;
	*) url=$URL$path ;;
	esac
	key=${KEY-$ADMIN}
	local args=(-sk --max-time "${CURL_MAX_TIME:-20}" -D "$HEADERS" -w '%{http_code} %{time_total}')
	if [ "$method" = HEAD ]; then
		# curl writes the headers of a HEAD as its output: keep them out of BODY.
		args+=(--head -o /dev/null)
	else
		args+=(-X "$method" -o "$T/body")
	fi
	[ -n "$key" ] && args+=(-H "X-API-Key: $key")
	if [ -n "${BODY_FILE:-}" ]; then
		args+=(-H "Content-Type: ${CT:-application/json}" --data-binary "@$BODY_FILE")
	elif [ -n "$body" ]; then
		printf '%s' "$body" >"$T/request"
		args+=(-H "Content-Type: ${CT:-application/json}" --data-binary "@$T/request")
	fi
	: >"$HEADERS"
	rm -f "$T/body"
	out=$(curl "${args[@]}" "$@" "$url" 2>/dev/null) || true
	STATUS=${out%% *}
	TIME=${out##* }
	[ -n "$STATUS" ] || STATUS=000
	BODY=$(cat "$T/body" 2>/dev/null)
	REQ="$method ${path%%\?*}"
	LAST_REQ="$method $path"
	[ -n "$body" ] && LAST_REQ="$LAST_REQ ${body:0:200}"
	[ -n "$key" ] || LAST_REQ="$LAST_REQ (no X-API-Key)"
	return 0
}

# JSON helpers: j_room NAME [DESCRIPTION] -> {"name": ..., ...}
j_str() { jq -nc --arg v "$1" '$v'; }
j_room() {
	if [ $# -ge 2 ]; then
		jq -nc --arg n "$1" --arg d "$2" '{name: $n, description: $d}'
	else
		jq -nc --arg n "$1" '{name: $n}'
	fi
}

# create_room NAME: sets ROOM_ID (empty on failure); STATUS/BODY as api.
ROOM_ID=
create_room() {
	ROOM_ID=
	api POST /api/v1/rooms "$(j_room "$1")"
	[ "$STATUS" = 201 ] && ROOM_ID=$(jb .id)
	[ -n "$ROOM_ID" ]
}

# create_sensor JSON: sets SENSOR_ID (empty on failure).
SENSOR_ID=
create_sensor() {
	SENSOR_ID=
	api POST /api/v1/sensors "$1"
	[ "$STATUS" = 201 ] && SENSOR_ID=$(jb .id)
	[ -n "$SENSOR_ID" ]
}

# create_camera NAME: POST /cameras; sets CAM (empty on failure).
CAM=
create_camera() {
	CAM=
	api POST /api/v1/cameras "$(jq -nc --arg n "$1" '{name: $n}')"
	[ "$STATUS" = 201 ] && CAM=$(jb .id)
	[ -n "$CAM" ]
}

# create_key NAME ROLE: sets NEW_KEY (the key text) and KEY_ID, as admin.
NEW_KEY=
KEY_ID=
create_key() {
	NEW_KEY=
	KEY_ID=
	KEY=$ADMIN api POST /api/v1/api-keys "$(jq -nc --arg n "$1" --arg r "$2" '{name: $n, role: $r}')"
	if [ "$STATUS" = 201 ]; then
		KEY_ID=$(jb .id)
		NEW_KEY=$(jb .key)
	fi
	[ -n "$NEW_KEY" ]
}

# bulk_rooms PREFIX COUNT: create rooms PREFIX-0001.. over one connection
# (a curl config with `next`), printing each status on its own line.
bulk_rooms() {
	local prefix=$1 count=$2 i cfg=$T/bulk.cfg
	: >"$cfg"
	for ((i = 1; i <= count; i++)); do
		[ "$i" -gt 1 ] && echo next >>"$cfg"
		printf 'url = "%s/api/v1/rooms"\nrequest = "POST"\nheader = "X-API-Key: %s"\nheader = "Content-Type: application/json"\ndata-binary = "{\\"name\\": \\"%s-%04d\\"}"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\ninsecure\nsilent\n' \
			"$URL" "$ADMIN" "$prefix" "$i" >>"$cfg"
	done
	curl -K "$cfg" 2>/dev/null
}

# bulk_delete PATH_PREFIX ID...: DELETE PATH_PREFIX/ID for each id over one
# connection, printing each status on its own line.
bulk_delete() {
	local prefix=$1 id first=1 cfg=$T/bulkdel.cfg
	shift
	: >"$cfg"
	for id in "$@"; do
		[ -n "$first" ] || echo next >>"$cfg"
		first=
		printf 'url = "%s%s/%s"\nrequest = "DELETE"\nheader = "X-API-Key: %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\ninsecure\nsilent\n' \
			"$URL" "$prefix" "$id" "$ADMIN" >>"$cfg"
	done
	[ -n "$first" ] || curl -K "$cfg" 2>/dev/null
}

# key_prefix KEY: the 8 hex digits after "hk_".
key_prefix() {
	local k=$1
	k=${k#hk_}
	echo "${k%%_*}"
}

# key_id_of KEY: the id of a key, looked up by prefix through the API.
key_id_of() {
	local p
	p=$(key_prefix "$1")
	KEY=$ADMIN api GET "/api/v1/api-keys?limit=1000"
	jb --arg p "$p" '.items[]? | select(.prefix == $p) | .id'
}

# ------------------------------------------------------------ the stack

# sql "STATEMENT": run SQL as root on the hearth database; rows tab-separated.
sql() {
	mariadb --no-defaults --socket="$HEARTH_STACK_DIR/run/mysqld.sock" -u root -N -B hearth -e "$1"
}

# hearthctl ARGS...: the CLI of the build under test, on the stack's config.
hearthctl() {
	"$HEARTH_BUILD_DIR/cli/hearthctl" -c "$HEARTH_CONFIG" "$@"
}

# devstack start|stop COMPONENT
devstack() {
	"$DEVSTACK" "$@"
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s; 0 once it succeeds, 1 on timeout.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# sql_is "STATEMENT" EXPECTED: for wait_until, which runs it again each poll.
sql_is() {
	[ "$(sql "$1")" = "$2" ]
}

master_pid() {
	cat "$HEARTH_STACK_DIR/run/hearth-api.pid" 2>/dev/null
}

# api_pids: the worker pids, one per line, sorted.
api_pids() {
	local m
	m=$(master_pid)
	[ -n "$m" ] || return 1
	pgrep -P "$m" | sort -n
}

# worker_count: how many workers the master has now.
worker_count() {
	api_pids | grep -c .
}

# pid_alive PID: running and not a zombie.
pid_alive() {
	local st
	[ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# status_is CODE METHOD PATH [BODY] [curl args...]: for wait_until.
status_is() {
	local want=$1
	shift
	api "$@"
	[ "$STATUS" = "$want" ]
}

# config_get SECTION KEY: a value from $HEARTH_CONFIG ("" when absent).
config_get() {
	awk -v s="$1" -v k="$2" '
		/^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); sec = $0; next }
		sec == s {
			line = $0; sub(/[;#].*/, "", line)
			if (split(line, kv, "=") >= 2) {
				key = kv[1]; gsub(/[[:space:]]/, "", key)
				if (key == k) { v = substr(line, index(line, "=") + 1); gsub(/^[[:space:]]+|[[:space:]]+$/, "", v); val = v }
			}
		}
		END { print val }' "$HEARTH_CONFIG"
}

# config_set SECTION KEY VALUE [FILE]: set (or add) a key in FILE
# ($HEARTH_CONFIG by default) in place.
config_set() {
	local file=${4:-$HEARTH_CONFIG}
	awk -v s="$1" -v k="$2" -v v="$3" '
		function emit() { print k " = " v; done = 1 }
		/^[[:space:]]*\[/ {
			if (insec && !done) emit()
			h = $0; gsub(/[][[:space:]]/, "", h); insec = (h == s)
			print; next
		}
		insec {
			line = $0; sub(/[;#].*/, "", line)
			if (split(line, kv, "=") >= 2) { key = kv[1]; gsub(/[[:space:]]/, "", key)
				if (key == k) { if (!done) emit(); next } }
		}
		{ print }
		END { if (!done) { if (!insec) print "[" s "]"; emit() } }' "$file" >"$T/conf.new" &&
		cat "$T/conf.new" >"$file"
}

# load_start NAME [PATH]: a background loop of GETs with the admin key until
# load_stop NAME; each answer is a line "STATUS" in $T/load.NAME.
load_start() {
	local name=$1 path=${2:-/api/v1/rooms?limit=5}
	: >"$T/load.$name"
	rm -f "$T/load.$name.stop"
	(
		while [ -d "$T" ] && [ ! -e "$T/load.$name.stop" ]; do
			curl -sk --max-time 10 -o /dev/null -w '%{http_code}\n' \
				-H "X-API-Key: $ADMIN" "$URL$path" >>"$T/load.$name" 2>/dev/null
		done
	) &
	_LOAD_PIDS+=("$!")
	eval "LOAD_PID_$name=$!"
}

load_stop() {
	local name=$1 pidvar="LOAD_PID_$1"
	touch "$T/load.$name.stop"
	[ -n "${!pidvar:-}" ] && wait "${!pidvar}" 2>/dev/null
	return 0
}

# load_count NAME: lines "total non200".
load_count() {
	awk '{ n++ } $1 != 200 { bad++ } END { print n + 0, bad + 0 }' "$T/load.$1"
}

# ------------------------------------------------------------ fixtures
#
# Shared by the test files; a file that needs another shape of rule
# defines its own rule() after sourcing this one.

# A time as the API writes it: ISO 8601, UTC, whole seconds.
ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# q "STATEMENT": the first row sql prints.
q() { sql "$1" | head -n1; }

# ids: the ids of the last list reply's items, comma-separated.
ids() { jb '[.items[].id] | map(tostring) | join(",")'; }

# rule NAME [JQ_EXPR]: a rule body {"name": "$P-NAME"} + the expression's fields.
rule() { jq -nc --arg n "$P-$1" "{name: \$n} + (${2:-"{}"})"; }

# create_rule NAME [JQ_EXPR]: POST $(rule ...); sets RULE_ID (empty on failure).
RULE_ID=
create_rule() {
	RULE_ID=
	api POST /api/v1/rules "$(rule "$@")"
	[ "$STATUS" = 201 ] && RULE_ID=$(jb .id)
	[ -n "$RULE_ID" ]
}

# add_step RULE JSON: sets STEP_ID (empty on failure).
STEP_ID=
add_step() {
	STEP_ID=
	api POST "/api/v1/rules/$1/steps" "$2"
	[ "$STATUS" = 201 ] && STEP_ID=$(jb .id)
	[ -n "$STEP_ID" ]
}

# run_status EXECUTION: a run's status as stored.
run_status() { q "SELECT status FROM workflow_executions WHERE id = $1"; }

# run_done EXECUTION: the run has ended (completed, failed or cancelled).
run_done() {
	case "$(run_status "$1")" in
	completed | failed | cancelled) return 0 ;;
	esac
	return 1
}

# ------------------------------------------------------------ the outside world

# fake_start: start tests/tools/fake_http.py (a webhook receiver, Telegram
# and Home Assistant in one) on a free loopback port for this file; sets
# FAKE_URL.  fake_requests PREFIX prints the requests it got under PREFIX
# as a JSON array; fake_fail PREFIX TIMES [STATUS] makes the next TIMES
# requests there fail (-1: all); fake_reset forgets both.
FAKE_URL=
fake_start() {
	local out=$T/fake_http.out i
	python3 "$HEARTH_SRC_DIR/tests/tools/fake_http.py" 0 >"$out" 2>&1 &
	_LOAD_PIDS+=("$!")
	for i in $(seq 50); do
		FAKE_URL=$(sed -n 's/^fake_http: listening on \(.*\)$/http:\/\/\1/p' "$out")
		[ -n "$FAKE_URL" ] && return 0
		sleep 0.1
	done
	echo "# fake_http did not start: $(cat "$out")"
	return 1
}
fake_requests() { curl -s --max-time 5 "$FAKE_URL/_requests?prefix=$1"; }
fake_count() { fake_requests "$1" | jq length; }
fake_fail() {
	curl -s --max-time 5 -o /dev/null -X POST "$FAKE_URL/_control/fail" \
		-d "$(jq -nc --arg p "$1" --argjson t "$2" --argjson s "${3:-500}" '{prefix: $p, times: $t, status: $s}')"
}
fake_reset() { curl -s --max-time 5 -o /dev/null -X POST "$FAKE_URL/_control/reset"; }

# free_port: a loopback TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# restart_api_tick: the api pool, hearth-tick and hearth-ha-bridge again, so
# that they read $HEARTH_CONFIG anew (a running tick keeps its settings until its minute
# ends); 0 once the API answers.
restart_api_tick() {
	devstack stop bridge >/dev/null 2>&1
	devstack stop tick >/dev/null 2>&1
	devstack stop api >/dev/null 2>&1
	devstack start api >/dev/null 2>&1 && devstack start tick >/dev/null 2>&1 &&
		devstack start bridge >/dev/null 2>&1 &&
		wait_until 20 status_is 200 GET /health
}

# config_keep: $HEARTH_CONFIG is put back, and the api and tick restarted
# on it, when the test file ends, whatever the file changes meanwhile.
config_keep() {
	cp -p "$HEARTH_CONFIG" "$T/hearth.conf.kept"
	on_exit 'cat "$T/hearth.conf.kept" >"$HEARTH_CONFIG"; restart_api_tick'
}

# outbound_to_fake: point the stack's outbound settings at the fake server
# (loopback allowed, Telegram's API and Home Assistant there) and restart
# the api pool and hearth-tick so they read it; config_keep restores both
# when the test file ends.
outbound_to_fake() {
	config_keep
	config_set outbound allow_loopback true
	config_set telegram bot_token 123456:test-token
	config_set telegram api_base "$FAKE_URL"
	config_set telegram chat_id 1000
	config_set telegram chat_id_emergency 1001
	config_set homeassistant url "$FAKE_URL"
	config_set homeassistant token test-ha-token
	config_set homeassistant media_player media_player.kitchen
	config_set homeassistant tts_entity tts.piper
	# A delivery whose worker dies is taken up again this soon (the lease
	# must outlast the longest outbound timeout).
	config_set outbound timeout_seconds 3
	config_set telegram timeout_seconds 3
	config_set homeassistant timeout_seconds 3
	config_set delivery lease_seconds 5
	restart_api_tick
}

# ha_start: start tests/tools/fake_ha.py (a stand-in Home Assistant over the
# house in tests/tools/fake_ha_house.json, REST and WebSocket; see its
# docstring) on a free loopback port for this file; sets HA_URL, HA_PORT and
# HA_TOKEN.  It keeps its states in $T/fake_ha.state, so ha_restart (kill, start
# again on the same port) simulates Home Assistant restarting.  ha_get PATH and
# ha_post PATH [JSON] talk to it without the token (its /_test/ controls:
# ha_post /_test/state '{"entity_id": ..., "state": ...}', ha_get /_test/calls,
# ha_post /_test/fail '{"ws_command": ..., "times": 1}', ha_post /_test/drop ...);
# ha_api METHOD PATH [JSON] with the token.  Needs Debian's python3-aiohttp.
HA_URL=
HA_PORT=
HA_PID=
HA_TOKEN=test-ha-token
_ha_run() {
	local out=$T/fake_ha.out i
	: >"$out"
	/usr/bin/python3 "$HEARTH_SRC_DIR/tests/tools/fake_ha.py" "$1" --token "$HA_TOKEN" \
		--state "$T/fake_ha.state" >"$out" 2>&1 &
	HA_PID=$!
	_LOAD_PIDS+=("$HA_PID")
	for i in $(seq 100); do
		HA_PORT=$(sed -n 's/^fake_ha: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
		if [ -n "$HA_PORT" ]; then
			HA_URL=http://127.0.0.1:$HA_PORT
			return 0
		fi
		sleep 0.1
	done
	echo "# fake_ha did not start: $(cat "$out")"
	return 1
}
ha_start() { _ha_run 0; }
ha_stop() {
	[ -n "$HA_PID" ] || return 0
	kill "$HA_PID" 2>/dev/null
	wait "$HA_PID" 2>/dev/null
	HA_PID=
}
ha_restart() {
	local port=$HA_PORT
	ha_stop
	_ha_run "$port"
}
ha_get() { curl -s --max-time 5 "$HA_URL$1"; }
ha_post() {
	local body=${2:-'{}'}
	curl -s --max-time 5 -X POST -H 'Content-Type: application/json' -d "$body" "$HA_URL$1"
}
ha_api() {
	curl -s --max-time 5 -X "$1" -H "Authorization: Bearer $HA_TOKEN" \
		-H 'Content-Type: application/json' ${3:+-d "$3"} "$HA_URL$2"
}

# outbound_to_ha: point [homeassistant] at the stand-in started by ha_start
# (loopback allowed) and restart the api pool and hearth-tick; config_keep
# restores the configuration when the test file ends.
outbound_to_ha() {
	config_keep
	config_set outbound allow_loopback true
	config_set homeassistant url "$HA_URL"
	config_set homeassistant token "$HA_TOKEN"
	config_set homeassistant timeout_seconds 3
	restart_api_tick
}

# hex of a string's bytes, uppercase (as SQL HEX() prints it).
hex_of() {
	printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F
}

# A sanity check before anything else: is the stack answering at all?
if ! curl -sk --max-time 10 -o /dev/null "$URL/health"; then
	echo "# $TEST_NAME: the stack at $URL does not answer /health" >&2
fi

# ------------------------------------------------------------ people

# as JAR METHOD PATH [BODY] [curl args...]: a request the way the dashboard
# makes it: no key, the session cookie from the cookie jar JAR (updated
# from the reply), an Origin of this site and the X-Hearth-Request header.
as() {
	local jar=$1 method=$2 path=$3 body=${4-}
	shift 3
	[ $# -gt 0 ] && shift
	KEY= api "$method" "$path" "$body" -b "$jar" -c "$jar" -H "Origin: $URL" \
		-H "X-Hearth-Request: 1" "$@"
}

# login JAR USERNAME PASSWORD: sign in, the cookie into JAR.
login() {
	rm -f "$1"
	as "$1" POST /api/v1/auth/login "$(jq -nc --arg u "$2" --arg p "$3" \
		'{username: $u, password: $p}')"
}

# session_token JAR: the hearth_session cookie's value in JAR ("" when none).
session_token() {
	awk '$6 == "hearth_session" { print $7 }' "$1" 2>/dev/null | tail -n 1
}

# create_user NAME ROLE PASSWORD: with the admin key; USER_ID set on 201.
create_user() {
	USER_ID=
	KEY=$ADMIN api POST /api/v1/users "$(jq -nc --arg u "$1" --arg r "$2" --arg p "$3" \
		'{username: $u, role: $r, password: $p}')"
	[ "$STATUS" = 201 ] && USER_ID=$(jb .id)
}
