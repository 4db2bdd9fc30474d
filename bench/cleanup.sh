#!/usr/bin/env bash
# Storage cleanup of 100,000 media files on the running dev stack (called
# by bench/run.sh; runnable alone after ./devstack up).
#
#   cleanup    hearth-cleanup under a ceiling that makes it delete the
#              benchmark's media: N rows (created in 2001, so the oldest)
#              and their N small files, in batches of 500 (rows deleted by
#              id and committed, then the files unlinked a folder at a
#              time), then the orphan pass over the whole root
#   baseline   `find DIR -type f -delete` of an identical tree of N files:
#              the unlinking alone, with no database
#
# hearth-cleanup runs with its own copy of hearth.conf: a throwaway media
# root (the stack's own files hard-linked into it, so its rows are no
# orphans there) and a quota that puts exactly the benchmark's rows over
# the ceiling.  The storage settings are put back afterwards.  Prints one
# markdown block.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${BENCH_CLEANUP_FILES:-100000}
PER_DIR=1000
MIB=1048576

calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }
now() { date +%s.%N; }

# The hearth-cleanup of this build (make bench runs in the build
# directory), else of the build the stack runs.
BIN=$PWD/cron/hearth-cleanup
[ -x "$BIN" ] || BIN=${BUILD:-$SRC/.devstack/build}/cron/hearth-cleanup
[ -x "$BIN" ] || die "hearth-cleanup is not built"
[ -f "$STACK/hearth.conf" ] || die "no $STACK/hearth.conf: run ./devstack up"
[ -S "$RUN/mysqld.sock" ] || die "MariaDB of $STACK is not running: run ./devstack up"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hearth-bench-cleanup.XXXXXX")
SAVED=$(sql "SELECT value FROM settings WHERE name = 'storage'")
restore() {
	if [ -n "$SAVED" ]; then
		sql "REPLACE INTO settings (name, value) VALUES ('storage', '$SAVED')"
	else
		sql "DELETE FROM settings WHERE name = 'storage'"
	fi
	sql "DELETE FROM media WHERE rel_path LIKE 'snapshots/bench/%'" || true
	rm -rf "$WORK"
}
trap restore EXIT

# make_tree DIR: N files of 100 bytes, PER_DIR to a folder, as Hearth names them.
make_tree() {
	python3 - "$1" "$N" "$PER_DIR" <<'PY'
import os, sys
root, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = b"x" * 100
for i in range(n):
    d = os.path.join(root, "snapshots/bench/2001/d%03d" % (i // per))
    if i % per == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "snapshot_%06d.jpg" % i), "wb") as f:
        f.write(data)
PY
}

ROOT=$WORK/media
mkdir -p "$ROOT"
MEDIA=$(awk -F' *= *' '/^\[/ { s = $0 } s == "[media]" && $1 == "root" { print $2 }' "$STACK/hearth.conf")
[ -z "$MEDIA" ] || [ ! -d "$MEDIA" ] || cp -al "$MEDIA/." "$ROOT/" 2>/dev/null || cp -a "$MEDIA/." "$ROOT/"

say "making $N files and rows"
make_tree "$ROOT"
# Each row claims 1 MiB, so the quota arithmetic is in whole rows.
sql "INSERT INTO media (kind, rel_path, mime, size_bytes, created_at)
     SELECT 'snapshot', CONCAT('snapshots/bench/2001/d', LPAD((seq - 1) DIV $PER_DIR, 3, '0'),
            '/snapshot_', LPAD(seq - 1, 6, '0'), '.jpg'), 'image/jpeg', $MIB,
            '2001-01-01' + INTERVAL (seq - 1) SECOND
     FROM seq_1_to_$N"
OTHERS=$(sql "SELECT COALESCE(SUM(size_bytes), 0) FROM media WHERE rel_path NOT LIKE 'snapshots/bench/%'")
# Ceiling 50 % of QUOTA MiB = the other rows rounded up + 1 MiB: all the
# benchmark's rows but at most one go.
QUOTA=$(( 2 * ( (OTHERS + MIB - 1) / MIB + 1 ) ))
CONF=$WORK/hearth.conf
cp "$STACK/hearth.conf" "$CONF"
# set KEY VALUE: in the [media] section of $CONF (added when missing).
set_media() {
	awk -v k="$1" -v v="$2" '
		function emit() { print k " = " v; done = 1 }
		/^[[:space:]]*\[/ { if (insec && !done) emit(); insec = ($0 ~ /^[[:space:]]*\[media\]/); print; next }
		insec { line = $0; sub(/[;#].*/, "", line)
			if (split(line, kv, "=") >= 2) { key = kv[1]; gsub(/[[:space:]]/, "", key)
				if (key == k) { if (!done) emit(); next } } }
		{ print }
		END { if (!done) { if (!insec) print "[media]"; emit() } }' "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
}
set_media root "$ROOT"
set_media quota_mb "$QUOTA"
set_media cleanup_lock "$WORK/cleanup.lock"
sql "REPLACE INTO settings (name, value) VALUES ('storage', '{\"enabled\": true, \"max_percent\": 50, \"retention_days\": 3650}')"

say "hearth-cleanup"
t0=$(now)
"$BIN" -c "$CONF" >"$WORK/cleanup.out" 2>&1 || die "hearth-cleanup failed: $(tail -n 3 "$WORK/cleanup.out")"
t1=$(now)
LEFT=$(sql "SELECT COUNT(*) FROM media WHERE rel_path LIKE 'snapshots/bench/%'")
DELETED=$((N - LEFT))
FILES_LEFT=$(find "$ROOT/snapshots/bench" -type f 2>/dev/null | wc -l)
[ "$FILES_LEFT" -eq "$LEFT" ] || die "cleanup left $FILES_LEFT files for $LEFT rows"
CLEAN_S=$(calc "$t1 - $t0" 3)

say "baseline: find -delete"
BASE=$WORK/baseline
make_tree "$BASE"
sync
t0=$(now)
find "$BASE" -type f -delete
t1=$(now)
BASE_S=$(calc "$t1 - $t0" 3)

cat <<MD

### Cleanup ($(date -u +%Y-%m-%d), $(nproc) cores)

| measure | value | baseline | ratio |
|---|---|---|---|
| hearth-cleanup: $DELETED media rows and files deleted | $CLEAN_S s ($(calc "$DELETED / $CLEAN_S" 0) /s) | \`find -delete\` of $N files: $BASE_S s ($(calc "$N / $BASE_S" 0) /s) | $(calc "$CLEAN_S / $BASE_S")× |

Batches of 500 rows (one DELETE of their ids each, committed before the
files are unlinked, one unlinkat() a file in an open folder), then the
orphan pass (every row read, the whole root walked).  \`find -delete\`
varies a lot with the disk's other work: compare runs, not one figure.
Reproduce: \`./devstack up && bench/cleanup.sh\`.
MD
