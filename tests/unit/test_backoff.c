/*
 * Retry delays: the nominal sequence (1 s, 2 s, 4 s, ... capped at 30 s),
 * the jitter window [nominal/2, nominal), and the edges: no attempts yet,
 * huge attempt counts, odd bases and caps, a random source out of range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "net/backoff.h"

static void test_nominal(void **state)
{
	(void)state;
	static const long want[] = { 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };

	for (unsigned n = 0; n < sizeof(want) / sizeof(want[0]); n++)
		assert_int_equal(backoff_nominal_ms(n, BACKOFF_BASE_MS, BACKOFF_CAP_MS), want[n]);
	assert_int_equal(backoff_nominal_ms(100, BACKOFF_BASE_MS, BACKOFF_CAP_MS), 30000);
	assert_int_equal(backoff_nominal_ms(UINT_MAX, BACKOFF_BASE_MS, BACKOFF_CAP_MS), 30000);
	assert_int_equal(backoff_nominal_ms(UINT_MAX, 1, LONG_MAX), LONG_MAX);
	assert_int_equal(backoff_nominal_ms(64, 1, LONG_MAX), LONG_MAX);
	assert_int_equal(backoff_nominal_ms(63, 1, LONG_MAX), 1L << 62);

	/* Other bases and caps. */
	assert_int_equal(backoff_nominal_ms(1, 250, 1000), 250);
	assert_int_equal(backoff_nominal_ms(3, 250, 1000), 1000);
	assert_int_equal(backoff_nominal_ms(4, 250, 1000), 1000);
	assert_int_equal(backoff_nominal_ms(3, 300, 1000), 1000); /* 1200 capped */
	assert_int_equal(backoff_nominal_ms(1, 5000, 1000), 1000); /* base above cap */
	assert_int_equal(backoff_nominal_ms(1, 0, 1000), 0);
	assert_int_equal(backoff_nominal_ms(1, -5, 1000), 0);
	assert_int_equal(backoff_nominal_ms(2, 1000, 0), 0);
}

static void test_jitter_bounds(void **state)
{
	(void)state;

	/* First retry: 500 to 999 ms; the third: 2 to 4 s; capped: 15 to 30 s. */
	assert_int_equal(backoff_delay_ms(1, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.0), 500);
	assert_int_equal(backoff_delay_ms(1, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.5), 750);
	assert_int_equal(backoff_delay_ms(1, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.999999), 999);
	assert_int_equal(backoff_delay_ms(2, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.0), 1000);
	assert_int_equal(backoff_delay_ms(3, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.0), 2000);
	assert_int_equal(backoff_delay_ms(3, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.25), 2500);
	assert_int_equal(backoff_delay_ms(7, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.0), 15000);
	assert_int_equal(backoff_delay_ms(7, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.5), 22500);
	assert_int_equal(backoff_delay_ms(0, BACKOFF_BASE_MS, BACKOFF_CAP_MS, 0.7), 0);

	/* Over many draws every delay stays in [nominal/2, nominal). */
	srand(4);
	for (unsigned n = 1; n <= 10; n++) {
		long nominal = backoff_nominal_ms(n, BACKOFF_BASE_MS, BACKOFF_CAP_MS);
		long lo = LONG_MAX, hi = 0;

		for (int i = 0; i < 20000; i++) {
			double r = (double)rand() / ((double)RAND_MAX + 1.0);
			long d = backoff_delay_ms(n, BACKOFF_BASE_MS, BACKOFF_CAP_MS, r);

			assert_true(d >= nominal / 2);
			assert_true(d < nominal);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* and the window is used, not a corner of it */
		assert_true(lo < nominal / 2 + nominal / 50);
		assert_true(hi > nominal - nominal / 50);
	}
}

static void test_bad_random(void **state)
{
	(void)state;

	assert_int_equal(backoff_delay_ms(1, 1000, 30000, -0.5), 500);
	assert_int_equal(backoff_delay_ms(1, 1000, 30000, 1.0), 999);
	assert_int_equal(backoff_delay_ms(1, 1000, 30000, 7.0), 999);
	assert_int_equal(backoff_delay_ms(1, 1000, 30000, 1e300), 999);
	assert_int_equal(backoff_delay_ms(1, 1000, 30000, NAN), 500);
	assert_int_equal(backoff_delay_ms(1, 1000, 30000, INFINITY), 999);
	assert_int_equal(backoff_delay_ms(1, 1000, 30000, -INFINITY), 500);
	assert_int_equal(backoff_delay_ms(6, 1000, 30000, 1.0 - 0x1p-53), 29999);

	/* Tiny nominal delays still come out in range. */
	assert_int_equal(backoff_delay_ms(1, 1, 30000, 0.99), 0);
	assert_int_equal(backoff_delay_ms(1, 2, 30000, 0.99), 1);
	assert_int_equal(backoff_delay_ms(1, 3, 30000, 0.99), 2);
	assert_int_equal(backoff_delay_ms(1, 3, 30000, 0.0), 1);

	/* The largest delays neither overflow nor leave the window. */
	assert_true(backoff_delay_ms(UINT_MAX, 1, LONG_MAX, 0.999) > LONG_MAX / 2);
	assert_true(backoff_delay_ms(UINT_MAX, 1, LONG_MAX, 1.0 - 0x1p-53) < LONG_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nominal),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_bad_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
