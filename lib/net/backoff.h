#ifndef HEARTH_NET_BACKOFF_H
#define HEARTH_NET_BACKOFF_H

/*
 * When to try a failed delivery again: exponential backoff with jitter.
 * The n-th retry (attempts_made >= 1 failed attempts so far) waits
 *     base * 2^(attempts_made - 1), at most cap,
 * then "equal jitter": half of it fixed, the other half uniformly random,
 * so retries of many jobs that failed together spread out without ever
 * coming sooner than half the nominal delay.  Pure; the random number is
 * the caller's (a value in [0, 1)).
 */
#define BACKOFF_BASE_MS 1000L
#define BACKOFF_CAP_MS 30000L

/* The nominal delay before the retry after attempts_made failures, ms. */
long backoff_nominal_ms(unsigned attempts_made, long base_ms, long cap_ms);

/* The delay with jitter: nominal/2 + r * nominal/2, r in [0, 1). */
long backoff_delay_ms(unsigned attempts_made, long base_ms, long cap_ms, double r);

#endif
