/*
 * Message templates: `{{ path }}` placeholders filled from pipeline_data.
 * The syntax and what each JSON type renders as are in template.h.
 *
 * One scanner cuts the template into tokens for both render and check, so
 * what check accepts is exactly what render substitutes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

enum tok_kind {
	TOK_TEXT,        /* literal text */
	TOK_PLACEHOLDER, /* `{{ path }}` with a well-formed path */
	TOK_BAD,         /* a `{{` that opens no placeholder: literal */
};

struct tok {
	enum tok_kind kind;
	const char *start; /* the token as written */
	size_t len;
	const char *path; /* TOK_PLACEHOLDER: the path without white space */
	size_t path_len;
};

/* Output under construction, never longer than max bytes. */
struct out {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	int full;           /* something was cut off */
	unsigned char next; /* the first byte that did not fit */
};

static const char *const day_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

static int template__is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A byte that may appear in a path segment; bytes >= 0x80 let UTF-8 keys in. */
static int template__is_seg_char(char c)
{
	unsigned char u = (unsigned char)c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
	       u == '_' || u == '-' || u >= 0x80;
}

/* Non-empty segments joined by single dots, within the length limit. */
static int template__path_ok(const char *path, size_t len)
{
	size_t seg = 0;

	if (len == 0 || len > TEMPLATE_MAX_PATH)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (path[i] == '.') {
			if (seg == 0)
				return 0;
			seg = 0;
		} else {
			seg++;
		}
	}
	return seg > 0;
}

/*
 * Cut the next token from *pp and advance past it; 0 at the end.
 * Each step reads no further than the next `{`, so a scan is linear
 * however many stray `{{` a template holds.
 */
static int template__next(const char **pp, struct tok *t)
{
	const char *p = *pp;
	const char *open, *q, *path;

	if (*p == '\0')
		return 0;
	memset(t, 0, sizeof(*t));
	t->start = p;

	open = strstr(p, "{{");
	/* In a run of braces only the last two open a placeholder. */
	while (open && open[2] == '{')
		open++;
	if (open != p) {
		t->kind = TOK_TEXT;
		t->len = open ? (size_t)(open - p) : strlen(p);
		*pp = p + t->len;
		return 1;
	}

	q = p + 2;
	while (template__is_space(*q))
		q++;
	path = q;
	while (*q == '.' || template__is_seg_char(*q))
		q++;
	t->path = path;
	t->path_len = (size_t)(q - path);
	while (template__is_space(*q))
		q++;
	if (q[0] == '}' && q[1] == '}' && template__path_ok(t->path, t->path_len)) {
		t->kind = TOK_PLACEHOLDER;
		t->len = (size_t)(q + 2 - p);
	} else {
		/* Only the braces: a placeholder may still start inside. */
		t->kind = TOK_BAD;
		t->len = 2;
		t->path = NULL;
		t->path_len = 0;
	}
	*pp = p + t->len;
	return 1;
}

/* A canonical decimal array index: "0" or digits without a leading zero. */
static int template__index(const char *s, size_t n, size_t *idx)
{
	size_t v = 0;

	if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*idx = v;
	return 1;
}

/* The value at a well-formed path, borrowed from data; NULL if absent. */
static const json_t *template__resolve(const json_t *data, const char *path, size_t len)
{
	const json_t *cur = data;
	const char *end = path + len;

	while (cur && path < end) {
		const char *dot = memchr(path, '.', (size_t)(end - path));
		size_t n = dot ? (size_t)(dot - path) : (size_t)(end - path);
		size_t idx;

		if (json_is_object(cur))
			cur = json_object_getn(cur, path, n);
		else if (json_is_array(cur) && template__index(path, n, &idx))
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
		path += n + (dot != NULL);
	}
	return cur;
}

static int out__grow(struct out *o, size_t need)
{
	size_t limit = o->max < SIZE_MAX ? o->max + 1 : SIZE_MAX;
	size_t cap = o->cap ? o->cap : 64;
	char *p;

	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > limit)
		cap = limit;
	p = realloc(o->p, cap);
	if (!p)
		return -1;
	o->p = p;
	o->cap = cap;
	return 0;
}

/* Append what fits; 0, or -1 when memory runs out. */
static int out__append(struct out *o, const char *s, size_t n)
{
	size_t room;

	if (o->full)
		return 0;
	room = o->max - o->len;
	if (n > room) {
		o->full = 1;
		o->next = (unsigned char)s[room];
		n = room;
	}
	if (n >= SIZE_MAX - o->len)
		return -1;
	if (o->len + n + 1 > o->cap && out__grow(o, o->len + n + 1) != 0)
		return -1;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	return 0;
}

/* json_dump_callback() sink; stops the dump once the output is full. */
static int out__dump_cb(const char *buffer, size_t size, void *data)
{
	struct out *o = data;

	if (out__append(o, buffer, size) != 0 || o->full)
		return -1;
	return 0;
}

/* Terminate, first dropping a UTF-8 character the cut went through. */
static void out__finish(struct out *o)
{
	if (o->full && (o->next & 0xC0) == 0x80) {
		size_t i = o->len;
		int k = 0;

		while (i > 0 && k < 3 && ((unsigned char)o->p[i - 1] & 0xC0) == 0x80) {
			i--;
			k++;
		}
		if (i > 0 && ((unsigned char)o->p[i - 1] & 0xC0) == 0xC0)
			o->len = i - 1;
	}
	o->p[o->len] = '\0';
}

/* The shortest %g spelling that reads back as v: 21.5, not 21.499999999999999. */
static void template__format_real(char *buf, size_t size, double v)
{
	for (int prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, size, "%.17g", v);
}

static int template__emit_value(struct out *o, const json_t *v)
{
	char num[64];
	const char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		return out__append(o, s, strlen(s));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return out__append(o, num, strlen(num));
	case JSON_REAL:
		template__format_real(num, sizeof(num), json_real_value(v));
		return out__append(o, num, strlen(num));
	case JSON_TRUE:
		return out__append(o, "true", 4);
	case JSON_FALSE:
		return out__append(o, "false", 5);
	case JSON_NULL:
		return 0;
	case JSON_OBJECT:
	case JSON_ARRAY:
		/* Streamed, so a huge value costs no more than max_len. */
		if (json_dump_callback(v, out__dump_cb, o, JSON_COMPACT | JSON_ENCODE_ANY) != 0 &&
		    !o->full)
			return -1;
		return 0;
	}
	return 0;
}

char *template_render(const char *tmpl, const json_t *data, size_t max_len)
{
	struct out o = { .max = max_len };
	const char *p = tmpl;
	struct tok t;
	char *rv = NULL;

	if (!tmpl)
		return NULL;
	if (out__grow(&o, 1) != 0)
		goto out;
	while (!o.full && template__next(&p, &t)) {
		const json_t *v = NULL;
		int rc;

		if (t.kind == TOK_PLACEHOLDER)
			v = template__resolve(data, t.path, t.path_len);
		rc = v ? template__emit_value(&o, v) : out__append(&o, t.start, t.len);
		if (rc != 0)
			goto out;
	}
	out__finish(&o);
	rv = o.p;
	o.p = NULL;
out:
	free(o.p);
	return rv;
}

int template_check(const char *tmpl, char *err, size_t errlen)
{
	const char *p = tmpl;
	struct tok t;

	if (errlen > 0)
		err[0] = '\0';
	if (!tmpl) {
		if (errlen > 0)
			snprintf(err, errlen, "template is missing");
		return -1;
	}
	if (strnlen(tmpl, TEMPLATE_MAX_LEN + 1) > TEMPLATE_MAX_LEN) {
		if (errlen > 0)
			snprintf(err, errlen, "template is longer than %d bytes", TEMPLATE_MAX_LEN);
		return -1;
	}
	while (template__next(&p, &t)) {
		const char *close;
		size_t offset = (size_t)(t.start - tmpl);

		if (t.kind != TOK_BAD)
			continue;
		close = strstr(t.start + 2, "}}");
		if (errlen == 0)
			return -1;
		if (!close) {
			snprintf(err, errlen, "unterminated '{{' at offset %zu", offset);
		} else {
			/* Quote the placeholder, but not a whole page of it. */
			size_t n = (size_t)(close + 2 - t.start);
			size_t shown = n > 60 ? 60 : n;

			/* The message ends up in JSON: keep it valid UTF-8. */
			while (shown < n && shown > 0 && ((unsigned char)t.start[shown] & 0xC0) == 0x80)
				shown--;
			snprintf(err, errlen, "'%.*s%s' at offset %zu is not a valid placeholder path",
				 (int)shown, t.start, shown < n ? "..." : "", offset);
		}
		return -1;
	}
	return 0;
}

json_t *template_system_vars(time_t now, const char *tz_name)
{
	struct tm tm;
	char time_s[32], date_s[48];

	if (!localtime_r(&now, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6)
		return NULL;
	snprintf(time_s, sizeof(time_s), "%02d:%02d", tm.tm_hour, tm.tm_min);
	snprintf(date_s, sizeof(date_s), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday);
	if (!tz_name)
		tz_name = tm.tm_zone ? tm.tm_zone : "";
	return json_pack("{s:s, s:s, s:s, s:s}", "local_time", time_s, "local_date", date_s,
			 "local_day_of_week", day_names[tm.tm_wday], "timezone", tz_name);
}
