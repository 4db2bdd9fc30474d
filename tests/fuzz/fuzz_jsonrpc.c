/* libFuzzer: whatever a client posts to /api/v1/mcp, reading it as a
 * JSON-RPC message never crashes, a message is exactly one kind, and its
 * parts are what that kind has. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/jsonrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *msg = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL), *reply;
	struct jsonrpc_msg m;

	if (!msg)
		return 0;
	jsonrpc_read(msg, &m);
	switch (m.kind) {
	case JSONRPC_INVALID:
		if (!m.why || m.method || m.params)
			abort();
		break;
	case JSONRPC_REQUEST:
		if (!m.id || !m.method || !*m.method || (m.params && !json_is_object(m.params)))
			abort();
		break;
	case JSONRPC_NOTIFICATION:
		if (m.id || !m.method)
			abort();
		break;
	case JSONRPC_RESPONSE:
		if (!m.id || m.method)
			abort();
		break;
	}
	if (m.id && !json_is_string(m.id) && !json_is_integer(m.id))
		abort();
	reply = jsonrpc_error(m.id, JSONRPC_INVALID_REQUEST, m.why ? m.why : "x");
	if (!reply)
		abort();
	json_decref(reply);
	json_decref(msg);
	return 0;
}
