/*
 * JSON-RPC 2.0 messages of the Model Context Protocol (jsonrpc.h).
 */
#include "mcp/jsonrpc.h"

#include <string.h>

/* Newest first: the one answered when a client asks for another. */
static const char *const mcp_protocols[] = {"2025-06-18", "2025-03-26", "2024-11-05", NULL};

bool mcp_protocol_supported(const char *v)
{
	for (size_t i = 0; v && mcp_protocols[i]; i++)
		if (strcmp(v, mcp_protocols[i]) == 0)
			return true;
	return false;
}

const char *mcp_protocol_pick(const char *requested)
{
	for (size_t i = 0; requested && mcp_protocols[i]; i++)
		if (strcmp(requested, mcp_protocols[i]) == 0)
			return mcp_protocols[i];
	return mcp_protocols[0];
}

/* Fill out from msg: NULL, or why msg is no JSON-RPC message. */
static const char *jsonrpc__classify(const json_t *msg, struct jsonrpc_msg *out)
{
	const json_t *id, *method, *params, *version;
	bool has_result, has_error;

	if (!json_is_object(msg))
		return "a JSON-RPC message is an object";
	id = json_object_get(msg, "id");
	if (json_is_string(id) || json_is_integer(id))
		out->id = id;
	version = json_object_get(msg, "jsonrpc");
	if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0)
		return "jsonrpc must be \"2.0\"";
	if (id && !out->id)
		return "an id is a string or an integer";
	method = json_object_get(msg, "method");
	has_result = json_object_get(msg, "result") != NULL;
	has_error = json_object_get(msg, "error") != NULL;
	if (!method) {
		if (!out->id || has_result == has_error)
			return "a message has a method, or an id and a result or an error";
		out->kind = JSONRPC_RESPONSE;
		return NULL;
	}
	if (!json_is_string(method) || !json_string_value(method)[0])
		return "method must be a non-empty string";
	if (has_result || has_error)
		return "a request has no result or error";
	params = json_object_get(msg, "params");
	if (params && !json_is_object(params))
		return "params must be an object";
	out->method = json_string_value(method);
	out->params = params;
	out->kind = out->id ? JSONRPC_REQUEST : JSONRPC_NOTIFICATION;
	return NULL;
}

void jsonrpc_read(const json_t *msg, struct jsonrpc_msg *out)
{
	memset(out, 0, sizeof(*out));
	if ((out->why = jsonrpc__classify(msg, out))) {
		out->kind = JSONRPC_INVALID;
		out->method = NULL;
		out->params = NULL;
	}
}

json_t *jsonrpc_result(const json_t *id, json_t *result)
{
	if (!result && !(result = json_object()))
		return NULL;
	return json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", (json_t *)id, "result",
			 result);
}

json_t *jsonrpc_error(const json_t *id, int code, const char *message)
{
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
			 id ? (json_t *)id : json_null(), "error", "code", code, "message",
			 message);
}
