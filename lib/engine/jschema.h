#ifndef HEARTH_ENGINE_JSCHEMA_H
#define HEARTH_ENGINE_JSCHEMA_H

/*
 * A small JSON Schema validator for the subset llm_call's
 * response_json_schema uses: type (a name or a list of names: object,
 * array, string, number, integer, boolean, null), properties, required,
 * items (one schema for every element) and enum.  Every other keyword is
 * ignored, as a validator must ignore keywords it does not know.  A
 * language model is asked for JSON of that shape; this checks it kept to
 * it before a condition reads the answer.  Pure; unit-tested and fuzzed.
 */
#include <stddef.h>

#include <jansson.h>

/* Deepest nesting of schemas followed; deeper is refused as invalid. */
#define JSCHEMA_MAX_DEPTH 32

/*
 * Whether value (borrowed) conforms to schema (borrowed; a non-object
 * schema accepts everything, as `true` does).  0, or -1 with the first
 * problem in err, naming where it is ("$.rooms[2].level: is not one of
 * the enum values").  err may be NULL when errlen is 0.
 */
int jschema_check(const json_t *schema, const json_t *value, char *err, size_t errlen);

#endif
