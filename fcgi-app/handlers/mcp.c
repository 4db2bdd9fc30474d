/*
 * Tools for assistants, two ways:
 *
 *   GET /mcp/tools, POST /mcp/tools/{name}   plain REST: the tools the
 *       caller's role may call, and a call answered as its route answers
 *   POST /mcp, DELETE /mcp                   the Model Context Protocol's
 *       Streamable HTTP transport: JSON-RPC 2.0 (initialize, ping,
 *       tools/list, tools/call), a session per initialize
 *       (Mcp-Session-Id), each answer as application/json
 *
 * Every tool call is the caller's own request of the tool's route
 * (mcp.h), so a role can do through a tool exactly what it can do by hand,
 * and the route writes its audit row as it always does.  The server sends
 * nothing unasked, so there is no stream to open: GET /mcp is 405, which
 * the transport allows.  The routes own their transactions (the tool's
 * route runs its own).
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "build-config.h" /* PACKAGE_VERSION */
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "mcp.h"
#include "mcp/jsonrpc.h"
#include "request.h"
#include "resource.h"
#include "response.h"
#include "roles.h"
#include "router.h"
#include "store/mcp_sessions.h"

/* The most of a tool's answer handed to a model, as text. */
#define MCP_RESULT_MAX (64 * 1024)
#define MCP_SESSION_MAX 64

/* The tools the caller's role may call, as MCP lists them. */
static json_t *mcp__tools(struct ctx *c)
{
	json_t *tools = json_array();

	for (size_t i = 0; tools && i < mcp_tools_count; i++)
		if (mcp_tool_allowed(c->app->roles, c->who->role, &mcp_tools[i]))
			json_array_append_new(tools, mcp_tool_json(&mcp_tools[i]));
	return tools;
}

int h_mcp_tools_list(struct ctx *c, struct response *r)
{
	json_t *tools = mcp__tools(c);

	return ctx_reply(r, 200, tools ? json_pack("{s:o}", "tools", tools) : NULL);
}

/* POST /mcp/tools/{name}: the body is the arguments; the answer is the
 * route's (its status, its body). */
int h_mcp_tools_call(struct ctx *c, struct response *r)
{
	char name[64];
	const struct mcp_tool *t;
	json_t *args, *errs, *result = NULL;
	int status;

	if (route_capture(c->m, "name", name, sizeof(name)) != 0 || !(t = mcp_tool_find(name)))
		return response_detail(r, 404, "no tool is called that (GET /mcp/tools lists them)");
	if (!mcp_tool_allowed(c->app->roles, c->who->role, t))
		return response_detail(r, 403, "role '%s' may not call %s", c->who->role, t->name);
	status = resource_start(r);
	args = ctx_body(c);
	errs = json_array();
	if (args && errs && mcp_tool_check(t, args, at_body, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
	} else if (args && errs && mcp_tool_call(c, t, args, &status, &result) == 0) {
		snprintf(c->object_id, sizeof(c->object_id), "%s", t->name);
		status = status == 204 ? ctx_reply(r, 204, NULL) : ctx_reply(r, status, result);
		result = NULL;
	}
	json_decref(result);
	json_decref(errs);
	json_decref(args);
	return status;
}

/* ---------------------------------------------------------------- POST /mcp */

/* A JSON-RPC error as the HTTP reply status. */
static int mcp__error(struct response *r, int status, const json_t *id, int code,
		      const char *message)
{
	return ctx_reply(r, status, jsonrpc_error(id, code, message));
}

/* tools/call's result: the route's answer as text (and as
 * structuredContent when it is an object), isError for a 4xx or 5xx. */
static json_t *mcp__call_result(int status, json_t *answer)
{
	char *text = json_dumps(answer, JSON_COMPACT | JSON_ENCODE_ANY | HEARTH_JSON_REALS);
	json_t *out = NULL;
	char note[160];

	if (!text)
		goto out;
	if (strlen(text) > MCP_RESULT_MAX) {
		snprintf(note, sizeof(note), "the answer is %zu bytes, more than %d: ask for less"
			 " (a smaller limit, a filter)", strlen(text), MCP_RESULT_MAX);
		out = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", note,
				"isError", true);
		goto out;
	}
	out = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text,
			"isError", status >= 400);
	if (out && json_is_object(answer) && status < 400)
		json_object_set(out, "structuredContent", answer);
out:
	free(text);
	json_decref(answer);
	return out;
}

/* tools/call: the tool's problems (unknown arguments, a refusal) are the
 * tool's result with isError, so a model can read and correct them; only
 * a tool that does not exist is a protocol error. */
static int mcp__tools_call(struct ctx *c, struct response *r, const json_t *id,
			   const json_t *params)
{
	static const char *const at_arguments[] = {"arguments", NULL};
	const char *name = json_string_value(json_object_get(params, "name"));
	const json_t *args = json_object_get(params, "arguments");
	const struct mcp_tool *t = mcp_tool_find(name);
	json_t *errs, *answer = NULL;
	int status;

	if (!t)
		return mcp__error(r, 200, id, JSONRPC_INVALID_PARAMS, "Unknown tool");
	if (args && !json_is_object(args))
		return mcp__error(r, 200, id, JSONRPC_INVALID_PARAMS, "arguments must be an object");
	snprintf(c->object_id, sizeof(c->object_id), "%s", t->name);
	if (!mcp_tool_allowed(c->app->roles, c->who->role, t)) {
		answer = json_pack("{s:s}", "detail", "your role may not call this tool");
		return ctx_reply(r, 200, jsonrpc_result(id, mcp__call_result(403, answer)));
	}
	if (!(errs = json_array()))
		return resource_start(r);
	if (mcp_tool_check(t, args, at_arguments, errs) > 0)
		return ctx_reply(r, 200, jsonrpc_result(id, mcp__call_result(422, json_pack(
			"{s:o}", "detail", errs))));
	json_decref(errs);
	if (mcp_tool_call(c, t, args, &status, &answer) < 0)
		return mcp__error(r, 200, id, JSONRPC_INTERNAL_ERROR, "the tool could not be called");
	return ctx_reply(r, 200, jsonrpc_result(id, mcp__call_result(status, answer)));
}

static const char *mcp__text(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

/* initialize: the protocol revision, what Hearth offers, and a session. */
static int mcp__initialize(struct ctx *c, struct response *r, const json_t *id,
			   const json_t *params)
{
	const json_t *asked = json_object_get(params, "protocolVersion");
	const json_t *info = json_object_get(params, "clientInfo");
	unsigned char hash[AUTH_HASH_LEN];
	char session[MCP_SESSION_MAX], client[128];
	const char *protocol;
	enum herr e;

	if (!json_is_string(asked))
		return mcp__error(r, 200, id, JSONRPC_INVALID_PARAMS,
				  "params.protocolVersion is required");
	protocol = mcp_protocol_pick(json_string_value(asked));
	snprintf(client, sizeof(client), "%s %s", mcp__text(json_object_get(info, "name")),
		 mcp__text(json_object_get(info, "version")));
	utf8_trim_cut(client);
	if (auth_secret_generate(session, sizeof(session), hash) != 0)
		return response_detail(r, 500, "no randomness for a session");
	e = store_mcp_session_open(c->app->db, hash, c->who->key_id, c->who->user_id, protocol,
				   client);
	if (e != HERR_OK) {
		explicit_bzero(session, sizeof(session));
		return response_error(r, e, "MCP session");
	}
	response_add_header(r, "Mcp-Session-Id", session);
	explicit_bzero(session, sizeof(session));
	return ctx_reply(r, 200, jsonrpc_result(id, json_pack(
		"{s:s, s:{s:{s:b}}, s:{s:s, s:s, s:s}, s:s}",
		"protocolVersion", protocol,
		"capabilities", "tools", "listChanged", false,
		"serverInfo", "name", "hearth", "title", "Hearth", "version", PACKAGE_VERSION,
		"instructions", "Hearth is a home hub: rooms, sensors, people, rules and alerts. "
				"Read with the list_ and get_ tools; ids come from the lists.")));
}

/* The session the request names, for its caller: 0, or -1 with r set
 * (400 without one, 404 for one that is over or another's). */
static int mcp__session(struct ctx *c, struct response *r, const json_t *id, bool end)
{
	const char *s = c->req->mcp_session;
	char protocol[MCP_PROTOCOL_MAX + 1];
	unsigned char hash[AUTH_HASH_LEN];
	enum herr e;

	if (!s || !*s || strlen(s) >= MCP_SESSION_MAX)
		return mcp__error(r, 400, id, JSONRPC_INVALID_REQUEST,
				  "an Mcp-Session-Id header from initialize is required"), -1;
	auth_key_hash(s, hash);
	e = end ? store_mcp_session_end(c->app->db, hash, c->who->key_id, c->who->user_id)
		: store_mcp_session_use(c->app->db, hash, c->who->key_id, c->who->user_id,
					protocol);
	if (e == HERR_NOT_FOUND)
		return mcp__error(r, 404, id, JSONRPC_INVALID_REQUEST,
				  "no such session: initialize a new one"), -1;
	if (e != HERR_OK)
		return response_error(r, e, "MCP session"), -1;
	return 0;
}

int h_mcp_post(struct ctx *c, struct response *r)
{
	struct jsonrpc_msg m;

	if (c->req->mcp_protocol && !mcp_protocol_supported(c->req->mcp_protocol))
		return mcp__error(r, 400, NULL, JSONRPC_INVALID_REQUEST,
				  "unsupported MCP-Protocol-Version");
	if (c->req->accept && !strstr(c->req->accept, "application/json") &&
	    !strstr(c->req->accept, "*/*"))
		return response_detail(r, 406, "answers are application/json");
	if (!c->body)
		return mcp__error(r, 400, NULL, JSONRPC_PARSE_ERROR, "a JSON-RPC message is required");
	jsonrpc_read(c->body, &m);
	if (m.kind == JSONRPC_INVALID)
		return mcp__error(r, 400, m.id, JSONRPC_INVALID_REQUEST, m.why);
	if (m.kind == JSONRPC_REQUEST && strcmp(m.method, "initialize") == 0)
		return mcp__initialize(c, r, m.id, m.params);
	if (mcp__session(c, r, m.id, false) != 0)
		return r->status;
	if (m.kind != JSONRPC_REQUEST) {
		/* notifications/initialized, notifications/cancelled, a client's
		 * answer: taken, nothing to say back. */
		r->status = 202;
		return 202;
	}
	if (strcmp(m.method, "ping") == 0)
		return ctx_reply(r, 200, jsonrpc_result(m.id, NULL));
	if (strcmp(m.method, "tools/list") == 0)
		return ctx_reply(r, 200, jsonrpc_result(m.id, json_pack("{s:o}", "tools",
									 mcp__tools(c))));
	if (strcmp(m.method, "tools/call") == 0)
		return mcp__tools_call(c, r, m.id, m.params);
	return mcp__error(r, 200, m.id, JSONRPC_METHOD_NOT_FOUND, "Method not found");
}

/* DELETE /mcp: the client ends its session. */
int h_mcp_delete(struct ctx *c, struct response *r)
{
	if (mcp__session(c, r, NULL, true) != 0)
		return r->status;
	return ctx_reply(r, 204, NULL);
}
