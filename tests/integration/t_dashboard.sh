#!/bin/bash
# The dashboard in real headless Chromium (tests/browser/dashboard.py):
# every page signed in as an admin and the caregiver's view, no console
# errors or failed requests, axe-core's serious and critical checks, a live
# prompt answered and a live alert dismissed on Home.  Screenshots of every
# page at 1280x900 and 390x844 go to $HEARTH_BUILD_DIR/screenshots.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
SCRIPT=$HEARTH_SRC_DIR/tests/browser/dashboard.py
AXE=$HEARTH_SRC_DIR/tests/browser/vendor/axe-core/axe.min.js
SHOTS=$HEARTH_BUILD_DIR/screenshots
if [ ! -x /usr/bin/chromedriver ] || ! "$PY" -c 'import selenium' 2>/dev/null; then
	not_ok "the dashboard in Chromium" "needs chromium, chromium-driver and python3-selenium (./devstack installs them)"
	finish
fi
rm -rf "$SHOTS"
out=$(timeout 600 "$PY" "$SCRIPT" --url "$URL" --admin-key "$ADMIN" --out "$SHOTS" --axe "$AXE" 2>&1)
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
elif [ "$seen" -lt 30 ]; then
	not_ok "the browser script reported every step" "$(tail -n 20 <<<"$out")"
fi
finish
