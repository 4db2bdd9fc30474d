#ifndef HEARTH_ISO8601_H
#define HEARTH_ISO8601_H

#include <stdint.h>

/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM|-HHMM)" into
 * milliseconds since the epoch (the fraction is cut to milliseconds; 't'
 * and 'z' are accepted in lower case).  A time without a zone is refused:
 * it means nothing on a box in another one.  Years before 1970 are
 * refused.  0, or -1 when s (borrowed, NUL-terminated) is not such a time.
 */
int iso8601_parse(const char *s, int64_t *ms);

/* A buffer this size holds what iso8601_format() writes. */
#define ISO8601_LEN 32

/*
 * t (seconds since the epoch) as "YYYY-MM-DDTHH:MM:SSZ", the API's form of
 * a time, into out.  0, or -1 when t cannot be represented (out is then
 * "@<t>", still readable in a log or a document).
 */
int iso8601_format(int64_t t, char out[ISO8601_LEN]);

#endif
