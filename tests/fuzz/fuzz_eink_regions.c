/*
 * Template regions from outside (POST / PUT /image/templates): any JSON
 * is checked without a crash, and what passes lies inside the template
 * with font_size_min <= font_size_max.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "eink/regions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eink_region r[EINK_REGIONS_MAX];
	json_t *v, *errs, *back;
	size_t n = 0;
	int w = 800, h = 480;

	if (size > 0) {
		/* The first byte picks the template's size, small ones included. */
		w = 1 + data[0] * 8;
		h = 1 + data[0] * 4;
		data++;
		size--;
	}
	v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	errs = json_array();
	if (!v || !errs)
		goto out;
	if (eink_regions_parse(v, w, h, r, EINK_REGIONS_MAX, &n, errs) == 0) {
		for (size_t i = 0; i < n; i++)
			if (r[i].x + r[i].width > w || r[i].y + r[i].height > h ||
			    r[i].font_size_min > r[i].font_size_max)
				abort();
		back = eink_regions_json(r, n);
		json_decref(back);
	} else if (json_array_size(errs) == 0) {
		abort();
	}
out:
	json_decref(errs);
	json_decref(v);
	return 0;
}
