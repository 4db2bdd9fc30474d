/*
 * libFuzzer target for pagination cursors and base64url, the two things a
 * client hands back to us as opaque text.  Checks, besides memory safety:
 * decoding is canonical (what decodes re-encodes to the same text), and a
 * cursor that verifies is one we could have made.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char fuzz_secret[32] = "fuzz-secret-fuzz-secret-fuzz-se";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char raw[256];
	char text[512];
	char *s;
	size_t n = 0;
	int64_t id = -1;

	/* base64url into a buffer that may be too small, then round trip. */
	if (b64url_decode((const char *)data, size, raw, size % 2 ? 8 : sizeof(raw), &n) == 0) {
		if (n > sizeof(raw) || b64url_encode(raw, n, text, sizeof(text)) != size ||
		    memcmp(text, data, size) != 0)
			abort();
	}

	/* As a cursor: a NUL-terminated string, as the query decoder gives it. */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cursor_decode(fuzz_secret, sizeof(fuzz_secret), "rooms", s, &id) == 0) {
		char again[CURSOR_MAX];

		if (id < 0 || cursor_encode(fuzz_secret, sizeof(fuzz_secret), "rooms", id, again,
					    sizeof(again)) != 0 ||
		    strcmp(again, s) != 0)
			abort();
	}
	free(s);
	return 0;
}
