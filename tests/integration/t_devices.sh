#!/bin/bash
# Device keys bound to their sensors, and the device endpoints.
#
# A device key made with sensor_ids (a detector key with camera_ids) may
# report for those only: sensor events, detections, recordings and the
# device endpoints answer 403 naming the sensor otherwise; a key made
# without a list reports as before.  POST /device/recamera keeps a JPEG
# (a form, or base64 JSON) as a snapshot and fires the camera's rules with
# trigger.media_paths; anything that is not a JPEG, or too large, is
# refused and leaves nothing behind.  POST /device/reterminal records a
# button press, runs its rules and says what the device should show.
. "$(dirname "$0")/lib.sh"

P="dev-$RUN_ID"
MEDIA=$HEARTH_STACK_DIR/media
on_exit "sql \"DELETE FROM media WHERE camera_name LIKE '$P%'\"; sql \"DELETE FROM alerts WHERE title LIKE '$P%'\"; sql \"DELETE FROM workflow_executions WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM event_logs WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\"; sql \"DELETE FROM sensors WHERE name LIKE '$P%'\"; sql \"DELETE FROM rooms WHERE name LIKE '$P%'\"; sql \"UPDATE api_keys SET revoked_at = UTC_TIMESTAMP(3) WHERE name LIKE '$P%' AND revoked_at IS NULL\""

# A bound key's request; device_key in the body, or the key as a header.
as() { local k=$1; shift; KEY=$k api "$@"; }
snapshots() { sql "SELECT COUNT(*) FROM media WHERE kind = 'snapshot' AND camera_name LIKE '$P%'"; }
files() { find "$MEDIA" -path "$MEDIA/.tmp" -prune -o -type f -print 2>/dev/null | wc -l; }
run_status() { sql "SELECT status FROM workflow_executions WHERE id = $1"; }
run_is() { [ "$(run_status "$1")" = "$2" ]; }
pipeline_data() {
	mariadb --no-defaults --socket="$HEARTH_STACK_DIR/run/mysqld.sock" -u root -N -B -r hearth \
		-e "SELECT pipeline_data FROM workflow_executions WHERE id = $1"
}
# recamera_form KEY FILE [curl -F args...]: the form, the key as its device_key field.
recamera_form() {
	local k=$1 f=$2
	shift 2
	KEY= api POST /api/v1/device/recamera '' -F "image=@$f;type=image/jpeg" -F "device_key=$k" "$@"
}

# ---------------------------------------------------------------- setup
create_room "$P-hall"; HALL=$ROOM_ID
create_sensor "$(jq -nc --arg n "$P-pir" --argjson r "$HALL" '{name: $n, sensor_type: "presence", room_id: $r}')"; PIR=$SENSOR_ID
create_sensor "$(jq -nc --arg n "$P-btn" --argjson r "$HALL" '{name: $n, sensor_type: "button", room_id: $r}')"; BTN=$SENSOR_ID
create_sensor "$(jq -nc --arg n "$P-btn2" '{name: $n, sensor_type: "button"}')"; BTN2=$SENSOR_ID
create_sensor "$(jq -nc --arg n "$P-btn3" '{name: $n, sensor_type: "button"}')"; BTN3=$SENSOR_ID
create_camera "$P-cam"; CAM1=$CAM
create_camera "$P-cam2"; CAM2=$CAM
[ -n "$PIR" ] && [ -n "$BTN" ] && [ -n "$BTN2" ] && [ -n "$CAM1" ] && [ -n "$CAM2" ] &&
	ok "setup: a room, a presence sensor, buttons and cameras" || not_ok "setup" "$(_last)"
api POST "/api/v1/sensors/$PIR/events" '{"event_type": "on"}'

ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=1 -frames:v 1 -y "$T/frame.jpg"
printf 'not a jpeg at all\n' >"$T/text.jpg"
{ printf '\xff\xd8\xff\xe0'; head -c $((2 * 1024 * 1024 + 100)) /dev/zero; printf '\xff\xd9'; } >"$T/big.jpg"

# ---------------------------------------------------------------- binding at creation
key() { KEY=$ADMIN api POST /api/v1/api-keys "$1"; }
key "$(jq -nc --arg n "$P-device" --argjson a "$BTN" --argjson c "$CAM1" '{name: $n, role: "device", sensor_ids: [$a, $c]}')"
expect_status 201 "a device key bound to a button and a camera: 201"
expect_json '[.bound, .sensor_ids, .camera_ids]' "$(jq -nc --argjson a "$BTN" --argjson c "$CAM1" '[true, ([$a, $c] | sort), [$c]]')" \
	"the key says bound, its sensors, and the camera among them"
DEV=$(jb .key); DEV_ID=$(jb .id)
key "$(jq -nc --arg n "$P-detector" --argjson c "$CAM1" '{name: $n, role: "detector", camera_ids: [$c]}')"
expect_status 201 "a detector key bound to a camera: 201"
DET=$(jb .key)
key "$(jq -nc --arg n "$P-free" '{name: $n, role: "device"}')"
expect_json '[.bound, .sensor_ids, .camera_ids]' '[false,[],[]]' "a key made without a list is not bound"
FREE=$(jb .key)
key "$(jq -nc --arg n "$P-freedet" '{name: $n, role: "detector"}')"
FREEDET=$(jb .key)
key "$(jq -nc --arg n "$P-two" --argjson a "$BTN" --argjson b "$BTN2" --argjson c "$CAM1" --argjson d "$CAM2" \
	'{name: $n, role: "device", sensor_ids: [$a, $b, $c, $d]}')"
TWO=$(jb .key)
key "$(jq -nc --arg n "$P-gone" --argjson a "$BTN3" '{name: $n, role: "device", sensor_ids: [$a]}')"
GONE=$(jb .key); GONE_ID=$(jb .id)

key "$(jq -nc --arg n "$P-x" --argjson c "$CAM1" '{name: $n, role: "device", camera_ids: [$c]}')"
expect_status 422 "camera_ids on a device key: 422"; expect_loc '["body","camera_ids"]' value_error
key "$(jq -nc --arg n "$P-x" --argjson a "$BTN" '{name: $n, role: "detector", sensor_ids: [$a]}')"
expect_status 422 "sensor_ids on a detector key: 422"; expect_loc '["body","sensor_ids"]' value_error
key "$(jq -nc --arg n "$P-x" --argjson a "$BTN" '{name: $n, role: "caregiver", sensor_ids: [$a]}')"
expect_status 422 "a bound list on another role: 422"
key "$(jq -nc --arg n "$P-x" --argjson a "$BTN" '{name: $n, role: "device", sensor_ids: [$a, 987654321, "x"]}')"
expect_status 422 "unknown and malformed ids: 422"
expect_loc '["body","sensor_ids","1"]' value_error "the unknown id is named by its place"
expect_loc '["body","sensor_ids","2"]' int_type "so is the one that is no id"
expect_json '.detail[0].msg' "No sensor 987654321 exists"
key "$(jq -nc --arg n "$P-x" --argjson a "$BTN" '{name: $n, role: "detector", camera_ids: [$a]}')"
expect_status 422 "a detector bound to a sensor that is no camera: 422"; expect_loc '["body","camera_ids","0"]' value_error
key "$(jq -nc --arg n "$P-x" '{name: $n, role: "device", sensor_ids: []}')"
expect_status 422 "an empty list: 422"
key "$(jq -nc --arg n "$P-x" --argjson a "$BTN" '{name: $n, role: "device", sensor_ids: $a}')"
expect_status 422 "a list that is no list: 422"; expect_loc '["body","sensor_ids"]' list_type
key "$(jq -nc --argjson a "$BTN" '{role: "nobody", sensor_ids: [$a], extra: 1}')"
expect_status 422 "every problem at once"
expect_json '[.detail[].loc[1]] | sort' '["extra","name","role","sensor_ids"]' "name, role, extra and the list are all listed"
is "$(sql "SELECT COUNT(*) FROM api_keys WHERE name = '$P-x'")" 0 "no refused key was stored"

api GET "/api/v1/api-keys?limit=1000"
expect_json "[.items[] | select(.id == $DEV_ID) | .sensor_ids] | .[0] | length" 2 "the key list shows a key's bindings"
expect_json "[.items[] | select(.name == \"$P-free\") | .bound] | .[0]" false "and that an unbound key is not bound"

# ---------------------------------------------------------------- enforced on every path
as "$DEV" POST "/api/v1/sensors/$BTN/events" '{"event_type": "press"}'
expect_status 202 "a bound key posts for its own sensor"
as "$DEV" POST "/api/v1/sensors/$BTN2/events" '{"event_type": "press"}'
expect_status 403 "and not for another: 403"
expect_json .detail "api key '$P-device' is not bound to sensor $BTN2; it may report only for the sensors it was created for"
KEY= api POST "/api/v1/sensors/$BTN2/events" "$(jq -nc --arg k "$DEV" '{device_key: $k, event_type: "press"}')"
expect_status 403 "the same with the key as device_key in the body"
as "$DET" POST /api/v1/detections "$(jq -nc --argjson c "$CAM2" '{camera_id: $c, object_type: "person", confidence: 0.9}')"
expect_status 403 "POST /detections for another camera: 403"; expect_json '.detail | test("camera '"$CAM2"'")' true "naming the camera"
as "$DET" POST /api/v1/detections "$(jq -nc --argjson c "$CAM1" '{camera_id: $c, object_type: "person", confidence: 0.9}')"
expect_status 201 "POST /detections for its own camera: 201"
as "$DET" POST /api/v1/recordings "$(jq -nc --argjson c "$CAM2" '{camera_id: $c, file: "nothing.mp4"}')"
expect_status 403 "POST /recordings (JSON) for another camera: 403"; expect_json '.detail | test("camera '"$CAM2"'")' true
as "$DET" POST /api/v1/recordings '' -F "camera_id=$CAM2" -F "file=@$T/frame.jpg"
expect_status 403 "POST /recordings (upload) for another camera: 403"
as "$DET" POST /api/v1/recordings "$(jq -nc --argjson c "$CAM1" '{camera_id: $c, file: "nothing.mp4"}')"
expect_status 422 "for its own camera the request goes on (no such file: 422)"
recamera_form "$DEV" "$T/frame.jpg" -F "camera_id=$CAM2"
expect_status 403 "POST /device/recamera for another camera: 403"; expect_json '.detail | test("camera '"$CAM2"'")' true
KEY= api POST /api/v1/device/reterminal "$(jq -nc --arg k "$DEV" --argjson s "$BTN2" '{device_key: $k, action: "button", button: "F1", sensor_id: $s}')"
expect_status 403 "POST /device/reterminal for another sensor: 403"; expect_json '.detail | test("sensor '"$BTN2"'")' true

# Unbound keys: as before.
as "$FREE" POST "/api/v1/sensors/$BTN2/events" '{"event_type": "press"}'
expect_status 202 "an unbound device key posts for any sensor"
as "$FREEDET" POST /api/v1/detections "$(jq -nc --argjson c "$CAM2" '{camera_id: $c, object_type: "cat", confidence: 0.5}')"
expect_status 201 "an unbound detector key for any camera"
recamera_form "$FREE" "$T/frame.jpg"
expect_status 422 "an unbound key names its camera"; expect_loc '["body","camera_id"]' missing
recamera_form "$TWO" "$T/frame.jpg"
expect_status 422 "so does a key bound to two cameras"; expect_json '.detail[0].msg | test("2 cameras")' true

# A deleted sensor leaves the bindings; the key stays bound, to nothing.
api DELETE "/api/v1/sensors/$BTN3"
api GET "/api/v1/api-keys?limit=1000"
expect_json "[.items[] | select(.id == $GONE_ID) | [.bound, .sensor_ids]] | .[0]" '[true,[]]' \
	"deleting a sensor removes it from its keys; they stay bound"
as "$GONE" POST "/api/v1/sensors/$BTN/events" '{"event_type": "press"}'
expect_status 403 "a bound key left with no sensors reports for none"

# ---------------------------------------------------------------- recamera
rule_on() {
	api POST /api/v1/rules "$(jq -nc --arg n "$1" --argjson s "$2" \
		'{name: $n, trigger_type: "sensor_event", primary_sensor_id: $s, cool_off_minutes: 0, max_daily_triggers: 0}')"
	RULE=$(jb .id)
	api POST "/api/v1/rules/$RULE/steps" "$(jq -nc --arg e "$3" '{step_type: "condition", config_json: {expression: $e, trigger_cooloff: true}}')"
}
rule_on "$P-seen" "$CAM1" 'trigger.media_paths.count == 1 and trigger.media_type == "image"'
SEEN=$RULE

before=$(snapshots); before_files=$(files)
recamera_form "$DEV" "$T/frame.jpg"
expect_status 201 "a reCamera's JPEG as a form, the key as a field: 201"
expect_json '[.camera_id, .sensor_id, .event_type, .width, .height]' "[$CAM1,$CAM1,\"image\",320,240]" \
	"the key's one camera; the picture's size"
expect_json '.execution_ids | length' 1 "it started the camera's rule"
SNAP=$(jb .snapshot_id); EXEC=$(jb '.execution_ids[0]'); EVENT=$(jb .event_id)
is "$(snapshots)" $((before + 1)) "one snapshot row"
is "$(files)" $((before_files + 1)) "one file written"
REL=$(sql "SELECT rel_path FROM media WHERE id = $SNAP")
check "the file is the image sent" cmp -s "$MEDIA/$REL" "$T/frame.jpg"
is "$(sql "SELECT event_type FROM sensor_events WHERE id = $EVENT AND sensor_id = $CAM1")" image "an event of the camera's sensor"
wait_until 5 run_is "$EXEC" completed && ok "the rule's run completed" || not_ok "the rule's run" "$(run_status "$EXEC")"
is "$(sql "SELECT status FROM event_logs WHERE execution_id = $EXEC")" completed "its condition on trigger.media_paths held"
DATA=$(pipeline_data "$EXEC")
is "$(jq -c '.trigger.media_paths' <<<"$DATA")" "[\"$REL\"]" "trigger.media_paths names the snapshot's file"
is "$(jq -r '.trigger_input.attributes.snapshot_id' <<<"$DATA")" "$SNAP" "and trigger_input the snapshot"
is "$(curl -sk -H "X-API-Key: $ADMIN" -o /dev/null -w '%{http_code}' "$URL/api/v1/snapshots/$SNAP/image")" 200 \
	"the snapshot is served like any other"
api GET "/api/v1/snapshots?camera_id=$CAM1"
expect_json "[.items[] | select(.id == $SNAP)] | length" 1 "and listed with the camera's snapshots"

as "$DEV" POST /api/v1/device/recamera "$(jq -nc --arg i "$(base64 -w0 "$T/frame.jpg")" --argjson c "$CAM1" '{image: $i, camera_id: $c, event_type: "person"}')"
expect_status 201 "the same as JSON with the image in base64: 201"
expect_json .event_type person
is "$(snapshots)" $((before + 2)) "a second snapshot"
KEY= api POST /api/v1/device/recamera "$(jq -nc --arg i "$(base64 -w0 "$T/frame.jpg")" --arg k "$DEV" '{device_key: $k, image: $i}')"
expect_status 201 "with device_key in the JSON body"
as "$DEV" POST /api/v1/device/recamera '' -F "image=@$T/frame.jpg"
expect_status 201 "a form with the key in X-API-Key"

# Refusals leave nothing behind.
before=$(snapshots); before_files=$(files)
recamera_form "$DEV" "$T/text.jpg"
expect_status 422 "a form whose image is no JPEG: 422"; expect_loc '["body","image"]' value_error
as "$DEV" POST /api/v1/device/recamera "$(jq -nc --arg i "$(base64 -w0 "$T/text.jpg")" '{image: $i}')"
expect_status 422 "base64 of something that is no JPEG: 422"
as "$DEV" POST /api/v1/device/recamera '{"image": "&&& not base64"}'
expect_status 422 "an image that is no base64: 422"; expect_loc '["body","image"]' value_error
{ head -c 1000 "$T/frame.jpg"; } >"$T/cut.jpg"
recamera_form "$DEV" "$T/cut.jpg"
expect_status 422 "a JPEG cut short: 422"
recamera_form "$DEV" "$T/big.jpg"
expect_status 413 "a form beyond 2 MiB: 413"
as "$DEV" POST /api/v1/device/recamera '' -F "image=@$T/frame.jpg" -F "image=@$T/frame.jpg"
expect_status 422 "two images: 422"
recamera_form "$DEV" "$T/frame.jpg" -F "path=../../etc/x.jpg"
expect_status 422 "a form field it does not know (a path): 422"
as "$DEV" POST /api/v1/device/recamera "$(jq -nc --arg i "$(base64 -w0 "$T/frame.jpg")" '{image: $i, event_type: "dance", rel_path: "x"}')"
expect_status 422 "JSON with a bad event_type and an unknown field: 422"
expect_json '[.detail[].loc[1]] | sort' '["event_type","rel_path"]' "both named"
as "$DEV" POST /api/v1/device/recamera '{}'
expect_status 422 "no image: 422"; expect_loc '["body","image"]' missing
is "$(snapshots)" "$before" "no snapshot row from any refusal"
is "$(files)" "$before_files" "no file either"

# Credentials of a form.
KEY= api POST /api/v1/device/recamera '' -F "image=@$T/frame.jpg"
expect_status 401 "a form with no key: 401"
recamera_form "hk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$T/frame.jpg"
expect_status 401 "a form with a key that is none: 401"
as "$DEV" POST /api/v1/device/recamera '' -F "image=@$T/frame.jpg" -F "device_key=$DEV"
expect_status 400 "a key both in the header and in the form: 400"
create_key "$P-carer" caregiver
recamera_form "$NEW_KEY" "$T/frame.jpg"
expect_status 403 "a caregiver's key in the form: the role decides, 403"
is "$(snapshots)" "$before" "still nothing stored"

# ---------------------------------------------------------------- reterminal
rule_on "$P-pressed" "$BTN" 'trigger_input.attributes.button == "F1"'
PRESSED=$RULE
ALERT=$(sql "INSERT INTO alerts (alert_type, alert_level, title, message, room_name, resolved)
	VALUES ('rule', 'warning', '$P-fall', 'Someone may have fallen', '$P-hall', 0); SELECT LAST_INSERT_ID()")
KEY= api POST /api/v1/device/reterminal "$(jq -nc --arg k "$DEV" '{device_key: $k, action: "button", button: "F1"}')"
expect_status 201 "a reTerminal's F1: 201"
expect_json '[.sensor_id, .event_type, (.execution_ids | length)]' "[$BTN,\"press\",1]" "a press of the key's button sensor, its rule run"
expect_json '[.occupancy.room_id, .occupancy.occupied]' "[$HALL,true]" "the room's occupancy"
expect_json '.alert.id' "$ALERT" "the newest open alert"
expect_json '.alert.message' "Someone may have fallen"
expect_json .image_url /api/v1/image/active
EXEC=$(jb '.execution_ids[0]'); EVENT=$(jb .event_id)
is "$(sql "SELECT event_type FROM sensor_events WHERE id = $EVENT AND sensor_id = $BTN")" press "the event is recorded"
wait_until 5 run_is "$EXEC" completed && ok "the button's rule ran" || not_ok "the button's rule" "$(run_status "$EXEC")"
is "$(sql "SELECT status FROM event_logs WHERE execution_id = $EXEC")" completed "and saw the button in trigger_input"
as "$DEV" POST /api/v1/device/reterminal '{"action": "command", "command": "lights off", "event_type": "long_press"}'
expect_status 201 "a command: 201"; expect_json .event_type long_press
is "$(sql "SELECT JSON_VALUE(attributes, '$.command') FROM sensor_events WHERE id = $(jb .event_id)")" "lights off" \
	"the command is in the event's attributes"
as "$TWO" POST /api/v1/device/reterminal '{"action": "button", "button": "F2"}'
expect_status 422 "a key bound to two buttons names one"; expect_loc '["body","sensor_id"]' missing
as "$TWO" POST /api/v1/device/reterminal "$(jq -nc --argjson s "$CAM1" '{action: "button", button: "F2", sensor_id: $s}')"
expect_status 422 "a sensor that is no button: 422"; expect_loc '["body","sensor_id"]' value_error
as "$FREE" POST /api/v1/device/reterminal "$(jq -nc --argjson s "$BTN2" '{action: "button", button: "F2", sensor_id: $s}')"
expect_status 201 "an unbound key with the sensor named"
expect_json .occupancy null "a button in no room: no occupancy"
as "$DEV" POST /api/v1/device/reterminal '{}'
expect_status 422 "no action: 422"; expect_loc '["body","action"]' missing
as "$DEV" POST /api/v1/device/reterminal '{"action": "dance", "volume": 3}'
expect_status 422; expect_json '[.detail[].loc[1]] | sort' '["action","volume"]' "a bad action and an unknown field, both listed"
as "$DEV" POST /api/v1/device/reterminal '{"action": "button", "command": "x", "event_type": "hold"}'
expect_status 422 "a button press without its button, with a command: 422"
expect_json '[.detail[].loc[1]] | sort' '["button","command","event_type"]' "every problem named"
as "$DEV" POST /api/v1/device/reterminal '{"action": "button", "button": "../F1"}'
expect_status 422 "a button name that is not one: 422"; expect_loc '["body","button"]' value_error
create_key "$P-carer2" caregiver
as "$NEW_KEY" POST /api/v1/device/reterminal '{"action": "button", "button": "F1"}'
expect_status 403 "a caregiver may not: 403 (roles)"

# ---------------------------------------------------------------- hearthctl
OUT=$(hearthctl key create --name "$P-cli" --role device --sensor "$BTN" 2>/dev/null)
check "hearthctl key create --sensor makes a key" test -n "$OUT"
is "$(sql "SELECT GROUP_CONCAT(b.sensor_id) FROM api_key_sensors b JOIN api_keys k ON k.id = b.key_id WHERE k.name = '$P-cli' AND k.bound")" "$BTN" \
	"bound to that sensor"
hearthctl key create --name "$P-cli2" --role device --camera "$CAM1" >/dev/null 2>&1
is $? 64 "--camera on a device key is a usage error"
hearthctl key create --name "$P-cli3" --role detector --camera "$BTN" >/dev/null 2>&1
is $? 65 "--camera naming a sensor that is no camera: 65"
hearthctl key list >"$T/keys" 2>/dev/null
check "hearthctl key list shows the sensors" grep -q "$P-cli .* $BTN\$" "$T/keys"

finish
