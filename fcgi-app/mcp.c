/*
 * The tool registry and how a tool is called (mcp.h).
 */
#include "mcp.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "handlers/handlers.h"
#include "request.h"
#include "response.h"
#include "roles.h"

#define MCP_PATH_MAX 256
#define MCP_QUERY_MAX 2048

static const char *const booleans[] = {"true", "false", NULL};
static const char *const alert_levels[] = {"emergency", "warning", "info", "reminder", NULL};
static const char *const event_kinds[] = {"rule_run", "security", NULL};
static const char *const run_statuses[] = {"running", "waiting", "completed", "failed",
					   "cancelled", NULL};
static const char *const trigger_types[] = {"sensor_event", "cron", "manual", "webhook",
					    "occupancy_duration", NULL};

#define LIMIT {{"limit", V_INT, 0, 1, 1000, NULL}, MCP_QUERY, "how many at most (50)"}
#define ID(name, where, about) {{name, V_ID, V_REQUIRED, 0, 0, NULL}, where, about}
#define FILTER_ID(name, about) {{name, V_ID, 0, 0, 0, NULL}, MCP_QUERY, about}
#define FILTER(name, choices, about) {{name, V_STRING, 0, 0, 64, choices}, MCP_QUERY, about}
#define SINCE {{"since", V_STRING, 0, 0, 64, NULL}, MCP_QUERY, \
	       "only those from this ISO 8601 time on (2026-12-06T08:00:00Z)"}
#define ARGS(a) a, sizeof(a) / sizeof(a[0])
#define NO_ARGS NULL, 0

static const struct mcp_arg limit_only[] = {LIMIT};
static const struct mcp_arg room_id[] = {ID("room_id", MCP_PATH, "the room's id")};
static const struct mcp_arg sensors_args[] = {
	FILTER_ID("room_id", "only the sensors of this room"),
	FILTER("sensor_type", NULL, "only sensors of this type (presence, contact, light,"
				    " button, camera...)"),
	LIMIT,
};
static const struct mcp_arg sensor_id[] = {ID("sensor_id", MCP_PATH, "the sensor's id")};
static const struct mcp_arg alerts_args[] = {
	FILTER("resolved", booleans, "true: dismissed or assisted ones; false: still open"),
	FILTER("alert_level", alert_levels, "only alerts of this level"),
	LIMIT,
};
static const struct mcp_arg events_args[] = {
	FILTER("kind", event_kinds, "rule_run: what the rules did; security: camera events"),
	SINCE,
	LIMIT,
};
static const struct mcp_arg workflows_args[] = {
	FILTER("status", run_statuses, "only runs in this state"),
	FILTER_ID("rule_id", "only runs of this rule"),
	LIMIT,
};
static const struct mcp_arg activities_args[] = {
	FILTER_ID("person_id", "only this person's activities"),
	SINCE,
	LIMIT,
};
static const struct mcp_arg rules_args[] = {
	FILTER("enabled", booleans, "only enabled (true) or disabled (false) rules"),
	FILTER("trigger_type", trigger_types, "only rules started this way"),
	LIMIT,
};
static const struct mcp_arg run_rule_args[] = {
	ID("rule_id", MCP_PATH, "the rule to run"),
	{{"input", V_OBJECT, 0, 0, 0, NULL}, MCP_BODY,
	 "what the run sees as trigger_input (an object)"},
};
static const struct mcp_arg dismiss_args[] = {
	ID("alert_id", MCP_PATH, "the alert to dismiss"),
	{{"note", V_STRING, 0, 0, 500, NULL}, MCP_BODY, "why, for the alert's history"},
};
static const struct mcp_arg camera_id[] = {ID("camera_id", MCP_PATH, "the camera's id")};

const struct mcp_tool mcp_tools[] = {
	{"list_rooms", "Rooms", "The rooms of the home.", true,
	 "GET", "/api/v1/rooms", NULL, ARGS(limit_only)},
	{"get_room", "A room", "One room, by id.", true,
	 "GET", "/api/v1/rooms/{room_id}", NULL, ARGS(room_id)},
	{"list_sensors", "Sensors", "The sensors, with their type, room and whether enabled.",
	 true, "GET", "/api/v1/sensors", NULL, ARGS(sensors_args)},
	{"get_sensor_status", "A sensor's state",
	 "What a sensor last reported: its state, value and when.", true,
	 "GET", "/api/v1/sensors/{sensor_id}/status", NULL, ARGS(sensor_id)},
	{"get_occupancy", "Who is where",
	 "Each room's occupancy from its presence sensors: occupied or not, and since when.",
	 true, "GET", "/api/v1/occupancy", NULL, NO_ARGS},
	{"list_persons", "People", "The people Hearth knows.", true,
	 "GET", "/api/v1/persons", NULL, ARGS(limit_only)},
	{"get_person_locations", "Where people are",
	 "Each person's last known room and when it was reported.", true,
	 "GET", "/api/v1/persons/locations", NULL, NO_ARGS},
	{"list_alerts", "Alerts",
	 "Alerts the rules raised, newest first: level, message, and whether dealt with.", true,
	 "GET", "/api/v1/alerts", NULL, ARGS(alerts_args)},
	{"list_events", "Events", "What happened, newest first: rule runs and security events.",
	 true, "GET", "/api/v1/events", NULL, ARGS(events_args)},
	{"list_workflows", "Rule runs", "Runs of the rules and how they went.", true,
	 "GET", "/api/v1/workflows", NULL, ARGS(workflows_args)},
	{"list_activities", "Activities",
	 "What people were seen doing (moving, resting...), newest first.", true,
	 "GET", "/api/v1/activities", NULL, ARGS(activities_args)},
	{"list_rules", "Rules", "The automation rules: what starts them and whether enabled.", true,
	 "GET", "/api/v1/rules", NULL, ARGS(rules_args)},
	{"run_rule", "Run a rule", "Run a rule now, as if started by hand.", false,
	 "POST", "/api/v1/rules/{rule_id}/execute", NULL, ARGS(run_rule_args)},
	{"dismiss_alert", "Dismiss an alert", "Mark an alert as dealt with.", false,
	 "POST", "/api/v1/alerts/{alert_id}/action", "{\"action\": \"dismiss\"}",
	 ARGS(dismiss_args)},
	{"snapshot_camera", "Take a snapshot", "Take a picture with a camera now and keep it.", false,
	 "POST", "/api/v1/cameras/{camera_id}/snapshot", NULL, ARGS(camera_id)},
};
const size_t mcp_tools_count = sizeof(mcp_tools) / sizeof(mcp_tools[0]);

const struct mcp_tool *mcp_tool_find(const char *name)
{
	for (size_t i = 0; name && i < mcp_tools_count; i++)
		if (strcmp(mcp_tools[i].name, name) == 0)
			return &mcp_tools[i];
	return NULL;
}

/* t's path with each {arg} replaced by the argument's value, or by "1" when
 * args is NULL (what a role is asked about).  -1 when it does not fit. */
static int mcp__path(const struct mcp_tool *t, const json_t *args, char *out, size_t outsz)
{
	const char *p = t->path;
	size_t n = 0;

	while (*p) {
		const char *close;
		char name[64], value[32] = "1";
		int k;

		if (*p != '{') {
			if (n + 1 >= outsz)
				return -1;
			out[n++] = *p++;
			continue;
		}
		close = strchr(p, '}');
		if (!close || (size_t)(close - p - 1) >= sizeof(name))
			return -1;
		memcpy(name, p + 1, (size_t)(close - p - 1));
		name[close - p - 1] = '\0';
		if (args)
			snprintf(value, sizeof(value), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(args, name)));
		k = snprintf(out + n, outsz - n, "%s", value);
		if (k < 0 || (size_t)k >= outsz - n)
			return -1;
		n += (size_t)k;
		p = close + 1;
	}
	out[n] = '\0';
	return 0;
}

bool mcp_tool_allowed(const struct roles *roles, const char *role, const struct mcp_tool *t)
{
	char path[MCP_PATH_MAX];

	return mcp__path(t, NULL, path, sizeof(path)) == 0 &&
	       roles_allows(roles, role, t->method, path);
}

static json_t *mcp__arg_schema(const struct mcp_arg *a)
{
	json_t *s = json_pack("{s:s}", "description", a->about);

	if (!s)
		return NULL;
	switch (a->f.type) {
	case V_STRING:
		json_object_set_new(s, "type", json_string("string"));
		if (a->f.max)
			json_object_set_new(s, "maxLength", json_integer(a->f.max));
		if (a->f.choices) {
			json_t *e = json_array();

			for (size_t i = 0; a->f.choices[i]; i++)
				json_array_append_new(e, json_string(a->f.choices[i]));
			json_object_set_new(s, "enum", e);
		}
		break;
	case V_INT:
		json_object_set_new(s, "type", json_string("integer"));
		json_object_set_new(s, "minimum", json_integer(a->f.min));
		json_object_set_new(s, "maximum", json_integer(a->f.max));
		break;
	case V_ID:
		json_object_set_new(s, "type", json_string("integer"));
		json_object_set_new(s, "minimum", json_integer(1));
		break;
	case V_BOOL:
		json_object_set_new(s, "type", json_string("boolean"));
		break;
	case V_OBJECT:
		json_object_set_new(s, "type", json_string("object"));
		break;
	}
	return s;
}

json_t *mcp_tool_json(const struct mcp_tool *t)
{
	json_t *props = json_object(), *required = json_array(), *tool;

	for (size_t i = 0; props && required && i < t->nargs; i++) {
		json_object_set_new(props, t->args[i].f.name, mcp__arg_schema(&t->args[i]));
		if (t->args[i].f.flags & V_REQUIRED)
			json_array_append_new(required, json_string(t->args[i].f.name));
	}
	tool = json_pack("{s:s, s:s, s:s, s:{s:s, s:o, s:o, s:b}, s:{s:s, s:b, s:b, s:b, s:b}}",
			 "name", t->name, "title", t->title, "description", t->about,
			 "inputSchema", "type", "object", "properties", props,
			 "required", required, "additionalProperties", false,
			 "annotations", "title", t->title, "readOnlyHint", t->read_only,
			 "destructiveHint", false, "idempotentHint", t->read_only,
			 "openWorldHint", false);
	return tool;
}

size_t mcp_tool_check(const struct mcp_tool *t, const json_t *args, const char *const *prefix,
		      json_t *errs)
{
	struct vfield fields[16];
	json_t *none = NULL;
	size_t n;

	if (t->nargs > sizeof(fields) / sizeof(fields[0]))
		return verr_add(errs, prefix, NULL, "value_error", "tool has too many arguments"), 1;
	for (size_t i = 0; i < t->nargs; i++)
		fields[i] = t->args[i].f;
	if (!args)
		args = none = json_object();
	n = validate_object(args, prefix, fields, t->nargs, false, errs);
	json_decref(none);
	return n;
}

/* Append k=v to the query q (of size qsz, holding *n bytes), percent
 * encoded: -1 when it does not fit. */
static int mcp__query_add(char *q, size_t qsz, size_t *n, const char *k, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	int w = snprintf(q + *n, qsz - *n, "%s%s=", *n ? "&" : "", k);

	if (w < 0 || (size_t)w >= qsz - *n)
		return -1;
	*n += (size_t)w;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*n + 4 >= qsz)
			return -1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			q[(*n)++] = (char)*p;
		} else {
			q[(*n)++] = '%';
			q[(*n)++] = hex[*p >> 4];
			q[(*n)++] = hex[*p & 15];
		}
	}
	q[*n] = '\0';
	return 0;
}

/* The query and the body of a call of t with args. */
static int mcp__request_parts(const struct mcp_tool *t, const json_t *args, char *query,
			      size_t qsz, json_t **body)
{
	size_t n = 0;

	query[0] = '\0';
	*body = NULL;
	if (t->fixed_body && !(*body = json_loads(t->fixed_body, 0, NULL)))
		return -1;
	for (size_t i = 0; i < t->nargs; i++) {
		const struct mcp_arg *a = &t->args[i];
		const json_t *v = json_object_get(args, a->f.name);
		char num[32];
		const char *text = num;

		if (!v || json_is_null(v) || a->where == MCP_PATH)
			continue;
		if (a->where == MCP_BODY) {
			if ((!*body && !(*body = json_object())) ||
			    json_object_set(*body, a->f.name, (json_t *)v) != 0)
				return -1;
			continue;
		}
		if (json_is_string(v))
			text = json_string_value(v);
		else if (json_is_boolean(v))
			text = json_is_true(v) ? "true" : "false";
		else
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		if (mcp__query_add(query, qsz, &n, a->f.name, text) < 0)
			return -1;
	}
	return 0;
}

int mcp_tool_call(struct ctx *c, const struct mcp_tool *t, const json_t *args, int *status,
		  json_t **result)
{
	char path[MCP_PATH_MAX], query[MCP_QUERY_MAX], *text = NULL;
	json_t *body = NULL;
	struct request req;
	struct response r;
	int rv = -1;

	*status = 0;
	*result = NULL;
	if (mcp__path(t, args, path, sizeof(path)) < 0 ||
	    mcp__request_parts(t, args, query, sizeof(query), &body) < 0)
		goto out;
	if (body && !(text = json_dumps(body, JSON_COMPACT)))
		goto out;
	/* The caller's own request, credential and all, for another route. */
	req = *c->req;
	req.method = t->method;
	req.path = path;
	req.query = query;
	req.content_type = text ? "application/json" : NULL;
	req.body = text;
	req.body_len = text ? strlen(text) : 0;
	req.body_too_large = false;
	req.body_read = NULL;
	req.body_stream = NULL;
	req.body_stream_len = 0;
	response_init(&r);
	api_handle(c->app, &req, &r);
	*status = r.status;
	if (r.body)
		*result = json_incref(r.body);
	else if (r.raw && !r.raw_type)
		*result = json_loadb(r.raw, r.raw_len, 0, NULL);
	if (!*result)
		*result = json_null();
	response_clear(&r);
	rv = 0;
out:
	free(text);
	json_decref(body);
	return rv;
}
