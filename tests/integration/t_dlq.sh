#!/bin/bash
# The retry queue and the dead-letter queue, on the real stack, with a fake
# webhook receiver on loopback (tests/tools/fake_http.py):
#   - a receiver that fails twice, then answers, gets the job delivered
#     once, on the third attempt, with backoff between the attempts;
#   - a receiver that always fails leaves the job dead after 3 attempts;
#     /dlq/stats and /dlq/jobs/{queue} show it; requeue puts it back and
#     the worker delivers it right after the response; requeue-all; DELETE;
#   - a caregiver reads the DLQ but may not change it; an unknown queue is 404;
#   - a job whose worker died mid-delivery (lease run out) is reaped and
#     delivered; one out of attempts is dead-lettered;
#   - a delivery that can never succeed (a refused URL) is dead at once;
#   - logs name the job and queue, never what the payload holds.
#
# Jobs reach the webhook queue as rows inserted with SQL; hearth-tick (the
# stack's "tick", a pass every second) runs them.  The receiver is on
# loopback, which the outbound policy refuses by default: the file turns
# [outbound] allow_loopback on for its run and restores hearth.conf after.
. "$(dirname "$0")/lib.sh"

P="dlq-$RUN_ID"
HOST=$(hostname)

# ---------------------------------------------------------------- helpers

# q SQL: one value.

# fake METHOD PATH [BODY]: talk to the receiver; the reply in FAKE_BODY.
FAKE_BODY=
fake() {
	FAKE_BODY=$(curl -s --max-time 5 -X "$1" ${3:+-H 'Content-Type: application/json' --data-binary "$3"} \
		"$RECV$2" 2>/dev/null)
}

# job PATH [QUEUE] [EXTRA_COLUMNS EXTRA_VALUES]: insert a pending webhook job
# posting {"test": PATH} to the receiver at PATH; prints its id.
job() {
	local url=$RECV$1
	sql "INSERT INTO jobs (queue, payload) VALUES ('webhook',
		JSON_OBJECT('url', '$url', 'body', JSON_OBJECT('test', '$1')));
		SELECT LAST_INSERT_ID()"
}

job_col() { q "SELECT $2 FROM jobs WHERE id = $1"; }
job_is() { [ "$(job_col "$1" status)" = "$2" ]; }

# A pid that no longer exists.
dead_pid() {
	local p
	sleep 0 &
	p=$!
	wait "$p"
	while kill -0 "$p" 2>/dev/null; do p=$((p + 7)); done
	echo "$p"
}

# ---------------------------------------------------------------- setup
if fake_start; then
	RECV=$FAKE_URL
	ok "setup: the fake receiver listens on $RECV"
else
	not_ok "setup: the fake receiver listens"
	finish
fi

config_keep
config_set outbound allow_loopback true
if restart_api_tick; then
	ok "setup: api and tick restarted with [outbound] allow_loopback = true"
else
	not_ok "setup: api and tick restarted with [outbound] allow_loopback = true" "$(_last)"
fi

# Leftover dead webhook jobs of earlier runs would be "the oldest" below.
sql "DELETE FROM jobs WHERE queue = 'webhook' AND status = 'dead'"
create_key "$P-care" caregiver
CARE=$NEW_KEY
[ -n "$CARE" ] && ok "setup: a caregiver key" || not_ok "setup: a caregiver key" "$(_last)"

# ---------------------------------------------------------------- fails twice, then delivered once
# A token in the URL stands for the secrets a real webhook URL carries.
SECRET="tok-$RUN_ID"
FLAKY=/hook/$P/flaky
fake_fail "$FLAKY" 2
FLAKY_JOB=$(job "$FLAKY?token=$SECRET")
# An always-failing receiver, run alongside to save time.
DEAD=/hook/$P/dead
fake_fail "$DEAD" -1
DEAD_A=$(job "$DEAD/a")
DEAD_B=$(job "$DEAD/b")
DEAD_C=$(job "$DEAD/c")

if wait_until 25 job_is "$FLAKY_JOB" done; then
	ok "a job whose receiver fails twice is done"
else
	not_ok "a job whose receiver fails twice is done" "$(sql "SELECT status, attempts, last_error FROM jobs WHERE id = $FLAKY_JOB")"
fi
sleep 2.5   # time for a fourth attempt, which must not come
is "$(fake_count "$FLAKY")" 3 "... the receiver saw 3 requests (2 refused, 1 accepted), no more"
is "$(job_col "$FLAKY_JOB" attempts)" 3 "... the job is done after 3 attempts"
is "$(job_col "$FLAKY_JOB" "JSON_VALUE(result, '\$.status')")" 200 "... its result is the receiver's 200"
is "$(job_col "$FLAKY_JOB" "finished_at IS NOT NULL AND owner IS NULL AND lease_until IS NULL")" 1 \
	"... finished, with no owner or lease left"
fake GET "/_requests?prefix=$FLAKY"
is "$(jq -c '[.[] | .method, .headers["content-type"], .body.test] | unique' <<<"$FAKE_BODY")" \
	"[\"$FLAKY?token=$SECRET\",\"POST\",\"application/json\"]" "... each one POSTed the job's body as JSON"
GAPS=$(jq -r '[.[1].at - .[0].at, .[2].at - .[1].at] | map(. * 1000 | floor) | join(" ")' <<<"$FAKE_BODY")
read -r GAP1 GAP2 <<<"$GAPS"
if [ "${GAP1:-0}" -ge 500 ] && [ "${GAP2:-0}" -ge 1000 ]; then
	ok "the attempts back off: ${GAP1} ms (>= 500) then ${GAP2} ms (>= 1000) apart"
else
	not_ok "the attempts back off: >= 500 ms then >= 1000 ms apart" "gaps: ${GAPS:-none}"
fi

# ---------------------------------------------------------------- always fails: dead
all_dead() { job_is "$DEAD_A" dead && job_is "$DEAD_B" dead && job_is "$DEAD_C" dead; }
if wait_until 25 all_dead; then
	ok "jobs whose receiver always fails end dead"
else
	not_ok "jobs whose receiver always fails end dead" "$(sql "SELECT id, status, attempts, last_error FROM jobs WHERE id IN ($DEAD_A, $DEAD_B, $DEAD_C)")"
fi
is "$(job_col "$DEAD_A" attempts)" 3 "... after 3 attempts"
is "$(fake_count "$DEAD/a")" 3 "... the receiver saw 3 requests for it"
is "$(job_col "$DEAD_A" "last_error LIKE '%500%'")" 1 "... last_error says what the receiver answered"

api GET /api/v1/dlq/stats
expect_status 200
expect_json '[.queues[] | select(.queue == "webhook") | .dead][0]' 3 "/dlq/stats counts the 3 dead webhook jobs"
expect_json '(.total >= 3) and ([.queues[].dead] | add) == .total' true "... total is the sum of the queues' dead jobs"
expect_json '[.queues[] | select(.queue == "webhook") | .oldest_dead_at | test("^[0-9-]{10}T[0-9:]{8}Z$")][0]' true \
	"... with the time the oldest one died"

api GET /api/v1/dlq/jobs/webhook
expect_status 200
expect_json '[.items[].id]' "[$DEAD_A,$DEAD_B,$DEAD_C]" "/dlq/jobs/webhook lists the dead jobs, oldest first"
expect_json '.items[0] | [.queue, .status, .attempts, .max_attempts, .payload.body.test, (.last_error | type)]' \
	"[\"webhook\",\"dead\",3,3,\"$DEAD/a\",\"string\"]" "... each with queue, status, attempts, payload and last_error"
api GET "/api/v1/dlq/jobs/webhook?limit=2"
expect_json '[(.items | length), .pagination.has_more]' '[2,true]' "... two at a time: a first page of 2"
CURSOR=$(jb .pagination.next_cursor)
api GET "/api/v1/dlq/jobs/webhook?limit=2&cursor=$CURSOR"
expect_json '[[.items[].id], .pagination.has_more]' "[[$DEAD_C],false]" "... and the cursor leads to the last one"
api GET "/api/v1/dlq/jobs/telegram?cursor=$CURSOR"
expect_status 422 "a cursor of one queue's list is refused by another's"

# ---------------------------------------------------------------- who may do what
KEY=$CARE api GET /api/v1/dlq/stats
expect_status 200 "a caregiver reads /dlq/stats"
KEY=$CARE api GET /api/v1/dlq/jobs/webhook
expect_status 200 "a caregiver reads /dlq/jobs/webhook"
KEY=$CARE api POST /api/v1/dlq/requeue/webhook
expect_status 403 "a caregiver may not requeue"
KEY=$CARE api POST /api/v1/dlq/requeue-all/webhook
expect_status 403 "a caregiver may not requeue-all"
KEY=$CARE api DELETE /api/v1/dlq/webhook
expect_status 403 "a caregiver may not delete dead jobs"
KEY= api GET /api/v1/dlq/stats
expect_status 401 "no key, no stats"
is "$(q "SELECT COUNT(*) FROM jobs WHERE id IN ($DEAD_A, $DEAD_B, $DEAD_C) AND status = 'dead'")" 3 \
	"... and the dead jobs are still dead"

for route in "GET /api/v1/dlq/jobs/nosuch" "POST /api/v1/dlq/requeue/nosuch" \
	"POST /api/v1/dlq/requeue-all/nosuch" "DELETE /api/v1/dlq/nosuch"; do
	api ${route% *} "${route#* }"
	expect_status 404 "$route: an unknown queue is 404"
done
api GET /api/v1/dlq/jobs/telegram
expect_json '.items' '[]' "a known queue with no dead jobs lists none"

# ---------------------------------------------------------------- requeue: delivered by the worker
fake POST /_control/reset   # the receiver answers again
# Without the tick, only the worker's after-response delivery can do it.
devstack stop tick >/dev/null 2>&1
AUDIT0=$(q "SELECT COALESCE(MAX(id), 0) FROM audit_log")
api POST /api/v1/dlq/requeue/webhook
expect_status 200
expect_json '[.requeued, .job_ids]' "[1,[$DEAD_A]]" "requeue puts back the oldest dead job"
if wait_until 5 job_is "$DEAD_A" done; then
	ok "... and the worker delivers it right after the response (tick stopped)"
else
	not_ok "... and the worker delivers it right after the response (tick stopped)" \
		"$(sql "SELECT status, attempts, last_error FROM jobs WHERE id = $DEAD_A")"
fi
is "$(job_col "$DEAD_A" attempts)" 1 "... on its first attempt since the requeue"
is "$(fake_count "$DEAD/a")" 1 "... the receiver got it once"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/dlq/requeue/webhook' AND object_id = 'webhook' AND status = 200")" \
	1 "... and the requeue is in the audit log"
api POST /api/v1/dlq/requeue-all/webhook
expect_status 200
expect_json '[.requeued, .job_ids]' "[2,[$DEAD_B,$DEAD_C]]" "requeue-all puts back the rest"
both_done() { job_is "$DEAD_B" done && job_is "$DEAD_C" done; }
if wait_until 5 both_done; then ok "... and both are delivered"; else
	not_ok "... and both are delivered" "$(sql "SELECT id, status, attempts, last_error FROM jobs WHERE id IN ($DEAD_B, $DEAD_C)")"; fi
api POST /api/v1/dlq/requeue/webhook
expect_json '[.requeued, .job_ids]' '[0,[]]' "requeue with no dead job puts back none"
devstack start tick >/dev/null 2>&1
api GET /api/v1/dlq/stats
expect_json '[.queues[] | select(.queue == "webhook") | .dead] | add // 0' 0 "/dlq/stats: no dead webhook job left"

# ---------------------------------------------------------------- DELETE
GONE=/hook/$P/gone
fake_fail "$GONE" -1
GONE_JOB=$(job "$GONE")
DONE_BEFORE=$(q "SELECT COUNT(*) FROM jobs WHERE queue = 'webhook' AND status = 'done'")
if wait_until 25 job_is "$GONE_JOB" dead; then ok "another job ends dead"; else
	not_ok "another job ends dead" "$(sql "SELECT status, attempts, last_error FROM jobs WHERE id = $GONE_JOB")"; fi
api DELETE /api/v1/dlq/webhook
expect_status 200
expect_json .deleted 1 "DELETE /dlq/webhook deletes the dead job"
is "$(q "SELECT COUNT(*) FROM jobs WHERE id = $GONE_JOB")" 0 "... it is gone"
is "$(q "SELECT COUNT(*) FROM jobs WHERE queue = 'webhook' AND status = 'done'")" "$DONE_BEFORE" \
	"... and done jobs stay"
api DELETE /api/v1/dlq/webhook
expect_json .deleted 0 "... again: nothing to delete"
fake POST /_control/reset

# ---------------------------------------------------------------- a worker died mid-delivery
GHOST="$HOST:$(dead_pid)"
REAPED=/hook/$P/reaped
REAPED_JOB=$(sql "INSERT INTO jobs (queue, status, attempts, owner, lease_until, payload)
	VALUES ('webhook', 'running', 1, '$GHOST', NOW(3) - INTERVAL 5 SECOND,
		JSON_OBJECT('url', '$RECV$REAPED', 'body', JSON_OBJECT('test', '$REAPED')));
	SELECT LAST_INSERT_ID()")
SPENT=/hook/$P/spent
SPENT_JOB=$(sql "INSERT INTO jobs (queue, status, attempts, owner, lease_until, payload)
	VALUES ('webhook', 'running', 3, '$GHOST', NOW(3) - INTERVAL 5 SECOND,
		JSON_OBJECT('url', '$RECV$SPENT', 'body', JSON_OBJECT('test', '$SPENT')));
	SELECT LAST_INSERT_ID()")
if wait_until 15 job_is "$REAPED_JOB" done; then
	ok "a running job whose lease ran out (its worker died) is reaped and delivered"
else
	not_ok "a running job whose lease ran out (its worker died) is reaped and delivered" \
		"$(sql "SELECT status, attempts, owner, lease_until, last_error FROM jobs WHERE id = $REAPED_JOB")"
fi
is "$(job_col "$REAPED_JOB" attempts)" 2 "... on its second attempt"
is "$(fake_count "$REAPED")" 1 "... the receiver got it once"
is "$(job_col "$REAPED_JOB" "last_error LIKE '%lease%'")" 1 "... last_error tells of the lost lease"
if wait_until 5 job_is "$SPENT_JOB" dead; then
	ok "one that had used its last attempt is dead-lettered instead"
else
	not_ok "one that had used its last attempt is dead-lettered instead" \
		"$(sql "SELECT status, attempts, last_error FROM jobs WHERE id = $SPENT_JOB")"
fi
is "$(fake_count "$SPENT")" 0 "... without another request"

# ---------------------------------------------------------------- can never succeed: dead at once
REFUSED_JOB=$(sql "INSERT INTO jobs (queue, payload) VALUES ('webhook',
	JSON_OBJECT('url', 'http://169.254.169.254/latest/meta-data/', 'body', JSON_OBJECT()));
	SELECT LAST_INSERT_ID()")
BROKEN_JOB=$(sql "INSERT INTO jobs (queue, payload) VALUES ('webhook', JSON_OBJECT('body', JSON_OBJECT()));
	SELECT LAST_INSERT_ID()")
if wait_until 10 job_is "$REFUSED_JOB" dead; then ok "a webhook to a refused address is dead"; else
	not_ok "a webhook to a refused address is dead" "$(sql "SELECT status, attempts, last_error FROM jobs WHERE id = $REFUSED_JOB")"; fi
is "$(job_col "$REFUSED_JOB" attempts)" 1 "... at once, after one attempt"
wait_until 10 job_is "$BROKEN_JOB" dead
is "$(job_col "$BROKEN_JOB" "CONCAT(status, ' ', attempts)")" "dead 1" "a job whose payload has no url is dead after one attempt"
is "$(job_col "$BROKEN_JOB" last_error)" "the job's payload has no url" "... saying so"
sql "DELETE FROM jobs WHERE id IN ($REFUSED_JOB, $BROKEN_JOB, $SPENT_JOB)"

# ---------------------------------------------------------------- logs
LOGS=("$HEARTH_STACK_DIR/log/hearth-tick.log" "$HEARTH_STACK_DIR/log/hearth-api.log")
if grep -qs "job $FLAKY_JOB (webhook): attempt 1 of 3 failed" "${LOGS[@]}"; then
	ok "a failed attempt is logged with the job's id and queue"
else
	not_ok "a failed attempt is logged with the job's id and queue" "no 'job $FLAKY_JOB (webhook)' in ${LOGS[*]}"
fi
if grep -qs -- "$SECRET" "${LOGS[@]}"; then
	not_ok "no log line holds the webhook URL's token" "$(grep -hs -- "$SECRET" "${LOGS[@]}" | head -n 3)"
else
	ok "no log line holds the webhook URL's token"
fi

finish
