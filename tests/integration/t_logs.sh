#!/bin/bash
# GET /logs (newest first, level and search filters, limit cap, 422s),
# GET /logs/files and /logs/files/{category}/{name} (listing, reading,
# traversal refused), and the caregiver role kept out.
. "$(dirname "$0")/lib.sh"

LOGDIR=$(config_get logs dir)
[ -n "$LOGDIR" ] || LOGDIR=$HEARTH_STACK_DIR/log
CAT="t-logs-$RUN_ID"
CRON=$LOGDIR/cron.log
on_exit "rm -rf '$LOGDIR/$CAT' '$LOGDIR/$CAT-link'"
# cron.log is this test's own in the dev stack (the cron programs there
# write hearth-<program>.log); kept as it was when it existed.
if [ -e "$CRON" ]; then
	cp -p "$CRON" "$T/cron.log.saved"
	on_exit "cp -p '$T/cron.log.saved' '$CRON'"
else
	on_exit "rm -f '$CRON'"
fi

# ---------------------------------------------------------------- source=api
M="marker-$RUN_ID"
api GET "/api/v1/$M-first"
api GET "/api/v1/$M-second"
expect_status 404 "two requests the API logs (404s with a marker in the path)"
found() {
	api GET "/api/v1/logs?source=api&search=$M&limit=10"
	[ "$(jb '.items | length')" = 2 ]
}
wait_until 5 found
api GET "/api/v1/logs?source=api&search=$M&limit=10"
expect_status 200 "GET /logs?source=api"
expect_json '.items | length' 2 "search finds the two lines of this run"
expect_json '.items[0].message | contains("-second")' true "newest first: the second request comes first"
expect_json '.items[1].message | contains("-first")' true "then the first"
expect_json '.items[0] | keys' '["level","message","source","ts"]' "entries are {ts, level, source, message}"
expect_json '.items[0].level' INFO "an access line is INFO"
expect_json '.items[0].source' hearth-api "its source is the program"
expect_json '.items[0].ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' true "ts is ISO 8601 UTC"
api GET "/api/v1/logs?source=api&search=$(tr a-z A-Z <<<"$M")&limit=10"
expect_json '.items | length' 2 "search is case-insensitive"
api GET "/api/v1/logs?source=api&search=$M&level=ERROR"
expect_json '.items | length' 0 "level=ERROR leaves out INFO lines"
api GET "/api/v1/logs?search=$M&level=info"
expect_json '.items | length' 2 "source defaults to api; the level is case-insensitive"
api GET "/api/v1/logs?source=api"
expect_json '.limit' 500 "limit defaults to 500"

# ---------------------------------------------------------------- source=cron, levels, the cap
{
	for ((i = 0; i < 2500; i++)); do
		printf '2020-01-01T00:%02d:%02d.%03dZ info hearth-cleanup[42]: bulk line %d\n' \
			$((i / 600 % 60)) $((i / 10 % 60)) $((i % 10 * 100)) "$i"
	done
	echo '2020-01-01T01:00:00.000Z error hearth-cleanup[42]: cleanup stopped: database gone'
	echo '2020-01-01T01:00:01.000Z warning hearth-timelapse[43]: camera 3: no frame'
	echo 'a line in no known format'
	echo '2020-01-01T01:00:02.000Z debug hearth-timelapse[43]: stitched 0 frames'
} >"$CRON"
api GET "/api/v1/logs?source=cron&level=ERROR"
expect_status 200 "GET /logs?source=cron&level=ERROR"
expect_json '[.items[] | select(.message == "cleanup stopped: database gone")] | length' 1 "the error line is there"
expect_json '[.items[].level] | unique' '["ERROR"]' "only ERROR entries"
api GET "/api/v1/logs?source=cron&level=WARNING&search=no%20frame"
expect_json '.items' '[{"ts":"2020-01-01T01:00:01.000Z","level":"WARNING","source":"hearth-timelapse","message":"camera 3: no frame"}]' \
	"level=WARNING and a search with a space"
api GET "/api/v1/logs?source=cron&level=DEBUG&search=stitched"
expect_json '.items | length' 1 "DEBUG entries"
api GET "/api/v1/logs?source=cron&search=no%20known%20format"
expect_json '.items[0].ts' null "a line in no known format has no time"
expect_json '.items[0].level' INFO "and level INFO"
api GET "/api/v1/logs?source=cron&search=bulk%20line&limit=5000"
expect_status 200 "limit above the cap is not an error"
expect_json '.limit' 2000 "the limit is capped at 2000"
expect_json '.items | length' 2000 "2000 entries of 2500"
expect_json '.items[0].message' "bulk line 2499" "the newest first"
expect_json '.items[1999].message' "bulk line 500" "down to the 2000th newest"
api GET "/api/v1/logs?source=cron&search=bulk%20line&limit=3"
expect_json '[.items[].message]' '["bulk line 2499","bulk line 2498","bulk line 2497"]' "limit=3"

# ---------------------------------------------------------------- source=nginx
api GET "/api/v1/logs?source=nginx&limit=5"
expect_status 200 "GET /logs?source=nginx"
expect_json '[.items[].source] | unique | . == [] or . == ["nginx"]' true "nginx entries say so"

# nginx writes the request line of a request it refuses (here 413, a body
# over its 1 MiB cap) into its error log, query string and all: read
# back, a key in it is hidden, however it is spelled.
SECRET="hkSecret$RUN_ID"
head -c 1100000 /dev/zero | tr '\0' x >"$T/big.json"
BODY_FILE="$T/big.json" KEY= api POST "/api/v1/rooms?m413=$M&api_key=${SECRET}A"
expect_status 413 "a body over 1 MiB with ?api_key=: nginx answers 413"
BODY_FILE="$T/big.json" KEY= api POST "/api/v1/rooms?m413=$M&Api%5FKey=${SECRET}B&token=${SECRET}C"
expect_status 413 "... and with ?Api%5FKey= and ?token="
nginx_logged() {
	api GET "/api/v1/logs?source=nginx&search=m413=$M&limit=20"
	[ "$(jb '.items | length')" -ge 2 ]
}
if wait_until 5 nginx_logged; then
	ok "GET /logs?source=nginx shows the refused requests"
else
	not_ok "GET /logs?source=nginx shows the refused requests" "$(_last)"
fi
check "... with no key in them" bash -c "! grep -q '$SECRET' <<<\"\$1\"" _ "$BODY"
expect_json '[.items[].message | select(test("api_key=\\[hidden\\]"))] | length >= 1' true \
	"... where the api_key value was: api_key=[hidden]"
expect_json '[.items[].message | select(test("Api%5FKey=\\[hidden\\]&token=\\[hidden\\]"))] | length >= 1' \
	true "... and Api%5FKey=[hidden]&token=[hidden]"
api GET "/api/v1/logs?source=nginx&search=$SECRET&limit=20"
expect_json '.items | length' 0 "a search for the key finds nothing"
ACCESS_LOG=$HEARTH_STACK_DIR/log/nginx-access.log
if [ -f "$ACCESS_LOG" ]; then
	# Buffered by nginx for up to a second.
	sleep 1.2
	check "nginx's access log holds no key either" bash -c "! grep -q '$SECRET' '$ACCESS_LOG'"
else
	skip "nginx's access log holds no key" "no $ACCESS_LOG"
fi

# ---------------------------------------------------------------- 422
api GET "/api/v1/logs?source=syslog"
expect_status 422 "source=syslog"
expect_loc '["query","source"]'
api GET "/api/v1/logs?level=LOUD"
expect_status 422 "level=LOUD"
expect_loc '["query","level"]'
for bad in 0 -1 abc 1.5; do
	api GET "/api/v1/logs?limit=$bad"
	expect_status 422 "limit=$bad"
done
api GET "/api/v1/logs?search=$(printf 'x%.0s' {1..300})"
expect_status 422 "a search of 300 characters"

# ---------------------------------------------------------------- other files
mkdir -p "$LOGDIR/$CAT/nested"
printf 'step 1\nstep 2: done\n' >"$LOGDIR/$CAT/2026-04-01_09-51-07.log"
ln -s /etc/passwd "$LOGDIR/$CAT/passwd.log"
ln -s "$HEARTH_CONFIG" "$LOGDIR/$CAT/hearth.conf"
printf 'hidden\n' >"$LOGDIR/$CAT/.hidden"
ln -s "$LOGDIR/$CAT" "$LOGDIR/$CAT-link"

api GET /api/v1/logs/files
expect_status 200 "GET /logs/files"
expect_json "[.items[] | select(.category == \"$CAT\")] | map(.name)" "[\"$CAT/2026-04-01_09-51-07.log\"]" \
	"the category's one regular file is listed (no symlinks, hidden files or directories)"
expect_json "[.items[] | select(.category == \"$CAT\")][0] | .size" 20 "with its size"
expect_json "[.items[] | select(.category == \"$CAT\")][0] | .modified | test(\"Z\$\")" true "and when it changed"
expect_json "[.items[] | select(.category == \"$CAT-link\")] | length" 0 "a symlinked category is not listed"

api GET "/api/v1/logs/files/$CAT/2026-04-01_09-51-07.log"
expect_status 200 "GET /logs/files/{category}/{name}"
expect_header Content-Type '^text/plain' "as text/plain"
is "$BODY" "$(printf 'step 1\nstep 2: done')" "the file's text"

for p in "$CAT/passwd.log" "$CAT/hearth.conf" "$CAT/.hidden" "$CAT/nested" "$CAT-link/2026-04-01_09-51-07.log" \
	"$CAT/missing.log" "..%2f..%2fhearth.conf/x" "$CAT/..%2f..%2fhearth.conf" "%2e%2e/hearth.conf" \
	"$CAT/%2e%2e%2fapi.log" "$CAT/..%252fx" "$CAT/2026-04-01_09-51-07.log%00.txt"; do
	api GET "/api/v1/logs/files/$p"
	expect_status '404|422|400' "GET /logs/files/$p is refused"
	check "... and shows nothing of it" bash -c "! grep -qE 'root:|secret_key|password' <<<\"\$0\"" "$BODY"
done
api GET "/api/v1/logs/files/$CAT/../../hearth.conf" --path-as-is
expect_status '404|422|400' "a literal ../ in the path is refused"
check "... and shows nothing of it" bash -c "! grep -q 'secret_key' <<<\"\$0\"" "$BODY"

# ---------------------------------------------------------------- roles
if create_key "t-logs-caregiver-$RUN_ID" caregiver; then
	ok "a caregiver key"
	on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
	CARE=$NEW_KEY
	KEY=$CARE api GET /api/v1/logs
	expect_status 403 "a caregiver may not read /logs"
	KEY=$CARE api GET /api/v1/logs/files
	expect_status 403 "nor /logs/files"
	KEY=$CARE api GET "/api/v1/logs/files/$CAT/2026-04-01_09-51-07.log"
	expect_status 403 "nor a log file"
else
	not_ok "a caregiver key" "$(_last)"
fi
KEY= api GET /api/v1/logs
expect_status 401 "GET /logs without a key"

finish
