/*
 * /api/v1/notification-rules: how each alert level reaches people.
 *
 *   GET /notification-rules           the four levels, emergency first
 *   PUT /notification-rules/{level}   change any of channels, quiet_hours
 *                                     {enabled, start, end},
 *                                     escalation_minutes, repeat_count;
 *                                     what the body leaves out stays
 *
 * Channels must be known channel names (the registry's); quiet hours are
 * "HH:MM" in the hub's time zone and may wrap past midnight.
 */
#include <string.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "engine/notify.h"
#include "engine/registry.h"
#include "store/notify_rules.h"

/* A day: reminders further apart than that are not reminders. */
#define ESCALATION_MAX_MINUTES 1440
#define REPEAT_MAX 20

static const struct vfield rule_fields[] = {
	{"channels", V_OBJECT, 0, 0, 0, NULL},   /* an array, checked below */
	{"quiet_hours", V_OBJECT, 0, 0, 0, NULL},
	{"escalation_minutes", V_INT, 0, 0, ESCALATION_MAX_MINUTES, NULL},
	{"repeat_count", V_INT, 0, 0, REPEAT_MAX, NULL},
};
static const struct vfield quiet_fields[] = {
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"start", V_STRING, 0, 5, 5, NULL},
	{"end", V_STRING, 0, 5, 5, NULL},
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const at_quiet[] = {"body", "quiet_hours", NULL};

int h_notification_rules_list(struct ctx *c, struct response *r)
{
	json_t *items = NULL;
	enum herr e = store_notify_rules_list(c->app->db, &items);

	if (e != HERR_OK)
		return response_error(r, e, "notification rules");
	return ctx_reply(r, 200, json_pack("{s:o}", "items", items));
}

/* channels: an array of unique, known channel names. */
static void notification_rules__channels(const json_t *v, json_t *errs)
{
	const char *at[] = {"body", "channels", NULL};
	const json_t *ch;
	size_t i, j;

	if (!json_is_array(v)) {
		verr_add(errs, at_body, "channels", "list_type", "Input should be a valid list");
		return;
	}
	json_array_foreach(v, i, ch) {
		char idx[24];

		snprintf(idx, sizeof(idx), "%zu", i);
		if (!json_is_string(ch)) {
			verr_add(errs, at, idx, "string_type", "Input should be a valid string");
			continue;
		}
		if (!channel_type_find(json_string_value(ch))) {
			verr_add(errs, at, idx, "enum", "Unknown channel '%s'",
				 json_string_value(ch));
			continue;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), ch))
				break;
		if (j < i)
			verr_add(errs, at, idx, "value_error", "Channel '%s' is listed twice",
				 json_string_value(ch));
	}
}

/* Apply the validated body onto r. */
static void notification_rules__apply(struct notify_rule *r, const json_t *body)
{
	const json_t *v, *quiet = json_object_get(body, "quiet_hours");

	if ((v = json_object_get(body, "channels"))) {
		json_decref(r->channels);
		r->channels = json_incref((json_t *)v);
	}
	if ((v = json_object_get(quiet, "enabled")))
		r->quiet_enabled = json_is_true(v);
	if ((v = json_object_get(quiet, "start")))
		snprintf(r->quiet_start, sizeof(r->quiet_start), "%s", json_string_value(v));
	if ((v = json_object_get(quiet, "end")))
		snprintf(r->quiet_end, sizeof(r->quiet_end), "%s", json_string_value(v));
	if ((v = json_object_get(body, "escalation_minutes")))
		r->escalation_minutes = (unsigned)json_integer_value(v);
	if ((v = json_object_get(body, "repeat_count")))
		r->repeat_count = (unsigned)json_integer_value(v);
}

int h_notification_rules_put(struct ctx *c, struct response *r)
{
	struct notify_rule rule = { 0 };
	json_t *body = NULL, *errs = json_array(), *out = NULL;
	const json_t *quiet;
	char level[17];
	enum herr e;
	int status;

	if (route_capture(c->m, "level", level, sizeof(level)) != 0 ||
	    (e = store_notify_rule_get(c->app->db, level, &rule)) == HERR_NOT_FOUND) {
		status = response_detail(r, 404,
					 "no such alert level (emergency, warning, info, reminder)");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "notification rule");
		goto out;
	}
	status = resource_start(r);
	body = ctx_body(c);
	if (!body || !errs)
		goto out;
	/* channels is checked as a list, below, not as validate_object's object. */
	json_t *probe = json_deep_copy(body);

	if (!probe)
		goto out;
	json_object_del(probe, "channels");
	validate_object(probe, at_body, rule_fields, COUNT(rule_fields), true, errs);
	json_decref(probe);
	if (json_object_get(body, "channels"))
		notification_rules__channels(json_object_get(body, "channels"), errs);
	quiet = json_object_get(body, "quiet_hours");
	if (json_is_object(quiet)) {
		validate_object(quiet, at_quiet, quiet_fields, COUNT(quiet_fields), true, errs);
		for (const char *const *k = (const char *const[]){"start", "end", NULL}; *k; k++) {
			const json_t *t = json_object_get(quiet, *k);

			if (json_is_string(t) && json_string_length(t) == 5 &&
			    notify_hhmm(json_string_value(t)) < 0)
				verr_add(errs, at_quiet, *k, "value_error",
					 "Time should be HH:MM, from 00:00 to 23:59");
		}
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	notification_rules__apply(&rule, body);
	if ((e = store_notify_rule_put(c->app->db, &rule)) == HERR_OK)
		e = store_notify_rule_get_json(c->app->db, level, &out);
	if (e != HERR_OK) {
		status = response_error(r, e, "notification rule");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%s", level);
	status = ctx_reply(r, 200, out);
	out = NULL;
out:
	notify_rule_clear(&rule);
	json_decref(body);
	json_decref(errs);
	json_decref(out);
	return status;
}
