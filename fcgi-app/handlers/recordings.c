/*
 * /api/v1/recordings and /api/v1/archive/new-count.
 *
 * A recording is registered from a file in its camera's incoming folder
 * (JSON {camera_id, file, taken_at?}) or uploaded as multipart/form-data
 * (fields camera_id, taken_at?, and a file part), streamed to a temporary
 * file under the media root and never held in memory.  Either way the
 * handler checks the request and media_recording_register does the rest:
 * the file is probed (not a video: 422, nothing kept), moved to its place
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
#include "media/files.h"
#include "media/multipart.h"
#include "media/recording.h"
#include "query.h"
#include "request.h"
#include "resource.h"
#include "response.h"
#include "store/media.h"
#include "store/recordings.h"
#include "store/store.h"
#include "validate.h"

/* Room for the multipart framing around the file beyond upload_max_mb. */
#define UPLOAD_OVERHEAD (1u << 20)
#define UPLOAD_FIELD_MAX 64

static const char *const at_query[] = {"query", NULL};

/* ---------------------------------------------------------------- reading */

static enum herr recordings__list(struct ctx *c, const void *filter, const struct page *pg,
				  json_t *items, bool *has_more)
{
	return store_recordings_list(c->app->db, filter, pg, items, has_more);
}

static enum herr recordings__get(struct ctx *c, const struct resource_key *k, bool lock,
				 json_t **out)
{
	(void)lock;
	return store_recordings_get(c->app->db, k->id, out);
}

/* Registered through POST (a handler of its own: a file comes with it)
 * and deleted with their files (ctx_media_remove); never changed through the API. */
static enum herr recordings__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	(void)count;
	return ctx_media_remove(c, k->id, "recording");
}

static const struct resource recordings = {
	.name = "recording",
	.plural = "recordings",
	.newest_first = true,
	.list = recordings__list,
	.get = recordings__get,
	.remove = recordings__remove,
};

int h_recordings_list(struct ctx *c, struct response *r)
{
	struct recording_filter f = {0, NULL, NULL};
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN];
	char scope[64 + 2 * HANDLER_TIME_LEN];
	int64_t since_ms = 0, until_ms = 0;
	int has_since, has_until;
	json_t *errs = json_array();

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
	return resource_list_filtered(c, r, &recordings, scope, errs, &f);
}

int h_recordings_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &recordings);
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

int h_recordings_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &recordings);
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

static int recordings__invalid(struct response *r, const char *field, const char *type,
			       const char *msg)
{
	json_t *errs = json_array();

	if (errs)
		verr_add(errs, at_body, field, type, "%s", msg);
	return ctx_invalid(r, errs);
}

/*
 * Register the file of g; 201 with the recording.  On any failure nothing
 * stays under the media root, an upload's temporary file is removed and an
 * incoming file is put back where it was (media_recording_register).
 */
static int recordings__register(struct ctx *c, struct response *r, const struct registration *g)
{
	const struct recording_source s = {
		.camera_id = g->camera_id,
		.camera_name = g->camera_name,
		.taken_at_ms = g->taken_at_ms,
		.src_abs = g->src_abs,
		.src_is_tmp = g->src_is_tmp,
	};
	const char *refusal = NULL;
	json_t *rec = NULL;
	int64_t id = 0;
	enum herr e;

	e = media_recording_register(c->app->db, c->app->cfg, &s, &id, &rec, &refusal);
	if (e != HERR_OK && refusal)
		return recordings__invalid(r, "file", "value_error", refusal);
	if (e != HERR_OK)
		return response_error(r, e, "recording");
	ctx_changed(c, id, NULL, NULL);
	return ctx_reply(r, 201, rec);
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
	enum herr e;

	/* A key bound to cameras registers recordings of its own only. */
	if (ctx_bound_check(c, r, g->camera_id, "camera") != 0)
		return -1;
	e = store_recordings_camera(c->app->db, g->camera_id, g->camera_name, incoming_dir);

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
