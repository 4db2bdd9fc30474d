/* Reading the person-identification service's answers (person_id.h). */
#include <stdbool.h>
#include <stdio.h>

#include "net/person_id.h"

static bool person_id__targeted(const json_t *targets, json_int_t id)
{
	const json_t *t;
	size_t i;

	if (json_array_size(targets) == 0)
		return true;
	json_array_foreach(targets, i, t)
		if (json_is_integer(t) && json_integer_value(t) == id)
			return true;
	return false;
}

/* A bbox of four finite numbers, copied; else null. */
static json_t *person_id__bbox(const json_t *bbox)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(bbox) || json_array_size(bbox) != 4)
		return json_null();
	json_array_foreach(bbox, i, v)
		if (!json_is_number(v))
			return json_null();
	return json_deep_copy(bbox);
}

json_t *person_id_parse_answer(const char *body, size_t len, double threshold,
			       const json_t *targets, char *err, size_t errlen)
{
	json_t *root = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *out = NULL;
	const json_t *dets, *d;
	size_t i;

	if (err && errlen)
		err[0] = '\0';
	dets = json_object_get(root, "detections");
	if (!json_is_object(root) || !json_is_array(dets)) {
		snprintf(err, errlen, "the person-ID service's answer has no detections array");
		goto out;
	}
	if (!(out = json_array())) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	json_array_foreach(dets, i, d) {
		const json_t *id = json_object_get(d, "person_id");
		const json_t *conf = json_object_get(d, "confidence");
		const json_t *name = json_object_get(d, "name");
		double c;

		if (!json_is_integer(id) || json_integer_value(id) <= 0 || !json_is_number(conf))
			continue;
		c = json_number_value(conf);
		if (!(c >= threshold && c <= 1.0) ||
		    !person_id__targeted(targets, json_integer_value(id)))
			continue;
		if (json_array_append_new(out, json_pack("{s:O, s:o, s:f, s:o}", "person_id", id,
							 "name",
							 json_is_string(name) ? json_deep_copy(name)
									      : json_null(),
							 "confidence", c, "bbox",
							 person_id__bbox(json_object_get(d, "bbox")))) != 0) {
			json_decref(out);
			out = NULL;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
out:
	json_decref(root);
	return out;
}
