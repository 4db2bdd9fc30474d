/*
 * The one error enum, in words.
 */
#include "err.h"

const char *herr_str(enum herr e)
{
	switch (e) {
	case HERR_OK:          return "ok";
	case HERR_NOT_FOUND:   return "not found";
	case HERR_CONFLICT:    return "conflict";
	case HERR_INVALID:     return "invalid reference";
	case HERR_UNAVAILABLE: return "database unavailable";
	case HERR_SCHEMA:      return "database schema is older than the code";
	case HERR_NOMEM:       return "out of memory";
	case HERR_INTERNAL:    return "internal error";
	}
	return "unknown error";
}
