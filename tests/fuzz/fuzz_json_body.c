/*
 * libFuzzer target for JSON request bodies: parse as the dispatcher does,
 * then validate against the room, sensor and API key tables, merge as a
 * partial update does, and check every sensor type's config rules.
 * No crash, no leak, and the counts validation returns match what it
 * reports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "handlers/fields.h"
#include "sensor_types.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A problem count that disagrees with the problems listed is a bug. */
static void fuzz__check_count(json_t *errs, size_t before, size_t n)
{
	if (json_array_size(errs) - before != n)
		abort();
}

static void fuzz__table(const json_t *body, const struct vfield *fields, size_t nfields,
			json_t *errs)
{
	size_t before;

	for (int partial = 0; partial <= 1; partial++) {
		before = json_array_size(errs);
		fuzz__check_count(errs, before,
				  validate_object(body, at_body, fields, nfields, partial, errs));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body, *errs, *current = NULL, *merged = NULL;
	const json_t *config;
	char *text;

	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!body)
		return 0;
	errs = json_array();
	if (!errs)
		goto out;

	fuzz__table(body, room_fields, room_fields_count, errs);
	fuzz__table(body, sensor_fields, sensor_fields_count, errs);
	fuzz__table(body, api_key_fields, api_key_fields_count, errs);

	/* A partial update of a stored sensor, then the merged result. */
	current = json_pack("{s:I, s:s, s:s, s:n, s:s, s:n, s:b, s:{}}", "id", (json_int_t)1,
			    "name", "Front door", "sensor_type", "reed_switch", "room_id",
			    "source", "gpio", "external_id", "enabled", 1, "config");
	if (current && json_is_object(body)) {
		merged = fields_merge(current, body, sensor_fields, sensor_fields_count);
		if (merged)
			fuzz__table(merged, sensor_fields, sensor_fields_count, errs);
	}

	/* The body's config when it has one, else the body itself as a config. */
	config = json_is_object(body) && json_object_get(body, "config") ?
		 json_object_get(body, "config") : body;
	for (size_t i = 0; i < sensor_types_count(); i++) {
		size_t before = json_array_size(errs);

		fuzz__check_count(errs, before,
				  sensor_type_validate_config(sensor_type_at(i), config, errs));
	}

	/* What a 422 would send must serialise. */
	text = json_dumps(errs, JSON_COMPACT);
	if (!text && json_array_size(errs) > 0)
		abort();
	free(text);
out:
	json_decref(merged);
	json_decref(current);
	json_decref(errs);
	json_decref(body);
	return 0;
}
