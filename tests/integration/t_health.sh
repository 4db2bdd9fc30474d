#!/bin/bash
# Public endpoints, TLS front and the static pages.
. "$(dirname "$0")/lib.sh"

# ---- /health: no key, no database
KEY= api GET /health
expect_status 200 "GET /health without a key is 200"
expect_header Content-Type '^application/json' "/health is JSON"
expect_json .status ok "/health says {\"status\": \"ok\"}"

KEY= api HEAD /health
expect_status 200 "HEAD /health is 200"

# ---- plain HTTP redirects to HTTPS
if [ -n "$HTTP_URL" ]; then
	KEY= api GET "$HTTP_URL/health"
	expect_status '301|308' "http:// answers with a permanent redirect"
	expect_header Location '^https://[^/]+/health$' "the redirect points at https://.../health"
	loc=$(header Location)
	KEY= api GET "$HTTP_URL/api/v1/rooms?limit=1"
	expect_header Location '^https://[^/]+/api/v1/rooms\?limit=1$' "the redirect keeps path and query"
	if [ -n "$loc" ]; then
		KEY= api GET "$loc"
		expect_status 200 "following the redirect ($loc) reaches /health over TLS"
	else
		not_ok "following the redirect reaches /health over TLS" "no Location header"
	fi
	# The redirect goes to the configured name, whatever Host the client
	# sends: a forged one must not turn it into a redirect elsewhere.
	KEY= api GET "$HTTP_URL/health" "" -H "Host: evil.example"
	expect_status '301|308' "a forged Host header: still a redirect"
	expect_header Location "^${URL}/health\$" "... to this site ($URL), not to evil.example"
	KEY= api GET "$HTTP_URL/api/v1/rooms?limit=1" "" -H "Host: evil.example:8443"
	expect_header Location "^${URL}/api/v1/rooms\\?limit=1\$" "... also with a port in the forged Host"
	KEY= api GET "$HTTP_URL/health" "" --http1.0 -H "Host:"
	expect_header Location "^${URL}/health\$" "... and with no Host at all (HTTP/1.0)"
	KEY= api GET "$HTTP_URL/health" "" --request-target "http://evil.example/health"
	expect_header Location "^${URL}/health\$" "... and with an absolute URI naming another host"
else
	skip "http -> https redirect" "HEARTH_TEST_HTTP_URL not set"
fi

# ---- the static index and its security headers
KEY= api GET /
expect_status 200 "GET / is 200"
expect_header Content-Type '^text/html' "/ is HTML"
expect_header Strict-Transport-Security '^max-age=[0-9]+' "/ sends HSTS (max-age=0 in the dev stack)"
expect_header X-Content-Type-Options '^nosniff$' "/ sends X-Content-Type-Options: nosniff"
expect_header Content-Security-Policy "default-src|script-src" "/ sends a Content-Security-Policy"
case $BODY in
*"<html"* | *"<!DOCTYPE"* | *"<!doctype"*) ok "/ body is an HTML document" ;;
*) not_ok "/ body is an HTML document" "$(_last)" ;;
esac

KEY= api GET /docs
if [ "$STATUS" = 301 ] || [ "$STATUS" = 302 ] || [ "$STATUS" = 308 ]; then
	# /docs -> /docs/ is fine; follow it once.
	KEY= api GET /docs -L
fi
expect_status 200 "GET /docs is 200"
expect_header Content-Type '^text/html' "/docs is HTML"
case $BODY in
*"<html"* | *"<!DOCTYPE"* | *"<!doctype"*) ok "/docs body is an HTML document" ;;
*) not_ok "/docs body is an HTML document" "$(_last)" ;;
esac

# ---- readiness and status
KEY= api GET /api/v1/ready
expect_status 200 "GET /api/v1/ready is 200 on a healthy stack"
expect_json .status ready "/ready says ready"
expect_json .checks.database ok "/ready: database ok"
expect_json .checks.schema ok "/ready: schema ok"
expect_json .checks.cache ok "/ready: cache ok"

KEY= api GET /api/v1/status
expect_status 200 "GET /api/v1/status is 200 without a key"
expect_json 'has("version") or has("commit")' false "/status without a key shows no version or commit"
expect_json '.uptime_seconds | type == "number" and . >= 0' true "/status has uptime_seconds >= 0"
expect_json '.schema.current | type' number "/status has schema.current"
expect_json '.schema.required | type' number "/status has schema.required"
expect_json '.schema.current == .schema.required and .schema.required >= 1' true "/status: the schema is current"
expect_json .components.database ok "/status: database ok"
expect_json .components.cache ok "/status: cache ok"
expect_json ".schema.current | tostring" "$(sql 'SELECT MAX(version) FROM schema_migrations')" \
	"/status schema.current matches schema_migrations"

# A valid key, given any of the usual ways, also sees the build.
KEY=$ADMIN api GET /api/v1/status
expect_status 200 "GET /api/v1/status with a key is 200"
expect_json '.version | type' string "/status with a key has a version string"
expect_json '.commit | type' string "/status with a key has a commit string"
expect_json '.components.database' ok "... and the same component health"
KEY= api GET "/api/v1/status?api_key=$ADMIN"
expect_json '.version | type' string "/status with ?api_key= has the version"
KEY= api GET /api/v1/status "" -H "Authorization: Bearer $ADMIN"
expect_json '.commit | type' string "/status with a Bearer token has the commit"
# A wrong key is an anonymous caller here, not a refusal.
KEY=hk_wrongwrong.not-a-key api GET /api/v1/status
expect_status 200 "/status with a wrong key is still 200"
expect_json 'has("version") or has("commit")' false "... without the version or commit"
KEY= api HEAD /api/v1/status
expect_status 200 "HEAD /api/v1/status without a key is 200"

# ---- the OpenAPI document
KEY= api GET /api/v1/openapi.json
expect_status 200 "GET /api/v1/openapi.json is 200 without a key"
expect_header Content-Type '^application/json' "openapi.json is served as JSON"
expect_json '.openapi | test("^3\\.1\\.[0-9]+$")' true "openapi is \"3.1.x\""
expect_json '.info.title | type' string "openapi.json has info.title"
# Every route of the contract is in the document (paths either absolute or
# relative to a /api/v1 server URL).
missing=$(jb '
	. as $doc |
	[["get","/health"],["get","/api/v1/ready"],["get","/api/v1/status"],["get","/api/v1/openapi.json"],
	 ["get","/api/v1/rooms"],["post","/api/v1/rooms"],["get","/api/v1/rooms/{id}"],
	 ["put","/api/v1/rooms/{id}"],["delete","/api/v1/rooms/{id}"],
	 ["get","/api/v1/sensors"],["post","/api/v1/sensors"],["get","/api/v1/sensors/{id}"],
	 ["put","/api/v1/sensors/{id}"],["delete","/api/v1/sensors/{id}"],["get","/api/v1/sensor-types"],
	 ["get","/api/v1/api-keys"],["post","/api/v1/api-keys"],["delete","/api/v1/api-keys/{id}"]]
	| map(select(. as [$m, $p] |
		(($doc.paths[$p] // {})[$m] // ($doc.paths[$p | sub("^/api/v1"; "")] // {})[$m]) == null))
	| map(join(" ")) | join(", ")')
is "$missing" "" "openapi.json documents every route"

# ---- the API answers JSON with the right type even for errors
KEY= api GET /api/v1/rooms
expect_header Content-Type '^application/json' "a 401 is JSON too"

finish
