#!/bin/bash
# Passkeys in a real browser: headless Chromium with a virtual
# authenticator (CTAP2, internal, user verification) on the stack's own
# origin, https://localhost:<port>/ (an IP address cannot be a relying
# party id).  tests/browser/passkeys.py signs a person in with a password,
# registers a passkey, signs out, signs in with the passkey, and replays
# the assertion; each of its "ok"/"not ok" lines is counted here.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
SCRIPT=$HEARTH_SRC_DIR/tests/browser/passkeys.py
if [ ! -x /usr/bin/chromedriver ] || ! "$PY" -c 'import selenium' 2>/dev/null; then
	skip "passkeys in Chromium" "needs chromium, chromium-driver and python3-selenium"
	finish
fi
PORT=${URL##*:}
BROWSER_URL=https://localhost:$PORT
if [ "$(config_get auth origin)" != "$BROWSER_URL" ]; then
	skip "passkeys in Chromium" "[auth] origin is not $BROWSER_URL"
	finish
fi

out=$(timeout 240 "$PY" "$SCRIPT" --url "$BROWSER_URL" --admin-key "$ADMIN" 2>&1)
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
	not_ok "the browser script ran to the end" "exit status $rc" "$(tail -n 15 <<<"$out")"
elif [ "$seen" -lt 15 ]; then
	not_ok "the browser script reported every step" "$(tail -n 15 <<<"$out")"
fi
finish
