#!/bin/bash
# /api/v1/settings on the real stack:
#   - GET: every settable key with its effective value (the file's until set);
#   - PATCH: only the keys given, null = back to the file's value; unknown
#     keys, wrong types, unknown time zones, bad values are a 422 naming the
#     key, all at once, and nothing is stored;
#   - a change reaches every worker on its next request, also with memcached
#     stopped (the version is then read from the database);
#   - audited; admin only.
# What a change does is observed through the outbound policy: a camera URL
# in outbound_deny_cidrs is refused by whichever worker answers.
# Every setting is put back to the file's values when the file ends.
. "$(dirname "$0")/lib.sh"

P="settings-$RUN_ID"
MC_DOWN=
APILOG=$HEARTH_STACK_DIR/log/hearth-api.log
ALL_NULL='{"timezone": null, "log_level": null, "outbound_allow_private": null, "outbound_deny_cidrs": null, "telegram_chat_id": null, "telegram_chat_id_emergency": null, "telegram_chat_id_warning": null, "telegram_chat_id_info": null, "telegram_chat_id_reminder": null, "ha_tts_entity": null, "ha_media_player": null}'
on_exit "KEY=\$ADMIN api PATCH /api/v1/settings '$ALL_NULL'"
on_exit '[ -z "$MC_DOWN" ] || devstack start memcached'
api PATCH /api/v1/settings "$ALL_NULL"
expect_status 200 "setup: every setting back to the file's value"

DENIED=198.51.100.0/24
FILE_LEVEL=$(config_get log level)
FILE_LEVEL=${FILE_LEVEL:-info}
case $(config_get outbound allow_private) in
false | no | off | 0) FILE_PRIVATE=false ;;
*) FILE_PRIVATE=true ;;
esac
CAM_BODY='{"snapshot_url": "http://198.51.100.7/snap.jpg"}'

# every_worker_sees WANT DESCRIPTION: rounds of 16 concurrent POST /cameras
# (no name: always a 422, nothing created) until every worker has answered
# at least one; WANT 1 = each answer refuses the URL by the policy, 0 =
# none does.  Which worker answered comes from its log line.
every_worker_sees() {
	local want=$1 desc=$2 round i off bad=0 n=0 missing pids seen=
	pids=$(api_pids)
	for round in 1 2 3 4 5; do
		off=$(stat -c %s "$APILOG")
		: >"$T/par.cfg"
		for i in $(seq 1 16); do
			[ "$i" -gt 1 ] && echo next >>"$T/par.cfg"
			printf 'url = "%s/api/v1/cameras"\nrequest = "POST"\nheader = "X-API-Key: %s"\nheader = "Content-Type: application/json"\ndata-binary = "%s"\noutput = "%s/par.%d"\ninsecure\nsilent\n' \
				"$URL" "$ADMIN" "${CAM_BODY//\"/\\\"}" "$T" "$i" >>"$T/par.cfg"
		done
		rm -f "$T"/par.[0-9]*
		curl -Z --parallel-max 8 -K "$T/par.cfg" >/dev/null 2>&1
		for i in $(seq 1 16); do
			n=$((n + 1))
			got=$(jq '[.detail[]? | select(.loc == ["body", "snapshot_url"] and .type == "url_policy")] | length' "$T/par.$i" 2>/dev/null)
			[ "$got" = "$want" ] || bad=$((bad + 1))
		done
		sleep 0.2
		seen=$(printf '%s\n%s' "$seen" "$(tail -c +"$((off + 1))" "$APILOG" |
			sed -n 's/.*hearth-api\[\([0-9]*\)\]: POST \/api\/v1\/cameras 422.*/\1/p')" | grep . | sort -un)
		missing=$(comm -23 <(echo "$pids") <(echo "$seen"))
		[ -z "$missing" ] && break
	done
	if [ "$bad" -eq 0 ] && [ -z "$missing" ]; then
		ok "$desc ($n requests, workers $(echo $seen))"
	else
		not_ok "$desc" "$bad of $n answers were wrong" "workers: $(echo $pids); not reached: $(echo $missing)"
	fi
}

# ---------------------------------------------------------------- GET
api GET /api/v1/settings
expect_status 200 "GET /settings"
expect_json 'keys | join(",")' 'ha_media_player,ha_token,ha_tts_entity,ha_url,ha_verify_tls,log_level,outbound_allow_private,outbound_deny_cidrs,telegram_chat_id,telegram_chat_id_emergency,telegram_chat_id_info,telegram_chat_id_reminder,telegram_chat_id_warning,timezone' \
	"every settable key, nothing else"
expect_json .timezone "$(config_get engine timezone)" "timezone is the file's"
expect_json .log_level "$FILE_LEVEL" "log_level is the file's"
expect_json .outbound_allow_private "$FILE_PRIVATE" "outbound_allow_private is the file's"
expect_json '.outbound_allow_private | type' boolean "outbound_allow_private is a boolean"
expect_json '[keys[] | select(. != "ha_url" and . != "ha_token") | select(test("^(api|database|cache|security|media|logs|stream)_|secret|password|token|socket|loopback|allow_cidrs|url"))] | length' 0 \
	"no file-only key (database, secrets, sockets, paths, loopback, allow_cidrs, URLs) is in the document"
expect_json '.ha_token | keys | join(",")' set "HA's token (settable, t_ha_diag) shows only whether it is set"

# ---------------------------------------------------------------- PATCH
api PATCH /api/v1/settings '{"timezone": "Europe/Berlin", "telegram_chat_id": "-1001234567890"}'
expect_status 200 "PATCH timezone and telegram_chat_id"
expect_json '[.timezone, .telegram_chat_id] | join(",")' 'Europe/Berlin,-1001234567890' "the reply has the new values"
expect_json .log_level "$FILE_LEVEL" "keys not given keep their value"
api GET /api/v1/settings
expect_json '[.timezone, .telegram_chat_id] | join(",")' 'Europe/Berlin,-1001234567890' "GET shows them"
is "$(sql "SELECT JSON_VALUE(value, '\$.values.timezone') FROM settings WHERE name = 'general'")" Europe/Berlin \
	"stored in the settings row 'general'"
api PATCH /api/v1/settings '{"timezone": "America/Argentina/Buenos_Aires"}'
expect_json .timezone America/Argentina/Buenos_Aires "a three-part zone name is accepted"
api PATCH /api/v1/settings '{"timezone": "UTC"}'
expect_json .timezone UTC "UTC (a link in the zoneinfo) is accepted"
api PATCH /api/v1/settings '{"timezone": ""}'
expect_status 200 "timezone \"\" (the system's) is accepted"
api PATCH /api/v1/settings '{"timezone": null}'
expect_json .timezone "$(config_get engine timezone)" "null puts timezone back to the file's value"
is "$(sql "SELECT JSON_EXISTS(value, '\$.values.timezone') FROM settings WHERE name = 'general'")" 0 \
	"... and removes it from the stored values"
expect_json .telegram_chat_id -1001234567890 "... leaving the other key set"

# ---------------------------------------------------------------- validation
ROW0=$(sql "SELECT value FROM settings WHERE name = 'general'")
bad() {   # bad BODY LOC TYPE DESCRIPTION
	api PATCH /api/v1/settings "$1"
	expect_status 422 "$4: 422"
	expect_loc "$2" "$3" "$4: at $2 ($3)"
}
bad '{"bogus": 1}' '["body","bogus"]' extra_forbidden "an unknown key"
bad '{"database_host": "10.0.0.9"}' '["body","database_host"]' extra_forbidden "a file-only key"
bad '{"timezone": "Mars/Olympus_Mons"}' '["body","timezone"]' value_error "an unknown time zone"
bad '{"timezone": "../../../etc/passwd"}' '["body","timezone"]' value_error "a time zone with .."
bad '{"timezone": "/etc/localtime"}' '["body","timezone"]' value_error "an absolute path as time zone"
bad '{"timezone": "zone.tab"}' '["body","timezone"]' value_error "a zoneinfo file that is not a zone"
bad '{"timezone": "Europe"}' '["body","timezone"]' value_error "a zoneinfo directory"
bad '{"timezone": 1}' '["body","timezone"]' string_type "a number as time zone"
bad '{"outbound_allow_private": "yes"}' '["body","outbound_allow_private"]' bool_type "a string as boolean"
bad '{"log_level": "loud"}' '["body","log_level"]' enum "an unknown log level"
bad '{"outbound_deny_cidrs": "300.1.2.3/8"}' '["body","outbound_deny_cidrs"]' value_error "a bad CIDR"
bad '{"telegram_chat_id": "not a chat"}' '["body","telegram_chat_id"]' value_error "a bad Telegram chat id"
bad '{"ha_media_player": "Kitchen Speaker"}' '["body","ha_media_player"]' value_error "a bad Home Assistant entity"
api PATCH /api/v1/settings '{"timezone": "Nowhere/Town", "log_level": 3, "bogus": true, "outbound_allow_private": false}'
expect_status 422 "several problems"
expect_json '[.detail[].loc[1]] | sort | join(",")' 'bogus,log_level,timezone' "... all reported at once, the good key not among them"
api PATCH /api/v1/settings '[]'
expect_status 422 "an array body is 422"
is "$(sql "SELECT value FROM settings WHERE name = 'general'")" "$ROW0" "nothing was stored by any refused PATCH"
api GET /api/v1/settings
expect_json '.outbound_allow_private' "$FILE_PRIVATE" "the good key of a refused PATCH was not applied either"

# The whole must pass the file's cross-key checks: Home Assistant on a
# private address with private addresses refused.
HA=$(config_get homeassistant url)
case $HA in
http://10.* | http://192.168.* | https://10.* | https://192.168.*)
	api PATCH /api/v1/settings '{"outbound_allow_private": false}'
	expect_status 422 "allow_private off while Home Assistant is private: 422" ;;
*) skip "allow_private off while Home Assistant is private: 422" "homeassistant.url is not a private address here" ;;
esac

# ---------------------------------------------------------------- every worker
echo "# $(worker_count) workers"
every_worker_sees 0 "before: no worker refuses $DENIED"
api PATCH /api/v1/settings "{\"outbound_deny_cidrs\": \"$DENIED\"}"
expect_status 200 "PATCH outbound_deny_cidrs"
every_worker_sees 1 "at once, every worker refuses a URL in $DENIED"
api PATCH /api/v1/settings '{"outbound_deny_cidrs": null}'
expect_status 200 "PATCH outbound_deny_cidrs back to the file's"
every_worker_sees 0 "at once, no worker refuses it any more"

# ---------------------------------------------------------------- memcached stopped
devstack stop memcached >"$T/out" 2>&1
MC_DOWN=1
api PATCH /api/v1/settings "{\"outbound_deny_cidrs\": \"$DENIED\"}"
expect_status 200 "memcached down: PATCH is 200"
every_worker_sees 1 "memcached down: every worker applies the change (from the database)"
api PATCH /api/v1/settings '{"outbound_deny_cidrs": null}'
expect_status 200 "memcached down: PATCH back"
every_worker_sees 0 "memcached down: every worker applies that too"
devstack start memcached >"$T/out" 2>&1
MC_DOWN=
cache_ok() {
	KEY= api GET /api/v1/ready
	[ "$(jb .checks.cache)" = ok ]
}
wait_until 20 cache_ok || not_ok "memcached back within 20 s" "$(_last)"
every_worker_sees 0 "memcached back: still the current settings"
api PATCH /api/v1/settings "{\"outbound_deny_cidrs\": \"$DENIED\"}"
every_worker_sees 1 "memcached back: a change reaches every worker again"
api PATCH /api/v1/settings '{"outbound_deny_cidrs": null}'
every_worker_sees 0 "memcached back: and back"

# ---------------------------------------------------------------- audit
N_OK=$(sql "SELECT COUNT(*) FROM audit_log WHERE method = 'PATCH' AND path = '/api/v1/settings' AND status = 200 AND object_id = 'general'")
N_ALL=$(sql "SELECT COUNT(*) FROM audit_log WHERE method = 'PATCH' AND path = '/api/v1/settings'")
check "every successful PATCH is audited (object general)" [ "$N_OK" -ge 12 ]
is "$N_ALL" "$N_OK" "refused PATCHes left no audit row"
api GET "/api/v1/audit?path=/api/v1/settings&limit=1"
expect_json '.items[0] | [.method, .status, .object_id] | join(",")' 'PATCH,200,general' "GET /audit shows the last one"

# ---------------------------------------------------------------- roles
create_key "$P-care" caregiver
CARE=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
KEY=$CARE api GET /api/v1/settings
expect_status 403 "caregiver: GET /settings is 403"
KEY=$CARE api PATCH /api/v1/settings '{"timezone": "UTC"}'
expect_status 403 "caregiver: PATCH /settings is 403"
KEY= api GET /api/v1/settings
expect_status 401 "no key: 401"

finish
