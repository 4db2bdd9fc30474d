#!/bin/bash
# nginx's rate limit (limit_req, one bucket per client address) answers
# 429 in the API's shape once a client goes past its burst, as the package
# does; the dev stack's limit is higher than the package's, not absent.
# One short burst of cheap requests (GET /health over one HTTP/2
# connection), from 127.0.0.2 where the system allows it, so that the
# bucket it empties is not the one the other test files use.
. "$(dirname "$0")/lib.sh"

ROUNDS=3
PER_ROUND=1200
SRC_ADDR=()
if curl -sk --max-time 5 -o /dev/null --interface 127.0.0.2 "$URL/health" 2>/dev/null; then
	SRC_ADDR=(--interface 127.0.0.2)
fi

# The last requests of a round keep their bodies, to see what a 429 says.
for i in $(seq "$PER_ROUND"); do
	out=/dev/null
	[ "$i" -le $((PER_ROUND - 20)) ] || out=$T/body.$i
	printf 'url = "%s/health"\noutput = "%s"\nwrite-out = "%%{http_code} %%{content_type}\\n"\n' \
		"$URL" "$out"
done >"$T/burst.cfg"

# burst: PER_ROUND GETs, 16 at a time; the count of each status (and
# Content-Type) in burst.out.
burst() {
	rm -f "$T"/body.*
	curl -sk --http2 --max-time 30 --parallel --parallel-max 16 "${SRC_ADDR[@]}" -K "$T/burst.cfg" \
		2>/dev/null | sort | uniq -c >"$T/burst.out"
}
limited=0
for round in $(seq "$ROUNDS"); do
	burst
	limited=$(awk '$2 == 429 { print $1 }' "$T/burst.out")
	[ -z "$limited" ] || break
done
check "a burst of $PER_ROUND requests gets 429s (round $round: $(paste -sd' ' "$T/burst.out"))" \
	test -n "$limited"
check "... and nothing but 200 and 429" \
	bash -c "! awk '\$2 != 200 && \$2 != 429' '$T/burst.out' | grep -q ."
check "... the first requests of the burst pass (200)" \
	bash -c "awk '\$2 == 200 && \$1 >= 40' '$T/burst.out' | grep -q ."

check "... a 429 is JSON" grep -q ' 429 application/json' "$T/burst.out"
check "... saying {\"detail\": \"too many requests\"}" \
	bash -c "cat '$T'/body.* | grep -q '^{\"detail\":\"too many requests\"}\$'"

refilled() { KEY= api GET /health "" "${SRC_ADDR[@]}"; [ "$STATUS" = 200 ]; }
if wait_until 10 refilled; then
	ok "a moment later the same client is served again"
else
	not_ok "a moment later the same client is served again" "$(_last)"
fi

finish
