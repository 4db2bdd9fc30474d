#!/usr/bin/env bash
# Signed-in people against API keys, in one run on the running dev stack:
#   GET /api/v1/rooms?limit=100 with the hearth_session cookie and with an
#   API key, alternated twice (key, cookie, key, cookie) so both see the
#   same machine; the goal is cookie >= 0.95x key.
#   POST /api/v1/auth/login, 100 sign-ins two at a time: bounded by one
#   Argon2id verification each (19 MiB, t = 2), i.e. by the cores.
# Prints a block for bench/RESULTS.md.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGINS=${BENCH_LOGINS:-100}
USER_NAME=bench-person
PASSWORD="bench person's long phrase"

need_key

# The person, made once and given the known password every run.
body=$(jq -nc --arg u "$USER_NAME" --arg p "$PASSWORD" '{username: $u, role: "caregiver", password: $p}')
status=$(api -o /dev/null -w '%{http_code}' -d "$body" "$URL/api/v1/users")
if [ "$status" = 409 ]; then
	id=$(api "$URL/api/v1/users?limit=1000" | jq -r --arg u "$USER_NAME" '.items[] | select(.username == $u) | .id')
	api -o /dev/null -X PATCH -d "$(jq -nc --arg p "$PASSWORD" '{password: $p, disabled: false}')" \
		"$URL/api/v1/users/$id"
elif [ "$status" != 201 ]; then
	die "creating $USER_NAME answered $status"
fi
login_body=$(jq -nc --arg u "$USER_NAME" --arg p "$PASSWORD" '{username: $u, password: $p}')
login() {
	curl -sk --max-time 10 -o /dev/null -D - -H 'Content-Type: application/json' \
		-d "$login_body" "$URL/api/v1/auth/login"
}
TOKEN=$(login | sed -n 's/^set-cookie: hearth_session=\([^;]*\);.*/\1/ip')
[ -n "$TOKEN" ] || die "could not sign $USER_NAME in"

declare -A RPS=() P99=()
run_wrk() { # NAME HEADER: adds to RPS[NAME], keeps the worst p99
	local name=$1 out bad rps p99; shift
	say "wrk -t2 -c32 -d$DURATION rooms ($name)"
	out=$(wrk -t2 -c32 -d"$DURATION" --latency -H "$1" "$URL/api/v1/rooms?limit=100")
	bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
	[ -z "$bad" ] || die "$name: $bad responses were not 2xx"
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { v = $2; n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.2f", n }' <<<"$out")
	RPS[$name]=$(( ${RPS[$name]:-0} + rps ))
	P99[$name]=$(awk -v a="${P99[$name]:-0}" -v b="$p99" 'BEGIN { print (b > a ? b : a) }')
}
for _ in 1 2; do
	run_wrk key "X-API-Key: $KEY"
	run_wrk cookie "Cookie: hearth_session=$TOKEN"
done

say "$LOGINS sign-ins, two at a time"
start=$(date +%s.%N)
seq "$LOGINS" | xargs -P 2 -I{} curl -sk --max-time 10 -o /dev/null -w '%{http_code}\n' \
	-H 'Content-Type: application/json' -d "$login_body" "$URL/api/v1/auth/login" >"$STACK/bench-logins.out"
end=$(date +%s.%N)
ok=$(grep -c '^200$' "$STACK/bench-logins.out" || true)
[ "$ok" = "$LOGINS" ] || die "only $ok of $LOGINS sign-ins answered 200 (nginx's sign-in limit? HEARTH_LOGIN_BURST)"
per_s=$(awk -v n="$LOGINS" -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", n / (b - a) }')

cat <<OUT

### People: session cookie against API key, sign-ins

| credential | GET /api/v1/rooms?limit=100 requests/s (2 runs of $DURATION) | worst p99 ms |
|---|---:|---:|
| API key | $((RPS[key] / 2)) | ${P99[key]} |
| session cookie | $((RPS[cookie] / 2)) | ${P99[cookie]} |

cookie/key = $(awk -v a="${RPS[cookie]}" -v b="${RPS[key]}" 'BEGIN { printf "%.2f", a / b }') (goal: at least 0.95)

Sign-ins: $per_s per second ($LOGINS, two at a time on $(nproc) cores): each is one Argon2id
verification (19 MiB, 2 passes), which is what bounds them.
OUT
