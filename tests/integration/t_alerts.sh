#!/bin/bash
# Alerts and the dashboard's pop-ups: lists newest first with filters and
# cursors, detail with actions, dismiss and assist (escalation and a new
# emergency pop-up), 409 on a resolved alert, roles, prompt dismissal,
# unavailable channels refused when a step is saved, and (once the engine
# runs pipelines) a notification step end to end.
. "$(dirname "$0")/lib.sh"

P="alerts-$RUN_ID"

# Alerts and prompts are found by title (a rule's alerts carry its name);
# runs by rule name.
on_exit "sql \"DELETE FROM prompts WHERE title LIKE '%$P%'\"; sql \"DELETE FROM alerts WHERE title LIKE '$P%'\"; sql \"DELETE FROM workflow_executions WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM event_logs WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\""

# alert LEVEL ROOM RESOLVED [TYPE]: insert an alert, print its id.
alert() {
	sql "INSERT INTO alerts (alert_type, alert_level, title, message, room_name, resolved,
		resolution, resolved_at) VALUES ('${4:-rule}', '$1', '$P-$1-$2', 'Something in $2',
		'$P-$2', $3, IF($3, 'dismissed', NULL), IF($3, UTC_TIMESTAMP(3), NULL));
		SELECT LAST_INSERT_ID()"
}
# prompt LEVEL: insert a pending notification prompt, print its id.
prompt() {
	sql "INSERT INTO prompts (kind, alert_level, title, message, buttons)
		VALUES ('notification', '$1', '$P-prompt-$1', 'Hello', '[]'); SELECT LAST_INSERT_ID()"
}
act() { api POST "/api/v1/alerts/$1/action" "$2"; }

ALERT_KEYS="alert_level,alert_type,created_at,escalated_at,escalations_sent,execution_id,id,message,next_escalation_at,person_id,resolution,resolved,resolved_at,room_name,rule_id,source_key,title,updated_at"
PROMPT_KEYS="alert_id,alert_level,buttons,countdown_seconds,created_at,execution_id,expires_at,id,kind,message,status,step_id,title,updated_at"

# ---------------------------------------------------------------- setup
A1=$(alert warning kitchen 0)
A2=$(alert info hall 1)
A3=$(alert emergency kitchen 0 camera)
A4=$(alert warning hall 0)
[ -n "$A1" ] && [ -n "$A4" ] && ok "setup: four alerts" || not_ok "setup: four alerts"

# ---------------------------------------------------------------- list
api GET "/api/v1/alerts?room_name=$P-kitchen"
expect_status 200 "GET /alerts?room_name: 200"
is "$(ids)" "$A3,$A1" "the room's alerts, newest first"
expect_json '.items[0] | keys | join(",")' "$ALERT_KEYS" "an alert has exactly the documented fields"
expect_json ".items[0].created_at | test(\"$ISO_RE\")" true "created_at is ISO 8601 UTC"
expect_json '.items[0] | [.rule_id, .resolution, .resolved_at] | map(type) | join(",")' \
	"null,null,null" "an open alert without a rule: nulls"

api GET "/api/v1/alerts?resolved=false&limit=1000"
expect_json "[.items[].id] | map(select(. == $A2)) | length" 0 "resolved=false leaves out the resolved alert"
expect_json "[.items[].id] | map(select(. == $A1 or . == $A3 or . == $A4)) | length" 3 \
	"resolved=false lists the open ones"
api GET "/api/v1/alerts?resolved=true&room_name=$P-hall"
is "$(ids)" "$A2" "resolved=true"
expect_json '.items[0] | [.resolved, .resolution] | join(",")' "true,dismissed" "resolved and its resolution"
api GET "/api/v1/alerts?alert_level=warning&room_name=$P-hall"
is "$(ids)" "$A4" "alert_level filter"
api GET "/api/v1/alerts?alert_type=camera&room_name=$P-kitchen"
is "$(ids)" "$A3" "alert_type filter"

api GET "/api/v1/alerts?resolved=maybe"
expect_status 422 "resolved=maybe: 422"
expect_loc '["query","resolved"]' enum
api GET "/api/v1/alerts?alert_level=urgent"
expect_status 422 "alert_level=urgent: 422"
expect_loc '["query","alert_level"]' enum

# newest first across pages: the cursor continues below the last id
api GET "/api/v1/alerts?room_name=$P-kitchen&limit=1"
is "$(ids)" "$A3" "page 1 of 2"
expect_json .pagination.has_more true "page 1 has more"
CUR=$(jb .pagination.next_cursor)
api GET "/api/v1/alerts?room_name=$P-kitchen&limit=1&cursor=$CUR"
is "$(ids)" "$A1" "page 2 holds the older alert"
expect_json '.pagination | [.has_more, .next_cursor] | map(tostring) | join(",")' "false,null" "page 2 is the last"

# ---------------------------------------------------------------- get
api GET "/api/v1/alerts/$A1"
expect_status 200 "GET /alerts/{id}: 200"
expect_json '.actions' '[]' "no actions yet"
api GET /api/v1/alerts/999999999
expect_status 404 "GET an unknown alert: 404"
expect_detail_string
api GET /api/v1/alerts/abc
expect_status 422 "GET /alerts/abc: 422"

# ---------------------------------------------------------------- actions
act "$A1" '{"action": "panic"}'
expect_status 422 "an unknown action: 422"
expect_loc '["body","action"]' enum
act "$A1" '{}'
expect_status 422 "no action: 422"
expect_loc '["body","action"]' missing
act "$A1" '{"action": "dismiss", "reason": "x"}'
expect_status 422 "an unknown field: 422"
expect_loc '["body","reason"]' extra_forbidden
act 999999999 '{"action": "dismiss"}'
expect_status 404 "acting on an unknown alert: 404"

act "$A1" '{"action": "dismiss", "note": "false alarm"}'
expect_status 200 "dismiss: 200"
expect_json '[.resolved, .resolution] | map(tostring) | join(",")' "true,dismissed" "dismiss resolves the alert"
expect_json ".resolved_at | test(\"$ISO_RE\")" true "resolved_at set"
expect_json '.actions | length' 1 "the action is recorded"
expect_json '.actions[0] | [.action, .note] | join(",")' "dismiss,false alarm" "action and note"
expect_json '.actions[0].actor | length > 0' true "the actor is the caller's key name"
act "$A1" '{"action": "dismiss"}'
expect_status 409 "dismissing twice: 409"
expect_detail_string
act "$A1" '{"action": "assist"}'
expect_status 409 "assist on a resolved alert: 409"
is "$(sql "SELECT COUNT(*) FROM alert_actions WHERE alert_id = $A1")" 1 "a refused action records nothing"

act "$A4" '{"action": "assist", "note": "please come"}'
expect_status 200 "assist: 200"
expect_json '[.resolved, .alert_level] | map(tostring) | join(",")' "false,emergency" \
	"assist escalates to emergency and leaves the alert open"
expect_json ".escalated_at | test(\"$ISO_RE\")" true "escalated_at set"
expect_json '.resolution' null "no resolution yet"
api GET "/api/v1/prompts?status=pending&limit=1000"
expect_status 200 "GET /prompts?status=pending: 200"
expect_json "[.items[] | select(.alert_id == $A4)] | length" 1 "assist re-notifies: one pop-up for the alert"
expect_json "[.items[] | select(.alert_id == $A4)][0] | [.kind, .alert_level, .status] | join(\",\")" \
	"notification,emergency,pending" "an emergency notification pop-up, pending"
expect_json "[.items[] | select(.alert_id == $A4)][0] | keys | join(\",\")" "$PROMPT_KEYS" \
	"a prompt has exactly the documented fields"
act "$A4" '{"action": "dismiss"}'
expect_status 200 "an escalated alert can be dismissed"
expect_json '[.actions[].action] | join(",")' "assist,dismiss" "both actions, oldest first"

# Two people at once: one wins, the other hears it was already handled.
A5=$(alert warning study 0)
for i in 1 2 3 4; do
	curl -sk -o /dev/null -w '%{http_code}\n' -X POST -H "X-API-Key: $ADMIN" \
		-H 'Content-Type: application/json' -d '{"action": "dismiss"}' \
		"$URL/api/v1/alerts/$A5/action" &
done >"$T/race"
wait
is "$(sort "$T/race" | uniq -c | awk '{print $2 ":" $1}' | paste -sd,)" "200:1,409:3" \
	"four concurrent dismissals: one 200, three 409"
is "$(sql "SELECT COUNT(*) FROM alert_actions WHERE alert_id = $A5")" 1 "and one action recorded"

# ---------------------------------------------------------------- prompts
PR1=$(prompt info)
PR2=$(prompt warning)
api GET "/api/v1/prompts?status=pending&limit=2"
expect_json "[.items[].id] | join(\",\")" "$PR2,$PR1" "pending prompts, newest first"
api GET "/api/v1/prompts?status=later"
expect_status 422 "status=later: 422"
expect_loc '["query","status"]' enum
api POST "/api/v1/prompts/$PR1/dismiss"
expect_status 200 "dismiss a prompt: 200"
expect_json .status dismissed "the prompt is dismissed"
api POST "/api/v1/prompts/$PR1/dismiss"
expect_status 409 "dismissing a prompt twice: 409"
api POST /api/v1/prompts/999999999/dismiss
expect_status 404 "dismissing an unknown prompt: 404"
api POST "/api/v1/prompts/$PR2/dismiss" '{"why": 1}'
expect_status 422 "a dismissal with fields: 422"
api GET "/api/v1/prompts?status=pending&limit=1000"
expect_json "[.items[].id] | map(select(. == $PR1)) | length" 0 "a dismissed prompt is no longer pending"

# ---------------------------------------------------------------- roles
A6=$(alert warning porch 0)
PR3=$(prompt emergency)
if create_key "$P-care" caregiver; then
	CARE=$NEW_KEY
	on_exit "sql \"DELETE FROM api_keys WHERE name = '$P-care'\""
	KEY=$CARE api GET "/api/v1/alerts?room_name=$P-porch"
	expect_status 200 "caregiver: GET /alerts 200"
	KEY=$CARE act "$A6" '{"action": "dismiss"}'
	expect_status 200 "caregiver: POST /alerts/{id}/action 200"
	expect_json '.actions[0].actor' "$P-care" "the actor is the caregiver's key name"
	KEY=$CARE api POST "/api/v1/prompts/$PR3/dismiss"
	expect_status 200 "caregiver: POST /prompts/{id}/dismiss 200"
	KEY=$CARE api POST /api/v1/rules "$(rule care)"
	expect_status 403 "caregiver: POST /rules 403"
else
	not_ok "setup: a caregiver key" "$(_last)"
fi
KEY= api GET /api/v1/alerts
expect_status 401 "GET /alerts without a key: 401"

# ---------------------------------------------------------------- channels
api GET /api/v1/pipeline/channel-types
expect_json '[.items[] | select(.available | not) | .name] | join(",")' eink \
	"every channel but e-ink is available"

create_rule manual '{trigger_type: "manual"}'
RM=$RULE_ID
check "setup: a manual rule" test -n "$RM"
add_step "$RM" '{"step_type": "notification", "config_json": {"channels": ["pwa_popup_text", "eink"]}}'
expect_status 422 "a step naming eink: 422"
expect_loc '["body","config_json","channels",1]' value_error
expect_json '[.detail[] | select(.loc == ["body","config_json","channels",1]) | .msg] | join(",")' \
	"channel eink is not available yet" "the 422 says the channel is not available yet"
add_step "$RM" '{"step_type": "notification", "config_json": {"channel_templates": {"eink": "Hi"}}}'
expect_status 422 "a template for eink: 422"
expect_loc '["body","config_json","channel_templates","eink"]' value_error
add_step "$RM" '{"step_type": "notification", "config_json": {"alert_level": "warning", "channels": ["pwa_popup_text"]}}'
expect_status 201 "a step on the pop-up only: 201"
[ -n "$STEP_ID" ] && api DELETE "/api/v1/rules/$RM/steps/$STEP_ID"

# ---------------------------------------------------------------- end to end
# execute RULE_ID: run the rule; sets EXEC (empty when the engine does not
# run rules yet) and waits for the run to finish.
EXEC=
execute() {
	EXEC=
	api POST "/api/v1/rules/$1/execute" '{}'
	[ "$STATUS" = 202 ] || return 1
	EXEC=$(jb .execution_id)
	wait_until 10 run_finished "$EXEC"
}
run_finished() {
	[ "$(sql "SELECT status FROM workflow_executions WHERE id = $1")" = completed ]
}

create_rule warn '{trigger_type: "manual"}'
RW=$RULE_ID
add_step "$RW" '{"step_type": "notification", "config_json": {"alert_level": "warning", "message_template": "Check the {{trigger.type}} run {{ nothing.here }}"}}'
if ! execute "$RW"; then
	skip "end to end: warning notification" "POST /rules/{id}/execute: $STATUS, or the run did not complete"
else
	ok "end to end: the warning run completed"
	api GET "/api/v1/workflows/$EXEC"
	expect_json '.pipeline_data | [.notification_dispatched, .notification_channels.pwa_popup_text, .notification_channels.telegram] | map(tostring) | join(",")' \
		"true,true,false" "dispatched on the pop-up, telegram false"
	expect_json '.pipeline_data.notification_errors.telegram | startswith("Telegram is not configured")' true \
		"telegram: not configured, said so"
	expect_json '.pipeline_data.notification_errors.eink | contains("e-ink")' true "eink: no module, said so"
	expect_json '.pipeline_data.notification_channels | keys | join(",")' \
		"eink,pwa_popup_text,pwa_realtime_ai,telegram" "the warning level's default channels"
	AID=$(jb .pipeline_data.alert_id)
	api GET "/api/v1/alerts/$AID"
	expect_status 200 "the run's alert exists"
	expect_json "[.alert_level, .alert_type, .rule_id, .execution_id, .title, .resolved] | map(tostring) | join(\",\")" \
		"warning,rule,$RW,$EXEC,$P-warn,false" "a warning alert of the rule and run, titled with the rule's name"
	expect_json .message "Check the manual run {{ nothing.here }}" "the message is rendered, unresolved placeholders kept"
	is "$(sql "SELECT CONCAT(kind, ',', alert_level, ',', status, ',', IFNULL(alert_id, 0)) FROM prompts WHERE execution_id = $EXEC")" \
		"notification,warning,pending,$AID" "one pending pop-up for the run, pointing at the alert"
	KEY=${CARE:-$ADMIN} act "$AID" '{"action": "assist"}'
	expect_status 200 "assist on the run's alert"
	is "$(sql "SELECT COUNT(*) FROM prompts WHERE alert_id = $AID AND alert_level = 'emergency'")" 1 \
		"assist put an emergency pop-up on the dashboard"
fi

create_rule info '{trigger_type: "manual"}'
RI=$RULE_ID
add_step "$RI" '{"step_type": "notification", "config_json": {"alert_level": "info", "message_template": "Just so you know"}}'
if ! execute "$RI"; then
	skip "end to end: info notification" "POST /rules/{id}/execute: $STATUS, or the run did not complete"
else
	ok "end to end: the info run completed"
	api GET "/api/v1/workflows/$EXEC"
	expect_json '.pipeline_data | [.notification_dispatched, (.notification_channels | keys | join("+")), (has("alert_id"))] | map(tostring) | join(",")' \
		"true,pwa_popup_text,false" "info: the pop-up only, no alert"
	is "$(sql "SELECT COUNT(*) FROM alerts WHERE execution_id = $EXEC")" 0 "info raises no alert"
	is "$(sql "SELECT CONCAT(message, ',', alert_level) FROM prompts WHERE execution_id = $EXEC")" \
		"Just so you know,info" "info: one pop-up with the message"
fi

finish
