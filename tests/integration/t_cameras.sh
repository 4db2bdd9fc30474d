#!/bin/bash
# Cameras: CRUD, credentials never shown (in /cameras, /sensors and every
# reply), "***" keeping the stored credentials, the outbound URL policy
# (422 url_policy), zones and their validation, snapshots from a stand-in
# HTTP camera (with Basic credentials) and from an ffmpeg test stream, and
# a dead camera (502, status error).
. "$(dirname "$0")/lib.sh"

P="cam-$RUN_ID"
SECRET="s3cr3t-$RUN_ID"
on_exit "sql \"DELETE FROM media WHERE camera_name LIKE '$P%'\"; sql \"DELETE FROM sensors WHERE name LIKE '$P%'\""

# no_secret: the last reply does not hold the password.
no_secret() {
	case $BODY in
	*"$SECRET"*) not_ok "$REQ: the password never appears" "$(_last)" ;;
	*) ok "$REQ: the password never appears" ;;
	esac
}

# ---------------------------------------------------------------- CRUD and redaction
api POST /api/v1/cameras "$(jq -nc --arg n "$P-porch" --arg s "$SECRET" \
	'{name: $n, stream_url: ("rtsp://admin:" + $s + "@10.0.0.5:554/live"), snapshot_url: ("http://admin:" + $s + "@10.0.0.5/snap.jpg")}')"
expect_status 201 "POST /cameras creates a camera"
CAM=$(jb .id)
no_secret
expect_json .stream_url "rtsp://***@10.0.0.5:554/live" "the stream URL is shown with *** for its credentials"
expect_json .snapshot_url "http://***@10.0.0.5/snap.jpg" "so is the snapshot URL"
expect_json '[.has_credentials, .status, .last_seen_at, .incoming_dir, .enabled]' "[true,\"offline\",null,\"$CAM\",true]" \
	"a new camera: has_credentials, offline, never seen, incoming_dir its id, enabled"

api GET "/api/v1/cameras/$CAM"; expect_status 200; no_secret
api GET /api/v1/cameras; expect_status 200; no_secret
expect_json "[.items[] | select(.id == $CAM)] | length" 1 "GET /cameras lists it"
api GET "/api/v1/sensors/$CAM"; expect_status 200; no_secret
expect_json .config.stream_url "rtsp://***@10.0.0.5:554/live" "GET /sensors/{id} redacts camera URLs too"
api GET "/api/v1/sensors?sensor_type=camera"; expect_status 200; no_secret
api GET "/api/v1/sensors?sensor_type=camera"; no_secret   # a cached page too

api PATCH "/api/v1/cameras/$CAM" '{"stream_url": "rtsp://***@10.0.0.6/live2", "name": "'"$P-porch2"'"}'
expect_status 200 "PATCH with *** for the credentials"
no_secret
is "$(sql "SELECT JSON_UNQUOTE(JSON_EXTRACT(config, '$.stream_url')) FROM sensors WHERE id = $CAM")" \
	"rtsp://admin:$SECRET@10.0.0.6/live2" "*** keeps the stored credentials with the new host"
api PATCH "/api/v1/cameras/$CAM" '{"snapshot_url": null}'
expect_status 200
expect_json '[.snapshot_url, .has_credentials]' '[null,true]' "null removes a URL"
api PUT "/api/v1/sensors/$CAM" "$(jq -nc --arg n "$P-porch2" '{name: $n, config: {stream_url: "rtsp://***@10.0.0.7/x"}}')"
expect_status 200 "PUT /sensors/{id} of a camera with ***"
no_secret
is "$(sql "SELECT JSON_UNQUOTE(JSON_EXTRACT(config, '$.stream_url')) FROM sensors WHERE id = $CAM")" \
	"rtsp://admin:$SECRET@10.0.0.7/x" "/sensors keeps the credentials for *** as well"

# ---------------------------------------------------------------- validation and policy
api POST /api/v1/cameras "$(jq -nc --arg n "$P-meta" '{name: $n, snapshot_url: "http://169.254.169.254/latest/meta-data"}')"
expect_status 422 "a metadata address is refused"
expect_loc '["body","snapshot_url"]' url_policy
api POST /api/v1/cameras "$(jq -nc --arg n "$P-lo" '{name: $n, stream_url: "rtsp://u:p@[fe80::1]/x"}')"
expect_status 422; expect_loc '["body","stream_url"]' url_policy
api POST /api/v1/cameras "$(jq -nc --arg n "$P-f" '{name: $n, stream_url: "file:///etc/passwd", snapshot_url: "rtsp://10.0.0.5/x", incoming_dir: "../x", bogus: 1}')"
expect_status 422 "bad scheme, snapshot over rtsp, bad incoming_dir and an unknown field"
expect_json '[.detail[].loc[1]] | sort' '["bogus","incoming_dir","snapshot_url","stream_url"]' "every problem is reported"
api POST /api/v1/sensors "$(jq -nc --arg n "$P-s" '{name: $n, sensor_type: "camera", config: {snapshot_url: "http://169.254.169.254/"}}')"
expect_status 422 "POST /sensors checks camera URLs against the policy"
expect_loc '["body","config","snapshot_url"]' url_policy
api PATCH "/api/v1/cameras/$CAM" '{"incoming_dir": "12345678"}'
expect_status 422 "digits alone as incoming_dir belong to that camera id"
api PATCH "/api/v1/cameras/$CAM" "{\"incoming_dir\": \"$CAM\"}"
expect_status 200 "its own id is fine"
api PATCH "/api/v1/cameras/$CAM" "{\"incoming_dir\": \"porch-$RUN_ID\"}"
expect_status 200; expect_json .incoming_dir "porch-$RUN_ID"
api POST /api/v1/cameras "$(jq -nc --arg n "$P-dup" --arg d "porch-$RUN_ID" '{name: $n, incoming_dir: $d}')"
expect_status 409 "an incoming_dir is one camera's"

api POST /api/v1/sensors "$(jq -nc --arg n "$P-pir" '{name: $n, sensor_type: "pir"}')"
PIR=$(jb .id)
for m in GET PATCH DELETE; do
	api "$m" "/api/v1/cameras/$PIR" "$([ $m = PATCH ] && echo '{"name":"x"}')"
	expect_status 404 "$m /cameras/{id} of a sensor of another type is 404"
done

# ---------------------------------------------------------------- zones
Z='{"name":"door","zone_type":"entry_point","polygon":[{"x":0.1,"y":0.1},{"x":0.5,"y":0.1},{"x":0.5,"y":0.6}]}'
api POST "/api/v1/cameras/$CAM/zones" "$Z"
expect_status 201 "a zone"
ZONE=$(jb .id)
expect_json '[.camera_id, .zone_type, (.polygon | length), .enabled]' "[$CAM,\"entry_point\",3,true]"
api POST "/api/v1/cameras/$CAM/zones" '{"name":"","zone_type":"garden","polygon":[{"x":1.5,"y":0},{"x":0},{"x":0,"y":"a"}],"extra":1}'
expect_status 422 "a bad zone"
expect_loc '["body","name"]'; expect_loc '["body","zone_type"]' enum; expect_loc '["body","extra"]'
expect_loc '["body","polygon",0,"x"]'; expect_loc '["body","polygon",1]'; expect_loc '["body","polygon",2,"y"]'
api POST "/api/v1/cameras/$CAM/zones" '{"name":"z","zone_type":"other","polygon":[{"x":0,"y":0},{"x":1,"y":1}]}'
expect_status 422 "two points are no polygon"
api POST "/api/v1/cameras/$CAM/zones" '{"name":"z","zone_type":"other"}'
expect_status 422; expect_loc '["body","polygon"]' missing
api POST "/api/v1/cameras/$PIR/zones" "$Z"
expect_status 404 "zones only for cameras"
api PATCH "/api/v1/zones/$ZONE" '{"zone_type":"driveway","enabled":false}'
expect_status 200; expect_json '[.zone_type, .enabled, .name]' '["driveway",false,"door"]' "PATCH changes only what is given"
api PATCH "/api/v1/zones/$ZONE" '{"polygon":[]}'
expect_status 422
api GET "/api/v1/cameras/$CAM/zones"
expect_status 200; expect_json '[.items[].id]' "[$ZONE]"
api DELETE "/api/v1/zones/$ZONE"; expect_status 204
api DELETE "/api/v1/zones/$ZONE"; expect_status 404

# ---------------------------------------------------------------- snapshots
ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=1 -frames:v 1 -y "$T/cam.jpg" ||
	not_ok "ffmpeg makes a test picture"
python3 "$HEARTH_SRC_DIR/tests/tools/fake_camera.py" 0 "$T/cam.jpg" >"$T/cam.out" 2>&1 &
_LOAD_PIDS+=("$!")
wait_until 5 grep -q listening "$T/cam.out"
CAM_URL=http://$(sed -n 's/^fake_camera: listening on //p' "$T/cam.out")

api POST /api/v1/cameras "$(jq -nc --arg n "$P-http" --arg u "${CAM_URL/http:\/\//http://u:p%40ss@}/auth.jpg" '{name: $n, snapshot_url: $u}')"
expect_status 422 "loopback is refused by default"
expect_loc '["body","snapshot_url"]' url_policy

config_keep
config_set outbound allow_loopback true
config_set outbound timeout_seconds 3
config_set media ffmpeg_timeout_seconds 5
restart_api_tick || not_ok "restart with loopback allowed"

api POST /api/v1/cameras "$(jq -nc --arg n "$P-http" --arg u "${CAM_URL/http:\/\//http://u:p%40ss@}/auth.jpg" '{name: $n, snapshot_url: $u}')"
expect_status 201 "a camera on loopback once allowed"
HCAM=$(jb .id)
api POST "/api/v1/cameras/$HCAM/snapshot"
expect_status 201 "a snapshot from the HTTP camera (Basic credentials from the URL)"
SNAP=$(jb .id)
expect_json '[.camera_id, .width, .height, .image_url, (.size_bytes > 0)]' \
	"[$HCAM,320,240,\"/api/v1/snapshots/$SNAP/image\",true]" "the snapshot JSON"
expect_json 'has("rel_path") or has("path")' false "no file path in the reply"
api GET "/api/v1/cameras/$HCAM"
expect_json '[.status, (.last_seen_at != null), .last_error]' '["online",true,null]' "the camera is online"
curl -sk -H "X-API-Key: $ADMIN" -o "$T/got.jpg" -w '%{http_code} %{content_type}' "$URL/api/v1/cameras/$HCAM/snapshot" >"$T/got.st"
is "$(cat "$T/got.st")" "200 image/jpeg" "GET /cameras/{id}/snapshot serves the latest image"
check "the image is the camera's picture" cmp -s "$T/got.jpg" "$T/cam.jpg"
api GET "/api/v1/snapshots/$SNAP/image" '' -o /dev/null
expect_status 200 "GET /snapshots/{id}/image"

api PATCH "/api/v1/cameras/$HCAM" "$(jq -nc --arg u "$CAM_URL/text" '{snapshot_url: $u}')"
api POST "/api/v1/cameras/$HCAM/snapshot"
expect_status 502 "an answer that is not a JPEG is a 502"
expect_json .detail "camera $P-http: the answer is not a JPEG image"
api GET "/api/v1/cameras/$HCAM"
expect_json '[.status, .last_error]' '["error","the answer is not a JPEG image"]' \
	"the request rolled back, but the camera's error is recorded"
api PATCH "/api/v1/cameras/$HCAM" "$(jq -nc --arg u "$CAM_URL/big.jpg" '{snapshot_url: $u}')"
api POST "/api/v1/cameras/$HCAM/snapshot"
expect_status 502 "an image past the size limit is a 502"
api PATCH "/api/v1/cameras/$HCAM" "$(jq -nc --arg u "${CAM_URL/http:\/\//http://u:wrong@}/auth.jpg" '{snapshot_url: $u}')"
api POST "/api/v1/cameras/$HCAM/snapshot"
expect_status 502 "wrong credentials"; expect_json .detail "camera $P-http: HTTP 401"
no_secret

DEAD=$(free_port)
api POST /api/v1/cameras "$(jq -nc --arg n "$P-dead" --arg u "http://127.0.0.1:$DEAD/snap.jpg" '{name: $n, snapshot_url: $u}')"
DCAM=$(jb .id)
api POST "/api/v1/cameras/$DCAM/snapshot"
expect_status 502 "a dead camera is a 502"
expect_detail_string
api GET "/api/v1/cameras/$DCAM"
expect_json '[.status, (.last_error | type)]' '["error","string"]' "and its status is error, with the reason"
api GET "/api/v1/cameras/$DCAM/snapshot"
expect_status 404 "no snapshot yet: 404"

api POST /api/v1/cameras "$(jq -nc --arg n "$P-nourl" '{name: $n}')"
NCAM=$(jb .id)
api POST "/api/v1/cameras/$NCAM/snapshot"; expect_status 422 "a camera without a URL: 422"
api PATCH "/api/v1/cameras/$DCAM" '{"enabled": false}'
api POST "/api/v1/cameras/$DCAM/snapshot"; expect_status 409 "a disabled camera: 409"

# An ffmpeg test stream (multipart JPEG over HTTP).
SPORT=$(free_port)
ffmpeg -v error -re -f lavfi -i testsrc=size=320x240:rate=5 -t 60 -f mpjpeg -listen 1 \
	"http://127.0.0.1:$SPORT/stream" >"$T/stream.out" 2>&1 &
_LOAD_PIDS+=("$!")
# Wait for the port without connecting: -listen 1 serves one client.
wait_until 10 bash -c "ss -Hltn 'sport = :$SPORT' | grep -q ."
api POST /api/v1/cameras "$(jq -nc --arg n "$P-stream" --arg u "http://127.0.0.1:$SPORT/stream" '{name: $n, stream_url: $u}')"
SCAM=$(jb .id)
api POST "/api/v1/cameras/$SCAM/snapshot"
expect_status 201 "a snapshot from an ffmpeg test stream"
expect_json '[.width, .height]' '[320,240]'
api POST /api/v1/cameras "$(jq -nc --arg n "$P-rtspdead" --arg u "rtsp://127.0.0.1:$DEAD/live" '{name: $n, stream_url: $u}')"
RCAM=$(jb .id)
api POST "/api/v1/cameras/$RCAM/snapshot"
expect_status 502 "a dead stream is a 502"
expect_time_under 8

# ---------------------------------------------------------------- list and delete
api POST "/api/v1/cameras/$HCAM/snapshot"   # fails (credentials): no row
api GET "/api/v1/snapshots?camera_id=$HCAM"
expect_status 200; expect_json '[.items[].id]' "[$SNAP]" "GET /snapshots?camera_id="
api GET "/api/v1/snapshots?limit=1"
expect_json '(.items | length) <= 1 and (.pagination | has("next_cursor"))' true "limit and cursor"
api GET "/api/v1/snapshots?since=2999-01-01T00:00:00Z&camera_id=$HCAM"
expect_json '.items | length' 0 "since in the future: none"
api GET "/api/v1/snapshots?until=2000-01-01T00:00:00Z"
expect_json '.items | length' 0 "until in the past: none"
api GET "/api/v1/snapshots?since=yesterday"
expect_status 422
REL=$(sql "SELECT rel_path FROM media WHERE id = $SNAP")
check "the file is under the media root" test -f "$HEARTH_STACK_DIR/media/$REL"
api DELETE "/api/v1/snapshots/$SNAP"; expect_status 204 "DELETE /snapshots/{id}"
check "its file is gone" test ! -e "$HEARTH_STACK_DIR/media/$REL"
api GET "/api/v1/snapshots/$SNAP/image"; expect_status 404
api DELETE "/api/v1/snapshots/$SNAP"; expect_status 404

api DELETE "/api/v1/cameras/$CAM"; expect_status 204 "DELETE /cameras/{id}"
api GET "/api/v1/cameras/$CAM"; expect_status 404
is "$(sql "SELECT COUNT(*) FROM cameras WHERE sensor_id = $CAM")" 0 "its cameras row went with it"
finish
