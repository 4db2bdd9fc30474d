#!/bin/bash
# Controlling Home Assistant entities and Hearth's scenes, against a
# stand-in HA (tests/tools/fake_ha.py): the domains summary from the synced
# entities; toggle, /light and /climate send exactly the service calls HA
# expects, with exactly the data, and answer the state HA reports after
# them; a body that is wrong, or asks what the entity does not support as
# HA reports it now, is a 422 naming the field and sends no call; HA down
# is 502, slow 504 within the timeout, not configured 503; the stored state
# is left to the bridge; scenes snapshot states and restore them per
# entity, one failing not stopping the others.  The token is in no reply
# and no log.
. "$(dirname "$0")/lib.sh"

P="hac-$RUN_ID"
HOUSE="$HEARTH_SRC_DIR/tests/tools/fake_ha_house.json"
REPLIES=$T/replies

# Every reply of this file is kept, to look for the token in at the end.
apit() {
	api "$@"
	printf '%s\n' "$BODY" >>"$REPLIES"
}
# The service calls HA recorded after mark $1 (a count), as
# [{domain, service, service_data}].
calls_mark() { ha_get /_test/calls | jq length; }
calls_since() { ha_get /_test/calls | jq -c --argjson n "$1" '.[$n:] | map({domain, service, service_data})'; }
calls_are() {
	local got
	got=$(calls_since "$1")
	if [ "$(jq -cS . <<<"$got")" = "$(jq -cS . <<<"$2")" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  $got" "want: $2"
	fi
}
no_calls_since() { calls_are "$1" '[]' "$2"; }
ha_state() { ha_get "/_test/state/$1" | jq -r "${2:-.state}"; }
set_state() { ha_post /_test/state "$(jq -nc --arg e "$1" --arg s "$2" --argjson a "${3:-null}" '{entity_id: $e, state: $s} + (if $a then {attributes: $a, merge: true} else {} end)')" >/dev/null; }
kept_state() { q "SELECT COALESCE(state, '-') FROM ha_entities WHERE entity_id = '$1'"; }

# ---------------------------------------------------------------- not configured
if [ -z "$(config_get homeassistant url)" ]; then
	apit POST /api/v1/entities/switch.coffee_plug/toggle
	expect_status 503 "no Home Assistant configured: toggle is 503"
	expect_json '.detail | contains("not configured")' true "... saying what to set"
	apit POST /api/v1/scenes/1/activate
	expect_status "503|404" "... and activating a scene is 503 (or 404 without one)"
else
	skip "no Home Assistant configured: toggle is 503" "the stack has [homeassistant] url set"
	skip "... saying what to set" "the stack has [homeassistant] url set"
	skip "... and activating a scene is 503 (or 404 without one)" "the stack has [homeassistant] url set"
fi

if ! ha_start; then
	not_ok "setup: the stand-in Home Assistant starts" "$(cat "$T/fake_ha.out" 2>/dev/null)"
	finish
fi
outbound_to_ha
ok "setup: the stand-in Home Assistant runs at $HA_URL"
on_exit "sql 'DELETE FROM ha_entities'; sql 'DELETE FROM ha_devices'; sql 'DELETE FROM ha_sync_runs'"
on_exit "sql \"DELETE FROM scenes WHERE name LIKE '$P%'\""
AUDIT0=$(q "SELECT COALESCE(MAX(id), 0) FROM audit_log")

# ---------------------------------------------------------------- domains summary
apit POST /api/v1/entities/sync
expect_status 200 "setup: the entities are synced"
apit GET /api/v1/entities/domains/summary
expect_status 200 "GET /entities/domains/summary: 200"
# HA's entity registry is what a sync keeps; an entity without a state is unknown.
REG='(.states | map({(.entity_id): .state}) | add) as $s | [.entities[] | {d: (.entity_id | split(".")[0]), s: ($s[.entity_id] // "unknown")}]'
WANT=$(jq -c "$REG | group_by(.d) | map({(.[0].d): length}) | add" "$HOUSE")
expect_json '[.items[] | {(.domain): .count}] | add | tojson' "$WANT" "... a count per domain, as HA's registry has them"
WANT=$(jq -c "$REG"' | map(select(.d == "light") | .s) |
	{on: map(select(. == "on")) | length, off: map(select(. == "off")) | length,
	 unavailable: map(select(. == "unavailable")) | length, unknown: 0, other: 0}' "$HOUSE")
expect_json '.items[] | select(.domain == "light") | .states | tojson' "$WANT" "... lights by state: on, off, unavailable"
WANT=$(jq -r "$REG"' | map(select(.d == "scene") | .s) | [(map(select(. == "unknown")) | length), (map(select(. != "unknown")) | length)] | map(tostring) | join(",")' "$HOUSE")
expect_json '(.items[] | select(.domain == "scene") | .states | [.unknown, .other] | map(tostring) | join(","))' \
	"$WANT" "... scenes: unknown, and the one with a time as its state under other"
expect_json '.total' "$(jq '.entities | length' "$HOUSE")" "... total: every entity"
expect_json '.domains' "$(jq '[.entities[] | .entity_id | split(".")[0]] | unique | length' "$HOUSE")" "... domains: how many"
sql "UPDATE ha_entities SET missing_since = NOW(3) WHERE entity_id = 'light.garden_path'"
apit GET /api/v1/entities/domains/summary
expect_json '.items[] | select(.domain == "light") | .states.unavailable' 0 "an entity HA no longer has is not counted"
sql "UPDATE ha_entities SET missing_since = NULL WHERE entity_id = 'light.garden_path'"
MARK=$(calls_mark)
REQS=$(ha_get /_test/requests | jq length)
apit GET /api/v1/entities/domains/summary
is "$(ha_get /_test/requests | jq length)" "$REQS" "... and the summary asks HA nothing"

# ---------------------------------------------------------------- toggle
# The bridge is stopped: what the stored states do now is the handlers' alone.
devstack stop bridge >/dev/null 2>&1
on_exit "devstack start bridge >/dev/null 2>&1"
KEPT=$(kept_state switch.coffee_plug)
MARK=$(calls_mark)
apit POST /api/v1/entities/switch.coffee_plug/toggle
expect_status 200 "POST /entities/switch.coffee_plug/toggle: 200"
calls_are "$MARK" '[{"domain": "switch", "service": "toggle", "service_data": {"entity_id": "switch.coffee_plug"}}]' \
	"... one call: switch.toggle with the entity_id"
expect_json '[.entity_id, .state] | join(",")' "switch.coffee_plug,on" "... answering the state HA reports after it"
expect_json '.calls[0].service' "switch.toggle" "... and the call made"
is "$(ha_state switch.coffee_plug)" on "... the switch is on in HA"
is "$(kept_state switch.coffee_plug)" "$KEPT" "... and the stored state is left to the bridge"

MARK=$(calls_mark)
apit POST /api/v1/entities/scene.living_room_movie/toggle
expect_status 200 "toggling a scene: 200"
calls_are "$MARK" '[{"domain": "scene", "service": "turn_on", "service_data": {"entity_id": "scene.living_room_movie"}}]' \
	"... activates it: scene.turn_on"

MARK=$(calls_mark)
apit POST /api/v1/entities/sensor.living_room_temperature/toggle
expect_status 422 "toggling a sensor: 422"
expect_loc '["path", "entity_id"]'
apit POST /api/v1/entities/switch.coffee_plug/toggle '{"force": true}'
expect_status 422 "toggle with a body field: 422"
expect_loc '["body", "force"]' extra_forbidden
apit POST /api/v1/entities/light.attic_$RUN_ID/toggle
expect_status 404 "an entity HA does not have: 404"
expect_json '.detail | contains("light.attic")' true "... naming it"
apit POST /api/v1/entities/light.garden_path/toggle
expect_status 409 "an unavailable entity: 409"
apit POST /api/v1/entities/Not-An-Id/toggle
expect_status 422 "not an entity id: 422"
no_calls_since "$MARK" "... and none of these sent a call"

# ---------------------------------------------------------------- light
MARK=$(calls_mark)
apit POST /api/v1/entities/light.kitchen_ceiling/light '{"brightness": 128, "color_temp_kelvin": 3000, "transition": 1.5}'
expect_status 200 "POST /light: brightness, color temperature and transition: 200"
calls_are "$MARK" '[{"domain": "light", "service": "turn_on", "service_data": {"entity_id": "light.kitchen_ceiling", "brightness": 128, "color_temp_kelvin": 3000, "transition": 1.5}}]' \
	"... one call: light.turn_on with exactly that data"
expect_json '[.state, .attributes.brightness, .attributes.color_temp_kelvin, .attributes.color_mode] | map(tostring) | join(",")' \
	"on,128,3000,color_temp" "... answering the light as HA has it now"

MARK=$(calls_mark)
apit POST /api/v1/entities/light.living_room_ceiling/light '{"color_temp": 250}'
expect_status 200 "color_temp in mireds: 200"
calls_are "$MARK" '[{"domain": "light", "service": "turn_on", "service_data": {"entity_id": "light.living_room_ceiling", "color_temp_kelvin": 4000}}]' \
	"... sent as color_temp_kelvin (HA takes kelvin)"

MARK=$(calls_mark)
apit POST /api/v1/entities/light.living_room_ceiling/light '{"rgb_color": [255, 0, 0], "brightness_pct": 40}'
expect_status 200 "rgb_color on a light with xy: 200"
calls_are "$MARK" '[{"domain": "light", "service": "turn_on", "service_data": {"entity_id": "light.living_room_ceiling", "rgb_color": [255, 0, 0], "brightness_pct": 40}}]' \
	"... light.turn_on with rgb_color and brightness_pct"
expect_json '.attributes.rgb_color | tojson' '[255,0,0]' "... and the light shows it"

MARK=$(calls_mark)
apit POST /api/v1/entities/light.kitchen_ceiling/light '{"on": false, "transition": 2}'
expect_status 200 "on false with a transition: 200"
calls_are "$MARK" '[{"domain": "light", "service": "turn_off", "service_data": {"entity_id": "light.kitchen_ceiling", "transition": 2}}]' \
	"... light.turn_off with the transition"
expect_json .state off "... the light is off"

MARK=$(calls_mark)
REQS=$(ha_get /_test/requests | jq length)
apit POST /api/v1/entities/light.kitchen_ceiling/light '{"brightness": 300, "rgb_color": [1, 2], "colour": "red"}'
expect_status 422 "a body wrong on its own: 422"
expect_loc '["body", "brightness"]'
expect_loc '["body", "rgb_color"]'
expect_loc '["body", "colour"]' extra_forbidden
is "$(ha_get /_test/requests | jq length)" "$REQS" "... and HA is not even asked"
apit POST /api/v1/entities/light.kitchen_ceiling/light '{}'
expect_status 422 "nothing to do: 422"
apit POST /api/v1/entities/light.kitchen_ceiling/light '{"on": false, "brightness": 10}'
expect_status 422 "brightness while turning off: 422"
expect_loc '["body", "brightness"]'
apit POST /api/v1/entities/light.office_desk/light '{"rgb_color": [255, 0, 0]}'
expect_status 422 "a color on a light whose color modes are only brightness: 422"
expect_loc '["body", "rgb_color"]' value_error
expect_json '.detail[0].msg | contains("brightness")' true "... saying what it supports"
apit POST /api/v1/entities/light.office_desk/light '{"color_temp_kelvin": 3000}'
expect_status 422 "a color temperature on it: 422"
expect_loc '["body", "color_temp_kelvin"]'
apit POST /api/v1/entities/light.hallway_stairs/light '{"effect": "candle"}'
expect_status 422 "an effect on a light without effects: 422"
expect_loc '["body", "effect"]'
apit POST /api/v1/entities/light.living_room_ceiling/light '{"color_temp_kelvin": 9000}'
expect_status 422 "a color temperature outside the light's range: 422"
expect_json '.detail[0].msg | contains("2202 to 6535")' true "... giving the range"
# What the light supports is read from HA now, not from the synced copy.
set_state light.hallway_stairs off '{"supported_color_modes": ["onoff"], "supported_features": 0}'
apit POST /api/v1/entities/light.hallway_stairs/light '{"brightness": 100}'
expect_status 422 "a light HA now reports as on/off only: brightness is 422"
apit POST /api/v1/entities/switch.tv_plug/light '{"on": true}'
expect_status 422 "/light on a switch: 422"
expect_loc '["path", "entity_id"]'
apit POST /api/v1/entities/light.attic_$RUN_ID/light '{"on": true}'
expect_status 404 "/light on an entity HA does not have: 404"
no_calls_since "$MARK" "... none of these sent a call"

# ---------------------------------------------------------------- climate
MARK=$(calls_mark)
apit POST /api/v1/entities/climate.living_room/climate '{"temperature": 21.5, "fan_mode": "low", "preset_mode": "eco", "hvac_mode": "auto"}'
expect_status 200 "POST /climate: mode, preset, fan mode and temperature: 200"
calls_are "$MARK" '[{"domain": "climate", "service": "set_hvac_mode", "service_data": {"entity_id": "climate.living_room", "hvac_mode": "auto"}},
	{"domain": "climate", "service": "set_preset_mode", "service_data": {"entity_id": "climate.living_room", "preset_mode": "eco"}},
	{"domain": "climate", "service": "set_fan_mode", "service_data": {"entity_id": "climate.living_room", "fan_mode": "low"}},
	{"domain": "climate", "service": "set_temperature", "service_data": {"entity_id": "climate.living_room", "temperature": 21.5}}]' \
	"... four calls, in HA's order, each with exactly its data"
expect_json '[.state, .attributes.preset_mode, .attributes.fan_mode, .attributes.temperature] | map(tostring) | join(",")' \
	"auto,eco,low,21.5" "... answering the thermostat as HA has it now"

MARK=$(calls_mark)
apit POST /api/v1/entities/climate.bedroom/climate '{"temperature": 30}'
expect_status 422 "a temperature above max_temp: 422"
expect_loc '["body", "temperature"]'
expect_json '.detail[0].msg | contains("5 to 25")' true "... giving the range"
apit POST /api/v1/entities/climate.bedroom/climate '{"preset_mode": "party"}'
expect_status 422 "a preset not in preset_modes: 422"
expect_loc '["body", "preset_mode"]' enum
apit POST /api/v1/entities/climate.bedroom/climate '{"hvac_mode": "cool", "fan_mode": "turbo"}'
expect_status 422 "a mode and a fan mode it does not have: 422"
expect_loc '["body", "hvac_mode"]'
expect_loc '["body", "fan_mode"]'
apit POST /api/v1/entities/climate.bedroom/climate '{"target_temp_low": 18, "target_temp_high": 22}'
expect_status 422 "a range on a thermostat without one: 422"
apit POST /api/v1/entities/climate.bedroom/climate '{"temperature": "warm"}'
expect_status 422 "a temperature that is not a number: 422"
apit POST /api/v1/entities/light.kitchen_ceiling/climate '{"temperature": 20}'
expect_status 422 "/climate on a light: 422"
no_calls_since "$MARK" "... none of these sent a call"

# ---------------------------------------------------------------- who may
create_key "$P-care" caregiver
CARE=$NEW_KEY
on_exit "api DELETE /api/v1/api-keys/$KEY_ID"
MARK=$(calls_mark)
KEY=$CARE apit POST /api/v1/entities/switch.coffee_plug/toggle
expect_status 403 "a caregiver may not control the home: 403"
KEY=$CARE apit POST /api/v1/entities/light.kitchen_ceiling/light '{"on": true}'
expect_status 403 "... nor set a light"
no_calls_since "$MARK" "... and nothing is sent"
KEY=$CARE apit GET /api/v1/entities/domains/summary
expect_status 200 "... but may read the summary"

# ---------------------------------------------------------------- HA failing
MARK=$(calls_mark)
ha_post /_test/fail '{"prefix": "/api/services/switch/toggle", "times": 1, "status": 500}' >/dev/null
apit POST /api/v1/entities/switch.coffee_plug/toggle
expect_status 502 "HA refuses the call: 502"
expect_json '.detail | contains("switch.toggle")' true "... naming the call"

ha_post /_test/delay '{"prefix": "/api/states/switch.coffee_plug", "ms": 6000, "times": 1}' >/dev/null
apit POST /api/v1/entities/switch.coffee_plug/toggle
expect_status 504 "HA slow to give the state: 504"
expect_time_under 5 "... within the 3 s timeout"
no_calls_since "$MARK" "... and no call was made"

ha_post /_test/delay '{"prefix": "/api/services/light/turn_on", "ms": 6000, "times": 1}' >/dev/null
apit POST /api/v1/entities/light.office_desk/light '{"brightness": 50}'
expect_status 504 "HA slow to answer the call: 504"
expect_time_under 5 "... within the 3 s timeout"
expect_json '.detail | contains("timed out")' true "... saying it timed out"

ha_stop
apit POST /api/v1/entities/switch.coffee_plug/toggle
expect_status 502 "HA down: 502"
expect_json '.detail | contains("Home Assistant")' true "... saying HA could not be reached"
apit GET /api/v1/entities/domains/summary
expect_status 200 "... the summary still answers from the database"
ha_restart >/dev/null

config_set homeassistant token "wrong-token-$RUN_ID"
restart_api_tick
apit POST /api/v1/entities/switch.coffee_plug/toggle
expect_status 502 "a token HA refuses: 502"
expect_json '.detail | contains("token")' true "... saying the token was refused"
if grep -q "wrong-token-$RUN_ID" "$REPLIES"; then not_ok "... never showing the token" "$(_last)"
else ok "... never showing the token"; fi
config_set homeassistant token "$HA_TOKEN"
restart_api_tick
devstack stop bridge >/dev/null 2>&1

# ---------------------------------------------------------------- audit
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/entities/switch.coffee_plug/toggle' AND status = 200")" 1 \
	"a control is audited"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/entities/climate.living_room/climate' AND status = 200")" 1 \
	"... the thermostat's too"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/entities/light.office_desk/light' AND status = 504")" 1 \
	"... and one that failed once the call was under way, with its status"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path LIKE '/api/v1/entities/%' AND status = 422")" 0 \
	"... a refused body is no control: not audited"

# ---------------------------------------------------------------- scenes
ha_post /_test/reset >/dev/null
SCENE_IDS='["light.kitchen_ceiling", "light.living_room_ceiling", "climate.bedroom", "switch.tv_plug"]'
apit POST /api/v1/scenes "$(jq -nc --arg n "$P-evening" --argjson e "$SCENE_IDS" '{name: $n, entity_ids: $e}')"
expect_status 201 "POST /scenes: 201"
SCENE=$(jb .id)
expect_json '.entity_ids | tojson' "$(jq -c . <<<"$SCENE_IDS")" "... the entities, in the order given"
expect_json '.entities[0] | tojson' \
	'{"entity_id":"light.kitchen_ceiling","state":"on","attributes":{"brightness":200,"color_mode":"color_temp","color_temp_kelvin":2700,"hs_color":[28.874,72.522],"xy_color":[0.524,0.387],"rgb_color":[255,167,70]}}' \
	"... a light's state, brightness and colors, nothing else"
expect_json '.entities[1] | tojson' '{"entity_id":"light.living_room_ceiling","state":"off","attributes":{}}' "... a light that is off: off"
expect_json '.entities[2] | tojson' \
	'{"entity_id":"climate.bedroom","state":"heat","attributes":{"temperature":18.5,"preset_mode":"comfort","fan_mode":"auto"}}' \
	"... a thermostat's mode, target, preset and fan mode"
expect_json '[.last_activated_at, .last_status] | tojson' '[null,null]' "... never activated"

REQS=$(ha_get /_test/requests | jq length)
apit POST /api/v1/scenes "$(jq -nc --arg n "$P-evening" '{name: $n, entity_ids: ["switch.tv_plug"]}')"
expect_status 409 "the same name again: 409"
is "$(ha_get /_test/requests | jq length)" "$REQS" "... known before HA is asked"
apit POST /api/v1/scenes "$(jq -nc --arg n "$P-bad" '{name: $n, entity_ids: ["sensor.living_room_temperature", "light.garden_path", "light.attic_x", "switch.tv_plug", "switch.tv_plug"]}')"
expect_status 422 "entities a scene cannot hold: 422"
expect_loc '["body", "entity_ids", 4]'
apit POST /api/v1/scenes "$(jq -nc --arg n "$P-bad" '{name: $n, entity_ids: ["sensor.living_room_temperature", "light.garden_path", "light.attic_x"]}')"
expect_status 422 "a sensor, an unavailable light, an unknown entity: 422"
expect_loc '["body", "entity_ids", 0]'
expect_loc '["body", "entity_ids", 1]'
expect_loc '["body", "entity_ids", 2]'
apit POST /api/v1/scenes "$(jq -nc --arg n "$P-bad" '{name: $n, entity_ids: []}')"
expect_status 422 "no entities: 422"
apit POST /api/v1/scenes '{"entity_ids": ["switch.tv_plug"], "extra": 1}'
expect_status 422 "no name, an unknown field: 422"
expect_loc '["body", "name"]' missing
expect_loc '["body", "extra"]' extra_forbidden
is "$(q "SELECT COUNT(*) FROM scenes WHERE name LIKE '$P-bad%'")" 0 "... nothing stored"

apit GET /api/v1/scenes
expect_json "[.items[] | select(.id == $SCENE)] | length" 1 "GET /scenes lists it"
apit GET "/api/v1/scenes/$SCENE"
expect_json .name "$P-evening" "GET /scenes/{id}"

# Everything changed in HA, then the scene brings it back.
set_state light.kitchen_ceiling off
set_state light.living_room_ceiling on '{"brightness": 90}'
set_state climate.bedroom off '{"temperature": 12.0, "preset_mode": "away", "fan_mode": "high"}'
set_state switch.tv_plug off
MARK=$(calls_mark)
apit POST "/api/v1/scenes/$SCENE/activate"
expect_status 200 "POST /scenes/{id}/activate: 200"
expect_json .status ok "... every entity restored"
expect_json '[.results[] | "\(.entity_id):\(.ok)"] | join(",")' \
	"light.kitchen_ceiling:true,light.living_room_ceiling:true,climate.bedroom:true,switch.tv_plug:true" "... per entity"
calls_are "$MARK" '[{"domain": "light", "service": "turn_on", "service_data": {"entity_id": "light.kitchen_ceiling", "brightness": 200, "color_temp_kelvin": 2700}},
	{"domain": "light", "service": "turn_off", "service_data": {"entity_id": "light.living_room_ceiling"}},
	{"domain": "climate", "service": "set_hvac_mode", "service_data": {"entity_id": "climate.bedroom", "hvac_mode": "heat"}},
	{"domain": "climate", "service": "set_preset_mode", "service_data": {"entity_id": "climate.bedroom", "preset_mode": "comfort"}},
	{"domain": "climate", "service": "set_fan_mode", "service_data": {"entity_id": "climate.bedroom", "fan_mode": "auto"}},
	{"domain": "climate", "service": "set_temperature", "service_data": {"entity_id": "climate.bedroom", "temperature": 18.5}},
	{"domain": "switch", "service": "turn_on", "service_data": {"entity_id": "switch.tv_plug"}}]' \
	"... exactly the calls that restore each entity, with exactly their data"
is "$(ha_state light.kitchen_ceiling '[.state, .attributes.brightness, .attributes.color_temp_kelvin] | map(tostring) | join(",")')" "on,200,2700" \
	"... the light is back as it was"
is "$(ha_state climate.bedroom '[.state, .attributes.temperature, .attributes.preset_mode, .attributes.fan_mode] | map(tostring) | join(",")')" \
	"heat,18.5,comfort,auto" "... the thermostat too"
is "$(ha_state light.living_room_ceiling)/$(ha_state switch.tv_plug)" "off/on" "... and the others"
apit GET "/api/v1/scenes/$SCENE"
expect_json '[.last_status, (.last_activated_at != null)] | map(tostring) | join(",")' "ok,true" "... the activation is recorded"

# One entity failing does not stop the others.
MARK=$(calls_mark)
ha_post /_test/fail '{"prefix": "/api/services/climate/set_preset_mode", "times": 1, "status": 500}' >/dev/null
apit POST "/api/v1/scenes/$SCENE/activate"
expect_status 200 "one entity failing: 200"
expect_json .status partial "... partial"
expect_json '[.results[] | "\(.entity_id):\(.ok)"] | join(",")' \
	"light.kitchen_ceiling:true,light.living_room_ceiling:true,climate.bedroom:false,switch.tv_plug:true" "... the others restored"
expect_json '.results[2].detail | contains("climate.set_preset_mode")' true "... the failure named"
is "$(calls_since "$MARK" | jq -c '[.[] | "\(.domain).\(.service)"]')" \
	'["light.turn_on","light.turn_off","climate.set_hvac_mode","switch.turn_on"]' \
	"... that entity's later calls not made, the next entity's made"

ha_stop
apit POST "/api/v1/scenes/$SCENE/activate"
expect_status 502 "HA down: activating is 502"
ha_restart >/dev/null
apit GET "/api/v1/scenes/$SCENE"
expect_json .last_status failed "... recorded as failed"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/scenes/$SCENE/activate'")" 3 \
	"every activation is audited, the failed one too"

KEY=$CARE apit POST "/api/v1/scenes/$SCENE/activate"
expect_status 403 "a caregiver may not activate a scene"
KEY=$CARE apit GET /api/v1/scenes
expect_status 200 "... but may list them"

apit DELETE "/api/v1/scenes/$SCENE"
expect_status 204 "DELETE /scenes/{id}: 204"
apit GET "/api/v1/scenes/$SCENE"
expect_status 404 "... gone"
apit POST "/api/v1/scenes/$SCENE/activate"
expect_status 404 "... and cannot be activated"

# ---------------------------------------------------------------- secrets
if grep -q -- "$HA_TOKEN" "$REPLIES"; then
	not_ok "the HA token is in no reply" "$(grep -n -- "$HA_TOKEN" "$REPLIES" | head -3)"
else
	ok "the HA token is in no reply"
fi
if grep -rq -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/" 2>/dev/null; then
	not_ok "the HA token is in no log" "$(grep -rl -- "$HA_TOKEN" "$HEARTH_STACK_DIR/log/")"
else
	ok "the HA token is in no log"
fi

finish
