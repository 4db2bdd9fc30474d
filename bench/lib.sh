# Sourced by the bench scripts: where the running dev stack is and how to
# talk to it.  After it: SRC (the source tree), STACK (its directory), RUN,
# HTTPS_PORT and the rest of stack.env, URL, DURATION; say, die, sql, and,
# once need_key has read the admin key, api and find_or_create.
# shellcheck shell=bash

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STACK=${HEARTH_STACK_DIR:-.devstack}
case $STACK in /*) ;; *) STACK=$SRC/$STACK ;; esac
RUN=$STACK/run
HTTPS_PORT=8443
# shellcheck source=/dev/null # written by ./devstack up: ports, build
[ ! -f "$STACK/stack.env" ] || . "$STACK/stack.env"
URL=https://127.0.0.1:$HTTPS_PORT
DURATION=${BENCH_DURATION:-10s}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# sql "STATEMENT": as root on the stack's database; rows tab-separated.
sql() { mariadb --no-defaults --socket="$RUN/mysqld.sock" -u root -N -B hearth -e "$1"; }

# need_key: KEY, the stack's admin API key, or die.
KEY=
need_key() {
	KEY=$(cat "$STACK/admin.key" 2>/dev/null) || die "no $STACK/admin.key: run ./devstack up"
}

# api CURL_ARGS...: curl with the admin key and a JSON body type.
api() { curl -sk --max-time 10 -H "X-API-Key: $KEY" -H 'Content-Type: application/json' "$@"; }

# find_or_create PATH NAME JSON: the id of the item named NAME, made by
# POST /api/v1/PATH from JSON when there is none (cameras are sensors).
find_or_create() {
	local table=$1 id
	[ "$table" != cameras ] || table=sensors
	id=$(sql "SELECT id FROM $table WHERE name = '$2'")
	if [ -z "$id" ]; then
		id=$(api -d "$3" "$URL/api/v1/$1" | jq -r '.id // empty')
		[ -n "$id" ] || die "cannot create $1 $2"
	fi
	echo "$id"
}
