/*
 * libFuzzer target for Home Assistant's WebSocket messages
 * (net/ha_ws_msg.c), which Hearth reads from a server on the network.
 * Checks, besides memory safety:
 *   - a refusal always says why;
 *   - every message is classified, with text that is terminated, free of
 *     control characters and valid UTF-8;
 *   - a result or event has a positive id; an event has its object.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "net/ha_ws_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *msgs = NULL, *one, *check;
	char why[128];
	size_t i;

	why[0] = '\0';
	if (ha_ws_msg_split((const char *)data, size, &msgs, why, sizeof(why)) != 0) {
		if (!why[0] || msgs)
			abort();
		return 0;
	}
	json_array_foreach(msgs, i, one) {
		struct ha_ws_msg m;

		ha_ws_msg_classify(one, &m);
		if (memchr(m.text, '\0', sizeof(m.text)) == NULL)
			abort();
		for (const char *p = m.text; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7F)
				abort();
		check = json_string(m.text);
		if (!check)
			abort();
		json_decref(check);
		if ((m.kind == HA_WS_RESULT || m.kind == HA_WS_EVENT) && m.id <= 0)
			abort();
		if (m.kind == HA_WS_EVENT && !json_is_object(m.event))
			abort();
		if (m.kind == HA_WS_INVALID && !m.text[0])
			abort();
		if (ha_ws_kind_name(m.kind) == NULL)
			abort();
		ha_ws_msg_clear(&m);
	}
	json_decref(msgs);
	return 0;
}
