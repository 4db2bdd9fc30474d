/*
 * Home Assistant's registry as Hearth keeps it (ha/registry.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha/registry.h"
#include "validate.h"

const char *const ha_helper_domains[] = {
	"input_boolean", "input_number", "input_text", "input_select", "input_datetime",
	"input_button", "counter", "timer", NULL,
};

const char *const ha_registry_kinds[] = {
	"automation", "script", "scene", "service", "helper", NULL,
};

bool ha_helper_domain(const char *domain)
{
	for (size_t i = 0; domain && ha_helper_domains[i]; i++)
		if (strcmp(domain, ha_helper_domains[i]) == 0)
			return true;
	return false;
}

static void reg__why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static const char *reg__str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && *v ? v : NULL;
}

/* A name fit for the name column, else fallback. */
static const char *reg__name(const char *name, const char *fallback)
{
	if (!name || utf8_length(name, strlen(name)) > HA_NAME_MAX)
		return fallback;
	return name;
}

/* A state fit for the state column (HA's own limit is 255), else NULL. */
static const char *reg__state(const json_t *st)
{
	const char *s = json_string_value(json_object_get(st, "state"));

	return s && utf8_length(s, strlen(s)) <= 255 ? s : NULL;
}

/* Append {kind, item_id, domain, name, ha_id, state, data (consumed)}. */
static int reg__add(json_t *items, const char *kind, const char *item_id, const char *domain,
		    const char *name, const char *ha_id, const char *state, json_t *data)
{
	json_t *item;

	if (!data)
		return -1;
	if (ha_id && strlen(ha_id) > HA_ID_MAX)
		ha_id = NULL;
	item = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:o}", "kind", kind, "item_id", item_id,
			 "domain", domain, "name", name, "ha_id", ha_id, "state", state,
			 "data", data);
	return item ? json_array_append_new(items, item) : -1;
}

/* An entity's state as kept: {entity_id, state, attributes, last_changed}
 * and, for a helper, config (its storage item, or null). */
static json_t *reg__state_data(const json_t *st, const json_t *config, bool helper)
{
	json_t *attrs = json_object_get(st, "attributes");
	json_t *d = json_pack("{s:O?, s:O?, s:o, s:O?}",
			      "entity_id", json_object_get(st, "entity_id"),
			      "state", json_object_get(st, "state"),
			      "attributes", json_is_object(attrs) ? json_incref(attrs) : json_object(),
			      "last_changed", json_object_get(st, "last_changed"));

	if (d && helper && json_object_set(d, "config", config ? (json_t *)config : json_null())) {
		json_decref(d);
		d = NULL;
	}
	return d;
}

/* HA's storage lists: {domain: [item with a string id]}; false when not. */
static bool reg__helpers_ok(const json_t *helpers)
{
	const char *domain;
	json_t *list, *v;
	size_t i;

	if (!helpers)
		return true;
	if (!json_is_object(helpers))
		return false;
	json_object_foreach((json_t *)helpers, domain, list) {
		if (!json_is_array(list))
			return false;
		json_array_foreach(list, i, v) {
			const char *id = reg__str(v, "id");

			if (!id || strlen(id) > HA_ID_MAX)
				return false;
		}
	}
	return true;
}

/* The storage item of helper domain with id (borrowed), or NULL. */
static const json_t *reg__config(const json_t *helpers, const char *domain, const char *id)
{
	const json_t *list = json_object_get(helpers, domain), *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (strcmp(reg__str(v, "id"), id) == 0)
			return v;
	return NULL;
}

static int reg__states(json_t *items, const json_t *states, const json_t *helpers,
		       json_t *matched)
{
	const json_t *st;
	size_t i;

	json_array_foreach(states, i, st) {
		const char *id = reg__str(st, "entity_id");
		const json_t *attrs = json_object_get(st, "attributes"), *config = NULL;
		const char *kind, *name, *ha_id = NULL;
		char domain[64];
		bool helper;

		if (!ha_entity_id_valid(id))
			continue;
		ha_entity_domain(id, domain, sizeof(domain));
		helper = ha_helper_domain(domain);
		if (helper)
			kind = "helper";
		else if (strcmp(domain, "automation") == 0 || strcmp(domain, "script") == 0 ||
			 strcmp(domain, "scene") == 0)
			kind = domain;
		else
			continue;
		if (helper) {
			config = reg__config(helpers, domain, strchr(id, '.') + 1);
			ha_id = config ? reg__str(config, "id") : NULL;
			if (ha_id && json_object_set_new(matched, id, json_true()))
				return -1;
		} else if (strcmp(domain, "script") != 0) {
			ha_id = reg__str(attrs, "id");
		}
		name = reg__name(reg__str(attrs, "friendly_name") ?: reg__str(config, "name"),
				 strchr(id, '.') + 1);
		if (reg__add(items, kind, id, domain, name, ha_id, reg__state(st),
			     reg__state_data(st, config, helper)))
			return -1;
	}
	return 0;
}

/* Storage helpers HA has no state of (yet): kept with their config. */
static int reg__stateless_helpers(json_t *items, const json_t *helpers, const json_t *matched)
{
	const char *domain;
	json_t *list, *v;
	size_t i;

	json_object_foreach((json_t *)helpers, domain, list) {
		if (!ha_helper_domain(domain))
			continue;
		json_array_foreach(list, i, v) {
			const char *id = reg__str(v, "id");
			char eid[HA_ID_MAX + 1];
			int k = snprintf(eid, sizeof(eid), "%s.%s", domain, id);
			json_t *data;

			if (k < 0 || (size_t)k >= sizeof(eid) || !ha_entity_id_valid(eid) ||
			    json_object_get(matched, eid))
				continue;
			data = json_pack("{s:s, s:n, s:{}, s:n, s:O}", "entity_id", eid, "state",
					 "attributes", "last_changed", "config", v);
			if (reg__add(items, "helper", eid, domain, reg__name(reg__str(v, "name"), id),
				     id, NULL, data))
				return -1;
		}
	}
	return 0;
}

static int reg__services(json_t *items, const json_t *services)
{
	const char *domain, *service;
	json_t *svcs, *desc;

	json_object_foreach((json_t *)services, domain, svcs) {
		json_object_foreach(svcs, service, desc) {
			char id[HA_ID_MAX + 1];
			int k = snprintf(id, sizeof(id), "%s.%s", domain, service);

			/* As the entities sync does with odd ids: left out. */
			if (k < 0 || (size_t)k >= sizeof(id) || !ha_entity_id_valid(id) ||
			    strlen(domain) >= 64)
				continue;
			if (reg__add(items, "service", id, domain,
				     reg__name(reg__str(desc, "name"), service), NULL, NULL,
				     json_incref(desc)))
				return -1;
		}
	}
	return 0;
}

json_t *ha_registry_items(const json_t *states, const json_t *services, const json_t *helpers,
			  char *why, size_t whylen)
{
	json_t *items = NULL, *matched = NULL, *v;
	const char *k;
	size_t i;

	reg__why(why, whylen, "%s", "");
	if (!json_is_array(states)) {
		reg__why(why, whylen, "Home Assistant's states are not a list");
		return NULL;
	}
	json_array_foreach(states, i, v)
		if (!json_is_string(json_object_get(v, "entity_id"))) {
			reg__why(why, whylen, "Home Assistant's states have one without an entity_id");
			return NULL;
		}
	if (!json_is_object(services)) {
		reg__why(why, whylen, "Home Assistant's services are not an object of domains");
		return NULL;
	}
	json_object_foreach((json_t *)services, k, v) {
		const char *s;
		json_t *d;

		if (!json_is_object(v)) {
			reg__why(why, whylen, "Home Assistant's services of %.64s are not an object",
				 k);
			return NULL;
		}
		json_object_foreach(v, s, d)
			if (!json_is_object(d)) {
				reg__why(why, whylen, "Home Assistant's service %.64s.%.64s has no"
						      " description", k, s);
				return NULL;
			}
	}
	if (!reg__helpers_ok(helpers)) {
		reg__why(why, whylen, "Home Assistant's helper lists are not lists of items with"
				      " an id");
		return NULL;
	}
	items = json_array();
	matched = json_object();
	if (!items || !matched || reg__states(items, states, helpers, matched) ||
	    (helpers && reg__stateless_helpers(items, helpers, matched)) ||
	    reg__services(items, services)) {
		json_decref(items);
		items = NULL;
		reg__why(why, whylen, "out of memory");
	}
	json_decref(matched);
	return items;
}

/* ---------------------------------------------------------------- plan */

char *ha_registry_data_text(const json_t *data)
{
	return json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* "kind\x1fitem_id": a key of both an item and a row. */
static int reg__key(char *out, size_t outsz, const char *kind, const char *item_id)
{
	int k = snprintf(out, outsz, "%s\x1f%s", kind ? kind : "", item_id ? item_id : "");

	return k < 0 || (size_t)k >= outsz ? -1 : 0;
}

static bool reg__same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void ha_reg_steps_free(struct ha_reg_step *steps, size_t n)
{
	for (size_t i = 0; steps && i < n; i++) {
		free(steps[i].data);
		steps[i].data = NULL;
	}
}

int ha_plan_registry(const json_t *items, const struct ha_reg_row *rows, size_t nr,
		     struct ha_reg_step *steps, struct ha_counts *counts)
{
	json_t *index = json_object(), *seen_items = json_object(), *item;
	bool *seen = calloc(nr + 1, sizeof(*seen));
	char key[16 + HA_ID_MAX + 2];
	size_t i;
	int n = 0;

	memset(counts, 0, sizeof(*counts));
	if (!index || !seen_items || !seen)
		goto fail;
	for (i = 0; i < nr; i++) {
		if (reg__key(key, sizeof(key), rows[i].kind, rows[i].item_id) ||
		    json_object_set_new(index, key, json_integer((json_int_t)i)))
			goto fail;
	}
	json_array_foreach(items, i, item) {
		const char *kind = reg__str(item, "kind"), *item_id = reg__str(item, "item_id");
		const json_t *at;
		const struct ha_reg_row *row = NULL;
		struct ha_reg_step *s = &steps[n];

		if (!kind || !item_id || reg__key(key, sizeof(key), kind, item_id) ||
		    json_object_get(seen_items, key) ||
		    json_object_set_new(seen_items, key, json_true()))
			goto fail;
		if ((at = json_object_get(index, key))) {
			row = &rows[json_integer_value(at)];
			seen[json_integer_value(at)] = true;
		}
		*s = (struct ha_reg_step){HA_STEP_CREATE, item, row,
					  ha_registry_data_text(json_object_get(item, "data"))};
		n++;
		if (!s->data)
			goto fail;
		if (!row) {
			counts->created++;
		} else if (row->missing || !reg__same(row->domain, reg__str(item, "domain")) ||
			   !reg__same(row->name, json_string_value(json_object_get(item, "name"))) ||
			   !reg__same(row->ha_id, json_string_value(json_object_get(item, "ha_id"))) ||
			   !reg__same(row->state, json_string_value(json_object_get(item, "state"))) ||
			   !reg__same(row->data, s->data)) {
			s->kind = HA_STEP_UPDATE;
			counts->updated++;
		} else {
			s->kind = HA_STEP_UNCHANGED;
			counts->unchanged++;
		}
	}
	for (i = 0; i < nr; i++) {
		if (seen[i])
			continue;
		counts->missing++;
		if (!rows[i].missing)
			steps[n++] = (struct ha_reg_step){HA_STEP_MISSING, NULL, &rows[i], NULL};
	}
	json_decref(index);
	json_decref(seen_items);
	free(seen);
	return n;
fail:
	ha_reg_steps_free(steps, (size_t)n);
	json_decref(index);
	json_decref(seen_items);
	free(seen);
	memset(counts, 0, sizeof(*counts));
	return -1;
}

/* ---------------------------------------------------------------- helpers */

enum reg_opt { O_STR, O_BOOL, O_NUM, O_INT, O_INT_NULL, O_OPTIONS, O_DURATION };

struct reg_field {
	const char *name;
	enum reg_opt type;
	bool required;
	long long min, max;          /* O_STR: characters; O_INT: the range */
	const char *const *choices;  /* O_STR: allowed values, or NULL */
};

struct reg_helper {
	const char *domain;
	const struct reg_field *fields;
	size_t n;
	void (*rules)(const json_t *body, json_t *errs);
};

static const char *const at_body_[] = {"body", NULL};
static const char *const number_modes[] = {"box", "slider", NULL};
static const char *const text_modes[] = {"text", "password", NULL};

static const struct reg_field f_common[] = {
	{"name", O_STR, true, 1, 255, NULL},
	{"icon", O_STR, false, 3, 255, NULL},
};
static const struct reg_field f_boolean[] = {{"initial", O_BOOL, false, 0, 0, NULL}};
static const struct reg_field f_number[] = {
	{"min", O_NUM, true, 0, 0, NULL},
	{"max", O_NUM, true, 0, 0, NULL},
	{"initial", O_NUM, false, 0, 0, NULL},
	{"step", O_NUM, false, 0, 0, NULL},
	{"mode", O_STR, false, 0, 0, number_modes},
	{"unit_of_measurement", O_STR, false, 0, 64, NULL},
};
static const struct reg_field f_text[] = {
	{"min", O_INT, false, 0, 255, NULL},
	{"max", O_INT, false, 0, 255, NULL},
	{"initial", O_STR, false, 0, 255, NULL},
	{"pattern", O_STR, false, 0, 255, NULL},
	{"mode", O_STR, false, 0, 0, text_modes},
	{"unit_of_measurement", O_STR, false, 0, 64, NULL},
};
static const struct reg_field f_select[] = {
	{"options", O_OPTIONS, true, 0, 0, NULL},
	{"initial", O_STR, false, 0, 255, NULL},
};
static const struct reg_field f_datetime[] = {
	{"has_date", O_BOOL, false, 0, 0, NULL},
	{"has_time", O_BOOL, false, 0, 0, NULL},
	{"initial", O_STR, false, 0, 64, NULL},
};
static const struct reg_field f_counter[] = {
	{"initial", O_INT, false, -2147483648LL, 2147483647LL, NULL},
	{"minimum", O_INT_NULL, false, -2147483648LL, 2147483647LL, NULL},
	{"maximum", O_INT_NULL, false, -2147483648LL, 2147483647LL, NULL},
	{"step", O_INT, false, 1, 2147483647LL, NULL},
	{"restore", O_BOOL, false, 0, 0, NULL},
};
static const struct reg_field f_timer[] = {
	{"duration", O_DURATION, false, 0, 0, NULL},
	{"restore", O_BOOL, false, 0, 0, NULL},
};

static double reg__num(const json_t *body, const char *key, double dflt)
{
	const json_t *v = json_object_get(body, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* HA's input_number: the maximum above the minimum, the initial value
 * between them, a step above 0. */
static void rules_number(const json_t *body, json_t *errs)
{
	const json_t *mn = json_object_get(body, "min"), *mx = json_object_get(body, "max");
	double step = reg__num(body, "step", 1), init;

	if (json_is_number(mn) && json_is_number(mx) &&
	    json_number_value(mx) <= json_number_value(mn))
		verr_add(errs, at_body_, "max", "value_error",
			 "Maximum (%g) is not greater than minimum (%g)", json_number_value(mx),
			 json_number_value(mn));
	if (json_is_number(json_object_get(body, "initial")) && json_is_number(mn) &&
	    json_is_number(mx)) {
		init = reg__num(body, "initial", 0);
		if (init < json_number_value(mn) || init > json_number_value(mx))
			verr_add(errs, at_body_, "initial", "value_error",
				 "Initial value %g not in range %g-%g", init, json_number_value(mn),
				 json_number_value(mx));
	}
	if (!(step > 0) || !isfinite(step))
		verr_add(errs, at_body_, "step", "greater_than", "Input should be greater than 0");
}

/* HA's input_text: the longest not shorter than the shortest; the
 * initial text within them. */
static void rules_text(const json_t *body, json_t *errs)
{
	long long mn = (long long)reg__num(body, "min", 0), mx = (long long)reg__num(body, "max", 100);
	const char *init = json_string_value(json_object_get(body, "initial"));

	if (mx < mn)
		verr_add(errs, at_body_, "max", "value_error", "Max len %lld is smaller than min"
			 " len %lld", mx, mn);
	else if (init) {
		long long len = (long long)utf8_length(init, strlen(init));

		if (len < mn || len > mx)
			verr_add(errs, at_body_, "initial", "value_error", "Initial value is %lld"
				 " characters long, not within %lld-%lld", len, mn, mx);
	}
}

/* HA's input_select: options not repeated, the initial one of them. */
static void rules_select(const json_t *body, json_t *errs)
{
	const json_t *opts = json_object_get(body, "options"), *o;
	const char *init = json_string_value(json_object_get(body, "initial"));
	bool found = false;
	size_t i, j;

	if (!json_is_array(opts))
		return;
	json_array_foreach(opts, i, o) {
		for (j = 0; j < i; j++)
			if (json_equal(o, json_array_get(opts, j))) {
				verr_add(errs, at_body_, "options", "value_error",
					 "Duplicate options are not allowed");
				return;
			}
		if (init && json_is_string(o) && strcmp(init, json_string_value(o)) == 0)
			found = true;
	}
	if (init && !found)
		verr_add(errs, at_body_, "initial", "value_error",
			 "initial state %s is not part of the options", init);
}

static void rules_datetime(const json_t *body, json_t *errs)
{
	if (!json_is_true(json_object_get(body, "has_date")) &&
	    !json_is_true(json_object_get(body, "has_time")))
		verr_add(errs, at_body_, "has_date", "value_error",
			 "Entity needs at least a date or a time");
}

/* counter: the minimum not above the maximum, the initial between them. */
static void rules_counter(const json_t *body, json_t *errs)
{
	const json_t *mn = json_object_get(body, "minimum"), *mx = json_object_get(body, "maximum");
	const json_t *init = json_object_get(body, "initial");
	json_int_t v = json_is_integer(init) ? json_integer_value(init) : 0;

	if (json_is_integer(mn) && json_is_integer(mx) &&
	    json_integer_value(mn) > json_integer_value(mx)) {
		verr_add(errs, at_body_, "maximum", "value_error",
			 "maximum (%lld) is below minimum (%lld)", (long long)json_integer_value(mx),
			 (long long)json_integer_value(mn));
		return;
	}
	if ((json_is_integer(mn) && v < json_integer_value(mn)) ||
	    (json_is_integer(mx) && v > json_integer_value(mx)))
		verr_add(errs, at_body_, "initial", "value_error",
			 "initial (%lld) is outside minimum and maximum", (long long)v);
}

static const struct reg_helper reg_helpers[] = {
	{"input_boolean", f_boolean, sizeof(f_boolean) / sizeof(f_boolean[0]), NULL},
	{"input_button", NULL, 0, NULL},
	{"input_number", f_number, sizeof(f_number) / sizeof(f_number[0]), rules_number},
	{"input_text", f_text, sizeof(f_text) / sizeof(f_text[0]), rules_text},
	{"input_select", f_select, sizeof(f_select) / sizeof(f_select[0]), rules_select},
	{"input_datetime", f_datetime, sizeof(f_datetime) / sizeof(f_datetime[0]), rules_datetime},
	{"counter", f_counter, sizeof(f_counter) / sizeof(f_counter[0]), rules_counter},
	{"timer", f_timer, sizeof(f_timer) / sizeof(f_timer[0]), NULL},
};

/* "H:MM", "H:MM:SS" (HA's time period), or seconds as a number >= 0. */
static bool reg__duration(const json_t *v)
{
	const char *s = json_string_value(v);
	int parts = 1;

	if (json_is_integer(v))
		return json_integer_value(v) >= 0;
	if (!s || !*s || strlen(s) > 16)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == ':') {
			if (p == s || p[1] == '\0' || p[-1] == ':')
				return false;
			parts++;
		} else if (*p < '0' || *p > '9') {
			return false;
		}
	}
	return parts >= 2 && parts <= 3;
}

static void reg__field(const struct reg_field *f, const json_t *v, json_t *errs)
{
	const char *s;
	size_t chars, i;
	const json_t *o;

	switch (f->type) {
	case O_STR:
		if (!(s = json_string_value(v))) {
			verr_add(errs, at_body_, f->name, "string_type", "Input should be a valid string");
			return;
		}
		chars = utf8_length(s, json_string_length(v));
		if (f->choices) {
			for (i = 0; f->choices[i]; i++)
				if (strcmp(s, f->choices[i]) == 0)
					return;
			verr_enum(errs, at_body_, f->name, f->choices);
		} else if (f->min > 0 && chars < (size_t)f->min) {
			verr_add(errs, at_body_, f->name, "string_too_short",
				 "String should have at least %lld character%s", f->min,
				 f->min == 1 ? "" : "s");
		} else if (f->max > 0 && chars > (size_t)f->max) {
			verr_add(errs, at_body_, f->name, "string_too_long",
				 "String should have at most %lld characters", f->max);
		} else if (strcmp(f->name, "name") == 0 && strspn(s, " \t\r\n") == strlen(s)) {
			verr_add(errs, at_body_, f->name, "string_too_short",
				 "String should not be blank");
		} else if (strcmp(f->name, "icon") == 0 && !strchr(s + 1, ':')) {
			verr_add(errs, at_body_, f->name, "value_error",
				 "Icons should be specified in the form \"prefix:name\"");
		}
		return;
	case O_BOOL:
		if (!json_is_boolean(v))
			verr_add(errs, at_body_, f->name, "bool_type", "Input should be a valid boolean");
		return;
	case O_NUM:
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			verr_add(errs, at_body_, f->name, "float_type", "Input should be a valid number");
		return;
	case O_INT_NULL:
		if (json_is_null(v))
			return;
		/* fall through */
	case O_INT:
		if (!json_is_integer(v))
			verr_add(errs, at_body_, f->name, "int_type", "Input should be a valid integer");
		else if (json_integer_value(v) < f->min)
			verr_add(errs, at_body_, f->name, "greater_than_equal",
				 "Input should be greater than or equal to %lld", f->min);
		else if (json_integer_value(v) > f->max)
			verr_add(errs, at_body_, f->name, "less_than_equal",
				 "Input should be less than or equal to %lld", f->max);
		return;
	case O_OPTIONS:
		if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 1000) {
			verr_add(errs, at_body_, f->name, "list_type",
				 "Input should be a list of 1 to 1000 options");
			return;
		}
		json_array_foreach(v, i, o)
			if (!json_is_string(o) || json_string_length(o) == 0 ||
			    utf8_length(json_string_value(o), json_string_length(o)) > 255) {
				verr_add(errs, at_body_, f->name, "string_type",
					 "Each option should be a string of 1 to 255 characters");
				return;
			}
		return;
	case O_DURATION:
		if (!reg__duration(v))
			verr_add(errs, at_body_, f->name, "value_error",
				 "A duration is \"H:MM:SS\", \"H:MM\" or seconds");
		return;
	}
}

/* The field named key in fields, or NULL. */
static const struct reg_field *reg__lookup(const struct reg_field *fields, size_t n,
					   const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, key) == 0)
			return &fields[i];
	return NULL;
}

size_t ha_helper_check(const json_t *body, json_t *errs)
{
	size_t before = json_array_size(errs), i;
	const struct reg_helper *h = NULL;
	const char *domain, *key;
	json_t *v;

	if (!json_is_object(body)) {
		verr_add(errs, at_body_, NULL, "dict_type", "Input should be an object");
		return json_array_size(errs) - before;
	}
	domain = json_string_value(json_object_get(body, "domain"));
	for (i = 0; domain && i < sizeof(reg_helpers) / sizeof(reg_helpers[0]); i++)
		if (strcmp(domain, reg_helpers[i].domain) == 0)
			h = &reg_helpers[i];
	if (!h) {
		if (!json_object_get(body, "domain"))
			verr_add(errs, at_body_, "domain", "missing", "Field required");
		else
			verr_enum(errs, at_body_, "domain", ha_helper_domains);
		return json_array_size(errs) - before;
	}
	json_object_foreach((json_t *)body, key, v) {
		const struct reg_field *f = reg__lookup(f_common, 2, key);

		if (strcmp(key, "domain") == 0)
			continue;
		if (!f)
			f = reg__lookup(h->fields, h->n, key);
		if (!f)
			verr_add(errs, at_body_, key, "extra_forbidden", "%s takes no %s", h->domain,
				 "such option");
		else
			reg__field(f, v, errs);
	}
	for (i = 0; i < 2 + h->n; i++) {
		const struct reg_field *f = i < 2 ? &f_common[i] : &h->fields[i - 2];

		if (f->required && !json_object_get(body, f->name))
			verr_add(errs, at_body_, f->name, "missing", "Field required");
	}
	if (json_array_size(errs) == before && h->rules)
		h->rules(body, errs);
	return json_array_size(errs) - before;
}
