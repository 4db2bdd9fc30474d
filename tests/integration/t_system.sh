#!/bin/bash
# GET /system/info and GET /system/health-alerts on whatever host runs the
# stack: the shape, the build's identity, and levels that follow the
# values (the thresholds themselves are unit-tested on a fake /sys).
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- info
api GET /api/v1/status
VERSION=$(jb .version)
COMMIT=$(jb .commit)

api GET /api/v1/system/info
expect_status 200 "GET /system/info"
expect_json .version "$VERSION" "the version is the build's (as /status says)"
expect_json .commit "$COMMIT" "the commit is the build's"
expect_json .hostname "$(hostname)" "the host name"
expect_json '.uptime_seconds | type == "number" and . > 0' true "the host's uptime in seconds"
expect_json '.api_uptime_seconds | type == "number" and . >= 0' true "the API's uptime in seconds"
HOST_UP=$(jb .uptime_seconds)
API_UP=$(jb .api_uptime_seconds)
check "the API has not been up longer than the host" test "$API_UP" -le "$HOST_UP"
expect_json '.load_average | [."1m", ."5m", ."15m"] | map(type == "number" and . >= 0) | all' true \
	"load averages over 1, 5 and 15 minutes"
expect_json '.cpu_temp_c == null or (.cpu_temp_c | type == "number")' true \
	"cpu_temp_c is a number where the host has a thermal zone, else null"
if ls /sys/class/thermal/thermal_zone*/temp >/dev/null 2>&1; then
	expect_json '.cpu_temp_c | type' number "this host has a thermal zone: cpu_temp_c is a number"
else
	expect_json .cpu_temp_c null "this host has no thermal zone: cpu_temp_c is null"
fi
expect_json '.disk.total_bytes > 0 and .disk.used_bytes >= 0 and .disk.available_bytes >= 0' true \
	"the disk of the media root"
expect_json '.disk.used_percent >= 0 and .disk.used_percent <= 100' true "used_percent is a percentage"
expect_json '.workers >= 1' true "the number of workers"
check "no path of the host in the answer" bash -c "! grep -qF '$HEARTH_STACK_DIR' <<<'$BODY'"

KEY= api GET /api/v1/system/info
expect_status 401 "GET /system/info without a key"

# ---------------------------------------------------------------- health alerts
api GET /api/v1/system/health-alerts
expect_status 200 "GET /system/health-alerts"
expect_json '[.alerts[]] | map(IN("ok", "warn", "critical")) | all' true "every level is ok, warn or critical"
expect_json '.alerts | keys' '["cpu_temp","sd_health","storage","throttle"]' "the four metrics of the seed"
expect_json '.overall as $o | ["ok","warn","critical"] as $l
	| ($l | index($o)) == ([.alerts[] as $a | $l | index($a)] | max)' true \
	"overall is the worst level"
expect_json '.available.storage' true "storage is always available (the media root's file system)"
expect_json '.values.storage_percent | type == "number" and . >= 0 and . <= 100' true \
	"the storage value is a percentage"
expect_json '.values.storage_percent as $p | .alerts.storage ==
	(if $p >= 95 then "critical" elif $p >= 85 then "warn" else "ok" end)' true \
	"the storage level follows 85 % / 95 %"
expect_json '.values.cpu_temp_c as $t | .alerts.cpu_temp ==
	(if $t == null then "ok" elif $t >= 80 then "critical" elif $t >= 65 then "warn" else "ok" end)' true \
	"the cpu_temp level follows 65 / 80 °C"
expect_json '[(.available | to_entries[] | select(.value == false) | .key)] as $off
	| [$off[] as $k | {cpu_temp: "cpu_temp_c", throttle: "throttle_flags", storage: "storage_percent",
	   sd_health: "sd_life_time_est"}[$k]] as $vals
	| ([$vals[] as $v | .values[$v] == null] | all) and ([$off[] as $k | .alerts[$k] == "ok"] | all)' true \
	"an unavailable metric has a null value and level ok"
expect_json '.thresholds.cpu_temp_c' '{"warn":65,"critical":80}' "cpu_temp thresholds as the seed"
expect_json '.thresholds.storage_percent' '{"warn":85,"critical":95}' "storage thresholds as the seed"
expect_json '.thresholds.sd_life_time_est' '{"warn":3,"critical":11}' "sd_health thresholds as the seed"

KEY= api GET /api/v1/system/health-alerts
expect_status 401 "GET /system/health-alerts without a key"

finish
