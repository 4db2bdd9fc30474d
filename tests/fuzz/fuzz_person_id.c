/*
 * libFuzzer target for the person-identification service's /identify
 * answer (net/person_id.c), read from a server on the network.  The first
 * byte picks the threshold and whether a target list applies.  Checks,
 * besides memory safety: every detection kept has a positive integer
 * person_id, a confidence within [threshold, 1], and a bbox that is null
 * or four numbers; an error always comes with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "net/person_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double threshold = size ? (data[0] & 0x7f) / 127.0 : 0.5;
	json_t *targets = size && (data[0] & 0x80) ? json_pack("[i, i]", 1, 3) : json_array();
	char err[256];
	json_t *dets, *d;
	size_t i;

	if (size)
		data++, size--;
	dets = person_id_parse_answer((const char *)data, size, threshold, targets, err,
				      sizeof(err));
	if (!dets && !err[0])
		abort();
	json_array_foreach(dets, i, d) {
		const json_t *bbox = json_object_get(d, "bbox");
		double c = json_real_value(json_object_get(d, "confidence"));

		if (json_integer_value(json_object_get(d, "person_id")) <= 0 || c < threshold ||
		    c > 1.0 || !(json_is_null(bbox) || json_array_size(bbox) == 4))
			abort();
	}
	json_decref(dets);
	json_decref(targets);
	return 0;
}
