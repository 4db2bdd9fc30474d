/*
 * Query strings: "a=1&b=x%20y".  Values are decoded on demand into the
 * caller's buffer, so nothing is allocated per request and a hostile query
 * can cost at most one pass over its bytes per lookup.
 */
#include <stdbool.h>
#include <string.h>

#include "query.h"

/* Names longer than this are never ones the API asks for. */
#define QUERY_NAME_MAX 64

static int query__hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int url_decode(const char *s, size_t len, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return -1;
			hi = query__hex((unsigned char)s[i + 1]);
			lo = query__hex((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		/* A NUL would cut the value short for every C caller, which
		 * is how "admin%00.json" style tricks work: refuse it. */
		if (c == '\0')
			return -1;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/*
 * The next parameter called name from *p on: its value (up to the next
 * '&') in *value and *value_end, *p moved past it.  false when there is
 * none.
 */
static bool query__next(const char **p, const char *name, const char **value,
			const char **value_end)
{
	while (**p) {
		const char *start = *p;
		const char *end = strchrnul(start, '&');
		const char *eq = memchr(start, '=', (size_t)(end - start));
		const char *key_end = eq ? eq : end;
		char key[QUERY_NAME_MAX + 1];

		*p = *end ? end + 1 : end;
		/* Names are compared decoded, so "api%5Fkey" is "api_key":
		 * what a client means is what counts.  A name that does not
		 * decode is simply not the one asked for. */
		if (key_end > start &&
		    url_decode(start, (size_t)(key_end - start), key, sizeof(key)) == 0 &&
		    strcmp(key, name) == 0) {
			*value = eq ? eq + 1 : end;   /* "flag" alone is "flag=" */
			*value_end = end;
			return true;
		}
	}
	return false;
}

int query_get(const char *query, const char *name, char *out, size_t outsz)
{
	const char *p = query, *v, *end;

	if (!query || !name || !query__next(&p, name, &v, &end))
		return 0;
	return url_decode(v, (size_t)(end - v), out, outsz) == 0 ? 1 : -1;
}

size_t query_count(const char *query, const char *name)
{
	const char *p = query, *v, *end;
	size_t n = 0;

	if (!query || !name)
		return 0;
	while (query__next(&p, name, &v, &end))
		n++;
	return n;
}
