#!/bin/bash
# The history of rule runs: workflow executions and the event log, newest
# first, with their filters, paging below a cursor, detail and 404s; then
# cancel, and (once the engine runs pipelines) a manual run end to end.
. "$(dirname "$0")/lib.sh"

P="wf-$RUN_ID"

# Runs and logs go with their rules (the history keeps rule_name, so the
# rows are found by it even after a rule is gone).
on_exit "sql \"DELETE FROM workflow_executions WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM event_logs WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\""

# run RULE_ID RULE_NAME STATUS [PIPELINE_JSON]: insert an execution, print its id.
run() {
	sql "INSERT INTO workflow_executions (rule_id, rule_name, trigger_type, status, pipeline_data,
		finished_at) VALUES ($1, '$2', 'manual', '$3', '${4:-"{}"}',
		IF('$3' IN ('completed', 'failed', 'cancelled'), CURRENT_TIMESTAMP(3), NULL));
		SELECT LAST_INSERT_ID()"
}
# event RULE_NAME STATUS CREATED_AT: insert an event log, print its id.
event() {
	sql "INSERT INTO event_logs (rule_name, trigger_type, status, pipeline_data, created_at, last_at)
		VALUES ('$1', 'manual', '$2', '{\"n\": 1}', '$3', '$3'); SELECT LAST_INSERT_ID()"
}

EXEC_KEYS="active_ms,error,event_log_id,finished_at,id,resume_at,rule_id,rule_name,started_at,status,trigger_type,updated_at,current_step_id,waiting_for"
EXEC_KEYS=$(tr ',' '\n' <<<"$EXEC_KEYS" | sort | paste -sd,)
DETAIL_KEYS=$(tr ',' '\n' <<<"$EXEC_KEYS,interactive_responses,pipeline_data,step_timings" | sort | paste -sd,)

# ---------------------------------------------------------------- setup
create_rule a && RA=$RULE_ID
create_rule b && RB=$RULE_ID
[ -n "$RA" ] && [ -n "$RB" ] && ok "setup: two rules" || not_ok "setup: two rules" "$(_last)"

A1=$(run "$RA" "$P-a" completed '{"_step_timings": [{"step_id": 1, "elapsed_ms": 3}], "x": 1}')
A2=$(run "$RA" "$P-a" waiting)
A3=$(run "$RA" "$P-a" failed)
B1=$(run "$RB" "$P-b" completed)
B2=$(run "$RB" "$P-b" cancelled)
sql "INSERT INTO interactive_responses (execution_id, step_id, channel, action, raw_response)
	VALUES ($A1, 7, 'pwa_popup_text', 'dismiss', '{\"text\": \"fine\"}')"
[ -n "$A1" ] && [ -n "$B2" ] && ok "setup: five runs" || not_ok "setup: five runs"

# ---------------------------------------------------------------- list
api GET "/api/v1/workflows?rule_id=$RA"
expect_status 200 "GET /workflows?rule_id: 200"
is "$(ids)" "$A3,$A2,$A1" "rule_id filter: the rule's runs, newest first"
expect_json ".items[0] | keys | join(\",\")" "$EXEC_KEYS" "a listed run has exactly the list fields"
expect_json ".items[2].started_at | test(\"$ISO_RE\")" true "started_at is ISO 8601 UTC"
expect_json ".items[2] | [.rule_id, .rule_name, .trigger_type, .status, .finished_at != null] | @json" \
	"[$RA,\"$P-a\",\"manual\",\"completed\",true]" "a run's fields read back"
expect_json ".items[1] | [.finished_at, .error, .current_step_id] | @json" "[null,null,null]" \
	"unset fields are null"

api GET "/api/v1/workflows?rule_id=$RA&status=completed"
is "$(ids)" "$A1" "rule_id + status=completed"
api GET "/api/v1/workflows?rule_id=$RB&status=cancelled"
is "$(ids)" "$B2" "status=cancelled"
api GET "/api/v1/workflows?status=waiting&limit=1000"
expect_json "[.items[].status] | unique | join(\",\")" waiting "status=waiting lists only waiting runs"
expect_json "[.items[].id] | index($A2) != null" true "... including ours"
api GET "/api/v1/workflows?limit=1000"
expect_json "[.items[].id] as \$i | \$i == (\$i | sort | reverse)" true "unfiltered list is id descending"

api GET "/api/v1/workflows?status=sleeping"
expect_status 422 "status=sleeping: 422"
expect_loc '["query","status"]' enum
api GET "/api/v1/workflows?rule_id=abc"
expect_status 422 "rule_id=abc: 422"
expect_loc '["query","rule_id"]' int_parsing
api GET "/api/v1/workflows?rule_id=0&limit=0"
expect_status 422 "rule_id=0 and limit=0: 422"
expect_json '.detail | length' 2 "both problems reported at once"

# ---------------------------------------------------------------- paging
api GET "/api/v1/workflows?rule_id=$RA&limit=2"
is "$(ids)" "$A3,$A2" "page 1: the two newest"
expect_json '.pagination | [.limit, .has_more, (.next_cursor | type)] | @json' '[2,true,"string"]' \
	"page 1 has more and a cursor"
CUR=$(jb .pagination.next_cursor)
api GET "/api/v1/workflows?rule_id=$RA&limit=2&cursor=$CUR"
is "$(ids)" "$A1" "page 2: the ids below the cursor"
expect_json '.pagination | [.has_more, .next_cursor] | @json' '[false,null]' "page 2 is the last"
api GET "/api/v1/workflows?rule_id=$RA&limit=2&cursor="
is "$(ids)" "$A3,$A2" "an empty cursor is the first page"
api GET "/api/v1/workflows?limit=2&cursor=garbage"
expect_status 422 "a forged cursor: 422"
expect_loc '["query","cursor"]'
api GET "/api/v1/workflows?rule_id=$RA&offset=1&limit=1"
is "$(ids)" "$A2" "offset mode counts from the newest"
expect_json '.deprecation | type' string "offset mode is flagged deprecated"

# ---------------------------------------------------------------- detail
api GET "/api/v1/workflows/$A1"
expect_status 200 "GET /workflows/{id}: 200"
expect_json 'keys | join(",")' "$DETAIL_KEYS" "the detail has exactly the detail fields"
expect_json '.pipeline_data.x' 1 "pipeline_data is the whole object"
expect_json '.step_timings | @json' '[{"step_id":1,"elapsed_ms":3}]' "step_timings = pipeline_data._step_timings"
expect_json '.interactive_responses | map([.step_id, .channel, .action, .raw_response.text]) | @json' \
	'[[7,"pwa_popup_text","dismiss","fine"]]' "the run's interactive responses"
expect_json ".interactive_responses[0].created_at | test(\"$ISO_RE\")" true "response created_at ISO 8601"
api GET "/api/v1/workflows/$A2"
expect_json '[.step_timings, .interactive_responses] | @json' '[[],[]]' "no timings, no responses: []"
api GET /api/v1/workflows/999999999999
expect_status 404 "GET /workflows/{unknown}: 404"
expect_detail_string
api GET /api/v1/workflows/abc
expect_status 422 "GET /workflows/abc: 422"
expect_loc '["path","id"]' int_parsing

# ---------------------------------------------------------------- cancel (errors)
api POST /api/v1/workflows/999999999999/cancel
expect_status 404 "cancel an unknown run: 404"
api POST "/api/v1/workflows/$A1/cancel"
expect_status 409 "cancel a completed run: 409"
expect_detail_string
api POST "/api/v1/workflows/$B2/cancel"
expect_status 409 "cancel a cancelled run: 409"

# ---------------------------------------------------------------- events
E1=$(event "$P-ev" completed '2020-01-01 10:00:00')
E2=$(event "$P-ev" ignored '2020-01-02 10:00:00')
E3=$(event "$P-ev" failed '2020-01-03 10:00:00')
E4=$(event "$P-other" completed '2020-01-02 12:00:00')
[ -n "$E4" ] && ok "setup: four event logs" || not_ok "setup: four event logs"

api GET "/api/v1/events?rule_name=$P-ev"
expect_status 200 "GET /events?rule_name: 200"
is "$(ids)" "$E3,$E2,$E1" "rule_name filter, newest first"
expect_json '.items[0] | keys | join(",")' \
	"created_at,execution_id,finished_at,id,kind,last_at,pipeline_data,reason,repeat_count,rule_id,rule_name,status,trigger_type" \
	"an event has exactly the documented fields"
expect_json '.items[0] | [.kind, .status, .repeat_count, .created_at, .pipeline_data.n] | @json' \
	'["rule_run","failed",1,"2020-01-03T10:00:00Z",1]' "an event's fields read back"
api GET "/api/v1/events?rule_name=$P-ev&status=ignored"
is "$(ids)" "$E2" "rule_name + status=ignored"
api GET "/api/v1/events?rule_name=$P-ev&kind=rule_run&limit=1"
is "$(ids)" "$E3" "kind=rule_run, limit=1"
CUR=$(jb .pagination.next_cursor)
api GET "/api/v1/events?rule_name=$P-ev&kind=rule_run&limit=1&cursor=$CUR"
is "$(ids)" "$E2" "events page 2 continues below the cursor"
api GET "/api/v1/workflows?limit=1&cursor=$CUR"
expect_status 422 "an events cursor is refused by /workflows"

api GET "/api/v1/events?rule_name=$P-ev&since=2020-01-02T00:00:00Z"
is "$(ids)" "$E3,$E2" "since is inclusive of later entries"
api GET "/api/v1/events?rule_name=$P-ev&until=2020-01-02T10:00:00Z"
is "$(ids)" "$E1" "until excludes its own instant"
api GET "/api/v1/events?rule_name=$P-ev&since=2020-01-02T11:00:00%2B01:00&until=2020-01-03T00:00:00Z"
is "$(ids)" "$E2" "since with a UTC offset, until together"
api GET "/api/v1/events?since=2020-01-02T12:00:00Z&until=2020-01-02T12:00:00.001Z&limit=1000"
expect_json "[.items[].id] | index($E4) != null" true "a window of one millisecond finds its entry"

api GET "/api/v1/events?status=done"
expect_status 422 "status=done: 422"
expect_loc '["query","status"]' enum
api GET "/api/v1/events?kind=sensor"
expect_status 422 "kind=sensor: 422"
expect_loc '["query","kind"]' enum
api GET "/api/v1/events?since=yesterday"
expect_status 422 "since=yesterday: 422"
expect_loc '["query","since"]' datetime_parsing
api GET "/api/v1/events?until=2020-01-02T10:00:00"
expect_status 422 "until without a zone: 422"
expect_loc '["query","until"]' datetime_parsing
api GET "/api/v1/events?since=2020-01-03T00:00:00Z&until=2020-01-02T00:00:00Z"
expect_status 422 "until before since: 422"
expect_loc '["query","until"]' value_error
api GET "/api/v1/events?rule_name=$(printf 'x%.0s' {1..1100})"
expect_status 422 "an overlong rule_name: 422"

api GET "/api/v1/events/$E2"
expect_status 200 "GET /events/{id}: 200"
expect_json '[.id, .status, .rule_name] | @json' "[$E2,\"ignored\",\"$P-ev\"]" "the entry"
api GET /api/v1/events/999999999999
expect_status 404 "GET /events/{unknown}: 404"
api GET /api/v1/events/0
expect_status 422 "GET /events/0: 422"

# ---------------------------------------------------------------- roles
KEY= api GET /api/v1/workflows
expect_status 401 "GET /workflows without a key: 401"
if create_key "$P-care" caregiver; then
	on_exit "api DELETE /api/v1/api-keys/$KEY_ID"
	KEY=$NEW_KEY api GET "/api/v1/events?rule_name=$P-ev"
	expect_status 200 "caregiver: GET /events 200"
	KEY=$NEW_KEY api GET "/api/v1/workflows/$A1"
	expect_status 200 "caregiver: GET /workflows/{id} 200"
	KEY=$NEW_KEY api POST "/api/v1/workflows/$A2/cancel"
	expect_status 403 "caregiver: POST /workflows/{id}/cancel 403"
else
	not_ok "setup: a caregiver key" "$(_last)"
fi

# ---------------------------------------------------------------- end to end
# poll_run ID STATUS: wait until the run has that status.
run_is() { api GET "/api/v1/workflows/$1"; [ "$(jb .status)" = "$2" ]; }

create_rule manual '{trigger_type: "manual"}' && RM=$RULE_ID
# A true condition with trigger_cooloff counts, so the run's log is completed.
add_step "$RM" '{"step_type": "condition", "config_json": {"expression": "1 < 2", "trigger_cooloff": true}}'
api POST "/api/v1/rules/$RM/execute" '{}'
if [ "$STATUS" != 202 ]; then
	skip "execute a manual rule end to end" "POST /rules/{id}/execute answered $STATUS"
else
	ok "POST /rules/{id}/execute: 202"
	X=$(jb .execution_id)
	if wait_until 10 run_is "$X" completed; then
		ok "the manual run completes"
	else
		not_ok "the manual run completes" "$(_last)"
	fi
	api GET "/api/v1/workflows/$X"
	NSTEPS=$(sql "SELECT COUNT(*) FROM rule_steps WHERE rule_id = $RM" 2>/dev/null || echo 1)
	expect_json '.step_timings | length' "$NSTEPS" "step_timings: one entry per step"
	expect_json '[.step_timings[] | .elapsed_ms | type == "number"] | all' true \
		"every timing has elapsed_ms"
	expect_json '[.rule_id, .trigger_type, (.finished_at | type), (.event_log_id | type)] | @json' \
		"[$RM,\"manual\",\"string\",\"number\"]" "the completed run's fields"
	LOG=$(jb .event_log_id)
	api GET "/api/v1/events/$LOG"
	expect_json '[.execution_id, .status, (.finished_at | type)] | @json' "[$X,\"completed\",\"string\"]" \
		"its event log is completed"
	expect_json '.pipeline_data | type' object "the event log carries the pipeline_data"
	api GET "/api/v1/events?rule_name=$P-manual"
	expect_json "[.items[].id] | index($LOG) != null" true "the event log is listed by rule_name"

	# A false condition ends the run early: completed, its log ignored.
	create_rule stop '{trigger_type: "manual"}' && RS=$RULE_ID
	add_step "$RS" '{"step_type": "condition", "config_json": {"expression": "1 > 2"}}'
	add_step "$RS" '{"step_type": "condition", "config_json": {"expression": "1 < 2"}}'
	api POST "/api/v1/rules/$RS/execute" '{}'
	S=$(jb .execution_id)
	if wait_until 10 run_is "$S" completed; then
		ok "a run stopped by a false condition completes"
	else
		not_ok "a run stopped by a false condition completes" "$(_last)"
	fi
	expect_json '[.step_timings[] | .elapsed_ms | type == "number"] | all and length >= 1' true \
		"the stopped run has timings for the steps it ran"
	api GET "/api/v1/events/$(jb .event_log_id)"
	expect_json .status ignored "its event log is ignored"

	# A wait step keeps the run waiting for minutes: cancel it.
	create_rule waiting '{trigger_type: "manual"}' && RW=$RULE_ID
	add_step "$RW" '{"step_type": "wait", "config_json": {"minutes": 5}}'
	api POST "/api/v1/rules/$RW/execute" '{}'
	W=$(jb .execution_id)
	if wait_until 10 run_is "$W" waiting; then
		ok "a run with a 5-minute wait is waiting"
	else
		not_ok "a run with a 5-minute wait is waiting" "$(_last)"
	fi
	expect_json '[.waiting_for, (.resume_at | type), (.current_step_id | type)] | @json' \
		'["wait","string","number"]' "waiting_for, resume_at, current_step_id set"
	api POST "/api/v1/workflows/$W/cancel"
	expect_status 200 "cancel a waiting run: 200"
	expect_json '[.id, .status, (.finished_at | type)] | @json' "[$W,\"cancelled\",\"string\"]" \
		"the reply is the cancelled run"
	api GET "/api/v1/workflows/$W"
	expect_json .status cancelled "GET shows it cancelled"
	api GET "/api/v1/events/$(jb .event_log_id)"
	expect_json .status ignored "the cancelled run's event log is ignored"
	api POST "/api/v1/workflows/$W/cancel"
	expect_status 409 "cancel it again: 409"
	api GET "/api/v1/workflows?rule_id=$RW&status=cancelled"
	is "$(ids)" "$W" "listed under status=cancelled"
fi

finish
