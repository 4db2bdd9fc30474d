/*
 * /api/v1/recordings and /api/v1/archive/new-count.
 *
 * A recording is registered from a file in its camera's incoming folder
 * (JSON {camera_id, file, taken_at?}) or uploaded as multipart/form-data
 * (fields camera_id, taken_at?, and a file part), streamed to a temporary
 * file under the media root and never held in memory.  Either way the
 * file is probed (not a video: 422, nothing kept), moved to its place
 * under recordings/, and gets a thumbnail and, from 2 s up, a sprite as
 * child rows.  Files are served by nginx (response_accel) after the row
 * is found; the JSON never shows a path.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "iso8601.h"
#include "log.h"
#include "media/ffmpeg.h"
#include "media/files.h"
#include "media/multipart.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "store/media.h"
#include "store/recordings.h"
#include "store/store.h"
#include "validate.h"

/* A recording shorter than this gets no sprite (seed 003). */
#define SPRITE_MIN_MS 2000
/* Room for the multipart framing around the file beyond upload_max_mb. */
#define UPLOAD_OVERHEAD (1u << 20)
#define UPLOAD_FIELD_MAX 64
#define RECORDING_CHILDREN_MAX 8

static const char *const at_query[] = {"query", NULL};

/* ---------------------------------------------------------------- reading */

int h_recordings_list(struct ctx *c, struct response *r)
{
	struct recording_filter f = {0, NULL, NULL};
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	char scope[64 + 2 * HANDLER_TIME_LEN];
	int64_t since_ms = 0, until_ms = 0;
	int has_since, has_until;
	struct page pg;
	json_t *errs = json_array(), *items = json_array();
	bool has_more = false;
	enum herr e;
	int status;

	if (!errs || !items) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	ctx_query_int(c, "camera_id", 1, INT64_MAX, &f.camera_id, errs);
	has_since = ctx_query_time(c, "since", &since_ms, since, errs);
	has_until = ctx_query_time(c, "until", &until_ms, until, errs);
	if (has_since > 0)
		f.since = since;
	if (has_until > 0)
		f.until = until;
	if (has_since > 0 && has_until > 0 && until_ms <= since_ms)
		verr_add(errs, at_query, "until", "value_error", "Input should be after since");
	/* The filters are part of the scope: a cursor only continues its own list. */
	snprintf(scope, sizeof(scope), "recordings:camera_id=%" PRId64 ";since=%s;until=%s",
		 f.camera_id, f.since ? f.since : "", f.until ? f.until : "");
	ctx_page_desc(c, scope, &pg, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = store_recordings_list(c->app->db, &f, &pg, items, &has_more)) != HERR_OK) {
		status = response_error(r, e, "recordings");
		goto out;
	}
	status = ctx_list_reply_desc(c, r, scope, &pg, items, has_more);
	items = NULL;
out:
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_recordings_get(struct ctx *c, struct response *r)
{
	json_t *rec = NULL;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) < 0)
		return r->status;
	if ((e = store_recordings_get(c->app->db, id, &rec)) != HERR_OK)
		return response_error(r, e, "recording");
	return ctx_reply(r, 200, rec);
}

int h_recordings_video(struct ctx *c, struct response *r)
{
	struct media_row row;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) < 0)
		return r->status;
	if ((e = store_media_find(c->app->db, id, "recording", &row)) != HERR_OK)
		return response_error(r, e, "recording");
	return response_accel(r, row.rel_path, row.mime);
}

/* A recording's child file (thumbnail, sprite): 404 for either missing. */
static int recordings__child(struct ctx *c, struct response *r, const char *kind)
{
	struct media_row row;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) < 0)
		return r->status;
	if ((e = store_media_find(c->app->db, id, "recording", &row)) != HERR_OK)
		return response_error(r, e, "recording");
	if ((e = store_media_child(c->app->db, id, kind, &row)) != HERR_OK)
		return response_error(r, e, kind);
	return response_accel(r, row.rel_path, row.mime);
}

int h_recordings_thumbnail(struct ctx *c, struct response *r)
{
	return recordings__child(c, r, "thumbnail");
}

int h_recordings_sprite(struct ctx *c, struct response *r)
{
	return recordings__child(c, r, "sprite");
}

/*
 * The rows go first, in the request's transaction; the files after.  A
 * commit that then fails leaves rows whose files are gone, which cleanup
 * removes as orphan rows: never a file without the row that found it.
 */
int h_recordings_delete(struct ctx *c, struct response *r)
{
	struct media_row gone[RECORDING_CHILDREN_MAX];
	size_t n = 0;
	int64_t id;
	enum herr e;

	if (ctx_path_id(c, r, "id", &id) < 0)
		return r->status;
	e = store_media_delete(c->app->db, id, "recording", gone, RECORDING_CHILDREN_MAX, &n);
	if (e != HERR_OK)
		return response_error(r, e, "recording");
	ctx_unlink_media(c, gone, n);
	ctx_changed(c, id, NULL, NULL);
	return ctx_reply(r, 204, NULL);
}

int h_archive_new_count(struct ctx *c, struct response *r)
{
	char raw[64], since[HANDLER_TIME_LEN];
	json_t *errs = json_array();
	int64_t ms = 0, count = 0;
	enum herr e;

	/* A missing or unreadable since counts nothing (seed 003): the
	 * dashboard asks before it has seen anything. */
	if (!errs)
		return response_detail(r, 500, "out of memory");
	if (query_get(c->req->query ? c->req->query : "", "since", raw, sizeof(raw)) > 0 &&
	    ctx_query_time(c, "since", &ms, since, errs) > 0) {
		if ((e = store_archive_new_count(c->app->db, since, &count)) != HERR_OK) {
			json_decref(errs);
			return response_error(r, e, NULL);
		}
	}
	json_decref(errs);
	return ctx_reply(r, 200, json_pack("{s:I}", "count", (json_int_t)count));
}

/* ---------------------------------------------------------------- registering */

/* What the request named, checked. */
struct registration {
	int64_t camera_id;
	char camera_name[RECORDING_CAMERA_NAME_MAX];
	int64_t taken_at_ms;            /* 0 = now */
	char src_abs[MEDIA_PATH_MAX];   /* the incoming file or the upload's temporary file */
	bool src_is_tmp;                /* ours to delete when anything fails */
};

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

static int recordings__invalid(struct response *r, const char *field, const char *type,
			       const char *msg)
{
	json_t *errs = json_array();

	if (errs)
		verr_add(errs, at_body, field, type, "%s", msg);
	return ctx_invalid(r, errs);
}

/* A generated file next to the recording: "<rel without .ext>.<suffix>". */
static int recordings__child_rel(const char *rel, const char *suffix, char *out, size_t outsz)
{
	const char *dot = strrchr(rel, '.');
	int n;

	if (!dot)
		return -1;
	n = snprintf(out, outsz, "%.*s.%s", (int)(dot - rel), rel, suffix);
	return n < 0 || (size_t)n >= outsz || !media_rel_path_ok(out) ? -1 : 0;
}

static uint64_t recordings__size(const char *root, const char *rel)
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
 * ffmpeg cannot make it the recording stays without (logged): 0.  A row
 * that cannot be written is an error; placed gets the file's rel then.
 */
static enum herr recordings__make_child(struct ctx *c, const struct registration *g,
					int64_t parent, const char *rel, const struct media_probe *p,
					bool sprite, char placed[MEDIA_REL_MAX + 1])
{
	const struct hearth_config *cfg = c->app->cfg;
	struct ffmpeg_opts o;
	char video_abs[MEDIA_PATH_MAX], tmp[MEDIA_PATH_MAX], child[MEDIA_REL_MAX + 1], why[256];
	const char *kind = sprite ? "sprite" : "thumbnail";
	int rc;

	placed[0] = '\0';
	ffmpeg_opts_from_config(cfg, &o);
	if (media_abs_path(cfg->media_root, rel, video_abs, sizeof(video_abs)) < 0 ||
	    recordings__child_rel(rel, sprite ? "sprite.jpg" : "thumb.jpg", child,
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
		.camera_id = g->camera_id,
		.camera_name = g->camera_name,
		.parent_id = parent,
		.rel_path = child,
		.mime = "image/jpeg",
		.size_bytes = recordings__size(cfg->media_root, child),
		.width = sprite ? 1600 : p->width,
		.height = sprite ? 90 : p->height,
		.duration_ms = -1,
		.taken_at_ms = g->taken_at_ms,
	};
	return store_media_insert(c->app->db, &f, NULL);
}

/*
 * Probe, place and record the file of g; 201 with the recording.  On any
 * failure nothing stays under the media root, an upload's temporary file
 * is removed and an incoming file is put back where it was.
 */
static int recordings__register(struct ctx *c, struct response *r, struct registration *g)
{
	const struct hearth_config *cfg = c->app->cfg;
	char rel[MEDIA_REL_MAX + 1] = "", why[256], abs[MEDIA_PATH_MAX];
	char children[2][MEDIA_REL_MAX + 1] = { "", "" };
	struct ffmpeg_opts o;
	struct media_probe p;
	const char *ext = NULL, *mime = NULL;
	bool moved = false;
	json_t *rec = NULL;
	int64_t id = 0;
	enum herr e;
	int status;

	if (g->taken_at_ms <= 0) {   /* the path's date and the row's must agree */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		g->taken_at_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	}
	ffmpeg_opts_from_config(cfg, &o);
	if (ffmpeg_probe(&o, g->src_abs, &p, why, sizeof(why)) < 0) {
		status = recordings__invalid(r, "file", "value_error", "Input is not a video");
		goto out;
	}
	for (size_t i = 0; i < sizeof(containers) / sizeof(containers[0]); i++)
		if (strcmp(p.format, containers[i].format) == 0) {
			ext = containers[i].ext;
			mime = containers[i].mime;
		}
	if (!ext || p.width == 0 || p.height == 0 || p.duration_ms <= 0) {
		status = recordings__invalid(r, "file", "value_error",
					     "Input is not a video (MP4, Matroska, AVI, MPEG-TS or "
					     "FLV with a picture and a duration)");
		goto out;
	}
	if (media_new_rel_path("recordings", g->camera_id, g->taken_at_ms, "recording", ext, rel,
			       sizeof(rel)) < 0 ||
	    media_move_into(cfg->media_root, g->src_abs, rel) < 0) {
		LOG(LOG_ERR, "recording of camera %" PRId64 ": cannot place it: %s", g->camera_id,
		    strerror(errno));
		rel[0] = '\0';
		status = response_error(r, HERR_INTERNAL, NULL);
		goto out;
	}
	moved = true;

	const struct media_fields f = {
		.kind = "recording",
		.camera_id = g->camera_id,
		.camera_name = g->camera_name,
		.rel_path = rel,
		.mime = mime,
		.size_bytes = recordings__size(cfg->media_root, rel),
		.width = p.width,
		.height = p.height,
		.duration_ms = p.duration_ms,
		.taken_at_ms = g->taken_at_ms,
	};
	if ((e = store_media_insert(c->app->db, &f, &id)) != HERR_OK ||
	    (e = recordings__make_child(c, g, id, rel, &p, false, children[0])) != HERR_OK ||
	    (p.duration_ms >= SPRITE_MIN_MS &&
	     (e = recordings__make_child(c, g, id, rel, &p, true, children[1])) != HERR_OK) ||
	    (e = store_recordings_get(c->app->db, id, &rec)) != HERR_OK) {
		status = response_error(r, e, "recording");
		goto out;
	}
	ctx_changed(c, id, NULL, NULL);
	status = ctx_reply(r, 201, rec);
	rec = NULL;
out:
	if (status >= 300) {
		for (size_t i = 0; i < 2; i++)
			if (children[i][0])
				media_unlink(cfg->media_root, children[i]);
		if (moved && !g->src_is_tmp &&
		    media_abs_path(cfg->media_root, rel, abs, sizeof(abs)) == 0 &&
		    rename(abs, g->src_abs) == 0)
			moved = false;   /* back in the incoming folder */
		if (moved)
			media_unlink(cfg->media_root, rel);
		else if (g->src_is_tmp)
			unlink(g->src_abs);
	}
	json_decref(rec);
	return status;
}

/* taken_at as milliseconds, checked as every body time is. */
static int recordings__taken_at(const json_t *v, int64_t *ms, json_t *errs)
{
	char out[HANDLER_TIME_LEN];
	json_t *wrap;
	int rc;

	if (!v)
		return 0;
	wrap = json_pack("{s:O}", "taken_at", v);
	rc = wrap ? ctx_body_time(wrap, "taken_at", out, errs) : -1;
	json_decref(wrap);
	if (rc > 0 && iso8601_parse(json_string_value(v), ms) != 0)
		rc = -1;
	return rc;
}

/* The camera of camera_id, or a 422 on r. */
static int recordings__camera(struct ctx *c, struct response *r, struct registration *g,
			      char incoming_dir[RECORDING_INCOMING_MAX])
{
	enum herr e = store_recordings_camera(c->app->db, g->camera_id, g->camera_name,
					      incoming_dir);

	if (e == HERR_NOT_FOUND) {
		recordings__invalid(r, "camera_id", "value_error", "Input is not a camera");
		return -1;
	}
	if (e != HERR_OK) {
		response_error(r, e, NULL);
		return -1;
	}
	return 0;
}

/* POST {camera_id, file, taken_at?}: a file in the camera's incoming folder. */
static int recordings__from_incoming(struct ctx *c, struct response *r)
{
	const struct hearth_config *cfg = c->app->cfg;
	struct registration g;
	char incoming[RECORDING_INCOMING_MAX], dir[MEDIA_PATH_MAX];
	json_t *body = ctx_body(c), *errs = json_array(), *v;
	const char *key, *file = NULL;
	int has_taken = 0, status;
	struct stat sb;

	memset(&g, 0, sizeof(g));
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	json_object_foreach(body, key, v) {
		if (strcmp(key, "camera_id") != 0 && strcmp(key, "file") != 0 &&
		    strcmp(key, "taken_at") != 0)
			verr_add(errs, at_body, key, "extra_forbidden",
				 "Extra inputs are not permitted");
	}
	v = json_object_get(body, "camera_id");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		verr_add(errs, at_body, "camera_id", v ? "int_type" : "missing",
			 v ? "Input should be a positive integer" : "Field required");
	else
		g.camera_id = json_integer_value(v);
	v = json_object_get(body, "file");
	/* A string with a NUL in it is not a name, whatever precedes the NUL. */
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		verr_add(errs, at_body, "file", v ? "value_error" : "missing",
			 v ? "Input should be a file name in the camera's incoming folder"
			   : "Field required");
	else
		file = json_string_value(v);
	has_taken = recordings__taken_at(json_object_get(body, "taken_at"), &g.taken_at_ms, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (recordings__camera(c, r, &g, incoming) < 0) {
		status = r->status;
		goto out;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", cfg->media_incoming_root, incoming) >=
	    (int)sizeof(dir) ||
	    media_resolve_inside(dir, file, g.src_abs, sizeof(g.src_abs)) < 0) {
		const char *msg = errno == ENOENT ? "No such file in the camera's incoming folder"
			: errno == EXDEV ? "Input should name a file inside the camera's incoming folder"
			: errno == ENOTSUP ? "Input should name a regular file"
			: "Input should be a relative name of letters, digits, '.', '_', '-' and '/'";
		status = recordings__invalid(r, "file", "value_error", msg);
		goto out;
	}
	/* Without a taken_at, the recorder's own clock: when it finished the file. */
	if (has_taken <= 0 && stat(g.src_abs, &sb) == 0) {
		int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
		if (mtime > 0 && mtime <= (int64_t)time(NULL) * 1000)
			g.taken_at_ms = mtime;
	}
	status = recordings__register(c, r, &g);
out:
	json_decref(errs);
	json_decref(body);
	return status;
}

/* ---- multipart upload */

struct upload {
	int fd;
	uint64_t bytes, limit;
	int files;                 /* file parts seen */
	enum { UP_NONE, UP_FILE, UP_CAMERA, UP_TAKEN } part;
	char camera_id[UPLOAD_FIELD_MAX + 1];
	char taken_at[UPLOAD_FIELD_MAX + 1];
	size_t field_len;
	bool has_camera, has_taken;
	int status;                /* set when a callback stopped the parse */
	const char *field, *msg;   /* the 422's field and message */
};

static int upload__stop(struct upload *u, int status, const char *field, const char *msg)
{
	u->status = status;
	u->field = field;
	u->msg = msg;
	return 1;
}

static int upload__begin(void *arg, const struct multipart_part *p)
{
	struct upload *u = arg;

	u->field_len = 0;
	if (strcmp(p->name, "file") == 0) {
		if (!p->filename || u->files++ > 0)
			return upload__stop(u, 422, "file", "Input should be exactly one file part");
		u->part = UP_FILE;
	} else if (strcmp(p->name, "camera_id") == 0 && !p->filename && !u->has_camera) {
		u->part = UP_CAMERA;
		u->has_camera = true;
		u->camera_id[0] = '\0';
	} else if (strcmp(p->name, "taken_at") == 0 && !p->filename && !u->has_taken) {
		u->part = UP_TAKEN;
		u->has_taken = true;
		u->taken_at[0] = '\0';
	} else {
		return upload__stop(u, 422, "body",
				    "Extra or repeated form fields are not permitted "
				    "(camera_id, taken_at, file)");
	}
	return 0;
}

static int upload__data(void *arg, const char *data, size_t len)
{
	struct upload *u = arg;
	char *field = u->part == UP_CAMERA ? u->camera_id : u->taken_at;

	if (u->part == UP_FILE) {
		if (u->bytes + len > u->limit)
			return upload__stop(u, 413, NULL, NULL);
		u->bytes += len;
		while (len > 0) {
			ssize_t n = write(u->fd, data, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return upload__stop(u, 500, NULL, strerror(errno));
			data += n;
			len -= (size_t)n;
		}
		return 0;
	}
	if (u->field_len + len > UPLOAD_FIELD_MAX || memchr(data, '\0', len))
		return upload__stop(u, 422, u->part == UP_CAMERA ? "camera_id" : "taken_at",
				    "Input is not valid");
	memcpy(field + u->field_len, data, len);
	u->field_len += len;
	field[u->field_len] = '\0';
	return 0;
}

static int upload__end(void *arg)
{
	((struct upload *)arg)->part = UP_NONE;
	return 0;
}

static const struct multipart_callbacks upload_callbacks = {
	upload__begin, upload__data, upload__end,
};

/* Read the whole multipart body into g->src_abs (a temporary file). */
static int recordings__receive(struct ctx *c, struct response *r, struct upload *u)
{
	const struct request *req = c->req;
	struct multipart *mp = multipart_new(req->content_type, &upload_callbacks, u);
	char buf[65536];
	int status = 0;

	if (!mp)
		return response_detail(r, 400, "multipart/form-data without a valid boundary");
	for (;;) {
		ssize_t n = req->body_read(req->body_stream, buf, sizeof(buf));
		if (n < 0) {
			status = response_detail(r, 400, "incomplete request body");
			break;
		}
		if ((n == 0 ? multipart_finish(mp) : multipart_feed(mp, buf, (size_t)n)) < 0) {
			if (u->status == 413)
				status = response_detail(r, 413, "upload too large (limit %u MiB)",
							 c->app->cfg->media_upload_max_mb);
			else if (u->status == 422)
				status = recordings__invalid(r, u->field, "value_error", u->msg);
			else if (u->status == 500)
				status = response_detail(r, 500, "cannot store the upload: %s",
							 u->msg);
			else
				status = response_detail(r, 400, "malformed multipart body: %s",
							 multipart_error(mp));
			break;
		}
		if (n == 0)
			break;
	}
	multipart_free(mp);
	return status;
}

/* POST multipart/form-data: camera_id, taken_at?, file. */
static int recordings__upload(struct ctx *c, struct response *r)
{
	const struct hearth_config *cfg = c->app->cfg;
	struct registration g;
	struct upload u;
	char incoming[RECORDING_INCOMING_MAX];
	json_t *errs = NULL, *taken = NULL;
	int status;

	memset(&g, 0, sizeof(g));
	memset(&u, 0, sizeof(u));
	u.fd = -1;
	u.limit = (uint64_t)cfg->media_upload_max_mb << 20;
	if (c->req->body_stream_len > u.limit + UPLOAD_OVERHEAD)
		return response_detail(r, 413, "upload too large (limit %u MiB)",
				       cfg->media_upload_max_mb);
	if (media_tmp_file(cfg->media_root, "upload", g.src_abs, sizeof(g.src_abs)) < 0) {
		LOG(LOG_ERR, "upload: temporary file: %s", strerror(errno));
		return response_error(r, HERR_INTERNAL, NULL);
	}
	g.src_is_tmp = true;
	u.fd = open(g.src_abs, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (u.fd < 0) {
		LOG(LOG_ERR, "upload: %s: %s", g.src_abs, strerror(errno));
		status = response_error(r, HERR_INTERNAL, NULL);
		goto fail;
	}
	if ((status = recordings__receive(c, r, &u)) != 0)
		goto fail;
	if (fsync(u.fd) < 0 || close(u.fd) < 0) {
		u.fd = -1;
		LOG(LOG_ERR, "upload: %s: %s", g.src_abs, strerror(errno));
		status = response_error(r, HERR_INTERNAL, NULL);
		goto fail;
	}
	u.fd = -1;

	errs = json_array();
	if (!errs) {
		status = response_detail(r, 500, "out of memory");
		goto fail;
	}
	if (!u.has_camera)
		verr_add(errs, at_body, "camera_id", "missing", "Field required");
	else if (parse_int64(u.camera_id, &g.camera_id) < 0 || g.camera_id < 1)
		verr_add(errs, at_body, "camera_id", "int_parsing",
			 "Input should be a positive integer");
	if (u.files == 0)
		verr_add(errs, at_body, "file", "missing", "Field required");
	else if (u.bytes == 0)
		verr_add(errs, at_body, "file", "value_error", "Input should not be empty");
	if (u.has_taken && u.taken_at[0]) {
		taken = json_string(u.taken_at);
		if (!taken || recordings__taken_at(taken, &g.taken_at_ms, errs) < 0)
			g.taken_at_ms = 0;
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto fail;
	}
	if (recordings__camera(c, r, &g, incoming) < 0) {
		status = r->status;
		goto fail;
	}
	status = recordings__register(c, r, &g);   /* removes the file when it fails */
	goto out;
fail:
	if (u.fd >= 0)
		close(u.fd);
	unlink(g.src_abs);
out:
	json_decref(errs);
	json_decref(taken);
	return status;
}

int h_recordings_create(struct ctx *c, struct response *r)
{
	if (c->req->body_read)
		return recordings__upload(c, r);
	return recordings__from_incoming(c, r);
}
