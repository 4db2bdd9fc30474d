/*
 * Validation of outside input.  The point is the user's side of a 422:
 * every problem at once, each naming where it is and saying in plain words
 * what is wrong ("String should have at most 256 characters"), so a form
 * can mark all its bad fields after one round trip.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

void verr_add(json_t *errs, const char *const *prefix, const char *field,
	      const char *type, const char *fmt, ...)
{
	char msg[512];
	json_t *loc = NULL, *item = NULL;
	va_list ap;
	int n;

	if (!errs)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* A message cut short must not end inside a UTF-8 sequence. */
	if ((size_t)n >= sizeof(msg))
		utf8_trim_cut(msg);

	loc = json_array();
	if (!loc)
		return;
	for (size_t i = 0; prefix && prefix[i]; i++)
		json_array_append_new(loc, json_string(prefix[i]));
	if (field)
		json_array_append_new(loc, json_string(field));

	item = json_pack("{s:o, s:s, s:s}", "loc", loc, "msg", msg, "type", type);
	if (item)
		json_array_append_new(errs, item);
}

size_t utf8_length(const char *s, size_t bytes)
{
	size_t n = 0;

	/* Count every byte that starts a character, i.e. is not 10xxxxxx. */
	for (size_t i = 0; i < bytes; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

size_t utf8_prefix(const char *s, size_t max_chars)
{
	size_t i = 0, chars = 0;

	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max_chars)
			break;
	return i;
}

void utf8_copy_chars(char *dst, size_t size, const char *src, size_t max_chars)
{
	size_t n = utf8_prefix(src, max_chars);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void utf8_trim_cut(char *s)
{
	size_t end = strlen(s), i = end, cont = 0, need;
	unsigned char lead;

	while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0) {
		s[0] = '\0';
		return;
	}
	lead = (unsigned char)s[i - 1];
	need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
	if (lead >= 0xC0 && cont < need)
		s[i - 1] = '\0';       /* the lead byte of a cut character */
	else if (lead < 0xC0 && cont > 0)
		s[i] = '\0';           /* continuation bytes with no lead */
}

int parse_int64(const char *s, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, limit;

	if (!s)
		return -1;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s == '\0')
		return -1;
	/* The magnitude may reach 2^63 only for INT64_MIN. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/* True when s holds nothing but white space. */
static bool validate__blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n\f\v", s[i]))
			return false;
	return true;
}

/*
 * "Input should be 'a', 'b' or 'c'".  Choices are short fixed names, so a
 * truncated message on a pathological table is the worst that can happen.
 */
void verr_enum(json_t *errs, const char *const *prefix, const char *field,
	       const char *const *choices)
{
	char list[400];
	size_t used = 0, n = 0;

	while (choices[n])
		n++;
	list[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof(list); i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(list + used, sizeof(list) - used, "%s'%s'", sep, choices[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	verr_add(errs, prefix, field, "enum", "Input should be %s", list);
}

static size_t validate__string(const json_t *v, const char *const *prefix,
			       const struct vfield *f, json_t *errs)
{
	const char *s = json_string_value(v);
	size_t bytes = json_string_length(v), chars;

	/* Strings end up in C strings and SQL text; a NUL would cut them short. */
	if (memchr(s, '\0', bytes)) {
		verr_add(errs, prefix, f->name, "string_type",
			 "String should not contain NUL characters");
		return 1;
	}
	chars = utf8_length(s, bytes);
	if (f->min > 0 && chars < (unsigned long long)f->min) {
		verr_add(errs, prefix, f->name, "string_too_short",
			 "String should have at least %lld character%s", f->min,
			 f->min == 1 ? "" : "s");
		return 1;
	}
	if (f->max > 0 && chars > (unsigned long long)f->max) {
		verr_add(errs, prefix, f->name, "string_too_long",
			 "String should have at most %lld character%s", f->max,
			 f->max == 1 ? "" : "s");
		return 1;
	}
	if ((f->flags & V_NONEMPTY) && validate__blank(s, bytes)) {
		verr_add(errs, prefix, f->name, "string_too_short",
			 "String should not be empty or only white space");
		return 1;
	}
	if (f->choices) {
		for (size_t i = 0; f->choices[i]; i++)
			if (strcmp(s, f->choices[i]) == 0)
				return 0;
		verr_enum(errs, prefix, f->name, f->choices);
		return 1;
	}
	return 0;
}

/*
 * Integer bounds: {0, 0} means unbounded; otherwise min is always a lower
 * bound and max an upper bound only when max >= min, so {1, 0} reads as
 * "at least 1" rather than as an empty range.
 */
static size_t validate__int(const json_t *v, const char *const *prefix,
			    const struct vfield *f, json_t *errs)
{
	json_int_t n = json_integer_value(v);

	if (f->min == 0 && f->max == 0)
		return 0;
	if (n < f->min) {
		verr_add(errs, prefix, f->name, "greater_than_equal",
			 "Input should be greater than or equal to %lld", f->min);
		return 1;
	}
	if (f->max >= f->min && n > f->max) {
		verr_add(errs, prefix, f->name, "less_than_equal",
			 "Input should be less than or equal to %lld", f->max);
		return 1;
	}
	return 0;
}

/* One present field: its type, then its bounds.  Returns problems added. */
static size_t validate__field(const json_t *v, const char *const *prefix,
			      const struct vfield *f, json_t *errs)
{
	if (json_is_null(v) && (f->flags & V_NULLABLE))
		return 0;

	switch (f->type) {
	case V_STRING:
		if (!json_is_string(v))
			break;
		return validate__string(v, prefix, f, errs);
	case V_INT:
		if (!json_is_integer(v))
			break;
		return validate__int(v, prefix, f, errs);
	case V_ID:
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < 1) {
			verr_add(errs, prefix, f->name, "greater_than_equal",
				 "Input should be greater than or equal to 1");
			return 1;
		}
		return 0;
	case V_BOOL:
		if (json_is_boolean(v))
			return 0;
		break;
	case V_OBJECT:
		if (json_is_object(v))
			return 0;
		break;
	}

	switch (f->type) {
	case V_STRING:
		verr_add(errs, prefix, f->name, "string_type", "Input should be a valid string");
		break;
	case V_INT:
	case V_ID:
		verr_add(errs, prefix, f->name, "int_type", "Input should be a valid integer");
		break;
	case V_BOOL:
		verr_add(errs, prefix, f->name, "bool_type", "Input should be a valid boolean");
		break;
	case V_OBJECT:
		verr_add(errs, prefix, f->name, "dict_type",
			 "Input should be a valid dictionary or object");
		break;
	}
	return 1;
}

size_t validate_object(const json_t *obj, const char *const *prefix,
		       const struct vfield *fields, size_t nfields, bool partial,
		       json_t *errs)
{
	size_t problems = 0;
	const char *key;
	json_t *v;

	if (obj && !json_is_object(obj)) {
		verr_add(errs, prefix, NULL, "dict_type",
			 "Input should be a valid dictionary or object");
		return 1;
	}

	/* Fields in table order, so messages come out in a stable, readable order. */
	for (size_t i = 0; i < nfields; i++) {
		const struct vfield *f = &fields[i];

		v = obj ? json_object_get(obj, f->name) : NULL;
		if (!v) {
			if ((f->flags & V_REQUIRED) && !partial) {
				verr_add(errs, prefix, f->name, "missing", "Field required");
				problems++;
			}
			continue;
		}
		problems += validate__field(v, prefix, f, errs);
	}

	if (!obj)
		return problems;
	json_object_foreach((json_t *)obj, key, v) {
		size_t i;

		for (i = 0; i < nfields; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == nfields) {
			verr_add(errs, prefix, key, "extra_forbidden", "Extra inputs are not permitted");
			problems++;
		}
	}
	return problems;
}
