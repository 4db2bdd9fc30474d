/*
 * Roles: the default roles file decides as the contract says, and a roles
 * file with a mistake in it is refused rather than half-applied.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "roles.h"

/* The same rules as packaging/roles.conf. */
static const char default_roles[] =
	"[admin]\n"
	"allow = *\n"
	"[caregiver]\n"
	"allow = GET /api/v1/*\n"
	"allow = POST /api/v1/alerts/*/action\n"
	"deny = GET /api/v1/api-keys*\n"
	"[mcp_readonly]\n"
	"allow = GET /api/v1/*\n"
	"allow = POST /api/v1/mcp/tools/*\n"
	"allow = POST /api/v1/rules/*/execute\n"
	"deny = GET /api/v1/api-keys*\n"
	"[device]\n"
	"allow = POST /api/v1/device/*\n"
	"allow = POST /api/v1/sensors/*/events\n"
	"allow = GET /api/v1/image/active*\n";

static char err[512];

static const struct {
	const char *role, *method, *path;
	bool allowed;
} matrix[] = {
	{ "admin", "GET", "/api/v1/rooms", true },
	{ "admin", "POST", "/api/v1/rooms", true },
	{ "admin", "DELETE", "/api/v1/api-keys/3", true },
	{ "admin", "GET", "/api/v1/api-keys", true },

	{ "caregiver", "GET", "/api/v1/rooms", true },
	{ "caregiver", "GET", "/api/v1/rooms/12", true },
	{ "caregiver", "GET", "/api/v1/sensors", true },
	{ "caregiver", "POST", "/api/v1/alerts/7/action", true },
	{ "caregiver", "POST", "/api/v1/rooms", false },
	{ "caregiver", "PUT", "/api/v1/rooms/1", false },
	{ "caregiver", "DELETE", "/api/v1/rooms/1", false },
	{ "caregiver", "POST", "/api/v1/alerts/7", false },
	{ "caregiver", "POST", "/api/v1/alerts/7/action/extra", false },
	{ "caregiver", "GET", "/api/v1/api-keys", false },
	{ "caregiver", "GET", "/api/v1/api-keys/3", false },
	{ "caregiver", "POST", "/api/v1/api-keys", false },
	{ "caregiver", "GET", "/health", false },
	{ "caregiver", "get", "/api/v1/rooms", false },

	{ "mcp_readonly", "GET", "/api/v1/rooms", true },
	{ "mcp_readonly", "POST", "/api/v1/rules/5/execute", true },
	{ "mcp_readonly", "POST", "/api/v1/mcp/tools/list_rooms", true },
	{ "mcp_readonly", "POST", "/api/v1/rules/5", false },
	{ "mcp_readonly", "POST", "/api/v1/rooms", false },
	{ "mcp_readonly", "DELETE", "/api/v1/rules/5", false },
	{ "mcp_readonly", "GET", "/api/v1/api-keys", false },

	{ "device", "POST", "/api/v1/device/heartbeat", true },
	{ "device", "POST", "/api/v1/sensors/4/events", true },
	{ "device", "GET", "/api/v1/image/active", true },
	{ "device", "GET", "/api/v1/image/active.jpg", true },
	{ "device", "GET", "/api/v1/rooms", false },
	{ "device", "POST", "/api/v1/sensors", false },
	{ "device", "GET", "/api/v1/device/heartbeat", false },

	{ "nobody", "GET", "/api/v1/rooms", false },
	{ "", "GET", "/api/v1/rooms", false },
	{ "ADMIN", "GET", "/api/v1/rooms", false },
};

static void check_matrix(const struct roles *r)
{
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		bool got = roles_allows(r, matrix[i].role, matrix[i].method, matrix[i].path);

		if (got != matrix[i].allowed)
			print_error("%s %s %s: expected %s\n", matrix[i].role, matrix[i].method,
				    matrix[i].path, matrix[i].allowed ? "allowed" : "denied");
		assert_true(got == matrix[i].allowed);
	}
}

static void test_default_roles(void **state)
{
	(void)state;
	struct roles *r = roles_load_text(default_roles, strlen(default_roles), err, sizeof(err));

	assert_non_null(r);
	check_matrix(r);
	assert_int_equal(roles_count(r), 4);
	assert_string_equal(roles_name(r, 0), "admin");
	assert_string_equal(roles_name(r, 3), "device");
	assert_null(roles_name(r, 4));
	assert_true(roles_exists(r, "caregiver"));
	assert_false(roles_exists(r, "nobody"));
	assert_false(roles_exists(r, NULL));
	assert_false(roles_allows(r, NULL, "GET", "/api/v1/rooms"));
	assert_false(roles_allows(NULL, "admin", "GET", "/api/v1/rooms"));

	/* A long path takes the slow road, same answer. */
	char path[5000] = "/api/v1/rooms/";
	memset(path + strlen(path), 'a', sizeof(path) - strlen(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_true(roles_allows(r, "caregiver", "GET", path));
	assert_false(roles_allows(r, "caregiver", "POST", path));
	roles_free(r);
}

/* packaging/roles.conf itself, when the source tree is known. */
static void test_shipped_file(void **state)
{
	(void)state;
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct roles *r;

	if (!top)
		skip();
	snprintf(path, sizeof(path), "%s/packaging/roles.conf", top);
	r = roles_load(path, err, sizeof(err));
	if (!r)
		print_error("%s: %s\n", path, err);
	assert_non_null(r);
	check_matrix(r);
	assert_int_equal(roles_count(r), 7);
	assert_true(roles_allows(r, "metrics", "GET", "/api/v1/metrics"));
	assert_false(roles_allows(r, "metrics", "GET", "/api/v1/rooms"));
	assert_false(roles_allows(r, "caregiver", "GET", "/api/v1/metrics"));
	/* A detector reports and reads its cameras, nothing more. */
	assert_true(roles_allows(r, "detector", "POST", "/api/v1/detections"));
	assert_true(roles_allows(r, "detector", "GET", "/api/v1/cameras/3/zones"));
	assert_false(roles_allows(r, "detector", "GET", "/api/v1/events"));
	assert_false(roles_allows(r, "caregiver", "GET", "/api/v1/logs/files"));
	/* Alertmanager's key delivers its webhooks and nothing else. */
	assert_true(roles_allows(r, "alertmanager", "POST", "/api/v1/webhooks/alerts"));
	assert_false(roles_allows(r, "alertmanager", "GET", "/api/v1/alerts"));
	assert_false(roles_allows(r, "alertmanager", "POST", "/api/v1/webhooks/7"));
	roles_free(r);
}

static void test_rules_combine(void **state)
{
	(void)state;
	const char *text =
		"[a]\n"
		"deny = DELETE *\n"
		"allow = *\n"
		"[only_deny]\n"
		"deny = GET /x\n"
		"[a]\n"
		"allow = GET /more\n"
		"[m]\n"
		"allow = [GP]* /api/v1/things\n"
		"allow = * /api/v1/any-method\n";
	struct roles *r = roles_load_text(text, strlen(text), err, sizeof(err));

	assert_non_null(r);
	/* A deny wins wherever it is written. */
	assert_true(roles_allows(r, "a", "GET", "/anything"));
	assert_false(roles_allows(r, "a", "DELETE", "/anything"));
	/* A role without allow lines is allowed nothing. */
	assert_true(roles_exists(r, "only_deny"));
	assert_false(roles_allows(r, "only_deny", "GET", "/y"));
	assert_false(roles_allows(r, "only_deny", "GET", "/x"));
	/* Repeated sections add up. */
	assert_int_equal(roles_count(r), 3);
	assert_true(roles_allows(r, "m", "GET", "/api/v1/things"));
	assert_false(roles_allows(r, "m", "DELETE", "/api/v1/things"));
	assert_true(roles_allows(r, "m", "PATCH", "/api/v1/any-method"));
	roles_free(r);
}

static void expect_bad(const char *text, const char *want)
{
	struct roles *r;

	err[0] = '\0';
	r = roles_load_text(text, strlen(text), err, sizeof(err));
	if (r || !strstr(err, want))
		print_error("roles text:\n%s\nmessage: '%s'\nwanted: '%s'\n", text, err, want);
	assert_null(r);
	assert_non_null(strstr(err, want));
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_bad("", "defines no roles");
	expect_bad("# nothing\n[empty]\n", "defines no roles");
	expect_bad("allow = *\n", "line 1: 'allow' is outside any [role] section");
	expect_bad("[a]\nalow = *\n", "line 2: [a]: unknown key 'alow' (use allow or deny)");
	expect_bad("[a]\nallow = GET/api/v1/*\n", "line 2: [a]: allow 'GET/api/v1/*' must look like");
	expect_bad("[a]\nallow = /api/v1/*\n", "must look like 'METHOD /path'");
	expect_bad("[a]\nallow = get /api/v1/*\n", "must look like");
	expect_bad("[a]\nallow = GET api/v1\n", "must look like");
	expect_bad("[a]\nallow = GET /a b\n", "must look like");
	expect_bad("[a]\nallow =\n", "must look like");
	expect_bad("[a b]\nallow = *\n", "role name 'a b'");
	expect_bad("[a]\nallow\n", "line 2: expected");

	/* Limits: 256 patterns per role, 64 roles. */
	static char big[64 * 1024];
	size_t n = (size_t)snprintf(big, sizeof(big), "[a]\n");
	for (int i = 0; i < 257; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "allow = GET /p%d\n", i);
	expect_bad(big, "line 258: [a]: more than 256 patterns");
	n = 0;
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "[r%d]\nallow = *\n", i);
	expect_bad(big, "more than 64 roles");

	/* Exactly at the limits is fine. */
	n = (size_t)snprintf(big, sizeof(big), "[a]\n");
	for (int i = 0; i < 256; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "allow = GET /p%d\n", i);
	struct roles *r = roles_load_text(big, strlen(big), err, sizeof(err));
	assert_non_null(r);
	assert_true(roles_allows(r, "a", "GET", "/p255"));
	assert_false(roles_allows(r, "a", "GET", "/p256"));
	roles_free(r);
}

static void test_missing_file(void **state)
{
	(void)state;
	assert_null(roles_load("/nonexistent/roles.conf", err, sizeof(err)));
	assert_string_equal(err, "No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_roles),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_rules_combine),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
	};

	log_init("test_roles", LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
