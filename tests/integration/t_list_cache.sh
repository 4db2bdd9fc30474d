#!/bin/bash
# Cached list pages are never stale: every committed change is visible in
# the very next list, the same page read twice is identical, and with
# memcached gone or restarted empty the lists are still right.
. "$(dirname "$0")/lib.sh"

P="cache-$RUN_ID"

# list_field ROOM_ID FIELD: FIELD of that room as GET /rooms?limit=1000 shows it.
list_field() {
	api GET "/api/v1/rooms?limit=1000"
	jq -r --argjson id "$1" ".items[] | select(.id == \$id) | .$2" <<<"$BODY"
}

create_room "$P-hall" || not_ok "set-up: create a room"
RID=$ROOM_ID

# Warm the cache, then read the same page twice.
api GET "/api/v1/rooms?limit=1000"
first=$BODY
api GET "/api/v1/rooms?limit=1000"
expect_status 200 "the same page again: 200"
is "$BODY" "$first" "the same page twice is byte-identical"

# A page read again costs at most one memcached round trip (the settings
# counter, the key's row, the list's counter and the page in one
# multi-get), and none once the worker keeps the page, the key and the
# settings in its own memory (hearth_cache_reads_total counts round trips).
cache_reads() {
	api GET /api/v1/metrics
	awk '$1 == "hearth_cache_reads_total" { print $2 }' <<<"$BODY"
}
for _ in 1 2 3 4 5 6; do api GET "/api/v1/rooms?limit=1000"; done
r0=$(cache_reads)
api GET "/api/v1/rooms?limit=1000"
expect_status 200 "a cached page: 200"
r1=$(cache_reads)
r2=$(cache_reads)
# r1 - r0 is the page's round trips plus one /metrics read's own; r2 - r1
# is one /metrics read's alone.
trips=$(( (r1 - r0) - (r2 - r1) ))
check "a cached page costs at most one round trip to memcached ($trips)" [ "$trips" -le 1 ]

# Every kind of change shows at once in a list read just before it.
api PUT "/api/v1/rooms/$RID" "$(j_room "$P-hallway")"
expect_status 200 "rename the room"
is "$(list_field "$RID" name)" "$P-hallway" "the list shows the new name at once"

create_sensor "$(jq -nc --arg n "$P-pir" --argjson r "$RID" \
	'{name: $n, sensor_type: "pir", room_id: $r}')" || not_ok "set-up: create a sensor"
SID=$SENSOR_ID
is "$(list_field "$RID" sensor_count)" 1 "a new sensor shows in its room's sensor_count at once"

api GET "/api/v1/sensors?room_id=$RID"
expect_json '.items | length' 1 "the room's sensor list has the sensor"
api PUT "/api/v1/sensors/$SID" '{"name": "renamed"}'
expect_status 200 "rename the sensor"
api GET "/api/v1/sensors?room_id=$RID"
expect_json '.items[0].name' renamed "the sensor list shows the new name at once"

api DELETE "/api/v1/sensors/$SID"
expect_status 204 "delete the sensor"
is "$(list_field "$RID" sensor_count)" 0 "a deleted sensor leaves its room's count at once"
api GET "/api/v1/sensors?room_id=$RID"
expect_json '.items | length' 0 "the sensor list no longer has it"

# A failed change invalidates nothing and changes nothing.
api POST /api/v1/rooms "$(j_room "$P-hallway")"
expect_status 409 "a duplicate name: 409"
is "$(list_field "$RID" name)" "$P-hallway" "the list is unchanged after a refused change"

# memcached restarted empty: lists come from the database, then are cached anew.
devstack stop memcached >/dev/null
api PUT "/api/v1/rooms/$RID" "$(j_room "$P-landing")"
expect_status 200 "rename while memcached is down: 200"
is "$(list_field "$RID" name)" "$P-landing" "the list is right while memcached is down"
devstack start memcached >/dev/null
wait_until 10 status_is 200 GET /api/v1/rooms || true
is "$(list_field "$RID" name)" "$P-landing" "the list is right after memcached came back"
api PUT "/api/v1/rooms/$RID" "$(j_room "$P-attic")"
expect_status 200 "rename after memcached came back"
is "$(list_field "$RID" name)" "$P-attic" "and the next list shows it"

api DELETE "/api/v1/rooms/$RID"
expect_status 204 "clean up the room"
is "$(list_field "$RID" name)" "" "a deleted room leaves the list at once"

finish
