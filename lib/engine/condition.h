#ifndef HEARTH_ENGINE_CONDITION_H
#define HEARTH_ENGINE_CONDITION_H

#include <stddef.h>

#include <jansson.h>

/*
 * Condition expressions, as the condition pipeline step and rule editors use
 * them.  The text comes from users, so it is parsed once by a small
 * recursive-descent parser into a tree, and that tree is evaluated against
 * pipeline_data as often as needed.  Nothing is ever executed.
 *
 * Grammar, loosest binding first:
 *
 *   expr     := and { ("or" | "||") and }
 *   and      := cmp { ("and" | "&&") cmp }
 *   cmp      := unary [ ("==" | "!=" | ">" | "<" | ">=" | "<=") unary ]
 *   unary    := ("not" | "!") unary | primary
 *   primary  := "(" expr ")" | number | string | "true" | "false" | "null"
 *             | "exists" "(" path ")" | "contains" "(" path "," operand ")"
 *             | path
 *   operand  := number | string | "true" | "false" | "null" | path
 *   path     := word { "." (word | digits) }      word := [A-Za-z_][A-Za-z0-9_]*
 *
 * "not" binds tighter than a comparison, as "!" does in C: "not a == b" is
 * "(not a) == b"; write "not (a == b)".  Comparisons do not chain ("a < b < c"
 * is refused).  Keywords are lower case.  Numbers are decimal integers or
 * reals ("-3", "0.5", "1e3").  Strings take single or double quotes and the
 * escapes \\ \' \" \/ \n \r \t and \uXXXX (not \u0000, not surrogates).
 *
 * Paths read the document: "scene.hazards.0.level" walks objects by key and
 * arrays by index; ".count" on an array is its length (on an object it is
 * the key "count").  A path that leads nowhere is null.
 *
 * Semantics:
 *   - numbers compare numerically (1 == 1.0), strings bytewise; true, false
 *     and null equal only themselves; arrays and objects compare by value;
 *   - operands of different types are never equal, so "==" is false and "!="
 *     true; the ordering operators are false unless both sides are numbers
 *     or both are strings;
 *   - a bare operand is false when it is null, false, 0, "", [] or {};
 *   - exists(p) is true when p leads to a value other than null;
 *   - contains(p, v): p an array with an element equal to v, p a string with
 *     v as a substring, or p an object with v as a key.
 */

/* Limits that keep hostile input from costing more than a bounded stack and
 * a bounded amount of memory. */
#define COND_MAX_LEN 4096  /* bytes of expression text */
#define COND_MAX_DEPTH 64  /* nested parentheses, "not"s and function calls */

struct cond;

/*
 * Parse text (borrowed) into a new condition, owned by the caller and freed
 * with cond_free().  On a syntax error, or when the text is too long or too
 * deeply nested, returns NULL and, when err is not NULL, writes a message
 * such as "at column 7: expected ')'" into err (at most errlen bytes, always
 * terminated).  Columns count bytes from 1.
 */
struct cond *cond_parse(const char *text, char *err, size_t errlen);

/*
 * Evaluate c against data (both borrowed; data may be NULL, when every path
 * is null).  Returns 1 when the condition holds, 0 when it does not.
 * Evaluation never fails and allocates nothing.
 */
int cond_eval(const struct cond *c, const json_t *data);

/* Free c and everything it owns; NULL is allowed. */
void cond_free(struct cond *c);

#endif
