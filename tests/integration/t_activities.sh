#!/bin/bash
# Person activities: GET /activities (filters, newest-first paging, 422s),
# then, once the engine runs pipelines, the activity steps end to end:
# activity_detection, verification, activity sessions (idempotent start,
# end, timeout) and the daily report with its wellness score.
. "$(dirname "$0")/lib.sh"

P="act-$RUN_ID"
ITEM_KEYS="activity_type,confidence,detected_at,duration_minutes,execution_id,id,person_id,room_name,rule_id,source"

# Activities, sessions and reports go with their persons (ON DELETE CASCADE).
on_exit "sql \"DELETE FROM workflow_executions WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM event_logs WHERE rule_name LIKE '$P%'\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\"; sql \"DELETE FROM activities WHERE activity_type LIKE '$P%'\"; sql \"DELETE FROM persons WHERE name LIKE '$P%'\""

rule() { jq -nc --arg n "$P-$1" "{name: \$n, trigger_type: \"manual\"} + (${2:-"{}"})"; }
# person NAME: create a person, print the id.
person() {
	api POST /api/v1/persons "$(jq -nc --arg n "$P-$1" '{name: $n}')"
	[ "$STATUS" = 201 ] && jb .id
}
# seed PERSON TYPE ROOM DETECTED_AT [CONFIDENCE]: insert an activity, print its id.
seed() {
	sql "INSERT INTO activities (person_id, activity_type, room_name, confidence, source, detected_at)
		VALUES ($1, '$2', '$3', ${5:-0.8}, 'manual', '$4'); SELECT LAST_INSERT_ID()"
}

# ---------------------------------------------------------------- setup
ALICE=$(person alice)
BOB=$(person bob)
[ -n "$ALICE" ] && [ -n "$BOB" ] && ok "setup: two persons" || not_ok "setup: two persons" "$(_last)"

EAT="$P-eat"
WALK="$P-walk"
A1=$(seed "$ALICE" "$EAT" kitchen '2026-01-10 08:00:00')
A2=$(seed "$ALICE" "$WALK" garden '2026-01-10 09:00:00')
A3=$(seed "$BOB" "$EAT" kitchen '2026-01-10 10:00:00')
A4=$(seed "$ALICE" "$EAT" hall '2026-01-11 08:00:00')
A5=$(seed "$ALICE" "$EAT" kitchen '2026-01-12 08:00:00')
[ -n "$A1" ] && [ -n "$A5" ] && ok "setup: five activities" || not_ok "setup: five activities"

# ---------------------------------------------------------------- list and filters
api GET "/api/v1/activities?person_id=$ALICE"
expect_status 200 "GET /activities?person_id: 200"
is "$(ids)" "$A5,$A4,$A2,$A1" "a person's activities, newest first"
expect_json ".items[0] | keys | join(\",\")" "$ITEM_KEYS" "an activity has exactly the documented fields"
expect_json ".items[0].detected_at | test(\"$ISO_RE\")" true "detected_at is ISO 8601 UTC"
expect_json '.items[0] | [.person_id, .room_name, .source, .confidence, .duration_minutes, .rule_id]' \
	"[$ALICE,\"kitchen\",\"manual\",0.8,null,null]" "the row as stored"
expect_json '.pagination | [.has_more, .next_cursor]' '[false,null]' "one page: no cursor"

api GET "/api/v1/activities?activity_type=$EAT"
is "$(ids)" "$A5,$A4,$A3,$A1" "activity_type filter: everyone's"
api GET "/api/v1/activities?activity_type=$EAT&room_name=kitchen"
is "$(ids)" "$A5,$A3,$A1" "activity_type and room_name filters together"
api GET "/api/v1/activities?person_id=$ALICE&since=2026-01-10T08:30:00Z&until=2026-01-11T08:00:00Z"
is "$(ids)" "$A2" "since is inclusive, until exclusive"
api GET "/api/v1/activities?person_id=$ALICE&since=2026-01-11T09:00:00%2B01:00"
is "$(ids)" "$A5,$A4" "since with an offset (09:00+01:00 = 08:00Z)"
api GET "/api/v1/activities?person_id=$ALICE&room_name="
is "$(ids)" "$A5,$A4,$A2,$A1" "an empty filter is no filter"
api GET "/api/v1/activities?person_id=999999999"
expect_status 200 "an unknown person: 200"
expect_json '.items | length' 0 "an unknown person: no items"

# ---------------------------------------------------------------- pagination
api GET "/api/v1/activities?person_id=$ALICE&limit=3"
is "$(ids)" "$A5,$A4,$A2" "limit=3: the three newest"
expect_json '.pagination | [.limit, .has_more]' '[3,true]' "limit=3: has_more"
CUR=$(jb .pagination.next_cursor)
api GET "/api/v1/activities?person_id=$ALICE&limit=3&cursor=$CUR"
expect_status 200 "the next page: 200"
is "$(ids)" "$A1" "the next page continues below the cursor"
expect_json '.pagination | [.has_more, .next_cursor]' '[false,null]' "the last page: no cursor"
api GET "/api/v1/activities?person_id=$BOB&limit=3&cursor=$CUR"
expect_status 422 "a cursor of another filter: 422"
expect_loc '["query","cursor"]' value_error
api GET "/api/v1/activities?person_id=$ALICE&limit=1&offset=2"
is "$(ids)" "$A2" "offset still works"
expect_json '.deprecation' "offset pagination is deprecated" "offset is deprecated"
api GET "/api/v1/activities?person_id=$ALICE&cursor=$CUR&offset=1"
expect_status 422 "cursor and offset together: 422"

# ---------------------------------------------------------------- bad filters
api GET "/api/v1/activities?person_id=abc"
expect_status 422 "person_id=abc: 422"
expect_loc '["query","person_id"]' int_parsing
api GET "/api/v1/activities?person_id=0"
expect_status 422 "person_id=0: 422"
expect_loc '["query","person_id"]' greater_than_equal
api GET "/api/v1/activities?since=yesterday"
expect_status 422 "since=yesterday: 422"
expect_loc '["query","since"]' datetime_parsing
api GET "/api/v1/activities?until=2026-01-10T08:00:00"
expect_status 422 "until without a zone: 422"
expect_loc '["query","until"]' datetime_parsing
api GET "/api/v1/activities?since=2026-01-11T00:00:00Z&until=2026-01-10T00:00:00Z"
expect_status 422 "until before since: 422"
expect_loc '["query","until"]' value_error
api GET "/api/v1/activities?activity_type=$(printf 'a%.0s' {1..65})"
expect_status 422 "a 65-character activity_type: 422"
expect_loc '["query","activity_type"]' string_too_long
api GET "/api/v1/activities?limit=0&person_id=x"
expect_status 422 "two bad parameters: 422"
expect_json '.detail | length' 2 "both problems reported"
KEY= api GET /api/v1/activities
expect_status 401 "without a key: 401"

# ---------------------------------------------------------------- end to end
# execute RULE_ID: run the rule and wait for it to finish; sets EXEC (empty
# when the engine does not run rules yet), then GETs the workflow.
EXEC=
execute() {
	EXEC=
	api POST "/api/v1/rules/$1/execute" '{}'
	[ "$STATUS" = 202 ] || return 1
	EXEC=$(jb .execution_id)
	wait_until 10 run_finished "$EXEC" || return 1
	api GET "/api/v1/workflows/$EXEC"
	[ "$STATUS" = 200 ]
}
run_finished() {
	case $(sql "SELECT status FROM workflow_executions WHERE id = $1") in
	completed | failed | cancelled) return 0 ;;
	esac
	return 1
}
# pd JQ: a value of the last workflow's pipeline_data.
pd() { jb ".pipeline_data | $1"; }

# -- activity_detection: the step's room, else the trigger's (none here)
LIVE="$P-live"
create_rule detect
RD=$RULE_ID
add_step "$RD" "$(jq -nc --arg t "$LIVE" --argjson p "$ALICE" \
	'{step_type: "activity_detection", config_json: {activity_type: $t, person_id: $p, room_name: "kitchen"}}')"
check "setup: a rule that records an activity" test -n "$STEP_ID"
api POST "/api/v1/rules/$RD/execute" '{}'
if [ "$STATUS" != 202 ]; then
	skip "end to end: the activity steps" "POST /rules/{id}/execute: $STATUS (the engine does not run rules yet)"
	finish
	exit
fi
wait_until 10 run_finished "$(jb .execution_id)"
if execute "$RD"; then
	expect_json '.status' completed "activity_detection: the run completes"
	is "$(pd '.detected_activities | length')" 1 "detected_activities has the run's activity"
	is "$(pd '.detected_activities[0] | keys | join(",")')" \
		"activity_id,activity_type,confidence,detected_at,person_id,room_name" \
		"a detected activity has the documented fields"
	is "$(pd '.detected_activities[0] | [.activity_type, .person_id, .room_name, .confidence] | tostring')" \
		"[\"$LIVE\",$ALICE,\"kitchen\",0.8]" "the defaults: confidence 0.8"
	AID=$(pd '.detected_activities[0].activity_id')
	api GET "/api/v1/activities?person_id=$ALICE&activity_type=$LIVE"
	expect_json '[.items[0].id, .items[0].source, .items[0].rule_id, .items[0].execution_id] | tostring' \
		"[$AID,\"rule\",$RD,$EXEC]" "GET /activities has it, from the rule and its run"
	is "$(sql "SELECT counted FROM workflow_executions WHERE id = $EXEC")" 1 \
		"recording an activity makes the run count"
else
	not_ok "activity_detection end to end" "$(_last)"
fi

# -- verification: all / any, person, room, confidence, window
create_rule verify
RV=$RULE_ID
add_step "$RV" "$(jq -nc --arg t "$LIVE" --argjson p "$ALICE" --argjson b "$BOB" '{step_type: "verification",
	config_json: {conditions: [{activity_type: $t, person_id: $p, within_minutes: 5},
	                           {activity_type: $t, person_id: $b}]}}')"
if execute "$RV"; then
	expect_json '.status' completed "verification: the run completes"
	is "$(pd '.verification | [.verified, (.matched_conditions | length), (.unmatched_conditions | length)] | tostring')" \
		"[false,1,1]" "match_mode all: Bob's condition is missing"
	is "$(pd ".verification.matched_conditions[0].activity_id")" "$AID" "the match names the activity"
else
	not_ok "verification end to end" "$(_last)"
fi
create_rule verify-any
RVA=$RULE_ID
add_step "$RVA" "$(jq -nc --arg t "$LIVE" --argjson p "$ALICE" --argjson b "$BOB" '{step_type: "verification",
	config_json: {match_mode: "any", conditions: [{activity_type: $t, person_id: $b},
	                                              {activity_type: $t, person_id: $p, room_name: "kitchen"}]}}')"
if execute "$RVA"; then
	is "$(pd '.verification | [.verified, (.unmatched_conditions | map(.index))] | tostring')" \
		"[true,[0]]" "match_mode any: Alice's is enough"
else
	not_ok "verification (any) end to end" "$(_last)"
fi
create_rule verify-strict
add_step "$RULE_ID" "$(jq -nc --arg t "$LIVE" --arg e "$EAT" '{step_type: "verification",
	config_json: {match_mode: "any", conditions: [{activity_type: $t, room_name: "garden"},
	  {activity_type: $t, min_confidence: 0.9}, {activity_type: $e, within_minutes: 60}]}}')"
if execute "$RULE_ID"; then
	is "$(pd '.verification | [.verified, (.matched_conditions | length)] | tostring')" "[false,0]" \
		"another room, too little confidence, too long ago: no match"
else
	not_ok "verification (no match) end to end" "$(_last)"
fi

# -- sessions: start twice (one session), end, end again (nothing open)
SLEEP="$P-sleep"
create_rule start
RS=$RULE_ID
add_step "$RS" "$(jq -nc --arg t "$SLEEP" --argjson p "$ALICE" \
	'{step_type: "activity_session_start", config_json: {activity_type: $t, person_id: $p, room_name: "bedroom"}}')"
create_rule end
RE=$RULE_ID
add_step "$RE" "$(jq -nc --arg t "$SLEEP" --argjson p "$ALICE" \
	'{step_type: "activity_session_end", config_json: {activity_type: $t, person_id: $p}}')"
if execute "$RS"; then
	expect_json '.status' completed "session start: the run completes"
	S1=$(pd '.session.session_id')
	is "$(pd '[.session.was_existing, .was_existing, .session_id == .session.session_id] | tostring')" \
		"[false,false,true]" "a new session: was_existing false, session_id at the top too"
	is "$(pd ".session.started_at | test(\"$ISO_RE\")")" true "started_at is ISO 8601 UTC"
	execute "$RS"
	is "$(pd '[.session.session_id, .was_existing] | tostring')" "[$S1,true]" \
		"starting again reuses the open session"
	is "$(sql "SELECT COUNT(*) FROM activity_sessions WHERE person_id = $ALICE AND activity_type = '$SLEEP'")" 1 \
		"one session in the database"

	sql "UPDATE activity_sessions SET started_at = started_at - INTERVAL 90 MINUTE WHERE id = $S1"
	execute "$RE"
	expect_json '.status' completed "session end: the run completes"
	is "$(pd '.closed_session | [.closed, .session_id, .timed_out] | tostring')" "[true,$S1,false]" \
		"the open session is closed"
	is "$(pd '.duration_minutes >= 89.9 and .duration_minutes < 95 and .closed_session.duration_minutes == .duration_minutes')" \
		true "duration_minutes is about 90, also under closed_session"
	api GET "/api/v1/activities?person_id=$ALICE&activity_type=$SLEEP"
	expect_json '[.items[0].source, .items[0].room_name, (.items[0].duration_minutes > 89.9)] | tostring' \
		'["session","bedroom",true]' "write_activity_record: the session is one activity"

	execute "$RE"
	expect_json '.status' completed "ending with nothing open: the run still completes"
	is "$(pd '[.closed_session.closed, .duration_minutes] | tostring')" "[false,null]" \
		"nothing open: closed false"
else
	not_ok "sessions end to end" "$(_last)"
fi

# -- a session left open past its timeout is closed at the timeout
NAP="$P-nap"
create_rule start-nap
RN=$RULE_ID
add_step "$RN" "$(jq -nc --arg t "$NAP" '{step_type: "activity_session_start",
	config_json: {activity_type: $t, timeout_minutes: 10, output_key: "nap"}}')"
if execute "$RN"; then
	N1=$(pd '.nap.session_id')
	is "$(pd '.nap.person_id')" null "a session without a person"
	sql "UPDATE activity_sessions SET started_at = started_at - INTERVAL 30 MINUTE WHERE id = $N1"
	execute "$RN"
	N2=$(pd '.nap.session_id')
	is "$(pd '[.nap.was_existing, .nap.timed_out_session_id] | tostring')" "[false,$N1]" \
		"a timed-out session is closed and a new one opened"
	check "the new session is another one" test "$N2" != "$N1"
	is "$(sql "SELECT TIMESTAMPDIFF(SECOND, started_at, ended_at) FROM activity_sessions WHERE id = $N1")" 600 \
		"the timed-out session ended at its timeout"
	sql "UPDATE activity_sessions SET started_at = started_at - INTERVAL 30 MINUTE WHERE id = $N2"
	create_rule end-nap
	add_step "$RULE_ID" "$(jq -nc --arg t "$NAP" '{step_type: "activity_session_end",
		config_json: {activity_type: $t, write_activity_record: false}}')"
	execute "$RULE_ID"
	is "$(pd '.closed_session | [.closed, .session_id, .timed_out, .duration_minutes] | tostring')" \
		"[true,$N2,true,10]" "ending a timed-out session: it lasted its timeout"
	api GET "/api/v1/activities?activity_type=$NAP"
	expect_json '.items | length' 0 "write_activity_record false: no activity"
	sql "DELETE FROM activity_sessions WHERE activity_type = '$NAP'"
else
	not_ok "session timeout end to end" "$(_last)"
fi

# -- daily report: today for Alice, rewritten on a re-run; yesterday empty
TZ_HUB=$(config_get engine timezone)
today() { if [ -n "$TZ_HUB" ]; then TZ=$TZ_HUB date "$@" +%F; else date "$@" +%F; fi; }
create_rule report
RR=$RULE_ID
add_step "$RR" "$(jq -nc --argjson p "$ALICE" '{step_type: "daily_report", config_json: {person_ids: [$p]}}')"
DAY_BEFORE=$(today)
if execute "$RR"; then
	expect_json '.status' completed "daily_report: the run completes"
	is "$(pd '.daily_reports | length')" 1 "one report"
	is "$(pd '.daily_reports[0] | keys | join(",")')" "person_id,report_date,report_id,wellness_score" \
		"a report entry has the documented fields"
	D=$(pd '.daily_reports[0].report_date')
	check "report_date is the hub's local date" test "$D" = "$DAY_BEFORE" -o "$D" = "$(today)"
	R1=$(pd '.daily_reports[0].report_id')
	W=$(pd '.daily_reports[0].wellness_score')
	check "wellness_score is within 0..100" test "$W" -ge 0 -a "$W" -le 100
	is "$(sql "SELECT CONCAT(person_id, ':', wellness_score, ':', JSON_VALUE(summary, '$.wellness_score')) FROM daily_reports WHERE id = $R1")" \
		"$ALICE:$W:$W" "the report is stored with its summary"
	check "the summary counts today's activities" \
		test "$(sql "SELECT JSON_VALUE(summary, '$.activity_count') FROM daily_reports WHERE id = $R1")" -ge 2
	execute "$RR"
	is "$(pd '.daily_reports[0].report_id')" "$R1" "a re-run rewrites the same report"
	is "$(sql "SELECT COUNT(*) FROM daily_reports WHERE person_id = $ALICE")" 1 "one report per person and day"
else
	not_ok "daily_report end to end" "$(_last)"
fi
create_rule report-yesterday
add_step "$RULE_ID" "$(jq -nc --argjson p "$BOB" \
	'{step_type: "daily_report", config_json: {person_ids: [$p], report_date_offset_days: -1, output_key: "r"}}')"
if execute "$RULE_ID"; then
	is "$(pd '.r[0] | [.person_id, .wellness_score] | tostring')" "[$BOB,10]" \
		"a day with nothing recorded scores 10"
	D=$(pd '.r[0].report_date')
	check "offset -1: yesterday's date" test "$D" = "$(today -d yesterday)" -o "$D" = "$(today -d '2 days ago')"
else
	not_ok "daily_report (yesterday) end to end" "$(_last)"
fi

finish
