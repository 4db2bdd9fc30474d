/*
 * Config descriptions shared by the three registries: one table of keys
 * yields both the 422 checks and the JSON Schema the editors are built
 * from.  Scalars go through validate_object so their messages match the
 * rest of the API; what vfield cannot say (reals, arrays, arrays of
 * objects, expressions, templates) is checked here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "condition.h"
#include "registry_schema.h"
#include "net/http.h"
#include "url_policy.h"
#include "template.h"

#define RS_MAX_DEPTH 16
#define RS_MAX_PARAMS 24

const char **rs_prefix(const char *const *prefix, const char *a, const char *b,
		       const char **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; prefix && prefix[i] && n + 1 < cap; i++)
		out[n++] = prefix[i];
	if (a && n + 1 < cap)
		out[n++] = a;
	if (b && n + 1 < cap)
		out[n++] = b;
	out[n] = NULL;
	return out;
}

bool rs_reported(const json_t *errs, size_t from, const char *const *prefix, const char *name)
{
	size_t depth = 0;

	while (prefix && prefix[depth])
		depth++;
	for (size_t i = from; i < json_array_size(errs); i++) {
		const json_t *loc = json_object_get(json_array_get(errs, i), "loc");
		const char *at = json_string_value(json_array_get(loc, depth));

		if (json_array_size(loc) >= depth + 1 && at && strcmp(at, name) == 0)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- checks */

static bool rs__scalar(enum rp_type t)
{
	return t == RP_STRING || t == RP_INT || t == RP_ID || t == RP_BOOL || t == RP_OBJECT;
}

static struct vfield rs__vfield(const struct rparam *p, const char *name)
{
	static const enum vtype vt[] = {
		[RP_STRING] = V_STRING, [RP_INT] = V_INT, [RP_ID] = V_ID, [RP_BOOL] = V_BOOL,
		[RP_OBJECT] = V_OBJECT, [RP_INT_ARRAY] = V_INT, [RP_ID_ARRAY] = V_ID,
		[RP_STRING_ARRAY] = V_STRING,
	};

	return (struct vfield){name, vt[p->type], p->flags & (V_NULLABLE | V_NONEMPTY),
			       (long long)p->min, (long long)p->max, p->choices};
}

static bool rs__digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool rs__hhmm_ok(const char *s)
{
	if (strlen(s) != 5 || !rs__digit(s[0]) || !rs__digit(s[1]) || s[2] != ':' ||
	    !rs__digit(s[3]) || !rs__digit(s[4]))
		return false;
	return (s[0] - '0') * 10 + (s[1] - '0') <= 23 && (s[3] - '0') * 10 + (s[4] - '0') <= 59;
}

static bool rs__key_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!(rs__digit(*s) || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      *s == '_'))
			return false;
	return true;
}

static size_t rs__check_template(const char *s, const char *const *prefix, const char *field,
				 json_t *errs)
{
	char err[256];

	if (template_check(s, err, sizeof(err)) == 0)
		return 0;
	verr_add(errs, prefix, field, "value_error", "%s", err);
	return 1;
}

static size_t rs__channel_templates(const json_t *v, const char *const *prefix,
				    const char *field, json_t *errs)
{
	const char *at[RS_MAX_DEPTH];
	size_t problems = 0;
	const char *key;
	json_t *tmpl;

	rs_prefix(prefix, field, NULL, at, RS_MAX_DEPTH);
	json_object_foreach((json_t *)v, key, tmpl) {
		size_t i = 0;

		while (rs_channel_names[i] && strcmp(rs_channel_names[i], key) != 0)
			i++;
		if (!rs_channel_names[i]) {
			verr_enum(errs, at, key, rs_channel_names);
			problems++;
		} else if (!json_is_string(tmpl)) {
			verr_add(errs, at, key, "string_type", "Input should be a valid string");
			problems++;
		} else {
			problems += rs__check_template(json_string_value(tmpl), at, key, errs);
		}
	}
	return problems;
}

/* The semantic check of one value whose type and bounds passed. */
static size_t rs__check(const struct rparam *p, const json_t *v, const char *const *prefix,
			json_t *errs)
{
	const char *s = json_string_value(v);
	char err[256];
	struct cond *c;

	switch (p->check) {
	case RC_NONE:
		return 0;
	case RC_CONDITION:
		if (!s)
			return 0;
		c = cond_parse(s, err, sizeof(err));
		if (c) {
			cond_free(c);
			return 0;
		}
		verr_add(errs, prefix, p->name, "value_error", "%s", err);
		return 1;
	case RC_TEMPLATE:
		return s ? rs__check_template(s, prefix, p->name, errs) : 0;
	case RC_HTTP_URL: {
		char why[160];

		/* The process's outbound policy: what would be refused when
		 * delivering is refused when saving. */
		if (!s || url_policy_check_url(net_policy(), s, why, sizeof(why)) == 0)
			return 0;
		verr_add(errs, prefix, p->name, "url_policy", "URL refused: %s", why);
		return 1;
	}
	case RC_HHMM:
		if (!s || rs__hhmm_ok(s))
			return 0;
		verr_add(errs, prefix, p->name, "value_error",
			 "Time should be HH:MM, from 00:00 to 23:59");
		return 1;
	case RC_KEY:
		if (!s || rs__key_ok(s))
			return 0;
		verr_add(errs, prefix, p->name, "value_error",
			 "Key should contain only letters, digits and underscores");
		return 1;
	case RC_CHANNEL_TEMPLATES:
		return json_is_object(v) ? rs__channel_templates(v, prefix, p->name, errs) : 0;
	}
	return 0;
}

static size_t rs__number(const struct rparam *p, const json_t *v, const char *const *prefix,
			 json_t *errs)
{
	double x;

	if (!json_is_number(v)) {
		verr_add(errs, prefix, p->name, "float_type", "Input should be a valid number");
		return 1;
	}
	x = json_number_value(v);
	if (p->min == 0 && p->max == 0)
		return 0;
	if (x < p->min) {
		verr_add(errs, prefix, p->name, "greater_than_equal",
			 "Input should be greater than or equal to %g", p->min);
		return 1;
	}
	if (p->max >= p->min && x > p->max) {
		verr_add(errs, prefix, p->name, "less_than_equal",
			 "Input should be less than or equal to %g", p->max);
		return 1;
	}
	return 0;
}

/*
 * One array item of a scalar kind, checked by validate_object as the only
 * key of a one-key object, so its loc ends in the index and its messages
 * are the usual ones.
 */
static size_t rs__item(const struct rparam *p, json_t *item, const char *idx,
		       const char *const *at, json_t *errs)
{
	struct vfield f = rs__vfield(p, idx);
	json_t *wrap = json_object();
	size_t problems;

	if (!wrap || json_object_set(wrap, idx, item) != 0) {
		json_decref(wrap);
		verr_add(errs, at, idx, "value_error", "Out of memory");
		return 1;
	}
	if (p->type == RP_ID_ARRAY) {
		f.min = 0;
		f.max = 0;
	}
	problems = validate_object(wrap, at, &f, 1, false, errs);
	json_decref(wrap);
	return problems;
}

/*
 * An array index in a loc is a number, as clients expect ("conditions", 0,
 * "activity_type"); verr_add only takes strings, so the index entry at
 * position at of every problem added since from is turned into one.
 */
static void rs__number_index(json_t *errs, size_t from, size_t at, size_t index)
{
	for (size_t i = from; i < json_array_size(errs); i++) {
		json_t *loc = json_object_get(json_array_get(errs, i), "loc");

		if (json_is_string(json_array_get(loc, at)))
			json_array_set_new(loc, at, json_integer((json_int_t)index));
	}
}

static size_t rs__depth(const char *const *prefix)
{
	size_t n = 0;

	while (prefix && prefix[n])
		n++;
	return n;
}

static size_t rs__array(const struct rparam *p, const json_t *v, const char *const *prefix,
			json_t *errs)
{
	const char *at[RS_MAX_DEPTH];
	size_t problems = 0, n;
	char idx[24];

	if (!json_is_array(v)) {
		verr_add(errs, prefix, p->name, "list_type", "Input should be a valid list");
		return 1;
	}
	n = json_array_size(v);
	if ((p->flags & RP_MIN_ITEMS) && n == 0) {
		verr_add(errs, prefix, p->name, "too_short", "List should have at least 1 item");
		return 1;
	}
	if (n > RP_MAX_ITEMS) {
		verr_add(errs, prefix, p->name, "too_long", "List should have at most %d items",
			 RP_MAX_ITEMS);
		return 1;
	}

	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(v, i);
		size_t from = json_array_size(errs);

		snprintf(idx, sizeof(idx), "%zu", i);
		if (p->type == RP_OBJECT_ARRAY) {
			rs_prefix(prefix, p->name, idx, at, RS_MAX_DEPTH);
			problems += rs_validate(p->items, p->nitems, NULL, item, at, errs);
		} else {
			rs_prefix(prefix, p->name, NULL, at, RS_MAX_DEPTH);
			problems += rs__item(p, item, idx, at, errs);
		}
		rs__number_index(errs, from, rs__depth(prefix) + 1, i);
	}
	if (problems || !(p->flags & RP_UNIQUE))
		return problems;

	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(v, i), json_array_get(v, j))) {
				size_t from = json_array_size(errs);

				snprintf(idx, sizeof(idx), "%zu", i);
				rs_prefix(prefix, p->name, NULL, at, RS_MAX_DEPTH);
				verr_add(errs, at, idx, "value_error",
					 "List items should be distinct; this one repeats item %zu",
					 j);
				rs__number_index(errs, from, rs__depth(prefix) + 1, i);
				return 1;
			}
	return 0;
}

size_t rs_validate(const struct rparam *params, size_t n, const char *const *one_of,
		   const json_t *obj, const char *const *prefix, json_t *errs)
{
	struct vfield f[RS_MAX_PARAMS];
	size_t nf = 0, problems = 0, start = json_array_size(errs);
	json_t *scalars = NULL;

	if (obj && !json_is_object(obj)) {
		verr_add(errs, prefix, NULL, "dict_type",
			 "Input should be a valid dictionary or object");
		return 1;
	}

	/* Scalars and unknown keys: validate_object on the keys it understands. */
	scalars = obj ? json_copy((json_t *)obj) : json_object();
	if (!scalars) {
		verr_add(errs, prefix, NULL, "value_error", "Out of memory");
		return 1;
	}
	for (size_t i = 0; i < n && nf < RS_MAX_PARAMS; i++) {
		if (rs__scalar(params[i].type)) {
			f[nf] = rs__vfield(&params[i], params[i].name);
			f[nf++].flags |= params[i].flags & V_REQUIRED;
		} else {
			json_object_del(scalars, params[i].name);
		}
	}
	problems += validate_object(scalars, prefix, f, nf, false, errs);
	json_decref(scalars);

	for (size_t i = 0; i < n; i++) {
		const struct rparam *p = &params[i];
		const json_t *v = obj ? json_object_get(obj, p->name) : NULL;

		if (rs__scalar(p->type))
			continue;
		if (!v) {
			if (p->flags & V_REQUIRED) {
				verr_add(errs, prefix, p->name, "missing", "Field required");
				problems++;
			}
			continue;
		}
		if (json_is_null(v) && (p->flags & V_NULLABLE))
			continue;
		problems += p->type == RP_NUMBER ? rs__number(p, v, prefix, errs)
						 : rs__array(p, v, prefix, errs);
	}

	/* Meaning, only for values whose shape is right. */
	for (size_t i = 0; obj && i < n; i++) {
		const json_t *v = json_object_get(obj, params[i].name);

		if (v && params[i].check != RC_NONE &&
		    !rs_reported(errs, start, prefix, params[i].name))
			problems += rs__check(&params[i], v, prefix, errs);
	}

	if (one_of) {
		bool any = false;
		char names[256];
		size_t used = 0;

		names[0] = '\0';
		for (size_t i = 0; one_of[i]; i++) {
			int w = snprintf(names + used, sizeof(names) - used, "%s'%s'",
					 i == 0 ? "" : one_of[i + 1] ? ", " : " or ", one_of[i]);

			if (w > 0 && (size_t)w < sizeof(names) - used)
				used += (size_t)w;
			if (obj && json_object_get(obj, one_of[i]))
				any = true;
		}
		if (!any) {
			verr_add(errs, prefix, NULL, "missing", "One of %s is required", names);
			problems++;
		}
	}
	return problems;
}

/* ---------------------------------------------------------------- schema */

static json_t *rs__choices(const char *const *choices)
{
	json_t *a = json_array();

	for (size_t i = 0; a && choices[i]; i++)
		json_array_append_new(a, json_string(choices[i]));
	return a;
}

/* Bounds as JSON Schema keywords, under the vfield convention. */
static void rs__bounds(json_t *s, const struct rparam *p, const char *lo, const char *hi,
		       bool real)
{
	if (p->min == 0 && p->max == 0)
		return;
	json_object_set_new(s, lo, real ? json_real(p->min) : json_integer((json_int_t)p->min));
	if (p->max >= p->min)
		json_object_set_new(s, hi,
				    real ? json_real(p->max) : json_integer((json_int_t)p->max));
}

/* The schema of a scalar value (an array's item, or a key). */
static json_t *rs__scalar_schema(const struct rparam *p, enum rp_type t)
{
	json_t *s = NULL;

	switch (t) {
	case RP_STRING:
	case RP_STRING_ARRAY:
		s = json_pack("{s:s}", "type", "string");
		if (s)
			rs__bounds(s, p, "minLength", "maxLength", false);
		if (s && p->choices)
			json_object_set_new(s, "enum", rs__choices(p->choices));
		break;
	case RP_INT:
	case RP_INT_ARRAY:
		s = json_pack("{s:s}", "type", "integer");
		if (s)
			rs__bounds(s, p, "minimum", "maximum", false);
		break;
	case RP_ID:
	case RP_ID_ARRAY:
		s = json_pack("{s:s, s:i}", "type", "integer", "minimum", 1);
		break;
	case RP_BOOL:
		s = json_pack("{s:s}", "type", "boolean");
		break;
	case RP_NUMBER:
		s = json_pack("{s:s}", "type", "number");
		if (s)
			rs__bounds(s, p, "minimum", "maximum", true);
		break;
	case RP_OBJECT:
	case RP_OBJECT_ARRAY:
		s = json_pack("{s:s}", "type", "object");
		break;
	}
	return s;
}

/* Format hints for the editors: JSON Schema allows formats of one's own. */
static void rs__format(json_t *s, enum rp_check check)
{
	json_t *names = NULL;

	switch (check) {
	case RC_NONE:
		break;
	case RC_CONDITION:
		json_object_set_new(s, "format", json_string("condition"));
		break;
	case RC_TEMPLATE:
		json_object_set_new(s, "format", json_string("template"));
		break;
	case RC_HTTP_URL:
		json_object_set_new(s, "format", json_string("uri"));
		json_object_set_new(s, "pattern", json_string("^https?://\\S+$"));
		break;
	case RC_HHMM:
		json_object_set_new(s, "pattern", json_string("^([01][0-9]|2[0-3]):[0-5][0-9]$"));
		break;
	case RC_KEY:
		json_object_set_new(s, "pattern", json_string("^[A-Za-z0-9_]+$"));
		break;
	case RC_CHANNEL_TEMPLATES:
		names = rs__choices(rs_channel_names);
		json_object_set_new(s, "propertyNames", json_pack("{s:o}", "enum", names));
		json_object_set_new(s, "additionalProperties",
				    json_pack("{s:s, s:s}", "type", "string", "format", "template"));
		break;
	}
}

static json_t *rs__param_schema(const struct rparam *p)
{
	json_t *s = NULL, *items = NULL;

	switch (p->type) {
	case RP_INT_ARRAY:
	case RP_ID_ARRAY:
	case RP_STRING_ARRAY:
	case RP_OBJECT_ARRAY:
		items = p->type == RP_OBJECT_ARRAY
				? rs_object_schema(p->items, p->nitems, NULL, NULL)
				: rs__scalar_schema(p, p->type);
		s = json_pack("{s:s, s:o?, s:i}", "type", "array", "items", items, "maxItems",
			      RP_MAX_ITEMS);
		if (s && (p->flags & RP_MIN_ITEMS))
			json_object_set_new(s, "minItems", json_integer(1));
		if (s && (p->flags & RP_UNIQUE))
			json_object_set_new(s, "uniqueItems", json_true());
		break;
	default:
		s = rs__scalar_schema(p, p->type);
		if (s)
			rs__format(s, p->check);
		break;
	}
	if (!s)
		return NULL;
	if (p->def)
		json_object_set_new(s, "default", json_loads(p->def, JSON_DECODE_ANY, NULL));
	if (p->help)
		json_object_set_new(s, "description", json_string(p->help));
	return s;
}

json_t *rs_object_schema(const struct rparam *params, size_t n, const char *const *one_of,
			 json_t **defaults)
{
	json_t *props = json_object(), *required = json_array(), *defs = json_object();
	json_t *schema = NULL;

	if (!props || !required || !defs)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *ps = rs__param_schema(&params[i]);

		if (!ps || json_object_set_new(props, params[i].name, ps) != 0)
			goto out;
		if (params[i].flags & V_REQUIRED)
			json_array_append_new(required, json_string(params[i].name));
		if (params[i].def)
			json_object_set_new(defs, params[i].name,
					    json_loads(params[i].def, JSON_DECODE_ANY, NULL));
	}
	schema = json_pack("{s:s, s:O, s:b}", "type", "object", "properties", props,
			   "additionalProperties", 0);
	/* Older drafts refuse an empty "required". */
	if (schema && json_array_size(required) > 0)
		json_object_set(schema, "required", required);
	if (schema && one_of) {
		json_t *any = json_array();

		for (size_t i = 0; any && one_of[i]; i++)
			json_array_append_new(any, json_pack("{s:[s]}", "required", one_of[i]));
		json_object_set_new(schema, "anyOf", any);
	}
	if (schema && defaults) {
		*defaults = defs;
		defs = NULL;
	}
out:
	json_decref(props);
	json_decref(required);
	json_decref(defs);
	return schema;
}
