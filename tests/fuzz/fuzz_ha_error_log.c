/*
 * libFuzzer target for Home Assistant's error log (ha/error_log.c), text
 * Hearth reads from a server on the network.  Checks, besides memory
 * safety: an answer always comes (there is memory), every entry has its
 * fields as strings Jansson took (so valid UTF-8), a count of at least 1,
 * and no more entries than the limit asked for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ha/error_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t limit = size ? data[0] % 8 : 0, i;
	json_t *log = ha_error_log_parse((const char *)data, size, HA_LOG_DEBUG, limit), *e;

	if (!log)
		abort();
	if (limit && json_array_size(json_object_get(log, "entries")) > limit)
		abort();
	json_array_foreach(json_object_get(log, "entries"), i, e) {
		if (!json_is_string(json_object_get(e, "time")) ||
		    !json_is_string(json_object_get(e, "level")) ||
		    !json_is_string(json_object_get(e, "logger")) ||
		    !json_is_string(json_object_get(e, "message")) ||
		    json_integer_value(json_object_get(e, "count")) < 1)
			abort();
	}
	json_decref(log);
	return 0;
}
