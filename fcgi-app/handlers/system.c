/*
 * The host and the API itself: GET /system/info, GET /system/health-alerts
 * (seed 003's system alerts) and GET /metrics (Prometheus).
 *
 * What is read at request time is cheap: a few small files under /sys and
 * /proc, one statvfs of the media root, and for /metrics one query over
 * the delivery queue.  None of it writes anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_CONFIG_H
#include "build-config.h" /* PACKAGE_VERSION, HEARTH_GIT_COMMIT */
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#ifndef HEARTH_GIT_COMMIT
#define HEARTH_GIT_COMMIT "unknown"
#endif

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "media/cleanup.h"
#include "media/files.h"
#include "metrics.h"
#include "response.h"
#include "iso8601.h"
#include "store/ha_bridge.h"
#include "store/jobs.h"
#include "sysinfo.h"

/* The file system the readers look at: the host's own. */
#define SYSTEM_ROOT "/"

/* The API's uptime: since the master started (the pool's age), else
 * since this worker did. */
static json_int_t system__api_uptime(const struct app *app)
{
	time_t now = time(NULL);
	time_t since = metrics_start_time() > 0 ? (time_t)metrics_start_time() : app->started;

	return now > since ? (json_int_t)(now - since) : 0;
}

/* {total_bytes, used_bytes, available_bytes, used_percent} of the media
 * root's file system, or null when it cannot be read. */
static json_t *system__disk(const struct hearth_config *cfg)
{
	uint64_t total, used, avail;

	if (media_disk_usage(cfg->media_root, &total, &used, &avail) < 0 || total == 0)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:f}", "total_bytes", (json_int_t)total, "used_bytes",
			 (json_int_t)used, "available_bytes", (json_int_t)avail, "used_percent",
			 (double)(long long)((double)used * 1000.0 / (double)total + 0.5) / 10.0);
}

int h_system_info(struct ctx *c, struct response *r)
{
	char host[256] = "";
	double load[3], up, temp;
	bool have_load = sysinfo_loadavg(SYSTEM_ROOT, load) == 0;
	bool have_up = sysinfo_uptime(SYSTEM_ROOT, &up) == 0;
	bool have_temp = sysinfo_cpu_temp(SYSTEM_ROOT, &temp) == 0;

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';

	return ctx_reply(r, 200, json_pack(
		"{s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:i}",
		"version", PACKAGE_VERSION,
		"commit", HEARTH_GIT_COMMIT,
		"hostname", host,
		"uptime_seconds", have_up ? json_integer((json_int_t)up) : json_null(),
		"api_uptime_seconds", system__api_uptime(c->app),
		"load_average", have_load ? json_pack("{s:f, s:f, s:f}", "1m", load[0], "5m", load[1],
						      "15m", load[2])
					  : json_null(),
		"cpu_temp_c", have_temp ? json_real((double)(long long)(temp * 10.0 + 0.5) / 10.0)
					: json_null(),
		"disk", system__disk(c->app->cfg),
		"workers", (int)c->app->cfg->api_workers));
}

int h_system_health_alerts(struct ctx *c, struct response *r)
{
	struct sysinfo_readings rd = { 0 };
	struct storage_usage u;
	uint64_t total, used, avail;

	sysinfo_read(SYSTEM_ROOT, &rd);
	/* Storage as the cleanup ceiling sees it (the quota when one is set),
	 * else the file system when the database cannot say. */
	memset(&u, 0, sizeof(u));
	if (storage_usage_read(c->app->cfg, c->app->db, &u, NULL) == HERR_OK && u.total_bytes > 0) {
		rd.has_storage = true;
		rd.storage_percent = u.percent;
	} else if (media_disk_usage(c->app->cfg->media_root, &total, &used, &avail) == 0 &&
		   total > 0) {
		rd.has_storage = true;
		rd.storage_percent = (double)used * 100.0 / (double)total;
	}
	return ctx_reply(r, 200, sysinfo_health_alerts(&rd));
}

/* ---------------------------------------------------------------- /metrics */

/* Delivery jobs not done, by queue and status, from the database. */
static void system__write_jobs(struct ctx *c, FILE *out)
{
	static const char *const statuses[] = { "pending", "running", "dead" };
	json_t *stats = NULL, *q;
	size_t i;

	fputs("# HELP hearth_jobs Delivery jobs by queue and status (done jobs are not counted).\n"
	      "# TYPE hearth_jobs gauge\n", out);
	if (store_dlq_stats(c->app->db, &stats) != HERR_OK) {
		LOG(LOG_WARNING, "metrics: the delivery queue could not be read");
		return;
	}
	json_array_foreach(json_object_get(stats, "queues"), i, q) {
		char queue[2 * JOB_QUEUE_MAX + 1];

		metrics_label_escape(json_string_value(json_object_get(q, "queue")), queue,
				     sizeof(queue));
		for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++)
			fprintf(out, "hearth_jobs{queue=\"%s\",status=\"%s\"} %lld\n", queue,
				statuses[k],
				(long long)json_integer_value(json_object_get(q, statuses[k])));
	}
	json_decref(stats);
}

static void system__write_disk(struct ctx *c, FILE *out)
{
	uint64_t total, used, avail;

	if (media_disk_usage(c->app->cfg->media_root, &total, &used, &avail) < 0)
		return;
	fprintf(out,
		"# HELP hearth_media_disk_size_bytes Size of the file system holding the media root.\n"
		"# TYPE hearth_media_disk_size_bytes gauge\n"
		"hearth_media_disk_size_bytes %llu\n"
		"# HELP hearth_media_disk_used_bytes Bytes in use on the file system holding the media root.\n"
		"# TYPE hearth_media_disk_used_bytes gauge\n"
		"hearth_media_disk_used_bytes %llu\n"
		"# HELP hearth_media_disk_available_bytes Bytes still available to Hearth there.\n"
		"# TYPE hearth_media_disk_available_bytes gauge\n"
		"hearth_media_disk_available_bytes %llu\n",
		(unsigned long long)total, (unsigned long long)used, (unsigned long long)avail);
}

/* hearth-ha-bridge as its row says: nothing when no bridge ever ran. */
static void system__write_ha_bridge(struct ctx *c, FILE *out)
{
	static const char *const states[] = { "connected", "disconnected", "stale" };
	json_t *b = NULL;
	const char *state, *last;
	char host[2 * 255 + 1];
	int64_t last_ms = 0;

	if (store_ha_bridge_status_get(c->app->db, HA_BRIDGE_STALE_S, &b) != HERR_OK)
		return;
	state = json_string_value(json_object_get(b, "state"));
	metrics_label_escape(json_string_value(json_object_get(b, "host")), host, sizeof(host));
	fputs("# HELP hearth_ha_bridge_state hearth-ha-bridge: connected to Home Assistant,"
	      " disconnected (retrying), or stale (not running).\n"
	      "# TYPE hearth_ha_bridge_state gauge\n", out);
	for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
		fprintf(out, "hearth_ha_bridge_state{host=\"%s\",state=\"%s\"} %d\n", host,
			states[k], state && strcmp(state, states[k]) == 0);
	fprintf(out,
		"# HELP hearth_ha_bridge_events_total Sensor events the bridge recorded since it started.\n"
		"# TYPE hearth_ha_bridge_events_total counter\n"
		"hearth_ha_bridge_events_total{host=\"%s\"} %lld\n"
		"# HELP hearth_ha_bridge_reconnects_total Connections to Home Assistant made after the first.\n"
		"# TYPE hearth_ha_bridge_reconnects_total counter\n"
		"hearth_ha_bridge_reconnects_total{host=\"%s\"} %lld\n",
		host, (long long)json_integer_value(json_object_get(b, "events")),
		host, (long long)json_integer_value(json_object_get(b, "reconnects")));
	last = json_string_value(json_object_get(b, "last_event_at"));
	if (last && iso8601_parse(last, &last_ms) == 0)
		fprintf(out,
			"# HELP hearth_ha_bridge_last_event_timestamp_seconds When the bridge last recorded a sensor event.\n"
			"# TYPE hearth_ha_bridge_last_event_timestamp_seconds gauge\n"
			"hearth_ha_bridge_last_event_timestamp_seconds{host=\"%s\"} %.3f\n",
			host, (double)last_ms / 1000.0);
	json_decref(b);
}

int h_metrics(struct ctx *c, struct response *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return response_error(r, HERR_NOMEM, NULL);
	if (metrics_write(out) < 0)
		fputs("# request metrics are off: the API runs without its shared counters\n", out);
	system__write_jobs(c, out);
	system__write_disk(c, out);
	system__write_ha_bridge(c, out);
	if (fclose(out) != 0 || !buf) {
		free(buf);
		return response_error(r, HERR_NOMEM, NULL);
	}
	return response_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}
