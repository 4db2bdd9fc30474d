/*
 * Request metrics in one shared anonymous mapping (metrics.h).
 *
 * The layout is fixed when the master maps it: a header, then one slot per
 * route of the table plus one for requests that matched none.  A slot holds
 * counters by method and status and a latency histogram by method; all are
 * plain uint64_t added to with __atomic builtins, so no lock is shared
 * between processes and a worker killed in the middle of an update cannot
 * leave anything held.  Relaxed ordering is enough: every counter stands on
 * its own and a scrape may see one a request ahead of another.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "metrics.h"
#include "router.h"

static const char *const metrics__methods[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OTHER",
};
#define M_METHODS (sizeof(metrics__methods) / sizeof(metrics__methods[0]))

/* The statuses Hearth answers with; anything else is counted by class. */
static const int metrics__statuses[] = {
	200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 408,
	409, 410, 413, 415, 416, 422, 429, 500, 502, 503, 504,
};
#define M_KNOWN (sizeof(metrics__statuses) / sizeof(metrics__statuses[0]))
static const char *const metrics__classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
#define M_STATUSES (M_KNOWN + 5)

/* Upper bounds in seconds, from a cached read to a slow snapshot grab. */
static const double metrics__buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
#define M_BUCKETS (sizeof(metrics__buckets) / sizeof(metrics__buckets[0]))

static const char *const metrics__db_kinds[] = { "unavailable", "schema", "internal" };
#define M_DB_KINDS 3

static const char *const metrics__exit_names[METRICS_EXIT_COUNT] = {
	[METRICS_EXIT_RECYCLED] = "recycled",
	[METRICS_EXIT_STOPPED] = "stopped",
	[METRICS_EXIT_FAILED] = "failed",
	[METRICS_EXIT_KILLED] = "killed",
};

struct metrics_slot {
	uint64_t requests[M_METHODS][M_STATUSES];
	uint64_t latency[M_METHODS][M_BUCKETS + 1];   /* the last one: above every bound */
	uint64_t latency_sum_us[M_METHODS];
};

struct metrics_shm {
	size_t nroutes;
	int64_t started;
	uint64_t db_errors[M_DB_KINDS];
	uint64_t worker_exits[METRICS_EXIT_COUNT];
	uint64_t cache_reads;
	struct metrics_slot slot[];   /* nroutes + 1: the last is "unmatched" */
};

static struct metrics_shm *metrics;

int metrics_init(size_t nroutes)
{
	size_t size = sizeof(struct metrics_shm) + (nroutes + 1) * sizeof(struct metrics_slot);
	void *p;

	if (metrics)
		return 0;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/* Fresh anonymous pages are zero: only the header needs filling. */
	metrics = p;
	metrics->nroutes = nroutes;
	metrics->started = (int64_t)time(NULL);
	return 0;
}

int metrics_enabled(void)
{
	return metrics != NULL;
}

int64_t metrics_start_time(void)
{
	return metrics ? metrics->started : 0;
}

static size_t metrics__method_index(const char *method)
{
	for (size_t i = 0; method && i + 1 < M_METHODS; i++)
		if (strcmp(method, metrics__methods[i]) == 0)
			return i;
	return M_METHODS - 1;
}

static size_t metrics__status_index(int status)
{
	for (size_t i = 0; i < M_KNOWN; i++)
		if (metrics__statuses[i] == status)
			return i;
	if (status >= 100 && status < 600)
		return M_KNOWN + (size_t)(status / 100 - 1);
	return M_KNOWN + 4;
}

static inline void metrics__add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static inline uint64_t metrics__get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void metrics_request(size_t route, const char *method, int status, double seconds)
{
	struct metrics_slot *s;
	size_t m, b;

	if (!metrics)
		return;
	if (route >= metrics->nroutes)
		route = metrics->nroutes;
	s = &metrics->slot[route];
	m = metrics__method_index(method);
	metrics__add(&s->requests[m][metrics__status_index(status)], 1);

	if (!(seconds >= 0))   /* also NaN */
		seconds = 0;
	for (b = 0; b < M_BUCKETS && seconds > metrics__buckets[b]; b++)
		;
	metrics__add(&s->latency[m][b], 1);
	metrics__add(&s->latency_sum_us[m], seconds < 1e7 ? (uint64_t)(seconds * 1e6) : 0);
}

void metrics_db_error(enum herr kind)
{
	if (!metrics)
		return;
	metrics__add(&metrics->db_errors[kind == HERR_UNAVAILABLE ? 0 : kind == HERR_SCHEMA ? 1 : 2],
		     1);
}

void metrics_cache_reads(uint64_t n)
{
	if (metrics && n)
		metrics__add(&metrics->cache_reads, n);
}

void metrics_worker_exit(enum metrics_exit why)
{
	if (metrics && (unsigned)why < METRICS_EXIT_COUNT)
		metrics__add(&metrics->worker_exits[why], 1);
}

void metrics_label_escape(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	if (!outsz)
		return;
	for (; in && *in; in++) {
		const char *rep = *in == '\\' ? "\\\\" : *in == '"' ? "\\\"" : *in == '\n' ? "\\n" : NULL;
		size_t len = rep ? 2 : 1;

		if (n + len >= outsz)
			break;
		if (rep)
			memcpy(out + n, rep, 2);
		else
			out[n] = *in;
		n += len;
	}
	out[n] = '\0';
}

/* The route label of slot i: its pattern, or "unmatched". */
static void metrics__route_label(size_t i, char *out, size_t outsz)
{
	metrics_label_escape(i < metrics->nroutes && i < routes_count ? routes[i].pattern : "unmatched",
			     out, outsz);
}

static void metrics__status_label(size_t i, char *out, size_t outsz)
{
	if (i < M_KNOWN)
		snprintf(out, outsz, "%d", metrics__statuses[i]);
	else
		snprintf(out, outsz, "%s", metrics__classes[i - M_KNOWN]);
}

static void metrics__write_requests(FILE *out)
{
	char route[256], status[8];

	fputs("# HELP hearth_http_requests_total Requests answered, by route pattern, method and status.\n"
	      "# TYPE hearth_http_requests_total counter\n", out);
	for (size_t i = 0; i <= metrics->nroutes; i++) {
		const struct metrics_slot *s = &metrics->slot[i];

		metrics__route_label(i, route, sizeof(route));
		for (size_t m = 0; m < M_METHODS; m++)
			for (size_t k = 0; k < M_STATUSES; k++) {
				uint64_t v = metrics__get(&s->requests[m][k]);

				if (!v)
					continue;
				metrics__status_label(k, status, sizeof(status));
				fprintf(out,
					"hearth_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %" PRIu64 "\n",
					route, metrics__methods[m], status, v);
			}
	}
}

static void metrics__write_latency(FILE *out)
{
	char route[256];

	fputs("# HELP hearth_http_request_duration_seconds Time from routing to the response, by route pattern and method.\n"
	      "# TYPE hearth_http_request_duration_seconds histogram\n", out);
	for (size_t i = 0; i <= metrics->nroutes; i++) {
		const struct metrics_slot *s = &metrics->slot[i];

		metrics__route_label(i, route, sizeof(route));
		for (size_t m = 0; m < M_METHODS; m++) {
			uint64_t counts[M_BUCKETS + 1], total = 0;

			/* Read once, so the buckets, +Inf and _count agree. */
			for (size_t b = 0; b <= M_BUCKETS; b++) {
				counts[b] = metrics__get(&s->latency[m][b]);
				total += counts[b];
			}
			if (!total)
				continue;
			uint64_t cum = 0;

			for (size_t b = 0; b < M_BUCKETS; b++) {
				cum += counts[b];
				fprintf(out,
					"hearth_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %" PRIu64 "\n",
					route, metrics__methods[m], metrics__buckets[b], cum);
			}
			fprintf(out,
				"hearth_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %" PRIu64 "\n"
				"hearth_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n"
				"hearth_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %" PRIu64 "\n",
				route, metrics__methods[m], total,
				route, metrics__methods[m], (double)metrics__get(&s->latency_sum_us[m]) / 1e6,
				route, metrics__methods[m], total);
		}
	}
}

int metrics_write(FILE *out)
{
	if (!metrics)
		return -1;
	metrics__write_requests(out);
	metrics__write_latency(out);

	fputs("# HELP hearth_db_errors_total Database failures that were not the client's doing, by kind.\n"
	      "# TYPE hearth_db_errors_total counter\n", out);
	for (size_t k = 0; k < M_DB_KINDS; k++)
		fprintf(out, "hearth_db_errors_total{kind=\"%s\"} %" PRIu64 "\n", metrics__db_kinds[k],
			metrics__get(&metrics->db_errors[k]));

	fputs("# HELP hearth_api_worker_exits_total Workers the master saw end (and replaced), by reason.\n"
	      "# TYPE hearth_api_worker_exits_total counter\n", out);
	for (size_t k = 0; k < METRICS_EXIT_COUNT; k++)
		fprintf(out, "hearth_api_worker_exits_total{reason=\"%s\"} %" PRIu64 "\n",
			metrics__exit_names[k], metrics__get(&metrics->worker_exits[k]));

	fprintf(out,
		"# HELP hearth_cache_reads_total Round trips to memcached to read (a multi-get is one).\n"
		"# TYPE hearth_cache_reads_total counter\n"
		"hearth_cache_reads_total %" PRIu64 "\n", metrics__get(&metrics->cache_reads));
	fprintf(out,
		"# HELP hearth_api_start_time_seconds When the API's master process started, in Unix time.\n"
		"# TYPE hearth_api_start_time_seconds gauge\n"
		"hearth_api_start_time_seconds %" PRId64 "\n", metrics->started);
	return 0;
}
