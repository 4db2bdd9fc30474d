#!/bin/bash
# Pipelines edited by many clients at once: steps added to three
# neighbouring rules from parallel loops while others reorder them.  Every
# add must succeed (a transaction that loses a deadlock is run again, not
# answered 503), no reorder may fail with a 5xx (one that raced an add is a
# 422: it no longer names every step), and each rule ends with its steps
# numbered 1..n exactly once.
. "$(dirname "$0")/lib.sh"

P="conc-$RUN_ID"
LOOPS=4
ADDS=6
step='{"step_type": "wait", "config_json": {"minutes": 5}}'

rules=()
for i in 1 2 3; do
	api POST /api/v1/rules "$(jq -nc --arg n "$P-$i" '{name: $n, trigger_type: "manual"}')"
	expect_status 201 "set-up: rule $i"
	rules+=("$(jb .id)")
done

# adder RULE N: N step adds, one status per line.
adder() {
	for _ in $(seq "$2"); do
		curl -sk --max-time 20 -o /dev/null -w '%{http_code}\n' -H "X-API-Key: $ADMIN" \
			-H 'Content-Type: application/json' -d "$step" \
			-X POST "$URL/api/v1/rules/$1/steps"
	done
}
# reorderer RULE N: N times, read the steps and put them in reverse order.
reorderer() {
	local ids body
	for _ in $(seq "$2"); do
		ids=$(curl -sk --max-time 20 -H "X-API-Key: $ADMIN" "$URL/api/v1/rules/$1/steps" |
			jq -c '[.items[].id] | reverse')
		body=$(jq -nc --argjson ids "${ids:-[]}" \
			'{steps: [$ids | to_entries[] | {id: .value, order: (.key + 1)}]}')
		curl -sk --max-time 20 -o /dev/null -w '%{http_code}\n' -H "X-API-Key: $ADMIN" \
			-H 'Content-Type: application/json' -d "$body" \
			-X PUT "$URL/api/v1/rules/$1/steps/reorder"
	done
}

pids=()
for r in "${rules[@]}"; do
	for l in $(seq "$LOOPS"); do
		adder "$r" "$ADDS" >"$T/adds.$r.$l" &
		pids+=($!)
	done
	reorderer "$r" 4 >"$T/reorders.$r" &
	pids+=($!)
done
wait "${pids[@]}"

adds=$(cat "$T"/adds.* | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
is "$adds" " $((3 * LOOPS * ADDS)) 201 " "every concurrent step add is 201"
bad=$(cat "$T"/reorders.* | grep -cv '^\(200\|422\)$')
is "$bad" 0 "no concurrent reorder failed with anything but 200 or 422"

for r in "${rules[@]}"; do
	api GET "/api/v1/rules/$r/steps"
	expect_json '[.items[].order] == [range(1; (.items | length) + 1)]' true \
		"rule $r: orders are exactly 1..n"
	expect_json '.items | length' "$((LOOPS * ADDS))" "rule $r: every added step is there"
done

for r in "${rules[@]}"; do
	api DELETE "/api/v1/rules/$r"
done
finish
