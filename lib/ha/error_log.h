#ifndef HEARTH_HA_ERROR_LOG_H
#define HEARTH_HA_ERROR_LOG_H

/*
 * Home Assistant's error log (GET /api/error_log: home-assistant.log as
 * text) as entries a person can read: one per logged message, with the
 * lines that follow it (a traceback, a multi-line message) kept with it,
 * and the same message logged again folded into one entry with a count.
 * Pure: no I/O, the text comes from the network and is read as untrusted.
 *
 * An entry starts at a line HA's formatter wrote:
 *
 *   2026-01-01 07:59:40.551 ERROR (MainThread) [homeassistant.components.x] text
 *
 * (the thread in parentheses may be missing).  Any other line continues the
 * entry before it; lines before the first entry are not kept.
 */
#include <stddef.h>

#include <jansson.h>

/* Python's logging levels, as HA writes them. */
enum ha_log_level {
	HA_LOG_DEBUG = 10,
	HA_LOG_INFO = 20,
	HA_LOG_WARNING = 30,
	HA_LOG_ERROR = 40,
	HA_LOG_CRITICAL = 50,
};

/* Bounds on what is kept of one entry; longer text is cut (marked). */
#define HA_LOG_MESSAGE_MAX 4096
#define HA_LOG_TRACEBACK_MAX 16384
/* Distinct entries kept; the rest are counted in "dropped". */
#define HA_LOG_ENTRIES_MAX 10000

/* The level called name ("warning", lower case, as the API's ?level=): 0,
 * or -1 when it is none. */
int ha_log_level_parse(const char *name, enum ha_log_level *out);

/* "debug" ... "critical". */
const char *ha_log_level_name(enum ha_log_level level);

/*
 * Parse len bytes of text (borrowed; need not be terminated, may hold any
 * bytes: what is not UTF-8 or is a control character becomes '?').  A new
 * object, NULL only on no memory:
 *
 *   {"entries": [{time, level, thread, logger, message, traceback, count,
 *                 first_seen}, ...],   newest first, at most limit
 *    "total":   entries at min_level or above (before limit),
 *    "counts":  {"debug": n, ..., "critical": n}: lines logged per level,
 *               whatever min_level,
 *    "dropped": entries not kept (past HA_LOG_ENTRIES_MAX)}
 *
 * time is HA's local time as written ("2026-01-01 07:59:40.551"), of the
 * last occurrence; first_seen that of the first (null when count is 1);
 * thread is null when not written; traceback is the lines after the first
 * (null when none).  Entries are the same when level, logger, message and
 * traceback are.  limit 0 means no limit.
 */
json_t *ha_error_log_parse(const char *text, size_t len, enum ha_log_level min_level,
			   size_t limit);

#endif
