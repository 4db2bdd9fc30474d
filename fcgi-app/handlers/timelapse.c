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
#include "resource.h"
#include "media/files.h"
#include "media/timelapse.h"
#include "response.h"
#include "store/media.h"
#include "store/settings.h"
#include "store/store.h"
#include "store/timelapse.h"

#define TIMELAPSE_SCOPE "timelapse_videos"
/* A video and its thumbnail, with room to spare. */

static const struct vfield timelapse_fields[] = {
	{"enabled", V_BOOL, 0, 0, 0, NULL},
	{"interval_minutes", V_INT, 0, 1, TIMELAPSE_INTERVAL_MAX, NULL},
	{"fps", V_INT, 0, 1, TIMELAPSE_FPS_MAX, NULL},
	{"resolution", V_STRING, 0, 0, 0, timelapse_resolutions},
};
#define TIMELAPSE_NFIELDS (sizeof(timelapse_fields) / sizeof(timelapse_fields[0]))

static enum herr timelapse__list(struct ctx *c, const void *camera_id, const struct page *pg,
				 json_t *items, bool *has_more)
{
	return store_timelapse_list(c->app->db, *(const int64_t *)camera_id, pg, items, has_more);
}

static enum herr timelapse__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	(void)count;
	return ctx_media_remove(c, k->id, "timelapse");
}

/* The videos hearth-timelapse stitched, newest first; made by it alone. */
static const struct resource videos = {
	.name = "timelapse video",
	.plural = "timelapse videos",
	.newest_first = true,
	.list = timelapse__list,
	.remove = timelapse__remove,
};

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
	int status = resource_start(r);

	if (!body || !errs)
		goto out;
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
	    !(merged = fields_merge(current, body, timelapse_fields, TIMELAPSE_NFIELDS)))
		goto out;
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
		return resource_start(r);
	}
	return ctx_reply(r, 200, body);
}

int h_timelapse_videos(struct ctx *c, struct response *r)
{
	json_t *errs = json_array();
	int64_t camera_id = 0;

	ctx_query_int(c, "camera_id", 1, INT64_MAX, &camera_id, errs);
	return resource_list_filtered(c, r, &videos, TIMELAPSE_SCOPE, errs, &camera_id);
}

int h_timelapse_video(struct ctx *c, struct response *r)
{
	struct resource_key k;
	struct media_row row;
	enum herr e;

	if (resource_path(c, r, &videos, true, &k) != 0)
		return r->status;
	if ((e = store_media_find(c->app->db, k.id, "timelapse", &row)) != HERR_OK)
		return resource_error(r, &videos, e, &k, NULL);
	return response_accel(r, row.rel_path, row.mime);
}

int h_timelapse_thumbnail(struct ctx *c, struct response *r)
{
	struct resource_key k;
	struct media_row row;
	enum herr e;

	if (resource_path(c, r, &videos, true, &k) != 0)
		return r->status;
	if ((e = store_media_find(c->app->db, k.id, "timelapse", &row)) != HERR_OK)
		return resource_error(r, &videos, e, &k, NULL);
	e = store_media_child(c->app->db, k.id, "thumbnail", &row);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "timelapse video %" PRId64 " has no thumbnail", k.id);
	if (e != HERR_OK)
		return response_error(r, e, "thumbnail");
	return response_accel(r, row.rel_path, row.mime);
}

int h_timelapse_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &videos);
}
