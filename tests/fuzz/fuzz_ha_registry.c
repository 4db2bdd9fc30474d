/*
 * libFuzzer target for what Hearth makes of Home Assistant's registry
 * (ha/registry.c): the answers of get_states, get_services and the helper
 * domains' <domain>/list, read from a server on the network, and a helper
 * to create, read from a request body.  The input is one JSON document:
 * {"states": ..., "services": ..., "helpers": ...} for the first, and the
 * whole document as a helper body for the second.  Checks, besides memory
 * safety:
 *   - an answer refused always says why, one taken gives items each with
 *     a kind, an item_id, a domain and a name;
 *   - the plan against nothing creates every item, and against the rows
 *     it would have written leaves every item unchanged;
 *   - a helper check reports as many problems as it appended.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ha/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void plan(const json_t *items)
{
	size_t n = json_array_size(items), i;
	struct ha_reg_step *steps = calloc(2 * n + 1, sizeof(*steps));
	struct ha_reg_row *rows = calloc(n + 1, sizeof(*rows));
	struct ha_counts c;
	const json_t *v;
	int k;

	if (!steps || !rows)
		abort();
	k = ha_plan_registry(items, NULL, 0, steps, &c);
	if (k >= 0 && (c.created != n || (size_t)k != n))
		abort();
	if (k < 0)
		goto out;
	json_array_foreach(items, i, v)
		rows[i] = (struct ha_reg_row){(int64_t)i + 1, (char *)str(v, "kind"),
					      (char *)str(v, "item_id"), (char *)str(v, "domain"),
					      (char *)str(v, "name"), (char *)str(v, "ha_id"),
					      (char *)str(v, "state"), steps[i].data, false};
	k = ha_plan_registry(items, rows, n, steps + n, &c);
	if (k < 0 || c.unchanged != n || c.created || c.updated || c.missing)
		abort();
	ha_reg_steps_free(steps + n, (size_t)k);
	k = (int)n;
out:
	ha_reg_steps_free(steps, k > 0 ? (size_t)k : 0);
	free(steps);
	free(rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL), *items, *errs, *v;
	char why[256];
	size_t i, before;

	if (!doc)
		return 0;
	why[0] = '\0';
	items = ha_registry_items(json_object_get(doc, "states"), json_object_get(doc, "services"),
				  json_object_get(doc, "helpers"), why, sizeof(why));
	if (!items && !why[0])
		abort();
	json_array_foreach(items, i, v)
		if (!str(v, "kind") || !str(v, "item_id") || !str(v, "domain") || !str(v, "name"))
			abort();
	if (items)
		plan(items);
	json_decref(items);

	errs = json_array();
	before = json_array_size(errs);
	if (ha_helper_check(doc, errs) != json_array_size(errs) - before)
		abort();
	json_decref(errs);
	json_decref(doc);
	return 0;
}
