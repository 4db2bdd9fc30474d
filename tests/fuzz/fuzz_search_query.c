/*
 * libFuzzer target for the search query translator, which reads what
 * people type into the search box.  Checks, besides memory safety: what
 * comes out is bounded, uses only word bytes, spaces and the operators
 * Hearth writes itself (+ - ( ) "), has balanced quotes and parentheses,
 * and is empty exactly when nothing is left to look for.  The compiled
 * query is also matched against the input itself, for memory safety.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "security/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct search_matcher m;
	unsigned seen[SEARCH_TERMS_MAX] = {0};
	char q[SEARCH_QUERY_MAX + 2], out[SEARCH_OUT_MAX];
	const char *fields[2];
	size_t n = size < sizeof(q) - 1 ? size : sizeof(q) - 1;
	int quotes = 0, depth = 0, terms;

	memcpy(q, data, n);
	q[n] = '\0';
	terms = search_boolean_query(q, out, sizeof(out));
	if (strlen(q) > SEARCH_QUERY_MAX) {
		if (terms != -1)
			abort();
		return 0;
	}
	if (terms < 0 || terms > SEARCH_TERMS_MAX || (terms == 0) != (out[0] == '\0'))
		abort();
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		unsigned char c = *p;

		if (c == '"')
			quotes++;
		else if (c == '(')
			depth++;
		else if (c == ')') {
			if (--depth < 0)
				abort();
		} else if (!(c >= 0x80 || c == '_' || c == ' ' || c == '+' || c == '-' ||
			   (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			   (c >= 'A' && c <= 'Z')))
			abort();
	}
	if (quotes % 2 || depth)
		abort();
	if (search_compile(q, &m) != terms)
		abort();
	fields[0] = q;
	fields[1] = out;
	(void)search_match(&m, fields, 2, seen);
	return 0;
}
