/*
 * Snapshots: a JPEG grabbed from a camera on request, kept as a media row
 * of kind snapshot.  Images are served by nginx (X-Accel-Redirect) once
 * the row is found; no path ever comes from the client.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "media/files.h"
#include "media/grab.h"
#include "response.h"
#include "store/cameras.h"
#include "store/media.h"
#include "store/store.h"

#define SNAPSHOT_MIME "image/jpeg"

static int64_t snapshots__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The failure to record once the request's transaction is rolled back
 * (one request at a time in a worker, so one slot is enough). */
static struct {
	int64_t camera_id;
	char why[256];
} snapshots__failure;

static void snapshots__record_failure(struct ctx *c, void *data)
{
	(void)data;
	if (store_camera_failed(c->app->db, snapshots__failure.camera_id,
				snapshots__failure.why) != HERR_OK)
		LOG(LOG_WARNING, "camera %" PRId64 ": could not record its error",
		    snapshots__failure.camera_id);
}

/*
 * Record that the camera failed, for good: the request answers 502 and
 * its transaction is rolled back, but the camera's status is a fact about
 * the camera, so it is written after the rollback, on its own.
 */
static void snapshots__failed(struct ctx *c, int64_t id, const char *why)
{
	snapshots__failure.camera_id = id;
	snprintf(snapshots__failure.why, sizeof(snapshots__failure.why), "%s", why);
	c->after_rollback = snapshots__record_failure;
	c->after_rollback_data = NULL;
}

/* Grab into a temporary file and keep it as a snapshot row; *snap_id. */
static int snapshots__take(struct ctx *c, struct response *r, const struct camera *cam,
			   int64_t *snap_id)
{
	const char *root = c->app->cfg->media_root;
	char tmp[MEDIA_PATH_MAX] = "", rel[MEDIA_REL_MAX + 1], err[256];
	int64_t now = snapshots__now_ms();
	struct media_fields mf = {0};
	unsigned w = 0, h = 0;
	uint64_t size = 0;
	bool placed = false;
	enum herr e;
	int status;

	if (media_tmp_file(root, "jpg", tmp, sizeof(tmp)) != 0) {
		LOG(LOG_ERR, "snapshot: no temporary file under the media root: %m");
		tmp[0] = '\0';
		status = response_detail(r, 500, "cannot write under the media root");
		goto out;
	}
	if (camera_grab_jpeg(c->app->cfg, cam->config, tmp, err, sizeof(err)) != 0) {
		snapshots__failed(c, cam->id, err);
		status = response_detail(r, 502, "camera %s: %s", cam->name, err);
		goto out;
	}
	if (media_jpeg_file_info(tmp, &size, &w, &h) != 0) {
		snapshots__failed(c, cam->id, "the image is not a JPEG");
		status = response_detail(r, 502, "camera %s: the image is not a JPEG", cam->name);
		goto out;
	}
	if (media_new_rel_path("snapshots", cam->id, now, "snapshot", "jpg", rel, sizeof(rel)) != 0 ||
	    media_move_into(root, tmp, rel) != 0) {
		LOG(LOG_ERR, "snapshot of camera %" PRId64 ": cannot place the file: %m", cam->id);
		status = response_detail(r, 500, "cannot write under the media root");
		goto out;
	}
	tmp[0] = '\0';
	placed = true;
	mf.kind = "snapshot";
	mf.camera_id = cam->id;
	mf.camera_name = cam->name;
	mf.rel_path = rel;
	mf.mime = SNAPSHOT_MIME;
	mf.size_bytes = size;
	mf.width = w;
	mf.height = h;
	mf.duration_ms = -1;
	mf.taken_at_ms = now;
	if ((e = store_media_insert(c->app->db, &mf, snap_id)) != HERR_OK ||
	    (e = store_camera_seen(c->app->db, cam->id)) != HERR_OK) {
		status = response_error(r, e, "snapshot");
		goto out;
	}
	placed = false;
	status = 201;
out:
	if (tmp[0])
		unlink(tmp);
	/* A file whose row was never written goes (file before row). */
	if (placed)
		media_unlink(root, rel);
	return status;
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

int h_snapshots_list(struct ctx *c, struct response *r)
{
	struct snapshot_filter f = {0, NULL, NULL};
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN], scope[160];
	json_t *errs = json_array(), *items = json_array();
	int64_t since_ms = 0, until_ms = 0;
	struct page pg;
	bool has_more = false;
	enum herr e;
	int status;

	if (!errs || !items) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	ctx_query_int(c, "camera_id", 1, INT64_MAX, &f.camera_id, errs);
	if (ctx_query_time(c, "since", &since_ms, since, errs) == 1)
		f.since = since;
	if (ctx_query_time(c, "until", &until_ms, until, errs) == 1)
		f.until = until;
	snprintf(scope, sizeof(scope), "snapshots:camera_id=%" PRId64 ";since=%" PRId64
		 ";until=%" PRId64, f.camera_id, f.since ? since_ms : 0, f.until ? until_ms : 0);
	ctx_page_desc(c, scope, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	e = store_snapshots_list(c->app->db, &f, &pg, items, &has_more);
	if (e != HERR_OK) {
		status = response_error(r, e, "snapshots");
		goto out;
	}
	status = ctx_list_reply_desc(c, r, scope, &pg, items, has_more);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
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
	struct media_row gone[8];
	size_t n = 0;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) != 0)
		return r->status;
	e = store_media_delete(c->app->db, id, "snapshot", gone, sizeof(gone) / sizeof(gone[0]), &n);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "snapshot %" PRId64 " not found", id);
	if (e != HERR_OK)
		return response_error(r, e, "snapshot");
	/* The rows go with this request's transaction; should its commit
	 * fail, rows without files are orphan rows, which cleanup removes. */
	ctx_unlink_media(c, gone, n);
	ctx_changed(c, id, NULL, NULL);
	return ctx_reply(r, 204, NULL);
}
