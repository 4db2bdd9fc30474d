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
#include "resource.h"
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


static enum herr activities__list(struct ctx *c, const void *filter, const struct page *pg,
				  json_t *items, bool *has_more)
{
	return store_activities_list(c->app->db, filter, pg, items, has_more);
}

static const struct resource activities = {
	.name = "activity",
	.plural = "activities",
	.newest_first = true,
	.list = activities__list,
};

int h_activities_list(struct ctx *c, struct response *r)
{
	struct activity_filter f = {0, NULL, NULL, NULL, NULL};
	char type[ACTIVITY_TYPE_MAX * 4 + 1], room[ROOM_NAME_MAX * 4 + 1];
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	char scope[64 + sizeof(type) + sizeof(room) + 2 * HANDLER_TIME_LEN];
	int64_t since_ms = 0, until_ms = 0;
	int has_since, has_until;
	json_t *errs = json_array();

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
	return resource_list_filtered(c, r, &activities, scope, errs, &f);
}
