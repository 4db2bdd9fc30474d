/*
 * Timelapse capture and stitching (see timelapse.h).  Files follow the
 * media rules of files.h: written under .tmp, moved into place, then the
 * row; a row deleted (committed) before its file is unlinked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "media/ffmpeg.h"
#include "media/files.h"
#include "media/grab.h"
#include "media/timelapse.h"
#include "store/cameras.h"
#include "store/cleanup.h"
#include "store/media.h"
#include "store/settings.h"
#include "store/timelapse.h"

/* cron starts a run each minute, a few seconds late or early: a frame is
 * due this much before its interval is complete, so a 5-minute interval
 * does not slip to 6. */
#define TIMELAPSE_SLACK_MS 30000
/* Cameras read per statement, and (camera, day) pairs stitched per run. */
#define TIMELAPSE_CAMERA_BATCH 64
#define TIMELAPSE_DAYS_PER_RUN 64

const char *const timelapse_resolutions[] = {"original", "640:480", "320:240", NULL};

/* ---------------------------------------------------------------- settings */

enum herr timelapse_settings_load(struct db *db, struct timelapse_settings *s)
{
	json_t *doc = NULL, *v;
	enum herr rc;

	s->enabled = false;
	s->interval_minutes = TIMELAPSE_INTERVAL_DEFAULT;
	s->fps = TIMELAPSE_FPS_DEFAULT;
	s->resolution = TIMELAPSE_RESOLUTION_DEFAULT;
	rc = store_settings_get(db, "timelapse", false, &doc);
	if (rc == HERR_NOT_FOUND)
		return HERR_OK;
	if (rc != HERR_OK)
		return rc;
	if (json_is_boolean(v = json_object_get(doc, "enabled")))
		s->enabled = json_is_true(v);
	v = json_object_get(doc, "interval_minutes");
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= TIMELAPSE_INTERVAL_MAX)
		s->interval_minutes = (unsigned)json_integer_value(v);
	v = json_object_get(doc, "fps");
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= TIMELAPSE_FPS_MAX)
		s->fps = (unsigned)json_integer_value(v);
	if (json_is_string(v = json_object_get(doc, "resolution")))
		for (size_t i = 0; timelapse_resolutions[i]; i++)
			if (strcmp(json_string_value(v), timelapse_resolutions[i]) == 0)
				s->resolution = timelapse_resolutions[i];
	json_decref(doc);
	return HERR_OK;
}

json_t *timelapse_settings_json(const struct timelapse_settings *s)
{
	return json_pack("{s:b, s:i, s:i, s:s}", "enabled", s->enabled, "interval_minutes",
			 (int)s->interval_minutes, "fps", (int)s->fps, "resolution", s->resolution);
}

void timelapse_day_of(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%d", &tm);
}

static int64_t timelapse__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- capture */

static bool timelapse__has_url(const json_t *config)
{
	const char *snap = json_string_value(json_object_get(config, "snapshot_url"));
	const char *stream = json_string_value(json_object_get(config, "stream_url"));

	return (snap && *snap) || (stream && *stream);
}

/* What a failed grab tells the camera's row; a DB error is returned. */
static enum herr timelapse__failed(struct db *db, const struct camera *cam, const char *why,
				   struct timelapse_report *rep)
{
	enum herr rc;

	LOG(LOG_WARNING, "timelapse: camera %" PRId64 " (%s): %s", cam->id, cam->name, why);
	rep->capture_failed++;
	rc = store_camera_failed(db, cam->id, why);
	return rc == HERR_NOT_FOUND ? HERR_OK : rc;
}

/* One frame of cam, now. */
static enum herr timelapse__grab(const struct hearth_config *cfg, struct db *db,
				 const struct camera *cam, struct timelapse_report *rep)
{
	char tmp[MEDIA_PATH_MAX], rel[MEDIA_REL_MAX + 1], err[256], day[TIMELAPSE_DAY_LEN];
	int64_t now_ms = timelapse__now_ms(), id = 0;
	struct media_fields f;
	uint64_t size = 0;
	unsigned w = 0, h = 0;
	enum herr rc;

	if (media_tmp_file(cfg->media_root, "jpg", tmp, sizeof(tmp)) != 0) {
		LOG(LOG_ERR, "timelapse: %s/%s: %s", cfg->media_root, MEDIA_TMP_DIR, strerror(errno));
		rep->capture_failed++;
		return HERR_OK;
	}
	if (camera_grab_jpeg(cfg, cam->config, tmp, err, sizeof(err)) != 0) {
		unlink(tmp);
		return timelapse__failed(db, cam, err, rep);
	}
	if (media_jpeg_file_info(tmp, &size, &w, &h) != 0) {
		unlink(tmp);
		return timelapse__failed(db, cam, "the picture is not a JPEG", rep);
	}
	timelapse_day_of((time_t)(now_ms / 1000), day, sizeof(day));
	if (media_new_rel_path("frames", cam->id, now_ms, "frame", "jpg", rel, sizeof(rel)) != 0 ||
	    media_move_into(cfg->media_root, tmp, rel) != 0) {
		LOG(LOG_ERR, "timelapse: camera %" PRId64 ": frame not stored: %s", cam->id,
		    strerror(errno));
		unlink(tmp);
		rep->capture_failed++;
		return HERR_OK;
	}
	f = (struct media_fields){
		.kind = "frame", .camera_id = cam->id, .camera_name = cam->name,
		.rel_path = rel, .mime = "image/jpeg", .size_bytes = size, .width = w, .height = h,
		.duration_ms = -1, .day = day, .taken_at_ms = now_ms,
	};
	if ((rc = store_media_insert(db, &f, &id)) != HERR_OK) {
		media_unlink(cfg->media_root, rel);
		return rc;
	}
	rep->captured++;
	rc = store_camera_seen(db, cam->id);
	return rc == HERR_NOT_FOUND ? HERR_OK : rc;
}

enum herr timelapse_capture(const struct hearth_config *cfg, struct db *db,
			    const struct timelapse_settings *s, time_t now,
			    struct timelapse_report *rep)
{
	int64_t ids[TIMELAPSE_CAMERA_BATCH], after = 0, last_ms;
	int64_t interval_ms = (int64_t)s->interval_minutes * 60000, now_ms = (int64_t)now * 1000;
	size_t n;
	enum herr rc;

	do {
		if ((rc = store_cameras_enabled_ids(db, after, ids, TIMELAPSE_CAMERA_BATCH, &n)) !=
		    HERR_OK)
			return rc;
		for (size_t i = 0; i < n; i++) {
			struct camera cam;
			bool due = false;

			after = ids[i];
			memset(&cam, 0, sizeof(cam));
			rc = store_camera_load(db, ids[i], false, &cam);
			if (rc == HERR_OK && timelapse__has_url(cam.config)) {
				rc = store_timelapse_last_frame(db, ids[i], &last_ms);
				due = rc == HERR_OK &&
				      (last_ms == 0 || now_ms - last_ms >= interval_ms - TIMELAPSE_SLACK_MS);
			}
			if (due)
				rc = timelapse__grab(cfg, db, &cam, rep);
			store_camera_release(&cam);
			if (rc == HERR_NOT_FOUND) /* deleted meanwhile */
				rc = HERR_OK;
			if (rc != HERR_OK)
				return rc;
		}
	} while (n == TIMELAPSE_CAMERA_BATCH);
	return HERR_OK;
}

/* ---------------------------------------------------------------- stitch */

/* The ffconcat list of frames (absolute paths; frames whose file is gone
 * are left out) into list_abs; the number listed in *listed. */
static int timelapse__write_list(const char *root, const struct cleanup_files *frames,
				 const char *list_abs, size_t *listed)
{
	FILE *fp = fopen(list_abs, "w");
	char abs[MEDIA_PATH_MAX];
	int rv = -1;

	*listed = 0;
	if (!fp)
		return -1;
	if (fputs("ffconcat version 1.0\n", fp) < 0)
		goto out;
	for (size_t i = 0; i < frames->n; i++) {
		/* Paths Hearth made hold no quote, so they need no escaping. */
		if (media_abs_path(root, frames->v[i].rel_path, abs, sizeof(abs)) != 0 ||
		    access(abs, R_OK) != 0)
			continue;
		if (fprintf(fp, "file '%s'\n", abs) < 0)
			goto out;
		(*listed)++;
	}
	rv = 0;
out:
	if (fclose(fp) != 0)
		rv = -1;
	return rv;
}

/* Unlink the frames' files (their rows are committed gone). */
static void timelapse__unlink_frames(const char *root, const struct cleanup_files *frames)
{
	for (size_t i = 0; i < frames->n; i++)
		if (media_unlink(root, frames->v[i].rel_path) != 0)
			LOG(LOG_WARNING, "timelapse: unlink %s: %s", frames->v[i].rel_path,
			    strerror(errno));
}

/* Put tmp at rel, replacing a file a crashed run left there without a
 * row.  0, or -1 (tmp is then still where it was). */
static int timelapse__place(const struct hearth_config *cfg, struct db *db, const char *tmp,
			    const char *rel, enum herr *rc)
{
	bool known = false;

	if ((*rc = store_cleanup_path_known(db, rel, &known)) != HERR_OK || known)
		return -1;
	media_unlink(cfg->media_root, rel);
	return media_move_into(cfg->media_root, tmp, rel);
}

/* A day's video committed: store_timelapse_commit in a db_tx. */
struct timelapse_commit {
	const struct media_fields *video;
	struct media_fields *thumb;
	int64_t camera_id;
	const char *day;
	int64_t max_frame_id;
	int64_t video_id;
};

static enum herr timelapse__commit_tx(struct db *db, void *arg)
{
	struct timelapse_commit *c = arg;

	return store_timelapse_commit(db, c->video, c->thumb, c->camera_id, c->day,
				      c->max_frame_id, &c->video_id);
}

/* Stitch one camera's day.  Only a database error is returned; a failed
 * stitch is logged and counted, its frames kept. */
static enum herr timelapse__stitch_one(const struct hearth_config *cfg, struct db *db,
				       const struct timelapse_settings *s,
				       const struct timelapse_day *d, struct timelapse_report *rep)
{
	struct cleanup_files frames = {0};
	struct ffmpeg_opts fo;
	struct media_probe probe = {.duration_ms = -1};
	struct media_fields vf, tf;
	struct timelapse_commit commit;
	struct stat sb;
	char name[CAMERA_NAME_MAX], err[512], ymd[9];
	char list[MEDIA_PATH_MAX] = "", video_tmp[MEDIA_PATH_MAX] = "", thumb_tmp[MEDIA_PATH_MAX] = "";
	char video_rel[MEDIA_REL_MAX + 1] = "", thumb_rel[MEDIA_REL_MAX + 1] = "";
	int64_t max_id = 0, video_id = 0;
	bool have_thumb = false, placed = false;
	size_t listed = 0;
	enum herr rc;

	if ((rc = store_timelapse_frames(db, d->camera_id, d->day, &frames, name, sizeof(name))) !=
	    HERR_OK)
		goto out;
	for (size_t i = 0; i < frames.n; i++)
		if (frames.v[i].id > max_id)
			max_id = frames.v[i].id;
	if (frames.n == 0)
		goto out;

	/* Frames that came in after their day's video was made. */
	rc = store_timelapse_video_of(db, d->camera_id, d->day, &video_id);
	if (rc == HERR_OK) {
		if ((rc = store_timelapse_drop_frames(db, d->camera_id, d->day, max_id)) == HERR_OK)
			timelapse__unlink_frames(cfg->media_root, &frames);
		goto out;
	}
	if (rc != HERR_NOT_FOUND)
		goto out;
	rc = HERR_OK;

	ffmpeg_opts_from_config(cfg, &fo);
	snprintf(ymd, sizeof(ymd), "%.4s%.2s%.2s", d->day, d->day + 5, d->day + 8);
	snprintf(video_rel, sizeof(video_rel), "timelapse/%" PRId64 "/timelapse_%s.mp4",
		 d->camera_id, ymd);
	snprintf(thumb_rel, sizeof(thumb_rel), "timelapse/%" PRId64 "/timelapse_%s.thumb.jpg",
		 d->camera_id, ymd);

	if (media_tmp_file(cfg->media_root, "txt", list, sizeof(list)) != 0 ||
	    timelapse__write_list(cfg->media_root, &frames, list, &listed) != 0) {
		snprintf(err, sizeof(err), "frame list: %s", strerror(errno));
		goto failed;
	}
	if (listed == 0) {
		/* Every file is gone: nothing to stitch, only rows to drop. */
		rc = store_timelapse_drop_frames(db, d->camera_id, d->day, max_id);
		goto out;
	}
	if (media_tmp_file(cfg->media_root, "mp4", video_tmp, sizeof(video_tmp)) != 0) {
		snprintf(err, sizeof(err), "%s: %s", MEDIA_TMP_DIR, strerror(errno));
		goto failed;
	}
	if (ffmpeg_stitch(&fo, list, s->fps, s->resolution, video_tmp, err, sizeof(err)) != 0)
		goto failed;
	if (stat(video_tmp, &sb) != 0 || sb.st_size == 0) {
		snprintf(err, sizeof(err), "ffmpeg wrote no video");
		goto failed;
	}
	if (ffmpeg_probe(&fo, video_tmp, &probe, err, sizeof(err)) != 0) {
		LOG(LOG_WARNING, "timelapse: %s: probe: %s", video_rel, err);
		probe = (struct media_probe){.duration_ms = -1};
	}
	if (media_tmp_file(cfg->media_root, "jpg", thumb_tmp, sizeof(thumb_tmp)) == 0 &&
	    ffmpeg_thumbnail(&fo, video_tmp, thumb_tmp, err, sizeof(err)) == 0)
		have_thumb = true;
	else
		LOG(LOG_WARNING, "timelapse: %s: no thumbnail: %s", video_rel, err);

	if (timelapse__place(cfg, db, video_tmp, video_rel, &rc) != 0) {
		if (rc != HERR_OK)
			goto out;
		snprintf(err, sizeof(err), "%s cannot be put in place: %s", video_rel,
			 errno ? strerror(errno) : "a row names it");
		goto failed;
	}
	placed = true;
	video_tmp[0] = '\0';
	if (have_thumb) {
		struct stat tsb;

		if (stat(thumb_tmp, &tsb) != 0 ||
		    timelapse__place(cfg, db, thumb_tmp, thumb_rel, &rc) != 0) {
			if (rc != HERR_OK)
				goto out;
			have_thumb = false;
		} else {
			thumb_tmp[0] = '\0';
			tf = (struct media_fields){
				.kind = "thumbnail", .camera_id = d->camera_id,
				.camera_name = name[0] ? name : NULL, .rel_path = thumb_rel,
				.mime = "image/jpeg", .size_bytes = (uint64_t)tsb.st_size,
				.duration_ms = -1, .day = d->day,
			};
		}
	}
	vf = (struct media_fields){
		.kind = "timelapse", .camera_id = d->camera_id, .camera_name = name[0] ? name : NULL,
		.rel_path = video_rel, .mime = "video/mp4", .size_bytes = (uint64_t)sb.st_size,
		.width = probe.width, .height = probe.height, .duration_ms = probe.duration_ms,
		.day = d->day,
	};
	commit = (struct timelapse_commit){&vf, have_thumb ? &tf : NULL, d->camera_id, d->day,
					   max_id, 0};
	if ((rc = db_tx(db, timelapse__commit_tx, &commit)) != HERR_OK)
		goto out;
	placed = false; /* the rows own the files now */
	timelapse__unlink_frames(cfg->media_root, &frames);
	rep->stitched++;
	rep->frames_stitched += listed;
	LOG(LOG_NOTICE, "timelapse: camera %" PRId64 " %s: %zu frames -> %s (%lld bytes)",
	    d->camera_id, d->day, listed, video_rel, (long long)sb.st_size);
	goto out;

failed:
	rep->stitch_failed++;
	LOG(LOG_WARNING, "timelapse: camera %" PRId64 " %s: stitch failed: %s; %zu frames kept"
			 " for the next run",
	    d->camera_id, d->day, err, frames.n);
out:
	/* Files in place whose rows were never committed go again. */
	if (placed) {
		media_unlink(cfg->media_root, video_rel);
		if (have_thumb)
			media_unlink(cfg->media_root, thumb_rel);
	}
	if (list[0])
		unlink(list);
	if (video_tmp[0])
		unlink(video_tmp);
	if (thumb_tmp[0])
		unlink(thumb_tmp);
	cleanup_files_free(&frames);
	return rc;
}

enum herr timelapse_stitch(const struct hearth_config *cfg, struct db *db,
			   const struct timelapse_settings *s, time_t now,
			   struct timelapse_report *rep)
{
	struct timelapse_day days[TIMELAPSE_DAYS_PER_RUN];
	char today[TIMELAPSE_DAY_LEN];
	size_t n;
	enum herr rc;

	timelapse_day_of(now, today, sizeof(today));
	/* One list per run: a day that fails stays for the next run rather
	 * than being tried again and again in this one. */
	if ((rc = store_timelapse_pending(db, today, days, TIMELAPSE_DAYS_PER_RUN, &n)) != HERR_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = timelapse__stitch_one(cfg, db, s, &days[i], rep)) != HERR_OK)
			return rc;
	return HERR_OK;
}
