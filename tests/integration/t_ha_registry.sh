#!/bin/bash
# Home Assistant's registry in Hearth against a stand-in HA
# (tests/tools/fake_ha.py): POST /registry/sync keeps the house's
# automations, scripts, scenes, services and helpers; a second sync changes
# nothing; HA failing mid-sync changes nothing and the run is recorded
# failed; the lists answer from the database while HA is down; a helper
# created and deleted through Hearth reaches HA; a service call sends
# exactly the call asked for, and bad input sends nothing; the token is in
# no reply and no log.
. "$(dirname "$0")/lib.sh"

HOUSE=$HEARTH_SRC_DIR/tests/tools/fake_ha_house.json

# Every reply of this file, to look for the token in at the end.
eval "_plain_$(declare -f api)"
api() { _plain_api "$@"; printf '%s\n' "$BODY" >>"$T/replies"; }

# The registry as a fingerprint of everything a sync may change.
reg_print() {
	q "SELECT MD5(COALESCE(GROUP_CONCAT(CONCAT_WS('|', id, kind, item_id, domain, HEX(name),
		COALESCE(ha_id, '-'), COALESCE(state, '-'), MD5(data), missing_since IS NULL, synced_at)
		ORDER BY kind, item_id SEPARATOR ';'), '')) FROM ha_registry"
}
last_run() { q "SELECT CONCAT_WS(',', status, kind, trigger_source) FROM ha_sync_runs ORDER BY id DESC LIMIT 1"; }
count_of() { jq "[.states[].entity_id | select(startswith(\"$1.\"))] | length" "$HOUSE"; }
calls() { ha_get /_test/calls | jq length; }
commands() { ha_get "/_test/commands?type=$1" | jq length; }

# ---------------------------------------------------------------- not configured
if [ -z "$(config_get homeassistant url)" ]; then
	api POST /api/v1/registry/sync
	expect_status 503 "no Home Assistant configured: POST /registry/sync is 503"
	api GET /api/v1/registry/summary
	expect_status 200 "... and the summary still answers"
else
	skip "no Home Assistant configured: POST /registry/sync is 503" "the stack has [homeassistant] url set"
	skip "... and the summary still answers" "the stack has [homeassistant] url set"
fi

if ! ha_start; then
	not_ok "setup: the stand-in Home Assistant starts" "$(cat "$T/fake_ha.out" 2>/dev/null)"
	finish
fi
outbound_to_ha
ok "setup: the stand-in Home Assistant runs at $HA_URL"
sql "DELETE FROM ha_registry"
on_exit "sql 'DELETE FROM ha_registry'; sql \"DELETE FROM ha_sync_runs WHERE kind = 'registry'\""

AUTOS=$(count_of automation)
SCRIPTS=$(count_of script)
SCENES=$(count_of scene)
HELPERS=$(jq '[.states[].entity_id | split(".")[0] | select(IN("input_boolean", "input_number",
	"input_text", "input_select", "input_datetime", "input_button", "counter", "timer"))] | length' "$HOUSE")
SERVICES=$(jq '[.services[] | keys[]] | length' "$HOUSE")
TOTAL=$((AUTOS + SCRIPTS + SCENES + HELPERS + SERVICES))
AUDIT0=$(q "SELECT COALESCE(MAX(id), 0) FROM audit_log")

# ---------------------------------------------------------------- first sync
api POST /api/v1/registry/sync
expect_status 200 "POST /registry/sync: 200"
expect_json '[.kind, .trigger, .status, .error] | map(tostring) | join(",")' "registry,api,completed,null" \
	"the run: a completed registry sync from the API"
expect_json '[.created, .updated, .unchanged, .missing] | map(tostring) | join(",")' "$TOTAL,0,0,0" \
	"all $TOTAL automations, scripts, scenes, helpers and services created"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/registry/sync' AND status = 200")" 1 \
	"the sync is audited"

api GET "/api/v1/registry/automations?limit=100"
expect_status 200 "GET /registry/automations: 200"
expect_json '.items | length' "$AUTOS" "... HA's $AUTOS automations"
expect_json '[.items[] | select(.entity_id == "automation.hallway_motion_light")][0] | [.ha_id, .name, .state, .data.attributes.mode] | join(",")' \
	"1767100000000,Hallway: light on motion,on,single" "... each with its HA id, name, state and attributes"
api GET /api/v1/registry/automations/automation.morning_routine
expect_json '[.ha_id, .data.attributes.last_triggered] | join(",")' "1767100000007,2026-01-01T07:00:00.004213+00:00" \
	"GET /registry/automations/{entity_id}: last_triggered kept"
api GET /api/v1/registry/automations/1767100000007
expect_json .entity_id automation.morning_routine "GET /registry/automations/{HA's id}: the same automation"
api GET /api/v1/registry/automations/automation.nothing_here
expect_status 404 "an unknown automation: 404"
api GET "/api/v1/registry/scripts?limit=100"
expect_json '.items | length' "$SCRIPTS" "GET /registry/scripts: HA's $SCRIPTS scripts"
api GET "/api/v1/registry/scenes?limit=100"
expect_json '[(.items | length), (.items[0].ha_id | type)] | map(tostring) | join(",")' "$SCENES,string" \
	"GET /registry/scenes: HA's $SCENES scenes, with their ids"
api GET "/api/v1/registry/services?domain=light&limit=100"
expect_json '[.items[].domain] | unique | join(",")' light "GET /registry/services?domain=light: light's only"
expect_json '.items | length' "$(jq '.services.light | length' "$HOUSE")" "... all of them"
expect_json '[.items[] | select(.item_id == "light.turn_on")][0].data.fields | has("brightness_pct")' true \
	"... with HA's description of each"
api GET "/api/v1/registry/helpers?domain=input_boolean&limit=100"
expect_json '[(.items | length), ([.items[].ha_id] | sort | join(" "))] | map(tostring) | join(",")' \
	"4,alarm_armed guest_mode night_mode vacation" "GET /registry/helpers?domain=input_boolean: with their storage ids"
expect_json '[.items[] | select(.ha_id == "guest_mode")][0].data.config.name' "Guest mode" "... and config"
api GET "/api/v1/registry/helpers?limit=3"
C1=$(jb .pagination.next_cursor)
api GET "/api/v1/registry/helpers?limit=3&cursor=$C1"
expect_json '.items | length' 3 "helpers page by cursor"
api GET "/api/v1/registry/helpers?missing=maybe"
expect_status 422 "?missing=maybe: 422"
api GET /api/v1/registry/summary
expect_status 200 "GET /registry/summary: 200"
expect_json '[.automations.total, .scripts.total, .scenes.total, .services.total, .helpers.total, .helpers_by_domain.input_number, .last_sync.kind, .last_sync.status] | map(tostring) | join(",")' \
	"$AUTOS,$SCRIPTS,$SCENES,$SERVICES,$HELPERS,3,registry,completed" "... counts per kind and the last sync run"

# ---------------------------------------------------------------- again: nothing changes
PRINT=$(reg_print)
api POST /api/v1/registry/sync
expect_json '[.created, .updated, .unchanged, .missing] | map(tostring) | join(",")' "0,0,$TOTAL,0" \
	"a second sync changes nothing"
is "$(reg_print)" "$PRINT" "... and the registry table is byte for byte the same"

# ---------------------------------------------------------------- changed, gone
ha_post /_test/state '{"entity_id": "automation.garage_door_alert", "state": "on", "merge": true}' >/dev/null
ha_post /_test/state '{"entity_id": "script.announce", "state": null}' >/dev/null
api POST /api/v1/registry/sync
expect_json '[.created, .updated, .missing] | map(tostring) | join(",")' "0,1,1" \
	"an automation turned on and a script gone in HA: one updated, one missing"
api GET /api/v1/registry/automations/automation.garage_door_alert
expect_json .state on "... the automation's new state"
api GET "/api/v1/registry/scripts?missing=true"
expect_json '[.items[].entity_id] | join(",")' script.announce "... the script kept, marked missing"
PRINT=$(reg_print)
api POST /api/v1/registry/sync
expect_json '[.updated, .missing] | map(tostring) | join(",")' "0,1" "still gone: still missing, nothing written"
is "$(reg_print)" "$PRINT" "... byte for byte"

# ---------------------------------------------------------------- HA failing: nothing changes
ha_post /_test/state '{"entity_id": "automation.garage_door_alert", "state": "off", "merge": true}' >/dev/null
for cmd in get_services input_number/list; do
	ha_post /_test/fail '{"ws_command": "'"$cmd"'", "times": 1, "code": "unknown_error", "message": "boom"}' >/dev/null
	api POST /api/v1/registry/sync
	expect_status 502 "HA fails $cmd mid-sync: 502"
	expect_json '.detail | contains("boom")' true "... with HA's message"
	is "$(reg_print)" "$PRINT" "... and nothing changed"
	is "$(last_run)" "failed,registry,api" "... the run is recorded as failed"
done
ha_post /_test/fail '{"ws_command": "timer/list", "times": 1, "close": true}' >/dev/null
api POST /api/v1/registry/sync
expect_status "502|504" "HA drops the connection mid-sync: 502"
is "$(reg_print)" "$PRINT" "... and nothing changed"
ha_post /_test/fail '{"ws_command": "counter/list", "times": 1, "code": "unknown_command", "message": "Unknown command."}' >/dev/null
api POST /api/v1/registry/sync
expect_status 200 "a helper domain HA does not have (unknown_command): the sync completes"
expect_json .updated 1 "... and the pending change arrives"

# ---------------------------------------------------------------- an automation's config
api GET /api/v1/registry/automations/automation.hallway_motion_light/config
expect_status 200 "GET /registry/automations/{id}/config: 200"
expect_json '[.ha_id, .config.alias, (.config.triggers | length > 0)] | map(tostring) | join(",")' \
	"1767100000000,Hallway: light on motion,true" "... HA's config, from HA"
check "... asked of HA's REST API" test "$(ha_get '/_test/requests?prefix=/api/config/automation/config/1767100000000' | jq length)" -ge 1

# ---------------------------------------------------------------- helpers through Hearth
NAME="Reg test $RUN_ID"
SLUG=$(tr 'A-Z' 'a-z' <<<"$NAME" | sed 's/[^a-z0-9]\{1,\}/_/g; s/^_//; s/_$//')
api POST /api/v1/registry/helpers "$(jq -nc --arg n "$NAME" '{domain: "input_number", name: $n, min: 0, max: 10, step: 0.5, unit_of_measurement: "lx"}')"
expect_status 201 "POST /registry/helpers: 201"
expect_json '[.kind, .domain, .ha_id, .entity_id] | join(",")' "helper,input_number,$SLUG,input_number.$SLUG" \
	"... the helper as HA made it"
HA_STATE=$(ha_get "/_test/state/input_number.$SLUG")
is "$(jq -r '[.state, .attributes.max, .attributes.step, .attributes.friendly_name] | map(tostring) | join(",")' <<<"$HA_STATE")" \
	"0.0,10,0.5,$NAME" "... and HA has it: its entity, state and options"
is "$(ha_get /_test/commands?type=input_number/create | jq -cS '.[-1].msg | del(.id)')" \
	"$(jq -ncS --arg n "$NAME" '{type: "input_number/create", name: $n, min: 0, max: 10, step: 0.5, unit_of_measurement: "lx"}')" \
	"... sent as HA's input_number/create with exactly the options given"
api GET "/api/v1/registry/helpers?domain=input_number&limit=100"
expect_json "[.items[].ha_id] | index(\"$SLUG\") != null" true "... listed at once"

api DELETE "/api/v1/registry/helpers/input_number/$SLUG"
expect_status 204 "DELETE /registry/helpers/{domain}/{id}: 204"
is "$(ha_get /_test/commands?type=input_number/delete | jq -r '.[-1].msg.input_number_id')" "$SLUG" \
	"... sent as input_number/delete with input_number_id"
is "$(curl -s -o /dev/null -w '%{http_code}' "$HA_URL/_test/state/input_number.$SLUG")" 404 "... and HA no longer has it"
api GET "/api/v1/registry/helpers?domain=input_number&limit=100"
expect_json "[.items[].ha_id] | index(\"$SLUG\") != null" false "... nor does the list, at once"
api DELETE "/api/v1/registry/helpers/input_number/$SLUG"
expect_status 404 "deleting it again: HA's not_found is 404"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path LIKE '/api/v1/registry/helpers%' AND status IN (201, 204)")" 2 \
	"the create and the delete are audited"

CREATES=$(commands input_number/create)
for bad in '{"domain": "input_number", "name": "x", "min": 5, "max": 1}' \
	'{"domain": "input_number", "name": "x", "min": 0}' \
	'{"domain": "input_select", "name": "x", "options": ["a", "a"]}' \
	'{"domain": "input_boolean", "name": "x", "colour": "red"}' \
	'{"domain": "light", "name": "x"}' \
	'{"domain": "input_datetime", "name": "x"}'; do
	api POST /api/v1/registry/helpers "$bad"
	expect_status 422 "a helper HA would refuse: 422 ($bad)"
done
is "$(commands input_number/create)" "$CREATES" "... and nothing was sent to HA"
is "$(commands input_select/create)$(commands input_boolean/create)" 00 "... of any domain"
api DELETE /api/v1/registry/helpers/light/kitchen
expect_status 422 "deleting a helper of a domain that has none: 422"

# ---------------------------------------------------------------- service calls
N0=$(calls)
api POST /api/v1/registry/services/call '{"domain": "light", "service": "turn_on", "data": {"brightness_pct": 40}, "target": {"entity_id": "light.kitchen_ceiling"}}'
expect_status 200 "POST /registry/services/call: 200"
expect_json '[.changed_states[] | select(.entity_id == "light.kitchen_ceiling")][0] | [.state, .attributes.brightness] | map(tostring) | join(",")' \
	"on,102" "... answering the states HA changed"
is "$(calls)" "$((N0 + 1))" "... exactly one call reached HA"
is "$(ha_get /_test/calls | jq -c '.[-1] | [.via, .domain, .service, .service_data, .entity_ids]')" \
	'["rest","light","turn_on",{"brightness_pct":40,"entity_id":"light.kitchen_ceiling"},["light.kitchen_ceiling"]]' \
	"... the call asked for, the target among its data"
is "$(q "SELECT CONCAT_WS(',', status, object_id) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/registry/services/call' ORDER BY id DESC LIMIT 1")" \
	"200,light.turn_on" "... audited, naming the service"

N0=$(calls)
for bad in '{"domain": "light", "service": "tun_on"}' \
	'{"domain": "light", "service": "turn_on", "target": {"room": "kitchen"}}' \
	'{"domain": "light", "service": "turn_on", "data": [1]}' \
	'{"domain": "light", "service": "turn_on", "data": {"entity_id": "light.a"}, "target": {"entity_id": "light.b"}}' \
	'{"domain": "Light", "service": "turn_on"}' \
	'{"domain": "light", "service": "turn_on", "extra": 1}' \
	'{"service": "turn_on"}'; do
	api POST /api/v1/registry/services/call "$bad"
	expect_status 422 "a bad call: 422 ($bad)"
done
is "$(calls)" "$N0" "... and no call was made"
if create_key "reg-carer-$RUN_ID" caregiver; then
	KEY=$NEW_KEY api POST /api/v1/registry/services/call '{"domain": "light", "service": "turn_off"}'
	expect_status 403 "a caregiver may not call services: 403"
	is "$(calls)" "$N0" "... and no call was made"
else
	not_ok "setup: a caregiver key" "$STATUS $BODY"
fi

# ---------------------------------------------------------------- HA down
ha_stop
api POST /api/v1/registry/sync
expect_status 502 "HA down: POST /registry/sync is 502"
expect_json '.detail | contains("connect")' true "... saying it cannot connect"
api GET "/api/v1/registry/automations?limit=100"
expect_json '.items | length' "$AUTOS" "... GET /registry/automations still answers from the database"
api GET /api/v1/registry/automations/automation.hallway_motion_light
expect_status 200 "... and GET /registry/automations/{id}"
api GET /api/v1/registry/summary
expect_json .automations.total "$AUTOS" "... and the summary"
api GET /api/v1/registry/automations/automation.hallway_motion_light/config
expect_status 502 "... the config (from HA) is 502"
api POST /api/v1/registry/services/call '{"domain": "light", "service": "turn_off", "target": {"entity_id": "light.kitchen_ceiling"}}'
expect_status 502 "... a service call is 502"
api POST /api/v1/registry/helpers '{"domain": "input_boolean", "name": "Down"}'
expect_status 502 "... creating a helper is 502"
api DELETE /api/v1/registry/helpers/input_boolean/guest_mode
expect_status 502 "... deleting one is 502"
ha_restart >/dev/null

# ---------------------------------------------------------------- secrets
if grep -q -- "$HA_TOKEN" "$T/replies" 2>/dev/null; then
	not_ok "the HA token is in no reply"
else
	ok "the HA token is in no reply"
fi
if grep -rq -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/" 2>/dev/null; then
	not_ok "the HA token is in no log" "$(grep -rl -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/")"
else
	ok "the HA token is in no log"
fi

finish
