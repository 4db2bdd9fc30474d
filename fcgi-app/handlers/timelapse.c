/*
 * /api/v1/timelapse: the settings hearth-timelapse follows, what it
 * captured today, and the videos it stitched.  Videos and thumbnails are
 * served by nginx (X-Accel-Redirect) once found by id.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "media/files.h"
#include "media/timelapse.h"
#include "response.h"
#include "store/media.h"
#include "store/settings.h"
#include "store/store.h"
#include "store/timelapse.h"

#define TIMELAPSE_SCOPE "timelapse_videos"
/* A video and its thumbnail, with room to spare. */
#define TIMELAPSE_GONE_MAX 8

static const struct vfield timelapse_fields[] = {
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"interval_minutes", V_INT, 0, 1, TIMELAPSE_INTERVAL_MAX, NULL},
	{"fps", V_INT, 0, 1, TIMELAPSE_FPS_MAX, NULL},
	{"resolution", V_STRING, 0, 0, 0, timelapse_resolutions},
};
#define TIMELAPSE_NFIELDS (sizeof(timelapse_fields) / sizeof(timelapse_fields[0]))

static int timelapse__not_found(struct response *r, enum herr e, int64_t id)
{
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "timelapse video %" PRId64 " not found", id);
	return response_error(r, e, "timelapse video");
}

int h_timelapse_get(struct ctx *c, struct response *r)
{
	struct timelapse_settings s;
	enum herr e;

	if ((e = timelapse_settings_load(c->app->db, &s)) != HERR_OK)
		return response_error(r, e, "timelapse settings");
	return ctx_reply(r, 200, timelapse_settings_json(&s));
}

/* PUT changes only the fields it is given. */
int h_timelapse_put(struct ctx *c, struct response *r)
{
	struct timelapse_settings s;
	json_t *body = ctx_body(c), *errs = json_array(), *current = NULL, *merged = NULL;
	enum herr e;
	int status;

	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (validate_object(body, at_body, timelapse_fields, TIMELAPSE_NFIELDS, true, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	/* Locked, so a concurrent PUT of another field is not lost. */
	e = store_settings_get(c->app->db, "timelapse", true, &current);
	if (e == HERR_NOT_FOUND || e == HERR_INTERNAL) {
		json_decref(current);
		current = NULL;
		if ((e = timelapse_settings_load(c->app->db, &s)) == HERR_OK)
			current = timelapse_settings_json(&s);
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "timelapse settings");
		goto out;
	}
	if (!current ||
	    !(merged = fields_merge(current, body, timelapse_fields, TIMELAPSE_NFIELDS))) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if ((e = store_settings_put(c->app->db, "timelapse", merged)) != HERR_OK ||
	    (e = timelapse_settings_load(c->app->db, &s)) != HERR_OK) {
		status = response_error(r, e, "timelapse settings");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "timelapse");
	status = ctx_reply(r, 200, timelapse_settings_json(&s));
out:
	json_decref(body);
	json_decref(errs);
	json_decref(current);
	json_decref(merged);
	return status;
}

int h_timelapse_status(struct ctx *c, struct response *r)
{
	struct timelapse_settings s;
	char today[TIMELAPSE_DAY_LEN], last[32];
	int64_t count = 0;
	json_t *body;
	enum herr e;

	if ((e = timelapse_settings_load(c->app->db, &s)) != HERR_OK)
		return response_error(r, e, "timelapse settings");
	timelapse_day_of(time(NULL), today, sizeof(today));
	if ((e = store_timelapse_day_frames(c->app->db, today, &count, last, sizeof(last))) !=
	    HERR_OK)
		return response_error(r, e, "timelapse frames");
	body = timelapse_settings_json(&s);
	if (!body || json_object_set_new(body, "today", json_string(today)) ||
	    json_object_set_new(body, "today_frame_count", json_integer(count)) ||
	    json_object_set_new(body, "last_capture", last[0] ? json_string(last) : json_null())) {
		json_decref(body);
		return response_detail(r, 500, "out of memory");
	}
	return ctx_reply(r, 200, body);
}

int h_timelapse_videos(struct ctx *c, struct response *r)
{
	struct page pg;
	json_t *errs = json_array(), *items = json_array();
	int64_t camera_id = 0;
	bool has_more = false;
	enum herr e;
	int status;

	if (!errs || !items) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	ctx_query_int(c, "camera_id", 1, INT64_MAX, &camera_id, errs);
	ctx_page_desc(c, TIMELAPSE_SCOPE, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = store_timelapse_list(c->app->db, camera_id, &pg, items, &has_more)) != HERR_OK) {
		status = response_error(r, e, "timelapse videos");
		goto out;
	}
	status = ctx_list_reply_desc(c, r, TIMELAPSE_SCOPE, &pg, items, has_more);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_timelapse_video(struct ctx *c, struct response *r)
{
	struct media_row row;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	if ((e = store_media_find(c->app->db, id, "timelapse", &row)) != HERR_OK)
		return timelapse__not_found(r, e, id);
	return response_accel(r, row.rel_path, row.mime);
}

int h_timelapse_thumbnail(struct ctx *c, struct response *r)
{
	struct media_row row;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	if ((e = store_media_find(c->app->db, id, "timelapse", &row)) != HERR_OK)
		return timelapse__not_found(r, e, id);
	e = store_media_child(c->app->db, id, "thumbnail", &row);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "timelapse video %" PRId64 " has no thumbnail", id);
	if (e != HERR_OK)
		return response_error(r, e, "thumbnail");
	return response_accel(r, row.rel_path, row.mime);
}

/* The rows are deleted in the request's transaction and the files
 * unlinked right after; should the commit then fail, the rows left
 * without files are orphan rows, which hearth-cleanup removes. */
int h_timelapse_delete(struct ctx *c, struct response *r)
{
	struct media_row gone[TIMELAPSE_GONE_MAX];
	size_t n = 0;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_media_delete(c->app->db, id, "timelapse", gone, TIMELAPSE_GONE_MAX, &n);
	if (e != HERR_OK)
		return timelapse__not_found(r, e, id);
	ctx_unlink_media(c, gone, n);
	ctx_changed(c, id, NULL, NULL);
	return ctx_reply(r, 204, NULL);
}
