#!/bin/bash
# Media files are served by nginx only through X-Accel-Redirect after the
# API found their row: Range gives 206 with Content-Range, a range past the
# end 416; /_media/ is not reachable from outside; ids that try a path
# (../, %2e%2e, %2F, absolute, NUL, overlong) never reach a file; a symlink
# in the media root pointing outside is never served, not even when a row
# names it.
. "$(dirname "$0")/lib.sh"

P="mp-$RUN_ID"
MEDIA=$HEARTH_STACK_DIR/media
on_exit "sql \"DELETE FROM media WHERE camera_name LIKE '$P%' OR rel_path LIKE 'snapshots/$P%'\"; sql \"DELETE FROM sensors WHERE name LIKE '$P%'\"; rm -rf '$MEDIA/snapshots/$P'"

# A snapshot row and its file, made directly (the grab itself is t_cameras').
api POST /api/v1/cameras "$(jq -nc --arg n "$P-cam" '{name: $n}')"
CAM=$(jb .id)
mkdir -p "$MEDIA/snapshots/$P"
ffmpeg -v error -f lavfi -i testsrc=size=640x480:rate=1 -frames:v 1 -y "$MEDIA/snapshots/$P/a.jpg"
SIZE=$(stat -c %s "$MEDIA/snapshots/$P/a.jpg")
sql "INSERT INTO media (kind, camera_id, camera_name, rel_path, mime, size_bytes) VALUES ('snapshot', $CAM, '$P-cam', 'snapshots/$P/a.jpg', 'image/jpeg', $SIZE)"
SNAP=$(sql "SELECT id FROM media WHERE rel_path = 'snapshots/$P/a.jpg'")

# ---------------------------------------------------------------- Range through nginx
api GET "/api/v1/snapshots/$SNAP/image" '' -H "Range: bytes=0-99"
expect_status 206 "a Range request gets 206"
expect_header Content-Range "^bytes 0-99/$SIZE$"
curl -sk -H "X-API-Key: $ADMIN" -H "Range: bytes=0-99" -o "$T/part" "$URL/api/v1/snapshots/$SNAP/image"
is "$(stat -c %s "$T/part")" 100 "100 bytes came"
check "the first 100 bytes of the file" cmp -s "$T/part" <(head -c 100 "$MEDIA/snapshots/$P/a.jpg")
api GET "/api/v1/snapshots/$SNAP/image" '' -H "Range: bytes=$((SIZE - 10))-"
expect_status 206 "an open-ended range"; expect_header Content-Range "^bytes $((SIZE - 10))-$((SIZE - 1))/$SIZE$"
api GET "/api/v1/snapshots/$SNAP/image" '' -H "Range: bytes=$((SIZE + 100))-"
expect_status 416 "a range past the end gets 416"
api GET "/api/v1/snapshots/$SNAP/image"
expect_status 200; expect_header Content-Type '^image/jpeg'
expect_header Content-Length "^$SIZE$"
KEY= api GET "/api/v1/snapshots/$SNAP/image"
expect_status 401 "no key, no image"
check "no X-Accel-Redirect ever reaches the client" bash -c "! grep -qi '^x-accel' '$HEADERS'"
api GET "/api/v1/snapshots/$SNAP/image"
check "not on a served image either" bash -c "! grep -qi '^x-accel' '$HEADERS'"

# ---------------------------------------------------------------- /_media/ is internal
for p in "/_media/snapshots/$P/a.jpg" "/_media/" "/_media/../hearth.conf" "/_MEDIA/snapshots/$P/a.jpg" "/api/../_media/snapshots/$P/a.jpg" "/%5Fmedia/snapshots/$P/a.jpg"; do
	api GET "$p" '' --path-as-is
	expect_status "404|400" "GET $p from outside is refused"
done
if [ -n "$HTTP_URL" ]; then
	api GET "$HTTP_URL/_media/snapshots/$P/a.jpg"
	expect_status "404|400|301|308" "nor over plain HTTP"
	[ "$STATUS" = 200 ] && not_ok "plain HTTP served a media file"
fi

# ---------------------------------------------------------------- ids that are paths
for id in "..%2F..%2Fetc%2Fpasswd" "%2e%2e" "%2e%2e%2f%2e%2e%2fetc%2fpasswd" "..%252F..%252Fetc" "%2Fetc%2Fpasswd" \
	"..\\..\\etc" "1%00" "%00" "1%2F..%2F2" "$SNAP%2F..%2F..%2Fhearth.conf" "-1" "0" "99999999999999999999999" \
	"$(printf '9%.0s' $(seq 300))" "1.0" "0x1" "+1" "%201" "$SNAP;" "snapshots%2F$P%2Fa.jpg"; do
	api GET "/api/v1/snapshots/$id/image" '' --path-as-is
	expect_status "400|404|422" "GET /snapshots/$id/image is refused"
	api DELETE "/api/v1/snapshots/$id" '' --path-as-is
	expect_status "400|404|405|422" "DELETE /snapshots/$id is refused"
done
for p in "/api/v1/snapshots/$SNAP/../../../etc/passwd" "/api/v1/snapshots/$SNAP/image/../../../../hearth.conf" \
	"/api/v1/snapshots/$SNAP/image%2F..%2F..%2Fhearth.conf"; do
	api GET "$p" '' --path-as-is
	case $STATUS in 200) not_ok "GET $p is never a file" "$(_last)" ;; *) ok "GET $p is never a file ($STATUS)" ;; esac
done
check "the file is still there" test -f "$MEDIA/snapshots/$P/a.jpg"

# ---------------------------------------------------------------- symlinks out of the root
SECRET_FILE=$T/outside-secret.txt
echo "outside-$RUN_ID" >"$SECRET_FILE"
chmod 644 "$SECRET_FILE"; chmod 755 "$T"
ln -s "$SECRET_FILE" "$MEDIA/snapshots/$P/evil.jpg"
ln -s / "$MEDIA/snapshots/$P/root"
api GET "/_media/snapshots/$P/evil.jpg" '' --path-as-is
expect_status 404 "a symlink in the media root is not reachable from outside"
# Even a row naming it (a file swapped for a link behind Hearth's back).
sql "INSERT INTO media (kind, camera_id, camera_name, rel_path, mime, size_bytes) VALUES ('snapshot', $CAM, '$P-cam', 'snapshots/$P/evil.jpg', 'image/jpeg', 1)"
EVIL=$(sql "SELECT id FROM media WHERE rel_path = 'snapshots/$P/evil.jpg'")
api GET "/api/v1/snapshots/$EVIL/image"
case $BODY in
*"outside-$RUN_ID"*) not_ok "a row naming a symlink out of the media root is never served" "$(_last)" ;;
*) ok "a row naming a symlink out of the media root is never served ($STATUS)" ;;
esac
sql "INSERT INTO media (kind, camera_id, camera_name, rel_path, mime, size_bytes) VALUES ('snapshot', $CAM, '$P-cam', 'snapshots/$P/root/etc/hostname', 'image/jpeg', 1)"
EVIL2=$(sql "SELECT id FROM media WHERE rel_path = 'snapshots/$P/root/etc/hostname'")
api GET "/api/v1/snapshots/$EVIL2/image"
expect_status "403|404|500" "nor through a symlinked directory"
# A row whose path is not one Hearth makes is refused before nginx.
sql "INSERT INTO media (kind, camera_id, camera_name, rel_path, mime, size_bytes) VALUES ('snapshot', $CAM, '$P-cam', 'snapshots/$P/../../../hearth.conf', 'image/jpeg', 1)"
BAD=$(sql "SELECT id FROM media WHERE rel_path = 'snapshots/$P/../../../hearth.conf'")
api GET "/api/v1/snapshots/$BAD/image"
expect_status 500 "a stored path with .. is refused by the API"
case $BODY in *"[media]"*|*"[database]"*) not_ok "and hearth.conf is not served" ;; *) ok "and hearth.conf is not served" ;; esac
sql "DELETE FROM media WHERE id IN ($EVIL, $EVIL2, $BAD)"
finish
