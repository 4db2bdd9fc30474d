/*
 * Security events beyond the list (events.c): review, statistics,
 * full-text search and the CSV export.  The search box's text is
 * translated (security/search.h), never handed to the server as it is.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "cursor.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "log.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "security/csv.h"
#include "security/search.h"
#include "store/history.h"
#include "store/security_events.h"
#include "store/store.h"
#include "validate.h"

#define EXPORT_MAX_ROWS 10000
#define SEARCH_LIMIT_DEFAULT 50

static const char *const at_query[] = {"query", NULL};

static const struct vfield review_fields[] = {
	{"reviewed", V_BOOL, 0, 0, 0, NULL},
	{"notes", V_STRING, V_NULLABLE, 0, 10000, NULL},
};

static int security__rule_run(struct response *r, const struct resource_key *k,
			      const json_t *obj)
{
	return response_detail(r, 409, "event %" PRId64 " is a rule run, not a security event: "
			       "only security events are reviewed", k->id);
}

/* Events as review sees them (the list and one event are events.c's):
 * only a security event is reviewed. */
static const struct resource security_events = {
	.name = "event",
	.plural = "events",
	.conflict = security__rule_run,
};

void security_audit_read(struct ctx *c, int status)
{
	const struct audit_entry entry = {
		.key_id = c->who ? c->who->key_id : 0,
		.user_id = c->who ? c->who->user_id : 0,
		.actor = c->who ? c->who->name : "anonymous",
		.method = c->req->method,
		.path = c->req->path,
		.object_id = NULL,
		.status = status,
		.address = c->req->remote_addr,
	};
	enum herr e = store_audit_write(c->app->db, &entry);

	if (e != HERR_OK)
		LOG(LOG_ERR, "%s: audit row not written: %s", c->req->path, herr_str(e));
}

int h_events_update(struct ctx *c, struct response *r)
{
	json_t *errs = json_array(), *body = ctx_body(c), *ev = NULL, *notes;
	struct resource_key k;
	int reviewed = -1;
	enum herr e;
	int status;

	if (resource_path(c, r, &security_events, true, &k) != 0) {
		status = r->status;
		goto out;
	}
	status = resource_start(r);
	if (!errs || !body)
		goto out;
	if (validate_object(body, at_body, review_fields,
			    sizeof(review_fields) / sizeof(review_fields[0]), true, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (json_object_get(body, "reviewed"))
		reviewed = json_is_true(json_object_get(body, "reviewed"));
	notes = json_object_get(body, "notes");
	e = store_security_update(c->app->db, k.id, reviewed, notes != NULL,
				  json_string_value(notes), &ev);
	if (e != HERR_OK) {
		status = resource_error(r, &security_events, e, &k, body);
		goto out;
	}
	ctx_changed(c, k.id, NULL, NULL);
	app_publish(c->app, "events", "security_event.updated", json_incref(ev));
	status = ctx_reply(r, 200, ev);
	ev = NULL;
out:
	json_decref(errs);
	json_decref(body);
	json_decref(ev);
	return status;
}

/* start_date / end_date (or since / until) of the query. */
static void security__range(struct ctx *c, char since[HANDLER_TIME_LEN],
			    char until[HANDLER_TIME_LEN], const char **s, const char **u,
			    json_t *errs)
{
	int64_t a = 0, b = 0;
	int hs = ctx_query_time(c, "start_date", &a, since, errs);
	int hu = ctx_query_time(c, "end_date", &b, until, errs);

	*s = hs > 0 ? since : NULL;
	*u = hu > 0 ? until : NULL;
	if (hs > 0 && hu > 0 && b <= a)
		verr_add(errs, at_query, "end_date", "value_error", "Input should be after start_date");
}

int h_events_stats(struct ctx *c, struct response *r)
{
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	const char *s, *u;
	json_t *errs = json_array(), *out = NULL;
	enum herr e;

	if (!errs)
		return resource_start(r);
	security__range(c, since, until, &s, &u, errs);
	if (json_array_size(errs) > 0)
		return ctx_invalid(r, errs);
	json_decref(errs);
	if ((e = store_security_stats(c->app->db, s, u, &out)) != HERR_OK)
		return response_error(r, e, "event statistics");
	return ctx_reply(r, 200, out);
}

/* A search cursor holds the id its window starts below, signed for the
 * query it came from. */
static void security__search_scope(const char *boolean, char *out, size_t outsz)
{
	snprintf(out, outsz, "events/search %s", boolean);
}

int h_events_search(struct ctx *c, struct response *r)
{
	const struct hearth_config *cfg = c->app->cfg;
	char q[SEARCH_QUERY_MAX + 1], boolean[SEARCH_OUT_MAX];
	char scope[SEARCH_OUT_MAX + 16], cursor[CURSOR_MAX + 1];
	const char *query = c->req && c->req->query ? c->req->query : "";
	json_t *errs = json_array(), *items = json_array(), *next = NULL;
	struct search_matcher m;
	struct security_search s = { .before_id = INT64_MAX };
	struct security_search_window w;
	int64_t limit = SEARCH_LIMIT_DEFAULT, offset = 0;
	int found, terms = 0;
	enum herr e;
	int status = resource_start(r);

	if (!errs || !items)
		goto out;
	found = query_get(query, "q", q, sizeof(q));
	if (found == 0)
		verr_add(errs, at_query, "q", "missing", "Field required");
	else if (found < 0)
		verr_add(errs, at_query, "q", "string_too_long",
			 "Input should be at most %d bytes", SEARCH_QUERY_MAX);
	else if ((terms = search_boolean_query(q, boolean, sizeof(boolean))) <= 0)
		verr_add(errs, at_query, "q", "value_error",
			 terms < 0 ? "Input is too long" :
			 "Input should contain a word to look for (of at least 3 letters, not"
			 " only NOT terms)");
	else
		search_compile(q, &m);
	ctx_query_int(c, "limit", 1, 1000, &limit, errs);
	ctx_query_int(c, "offset", 0, 1000000, &offset, errs);
	/* An empty cursor is what a client sends for the first window. */
	found = query_get(query, "cursor", cursor, sizeof(cursor));
	if (found < 0 || (found > 0 && cursor[0] && terms > 0)) {
		security__search_scope(boolean, scope, sizeof(scope));
		if (found < 0 || cursor_decode(cfg->secret, cfg->secret_len, scope, cursor,
					       &s.before_id) != 0 || s.before_id <= 0)
			verr_add(errs, at_query, "cursor", "value_error",
				 "Invalid search cursor; use next_cursor from a previous reply"
				 " to the same q");
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	s.boolean_query = boolean;
	s.matcher = &m;
	s.limit = (unsigned)limit;
	s.offset = offset;
	if ((e = store_security_search(c->app->db, &s, items, &w)) != HERR_OK) {
		status = response_error(r, e, "search");
		goto out;
	}
	if (w.next_before_id > 0) {
		security__search_scope(boolean, scope, sizeof(scope));
		if (cursor_encode(cfg->secret, cfg->secret_len, scope, w.next_before_id, cursor,
				  sizeof(cursor)) != 0) {
			status = response_detail(r, 500, "could not build the next search cursor");
			goto out;
		}
		next = json_string(cursor);
	} else {
		next = json_null();
	}
	status = ctx_reply(r, 200, json_pack("{s:o, s:s, s:{s:I, s:I, s:I, s:b, s:o}}",
					     "items", items, "query", boolean, "pagination",
					     "limit", (json_int_t)limit,
					     "offset", (json_int_t)offset,
					     "window_matches", (json_int_t)w.matches,
					     "has_more", offset + limit < (int64_t)w.matches ||
							 w.next_before_id > 0,
					     "next_cursor", next));
	items = next = NULL;
out:
	json_decref(errs);
	json_decref(items);
	json_decref(next);
	return status;
}

static const char *security__str(const json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

int h_events_export(struct ctx *c, struct response *r)
{
	static const char *const header[] = {
		"id", "camera", "started_at", "ended_at", "risk_score", "risk_level", "summary",
		"reviewed", "notes", "detection_count",
	};
	static const char *const levels[] = {"low", "medium", "high", "critical", NULL};
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	struct event_filter f = { .kind = "security" };
	struct page pg = { .after_id = INT64_MAX, .offset = -1, .limit = EXPORT_MAX_ROWS };
	json_t *errs = json_array(), *items = json_array(), *ev;
	int64_t camera_id = 0;
	struct csv out;
	bool more = false;
	size_t i, len = 0;
	char *text;
	enum herr e;
	int status = resource_start(r);

	csv_init(&out);
	if (!errs || !items)
		goto out;
	security__range(c, since, until, &f.since, &f.until, errs);
	if (ctx_query_int(c, "camera_id", 1, INT64_MAX, &camera_id, errs) > 0)
		f.camera_id = camera_id;
	ctx_query_enum(c, "risk_level", levels, &f.risk_level, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = store_events_list(c->app->db, &f, &pg, items, &more)) != HERR_OK) {
		status = response_error(r, e, "events");
		goto out;
	}
	for (i = 0; i < sizeof(header) / sizeof(header[0]); i++)
		csv_text(&out, header[i]);
	csv_end_row(&out);
	json_array_foreach(items, i, ev) {
		csv_int(&out, json_integer_value(json_object_get(ev, "id")));
		csv_text(&out, security__str(ev, "camera_name"));
		csv_text(&out, security__str(ev, "started_at"));
		csv_text(&out, security__str(ev, "ended_at"));
		csv_int(&out, json_integer_value(json_object_get(ev, "risk_score")));
		csv_text(&out, security__str(ev, "risk_level"));
		csv_text(&out, security__str(ev, "summary"));
		csv_text(&out, json_is_true(json_object_get(ev, "reviewed")) ? "true" : "false");
		csv_text(&out, security__str(ev, "notes"));
		csv_int(&out, json_integer_value(json_object_get(ev, "detection_count")));
		csv_end_row(&out);
	}
	if (!(text = csv_take(&out, &len)))
		goto out;
	response_add_header(r, "Content-Disposition",
			    "attachment; filename=\"security-events.csv\"");
	status = response_text(r, 200, "text/csv; charset=utf-8", text, len);
	security_audit_read(c, status);
out:
	csv_free(&out);
	json_decref(errs);
	json_decref(items);
	return status;
}
