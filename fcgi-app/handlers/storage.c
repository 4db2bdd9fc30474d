/*
 * /api/v1/storage: how full the media storage is, the automatic deletion
 * settings, and a cleanup on demand (also POST /api/v1/system/cleanup).
 * The cleanup itself is lib/media/cleanup.c, shared with hearth-cleanup.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "media/cleanup.h"
#include "media/files.h"
#include "response.h"
#include "store/settings.h"

static const struct vfield storage_fields[] = {
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"max_percent", V_INT, 0, 1, STORAGE_MAX_PERCENT_MAX, NULL},
	{"retention_days", V_INT, 0, 1, STORAGE_RETENTION_DAYS_MAX, NULL},
};
#define STORAGE_NFIELDS (sizeof(storage_fields) / sizeof(storage_fields[0]))

/* GET's body: the settings, usage and the media by kind. */
static int storage__reply(struct ctx *c, struct response *r, const struct storage_settings *s)
{
	struct storage_usage u;
	json_t *by_kind = NULL, *body;
	enum herr e;

	e = storage_usage_read(c->app->cfg, c->app->db, &u, &by_kind);
	if (e != HERR_OK)
		return response_error(r, e, "storage");
	body = storage_settings_json(s);
	if (!body || json_object_set_new(body, "usage",
					 json_pack("{s:I, s:I, s:I, s:I, s:f, s:s}",
						   "total_bytes", (json_int_t)u.total_bytes,
						   "used_bytes", (json_int_t)u.used_bytes,
						   "media_bytes", (json_int_t)u.media_bytes,
						   "media_count", (json_int_t)u.media_count,
						   "percent",
						   (double)(int64_t)(u.percent * 10 + 0.5) / 10,
						   "basis", u.quota ? "quota" : "filesystem")) ||
	    json_object_set_new(body, "media", by_kind)) {
		json_decref(body);
		return response_detail(r, 500, "out of memory");
	}
	return ctx_reply(r, 200, body);
}

int h_storage_get(struct ctx *c, struct response *r)
{
	struct storage_settings s;
	enum herr e;

	if ((e = storage_settings_load(c->app->db, &s)) != HERR_OK)
		return response_error(r, e, "storage settings");
	return storage__reply(c, r, &s);
}

/* PUT changes only the fields it is given (as seed 003's configure). */
int h_storage_put(struct ctx *c, struct response *r)
{
	struct storage_settings s;
	json_t *body = ctx_body(c), *errs = json_array(), *current = NULL, *merged = NULL;
	enum herr e;
	int status;

	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (validate_object(body, at_body, storage_fields, STORAGE_NFIELDS, true, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	/* Locked, so a concurrent PUT of another field is not lost. */
	e = store_settings_get(c->app->db, "storage", true, &current);
	if (e == HERR_NOT_FOUND || e == HERR_INTERNAL) {
		/* Never saved, or not an object: start from what is in force. */
		json_decref(current);
		if ((e = storage_settings_load(c->app->db, &s)) == HERR_OK)
			current = storage_settings_json(&s);
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "storage settings");
		goto out;
	}
	if (!current || !(merged = fields_merge(current, body, storage_fields, STORAGE_NFIELDS))) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if ((e = store_settings_put(c->app->db, "storage", merged)) != HERR_OK ||
	    (e = storage_settings_load(c->app->db, &s)) != HERR_OK) {
		status = response_error(r, e, "storage settings");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "storage");
	status = storage__reply(c, r, &s);
out:
	json_decref(body);
	json_decref(errs);
	json_decref(current);
	json_decref(merged);
	return status;
}

/*
 * A cleanup now, whether or not automatic deletion is on: retention, the
 * ceiling and orphans, under the same lock as hearth-cleanup (409 while
 * one runs).  The cleanup commits batch by batch, each before its files
 * are unlinked, so it cannot run inside a request transaction: its route
 * is ROUTE_OWN_TX, and the audit row is written after it.
 */
int h_storage_cleanup(struct ctx *c, struct response *r)
{
	struct storage_settings s;
	struct cleanup_options o;
	struct cleanup_report rep;
	json_t *body = ctx_body(c), *errs = json_array();
	enum herr e;
	int fd = -1, locked, status;

	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (validate_object(body, at_body, NULL, 0, true, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = storage_settings_load(c->app->db, &s)) != HERR_OK) {
		status = response_error(r, e, "storage settings");
		goto out;
	}
	locked = media_lock_try(c->app->cfg->media_cleanup_lock, &fd);
	if (locked == 0) {
		status = response_detail(r, 409, "a cleanup is already running");
		goto out;
	}
	if (locked < 0) {
		LOG(LOG_ERR, "cleanup lock %s: %s", c->app->cfg->media_cleanup_lock,
		    strerror(errno));
		status = response_detail(r, 500, "the cleanup lock cannot be taken");
		goto out;
	}
	o = (struct cleanup_options){
		.ceiling = true, .retention = true, .orphans = true,
		.max_percent = s.max_percent, .retention_days = s.retention_days,
	};
	e = media_cleanup_run(c->app->cfg, c->app->db, &o, &rep);
	media_cleanup_log(&rep);
	if (e != HERR_OK) {
		status = response_detail(r, response_status_for(e),
					 "cleanup stopped at %s: %s; nothing more was deleted",
					 rep.failed_step ? rep.failed_step : "start", herr_str(e));
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "cleanup");
	status = ctx_reply(r, 200, media_cleanup_report_json(&rep));
out:
	if (fd >= 0)
		close(fd);
	json_decref(body);
	json_decref(errs);
	return status;
}
