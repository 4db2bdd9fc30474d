/*
 * libFuzzer target for everything a request passes through before a
 * handler's own validation: the router, the query-string decoder and
 * api_handle() itself (413, 404/405, 415, 400, 422, the database gate,
 * the public handlers).
 *
 * Input: up to six '\n'-terminated fields, then the body (which may hold
 * any byte, newlines included):
 *
 *   METHOD \n PATH \n QUERY \n CONTENT-TYPE \n X-API-KEY \n AUTHORIZATION \n BODY
 *
 * The database is a db_new() pointed at a socket that does not exist, so
 * every use of it is a fast 503; the cache always misses.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "db_config.h"
#include "log.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "roles.h"
#include "router.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The default roles (packaging/roles.conf). */
static const char fuzz_roles[] =
	"[admin]\n"
	"allow = *\n"
	"\n"
	"[caregiver]\n"
	"allow = GET /api/v1/*\n"
	"allow = POST /api/v1/alerts/*/action\n"
	"deny = GET /api/v1/api-keys*\n"
	"\n"
	"[mcp_readonly]\n"
	"allow = GET /api/v1/*\n"
	"allow = POST /api/v1/mcp/tools/*\n"
	"allow = POST /api/v1/rules/*/execute\n"
	"deny = GET /api/v1/api-keys*\n"
	"\n"
	"[device]\n"
	"allow = POST /api/v1/device/*\n"
	"allow = POST /api/v1/sensors/*/events\n"
	"allow = GET /api/v1/image/active*\n";

static struct hearth_config fuzz_cfg;
static struct app fuzz_app;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct db_options opt;
	char err[256];

	(void)argc;
	(void)argv;
	/* Every request logs a line; the fuzzer's own output matters more. */
	log_init("fuzz_request", LOG_CRIT);

	config_defaults(&fuzz_cfg);
	snprintf(fuzz_cfg.db_socket, sizeof(fuzz_cfg.db_socket), "%s",
		 "/nonexistent/hearth-fuzz/mysqld.sock");
	fuzz_cfg.db_connect_timeout = 1;
	fuzz_cfg.db_timeout = 1;
	fuzz_cfg.cache_servers[0] = '\0';
	memset(fuzz_cfg.secret, 0x5a, 32);
	fuzz_cfg.secret_len = 32;

	opt = db_options_from_config(&fuzz_cfg);

	fuzz_app.cfg = &fuzz_cfg;
	fuzz_app.db = db_new(&opt);
	fuzz_app.cache = cache_new(NULL, NULL, 0);
	fuzz_app.roles = roles_load_text(fuzz_roles, sizeof(fuzz_roles) - 1, err, sizeof(err));
	fuzz_app.started = time(NULL);
	if (!fuzz_app.db || !fuzz_app.cache || !fuzz_app.roles) {
		fprintf(stderr, "fuzz_request: setup failed: %s\n", fuzz_app.roles ? "" : err);
		abort();
	}
	return 0;
}

/* The next '\n'-terminated field as a new string, or NULL past the end. */
static char *fuzz_field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl;
	char *s;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return NULL;
	s = strndup((const char *)*p, (size_t)(nl - *p));
	*p = nl + 1;
	return s;
}

static void fuzz_router(const char *method, const char *path)
{
	struct route_match m;
	char allow[64], small[4], cap[32];

	if (router_match(method, path, &m, allow, sizeof(allow)) == ROUTE_FOUND) {
		route_capture(&m, "id", cap, sizeof(cap));
		route_capture(&m, "id", cap, 1);
	}
	router_match(method, path, &m, small, sizeof(small));
	router_match(method, path, &m, NULL, 0);
}

static void fuzz_query(const char *query)
{
	static const char *const names[] = { "api_key", "limit", "cursor", "offset", "room_id", "" };
	char out[80];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		query_get(query, names[i], out, sizeof(out));
		query_get(query, names[i], out, 2);
		query_get(query, names[i], out, 1);
		if (query_count(query, names[i]) == 0 && query_get(query, names[i], out, sizeof(out)) != 0)
			abort();
	}
	url_decode(query, strlen(query), out, sizeof(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *method = fuzz_field(&p, end);
	char *path = fuzz_field(&p, end);
	char *query = fuzz_field(&p, end);
	char *content_type = fuzz_field(&p, end);
	char *api_key = fuzz_field(&p, end);
	char *authorization = fuzz_field(&p, end);
	size_t body_len = (size_t)(end - p);
	/* Exactly body_len bytes, no NUL after them: a read past the end
	 * is caught. */
	char *body = body_len ? malloc(body_len) : NULL;
	struct request req;
	struct response r;

	if (body)
		memcpy(body, p, body_len);

	fuzz_router(method ? method : "", path ? path : "");
	fuzz_query(query ? query : "");

	memset(&req, 0, sizeof(req));
	req.method = method ? method : "GET";
	req.path = path ? path : "/health";
	req.query = query ? query : "";
	req.content_type = content_type;
	req.api_key = api_key;
	req.authorization = authorization;
	req.remote_addr = "127.0.0.1";
	req.request_id = "fuzz";
	req.credential_repeated = query_count(req.query, "api_key") > 1;
	req.body = body;
	req.body_len = body ? body_len : 0;
	/* One input in 256 takes the 413 path. */
	req.body_too_large = size > 0 && data[size - 1] == 0xff && body_len == 1;

	response_init(&r);
	api_handle(&fuzz_app, &req, &r);
	if (r.status < 100 || r.status > 599)
		abort();
	{
		size_t len;
		char *out = response_render(&r, &len);

		if (out && strncmp(out, "Status: ", 8) != 0)
			abort();
		free(out);
	}
	response_clear(&r);

	free(body);
	free(authorization);
	free(api_key);
	free(content_type);
	free(query);
	free(path);
	free(method);
	return 0;
}
