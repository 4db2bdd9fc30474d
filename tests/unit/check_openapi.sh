#!/bin/sh
# The route table (fcgi-app/router.c) and static/openapi.json must describe
# the same API: the same "METHOD PATH" pairs and the same public routes,
# a 401 documented wherever a key is needed, and strict request bodies.
# Exit 77 (skipped) without jq.
set -u
LC_ALL=C
export LC_ALL

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
router=$top_srcdir/fcgi-app/router.c
spec=$top_srcdir/static/openapi.json

command -v jq >/dev/null 2>&1 || { echo "check_openapi: needs jq (apt-get install jq)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

if ! jq empty "$spec"; then
	echo "check_openapi: $spec is not valid JSON"
	exit 1
fi

# {"GET",    "/api/v1/rooms/{id}",   h_rooms_get,   PUBLIC | NO_DB},
# becomes "GET /api/v1/rooms/{id} PUBLIC | NO_DB".
sed -n 's/^[[:space:]]*{[[:space:]]*"\([A-Z]*\)",[[:space:]]*"\([^"]*\)",[[:space:]]*[a-z_0-9]*,[[:space:]]*\([^}]*\)}.*$/\1 \2 \3/p' \
	"$router" > "$tmp/table"
if [ ! -s "$tmp/table" ]; then
	echo "check_openapi: found no routes in $router"
	exit 1
fi
cut -d' ' -f1,2 "$tmp/table" | sort > "$tmp/router"
grep -w PUBLIC "$tmp/table" | cut -d' ' -f1,2 | sort > "$tmp/router-public"

ops='.paths | to_entries[] | .key as $p | .value | to_entries[]
	| select(.key | IN("get", "put", "post", "delete", "patch", "head", "options", "trace"))
	| {m: (.key | ascii_upcase), p: $p, op: .value}'

jq -r "$ops | \"\\(.m) \\(.p)\"" "$spec" | sort > "$tmp/spec"
jq -r "$ops | select(.op.security == []) | \"\\(.m) \\(.p)\"" "$spec" | sort > "$tmp/spec-public"

if ! diff -u "$tmp/router" "$tmp/spec" > "$tmp/diff"; then
	echo "check_openapi: routes differ (- fcgi-app/router.c, + static/openapi.json):"
	cat "$tmp/diff"
	fail=1
fi
if ! diff -u "$tmp/router-public" "$tmp/spec-public" > "$tmp/diff"; then
	echo "check_openapi: public routes differ (- PUBLIC in router.c, + security: [] in openapi.json):"
	cat "$tmp/diff"
	fail=1
fi

version=$(jq -r '.openapi' "$spec")
case $version in
3.1.*) ;;
*) echo "check_openapi: openapi is '$version', want 3.1.x"; fail=1 ;;
esac

# Every operation that needs a key says what happens without one.
jq -r "$ops | select(.op.security != [] and (.op.responses[\"401\"] == null))
	| \"\\(.m) \\(.p): no 401 response\"" "$spec" > "$tmp/problems"

# Every operation is named and summarised.
jq -r "$ops | select((.op.operationId | type) != \"string\" or (.op.summary | type) != \"string\")
	| \"\\(.m) \\(.p): no operationId or summary\"" "$spec" >> "$tmp/problems"

# Request bodies refuse unknown fields, as the handlers do: every object a
# body schema allows (through $ref, oneOf and array items) is closed.  The
# one exception is a body Hearth does not define (a webhook's payload, made
# by the system that calls it), marked "x-open-body": true.
jq -r --slurpfile doc "$spec" "
	def strict(\$depth):
		if \$depth > 8 then false
		elif .[\"x-open-body\"] == true then true
		elif has(\"\$ref\") then
			(.[\"\$ref\"] | ltrimstr(\"#/components/schemas/\")) as \$n
			| \$doc[0].components.schemas[\$n] | strict(\$depth + 1)
		elif has(\"oneOf\") then all(.oneOf[]; strict(\$depth + 1))
		elif .type == \"array\" then (.items // {}) | strict(\$depth + 1)
		else .additionalProperties == false
		end;
	$ops | select(.op.requestBody != null)
	| .op.requestBody.content[\"application/json\"].schema as \$s
	| select((\$s | strict(0)) | not)
	| \"\\(.m) \\(.p): request body schema '\\(\$s[\"\$ref\"] // \"inline\")' allows additional properties\"" \
	"$spec" >> "$tmp/problems"

if [ -s "$tmp/problems" ]; then
	echo "check_openapi: $spec:"
	cat "$tmp/problems"
	fail=1
fi

[ "$fail" -eq 0 ] && echo "check_openapi: $(wc -l < "$tmp/router") routes match"
exit "$fail"
