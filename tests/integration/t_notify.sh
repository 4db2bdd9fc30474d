#!/bin/bash
# Notifications on every channel, against a loopback stand-in for Telegram,
# Home Assistant and a webhook receiver: routing per alert level
# (GET/PUT /notification-rules), rendered messages per channel, quiet hours,
# reminders of unanswered alerts (escalation), the ha_action step, the
# outbound URL policy, and a receiver that fails before it succeeds.
. "$(dirname "$0")/lib.sh"

P="notify-$RUN_ID"

on_exit "sql \"DELETE FROM jobs WHERE alert_id IN (SELECT id FROM alerts WHERE title LIKE '%$P%') OR execution_id IN (SELECT id FROM workflow_executions WHERE rule_name LIKE '$P%')\"; sql \"DELETE FROM prompts WHERE title LIKE '%$P%'\"; sql \"DELETE FROM alerts WHERE title LIKE '%$P%'\"; sql \"DELETE FROM workflow_executions WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM event_logs WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\""
# The routing is global: put it back as the migration made it.
on_exit "sql \"UPDATE notification_rules SET channels = CASE level WHEN 'emergency' THEN '[\\\"pwa_popup_text\\\", \\\"telegram\\\", \\\"eink\\\", \\\"ha_speaker_tts\\\"]' WHEN 'warning' THEN '[\\\"pwa_popup_text\\\", \\\"telegram\\\", \\\"eink\\\", \\\"pwa_realtime_ai\\\"]' WHEN 'info' THEN '[\\\"pwa_popup_text\\\"]' ELSE '[\\\"pwa_popup_text\\\", \\\"ha_speaker_tts\\\", \\\"eink\\\"]' END, quiet_hours_enabled = TRUE, quiet_start = '22:00', quiet_end = '07:00', escalation_minutes = IF(level = 'emergency', 5, IF(level = 'warning', 10, 0)), repeat_count = IF(level IN ('emergency', 'warning'), 3, 0)\""

rule() { jq -nc --arg n "$P-$1" '{name: $n, trigger_type: "manual", cool_off_minutes: 0, max_daily_triggers: 100000}'; }
EXEC=
execute() {
	EXEC=
	api POST "/api/v1/rules/$1/execute" "${2:-{\}}"
	[ "$STATUS" = 202 ] || return 1
	EXEC=$(jb .execution_id)
	wait_until 20 run_done "$EXEC"
}
data() { sql "SELECT JSON_EXTRACT(pipeline_data, '$.$2') FROM event_logs WHERE id = (SELECT event_log_id FROM workflow_executions WHERE id = $1)"; }
job_of() { sql "SELECT CONCAT(status, ',', attempts) FROM jobs WHERE id = $1"; }
hhmm() { TZ="${HUB_TZ:-}" date -d "@$(($(date +%s) + $1 * 60))" +%H:%M; }
HUB_TZ=$(config_get engine timezone)

# ---------------------------------------------------------------- routing API
api GET /api/v1/notification-rules
expect_status 200 "GET /notification-rules: 200"
expect_json '[.items[].level] | join(",")' "emergency,warning,info,reminder" "four levels, emergency first"
expect_json '.items[0] | [(.channels | join("+")), .escalation_minutes, .repeat_count] | map(tostring) | join(",")' \
	"pwa_popup_text+telegram+eink+ha_speaker_tts,5,3" "emergency: the reference's channels, every 5 min, 3 times"
expect_json '.items[1] | [(.channels | join("+")), .escalation_minutes, .repeat_count] | map(tostring) | join(",")' \
	"pwa_popup_text+telegram+eink+pwa_realtime_ai,10,3" "warning: its channels, every 10 min, 3 times"
expect_json '.items[0].quiet_hours | [.enabled, .start, .end] | map(tostring) | join(",")' "true,22:00,07:00" \
	"quiet hours 22:00-07:00"
BEFORE=$(sql "SELECT CONCAT(channels, quiet_start, escalation_minutes) FROM notification_rules WHERE level = 'info'")

api PUT /api/v1/notification-rules/info '{"channels": ["pwa_popup_text", "fax"], "quiet_hours": {"start": "25:00", "later": 1}, "escalation_minutes": -1, "colour": "red"}'
expect_status 422 "PUT with four mistakes: 422"
expect_loc '["body","channels","1"]' enum
expect_loc '["body","quiet_hours","start"]' value_error
expect_loc '["body","quiet_hours","later"]' extra_forbidden
expect_loc '["body","escalation_minutes"]' greater_than_equal
expect_loc '["body","colour"]' extra_forbidden
api PUT /api/v1/notification-rules/info '{"channels": ["telegram", "telegram"]}'
expect_status 422 "a channel listed twice: 422"
api PUT /api/v1/notification-rules/info '{"repeat_count": 1000000, "escalation_minutes": 99999999999}'
expect_status 422 "huge repeat_count and escalation_minutes: 422"
expect_loc '["body","repeat_count"]' less_than_equal
api PUT /api/v1/notification-rules/info '{"channels": "telegram", "quiet_hours": [], "repeat_count": "3"}'
expect_status 422 "wrong types: 422"
expect_loc '["body","channels"]' list_type
api PUT /api/v1/notification-rules/info '{"channels": ['
expect_status 400 "malformed JSON: 400"
is "$(sql "SELECT CONCAT(channels, quiet_start, escalation_minutes) FROM notification_rules WHERE level = 'info'")" \
	"$BEFORE" "... the rule is untouched"
api PUT /api/v1/notification-rules/urgent '{"repeat_count": 1}'
expect_status 404 "an unknown level: 404"
if create_key "$P-care" caregiver; then
	KEY=$NEW_KEY api PUT /api/v1/notification-rules/info '{"repeat_count": 1}'
	expect_status 403 "a caregiver may not change the routing: 403"
	KEY=$NEW_KEY api GET /api/v1/notification-rules
	expect_status 200 "... but may read it"
	on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
fi
api PUT /api/v1/notification-rules/info '{"quiet_hours": {"enabled": false}}'
expect_status 200 "a partial PUT: 200"
expect_json '[.quiet_hours.enabled, .quiet_hours.start, (.channels | join("+"))] | map(tostring) | join(",")' \
	"false,22:00,pwa_popup_text" "... changes only what it names"

# ---------------------------------------------------------------- without configuration
create_rule unconfigured
RU=$RULE_ID
add_step "$RU" '{"step_type": "notification", "config_json": {"alert_level": "info", "channels": ["pwa_popup_text", "telegram", "ha_speaker_tts"]}}'
expect_status 201 "a step on telegram and the HA speaker can be saved before they are configured"
if execute "$RU"; then
	is "$(data "$EXEC" notification_channels | jq -c .)" '{"pwa_popup_text":true,"telegram":false,"ha_speaker_tts":false}' \
		"unconfigured: telegram and the speaker are reported undelivered"
	is "$(data "$EXEC" notification_errors.telegram | jq -r .)" \
		"Telegram is not configured ([telegram] bot_token and a chat id)" "... saying what to configure"
	is "$(sql "SELECT COUNT(*) FROM jobs WHERE execution_id = $EXEC AND queue <> 'pwa_popup_text'")" 0 \
		"... and queue nothing that cannot be delivered"
else
	not_ok "unconfigured run" "status $(run_status "${EXEC:-0}")"
fi

# The outbound policy, as shipped: loopback and link-local refused when saving.
create_rule hooks
RH=$RULE_ID
add_step "$RH" '{"step_type": "notification", "config_json": {"channels": ["webhook"], "webhook_url": "http://169.254.169.254/latest/meta-data"}}'
expect_status 422 "a webhook to the cloud metadata address: 422"
expect_loc '["body","config_json","webhook_url"]' url_policy
add_step "$RH" '{"step_type": "notification", "config_json": {"channels": ["webhook"], "webhook_url": "http://127.0.0.1:11211/"}}'
expect_status 422 "a webhook to loopback (memcached, say) while loopback is not allowed: 422"
add_step "$RH" '{"step_type": "notification", "config_json": {"channels": ["webhook"], "webhook_url": "file:///etc/passwd"}}'
expect_status 422 "a file:// webhook: 422"

# ---------------------------------------------------------------- every channel
fake_start || { not_ok "the fake outside server starts"; finish; }
outbound_to_fake && ok "the stack now talks to the stand-in server" || not_ok "restart with the stand-in's settings"
api PUT /api/v1/notification-rules/warning '{"quiet_hours": {"enabled": false}}'

create_rule all
RA=$RULE_ID
STEP=$(jq -nc --arg u "$FAKE_URL/hook/all" '{step_type: "notification", config_json: {
	alert_level: "warning",
	channels: ["pwa_popup_text", "pwa_realtime_ai", "pwa_tts_announcement", "telegram", "ha_speaker_tts", "webhook"],
	message_template: "Fall in the {{ trigger_input.room }}",
	channel_templates: {telegram: "TG: fall in the {{ trigger_input.room }}",
	                    webhook: "{\"room\": \"{{ trigger_input.room }}\", \"kind\": \"fall\"}"},
	webhook_url: $u}}')
add_step "$RA" "$STEP"
expect_status 201 "a step on six channels"
if execute "$RA" '{"input": {"room": "kitchen"}}'; then
	is "$(data "$EXEC" notification_channels | jq -c 'to_entries | map(select(.value | not) | .key)')" "[]" \
		"all six channels delivered on the first attempt"
	TG=$(fake_requests "/bot123456:test-token/sendMessage")
	is "$(jq -r 'length' <<<"$TG")" 1 "telegram: one sendMessage"
	is "$(jq -r '.[0].body | [(.chat_id | tostring), .text, (.disable_notification | tostring)] | join("|")' <<<"$TG")" \
		"1000|TG: fall in the kitchen|false" "... to the default chat, with the telegram template rendered"
	HA=$(fake_requests /api/services/tts/speak)
	is "$(jq -r '.[0] | [.headers.authorization, .body.entity_id, .body.media_player_entity_id, .body.message] | join("|")' <<<"$HA")" \
		"Bearer test-ha-token|tts.piper|media_player.kitchen|Fall in the kitchen" \
		"ha_speaker_tts: tts.speak with the token, the TTS entity, the media player and the message"
	HOOK=$(fake_requests /hook/all)
	is "$(jq -c '.[0].body' <<<"$HOOK")" '{"room":"kitchen","kind":"fall"}' "webhook: the template rendered as the JSON body"
	is "$(jq -r '.[0].headers["content-type"]' <<<"$HOOK")" application/json "... as application/json"
	is "$(sql "SELECT GROUP_CONCAT(CONCAT(queue, '=', status, '/', attempts) ORDER BY queue) FROM jobs WHERE execution_id = $EXEC")" \
		"ha_speaker_tts=done/1,pwa_popup_text=done/1,pwa_realtime_ai=done/1,pwa_tts_announcement=done/1,telegram=done/1,webhook=done/1" \
		"one job per channel, each done at its first attempt"
	is "$(sql "SELECT COUNT(*) FROM alerts WHERE execution_id = $EXEC AND next_escalation_at > UTC_TIMESTAMP(3) + INTERVAL 9 MINUTE")" 1 \
		"the warning raised an alert with its first reminder 10 minutes out"
else
	not_ok "the six-channel run" "status $(run_status "${EXEC:-0}")"
fi

# A webhook template that does not render JSON sends the fallback body.
create_rule fallback
STEP=$(jq -nc --arg u "$FAKE_URL/hook/fallback" '{step_type: "notification", config_json: {
	alert_level: "info", channels: ["webhook"], message_template: "Door left open",
	channel_templates: {webhook: "not {json"}, webhook_url: $u}}')
add_step "$RULE_ID" "$STEP"
if execute "$RULE_ID"; then
	is "$(fake_requests /hook/fallback | jq -r '.[0].body | [.source, .alert_level, .message, .title, (.execution_id | tostring)] | join("|")')" \
		"hearth|info|Door left open|$P-fallback|$EXEC" "webhook: a template that is not JSON sends the fallback body"
else
	not_ok "the fallback run"
fi

# Emergency goes to its own chat.
create_rule sos
STEP='{"step_type": "notification", "config_json": {"alert_level": "emergency", "channels": ["telegram"], "message_template": "Help"}}'
add_step "$RULE_ID" "$STEP"
fake_reset
if execute "$RULE_ID"; then
	is "$(fake_requests /bot | jq -r '.[0].body.chat_id | tostring')" 1001 "an emergency goes to chat_id_emergency"
else
	not_ok "the emergency run"
fi

# ---------------------------------------------------------------- retries
create_rule retry
RR=$RULE_ID
add_step "$RR" "$(jq -nc --arg u "$FAKE_URL/hook/flaky" '{step_type: "notification", config_json: {alert_level: "info", channels: ["webhook"], message_template: "x", webhook_url: $u}}')"
fake_fail /hook/flaky 2 503
if execute "$RR"; then
	is "$(data "$EXEC" notification_channels.webhook)" false "a receiver that fails: the first attempt is reported false"
	is "$(data "$EXEC" notification_errors.webhook | jq -r 'contains("503") and contains("retried")')" true \
		"... with the receiver's status and that it is retried"
	JOB=$(sql "SELECT id FROM jobs WHERE execution_id = $EXEC")
	wait_until 15 sql_is "SELECT CONCAT(status, ',', attempts) FROM jobs WHERE id = $JOB" "done,3"
	is "$(job_of "$JOB")" "done,3" "fails twice then succeeds: done after 3 attempts"
	is "$(fake_count /hook/flaky)" 3 "... the receiver saw 3 requests, one of them a success"
	GAPS=$(fake_requests /hook/flaky | jq -r '[.[1].at - .[0].at, .[2].at - .[1].at] | map(. * 1000 | floor) | join(" ")')
	read -r G1 G2 <<<"$GAPS"
	if [ "${G1:-0}" -ge 450 ] && [ "${G2:-0}" -ge 950 ]; then ok "... backing off: ${G1} ms, then ${G2} ms"
	else not_ok "... backing off" "gaps: $GAPS ms"; fi
else
	not_ok "the flaky run"
fi

# ---------------------------------------------------------------- faults
# nginx (and with it nchan) restarting: a dashboard message waits in the
# queue and goes out once it is back.
devstack stop nginx >/dev/null
JOB=$(sql "INSERT INTO jobs (queue, payload) VALUES ('pwa_tts_announcement',
	JSON_OBJECT('channel', 'prompts', 'type', 'notification.tts_announcement',
	            'data', JSON_OBJECT('message', '$P while nginx restarts'))); SELECT LAST_INSERT_ID()")
wait_until 10 sql_is "SELECT attempts > 0 AND status = 'pending' FROM jobs WHERE id = $JOB" 1
is "$(sql "SELECT CONCAT(status, ',', attempts, ',', last_error IS NOT NULL) FROM jobs WHERE id = $JOB")" "pending,1,1" \
	"nginx down: publishing fails and the job waits for its retry"
devstack start nginx >/dev/null
wait_until 10 sql_is "SELECT status FROM jobs WHERE id = $JOB" done
is "$(sql "SELECT CONCAT(status, ',', attempts) FROM jobs WHERE id = $JOB")" "done,2" "... and goes out once nginx is back"
wait_until 10 status_is 200 GET /health

# A worker killed in the middle of a delivery: the job's lease runs out and
# the scheduler delivers it.
create_rule killed
add_step "$RULE_ID" "$(jq -nc --arg u "$FAKE_URL/hook/slow" '{step_type: "notification", config_json: {alert_level: "info", channels: ["webhook"], message_template: "x", webhook_url: $u}}')"
curl -s --max-time 5 -o /dev/null -X POST "$FAKE_URL/_control/fail" -d '{"prefix": "/hook/slow", "times": 1, "status": 200, "delay_ms": 2500}'
api POST "/api/v1/rules/$RULE_ID/execute" '{}'
EXEC=$(jb .execution_id)
wait_until 10 sql_is "SELECT status FROM jobs WHERE execution_id = ${EXEC:-0}" running
JOB=$(sql "SELECT id FROM jobs WHERE execution_id = ${EXEC:-0}")
OWNER=$(sql "SELECT SUBSTRING_INDEX(owner, ':', -1) FROM jobs WHERE id = ${JOB:-0}")
if [ -n "$OWNER" ] && kill -9 "$OWNER" 2>/dev/null; then
	ok "a worker delivering a slow webhook is killed (pid $OWNER)"
else
	not_ok "kill the delivering worker" "job ${JOB:-?} owner '${OWNER}'"
fi
wait_until 25 sql_is "SELECT status FROM jobs WHERE id = ${JOB:-0}" done
is "$(sql "SELECT CONCAT(status, ',', attempts) FROM jobs WHERE id = ${JOB:-0}")" "done,2" \
	"... the job is taken up again when its lease runs out and delivered"
is "$(fake_count /hook/slow)" 2 "... the receiver saw the cut-off attempt and the delivery"
wait_until 10 status_is 200 GET /health

# ---------------------------------------------------------------- quiet hours
api PUT /api/v1/notification-rules/reminder "$(jq -nc --arg s "$(hhmm -1)" --arg e "$(hhmm 60)" \
	'{quiet_hours: {enabled: true, start: $s, end: $e}}')"
expect_status 200 "quiet hours from a minute ago for an hour"
create_rule quiet
add_step "$RULE_ID" '{"step_type": "notification", "config_json": {"alert_level": "reminder", "channels": ["pwa_popup_text", "ha_speaker_tts", "telegram"], "message_template": "Pills"}}'
fake_reset
if execute "$RULE_ID"; then
	is "$(data "$EXEC" notification_channels | jq -c .)" '{"pwa_popup_text":true,"ha_speaker_tts":false,"telegram":true}' \
		"in quiet hours: the pop-up and Telegram go, the speaker does not"
	is "$(data "$EXEC" notification_errors.ha_speaker_tts | jq -r .)" "held back: quiet hours $(hhmm -1)-$(hhmm 60)" \
		"... which says why"
	is "$(fake_count /api/services/tts)" 0 "... Home Assistant was not asked to speak"
	is "$(fake_requests /bot | jq -r '.[0].body.disable_notification')" true "... Telegram arrives silently"
else
	not_ok "the quiet run"
fi
create_rule loud
add_step "$RULE_ID" '{"step_type": "notification", "config_json": {"alert_level": "emergency", "channels": ["ha_speaker_tts"], "message_template": "Fire"}}'
api PUT /api/v1/notification-rules/emergency "$(jq -nc --arg s "$(hhmm -1)" --arg e "$(hhmm 60)" \
	'{quiet_hours: {enabled: true, start: $s, end: $e}, escalation_minutes: 5, repeat_count: 3}')"
fake_reset
if execute "$RULE_ID"; then
	is "$(data "$EXEC" notification_channels.ha_speaker_tts)" true "an emergency ignores quiet hours"
	is "$(fake_count /api/services/tts/speak)" 1 "... and is spoken"
else
	not_ok "the emergency in quiet hours"
fi

# ---------------------------------------------------------------- escalation
api PUT /api/v1/notification-rules/emergency '{"channels": ["pwa_popup_text", "telegram"], "quiet_hours": {"enabled": false}}'
create_rule escalate
add_step "$RULE_ID" '{"step_type": "notification", "config_json": {"alert_level": "emergency", "message_template": "Gran has fallen"}}'
fake_reset
if execute "$RULE_ID"; then
	ALERT=$(data "$EXEC" alert_id)
	is "$(sql "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), next_escalation_at) BETWEEN 280 AND 300 FROM alerts WHERE id = $ALERT")" 1 \
		"an emergency alert's first reminder is due in 5 minutes"
	sent() { sql "SELECT escalations_sent FROM alerts WHERE id = $ALERT"; }
	for n in 1 2 3; do
		sql "UPDATE alerts SET next_escalation_at = UTC_TIMESTAMP(3) WHERE id = $ALERT"
		wait_until 6 sql_is "SELECT escalations_sent FROM alerts WHERE id = $ALERT" "$n"
		is "$(sent)" "$n" "reminder $n is sent when it is due"
	done
	is "$(fake_requests /bot | jq -r '[.[].body.text] | join("|")')" \
		"Gran has fallen|Reminder 1 of 3: Gran has fallen|Reminder 2 of 3: Gran has fallen|Reminder 3 of 3: Gran has fallen" \
		"... each on Telegram again, saying which reminder it is"
	is "$(sql "SELECT GROUP_CONCAT(title ORDER BY id SEPARATOR '|') FROM prompts WHERE alert_id = $ALERT")" \
		"$P-escalate|Reminder 1 of 3: $P-escalate|Reminder 2 of 3: $P-escalate|Reminder 3 of 3: $P-escalate" \
		"... and as a pop-up saying which reminder it is"
	is "$(sql "SELECT next_escalation_at IS NULL FROM alerts WHERE id = $ALERT")" 1 "after 3 reminders there are no more"
else
	not_ok "the escalating run"
fi
if execute "$RULE_ID"; then
	ALERT=$(data "$EXEC" alert_id)
	api POST "/api/v1/alerts/$ALERT/action" '{"action": "dismiss"}'
	expect_status 200 "dismiss the next alert"
	is "$(sql "SELECT next_escalation_at IS NULL FROM alerts WHERE id = $ALERT")" 1 "... its reminders stop"
	sql "UPDATE alerts SET next_escalation_at = UTC_TIMESTAMP(3) WHERE id = $ALERT"
	sleep 2.5
	is "$(sql "SELECT escalations_sent FROM alerts WHERE id = $ALERT")" 0 "... and a dismissed alert is never reminded of"
fi

# ---------------------------------------------------------------- ha_action
create_rule lights
add_step "$RULE_ID" '{"step_type": "ha_action", "config_json": {"domain": "light", "service": "turn_on", "entity_id": "light.hall", "data": {"brightness": 200}}}'
expect_status 201 "an ha_action step can be saved"
fake_reset
if execute "$RULE_ID"; then
	is "$(data "$EXEC" ha_action | jq -c '{domain, service, entity_id, success}')" \
		'{"domain":"light","service":"turn_on","entity_id":"light.hall","success":true}' "ha_action: success recorded"
	is "$(fake_requests /api/services/light/turn_on | jq -c '.[0] | [.headers.authorization, .body]')" \
		'["Bearer test-ha-token",{"brightness":200,"entity_id":"light.hall"}]' \
		"... POST /api/services/light/turn_on with the token, entity_id and data"
	is "$(run_status "$EXEC")" completed "... and the run completed"
fi
fake_fail /api/services/light/turn_off -1 401
create_rule dark
add_step "$RULE_ID" '{"step_type": "ha_action", "config_json": {"domain": "light", "service": "turn_off", "entity_id": "light.hall"}}'
if execute "$RULE_ID"; then
	is "$(data "$EXEC" ha_action.success)" false "ha_action refused by Home Assistant: success false"
	is "$(data "$EXEC" ha_action.error | jq -r 'test("401")')" true "... with the status in the error"
fi

finish
