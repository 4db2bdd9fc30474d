/*
 * Cron expressions: a parser into bitsets, and the next due instant in
 * local time.  The search runs over local calendar fields (skipping whole
 * months, days and hours that cannot match) and only then maps the civil
 * minute it found to its instants, which is where DST is dealt with, as
 * Vixie cron does (see cron.h).
 */
#include "cron.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ parse */

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
					    "jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

struct cron_field {
	const char *name;
	int low, high;
	const char *const *names; /* names[i] stands for low + i; NULL: numbers only */
};

enum { F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, F_COUNT };

static const struct cron_field fields[F_COUNT] = {
	[F_MINUTE] = { "minute", 0, 59, NULL },
	[F_HOUR] = { "hour", 0, 23, NULL },
	[F_DOM] = { "day-of-month", 1, 31, NULL },
	[F_MONTH] = { "month", 1, 12, month_names },
	[F_DOW] = { "day-of-week", 0, 7, dow_names },
};

/* The expansions are Vixie cron's. */
static const struct {
	const char *name;
	const char *expansion;
} macros[] = {
	{ "@hourly", "0 * * * *" },  { "@daily", "0 0 * * *" },   { "@midnight", "0 0 * * *" },
	{ "@weekly", "0 0 * * 0" },  { "@monthly", "0 0 1 * *" }, { "@yearly", "0 0 1 1 *" },
	{ "@annually", "0 0 1 1 *" },
};

/* Longest token text quoted back in a message. */
#define CRON_QUOTE_MAX 20

struct cron_parser {
	const char *p;
	const struct cron_field *field; /* NULL outside the five fields */
	char *err;
	size_t errsz;
};

static bool cron__blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool cron__digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only, so the result never depends on the locale. */
static bool cron__alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char cron__lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool cron__iequal(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++)
		if (b[i] == '\0' || cron__lower(a[i]) != cron__lower(b[i]))
			return false;
	return b[alen] == '\0';
}

static int cron__fail(struct cron_parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write "<field>: <message>" into the caller's buffer; always returns -1. */
static int cron__fail(struct cron_parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!ps->err || ps->errsz == 0)
		return -1;
	if (ps->field)
		n = snprintf(ps->err, ps->errsz, "%s: ", ps->field->name);
	if (n < 0 || (size_t)n >= ps->errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int cron__unexpected(struct cron_parser *ps)
{
	unsigned char c = (unsigned char)*ps->p;

	if (c == '\0' || c == ',' || cron__blank((char)c))
		return cron__fail(ps, "missing value");
	if (c > 0x20 && c < 0x7f)
		return cron__fail(ps, "unexpected character '%c'", c);
	return cron__fail(ps, "unexpected byte 0x%02x", c);
}

/* A decimal number, saturating so that long digit strings cannot overflow. */
static long cron__number(struct cron_parser *ps)
{
	long v = 0;

	while (cron__digit(*ps->p)) {
		if (v < 1000000)
			v = v * 10 + (*ps->p - '0');
		ps->p++;
	}
	return v;
}

/* One value: a number, or a name where the field has names.  *named says
 * which, so that SUN can close a day-of-week range as 7. */
static int cron__value(struct cron_parser *ps, int *out, bool *named)
{
	const struct cron_field *f = ps->field;
	const char *start = ps->p;
	int len;

	*named = false;
	if (cron__digit(*ps->p)) {
		long v = cron__number(ps);

		len = (int)(ps->p - start);
		if (v < f->low || v > f->high)
			return cron__fail(ps, "%.*s is out of range %d-%d",
					  len < CRON_QUOTE_MAX ? len : CRON_QUOTE_MAX, start, f->low,
					  f->high);
		*out = (int)v;
		return 0;
	}
	if (!cron__alpha(*ps->p))
		return cron__unexpected(ps);

	while (cron__alpha(*ps->p))
		ps->p++;
	len = (int)(ps->p - start);
	if (!f->names)
		return cron__fail(ps, "\"%.*s\" is not a number",
				  len < CRON_QUOTE_MAX ? len : CRON_QUOTE_MAX, start);
	for (int i = 0; f->names[i]; i++) {
		if (cron__iequal(start, (size_t)len, f->names[i])) {
			*out = f->low + i;
			*named = true;
			return 0;
		}
	}
	return cron__fail(ps, "unknown name \"%.*s\" (use %s-%s)",
			  len < CRON_QUOTE_MAX ? len : CRON_QUOTE_MAX, start,
			  f == &fields[F_MONTH] ? "JAN" : "SUN", f == &fields[F_MONTH] ? "DEC" : "SAT");
}

/* One list element: *, N, N-M, optionally followed by /STEP. */
static int cron__element(struct cron_parser *ps, uint64_t *bits)
{
	const struct cron_field *f = ps->field;
	const char *start = ps->p;
	bool ranged = false, named;
	int lo, hi;
	long step = 1;

	if (*ps->p == '*') {
		ps->p++;
		lo = f->low;
		hi = f->high;
		ranged = true;
	} else {
		if (cron__value(ps, &lo, &named) < 0)
			return -1;
		hi = lo;
		if (*ps->p == '-') {
			ps->p++;
			if (cron__value(ps, &hi, &named) < 0)
				return -1;
			/* FRI-SUN reads naturally; Sunday is also 7. */
			if (f == &fields[F_DOW] && named && hi == 0)
				hi = 7;
			if (hi < lo) {
				int len = (int)(ps->p - start);

				return cron__fail(ps, "range %.*s is backwards",
						  len < CRON_QUOTE_MAX ? len : CRON_QUOTE_MAX, start);
			}
			ranged = true;
		}
	}

	if (*ps->p == '/') {
		const char *digits;
		int len;

		if (!ranged)
			return cron__fail(ps, "a step needs '*' or a range before '/'");
		ps->p++;
		digits = ps->p;
		if (!cron__digit(*ps->p))
			return cron__fail(ps, "missing step after '/'");
		step = cron__number(ps);
		len = (int)(ps->p - digits);
		if (step < 1 || step > f->high)
			return cron__fail(ps, "step %.*s is out of range 1-%d",
					  len < CRON_QUOTE_MAX ? len : CRON_QUOTE_MAX, digits, f->high);
	}

	for (long v = lo; v <= hi; v += step)
		*bits |= UINT64_C(1) << v;
	return 0;
}

/* A comma list, up to the next blank or the end. */
static int cron__field(struct cron_parser *ps, uint64_t *bits)
{
	for (;;) {
		if (*ps->p == ',' || cron__blank(*ps->p) || *ps->p == '\0')
			return cron__fail(ps, "empty list element");
		if (cron__element(ps, bits) < 0)
			return -1;
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (cron__blank(*ps->p) || *ps->p == '\0')
			return 0;
		return cron__unexpected(ps);
	}
}

static int cron__count_fields(const char *s)
{
	int n = 0;

	while (*s) {
		while (cron__blank(*s))
			s++;
		if (*s == '\0')
			break;
		n++;
		while (*s && !cron__blank(*s))
			s++;
	}
	return n;
}

static int cron__macro(struct cron_parser *ps, struct cron_expr *out)
{
	const char *start = ps->p;
	size_t len;
	int quoted;

	while (*ps->p && !cron__blank(*ps->p))
		ps->p++;
	len = (size_t)(ps->p - start);
	quoted = len < CRON_QUOTE_MAX ? (int)len : CRON_QUOTE_MAX;
	while (cron__blank(*ps->p))
		ps->p++;
	if (*ps->p != '\0')
		return cron__fail(ps, "unexpected text after %.*s", quoted, start);

	for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
		if (cron__iequal(start, len, macros[i].name))
			return cron_parse(macros[i].expansion, out, ps->err, ps->errsz);
	if (cron__iequal(start, len, "@reboot"))
		return cron__fail(ps, "@reboot is not supported");
	return cron__fail(ps,
			  "unknown macro \"%.*s\" (use @hourly, @daily, @midnight, @weekly, "
			  "@monthly, @yearly or @annually)",
			  quoted, start);
}

int cron_parse(const char *text, struct cron_expr *out, char *err, size_t errsz)
{
	struct cron_parser ps = { .p = text, .field = NULL, .err = err, .errsz = errsz };
	struct cron_expr e = { 0 };
	uint64_t bits[F_COUNT] = { 0 };
	int n;

	if (err && errsz)
		err[0] = '\0';
	while (cron__blank(*ps.p))
		ps.p++;
	if (*ps.p == '\0')
		return cron__fail(&ps, "empty cron expression");
	if (*ps.p == '@')
		return cron__macro(&ps, out);

	n = cron__count_fields(ps.p);
	if (n != F_COUNT)
		return cron__fail(&ps,
				  "expected 5 fields (minute hour day-of-month month day-of-week), "
				  "found %d",
				  n);

	for (int i = 0; i < F_COUNT; i++) {
		while (cron__blank(*ps.p))
			ps.p++;
		ps.field = &fields[i];
		if (i == F_DOM && *ps.p == '*')
			e.flags |= CRON_DOM_STAR;
		if (i == F_DOW && *ps.p == '*')
			e.flags |= CRON_DOW_STAR;
		if (i == F_MINUTE && *ps.p == '*')
			e.flags |= CRON_MIN_STAR;
		if (i == F_HOUR && *ps.p == '*')
			e.flags |= CRON_HOUR_STAR;
		if (cron__field(&ps, &bits[i]) < 0)
			return -1;
	}

	if (bits[F_DOW] & (UINT64_C(1) << 7))
		bits[F_DOW] = (bits[F_DOW] | 1) & ~(UINT64_C(1) << 7);
	e.minute = bits[F_MINUTE];
	e.hour = (uint32_t)bits[F_HOUR];
	e.dom = (uint32_t)bits[F_DOM];
	e.month = (uint16_t)bits[F_MONTH];
	e.dow = (uint8_t)bits[F_DOW];
	*out = e;
	return 0;
}

/* ------------------------------------------------------------------- next */

/* A local wall-clock minute.  The search lets day, hour and minute run one
 * past their end; the helpers below carry them over. */
struct cron_civil {
	int64_t year;
	int month, day, hour, minute;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t cron__days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int cron__weekday(const struct cron_civil *c)
{
	int64_t w = (cron__days(c->year, c->month, c->day) + 4) % 7; /* 1970-01-01: Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

static int cron__month_days(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* The lowest set bit at or above `from`, or -1. */
static int cron__next_bit(uint64_t bits, int from)
{
	bits &= ~UINT64_C(0) << from;
	return bits ? __builtin_ctzll(bits) : -1;
}

static void cron__next_month(struct cron_civil *c)
{
	if (++c->month > 12) {
		c->month = 1;
		c->year++;
	}
	c->day = 1;
	c->hour = 0;
	c->minute = 0;
}

static void cron__next_day(struct cron_civil *c)
{
	c->day++; /* past the month's end is caught by cron__search() */
	c->hour = 0;
	c->minute = 0;
}

static void cron__next_hour(struct cron_civil *c)
{
	if (++c->hour > 23)
		cron__next_day(c);
	else
		c->minute = 0;
}

static void cron__next_minute(struct cron_civil *c)
{
	if (++c->minute > 59)
		cron__next_hour(c);
}

static bool cron__day_matches(const struct cron_expr *e, const struct cron_civil *c)
{
	bool dom = (e->dom >> c->day) & 1;
	bool dow = (e->dow >> cron__weekday(c)) & 1;

	if (e->flags & (CRON_DOM_STAR | CRON_DOW_STAR))
		return dom && dow;
	return dom || dow;
}

/* Bits a hand-made struct might set beyond the fields' ranges are ignored. */
#define CRON_HOURS ((UINT64_C(1) << 24) - 1)
#define CRON_MINUTES ((UINT64_C(1) << 60) - 1)

/* Move *c to the first matching minute at or after it, up to the end of
 * last_year.  false when there is none. */
static bool cron__search(const struct cron_expr *e, struct cron_civil *c, int64_t last_year)
{
	while (c->year <= last_year) {
		int h, m;

		if (!((e->month >> c->month) & 1) || c->day > cron__month_days(c->year, c->month)) {
			cron__next_month(c);
			continue;
		}
		if (!cron__day_matches(e, c)) {
			cron__next_day(c);
			continue;
		}
		h = cron__next_bit(e->hour & CRON_HOURS, c->hour);
		if (h < 0) {
			cron__next_day(c);
			continue;
		}
		if (h != c->hour) {
			c->hour = h;
			c->minute = 0;
		}
		m = cron__next_bit(e->minute & CRON_MINUTES, c->minute);
		if (m < 0) {
			cron__next_hour(c);
			continue;
		}
		c->minute = m;
		return true;
	}
	return false;
}

/* UTC offset in seconds at instant t. */
static int cron__offset(int64_t t, long *off)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || !localtime_r(&tt, &tm))
		return -1;
	*off = tm.tm_gmtoff;
	return 0;
}

/* Where one local minute falls in real time. */
struct cron_occ {
	time_t first;  /* its first occurrence; the transition when skipped */
	time_t second; /* a backward transition's repeat of it; = first if none */
	bool skipped;  /* a forward transition skips it */
};

/*
 * The occurrences of a local minute.  Any instant showing that minute is
 * its wall-clock reading minus the offset then in force; transitions are
 * rare enough that the offsets a day either side are the only candidates.
 */
static int cron__instant(const struct cron_civil *c, struct cron_occ *o)
{
	int64_t wall = cron__days(c->year, c->month, c->day) * 86400 + c->hour * 3600 +
		       c->minute * 60;
	long before, after, lo_off, off;
	int64_t lo, hi;
	bool lo_shows, hi_shows;

	if (wall > INT64_MAX / 2 || wall < INT64_MIN / 2)
		return -1;
	if (cron__offset(wall - 86400, &before) < 0 || cron__offset(wall + 86400, &after) < 0)
		return -1;

	/* The larger offset gives the earlier candidate. */
	lo = wall - (before > after ? before : after);
	hi = wall - (before > after ? after : before);
	if (cron__offset(lo, &lo_off) < 0 || cron__offset(hi, &off) < 0)
		return -1;
	lo_shows = lo + lo_off == wall;
	hi_shows = hi + off == wall;
	o->skipped = false;
	if (lo_shows || hi_shows || lo == hi) {
		o->first = (time_t)(lo_shows ? lo : hi);
		o->second = (time_t)(hi_shows ? hi : o->first);
		return 0;
	}

	/* Skipped: lo is before the jump and hi after it; find the jump. */
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (cron__offset(mid, &off) < 0)
			return -1;
		if (off == lo_off)
			lo = mid;
		else
			hi = mid;
	}
	o->first = o->second = (time_t)hi;
	o->skipped = true;
	return 0;
}

/* The smallest UTC offset in force within a day of t. */
static int cron__min_offset(time_t t, long *off)
{
	long a, b, c;

	if (cron__offset((int64_t)t - 86400, &a) < 0 || cron__offset(t, &b) < 0 ||
	    cron__offset((int64_t)t + 86400, &c) < 0)
		return -1;
	*off = a < b ? (a < c ? a : c) : (b < c ? b : c);
	return 0;
}

int cron_next(const struct cron_expr *e, time_t after, time_t *next)
{
	bool wild = (e->flags & (CRON_MIN_STAR | CRON_HOUR_STAR)) != 0;
	struct cron_civil c;
	struct cron_occ o;
	struct tm tm;
	int64_t last_year;
	time_t start, repeat = 0;
	long off;

	/*
	 * Start from the wall-clock reading of `after` under the smallest
	 * offset near it: after a backward transition that is the repeated
	 * hour, whose second occurrences may still be ahead.
	 */
	if (cron__min_offset(after, &off) < 0)
		return -1;
	start = after + off;
	if (!gmtime_r(&start, &tm))
		return -1;
	c.year = (int64_t)tm.tm_year + 1900;
	c.month = tm.tm_mon + 1;
	c.day = tm.tm_mday;
	c.hour = tm.tm_hour;
	c.minute = tm.tm_min;
	last_year = c.year + CRON_HORIZON_YEARS;
	cron__next_minute(&c);

	/*
	 * Mapping minutes to their first occurrences keeps their order, and
	 * so does mapping them to their last ones: the answer is the first
	 * minute whose first occurrence is still ahead, or, for a wildcard
	 * schedule, an earlier minute whose repeat is (the first such one).
	 * A wildcard schedule never fires a skipped minute.
	 */
	while (cron__search(e, &c, last_year)) {
		if (cron__instant(&c, &o) < 0)
			return -1;
		if (wild && o.skipped) {
			cron__next_minute(&c);
			continue;
		}
		if (o.first > after) {
			*next = repeat && repeat < o.first ? repeat : o.first;
			return 0;
		}
		if (wild && !repeat && o.second > after)
			repeat = o.second;
		cron__next_minute(&c);
	}
	if (repeat) {
		*next = repeat;
		return 0;
	}
	return CRON_NEVER;
}

/* Whether the local calendar day c (hour and minute ignored) matches. */
static bool cron__day_fires(const struct cron_expr *e, const struct cron_civil *c)
{
	return ((e->month >> c->month) & 1) && cron__day_matches(e, c);
}

void cron_spacing(const struct cron_expr *e, struct cron_spacing *out)
{
	struct cron_civil c = { 2000, 1, 1, 0, 0 };
	int64_t first = -1, last = -1, day = 0, prev_day = -1, min_days = -1;
	int64_t gap = -1;
	int per_day = 0;

	/* The minutes of one day, in order. */
	for (int h = 0; h < 24; h++) {
		if (!((e->hour >> h) & 1))
			continue;
		for (int m = 0; m < 60; m++) {
			int64_t at = h * 60 + m;

			if (!((e->minute >> m) & 1))
				continue;
			if (last >= 0 && (gap < 0 || at - last < gap))
				gap = at - last;
			if (first < 0)
				first = at;
			last = at;
			per_day++;
		}
	}
	/* The shortest step from one firing day to the next, over the horizon. */
	for (; c.year < 2000 + CRON_HORIZON_YEARS && per_day > 0; day++) {
		if (c.day > cron__month_days(c.year, c.month)) {
			c.day = 1;
			if (++c.month > 12) {
				c.month = 1;
				c.year++;
			}
		}
		if (cron__day_fires(e, &c)) {
			if (prev_day >= 0 && (min_days < 0 || day - prev_day < min_days))
				min_days = day - prev_day;
			prev_day = day;
		}
		c.day++;
	}
	if (min_days > 0 && (gap < 0 || min_days * 1440 + first - last < gap))
		gap = min_days * 1440 + first - last;
	out->per_day = prev_day >= 0 ? per_day : 0;
	out->min_gap_minutes = gap;
}
