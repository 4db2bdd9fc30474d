#ifndef HEARTH_QUERY_H
#define HEARTH_QUERY_H

#include <stddef.h>

/*
 * Query-string access: find name in "a=1&b=x%20y" and percent-decode its
 * value ('+' is a space) into out.  Returns 1 when found, 0 when absent,
 * -1 when the value is malformed (bad %XX, embedded NUL) or does not fit.
 * A name given twice: the first wins.
 */
int query_get(const char *query, const char *name, char *out, size_t outsz);

/* How many times name is given in query (names compared decoded, as
 * query_get does: "api%5Fkey" is "api_key"); 0 for a NULL query. */
size_t query_count(const char *query, const char *name);

/* Percent-decode len bytes of s into out; -1 on malformed input or overflow. */
int url_decode(const char *s, size_t len, char *out, size_t outsz);

#endif
