#!/bin/bash
# cron/hearth-cleanup on the stack's database and a throwaway media root
# (its own copy of hearth.conf: [media] root, quota_mb, cleanup_lock):
#   - automatic deletion off: only orphans go: an orphan row at once, orphan
#     files and .tmp leftovers only past orphan_grace_minutes (by ctime as
#     well as mtime, since a file moved into place keeps its mtime: so the
#     test runs once with the grace of 10 minutes, then with 0); every
#     media stays;
#   - on, under a small ceiling (quota basis): the oldest media go, a
#     thumbnail with its recording, the newest stay, and usage ends at or
#     below max_percent; detections and closed security events past
#     retention_days go with the detections' images, recent ones stay;
#   - one summary line in the log and one audit row (actor hearth-cleanup);
#   - with MariaDB stopped it deletes nothing and exits non-zero.
#
# The media rows of the test are made older than any other (created_at in
# 2001), so the ceiling reaches them first; rows other files left on the
# stack keep their files (hard links in the throwaway root), so they are
# no orphans there.
. "$(dirname "$0")/lib.sh"

P="cleanup-$RUN_ID"
MIB=1048576
ROOT=$T/media
CONF=$T/cleanup.conf
BIN=$HEARTH_BUILD_DIR/cron/hearth-cleanup
on_exit '[ -z "${DB_DOWN:-}" ] || devstack start mariadb >/dev/null 2>&1'

SAVED=$(sql "SELECT value FROM settings WHERE name = 'storage'")
if [ -n "$SAVED" ]; then
	printf '%s' "$SAVED" >"$T/storage.saved"
	on_exit "sql \"REPLACE INTO settings (name, value) VALUES ('storage', '\$(cat \"\$T/storage.saved\")')\""
else
	on_exit "sql \"DELETE FROM settings WHERE name = 'storage'\""
fi
sql "DELETE FROM settings WHERE name = 'storage'"

# The throwaway root: the stack's files as hard links, then the test's own.
mkdir -p "$ROOT"
STACK_MEDIA=$(config_get media root)
if [ -d "$STACK_MEDIA" ]; then
	cp -al "$STACK_MEDIA/." "$ROOT/" 2>/dev/null || cp -a "$STACK_MEDIA/." "$ROOT/"
fi
OTHERS=$(sql "SELECT COALESCE(SUM(size_bytes), 0) FROM media")
OTHER_ROWS=$(sql "SELECT COUNT(*) FROM media")
# Ceiling 50 % of QUOTA MiB = the other rows' bytes rounded up + 5 MiB:
# of the test's ten 1 MiB media (row sizes), exactly the five oldest go.
QUOTA=$(( 2 * ( (OTHERS + MIB - 1) / MIB + 5 ) ))
cp "$HEARTH_CONFIG" "$CONF"
config_set media root "$ROOT" "$CONF"
config_set media quota_mb "$QUOTA" "$CONF"
config_set media cleanup_lock "$T/cleanup.lock" "$CONF"
config_set media orphan_grace_minutes 10 "$CONF"

# A camera for the rows to belong to.
create_camera "$P-cam" || not_ok "a camera for the rows" "$(_last)"
on_exit "sql \"DELETE FROM sensors WHERE id = $CAM\""

# media N DAYS_OLD: a snapshot row of 1 MiB (row size; the file is small),
# created DAYS_OLD days into 2001 from the end; prints its id.
media() {
	local rel="snapshots/$CAM/2001/01/$(printf %02d "$1")/snapshot_$P-$1.jpg"
	mkdir -p "$ROOT/$(dirname "$rel")"
	printf 'jpeg %s' "$1" >"$ROOT/$rel"
	sql "INSERT INTO media (kind, camera_id, rel_path, mime, size_bytes, taken_at, created_at)
	     VALUES ('${3:-snapshot}', $CAM, '$rel', 'image/jpeg', ${2:-$MIB},
	             '2001-01-01' + INTERVAL $1 DAY, '2001-01-01' + INTERVAL $1 DAY);
	     SELECT LAST_INSERT_ID()"
}
IDS=()
for i in 1 2 3 4 5 6 7 8 9 10; do
	IDS+=("$(media "$i")")
done
# The oldest is a recording with a thumbnail (0 bytes, so the sums stay).
sql "UPDATE media SET kind = 'recording', mime = 'video/mp4' WHERE id = ${IDS[0]}"
THUMB_REL="snapshots/$CAM/2001/01/01/snapshot_$P-1.thumb.jpg"
printf 'thumb' >"$ROOT/$THUMB_REL"
THUMB=$(sql "INSERT INTO media (kind, camera_id, parent_id, rel_path, mime, size_bytes, created_at)
	     VALUES ('thumbnail', $CAM, ${IDS[0]}, '$THUMB_REL', 'image/jpeg', 0, '2026-01-01');
	     SELECT LAST_INSERT_ID()")
on_exit "sql \"DELETE FROM media WHERE rel_path LIKE 'snapshots/$CAM/%' OR rel_path LIKE 'detections/$CAM/%'\""

# Orphans: a row without its file; files without a row, old and young;
# .tmp leftovers, old and young.
ORPHAN_ROW=$(sql "INSERT INTO media (kind, camera_id, rel_path, mime, size_bytes)
	VALUES ('snapshot', $CAM, 'snapshots/$CAM/2001/02/01/gone_$P.jpg', 'image/jpeg', 0);
	SELECT LAST_INSERT_ID()")
mkdir -p "$ROOT/snapshots/$CAM/2001/03/01" "$ROOT/.tmp"
printf old >"$ROOT/snapshots/$CAM/2001/03/01/stray_old.jpg"
printf part >"$ROOT/.tmp/upload_old.part"
touch -d '2 hours ago' "$ROOT/snapshots/$CAM/2001/03/01/stray_old.jpg" "$ROOT/.tmp/upload_old.part"

# Retention: detections and closed security events 40 and 2 days old.
mkdir -p "$ROOT/detections/$CAM"
printf img >"$ROOT/detections/$CAM/old_$P.jpg"
printf img >"$ROOT/detections/$CAM/new_$P.jpg"
IMG_OLD=$(sql "INSERT INTO media (kind, camera_id, rel_path, mime, size_bytes)
	VALUES ('detection_image', $CAM, 'detections/$CAM/old_$P.jpg', 'image/jpeg', 0); SELECT LAST_INSERT_ID()")
IMG_NEW=$(sql "INSERT INTO media (kind, camera_id, rel_path, mime, size_bytes)
	VALUES ('detection_image', $CAM, 'detections/$CAM/new_$P.jpg', 'image/jpeg', 0); SELECT LAST_INSERT_ID()")
EV_OLD=$(sql "INSERT INTO event_logs (kind, status, camera_id, created_at, last_at, finished_at)
	VALUES ('security', 'completed', $CAM, NOW() - INTERVAL 40 DAY, NOW() - INTERVAL 40 DAY, NOW() - INTERVAL 40 DAY);
	SELECT LAST_INSERT_ID()")
EV_NEW=$(sql "INSERT INTO event_logs (kind, status, camera_id, created_at, last_at, finished_at)
	VALUES ('security', 'completed', $CAM, NOW() - INTERVAL 2 DAY, NOW() - INTERVAL 2 DAY, NOW() - INTERVAL 2 DAY);
	SELECT LAST_INSERT_ID()")
on_exit "sql \"DELETE FROM event_logs WHERE id IN ($EV_OLD, $EV_NEW)\""
DET_OLD=$(sql "INSERT INTO detections (camera_id, event_id, source, external_id, object_type, confidence, image_media_id, detected_at)
	VALUES ($CAM, $EV_OLD, '$P', 'old', 'person', 0.9, $IMG_OLD, NOW() - INTERVAL 40 DAY); SELECT LAST_INSERT_ID()")
DET_NEW=$(sql "INSERT INTO detections (camera_id, event_id, source, external_id, object_type, confidence, image_media_id, detected_at)
	VALUES ($CAM, $EV_NEW, '$P', 'new', 'person', 0.9, $IMG_NEW, NOW() - INTERVAL 2 DAY); SELECT LAST_INSERT_ID()")
on_exit "sql \"DELETE FROM detections WHERE source = '$P'\""

count_files() { find "$ROOT" -type f | wc -l; }
exists() { [ -e "$ROOT/$1" ]; }

# ---------------------------------------------------------------- off: orphans only
"$BIN" -c "$CONF" >"$T/run1.out" 2>&1
is "$?" 0 "hearth-cleanup (automatic deletion off) exits 0"
is "$(sql "SELECT COUNT(*) FROM media WHERE id = $ORPHAN_ROW")" 0 "the orphan row is gone"
check "an orphan file changed (ctime) within the grace stays, whatever its mtime" \
	exists "snapshots/$CAM/2001/03/01/stray_old.jpg"
check "a .tmp file changed within the grace stays" exists ".tmp/upload_old.part"
if grep -q "cleanup: usage" "$T/run1.out" && grep -q "1 orphan rows, 0 orphan files" "$T/run1.out"; then
	ok "one summary line with the orphan row"
else
	not_ok "one summary line with the orphan row" "$(cat "$T/run1.out")"
fi
config_set media orphan_grace_minutes 0 "$CONF"
"$BIN" -c "$CONF" >"$T/run1b.out" 2>&1
is "$?" 0 "hearth-cleanup with no grace exits 0"
check "the orphan file is gone" test ! -e "$ROOT/snapshots/$CAM/2001/03/01/stray_old.jpg"
check "the .tmp leftover is gone" test ! -e "$ROOT/.tmp/upload_old.part"
check "the .tmp folder itself stays" test -d "$ROOT/.tmp"
check "the folder the orphan left empty is gone" test ! -e "$ROOT/snapshots/$CAM/2001/03"
is "$(sql "SELECT COUNT(*) FROM media WHERE camera_id = $CAM AND kind IN ('snapshot', 'recording', 'thumbnail')")" 11 \
	"off: no media deleted by the ceiling"
is "$(sql "SELECT COUNT(*) FROM detections WHERE source = '$P'")" 2 "off: no detection deleted"
is "$(sql "SELECT COUNT(*) FROM media WHERE camera_id IS NULL OR camera_id <> $CAM")" "$OTHER_ROWS" \
	"the other files' rows are all there"

# ---------------------------------------------------------------- on: ceiling and retention
api PUT /api/v1/storage '{"enabled": true, "max_percent": 50, "retention_days": 30}'
expect_status 200 "automatic deletion on, ceiling 50 %, 30 days"
AUDITS=$(sql "SELECT COUNT(*) FROM audit_log WHERE actor = 'hearth-cleanup'")
"$BIN" -c "$CONF" >"$T/run2.out" 2>&1
is "$?" 0 "hearth-cleanup (on) exits 0"
gone=0 kept=0
for i in 0 1 2 3 4; do
	[ "$(sql "SELECT COUNT(*) FROM media WHERE id = ${IDS[$i]}")" = 0 ] && ! exists "snapshots/$CAM/2001/01/$(printf %02d $((i + 1)))/snapshot_$P-$((i + 1)).jpg" &&
		gone=$((gone + 1))
done
for i in 5 6 7 8 9; do
	[ "$(sql "SELECT COUNT(*) FROM media WHERE id = ${IDS[$i]}")" = 1 ] && exists "snapshots/$CAM/2001/01/$(printf %02d $((i + 1)))/snapshot_$P-$((i + 1)).jpg" &&
		kept=$((kept + 1))
done
is "$gone" 5 "the five oldest media went, rows and files"
is "$kept" 5 "the five newest stayed, rows and files"
is "$(sql "SELECT COUNT(*) FROM media WHERE id = $THUMB")" 0 "the oldest recording's thumbnail went with it (row)"
check "... and its file" test ! -e "$ROOT/$THUMB_REL"
used=$(sql "SELECT COALESCE(SUM(size_bytes), 0) FROM media")
check "usage is at or below the ceiling now" test "$used" -le $((QUOTA * MIB / 2))
is "$(sql "SELECT COUNT(*) FROM media WHERE camera_id IS NULL OR camera_id <> $CAM")" "$OTHER_ROWS" "the other files' media are all there (newer than the test's)"
is "$(sql "SELECT COUNT(*) FROM detections WHERE id = $DET_OLD")" 0 "the 40-day-old detection went"
is "$(sql "SELECT COUNT(*) FROM detections WHERE id = $DET_NEW")" 1 "the 2-day-old detection stayed"
is "$(sql "SELECT COUNT(*) FROM media WHERE id = $IMG_OLD")" 0 "the old detection's image row went"
check "... and its file" test ! -e "$ROOT/detections/$CAM/old_$P.jpg"
check "the recent detection's image stayed" exists "detections/$CAM/new_$P.jpg"
is "$(sql "SELECT COUNT(*) FROM event_logs WHERE id = $EV_OLD")" 0 "the 40-day-old security event went"
is "$(sql "SELECT COUNT(*) FROM event_logs WHERE id = $EV_NEW")" 1 "the 2-day-old security event stayed"
is "$(sql "SELECT COUNT(*) FROM audit_log WHERE actor = 'hearth-cleanup'")" $((AUDITS + 1)) "one audit row by hearth-cleanup"
is "$(sql "SELECT path LIKE 'cleanup: deleted 6 media%' FROM audit_log WHERE actor = 'hearth-cleanup' ORDER BY id DESC LIMIT 1")" 1 \
	"the audit row says what went (5 media and a thumbnail)"
is "$(grep -c 'cleanup: usage' "$T/run2.out")" 1 "one summary line in the log"

"$BIN" -c "$CONF" >"$T/run3.out" 2>&1
is "$?" 0 "a second run exits 0"
is "$(sql "SELECT COUNT(*) FROM media WHERE camera_id = $CAM AND kind = 'snapshot'")" 5 "a second run under the ceiling deletes nothing more"

# ---------------------------------------------------------------- MariaDB stopped
api PUT /api/v1/storage '{"max_percent": 1}'
expect_status 200 "a ceiling of 1 %: everything would go"
mkdir -p "$ROOT/snapshots/$CAM/2001/04/01"
printf stray >"$ROOT/snapshots/$CAM/2001/04/01/stray.jpg"
FILES1=$(count_files)
devstack stop mariadb >"$T/out" 2>&1
DB_DOWN=1
"$BIN" -c "$CONF" >"$T/run4.out" 2>&1
rc=$?
check "DB down: hearth-cleanup exits non-zero ($rc)" test "$rc" -ne 0
is "$rc" 69 "DB down: exit status 69 (unavailable)"
if grep -q "nothing deleted" "$T/run4.out"; then
	ok "DB down: the message says nothing was deleted"
else
	not_ok "DB down: the message says nothing was deleted" "$(cat "$T/run4.out")"
fi
is "$(count_files)" "$FILES1" "DB down: no file deleted (not even the old orphan)"
devstack start mariadb >"$T/out" 2>&1
DB_DOWN=
wait_until 30 status_is 200 GET /api/v1/storage
is "$(sql "SELECT COUNT(*) FROM media WHERE camera_id = $CAM AND kind = 'snapshot'")" 5 "DB back: the rows are all there"

finish
