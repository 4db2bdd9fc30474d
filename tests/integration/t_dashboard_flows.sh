#!/bin/bash
# Whole tasks through the dashboard in real headless Chromium
# (tests/browser/flows.py), each checked through the API afterwards: a room
# and a sensor with its settings on /rooms; a rule built in the editor
# (condition, prompt, warning) run with "Run now", its prompt answered and
# its alert dismissed live on Home; a security event reviewed with a note;
# zones drawn by clicks and by typed corners on a camera's picture; a
# recording played in the page (metadata, time advancing, 206 from nginx).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
SCRIPT=$HEARTH_SRC_DIR/tests/browser/flows.py
P="flows-$RUN_ID"
MEDIA=$HEARTH_STACK_DIR/media
if [ ! -x /usr/bin/chromedriver ] || ! "$PY" -c 'import selenium' 2>/dev/null; then
	not_ok "the dashboard flows in Chromium" "needs chromium, chromium-driver and python3-selenium (./devstack installs them)"
	finish
fi
command -v ffmpeg >/dev/null || { skip "the dashboard flows in Chromium" "ffmpeg missing"; finish; }

# What the API cannot delete: the detection, its event and its picture;
# the rule's run, its alert, prompt and delivery jobs.
cleanup() {
	local f runs="SELECT id FROM workflow_executions WHERE rule_name LIKE '$P%'"
	for f in $(sql "SELECT rel_path FROM media WHERE camera_name LIKE '$P%'"); do
		rm -f "$MEDIA/$f"
	done
	sql "DELETE FROM jobs WHERE execution_id IN ($runs) OR alert_id IN (SELECT id FROM alerts WHERE execution_id IN ($runs));
		DELETE FROM alerts WHERE execution_id IN ($runs)
			OR source_key IN (SELECT CONCAT('security:', id) FROM event_logs WHERE camera_name LIKE '$P%');
		DELETE FROM workflow_executions WHERE rule_name LIKE '$P%';
		DELETE FROM detections WHERE camera_name LIKE '$P%';
		DELETE FROM event_logs WHERE camera_name LIKE '$P%' OR rule_name LIKE '$P%';
		DELETE FROM media WHERE camera_name LIKE '$P%'"
}
on_exit cleanup

out=$(timeout 240 "$PY" "$SCRIPT" --url "$URL" --admin-key "$ADMIN" --prefix "$P" 2>&1)
rc=$?
seen=0
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }"; seen=$((seen + 1)) ;;
	"not ok - "*) not_ok "${line#not ok - }"; seen=$((seen + 1)) ;;
	"#"*) echo "$line" ;;
	esac
done <<<"$out"
if [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then
	not_ok "the browser script ran to the end" "exit status $rc" "$(tail -n 20 <<<"$out")"
elif [ "$seen" -lt 40 ]; then
	not_ok "the browser script reported every step" "$(tail -n 20 <<<"$out")"
fi
finish
