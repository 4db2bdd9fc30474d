/* A snapshot taken from a camera (snapshot.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "media/files.h"
#include "media/grab.h"
#include "media/snapshot.h"
#include "store/cameras.h"
#include "store/media.h"

#define SNAPSHOT_MIME "image/jpeg"

static int64_t snapshot__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The camera failed: say why, for the caller to record. */
static enum herr snapshot__camera_failed(struct snapshot_result *out, const char *why)
{
	out->fault = SNAPSHOT_FAULT_CAMERA;
	snprintf(out->why, sizeof(out->why), "%s", why);
	return HERR_INTERNAL;
}

/* The row of the file placed at rel, and the camera seen; out->id and
 * out->rel_path on HERR_OK. */
static enum herr snapshot__record(struct db *db, const struct camera *cam, const char *rel,
				  uint64_t size, unsigned w, unsigned h, int64_t now,
				  struct snapshot_result *out)
{
	struct media_fields mf = {0};
	enum herr e;

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
	if ((e = store_media_insert(db, &mf, &out->id)) != HERR_OK ||
	    (e = store_camera_seen(db, cam->id)) != HERR_OK) {
		out->id = 0;
		return e;
	}
	snprintf(out->rel_path, sizeof(out->rel_path), "%s", rel);
	return HERR_OK;
}

enum herr media_snapshot_take(const struct hearth_config *cfg, struct db *db,
			      const struct camera *cam, struct snapshot_result *out)
{
	const char *root = cfg->media_root;
	char tmp[MEDIA_PATH_MAX] = "", rel[MEDIA_REL_MAX + 1], err[256];
	int64_t now = snapshot__now_ms();
	unsigned w = 0, h = 0;
	uint64_t size = 0;
	bool placed = false;
	enum herr e;

	memset(out, 0, sizeof(*out));
	if (media_tmp_file(root, "jpg", tmp, sizeof(tmp)) != 0) {
		LOG(LOG_ERR, "snapshot: no temporary file under the media root: %m");
		tmp[0] = '\0';
		out->fault = SNAPSHOT_FAULT_STORAGE;
		e = HERR_INTERNAL;
		goto out;
	}
	if (camera_grab_jpeg(cfg, cam->config, tmp, err, sizeof(err)) != 0) {
		e = snapshot__camera_failed(out, err);
		goto out;
	}
	if (media_jpeg_file_info(tmp, &size, &w, &h) != 0) {
		e = snapshot__camera_failed(out, "the image is not a JPEG");
		goto out;
	}
	if (media_new_rel_path("snapshots", cam->id, now, "snapshot", "jpg", rel, sizeof(rel)) != 0 ||
	    media_move_into(root, tmp, rel) != 0) {
		LOG(LOG_ERR, "snapshot of camera %" PRId64 ": cannot place the file: %m", cam->id);
		out->fault = SNAPSHOT_FAULT_STORAGE;
		e = HERR_INTERNAL;
		goto out;
	}
	tmp[0] = '\0';
	placed = true;
	if ((e = snapshot__record(db, cam, rel, size, w, h, now, out)) != HERR_OK)
		goto out;
	placed = false;
out:
	if (tmp[0])
		unlink(tmp);
	/* A file whose row was never written goes (file before row). */
	if (placed)
		media_unlink(root, rel);
	return e;
}

enum herr media_snapshot_keep(const struct hearth_config *cfg, struct db *db,
			      const struct camera *cam, const void *jpeg, size_t len,
			      unsigned width, unsigned height, struct snapshot_result *out)
{
	const char *root = cfg->media_root;
	char rel[MEDIA_REL_MAX + 1];
	int64_t now = snapshot__now_ms();
	enum herr e;

	memset(out, 0, sizeof(*out));
	if (media_new_rel_path("snapshots", cam->id, now, "snapshot", "jpg", rel, sizeof(rel)) != 0 ||
	    media_write_file(root, rel, jpeg, len) != 0) {
		LOG(LOG_ERR, "snapshot of camera %" PRId64 ": cannot write the file: %m", cam->id);
		out->fault = SNAPSHOT_FAULT_STORAGE;
		return HERR_INTERNAL;
	}
	if ((e = snapshot__record(db, cam, rel, len, width, height, now, out)) != HERR_OK)
		media_unlink(root, rel);
	return e;
}
