/*
 * /api/v1/image: e-ink displays (seed 000).  A display is a sensor of type
 * eink; Hearth renders the picture it shows (lib/eink/render.h) and the
 * display fetches it with its device key.
 *
 *   GET    /image/templates            the templates
 *   POST   /image/templates            multipart: image (PNG) + meta (JSON),
 *                                      or JSON meta alone for a plain page
 *   PUT    /image/templates/{id}       name, description, font, regions,
 *                                      is_default
 *   DELETE /image/templates/{id}
 *   POST   /image/render               {template_id, texts, targets,
 *                                      expires_in_minutes?}: one picture a
 *                                      display, in its eink_mode
 *   POST   /image/preview              {template_id, texts}: the PNG, kept nowhere
 *   POST   /image/reset                {targets}: back to the default template
 *   GET    /image/active               the caller's display's picture
 *   GET    /image/active/{sensor_id}   any display's picture
 *
 * Pictures are files under the media root with media rows (kind
 * 'upload') and are served by nginx (response_accel).  The default
 * template is drawn when asked for: it is a page with no texts, cheap to
 * draw, and always what the template is now.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "eink/regions.h"
#include "eink/render.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "media/files.h"
#include "media/multipart.h"
#include "query.h"
#include "resource.h"
#include "response.h"
#include "store/eink.h"
#include "store/key_bindings.h"
#include "store/media.h"
#include "validate.h"

#define EINK_NAME_MAX 128
#define EINK_DESCRIPTION_MAX 1024
#define EINK_TARGETS_MAX 50
#define EINK_EXPIRES_MAX 525600     /* a year, in minutes */
#define EINK_META_MAX 65536         /* bytes of the meta part */
#define EINK_REFETCH_SECONDS 3600   /* a display asking again within this gets 204 */
#define EINK_MEDIA_KIND "upload"


/* ---------------------------------------------------------------- templates: list, delete */

static enum herr image__list(struct ctx *c, const void *filter, const struct page *pg,
			     json_t *items, bool *has_more)
{
	(void)filter;
	return store_eink_templates_list(c->app->db, pg, items, has_more);
}

static enum herr image__get(struct ctx *c, const struct resource_key *k, bool lock,
			    json_t **out)
{
	(void)lock;
	return store_eink_template_get(c->app->db, k->id, out);
}

static enum herr image__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	int64_t media_id = 0;
	enum herr e;

	(void)count;
	e = store_eink_template_delete(c->app->db, k->id, &media_id);
	if (e == HERR_OK && media_id > 0) {
		e = ctx_media_remove(c, media_id, EINK_MEDIA_KIND);
		if (e == HERR_NOT_FOUND)
			e = HERR_OK;
	}
	return e;
}

static const struct resource templates = {
	.name = "template",
	.plural = "templates",
	.scope = "eink_templates",
	.list = image__list,
	.get = image__get,
	.remove = image__remove,
};

int h_image_templates_list(struct ctx *c, struct response *r)
{
	return h_resource_list(c, r, &templates);
}

int h_image_templates_delete(struct ctx *c, struct response *r)
{
	return h_resource_delete(c, r, &templates);
}

/* ---------------------------------------------------------------- templates: checks */

static bool image__font_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= EINK_FONT_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,-") == n;
}

/* A string field of 0/1..max bytes without NUL; NULL when absent or wrong
 * (a problem added when wrong, or when absent and required). */
static const char *image__string(const json_t *obj, const char *key, size_t min, size_t max,
				 bool required, json_t *errs)
{
	const json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			verr_add(errs, at_body, key, "missing", "Field required");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) < min || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		verr_add(errs, at_body, key, "string_type",
			 "Input should be a string of %zu to %zu characters", min, max);
		return NULL;
	}
	return json_string_value(v);
}

/*
 * Check a template's meta (a whole object: a create's, or an update merged
 * onto the stored one) against its size; its fields into f and its checked
 * regions' JSON into *regions (a new reference).  Unknown keys refused.
 */
static void image__check_meta(const json_t *meta, int width, int height,
			      struct eink_template_fields *f, json_t **regions, json_t *errs)
{
	static const char *const keys[] = {"name", "description", "width", "height", "font",
					   "regions", "is_default", NULL};
	struct eink_region rg[EINK_REGIONS_MAX];
	const char *key;
	const json_t *v;
	size_t n = 0;

	*regions = NULL;
	if (!json_is_object(meta)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be an object");
		return;
	}
	json_object_foreach((json_t *)meta, key, v) {
		size_t k;

		for (k = 0; keys[k] && strcmp(keys[k], key) != 0; k++)
			;
		if (!keys[k])
			verr_add(errs, at_body, key, "extra_forbidden",
				 "Extra inputs are not permitted");
	}
	f->name = image__string(meta, "name", 1, EINK_NAME_MAX, true, errs);
	f->description = image__string(meta, "description", 0, EINK_DESCRIPTION_MAX, false, errs);
	f->font = image__string(meta, "font", 1, EINK_FONT_MAX, false, errs);
	if (f->font && !image__font_ok(f->font)) {
		verr_add(errs, at_body, "font", "value_error",
			 "Input should be a font family of letters, digits, spaces, ',' and '-'");
		f->font = NULL;
	}
	if (!f->font)
		f->font = "DejaVu Sans";
	v = json_object_get(meta, "is_default");
	if (v && !json_is_boolean(v))
		verr_add(errs, at_body, "is_default", "bool_type", "Input should be a valid boolean");
	f->is_default = json_is_true(v);
	f->width = width;
	f->height = height;
	v = json_object_get(meta, "regions");
	if (!v || json_is_null(v)) {
		*regions = json_array();
		return;
	}
	if (eink_regions_parse(v, width, height, rg, EINK_REGIONS_MAX, &n, errs) == 0)
		*regions = eink_regions_json(rg, n);
}

/* A size field of the meta: def when absent; -1 with a problem when wrong. */
static int image__size(const json_t *meta, const char *key, int def, json_t *errs)
{
	const json_t *v = json_object_get(meta, key);

	if (!v)
		return def;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > EINK_SIZE_MAX) {
		verr_add(errs, at_body, key, "value_error",
			 "Input should be an integer from 1 to %d", EINK_SIZE_MAX);
		return -1;
	}
	return (int)json_integer_value(v);
}

/* ---------------------------------------------------------------- templates: create */

struct tpl_upload {
	unsigned char *image;
	size_t image_len;
	char *meta;
	size_t meta_len;
	int images, metas;
	enum { PART_NONE, PART_IMAGE, PART_META } part;
	int status;             /* why a callback stopped the parse */
	const char *msg;
};

static int tpl__stop(struct tpl_upload *u, int status, const char *msg)
{
	u->status = status;
	u->msg = msg;
	return 1;
}

static int tpl__begin(void *arg, const struct multipart_part *p)
{
	struct tpl_upload *u = arg;

	if (strcmp(p->name, "image") == 0 && u->images++ == 0) {
		u->part = PART_IMAGE;
		return 0;
	}
	if (strcmp(p->name, "meta") == 0 && u->metas++ == 0) {
		u->part = PART_META;
		return 0;
	}
	return tpl__stop(u, 422, "Extra or repeated form fields are not permitted (image, meta)");
}

static int tpl__append(unsigned char **buf, size_t *len, const char *data, size_t n,
		       size_t limit)
{
	unsigned char *nb;

	if (*len + n > limit)
		return -1;
	nb = realloc(*buf, *len + n + 1);
	if (!nb)
		return -2;
	memcpy(nb + *len, data, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

static int tpl__data(void *arg, const char *data, size_t len)
{
	struct tpl_upload *u = arg;
	int rc;

	if (u->part == PART_IMAGE) {
		rc = tpl__append(&u->image, &u->image_len, data, len, EINK_PNG_MAX_BYTES);
		if (rc == -1)
			return tpl__stop(u, 413, "image too large");
	} else {
		rc = tpl__append((unsigned char **)&u->meta, &u->meta_len, data, len,
				 EINK_META_MAX);
		if (rc == -1)
			return tpl__stop(u, 422, "meta is too long");
	}
	return rc == -2 ? tpl__stop(u, 500, "out of memory") : 0;
}

static int tpl__end(void *arg)
{
	((struct tpl_upload *)arg)->part = PART_NONE;
	return 0;
}

static const struct multipart_callbacks tpl_callbacks = {tpl__begin, tpl__data, tpl__end};

static int image__receive(struct ctx *c, struct response *r, struct tpl_upload *u)
{
	const struct request *req = c->req;
	struct multipart *mp = multipart_new(req->content_type, &tpl_callbacks, u);
	char buf[65536];
	int status = 0;

	if (!mp)
		return response_detail(r, 400, "multipart/form-data without a valid boundary");
	if (req->body_stream_len > EINK_PNG_MAX_BYTES + EINK_META_MAX + 16384) {
		multipart_free(mp);
		return response_detail(r, 413, "upload too large (the image may be %u KiB)",
				       EINK_PNG_MAX_BYTES / 1024);
	}
	for (;;) {
		ssize_t n = req->body_read(req->body_stream, buf, sizeof(buf));

		if (n < 0) {
			status = response_detail(r, 400, "incomplete request body");
			break;
		}
		if ((n == 0 ? multipart_finish(mp) : multipart_feed(mp, buf, (size_t)n)) < 0) {
			if (u->status == 413)
				status = response_detail(r, 413, "upload too large (the image may be "
							 "%u KiB)", EINK_PNG_MAX_BYTES / 1024);
			else if (u->status)
				status = response_detail(r, u->status, "%s", u->msg);
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

static void image__hex(const unsigned char *digest, char out[EINK_HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}

static void image__hash(const unsigned char *png, size_t len, char out[EINK_HASH_HEX])
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	SHA256(png, len, d);
	image__hex(d, out);
}

/* Keep png as a media file of its own; its row's id in *media_id, its
 * path in rel (MEDIA_REL_MAX + 1 bytes). */
static enum herr image__store_png(struct ctx *c, const char *prefix, int64_t owner,
				  const unsigned char *png, size_t len, int w, int h,
				  int64_t *media_id, char *rel)
{
	const char *root = c->app->cfg->media_root;
	struct media_fields mf;
	struct timespec ts;
	enum herr e;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (media_new_rel_path("eink", owner, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
			       prefix, "png", rel, MEDIA_REL_MAX + 1) < 0)
		return HERR_INTERNAL;
	if (media_write_file(root, rel, png, len) < 0) {
		LOG(LOG_ERR, "cannot write %s under the media root: %s", rel, strerror(errno));
		return HERR_INTERNAL;
	}
	memset(&mf, 0, sizeof(mf));
	mf.kind = EINK_MEDIA_KIND;
	mf.rel_path = rel;
	mf.mime = "image/png";
	mf.size_bytes = len;
	mf.width = (unsigned)w;
	mf.height = (unsigned)h;
	mf.duration_ms = -1;
	e = store_media_insert(c->app->db, &mf, media_id);
	if (e != HERR_OK) {
		media_unlink(root, rel);
		rel[0] = '\0';
	}
	return e;
}

/* The reply to a template saved (e: how its insert or update went): the
 * template as stored with status, or 409 for a name taken, or the error. */
static int image__saved(struct ctx *c, struct response *r, enum herr e, int64_t id,
			const char *name, int status)
{
	json_t *out = NULL;

	if (e == HERR_CONFLICT)
		return response_detail(r, 409, "a template called \"%s\" exists already", name);
	if (e == HERR_OK)
		e = store_eink_template_get(c->app->db, id, &out);
	if (e != HERR_OK) {
		json_decref(out);
		return response_error(r, e, "template");
	}
	ctx_changed(c, id, NULL, NULL);
	return ctx_reply(r, status, out);
}

int h_image_templates_create(struct ctx *c, struct response *r)
{
	struct tpl_upload u;
	struct eink_template_fields f;
	json_t *meta = NULL, *errs = json_array(), *regions = NULL;
	unsigned char *png = NULL;
	size_t png_len = 0;
	char *regions_text = NULL, rel[MEDIA_REL_MAX + 1] = "";
	int status = resource_start(r), w = 0, h = 0, width, height;
	int64_t id = 0;
	enum herr e;

	memset(&u, 0, sizeof(u));
	memset(&f, 0, sizeof(f));
	if (!errs)
		goto out;
	if (c->req->body_read) {
		json_error_t jerr;

		if ((status = image__receive(c, r, &u)) != 0)
			goto out;
		if (!u.meta) {
			verr_add(errs, at_body, "meta", "missing", "Field required");
			status = ctx_invalid(r, errs);
			errs = NULL;
			goto out;
		}
		meta = json_loadb(u.meta, u.meta_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(meta)) {
			verr_add(errs, at_body, "meta", "json_invalid",
				 "meta should be a JSON object");
			status = ctx_invalid(r, errs);
			errs = NULL;
			goto out;
		}
	} else {
		meta = json_incref(c->body);
	}
	if (u.image) {
		int rc = eink_png_normalize(u.image, u.image_len, &png, &png_len, &w, &h);

		if (rc == -2) {
			status = response_detail(r, 413, "the image may be at most %dx%d pixels",
						 EINK_SIZE_MAX, EINK_SIZE_MAX);
			goto out;
		}
		if (rc < 0) {
			verr_add(errs, at_body, "image", "value_error", "Input should be a PNG image");
			status = ctx_invalid(r, errs);
			errs = NULL;
			goto out;
		}
	}
	width = image__size(meta, "width", png ? w : 800, errs);
	height = image__size(meta, "height", png ? h : 480, errs);
	if (png && width > 0 && height > 0 && (width != w || height != h))
		verr_add(errs, at_body, "width", "value_error",
			 "The template's size is its image's: %dx%d", w, h);
	if (width > 0 && height > 0)
		image__check_meta(meta, width, height, &f, &regions, errs);
	if (json_array_size(errs) > 0 || !regions) {
		if (json_array_size(errs) > 0) {
			status = ctx_invalid(r, errs);
			errs = NULL;
		}
		goto out;
	}
	regions_text = json_dumps(regions, JSON_COMPACT);
	if (!regions_text)
		goto out;
	f.regions = regions_text;
	if (png && (e = image__store_png(c, "template", 0, png, png_len, w, h,
					 &f.image_media_id, rel)) != HERR_OK) {
		status = response_error(r, e, "template image");
		goto out;
	}
	e = store_eink_template_insert(c->app->db, &f, &id);
	status = image__saved(c, r, e, id, f.name, 201);
out:
	/* The row goes with the rollback; its file must go too. */
	if (status >= 400 && rel[0])
		media_unlink(c->app->cfg->media_root, rel);
	free(u.image);
	free(u.meta);
	free(png);
	free(regions_text);
	json_decref(regions);
	json_decref(meta);
	json_decref(errs);
	return status;
}

/* ---------------------------------------------------------------- templates: update */

int h_image_templates_update(struct ctx *c, struct response *r)
{
	struct eink_template_fields f;
	json_t *cur = NULL, *merged = NULL, *errs = json_array(), *regions = NULL;
	char *regions_text = NULL;
	int status = resource_start(r), width, height;
	const char *key;
	json_t *v;
	int64_t id;
	enum herr e;

	memset(&f, 0, sizeof(f));
	if (!errs)
		goto out;
	if (ctx_path_id(c, r, "id", &id) != 0) {
		status = r->status;
		goto out;
	}
	e = store_eink_template_get(c->app->db, id, &cur);
	if (e != HERR_OK) {
		status = e == HERR_NOT_FOUND
			? response_detail(r, 404, "template %" PRId64 " not found", id)
			: response_error(r, e, "template");
		goto out;
	}
	if (!json_is_object(c->body)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be an object");
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	width = (int)json_integer_value(json_object_get(cur, "width"));
	height = (int)json_integer_value(json_object_get(cur, "height"));
	merged = json_pack("{s:O, s:O, s:O, s:O, s:O}", "name", json_object_get(cur, "name"),
			   "description", json_object_get(cur, "description"),
			   "font", json_object_get(cur, "font"),
			   "regions", json_object_get(cur, "regions"),
			   "is_default", json_object_get(cur, "is_default"));
	if (!merged)
		goto out;
	json_object_foreach(c->body, key, v) {
		if ((strcmp(key, "width") == 0 && json_integer_value(v) != width) ||
		    (strcmp(key, "height") == 0 && json_integer_value(v) != height)) {
			verr_add(errs, at_body, key, "value_error",
				 "A template's size is fixed: upload a new template");
			continue;
		}
		if (strcmp(key, "width") != 0 && strcmp(key, "height") != 0)
			json_object_set(merged, key, v);
	}
	image__check_meta(merged, width, height, &f, &regions, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!regions || !(regions_text = json_dumps(regions, JSON_COMPACT)))
		goto out;
	f.regions = regions_text;
	e = store_eink_template_update(c->app->db, id, &f);
	status = image__saved(c, r, e, id, f.name, 200);
out:
	free(regions_text);
	json_decref(regions);
	json_decref(merged);
	json_decref(cur);
	json_decref(errs);
	return status;
}

/* ---------------------------------------------------------------- rendering */

struct tpl {
	int64_t id;
	int width, height;
	char font[EINK_FONT_MAX + 1];
	struct eink_region regions[EINK_REGIONS_MAX];
	size_t nregions;
	unsigned char *png;    /* the picture, malloc'd; NULL = plain */
	size_t png_len;
};

static int image__read_file(const char *root, const char *rel, unsigned char **out,
			    size_t *len)
{
	char path[MEDIA_PATH_MAX];
	struct stat sb;
	unsigned char *buf = NULL;
	size_t got = 0;
	int fd, rv = -1;

	if (media_abs_path(root, rel, path, sizeof(path)) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || sb.st_size <= 0 || sb.st_size > 64 * 1024 * 1024)
		goto out;
	buf = malloc((size_t)sb.st_size);
	if (!buf)
		goto out;
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	*out = buf;
	*len = got;
	buf = NULL;
	rv = 0;
out:
	free(buf);
	close(fd);
	return rv;
}

/* Load template id (its picture too); 0, or -1 with r set. */
static int image__load(struct ctx *c, struct response *r, int64_t id, struct tpl *t)
{
	json_t *obj = NULL, *errs = json_array();
	const json_t *media;
	enum herr e;
	int rv = -1;

	memset(t, 0, sizeof(*t));
	if (!errs)
		return -1;
	e = store_eink_template_get(c->app->db, id, &obj);
	if (e == HERR_NOT_FOUND) {
		verr_add(errs, at_body, "template_id", "value_error", "No such template");
		ctx_invalid(r, errs);
		return -1;
	}
	if (e != HERR_OK) {
		response_error(r, e, "template");
		goto out;
	}
	t->id = id;
	t->width = (int)json_integer_value(json_object_get(obj, "width"));
	t->height = (int)json_integer_value(json_object_get(obj, "height"));
	snprintf(t->font, sizeof(t->font), "%s", json_string_value(json_object_get(obj, "font")));
	if (eink_regions_parse(json_object_get(obj, "regions"), t->width, t->height, t->regions,
			       EINK_REGIONS_MAX, &t->nregions, errs) > 0) {
		LOG(LOG_ERR, "e-ink template %" PRId64 ": stored regions do not check", id);
		response_detail(r, 500, "template %" PRId64 " is damaged", id);
		goto out;
	}
	media = json_object_get(obj, "image_media_id");
	if (json_is_integer(media)) {
		struct media_row row;

		e = store_media_find(c->app->db, json_integer_value(media), EINK_MEDIA_KIND, &row);
		if (e == HERR_OK &&
		    image__read_file(c->app->cfg->media_root, row.rel_path, &t->png,
				     &t->png_len) < 0) {
			LOG(LOG_WARNING, "e-ink template %" PRId64 ": its image cannot be read", id);
			t->png = NULL;
		}
	}
	rv = 0;
out:
	json_decref(errs);
	json_decref(obj);
	return rv;
}

/* texts (borrowed; may be NULL) against t's regions: one string a region. */
static void image__texts(const json_t *texts, const struct tpl *t,
			 const char *out[EINK_REGIONS_MAX], json_t *errs)
{
	static const char *const at_texts[] = {"body", "texts", NULL};
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(out[0]) * EINK_REGIONS_MAX);
	if (!texts || json_is_null(texts))
		return;
	if (!json_is_object(texts)) {
		verr_add(errs, at_body, "texts", "dict_type",
			 "Input should be an object of region name to text");
		return;
	}
	json_object_foreach((json_t *)texts, key, v) {
		size_t i;

		for (i = 0; i < t->nregions && strcmp(t->regions[i].name, key) != 0; i++)
			;
		if (i == t->nregions) {
			verr_add(errs, at_texts, key, "value_error",
				 "The template has no region of this name");
			continue;
		}
		if (!json_is_string(v) || json_string_length(v) > EINK_TEXT_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			verr_add(errs, at_texts, key, "string_type",
				 "Input should be a string of at most %d bytes", EINK_TEXT_MAX);
			continue;
		}
		out[i] = json_string_value(v);
	}
}

static int image__draw(const struct tpl *t, const char *const *texts, enum eink_mode mode,
		       unsigned char **png, size_t *len, struct eink_fit *fits)
{
	struct eink_job job = {
		.png = t->png, .png_len = t->png_len, .width = t->width, .height = t->height,
		.font = t->font, .regions = t->regions, .nregions = t->nregions,
		.texts = texts, .mode = mode,
	};

	return eink_render(&job, png, len, fits);
}

static json_t *image__fits_json(const struct tpl *t, const struct eink_fit *fits)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < t->nregions; i++)
		if (fits[i].font_size > 0)
			json_array_append_new(arr, json_pack("{s:s, s:i, s:b}",
							     "region", t->regions[i].name,
							     "font_size", fits[i].font_size,
							     "ellipsized", fits[i].ellipsized));
	return arr;
}

/* The body's template_id and texts; 0, or -1 with r set. */
static int image__job(struct ctx *c, struct response *r, const char *const *allowed,
		      struct tpl *t, const char *texts[EINK_REGIONS_MAX])
{
	json_t *errs = json_array();
	const json_t *v;
	const char *key;
	json_t *val;

	memset(t, 0, sizeof(*t));
	if (!errs)
		return -1;
	if (!json_is_object(c->body)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be an object");
		ctx_invalid(r, errs);
		return -1;
	}
	json_object_foreach(c->body, key, val) {
		size_t k;

		for (k = 0; allowed[k] && strcmp(allowed[k], key) != 0; k++)
			;
		if (!allowed[k])
			verr_add(errs, at_body, key, "extra_forbidden",
				 "Extra inputs are not permitted");
	}
	v = json_object_get(c->body, "template_id");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		verr_add(errs, at_body, "template_id", v ? "int_type" : "missing",
			 v ? "Input should be a positive integer" : "Field required");
		ctx_invalid(r, errs);
		return -1;
	}
	if (image__load(c, r, json_integer_value(v), t) < 0) {
		json_decref(errs);
		return -1;
	}
	image__texts(json_object_get(c->body, "texts"), t, texts, errs);
	if (json_array_size(errs) > 0) {
		ctx_invalid(r, errs);
		free(t->png);
		t->png = NULL;
		return -1;
	}
	json_decref(errs);
	return 0;
}

int h_image_preview(struct ctx *c, struct response *r)
{
	static const char *const allowed[] = {"template_id", "texts", NULL};
	const char *texts[EINK_REGIONS_MAX];
	struct eink_fit fits[EINK_REGIONS_MAX];
	struct tpl t;
	unsigned char *png = NULL;
	size_t len = 0;
	char fit_hdr[256] = "";
	size_t used = 0;

	resource_start(r);
	if (image__job(c, r, allowed, &t, texts) < 0)
		return r->status;
	if (image__draw(&t, texts, EINK_MODE_RGB, &png, &len, fits) < 0) {
		free(t.png);
		return response_detail(r, 500, "cannot render the template");
	}
	free(t.png);
	/* How each text was set, for a caller checking a layout: name=size[~]. */
	for (size_t i = 0; i < t.nregions; i++) {
		int n;

		if (fits[i].font_size == 0)
			continue;
		n = snprintf(fit_hdr + used, sizeof(fit_hdr) - used, "%s%s=%d%s", used ? "," : "",
			     t.regions[i].name, fits[i].font_size, fits[i].ellipsized ? "~" : "");
		if (n < 0 || (size_t)n >= sizeof(fit_hdr) - used) {
			fit_hdr[used] = '\0';
			break;
		}
		used += (size_t)n;
	}
	response_text(r, 200, "image/png", (char *)png, len);
	if (used)
		response_add_header(r, "X-Eink-Fit", fit_hdr);
	response_add_header(r, "Cache-Control", "no-store");
	return 200;
}

/* The targets array: 1..EINK_TARGETS_MAX displays; -1 with problems in errs. */
static int image__targets(struct ctx *c, int64_t ids[EINK_TARGETS_MAX],
			  char modes[EINK_TARGETS_MAX][16], size_t *n, json_t *errs)
{
	static const char *const at_targets[] = {"body", "targets", NULL};
	const json_t *v = json_object_get(c->body, "targets");
	size_t i;

	*n = 0;
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > EINK_TARGETS_MAX) {
		verr_add(errs, at_body, "targets", v ? "list_type" : "missing",
			 "Input should be a list of 1 to %d sensor ids", EINK_TARGETS_MAX);
		return -1;
	}
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *id = json_array_get(v, i);
		struct eink_display d;
		char idx[24];
		enum herr e;

		snprintf(idx, sizeof(idx), "%zu", i);
		if (!json_is_integer(id) || json_integer_value(id) < 1) {
			verr_add(errs, at_targets, idx, "int_type",
				 "Input should be a positive integer");
			continue;
		}
		e = store_eink_display(c->app->db, json_integer_value(id), &d);
		if (e == HERR_NOT_FOUND) {
			verr_add(errs, at_targets, idx, "value_error",
				 "Input should be an enabled sensor of type eink");
			continue;
		}
		if (e != HERR_OK)
			return -2;
		ids[*n] = d.id;
		snprintf(modes[*n], sizeof(modes[*n]), "%s", d.mode);
		(*n)++;
	}
	return json_array_size(errs) > 0 ? -1 : 0;
}

static void image__drop_media(struct ctx *c, int64_t media_id)
{
	if (media_id > 0 && ctx_media_remove(c, media_id, EINK_MEDIA_KIND) != HERR_OK)
		LOG(LOG_WARNING, "e-ink picture %" PRId64 " not removed; cleanup will", media_id);
}

int h_image_render(struct ctx *c, struct response *r)
{
	static const char *const allowed[] = {"template_id", "texts", "targets",
					      "expires_in_minutes", NULL};
	const char *texts[EINK_REGIONS_MAX];
	struct eink_fit fits[EINK_REGIONS_MAX];
	int64_t ids[EINK_TARGETS_MAX];
	char modes[EINK_TARGETS_MAX][16];
	struct tpl t;
	json_t *errs = NULL, *rendered = NULL;
	const json_t *exp;
	size_t n = 0;
	int expires = 0, status;

	resource_start(r);
	if (image__job(c, r, allowed, &t, texts) < 0)
		return r->status;
	status = r->status;
	errs = json_array();
	rendered = json_array();
	if (!errs || !rendered)
		goto out;
	exp = json_object_get(c->body, "expires_in_minutes");
	if (exp && !json_is_null(exp)) {
		if (!json_is_integer(exp) || json_integer_value(exp) < 1 ||
		    json_integer_value(exp) > EINK_EXPIRES_MAX)
			verr_add(errs, at_body, "expires_in_minutes", "value_error",
				 "Input should be an integer from 1 to %d", EINK_EXPIRES_MAX);
		else
			expires = (int)json_integer_value(exp);
	}
	if (image__targets(c, ids, modes, &n, errs) == -2) {
		status = response_error(r, HERR_UNAVAILABLE, "sensor");
		goto out;
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int mode = eink_mode_parse(modes[i]);
		unsigned char *png = NULL;
		size_t len = 0;
		char hash[EINK_HASH_HEX], rel[MEDIA_REL_MAX + 1];
		int64_t media_id = 0, old = 0;
		enum herr e;

		if (image__draw(&t, texts, mode < 0 ? EINK_MODE_RGB : (enum eink_mode)mode, &png,
				&len, fits) < 0) {
			status = response_detail(r, 500, "cannot render the template");
			goto out;
		}
		image__hash(png, len, hash);
		e = image__store_png(c, "render", ids[i], png, len, t.width, t.height, &media_id,
				     rel);
		free(png);
		if (e == HERR_OK)
			e = store_eink_active_set(c->app->db, ids[i], t.id, media_id, hash, expires,
						  &old);
		if (e != HERR_OK) {
			status = response_error(r, e, "picture");
			goto out;
		}
		image__drop_media(c, old);
		json_array_append_new(rendered, json_pack("{s:I, s:s, s:s, s:o}",
							  "sensor_id", (json_int_t)ids[i],
							  "eink_mode", mode < 0 ? "rgb" : modes[i],
							  "image_hash", hash,
							  "fits", image__fits_json(&t, fits)));
	}
	ctx_changed(c, t.id, NULL, NULL);
	status = ctx_reply(r, 200, json_pack("{s:I, s:o, s:o}", "template_id", (json_int_t)t.id,
					     "expires_in_minutes",
					     expires ? json_integer(expires) : json_null(),
					     "rendered", rendered));
	rendered = NULL;
out:
	free(t.png);
	json_decref(errs);
	json_decref(rendered);
	return status;
}

int h_image_reset(struct ctx *c, struct response *r)
{
	int64_t ids[EINK_TARGETS_MAX];
	char modes[EINK_TARGETS_MAX][16];
	json_t *errs = json_array(), *reset = json_array();
	const char *key;
	json_t *v;
	size_t n = 0;
	int status = resource_start(r);

	if (!errs || !reset)
		goto out;
	if (!json_is_object(c->body)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be an object");
	} else {
		json_object_foreach(c->body, key, v)
			if (strcmp(key, "targets") != 0)
				verr_add(errs, at_body, key, "extra_forbidden",
					 "Extra inputs are not permitted");
		if (image__targets(c, ids, modes, &n, errs) == -2) {
			status = response_error(r, HERR_UNAVAILABLE, "sensor");
			goto out;
		}
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t old = 0;
		enum herr e = store_eink_active_clear(c->app->db, ids[i], &old);

		if (e != HERR_OK) {
			status = response_error(r, e, "picture");
			goto out;
		}
		image__drop_media(c, old);
		json_array_append_new(reset, json_integer(ids[i]));
	}
	ctx_changed(c, ids[0], NULL, NULL);
	status = ctx_reply(r, 200, json_pack("{s:o}", "reset", reset));
	reset = NULL;
out:
	json_decref(errs);
	json_decref(reset);
	return status;
}

/* ---------------------------------------------------------------- active picture */

static bool image__etag_matches(const char *inm, const char *hash)
{
	char tag[EINK_HASH_HEX + 2];

	if (!inm)
		return false;
	snprintf(tag, sizeof(tag), "\"%s\"", hash);
	return strstr(inm, tag) != NULL || strcmp(inm, "*") == 0;
}

/*
 * Reply with display sensor_id's picture: its active one, else the
 * default template drawn for it; 404 when neither.  device: the display
 * itself asks, so a picture it has fetched within the hour is a 204.
 */
static int image__active(struct ctx *c, struct response *r, int64_t sensor_id, bool device)
{
	struct eink_display d;
	struct eink_active_row a;
	struct tpl t;
	unsigned char *png = NULL;
	size_t len = 0;
	char hash[EINK_HASH_HEX], last[EINK_HASH_HEX], etag[EINK_HASH_HEX + 2];
	int64_t age = 0, def_id = 0;
	enum herr e;
	bool have_active;

	memset(&t, 0, sizeof(t));
	e = store_eink_display(c->app->db, sensor_id, &d);
	if (e == HERR_NOT_FOUND)
		return response_detail(r, 404, "display %" PRId64 " not found", sensor_id);
	if (e != HERR_OK)
		return response_error(r, e, "display");
	/* A key bound to its hardware fetches its own displays only. */
	if (ctx_bound_check(c, r, sensor_id, "display") < 0)
		return r->status;
	e = store_eink_active_get(c->app->db, sensor_id, &a);
	if (e != HERR_OK && e != HERR_NOT_FOUND)
		return response_error(r, e, "picture");
	have_active = e == HERR_OK;
	if (have_active) {
		snprintf(hash, sizeof(hash), "%s", a.hash);
	} else {
		int mode = eink_mode_parse(d.mode);

		e = store_eink_template_default(c->app->db, &def_id);
		if (e == HERR_NOT_FOUND)
			return response_detail(r, 404, "nothing to show on display %" PRId64,
					       sensor_id);
		if (e != HERR_OK)
			return response_error(r, e, "template");
		if (image__load(c, r, def_id, &t) < 0)
			return response_detail(r, 500, "default template cannot be loaded");
		if (image__draw(&t, NULL, mode < 0 ? EINK_MODE_RGB : (enum eink_mode)mode, &png,
				&len, NULL) < 0) {
			free(t.png);
			return response_detail(r, 500, "cannot render the default template");
		}
		free(t.png);
		image__hash(png, len, hash);
	}
	snprintf(etag, sizeof(etag), "\"%s\"", hash);
	if (image__etag_matches(c->req->if_none_match, hash)) {
		free(png);
		response_clear(r);
		r->status = 304;
		response_add_header(r, "ETag", etag);
		return 304;
	}
	if (device) {
		if (store_eink_fetch_get(c->app->db, sensor_id, last, &age) == HERR_OK &&
		    strcmp(last, hash) == 0 && age >= 0 && age < EINK_REFETCH_SECONDS) {
			free(png);
			response_clear(r);
			r->status = 204;
			return 204;
		}
		if (store_eink_fetch_set(c->app->db, sensor_id, hash) != HERR_OK)
			LOG(LOG_WARNING, "display %" PRId64 ": its fetch not recorded", sensor_id);
	}
	if (have_active) {
		if (response_accel(r, a.rel_path, "image/png") != 200)
			return r->status;
		/* The same address shows another picture tomorrow: no keeping it. */
		r->headers[0] = '\0';
		{
			char uri[MEDIA_REL_MAX + 16];

			snprintf(uri, sizeof(uri), "/_media/%s", a.rel_path);
			response_add_header(r, "X-Accel-Redirect", uri);
		}
		response_add_header(r, "Content-Type", "image/png");
	} else {
		response_text(r, 200, "image/png", (char *)png, len);
	}
	response_add_header(r, "Cache-Control", "no-cache");
	response_add_header(r, "ETag", etag);
	return 200;
}

int h_image_active(struct ctx *c, struct response *r)
{
	json_t *errs;
	char buf[24];
	int64_t id = 0;
	int got = query_get(c->req->query, "sensor_id", buf, sizeof(buf));

	if (got == 1) {
		char *end;
		long long v = strtoll(buf, &end, 10);

		if (*end == '\0' && v > 0)
			id = v;
	}
	if (got != 0 && id == 0) {
		static const char *const at_query[] = {"query", NULL};

		errs = json_array();
		if (errs)
			verr_add(errs, at_query, "sensor_id", "int_type",
				 "Input should be a positive integer");
		return ctx_invalid(r, errs);
	}
	if (id == 0 && c->who && c->who->key_id > 0) {
		bool bound = false;
		size_t n = 0;
		enum herr e = store_key_bindings_of_type(c->app->db, c->who->key_id, "eink", &id,
							 1, &n, &bound);

		if (e != HERR_OK && e != HERR_NOT_FOUND)
			return response_error(r, e, "display");
		if (n == 0)
			id = 0;
	}
	if (id == 0)
		return response_detail(r, 404, "no display is bound to this key: give sensor_id, "
				       "or make the display's key with its sensor_ids");
	return image__active(c, r, id, true);
}

int h_image_active_sensor(struct ctx *c, struct response *r)
{
	int64_t id;

	if (ctx_path_id(c, r, "sensor_id", &id) != 0)
		return r->status;
	/* A device asking by id is still the display fetching. */
	return image__active(c, r, id, strcmp(c->who ? c->who->role : "", "device") == 0);
}
