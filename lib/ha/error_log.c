/*
 * Home Assistant's error log as entries (ha/error_log.h).
 */
#include "ha/error_log.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LOG_TIME_MAX 32
#define LOG_THREAD_MAX 128
#define LOG_LOGGER_MAX 256
#define LOG_CUT "…"

static const struct {
	const char *name;       /* the API's */
	const char *written;    /* HA's */
	enum ha_log_level level;
} log_levels[] = {
	{"debug", "DEBUG", HA_LOG_DEBUG},
	{"info", "INFO", HA_LOG_INFO},
	{"warning", "WARNING", HA_LOG_WARNING},
	{"error", "ERROR", HA_LOG_ERROR},
	{"critical", "CRITICAL", HA_LOG_CRITICAL},
	{"critical", "FATAL", HA_LOG_CRITICAL},
};
#define LOG_NLEVELS 5   /* the distinct ones, first in the table */

int ha_log_level_parse(const char *name, enum ha_log_level *out)
{
	for (size_t i = 0; name && i < LOG_NLEVELS; i++)
		if (strcmp(log_levels[i].name, name) == 0) {
			*out = log_levels[i].level;
			return 0;
		}
	return -1;
}

const char *ha_log_level_name(enum ha_log_level level)
{
	for (size_t i = 0; i < LOG_NLEVELS; i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "unknown";
}

/* ---------------------------------------------------------------- text */

/* A growable string, always terminated once it holds anything. */
struct buf {
	char *s;
	size_t n, cap, max;   /* max: bytes kept at most, then cut */
	bool cut;
};

static int buf_reserve(struct buf *b, size_t more)
{
	size_t want = b->n + more + 1;
	char *p;

	if (want <= b->cap)
		return 0;
	if (want < 64)
		want = 64;
	if (want < b->cap * 2)
		want = b->cap * 2;
	if (!(p = realloc(b->s, want)))
		return -1;
	b->s = p;
	b->cap = want;
	return 0;
}

static int buf_putc(struct buf *b, const char *c, size_t n)
{
	if (b->cut)
		return 0;
	if (b->n + n > b->max) {
		b->cut = true;
		if (buf_reserve(b, sizeof(LOG_CUT)) != 0)
			return -1;
		memcpy(b->s + b->n, LOG_CUT, sizeof(LOG_CUT));
		b->n += sizeof(LOG_CUT) - 1;
		return 0;
	}
	if (buf_reserve(b, n) != 0)
		return -1;
	memcpy(b->s + b->n, c, n);
	b->n += n;
	b->s[b->n] = '\0';
	return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when none:
 * what Jansson accepts, so no overlong forms, surrogates or values past
 * U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* Append n bytes of s to b, what is not UTF-8 or is a control character
 * (a tab aside) as '?'. */
static int buf_put_clean(struct buf *b, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && !b->cut) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t k = utf8_len(u, n - i);

		if (k == 0 || (k == 1 && ((*u < 0x20 && *u != '\t') || *u == 0x7F))) {
			if (buf_putc(b, "?", 1) != 0)
				return -1;
			i += k ? k : 1;
			continue;
		}
		if (buf_putc(b, s + i, k) != 0)
			return -1;
		i += k;
	}
	return 0;
}

/* ---------------------------------------------------------------- a header line */

struct header {
	char time[LOG_TIME_MAX];
	enum ha_log_level level;
	const char *thread, *logger, *message;   /* into the line */
	size_t thread_len, logger_len, message_len;
};

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Whether line (n bytes) is "YYYY-MM-DD HH:MM:SS[.fff] LEVEL [(thread) ][logger] msg". */
static bool header_parse(const char *line, size_t n, struct header *h)
{
	const char *p = line, *end = line + n, *q;
	size_t tlen = 19;

	if (n < 19 || !is_digits(p, 4) || p[4] != '-' || !is_digits(p + 5, 2) || p[7] != '-' ||
	    !is_digits(p + 8, 2) || p[10] != ' ' || !is_digits(p + 11, 2) || p[13] != ':' ||
	    !is_digits(p + 14, 2) || p[16] != ':' || !is_digits(p + 17, 2))
		return false;
	if (tlen < n && p[tlen] == '.') {
		tlen++;
		while (tlen < n && tlen < LOG_TIME_MAX - 1 && p[tlen] >= '0' && p[tlen] <= '9')
			tlen++;
	}
	memcpy(h->time, p, tlen);
	h->time[tlen] = '\0';
	p += tlen;
	if (p >= end || *p != ' ')
		return false;
	p++;
	h->level = 0;
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
		size_t k = strlen(log_levels[i].written);

		if ((size_t)(end - p) > k && memcmp(p, log_levels[i].written, k) == 0 && p[k] == ' ') {
			h->level = log_levels[i].level;
			p += k + 1;
			break;
		}
	}
	if (!h->level)
		return false;
	h->thread = NULL;
	h->thread_len = 0;
	if (p < end && *p == '(') {
		q = memchr(p, ')', (size_t)(end - p));
		if (!q || q + 1 >= end || q[1] != ' ')
			return false;
		h->thread = p + 1;
		h->thread_len = (size_t)(q - p - 1);
		p = q + 2;
	}
	if (p >= end || *p != '[')
		return false;
	h->logger = ++p;
	while (p < end && *p != ']' && *p != ' ')
		p++;
	if (p >= end || *p != ']' || p == h->logger)
		return false;
	h->logger_len = (size_t)(p - h->logger);
	p++;
	if (p < end && *p == ' ')
		p++;
	else if (p < end && *p == ':' && p + 1 < end && p[1] == ' ')
		p += 2;   /* "[logger]: message", as some handlers write it */
	h->message = p;
	h->message_len = (size_t)(end - p);
	return true;
}

/* ---------------------------------------------------------------- entries */

struct entry {
	enum ha_log_level level;
	char time[LOG_TIME_MAX], first[LOG_TIME_MAX];
	char *thread, *logger, *message, *traceback;   /* traceback NULL: none */
	size_t count;
	size_t last;       /* order of the last occurrence */
	struct entry *next_in_bucket;
};

struct parse {
	struct entry **entries;
	size_t n, cap, dropped, seq;
	struct entry **buckets;
	size_t nbuckets;
	size_t per_level[LOG_NLEVELS];
	/* the entry being read */
	bool open;
	struct header h;
	struct buf thread, logger, message, traceback;
};

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xFF) * 1099511628211ULL;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->thread);
	free(e->logger);
	free(e->message);
	free(e->traceback);
	free(e);
}

static char *take(struct buf *b)
{
	char *s = b->s ? b->s : strdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

static size_t level_index(enum ha_log_level level)
{
	for (size_t i = 0; i < LOG_NLEVELS; i++)
		if (log_levels[i].level == level)
			return i;
	return 0;
}

/* Close the entry being read: fold it into its twin or keep it. */
static int parse_close(struct parse *ps)
{
	struct entry *e = NULL, *twin;
	uint64_t h;
	size_t b;
	int rv = -1;

	if (!ps->open)
		return 0;
	ps->open = false;
	ps->per_level[level_index(ps->h.level)]++;
	if (!(e = calloc(1, sizeof(*e))))
		goto out;
	e->level = ps->h.level;
	memcpy(e->time, ps->h.time, sizeof(e->time));
	e->thread = ps->h.thread ? take(&ps->thread) : NULL;
	e->logger = take(&ps->logger);
	e->message = take(&ps->message);
	e->traceback = ps->traceback.n ? take(&ps->traceback) : NULL;
	if ((ps->h.thread && !e->thread) || !e->logger || !e->message)
		goto out;
	h = hash_str(hash_str(hash_str(hash_str(1469598103934665603ULL + e->level, e->logger),
				       e->message), e->traceback), NULL);
	b = (size_t)(h % ps->nbuckets);
	for (twin = ps->buckets[b]; twin; twin = twin->next_in_bucket)
		if (twin->level == e->level && same(twin->logger, e->logger) &&
		    same(twin->message, e->message) && same(twin->traceback, e->traceback))
			break;
	if (twin) {
		twin->count++;
		twin->last = ps->seq++;
		memcpy(twin->time, e->time, sizeof(twin->time));
		rv = 0;
		goto out;
	}
	if (ps->n == HA_LOG_ENTRIES_MAX) {
		ps->dropped++;
		rv = 0;
		goto out;
	}
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		struct entry **p = realloc(ps->entries, cap * sizeof(*p));

		if (!p)
			goto out;
		ps->entries = p;
		ps->cap = cap;
	}
	memcpy(e->first, e->time, sizeof(e->first));
	e->count = 1;
	e->last = ps->seq++;
	e->next_in_bucket = ps->buckets[b];
	ps->buckets[b] = e;
	ps->entries[ps->n++] = e;
	e = NULL;
	rv = 0;
out:
	entry_free(e);
	free(ps->thread.s);
	free(ps->logger.s);
	free(ps->message.s);
	free(ps->traceback.s);
	memset(&ps->thread, 0, sizeof(ps->thread));
	memset(&ps->logger, 0, sizeof(ps->logger));
	memset(&ps->message, 0, sizeof(ps->message));
	memset(&ps->traceback, 0, sizeof(ps->traceback));
	return rv;
}

static int parse_line(struct parse *ps, const char *line, size_t n)
{
	struct header h;

	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (header_parse(line, n, &h)) {
		if (parse_close(ps) != 0)
			return -1;
		ps->open = true;
		ps->h = h;
		ps->thread.max = LOG_THREAD_MAX;
		ps->logger.max = LOG_LOGGER_MAX;
		ps->message.max = HA_LOG_MESSAGE_MAX;
		ps->traceback.max = HA_LOG_TRACEBACK_MAX;
		if ((h.thread && (buf_putc(&ps->thread, "", 0) != 0 ||
				  buf_put_clean(&ps->thread, h.thread, h.thread_len) != 0)) ||
		    buf_put_clean(&ps->logger, h.logger, h.logger_len) != 0 ||
		    buf_putc(&ps->message, "", 0) != 0 ||
		    buf_put_clean(&ps->message, h.message, h.message_len) != 0)
			return -1;
		return 0;
	}
	if (!ps->open)
		return 0;
	/* Blank lines between entries are HA's spacing, not the entry's. */
	if (n == 0)
		return 0;
	if ((ps->traceback.n && buf_putc(&ps->traceback, "\n", 1) != 0) ||
	    buf_put_clean(&ps->traceback, line, n) != 0)
		return -1;
	return 0;
}

static int by_last_desc(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	return x->last < y->last ? 1 : x->last > y->last ? -1 : 0;
}

static json_t *entry_json(const struct entry *e)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s?, s:I, s:s?}",
			 "time", e->time, "level", ha_log_level_name(e->level),
			 "thread", e->thread, "logger", e->logger, "message", e->message,
			 "traceback", e->traceback, "count", (json_int_t)e->count,
			 "first_seen", e->count > 1 ? e->first : NULL);
}

json_t *ha_error_log_parse(const char *text, size_t len, enum ha_log_level min_level,
			   size_t limit)
{
	struct parse ps;
	json_t *out = NULL, *entries = NULL, *counts = NULL;
	size_t total = 0, i = 0;

	memset(&ps, 0, sizeof(ps));
	ps.nbuckets = 4096;
	if (!(ps.buckets = calloc(ps.nbuckets, sizeof(*ps.buckets))))
		goto out;
	while (text && i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;

		if (parse_line(&ps, text + i, n) != 0)
			goto out;
		i += n + 1;
	}
	if (parse_close(&ps) != 0)
		goto out;
	if (ps.n)
		qsort(ps.entries, ps.n, sizeof(*ps.entries), by_last_desc);
	if (!(entries = json_array()) || !(counts = json_object()))
		goto out;
	for (size_t k = 0; k < ps.n; k++) {
		if (ps.entries[k]->level < min_level)
			continue;
		total++;
		if (limit && json_array_size(entries) >= limit)
			continue;
		if (json_array_append_new(entries, entry_json(ps.entries[k])) != 0)
			goto out;
	}
	for (size_t k = 0; k < LOG_NLEVELS; k++)
		if (json_object_set_new(counts, log_levels[k].name,
					json_integer((json_int_t)ps.per_level[k])) != 0)
			goto out;
	out = json_pack("{s:o, s:I, s:o, s:I}", "entries", entries, "total", (json_int_t)total,
			"counts", counts, "dropped", (json_int_t)ps.dropped);
	entries = counts = NULL;
out:
	json_decref(entries);
	json_decref(counts);
	for (size_t k = 0; k < ps.n; k++)
		entry_free(ps.entries[k]);
	free(ps.entries);
	free(ps.buckets);
	free(ps.thread.s);
	free(ps.logger.s);
	free(ps.message.s);
	free(ps.traceback.s);
	return out;
}
