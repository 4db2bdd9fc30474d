#!/bin/bash
# Recordings on the real stack, with videos made by ffmpeg:
#   - registered from the camera's incoming folder: moved into the media
#     root, with a thumbnail and a 1600x90 sprite (ffprobe), listed newest
#     first and filtered; a clip under 2 s gets no sprite;
#   - the video through nginx: whole, a Range (206) and a bad range (416);
#   - multipart uploads (curl -F), one larger than 1 MiB (past the API's
#     JSON body limit), one beyond [media] upload_max_mb is 413;
#   - every name that could leave the incoming folder is a 422: ../,
#     absolute, a symlink pointing outside, %2e%2e, empty, a NUL (JSON
#     \u0000); nothing moves;
#   - not a video (text, a JPEG, a playlist naming a local file): 422 and
#     nothing left in the media root or its .tmp;
#   - DELETE removes the rows and the files; /archive/new-count.
. "$(dirname "$0")/lib.sh"

command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { skip "ffmpeg missing"; finish; }

MEDIA=$HEARTH_STACK_DIR/media
INCOMING=$HEARTH_STACK_DIR/incoming
P="rec-$RUN_ID"

media_files() { find "$MEDIA" -type f 2>/dev/null | sort; }
tmp_count() { find "$MEDIA/.tmp" -type f 2>/dev/null | wc -l; }
video() { # video SECONDS OUT [SIZE] [FILTER]: noise makes a big file
	ffmpeg -nostdin -hide_banner -loglevel error -f lavfi \
		-i "testsrc=duration=$1:size=${3:-320x240}:rate=10${4:+,$4}" -c:v libx264 \
		-pix_fmt yuv420p -y "$2"
}
# fetch PATH OUT [curl args...]: the body of an authenticated GET into OUT.
fetch() {
	local path=$1 out=$2
	shift 2
	curl -sk --max-time 60 -H "X-API-Key: $ADMIN" -o "$out" "$@" "$URL$path"
}
probe_size() { ffprobe -v error -show_entries stream=width,height -of csv=p=0:s=x "$1"; }

create_sensor "$(jq -nc --arg n "$P cam" '{name: $n, sensor_type: "camera"}')"
CAM=$SENSOR_ID
check "camera created" test -n "$CAM"
create_sensor "$(jq -nc --arg n "$P other" '{name: $n, sensor_type: "pir"}')"
NOT_CAM=$SENSOR_ID
DIR=$INCOMING/$CAM
mkdir -p "$DIR/sub"

# ---------------------------------------------------------------- incoming folder

video 5 "$DIR/clip5.mp4"
video 1 "$DIR/sub/clip1.mp4"
SINCE=$(date -u -d '-2 seconds' +%Y-%m-%dT%H:%M:%SZ)

api POST /api/v1/recordings "{\"camera_id\": $CAM, \"file\": \"clip5.mp4\", \"taken_at\": \"2026-01-02T03:04:05Z\"}"
expect_status 201 "register a 5 s clip from the incoming folder"
REC=$(jb .id)
expect_json '[.camera_id, .duration_ms, .width, .height, .taken_at]' "[$CAM,5000,320,240,\"2026-01-02T03:04:05Z\"]"
expect_json '[.video_url, .thumbnail_url, .sprite_url]' \
	"[\"/api/v1/recordings/$REC/video\",\"/api/v1/recordings/$REC/thumbnail\",\"/api/v1/recordings/$REC/sprite\"]"
check "the file left the incoming folder" test ! -e "$DIR/clip5.mp4"
check "the JSON shows no path" bash -c "! grep -q recordings/$CAM/ <<<'$BODY'"

api GET "/api/v1/recordings/$REC/thumbnail" 2>/dev/null   # binary body
expect_status 200 "thumbnail"
expect_header Content-Type '^image/jpeg'
fetch "/api/v1/recordings/$REC/thumbnail" "$T/thumb.jpg"
is "$(probe_size "$T/thumb.jpg")" 320x240 "the thumbnail is a 320x240 picture"
api GET "/api/v1/recordings/$REC/sprite" 2>/dev/null   # binary body
expect_status 200 "sprite"
fetch "/api/v1/recordings/$REC/sprite" "$T/sprite.jpg"
is "$(probe_size "$T/sprite.jpg")" 1600x90 "the sprite is 1600x90"

api GET "/api/v1/recordings/$REC/video" 2>/dev/null   # binary body
expect_status 200 "video"
expect_header Content-Type '^video/mp4'
fetch "/api/v1/recordings/$REC/video" "$T/video.mp4"
is "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$T/video.mp4" | cut -d. -f1)" 5 "the video plays for 5 s"
SIZE=$(stat -c %s "$T/video.mp4")
api GET "/api/v1/recordings/$REC/video" "" -H "Range: bytes=0-99" 2>/dev/null   # binary body
expect_status 206 "a Range request is 206 (nginx)"
expect_header Content-Range "^bytes 0-99/$SIZE$"
api GET "/api/v1/recordings/$REC/video" "" -H "Range: bytes=$((SIZE + 10))-"
expect_status 416 "an unsatisfiable range is 416 (nginx)"
KEY="" api GET "/api/v1/recordings/$REC/video"
expect_status 401 "no key, no video"
api GET "/_media/recordings/$CAM/"
expect_status 404 "the internal media location is not reachable from outside"

api POST /api/v1/recordings "{\"camera_id\": $CAM, \"file\": \"sub/clip1.mp4\"}"
expect_status 201 "a 1 s clip in a subfolder"
SHORT=$(jb .id)
expect_json .sprite_url null "no sprite under 2 s"
api GET "/api/v1/recordings/$SHORT/sprite"
expect_status 404 "its sprite is 404"

api GET "/api/v1/recordings?camera_id=$CAM"
expect_status 200
expect_json '[.items[].id]' "[$SHORT,$REC]" "listed newest first"
api GET "/api/v1/recordings?camera_id=$CAM&limit=1"
CUR=$(jb .pagination.next_cursor)
api GET "/api/v1/recordings?camera_id=$CAM&limit=1&cursor=$CUR"
expect_json '[.items[].id]' "[$REC]" "the cursor continues the list"
api GET "/api/v1/recordings?camera_id=$CAM&until=2026-06-01T00:00:00Z"
expect_json '[.items[].id]' "[$REC]" "until filters on taken_at"
api GET "/api/v1/recordings/$REC"
expect_status 200
expect_json .id "$REC"

# ---------------------------------------------------------------- names that leave the folder

video 1 "$T/outside.mp4"
ln -s "$T/outside.mp4" "$DIR/link.mp4"
ln -s /etc "$DIR/etc"
video 1 "$DIR/keep.mp4"
before=$(media_files)
for name in '../../media/x.mp4' '../clip.mp4' '/etc/passwd' 'link.mp4' 'etc/passwd' \
	'%2e%2e/%2e%2e/etc/passwd' '..' '.' '' 'sub/../keep.mp4' 'keep.mp4/' 'missing.mp4'; do
	api POST /api/v1/recordings "$(jq -nc --argjson c "$CAM" --arg f "$name" '{camera_id: $c, file: $f}')"
	expect_status 422 "file '$name' is refused"
done
api POST /api/v1/recordings "{\"camera_id\": $CAM, \"file\": \"keep.mp4\\u0000.txt\"}"
expect_status '400|422' "a NUL in the name is refused"
is "$(media_files)" "$before" "nothing was added to the media root"
check "the incoming file stays" test -f "$DIR/keep.mp4"
check "the symlink's target is untouched" test -f "$T/outside.mp4"

api POST /api/v1/recordings "{\"camera_id\": $NOT_CAM, \"file\": \"keep.mp4\"}"
expect_status 422 "a sensor that is not a camera"
expect_loc '["body","camera_id"]'
api POST /api/v1/recordings "{\"camera_id\": $CAM, \"file\": \"keep.mp4\", \"path\": \"/x\"}"
expect_status 422 "an unknown field"

# ---------------------------------------------------------------- not a video

echo "just text" >"$DIR/notes.mp4"
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=64x48 -frames:v 1 -y "$DIR/pic.jpg"
printf '#EXTM3U\n#EXTINF:1,\nfile:/etc/passwd\n' >"$DIR/list.m3u8"
for name in notes.mp4 pic.jpg list.m3u8; do
	api POST /api/v1/recordings "{\"camera_id\": $CAM, \"file\": \"$name\"}"
	expect_status 422 "$name is not a video"
	check "$name stays where it was" test -f "$DIR/$name"
done
api POST /api/v1/recordings "" -F "camera_id=$CAM" -F "file=@$DIR/notes.mp4"
expect_status 422 "an uploaded text is not a video"
is "$(media_files)" "$before" "nothing kept in the media root"
is "$(tmp_count)" 0 "nothing left in .tmp"

# ---------------------------------------------------------------- uploads

api POST /api/v1/recordings "" -F "camera_id=$CAM" -F "file=@$T/outside.mp4;type=video/mp4"
expect_status 201 "multipart upload"
UP1=$(jb .id)
video 10 "$T/big.mp4" 640x480 noise=alls=60:allf=t
BIG=$(stat -c %s "$T/big.mp4")
check "the big upload is over 1 MiB ($BIG bytes)" test "$BIG" -gt 1048576
CURL_MAX_TIME=60 api POST /api/v1/recordings "" -F "camera_id=$CAM" -F "taken_at=2026-02-03T04:05:06Z" -F "file=@$T/big.mp4"
expect_status 201 "an upload beyond the 1 MiB JSON limit"
UP2=$(jb .id)
expect_json '[.width, .height, .duration_ms, .size_bytes, .taken_at]' "[640,480,10000,$BIG,\"2026-02-03T04:05:06Z\"]"
fetch "/api/v1/recordings/$UP2/video" "$T/back.mp4"
check "the upload comes back byte for byte" cmp -s "$T/big.mp4" "$T/back.mp4"

api POST /api/v1/recordings "" -F "camera_id=$CAM"
expect_status 422 "an upload without a file"
api POST /api/v1/recordings "" -F "camera_id=$CAM" -F "file=@$T/outside.mp4" -F "file=@$T/outside.mp4"
expect_status 422 "two files"
api POST /api/v1/recordings "" -F "camera_id=$CAM" -F "extra=1" -F "file=@$T/outside.mp4"
expect_status 422 "an unknown form field"
api POST /api/v1/recordings "" -F "camera_id=$NOT_CAM" -F "file=@$T/outside.mp4"
expect_status 422 "upload for a sensor that is not a camera"
KEY="" api POST /api/v1/recordings "" -F "camera_id=$CAM" -F "file=@$T/big.mp4"
expect_status 401 "an upload without a key is refused before its body is read"
api POST /api/v1/sensors "" -F "name=x" -F "file=@$T/outside.mp4"
expect_status 415 "multipart to any other route is 415"
CT="multipart/form-data; boundary=zz" api POST /api/v1/recordings "--zz\r\nbroken"
expect_status 400 "a malformed multipart body"

# A small upload_max_mb: beyond it is 413.
config_keep
config_set media upload_max_mb 1
restart_api_tick
api POST /api/v1/recordings "" -F "camera_id=$CAM" -F "file=@$T/big.mp4"
expect_status 413 "an upload beyond upload_max_mb"
cat "$T/hearth.conf.kept" >"$HEARTH_CONFIG"
restart_api_tick
is "$(tmp_count)" 0 "no upload left in .tmp"

# ---------------------------------------------------------------- new count, delete

api GET "/api/v1/archive/new-count?since=$SINCE"
expect_status 200
check "new-count counts this file's recordings ($(jb .count))" test "$(jb .count)" -ge 4
api GET "/api/v1/archive/new-count?since=2999-01-01T00:00:00Z"
expect_json .count 0 "nothing after a future time"
api GET "/api/v1/archive/new-count"
expect_json .count 0 "since missing: 0"
api GET "/api/v1/archive/new-count?since=yesterday"
expect_json .count 0 "since unreadable: 0"

files_before=$(media_files | wc -l)
api DELETE "/api/v1/recordings/$REC"
expect_status 204 "delete a recording"
is "$(media_files | wc -l)" "$((files_before - 3))" "its video, thumbnail and sprite are gone"
is "$(sql "SELECT COUNT(*) FROM media WHERE id = $REC OR parent_id = $REC")" 0 "and its rows"
api GET "/api/v1/recordings/$REC"
expect_status 404
api GET "/api/v1/recordings/$REC/video"
expect_status 404
api DELETE "/api/v1/recordings/$REC"
expect_status 404 "deleting twice is 404"
for id in $SHORT $UP1 $UP2; do api DELETE "/api/v1/recordings/$id"; done
api DELETE "/api/v1/sensors/$CAM"
api DELETE "/api/v1/sensors/$NOT_CAM"
rm -rf "$DIR"

finish
