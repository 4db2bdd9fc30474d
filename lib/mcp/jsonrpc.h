#ifndef HEARTH_MCP_JSONRPC_H
#define HEARTH_MCP_JSONRPC_H

/*
 * JSON-RPC 2.0 as the Model Context Protocol uses it (messages, not
 * transport): what a message a client sent is, and the replies.  Pure:
 * no I/O, no allocation but the replies'.
 */
#include <stdbool.h>

#include <jansson.h>

/* The error codes of JSON-RPC 2.0. */
#define JSONRPC_PARSE_ERROR -32700
#define JSONRPC_INVALID_REQUEST -32600
#define JSONRPC_METHOD_NOT_FOUND -32601
#define JSONRPC_INVALID_PARAMS -32602
#define JSONRPC_INTERNAL_ERROR -32603

enum jsonrpc_kind {
	JSONRPC_INVALID,        /* not a JSON-RPC 2.0 message: why says how */
	JSONRPC_REQUEST,        /* method and id: it wants an answer */
	JSONRPC_NOTIFICATION,   /* method and no id */
	JSONRPC_RESPONSE,       /* id and a result or an error: the client's answer */
};

/* A message as read: every pointer borrowed from the message. */
struct jsonrpc_msg {
	enum jsonrpc_kind kind;
	const json_t *id;       /* a string or an integer; NULL when none */
	const char *method;     /* requests and notifications */
	const json_t *params;   /* an object, or NULL when absent */
	const char *why;        /* JSONRPC_INVALID: a static string */
};

/*
 * What msg is.  MCP's rules on top of JSON-RPC's: an id is a string or an
 * integer, never null; params, when present, an object.  An id that could
 * be read stays in out->id for the error reply even when the message is
 * invalid.
 */
void jsonrpc_read(const json_t *msg, struct jsonrpc_msg *out);

/* {"jsonrpc": "2.0", "id": id, "result": result}; result consumed (NULL:
 * {}).  A new object, NULL on allocation failure. */
json_t *jsonrpc_result(const json_t *id, json_t *result);

/* {"jsonrpc": "2.0", "id": id or null, "error": {"code", "message"}}. */
json_t *jsonrpc_error(const json_t *id, int code, const char *message);

/*
 * The protocol revision to speak when a client asks for requested (NULL
 * when it named none): requested itself when supported, else the newest
 * supported.  mcp_protocol_supported: whether v is one (an
 * MCP-Protocol-Version header).
 */
const char *mcp_protocol_pick(const char *requested);
bool mcp_protocol_supported(const char *v);

#endif
