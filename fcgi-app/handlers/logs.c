/*
 * Hearth's logs, read back: GET /logs (parsed entries, newest first),
 * GET /logs/files and GET /logs/files/{category}/{name} (other log files,
 * e.g. install or update scripts' output, as text).
 *
 * Which files a source reads, all under [logs] dir unless said otherwise:
 *   api    api.log (the packaged service's stderr) and hearth-api.log (the
 *          development stack's name for the same)
 *   cron   cron.log and hearth-tick.log, hearth-cleanup.log,
 *          hearth-timelapse.log (each cron program's own file)
 *   nginx  [logs] nginx_error_log
 * Files that do not exist are skipped; several files are merged by time.
 * A client never names a path: sources are fixed here, and a file of
 * /logs/files is served only when the listing of [logs] dir holds it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "logfiles.h"
#include "log.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "router.h"

/* What /logs/files/{category}/{name} returns at most: the file's tail. */
#define LOGS_FILE_MAX_BYTES (1u << 20)
#define LOGS_SEARCH_MAX 200
#define LOGS_SOURCE_FILES 4

static const char *const logs__sources[] = { "api", "cron", "nginx", NULL };

static const char *const logs__api_files[] = { "api.log", "hearth-api.log", NULL };
static const char *const logs__cron_files[] = { "cron.log", "hearth-tick.log", "hearth-cleanup.log",
						"hearth-timelapse.log", NULL };

static const char *const at_query[] = { "query", NULL };

/* The paths of source into paths (each LOGS path buffer); how many. */
static size_t logs__paths(const struct hearth_config *cfg, const char *source,
			  char paths[LOGS_SOURCE_FILES][CONFIG_STR * 2])
{
	const char *const *names = strcmp(source, "cron") == 0 ? logs__cron_files : logs__api_files;
	size_t n = 0;

	if (strcmp(source, "nginx") == 0) {
		if (!cfg->logs_nginx_error[0])
			return 0;
		snprintf(paths[0], sizeof(paths[0]), "%s", cfg->logs_nginx_error);
		return 1;
	}
	if (!cfg->logs_dir[0])
		return 0;
	for (; names[n] && n < LOGS_SOURCE_FILES; n++)
		snprintf(paths[n], sizeof(paths[n]), "%s/%s", cfg->logs_dir, names[n]);
	return n;
}

int h_logs_list(struct ctx *c, struct response *r)
{
	char paths[LOGS_SOURCE_FILES][CONFIG_STR * 2];
	const char *ptrs[LOGS_SOURCE_FILES];
	const char *source = "api";
	char level_buf[32], search[LOGS_SEARCH_MAX + 1] = "";
	struct logfiles_query q = { .level = LOGFILES_ANY, .limit = LOGFILES_LIMIT_DEFAULT };
	const char *query = c->req->query ? c->req->query : "";
	json_t *errs = json_array(), *items;
	int64_t limit;
	size_t n;
	int found;

	if (!errs)
		return response_error(r, HERR_NOMEM, NULL);
	ctx_query_enum(c, "source", logs__sources, &source, errs);

	found = query_get(query, "level", level_buf, sizeof(level_buf));
	if (found < 0 || (found > 0 && level_buf[0] && logfiles_level_parse(level_buf, &q.level) < 0))
		verr_add(errs, at_query, "level", "enum",
			 "Input should be 'ERROR', 'WARNING', 'INFO' or 'DEBUG'");

	found = query_get(query, "search", search, sizeof(search));
	if (found < 0)
		verr_add(errs, at_query, "search", "string_too_long",
			 "String should have at most %d characters", LOGS_SEARCH_MAX);

	/* Beyond the cap is not an error: the seed's API caps it. */
	if (ctx_query_int(c, "limit", 1, INT64_MAX, &limit, errs) > 0)
		q.limit = limit > LOGFILES_LIMIT_MAX ? LOGFILES_LIMIT_MAX : (size_t)limit;

	if (json_array_size(errs) > 0)
		return ctx_invalid(r, errs);
	json_decref(errs);

	q.search = search[0] ? search : NULL;
	n = logs__paths(c->app->cfg, source, paths);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = paths[i];
	items = logfiles_read(ptrs, n, &q);
	if (!items)
		return response_error(r, HERR_NOMEM, NULL);
	return ctx_reply(r, 200, json_pack("{s:s, s:I, s:o}", "source", source, "limit",
					   (json_int_t)q.limit, "items", items));
}

int h_logs_files(struct ctx *c, struct response *r)
{
	json_t *items = logfiles_list(c->app->cfg->logs_dir);

	if (!items)
		return response_error(r, HERR_NOMEM, NULL);
	return ctx_reply(r, 200, json_pack("{s:o}", "items", items));
}

int h_logs_file_get(struct ctx *c, struct response *r)
{
	char category[LOGFILES_SEGMENT_MAX + 1], name[LOGFILES_SEGMENT_MAX + 1];
	char *buf = NULL;
	size_t len = 0;
	bool truncated = false;

	/* Captures are raw path segments: an encoded "%2e%2e" or "%2f" is
	 * simply not a name the listing can hold. */
	if (route_capture(c->m, "category", category, sizeof(category)) < 0 ||
	    route_capture(c->m, "name", name, sizeof(name)) < 0 || !logfiles_segment_ok(category) ||
	    !logfiles_segment_ok(name))
		return response_detail(r, 404, "log file not found");
	if (logfiles_read_file(c->app->cfg->logs_dir, category, name, LOGS_FILE_MAX_BYTES, &buf,
			       &len, &truncated) < 0) {
		if (errno == ENOENT)
			return response_detail(r, 404, "log file not found");
		LOG(LOG_WARNING, "logs: reading %s/%s: %s", category, name, strerror(errno));
		return response_error(r, errno == ENOMEM ? HERR_NOMEM : HERR_INTERNAL, NULL);
	}
	response_text(r, 200, "text/plain; charset=utf-8", buf, len);
	/* Say so when only the end of the file came. */
	if (truncated)
		response_add_header(r, "X-Hearth-Truncated", "true");
	return 200;
}
