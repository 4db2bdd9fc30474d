/*
 * GET /api/v1/audit: the audit log, newest first, for admins (roles.conf
 * keeps it from the reading roles).  Reading it is a GET, so it is not
 * itself audited.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "store/store.h"
#include "validate.h"

/* Column widths of sql/001_initial.sql, in characters (up to 4 bytes each). */
#define AUDIT_ACTOR_MAX 320
#define AUDIT_PATH_MAX 1024

static const char *const at_query[] = {"query", NULL};

/*
 * A text filter of at most max characters: 1 with out set, 0 when absent
 * or empty (a form's blank field), -1 with a problem in errs.
 */
static int audit__query_text(const struct ctx *c, const char *name, size_t max, char *out,
			     size_t outsz, json_t *errs)
{
	int found = query_get(c->req && c->req->query ? c->req->query : "", name, out, outsz);

	if (found == 0 || (found > 0 && out[0] == '\0'))
		return 0;
	if (found < 0) {
		verr_add(errs, at_query, name, "string_type",
			 "Input should be a valid string of at most %zu characters", max);
		return -1;
	}
	if (utf8_length(out, strlen(out)) > max) {
		verr_add(errs, at_query, name, "string_too_long",
			 "Input should have at most %zu characters", max);
		return -1;
	}
	return 1;
}

static enum herr audit__list(struct ctx *c, const void *filter, const struct page *pg,
			     json_t *items, bool *has_more)
{
	return store_audit_list(c->app->db, filter, pg, items, has_more);
}

/* Written with every change; read back here, never changed. */
static const struct resource audit_log = {
	.name = "audit log",
	.plural = "audit log",
	.newest_first = true,
	.list = audit__list,
};

int h_audit_list(struct ctx *c, struct response *r)
{
	struct audit_filter f = {NULL, NULL, NULL, NULL, 0};
	char who[AUDIT_ACTOR_MAX * 4 + 1], path[AUDIT_PATH_MAX * 4 + 1];
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	char scope[96 + sizeof(who) + sizeof(path) + 2 * HANDLER_TIME_LEN];
	int64_t since_ms = 0, until_ms = 0, status = 0;
	int has_since, has_until;
	json_t *errs = json_array();

	if (audit__query_text(c, "who", AUDIT_ACTOR_MAX, who, sizeof(who), errs) > 0)
		f.actor = who;
	if (audit__query_text(c, "path", AUDIT_PATH_MAX, path, sizeof(path), errs) > 0)
		f.path_prefix = path;
	has_since = ctx_query_time(c, "since", &since_ms, since, errs);
	has_until = ctx_query_time(c, "until", &until_ms, until, errs);
	if (has_since > 0)
		f.since = since;
	if (has_until > 0)
		f.until = until;
	if (has_since > 0 && has_until > 0 && until_ms <= since_ms)
		verr_add(errs, at_query, "until", "value_error", "Input should be after since");
	if (ctx_query_int(c, "status", 100, 599, &status, errs) > 0)
		f.status = (int)status;

	/* The filters are part of the scope: a cursor only continues its own list. */
	snprintf(scope, sizeof(scope), "audit:who=%s;path=%s;since=%s;until=%s;status=%d",
		 f.actor ? f.actor : "", f.path_prefix ? f.path_prefix : "",
		 f.since ? f.since : "", f.until ? f.until : "", f.status);
	return resource_list_filtered(c, r, &audit_log, scope, errs, &f);
}
