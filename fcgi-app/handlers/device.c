/*
 * The device endpoints and the binding of device keys.
 *
 *   POST /device/recamera    a JPEG from a reCamera, as multipart/form-data
 *                            (image, camera_id?, event_type?, device_key?)
 *                            or JSON {camera_id?, image: base64, event_type?}:
 *                            kept as a snapshot of the camera and offered to
 *                            the camera's sensor_event rules with
 *                            trigger.media_paths naming the file.
 *   POST /device/reterminal  a button pressed or a command given on a
 *                            reTerminal: an event of its button sensor, and
 *                            what the device should show in the reply.
 *
 * A key bound to sensors (store/key_bindings.h) reports for those only:
 * ctx_bound_check is the one test, used here and by sensor events,
 * detections and recordings.  A device endpoint takes the key's bound
 * camera (button sensor) when the request names none.
 *
 * The image's file name is always Hearth's (media_new_rel_path); nothing
 * of what the client sends becomes part of a path.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "api.h"
#include "app.h"
#include "config.h"
#include "engine/sensor_event.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "media/files.h"
#include "media/grab.h"
#include "media/multipart.h"
#include "media/snapshot.h"
#include "request.h"
#include "response.h"
#include "store/alerts.h"
#include "store/cameras.h"
#include "store/key_bindings.h"
#include "store/store.h"
#include "validate.h"

/* Room for the multipart framing around the image. */
#define DEVICE_FORM_OVERHEAD (64u << 10)
#define DEVICE_FIELD_MAX 80
#define DEVICE_ROLE "device"
#define DETECTOR_ROLE "detector"

/* What a camera reports with its image; "image" when it says nothing. */
static const char *const camera_events[] = {"image", "motion", "person", NULL};
static const char *const reterminal_actions[] = {"button", "command", NULL};
static const char *const button_events[] = {"press", "double_press", "long_press", NULL};

/* ---------------------------------------------------------------- binding */

/* Only device and detector keys are ever bound: others need no look. */
static bool device__may_be_bound(const struct ctx *c)
{
	return c->who && c->who->key_id > 0 &&
	       (strcmp(c->who->role, DEVICE_ROLE) == 0 || strcmp(c->who->role, DETECTOR_ROLE) == 0);
}

int ctx_bound_check(struct ctx *c, struct response *r, int64_t sensor_id, const char *what)
{
	bool bound = false, allowed = true;
	enum herr e;

	if (!device__may_be_bound(c))
		return 0;
	e = store_key_bindings_allows(c->app->db, c->who->key_id, sensor_id, &bound, &allowed);
	if (e != HERR_OK && e != HERR_NOT_FOUND) {
		response_error(r, e, NULL);
		return -1;
	}
	if (allowed)
		return 0;
	response_detail(r, 403, "api key '%s' is not bound to %s %" PRId64
			"; it may report only for the %ss it was created for",
			c->who->name, what, sensor_id, what);
	return -1;
}

/*
 * The sensor of type type (a camera, a button) a device request is about:
 * the id it named (*id > 0), which a bound key must be bound to, or else
 * the key's one bound sensor of that type.  0 with *id set; -1 with the
 * reply on r (403 not bound, 422 none or several to choose from).
 */
static int device__target(struct ctx *c, struct response *r, const char *type,
			  const char *field, int64_t *id)
{
	int64_t ids[2];
	size_t n = 0;
	bool bound = false;
	json_t *errs;
	enum herr e;

	if (*id > 0)
		return ctx_bound_check(c, r, *id, strcmp(type, "camera") == 0 ? "camera" : "sensor");
	if (device__may_be_bound(c)) {
		e = store_key_bindings_of_type(c->app->db, c->who->key_id, type, ids, 2, &n, &bound);
		if (e != HERR_OK && e != HERR_NOT_FOUND) {
			response_error(r, e, NULL);
			return -1;
		}
	}
	if (bound && n == 1) {
		*id = ids[0];
		return 0;
	}
	errs = json_array();
	if (errs && !bound)
		verr_add(errs, at_body, field, "missing", "Field required");
	else if (errs && n == 0)
		verr_add(errs, at_body, field, "missing",
			 "Field required: the key is bound to no %s", type);
	else if (errs)
		verr_add(errs, at_body, field, "missing",
			 "Field required: the key is bound to %zu %ss; name one", n, type);
	ctx_invalid(r, errs);
	return -1;
}

/* ---------------------------------------------------------------- the image */

int device_image_decode(const char *b64, size_t len, unsigned char **out, size_t *outlen,
			const char **why)
{
	unsigned char *buf;
	size_t pad;
	int got;

	*out = NULL;
	*outlen = 0;
	*why = NULL;
	if (len == 0 || len % 4 != 0) {
		*why = "Input should be a JPEG image in base64 (padded)";
		return -1;
	}
	if (len / 4 * 3 > DEVICE_JPEG_MAX + 2) {
		*why = "Input should be an image of at most " DEVICE_JPEG_MAX_TEXT;
		return -1;
	}
	if (len > INT32_MAX || !(buf = malloc(len / 4 * 3 + 1))) {
		*why = "out of memory";
		return -2;
	}
	got = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
	pad = (size_t)(b64[len - 1] == '=') + (size_t)(b64[len - 2] == '=');
	if (got < 0 || (size_t)got < pad) {
		free(buf);
		*why = "Input should be a JPEG image in base64 (padded)";
		return -1;
	}
	if ((size_t)got - pad > DEVICE_JPEG_MAX) {
		free(buf);
		*why = "Input should be an image of at most " DEVICE_JPEG_MAX_TEXT;
		return -1;
	}
	*out = buf;
	*outlen = (size_t)got - pad;
	return 0;
}

int device_image_check(const unsigned char *jpeg, size_t len, unsigned *width,
		       unsigned *height, const char **why)
{
	*width = *height = 0;
	*why = NULL;
	if (len > DEVICE_JPEG_MAX) {
		*why = "Input should be an image of at most " DEVICE_JPEG_MAX_TEXT;
		return -1;
	}
	if (media_jpeg_size(jpeg, len, width, height) != 0) {
		*why = "Input should be a whole JPEG image";
		return -1;
	}
	if (*width == 0 || *height == 0 || *width > DEVICE_JPEG_SIDE_MAX ||
	    *height > DEVICE_JPEG_SIDE_MAX) {
		*why = "Input should be a JPEG of 1 to 8192 pixels a side";
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- recamera */

/* What a reCamera sent, from either body. */
struct upload {
	unsigned char *image;              /* malloc'd */
	size_t len;
	int64_t camera_id;                 /* 0 = not given */
	char event_type[DEVICE_FIELD_MAX + 1];
	char device_key[DEVICE_FIELD_MAX + 1];
	bool has_event_type, has_device_key, has_camera, has_image;
};

/* The form being read: the part in hand and its text so far. */
struct form {
	struct upload *u;
	enum { PART_NONE, PART_IMAGE, PART_CAMERA, PART_EVENT, PART_KEY } part;
	char text[DEVICE_FIELD_MAX + 1];
	size_t text_len;
	size_t cap;
	int status;                        /* set when a callback stopped the parse */
	const char *field, *msg;
};

static int form__stop(struct form *f, int status, const char *field, const char *msg)
{
	f->status = status;
	f->field = field;
	f->msg = msg;
	return 1;
}

static int form__begin(void *arg, const struct multipart_part *p)
{
	struct form *f = arg;
	struct upload *u = f->u;

	f->text_len = 0;
	f->text[0] = '\0';
	if (strcmp(p->name, "image") == 0 && !u->has_image) {
		u->has_image = true;
		f->part = PART_IMAGE;
	} else if (strcmp(p->name, "camera_id") == 0 && !p->filename && !u->has_camera) {
		u->has_camera = true;
		f->part = PART_CAMERA;
	} else if (strcmp(p->name, "event_type") == 0 && !p->filename && !u->has_event_type) {
		u->has_event_type = true;
		f->part = PART_EVENT;
	} else if (strcmp(p->name, "device_key") == 0 && !p->filename && !u->has_device_key) {
		u->has_device_key = true;
		f->part = PART_KEY;
	} else {
		return form__stop(f, 422, "body", "Extra or repeated form fields are not permitted "
				  "(image, camera_id, event_type, device_key)");
	}
	return 0;
}

static int form__data(void *arg, const char *data, size_t len)
{
	struct form *f = arg;
	struct upload *u = f->u;

	if (f->part == PART_IMAGE) {
		unsigned char *grown;

		if (u->len + len > DEVICE_JPEG_MAX)
			return form__stop(f, 413, "image", NULL);
		if (u->len + len > f->cap) {
			size_t cap = f->cap ? f->cap : 64u << 10;

			while (cap < u->len + len)
				cap *= 2;
			if (cap > DEVICE_JPEG_MAX)
				cap = DEVICE_JPEG_MAX;
			if (!(grown = realloc(u->image, cap)))
				return form__stop(f, 500, NULL, "out of memory");
			u->image = grown;
			f->cap = cap;
		}
		memcpy(u->image + u->len, data, len);
		u->len += len;
		return 0;
	}
	if (f->text_len + len > DEVICE_FIELD_MAX || memchr(data, '\0', len))
		return form__stop(f, 422, f->part == PART_CAMERA ? "camera_id"
				  : f->part == PART_EVENT ? "event_type" : "device_key",
				  "Input is not valid");
	memcpy(f->text + f->text_len, data, len);
	f->text_len += len;
	f->text[f->text_len] = '\0';
	return 0;
}

static int form__end(void *arg)
{
	struct form *f = arg;
	struct upload *u = f->u;
	int64_t id;

	switch (f->part) {
	case PART_CAMERA:
		if (parse_int64(f->text, &id) != 0 || id < 1)
			return form__stop(f, 422, "camera_id", "Input should be a positive integer");
		u->camera_id = id;
		break;
	case PART_EVENT:
		memcpy(u->event_type, f->text, f->text_len + 1);
		break;
	case PART_KEY:
		memcpy(u->device_key, f->text, f->text_len + 1);
		break;
	default:
		break;
	}
	explicit_bzero(f->text, sizeof(f->text));
	f->part = PART_NONE;
	return 0;
}

static const struct multipart_callbacks form_callbacks = {
	form__begin, form__data, form__end,
};

static int device__invalid(struct response *r, const char *field, const char *type,
			   const char *msg)
{
	json_t *errs = json_array();

	if (errs)
		verr_add(errs, at_body, field, type, "%s", msg);
	return ctx_invalid(r, errs);
}

/* Read the form into u; 0, or the status of the reply set on r. */
static int device__read_form(struct ctx *c, struct response *r, struct upload *u)
{
	const struct request *req = c->req;
	struct form f = {.u = u};
	struct multipart *mp;
	char buf[16384];
	int status = 0;

	/* Nothing is read beyond what an image may be, also before the key
	 * that may come with it is known. */
	if (req->body_stream_len > DEVICE_JPEG_MAX + DEVICE_FORM_OVERHEAD)
		return response_detail(r, 413, "image too large (limit " DEVICE_JPEG_MAX_TEXT ")");
	if (!(mp = multipart_new(req->content_type, &form_callbacks, &f)))
		return response_detail(r, 400, "multipart/form-data without a valid boundary");
	for (;;) {
		ssize_t n = req->body_read(req->body_stream, buf, sizeof(buf));

		if (n < 0) {
			status = response_detail(r, 400, "incomplete request body");
			break;
		}
		if ((n == 0 ? multipart_finish(mp) : multipart_feed(mp, buf, (size_t)n)) < 0) {
			if (f.status == 413)
				status = response_detail(r, 413, "image too large (limit "
							 DEVICE_JPEG_MAX_TEXT ")");
			else if (f.status == 422)
				status = device__invalid(r, f.field, "value_error", f.msg);
			else if (f.status == 500)
				status = response_detail(r, 500, "%s", f.msg);
			else
				status = response_detail(r, 400, "malformed multipart body: %s",
							 multipart_error(mp));
			break;
		}
		if (n == 0)
			break;
	}
	multipart_free(mp);
	explicit_bzero(buf, sizeof(buf));
	return status;
}

/* The JSON body into u; 0, or the status of the 422 set on r. */
static int device__read_json(struct ctx *c, struct response *r, struct upload *u)
{
	static const struct vfield fields[] = {
		{"camera_id", V_ID, 0, 0, 0, NULL},
		{"image", V_STRING, V_REQUIRED, 1, 0, NULL},
		{"event_type", V_STRING, 0, 1, 32, camera_events},
	};
	json_t *body = ctx_body(c), *errs = json_array(), *v;
	const char *why = NULL;
	int status = 0;

	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	validate_object(body, at_body, fields, sizeof(fields) / sizeof(fields[0]), false, errs);
	if ((v = json_object_get(body, "camera_id")) && json_is_integer(v))
		u->camera_id = json_integer_value(v);
	if ((v = json_object_get(body, "event_type")) && json_is_string(v)) {
		u->has_event_type = true;
		snprintf(u->event_type, sizeof(u->event_type), "%s", json_string_value(v));
	}
	v = json_object_get(body, "image");
	if (json_is_string(v)) {
		int rc = device_image_decode(json_string_value(v), json_string_length(v), &u->image,
					     &u->len, &why);

		if (rc == -2) {
			status = response_detail(r, 500, "out of memory");
			goto out;
		}
		if (rc < 0)
			verr_add(errs, at_body, "image", "value_error", "%s", why);
		u->has_image = rc == 0;
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
	}
out:
	json_decref(errs);
	json_decref(body);
	return status;
}

/* The event of the camera's sensor, with its snapshot; the runs it starts
 * in ids (*n_runs). */
static enum herr device__camera_event(struct ctx *c, const struct camera *cam,
				      const char *event_type, const struct snapshot_result *snap,
				      unsigned w, unsigned h, int64_t *ids, struct sensor_event_result *res)
{
	json_t *paths = json_pack("[s]", snap->rel_path);
	json_t *attributes = json_pack("{s:s, s:I, s:i, s:i}", "source", "recamera",
				       "snapshot_id", (json_int_t)snap->id, "width", (int)w,
				       "height", (int)h);
	enum herr e = HERR_NOMEM;

	if (paths && attributes) {
		const struct sensor_event ev = {
			.sensor_id = cam->id,
			.event_type = event_type,
			.attributes = attributes,
			.media_paths = paths,
			.media_type = "image",
		};

		e = sensor_event_record(c->app->engine, c->app->db, &ev, ids, APP_AFTER_MAX, res);
	}
	json_decref(paths);
	json_decref(attributes);
	return e;
}

/* The camera's event on the events stream, as a posted event is. */
static void device__publish(struct ctx *c, int64_t camera_id, const char *event_type,
			    const struct snapshot_result *snap,
			    const struct sensor_event_result *res, json_t *runs)
{
	json_t *sensor = NULL;
	json_t *ev = json_pack("{s:s, s:{s:s, s:I}}", "event_type", event_type, "attributes",
			       "source", "recamera", "snapshot_id", (json_int_t)snap->id);

	if (ev && store_sensors_get(c->app->db, camera_id, false, &sensor) == HERR_OK)
		ctx_publish_sensor_event(c, sensor, ev, res->event_id, res->status, res->applied,
					 runs);
	json_decref(sensor);
	json_decref(ev);
}

int h_device_recamera(struct ctx *c, struct response *r)
{
	const struct hearth_config *cfg = c->app->cfg;
	struct upload u;
	struct camera cam;
	struct snapshot_result snap = {0};
	struct sensor_event_result res = {0};
	int64_t ids[APP_AFTER_MAX];
	json_t *runs = NULL, *errs = NULL;
	const char *why = NULL, *event_type;
	char url[64];
	unsigned w = 0, h = 0;
	bool kept = false;
	enum herr e;
	int status;

	memset(&u, 0, sizeof(u));
	memset(&cam, 0, sizeof(cam));
	status = c->req->body_read ? device__read_form(c, r, &u) : device__read_json(c, r, &u);
	if (status != 0)
		goto out;
	/* The form's key, once the form is read: nothing is kept before. */
	if (u.has_device_key || api_form_credential_due(c)) {
		if (api_authenticate_form(c, u.has_device_key ? u.device_key : NULL, r) < 0) {
			status = r->status;
			goto out;
		}
	}
	if (!(errs = json_array()) || !(runs = json_array())) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	event_type = u.has_event_type ? u.event_type : "image";
	if (u.has_event_type) {
		bool known = false;

		for (size_t i = 0; camera_events[i]; i++)
			known = known || strcmp(camera_events[i], event_type) == 0;
		if (!known)
			verr_enum(errs, at_body, "event_type", camera_events);
	}
	if (!u.has_image)
		verr_add(errs, at_body, "image", "missing", "Field required");
	else if (device_image_check(u.image, u.len, &w, &h, &why) != 0)
		verr_add(errs, at_body, "image", "value_error", "%s", why);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (device__target(c, r, "camera", "camera_id", &u.camera_id) < 0) {
		status = r->status;
		goto out;
	}
	e = store_camera_load(c->app->db, u.camera_id, true, &cam);
	if (e == HERR_NOT_FOUND) {
		status = device__invalid(r, "camera_id", "value_error", "Input should name a camera");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "camera");
		goto out;
	}
	if (!cam.enabled) {
		status = response_detail(r, 409, "camera %" PRId64 " is disabled", cam.id);
		goto out;
	}
	if ((e = media_snapshot_keep(cfg, c->app->db, &cam, u.image, u.len, w, h, &snap)) !=
	    HERR_OK) {
		status = response_error(r, e, "snapshot");
		goto out;
	}
	kept = true;
	e = device__camera_event(c, &cam, event_type, &snap, w, h, ids, &res);
	if (e != HERR_OK) {
		status = e == HERR_CONFLICT
			 ? response_detail(r, 409, "camera %" PRId64 " is disabled", cam.id)
			 : response_error(r, e, res.rules_failed ? "rules" : "sensor event");
		goto out;
	}
	for (size_t i = 0; i < res.n_runs; i++) {
		json_array_append_new(runs, json_integer(ids[i]));
		app_after(c->app, ids[i], AFTER_RUN);
	}
	kept = false;
	ctx_changed(c, cam.id, NULL, NULL);
	device__publish(c, cam.id, event_type, &snap, &res, runs);
	/* The image is served as the snapshot it now is, by its number. */
	snprintf(url, sizeof(url), "/api/v1/snapshots/%" PRId64 "/image", snap.id);
	status = ctx_reply(r, 201, json_pack("{s:I, s:I, s:I, s:I, s:s, s:i, s:i, s:I, s:s, s:O}",
					     "snapshot_id", (json_int_t)snap.id,
					     "event_id", (json_int_t)res.event_id,
					     "camera_id", (json_int_t)cam.id,
					     "sensor_id", (json_int_t)cam.id,
					     "event_type", event_type,
					     "width", (int)w, "height", (int)h,
					     "size_bytes", (json_int_t)u.len,
					     "image_url", url,
					     "execution_ids", runs));
out:
	/* A file whose row goes with the rollback goes now. */
	if (kept)
		media_unlink(cfg->media_root, snap.rel_path);
	if (u.image)
		free(u.image);
	explicit_bzero(u.device_key, sizeof(u.device_key));
	store_camera_release(&cam);
	json_decref(res.status);
	json_decref(runs);
	json_decref(errs);
	return status;
}

/* ---------------------------------------------------------------- reterminal */

static const struct vfield reterminal_fields[] = {
	{"action", V_STRING, V_REQUIRED, 1, 16, reterminal_actions},
	{"button", V_STRING, 0, 1, 16, NULL},
	{"command", V_STRING, V_NONEMPTY, 1, 256, NULL},
	{"sensor_id", V_ID, 0, 0, 0, NULL},
	{"event_type", V_STRING, 0, 1, 32, button_events},
};

/* A button's name: F1, F2, F3, O... letters, digits, '_' and '-'. */
static bool device__button_ok(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789_-") == strlen(s);
}

/* Cross-field checks: the action's own field and no other. */
static void device__reterminal_check(const json_t *body, json_t *errs)
{
	const char *action = json_string_value(json_object_get(body, "action"));
	const json_t *button = json_object_get(body, "button");
	const json_t *command = json_object_get(body, "command");

	if (json_is_string(button) && !device__button_ok(json_string_value(button)))
		verr_add(errs, at_body, "button", "value_error",
			 "Input should be a button's name (F1, F2, F3, O...)");
	if (!action)
		return;
	if (strcmp(action, "button") == 0) {
		if (!button)
			verr_add(errs, at_body, "button", "missing",
				 "Field required when action is 'button'");
		if (command)
			verr_add(errs, at_body, "command", "extra_forbidden",
				 "Only with action 'command'");
	} else if (strcmp(action, "command") == 0) {
		if (!command)
			verr_add(errs, at_body, "command", "missing",
				 "Field required when action is 'command'");
		if (button)
			verr_add(errs, at_body, "button", "extra_forbidden",
				 "Only with action 'button'");
	}
}

/* What the device should show: its room's occupancy and the newest open
 * alert, each null when there is none.  Borrowed sensor; adds to reply. */
static enum herr device__display(struct ctx *c, const json_t *sensor, json_t *reply)
{
	const struct alert_filter open = {.resolved = 0};
	struct page pg = {.after_id = 0, .offset = -1, .limit = 1};
	json_t *rooms = json_array(), *alerts = json_array(), *room = NULL, *v, *a;
	json_int_t room_id = json_integer_value(json_object_get(sensor, "room_id"));
	bool more = false;
	enum herr e = HERR_NOMEM;
	size_t i;

	if (!rooms || !alerts)
		goto out;
	if (room_id > 0 && (e = store_occupancy(c->app->db, rooms)) != HERR_OK)
		goto out;
	json_array_foreach(rooms, i, v) {
		if (json_integer_value(json_object_get(v, "room_id")) == room_id) {
			room = json_pack("{s:O, s:O, s:O, s:O}", "room_id", json_object_get(v, "room_id"),
					 "room_name", json_object_get(v, "room_name"),
					 "occupied", json_object_get(v, "occupied"),
					 "since", json_object_get(v, "since") ? json_object_get(v, "since")
									: json_null());
			break;
		}
	}
	if ((e = store_alerts_list(c->app->db, &open, &pg, alerts, &more)) != HERR_OK)
		goto out;
	a = json_array_get(alerts, 0);
	e = HERR_NOMEM;
	if (json_object_set_new(reply, "occupancy", room ? room : json_null()) != 0)
		goto out;
	room = NULL;
	if (json_object_set_new(reply, "alert", a ? json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}",
			"id", json_object_get(a, "id"),
			"alert_level", json_object_get(a, "alert_level"),
			"title", json_object_get(a, "title"),
			"message", json_object_get(a, "message"),
			"room_name", json_object_get(a, "room_name"),
			"created_at", json_object_get(a, "created_at")) : json_null()) != 0 ||
	    json_object_set_new(reply, "image_url", json_string("/api/v1/image/active")) != 0)
		goto out;
	e = HERR_OK;
out:
	json_decref(room);
	json_decref(rooms);
	json_decref(alerts);
	return e;
}

int h_device_reterminal(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *runs = json_array();
	json_t *sensor = NULL, *attributes = NULL, *reply = NULL, *published = NULL;
	struct sensor_event_result res = {0};
	int64_t ids[APP_AFTER_MAX], sensor_id = 0;
	const char *event_type, *type;
	enum herr e;
	int status = 500;

	if (!body || !errs || !runs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	validate_object(body, at_body, reterminal_fields,
			sizeof(reterminal_fields) / sizeof(reterminal_fields[0]), false, errs);
	device__reterminal_check(body, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	sensor_id = json_integer_value(json_object_get(body, "sensor_id"));
	if (device__target(c, r, "button", "sensor_id", &sensor_id) < 0) {
		status = r->status;
		goto out;
	}
	e = store_sensors_get(c->app->db, sensor_id, false, &sensor);
	type = json_string_value(json_object_get(sensor, "sensor_type"));
	if (e == HERR_NOT_FOUND || (e == HERR_OK && (!type || strcmp(type, "button") != 0))) {
		status = device__invalid(r, "sensor_id", "value_error",
					 "Input should name a button sensor");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "sensor");
		goto out;
	}
	event_type = json_string_value(json_object_get(body, "event_type"));
	if (!event_type)
		event_type = "press";
	attributes = json_pack("{s:s, s:O}", "source", "reterminal",
			       "action", json_object_get(body, "action"));
	if (!attributes) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (json_object_get(body, "button"))
		json_object_set(attributes, "button", json_object_get(body, "button"));
	if (json_object_get(body, "command"))
		json_object_set(attributes, "command", json_object_get(body, "command"));

	const struct sensor_event ev = {
		.sensor_id = sensor_id,
		.event_type = event_type,
		.attributes = attributes,
	};
	e = sensor_event_record(c->app->engine, c->app->db, &ev, ids, APP_AFTER_MAX, &res);
	if (e != HERR_OK) {
		status = e == HERR_CONFLICT
			 ? response_detail(r, 409, "sensor %" PRId64 " is disabled", sensor_id)
			 : response_error(r, e, res.rules_failed ? "rules" : "sensor event");
		goto out;
	}
	for (size_t i = 0; i < res.n_runs; i++) {
		json_array_append_new(runs, json_integer(ids[i]));
		app_after(c->app, ids[i], AFTER_RUN);
	}
	reply = json_pack("{s:I, s:I, s:s, s:O}", "event_id", (json_int_t)res.event_id,
			  "sensor_id", (json_int_t)sensor_id, "event_type", event_type,
			  "execution_ids", runs);
	if (!reply || (e = device__display(c, sensor, reply)) != HERR_OK) {
		status = response_error(r, reply ? e : HERR_NOMEM, "display");
		goto out;
	}
	ctx_changed(c, sensor_id, NULL, NULL);
	published = json_pack("{s:s, s:O}", "event_type", event_type, "attributes", attributes);
	if (published)
		ctx_publish_sensor_event(c, sensor, published, res.event_id, res.status,
					 res.applied, runs);
	status = ctx_reply(r, 201, reply);
	reply = NULL;
out:
	json_decref(body);
	json_decref(errs);
	json_decref(runs);
	json_decref(sensor);
	json_decref(attributes);
	json_decref(published);
	json_decref(reply);
	json_decref(res.status);
	return status;
}
