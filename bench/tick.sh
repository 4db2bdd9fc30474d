#!/usr/bin/env bash
# The scheduler's cost: one hearth-tick pass over 10,000 enabled cron rules,
# timed by hearth-tick itself (--once --verbose logs the pass in ms, without
# the process start and the connection).
#
#   idle   none of them due: the cost every second of every minute
#   due    N of them due at once (BENCH_TICK_DUE, default 100): each is
#          claimed, offered to the gate, run (no steps) and moved on
#
# Needs `./devstack up`.  The stack's own tick is stopped for the
# measurement (it would take the due rules) and started again after.  The
# rules, bench-tick-00001..10000, are made by SQL and deleted at the end
# (their runs stay in the history, under their names).  Prints a block for
# bench/RESULTS.md; called by bench/run.sh, or alone.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RULES=10000
DUE=${BENCH_TICK_DUE:-100}
REPEAT=${BENCH_TICK_REPEAT:-5}


# The hearth-tick of this build (make bench runs in the build directory),
# else of the build the stack runs.
TICK=$PWD/cron/hearth-tick
[ -x "$TICK" ] || TICK=${BUILD:-$SRC/.devstack/build}/cron/hearth-tick
[ -x "$TICK" ] || die "hearth-tick is not built"
[ -f "$STACK/hearth.conf" ] || die "no $STACK/hearth.conf: run ./devstack up"
[ -S "$RUN/mysqld.sock" ] || die "MariaDB of $STACK is not running: run ./devstack up"

sql() {
	mariadb --no-defaults --socket="$RUN/mysqld.sock" -u "$(id -un)" -N -B hearth -e "$1"
}
devstack() { HEARTH_STACK_DIR=$STACK "$SRC/devstack" "$@" >/dev/null; }

# Put things back however the run ends.
restore() {
	sql "DELETE FROM rules WHERE name LIKE 'bench-tick-%'" || true
	devstack start tick || say "could not start the stack's tick again: ./devstack start tick"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
devstack stop tick

# Every rule due tomorrow at 03:00 (UTC), far from any pass below.
say "$RULES cron rules (bench-tick-*)"
sql "INSERT IGNORE INTO rules (name, trigger_type, schedule_cron, enabled, cool_off_minutes,
	max_daily_triggers)
	SELECT CONCAT('bench-tick-', LPAD(seq, 5, '0')), 'cron', '0 3 * * *', FALSE, 0, 1000000
	FROM seq_1_to_$RULES"
reset_rules() {
	sql "UPDATE rules SET enabled = TRUE,
		next_fire_at = TIMESTAMP(CURRENT_DATE + INTERVAL 1 DAY, '03:00:00')
		WHERE name LIKE 'bench-tick-%'"
}
reset_rules
count=$(sql "SELECT COUNT(*) FROM rules WHERE trigger_type = 'cron' AND enabled")
[ "$count" -ge "$RULES" ] || die "only $count enabled cron rules"

# pass: one hearth-tick --once; prints "MS FIRED".  A lock of its own, so
# that nothing else of the stack's is waited for.
pass() {
	local out
	out=$(HEARTH_ENGINE_TICK_LOCK=$RUN/bench-tick.lock "$TICK" -c "$STACK/hearth.conf" --once --verbose 2>&1) ||
		die "hearth-tick failed: $out"
	sed -n 's/.*pass: .*fired \([0-9]*\) cron.*(\([0-9.]*\) ms).*/\2 \1/p' <<<"$out" | tail -n1
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

pass >/dev/null # warm-up: connection, statements, buffer pool
idle=$(for _ in $(seq "$REPEAT"); do pass | cut -d' ' -f1; done | median)
say "idle pass: $idle ms (median of $REPEAT)"

due_ms=()
due_fired=0
for _ in $(seq "$REPEAT"); do
	reset_rules
	sql "UPDATE rules SET next_fire_at = NOW(3) - INTERVAL 1 SECOND
		WHERE name LIKE 'bench-tick-%' ORDER BY id LIMIT $DUE"
	read -r ms fired < <(pass)
	due_ms+=("$ms")
	due_fired=$fired
	[ "$fired" = "$DUE" ] || die "$DUE rules were due, $fired fired"
	sleep 1 # the next round's instants are a second later: new claims
done
due=$(printf '%s\n' "${due_ms[@]}" | median)
per=$(awk -v t="$due" -v i="$idle" -v n="$DUE" 'BEGIN { printf "%.2f", (t - i) / n }')
say "pass with $DUE due: $due ms (median of $REPEAT), $per ms per run started"

cat <<EOF

Scheduler: one \`hearth-tick --once\` pass over $RULES enabled cron rules (time of the pass
itself, median of $REPEAT):

| tick pass | due | fired | ms |
|---|---:|---:|---:|
| none due | 0 | 0 | $idle |
| $DUE due at once | $DUE | $due_fired | $due |

$per ms per run started (claim, gate, run with no steps, next_fire_at moved on).
EOF
