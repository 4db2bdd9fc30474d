#!/bin/bash
# Real-time streams: nginx (nchan) serves /api/v1/stream/{channel} to
# EventSource and WebSocket clients after asking the API (the same keys and
# roles as any GET); workers publish over a unix socket that neither an
# outside client nor another local user reaches.  A real SSE client (curl -N) and a real WebSocket client
# (tests/tools/ws_client.py) each receive messages caused by API calls;
# refusals, unknown channels, Last-Event-ID resumption, and an API that
# cannot publish (its publisher socket absent or silent) still answering.
. "$(dirname "$0")/lib.sh"

P="streams-$RUN_ID"
WS_CLIENT=${HEARTH_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/ws_client.py
WSS=wss://${URL#https://}
API_LOG=$HEARTH_STACK_DIR/log/hearth-api.log

on_exit "sql \"DELETE FROM workflow_executions WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM event_logs WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\""

# ---------------------------------------------------------------- clients

# sse_open NAME PATH [curl args...]: an EventSource-style subscriber in the
# background (curl -N over HTTP/1.1 unless the args say otherwise); the
# stream goes to $T/sse.NAME, the response head to $T/sse.NAME.head.
# Returns once the head has arrived (0 when it is a 200 event stream).
sse_open() {
	local name=$1 path=$2
	shift 2
	: >"$T/sse.$name"
	: >"$T/sse.$name.head"
	curl -skN --http1.1 --max-time "${SSE_MAX_TIME:-60}" -D "$T/sse.$name.head" \
		-H 'Accept: text/event-stream' "$@" "$URL$path" >"$T/sse.$name" 2>/dev/null &
	eval "SSE_PID_$name=$!"
	on_exit "kill $! 2>/dev/null || true"
	wait_until 10 grep -q '^HTTP/' "$T/sse.$name.head" || return 1
	# The head is sent once the subscriber is in the channel; a moment more
	# covers a channel kept by another nginx worker.
	sleep 0.3
	sse_status "$name" | grep -q '^200$' && grep -qi '^content-type: text/event-stream' "$T/sse.$name.head"
}
sse_status() { sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$T/sse.$1.head"; }
sse_close() {
	local pidvar="SSE_PID_$1"
	kill "${!pidvar}" 2>/dev/null
	wait "${!pidvar}" 2>/dev/null
	return 0
}
# sse_messages NAME: the JSON of each data: line, one per line.
sse_messages() { sed -n 's/^data: //p' "$T/sse.$1"; }
# sse_ids NAME: the id: line of each event.
sse_ids() { sed -n 's/^id: //p' "$T/sse.$1"; }
# sse_has NAME JQ_SELECT: a message for which JQ_SELECT is true arrived.
sse_has() { sse_messages "$1" | jq -s -e "any(.[]; $2)" >/dev/null 2>&1; }

# ws_open NAME CHANNEL_PATH COUNT [ws_client args...]: a WebSocket
# subscriber waiting for COUNT messages; stdout in $T/ws.NAME, stderr in
# $T/ws.NAME.err.  Returns once the upgrade was accepted (or refused).
ws_open() {
	local name=$1 path=$2 count=$3
	shift 3
	rm -f "$T/ws.$name.ready"
	: >"$T/ws.$name"
	python3 "$WS_CLIENT" -k -n "$count" -t "${WS_MAX_TIME:-30}" --ready "$T/ws.$name.ready" \
		"$@" "$WSS$path" >"$T/ws.$name" 2>"$T/ws.$name.err" &
	eval "WS_PID_$name=$!"
	on_exit "kill $! 2>/dev/null || true"
	wait_until 10 ws_settled "$name"
	sleep 0.3
	[ -e "$T/ws.$name.ready" ]
}
ws_settled() { [ -e "$T/ws.$1.ready" ] || ! kill -0 "$(ws_pid "$1")" 2>/dev/null; }
ws_pid() { local v="WS_PID_$1"; echo "${!v}"; }
# ws_wait NAME: wait for the client to end; its exit status.
ws_wait() {
	local rc
	wait "$(ws_pid "$1")" 2>/dev/null
	rc=$?
	return $rc
}
ws_has() { jq -s -e "any(.[]; $2)" <"$T/ws.$1" >/dev/null 2>&1; }
# ws_refusal NAME: the HTTP status of a refused handshake.
ws_refusal() { sed -n 's/^status: //p' "$T/ws.$1.err"; }

# wait_for_sse NAME JQ_SELECT [SECONDS]
wait_for_sse() { wait_until "${3:-10}" sse_has "$1" "$2"; }

# ---------------------------------------------------------------- setup

rule() { jq -nc --arg n "$P-$1" '{name: $n, trigger_type: "manual"}'; }
api POST /api/v1/rules "$(rule manual)"
RULE=$(jb .id)
# A true condition that counts: the run completes at once.
api POST "/api/v1/rules/$RULE/steps" \
	'{"step_type": "condition", "config_json": {"expression": "1 < 2", "trigger_cooloff": true}}'
create_sensor "$(jq -nc --arg n "$P-button" '{name: $n, sensor_type: "button"}')"
BUTTON=$SENSOR_ID
on_exit "KEY=\$ADMIN api DELETE /api/v1/sensors/$BUTTON"
create_key "$P-care" caregiver
CARE=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
create_key "$P-device" device
DEV=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
if [ -n "$RULE" ] && [ "$RULE" != null ] && [ -n "$BUTTON" ] && [ -n "$CARE" ] && [ -n "$DEV" ]; then
	ok "setup: a manual rule, a button, a caregiver key and a device key"
else
	not_ok "setup: a manual rule, a button, a caregiver key and a device key" "$(_last)"
	finish
fi

# execute: POST /rules/{id}/execute; sets X (the execution id).
execute() {
	X=
	api POST "/api/v1/rules/$RULE/execute" '{}'
	[ "$STATUS" = 202 ] && X=$(jb .execution_id)
	[ -n "$X" ]
}

# ---------------------------------------------------------------- SSE and WebSocket, workflows

if sse_open wf /api/v1/stream/workflows -H "X-API-Key: $ADMIN"; then
	ok "SSE (curl -N, HTTP/1.1): GET /stream/workflows is a 200 text/event-stream"
else
	not_ok "SSE (curl -N, HTTP/1.1): GET /stream/workflows is a 200 text/event-stream" \
		"head: $(tr -d '\r' <"$T/sse.wf.head")" "body: $(head -c 300 "$T/sse.wf")"
fi
if ws_open wf /api/v1/stream/workflows 2 -H "X-API-Key: $ADMIN"; then
	ok "WebSocket: the upgrade to /stream/workflows is accepted (101)"
else
	not_ok "WebSocket: the upgrade to /stream/workflows is accepted (101)" "$(cat "$T/ws.wf.err")"
fi

execute
expect_status 202 "POST /rules/{id}/execute: 202 (the cause)"
if wait_for_sse wf ".type == \"workflow.completed\" and .data.id == $X"; then
	ok "SSE subscriber: workflow.completed for run $X"
else
	not_ok "SSE subscriber: workflow.completed for run $X" "stream: $(cat "$T/sse.wf")"
fi
check "SSE subscriber: workflow.started for run $X came first" \
	bash -c "sed -n 's/^data: //p' '$T/sse.wf' | jq -s -e '[.[] | select(.data.id == $X) | .type] == [\"workflow.started\", \"workflow.completed\"]' >/dev/null"
check "SSE: each message has an id: line (for Last-Event-ID)" \
	test "$(sse_ids wf | grep -c .)" -eq "$(sse_messages wf | grep -c .)"
msg=$(sse_messages wf | jq -c "select(.type == \"workflow.completed\" and .data.id == $X)" | head -n1)
is "$(jq -c '[.channel, (.at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")), (.data | keys)]' <<<"$msg" 2>/dev/null)" \
	'["workflows",true,["error","id","rule_id","rule_name","status"]]' \
	"the message is {type, channel, at (ISO Z), data {id, rule_id, rule_name, status, error}}"
is "$(jq -c '[.data.rule_id, .data.rule_name, .data.status, .data.error]' <<<"$msg" 2>/dev/null)" \
	"[$RULE,\"$P-manual\",\"completed\",null]" "its data names the rule and the status"

if ws_wait wf; then
	ok "WebSocket subscriber: got 2 messages and ended"
else
	not_ok "WebSocket subscriber: got 2 messages and ended" "$(cat "$T/ws.wf.err")" "$(cat "$T/ws.wf")"
fi
check "WebSocket subscriber: workflow.started then workflow.completed for run $X" \
	bash -c "jq -s -e '[.[] | select(.data.id == $X) | .type] == [\"workflow.started\", \"workflow.completed\"]' <'$T/ws.wf' >/dev/null"

# A new subscriber starts at the next message: nothing old is replayed.
sse_open fresh /api/v1/stream/workflows -H "X-API-Key: $ADMIN"
sleep 0.5
is "$(sse_messages fresh | grep -c .)" 0 "a new subscriber gets no old messages"
sse_close fresh

# ---------------------------------------------------------------- events: ?api_key=, a caregiver, a device's event

if sse_open ev "/api/v1/stream/events?api_key=$CARE"; then
	ok "SSE with ?api_key= (what a browser's EventSource sends), caregiver: 200"
else
	not_ok "SSE with ?api_key= (what a browser's EventSource sends), caregiver: 200" \
		"head: $(tr -d '\r' <"$T/sse.ev.head")"
fi
ws_open ev /api/v1/stream/events 1 -H "X-API-Key: $CARE"
KEY=$DEV api POST "/api/v1/sensors/$BUTTON/events" '{"event_type": "press", "attributes": {"n": 1}}'
expect_status 202 "a device posts a button press: 202 (the cause)"
EVENT=$(jb .event_id)
if wait_for_sse ev ".type == \"event.created\" and .data.event_id == $EVENT"; then
	ok "SSE subscriber (?api_key=): event.created for event $EVENT"
else
	not_ok "SSE subscriber (?api_key=): event.created for event $EVENT" "stream: $(cat "$T/sse.ev")"
fi
if ws_wait ev && ws_has ev ".type == \"event.created\" and .data.event_id == $EVENT"; then
	ok "WebSocket subscriber: event.created for event $EVENT"
else
	not_ok "WebSocket subscriber: event.created for event $EVENT" "$(cat "$T/ws.ev.err")" "$(cat "$T/ws.ev")"
fi
msg=$(sse_messages ev | jq -c "select(.data.event_id == $EVENT)" | head -n1)
is "$(jq -c '[.channel, .data.sensor_id, .data.sensor_name, .data.event_type, .data.attributes.n]' <<<"$msg" 2>/dev/null)" \
	"[\"events\",$BUTTON,\"$P-button\",\"press\",1]" "event.created names the sensor, the type and the attributes"
sse_close ev

# ---------------------------------------------------------------- refusals

SSE_MAX_TIME=5 sse_open nokey /api/v1/stream/events
is "$(sse_status nokey)" 401 "SSE without a key: 401"
check "SSE without a key: the answer is a JSON detail, not a stream" \
	bash -c "jq -e '.detail | type == \"string\"' <'$T/sse.nokey' >/dev/null && ! grep -qi '^content-type: text/event-stream' '$T/sse.nokey.head'"
# An endless stream would keep curl until --max-time; a refusal ends at once.
t0=$SECONDS
wait "$SSE_PID_nokey" 2>/dev/null
check "SSE without a key: the connection is not held open" test $((SECONDS - t0)) -lt 3

ws_open nokey /api/v1/stream/events 1
ws_wait nokey
rc=$?
is "$rc/$(ws_refusal nokey)" "2/401" "WebSocket without a key: the upgrade is refused with 401"

SSE_MAX_TIME=5 sse_open badkey "/api/v1/stream/events?api_key=hk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
is "$(sse_status badkey)" 401 "SSE with an unknown ?api_key=: 401"

SSE_MAX_TIME=5 sse_open device /api/v1/stream/events -H "X-API-Key: $DEV"
is "$(sse_status device)" 403 "SSE with a device key (its role may not read): 403"
ws_open device /api/v1/stream/alerts 1 -H "X-API-Key: $DEV"
ws_wait device
rc=$?
is "$rc/$(ws_refusal device)" "2/403" "WebSocket with a device key: refused with 403"

SSE_MAX_TIME=5 sse_open unknown /api/v1/stream/nosuch -H "X-API-Key: $ADMIN"
is "$(sse_status unknown)" 404 "an unknown channel: 404"
ws_open unknown /api/v1/stream/nosuch 1 -H "X-API-Key: $ADMIN"
ws_wait unknown
is "$(ws_refusal unknown)" 404 "WebSocket to an unknown channel: 404"

# A WebSocket has no same-origin rule of its own: a page of another site
# must not subscribe with the user's credentials.
ws_open origin /api/v1/stream/events 1 -H "X-API-Key: $ADMIN" -H "Origin: https://evil.example"
ws_wait origin
is "$(ws_refusal origin)" 403 "WebSocket from another site's page (Origin): 403"
SSE_MAX_TIME=3 sse_open same /api/v1/stream/events -H "X-API-Key: $ADMIN" -H "Origin: ${URL%/}"
is "$(sse_status same)" 200 "SSE from the site's own page (Origin = the site): 200"
sse_close same

# ---------------------------------------------------------------- the publisher is Hearth's own

sse_open guard /api/v1/stream/system -H "X-API-Key: $ADMIN"
api POST /pub/system '{"type": "forged"}'
check "POST /pub/system through HTTPS is not published (status $STATUS)" \
	bash -c "[[ ! '$STATUS' =~ ^2 ]]"
if [ -n "$HTTP_URL" ]; then
	api POST "$HTTP_URL/pub/system" '{"type": "forged"}'
	expect_status '301|308' "POST /pub/system through plain HTTP only redirects"
fi
api POST "/api/v1/stream/system" '{"type": "forged"}'
check "POST to the stream location publishes nothing (status $STATUS)" bash -c "[[ ! '$STATUS' =~ ^2 ]]"
sleep 0.5
is "$(sse_messages guard | grep -c forged)" 0 "no forged message reached the subscriber"
sse_close guard
PUB_URL=$(config_get stream publish_url)
PUB_SOCKET=$(config_get stream publish_socket)
# nginx's own listening TCP ports: the HTTPS and HTTP ones, and no
# publisher among them.
NGINX_PID=$(head -n1 "$HEARTH_STACK_DIR/run/nginx.pid" 2>/dev/null)
nginx_tcp_ports() {
	local pids
	pids=$( { echo "$NGINX_PID"; pgrep -P "$NGINX_PID"; } | paste -sd'|')
	ss -Hltnp 2>/dev/null | grep -E "pid=($pids)," | awk '{ print $4 }' |
		sed 's/.*://' | sort -un | paste -sd' '
}
WANT_PORTS=$( { echo "${URL##*:}"; [ -z "$HTTP_URL" ] || echo "${HTTP_URL##*:}"; } | sort -un | paste -sd' ')
if [ -n "$NGINX_PID" ] && command -v ss >/dev/null && [ -n "$(nginx_tcp_ports)" ]; then
	is "$(nginx_tcp_ports)" "$WANT_PORTS" "nginx listens on TCP for HTTPS and HTTP only: no publisher port"
else
	skip "nginx listens on TCP for HTTPS and HTTP only" "no ss, or no nginx pid in $HEARTH_STACK_DIR/run"
fi
if [ -n "$PUB_SOCKET" ] && [ -S "$PUB_SOCKET" ]; then
	ok "the publisher is a unix socket ($PUB_SOCKET)"
	dir_mode=$(stat -c %a "$(dirname "$PUB_SOCKET")")
	check "... in a directory others may not enter (mode $dir_mode)" \
		bash -c "[ \$(( 0$dir_mode & 01 )) -eq 0 ]"
	is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$PUB_SOCKET" "$PUB_URL/system")" 403 \
		"the publisher takes POST only (GET, which shows a channel's state: 403)"
	is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$PUB_SOCKET" -X DELETE "$PUB_URL/system")" 403 \
		"the publisher takes POST only (DELETE, which ends subscribers: 403)"
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		sse_open other /api/v1/stream/system -H "X-API-Key: $ADMIN"
		setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null --max-time 5 \
			--unix-socket "$PUB_SOCKET" -H 'Content-Type: application/json' \
			-d '{"type": "forged-by-nobody"}' "$PUB_URL/system" 2>/dev/null
		rc=$?
		check "another local user (nobody) cannot connect to the publisher (curl exit $rc)" \
			bash -c "[ $rc -ne 0 ]"
		sleep 0.5
		is "$(sse_messages other | grep -c forged-by-nobody)" 0 "... and published nothing"
		sse_close other
	else
		skip "another local user cannot connect to the publisher" "not root, or no setpriv"
	fi
else
	not_ok "the publisher is a unix socket" "publish_socket '$PUB_SOCKET'"
fi

# ---------------------------------------------------------------- Last-Event-ID

sse_open r1 /api/v1/stream/workflows -H "X-API-Key: $ADMIN"
execute
wait_for_sse r1 ".type == \"workflow.completed\" and .data.id == $X"
LAST=$(sse_ids r1 | tail -n1)
SEEN=$X
sse_close r1
# Missed while disconnected: a run's two messages.
execute
MISSED=$X
wait_until 10 bash -c "[ \"\$(curl -sk -H 'X-API-Key: $ADMIN' '$URL/api/v1/workflows/$MISSED' | jq -r .status)\" = completed ]"
SSE_MAX_TIME=4 sse_open r2 /api/v1/stream/workflows -H "X-API-Key: $ADMIN" -H "Last-Event-ID: $LAST"
wait_for_sse r2 ".type == \"workflow.completed\" and .data.id == $MISSED" 5
check "reconnect with Last-Event-ID: $LAST: the missed run's messages arrive" \
	bash -c "sed -n 's/^data: //p' '$T/sse.r2' | jq -s -e '[.[] | select(.data.id == $MISSED) | .type] == [\"workflow.started\", \"workflow.completed\"]' >/dev/null"
check "... and nothing it had seen before" \
	bash -c "sed -n 's/^data: //p' '$T/sse.r2' | jq -s -e 'all(.[]; .data.id != $SEEN)' >/dev/null"
sse_close r2
SSE_MAX_TIME=4 sse_open r3 "/api/v1/stream/workflows?api_key=$ADMIN&last_event_id=$LAST" --http2
if wait_for_sse r3 ".type == \"workflow.completed\" and .data.id == $MISSED" 5 &&
	sse_has r3 ".type == \"workflow.started\" and .data.id == $MISSED"; then
	ok "?last_event_id= over HTTP/2 (a browser's EventSource) resumes as well"
else
	not_ok "?last_event_id= over HTTP/2 (a browser's EventSource) resumes as well" \
		"head: $(tr -d '\r' <"$T/sse.r3.head")" "stream: $(cat "$T/sse.r3")"
fi
sse_close r3

# ---------------------------------------------------------------- publishing that fails

# The API is restarted with its publisher somewhere that fails: a closed
# port (nginx down), then a port that accepts and never answers (nginx
# hung).  Requests must answer as before and runs must go on.
run_is() { api GET "/api/v1/workflows/$1"; [ "$(jb .status)" = "$2" ]; }
config_keep

publishing_fails() {
	local what=$1 lines0
	lines0=$(wc -l <"$API_LOG" 2>/dev/null || echo 0)
	KEY=$DEV api POST "/api/v1/sensors/$BUTTON/events" '{"event_type": "press"}'
	expect_status 202 "$what: POST /sensors/{id}/events still 202"
	expect_time_under 0.5 "$what: ... and answers at once"
	execute
	expect_status 202 "$what: POST /rules/{id}/execute still 202"
	if wait_until 15 run_is "$X" completed; then
		ok "$what: the run still completes"
	else
		not_ok "$what: the run still completes" "$(_last)"
	fi
	check "$what: the failure is logged" \
		bash -c "tail -n +$((lines0 + 1)) '$API_LOG' | grep -q 'publish to '"
}

config_set stream publish_socket "$T/no-publisher.sock"
if restart_api_tick; then
	publishing_fails "publisher socket absent"
else
	not_ok "the API restarts with an absent publisher socket" "$(_last)"
fi

python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64)
print("ready", flush=True); time.sleep(300)' "$T/blackhole.sock" >"$T/blackhole.ready" &
on_exit "kill $! 2>/dev/null || true"
wait_until 5 test -s "$T/blackhole.ready"
config_set stream publish_socket "$T/blackhole.sock"
config_set stream publish_timeout_ms 300
if restart_api_tick; then
	publishing_fails "publisher silent (timeout)"
else
	not_ok "the API restarts with a silent publisher" "$(_last)"
fi

finish
