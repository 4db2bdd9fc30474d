/* libFuzzer: a MAC address from a request path never crashes, and what is
 * accepted is exactly the kept form and reads back as itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[MAC_TEXT_LEN + 1], again[MAC_TEXT_LEN + 1];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (mac_normalize(s, out)) {
		if (strlen(out) != MAC_TEXT_LEN || !mac_normalize(out, again) ||
		    strcmp(out, again) != 0 || strspn(out, "0123456789abcdef:") != MAC_TEXT_LEN)
			abort();
	} else if (out[0]) {
		abort();
	}
	free(s);
	return 0;
}
