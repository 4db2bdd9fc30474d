#!/bin/bash
# The rules engine end to end: manual runs, webhooks (secret, gate, 20 at
# once against cool-off and the daily cap), sensor events, dependencies,
# interactive prompts and their answers, labels and timings, and a worker
# killed in the middle of a run.
. "$(dirname "$0")/lib.sh"

P="engine-$RUN_ID"

# rule JSON: create a rule, RULE = its id.
rule() {
	api POST /api/v1/rules "$1"
	RULE=$(jb .id)
}
# step RULE JSON: add a step, STEP = its id.
step() {
	api POST "/api/v1/rules/$1/steps" "$2"
	STEP=$(jb .id)
}
# json_of ID: a run's pipeline_data (raw: JSON strings keep their escapes).
json_of() {
	mariadb --no-defaults --socket="$HEARTH_STACK_DIR/run/mysqld.sock" -u root -N -B -r hearth \
		-e "SELECT pipeline_data FROM workflow_executions WHERE id = $1"
}
# run_status ID: the status of a run, from the database.
# run_is ID STATUS: for wait_until.
run_is() { [ "$(run_status "$1")" = "$2" ]; }
# runs_of RULE [STATUS]: how many runs a rule has (in that status).
runs_of() {
	if [ -n "${2:-}" ]; then
		sql "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $1 AND status = '$2'"
	else
		sql "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $1"
	fi
}
# hook RULE SECRET [BODY]: POST /webhooks/RULE with the secret, no API key.
hook() {
	KEY='' api POST "/api/v1/webhooks/$1" "${3:-{\}}" -H "X-Webhook-Secret: $2"
}
counting_step='{"step_type": "condition", "config_json": {"expression": "true", "trigger_cooloff": true}}'

# ---------------------------------------------------------------- manual execute
rule "$(jq -nc --arg n "$P-manual" '{name: $n, trigger_type: "manual"}')"
MANUAL=$RULE
step "$MANUAL" '{"step_type": "condition", "label": "Who is it?", "config_json": {"expression": "trigger_input.who == \"gran\""}}'
S_COND=$STEP
step "$MANUAL" "$counting_step"

api POST "/api/v1/rules/$MANUAL/execute" '{"who": "gran"}'
expect_status 422 "execute with an unknown field: 422"
api POST "/api/v1/rules/$MANUAL/execute" '{"input": {"who": "gran"}}'
expect_status 202 "POST /rules/{id}/execute: 202"
EXEC=$(jb .execution_id)
expect_json '.fired' true "the reply says the rule fired"
expect_header Location "^/api/v1/workflows/$EXEC\$" "Location names the workflow"
wait_until 5 run_is "$EXEC" completed && ok "the manual run completed" ||
	not_ok "the manual run completed" "status: $(run_status "$EXEC")"
DATA=$(json_of "$EXEC")
is "$(jq -r '.trigger_input.who' <<<"$DATA")" gran "the body became trigger_input"
is "$(jq -r '.trigger.type' <<<"$DATA")" manual "trigger.type is manual"
is "$(jq -r '.who_is_it.result' <<<"$DATA")" true "a labelled step's output is stored under the label's slug"
is "$(jq -r '._step_timings | length' <<<"$DATA")" 2 "one timing per step"
is "$(jq -r '[._step_timings[] | has("elapsed_ms") and has("started_at") and .success] | all' <<<"$DATA")" true \
	"timings carry elapsed_ms, started_at and success"
is "$(jq -r '.system | has("local_time") and has("timezone")' <<<"$DATA")" true "system variables are present"
is "$(sql "SELECT status FROM event_logs WHERE execution_id = $EXEC")" completed \
	"a run whose counting step ran logs completed"
is "$(sql "SELECT JSON_VALUE(pipeline_data, '$.trigger_input.who') FROM event_logs WHERE execution_id = $EXEC")" gran \
	"the event log holds the final pipeline_data"

api POST "/api/v1/rules/$MANUAL/execute" '{"input": {"who": "someone else"}}'
EXEC=$(jb .execution_id)
wait_until 5 run_is "$EXEC" completed && ok "a false condition with no false branch ends the run well" ||
	not_ok "a false condition ends the run" "status: $(run_status "$EXEC")"
is "$(sql "SELECT status FROM event_logs WHERE execution_id = $EXEC")" ignored \
	"... and, nothing having counted, its log is ignored"
is "$(sql "SELECT JSON_LENGTH(pipeline_data, '$._step_timings') FROM workflow_executions WHERE id = $EXEC")" 1 \
	"... after the first step"

api POST /api/v1/rules/999999999/execute ''
expect_status 404 "execute an unknown rule: 404"
api PUT "/api/v1/rules/$MANUAL" '{"enabled": false}'
api POST "/api/v1/rules/$MANUAL/execute" ''
expect_status 409 "execute a disabled rule: 409"
api PUT "/api/v1/rules/$MANUAL" '{"enabled": true}'

# Branching: a jump on true skips the step in between.
rule "$(jq -nc --arg n "$P-branch" '{name: $n, trigger_type: "manual"}')"
BRANCH=$RULE
step "$BRANCH" '{"step_type": "condition", "config_json": {"expression": "trigger_input.n > 1"}}'
FIRST=$STEP
step "$BRANCH" '{"step_type": "condition", "label": "skipped", "config_json": {"expression": "true"}}'
step "$BRANCH" '{"step_type": "condition", "label": "landed", "config_json": {"expression": "true"}}'
LANDED=$STEP
api PUT "/api/v1/rules/$BRANCH/steps/$FIRST" "$(jq -nc --argjson t "$LANDED" '{next_step_on_true: $t}')"
api POST "/api/v1/rules/$BRANCH/execute" '{"input": {"n": 5}}'
EXEC=$(jb .execution_id)
wait_until 5 run_is "$EXEC" completed
DATA=$(json_of "$EXEC")
is "$(jq -r 'has("skipped"), has("landed")' <<<"$DATA" | tr '\n' ,)" "false,true," \
	"next_step_on_true jumps over the step in between"

# ---------------------------------------------------------------- webhooks
rule "$(jq -nc --arg n "$P-hook" '{name: $n, trigger_type: "webhook", cool_off_minutes: 5}')"
HOOK=$RULE
step "$HOOK" "$counting_step"
hook "$HOOK" anything
expect_status 401 "webhook of a rule without a secret: 401"
api POST "/api/v1/webhooks/$HOOK/generate-secret" ''
SECRET=$(jb .secret)
KEY='' api POST "/api/v1/webhooks/$HOOK" '{}'
expect_status 401 "webhook without X-Webhook-Secret: 401"
hook "$HOOK" "${SECRET}x"
expect_status 401 "webhook with a wrong secret: 401"
hook 999999999 "$SECRET"
expect_status 401 "webhook of an unknown rule: 401, the same answer"
is "$(runs_of "$HOOK")" 0 "refused webhooks start nothing"

# Twenty at once, cool-off 5 minutes: exactly one run.
for i in $(seq 20); do
	curl -sk -o /dev/null -w '%{http_code}\n' -H "X-Webhook-Secret: $SECRET" \
		-H 'Content-Type: application/json' -d "{\"n\": $i}" "$URL/api/v1/webhooks/$HOOK" >>"$T/codes" &
done
wait
is "$(grep -c '^202$' "$T/codes")" 1 "20 concurrent webhooks under a cool-off: one 202"
is "$(grep -c '^200$' "$T/codes")" 19 "... and 19 refused with 200"
wait_until 5 run_is "$(sql "SELECT MAX(id) FROM workflow_executions WHERE rule_id = $HOOK")" completed
is "$(runs_of "$HOOK")" 1 "... one run in the database"
hook "$HOOK" "$SECRET" '{"late": true}'
expect_status 200 "a webhook within the cool-off: 200"
expect_json '.fired' false "... not fired"
expect_json '.skip_reason | startswith("cool-off")' true "... with the cool-off as the reason"
api GET "/api/v1/rules/$HOOK"
expect_json '.last_skip_reason | startswith("cool-off")' true "GET /rules/{id} shows last_skip_reason"
# Refusals in a row share a log; two that raced may each have started one.
is "$(sql "SELECT SUM(repeat_count), COUNT(*) <= 2 FROM event_logs WHERE rule_id = $HOOK AND status = 'ignored'" | tr '\t' ,)" "20,1" \
	"the 20 refusals are counted in (at most two) ignored event logs"

# Twenty at once, no cool-off, a daily cap of 3: exactly three runs.
rule "$(jq -nc --arg n "$P-cap" '{name: $n, trigger_type: "webhook", cool_off_minutes: 0, max_daily_triggers: 3}')"
CAP=$RULE
step "$CAP" "$counting_step"
api POST "/api/v1/webhooks/$CAP/generate-secret" ''
CAP_SECRET=$(jb .secret)
: >"$T/codes"
for i in $(seq 20); do
	curl -sk -o /dev/null -w '%{http_code}\n' -H "X-Webhook-Secret: $CAP_SECRET" \
		-H 'Content-Type: application/json' -d '{}' "$URL/api/v1/webhooks/$CAP" >>"$T/codes" &
done
wait
is "$(grep -c '^202$' "$T/codes")" 3 "20 concurrent webhooks under a daily cap of 3: three 202"
wait_until 5 [ "$(runs_of "$CAP" completed)" = 3 ]
is "$(runs_of "$CAP")" 3 "... three runs in the database"
hook "$CAP" "$CAP_SECRET"
expect_json '.skip_reason | startswith("daily cap")' true "the next is refused by the daily cap"

# A run that did not count frees its place: a condition that is false.
rule "$(jq -nc --arg n "$P-free" '{name: $n, trigger_type: "webhook", cool_off_minutes: 60}')"
FREE=$RULE
step "$FREE" '{"step_type": "condition", "config_json": {"expression": "trigger_input.go == true", "trigger_cooloff": true}}'
api POST "/api/v1/webhooks/$FREE/generate-secret" ''
FREE_SECRET=$(jb .secret)
hook "$FREE" "$FREE_SECRET" '{"go": false}'
expect_status 202 "a webhook starts a run"
wait_until 5 run_is "$(jb .execution_id)" completed
hook "$FREE" "$FREE_SECRET" '{"go": true}'
expect_status 202 "a run that counted nothing starts no cool-off"
wait_until 5 run_is "$(jb .execution_id)" completed
hook "$FREE" "$FREE_SECRET" '{"go": true}'
expect_status 200 "a run that counted does"

# ---------------------------------------------------------------- dependencies
rule "$(jq -nc --arg n "$P-parent" '{name: $n, trigger_type: "manual", cool_off_minutes: 0, max_daily_triggers: 0}')"
PARENT=$RULE
step "$PARENT" "$counting_step"
rule "$(jq -nc --arg n "$P-child" '{name: $n, trigger_type: "webhook", cool_off_minutes: 0, max_daily_triggers: 0}')"
CHILD=$RULE
step "$CHILD" "$counting_step"
api POST "/api/v1/rules/$CHILD/dependencies" "$(jq -nc --argjson p "$PARENT" '{parent_rule_id: $p, lookback_minutes: 30}')"
expect_status 201 "add a dependency"
api POST "/api/v1/webhooks/$CHILD/generate-secret" ''
CHILD_SECRET=$(jb .secret)
hook "$CHILD" "$CHILD_SECRET"
expect_json '.skip_reason | startswith("dependency")' true "a child whose parent has not completed is refused"
api POST "/api/v1/rules/$PARENT/execute" ''
wait_until 5 run_is "$(jb .execution_id)" completed
hook "$CHILD" "$CHILD_SECRET"
expect_status 202 "once the parent completed, the child fires"
api DELETE "/api/v1/rules/$PARENT"
expect_status 409 "a rule others depend on cannot be deleted"

rule "$(jq -nc --arg n "$P-unless" '{name: $n, trigger_type: "webhook", cool_off_minutes: 0, max_daily_triggers: 0}')"
UNLESS=$RULE
step "$UNLESS" "$counting_step"
api POST "/api/v1/rules/$UNLESS/dependencies" "$(jq -nc --argjson p "$PARENT" '{parent_rule_id: $p, require_success: false}')"
api POST "/api/v1/webhooks/$UNLESS/generate-secret" ''
hook "$UNLESS" "$(jb .secret)"
expect_json '.skip_reason | startswith("dependency")' true \
	"require_success false: refused while the parent completed within the lookback"

# ---------------------------------------------------------------- sensor events
create_room "$P-hall"
HALL=$ROOM_ID
create_sensor "$(jq -nc --arg n "$P-pir" --argjson r "$HALL" '{name: $n, sensor_type: "presence", room_id: $r}')"
PIR=$SENSOR_ID
rule "$(jq -nc --arg n "$P-motion" --argjson s "$PIR" \
	'{name: $n, trigger_type: "sensor_event", primary_sensor_id: $s, cool_off_minutes: 0, max_daily_triggers: 0}')"
MOTION=$RULE
step "$MOTION" '{"step_type": "condition", "config_json": {"expression": "trigger_input.event_type == \"on\"", "trigger_cooloff": true}}'
api POST "/api/v1/rules/$MOTION/contexts" "$(jq -nc --arg r "$P-HALL" '{context_type: "room", config: {room_name: $r}}')"
rule "$(jq -nc --arg n "$P-elsewhere" --argjson s "$PIR" \
	'{name: $n, trigger_type: "sensor_event", primary_sensor_id: $s}')"
ELSEWHERE=$RULE
step "$ELSEWHERE" "$counting_step"
api POST "/api/v1/rules/$ELSEWHERE/contexts" '{"context_type": "room", "config": {"room_name": "the moon"}}'

api POST "/api/v1/sensors/$PIR/events" '{"event_type": "on"}'
expect_status 202 "a presence event: 202"
expect_json '.execution_ids | length' 1 "it started one run (the other rule's context refused it)"
EXEC=$(jb '.execution_ids[0]')
wait_until 5 run_is "$EXEC" completed && ok "the sensor_event run completed" || not_ok "sensor_event run" "$(run_status "$EXEC")"
DATA=$(json_of "$EXEC")
is "$(jq -r '.trigger.room_name' <<<"$DATA")" "$P-hall" "trigger.room_name is the sensor's room"
is "$(jq -r '.trigger_input.event_type' <<<"$DATA")" on "the event is trigger_input"
is "$(sql "SELECT COUNT(*) FROM event_logs WHERE rule_id = $ELSEWHERE AND status = 'ignored' AND reason LIKE 'context room%'")" 1 \
	"the refused rule has an ignored log naming the room context"
api POST "/api/v1/sensors/$PIR/events" '{"event_type": "off"}'
EXEC=$(jb '.execution_ids[0]')
wait_until 5 run_is "$EXEC" completed
is "$(sql "SELECT status FROM event_logs WHERE execution_id = $EXEC")" ignored "an off event passes the gate but its condition stops the run"
api PUT "/api/v1/rules/$MOTION" '{"enabled": false}'
api POST "/api/v1/sensors/$PIR/events" '{"event_type": "on"}'
expect_json '.execution_ids | length' 0 "a disabled rule is not offered events"

# Names of 256 characters outside ASCII: the rule's name is kept whole in
# its runs, and a refusal quoting them, cut to fit, is still stored.
LONG_ROOM=$(printf 'é%.0s' $(seq 250))
LONG_RULE="$P-$(printf 'ü%.0s' $(seq 250))"
api POST /api/v1/rooms "$(jq -nc --arg n "$LONG_ROOM$RUN_ID" '{name: $n[0:256]}')"
WIDE=$(jb .id)
create_sensor "$(jq -nc --arg n "$P-wide" --argjson r "$WIDE" '{name: $n, sensor_type: "presence", room_id: $r}')"
WIDE_PIR=$SENSOR_ID
rule "$(jq -nc --arg n "$LONG_RULE" --argjson s "$WIDE_PIR" \
	'{name: $n[0:256], trigger_type: "sensor_event", primary_sensor_id: $s, cool_off_minutes: 0, max_daily_triggers: 0}')"
WIDE_RULE=$RULE
step "$WIDE_RULE" "$counting_step"
api POST "/api/v1/rules/$WIDE_RULE/contexts" "$(jq -nc --arg r "x$LONG_ROOM" '{context_type: "room", config: {room_name: $r[0:256]}}')"
api POST "/api/v1/sensors/$WIDE_PIR/events" '{"event_type": "on"}'
expect_status 202 "an event refused with a reason quoting long non-ASCII names: 202"
is "$(sql "SELECT COUNT(*) FROM event_logs WHERE rule_id = $WIDE_RULE AND status = 'ignored' AND reason LIKE 'context room%'")" 1 \
	"... and the refusal, cut to fit, is stored"
api DELETE "/api/v1/rules/$WIDE_RULE/contexts/$(sql "SELECT id FROM rule_contexts WHERE rule_id = $WIDE_RULE")"
api POST "/api/v1/sensors/$WIDE_PIR/events" '{"event_type": "on"}'
EXEC=$(jb '.execution_ids[0]')
wait_until 5 run_is "$EXEC" completed
is "$(sql "SELECT CHAR_LENGTH(rule_name) FROM workflow_executions WHERE id = $EXEC")" 256 \
	"a 256-character rule name is kept whole in its run"
is "$(sql "SELECT CHAR_LENGTH(rule_name) FROM event_logs WHERE execution_id = $EXEC")" 256 "... and its event log"

# ---------------------------------------------------------------- interactive prompts
rule "$(jq -nc --arg n "$P-ask" '{name: $n, trigger_type: "manual"}')"
ASK=$RULE
step "$ASK" '{"step_type": "interactive_prompt", "config_json": {"popup_message_template": "Are you all right, {{trigger_input.who}}?", "countdown_seconds": 120}}'
PROMPT=$STEP
step "$ASK" '{"step_type": "condition", "label": "answer", "config_json": {"expression": "interactive_response.action == \"dismiss\""}}'
AFTER=$STEP
api POST "/api/v1/rules/$ASK/execute" '{"input": {"who": "Gran"}}'
EXEC=$(jb .execution_id)
wait_until 5 run_is "$EXEC" waiting && ok "a prompt makes the run wait" || not_ok "prompt waits" "$(run_status "$EXEC")"
is "$(sql "SELECT CONCAT(kind, '|', status, '|', message) FROM prompts WHERE execution_id = $EXEC")" \
	"interactive|pending|Are you all right, Gran?" "the dashboard prompt is recorded with the rendered message"
is "$(sql "SELECT TIMESTAMPDIFF(SECOND, NOW(3), resume_at) BETWEEN 110 AND 121 FROM workflow_executions WHERE id = $EXEC")" 1 \
	"resume_at is the countdown away"
api POST /api/v1/interactive-responses "$(jq -nc --argjson e "$EXEC" --argjson s "$AFTER" '{execution_id: $e, step_id: $s, channel: "pwa_popup_text", action: "dismiss"}')"
expect_status 409 "an answer for a step the run is not waiting on: 409"
api POST /api/v1/interactive-responses '{"execution_id": 999999999, "step_id": 1, "channel": "pwa_popup_text", "action": "dismiss"}'
expect_status 404 "an answer for an unknown run: 404"
api POST /api/v1/interactive-responses "$(jq -nc --argjson e "$EXEC" --argjson s "$PROMPT" '{execution_id: $e, step_id: $s, channel: "carrier pigeon", action: "shrug"}')"
expect_status 422 "bad channel and action: 422"
expect_json '[.detail[].loc[1]] | sort | join(",")' "action,channel" "... naming both fields"
api POST /api/v1/interactive-responses "$(jq -nc --argjson e "$EXEC" --argjson s "$PROMPT" '{execution_id: $e, step_id: $s, channel: "pwa_popup_text", action: "dismiss", raw_response: {"button": 2}}')"
expect_status 200 "the answer: 200"
expect_json '.recorded' true "... recorded"
wait_until 5 run_is "$EXEC" completed && ok "the answer resumes the run at once" || not_ok "resume on answer" "$(run_status "$EXEC")"
DATA=$(json_of "$EXEC")
is "$(jq -r '.interactive_response.action + "|" + .interactive_response.channel' <<<"$DATA")" "dismiss|pwa_popup_text" \
	"interactive_response holds the answer"
is "$(jq -r '.answer.result' <<<"$DATA")" true "the step after the prompt saw it"
is "$(sql "SELECT status FROM prompts WHERE execution_id = $EXEC")" answered "the prompt is closed as answered"
api POST /api/v1/interactive-responses "$(jq -nc --argjson e "$EXEC" --argjson s "$PROMPT" '{execution_id: $e, step_id: $s, channel: "pwa_popup_text", action: "escalate"}')"
expect_status 200 "a second answer: 200"
expect_json '[.recorded, .duplicate] | map(tostring) | join(",")' "false,true" "... ignored as a duplicate"
is "$(sql "SELECT COUNT(*) FROM interactive_responses WHERE execution_id = $EXEC")" 1 "one answer stored"

# No answer: the countdown runs out and hearth-tick takes timeout_action
# as the answer (escalate: the true branch).
rule "$(jq -nc --arg n "$P-silent" '{name: $n, trigger_type: "manual"}')"
SILENT=$RULE
step "$SILENT" '{"step_type": "interactive_prompt", "config_json": {"popup_message_template": "Still there?", "countdown_seconds": 5, "timeout_action": "escalate"}}'
SILENT_PROMPT=$STEP
step "$SILENT" '{"step_type": "condition", "label": "escalated", "config_json": {"expression": "interactive_response.action == \"escalate\""}}'
api POST "/api/v1/rules/$SILENT/execute" ''
EXEC=$(jb .execution_id)
wait_until 5 run_is "$EXEC" waiting
wait_until 12 run_is "$EXEC" completed && ok "an unanswered prompt times out and the run goes on" ||
	not_ok "prompt timeout" "status: $(run_status "$EXEC")"
DATA=$(json_of "$EXEC")
is "$(jq -r '.interactive_response.channel + "|" + .interactive_response.action' <<<"$DATA")" "timeout|escalate" \
	"the timeout is recorded as the answer, with timeout_action"
is "$(jq -r '.escalated.result' <<<"$DATA")" true "... and the steps after it see it"
is "$(sql "SELECT status FROM prompts WHERE execution_id = $EXEC")" expired "the prompt is closed as expired"
api POST /api/v1/interactive-responses "$(jq -nc --argjson e "$EXEC" --argjson s "$SILENT_PROMPT" '{execution_id: $e, step_id: $s, channel: "pwa_popup_text", action: "dismiss"}')"
expect_json '.duplicate' true "a click after the timeout is a duplicate, ignored"

# ---------------------------------------------------------------- a worker dies mid-run
# The step's INSERT of an activity waits for a lock this test holds on the
# person's row, so the run is caught between its step starting and that
# step's write; its worker is then killed.  The scheduler must mark the
# run failed, and never run it again.
api POST /api/v1/persons "$(jq -nc --arg n "$P-walker" '{name: $n}')"
WALKER=$(jb .id)
rule "$(jq -nc --arg n "$P-crash" '{name: $n, trigger_type: "manual"}')"
CRASH=$RULE
step "$CRASH" "$(jq -nc --argjson p "$WALKER" '{step_type: "activity_detection", config_json: {activity_type: "walking", person_id: $p}}')"
mariadb --no-defaults --socket="$HEARTH_STACK_DIR/run/mysqld.sock" -u root hearth \
	-e "BEGIN; SELECT id FROM persons WHERE id = $WALKER FOR UPDATE; SELECT SLEEP(4); ROLLBACK;" \
	>/dev/null 2>&1 &
LOCKER=$!
sleep 0.5
api POST "/api/v1/rules/$CRASH/execute" ''
EXEC=$(jb .execution_id)
owner_of() { sql "SELECT owner FROM workflow_executions WHERE id = $EXEC AND status = 'running' AND steps_started > 0"; }
wait_until 2 [ -n "$(owner_of)" ]
OWNER=$(owner_of)
VICTIM=${OWNER##*:}
if [ -n "$VICTIM" ] && kill -9 "$VICTIM" 2>/dev/null; then
	ok "killed worker $VICTIM in the middle of run $EXEC"
else
	not_ok "kill the worker running the run" "owner: '$OWNER'"
fi
wait "$LOCKER" 2>/dev/null
wait_until 10 run_is "$EXEC" failed && ok "the scheduler marks the orphaned run failed" ||
	not_ok "orphaned run failed" "status: $(run_status "$EXEC")"
is "$(sql "SELECT error LIKE '%died%' OR error LIKE '%lease%' FROM workflow_executions WHERE id = $EXEC")" 1 \
	"... with the reason"
is "$(sql "SELECT status FROM event_logs WHERE execution_id = $EXEC")" failed "... and its log failed"
# The killed worker's INSERT may still land (the server finishes it once
# the lock goes): the step happened once, never twice.
is "$(sql "SELECT COUNT(*) <= 1 FROM activities WHERE execution_id = $EXEC")" 1 "... and it never ran again"
wait_until 10 [ "$(worker_count)" -ge 1 ]
api GET /api/v1/rooms
expect_status 200 "the pool serves again after the kill"

finish
