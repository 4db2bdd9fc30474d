/*
 * CSV writing (csv.h).  The buffer doubles as it fills; a failed append
 * poisons it, so a caller checks once, at csv_take().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/csv.h"

void csv_init(struct csv *c)
{
	memset(c, 0, sizeof(*c));
}

void csv_free(struct csv *c)
{
	free(c->buf);
	csv_init(c);
}

static void csv__append(struct csv *c, const char *s, size_t n)
{
	if (c->failed)
		return;
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *p;

		while (cap < c->len + n + 1 && cap <= CSV_MAX_BYTES)
			cap *= 2;
		if (cap > CSV_MAX_BYTES || !(p = realloc(c->buf, cap))) {
			c->failed = true;
			return;
		}
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static void csv__separator(struct csv *c)
{
	if (c->row_started)
		csv__append(c, ",", 1);
	c->row_started = true;
}

bool csv_formula_like(const char *s)
{
	return s && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
		     s[0] == '\r');
}

void csv_text(struct csv *c, const char *s)
{
	bool quote;

	csv__separator(c);
	if (!s)
		return;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		csv__append(c, "\"", 1);
	if (csv_formula_like(s))
		csv__append(c, "'", 1);
	for (const char *p = s; *p;) {
		size_t run = strcspn(p, "\"");

		csv__append(c, p, run);
		p += run;
		if (*p == '"') {
			csv__append(c, "\"\"", 2);
			p++;
		}
	}
	if (quote)
		csv__append(c, "\"", 1);
}

void csv_int(struct csv *c, int64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lld", (long long)v);

	csv__separator(c);
	csv__append(c, b, (size_t)n);
}

void csv_real(struct csv *c, double v)
{
	char b[40];
	int n = snprintf(b, sizeof(b), "%.6g", v);

	csv__separator(c);
	if (n > 0 && (size_t)n < sizeof(b))
		csv__append(c, b, (size_t)n);
}

void csv_end_row(struct csv *c)
{
	csv__append(c, "\r\n", 2);
	c->row_started = false;
}

char *csv_take(struct csv *c, size_t *len)
{
	char *p;

	if (c->failed) {
		csv_free(c);
		return NULL;
	}
	if (!c->buf)
		csv__append(c, "", 0);
	if (c->failed) {
		csv_free(c);
		return NULL;
	}
	p = c->buf;
	*len = c->len;
	csv_init(c);
	return p;
}
