/* Home Assistant's registry as Hearth keeps it: what HA's answers become,
 * the plan that brings the kept rows in line, and the check of a helper
 * to create. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ha/registry.h"

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (!v)
		fail_msg("bad JSON in test: %s", err.text);
	return v;
}

static const char states_text[] =
	"[{\"entity_id\": \"automation.hall_light\", \"state\": \"on\", \"attributes\":"
	"  {\"id\": \"1767\", \"friendly_name\": \"Hall light\", \"mode\": \"single\","
	"   \"last_triggered\": null}, \"last_changed\": \"2026-01-01T08:00:00+00:00\","
	"  \"context\": {\"id\": \"x\"}},"
	" {\"entity_id\": \"script.goodnight\", \"state\": \"off\", \"attributes\":"
	"  {\"friendly_name\": \"Goodnight\"}},"
	" {\"entity_id\": \"scene.movie\", \"state\": \"unknown\", \"attributes\": {\"id\": \"9\"}},"
	" {\"entity_id\": \"input_boolean.guest\", \"state\": \"off\", \"attributes\":"
	"  {\"editable\": true, \"friendly_name\": \"Guest\"}},"
	" {\"entity_id\": \"counter.yaml_one\", \"state\": \"3\", \"attributes\": {}},"
	" {\"entity_id\": \"light.kitchen\", \"state\": \"on\", \"attributes\": {}},"
	" {\"entity_id\": \"Not An Id\", \"state\": \"on\"}]";
static const char services_text[] =
	"{\"light\": {\"turn_on\": {\"name\": \"Turn on\", \"fields\": {}},"
	"            \"turn_off\": {\"fields\": {}}},"
	" \"input_boolean\": {\"toggle\": {\"name\": \"Toggle\"}}}";
static const char helpers_text[] =
	"{\"input_boolean\": [{\"id\": \"guest\", \"name\": \"Guest\"},"
	"                     {\"id\": \"fresh\", \"name\": \"Fresh\", \"icon\": \"mdi:new\"}],"
	" \"counter\": []}";

static const json_t *find(const json_t *items, const char *kind, const char *id)
{
	const json_t *v;
	size_t i;

	json_array_foreach(items, i, v)
		if (strcmp(json_string_value(json_object_get(v, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "item_id")), id) == 0)
			return v;
	return NULL;
}

static const char *s(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void test_items(void **state)
{
	json_t *st = load(states_text), *sv = load(services_text), *hl = load(helpers_text);
	char why[256];
	json_t *items = ha_registry_items(st, sv, hl, why, sizeof(why));
	const json_t *a, *h;

	(void)state;
	assert_non_null(items);
	/* automation, script, scene, 2 helpers with states (one YAML), one
	 * storage helper without a state, 3 services; not the light. */
	assert_int_equal(json_array_size(items), 9);
	a = find(items, "automation", "automation.hall_light");
	assert_non_null(a);
	assert_string_equal(s(a, "name"), "Hall light");
	assert_string_equal(s(a, "ha_id"), "1767");
	assert_string_equal(s(a, "state"), "on");
	assert_string_equal(s(json_object_get(json_object_get(a, "data"), "attributes"), "mode"),
			    "single");
	assert_null(json_object_get(json_object_get(a, "data"), "context"));
	assert_null(s(find(items, "script", "script.goodnight"), "ha_id"));
	assert_string_equal(s(find(items, "scene", "scene.movie"), "name"), "movie");
	h = find(items, "helper", "input_boolean.guest");
	assert_string_equal(s(h, "ha_id"), "guest");
	assert_string_equal(s(h, "domain"), "input_boolean");
	assert_string_equal(s(json_object_get(json_object_get(h, "data"), "config"), "name"),
			    "Guest");
	h = find(items, "helper", "counter.yaml_one");
	assert_null(s(h, "ha_id"));
	assert_true(json_is_null(json_object_get(json_object_get(h, "data"), "config")));
	h = find(items, "helper", "input_boolean.fresh");
	assert_non_null(h);
	assert_null(s(h, "state"));
	assert_string_equal(s(h, "name"), "Fresh");
	assert_string_equal(s(find(items, "service", "light.turn_on"), "name"), "Turn on");
	assert_string_equal(s(find(items, "service", "light.turn_off"), "name"), "turn_off");
	assert_null(find(items, "helper", "light.kitchen"));
	json_decref(items);

	/* No storage lists at all: the helpers from the states alone. */
	items = ha_registry_items(st, sv, NULL, why, sizeof(why));
	assert_int_equal(json_array_size(items), 8);
	json_decref(items);
	json_decref(st);
	json_decref(sv);
	json_decref(hl);
}

static void test_items_untrusted(void **state)
{
	json_t *st = load(states_text), *sv = load(services_text), *bad;
	char why[256];

	(void)state;
	bad = load("{\"entity_id\": \"light.a\"}");
	assert_null(ha_registry_items(bad, sv, NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "states"));
	json_decref(bad);
	bad = load("[{\"state\": \"on\"}]");
	assert_null(ha_registry_items(bad, sv, NULL, why, sizeof(why)));
	json_decref(bad);
	bad = load("{\"light\": [\"turn_on\"]}");
	assert_null(ha_registry_items(st, bad, NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "services"));
	json_decref(bad);
	bad = load("{\"input_boolean\": [{\"name\": \"no id\"}]}");
	assert_null(ha_registry_items(st, sv, bad, why, sizeof(why)));
	json_decref(bad);
	bad = load("{\"input_boolean\": {\"id\": \"x\"}}");
	assert_null(ha_registry_items(st, sv, bad, why, sizeof(why)));
	json_decref(bad);
	json_decref(st);
	json_decref(sv);
}

/* Rows as a sync would have stored items: its own plan's data. */
static struct ha_reg_row *rows_of(const json_t *items, size_t *n)
{
	struct ha_reg_row *rows = calloc(json_array_size(items) + 1, sizeof(*rows));
	const json_t *v;
	size_t i;

	json_array_foreach(items, i, v) {
		rows[i] = (struct ha_reg_row){(int64_t)i + 1, strdup(s(v, "kind")),
					      strdup(s(v, "item_id")), strdup(s(v, "domain")),
					      strdup(s(v, "name")),
					      s(v, "ha_id") ? strdup(s(v, "ha_id")) : NULL,
					      s(v, "state") ? strdup(s(v, "state")) : NULL,
					      ha_registry_data_text(json_object_get(v, "data")),
					      false};
	}
	*n = json_array_size(items);
	return rows;
}

static void rows_free(struct ha_reg_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].kind);
		free(rows[i].item_id);
		free(rows[i].domain);
		free(rows[i].name);
		free(rows[i].ha_id);
		free(rows[i].state);
		free(rows[i].data);
	}
	free(rows);
}

static void test_plan(void **state)
{
	json_t *st = load(states_text), *sv = load(services_text), *hl = load(helpers_text);
	char why[256];
	json_t *items = ha_registry_items(st, sv, hl, why, sizeof(why)), *fewer;
	struct ha_reg_step steps[32];
	struct ha_reg_row *rows;
	struct ha_counts c;
	size_t nr;
	int n;

	(void)state;
	/* First sync: all created. */
	n = ha_plan_registry(items, NULL, 0, steps, &c);
	assert_int_equal(n, 9);
	assert_int_equal(c.created, 9);
	assert_int_equal(steps[0].kind, HA_STEP_CREATE);
	assert_non_null(steps[0].data);
	ha_reg_steps_free(steps, (size_t)n);

	/* Second: nothing changes. */
	rows = rows_of(items, &nr);
	n = ha_plan_registry(items, rows, nr, steps, &c);
	assert_int_equal(c.unchanged, 9);
	assert_int_equal(c.created + c.updated + c.missing, 0);
	ha_reg_steps_free(steps, (size_t)n);

	/* A state changed, one row was missing, one item gone from HA. */
	json_object_set_new(json_array_get(st, 0), "state", json_string("off"));
	rows[1].missing = true;
	fewer = ha_registry_items(st, sv, hl, why, sizeof(why));
	json_array_remove(fewer, json_array_size(fewer) - 1);
	n = ha_plan_registry(fewer, rows, nr, steps, &c);
	assert_int_equal(c.updated, 2);
	assert_int_equal(c.missing, 1);
	assert_int_equal(c.unchanged, 6);
	assert_int_equal(steps[n - 1].kind, HA_STEP_MISSING);
	ha_reg_steps_free(steps, (size_t)n);

	/* Still gone, marked already: counted, not stepped again. */
	rows[nr - 1].missing = true;
	n = ha_plan_registry(fewer, rows, nr, steps, &c);
	assert_int_equal(c.missing, 1);
	for (int i = 0; i < n; i++)
		assert_int_not_equal(steps[i].kind, HA_STEP_MISSING);
	ha_reg_steps_free(steps, (size_t)n);

	/* The same item twice: not to be trusted. */
	json_array_append(fewer, json_array_get(fewer, 0));
	assert_int_equal(ha_plan_registry(fewer, rows, nr, steps, &c), -1);

	json_decref(fewer);
	rows_free(rows, nr);
	json_decref(items);
	json_decref(st);
	json_decref(sv);
	json_decref(hl);
}

/* The problems ha_helper_check finds in text, as "field:type" joined by ','. */
static char *problems(const char *text)
{
	json_t *body = load(text), *errs = json_array(), *e;
	char *out = calloc(1, 1024);
	size_t i;

	ha_helper_check(body, errs);
	json_array_foreach(errs, i, e) {
		json_t *loc = json_object_get(e, "loc");
		const char *field = json_string_value(json_array_get(loc, json_array_size(loc) - 1));
		size_t len = strlen(out);

		snprintf(out + len, 1024 - len, "%s%s:%s", i ? "," : "", field ? field : "-",
			 s(e, "type"));
	}
	json_decref(body);
	json_decref(errs);
	return out;
}

static void expect(const char *text, const char *want)
{
	char *got = problems(text);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", text, got, want);
	free(got);
}

static void test_helper_check(void **state)
{
	(void)state;
	expect("{\"domain\": \"input_boolean\", \"name\": \"Guest\", \"icon\": \"mdi:account\","
	       " \"initial\": true}", "");
	expect("{\"domain\": \"input_button\", \"name\": \"Ring\"}", "");
	expect("{\"domain\": \"input_number\", \"name\": \"Lux\", \"min\": 0, \"max\": 1000,"
	       " \"step\": 10, \"mode\": \"slider\", \"unit_of_measurement\": \"lx\"}", "");
	expect("{\"domain\": \"input_text\", \"name\": \"Note\", \"max\": 20, \"initial\": \"hi\"}",
	       "");
	expect("{\"domain\": \"input_select\", \"name\": \"Mode\", \"options\": [\"a\", \"b\"],"
	       " \"initial\": \"b\"}", "");
	expect("{\"domain\": \"input_datetime\", \"name\": \"Alarm\", \"has_time\": true}", "");
	expect("{\"domain\": \"counter\", \"name\": \"Cups\", \"initial\": 0, \"minimum\": 0,"
	       " \"maximum\": null, \"step\": 1, \"restore\": true}", "");
	expect("{\"domain\": \"timer\", \"name\": \"Tea\", \"duration\": \"0:04:00\"}", "");
	expect("{\"domain\": \"timer\", \"name\": \"Tea\", \"duration\": 240}", "");

	expect("{\"name\": \"x\"}", "domain:missing");
	expect("{\"domain\": \"light\", \"name\": \"x\"}", "domain:enum");
	expect("{\"domain\": \"input_boolean\"}", "name:missing");
	expect("{\"domain\": \"input_boolean\", \"name\": \"  \"}", "name:string_too_short");
	expect("{\"domain\": \"input_boolean\", \"name\": \"\"}", "name:string_too_short");
	expect("{\"domain\": \"input_boolean\", \"name\": \"x\", \"min\": 1}",
	       "min:extra_forbidden");
	expect("{\"domain\": \"input_boolean\", \"name\": \"x\", \"initial\": \"on\"}",
	       "initial:bool_type");
	expect("{\"domain\": \"input_boolean\", \"name\": \"x\", \"icon\": \"account\"}",
	       "icon:value_error");
	expect("{\"domain\": \"input_number\", \"name\": \"x\"}", "min:missing,max:missing");
	expect("{\"domain\": \"input_number\", \"name\": \"x\", \"min\": 5, \"max\": 5}",
	       "max:value_error");
	expect("{\"domain\": \"input_number\", \"name\": \"x\", \"min\": 0, \"max\": 5,"
	       " \"initial\": 9}", "initial:value_error");
	expect("{\"domain\": \"input_number\", \"name\": \"x\", \"min\": 0, \"max\": 5,"
	       " \"step\": 0}", "step:greater_than");
	expect("{\"domain\": \"input_number\", \"name\": \"x\", \"min\": \"0\", \"max\": 5,"
	       " \"mode\": \"dial\"}", "min:float_type,mode:enum");
	expect("{\"domain\": \"input_text\", \"name\": \"x\", \"min\": 10, \"max\": 5}",
	       "max:value_error");
	expect("{\"domain\": \"input_text\", \"name\": \"x\", \"max\": 300}",
	       "max:less_than_equal");
	expect("{\"domain\": \"input_text\", \"name\": \"x\", \"max\": 3, \"initial\": \"long\"}",
	       "initial:value_error");
	expect("{\"domain\": \"input_select\", \"name\": \"x\"}", "options:missing");
	expect("{\"domain\": \"input_select\", \"name\": \"x\", \"options\": []}",
	       "options:list_type");
	expect("{\"domain\": \"input_select\", \"name\": \"x\", \"options\": [\"a\", \"a\"]}",
	       "options:value_error");
	expect("{\"domain\": \"input_select\", \"name\": \"x\", \"options\": [\"a\", 1]}",
	       "options:string_type");
	expect("{\"domain\": \"input_select\", \"name\": \"x\", \"options\": [\"a\"],"
	       " \"initial\": \"b\"}", "initial:value_error");
	expect("{\"domain\": \"input_datetime\", \"name\": \"x\"}", "has_date:value_error");
	expect("{\"domain\": \"counter\", \"name\": \"x\", \"minimum\": 5, \"maximum\": 1}",
	       "maximum:value_error");
	expect("{\"domain\": \"counter\", \"name\": \"x\", \"minimum\": 5}", "initial:value_error");
	expect("{\"domain\": \"counter\", \"name\": \"x\", \"step\": 0}",
	       "step:greater_than_equal");
	expect("{\"domain\": \"timer\", \"name\": \"x\", \"duration\": \"4 minutes\"}",
	       "duration:value_error");
	expect("{\"domain\": \"timer\", \"name\": \"x\", \"duration\": \"1::2\"}",
	       "duration:value_error");
	expect("[1]", "body:dict_type");
}

static void test_helper_domains(void **state)
{
	(void)state;
	assert_true(ha_helper_domain("input_boolean"));
	assert_true(ha_helper_domain("timer"));
	assert_false(ha_helper_domain("light"));
	assert_false(ha_helper_domain(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_items_untrusted),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_helper_check),
		cmocka_unit_test(test_helper_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
