#!/bin/bash
# Tools for assistants: GET /mcp/tools and POST /mcp/tools/{name} (REST),
# and POST /mcp, the Model Context Protocol's Streamable HTTP transport,
# spoken by the official client SDK (@modelcontextprotocol/sdk, pinned in
# tests/mcp/package-lock.json) with a key of each role.  A tool is the
# caller's own request of its route: a role calls exactly what it may do
# by hand, and the route audits it.
. "$(dirname "$0")/lib.sh"

P="mcp-$RUN_ID"
MCP=/api/v1/mcp
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t_mcp","version":"1"}}}'

create_key "$P-reader" mcp_readonly && READER=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
create_key "$P-carer" caregiver && CARER=$NEW_KEY
on_exit "KEY=\$ADMIN api DELETE /api/v1/api-keys/$KEY_ID"
create_room "$P-room" && ROOM=$ROOM_ID
on_exit "sql \"DELETE FROM rooms WHERE id = $ROOM\""
create_room "$P-room-2" && ROOM2=$ROOM_ID   # list_rooms with limit 2 has two to show
on_exit "sql \"DELETE FROM rooms WHERE id = $ROOM2\""
create_rule "manual" '{"trigger_type": "manual"}' && RULE=$RULE_ID
on_exit "sql \"DELETE FROM event_logs WHERE rule_id = $RULE\"; sql \"DELETE FROM workflow_executions WHERE rule_id = $RULE\"; sql \"DELETE FROM rules WHERE id = $RULE\""

tools_of() { jb '[.tools[].name] | join(",")'; }

# ---------------------------------------------------------------- REST: the list
api GET $MCP/tools
expect_status 200 "GET /mcp/tools: 200"
expect_json '.tools | length' 15 "... 15 tools for an admin"
expect_json '[.tools[] | select(.inputSchema.type == "object" and (.description | length) > 0 and (.annotations.readOnlyHint | type) == "boolean")] | length' 15 \
	"... each with a description, a JSON Schema of its arguments and its annotations"
expect_json '.tools[] | select(.name == "get_room") | [.inputSchema.required[0], .inputSchema.properties.room_id.type, .inputSchema.additionalProperties] | map(tostring) | join(",")' \
	"room_id,integer,false" "... get_room needs an integer room_id, and nothing else"
api GET /api/v1/tools
expect_json '.tools | length' 15 "GET /tools: the same list"
KEY=$READER api GET $MCP/tools
R_TOOLS=$(tools_of)
check "mcp_readonly lists the read tools and run_rule ($R_TOOLS)" \
	grep -q 'list_rooms.*get_occupancy.*list_alerts.*run_rule' <<<"$R_TOOLS"
case ",$R_TOOLS," in *,dismiss_alert,*|*,snapshot_camera,*) not_ok "... but no tool its role may not use" "$R_TOOLS" ;;
*) ok "... but no tool its role may not use (dismiss_alert, snapshot_camera)" ;; esac
KEY=$CARER api GET $MCP/tools
C_TOOLS=$(tools_of)
case ",$C_TOOLS," in *,dismiss_alert,*) ok "a caregiver lists dismiss_alert" ;;
*) not_ok "a caregiver lists dismiss_alert" "$C_TOOLS" ;; esac
case ",$C_TOOLS," in *,run_rule,*) not_ok "... and not run_rule" "$C_TOOLS" ;;
*) ok "... and not run_rule" ;; esac

# ---------------------------------------------------------------- REST: calls
api POST $MCP/tools/get_room "{\"room_id\": $ROOM}"
expect_status 200 "POST /mcp/tools/get_room: 200"
expect_json .name "$P-room" "... the room, as GET /rooms/{id} answers it"
api POST $MCP/tools/list_rooms '{"limit": 1}'
expect_json '.items | length' 1 "list_rooms with limit 1: one room"
api POST $MCP/tools/get_room '{"room_id": 999999999}'
expect_status 404 "a room that does not exist: the route's 404"
api POST $MCP/tools/get_room '{}'
expect_status 422 "no room_id: 422"
expect_loc '["body","room_id"]' missing "... at body.room_id"
api POST $MCP/tools/get_room '{"room_id": "7; DROP TABLE rooms"}'
expect_status 422 "a room_id that is not an integer: 422"
api POST $MCP/tools/list_rooms '{"limit": 1, "order": "name"}'
expect_status 422 "an argument the tool does not take: 422"
expect_loc '["body","order"]' extra_forbidden "... at body.order"
api POST $MCP/tools/no_such_tool '{}'
expect_status 404 "a tool that does not exist: 404"

RUNS0=$(q "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $RULE")
AUDIT0=$(q "SELECT COALESCE(MAX(id), 0) FROM audit_log")
KEY=$READER api POST $MCP/tools/run_rule "{\"rule_id\": $RULE, \"input\": {\"asked_by\": \"assistant\"}}"
check "mcp_readonly runs a rule through run_rule: $STATUS" test "${STATUS:0:1}" = 2
wait_until 10 sql_is "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $RULE" "$((RUNS0 + 1))"
is "$(q "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $RULE")" "$((RUNS0 + 1))" "... and the run exists"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/rules/$RULE/execute' AND actor = '$P-reader'")" 1 \
	"... audited as the rule's execution, by the key that called the tool"
is "$(q "SELECT COUNT(*) FROM audit_log WHERE id > $AUDIT0 AND path = '/api/v1/mcp/tools/run_rule' AND object_id = 'run_rule'")" 1 \
	"... and as the tool call"
KEY=$READER api POST $MCP/tools/dismiss_alert '{"alert_id": 1}'
expect_status 403 "mcp_readonly may not dismiss an alert: 403"
KEY=$CARER api POST $MCP/tools/run_rule "{\"rule_id\": $RULE}"
expect_status 403 "a caregiver may not run a rule through a tool: 403"
is "$(q "SELECT COUNT(*) FROM workflow_executions WHERE rule_id = $RULE")" "$((RUNS0 + 1))" "... no run was made"

# ---------------------------------------------------------------- MCP over HTTP, by hand
mcp() { # KEY SESSION BODY [extra curl args]
	local key=$1 session=$2 body=$3
	shift 3
	KEY=$key api POST $MCP "$body" -H 'Accept: application/json, text/event-stream' \
		${session:+-H "Mcp-Session-Id: $session"} "$@"
}
mcp "$ADMIN" "" "$INIT"
expect_status 200 "initialize: 200"
expect_json '[.jsonrpc, .id, .result.protocolVersion, .result.serverInfo.name, (.result.capabilities.tools | type)] | map(tostring) | join(",")' \
	"2.0,1,2025-06-18,hearth,object" "... protocol 2025-06-18, Hearth, tools offered"
SESSION=$(header mcp-session-id)
check "... and an Mcp-Session-Id header (${#SESSION} characters)" test "${#SESSION}" -ge 32
is "$(q "SELECT COUNT(*) FROM mcp_sessions WHERE token_hash = UNHEX(SHA2('$SESSION', 256))")" 1 \
	"... kept as its SHA-256"
is "$(q "SELECT COUNT(*) FROM mcp_sessions WHERE token_hash = '$SESSION'")" 0 "... never as itself"
mcp "$ADMIN" "" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{}}}'
expect_json .result.protocolVersion 2024-11-05 "a client of 2024-11-05 is answered in it"
mcp "$ADMIN" "" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{}}}'
expect_json .result.protocolVersion 2025-06-18 "... one of an unknown revision in the newest"

mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","method":"notifications/initialized"}'
expect_status 202 "notifications/initialized: 202, no body"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":"p","method":"ping"}'
expect_json '[.id, (.result | length)] | map(tostring) | join(",")' "p,0" "ping: an empty result"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' -H 'MCP-Protocol-Version: 2025-06-18'
expect_json '.result.tools | length' 15 "tools/list: 15 tools"
mcp "$ADMIN" "$SESSION" "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"get_room\",\"arguments\":{\"room_id\":$ROOM}}}"
expect_json '[.result.isError, .result.structuredContent.name, (.result.content[0].text | fromjson | .name)] | map(tostring) | join(",")' \
	"false,$P-room,$P-room" "tools/call get_room: the room, as text and as structured content"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_room","arguments":{"room_id":"x"}}}'
expect_json '[.result.isError, (.result.content[0].text | fromjson | .detail[0].loc | join("."))] | map(tostring) | join(",")' \
	"true,arguments.room_id" "... bad arguments: a tool error the model can read (isError, where)"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get_room","arguments":{"room_id":999999999}}}'
expect_json '.result.isError' true "... the route's 404: isError"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"rm_rf"}}'
expect_json '.error.code' -32602 "an unknown tool: -32602"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":7,"method":"resources/list"}'
expect_json '.error.code' -32601 "a method Hearth does not offer: -32601"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"1.0","id":8,"method":"ping"}'
expect_status 400 "not JSON-RPC 2.0: 400"
expect_json '[.id, .error.code] | map(tostring) | join(",")' "8,-32600" "... -32600, with its id"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":9,"method":"ping"}' -H 'MCP-Protocol-Version: 2023-01-01'
expect_status 400 "an MCP-Protocol-Version Hearth does not speak: 400"
mcp "$ADMIN" "" '{"jsonrpc":"2.0","id":10,"method":"tools/list"}'
expect_status 400 "no session: 400"
mcp "$ADMIN" "not-a-session" '{"jsonrpc":"2.0","id":11,"method":"tools/list"}'
expect_status 404 "a session that does not exist: 404"
mcp "$READER" "$SESSION" '{"jsonrpc":"2.0","id":12,"method":"tools/list"}'
expect_status 404 "another key's session: 404, as if it did not exist"
KEY=$ADMIN api GET $MCP
expect_status 405 "GET /mcp: 405 (Hearth sends nothing unasked)"
KEY=$ADMIN api DELETE $MCP "" -H "Mcp-Session-Id: $SESSION"
expect_status 204 "DELETE /mcp ends the session: 204"
mcp "$ADMIN" "$SESSION" '{"jsonrpc":"2.0","id":13,"method":"ping"}'
expect_status 404 "... after which it is gone: 404"
KEY= api POST $MCP "$INIT"
expect_status 401 "no credential: 401"

# ---------------------------------------------------------------- the official SDK
NODE_DIR=$HEARTH_SRC_DIR/.devstack/node/mcp
if ! command -v npm >/dev/null 2>&1; then
	not_ok "the MCP SDK is installed" "npm is missing (./devstack up installs it)"
	finish
fi
if ! cmp -s "$HEARTH_SRC_DIR/tests/mcp/package-lock.json" "$NODE_DIR/package-lock.json" ||
	[ ! -d "$NODE_DIR/node_modules/@modelcontextprotocol/sdk" ]; then
	rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
	cp "$HEARTH_SRC_DIR/tests/mcp/package.json" "$HEARTH_SRC_DIR/tests/mcp/package-lock.json" "$NODE_DIR/"
	(cd "$NODE_DIR" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1 ||
		{ not_ok "npm ci of the MCP SDK" "$(tail -n 5 "$T/npm.log")"; finish; }
fi
cp "$HEARTH_SRC_DIR/tests/mcp/client.mjs" "$NODE_DIR/"
sdk() { (cd "$NODE_DIR" && NODE_TLS_REJECT_UNAUTHORIZED=0 node client.mjs "$URL$MCP" "$@" 2>/dev/null); }

BODY=$(sdk "$ADMIN" list_rooms '{"limit": 2}')
expect_json '[.protocol, .server.name, .session, (.tools | length), .call.isError, (.call.structuredContent.items | length)] | map(tostring) | join(",")' \
	"2025-06-18,hearth,yes,15,false,2" "SDK, admin: connects, a session, 15 tools, list_rooms answers"
BODY=$(sdk "$READER" run_rule "{\"rule_id\": $RULE}")
expect_json '[(.tools | index("run_rule") != null), (.tools | index("dismiss_alert") == null), .call.isError] | map(tostring) | join(",")' \
	"true,true,false" "SDK, mcp_readonly: run_rule listed and it runs; dismiss_alert not listed"
BODY=$(sdk "$READER" dismiss_alert '{"alert_id": 1}')
expect_json '.call.isError' true "SDK, mcp_readonly calling dismiss_alert anyway: refused (isError)"
BODY=$(sdk "$CARER" get_occupancy)
expect_json '[(.tools | index("run_rule") == null), .call.isError] | map(tostring) | join(",")' "true,false" \
	"SDK, caregiver: no run_rule; get_occupancy answers"
BODY=$(sdk "hk_00000000_nope" list_rooms)
expect_json '.error | test("invalid API key")' true "SDK with a key that is not one: refused, with the API's reason"
is "$(q "SELECT COUNT(*) FROM mcp_sessions WHERE client LIKE 'hearth-test%'")" 0 \
	"the SDK's sessions ended with terminateSession"
finish
