#ifndef HEARTH_ENGINE_CONDITION_TREE_H
#define HEARTH_ENGINE_CONDITION_TREE_H

/*
 * Inside lib/engine only: the tree cond_parse() builds (condition.c) and
 * cond_eval() walks (condition_eval.c).
 */
#include <stddef.h>

#include <jansson.h>

#include "condition.h"

enum cmp_op { CMP_EQ, CMP_NE, CMP_GT, CMP_LT, CMP_GE, CMP_LE };

/* A value during evaluation, or a literal in the tree.  Strings and JSON
 * containers are borrowed from the document or from the node. */
enum val_kind { VAL_NULL, VAL_BOOL, VAL_INT, VAL_REAL, VAL_STRING, VAL_ARRAY, VAL_OBJECT };

struct val {
	enum val_kind kind;
	int b;
	json_int_t i;
	double r;
	const char *s;
	size_t len;
	const json_t *json;
};

enum node_kind {
	NODE_LITERAL,
	NODE_PATH,
	NODE_NOT,      /* kids[0] */
	NODE_CMP,      /* kids[0] op kids[1] */
	NODE_AND,      /* kids[0..nkids) */
	NODE_OR,
	NODE_EXISTS,   /* kids[0] is a path */
	NODE_CONTAINS, /* kids[0] is a path, kids[1] an operand */
};

struct node {
	enum node_kind kind;
	enum cmp_op op;
	struct val lit;      /* NODE_LITERAL; a string points into str */
	char *str;           /* owned: a literal's bytes, or a path's segments, each NUL-terminated */
	size_t nseg;         /* NODE_PATH: number of segments in str */
	struct node **kids;  /* owned */
	size_t nkids;
};

struct cond {
	struct node *root;
};

#endif
