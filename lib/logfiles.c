/*
 * Log files read back (logfiles.h).
 *
 * A file is read from its end in blocks: each step finds the newline
 * before the current line in the block in hand (reading the block before
 * it when there is none) and then copies at most LOGFILES_LINE_MAX bytes
 * from where the line starts, so memory stays at one block and one line
 * however long a line or a file is.  Several files are merged by keeping
 * the next (newest) entry of each and taking the newest of those.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "logfiles.h"

#define LOGFILES_BLOCK 65536
#define LOGFILES_FILES_MAX 16
#define LOGFILES_LIST_MAX 10000

/* ---------------------------------------------------------------- levels */

static const struct {
	const char *word;
	enum logfiles_level level;
} logfiles__words[] = {
	{ "error", LOGFILES_ERROR }, { "err", LOGFILES_ERROR }, { "crit", LOGFILES_ERROR },
	{ "alert", LOGFILES_ERROR }, { "emerg", LOGFILES_ERROR },
	{ "warning", LOGFILES_WARNING }, { "warn", LOGFILES_WARNING }, { "war", LOGFILES_WARNING },
	{ "info", LOGFILES_INFO }, { "inf", LOGFILES_INFO }, { "notice", LOGFILES_INFO },
	{ "debug", LOGFILES_DEBUG }, { "dbg", LOGFILES_DEBUG },
};

static int logfiles__word_level(const char *s, size_t len, enum logfiles_level *out)
{
	for (size_t i = 0; i < sizeof(logfiles__words) / sizeof(logfiles__words[0]); i++)
		if (strlen(logfiles__words[i].word) == len &&
		    strncasecmp(s, logfiles__words[i].word, len) == 0) {
			*out = logfiles__words[i].level;
			return 0;
		}
	return -1;
}

int logfiles_level_parse(const char *s, enum logfiles_level *out)
{
	/* A query asks for the four names; the rest are their spellings in
	 * other programs' logs, harmless to accept.  crit/alert/emerg/notice
	 * are levels of a line, not of a filter. */
	static const char *const filterable[] = { "error", "err", "warning", "warn", "war",
						  "info", "inf", "debug", "dbg" };

	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(filterable) / sizeof(filterable[0]); i++)
		if (strcasecmp(s, filterable[i]) == 0)
			return logfiles__word_level(s, strlen(s), out);
	return -1;
}

const char *logfiles_level_name(enum logfiles_level l)
{
	switch (l) {
	case LOGFILES_ERROR: return "ERROR";
	case LOGFILES_WARNING: return "WARNING";
	case LOGFILES_INFO: return "INFO";
	case LOGFILES_DEBUG: return "DEBUG";
	case LOGFILES_ANY:
	default: return "";
	}
}

/* ---------------------------------------------------------------- one line */

/* n digits at s, as a number; -1 when they are not all digits. */
static int logfiles__digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* ---------------------------------------------------------------- redaction */

/* How far back from a separator a name is looked for, and how much of it
 * (the end, next to the separator) is judged. */
#define LOGFILES_NAME_SCAN 256
#define LOGFILES_NAME_MAX 128

/* A name with one of these words carries a secret whatever else it says. */
static const char *const logfiles__secret_words[] = {
	"auth", "authorization", "cookie", "credential", "credentials", "pass", "passphrase",
	"passwd", "password", "pwd", "secret", "session", "sessionid", "sid", "sig", "signature",
	"token", NULL,
};

/* A word ending so does too (api_key, apikey, x-api-key, access_token,
 * client_secret), unless the name ends in "id": key_id names a key. */
static const char *const logfiles__secret_endings[] = { "key", "token", "secret", "password",
							NULL };

static int logfiles__hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s (len bytes) in place, once; a '%' that starts no
 * escape stays.  The new length. */
static size_t logfiles__unescape(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && logfiles__hex((unsigned char)s[i + 1]) >= 0 &&
		    logfiles__hex((unsigned char)s[i + 2]) >= 0) {
			s[o++] = (char)(logfiles__hex((unsigned char)s[i + 1]) << 4 |
					logfiles__hex((unsigned char)s[i + 2]));
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

static bool logfiles__in(const char *w, size_t n, const char *const *list, bool suffix)
{
	for (const char *const *p = list; *p; p++) {
		size_t l = strlen(*p);

		if (suffix ? n >= l && memcmp(w + n - l, *p, l) == 0 : n == l && memcmp(w, *p, l) == 0)
			return true;
	}
	return false;
}

/* Whether a parameter or header called name (len bytes, as written,
 * percent-encoded or not, any case) carries a credential. */
static bool logfiles__secret_name(const char *name, size_t len)
{
	char buf[LOGFILES_NAME_MAX + 1];
	size_t n = len > LOGFILES_NAME_MAX ? LOGFILES_NAME_MAX : len;
	const char *last = NULL;
	size_t last_len = 0;
	bool ending = false;

	memcpy(buf, name + len - n, n);
	/* Twice: "api%255Fkey" is what escaping a query twice makes. */
	n = logfiles__unescape(buf, n);
	n = logfiles__unescape(buf, n);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	for (size_t i = 0; i < n;) {
		size_t w = i;

		while (w < n && isalnum((unsigned char)buf[w]))
			w++;
		if (w > i) {
			if (logfiles__in(buf + i, w - i, logfiles__secret_words, false))
				return true;
			ending = ending || logfiles__in(buf + i, w - i, logfiles__secret_endings, true);
			last = buf + i;
			last_len = w - i;
		}
		i = w < n ? w + 1 : w;
	}
	return ending && !(last && ((last_len == 2 && memcmp(last, "id", 2) == 0) ||
				    (last_len == 3 && memcmp(last, "ids", 3) == 0)));
}

static bool logfiles__name_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~' || c == '%' || c == '[' ||
	       c == ']';
}

/* Where a query value ends: the next parameter, or whatever ends the
 * URL in a log line (a space, a quote, a comma). */
static bool logfiles__value_end(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '&' || c == '"' || c == '\'' || c == ',' || c == ';' ||
	       c == '#' || c == '<' || c == '>' || c == '\\';
}

/* The length of the name-value separator at s (n bytes): '=' or its
 * escapes %3D and %253D; 0 when there is none. */
static size_t logfiles__separator(const char *s, size_t n)
{
	if (s[0] == '=')
		return 1;
	if (n >= 3 && s[0] == '%' && s[1] == '3' && (s[2] == 'D' || s[2] == 'd'))
		return 3;
	if (n >= 5 && strncmp(s, "%253", 4) == 0 && (s[4] == 'D' || s[4] == 'd'))
		return 5;
	return 0;
}

struct logfiles_out {
	char *p;
	size_t cap;    /* bytes p may take before its NUL */
	size_t len;    /* bytes the whole result takes */
};

static void logfiles__put(struct logfiles_out *o, const char *s, size_t n)
{
	if (o->len < o->cap)
		memcpy(o->p + o->len, s, n < o->cap - o->len ? n : o->cap - o->len);
	o->len += n;
}

size_t logfiles_redact(const char *in, size_t len, char *out, size_t outsz)
{
	struct logfiles_out o = { out, outsz ? outsz - 1 : 0, 0 };
	size_t from = 0, i = 0;

	while (i < len) {
		size_t sep = logfiles__separator(in + i, len - i), start = i, v, end;
		bool header = false;

		/* "Authorization: Bearer ...", as nginx quotes a header line. */
		if (sep == 0 && in[i] == ':' && i + 1 < len && in[i + 1] == ' ') {
			sep = 2;
			header = true;
		}
		if (sep == 0) {
			i++;
			continue;
		}
		while (start > from && i - start < LOGFILES_NAME_SCAN &&
		       logfiles__name_char((unsigned char)in[start - 1]))
			start--;
		if (start == i || (header && (start == 0 || in[start - 1] != '"')) ||
		    !logfiles__secret_name(in + start, i - start)) {
			i++;
			continue;
		}
		v = end = i + sep;
		if (header)
			while (end < len && in[end] != '"')
				end++;
		else
			while (end < len && !logfiles__value_end((unsigned char)in[end]))
				end++;
		if (end > v) {
			logfiles__put(&o, in + from, v - from);
			logfiles__put(&o, LOGFILES_HIDDEN, sizeof(LOGFILES_HIDDEN) - 1);
			from = end;
		}
		i = end;
	}
	logfiles__put(&o, in + from, len - from);
	if (outsz)
		out[o.len < o.cap ? o.len : o.cap] = '\0';
	return o.len;
}

/* ---------------------------------------------------------------- lines */

/* Copy len bytes of a message, NULs made '?', credentials hidden, cut to
 * the entry's size. */
static void logfiles__set_message(struct logfiles_entry *e, const char *s, size_t len)
{
	char raw[LOGFILES_LINE_MAX + 1];

	if (len > LOGFILES_LINE_MAX)
		len = LOGFILES_LINE_MAX;
	for (size_t i = 0; i < len; i++)
		raw[i] = s[i] ? s[i] : '?';
	logfiles_redact(raw, len, e->message, sizeof(e->message));
}

/* "2026-11-22T10:14:33.120Z info hearth-api[4242]: message" */
static int logfiles__parse_hearth(const char *s, size_t len, struct logfiles_entry *e)
{
	const char *p = s + 25, *end = s + len, *word, *prog;
	int mon, day, hh, mm, ss;

	if (len < 25 || logfiles__digits(s, 4) < 0 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
	    logfiles__digits(s + 20, 3) < 0 || s[23] != 'Z' || s[24] != ' ')
		return 0;
	mon = logfiles__digits(s + 5, 2);
	day = logfiles__digits(s + 8, 2);
	hh = logfiles__digits(s + 11, 2);
	mm = logfiles__digits(s + 14, 2);
	ss = logfiles__digits(s + 17, 2);
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
	    ss < 0 || ss > 60)
		return 0;

	word = p;
	while (p < end && *p != ' ')
		p++;
	if (p == end || logfiles__word_level(word, (size_t)(p - word), &e->level) < 0)
		return 0;
	prog = ++p;
	while (p < end && *p != '[' && *p != ' ' && *p != ':')
		p++;
	if (p == end || *p != '[' || p == prog || (size_t)(p - prog) >= sizeof(e->source))
		return 0;
	memcpy(e->source, prog, (size_t)(p - prog));
	e->source[p - prog] = '\0';
	p++;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (end - p < 2 || p[0] != ']' || p[1] != ':')
		return 0;
	p += 2;
	if (p < end && *p == ' ')
		p++;
	memcpy(e->ts, s, 24);
	e->ts[24] = '\0';
	logfiles__set_message(e, p, (size_t)(end - p));
	return 1;
}

/* "2026/11/22 10:14:33 [error] 812#812: *7 message" */
static int logfiles__parse_nginx(const char *s, size_t len, struct logfiles_entry *e)
{
	const char *p = s + 21, *end = s + len, *word;
	struct tm tm, utc;
	time_t t;

	if (len < 22 || logfiles__digits(s, 4) < 0 || s[4] != '/' || s[7] != '/' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':' || s[19] != ' ' || s[20] != '[')
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = logfiles__digits(s, 4) - 1900;
	tm.tm_mon = logfiles__digits(s + 5, 2) - 1;
	tm.tm_mday = logfiles__digits(s + 8, 2);
	tm.tm_hour = logfiles__digits(s + 11, 2);
	tm.tm_min = logfiles__digits(s + 14, 2);
	tm.tm_sec = logfiles__digits(s + 17, 2);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 60)
		return 0;

	word = p;
	while (p < end && *p != ']')
		p++;
	if (p == end || logfiles__word_level(word, (size_t)(p - word), &e->level) < 0)
		return 0;
	p++;
	if (p < end && *p == ' ')
		p++;
	/* "pid#tid: " is nginx's, not the message's. */
	{
		const char *q = p;

		while (q < end && *q >= '0' && *q <= '9')
			q++;
		if (q > p && q < end && *q == '#') {
			q++;
			while (q < end && *q >= '0' && *q <= '9')
				q++;
			if (end - q >= 1 && *q == ':') {
				p = q + 1;
				if (p < end && *p == ' ')
					p++;
			}
		}
	}

	/* nginx writes local time. */
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || !gmtime_r(&t, &utc))
		return 0;
	if (utc.tm_year < -1900 || utc.tm_year > 9999 - 1900 ||
	    strftime(e->ts, sizeof(e->ts), "%Y-%m-%dT%H:%M:%S.000Z", &utc) == 0)
		return 0;
	snprintf(e->source, sizeof(e->source), "nginx");
	logfiles__set_message(e, p, (size_t)(end - p));
	return 1;
}

int logfiles_parse_line(const char *line, size_t len, struct logfiles_entry *e)
{
	e->ts[0] = '\0';
	e->source[0] = '\0';
	e->level = LOGFILES_INFO;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (logfiles__parse_hearth(line, len, e) || logfiles__parse_nginx(line, len, e))
		return 1;
	e->ts[0] = '\0';
	e->source[0] = '\0';
	e->level = LOGFILES_INFO;
	logfiles__set_message(e, line, len);
	return 0;
}

/*
 * in as valid UTF-8 into out (which has room for 3 * strlen(in) + 1):
 * each byte that does not start a well-formed sequence (overlong,
 * surrogate, beyond U+10FFFF, cut short) becomes U+FFFD.
 */
static void logfiles__utf8_clean(const char *in, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	char *o = out;

	while (*p) {
		unsigned c = *p;
		size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
			 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		bool ok = n > 0;

		for (size_t i = 1; ok && i < n; i++)
			ok = (p[i] & 0xC0) == 0x80;
		if (ok && n == 3)
			ok = !(c == 0xE0 && p[1] < 0xA0) && !(c == 0xED && p[1] >= 0xA0);
		if (ok && n == 4)
			ok = !(c == 0xF0 && p[1] < 0x90) && !(c == 0xF4 && p[1] >= 0x90);
		if (!ok) {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
}

json_t *logfiles_entry_json(const struct logfiles_entry *e)
{
	char *msg = malloc(3 * strlen(e->message) + 1);
	char src[3 * sizeof(e->source) + 1];
	json_t *j;

	if (!msg)
		return NULL;
	logfiles__utf8_clean(e->message, msg);
	logfiles__utf8_clean(e->source, src);
	j = json_pack("{s:o, s:s, s:s, s:s}", "ts", e->ts[0] ? json_string(e->ts) : json_null(),
		      "level", logfiles_level_name(e->level), "source", src, "message", msg);
	free(msg);
	return j;
}

/* ---------------------------------------------------------------- reading backwards */

struct logfiles_rev {
	int fd;
	off_t stop;          /* nothing before this offset is read (the scan cap) */
	off_t line_end;      /* where the next line (going back) ends; -1 when done */
	off_t bstart;        /* file offset of buf[0] */
	size_t blen;
	char buf[LOGFILES_BLOCK];
	char line[LOGFILES_LINE_MAX + 1];
	char fallback_source[64];
	char last_ts[32];    /* the time of the entry read before (newer) */
	bool have;           /* entry holds the next one */
	struct logfiles_entry entry;
};

static int logfiles__rev_open(struct logfiles_rev *r, const char *path)
{
	struct stat st;
	const char *base = strrchr(path, '/');
	size_t n;

	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (r->fd < 0)
		return -1;
	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	r->line_end = st.st_size;
	r->stop = st.st_size > (off_t)LOGFILES_SCAN_MAX ? st.st_size - (off_t)LOGFILES_SCAN_MAX : 0;
	r->bstart = r->line_end;
	r->blen = 0;
	r->last_ts[0] = '\0';
	r->have = false;
	/* "hearth-tick" for a line of hearth-tick.log in no known format. */
	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n >= sizeof(r->fallback_source))
		n = sizeof(r->fallback_source) - 1;
	memcpy(r->fallback_source, base, n);
	r->fallback_source[n] = '\0';
	return 0;
}

/* Read the block before bstart (not before stop).  0, or -1 at the start. */
static int logfiles__rev_back(struct logfiles_rev *r)
{
	off_t from = r->bstart - LOGFILES_BLOCK > r->stop ? r->bstart - LOGFILES_BLOCK : r->stop;
	size_t want = (size_t)(r->bstart - from);
	size_t got = 0;

	if (want == 0)
		return -1;
	while (got < want) {
		ssize_t n = pread(r->fd, r->buf + got, want - got, from + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;   /* the file shrank: stop here */
		got += (size_t)n;
	}
	r->bstart = from;
	r->blen = want;
	return 0;
}

/*
 * The next line going back, into r->line (cut to LOGFILES_LINE_MAX).
 * 1 with *len, 0 when there are no more lines.
 */
static int logfiles__rev_line(struct logfiles_rev *r, size_t *len)
{
	while (r->line_end >= 0) {
		off_t start = r->stop;
		/* A line that starts at the scan cap is most likely the tail
		 * of one cut by it; only the file's start is a sure start. */
		bool whole = r->stop == 0;
		size_t n;

		/* The newline before line_end, a block at a time. */
		for (;;) {
			off_t hi = r->line_end < r->bstart + (off_t)r->blen ? r->line_end
									 : r->bstart + (off_t)r->blen;

			if (hi > r->bstart) {
				const char *nl = memrchr(r->buf, '\n', (size_t)(hi - r->bstart));

				if (nl) {
					start = r->bstart + (nl - r->buf) + 1;
					whole = true;
					break;
				}
			}
			if (logfiles__rev_back(r) < 0)
				break;
		}
		n = (size_t)(r->line_end - start);
		/* The line before ends at that newline; without one, none. */
		r->line_end = start > r->stop ? start - 1 : -1;
		if (!whole || n == 0)
			continue;
		if (n > LOGFILES_LINE_MAX)
			n = LOGFILES_LINE_MAX;
		if (start + (off_t)n <= r->bstart + (off_t)r->blen) {
			memcpy(r->line, r->buf + (start - r->bstart), n);
		} else {
			/* A long line reaching past the block in hand. */
			ssize_t got = pread(r->fd, r->line, n, start);

			if (got <= 0)
				return 0;
			n = (size_t)got;
		}
		r->line[n] = '\0';
		*len = n;
		return 1;
	}
	return 0;
}

static bool logfiles__matches(const struct logfiles_entry *e, const struct logfiles_query *q)
{
	if (q->level != LOGFILES_ANY && e->level != q->level)
		return false;
	if (q->search && *q->search && !strcasestr(e->message, q->search) &&
	    !strcasestr(e->source, q->search))
		return false;
	return true;
}

/* Make r->entry the next matching entry; false when there is none. */
static bool logfiles__rev_next(struct logfiles_rev *r, const struct logfiles_query *q)
{
	size_t len;

	r->have = false;
	while (r->fd >= 0 && logfiles__rev_line(r, &len)) {
		struct logfiles_entry *e = &r->entry;

		if (!logfiles_parse_line(r->line, len, e))
			snprintf(e->source, sizeof(e->source), "%s", r->fallback_source);
		if (e->ts[0])
			snprintf(r->last_ts, sizeof(r->last_ts), "%s", e->ts);
		if (logfiles__matches(e, q)) {
			r->have = true;
			return true;
		}
	}
	return false;
}

/* The time an entry sorts by: its own, else the newer line's. */
static const char *logfiles__sort_ts(const struct logfiles_rev *r)
{
	return r->entry.ts[0] ? r->entry.ts : r->last_ts;
}

json_t *logfiles_read(const char *const *paths, size_t npaths, const struct logfiles_query *q)
{
	struct logfiles_rev *revs = NULL;
	json_t *items = json_array();
	size_t limit = q->limit;

	if (!items)
		return NULL;
	if (limit == 0 || limit > LOGFILES_LIMIT_MAX)
		limit = limit ? LOGFILES_LIMIT_MAX : LOGFILES_LIMIT_DEFAULT;
	if (npaths > LOGFILES_FILES_MAX)
		npaths = LOGFILES_FILES_MAX;
	revs = calloc(npaths ? npaths : 1, sizeof(*revs));
	if (!revs)
		goto fail;
	for (size_t i = 0; i < npaths; i++) {
		revs[i].fd = -1;
		if (paths[i] && logfiles__rev_open(&revs[i], paths[i]) == 0)
			logfiles__rev_next(&revs[i], q);
	}
	while (json_array_size(items) < limit) {
		struct logfiles_rev *best = NULL;
		json_t *j;

		for (size_t i = 0; i < npaths; i++)
			if (revs[i].have &&
			    (!best || strcmp(logfiles__sort_ts(&revs[i]), logfiles__sort_ts(best)) > 0))
				best = &revs[i];
		if (!best)
			break;
		j = logfiles_entry_json(&best->entry);
		if (!j || json_array_append_new(items, j) < 0)
			goto fail;
		logfiles__rev_next(best, q);
	}
	goto out;
fail:
	json_decref(items);
	items = NULL;
out:
	for (size_t i = 0; revs && i < npaths; i++)
		if (revs[i].fd >= 0)
			close(revs[i].fd);
	free(revs);
	return items;
}

/* ---------------------------------------------------------------- other files */

bool logfiles_segment_ok(const char *s)
{
	size_t n;

	if (!s || !*s || *s == '.')
		return false;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
	return s[n] == '\0' && n <= LOGFILES_SEGMENT_MAX;
}

static int logfiles__by_modified(const void *a, const void *b)
{
	json_int_t ma = json_integer_value(json_object_get(*(json_t *const *)a, "_mtime"));
	json_int_t mb = json_integer_value(json_object_get(*(json_t *const *)b, "_mtime"));

	if (ma != mb)
		return ma < mb ? 1 : -1;
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

/* Add the regular files of category (a directory under dirfd) to items. */
static int logfiles__list_category(int dirfd, const char *category, json_t *items)
{
	int cfd = openat(dirfd, category, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int rv = 0;

	if (cfd < 0)
		return 0;
	d = fdopendir(cfd);
	if (!d) {
		close(cfd);
		return 0;
	}
	while ((de = readdir(d)) && json_array_size(items) < LOGFILES_LIST_MAX) {
		struct stat st;
		char name[2 * LOGFILES_SEGMENT_MAX + 2];
		struct tm tm;
		char modified[32];
		json_t *j;

		if (!logfiles_segment_ok(de->d_name) ||
		    fstatat(cfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		snprintf(name, sizeof(name), "%.*s/%.*s", LOGFILES_SEGMENT_MAX, category,
			 LOGFILES_SEGMENT_MAX, de->d_name);
		gmtime_r(&st.st_mtime, &tm);
		strftime(modified, sizeof(modified), "%Y-%m-%dT%H:%M:%SZ", &tm);
		j = json_pack("{s:s, s:s, s:I, s:s, s:I}", "name", name, "category", category, "size",
			      (json_int_t)st.st_size, "modified", modified, "_mtime",
			      (json_int_t)st.st_mtime);
		if (!j || json_array_append_new(items, j) < 0) {
			rv = -1;
			break;
		}
	}
	closedir(d);
	return rv;
}

json_t *logfiles_list(const char *dir)
{
	json_t *items = json_array();
	json_t **v = NULL;
	int dfd = -1;
	DIR *d = NULL;
	struct dirent *de;
	size_t n, i;

	if (!items)
		return NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return items;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return items;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!logfiles_segment_ok(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (logfiles__list_category(dfd, de->d_name, items) < 0)
			goto fail;
	}
	closedir(d);
	d = NULL;

	/* Newest first, then drop the sort key. */
	n = json_array_size(items);
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		goto fail;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	qsort(v, n, sizeof(*v), logfiles__by_modified);
	json_array_clear(items);
	for (i = 0; i < n; i++) {
		json_object_del(v[i], "_mtime");
		if (json_array_append_new(items, v[i]) < 0) {
			for (i++; i < n; i++)
				json_decref(v[i]);
			goto fail;
		}
	}
	free(v);
	return items;
fail:
	if (d)
		closedir(d);
	free(v);
	json_decref(items);
	return NULL;
}

/* Whether dir lists name as a directory (want_dir) or a regular file,
 * without following a symlink. */
static bool logfiles__listed(int dfd, const char *name, bool want_dir)
{
	int fd = dup(dfd);
	DIR *d;
	struct dirent *de;
	bool found = false;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	rewinddir(d);
	while (!found && (de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, name) != 0)
			continue;
		found = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			(want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
	}
	closedir(d);
	return found;
}

int logfiles_read_file(const char *dir, const char *category, const char *name,
		       size_t max_bytes, char **buf, size_t *len, bool *truncated)
{
	int dfd = -1, cfd = -1, fd = -1, rv = -1, saved;
	struct stat st;
	off_t from;
	size_t want, got = 0, need;
	char *p = NULL, *shown = NULL;

	*buf = NULL;
	*len = 0;
	*truncated = false;
	if (!logfiles_segment_ok(category) || !logfiles_segment_ok(name)) {
		errno = ENOENT;
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto enoent;
	if (!logfiles__listed(dfd, category, true))
		goto enoent;
	cfd = openat(dfd, category, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0 || !logfiles__listed(cfd, name, false))
		goto enoent;
	/* O_NONBLOCK: a FIFO swapped in after the check must not hang us. */
	fd = openat(cfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode))
		goto enoent;

	from = st.st_size > (off_t)max_bytes ? st.st_size - (off_t)max_bytes : 0;
	want = (size_t)(st.st_size - from);
	p = malloc(want + 1);
	if (!p) {
		errno = ENOMEM;
		goto out;
	}
	while (got < want) {
		ssize_t n = pread(fd, p + got, want - got, from + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	p[got] = '\0';
	if (from > 0) {
		/* Start at a whole line, unless a single line fills it all. */
		char *nl = memchr(p, '\n', got);

		*truncated = true;
		if (nl && nl + 1 < p + got) {
			size_t skip = (size_t)(nl + 1 - p);

			memmove(p, nl + 1, got - skip + 1);
			got -= skip;
		}
	}
	/* What GET /logs shows hidden is hidden here too. */
	need = logfiles_redact(p, got, NULL, 0);
	shown = malloc(need + 1);
	if (!shown) {
		errno = ENOMEM;
		goto out;
	}
	*len = logfiles_redact(p, got, shown, need + 1);
	*buf = shown;
	rv = 0;
	goto out;
enoent:
	errno = ENOENT;
out:
	saved = errno;
	free(p);
	if (fd >= 0)
		close(fd);
	if (cfd >= 0)
		close(cfd);
	if (dfd >= 0)
		close(dfd);
	errno = saved;
	return rv;
}
