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

#endif
