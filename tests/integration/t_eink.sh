#!/bin/bash
# E-ink displays: template upload (a PNG, not a PNG, too large), region
# checks, preview (the template's size, non-ASCII text, a too-long text cut
# with an ellipsis), render for a display and its fetch with the device
# key (204 the second time, 304 on If-None-Match), expiry and reset back
# to the default template, roles.  Pictures are compared with the
# references in eink/ (pngdiff.py, a pixel tolerance); EINK_UPDATE_REFS=1
# writes the references instead.
. "$(dirname "$0")/lib.sh"

P="eink-$RUN_ID"
DIR=$(dirname "$0")/eink
PNGDIFF="/usr/bin/python3 $DIR/pngdiff.py"

# fetch OUT PATH [curl args...]: GET a picture into OUT as KEY (admin by default);
# sets STATUS and the file $HEADERS.
fetch() {
	local out=$1 path=$2
	shift 2
	STATUS=$(curl -sk --max-time 20 -D "$HEADERS" -o "$out" -w '%{http_code}' \
		-H "X-API-Key: ${KEY-$ADMIN}" "$@" "$URL$path" 2>/dev/null) || STATUS=000
	REQ="GET $path"
}

# post_png OUT PATH JSON: POST JSON, the answer (a PNG) into OUT.
post_png() {
	STATUS=$(curl -sk --max-time 20 -D "$HEADERS" -o "$1" -w '%{http_code}' \
		-H "X-API-Key: ${KEY-$ADMIN}" -H 'Content-Type: application/json' \
		--data-binary "$3" "$URL$2" 2>/dev/null) || STATUS=000
	REQ="POST $2"
}

# upload [curl -F args...]: POST multipart to /image/templates.
upload() {
	local out
	out=$(curl -sk --max-time 30 -D "$HEADERS" -o "$T/body" -w '%{http_code}' \
		-H "X-API-Key: ${KEY-$ADMIN}" "$@" "$URL/api/v1/image/templates" 2>/dev/null) || out=000
	STATUS=$out
	BODY=$(cat "$T/body" 2>/dev/null)
	REQ="POST /api/v1/image/templates (multipart)"
	LAST_REQ=$REQ
}

# like GOT REFERENCE DESCRIPTION [TOL MAX BLOCK]: the picture matches eink/REFERENCE.
like() {
	local got=$1 name=$2 ref=$DIR/$2 d=$3 out
	shift 3
	if [ -n "${EINK_UPDATE_REFS:-}" ]; then
		cp "$got" "$ref"
		skip "$d" "reference $name written"
		return
	fi
	if out=$($PNGDIFF same "$got" "$ref" "${1:-48}" "${2:-0.005}" "${3:-1}" 2>&1); then
		ok "$d ($out)"
	else
		not_ok "$d" "$out"
	fi
}

size_of() { $PNGDIFF size "$1" 2>/dev/null || echo "not a PNG"; }

# ---------------------------------------------------------------- templates
REGIONS='[{"name": "title", "x": 0, "y": 0, "width": 800, "height": 120, "font_size_max": 64},
	{"name": "body", "x": 20, "y": 140, "width": 760, "height": 200, "align": "left",
	 "bg_color": [255, 255, 255, 0], "text_color": [0, 0, 0, 255], "font_size_max": 40},
	{"name": "footer", "x": 400, "y": 400, "width": 390, "height": 70, "align": "right",
	 "multiline": false, "font_size_max": 36, "font_size_min": 14}]'
api POST /api/v1/image/templates "$(jq -nc --arg n "$P-plain" --argjson r "$REGIONS" \
	'{name: $n, description: "a plain page", regions: $r, is_default: true}')"
expect_status 201 "a plain template (JSON meta alone)"
expect_json '[.width, .height, .has_image, .is_default, (.regions | length)] | tostring' \
	'[800,480,false,true,3]' "plain template: 800x480, no image, the default, three regions"
expect_json '.regions[0] | [.font_size_min, .align, .bg_color, .text_color, .multiline] | tostring' \
	'[12,"center",[0,0,0,160],[255,255,255,255],true]' "region defaults are written out"
PLAIN=$(jb .id)

api POST /api/v1/image/templates "$(jq -nc --arg n "$P-plain" '{name: $n}')"
expect_status 409 "a second template of the same name is a 409"

api POST /api/v1/image/templates "$(jq -nc --arg n "$P-bad" '{name: $n, colour: 1, regions: [
	{name: "a", x: 700, y: 0, width: 200, height: 10},
	{name: "b", x: 0, y: 0, width: 10, height: 10, font_size_min: 30, font_size_max: 20},
	{name: "c", x: 0, y: 0, width: 10, height: 10, bg_color: [0, 0, 300, 0]},
	{name: "c", x: 0, y: 0, width: 10, height: 10, text_color: [1, 2, 3]}]}')"
expect_status 422 "bad regions are a 422"
expect_loc '["body","colour"]' extra_forbidden
expect_loc '["body","regions",0,"width"]' value_error "a region past the template's edge"
expect_loc '["body","regions",1,"font_size_min"]' value_error "font_size_min above font_size_max"
expect_loc '["body","regions",2,"bg_color"]' value_error "a colour component above 255"
expect_loc '["body","regions",3,"text_color"]' value_error "a colour of three components"

$PNGDIFF make 400 240 "$T/grad.png"
upload -F "image=@$T/grad.png;type=image/png" \
	-F "meta=$(jq -nc --arg n "$P-grad" '{name: $n, regions: [{name: "msg", x: 20, y: 20, width: 360, height: 200}]}')"
expect_status 201 "a template with a PNG"
expect_json '[.width, .height, .has_image] | tostring' '[400,240,true]' "its size is the picture's"
GRAD=$(jb .id)
rel=$(sql "SELECT m.rel_path FROM eink_templates t JOIN media m ON m.id = t.image_media_id WHERE t.id = $GRAD")
case $rel in
eink/0/*/template_*.png) ok "the picture is kept under a path Hearth made ($rel)" ;;
*) not_ok "the picture is kept under a path Hearth made" "got: $rel" ;;
esac

upload -F "image=@$T/grad.png" -F "meta={\"name\": \"$P-grad2\", \"width\": 800}"
expect_status 422 "a size other than the picture's is a 422"
expect_loc '["body","width"]'

printf 'GIF89a not a png at all' >"$T/not.png"
upload -F "image=@$T/not.png;type=image/png" -F "meta={\"name\": \"$P-not\"}"
expect_status 422 "not a PNG is a 422"
expect_loc '["body","image"]' value_error

head -c 900000 /dev/urandom >"$T/noise.png"
printf '\x89PNG\r\n\x1a\n' | dd of="$T/noise.png" conv=notrunc 2>/dev/null
upload -F "image=@$T/noise.png;type=image/png" -F "meta={\"name\": \"$P-noise\"}"
expect_status 422 "a PNG signature over noise does not decode: 422"

head -c 1100000 /dev/urandom >"$T/big.png"
upload -F "image=@$T/big.png;type=image/png" -F "meta={\"name\": \"$P-big\"}"
expect_status 413 "a picture over 1 MiB is a 413"

# A header claiming 5000 x 5000 pixels is refused before anything is decoded.
cp "$T/grad.png" "$T/huge.png"
printf '\x00\x00\x13\x88\x00\x00\x13\x88' | dd of="$T/huge.png" bs=1 seek=16 conv=notrunc 2>/dev/null
upload -F "image=@$T/huge.png;type=image/png" -F "meta={\"name\": \"$P-huge\"}"
expect_status 413 "a picture of more than 2048 pixels a side is a 413"

upload -F "image=@$T/grad.png" -F "meta={\"name\": \"$P-x\"}" -F "other=1"
expect_status 422 "an extra form field is refused"

api GET "/api/v1/image/templates?limit=1000"
expect_status 200
expect_json "[.items[] | select(.id == $PLAIN or .id == $GRAD)] | length" 2 "both templates are listed"

api PUT "/api/v1/image/templates/$GRAD" '{"description": "gradient", "regions": [{"name": "msg", "x": 20, "y": 20, "width": 360, "height": 200, "align": "left"}]}'
expect_status 200 "PUT changes metadata and regions"
expect_json '[.description, .regions[0].align] | tostring' '["gradient","left"]'
api PUT "/api/v1/image/templates/$GRAD" '{"height": 480}'
expect_status 422 "a template's size is fixed"
api PUT "/api/v1/image/templates/$GRAD" '{"regions": [{"name": "m", "x": 300, "y": 0, "width": 200, "height": 20}]}'
expect_status 422 "PUT checks regions against the template's own size"
expect_loc '["body","regions",0,"width"]'

# ---------------------------------------------------------------- preview
LONG=$(printf 'Ein sehr langer Text, der nicht passt. %.0s' $(seq 1 45))
post_png "$T/unicode.png" /api/v1/image/preview "$(jq -nc --argjson t "$PLAIN" \
	'{template_id: $t, texts: {title: "Frühstück · 朝食 · ☕", body: "Guten Morgen! Heute: Café, Müsli und grüner Tee.", footer: "08:00"}}')"
is "$STATUS" 200 "preview answers 200"
expect_header Content-Type '^image/png' "preview is a PNG"
is "$(size_of "$T/unicode.png")" 800x480 "preview has the template's size"
expect_header X-Eink-Fit '^title=64,body=[0-9]+,footer=36$' "short texts fit without an ellipsis"
like "$T/unicode.png" preview_unicode.png "non-ASCII text renders as the reference"

post_png "$T/long.png" /api/v1/image/preview "$(jq -nc --argjson t "$PLAIN" --arg l "$LONG" \
	'{template_id: $t, texts: {title: "Kurz", body: $l, footer: $l}}')"
is "$STATUS" 200 "preview of too-long texts"
expect_header X-Eink-Fit '^title=64,body=12~,footer=14~$' \
	"too-long texts step down to font_size_min and end with an ellipsis"
like "$T/long.png" preview_long.png "the ellipsized texts render as the reference"

post_png "$T/grad_prev.png" /api/v1/image/preview "$(jq -nc --argjson t "$GRAD" '{template_id: $t, texts: {msg: "Hallo"}}')"
is "$(size_of "$T/grad_prev.png")" 400x240 "preview of a picture template has its size"
like "$T/grad_prev.png" preview_grad.png "text over the uploaded picture renders as the reference"

api POST /api/v1/image/preview "$(jq -nc --argjson t "$PLAIN" '{template_id: $t, texts: {nope: "x"}, targets: [1]}')"
expect_status 422 "preview refuses unknown regions and fields"
expect_loc '["body","texts","nope"]'
expect_loc '["body","targets"]' extra_forbidden
api POST /api/v1/image/preview '{"template_id": 999999999}'
expect_status 422 "preview of no such template"

# ---------------------------------------------------------------- displays
create_sensor "$(jq -nc --arg n "$P-hall" '{name: $n, sensor_type: "eink", config: {eink_mode: "4grey"}}')"
PANEL=$SENSOR_ID
# The panel's key is bound to it; the other device key to nothing.
KEY=$ADMIN api POST /api/v1/api-keys "$(jq -nc --arg n "$P-panel" --argjson s "$PANEL" \
	'{name: $n, role: "device", sensor_ids: [$s]}')"
expect_status 201 "a device key bound to the display"
DKEY=$(jb .key)
create_key "$P-other" device
OKEY=$NEW_KEY
create_sensor "$(jq -nc --arg n "$P-kitchen" '{name: $n, sensor_type: "eink", config: {eink_mode: "1bit"}}')"
KITCHEN=$SENSOR_ID
create_sensor "$(jq -nc --arg n "$P-pir" '{name: $n, sensor_type: "presence"}')"
PIR=$SENSOR_ID
api POST /api/v1/sensors "$(jq -nc --arg n "$P-x" '{name: $n, sensor_type: "eink", config: {eink_mode: "8bit"}}')"
expect_status 422 "an unknown eink_mode is refused"

api POST /api/v1/image/render "$(jq -nc --argjson t "$PLAIN" --argjson a "$PANEL" --argjson p "$PIR" \
	'{template_id: $t, texts: {title: "x"}, targets: [$a, $p]}')"
expect_status 422 "render to a sensor that is no display is a 422"
expect_loc '["body","targets","1"]'

KEY=$DKEY api POST /api/v1/image/render "$(jq -nc --argjson t "$PLAIN" --argjson a "$PANEL" '{template_id: $t, targets: [$a]}')"
expect_status 403 "a device key may not render"

api POST /api/v1/image/render "$(jq -nc --argjson t "$PLAIN" --argjson a "$PANEL" --argjson k "$KITCHEN" \
	'{template_id: $t, texts: {title: "Frühstück · 朝食 · ☕", body: "Tabletten nach dem Essen"}, targets: [$a, $k], expires_in_minutes: 30}')"
expect_status 200 "render for two displays"
expect_json '[.rendered[] | .eink_mode] | tostring' '["4grey","1bit"]' "each display in its own mode"
expect_json '.rendered[0].fits[0] | [.region, .font_size, .ellipsized] | tostring' '["title",64,false]'
HASH=$(jb '.rendered[0].image_hash')
n=$(sql "SELECT COUNT(*) FROM eink_active WHERE sensor_id IN ($PANEL, $KITCHEN) AND expires_at > NOW() + INTERVAL 29 MINUTE")
is "$n" 2 "both are stored as active with expires_at"

KEY=$DKEY fetch "$T/active.png" /api/v1/image/active
is "$STATUS" 200 "the display fetches its picture with its key"
is "$(size_of "$T/active.png")" 800x480 "the picture has the template's size"
is "$(sha256sum <"$T/active.png" | cut -d' ' -f1)" "$HASH" "it is the picture render made"
like "$T/active.png" active_4grey.png "the 4-grey picture renders as the reference" 40 0.01 4

KEY=$DKEY fetch "$T/again.png" /api/v1/image/active
is "$STATUS" 204 "the second fetch of the same picture is a 204"

fetch "$T/admin.png" "/api/v1/image/active/$PANEL"
is "$STATUS" 200 "an admin gets any display's picture"
etag=$(header ETag)
fetch "$T/admin2.png" "/api/v1/image/active/$PANEL" -H "If-None-Match: $etag"
is "$STATUS" 304 "If-None-Match with its ETag is a 304"

KEY=$DKEY fetch "$T/x.png" "/api/v1/image/active?sensor_id=$KITCHEN"
is "$STATUS" 403 "a bound key may not fetch another display"
KEY=$DKEY fetch "$T/x.png" "/api/v1/image/active/$KITCHEN"
is "$STATUS" 403 "nor by its id"
KEY=$OKEY fetch "$T/kitchen.png" "/api/v1/image/active?sensor_id=$KITCHEN"
is "$STATUS" 200 "an unbound key fetches a display named by sensor_id"
like "$T/kitchen.png" active_1bit.png "the 1-bit picture renders as the reference" 48 0.02 8
KEY=$OKEY fetch "$T/x.png" /api/v1/image/active
is "$STATUS" 404 "a key no display is bound to, without sensor_id, is a 404"
KEY=$DKEY fetch "$T/x.png" "/api/v1/image/active?sensor_id=abc"
is "$STATUS" 422 "a sensor_id that is no id is a 422"
KEY=$DKEY fetch "$T/x.png" "/api/v1/image/templates"
is "$STATUS" 403 "a device key does not list templates"

# ---------------------------------------------------------------- expiry, reset
sql "UPDATE eink_active SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE sensor_id = $PANEL"
KEY=$DKEY fetch "$T/expired.png" /api/v1/image/active
is "$STATUS" 200 "after expires_at the display gets a new picture"
if [ "$(sha256sum <"$T/expired.png" | cut -d' ' -f1)" != "$HASH" ]; then
	ok "it is not the expired one"
else
	not_ok "it is not the expired one"
fi
like "$T/expired.png" default_4grey.png "it is the default template" 40 0.01 4
KEY=$DKEY fetch "$T/x.png" /api/v1/image/active
is "$STATUS" 204 "and the next fetch of the default is a 204"

old=$(sql "SELECT media_id FROM eink_active WHERE sensor_id = $KITCHEN")
api POST /api/v1/image/reset "$(jq -nc --argjson k "$KITCHEN" '{targets: [$k]}')"
expect_status 200 "reset a display"
expect_json '.reset | tostring' "[$KITCHEN]"
is "$(sql "SELECT COUNT(*) FROM eink_active WHERE sensor_id = $KITCHEN")" 0 "its picture is forgotten"
is "$(sql "SELECT COUNT(*) FROM media WHERE id = $old")" 0 "and its media row is gone"
fetch "$T/kreset.png" "/api/v1/image/active/$KITCHEN"
is "$STATUS" 200 "after reset it shows the default template"
like "$T/kreset.png" default_1bit.png "the default in 1 bit renders as the reference" 48 0.02 8

api POST /api/v1/image/reset '{"targets": []}'
expect_status 422 "reset needs targets"

# ---------------------------------------------------------------- delete
api DELETE "/api/v1/image/templates/$GRAD"
expect_status 204 "delete a template"
is "$(sql "SELECT COUNT(*) FROM media WHERE rel_path = '$rel'")" 0 "its picture's row is gone"
check "its picture's file is gone" test ! -e "$(config_get media root 2>/dev/null || echo /nonexistent)/$rel"
api DELETE "/api/v1/image/templates/$GRAD"
expect_status 404 "a second delete is a 404"
api GET "/api/v1/audit?path=/api/v1/image/&limit=100"
expect_json '[.items[] | select(.path | startswith("/api/v1/image/"))] | length > 3' true \
	"changes are audited"

finish
