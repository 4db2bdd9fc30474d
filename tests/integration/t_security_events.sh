#!/bin/bash
# Security events through /events, on the real stack:
#   - GET /events?kind=security and its filters camera_id, risk_level,
#     reviewed, start_date/end_date; those filters alone imply kind
#     security, and with kind=rule_run they are a 422;
#   - PATCH /events/{id} sets reviewed (with reviewed_at) and notes, leaves
#     what it is not given, and is a 409 on a rule run, 404 on nothing;
#   - GET /events/stats counts by risk level and by camera within dates;
#   - GET /events/search: AND, OR, NOT and "phrase" over summary and
#     notes, with relevance_score; a query of only NOT terms is a 422; a
#     common word is found newest first, a window of 200 ranked by
#     relevance, with a cursor to the next; a rare one still by the index;
#   - GET /events/export: CSV with the seed's columns that python's csv
#     reads back as the list, one audit row per export, and cells that
#     would start a spreadsheet formula prefixed with '.
#
# The events are made by posting detections on one day of the year 2000
# chosen from the run id, so the date filters and the statistics see only
# this file's events; hearth-tick closes them at once (they are long idle),
# which changes nothing here.
. "$(dirname "$0")/lib.sh"

P="sec-$RUN_ID"
# Noon UTC of a day in 2000; the levels asserted below hold with or
# without the night bonus, whatever the hub's zone.
BASE=$((946728000 + (RUN_ID % 360) * 86400))
W="w${RUN_ID}"   # a word only this file's notes hold

at() { date -u -d "@$((BASE + $1))" +%Y-%m-%dT%H:%M:%SZ; }

cleanup() {
	sql "DELETE FROM alerts WHERE source_key IN (SELECT CONCAT('security:', id) FROM event_logs WHERE camera_name LIKE '$P%');
		DELETE FROM detections WHERE camera_name LIKE '$P%';
		DELETE FROM event_logs WHERE camera_name LIKE '$P%' OR rule_name LIKE '$P%';
		DELETE FROM sensors WHERE name LIKE '$P%'"
}
on_exit cleanup

CAM=

# event CAMERA SECONDS OBJECT CONFIDENCE: one detection, its event id in EV.
EV=
event() {
	EV=
	api POST /api/v1/detections "$(jq -nc --argjson c "$1" --arg t "$(at "$2")" --arg o "$3" \
		--argjson p "$4" '{camera_id: $c, object_type: $o, confidence: $p, detected_at: $t}')"
	[ "$STATUS" = 201 ] && EV=$(jb .event_id)
	[ -n "$EV" ]
}

RANGE="start_date=$(at -60)&end_date=$(at 86000)"

# ---------------------------------------------------------------- setup
create_camera "$P-front" || not_ok "camera created" "$(_last)"
X=$CAM
# A name a spreadsheet would take for a formula.
create_camera "=$P-back" || not_ok "camera created" "$(_last)"
Y=$CAM
event "$X" 0 person 0.99 && E1=$EV || not_ok "event 1" "$(_last)"
expect_json .event.risk_level high "a sure person: high"
event "$X" 100 cat 0.5 && E2=$EV || not_ok "event 2" "$(_last)"
expect_json .event.risk_level low "a cat: low"
event "$Y" 200 car 0.9 && E3=$EV || not_ok "event 3" "$(_last)"
expect_json .event.risk_level medium "a car: medium"
event "$Y" 3600 person 0.5 && E4=$EV || not_ok "event 4" "$(_last)"
expect_json .event.risk_level medium "an unsure person: medium"
RUN=$(sql "INSERT INTO event_logs (kind, rule_name, trigger_type, status, finished_at)
	VALUES ('rule_run', '$P-rule', 'manual', 'completed', created_at); SELECT LAST_INSERT_ID()")

# ---------------------------------------------------------------- filters
api GET "/api/v1/events?kind=security&camera_id=$X"
expect_status 200 "GET /events?kind=security&camera_id: 200"
is "$(ids)" "$E2,$E1" "camera_id: that camera's events, newest first"
expect_json '[.items[] | .kind, .camera_name] | unique | join(",")' "$P-front,security" "kind security, the camera's name"
expect_json '.items[0] | keys | join(",")' \
	"camera_id,camera_name,detection_count,ended_at,id,kind,last_detection_at,notes,object_types,reviewed,reviewed_at,risk_level,risk_score,started_at,status,summary" \
	"a security event's fields"
api GET "/api/v1/events?camera_id=$Y"
is "$(ids)" "$E4,$E3" "camera_id without kind means kind security"
api GET "/api/v1/events?risk_level=medium&$RANGE"
is "$(ids)" "$E4,$E3" "risk_level=medium within the dates"
api GET "/api/v1/events?kind=security&start_date=$(at 150)&end_date=$(at 3600)"
is "$(ids)" "$E3" "start_date inclusive, end_date exclusive"
api GET "/api/v1/events?kind=security&start_date=$(at 3600)&end_date=$(at 100)"
expect_status 422 "end_date before start_date: 422"
api GET "/api/v1/events?kind=rule_run&camera_id=$X"
expect_status 422 "kind=rule_run with camera_id: 422"
expect_loc '["query","kind"]'
api GET "/api/v1/events?kind=rule_run&risk_level=low"
expect_status 422 "kind=rule_run with risk_level: 422"
api GET "/api/v1/events?risk_level=severe"
expect_status 422 "an unknown risk_level: 422"
api GET "/api/v1/events?reviewed=maybe"
expect_status 422 "reviewed=maybe: 422"
api GET "/api/v1/events?kind=security&limit=1&$RANGE"
expect_json '[(.items | length), (.items[0].id)] | map(tostring) | join(",")' "1,$E4" "limit 1: the newest"
api GET "/api/v1/events/$RUN"
expect_json .kind rule_run "GET /events/{id} still shows a rule run"

# ---------------------------------------------------------------- review
api PATCH "/api/v1/events/$E1" "{\"reviewed\": true, \"notes\": \"$W burglar with a ladder\"}"
expect_status 200 "PATCH reviewed + notes: 200"
expect_json '[.reviewed, (.reviewed_at != null), .notes] | map(tostring) | join(",")' \
	"true,true,$W burglar with a ladder" "reviewed, reviewed_at set, notes"
RA=$(jb .reviewed_at)
api PATCH "/api/v1/events/$E1" '{"reviewed": true}'
expect_json '[.reviewed_at, .notes] | join(",")' "$RA,$W burglar with a ladder" "reviewed again: reviewed_at and notes kept"
api PATCH "/api/v1/events/$E2" "{\"notes\": \"$W parcel delivery\"}"
expect_json '[.reviewed, .reviewed_at] | map(tostring) | join(",")' "false,null" "notes alone leave reviewed"
api PATCH "/api/v1/events/$E3" "{\"notes\": \"$W burglar at the front door\", \"reviewed\": true}"
api PATCH "/api/v1/events/$E3" '{"reviewed": false}'
expect_json '[.reviewed, .reviewed_at, .notes] | map(tostring) | join(",")' \
	"false,null,$W burglar at the front door" "reviewed false clears reviewed_at, keeps notes"
api PATCH "/api/v1/events/$E4" '{"notes": "=HYPERLINK(\"http://evil/\")"}'
api PATCH "/api/v1/events/$E4" '{"notes": null}'
expect_json .notes null "notes null clears them"
api PATCH "/api/v1/events/$E4" '{"notes": "=HYPERLINK(\"http://evil/\")"}'
api PATCH "/api/v1/events/$E1" '{"reviewed": "yes", "colour": 1}'
expect_status 422 "reviewed not a boolean, an unknown field: 422"
api PATCH "/api/v1/events/$RUN" '{"reviewed": true}'
expect_status 409 "PATCH a rule run: 409"
is "$(q "SELECT reviewed FROM event_logs WHERE id = $RUN")" 0 "the rule run unchanged"
api PATCH /api/v1/events/999999999 '{"reviewed": true}'
expect_status 404 "PATCH an unknown event: 404"
api GET "/api/v1/events?reviewed=true&$RANGE"
is "$(ids)" "$E1" "reviewed=true"
api GET "/api/v1/events?reviewed=false&$RANGE"
is "$(ids)" "$E4,$E3,$E2" "reviewed=false"

# ---------------------------------------------------------------- stats
api GET "/api/v1/events/stats?$RANGE"
expect_status 200 "GET /events/stats: 200"
expect_json '[.total_events, .reviewed_count] | map(tostring) | join(",")' "4,1" "totals within the dates"
expect_json '.events_by_risk_level | [.low, .medium, .high, .critical] | map(tostring) | join(",")' "1,2,1,0" \
	"by risk level"
expect_json '[.events_by_camera[] | "\(.camera_id)=\(.count)"] | sort | join(",")' \
	"$(printf '%s\n' "$X=2" "$Y=2" | sort | paste -sd, -)" "by camera"
api GET "/api/v1/events/stats?start_date=$(at 150)&end_date=$(at 86000)"
expect_json '[.total_events, .events_by_risk_level.medium] | map(tostring) | join(",")' "2,2" "a narrower range"

# ---------------------------------------------------------------- search
search() { api GET "/api/v1/events/search?q=$(jq -rn --arg q "$1" '$q | @uri')"; }
sids() { jb '[.items[].id] | sort | map(tostring) | join(",")'; }
sorted() { printf '%s\n' "$@" | sort -n | paste -sd, -; }
search "$W burglar"
expect_status 200 "search: 200"
is "$(sids)" "$(sorted "$E1" "$E3")" "AND: both words"
expect_json '[.items[].relevance_score | type == "number" and . > 0] | all' true "each result has a relevance_score"
search "$W ladder OR parcel"
is "$(sids)" "$(sorted "$E1" "$E2")" "OR"
search "$W NOT burglar"
is "$(sids)" "$E2" "NOT"
search "$W \"front door\""
is "$(sids)" "$E3" "a phrase"
search "$W \"door front\""
is "$(sids)" "" "the phrase in the wrong order matches nothing"
search "$W cat"
is "$(sids)" "$E2" "summary words are searched too (the cat's event)"
search "$W burg*ar') OR 1=1 --"
expect_status 200 "operator characters are not passed through"
search "NOT burglar"
expect_status 422 "only NOT terms: 422"
api GET "/api/v1/events/search"
expect_status 422 "no q: 422"
search "$W"
expect_json '.items | length' 3 "the notes word alone finds the three notes holding it"

# ---------------------------------------------------------------- search windows
# 1,100 newer events without the word, then 250 whose notes hold "$W often"
# (every tenth twice), dated 1999 so that the lists and exports of the
# file's day below do not see them: the newest 1,000 events are read and
# matched, so
# "$W often" is common there and found newest first, a window of 200 at a
# time, while "$W burglar" is rare there and comes from the full-text index.
sql "INSERT INTO event_logs (kind, status, camera_name, created_at, last_at, finished_at,
		risk_score, risk_level, summary, notes)
	SELECT 'security', 'completed', '$P-bulk', '1999-06-01', '1999-06-01', '1999-06-01', 10, 'low',
		'$P-bulk: person (1 detections)', 'nothing to see' FROM seq_1_to_1100;
	INSERT INTO event_logs (kind, status, camera_name, created_at, last_at, finished_at,
		risk_score, risk_level, summary, notes)
	SELECT 'security', 'completed', '$P-bulk', '1999-06-01', '1999-06-01', '1999-06-01', 10, 'low',
		'$P-bulk: person (1 detections)',
		IF(seq % 10 = 0, '$W often, often', '$W often') FROM seq_1_to_250"
OFTEN=$(sql "SELECT id FROM event_logs WHERE camera_name = '$P-bulk' AND notes LIKE '$W often%'
	ORDER BY id DESC" | paste -sd, -)
page() { api GET "/api/v1/events/search?q=$(jq -rn --arg q "$1" '$q | @uri')&$2"; }
page "$W often" "limit=1000"
expect_status 200 "a common word: 200"
expect_json '[.pagination.window_matches, (.items | length), .pagination.has_more,
	(.pagination.next_cursor | type)] | map(tostring) | join(",")' "200,200,true,string" \
	"a common word: a window of 200, and a cursor to the next"
is "$(jb '[.items[].id] | sort | reverse | map(tostring) | join(",")')" \
	"$(cut -d, -f1-200 <<<"$OFTEN")" "the window holds the 200 newest matches"
expect_json '[.items[] | [.relevance_score, .id]] | . == (sort | reverse)' true \
	"ranked by relevance, then newest"
expect_json '[.items[0].relevance_score, .items[199].relevance_score] | map(tostring) | join(",")' \
	"3,2" "relevance counts the occurrences (the word twice scores 3)"
NEXT=$(jb .pagination.next_cursor)
page "$W often" "limit=1000&cursor=$NEXT"
# (Whether a window follows depends on the events older than the file's.)
expect_json '[.pagination.window_matches, .pagination.has_more == (.pagination.next_cursor != null)]
	| map(tostring) | join(",")' "50,true" "the next window: the other 50"
is "$(jb '[.items[].id] | sort | reverse | map(tostring) | join(",")')" \
	"$(cut -d, -f201- <<<"$OFTEN")" "the next window holds the 50 oldest matches"
page "$W often" "limit=50&offset=150"
expect_json '[(.items | length), .pagination.has_more] | map(tostring) | join(",")' "50,true" \
	"offset within the window; has_more for the next window"
page "$W often" "limit=50&offset=200"
expect_json '.items | length' 0 "past the window: nothing"
page "$W burglar" "cursor=$NEXT"
expect_status 422 "a cursor of another query: 422"
page "$W often" "cursor=nonsense"
expect_status 422 "a forged cursor: 422"
# No term of "burglar" is among the newest 1,000: the full-text index.
search "burglar"
expect_json "[.items[].id] | contains([$E1, $E3])" true \
	"a word rare among the newest events is still found, older than 1,350 others"

# ---------------------------------------------------------------- export
audits=$(q "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/events/export'")
api GET "/api/v1/events/export?$RANGE"
expect_status 200 "GET /events/export: 200"
expect_header Content-Type '^text/csv'
expect_header Content-Disposition 'attachment'
cp "$T/body" "$T/events.csv"
api GET "/api/v1/events?kind=security&$RANGE"
LIST=$BODY
got=$(python3 - "$T/events.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
print(",".join(rows[0]))
print(";".join("|".join([r[0], r[1], r[2], r[4], r[5], r[7], r[9]]) for r in rows[1:]))
print(next(r[8] for r in rows[1:] if r[8].startswith("'=")))
print(next(r[1] for r in rows[1:] if r[1].startswith("'=")))
EOF
)
is "$(sed -n 1p <<<"$got")" "id,camera,started_at,ended_at,risk_score,risk_level,summary,reviewed,notes,detection_count" \
	"the seed's columns"
is "$(sed -n 2p <<<"$got")" \
	"$(jq -r '[.items[] | [.id, .camera_name, .started_at, .risk_score, .risk_level, .reviewed, .detection_count]
		| map(tostring) | map(if startswith("=") then "'\''" + . else . end) | join("|")] | join(";")' <<<"$LIST")" \
	"the rows parse and match the list"
is "$(sed -n 3p <<<"$got")" "'=HYPERLINK(\"http://evil/\")" "a formula in the notes is prefixed with '"
is "$(sed -n 4p <<<"$got")" "'=$P-back" "a formula in the camera name is prefixed with '"
api GET "/api/v1/events/export?camera_id=$X&$RANGE"
expect_status 200 "export with camera_id: 200"
is "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline=""))))-1)' "$T/body")" 2 \
	"only that camera's two events"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/events/export'")" "$((audits + 2))" \
	"one audit row per export"
KEYS=$(q "SELECT actor FROM audit_log WHERE path = '/api/v1/events/export' ORDER BY id DESC LIMIT 1")
is "$([ -n "$KEYS" ] && echo named)" named "the audit row names who exported"

finish
