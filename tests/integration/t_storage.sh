#!/bin/bash
# /api/v1/storage on the real stack:
#   - GET: the settings with their defaults, usage with its basis, media by kind;
#   - PUT: partial, every field validated (all problems at once), unknown
#     fields refused, nothing saved on a 422;
#   - POST /storage/cleanup and POST /system/cleanup run a cleanup and say
#     what it did, audited; 409 while another cleanup holds [media]
#     cleanup_lock (hearth-cleanup, meanwhile, leaves quietly);
#   - roles: a caregiver reads, but may not change or clean.
# The storage settings of the stack are put back when the file ends.
. "$(dirname "$0")/lib.sh"

P="storage-$RUN_ID"
LOCK=$(config_get media cleanup_lock)
SAVED=$(sql "SELECT value FROM settings WHERE name = 'storage'")
if [ -n "$SAVED" ]; then
	printf '%s' "$SAVED" >"$T/storage.saved"
	on_exit "sql \"REPLACE INTO settings (name, value) VALUES ('storage', '\$(cat \"\$T/storage.saved\")')\""
else
	on_exit "sql \"DELETE FROM settings WHERE name = 'storage'\""
fi
sql "DELETE FROM settings WHERE name = 'storage'"

# ---------------------------------------------------------------- GET
api GET /api/v1/storage
expect_status 200 "GET /storage"
expect_json '[.enabled, .max_percent, .retention_days] | @csv' 'false,85,30' "defaults: disabled, 85 %, 30 days"
expect_json '.usage | [has("total_bytes"), has("used_bytes"), has("media_bytes"), has("percent")] | all' true "usage has total, used, media bytes and percent"
if [ "$(config_get media quota_mb)" -gt 0 ] 2>/dev/null; then
	expect_json .usage.basis quota "basis quota (quota_mb is set)"
else
	expect_json .usage.basis filesystem "basis filesystem (no quota_mb)"
fi
expect_json '.usage.total_bytes > 0 and .usage.percent >= 0 and .usage.percent <= 100' true "usage figures are sane"
expect_json '.media | keys | sort | join(",")' 'detection_image,frame,recording,snapshot,sprite,thumbnail,timelapse,upload' "media lists every kind"
expect_json '[.media[] | (.count | type), (.bytes | type)] | unique | join(",")' number "each kind has count and bytes"
is "$(jb '[.media[].bytes] | add')" "$(jb .usage.media_bytes)" "media bytes by kind add up to usage.media_bytes"
is "$(jb .usage.media_bytes)" "$(sql 'SELECT COALESCE(SUM(size_bytes), 0) FROM media')" "usage.media_bytes is the sum of the media rows"

# ---------------------------------------------------------------- PUT
api PUT /api/v1/storage '{"max_percent": 70}'
expect_status 200 "PUT max_percent only"
expect_json '[.enabled, .max_percent, .retention_days] | @csv' 'false,70,30' "PUT changed max_percent only"
expect_json '.usage.basis | type' string "PUT answers with usage too"
api PUT /api/v1/storage '{"enabled": true, "retention_days": 7}'
expect_status 200 "PUT enabled and retention_days"
api GET /api/v1/storage
expect_json '[.enabled, .max_percent, .retention_days] | @csv' 'true,70,7' "GET shows the merged settings"
api PUT /api/v1/storage '{}'
expect_status 200 "PUT {} changes nothing"
expect_json '[.enabled, .max_percent, .retention_days] | @csv' 'true,70,7' "... and shows what is in force"

api PUT /api/v1/storage '{"max_percent": 0, "retention_days": 3651, "enabled": "yes", "colour": "red"}'
expect_status 422 "PUT with four problems"
expect_loc '["body","max_percent"]' greater_than_equal
expect_loc '["body","retention_days"]' less_than_equal
expect_loc '["body","enabled"]' bool_type
expect_loc '["body","colour"]' extra_forbidden
for bad in '{"max_percent": 100}' '{"max_percent": "80"}' '{"max_percent": 85.5}' '{"retention_days": 0}' '{"enabled": null}'; do
	api PUT /api/v1/storage "$bad"
	expect_status 422 "PUT $bad is 422"
done
api PUT /api/v1/storage '[1]'
expect_status '400|422' "PUT an array is refused"
api GET /api/v1/storage
expect_json '[.enabled, .max_percent, .retention_days] | @csv' 'true,70,7' "nothing was saved by the refused PUTs"
api PUT /api/v1/storage '{"max_percent": 99, "retention_days": 1}'
expect_status 200 "PUT the bounds 99 and 1"
api PUT /api/v1/storage '{"max_percent": 1, "retention_days": 3650, "enabled": false}'
expect_status 200 "PUT the bounds 1 and 3650"
CT=text/plain api PUT /api/v1/storage '{"max_percent": 80}'
expect_status 415 "PUT text/plain is 415"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/storage' AND method = 'PUT' AND status = 200 AND object_id = 'storage'")" \
	"$(sql "SELECT COUNT(*) FROM audit_log WHERE path = '/api/v1/storage' AND method = 'PUT' AND status = 200")" \
	"every PUT that changed the settings is audited with object storage"
sql "DELETE FROM settings WHERE name = 'storage'"

# ---------------------------------------------------------------- cleanup
api POST /api/v1/storage/cleanup
expect_status 200 "POST /storage/cleanup"
expect_json '[has("basis"), has("usage_before"), has("usage_after"), has("ceiling"), has("retention"), has("orphans")] | all' true \
	"the report says what the cleanup did"
expect_json '.error' null "the cleanup finished"
expect_json '.ceiling.media_deleted' 0 "nothing over the ceiling on a 85 % default: no media deleted"
api POST /api/v1/system/cleanup
expect_status 200 "POST /system/cleanup runs the same cleanup"
expect_json '.orphans | has("files")' true "... with the same report"
api POST /api/v1/storage/cleanup '{"force": true}'
expect_status 422 "POST /storage/cleanup with an unknown field is 422"
expect_loc '["body","force"]' extra_forbidden
is "$(sql "SELECT COUNT(*) > 0 FROM audit_log WHERE path = '/api/v1/storage/cleanup' AND method = 'POST' AND status = 200 AND object_id = 'cleanup'")" 1 \
	"a cleanup through the API is audited"

# Another cleanup holds the lock: flock(1) takes the same flock(2) lock.
flock -n "$LOCK" -c "touch '$T/locked'; sleep 8" &
HOLDER=$!
on_exit "kill $HOLDER 2>/dev/null || true"
wait_until 5 test -e "$T/locked"
api POST /api/v1/storage/cleanup
expect_status 409 "POST /storage/cleanup while a cleanup runs is 409"
expect_json .detail "a cleanup is already running" "... saying so"
api POST /api/v1/system/cleanup
expect_status 409 "POST /system/cleanup while a cleanup runs is 409"
"$HEARTH_BUILD_DIR/cron/hearth-cleanup" -c "$HEARTH_CONFIG" >"$T/cron.out" 2>&1
is "$?" 0 "hearth-cleanup while another cleanup runs exits 0"
if grep -q "another cleanup is running" "$T/cron.out"; then
	ok "... and says another cleanup is running"
else
	not_ok "... and says another cleanup is running" "$(cat "$T/cron.out")"
fi
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
wait_until 10 status_is 200 POST /api/v1/storage/cleanup
expect_status 200 "the lock released: cleanup runs again"

# ---------------------------------------------------------------- roles
create_key "$P-care" caregiver
CARE=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
KEY=$CARE api GET /api/v1/storage
expect_status 200 "a caregiver reads /storage"
KEY=$CARE api PUT /api/v1/storage '{"max_percent": 50}'
expect_status 403 "a caregiver may not PUT /storage"
KEY=$CARE api POST /api/v1/storage/cleanup
expect_status 403 "a caregiver may not run a cleanup"
KEY= api GET /api/v1/storage
expect_status 401 "no key: 401"

finish
