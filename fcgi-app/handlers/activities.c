/*
 * /api/v1/activities: what persons were seen doing, as recorded by the
 * activity steps of rules and by closed activity sessions; newest first.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "iso8601.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "store/activities.h"
#include "store/store.h"
#include "validate.h"

/* Column sizes of sql/004 (characters; up to 4 bytes each). */
#define ACTIVITY_TYPE_MAX 64
#define ROOM_NAME_MAX 256

static const char *const at_query[] = {"query", NULL};

static const char *activities__query(const struct ctx *c)
{
	return c->req && c->req->query ? c->req->query : "";
}

/*
 * A text filter of at most max characters: 1 with out set, 0 when absent
 * or empty (a form's blank field), -1 with a problem in errs.
 */
static int activities__query_text(const struct ctx *c, const char *name, size_t max,
				  char *out, size_t outsz, json_t *errs)
{
	int found = query_get(activities__query(c), name, out, outsz);

	if (found == 0 || (found > 0 && out[0] == '\0'))
		return 0;
	if (found < 0 || utf8_length(out, strlen(out)) > max) {
		verr_add(errs, at_query, name, "string_too_long",
			 "Input should have at most %zu characters", max);
		return -1;
	}
	return 1;
}


int h_activities_list(struct ctx *c, struct response *r)
{
	struct activity_filter f = {0, NULL, NULL, NULL, NULL};
	char type[ACTIVITY_TYPE_MAX * 4 + 1], room[ROOM_NAME_MAX * 4 + 1];
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	char scope[64 + sizeof(type) + sizeof(room) + 2 * HANDLER_TIME_LEN];
	int64_t since_ms = 0, until_ms = 0;
	int has_since, has_until;
	struct page pg;
	json_t *errs = json_array(), *items = json_array();
	bool has_more = false;
	enum herr e;
	int status;

	if (!errs || !items) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	ctx_query_int(c, "person_id", 1, INT64_MAX, &f.person_id, errs);
	if (activities__query_text(c, "activity_type", ACTIVITY_TYPE_MAX, type, sizeof(type),
				   errs) > 0)
		f.activity_type = type;
	if (activities__query_text(c, "room_name", ROOM_NAME_MAX, room, sizeof(room), errs) > 0)
		f.room_name = room;
	has_since = ctx_query_time(c, "since", &since_ms, since, errs);
	has_until = ctx_query_time(c, "until", &until_ms, until, errs);
	if (has_since > 0)
		f.since = since;
	if (has_until > 0)
		f.until = until;
	if (has_since > 0 && has_until > 0 && until_ms <= since_ms)
		verr_add(errs, at_query, "until", "value_error", "Input should be after since");

	/* The filters are part of the scope: a cursor only continues its own list. */
	snprintf(scope, sizeof(scope),
		 "activities:person_id=%" PRId64 ";activity_type=%s;room_name=%s;since=%s;until=%s",
		 f.person_id, f.activity_type ? f.activity_type : "",
		 f.room_name ? f.room_name : "", f.since ? f.since : "", f.until ? f.until : "");
	ctx_page_desc(c, scope, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = store_activities_list(c->app->db, &f, &pg, items, &has_more)) != HERR_OK) {
		status = response_error(r, e, "activities");
		goto out;
	}
	status = ctx_list_reply_desc(c, r, scope, &pg, items, has_more);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
}
