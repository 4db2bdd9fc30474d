#!/bin/sh
# Banned functions: each has a bounded or checked replacement.
#
#   sprintf, vsprintf  -> snprintf, vsnprintf
#   strcpy, strcat     -> snprintf, or memcpy with a length checked first
#   strtok             -> strtok_r, or a plain loop with strchr/strcspn
#   gets               -> fgets
#   atoi, atol, atoll  -> strtol/strtoll with the end pointer and errno checked
#
# Comments are not code: whole comment lines and the comment part of a
# line are skipped.  Fails listing file:line for every use.
set -eu

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
banned='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|strtok|gets|atoi|atol|atoll)[[:space:]]*[(]'

dirs=
for d in lib fcgi-app cli cron bench; do
	[ -d "$top/$d" ] && dirs="$dirs $top/$d"
done
[ -n "$dirs" ] || { echo "check_banned: no sources under $top" >&2; exit 1; }

# shellcheck disable=SC2086 # $dirs is a list of directories
hits=$(find $dirs -type f \( -name '*.c' -o -name '*.h' \) -exec \
	grep -HnE "$banned" {} + | awk -v re="$banned" -v top="$top/" '
	{
		match($0, /^[^:]+:[0-9]+:/)
		loc = substr($0, 1, RLENGTH)
		if (substr(loc, 1, length(top)) == top)
			loc = substr(loc, length(top) + 1)
		code = substr($0, RLENGTH + 1)
		gsub(/\/\*[^*]*\*+([^\/*][^*]*\*+)*\//, "", code)
		sub(/\/\/.*/, "", code)
		if (code ~ /^[ \t]*(\*|\/\*)/)
			next
		if (code ~ re)
			print loc code
	}')

if [ -n "$hits" ]; then
	echo "banned functions (see tests/unit/check_banned.sh for what to use instead):"
	echo "$hits"
	exit 1
fi
echo "check_banned: no banned functions"
