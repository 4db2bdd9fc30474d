/*
 * Snapshots: a JPEG grabbed from a camera on request, kept as a media row
 * of kind snapshot (the taking is lib/media/snapshot.c).  Images are
 * served by nginx (X-Accel-Redirect) once the row is found; no path ever
 * comes from the client.
 */
#include <inttypes.h>
#include <stdio.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "resource.h"
#include "media/snapshot.h"
#include "response.h"
#include "store/cameras.h"
#include "store/media.h"
#include "store/store.h"

/*
 * What a failed snapshot leaves to be recorded once the request's
 * transaction has rolled back: the camera's status is a fact about the
 * camera, which the request's failure (a 502) does not undo.
 */
static struct snapshots_failure {
	int64_t camera_id;
	char why[256];
} snapshots_failure;

static void snapshots__record_failure(struct ctx *c, void *data)
{
	const struct snapshots_failure *f = data;

	if (store_camera_failed(c->app->db, f->camera_id, f->why) != HERR_OK)
		LOG(LOG_WARNING, "camera %" PRId64 ": could not record its error", f->camera_id);
}

/* A snapshot of cam (media/snapshot.h), a failure said on r: 201 with
 * *snap_id, else the status set. */
static int snapshots__take(struct ctx *c, struct response *r, const struct camera *cam,
			   int64_t *snap_id)
{
	struct snapshot_result res;
	enum herr e = media_snapshot_take(c->app->cfg, c->app->db, cam, &res);

	*snap_id = res.id;
	switch (res.fault) {
	case SNAPSHOT_FAULT_CAMERA:
		snapshots_failure.camera_id = cam->id;
		snprintf(snapshots_failure.why, sizeof(snapshots_failure.why), "%s", res.why);
		c->after_rollback = snapshots__record_failure;
		c->after_rollback_data = &snapshots_failure;
		return response_detail(r, 502, "camera %s: %s", cam->name, res.why);
	case SNAPSHOT_FAULT_STORAGE:
		return response_detail(r, 500, "cannot write under the media root");
	case SNAPSHOT_FAULT_NONE:
		break;
	}
	if (e != HERR_OK)
		return response_error(r, e, "snapshot");
	return 201;
}

int h_camera_snapshot_take(struct ctx *c, struct response *r)
{
	struct camera cam = {0};
	json_t *snap = NULL;
	const char *su, *st;
	int64_t id, snap_id = 0;
	enum herr e;
	int status;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_camera_load(c->app->db, id, false, &cam);
	if (e != HERR_OK) {
		status = e == HERR_NOT_FOUND
			 ? response_detail(r, 404, "camera %" PRId64 " not found", id)
			 : response_error(r, e, "camera");
		goto out;
	}
	if (!cam.enabled) {
		status = response_detail(r, 409, "camera %" PRId64 " is disabled", id);
		goto out;
	}
	su = json_string_value(json_object_get(cam.config, "snapshot_url"));
	st = json_string_value(json_object_get(cam.config, "stream_url"));
	if ((!su || !*su) && (!st || !*st)) {
		status = response_detail(r, 422, "camera %" PRId64 " has no snapshot_url or "
					 "stream_url", id);
		goto out;
	}
	if ((status = snapshots__take(c, r, &cam, &snap_id)) != 201)
		goto out;
	e = store_snapshots_get(c->app->db, snap_id, &snap);
	if (e != HERR_OK) {
		status = response_error(r, e, "snapshot");
		goto out;
	}
	ctx_changed(c, snap_id, NULL, NULL);
	status = ctx_reply(r, 201, snap);
out:
	store_camera_release(&cam);
	return status;
}

/* Serve the snapshot row id through nginx. */
static int snapshots__serve(struct ctx *c, struct response *r, int64_t id)
{
	struct media_row row;
	enum herr e = store_media_find(c->app->db, id, "snapshot", &row);

	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "snapshot %" PRId64 " not found", id);
	if (e != HERR_OK)
		return response_error(r, e, "snapshot");
	return response_accel(r, row.rel_path, row.mime);
}

int h_camera_snapshot_latest(struct ctx *c, struct response *r)
{
	struct camera cam;
	int64_t id, snap_id = 0;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_camera_load(c->app->db, id, false, &cam);
	store_camera_release(&cam);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "camera %" PRId64 " not found", id);
	if (e != HERR_OK)
		return response_error(r, e, "camera");
	e = store_snapshots_latest(c->app->db, id, &snap_id);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "camera %" PRId64 " has no snapshot", id);
	if (e != HERR_OK)
		return response_error(r, e, "snapshot");
	return snapshots__serve(c, r, snap_id);
}

static enum herr snapshots__list(struct ctx *c, const void *filter, const struct page *pg,
				 json_t *items, bool *has_more)
{
	return store_snapshots_list(c->app->db, filter, pg, items, has_more);
}

static enum herr snapshots__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	(void)count;
	return ctx_media_remove(c, k->id, "snapshot");
}

/* Taken through POST /cameras/{id}/snapshot (a handler of its own: it
 * talks to the camera), never changed through the API. */
static const struct resource snapshots = {
	.name = "snapshot",
	.plural = "snapshots",
	.newest_first = true,
	.list = snapshots__list,
	.remove = snapshots__remove,
};

int h_snapshots_list(struct ctx *c, struct response *r)
{
	struct snapshot_filter f = {0, NULL, NULL};
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN], scope[160];
	json_t *errs = json_array();
	int64_t since_ms = 0, until_ms = 0;

	ctx_query_int(c, "camera_id", 1, INT64_MAX, &f.camera_id, errs);
	if (ctx_query_time(c, "since", &since_ms, since, errs) == 1)
		f.since = since;
	if (ctx_query_time(c, "until", &until_ms, until, errs) == 1)
		f.until = until;
	/* The filters are part of the scope: a cursor only continues its own list. */
	snprintf(scope, sizeof(scope), "snapshots:camera_id=%" PRId64 ";since=%" PRId64
		 ";until=%" PRId64, f.camera_id, f.since ? since_ms : 0, f.until ? until_ms : 0);
	return resource_list_filtered(c, r, &snapshots, scope, errs, &f);
}

int h_snapshots_image(struct ctx *c, struct response *r)
{
	int64_t id;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	return snapshots__serve(c, r, id);
}

int h_snapshots_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &snapshots);
}
