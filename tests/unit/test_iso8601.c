/* ISO 8601 date-times from request bodies: what is accepted, to the millisecond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iso8601.h"

static int64_t parse(const char *s)
{
	int64_t ms = -42;

	assert_int_equal(iso8601_parse(s, &ms), 0);
	return ms;
}

static void test_utc_and_offsets(void **state)
{
	(void)state;
	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse("2026-11-22T10:14:33Z"), INT64_C(1795342473000));
	/* The same instant in three spellings. */
	assert_int_equal(parse("2026-11-22T11:14:33+01:00"), INT64_C(1795342473000));
	assert_int_equal(parse("2026-11-22T05:14:33-0500"), INT64_C(1795342473000));
	assert_int_equal(parse("2026-11-22t10:14:33z"), INT64_C(1795342473000));
}

static void test_fractions(void **state)
{
	(void)state;
	assert_int_equal(parse("1970-01-01T00:00:01.5Z"), 1500);
	assert_int_equal(parse("1970-01-01T00:00:01.25Z"), 1250);
	assert_int_equal(parse("1970-01-01T00:00:01.123456789Z"), 1123);
}

static void test_calendar(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(iso8601_parse("2024-02-29T00:00:00Z", &ms), 0);
	assert_int_equal(iso8601_parse("2000-02-29T00:00:00Z", &ms), 0);
	assert_int_equal(iso8601_parse("2026-02-29T00:00:00Z", &ms), -1);
	assert_int_equal(iso8601_parse("2100-02-29T00:00:00Z", &ms), -1);
	assert_int_equal(iso8601_parse("2026-04-31T00:00:00Z", &ms), -1);
	assert_int_equal(iso8601_parse("2026-13-01T00:00:00Z", &ms), -1);
	assert_int_equal(iso8601_parse("2026-00-01T00:00:00Z", &ms), -1);
	assert_int_equal(iso8601_parse("2026-01-01T24:00:00Z", &ms), -1);
	assert_int_equal(iso8601_parse("2026-01-01T23:60:00Z", &ms), -1);
	assert_int_equal(iso8601_parse("2026-01-01T23:59:60Z", &ms), -1);
	assert_int_equal(iso8601_parse("1969-12-31T23:59:59Z", &ms), -1);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"", "2026-11-22", "2026-11-22T10:14:33", "2026-11-22 10:14:33Z",
		"2026-11-22T10:14Z", "2026-11-22T10:14:33.Z", "2026-11-22T10:14:33+1",
		"2026-11-22T10:14:33+24:00", "2026-11-22T10:14:33+01:60",
		"2026-11-22T10:14:33Zjunk", "+2026-11-22T10:14:33Z", "20261122T101433Z",
		"2026-1-22T10:14:33Z", "２０２６-11-22T10:14:33Z",
	};
	int64_t ms = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(iso8601_parse(bad[i], &ms), -1);
		assert_int_equal(ms, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc_and_offsets),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
