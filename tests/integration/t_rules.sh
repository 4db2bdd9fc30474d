#!/bin/bash
# Rules: CRUD with defaults, validation on save (cron, conditions, step and
# filter types, jumps, dependencies), steps ordering, contexts and
# dependencies, delete guards, webhook secrets, roles, audit, registries.
. "$(dirname "$0")/lib.sh"

P="rules-$RUN_ID"

# Whatever a failure leaves behind goes: dependencies first (they hold
# their parents), then the rules (their steps and contexts cascade), then
# the sensor.
on_exit "sql \"DELETE FROM rule_dependencies WHERE rule_id IN (SELECT id FROM rules WHERE name LIKE '$P%')\"; sql \"DELETE FROM rules WHERE name LIKE '$P%'\"; sql \"DELETE FROM sensors WHERE name LIKE '$P%'\""

# expect_msg JQ_LOC REGEX DESCRIPTION: the 422 entry at loc has a msg matching REGEX.
expect_msg() {
	expect_json "[.detail[]? | select(.loc == $1) | .msg | test(\"$2\")] | any" true "$3"
}

create_sensor "$(jq -nc --arg n "$P-door" '{name: $n, sensor_type: "presence"}')"
check "a sensor for the rules" test -n "$SENSOR_ID"
SID=${SENSOR_ID:-0}

# ---------------------------------------------------------------- create with defaults
api POST /api/v1/rules "$(rule basic)"
expect_status 201 "POST /rules with only a name: 201"
RID=$(jb .id)
expect_json .description "" "description defaults to \"\""
expect_json .enabled true "enabled defaults to true"
expect_json .trigger_type sensor_event "trigger_type defaults to sensor_event"
expect_json .primary_sensor_id null "primary_sensor_id defaults to null"
expect_json .schedule_cron null "schedule_cron defaults to null"
expect_json '[.cool_off_minutes, .max_daily_triggers, .execution_timeout_minutes] | join(",")' "5,3,0" \
	"cool_off 5, max_daily_triggers 3, execution_timeout 0"
expect_json .occupancy_config null "occupancy_config defaults to null"
expect_json .webhook_config null "webhook_config defaults to null"
expect_json .next_fire_at null "a sensor_event rule has no next_fire_at"
expect_json ".created_at | test(\"$ISO_RE\")" true "created_at is ISO 8601 UTC"

api GET "/api/v1/rules/$RID"
expect_status 200 "GET /rules/{id}: 200"
expect_json '[.steps, .contexts, .dependencies] | map(length) | join(",")' "0,0,0" \
	"GET embeds empty steps, contexts and dependencies"
expect_json .name "$P-basic" "GET shows the rule"

api POST /api/v1/rules "$(rule basic)"
expect_status 409 "a duplicate name: 409"
expect_detail_string "409 has a JSON detail"
api POST /api/v1/rules "$(rule wh '{webhook_config: {secret: "x"}}')"
expect_status 422 "webhook_config in a body: 422"
expect_loc '["body","webhook_config"]' extra_forbidden
api POST /api/v1/rules '{}'
expect_status 422 "no name: 422"
expect_loc '["body","name"]' missing
api POST /api/v1/rules "$(rule neg '{cool_off_minutes: -1, trigger_type: "sometimes"}')"
expect_status 422 "negative cool_off and an unknown trigger_type: 422"
expect_loc '["body","cool_off_minutes"]' greater_than_equal
expect_loc '["body","trigger_type"]' enum
api GET /api/v1/rules/99999999
expect_status 404 "GET an unknown rule: 404"
expect_json .detail "rule 99999999 not found" "404 names the rule"

# ---------------------------------------------------------------- cron
api POST /api/v1/rules "$(rule cron "{trigger_type: \"cron\", primary_sensor_id: $SID, schedule_cron: \"0 7 * * *\"}")"
expect_status 201 "a cron rule: 201"
CRON=$(jb .id)
expect_json ".next_fire_at | test(\"$ISO_RE\")" true "a cron rule has next_fire_at (ISO UTC)"
api GET "/api/v1/rules/$CRON"
expect_json ".next_fire_at | test(\"$ISO_RE\")" true "GET shows next_fire_at"
expect_json '.next_fire_at | fromdate > now' true "next_fire_at is in the future"

api POST /api/v1/rules "$(rule badcron "{trigger_type: \"cron\", primary_sensor_id: $SID, schedule_cron: \"0 24 * * *\"}")"
expect_status 422 "a cron with hour 24: 422"
expect_loc '["body","schedule_cron"]' value_error
expect_msg '["body","schedule_cron"]' hour "the message names the cron field (hour)"
api POST /api/v1/rules "$(rule never "{trigger_type: \"cron\", primary_sensor_id: $SID, schedule_cron: \"0 0 30 2 *\"}")"
expect_status 422 "a cron that never fires (30 February): 422"
expect_loc '["body","schedule_cron"]' value_error
api POST /api/v1/rules "$(rule nosensor '{trigger_type: "cron", schedule_cron: "0 7 * * *"}')"
expect_status 422 "a cron rule without primary_sensor_id: 422"
expect_loc '["body","primary_sensor_id"]'
api POST /api/v1/rules "$(rule noschedule "{trigger_type: \"cron\", primary_sensor_id: $SID}")"
expect_status 422 "a cron rule without schedule_cron: 422"
expect_loc '["body","schedule_cron"]' missing
api POST /api/v1/rules "$(rule ghost '{primary_sensor_id: 99999999}')"
expect_status 422 "a primary_sensor_id that does not exist: 422"
expect_loc '["body","primary_sensor_id"]'

api POST /api/v1/rules "$(rule occ "{trigger_type: \"occupancy_duration\", primary_sensor_id: $SID}")"
expect_status 201 "an occupancy_duration rule: 201"
OCC=$(jb .id)
expect_json .occupancy_config.min_minutes 40 "occupancy_config.min_minutes defaults to 40"
api POST /api/v1/rules "$(rule occ0 "{trigger_type: \"occupancy_duration\", primary_sensor_id: $SID, occupancy_config: {min_minutes: 0}}")"
expect_status 422 "occupancy min_minutes 0: 422"
expect_loc '["body","occupancy_config","min_minutes"]'

# ---------------------------------------------------------------- partial PUT, list filters
api PUT "/api/v1/rules/$CRON" '{"description": "mornings"}'
expect_status 200 "PUT description only: 200"
expect_json '[.description, .schedule_cron, .trigger_type] | join("|")' "mornings|0 7 * * *|cron" \
	"PUT changed only the description"
api PUT "/api/v1/rules/$CRON" '{"enabled": false}'
expect_status 200 "PUT enabled false: 200"
expect_json .next_fire_at null "a disabled cron rule has no next_fire_at"
api PUT "/api/v1/rules/$CRON" '{"schedule_cron": "61 * * * *"}'
expect_status 422 "PUT a bad schedule: 422"
expect_msg '["body","schedule_cron"]' minute "the message names the minute field"
api PUT "/api/v1/rules/$RID" "$(rule cron)"
expect_status 409 "PUT another rule's name: 409"
api PUT /api/v1/rules/99999999 '{"description": "x"}'
expect_status 404 "PUT an unknown rule: 404"

api GET "/api/v1/rules?limit=1000&trigger_type=cron"
expect_status 200 "GET /rules?trigger_type=cron: 200"
expect_json "[.items[] | select(.id == $CRON)] | length" 1 "the cron rule is listed"
expect_json "[.items[] | select(.id == $RID)] | length" 0 "the sensor_event rule is not"
expect_json '[.items[] | has("next_fire_at")] | all' true "every item has next_fire_at"
api GET "/api/v1/rules?limit=1000&enabled=false"
expect_json "[.items[] | select(.id == $CRON)] | length" 1 "enabled=false lists the disabled rule"
expect_json "[.items[] | select(.id == $RID)] | length" 0 "enabled=false leaves out enabled rules"
api GET "/api/v1/rules?trigger_type=sometimes"
expect_status 422 "an unknown trigger_type filter: 422"
expect_loc '["query","trigger_type"]'
api GET "/api/v1/rules?limit=1"
expect_json '.pagination.limit' 1 "the list is paginated"

# ---------------------------------------------------------------- steps
add_step "$RID" '{"step_type": "condition", "label": "Warm?", "config_json": {"expression": "temperature > 20"}}'
expect_status 201 "add a condition step: 201"
S1=$STEP_ID
expect_json .order 1 "the first step has order 1"
expect_json .enabled true "a step is enabled by default"
add_step "$RID" '{"step_type": "wait", "config_json": {"minutes": 10}}'
expect_status 201 "add a wait step: 201"
S2=$STEP_ID
expect_json .order 2 "the second step is appended with order 2"
add_step "$RID" '{"step_type": "notification", "config_json": {"alert_level": "warning", "message_template": "Hello {{ trigger.room_name }}"}}'
expect_status 201 "add a notification step: 201"
S3=$STEP_ID
expect_json .order 3 "the third step has order 3"

api POST "/api/v1/rules/$RID/steps" '{"step_type": "condition", "config_json": {"expression": "temperature >"}}'
expect_status 422 "a bad condition expression: 422"
expect_msg '["body","config_json","expression"]' column "the message gives the parser's column"
api POST "/api/v1/rules/$RID/steps" '{"step_type": "teleport"}'
expect_status 422 "an unknown step type: 422"
expect_loc '["body","step_type"]' enum
api POST "/api/v1/rules/$RID/steps" '{"step_type": "scene_analysis", "config_json": {}}'
expect_status 422 "a step type that is not available: 422"
expect_loc '["body","step_type"]' not_available
expect_msg '["body","step_type"]' scene_analysis "the message names the type"
api POST "/api/v1/rules/$RID/steps" '{"step_type": "wait", "config_json": {"minutes": 5, "hours": 1}}'
expect_status 422 "an unknown config key: 422"
expect_loc '["body","config_json","hours"]' extra_forbidden

add_step "$CRON" '{"step_type": "wait"}'
OTHER=$STEP_ID
api POST "/api/v1/rules/$RID/steps" "{\"step_type\": \"wait\", \"next_step_on_true\": ${OTHER:-0}}"
expect_status 422 "a jump to a step of another rule: 422"
expect_loc '["body","next_step_on_true"]'
api PUT "/api/v1/rules/$RID/steps/$S1" "{\"next_step_on_false\": $S3}"
expect_status 200 "a jump to a step of the same rule: 200"
expect_json .next_step_on_false "$S3" "the jump is stored"
expect_json .config_json.expression "temperature > 20" "PUT kept the config"
api PUT "/api/v1/rules/$RID/steps/${OTHER:-0}" '{"enabled": false}'
expect_status 404 "PUT a step of another rule: 404"
api DELETE "/api/v1/rules/$RID/steps/${OTHER:-0}"
expect_status 404 "DELETE a step of another rule: 404"
api PUT "/api/v1/rules/99999999/steps/$S1" '{"enabled": false}'
expect_status 404 "a step of an unknown rule: 404"
expect_json .detail "rule 99999999 not found" "the 404 names the rule"

api DELETE "/api/v1/rules/$RID/steps/$S2"
expect_status 204 "DELETE the middle step: 204"
api GET "/api/v1/rules/$RID/steps"
expect_status 200 "GET /steps: 200"
expect_json '[.items[] | "\(.id):\(.order)"] | join(" ")' "$S1:1 $S3:2" "the rest are renumbered 1..n"

api PUT "/api/v1/rules/$RID/steps/reorder" "{\"steps\": [{\"id\": $S3, \"order\": 1}, {\"id\": $S1, \"order\": 2}]}"
expect_status 200 "reorder: 200"
expect_json '[.items[] | "\(.id):\(.order)"] | join(" ")' "$S3:1 $S1:2" "reorder applies the given order"
api PUT "/api/v1/rules/$RID/steps/reorder" "{\"steps\": [{\"id\": $S3, \"order\": 10}, {\"id\": $S1, \"order\": 20}]}"
expect_status 200 "reorder with sparse orders: 200"
expect_json '[.items[] | .order] | join(",")' "1,2" "sparse orders are renumbered 1..n"
api PUT "/api/v1/rules/$RID/steps/reorder" "[{\"id\": $S1, \"order\": 1}, {\"id\": $S3, \"order\": 2}]"
expect_status 200 "reorder with a bare array, as the seed shows: 200"
expect_json '[.items[] | "\(.id):\(.order)"] | join(" ")' "$S1:1 $S3:2" "the bare array's order is applied"
api PUT "/api/v1/rules/$RID/steps/reorder" "{\"steps\": [{\"id\": $S3, \"order\": 1}, {\"id\": $S1, \"order\": 2}]}"
expect_status 200 "and back with the wrapped form: 200"
api PUT "/api/v1/rules/$RID" "[1, 2]"
expect_status 422 "an array body where an object is expected: 422"
api PUT "/api/v1/rules/$RID/steps/reorder" "{\"steps\": [{\"id\": $S3, \"order\": 1}]}"
expect_status 422 "reorder naming only some steps: 422"
api PUT "/api/v1/rules/$RID/steps/reorder" "{\"steps\": [{\"id\": $S3, \"order\": 1}, {\"id\": $S1, \"order\": 1}]}"
expect_status 422 "reorder with a repeated order: 422"
api PUT "/api/v1/rules/$RID/steps/reorder" "{\"steps\": [{\"id\": $S3, \"order\": 1}, {\"id\": ${OTHER:-0}, \"order\": 2}]}"
expect_status 422 "reorder with a step of another rule: 422"
api GET "/api/v1/rules/$RID"
expect_json '[.steps[] | .id] | join(",")' "$S3,$S1" "the refused reorders changed nothing"

# ---------------------------------------------------------------- contexts
api POST "/api/v1/rules/$RID/contexts" '{"context_type": "time_range", "config": {"start_time": "22:00", "end_time": "06:00"}}'
expect_status 201 "add a time_range context: 201"
C1=$(jb .id)
expect_json .negate false "negate defaults to false"
api POST "/api/v1/rules/$RID/contexts" '{"context_type": "day_of_week", "config": {"days": [0, 6]}, "negate": true}'
expect_status 201 "add a negated day_of_week context: 201"
api POST "/api/v1/rules/$RID/contexts" '{"context_type": "time_range", "config": {"start_time": "25:00", "end_time": "06:00"}}'
expect_status 422 "a bad time_range: 422"
expect_loc '["body","config","start_time"]'
api POST "/api/v1/rules/$RID/contexts" '{"context_type": "moon_phase"}'
expect_status 422 "an unknown context type: 422"
expect_loc '["body","context_type"]' enum
api GET "/api/v1/rules/$RID/contexts"
expect_status 200 "GET /contexts: 200"
expect_json '.items | length' 2 "two contexts listed"
api DELETE "/api/v1/rules/$CRON/contexts/$C1"
expect_status 404 "DELETE a context through another rule: 404"
api DELETE "/api/v1/rules/$RID/contexts/$C1"
expect_status 204 "DELETE a context: 204"
api DELETE "/api/v1/rules/$RID/contexts/$C1"
expect_status 404 "DELETE it again: 404"
api GET "/api/v1/rules/$RID/contexts"
expect_json '.items | length' 1 "one context left"

# ---------------------------------------------------------------- dependencies
create_rule child
CHILD=$RULE_ID
create_rule grandchild
GRAND=$RULE_ID
api POST "/api/v1/rules/$CHILD/dependencies" "{\"parent_rule_id\": $RID}"
expect_status 201 "child depends on the rule: 201"
D1=$(jb .id)
expect_json '[.lookback_minutes, .require_success, .parent_rule_name] | join(",")' "30,true,$P-basic" \
	"lookback 30, require_success true, the parent's name"
api POST "/api/v1/rules/$GRAND/dependencies" "{\"parent_rule_id\": $CHILD, \"lookback_minutes\": 60, \"require_success\": false}"
expect_status 201 "grandchild depends on child: 201"
D2=$(jb .id)
api POST "/api/v1/rules/$CHILD/dependencies" "{\"parent_rule_id\": $RID}"
expect_status 409 "the same dependency again: 409"
api POST "/api/v1/rules/$RID/dependencies" "{\"parent_rule_id\": $RID}"
expect_status 422 "a rule depending on itself: 422"
expect_loc '["body","parent_rule_id"]'
api POST "/api/v1/rules/$RID/dependencies" "{\"parent_rule_id\": $GRAND}"
expect_status 422 "a dependency closing a cycle: 422"
expect_msg '["body","parent_rule_id"]' cycle "the message says cycle"
api POST "/api/v1/rules/$RID/dependencies" '{"parent_rule_id": 99999999}'
expect_status 422 "a parent that does not exist: 422"
api POST "/api/v1/rules/$RID/dependencies" "{\"parent_rule_id\": $CHILD, \"lookback_minutes\": 0}"
expect_status 422 "lookback_minutes 0: 422"
expect_loc '["body","lookback_minutes"]'
api GET "/api/v1/rules/$CHILD/dependencies"
expect_status 200 "GET /dependencies: 200"
expect_json '[.items[] | .parent_rule_id] | join(",")' "$RID" "the dependency is listed"

api DELETE "/api/v1/rules/$RID"
expect_status 409 "DELETE a rule another depends on: 409"
expect_detail_string "the 409 has a detail"
api DELETE "/api/v1/rules/$RID/dependencies/$D1"
expect_status 404 "DELETE a dependency through the wrong rule: 404"
api DELETE "/api/v1/rules/$CHILD/dependencies/$D1"
expect_status 204 "DELETE the dependency: 204"
api DELETE "/api/v1/rules/$RID"
expect_status 204 "then DELETE the rule: 204"
is "$(sql "SELECT (SELECT COUNT(*) FROM rule_steps WHERE rule_id = $RID) + (SELECT COUNT(*) FROM rule_contexts WHERE rule_id = $RID) + (SELECT COUNT(*) FROM rule_dependencies WHERE rule_id = $RID OR parent_rule_id = $RID)")" 0 \
	"its steps, contexts and dependencies are gone"
api GET "/api/v1/rules/$RID"
expect_status 404 "the deleted rule: 404"
api DELETE "/api/v1/rules/$GRAND/dependencies/$D2"
expect_status 204 "DELETE the other dependency: 204"

# ---------------------------------------------------------------- sensors used by rules
api DELETE "/api/v1/sensors/$SID"
expect_status 409 "DELETE a sensor a rule uses: 409"
expect_json .detail "sensor $SID is used by rules; change or delete them first" "the 409 says why"

# ---------------------------------------------------------------- webhook secrets
api POST "/api/v1/webhooks/$CHILD/generate-secret"
expect_status 200 "generate-secret: 200"
SECRET=$(jb .secret)
expect_json .rule_id "$CHILD" "the reply names the rule"
expect_json '.secret | test("^[A-Za-z0-9_-]{43}$")' true "the secret is 43 base64url characters"
expect_json ".created_at | test(\"$ISO_RE\")" true "the reply has created_at"
api GET "/api/v1/rules/$CHILD"
expect_json '.webhook_config | keys | join(",")' created_at "GET shows only webhook_config.created_at"
check "GET never shows the secret" bash -c '! grep -qF -- "$1" <<<"$2"' _ "$SECRET" "$BODY"
want=$(printf '%s' "$SECRET" | sha256sum | cut -c1-64 | tr a-f A-F)
is "$(sql "SELECT HEX(webhook_secret_hash) FROM rules WHERE id = $CHILD")" "$want" \
	"the database holds the SHA-256 of the secret"
is "$(sql "SELECT COUNT(*) FROM rules WHERE id = $CHILD AND (name LIKE '%$SECRET%' OR description LIKE '%$SECRET%')")" 0 \
	"the secret text is not in the rules table"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE path LIKE '%$SECRET%'")" 0 "the secret text is not in the audit log"
check "the secret text is not in the API log" bash -c '! grep -rqF -- "$1" "$2"' _ "$SECRET" "$HEARTH_STACK_DIR/log"
api POST "/api/v1/webhooks/$CHILD/generate-secret"
expect_status 200 "generate-secret again: 200"
check "a new secret replaces the old" test "$(jb .secret)" != "$SECRET"
api POST /api/v1/webhooks/99999999/generate-secret
expect_status 404 "generate-secret for an unknown rule: 404"
api POST "/api/v1/webhooks/$CHILD/generate-secret" '{"secret": "mine"}'
expect_status 422 "a secret chosen by the client: 422"

# ---------------------------------------------------------------- roles
if create_key "$P-carer" caregiver; then
	on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
	CARER=$NEW_KEY
	KEY=$CARER api GET /api/v1/rules
	expect_status 200 "a caregiver can list rules"
	KEY=$CARER api GET "/api/v1/rules/$CHILD"
	expect_status 200 "a caregiver can read a rule"
	KEY=$CARER api POST /api/v1/rules "$(rule carer)"
	expect_status 403 "a caregiver cannot create a rule"
	KEY=$CARER api POST "/api/v1/webhooks/$CHILD/generate-secret"
	expect_status 403 "a caregiver cannot generate a webhook secret"
else
	not_ok "create a caregiver key" "$(_last)"
fi

# ---------------------------------------------------------------- audit
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE object_id = '$RID' AND method = 'POST' AND path = '/api/v1/rules' AND status = 201")" 1 \
	"audit: the rule's creation"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE object_id = '$RID' AND method = 'DELETE' AND path = '/api/v1/rules/$RID' AND status = 204")" 1 \
	"audit: the rule's deletion"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE object_id = '$RID' AND path LIKE '/api/v1/rules/$RID/steps%' AND status < 300")" 9 \
	"audit: 3 step adds, 1 PUT, 1 DELETE, 4 reorders (wrapped and bare)"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE object_id = '$CHILD' AND path = '/api/v1/webhooks/$CHILD/generate-secret'")" 2 \
	"audit: both secret generations"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE path LIKE '/api/v1/rules%' AND status >= 400")" 0 \
	"audit: refused requests leave no row"

# ---------------------------------------------------------------- registries
api GET /api/v1/pipeline/step-types
expect_status 200 "GET /pipeline/step-types: 200"
expect_json '.items | length' 14 "14 step types"
expect_json '[.items[] | select(.available | not) | .name] | sort | join(",")' \
	"object_trend_analysis,scene_analysis" \
	"the two step types not available yet"
expect_json '[.items[] | select(.counts_by_default) | .name] | sort | join(",")' \
	"activity_detection,ha_action,notification" "the step types that count by default"
expect_json '[.items[] | (.config_schema | type) == "object"] | all' true "every step type has a config_schema"
api GET /api/v1/pipeline/filter-types
expect_status 200 "GET /pipeline/filter-types: 200"
expect_json '[.items[].name] | sort | join(",")' \
	"day_of_week,person_activity,person_presence,room,room_transition,scene_trend,time_range" "the 7 filter types"
api GET /api/v1/pipeline/channel-types
expect_status 200 "GET /pipeline/channel-types: 200"
expect_json '[.items[].name] | sort | join(",")' \
	"eink,ha_speaker_tts,pwa_popup_text,pwa_realtime_ai,pwa_tts_announcement,telegram,webhook" "the 7 channel types"

finish
