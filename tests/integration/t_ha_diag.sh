#!/bin/bash
# Home Assistant read live and pushing in, against a stand-in HA
# (tests/tools/fake_ha.py): GET /dashboards and a dashboard's config,
# GET /diagnostics/ha-health (an entity made unavailable, an integration in
# error), /diagnostics/error-log (parsed, a traceback kept with its entry),
# /diagnostics/config-check (valid, invalid); HA down, slow or not
# configured; POST /webhooks/ha with its own secret (a state change becomes
# one sensor event, the same change twice still one); HA's connection set
# through /settings (the token never shown, a new url only with a token).
# The token never appears in a reply or a log.
. "$(dirname "$0")/lib.sh"

P="had-$RUN_ID"
ENTITY="binary_sensor.${P//-/_}_door"
NEW_TOKEN="rotated-ha-token-$RUN_ID"
LOGS_DIR=$(config_get logs dir)
: >"$T/replies"
# Every reply of this file is kept, to look for the token at the end.
keep() { printf '%s\n' "$BODY" >>"$T/replies"; }

# ---------------------------------------------------------------- not configured
if [ -z "$(config_get homeassistant url)" ]; then
	api GET /api/v1/dashboards
	keep
	expect_status 503 "HA not configured: GET /dashboards 503"
	expect_json '.detail | contains("ha_url")' true "... saying what to set, in the file or the settings"
	api GET /api/v1/diagnostics/error-log
	expect_status 503 "... and GET /diagnostics/error-log 503"
else
	skip "HA not configured: GET /dashboards 503" "the stack has [homeassistant] url set"
	skip "... saying what to set, in the file or the settings" "the stack has [homeassistant] url set"
	skip "... and GET /diagnostics/error-log 503" "the stack has [homeassistant] url set"
fi

if ! ha_start; then
	not_ok "setup: the stand-in Home Assistant starts" "$(cat "$T/fake_ha.out" 2>/dev/null)"
	finish
fi
outbound_to_ha
# Whatever the settings hold of HA's connection goes back to the file's.
on_exit "api PATCH /api/v1/settings '{\"ha_url\": null, \"ha_token\": null, \"ha_verify_tls\": null}'"
api PATCH /api/v1/settings '{"ha_url": null, "ha_token": null, "ha_verify_tls": null}'
expect_status 200 "setup: HA's connection is the file's (settings back to hearth.conf)"
ok "setup: the stand-in Home Assistant runs at $HA_URL"

# ---------------------------------------------------------------- dashboards
api GET /api/v1/dashboards
keep
expect_status 200 "GET /dashboards: 200"
expect_json '[.items[].url_path] | join(",")' "lovelace,dashboard-wall,dashboard-cameras" \
	"the default dashboard first, then HA's"
expect_json '[.items[0].default, .items[1].default, .items[1].title] | map(tostring) | join(",")' \
	"true,false,Wall tablet" "... each with default and HA's fields"
api GET /api/v1/dashboards/lovelace/config
keep
expect_status 200 "GET /dashboards/lovelace/config: the default dashboard"
expect_json '.config.views[0].title' Home "... HA's configuration (views)"
api GET /api/v1/dashboards/dashboard-wall/config
expect_status 200 "GET /dashboards/dashboard-wall/config: 200"
expect_json '[.url_path, (.config | type)] | join(",")' "dashboard-wall,object" "... its config"
api GET /api/v1/dashboards/no-such-board/config
expect_status 404 "an unknown dashboard (HA's config_not_found): 404"
api GET /api/v1/dashboards/Bad.Path/config
expect_status 422 "a url_path that is not one: 422"
is "$(ha_get '/_test/commands?type=lovelace/config' | jq '[.[].msg.url_path] | map(tostring) | join(",")' -r)" \
	"null,dashboard-wall,no-such-board" "HA was asked for the default without a url_path, the others with theirs"

# ---------------------------------------------------------------- ha-health
ha_post /_test/state '{"entity_id": "light.kitchen_ceiling", "state": "unavailable"}' >/dev/null
ha_post /_test/config_entry '{"domain": "netatmo", "state": "setup_retry", "reason": "Unable to reach Netatmo"}' >/dev/null
api GET /api/v1/diagnostics/ha-health
keep
expect_status 200 "GET /diagnostics/ha-health: 200"
expect_json '[.source, .home_assistant.reachable, .home_assistant.version, .healthy] | map(tostring) | join(",")' \
	"live,true,2025.6.1,false" "read live: HA's version, not healthy"
expect_json '[.entities.unavailable[].entity_id] | index("light.kitchen_ceiling") != null' true \
	"the entity made unavailable is listed"
expect_json '[.entities.unknown[].entity_id | select(startswith("button.") or startswith("scene."))] | length' 0 \
	"buttons and scenes never used are not reported unknown"
expect_json '[.integrations.errors[] | "\(.domain):\(.state):\(.reason)"] | join(",")' \
	"netatmo:setup_retry:Unable to reach Netatmo" "the integration in error, with its state and reason"
expect_json '.integrations.total > 5' true "... out of every config entry"
expect_json '.bridge | type' object "the bridge's status is there"
create_key "$P-carer" caregiver && CARER=$NEW_KEY
on_exit "api DELETE /api/v1/api-keys/$KEY_ID"
KEY=$CARER api GET /api/v1/diagnostics/ha-health
expect_status 403 "a caregiver may not read the diagnostics (admin only)"
KEY=$CARER api GET /api/v1/dashboards
expect_status 200 "... but may read the dashboards"

# ---------------------------------------------------------------- error-log
TRACE=$(printf '%s\n' \
	"2026-01-01 09:00:00.100 ERROR (MainThread) [homeassistant.components.hadiag] Error doing job: Task exception" \
	"Traceback (most recent call last):" \
	"  File \"/usr/src/homeassistant/homeassistant/core.py\", line 1, in run" \
	"ValueError: hadiag boom" \
	"2026-01-01 09:01:00.100 ERROR (MainThread) [homeassistant.components.netatmo] Unable to fetch data from Netatmo: 503, message='Service Unavailable'" \
	"2026-01-01 09:02:00.100 ERROR (MainThread) [homeassistant.components.hadiag] Error doing job: Task exception" \
	"Traceback (most recent call last):" \
	"  File \"/usr/src/homeassistant/homeassistant/core.py\", line 1, in run" \
	"ValueError: hadiag boom")
ha_post /_test/error_log "$(jq -nc --arg t "$TRACE" '{append: $t}')" >/dev/null
api GET /api/v1/diagnostics/error-log
keep
expect_status 200 "GET /diagnostics/error-log: 200"
expect_json '.entries[0] | [.level, .logger, .count, .first_seen, .time] | map(tostring) | join(",")' \
	"error,homeassistant.components.hadiag,2,2026-01-01 09:00:00.100,2026-01-01 09:02:00.100" \
	"newest first; the repeated entry folded, with its count and first_seen"
expect_json '.entries[0].traceback | (startswith("Traceback") and endswith("ValueError: hadiag boom"))' true \
	"the traceback stays with its entry"
expect_json '.entries[0].message' "Error doing job: Task exception" "... and the message is the first line"
expect_json '[.entries[] | select(.logger == "homeassistant.components.netatmo") | .count] | add' 2 \
	"the house's own netatmo error and the new one are one entry, counted twice"
api GET "/api/v1/diagnostics/error-log?level=error&limit=1"
expect_json '[(.entries | length), .entries[0].level, .total] | map(tostring) | join(",")' "1,error,2" \
	"?level=error&limit=1: one entry, total 2 errors"
api GET "/api/v1/diagnostics/error-log?level=loud"
expect_status 422 "?level= not a level: 422"
api GET "/api/v1/diagnostics/error-log?limit=0"
expect_status 422 "?limit=0: 422"

# ---------------------------------------------------------------- config-check
api GET /api/v1/diagnostics/config-check
keep
expect_status 200 "GET /diagnostics/config-check: 200"
expect_json '[.result, (.errors | length)] | map(tostring) | join(",")' "valid,0" "HA says valid"
ha_post /_test/check_config '{"result": "invalid", "errors": "Invalid config for [light]: required key not provided\nIntegration error: hadiag - Integration not found."}' >/dev/null
api GET /api/v1/diagnostics/config-check
expect_json '[.result, (.errors | length), .errors[1]] | map(tostring) | join(",")' \
	"invalid,2,Integration error: hadiag - Integration not found." "HA says invalid: its errors, one a line"
is "$(ha_get '/_test/requests?prefix=/api/config/core/check_config' | jq -r '[.[].method] | unique | join(",")')" POST \
	"HA was asked with POST /api/config/core/check_config"

# ---------------------------------------------------------------- HA failing
ha_post /_test/fail '{"prefix": "/api/error_log", "status": 500, "times": 1}' >/dev/null
api GET /api/v1/diagnostics/error-log
keep
expect_status 502 "HA answering 500: 502"
expect_json '.detail | contains("500")' true "... saying what HA answered"
ha_post /_test/fail '{"ws_command": "lovelace/dashboards/list", "times": 1, "code": "unknown_error", "message": "boom"}' >/dev/null
api GET /api/v1/dashboards
expect_status 502 "HA refusing a WebSocket command: 502"
ha_post /_test/delay '{"prefix": "/api/config/core/check_config", "ms": 6000, "times": 1}' >/dev/null
api GET /api/v1/diagnostics/config-check
expect_status 504 "HA slower than timeout_seconds: 504"
expect_time_under 5.5 "... within the timeout, not hung"
ha_post /_test/delay '{"ws_command": "lovelace/config", "ms": 6000, "times": 1}' >/dev/null
api GET /api/v1/dashboards/lovelace/config
expect_status 504 "HA slow over the WebSocket: 504"
ha_stop
api GET /api/v1/dashboards
keep
expect_status 502 "HA down: GET /dashboards 502"
api GET /api/v1/diagnostics/config-check
expect_status 502 "HA down: GET /diagnostics/config-check 502"
api GET /api/v1/diagnostics/ha-health
keep
expect_status 200 "HA down: GET /diagnostics/ha-health still 200"
expect_json '[.source, .home_assistant.reachable, (.home_assistant.error | type), .healthy, (.integrations | type)] | map(tostring) | join(",")' \
	"database,false,string,false,null" "... from what Hearth kept, saying HA could not be reached"
ha_restart
wait_until 10 status_is 200 GET /api/v1/dashboards
expect_status 200 "HA back: 200 again"

# ---------------------------------------------------------------- the webhook
create_room "$P-hall" && ROOM=$ROOM_ID
create_sensor "$(jq -nc --arg n "$P-door" --arg e "$ENTITY" --argjson r "$ROOM" \
	'{name: $n, sensor_type: "contact", room_id: $r, source: "home_assistant", external_id: $e}')"
DOOR=$SENSOR_ID
on_exit "sql \"DELETE FROM ha_entities WHERE entity_id = '$ENTITY'\"; api DELETE /api/v1/sensors/$DOOR; api DELETE /api/v1/rooms/$ROOM; sql \"DELETE FROM settings WHERE name = 'ha_webhook'\""
sql "DELETE FROM settings WHERE name = 'ha_webhook'"
door_events() { q "SELECT COUNT(*) FROM sensor_events WHERE sensor_id = $DOOR"; }
change() { jq -nc --arg e "${3:-$ENTITY}" --arg s "$1" --arg o "$2" \
	'{entity_id: $e, new_state: {entity_id: $e, state: $s, attributes: {device_class: "door"}, last_changed: "2026-01-01T10:00:00+00:00", context: {id: "x"}}, old_state: {state: $o}}'; }

KEY= api POST /api/v1/webhooks/ha "$(change on off)"
expect_status 401 "POST /webhooks/ha without X-Webhook-Secret: 401"
KEY= api POST /api/v1/webhooks/ha "$(change on off)" -H "X-Webhook-Secret: guess"
expect_status 403 "... with one before any was generated: 403"
AUDIT0=$(q "SELECT COALESCE(MAX(id), 0) FROM audit_log")
KEY=$CARER api POST /api/v1/webhooks/ha/generate-secret
expect_status 403 "a caregiver may not generate the secret"
api POST /api/v1/webhooks/ha/generate-secret
keep
expect_status 200 "POST /webhooks/ha/generate-secret (admin): 200"
SECRET=$(jb .secret)
expect_json '.header' X-Webhook-Secret "... naming the header it goes in"
is "$(q "SELECT JSON_VALUE(value, '$.hash') = SHA2('$SECRET', 256) FROM settings WHERE name = 'ha_webhook'")" 1 \
	"only the secret's hash is stored"
KEY= api POST /api/v1/webhooks/ha "$(change on off)" -H "X-Webhook-Secret: x$SECRET"
expect_status 403 "a wrong secret: 403"
is "$(door_events)" 0 "... nothing recorded"

KEY= api POST /api/v1/webhooks/ha "$(change on off)" -H "X-Webhook-Secret: $SECRET"
keep
expect_status 202 "a state change with the secret: 202"
expect_json '[.recorded, .results[0].result, .results[0].sensor_id, .results[0].event_type] | map(tostring) | join(",")' \
	"1,recorded,$DOOR,open" "... recorded as the door sensor's open event"
is "$(door_events)" 1 "exactly one sensor event"
is "$(q "SELECT state FROM ha_entities WHERE entity_id = '$ENTITY'")" on "the entity's last state is kept"
is "$(q "SELECT occurred_at FROM sensor_events WHERE sensor_id = $DOOR ORDER BY id DESC LIMIT 1")" \
	"2026-01-01 10:00:00.000" "... at HA's last_changed"
KEY= api POST /api/v1/webhooks/ha "$(change on off)" -H "X-Webhook-Secret: $SECRET"
expect_status 202 "the same change again: 202"
expect_json '[.recorded, .results[0].result] | map(tostring) | join(",")' "0,unchanged" "... recorded nothing"
is "$(door_events)" 1 "still one sensor event"

KEY= api POST /api/v1/webhooks/ha "[$(change off on), $(change on off), $(change on off sensor.not_linked_here)]" \
	-H "X-Webhook-Secret: $SECRET"
expect_status 202 "a list of changes: 202"
expect_json '[.recorded, (.results | map(.result) | join("/"))] | map(tostring) | join(",")' "2,recorded/recorded/ignored" \
	"each recorded in order; the unlinked entity ignored"
expect_json '.results[2].reason | contains("linked")' true "... with the reason"
is "$(door_events)" 3 "two more events, three in all"
is "$(q "SELECT GROUP_CONCAT(event_type ORDER BY id) FROM sensor_events WHERE sensor_id = $DOOR")" \
	"open,close,open" "open, close, open"
KEY= api POST /api/v1/webhooks/ha "$(jq -nc '{type: "approval", entity_id: "x.y", new_state: null}')" \
	-H "X-Webhook-Secret: $SECRET"
expect_status 422 "another kind of push (an approval): 422"
expect_json '.detail[0].msg | contains("state_changed")' true "... naming what is supported"
KEY= api POST /api/v1/webhooks/ha "$(jq -nc '{entity_id: "Not An Id", new_state: {state: "on"}}')" \
	-H "X-Webhook-Secret: $SECRET"
expect_status 422 "an entity_id that is not one: 422"
KEY= api POST /api/v1/webhooks/ha '[]' -H "X-Webhook-Secret: $SECRET"
expect_status 422 "an empty list: 422"
OLD=$SECRET
api POST /api/v1/webhooks/ha/generate-secret
SECRET=$(jb .secret)
KEY= api POST /api/v1/webhooks/ha "$(change off on)" -H "X-Webhook-Secret: $OLD"
expect_status 403 "a rotated secret stops working at once"
KEY= api POST /api/v1/webhooks/ha "$(change off on)" -H "X-Webhook-Secret: $SECRET"
expect_status 202 "... the new one works"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/webhooks/ha/generate-secret' AND status = 200")" 2 \
	"making a secret is audited"

# ---------------------------------------------------------------- settings
api GET /api/v1/settings
keep
expect_status 200 "GET /settings: 200"
expect_json '[.ha_url, (.ha_token | tojson), .ha_verify_tls] | map(tostring) | join(",")' \
	"$HA_URL,{\"set\":true},true" "HA's connection: the url, the token only as set, verify_tls"
api PATCH /api/v1/settings "$(jq -nc '{ha_url: "http://192.0.2.10:8123"}')"
keep
expect_status 422 "a new ha_url without ha_token: 422"
expect_loc '["body","ha_url"]' value_error "... at ha_url"
expect_json '.detail[0].msg | contains("ha_token")' true "... saying the token must come with it"
api PATCH /api/v1/settings '{"ha_verify_tls": false}'
expect_status 422 "turning TLS verification off without the token: 422"
api PATCH /api/v1/settings "$(jq -nc '{ha_url: "http://169.254.169.254/", ha_token: "x"}')"
expect_status 422 "an ha_url the outbound policy refuses: 422"
expect_loc '["body","ha_url"]' value_error "... at ha_url"
api PATCH /api/v1/settings '{"ha_token": 12}'
expect_status 422 "a token that is not a string: 422"

# A new token, set through the API: the workers use it.
ha_post /_test/token "$(jq -nc --arg t "$NEW_TOKEN" '{token: $t}')" >/dev/null
api GET /api/v1/dashboards
expect_status 502 "HA refusing the file's token now: 502"
api PATCH /api/v1/settings "$(jq -nc --arg t "$NEW_TOKEN" '{ha_token: $t}')"
keep
expect_status 200 "PATCH /settings {ha_token}: 200"
expect_json '.ha_token | tojson' '{"set":true}' "... the reply shows only that it is set"
wait_until 5 status_is 200 GET /api/v1/dashboards
expect_status 200 "the workers use the token from the settings"
is "$(ha_get '/_test/commands?type=auth' | jq -r 'last | .ok')" true "... HA accepts it"
bridge_reconnects() { q "SELECT reconnects FROM ha_bridge_status ORDER BY updated_at DESC LIMIT 1"; }
bridge_back() { [ "$(bridge_reconnects)" -gt "$R0" ] && sql_is "SELECT connected FROM ha_bridge_status ORDER BY updated_at DESC LIMIT 1" 1; }
R0=$(bridge_reconnects)
api PATCH /api/v1/settings "$(jq -nc --arg u "$HA_URL/" --arg t "$NEW_TOKEN" '{ha_url: $u, ha_token: $t}')"
expect_status 200 "a new ha_url with its token: 200"
expect_json .ha_url "$HA_URL/" "... in effect"
api GET /api/v1/diagnostics/config-check
expect_status 200 "... and used"
# The bridge follows the settings: a new url makes it reconnect, with the
# token from the settings (HA refuses the file's now).
if wait_until 30 bridge_back; then
	ok "hearth-ha-bridge reconnects to the new url with the token from the settings"
else
	not_ok "hearth-ha-bridge reconnects to the new url with the token from the settings" \
		"reconnects $(bridge_reconnects) (before: $R0); $(tail -n 3 "$LOGS_DIR/hearth-ha-bridge.log" 2>/dev/null)"
fi
api PATCH /api/v1/settings '{"ha_url": "", "ha_token": ""}'
expect_status 200 "HA's connection emptied through the settings: 200"
api GET /api/v1/dashboards
expect_status 503 "... then GET /dashboards: 503 (not configured)"
api GET /api/v1/diagnostics/ha-health
expect_status 503 "... and ha-health 503"
api PATCH /api/v1/settings '{"ha_url": null, "ha_token": null, "ha_verify_tls": null}'
expect_status 200 "back to hearth.conf's connection without a token: allowed (the file's own)"
expect_json .ha_url "$HA_URL" "... the file's url"

# ---------------------------------------------------------------- the token
if grep -qF -e "$HA_TOKEN" -e "$NEW_TOKEN" "$T/replies"; then
	not_ok "the HA token never appears in a reply" "$(grep -F -e "$HA_TOKEN" -e "$NEW_TOKEN" "$T/replies" | head -c 300)"
else
	ok "the HA token never appears in a reply"
fi
if [ -n "$LOGS_DIR" ] && grep -rqF -e "$HA_TOKEN" -e "$NEW_TOKEN" "$LOGS_DIR" 2>/dev/null; then
	not_ok "the HA token never appears in a log" "$(grep -rlF -e "$HA_TOKEN" -e "$NEW_TOKEN" "$LOGS_DIR" | head -3)"
else
	ok "the HA token never appears in a log"
fi
if grep -rqF -e "$SECRET" "$LOGS_DIR" 2>/dev/null; then
	not_ok "the webhook secret never appears in a log"
else
	ok "the webhook secret never appears in a log"
fi

finish
