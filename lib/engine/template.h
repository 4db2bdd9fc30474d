#ifndef HEARTH_ENGINE_TEMPLATE_H
#define HEARTH_ENGINE_TEMPLATE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

/*
 * Message templates for notification, llm_call and interactive_prompt steps.
 *
 * A placeholder is `{{ path }}`: white space (space, tab, CR, LF) around the
 * path is allowed, the path is one or more segments joined by '.', and a
 * segment is one or more of [A-Za-z0-9_-] or bytes >= 0x80 (UTF-8 keys).
 * A segment names an object member, or, on an array, an element by its
 * decimal index ("persons.0.name").  A path is at most TEMPLATE_MAX_PATH
 * bytes.
 *
 * Rendering a resolved placeholder inserts:
 *   string         its text as is (up to an embedded NUL, if any)
 *   integer        decimal, no ".0"
 *   real           the shortest %g spelling that reads back exactly ("21.5",
 *                  "3" for 3.0)
 *   true / false   "true" / "false"
 *   null           nothing (an empty string)
 *   object, array  compact JSON ({"a":1,"b":[2,3]})
 *
 * Anything else is left as written, so a message still reads sensibly and
 * the mistake is visible in it: a placeholder whose path does not resolve
 * stays exactly as written, a `{{` whose content is not a path is literal
 * text, and so is a `{{` with no `}}` after it.  In a run of braces the last
 * two open the placeholder: `{{{a}}}` renders as "{" value "}".
 */

/* Longest template template_check() accepts, in bytes. */
#define TEMPLATE_MAX_LEN 8192
/* Longest placeholder path, in bytes. */
#define TEMPLATE_MAX_PATH 256

/*
 * Render tmpl against data.  tmpl and data are borrowed; data may be NULL
 * (every placeholder then stays as written).  The output is at most max_len
 * bytes (excluding the NUL); a longer one is cut at max_len or just before,
 * never inside a UTF-8 character.  Pass SIZE_MAX for no bound.
 *
 * Returns a new string the caller frees with free(), or NULL when tmpl is
 * NULL or memory runs out.
 */
char *template_render(const char *tmpl, const json_t *data, size_t max_len);

/*
 * Validate a template when a step is saved, so a typo is a 422 then rather
 * than a wrong message later.  Refuses a NULL template, one over
 * TEMPLATE_MAX_LEN bytes, a `{{` with no `}}` after it, and a placeholder
 * whose content is not a path (`{{}}`, `{{a..b}}`, `{{ a b }}`, a path over
 * TEMPLATE_MAX_PATH bytes).  Whether a path will resolve is not checked:
 * that depends on the run.
 *
 * Returns 0 when the template is acceptable; -1 with a message in err
 * (NUL-terminated, truncated to errlen; err may be NULL when errlen is 0).
 */
int template_check(const char *tmpl, char *err, size_t errlen);

/*
 * Build the `system` object every run carries:
 *   {"local_time": "HH:MM", "local_date": "YYYY-MM-DD",
 *    "local_day_of_week": "Monday", "timezone": tz_name}
 * from now in the process's time zone (localtime_r, so TZ applies).
 * tz_name is borrowed and copied; when NULL the zone's abbreviation from
 * localtime_r ("CET") is used.  Day names are English whatever the locale.
 *
 * Returns a new reference, or NULL when the time cannot be converted,
 * tz_name is not UTF-8, or memory runs out.
 */
json_t *template_system_vars(time_t now, const char *tz_name);

#endif
