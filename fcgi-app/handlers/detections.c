/*
 * /api/v1/detections: what detectors report (a Frigate-style NVR, a
 * camera's own detector, a script), each grouped into its camera's
 * security event as it is stored (store/detections.h).  An image comes
 * inline as base64 and is kept as a media file; the video is the
 * recording the detector names.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "iso8601.h"
#include "log.h"
#include "media/files.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "engine/notify.h"
#include "security/csv.h"
#include "store/alerts.h"
#include "store/cameras.h"
#include "store/detections.h"
#include "store/history.h"
#include "store/media.h"
#include "store/notify_rules.h"
#include "store/security_events.h"
#include "store/store.h"
#include "validate.h"

#define DETECTIONS_SCOPE "detections"
#define DETECTION_IMAGE_MAX (512u * 1024u)
#define DETECTION_ENRICHMENT_MAX (64u * 1024u)
#define EXPORT_MAX_ROWS 10000

static const char *const at_query[] = {"query", NULL};
static const char *const at_bbox[] = {"body", "bbox", NULL};
static const char *const export_formats[] = {"csv", "json", NULL};

static const struct vfield detection_fields[] = {
	{"camera_id", V_ID, V_REQUIRED, 0, 0, NULL},
	{"object_type", V_STRING, V_REQUIRED | V_NONEMPTY, 1, 64, NULL},
	{"detected_at", V_STRING, V_NULLABLE, 0, 64, NULL},
	{"bbox", V_OBJECT, V_NULLABLE, 0, 0, NULL},
	{"source", V_STRING, V_NULLABLE | V_NONEMPTY, 1, 64, NULL},
	{"external_id", V_STRING, V_NULLABLE | V_NONEMPTY, 1, 128, NULL},
	{"recording_id", V_ID, V_NULLABLE, 0, 0, NULL},
	{"video_offset_ms", V_INT, V_NULLABLE, 0, INT32_MAX, NULL},
	{"enrichment", V_OBJECT, V_NULLABLE, 0, 0, NULL},
	{"image_base64", V_STRING, V_NULLABLE, 0, 0, NULL},
};

/* Check body by hand where the table cannot: confidence a number 0-1, the
 * box normalised, the enrichment's size. */
static void detections__check(const json_t *body, json_t *errs)
{
	static const char *const box[] = {"x", "y", "width", "height"};
	const json_t *v = json_object_get(body, "confidence"), *bbox;
	const char *key;
	json_t *x;
	char *dump;

	if (v && (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1))
		verr_add(errs, at_body, "confidence", "value_error",
			 "Input should be a number between 0 and 1");
	bbox = json_object_get(body, "bbox");
	if (json_is_object(bbox)) {
		json_object_foreach((json_t *)bbox, key, x) {
			size_t i;

			for (i = 0; i < 4 && strcmp(key, box[i]) != 0; i++)
				;
			if (i == 4)
				verr_add(errs, at_bbox, key, "extra_forbidden",
					 "Extra inputs are not permitted");
		}
		for (size_t i = 0; i < 4; i++) {
			x = json_object_get(bbox, box[i]);
			if (!x)
				verr_add(errs, at_bbox, box[i], "missing", "Field required");
			else if (!json_is_number(x) || json_number_value(x) < 0 ||
				 json_number_value(x) > 1)
				verr_add(errs, at_bbox, box[i], "value_error",
					 "Input should be a number between 0 and 1");
		}
	}
	v = json_object_get(body, "enrichment");
	if (json_is_object(v)) {
		dump = json_dumps(v, JSON_COMPACT);
		if (!dump || strlen(dump) > DETECTION_ENRICHMENT_MAX)
			verr_add(errs, at_body, "enrichment", "value_error",
				 "Input should be at most 64 KiB of JSON");
		free(dump);
	}
}

/* Decode the base64 image: a malloc'd JPEG in *out, or a problem in errs. */
static int detections__image(const char *b64, unsigned char **out, size_t *len, json_t *errs)
{
	size_t n = strlen(b64), pad = 0;
	unsigned char *buf;
	int got;

	*out = NULL;
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > DETECTION_IMAGE_MAX + 3) {
		verr_add(errs, at_body, "image_base64", "value_error",
			 n / 4 * 3 > DETECTION_IMAGE_MAX + 3 ?
			 "Input should be an image of at most 512 KiB" :
			 "Input should be base64 (padded)");
		return -1;
	}
	if (!(buf = malloc(n / 4 * 3 + 1)))
		return -1;
	got = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	pad = (b64[n - 1] == '=') + (b64[n - 2] == '=');
	if (got < 0 || (size_t)got < pad || (size_t)got - pad > DETECTION_IMAGE_MAX ||
	    (size_t)got - pad < 3 || buf[0] != 0xFF || buf[1] != 0xD8 || buf[2] != 0xFF) {
		verr_add(errs, at_body, "image_base64", "value_error",
			 "Input should be a base64 JPEG image of at most 512 KiB");
		free(buf);
		return -1;
	}
	*out = buf;
	*len = (size_t)got - pad;
	return 0;
}

/*
 * The first time an event looks serious: an alert (warning for high,
 * emergency for critical), one per event by its source key, routed like
 * every other alert: the level's channels get delivery jobs (run once the
 * response is gone and the transaction committed) and its reminders
 * escalate it until someone acknowledges.  In the detection's
 * transaction, so the event and its alert land together.
 */
static enum herr detections__alert(struct ctx *c, const json_t *event)
{
	const char *level = json_string_value(json_object_get(event, "risk_level"));
	int64_t id = json_integer_value(json_object_get(event, "id")), alert_id = 0;
	struct notify_ctx nc = { .db = c->app->db, .cfg = c->app->cfg };
	struct notify_rule rule = {0};
	struct notify_out o = {0};
	char key[48], title[300];
	struct alert_fields a = {
		.alert_type = "security",
		.alert_level = level && strcmp(level, "critical") == 0 ? "emergency" : "warning",
		.title = title,
		.message = json_string_value(json_object_get(event, "summary")),
		.source_key = key,
	};
	const char *channel;
	json_t *alert = NULL, *job;
	enum herr e;

	snprintf(key, sizeof(key), "security:%" PRId64, id);
	snprintf(title, sizeof(title), "Security event %" PRId64 ": %s risk", id,
		 level ? level : "high");
	e = store_alerts_open_by_source(c->app->db, key, &alert_id);
	if (e != HERR_NOT_FOUND)
		return e;
	if ((e = store_notify_rule_get(c->app->db, a.alert_level, &rule)) != HERR_OK)
		return e;
	a.escalation_minutes = rule.repeat_count ? rule.escalation_minutes : 0;
	if ((e = store_alerts_create(c->app->db, &a, &alert_id)) != HERR_OK)
		goto out;

	struct notify_msg m = {
		.level = a.alert_level,
		.title = title,
		.text = a.message,
		.alert_id = alert_id,
		.rule = &rule,
		.now = time(NULL),
	};
	if ((e = notify_send(&nc, &m, &o)) != HERR_OK)
		goto out;
	json_object_foreach(o.jobs, channel, job)
		if (app_after(c->app, json_integer_value(job), AFTER_JOB) != 0)
			break;   /* the scheduler delivers the rest */
	if (store_alerts_get(c->app->db, alert_id, &alert) == HERR_OK)
		app_publish(c->app, "alerts", "alert.created", alert);
out:
	notify_out_clear(&o);
	notify_rule_clear(&rule);
	return e;
}

int h_detections_create(struct ctx *c, struct response *r)
{
	json_t *errs = json_array(), *body = ctx_body(c), *reply = NULL, *dup = NULL;
	json_t *rest = NULL, *closed = NULL;
	struct detection_fields f = { .video_offset_ms = -1 };
	struct detection_result res = {0};
	struct risk_calibration cal;
	unsigned char *image = NULL;
	size_t image_len = 0;
	const char *b64, *when;
	char camera_name[1025], rel[MEDIA_REL_MAX + 1];
	struct tm tm;
	time_t secs;
	enum herr e;
	int status = resource_start(r);

	if (!errs || !body)
		goto out;
	/* confidence is a number, which the table has no type for: checked
	 * by detections__check, and taken out of what the table sees. */
	if (!(rest = json_copy(body)))
		goto out;
	json_object_del(rest, "confidence");
	validate_object(rest, at_body, detection_fields,
			sizeof(detection_fields) / sizeof(detection_fields[0]), false, errs);
	if (!json_object_get(body, "confidence"))
		verr_add(errs, at_body, "confidence", "missing", "Field required");
	detections__check(body, errs);
	f.detected_ms = (int64_t)time(NULL) * 1000;
	when = json_string_value(json_object_get(body, "detected_at"));
	if (when && (iso8601_parse(when, &f.detected_ms) != 0 ||
		     f.detected_ms / 1000 > time(NULL) + HANDLER_TIME_FUTURE_MAX))
		verr_add(errs, at_body, "detected_at", "datetime_parsing",
			 "Input should be an ISO 8601 time with a zone, not far in the future");
	if ((b64 = json_string_value(json_object_get(body, "image_base64"))))
		detections__image(b64, &image, &image_len, errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	f.camera_id = json_integer_value(json_object_get(body, "camera_id"));
	f.object_type = json_string_value(json_object_get(body, "object_type"));
	f.confidence = json_number_value(json_object_get(body, "confidence"));
	f.bbox = json_is_object(json_object_get(body, "bbox")) ? json_object_get(body, "bbox") : NULL;
	f.source = json_string_value(json_object_get(body, "source"));
	f.external_id = json_string_value(json_object_get(body, "external_id"));
	f.recording_id = json_integer_value(json_object_get(body, "recording_id"));
	if (json_is_integer(json_object_get(body, "video_offset_ms")))
		f.video_offset_ms = json_integer_value(json_object_get(body, "video_offset_ms"));
	f.enrichment = json_is_object(json_object_get(body, "enrichment")) ?
		       json_object_get(body, "enrichment") : NULL;
	secs = (time_t)(f.detected_ms / 1000);
	f.local_hour = localtime_r(&secs, &tm) ? tm.tm_hour : -1;

	/* A key bound to cameras reports for its own only. */
	if (ctx_bound_check(c, r, f.camera_id, "camera") != 0) {
		status = r->status;
		goto out;
	}
	/* A report the detector already made: the first one, unchanged. */
	if (f.external_id) {
		e = store_detection_by_external(c->app->db, f.source, f.external_id, &dup);
		if (e == HERR_OK) {
			status = ctx_reply(r, 200, dup);
			dup = NULL;
			goto out;
		}
		if (e != HERR_NOT_FOUND) {
			status = response_error(r, e, "detection");
			goto out;
		}
	}
	e = store_detection_camera(c->app->db, f.camera_id, camera_name, sizeof(camera_name));
	if (e == HERR_NOT_FOUND) {
		verr_add(errs, at_body, "camera_id", "value_error", "Input should name a camera");
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "camera");
		goto out;
	}
	if ((e = store_calibration_get(c->app->db, false, &cal)) != HERR_OK) {
		status = response_error(r, e, "calibration");
		goto out;
	}
	/* The file before its row (files.h); a rollback leaves an orphan
	 * file for cleanup, never a row without its file. */
	if (image) {
		struct media_fields m = {
			.kind = "detection_image", .camera_id = f.camera_id,
			.camera_name = camera_name, .rel_path = rel, .mime = "image/jpeg",
			.size_bytes = image_len, .duration_ms = -1, .taken_at_ms = f.detected_ms,
		};

		if (media_new_rel_path("detections", f.camera_id, f.detected_ms, "detection",
				       "jpg", rel, sizeof(rel)) != 0 ||
		    media_write_file(c->app->cfg->media_root, rel, image, image_len) != 0) {
			LOG(LOG_ERR, "detection image of camera %" PRId64 " not written: %m",
			    f.camera_id);
			status = response_detail(r, 500, "could not store the image");
			goto out;
		}
		if ((e = store_media_insert(c->app->db, &m, &f.image_media_id)) != HERR_OK) {
			status = response_error(r, e, "image");
			goto out;
		}
	}
	/* A report is the camera answering.  Its cameras row is also the
	 * first lock every report of the camera takes, so they queue there
	 * rather than meet later on the open event. */
	if ((e = store_camera_seen(c->app->db, f.camera_id)) != HERR_OK && e != HERR_NOT_FOUND) {
		status = response_error(r, e, "camera");
		goto out;
	}
	e = store_detection_create(c->app->db, &f, &cal, &res);
	if (e == HERR_CONFLICT && f.external_id) {
		/* Lost the race to the same report: the winner's row. */
		e = store_detection_by_external(c->app->db, f.source, f.external_id, &dup);
		status = e == HERR_OK ? ctx_reply(r, 200, dup) : response_error(r, e, "detection");
		dup = NULL;
		goto out;
	}
	if (e == HERR_INVALID) {
		verr_add(errs, at_body, f.recording_id ? "recording_id" : "camera_id",
			 "value_error", f.recording_id ? "Input should name a recording" :
			 "Input should name a camera");
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "detection");
		goto out;
	}
	if (res.became_serious && (e = detections__alert(c, res.event)) != HERR_OK) {
		status = response_error(r, e, "alert");
		goto out;
	}
	if (res.closed_event_id &&
	    store_events_get(c->app->db, res.closed_event_id, &closed) == HERR_OK)
		app_publish(c->app, "events", "security_event.updated", closed);
	ctx_changed(c, json_integer_value(json_object_get(res.detection, "id")), NULL, NULL);
	app_publish(c->app, "detections", "detection.created", json_incref(res.detection));
	app_publish(c->app, "events", res.event_created ? "security_event.created" :
		    "security_event.updated", json_incref(res.event));
	reply = json_deep_copy(res.detection);
	if (!reply || json_object_set_new(reply, "event", json_pack(
			"{s:O, s:O, s:O, s:O}", "id", json_object_get(res.event, "id"),
			"risk_score", json_object_get(res.event, "risk_score"),
			"risk_level", json_object_get(res.event, "risk_level"),
			"detection_count", json_object_get(res.event, "detection_count"))) != 0)
		goto out;
	status = ctx_reply(r, 201, reply);
	reply = NULL;
out:
	detection_result_clear(&res);
	free(image);
	json_decref(rest);
	json_decref(errs);
	json_decref(body);
	json_decref(reply);
	json_decref(dup);
	return status;
}

/* The list's and the export's filters. */
static void detections__filter(struct ctx *c, struct detection_filter *f, char *since,
			       char *until, char *object_type, size_t otsz, json_t *errs)
{
	const char *query = c->req && c->req->query ? c->req->query : "";
	char conf[32];
	int64_t a = 0, b = 0, camera_id = 0;
	int found;

	f->min_confidence = -1;
	if (ctx_query_int(c, "camera_id", 1, INT64_MAX, &camera_id, errs) > 0)
		f->camera_id = camera_id;
	found = query_get(query, "object_type", object_type, otsz);
	if (found < 0)
		verr_add(errs, at_query, "object_type", "string_too_long", "Input is too long");
	else if (found > 0 && object_type[0])
		f->object_type = object_type;
	found = query_get(query, "min_confidence", conf, sizeof(conf));
	if (found != 0 && conf[0]) {
		char *end = NULL;
		double v = found > 0 ? strtod(conf, &end) : -1;

		if (found < 0 || !end || *end || !(v >= 0 && v <= 1))
			verr_add(errs, at_query, "min_confidence", "value_error",
				 "Input should be a number between 0 and 1");
		else
			f->min_confidence = v;
	}
	if (ctx_query_time(c, "since", &a, since, errs) > 0)
		f->since = since;
	if (ctx_query_time(c, "until", &b, until, errs) > 0)
		f->until = until;
	if (f->since && f->until && b <= a)
		verr_add(errs, at_query, "until", "value_error", "Input should be after since");
}

static enum herr detections__list(struct ctx *c, const void *filter, const struct page *pg,
				  json_t *items, bool *has_more)
{
	return store_detections_list(c->app->db, filter, pg, items, has_more);
}

static enum herr detections__get(struct ctx *c, const struct resource_key *k, bool lock,
				 json_t **out)
{
	return store_detections_get(c->app->db, k->id, out);
}

/* Reported by detectors (POST, which groups them into security events
 * and keeps a handler of its own), never changed through the API. */
static const struct resource detections = {
	.name = "detection",
	.plural = "detections",
	.newest_first = true,
	.list = detections__list,
	.get = detections__get,
};

int h_detections_list(struct ctx *c, struct response *r)
{
	struct detection_filter f = {0};
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN], object_type[257];
	json_t *errs = json_array();

	detections__filter(c, &f, since, until, object_type, sizeof(object_type), errs);
	return resource_list_filtered(c, r, &detections, DETECTIONS_SCOPE, errs, &f);
}

static const char *detections__str(const json_t *d, const char *key)
{
	return json_string_value(json_object_get(d, key));
}

int h_detections_export(struct ctx *c, struct response *r)
{
	static const char *const header[] = {
		"id", "camera_id", "camera", "event_id", "source", "external_id", "object_type",
		"confidence", "risk_score", "zone_type", "detected_at", "created_at",
	};
	struct detection_filter f = {0};
	char since[HANDLER_TIME_LEN], until[HANDLER_TIME_LEN], object_type[257];
	struct page pg = { .after_id = INT64_MAX, .offset = -1, .limit = EXPORT_MAX_ROWS };
	json_t *errs = json_array(), *items = json_array(), *d;
	const char *format = "csv";
	bool more = false;
	struct csv out;
	size_t i, len = 0;
	char *text;
	enum herr e;
	int status = resource_start(r);

	csv_init(&out);
	if (!errs || !items)
		goto out;
	ctx_query_enum(c, "format", export_formats, &format, errs);
	detections__filter(c, &f, since, until, object_type, sizeof(object_type), errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = store_detections_list(c->app->db, &f, &pg, items, &more)) != HERR_OK) {
		status = response_error(r, e, "detections");
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		status = ctx_reply(r, 200, json_pack("{s:O, s:b}", "items", items, "truncated",
						     more));
		security_audit_read(c, status);
		goto out;
	}
	for (i = 0; i < sizeof(header) / sizeof(header[0]); i++)
		csv_text(&out, header[i]);
	csv_end_row(&out);
	json_array_foreach(items, i, d) {
		csv_int(&out, json_integer_value(json_object_get(d, "id")));
		if (json_is_integer(json_object_get(d, "camera_id")))
			csv_int(&out, json_integer_value(json_object_get(d, "camera_id")));
		else
			csv_text(&out, NULL);
		csv_text(&out, detections__str(d, "camera_name"));
		if (json_is_integer(json_object_get(d, "event_id")))
			csv_int(&out, json_integer_value(json_object_get(d, "event_id")));
		else
			csv_text(&out, NULL);
		csv_text(&out, detections__str(d, "source"));
		csv_text(&out, detections__str(d, "external_id"));
		csv_text(&out, detections__str(d, "object_type"));
		csv_real(&out, json_number_value(json_object_get(d, "confidence")));
		csv_int(&out, json_integer_value(json_object_get(d, "risk_score")));
		csv_text(&out, detections__str(d, "zone_type"));
		csv_text(&out, detections__str(d, "detected_at"));
		csv_text(&out, detections__str(d, "created_at"));
		csv_end_row(&out);
	}
	if (!(text = csv_take(&out, &len)))
		goto out;
	response_add_header(r, "Content-Disposition", "attachment; filename=\"detections.csv\"");
	status = response_text(r, 200, "text/csv; charset=utf-8", text, len);
	security_audit_read(c, status);
out:
	csv_free(&out);
	json_decref(errs);
	json_decref(items);
	return status;
}

int h_detections_get(struct ctx *c, struct response *r)
{
	return h_resource_get(c, r, &detections);
}

/* The detection's image ('i') or video ('v'), through nginx. */
static int detections__media(struct ctx *c, struct response *r, char which)
{
	struct resource_key k;
	struct media_row row;
	int64_t id, media_id = 0;
	enum herr e;

	if (resource_path(c, r, &detections, true, &k) != 0)
		return r->status;
	id = k.id;
	e = store_detection_media(c->app->db, id, which, &media_id);
	if (e != HERR_OK)
		return resource_error(r, &detections, e, &k, NULL);
	if (media_id == 0 ||
	    (e = store_media_find(c->app->db, media_id, which == 'v' ? "recording" :
				  "detection_image", &row)) == HERR_NOT_FOUND)
		return response_detail(r, 404, "detection %" PRId64 " has no %s", id,
				       which == 'v' ? "video" : "image");
	if (e != HERR_OK)
		return response_error(r, e, "media");
	return response_accel(r, row.rel_path, row.mime);
}

int h_detections_image(struct ctx *c, struct response *r)
{
	return detections__media(c, r, 'i');
}

int h_detections_video(struct ctx *c, struct response *r)
{
	return detections__media(c, r, 'v');
}

int h_detections_enrichment(struct ctx *c, struct response *r)
{
	struct resource_key k;
	json_t *doc = NULL;
	enum herr e;

	if (resource_path(c, r, &detections, true, &k) != 0)
		return r->status;
	e = store_detection_enrichment(c->app->db, k.id, &doc);
	if (e != HERR_OK)
		return resource_error(r, &detections, e, &k, NULL);
	if (json_is_null(doc)) {
		json_decref(doc);
		return response_detail(r, 404, "detection %" PRId64 " has no enrichment", k.id);
	}
	return ctx_reply(r, 200, doc);
}
