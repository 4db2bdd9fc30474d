/*
 * /api/v1/events: the event log, newest first.  Each run of a rule leaves
 * one entry (kind rule_run) holding its final pipeline_data; a gate refusal
 * leaves an `ignored` one with the reason, repeated refusals sharing it.
 */
#include <inttypes.h>
#include <stdint.h>
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
#include "store/history.h"
#include "store/store.h"
#include "validate.h"

#define EVENTS_SCOPE "events"
/* rule names are at most 256 characters of up to 4 bytes each. */
#define RULE_NAME_MAX 1024

static const char *const at_query[] = {"query", NULL};
static const char *const event_kinds[] = {"rule_run", "security", NULL};
static const char *const risk_levels[] = {"low", "medium", "high", "critical", NULL};
static const char *const booleans[] = {"true", "false", NULL};
static const char *const event_statuses[] = {
	"processing", "completed", "ignored", "failed", NULL
};

static const char *events__query(const struct ctx *c)
{
	return c->req && c->req->query ? c->req->query : "";
}


/* The rule_name filter: 1 with out set, 0 when absent or empty, -1 with a
 * problem in errs. */
static int events__query_rule_name(const struct ctx *c, char *out, size_t outsz, json_t *errs)
{
	int found = query_get(events__query(c), "rule_name", out, outsz);

	if (found == 0 || (found > 0 && out[0] == '\0'))
		return 0;
	if (found < 0) {
		verr_add(errs, at_query, "rule_name", "string_too_long",
			 "Input should be a rule name of at most 256 characters");
		return -1;
	}
	return 1;
}

/*
 * The filters only security events have: camera_id, risk_level, reviewed,
 * start_date and end_date.  Any of them without a kind means kind
 * security; with kind rule_run they are a 422.
 */
static void events__security_filters(struct ctx *c, struct event_filter *f, char *since,
				     char *until, json_t *errs)
{
	const char *reviewed = NULL;
	int64_t camera_id = 0, a = 0, b = 0;
	int n = 0, hs, hu;

	if (ctx_query_int(c, "camera_id", 1, INT64_MAX, &camera_id, errs) > 0) {
		f->camera_id = camera_id;
		n++;
	}
	n += ctx_query_enum(c, "risk_level", risk_levels, &f->risk_level, errs) > 0;
	if (ctx_query_enum(c, "reviewed", booleans, &reviewed, errs) > 0) {
		f->reviewed = strcmp(reviewed, "true") == 0 ? 1 : -1;
		n++;
	}
	hs = ctx_query_time(c, "start_date", &a, since, errs);
	hu = ctx_query_time(c, "end_date", &b, until, errs);
	if (hs > 0) {
		f->since = since;
		n++;
	}
	if (hu > 0) {
		f->until = until;
		n++;
	}
	if (hs > 0 && hu > 0 && b <= a)
		verr_add(errs, at_query, "end_date", "value_error",
			 "Input should be after start_date");
	if (n == 0)
		return;
	if (!f->kind)
		f->kind = "security";
	else if (strcmp(f->kind, "security") != 0)
		verr_add(errs, at_query, "kind", "value_error",
			 "camera_id, risk_level, reviewed, start_date and end_date filter"
			 " security events only");
}

static enum herr events__list(struct ctx *c, const void *filter, const struct page *pg,
			      json_t *items, bool *has_more)
{
	return store_events_list(c->app->db, filter, pg, items, has_more);
}

static enum herr events__get(struct ctx *c, const struct resource_key *k, bool lock,
			     json_t **out)
{
	return store_events_get(c->app->db, k->id, out);
}

/* Events are recorded by the engine and the detectors; security events
 * are reviewed through security_events.c. */
static const struct resource events = {
	.name = "event",
	.plural = "events",
	.newest_first = true,
	.list = events__list,
	.get = events__get,
};

int h_events_list(struct ctx *c, struct response *r)
{
	struct event_filter f = {0};
	char start_date[HANDLER_TIME_LEN], end_date[HANDLER_TIME_LEN];
	char rule_name[RULE_NAME_MAX + 1];
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	int64_t since_ms = 0, until_ms = 0;
	int has_since, has_until;
	json_t *errs = json_array();

	ctx_query_enum(c, "kind", event_kinds, &f.kind, errs);
	ctx_query_enum(c, "status", event_statuses, &f.status, errs);
	if (events__query_rule_name(c, rule_name, sizeof(rule_name), errs) > 0)
		f.rule_name = rule_name;
	has_since = ctx_query_time(c, "since", &since_ms, since, errs);
	has_until = ctx_query_time(c, "until", &until_ms, until, errs);
	if (has_since > 0)
		f.since = since;
	if (has_until > 0)
		f.until = until;
	if (has_since > 0 && has_until > 0 && until_ms <= since_ms)
		verr_add(errs, at_query, "until", "value_error", "Input should be after since");
	events__security_filters(c, &f, start_date, end_date, errs);
	return resource_list_filtered(c, r, &events, EVENTS_SCOPE, errs, &f);
}

int h_events_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &events);
}
