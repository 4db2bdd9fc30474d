/*
 * JSON-RPC 2.0 as MCP uses it: requests, notifications and responses told
 * apart; every malformed shape refused with its id kept for the error
 * reply; the replies' shapes; protocol revisions negotiated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mcp/jsonrpc.h"

static enum jsonrpc_kind kind_of(const char *text, struct jsonrpc_msg *m, json_t **keep)
{
	*keep = json_loads(text, JSON_DECODE_ANY, NULL);
	assert_non_null(*keep);
	jsonrpc_read(*keep, m);
	return m->kind;
}

static void test_kinds(void **state)
{
	struct jsonrpc_msg m;
	json_t *j;

	(void)state;
	assert_int_equal(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &m, &j),
			 JSONRPC_REQUEST);
	assert_string_equal(m.method, "tools/list");
	assert_int_equal(json_integer_value(m.id), 1);
	assert_null(m.params);
	json_decref(j);
	assert_int_equal(kind_of("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\","
				 "\"params\":{\"name\":\"x\"}}", &m, &j), JSONRPC_REQUEST);
	assert_string_equal(json_string_value(m.id), "a");
	assert_true(json_is_object(m.params));
	json_decref(j);
	assert_int_equal(kind_of("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
				 &m, &j), JSONRPC_NOTIFICATION);
	assert_null(m.id);
	json_decref(j);
	assert_int_equal(kind_of("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}", &m, &j),
			 JSONRPC_RESPONSE);
	json_decref(j);
	assert_int_equal(kind_of("{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":1}}", &m, &j),
			 JSONRPC_RESPONSE);
	json_decref(j);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"[]", "1", "null", "{}",
		"{\"id\":1,\"method\":\"ping\"}",
		"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
		"{\"jsonrpc\":2,\"id\":1,\"method\":\"ping\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"result\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}",
		"{\"jsonrpc\":\"2.0\",\"result\":{}}",
	};
	struct jsonrpc_msg m;
	json_t *j;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kind_of(bad[i], &m, &j), JSONRPC_INVALID);
		assert_non_null(m.why);
		assert_null(m.method);
		json_decref(j);
	}
	/* The id survives for the error reply. */
	kind_of("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":1}", &m, &j);
	assert_int_equal(json_integer_value(m.id), 9);
	json_decref(j);
}

static void test_replies(void **state)
{
	json_t *id = json_integer(3), *r;
	char *s;

	(void)state;
	r = jsonrpc_result(id, NULL);
	s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"id\":3,\"jsonrpc\":\"2.0\",\"result\":{}}");
	free(s);
	json_decref(r);
	r = jsonrpc_error(NULL, JSONRPC_METHOD_NOT_FOUND, "Method not found");
	s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"error\":{\"code\":-32601,\"message\":\"Method not found\"},"
			       "\"id\":null,\"jsonrpc\":\"2.0\"}");
	free(s);
	json_decref(r);
	json_decref(id);
}

static void test_protocols(void **state)
{
	(void)state;
	assert_string_equal(mcp_protocol_pick("2025-03-26"), "2025-03-26");
	assert_string_equal(mcp_protocol_pick("2025-06-18"), "2025-06-18");
	assert_string_equal(mcp_protocol_pick("2099-01-01"), "2025-06-18");
	assert_string_equal(mcp_protocol_pick(NULL), "2025-06-18");
	assert_true(mcp_protocol_supported("2024-11-05"));
	assert_false(mcp_protocol_supported("2024-10-07x"));
	assert_false(mcp_protocol_supported(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_protocols),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
