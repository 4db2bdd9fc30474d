/*
 * Cron expressions: the parser (every accepted form and every error), and
 * next-time computation across month ends, leap days, the Vixie
 * day-of-month/day-of-week rule and DST in two zones, checked against a
 * brute-force walk over real time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cron.h"

static void use_zone(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static uint64_t bits(int lo, int hi, int step)
{
	uint64_t b = 0;

	for (int v = lo; v <= hi; v += step)
		b |= UINT64_C(1) << v;
	return b;
}

static struct cron_expr parse_ok(const char *text)
{
	struct cron_expr e;
	char err[CRON_ERR_MAX];

	if (cron_parse(text, &e, err, sizeof(err)) != 0)
		fail_msg("\"%s\" refused: %s", text, err);
	assert_string_equal(err, "");
	return e;
}

/*
 * "YYYY-MM-DD HH:MM[:SS]" as local time (only for times that exist once),
 * or with a trailing "Z" as UTC.
 */
static time_t instant(const char *s)
{
	struct tm tm = { 0 };
	int sec = 0;
	char z = 0;
	int n = sscanf(s, "%d-%d-%d %d:%d:%d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		       &tm.tm_min, &sec, &z);

	if (n < 6) {
		n = sscanf(s, "%d-%d-%d %d:%d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &z);
		assert_true(n >= 5);
	}
	tm.tm_sec = sec;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return z == 'Z' ? timegm(&tm) : mktime(&tm);
}

static const char *show(time_t t, char *buf, size_t bufsz)
{
	struct tm tm;

	assert_non_null(localtime_r(&t, &tm));
	assert_true(strftime(buf, bufsz, "%Y-%m-%d %H:%M %Z", &tm) > 0);
	return buf;
}

/* Assert the successive due instants of expr after `from`, as local
 * "YYYY-MM-DD HH:MM ZONE" strings, NULL-terminated. */
static void expect_next(const char *expr, const char *from, ...)
{
	struct cron_expr e = parse_ok(expr);
	time_t t = instant(from), next;
	const char *want;
	char buf[64];
	va_list ap;

	va_start(ap, from);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (cron_next(&e, t, &next) != 0)
			fail_msg("%s after %s: nothing, expected %s", expr, show(t, buf, sizeof(buf)),
				 want);
		show(next, buf, sizeof(buf));
		if (strcmp(buf, want) != 0)
			fail_msg("%s: got %s, expected %s", expr, buf, want);
		assert_true(next > t);
		t = next;
	}
	va_end(ap);
}

/* ---------------------------------------------------------------- parsing */

static void test_parse_fields(void **state)
{
	(void)state;
	struct cron_expr e;

	e = parse_ok("* * * * *");
	assert_true(e.minute == bits(0, 59, 1));
	assert_true(e.hour == bits(0, 23, 1));
	assert_true(e.dom == bits(1, 31, 1));
	assert_true(e.month == bits(1, 12, 1));
	assert_true(e.dow == bits(0, 6, 1));
	assert_int_equal(e.flags, CRON_MIN_STAR | CRON_HOUR_STAR | CRON_DOM_STAR | CRON_DOW_STAR);

	e = parse_ok("*/15 1-10/2 1,15,20-22 */5 1-5");
	assert_true(e.minute == bits(0, 45, 15));
	assert_true(e.hour == bits(1, 9, 2));
	assert_true(e.dom == (bits(1, 1, 1) | bits(15, 15, 1) | bits(20, 22, 1)));
	assert_true(e.month == (bits(1, 11, 5)));
	assert_true(e.dow == bits(1, 5, 1));
	assert_int_equal(e.flags, CRON_MIN_STAR);

	/* Names in any case, in lists and ranges, with steps. */
	e = parse_ok("0 9 * JAN-mar,Dec mon-FRI/2");
	assert_true(e.month == (bits(1, 3, 1) | bits(12, 12, 1)));
	assert_true(e.dow == bits(1, 5, 2));
	assert_int_equal(e.flags, CRON_DOM_STAR);

	/* 0 and 7 are both Sunday; SUN closes a range as 7. */
	assert_true(parse_ok("0 0 * * 7").dow == 1);
	assert_true(parse_ok("0 0 * * 5-7").dow == (bits(5, 6, 1) | 1));
	assert_true(parse_ok("0 0 * * FRI-SUN").dow == (bits(5, 6, 1) | 1));
	assert_true(parse_ok("0 0 * * */2").dow == bits(0, 6, 2));

	/* Overlaps are harmless; blanks around and between fields are too. */
	assert_true(parse_ok("1-5,3,*/30 * * * *").minute == (bits(1, 5, 1) | bits(0, 30, 30)));
	e = parse_ok(" \t0\t\t12  * *   *  ");
	assert_true(e.minute == 1 && e.hour == bits(12, 12, 1));

	/* The star flag follows Vixie cron: the text starts with '*'. */
	assert_int_equal(parse_ok("0 0 */2 * 1").flags, CRON_DOM_STAR);
	assert_int_equal(parse_ok("0 0 1-31 * 0-7").flags, 0);
	/* Wildcard schedules (DST): a star in the minute or the hour. */
	assert_int_equal(parse_ok("0 */2 1 1 1").flags, CRON_HOUR_STAR);
	assert_int_equal(parse_ok("@hourly").flags,
			 CRON_HOUR_STAR | CRON_DOM_STAR | CRON_DOW_STAR);
	assert_int_equal(parse_ok("@daily").flags, CRON_DOM_STAR | CRON_DOW_STAR);
}

static void test_parse_macros(void **state)
{
	(void)state;
	static const struct {
		const char *macro, *same_as;
	} cases[] = {
		{ "@hourly", "0 * * * *" },    { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
		{ "@weekly", "0 0 * * 0" },    { "@monthly", "0 0 1 * *" },  { "@yearly", "0 0 1 1 *" },
		{ "@annually", "0 0 1 1 *" },  { "  @DAILY\t", "0 0 * * *" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cron_expr a = parse_ok(cases[i].macro), b = parse_ok(cases[i].same_as);

		assert_memory_equal(&a, &b, sizeof(a));
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "", "empty cron expression" },
		{ " \t ", "empty cron expression" },
		{ "* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4" },
		{ "* * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6" },
		{ "60 * * * *", "minute: 60 is out of range 0-59" },
		{ "0 24 * * *", "hour: 24 is out of range 0-23" },
		{ "0 0 0 * *", "day-of-month: 0 is out of range 1-31" },
		{ "0 0 32 * *", "day-of-month: 32 is out of range 1-31" },
		{ "0 0 * 0 *", "month: 0 is out of range 1-12" },
		{ "0 0 * 13 *", "month: 13 is out of range 1-12" },
		{ "0 0 * * 8", "day-of-week: 8 is out of range 0-7" },
		{ "99999999999999999999999 * * * *", "minute: 99999999999999999999 is out of range 0-59" },
		{ "0 0 * FOO *", "month: unknown name \"FOO\" (use JAN-DEC)" },
		{ "0 0 * JANUARY *", "month: unknown name \"JANUARY\" (use JAN-DEC)" },
		{ "0 0 * * funday", "day-of-week: unknown name \"funday\" (use SUN-SAT)" },
		{ "0 MON * * *", "hour: \"MON\" is not a number" },
		{ "*/0 * * * *", "minute: step 0 is out of range 1-59" },
		{ "*/60 * * * *", "minute: step 60 is out of range 1-59" },
		{ "0 0-23/ * * *", "hour: missing step after '/'" },
		{ "5/15 * * * *", "minute: a step needs '*' or a range before '/'" },
		{ "10-5 * * * *", "minute: range 10-5 is backwards" },
		{ "0 0 * * FRI-MON", "day-of-week: range FRI-MON is backwards" },
		{ "1,,2 * * * *", "minute: empty list element" },
		{ ",1 * * * *", "minute: empty list element" },
		{ "1, * * * *", "minute: empty list element" },
		{ "1- * * * *", "minute: missing value" },
		{ "1-5-7 * * * *", "minute: unexpected character '-'" },
		{ "0 0 * * -1", "day-of-week: unexpected character '-'" },
		{ "0 0 L * *", "day-of-month: \"L\" is not a number" },
		{ "0 0 ? * *", "day-of-month: unexpected character '?'" },
		{ "0 0 * * 1\x01", "day-of-week: unexpected byte 0x01" },
		{ "0 0 * * 1\xc3\xa9", "day-of-week: unexpected byte 0xc3" },
		{ "@often", "unknown macro \"@often\" (use @hourly, @daily, @midnight, @weekly, "
			    "@monthly, @yearly or @annually)" },
		{ "@reboot", "@reboot is not supported" },
		{ "@daily 5", "unexpected text after @daily" },
	};
	struct cron_expr e, untouched;
	char err[CRON_ERR_MAX];

	memset(&untouched, 0xa5, sizeof(untouched));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = untouched;
		if (cron_parse(cases[i].text, &e, err, sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", cases[i].text);
		if (strcmp(err, cases[i].message) != 0)
			fail_msg("\"%s\": got \"%s\"", cases[i].text, err);
		assert_memory_equal(&e, &untouched, sizeof(e));
	}

	/* No buffer, or a tiny one, is fine. */
	assert_int_equal(cron_parse("0 24 * * *", &e, NULL, 0), -1);
	assert_int_equal(cron_parse("0 24 * * *", &e, err, 6), -1);
	assert_string_equal(err, "hour:");
	assert_int_equal(cron_parse("0 24 * * *", &e, err, 1), -1);
	assert_string_equal(err, "");
}

/* ----------------------------------------------------------- next, plain */

static void test_next_ordinary(void **state)
{
	(void)state;
	use_zone("Europe/Berlin");

	expect_next("*/15 * * * *", "2026-11-20 10:07", "2026-11-20 10:15 CET",
		    "2026-11-20 10:30 CET", "2026-11-20 10:45 CET", "2026-11-20 11:00 CET", NULL);
	/* Strictly after: a due instant is not returned again, seconds count. */
	expect_next("*/15 * * * *", "2026-11-20 10:15", "2026-11-20 10:30 CET", NULL);
	expect_next("*/15 * * * *", "2026-11-20 10:14:59", "2026-11-20 10:15 CET", NULL);
	expect_next("*/15 * * * *", "2026-11-20 10:15:01", "2026-11-20 10:30 CET", NULL);
	/* Friday 10:00: skips the weekend. */
	expect_next("0 9 * * MON-FRI", "2026-11-20 10:00", "2026-11-23 09:00 CET",
		    "2026-11-24 09:00 CET", NULL);
	expect_next("1-10/2 8-9 * * *", "2026-11-20 08:09", "2026-11-20 09:01 CET",
		    "2026-11-20 09:03 CET", NULL);
	expect_next("0 0 1 1 *", "2026-12-31 23:59", "2027-01-01 00:00 CET",
		    "2028-01-01 00:00 CET", NULL);
	expect_next("* * * * *", "2026-12-31 23:59:30", "2027-01-01 00:00 CET", NULL);
	/* Far in the year: months without a match are skipped whole. */
	expect_next("30 6 * JUN *", "2026-11-20 00:00", "2027-06-01 06:30 CEST", NULL);
}

static void test_next_month_ends(void **state)
{
	(void)state;
	use_zone("Europe/Berlin");

	expect_next("0 0 31 * *", "2026-04-01 00:00", "2026-05-31 00:00 CEST",
		    "2026-07-31 00:00 CEST", "2026-08-31 00:00 CEST", "2026-10-31 00:00 CET", NULL);
	expect_next("0 12 30 * *", "2027-01-31 00:00", "2027-03-30 12:00 CEST", NULL);
	expect_next("59 23 28-31 2 *", "2027-02-27 00:00", "2027-02-28 23:59 CET",
		    "2028-02-28 23:59 CET", "2028-02-29 23:59 CET", NULL);
}

static void test_next_leap_day(void **state)
{
	(void)state;
	use_zone("Europe/Berlin");

	expect_next("0 0 29 2 *", "2025-03-01 00:00", "2028-02-29 00:00 CET",
		    "2032-02-29 00:00 CET", NULL);
	/* 2100 is not a leap year: eight years to the next 29 February. */
	expect_next("0 0 29 2 *", "2096-03-01 00:00", "2104-02-29 00:00 CET", NULL);
	expect_next("0 0 29 2 *", "2000-01-01 00:00", "2000-02-29 00:00 CET", NULL);
}

static void test_next_never(void **state)
{
	(void)state;
	static const char *const never[] = { "0 0 30 2 *", "0 0 31 2 *", "0 0 31 4,6,9,11 *",
					     "* * 30-31 FEB *" };
	time_t from = instant("2026-11-20 10:00"), next = 42;

	use_zone("Europe/Berlin");
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		struct cron_expr e = parse_ok(never[i]);

		assert_int_equal(cron_next(&e, from, &next), CRON_NEVER);
		assert_int_equal(next, 42);
	}

	/* A restricted day-of-week rescues an impossible day-of-month. */
	expect_next("0 0 30 2 MON", "2026-11-20 00:00", "2027-02-01 00:00 CET", NULL);

	/* Beyond what localtime_r() represents. */
	struct cron_expr e = parse_ok("* * * * *");
	assert_int_equal(cron_next(&e, (time_t)INT64_MAX, &next), -1);
}

static void test_next_dom_dow(void **state)
{
	(void)state;
	use_zone("Europe/Berlin");

	/* Both restricted: the 13th or any Friday. */
	expect_next("0 0 13 * FRI", "2026-11-01 00:00", "2026-11-06 00:00 CET",
		    "2026-11-13 00:00 CET", "2026-11-20 00:00 CET", "2026-11-27 00:00 CET",
		    "2026-12-04 00:00 CET", "2026-12-11 00:00 CET", "2026-12-13 00:00 CET",
		    "2026-12-18 00:00 CET", NULL);
	/* Not "the first Monday": the first seven days, and every Monday. */
	expect_next("0 0 1-7 * 1", "2026-11-30 00:00", "2026-12-01 00:00 CET",
		    "2026-12-02 00:00 CET", "2026-12-03 00:00 CET", "2026-12-04 00:00 CET",
		    "2026-12-05 00:00 CET", "2026-12-06 00:00 CET", "2026-12-07 00:00 CET",
		    "2026-12-14 00:00 CET", "2026-12-21 00:00 CET", NULL);
	/* One of them '*': only the other counts. */
	expect_next("0 0 * * 0", "2026-11-20 00:00", "2026-11-22 00:00 CET",
		    "2026-11-29 00:00 CET", NULL);
	expect_next("0 0 22 * *", "2026-11-20 00:00", "2026-11-22 00:00 CET",
		    "2026-12-22 00:00 CET", NULL);
	/* A stepped star still counts as '*' (Vixie): odd days that are Mondays. */
	expect_next("0 0 */2 * 1", "2026-12-31 00:00", "2027-01-11 00:00 CET",
		    "2027-01-25 00:00 CET", "2027-02-01 00:00 CET", "2027-02-15 00:00 CET", NULL);
}

static void test_next_macros(void **state)
{
	(void)state;
	use_zone("Europe/Berlin");

	/* Friday 20 November 2026, 10:30. */
	expect_next("@hourly", "2026-11-20 10:30", "2026-11-20 11:00 CET", NULL);
	expect_next("@daily", "2026-11-20 10:30", "2026-11-21 00:00 CET", NULL);
	expect_next("@midnight", "2026-11-20 10:30", "2026-11-21 00:00 CET", NULL);
	expect_next("@weekly", "2026-11-20 10:30", "2026-11-22 00:00 CET", "2026-11-29 00:00 CET",
		    NULL);
	expect_next("@monthly", "2026-11-20 10:30", "2026-12-01 00:00 CET", "2027-01-01 00:00 CET",
		    NULL);
	expect_next("@yearly", "2026-11-20 10:30", "2027-01-01 00:00 CET", NULL);
	expect_next("@annually", "2026-11-20 10:30", "2027-01-01 00:00 CET", NULL);
}

/* -------------------------------------------------------------------- DST */

static void test_dst_berlin(void **state)
{
	(void)state;
	use_zone("Europe/Berlin");

	/* 29 March 2026: 02:00 CET becomes 03:00 CEST. */
	expect_next("30 2 * * *", "2026-03-28 12:00", "2026-03-29 03:00 CEST",
		    "2026-03-30 02:30 CEST", NULL);
	expect_next("0 2 * * *", "2026-03-29 00:00", "2026-03-29 03:00 CEST",
		    "2026-03-30 02:00 CEST", NULL);
	/* A wildcard schedule keeps real time: the skipped quarter hours do
	 * not fire, 01:45 CET to 03:00 CEST is fifteen minutes. */
	expect_next("*/15 * * * *", "2026-03-29 01:40", "2026-03-29 01:45 CET",
		    "2026-03-29 03:00 CEST", "2026-03-29 03:15 CEST", NULL);
	expect_next("30 * * * *", "2026-03-29 01:00", "2026-03-29 01:30 CET",
		    "2026-03-29 03:30 CEST", NULL);
	expect_next("0 3 * * *", "2026-03-29 00:00", "2026-03-29 03:00 CEST",
		    "2026-03-30 03:00 CEST", NULL);
	expect_next("30 2 * * *", "2026-03-29 00:59:59Z", "2026-03-29 03:00 CEST", NULL);
	expect_next("30 2 * * *", "2026-03-29 01:00:00Z", "2026-03-30 02:30 CEST", NULL);

	/* 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:xx happens twice. */
	expect_next("30 2 * * *", "2026-10-24 12:00", "2026-10-25 02:30 CEST",
		    "2026-10-26 02:30 CET", NULL);
	/* From inside the second pass through 02:xx. */
	expect_next("30 2 * * *", "2026-10-25 01:20Z", "2026-10-26 02:30 CET", NULL);
	expect_next("45 2 * * *", "2026-10-25 01:20Z", "2026-10-26 02:45 CET", NULL);
	/* Wildcard schedules fire in both passes through 02:xx. */
	expect_next("0 * * * *", "2026-10-25 00:00", "2026-10-25 01:00 CEST",
		    "2026-10-25 02:00 CEST", "2026-10-25 02:00 CET", "2026-10-25 03:00 CET", NULL);
	expect_next("*/15 * * * *", "2026-10-25 00:40Z",
		    "2026-10-25 02:45 CEST", "2026-10-25 02:00 CET", "2026-10-25 02:15 CET",
		    "2026-10-25 02:30 CET", "2026-10-25 02:45 CET", "2026-10-25 03:00 CET", NULL);
	/* From inside the second pass, a wildcard's next is in it too. */
	expect_next("*/15 * * * *", "2026-10-25 01:20Z", "2026-10-25 02:30 CET", NULL);
	expect_next("* * * * *", "2026-10-25 00:58Z", "2026-10-25 02:59 CEST",
		    "2026-10-25 02:00 CET", "2026-10-25 02:01 CET", NULL);
}

static void test_dst_new_york(void **state)
{
	(void)state;
	use_zone("America/New_York");

	/* 8 March 2026: 02:00 EST becomes 03:00 EDT. */
	expect_next("30 2 * * *", "2026-03-07 12:00", "2026-03-08 03:00 EDT",
		    "2026-03-09 02:30 EDT", NULL);
	expect_next("59 2 * * *", "2026-03-08 01:59", "2026-03-08 03:00 EDT", NULL);
	/* 1 November 2026: 02:00 EDT becomes 01:00 EST; 01:xx happens twice. */
	expect_next("30 1 * * *", "2026-10-31 12:00", "2026-11-01 01:30 EDT",
		    "2026-11-02 01:30 EST", NULL);
	expect_next("30 1 * * *", "2026-11-01 06:10Z", "2026-11-02 01:30 EST", NULL);
	expect_next("*/20 1 * * *", "2026-11-01 00:50", "2026-11-01 01:00 EDT",
		    "2026-11-01 01:20 EDT", "2026-11-01 01:40 EDT", "2026-11-01 01:00 EST",
		    "2026-11-01 01:20 EST", "2026-11-01 01:40 EST", "2026-11-02 01:00 EST", NULL);
	expect_next("*/20 1 * * *", "2026-11-01 06:10Z", "2026-11-01 01:20 EST", NULL);
}

static void test_dst_santiago(void **state)
{
	(void)state;
	use_zone("America/Santiago");

	/* 4 April 2026: at 24:00 -03 the clocks go back to 23:00 -04, so
	 * 23:xx on Saturday happens twice. */
	expect_next("30 23 * * *", "2026-04-04 12:00", "2026-04-04 23:30 -03",
		    "2026-04-05 23:30 -04", NULL);
	expect_next("0 0 * * *", "2026-04-04 12:00", "2026-04-05 00:00 -04",
		    "2026-04-06 00:00 -04", NULL);
	expect_next("*/20 * * * *", "2026-04-04 23:30", "2026-04-04 23:40 -03",
		    "2026-04-04 23:00 -04", "2026-04-04 23:20 -04", "2026-04-04 23:40 -04",
		    "2026-04-05 00:00 -04", NULL);
	expect_next("0 * * * *", "2026-04-04 21:30", "2026-04-04 22:00 -03",
		    "2026-04-04 23:00 -03", "2026-04-04 23:00 -04", "2026-04-05 00:00 -04", NULL);

	/* 6 September 2026: 00:00 -04 becomes 01:00 -03; 00:xx does not exist. */
	expect_next("0 0 * * *", "2026-09-05 12:00", "2026-09-06 01:00 -03",
		    "2026-09-07 00:00 -03", NULL);
	expect_next("30 0 * * *", "2026-09-05 12:00", "2026-09-06 01:00 -03",
		    "2026-09-07 00:30 -03", NULL);
	expect_next("*/20 * * * *", "2026-09-05 23:30", "2026-09-05 23:40 -04",
		    "2026-09-06 01:00 -03", "2026-09-06 01:20 -03", NULL);
	expect_next("0 * * * *", "2026-09-05 22:30", "2026-09-05 23:00 -04",
		    "2026-09-06 01:00 -03", "2026-09-06 02:00 -03", NULL);
}

static void expect_spacing(const char *expr, int per_day, int64_t gap)
{
	struct cron_expr e = parse_ok(expr);
	struct cron_spacing sp;

	cron_spacing(&e, &sp);
	if (sp.per_day != per_day || sp.min_gap_minutes != gap)
		fail_msg("%s: %d a day, %lld min apart; expected %d, %lld", expr, sp.per_day,
			 (long long)sp.min_gap_minutes, per_day, (long long)gap);
}

static void test_spacing(void **state)
{
	(void)state;
	expect_spacing("0 8,12,18,22 * * *", 4, 240);
	expect_spacing("*/15 * * * *", 96, 15);
	expect_spacing("* * * * *", 1440, 1);
	expect_spacing("0 0 * * *", 1, 1440);
	/* Across midnight: 23:50 to 00:10. */
	expect_spacing("10,50 0,23 * * *", 4, 20);
	/* Only on Mondays: a week from one to the next. */
	expect_spacing("0 9 * * 1", 1, 7 * 1440);
	/* Friday 23:00 to Saturday 01:00. */
	expect_spacing("0 1,23 * * 5,6", 2, 120);
	expect_spacing("@hourly", 24, 60);
	expect_spacing("0 0 29 2 *", 1, 4 * 365 * 1440 + 1440);
	expect_spacing("0 0 30 2 *", 0, -1);
}

/*
 * The oracle: walk real time a minute at a time.  A fixed-time schedule
 * fires every matching local minute the first time the clock reaches or
 * jumps past it; a wildcard one whenever the clock shows a matching
 * minute (Vixie cron).  The chain of cron_next() must give exactly the
 * same instants.
 */
static bool oracle_matches(const struct cron_expr *e, const struct tm *tm)
{
	bool dom = (e->dom >> tm->tm_mday) & 1, dow = (e->dow >> tm->tm_wday) & 1;

	if (!((e->minute >> tm->tm_min) & 1) || !((e->hour >> tm->tm_hour) & 1) ||
	    !((e->month >> (tm->tm_mon + 1)) & 1))
		return false;
	return (e->flags & (CRON_DOM_STAR | CRON_DOW_STAR)) ? dom && dow : dom || dow;
}

/* Local wall-clock minute as a count, for ordering. */
static int64_t wall_minute(time_t t, struct tm *tm)
{
	struct tm copy;

	assert_non_null(localtime_r(&t, tm));
	copy = *tm;
	return (int64_t)timegm(&copy) / 60;
}

static void walk_day(const char *zone, const char *expr, const char *day_start_utc)
{
	struct cron_expr e = parse_ok(expr);
	bool wild = (e.flags & (CRON_MIN_STAR | CRON_HOUR_STAR)) != 0;
	time_t start, end, t, next, chain = 0;
	int64_t seen, wall, fires = 0;
	struct tm tm, mtm;

	use_zone(zone);
	start = instant(day_start_utc) - 3 * 3600;
	end = start + 30 * 3600;
	seen = wall_minute(start, &tm);
	chain = start;
	for (t = start + 60; t <= end; t += 60) {
		bool due = false;

		wall = wall_minute(t, &tm);
		if (wild) {
			time_t mt = (time_t)(wall * 60);

			assert_non_null(gmtime_r(&mt, &mtm));
			due = oracle_matches(&e, &mtm);
		}
		for (int64_t m = seen + 1; !wild && m <= wall; m++) {
			time_t mt = (time_t)(m * 60);

			assert_non_null(gmtime_r(&mt, &mtm));
			due = due || oracle_matches(&e, &mtm);
		}
		if (wall > seen)
			seen = wall;
		if (!due)
			continue;
		fires++;
		if (cron_next(&e, chain, &next) != 0 || next != t) {
			char a[64], b[64];

			fail_msg("%s %s: oracle fires at %s, cron_next gives %s", zone, expr,
				 show(t, a, sizeof(a)), show(next, b, sizeof(b)));
		}
		chain = next;
	}
	/* And nothing more before the end of the walk. */
	assert_true(cron_next(&e, chain, &next) != 0 || next > end);
	assert_true(fires > 0);
}

static void test_dst_minute_walk(void **state)
{
	(void)state;
	static const char *const exprs[] = {
		"* * * * *", "*/15 * * * *", "30 2 * * *", "0 * * * *", "*/7 1-3 * * *",
		"59 1 * * *", "0 3 * * *", "30 1 * * *", "0 2 * * *", "5,55 0-4 * * *",
		"0 0 * * *", "30 23 * * *", "*/10 23 * * *", "15 0 * * *", "0 8,12,18,22 * * *",
	};
	static const struct {
		const char *zone, *day;
	} days[] = {
		{ "Europe/Berlin", "2026-03-29 00:00Z" },    { "Europe/Berlin", "2026-10-25 00:00Z" },
		{ "America/New_York", "2026-03-08 05:00Z" }, { "America/New_York", "2026-11-01 04:00Z" },
		{ "Europe/Berlin", "2026-06-15 00:00Z" },
		{ "America/Santiago", "2026-04-05 03:00Z" }, { "America/Santiago", "2026-09-06 04:00Z" },
	};

	for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++)
		for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
			walk_day(days[d].zone, exprs[i], days[d].day);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),   cmocka_unit_test(test_parse_macros),
		cmocka_unit_test(test_parse_errors),   cmocka_unit_test(test_next_ordinary),
		cmocka_unit_test(test_next_month_ends), cmocka_unit_test(test_next_leap_day),
		cmocka_unit_test(test_next_never),     cmocka_unit_test(test_next_dom_dow),
		cmocka_unit_test(test_next_macros),    cmocka_unit_test(test_dst_berlin),
		cmocka_unit_test(test_dst_new_york),   cmocka_unit_test(test_dst_santiago),
		cmocka_unit_test(test_dst_minute_walk), cmocka_unit_test(test_spacing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
