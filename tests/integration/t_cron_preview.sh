#!/bin/bash
# GET /cron/preview: the next instants of a cron expression, as the
# scheduler computes them, for the rule editor.
. "$(dirname "$0")/lib.sh"

ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:00Z$'

api GET "/api/v1/cron/preview?expression=$(jq -rn --arg e '30 7 * * 1-5' '$e|@uri')"
expect_status 200 "a weekday-morning expression: 200"
expect_json '.next | length' 5 "five instants by default"
expect_json "[.next[] | test(\"$ISO_RE\")] | all" true "ISO 8601 UTC, on the minute"
expect_json '.next == (.next | sort) and (.next | unique | length) == 5' true "strictly increasing"
expect_json '.expression' '30 7 * * 1-5' "the expression as given"
api GET "/api/v1/cron/preview?expression=@hourly&count=3"
expect_json '.next | length' 3 "count=3"
first=$(jb '.next[0]'); second=$(jb '.next[1]')
is "$(( $(date -d "$second" +%s) - $(date -d "$first" +%s) ))" 3600 "@hourly: an hour apart"
api GET "/api/v1/cron/preview?expression=$(jq -rn --arg e '0 0 30 2 *' '$e|@uri')"
expect_status 200 "an expression that never fires: 200"
expect_json '.next' '[]' "with no instants"
api GET "/api/v1/cron/preview?expression=$(jq -rn --arg e '0 24 * * *' '$e|@uri')"
expect_status 422 "hour 24: 422"
expect_loc '["query","expression"]' value_error
expect_json '.detail[0].msg' 'hour: 24 is out of range 0-23' "the parser's own message"
api GET "/api/v1/cron/preview"
expect_status 422 "no expression: 422"
expect_loc '["query","expression"]' missing
api GET "/api/v1/cron/preview?expression=@daily&count=21"
expect_status 422 "count over 20: 422"
expect_loc '["query","count"]'
KEY= api GET "/api/v1/cron/preview?expression=@daily"
expect_status 401 "without credentials: 401"
finish
