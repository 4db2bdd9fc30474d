#!/bin/bash
# POST /webhooks/alerts: Alertmanager's webhook (version 4) raises Hearth
# alerts from firing alerts, once per fingerprint while open, notifies them
# on their level's channels, and resolves them when Alertmanager says so.
. "$(dirname "$0")/lib.sh"

P="am-$RUN_ID"
on_exit "sql \"DELETE FROM jobs WHERE alert_id IN (SELECT id FROM alerts WHERE title LIKE '$P%')\"; sql \"DELETE FROM prompts WHERE title LIKE '$P%'\"; sql \"DELETE FROM alerts WHERE title LIKE '$P%'\""

# payload STATUS NAME SEVERITY [FINGERPRINT]: one alert in a version 4 body.
payload() {
	jq -nc --arg s "$1" --arg n "$P-$2" --arg sev "$3" --arg fp "${4:-}" '{
		version: "4", groupKey: "{}:{alertname=\"x\"}", status: $s, receiver: "hearth",
		groupLabels: {alertname: $n}, commonLabels: {alertname: $n}, commonAnnotations: {},
		externalURL: "http://alertmanager:9093", truncatedAlerts: 0,
		alerts: [{status: $s, labels: {alertname: $n, severity: $sev, instance: "nas:9100"},
		          annotations: {summary: "Disk almost full", description: "/srv is at 95%"},
		          startsAt: "2026-11-22T10:00:00Z", endsAt: "0001-01-01T00:00:00Z",
		          generatorURL: "http://prometheus/graph"} + (if $fp == "" then {} else {fingerprint: $fp} end)]}'
}

if create_key "$P-am" alertmanager; then
	AM=$NEW_KEY
	on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
	ok "setup: a key with the alertmanager role"
else
	not_ok "setup: a key with the alertmanager role" "$(_last)"
	finish
fi

# ---------------------------------------------------------------- who may call
KEY= api POST /api/v1/webhooks/alerts "$(payload firing disk critical f00d01)"
expect_status 401 "no key: 401"
KEY=$AM api GET /api/v1/alerts
expect_status 403 "the alertmanager key reads nothing else: 403"

# ---------------------------------------------------------------- bad payloads
KEY=$AM api POST /api/v1/webhooks/alerts '{"version": "3", "alerts": []}'
expect_status 422 "version 3: 422"
expect_loc '["body","version"]' value_error
KEY=$AM api POST /api/v1/webhooks/alerts '{"version": "4", "alerts": [{"status": "burning", "labels": {"severity": "critical"}}, {"status": "firing", "labels": {"alertname": 7}}, "x"]}'
expect_status 422 "three bad alerts: 422"
expect_loc '["body","alerts","0","status"]' enum
expect_loc '["body","alerts","0","labels"]' missing
expect_loc '["body","alerts","1","labels"]' string_type
expect_loc '["body","alerts","2"]' dict_type
KEY=$AM api POST /api/v1/webhooks/alerts '{"version": "4"}'
expect_status 422 "no alerts: 422"
KEY=$AM api POST /api/v1/webhooks/alerts "$(jq -nc '{version: "4", alerts: [range(1001) | {status: "firing", labels: {alertname: "x"}}]}')"
expect_status 422 "1001 alerts in one payload: 422"
expect_loc '["body","alerts"]' too_long
KEY=$AM api POST /api/v1/webhooks/alerts '{"version": "4", "alerts": [{'
expect_status 400 "malformed JSON: 400"
is "$(sql "SELECT COUNT(*) FROM alerts WHERE title LIKE '$P%'")" 0 "... and nothing was raised"

# ---------------------------------------------------------------- firing, repeated, resolved
KEY=$AM api POST /api/v1/webhooks/alerts "$(payload firing disk critical f00d01)"
expect_status 200 "a firing alert: 200"
A1=$(jb '.raised[0]')
expect_json '[.received, (.raised | length), (.already_open | length)] | map(tostring) | join(",")' "1,1,0" \
	"... one received, one raised"
api GET "/api/v1/alerts/$A1"
expect_json '[.alert_type, .alert_level, .title, .message, .resolved, .source_key] | map(tostring) | join("|")' \
	"alertmanager|emergency|$P-disk on nas:9100|Disk almost full

/srv is at 95%|false|am:f00d01" "severity critical raises an emergency, titled with the alert name and instance"
is "$(sql "SELECT COUNT(*) FROM prompts WHERE alert_id = $A1")" 1 "... notified on the dashboard"
is "$(sql "SELECT next_escalation_at IS NOT NULL FROM alerts WHERE id = $A1")" 1 "... with reminders scheduled"

KEY=$AM api POST /api/v1/webhooks/alerts "$(payload firing disk critical f00d01)"
expect_json '[(.raised | length), .already_open[0]] | map(tostring) | join(",")' "0,$A1" \
	"Alertmanager repeating the alert finds the open one"
is "$(sql "SELECT COUNT(*) FROM alerts WHERE title LIKE '$P-disk%'")" 1 "... no second alert"

KEY=$AM api POST /api/v1/webhooks/alerts "$(payload firing temp warning)"
A2=$(jb '.raised[0]')
api GET "/api/v1/alerts/$A2"
expect_json '[.alert_level, (.source_key | startswith("am:"))] | map(tostring) | join(",")' "warning,true" \
	"severity warning, no fingerprint: a warning keyed by its labels"
KEY=$AM api POST /api/v1/webhooks/alerts "$(payload firing temp warning)"
expect_json '.already_open[0]' "$A2" "... and found again by them"

KEY=$AM api POST /api/v1/webhooks/alerts "$(payload resolved disk critical f00d01)"
expect_status 200 "resolved: 200"
expect_json '.resolved[0]' "$A1" "... names the alert it resolved"
api GET "/api/v1/alerts/$A1"
expect_json '[.resolved, .resolution, .next_escalation_at] | map(tostring) | join(",")' "true,resolved,null" \
	"the alert is resolved and its reminders stop"
KEY=$AM api POST /api/v1/webhooks/alerts "$(payload resolved disk critical f00d01)"
expect_json '[(.resolved | length), .resolved_unknown] | map(tostring) | join(",")' "0,1" \
	"resolving it again changes nothing"
KEY=$AM api POST /api/v1/webhooks/alerts "$(payload firing disk critical f00d01)"
A3=$(jb '.raised[0]')
if [ -n "$A3" ] && [ "$A3" != "$A1" ]; then ok "firing again after it resolved raises a new alert"
else not_ok "firing again after it resolved raises a new alert" "$(_last)"; fi

KEY=$AM api POST /api/v1/webhooks/alerts "$(payload firing note info)"
api GET "/api/v1/alerts/$(jb '.raised[0]' 2>/dev/null || echo 0)"
KEY=$AM api POST /api/v1/webhooks/alerts "$(payload firing note info)"
A4=$(jb '.already_open[0]')
api GET "/api/v1/alerts/$A4"
expect_json '[.alert_level, .next_escalation_at] | map(tostring) | join(",")' "info,null" \
	"severity info: an info alert, never escalated"

finish
