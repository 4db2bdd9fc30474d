/*
 * Evaluating a parsed condition against a Jansson document: the semantics
 * of comparisons, truthiness, exists() and contains() are described in
 * condition.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition_tree.h"

/* -------------------------------------------------------------- evaluator */

static struct val cond__json_val(const json_t *j)
{
	struct val v = {.kind = VAL_NULL, .json = j};

	switch (j ? json_typeof(j) : JSON_NULL) {
	case JSON_TRUE:
	case JSON_FALSE:
		v.kind = VAL_BOOL;
		v.b = json_is_true(j);
		break;
	case JSON_INTEGER:
		v.kind = VAL_INT;
		v.i = json_integer_value(j);
		break;
	case JSON_REAL:
		v.kind = VAL_REAL;
		v.r = json_real_value(j);
		break;
	case JSON_STRING:
		v.kind = VAL_STRING;
		v.s = json_string_value(j);
		v.len = json_string_length(j);
		break;
	case JSON_ARRAY:
		v.kind = VAL_ARRAY;
		break;
	case JSON_OBJECT:
		v.kind = VAL_OBJECT;
		break;
	default:
		break;
	}
	return v;
}

/* An array index: decimal digits, small enough to be one. */
static int cond__index(const char *seg, size_t *idx)
{
	size_t n = 0, len = strlen(seg);

	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)seg[i]))
			return -1;
		n = n * 10 + (size_t)(seg[i] - '0');
	}
	*idx = n;
	return 0;
}

static struct val cond__path_value(const struct node *n, const json_t *data)
{
	static const struct val null_val = {.kind = VAL_NULL};
	const json_t *cur = data;
	const char *seg = n->str;
	size_t idx;

	for (size_t i = 0; i < n->nseg; i++, seg += strlen(seg) + 1) {
		if (json_is_object(cur)) {
			cur = json_object_get(cur, seg);
		} else if (json_is_array(cur)) {
			if (strcmp(seg, "count") == 0) {
				struct val v = {.kind = VAL_INT, .i = (json_int_t)json_array_size(cur)};

				return i + 1 == n->nseg ? v : null_val;
			}
			if (cond__index(seg, &idx) < 0)
				return null_val;
			cur = json_array_get(cur, idx);
		} else {
			return null_val;
		}
	}
	return cond__json_val(cur);
}

static int cond__is_number(const struct val *v)
{
	return v->kind == VAL_INT || v->kind == VAL_REAL;
}

static double cond__as_double(const struct val *v)
{
	return v->kind == VAL_INT ? (double)v->i : v->r;
}

static int cond__equal(const struct val *a, const struct val *b)
{
	if (cond__is_number(a) && cond__is_number(b)) {
		if (a->kind == VAL_INT && b->kind == VAL_INT)
			return a->i == b->i;
		return cond__as_double(a) == cond__as_double(b);
	}
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case VAL_NULL:
		return 1;
	case VAL_BOOL:
		return a->b == b->b;
	case VAL_STRING:
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	case VAL_ARRAY:
	case VAL_OBJECT:
		return json_equal(a->json, b->json);
	default:
		return 0;
	}
}

/* Sets *order to <0, 0 or >0; returns 0 when a and b have no order. */
static int cond__order(const struct val *a, const struct val *b, int *order)
{
	if (cond__is_number(a) && cond__is_number(b)) {
		if (a->kind == VAL_INT && b->kind == VAL_INT) {
			*order = (a->i > b->i) - (a->i < b->i);
		} else {
			double x = cond__as_double(a), y = cond__as_double(b);

			*order = (x > y) - (x < y);
		}
		return 1;
	}
	if (a->kind == VAL_STRING && b->kind == VAL_STRING) {
		int r = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);

		*order = r ? r : (a->len > b->len) - (a->len < b->len);
		return 1;
	}
	return 0;
}

static int cond__compare(enum cmp_op op, const struct val *a, const struct val *b)
{
	int order;

	if (op == CMP_EQ)
		return cond__equal(a, b);
	if (op == CMP_NE)
		return !cond__equal(a, b);
	if (!cond__order(a, b, &order))
		return 0;
	switch (op) {
	case CMP_GT: return order > 0;
	case CMP_LT: return order < 0;
	case CMP_GE: return order >= 0;
	case CMP_LE: return order <= 0;
	default: return 0;
	}
}

static int cond__contains(const struct val *hay, const struct val *needle)
{
	switch (hay->kind) {
	case VAL_ARRAY:
		for (size_t i = 0; i < json_array_size(hay->json); i++) {
			struct val e = cond__json_val(json_array_get(hay->json, i));

			if (cond__equal(&e, needle))
				return 1;
		}
		return 0;
	case VAL_STRING:
		return needle->kind == VAL_STRING &&
		       memmem(hay->s, hay->len, needle->s, needle->len) != NULL;
	case VAL_OBJECT:
		return needle->kind == VAL_STRING &&
		       json_object_getn(hay->json, needle->s, needle->len) != NULL;
	default:
		return 0;
	}
}

static int cond__truthy(const struct val *v)
{
	switch (v->kind) {
	case VAL_BOOL: return v->b;
	case VAL_INT: return v->i != 0;
	case VAL_REAL: return v->r != 0.0;
	case VAL_STRING: return v->len > 0;
	case VAL_ARRAY: return json_array_size(v->json) > 0;
	case VAL_OBJECT: return json_object_size(v->json) > 0;
	default: return 0;
	}
}

static int cond__truth(const struct node *n, const json_t *data);

static struct val cond__value(const struct node *n, const json_t *data)
{
	struct val v = {.kind = VAL_BOOL};

	if (n->kind == NODE_LITERAL)
		return n->lit;
	if (n->kind == NODE_PATH)
		return cond__path_value(n, data);
	v.b = cond__truth(n, data);
	return v;
}

static int cond__truth(const struct node *n, const json_t *data)
{
	struct val a, b;

	switch (n->kind) {
	case NODE_LITERAL:
	case NODE_PATH:
		a = cond__value(n, data);
		return cond__truthy(&a);
	case NODE_NOT:
		return !cond__truth(n->kids[0], data);
	case NODE_AND:
		for (size_t i = 0; i < n->nkids; i++)
			if (!cond__truth(n->kids[i], data))
				return 0;
		return 1;
	case NODE_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (cond__truth(n->kids[i], data))
				return 1;
		return 0;
	case NODE_CMP:
		a = cond__value(n->kids[0], data);
		b = cond__value(n->kids[1], data);
		return cond__compare(n->op, &a, &b);
	case NODE_EXISTS:
		a = cond__path_value(n->kids[0], data);
		return a.kind != VAL_NULL;
	case NODE_CONTAINS:
		a = cond__path_value(n->kids[0], data);
		b = cond__value(n->kids[1], data);
		return cond__contains(&a, &b);
	default:
		return 0;
	}
}

int cond_eval(const struct cond *c, const json_t *data)
{
	if (!c)
		return 0;
	return cond__truth(c->root, data);
}
