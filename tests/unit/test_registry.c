/*
 * lib/engine/registry_*.c: the step, filter and channel registries, config
 * validation per type (shapes, bounds and meaning), the per-level channel
 * defaults, and the JSON Schema the /pipeline endpoints serve.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/condition.h"
#include "engine/registry.h"

static const char *const step_names[] = {
	"person_identification", "scene_analysis", "object_trend_analysis", "llm_call",
	"condition", "verification", "notification", "ha_action", "activity_detection",
	"activity_session_start", "activity_session_end", "daily_report", "wait",
	"interactive_prompt", NULL,
};
static const char *const unavailable_steps[] = {"scene_analysis", "object_trend_analysis",
						NULL};
static const char *const counting_steps[] = {"notification", "ha_action",
					     "activity_detection", NULL};
static const char *const filter_names[] = {"room", "time_range", "day_of_week",
					   "person_presence", "person_activity",
					   "room_transition", "scene_trend", NULL};
static const char *const channel_names[] = {"pwa_popup_text", "pwa_realtime_ai",
					    "pwa_tts_announcement", "telegram", "eink",
					    "ha_speaker_tts", "webhook", NULL};

static const char *const at_config[] = {"body", "config_json", NULL};
static const char *const at_context[] = {"body", "config", NULL};

static bool in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* "body.config_json.conditions.0.activity_type" for its loc array. */
static void loc_text(const json_t *err, char *out, size_t outsz)
{
	const json_t *loc = json_object_get(err, "loc");
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(loc); i++) {
		const json_t *part = json_array_get(loc, i);
		int n;

		/* Array indexes are numbers, keys strings. */
		if (json_is_integer(part))
			n = snprintf(out + used, outsz - used, "%s%lld", i ? "." : "",
				     (long long)json_integer_value(part));
		else
			n = snprintf(out + used, outsz - used, "%s%s", i ? "." : "",
				     json_string_value(part));
		assert_true(n >= 0 && (size_t)n < outsz - used);
		used += (size_t)n;
	}
}

static const json_t *err_at(const json_t *errs, const char *loc)
{
	char buf[256];

	for (size_t i = 0; i < json_array_size(errs); i++) {
		loc_text(json_array_get(errs, i), buf, sizeof(buf));
		if (strcmp(buf, loc) == 0)
			return json_array_get(errs, i);
	}
	return NULL;
}

static const char *type_at(const json_t *errs, const char *loc)
{
	const json_t *e = err_at(errs, loc);

	return e ? json_string_value(json_object_get(e, "type")) : "(none)";
}

static const char *msg_at(const json_t *errs, const char *loc)
{
	const json_t *e = err_at(errs, loc);

	return e ? json_string_value(json_object_get(e, "msg")) : "(none)";
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v;

	if (!text)
		return NULL;
	v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!v)
		print_error("bad test JSON %s: %s\n", text, jerr.text);
	assert_non_null(v);
	return v;
}

static void expect_count(const char *what, const char *config, const json_t *errs, size_t got,
			 size_t n)
{
	if (got != n || json_array_size(errs) != n) {
		char *dump = json_dumps(errs, 0);

		print_error("%s %s: %zu problems: %s\n", what, config ? config : "NULL", got, dump);
		free(dump);
	}
	assert_int_equal(got, n);
	assert_int_equal(json_array_size(errs), n);
}

/* Validate a step config, expecting n problems; returns them (caller frees). */
static json_t *step(const char *type, const char *config, size_t n)
{
	const struct step_type *t = step_type_find(type);
	json_t *obj = parse(config), *errs = json_array();
	size_t got;

	assert_non_null(t);
	got = step_type_validate_config(t, obj, at_config, errs);
	expect_count(type, config, errs, got, n);
	json_decref(obj);
	return errs;
}

static json_t *filter(const char *type, const char *config, size_t n)
{
	const struct filter_type *t = filter_type_find(type);
	json_t *obj = parse(config), *errs = json_array();
	size_t got;

	assert_non_null(t);
	got = filter_type_validate_config(t, obj, at_context, errs);
	expect_count(type, config, errs, got, n);
	json_decref(obj);
	return errs;
}

static void step_ok(const char *type, const char *config)
{
	json_decref(step(type, config, 0));
}

static void filter_ok(const char *type, const char *config)
{
	json_decref(filter(type, config, 0));
}

/* One problem, of this type, at this loc. */
static void step_bad(const char *type, const char *config, const char *loc, const char *etype)
{
	json_t *errs = step(type, config, 1);

	assert_string_equal(type_at(errs, loc), etype);
	json_decref(errs);
}

static void filter_bad(const char *type, const char *config, const char *loc,
		       const char *etype)
{
	json_t *errs = filter(type, config, 1);

	assert_string_equal(type_at(errs, loc), etype);
	json_decref(errs);
}

/* ---------------------------------------------------------------- lookup */

static void test_every_type_found(void **state)
{
	(void)state;
	assert_int_equal(step_types_count(), 14);
	assert_int_equal(filter_types_count(), 7);
	assert_int_equal(channel_types_count(), 7);

	for (size_t i = 0; step_names[i]; i++) {
		const struct step_type *t = step_type_find(step_names[i]);

		assert_non_null(t);
		assert_string_equal(step_type_name(t), step_names[i]);
		assert_ptr_equal(step_type_at(i), t);
	}
	for (size_t i = 0; filter_names[i]; i++) {
		const struct filter_type *t = filter_type_find(filter_names[i]);

		assert_non_null(t);
		assert_string_equal(filter_type_name(t), filter_names[i]);
		assert_ptr_equal(filter_type_at(i), t);
	}
	for (size_t i = 0; channel_names[i]; i++) {
		const struct channel_type *t = channel_type_find(channel_names[i]);

		assert_non_null(t);
		assert_string_equal(channel_type_name(t), channel_names[i]);
		assert_ptr_equal(channel_type_at(i), t);
	}

	assert_null(step_type_find("Condition"));
	assert_null(step_type_find(""));
	assert_null(step_type_find(NULL));
	assert_null(filter_type_find("rooms"));
	assert_null(filter_type_find(NULL));
	assert_null(channel_type_find("fax"));
	assert_null(channel_type_find(NULL));
	assert_null(step_type_at(14));
	assert_null(filter_type_at(7));
	assert_null(channel_type_at(7));
}

static void test_available_and_counting(void **state)
{
	(void)state;
	for (size_t i = 0; step_names[i]; i++) {
		const struct step_type *t = step_type_find(step_names[i]);

		assert_int_equal(step_type_available(t), !in_list(unavailable_steps, step_names[i]));
		assert_int_equal(step_type_counts_by_default(t),
				 in_list(counting_steps, step_names[i]));
	}
}

/* ---------------------------------------------------------------- steps */

/* The smallest valid config of each type, and its problems given {}. */
static const struct {
	const char *type, *minimal, *missing[3];
} minimal_configs[] = {
	{"person_identification", "{}", {NULL}},
	{"scene_analysis", "{}", {NULL}},
	{"object_trend_analysis", "{}", {NULL}},
	{"llm_call", "{\"prompt\": \"Describe {{trigger.room_name}}\"}",
	 {"body.config_json.prompt", NULL}},
	{"condition", "{\"expression\": \"true\"}", {"body.config_json.expression", NULL}},
	{"verification", "{\"conditions\": [{\"activity_type\": \"took_medication\"}]}",
	 {"body.config_json.conditions", NULL}},
	{"notification", "{}", {NULL}},
	{"ha_action", "{\"domain\": \"light\", \"service\": \"turn_on\"}",
	 {"body.config_json.domain", "body.config_json.service", NULL}},
	{"activity_detection", "{\"activity_type\": \"fall\"}",
	 {"body.config_json.activity_type", NULL}},
	{"activity_session_start", "{\"activity_type\": \"sleep\"}",
	 {"body.config_json.activity_type", NULL}},
	{"activity_session_end", "{\"activity_type\": \"sleep\"}",
	 {"body.config_json.activity_type", NULL}},
	{"daily_report", "{}", {NULL}},
	{"wait", "{}", {NULL}},
	{"interactive_prompt", "{\"voice_prompt_template\": \"Are you okay?\"}",
	 {"body.config_json", NULL}},
};

#define MINIMAL_COUNT (sizeof(minimal_configs) / sizeof(minimal_configs[0]))

static void test_step_required_fields(void **state)
{
	(void)state;
	assert_int_equal(MINIMAL_COUNT, 14);
	for (size_t i = 0; i < MINIMAL_COUNT; i++) {
		size_t n = 0;
		json_t *errs;

		while (minimal_configs[i].missing[n])
			n++;
		step_ok(minimal_configs[i].type, minimal_configs[i].minimal);

		errs = step(minimal_configs[i].type, "{}", n);
		for (size_t j = 0; j < n; j++)
			assert_string_equal(type_at(errs, minimal_configs[i].missing[j]), "missing");
		json_decref(errs);

		/* A missing config is an empty one. */
		errs = step(minimal_configs[i].type, NULL, n);
		json_decref(errs);
	}
	step_bad("wait", "[]", "body.config_json", "dict_type");
	step_bad("condition", "\"a == 1\"", "body.config_json", "dict_type");
}

/* Every step takes trigger_cooloff, a boolean, defaulting to counts_by_default. */
static void test_step_trigger_cooloff(void **state)
{
	char cfg[256];

	(void)state;
	for (size_t i = 0; i < MINIMAL_COUNT; i++) {
		const char *min = minimal_configs[i].minimal;
		const char *sep = strcmp(min, "{}") == 0 ? "" : ", ";

		snprintf(cfg, sizeof(cfg), "{\"trigger_cooloff\": true%s%s", sep, min + 1);
		step_ok(minimal_configs[i].type, cfg);
		snprintf(cfg, sizeof(cfg), "{\"trigger_cooloff\": \"yes\"%s%s", sep, min + 1);
		step_bad(minimal_configs[i].type, cfg, "body.config_json.trigger_cooloff",
			 "bool_type");
	}
}

static void test_step_bounds(void **state)
{
	json_t *errs;

	(void)state;
	step_ok("wait", "{\"minutes\": 1}");
	step_ok("wait", "{\"minutes\": 10080}");
	step_bad("wait", "{\"minutes\": 0}", "body.config_json.minutes", "greater_than_equal");
	step_bad("wait", "{\"minutes\": 10081}", "body.config_json.minutes", "less_than_equal");
	step_bad("wait", "{\"minutes\": \"5\"}", "body.config_json.minutes", "int_type");
	step_bad("wait", "{\"minutes\": 5.5}", "body.config_json.minutes", "int_type");

	step_ok("interactive_prompt", "{\"popup_message_template\": \"Hi\", "
				      "\"countdown_seconds\": 5, \"timeout_action\": \"dismiss\"}");
	step_ok("interactive_prompt", "{\"popup_message_template\": \"Hi\", "
				      "\"voice_prompt_template\": \"Hi\", \"countdown_seconds\": 300}");
	step_bad("interactive_prompt", "{\"popup_message_template\": \"Hi\", "
				       "\"countdown_seconds\": 4}",
		 "body.config_json.countdown_seconds", "greater_than_equal");
	step_bad("interactive_prompt", "{\"popup_message_template\": \"Hi\", "
				       "\"countdown_seconds\": 301}",
		 "body.config_json.countdown_seconds", "less_than_equal");
	step_bad("interactive_prompt", "{\"popup_message_template\": \"Hi\", "
				       "\"timeout_action\": \"ignore\"}",
		 "body.config_json.timeout_action", "enum");

	step_ok("activity_detection", "{\"activity_type\": \"fall\", \"confidence\": 1}");
	step_ok("activity_detection", "{\"activity_type\": \"fall\", \"confidence\": 0.25, "
				      "\"person_id\": 3, \"room_name\": \"Bathroom\"}");
	step_bad("activity_detection", "{\"activity_type\": \"fall\", \"confidence\": 1.5}",
		 "body.config_json.confidence", "less_than_equal");
	step_bad("activity_detection", "{\"activity_type\": \"fall\", \"confidence\": -0.1}",
		 "body.config_json.confidence", "greater_than_equal");
	step_bad("activity_detection", "{\"activity_type\": \"fall\", \"confidence\": \"high\"}",
		 "body.config_json.confidence", "float_type");
	step_bad("activity_detection", "{\"activity_type\": \"fall\", \"person_id\": 0}",
		 "body.config_json.person_id", "greater_than_equal");
	step_bad("activity_detection", "{\"activity_type\": \"  \"}",
		 "body.config_json.activity_type", "string_too_short");

	step_ok("notification", "{\"alert_level\": \"emergency\", \"channels\": "
				"[\"pwa_popup_text\"], \"webhook_url\": \"https://example.org/hook\", "
				"\"eink_targets\": [4, 5], \"eink_expiry_minutes\": 1}");
	step_bad("notification", "{\"alert_level\": \"urgent\"}", "body.config_json.alert_level",
		 "enum");
	step_bad("notification", "{\"webhook_url\": \"ftp://example.org\"}",
		 "body.config_json.webhook_url", "url_policy");
	step_bad("notification", "{\"webhook_url\": \"https://exa mple.org\"}",
		 "body.config_json.webhook_url", "url_policy");
	step_bad("notification", "{\"webhook_url\": \"http://169.254.169.254/latest\"}",
		 "body.config_json.webhook_url", "url_policy");
	step_bad("notification", "{\"webhook_url\": \"http://127.0.0.1:8079/pub/alerts\"}",
		 "body.config_json.webhook_url", "url_policy");
	step_bad("notification", "{\"eink_expiry_minutes\": 0}",
		 "body.config_json.eink_expiry_minutes", "greater_than_equal");
	step_bad("notification", "{\"eink_targets\": [1, \"2\"]}",
		 "body.config_json.eink_targets.1", "int_type");
	step_bad("notification", "{\"eink_targets\": 1}", "body.config_json.eink_targets",
		 "list_type");
	step_bad("notification", "{\"channels\": [\"telegram\", \"telegram\"]}",
		 "body.config_json.channels.1", "value_error");
	/* A webhook without a URL would have nowhere to go. */
	errs = step("notification", "{\"channels\": [\"webhook\"]}", 1);
	assert_string_equal(type_at(errs, "body.config_json.webhook_url"), "missing");
	json_decref(errs);

	step_ok("daily_report", "{\"person_ids\": [1, 2], \"report_date_offset_days\": -1}");
	step_bad("daily_report", "{\"person_ids\": [0]}", "body.config_json.person_ids.0",
		 "greater_than_equal");
	step_bad("activity_session_start", "{\"activity_type\": \"sleep\", "
					   "\"output_key\": \"my key\"}",
		 "body.config_json.output_key", "value_error");
	step_bad("activity_session_start", "{\"activity_type\": \"sleep\", "
					   "\"timeout_minutes\": 0}",
		 "body.config_json.timeout_minutes", "greater_than_equal");
}

static void test_step_verification(void **state)
{
	json_t *errs;

	(void)state;
	step_ok("verification", "{\"match_mode\": \"any\", \"conditions\": ["
				"{\"activity_type\": \"ate\", \"person_id\": 1, "
				"\"room_name\": \"Kitchen\", \"within_minutes\": 120, "
				"\"min_confidence\": 0.7}, {\"activity_type\": \"drank\"}]}");
	step_bad("verification", "{\"conditions\": []}", "body.config_json.conditions",
		 "too_short");
	step_bad("verification", "{\"conditions\": {}}", "body.config_json.conditions",
		 "list_type");
	step_bad("verification", "{\"conditions\": [{}]}",
		 "body.config_json.conditions.0.activity_type", "missing");
	step_bad("verification", "{\"conditions\": [5]}", "body.config_json.conditions.0",
		 "dict_type");
	step_bad("verification", "{\"conditions\": [{\"activity_type\": \"ate\"}], "
				 "\"match_mode\": \"most\"}",
		 "body.config_json.match_mode", "enum");

	errs = step("verification", "{\"conditions\": [{\"activity_type\": \"ate\"}, "
				    "{\"activity_type\": \"ate\", \"min_confidence\": 2, "
				    "\"colour\": \"red\"}]}", 2);
	assert_string_equal(type_at(errs, "body.config_json.conditions.1.min_confidence"),
			    "less_than_equal");
	assert_string_equal(type_at(errs, "body.config_json.conditions.1.colour"),
			    "extra_forbidden");
	/* The index in a loc is a number, as ["body", "config_json", "conditions", 1, ...]. */
	for (size_t i = 0; i < json_array_size(errs); i++) {
		const json_t *loc = json_object_get(json_array_get(errs, i), "loc");

		assert_true(json_is_integer(json_array_get(loc, 3)));
		assert_int_equal(json_integer_value(json_array_get(loc, 3)), 1);
		assert_true(json_is_string(json_array_get(loc, 4)));
	}
	json_decref(errs);
}

static void test_step_bad_condition(void **state)
{
	char want[256];
	struct cond *c;
	json_t *errs;

	(void)state;
	step_ok("condition", "{\"expression\": \"person_detections.count > 0 and "
			     "exists(scene_hazards)\", \"trigger_cooloff\": true}");

	c = cond_parse("a == (b", want, sizeof(want));
	assert_null(c);
	errs = step("condition", "{\"expression\": \"a == (b\"}", 1);
	assert_string_equal(type_at(errs, "body.config_json.expression"), "value_error");
	assert_string_equal(msg_at(errs, "body.config_json.expression"), want);
	assert_non_null(strstr(want, "column"));
	json_decref(errs);

	step_bad("condition", "{\"expression\": \"a < b < c\"}", "body.config_json.expression",
		 "value_error");
	step_bad("condition", "{\"expression\": \"\"}", "body.config_json.expression",
		 "string_too_short");
	step_bad("condition", "{\"expression\": 1}", "body.config_json.expression",
		 "string_type");
}

static void test_step_bad_template(void **state)
{
	json_t *errs;

	(void)state;
	step_ok("notification", "{\"message_template\": \"{{ person.name }} fell in "
				"{{trigger.room_name}}\", \"channel_templates\": "
				"{\"pwa_popup_text\": \"Alert: {{trigger.room_name}}\"}}");
	step_bad("notification", "{\"message_template\": \"Hello {{ }}\"}",
		 "body.config_json.message_template", "value_error");
	step_bad("notification", "{\"message_template\": \"Hello {{name\"}",
		 "body.config_json.message_template", "value_error");
	step_bad("notification", "{\"channel_templates\": {\"telegram\": \"{{a..b}}\"}}",
		 "body.config_json.channel_templates.telegram", "value_error");
	step_bad("notification", "{\"channel_templates\": {\"eink\": 3}}",
		 "body.config_json.channel_templates.eink", "string_type");
	step_bad("interactive_prompt", "{\"popup_message_template\": \"{{ a b }}\"}",
		 "body.config_json.popup_message_template", "value_error");
	step_bad("interactive_prompt", "{\"voice_prompt_template\": \"{{}}\"}",
		 "body.config_json.voice_prompt_template", "value_error");

	errs = step("interactive_prompt", "{\"popup_title\": \"Check\"}", 1);
	assert_string_equal(type_at(errs, "body.config_json"), "missing");
	assert_non_null(strstr(msg_at(errs, "body.config_json"), "popup_message_template"));
	json_decref(errs);
}

static void test_step_unknown_keys(void **state)
{
	json_t *errs;

	(void)state;
	step_bad("wait", "{\"minutes\": 5, \"seconds\": 3}", "body.config_json.seconds",
		 "extra_forbidden");
	errs = step("condition", "{\"expression\": \"a ==\", \"expr\": \"a\", \"x\": null}", 3);
	assert_string_equal(type_at(errs, "body.config_json.expression"), "value_error");
	assert_string_equal(type_at(errs, "body.config_json.expr"), "extra_forbidden");
	assert_string_equal(type_at(errs, "body.config_json.x"), "extra_forbidden");
	json_decref(errs);
	/* Keys of another type are unknown too. */
	step_bad("wait", "{\"expression\": \"true\"}", "body.config_json.expression",
		 "extra_forbidden");
}

static void test_step_unknown_channel(void **state)
{
	json_t *errs;

	(void)state;
	/* Every channel but e-ink can deliver: naming e-ink, in channels or
	 * in channel_templates, is refused with the reason. */
	for (size_t i = 0; channel_names[i]; i++) {
		char cfg[200], loc[80], want[80];
		bool available = strcmp(channel_names[i], "eink") != 0;

		snprintf(cfg, sizeof(cfg),
			 "{\"channels\": [\"%s\"], \"webhook_url\": \"http://h/x\", "
			 "\"channel_templates\": {\"%s\": \"Hi\"}}", channel_names[i],
			 channel_names[i]);
		errs = step("notification", cfg, available ? 0 : 2);
		if (!available) {
			snprintf(want, sizeof(want), "channel %s is not available yet",
				 channel_names[i]);
			assert_string_equal(msg_at(errs, "body.config_json.channels.0"), want);
			snprintf(loc, sizeof(loc), "body.config_json.channel_templates.%s",
				 channel_names[i]);
			assert_string_equal(msg_at(errs, loc), want);
		}
		json_decref(errs);
	}
	step_bad("notification", "{\"channels\": [\"pwa_popup_text\", \"fax\"]}",
		 "body.config_json.channels.1", "enum");
	step_bad("notification", "{\"channels\": [7]}", "body.config_json.channels.0",
		 "string_type");
	step_bad("notification", "{\"channel_templates\": {\"fax\": \"Hi\"}}",
		 "body.config_json.channel_templates.fax", "enum");

	errs = step("notification", "{\"channels\": [\"sms\"]}", 1);
	assert_non_null(strstr(msg_at(errs, "body.config_json.channels.0"), "'telegram'"));
	json_decref(errs);
}

/* ---------------------------------------------------------------- filters */

static void test_filter_room(void **state)
{
	json_t *errs;

	(void)state;
	filter_ok("room", "{\"room_id\": 1}");
	filter_ok("room", "{\"room_name\": \"Kitchen\"}");
	filter_ok("room", "{\"room_id\": 2, \"room_name\": \"Kitchen\"}");
	errs = filter("room", "{}", 1);
	assert_string_equal(type_at(errs, "body.config"), "missing");
	assert_string_equal(msg_at(errs, "body.config"),
			    "One of 'room_id' or 'room_name' is required");
	json_decref(errs);
	json_decref(filter("room", NULL, 1));
	filter_bad("room", "{\"room_id\": 0}", "body.config.room_id", "greater_than_equal");
	filter_bad("room", "{\"room_name\": \"\"}", "body.config.room_name", "string_too_short");
	filter_bad("room", "{\"room_id\": 1, \"floor\": 2}", "body.config.floor",
		   "extra_forbidden");
	filter_bad("room", "[1]", "body.config", "dict_type");
}

static void test_filter_time_range(void **state)
{
	json_t *errs;

	(void)state;
	filter_ok("time_range", "{\"start_time\": \"22:00\", \"end_time\": \"06:00\"}");
	filter_ok("time_range", "{\"start_time\": \"00:00\", \"end_time\": \"23:59\"}");
	filter_bad("time_range", "{\"start_time\": \"24:00\", \"end_time\": \"06:00\"}",
		   "body.config.start_time", "value_error");
	filter_bad("time_range", "{\"start_time\": \"07:00\", \"end_time\": \"7:5\"}",
		   "body.config.end_time", "value_error");
	filter_bad("time_range", "{\"start_time\": \"07:60\", \"end_time\": \"08:00\"}",
		   "body.config.start_time", "value_error");
	filter_bad("time_range", "{\"start_time\": \"07:00:00\", \"end_time\": \"08:00\"}",
		   "body.config.start_time", "value_error");
	filter_bad("time_range", "{\"start_time\": 700, \"end_time\": \"08:00\"}",
		   "body.config.start_time", "string_type");
	errs = filter("time_range", "{}", 2);
	assert_string_equal(type_at(errs, "body.config.start_time"), "missing");
	assert_string_equal(type_at(errs, "body.config.end_time"), "missing");
	json_decref(errs);
}

static void test_filter_day_of_week(void **state)
{
	(void)state;
	filter_ok("day_of_week", "{\"days\": [0, 6]}");
	filter_ok("day_of_week", "{\"days\": [0, 1, 2, 3, 4, 5, 6]}");
	filter_bad("day_of_week", "{\"days\": [7]}", "body.config.days.0", "less_than_equal");
	filter_bad("day_of_week", "{\"days\": [1, -1]}", "body.config.days.1",
		   "greater_than_equal");
	filter_bad("day_of_week", "{\"days\": []}", "body.config.days", "too_short");
	filter_bad("day_of_week", "{\"days\": [2, 2]}", "body.config.days.1", "value_error");
	filter_bad("day_of_week", "{\"days\": \"mon\"}", "body.config.days", "list_type");
	filter_bad("day_of_week", "{}", "body.config.days", "missing");
}

static void test_filter_persons(void **state)
{
	(void)state;
	filter_ok("person_presence", "{\"person_id\": 1}");
	filter_ok("person_presence", "{\"person_id\": 1, \"status\": \"away\"}");
	filter_ok("person_presence", "{\"person_id\": 1, \"status\": \"home\", "
				     "\"room_name\": \"Bedroom\"}");
	filter_bad("person_presence", "{}", "body.config.person_id", "missing");
	filter_bad("person_presence", "{\"person_id\": -3}", "body.config.person_id",
		   "greater_than_equal");
	filter_bad("person_presence", "{\"person_id\": 1, \"status\": \"out\"}",
		   "body.config.status", "enum");

	filter_ok("person_activity", "{\"activity_type\": \"ate\"}");
	filter_ok("person_activity", "{\"activity_type\": \"ate\", \"person_id\": 2, "
				     "\"within_minutes\": 1}");
	filter_bad("person_activity", "{\"person_id\": 2}", "body.config.activity_type",
		   "missing");
	filter_bad("person_activity", "{\"activity_type\": \"ate\", \"within_minutes\": 0}",
		   "body.config.within_minutes", "greater_than_equal");

	filter_ok("room_transition", "{\"person_id\": 1, \"semantic\": \"exiting\", "
				     "\"from_room_name\": \"Bedroom\", \"to_room_name\": \"Hall\", "
				     "\"within_minutes\": 10}");
	filter_bad("room_transition", "{\"semantic\": \"entering\"}", "body.config.person_id",
		   "missing");
	filter_bad("room_transition", "{\"person_id\": 1, \"semantic\": \"passing\"}",
		   "body.config.semantic", "enum");
}

static void test_filter_scene_trend(void **state)
{
	(void)state;
	filter_ok("scene_trend", "{\"room_ids\": [1, 2]}");
	filter_ok("scene_trend", "{\"room_name\": \"Kitchen\", \"severity_threshold\": "
				 "\"critical\", \"within_minutes\": 15}");
	filter_bad("scene_trend", "{}", "body.config", "missing");
	filter_bad("scene_trend", "{\"room_ids\": []}", "body.config.room_ids", "too_short");
	filter_bad("scene_trend", "{\"room_ids\": [1], \"severity_threshold\": \"high\"}",
		   "body.config.severity_threshold", "enum");
}

/* ---------------------------------------------------------------- channels */

static void expect_defaults(const char *level, const char *const *want)
{
	const char *const *got = channel_defaults_for_level(level);
	size_t i;

	assert_non_null(got);
	for (i = 0; want[i]; i++) {
		assert_non_null(got[i]);
		assert_string_equal(got[i], want[i]);
		assert_non_null(channel_type_find(got[i]));
	}
	assert_null(got[i]);
}

static void test_channel_defaults(void **state)
{
	(void)state;
	expect_defaults("emergency", (const char *const[]){"pwa_popup_text", "telegram", "eink",
							   "ha_speaker_tts", NULL});
	expect_defaults("warning", (const char *const[]){"pwa_popup_text", "telegram", "eink",
							 "pwa_realtime_ai", NULL});
	expect_defaults("info", (const char *const[]){"pwa_popup_text", NULL});
	expect_defaults("reminder", (const char *const[]){"pwa_popup_text", "ha_speaker_tts",
							  "eink", NULL});
	assert_null(channel_defaults_for_level("urgent"));
	assert_null(channel_defaults_for_level("Info"));
	assert_null(channel_defaults_for_level(NULL));
}

/* ---------------------------------------------------------------- schema */

/* Every property schema, however deep, names its type. */
static void check_schema(const json_t *schema)
{
	const json_t *props = json_object_get(schema, "properties"), *items;
	const char *key;
	json_t *p;

	assert_true(json_is_string(json_object_get(schema, "type")));
	if (strcmp(json_string_value(json_object_get(schema, "type")), "object") == 0 &&
	    json_object_get(schema, "additionalProperties") == json_false())
		assert_true(json_is_object(props));
	json_object_foreach((json_t *)props, key, p) {
		assert_true(json_is_object(p));
		check_schema(p);
	}
	items = json_object_get(schema, "items");
	if (items)
		check_schema(items);
}

static void check_config_schema(const json_t *j)
{
	const json_t *schema = json_object_get(j, "config_schema");

	assert_true(json_is_object(schema));
	assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
	assert_true(json_is_object(json_object_get(schema, "properties")));
	assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
	check_schema(schema);
	assert_true(json_is_string(json_object_get(j, "name")));
	assert_true(json_is_string(json_object_get(j, "display_name")));
	assert_true(json_is_string(json_object_get(j, "description")));
}

static void test_step_to_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < step_types_count(); i++) {
		const struct step_type *t = step_type_at(i);
		json_t *j = step_type_to_json(t), *defaults, *props, *cfg, *errs = json_array();
		const char *key;
		json_t *v;

		assert_non_null(j);
		check_config_schema(j);
		assert_string_equal(json_string_value(json_object_get(j, "name")), step_names[i]);
		assert_int_equal(json_is_true(json_object_get(j, "available")),
				 step_type_available(t));
		assert_int_equal(json_is_true(json_object_get(j, "counts_by_default")),
				 step_type_counts_by_default(t));
		assert_true(json_array_size(json_object_get(j, "writes")) > 0);

		defaults = json_object_get(j, "defaults");
		assert_true(json_is_object(defaults));
		assert_int_equal(json_is_true(json_object_get(defaults, "trigger_cooloff")),
				 step_type_counts_by_default(t));
		props = json_object_get(json_object_get(j, "config_schema"), "properties");
		assert_non_null(json_object_get(props, "trigger_cooloff"));

		/* The defaults pass the type's own validation. */
		cfg = parse(minimal_configs[i].minimal);
		json_object_foreach(defaults, key, v) {
			assert_non_null(json_object_get(props, key));
			json_object_set(cfg, key, v);
		}
		assert_int_equal(step_type_validate_config(t, cfg, at_config, errs), 0);
		json_decref(cfg);
		json_decref(errs);
		json_decref(j);
	}
}

static void test_filter_and_channel_to_json(void **state)
{
	json_t *j, *levels;

	(void)state;
	for (size_t i = 0; i < filter_types_count(); i++) {
		j = filter_type_to_json(filter_type_at(i));
		assert_non_null(j);
		check_config_schema(j);
		assert_true(json_is_object(json_object_get(j, "defaults")));
		json_decref(j);
	}

	j = filter_type_to_json(filter_type_find("day_of_week"));
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(json_object_get(j, "config_schema"), "required"), 0)), "days");
	json_decref(j);
	j = filter_type_to_json(filter_type_find("room"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "config_schema"),
							 "anyOf")), 2);
	json_decref(j);

	for (size_t i = 0; i < channel_types_count(); i++) {
		j = channel_type_to_json(channel_type_at(i));
		assert_non_null(j);
		check_config_schema(j);
		assert_true(json_is_array(json_object_get(j, "default_for_levels")));
		json_decref(j);
	}

	j = channel_type_to_json(channel_type_find("pwa_popup_text"));
	levels = json_object_get(j, "default_for_levels");
	assert_int_equal(json_array_size(levels), 4);
	json_decref(j);
	j = channel_type_to_json(channel_type_find("webhook"));
	assert_int_equal(json_array_size(json_object_get(j, "default_for_levels")), 0);
	assert_non_null(json_object_get(json_object_get(json_object_get(j, "config_schema"),
							"properties"), "webhook_url"));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_found),
		cmocka_unit_test(test_available_and_counting),
		cmocka_unit_test(test_step_required_fields),
		cmocka_unit_test(test_step_trigger_cooloff),
		cmocka_unit_test(test_step_bounds),
		cmocka_unit_test(test_step_verification),
		cmocka_unit_test(test_step_bad_condition),
		cmocka_unit_test(test_step_bad_template),
		cmocka_unit_test(test_step_unknown_keys),
		cmocka_unit_test(test_step_unknown_channel),
		cmocka_unit_test(test_filter_room),
		cmocka_unit_test(test_filter_time_range),
		cmocka_unit_test(test_filter_day_of_week),
		cmocka_unit_test(test_filter_persons),
		cmocka_unit_test(test_filter_scene_trend),
		cmocka_unit_test(test_channel_defaults),
		cmocka_unit_test(test_step_to_json),
		cmocka_unit_test(test_filter_and_channel_to_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
