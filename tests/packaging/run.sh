#!/usr/bin/env bash
# The packaging test: build Hearth's Debian package from a clean copy of the
# tree, lint it, and install, upgrade, remove, purge and reinstall it in a
# fresh Debian bookworm root, with the real MariaDB, memcached and nginx.
#
#   tests/packaging/run.sh [WORKDIR]
#
# WORKDIR (default .devstack/packaging, or $HEARTH_PKGTEST_DIR) keeps the
# built packages, the logs and, between runs, the debootstrap root and the
# downloaded .debs, so only the first run fetches them.
#
# The root has no systemd: the services are started the way their units
# would start them (User=, Group=, EnvironmentFile=, RuntimeDirectory=,
# ExecStartPre= and ExecStart= lines, tmpfiles), inside a network namespace
# of their own, so ports 80, 443, 3306 and 11211 are the root's alone.  The
# whole test runs in its own mount and pid namespaces: when it ends, however
# it ends, every process it started and every mount it made go with it.
#
# Ends with "packaging: N passed, N failed".  Exit 0 all passed, 1 some
# failed, 77 skipped (not root, tools missing, or Debian's archive cannot be
# reached; the reason is printed).
#
# Environment: HEARTH_DEBIAN_MIRROR (http://deb.debian.org/debian),
# HEARTH_DEBIAN_SECURITY (http://deb.debian.org/debian-security),
# HEARTH_PKGTEST_REFRESH=1 (debootstrap again), HEARTH_PKGTEST_KEEP=1
# (leave the root in WORKDIR/root to look at).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
W=${1:-${HEARTH_PKGTEST_DIR:-$SRC/.devstack/packaging}}
mkdir -p "$W"
W=$(cd "$W" && pwd -P)
case $W in *[[:space:]]*) echo "packaging: the work directory may not contain blanks: $W" >&2; exit 64 ;; esac
SUITE=bookworm
MIRROR=${HEARTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${HEARTH_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
BASE=$W/$SUITE-base
ROOT=$W/root
LOG=$W/log
BASE_MAX_AGE_DAYS=30
TOOLS_PACKAGES="debootstrap lintian debhelper dpkg-dev fakeroot curl jq util-linux"

say() { printf 'packaging: %s\n' "$*"; }

# skip REASON: the archive cannot be reached, or the machine cannot run
# this test: say why, and exit 77.
skip() {
	say "SKIPPED: $*"
	# Inside, the EXIT trap cleans up and writes the closing line.
	[ "${HEARTH_PKGTEST_INNER:-}" = 1 ] || echo "packaging: 0 passed, 0 failed, 1 skipped"
	exit 77
}

# ------------------------------------------------------------ preflight

if [ "${HEARTH_PKGTEST_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mounts, namespaces)"
	missing=
	for t in debootstrap lintian dpkg-buildpackage dh fakeroot curl jq unshare nsenter setpriv; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] || skip "missing:$missing (apt-get install -y $TOOLS_PACKAGES)"
	if ! curl -fsS --max-time 20 -o /dev/null "$MIRROR/dists/$SUITE/Release" 2>"$W/archive-check.log"; then
		skip "cannot reach Debian's archive at $MIRROR ($(head -c 200 "$W/archive-check.log"))"
	fi
	# New mount and pid namespaces: this script is their pid 1.
	exec unshare --mount --pid --fork --propagation private --mount-proc \
		env HEARTH_PKGTEST_INNER=1 "$0" "$W"
fi

# --------------------------------------------------------------- tally

PASSED=0
FAILED=0
T0=$SECONDS

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
# check NAME CMD...: pass or fail on CMD's status.
check() {
	local name=$1; shift
	if "$@" >>"$LOG/checks.log" 2>&1; then pass "$name"; else fail "$name"; fi
}
phase() { say "$* ($((SECONDS - T0))s)"; }

finish() {
	local rc=$?
	trap - EXIT
	set +e
	if [ "$FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then
		say "logs in $LOG"
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		fail "the test stopped early (exit $rc)"
	fi
	stop_all
	release_root
	[ "${HEARTH_PKGTEST_KEEP:-}" = 1 ] || remove_root
	say "done in $((SECONDS - T0))s"
	if [ "$rc" -eq 77 ]; then
		echo "packaging: $PASSED passed, $FAILED failed, 1 skipped"
		[ "$FAILED" -eq 0 ] && exit 77
		exit 1
	fi
	echo "packaging: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}

rm -rf "$LOG"
mkdir -p "$LOG" "$W/debs"
trap finish EXIT

# ------------------------------------------------------------- the root

# Run a command in the root, in the host's network (apt needs it).
in_root() {
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		HOME=/root DEBIAN_FRONTEND=noninteractive "$@"
}

# Run a command in the root and in the services' network namespace.
in_net() {
	nsenter --net="/proc/$NETNS_PID/ns/net" -- chroot "$ROOT" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"
}

# curl from the host, in the services' network namespace.
net_curl() {
	nsenter --net="/proc/$NETNS_PID/ns/net" -- curl -sk --max-time 10 "$@"
}

make_base() {
	local stamp=$BASE/.hearth-pkgtest
	if [ -f "$stamp" ] && [ "${HEARTH_PKGTEST_REFRESH:-}" != 1 ] &&
		[ -z "$(find "$stamp" -mtime +"$BASE_MAX_AGE_DAYS")" ]; then
		say "reusing the $SUITE root in $BASE"
		return 0
	fi
	phase "debootstrap $SUITE from $MIRROR"
	remove_tree "$BASE" && remove_tree "$BASE.new" || exit 1
	if ! debootstrap --variant=minbase "$SUITE" "$BASE.new" "$MIRROR" >"$LOG/debootstrap.log" 2>&1; then
		if grep -qE 'Failed getting release|Couldn.t download|Failure trying to run|Temporary failure|Could not resolve' "$LOG/debootstrap.log"; then
			remove_tree "$BASE.new" || exit 1
			skip "debootstrap cannot reach Debian's archive: $(grep -E 'E:|W:' "$LOG/debootstrap.log" | tail -n 1)"
		fi
		tail -n 20 "$LOG/debootstrap.log"
		remove_tree "$BASE.new" || exit 1
		fail "debootstrap $SUITE"
		exit 1
	fi
	# The root starts from this copy every run: no downloaded lists or
	# archives in it, they are kept beside it.
	rm -rf "$BASE.new/var/cache/apt/archives"/*.deb "$BASE.new/var/lib/apt/lists"/*
	date -u >"$BASE.new/.hearth-pkgtest"
	mv "$BASE.new" "$BASE"
}

# mounts_under DIR: mount points at or under DIR, deepest first.
mounts_under() {
	awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# remove_tree DIR: delete DIR, but only once nothing is mounted in it: rm
# would reach into whatever a mount left there shows (the host's /dev,
# /proc, /sys).
remove_tree() {
	local m
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	if [ -n "$(mounts_under "$1")" ]; then
		say "not removing $1: still mounted there: $(mounts_under "$1" | tr '\n' ' ')"
		return 1
	fi
	rm -rf "$1"
}

remove_root() { remove_tree "$ROOT"; }

# The downloaded lists and packages live beside the root between runs
# and are moved in for the run (no bind mounts to reach through).
release_root() {
	[ -d "$ROOT" ] || return 0
	if [ -d "$ROOT/var/cache/apt/archives" ] && [ ! -e "$W/apt-archives" ]; then
		mv "$ROOT/var/cache/apt/archives" "$W/apt-archives"
	fi
	if [ -d "$ROOT/var/lib/apt/lists" ] && [ ! -e "$W/apt-lists" ]; then
		mv "$ROOT/var/lib/apt/lists" "$W/apt-lists"
	fi
}

make_root() {
	release_root
	mkdir -p "$W/apt-archives/partial" "$W/apt-lists/partial"
	remove_root || exit 1
	cp -a "$BASE" "$ROOT"
	# debootstrap made /dev's few nodes; only virtual file systems are
	# mounted here.
	mount -t proc proc "$ROOT/proc"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$ROOT/dev/pts"
	rm -f "$ROOT/dev/ptmx"
	ln -s pts/ptmx "$ROOT/dev/ptmx"
	mount -t tmpfs -o mode=0755 tmpfs "$ROOT/run"
	rm -rf "$ROOT/var/cache/apt/archives" "$ROOT/var/lib/apt/lists"
	mv "$W/apt-archives" "$ROOT/var/cache/apt/archives"
	mv "$W/apt-lists" "$ROOT/var/lib/apt/lists"
	cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
	cat >"$ROOT/etc/apt/sources.list" <<-EOF
		deb $MIRROR $SUITE main
		deb $MIRROR $SUITE-updates main
		deb $SECURITY $SUITE-security main
	EOF
	# No service starts by itself: the test starts them as their units would.
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 755 "$ROOT/usr/sbin/policy-rc.d"
	printf 'APT::Keep-Downloaded-Packages "true";\nAcquire::Retries "3";\n' \
		>"$ROOT/etc/apt/apt.conf.d/90hearth-pkgtest"
	in_root apt-get update >"$LOG/apt-update.log" 2>&1 || {
		tail -n 5 "$LOG/apt-update.log"
		skip "apt-get update in the $SUITE root failed (archive unreachable?)"
	}
}

# ------------------------------------------------------------- the units

NETNS_PID=
start_netns() {
	unshare --net sleep infinity &
	NETNS_PID=$!
	sleep 0.2
	nsenter --net="/proc/$NETNS_PID/ns/net" -- ip link set lo up 2>/dev/null ||
		in_net ip link set lo up
}

# unit_values UNIT KEY: each value of KEY in the unit's [Service] section,
# one a line, continuation lines joined as systemd joins them.
unit_values() {
	local file
	for file in "$ROOT/lib/systemd/system/$1.service" "$ROOT/usr/lib/systemd/system/$1.service"; do
		[ -f "$file" ] && break
	done
	awk -v key="$2" '
		/^[ \t]*[#;]/ && !cont { next }
		{
			line = cont ? cont " " $0 : $0
			if (line ~ /\\$/) { cont = substr(line, 1, length(line) - 1); next }
			cont = ""
		}
		line ~ /^\[/ { section = line; next }
		section == "[Service]" {
			i = index(line, "=")
			if (!i) next
			k = substr(line, 1, i - 1); gsub(/[ \t]/, "", k)
			if (k == key) { v = substr(line, i + 1); sub(/^[ \t]+/, "", v); print v }
		}
	' "$file"
}

# A command line as systemd runs it, for sh: systemd does no command
# substitution and expands only ${NAME} and $NAME standing alone.
to_sh() {
	printf '%s\n' "$1" | sed -e 's/`/\\`/g' -e 's/\$/\\$/g' \
		-e 's/\\\$\({[A-Za-z_][A-Za-z0-9_]*}\)/$\1/g' \
		-e ':a' -e 's/\(^\|[[:space:]]\)\\\$\([A-Za-z_][A-Za-z0-9_]*\)\([[:space:]]\|$\)/\1$\2\3/' -e 'ta'
}

# tmpfiles: the d lines under /run, as systemd-tmpfiles makes them at boot.
apply_tmpfiles() {
	local f type path mode user group rest
	for f in "$ROOT"/usr/lib/tmpfiles.d/*.conf; do
		while read -r type path mode user group rest; do
			[ "$type" = d ] || continue
			case $path in /run/* | /var/run/*) ;; *) continue ;; esac
			mkdir -p "$ROOT$path"
			[ "$mode" = - ] || chmod "$mode" "$ROOT$path"
			in_root chown "${user/#-/root}:${group/#-/root}" "$path"
		done <"$f"
	done
}

# start_unit UNIT READY-CHECK...: run the unit's ExecStartPre and ExecStart
# lines as its User/Group with its environment, then wait until the check
# (run on the host) passes.
start_unit() {
	local unit=$1; shift
	local user group supp groups umask rtmode line n=0 type env_sh cmd prefix asroot
	user=$(unit_values "$unit" User | tail -n 1)
	group=$(unit_values "$unit" Group | tail -n 1)
	supp=$(unit_values "$unit" SupplementaryGroups | tr '\n' ' ')
	umask=$(unit_values "$unit" UMask | tail -n 1)
	rtmode=$(unit_values "$unit" RuntimeDirectoryMode | tail -n 1)
	type=$(unit_values "$unit" Type | tail -n 1)
	[ -n "$user" ] || user=root
	[ -n "$group" ] || group=$(in_root id -gn "$user")
	groups=$( (in_root id -Gn "$user"; echo "$group $supp") | tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd,)

	local d
	for d in $(unit_values "$unit" RuntimeDirectory); do
		mkdir -p "$ROOT/run/$d"
		chmod "${rtmode:-0755}" "$ROOT/run/$d"
		in_root chown "$user:$group" "/run/$d"
	done

	mkdir -p "$ROOT/run/pkgtest"
	env_sh="$ROOT/run/pkgtest/$unit.env"
	: >"$env_sh"
	while read -r line; do
		[ -n "$line" ] || continue
		local opt=${line#-}
		if [ -f "$ROOT$opt" ]; then
			sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p' "$ROOT$opt" |
				while read -r k v; do
					v=${v#\"}; v=${v%\"}
					printf "export %s='%s'\n" "$k" "${v//\'/\'\\\'\'}"
				done >>"$env_sh"
		elif [ "$opt" = "$line" ]; then
			fail "$unit: EnvironmentFile $opt is missing"
			return 1
		fi
	done < <(unit_values "$unit" EnvironmentFile)
	while read -r line; do
		[ -n "$line" ] && printf 'export %s\n' "$line" >>"$env_sh"
	done < <(unit_values "$unit" Environment)

	while read -r kind line; do
		n=$((n + 1))
		prefix=${line%%[!@:+!-]*}
		line=${line#"$prefix"}
		asroot=
		case $prefix in *+* | *!*) asroot=1 ;; esac
		cmd=$ROOT/run/pkgtest/$unit.$n
		{
			echo '#!/bin/sh'
			echo "# $unit.service: $kind"
			[ -z "$umask" ] || echo "umask $umask"
			echo 'cd /'
			echo ". /run/pkgtest/$unit.env"
			if [ -n "$asroot" ] || [ "$user" = root ]; then
				echo "exec /bin/sh /run/pkgtest/$unit.$n.cmd"
			else
				echo "exec setpriv --reuid=$user --regid=$group --groups=$groups --no-new-privs /bin/sh /run/pkgtest/$unit.$n.cmd"
			fi
		} >"$cmd"
		printf 'exec %s\n' "$(to_sh "$line")" >"$cmd.cmd"
		if [ "$kind" = ExecStart ] && [ "$type" != forking ] && [ "$type" != oneshot ]; then
			setsid nsenter --net="/proc/$NETNS_PID/ns/net" -- chroot "$ROOT" /usr/bin/env -i \
				PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 /bin/sh "/run/pkgtest/$unit.$n" \
				</dev/null >>"$LOG/$unit.log" 2>&1 &
		elif ! in_net /bin/sh "/run/pkgtest/$unit.$n" </dev/null >>"$LOG/$unit.log" 2>&1; then
			case $prefix in *-*) ;; *)
				tail -n 10 "$LOG/$unit.log"
				fail "$unit: $kind failed: $line"
				return 1 ;;
			esac
		fi
	done < <(unit_values "$unit" ExecStartPre | sed 's/^/ExecStartPre /'
		unit_values "$unit" ExecStart | sed 's/^/ExecStart /')

	local deadline=$((SECONDS + 60))
	until "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			tail -n 15 "$LOG/$unit.log"
			fail "$unit did not start"
			return 1
		fi
		sleep 0.3
	done
	pass "$unit started from its unit's ExecStart as $user:$group"
}

# Processes in the root, by pid: all of them were started by this test.
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
	done
	return 0
}

# pids_of COMMAND-NAME: those in the root.
pids_of() {
	local p
	for p in $(root_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && echo "$p"
	done
	return 0
}

# stop_pids TIMEOUT PID...: SIGTERM, then SIGKILL after TIMEOUT seconds.
stop_pids() {
	local timeout=$1 p left deadline
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	deadline=$((SECONDS + timeout))
	while :; do
		left=
		for p in "$@"; do
			[ -d "/proc/$p" ] && [ "$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)" != Z ] && left="$left $p"
		done
		[ -n "$left" ] || return 0
		if [ "$SECONDS" -ge "$deadline" ]; then
			# shellcheck disable=SC2086
			kill -KILL $left 2>/dev/null || true
			return 1
		fi
		sleep 0.2
	done
}

# As systemd stops hearth-api (KillMode=mixed): SIGTERM to the master,
# which drains its workers.
stop_api() {
	local master
	master=$(for p in $(pids_of hearth-api); do
		[ "$(cat "/proc/$(awk '{print $4}' "/proc/$p/stat")/comm" 2>/dev/null)" != hearth-api ] && echo "$p"
	done)
	[ -n "$master" ] || return 0
	# shellcheck disable=SC2086
	stop_pids 40 $master || return 1
	# shellcheck disable=SC2046
	stop_pids 5 $(pids_of hearth-api)
}

stop_all() {
	[ -d "$ROOT/proc" ] || return 0
	# shellcheck disable=SC2046
	stop_pids 60 $(root_pids) || true
	[ -z "$NETNS_PID" ] || kill "$NETNS_PID" 2>/dev/null || true
}

# ------------------------------------------------------------- the checks

KEY=
read_key() { KEY=$(cat "$ROOT/etc/hearth/admin.key" 2>/dev/null || true); [ -n "$KEY" ]; }

http_code() { net_curl -o /dev/null -w '%{http_code}' "$@" || true; }

api_ready() { [ "$(http_code https://127.0.0.1/health)" = 200 ]; }

mysql_up() { [ -S "$ROOT/run/mysqld/mysqld.sock" ] && in_root mariadb-admin ping; }
memcached_up() { in_net bash -c ': </dev/tcp/127.0.0.1/11211'; }
api_socket() { [ -S "$ROOT/run/hearth/api.sock" ]; }
nginx_up() { [ -s "$ROOT/run/nginx.pid" ] && net_curl -o /dev/null https://127.0.0.1/; }

# The room made in the first installation, by name, through the API.
ROOM=Packaged-kitchen
ROOM_ID=
room_listed() {
	net_curl -H "X-API-Key: $KEY" "https://127.0.0.1/api/v1/rooms?limit=1000" |
		jq -e --arg n "$ROOM" 'any(.items[]; .name == $n)'
}
room_in_db() {
	[ "$(in_root mariadb -N -B -e "SELECT COUNT(*) FROM hearth.rooms WHERE name = '$ROOM'")" = 1 ]
}

# Names as the root knows them, not the host.
mode_owner() { in_root stat -c '%a %U:%G' "$1"; }
proc_user() { in_root id -nu "$(awk '/^Uid:/ { print $3 }' "/proc/$1/status")"; }

# The database password must not turn up in any log.
password_unlogged() {
	local pw
	pw=$(sed -n 's/^HEARTH_DATABASE_PASSWORD=//p' "$ROOT/etc/hearth/secrets.env")
	[ -n "$pw" ] && ! grep -rqF -e "$pw" "$LOG" "$ROOT/var/log"
}

api_checks() {
	local label=$1 code body
	check "$label: GET /health is 200" api_ready
	code=$(http_code https://127.0.0.1/api/v1/rooms)
	[ "$code" = 401 ] && pass "$label: GET /api/v1/rooms without a key is 401" ||
		fail "$label: GET /api/v1/rooms without a key is $code, not 401"
	if read_key; then pass "$label: /etc/hearth/admin.key is there"; else fail "$label: no /etc/hearth/admin.key"; fi
	body=$(net_curl -H "X-API-Key: $KEY" -w '\n%{http_code}' https://127.0.0.1/api/v1/rooms || true)
	if [ "$(printf '%s' "$body" | tail -n 1)" = 200 ] && printf '%s' "$body" | sed '$d' | jq -e '.items | type == "array"' >/dev/null; then
		pass "$label: GET /api/v1/rooms with the admin key is 200"
	else
		fail "$label: GET /api/v1/rooms with the admin key: $(printf '%s' "$body" | tail -c 300)"
	fi
}

start_services() {
	apply_tmpfiles
	start_unit mariadb mysql_up || return 1
	start_unit memcached memcached_up || return 1
}

start_front() {
	start_unit hearth-api api_socket || return 1
	start_unit nginx nginx_up || return 1
}

# ------------------------------------------------------------- building

changelog_version() {
	sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$1"
}

build_packages() {
	local rev='' commit old_dir
	phase "building the packages"
	if git -C "$SRC" rev-parse --verify -q HEAD >/dev/null 2>&1; then
		# The last committed state before what is tested: HEAD when the
		# tree has changes, else the commit before it.
		if [ -n "$(git -C "$SRC" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
			rev=HEAD
		else
			rev=HEAD~1
		fi
		commit=$(git -C "$SRC" rev-parse -q --verify "$rev^{commit}" 2>/dev/null || true)
		if [ -z "$commit" ] || ! git -C "$SRC" cat-file -e "$commit:packaging/debian/control" 2>/dev/null; then
			commit=
		fi
	fi

	if [ -n "${commit:-}" ]; then
		old_dir=$W/debs/old-$commit
		if ! ls "$old_dir"/hearth_*.deb >/dev/null 2>&1; then
			rm -rf "$old_dir"
			"$SRC/tests/packaging/build-deb.sh" --rev "$commit" "$old_dir" >"$LOG/build-old.out" 2>&1 || {
				tail -n 20 "$LOG/build-old.out"
				fail "build the package of the previous commit ($rev, ${commit:0:12})"
				return 1
			}
		fi
		OLD_DEB=$(ls "$old_dir"/hearth_*.deb | head -n 1)
		pass "the package of the previous commit (${commit:0:12}) builds: $(basename "$OLD_DEB")"
	else
		old_dir=$W/debs/old-tree
		rm -rf "$old_dir"
		"$SRC/tests/packaging/build-deb.sh" "$old_dir" >"$LOG/build-old.out" 2>&1 || {
			tail -n 20 "$LOG/build-old.out"
			fail "build the package from a clean copy of the tree"
			return 1
		}
		OLD_DEB=$(ls "$old_dir"/hearth_*.deb | head -n 1)
		pass "the package builds from a clean copy of the tree: $(basename "$OLD_DEB")"
	fi

	local version
	version=$(changelog_version "$SRC/packaging/debian/changelog")+pkgtest1
	rm -rf "$W/debs/new"
	"$SRC/tests/packaging/build-deb.sh" --version "$version" "$W/debs/new" >"$LOG/build-new.out" 2>&1 || {
		tail -n 20 "$LOG/build-new.out"
		fail "build the package from a clean copy of the tree, version $version"
		return 1
	}
	NEW_DEB=$(ls "$W/debs/new"/hearth_*.deb | head -n 1)
	pass "the package builds from a clean copy of the tree as $(basename "$NEW_DEB")"

	lintian --pedantic -I "$NEW_DEB" >"$LOG/lintian.log" 2>&1 || true
	grep -v '^running with root' "$LOG/lintian.log" | sed 's/^/    /'
	if grep -q '^E:' "$LOG/lintian.log"; then
		fail "lintian: errors"
	else
		pass "lintian: no errors ($(grep -c '^W:' "$LOG/lintian.log" || true) warnings)"
	fi
}

# ------------------------------------------------------------- scenario

# apt_install DEB LOGNAME: apt-get install ./DEB in the root, pulling
# its dependencies; configuration files the admin changed are kept.  A
# download that fails is a skip, not a failure of the package.
apt_install() {
	cp "$1" "$ROOT/tmp/"
	in_root apt-get install -y -o Dpkg::Options::=--force-confold \
		"/tmp/$(basename "$1")" >"$LOG/$2.log" 2>&1 && return 0
	if grep -qE '^E: (Failed to fetch|Unable to fetch)|Temporary failure resolving' "$LOG/$2.log"; then
		skip "apt-get could not download from Debian's archive: $(grep -m1 '^E:' "$LOG/$2.log")"
	fi
	return 1
}

installed_version() { in_root dpkg-query -W -f='${Version}' hearth 2>/dev/null || true; }
pkg_status() { in_root dpkg-query -W -f='${db:Status-Abbrev}' hearth 2>/dev/null | tr -d ' ' || true; }

first_install() {
	phase "installing $(basename "$OLD_DEB") and its dependencies"
	if apt_install "$OLD_DEB" install-old; then
		pass "apt-get install ./$(basename "$OLD_DEB") pulls its dependencies"
	else
		tail -n 30 "$LOG/install-old.log"
		fail "apt-get install ./$(basename "$OLD_DEB")"
		return 1
	fi
	check "mariadb-server and memcached came as recommendations" \
		in_root dpkg-query -W mariadb-server memcached
	check "the hearth user and group exist" in_root getent passwd hearth
	check "secrets.env is root:hearth 0640" test "$(mode_owner /etc/hearth/secrets.env)" = "640 root:hearth"
	check "a self-signed certificate was made" test -s "$ROOT/etc/hearth/tls/hearth.crt"
	check "the certificate key is root's alone" test "$(mode_owner /etc/hearth/tls/hearth.key)" = "600 root:root"
	check "the nginx site is enabled" test -L "$ROOT/etc/nginx/sites-enabled/hearth"
	check "the postinst says the database is not reachable yet" \
		grep -q "database cannot be reached yet" "$LOG/install-old.log"

	phase "starting MariaDB and memcached as their units would"
	start_netns
	start_services || return 1
	# As the postinst asked: with MariaDB up, finish the setup.
	if in_root dpkg-reconfigure hearth >"$LOG/reconfigure.log" 2>&1 && read_key; then
		pass "dpkg-reconfigure hearth sets up the database and the admin key"
	else
		tail -n 20 "$LOG/reconfigure.log"
		fail "dpkg-reconfigure hearth"
		return 1
	fi
	check "admin.key is root's alone, 0600" test "$(mode_owner /etc/hearth/admin.key)" = "600 root:root"
	check "the setup code is the service's alone, 0600" \
		test "$(mode_owner /var/lib/hearth/setup-code)" = "600 hearth:hearth"
	check "the postinst says where the setup code is" \
		grep -q "sudo cat /var/lib/hearth/setup-code" "$LOG/reconfigure.log"
	check "the database password is in secrets.env" grep -q '^HEARTH_DATABASE_PASSWORD=[0-9A-F]\{48\}$' "$ROOT/etc/hearth/secrets.env"
	check "the database password is in no log" password_unlogged
	check "hearthctl status (as root, through the wrapper)" in_root hearthctl status

	# An administrator's change to a conffile, which upgrades must keep:
	# two workers are plenty here.
	sed -i 's/^workers = 0$/workers = 2/' "$ROOT/etc/hearth/hearth.conf"

	phase "starting hearth-api and nginx as their units would"
	start_front || return 1
	check "hearth-api runs as hearth" test "$(proc_user "$(pids_of hearth-api | head -n 1)")" = hearth
	check "the socket is hearth:www-data 0660" test "$(mode_owner /run/hearth/api.sock)" = "660 hearth:www-data"
	api_checks "install"
	# First run as a person does it: the setup code from the box makes the
	# first admin, who is signed in; the code's file is gone after.
	local code setup
	setup=$(jq -nc --arg c "$(in_root cat /var/lib/hearth/setup-code)" \
		'{username: "owner", password: "a long household phrase", setup_code: $c}')
	code=$(net_curl -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "$setup" https://127.0.0.1/api/v1/auth/setup || true)
	[ "$code" = 201 ] && pass "first-run setup with the setup code: 201" ||
		fail "first-run setup answers $code, not 201"
	check "the setup code's file is gone after setup" in_root test ! -e /var/lib/hearth/setup-code
	code=$(http_code http://127.0.0.1/)
	[ "$code" = 301 ] && pass "http:// redirects to https://" || fail "http://127.0.0.1/ answers $code, not 301"
	local body
	body=$(net_curl -H "X-API-Key: $KEY" -H 'Content-Type: application/json' \
		-d "{\"name\":\"$ROOM\"}" -w '\n%{http_code}' https://127.0.0.1/api/v1/rooms || true)
	if [ "$(printf '%s' "$body" | tail -n 1)" = 201 ]; then
		ROOM_ID=$(printf '%s' "$body" | sed '$d' | jq -r .id)
		pass "POST /api/v1/rooms creates room $ROOM_ID"
	else
		fail "POST /api/v1/rooms: $(printf '%s' "$body" | tail -c 300)"
	fi

	# The cron line as cron runs it, but for one pass of hearth-tick rather
	# than the rest of the minute.
	sed -n 's/^\* \* \* \* \*[[:space:]]*hearth[[:space:]]*//p' "$ROOT/etc/cron.d/hearth" |
		sed 's|with-secrets /usr/sbin/hearth-tick|with-secrets /usr/sbin/hearth-tick --once|' \
		>"$ROOT/run/pkgtest/cron-tick"
	if ! grep -q -- '--once' "$ROOT/run/pkgtest/cron-tick"; then
		fail "no hearth-tick line in /etc/cron.d/hearth"
	elif in_net setpriv --reuid=hearth --regid=hearth --init-groups \
		/bin/sh -c ". /run/pkgtest/cron-tick" >"$LOG/cron-tick.log" 2>&1 &&
		[ -f "$ROOT/var/log/hearth/hearth-tick.log" ]; then
		pass "the cron line runs hearth-tick as hearth, under flock and timeout"
	else
		cat "$LOG/cron-tick.log" "$ROOT/var/log/hearth/hearth-tick.log" 2>/dev/null | tail -n 10
		fail "the cron line for hearth-tick"
	fi
	local out rc=0
	out=$(in_root setpriv --reuid=nobody --regid=nogroup --clear-groups hearthctl status 2>&1) || rc=$?
	if [ "$rc" = 77 ] && printf '%s' "$out" | grep -q sudo; then
		pass "hearthctl run by another user says to use sudo"
	else
		fail "hearthctl run by another user: exit $rc: $out"
	fi
	check "logrotate accepts /etc/logrotate.d/hearth" in_root logrotate -d /etc/logrotate.d/hearth
}

upgrade() {
	local key_before secrets_before
	key_before=$(cat "$ROOT/etc/hearth/admin.key")
	secrets_before=$(md5sum <"$ROOT/etc/hearth/secrets.env")
	phase "upgrading to $(basename "$NEW_DEB") with the services running"
	if apt_install "$NEW_DEB" upgrade && [ "$(installed_version)" = "$(dpkg-deb -f "$NEW_DEB" Version)" ]; then
		pass "apt-get install ./$(basename "$NEW_DEB") upgrades"
	else
		tail -n 30 "$LOG/upgrade.log"
		fail "upgrade to $(basename "$NEW_DEB")"
		return 1
	fi
	check "upgrade: migrations ran" grep -q 'hearth: migrate:' "$LOG/upgrade.log"
	check "upgrade: the edited hearth.conf is kept" grep -q '^workers = 2$' "$ROOT/etc/hearth/hearth.conf"
	check "upgrade: no conffile prompt left behind" \
		sh -c "! ls '$ROOT'/etc/hearth/*.dpkg-* >/dev/null 2>&1"
	check "upgrade: the admin key is kept" test "$(cat "$ROOT/etc/hearth/admin.key")" = "$key_before"
	check "upgrade: the secrets are kept" test "$(md5sum <"$ROOT/etc/hearth/secrets.env")" = "$secrets_before"
	# What the postinst's restart would do under systemd.
	stop_api || fail "hearth-api did not stop within 40s"
	start_unit hearth-api api_socket || return 1
	api_checks "upgrade"
	check "upgrade: the room is still there" room_listed
}

remove_purge() {
	phase "remove, then purge"
	# The prerm stops hearth-api under systemd; here, the test does.
	stop_api || fail "hearth-api did not stop within 40s"
	if in_root apt-get remove -y hearth >"$LOG/remove.log" 2>&1 && [ "$(pkg_status)" = rc ]; then
		pass "apt-get remove hearth"
	else
		tail -n 20 "$LOG/remove.log"
		fail "apt-get remove hearth"
		return 1
	fi
	check "remove: the configuration stays" test -f "$ROOT/etc/hearth/hearth.conf"
	check "remove: the admin key stays" test -s "$ROOT/etc/hearth/admin.key"
	check "remove: the nginx site is disabled" test ! -e "$ROOT/etc/nginx/sites-enabled/hearth"
	check "remove: nginx -t still passes" in_root nginx -t -q
	check "remove: the database and the room stay" room_in_db

	if in_root apt-get purge -y hearth >"$LOG/purge.log" 2>&1 && { [ -z "$(pkg_status)" ] || [ "$(pkg_status)" = un ]; }; then
		pass "apt-get purge hearth"
	else
		tail -n 20 "$LOG/purge.log"
		fail "apt-get purge hearth"
		return 1
	fi
	check "purge: /etc/hearth is gone" test ! -e "$ROOT/etc/hearth"
	check "purge: /var/log/hearth is gone" test ! -e "$ROOT/var/log/hearth"
	check "purge: the media directory stays" test -d "$ROOT/var/lib/hearth/media"
	check "purge: the database and the room stay" room_in_db
	check "purge: nginx's default site is back" test -L "$ROOT/etc/nginx/sites-enabled/default"
}

reinstall() {
	phase "reinstalling $(basename "$NEW_DEB") over the kept database"
	if apt_install "$NEW_DEB" reinstall && read_key; then
		pass "reinstall sets up again and makes a new admin key"
	else
		tail -n 30 "$LOG/reinstall.log"
		fail "reinstall $(basename "$NEW_DEB")"
		return 1
	fi
	check "reinstall: the nginx site is enabled again" test -L "$ROOT/etc/nginx/sites-enabled/hearth"
	start_unit hearth-api api_socket || return 1
	# nginx read a site that has since been disabled and enabled again.
	in_net nginx -s reload >>"$LOG/nginx.log" 2>&1 || true
	sleep 1
	api_checks "reinstall"
	check "reinstall: the room is found" room_listed
}

# ------------------------------------------------------------------ main
# shellcheck disable=SC2317 # finish and the checks are called indirectly

say "work directory $W"
build_packages || exit 1
make_base
phase "preparing the $SUITE root"
make_root
first_install && { upgrade; remove_purge && reinstall; } || true
exit 0
