/*
 * The route table and its matcher: every route is reachable with its
 * captures, nothing else is, and 405 names exactly the methods a path has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/handlers.h"
#include "router.h"

/* routes[i].pattern with every {name} replaced by value. */
static void fill_pattern(const char *pattern, const char *value, char *out, size_t outsz)
{
	size_t o = 0;

	for (const char *p = pattern; *p;) {
		if (*p == '{') {
			const char *close = strchr(p, '}');

			assert_non_null(close);
			for (const char *v = value; *v; v++) {
				assert_true(o + 1 < outsz);
				out[o++] = *v;
			}
			p = close + 1;
		} else {
			assert_true(o + 1 < outsz);
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

static void test_every_route_matches(void **state)
{
	(void)state;
	assert_true(routes_count > 0);
	for (size_t i = 0; i < routes_count; i++) {
		struct route_match m;
		char path[256], allow[64], id[16];

		fill_pattern(routes[i].pattern, "42", path, sizeof(path));
		assert_int_equal(router_match(routes[i].method, path, &m, allow, sizeof(allow)),
				 ROUTE_FOUND);
		assert_ptr_equal(m.route, &routes[i]);
		unsigned want = 0;

		for (const char *p = routes[i].pattern; (p = strchr(p, '{')); p++)
			want++;
		assert_int_equal(m.ncaptures, want);
		for (unsigned c = 0; c < m.ncaptures; c++) {
			char name[32];

			assert_true(m.cap[c].name_len < sizeof(name));
			memcpy(name, m.cap[c].name, m.cap[c].name_len);
			name[m.cap[c].name_len] = '\0';
			assert_int_equal(route_capture(&m, name, id, sizeof(id)), 0);
			assert_string_equal(id, "42");
		}
	}
}

static void test_handlers(void **state)
{
	static const struct {
		const char *method, *path;
		handler_fn handler;
	} cases[] = {
		{"GET", "/health", h_health},
		{"GET", "/api/v1/ready", h_ready},
		{"GET", "/api/v1/status", h_status},
		{"GET", "/api/v1/openapi.json", h_openapi},
		{"GET", "/api/v1/rooms", h_rooms_list},
		{"POST", "/api/v1/rooms", h_rooms_create},
		{"GET", "/api/v1/rooms/3", h_rooms_get},
		{"PUT", "/api/v1/rooms/3", h_rooms_update},
		{"DELETE", "/api/v1/rooms/3", h_rooms_delete},
		{"GET", "/api/v1/sensors", h_sensors_list},
		{"POST", "/api/v1/sensors", h_sensors_create},
		{"GET", "/api/v1/sensors/9", h_sensors_get},
		{"PUT", "/api/v1/sensors/9", h_sensors_update},
		{"DELETE", "/api/v1/sensors/9", h_sensors_delete},
		{"GET", "/api/v1/sensor-types", h_sensor_types},
		{"GET", "/api/v1/api-keys", h_api_keys_list},
		{"POST", "/api/v1/api-keys", h_api_keys_create},
		{"DELETE", "/api/v1/api-keys/5", h_api_keys_delete},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct route_match m;
		char allow[64];

		assert_int_equal(router_match(cases[i].method, cases[i].path, &m, allow, sizeof(allow)),
				 ROUTE_FOUND);
		assert_ptr_equal(m.route->handler, cases[i].handler);
	}
}

static void test_public_routes(void **state)
{
	(void)state;
	for (size_t i = 0; i < routes_count; i++) {
		bool is_public = (routes[i].flags & ROUTE_PUBLIC) != 0;

		/* Only the probes, the document describing the API, the
		 * webhook triggers (which check their own secrets) and what
		 * someone not yet signed in needs (setup with its code,
		 * sign-in with a password or a passkey) are open: default
		 * deny for everything else. */
		bool probe = strcmp(routes[i].pattern, "/health") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/auth/status") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/auth/setup-status") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/auth/setup") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/auth/login") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/auth/passkey/authenticate/options") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/auth/passkey/authenticate/verify") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/ready") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/status") == 0 ||
			     strcmp(routes[i].pattern, "/api/v1/openapi.json") == 0 ||
			     (strcmp(routes[i].pattern, "/api/v1/webhooks/{rule_id}") == 0 &&
			      strcmp(routes[i].method, "POST") == 0) ||
			     (strcmp(routes[i].pattern, "/api/v1/webhooks/ha") == 0 &&
			      strcmp(routes[i].method, "POST") == 0);

		assert_int_equal(is_public, probe);
	}
}

static void test_captures(void **state)
{
	struct route_match m;
	char allow[64], out[16];

	(void)state;
	assert_int_equal(router_match("GET", "/api/v1/rooms/123", &m, allow, sizeof(allow)),
			 ROUTE_FOUND);
	assert_int_equal(m.ncaptures, 1);
	assert_int_equal(m.cap[0].value_len, 3);
	assert_memory_equal(m.cap[0].value, "123", 3);
	assert_int_equal(m.cap[0].name_len, 2);
	assert_memory_equal(m.cap[0].name, "id", 2);

	/* Bounds: the value and its NUL must fit. */
	assert_int_equal(route_capture(&m, "id", out, 4), 0);
	assert_string_equal(out, "123");
	assert_int_equal(route_capture(&m, "id", out, 3), -1);
	assert_int_equal(route_capture(&m, "id", out, 0), -1);
	/* Names must match in full. */
	assert_int_equal(route_capture(&m, "i", out, sizeof(out)), -1);
	assert_int_equal(route_capture(&m, "idx", out, sizeof(out)), -1);
	assert_int_equal(route_capture(&m, "room", out, sizeof(out)), -1);

	/* A capture is one segment of anything but "", "." and "..". */
	assert_int_equal(router_match("GET", "/api/v1/rooms/abc", &m, allow, sizeof(allow)),
			 ROUTE_FOUND);
	assert_int_equal(route_capture(&m, "id", out, sizeof(out)), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(router_match("GET", "/api/v1/rooms/.x", &m, allow, sizeof(allow)),
			 ROUTE_FOUND);

	/* A route without captures has none. */
	assert_int_equal(router_match("GET", "/api/v1/rooms", &m, allow, sizeof(allow)),
			 ROUTE_FOUND);
	assert_int_equal(m.ncaptures, 0);
	assert_int_equal(route_capture(&m, "id", out, sizeof(out)), -1);
}

static void test_not_found(void **state)
{
	static const char *const paths[] = {
		"",
		"/",
		"health",
		"/health/",
		"//health",
		"/healthz",
		"/HEALTH",
		"/api",
		"/api/v1",
		"/api/v1/",
		"/api/v1/rooms/",
		"/api/v1//rooms",
		"/api/v1/rooms//",
		"/api/v1/rooms/1/",
		"/api/v1/rooms/1/2",
		"/api/v1/rooms/.",
		"/api/v1/rooms/..",
		"/api/v1/rooms/../rooms",
		"/api/v1/./rooms",
		"/api/v1/../v1/rooms",
		"/api/v1/rooms?limit=1",   /* the query never reaches the router */
		"/api/v1/room",
		"/api/v1/roomsx",
		"/api/v2/rooms",
		"/api/v1/api-keys/",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct route_match m;
		char allow[64] = "junk";

		assert_int_equal(router_match("GET", paths[i], &m, allow, sizeof(allow)),
				 ROUTE_NOT_FOUND);
		assert_null(m.route);
		assert_string_equal(allow, "");
		/* A method the path lacks is still a 404, not a 405. */
		assert_int_equal(router_match("DELETE", paths[i], &m, allow, sizeof(allow)),
				 ROUTE_NOT_FOUND);
	}
}

static void assert_405(const char *method, const char *path, const char *want)
{
	struct route_match m;
	char allow[64];

	assert_int_equal(router_match(method, path, &m, allow, sizeof(allow)),
			 ROUTE_METHOD_NOT_ALLOWED);
	assert_null(m.route);
	assert_string_equal(allow, want);
}

static void test_method_not_allowed(void **state)
{
	(void)state;
	assert_405("DELETE", "/api/v1/rooms", "GET, POST");
	assert_405("PATCH", "/api/v1/rooms", "GET, POST");
	assert_405("POST", "/api/v1/rooms/3", "GET, PUT, DELETE");
	assert_405("PATCH", "/api/v1/sensors/3", "GET, PUT, DELETE");
	assert_405("POST", "/health", "GET");
	assert_405("PUT", "/api/v1/sensor-types", "GET");
	assert_405("GET", "/api/v1/api-keys/1", "DELETE");
	assert_405("PUT", "/api/v1/api-keys", "GET, POST");
	assert_405("OPTIONS", "/api/v1/status", "GET");
	/* Methods are case-sensitive (RFC 9110). */
	assert_405("get", "/api/v1/rooms", "GET, POST");
	assert_405("", "/api/v1/rooms", "GET, POST");
}

static void test_allow_buffer(void **state)
{
	struct route_match m;
	char allow[8];

	(void)state;
	/* Too small for the list: never overflows, still a 405. */
	assert_int_equal(router_match("POST", "/api/v1/rooms/3", &m, allow, sizeof(allow)),
			 ROUTE_METHOD_NOT_ALLOWED);
	assert_true(strlen(allow) < sizeof(allow));
	assert_int_equal(router_match("POST", "/api/v1/rooms/3", &m, NULL, 0),
			 ROUTE_METHOD_NOT_ALLOWED);
}

static void test_head(void **state)
{
	struct route_match m;
	char allow[64];

	(void)state;
	/* HEAD is answered by the GET route wherever there is one. */
	assert_int_equal(router_match("HEAD", "/health", &m, allow, sizeof(allow)), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, h_health);
	assert_int_equal(router_match("HEAD", "/api/v1/rooms/8", &m, allow, sizeof(allow)),
			 ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, h_rooms_get);
	assert_string_equal(m.route->method, "GET");
	/* ... and nowhere else. */
	assert_405("HEAD", "/api/v1/api-keys/1", "DELETE");
	assert_int_equal(router_match("HEAD", "/nope", &m, allow, sizeof(allow)), ROUTE_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_matches),
		cmocka_unit_test(test_handlers),
		cmocka_unit_test(test_public_routes),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_allow_buffer),
		cmocka_unit_test(test_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
