#!/bin/bash
# Timelapse on the real stack:
#   - GET/PUT /timelapse: defaults, partial PUT, validation (interval 1-60,
#     fps 1-60, resolution original|640:480|320:240, unknown fields);
#   - GET /timelapse/status: today's local date, frame count, last capture;
#   - frames made with ffmpeg and registered as a past day's frames: a
#     hearth-timelapse whose ffmpeg cannot run keeps every frame (rows and
#     files) and makes no video; the next run with a working ffmpeg stitches
#     them into an MP4 that ffprobe reads as H.264 with one frame per
#     frame, with a thumbnail, and the frames are gone;
#   - GET /timelapse/videos lists it newest first; the video is served by
#     nginx with Range (206) and 416; the thumbnail is a JPEG; DELETE
#     removes rows and files; a caregiver reads but may not change.
. "$(dirname "$0")/lib.sh"

P="tl-$RUN_ID"
ROOT=$(config_get media root)
BIN=$HEARTH_BUILD_DIR/cron/hearth-timelapse
NFRAMES=12
DAY=2001-01-01

command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || {
	skip "timelapse" "ffmpeg and ffprobe are needed"
	finish
}

SAVED=$(sql "SELECT value FROM settings WHERE name = 'timelapse'")
if [ -n "$SAVED" ]; then
	printf '%s' "$SAVED" >"$T/tl.saved"
	on_exit "sql \"REPLACE INTO settings (name, value) VALUES ('timelapse', '\$(cat \"\$T/tl.saved\")')\""
else
	on_exit "sql \"DELETE FROM settings WHERE name = 'timelapse'\""
fi
sql "DELETE FROM settings WHERE name = 'timelapse'"

# ---------------------------------------------------------------- settings
api GET /api/v1/timelapse
expect_status 200 "GET /timelapse"
expect_json '[.enabled, .interval_minutes, .fps, .resolution] | @csv' 'false,5,24,"640:480"' "defaults: off, 5 min, 24 fps, 640:480"
api PUT /api/v1/timelapse '{"fps": 12}'
expect_status 200 "PUT fps only"
expect_json '[.enabled, .interval_minutes, .fps, .resolution] | @csv' 'false,5,12,"640:480"' "PUT changed fps only"
api PUT /api/v1/timelapse '{"interval_minutes": 0, "fps": 61, "resolution": "1920:1080", "enabled": 1, "codec": "h265"}'
expect_status 422 "PUT with five problems"
expect_loc '["body","interval_minutes"]' greater_than_equal
expect_loc '["body","fps"]' less_than_equal
expect_loc '["body","resolution"]' enum
expect_loc '["body","enabled"]' bool_type
expect_loc '["body","codec"]' extra_forbidden
for bad in '{"interval_minutes": 61}' '{"fps": 0}' '{"resolution": "640x480"}' '{"resolution": null}' '{"interval_minutes": "5"}'; do
	api PUT /api/v1/timelapse "$bad"
	expect_status 422 "PUT $bad is 422"
done
for good in '{"resolution": "original"}' '{"resolution": "320:240", "interval_minutes": 60, "fps": 60}' '{"interval_minutes": 1, "fps": 1}'; do
	api PUT /api/v1/timelapse "$good"
	expect_status 200 "PUT $good"
done
api GET /api/v1/timelapse
expect_json '[.interval_minutes, .fps, .resolution] | @csv' '1,1,"320:240"' "GET shows the merged settings"
# The stitch below: 24 fps at 320:240.
api PUT /api/v1/timelapse '{"fps": 24, "enabled": false}'
expect_status 200 "PUT fps 24"

api GET /api/v1/timelapse/status
expect_status 200 "GET /timelapse/status"
expect_json '[has("enabled"), has("interval_minutes"), has("fps"), has("resolution"), has("today_frame_count"), has("last_capture")] | all' true \
	"status has the settings, today_frame_count and last_capture"
TODAY=$(jb .today)
BEFORE=$(jb .today_frame_count)

# ---------------------------------------------------------------- frames
create_camera "$P-cam" || not_ok "a camera for the rows" "$(_last)"
on_exit "sql \"DELETE FROM media WHERE camera_id = $CAM; DELETE FROM sensors WHERE id = $CAM\""
on_exit "rm -rf '$ROOT/frames/$CAM' '$ROOT/timelapse/$CAM'"
DIR="frames/$CAM/2001/01/01"
mkdir -p "$ROOT/$DIR"
ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc=size=320x240:rate=1" -frames:v "$NFRAMES" \
	"$T/f_%02d.jpg" >"$T/ffmpeg.out" 2>&1
for i in $(seq 1 "$NFRAMES"); do
	f=$(printf 'frame_20010101_%02d0000_%s.jpg' "$i" "$RUN_ID")
	cp "$T/f_$(printf %02d "$i").jpg" "$ROOT/$DIR/$f"
	sql "INSERT INTO media (kind, camera_id, camera_name, rel_path, mime, size_bytes, width, height, day, taken_at)
	     VALUES ('frame', $CAM, '$P-cam', '$DIR/$f', 'image/jpeg', $(stat -c %s "$ROOT/$DIR/$f"), 320, 240,
	             '$DAY', '$DAY 00:00:00' + INTERVAL $i HOUR)"
done
# One frame of today, which is not stitched.
mkdir -p "$ROOT/frames/$CAM/today"
cp "$T/f_01.jpg" "$ROOT/frames/$CAM/today/frame_today_$RUN_ID.jpg"
sql "INSERT INTO media (kind, camera_id, rel_path, mime, size_bytes, day)
     VALUES ('frame', $CAM, 'frames/$CAM/today/frame_today_$RUN_ID.jpg', 'image/jpeg', 1, '$TODAY')"
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'frame' AND camera_id = $CAM AND day = '$DAY'")" "$NFRAMES" "$NFRAMES frames registered for $DAY"
api GET /api/v1/timelapse/status
expect_json .today_frame_count "$((BEFORE + 1))" "status counts today's frame"
expect_json '.last_capture | type' string "status has a last capture"

# ---------------------------------------------------------------- a failed stitch
cp "$HEARTH_CONFIG" "$T/broken.conf"
config_set media ffmpeg /nonexistent/ffmpeg "$T/broken.conf"
"$BIN" -c "$T/broken.conf" >"$T/run1.out" 2>&1
is "$?" 0 "hearth-timelapse with a broken ffmpeg exits 0 (a failed stitch is no exit status)"
if grep -q "stitch failed" "$T/run1.out"; then ok "... and logs the failed stitch"; else not_ok "... and logs the failed stitch" "$(cat "$T/run1.out")"; fi
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'frame' AND camera_id = $CAM AND day = '$DAY'")" "$NFRAMES" "the failed stitch kept every frame row"
is "$(find "$ROOT/$DIR" -type f | wc -l)" "$NFRAMES" "... and every frame file"
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'timelapse' AND camera_id = $CAM")" 0 "... and made no video"
is "$(find "$ROOT/.tmp" -type f -newer "$T/broken.conf" 2>/dev/null | wc -l)" 0 "... and left nothing in .tmp"

# ---------------------------------------------------------------- the stitch
"$BIN" -c "$HEARTH_CONFIG" >"$T/run2.out" 2>&1
is "$?" 0 "hearth-timelapse exits 0"
VID=$(sql "SELECT id FROM media WHERE kind = 'timelapse' AND camera_id = $CAM AND day = '$DAY'")
check "a video row for $DAY" test -n "$VID"
REL=$(sql "SELECT rel_path FROM media WHERE id = ${VID:-0}")
is "$REL" "timelapse/$CAM/timelapse_20010101.mp4" "the video is timelapse/<camera>/timelapse_<YYYYMMDD>.mp4"
probe=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=codec_name,nb_read_frames,width,height \
	-of csv=p=0 "$ROOT/$REL" 2>&1)
is "$probe" "h264,320,240,$NFRAMES" "ffprobe: H.264, 320x240, $NFRAMES frames"
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'frame' AND camera_id = $CAM AND day = '$DAY'")" 0 "the frame rows are gone"
is "$(find "$ROOT/$DIR" -type f 2>/dev/null | wc -l)" 0 "the frame files are gone"
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'frame' AND camera_id = $CAM AND day = '$TODAY'")" 1 "today's frame stays"
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'thumbnail' AND parent_id = ${VID:-0}")" 1 "the video has a thumbnail"
is "$(sql "SELECT size_bytes FROM media WHERE id = ${VID:-0}")" "$(stat -c %s "$ROOT/$REL" 2>/dev/null)" "the row has the file's size"

# ---------------------------------------------------------------- the API
api GET "/api/v1/timelapse/videos?camera_id=$CAM"
expect_status 200 "GET /timelapse/videos"
expect_json '.items | length' 1 "one video for the camera"
expect_json '.items[0] | [.id, .camera_id, .date, .video_url, .thumbnail_url] | @csv' \
	"$VID,$CAM,\"$DAY\",\"/api/v1/timelapse/videos/$VID/video\",\"/api/v1/timelapse/videos/$VID/thumbnail\"" "the video's JSON"
expect_json '[.items[0] | .. | strings | select(test("^/|\\.mp4$") and (startswith("/api/") | not))] | length' 0 "no path in the JSON"
api GET "/api/v1/timelapse/videos?limit=1"
expect_json '.items[0].id' "$(sql "SELECT MAX(id) FROM media WHERE kind = 'timelapse'")" "newest first"
api GET "/api/v1/timelapse/videos?camera_id=x"
expect_status 422 "camera_id=x is 422"

api GET "/api/v1/timelapse/videos/$VID/video" 2>/dev/null
expect_status 200 "GET the video"
expect_header Content-Type '^video/mp4' "video/mp4"
api GET "/api/v1/timelapse/videos/$VID/video" "" -H 'Range: bytes=0-99' 2>/dev/null
expect_status 206 "Range bytes=0-99 is 206"
expect_header Content-Range "^bytes 0-99/$(stat -c %s "$ROOT/$REL")$" "Content-Range of the whole file"
api GET "/api/v1/timelapse/videos/$VID/video" "" -H 'Range: bytes=999999999-'
expect_status 416 "a range past the end is 416"
api GET "/api/v1/timelapse/videos/$VID/thumbnail" 2>/dev/null
expect_status 200 "GET the thumbnail"
expect_header Content-Type '^image/jpeg' "image/jpeg"
api GET "/api/v1/timelapse/videos/$(sql "SELECT id FROM media WHERE kind = 'frame' AND camera_id = $CAM LIMIT 1")/video"
expect_status 404 "a frame is no timelapse video: 404"

create_key "$P-care" caregiver
CARE=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
KEY=$CARE api GET /api/v1/timelapse/videos
expect_status 200 "a caregiver lists the videos"
KEY=$CARE api DELETE "/api/v1/timelapse/videos/$VID"
expect_status 403 "a caregiver may not delete one"
KEY=$CARE api PUT /api/v1/timelapse '{"fps": 10}'
expect_status 403 "a caregiver may not change the settings"

api DELETE "/api/v1/timelapse/videos/$VID"
expect_status 204 "DELETE the video"
is "$(sql "SELECT COUNT(*) FROM media WHERE id = $VID OR parent_id = $VID")" 0 "the video and thumbnail rows are gone"
check "the video file is gone" test ! -e "$ROOT/$REL"
check "the thumbnail file is gone" test ! -e "$ROOT/timelapse/$CAM/timelapse_20010101.thumb.jpg"
api GET "/api/v1/timelapse/videos/$VID/video" 2>/dev/null
expect_status 404 "the deleted video is 404"
api DELETE "/api/v1/timelapse/videos/$VID"
expect_status 404 "DELETE again is 404"


# ---------------------------------------------------------------- capture
# A camera with a snapshot URL on loopback (allowed for this test): one
# frame per run once the interval has passed, and the camera marked online.
ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=1 -frames:v 1 -y "$T/cam.jpg" ||
	not_ok "ffmpeg makes a test picture"
python3 "$HEARTH_SRC_DIR/tests/tools/fake_camera.py" 0 "$T/cam.jpg" >"$T/cam.out" 2>&1 &
_LOAD_PIDS+=("$!")
wait_until 5 grep -q listening "$T/cam.out"
CAM_URL=http://$(sed -n 's/^fake_camera: listening on //p' "$T/cam.out")
config_keep
config_set outbound allow_loopback true
config_set outbound timeout_seconds 3
restart_api_tick || not_ok "restart with loopback allowed"
api POST /api/v1/cameras "$(jq -nc --arg n "$P-live" --arg u "$CAM_URL/snap.jpg" '{name: $n, snapshot_url: $u}')"
expect_status 201 "a camera with a snapshot URL"
LIVE=$(jb .id)
api PUT /api/v1/timelapse '{"enabled": true, "interval_minutes": 1}'
expect_status 200 "timelapse on, every minute"
"$BIN" -c "$HEARTH_CONFIG" >"$T/run3.out" 2>&1
is "$?" 0 "hearth-timelapse captures"
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'frame' AND camera_id = ${LIVE:-0}")" 1 "one frame of the live camera"
FREL=$(sql "SELECT rel_path FROM media WHERE kind = 'frame' AND camera_id = ${LIVE:-0} LIMIT 1")
check "the frame is the camera's picture" cmp -s "$ROOT/$FREL" "$T/cam.jpg"
api GET "/api/v1/cameras/${LIVE:-0}"
expect_json '.status' online "the camera is online after the capture"
"$BIN" -c "$HEARTH_CONFIG" >"$T/run4.out" 2>&1
is "$(sql "SELECT COUNT(*) FROM media WHERE kind = 'frame' AND camera_id = ${LIVE:-0}")" 1 "no second frame before the interval has passed"
api GET /api/v1/timelapse/status
expect_json '(.today_frame_count >= 1) and (.last_capture != null)' true "status counts today's frame"
api PUT /api/v1/timelapse '{"enabled": false}'
api DELETE "/api/v1/cameras/${LIVE:-0}"
expect_status 204 "delete the live camera"

finish
