/*
 * Template regions from JSON (regions.h).  Every problem is reported, not
 * only the first, so a form can mark all its wrong fields at once.
 */
#include "eink/regions.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One problem at ["body", "regions", idx, key] (key NULL: the region). */
__attribute__((format(printf, 5, 6)))
static void regions__problem(json_t *errs, long idx, const char *key, const char *type,
			     const char *fmt, ...)
{
	char msg[256];
	json_t *loc = json_pack("[s, s]", "body", "regions");
	va_list ap;

	if (!loc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (idx >= 0)
		json_array_append_new(loc, json_integer(idx));
	if (key)
		json_array_append_new(loc, json_string(key));
	json_array_append_new(errs, json_pack("{s:o, s:s, s:s}", "loc", loc, "msg", msg,
					      "type", type));
}

/* An integer key in [lo, hi]; def when absent and has_def.  1 = problem. */
static size_t regions__int(const json_t *obj, long idx, const char *key, long long lo,
			   long long hi, bool has_def, int def, int *out, json_t *errs)
{
	const json_t *v = json_object_get(obj, key);
	long long x;

	if (!v) {
		if (has_def) {
			*out = def;
			return 0;
		}
		regions__problem(errs, idx, key, "missing", "Field required");
		return 1;
	}
	if (!json_is_integer(v)) {
		regions__problem(errs, idx, key, "int_type", "Input should be a valid integer");
		return 1;
	}
	x = json_integer_value(v);
	if (x < lo || x > hi) {
		regions__problem(errs, idx, key, x < lo ? "greater_than_equal" : "less_than_equal",
				 "Input should be between %lld and %lld", lo, hi);
		return 1;
	}
	*out = (int)x;
	return 0;
}

static size_t regions__color(const json_t *obj, long idx, const char *key,
			     const uint8_t def[4], uint8_t out[4], json_t *errs)
{
	const json_t *v = json_object_get(obj, key);

	if (!v) {
		memcpy(out, def, 4);
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) != 4)
		goto bad;
	for (size_t i = 0; i < 4; i++) {
		const json_t *c = json_array_get(v, i);

		if (!json_is_integer(c) || json_integer_value(c) < 0 ||
		    json_integer_value(c) > 255)
			goto bad;
		out[i] = (uint8_t)json_integer_value(c);
	}
	return 0;
bad:
	regions__problem(errs, idx, key, "value_error",
			 "Input should be [r, g, b, a], four integers from 0 to 255");
	return 1;
}

static const char *const region_keys[] = {
	"name", "x", "y", "width", "height", "font_size_max", "font_size_min", "align",
	"bg_color", "text_color", "multiline", NULL,
};

static size_t regions__one(const json_t *obj, long idx, int width, int height,
			   struct eink_region *r, json_t *errs)
{
	static const uint8_t bg_def[4] = {0, 0, 0, 160}, fg_def[4] = {255, 255, 255, 255};
	const char *key;
	const json_t *v;
	size_t problems = 0, before;

	memset(r, 0, sizeof(*r));
	json_object_foreach((json_t *)obj, key, v) {
		size_t k;

		for (k = 0; region_keys[k]; k++)
			if (strcmp(key, region_keys[k]) == 0)
				break;
		if (!region_keys[k]) {
			regions__problem(errs, idx, key, "extra_forbidden",
					 "Extra inputs are not permitted");
			problems++;
		}
	}
	v = json_object_get(obj, "name");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > EINK_REGION_NAME_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		regions__problem(errs, idx, "name", v ? "string_type" : "missing",
				 v ? "Input should be a name of 1 to %d characters"
				   : "Field required", EINK_REGION_NAME_MAX);
		problems++;
	} else {
		memcpy(r->name, json_string_value(v), json_string_length(v) + 1);
	}
	before = problems;
	problems += regions__int(obj, idx, "x", 0, EINK_SIZE_MAX - 1, false, 0, &r->x, errs);
	problems += regions__int(obj, idx, "y", 0, EINK_SIZE_MAX - 1, false, 0, &r->y, errs);
	problems += regions__int(obj, idx, "width", 1, EINK_SIZE_MAX, false, 0, &r->width, errs);
	problems += regions__int(obj, idx, "height", 1, EINK_SIZE_MAX, false, 0, &r->height,
				 errs);
	if (problems == before) {
		if (r->x + r->width > width) {
			regions__problem(errs, idx, "width", "value_error",
					 "The region should end inside the template: x + width "
					 "is at most %d", width);
			problems++;
		}
		if (r->y + r->height > height) {
			regions__problem(errs, idx, "height", "value_error",
					 "The region should end inside the template: y + height "
					 "is at most %d", height);
			problems++;
		}
	}
	before = problems;
	problems += regions__int(obj, idx, "font_size_max", EINK_FONT_SIZE_MIN,
				 EINK_FONT_SIZE_MAX, true, 48, &r->font_size_max, errs);
	problems += regions__int(obj, idx, "font_size_min", EINK_FONT_SIZE_MIN,
				 EINK_FONT_SIZE_MAX, true, 12, &r->font_size_min, errs);
	if (problems == before && r->font_size_min > r->font_size_max) {
		regions__problem(errs, idx, "font_size_min", "value_error",
				 "font_size_min should be at most font_size_max");
		problems++;
	}
	v = json_object_get(obj, "align");
	r->align = EINK_ALIGN_CENTER;
	if (v) {
		const char *s = json_string_value(v);

		if (s && strcmp(s, "left") == 0)
			r->align = EINK_ALIGN_LEFT;
		else if (s && strcmp(s, "right") == 0)
			r->align = EINK_ALIGN_RIGHT;
		else if (!s || strcmp(s, "center") != 0) {
			regions__problem(errs, idx, "align", "enum",
					 "Input should be 'left', 'center' or 'right'");
			problems++;
		}
	}
	problems += regions__color(obj, idx, "bg_color", bg_def, r->bg, errs);
	problems += regions__color(obj, idx, "text_color", fg_def, r->fg, errs);
	v = json_object_get(obj, "multiline");
	r->multiline = true;
	if (v) {
		if (!json_is_boolean(v)) {
			regions__problem(errs, idx, "multiline", "bool_type",
					 "Input should be a valid boolean");
			problems++;
		} else {
			r->multiline = json_is_true(v);
		}
	}
	return problems;
}

size_t eink_regions_parse(const json_t *regions, int width, int height,
			  struct eink_region *out, size_t max, size_t *n, json_t *errs)
{
	size_t problems = 0, count;

	*n = 0;
	if (!json_is_array(regions)) {
		regions__problem(errs, -1, NULL, "list_type", "Input should be a list of regions");
		return 1;
	}
	count = json_array_size(regions);
	if (count > max || count > EINK_REGIONS_MAX) {
		regions__problem(errs, -1, NULL, "too_long", "At most %d regions",
				 EINK_REGIONS_MAX);
		return 1;
	}
	for (size_t i = 0; i < count; i++) {
		const json_t *obj = json_array_get(regions, i);
		size_t p;

		if (!json_is_object(obj)) {
			regions__problem(errs, (long)i, NULL, "dict_type",
					 "Input should be an object");
			problems++;
			continue;
		}
		p = regions__one(obj, (long)i, width, height, &out[i], errs);
		problems += p;
		if (p == 0 && out[i].name[0])
			for (size_t j = 0; j < i; j++)
				if (strcmp(out[j].name, out[i].name) == 0) {
					regions__problem(errs, (long)i, "name", "value_error",
							 "Another region has this name");
					problems++;
					break;
				}
	}
	if (problems == 0)
		*n = count;
	return problems;
}

const char *eink_align_name(enum eink_align a)
{
	return a == EINK_ALIGN_LEFT ? "left" : a == EINK_ALIGN_RIGHT ? "right" : "center";
}

json_t *eink_regions_json(const struct eink_region *r, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		const struct eink_region *g = &r[i];

		if (json_array_append_new(arr, json_pack(
			"{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:[iiii], s:[iiii], s:b}",
			"name", g->name, "x", g->x, "y", g->y, "width", g->width,
			"height", g->height, "font_size_max", g->font_size_max,
			"font_size_min", g->font_size_min, "align", eink_align_name(g->align),
			"bg_color", g->bg[0], g->bg[1], g->bg[2], g->bg[3],
			"text_color", g->fg[0], g->fg[1], g->fg[2], g->fg[3],
			"multiline", g->multiline)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
