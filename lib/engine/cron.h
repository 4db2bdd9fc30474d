#ifndef HEARTH_ENGINE_CRON_H
#define HEARTH_ENGINE_CRON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Cron schedules for rules: the classic five fields
 *
 *   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12 or JAN-DEC)
 *   day-of-week (0-7 or SUN-SAT; 0 and 7 are Sunday)
 *
 * each a comma list of `*`, N, N-M, `*`/S or N-M/S (names are
 * case-insensitive and may form ranges: MON-FRI, FRI-SUN), or one of the
 * macros @hourly @daily @midnight @weekly @monthly @yearly @annually.
 *
 * Day-of-month and day-of-week combine as in Vixie cron: when both are
 * restricted a day matches if either does; when one of them is unrestricted
 * a day must match both, so only the restricted one counts.  As in Vixie
 * cron, a field counts as unrestricted when its text starts with `*`, so a
 * stepped star in day-of-month (every other day) combined with MON means
 * odd days that are Mondays, not the union.
 *
 * Times are local wall-clock minutes in the process's time zone (TZ, set
 * once at start-up from the hub's configured zone, followed by tzset()).
 * Daylight-saving changes are handled as Vixie cron handles them, by the
 * kind of schedule:
 *   - wildcard schedules (the minute or the hour field starts with `*`:
 *     `*`/15 in the minutes, "0 * * * *", "30 `*`/2 * * *") follow real
 *     elapsed time: a minute a backward transition repeats fires at each of its
 *     occurrences, and a minute a forward transition skips does not fire
 *     at all, so an interval schedule neither pauses nor bunches up;
 *   - fixed-time schedules (both fields without a star: "30 2 * * *") fire
 *     once per local day: a repeated minute at its first occurrence only,
 *     and a skipped minute at the transition itself (02:30 in Europe/Berlin
 *     on the spring-forward day fires at 03:00 CEST; all minutes skipped by
 *     one jump share that instant).
 *
 * The struct is plain data: no allocation, copy it freely.
 */

/* Bits of struct cron_expr.flags: the field's text started with '*'. */
#define CRON_DOM_STAR 0x01
#define CRON_DOW_STAR 0x02
#define CRON_MIN_STAR 0x04
#define CRON_HOUR_STAR 0x08

struct cron_expr {
	uint64_t minute; /* bit m: minute m, 0-59 */
	uint32_t hour;   /* bit h: hour h, 0-23 */
	uint32_t dom;    /* bit d: day of month d, 1-31 */
	uint16_t month;  /* bit m: month m, 1-12 */
	uint8_t dow;     /* bit d: weekday d, 0-6, 0 = Sunday (7 folded into 0) */
	uint8_t flags;   /* CRON_*_STAR */
};

/* A buffer this size holds any message cron_parse() writes. */
#define CRON_ERR_MAX 160

/*
 * How far cron_next() looks ahead.  Eight years, because that is the
 * longest gap between two 29 Februaries (2096 -> 2104); anything that can
 * fire at all fires within it.
 */
#define CRON_HORIZON_YEARS 8

/* cron_next(): no instant within CRON_HORIZON_YEARS (e.g. "0 0 30 2 *"). */
#define CRON_NEVER 1

/*
 * Parse a cron expression.  text is borrowed and NUL-terminated; leading
 * and trailing blanks are ignored.  On success fills *out and returns 0.
 * On failure returns -1, leaves *out untouched and, when err is non-NULL,
 * writes a one-line message naming the field into err (errsz bytes,
 * truncated to fit, always NUL-terminated), e.g.
 * "hour: 24 is out of range 0-23".
 */
int cron_parse(const char *text, struct cron_expr *out, char *err, size_t errsz);

/*
 * The first instant strictly after `after` at which e is due, in local time
 * as described above.  e is borrowed.  Returns 0 and sets *next; CRON_NEVER
 * when nothing is due within CRON_HORIZON_YEARS of `after`; -1 when `after`
 * (or the answer) is outside what localtime_r() can represent.
 *
 * Successive calls, each from the previous answer, give strictly increasing
 * instants and every due instant exactly once; to list what fell due in
 * (a, b] (catch-up after downtime), start from a and stop past b.  Cost is
 * a few localtime_r() calls and a walk over the fields (whole months, days
 * and hours are skipped), never a minute-by-minute scan.
 */
int cron_next(const struct cron_expr *e, time_t after, time_t *next);

/* How a schedule spaces its instants on an ordinary day (no DST change). */
struct cron_spacing {
	int per_day;             /* instants on a day it fires; 0 = it never fires */
	int64_t min_gap_minutes; /* shortest time between two successive instants,
	                          * also from one firing day to the next; -1 when
	                          * it fires once at most */
};

/*
 * The spacing of e's instants, from its fields alone (no time zone).  Day
 * to day steps are looked for over CRON_HORIZON_YEARS of calendar.  What
 * a daily cap or a cool-off set on a cron rule is checked against: on an
 * ordinary day the schedule fires per_day times, never closer together
 * than min_gap_minutes.
 */
void cron_spacing(const struct cron_expr *e, struct cron_spacing *out);

#endif
