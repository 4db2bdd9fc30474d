#ifndef HEARTH_METRICS_H
#define HEARTH_METRICS_H

/*
 * Request metrics shared by the whole worker pool.
 *
 * The master maps one anonymous shared region (metrics_init) before it
 * forks any worker; every worker inherits the mapping and adds to its
 * counters with atomic instructions, so a scrape answered by any worker
 * sees the sums over all of them, and the counts of a worker that was
 * killed stay behind when it goes.  Until metrics_init has succeeded (unit
 * tests, fuzzers) every recording call does nothing.
 *
 * Counters only ever grow while the master lives; a restart of the master
 * starts them from zero, which Prometheus takes as a counter reset.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* The route slot of a request that matched no route (404, 405). */
#define METRICS_UNMATCHED ((size_t)-1)

/* Why a worker ended, as the master saw it. */
enum metrics_exit {
	METRICS_EXIT_RECYCLED,   /* served max_requests, exited 0 */
	METRICS_EXIT_STOPPED,    /* told to stop (reload, shutdown) */
	METRICS_EXIT_FAILED,     /* exited non-zero */
	METRICS_EXIT_KILLED,     /* died of a signal it was not sent */
	METRICS_EXIT_COUNT
};

/*
 * Map the shared region for a route table of nroutes entries (router.h's
 * routes_count).  Called once by the master before the first fork.
 * 0, or -1 with errno (the API then runs without metrics).
 */
int metrics_init(size_t nroutes);

/* Whether metrics_init succeeded in this process or its parent. */
int metrics_enabled(void);

/* When the master called metrics_init (the API's start), 0 without. */
int64_t metrics_start_time(void);

/*
 * One answered request: route is the index into routes[] of the route it
 * matched, or METRICS_UNMATCHED; method as received (borrowed; anything
 * unusual is counted as "OTHER"); status the HTTP status sent; seconds
 * the time spent on it.
 */
void metrics_request(size_t route, const char *method, int status, double seconds);

/* A database failure that was not the client's doing (lib/db.c's hook). */
void metrics_db_error(enum herr kind);

/* A request's round trips to memcached to read. */
void metrics_cache_reads(uint64_t n);

/* The master saw a worker end. */
void metrics_worker_exit(enum metrics_exit why);

/*
 * Write the shared counters to out in the Prometheus text format 0.0.4
 * (HELP and TYPE lines included).  Values read at scrape time (queues,
 * disk) are the caller's to add.  0, or -1 when metrics are disabled.
 */
int metrics_write(FILE *out);

/*
 * A label value as the exposition format wants it: backslash, double
 * quote and newline escaped, the result truncated to fit outsz.
 */
void metrics_label_escape(const char *in, char *out, size_t outsz);

#endif
