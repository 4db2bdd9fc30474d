/*
 * /api/v1/pipeline/{step,filter,channel}-types: the engine's registries
 * serialised, so the dashboard builds its step palette and config editors
 * from what the server actually accepts.
 */
#include <stddef.h>

#include "engine/registry.h"
#include "fields.h"
#include "handlers.h"
#include "response.h"

/* Append item (consumed) to *items; on failure drop the list (NULL). */
static void pipeline__append(json_t **items, json_t *item)
{
	if (*items && item && json_array_append_new(*items, item) == 0)
		return;
	json_decref(item);
	json_decref(*items);
	*items = NULL;
}

/* {"items": items} (consumed), or a 500 when anything failed on the way. */
static int pipeline__reply(struct response *r, json_t *items)
{
	return ctx_reply(r, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}

int h_pipeline_step_types(struct ctx *c, struct response *r)
{
	json_t *items = json_array();

	(void)c;
	for (size_t i = 0; items && i < step_types_count(); i++)
		pipeline__append(&items, step_type_to_json(step_type_at(i)));
	return pipeline__reply(r, items);
}

int h_pipeline_filter_types(struct ctx *c, struct response *r)
{
	json_t *items = json_array();

	(void)c;
	for (size_t i = 0; items && i < filter_types_count(); i++)
		pipeline__append(&items, filter_type_to_json(filter_type_at(i)));
	return pipeline__reply(r, items);
}

int h_pipeline_channel_types(struct ctx *c, struct response *r)
{
	json_t *items = json_array();

	(void)c;
	for (size_t i = 0; items && i < channel_types_count(); i++)
		pipeline__append(&items, channel_type_to_json(channel_type_at(i)));
	return pipeline__reply(r, items);
}
