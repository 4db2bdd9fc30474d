#!/bin/bash
# Keyset pagination with signed cursors; limit bounds; deprecated offset.
. "$(dirname "$0")/lib.sh"

P="pagination-$RUN_ID"

# ---------------------------------------------------------------- 250 rooms
codes=$(bulk_rooms "$P" 250)
is "$(grep -c '^201$' <<<"$codes")" 250 "created 250 rooms"
MINE=$(sql "SELECT id FROM rooms WHERE name LIKE '$P-%' ORDER BY id")
on_exit 'bulk_delete /api/v1/rooms $MINE >/dev/null'
ALL=$(sql "SELECT id FROM rooms ORDER BY id")
TOTAL=$(grep -c . <<<"$ALL")
PAGES_WANT=$(((TOTAL + 99) / 100))
echo "# $TOTAL rooms in the database: $PAGES_WANT pages of 100 expected"

# ---------------------------------------------------------------- walk with limit=100
cursor=
pages=0
seen=
flags=
C1=
LAST_OF_PAGE1=
while :; do
	q="limit=100"
	[ -n "$cursor" ] && q="$q&cursor=$cursor"
	api GET "/api/v1/rooms?$q"
	if [ "$STATUS" != 200 ]; then
		not_ok "walk: page $((pages + 1)) is 200" "$(_last)"
		break
	fi
	pages=$((pages + 1))
	seen+="$(jb '.items[].id')"$'\n'
	has_more=$(jb .pagination.has_more)
	next=$(jb .pagination.next_cursor)
	flags+="$pages:$(jb '.items | length'):$(jb .pagination.limit):$has_more:$([ "$next" = null ] && echo null || echo cursor) "
	if [ "$pages" = 1 ]; then
		C1=$next
		LAST_OF_PAGE1=$(jb '.items[-1].id')
	fi
	[ "$has_more" = true ] || break
	if [ "$pages" -ge 50 ]; then
		not_ok "walk ends" "still has_more after 50 pages"
		break
	fi
	cursor=$next
done
is "$pages" "$PAGES_WANT" "walked the list in exactly $PAGES_WANT pages (250 new + $((TOTAL - 250)) older rooms)"
seen=$(grep . <<<"$seen")
is "$(sort -n <<<"$seen" | uniq -d | grep -c .)" 0 "no id appears twice"
is "$seen" "$ALL" "every id appears exactly once, in ascending order"
missing=$(comm -23 <(sort <<<"$MINE") <(sort <<<"$seen") | grep -c .)
is "$missing" 0 "all 250 new rooms were seen"
want_flags=
for ((i = 1; i <= PAGES_WANT; i++)); do
	if [ "$i" -lt "$PAGES_WANT" ]; then
		want_flags+="$i:100:100:true:cursor "
	else
		want_flags+="$i:$((TOTAL - (PAGES_WANT - 1) * 100)):100:false:null "
	fi
done
is "$flags" "$want_flags" "page:items:limit:has_more:next_cursor — full pages with a cursor, the last with has_more false and no cursor"
if [[ ${C1:-} =~ ^[A-Za-z0-9_-]+$ ]]; then ok "the cursor is base64url"; else not_ok "the cursor is base64url" "cursor: $C1"; fi

# A cursor may be used with another limit.
api GET "/api/v1/rooms?limit=7&cursor=$C1"
expect_status 200 "a page-1 cursor with limit=7: 200"
expect_json '.items | length' 7 "... 7 items"
expect_json ".items[0].id > ${LAST_OF_PAGE1:-0}" true "... starting after page 1"

# ---------------------------------------------------------------- forged cursors
# flip S POS: S with the character at POS replaced by another base64url one.
flip() {
	local s=$1 pos=$2 c new
	c=${s:pos:1}
	case $c in A) new=B ;; *) new=A ;; esac
	printf '%s%s%s' "${s:0:pos}" "$new" "${s:pos+1}"
}
if [ -n "$C1" ] && [ "$C1" != null ]; then
	len=${#C1}
	positions="1 5 $((len / 2)) $((len - 2))"
	# The last character carries spare bits unless the length is a multiple of 4.
	[ $((len % 4)) = 0 ] && positions="$positions $((len - 1))"
	for pos in $positions; do
		api GET "/api/v1/rooms?limit=100&cursor=$(flip "$C1" "$pos")"
		expect_status 422 "a cursor with character $pos flipped: 422"
		expect_loc '["query","cursor"]'
	done
	api GET "/api/v1/rooms?cursor=${C1:0:len-2}"
	expect_status 422 "a truncated cursor: 422"
	expect_loc '["query","cursor"]'
	api GET "/api/v1/rooms?cursor=${C1}AA"
	expect_status 422 "a cursor with bytes appended: 422"
	api GET "/api/v1/rooms?cursor=%21%21%21%21"
	expect_status 422 "a cursor that is not base64url: 422"
	expect_loc '["query","cursor"]'
else
	not_ok "forged cursors" "no cursor from page 1"
fi

# Cursors are bound to their list: rooms vs sensors vs sensors with a filter.
s_ids=()
for i in 1 2 3; do
	create_sensor "$(jq -nc --arg n "$P-s$i" '{name: $n, sensor_type: "pir"}')" && s_ids+=("$SENSOR_ID")
done
on_exit 'bulk_delete /api/v1/sensors ${s_ids[*]} >/dev/null'
api GET "/api/v1/sensors?limit=1"
SC=$(jb .pagination.next_cursor)
api GET "/api/v1/sensors?limit=1&cursor=$SC"
expect_status 200 "a sensors cursor works on the sensors list"
api GET "/api/v1/rooms?limit=1&cursor=$SC"
expect_status 422 "a sensors cursor on the rooms list: 422"
expect_loc '["query","cursor"]'
api GET "/api/v1/sensors?limit=1&cursor=$C1"
expect_status 422 "a rooms cursor on the sensors list: 422"
api GET "/api/v1/sensors?limit=1&sensor_type=pir"
SPC=$(jb .pagination.next_cursor)
api GET "/api/v1/sensors?limit=1&sensor_type=pir&cursor=$SPC"
expect_status 200 "a filtered sensors cursor works with the same filter"
api GET "/api/v1/sensors?limit=1&sensor_type=button&cursor=$SPC"
expect_status 422 "a filtered sensors cursor with another filter: 422"
api GET "/api/v1/api-keys?limit=1&cursor=$C1"
expect_status 422 "a rooms cursor on the api-keys list: 422"

# ---------------------------------------------------------------- limit
for bad in 0 1001 abc -1 1.5 "" 99999999999999999999; do
	api GET "/api/v1/rooms?limit=$bad"
	expect_status 422 "limit=$bad: 422"
	expect_loc '["query","limit"]'
done
api GET /api/v1/rooms
expect_status 200 "no limit: 200"
expect_json .pagination.limit 100 "the default limit is 100"
expect_json '.items | length' 100 "... and gives 100 items"
api GET "/api/v1/rooms?limit=1"
expect_json '.items | length' 1 "limit=1: one item"
expect_json .pagination.has_more true "limit=1: has_more"
api GET "/api/v1/rooms?limit=1000"
expect_status 200 "limit=1000: 200"
expect_json .pagination.limit 1000 "limit=1000 is echoed"
expect_json '.items | length' "$(( TOTAL < 1000 ? TOTAL : 1000 ))" "limit=1000: every room"
expect_json 'has("deprecation")' false "cursor mode has no deprecation note"

# ---------------------------------------------------------------- offset (deprecated)
api GET "/api/v1/rooms?offset=10&limit=5"
expect_status 200 "offset=10&limit=5: 200"
expect_json .deprecation "offset pagination is deprecated" "offset mode carries the deprecation note"
is "$(jb '.items[].id' | tr '\n' ' ')" "$(sed -n '11,15p' <<<"$ALL" | tr '\n' ' ')" "offset=10 gives rooms 11..15"
api GET "/api/v1/rooms?offset=0&limit=3"
is "$(jb '.items[].id' | tr '\n' ' ')" "$(sed -n '1,3p' <<<"$ALL" | tr '\n' ' ')" "offset=0 gives the first rooms"
api GET "/api/v1/rooms?offset=$((TOTAL - 2))&limit=5"
expect_json '.items | length' 2 "offset near the end gives what is left"
expect_json .pagination.has_more false "... and has_more false"
for bad in abc -1; do
	api GET "/api/v1/rooms?offset=$bad"
	expect_status 422 "offset=$bad: 422"
	expect_loc '["query","offset"]'
done

finish
