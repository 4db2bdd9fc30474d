#!/bin/bash
# The risk calibration, on the real stack:
#   - GET /calibration and /calibration/defaults: low 30, medium 60,
#     high 85, decay 0.1 while nothing is saved;
#   - PUT needs every field; PUT and PATCH check types, bounds and
#     low < medium < high after merging a partial update: a PATCH that
#     breaks the order is a 422 and changes nothing;
#   - the thresholds decide the level of new detections' events;
#   - POST /calibration/reset brings the defaults back;
#   - POST /calibration/feedback records the feedback and moves the
#     thresholds (false_positive up, missed_threat down, severity_wrong
#     towards the expected level, correct not at all); 404 for an event
#     that is not a security event, 422 for a bad body.
# The calibration is the hub's: the file puts back what was saved before.
. "$(dirname "$0")/lib.sh"

P="cal-$RUN_ID"

SAVED=$(q "SELECT value FROM settings WHERE name = 'calibration'")
restore() {
	if [ -n "$SAVED" ]; then
		sql "REPLACE INTO settings (name, value) VALUES ('calibration', '$SAVED')"
	else
		sql "DELETE FROM settings WHERE name = 'calibration'"
	fi
	sql "DELETE FROM alerts WHERE source_key IN (SELECT CONCAT('security:', id) FROM event_logs WHERE camera_name LIKE '$P%');
		DELETE FROM event_feedback WHERE event_id IN (SELECT id FROM event_logs WHERE camera_name LIKE '$P%');
		DELETE FROM detections WHERE camera_name LIKE '$P%';
		DELETE FROM event_logs WHERE camera_name LIKE '$P%' OR rule_name LIKE '$P%';
		DELETE FROM sensors WHERE name LIKE '$P%'"
}
on_exit restore
sql "DELETE FROM settings WHERE name = 'calibration'"

th() { jb '[.low_threshold, .medium_threshold, .high_threshold, .decay_factor] | map(tostring) | join(",")'; }
saved() { q "SELECT CONCAT_WS(',', JSON_VALUE(value, '\$.low_threshold'), JSON_VALUE(value, '\$.medium_threshold'), JSON_VALUE(value, '\$.high_threshold')) FROM settings WHERE name = 'calibration'"; }

# ---------------------------------------------------------------- defaults
api GET /api/v1/calibration
expect_status 200 "GET /calibration: 200"
is "$(th)" "30,60,85,0.1" "nothing saved: the defaults"
api GET /api/v1/calibration/defaults
expect_status 200 "GET /calibration/defaults: 200"
is "$(th)" "30,60,85,0.1" "the defaults"

# ---------------------------------------------------------------- PUT / PATCH
api PUT /api/v1/calibration '{"low_threshold": 20, "medium_threshold": 50, "high_threshold": 80, "decay_factor": 0.2}'
expect_status 200 "PUT a whole calibration: 200"
is "$(th)" "20,50,80,0.2" "PUT answers the new calibration"
api GET /api/v1/calibration
is "$(th)" "20,50,80,0.2" "and GET reads it"
api GET /api/v1/calibration/defaults
is "$(th)" "30,60,85,0.1" "the defaults route is unchanged by a save"

api PUT /api/v1/calibration '{"low_threshold": 25}'
expect_status 422 "PUT with fields missing: 422"
expect_loc '["body","medium_threshold"]' missing
api PUT /api/v1/calibration '{"low_threshold": 70, "medium_threshold": 50, "high_threshold": 80, "decay_factor": 0.1}'
expect_status 422 "PUT with low > medium: 422"
api PUT /api/v1/calibration '{"low_threshold": -1, "medium_threshold": 50, "high_threshold": 101, "decay_factor": 2}'
expect_status 422 "PUT out of bounds: 422"
expect_loc '["body","low_threshold"]'
expect_loc '["body","high_threshold"]'
expect_loc '["body","decay_factor"]'
api PUT /api/v1/calibration '{"low_threshold": "20", "medium_threshold": 50.5, "high_threshold": 80, "decay_factor": "x", "extra": 1}'
expect_status 422 "PUT with wrong types and an unknown field: 422"
expect_loc '["body","low_threshold"]'
expect_loc '["body","medium_threshold"]'
expect_loc '["body","extra"]'
api PUT /api/v1/calibration '[1, 2]'
expect_status 422 "PUT a list: 422"
api PUT /api/v1/calibration '{"low_threshold": '
expect_status 400 "PUT malformed JSON: 400"

api PATCH /api/v1/calibration '{"medium_threshold": 55}'
expect_status 200 "PATCH one threshold: 200"
is "$(th)" "20,55,80,0.2" "PATCH merges with the saved calibration"
api PATCH /api/v1/calibration '{"high_threshold": 40}'
expect_status 422 "PATCH high below the saved medium: 422 (checked after the merge)"
api PATCH /api/v1/calibration '{"low_threshold": 60}'
expect_status 422 "PATCH low above the saved medium: 422"
api PATCH /api/v1/calibration '{"low_threshold": 55}'
expect_status 422 "PATCH low equal to medium: 422"
api GET /api/v1/calibration
is "$(th)" "20,55,80,0.2" "the refused PATCHes changed nothing"
is "$(saved)" "20,55,80" "nor the saved document"
api PATCH /api/v1/calibration '{"low_threshold": 60, "medium_threshold": 70}'
expect_status 200 "PATCH two thresholds that only fit together: 200"
is "$(th)" "60,70,80,0.2" "both applied"

# ---------------------------------------------------------------- levels follow
api POST /api/v1/cameras "$(jq -nc --arg n "$P-cam" '{name: $n}')"
CAM=$(jb .id)
api PUT /api/v1/calibration '{"low_threshold": 10, "medium_threshold": 20, "high_threshold": 30, "decay_factor": 0.1}'
api POST /api/v1/detections "{\"camera_id\": $CAM, \"object_type\": \"car\", \"confidence\": 0.8, \"detected_at\": \"2001-02-03T12:00:00Z\"}"
expect_status 201 "a detection under low thresholds"
expect_json .event.risk_level critical "a car at 0.8 is critical under 10/20/30"

# ---------------------------------------------------------------- reset
api POST /api/v1/calibration/reset
expect_status 200 "POST /calibration/reset: 200"
is "$(th)" "30,60,85,0.1" "reset answers the defaults"
api GET /api/v1/calibration
is "$(th)" "30,60,85,0.1" "GET reads the defaults again"
is "$(q "SELECT COUNT(*) FROM settings WHERE name = 'calibration'")" 0 "nothing saved any more"

# ---------------------------------------------------------------- feedback
api POST /api/v1/detections "{\"camera_id\": $CAM, \"object_type\": \"car\", \"confidence\": 0.9, \"detected_at\": \"2001-02-03T13:00:00Z\"}"
expect_json .event.risk_level medium "a car at 0.9 is medium under the defaults"
EV=$(jb .event_id)

api POST /api/v1/calibration/feedback "{\"event_id\": $EV, \"feedback_type\": \"false_positive\", \"notes\": \"just the neighbour\"}"
expect_status 201 "false_positive: 201"
expect_json '.calibration | [.low_threshold, .medium_threshold, .high_threshold] | map(tostring) | join(",")' "32,62,87" \
	"false_positive raises every threshold by decay x 20"
expect_json '[.feedback.event_id, .feedback.feedback_type, .feedback.thresholds_before.low_threshold, .feedback.thresholds_after.low_threshold, .feedback.notes] | map(tostring) | join(",")' \
	"$EV,false_positive,30,32,just the neighbour" "the feedback record"
api GET /api/v1/calibration
is "$(th)" "32,62,87,0.1" "and it is saved"
is "$(q "SELECT COUNT(*) FROM event_feedback WHERE event_id = $EV")" 1 "one feedback row"

api POST /api/v1/calibration/feedback "{\"event_id\": $EV, \"feedback_type\": \"missed_threat\"}"
expect_json '.calibration | [.low_threshold, .medium_threshold, .high_threshold] | map(tostring) | join(",")' "30,60,85" \
	"missed_threat lowers them again"
api POST /api/v1/calibration/feedback "{\"event_id\": $EV, \"feedback_type\": \"correct\"}"
expect_json '.calibration | [.low_threshold, .medium_threshold, .high_threshold] | map(tostring) | join(",")' "30,60,85" \
	"correct moves nothing"
api POST /api/v1/calibration/feedback "{\"event_id\": $EV, \"feedback_type\": \"severity_wrong\", \"expected_level\": \"high\"}"
expect_json '.calibration | [.low_threshold, .medium_threshold, .high_threshold] | map(tostring) | join(",")' "28,58,83" \
	"severity_wrong (medium, should be high) lowers them"
api POST /api/v1/calibration/feedback "{\"event_id\": $EV, \"feedback_type\": \"severity_wrong\", \"expected_level\": \"low\"}"
expect_json '.calibration | [.low_threshold, .medium_threshold, .high_threshold] | map(tostring) | join(",")' "30,60,85" \
	"severity_wrong (medium, should be low) raises them"
is "$(q "SELECT COUNT(*) FROM event_feedback WHERE event_id = $EV")" 5 "every feedback recorded"

before=$(q "SELECT COUNT(*) FROM event_feedback")
api POST /api/v1/calibration/feedback "{\"event_id\": $EV, \"feedback_type\": \"severity_wrong\"}"
expect_status 422 "severity_wrong without expected_level: 422"
expect_loc '["body","expected_level"]'
api POST /api/v1/calibration/feedback "{\"event_id\": $EV, \"feedback_type\": \"meh\", \"expected_level\": \"extreme\"}"
expect_status 422 "unknown feedback_type and level: 422"
expect_loc '["body","feedback_type"]'
expect_loc '["body","expected_level"]'
api POST /api/v1/calibration/feedback '{"feedback_type": "correct"}'
expect_status 422 "no event_id: 422"
api POST /api/v1/calibration/feedback '{"event_id": 999999999, "feedback_type": "false_positive"}'
expect_status 404 "an unknown event: 404"
RUN=$(sql "INSERT INTO event_logs (kind, rule_name, trigger_type, status) VALUES ('rule_run', '$P-rule', 'manual', 'completed'); SELECT LAST_INSERT_ID()")
api POST /api/v1/calibration/feedback "{\"event_id\": $RUN, \"feedback_type\": \"false_positive\"}"
expect_status 404 "a rule run is no security event: 404"
is "$(q "SELECT COUNT(*) FROM event_feedback")" "$before" "refused feedback recorded nothing"
api GET /api/v1/calibration
is "$(th)" "30,60,85,0.1" "nor moved the thresholds"

finish
