/*
 * A recording registered (media/recording.h): probe, place, record, and
 * undo every file step when a later one fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "media/ffmpeg.h"
#include "media/files.h"
#include "media/recording.h"
#include "store/media.h"
#include "store/recordings.h"

/* A recording shorter than this gets no sprite (seed 003). */
#define SPRITE_MIN_MS 2000

/* A container worth keeping: ffprobe's demuxer name to extension and type. */
static const struct {
	const char *format, *ext, *mime;
} containers[] = {
	{ "mov", "mp4", "video/mp4" },
	{ "matroska", "mkv", "video/x-matroska" },
	{ "avi", "avi", "video/x-msvideo" },
	{ "mpegts", "ts", "video/mp2t" },
	{ "flv", "flv", "video/x-flv" },
};

/* A generated file next to the recording: "<rel without .ext>.<suffix>". */
static int recording__child_rel(const char *rel, const char *suffix, char *out, size_t outsz)
{
	const char *dot = strrchr(rel, '.');
	int n;

	if (!dot)
		return -1;
	n = snprintf(out, outsz, "%.*s.%s", (int)(dot - rel), rel, suffix);
	return n < 0 || (size_t)n >= outsz || !media_rel_path_ok(out) ? -1 : 0;
}

static uint64_t recording__size(const char *root, const char *rel)
{
	char abs[MEDIA_PATH_MAX];
	struct stat sb;

	if (media_abs_path(root, rel, abs, sizeof(abs)) < 0 || stat(abs, &sb) < 0)
		return 0;
	return (uint64_t)sb.st_size;
}

/*
 * A thumbnail (sprite false) or sprite of the recording at rel, made into
 * a temporary file, put next to it and recorded as a child row.  When
 * ffmpeg cannot make it the recording stays without (logged): HERR_OK.  A
 * row that cannot be written is an error; placed gets the file's rel then.
 */
static enum herr recording__make_child(struct db *db, const struct hearth_config *cfg,
				       const struct recording_source *s, int64_t parent,
				       const char *rel, const struct media_probe *p, bool sprite,
				       char placed[MEDIA_REL_MAX + 1])
{
	struct ffmpeg_opts o;
	char video_abs[MEDIA_PATH_MAX], tmp[MEDIA_PATH_MAX], child[MEDIA_REL_MAX + 1], why[256];
	const char *kind = sprite ? "sprite" : "thumbnail";
	int rc;

	placed[0] = '\0';
	ffmpeg_opts_from_config(cfg, &o);
	if (media_abs_path(cfg->media_root, rel, video_abs, sizeof(video_abs)) < 0 ||
	    recording__child_rel(rel, sprite ? "sprite.jpg" : "thumb.jpg", child,
				 sizeof(child)) < 0)
		return HERR_INTERNAL;
	if (media_tmp_file(cfg->media_root, "jpg", tmp, sizeof(tmp)) < 0) {
		LOG(LOG_ERR, "recording %" PRId64 ": %s: temporary file: %s", parent, kind,
		    strerror(errno));
		return HERR_INTERNAL;
	}
	rc = sprite ? ffmpeg_sprite(&o, video_abs, p->duration_ms, tmp, why, sizeof(why))
		    : ffmpeg_thumbnail(&o, video_abs, tmp, why, sizeof(why));
	if (rc < 0) {
		LOG(LOG_WARNING, "recording %" PRId64 ": no %s: %s", parent, kind, why);
		unlink(tmp);
		return HERR_OK;
	}
	if (media_move_into(cfg->media_root, tmp, child) < 0) {
		LOG(LOG_ERR, "recording %" PRId64 ": %s: %s", parent, kind, strerror(errno));
		unlink(tmp);
		return HERR_INTERNAL;
	}
	snprintf(placed, MEDIA_REL_MAX + 1, "%s", child);

	const struct media_fields f = {
		.kind = kind,
		.camera_id = s->camera_id,
		.camera_name = s->camera_name,
		.parent_id = parent,
		.rel_path = child,
		.mime = "image/jpeg",
		.size_bytes = recording__size(cfg->media_root, child),
		.width = sprite ? 1600 : p->width,
		.height = sprite ? 90 : p->height,
		.duration_ms = -1,
		.taken_at_ms = s->taken_at_ms,
	};
	return store_media_insert(db, &f, NULL);
}

enum herr media_recording_register(struct db *db, const struct hearth_config *cfg,
				   const struct recording_source *src, int64_t *id, json_t **rec,
				   const char **refusal)
{
	struct recording_source s = *src;
	char rel[MEDIA_REL_MAX + 1] = "", why[256], abs[MEDIA_PATH_MAX];
	char children[2][MEDIA_REL_MAX + 1] = { "", "" };
	struct ffmpeg_opts o;
	struct media_probe p;
	const char *ext = NULL, *mime = NULL;
	bool moved = false;
	enum herr e;

	*id = 0;
	*rec = NULL;
	*refusal = NULL;
	if (s.taken_at_ms <= 0) {   /* the path's date and the row's must agree */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		s.taken_at_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	}
	ffmpeg_opts_from_config(cfg, &o);
	if (ffmpeg_probe(&o, s.src_abs, &p, why, sizeof(why)) < 0) {
		*refusal = "Input is not a video";
		e = HERR_INVALID;
		goto out;
	}
	for (size_t i = 0; i < sizeof(containers) / sizeof(containers[0]); i++)
		if (strcmp(p.format, containers[i].format) == 0) {
			ext = containers[i].ext;
			mime = containers[i].mime;
		}
	if (!ext || p.width == 0 || p.height == 0 || p.duration_ms <= 0) {
		*refusal = "Input is not a video (MP4, Matroska, AVI, MPEG-TS or "
			   "FLV with a picture and a duration)";
		e = HERR_INVALID;
		goto out;
	}
	if (media_new_rel_path("recordings", s.camera_id, s.taken_at_ms, "recording", ext, rel,
			       sizeof(rel)) < 0 ||
	    media_move_into(cfg->media_root, s.src_abs, rel) < 0) {
		LOG(LOG_ERR, "recording of camera %" PRId64 ": cannot place it: %s", s.camera_id,
		    strerror(errno));
		rel[0] = '\0';
		e = HERR_INTERNAL;
		goto out;
	}
	moved = true;

	const struct media_fields f = {
		.kind = "recording",
		.camera_id = s.camera_id,
		.camera_name = s.camera_name,
		.rel_path = rel,
		.mime = mime,
		.size_bytes = recording__size(cfg->media_root, rel),
		.width = p.width,
		.height = p.height,
		.duration_ms = p.duration_ms,
		.taken_at_ms = s.taken_at_ms,
	};
	if ((e = store_media_insert(db, &f, id)) != HERR_OK ||
	    (e = recording__make_child(db, cfg, &s, *id, rel, &p, false, children[0])) != HERR_OK ||
	    (p.duration_ms >= SPRITE_MIN_MS &&
	     (e = recording__make_child(db, cfg, &s, *id, rel, &p, true, children[1])) != HERR_OK))
		goto out;
	e = store_recordings_get(db, *id, rec);
out:
	if (e != HERR_OK) {
		for (size_t i = 0; i < 2; i++)
			if (children[i][0])
				media_unlink(cfg->media_root, children[i]);
		if (moved && !s.src_is_tmp &&
		    media_abs_path(cfg->media_root, rel, abs, sizeof(abs)) == 0 &&
		    rename(abs, s.src_abs) == 0)
			moved = false;   /* back in the incoming folder */
		if (moved)
			media_unlink(cfg->media_root, rel);
		else if (s.src_is_tmp)
			unlink(s.src_abs);
		json_decref(*rec);
		*rec = NULL;
		*id = 0;
	}
	return e;
}
