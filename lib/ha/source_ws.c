/*
 * A sync's source over Home Assistant's WebSocket API (ha/source_ws.h).
 */
#include <stdio.h>

#include "ha/source_ws.h"
#include "net/ha_ws.h"

/* The result of command, which must be a list. */
static enum herr source__list(struct ha_source_ws *s, const char *command, json_t **out,
			      char *why, size_t whylen)
{
	enum herr e;

	*out = NULL;
	if (!s->ws && !(s->ws = ha_ws_connect(s->cfg, why, whylen)))
		return HERR_UNAVAILABLE;
	e = ha_ws_command(s->ws, command, NULL, out, why, whylen);
	if (e == HERR_OK && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(why, whylen, "Home Assistant's answer to %s is not a list", command);
		return HERR_INVALID;
	}
	return e;
}

static enum herr source__areas(void *arg, json_t **out, char *why, size_t whylen)
{
	return source__list(arg, "config/area_registry/list", out, why, whylen);
}

static enum herr source__entities(void *arg, json_t **out, char *why, size_t whylen)
{
	return source__list(arg, "config/entity_registry/list", out, why, whylen);
}

static enum herr source__devices(void *arg, json_t **out, char *why, size_t whylen)
{
	return source__list(arg, "config/device_registry/list", out, why, whylen);
}

static enum herr source__states(void *arg, json_t **out, char *why, size_t whylen)
{
	return source__list(arg, "get_states", out, why, whylen);
}

static enum herr source__command(void *arg, const char *type, const json_t *extra,
				 json_t **out, char *why, size_t whylen)
{
	struct ha_source_ws *s = arg;

	*out = NULL;
	if (!s->ws && !(s->ws = ha_ws_connect(s->cfg, why, whylen)))
		return HERR_UNAVAILABLE;
	return ha_ws_command(s->ws, type, extra, out, why, whylen);
}

void ha_source_ws_init(struct ha_source_ws *s, const struct hearth_config *cfg)
{
	*s = (struct ha_source_ws){{s, source__areas, source__entities, source__devices,
				    source__states, source__command}, cfg, NULL};
}

void ha_source_ws_close(struct ha_source_ws *s)
{
	ha_ws_close(s->ws);
	s->ws = NULL;
}
