#!/bin/bash
# The scheduler (hearth-tick): cron rules fire once per instant, also with
# two ticks at once and across a tick killed mid-minute; missed instants
# older than the catch-up window are recorded, not fired (t_scheduler_trust
# has the catch-up policies, late runs, DST and slow runs); waiting runs
# resume on time; runs of a dead worker are failed (or re-run when they
# never started a step); next_fire_at is stored and kept by the API.
#
# The stack's own tick (./devstack's "tick" component, hearth-tick every
# minute) does the work in the first sections; where two ticks or a killed
# one are the point, it is stopped and hearth-tick is started by hand, each
# with a lock file of its own, as two hosts would run it.
. "$(dirname "$0")/lib.sh"

P="sched-$RUN_ID"
TICK=$HEARTH_BUILD_DIR/cron/hearth-tick
HOST=$(hostname)

# ---------------------------------------------------------------- helpers

# q SQL: one value.

# rule NAME SCHEDULE [WAIT_MINUTES]: a cron rule that never refuses on
# cool-off or the daily cap, with a wait step when WAIT_MINUTES is given;
# sets RULE (empty on failure).
RULE=
rule() {
	RULE=
	api POST /api/v1/rules "$(jq -nc --arg n "$P-$1" --arg s "$2" --argjson sensor "$SENSOR" \
		'{name: $n, trigger_type: "cron", schedule_cron: $s, primary_sensor_id: $sensor,
		  cool_off_minutes: 0, max_daily_triggers: 100000}')"
	[ "$STATUS" = 201 ] || return 1
	RULE=$(jb .id)
	if [ -n "${3:-}" ]; then
		api POST "/api/v1/rules/$RULE/steps" \
			"$(jq -nc --argjson m "$3" '{step_type: "wait", config_json: {minutes: $m}}')"
		[ "$STATUS" = 201 ] || return 1
	fi
}

# due RULE SECONDS_AGO: make the rule due now (its next instant that long ago).
due() { sql "UPDATE rules SET next_fire_at = NOW(3) - INTERVAL $2 SECOND WHERE id = $1"; }

fires() { q "SELECT COUNT(*) FROM rule_fires WHERE rule_id = $1 AND outcome = '${2:-fired}'"; }
runs() { q "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $1"; }
has_fired() { [ "$(fires "$1")" -ge "${2:-1}" ]; }
status_final() { case "$(run_status "$1")" in completed|failed|cancelled) return 0;; esac; return 1; }
status_is_now() { [ "$(run_status "$1")" = "$2" ]; }

# A pid that no longer exists.
dead_pid() {
	local p
	sleep 0 &
	p=$!
	wait "$p"
	while kill -0 "$p" 2>/dev/null; do p=$((p + 7)); done
	echo "$p"
}

# tick_bg LOCK: a looping hearth-tick with its own lock; sets TICK_PID.
TICK_PID=
tick_bg() {
	HEARTH_ENGINE_TICK_LOCK=$1 "$TICK" -c "$HEARTH_CONFIG" >>"$T/tick.log" 2>&1 &
	TICK_PID=$!
}

stack_tick_stopped=
stop_stack_tick() {
	[ -n "$stack_tick_stopped" ] && return 0
	devstack stop tick >/dev/null 2>&1
	stack_tick_stopped=1
	on_exit 'devstack start tick >/dev/null 2>&1'
}

# ---------------------------------------------------------------- setup
create_sensor "$(jq -nc --arg n "$P-presence" '{name: $n, sensor_type: "presence"}')"
SENSOR=$SENSOR_ID
[ -n "$SENSOR" ] && ok "setup: a sensor" || not_ok "setup: a sensor" "$(_last)"
[ -x "$TICK" ] && ok "setup: hearth-tick is built" || not_ok "setup: hearth-tick is built" "$TICK"

# ---------------------------------------------------------------- next_fire_at kept by the API
rule api '*/5 * * * *'
expect_json '.next_fire_at | test("^[0-9-]{10}T[0-9:]{8}Z$")' true "a new cron rule gets next_fire_at"
API_NEXT=$(jb .next_fire_at)
is "$(q "SELECT DATE_FORMAT(next_fire_at, '%Y-%m-%dT%H:%i:%sZ') FROM rules WHERE id = $RULE")" \
	"$API_NEXT" "next_fire_at is stored as shown"
is "$(q "SELECT MINUTE(next_fire_at) % 5 = 0 AND SECOND(next_fire_at) = 0 AND next_fire_at > NOW() FROM rules WHERE id = $RULE")" \
	1 "next_fire_at is the schedule's next instant"
sql "UPDATE rules SET next_fire_at = '2031-01-01 00:00:00' WHERE id = $RULE"
api PUT "/api/v1/rules/$RULE" '{"description": "only the text changes"}'
expect_json .next_fire_at 2031-01-01T00:00:00Z "an edit that keeps the schedule keeps next_fire_at"
api PUT "/api/v1/rules/$RULE" '{"schedule_cron": "7 * * * *"}'
expect_json '.next_fire_at | test(":07:00Z$")' true "a new schedule recomputes next_fire_at"
api PUT "/api/v1/rules/$RULE" '{"enabled": false}'
expect_json .next_fire_at null "a disabled cron rule has no next_fire_at"
is "$(q "SELECT next_fire_at IS NULL FROM rules WHERE id = $RULE")" 1 "... in the database either"
api PUT "/api/v1/rules/$RULE" '{"enabled": true}'
expect_json '.next_fire_at | test(":07:00Z$")' true "enabled again: next_fire_at is back"
api GET "/api/v1/rules/$RULE"
expect_json '.next_fire_at | test(":07:00Z$")' true "GET /rules/{id} shows the stored next_fire_at"
api PUT "/api/v1/rules/$RULE" '{"enabled": false}'

# ---------------------------------------------------------------- fires, once
rule once '0 0 1 1 *'
ONCE=$RULE
due "$ONCE" 1
UPDATED=$(q "SELECT updated_at FROM rules WHERE id = $ONCE")
if wait_until 3 has_fired "$ONCE"; then ok "a due cron rule fires within 3 s"; else
	not_ok "a due cron rule fires within 3 s" "rule_fires: $(sql "SELECT * FROM rule_fires WHERE rule_id = $ONCE")"; fi
sleep 1.5
is "$(fires "$ONCE")" 1 "... with exactly one rule_fires row (fired)"
is "$(runs "$ONCE")" 1 "... and exactly one run"
is "$(q "SELECT f.execution_id = w.id FROM rule_fires f JOIN workflow_executions w ON w.rule_id = f.rule_id WHERE f.rule_id = $ONCE")" \
	1 "the claim row names its run"
is "$(q "SELECT trigger_type FROM workflow_executions WHERE rule_id = $ONCE")" cron "the run's trigger is cron"
is "$(q "SELECT next_fire_at > NOW() AND MONTH(next_fire_at) = 1 AND DAY(next_fire_at) = 1 FROM rules WHERE id = $ONCE")" \
	1 "next_fire_at moved on to the next instant"
is "$(q "SELECT updated_at FROM rules WHERE id = $ONCE")" "$UPDATED" "firing does not touch the rule's updated_at"
api GET "/api/v1/rules/$ONCE"
expect_json '.next_fire_at | fromdate > now' true "GET shows the new next_fire_at"

# ---------------------------------------------------------------- catch-up window
rule late '0 0 1 1 *'
LATE=$RULE
due "$LATE" 4000
wait_until 3 has_fired "$LATE" missed
sleep 1
is "$(fires "$LATE" missed)" 1 "an instant older than the catch-up window is recorded missed"
is "$(fires "$LATE")" 0 "... and not fired"
is "$(runs "$LATE")" 0 "... no run"
is "$(q "SELECT COUNT(*) FROM event_logs WHERE rule_id = $LATE AND status = 'ignored' AND reason LIKE 'missed 1 instant at %(catch-up window 60 min)'")" \
	1 "... with one ignored event log saying so"
is "$(q "SELECT next_fire_at > NOW() FROM rules WHERE id = $LATE")" 1 "... and next_fire_at moved on"

# catch_up latest: the newest instant of the window only (t_scheduler_trust
# has the default, all of them).
# Set up well inside a minute, so that the newest instant of the window is
# the one before MARK, not one a new minute brings while this runs.
while [ "$(q "SELECT SECOND(NOW()) BETWEEN 3 AND 40")" != 1 ]; do sleep 1; done
rule minutely '* * * * *'
MINUTELY=$RULE
api PUT "/api/v1/rules/$MINUTELY" '{"catch_up": "latest"}'
due "$MINUTELY" 3900
MARK=$(q "SELECT NOW()")
wait_until 3 has_fired "$MINUTELY"
sleep 1
# (A minute may begin meanwhile and fire on its own: counted up to MARK.)
is "$(q "SELECT COUNT(*) FROM rule_fires WHERE rule_id = $MINUTELY AND outcome = 'fired' AND due_at <= '$MARK'")" \
	1 "after 65 minutes down an every-minute rule with catch_up latest fires once"
is "$(fires "$MINUTELY" missed)" 1 "... and records the rest in one missed row"
is "$(q "SELECT COUNT(*) FROM event_logs WHERE rule_id = $MINUTELY AND status = 'ignored' AND reason LIKE 'missed 6_ instants from %'")" \
	1 "... and one event log counting them"
api PUT "/api/v1/rules/$MINUTELY" '{"enabled": false}'

# ---------------------------------------------------------------- waiting runs resume on time
rule waits '0 0 1 1 *' 1
WAITS=$RULE
due "$WAITS" 1
wait_until 3 has_fired "$WAITS"
RUN=$(q "SELECT id FROM workflow_executions WHERE rule_id = $WAITS")
if wait_until 3 status_is_now "$RUN" waiting; then ok "a wait step leaves the run waiting"; else
	not_ok "a wait step leaves the run waiting" "$(sql "SELECT id, status, error FROM workflow_executions WHERE id = ${RUN:-0}")"; fi
sql "UPDATE workflow_executions SET resume_at = NOW(3) + INTERVAL 2500000 MICROSECOND WHERE id = $RUN"
RESUME_AT=$(q "SELECT resume_at FROM workflow_executions WHERE id = $RUN")
# Resuming claims the run (running) and then finishes it: wait for a final state.
wait_until 6 status_final "$RUN"
is "$(run_status "$RUN")" completed "the run resumes and completes"
LATENESS=$(q "SELECT TIMESTAMPDIFF(MICROSECOND, '$RESUME_AT', finished_at) FROM workflow_executions WHERE id = $RUN")
if [ -n "$LATENESS" ] && [ "$LATENESS" -ge 0 ] && [ "$LATENESS" -lt 2000000 ]; then
	ok "... within 2 s of resume_at ($((LATENESS / 1000)) ms after $RESUME_AT)"
else
	not_ok "... within 2 s of resume_at" "resume_at $RESUME_AT, finished ${LATENESS:-?} us later"
fi

# ---------------------------------------------------------------- occupancy rules
create_sensor "$(jq -nc --arg n "$P-room" '{name: $n, sensor_type: "presence"}')"
ROOM_SENSOR=$SENSOR_ID
api POST /api/v1/rules "$(jq -nc --arg n "$P-occupied" --argjson s "${ROOM_SENSOR:-0}" \
	'{name: $n, trigger_type: "occupancy_duration", primary_sensor_id: $s,
	  occupancy_config: {min_minutes: 2}, cool_off_minutes: 0, max_daily_triggers: 100000}')"
expect_status 201 "an occupancy rule (2 minutes)"
OCC=$(jb .id)
occupied_since() {
	sql "UPDATE sensors SET state = '\"on\"', state_changed_at = NOW(3) - INTERVAL $1 SECOND WHERE id = $ROOM_SENSOR"
}
occupied_since 60
sleep 2
is "$(fires "$OCC")" 0 "occupied for 1 minute of 2: nothing fires"
occupied_since 150
if wait_until 3 has_fired "$OCC"; then ok "occupied for 2.5 minutes: the rule fires"; else
	not_ok "occupied for 2.5 minutes: the rule fires" "$(sql "SELECT * FROM rule_fires WHERE rule_id = ${OCC:-0}")"; fi
sleep 2
is "$(fires "$OCC")" 1 "... once per occupied stretch"
is "$(q "SELECT COUNT(*) FROM rule_fires WHERE rule_id = $OCC AND kind = 'occupancy'
	AND due_at = (SELECT state_changed_at FROM sensors WHERE id = $ROOM_SENSOR)")" 1 \
	"... claimed by the stretch's start"
is "$(q "SELECT trigger_type FROM workflow_executions WHERE rule_id = $OCC")" occupancy_duration \
	"... the run's trigger is occupancy_duration"
is "$(q "SELECT JSON_VALUE(pipeline_data, '\$.trigger.occupancy_minutes') BETWEEN 2.4 AND 2.7
	AND JSON_VALUE(pipeline_data, '\$.trigger.sensor_id') = $ROOM_SENSOR
	FROM workflow_executions WHERE rule_id = $OCC")" 1 "... with the sensor and the minutes occupied"
sql "UPDATE sensors SET state = '\"off\"', state_changed_at = NOW(3) WHERE id = $ROOM_SENSOR"
occupied_since 200
wait_until 3 has_fired "$OCC" 2
is "$(fires "$OCC")" 2 "a new occupied stretch fires again"
sql "UPDATE sensors SET state = '\"off\"', state_changed_at = NOW(3) WHERE id = $ROOM_SENSOR"
api PUT "/api/v1/rules/$OCC" '{"enabled": false}'

# ---------------------------------------------------------------- a dead worker's runs
# A run the (simulated) worker had started steps of: failed with the reason.
rule reaped '0 0 1 1 *' 1
REAPED=$RULE
due "$REAPED" 1
wait_until 3 has_fired "$REAPED"
R1=$(q "SELECT id FROM workflow_executions WHERE rule_id = $REAPED")
wait_until 3 status_is_now "$R1" waiting
DEAD="$HOST:$(dead_pid)"
sql "UPDATE workflow_executions SET status = 'running', waiting_for = NULL, resume_at = NULL,
	owner = '$DEAD', lease_until = NOW(3) + INTERVAL 1 HOUR, steps_started = 1 WHERE id = $R1"
if wait_until 3 status_is_now "$R1" failed; then ok "a running run of a dead worker is marked failed"; else
	not_ok "a running run of a dead worker is marked failed" "$(sql "SELECT id, status, owner FROM workflow_executions WHERE id = $R1")"; fi
is "$(q "SELECT error FROM workflow_executions WHERE id = $R1")" "worker $DEAD died mid-run" "... with the reason"
is "$(q "SELECT CONCAT(l.status, ' / ', l.reason) FROM event_logs l JOIN workflow_executions w ON l.id = w.event_log_id WHERE w.id = $R1")" \
	"failed / worker $DEAD died mid-run" "... and its event log too"
is "$(q "SELECT owner IS NULL AND lease_until IS NULL AND finished_at IS NOT NULL FROM workflow_executions WHERE id = $R1")" \
	1 "... owner and lease cleared, finished_at set"

# A run whose lease ran out on another host.
rule leased '0 0 1 1 *' 1
LEASED=$RULE
due "$LEASED" 1
wait_until 3 has_fired "$LEASED"
R2=$(q "SELECT id FROM workflow_executions WHERE rule_id = $LEASED")
wait_until 3 status_is_now "$R2" waiting
sql "UPDATE workflow_executions SET status = 'running', waiting_for = NULL, resume_at = NULL,
	owner = 'elsewhere.$RUN_ID:1', lease_until = NOW(3) - INTERVAL 1 SECOND, steps_started = 1 WHERE id = $R2"
wait_until 3 status_is_now "$R2" failed
is "$(q "SELECT error LIKE 'lease expired at %(owner elsewhere.$RUN_ID:1)' FROM workflow_executions WHERE id = $R2")" \
	1 "a run whose lease ran out is marked failed, with the reason"

# A run that never started a step: taken over and run, once.
rule retaken '0 0 1 1 *' 1
RETAKEN=$RULE
due "$RETAKEN" 1
wait_until 3 has_fired "$RETAKEN"
R3=$(q "SELECT id FROM workflow_executions WHERE rule_id = $RETAKEN")
wait_until 3 status_is_now "$R3" waiting
DEAD="$HOST:$(dead_pid)"
sql "UPDATE workflow_executions SET status = 'running', waiting_for = NULL, resume_at = NULL,
	current_step_id = NULL, owner = '$DEAD', lease_until = NOW(3) + INTERVAL 1 HOUR,
	steps_started = 0 WHERE id = $R3"
if wait_until 3 status_is_now "$R3" waiting; then ok "a dead worker's run with no step started is run again"; else
	not_ok "a dead worker's run with no step started is run again" "$(sql "SELECT id, status, owner, error FROM workflow_executions WHERE id = $R3")"; fi
is "$(q "SELECT steps_started FROM workflow_executions WHERE id = $R3")" 1 "... its first step ran once"
is "$(q "SELECT error IS NULL FROM workflow_executions WHERE id = $R3")" 1 "... and it was not failed"
sql "UPDATE workflow_executions SET status = 'cancelled', finished_at = NOW(3) WHERE id IN ($R3) AND status = 'waiting'"

# ---------------------------------------------------------------- two ticks at once
stop_stack_tick
RACE=()
for i in 1 2 3 4 5 6; do
	rule "race-$i" '0 0 1 1 *' && RACE+=("$RULE")
done
IDS=$(IFS=,; echo "${RACE[*]}")
for round in 1 2 3; do
	# A second apart, so each round is a new instant.
	sql "UPDATE rules SET next_fire_at = NOW(3) - INTERVAL 1 SECOND WHERE id IN ($IDS)"
	HEARTH_ENGINE_TICK_LOCK=$T/lock-a "$TICK" -c "$HEARTH_CONFIG" --once >>"$T/tick.log" 2>&1 &
	a=$!
	HEARTH_ENGINE_TICK_LOCK=$T/lock-b "$TICK" -c "$HEARTH_CONFIG" --once >>"$T/tick.log" 2>&1 &
	b=$!
	wait "$a" "$b"
	sleep 1
done
is "$(q "SELECT COUNT(*) FROM rule_fires WHERE rule_id IN ($IDS) AND outcome = 'fired'")" 18 \
	"two ticks at once: 6 rules x 3 rounds fired 18 times"
is "$(q "SELECT COUNT(*) FROM workflow_executions WHERE rule_id IN ($IDS)")" 18 "... 18 runs, none twice"
is "$(q "SELECT COUNT(*) FROM rule_fires WHERE rule_id IN ($IDS) AND outcome <> 'fired'")" 0 "... and no other claims"

# ---------------------------------------------------------------- a tick killed mid-minute
rule killed '0 0 1 1 *'
KILLED=$RULE
# A tick ends with its minute: start where the whole scenario (about 6 s)
# fits before the minute's end, so the restarted one is still running.
while [ "$((10#$(date +%S)))" -gt 50 ]; do sleep 0.5; done
tick_bg "$T/lock-k"
sleep 0.3
due "$KILLED" 0
wait_until 3 has_fired "$KILLED"
{ kill -KILL "$TICK_PID" && wait "$TICK_PID"; } 2>/dev/null
tick_bg "$T/lock-k"
sleep 2.5
is "$(fires "$KILLED")" 1 "a tick killed mid-minute and restarted fires nothing twice"
is "$(runs "$KILLED")" 1 "... one run"
check "... and the restarted tick holds the lock and runs" pid_alive "$TICK_PID"
kill -TERM "$TICK_PID" 2>/dev/null
if wait_until 3 eval "! pid_alive $TICK_PID"; then ok "SIGTERM ends a tick after its pass"; else
	not_ok "SIGTERM ends a tick after its pass"; kill -KILL "$TICK_PID" 2>/dev/null; fi
wait "$TICK_PID" 2>/dev/null
api PUT "/api/v1/rules/$KILLED" '{"enabled": false}'

# ---------------------------------------------------------------- the lock
exec 9>"$T/lock-held"
flock -n 9
START=$SECONDS
HEARTH_ENGINE_TICK_LOCK=$T/lock-held "$TICK" -c "$HEARTH_CONFIG" >>"$T/tick.log" 2>&1
is "$?" 0 "a tick finding the lock held exits 0"
check "... after a short grace, not the whole minute" test $((SECONDS - START)) -le 8
exec 9>&-
"$TICK" -c "$T/no-such.conf" --once >/dev/null 2>&1
is "$?" 78 "a missing configuration exits 78"

# ---------------------------------------------------------------- cleanup
for id in "$ONCE" "$LATE" "$MINUTELY" "$WAITS" "$REAPED" "$LEASED" "$RETAKEN" "$KILLED" "${RACE[@]}"; do
	[ -n "$id" ] && api PUT "/api/v1/rules/$id" '{"enabled": false}'
done
[ -z "$stack_tick_stopped" ] || cat "$T/tick.log" | grep -E 'error|warning' | sed 's/^/# tick: /' | head -n 20

finish
