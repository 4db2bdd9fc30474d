#!/bin/bash
# The pipeline steps that call AI services, against a loopback stand-in for
# an OpenAI-compatible chat completions server (tests/tools/fake_llm.py):
# llm_call's request (model, prompt rendered, response_format, the key as a
# bearer token), its answer in pipeline_data with usage in the step output,
# retries after a 5xx, a timeout, a malformed answer, an answer that breaks
# its JSON schema, a refused key, and no [llm] base_url configured.  The API
# key never appears in a run, a reply or a log.
. "$(dirname "$0")/lib.sh"

P="ai-$RUN_ID"
LLM_KEY="sk-test-$RUN_ID-secretvalue"

on_exit "sql \"DELETE FROM persons WHERE name LIKE '$P%'\"; sql \"DELETE FROM sensors WHERE name LIKE '$P%'\"; sql \"DELETE FROM rooms WHERE name LIKE '$P%'\""
on_exit "sql \"DELETE FROM workflow_executions WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM event_logs WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\""

rule() { jq -nc --arg n "$P-$1" '{name: $n, trigger_type: "manual", cool_off_minutes: 0, max_daily_triggers: 100000}'; }
EXEC=
execute() {
	EXEC=
	api POST "/api/v1/rules/$1/execute" "${2:-{\}}"
	[ "$STATUS" = 202 ] || return 1
	EXEC=$(jb .execution_id)
	wait_until 40 run_done "$EXEC"
}
data() { sql "SELECT JSON_EXTRACT(pipeline_data, '$.$2') FROM event_logs WHERE id = (SELECT event_log_id FROM workflow_executions WHERE id = $1)"; }
run_error() { q "SELECT COALESCE(error, '') FROM workflow_executions WHERE id = $1"; }

# The stand-in, with the key it expects.
LLM_OUT=$T/fake_llm.out
/usr/bin/python3 "$HEARTH_SRC_DIR/tests/tools/fake_llm.py" 0 --key "$LLM_KEY" >"$LLM_OUT" 2>&1 &
_LOAD_PIDS+=("$!")
LLM_URL=
for i in $(seq 100); do
	LLM_URL=$(sed -n 's/^fake_llm: listening on \(.*\)$/http:\/\/\1/p' "$LLM_OUT")
	[ -n "$LLM_URL" ] && break
	sleep 0.1
done
ok "the stand-in chat server started" test -n "$LLM_URL"
llm_script() { curl -s --max-time 5 -o /dev/null -X POST "$LLM_URL/_control/script" -d "$1"; }
llm_reset() { curl -s --max-time 5 -o /dev/null -X POST "$LLM_URL/_control/reset"; }
llm_requests() { curl -s --max-time 5 "$LLM_URL/_requests"; }

# ---------------------------------------------------------------- not configured
config_keep
config_set llm base_url ""
restart_api_tick
create_rule unconfigured
add_step "$RULE_ID" '{"step_type": "llm_call", "config_json": {"prompt": "Hello", "model_id": "m1"}}'
expect_status 201 "an llm_call step can be saved"
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "no [llm] base_url: the run fails"
	is "$(run_error "$EXEC" | grep -c 'no language model is configured')" 1 "... and says why"
fi

api POST "/api/v1/rules/$RULE_ID/steps" '{"step_type": "llm_call", "config_json": {"prompt": "x", "response_format": "json_schema"}}'
expect_status 422 "json_schema without response_json_schema: 422"
expect_loc '["body","config_json","response_json_schema"]' missing

# ---------------------------------------------------------------- configured
config_set outbound allow_loopback true
config_set llm base_url "$LLM_URL/v1"
config_set llm api_key "$LLM_KEY"
config_set llm model default-model
config_set llm timeout_seconds 2
config_set ai timeout_seconds 2
restart_api_tick

create_rule text
add_step "$RULE_ID" '{"step_type": "llm_call", "label": "Ask", "config_json": {"prompt": "Room {{trigger.room_name}} said {{trigger_input.word}}", "model_id": "vision-1", "image_source": "trigger"}}'
llm_reset
llm_script '[{"content": "All is calm"}]'
if execute "$RULE_ID" '{"input": {"word": "hello"}}'; then
	is "$(run_status "$EXEC")" completed "llm_call: the run completed"
	is "$(data "$EXEC" llm_response)" '"All is calm"' "... the answer in pipeline_data.llm_response"
	is "$(data "$EXEC" ask | jq -c '[.usage.prompt_tokens, .usage.completion_tokens, .usage.total_tokens, .attempts, .model]')" \
		'[17,4,21,1,"vision-1"]' "... usage, attempts and model in the step output"
	REQ=$(llm_requests | jq -c '.[0]')
	is "$(jq -r .headers.authorization <<<"$REQ")" "Bearer $LLM_KEY" "... the key sent as a bearer token"
	is "$(jq -c '.body | [.model, .messages[0].role, .messages[0].content, has("response_format")]' <<<"$REQ")" \
		'["vision-1","user","Room  said hello",false]' "... model, the prompt rendered, no images, no response_format"
fi

create_rule default-model
add_step "$RULE_ID" '{"step_type": "llm_call", "config_json": {"prompt": "hi", "output_key": "reply", "response_format": "json_free"}}'
llm_reset
llm_script '[{"content": "```json\n{\"mood\": \"good\", \"n\": 2}\n```"}]'
if execute "$RULE_ID"; then
	is "$(data "$EXEC" reply | jq -c .)" '{"mood":"good","n":2}' "json_free: the answer parsed (a fence taken off), under output_key"
	is "$(llm_requests | jq -c '.[0].body | [.model, .response_format]')" '["default-model",{"type":"json_object"}]' \
		"... [llm] model used, response_format json_object sent"
fi

SCHEMA='{"type": "object", "required": ["fall", "level"], "properties": {"fall": {"type": "boolean"}, "level": {"enum": ["low", "high"]}}}'
create_rule schema
add_step "$RULE_ID" "$(jq -nc --argjson s "$SCHEMA" '{step_type: "llm_call", config_json: {prompt: "Fall?", response_format: "json_schema", response_json_schema: $s}}')"
add_step "$RULE_ID" '{"step_type": "condition", "config_json": {"expression": "llm_response.fall == true"}}'
llm_reset
llm_script '[{"content": "{\"fall\": true, \"level\": \"high\"}"}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" completed "json_schema: an answer that fits completes the run"
	is "$(data "$EXEC" condition.result)" true "... and a condition reads it"
	is "$(llm_requests | jq -c '.[0].body.response_format | [.type, .json_schema.schema.required]')" \
		'["json_schema",["fall","level"]]' "... the schema sent as response_format json_schema"
fi
llm_script '[{"content": "{\"fall\": true, \"level\": \"medium\"}"}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "json_schema: an answer that breaks the schema fails the run"
	is "$(run_error "$EXEC" | grep -c 'does not match response_json_schema: \$.level: is not one of the enum values')" 1 \
		"... naming where"
fi
llm_script '[{"content": "I think yes"}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "json_schema: an answer that is not JSON fails the run"
	is "$(run_error "$EXEC" | grep -c 'is not JSON')" 1 "... and says so"
fi

# ---------------------------------------------------------------- failures
create_rule retry
add_step "$RULE_ID" '{"step_type": "llm_call", "config_json": {"prompt": "hi", "max_retries": 2}}'
llm_reset
llm_script '[{"status": 503}, {"status": 500}, {"content": "third time"}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" completed "two 5xx then an answer: completed"
	is "$(data "$EXEC" llm_response)" '"third time"' "... with the third answer"
	is "$(llm_requests | jq length)" 3 "... after three calls"
fi
llm_reset
llm_script '[{"status": 502}, {"status": 502}, {"status": 502}, {"status": 502}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "5xx every time: the run fails"
	is "$(run_error "$EXEC" | grep -c 'HTTP 502.*(3 attempts)')" 1 "... after max_retries + 1 attempts, saying so"
	is "$(llm_requests | jq length)" 3 "... three calls, no more"
fi
llm_reset
llm_script '[{"status": 400}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "a 4xx fails the run"
	is "$(llm_requests | jq length)" 1 "... without a retry"
fi
create_rule slow
add_step "$RULE_ID" '{"step_type": "llm_call", "config_json": {"prompt": "hi", "max_retries": 0}}'
llm_reset
llm_script '[{"delay": 4, "content": "late"}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "an answer slower than [llm] timeout_seconds: failed"
	is "$(run_error "$EXEC" | grep -ci 'language model.*time')" 1 "... and the error says it timed out"
fi
llm_reset
llm_script '[{"raw": "{\"choices\": \"garbage\"}"}]'
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "a malformed answer: failed"
	is "$(run_error "$EXEC" | grep -c 'no choices')" 1 "... with the reason"
fi

# A wrong key: the server's message quotes part of it; the run's does not.
config_set llm api_key "sk-wrong-$RUN_ID-abcd"
restart_api_tick
llm_reset
if execute "$RULE_ID"; then
	is "$(run_error "$EXEC" | sed "s/^step [0-9]* (llm_call): //")" "the language model refused the API key (HTTP 401)" "a refused key: failed, the reason in Hearth's words"
fi

# ---------------------------------------------------------------- person_identification
pid_script() { curl -s --max-time 5 -o /dev/null -X POST "$LLM_URL/_control/identify" -d "$1"; }
create_rule pid-none
add_step "$RULE_ID" '{"step_type": "person_identification"}'
expect_status 201 "a person_identification step can be saved"
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" failed "no [ai] person_id_url: the run fails"
	is "$(run_error "$EXEC" | grep -c 'no person-ID service is configured')" 1 "... and says why"
fi
config_set ai person_id_url "$LLM_URL/pid"
restart_api_tick
if execute "$RULE_ID"; then
	is "$(run_status "$EXEC")" completed "a trigger without images: completed without a call"
	is "$(data "$EXEC" person_detections)" "[]" "... nobody detected"
fi

create_room "$P-kitchen"; KITCHEN=$ROOM_ID
create_room "$P-hall"; HALL=$ROOM_ID
api POST /api/v1/cameras "$(jq -nc --arg n "$P-cam" --argjson r "$KITCHEN" '{name: $n, room_id: $r}')"; CAMID=$(jb .id)
api POST /api/v1/persons "$(jq -nc --arg n "$P-ana" '{name: $n}')"; ANA=$(jb .id)
api POST /api/v1/persons "$(jq -nc --arg n "$P-ben" '{name: $n}')"; BEN=$(jb .id)
api POST "/api/v1/persons/$ANA/location" "$(jq -nc --arg r "$P-hall" '{room_name: $r}')"
ok "setup: rooms, a camera in the kitchen, two persons, Ana last seen in the hall" test -n "$CAMID" -a -n "$ANA" -a -n "$BEN"
api POST /api/v1/rules "$(jq -nc --arg n "$P-pid" --argjson s "$CAMID" \
	'{name: $n, trigger_type: "sensor_event", primary_sensor_id: $s, cool_off_minutes: 0, max_daily_triggers: 0}')"
PID_RULE=$(jb .id)
add_step "$PID_RULE" '{"step_type": "person_identification", "config_json": {"confidence_threshold": 0.7}}'
ffmpeg -v error -f lavfi -i testsrc=size=160x120:rate=1 -frames:v 1 -y "$T/frame.jpg"
llm_reset
pid_script "$(jq -nc --argjson a "$ANA" --argjson b "$BEN" '[{detections: [
	{person_id: $a, name: "Ana", confidence: 0.93, bbox: [10, 20, 30, 40], image_index: 0},
	{person_id: $b, name: "Ben", confidence: 0.5, bbox: [1, 2, 3, 4], image_index: 0},
	{person_id: null, name: null, confidence: 0.99, bbox: [5, 5, 5, 5], image_index: 0}]}]')"
api POST /api/v1/device/recamera "$(jq -nc --argjson c "$CAMID" --arg i "$(base64 -w0 "$T/frame.jpg")" '{camera_id: $c, image: $i}')"
EXEC=$(jb '.execution_ids[0]')
if [ -n "$EXEC" ] && [ "$EXEC" != null ] && wait_until 20 run_done "$EXEC"; then
	is "$(run_status "$EXEC")" completed "a camera image: the person_identification run completed"
	is "$(data "$EXEC" person_detections | jq -c '[.[] | [.person_id, .confidence, .bbox]]')" "[[$ANA,0.93,[10,20,30,40]]]" \
		"... Ana detected; Ben under the threshold and the unknown face left out"
	is "$(data "$EXEC" room_transitions | jq -c '[.[] | [.person_id, .from_room, .to_room]]')" "[[$ANA,\"$P-hall\",\"$P-kitchen\"]]" \
		"... her move from the hall to the kitchen"
	api GET "/api/v1/persons/$ANA/location"
	expect_json '[.room_name, .source]' "[\"$P-kitchen\",\"engine\"]" "... and her location is now the kitchen"
	REQ=$(llm_requests | jq -c '[.[] | select(.path == "/pid/identify")][0].body')
	is "$(jq -c '[(.images | length), .confidence_threshold, .person_ids, .include_annotated_image]' <<<"$REQ")" '[1,0.7,[],false]' \
		"... one image sent with the step's settings"
	is "$(jq -r '.images[0].data' <<<"$REQ" | base64 -d | cmp -s - "$T/frame.jpg" && echo same)" same "... the image's bytes, base64"
else
	not_ok "a camera image starts the person_identification rule" "$(_last)"
fi
pid_script '[{"status": 500}]'
api POST /api/v1/device/recamera "$(jq -nc --argjson c "$CAMID" --arg i "$(base64 -w0 "$T/frame.jpg")" '{camera_id: $c, image: $i}')"
EXEC=$(jb '.execution_ids[0]')
if [ -n "$EXEC" ] && [ "$EXEC" != null ] && wait_until 20 run_done "$EXEC"; then
	is "$(run_status "$EXEC")" failed "the person-ID service failing: the run fails"
	is "$(run_error "$EXEC" | grep -c 'person-ID service answered HTTP 500')" 1 "... with the status"
fi
pid_script '[{"detections": "nobody"}]'
api POST /api/v1/device/recamera "$(jq -nc --argjson c "$CAMID" --arg i "$(base64 -w0 "$T/frame.jpg")" '{camera_id: $c, image: $i}')"
EXEC=$(jb '.execution_ids[0]')
if [ -n "$EXEC" ] && [ "$EXEC" != null ] && wait_until 20 run_done "$EXEC"; then
	is "$(run_error "$EXEC" | grep -c 'no detections array')" 1 "a malformed person-ID answer fails the run with the reason"
fi

# ---------------------------------------------------------------- the secret
api GET "/api/v1/workflows?limit=100"
is "$(grep -c -- "secretvalue" <<<"$BODY")" 0 "the API key is in no run listed"
is "$(sql "SELECT COUNT(*) FROM event_logs WHERE rule_name LIKE '$P%' AND (pipeline_data LIKE '%secretvalue%' OR pipeline_data LIKE '%wrong-$RUN_ID%')")" 0 \
	"... nor in any pipeline_data"
is "$(sql "SELECT COUNT(*) FROM workflow_executions WHERE rule_name LIKE '$P%' AND (error LIKE '%secretvalue%' OR error LIKE '%abcd%')")" 0 \
	"... nor in any run's error"
is "$(cat "$HEARTH_STACK_DIR"/log/*.log 2>/dev/null | grep -c -e "secretvalue" -e "wrong-$RUN_ID")" 0 "... nor in the logs"

finish
