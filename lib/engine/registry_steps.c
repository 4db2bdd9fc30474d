/*
 * The pipeline step registry: the 14 step types of the reference, each with
 * the keys of its config, their defaults, and what a run of it writes into
 * pipeline_data.  A step's config is checked here when it is saved, down to
 * its meaning: a condition that does not parse or a template with a broken
 * placeholder is a 422 then, not a failed run at three in the morning.
 *
 * Types whose services Hearth does not have yet (the AI services, Home
 * Assistant) are listed with available = false: editors can show them, the
 * API refuses to save them.
 */
#include <string.h>

#include "condition.h"
#include "step.h"
#include "registry.h"
#include "registry_schema.h"
#include "template.h"

struct step_type {
	const char *name;
	const char *display_name;
	const char *description;
	step_run_fn run;              /* NULL: not available yet */
	bool counts_by_default;
	const struct rparam *params;
	size_t nparams;
	const char *const *one_of;    /* at least one of these keys, or NULL */
	const char *const *writes;    /* pipeline_data keys a run sets, NULL-terminated */
	/* Checks across keys, run when the keys themselves are fine; or NULL. */
	size_t (*check)(const json_t *config, const char *const *prefix, json_t *errs);
};

/* Any step may say whether its run counts as completed (cool-off, daily cap,
 * dependencies); the default is the type's. */
#define COOLOFF(def) \
	{"trigger_cooloff", RP_BOOL, 0, 0, 0, NULL, (def), RC_NONE, NULL, 0, \
	 "Whether running this step makes the run count as completed for cool-off, " \
	 "the daily cap and dependencies"}
#define TEMPLATE(n, flags, def, h) \
	{(n), RP_STRING, (flags), 1, TEMPLATE_MAX_LEN, NULL, (def), RC_TEMPLATE, NULL, 0, (h)}
#define TEXT(n, flags, max, def, h) \
	{(n), RP_STRING, (flags), 1, (max), NULL, (def), RC_NONE, NULL, 0, (h)}
#define INT(n, lo, hi, def, h) {(n), RP_INT, 0, (lo), (hi), NULL, (def), RC_NONE, NULL, 0, (h)}
#define NUMBER(n, lo, hi, def, h) \
	{(n), RP_NUMBER, 0, (lo), (hi), NULL, (def), RC_NONE, NULL, 0, (h)}
#define BOOL(n, def, h) {(n), RP_BOOL, 0, 0, 0, NULL, (def), RC_NONE, NULL, 0, (h)}
#define CHOICE(n, choices, def, h) \
	{(n), RP_STRING, 0, 0, 0, (choices), (def), RC_NONE, NULL, 0, (h)}
#define OUTPUT_KEY(def) \
	{"output_key", RP_STRING, 0, 1, 64, NULL, (def), RC_KEY, NULL, 0, \
	 "Key of pipeline_data the result is stored under"}
#define PERSON_ID(h) {"person_id", RP_ID, 0, 0, 0, NULL, NULL, RC_NONE, NULL, 0, (h)}
#define ROOM_NAME(h) TEXT("room_name", V_NONEMPTY, 256, NULL, (h))
#define ACTIVITY_TYPE(flags, h) TEXT("activity_type", (flags) | V_NONEMPTY, 64, NULL, (h))
#define PARAMS(a) (a), RP_COUNT(a)

/* A week: the longest a run may sit waiting. */
#define WAIT_MAX_MINUTES 10080
#define WITHIN_MAX 525600

static const char *const severities[] = {"ok", "info", "warning", "critical", NULL};

/* ---- 1. person_identification */
static const struct rparam person_identification_params[] = {
	NUMBER("confidence_threshold", 0, 1, "0.6", "Lowest confidence that counts as a match"),
	{"target_persons", RP_ID_ARRAY, RP_UNIQUE, 0, 0, NULL, "[]", RC_NONE, NULL, 0,
	 "Ids of the persons to look for; empty = everyone"},
	BOOL("include_annotated_image", "false", "Keep the image with the boxes drawn"),
	COOLOFF("false"),
};
static const char *const person_identification_writes[] = {"person_detections",
							   "room_transitions", NULL};

/* ---- 2. scene_analysis */
static const struct rparam scene_analysis_params[] = {
	BOOL("run_detect", "true", "Detect objects"),
	BOOL("run_describe", "true", "Describe the scene in words"),
	BOOL("run_hazards", "true", "Look for hazards"),
	INT("max_images", 1, 10, "1", "Trigger images to analyse"),
	COOLOFF("false"),
};
static const char *const scene_analysis_writes[] = {"scene_detections", "scene_description",
						    "scene_hazards", NULL};

/* ---- 3. object_trend_analysis */
static const struct rparam object_trend_analysis_params[] = {
	{"room_ids", RP_ID_ARRAY, RP_UNIQUE, 0, 0, NULL, NULL, RC_NONE, NULL, 0,
	 "Ids of the rooms to read; every room when absent"},
	CHOICE("severity_threshold", severities, "\"info\"",
	       "Lowest severity reported as a warning"),
	OUTPUT_KEY("\"room_trends\""),
	COOLOFF("false"),
};
static const char *const object_trend_analysis_writes[] = {
	"room_trends", "room_trends_any_warning", "room_trends_max_severity", NULL};

/* ---- 4. llm_call */
static const char *const image_sources[] = {"none", "trigger", "additional", "both", NULL};
static const char *const response_formats[] = {"text", "json_schema", "json_free", NULL};

static const struct rparam llm_call_params[] = {
	TEXT("model_id", V_NONEMPTY, 256, NULL, "Model name at the chat endpoint"),
	TEMPLATE("prompt", V_REQUIRED, NULL, "Prompt (template)"),
	CHOICE("image_source", image_sources, "\"none\"", "Images sent with the prompt"),
	INT("max_images", 0, 20, "5",
	    "Most images sent (trigger: trigger.media_paths; additional: "
	    "pipeline_data.additional_images, media paths)"),
	CHOICE("response_format", response_formats, "\"text\"", "Shape of the answer"),
	{"response_json_schema", RP_OBJECT, 0, 0, 0, NULL, NULL, RC_NONE, NULL, 0,
	 "JSON Schema of the answer, with response_format json_schema"},
	OUTPUT_KEY("\"llm_response\""),
	INT("max_retries", 0, 10, "3", "Retries after a failed call"),
	COOLOFF("false"),
};
static const char *const llm_call_writes[] = {"llm_response", NULL};

/* json_schema needs the schema to send and to check the answer against. */
static size_t llm_call_check(const json_t *config, const char *const *prefix, json_t *errs)
{
	const char *format = json_string_value(json_object_get(config, "response_format"));

	if (format && !strcmp(format, "json_schema") &&
	    !json_object_get(config, "response_json_schema")) {
		verr_add(errs, prefix, "response_json_schema", "missing",
			 "Field required when response_format is 'json_schema'");
		return 1;
	}
	return 0;
}

/* ---- 5. condition */
static const struct rparam condition_params[] = {
	{"expression", RP_STRING, V_REQUIRED, 1, COND_MAX_LEN, NULL, NULL, RC_CONDITION, NULL, 0,
	 "Condition on pipeline_data, e.g. person_detections.count > 0 and "
	 "scene_hazards.0.level == \"high\""},
	COOLOFF("false"),
};
static const char *const condition_writes[] = {"condition", NULL};

/* ---- 6. verification */
static const char *const match_modes[] = {"all", "any", NULL};

static const struct rparam verification_condition[] = {
	ACTIVITY_TYPE(V_REQUIRED, "Activity that must have been recorded"),
	PERSON_ID("Id of the person; any person when absent"),
	ROOM_NAME("Room the activity must have happened in"),
	INT("within_minutes", 1, WITHIN_MAX, "30", "How recent the activity must be, in minutes"),
	NUMBER("min_confidence", 0, 1, "0.5", "Lowest confidence that counts"),
};

static const struct rparam verification_params[] = {
	{"conditions", RP_OBJECT_ARRAY, V_REQUIRED | RP_MIN_ITEMS, 0, 0, NULL, NULL, RC_NONE,
	 PARAMS(verification_condition), "Activities to look for"},
	CHOICE("match_mode", match_modes, "\"all\"",
	       "all: every condition must match; any: one is enough"),
	COOLOFF("false"),
};
static const char *const verification_writes[] = {"verification", NULL};

/* ---- 7. notification */
static const struct rparam notification_params[] = {
	CHOICE("alert_level", rs_alert_levels, "\"info\"",
	       "emergency and warning also create an alert"),
	{"channels", RP_STRING_ARRAY, RP_UNIQUE, 0, 0, rs_channel_names, NULL, RC_NONE, NULL, 0,
	 "Channels to deliver to; the alert level's defaults when absent"},
	TEMPLATE("message_template", 0, NULL, "Message (template)"),
	{"channel_templates", RP_OBJECT, 0, 0, 0, NULL, NULL, RC_CHANNEL_TEMPLATES, NULL, 0,
	 "Per-channel message templates, {channel: template}, instead of message_template"},
	RP_PARAM_WEBHOOK_URL,
	RP_PARAM_EINK_TARGETS,
	RP_PARAM_EINK_EXPIRY,
	COOLOFF("true"),
};
static const char *const notification_writes[] = {"notification_dispatched",
						  "notification_channels", NULL};

/* A channel named explicitly must be one Hearth can deliver on: saving a
 * step that would silently never reach anyone is refused.  Adds a problem
 * at prefix + field + key, or + index when key is NULL (a number in the loc,
 * as clients expect), and returns 1 when name is unavailable. */
static size_t notification__available(const char *name, const char *const *prefix,
				      const char *field, const char *key, size_t index,
				      json_t *errs)
{
	const struct channel_type *t = channel_type_find(name);
	const char *at[8];
	json_t *loc;

	if (!t || channel_type_available(t))
		return 0;
	rs_prefix(prefix, field, NULL, at, sizeof(at) / sizeof(at[0]));
	/* The index entry is a placeholder, made a number just below. */
	verr_add(errs, at, key ? key : "", "value_error", "channel %s is not available yet",
		 name);
	loc = json_object_get(json_array_get(errs, json_array_size(errs) - 1), "loc");
	if (!key && json_array_size(loc) > 0)
		json_array_set_new(loc, json_array_size(loc) - 1, json_integer((json_int_t)index));
	return 1;
}

/* Unavailable channels are refused; the webhook channel has nowhere to go
 * without a URL. */
static size_t notification_check(const json_t *config, const char *const *prefix,
				 json_t *errs)
{
	const json_t *channels = json_object_get(config, "channels"), *c;
	const json_t *templates = json_object_get(config, "channel_templates");
	size_t i, problems = 0;
	bool webhook = false;
	const char *key;

	json_array_foreach(channels, i, c) {
		if (!json_is_string(c))
			continue;
		problems += notification__available(json_string_value(c), prefix, "channels",
						    NULL, i, errs);
		webhook = webhook || strcmp(json_string_value(c), "webhook") == 0;
	}
	json_object_foreach((json_t *)templates, key, c)
		problems += notification__available(key, prefix, "channel_templates", key, 0,
						    errs);
	if (webhook && !json_object_get(config, "webhook_url")) {
		verr_add(errs, prefix, "webhook_url", "missing",
			 "Field required when channels include 'webhook'");
		problems++;
	}
	return problems;
}

/* ---- 8. ha_action */
static const struct rparam ha_action_params[] = {
	TEXT("domain", V_REQUIRED | V_NONEMPTY, 64, NULL, "Service domain, e.g. light"),
	TEXT("service", V_REQUIRED | V_NONEMPTY, 64, NULL, "Service, e.g. turn_on"),
	TEXT("entity_id", V_NONEMPTY, 255, NULL, "Target entity, e.g. light.hallway"),
	{"data", RP_OBJECT, 0, 0, 0, NULL, "{}", RC_NONE, NULL, 0, "Service data"},
	COOLOFF("true"),
};
static const char *const ha_action_writes[] = {"ha_action", NULL};

/* ---- 9. activity_detection */
static const struct rparam activity_detection_params[] = {
	ACTIVITY_TYPE(V_REQUIRED, "Activity to record"),
	PERSON_ID("Id of the person"),
	ROOM_NAME("Room the activity happened in"),
	NUMBER("confidence", 0, 1, "0.8", "Confidence recorded with the activity"),
	COOLOFF("true"),
};
static const char *const activity_detection_writes[] = {"detected_activities", NULL};

/* ---- 10. activity_session_start */
static const struct rparam activity_session_start_params[] = {
	ACTIVITY_TYPE(V_REQUIRED, "Activity the session measures"),
	PERSON_ID("Id of the person"),
	ROOM_NAME("Room of the session"),
	INT("timeout_minutes", 1, WITHIN_MAX, NULL,
	    "Close a session left open this long; never when absent"),
	OUTPUT_KEY("\"session\""),
	COOLOFF("false"),
};
static const char *const activity_session_start_writes[] = {"session_id", "was_existing",
							    NULL};

/* ---- 11. activity_session_end */
static const struct rparam activity_session_end_params[] = {
	ACTIVITY_TYPE(V_REQUIRED, "Activity of the session to close"),
	PERSON_ID("Id of the person"),
	BOOL("write_activity_record", "true", "Record the session as one activity"),
	OUTPUT_KEY("\"closed_session\""),
	COOLOFF("false"),
};
static const char *const activity_session_end_writes[] = {"duration_minutes", NULL};

/* ---- 12. daily_report */
static const struct rparam daily_report_params[] = {
	{"person_ids", RP_ID_ARRAY, RP_UNIQUE, 0, 0, NULL, NULL, RC_NONE, NULL, 0,
	 "Ids of the persons to report on; everyone when absent"},
	INT("report_date_offset_days", -366, 366, "0",
	    "Days added to today's local date to get the report date (-1 = yesterday)"),
	OUTPUT_KEY("\"daily_reports\""),
	COOLOFF("false"),
};
static const char *const daily_report_writes[] = {"daily_reports", NULL};

/* ---- 13. wait */
static const struct rparam wait_params[] = {
	INT("minutes", 1, WAIT_MAX_MINUTES, "5", "Minutes to pause the run"),
	COOLOFF("false"),
};
static const char *const wait_writes[] = {"wait_until", NULL};

/* ---- 14. interactive_prompt */
static const char *const timeout_actions[] = {"escalate", "dismiss", NULL};

static const struct rparam interactive_prompt_params[] = {
	TEMPLATE("popup_message_template", 0, NULL, "Message of the dashboard pop-up (template)"),
	TEMPLATE("voice_prompt_template", 0, NULL, "What the voice assistant says (template)"),
	TEXT("popup_title", 0, 256, NULL, "Title of the pop-up"),
	TEXT("escalate_button_text", V_NONEMPTY, 64, "\"I need help\"", "Escalate button"),
	TEXT("dismiss_button_text", V_NONEMPTY, 64, "\"I'm okay\"", "Dismiss button"),
	INT("countdown_seconds", 5, 300, "30", "Seconds to answer before timeout_action"),
	CHOICE("timeout_action", timeout_actions, "\"escalate\"",
	       "What an unanswered prompt counts as"),
	OUTPUT_KEY("\"interactive_response\""),
	COOLOFF("false"),
};
static const char *const interactive_prompt_one_of[] = {"popup_message_template",
							"voice_prompt_template", NULL};
static const char *const interactive_prompt_writes[] = {"interactive_response", NULL};

/* run: step_run_<name> from steps/, or NULL while the type's service is
 * not part of Hearth (saving one is then a 422). */
#define STEP(n, disp, desc, run, counts, one_of, check) \
	{#n, (disp), (desc), (run), (counts), PARAMS(n##_params), (one_of), n##_writes, (check)}
#define RUN(n) step_run_##n

static const struct step_type step_types[] = {
	STEP(person_identification, "Person identification",
	     "Sends the trigger images to the person-ID service and records who was seen where",
	     RUN(person_identification), false, NULL, NULL),
	STEP(scene_analysis, "Scene analysis",
	     "Sends images to the scene-analysis service: objects, a description, hazards",
	     NULL, false, NULL, NULL),
	STEP(object_trend_analysis, "Object trends", "Reads the per-room object-trend state",
	     NULL, false, NULL, NULL),
	STEP(llm_call, "Language model", "One call to an OpenAI-compatible chat endpoint",
	     RUN(llm_call), false, NULL, llm_call_check),
	STEP(condition, "Condition",
	     "Evaluates an expression on pipeline_data and branches on the result",
	     RUN(condition), false, NULL, NULL),
	STEP(verification, "Verification", "Checks the recorded activities of persons",
	     RUN(verification), false, NULL, NULL),
	STEP(notification, "Notification", "Renders a message and delivers it on channels",
	     RUN(notification), true, NULL, notification_check),
	STEP(ha_action, "Home Assistant action", "Calls a Home Assistant service",
	     RUN(ha_action), true, NULL, NULL),
	STEP(activity_detection, "Record activity", "Records one activity of a person",
	     RUN(activity_detection), true, NULL, NULL),
	STEP(activity_session_start, "Start activity session",
	     "Opens a duration session; an open one is reused", RUN(activity_session_start), false, NULL, NULL),
	STEP(activity_session_end, "End activity session",
	     "Closes the open session and reports its duration", RUN(activity_session_end), false, NULL, NULL),
	STEP(daily_report, "Daily report",
	     "End-of-day rollup per person with a wellness score", RUN(daily_report), false, NULL, NULL),
	STEP(wait, "Wait", "Pauses the run; it resumes with the next step", RUN(wait), false,
	     NULL, NULL),
	STEP(interactive_prompt, "Ask the person",
	     "Asks on the dashboard pop-up and/or by voice, then waits for the answer",
	     RUN(interactive_prompt), false, interactive_prompt_one_of, NULL),
};

#define STEP_TYPES_COUNT (sizeof(step_types) / sizeof(step_types[0]))

const struct step_type *step_type_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < STEP_TYPES_COUNT; i++)
		if (strcmp(step_types[i].name, name) == 0)
			return &step_types[i];
	return NULL;
}

size_t step_types_count(void)
{
	return STEP_TYPES_COUNT;
}

const struct step_type *step_type_at(size_t i)
{
	return i < STEP_TYPES_COUNT ? &step_types[i] : NULL;
}

const char *step_type_name(const struct step_type *t)
{
	return t->name;
}

bool step_type_available(const struct step_type *t)
{
	return t->run != NULL;
}

step_run_fn step_type_run(const struct step_type *t)
{
	return t->run;
}

/*
 * Built once per process on first use and never freed: the table is
 * static, so are its defaults.  A worker is one thread; nothing races.
 */
const json_t *step_type_defaults(const struct step_type *t)
{
	static json_t *cache[RP_COUNT(step_types)];
	size_t i = (size_t)(t - step_types);

	if (i >= RP_COUNT(step_types))
		return NULL;
	if (!cache[i]) {
		json_t *defaults = NULL;
		json_t *schema = rs_object_schema(t->params, t->nparams, t->one_of, &defaults);

		json_decref(schema);
		cache[i] = defaults;
	}
	return cache[i];
}

bool step_type_counts_by_default(const struct step_type *t)
{
	return t->counts_by_default;
}

size_t step_type_validate_config(const struct step_type *t, const json_t *config,
				 const char *const *prefix, json_t *errs)
{
	size_t problems = rs_validate(t->params, t->nparams, t->one_of, config, prefix, errs);

	if (problems == 0 && t->check && config)
		problems += t->check(config, prefix, errs);
	return problems;
}

json_t *step_type_to_json(const struct step_type *t)
{
	json_t *defaults = NULL, *writes = json_array(), *schema = NULL, *out = NULL;

	if (!writes)
		goto out;
	for (size_t i = 0; t->writes[i]; i++)
		json_array_append_new(writes, json_string(t->writes[i]));
	schema = rs_object_schema(t->params, t->nparams, t->one_of, &defaults);
	if (!schema)
		goto out;
	out = json_pack("{s:s, s:s, s:s, s:b, s:b, s:O, s:O, s:O}", "name", t->name,
			"display_name", t->display_name, "description", t->description,
			"available", t->run != NULL, "counts_by_default", t->counts_by_default,
			"config_schema", schema, "defaults", defaults, "writes", writes);
out:
	json_decref(schema);
	json_decref(defaults);
	json_decref(writes);
	return out;
}
