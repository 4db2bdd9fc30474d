#ifndef HEARTH_VALIDATE_H
#define HEARTH_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Validation of outside input, reporting every problem at once in the 422
 * format:  [{"loc": ["body", "config", "gpio"], "msg": "...", "type": "..."}]
 * Types follow the usual names: missing, extra_forbidden, string_type,
 * int_type, bool_type, dict_type, string_too_short, string_too_long,
 * greater_than_equal, less_than_equal, enum, value_error.
 */

/* loc prefixes are NULL-terminated arrays of borrowed strings, e.g.
 * (const char *[]){"body", "config", NULL}. */

/* Append one problem to errs (a JSON array, borrowed).  field may be NULL
 * (the problem is about the prefix itself). */
__attribute__((format(printf, 5, 6)))
void verr_add(json_t *errs, const char *const *prefix, const char *field,
	      const char *type, const char *fmt, ...);

/* Append an "enum" problem: "Input should be 'a', 'b' or 'c'".  choices is
 * a NULL-terminated array of borrowed strings. */
void verr_enum(json_t *errs, const char *const *prefix, const char *field,
	       const char *const *choices);

enum vtype {
	V_STRING,   /* min/max: length in characters (code points) */
	V_INT,      /* min/max: inclusive range */
	V_ID,       /* positive integer id: 1..INT64_MAX */
	V_BOOL,
	V_OBJECT,   /* any JSON object (checked further by the caller) */
};

enum {
	V_REQUIRED = 1 << 0,  /* must be present unless validating a partial update */
	V_NULLABLE = 1 << 1,  /* null accepted */
	V_NONEMPTY = 1 << 2,  /* V_STRING: not empty after trimming white space */
};

struct vfield {
	const char *name;
	enum vtype type;
	unsigned flags;
	long long min, max;      /* 0, 0 = no bound */
	const char *const *choices; /* V_STRING: NULL-terminated allowed values, or NULL */
};

/*
 * Check that obj is a JSON object whose keys are all in fields, each of the
 * right type and within bounds, and (unless partial) that every V_REQUIRED
 * field is present.  Problems are appended to errs under prefix.  Returns
 * the number of problems added.  obj and fields are borrowed.
 */
size_t validate_object(const json_t *obj, const char *const *prefix,
		       const struct vfield *fields, size_t nfields, bool partial,
		       json_t *errs);

/* Number of UTF-8 code points in s (Jansson guarantees valid UTF-8). */
size_t utf8_length(const char *s, size_t bytes);

/* Bytes taken by the first max_chars characters of UTF-8 text s. */
size_t utf8_prefix(const char *s, size_t max_chars);

/* Copy at most max_chars characters of src into dst (size bytes, size >
 * 0), never cutting one, also when size is what stops it.  For columns
 * that count characters: a title of VARCHAR(256) takes 256 of them. */
void utf8_copy_chars(char *dst, size_t size, const char *src, size_t max_chars);

/* Drop an incomplete UTF-8 sequence from the end of s, as a bounded
 * snprintf leaves when it cuts a message that quotes a name: the database
 * refuses such text in a utf8mb4 column and JSON cannot carry it. */
void utf8_trim_cut(char *s);

/* Parse a decimal int64 in full ("12", not "12x", no sign unless allowed).
 * 0 and *out, or -1. */
int parse_int64(const char *s, int64_t *out);

#endif
