#ifndef HEARTH_HA_SOURCE_WS_H
#define HEARTH_HA_SOURCE_WS_H

/*
 * A sync's source (ha/sync.h) over Home Assistant's WebSocket API: one
 * connection, opened on the first read and closed by ha_source_ws_close.
 * In lib/libhearth_ws.a with the client it uses (net/ha_ws.h).
 */
#include "ha/sync.h"

struct hearth_config;
struct ha_ws;

struct ha_source_ws {
	struct ha_source source;        /* what a sync is given */
	const struct hearth_config *cfg;
	struct ha_ws *ws;
};

/* Set s up to read HA as cfg (borrowed until close) says; nothing is
 * connected yet. */
void ha_source_ws_init(struct ha_source_ws *s, const struct hearth_config *cfg);
void ha_source_ws_close(struct ha_source_ws *s);

#endif
