#!/bin/sh
# Build Hearth's Debian package from a clean copy of the source tree.
#
#   tests/packaging/build-deb.sh [--rev REV] [--version VERSION] [--check] OUTDIR
#
# The copy is the working tree as git sees it (tracked and untracked files,
# not the ignored ones: no .devstack, no build products), or the tree of
# commit REV with --rev.  packaging/debian becomes debian/ at its top,
# dpkg-buildpackage builds it (./configure, no sanitizers), and the .deb
# lands in OUTDIR; its path is the last line printed.  --version VERSION
# adds a changelog entry first, as an upgrade would have.  The unit tests
# are skipped (./devstack test runs them) unless --check is given.
#
# Build dependencies: dpkg-dev, debhelper and the Build-Depends of
# packaging/debian/control; dpkg-buildpackage names any that are missing.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
REV='' VERSION='' CHECK=''
while [ $# -gt 1 ]; do
	case $1 in
	--rev) REV=$2; shift 2 ;;
	--version) VERSION=$2; shift 2 ;;
	--check) CHECK=1; shift ;;
	*) break ;;
	esac
done
[ $# = 1 ] || { echo "usage: $0 [--rev REV] [--version VERSION] [--check] OUTDIR" >&2; exit 64; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd -P)

WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
TREE=$WORK/hearth
mkdir -p "$TREE"

if [ -n "$REV" ]; then
	git -C "$SRC" archive --format=tar "$REV" | tar -x -C "$TREE"
elif git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	# Files deleted but not yet committed are listed and skipped.
	(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
		tar -c --null -T - --ignore-failed-read -f - 2>/dev/null) | tar -x -C "$TREE"
else
	tar -c -C "$SRC" --exclude=./.devstack --exclude=./.git --exclude=./config.status \
		--exclude=./config.log . | tar -x -C "$TREE"
fi
[ -f "$TREE/packaging/debian/control" ] || { echo "build-deb: no packaging/debian in that tree" >&2; exit 1; }
cp -R "$TREE/packaging/debian" "$TREE/debian"

if [ -n "$VERSION" ]; then
	{
		printf 'hearth (%s) unstable; urgency=medium\n\n' "$VERSION"
		printf '  * Rebuilt as %s.\n\n' "$VERSION"
		printf ' -- Hearth Developers <dev@hearth.invalid>  %s\n\n' "$(date -R)"
		cat "$TREE/debian/changelog"
	} >"$WORK/changelog"
	mv "$WORK/changelog" "$TREE/debian/changelog"
fi

# configure asks git for the commit the build came from.
if [ -z "$REV" ] && [ -d "$SRC/.git" ]; then
	GIT_DIR=$SRC/.git
	export GIT_DIR
fi
opts="parallel=$(nproc)" profiles=
[ -n "$CHECK" ] || { opts="$opts nocheck"; profiles=nocheck; }
(cd "$TREE" && DEB_BUILD_OPTIONS="$opts" DEB_BUILD_PROFILES="$profiles" \
	dpkg-buildpackage -b -us -uc) >"$OUT/build.log" 2>&1 || {
	tail -n 40 "$OUT/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (log: $OUT/build.log)" >&2
	exit 1
}
deb=$(ls "$WORK"/hearth_*.deb)
mv "$WORK"/hearth_*.deb "$WORK"/hearth_*.buildinfo "$WORK"/hearth_*.changes "$OUT"/
ls "$WORK"/hearth-dbgsym_*.deb >/dev/null 2>&1 && mv "$WORK"/hearth-dbgsym_*.deb "$OUT"/
echo "$OUT/$(basename "$deb")"
