#!/bin/bash
# Trust in scheduled work: what a cron rule does after an outage (catch_up
# all, latest, none; late runs say so), a schedule's own rate against
# cool-off and the daily cap (four times a day fires four times), daylight
# saving changes in Europe/Berlin and America/Santiago, a time zone change
# and a schedule that cannot be computed, and a slow run beside a due rule.
#
# The stack's own tick is stopped; hearth-tick is run by hand with the
# test build's clock offset (HEARTH_TEST_CLOCK_OFFSET) to stand at the
# moment each scenario needs: moments of 2025, before every other rule's
# next instant, so nothing else is due; each scenario's rules are disabled
# when it is done.  The hub's time zone is a setting, put back
# when the file ends.
. "$(dirname "$0")/lib.sh"

P="trust-$RUN_ID"
TICK=$HEARTH_BUILD_DIR/cron/hearth-tick

# q SQL: one value.

# at 'YYYY-MM-DD HH:MM:SS': that UTC time as Unix seconds.
at() { date -u -d "$1" +%s; }

TICK_SLACK=5

# tick_at EPOCH: one pass of hearth-tick as if the clock said EPOCH;
# CATCH (minutes) sets its catch-up window.  The offset is taken before
# hearth-tick starts, so on a loaded machine its pass may stand a second
# or more after EPOCH (up to TICK_SLACK): the checks allow for that.
tick_at() {
	HEARTH_TEST_CLOCK_OFFSET=$(($1 - $(date +%s))) \
		HEARTH_ENGINE_CATCH_UP_MINUTES=${CATCH:-60} HEARTH_ENGINE_TICK_LOCK=$T/lock \
		"$TICK" -c "$HEARTH_CONFIG" --once >>"$T/tick.log" 2>&1
}

# crule NAME SCHEDULE [JSON]: a cron rule (JSON merged into the body,
# e.g. {"catch_up": "none"}); sets RULE, empty on failure.
RULE=
crule() {
	RULE=
	api POST /api/v1/rules "$(jq -nc --arg n "$P-$1" --arg s "$2" --argjson sensor "$SENSOR" \
		--argjson x "${3:-{\}}" \
		'{name: $n, trigger_type: "cron", schedule_cron: $s, primary_sensor_id: $sensor} + $x')"
	[ "$STATUS" = 201 ] && RULE=$(jb .id)
	[ -n "$RULE" ]
}

# next_at RULE EPOCH: the rule's next instant, as the scheduler last left it.
next_at() { sql "UPDATE rules SET next_fire_at = FROM_UNIXTIME($2) WHERE id = $1"; }
next_of() { q "SELECT COALESCE(FLOOR(UNIX_TIMESTAMP(next_fire_at)), 'null') FROM rules WHERE id = $1"; }

# fired RULE: the instants fired, oldest first, as Unix seconds.
fired() {
	q "SELECT COALESCE(GROUP_CONCAT(FLOOR(UNIX_TIMESTAMP(due_at)) ORDER BY due_at), '')
		FROM rule_fires WHERE rule_id = $1 AND outcome = 'fired'"
}
# seq_at FIRST STEP COUNT: FIRST, FIRST+STEP, ... comma-separated.
seq_at() { seq "$1" "$2" $(($1 + $2 * ($3 - 1))) | paste -sd,; }

# off RULE...: disabled, so later scenarios' clocks leave them alone.
off() {
	local id
	for id in "$@"; do api PUT "/api/v1/rules/$id" '{"enabled": false}'; done
}

set_zone() {
	api PATCH /api/v1/settings "$(jq -nc --arg z "$1" '{timezone: $z}')"
	[ "$STATUS" = 200 ]
}

# ---------------------------------------------------------------- setup
create_sensor "$(jq -nc --arg n "$P-presence" '{name: $n, sensor_type: "presence"}')"
SENSOR=${SENSOR_ID:-0}
[ "$SENSOR" != 0 ] && ok "setup: a sensor" || not_ok "setup: a sensor" "$(_last)"

if ! grep -q '^#define HEARTH_TEST_CLOCK 1' "$HEARTH_BUILD_DIR/build-config.h" 2>/dev/null; then
	skip "the scheduler's trust tests" "hearth-tick is not built with --enable-test-clock"
	finish
fi

# Slow runs: a webhook receiver that answers late (outbound_to_fake also
# restarts the api and the tick; both come back as they were at the end).
fake_start
outbound_to_fake
api GET /api/v1/settings
ZONE_WAS=$(jb .timezone)
on_exit 'set_zone "$ZONE_WAS"'
devstack stop tick >/dev/null 2>&1
on_exit 'devstack start tick >/dev/null 2>&1'
set_zone UTC && ok "setup: the hub's zone is UTC" || not_ok "setup: the hub's zone is UTC" "$(_last)"

# ---------------------------------------------------------------- validation
crule bad '0 8 * * *' '{"catch_up": "sometimes"}'
expect_status 422 "catch_up must be all, latest or none"
expect_loc '["body","catch_up"]'
crule med '0 8 * * *'
MED=$RULE
expect_json .catch_up all "catch_up defaults to all"
expect_json '[.cool_off_minutes, .max_daily_triggers, .schedule_error] | tostring' '[0,0,null]' \
	"a cron rule has no cool-off and no daily cap unless set"
api POST /api/v1/rules "$(jq -nc --arg n "$P-event" --argjson s "$SENSOR" '{name: $n, primary_sensor_id: $s}')"
expect_json '[.cool_off_minutes, .max_daily_triggers] | tostring' '[5,3]' "... a sensor rule keeps 5 and 3"
crule capped '0 8,12,18,22 * * *' '{"max_daily_triggers": 3}'
expect_status 422 "a daily cap below the schedule's instants per day is refused"
expect_loc '["body","max_daily_triggers"]'
expect_json '.detail[0].msg | test("fires 4 times a day")' true "... saying how often it fires"
crule cooled '0 8,12,18,22 * * *' '{"cool_off_minutes": 300}'
expect_status 422 "a cool-off longer than the gap between instants is refused"
expect_loc '["body","cool_off_minutes"]'
crule nightly '0 0,23 * * *' '{"cool_off_minutes": 90}'
expect_status 422 "... also across midnight (23:00 to 00:00)"
crule fitting '0 8,12,18,22 * * *' '{"cool_off_minutes": 240, "max_daily_triggers": 4}'
expect_status 201 "a cool-off and a cap the schedule can honour are taken"
api PUT "/api/v1/rules/$RULE" '{"max_daily_triggers": 2}'
expect_status 422 "... and an update that would skip instants is refused"
api PUT "/api/v1/rules/$RULE" '{"enabled": false}'

# ---------------------------------------------------------------- outage catch-up
# The hub was down from 07:50 to 08:20 (the window is 60 minutes).
D0=$(at '2025-01-06 00:00:00')
next_at "$MED" $((D0 + 8 * 3600))
crule q5all '*/5 * * * *'
Q5ALL=$RULE
crule q5latest '*/5 * * * *' '{"catch_up": "latest"}'
Q5LATEST=$RULE
crule q5none '*/5 * * * *' '{"catch_up": "none"}'
Q5NONE=$RULE
crule old '*/30 * * * *'
OLD=$RULE
for r in "$Q5ALL" "$Q5LATEST" "$Q5NONE"; do next_at "$r" $((D0 + 7 * 3600 + 55 * 60)); done
next_at "$OLD" $((D0 + 6 * 3600))
NOW=$((D0 + 8 * 3600 + 20 * 60 + 5))
tick_at "$NOW"

is "$(fired "$MED")" $((D0 + 8 * 3600)) "an 08:00 reminder missed by an outage fires when the hub is back"
read -r LATE LATENESS <<<"$(q "SELECT CONCAT(late, ' ', lateness_seconds) FROM rule_fires WHERE rule_id = $MED")"
if [ "${LATE:-}" = 1 ] && [ "${LATENESS:-0}" -ge 1205 ] && [ "$LATENESS" -le $((1205 + TICK_SLACK)) ]; then
	ok "... its claim is marked late, 1205 s (${LATENESS} s by the pass's clock)"
else
	not_ok "... its claim is marked late, 1205 s" "expected: 1 1205..$((1205 + TICK_SLACK))" \
		"got:      ${LATE:-} ${LATENESS:-}"
fi
RUN=$(q "SELECT execution_id FROM rule_fires WHERE rule_id = $MED")
api GET "/api/v1/workflows/${RUN:-0}"
expect_json '.pipeline_data.trigger | [.type, .due_at, .late, .lateness_seconds] | tostring' \
	"[\"cron\",$((D0 + 8 * 3600)),true,${LATENESS:-1205}]" \
	"... and so does its run's trigger (GET /workflows/{id})"
is "$(next_of "$MED")" $((D0 + 32 * 3600)) "... next_fire_at moves on to tomorrow's 08:00"

is "$(fired "$Q5ALL")" "$(seq_at $((D0 + 7 * 3600 + 55 * 60)) 300 6)" \
	"catch_up all: every instant of the outage fires, in order"
is "$(q "SELECT GROUP_CONCAT(JSON_VALUE(pipeline_data, '\$.trigger.due_at') ORDER BY id)
	FROM workflow_executions WHERE rule_id = $Q5ALL")" "$(seq_at $((D0 + 7 * 3600 + 55 * 60)) 300 6)" \
	"... the runs were started oldest first"
is "$(q "SELECT GROUP_CONCAT(late ORDER BY due_at) FROM rule_fires WHERE rule_id = $Q5ALL")" \
	"1,1,1,1,1,0" "... the late ones marked late, the one due now not"
is "$(fired "$Q5LATEST")" $((D0 + 8 * 3600 + 20 * 60)) "catch_up latest: only the newest instant fires"
is "$(q "SELECT COUNT(*) FROM event_logs WHERE rule_id = $Q5LATEST AND status = 'ignored'
	AND reason LIKE 'missed 5 instants from %'")" 1 "... the other five are recorded as missed"
is "$(fired "$Q5NONE")" $((D0 + 8 * 3600 + 20 * 60)) "catch_up none: only the instant still on time fires"
is "$(q "SELECT COUNT(*) FROM rule_fires WHERE rule_id = $Q5NONE AND outcome = 'missed'
	AND due_at = FROM_UNIXTIME($((D0 + 8 * 3600 + 15 * 60)))")" 1 "... the late ones are recorded as missed"
is "$(fired "$OLD")" "$((D0 + 7 * 3600 + 30 * 60)),$((D0 + 8 * 3600))" \
	"instants older than the window are not fired"
is "$(q "SELECT COUNT(*) FROM event_logs WHERE rule_id = $OLD AND status = 'ignored'
	AND reason LIKE 'missed 3 instants from %(catch-up window 60 min)'")" 1 "... but recorded once"
tick_at $((NOW + 1))
is "$(q "SELECT COUNT(*) FROM rule_fires WHERE rule_id IN ($MED, $Q5ALL, $Q5LATEST, $Q5NONE, $OLD)")" 14 \
	"the next pass fires nothing twice"
off "$MED" "$Q5ALL" "$Q5LATEST" "$Q5NONE" "$OLD"

# ---------------------------------------------------------------- four times a day
crule four '0 8,12,18,22 * * *'
FOUR=$RULE
next_at "$FOUR" $((D0 + 8 * 3600))
for h in 8 12 18 22; do tick_at $((D0 + h * 3600 + 1)); done
is "$(fired "$FOUR")" "$((D0 + 8 * 3600)),$((D0 + 12 * 3600)),$((D0 + 18 * 3600)),$((D0 + 22 * 3600))" \
	"a rule at 8, 12, 18 and 22 fires four times in a day"
is "$(q "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $FOUR")" 4 "... with four runs"
is "$(q "SELECT COUNT(*) FROM rule_fires WHERE rule_id = $FOUR AND outcome <> 'fired'")" 0 \
	"... none skipped by a cool-off or a cap"
off "$FOUR"

# ---------------------------------------------------------------- DST: Europe/Berlin
set_zone Europe/Berlin && ok "the hub's zone is Europe/Berlin" || not_ok "the hub's zone is Europe/Berlin" "$(_last)"
CATCH=1600
# 26 October 2025: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
crule ber-q15 '*/15 * * * *'
BQ=$RULE
crule ber-fixed '30 2 * * *'
BF=$RULE
expect_json '.next_fire_at != null' true "a rule made in Europe/Berlin has its next instant"
A=$(at '2025-10-26 00:00:00')
next_at "$BQ" "$A"
next_at "$BF" $((A + 30 * 60))
tick_at $((A + 2 * 3600 + 5 * 60))
is "$(fired "$BQ")" "$(seq_at "$A" 900 9)" \
	"autumn, Berlin: every 15 minutes keeps real time through the repeated hour (9 in 2 h)"
is "$(fired "$BF")" $((A + 30 * 60)) "... 02:30 fires once, at its first occurrence"
is "$(next_of "$BF")" $((A + 86400 + 90 * 60)) "... and next at 02:30 CET the day after"
off "$BQ" "$BF"
# 30 March 2025: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
S=$(at '2025-03-30 00:00:00')
crule ber-q15s '*/15 * * * *'
BQS=$RULE
crule ber-fixeds '30 2 * * *'
BFS=$RULE
next_at "$BQS" "$S"
next_at "$BFS" $((S - 86400 + 90 * 60))
tick_at $((S + 80 * 60))
is "$(fired "$BQS")" "$(seq_at "$S" 900 6)" \
	"spring, Berlin: every 15 minutes keeps real time across the gap (01:45 CET, 03:00 CEST)"
is "$(fired "$BFS")" "$((S - 86400 + 90 * 60)),$((S + 3600))" \
	"... 02:30, which does not exist, fires once at 03:00 CEST"
off "$BQS" "$BFS"

# ---------------------------------------------------------------- DST: America/Santiago
set_zone America/Santiago && ok "the hub's zone is America/Santiago" || not_ok "the hub's zone is America/Santiago" "$(_last)"
# 5 April 2025: at 24:00 -03 the clocks go back to 23:00 -04 (03:00 UTC).
A=$(at '2025-04-06 01:00:00')
crule scl-q20 '*/20 * * * *'
SQ=$RULE
crule scl-midnight '0 0 * * *'
SM=$RULE
crule scl-fixed '30 23 * * *'
SF=$RULE
next_at "$SQ" "$A"
next_at "$SM" $((A + 3 * 3600))
next_at "$SF" $((A + 90 * 60))
tick_at $((A + 4 * 3600 + 10 * 60))
is "$(fired "$SQ")" "$(seq_at "$A" 1200 13)" \
	"autumn, Santiago: every 20 minutes keeps real time through the repeated 23:xx"
is "$(fired "$SF")" $((A + 90 * 60)) "... 23:30 fires once"
is "$(fired "$SM")" $((A + 3 * 3600)) "... midnight fires once, after the repeat"
off "$SQ" "$SM" "$SF"
# 7 September 2025: 00:00 -04 becomes 01:00 -03 (04:00 UTC); midnight does not exist.
S=$(at '2025-09-07 02:00:00')
crule scl-q20s '*/20 * * * *'
SQS=$RULE
crule scl-midnights '0 0 * * *'
SMS=$RULE
next_at "$SQS" "$S"
next_at "$SMS" $((S - 86400 + 2 * 3600))
tick_at $((S + 3 * 3600))
is "$(fired "$SQS")" "$(seq_at "$S" 1200 10)" \
	"spring, Santiago: every 20 minutes keeps real time across the gap"
is "$(fired "$SMS")" "$((S - 86400 + 2 * 3600)),$((S + 2 * 3600))" \
	"... midnight, which does not exist, fires once at 01:00 -03"
off "$SQS" "$SMS"
CATCH=

# ---------------------------------------------------------------- the zone changes
crule zone '0 8 * * *'
ZR=$RULE
BEFORE=$(next_of "$ZR")
set_zone Asia/Tokyo
tick_at "$(date +%s)"
AFTER=$(next_of "$ZR")
is "$(TZ=Asia/Tokyo date -d "@$AFTER" +%H:%M)" 08:00 "a zone change moves next_fire_at to 08:00 in the new zone"
check "... which is another instant than before" test "$AFTER" != "$BEFORE"
is "$(q "SELECT next_fire_tz FROM rules WHERE id = $ZR")" Asia/Tokyo "... computed in that zone"

# ---------------------------------------------------------------- a schedule that cannot be computed
sql "UPDATE rules SET schedule_cron = '61 * * * *', next_fire_at = NULL WHERE id = $ZR"
tick_at "$(date +%s)"
api GET "/api/v1/rules/$ZR"
expect_json '.schedule_error | test("does not parse")' true "a schedule that cannot be computed is an error on the rule"
expect_json .next_fire_at null "... with no next instant"
api PUT "/api/v1/rules/$ZR" '{"schedule_cron": "0 9 * * *"}'
expect_json '[.schedule_error, (.next_fire_at != null)] | tostring' '[null,true]' \
	"saving the schedule again clears it"
off "$ZR"
set_zone UTC

# ---------------------------------------------------------------- a slow run beside a due rule
curl -s --max-time 5 -o /dev/null -X POST "$FAKE_URL/_control/fail" \
	-d '{"prefix": "/hook/slow", "times": -1, "status": 200, "delay_ms": 8000}'
crule slow '0 0 1 1 *'
SLOW=$RULE
api POST "/api/v1/rules/$SLOW/steps" "$(jq -nc --arg u "$FAKE_URL/hook/slow" \
	'{step_type: "notification", config_json: {alert_level: "info", channels: ["webhook"],
	  webhook_url: $u, message_template: "slow"}}')"
expect_status 201 "a rule whose run waits on a slow webhook"
crule quick '0 0 1 1 *'
QUICK=$RULE
# A looping tick (until its minute ends: start early enough in one): the
# slow rule is due now, the quick one a second later.
while [ "$((10#$(date +%S)))" -gt 40 ]; do sleep 0.5; done
HEARTH_ENGINE_TICK_LOCK=$T/lock-loop "$TICK" -c "$HEARTH_CONFIG" >>"$T/tick.log" 2>&1 &
LOOP=$!
on_exit "kill $LOOP 2>/dev/null; true"
sleep 0.5
sql "UPDATE rules SET next_fire_at = NOW(3) WHERE id = $SLOW"
sql "UPDATE rules SET next_fire_at = NOW(3) + INTERVAL 1 SECOND WHERE id = $QUICK"
wait_until 8 sql_is "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $QUICK AND status = 'completed'" 1
LAG=$(q "SELECT TIMESTAMPDIFF(MICROSECOND, f.due_at, w.started_at) FROM rule_fires f
	JOIN workflow_executions w ON w.id = f.execution_id WHERE f.rule_id = $QUICK")
if [ -n "$LAG" ] && [ "$LAG" -lt 2000000 ]; then
	ok "a due rule starts within 2 s beside a slow run ($((LAG / 1000)) ms)"
else
	not_ok "a due rule starts within 2 s beside a slow run" "lag ${LAG:-none} us"
fi
is "$(q "SELECT status FROM workflow_executions WHERE rule_id = $SLOW")" running \
	"... while the slow run is still going"
wait_until 10 sql_is "SELECT status IN ('completed', 'failed') FROM workflow_executions WHERE rule_id = $SLOW" 1
is "$(q "SELECT owner IS NULL AND steps_started = 1 FROM workflow_executions WHERE rule_id = $SLOW")" 1 \
	"the slow run finishes in its own process"
kill "$LOOP" 2>/dev/null
wait "$LOOP" 2>/dev/null
fake_reset

# ---------------------------------------------------------------- cleanup
for id in $(sql "SELECT id FROM rules WHERE name LIKE '$P-%'"); do
	api PUT "/api/v1/rules/$id" '{"enabled": false}'
done
grep -E 'error|warning' "$T/tick.log" | sed 's/^/# tick: /' | head -n 20

finish
