/*
 * Retry delays.  Doubling stops as soon as the cap is reached, so no
 * number of attempts can overflow.
 */
#include "net/backoff.h"

long backoff_nominal_ms(unsigned attempts_made, long base_ms, long cap_ms)
{
	long d = base_ms;

	if (attempts_made == 0 || base_ms <= 0 || cap_ms <= 0)
		return 0;
	for (unsigned i = 1; i < attempts_made && d < cap_ms; i++)
		d = d > cap_ms / 2 ? cap_ms : d * 2;
	return d < cap_ms ? d : cap_ms;
}

long backoff_delay_ms(unsigned attempts_made, long base_ms, long cap_ms, double r)
{
	long nominal = backoff_nominal_ms(attempts_made, base_ms, cap_ms);
	long half = nominal / 2;
	long rest = nominal - half;
	long jitter;

	/* A random source that misbehaves must not stretch or shrink the
	 * window: r is held to [0, 1). */
	if (!(r > 0.0) || rest == 0)
		jitter = 0;
	else if (r >= 1.0)
		jitter = rest - 1;
	else
		jitter = (long)(r * (double)rest);
	if (jitter >= rest && rest > 0) /* rounding of r just below 1 */
		jitter = rest - 1;
	return half + jitter;
}
