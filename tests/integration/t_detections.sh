#!/bin/bash
# Detections and their grouping into security events, on the real stack:
#   - one camera's detections within the window are one event; a gap of
#     more than 30 s, or more than 90 s since the event's first detection,
#     opens a new one; the 501st detection of an event opens a new one;
#     two cameras never share an event;
#   - 20 detections posted at once to one camera make one open event
#     holding all 20;
#   - a repeated (source, external_id) answers 200 with the first one and
#     stores nothing;
#   - a refused report (422) leaves no row behind;
#   - a zone holding the box's centre sets zone_type and raises the risk;
#   - an image sent as base64 is served back byte for byte by nginx; the
#     video of a detection without a recording is 404, with one it is the
#     recording's file; the enrichment document comes back as sent;
#   - the first time an event reaches high risk an alert is raised and
#     routed (delivery jobs, a reminder time);
#   - hearth-tick closes an idle event (ended_at = its last detection) and
#     says so on the events stream;
#   - the export (CSV and JSON) matches the list and is audited.
#
# Times are explicit detected_at values a few minutes ahead, so nothing
# sleeps through a window and hearth-tick (which closes events that went
# quiet by the wall clock) leaves the events under test open.
. "$(dirname "$0")/lib.sh"

P="det-$RUN_ID"
NOW=$(date +%s)
MEDIA=$HEARTH_STACK_DIR/media

# at SECONDS: the ISO 8601 UTC time SECONDS from the start of the file.
at() { date -u -d "@$((NOW + $1))" +%Y-%m-%dT%H:%M:%SZ; }


cleanup() {
	local f
	for f in $(sql "SELECT rel_path FROM media WHERE camera_name LIKE '$P%'"); do
		rm -f "$MEDIA/$f"
	done
	sql "DELETE FROM alerts WHERE source_key IN (SELECT CONCAT('security:', id) FROM event_logs WHERE camera_name LIKE '$P%');
		DELETE FROM detections WHERE camera_name LIKE '$P%';
		DELETE FROM event_logs WHERE camera_name LIKE '$P%';
		DELETE FROM media WHERE camera_name LIKE '$P%';
		DELETE FROM sensors WHERE name LIKE '$P%'"
}
on_exit cleanup

# camera NAME: a new camera; its id in CAM.
CAM=
camera() { create_camera "$P-$1"; }

# det CAMERA SECONDS [OBJECT] [EXTRA_JSON]: POST a detection at time SECONDS.
det() {
	local extra=${4-}
	[ -n "$extra" ] || extra='{}'
	api POST /api/v1/detections "$(jq -nc --argjson c "$1" --arg t "$(at "$2")" \
		--arg o "${3:-person}" --argjson x "$extra" \
		'{camera_id: $c, object_type: $o, confidence: 0.5, detected_at: $t} + $x')"
}

# ev: the event id of the last answer.
ev() { jb .event_id; }

events_of() { q "SELECT COUNT(*) FROM event_logs WHERE kind = 'security' AND camera_id = $1"; }

# ---------------------------------------------------------------- grouping
camera front || not_ok "camera created" "$(_last)"
A=$CAM
camera back || not_ok "second camera created" "$(_last)"
B=$CAM

det "$A" 60
expect_status 201 "POST /detections: 201"
expect_json '[.camera_id, .object_type, .event.detection_count, (.event_id == .event.id)] | map(tostring) | join(",")' \
	"$A,person,1,true" "the detection and its new event"
E1=$(ev)
det "$A" 80 car
E1b=$(ev)
expect_json .event.detection_count 2 "20 s later: the same event, two detections"
is "$E1b" "$E1" "same camera within the window: one event"
det "$B" 80
is "$([ "$(ev)" != "$E1" ] && echo separate)" separate "another camera: its own event"
det "$A" 111
E2=$(ev)
is "$([ "$E2" != "$E1" ] && echo new)" new "a 31 s gap: a new event"
expect_json .event.detection_count 1 "the new event holds only the late detection"
api GET "/api/v1/events/$E1"
expect_json '[.status, .detection_count, .ended_at, .last_detection_at, (.object_types | join("+"))] | join(",")' \
	"completed,2,$(at 80),$(at 80),person+car" "the first event closed: ended_at is its last detection"
api GET "/api/v1/events/$E2"
expect_json '[.status, .ended_at] | map(tostring) | join(",")' "processing,null" "the open event has no ended_at"

# The window: no gap over 25 s, yet 94 s after the first it is over.
for s in 130 155 180 205; do
	det "$A" $s
done
E3=$(ev)
is "$([ "$E3" != "$E2" ] && echo new)" new "gaps of 25 s: open past 90 s from the first -> a new event"
api GET "/api/v1/events/$E2"
expect_json .detection_count 4 "the window held four detections (111 .. 180 s)"

# ---------------------------------------------------------------- 500 max
camera many || not_ok "camera created" "$(_last)"
M=$CAM
cfg=$T/many.cfg
: >"$cfg"
for ((i = 1; i <= 501; i++)); do
	[ "$i" -gt 1 ] && echo next >>"$cfg"
	printf 'url = "%s/api/v1/detections"\nrequest = "POST"\nheader = "X-API-Key: %s"\nheader = "Content-Type: application/json"\ndata-binary = "{\\"camera_id\\": %s, \\"object_type\\": \\"cat\\", \\"confidence\\": 0.5, \\"detected_at\\": \\"%s\\"}"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\ninsecure\nsilent\n' \
		"$URL" "$ADMIN" "$M" "$(at 60)" >>"$cfg"
done
codes=$(curl -K "$cfg" 2>/dev/null | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd, -)
is "$codes" "201x501" "501 detections of one camera: all stored"
is "$(sql "SELECT detection_count, status FROM event_logs WHERE camera_id = $M ORDER BY id" | tr '\t\n' ' ,')" \
	"500 completed,1 processing," "500 in the first event, the 501st opens the next"
is "$(q "SELECT COUNT(*) FROM detections WHERE camera_id = $M AND event_id IS NULL")" 0 "every detection has its event"

# ---------------------------------------------------------------- concurrency
camera busy || not_ok "camera created" "$(_last)"
C=$CAM
body=$(jq -nc --argjson c "$C" --arg t "$(at 60)" '{camera_id: $c, object_type: "person", confidence: 0.2, detected_at: $t}')
seq 20 | xargs -P 20 -I{} curl -sk -o /dev/null -w '%{http_code}\n' -X POST \
	-H "X-API-Key: $ADMIN" -H 'Content-Type: application/json' --data-binary "$body" \
	"$URL/api/v1/detections" >"$T/conc"
is "$(sort "$T/conc" | uniq -c | awk '{print $2 "x" $1}' | paste -sd, -)" "201x20" "20 concurrent posts to one camera: all 201"
is "$(sql "SELECT COUNT(*), SUM(detection_count), SUM(status = 'processing') FROM event_logs WHERE camera_id = $C" | tr '\t' ,)" \
	"1,20,1" "one open event holding all 20"
is "$(q "SELECT COUNT(DISTINCT event_id) FROM detections WHERE camera_id = $C")" 1 "all 20 rows point at it"

# ---------------------------------------------------------------- idempotence
det "$A" 200 person '{"source": "frigate", "external_id": "ext-1"}'
expect_status 201 "a detection with an external_id: 201"
D1=$(jb .id)
det "$A" 205 dog '{"source": "frigate", "external_id": "ext-1"}'
expect_status 200 "the same (source, external_id) again: 200"
expect_json '[.id, .object_type] | map(tostring) | join(",")' "$D1,person" "... with the first one, unchanged"
is "$(q "SELECT COUNT(*) FROM detections WHERE source = 'frigate' AND external_id = 'ext-1'")" 1 "stored once"
det "$A" 205 dog '{"source": "other", "external_id": "ext-1"}'
expect_status 201 "the same external_id from another source is another detection"

# ---------------------------------------------------------------- validation
before=$(q "SELECT CONCAT((SELECT COUNT(*) FROM detections), '/', (SELECT COUNT(*) FROM event_logs), '/', (SELECT COUNT(*) FROM media))")
det "$A" 210 person '{"confidence": 1.5}'
expect_status 422 "confidence 1.5: 422"
expect_loc '["body","confidence"]'
det "$A" 210 person '{"bbox": {"x": 0.1, "y": 0.1, "width": 2, "height": 0.1, "z": 1}}'
expect_status 422 "a box out of 0-1 with an extra key: 422"
expect_loc '["body","bbox","width"]'
expect_loc '["body","bbox","z"]'
api POST /api/v1/detections "{\"camera_id\": $A, \"confidence\": 0.5}"
expect_status 422 "no object_type: 422"
expect_loc '["body","object_type"]' missing
det 999999999 210
expect_status 422 "an unknown camera: 422"
expect_loc '["body","camera_id"]'
det "$A" 3600
expect_status 422 "an hour in the future: 422"
expect_loc '["body","detected_at"]'
det "$A" 210 person '{"image_base64": "bm90IGEganBlZw=="}'
expect_status 422 "an image that is no JPEG: 422"
expect_loc '["body","image_base64"]'
det "$A" 210 person '{"recording_id": 999999999}'
expect_status 422 "an unknown recording: 422"
expect_loc '["body","recording_id"]'
big=$(python3 -c 'import json; print(json.dumps({"enrichment": {"blob": "x" * 70000}}))')
det "$A" 210 person "$big"
expect_status 422 "an enrichment over 64 KiB: 422"
api POST /api/v1/detections '{"camera_id": '
expect_status 400 "malformed JSON: 400"
is "$(q "SELECT CONCAT((SELECT COUNT(*) FROM detections), '/', (SELECT COUNT(*) FROM event_logs), '/', (SELECT COUNT(*) FROM media))")" \
	"$before" "refused reports left no detection, event or media row"

# ---------------------------------------------------------------- zones
camera zoned || not_ok "camera created" "$(_last)"
Z=$CAM
api POST "/api/v1/cameras/$Z/zones" "$(jq -nc --arg n "$P-door" '{name: $n, zone_type: "restricted", polygon: [{x: 0, y: 0}, {x: 0.5, y: 0}, {x: 0.5, y: 0.5}, {x: 0, y: 0.5}]}')"
expect_status 201 "a restricted zone over the top-left quarter"
ZONE=$(jb .id)
det "$Z" 60 person '{"bbox": {"x": 0.7, "y": 0.7, "width": 0.2, "height": 0.2}}'
outside=$(jb .risk_score)
expect_json '[.zone_id, .zone_type] | map(tostring) | join(",")' "null,null" "a box outside the zone: no zone"
det "$Z" 65 person '{"bbox": {"x": 0.1, "y": 0.1, "width": 0.2, "height": 0.2}}'
expect_json '[.zone_id, .zone_type] | map(tostring) | join(",")' "$ZONE,restricted" "a box centred in the zone: zone_id and zone_type"
inside=$(jb .risk_score)
is "$((inside - outside))" 25 "the restricted zone adds 25 to the risk ($outside -> $inside)"

# ---------------------------------------------------------------- image, video, enrichment
{ printf '\xff\xd8\xff\xe0'; head -c 3000 /dev/urandom; printf '\xff\xd9'; } >"$T/img.jpg"
b64=$(base64 -w0 "$T/img.jpg")
det "$A" 215 person "$(jq -nc --arg b "$b64" '{image_base64: $b, enrichment: {caption: "a person at the door", faces: [1, 2]}}')"
expect_status 201 "a detection with an image and enrichment: 201"
DI=$(jb .id)
expect_json '[.image_url, .video_url, .has_enrichment] | map(tostring) | join(",")' \
	"/api/v1/detections/$DI/image,null,true" "image_url set, no video_url, has_enrichment"
check "no path in the detection JSON" bash -c "! grep -q 'detections/.*jpg' <<<'$BODY'"
api GET "/api/v1/detections/$DI/image"
expect_status 200 "GET /detections/{id}/image: 200"
expect_header Content-Type '^image/jpeg'
check "the image served is the bytes sent" cmp -s "$T/body" "$T/img.jpg"
api GET "/api/v1/detections/$DI/image" "" -H 'Range: bytes=0-3'
expect_status 206 "Range on the image: 206 from nginx"
api GET "/api/v1/detections/$DI/video"
expect_status 404 "no recording: /video 404"
api GET "/api/v1/detections/$DI/enrichment"
expect_status 200 "GET /enrichment: 200"
expect_json '. == {caption: "a person at the door", faces: [1, 2]}' true "the enrichment document as sent"
api GET "/api/v1/detections/$D1/enrichment"
expect_status 404 "no enrichment: 404"
api GET /api/v1/detections/999999999/image
expect_status 404 "an unknown detection's image: 404"

# A recording (its row and file as the recordings code leaves them).
REC_REL="recordings/$P.mp4"
mkdir -p "$MEDIA/recordings"
head -c 5000 /dev/urandom >"$MEDIA/$REC_REL"
REC=$(sql "INSERT INTO media (kind, camera_id, camera_name, rel_path, mime, size_bytes, duration_ms)
	VALUES ('recording', $A, '$P-front', '$REC_REL', 'video/mp4', 5000, 3000); SELECT LAST_INSERT_ID()")
det "$A" 216 person "{\"recording_id\": $REC, \"video_offset_ms\": 1200}"
expect_status 201 "a detection naming a recording: 201"
DV=$(jb .id)
expect_json .video_url "/api/v1/detections/$DV/video"
api GET "/api/v1/detections/$DV/video"
expect_status 200 "GET /video: 200"
check "the video served is the recording's file" cmp -s "$T/body" "$MEDIA/$REC_REL"

# ---------------------------------------------------------------- alert
camera alarm || not_ok "camera created" "$(_last)"
H=$CAM
det "$H" 60 person '{"confidence": 0.99}'
expect_json .event.risk_level high "a sure person: high risk"
EH=$(ev)
det "$H" 61 person '{"confidence": 0.99}'
is "$(q "SELECT COUNT(*) FROM alerts WHERE source_key = 'security:$EH'")" 1 "one alert for the event, however many detections"
is "$(sql "SELECT alert_type, alert_level, next_escalation_at IS NOT NULL FROM alerts WHERE source_key = 'security:$EH'" | tr '\t' ,)" \
	"security,warning,1" "a warning alert with a reminder due"
AID=$(q "SELECT id FROM alerts WHERE source_key = 'security:$EH'")
is "$(q "SELECT COUNT(*) > 0 FROM jobs WHERE JSON_VALUE(payload, '$.data.alert_id') = $AID")" 1 \
	"delivery jobs queued for the warning level's channels"

# ---------------------------------------------------------------- tick closes
camera idle || not_ok "camera created" "$(_last)"
I=$CAM
SSE_OK=
: >"$T/sse"
curl -skN --http1.1 --max-time 30 -D "$T/sse.head" -H 'Accept: text/event-stream' \
	-H "X-API-Key: $ADMIN" "$URL/api/v1/stream/events" >"$T/sse" 2>/dev/null &
SSE_PID=$!
on_exit "kill $SSE_PID 2>/dev/null || true"
wait_until 10 grep -q '^HTTP/' "$T/sse.head" && sleep 0.3 && SSE_OK=1
det "$I" -60
EI=$(ev)
if wait_until 10 sql_is "SELECT status FROM event_logs WHERE id = $EI" completed; then
	ok "hearth-tick closed the idle event"
else
	not_ok "hearth-tick closed the idle event" "status: $(q "SELECT status FROM event_logs WHERE id = $EI")"
fi
api GET "/api/v1/events/$EI"
expect_json '[.status, .ended_at] | join(",")' "completed,$(at -60)" "ended_at is its last detection, not when it was closed"
sse_closed() { sed -n 's/^data: //p' "$T/sse" | jq -s -e "any(.[]; .type == \"security_event.updated\" and .data.id == $EI and .data.status == \"completed\")"; }
if [ -n "$SSE_OK" ] && wait_until 10 sse_closed; then
	ok "the events stream told security_event.updated (completed)"
else
	not_ok "the events stream told security_event.updated (completed)" "$(head -c 600 "$T/sse")"
fi
kill "$SSE_PID" 2>/dev/null

# ---------------------------------------------------------------- list and export
api GET "/api/v1/detections?camera_id=$A&limit=500"
expect_status 200 "GET /detections?camera_id: 200"
LIST=$BODY
n=$(jq '.items | length' <<<"$LIST")
is "$(q "SELECT COUNT(*) FROM detections WHERE camera_id = $A")" "$n" "the list holds every detection of the camera"
api GET "/api/v1/detections?camera_id=$A&object_type=car"
expect_json '[.items[].object_type] | unique | join(",")' car "object_type filter"
api GET "/api/v1/detections?min_confidence=2"
expect_status 422 "min_confidence 2: 422"

audits=$(q "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/detections/export'")
api GET "/api/v1/detections/export?format=csv&camera_id=$A"
expect_status 200 "GET /detections/export?format=csv: 200"
expect_header Content-Type '^text/csv'
cp "$T/body" "$T/export.csv"
got=$(python3 - "$T/export.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
print(",".join(rows[0][:4]))
print(";".join(r[0] + "/" + r[6] for r in rows[1:]))
EOF
)
is "$(head -n1 <<<"$got")" "id,camera_id,camera,event_id" "the CSV header"
is "$(tail -n1 <<<"$got")" "$(jq -r '[.items[] | "\(.id)/\(.object_type)"] | join(";")' <<<"$LIST")" \
	"the CSV rows parse and match the list (ids, object types)"
api GET "/api/v1/detections/export?format=json&camera_id=$A"
expect_status 200 "GET /detections/export?format=json: 200"
expect_json '[.items[].id] | map(tostring) | join(",")' "$(jq -r '[.items[].id] | map(tostring) | join(",")' <<<"$LIST")" \
	"the JSON export matches the list"
expect_json .truncated false
api GET "/api/v1/detections/export?format=xml"
expect_status 422 "an unknown format: 422"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/detections/export'")" "$((audits + 2))" \
	"one audit row per export"

finish
