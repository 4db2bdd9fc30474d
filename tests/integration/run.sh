#!/bin/bash
# Run the integration tests against a running stack: every t_*.sh (or the
# files named on the command line), each under a timeout, then one summary
# line "N passed, N failed".  Exit status 0 only when nothing failed.
#
# Normally started by `./devstack test`, which brings up a fresh stack and
# exports HEARTH_TEST_URL and friends (see lib.sh).
set -u

if [ -z "${HEARTH_TEST_URL:-}" ]; then
	echo "HEARTH_TEST_URL is not set: the integration tests need a running stack." >&2
	echo "Run them with:  ./devstack test   (from the top of the source tree)" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
timeout_s=${HEARTH_TEST_TIMEOUT:-300}

# Cheap, read-mostly files first; files that stop and restart parts of the
# stack last, so a fault they leave behind cannot hide other results.  Any
# t_*.sh not named here runs after these, in name order.
order="t_health t_errors t_auth t_pagination t_rooms t_sensors t_rules t_people t_sensor_input t_list_cache t_faults t_lifecycle"

files=()
if [ $# -gt 0 ]; then
	for a in "$@"; do
		a=${a%.sh}
		files+=("$here/$(basename "$a").sh")
	done
else
	for t in $order; do
		[ -f "$here/$t.sh" ] && files+=("$here/$t.sh")
	done
	for f in "$here"/t_*.sh; do
		case " $order " in *" $(basename "$f" .sh) "*) continue ;; esac
		files+=("$f")
	done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hearth-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

total_pass=0
total_fail=0
summary=()
for f in "${files[@]}"; do
	name=$(basename "$f" .sh)
	log=$tmp/$name.log
	counts=$tmp/$name.counts
	echo "# ---- $name"
	start=$SECONDS
	if [ ! -f "$f" ]; then
		echo "not ok - $name: no such test file"
		rc=127
	else
		HEARTH_IT_COUNTS=$counts timeout -k 60 "$timeout_s" bash "$f" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	fi
	took=$((SECONDS - start))
	if [ -s "$counts" ]; then
		read -r p fl <"$counts"
	else
		# The file died before finish: count what it printed.
		p=$(grep -c '^ok ' "$log" 2>/dev/null)
		fl=$(grep -c '^not ok ' "$log" 2>/dev/null)
	fi
	p=${p:-0}
	fl=${fl:-0}
	note=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		note=" (timed out after ${timeout_s} s)"
		fl=$((fl + 1))
	elif [ "$rc" -ne 0 ] && [ "$fl" -eq 0 ]; then
		note=" (exited with status $rc)"
		fl=$((fl + 1))
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + fl))
	summary+=("$(printf '%-14s %4d passed, %3d failed  %4d s%s' "$name" "$p" "$fl" "$took" "$note")")
done

echo "# ---- results"
for line in "${summary[@]}"; do
	echo "# $line"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
