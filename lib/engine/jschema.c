/*
 * The JSON Schema subset of jschema.h.  Paths in messages are built as the
 * walk goes down, in a fixed buffer: a path too long to show is cut, the
 * check itself is not.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "jschema.h"

#define JSCHEMA_PATH_MAX 192

struct jwalk {
	char path[JSCHEMA_PATH_MAX];
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int jschema__fail(struct jwalk *w, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (w->err && w->errlen > 0)
		snprintf(w->err, w->errlen, "%s: %s", w->path, what);
	return -1;
}

/* Whether value has the type named (JSON Schema's names; an integer is
 * also a number, a real with no fraction is also an integer). */
static bool jschema__is_type(const json_t *value, const char *name)
{
	if (!strcmp(name, "object"))
		return json_is_object(value);
	if (!strcmp(name, "array"))
		return json_is_array(value);
	if (!strcmp(name, "string"))
		return json_is_string(value);
	if (!strcmp(name, "number"))
		return json_is_number(value);
	if (!strcmp(name, "integer")) {
		double d;

		if (json_is_integer(value))
			return true;
		if (!json_is_real(value))
			return false;
		d = json_real_value(value);
		return d == (double)(long long)d && d > -9.2e18 && d < 9.2e18;
	}
	if (!strcmp(name, "boolean"))
		return json_is_boolean(value);
	if (!strcmp(name, "null"))
		return json_is_null(value);
	return false;
}

static const char *jschema__type_name(const json_t *value)
{
	switch (json_typeof(value)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int jschema__type(struct jwalk *w, const json_t *type, const json_t *value)
{
	const json_t *t;
	size_t i;

	if (json_is_string(type)) {
		if (jschema__is_type(value, json_string_value(type)))
			return 0;
		return jschema__fail(w, "expected %s, got %s", json_string_value(type),
				     jschema__type_name(value));
	}
	if (!json_is_array(type))
		return 0;
	json_array_foreach(type, i, t)
		if (json_is_string(t) && jschema__is_type(value, json_string_value(t)))
			return 0;
	return jschema__fail(w, "%s is none of the types allowed", jschema__type_name(value));
}

static int jschema__walk(struct jwalk *w, const json_t *schema, const json_t *value, int depth);

/* Walk into a member or element: the path grows by what (".key", "[3]")
 * and is put back afterwards. */
static int jschema__child(struct jwalk *w, const char *what, const json_t *schema,
			  const json_t *value, int depth)
{
	size_t len = strlen(w->path);
	int rv;

	snprintf(w->path + len, sizeof(w->path) - len, "%s", what);
	rv = jschema__walk(w, schema, value, depth + 1);
	w->path[len] = '\0';
	return rv;
}

static int jschema__walk(struct jwalk *w, const json_t *schema, const json_t *value, int depth)
{
	const json_t *t, *sub, *props, *req, *items, *en;
	const char *key;
	char step[80];
	size_t i;

	if (!json_is_object(schema))
		return 0;
	if (depth > JSCHEMA_MAX_DEPTH)
		return jschema__fail(w, "nested deeper than %d levels", JSCHEMA_MAX_DEPTH);
	if ((t = json_object_get(schema, "type")) && jschema__type(w, t, value) != 0)
		return -1;
	en = json_object_get(schema, "enum");
	if (json_is_array(en)) {
		bool found = false;

		json_array_foreach(en, i, t)
			if (json_equal((json_t *)t, (json_t *)value)) {
				found = true;
				break;
			}
		if (!found)
			return jschema__fail(w, "is not one of the enum values");
	}
	if (json_is_object(value)) {
		req = json_object_get(schema, "required");
		json_array_foreach(req, i, t)
			if (json_is_string(t) && !json_object_get(value, json_string_value(t)))
				return jschema__fail(w, "the required key \"%.64s\" is missing",
						     json_string_value(t));
		props = json_object_get(schema, "properties");
		if (json_is_object(props))
			json_object_foreach((json_t *)props, key, sub) {
				const json_t *v = json_object_get(value, key);

				if (!v)
					continue;
				snprintf(step, sizeof(step), ".%.64s", key);
				if (jschema__child(w, step, sub, v, depth) != 0)
					return -1;
			}
	}
	if (json_is_array(value) && json_is_object(items = json_object_get(schema, "items")))
		json_array_foreach(value, i, t) {
			snprintf(step, sizeof(step), "[%zu]", i);
			if (jschema__child(w, step, items, t, depth) != 0)
				return -1;
		}
	return 0;
}

int jschema_check(const json_t *schema, const json_t *value, char *err, size_t errlen)
{
	struct jwalk w = { .path = "$", .err = err, .errlen = errlen };

	if (err && errlen > 0)
		err[0] = '\0';
	if (!value)
		return jschema__fail(&w, "no value");
	return jschema__walk(&w, schema, value, 0);
}
