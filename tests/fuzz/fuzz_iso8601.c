/* libFuzzer: ISO 8601 date-times from request bodies never crash, and what
 * is accepted lies in the range the parser promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iso8601.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	int64_t ms;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* Years 1970..9999 with offsets up to a day either way. */
	if (iso8601_parse(s, &ms) == 0 &&
	    (ms < -INT64_C(86400000) || ms > INT64_C(253402387200000)))
		abort();
	free(s);
	return 0;
}
