/*
 * Condition expressions: a lexer and a recursive-descent parser into the
 * small tree of condition_tree.h; condition_eval.c evaluates it.  The
 * grammar and the semantics are described in condition.h.
 *
 * Recursion is bounded: the parser counts nesting (brackets, "not",
 * function calls) against COND_MAX_DEPTH, and "and"/"or" chains become one
 * node with many children instead of a tall tree, so the tree the evaluator
 * and cond_free() walk is never deeper than a few levels per unit of
 * nesting.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition_tree.h"

/* ------------------------------------------------------------------ lexer */

enum tok_kind {
	TOK_END,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_COMMA,
	TOK_CMP,
	TOK_AND,
	TOK_OR,
	TOK_NOT,
	TOK_NUMBER,
	TOK_STRING,
	TOK_TRUE,
	TOK_FALSE,
	TOK_NULL,
	TOK_PATH,
	TOK_FUNC,
};

struct token {
	enum tok_kind kind;
	size_t at;     /* offset of the first byte in the text */
	size_t len;    /* bytes of text */
	enum cmp_op op;
	struct val num;
	char *str;     /* TOK_STRING: decoded bytes, owned until a node takes them */
	size_t slen;
};

struct parser {
	const char *text;
	size_t pos;
	struct token tok;
	int depth;
	int failed;
	char *err;
	size_t errlen;
};

#define NUMBER_MAX 64

__attribute__((format(printf, 3, 4)))
static void cond__fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* The first error is the one worth reporting; later ones are fallout. */
	if (p->failed)
		return;
	p->failed = 1;
	if (!p->err || p->errlen == 0)
		return;
	n = snprintf(p->err, p->errlen, "at column %zu: ", at + 1);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void cond__fail_char(struct parser *p, size_t at)
{
	unsigned char c = (unsigned char)p->text[at];

	if (c == '=')
		cond__fail(p, at, "unexpected '=', equality is '=='");
	else if (c >= 0x20 && c < 0x7f)
		cond__fail(p, at, "unexpected character '%c'", c);
	else
		cond__fail(p, at, "unexpected byte 0x%02x", c);
}

/* ASCII only, whatever the locale: a path means the same everywhere. */
static int cond__is_word_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int cond__is_word(char c)
{
	return cond__is_word_start(c) || (c >= '0' && c <= '9');
}

static int cond__hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A quoted string starting at p->pos; the decoded bytes go to tok->str. */
static int cond__lex_string(struct parser *p, struct token *tok)
{
	const char *t = p->text;
	size_t i = p->pos + 1, o = 0;
	char quote = t[p->pos];
	char *out;

	/* Decoding never lengthens the text, so the rest of it is enough. */
	out = malloc(strlen(t + i) + 1);
	if (!out) {
		cond__fail(p, p->pos, "out of memory");
		return -1;
	}
	for (;;) {
		char c = t[i];

		if (c == '\0') {
			cond__fail(p, p->pos, "unterminated string");
			goto fail;
		}
		if (c == quote) {
			i++;
			break;
		}
		if (c != '\\') {
			out[o++] = c;
			i++;
			continue;
		}
		switch (t[i + 1]) {
		case '\\': case '\'': case '"': case '/':
			out[o++] = t[i + 1];
			i += 2;
			break;
		case 'n': out[o++] = '\n'; i += 2; break;
		case 'r': out[o++] = '\r'; i += 2; break;
		case 't': out[o++] = '\t'; i += 2; break;
		case 'u': {
			unsigned cp = 0;

			for (int k = 2; k < 6; k++) {
				int h = cond__hex(t[i + k]);

				if (h < 0) {
					cond__fail(p, i, "bad \\u escape");
					goto fail;
				}
				cp = cp << 4 | (unsigned)h;
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
				cond__fail(p, i, "bad \\u escape");
				goto fail;
			}
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				out[o++] = (char)(0xc0 | cp >> 6);
				out[o++] = (char)(0x80 | (cp & 0x3f));
			} else {
				out[o++] = (char)(0xe0 | cp >> 12);
				out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			}
			i += 6;
			break;
		}
		default:
			cond__fail(p, i, "bad escape");
			goto fail;
		}
	}
	out[o] = '\0';
	tok->kind = TOK_STRING;
	tok->str = out;
	tok->slen = o;
	tok->len = i - p->pos;
	p->pos = i;
	return 0;
fail:
	free(out);
	return -1;
}

/* A number starting at p->pos: -?digits[.digits][(e|E)[+-]digits]. */
static int cond__lex_number(struct parser *p, struct token *tok)
{
	const char *t = p->text;
	size_t i = p->pos;
	int real = 0;
	char buf[NUMBER_MAX];

	if (t[i] == '-')
		i++;
	if (!isdigit((unsigned char)t[i])) {
		cond__fail_char(p, p->pos);
		return -1;
	}
	while (isdigit((unsigned char)t[i]))
		i++;
	if (t[i] == '.') {
		real = 1;
		if (!isdigit((unsigned char)t[++i])) {
			cond__fail(p, i, "expected a digit");
			return -1;
		}
		while (isdigit((unsigned char)t[i]))
			i++;
	}
	if (t[i] == 'e' || t[i] == 'E') {
		real = 1;
		i++;
		if (t[i] == '+' || t[i] == '-')
			i++;
		if (!isdigit((unsigned char)t[i])) {
			cond__fail(p, i, "expected a digit");
			return -1;
		}
		while (isdigit((unsigned char)t[i]))
			i++;
	}
	if (cond__is_word(t[i]) || t[i] == '.') {
		cond__fail(p, p->pos, "malformed number");
		return -1;
	}
	if (i - p->pos >= sizeof(buf)) {
		cond__fail(p, p->pos, "number too long");
		return -1;
	}
	memcpy(buf, t + p->pos, i - p->pos);
	buf[i - p->pos] = '\0';
	errno = 0;
	if (real) {
		tok->num.kind = VAL_REAL;
		tok->num.r = strtod(buf, NULL);
		if (!isfinite(tok->num.r)) {
			cond__fail(p, p->pos, "number out of range");
			return -1;
		}
	} else {
		tok->num.kind = VAL_INT;
		tok->num.i = strtoll(buf, NULL, 10);
		if (errno == ERANGE) {
			cond__fail(p, p->pos, "number out of range");
			return -1;
		}
	}
	tok->kind = TOK_NUMBER;
	tok->len = i - p->pos;
	p->pos = i;
	return 0;
}

static const struct {
	const char *word;
	enum tok_kind kind;
} keywords[] = {
	{"and", TOK_AND}, {"or", TOK_OR}, {"not", TOK_NOT},
	{"true", TOK_TRUE}, {"false", TOK_FALSE}, {"null", TOK_NULL},
};

/* A keyword, a function name (a word before "("), or a dotted path. */
static int cond__lex_word(struct parser *p, struct token *tok)
{
	const char *t = p->text;
	size_t i = p->pos, j;

	while (cond__is_word(t[i]))
		i++;
	if (t[i] != '.') {
		for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
			if (strlen(keywords[k].word) == i - p->pos &&
			    memcmp(keywords[k].word, t + p->pos, i - p->pos) == 0) {
				tok->kind = keywords[k].kind;
				goto done;
			}
		}
		for (j = i; t[j] == ' ' || t[j] == '\t' || t[j] == '\n' || t[j] == '\r'; j++)
			;
		if (t[j] == '(') {
			tok->kind = TOK_FUNC;
			goto done;
		}
	}
	while (t[i] == '.') {
		j = ++i;
		while (cond__is_word(t[i]))
			i++;
		if (i == j) {
			cond__fail(p, i, "expected a path segment after '.'");
			return -1;
		}
	}
	tok->kind = TOK_PATH;
done:
	tok->len = i - p->pos;
	p->pos = i;
	return 0;
}

/* Move to the next token, dropping the current one. */
static int cond__next(struct parser *p)
{
	const char *t = p->text;
	struct token *tok = &p->tok;

	free(tok->str);
	memset(tok, 0, sizeof(*tok));
	while (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' || t[p->pos] == '\r')
		p->pos++;
	tok->at = p->pos;
	tok->len = 1;

	switch (t[p->pos]) {
	case '\0':
		tok->kind = TOK_END;
		tok->len = 0;
		return 0;
	case '(': tok->kind = TOK_LPAREN; break;
	case ')': tok->kind = TOK_RPAREN; break;
	case ',': tok->kind = TOK_COMMA; break;
	case '=':
		if (t[p->pos + 1] != '=')
			goto bad;
		tok->kind = TOK_CMP;
		tok->op = CMP_EQ;
		tok->len = 2;
		break;
	case '!':
		if (t[p->pos + 1] == '=') {
			tok->kind = TOK_CMP;
			tok->op = CMP_NE;
			tok->len = 2;
		} else {
			tok->kind = TOK_NOT;
		}
		break;
	case '>':
	case '<':
		tok->kind = TOK_CMP;
		if (t[p->pos + 1] == '=') {
			tok->op = t[p->pos] == '>' ? CMP_GE : CMP_LE;
			tok->len = 2;
		} else {
			tok->op = t[p->pos] == '>' ? CMP_GT : CMP_LT;
		}
		break;
	case '&':
	case '|':
		if (t[p->pos + 1] != t[p->pos])
			goto bad;
		tok->kind = t[p->pos] == '&' ? TOK_AND : TOK_OR;
		tok->len = 2;
		break;
	case '\'':
	case '"':
		return cond__lex_string(p, tok);
	default:
		if (t[p->pos] == '-' || isdigit((unsigned char)t[p->pos]))
			return cond__lex_number(p, tok);
		if (cond__is_word_start(t[p->pos]))
			return cond__lex_word(p, tok);
		goto bad;
	}
	p->pos += tok->len;
	return 0;
bad:
	cond__fail_char(p, p->pos);
	return -1;
}

/* ----------------------------------------------------------------- parser */

static void cond__node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		cond__node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static struct node *cond__node_new(struct parser *p, enum node_kind kind, size_t nkids)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n && nkids) {
		n->kids = calloc(nkids, sizeof(*n->kids));
		if (!n->kids) {
			free(n);
			n = NULL;
		} else {
			n->nkids = nkids;
		}
	}
	if (!n) {
		cond__fail(p, p->tok.at, "out of memory");
		return NULL;
	}
	n->kind = kind;
	return n;
}

static int cond__enter(struct parser *p)
{
	if (++p->depth > COND_MAX_DEPTH) {
		cond__fail(p, p->tok.at, "nesting deeper than %d", COND_MAX_DEPTH);
		return -1;
	}
	return 0;
}

static struct node *cond__parse_or(struct parser *p);

/* The current token as a path node, or an error naming what was wanted. */
static struct node *cond__parse_path(struct parser *p)
{
	struct node *n;
	char *s;

	if (p->tok.kind != TOK_PATH) {
		cond__fail(p, p->tok.at, "expected a path");
		return NULL;
	}
	n = cond__node_new(p, NODE_PATH, 0);
	if (!n)
		return NULL;
	n->str = strndup(p->text + p->tok.at, p->tok.len);
	if (!n->str) {
		cond__fail(p, p->tok.at, "out of memory");
		free(n);
		return NULL;
	}
	n->nseg = 1;
	for (s = n->str; *s; s++) {
		if (*s == '.') {
			*s = '\0';
			n->nseg++;
		}
	}
	if (cond__next(p) < 0) {
		cond__node_free(n);
		return NULL;
	}
	return n;
}

/* A literal or a path. */
static struct node *cond__parse_operand(struct parser *p)
{
	struct node *n;

	switch (p->tok.kind) {
	case TOK_PATH:
		return cond__parse_path(p);
	case TOK_NUMBER:
	case TOK_STRING:
	case TOK_TRUE:
	case TOK_FALSE:
	case TOK_NULL:
		break;
	default:
		cond__fail(p, p->tok.at, "expected an operand");
		return NULL;
	}
	n = cond__node_new(p, NODE_LITERAL, 0);
	if (!n)
		return NULL;
	switch (p->tok.kind) {
	case TOK_NUMBER:
		n->lit = p->tok.num;
		break;
	case TOK_STRING:
		n->str = p->tok.str;
		p->tok.str = NULL;
		n->lit.kind = VAL_STRING;
		n->lit.s = n->str;
		n->lit.len = p->tok.slen;
		break;
	case TOK_TRUE:
	case TOK_FALSE:
		n->lit.kind = VAL_BOOL;
		n->lit.b = p->tok.kind == TOK_TRUE;
		break;
	default:
		n->lit.kind = VAL_NULL;
		break;
	}
	if (cond__next(p) < 0) {
		cond__node_free(n);
		return NULL;
	}
	return n;
}

static int cond__expect(struct parser *p, enum tok_kind kind, const char *what)
{
	if (p->tok.kind != kind) {
		cond__fail(p, p->tok.at, "expected %s", what);
		return -1;
	}
	return cond__next(p);
}

/* exists(path) or contains(path, operand); the current token is the name. */
static struct node *cond__parse_call(struct parser *p)
{
	const char *name = p->text + p->tok.at;
	size_t len = p->tok.len;
	struct node *n = NULL;

	if (len == 6 && memcmp(name, "exists", 6) == 0) {
		n = cond__node_new(p, NODE_EXISTS, 1);
	} else if (len == 8 && memcmp(name, "contains", 8) == 0) {
		n = cond__node_new(p, NODE_CONTAINS, 2);
	} else {
		cond__fail(p, p->tok.at, "unknown function '%.*s'", len > 32 ? 32 : (int)len, name);
		return NULL;
	}
	if (!n || cond__enter(p) < 0)
		goto fail;
	if (cond__next(p) < 0 || cond__expect(p, TOK_LPAREN, "'('") < 0)
		goto fail;
	n->kids[0] = cond__parse_path(p);
	if (!n->kids[0])
		goto fail;
	if (n->kind == NODE_CONTAINS) {
		if (cond__expect(p, TOK_COMMA, "','") < 0)
			goto fail;
		n->kids[1] = cond__parse_operand(p);
		if (!n->kids[1])
			goto fail;
	}
	if (cond__expect(p, TOK_RPAREN, "')'") < 0)
		goto fail;
	p->depth--;
	return n;
fail:
	cond__node_free(n);
	return NULL;
}

static struct node *cond__parse_primary(struct parser *p)
{
	struct node *n;

	switch (p->tok.kind) {
	case TOK_LPAREN:
		if (cond__enter(p) < 0 || cond__next(p) < 0)
			return NULL;
		n = cond__parse_or(p);
		if (!n)
			return NULL;
		if (cond__expect(p, TOK_RPAREN, "')'") < 0) {
			cond__node_free(n);
			return NULL;
		}
		p->depth--;
		return n;
	case TOK_FUNC:
		return cond__parse_call(p);
	default:
		return cond__parse_operand(p);
	}
}

static struct node *cond__parse_unary(struct parser *p)
{
	struct node *n;

	if (p->tok.kind != TOK_NOT)
		return cond__parse_primary(p);
	if (cond__enter(p) < 0)
		return NULL;
	n = cond__node_new(p, NODE_NOT, 1);
	if (!n)
		return NULL;
	if (cond__next(p) < 0 || !(n->kids[0] = cond__parse_unary(p))) {
		cond__node_free(n);
		return NULL;
	}
	p->depth--;
	return n;
}

static struct node *cond__parse_cmp(struct parser *p)
{
	struct node *left, *n;

	left = cond__parse_unary(p);
	if (!left || p->tok.kind != TOK_CMP)
		return left;
	n = cond__node_new(p, NODE_CMP, 2);
	if (!n) {
		cond__node_free(left);
		return NULL;
	}
	n->kids[0] = left;
	n->op = p->tok.op;
	if (cond__next(p) < 0 || !(n->kids[1] = cond__parse_unary(p)))
		goto fail;
	if (p->tok.kind == TOK_CMP) {
		cond__fail(p, p->tok.at, "comparisons do not chain; join them with 'and'");
		goto fail;
	}
	return n;
fail:
	cond__node_free(n);
	return NULL;
}

/*
 * One level of "and" or "or": sub { op sub }, kept as one node with a list
 * of children so a long chain costs no depth.
 */
static struct node *cond__parse_chain(struct parser *p, enum tok_kind op, enum node_kind kind,
				      struct node *(*sub)(struct parser *))
{
	struct node *first, *n = NULL, *kid;
	size_t cap = 0;

	first = sub(p);
	if (!first || p->tok.kind != op)
		return first;
	n = cond__node_new(p, kind, 0);
	if (!n) {
		cond__node_free(first);
		return NULL;
	}
	kid = first;
	for (;;) {
		if (n->nkids == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct node **kids = realloc(n->kids, ncap * sizeof(*kids));

			if (!kids) {
				cond__fail(p, p->tok.at, "out of memory");
				cond__node_free(kid);
				goto fail;
			}
			n->kids = kids;
			cap = ncap;
		}
		n->kids[n->nkids++] = kid;
		if (p->tok.kind != op)
			return n;
		if (cond__next(p) < 0 || !(kid = sub(p)))
			goto fail;
	}
fail:
	cond__node_free(n);
	return NULL;
}

static struct node *cond__parse_and(struct parser *p)
{
	return cond__parse_chain(p, TOK_AND, NODE_AND, cond__parse_cmp);
}

static struct node *cond__parse_or(struct parser *p)
{
	return cond__parse_chain(p, TOK_OR, NODE_OR, cond__parse_and);
}

struct cond *cond_parse(const char *text, char *err, size_t errlen)
{
	struct parser p = {.text = text, .err = err, .errlen = errlen};
	struct cond *c = NULL;
	struct node *root = NULL;

	if (err && errlen)
		err[0] = '\0';
	if (!text) {
		cond__fail(&p, 0, "no expression");
		goto out;
	}
	if (strnlen(text, COND_MAX_LEN + 1) > COND_MAX_LEN) {
		cond__fail(&p, COND_MAX_LEN, "expression longer than %d bytes", COND_MAX_LEN);
		goto out;
	}
	if (cond__next(&p) < 0)
		goto out;
	root = cond__parse_or(&p);
	if (!root)
		goto out;
	if (p.tok.kind != TOK_END) {
		if (p.tok.kind == TOK_RPAREN)
			cond__fail(&p, p.tok.at, "unexpected ')'");
		else
			cond__fail(&p, p.tok.at, "expected an operator");
		goto out;
	}
	c = malloc(sizeof(*c));
	if (!c) {
		cond__fail(&p, 0, "out of memory");
		goto out;
	}
	c->root = root;
	root = NULL;
out:
	cond__node_free(root);
	free(p.tok.str);
	return c;
}

void cond_free(struct cond *c)
{
	if (!c)
		return;
	cond__node_free(c->root);
	free(c);
}
